"""The engine's seam is real: a new input layout, defined here alone, trains through the
public engine without any change to ``src/``.

The toy layout: every context word's bag is its own row plus one shared "shadow" row
(the last input row), the way a subword model adds n-gram rows to a word's. It is a
:class:`~wordspace.engine.layout.Layout` whose ``sample`` writes the bags in Python
after the compiled walk; the negative-sampling loss, the sampler, the driver and the
runner are the library's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from conftest import planted_sentences
from helpers import numeric_gradient
from wordspace import Corpus
from wordspace.engine import Job, Sampler
from wordspace.engine.layout import SHARED_BAGS, Examples, Layout
from wordspace.engine.params import VectorParams
from wordspace.losses import NegativeSamplingLoss
from wordspace.train import train


@dataclass(frozen=True, eq=False)
class ShadowLayout(Layout):
    """Skip-gram bags of two rows: the context word's and the shadow row."""

    shadow: int = 0

    @property
    def rows_per_word(self) -> int:
        return 2

    def sample(self, sampler, job, state, examples):
        super().sample(sampler, job, state, examples)  # one-row bags, then widened
        n = examples.n_rows
        words = examples.rows[:n].copy()
        examples.rows[0:2 * n:2] = words
        examples.rows[1:2 * n:2] = self.shadow
        examples.row_ptr[:examples.n_bags + 1] *= 2
        examples.n_rows = 2 * n
        return examples


def log_sigmoid(x):
    return -np.logaddexp(0.0, -x)


def reference_loss(inputs, outputs, examples):
    """Negative sampling of each bag's mean against its example's output set."""
    loss = 0.0
    for e in range(examples.n_examples):
        centre = examples.centres[e]
        for bag in examples.bags(e):
            h = inputs[bag].mean(axis=0)
            loss -= log_sigmoid(outputs[centre] @ h)
            loss -= sum(log_sigmoid(-(outputs[k] @ h)) for k in examples.negatives[e]
                        if k != centre)
    return loss


def test_a_step_over_the_toy_layout_is_the_gradient_step_of_its_loss():
    """One example at a time (each steps from what the one before left, so the
    reference is taken example by example): the outputs take the exact gradient step,
    each bag's two rows the whole gradient with respect to the bag's mean."""
    rng = np.random.default_rng(0)
    n_words, dim, lr = 7, 4, 0.02
    tokens = rng.integers(0, n_words, size=12).astype(np.int32)
    sampler = Sampler.build(tokens, np.array([0, 12]), np.bincount(tokens, minlength=n_words),
                            window=2, negative=2, layout=ShadowLayout(shadow=n_words),
                            sample=0, ns_exponent=0.75)
    examples = sampler.sample(Job(0, 1, 12), np.array([9], np.uint64),
                              sampler.examples(12, 12 * 4))
    assert all(bag.tolist()[1] == n_words and len(bag) == 2
               for e in range(examples.n_examples) for bag in examples.bags(e))
    inputs = rng.normal(scale=0.5, size=(n_words + 1, dim)).astype(np.float32)
    outputs = rng.normal(scale=0.5, size=(n_words, dim)).astype(np.float32)
    p_in, p_out = inputs.astype(np.float64), outputs.astype(np.float64)
    for e in range(examples.n_examples):  # float64, example after example
        one = _example(examples, e)
        g_in, g_out = numeric_gradient(lambda one=one: reference_loss(p_in, p_out, one),
                                       [p_in, p_out])
        p_in[:] -= lr * 2 * g_in  # a bag of two: each row takes the mean's whole gradient
        p_out[:] -= lr * g_out
    loss = NegativeSamplingLoss()
    params = VectorParams(inputs, outputs)
    loss.update(params, examples, lr, loss.scratch(params, 2, 4))
    np.testing.assert_allclose(inputs, p_in, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(outputs, p_out, rtol=1e-4, atol=1e-5)


def _example(examples, e):
    """Example ``e`` alone."""
    return Examples.from_lists([int(examples.centres[e])],
                               [[b.tolist() for b in examples.bags(e)]],
                               [examples.negatives[e].tolist()])


def test_the_toy_layout_trains_through_the_public_engine():
    """The driver sizes the buffers from the layout, and the words' composed vectors
    (own row plus shadow, as the bags average them) recover the planted groups."""
    sentences, groups = planted_sentences(n_sentences=800, seed=3)
    corpus = Corpus(sentences, min_count=1)
    n, dim = len(corpus.vocab), 16
    rng = np.random.default_rng(1)
    inputs = ((rng.random((n + 1, dim), dtype=np.float32) - 0.5) / dim)
    shadow_start = inputs[n].copy()
    params = VectorParams(inputs, np.zeros((n, dim), np.float32))
    report = train(corpus, NegativeSamplingLoss(), params,
                   layout=ShadowLayout(max_bags=SHARED_BAGS, shadow=n), window=5,
                   negative=5, sample=0, ns_exponent=0.75, epochs=3, alpha=0.025,
                   min_alpha=0.0001, workers=1, seed=1, progress=False)
    assert report.words == 3 * len(corpus.tokens) and report.loss < 0.8 * 6 * np.log(2)
    assert not np.allclose(inputs[n], shadow_start)  # the shadow row learnt
    composed = (inputs[:n] + inputs[n]) / 2
    unit = composed / np.linalg.norm(composed, axis=1, keepdims=True)
    group_of = {corpus.vocab.index[w]: g for g, words in enumerate(groups) for w in words}
    similar = unit @ unit.T
    np.fill_diagonal(similar, -np.inf)
    hits = [group_of[int(j)] == group_of[i] for i in group_of
            for j in np.argsort(-similar[i])[:4]]
    assert np.mean(hits) > 0.95
