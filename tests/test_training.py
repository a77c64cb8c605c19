"""The training driver: every word of every epoch trained, reproducibility, recovery of
planted structure, and parameter validation."""

from __future__ import annotations

import numpy as np
import pytest

from wordspace import CBOW, Corpus, SkipGram
from wordspace.train import make_jobs


def one_line_corpus(tmp_path, n_tokens=34_567):
    rng = np.random.default_rng(3)
    path = tmp_path / "one-line.txt"
    path.write_text(" ".join(f"w{i}" for i in rng.integers(0, 300, size=n_tokens)))
    return Corpus(path, min_count=1)


def many_line_corpus(tmp_path):
    rng = np.random.default_rng(4)
    lines = [" ".join(f"w{i}" for i in rng.integers(0, 200, size=rng.integers(2, 40)))
             for _ in range(1500)]
    path = tmp_path / "lines.txt"
    path.write_text("\n".join(lines) + "\n")
    return Corpus(path, min_count=1)


@pytest.mark.parametrize("workers", [1, 2, 3])
@pytest.mark.parametrize("make", [one_line_corpus, many_line_corpus])
def test_every_word_of_every_epoch_is_trained(tmp_path, make, workers):
    corpus = make(tmp_path)
    model = SkipGram(dim=8, epochs=3, workers=workers, sample=0, progress=False)
    model.fit(corpus)
    r = model.report_
    assert r.epoch_words == [corpus.n_tokens] * 3
    assert r.words == corpus.n_tokens * 3
    # nothing subsampled and every sentence has >= 2 words: every token was a centre
    assert r.examples == corpus.n_tokens * 3
    for matrix in (model.input_vectors_, model.output_vectors_):
        assert np.all(np.isfinite(matrix))
        assert np.all(np.abs(matrix).sum(axis=1) > 0), "a row was never initialised or trained"


def test_jobs_cover_every_sentence_once():
    offsets = np.array([0, 3, 10, 10_015, 10_020, 10_030, 25_000])
    bounds = make_jobs(offsets, job_words=12)
    assert bounds[0] == 0 and bounds[-1] == len(offsets) - 1
    assert np.all(np.diff(bounds) >= 1)
    sizes = offsets[bounds[1:]] - offsets[bounds[:-1]]
    assert all(s <= 12 or e - b == 1 for s, b, e in zip(sizes, bounds, bounds[1:], strict=False))


def test_same_seed_same_vectors_with_one_worker(planted):
    sentences, _ = planted
    corpus = Corpus(sentences, min_count=1)
    fit = [SkipGram(dim=10, epochs=2, workers=1, seed=s, progress=False).fit(corpus)
           for s in (7, 7, 8)]
    np.testing.assert_array_equal(fit[0].input_vectors_, fit[1].input_vectors_)
    np.testing.assert_array_equal(fit[0].output_vectors_, fit[1].output_vectors_)
    assert not np.array_equal(fit[0].input_vectors_, fit[2].input_vectors_)


@pytest.mark.parametrize("kind", ["shared", "pair", "cbow"])
def test_planted_groups_are_recovered(planted, kind):
    sentences, groups = planted
    corpus = Corpus(sentences, min_count=1)
    common = dict(dim=16, window=3, epochs=5, sample=0, workers=2, seed=1, alpha=0.05,
                  progress=False)
    model = (CBOW(**common) if kind == "cbow"
             else SkipGram(**common, shared_negatives=kind == "shared")).fit(corpus)
    group_of = {w: i for i, g in enumerate(groups) for w in g}
    hits = [group_of[n] == group_of[w]
            for w in group_of for n, _ in model.vectors.most_similar(w, topn=4)]
    assert np.mean(hits) > 0.95
    assert model.report_.epoch_loss[-1] < model.report_.epoch_loss[0]


@pytest.mark.parametrize("param,value,message", [
    ("dim", 0, "dim must be an integer >= 1, got 0"),
    ("window", 2.5, "window must be an integer >= 1, got 2.5"),
    ("negative", 0, "negative must be an integer >= 1"),
    ("sample", -1e-3, "sample must be >= 0.0"),
    ("epochs", 0, "epochs must be an integer >= 1"),
    ("alpha", 0, "alpha must be > 0.0"),
    ("workers", 0, "workers must be an integer >= 1"),
    ("min_alpha", 1.0, "min_alpha must be >= 0.0 and <= 0.025"),
])
def test_invalid_parameters_are_refused_before_any_work(param, value, message):
    with pytest.raises(ValueError, match=message):
        SkipGram(**{param: value})
    model = SkipGram()
    setattr(model, param, value)  # changed after construction: fit still checks first
    with pytest.raises(ValueError, match=message):
        model.fit(object())
