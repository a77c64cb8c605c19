"""The Gaussian max-margin objective on a CUDA device (wordspace.cuda.gaussian), on
Numba-CUDA's simulator where there is no GPU (see tests/test_cuda.py for why the
variable is set here, before the import). Tiny cases: a dozen words, dim 4 to 8.
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers import simulated_cuda

cuda = simulated_cuda()

from conftest import planted_sentences  # noqa: E402
from wordspace import Corpus, GaussianSkipGram  # noqa: E402
from wordspace.cuda import gaussian as G  # noqa: E402
from wordspace.cuda.executor import launch_blocks  # noqa: E402
from wordspace.engine.jobs import epoch_jobs, make_jobs  # noqa: E402
from wordspace.engine.layout import Examples, Layout  # noqa: E402
from wordspace.engine.params import GaussianParams  # noqa: E402
from wordspace.engine.sampler import Sampler  # noqa: E402
from wordspace.engine.schedule import Schedule  # noqa: E402
from wordspace.losses import MaxMarginLoss  # noqa: E402
from wordspace.models.base import Model  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")

WINDOW, NEGATIVE = 3, 3
BOUNDS = dict(margin=0.5, mu_max=1.2, var_min=0.3, var_max=2.0, variance_rate=0.3)


def _problem(rng, n_words, dim, var_dim, tied):
    """Random distributions (some means beyond ``mu_max``, so the projection acts) and
    AdaGrad sums, and explicit examples with the cases the step must skip or repeat: a
    context repeated in a window, a negative equal to a positive, the word in its own
    window and drawn as its own negative."""
    def dist():
        return (rng.normal(0, 0.5, (n_words, dim)).astype(np.float32),
                rng.uniform(0.4, 1.8, (n_words, var_dim)).astype(np.float32))

    mu, var = dist()
    sums = [rng.uniform(0, 0.5, n_words) for _ in range(4)]
    if tied:
        arrays = (mu, var, mu, var, sums[0], sums[1], sums[0], sums[1])
    else:
        arrays = (mu, var, *dist(), *sums)
    sizes = [2 * WINDOW, 3, 1, 4, 2 * WINDOW]
    centres = rng.integers(0, n_words, len(sizes))
    windows = [list(rng.integers(0, n_words, s)) for s in sizes]
    negatives = rng.integers(0, n_words, (len(sizes), NEGATIVE))
    windows[0][1] = windows[0][0]  # a repeated context
    negatives[0, 0] = windows[0][2]  # a negative equal to a positive
    windows[1][0] = centres[1]  # the word in its own window
    negatives[1, 2] = centres[1]  # and drawn as its own negative
    return arrays, centres, windows, negatives


def _params(arrays, tied):
    a = [x.copy() for x in arrays]
    if tied:
        return GaussianParams(a[0], a[1], mean_sums=a[4], variance_sums=a[5])
    return GaussianParams(*a)


def _device_step(arrays, tied, kind, centres, windows, negatives, lr, lanes, atomic=False):
    """The examples by ``build``'s examples kernel, one warp of ``lanes``: the eight
    arrays after, and ``(loss, triples, active)``."""
    dim, var_dim = arrays[0].shape[1], arrays[1].shape[1]
    _, examples_kernel = G.build(dim=dim, var_dim=var_dim, window=WINDOW,
                                 negative=NEGATIVE, kind=kind, lanes=lanes, atomic=atomic)
    on_device = [cuda.to_device(x) for x in (arrays[:2] + arrays[4:6] if tied else arrays)]
    if tied:
        mu, var, s_mu, s_var = on_device
        on_device = [mu, var, mu, var, s_mu, s_var, s_mu, s_var]
    ptr = np.concatenate([[0], np.cumsum([len(w) for w in windows])]).astype(np.int64)
    contexts = np.array([c for w in windows for c in w], np.int32)
    out_loss, out_counts = np.zeros(1), np.zeros(2, np.int64)
    b = BOUNDS
    examples_kernel[1, lanes](
        *on_device, np.asarray(centres, np.int32), ptr, contexts,
        np.asarray(negatives, np.int32), len(centres), lr, lr * b["variance_rate"],
        b["margin"], b["mu_max"], b["var_min"], b["var_max"], tied, out_loss, out_counts)
    return ([x.copy_to_host() for x in on_device],
            (out_loss[0], int(out_counts[0]), int(out_counts[1])))


def _cpu_step(arrays, tied, energy, centres, windows, negatives, lr):
    params = _params(arrays, tied)
    loss = MaxMarginLoss(energy, **BOUNDS)
    examples = Examples.from_lists([int(c) for c in centres],
                                   [[[int(c)] for c in w] for w in windows],
                                   negatives.tolist())
    scratch = loss.scratch(params, NEGATIVE, 2 * WINDOW)
    result = loss.update(params, examples, lr, scratch)
    return params.arrays(), result


@pytest.mark.parametrize("tied", [True, False], ids=["tied", "untied"])
@pytest.mark.parametrize("covariance", ["diagonal", "spherical"])
@pytest.mark.parametrize("energy", ["el", "kl"])
def test_the_device_step_is_the_cpus(energy, covariance, tied):
    seed = ["el", "kl"].index(energy) * 4 + ["diagonal", "spherical"].index(covariance) * 2 \
        + tied
    rng = np.random.default_rng(seed)
    dim = 6
    arrays, centres, windows, negatives = _problem(
        rng, 12, dim, dim if covariance == "diagonal" else 1, tied)
    kind = MaxMarginLoss(energy, **BOUNDS).kind
    got, (loss, triples, active) = _device_step(arrays, tied, kind, centres, windows,
                                                negatives, 0.2, lanes=1)
    want, (cpu_loss, cpu_triples, cpu_active) = _cpu_step(arrays, tied, energy, centres,
                                                          windows, negatives, 0.2)
    assert (triples, active) == (cpu_triples, cpu_active)
    assert 0 < active < triples  # some hinges active, some not: both paths exercised
    assert loss == pytest.approx(cpu_loss, rel=1e-5, abs=1e-5)
    names = ["means", "variances", "context means", "context variances", "mean sums",
             "variance sums", "context mean sums", "context variance sums"]
    for name, before, g, w in zip(names, arrays, got, want, strict=True):
        assert not np.array_equal(w, before), f"{name} did not move on the CPU"
        np.testing.assert_allclose(g, w, rtol=2e-5, atol=2e-6, err_msg=name)
    norms = np.linalg.norm(np.vstack([want[0], want[2]]), axis=1)
    assert np.isclose(norms, BOUNDS["mu_max"], atol=1e-5).any()  # the projection acted


@pytest.mark.parametrize("covariance", ["diagonal", "spherical"])
def test_a_warp_of_32_lanes_cooperates_as_one(covariance):
    """Lanes over dimensions (40: two per lane for eight of them): the reductions, the
    per-lane steps and lane 0's writes of the AdaGrad sums and a spherical variance."""
    rng = np.random.default_rng(7)
    dim, tied = 40, covariance == "spherical"
    arrays, centres, windows, negatives = _problem(
        rng, 12, dim, dim if covariance == "diagonal" else 1, tied)
    arrays = (arrays[0] / 3, *arrays[1:]) if tied else arrays  # mu_max 1.2 at dim 40
    windows, centres, negatives = windows[:2], centres[:2], negatives[:2]
    got, counts = _device_step(arrays, tied, G.KL, centres, windows, negatives, 0.05,
                               lanes=32)
    want, cpu = _cpu_step(arrays, tied, "kl", centres, windows, negatives, 0.05)
    assert counts[1:] == cpu[1:] and counts[0] == pytest.approx(cpu[0], rel=1e-5)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize(("covariance", "projected"), [("diagonal", False),
                                                      ("spherical", True)])
def test_one_warps_atomic_step_is_its_plain_step(covariance, projected):
    """With atomics every write is an atomic add (a mean's projection the add of its
    change, a variance's bounds an atomic max and min, the AdaGrad sums lane 0's add),
    computed from what the warp read: for one warp of 32 lanes the same arithmetic as
    the plain stores, bit for bit while no mean is projected; a projected mean is
    ``v + (v * scale - v)`` against ``v * scale``, the same to float32 rounding."""
    rng = np.random.default_rng(11)
    dim, tied = 40, covariance == "spherical"
    arrays, centres, windows, negatives = _problem(
        rng, 12, dim, dim if covariance == "diagonal" else 1, tied)
    var = arrays[1].copy()
    var[::2] = 2.5  # beyond var_max (2.0): the rows stepped are bounded
    shrink = 2 if projected else 20  # the means' norms against mu_max (1.2)
    arrays = ((arrays[0] / shrink, var, arrays[0] / shrink, var) if tied else
              (arrays[0] / shrink, var, arrays[2] / shrink, arrays[3])) + arrays[4:]
    lr = 0.5 if projected else 0.02
    plain, plain_counts = _device_step(arrays, tied, G.KL, centres, windows, negatives,
                                       lr, lanes=32)
    atomic, atomic_counts = _device_step(arrays, tied, G.KL, centres, windows, negatives,
                                         lr, lanes=32, atomic=True)
    norms = np.linalg.norm(plain[0], axis=1)
    assert np.isclose(norms, BOUNDS["mu_max"], atol=1e-5).any() == projected
    bounds = [np.float32(BOUNDS["var_min"]), np.float32(BOUNDS["var_max"])]
    assert np.isin(plain[1], bounds).any()  # a variance bound acted
    for a, p, before in zip(atomic, plain, arrays, strict=True):
        assert not np.array_equal(p, before)
        if projected:
            np.testing.assert_allclose(a, p, rtol=1e-5, atol=1e-6)
        else:
            np.testing.assert_array_equal(a, p)
    if projected:
        assert atomic_counts[1:] == plain_counts[1:]
    else:
        assert atomic_counts == plain_counts


@pytest.mark.parametrize("atomic", [False, True], ids=["plain", "atomic"])
def test_a_variance_bound_takes_nan_and_both_sides(atomic):
    """The variances' bounds, as a plain store and as an atomic max and min: below,
    NaN and -inf to the lower bound, above and inf to the upper, within kept."""
    bound = G._writes(atomic)[3]

    @cuda.jit
    def kernel(var, low, high):
        for d in range(var.shape[1]):
            bound(var, 0, d, np.float32(low), np.float32(high))

    var = np.array([[np.nan, 0.1, 1.0, 3.0, -np.inf, np.inf]], np.float32)
    kernel[1, 1](var, 0.3, 2.0)
    np.testing.assert_array_equal(var, np.float32([[0.3, 0.3, 1.0, 2.0, 0.3, 2.0]]))


@pytest.fixture(scope="module")
def planted():
    sentences, groups = planted_sentences(n_sentences=50, length=10, seed=3)
    return Corpus(sentences, min_count=1, progress=False), groups


TINY = dict(dim=6, window=WINDOW, negative=NEGATIVE, sample=0)


def test_executor_counts_every_word_of_every_epoch(planted):
    corpus, _ = planted
    tokens, offsets = np.asarray(corpus.tokens), np.asarray(corpus.offsets)
    counts = corpus.vocab.counts
    sampler = Sampler.build(tokens, offsets, counts, window=WINDOW, negative=NEGATIVE,
                            layout=Layout(), sample=0, ns_exponent=0.75)
    jobs = epoch_jobs(offsets, make_jobs(offsets, 300), 2)
    rates = Schedule.linear(0.3, 0.03, [j.words for j in jobs]).rates
    n = len(counts)
    rng = np.random.default_rng(0)
    params = GaussianParams(rng.normal(0, 0.1, (n, 6)).astype(np.float32),
                            np.ones((n, 1), np.float32),
                            rng.normal(0, 0.1, (n, 6)).astype(np.float32),
                            np.ones((n, 1), np.float32))
    before = [a.copy() for a in params.arrays()]
    seen = []
    executor = G.CudaGaussian("cuda", MaxMarginLoss("el", 1.0, 5.0, 0.05, 4.0, 0.3),
                              chunk_words=40, launch_words=400)
    counters = executor.train(sampler, params, jobs, rates, seed=3,
                              report=lambda c: seen.append(c.words))
    assert counters.words == 2 * len(tokens) == seen[-1] and seen == sorted(seen)
    assert counters.launches == len(seen) > 1
    assert 0 < counters.active <= counters.terms and counters.pairs > 0
    assert np.isfinite(counters.loss) and 0 < counters.mean_loss < 1.5
    for name, a, b in zip(["mu", "var", "cmu", "cvar", "smu", "svar", "scmu", "scvar"], before,
                          params.arrays(), strict=True):
        assert not np.array_equal(a, b), f"{name} was not updated in place"
    assert (params.variances >= 0.05).all() and (params.variances <= 4.0).all()


def _train_first_600(planted, *, pause=None, **options):
    """Two epochs of the planted corpus's first 600 words in chunks of 40 and launches of
    150 words, from the same start: ``(counters, params)``; a call that ``pause`` stops
    is gone on with by a second call from where it stopped (the counters summed)."""
    corpus, _ = planted
    tokens = np.asarray(corpus.tokens)[:600]
    offsets = np.array([0, 250, len(tokens)])
    counts = np.bincount(tokens, minlength=len(corpus.vocab.counts)) + 1
    sampler = Sampler.build(tokens, offsets, counts, window=WINDOW, negative=NEGATIVE,
                            layout=Layout(), sample=0, ns_exponent=0.75)
    jobs = epoch_jobs(offsets, make_jobs(offsets, 300), 2)
    rates = Schedule.linear(0.3, 0.03, [j.words for j in jobs]).rates
    n = len(counts)
    rng = np.random.default_rng(0)
    params = GaussianParams(rng.normal(0, 0.1, (n, 6)).astype(np.float32),
                            np.ones((n, 1), np.float32),
                            rng.normal(0, 0.1, (n, 6)).astype(np.float32),
                            np.ones((n, 1), np.float32))
    executor = G.CudaGaussian("cuda", MaxMarginLoss("el", 1.0, 5.0, 0.05, 4.0, 0.3),
                              chunk_words=40, launch_words=150, **options)
    counters = executor.train(sampler, params, jobs, rates, seed=3, pause=pause)
    if counters.next_job < len(jobs):
        rest = executor.train(sampler, params, jobs, rates, seed=3, start=counters.next_job)
        for key in ("words", "examples", "pairs", "loss", "terms", "active"):
            setattr(rest, key, getattr(counters, key) + getattr(rest, key))
        counters = rest
    return counters, params


def _assert_same_training(one, other):
    (a, a_params), (b, b_params) = one, other
    for x, y in zip(a_params.arrays(), b_params.arrays(), strict=True):
        np.testing.assert_array_equal(x, y)
    assert (a.words, a.pairs, a.terms, a.loss) == (b.words, b.pairs, b.terms, b.loss)


def test_a_streamed_corpus_trains_as_a_resident_one(planted):
    # 200: each launch's tokens copied before it
    _assert_same_training(_train_first_600(planted, max_resident_words=200),
                          _train_first_600(planted))


def test_a_call_paused_between_launches_goes_on_from_there_as_if_never_paused(planted):
    """As for negative sampling: stopped before its second launch (inside the first
    epoch), then gone on with from there, the call trains what one call does."""
    asked = []

    def pause(job):
        asked.append(job)
        return len(asked) == 1

    whole = _train_first_600(planted)
    paused = _train_first_600(planted, pause=pause)
    assert asked[0].epoch == 0 and asked[0].index > 0
    assert paused[0].loss == pytest.approx(whole[0].loss, rel=1e-12)
    paused[0].loss = whole[0].loss  # summed in two parts: the last bits may differ
    _assert_same_training(paused, whole)


def test_fewer_warps_than_chunks_train_every_chunk_once(planted, monkeypatch):
    """concurrent_chunks, as for negative sampling: one warp (the simulator runs blocks
    in order) trains every chunk in a warp per chunk's order, bit for bit; three train
    every chunk once all the same."""
    wide = _train_first_600(planted)
    blocks = []
    monkeypatch.setattr(G, "launch_blocks", lambda *a: blocks.append(launch_blocks(*a))
                        or blocks[-1])
    _assert_same_training(_train_first_600(planted, concurrent_chunks=1), wide)
    assert set(blocks) == {1}  # launches of one warp, not one a chunk
    three, three_params = _train_first_600(planted, concurrent_chunks=3)
    assert max(blocks) == 3
    assert (three.words, three.pairs, three.examples) == (
        wide[0].words, wide[0].pairs, wide[0].examples)
    # the counters are per chunk, written again by a chunk trained twice: the means'
    # AdaGrad sums add every step's squared gradient, so such a chunk (3 % of them) shows
    np.testing.assert_allclose(three_params.mean_sums.sum(), wide[1].mean_sums.sum(),
                               rtol=0.01)
    with pytest.raises(ValueError, match="concurrent_chunks must be an integer >= 1"):
        G.CudaGaussian("cuda", MaxMarginLoss("el", 1.0, 5.0, 0.05, 4.0, 0.3),
                       concurrent_chunks=-1)
    loss = MaxMarginLoss("el", 1.0, 5.0, 0.05, 4.0, 0.3)
    assert G.CudaGaussian("cuda", loss).atomic is True  # no write lost by default
    assert G.CudaGaussian("cuda", loss, atomic=0).atomic is False
    with pytest.raises(ValueError, match="atomic must be True or False, got 'off'"):
        G.CudaGaussian("cuda", loss, atomic="off")


def test_a_model_trained_on_the_device_trains_saves_and_loads_on_the_cpu(planted, tmp_path):
    corpus, groups = planted
    model = GaussianSkipGram(epochs=2, device="cuda", progress=False, **TINY).fit(corpus)
    report = model.report_
    assert report.words == 2 * len(corpus.tokens) and report.pairs > 0
    cpu = GaussianSkipGram(epochs=2, progress=False, **TINY).fit(corpus).report_
    assert report.examples == cpu.examples > 0  # centres with a context, as the CPU counts
    assert report.epoch_loss[-1] < report.epoch_loss[0]
    vectors = model.vectors
    inside = np.mean([vectors.similarity(g[0], w) for g in groups for w in g[1:]])
    across = np.mean([vectors.similarity(g[0], h[1]) for g in groups for h in groups
                      if h is not g])
    assert inside > across + 0.3, (inside, across)
    model.save(tmp_path / "model")
    loaded = Model.load(tmp_path / "model")
    assert loaded.device == "cuda"  # a setting, not a need: loading needs no GPU
    np.testing.assert_array_equal(loaded.means_, model.means_)
    np.testing.assert_array_equal(loaded.variances_, model.variances_)
    near = [w for w, _ in loaded.vectors.most_similar(groups[1][0], topn=3)]
    assert all(w in groups[1] for w in near), near


def test_device_settings_are_checked_before_the_corpus_is_read(monkeypatch, tmp_path):
    from wordspace.cuda.device import NoCudaDevice

    missing = tmp_path / "no-such-corpus.txt"
    with pytest.raises(ValueError, match="device must be 'cpu', 'cuda' or 'cuda:N'"):
        GaussianSkipGram(device="gpu", **TINY).fit(missing)
    monkeypatch.setattr(cuda, "is_available", lambda: False)
    with pytest.raises(NoCudaDevice, match="there is none here"):
        GaussianSkipGram(device="cuda", **TINY).fit(missing)


def test_the_benchmark_function_trains_as_the_model_does():
    sentences, _ = planted_sentences(n_sentences=20, length=10, seed=6)
    corpus = Corpus(sentences, min_count=1, progress=False)
    settings = dict(TINY, covariance="spherical", energy="el", tied=False)
    model = GaussianSkipGram(epochs=2, seed=5, device="cuda", progress=False,
                             **settings).fit(corpus)
    seen = []
    counters, params = G.train_gaussian_on_device(
        corpus.tokens, corpus.offsets, corpus.vocab.counts, corpus.vocab.words,
        device="cuda", epochs=2, seed=5, report=lambda c: seen.append(c.words), **settings)
    assert counters.words == 2 * len(corpus.tokens) == seen[-1] == model.report_.words
    assert counters.pairs == model.report_.pairs and counters.active <= counters.terms
    # one warp at a time on the simulator: the same draws and steps, to the bit
    np.testing.assert_array_equal(params.means, model.means_)
    np.testing.assert_array_equal(params.context_variances, model.context_variances_)
