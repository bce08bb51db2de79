"""The Graphs view in Chromium: a logged GraphDef and a traced ResNet-101, laid out in a worker."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import torch
from logdir_server import TORCH_LOGDIR, logdir_server
from playwright.sync_api import Locator, Page, expect

import torchscope.graph as tg
from torchscope.graph.files import save_model_graph
from torchscope.graph.zoo import BottleneckResNet

pytestmark = pytest.mark.browser

#: ResNet-101: 345 ops in 287 modules; fully open, 41 module boxes and ~2,900 SVG elements.
RESNET101_BLOCKS = (3, 4, 23, 3)
#: A layout of the whole ResNet-101 takes seconds on a loaded 2-core machine.
BIG_LAYOUT_MS = 60_000


@pytest.fixture(scope="module")
def resnet101() -> tg.ModelGraph:
    torch.manual_seed(0)
    return tg.trace(BottleneckResNet(RESNET101_BLOCKS), torch.randn(1, 3, 32, 32))


@pytest.fixture(scope="module")
def graphs_url(tmp_path_factory: pytest.TempPathFactory, resnet101: tg.ModelGraph) -> Iterator[str]:
    """The torch fixture's runs (symlinked) plus a run holding the traced ResNet-101."""
    logdir = tmp_path_factory.mktemp("graphs-logdir")
    for run in ("train", "eval"):
        (logdir / run).symlink_to(TORCH_LOGDIR / run, target_is_directory=True)
    save_model_graph(resnet101, logdir / "zoo", tag="resnet101")
    with logdir_server(logdir, tmp_path_factory.mktemp("env")) as url:
        yield url


def view(page: Page) -> Locator:
    return page.locator(".graphs-view")


def node(page: Page, node_id: str) -> Locator:
    return page.locator(f'.graph-node[data-id="{node_id}"]')


def wait_for_layout(page: Page, count: int, timeout: float = 15_000) -> None:
    """Wait until the view has drawn its ``count``-th layout."""
    expect(view(page)).to_have_attribute("data-layouts", str(count), timeout=timeout)
    expect(view(page)).to_have_attribute("data-layout", "done")


def open_graphs(page: Page, url: str) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    tab = page.get_by_role("navigation", name="Views").get_by_role("link", name="Graphs")
    expect(tab).to_be_visible()
    tab.click()
    expect(view(page)).to_have_attribute("data-ready", "1", timeout=15_000)
    assert errors == []


CONV1 = "op:SmallCNN/Conv2d[conv1]/input.1"


def test_logged_graphdef_draws_collapsed_then_expands_on_click(page: Page, graphs_url: str) -> None:
    open_graphs(page, graphs_url)
    expect(page.get_by_role("combobox", name="Graph")).to_have_value("train\u0000")
    # Depth 1: the root's layers are collapsed boxes, the plumbing is gone.
    collapsed = page.locator(".graph-node.kind-module")
    expect(collapsed).to_have_count(5)  # conv1, bn1, pool, conv2, fc
    expect(node(page, "module:conv1")).to_have_attribute("aria-expanded", "false")
    expect(node(page, CONV1)).to_have_count(0)
    expect(page.locator(".graph-node")).to_have_count(10)  # + 3 functional ops, input, output
    expect(page.locator(".graph-edge-label", has_text="2×4×16×16").first).to_be_visible()
    expect(page.locator(".graph-node", has_text="prim::")).to_have_count(0)

    node(page, "module:conv1").click()
    wait_for_layout(page, 2)
    header = page.locator('.graph-box[data-id="module:conv1"] .graph-box-header')
    expect(header).to_have_attribute("aria-expanded", "true")
    expect(node(page, CONV1)).to_contain_text("aten::_convolution")
    details = page.get_by_role("complementary", name="Node details")
    expect(details.get_by_role("heading", name="conv1")).to_be_visible()

    header.click()  # collapses it again
    wait_for_layout(page, 3)
    expect(node(page, CONV1)).to_have_count(0)
    expect(node(page, "module:conv1")).to_be_visible()

    # Keyboard: focus a collapsed module and press Enter.
    node(page, "module:fc").focus()
    page.keyboard.press("Enter")
    wait_for_layout(page, 4)
    expect(node(page, "op:SmallCNN/Linear[fc]/191")).to_be_visible()

    page.get_by_role("combobox", name="Depth").select_option("2")
    wait_for_layout(page, 5)
    expect(page.locator(".graph-node.kind-op")).to_have_count(9)
    expect(page.locator(".graph-node.kind-module")).to_have_count(0)


def test_side_panel_shows_an_ops_shapes(page: Page, graphs_url: str) -> None:
    open_graphs(page, graphs_url)
    node(page, "module:conv1").click()
    wait_for_layout(page, 2)
    node(page, CONV1).click()
    details = page.get_by_role("complementary", name="Node details")
    expect(details.get_by_role("heading", name="convolution")).to_be_visible()
    expect(details).to_contain_text("aten::_convolution")
    inputs = details.locator("section", has=page.get_by_role("heading", name="Inputs"))
    expect(inputs.locator("tbody tr")).to_have_text([re.compile(r"x\s*2×1×16×16")])
    outputs = details.locator("section", has=page.get_by_role("heading", name="Outputs"))
    expect(outputs.locator("tbody tr")).to_have_text([re.compile(r"0\s*2×4×16×16")])
    # The edges of the selected op are highlighted.
    expect(page.locator(".graph-edge.selected")).to_have_count(2)


def test_search_expands_to_and_highlights_matches(page: Page, graphs_url: str) -> None:
    open_graphs(page, graphs_url)
    page.get_by_role("searchbox", name="Search nodes by name").fill("max_pool2d")
    wait_for_layout(page, 2)
    matches = page.locator(".graph-node.match")
    expect(matches).to_have_count(2)  # the pool layer is called twice
    expect(matches).to_contain_text(["max_pool2d", "max_pool2d_1"])
    expect(page.locator('.graph-box[data-id="module:pool"]')).to_be_visible()
    expect(page.get_by_text("1 of 2 matches")).to_be_visible()
    details = page.get_by_role("complementary", name="Node details")
    expect(details.get_by_role("heading", name="max_pool2d", exact=True)).to_be_visible()

    page.get_by_role("searchbox", name="Search nodes by name").press("Enter")
    expect(page.get_by_text("2 of 2 matches")).to_be_visible()
    expect(details.get_by_role("heading", name="max_pool2d_1")).to_be_visible()


def test_zoom_pan_and_fit(page: Page, graphs_url: str) -> None:
    open_graphs(page, graphs_url)
    canvas = page.locator("svg.graph-canvas")
    viewport = canvas.locator("> g").last
    zoom = float(canvas.get_attribute("data-zoom") or 0)
    page.get_by_role("button", name="Zoom in").click()
    assert float(canvas.get_attribute("data-zoom") or 0) > zoom

    box = canvas.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 40, box["y"] + box["height"] - 40)
    page.mouse.wheel(0, 400)  # wheel down zooms out
    zoomed_out = float(canvas.get_attribute("data-zoom") or 0)
    assert zoomed_out < zoom

    before = viewport.get_attribute("transform")
    page.mouse.down()
    page.mouse.move(box["x"] + 140, box["y"] + box["height"] - 100, steps=5)
    page.mouse.up()
    assert viewport.get_attribute("transform") != before

    page.get_by_role("button", name="Fit to screen").click()
    assert float(canvas.get_attribute("data-zoom") or 0) != zoomed_out
    canvas.focus()
    page.keyboard.press("+")
    assert float(canvas.get_attribute("data-zoom") or 0) > zoomed_out


def test_drawing_follows_the_theme(page: Page, graphs_url: str) -> None:
    page.emulate_media(color_scheme="dark")
    open_graphs(page, graphs_url)
    fill = "getComputedStyle(document.querySelector('.graph-node.kind-op rect')).fill"
    surface = "getComputedStyle(document.querySelector('.graph-details')).backgroundColor"
    dark = page.evaluate(fill)
    assert dark == page.evaluate(surface)
    page.get_by_role("button", name="Switch to light theme").click()
    # The theme may fade: wait for the panel to settle on its new colour, then compare.
    page.wait_for_function(f"() => {surface} !== {dark!r}")
    assert page.evaluate(fill) == page.evaluate(surface) != dark


def test_resnet101_shows_collapsed_and_expands_without_blocking_the_page(
    page: Page, graphs_url: str, resnet101: tg.ModelGraph
) -> None:
    open_graphs(page, graphs_url)
    page.get_by_role("combobox", name="Graph").select_option(label="zoo / resnet101")
    wait_for_layout(page, 2)
    # Collapsed at depth 1: the stem layers, four stages, the head, input and output.
    expect(page.locator(".graph-node")).to_have_count(13)
    expect(page.locator(".graph-node.kind-module")).to_have_count(4)

    # A requestAnimationFrame heartbeat counts the frames the page draws during the layout.
    page.evaluate(
        """() => {
            window.heartbeat = {beats: 0, maxGapMs: 0, last: performance.now()};
            const tick = (now) => {
                const h = window.heartbeat;
                h.maxGapMs = Math.max(h.maxGapMs, now - h.last);
                h.last = now;
                h.beats += 1;
                requestAnimationFrame(tick);
            };
            requestAnimationFrame(tick);
        }"""
    )
    page.get_by_role("button", name="Expand all").click()
    expect(view(page)).to_have_attribute("data-layout", "running")
    # While the worker lays out, the page answers scripts and keeps drawing frames.
    answers = []
    while page.evaluate("document.querySelector('.graphs-view').dataset.layout") == "running":
        answers.append(page.evaluate("window.heartbeat.beats"))
        page.wait_for_timeout(50)
    assert len(answers) >= 2, "the layout finished before the page could be probed"
    assert answers[-1] > answers[0], "no frame was drawn while the layout ran"
    wait_for_layout(page, 3, timeout=BIG_LAYOUT_MS)

    ops = len(resnet101.ops)
    expect(page.locator(".graph-node.kind-op")).to_have_count(ops)
    expect(page.locator(".graph-node.kind-module")).to_have_count(0)
    elements = page.evaluate("document.querySelectorAll('svg.graph-canvas *').length")
    assert elements > 2_000
    heartbeat = page.evaluate("window.heartbeat")
    print(
        f"ResNet-101 fully open: {ops} ops, {elements} SVG elements; "
        f"{heartbeat['beats']} frames, longest gap {heartbeat['maxGapMs']:.0f} ms"
    )
