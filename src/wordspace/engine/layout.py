"""Examples as input bags against output sets: the data contract between sampler and loss.

Every window model trains on the same kind of example (fastText's ``Model``/``Loss``
split, carried to its end): an *output set*, a centre word and its ``negative`` noise
words, meets one or more *input bags*, each a list of input rows whose mean is the
input. A loss kernel never knows where the rows came from; what differs between models
is how a window is cut into bags and examples, the :class:`Layout`:

* skip-gram with shared negatives: each context word a one-row bag, up to
  :data:`SHARED_BAGS` bags sharing one output set (Ji et al.'s minibatch);
* skip-gram per pair (word2vec.c): one one-row bag per example (``max_bags=1``);
* CBOW: the whole window as one bag (``bag="window"``);
* PV-DBOW: skip-gram plus the document's row as one more one-row bag (the sampler's
  ``sentence_context``);
* subwords (fastText): each word's bag is its row plus its n-gram rows
  (``word_bags``, a :class:`WordBags` table), each kept word's bag averaged once and
  cached while windows use it (``cache_bags``, :class:`TokenBags`).

The layout is data, not code: the compiled walk
(:func:`wordspace.kernels.sampling.sample_job`) writes any of them into the same
:class:`Examples` buffers. A layout that the walk cannot express can override
:meth:`Layout.sample` in Python and fill the buffers itself: any producer of
:class:`Examples` plugs into the engine.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from wordspace.kernels.sampling import ExampleArrays, ExampleBuffers, WindowCut, sample_job
from wordspace.kernels.sgns import TokenBags

if TYPE_CHECKING:
    from wordspace.engine.jobs import Job
    from wordspace.engine.sampler import Sampler

__all__ = ["SHARED_BAGS", "Examples", "Layout", "WordBags"]

#: The most one-row bags of a skip-gram window that share one output set (one step, one
#: set of negatives): twice the default window (5) plus a document's row, so a default
#: skip-gram or PV-DBOW window is one example, as in Ji et al. A longer window is cut
#: into examples of this many bags, each a step from the values the previous left and
#: with negatives of its own: in one step, a window of 400 contexts (``window=200``)
#: moved the centre's and the negatives' rows 400 pair-steps at once along one direction
#: and diverged. Smaller examples train long windows better but slower (window 200 on
#: 2 M words of text8, WS353: 0.39 at 1, 0.35 at 4, 0.30-0.37 at 11, 0.24-0.30 at 16;
#: per pair 0.37).
SHARED_BAGS = 11


@dataclass(eq=False)
class Examples:
    """A job's examples, in preallocated buffers (the first ``n_*`` entries are valid).

    Example ``e`` has the output set ``centres[e]`` (the positive) and ``negatives[e]``
    (a row of ``negative`` noise words), and the bags ``bag_ptr[e]:bag_ptr[e + 1]``; bag
    ``b`` holds the input rows ``rows[row_ptr[b]:row_ptr[b + 1]]``. ``n_contexts``
    counts the (centre, context) pairs the examples stand for, whatever their layout.
    ``kept`` holds the job's kept words in order (the walk's scratch). With
    ``token_bags`` (a :data:`~wordspace.kernels.sgns.TokenBags` over ``kept``), every bag
    is one row ``t`` that stands for the kept word ``kept[t]``'s bag of rows.
    """

    centres: np.ndarray
    bag_ptr: np.ndarray
    row_ptr: np.ndarray
    rows: np.ndarray
    negatives: np.ndarray
    kept: np.ndarray
    n_examples: int = 0
    n_bags: int = 0
    n_rows: int = 0
    n_contexts: int = 0
    token_bags: TokenBags | None = None

    @classmethod
    def from_lists(cls, centres: list[int], bags: list[list[list[int]]],
                   negatives: list[list[int]]) -> Examples:
        """Examples written out: example ``e`` is ``centres[e]`` and ``negatives[e]``
        against the bags ``bags[e]`` (lists of input rows). For tests and for layouts
        built in Python."""
        bag_sizes = [len(b) for b in bags]
        row_sizes = [len(bag) for example in bags for bag in example]
        n = len(centres)
        return cls(centres=np.asarray(centres, np.int32),
                   bag_ptr=np.concatenate([[0], np.cumsum(bag_sizes)]).astype(np.int64),
                   row_ptr=np.concatenate([[0], np.cumsum(row_sizes)]).astype(np.int64),
                   rows=np.array([r for ex in bags for bag in ex for r in bag], np.int32),
                   negatives=np.asarray(negatives, np.int32).reshape(n, -1),
                   kept=np.empty(0, np.int32), n_examples=n, n_bags=len(row_sizes),
                   n_rows=sum(row_sizes), n_contexts=len(row_sizes))

    def arrays(self) -> ExampleArrays:
        """The examples' arrays, by name, as the loss kernels take them."""
        return ExampleArrays(self.centres, self.bag_ptr, self.row_ptr, self.rows,
                             self.negatives, self.n_examples)

    def buffers(self) -> ExampleBuffers:
        """The buffers, by name, as the compiled walk fills them."""
        return ExampleBuffers(self.kept, self.centres, self.bag_ptr, self.row_ptr, self.rows,
                              self.negatives)

    def bag(self, b: int) -> np.ndarray:
        """The input rows of bag ``b``."""
        return self.rows[self.row_ptr[b]:self.row_ptr[b + 1]]

    def bags(self, e: int) -> list[np.ndarray]:
        """The bags of example ``e``, each an array of input rows."""
        return [self.bag(b) for b in range(self.bag_ptr[e], self.bag_ptr[e + 1])]

    def contexts(self, e: int) -> np.ndarray:
        """Every input row of example ``e``'s bags, in order."""
        return self.rows[self.row_ptr[self.bag_ptr[e]]:self.row_ptr[self.bag_ptr[e + 1]]]


@dataclass(frozen=True, eq=False)
class WordBags:
    """Each word's input bag, as compressed rows: word ``w`` is the input rows
    ``rows[ptr[w]:ptr[w + 1]]`` (its own row and, in a subword model, its n-grams')."""

    ptr: np.ndarray
    rows: np.ndarray

    @classmethod
    def from_lists(cls, bags: list[list[int]]) -> WordBags:
        """The table of ``bags[w]`` for every word ``w`` (none may be empty)."""
        sizes = np.array([len(b) for b in bags], np.int64)
        if len(sizes) and sizes.min() < 1:
            raise ValueError(f"word {int(np.argmin(sizes))} has an empty bag")
        ptr = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        rows = np.array([r for b in bags for r in b], np.int32)
        return cls(ptr, rows)

    @functools.cached_property
    def largest(self) -> int:
        """Rows of the largest bag (found once: O(words))."""
        return int(np.diff(self.ptr).max()) if len(self.ptr) > 1 else 1

    @classmethod
    def one_row_each(cls, rows: np.ndarray) -> WordBags:
        """Word ``w``'s bag the one row ``rows[w]`` (inference's gathered word rows): the
        pointers ``0, 1, ..., len(rows)`` are shared between calls (read-only) and the
        largest bag is known, so that building one costs nothing beyond ``rows``."""
        bags = cls(_one_row_each(len(rows)), rows)
        bags.__dict__["largest"] = 1  # what the cached property would find
        return bags


@functools.lru_cache(maxsize=4)
def _one_row_each(n_words: int) -> np.ndarray:
    """``WordBags.ptr`` of one row per word, kept for the next inference call (read-only,
    as calls share it)."""
    ptr = np.arange(n_words + 1, dtype=np.int64)
    ptr.setflags(write=False)
    return ptr


@dataclass(frozen=True)
class Sizes:
    """How many examples, bags and input rows a job's buffers must hold."""

    examples: int
    bags: int
    rows: int


@dataclass(frozen=True)
class Layout:
    """How a centre word's window becomes examples.

    ``bag``: ``"context"``, each context (a word, or the sentence's row) its own bag;
    ``"window"``, every context of the window in one bag. ``max_bags``: the most bags
    one example holds, a window's bags cut into examples of that many, each with its own
    negatives (0: a whole window is one example). ``word_bags``: each word's input rows
    (default: the word's own row); a sentence's row is always a row of its own.
    ``cache_bags``: a kept word's bag is averaged once and cached while the windows that
    reach it use it, its rows stepped once when it leaves
    (:func:`~wordspace.kernels.sgns.token_bags_kernel`); needs ``word_bags`` and
    ``bag="context"``.
    """

    bag: str = "context"
    max_bags: int = 0
    word_bags: WordBags | None = None
    cache_bags: bool = False

    def __post_init__(self):
        if self.bag not in ("context", "window"):
            raise ValueError(f"bag must be 'context' or 'window', got {self.bag!r}")
        if self.max_bags < 0:
            raise ValueError(f"max_bags must be at least 0, got {self.max_bags}")
        if self.cache_bags and self.bag != "context":
            raise ValueError("cache_bags caches context words' bags: it needs "
                             "bag='context'")

    @property
    def cached(self) -> bool:
        """Whether bags are cached kept words (``cache_bags`` over a word-bag table)."""
        return self.cache_bags and self.word_bags is not None

    @property
    def rows_per_word(self) -> int:
        """Input rows one context word can bring."""
        return 1 if self.word_bags is None or self.cached else self.word_bags.largest

    def cache_slots(self, window: int) -> int:
        """Word bags a worker's loss caches at once for windows up to ``window`` (0:
        none): the contexts of one window and every kept word a later window still
        reaches lie within ``2 * window + 1`` positions."""
        return 2 * window + 2 if self.cached else 0

    def bags_per_example(self, max_contexts: int) -> int:
        """The most bags an example can hold when a window has up to ``max_contexts``."""
        if self.bag == "window":
            return 1
        return max(min(self.max_bags or max_contexts, max_contexts), 1)

    def sizes(self, max_words: int, job_contexts: int) -> Sizes:
        """What a job of up to ``max_words`` words holding up to ``job_contexts``
        contexts can produce."""
        rows = max(job_contexts * self.rows_per_word, 1)
        if self.bag == "window":
            return Sizes(max_words, max_words, rows)
        if self.max_bags == 0:
            examples = max_words
        else:  # at most one per centre plus one per max_bags contexts, one per context
            examples = min(max_words + job_contexts // self.max_bags, job_contexts)
        return Sizes(max(examples, 1), max(job_contexts, 1), rows)

    def buffers(self, max_words: int, job_contexts: int, negative: int) -> Examples:
        """Empty buffers for the examples of one job (see :meth:`sizes`)."""
        size = self.sizes(max_words, job_contexts)
        kept = np.empty(max(max_words, 1), np.int32)
        table = self.word_bags
        return Examples(centres=np.empty(size.examples, np.int32),
                        bag_ptr=np.empty(size.examples + 1, np.int64),
                        row_ptr=np.empty(size.bags + 1, np.int64),
                        rows=np.empty(size.rows, np.int32),
                        negatives=np.empty((size.examples, negative), np.int32), kept=kept,
                        token_bags=TokenBags(kept, table.ptr, table.rows)
                        if self.cached else None)

    def sample(self, sampler: Sampler, job: Job, state: np.ndarray,
               examples: Examples) -> Examples:
        """Walk ``job``'s sentences into ``examples`` with the random ``state`` (advanced)
        and ``sampler``'s tables; returns ``examples``."""
        (examples.n_examples, examples.n_bags, examples.n_rows,
         examples.n_contexts) = sample_job(sampler.tables(), self.cut(), job.first, job.stop,
                                           state, examples.buffers())
        return examples

    def cut(self) -> WindowCut:
        """This layout as the compiled walk takes it."""
        table = self.word_bags
        ptr, rows = (_NO_PTR, _NO_ROWS) if table is None or self.cached else (table.ptr,
                                                                              table.rows)
        return WindowCut(self.max_bags, self.bag == "window", ptr, rows, self.cached)


_NO_PTR = np.zeros(0, np.int64)
_NO_ROWS = np.zeros(0, np.int32)
