"""The negative-sampling kernel takes exact gradient steps of the loss over input bags.

Reference: for each bag ``b`` of an example with mean input ``h_b``,
``L = sum_b [ -log s(u_w . h_b) - sum_k log s(-u_k . h_b) ]``, differentiated by
central finite differences in float64, independently of the kernel. Every layout
(skip-gram's one-row bags, CBOW's window bag, subword bags of several rows) is the same
kernel, so these tests cover every negative-sampling model's step.
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers import numeric_gradient
from wordspace.engine.layout import Examples
from wordspace.engine.params import VectorParams
from wordspace.losses import NegativeSamplingLoss


def log_sigmoid(x):
    return -np.logaddexp(0.0, -x)


def reference_loss(syn0, syn1, examples: Examples, mean: bool = True):
    """The summed loss of every example's bags against its output set (a negative equal
    to the centre is skipped, as the kernel does); a bag's input is the mean of its rows,
    or with ``mean`` False their sum."""
    loss = 0.0
    for e in range(examples.n_examples):
        centre = examples.centres[e]
        negatives = [n for n in examples.negatives[e] if n != centre]
        for bag in examples.bags(e):
            h = syn0[bag].mean(axis=0) if mean else syn0[bag].sum(axis=0)
            loss -= log_sigmoid(syn1[centre] @ h)
            loss -= sum(log_sigmoid(-(syn1[n] @ h)) for n in negatives)
    return loss


def setup(n_words=9, dim=5, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.normal(scale=0.7, size=(n_words, dim)).astype(np.float32),
            rng.normal(scale=0.7, size=(n_words, dim)).astype(np.float32))


def step(syn0, syn1, examples, lr, train_outputs=True, bag_mean=True):
    loss = NegativeSamplingLoss(train_outputs=train_outputs, bag_mean=bag_mean)
    params = VectorParams(syn0, syn1)
    bags = int(np.diff(examples.bag_ptr).max())
    scratch = loss.scratch(params, examples.negatives.shape[1], bags)
    return loss.update(params, examples, lr, scratch)


def check_step(syn0, syn1, examples, input_scale=None, mean=True):
    """One example: the outputs move by -lr dL/du exactly; each input row by
    -lr dL/dv times its bag's size (a bag's rows each take the whole step of its mean,
    as word2vec.c's CBOW and fastText do), which for one-row bags is the exact step."""
    lr = 1e-3
    p0, p1 = syn0.astype(np.float64), syn1.astype(np.float64)
    expected_loss = reference_loss(p0, p1, examples, mean)
    g0, g1 = numeric_gradient(lambda: reference_loss(p0, p1, examples, mean), [p0, p1])
    before0, before1 = syn0.copy(), syn1.copy()
    loss, pairs, _ = step(syn0, syn1, examples, lr, bag_mean=mean)
    assert loss == pytest.approx(expected_loss, rel=1e-5) and pairs == examples.n_bags
    scale = np.ones(len(syn0)) if input_scale is None else input_scale
    np.testing.assert_allclose(syn0 - before0, -lr * g0 * scale[:, None], rtol=2e-3,
                               atol=2e-7)
    np.testing.assert_allclose(syn1 - before1, -lr * g1, rtol=2e-3, atol=2e-7)
    assert np.abs(g0).sum() > 0 and np.abs(g1).sum() > 0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_shared_negatives_take_the_gradient_step_of_the_window_loss(seed):
    syn0, syn1 = setup(seed=seed)
    # skip-gram: four one-row bags (one repeated) share three negatives (one repeated)
    check_step(syn0, syn1, Examples.from_lists([0], [[[1], [2], [3], [2]]], [[4, 5, 4]]))


@pytest.mark.parametrize("seed", [0, 1])
def test_one_bag_is_the_gradient_step_of_one_pair(seed):
    syn0, syn1 = setup(seed=seed)
    check_step(syn0, syn1, Examples.from_lists([0], [[[6]]], [[1, 2, 3, 4]]))


def test_a_window_bag_steps_outputs_exactly_and_every_row_by_the_whole_error():
    """CBOW: the mean of three rows; each row takes -lr dL/dh, three times the exact
    step (word2vec.c adds the whole error to every context word)."""
    syn0, syn1 = setup()
    scale = np.ones(len(syn0))
    scale[[1, 2, 3]] = 3
    check_step(syn0, syn1, Examples.from_lists([0], [[[1, 2, 3]]], [[4, 5]]), scale)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("bags", [
    [[1, 2, 3, 2]],  # CBOW's window (one bag; a word twice in it)
    [[1, 7, 8], [2], [3, 7]],  # several bags of several rows
])
def test_summed_bags_take_the_exact_gradient_step_of_the_summed_input(seed, bags):
    """cbow_mean=False: a bag's input is the sum of its rows, and every row (each
    occurrence) takes the exact step of the loss of that sum."""
    syn0, syn1 = setup(n_words=10, seed=seed)
    check_step(syn0, syn1, Examples.from_lists([0], [bags], [[4, 5]]), mean=False)


@pytest.mark.parametrize("seed", [0, 1])
def test_bags_of_several_rows_mixed_with_one_row_bags(seed):
    """Subword-like bags: a word's row with its n-gram rows (row 7 in two bags), next to
    a one-row bag; rows of a bag of n take n times their exact share."""
    syn0, syn1 = setup(n_words=10, seed=seed)
    examples = Examples.from_lists([0], [[[1, 7, 8], [2], [3, 7]]], [[4, 5]])
    lr = 1e-3
    p0, p1 = syn0.astype(np.float64), syn1.astype(np.float64)
    # each bag's rows step by the whole gradient of the loss with respect to its mean
    grads = []
    for bag in examples.bags(0):
        one = Examples.from_lists([0], [[list(bag)]], [[4, 5]])
        g0, _ = numeric_gradient(lambda one=one: reference_loss(p0, p1, one), [p0, p1])
        grads.append(g0 * len(bag))
    g0, g1 = numeric_gradient(lambda: reference_loss(p0, p1, examples), [p0, p1])
    before0, before1 = syn0.copy(), syn1.copy()
    step(syn0, syn1, examples, lr)
    np.testing.assert_allclose(syn0 - before0, -lr * sum(grads), rtol=2e-3, atol=2e-7)
    np.testing.assert_allclose(syn1 - before1, -lr * g1, rtol=2e-3, atol=2e-7)
    assert np.abs(syn0[7] - before0[7]).sum() > 0


def test_a_job_s_examples_are_steps_in_order():
    """Two examples touching the same rows: the second steps from what the first left."""
    syn0, syn1 = setup()
    both = Examples.from_lists([0, 0], [[[1], [2]], [[2], [3]]], [[4, 5], [5, 6]])
    first = Examples.from_lists([0], [[[1], [2]]], [[4, 5]])
    second = Examples.from_lists([0], [[[2], [3]]], [[5, 6]])
    a0, a1 = syn0.copy(), syn1.copy()
    step(a0, a1, first, 0.05)
    step(a0, a1, second, 0.05)
    step(syn0, syn1, both, 0.05)
    np.testing.assert_array_equal(syn0, a0)
    np.testing.assert_array_equal(syn1, a1)


def test_a_negative_equal_to_the_centre_is_skipped():
    syn0, syn1 = setup()
    v, u = syn0[1].astype(np.float64), syn1[3].astype(np.float64)
    step(syn0, syn1, Examples.from_lists([3], [[[1]]], [[3, 3]]), 0.1)
    # the centre drawn as its own negative: only the positive term moves its output row
    expected = 0.1 * (1 - 1 / (1 + np.exp(-(u @ v)))) * v
    np.testing.assert_allclose(syn1[3] - u, expected, rtol=1e-4)


def test_training_lowers_the_loss_on_a_fixed_window():
    syn0, syn1 = setup()
    examples = Examples.from_lists([0], [[[1], [2], [3]]], [[4, 5]])
    losses = [step(syn0, syn1, examples, 0.05)[0] for _ in range(50)]
    assert all(b < a for a, b in zip(losses, losses[1:], strict=False))


@pytest.mark.parametrize("seed", [0, 1])
def test_inference_steps_the_input_row_alone_and_only_reads_the_outputs(seed):
    """Inference: the input row takes the exact gradient step of its loss, and the
    output vectors, read-only here, stay as they are."""
    syn0, syn1 = setup(seed=seed)
    syn1.flags.writeable = False
    examples = Examples.from_lists([2], [[[5]]], [[4, 2, 6]])  # 2 == centre: skipped
    p0, p1 = syn0.astype(np.float64), syn1.astype(np.float64)
    g0, _ = numeric_gradient(lambda: reference_loss(p0, p1, examples), [p0, p1])
    before = syn0.copy()
    loss, pairs, _ = step(syn0, syn1, examples, 1e-3, train_outputs=False)
    assert loss == pytest.approx(reference_loss(before.astype(np.float64), p1, examples),
                                 rel=1e-5) and pairs == 1
    np.testing.assert_allclose(syn0 - before, -1e-3 * g0, rtol=2e-3, atol=2e-7)
    np.testing.assert_array_equal(syn1, p1.astype(np.float32))


@pytest.mark.parametrize("bags", [
    [[[1, 2, 8]], [[8, 3]]],  # PV-DM: the window's words and the document's row, one bag
    [[[1], [2], [8]]],  # one-row bags (the kernel's fast path)
    [[[1, 8], [2]], [[3, 8]]],  # bags of several rows, mixed
])
def test_frozen_input_rows_are_only_read_and_the_others_step_as_before(bags):
    """Inference with ``frozen_inputs`` k (PV-DM's words): the rows below k stay as they
    are, and every other row takes the very step it takes with nothing frozen (a bag's
    steps come from its old values, so a frozen neighbour changes nothing)."""
    examples = Examples.from_lists([0] * len(bags), bags, [[4, 5]] * len(bags))
    moved = []
    for frozen in (0, 8):
        syn0, syn1 = setup()
        before = syn0.copy()
        loss = NegativeSamplingLoss(train_outputs=False, frozen_inputs=frozen)
        params = VectorParams(syn0, syn1)
        loss.update(params, examples, 0.05, loss.scratch(params, 2, 3))
        moved.append(syn0 - before)
    np.testing.assert_array_equal(moved[1][:8], 0.0)
    np.testing.assert_array_equal(moved[1][8:], moved[0][8:])
    assert np.abs(moved[0][8]).sum() > 0 and np.abs(moved[0][1:4]).sum() > 0


def test_frozen_inputs_is_inference_s_alone():
    with pytest.raises(ValueError, match="train_outputs=False"):
        NegativeSamplingLoss(frozen_inputs=3)


@pytest.mark.parametrize(("bags", "shape"), [
    ([[[1], [2], [3]], [[2]], [[4], [1]]], "ROW_BAGS"),  # skip-gram: shared and one pair
    ([[[1]], [[2]], [[3]]], "ROW_BAGS"),  # per pair
    ([[[1, 2, 3]], [[2]], [[4, 1]]], "ONE_BAG"),  # CBOW, one window of one context
    ([[[1, 7, 8], [2]], [[3]], [[4, 7]]], "ANY_BAGS"),  # subwords
])
def test_each_compiled_specialisation_is_the_general_kernel_on_the_jobs_it_fits(bags, shape):
    """The kernel compiled for one shape of job takes the very steps of the general one
    (``ANY_BAGS``), and a job is given the specialisation of its shape."""
    from wordspace.kernels import sgns

    examples = Examples.from_lists([0, 5, 0], bags, [[4, 5], [6, 0], [5, 5]])
    assert sgns.bag_shape(examples.n_examples, examples.n_bags, examples.n_rows) \
        == getattr(sgns, shape)
    loss = NegativeSamplingLoss()
    results = []
    for kernel_shape in (sgns.ANY_BAGS, getattr(sgns, shape)):
        syn0, syn1 = setup(n_words=10)
        params = VectorParams(syn0, syn1)
        scratch = loss.scratch(params, 2, 3)
        kernel = sgns.negative_sampling_kernel(kernel_shape)
        out = kernel(syn0, syn1, examples.arrays(), np.float32(0.05), np.float32(1), 0,
                     scratch)
        results.append((out, syn0, syn1))
    (out_any, *any_params), (out_one, *one_params) = results
    assert out_any == out_one
    for a, b in zip(any_params, one_params, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(any_params[0], setup(n_words=10)[0])  # something trained


@pytest.mark.parametrize("bags", [
    [[[1], [2], [3]]],  # skip-gram, shared negatives: one pass per output row and bag
    [[[1]]],  # one pair: fused, one pass per output row
    [[[1, 2, 3]]],  # CBOW's window
    [[[1, 7, 8], [2]]],  # subword bags
])
def test_the_output_rate_scales_the_output_rows_step_alone(bags):
    """``output_rate`` r: the output rows move r times as far as at rate 1, from the same
    scores, and the input rows exactly as at rate 1 (their step uses the old outputs)."""
    examples = Examples.from_lists([0], bags, [[4, 5]])
    start = setup(n_words=10)
    moved = {}
    for rate in (1.0, 0.25):
        syn0, syn1 = (a.copy() for a in start)
        params = VectorParams(syn0, syn1)
        loss = NegativeSamplingLoss(output_rate=rate)
        loss.update(params, examples, 0.05, loss.scratch(params, 2, 3))
        moved[rate] = (syn0 - start[0], syn1 - start[1])
    assert np.abs(moved[1.0][1]).max() > 1e-4  # the outputs moved
    np.testing.assert_array_equal(moved[0.25][0], moved[1.0][0])
    # float32 rows: their differences carry rounding of about 1e-7
    np.testing.assert_allclose(moved[0.25][1], 0.25 * moved[1.0][1], rtol=1e-4, atol=3e-7)
