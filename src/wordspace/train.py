"""The training driver every window-based model shares.

The encoded corpus is cut into jobs (runs of whole sentences of about ``job_words``
tokens). ``workers`` Python threads take jobs in order from a shared queue; for each
job a thread samples examples and applies the loss's update, both compiled ``nogil``
kernels, so threads run truly in parallel and update the shared parameters without
locks (Hogwild, as word2vec.c does). The learning rate decays linearly with the number
of words handed out, from ``alpha`` to ``min_alpha`` over all epochs.

With one worker, jobs run in a fixed order from a fixed random state, so the same
seed gives the same vectors.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass

import numpy as np

from wordspace.corpus import Corpus
from wordspace.kernels.sampling import sample_job
from wordspace.losses import Examples, Loss
from wordspace.progress import progress_bar
from wordspace.sampling import keep_probabilities, noise_tables

logger = logging.getLogger(__name__)


class TrainingDiverged(RuntimeError):
    """The loss stopped being finite: the learning rate is too high for this model."""


@dataclass
class TrainingReport:
    """What a training run did: counted by the workers, not inferred."""

    words: int  # corpus tokens walked over, before subsampling, all epochs
    examples: int  # centre words trained (after subsampling; those with a context)
    pairs: int  # (centre, context) pairs trained
    seconds: float
    epoch_words: list[int]  # tokens walked in each epoch
    epoch_loss: list[float]  # mean loss per loss term in each epoch (a pair for SGNS,
    # a triple for the max-margin loss; sampled for SGNS, see kernels.sgns)

    @property
    def words_per_second(self) -> float:
        """Corpus words walked per second of training."""
        return self.words / self.seconds if self.seconds > 0 else float("inf")

    @property
    def loss(self) -> float:
        """Mean loss per pair in the last epoch."""
        return self.epoch_loss[-1] if self.epoch_loss else float("nan")

    def as_dict(self) -> dict:
        """Plain fields (for ``training.json``)."""
        return {**asdict(self), "words_per_second": self.words_per_second}

    def summary(self) -> str:
        """One line: words, pairs, seconds, words/s and the final loss."""
        return (f"trained {self.words:,} words ({self.pairs:,} pairs) in {self.seconds:.1f} s: "
                f"{self.words_per_second:,.0f} words/s, final loss {self.loss:.4f}")


def make_jobs(offsets: np.ndarray, job_words: int) -> np.ndarray:
    """Sentence indices where jobs start: runs of whole sentences of at most ``job_words``
    tokens (a longer sentence is a job of its own). Returns boundaries ``b`` with job ``i``
    covering sentences ``b[i] .. b[i + 1] - 1``."""
    bounds = [0]
    n = len(offsets) - 1
    while bounds[-1] < n:
        s = bounds[-1]
        e = int(np.searchsorted(offsets, offsets[s] + job_words, side="right")) - 1
        bounds.append(min(max(e, s + 1), n))
    return np.asarray(bounds, dtype=np.int64)


def _thread_seed(seed: int, worker_id: int) -> int:
    """A distinct, non-zero 64-bit xorshift state per (seed, worker)."""
    mixed = (seed * 0x9E3779B97F4A7C15 + (worker_id + 1) * 0xBF58476D1CE4E5B9) % (1 << 64)
    return mixed | 1


def _example_buffers(loss: Loss, max_job: int, max_contexts: int, negative: int) -> Examples:
    """Room for the examples of a job of up to ``max_job`` words."""
    neg_rows = max_job * max_contexts if loss.negatives_per_context else max_job
    return Examples(np.empty(max_job, np.int32), np.empty(max_job + 1, np.int64),
                    np.empty(max_job * max_contexts, np.int32),
                    np.empty((neg_rows, negative), np.int32))


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


def train(corpus: Corpus, loss: Loss, params: tuple[np.ndarray, ...], *, window: int,
          negative: int, sample: float, ns_exponent: float, epochs: int, alpha: float,
          min_alpha: float, workers: int, seed: int,
          sentence_context: np.ndarray | None = None, job_words: int = 10_000,
          progress: bool = True, desc: str = "training") -> TrainingReport:
    """Train ``params`` in place on ``corpus`` with ``loss``; see the module docstring.

    ``sentence_context`` (one input row per sentence) gives every centre word of a
    sentence that row as an extra context, as PV-DBOW's document vectors are; ``window``
    0 then leaves it the only one. A loss that does not use negatives
    (``loss.uses_negatives`` false) gets none drawn, whatever ``negative`` says.
    """
    if not loss.uses_negatives:
        negative = 0
    tokens = np.asarray(corpus.tokens)
    offsets = np.asarray(corpus.offsets)
    counts = corpus.vocab.counts
    keep = keep_probabilities(counts, sample)
    alias_prob, alias_index = noise_tables(counts, ns_exponent)
    bounds = make_jobs(offsets, job_words)
    sizes = offsets[bounds[1:]] - offsets[bounds[:-1]]
    max_job = int(sizes.max())
    jobs = [(epoch, int(s0), int(s1), int(n)) for epoch in range(epochs)
            for s0, s1, n in zip(bounds[:-1], bounds[1:], sizes, strict=True)]
    meter = _Meter(len(tokens) * epochs, alpha, min_alpha)
    epoch_words, epoch_loss, epoch_pairs = [0] * epochs, [0.0] * epochs, [0] * epochs
    queue = iter(jobs)
    if sentence_context is None:
        sentence_context = np.empty(0, np.int32)
    elif len(sentence_context) != len(offsets) - 1 or len(sentence_context) and not (
            sentence_context.min() >= 0 and sentence_context.max() < len(params[0])):
        raise ValueError(f"sentence_context needs one input row (0..{len(params[0]) - 1}) "
                         f"for each of the corpus's {len(offsets) - 1:,} sentences")
    max_ctx = 2 * window + (len(sentence_context) > 0)

    def work(worker_id: int) -> None:
        state = np.array([_thread_seed(seed, worker_id)], dtype=np.uint64)
        buffer = np.empty(max_job, np.int32)
        ex = _example_buffers(loss, max_job, max_ctx, negative)
        scratch = loss.scratch(params, negative, max_ctx)
        try:
            while not meter.stop:
                with meter.lock:
                    job = next(queue, None)
                    if job is None:
                        return
                    epoch, s0, s1, n = job
                    lr = meter.learning_rate()
                    meter.started += n
                ex.n_examples, ex.n_contexts = sample_job(
                    tokens, offsets, s0, s1, keep, window, negative, loss.negatives_per_context,
                    alias_prob, alias_index, sentence_context, state, buffer,
                    ex.centres, ex.ctx_ptr, ex.contexts, ex.negatives)
                job_loss, loss_pairs, job_active = loss.update(params, ex, lr, scratch)
                if not math.isfinite(job_loss):
                    raise TrainingDiverged(
                        f"training diverged in epoch {epoch + 1} of {epochs}: the loss is "
                        f"no longer finite at learning rate {lr:.4g}; lower alpha "
                        f"(now {alpha:g})")
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
                postfix = {"lr": f"{lr:.5f}", "loss": f"{recent_loss:.4f}"}
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
        epoch_loss=[total / max(n, 1) for total, n in zip(epoch_loss, epoch_pairs, strict=True)])
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
    keep = keep_probabilities(counts, sample)
    alias_prob, alias_index = noise_tables(counts, ns_exponent)
    start = (np.random.default_rng(seed).random(dim, dtype=np.float32) - 0.5) / dim
    rows = np.tile(start, (len(documents), 1))
    own_row = np.zeros(1, np.int32)  # the sentence's context: row 0 of its one-row view

    def fit(i: int) -> None:
        doc = np.ascontiguousarray(documents[i], dtype=np.int32)
        n = len(doc)
        if n == 0:
            return
        params = (rows[i:i + 1], outputs)
        offsets = np.array([0, n], np.int64)
        state = np.array([_thread_seed(seed, 0)], dtype=np.uint64)
        ex = _example_buffers(loss, n, 1, negative)
        scratch = loss.scratch(params, negative, 1)
        buffer = np.empty(n, np.int32)
        for epoch in range(epochs):
            lr = alpha - (alpha - min_alpha) * epoch / epochs
            ex.n_examples, ex.n_contexts = sample_job(
                doc, offsets, 0, 1, keep, 0, negative, loss.negatives_per_context,
                alias_prob, alias_index, own_row, state, buffer,
                ex.centres, ex.ctx_ptr, ex.contexts, ex.negatives)
            loss.update(params, ex, lr, scratch)

    if workers > 1 and len(documents) > 1:
        with ThreadPoolExecutor(workers, thread_name_prefix="wordspace-infer") as pool:
            list(pool.map(fit, range(len(documents))))
    else:
        for i in range(len(documents)):
            fit(i)
    return rows
