"""A script payload in every text-bearing field, through every view: none of them runs.

The payload is an ``<img onerror>`` that records which field let it through. It goes into run
names, tag names, text summaries (markdown), hyperparameter names and values, custom-scalar
titles, projector labels and live windows' titles, axis labels, legend names, text, SVG,
properties and captions. Each view is opened, scrolled through and given time to draw; then the
page must hold no injected element, no payload must have run, and the payload must still be
readable as text where it is a name (escaped, not dropped).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from logdir_server import logdir_server
from playwright.sync_api import Page

import torchscope
from torchscope import SummaryWriter

pytestmark = pytest.mark.browser


def payload(field: str) -> str:
    return f"<img src=x onerror=\"window.__pwned=(window.__pwned||[]).concat('{field}')\">"


VIEWS = ("scalars", "custom_scalars", "images", "text", "histograms", "distributions",
         "pr_curves", "hparams", "projector", "live")  # fmt: skip


def write_logdir(logdir: Path) -> None:
    run = logdir / f"run{payload('run-name')}"
    with SummaryWriter(run) as writer:
        for step in range(3):
            writer.add_scalar(f"loss{payload('scalar-tag')}", 1.0 / (step + 1), step)
            writer.add_histogram(f"weights{payload('histogram-tag')}", np.arange(10.0), step)
        writer.add_image(f"input{payload('image-tag')}", np.zeros((3, 4, 4)), 0)
        writer.add_text("notes", f"**markdown** {payload('markdown')}\n\n{payload('markdown-2')}")
        writer.add_pr_curve(
            f"pr{payload('pr-tag')}", np.array([1, 0, 1]), np.array([0.9, 0.2, 0.6])
        )
        writer.add_custom_scalars(
            {f"cat{payload('layout-category')}": {
                f"chart{payload('layout-chart')}": ["Multiline", [r"loss.*"]]}}
        )  # fmt: skip
        writer.add_embedding(
            torch.randn(6, 4),
            metadata=[payload(f"label-{i}") for i in range(6)],
            tag=f"emb{payload('embedding-tag')}",
        )
        writer.add_hparams(
            {f"lr{payload('hparam-name')}": 0.1, "opt": payload("hparam-value")},
            {f"acc{payload('metric-name')}": 0.5},
            run_name=".",
        )


def write_live(port: int) -> None:
    vis = torchscope.Visdom(port=port, env="xss", raise_exceptions=True)
    opts = {"title": payload("title"), "xlabel": payload("xlabel"), "ylabel": payload("ylabel"),
            "legend": [payload("legend")]}  # fmt: skip
    vis.line(Y=np.arange(3.0), X=np.arange(3.0), win="line", opts=opts)
    vis.line(Y=[5.0], X=[3.0], win="line", update="append", name=payload("trace-name"))
    vis.text(payload("text"), win="text", opts={"title": payload("text-title")})
    vis.svg(svgstr=f"<svg width='9' height='9' onload=\"window.__pwned='svg'\">{payload('svg')}"
            "</svg>", win="svg")  # fmt: skip
    vis.image(np.zeros((3, 8, 8)), win="image", opts={"caption": payload("caption")})
    vis.properties([{"type": "text", "name": payload("property-name"),
                     "value": payload("property-value")}], win="properties")  # fmt: skip


def visit(page: Page, url: str, view: str) -> None:
    page.goto(f"{url}#/{view}")
    page.wait_for_load_state("networkidle")
    # Cards and panes draw when they come near the screen: scroll through the whole page.
    for _ in range(6):
        page.mouse.wheel(0, 2000)
        page.wait_for_timeout(150)
    page.wait_for_timeout(400)  # every image's onerror has had its chance to fire


def test_no_payload_runs_in_any_view(page: Page, tmp_path: Path) -> None:
    logdir = tmp_path / "runs"
    write_logdir(logdir)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    with logdir_server(logdir, tmp_path / "envs") as url:
        port = int(url.rsplit(":", 1)[1].strip("/"))
        write_live(port)
        for view in VIEWS:
            suffix = "?env=xss" if view == "live" else ""
            visit(page, url, view + suffix)
            pwned = page.evaluate("window.__pwned || null")
            assert pwned is None, f"{view}: a payload ran in {pwned}"
            # The page's own inline script (the theme, in <head>) is the only one allowed.
            injected = page.locator("[onerror], [onload], body script").count()
            assert injected == 0, f"{view}: {injected} element(s) with handlers in the page"
            # ... and the view really showed the fields: their payloads appear as plain text.
            shown = page.evaluate("document.body.innerText.split('onerror').length - 1")
            assert shown > 0, f"{view}: no payload shown as text; the view did not draw them"
    assert errors == []
