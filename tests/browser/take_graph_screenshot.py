"""Regenerate docs/img/graph-view.png: the Graphs view on a traced ResNet-50.

Serves a log directory holding the torch fixture's runs and a ResNet-50 graph file, searches
for one convolution and photographs the view. Run from the repository root, with the UI built:

    .venv/bin/python tests/browser/take_graph_screenshot.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import torch
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import CHROMIUM, CHROMIUM_ARGS
from logdir_server import TORCH_LOGDIR, logdir_server

import torchscope.graph as tg
from torchscope.graph.files import save_model_graph
from torchscope.graph.zoo import resnet50

OUTPUT = Path(__file__).resolve().parents[2] / "docs" / "img" / "graph-view.png"
MAX_BYTES = 200_000


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        logdir = Path(folder) / "runs"
        logdir.mkdir()
        (logdir / "train").symlink_to(TORCH_LOGDIR / "train", target_is_directory=True)
        torch.manual_seed(0)
        graph = tg.trace(resnet50(), torch.randn(8, 3, 224, 224))
        save_model_graph(graph, logdir / "zoo", tag="resnet50")
        with logdir_server(logdir, Path(folder) / "env") as url, sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            page = browser.new_page(viewport={"width": 1280, "height": 760})
            page.goto(url + "#/graphs")
            view = page.locator(".graphs-view")
            view.and_(page.locator("[data-ready='1']")).wait_for()
            page.get_by_role("combobox", name="Graph").select_option(label="zoo / resnet50")
            view.and_(page.locator("[data-layouts='2']")).wait_for()
            page.get_by_role("searchbox", name="Search nodes by name").fill("layer2.0.conv2")
            view.and_(page.locator("[data-layouts='3']")).wait_for()
            page.get_by_role("button", name="Zoom out").click()
            page.wait_for_timeout(200)
            page.screenshot(path=str(OUTPUT))
            browser.close()
    size = OUTPUT.stat().st_size
    print(f"{OUTPUT}: {size:,} bytes")
    if size > MAX_BYTES:
        raise SystemExit(f"{OUTPUT.name} is over {MAX_BYTES:,} bytes")


if __name__ == "__main__":
    main()
