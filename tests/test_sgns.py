"""The SGNS kernels take exact gradient steps of the negative-sampling loss.

Reference: L = sum_j [ -log s(u_w . v_j) - sum_k log s(-u_k . v_j) ], differentiated by
central finite differences in float64, independently of the kernels.
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers import numeric_gradient
from wordspace.kernels.sgns import per_pair_update, shared_negative_update


def log_sigmoid(x):
    return -np.logaddexp(0.0, -x)


def reference_loss(syn0, syn1, centre, contexts, negatives_per_context):
    loss = 0.0
    for c, negs in zip(contexts, negatives_per_context, strict=True):
        v = syn0[c]
        loss -= log_sigmoid(syn1[centre] @ v)
        loss -= sum(log_sigmoid(-(syn1[n] @ v)) for n in negs)
    return loss


def setup(n_words=9, dim=5, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.normal(scale=0.7, size=(n_words, dim)).astype(np.float32),
            rng.normal(scale=0.7, size=(n_words, dim)).astype(np.float32))


def check_step(kernel, syn0, syn1, centre, contexts, negatives, per_context):
    lr = 1e-3
    k1 = negatives.shape[1] + 1
    m = len(contexts)
    scratch = (np.zeros((k1, m), np.float32), np.zeros((m, syn0.shape[1]), np.float32))
    negs_of = [negatives[j] for j in range(m)] if per_context else [negatives[0]] * m
    p0, p1 = syn0.astype(np.float64), syn1.astype(np.float64)
    expected_loss = reference_loss(p0, p1, centre, contexts, negs_of)
    g0, g1 = numeric_gradient(lambda: reference_loss(p0, p1, centre, contexts, negs_of),
                              [p0, p1])
    before0, before1 = syn0.copy(), syn1.copy()
    loss, pairs = kernel(syn0, syn1, np.array([centre], np.int32), np.array([0, m], np.int64),
                         np.asarray(contexts, np.int32), negatives, 1, np.float32(lr), *scratch)
    assert loss == pytest.approx(expected_loss, rel=1e-5) and pairs == m
    np.testing.assert_allclose(syn0 - before0, -lr * g0, rtol=2e-3, atol=2e-7)
    np.testing.assert_allclose(syn1 - before1, -lr * g1, rtol=2e-3, atol=2e-7)
    assert np.abs(g0).sum() > 0 and np.abs(g1).sum() > 0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_shared_negative_update_is_the_gradient_step_of_the_window_loss(seed):
    syn0, syn1 = setup(seed=seed)
    # four contexts (one repeated) share three negatives (one repeated)
    check_step(shared_negative_update, syn0, syn1, centre=0, contexts=[1, 2, 3, 2],
               negatives=np.array([[4, 5, 4]], np.int32), per_context=False)


def test_shared_update_skips_a_negative_equal_to_the_centre():
    syn0, syn1 = setup()
    v, u = syn0[1].astype(np.float64), syn1[3].astype(np.float64)
    scratch = (np.zeros((3, 1), np.float32), np.zeros((1, 5), np.float32))
    shared_negative_update(syn0, syn1, np.array([3], np.int32), np.array([0, 1], np.int64),
                           np.array([1], np.int32), np.array([[3, 3]], np.int32), 1,
                           np.float32(0.1), *scratch)
    # the centre drawn as its own negative: only the positive term moves its output row
    expected = 0.1 * (1 - 1 / (1 + np.exp(-(u @ v)))) * v
    np.testing.assert_allclose(syn1[3] - u, expected, rtol=1e-4)


@pytest.mark.parametrize("seed", [0, 1])
def test_per_pair_update_is_the_gradient_step_of_one_pair(seed):
    syn0, syn1 = setup(seed=seed)
    check_step(per_pair_update, syn0, syn1, centre=0, contexts=[6],
               negatives=np.array([[1, 2, 3, 4]], np.int32), per_context=True)


def test_training_lowers_the_loss_on_a_fixed_window():
    syn0, syn1 = setup()
    args = (np.array([0], np.int32), np.array([0, 3], np.int64), np.array([1, 2, 3], np.int32),
            np.array([[4, 5]], np.int32), 1, np.float32(0.05), np.zeros((3, 3), np.float32),
            np.zeros((3, 5), np.float32))
    losses = [shared_negative_update(syn0, syn1, *args)[0] for _ in range(50)]
    assert all(b < a for a, b in zip(losses, losses[1:], strict=False))


def test_cbow_update_steps_the_output_rows_by_the_exact_gradient():
    """Output rows move by -lr dL/du exactly; each context row by -lr dL/dh (word2vec.c
    adds the whole error to every context word: m times the exact step, m = 3 here)."""
    from wordspace.kernels.sgns import cbow_update

    syn0, syn1 = setup()
    contexts, centre, negs = [1, 2, 3], 0, [4, 5]
    p0, p1 = syn0.astype(np.float64), syn1.astype(np.float64)

    def loss():
        h = p0[contexts].mean(0)
        return -log_sigmoid(p1[centre] @ h) - sum(log_sigmoid(-(p1[n] @ h)) for n in negs)

    g0, g1 = numeric_gradient(loss, [p0, p1])
    expected_loss = loss()
    before0, before1 = syn0.copy(), syn1.copy()
    lr = 1e-3
    result, pairs = cbow_update(syn0, syn1, np.array([centre], np.int32),
                                np.array([0, 3], np.int64), np.array(contexts, np.int32),
                                np.array([negs], np.int32), 1, np.float32(lr),
                                np.zeros((3, 3), np.float32), np.zeros((3, 5), np.float32))
    assert result == pytest.approx(expected_loss, rel=1e-5) and pairs == 1
    np.testing.assert_allclose(syn1 - before1, -lr * g1, rtol=2e-3, atol=2e-7)
    np.testing.assert_allclose(syn0 - before0, -lr * 3 * g0, rtol=2e-3, atol=2e-7)


@pytest.mark.parametrize("seed", [0, 1])
def test_input_update_steps_the_input_row_alone_and_only_reads_the_outputs(seed):
    """Inference's kernel: the input row takes the exact gradient step of its loss, and
    the output vectors, read-only here, stay as they are."""
    from wordspace.kernels.sgns import input_update

    syn0, syn1 = setup(seed=seed)
    syn1.flags.writeable = False
    centre, negs = 2, [4, 2, 6]  # a negative equal to the centre is skipped
    p0, p1 = syn0.astype(np.float64), syn1.astype(np.float64)
    g0, _ = numeric_gradient(lambda: reference_loss(p0, p1, centre, [5], [[4, 6]]), [p0, p1])
    before = syn0.copy()
    scratch = (np.zeros((4, 1), np.float32), np.zeros((2, 5), np.float32))
    loss, pairs = input_update(syn0, syn1, np.array([centre], np.int32),
                               np.array([0, 1], np.int64), np.array([5], np.int32),
                               np.array([negs], np.int32), 1, np.float32(1e-3), *scratch)
    assert loss == pytest.approx(reference_loss(before.astype(np.float64), p1, centre, [5],
                                                [[4, 6]]), rel=1e-5) and pairs == 1
    np.testing.assert_allclose(syn0 - before, -1e-3 * g0, rtol=2e-3, atol=2e-7)
    np.testing.assert_array_equal(syn1, p1.astype(np.float32))
