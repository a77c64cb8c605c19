"""The training driver every window-based model shares: it composes the engine.

The encoded corpus is cut into numbered jobs (runs of whole sentences of about
``job_words`` tokens, :mod:`wordspace.engine.jobs`); a
:class:`~wordspace.engine.schedule.Schedule` gives each job its learning rate, which
decays linearly with the words handed out before it, from ``alpha`` to ``min_alpha``
over all epochs; a :class:`~wordspace.engine.runner.ThreadRunner` executes the jobs
with ``workers`` Python threads; each job's step samples examples
(:class:`~wordspace.engine.sampler.Sampler`) and applies the loss's update, both
compiled ``nogil`` kernels, so threads run truly in parallel and update the shared
parameters without locks (Hogwild, as word2vec.c does); a
:class:`~wordspace.engine.meter.Meter` counts what was done for the progress bar and
the :class:`TrainingReport`. See docs/architecture.md.

With one worker, jobs run in index order from a fixed random state, so the same
seed gives the same vectors.

A run can be checkpointed (``checkpoint=``, ``checkpoint_every=``,
:mod:`wordspace.engine.checkpoint`) and resumed from its checkpoint, and can call
``on_epoch_end`` at each epoch's end: both happen at job boundaries, with every worker
paused (:class:`~wordspace.engine.runner.Pauses`), so with one worker neither changes
the vectors, and a resumed run is bit-identical to an uninterrupted one.

A run either trains or raises, never reports success on a failure: any exception in a
worker (an allocation, a kernel) stops every worker and is raised by :func:`train`;
buffers that would not fit in memory are refused before any is allocated
(:func:`check_walk_memory`, also run when a model is built, before the corpus is read);
a loss that stops being finite, or grows far above an untrained model's
(:meth:`wordspace.losses.Loss.reference_loss`), raises :class:`TrainingDiverged`; a run
that trains no pair at all, or whose vocabulary is too small for its loss to learn
from, raises :class:`TooLittleTraining`, and one that trains fewer
pairs than the vocabulary has words, or whose subsampling is expected to keep less than
:data:`KEEP_WARNING` of the corpus, logs a warning that says which ``sample`` keeps more.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from wordspace._tokens import shorten
from wordspace.corpus import Corpus
from wordspace.engine.checkpoint import (
    DAMAGED,
    Checkpoint,
    Checkpointer,
    CheckpointMismatch,
    Every,
    corpus_identity,
    is_marked_for,
    mark_ranks,
    param_arrays,
)
from wordspace.engine.jobs import Job, epoch_jobs, make_jobs
from wordspace.engine.layout import Examples, Layout, WordBags
from wordspace.engine.meter import (
    DIVERGENCE_FACTOR,
    Meter,
    TrainingDiverged,
    TrainingReport,
    far_above,
    format_loss,
    lower_alpha,
)
from wordspace.engine.params import VectorParams
from wordspace.engine.runner import Pauses, Runner, ThreadRunner
from wordspace.engine.sampler import Sampler, random_state
from wordspace.engine.schedule import Schedule
from wordspace.losses import Loss, NegativeSamplingLoss, Params
from wordspace.progress import progress_bar
from wordspace.sampling import keep_probabilities

if TYPE_CHECKING:
    from wordspace.distributed.sync import SyncSettings

__all__ = ["DIVERGENCE_FACTOR", "JOB_WORDS", "DeviceCounters", "DeviceExecutor", "KEEP_WARNING",
           "MEMORY_SHARE", "TooLittleTraining", "TrainingDiverged", "TrainingStopped",
           "TrainingReport", "TrainingTooLarge", "check_fits_memory", "check_pairs",
           "check_vocabulary", "check_walk_memory", "expected_kept_share", "format_loss",
           "infer_rows", "make_jobs", "request_stop", "sample_keeping", "train"]

logger = logging.getLogger(__name__)


#: words per job (runs of whole sentences); a longer sentence is a job of its own
JOB_WORDS = 10_000
#: a refusal is kinder than swapping: training buffers may use this share of free memory
MEMORY_SHARE = 0.5
#: subsampling expected to keep less than this share of the corpus is warned about (on
#: text8, the default ``sample=1e-4`` keeps 54% and ``1e-5`` keeps 30%)
KEEP_WARNING = 0.25


#: set by :func:`request_stop`; a run in progress looks at it between jobs
_STOP = threading.Event()


def request_stop() -> None:
    """Ask the run in progress (or the next one to start) to stop at its next job
    boundary, after writing its checkpoint, with :class:`TrainingStopped`: what
    ``wordspace train --checkpoint-every ...`` does on SIGTERM, which schedulers send
    before pre-empting a job. Only a run with a checkpoint stops so; safe to call from a
    signal handler."""
    _STOP.set()


class TrainingStopped(RuntimeError):
    """A run stopped by :func:`request_stop`, its checkpoint written: the same ``fit``
    (or command) again resumes it."""


class TooLittleTraining(ValueError):
    """A run trained nothing: no (centre, context) pair at all (subsampling discarded the
    whole corpus, or its sentences are single words), pairs whose every term the loss
    skipped (a Gaussian's negatives all equal to their positives), steps too small to
    change a float32 parameter (a learning rate near 0, a Gaussian's huge variances), or
    a vocabulary too small for the model to learn from (refused before training). (Fewer
    pairs than words is a warning.)"""


class TrainingTooLarge(ValueError, MemoryError):
    """The walk's per-worker buffers would not fit in memory (both a ``ValueError``, the
    parameters are at fault, and a ``MemoryError``)."""


def check_fits_memory(need: float, *, needs: str, detail: str = "", advice: str,
                      available: int | None = None,
                      error: type[Exception] = TrainingTooLarge) -> None:
    """Refuse with ``error`` work whose ``need`` bytes are more than :data:`MEMORY_SHARE`
    of the memory ``available`` (default :func:`available_memory`), before it starts: a
    refusal is kinder than swapping, or being killed part-way. The message reads
    "``needs`` N GiB``detail`` and M GiB is available (at most 50% of it is used):
    ``advice``"."""
    available = available_memory() if available is None else available
    if need > MEMORY_SHARE * available:
        raise error(f"{needs} {need / 2**30:.1f} GiB{detail} and {available / 2**30:.1f} "
                    f"GiB is available (at most {MEMORY_SHARE:.0%} of it is used): {advice}")


def available_memory() -> int:
    """Bytes of memory available to new allocations: the least of the machine's (Linux
    ``MemAvailable``), what the process's address-space limit leaves (``ulimit -v``),
    and what its memory cgroup's limit leaves (a container's ``--memory``, a Slurm job's
    ``--mem``), where those limits are set. Past the address-space limit an allocation
    fails; past the machine's memory or a cgroup's, it succeeds (Linux overcommits) and
    the run swaps, or is killed part-way when the pages are touched."""
    return min(_machine_memory(), _address_space_left(), _cgroup_memory_left())


def _machine_memory() -> int:
    """The machine's available memory (``MemAvailable``; free pages elsewhere)."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES")


def _address_space_left(status: Path = Path("/proc/self/status")) -> float:
    """``RLIMIT_AS`` less the address space the process uses (``inf`` without a limit)."""
    try:
        import resource

        limit = resource.getrlimit(resource.RLIMIT_AS)[0]
    except (ImportError, OSError, ValueError):  # not a POSIX system
        return math.inf
    if limit == resource.RLIM_INFINITY:
        return math.inf
    try:
        used = next(int(line.split()[1]) * 1024 for line in status.read_text().splitlines()
                    if line.startswith("VmSize:"))
    except (OSError, StopIteration, ValueError, IndexError):
        used = 0
    return max(0, limit - used)


def _cgroup_memory_left(cgroups: Path = Path("/proc/self/cgroup"),
                        root: Path = Path("/sys/fs/cgroup")) -> float:
    """The least any memory cgroup holding this process (its own, or an ancestor) has
    left under its limit (v2's ``memory.max``, v1's ``memory.limit_in_bytes``); ``inf``
    where none is limited or none can be read. Its usage counts the page cache charged
    to it, of which the inactive part is reclaimed before anything is killed (a corpus
    just read leaves gigabytes of it): that part is left out, as ``docker stats`` does."""
    try:
        lines = cgroups.read_text().splitlines()
    except OSError:
        return math.inf
    left = math.inf
    for line in lines:
        hierarchy, controllers, path = (line.split(":", 2) + ["", ""])[:3]
        if hierarchy == "0" and not controllers:  # cgroup v2, the unified hierarchy
            base, limit_name, usage_name, cache_name = \
                root, "memory.max", "memory.current", "inactive_file"
        elif "memory" in controllers.split(","):  # cgroup v1's memory controller
            base, limit_name, usage_name, cache_name = root / "memory", \
                "memory.limit_in_bytes", "memory.usage_in_bytes", "total_inactive_file"
        else:
            continue
        own = base / path.strip("/")
        for folder in (own, *own.parents):  # an ancestor's limit binds too
            try:
                limit = (folder / limit_name).read_text().strip()
                usage = int((folder / usage_name).read_text()) \
                    - _memory_stat(folder / "memory.stat", cache_name)
            except (OSError, ValueError):
                limit = "max"
            if limit != "max" and limit.isdigit() and int(limit) < 1 << 62:  # v1: huge
                left = min(left, max(0, int(limit) - usage))
            if folder == base:
                break
    return left


def _memory_stat(file: Path, name: str) -> int:
    """The value ``name`` of a cgroup's ``memory.stat`` (0 where it is not there)."""
    try:
        for line in file.read_text().splitlines():
            key, _, value = line.partition(" ")
            if key == name:
                return int(value)
    except (OSError, ValueError):
        pass
    return 0


def worker_bytes(*, layout: Layout, max_job: int, job_contexts: int, max_contexts: int,
                 negative: int, dim: int) -> int:
    """Bytes one worker allocates for a job of ``max_job`` words holding up to
    ``job_contexts`` contexts (at most ``max_contexts`` per centre word): the
    subsampled words, the examples in ``layout`` (centres, bag and row pointers, rows,
    negatives) and the loss's scratch (negative sampling's or the Gaussian's, whichever
    is larger)."""
    size = layout.sizes(max_job, job_contexts)
    bags = layout.bags_per_example(max_contexts)
    examples = 4 * max_job + (4 + 8 + 4 * negative) * size.examples + 8 * size.bags \
        + 4 * size.rows
    scratch = max(4 * (negative + 1) * bags + 8 * bags * dim + 4 * bags,
                  12 * (max_contexts + negative) + 20 * dim)
    return examples + scratch


def check_walk_memory(*, layout: Layout, window: int, negative: int, dim: int,
                      workers: int, longest: int, max_job: int | None = None,
                      job_contexts: int | None = None, tagged: bool = False,
                      available: int | None = None) -> None:
    """Refuse, with the numbers, a walk whose per-worker buffers would not fit in memory.

    ``longest`` is the longest sentence (its window cannot reach further);
    ``max_job`` and ``job_contexts`` default to the worst case for jobs of
    :data:`JOB_WORDS` words of sentences that long.
    """
    max_contexts = min(2 * window, max(longest - 1, 0)) + tagged
    if max_job is None:
        max_job = max(JOB_WORDS, longest)
    if job_contexts is None:
        job_contexts = max_job * max_contexts
    per_worker = worker_bytes(layout=layout, max_job=max_job, job_contexts=job_contexts,
                              max_contexts=max_contexts, negative=negative, dim=dim)
    per = "window" if layout.bag == "window" or layout.max_bags == 0 else (
        "context" if layout.max_bags == 1 else f"{layout.max_bags} contexts")
    rows = "" if layout.word_bags is None else \
        f", up to {layout.rows_per_word:,} input rows per word"
    check_fits_memory(
        per_worker * workers, needs="training would need about", available=available,
        detail=f" for its buffers ({workers} worker(s) x {per_worker / 2**30:.2f} GiB: jobs "
               f"of up to {max_job:,} words with up to {max_contexts:,} contexts each at "
               f"window {window:,}, {negative:,} negatives per {per}{rows})",
        advice="lower window, negative or workers")


def lanes(workers: int, *, on_device: bool) -> int:
    """The lanes (CPU threads) of a run, which its checkpoint records: ``workers``, or
    one where a device runs the jobs itself (no CPU lanes, nor their buffers)."""
    return 1 if on_device else workers


def expected_kept_share(counts: np.ndarray, sample: float) -> float:
    """The share of corpus tokens subsampling at ``sample`` is expected to keep."""
    counts = np.asarray(counts, dtype=np.float64)
    total = counts.sum()
    if total <= 0:
        return 1.0
    return float((counts * keep_probabilities(counts, sample)).sum() / total)


def sample_keeping(counts: np.ndarray, share: float = 0.5) -> float:
    """The smallest ``sample`` (one significant digit, rounded up) expected to keep at
    least ``share`` of the corpus (bisection: the kept share grows with ``sample``)."""
    lo, hi = -12.0, 2.0  # log10 of sample
    for _ in range(60):
        mid = (lo + hi) / 2
        if expected_kept_share(counts, 10 ** mid) < share:
            lo = mid
        else:
            hi = mid
    exponent = math.floor(hi)
    return math.ceil(round(10 ** (hi - exponent), 6)) * 10.0 ** exponent


def _subsampling_advice(counts: np.ndarray, sample: float) -> str:
    """What subsampling keeps of this corpus, and which ``sample`` keeps more."""
    return (f"subsampling (sample={sample:g}) is expected to keep "
            f"{expected_kept_share(counts, sample):.1%} of this corpus's "
            f"{int(np.sum(counts)):,} words (it thins the very frequent words of corpora of "
            f"millions); sample={sample_keeping(counts):g} keeps about half, sample=0 "
            "keeps every word")


@dataclass(frozen=True)
class _Extent:
    """How large a run's jobs get: the buffers each worker needs."""

    max_job: int  # words of the largest job
    job_contexts: int  # contexts the fullest job can hold
    max_contexts: int  # contexts of one centre word
    longest: int  # the longest sentence

    @classmethod
    def of(cls, offsets: np.ndarray, bounds: np.ndarray, window: int, tagged: bool
           ) -> _Extent:
        sizes = offsets[bounds[1:]] - offsets[bounds[:-1]]
        lengths = np.diff(offsets)
        longest = int(lengths.max()) if len(lengths) else 0
        # a centre sees at most 2 * window words of its sentence (and its sentence's row)
        per_sentence = lengths * (np.minimum(2 * window, np.maximum(lengths - 1, 0)) + tagged)
        return cls(max_job=int(sizes.max()) if len(sizes) else 0,
                   job_contexts=int(np.add.reduceat(per_sentence, bounds[:-1]).max())
                   if len(sizes) else 0,
                   max_contexts=min(2 * window, max(longest - 1, 0)) + tagged,
                   longest=longest)


def train(corpus: Corpus, loss: Loss, params: Params, *, layout: Layout, window: int,
          negative: int, sample: float, ns_exponent: float, epochs: int, alpha: float,
          min_alpha: float, workers: int, seed: int,
          sentence_context: np.ndarray | None = None, job_words: int = JOB_WORDS,
          progress: bool = True, desc: str = "training", runner: Runner | None = None,
          checkpoint: str | Path | None = None, checkpoint_every: Every | None = None,
          config: dict | None = None,
          on_epoch_end: Callable[[TrainingReport], None] | None = None,
          on_epoch_begin: Callable[[int], None] | None = None,
          executor: DeviceExecutor | None = None,
          sync: SyncSettings | None = None, shrink_windows: bool = True,
          finished: Callable[[Callable[[str | Path], None]], None] | None = None,
          default_alpha: float | None = None) -> TrainingReport:
    """Train ``params`` in place on ``corpus`` with ``loss`` on examples laid out as
    ``layout`` says (:mod:`wordspace.engine.layout`); see the module docstring.

    ``sentence_context`` (one input row per sentence) gives every centre word of a
    sentence that row as an extra context, as PV-DBOW's document vectors are; ``window``
    0 then leaves it the only one. ``shrink_windows`` False gives every centre the whole
    ``window`` instead of one drawn from ``1..window``. ``negative`` 0 draws no negatives (the full
    softmax). ``runner`` executes the jobs (default: a :class:`ThreadRunner` of ``workers``
    threads, each with its own random state seeded from ``seed``).

    ``checkpoint`` (a directory path) makes the run resumable: if a checkpoint made with
    the same ``config`` (JSON values describing the run; the driver adds ``job_words``
    and the lanes) on the same corpus is there, the run continues from it, logging from
    where; one made otherwise raises
    :class:`~wordspace.engine.checkpoint.CheckpointMismatch` naming the differences. A
    new checkpoint replaces it at job boundaries as ``checkpoint_every`` says (default:
    every epoch). The checkpoint is left in place at the end (the caller removes it once
    the result is safe). ``on_epoch_end(report)`` is called at each epoch's end, every
    lane paused, with the report of the epochs so far; ``on_epoch_begin(epoch)`` before
    each epoch this run trains (from 0; the one a checkpoint resumes inside too), at
    the boundary after the previous one's checkpoint. ``finished(keep)`` is called once
    a single process's run is complete: ``keep(path)`` writes its final state as a
    checkpoint at ``path``, from which the same run only finishes (no job left), to keep
    a result that could not be saved. ``default_alpha`` (the model's default rate) is
    what the advice of a divergence at an ``alpha`` many times it suggests.

    ``executor`` (a :class:`DeviceExecutor`, e.g.
    :class:`wordspace.cuda.executor.CudaSkipGram`) runs the jobs on a device instead of
    the runner's threads, an epoch a call, paused where a pause is due between two of its
    launches (:func:`_run_on_device`).

    A corpus shared between the ranks of a process group (``corpus.group``, see
    :class:`~wordspace.corpus.Corpus`'s ``shard``) is trained on every rank at once:
    each rank walks its own share, and the ranks' parameters are synchronised as
    ``sync`` says (:mod:`wordspace.distributed.sync`), fully at every epoch's end and at
    the end, so every rank returns the same parameters and the whole run's report.
    Each rank's learning rate falls with its progress through its share (a pure function
    of the job, as in one process; the shares are balanced, and every epoch's end waits
    for all). Checkpoints are then taken at epoch ends, one per rank inside
    ``checkpoint``.

    Raises :class:`TrainingTooLarge` before any work when the buffers would not fit,
    :class:`TrainingDiverged` when the loss explodes, :class:`TooLittleTraining` when
    no pair was trained, and any worker's exception.
    """
    if runner is None:
        runner = ThreadRunner(lanes(workers, on_device=executor is not None))
    group = getattr(corpus, "group", None)
    tokens = np.asarray(corpus.tokens)
    offsets = np.asarray(corpus.offsets)
    counts = corpus.vocab.counts
    check_vocabulary(corpus.vocab.words, *loss.min_vocabulary(params))
    if sentence_context is not None and (
            len(sentence_context) != len(offsets) - 1 or len(sentence_context) and not (
            sentence_context.min() >= 0 and sentence_context.max() < params.input_rows)):
        raise ValueError(f"sentence_context needs one input row (0..{params.input_rows - 1}) "
                         f"for each of the corpus's {len(offsets) - 1:,} sentences")
    sampler = Sampler.build(tokens, offsets, counts, window=window, negative=negative,
                            layout=layout, sample=sample, ns_exponent=ns_exponent,
                            sentence_context=sentence_context,
                            shrink_windows=shrink_windows)
    bounds = make_jobs(offsets, job_words)
    extent = _Extent.of(offsets, bounds, window, sampler.tagged)
    check_walk_memory(layout=layout, window=window, negative=negative, dim=params.dim,
                      workers=runner.workers, longest=extent.longest,
                      max_job=extent.max_job, job_contexts=extent.job_contexts,
                      tagged=sampler.tagged)
    if expected_kept_share(counts, sample) < KEEP_WARNING:
        logger.warning("%s", _subsampling_advice(counts, sample))
    jobs = epoch_jobs(offsets, bounds, epochs)
    if group is None and sync is not None:
        logger.warning("sync settings (sync=, --sync-*) are for a distributed run (torchrun, "
                       "WORLD_SIZE > 1); this process trains alone, so they do nothing")
    if group is not None:
        from wordspace.distributed.group import check_agreement, run_checkpoints
        from wordspace.distributed.sync import Synchroniser, SyncSettings

        run_checkpoints(checkpoint is not None)  # what a failure's message offers
        sync = sync or SyncSettings()
        check_agreement(group, "training settings", {
            **(config or {}), "window": window, "negative": negative, "sample": sample,
            "ns_exponent": ns_exponent, "epochs": epochs, "alpha": alpha,
            "min_alpha": min_alpha, "seed": seed, "job_words": job_words,
            "sync": dataclasses.asdict(sync), "checkpoint": checkpoint is not None,
            # on a device or not, alike (each rank's own GPU may differ: cuda:0, cuda:1)
            "checkpoint_every": str(checkpoint_every), "device": executor is not None,
            "vocabulary": len(counts)})
        scale = sync.rate_scale_for(group.world)  # see docs/distributed.md
        if scale != 1:
            logger.info("%d ranks: learning rate %g x %.3g = %g", group.world, alpha, scale,
                        alpha * scale)
        alpha, min_alpha = alpha * scale, min_alpha * scale
    schedule = Schedule.linear(alpha, min_alpha, [job.words for job in jobs])
    meter = Meter(epochs, len(tokens) * epochs, loss.reference_loss(params, negative), alpha,
                  advice=loss.divergence_advice(), default_alpha=default_alpha)
    first_lane = 0 if group is None else group.rank * runner.workers  # lanes of all ranks
    states = [random_state(seed, first_lane + lane) for lane in range(runner.workers)]
    run = _Run(meter, states, params, len(bounds) - 1, len(jobs), epochs, on_epoch_end,
               on_epoch_begin)
    meet_first = False
    total_words = meter.total_words
    if group is not None:
        run.sync = Synchroniser(group, param_arrays(params), lambda: meter.words, sync,
                                boundaries_only=executor is not None,
                                stop_asked=None if checkpoint is None else _STOP.is_set,
                                project=loss.project)
        total_words = int(group.all_reduce(np.array([total_words], np.float64))[0])
        if checkpoint is not None:
            checkpoint, checkpoint_every = _rank_checkpoint(group, checkpoint,
                                                            checkpoint_every)
        progress = progress and group.rank == 0

    def checkpointer(path: str | Path, every: Every) -> Checkpointer:
        reading = corpus.reading_settings() if hasattr(corpus, "reading_settings") else {}
        identity = corpus_identity(getattr(corpus, "name", "<corpus>"), tokens, offsets,
                                   corpus.vocab.words, counts, sentence_context, reading)
        return Checkpointer(path, every, {
            **(config or {}), "job_words": job_words, "lanes": runner.workers,
            **({} if group is None else {"ranks": group.world})}, identity)

    if checkpoint is not None:
        run.checkpointer = checkpointer(checkpoint, checkpoint_every or Every(epochs=1))
        if group is not None:
            meet_first = _choose_checkpoint(group, run.checkpointer, run.per_epoch, corpus)
        run.resume()
    done = meter.words  # where the bar starts: a resumed run's words so far
    if group is not None and checkpoint is not None:  # the bar counts every rank's
        done = int(group.all_reduce(np.array([done], np.float64), what="the words so far")[0])
    if run.sync is not None:
        run.sync.start()

    def worker(worker_id: int):
        state = states[worker_id]
        examples, scratch = buffers()

        def step(job: Job) -> None:
            lr = schedule.rate(job.index)
            sampler.sample(job, state, examples)
            meter.record(job, lr, examples, *loss.update(params, examples, lr, scratch))
        return step

    def buffers() -> tuple[Examples, tuple[np.ndarray, ...]]:
        """A lane's examples and scratch buffers."""
        return (sampler.examples(extent.max_job, extent.job_contexts),
                loss.scratch(params, negative, layout.bags_per_example(extent.max_contexts),
                             layout.cache_slots(window)))

    if executor is None and run.start < len(jobs):  # words/s is training's, not Numba's
        try:
            _compile(sampler, loss, params, jobs[run.start], states[0], buffers,
                     announce=progress)
        except BaseException:
            if run.sync is not None:
                run.sync.abort()  # as a failed job would: the other ranks stop too
            raise
    with progress_bar(total=total_words, unit="w", desc=desc, enable=progress,
                      initial=done) as bar:
        shown = {"loss": float("nan"), "active": float("nan")}

        def monitor() -> None:
            words, lr, recent_loss, recent_active = meter.recent()
            if run.sync is not None:
                run.sync.check()  # another rank failed: this one stops
                words = max(run.sync.global_words, words, done)  # (no round yet: done)
            if recent_loss is not None:
                shown.update(loss=recent_loss, active=recent_active)
            postfix = {"lr": f"{lr:.5f}"}
            if math.isfinite(shown["loss"]):  # nothing shown before the first measurement
                postfix["loss"] = format_loss(shown["loss"])
                if loss.reports_active:
                    postfix["active"] = f"{shown['active']:.1%}"
            bar.set_postfix(postfix, refresh=False)
            bar.update(words - bar.n)

        probe = _probe(params)
        run.started = time.perf_counter()
        try:
            if meet_first:
                run.meet_at_start()
            run.begin()
            if executor is None:
                runner.run(jobs[run.start:], worker, monitor, run if run.pausing else None)
            else:
                _run_on_device(executor, sampler, params, jobs, schedule, meter,
                               start=run.start, seed=seed, monitor=monitor,
                               pauses=run if run.pausing else None)
            if run.sync is not None:  # the last full synchronisation, then the totals
                run.sync.finish()
                if run.stops_here:  # the others stopped on request at this meeting
                    run.stop_at(len(jobs))
                meter.combine(lambda counts: group.all_reduce(counts, what="the report"))
                monitor()
        except TrainingStopped:
            if run.sync is not None:
                run.sync.leave()  # every rank stopped at the same meeting, checkpointed
            raise
        except BaseException:
            if run.sync is not None:
                run.sync.abort()  # the other ranks hear of it and stop too
            raise
        finally:
            _STOP.clear()  # a request is this run's, answered or not
    if run.sync is not None:
        logger.info("%s", run.sync.summary())
    report = meter.report(run.seconds())
    report.resumed = run.resumed
    if on_epoch_end is not None and run.start < len(jobs):
        on_epoch_end(report)
    _check_outcome(report, meter, loss, counts, sample, epochs, min_alpha,
                   still=run.start < len(jobs) and _unchanged(probe, params), alpha=alpha)
    logger.info(report.summary())
    if finished is not None and group is None:

        def keep(path: str | Path) -> None:
            if run.checkpointer is None or run.checkpointer.path != Path(path):
                run.checkpointer = checkpointer(path, Every(epochs=1))
            run.checkpointer.check_replaceable()  # another run's is never written over
            run.write(len(jobs))

        finished(keep)
    return report


#: rows of each parameter array that :func:`_probe` copies: the most frequent words'
#: (the vocabulary is sorted by count), which any training at all changes
_PROBE_ROWS = 16


def _probe(params: Params) -> dict[str, np.ndarray]:
    """Copies of the first rows of each of ``params``'s arrays, for :func:`_unchanged`."""
    return {name: np.array(array[:_PROBE_ROWS]) for name, array in param_arrays(params).items()}


def _unchanged(probe: dict[str, np.ndarray], params: Params) -> bool:
    """Whether training left every row :func:`_probe` copied bit for bit as it was."""
    return all(np.array_equal(rows, array[:_PROBE_ROWS])
               for rows, array in zip(probe.values(), param_arrays(params).values(),
                                      strict=True))


class DeviceCounters(Protocol):
    """What a device executor reports, cumulative over one call: corpus ``words``,
    ``pairs``, the ``loss`` summed over ``terms`` (``active`` of them non-zero); at the
    call's end, ``next_job``: the index in its jobs of the first it did not train."""

    words: int
    pairs: int
    loss: float
    terms: int
    next_job: int


class DeviceExecutor(Protocol):
    """Trains a run's jobs on a device, in place of the runner's threads (a GPU).

    ``train(sampler, params, jobs, rates, *, seed, report, start, pause)`` trains
    ``params`` (updated in place by the time it returns) over ``jobs[start:]`` at
    ``rates`` (one per job), drawing as ``sampler`` says, with random streams from
    ``seed`` and each job's place in ``jobs`` (a call from ``start`` draws what a call
    from 0 would for the same jobs); it calls ``report(counters)`` (a
    :class:`DeviceCounters`, cumulative over the call) as work completes, and raises
    ``FloatingPointError`` when the loss stops being finite. Where it can stop (between
    two launches), it asks ``pause(job)`` with the next job, if ``pause`` is given and
    the call has trained something; on True it stops there, the parameters in place,
    and its counters' ``next_job`` is that job's index (``len(jobs)`` when all were
    trained).
    """

    def train(self, sampler: Sampler, params: Params, jobs: list[Job], rates: list[float],
              *, seed: int, report: Callable[[DeviceCounters], None], start: int = 0,
              pause: Callable[[Job], bool] | None = None) -> DeviceCounters:
        """Train ``jobs[start:]`` at ``rates`` as the class docstring says."""
        ...


def _run_on_device(executor: DeviceExecutor, sampler: Sampler, params: Params,
                   jobs: list[Job], schedule: Schedule, meter: Meter, *, start: int,
                   seed: int, monitor: Callable[[], None], pauses: Pauses | None) -> None:
    """Train ``jobs[start:]`` with a device ``executor``, one epoch's jobs per call: the
    executor batches them as it likes (the CUDA kernels: launches of ~16 M words), and
    the meter counts what it reports (the progress bar and the per-epoch loss are the
    CPU's). Pauses (checkpoints, ``on_epoch_end``, a stop on request, a distributed
    run's meetings) happen as on the CPU, at job boundaries with nothing in flight: the
    executor asks before each launch whether one is due, stops there with the
    parameters back on the host, and the next call goes on from that job. Each call is
    given its whole epoch's jobs and draws from streams seeded by ``seed`` and the
    epoch's first job, so a call that starts inside an epoch (after a pause, or resumed
    from a checkpoint) draws what an uninterrupted one would."""
    epochs: dict[int, list[Job]] = {}
    for job in jobs:
        epochs.setdefault(job.epoch, []).append(job)
    for epoch in epochs.values():
        position = max(start - epoch[0].index, 0)
        rates = [schedule.rate(job.index) for job in epoch]
        ends = np.cumsum([job.words for job in epoch])
        paused = False
        while position < len(epoch):
            if pauses is not None and (paused or pauses.due(epoch[position])):
                pauses.at(epoch[position])
            before = int(ends[position - 1]) if position else 0
            done = {"words": 0, "examples": 0, "pairs": 0, "loss": 0.0, "terms": 0,
                    "active": 0}

            def report(counters, epoch_of=epoch[0].epoch, rates=rates, ends=ends,
                       done=done, before=before):
                now = {key: getattr(counters, key, counters.terms) for key in done}
                step = {key: now[key] - done[key] for key in done}
                done.update(now)
                at = int(np.searchsorted(ends, before + counters.words))
                meter.add(epoch=epoch_of, words=step["words"], examples=step["examples"],
                          pairs=step["pairs"], lr=rates[min(at, len(rates) - 1)],
                          loss=step["loss"], terms=step["terms"], active=step["active"])
                monitor()

            try:
                counters = executor.train(
                    sampler, params, epoch, rates, seed=seed * 0x9E3779B1 + epoch[0].index,
                    report=report, start=position,
                    pause=None if pauses is None else pauses.due)
            except FloatingPointError:
                raise meter.diverged(epoch[0].epoch, rates[-1], float("nan")) from None
            if not position < counters.next_job <= len(epoch):
                raise RuntimeError(f"{type(executor).__name__} stopped at job "
                                   f"{counters.next_job} of a call from {position}")
            position, paused = counters.next_job, counters.next_job < len(epoch)


class _Run(Pauses):
    """A run's position and what it does at job boundaries: resume from a checkpoint,
    call ``on_epoch_end`` at each epoch's end and ``on_epoch_begin`` at each one's start,
    write checkpoints when due."""

    def __init__(self, meter: Meter, states: list[np.ndarray], params: Params,
                 per_epoch: int, jobs: int, epochs: int,
                 on_epoch_end: Callable[[TrainingReport], None] | None,
                 on_epoch_begin: Callable[[int], None] | None = None):
        self.meter, self.states, self.params = meter, states, params
        self.per_epoch, self.jobs, self.epochs = per_epoch, jobs, epochs
        self.on_epoch_end, self.on_epoch_begin = on_epoch_end, on_epoch_begin
        self.checkpointer: Checkpointer | None = None
        self.sync = None  # a distributed run's Synchroniser
        self.start = 0  # the first job this process runs
        self.earlier = 0.0  # seconds spent before the checkpoint resumed from
        self.resumed = False  # whether a checkpoint was resumed from (the report says)
        self.started = time.perf_counter()

    @property
    def pausing(self) -> bool:
        """Whether the run stops at job boundaries at all."""
        return self.checkpointer is not None or self.on_epoch_end is not None \
            or self.on_epoch_begin is not None or self.sync is not None

    def seconds(self) -> float:
        """Training time so far, including the runs this one resumes."""
        return self.earlier + time.perf_counter() - self.started

    def resume(self) -> None:
        """Continue from the checkpoint, if there is one for this run."""
        arrays = param_arrays(self.params)
        saved = self.checkpointer.resume(arrays, len(self.states), self.jobs)
        if saved is None:
            return
        source = self.checkpointer.resume_path
        try:
            self.meter.restore(saved.meter)
        except ValueError as e:
            raise ValueError(f"{source}: {e}; {DAMAGED}") from None
        for name, array in arrays.items():
            array[...] = saved.arrays[name]
        if saved.position < self.jobs:  # a finished run's lanes may be other than these
            for state, value in zip(self.states, saved.states, strict=True):
                state[0] = value
        self.start, self.earlier = saved.position, saved.seconds
        self.resumed = True
        if saved.position == self.jobs:
            logger.warning("%s holds the finished run (kept when its result could not be "
                           "saved): nothing left to train", source)
            return
        logger.warning("resuming from %s at epoch %d, %.0f %% of the run (job %d of %d)",
                       source, min(saved.position // self.per_epoch + 1,
                                                   self.epochs),
                       100 * self.meter.words / max(self.meter.total_words, 1),
                       saved.position + 1, self.jobs)

    def _epoch_start(self, index: int) -> int | None:
        return index // self.per_epoch if index % self.per_epoch == 0 else None

    @property
    def stopping(self) -> bool:
        """Whether a stop was asked for (:func:`request_stop`) and this run can stop with
        a checkpoint: at once in a single process; in a distributed run once the ranks
        agreed on it (asked on any of them), each at its next job boundary, where they
        meet."""
        if self.checkpointer is None:
            return False
        return _STOP.is_set() if self.sync is None else self.sync.stop_agreed

    @property
    def stops_here(self) -> bool:
        """At a boundary: whether to stop at it. In a distributed run, whether the ranks
        stop at the meeting just held: all of them or none, whenever each looks."""
        if self.sync is None or self.checkpointer is None:
            return self.stopping
        return self.sync.stop_at_meeting

    def meet_at_start(self) -> None:
        """Resumed at an epoch's start while another rank resumed inside the epoch before
        (they stopped on request there): meet it at that epoch's end before training, so
        the ranks' epochs stay aligned; stop there again if asked to."""
        self.sync.wait()
        try:
            if self.stops_here:
                self.stop_at(self.start)
        finally:
            self.sync.release()

    def due(self, job: Job) -> bool:
        if job.index == self.start:  # where this process began: nothing new to do
            return False
        if self.stopping:
            return True
        epoch = self._epoch_start(job.index)
        return ((self.on_epoch_end is not None or self.on_epoch_begin is not None
                 or self.sync is not None) and epoch is not None) or (
            self.checkpointer is not None and self.checkpointer.due(epoch))

    def at(self, job: Job) -> None:
        if self.sync is None:
            self._boundary(job)
            return
        self.sync.wait()  # every rank at this epoch's end, fully synchronised
        try:
            self._boundary(job)
        finally:
            self.sync.release()

    def _boundary(self, job: Job) -> None:
        # the callbacks first: a checkpoint holds a boundary whose callbacks have run
        epoch = self._epoch_start(job.index)
        if self.on_epoch_end is not None and epoch is not None:
            self.on_epoch_end(self.meter.report(self.seconds(), epochs=epoch))
        stopping = self.stops_here
        if self.checkpointer is not None and (self.checkpointer.due(epoch) or stopping):
            self.write(job.index)
        if stopping:
            self._stopped(job.index)
        if self.on_epoch_begin is not None and epoch is not None:
            self.on_epoch_begin(epoch)

    def begin(self) -> None:
        """Where this process starts training: the epoch it starts (or resumes inside)
        begins."""
        if self.on_epoch_begin is not None and self.start < self.jobs:
            self.on_epoch_begin(self.start // self.per_epoch)

    def stop_at(self, position: int) -> None:
        """Checkpoint at ``position`` and stop (:class:`TrainingStopped`), where a rank
        meets the others outside its jobs' boundaries: at the end of its share, or at
        the start of a resumed one (:meth:`meet_at_start`)."""
        self.write(position)
        self._stopped(position)

    def write(self, position: int) -> None:
        """Checkpoint the run at ``position`` (the next job's index; the run's jobs: its
        end)."""
        self.checkpointer.write(Checkpoint(
            config={}, corpus={}, position=position, jobs=self.jobs, epochs=self.epochs,
            seconds=self.seconds(), meter=self.meter.state(),
            states=np.array([s[0] for s in self.states], np.uint64),
            arrays=param_arrays(self.params),
            meeting=None if self.sync is None else self.sync.met_words))

    def _stopped(self, position: int) -> None:
        where = "this rank's share" if self.sync is not None else "the run"
        at = (f"before job {position + 1} of {self.jobs}" if position < self.jobs
              else f"after the last of {self.jobs} jobs")
        raise TrainingStopped(
            f"stopped on request {at} ({100 * position / self.jobs:.0f} % of {where}); "
            f"{self.checkpointer.path} holds it: the same fit (or command) resumes it")


def _rank_checkpoint(group, checkpoint: str | Path, every: Every | None
                     ) -> tuple[Path, Every]:
    """Where this rank of a distributed run keeps its checkpoint: ``rank-R`` inside the
    run's ``checkpoint`` directory, which rank 0 marks as one of ``world`` ranks (the
    others wait for it). Distributed checkpoints are taken at epoch ends, where every
    rank pauses fully synchronised."""
    if every is not None and every.epochs is None:
        raise ValueError(f"a distributed run checkpoints at epoch ends, where its ranks "
                         f"meet: use checkpoint_every='1e' (or '2e', ...), not {every}")
    if group.rank == 0:
        mark_ranks(checkpoint, group.world)
    group.broadcast(np.zeros(1), what="the checkpoint's preparation")  # after rank 0's
    # rank 0 alone removes the checkpoint and tells the ranks' positions apart: each rank
    # must see the folder it made (a folder local to each machine would be left behind)
    sees = group.all_gather(_sees(checkpoint, group.world), what="the checkpoint's preparation")
    blind = [str(rank) for rank, seen in enumerate(sees) if not seen]
    if blind:
        raise CheckpointMismatch(
            f"{checkpoint} is not on a file system all ranks share: rank(s) "
            f"{', '.join(blind)} of {group.world} do not see the checkpoint rank 0 made "
            "there. Put the model's path (-o) on a shared file system (NFS, Lustre, ...)")
    return Path(checkpoint) / f"rank-{group.rank}", every or Every(epochs=1)


#: how long a rank looks for the checkpoint rank 0 made before calling it unshared
SHARED_FS_WAIT = 5.0


def _sees(checkpoint: str | Path, ranks: int) -> bool:
    """Whether this rank sees the checkpoint of ``ranks`` ranks at ``checkpoint``, after
    re-reading its parent for up to :data:`SHARED_FS_WAIT` seconds (NFS caches a
    "not there" answer until a directory is read again)."""
    deadline = time.monotonic() + SHARED_FS_WAIT
    while not is_marked_for(checkpoint, ranks):
        if time.monotonic() > deadline:
            return False
        with contextlib.suppress(OSError):
            os.listdir(Path(checkpoint).parent)
        time.sleep(0.2)
    return True


def _choose_checkpoint(group, checkpointer: Checkpointer, per_epoch: int,
                       corpus: Corpus) -> bool:
    """Have every rank resume from the same meeting: each keeps its last two
    checkpoints, so a run killed while its ranks were writing theirs (some have epoch k,
    some only k - 1) resumes from the last epoch every rank has. A run killed while its
    ranks wrote their first (some have one, the others none) starts over, as the same
    on every rank; ranks with no meeting in common otherwise are refused, on every rank
    alike. Returns whether this rank, resumed at an epoch's start while another resumes
    inside the epoch before (stopped on request there), must meet it at that epoch's
    end before training (:meth:`_Run.meet_at_start`)."""
    checkpointer.keep_previous = True
    mine = checkpointer.heads()  # matched by their meeting: positions differ after a stop
    gathered = group.all_gather(sorted({(h.meeting_key, h.position) for h in mine.values()}),
                                what="the resume check")
    if not any(gathered):
        return False  # a new run
    common = set.intersection(*({key for key, _ in found} for found in gathered))
    if not common and not all(gathered) and all(len(found) <= 1 for found in gathered):
        logger.warning("the ranks were stopped while writing their first checkpoints "
                       "(some have one, some none): starting over")
        checkpointer.discard_all()
        return False
    if not common:
        found = "; ".join(f"rank {r}: " + (", ".join(_epoch_of(p, per_epoch)
                                                      for _, p in positions) or "none")
                          for r, positions in enumerate(gathered))
        raise CheckpointMismatch(
            f"the ranks' checkpoints have no epoch in common ({found}) for the run on "
            f"{getattr(corpus, 'name', 'the corpus')}; start over with --restart "
            "(restart=True in Python)")
    best = max(common)
    last = mine.get(checkpointer.path)
    if last is None or last.meeting_key != best:
        checkpointer.resume_from_previous()
    at = [position for found in gathered for key, position in found if key == best]
    per_epoch = max(per_epoch, 1)
    mine_at = next(position for key, position in gathered[group.rank] if key == best)
    return mine_at % per_epoch == 0 and any(p % per_epoch for p in at)


def _epoch_of(position: int, per_epoch: int) -> str:
    """Where a checkpoint at ``position`` stands, for messages: ``epoch 3``, or ``inside
    epoch 3`` (a stop on request)."""
    per_epoch = max(per_epoch, 1)
    return ("inside " if position % per_epoch else "") + f"epoch {position // per_epoch + 1}"


#: a compilation taking longer than this is announced (one from Numba's disk cache takes
#: about a second; compiling anew, 10 to 60 s)
COMPILE_NOTICE_SECONDS = 2.0


def _compile(sampler: Sampler, loss: Loss, params: Params, job: Job, state: np.ndarray,
             buffers: Callable[[], tuple[Examples, tuple[np.ndarray, ...]]], *,
             announce: bool) -> None:
    """Compile (or load from Numba's cache) the run's walk and update before its clock
    starts: ``job`` (the first to run) is walked with a copy of ``state`` and the update
    its examples need compiled (:meth:`Loss.compile`), no row touched. A first run
    otherwise counted the compilation as training, its bar frozen at 0 words/s. One
    taking longer than :data:`COMPILE_NOTICE_SECONDS` is said on standard error when
    ``announce`` (the progress bar's setting)."""
    notice = threading.Timer(COMPILE_NOTICE_SECONDS, lambda: print(
        "compiling the training kernels (once; later runs load them from the cache) ...",
        file=sys.stderr, flush=True))
    notice.daemon = True
    if announce:
        notice.start()
    started = time.perf_counter()
    try:
        examples, scratch = buffers()
        loss.compile(params, sampler.sample(job, state.copy(), examples), scratch)
    finally:
        notice.cancel()
    logger.info("training kernels ready in %.1f s", time.perf_counter() - started)


def check_vocabulary(words: list[str], needed: int, why: str) -> None:
    """Refuse (:class:`TooLittleTraining`), before any work, a vocabulary of fewer than
    ``needed`` words, too small for the model to learn anything from, because ``why``
    (for a loss: :meth:`~wordspace.losses.Loss.min_vocabulary`): one word, or two for
    tied Gaussians, would train nothing and exit as if it had worked."""
    if len(words) < needed:
        listed = ", ".join(shorten(word) for word in words)
        raise TooLittleTraining(
            f"the vocabulary has {len(words)} word(s) ({listed}) and this model needs at "
            f"least {needed}: {why}. Train on a corpus of more distinct words (or lower "
            "min_count)")


def _check_outcome(report: TrainingReport, meter: Meter, loss: Loss, counts: np.ndarray,
                   sample: float, epochs: int, min_alpha: float, *, still: bool,
                   alpha: float) -> None:
    """Refuse a run whose last epoch diverged, or that trained nothing (no pair found,
    pairs whose every term ``loss`` skipped, or steps that left every parameter ``still``
    at a base rate of ``alpha``); warn when it trained fewer pairs than the vocabulary
    has words."""
    if far_above(report.loss, meter.reference):
        raise meter.diverged(epochs - 1, min_alpha, report.loss)  # jobs too small to see
    check_pairs(report.pairs, counts, sample, f"were trained in {epochs} epoch(s)")
    if loss.counts_every_term and not any(meter.epoch_terms):
        raise TooLittleTraining(
            f"{report.pairs:,} (centre, context) pairs were found in {epochs} epoch(s) but "
            f"none was trained: {loss.untrained_because}. The loss is undefined (n/a) and "
            "every vector is as it started")
    if still:
        raise TooLittleTraining(
            f"{report.pairs:,} (centre, context) pairs were trained in {epochs} epoch(s), "
            "but not one parameter of the most frequent words changed: every step was too "
            f"small to change a float32 number. Raise the learning rate (alpha={alpha:g})"
            f"{loss.stillness_advice()}; every vector is as it started")


def check_pairs(pairs: int, counts: np.ndarray, sample: float, done: str) -> None:
    """Refuse a run that found no (centre, context) pair (``TooLittleTraining``); warn when
    it found fewer than the vocabulary (``counts``) has words. ``done``: what happened
    to the pairs ("were trained in 5 epoch(s)"), for the message."""
    if pairs < len(counts):  # too little to learn from: an error if nothing at all
        learned = "no vector learned anything" if pairs == 0 else \
            "most vectors learned nothing"
        advice = _subsampling_advice(counts, sample)
        message = (f"{pairs:,} (centre, context) pairs {done} for a vocabulary of "
                   f"{len(counts):,} words: {learned}. {advice[0].upper()}{advice[1:]}; "
                   "a sentence of one word has no context")
        if pairs == 0:
            raise TooLittleTraining(message)
        logger.warning("%s", message)


def infer_rows(documents: list[np.ndarray], outputs: np.ndarray, sampler: Sampler, *,
               epochs: int, alpha: float, min_alpha: float, seed: int, workers: int,
               words: np.ndarray | None = None, window: int = 0,
               layout: Layout | None = None,
               objective: NegativeSamplingLoss | None = None,
               default_alpha: float | None = None) -> np.ndarray:
    """Fit one new input row per document against frozen ``outputs`` (paragraph-vector
    inference).

    ``sampler`` holds the vocabulary's subsampling and noise tables (its tokens are not
    read: :meth:`Sampler.build` over empty tokens, which a model builds once for all its
    inference calls). Each document (word indices) is one job of a :class:`ThreadRunner`
    of up to ``workers`` threads (a lone document runs in the calling thread): it is
    walked ``epochs`` times as one sentence whose context is its own row (PV-DBOW) or,
    given the trained input rows of the vocabulary's ``words`` and a ``window``, its
    window's word rows and its own row, cut as ``layout`` says (PV-DM's one bag). The
    step is the read-only twin of the model's ``objective`` (default: negative sampling;
    :meth:`NegativeSamplingLoss.read_only`), which only reads the output rows and the
    word rows. The learning rate of each epoch comes from a
    :class:`~wordspace.engine.schedule.Schedule`, falling linearly from ``alpha``
    towards ``min_alpha`` over the epochs. Every row starts from the same seeded random
    vector with a random state seeded by ``seed`` alone, so a document's row depends on
    nothing but the document and the seed, however many documents or threads share the
    call. A divergence's advice suggests ``default_alpha`` (the model's own) for an
    ``alpha`` many times it.
    """
    dim, negative = outputs.shape[1], sampler.negative
    layout = layout or Layout()
    context_rows = np.empty((0, dim), np.float32)
    if words is not None:
        # only the documents' own words are gathered beside the new rows, each word's
        # bag its row among them: a call costs its documents, not a copy of every word
        seen = np.unique(np.concatenate([np.asarray(d, np.int64) for d in documents]
                                        or [np.empty(0, np.int64)]))
        local = np.zeros(len(words), np.int32)  # calloc'd: only the seen words' pages
        local[seen] = np.arange(len(seen), dtype=np.int32)
        layout = replace(layout, word_bags=WordBags.one_row_each(local))
        context_rows = words[seen]
    n_context = len(context_rows)
    loss = (objective or NegativeSamplingLoss()).read_only(frozen_inputs=n_context)
    shared = replace(sampler, window=window, layout=layout)
    schedule = Schedule.linear(alpha, min_alpha, [1] * epochs)  # one step per epoch
    start = (np.random.default_rng(seed).random(dim, dtype=np.float32) - 0.5) / dim
    inputs = np.concatenate([context_rows, np.tile(start, (len(documents), 1))])
    rows = inputs[n_context:]
    last_loss = np.zeros((len(documents), 2))  # each document's last epoch: loss, terms
    jobs = [Job(i, i + 1, len(doc), index=i) for i, doc in enumerate(documents)]
    params = VectorParams(inputs, outputs)

    def worker(_: int):
        def step(job: Job) -> None:
            doc = np.ascontiguousarray(documents[job.first], dtype=np.int32)
            n = len(doc)
            if n == 0:
                return
            walker = replace(shared, tokens=doc, offsets=np.array([0, n], np.int64),
                             sentence_context=np.array([n_context + job.first], np.int32))
            state = random_state(seed, 0)  # per document: rows independent of the order
            examples = walker.examples(n, n * (2 * window + 1))
            scratch = loss.scratch(params, negative,
                                   walker.layout.bags_per_example(2 * window + 1))
            for epoch in range(epochs):
                lr = schedule.rate(epoch)
                walker.sample(Job(0, 1, n, epoch, epoch), state, examples)
                job_loss, terms, _ = loss.update(params, examples, lr, scratch)
            last_loss[job.first] = job_loss, terms
        return step

    if len(jobs) <= 1 or workers == 1:  # one lane: no thread to start and join per call
        step = worker(0)
        for job in jobs:
            step(job)
    else:
        ThreadRunner(min(workers, len(jobs)), name="wordspace-infer").run(jobs, worker)
    # as in training: a non-finite loss, or one far above an untrained row's, diverged
    total, terms = last_loss.sum(axis=0)
    reference = loss.reference_loss(params, negative)
    mean = total / max(terms, 1)
    if terms and (not math.isfinite(mean) or far_above(mean, reference)) \
            or not np.isfinite(rows).all():
        raise TrainingDiverged(
            f"inference diverged: the loss per term in the last epoch is "
            f"{mean:.4g}, over {DIVERGENCE_FACTOR:g} times an untrained "
            f"row's {reference:.4g}; {lower_alpha(alpha, default_alpha)}")
    return rows.copy() if n_context else rows  # not a view that keeps the words' copy
