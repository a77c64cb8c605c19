"""CUDA training (wordspace.cuda), on Numba-CUDA's simulator where there is no GPU.

Numba reads ``NUMBA_ENABLE_CUDASIM`` once, when it is first imported, so conftest.py
sets it for the whole session (on a machine with a GPU, ``NUMBA_ENABLE_CUDASIM=0`` runs
these tests there instead; ``helpers.simulated_cuda`` fails loudly if neither is there).
Every case is tiny (a few dozen words, dim 8): the simulator runs each thread in Python.
"""

from __future__ import annotations

import importlib
import os
import sys
import types

import numpy as np
import pytest

from helpers import simulated_cuda

cuda = simulated_cuda()

from scipy import stats  # noqa: E402

from wordspace.cuda import device  # noqa: E402
from wordspace.cuda import kernels as K  # noqa: E402
from wordspace.cuda.executor import (  # noqa: E402
    CudaReport,
    CudaSkipGram,
    DeviceCorpus,
    cut_chunks,
    launch_groups,
)
from wordspace.engine.jobs import Job, epoch_jobs, make_jobs  # noqa: E402
from wordspace.engine.layout import SHARED_BAGS, Examples, Layout  # noqa: E402
from wordspace.engine.params import VectorParams  # noqa: E402
from wordspace.engine.sampler import Sampler  # noqa: E402
from wordspace.engine.schedule import Schedule  # noqa: E402
from wordspace.sampling import keep_probabilities, noise_distribution, noise_tables  # noqa: E402
from wordspace.vectors import Vectors  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")


# --- the update: float64 reference of the CPU's shared-negative step -----------------

def _log_sigmoid(x):
    return -np.logaddexp(0.0, -x)


def block_loss(V, U, centre, outs):
    """The summed loss of one block: contexts ``V`` (m x d) against the centre's output
    row ``U[0]`` and the negatives' ``U[1:]`` (a negative equal to the centre skipped)."""
    S = U @ V.T
    keep = np.array([True] + [o != centre for o in outs[1:]])
    terms = np.vstack([_log_sigmoid(S[:1]), _log_sigmoid(-S[1:])])
    return -float(terms[keep].sum())


def reference_update(syn0, syn1, centres, ctx_ptr, contexts, negatives, lr):
    """The CPU engine's step, in float64: for each block of at most ``BLOCK`` contexts of
    a window (with its row of negatives), ``theta -= lr * grad(block loss)`` at the old
    values, a row that appears twice getting both steps. Returns the new matrices and
    the summed loss."""
    syn0, syn1 = syn0.astype(np.float64), syn1.astype(np.float64)
    loss, row = 0.0, 0
    for e in range(len(centres)):
        for a in range(ctx_ptr[e], ctx_ptr[e + 1], K.BLOCK):
            ctx = contexts[a:min(a + K.BLOCK, ctx_ptr[e + 1])]
            outs = np.concatenate([[centres[e]], negatives[row]])
            row += 1
            V, U = syn0[ctx], syn1[outs]
            loss += block_loss(V, U, centres[e], outs)
            labels = np.zeros(len(outs))
            labels[0] = 1
            keep = np.array([True] + [o != centres[e] for o in outs[1:]])
            G = lr * (labels[:, None] - 1 / (1 + np.exp(-(U @ V.T)))) * keep[:, None]
            np.add.at(syn0, ctx, G.T @ U)
            np.add.at(syn1, outs, G @ V)
    return syn0, syn1, loss


def test_reference_is_minus_lr_times_the_gradient():
    from helpers import numeric_gradient

    rng = np.random.default_rng(1)
    syn0, syn1 = rng.normal(size=(6, 4)), rng.normal(size=(8, 4))
    ctx, centre, negs = np.array([0, 3, 3]), 2, np.array([[5, 2, 7]])  # a repeated
    outs = np.concatenate([[centre], negs[0]])  # context; a negative equal to the centre

    grads = numeric_gradient(lambda: block_loss(syn0[ctx], syn1[outs], centre, outs),
                             [syn0, syn1])
    new0, new1, loss = reference_update(syn0, syn1, [centre], np.array([0, 3]), ctx, negs,
                                        lr=0.1)
    np.testing.assert_allclose(new0 - syn0, -0.1 * grads[0], atol=1e-7)
    np.testing.assert_allclose(new1 - syn1, -0.1 * grads[1], atol=1e-7)
    assert loss == pytest.approx(block_loss(syn0[ctx], syn1[outs], centre, outs))


def _examples(rng, n_words, negative, sizes):
    """Explicit examples: windows of ``sizes`` contexts (one longer than a block), with a
    repeated context and a negative equal to its centre among them."""
    centres = rng.integers(0, n_words, len(sizes)).astype(np.int32)
    ctx_ptr = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    contexts = rng.integers(0, n_words, ctx_ptr[-1]).astype(np.int32)
    contexts[1] = contexts[0]
    rows = sum(-(-s // K.BLOCK) for s in sizes)
    negatives = rng.integers(0, n_words, (rows, negative)).astype(np.int32)
    negatives[0, 1] = centres[0]
    return centres, ctx_ptr, contexts, negatives


def _device_step(lanes, atomic):
    """One warp's steps on explicit examples (a repeated context, a negative equal to
    its centre): ``(syn0, syn1, examples, new syn0, new syn1, loss)``."""
    rng = np.random.default_rng(lanes)
    n_words, dim, negative = 12, 8 if lanes == 1 else 40, 3
    _, examples_kernel = K.build(dim=dim, window=7, negative=negative, lanes=lanes,
                                 atomic=atomic)
    examples = _examples(rng, n_words, negative, [3, 13] if lanes == 32 else [3, 13, 1, 6])
    syn0 = rng.normal(0, 0.5, (n_words, dim)).astype(np.float32)
    syn1 = rng.normal(0, 0.5, (n_words, dim)).astype(np.float32)
    d0, d1 = cuda.to_device(syn0), cuda.to_device(syn1)
    out = cuda.to_device(np.full(1, np.nan))
    arrays = _as_engine_examples(*examples).arrays()
    examples_kernel[1, lanes](d0, d1, *arrays, np.float32(0.05), np.float32(1.0), out)
    return syn0, syn1, examples, d0.copy_to_host(), d1.copy_to_host(), out.copy_to_host()[0]


def _as_engine_examples(centres, ctx_ptr, contexts, negatives):
    """Windows of contexts as the CPU sampler lays them out: each context a one-row bag,
    a window cut into examples of at most ``BLOCK`` bags, each with its row of
    negatives."""
    ex_centres, bags = [], []
    for e in range(len(centres)):
        for a in range(ctx_ptr[e], ctx_ptr[e + 1], K.BLOCK):
            ex_centres.append(int(centres[e]))
            bags.append([[int(c)] for c in contexts[a:min(a + K.BLOCK, ctx_ptr[e + 1])]])
    return Examples.from_lists(ex_centres, bags, negatives.tolist())


@pytest.mark.parametrize("atomic", [False, True])
@pytest.mark.parametrize("lanes", [1, 32])
def test_device_step_equals_the_float64_reference(lanes, atomic):
    syn0, syn1, examples, got0, got1, loss = _device_step(lanes, atomic)
    ref0, ref1, ref_loss = reference_update(syn0, syn1, *examples, 0.05)
    for got, ref, old in ((got0, ref0, syn0), (got1, ref1, syn1)):
        step, ref_step = got - old, ref - old
        assert np.linalg.norm(step - ref_step) / np.linalg.norm(ref_step) < 1e-4
    assert loss == pytest.approx(ref_loss, rel=1e-5)


def test_one_warps_atomic_step_is_the_plain_step_bit_for_bit():
    # a lane owns its dimensions and adds a step computed from the values it read before,
    # so without other warps an atomic add is the same float32 arithmetic as += (a
    # repeated context row gets its two steps in the same order)
    *_, plain0, plain1, plain_loss = _device_step(32, atomic=False)
    *_, atomic0, atomic1, atomic_loss = _device_step(32, atomic=True)
    np.testing.assert_array_equal(atomic0, plain0)
    np.testing.assert_array_equal(atomic1, plain1)
    assert atomic_loss == plain_loss


@pytest.mark.parametrize("atomic", [False, True])
def test_atomic_writes_every_step_to_a_global_row_atomically(monkeypatch, atomic):
    if not device.simulated():
        pytest.skip("counts the simulator's atomic adds")
    from numba.cuda.simulator import kernelapi

    calls = []
    add = kernelapi.FakeCUDAAtomic.add

    def counted(self, array, index, val):
        calls.append(index)
        return add(self, array, index, val)

    monkeypatch.setattr(kernelapi.FakeCUDAAtomic, "add", counted)
    *_, examples, _, _, _ = _device_step(1, atomic)
    _, ctx_ptr, _, negatives = examples
    sizes = np.diff(ctx_ptr)
    blocks = sum(-(-s // K.BLOCK) for s in sizes)
    # each block: its contexts' rows and the centre's and negatives' rows, every dimension
    expected = (int(sizes.sum()) + blocks * (negatives.shape[1] + 1)) * 8
    assert len(calls) == (expected if atomic else 0)


def test_build_options_are_normalised():
    # ints (bench/gpu.py's "atomic=1") and bools name the same compiled kernels
    assert K.build(dim=8, window=2, negative=2, atomic=1) is K.build(
        dim=8, window=2, negative=2, atomic=True)
    assert K.build(dim=8, window=2, negative=2) is K.build(
        dim=8, window=2, negative=2, cache=False, atomic=False)
    assert K.build(dim=8, window=2, negative=2, atomic=True) is not K.build(
        dim=8, window=2, negative=2)


# --- the device sampler's distributions ----------------------------------------------

def sample(tokens, *, keep=None, counts=None, window=5, negative=5, chunk=400, seed=7,
           lanes=1, ns_exponent=0.75):
    """Run the device sampler over ``tokens`` in chunks of ``chunk`` words; returns the
    kept words, the window size of each kept centre and each centre's first negatives."""
    tokens = np.asarray(tokens, np.int32)
    n_words = int(tokens.max()) + 1
    counts = np.bincount(tokens, minlength=n_words) if counts is None else counts
    keep = np.ones(n_words, np.float32) if keep is None else keep.astype(np.float32)
    prob, alias = noise_tables(counts, ns_exponent)
    start = np.arange(0, len(tokens), chunk, dtype=np.int64)
    stop = np.minimum(start + chunk, len(tokens))
    kept = cuda.to_device(np.full(len(tokens), -1, np.int32))
    n_kept = cuda.to_device(np.zeros(len(start), np.int64))
    windows = cuda.to_device(np.zeros(len(tokens), np.int64))
    negs = cuda.to_device(np.full((len(tokens), max(negative, 1)), -1, np.int32))
    K.sample_kernel[len(start), lanes](tokens, keep, prob, alias, kept, start, stop, 0,
                                       np.uint64(seed), window, negative, lanes, n_kept,
                                       windows, negs)
    n_kept, kept = n_kept.copy_to_host(), kept.copy_to_host()
    windows, negs = windows.copy_to_host(), negs.copy_to_host()
    take = np.concatenate([np.arange(s, s + n) for s, n in zip(start, n_kept, strict=True)])
    return kept[take], windows[take], negs[take]


def test_window_sizes_are_uniform_in_1_to_window():
    window = 6
    _, sizes, _ = sample(np.arange(3000) % 37, window=window, negative=0)
    observed = np.bincount(sizes, minlength=window + 1)
    assert observed[0] == 0 and len(observed) == window + 1
    assert stats.chisquare(observed[1:]).pvalue > 1e-3


@pytest.mark.parametrize("exponent", [0.75, 1.0])
def test_negatives_follow_counts_to_the_power(exponent):
    counts = np.array([4000, 1500, 700, 200, 90, 40, 10, 3])
    tokens = np.repeat(np.arange(len(counts)), 25)
    _, _, negatives = sample(tokens, counts=counts, negative=40, ns_exponent=exponent)
    observed = np.bincount(negatives.ravel(), minlength=len(counts))
    expected = noise_distribution(counts, exponent) * observed.sum()
    assert stats.chisquare(observed, expected).pvalue > 1e-3
    other = noise_distribution(counts, 1.75 - exponent) * observed.sum()
    assert stats.chisquare(observed, other).pvalue < 1e-6


def test_subsampling_keeps_words_at_word2vec_rates():
    counts = np.array([3000, 1000, 250, 50, 10])
    tokens = np.random.default_rng(0).permutation(np.repeat(np.arange(len(counts)), counts))
    keep = keep_probabilities(counts, sample=1e-2)
    kept, _, _ = sample(tokens, keep=keep, counts=counts, window=1, negative=0)
    n_kept = np.bincount(kept, minlength=len(counts))
    sd = np.sqrt(counts * keep * (1 - keep)) + 1
    assert np.all(np.abs(n_kept - counts * keep) < 5 * sd), (n_kept, counts * keep)
    assert n_kept[0] < 0.6 * counts[0] and n_kept[-1] == counts[-1]


def test_a_warp_of_32_lanes_keeps_words_in_order():
    tokens = np.arange(90) % 23
    kept, _, _ = sample(tokens, window=2, negative=0, chunk=70, lanes=32)
    assert kept.tolist() == tokens.tolist()  # nothing subsampled: all, in order
    keep = np.full(23, 0.5, np.float32)
    kept, _, _ = sample(np.arange(90) % 23 + 0, keep=keep, window=2, negative=0, chunk=90,
                        lanes=32)
    positions = iter(range(90))  # a subsequence of the chunk, in its order
    assert all(any(tokens[p] == w for p in positions) for w in kept)
    assert 20 < len(kept) < 70


# --- the executor --------------------------------------------------------------------

def _run(tokens, offsets, *, dim=8, window=3, negative=3, sample=0.0, epochs=1, seed=5,
         alpha=0.025, job_words=200, chunk_words=128, cache=False, launch_words=300,
         atomic=False, max_resident_words=None, concurrent_chunks=None, pause=None):
    """Train on the device; a call that ``pause`` stops is gone on with by a second call
    from where it stopped (the counters then summed)."""
    tokens = np.asarray(tokens, np.int32)
    n_words = int(tokens.max()) + 1
    counts = np.bincount(tokens, minlength=n_words)
    sampler = Sampler.build(tokens, np.asarray(offsets), counts, window=window,
                            negative=negative, layout=Layout(max_bags=SHARED_BAGS), sample=sample,
                            ns_exponent=0.75)
    jobs = epoch_jobs(np.asarray(offsets), make_jobs(np.asarray(offsets), job_words), epochs)
    rates = Schedule.linear(alpha, alpha * 1e-3, [j.words for j in jobs]).rates
    rng = np.random.default_rng(seed)
    params = VectorParams((rng.random((n_words, dim), dtype=np.float32) - 0.5) / dim,
                          np.zeros((n_words, dim), np.float32))
    reports = []
    executor = CudaSkipGram("cuda", chunk_words=chunk_words, launch_words=launch_words,
                            cache=cache, atomic=atomic, max_resident_words=max_resident_words,
                            concurrent_chunks=concurrent_chunks)
    result = executor.train(sampler, params, jobs, rates, seed=seed,
                            report=lambda r: reports.append(r.words), pause=pause)
    if result.next_job < len(jobs):
        rest = executor.train(sampler, params, jobs, rates, seed=seed,
                              start=result.next_job,
                              report=lambda r: reports.append(result.words + r.words))
        for key in ("words", "examples", "pairs", "loss", "terms", "launches"):
            setattr(rest, key, getattr(result, key) + getattr(rest, key))
        result = rest
    return result, params, reports, sampler, jobs, rates


def expected_pairs(sampler, jobs, rates, *, seed, chunk_words):
    """The pairs the training kernel should train: from the device sampler's own draws
    (same seed, same chunks, same order of draws) on the training chunks, and with
    sentence rows one more per kept centre."""
    start, stop, _, _ = cut_chunks(sampler.offsets, jobs, rates, chunk_words=chunk_words)
    n = len(sampler.tokens)
    kept = cuda.to_device(np.zeros(n, np.int32))
    n_kept = cuda.to_device(np.zeros(len(start), np.int64))
    total = 0
    for c in range(len(start)):  # one chunk at a time: chunks of epochs share positions
        windows = cuda.to_device(np.zeros(n, np.int64))
        negs = cuda.to_device(np.zeros((n, sampler.negative), np.int32))
        K.sample_kernel[1, 1](sampler.tokens, sampler.keep, sampler.noise[0],
                              sampler.noise[1], kept, start, stop, c, np.uint64(seed),
                              sampler.window, sampler.negative, 1, n_kept, windows, negs)
        m = int(n_kept.copy_to_host()[c])
        b = windows.copy_to_host()[start[c]:start[c] + m]
        i = np.arange(m)
        total += int((np.minimum(b, i) + np.minimum(b, m - 1 - i)).sum())
        total += m if sampler.tagged else 0
    return total


@pytest.mark.parametrize(("cache", "atomic"), [(True, False), (False, False),
                                               (True, True), (False, True)])
def test_counters_are_corpus_words_times_epochs(cache, atomic):
    tokens = np.arange(700) % 29
    offsets = np.array([0, 5, 300, 301, 700])
    result, params, reports, sampler, jobs, rates = _run(tokens, offsets, epochs=2,
                                                         sample=1e-2, cache=cache,
                                                         atomic=atomic)
    assert isinstance(result, CudaReport)
    assert result.words == 2 * len(tokens) and reports[-1] == result.words
    assert reports == sorted(reports) and len(reports) == result.launches > 1
    assert result.pairs == expected_pairs(sampler, jobs, rates, seed=5, chunk_words=128)
    assert 0 < result.terms < result.pairs
    assert 0.5 < result.mean_loss < 4 * np.log(2) + 0.1  # untrained: (1 + 3) log 2
    assert np.isfinite(params.inputs).all() and np.abs(params.outputs).sum() > 0


@pytest.mark.parametrize("cache", [True, False])
def test_atomic_training_is_plain_training_without_concurrency(cache):
    # the simulator runs one block (one warp) at a time: nothing is concurrent, so the
    # atomic adds (and the cache's atomic write-backs) must give the same matrices
    tokens = np.arange(400) % 23
    offsets = np.array([0, 150, 400])
    runs = [_run(tokens, offsets, sample=1e-2, cache=cache, atomic=atomic)
            for atomic in (False, True)]
    (plain, plain_params, *_), (atomic, atomic_params, *_) = runs
    np.testing.assert_array_equal(atomic_params.inputs, plain_params.inputs)
    np.testing.assert_array_equal(atomic_params.outputs, plain_params.outputs)
    assert (atomic.pairs, atomic.terms, atomic.loss) == (plain.pairs, plain.terms, plain.loss)


@pytest.mark.parametrize("cache", [True, False])
def test_fewer_warps_than_chunks_train_every_chunk_once(cache):
    """concurrent_chunks: each warp trains every so many chunks in turn. With one (the
    simulator runs blocks one after another, in order) that is every chunk in the order
    a warp per chunk trains them: the same matrices, bit for bit; with three, every
    chunk is trained once all the same (the device sampler's pairs, all of them)."""
    tokens = np.arange(700) % 29
    offsets = np.array([0, 5, 300, 301, 700])
    runs = {n: _run(tokens, offsets, epochs=2, sample=1e-2, cache=cache,
                    concurrent_chunks=n) for n in (None, 1, 3)}
    (wide, wide_params, *_), (one, one_params, *_) = runs[None], runs[1]
    np.testing.assert_array_equal(one_params.inputs, wide_params.inputs)
    np.testing.assert_array_equal(one_params.outputs, wide_params.outputs)
    assert (one.words, one.pairs, one.terms, one.loss) == (
        wide.words, wide.pairs, wide.terms, wide.loss)
    three, _, _, sampler, jobs, rates = runs[3]
    assert three.pairs == wide.pairs == expected_pairs(sampler, jobs, rates, seed=5,
                                                       chunk_words=128)
    assert CudaSkipGram("cuda", concurrent_chunks=3).blocks(10) == 3  # one warp a block
    assert CudaSkipGram("cuda").blocks(10) == 10
    with pytest.raises(ValueError, match="concurrent_chunks must be an integer >= 1"):
        CudaSkipGram("cuda", concurrent_chunks=0)


def test_a_corpus_too_long_for_the_device_is_streamed_a_launch_at_a_time(monkeypatch):
    # the simulator runs one warp at a time: streamed and resident runs are the same
    # arithmetic, so they must give the same matrices, bit for bit
    tokens = np.arange(700) % 29
    offsets = np.array([0, 5, 300, 301, 700])
    bases = []
    load = DeviceCorpus.load
    monkeypatch.setattr(DeviceCorpus, "load",
                        lambda self, *a: bases.append(load(self, *a)) or bases[-1])
    runs = [_run(tokens, offsets, epochs=2, sample=1e-2, max_resident_words=limit)
            for limit in (None, 250)]
    resident, streamed = bases[:len(bases) // 2], bases[len(bases) // 2:]
    assert set(resident) == {0} and len(set(streamed)) > 1  # spans from several places
    (whole, whole_params, *_), (parts, parts_params, *_) = runs
    np.testing.assert_array_equal(parts_params.inputs, whole_params.inputs)
    np.testing.assert_array_equal(parts_params.outputs, whole_params.outputs)
    assert (parts.words, parts.pairs, parts.loss) == (whole.words, whole.pairs, whole.loss)


def test_a_call_paused_between_launches_goes_on_from_there_as_if_never_paused():
    """The driver's checkpoints and stops inside an epoch: ``pause`` is asked before each
    launch but the first, with the launch's first job; the call stops there, and a call
    from that job trains what the rest of one call would, bit for bit (each chunk keeps
    its index, hence its random streams)."""
    tokens = np.arange(700) % 29
    offsets = np.array([0, 5, 300, 301, 700])
    whole, whole_params, *_ = _run(tokens, offsets, epochs=2, sample=1e-2)
    asked = []

    def pause(job):
        asked.append(job.index)
        return len(asked) == 1

    paused, params, reports, _, jobs, _ = _run(tokens, offsets, epochs=2, sample=1e-2,
                                               pause=pause)
    starts = [g.job for g in launch_groups(jobs, cut_chunks(offsets, jobs, [0.1] * len(jobs),
                                                              chunk_words=128)[3], 300)]
    assert asked == starts[1:2] and jobs[asked[0] - 1].epoch == jobs[asked[0]].epoch == 0
    assert reports == sorted(reports) and reports[-1] == paused.words
    np.testing.assert_array_equal(params.inputs, whole_params.inputs)
    np.testing.assert_array_equal(params.outputs, whole_params.outputs)
    assert (paused.words, paused.pairs, paused.examples, paused.launches) == (
        whole.words, whole.pairs, whole.examples, whole.launches)
    assert paused.loss == pytest.approx(whole.loss, rel=1e-12)


def test_a_launch_never_crosses_an_epoch_end():
    offsets = np.arange(0, 1001, 100)
    jobs = epoch_jobs(offsets, make_jobs(offsets, 300), 3)
    start, stop, _, job_end = cut_chunks(offsets, jobs, [0.1] * len(jobs), chunk_words=64)
    groups = launch_groups(jobs, job_end, 700)
    assert sum(g.count for g in groups) == len(start) and len(groups) == 6  # 2 an epoch
    for g in groups:  # each launch one span of the corpus, from its first job's chunks
        part = slice(g.first, g.first + g.count)
        assert np.all(np.diff(start[part]) > 0)
        assert g.words == int(stop[part].sum() - start[part].sum())
        assert g.first == (job_end[g.job - 1] if g.job else 0)


def test_parameters_too_large_for_the_device_are_refused_with_the_sizes(monkeypatch):
    from wordspace.train import TrainingTooLarge

    context = type(cuda.current_context())
    monkeypatch.setattr(context, "get_memory_info", lambda self: (1000, 2000))
    with pytest.raises(TrainingTooLarge, match=r"needs 0.00 GiB .*input rows.*output rows"
                                               r".*0.00 GiB is free: lower dim"):
        _run(np.arange(200) % 29, np.array([0, 200]), dim=8)


def test_memory_freed_by_an_earlier_call_counts_as_free(monkeypatch):
    """Numba frees device arrays lazily: those of an earlier call (the last epoch's, or
    before a pause) count as used until the pending deallocations are flushed, which
    the memory check does first, so a run that fits is not refused."""
    from wordspace.cuda.executor import check_device_memory

    class Pending:
        flushed = False

        def clear(self):
            self.flushed = True

    pending = Pending()
    context = types.SimpleNamespace(
        memory_manager=types.SimpleNamespace(deallocations=pending),
        get_memory_info=lambda: (2000 if pending.flushed else 1000, 4000))
    fake = types.SimpleNamespace(current_context=lambda: context)
    check_device_memory(fake, "cuda:0", {"input rows": 1500})
    assert pending.flushed


def test_executor_options():
    executor = CudaSkipGram("cuda", atomic=1, cache=0)  # as bench/gpu.py passes them
    assert executor.atomic is True and executor.cache is False
    default = CudaSkipGram("cuda")
    assert default.atomic is True and default.cache is False  # no write lost by default
    assert CudaSkipGram("cuda", cache=None).cache is None  # whenever the ring fits
    # users give them (device_options, --device-option): what is not one is refused
    for name, value, why in (("atomic", "off", "must be True or False, got 'off'"),
                             ("cache", 2, r"must be True or False \(or None\), got 2"),
                             ("concurrent_chunks", True, "must be an integer >= 1"),
                             ("chunk_words", 0, "must be an integer >= 1, got 0"),
                             ("launch_words", 1e6, "must be an integer >= 1, got 1000000.0"),
                             ("max_resident_words", "abc", "must be an integer")):
        with pytest.raises(ValueError, match=f"{name} {why}"):
            CudaSkipGram("cuda", **{name: value})


def test_cut_chunks_cover_every_job_once():
    offsets = np.array([0, 3, 3, 10, 30])
    jobs = [Job(0, 2, 3, 0, 0), Job(2, 4, 27, 0, 1)]
    start, stop, lr, ends = cut_chunks(offsets, jobs, [0.5, 0.25], chunk_words=8)
    assert list(zip(start.tolist(), stop.tolist(), strict=True)) == [
        (0, 3), (3, 10), (10, 18), (18, 26), (26, 30)]
    assert lr.tolist() == [0.5, 0.25, 0.25, 0.25, 0.25] and ends.tolist() == [1, 5]


def test_device_training_recovers_planted_groups(tmp_path):
    from conftest import planted_sentences

    sentences, groups = planted_sentences(n_sentences=120, length=10)
    vocab = {w: i for i, w in enumerate(sorted({w for s in sentences for w in s}))}
    tokens = np.array([vocab[w] for s in sentences for w in s], np.int32)
    offsets = np.concatenate([[0], np.cumsum([len(s) for s in sentences])])
    result, params, *_ = _run(tokens, offsets, dim=8, window=3, negative=3, epochs=2,
                              alpha=0.1, job_words=500, launch_words=2000)
    assert result.words == 2 * len(tokens)
    # the result is plain NumPy: it saves and loads on a CPU-only machine
    assert type(params.inputs) is np.ndarray and params.inputs.dtype == np.float32
    words = sorted(vocab, key=vocab.get)
    Vectors(words, params.inputs).save_word2vec_format(tmp_path / "v.txt")
    vectors = Vectors.load_word2vec_format(tmp_path / "v.txt")
    np.testing.assert_allclose(vectors[words[0]], params.inputs[0], rtol=1e-6)
    unit = params.inputs / np.linalg.norm(params.inputs, axis=1, keepdims=True)
    group = np.array([int(w[1:w.index("w")]) for w in words])
    cos = unit @ unit.T
    same = group[:, None] == group[None, :]
    np.fill_diagonal(same, False)
    other = group[:, None] != group[None, :]
    assert cos[same].mean() > cos[other].mean() + 0.3, (cos[same].mean(), cos[other].mean())
    near = vectors.most_similar(groups[0][0], topn=3)
    assert all(w in groups[0] for w, _ in near)


# --- errors where CUDA is missing ----------------------------------------------------

def test_missing_numba_cuda_says_how_to_install(monkeypatch):
    real = importlib.import_module

    def fake(name, *args):
        if name == "numba.cuda":
            raise ImportError("No module named 'numba.cuda'")
        return real(name, *args)

    monkeypatch.setattr(device.importlib, "import_module", fake)
    with pytest.raises(device.CudaNotInstalled, match=r"pip install wordspace\[cuda\]"):
        device.require_cuda("cuda")
    with pytest.raises(RuntimeError):  # a RuntimeError (and an ImportError) before work
        CudaSkipGram("cuda:0")


def test_every_device_model_says_how_to_install_numba_cuda(monkeypatch, tmp_path):
    """As on a machine without numba-cuda: the Gaussian model's kernels import numba.cuda
    at their module's top, which was a bare ModuleNotFoundError."""
    import sys

    import numba

    from wordspace import GaussianSkipGram, SkipGram

    monkeypatch.setitem(sys.modules, "numba.cuda", None)
    monkeypatch.delattr(numba, "cuda", raising=False)
    for module in [m for m in sys.modules if m.startswith("wordspace.cuda.")
                   and m != "wordspace.cuda.device"]:
        monkeypatch.delitem(sys.modules, module)
    for model in (GaussianSkipGram(device="cuda"), SkipGram(device="cuda")):
        with pytest.raises(device.CudaNotInstalled, match=r"pip install wordspace\[cuda\]"):
            model.fit(tmp_path / "never-read.txt")


def test_no_device_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(cuda, "is_available", lambda: False)
    monkeypatch.setattr(device, "_driver_error",
                        lambda: ": CUDA driver library cannot be found")
    with pytest.raises(device.NoCudaDevice, match="no NVIDIA driver.*cannot be found"):
        device.require_cuda("cuda")


def test_device_numbers_are_checked():
    assert device.require_cuda("cuda") == 0 and device.require_cuda("CUDA:0") == 0
    with pytest.raises(device.NoCudaDevice, match=r"device 3.*only 1 device"):
        device.require_cuda("cuda:3")
    with pytest.raises(ValueError, match="'cpu', 'cuda' or 'cuda:N'"):
        device.require_cuda("gpu")


def test_importing_wordspace_does_not_import_numba_cuda():
    code = ("import sys, wordspace, wordspace.cuda; "
            "assert 'numba.cuda' not in sys.modules, 'imported'")
    import subprocess

    env = dict(os.environ)
    env.pop("NUMBA_ENABLE_CUDASIM", None)
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
