"""A ``vis.model_graph`` window in the Live view: drawn with the Graphs view's canvas,
collapsed at the sent depth, opened on click, searchable."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import torch
from playwright.sync_api import Locator, Page, expect
from test_live_view import Server
from torch import nn

import torchscope

pytestmark = pytest.mark.browser

ENV = "graphs"


class TinyNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU())
        self.head = nn.Linear(4 * 6 * 6, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.flatten(self.features(x), 1))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = Server(tmp_path_factory.mktemp("live-graph-env"))
    vis = torchscope.Visdom(
        server="http://127.0.0.1",
        port=running.port,
        env=ENV,
        use_incoming_socket=False,
        raise_exceptions=True,
    )
    torch.manual_seed(0)
    vis.model_graph(
        TinyNet(), torch.rand(2, 1, 6, 6), win="net", opts={"width": 640, "height": 480}
    )
    yield running
    running.stop()


def open_pane(page: Page, server: Server) -> Locator:
    page.goto(f"{server.url}#/live?env={ENV}")
    expect(page.locator(".live-grid")).to_have_attribute(
        "data-loaded", f"env:{ENV}", timeout=15_000
    )
    pane = page.locator('.live-pane[data-window-id="net"]')
    expect(pane.locator(".live-model-graph")).to_have_attribute("data-ready", "1", timeout=15_000)
    return pane


def node(pane: Locator, node_id: str) -> Locator:
    return pane.locator(f'.graph-node[data-id="{node_id}"]')


def test_pane_draws_top_level_modules_and_expands_on_click(page: Page, server: Server) -> None:
    pane = open_pane(page, server)
    expect(pane.locator(".live-pane-title")).to_have_text("TinyNet")
    # Depth 1: the Sequential is one collapsed box; its ops are not drawn yet.
    features = node(pane, "module:features")
    expect(features).to_have_attribute("aria-expanded", "false")
    expect(node(pane, "op:flatten")).to_be_visible()
    expect(node(pane, "op:features_0")).to_have_count(0)
    expect(pane.locator(".graph-edge-label", has_text="2×1×6×6").first).to_be_visible()

    features.click()
    header = pane.locator('.graph-box[data-id="module:features"] .graph-box-header')
    expect(header).to_have_attribute("aria-expanded", "true")
    expect(node(pane, "op:features_0")).to_contain_text("Conv2d")
    expect(node(pane, "op:features_1")).to_contain_text("ReLU")
    # The clicked module's details show below the canvas.
    details = pane.locator(".live-model-graph-details")
    expect(details.get_by_role("heading", name="features")).to_be_visible()

    header.click()  # collapses it again
    expect(node(pane, "op:features_0")).to_have_count(0)
    expect(node(pane, "module:features")).to_be_visible()


def test_search_opens_the_matching_module(page: Page, server: Server) -> None:
    pane = open_pane(page, server)
    pane.get_by_placeholder("Search…").fill("features_1")
    expect(pane.locator(".graph-node.match")).to_have_count(1)
    expect(node(pane, "op:features_1")).to_have_class(re.compile(r"\bmatch\b"))
    expect(pane.locator(".graph-match-count")).to_have_text("1/1")
    pane.get_by_role("button", name="Fit to screen").click()
    expect(pane.locator("svg.graph-canvas")).to_have_attribute("data-zoom", re.compile(r"\d"))


def test_depth_select_opens_every_module(page: Page, server: Server) -> None:
    pane = open_pane(page, server)
    layouts = pane.locator(".live-model-graph")
    before = int(layouts.get_attribute("data-layouts") or "0")
    pane.get_by_label("Depth").select_option(label="2 (all open)")
    expect(layouts).not_to_have_attribute("data-layouts", str(before))
    expect(pane.locator(".graph-node.kind-module")).to_have_count(0)
    expect(pane.locator(".graph-node.kind-op")).to_have_count(4)
