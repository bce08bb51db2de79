"""One server, 50 concurrent writers and 20 Chromium pages watching the Live view.

The server is a real process; the writers are ``torchscope.Visdom`` clients in threads, each
appending to its own trace; the pages are tabs of one headless Chromium. Every page must end up
drawing every point, and no request may fail.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

import torchscope

pytestmark = pytest.mark.browser

WRITERS = 50
VIEWERS = 20
APPENDS = 20
WINDOWS = ("load_0", "load_1")
ENV = "many_viewers"
#: 20 pages redrawing on a shared 2-core machine: generous.
CATCH_UP_MS = 90_000


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/")[0])


def _write(port: int, writer: int, failures: list[BaseException]) -> None:
    try:
        vis = torchscope.Visdom(port=port, env=ENV, raise_exceptions=True)
        win, trace = WINDOWS[writer % len(WINDOWS)], f"w{writer}"
        for step in range(APPENDS):
            vis.line(Y=[float(writer * 1000 + step)], X=[float(step)], win=win, name=trace,
                     update="append")  # fmt: skip
    except BaseException as error:  # reported by the test thread
        failures.append(error)


def _points_drawn(page: Page, win: str) -> int:
    drawn: int = page.evaluate(
        """win => {
            const gd = document.querySelector(`.live-pane[data-window-id="${win}"] .live-plot`);
            return gd && gd.data ? gd.data.reduce((n, t) => n + t.y.length, 0) : -1;
        }""",
        win,
    )
    return drawn


def test_twenty_pages_see_every_point_of_fifty_writers(
    browser: Browser,
    tmp_path: Path,
    server_process: Callable[..., AbstractContextManager[str]],
) -> None:
    with server_process(tmp_path / "envs") as url:
        port = _port(url)
        seed = torchscope.Visdom(port=port, env=ENV, raise_exceptions=True)
        for win in WINDOWS:  # the windows exist before the pages open; the writers add traces
            seed.line(Y=[0.0], X=[0.0], win=win, name="seed", opts={"title": win})
        context = browser.new_context(viewport={"width": 1600, "height": 1000})
        try:
            pages = [context.new_page() for _ in range(VIEWERS)]
            for page in pages:
                page.goto(f"{url.rstrip('/')}/#/live?env={ENV}")
            for page in pages:
                grid = page.locator(".live-grid")
                expect(grid).to_have_attribute("data-loaded", f"env:{ENV}", timeout=CATCH_UP_MS)

            failures: list[BaseException] = []
            threads = [
                threading.Thread(target=_write, args=(port, writer, failures))
                for writer in range(WRITERS)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
            assert not failures, failures[:3]
            assert not any(thread.is_alive() for thread in threads)

            per_window = 1 + (WRITERS // len(WINDOWS)) * APPENDS
            for index, page in enumerate(pages):
                for win in WINDOWS:
                    page.wait_for_function(
                        """([win, want]) => {
                            const gd = document.querySelector(
                                `.live-pane[data-window-id="${win}"] .live-plot`);
                            return !!(gd && gd.data &&
                                gd.data.reduce((n, t) => n + t.y.length, 0) === want);
                        }""",
                        arg=[win, per_window],
                        timeout=CATCH_UP_MS,
                    )
                    assert _points_drawn(page, win) == per_window, (index, win)
        finally:
            context.close()
        # What the pages drew is what the server kept, trace by trace.
        for win in WINDOWS:
            traces = json.loads(seed.get_window_data(win))["content"]["data"]
            assert sum(len(trace["y"]) for trace in traces) == per_window
