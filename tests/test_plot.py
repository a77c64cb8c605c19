"""2-D maps render to valid images of sensible size, from Python and the command line."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from wordspace import Distributions, Vectors
from wordspace.cli import main
from wordspace.plot import embedding_map, hierarchy_map, project_2d, save_figure

pytest.importorskip("matplotlib")
pytest.importorskip("sklearn")


@pytest.fixture
def clustered():
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 16)) * 4
    words, rows = [], []
    for g, c in enumerate(centres):
        for j in range(8):
            words.append(f"g{g}w{j}")
            rows.append(c + rng.normal(size=16) * 0.3)
    return Vectors(words, np.array(rows, dtype=np.float32))


def png_size(path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("method", ["pca", "tsne"])
def test_projection_keeps_clusters_apart(clustered, method):
    xy = project_2d(clustered.matrix, method=method, seed=0)
    labels = np.repeat(np.arange(3), 8)
    centroid = np.array([xy[labels == g].mean(0) for g in range(3)])
    spread = max(np.linalg.norm(xy[labels == g] - centroid[g], axis=1).mean() for g in range(3))
    gaps = [np.linalg.norm(centroid[a] - centroid[b]) for a in range(3) for b in range(a)]
    assert min(gaps) > 2 * spread


def test_map_to_png_and_svg(tmp_path, clustered):
    fig = embedding_map(clustered, ["g0w0", "g1w0", "g2w0"], neighbours=4)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert len(set(texts)) == len(texts) == 15  # 3 words and 4 neighbours each
    assert sorted(t[:2] for t in texts) == ["g0"] * 5 + ["g1"] * 5 + ["g2"] * 5
    width, height = png_size(save_figure(fig, tmp_path / "map.png"))
    assert 800 <= width <= 3000 and 600 <= height <= 3000
    root = ET.parse(save_figure(fig, tmp_path / "map.svg")).getroot()
    assert root.tag.endswith("svg") and float(root.get("width").rstrip("pt")) > 300
    with pytest.raises(ValueError, match=r"\.png, \.svg or \.pdf"):
        save_figure(fig, tmp_path / "map.bmp")
    with pytest.raises(KeyError, match="'nope' is not in the vocabulary"):
        embedding_map(clustered, ["nope"])


@pytest.mark.parametrize("neighbours", [2, 3])
def test_each_query_word_keeps_its_colour_and_its_neighbours_share_it(neighbours):
    """'smiley' is 'cafe's nearest neighbour: it was drawn in 'cafe's colour, and its own
    neighbour 'joy' in a colour no query word had. A neighbour of both ('joy' and
    'croissant' at 3) takes the colour of the query word it is nearer to."""
    v = Vectors(["cafe", "smiley", "croissant", "joy", "far1", "far2", "far3"],
                np.array([[1, 0, 0], [1, 0.2, 0], [1, -0.3, 0.05], [0.9, 0.5, 0],
                          [0, 0, 1], [-1, 0, 0.2], [0, -1, 0.3]], np.float32))
    assert [w for w, _ in v.most_similar("cafe", topn=3)] == ["smiley", "croissant", "joy"]
    assert [w for w, _ in v.most_similar("smiley", topn=3)] == ["cafe", "joy", "croissant"]
    from matplotlib.colors import to_rgb

    fig = embedding_map(v, ["cafe", "smiley"], neighbours=neighbours, label_layout="none")
    ax = fig.axes[0]
    colour = {t.get_text(): to_rgb(t.get_color()) for t in ax.texts}
    assert set(colour) == {"cafe", "smiley", "croissant", "joy"}
    assert colour["cafe"] != colour["smiley"]
    assert colour["croissant"] == colour["cafe"] and colour["joy"] == colour["smiley"]
    # the markers are drawn in their labels' colours
    assert [to_rgb(c) for c in ax.collections[0].get_facecolors()] == \
        [colour[t.get_text()] for t in ax.texts]


def _glyph_warnings(caught) -> list[str]:
    return [str(w.message) for w in caught if "missing from font" in str(w.message)]


def _installed_fonts_have(character: str) -> bool:
    """Whether an installed font (matplotlib's placeholder aside) draws ``character``."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    return any(ord(character) in FT2Font(e.fname).get_charmap()
               for e in font_manager.fontManager.ttflist
               if not e.name.startswith("Last Resort"))


def test_words_no_installed_font_draws_are_said_once_naming_them(tmp_path, caplog):
    """Chinese words drew boxes with a matplotlib warning per character and figure
    (190 lines for one map), naming no word: now one warning names the words and a font
    to install, and matplotlib's are not shown."""
    import warnings

    if _installed_fonts_have("北"):
        pytest.skip("a font with Chinese characters is installed: nothing is missing")
    v = Vectors(["北京", "东京", "paris", "rome"],
                np.array([[1, 0.1], [1, 0.2], [0, 1], [0.1, 1]], np.float32))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = embedding_map(v, ["北京", "paris"], neighbours=1)
        save_figure(fig, tmp_path / "cjk.png")
        save_figure(fig, tmp_path / "cjk.pdf")
    assert _glyph_warnings(caught) == []
    [said] = [r.getMessage() for r in caplog.records if r.name == "wordspace.plot"]
    assert said.startswith("2 label(s) hold characters that no installed font has, drawn "
                           "as boxes: '北京', '东京'. Install Noto Sans CJK")
    assert "paris" not in said and "rome" not in said


def test_an_installed_font_draws_what_the_default_font_lacks(caplog):
    """Where the default font (DejaVu Sans) lacks a character an installed font has, the
    labels fall back to that font: matplotlib finds a glyph, and nothing is said."""
    import warnings

    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    default = FT2Font(font_manager.findfont(font_manager.FontProperties())).get_charmap()
    # U+1D15, a small capital OU: DejaVu Serif has it, DejaVu Sans not
    found = next((c for c in "\u1d15\u0e01\u0915\u05d0\u4e1c"
                  if ord(c) not in default and _installed_fonts_have(c)), None)
    if found is None:
        pytest.skip("no installed font has a character the default font lacks")
    v = Vectors([f"x{found}", "y", "z"], np.array([[1, 0], [1, 0.1], [0, 1]], np.float32))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = embedding_map(v, [f"x{found}"], neighbours=2, label_layout="none")
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig).draw()  # drawn outside wordspace: matplotlib would say
    assert _glyph_warnings(caught) == []
    assert not [r for r in caplog.records if r.name == "wordspace.plot"]
    [label] = [t for t in fig.axes[0].texts if t.get_text() == f"x{found}"]
    assert len(label.get_fontfamily()) > 1  # the default, then the font that has it


def test_plot_command(tmp_path, clustered):
    from wordspace import Corpus, SkipGram

    sentences = [[f"g{g}w{j}" for j in np.random.default_rng(i).integers(0, 8, 10)]
                 for i, g in enumerate([0, 1, 2] * 100)]
    model = SkipGram(dim=8, epochs=2, workers=1, progress=False)
    model.fit(Corpus(sentences, min_count=1)).save(tmp_path / "m")
    out = tmp_path / "words.png"
    assert main(["plot", str(tmp_path / "m"), "g0w1", "g1w1", "--neighbours", "3",
                 "-o", str(out)]) == 0
    assert png_size(out)[0] > 500
    # its own figure is replaced; the user's file of the same name is not, unless asked
    assert main(["plot", str(tmp_path / "m"), "g0w1", "-o", str(out)]) == 0
    for name in ("thesis.pdf", "photo.png", "notes.svg"):
        mine = tmp_path / name
        mine.write_bytes(b"years of work")
        assert main(["plot", str(tmp_path / "m"), "g0w1", "-o", str(mine)]) == 2
        assert mine.read_bytes() == b"years of work"
    assert main(["plot", str(tmp_path / "m"), "g0w1", "-o", str(mine), "--overwrite"]) == 0
    assert main(["plot", str(tmp_path / "m"), "g0w1", "-o", str(mine)]) == 0  # now ours
    assert b"<svg" in mine.read_bytes()


def test_a_fasttext_map_draws_unseen_words_too(tmp_path):
    """plot refused a word a fastText model has no row for, though similar answered
    it: the map now composes its vector from its n-grams, as every other query does."""
    from wordspace import Corpus, FastText

    sentences = [[f"g{g}w{j}" for j in np.random.default_rng(i).integers(0, 8, 10)]
                 for i, g in enumerate([0, 1, 2] * 60)]
    model = FastText(dim=8, epochs=1, bucket=1000, min_n=2, max_n=3, workers=1,
                     progress=False).fit(Corpus(sentences, min_count=1))
    fig = embedding_map(model.vectors, ["g0w1x", "g1w1"], neighbours=2, label_layout="none")
    assert "g0w1x" in [t.get_text() for t in fig.axes[0].texts]
    model.save(tmp_path / "ft")
    assert main(["plot", str(tmp_path / "ft"), "g0w1x", "--neighbours", "2",
                 "-o", str(tmp_path / "ft.png")]) == 0
    with pytest.raises(KeyError, match="is not in the vocabulary"):
        embedding_map(Vectors(["a", "b"], np.eye(2, dtype=np.float32)), ["a", "zz"])


def label_overlaps(fig) -> int:
    """Pairs of overlapping label boxes, as the Agg renderer lays the text out."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in fig.axes[0].texts if t.get_text()]
    return sum(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[:i])


@pytest.fixture
def crowded():
    """48 words in 3 tight clusters: labels on their points pile up."""
    rng = np.random.default_rng(1)
    centres = rng.normal(size=(3, 20))
    words = [f"{'abc'[i % 3]}{'xyz'[i % 3] * (i % 7)}{i:02d}" for i in range(48)]
    rows = [centres[i % 3] + rng.normal(size=20) * 0.3 for i in range(48)]
    return Vectors(words, np.array(rows, dtype=np.float32)), words[:3]


def test_labels_do_not_overlap(crowded):
    space, queries = crowded
    on_points = embedding_map(space, queries, neighbours=15, label_layout="none")
    assert len(on_points.axes[0].texts) == 48
    assert label_overlaps(on_points) > 40  # the crowding this test is about is there (72)
    laid_out = embedding_map(space, queries, neighbours=15)
    assert label_overlaps(laid_out) <= 5  # 3 with adjustText 1.4; 51 with _spread_labels
    with pytest.raises(ValueError, match="label_layout"):
        embedding_map(space, queries, label_layout="tidy")


def test_pca_axis_captions_give_explained_variance(clustered):
    words = ["g0w0", "g1w0", "g2w0"]
    fig = embedding_map(clustered, words, neighbours=4)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.texts]
    rows = clustered[labels].astype(np.float64)
    unit = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    s = np.linalg.svd(unit - unit.mean(0), compute_uv=False)
    share = 100 * s ** 2 / (s ** 2).sum()
    assert ax.get_xlabel() == f"PCA component 1 ({share[0]:.1f} % of variance)"
    assert ax.get_ylabel() == f"PCA component 2 ({share[1]:.1f} % of variance)"
    assert share[0] > share[1] > 0


def test_tsne_captions_say_axes_mean_nothing(clustered):
    fig = embedding_map(clustered, ["g0w0", "g1w0", "g2w0"], neighbours=4, method="tsne")
    ax = fig.axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("t-SNE 1", "t-SNE 2")
    assert "no units" in ax.get_title() and "%" not in ax.get_xlabel()


def test_tsne_refuses_too_few_points(clustered):
    with pytest.raises(ValueError, match=r"t-SNE needs at least 10 words.*got 9.*PCA"):
        project_2d(clustered.matrix[:9], method="tsne")
    with pytest.raises(ValueError, match=r"t-SNE needs at least 10 words.*got 3.*--method pca"):
        embedding_map(clustered, ["g0w0", "g1w0", "g2w0"], method="tsne")
    assert project_2d(clustered.matrix[:10], method="tsne").shape == (10, 2)


# -- the pictures in docs/ (docs/figures.py), on planted models ----------------------------
def marker_overlaps(fig) -> int:
    """(label, marker) pairs whose label box and marker disc overlap, in Agg pixels."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    ax = fig.axes[0]
    markers = ax.collections[0]
    centres = ax.transData.transform(markers.get_offsets())
    radii = np.broadcast_to(np.sqrt(markers.get_sizes()) / 2 * fig.dpi / 72, (len(centres),))
    hits = 0
    for text in ax.texts:
        box = text.get_window_extent(renderer)
        nx = np.clip(centres[:, 0], box.x0, box.x1)
        ny = np.clip(centres[:, 1], box.y0, box.y1)
        hits += int((np.hypot(centres[:, 0] - nx, centres[:, 1] - ny) < radii).sum())
    return hits


def load_figures_script():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "docs" / "figures.py"
    spec = importlib.util.spec_from_file_location("docs_figures", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def demo_like():
    """The demo's six map words, each with 12 close neighbours (a crowded map)."""
    from wordspace.demo import MAP_WORDS

    rng = np.random.default_rng(5)
    centres = rng.normal(size=(len(MAP_WORDS), 30))
    words, rows = [], []
    for g, word in enumerate(MAP_WORDS):
        for j in range(13):
            words.append(word if j == 0 else f"{word[:4]}{'ab'[j % 2] * (j % 5)}{j}")
            rows.append(centres[g] + rng.normal(size=30) * 0.35)
    return Vectors(words, np.array(rows, dtype=np.float32))


def test_demo_map_labels_overlap_nothing(demo_like):
    from wordspace.plot import overlaps

    figures = load_figures_script()
    fig = figures.demo_figure(demo_like, 5_000_000)
    ax = fig.axes[0]
    assert len(ax.texts) == 48 and "first 5 M words" in " ".join(ax.get_title().split())
    assert label_overlaps(fig) == 0
    assert marker_overlaps(fig) == 0
    assert overlaps(fig) == (0, 0)
    # the same map with labels on their points is crowded: the layout is what clears it
    from wordspace.demo import MAP_WORDS

    crowded = embedding_map(demo_like, MAP_WORDS, neighbours=7, label_layout="none")
    assert label_overlaps(crowded) > 10 and marker_overlaps(crowded) > 40


def planted_hierarchy(dim=6, general_variance=2.0, specific_variance=1.0):
    """'animal' at the centre of six specific words, wider in every dimension; a far-off
    'stone', narrow."""
    rng = np.random.default_rng(3)
    specific = ["dog", "cat", "horse", "cow", "sheep", "wolf"]
    offsets = rng.normal(size=(len(specific), dim))
    offsets *= 0.35 / np.linalg.norm(offsets, axis=1, keepdims=True)
    means = np.vstack([np.zeros(dim), offsets, np.full(dim, 3.0)])
    variances = np.vstack([np.full(dim, general_variance)]
                          + [np.full(dim, specific_variance)] * len(specific)
                          + [np.full(dim, specific_variance)])
    return Distributions(["animal"] + specific + ["stone"], means, variances), specific


def ellipses(fig) -> dict:
    from matplotlib.patches import Ellipse

    return {p.get_gid(): p for p in fig.axes[0].patches if isinstance(p, Ellipse)}


def inside(outer, inner, samples=64) -> bool:
    """Whether ``inner``'s outline lies inside ``outer`` (both Ellipse patches)."""
    t = np.linspace(0, 2 * np.pi, samples, endpoint=False)
    a, b = inner.width / 2, inner.height / 2
    rot = np.radians(inner.angle)
    px = inner.center[0] + a * np.cos(t) * np.cos(rot) - b * np.sin(t) * np.sin(rot)
    py = inner.center[1] + a * np.cos(t) * np.sin(rot) + b * np.sin(t) * np.cos(rot)
    dx, dy = px - outer.center[0], py - outer.center[1]
    rot = np.radians(outer.angle)
    u = dx * np.cos(rot) + dy * np.sin(rot)
    v = -dx * np.sin(rot) + dy * np.cos(rot)
    return bool(((u / (outer.width / 2)) ** 2 + (v / (outer.height / 2)) ** 2 <= 1).all())


def test_hierarchy_picture_general_ellipse_contains_the_specific_ones():
    d, specific = planted_hierarchy(general_variance=3.0)
    figures = load_figures_script()
    fig = figures.hierarchy_figure(d, "animal", specific)
    found = ellipses(fig)
    assert set(found) == {"animal", *specific}
    general = found["animal"]
    for word in specific:
        small = found[word]
        # area proportional to |Sigma|^1/2: (3 ** 6) ** 0.5 = 27 times, axes 5.2 times
        assert general.width * general.height == pytest.approx(
            27 * small.width * small.height, rel=1e-6)
        assert general.width > 5 * small.width
        assert inside(general, small), word
    title = " ".join(fig.axes[0].get_title().split())
    assert "area proportional to |Sigma|^1/2" in title and "all 6 dimensions" in title
    assert "puts 6 of the 6 inside 'animal'" in title
    assert label_overlaps(fig) == 0 and marker_overlaps(fig) == 0


def test_ellipse_sizes_follow_breadth_not_only_the_marginal():
    # variances 10 % apart per dimension: the 2-D marginals barely differ, |Sigma| does
    d, specific = planted_hierarchy(dim=40, general_variance=1.1, specific_variance=1.0)
    fig = embedding_map(d, ["animal", "dog", "cat"])
    found = ellipses(fig)
    ratio = found["animal"].width / found["dog"].width
    assert ratio == pytest.approx(1.1 ** (40 / 4), rel=1e-6)  # (|S_a| / |S_d|) ** (1/4)
    widest = max(max(e.width, e.height) for e in found.values())
    xy = fig.axes[0].collections[0].get_offsets()
    assert widest == pytest.approx(0.5 * np.ptp(xy, axis=0).max(), rel=1e-6)
    assert "widest 50% of the means' extent" in " ".join(fig.axes[0].get_title().split())


def test_2d_gaussians_are_drawn_as_they_are():
    means = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    variances = np.array([[4.0, 1.0], [1.0, 1.0], [0.25, 0.25]])
    d = Distributions(["a", "b", "c"], means, variances)
    found = ellipses(embedding_map(d, ["a", "b", "c"], ellipse_fraction=1.0))
    scale = found["a"].width / 4.0  # the widest: a's 2-sigma span along x is 2 * 2
    assert scale == pytest.approx(1 / 4.0)  # as wide as the means' extent (1)
    assert (found["b"].width, found["c"].width) == pytest.approx((2 * scale, scale))
    assert found["a"].height == pytest.approx(2 * scale)


def test_gaussian_neighbours_default_to_the_trained_energy():
    d, _ = planted_hierarchy()
    rng = np.random.default_rng(0)
    extra = [f"w{i}" for i in range(12)]
    means = np.vstack([d.means, rng.normal(size=(12, d.dim)) * 0.6])
    variances = np.vstack([d.variances, rng.uniform(0.3, 3, size=(12, d.dim))])
    for energy in ("el", "kl"):
        space = Distributions(d.words + extra, means, variances, energy=energy)
        drawn = [t.get_text() for t in
                 embedding_map(space, ["w0"], neighbours=5, label_layout="none").axes[0].texts]
        assert drawn[1:] == [w for w, _ in space.most_similar("w0", topn=5, by=energy)]
    kl = Distributions(d.words + extra, means, variances, energy="kl")
    assert [w for w, _ in kl.most_similar("w0", topn=5, by="kl")] != \
        [w for w, _ in kl.most_similar("w0", topn=5, by="el")]  # so the test can tell


def test_words_are_drawn_as_typed_never_as_mathtext(tmp_path):
    """Corpus words with "$" or "_" (prices, code): drawn as they are, where mathtext
    would fail on "$x" or draw "$a_b$" as a subscripted formula."""
    rng = np.random.default_rng(0)
    words = ["$5", "$a_b$", "x^2", "plain", r"\alpha", "c$d"]
    v = Vectors(words, rng.normal(size=(6, 8)).astype(np.float32))
    fig = embedding_map(v, words, title="prices: $5 and $a_b$")
    drawn = {t.get_text(): t for t in fig.axes[0].texts}
    assert set(drawn) == set(words)
    save_figure(fig, tmp_path / "map.png")  # draws every text: mathtext errors here
    assert all(not t._parse_math for t in drawn.values())
    assert not fig.axes[0].title._parse_math


def test_a_single_word_string_is_one_word_not_its_letters(clustered):
    drawn = [t.get_text() for t in
             embedding_map(clustered, "g0w1", neighbours=2, label_layout="none").axes[0].texts]
    assert drawn[0] == "g0w1" and len(drawn) == 3


def test_more_labels_than_a_map_can_lay_out_are_refused_before_the_layout(monkeypatch):
    """--neighbours 200 ran for over five minutes in adjustText, 1,000 asked for 53 GiB:
    a map of more than MAX_LABELS labelled words is refused, saying what to do instead."""
    from wordspace import plot

    rng = np.random.default_rng(1)
    v = Vectors([f"w{i}" for i in range(300)], rng.normal(size=(300, 8)).astype(np.float32))
    monkeypatch.setattr(plot, "_place_labels", lambda *a, **k: pytest.fail("laid out"))
    with pytest.raises(ValueError, match=r"201 labelled words are too many for a map \(at "
                                         r"most 120.*--neighbours.*--format projector"):
        embedding_map(v, "w0", neighbours=200)
    with pytest.raises(ValueError, match="neighbours must be an integer >= 0, got -1"):
        embedding_map(v, "w0", neighbours=-1)
    monkeypatch.undo()
    drawn = embedding_map(v, "w0", neighbours=200, label_layout="none").axes[0].texts
    assert len(drawn) == 201  # no layout: as many as asked


def test_identical_vectors_get_a_caption_not_nan():
    v = Vectors(["a", "b", "c"], np.ones((3, 4), np.float32))
    ax = embedding_map(v, ["a", "b", "c"], label_layout="none").axes[0]
    for caption in (ax.get_xlabel(), ax.get_ylabel()):
        assert "nan" not in caption and "(none of variance)" in caption


def test_a_hierarchy_of_one_specific_word_is_drawn():
    d, specific = planted_hierarchy()
    ax = hierarchy_map(d, "animal", specific[0], label_layout="none").axes[0]
    assert [t.get_text() for t in ax.texts] == ["animal", specific[0]]
    assert "% of their variance" in ax.get_xlabel() and "0.0 %" in ax.get_ylabel()


@pytest.mark.parametrize("suffix", ["png", "svg", "pdf"])
def test_only_a_figure_whose_metadata_say_wordspace_is_replaced(tmp_path, clustered, suffix):
    """A user's figure that merely shows the words "wordspace figure" (a label, a
    title) is not wordspace's: its metadata do not name wordspace as its creator."""
    from matplotlib.figure import Figure

    from wordspace.plot import check_figure_path, is_wordspace_figure

    mine = Figure()
    mine.add_subplot().set_title("a wordspace figure, redrawn for my thesis")
    theirs = tmp_path / f"thesis.{suffix}"
    mine.savefig(theirs, format=suffix, metadata={"Title": "wordspace figure"} if suffix
                 != "png" else {"Description": "wordspace figure"})
    ours = save_figure(embedding_map(clustered, ["g0w0", "g1w0"], label_layout="none"),
                       tmp_path / f"map.{suffix}")
    assert is_wordspace_figure(ours) and not is_wordspace_figure(theirs)
    with pytest.raises(FileExistsError, match="pass overwrite=True to replace it"):
        check_figure_path(theirs)


def test_figure_refusals_give_the_callers_advice(tmp_path):
    from wordspace.plot import check_figure_path

    (tmp_path / "map.png").mkdir()
    with pytest.raises(FileExistsError) as refused:
        check_figure_path(tmp_path / "map.png", advice="choose another --out")
    assert str(refused.value).endswith("choose another --out")  # no overwrite for a folder
    (tmp_path / "other.png").write_bytes(b"mine")
    with pytest.raises(FileExistsError) as refused:
        check_figure_path(tmp_path / "other.png", advice="choose another --out", replace=None)
    assert str(refused.value).endswith("choose another --out")
    assert "overwrite" not in str(refused.value)


def test_the_demo_replaces_none_of_the_users_files(tmp_path, monkeypatch, capsys):
    """Every file the demo writes is checked before it reads or trains anything: a
    user's file at any of their names stops it with a message, and is left as it was."""
    from wordspace import demo

    monkeypatch.setattr(demo, "Corpus", lambda *a, **k: pytest.fail("read the corpus"))
    for name in ("vectors.bin", "map.png"):
        out = tmp_path / name.split(".")[0]
        out.mkdir()
        (out / name).write_bytes(b"mine")
        with pytest.raises(SystemExit) as stopped:
            demo.main(["--out", str(out)])
        assert stopped.value.code == 2
        assert f"{out / name}" in capsys.readouterr().err
        assert (out / name).read_bytes() == b"mine"
    with pytest.raises(SystemExit):
        demo.main(["--out", str(tmp_path / "new"), "--epochs", "0"])
    assert "--epochs must be at least 1" in capsys.readouterr().err
