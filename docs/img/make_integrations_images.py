"""Draw the picture of docs/integrations.md from real torchscope output.

    python docs/img/make_integrations_images.py

Builds a Live env (a loss curve, two accuracy curves, a scatter and a text pane) through
torchscope's live store, exports it with ``env_to_html`` and photographs the page in Debian's
Chromium (through Playwright): docs/img/export-env-html.png.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from torchscope.export.env import load_env
from torchscope.export.env_html import env_to_html
from torchscope.live.store import LiveStore

OUTPUT = Path(__file__).with_name("export-env-html.png")
CHROMIUM = "/usr/bin/chromium"


def build_env(env_path: Path) -> None:
    rng = np.random.default_rng(0)
    steps = np.arange(300)
    loss = 2.0 * np.exp(-steps / 80) + 0.05 * rng.standard_normal(steps.size) + 0.1
    train_acc = 1 - 0.9 * np.exp(-steps / 60)
    val_acc = train_acc - 0.05 - 0.02 * rng.random(steps.size)
    points = rng.standard_normal((2, 200))
    store = LiveStore(env_path)
    store.open()

    def pane(win: str, data: list[dict[str, object]], title: str) -> None:
        store.execute(
            "events",
            {"eid": "demo", "win": win, "data": data, "opts": {"title": title}, "layout": {}},
        )

    def line(name: str, y: np.ndarray) -> dict[str, object]:
        return {"type": "scatter", "mode": "lines", "name": name, "x": steps.tolist(),
                "y": y.tolist()}  # fmt: skip

    pane("loss", [line("train", loss)], "loss")
    pane("accuracy", [line("train", train_acc), line("validation", val_acc)], "accuracy")
    dots = {"type": "scatter", "mode": "markers", "name": "embedding",
            "x": points[0].tolist(), "y": points[1].tolist()}  # fmt: skip
    pane("scatter", [dots], "embedding (2-D)")
    text = "<b>epoch 3</b> done: val accuracy 0.93<br><i>checkpoint saved</i>"
    pane("log", [{"type": "text", "content": text}], "log")
    store.close()


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        env_path = Path(folder) / "envs"
        env_path.mkdir()
        build_env(env_path)
        page_file = Path(folder) / "demo.html"
        page_file.write_text(env_to_html(load_env(env_path, "demo"), "demo"), encoding="utf-8")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page(viewport={"width": 1120, "height": 760})
            page.goto(page_file.as_uri())
            page.screenshot(path=str(OUTPUT), full_page=True)
            browser.close()
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
