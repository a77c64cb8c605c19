"""Pictures of an embedding space: 2-D maps where related words cluster.

Needs the ``plot`` extra (matplotlib, scikit-learn): ``pip install wordspace[plot]``.
Figures are built with matplotlib's object API (no pyplot, no global state), so they
render the same with or without a display.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import re
import unicodedata
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from wordspace._io import atomic_write, check_name_lengths, check_replaceable_file
from wordspace._tokens import shorten
from wordspace._validate import check_int

logger = logging.getLogger(__name__)


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
        with np.errstate(invalid="ignore", divide="ignore"):  # identical points: NaN shares
            return pca.fit_transform(unit), pca.explained_variance_ratio_
    from sklearn.manifold import TSNE

    perplexity = float(min(30, (len(unit) - 1) // 3))
    return TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed,
                metric="cosine").fit_transform(unit), None


def _gaussian_layout(distributions, labels: list[str], centre: int | None = None
                     ) -> tuple[np.ndarray, list, np.ndarray | None]:
    """Means projected on their first two principal axes, and each covariance projected
    the same way (``P Sigma P^T``): the 2-D marginals of the distributions. In 2-D the
    distributions are drawn as they are. Also returns the share of the means' variance
    along each principal axis (``None`` in 2-D, where the axes are the dimensions).

    With ``centre`` (a row of ``labels``), the axes are the principal axes of the
    *other* words' means within the directions orthogonal to the offset from the centre
    word's mean to theirs, so the centre word is drawn at their centroid; the shares
    are then of the other words' variance (the offset's direction included)."""
    rows = [distributions.index_of(w) for w in labels]
    means = distributions.means[rows].astype(np.float64)
    variances = np.broadcast_to(distributions.variances[rows], means.shape).astype(np.float64)
    if means.shape[1] == 2:
        axes, ratio = np.eye(2), None
    elif centre is None:
        centred = means - means.mean(0)
        _, s, vt = np.linalg.svd(centred, full_matrices=False)
        axes, ratio = vt[:2], (s[:2] ** 2) / max(float((s ** 2).sum()), 1e-300)
    else:
        others = np.delete(means, centre, axis=0)
        centred = others - others.mean(0)
        total = max(float((centred ** 2).sum()), 1e-300)
        offset = others.mean(0) - means[centre]
        if np.linalg.norm(offset) > 0:
            u = offset / np.linalg.norm(offset)
            centred = centred - np.outer(centred @ u, u)
        _, s, vt = np.linalg.svd(centred, full_matrices=True)
        # two shares even where there are fewer singular values (one other word)
        axes, ratio = vt[:2], np.pad(s[:2] ** 2, (0, 2 - len(s[:2]))) / total
    covariances = [axes @ np.diag(v) @ axes.T for v in variances]
    return means @ axes.T, covariances, ratio


#: default width of the widest ellipse on a map of Gaussians, as a fraction of the extent
#: of the means (the larger of their x and y ranges): see :func:`ellipse_scales`
ELLIPSE_FRACTION = 0.5
#: the most labelled words a map lays out with adjustText: its time grows faster than
#: the square of the labels (100 took 30 s on 2 cores, 200 more than 5 minutes, 1,000
#: ran out of memory), and a map of more is no longer read label by label
MAX_LABELS = 120


def ellipse_scales(xy: np.ndarray, covariances, log_determinants,
                   fraction: float = ELLIPSE_FRACTION) -> np.ndarray:
    """What each word's one-sigma 2-D marginal ellipse is multiplied by on a map.

    A word's marginal on two axes hides most of its breadth: in 50 dimensions a general
    word's variances are only a few per cent above a specific word's in each dimension
    (on text8, "animal" against "dog": 5 % in standard deviation), but over all
    dimensions that makes ``log |Sigma|`` (the breadth :meth:`Distributions.most_general
    <wordspace.distributions.Distributions.most_general>` ranks by) several units larger.
    So the map keeps each ellipse's shape and orientation (the marginal's) and sizes it
    by the whole distribution: every ellipse's **area is proportional to**
    ``|Sigma|^(1/2)``, the Gaussian's volume in all its dimensions. For word ``i`` with
    marginal covariance ``C_i`` that is the factor
    ``t_i = c * (|Sigma_i| / |C_i|) ** (1/4)``, with one ``c`` for the whole map, chosen
    so that the widest ellipse is ``fraction`` of the means' extent. In 2-D, where
    ``C_i = Sigma_i``, every ``t_i`` is ``c``: the true one-sigma ellipses, magnified
    alike.
    """
    if not fraction > 0:
        raise ValueError(f"ellipse_fraction must be positive, got {fraction!r}")
    log_marginal = np.array([np.linalg.slogdet(c)[1] for c in covariances])
    log_t = (np.asarray(log_determinants, np.float64) - log_marginal) / 4
    t = np.exp(log_t - log_t.max())
    widths = np.array([2 * np.sqrt(np.linalg.eigvalsh(c)[-1]) for c in covariances]) * t
    extent = float(np.ptp(xy, axis=0).max()) if len(xy) > 1 else 0.0
    if extent <= 0:  # all means at one point: size against the widest ellipse itself
        extent = float(widths.max())
    return t * fraction * extent / float(widths.max())


def _ellipse(mean, covariance, colour, scale: float = 1.0, **style):
    """The one-standard-deviation ellipse of a 2-D Gaussian, its axes times ``scale``."""
    from matplotlib.colors import to_rgba
    from matplotlib.patches import Ellipse

    values, vectors = np.linalg.eigh(covariance)
    angle = np.degrees(np.arctan2(vectors[1, 1], vectors[0, 1]))
    fill = style.pop("fill_alpha", 0.15)
    style = {"facecolor": to_rgba(colour, fill), "edgecolor": to_rgba(colour, 0.8), "lw": 1,
             **style}
    return Ellipse(mean, 2 * scale * np.sqrt(values[1]), 2 * scale * np.sqrt(values[0]),
                   angle=angle, **style)


def _ellipse_caption(space, fraction: float, scales: np.ndarray) -> str:
    """What the ellipses' sizes mean, for the title."""
    if space.dim == 2:
        return (f"Ellipses: each word's one-sigma ellipse x {scales[0]:.2g} (the widest "
                f"{fraction:.0%} of the means' extent).")
    return (f"Ellipses: shape = the word's 2-D marginal; area proportional to |Sigma|^1/2, "
            f"its volume in all {space.dim} dimensions (breadth); the widest "
            f"{fraction:.0%} of the means' extent.")


# -- fonts: words in scripts the default font lacks ------------------------------------
#: matplotlib's placeholder font (boxes naming each character's block): no font to draw with
_PLACEHOLDER_FONTS = ("Last Resort",)


@functools.cache
def _characters_of(fname: str) -> frozenset[int]:
    """The code points the font file ``fname`` has glyphs for (none if it cannot be
    read)."""
    from matplotlib.ft2font import FT2Font

    try:
        return frozenset(FT2Font(fname).get_charmap())
    except (OSError, RuntimeError, ValueError):
        return frozenset()


def _label_fonts(texts: Sequence[str]) -> tuple[list[str] | None, list[str]]:
    """The font families to draw ``texts`` with, and the texts holding a character that
    none of them has (drawn as boxes).

    matplotlib draws every text in one family (DejaVu Sans, unless configured) and, for a
    character that font lacks, draws a box and warns once per character. Given a list
    of families it falls back from one to the next (matplotlib >= 3.6), so where an
    installed font has what the default lacks (a CJK font for Chinese words), the list
    is the default's and then the fewest installed fonts that cover the rest, each
    chosen for covering the most of what is still missing; None where the default
    covers everything (nothing changes)."""
    from matplotlib import font_manager, rcParams

    families = list(rcParams["font.family"])
    have: set[int] = set()
    for family in families:
        try:
            have |= _characters_of(font_manager.findfont(  # a list: no fontconfig pattern
                font_manager.FontProperties(family=[family]), fallback_to_default=False))
        except ValueError:  # not installed
            continue
    wanted = {ord(c) for text in texts for c in text if not c.isspace()}
    missing = wanted - have
    if not missing:
        return None, []
    fonts = {}  # a family's regular face first: the one matplotlib picks for it
    for entry in sorted(font_manager.fontManager.ttflist,
                        key=lambda e: (e.style != "normal", abs(e.weight - 400), e.fname)):
        if not entry.name.startswith(_PLACEHOLDER_FONTS) and entry.name not in families:
            fonts.setdefault(entry.name, entry.fname)
    fallbacks = []
    while missing:
        covers = {name: len(_characters_of(fname) & missing) for name, fname in fonts.items()
                  if name not in fallbacks}
        best = max(covers, key=lambda name: (covers[name], -len(name)), default=None)
        if best is None or covers[best] == 0:
            break
        fallbacks.append(best)
        missing -= _characters_of(fonts[best])
    undrawable = [text for text in texts if any(ord(c) in missing for c in text)]
    return (families + fallbacks if fallbacks else None), undrawable


def _font_to_install(characters: str) -> str:
    """A font that has ``characters`` (of one or more scripts), to suggest installing."""
    suggestions = []
    for c in characters:
        code, name = ord(c), unicodedata.name(c, "")
        if 0x1F000 <= code <= 0x1FAFF or 0x2600 <= code <= 0x27BF:
            font = "Noto Emoji (monochrome: matplotlib draws no colour emoji)"
        elif name.startswith(("CJK", "HANGUL", "HIRAGANA", "KATAKANA", "BOPOMOFO",
                              "IDEOGRAPHIC", "FULLWIDTH", "HALFWIDTH")):
            font = "Noto Sans CJK (fonts-noto-cjk)"
        elif name and name.split()[0].isalpha():
            font = f"Noto Sans {name.split()[0].title()}"
        else:
            continue
        if font not in suggestions:
            suggestions.append(font)
    return " or ".join(suggestions[:3]) or "a font that has them (Noto's cover most scripts)"


def _say_undrawable(undrawable: list[str]) -> None:
    """One warning for the labels no installed font can draw, naming them and a font to
    install (matplotlib's own says it once per character, and names no word)."""
    import matplotlib

    characters = "".join(dict.fromkeys(c for text in undrawable for c in text
                                       if not c.isspace()))
    shown = ", ".join(map(shorten, undrawable[:5])) + (
        f" and {len(undrawable) - 5} more" if len(undrawable) > 5 else "")
    logger.warning("%d label(s) hold characters that no installed font has, drawn as "
                   "boxes: %s. Install %s, then remove matplotlib's font cache "
                   "(fontlist-*.json in %s) so that it finds the font", len(undrawable),
                   shown, _font_to_install(characters), matplotlib.get_cachedir())


@contextlib.contextmanager
def _glyph_warnings_said() -> Iterator[None]:
    """While a map is drawn or saved: without matplotlib's warning for every character
    its font lacks, which :func:`_say_undrawable` has said once, naming the words."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", r"Glyph \d+ .*missing from", UserWarning)
        yield


def embedding_map(space, words: Sequence[str], neighbours: int = 0, method: str = "pca",
                  title: str | None = None, seed: int = 0, figsize=(9, 7),
                  by: str | None = None, label_layout: str = "adjusttext",
                  ellipse_fraction: float = ELLIPSE_FRACTION):
    """A labelled 2-D map of ``words`` (and each one's ``neighbours`` nearest words).

    ``space`` is :class:`~wordspace.vectors.Vectors`, or
    :class:`~wordspace.distributions.Distributions`, drawn as Gaussians: ellipses of
    their 2-D marginals on the means' principal axes (as Vilnis & McCallum draw them),
    each sized so that its area is proportional to the whole distribution's volume
    ``|Sigma|^(1/2)`` and the widest is ``ellipse_fraction`` of the means' extent (see
    :func:`ellipse_scales`; the title says so), with neighbours by ``by`` (``el``,
    ``kl`` or ``cosine``; default: the energy the model was trained with). Each query
    word has a colour of its own, which its neighbours share (a query word that is
    another's neighbour keeps its own; a word that is a neighbour of several takes the
    colour of the one it is nearest to, by the score it was found with; on a tie, the
    one given first); query words are larger and bold. Labels are
    moved off the markers and each other by adjustText (``label_layout``: see
    :func:`_place_labels`). The axis captions say what the axes are: for PCA each
    component's share of the variance of the plotted (unit) vectors; for t-SNE, that the
    axes have no units and distances between clusters mean little. t-SNE needs at least
    10 words (see :func:`project_2d`). Returns a :class:`matplotlib.figure.Figure`; save
    it with :func:`save_figure`.
    """
    _require()
    from matplotlib import colormaps

    if isinstance(words, str):
        words = [words]  # one word, not its letters
    if not words:
        raise ValueError("give at least one word to plot")
    check_int("neighbours", neighbours, 0)
    gaussian = hasattr(space, "variances")
    if gaussian and method != "pca":
        raise ValueError("Gaussians are drawn on principal axes: use method='pca' "
                         "(--method pca)")
    queries = list(dict.fromkeys(words))  # each query word once, in the order given
    colour_of = {word: g for g, word in enumerate(queries)}
    labels: dict[str, None] = {}  # in order: each query word, then its new neighbours
    nearest: dict[str, tuple[float, int]] = {}  # a neighbour's best score, and its query
    for word in queries:
        space[word]  # KeyError naming the word if it has no vector (fastText's vectors
        # compose one for an unseen word, as they do for most_similar)
        labels.setdefault(word)
        found = space.most_similar(word, topn=neighbours, **({"by": by} if gaussian else {}))
        for other, score in found if neighbours else ():
            labels.setdefault(other)
            if other not in colour_of and (other not in nearest
                                           or score > nearest[other][0]):
                nearest[other] = (score, colour_of[word])  # ties: the query given first
    labels = list(labels)
    # a query word keeps its own colour even where it is another's neighbour; a neighbour
    # of several query words takes the colour of the one it is nearest to
    groups = [colour_of[w] if w in colour_of else nearest[w][1] for w in labels]
    cmap = colormaps["tab10" if len(queries) <= 10 else "tab20"]
    is_query = np.array([label in colour_of for label in labels])
    colours = [cmap(g % cmap.N) for g in groups]
    if gaussian:
        what = "Gaussians on the means' principal axes"
    else:
        what = f"{'PCA' if method == 'pca' else 't-SNE'} of unit vectors"
    heading = title or (f"{len(labels)} words, {what}"
                        + (f", {neighbours} neighbours each" if neighbours else ""))
    return _draw_map(space, labels, colours, is_query, heading, method=method, seed=seed,
                     figsize=figsize, label_layout=label_layout,
                     ellipse_fraction=ellipse_fraction)


def hierarchy_map(distributions, general: str, specific: Sequence[str],
                  title: str | None = None, figsize=(8, 7.5), label_layout: str = "adjusttext",
                  ellipse_fraction: float = 1.5):
    """A general word's Gaussian around more specific ones, as Vilnis & McCallum draw a
    hierarchy ("animal" around "dog", "cat", "horse").

    Drawn as :func:`embedding_map` draws Gaussians (the means' principal axes, each
    ellipse the word's 2-D marginal with its area proportional to ``|Sigma|^(1/2)``, see
    :func:`ellipse_scales`), the general word in one colour and bold, the specific words
    in another. By default the widest ellipse is one and a half times as wide as the
    means' extent (``ellipse_fraction=1.5``), which the title states: the ellipses' sizes
    relative to each other are the model's, their size against the distances between
    the means is this stated choice, and so is whether an ellipse is drawn inside
    another. The title also gives the scale-free verdict, the model's own: for how many
    specific words the entailment score (the KL asymmetry) points to the general word.
    Returns a :class:`matplotlib.figure.Figure`.
    """
    _require()
    from matplotlib import colormaps

    if isinstance(specific, str):
        specific = [specific]  # one word, not its letters
    labels = [general] + [w for w in dict.fromkeys(specific) if w != general]
    if len(labels) < 2:
        raise ValueError("give at least one specific word")
    for word in labels:
        distributions.index_of(word)  # KeyError naming the word if unknown
    cmap = colormaps["tab10"]
    colours = [cmap(3)] + [cmap(0)] * (len(labels) - 1)
    is_query = np.array([True] + [False] * (len(labels) - 1))
    inside = sum(distributions.entailment(w, general) > 0 for w in labels[1:])
    heading = title or (f"'{general}' and {len(labels) - 1} more specific words as "
                        f"Gaussians. The KL asymmetry (entailment) puts {inside} of the "
                        f"{len(labels) - 1} inside '{general}'.")
    return _draw_map(distributions, labels, colours, is_query, heading, method="pca", seed=0,
                     figsize=figsize, label_layout=label_layout,
                     ellipse_fraction=ellipse_fraction, centre=0)


def _draw_map(space, labels: list[str], colours, is_query: np.ndarray, heading: str, *,
              method: str, seed: int, figsize, label_layout: str, ellipse_fraction: float,
              centre: int | None = None):
    """The figure of :func:`embedding_map` and :func:`hierarchy_map`: markers (query words
    larger, edged), ellipses for Gaussians, captions, labels placed. ``centre``: the
    row drawn at the centroid of the others (see :func:`_gaussian_layout`)."""
    import textwrap

    from matplotlib.figure import Figure

    if label_layout == "adjusttext" and len(labels) > MAX_LABELS:
        raise ValueError(f"{len(labels):,} labelled words are too many for a map (at most "
                         f"{MAX_LABELS}: laying out their labels takes minutes beyond "
                         "that, and they cannot be read): ask for fewer words or "
                         "neighbours (--neighbours), or show them all in the Embedding "
                         "Projector (wordspace export --format projector)")
    family, undrawable = _label_fonts([*labels, heading])  # the title in them too
    if undrawable := [text for text in undrawable if text != heading] or undrawable:
        _say_undrawable(undrawable)
    gaussian = hasattr(space, "variances")
    if gaussian:
        if len(labels) < 2 or space.dim < 2:
            raise ValueError("a map of Gaussians needs at least two words and two dimensions")
        xy, covariances, ratio = _gaussian_layout(space, labels, centre)
        rows = [space.index_of(w) for w in labels]
        scales = ellipse_scales(xy, covariances, space.log_determinants()[rows],
                                ellipse_fraction)
    else:
        xy, ratio = _project(space[labels], method, seed)

    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.add_subplot()
    markers = ax.scatter(xy[:, 0], xy[:, 1], s=np.where(is_query, 70, 25), c=colours,
                         alpha=0.9, edgecolors=["black" if q else "none" for q in is_query],
                         linewidths=0.6, zorder=2)
    if gaussian:
        # widest first, so that the smaller ellipses are drawn over the larger ones
        order = np.argsort([-scales[i] ** 2 * np.sqrt(np.linalg.det(covariances[i]))
                            for i in range(len(labels))], kind="stable")
        for i in order:
            style = {"lw": 2.0, "fill_alpha": 0.08} if is_query[i] else {}
            ax.add_patch(_ellipse(xy[i], covariances[i], colours[i], scales[i],
                                  gid=labels[i], **style))
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    xlabel, ylabel, note = _axis_captions(method, gaussian, ratio)
    if gaussian and centre is not None and ratio is not None:
        what = "principal axis {} of the means of all but '{}' ({} of their variance)"
        xlabel, ylabel = (what.format(k + 1, labels[centre], _share(ratio[k]))
                          for k in (0, 1))
        note = (f"The axes are orthogonal to the offset from '{labels[centre]}' to the "
                f"others' centroid, so '{labels[centre]}' is drawn at their centre.")
    # words are text, never mathtext: "$x$" or "a_b" is drawn as typed (parse_math=False)
    ax.set_xlabel(xlabel, parse_math=False, fontfamily=family)
    ax.set_ylabel(ylabel, parse_math=False, fontfamily=family)
    if gaussian:
        ax.set_aspect("equal", adjustable="datalim")
        ax.autoscale_view()
        note = " ".join(filter(None, [_ellipse_caption(space, ellipse_fraction, scales),
                                      note]))
    width = int(figsize[0] * 72 / 6.5)  # characters of 10-point text across the figure
    lines = textwrap.wrap(heading, width) + textwrap.wrap(note, int(width * 1.1))
    ax.set_title("\n".join(lines[:1]) + "".join(f"\n{line}" for line in lines[1:]),
                 fontsize=10, parse_math=False, fontfamily=family)
    with _glyph_warnings_said():  # the layout draws the labels
        _place_labels(ax, xy, labels, colours, np.where(is_query, 11.0, 8.5), is_query,
                      markers, label_layout, family)
    return fig


def _axis_captions(method: str, gaussian: bool, ratio) -> tuple[str, str, str]:
    """x and y axis captions, and a note for the title: what the axes of the map are."""
    if method == "tsne" and not gaussian:
        return ("t-SNE 1", "t-SNE 2", "t-SNE axes have no units or meaning; only who is near "
                "whom counts, not distances between clusters")
    if ratio is None:  # 2-D Gaussians, drawn on their own dimensions
        return "dimension 1", "dimension 2", ""
    what = "PCA component {} of the means ({} of their variance)" if gaussian \
        else "PCA component {} ({} of variance)"
    return what.format(1, _share(ratio[0])), what.format(2, _share(ratio[1])), ""


def _share(ratio: float) -> str:
    """A component's share of the variance, as a caption says it (``nan`` where the
    points do not vary at all, which PCA returns for identical vectors)."""
    return f"{100 * ratio:.1f} %" if np.isfinite(ratio) else "none"


def _place_labels(ax, xy, labels, colours, sizes, bold, markers, layout: str,
                  family: list[str] | None = None) -> list:
    """Write each label next to its point, kept off the markers and each other, in the
    font ``family`` (a list falls back from one to the next; None: matplotlib's).

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

    so adjustText it is: a few seconds buy a map whose labels can be read. What it
    leaves overlapping (by :func:`overlaps`) :func:`_settle_labels` then moves to the
    nearest free spot, so on maps with room to spare no label overlaps another or a
    marker.
    """
    if layout not in ("adjusttext", "spread", "none"):
        raise ValueError(f"label_layout must be 'adjusttext', 'spread' or 'none', "
                         f"got {layout!r}")
    style = [dict(fontsize=size, color=colour, fontweight="bold" if b else "normal",
                  zorder=3, parse_math=False, fontfamily=family)
             for size, colour, b in zip(sizes, colours, bold, strict=True)]
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
                    expand=(1.3, 1.5), iter_lim=300, time_lim=None)
        _settle_labels(ax, texts, xy, markers)
    return texts


def _settle_labels(ax, texts, xy, markers) -> None:
    """Move each label that still overlaps another label or a marker to the nearest free
    spot around its point (rings of 16 directions, 4 to 120 pixels out), then draw a
    thin leader line from every label that ended up away from its point.

    adjustText leaves a few overlaps on crowded maps (5.7 label pairs and 14.7
    label-marker pairs at 60 points, see :func:`_place_labels`); this greedy pass, in
    the Agg renderer's pixels (as :func:`overlaps` measures), removes them wherever
    there is room inside the axes.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.patches import FancyArrowPatch
    from matplotlib.transforms import Bbox

    fig = ax.figure
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in texts]
    points = ax.transData.transform(xy)
    radii = np.broadcast_to(np.sqrt(markers.get_sizes()) / 2 * fig.dpi / 72, (len(xy),))
    frame = ax.get_window_extent(renderer)

    def clashes(i: int, box) -> bool:
        if not (frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0
                and box.y1 <= frame.y1):
            return True
        if any(box.overlaps(other) for j, other in enumerate(boxes) if j != i):
            return True
        nx = np.clip(points[:, 0], box.x0, box.x1)
        ny = np.clip(points[:, 1], box.y0, box.y1)
        return bool((np.hypot(points[:, 0] - nx, points[:, 1] - ny) < radii + 1).any())

    angles = np.radians(np.arange(16) * 22.5 + 90)  # straight above first
    for i, text in enumerate(texts):
        if not clashes(i, boxes[i]):
            continue
        w, h = boxes[i].width, boxes[i].height
        for gap in (4, 8, 14, 22, 32, 45, 60, 80, 100, 120):
            reach = radii[i] + gap
            found = None
            for a in angles:  # the box's centre so that its nearest edge is `reach` out
                c, s = np.cos(a), np.sin(a)
                t = min(abs(w / 2 / c) if abs(c) > 1e-9 else np.inf,
                        abs(h / 2 / s) if abs(s) > 1e-9 else np.inf)
                centre = points[i] + (reach + t) * np.array([c, s])
                box = Bbox.from_bounds(centre[0] - w / 2, centre[1] - h / 2, w, h)
                if not clashes(i, box):
                    found = centre, box
                    break
            if found:
                centre, boxes[i] = found
                text.set_position(ax.transData.inverted().transform(centre))
                text.set_horizontalalignment("center")
                text.set_verticalalignment("center")
                break
    for i, text in enumerate(texts):  # leader lines from labels away from their points
        box = boxes[i]
        nearest = np.clip(points[i], (box.x0, box.y0), (box.x1, box.y1))
        if np.hypot(*(nearest - points[i])) > radii[i] + 6:
            ax.add_patch(FancyArrowPatch(
                posA=ax.transData.inverted().transform(box.get_points().mean(0)),
                posB=xy[i], patchA=text, shrinkB=radii[i] * 72 / fig.dpi + 1,
                arrowstyle="-", color="0.45", lw=0.5, alpha=0.7, zorder=1))


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


def overlaps(fig) -> tuple[int, int]:
    """``(label pairs, label-marker pairs)`` that overlap on a map's first axes, from the
    Agg renderer's text extents and the markers' sizes in pixels (circles against label
    boxes): what :func:`_place_labels` tries to bring to zero."""
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
    radii = np.broadcast_to(radii, (len(centres),))
    hits = 0
    for box in boxes:
        nx = np.clip(centres[:, 0], box.x0, box.x1)
        ny = np.clip(centres[:, 1], box.y0, box.y1)
        hits += int((np.hypot(centres[:, 0] - nx, centres[:, 1] - ny) < radii).sum())
    return labels, hits


#: what a figure wordspace writes says of itself in its metadata (PNG "Software", SVG and
#: PDF "Creator"), so that only such a file is ever replaced
FIGURE_MARK = "wordspace figure"
_FORMATS = ("png", "svg", "pdf")


def is_wordspace_figure(path: str | Path) -> bool:
    """Whether ``path`` is a figure that :func:`save_figure` wrote: a PNG whose
    ``Software`` text, an SVG whose creator or a PDF whose ``/Creator`` is
    :data:`FIGURE_MARK` (the words anywhere else, say in a label, do not count)."""
    try:
        with open(path, "rb") as f:
            data = f.read(1 << 26)  # figures are far smaller
    except OSError:
        return False
    mark = re.escape(FIGURE_MARK.encode())
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return _png_software(data) == FIGURE_MARK.encode()
    if data.startswith(b"%PDF-"):
        return re.search(rb"/Creator \(" + mark + rb"\)", data) is not None
    head = data[:1 << 16]  # the SVG's <metadata> comes first
    return b"<svg" in head and re.search(
        rb"<metadata>.*?<dc:creator>\s*<cc:Agent>\s*<dc:title>" + mark + rb"</dc:title>",
        head, re.DOTALL) is not None


def _png_software(data: bytes) -> bytes | None:
    """The ``Software`` text of a PNG (its ``tEXt`` chunks, before the image data)."""
    at = 8
    while at + 8 <= len(data):
        length, kind = int.from_bytes(data[at:at + 4], "big"), data[at + 4:at + 8]
        if kind in (b"IDAT", b"IEND"):
            break
        body = data[at + 8:at + 8 + length]
        if kind == b"tEXt" and body.startswith(b"Software\0"):
            return body[len(b"Software\0"):]
        at += 12 + length  # length, type, data, CRC
    return None


def check_figure_path(path: str | Path, overwrite: bool = False, *,
                      advice: str = "choose another file name",
                      replace: str | None = "pass overwrite=True") -> Path:
    """Refuse, before any work, a figure file name wordspace may not write: a suffix
    other than .png, .svg or .pdf, a link, a directory, an existing file that no
    wordspace figure is (unless ``overwrite``), a place that takes no file. ``advice``
    (what the caller's user can do) ends the message, and where an existing file is in
    the way, ``replace``: how to replace it on purpose (None: there is no way)."""
    path = Path(path)
    if path.suffix.lstrip(".").lower() not in _FORMATS:
        raise ValueError(f"cannot write {path}: use a .png, .svg or .pdf file name")
    check_name_lengths(path)  # before a look at it, which a too long name fails
    if replace and path.is_file() and not path.is_symlink():
        advice += f", or {replace} to replace it on purpose"
    return check_replaceable_file(
        path, "a figure wordspace wrote (their metadata say so)",
        lambda file: overwrite or is_wordspace_figure(file), advice)


def save_figure(fig, path: str | Path, dpi: int = 150, *, overwrite: bool = False) -> Path:
    """Write a figure atomically; the format (png, svg, pdf) follows the file's suffix.
    An existing file is replaced only when it is a wordspace figure (see
    :func:`check_figure_path`), or when ``overwrite``."""
    path = check_figure_path(path, overwrite)  # a Python caller's advice
    fmt = path.suffix.lstrip(".").lower()
    metadata = {"Software" if fmt == "png" else "Creator": FIGURE_MARK}
    with atomic_write(path, "wb") as f, _glyph_warnings_said():
        fig.savefig(f, format=fmt, dpi=dpi, metadata=metadata)
    return path
