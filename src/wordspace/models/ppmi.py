"""Count-based word vectors: co-occurrence, PPMI, truncated SVD (Levy, Goldberg & Dagan 2015).

    #(w, c)   windowed co-occurrence counts (one streaming pass, sparse)
    PMI(w, c) = log( #(w, c) * sum_c' #(c')^a / (#(w) * #(c)^a) ) - log k
    PPMI      = max(PMI, 0)                      (kept sparse: only positive cells)
    PPMI ~ U S V^T (rank dim);   words = U S^p  (+ contexts V S^p when add_contexts)

``a`` (``cds``, 0.75) smooths the context distribution as word2vec's noise
distribution does; ``k`` (``neg``) shifts PMI as SGNS's negatives implicitly do; ``p``
(``eig``) weights the singular values. Defaults follow LGD's recommendations for SVD:
dynamic (distance-weighted) windows, subsampling, cds 0.75, no shift, eig 0.5, w + c.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass

import numpy as np

from wordspace._validate import check_choice, check_float, check_int
from wordspace.corpus import MAX_SENTENCE_LENGTH, Corpus
from wordspace.engine.jobs import Job, epoch_jobs, make_jobs
from wordspace.engine.runner import ThreadRunner
from wordspace.kernels.cooccurrence import count_pairs
from wordspace.models.base import Model
from wordspace.progress import progress_bar
from wordspace.sampling import keep_probabilities
from wordspace.train import (
    TooLittleTraining,
    check_fits_memory,
    check_pairs,
    check_vocabulary,
)
from wordspace.vectors import Vectors

logger = logging.getLogger(__name__)

#: about how many (word, context) pairs a counting job finds at most (12 bytes each)
COUNT_PAIRS = 1 << 23


@dataclass
class CountReport:
    """What fitting did: pairs counted, distinct and positive cells, seconds per stage."""

    pairs: int
    cells: int
    positive_cells: int
    count_seconds: float
    svd_seconds: float

    @property
    def seconds(self) -> float:
        """Counting and SVD time together."""
        return self.count_seconds + self.svd_seconds

    def as_dict(self) -> dict:
        """Plain fields, for ``training.json``."""
        return {**asdict(self), "seconds": self.seconds}

    @classmethod
    def from_dict(cls, fields: dict) -> CountReport:
        """The report :meth:`as_dict` wrote; a ``ValueError`` if it is not one."""
        try:
            return cls(int(fields["pairs"]), int(fields["cells"]),
                       int(fields["positive_cells"]), float(fields["count_seconds"]),
                       float(fields["svd_seconds"]))
        except (KeyError, TypeError, ValueError) as e:
            raise ValueError(f"not a count report ({type(e).__name__}: {e})") from None


class PPMISVD(Model):
    """Word vectors from the truncated SVD of the positive PMI matrix.

    Parameters
    ----------
    dim : int
        Rank of the SVD (vector dimensions).
    window : int
        Context distance.
    weighting : {"dynamic", "uniform"}
        ``dynamic`` weights a pair at distance ``d`` by ``(window - d + 1) / window``,
        as word2vec's dynamic window does in expectation; ``uniform`` counts 1.
    sample : float
        Subsampling threshold (word2vec.c's formula); 0 keeps every word.
    cds : float
        Context-distribution smoothing exponent.
    neg : float
        Shift: PMI minus ``log neg`` (1 = no shift).
    eig : float
        Singular-value weighting ``p`` in ``U S^p`` (LGD: 0 or 0.5 beat 1).
    add_contexts : bool
        Word vectors ``U S^p + V S^p`` (LGD's w + c).
    n_iter : int
        Power iterations of the randomised SVD.
    seed : int
    progress : bool

    Attributes
    ----------
    vectors : Vectors
    word_vectors_, context_vectors_, singular_values_ : ndarray
    report_ : CountReport
    """

    _arrays = ("word_vectors_", "context_vectors_", "singular_values_")

    _report_type = CountReport
    _update_instead = ("its vectors factor the whole corpus's counts at once; fit a new "
                       "PPMISVD on the old and new text together")

    def __init__(self, *, dim: int = 100, window: int = 5, weighting: str = "dynamic",
                 sample: float = 1e-4, cds: float = 0.75, neg: float = 1.0, eig: float = 0.5,
                 add_contexts: bool = True, n_iter: int = 4, seed: int = 1,
                 progress: bool = True):
        self.dim = dim
        self.window = window
        self.weighting = weighting
        self.sample = sample
        self.cds = cds
        self.neg = neg
        self.eig = eig
        self.add_contexts = add_contexts
        self.n_iter = n_iter
        self.seed = seed
        self.progress = progress

    def _validate(self) -> None:
        check_int("dim", self.dim, 1)
        # a window is a distance within a sentence, and sentences are cut at this length
        check_int("window", self.window, 1, maximum=MAX_SENTENCE_LENGTH)
        check_choice("weighting", self.weighting, ("dynamic", "uniform"))
        check_float("sample", self.sample, 0.0)
        check_float("cds", self.cds, 0.0, strict=True, maximum=1.0)
        check_float("neg", self.neg, 0.0, strict=True)
        check_float("eig", self.eig, 0.0, maximum=1.0)
        check_int("n_iter", self.n_iter, 0)
        check_int("seed", self.seed, 0)

    def _check_resources(self, update: bool = False) -> None:
        # the counting buffer's worst case for any corpus of default sentences
        check_fits_memory(
            12 * self._job_words(MAX_SENTENCE_LENGTH) * self._reach(MAX_SENTENCE_LENGTH),
            needs=f"counting at window {self.window:,} would need about",
            detail=" for its buffer", advice="lower window")

    def _reach(self, longest: int) -> int:
        """The most pairs a word of a sentence of ``longest`` words is centre of."""
        return min(2 * self.window, max(longest - 1, 0))

    def _job_words(self, longest: int) -> int:
        """The most words of a job: about :data:`COUNT_PAIRS` pairs' worth of sentences,
        or one sentence of ``longest`` words when that is more."""
        return max(COUNT_PAIRS // (2 * self.window), longest)

    # -- fitting ------------------------------------------------------------------------
    def cooccurrence(self, corpus: Corpus):
        """The weighted co-occurrence matrix (scipy CSR, vocabulary x vocabulary)."""
        from scipy import sparse

        n = len(corpus.vocab)
        tokens, offsets = np.asarray(corpus.tokens), np.asarray(corpus.offsets)
        keep = keep_probabilities(corpus.vocab.counts, self.sample)
        longest = int(np.diff(offsets).max(initial=0))
        bounds = make_jobs(offsets, self._job_words(0))
        jobs = epoch_jobs(offsets, bounds, 1)
        most = max((job.words for job in jobs), default=0)
        capacity = most * self._reach(longest)
        sums = _Sums()
        done = {"pairs": 0, "words": 0}

        def worker(_: int):
            rows = np.empty(capacity, np.int32)
            cols, weights = np.empty_like(rows), np.empty(len(rows), np.float32)
            buffer = np.empty(most, np.int32)
            state = np.array([(self.seed * 2 + 1) % (1 << 64)], np.uint64)

            def step(job: Job) -> None:
                m = count_pairs(tokens, offsets, job.first, job.stop, self.window,
                                int(self.weighting == "dynamic"), keep, state, buffer,
                                rows, cols, weights)
                sums.add(sparse.csr_matrix((weights[:m], (rows[:m], cols[:m])),
                                           shape=(n, n)))  # sums duplicates
                done["pairs"] += m
                done["words"] += job.words
            return step

        # one lane, in job order: the sum (and the random state) are sequential
        with progress_bar(len(tokens), "w", "counting", enable=self.progress) as bar:
            ThreadRunner(1, name="wordspace-count").run(
                jobs, worker, lambda: bar.update(done["words"] - bar.n))
        self._pairs = done["pairs"]
        return sums.total(n)

    def ppmi(self, counts):
        """Shifted positive PMI with smoothed context counts, as a sparse float32 matrix
        (computed in float64)."""
        return self._into_ppmi(counts.tocsr().astype(np.float32, copy=True))

    def _into_ppmi(self, counts):
        """:meth:`ppmi` in place: the CSR ``counts``' own arrays become the PPMI's, so
        that a corpus's counts are never held twice (the largest thing a fit holds)."""
        counts.eliminate_zeros()
        word_totals = np.asarray(counts.sum(axis=1, dtype=np.float64)).ravel()
        smoothed = np.asarray(counts.sum(axis=0, dtype=np.float64)).ravel() ** self.cds
        rows = np.repeat(np.arange(counts.shape[0], dtype=np.int32), np.diff(counts.indptr))
        pmi = np.log(counts.data, dtype=np.float64)
        pmi += np.log(smoothed.sum()) - np.log(self.neg)
        with np.errstate(divide="ignore"):  # a word without cells: its log is never read
            pmi -= np.log(word_totals)[rows]
            del rows
            pmi -= np.log(smoothed)[counts.indices]
        np.maximum(pmi, 0.0, out=pmi)
        counts.data[...] = pmi
        del pmi
        counts.eliminate_zeros()
        return counts

    def _check_ppmi_memory(self, cells: int, n: int) -> None:
        """Refuse (:class:`TrainingTooLarge`), once the counting says how many ``cells``
        there are, a PPMI or SVD that would not fit in the memory left, rather than be
        killed in it: the PPMI's float64 temporaries (8 bytes a cell, 4 for the rows,
        8 for an index's look-up), freed before the SVD's blocks and factors for ``n``
        words are made, so the larger of the two, against the share of the memory left
        that every such check leaves to the rest of the process."""
        width = min(self.dim + 10, n)  # randomized_svd's oversampled block
        check_fits_memory(
            max(20 * cells, 6 * n * width * 8),
            needs=f"counting found {cells:,} (word, context) cells; their PPMI and SVD "
                  "need about", detail=" more",
            advice="raise min_count, lower window, or count a smaller corpus")

    def _parameter_bytes(self, corpus: Corpus) -> int:
        # the SVD's two float64 factors and the float32 vectors made from them (the
        # sparse counts, which grow with the corpus's pairs, are not known before counting)
        n = len(corpus.vocab)
        return n * min(self.dim, n) * (8 + 8 + 4 + 4)

    def _array_sizes(self, corpus: Corpus, words: int) -> list[int]:
        # what is saved: the float32 vectors of words and contexts, and the singular values
        rank = min(self.dim, words)
        return [words * rank * 4, words * rank * 4, rank * 4]

    def _fit(self, corpus: Corpus) -> None:
        start = time.perf_counter()
        check_vocabulary(corpus.vocab.words, 2, "a word's PMI with itself alone is "
                         "-log neg whatever the corpus: there is nothing to factor")
        if len(corpus.vocab) < self.dim:  # said before the counting, which may be long
            logger.warning("the vectors will have at most %d dimensions, not dim=%d: the "
                           "PPMI matrix of a %d-word vocabulary has no more",
                           len(corpus.vocab), self.dim, len(corpus.vocab))
        counts = self.cooccurrence(corpus)
        check_pairs(self._pairs, corpus.vocab.counts, self.sample, "were counted")
        cells = counts.nnz
        self._check_ppmi_memory(cells, len(corpus.vocab))
        matrix = self._into_ppmi(counts)
        del counts  # the matrix's, now
        if matrix.nnz == 0:  # the SVD of a zero matrix: every vector zero
            shift = (f"lower neg (--shift, now {self.neg:g}: it subtracts log neg from "
                     "every PMI; 1 subtracts nothing), or " if self.neg > 1 else "")
            raise TooLittleTraining(
                f"none of the {cells:,} co-occurring (word, context) cells has a positive "
                f"PPMI, so every vector would be zero: {shift}train on a corpus whose "
                "words co-occur more often than chance")
        counted = time.perf_counter()
        u, s, vt = randomized_svd(matrix, self.dim, self.n_iter, self.seed)
        weights = s ** self.eig
        self.singular_values_ = s.astype(np.float32)
        self.word_vectors_ = (u * weights).astype(np.float32)
        self.context_vectors_ = (vt.T * weights).astype(np.float32)
        self.report_ = CountReport(self._pairs, cells, matrix.nnz, counted - start,
                                   time.perf_counter() - counted)
        logger.info("PPMI-SVD: %d pairs, %d cells, %d positive; %.1f s counting, %.1f s SVD",
                    self._pairs, cells, matrix.nnz, self.report_.count_seconds,
                    self.report_.svd_seconds)
        self._restored()

    def _expected_shapes(self) -> dict[str, tuple[int | None, ...]]:
        # the rank can fall below dim on a tiny vocabulary; all three must agree on it
        rank = len(self.singular_values_)
        n = len(self.vocab_)
        return {"word_vectors_": (n, rank), "context_vectors_": (n, rank),
                "singular_values_": (rank,)}

    def _restored(self) -> None:
        matrix = self.word_vectors_ + self.context_vectors_ if self.add_contexts \
            else self.word_vectors_
        self.vectors = Vectors(self.vocab_.words, matrix, self.vocab_.counts)._owned_by(
            self, derived="word_vectors_ + context_vectors_"
            if self.add_contexts else None)


class _Sums:
    """A running sum of sparse matrices whose cost grows with the cells summed, not with
    the number of additions: added to one running total, each job's block would copy
    every cell counted so far (quadratic in the corpus). Kept instead as a stack whose
    sizes fall geometrically: a matrix is merged into the one below it while that one is
    not much larger (a binary counter's carries), so each cell is copied about
    log2(jobs) times, and the stack holds a few matrices at most."""

    def __init__(self):
        self._stack: list = []

    def add(self, matrix) -> None:
        self._stack.append(matrix)
        while len(self._stack) > 1 and self._stack[-2].nnz <= 2 * self._stack[-1].nnz:
            top = self._stack.pop()
            self._stack[-1] = self._stack[-1] + top

    def total(self, n: int):
        """The sum (an ``n`` x ``n`` float32 CSR matrix), smallest matrices first."""
        from scipy import sparse

        total = sparse.csr_matrix((n, n), dtype=np.float32)
        while self._stack:
            total = self._stack.pop() + total
        return total


def randomized_svd(matrix, rank: int, n_iter: int = 4, seed: int = 0, oversample: int = 10):
    """Truncated SVD by random projection with power iterations (Halko et al. 2011).

    Each half-step of the power iterations is normalised by an LU factorisation (its
    permuted unit-lower factor), as scikit-learn's ``randomized_svd`` does, and only the
    last block by a QR, whose orthonormal basis the final SVD needs: the iterations only
    have to keep the block's columns from collapsing onto the top singular vector, and a
    QR of the tall block takes several times an LU's time. For a given ``seed`` the
    result is the same from run to run (on one machine, with BLAS's threads as they were:
    their number changes the sums' rounding).

    Returns ``U`` (m x rank), ``S`` (rank,), ``V^T`` (rank x n), singular values descending.
    """
    from scipy.linalg import lu

    rng = np.random.default_rng(seed)
    m, n = matrix.shape
    width = min(rank + oversample, min(m, n))
    block = rng.standard_normal((n, width))
    for _ in range(n_iter):  # sharpen the spectrum: the range of (A A^T)^q A
        block, _ = lu(matrix @ block, permute_l=True, check_finite=False)
        block, _ = lu(matrix.T @ block, permute_l=True, check_finite=False)
    q, _ = np.linalg.qr(matrix @ block)
    small = (matrix.T @ q).T  # q^T A, dense (width x n)
    u_small, s, vt = np.linalg.svd(small, full_matrices=False)
    rank = min(rank, width)
    return (q @ u_small)[:, :rank], s[:rank], vt[:rank]
