"""The sampler: turns a job of sentences into training examples.

A :class:`Sampler` is built once per run from the corpus and the model's walk settings
(window, negatives and their layout, subsampling, noise distribution, an optional input
row per sentence); workers then call :meth:`Sampler.sample` with a job, their own random
state and their own :class:`Examples` buffers. The work is the compiled
:func:`wordspace.kernels.sampling.sample_job`; this object only holds its arguments.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wordspace.engine.jobs import Job
from wordspace.kernels.sampling import sample_job
from wordspace.sampling import keep_probabilities, noise_tables


@dataclass(eq=False)
class Examples:
    """A job's examples: example ``e`` has centre ``centres[e]``, contexts
    ``contexts[ctx_ptr[e]:ctx_ptr[e + 1]]`` and its rows of ``negatives`` (see
    :func:`wordspace.kernels.sampling.sample_job` for the layout); ``kept`` is the
    sampler's scratch for a subsampled sentence (as long as ``centres`` by default)."""

    centres: np.ndarray
    ctx_ptr: np.ndarray
    contexts: np.ndarray
    negatives: np.ndarray
    n_examples: int = 0
    n_contexts: int = 0
    kept: np.ndarray | None = None

    def __post_init__(self):
        if self.kept is None:  # a sentence can be no longer than a job's words
            self.kept = np.empty(len(self.centres), np.int32)


def random_state(seed: int, worker: int) -> np.ndarray:
    """The sampler's random state for ``worker`` of a run seeded ``seed``: a distinct,
    non-zero 64-bit xorshift state per (seed, worker), in an array the kernel advances."""
    mixed = (seed * 0x9E3779B97F4A7C15 + (worker + 1) * 0xBF58476D1CE4E5B9) % (1 << 64)
    return np.array([mixed | 1], dtype=np.uint64)


def negative_rows(max_words: int, max_contexts: int, negative_block: int) -> int:
    """Rows of negatives a job of ``max_words`` words and ``max_contexts`` contexts can
    need: one per centre word (``negative_block`` 0), one per context (1), or one per
    block of each window (at most one per centre plus one per ``negative_block``
    contexts)."""
    if negative_block == 0:
        return max_words
    if negative_block == 1:
        return max_contexts
    return min(max_words + max_contexts // negative_block, max_contexts)


@dataclass(eq=False)
class Sampler:
    """What the walk over windows samples from, for one run.

    ``tokens`` and ``offsets`` are the encoded corpus (sentence ``s`` is
    ``tokens[offsets[s]:offsets[s + 1]]``); ``keep`` the probability of keeping each
    word (subsampling); ``noise`` the alias tables (probability, alias) negatives are
    drawn from; each centre word's window is drawn from ``1..window`` and it gets
    ``negative`` negatives per ``negative_block`` contexts (0: one set per centre word);
    ``sentence_context``, if not empty, gives every centre word of sentence ``s`` the
    input row ``sentence_context[s]`` as one more context (PV-DBOW's document row).
    """

    tokens: np.ndarray
    offsets: np.ndarray
    keep: np.ndarray
    noise: tuple[np.ndarray, np.ndarray]
    window: int
    negative: int
    negative_block: int = 0
    sentence_context: np.ndarray | None = None

    def __post_init__(self):
        self.tokens = np.asarray(self.tokens)
        self.offsets = np.asarray(self.offsets)
        if self.sentence_context is None:
            self.sentence_context = np.empty(0, np.int32)

    @classmethod
    def build(cls, tokens: np.ndarray, offsets: np.ndarray, counts: np.ndarray, *,
              window: int, negative: int, negative_block: int, sample: float,
              ns_exponent: float, sentence_context: np.ndarray | None = None) -> Sampler:
        """A sampler for a corpus whose words have ``counts``: word2vec.c's subsampling
        at ``sample`` and negatives drawn proportionally to ``count ** ns_exponent``."""
        return cls(tokens, offsets, keep_probabilities(counts, sample),
                   noise_tables(counts, ns_exponent), window, negative, negative_block,
                   sentence_context)

    @property
    def tagged(self) -> bool:
        """Whether every centre word also has its sentence's input row as a context."""
        return len(self.sentence_context) > 0

    def examples(self, max_words: int, max_contexts: int) -> Examples:
        """Buffers for the examples of a job of up to ``max_words`` words holding up to
        ``max_contexts`` contexts, in this sampler's layout of negatives."""
        rows = negative_rows(max_words, max_contexts, self.negative_block)
        return Examples(np.empty(max_words, np.int32), np.empty(max_words + 1, np.int64),
                        np.empty(max_contexts, np.int32),
                        np.empty((rows, self.negative), np.int32))

    def sample(self, job: Job, state: np.ndarray, examples: Examples) -> Examples:
        """Sample ``job``'s sentences into ``examples`` with the random ``state`` (see
        :func:`random_state`), which it advances; returns ``examples``."""
        examples.n_examples, examples.n_contexts = sample_job(
            self.tokens, self.offsets, job.first, job.stop, self.keep, self.window,
            self.negative, self.negative_block, self.noise[0], self.noise[1],
            self.sentence_context, state, examples.kept, examples.centres, examples.ctx_ptr,
            examples.contexts, examples.negatives)
        return examples
