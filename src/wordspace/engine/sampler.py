"""The sampler: turns a job of sentences into training examples.

A :class:`Sampler` is built once per run from the corpus and the model's walk settings
(window, negatives, subsampling, noise distribution, an optional input row per
sentence, and the :class:`~wordspace.engine.layout.Layout` of its examples); workers
then call :meth:`Sampler.sample` with a job, their own random state and their own
:class:`~wordspace.engine.layout.Examples` buffers. The work is the compiled
:func:`wordspace.kernels.sampling.sample_job`; this object only holds its tables.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wordspace.engine.jobs import Job
from wordspace.engine.layout import Examples, Layout
from wordspace.kernels.sampling import WalkTables
from wordspace.sampling import keep_probabilities, noise_tables


def random_state(seed: int, worker: int) -> np.ndarray:
    """The sampler's random state for ``worker`` of a run seeded ``seed``: a distinct,
    non-zero 64-bit xorshift state per (seed, worker), in an array the kernel advances."""
    mixed = (seed * 0x9E3779B97F4A7C15 + (worker + 1) * 0xBF58476D1CE4E5B9) % (1 << 64)
    return np.array([mixed | 1], dtype=np.uint64)


@dataclass(eq=False)
class Sampler:
    """What the walk over windows samples from, for one run.

    ``tokens`` and ``offsets`` are the encoded corpus (sentence ``s`` is
    ``tokens[offsets[s]:offsets[s + 1]]``); ``keep`` the probability of keeping each
    word (subsampling); ``noise`` the alias tables (probability, alias) negatives are
    drawn from; each centre word's window is drawn from ``1..window`` (``shrink_windows``
    False: the whole window) and each of its examples gets ``negative`` negatives;
    ``layout`` cuts windows into examples;
    ``sentence_context``, if not empty, gives every centre word of sentence ``s`` the
    input row ``sentence_context[s]`` as one more context (PV-DBOW's document row).
    """

    tokens: np.ndarray
    offsets: np.ndarray
    keep: np.ndarray
    noise: tuple[np.ndarray, np.ndarray]
    window: int
    negative: int
    layout: Layout = Layout()
    sentence_context: np.ndarray | None = None
    shrink_windows: bool = True

    def __post_init__(self):
        self.tokens = np.asarray(self.tokens)
        self.offsets = np.asarray(self.offsets)
        if self.sentence_context is None:
            self.sentence_context = np.empty(0, np.int32)

    @classmethod
    def build(cls, tokens: np.ndarray, offsets: np.ndarray, counts: np.ndarray, *,
              window: int, negative: int, layout: Layout, sample: float,
              ns_exponent: float, sentence_context: np.ndarray | None = None,
              shrink_windows: bool = True) -> Sampler:
        """A sampler for a corpus whose words have ``counts``: word2vec.c's subsampling
        at ``sample`` and negatives drawn proportionally to ``count ** ns_exponent``."""
        return cls(tokens, offsets, keep_probabilities(counts, sample),
                   noise_tables(counts, ns_exponent), window, negative, layout,
                   sentence_context, bool(shrink_windows))

    def tables(self) -> WalkTables:
        """The tables, by name, as the compiled walk takes them."""
        return WalkTables(self.tokens, self.offsets, self.keep, self.noise[0], self.noise[1],
                          self.sentence_context, self.window, self.negative,
                          None if self.shrink_windows else self.window)

    @property
    def tagged(self) -> bool:
        """Whether every centre word also has its sentence's input row as a context."""
        return len(self.sentence_context) > 0

    def examples(self, max_words: int, max_contexts: int) -> Examples:
        """Buffers for the examples of a job of up to ``max_words`` words holding up to
        ``max_contexts`` contexts, in this sampler's layout."""
        return self.layout.buffers(max_words, max_contexts, self.negative)

    def sample(self, job: Job, state: np.ndarray, examples: Examples) -> Examples:
        """Sample ``job``'s sentences into ``examples`` with the random ``state`` (see
        :func:`random_state`), which it advances; returns ``examples``."""
        return self.layout.sample(self, job, state, examples)
