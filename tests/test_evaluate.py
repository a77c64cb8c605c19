"""Evaluation numbers agree with gensim's evaluate_word_pairs / evaluate_word_analogies."""

from __future__ import annotations

import numpy as np
import pytest

from wordspace import Vectors
from wordspace.evaluate import analogies, word_similarity


@pytest.fixture
def vectors():
    rng = np.random.default_rng(5)
    words = [f"w{i}" for i in range(60)]
    m = rng.normal(size=(60, 8)).astype(np.float32)
    # plant a few analogies that hold exactly: w{i+1} - w{i} = offset
    offset = rng.normal(size=8).astype(np.float32) * 3
    for i in range(0, 20, 2):
        m[i + 1] = m[i] + offset
    return Vectors(words, m)


def test_similarity_matches_gensim(tmp_path, vectors):
    from gensim.models import KeyedVectors

    rng = np.random.default_rng(1)
    lines = [f"W{a}\tw{b}\t{rng.uniform(0, 10):.2f}" for a, b in rng.integers(0, 60, (40, 2))]
    lines += ["w1\tunknown\t5.0", "# a comment"]
    path = tmp_path / "pairs.txt"
    path.write_text("\n".join(lines) + "\n")
    ours = word_similarity(vectors, path)
    kv = KeyedVectors(8)
    kv.add_vectors(vectors.words, vectors.matrix)
    pearson, spearman, oov = kv.evaluate_word_pairs(str(path))
    assert ours.spearman == pytest.approx(spearman.statistic, abs=1e-6)
    assert ours.pearson == pytest.approx(pearson.statistic, abs=1e-5)
    assert ours.oov == 1 and oov == pytest.approx(100 / 41)


@pytest.mark.parametrize("restrict", [60, 30])
def test_analogies_match_gensim(tmp_path, vectors, restrict):
    from gensim.models import KeyedVectors

    rng = np.random.default_rng(2)
    rows = [": planted"] + [f"w{a} w{a + 1} w{b} w{b + 1}" for a, b in
                             rng.integers(0, 10, (30, 2)) * 2 if a != b]
    rows += [": random"] + [" ".join(f"w{x}" for x in q) for q in rng.integers(0, 60, (40, 4))
                            if len(set(q[:3])) == 3]
    path = tmp_path / "questions.txt"
    path.write_text("\n".join(rows) + "\n")
    ours = analogies(vectors, path, restrict_vocab=restrict)
    kv = KeyedVectors(8)
    kv.add_vectors(vectors.words, vectors.matrix)
    score, sections = kv.evaluate_word_analogies(str(path), restrict_vocab=restrict)
    total = next(s for s in sections if s["section"] == "Total accuracy")
    assert ours.correct == len(total["correct"])
    assert ours.total == len(total["correct"]) + len(total["incorrect"])
    assert ours.accuracy == pytest.approx(score)
    assert ours.sections["planted"][0] > 0
