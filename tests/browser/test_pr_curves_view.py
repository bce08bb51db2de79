"""The PR curves view in Chromium: runs overlaid per tag, a step slider per run, the tooltip."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from logdir_server import TORCH_LOGDIR, expected, logdir_server
from playwright.sync_api import Locator, Page, expect

from torchscope import SummaryWriter

pytestmark = pytest.mark.browser

RUNS = ["model_a", "model_b"]
STEPS = [0, 1, 2]
TAG = "pr/cat"


def write_logdir(logdir: Path) -> None:
    """Two runs whose classifier gets sharper with every step (model_b faster)."""
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 200)
    noise = rng.uniform(0, 1, 200)
    for index, run in enumerate(RUNS):
        with SummaryWriter(str(logdir / run)) as writer:
            for step in STEPS:
                weight = 0.2 + 0.25 * step * (1 + index)
                predictions = np.clip(weight * labels + (1 - weight) * noise, 0, 1)
                writer.add_pr_curve(TAG, labels, predictions, step, num_thresholds=51)
            writer.add_pr_curve("pr/dog", labels, noise, 0, num_thresholds=51)


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    logdir = tmp_path_factory.mktemp("pr-logdir")
    write_logdir(logdir)
    with logdir_server(logdir, tmp_path_factory.mktemp("env")) as served:
        yield served


def open_pr_curves(page: Page, url: str) -> Locator:
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(url + "#/pr_curves")
    expect(page.locator(".pr-curves-view")).to_have_attribute("data-ready", "1")
    card = page.locator(f'.pr-card[data-tag="{TAG}"]')
    expect(card).to_have_attribute("data-ready", "1")
    expect(card.locator(".pr-plot")).not_to_have_attribute("data-draws", "0")
    return card


def pixels(card: Locator) -> str:
    return str(card.locator("canvas").evaluate("canvas => canvas.toDataURL()"))


def test_runs_overlaid_and_the_slider_changes_the_curve(page: Page, url: str) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    card = open_pr_curves(page, url)
    expect(page.locator(".pr-card")).to_have_count(2)  # pr/cat and pr/dog
    expect(card).to_have_attribute("data-runs", str(len(RUNS)))
    row = card.locator('.pr-runs li[data-run="model_a"]')
    expect(row).to_have_attribute("data-steps", str(len(STEPS)))
    expect(row).to_have_attribute("data-step", str(STEPS[-1]))
    assert int(row.get_attribute("data-points") or 0) > 1
    newest = pixels(card)

    row.get_by_role("slider").focus()
    page.keyboard.press("Home")
    expect(row).to_have_attribute("data-step", str(STEPS[0]))
    page.wait_for_function(
        "([el, before]) => el.querySelector('canvas').toDataURL() !== before",
        arg=[card.element_handle(), newest],
    )
    # The other run keeps its own step.
    expect(card.locator('.pr-runs li[data-run="model_b"]')).to_have_attribute(
        "data-step", str(STEPS[-1])
    )
    assert errors == []


def test_tooltip_names_threshold_and_counts(page: Page, url: str) -> None:
    card = open_pr_curves(page, url)
    answer = page.request.get(
        url + f"data/plugin/pr_curves/pr_curves?run={RUNS[0]}&tag={TAG}"
    ).json()[RUNS[0]][-1]
    card.locator(".pr-plot").focus()
    page.keyboard.press("ArrowRight")  # the middle threshold of the first run's curve
    tooltip = card.locator(".pr-tooltip")
    expect(tooltip).to_have_attribute("data-run", RUNS[0])
    threshold = float(tooltip.get_attribute("data-threshold") or "nan")
    index = min(
        range(len(answer["thresholds"])), key=lambda i: abs(answer["thresholds"][i] - threshold)
    )
    cells = dict(
        zip(
            tooltip.locator("th").all_inner_texts(),
            tooltip.locator("td").all_inner_texts(),
            strict=True,
        )
    )
    assert math.isclose(float(cells["precision"]), answer["precision"][index], rel_tol=1e-3)
    assert math.isclose(float(cells["recall"]), answer["recall"][index], rel_tol=1e-3)
    assert int(cells["TP"]) == answer["true_positives"][index]
    assert int(cells["FP"]) == answer["false_positives"][index]
    page.keyboard.press("ArrowDown")  # the next run
    expect(tooltip).to_have_attribute("data-run", RUNS[1])


def test_the_fixture_pr_curve(page: Page, tmp_path: Path) -> None:
    truth = expected(TORCH_LOGDIR)["runs"]["train"]["tensors"]["pr/class0"]
    with logdir_server(TORCH_LOGDIR, tmp_path / "env") as fixture_url:
        page.goto(fixture_url + "#/pr_curves")
        row = page.locator('.pr-card[data-tag="pr/class0"] .pr-runs li[data-run="train"]')
        expect(row).to_have_attribute("data-steps", str(len(truth["steps"])))
        expect(row).to_have_attribute("data-step", str(truth["steps"][-1]))
