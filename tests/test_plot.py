"""2-D maps render to valid images of sensible size, from Python and the command line."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from wordspace import Vectors
from wordspace.cli import main
from wordspace.plot import embedding_map, project_2d, save_figure

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
