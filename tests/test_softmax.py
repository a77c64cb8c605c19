"""Full-softmax skip-gram: exact gradient steps, monotone loss, agreement with SGNS."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import numeric_gradient
from wordspace import Corpus, SkipGram, SoftmaxSkipGram, load_model
from wordspace.cli import main
from wordspace.losses import softmax_step


def test_the_step_is_the_gradient_of_the_exact_likelihood():
    """U steps along the exact gradient; each window's centre row along its window's
    gradient divided by the window's size (the mean over its pairs)."""
    rng = np.random.default_rng(0)
    n, d = 7, 4
    v, u = rng.normal(size=(n, d)), rng.normal(size=(n, d))
    centres = np.array([0, 3, 0])
    ptr = np.array([0, 2, 5, 6])
    contexts = np.array([1, 2, 4, 4, 6, 1])

    def loss(windows=(0, 1, 2)):  # -sum log p(o | c), p = softmax(U v_c)
        total = 0.0
        for b in windows:
            logits = u @ v[centres[b]]
            log_p = logits - np.log(np.exp(logits).sum())
            total -= log_p[contexts[ptr[b]:ptr[b + 1]]].sum()
        return total

    grads = numeric_gradient(loss, (v, u))
    centre_step = sum(numeric_gradient(lambda b=b: loss([b]), (v,))[0] / (ptr[b + 1] - ptr[b])
                      for b in range(len(centres)))
    expected = loss()
    v0, u0 = v.copy(), u.copy()
    got = softmax_step(v, u, centres, ptr, contexts, n, 1e-3)
    assert got == pytest.approx(expected, rel=1e-10)
    np.testing.assert_allclose(v - v0, -1e-3 * centre_step, rtol=1e-5, atol=1e-10)
    np.testing.assert_allclose(u - u0, -1e-3 * grads[1], rtol=1e-5, atol=1e-10)
    assert not np.allclose(centre_step, grads[0])  # the scaling is not a no-op here


def test_loss_decreases_every_epoch_with_a_small_rate(planted):
    corpus = Corpus(planted[0][:300], min_count=1)
    model = SoftmaxSkipGram(dim=8, window=2, epochs=6, sample=0, alpha=0.01, workers=1,
                            progress=False).fit(corpus)
    losses = model.report_.epoch_loss
    assert all(b < a for a, b in zip(losses, losses[1:], strict=False)), losses
    assert losses[-1] < np.log(len(corpus.vocab))  # better than uniform


def test_neighbours_agree_with_sgns_on_planted_groups(planted):
    sentences, groups = planted
    corpus = Corpus(sentences, min_count=1)
    common = dict(dim=16, window=3, epochs=5, sample=0, workers=1, progress=False)
    exact = SoftmaxSkipGram(**common).fit(corpus)
    sampled = SkipGram(**common, alpha=0.05).fit(corpus)
    group_of = {w: i for i, g in enumerate(groups) for w in g}
    for model in (exact, sampled):
        hits = [group_of[n] == group_of[w]
                for w in group_of for n, _ in model.vectors.most_similar(w, topn=4)]
        assert np.mean(hits) > 0.95
    agree = [{n for n, _ in exact.vectors.most_similar(w, topn=5)}
             == {n for n, _ in sampled.vectors.most_similar(w, topn=5)} for w in group_of]
    assert np.mean(agree) > 0.9  # both find a word's five group mates


def test_divergence_stops_training_with_a_clear_error(planted):
    from wordspace.train import TrainingDiverged

    model = SoftmaxSkipGram(dim=8, alpha=500.0, sample=0, epochs=2, workers=1,
                            progress=False)
    with pytest.raises(TrainingDiverged, match="diverged in epoch .* lower alpha \\(now 500\\)"):
        model.fit(Corpus(planted[0], min_count=1))
    assert not model.is_fitted


def test_refuses_what_will_not_fit_with_the_numbers():
    model = SoftmaxSkipGram(batch=1024, workers=2)
    # 4 bytes x (4 arrays x 1024 x 1e6 words x 2 workers + 3 x 1e6 x 100) = 31.6 GiB
    with pytest.raises(MemoryError, match=r"needs about 31\.6 GiB .* 1,000,000 words .* "
                                          r"0\.5 GiB is available"):
        model.check_memory(100_000 * 10, available=2**29)
    model.check_memory(1000, available=2**33)  # small: fine


def test_the_memory_check_counts_the_workers_training_will_use():
    with pytest.raises(MemoryError, match="x 1 workers"):  # the default: BLAS has the cores
        SoftmaxSkipGram(batch=1024).check_memory(100_000, available=2**28)
    with pytest.raises(MemoryError, match="x 8 workers"):
        SoftmaxSkipGram(batch=1024, workers=8).check_memory(100_000, available=2**28)


def test_cli_and_save_load(tmp_path, text_file):
    out = tmp_path / "softmax"
    assert main(["train", str(text_file), "-o", str(out), "--model", "softmax", "--dim", "6",
                 "--epochs", "1", "--min-count", "1", "--quiet"]) == 0
    model = load_model(out)
    assert isinstance(model, SoftmaxSkipGram) and model.vectors.dim == 6
    assert np.all(np.isfinite(model.context_vectors_))
