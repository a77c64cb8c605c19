"""Distributions: queries score by the energy the model was trained with, and answer to
gensim's names."""

from __future__ import annotations

import numpy as np
import pytest

from wordspace import Corpus, Distributions, GaussianSkipGram, load_model


def family_sentences(n_sentences=600, seed=0):
    """Two families: ``gen{i}`` beside each of its specific words ``s{i}_{j}``."""
    rng = np.random.default_rng(seed)
    return [[f"gen{i}" if rng.random() < 0.5 else f"s{i}_{rng.integers(4)}" for _ in range(8)]
            for i in rng.integers(2, size=n_sentences)]


@pytest.fixture(scope="module", params=["kl", "el"])
def trained(request):
    model = GaussianSkipGram(dim=6, energy=request.param, window=2, epochs=1, sample=0,
                             workers=1, seed=2, progress=False)
    return model.fit(Corpus(family_sentences(), min_count=1))


def other(energy: str) -> str:
    return "el" if energy == "kl" else "kl"


def test_scoring_defaults_to_the_trained_energy(trained):
    d, energy = trained.distributions, trained.energy
    assert d.energy == energy
    assert repr(d).endswith(f"energy={energy!r})")
    by_energy = d.most_similar("gen0", topn=5, by=energy)
    assert d.most_similar("gen0", topn=5) == by_energy
    # the two energies give different scores, so the default could not pass by chance
    assert [s for _, s in d.most_similar("gen0", topn=5, by=other(energy))] != \
        [s for _, s in by_energy]
    assert d.similarity("s0_1", "gen0") == d.similarity("s0_1", "gen0", by=energy) != \
        d.similarity("s0_1", "gen0", by=other(energy))
    np.testing.assert_array_equal(d.scores("gen1"), d.scores("gen1", by=energy))
    rows = np.array([0, 1, 2])
    np.testing.assert_array_equal(d.pair_similarity(rows, rows[::-1]),
                                  d.pair_similarity(rows, rows[::-1], by=energy))
    assert d.scorer().by == energy
    with pytest.raises(ValueError, match="by must be one of el, kl, cosine"):
        d.most_similar("gen0", by="dot")


def test_a_loaded_model_keeps_its_energy(tmp_path, trained):
    trained.save(tmp_path / "g")
    back = load_model(tmp_path / "g").distributions
    assert back.energy == trained.energy
    assert back.most_similar("gen1") == trained.distributions.most_similar("gen1")


def test_hand_built_distributions_score_by_el():
    words = ["a", "b", "c"]
    means = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0]])
    variances = np.array([[1.0, 1.0], [0.5, 0.5], [2.0, 0.1]])
    d = Distributions(words, means, variances)
    assert d.energy == "el"
    assert d.similarity("a", "b") == d.similarity("a", "b", by="el") != \
        d.similarity("a", "b", by="kl")
    assert Distributions(words, means, variances, energy="kl").similarity("a", "b") == \
        d.similarity("a", "b", by="kl")
    with pytest.raises(ValueError, match="energy must be one of el, kl, got 'cosine'"):
        Distributions(words, means, variances, energy="cosine")


def test_gensim_names():
    words = ["x", "y", "z", "w"]
    rng = np.random.default_rng(0)
    d = Distributions(words, rng.normal(size=(4, 3)), rng.uniform(0.5, 2, size=(4, 3)))
    assert d.index_to_key == words and d.index_to_key is d.words
    assert d.key_to_index == {"x": 0, "y": 1, "z": 2, "w": 3} and d.key_to_index is d.index
    assert "z" in d and "q" not in d and len(d) == 4
    every = d.most_similar("y", topn=None)
    assert isinstance(every, np.ndarray) and every.shape == (4,)
    np.testing.assert_array_equal(every, d.scores("y"))
    assert every[1] == pytest.approx(d.similarity("y", "y"))  # the query word is included
    top = d.most_similar("y", topn=3)
    assert [w for w, _ in top] == [words[i] for i in np.argsort(-every) if i != 1]
    assert d.most_similar("y", topn=0) == []
    np.testing.assert_allclose(d.most_similar("y", topn=None, by="cosine"),
                               d.vectors.most_similar("y", topn=None), rtol=1e-6)


def test_counts_of_words_asked_for_are_checked():
    """A negative count used to drop the last word (``[:-1]``) instead of failing."""
    rng = np.random.default_rng(1)
    d = Distributions(list("abcd"), rng.normal(size=(4, 3)), rng.uniform(0.5, 2, size=(4, 3)))
    assert len(d.most_general(4)) == len(d.most_specific(9)) == 4
    for call in (d.most_general, d.most_specific):
        with pytest.raises(ValueError, match="k must be an integer >= 0, got -1"):
            call(-1)
    with pytest.raises(TypeError, match="topn must be a whole number or None, not 2.5"):
        d.most_similar("a", topn=2.5)
