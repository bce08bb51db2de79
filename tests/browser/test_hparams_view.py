"""The HParams view in Chromium: sessions written with ``torchscope.SummaryWriter.add_hparams``
(and the fixture's), in a sortable table, parallel coordinates that brush, and a scatter."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest
from logdir_server import TORCH_LOGDIR, expected, logdir_server
from playwright.sync_api import Locator, Page, expect

pytestmark = pytest.mark.browser

LOAD_MS = 15_000

#: (learning rate, batch size, optimizer) per session; the metrics are derived from them.
TRIALS = [
    (1e-4, 32, "sgd"),
    (1e-3, 64, "adam"),
    (1e-2, 32, "adam"),
    (1e-1, 128, "sgd"),
    (3e-3, 64, "adamw"),
    (3e-2, 128, "adam"),
]


def accuracy_of(lr: float, batch_size: int) -> float:
    return 0.9 - abs(math.log10(lr) + 2.5) * 0.1 + batch_size / 2000


@pytest.fixture(scope="module")
def sessions_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from torchscope import SummaryWriter

    logdir = tmp_path_factory.mktemp("hparams")
    with SummaryWriter(str(logdir)) as writer:
        for index, (lr, batch_size, optimizer) in enumerate(TRIALS):
            accuracy = accuracy_of(lr, batch_size)
            writer.add_hparams(
                {"lr": lr, "batch_size": batch_size, "optimizer": optimizer},
                {"hparam/accuracy": accuracy, "hparam/loss": 1 - accuracy},
                run_name=f"trial_{index}",
            )
    with logdir_server(logdir, tmp_path_factory.mktemp("env")) as url:
        yield url


def open_view(page: Page, url: str) -> Locator:
    page.set_viewport_size({"width": 1280, "height": 1200})
    page.goto(url + "#/hparams")
    view = page.locator(".hparams-view")
    expect(view).to_have_attribute("data-ready", "1", timeout=LOAD_MS)
    return view


def table_runs(page: Page) -> list[str]:
    return [
        str(run)
        for run in page.locator(".ht tbody tr").evaluate_all("rows => rows.map(r => r.dataset.run)")
    ]


def kept_lines(page: Page) -> Locator:
    return page.locator('.pc path.pc-line[data-kept="1"]')


def test_table_sorts_by_metric_and_hyperparameter(page: Page, sessions_url: str) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    view = open_view(page, sessions_url)
    expect(view).to_have_attribute("data-sessions", str(len(TRIALS)))
    expect(page.locator(".ht tbody tr")).to_have_count(len(TRIALS))

    accuracies = {f"trial_{i}": accuracy_of(lr, bs) for i, (lr, bs, _opt) in enumerate(TRIALS)}
    by_accuracy = sorted(accuracies, key=accuracies.__getitem__)
    heading = page.get_by_role("columnheader", name="hparam/accuracy")
    heading.get_by_role("button").click()  # a metric sorts best-first: descending
    expect(heading).to_have_attribute("aria-sort", "descending")
    assert table_runs(page) == by_accuracy[::-1]
    heading.get_by_role("button").click()
    expect(heading).to_have_attribute("aria-sort", "ascending")
    assert table_runs(page) == by_accuracy

    optimizer = page.get_by_role("columnheader", name="optimizer")
    optimizer.get_by_role("button").press("Enter")  # keyboard works as well as the mouse
    expect(optimizer).to_have_attribute("aria-sort", "ascending")
    expect(heading).to_have_attribute("aria-sort", "none")
    optimizers = [TRIALS[int(run[-1])][2] for run in table_runs(page)]
    assert optimizers == sorted(optimizers)
    row = page.locator('.ht tbody tr[data-run="trial_3"]')
    assert row.locator('td[data-key="h:optimizer"]').inner_text() == "sgd"
    assert row.locator('td[data-key="h:batch_size"]').inner_text() == "128"
    assert errors == []


def drag_axis(page: Page, key: str, start: float, end: float) -> None:
    """Drag along an axis from one fraction of its height to another (0 = bottom)."""
    box = page.locator(f'.pc-axis[data-key="{key}"] .pc-axis-line').bounding_box()
    assert box is not None
    x = box["x"] + box["width"] / 2
    page.mouse.move(x, box["y"] + box["height"] * (1 - start))
    page.mouse.down()
    page.mouse.move(x, box["y"] + box["height"] * (1 - (start + end) / 2), steps=3)
    page.mouse.move(x, box["y"] + box["height"] * (1 - end), steps=3)
    page.mouse.up()


def test_brushing_an_axis_filters_every_panel(page: Page, sessions_url: str) -> None:
    view = open_view(page, sessions_url)
    expect(page.locator(".pc path.pc-line")).to_have_count(len(TRIALS))
    expect(kept_lines(page)).to_have_count(len(TRIALS))

    # lr spans 1e-4..1e-1 on a log axis: the lower 40% is lr <= 10**-2.8, trials 0 and 1.
    drag_axis(page, "h:lr", 0.0, 0.4)
    kept = {f"trial_{i}" for i, (lr, _bs, _opt) in enumerate(TRIALS) if lr <= 10**-2.8}
    expect(view).to_have_attribute("data-shown", str(len(kept)))
    expect(kept_lines(page)).to_have_count(len(kept))
    assert set(kept_lines(page).evaluate_all("ps => ps.map(p => p.dataset.run)")) == kept
    assert set(table_runs(page)) == kept
    expect(page.locator(".pc-axis[data-key='h:lr']")).to_have_attribute("data-brushed", "1")
    expect(page.locator(".hp-brushes li")).to_have_count(1)

    # A second brush intersects: the optimizer axis, top category only ("sgd").
    drag_axis(page, "h:optimizer", 0.9, 1.0)
    both = {run for run in kept if TRIALS[int(run[-1])][2] == "sgd"}
    expect(view).to_have_attribute("data-shown", str(len(both)))
    assert set(table_runs(page)) == both

    # Escape on a focused axis clears its brush; the Clear button clears the other.
    page.locator(".pc-axis[data-key='h:optimizer']").focus()
    page.keyboard.press("Escape")
    expect(view).to_have_attribute("data-shown", str(len(kept)))
    page.get_by_role("button", name="Clear the brush on lr").click()
    expect(view).to_have_attribute("data-shown", str(len(TRIALS)))

    # Keyboard brushing: an arrow key on a focused axis starts a brush at its top.
    page.locator(".pc-axis[data-key='m:hparam/accuracy']").focus()
    page.keyboard.press("ArrowDown")
    expect(page.locator(".hp-brushes li")).to_have_count(1)
    shown = int(view.get_attribute("data-shown") or "0")
    assert 0 < shown < len(TRIALS)
    page.keyboard.press("Escape")
    expect(view).to_have_attribute("data-shown", str(len(TRIALS)))


def test_hover_highlights_the_session_everywhere(page: Page, sessions_url: str) -> None:
    open_view(page, sessions_url)
    scatter = page.locator("svg.scatter")
    expect(scatter).to_have_attribute("data-points", str(len(TRIALS)))
    page.locator('.ht tbody tr[data-run="trial_2"]').hover()
    expect(page.locator(".pc path.pc-hot")).to_have_attribute("data-run", "trial_2")
    expect(page.locator("circle.sc-hot")).to_have_attribute("data-run", "trial_2")
    expect(page.locator(".ht tbody tr.ht-hot")).to_have_attribute("data-run", "trial_2")

    page.locator('circle.sc-point[data-run="trial_4"]').hover()
    expect(page.locator(".ht tbody tr.ht-hot")).to_have_attribute("data-run", "trial_4")
    expect(page.locator(".pc path.pc-hot")).to_have_attribute("data-run", "trial_4")

    # The scatter follows the chosen metric and hyperparameter.
    page.get_by_label("Hyperparameter", exact=True).select_option("h:optimizer")
    page.get_by_label("Metric", exact=True).select_option("m:hparam/loss")
    expect(scatter).to_have_attribute(
        "aria-label", f"hparam/loss against optimizer: {len(TRIALS)} sessions"
    )
    ticks = scatter.locator("text.sc-tick").all_text_contents()
    assert {"adam", "adamw", "sgd"} <= set(ticks)


def test_fixture_session_matches_tensorboard(page: Page, tmp_path: Path) -> None:
    runs = expected(TORCH_LOGDIR)["runs"]
    (run,) = [name for name, info in runs.items() if info.get("hparams")]
    truth = runs[run]["hparams"]["_hparams_/session_start_info"]["session_start_info"]["hparams"]
    with logdir_server(TORCH_LOGDIR, tmp_path / "env") as url:
        open_view(page, url)
        expect(page.locator(".ht tbody tr")).to_have_count(1)
        row = page.locator(f'.ht tbody tr[data-run="{run}"]')
        for name, value in truth.items():
            cell = row.locator(f'td[data-key="h:{name}"]').inner_text()
            if isinstance(value, str):
                assert cell == value
            else:
                assert math.isclose(float(cell), value, rel_tol=1e-3)
        expect(page.locator(".pc path.pc-line")).to_have_count(1)
