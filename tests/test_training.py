"""The training driver: every word of every epoch trained, reproducibility, recovery of
planted structure, and parameter validation."""

from __future__ import annotations

import time

import numpy as np
import pytest

from wordspace import CBOW, Corpus, FastText, GaussianSkipGram, SkipGram
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
    ("alpha", float("inf"), "alpha must be a finite number, got inf"),
    ("sample", float("inf"), "sample must be a finite number"),
    ("workers", 0, "workers must be an integer >= 1"),
    ("min_alpha", 1.0, "min_alpha must be >= 0.0 and <= 0.025"),
])
def test_invalid_parameters_are_refused_before_any_work(param, value, message):
    with pytest.raises(ValueError, match=message):
        SkipGram(**{param: value}).fit(object())  # object(): no corpus, never read
    model = SkipGram()
    setattr(model, param, value)  # changed after construction: fit still checks first
    with pytest.raises(ValueError, match=message):
        model.fit(object())


# -- the engine's contracts: schedule, runner, meter ---------------------------------------
def test_the_learning_rate_is_a_pure_function_of_the_job_index():
    from wordspace.engine.schedule import Schedule

    sizes = [10, 30, 20, 40]
    schedule = Schedule.linear(0.1, 0.001, sizes)
    started = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    np.testing.assert_allclose(schedule.rates, 0.1 - 0.099 * started / 100, rtol=1e-12)
    assert schedule.rate(0) == 0.1 and len(schedule) == 4
    assert all(a > b for a, b in zip(schedule.rates, schedule.rates[1:], strict=False))


class InOrder:
    """A runner of one lane in the calling thread: what any executor must match."""

    workers = 1

    def __init__(self):
        self.seen = []

    def run(self, jobs, worker, monitor=None, pauses=None):
        assert pauses is None  # nothing pauses this run (no checkpoint, no callback)
        step = worker(0)
        for job in jobs:
            self.seen.append(job.index)
            step(job)


def test_a_runner_plugs_in_without_touching_models_or_losses(planted):
    from wordspace.engine.params import VectorParams
    from wordspace.losses import NegativeSamplingLoss
    from wordspace.train import train

    sentences, _ = planted
    corpus = Corpus(sentences, min_count=1)
    model = SkipGram(dim=10, epochs=2, workers=1, seed=7, progress=False).fit(corpus)
    rng = np.random.default_rng(7)  # the model's initialisation
    params = VectorParams((rng.random((len(corpus.vocab), 10), dtype=np.float32) - 0.5) / 10,
                          np.zeros((len(corpus.vocab), 10), np.float32))
    runner = InOrder()
    report = train(corpus, NegativeSamplingLoss(), params, layout=model._layout(), window=5,
                   negative=5, sample=1e-4,
                   ns_exponent=0.75, epochs=2, alpha=0.025, min_alpha=0.025 * 1e-4,
                   workers=1, seed=7, progress=False, runner=runner)
    assert runner.seen == list(range(len(runner.seen)))  # every job once, in order
    np.testing.assert_array_equal(params.inputs, model.input_vectors_)
    np.testing.assert_array_equal(params.outputs, model.output_vectors_)
    assert report.words == model.report_.words and report.pairs == model.report_.pairs
    assert report.epoch_loss == model.report_.epoch_loss


def test_the_thread_runner_runs_every_job_once_and_raises_the_first_failure():
    import threading

    from wordspace.engine.jobs import Job
    from wordspace.engine.runner import ThreadRunner

    jobs = [Job(i, i + 1, index=i) for i in range(200)]
    done, lock = [], threading.Lock()

    def worker(_):
        def step(job):
            with lock:
                done.append(job.index)
        return step

    ThreadRunner(3).run(jobs, worker)
    assert sorted(done) == list(range(200))

    def failing(_):
        def step(job):
            if job.index == 5:
                raise KeyError("job 5")
        return step

    with pytest.raises(KeyError, match="job 5"):
        ThreadRunner(2).run(jobs, failing)


@pytest.mark.parametrize("make", [
    lambda: SkipGram(dim=8, epochs=1, workers=1, progress=False),
    lambda: CBOW(dim=8, epochs=1, workers=1, progress=False),
    lambda: SkipGram(dim=8, epochs=1, workers=1, hs=True, negative=0, progress=False),
    lambda: FastText(dim=8, epochs=1, workers=1, bucket=500, progress=False),
    lambda: GaussianSkipGram(dim=8, epochs=1, workers=1, progress=False),
])
def test_compiling_is_done_before_the_clock_starts_and_changes_nothing(make, monkeypatch):
    """The training time (words/s) is training's: the walk and the update are compiled
    before the clock starts (a first run counted 10-30 s of Numba's compilation, its
    bar frozen at 0 words/s), and compiling them touches no parameter and no random
    state: the vectors are those of a run that did not (same seed, one worker)."""
    from conftest import planted_sentences
    from helpers import same_parameters
    from wordspace import train as driver

    corpus = Corpus(planted_sentences(n_sentences=300)[0], min_count=1, progress=False)
    before = make().fit(corpus)
    real, compiled = driver._compile, []

    def slow(*args, **kwargs):  # as if compiling anew took a second
        real(*args, **kwargs)
        compiled.append(True)
        time.sleep(1.0)

    monkeypatch.setattr(driver, "_compile", slow)
    model = make().fit(corpus)
    assert compiled and model.report_.seconds < 0.9
    assert same_parameters(model, before)
    monkeypatch.setattr(driver, "_compile", lambda *args, **kwargs: None)
    assert same_parameters(make().fit(corpus), before)  # compiled or not, the same


@pytest.mark.parametrize("bags", [
    [[[1], [2]], [[3]]],  # one row a bag (skip-gram's windows)
    [[[1, 2, 3]], [[2, 4]]],  # one bag of several rows an example (CBOW's)
    [[[1, 2], [3]], [[4]]],  # any
])
@pytest.mark.parametrize("hierarchical", [False, True])
def test_compiling_an_update_runs_its_own_kernel_on_no_example(bags, hierarchical,
                                                               monkeypatch):
    """Loss.compile asks for the kernel specialisation the update of the same examples
    runs (a CBOW job's differs from skip-gram's: compiled otherwise, a first run's
    clock counted CBOW's compilation), and touches no parameter."""
    from wordspace.engine.layout import Examples
    from wordspace.engine.params import VectorParams
    from wordspace.huffman import HuffmanTree
    from wordspace.kernels import sgns
    from wordspace.losses import HierarchicalSoftmaxLoss, NegativeSamplingLoss

    name = "hierarchical_softmax_kernel" if hierarchical else "negative_sampling_kernel"
    real, asked = getattr(sgns, name), []

    def recorded(*key):
        asked.append(key)
        return real(*key)

    monkeypatch.setattr(sgns, name, recorded)
    loss = HierarchicalSoftmaxLoss(HuffmanTree.build(np.arange(8, 0, -1))) if hierarchical \
        else NegativeSamplingLoss()
    rng = np.random.default_rng(0)
    params = VectorParams(rng.normal(size=(8, 4)).astype(np.float32),
                          rng.normal(size=(8, 4)).astype(np.float32))
    examples = Examples.from_lists([0, 5], bags, [[6, 7], [7, 6]])
    scratch = loss.scratch(params, 2, 4)
    before = [params.inputs.copy(), params.outputs.copy()]
    loss.compile(params, examples, scratch)
    assert np.array_equal(params.inputs, before[0])
    assert np.array_equal(params.outputs, before[1])
    loss.update(params, examples, 0.1, scratch)
    assert len(asked) == 2 and asked[0] == asked[1]
    assert not np.array_equal(params.inputs, before[0])  # the update did train


@pytest.mark.parametrize("progress", [True, False])
def test_a_long_compilation_is_said_where_the_bar_would_be(progress, monkeypatch, capsys):
    """A first run compiles for 10-30 s before its bar appears: said on standard error
    when it takes long (and the bar is on), so the run does not look stuck."""
    from conftest import planted_sentences
    from wordspace import train as driver
    from wordspace.losses import NegativeSamplingLoss

    real = NegativeSamplingLoss.compile

    def slow(self, *args):
        time.sleep(0.5)
        real(self, *args)

    monkeypatch.setattr(NegativeSamplingLoss, "compile", slow)
    monkeypatch.setattr(driver, "COMPILE_NOTICE_SECONDS", 0.05)
    corpus = Corpus(planted_sentences(n_sentences=100)[0], min_count=1, progress=False)
    SkipGram(dim=8, epochs=1, workers=1, progress=progress).fit(corpus)
    said = "compiling the training kernels (once; later runs load them from the cache)"
    assert (said in capsys.readouterr().err) is progress
