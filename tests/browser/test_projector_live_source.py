"""Embeddings sent with ``torchscope.Visdom`` open in the Projector view, from the Live view's
link or the run picker, on a server without a logdir."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from sklearn.datasets import load_digits

import torchscope
from torchscope.server.app import create_app
from torchscope.server.config import ServerConfig
from torchscope.server.runner import bind_socket

pytestmark = pytest.mark.browser

#: Software WebGL (SwiftShader) is slow to start and to draw: give the scene time.
WEBGL_MS = 30_000
ENV = "projector_live"


@pytest.fixture(scope="module")
def live_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import uvicorn

    sock = bind_socket("127.0.0.1", 0)
    port = sock.getsockname()[1]
    config = ServerConfig(host="127.0.0.1", port=port, env_path=tmp_path_factory.mktemp("env"))
    server = uvicorn.Server(
        uvicorn.Config(create_app(config), log_level="warning", timeout_graceful_shutdown=1)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    if not server.started:
        raise RuntimeError("the torchscope server did not start")
    yield f"http://127.0.0.1:{port}/"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


def test_live_embeddings_open_in_the_projector(page: Page, live_url: str) -> None:
    digits = load_digits()
    port = int(live_url.rstrip("/").rsplit(":", 1)[1])
    vis = torchscope.Visdom(
        server="http://127.0.0.1", port=port, env=ENV, use_incoming_socket=False
    )
    labels = [str(t) for t in digits.target]
    vis.embeddings(digits.data[:150], labels[:150], win="digits")
    vis.embeddings(digits.data[150:190], labels[150:190], win="a_small")  # first in the picker
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_viewport_size({"width": 1280, "height": 860})

    # The Live view's embeddings pane links to the window's projector run.
    page.goto(f"{live_url}#/live?env={ENV}")
    link = page.locator('.live-pane[data-window-id="digits"]').get_by_role(
        "link", name="Open in Projector"
    )
    expect(link).to_be_visible(timeout=15_000)
    link.click()

    view = page.locator(".projector-view")
    run_picker = page.locator(".projector-controls select").first
    expect(run_picker).to_have_value(f"live:{ENV}/digits", timeout=WEBGL_MS)
    expect(view).to_have_attribute("data-ready", "1", timeout=WEBGL_MS)
    expect(view).to_have_attribute("data-points", "150", timeout=WEBGL_MS)
    expect(view).to_have_attribute("data-method", "pca")
    # The labels are the metadata: one legend entry per digit class.
    legend = page.locator('.projector-legend[data-kind="categorical"] li')
    expect(legend).to_have_count(len(set(labels[:150])))

    # The other live window is a run of the picker too.
    run_picker.select_option(f"live:{ENV}/a_small")
    expect(view).to_have_attribute("data-points", "40", timeout=WEBGL_MS)
    expect(view).to_have_attribute("data-ready", "1", timeout=WEBGL_MS)
    tab = page.get_by_role("navigation", name="Views").get_by_role("link", name="Projector")
    expect(tab).to_be_visible()
    assert errors == []
