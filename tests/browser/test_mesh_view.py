"""The Mesh view in Chromium: meshes from the fixture log directories and a point cloud written
with ``torchscope.SummaryWriter.add_mesh``, drawn with three.js (software WebGL here)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from logdir_server import FIXTURES, TORCH_LOGDIR, expected, logdir_server
from playwright.sync_api import Locator, Page, expect

pytestmark = pytest.mark.browser

#: Software WebGL (SwiftShader) is slow to start: give the scenes time.
WEBGL_MS = 20_000
TENSORBOARDX_LOGDIR = FIXTURES / "tb-logdir-tensorboardx"
#: Points per step of the point cloud the tests write.
CLOUD_SIZES = [50, 120, 300]

#: Pixels of the canvas unlike its top-left corner (the background).
DRAWN_PIXELS = """canvas => {
  const copy = document.createElement('canvas');
  copy.width = canvas.width;
  copy.height = canvas.height;
  const context = copy.getContext('2d');
  context.drawImage(canvas, 0, 0);
  const pixels = context.getImageData(0, 0, copy.width, copy.height).data;
  let drawn = 0;
  for (let i = 0; i < pixels.length; i += 4) {
    if (Math.abs(pixels[i] - pixels[0]) + Math.abs(pixels[i + 1] - pixels[1]) +
        Math.abs(pixels[i + 2] - pixels[2]) > 30) drawn++;
  }
  return drawn;
}"""


def open_view(page: Page, url: str) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(url + "#/mesh")
    expect(page.locator(".mesh-view")).to_have_attribute("data-ready", "1", timeout=WEBGL_MS)


def drawn_card(page: Page, run: str, tag: str) -> Locator:
    card = page.locator(f'.mesh-card[data-run="{run}"][data-tag="{tag}"]')
    card.scroll_into_view_if_needed()
    expect(card).to_have_attribute("data-vertices", re.compile(r"^\d+$"), timeout=WEBGL_MS)
    return card


@pytest.mark.parametrize("logdir", [TORCH_LOGDIR, TENSORBOARDX_LOGDIR], ids=["torch", "tbx"])
def test_fixture_mesh_is_drawn_with_its_faces(page: Page, logdir: Path, tmp_path: Path) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # (run, mesh name) -> content type -> shape [batch, count, 3], as TensorBoard reads them.
    meshes: dict[tuple[str, str], dict[str, list[int]]] = {}
    for run, run_info in expected(logdir)["runs"].items():
        for part in (run_info.get("mesh") or {}).values():
            meshes.setdefault((run, part["name"]), {})[part["content_type"]] = part["shape"]
    with logdir_server(logdir, tmp_path / "env") as url:
        open_view(page, url)
        expect(page.locator(".mesh-card")).to_have_count(len(meshes))
        for (run, name), components in meshes.items():
            card = drawn_card(page, run, name)
            expect(card).to_have_attribute("data-vertices", str(components["VERTEX"][1]))
            expect(card).to_have_attribute("data-faces", str(components["FACE"][1]))
            canvas = card.locator("canvas")
            expect(canvas).to_have_count(1)
            assert canvas.evaluate(DRAWN_PIXELS) > 200
    assert errors == []


@pytest.fixture(scope="module")
def cloud_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A coloured point cloud (no faces) growing over three steps."""
    import torch

    from torchscope import SummaryWriter

    logdir = tmp_path_factory.mktemp("mesh")
    generator = torch.Generator().manual_seed(0)
    with SummaryWriter(str(logdir / "cloud")) as writer:
        for step, size in enumerate(CLOUD_SIZES):
            points = torch.randn(1, size, 3, generator=generator)
            colors = torch.randint(0, 256, (1, size, 3), generator=generator, dtype=torch.uint8)
            writer.add_mesh("points", vertices=points, colors=colors, global_step=step)
    with logdir_server(logdir, tmp_path_factory.mktemp("env")) as url:
        yield url


def test_step_slider_and_camera(page: Page, cloud_url: str) -> None:
    open_view(page, cloud_url)
    card = drawn_card(page, "cloud", "points")
    # The newest step first, drawn as points since no faces were logged.
    expect(card).to_have_attribute("data-step", str(len(CLOUD_SIZES) - 1))
    expect(card).to_have_attribute("data-vertices", str(CLOUD_SIZES[-1]))
    expect(card).to_have_attribute("data-faces", "0")
    expect(card).to_contain_text("no faces: drawn as points")

    slider = card.get_by_role("slider")
    slider.focus()
    slider.press("Home")
    expect(card).to_have_attribute("data-step", "0")
    expect(card).to_have_attribute("data-vertices", str(CLOUD_SIZES[0]))
    slider.press("ArrowRight")
    expect(card).to_have_attribute("data-vertices", str(CLOUD_SIZES[1]))

    # The camera keeps its place across steps; Reset camera frames the mesh shown now.
    canvas = card.locator("canvas")
    reset = card.get_by_role("button", name="Reset camera")
    before_reset = canvas.evaluate("c => c.toDataURL()")
    reset.click()
    page.wait_for_function(
        "([c, before]) => c.toDataURL() !== before", arg=[canvas.element_handle(), before_reset]
    )
    framed = canvas.evaluate("c => c.toDataURL()")
    assert canvas.evaluate(DRAWN_PIXELS) > 20
    scene = card.locator(".mesh-host")
    scene.focus()
    renders = int(card.get_attribute("data-renders") or "0")
    scene.press("+")  # zoom in: the picture changes
    expect(card).not_to_have_attribute("data-renders", str(renders))
    assert canvas.evaluate("c => c.toDataURL()") != framed
    reset.click()
    page.wait_for_function(
        "([c, before]) => c.toDataURL() === before", arg=[canvas.element_handle(), framed]
    )


def test_scene_is_freed_when_the_card_goes(page: Page, cloud_url: str) -> None:
    open_view(page, cloud_url)
    drawn_card(page, "cloud", "points")
    expect(page.locator(".mesh-view canvas")).to_have_count(1)
    page.get_by_label("Filter runs").fill("^nothing$")
    expect(page.locator(".mesh-card")).to_have_count(0)
    expect(page.locator(".mesh-view canvas")).to_have_count(0)
    page.get_by_label("Filter runs").fill("")
    drawn_card(page, "cloud", "points")
