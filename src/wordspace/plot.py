"""Pictures of an embedding space: 2-D maps where related words cluster.

Needs the ``plot`` extra (matplotlib, scikit-learn): ``pip install wordspace[plot]``.
Figures are built with matplotlib's object API (no pyplot, no global state), so they
render the same with or without a display.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from wordspace._io import atomic_write


def _require():
    try:
        import matplotlib  # noqa: F401
        import sklearn  # noqa: F401
    except ImportError as e:
        raise ImportError("plotting needs matplotlib and scikit-learn: "
                          "pip install 'wordspace[plot]'") from e


def project_2d(points: np.ndarray, method: str = "pca", seed: int = 0) -> np.ndarray:
    """Project rows to 2-D by PCA or t-SNE (cosine geometry: rows are normalised first)."""
    _require()
    if method not in ("pca", "tsne"):
        raise ValueError(f"method must be 'pca' or 'tsne', got {method!r}")
    points = np.asarray(points, dtype=np.float64)
    if len(points) < 2:
        raise ValueError("a map needs at least two words")
    unit = points / np.maximum(np.linalg.norm(points, axis=1, keepdims=True), 1e-12)
    if method == "pca":
        from sklearn.decomposition import PCA

        return PCA(n_components=2, random_state=seed).fit_transform(unit)
    from sklearn.manifold import TSNE

    perplexity = float(min(30, max(2, (len(unit) - 1) // 3)))
    return TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed,
                metric="cosine").fit_transform(unit)


def _gaussian_layout(distributions, labels: list[str]) -> tuple[np.ndarray, list]:
    """Means projected on their first two principal axes, and each covariance projected
    the same way (``P Sigma P^T``): the 2-D marginals of the distributions. In 2-D the
    distributions are drawn as they are."""
    rows = [distributions.index_of(w) for w in labels]
    means = distributions.means[rows].astype(np.float64)
    variances = np.broadcast_to(distributions.variances[rows], means.shape).astype(np.float64)
    if means.shape[1] == 2:
        axes = np.eye(2)
    else:
        centred = means - means.mean(0)
        axes = np.linalg.svd(centred, full_matrices=False)[2][:2]
    covariances = [axes @ np.diag(v) @ axes.T for v in variances]
    return means @ axes.T, covariances


def _ellipse(mean, covariance, colour):
    """The one-standard-deviation ellipse of a 2-D Gaussian."""
    from matplotlib.patches import Ellipse

    values, vectors = np.linalg.eigh(covariance)
    angle = np.degrees(np.arctan2(vectors[1, 1], vectors[0, 1]))
    return Ellipse(mean, 2 * np.sqrt(values[1]), 2 * np.sqrt(values[0]), angle=angle,
                   facecolor=colour, edgecolor=colour, alpha=0.15, lw=1)


def embedding_map(space, words: Sequence[str], neighbours: int = 0, method: str = "pca",
                  title: str | None = None, seed: int = 0, figsize=(9, 7), by: str = "el"):
    """A labelled 2-D map of ``words`` (and each one's ``neighbours`` nearest words).

    ``space`` is :class:`~wordspace.vectors.Vectors`, or
    :class:`~wordspace.distributions.Distributions`, drawn as Gaussians: one-sigma
    ellipses of their 2-D marginals on the means' principal axes (as Vilnis & McCallum
    draw them), with neighbours by ``by`` (``el``, ``kl`` or ``cosine``). Each query
    word and its neighbours share a colour; query words are larger and bold. Returns a
    :class:`matplotlib.figure.Figure`; save it with :func:`save_figure`.
    """
    _require()
    from matplotlib import colormaps
    from matplotlib.figure import Figure

    if not words:
        raise ValueError("give at least one word to plot")
    gaussian = hasattr(space, "variances")
    if gaussian and method != "pca":
        raise ValueError("Gaussians are drawn on principal axes: use method='pca'")
    labels, groups = [], []
    for g, word in enumerate(words):
        space.index_of(word)  # KeyError naming the word if unknown
        if word not in labels:
            labels.append(word)
            groups.append(g)
        found = space.most_similar(word, topn=neighbours, **({"by": by} if gaussian else {}))
        for other, _ in found if neighbours else ():
            if other not in labels:
                labels.append(other)
                groups.append(g)
    if gaussian:
        if len(labels) < 2 or space.dim < 2:
            raise ValueError("a map of Gaussians needs at least two words and two dimensions")
        xy, covariances = _gaussian_layout(space, labels)
    else:
        xy = project_2d(space[labels], method=method, seed=seed)

    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.add_subplot()
    cmap = colormaps["tab10" if len(words) <= 10 else "tab20"]
    queries = set(words)
    sizes = np.array([11.0 if label in queries else 8.5 for label in labels])
    span = np.maximum(xy.max(axis=0) - xy.min(axis=0), 1e-9)
    scale = np.array(figsize) * 72 / span  # data units -> points, roughly
    text_at = _spread_labels(xy * scale, labels, sizes) / scale
    for (x, y), (tx, ty), label, g, size in zip(xy, text_at, labels, groups, sizes,
                                                strict=True):
        colour = cmap(g % cmap.N)
        is_query = label in queries
        ax.scatter(x, y, s=70 if is_query else 25, color=colour, alpha=0.9,
                   edgecolors="black" if is_query else "none", linewidths=0.6, zorder=2)
        if gaussian:
            ax.add_patch(_ellipse((x, y), covariances[labels.index(label)], colour))
        moved = np.hypot(*((np.array([tx, ty]) - (x, y)) * scale)) > 2 * size
        ax.annotate(label, (x, y), xytext=(tx, ty), fontsize=size, color=colour,
                    fontweight="bold" if is_query else "normal", zorder=3,
                    arrowprops=dict(arrowstyle="-", color=colour, lw=0.5, alpha=0.6)
                    if moved else None)
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if gaussian:
        ax.set_aspect("equal", adjustable="datalim")
        ax.autoscale_view()
    what = "Gaussians, 1-sigma ellipses on the means' principal axes" if gaussian \
        else f"{method.upper()} of unit vectors"
    ax.set_title(title or f"{len(labels)} words, {what}"
                 + (f", {neighbours} neighbours each" if neighbours else ""))
    return fig


def _spread_labels(points: np.ndarray, labels: list[str], sizes: np.ndarray,
                   iterations: int = 200) -> np.ndarray:
    """Label anchors (in points) near each point, nudged apart until boxes stop overlapping.

    Boxes are estimated from the text length and font size; each overlapping pair is
    pushed apart along its shorter overlap, and every label is pulled gently back
    towards its point, so labels stay close to what they name.
    """
    width = np.array([0.6 * len(label) for label in labels]) * sizes
    height = 1.2 * sizes
    home = points + np.stack([np.full(len(points), 4.0), 3.0 + 0 * sizes], axis=1)
    pos = home.copy()
    for _ in range(iterations):
        centre = pos + np.stack([width / 2, height / 2], axis=1)
        dx = centre[:, None, 0] - centre[None, :, 0]
        dy = centre[:, None, 1] - centre[None, :, 1]
        ox = (width[:, None] + width[None, :]) / 2 - np.abs(dx)
        oy = (height[:, None] + height[None, :]) / 2 - np.abs(dy)
        overlap = (ox > 0) & (oy > 0)
        np.fill_diagonal(overlap, False)
        if not overlap.any():
            break
        # push along the axis that separates them fastest (mostly vertically)
        push_y = np.where(overlap & (oy <= ox * 2), np.sign(dy + 1e-9) * oy / 2, 0).sum(1)
        push_x = np.where(overlap & (oy > ox * 2), np.sign(dx + 1e-9) * ox / 2, 0).sum(1)
        pos += 0.5 * np.stack([push_x, push_y], axis=1) + 0.02 * (home - pos)
    return pos


def save_figure(fig, path: str | Path, dpi: int = 150) -> Path:
    """Write a figure atomically; the format (png, svg, pdf) follows the file's suffix."""
    path = Path(path)
    fmt = path.suffix.lstrip(".").lower() or "png"
    if fmt not in ("png", "svg", "pdf"):
        raise ValueError(f"cannot write {path}: use a .png, .svg or .pdf file name")
    with atomic_write(path, "wb") as f:
        fig.savefig(f, format=fmt, dpi=dpi)
    return path
