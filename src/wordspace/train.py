"""The training driver every window-based model shares.

The encoded corpus is cut into jobs (runs of whole sentences of about ``job_words``
tokens). ``workers`` Python threads take jobs in order from a shared queue; for each
job a thread samples examples and applies the loss's update, both compiled ``nogil``
kernels, so threads run truly in parallel and update the shared parameters without
locks (Hogwild, as word2vec.c does). The learning rate decays linearly with the number
of words handed out, from ``alpha`` to ``min_alpha`` over all epochs.

With one worker, jobs run in a fixed order from a fixed random state, so the same
seed gives the same vectors.

A run either trains or raises, never reports success on a failure: any exception in a
worker (an allocation, a kernel) stops every worker and is raised by :func:`train`;
buffers that would not fit in memory are refused before any is allocated
(:func:`check_walk_memory`, also run when a model is built, before the corpus is read);
a loss that stops being finite, or grows far above an untrained model's
(:meth:`wordspace.losses.Loss.reference_loss`), raises :class:`TrainingDiverged`; a run
that trains no pair at all raises :class:`TooLittleTraining`, and one that trains fewer
pairs than the vocabulary has words, or whose subsampling is expected to keep less than
:data:`KEEP_WARNING` of the corpus, logs a warning that says which ``sample`` keeps more.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace

import numpy as np

from wordspace.corpus import Corpus
from wordspace.engine.jobs import Job, make_jobs
from wordspace.engine.params import VectorParams
from wordspace.engine.sampler import Sampler, negative_rows, random_state
from wordspace.kernels.sgns import SHARED_BLOCK
from wordspace.losses import Loss, Params
from wordspace.progress import progress_bar
from wordspace.sampling import keep_probabilities

logger = logging.getLogger(__name__)


#: words per job (runs of whole sentences); a longer sentence is a job of its own
JOB_WORDS = 10_000
#: a refusal is kinder than swapping: training buffers may use this share of free memory
MEMORY_SHARE = 0.5
#: a running loss this many times an untrained model's is divergence (healthy training
#: only lowers it; SGNS at the default rates ends near half its starting value)
DIVERGENCE_FACTOR = 10.0
#: tracked loss terms a worker gathers before it compares their mean with the reference
DIVERGENCE_TERMS = 2_000
#: subsampling expected to keep less than this share of the corpus is warned about (on
#: text8, the default ``sample=1e-4`` keeps 54% and ``1e-5`` keeps 30%)
KEEP_WARNING = 0.25


class TrainingDiverged(RuntimeError):
    """The loss stopped being finite, or grew far above its starting value: the learning
    rate is too high for this model."""


class TooLittleTraining(ValueError):
    """A run trained no (centre, context) pair at all: subsampling discarded the whole
    corpus, or its sentences are single words. (Fewer pairs than words is a warning.)"""


class TrainingTooLarge(ValueError, MemoryError):
    """The walk's per-worker buffers would not fit in memory (both a ``ValueError``, the
    parameters are at fault, and a ``MemoryError``)."""


def available_memory() -> int:
    """Bytes of memory available to new allocations (Linux ``MemAvailable``)."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES")


def worker_bytes(*, max_job: int, job_contexts: int, max_contexts: int, negative: int,
                 negative_block: int, dim: int) -> int:
    """Bytes one worker allocates for a job of ``max_job`` words holding up to
    ``job_contexts`` contexts (at most ``max_contexts`` per centre word): the
    subsampled words, the examples (centres, context pointers, contexts, negatives) and
    the loss's scratch (SGNS's or the Gaussian's, whichever is larger)."""
    neg_rows = negative_rows(max_job, job_contexts, negative_block)
    block = min(max_contexts, SHARED_BLOCK)
    examples = 4 * max_job + 4 * max_job + 8 * (max_job + 1) + 4 * job_contexts \
        + 4 * neg_rows * negative
    scratch = max(4 * (negative + 1) * block + 4 * max(block, 2) * dim,
                  12 * (max_contexts + negative) + 20 * dim)
    return examples + scratch


def check_walk_memory(*, window: int, negative: int, negative_block: int, dim: int,
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
    per_worker = worker_bytes(max_job=max_job, job_contexts=job_contexts,
                              max_contexts=max_contexts, negative=negative,
                              negative_block=negative_block, dim=dim)
    need = per_worker * workers
    available = available_memory() if available is None else available
    if need > MEMORY_SHARE * available:
        negatives = f"{negative:,} negatives per " + (
            "centre word" if negative_block == 0 else "context" if negative_block == 1
            else f"block of up to {negative_block} contexts")
        raise TrainingTooLarge(
            f"training would need about {need / 2**30:.1f} GiB for its buffers "
            f"({workers} worker(s) x {per_worker / 2**30:.2f} GiB: jobs of up to "
            f"{max_job:,} words with up to {max_contexts:,} contexts each at window "
            f"{window:,}, {negatives}) and {available / 2**30:.1f} GiB is available "
            f"(at most {MEMORY_SHARE:.0%} of it is used): lower window, negative or "
            "workers")


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


def format_loss(value: float) -> str:
    """A loss for people: four decimals, or "n/a" when undefined (nothing was trained)."""
    return f"{value:.4f}" if math.isfinite(value) else "n/a"


@dataclass
class TrainingReport:
    """What a training run did: counted by the workers, not inferred."""

    words: int  # corpus tokens walked over, before subsampling, all epochs
    examples: int  # centre words trained (after subsampling; those with a context)
    pairs: int  # (centre, context) pairs trained
    seconds: float
    epoch_words: list[int]  # tokens walked in each epoch
    epoch_loss: list[float]  # mean loss per loss term in each epoch (a pair for SGNS,
    # a triple for the max-margin loss; sampled for SGNS, see kernels.sgns); NaN for an
    # epoch that trained nothing (subsampling discarded it all): undefined, not perfect

    @property
    def words_per_second(self) -> float:
        """Corpus words walked per second of training."""
        return self.words / self.seconds if self.seconds > 0 else float("inf")

    @property
    def loss(self) -> float:
        """Mean loss per pair in the last epoch."""
        return self.epoch_loss[-1] if self.epoch_loss else float("nan")

    def as_dict(self) -> dict:
        """Plain fields (for ``training.json``); an undefined loss is None (JSON null)."""
        fields = asdict(self)
        fields["epoch_loss"] = [x if math.isfinite(x) else None for x in self.epoch_loss]
        return {**fields, "words_per_second": self.words_per_second}

    def summary(self) -> str:
        """One line: words, pairs, seconds, words/s and the final loss."""
        return (f"trained {self.words:,} words ({self.pairs:,} pairs) in {self.seconds:.1f} s: "
                f"{self.words_per_second:,.0f} words/s, final loss {format_loss(self.loss)}")


class _Meter:
    """Counters the workers share, and the learning-rate schedule they read."""

    def __init__(self, total_words: int, alpha: float, min_alpha: float):
        self.lock = threading.Lock()
        self.total_words = total_words
        self.alpha, self.min_alpha = alpha, min_alpha
        self.started = 0  # words handed out (drives the learning rate)
        self.words = self.examples = self.pairs = 0
        self.window_loss = 0.0  # float64 sums: they never saturate
        self.window_pairs = 0
        self.window_active = 0
        self.lr = alpha
        self.error: BaseException | None = None
        self.stop = False

    def learning_rate(self) -> float:
        progress = min(self.started / max(self.total_words, 1), 1.0)
        return self.alpha - (self.alpha - self.min_alpha) * progress


def train(corpus: Corpus, loss: Loss, params: Params, *, window: int,
          negative: int, sample: float, ns_exponent: float, epochs: int, alpha: float,
          min_alpha: float, workers: int, seed: int,
          sentence_context: np.ndarray | None = None, job_words: int = JOB_WORDS,
          progress: bool = True, desc: str = "training") -> TrainingReport:
    """Train ``params`` in place on ``corpus`` with ``loss``; see the module docstring.

    ``sentence_context`` (one input row per sentence) gives every centre word of a
    sentence that row as an extra context, as PV-DBOW's document vectors are; ``window``
    0 then leaves it the only one. A loss that does not use negatives
    (``loss.uses_negatives`` false) gets none drawn, whatever ``negative`` says.

    Raises :class:`TrainingTooLarge` before any work when the buffers would not fit,
    :class:`TrainingDiverged` when the loss explodes, :class:`TooLittleTraining` when
    no pair was trained, and any worker's exception.
    """
    if not loss.uses_negatives:
        negative = 0
    tokens = np.asarray(corpus.tokens)
    offsets = np.asarray(corpus.offsets)
    counts = corpus.vocab.counts
    if sentence_context is None:
        sentence_context = np.empty(0, np.int32)
    elif len(sentence_context) != len(offsets) - 1 or len(sentence_context) and not (
            sentence_context.min() >= 0 and sentence_context.max() < params.input_rows):
        raise ValueError(f"sentence_context needs one input row (0..{params.input_rows - 1}) "
                         f"for each of the corpus's {len(offsets) - 1:,} sentences")
    tagged = len(sentence_context) > 0
    bounds = make_jobs(offsets, job_words)
    sizes = offsets[bounds[1:]] - offsets[bounds[:-1]]
    max_job = int(sizes.max()) if len(sizes) else 0
    # contexts a job can hold: a centre sees at most 2 * window words of its sentence
    lengths = np.diff(offsets)
    longest = int(lengths.max()) if len(lengths) else 0
    per_sentence = lengths * (np.minimum(2 * window, np.maximum(lengths - 1, 0)) + tagged)
    job_contexts = int(np.add.reduceat(per_sentence, bounds[:-1]).max()) if len(sizes) else 0
    max_ctx = min(2 * window, max(longest - 1, 0)) + tagged
    check_walk_memory(window=window, negative=negative, negative_block=loss.negative_block,
                      dim=params.dim, workers=workers, longest=longest,
                      max_job=max_job, job_contexts=job_contexts, tagged=tagged)
    if expected_kept_share(counts, sample) < KEEP_WARNING:
        logger.warning("%s", _subsampling_advice(counts, sample))
    sampler = Sampler.build(tokens, offsets, counts, window=window, negative=negative,
                            negative_block=loss.negative_block, sample=sample,
                            ns_exponent=ns_exponent, sentence_context=sentence_context)
    reference = loss.reference_loss(params, negative)
    jobs = [(epoch, int(s0), int(s1), int(n)) for epoch in range(epochs)
            for s0, s1, n in zip(bounds[:-1], bounds[1:], sizes, strict=True)]
    meter = _Meter(len(tokens) * epochs, alpha, min_alpha)
    epoch_words, epoch_loss, epoch_pairs = [0] * epochs, [0.0] * epochs, [0] * epochs
    queue = iter(jobs)

    def diverged(epoch: int, lr: float, mean: float) -> TrainingDiverged:
        what = ("the loss is no longer finite" if not math.isfinite(mean) else
                f"the loss per term is {mean:.4g}, over {DIVERGENCE_FACTOR:g} times an "
                f"untrained model's {reference:.4g}")
        return TrainingDiverged(
            f"training diverged in epoch {epoch + 1} of {epochs}: {what} at learning rate "
            f"{lr:.4g}; lower alpha (now {alpha:g}), e.g. to {alpha / 4:g}")

    def work(worker_id: int) -> None:
        try:  # everything, allocations included: any failure fails the run
            state = random_state(seed, worker_id)
            ex = sampler.examples(max_job, job_contexts)
            scratch = loss.scratch(params, negative, max_ctx)
            recent_loss, recent_terms = 0.0, 0  # this worker's, since its last check
            while not meter.stop:
                with meter.lock:
                    job = next(queue, None)
                    if job is None:
                        return
                    epoch, s0, s1, n = job
                    lr = meter.learning_rate()
                    meter.started += n
                sampler.sample(Job(s0, s1), state, ex)
                job_loss, loss_pairs, job_active = loss.update(params, ex, lr, scratch)
                if not math.isfinite(job_loss):
                    raise diverged(epoch, lr, job_loss)
                recent_loss += job_loss
                recent_terms += loss_pairs
                if recent_terms >= DIVERGENCE_TERMS:
                    if reference is not None and \
                            recent_loss / recent_terms > DIVERGENCE_FACTOR * reference:
                        raise diverged(epoch, lr, recent_loss / recent_terms)
                    recent_loss, recent_terms = 0.0, 0
                with meter.lock:
                    meter.words += n
                    epoch_words[epoch] += n
                    epoch_loss[epoch] += job_loss
                    epoch_pairs[epoch] += loss_pairs
                    meter.examples += ex.n_examples
                    meter.pairs += ex.n_contexts
                    meter.window_loss += job_loss
                    meter.window_pairs += loss_pairs
                    meter.window_active += job_active
                    meter.lr = lr
        except BaseException as e:  # surfaced in the calling thread
            with meter.lock:
                if meter.error is None:  # the first failure is the cause
                    meter.error = e
            meter.stop = True

    threads = [threading.Thread(target=work, args=(i,), daemon=True, name=f"wordspace-{i}")
               for i in range(workers)]
    start = time.perf_counter()
    recent_loss = recent_active = float("nan")
    with progress_bar(total=meter.total_words, unit="w", desc=desc, enable=progress) as bar:
        for t in threads:
            t.start()
        try:
            while alive := [t for t in threads if t.is_alive()]:
                alive[0].join(timeout=0.5)
                with meter.lock:
                    if meter.window_pairs:
                        recent_loss = meter.window_loss / meter.window_pairs
                        recent_active = meter.window_active / meter.window_pairs
                        meter.window_loss = 0.0
                        meter.window_pairs = meter.window_active = 0
                    words, lr = meter.words, meter.lr
                postfix = {"lr": f"{lr:.5f}", "loss": format_loss(recent_loss)}
                if loss.reports_active:
                    postfix["active"] = f"{recent_active:.1%}"
                bar.set_postfix(postfix, refresh=False)
                bar.update(words - bar.n)
        except KeyboardInterrupt:
            meter.stop = True
            for t in threads:
                t.join()
            raise
    if meter.error is not None:
        raise meter.error
    report = TrainingReport(
        words=meter.words, examples=meter.examples, pairs=meter.pairs,
        seconds=time.perf_counter() - start, epoch_words=epoch_words,
        epoch_loss=[total / n if n else float("nan")
                    for total, n in zip(epoch_loss, epoch_pairs, strict=True)])
    last = report.loss
    if reference is not None and last > DIVERGENCE_FACTOR * reference:
        raise diverged(epochs - 1, min_alpha, last)  # caught here when jobs are small
    if meter.pairs < len(counts):  # too little to learn from: an error if nothing at all
        learned = "no vector learned anything" if meter.pairs == 0 else \
            "most vectors learned nothing"
        advice = _subsampling_advice(counts, sample)
        message = (f"{meter.pairs:,} (centre, context) pairs were trained in {epochs} "
                   f"epoch(s) for a vocabulary of {len(counts):,} words: {learned}. "
                   f"{advice[0].upper()}{advice[1:]}; a sentence of one word has no context")
        if meter.pairs == 0:
            raise TooLittleTraining(message)
        logger.warning("%s", message)
    logger.info(report.summary())
    return report


def infer_rows(documents: list[np.ndarray], loss: Loss, outputs: np.ndarray,
               counts: np.ndarray, *, negative: int, sample: float, ns_exponent: float,
               epochs: int, alpha: float, min_alpha: float, seed: int, workers: int
               ) -> np.ndarray:
    """Fit one new input row per document against frozen ``outputs`` (PV-DBOW inference).

    Each document (word indices) is walked ``epochs`` times as one sentence whose only
    context is its own row; ``loss`` must leave ``outputs`` alone
    (``NegativeSamplingLoss("inputs")``). The learning rate falls linearly from
    ``alpha`` towards ``min_alpha`` over the epochs. Every row starts from the same
    seeded random vector with a random state seeded by ``seed`` alone, so a document's
    row depends on nothing but the document and the seed, however many documents or
    threads share the call.
    """
    dim = outputs.shape[1]
    empty = np.empty(0, np.int64)
    own_row = np.zeros(1, np.int32)  # the sentence's context: row 0 of its one-row view
    shared = Sampler.build(empty, empty, counts, window=0, negative=negative,
                           negative_block=loss.negative_block, sample=sample,
                           ns_exponent=ns_exponent, sentence_context=own_row)
    start = (np.random.default_rng(seed).random(dim, dtype=np.float32) - 0.5) / dim
    rows = np.tile(start, (len(documents), 1))
    last_loss = np.zeros((len(documents), 2))  # each document's last epoch: loss, terms

    def fit(i: int) -> None:
        doc = np.ascontiguousarray(documents[i], dtype=np.int32)
        n = len(doc)
        if n == 0:
            return
        params = VectorParams(rows[i:i + 1], outputs)
        sampler = replace(shared, tokens=doc, offsets=np.array([0, n], np.int64))
        state = random_state(seed, 0)
        ex = sampler.examples(n, n)
        scratch = loss.scratch(params, negative, 1)
        for epoch in range(epochs):
            lr = alpha - (alpha - min_alpha) * epoch / epochs
            sampler.sample(Job(0, 1), state, ex)
            job_loss, terms, _ = loss.update(params, ex, lr, scratch)
        last_loss[i] = job_loss, terms

    if workers > 1 and len(documents) > 1:
        with ThreadPoolExecutor(workers, thread_name_prefix="wordspace-infer") as pool:
            list(pool.map(fit, range(len(documents))))
    else:
        for i in range(len(documents)):
            fit(i)
    # as in training: a non-finite loss, or one far above an untrained row's, diverged
    total, terms = last_loss.sum(axis=0)
    reference = loss.reference_loss(VectorParams(rows, outputs), negative)
    if terms and not (total / terms <= DIVERGENCE_FACTOR * reference) \
            or not np.isfinite(rows).all():
        raise TrainingDiverged(
            f"inference diverged: the loss per term in the last epoch is "
            f"{total / max(terms, 1):.4g}, over {DIVERGENCE_FACTOR:g} times an untrained "
            f"row's {reference:.4g}; lower alpha (now {alpha:g}), e.g. to {alpha / 4:g}")
    return rows
