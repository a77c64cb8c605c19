"""How well are map labels placed? Overlapping label boxes and labels over markers.

Draws crowded maps (clustered random vectors: each of a few query words with its
neighbours, as ``wordspace plot`` draws them) with each label layout of
:func:`wordspace.plot.embedding_map`, and counts, from the Agg renderer's real text
extents, pairs of overlapping label boxes and (label, marker) pairs that overlap, and the
time to build and draw the figure. Run: ``python bench/label_layout.py [--points 60]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def clustered_vectors(points: int, clusters: int, dim: int = 50, seed: int = 0):
    from wordspace import Vectors

    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, dim))
    words, rows = [], []
    for i in range(points):
        g = i % clusters
        words.append(f"{'abcdefghij'[g]}{'xyz'[i % 3] * (i % 9)}{i:02d}")  # 3-11 letters
        rows.append(centres[g] + rng.normal(size=dim) * 0.35)
    return Vectors(words, np.array(rows, dtype=np.float32)), words[:clusters]


def overlaps(fig) -> tuple[int, int]:
    """(pairs of overlapping label boxes, overlapping (label, marker) pairs), in pixels."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    ax = fig.axes[0]
    boxes = [t.get_window_extent(renderer) for t in ax.texts if t.get_text()]
    labels = sum(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[:i])
    markers = ax.collections[0]
    centres = ax.transData.transform(markers.get_offsets())
    radii = np.sqrt(markers.get_sizes()) / 2 * fig.dpi / 72
    hits = 0
    for box in boxes:  # circle-rectangle intersection
        nx = np.clip(centres[:, 0], box.x0, box.x1)
        ny = np.clip(centres[:, 1], box.y0, box.y1)
        hits += int((np.hypot(centres[:, 0] - nx, centres[:, 1] - ny) < radii).sum())
    return labels, hits


def main() -> None:
    from wordspace import plot

    layout_seconds = []
    place = plot._place_labels

    def timed(*args, **kwargs):  # the label layout alone, not the projection
        start = time.perf_counter()
        texts = place(*args, **kwargs)
        layout_seconds.append(time.perf_counter() - start)
        return texts

    plot._place_labels = timed

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=60)
    parser.add_argument("--clusters", type=int, default=4)
    parser.add_argument("--seeds", type=int, default=3)
    a = parser.parse_args()
    print(f"{a.points} labelled points in {a.clusters} clusters, 9x7 in, dpi 100, "
          f"{a.seeds} maps each")
    print(f"{'method':6} {'layout':11} {'label overlaps':>15} {'label/marker':>13} "
          f"{'layout s':>8}")
    for method in ("pca", "tsne"):
        for layout in ("none", "spread", "adjusttext"):
            total = np.zeros(2)
            layout_seconds.clear()
            for seed in range(a.seeds):
                space, queries = clustered_vectors(a.points, a.clusters, seed=seed)
                per = a.points // a.clusters - 1
                fig = plot.embedding_map(space, queries, neighbours=per, method=method,
                                    seed=seed, label_layout=layout)
                total += overlaps(fig)
            print(f"{method:6} {layout:11} {total[0] / a.seeds:15.1f} "
                  f"{total[1] / a.seeds:13.1f} {np.mean(layout_seconds):8.2f}")


if __name__ == "__main__":
    main()
