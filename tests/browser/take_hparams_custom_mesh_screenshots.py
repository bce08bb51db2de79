"""Regenerate the pictures of docs/views.md for HParams, Custom Scalars and Mesh.

Writes a small demo log directory with ``torchscope.SummaryWriter`` (a dozen hyperparameter
trials with their training curves, a custom scalars layout with a margin chart, a coloured
torus mesh), serves it with torchscope and photographs each view in Chromium. Run from the
repository root, with the UI built:

    .venv/bin/python tests/browser/take_hparams_custom_mesh_screenshots.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import CHROMIUM, CHROMIUM_ARGS
from logdir_server import logdir_server
from take_view_screenshots import DOCS_IMG, shoot

STEPS = 400
TRIALS = [
    (lr, batch_size, optimizer)
    for lr, batch_size, optimizer in [
        (3e-4, 32, "adam"),
        (1e-3, 64, "adam"),
        (3e-3, 128, "adam"),
        (1e-2, 64, "adamw"),
        (3e-2, 32, "sgd"),
        (1e-1, 128, "sgd"),
        (1e-3, 128, "adamw"),
        (3e-1, 64, "sgd"),
        (3e-3, 32, "adamw"),
    ]
]


def torus(rings: int = 48, sides: int = 24) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vertices, triangle faces and per-vertex colours (by angle) of a torus."""
    u, v = np.meshgrid(
        np.linspace(0, 2 * np.pi, rings, endpoint=False),
        np.linspace(0, 2 * np.pi, sides, endpoint=False),
        indexing="ij",
    )
    x = (1 + 0.35 * np.cos(v)) * np.cos(u)
    y = 0.35 * np.sin(v)
    z = (1 + 0.35 * np.cos(v)) * np.sin(u)
    vertices = np.stack([x, y, z], axis=-1).reshape(-1, 3)
    index = np.arange(rings * sides).reshape(rings, sides)
    right, up = np.roll(index, -1, axis=0), np.roll(index, -1, axis=1)
    diagonal = np.roll(right, -1, axis=1)
    faces = np.concatenate(
        [
            np.stack([index, right, diagonal], -1).reshape(-1, 3),
            np.stack([index, diagonal, up], -1).reshape(-1, 3),
        ]
    )
    hue = (u / (2 * np.pi)).reshape(-1)
    colors = np.stack([0.5 + 0.5 * np.cos(2 * np.pi * (hue + k / 3)) for k in range(3)], -1)
    return vertices, faces, (colors * 255).astype(np.uint8)


def write_demo_logdir(logdir: Path) -> None:
    import torch

    from torchscope import SummaryWriter

    rng = np.random.default_rng(0)
    steps = np.arange(STEPS)
    for index, (lr, batch_size, optimizer) in enumerate(TRIALS):
        name = f"{optimizer}_lr{lr:g}_bs{batch_size}"
        quality = 1 - 0.22 * abs(np.log10(lr) + 2.5) + (0.04 if optimizer == "adamw" else 0)
        with SummaryWriter(str(logdir / name)) as writer:
            loss = 2.3 * np.exp(-quality * steps / 90) + 0.15 + rng.normal(0, 0.04, STEPS)
            accuracy = np.clip(0.97 * quality * (1 - np.exp(-steps / 80)), 0, 1)
            spread = 0.02 + 0.1 * np.exp(-steps / 120)
            for step in range(STEPS):
                writer.add_scalar("train/loss", loss[step], step)
                writer.add_scalar("val/accuracy", accuracy[step], step)
                writer.add_scalar("val/accuracy_low", accuracy[step] - spread[step], step)
                writer.add_scalar("val/accuracy_high", accuracy[step] + spread[step], step)
            if index == 0:
                writer.add_custom_scalars(
                    {
                        "Training": {
                            "losses": ["Multiline", [r"train/loss"]],
                            "accuracy with its spread": [
                                "Margin",
                                ["val/accuracy", "val/accuracy_low", "val/accuracy_high"],
                            ],
                        }
                    }
                )
                vertices, faces, colors = torus()
                writer.add_mesh(
                    "shapes/torus",
                    vertices=torch.from_numpy(vertices[None]).float(),
                    faces=torch.from_numpy(faces[None]),
                    colors=torch.from_numpy(colors[None]),
                )
            writer.add_hparams(
                {"lr": lr, "batch_size": batch_size, "optimizer": optimizer},
                {"hparam/accuracy": float(accuracy[-1]), "hparam/loss": float(loss[-20:].mean())},
                run_name=".",
            )


def main() -> None:
    DOCS_IMG.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work, sync_playwright() as playwright:
        logdir = Path(work) / "runs"
        write_demo_logdir(logdir)
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        with logdir_server(logdir, Path(work) / "env") as url:
            page = browser.new_page(viewport={"width": 1240, "height": 1180})
            page.goto(url + "#/hparams")
            page.locator(".hparams-view[data-ready='1']").wait_for()
            page.get_by_role("columnheader", name="hparam/accuracy").get_by_role("button").click()
            box = page.locator(".pc-axis[data-key='h:lr'] .pc-axis-line").bounding_box()
            assert box is not None
            x = box["x"] + box["width"] / 2
            page.mouse.move(x, box["y"] + box["height"] * 0.25)
            page.mouse.down()
            page.mouse.move(x, box["y"] + box["height"] * 0.75, steps=4)
            page.mouse.up()
            row = page.locator(".ht tbody tr").first
            row.hover()
            shoot(page, DOCS_IMG / "view-hparams.png")

            page.set_viewport_size({"width": 1240, "height": 620})
            page.goto(url + "#/custom_scalars")
            page.locator(".custom-scalars-view[data-ready='1']").wait_for()
            page.get_by_label("Filter runs").fill("^adamw")  # three runs: each band stands out
            for card in page.locator(".custom-chart").all():
                card.locator("xpath=self::*[@data-ready='1']").wait_for()
            shoot(page, DOCS_IMG / "view-custom-scalars.png")
            page.get_by_label("Filter runs").fill("")

            page.emulate_media(color_scheme="dark")
            page.evaluate("localStorage.clear()")
            page.goto(url + "#/mesh")
            page.reload()
            card = page.locator(".mesh-card").first
            card.locator("xpath=self::*[@data-vertices]").wait_for(timeout=30_000)
            shoot(page, DOCS_IMG / "view-mesh.png")
        browser.close()


if __name__ == "__main__":
    main()
