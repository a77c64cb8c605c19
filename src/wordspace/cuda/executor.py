"""Host side of CUDA training: the engine's jobs, run as a few large kernel launches.

:class:`CudaNegativeSampling` takes what the CPU engine computes for a run (the
:class:`~wordspace.engine.sampler.Sampler`, its layout included, the parameters, the
list of :class:`~wordspace.engine.jobs.Job` and each job's learning rate from the
:class:`~wordspace.engine.schedule.Schedule`) and trains negative sampling over that
layout (skip-gram, CBOW, PV-DBOW, fastText's subwords) on the device:

* the subsampling and noise tables and both matrices are copied to the device once,
  and so is the encoded corpus where it fits (in half the device's free memory, with
  its scratch); a longer one is streamed, each launch's span of tokens copied before
  the launch (:class:`DeviceCorpus`);
* every job's sentences are cut into chunks of at most ``chunk_words`` words (a window
  never crosses a chunk, as it never crosses a sentence), each chunk carrying its job's
  learning rate; one warp trains one chunk;
* consecutive jobs are grouped into launches of about ``launch_words`` words (thousands
  of chunks: enough warps to fill a large GPU), in job order and never across an
  epoch's end, so the learning rate decays across launches as it does across jobs on
  the CPU, and a launch's tokens are one span of the corpus;
* after each launch the per-chunk counters come back (a few bytes per chunk) and
  ``report`` is called with the words done and the loss so far;
* at the end both matrices are copied back into the host arrays, in place.
"""

from __future__ import annotations

import math
import numbers
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from wordspace._validate import check_int
from wordspace.cuda.device import import_cuda, require_cuda, simulated
from wordspace.engine.layout import SHARED_BAGS

#: words per chunk: one warp's share of a sentence (a longer sentence is cut)
CHUNK_WORDS = 1024
#: words per launch: about 16 k chunks, several waves of warps on a large GPU
LAUNCH_WORDS = 16_000_000
#: warps (chunks) per thread block on a GPU (the simulator needs 1)
WARPS = 4
#: the largest shared memory a block may take statically
SHARED_LIMIT = 48 * 1024


@dataclass
class CudaReport:
    """What a device run did: corpus ``words`` trained (counted once per epoch),
    (centre, context) ``pairs``, the ``loss`` summed over ``terms`` tracked pairs (its
    ratio is the mean loss per pair), kernel ``launches``, and seconds spent training
    (``seconds``, copies to and from the device included) and compiling before it;
    ``next_job``: the index in the call's jobs of the first one it did not train (all
    trained: their number; fewer when the call's ``pause`` stopped it)."""

    words: int = 0
    examples: int = 0  # centre words trained (those with a context), as the CPU counts
    pairs: int = 0
    loss: float = 0.0
    terms: int = 0
    launches: int = 0
    seconds: float = 0.0
    compile_seconds: float = 0.0
    next_job: int = 0

    @property
    def mean_loss(self) -> float:
        """Mean loss per tracked (centre, context) pair (NaN before any)."""
        return self.loss / self.terms if self.terms else math.nan

    @property
    def words_per_second(self) -> float:
        """Corpus words trained per second of device time (NaN before any)."""
        return self.words / self.seconds if self.seconds > 0 else math.nan


def cut_chunks(offsets: np.ndarray, jobs: Sequence, rates: Sequence[float], *,
               chunk_words: int = CHUNK_WORDS):
    """Every job's sentences cut into chunks of at most ``chunk_words`` tokens.

    Returns ``(start, stop, lr, job_end)``: chunk ``c`` is tokens
    ``start[c]:stop[c]`` at learning rate ``lr[c]``, and job ``i``'s chunks end at
    ``job_end[i]`` (jobs in the order given). Empty sentences give no chunk.
    """
    offsets = np.asarray(offsets, dtype=np.int64)
    starts, stops, lrs, ends, total = [], [], [], [], 0
    for job, rate in zip(jobs, rates, strict=True):
        first, last = offsets[job.first:job.stop], offsets[job.first + 1:job.stop + 1]
        pieces = -(-(last - first) // chunk_words)  # ceil; 0 for an empty sentence
        owner = np.repeat(np.arange(len(first)), pieces)
        within = np.arange(len(owner)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
        start = first[owner] + within * chunk_words
        starts.append(start)
        stops.append(np.minimum(start + chunk_words, last[owner]))
        lrs.append(np.full(len(owner), rate, np.float32))
        total += len(owner)
        ends.append(total)
    if not starts:
        empty = np.empty(0, np.int64)
        return empty, empty, np.empty(0, np.float32), np.empty(0, np.int64)
    return (np.concatenate(starts), np.concatenate(stops), np.concatenate(lrs),
            np.asarray(ends, np.int64))


@dataclass(frozen=True)
class Launch:
    """One kernel launch: chunks ``first .. first + count - 1`` (of :func:`cut_chunks`),
    ``words`` corpus words, from job ``job`` on (its index in the call's jobs)."""

    first: int
    count: int
    words: int
    job: int


def launch_groups(jobs: Sequence, job_end: np.ndarray, launch_words: int, *,
                  start: int = 0) -> list[Launch]:
    """Consecutive jobs from ``jobs[start]`` on grouped into launches of about
    ``launch_words`` words, a launch never crossing an epoch's end (so its chunks' tokens
    are one span of the corpus); ``job_end`` is :func:`cut_chunks`'s for all of ``jobs``,
    so a chunk keeps its index, hence its random streams, wherever a call starts."""
    groups, words = [], 0
    begin = int(job_end[start - 1]) if start else 0
    first_job = start
    for i in range(start, len(jobs)):
        job = jobs[i]
        words += job.words
        if (words >= launch_words or i == len(jobs) - 1
                or jobs[i + 1].epoch != job.epoch):
            end = int(job_end[i])
            groups.append(Launch(begin, end - begin, words, first_job))
            begin, words, first_job = end, 0, i + 1
    return groups


def check_start(start: int, jobs: Sequence) -> int:
    """A train call's ``start``: an index in ``jobs`` (``len(jobs)``: nothing to do)."""
    check_int("start", start, 0)
    if start > len(jobs):
        raise ValueError(f"start {start} is past the {len(jobs)} jobs given")
    return int(start)


def check_device_memory(cuda, device: str, arrays: dict[str, int]) -> None:
    """Raise :class:`~wordspace.train.TrainingTooLarge`, naming the sizes, when the
    ``arrays`` (a name -> bytes) a run keeps on the device do not fit in its free memory
    (the corpus is not among them: :class:`DeviceCorpus` streams it when it must)."""
    from wordspace.train import TrainingTooLarge

    context = cuda.current_context()
    # an earlier call's arrays (the last epoch's, or before a pause) are freed lazily:
    # until flushed they count as used, and would make a run that fits look too large
    pending = getattr(getattr(context, "memory_manager", None), "deallocations", None)
    if pending is not None:
        pending.clear()
    free = context.get_memory_info()[0]
    need = sum(arrays.values())
    if need > free:
        parts = ", ".join(f"{name} {size / 2**30:.2f} GiB" for name, size in arrays.items())
        raise TrainingTooLarge(
            f"training on {device} needs {need / 2**30:.2f} GiB of its memory ({parts}) "
            f"and {free / 2**30:.2f} GiB is free: lower dim (or bucket), or train on the CPU")


class DeviceCorpus:
    """The encoded corpus on the device for a run's launches (:func:`launch_groups`'s
    :class:`Launch` list over chunks ``start``/``stop``), with scratch as long for the subsampled
    words: the whole corpus copied once where it fits in ``max_resident_words`` (None:
    where its tokens and scratch take at most half the device's free memory), otherwise
    streamed: before each launch, its span of tokens is copied into one buffer as long
    as the longest span (a launch's ~16 M words: 64 MB; a few milliseconds by arithmetic,
    not yet measured)."""

    def __init__(self, cuda, tokens: np.ndarray, start: np.ndarray, stop: np.ndarray,
                 groups: list[Launch], *, max_resident_words: int | None = None):
        self.tokens = np.ascontiguousarray(tokens, dtype=np.int32)
        self.start, self.stop = start, stop
        if max_resident_words is None:
            free = cuda.current_context().get_memory_info()[0]
            max_resident_words = free / (2 * 8)  # int32 tokens and scratch (inf: simulator)
        self.resident = len(self.tokens) <= max_resident_words
        span = max((int(stop[g.first + g.count - 1] - start[g.first]) for g in groups
                    if g.count), default=1)
        size = max(len(self.tokens) if self.resident else span, 1)
        self.device = (cuda.to_device(self.tokens) if self.resident
                       else cuda.device_array(size, np.int32))
        self.kept = cuda.device_array(size, np.int32)

    def load(self, first: int, count: int) -> int:
        """Put chunks ``first .. first + count - 1``'s tokens on the device; returns the
        corpus position of the device array's first token (the kernels' ``token_base``)."""
        if self.resident or not count:
            return 0
        lo, hi = int(self.start[first]), int(self.stop[first + count - 1])
        self.device[:hi - lo].copy_to_device(self.tokens[lo:hi])
        return lo


def device_tables(cuda, sampler, start: np.ndarray, stop: np.ndarray,
                  lr: np.ndarray) -> dict:
    """What every device run reads besides its parameters and corpus, on the device:
    the sampler's subsampling probabilities (``keep``) and noise alias tables
    (``prob``, ``alias``), and the chunks' ``start``, ``stop`` and ``lr``."""
    to = cuda.to_device
    return dict(keep=to(np.asarray(sampler.keep, np.float32)),
                prob=to(np.asarray(sampler.noise[0], np.float32)),
                alias=to(np.asarray(sampler.noise[1], np.int32)),
                start=to(start), stop=to(stop), lr=to(lr))


def chunk_counters(cuda, chunks: int, **dtypes) -> dict:
    """A device array of one counter per chunk for each name in ``dtypes`` (its dtype),
    zeros, which the kernels add a chunk's counts to and :func:`run_launches` sums:
    added, not written, so a chunk trained twice or never shows in the totals."""
    return {name: cuda.to_device(np.zeros(max(chunks, 1), dtype))
            for name, dtype in dtypes.items()}


def run_launches(groups: list[Launch], launch: Callable[[int, int], None],
                 sums: dict, counters: CudaReport,
                 report: Callable[[CudaReport], None] | None, start_time: float, *,
                 jobs: Sequence, pause: Callable[[object], bool] | None = None) -> None:
    """Call ``launch(first chunk, chunk count)`` for each of :func:`launch_groups`'s
    launches over ``jobs`` in order; after each, add the launch's per-chunk device
    counters (``sums``: a counter's name -> its device array, one entry per chunk) into
    ``counters``, count its words, raise ``FloatingPointError`` if the loss is no longer
    finite, and call ``report(counters)``. Before each launch but the first,
    ``pause(job)`` (if given; the launch's first job) may stop the loop there. Sets
    ``counters.next_job``: the first job not trained (``len(jobs)`` when all were)."""
    for i, group in enumerate(groups):
        if i and pause is not None and pause(jobs[group.job]):
            counters.next_job = group.job
            return
        if group.count:
            launch(group.first, group.count)
            counters.launches += 1
            part = slice(group.first, group.first + group.count)
            for name, array in sums.items():
                setattr(counters, name,
                        getattr(counters, name) + array[part].copy_to_host().sum().item())
        counters.words += int(group.words)
        counters.seconds = time.perf_counter() - start_time
        if not math.isfinite(counters.loss):
            raise FloatingPointError(
                f"training diverged on the device: the loss is {counters.loss} after "
                f"{counters.words:,} words (lower alpha)")
        if report is not None:
            report(counters)
    counters.next_job = len(jobs)


@dataclass(frozen=True)
class DeviceLayout:
    """What :func:`wordspace.cuda.kernels.build` compiles for a sampler's layout: the most
    bags per example (``block``), the whole window one bag (``window_bag``, CBOW), each
    context word its bag of rows (``subwords``), the sentence's row as a last context
    (``tagged``, PV-DBOW)."""

    block: int
    window_bag: bool = False
    subwords: bool = False
    tagged: bool = False

    @classmethod
    def of(cls, sampler) -> DeviceLayout:
        """The device's view of ``sampler``'s layout, window and sentence rows."""
        layout, tagged = sampler.layout, bool(sampler.tagged)
        contexts = 2 * sampler.window + int(tagged)
        subwords = layout.word_bags is not None
        if subwords and tagged:
            raise NotImplementedError("sentence rows beside subword bags are not on the "
                                      "device")
        # a kept word's bag cached while windows use it (the CPU's cache_bags) is the
        # CPU's way to save memory traffic; the device averages each bag where used
        return cls(block=layout.bags_per_example(max(contexts, 1)),
                   window_bag=layout.bag == "window", subwords=subwords, tagged=tagged)

    @property
    def cacheable(self) -> bool:
        """Whether the shared-memory cache can hold the contexts: one-row bags of words
        only (skip-gram)."""
        return not (self.window_bag or self.subwords or self.tagged)


def check_count(name: str, value, *, none: bool = False) -> int | None:
    """An executor's option counting something: a positive int (or, with ``none``, None),
    else a ValueError naming it; as a plain int. Options come from users
    (``device_options``, ``--device-option``), so a bool or a float is refused."""
    if none and value is None:
        return None
    check_int(name, value, 1)
    return int(value)


def check_switch(name: str, value, *, none: bool = False) -> bool | None:
    """An executor's on/off option: True or False (also 1 or 0, as ``bench/gpu.py
    --variants`` gives them; with ``none``, None), else a ValueError naming it."""
    if none and value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or (
            isinstance(value, numbers.Integral) and value in (0, 1)):
        return bool(value)
    raise ValueError(f"{name} must be True or False{' (or None)' if none else ''}, "
                     f"got {value!r}")


def launch_blocks(count: int, warps: int, concurrent_chunks: int | None) -> int:
    """Thread blocks of ``warps`` warps for a launch of ``count`` chunks: one warp per
    chunk, or as few as ``concurrent_chunks`` takes, rounded down to whole blocks (at
    least one): each warp then trains every so many chunks, in a kernel built
    ``strided``."""
    blocks = -(-count // warps)
    if concurrent_chunks is not None:
        blocks = min(blocks, max(1, concurrent_chunks // warps))
    return blocks


class CudaNegativeSampling:
    """Negative sampling over the engine's layouts on a CUDA device: skip-gram (shared
    negatives, or per pair), CBOW, PV-DBOW and fastText's subword bags, as the CPU's
    negative-sampling kernel trains them.

    ``device`` is ``"cuda"`` or ``"cuda:N"``, checked at once (:func:`require_cuda`);
    ``output_rate`` the output rows' learning rate as a share of the inputs' (the
    loss's); ``warps`` chunks per thread block, ``chunk_words`` words per chunk,
    ``launch_words`` words per launch; ``cache`` keeps the window's context rows in
    shared memory (skip-gram only; None: whenever they fit; off by default: on an H200
    it trained slower, to a higher loss); ``atomic`` (the default) adds every step to a
    global row with an atomic add, so concurrent warps' updates of a row are never lost
    (Hogwild without lost writes; reads stay unsynchronised): the plain ``+=``
    (``atomic=False``) loses some when thousands of warps write the frequent words'
    rows at once, the likeliest cause of the H200 run's 2-3 Google points below the
    CPU: a CPU emulation of the device's concurrency trains to the CPU's quality with
    atomics (bench/prototypes/hogwild_rounds.py, bench/gpu_notes.md).
    ``max_resident_words``: the longest corpus copied to the device whole; a longer one
    is streamed a launch at a time
    (:class:`DeviceCorpus`; None: by the device's free memory). ``concurrent_chunks``:
    at most this many chunks train at once (each warp then trains its chunks in turn;
    rounded down to a multiple of ``warps``, at least ``warps``), for fewer concurrent
    writers of a row than the device holds warps (None: a warp per chunk, every warp
    the device can hold in flight). Switches may be given as 1 or 0 (``atomic=1``), as
    ``bench/gpu.py --variants`` passes them; anything else is refused at once.
    """

    def __init__(self, device: str = "cuda", *, output_rate: float = 1.0,
                 warps: int = WARPS, chunk_words: int = CHUNK_WORDS,
                 launch_words: int = LAUNCH_WORDS, cache: bool | None = False,
                 atomic: bool = True, max_resident_words: int | None = None,
                 concurrent_chunks: int | None = None):
        self.device = device
        self.index = require_cuda(device)
        self.simulated = simulated()
        self.output_rate = float(output_rate)
        self.warps = 1 if self.simulated else check_count("warps", warps)
        self.lanes = 1 if self.simulated else 32
        self.chunk_words = check_count("chunk_words", chunk_words)
        self.launch_words = check_count("launch_words", launch_words)
        self.cache = check_switch("cache", cache, none=True)
        self.atomic = check_switch("atomic", atomic)
        self.max_resident_words = check_count("max_resident_words", max_resident_words,
                                              none=True)
        self.concurrent_chunks = check_count("concurrent_chunks", concurrent_chunks,
                                             none=True)

    def blocks(self, count: int) -> int:
        """Thread blocks for a launch of ``count`` chunks (:func:`launch_blocks`)."""
        return launch_blocks(count, self.warps, self.concurrent_chunks)

    def _kernels(self, *, dim: int, window: int, negative: int,
                 layout: DeviceLayout | None = None):
        from wordspace.cuda import kernels

        layout = layout or DeviceLayout(block=SHARED_BAGS)
        cache = self.cache
        fits = kernels.shared_bytes(dim=dim, window=window, warps=self.warps,
                                    cache=True) <= SHARED_LIMIT
        if cache is None:
            cache = fits and layout.cacheable
        elif cache and not layout.cacheable:
            raise ValueError("the shared-memory cache holds skip-gram's context rows only: "
                             "cache=False")
        elif cache and not fits:
            raise ValueError(f"the window's rows (window={window}, dim={dim}, "
                             f"{self.warps} warps) do not fit in shared memory: cache=False")
        return kernels.build(dim=dim, window=window, negative=negative, warps=self.warps,
                             cache=cache, atomic=self.atomic, lanes=self.lanes,
                             block=layout.block, window_bag=layout.window_bag,
                             subwords=layout.subwords, tagged=layout.tagged,
                             strided=self.concurrent_chunks is not None)

    def compile(self, *, dim: int, window: int, negative: int,
                layout: DeviceLayout | None = None) -> float:
        """Compile the training kernel for this shape and layout (one empty launch);
        returns the seconds it took. :meth:`train` does it anyway; call it first to time
        apart."""
        cuda = import_cuda()
        start = time.perf_counter()
        train_kernel, _ = self._kernels(dim=dim, window=window, negative=negative,
                                        layout=layout)
        train_kernel[1, self.lanes * self.warps](*self.empty_launch(dim))
        cuda.synchronize()
        return time.perf_counter() - start

    @staticmethod
    def empty_launch(dim: int) -> tuple:
        """Arguments of the training kernel, of the types :meth:`train` passes, for a
        launch that trains nothing (no chunk): compiles it (also offline,
        bench/gpu_compile.py)."""
        i32, i64, f32 = np.zeros(1, np.int32), np.zeros(1, np.int64), np.ones(1, np.float32)
        syn = np.zeros((1, dim), np.float32)
        return (i32, f32, f32, i32, syn, syn.copy(), i32.copy(), i64, i64.copy(), f32,
                i32.copy(), i64.copy(), i32.copy(), np.float32(1.0), 0, 0, 0,
                np.uint64(1), np.zeros(1), i64.copy(), i64.copy(), i64.copy())

    def train(self, sampler, params, jobs: Sequence, rates: Sequence[float], *,
              seed: int = 1, report: Callable[[CudaReport], None] | None = None,
              start: int = 0, pause: Callable[[object], bool] | None = None
              ) -> CudaReport:
        """Train ``params.inputs`` / ``params.outputs`` (updated in place at the end)
        over ``jobs[start:]`` at ``rates`` (one per job), drawing as ``sampler`` says (its
        tokens, offsets, keep, noise, window, negative, layout and sentence rows); the
        jobs before ``start`` are not trained, but number the chunks, so each chunk
        draws the same random numbers wherever a call starts. ``report(counters)`` is
        called after each launch with the counters so far. ``pause(job)``, asked before
        each launch but the first with the launch's first job, stops the call there
        when it says True (the parameters copied back; ``counters.next_job`` is that
        job's index). Returns the final counters.
        """
        first_job = check_start(start, jobs)  # `start` is the chunks' below
        cuda = import_cuda()
        layout = DeviceLayout.of(sampler)
        if sampler.window < 0 or sampler.negative < 1:
            raise ValueError("CUDA negative sampling needs window >= 0 and negative >= 1")
        dim = params.inputs.shape[1]
        shape = dict(dim=dim, window=sampler.window, negative=sampler.negative,
                     layout=layout)
        counters = CudaReport(compile_seconds=self.compile(**shape))
        train_kernel, _ = self._kernels(**shape)
        start_time = time.perf_counter()
        offsets = np.asarray(sampler.offsets, np.int64)
        start, stop, lr, job_end = cut_chunks(offsets, jobs, rates,
                                              chunk_words=self.chunk_words)
        groups = launch_groups(jobs, job_end, self.launch_words, start=first_job)
        if layout.tagged:  # each chunk's sentence row (a chunk lies in one sentence)
            sentence = np.searchsorted(offsets, start, side="right") - 1
            chunk_row = np.asarray(sampler.sentence_context, np.int32)[sentence]
        else:  # never read, but as long as the chunks
            chunk_row = np.zeros(max(len(start), 1), np.int32)
        bags = sampler.layout.word_bags
        check_device_memory(cuda, self.device, {
            "input rows": params.inputs.size * 4, "output rows": params.outputs.size * 4,
            "word bags": 0 if bags is None else bags.rows.nbytes + bags.ptr.nbytes,
            "chunks": len(start) * 56})  # start, stop, rate, row, four counters
        to = cuda.to_device
        d = dict(device_tables(cuda, sampler, start, stop, lr),
                 syn0=to(np.ascontiguousarray(params.inputs, dtype=np.float32)),
                 syn1=to(np.ascontiguousarray(params.outputs, dtype=np.float32)),
                 row=to(chunk_row),
                 bag_ptr=to(np.asarray(bags.ptr if bags else np.zeros(1), np.int64)),
                 bag_rows=to(np.asarray(bags.rows if bags else np.zeros(1), np.int32)))
        sums = chunk_counters(cuda, len(start), loss=np.float64, terms=np.int64,
                              pairs=np.int64, examples=np.int64)
        threads = self.lanes * self.warps
        corpus = DeviceCorpus(cuda, sampler.tokens, start, stop, groups,
                              max_resident_words=self.max_resident_words)

        def launch(first: int, count: int) -> None:
            base = corpus.load(first, count)
            train_kernel[self.blocks(count), threads](
                corpus.device, d["keep"], d["prob"], d["alias"], d["syn0"], d["syn1"],
                corpus.kept, d["start"], d["stop"], d["lr"], d["row"], d["bag_ptr"],
                d["bag_rows"], np.float32(self.output_rate), first, count, base,
                np.uint64(seed % (1 << 64)), *sums.values())

        run_launches(groups, launch, sums, counters, report, start_time, jobs=jobs,
                     pause=pause)
        params.inputs[...] = d["syn0"].copy_to_host()
        params.outputs[...] = d["syn1"].copy_to_host()
        counters.seconds = time.perf_counter() - start_time
        return counters


#: the name the first device executor had (skip-gram was its only layout)
CudaSkipGram = CudaNegativeSampling
