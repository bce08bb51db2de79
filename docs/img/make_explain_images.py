"""Make the pictures of docs/explain.md from a tiny CNN trained on scikit-learn's digits.

Run from the repository root: python docs/img/make_explain_images.py
It trains for four epochs (seconds on a CPU), then writes docs/img/explain_*.png.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw
from sklearn.datasets import load_digits
from torch import nn

from torchscope import explain

OUT = Path(__file__).resolve().parent
SIDE = 32  # digits are 8x8; upsampled so the maps have room to differ
ZOOM = 3  # display pixels per input pixel
LABEL_HEIGHT = 14


class DigitsNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2),
            nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2),
        )  # fmt: skip
        self.classifier = nn.Linear(32 * 8 * 8, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x).flatten(1))


def load() -> tuple[torch.Tensor, torch.Tensor]:
    digits = load_digits()
    images = torch.tensor(digits.images, dtype=torch.float32).unsqueeze(1) / 16.0
    images = F.interpolate(images, size=(SIDE, SIDE), mode="bilinear", align_corners=False)
    return images, torch.tensor(digits.target)


def train(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, epochs: int = 4) -> None:
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
    model.train()
    generator = torch.Generator().manual_seed(0)
    for _ in range(epochs):
        for batch in torch.randperm(len(images), generator=generator).split(64):
            loss = F.cross_entropy(model(images[batch]), labels[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    model.eval()


def tile(rgb: np.ndarray) -> Image.Image:
    image = Image.fromarray(rgb)
    return image.resize((image.width * ZOOM, image.height * ZOOM), Image.NEAREST)


def sheet(rows: list[list[Image.Image]], titles: list[str]) -> Image.Image:
    """A grid with a title above each column."""
    width, height = rows[0][0].size
    gap = 4
    canvas = Image.new(
        "RGB",
        (len(titles) * (width + gap) + gap, LABEL_HEIGHT + len(rows) * (height + gap) + gap),
        "white",
    )
    draw = ImageDraw.Draw(canvas)
    for c, title in enumerate(titles):
        draw.text((gap + c * (width + gap), 1), title, fill="black")
    for r, row in enumerate(rows):
        for c, picture in enumerate(row):
            canvas.paste(
                picture, (gap + c * (width + gap), LABEL_HEIGHT + gap + r * (height + gap))
            )
    return canvas


def main() -> None:
    torch.manual_seed(0)
    torch.set_num_threads(1)
    images, labels = load()
    model = DigitsNet()
    train(model, images[:1500], labels[:1500])
    with torch.no_grad():
        accuracy = (model(images[1500:]).argmax(1) == labels[1500:]).float().mean()
    print(f"held-out accuracy {accuracy:.3f}")

    x = images[[1500, 1503, 1507, 1512]]
    target = model(x).argmax(1).tolist()
    layer = "features.5"  # the last convolution, followed by an in-place ReLU
    maps = {
        "saliency": explain.to_heatmap(explain.saliency(model, x, target)),
        "deconvnet": explain.to_heatmap(explain.deconvnet(model, x, target)),
        "guided backprop": explain.to_heatmap(explain.guided_backprop(model, x, target)),
        "Grad-CAM": explain.grad_cam(model, x, target, layer),
        "Grad-CAM++": explain.grad_cam_pp(model, x, target, layer),
        "guided Grad-CAM": explain.to_heatmap(explain.guided_grad_cam(model, x, target, layer)),
        "integrated grad.": explain.to_heatmap(
            explain.integrated_gradients(model, x, target), "sum"
        ),
        "SmoothGrad": explain.to_heatmap(
            explain.smooth_grad(model, x, target, generator=torch.Generator().manual_seed(0))
        ),
        "occlusion": explain.occlusion(model, x, target, window=8, stride=2),
    }
    signed = {"integrated grad.", "occlusion"}
    overlaid = {"Grad-CAM", "Grad-CAM++", "occlusion"}
    rows = []
    for i in range(len(x)):
        row = [tile(explain.image_to_rgb(x[i]))]
        for name, m in maps.items():
            if name in overlaid:
                heat = explain.normalize(m[i : i + 1], "symmetric" if name in signed else "minmax")[
                    0
                ]
                cmap = "bwr" if name in signed else "jet"
                row.append(tile(explain.overlay(x[i], heat, cmap, alpha=0.6, normalization=None)))
            elif name in signed:
                row.append(
                    tile(
                        explain.apply_colormap(
                            explain.normalize(m[i : i + 1], "symmetric")[0, 0], "bwr"
                        )
                    )
                )
            else:
                row.append(
                    tile(
                        explain.apply_colormap(
                            explain.normalize(m[i : i + 1], "percentile")[0, 0], "gray"
                        )
                    )
                )
        rows.append(row)
    sheet(rows, ["input", *maps]).save(OUT / "explain_methods.png", optimize=True)
    # One small strip per method for its own section: the inputs above, the maps below.
    for c, name in enumerate(maps, start=1):
        strip = [[row[0] for row in rows], [row[c] for row in rows]]
        slug = name.lower().replace("-", "_").replace("+", "p").replace(" ", "_").strip(".")
        sheet(strip, [name, "", "", ""]).save(OUT / f"explain_{slug}.png", optimize=True)

    # The deconvnet map hardly depends on the image: the same class, two different inputs.
    pair = images[[1500, 1501]]
    deconv = explain.to_heatmap(explain.deconvnet(model, pair, 0))
    guided = explain.to_heatmap(explain.guided_backprop(model, pair, 0))
    rows = [
        [
            tile(explain.image_to_rgb(pair[i])),
            tile(
                explain.apply_colormap(
                    explain.normalize(deconv[i : i + 1], "percentile")[0, 0], "gray"
                )
            ),
            tile(
                explain.apply_colormap(
                    explain.normalize(guided[i : i + 1], "percentile")[0, 0], "gray"
                )
            ),
        ]
        for i in range(2)
    ]
    sheet(rows, ["input", "deconvnet '0'", "guided '0'"]).save(
        OUT / "explain_deconvnet.png", optimize=True
    )

    grid = explain.filters(model, scale=12, padding=2)
    Image.fromarray(explain.apply_colormap(grid[0], "gray")).save(
        OUT / "explain_filters.png", optimize=True
    )

    features = explain.feature_maps(model, x[:1], "features.2")["features.2"][0, :8]
    rows = [
        [tile(explain.image_to_rgb(x[0]))]
        + [
            tile(explain.apply_colormap(explain.normalize(f[None, None])[0, 0], "viridis"))
            for f in features
        ]
    ]
    sheet(rows, ["input"] + [f"ch {c}" for c in range(8)]).save(
        OUT / "explain_feature_maps.png", optimize=True
    )

    dreamed = explain.activation_maximization(
        model, (10, 1, SIDE, SIDE), list(range(10)), steps=200, lr=0.02, tv=0.3, l2=0.05,
        value_range=(0.0, 1.0), generator=torch.Generator().manual_seed(0),
    )  # fmt: skip
    rows = [[tile(explain.image_to_rgb(d)) for d in dreamed]]
    sheet(rows, [str(c) for c in range(10)]).save(OUT / "explain_maximization.png", optimize=True)

    record = explain.explanation_record(model, x[0], methods=["grad_cam", "saliency"], top_k=3)
    print("record:", {k: v for k, v in record.items() if k not in ("image", "maps")})
    for path in sorted(OUT.glob("explain_*.png")):
        print(f"{path.name}: {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
