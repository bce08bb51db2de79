"""Regenerate the dashboard pictures in docs/img/ from a real server and Chromium.

Run from the repository root, with the UI built:

    .venv/bin/python tests/browser/take_screenshots.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import CHROMIUM, CHROMIUM_ARGS, LiveServer, fake_plugin

DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
#: The pictures are documentation, not art: keep them small enough for the repository.
MAX_BYTES = 200_000


def shoot(page: Page, url: str, target: Path) -> None:
    page.goto(url)
    page.locator("body[data-ready='1']").wait_for()
    page.locator(".connection[data-state='connected']").wait_for()
    page.screenshot(path=str(target))
    size = target.stat().st_size
    if size > MAX_BYTES:
        raise SystemExit(f"{target} is {size} bytes, over the {MAX_BYTES} byte budget")
    print(f"wrote {target} ({size // 1024} KB)")


def main() -> None:
    DOCS_IMG.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as env_dir, sync_playwright() as playwright:
        plugins = {
            name: fake_plugin(name, label, active=False)
            for name, label in [
                ("live", "Live"),
                ("scalars", "Scalars"),
                ("images", "Images"),
                ("histograms", "Histograms"),
                ("graphs", "Graphs"),
                ("projector", "Projector"),
                ("explain", "Explain"),
            ]
        }
        server = LiveServer(env_path=Path(env_dir), plugins=plugins)
        server.start()
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 620})
            shoot(page, server.url, DOCS_IMG / "ui-welcome.png")

            for plugin in plugins.values():
                plugin.active = True
            dark = browser.new_page(viewport={"width": 1100, "height": 300}, color_scheme="dark")
            shoot(dark, server.url + "#/explain", DOCS_IMG / "ui-shell.png")
        finally:
            browser.close()
            server.stop()


if __name__ == "__main__":
    main()
