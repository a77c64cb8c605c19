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


#: t-SNE refuses smaller maps (see :func:`project_2d`).
TSNE_MIN_POINTS = 10


def project_2d(points: np.ndarray, method: str = "pca", seed: int = 0) -> np.ndarray:
    """Project rows to 2-D by PCA or t-SNE (cosine geometry: rows are normalised first).

    t-SNE needs at least :data:`TSNE_MIN_POINTS` (10) rows and raises ``ValueError``
    (suggesting PCA) below that; it does not silently fall back to PCA, because the two
    maps mean different things. Its perplexity (the effective number of neighbours each
    point has) is ``min(30, (n - 1) // 3)``: sklearn's default of 30 for large maps,
    and for small ones the largest value with ``3 * perplexity <= n - 1``, the bound
    Rtsne enforces and the number of neighbours Barnes-Hut t-SNE looks at
    (``3 * perplexity + 1``), so it is always well below ``n``. At 10 points that is 3,
    about the smallest perplexity at which each point has more than one or two
    neighbours that matter; with fewer points t-SNE mostly returns its PCA
    initialisation, rescaled, and PCA (whose axes mean something) is the better map.
    """
    return _project(points, method, seed)[0]


def _project(points, method: str, seed: int) -> tuple[np.ndarray, np.ndarray | None]:
    """:func:`project_2d`, and for PCA the two components' explained-variance ratios."""
    _require()
    if method not in ("pca", "tsne"):
        raise ValueError(f"method must be 'pca' or 'tsne', got {method!r}")
    points = np.asarray(points, dtype=np.float64)
    if len(points) < 2:
        raise ValueError("a map needs at least two words")
    if method == "tsne" and len(points) < TSNE_MIN_POINTS:
        raise ValueError(f"t-SNE needs at least {TSNE_MIN_POINTS} words to map, got "
                         f"{len(points)}: use PCA (method='pca', --method pca), or add "
                         "neighbours")
    unit = points / np.maximum(np.linalg.norm(points, axis=1, keepdims=True), 1e-12)
    if method == "pca":
        from sklearn.decomposition import PCA

        pca = PCA(n_components=2, random_state=seed)
        return pca.fit_transform(unit), pca.explained_variance_ratio_
    from sklearn.manifold import TSNE

    perplexity = float(min(30, (len(unit) - 1) // 3))
    return TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed,
                metric="cosine").fit_transform(unit), None


def _gaussian_layout(distributions, labels: list[str]) -> tuple[np.ndarray, list,
                                                              np.ndarray | None]:
    """Means projected on their first two principal axes, and each covariance projected
    the same way (``P Sigma P^T``): the 2-D marginals of the distributions. In 2-D the
    distributions are drawn as they are. Also returns the share of the means' variance
    along each principal axis (``None`` in 2-D, where the axes are the dimensions)."""
    rows = [distributions.index_of(w) for w in labels]
    means = distributions.means[rows].astype(np.float64)
    variances = np.broadcast_to(distributions.variances[rows], means.shape).astype(np.float64)
    if means.shape[1] == 2:
        axes, ratio = np.eye(2), None
    else:
        centred = means - means.mean(0)
        _, s, vt = np.linalg.svd(centred, full_matrices=False)
        axes, ratio = vt[:2], (s[:2] ** 2) / max(float((s ** 2).sum()), 1e-300)
    covariances = [axes @ np.diag(v) @ axes.T for v in variances]
    return means @ axes.T, covariances, ratio


def _ellipse(mean, covariance, colour):
    """The one-standard-deviation ellipse of a 2-D Gaussian."""
    from matplotlib.patches import Ellipse

    values, vectors = np.linalg.eigh(covariance)
    angle = np.degrees(np.arctan2(vectors[1, 1], vectors[0, 1]))
    return Ellipse(mean, 2 * np.sqrt(values[1]), 2 * np.sqrt(values[0]), angle=angle,
                   facecolor=colour, edgecolor=colour, alpha=0.15, lw=1)


def embedding_map(space, words: Sequence[str], neighbours: int = 0, method: str = "pca",
                  title: str | None = None, seed: int = 0, figsize=(9, 7), by: str = "el",
                  label_layout: str = "adjusttext"):
    """A labelled 2-D map of ``words`` (and each one's ``neighbours`` nearest words).

    ``space`` is :class:`~wordspace.vectors.Vectors`, or
    :class:`~wordspace.distributions.Distributions`, drawn as Gaussians: one-sigma
    ellipses of their 2-D marginals on the means' principal axes (as Vilnis & McCallum
    draw them), with neighbours by ``by`` (``el``, ``kl`` or ``cosine``). Each query
    word and its neighbours share a colour; query words are larger and bold. Labels are
    moved off the markers and each other by adjustText (``label_layout``: see
    :func:`_place_labels`). The axis captions say what the axes are: for PCA each
    component's share of the variance of the plotted (unit) vectors; for t-SNE, that the
    axes have no units and distances between clusters mean little. t-SNE needs at least
    10 words (see :func:`project_2d`). Returns a :class:`matplotlib.figure.Figure`; save
    it with :func:`save_figure`.
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
        xy, covariances, ratio = _gaussian_layout(space, labels)
    else:
        xy, ratio = _project(space[labels], method, seed)

    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.add_subplot()
    cmap = colormaps["tab10" if len(words) <= 10 else "tab20"]
    queries = set(words)
    is_query = np.array([label in queries for label in labels])
    colours = [cmap(g % cmap.N) for g in groups]
    markers = ax.scatter(xy[:, 0], xy[:, 1], s=np.where(is_query, 70, 25), c=colours,
                         alpha=0.9, edgecolors=["black" if q else "none" for q in is_query],
                         linewidths=0.6, zorder=2)
    if gaussian:
        for centre, covariance, colour in zip(xy, covariances, colours, strict=True):
            ax.add_patch(_ellipse(centre, covariance, colour))
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    xlabel, ylabel, note = _axis_captions(method, gaussian, ratio)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if gaussian:
        ax.set_aspect("equal", adjustable="datalim")
        ax.autoscale_view()
    what = "Gaussians, 1-sigma ellipses on the means' principal axes" if gaussian \
        else f"{'PCA' if method == 'pca' else 't-SNE'} of unit vectors"
    ax.set_title((title or f"{len(labels)} words, {what}"
                  + (f", {neighbours} neighbours each" if neighbours else ""))
                 + (f"\n{note}" if note else ""))
    _place_labels(ax, xy, labels, colours, np.where(is_query, 11.0, 8.5), is_query,
                  markers, label_layout)
    return fig


def _axis_captions(method: str, gaussian: bool, ratio) -> tuple[str, str, str]:
    """x and y axis captions, and a note for the title: what the axes of the map are."""
    if method == "tsne" and not gaussian:
        return ("t-SNE 1", "t-SNE 2", "t-SNE axes have no units or meaning; only who is near "
                "whom counts, not distances between clusters")
    if ratio is None:  # 2-D Gaussians, drawn on their own dimensions
        return "dimension 1", "dimension 2", ""
    what = "PCA component {} of the means ({:.1f} % of their variance)" if gaussian \
        else "PCA component {} ({:.1f} % of variance)"
    return what.format(1, 100 * ratio[0]), what.format(2, 100 * ratio[1]), ""


def _place_labels(ax, xy, labels, colours, sizes, bold, markers, layout: str) -> list:
    """Write each label next to its point, kept off the markers and each other.

    ``layout``: ``"adjusttext"`` (the default), ``"spread"`` (the hand-written
    :func:`_spread_labels`, kept for comparison) or ``"none"`` (labels on their points).
    Measured by ``bench/label_layout.py`` (60 labelled points in 4 clusters, 9x7 in,
    overlaps from the Agg renderer's text extents, mean of 3 maps; 2 shared cores):

    ==========  ===========================  ==========================  =============
    layout      overlapping label pairs      label-marker overlaps       layout time
                (PCA / t-SNE)                (PCA / t-SNE)               (PCA / t-SNE)
    ==========  ===========================  ==========================  =============
    none        120.3 / 364.3                172.7 / 428.0               0.00 s
    spread      84.0 / 185.7                 80.0 / 158.3                0.02 s
    adjusttext  5.7 / 10.7                   14.7 / 17.0                 4.5 / 5.6 s
    ==========  ===========================  ==========================  =============

    so adjustText it is: a few seconds buy a map whose labels can be read.
    """
    if layout not in ("adjusttext", "spread", "none"):
        raise ValueError(f"label_layout must be 'adjusttext', 'spread' or 'none', "
                         f"got {layout!r}")
    style = [dict(fontsize=size, color=colour, fontweight="bold" if b else "normal",
                  zorder=3) for size, colour, b in zip(sizes, colours, bold, strict=True)]
    if layout == "spread":
        fig = ax.figure
        span = np.maximum(xy.max(axis=0) - xy.min(axis=0), 1e-9)
        scale = np.array(fig.get_size_inches()) * 72 / span  # data units -> points, roughly
        text_at = _spread_labels(xy * scale, labels, sizes) / scale
        texts = []
        for (x, y), (tx, ty), label, kw, size in zip(xy, text_at, labels, style, sizes,
                                                     strict=True):
            moved = np.hypot(*((np.array([tx, ty]) - (x, y)) * scale)) > 2 * size
            texts.append(ax.annotate(label, (x, y), xytext=(tx, ty), **kw, arrowprops=dict(
                arrowstyle="-", color=kw["color"], lw=0.5, alpha=0.6) if moved else None))
        return texts
    texts = [ax.text(x, y, label, **kw) for (x, y), label, kw in zip(xy, labels, style,
                                                                      strict=True)]
    if layout == "adjusttext":
        adjust_text = _require_adjusttext()
        ax.figure.draw_without_rendering()  # settle the constrained layout first
        # boxes grown by 30 % / 50 % when repelling, and a fixed number of iterations
        # (not adjustText's default one-second time limit), so the same map comes out on
        # a busy machine as on an idle one
        adjust_text(texts, objects=markers, ax=ax, ensure_inside_axes=True,
                    expand=(1.3, 1.5), iter_lim=300, time_lim=None,
                    arrowprops=dict(arrowstyle="-", color="0.45", lw=0.5, alpha=0.7))
    return texts


def _require_adjusttext():
    try:
        from adjustText import adjust_text
    except ImportError as e:
        raise ImportError("placing labels needs adjustText: pip install 'wordspace[plot]' "
                          "(or pass label_layout='spread')") from e
    return adjust_text


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
