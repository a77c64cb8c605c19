"""The full softmax through PyTorch (:mod:`wordspace.cuda.softmax`): its step is the NumPy
step, a run through the driver is the CPU engine's run, ``SoftmaxSkipGram(device=...)``
checks the device before the corpus is read, and a model trained so saves and loads.

CI has no GPU: the torch path runs on the CPU (``TorchSoftmax("cpu")``), the same code
the GPU runs.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="PyTorch is not installed (pip install torch)")

from conftest import planted_sentences  # noqa: E402
from wordspace import Corpus, SoftmaxSkipGram  # noqa: E402
from wordspace.cuda.device import CudaNotInstalled, NoCudaDevice  # noqa: E402
from wordspace.cuda.softmax import (  # noqa: E402
    TorchSoftmax,
    _first_words,
    softmax_step,
    time_softmax_on_device,
    torch_device,
)
from wordspace.engine.layout import Layout  # noqa: E402
from wordspace.engine.params import VectorParams  # noqa: E402
from wordspace.losses import SoftmaxLoss  # noqa: E402
from wordspace.losses import softmax_step as numpy_step  # noqa: E402
from wordspace.models.base import Model  # noqa: E402
from wordspace.train import train  # noqa: E402

TINY = dict(dim=8, window=3, sample=0, alpha=0.1, progress=False)


@pytest.fixture(scope="module")
def small():
    sentences, groups = planted_sentences(n_sentences=150, length=10, seed=4)
    return Corpus(sentences, min_count=1, progress=False), groups


def initial(n: int, dim: int, seed: int = 1) -> VectorParams:
    rng = np.random.default_rng(seed)
    return VectorParams((rng.random((n, dim), dtype=np.float32) - 0.5) / dim,
                        (rng.random((n, dim), dtype=np.float32) - 0.5) / dim)


def test_the_torch_step_is_the_numpy_step():
    rng = np.random.default_rng(0)
    n_words, dim = 40, 8
    params = initial(n_words, dim)
    centres = np.array([3, 5, 3, 7, 1, 9, 3], np.int32)  # a centre twice in one batch
    sizes = np.array([2, 6, 1, 4, 3, 5, 6])
    ptr = np.concatenate([[0], np.cumsum(sizes)])
    contexts = rng.integers(0, n_words, ptr[-1]).astype(np.int32)
    contexts[:2] = 11  # a context twice in one window
    centre, context = params.inputs.copy(), params.outputs.copy()
    want = numpy_step(centre, context, centres, ptr, contexts, n_words, 0.2)

    t_centre, t_context = torch.tensor(params.inputs), torch.tensor(params.outputs)
    got = softmax_step(t_centre, t_context, torch.tensor(centres, dtype=torch.int64),
                       torch.tensor(sizes, dtype=torch.float32),
                       torch.tensor(np.repeat(np.arange(len(centres)), sizes)),
                       torch.tensor(contexts, dtype=torch.int64), 0.2)
    assert got.dtype == torch.float64
    assert float(got) == pytest.approx(want, rel=1e-6)
    np.testing.assert_allclose(t_centre.numpy(), centre, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(t_context.numpy(), context, rtol=1e-5, atol=1e-6)
    assert not np.allclose(centre, params.inputs) and not np.allclose(context, params.outputs)


class Recording:
    """A device executor that records the seeds the driver gives it."""

    def __init__(self, executor):
        self.executor, self.seeds = executor, []

    def train(self, sampler, params, jobs, rates, *, seed, report, **where):
        self.seeds.append(seed)
        return self.executor.train(sampler, params, jobs, rates, seed=seed, report=report,
                                   **where)


def test_a_run_through_the_driver_is_the_cpu_engines_run_with_one_worker(small):
    corpus, _ = small
    batch = 16
    walk = dict(layout=Layout(), window=3, negative=0, sample=0.0, ns_exponent=0.75,
                epochs=1, alpha=0.1, min_alpha=1e-5, job_words=300, progress=False)
    n, dim = len(corpus.vocab), 8
    device_params = initial(n, dim)
    executor = Recording(TorchSoftmax("cpu", batch, report_words=500))
    on_device = train(corpus, SoftmaxLoss(batch), device_params, workers=1, seed=3,
                      executor=executor, **walk)
    # the CPU engine's one worker samples from random_state(seed, 0), as the executor does
    cpu_params = initial(n, dim)
    on_cpu = train(corpus, SoftmaxLoss(batch), cpu_params, workers=1,
                   seed=executor.seeds[0], **walk)
    assert on_device.words == on_cpu.words == len(corpus.tokens)
    assert on_device.pairs == on_cpu.pairs > 0
    assert on_device.epoch_loss == pytest.approx(on_cpu.epoch_loss, rel=1e-5)
    np.testing.assert_allclose(device_params.inputs, cpu_params.inputs, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(device_params.outputs, cpu_params.outputs, rtol=1e-4,
                               atol=1e-5)
    assert not np.allclose(device_params.inputs, initial(n, dim).inputs)


def test_a_device_run_checkpoints_and_stops_inside_epochs_and_resumes_bit_for_bit(
        small, tmp_path, monkeypatch):
    """A device run pauses where the CPU's would, at the executor's next job boundary,
    not only at epoch ends: with a checkpoint due at every boundary, one is written
    before every job but the first, and the meter counts what it would without them
    (the words, pairs and loss at each job, at its learning rate); a stop asked inside
    the first epoch (as SIGTERM's handler asks) stops there with a checkpoint, and the
    same call resumes from it to the uninterrupted run's parameters, bit for bit."""
    from wordspace.engine.checkpoint import Checkpointer, Every
    from wordspace.engine.meter import Meter
    from wordspace.engine.sampler import Sampler
    from wordspace.train import TrainingStopped, request_stop

    corpus, _ = small
    walk = dict(layout=Layout(), window=3, negative=0, sample=0.0, ns_exponent=0.75,
                epochs=2, alpha=0.1, min_alpha=1e-5, job_words=300, progress=False)
    n, per_epoch = len(corpus.vocab), 5  # jobs of 300 of the corpus's 1,500 words
    metered = []
    add = Meter.add
    monkeypatch.setattr(Meter, "add", lambda self, **counts: metered.append(counts)
                        or add(self, **counts))

    def run(executor, **checkpointing):
        params = initial(n, 8)
        metered.clear()
        report = train(corpus, SoftmaxLoss(16), params, workers=1, seed=3,
                       executor=executor, **walk, **checkpointing)
        return params, report, [m for m in metered if m["words"]]  # not the end's repeat

    whole, whole_report, whole_metered = run(TorchSoftmax("cpu", 16, report_words=1))
    assert len(whole_metered) == 2 * per_epoch  # a report after every job
    written = []
    write = Checkpointer.write
    monkeypatch.setattr(Checkpointer, "write",
                        lambda self, c: written.append(c.position) or write(self, c))
    sampled = []
    sample = Sampler.sample
    monkeypatch.setattr(Sampler, "sample", lambda self, job, *rest: sampled.append(job.index)
                        or sample(self, job, *rest))
    every, report, every_metered = run(TorchSoftmax("cpu", 16, report_words=1),
                                       checkpoint=tmp_path / "every",
                                       checkpoint_every=Every(seconds=0))
    assert written == list(range(1, 2 * per_epoch))  # the end: the model, not a checkpoint
    # each call went on from the state it paused with: no job's draws replayed
    assert sampled == list(range(2 * per_epoch))
    np.testing.assert_array_equal(every.inputs, whole.inputs)
    assert every_metered == whole_metered  # each job's counts at its own learning rate
    assert (report.words, report.pairs, report.examples, report.epoch_loss) == (
        whole_report.words, whole_report.pairs, whole_report.examples,
        whole_report.epoch_loss)

    class StopsInside:  # asks for the stop once 2 jobs are done
        def train(self, *args, report, **where):
            def asking(counters):
                if counters.words >= 600:
                    request_stop()
                report(counters)
            return TorchSoftmax("cpu", 16, report_words=1).train(*args, report=asking,
                                                                 **where)

    path = tmp_path / "stopped"
    written.clear()
    with pytest.raises(TrainingStopped, match=r"before job 3 of 10 \(20 % of the run\)"):
        run(StopsInside(), checkpoint=path, checkpoint_every=Every(epochs=1))
    assert written == [2]
    resumed, report, _ = run(TorchSoftmax("cpu", 16), checkpoint=path)
    assert report.words == whole_report.words  # those before the stop counted once
    np.testing.assert_array_equal(resumed.inputs, whole.inputs)
    np.testing.assert_array_equal(resumed.outputs, whole.outputs)


def test_a_paused_state_serves_only_the_call_that_goes_on_from_it(small):
    """The executor keeps the random state it paused with for the call that goes on from
    there; a call on another sampler, or over other jobs, from the same place and seed
    draws what a fresh executor's does."""
    from wordspace.engine.jobs import epoch_jobs, make_jobs
    from wordspace.engine.sampler import Sampler

    corpus, _ = small
    n = len(corpus.vocab)

    def build(window):
        return Sampler.build(corpus.tokens, corpus.offsets, corpus.vocab.counts,
                             window=window, negative=0, layout=Layout(), sample=0.0,
                             ns_exponent=0.75)

    jobs = epoch_jobs(corpus.offsets, make_jobs(corpus.offsets, 300), 1)
    other_jobs = epoch_jobs(corpus.offsets, make_jobs(corpus.offsets, 200), 1)
    paused_on = build(3)
    for sampler, calls in ((build(2), jobs), (paused_on, other_jobs)):
        executor = TorchSoftmax("cpu", 8)
        executor.train(paused_on, initial(n, 8), jobs, [0.05] * len(jobs), seed=1,
                       pause=lambda job: job.index == 2)  # saves its state at job 2
        reused, fresh = initial(n, 8), initial(n, 8)
        executor.train(sampler, reused, calls, [0.05] * len(calls), seed=1, start=2)
        TorchSoftmax("cpu", 8).train(sampler, fresh, calls, [0.05] * len(calls), seed=1,
                                     start=2)
        np.testing.assert_array_equal(reused.inputs, fresh.inputs)


def test_the_executor_reports_cumulative_counters_and_raises_on_divergence(small):
    corpus, _ = small
    from wordspace.engine.jobs import epoch_jobs, make_jobs
    from wordspace.engine.sampler import Sampler

    sampler = Sampler.build(corpus.tokens, corpus.offsets, corpus.vocab.counts, window=3,
                            negative=0, layout=Layout(), sample=0.0, ns_exponent=0.75)
    jobs = epoch_jobs(corpus.offsets, make_jobs(corpus.offsets, 200), 1)
    seen = []
    executor = TorchSoftmax("cpu", 8, report_words=400)
    counters = executor.train(sampler, initial(len(corpus.vocab), 8), jobs,
                              [0.05] * len(jobs), seed=1,
                              report=lambda c: seen.append((c.words, c.terms, c.loss)))
    assert counters.words == len(corpus.tokens) and counters.terms == counters.pairs > 0
    assert len(seen) >= 3 and seen[-1] == (counters.words, counters.terms, counters.loss)
    assert all(a[0] < b[0] and a[2] < b[2] for a, b in zip(seen, seen[1:], strict=False))
    assert counters.mean_loss == pytest.approx(counters.loss / counters.terms)
    with pytest.raises(FloatingPointError, match="training diverged on cpu"):
        executor.train(sampler, initial(len(corpus.vocab), 8), jobs, [1e30] * len(jobs),
                       seed=1)
    with pytest.raises(NotImplementedError, match="Layout"):
        executor.train(Sampler.build(corpus.tokens, corpus.offsets, corpus.vocab.counts,
                                     window=3, negative=2, layout=Layout(), sample=0.0,
                                     ns_exponent=0.75),
                       initial(len(corpus.vocab), 8), jobs, [0.05] * len(jobs), seed=1)


def on_torch_cpu(monkeypatch, batch: int) -> None:
    """Make ``SoftmaxSkipGram(device="cuda")`` train through ``TorchSoftmax("cpu")``."""
    monkeypatch.setattr(SoftmaxSkipGram, "_check_resources", lambda self, update=False: None)
    monkeypatch.setattr(SoftmaxSkipGram, "_device_executor",
                        lambda self: TorchSoftmax("cpu", batch))


def test_a_model_trained_through_torch_saves_loads_and_answers_on_the_cpu(
        small, monkeypatch, tmp_path):
    corpus, groups = small
    on_torch_cpu(monkeypatch, batch=16)
    model = SoftmaxSkipGram(epochs=3, batch=16, device="cuda", **TINY).fit(corpus)
    cpu = SoftmaxSkipGram(epochs=3, batch=16, **TINY).fit(corpus)
    report = model.report_
    assert report.words == 3 * len(corpus.tokens) and report.pairs == cpu.report_.pairs
    assert report.examples == cpu.report_.examples > 0
    assert report.epoch_loss[-1] < report.epoch_loss[0]
    # other random windows than the CPU's, the same objective: about the same loss
    assert report.epoch_loss == pytest.approx(cpu.report_.epoch_loss, rel=0.05)
    model.save(tmp_path / "model")
    loaded = Model.load(tmp_path / "model")  # device="cuda" is a setting, not a need
    assert isinstance(loaded, SoftmaxSkipGram) and loaded.device == "cuda"
    np.testing.assert_array_equal(loaded.centre_vectors_, model.centre_vectors_)
    np.testing.assert_array_equal(loaded.context_vectors_, model.context_vectors_)
    near = [w for w, _ in loaded.vectors.most_similar(groups[0][0], topn=3)]
    assert all(w in groups[0] for w in near), near


def test_device_errors_come_before_the_corpus_is_read(monkeypatch, tmp_path):
    missing = tmp_path / "no-such-corpus.txt"
    with pytest.raises(ValueError, match="device must be 'cpu', 'cuda' or 'cuda:N'"):
        SoftmaxSkipGram(device="gpu", **TINY).fit(missing)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(NoCudaDevice, match="PyTorch .* sees none here"):
        SoftmaxSkipGram(device="cuda", **TINY).fit(missing)
    with pytest.raises(NoCudaDevice, match="sees none here"):
        TorchSoftmax("cuda:0")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    with pytest.raises(NoCudaDevice, match=r"only 1 device\(s\) is visible"):
        SoftmaxSkipGram(device="cuda:2", **TINY).fit(missing)
    monkeypatch.setitem(sys.modules, "torch", None)  # torch not installed
    with pytest.raises(CudaNotInstalled, match="pip install torch"):
        SoftmaxSkipGram(device="cuda", **TINY).fit(missing)
    assert SoftmaxSkipGram(device="cpu", **TINY).device == "cpu"  # nothing checked on cpu


def test_the_cpu_device_and_batch_are_checked():
    assert torch_device("cpu") == torch.device("cpu")
    with pytest.raises(ValueError, match="batch must be at least 1"):
        TorchSoftmax("cpu", 0)
    assert SoftmaxSkipGram(device="cuda").get_params()["device"] == "cuda"
    assert SoftmaxSkipGram()._device_executor() is None


def test_the_benchmark_times_an_epoch_on_the_first_words(small):
    corpus, _ = small
    tokens, offsets, counts = _first_words(corpus.tokens, corpus.offsets, 1000, 3)
    head = [corpus.vocab.words[t] for t in np.asarray(corpus.tokens)[:1000]]
    want = Corpus([head], min_count=3, progress=False)  # what the CPU benchmark encodes
    assert len(counts) == len(want.vocab) and sorted(counts) == sorted(want.vocab.counts)
    assert len(tokens) == len(want.tokens) and offsets[0] == 0 and offsets[-1] == len(tokens)
    assert np.all(np.diff(offsets) > 0) and tokens.max() == len(counts) - 1
    seen = []
    speed, loss = time_softmax_on_device(corpus.tokens, corpus.offsets, corpus.vocab.counts,
                                         device="cpu", words=1000, dim=8, min_count=3, sample=0,
                                         batch=64, report=seen.append)
    assert speed > 0 and np.isfinite(loss) and 0 < loss < np.log(len(counts))  # it learnt
    assert seen and seen[-1].words == len(tokens)
    _, loss = time_softmax_on_device(corpus.tokens, corpus.offsets, corpus.vocab.counts,
                                     device="cpu", words=1000, dim=8, min_count=3, batch=64,
                                     sample=0, alpha=1e30)
    assert np.isnan(loss)  # diverged: a NaN loss, not an exception
