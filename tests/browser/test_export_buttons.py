"""Export controls in Chromium: Scalars' "Download selection", the Live view's "Export env"."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from logdir_server import logdir_server
from playwright.sync_api import Download, Locator, Page, expect

import torchscope
from torchscope.client.writer import SummaryWriter

pytestmark = pytest.mark.browser

#: The shell re-checks which views have data once a second.
LOAD_MS = 15_000
RUNS = ("train_a", "train_b", "eval")
STEPS = (0, 10, 20)


def loss_of(run: str, step: int) -> float:
    """A loss value float32 holds exactly, different for every run and step."""
    return (RUNS.index(run) + 1) + step / 4


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server on a logdir of three runs with ``loss`` and ``acc``, and an empty env folder."""
    logdir = tmp_path_factory.mktemp("logdir")
    for run in RUNS:
        with SummaryWriter(log_dir=str(logdir / run)) as writer:
            for step in STEPS:
                writer.add_scalar("loss", loss_of(run, step), step)
                writer.add_scalar("acc", 0.5, step)
    with logdir_server(logdir, tmp_path_factory.mktemp("env")) as url:
        yield url


def saved_text(download: Download) -> str:
    path = download.path()
    assert path is not None
    return Path(path).read_text(encoding="utf-8")


def test_scalars_download_follows_the_filters_and_ticked_runs(page: Page, server_url: str) -> None:
    page.goto(server_url + "#/scalars")
    expect(page.locator(".scalars-view")).to_have_attribute("data-ready", "1", timeout=LOAD_MS)
    page.locator("#scalars-run-filter").fill("TRAIN")
    page.locator("#scalars-tag-filter").fill("los")
    csv_link = page.locator('.scalars-download a[data-format="csv"]')
    expect(page.locator(".scalar-card")).to_have_count(1)
    # The view's case-insensitive filters become the route's regexes.
    query = parse_qs(urlsplit(csv_link.get_attribute("href") or "").query)
    assert query == {"format": ["csv"], "runs": ["(?i)TRAIN"], "tags": ["(?i)los"]}

    with page.expect_download() as info:
        csv_link.click()
    assert info.value.suggested_filename == "scalars.csv"
    rows = list(csv.DictReader(io.StringIO(saved_text(info.value))))
    assert [(r["run"], r["tag"], int(r["step"]), float(r["value"])) for r in rows] == [
        (run, "loss", step, loss_of(run, step)) for run in ("train_a", "train_b") for step in STEPS
    ]

    # Unticking a run narrows the download to the runs still ticked.
    page.get_by_role("checkbox", name="train_b").uncheck()
    json_link = page.locator('.scalars-download a[data-format="json"]')
    expect(json_link).to_have_attribute("href", re.compile(r"runs=%5E"))
    with page.expect_download() as info:
        json_link.click()
    document = json.loads(saved_text(info.value))
    assert [(s["run"], s["tag"], s["values"]) for s in document["series"]] == [
        ("train_a", "loss", [loss_of("train_a", step) for step in STEPS])
    ]


def export_link(page: Page, fmt: str) -> Locator:
    """The Live toolbar's export link for ``fmt``, its menu opened."""
    menu = page.locator("details.live-export")
    if menu.get_attribute("open") is None:
        menu.locator("summary").click()
    return menu.locator(f'a[data-format="{fmt}"]')


def test_live_export_env_downloads_json_and_offline_html(page: Page, server_url: str) -> None:
    port = urlsplit(server_url).port
    vis = torchscope.Visdom(
        server="http://127.0.0.1", port=port, env="exp", use_incoming_socket=False
    )
    vis.line(Y=[3.0, 2.0, 1.0], X=[0, 1, 2], win="loss", opts={"title": "Training loss"})
    vis.text("all done", win="notes", opts={"title": "Run notes"})
    page.goto(f"{server_url}#/live?env=exp")
    expect(page.locator(".live-grid")).to_have_attribute("data-loaded", "env:exp", timeout=LOAD_MS)

    with page.expect_download() as info:
        export_link(page, "json").click()
    assert info.value.suggested_filename == "exp.json"
    document = json.loads(saved_text(info.value))
    assert document["jsons"]["loss"]["content"]["data"][0]["y"] == [3.0, 2.0, 1.0]
    assert document["jsons"]["notes"]["content"] == "all done"

    with page.expect_download() as info:
        export_link(page, "html").click()
    assert info.value.suggested_filename == "exp.html"
    page_html = saved_text(info.value)
    assert "<h2>Training loss</h2>" in page_html and "<h2>Run notes</h2>" in page_html
