"""The exact full softmax on a GPU, through PyTorch's dense matrix products (cuBLAS).

:class:`SoftmaxLoss <wordspace.losses.SoftmaxLoss>` is bound by ``batch x vocabulary x
dim`` products, which a GPU does hundreds of times faster than a CPU's BLAS; nothing in
it needs a hand-written kernel. :class:`TorchSoftmax` is a
:class:`~wordspace.train.DeviceExecutor` for it:

* sampling stays on the CPU: the engine's :class:`~wordspace.engine.sampler.Sampler`
  walks each job into :class:`~wordspace.engine.layout.Examples` (a job of 10 k words in
  about a millisecond, far less than the device's work on it), from one random state
  (:func:`~wordspace.engine.sampler.random_state` ``(seed, 0)``), as one CPU worker does;
* both matrices are copied to the device once per call and back at its end;
* each job's centres are stepped ``batch`` at a time at the job's learning rate by
  :func:`softmax_step`, the same step and loss as :func:`wordspace.losses.softmax_step`
  (float32, the loss summed in float64);
* the loss stays on the device and is read back every ``report_words`` words (a read
  waits for the device), when ``report`` is called and a non-finite loss raises
  ``FloatingPointError``.

PyTorch is an optional dependency (``pip install torch``), imported only when used.
``device="cpu"`` runs the same code on the CPU: the tests compare it with the NumPy step.
"""

from __future__ import annotations

import contextlib
import importlib
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from wordspace.cuda.device import CudaNotInstalled, NoCudaDevice, parse_device
from wordspace.cuda.executor import CudaReport, check_count, check_start
from wordspace.engine.layout import Layout
from wordspace.engine.sampler import random_state

__all__ = ["DEVICE_BATCH", "SoftmaxReport", "TorchSoftmax", "import_torch", "softmax_step",
           "time_softmax_on_device", "torch_device"]

#: centre words per step on the device: a GPU needs large products to be busy
DEVICE_BATCH = 1024
#: words between two reads of the loss (each read waits for the device to finish)
REPORT_WORDS = 1_000_000
#: the share of the device's free memory one call may plan to use
DEVICE_MEMORY_SHARE = 0.8


def import_torch():
    """``torch``, or :class:`~wordspace.cuda.device.CudaNotInstalled` saying how to
    install it."""
    try:
        return importlib.import_module("torch")
    except ImportError as error:
        raise CudaNotInstalled(
            "the full softmax on a GPU needs PyTorch (pip install torch, a build with "
            f"CUDA): importing torch failed: {error}") from error


def torch_device(device: str):
    """The ``torch.device`` that ``device`` names: ``"cuda"`` / ``"cuda:N"``, checked
    to exist (:class:`~wordspace.cuda.device.NoCudaDevice` saying what is missing), or
    ``"cpu"`` (the same code on the CPU, for tests)."""
    torch = import_torch()
    if str(device).strip().lower() == "cpu":
        return torch.device("cpu")
    index = parse_device(device)  # "cuda" or "cuda:N", or a ValueError saying so
    if not torch.cuda.is_available():
        build = "a CPU-only build" if torch.version.cuda is None else \
            f"built for CUDA {torch.version.cuda}"
        raise NoCudaDevice(
            f"device={device!r} asks for a CUDA GPU, but PyTorch (torch "
            f"{torch.__version__}, {build}) sees none here (no NVIDIA driver, no device "
            "visible to it, or a torch without CUDA: pip install torch with CUDA); "
            "use device='cpu' (--device cpu)")
    count = torch.cuda.device_count()
    if not 0 <= index < count:
        raise NoCudaDevice(
            f"device={device!r} asks for CUDA device {index}, but only {count} "
            f"device(s) {'is' if count == 1 else 'are'} visible (cuda:0 .. cuda:{count - 1})")
    return torch.device("cuda", index)


def softmax_step(centre_vectors, context_vectors, centres, sizes, rows, contexts, lr):
    """One step on a batch of windows, on torch tensors: the step of
    :func:`wordspace.losses.softmax_step` (see :class:`~wordspace.losses.SoftmaxLoss`).

    ``centres`` (B, int64) are the windows' centre rows, ``sizes`` (B, float32) their
    numbers of contexts ``m``, and context ``j`` is word ``contexts[j]`` of window
    ``rows[j]`` (both int64). Updates both matrices in place; returns the batch's summed
    loss, a float64 tensor on the device (reading it waits for the device)."""
    hidden = centre_vectors[centres]                          # B x d
    logits = hidden @ context_vectors.T                       # B x V
    target = logits[rows, contexts].double().sum()            # sum_j u_{o_j} . v_c
    log_norm = logits.logsumexp(dim=1)                        # B, stably
    loss = (sizes.double() * log_norm.double()).sum() - target
    # dL/dlogits = m * softmax - counts, in place of the logits
    grad = logits.sub_(log_norm[:, None]).exp_().mul_(sizes[:, None])
    grad.index_put_((rows, contexts), grad.new_full(contexts.shape, -1.0), accumulate=True)
    grad_hidden = grad @ context_vectors                      # B x d, before U moves
    context_vectors.addmm_(grad.T, hidden, alpha=-lr)         # U -= lr G^T H
    centre_vectors.index_add_(0, centres, grad_hidden / sizes[:, None], alpha=-lr)
    return loss


@dataclass
class SoftmaxReport(CudaReport):
    """:class:`~wordspace.cuda.executor.CudaReport` for the full softmax: the ``loss``
    (``-log p``) is summed over ``terms`` pairs (every pair; ``active`` is the same), and
    centre words are stepped ``batch`` at a time, ``steps`` times."""

    active: int = 0
    steps: int = 0


class TorchSoftmax:
    """The full softmax (:class:`~wordspace.losses.SoftmaxLoss`) trained on a device
    with PyTorch: a :class:`~wordspace.train.DeviceExecutor`.

    ``device``: ``"cuda"`` or ``"cuda:N"`` (checked at once: a clear error where torch
    or the device is missing), or ``"cpu"``. ``batch``: centre words per step (default
    :data:`DEVICE_BATCH`; the CPU's 32 leaves a GPU idle). As on the CPU the batch's
    gradients are summed on the context rows, so a larger batch takes larger steps on
    the frequent words' rows: lower ``alpha`` if training diverges. ``report_words``:
    words between two reports (and checks of the loss).
    """

    def __init__(self, device: str = "cuda", batch: int = DEVICE_BATCH, *,
                 report_words: int = REPORT_WORDS):
        if int(batch) < 1:
            raise ValueError(f"batch must be at least 1, got {batch}")
        self.torch = import_torch()
        self.device = torch_device(device)
        self.batch = int(batch)
        self.report_words = check_count("report_words", report_words)
        # where the last call paused: (its sampler, seed, the jobs up to the next one) and
        # the random state there, so the call going on need not replay the draws before
        self._paused: tuple | None = None

    def check_memory(self, n_words: int, dim: int) -> None:
        """Refuse, with the numbers, when a step's dense matrices and the parameters
        would not fit in the device's free memory (on a GPU)."""
        if self.device.type != "cuda":
            return
        need = 4 * (3 * self.batch * n_words + 3 * n_words * dim)
        free, _ = self.torch.cuda.mem_get_info(self.device)
        if need > DEVICE_MEMORY_SHARE * free:
            raise MemoryError(
                f"the full softmax on {self.device} needs about {need / 2**30:.1f} GiB "
                f"(batch {self.batch} x {n_words:,} words x 3 dense float32 arrays, plus "
                f"the {dim}-d parameters) and {free / 2**30:.1f} GiB is free: lower batch")

    def _to_device(self, array: np.ndarray):
        """``array`` as a tensor on the device; to a GPU through pinned memory without
        waiting (PyTorch keeps the pinned block until the copy is done), so the CPU
        samples the next job while the device steps this one."""
        tensor = self.torch.from_numpy(array)
        if self.device.type != "cuda":
            return tensor
        return tensor.pin_memory().to(self.device, non_blocking=True)

    def train(self, sampler, params, jobs: Sequence, rates: Sequence[float], *,
              seed: int = 1, report: Callable[[SoftmaxReport], None] | None = None,
              start: int = 0, pause: Callable[[object], bool] | None = None
              ) -> SoftmaxReport:
        """Train ``params`` (a :class:`~wordspace.engine.params.VectorParams`: inputs the
        centre vectors, outputs the context vectors; updated in place by the time this
        returns) over ``jobs[start:]`` at ``rates`` (one per job), sampled by ``sampler``
        from ``random_state(seed, 0)``: every job draws what it would in a call from the
        first, so a call from ``start`` goes on from the random state this executor
        paused with there, or (another executor: a resumed run) samples the jobs before
        ``start`` without training them.
        ``report(counters)`` is called every ``report_words`` words and at the end.
        ``pause(job)``, asked before each job but the first, stops the call there when
        it says True (``counters.next_job`` is that job's index). Returns the final
        counters."""
        start = check_start(start, jobs)
        if len(rates) != len(jobs):
            raise ValueError(f"{len(rates)} rates for {len(jobs)} jobs: one a job")
        torch, device = self.torch, self.device
        if sampler.layout != Layout() or sampler.tagged or sampler.negative:
            raise NotImplementedError(
                "the full softmax on a device trains skip-gram windows (Layout(), no "
                "sentence rows, no negatives), not this sampler's")
        n_words, dim = params.outputs.shape
        self.check_memory(n_words, dim)
        counters = SoftmaxReport()
        start_time = time.perf_counter()
        centre_vectors = torch.tensor(params.inputs, dtype=torch.float32, device=device)
        context_vectors = torch.tensor(params.outputs, dtype=torch.float32, device=device)
        loss = torch.zeros((), dtype=torch.float64, device=device)
        largest = max((job.words for job in jobs), default=0)
        examples = sampler.examples(largest, largest * 2 * sampler.window)
        state = random_state(seed, 0)
        reported = 0

        def publish() -> None:
            counters.loss = float(loss)  # waits for the device
            counters.seconds = time.perf_counter() - start_time
            if not math.isfinite(counters.loss):
                raise FloatingPointError(
                    f"training diverged on {device}: the loss is {counters.loss} after "
                    f"{counters.words:,} words (lower alpha, or batch)")
            if report is not None:
                report(counters)

        where = (id(sampler), seed, tuple(jobs[:start + 1])) if start < len(jobs) else None
        if self._paused is not None and self._paused[0] == where:
            state = self._paused[1].copy()  # the state this executor paused with
        else:
            for job in jobs[:start]:  # each job's draws follow the jobs' before it
                sampler.sample(job, state, examples)
        self._paused = None
        counters.next_job = len(jobs)
        for i in range(start, len(jobs)):
            job, lr = jobs[i], rates[i]
            if i > start and pause is not None and pause(job):
                counters.next_job = i
                self._paused = ((id(sampler), seed, tuple(jobs[:i + 1])), state.copy())
                break
            sampler.sample(job, state, examples)
            n = examples.n_examples
            # one-row bags: example e's context words are rows[ptr[e]:ptr[e + 1]]
            ptr = examples.row_ptr[examples.bag_ptr[:n + 1]]
            count = int(ptr[n])
            sizes = np.diff(ptr)
            packed = self._to_device(np.concatenate([
                examples.centres[:n], sizes, examples.rows[:count],
                np.repeat(np.arange(n), sizes)], dtype=np.int64))
            centres, sizes = packed[:n], packed[n:2 * n].float()
            contexts, windows = packed[2 * n:2 * n + count], packed[2 * n + count:]
            for first in range(0, n, self.batch):
                stop = min(first + self.batch, n)
                part = slice(int(ptr[first]), int(ptr[stop]))
                loss += softmax_step(centre_vectors, context_vectors, centres[first:stop],
                                     sizes[first:stop], windows[part] - first,
                                     contexts[part], float(lr))
                counters.steps += 1
            counters.words += job.words
            counters.examples += examples.n_examples
            counters.pairs += examples.n_contexts
            counters.terms = counters.active = counters.pairs
            if counters.words - reported >= self.report_words:
                reported = counters.words
                publish()
        publish()
        params.inputs[...] = centre_vectors.cpu().numpy()
        params.outputs[...] = context_vectors.cpu().numpy()
        counters.seconds = time.perf_counter() - start_time
        return counters


def _first_words(tokens: np.ndarray, offsets: np.ndarray, words: int, min_count: int):
    """The corpus's first ``words`` tokens (sentences cut there), its words seen at least
    ``min_count`` times in them renumbered most frequent first and the rest dropped, as
    ``Corpus(first words, min_count=...)`` encodes them: ``(tokens, offsets, counts)``."""
    tokens = np.asarray(tokens)[:words].astype(np.int64)
    offsets = np.minimum(np.asarray(offsets, np.int64), len(tokens))
    seen = np.bincount(tokens, minlength=1) if len(tokens) else np.zeros(1, np.int64)
    order = np.argsort(-seen, kind="stable")
    order = order[seen[order] >= min_count]
    new_id = np.full(len(seen), -1, np.int64)
    new_id[order] = np.arange(len(order))
    mapped = new_id[tokens]
    kept = mapped >= 0
    before = np.concatenate([[0], np.cumsum(kept)])  # kept tokens before each position
    new_offsets = np.unique(before[offsets])
    if new_offsets[0] != 0:
        new_offsets = np.concatenate([[0], new_offsets])
    return mapped[kept].astype(np.int32), new_offsets, seen[order]


def time_softmax_on_device(tokens, offsets, counts, *, device: str, words: int = 2_000_000,
                           dim: int = 100, window: int = 5, seed: int = 1,
                           sample: float = 1e-4, min_count: int = 5, alpha: float = 0.1,
                           batch: int = DEVICE_BATCH, job_words: int = 10_000,
                           report: Callable[[SoftmaxReport], None] | None = None
                           ) -> tuple[float, float]:
    """Time one epoch of the full softmax on ``device`` over the first ``words`` words of
    an encoded corpus (``tokens``, ``offsets``; ``counts`` is accepted for the caller's
    convenience and not needed: the vocabulary is re-derived), as
    ``bench/softmax_vs_sgns.py --epochs 1`` trains it on the CPU: the first 2 M words,
    min_count 5 counted on them (21,226 words of text8), dim 100, window 5, sample 1e-4,
    alpha 0.1 decayed linearly to ``alpha * 1e-4``, jobs of 10 k words. Compare with the
    CPU's 8.4 k words/s (docs/benchmarks.md, "Full softmax against negative sampling",
    one epoch; the bar is 50x: 420 k words/s).

    Returns ``(words_per_second, mean loss per pair)``; the seconds include copying the
    matrices to the device and back, and exclude a short warm-up run (CUDA context,
    cuBLAS handles) on the first job. A run that diverges returns its speed up to its
    last report (NaN before any) and a NaN loss. The CPU figure is at batch 32; a larger
    ``batch`` keeps a GPU busier but its summed steps on the context rows are larger: on
    these 2 M words (torch on a CPU) batch 1024 at alpha 0.1 and at 0.05, and batch 256
    at 0.1, each diverged within the first 1 M words; batch 32 at 0.1 is the CPU's
    stable setting.
    """
    from wordspace.engine.jobs import epoch_jobs, make_jobs
    from wordspace.engine.params import VectorParams
    from wordspace.engine.sampler import Sampler
    from wordspace.engine.schedule import Schedule

    del counts  # the first words' own counts decide the vocabulary and subsampling
    tokens, offsets, counts = _first_words(tokens, offsets, words, min_count)
    n = len(counts)
    sampler = Sampler.build(tokens, offsets, counts, window=window, negative=0,
                            layout=Layout(), sample=sample, ns_exponent=0.75)
    jobs = epoch_jobs(offsets, make_jobs(offsets, job_words), 1)
    rates = Schedule.linear(alpha, alpha * 1e-4, [job.words for job in jobs]).rates
    executor = TorchSoftmax(device, batch, report_words=100_000)  # 20 reads in 2 M words

    def fresh() -> VectorParams:
        rng = np.random.default_rng(seed)
        return VectorParams((rng.random((n, dim), dtype=np.float32) - 0.5) / dim,
                            np.zeros((n, dim), np.float32))

    with contextlib.suppress(FloatingPointError):  # warm-up; the timed run says
        executor.train(sampler, fresh(), jobs[:1], rates[:1], seed=seed)
    if executor.device.type == "cuda":
        executor.torch.cuda.synchronize(executor.device)
    seen = [SoftmaxReport()]

    def keep(counters: SoftmaxReport) -> None:
        seen[0] = counters
        if report is not None:
            report(counters)

    try:
        counters = executor.train(sampler, fresh(), jobs, rates, seed=seed, report=keep)
    except FloatingPointError:  # diverged: the speed so far, and a NaN loss
        return seen[0].words_per_second, math.nan
    return counters.words_per_second, counters.mean_loss
