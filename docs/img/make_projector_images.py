"""Draw the pictures of docs/projector.md from real torchscope output.

    python docs/img/make_projector_images.py

Writes docs/img/projector_digits.png: PCA and t-SNE of scikit-learn's bundled digits
(1,797 images of 8 x 8 pixels), coloured by the digit each image shows.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from torchscope.embed import knn_preservation, pca, tsne

OUTPUT = Path(__file__).with_name("projector_digits.png")


def main() -> None:
    digits = load_digits()
    X, labels = digits.data.astype(np.float32), digits.target

    principal = pca(X, 2, cache=False)
    layout = tsne(X, dims=2, perplexity=30, cache=False)

    figure, axes = plt.subplots(1, 2, figsize=(9, 4.3), dpi=90)
    panels = [
        (axes[0], principal.coordinates, "PCA, first 2 components"),
        (axes[1], layout.coordinates, "t-SNE, perplexity 30"),
    ]
    colours = plt.get_cmap("tab10")
    for axis, points, title in panels:
        for digit in range(10):
            mine = labels == digit
            axis.scatter(points[mine, 0], points[mine, 1], s=3, color=colours(digit), label=digit)
        kept = knn_preservation(X, points, 10)
        axis.set_title(f"{title}\n10-NN kept: {kept:.0%}", fontsize=10)
        axis.set_xticks([])
        axis.set_yticks([])
    axes[1].legend(
        title="digit", markerscale=4, fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5)
    )
    figure.suptitle("scikit-learn digits (1,797 x 64) projected by torchscope.embed", fontsize=11)
    figure.tight_layout()
    figure.savefig(OUTPUT)
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size / 1024:.0f} KB)")


if __name__ == "__main__":
    main()
