"""Random numbers, the noise distribution and the walk over windows.

Every model consumes the same *examples*: a centre word, the context words its
dynamic window covers after subsampling, and negatives drawn from the noise
distribution. :func:`sample_job` produces them for a job (a run of sentences) into
preallocated buffers; a loss kernel then computes the updates.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from wordspace.kernels._jit import kernel

_U12 = np.uint64(12)
_U25 = np.uint64(25)
_U27 = np.uint64(27)
_U32 = np.uint64(32)
_U40 = np.uint64(40)
_MULT = np.uint64(2685821657736338717)
_TO_UNIT = np.float32(1.0 / (1 << 24))


#: A job's examples as the loss kernels take them (see
#: :class:`wordspace.engine.layout.Examples`, whose ``arrays()`` this is): example ``e``
#: is ``centres[e]`` and ``negatives[e]`` against the bags ``bag_ptr[e]:bag_ptr[e + 1]``,
#: bag ``b`` the input rows ``rows[row_ptr[b]:row_ptr[b + 1]]``.
ExampleArrays = namedtuple("ExampleArrays", [
    "centres", "bag_ptr", "row_ptr", "rows", "negatives", "n_examples"])

#: What :func:`sample_job` samples from (a :class:`~wordspace.engine.sampler.Sampler`'s
#: tables): the encoded corpus (sentence ``s`` is ``tokens[offsets[s]:offsets[s + 1]]``),
#: each word's probability of being kept, the noise distribution's alias tables, each
#: sentence's extra input row (empty: none), the largest window, the negatives per
#: example and ``whole``: None, each centre draws its window from ``1..window``
#: (word2vec's dynamic window), or the window every centre takes (gensim's
#: ``shrink_windows=False``). None is a type of its own, so the walk is compiled apart for
#: it with the other branch pruned: the dynamic window's walk is what it was without it.
WalkTables = namedtuple("WalkTables", [
    "tokens", "offsets", "keep", "alias_prob", "alias_index", "sentence_context", "window",
    "negative", "whole"])

#: How :func:`sample_job` cuts a window into examples (a
#: :class:`~wordspace.engine.layout.Layout`, as the kernel takes it): at most
#: ``max_bags`` bags per example (0: a whole window), the window one bag
#: (``window_bag``), each word's input rows ``word_rows[word_ptr[w]:word_ptr[w + 1]]``
#: (empty ``word_ptr``: its own row), or each context the kept word's position
#: (``token_slots``).
WindowCut = namedtuple("WindowCut", [
    "max_bags", "window_bag", "word_ptr", "word_rows", "token_slots"])

#: Where :func:`sample_job` writes a job's examples (an
#: :class:`~wordspace.engine.layout.Examples`' buffers): the kept words, then the
#: examples as :data:`ExampleArrays` lays them out.
ExampleBuffers = namedtuple("ExampleBuffers", [
    "kept", "centres", "bag_ptr", "row_ptr", "rows", "negatives"])


@kernel
def next_random(state):
    """xorshift64* step on ``state[0]``; returns 64 random bits."""
    x = state[0]
    x ^= x >> _U12
    x ^= x << _U25
    x ^= x >> _U27
    state[0] = x
    return x * _MULT


@kernel
def random_below(state, n):
    """Uniform integer in ``[0, n)`` (multiply-shift on the high 32 bits)."""
    return np.int64(((next_random(state) >> _U32) * np.uint64(n)) >> _U32)


@kernel
def random_unit(state):
    """Uniform float32 in ``[0, 1)`` with 24 random bits."""
    return np.float32(next_random(state) >> _U40) * _TO_UNIT


@kernel
def draw_noise(state, alias_prob, alias_index):
    """One draw from the noise distribution by Walker's alias method (O(1), exact)."""
    i = random_below(state, alias_prob.shape[0])
    if random_unit(state) < alias_prob[i]:
        return i
    return np.int64(alias_index[i])


@kernel
def build_alias(weights):
    """Vose's alias tables for sampling index ``i`` with probability ``weights[i] / sum``."""
    n = weights.shape[0]
    scaled = weights * (n / weights.sum())
    prob = np.ones(n, dtype=np.float32)
    alias = np.arange(n).astype(np.int32)
    small = np.empty(n, dtype=np.int64)
    large = np.empty(n, dtype=np.int64)
    ns = 0
    nl = 0
    for i in range(n):
        if scaled[i] < 1.0:
            small[ns] = i
            ns += 1
        else:
            large[nl] = i
            nl += 1
    while ns > 0 and nl > 0:
        ns -= 1
        s = small[ns]
        g = large[nl - 1]
        prob[s] = scaled[s]
        alias[s] = g
        scaled[g] = (scaled[g] + scaled[s]) - 1.0
        if scaled[g] < 1.0:
            nl -= 1
            small[ns] = g
            ns += 1
    return prob, alias


@kernel(inline=True)
def subsample(tokens, start, end, keep_prob, state, buffer):
    """Copy ``tokens[start:end]`` into ``buffer``, keeping each word with probability
    ``keep_prob[word]``; returns how many were kept."""
    n = 0
    for t in range(start, end):
        w = tokens[t]
        if keep_prob[w] >= 1.0 or random_unit(state) < keep_prob[w]:
            buffer[n] = w
            n += 1
    return n


@kernel(inline=True)
def _draw_negatives(negatives, row, negative, state, alias_prob, alias_index):
    for k in range(negative):
        negatives[row, k] = draw_noise(state, alias_prob, alias_index)


@kernel(inline=True)
def _add_word(word, word_ptr, word_rows, rows, n_rows):
    """Append ``word``'s input rows (its bag in the table, or itself) to ``rows``."""
    if word_ptr.shape[0] == 0:
        rows[n_rows] = word
        return n_rows + 1
    for r in range(word_ptr[word], word_ptr[word + 1]):
        rows[n_rows] = word_rows[r]
        n_rows += 1
    return n_rows


@kernel
def sample_job(tables, cut, s0, s1, state, out):
    """Turn sentences ``s0 .. s1-1`` of ``tables`` (a :data:`WalkTables`) into examples
    of input bags cut as ``cut`` says (a :data:`WindowCut`, see
    :mod:`wordspace.engine.layout`), written to ``out`` (an :data:`ExampleBuffers`),
    drawing from the random ``state``.

    Each sentence is first subsampled (word2vec.c discards before windowing, so a window
    reaches past discarded words). Each kept word then becomes a centre with an effective
    window ``b`` drawn uniformly from ``1..window`` (``whole`` not None: ``b = window``,
    and no number is drawn); its contexts are the kept words
    within ``b`` positions on either side, never crossing the sentence (``window`` 0:
    none), then, if ``sentence_context`` is not empty, the input row
    ``sentence_context[s]`` of its sentence ``s`` (PV-DBOW's document vector). A centre
    word left with no context is skipped.

    A context word's input rows are ``word_rows[word_ptr[w]:word_ptr[w + 1]]`` (or, with
    an empty ``word_ptr``, its own row); a sentence's row is itself. With
    ``token_slots``, a context is instead the one row ``t``, its position among the job's
    kept words ``buffer[t]`` (which hold the whole job's kept words in order): the loss
    then looks up and caches each kept word's bag once
    (:class:`wordspace.engine.layout.TokenBags`). With ``window_bag``
    the window's contexts make one bag (CBOW) and one example; otherwise each context is
    a bag of its own and the window's bags are cut into examples of at most ``max_bags``
    (0: all of them). Every example is the centre word with a row of ``negative``
    negatives drawn after the window, in example order.

    Returns ``(n_examples, n_bags, n_rows, n_contexts)``; example ``e`` has centre
    ``centres[e]``, negatives ``negatives[e]`` and bags ``bag_ptr[e]:bag_ptr[e + 1]``,
    bag ``b`` the rows ``rows[row_ptr[b]:row_ptr[b + 1]]``.
    """
    # the walk itself takes the arrays one by one: compiled over a tuple of them, its
    # loops ran about 3 % slower
    return _walk(tables.tokens, tables.offsets, tables.keep, tables.alias_prob,
                 tables.alias_index, tables.sentence_context, tables.window,
                 tables.negative, tables.whole, cut.max_bags, cut.window_bag, cut.word_ptr,
                 cut.word_rows, cut.token_slots, s0, s1, state, out.kept, out.centres, out.bag_ptr,
                 out.row_ptr, out.rows, out.negatives)


@kernel
def _walk(tokens, offsets, keep_prob, alias_prob, alias_index, sentence_context, window,
          negative, whole, max_bags, window_bag, word_ptr, word_rows, token_slots, s0, s1, state,
          buffer, centres, bag_ptr, row_ptr, rows, negatives):
    """:func:`sample_job`'s walk, over its groups' arrays."""
    tagged = sentence_context.shape[0] > 0
    per_example = np.int64(max_bags)
    n_ex = 0
    n_bags = 0
    n_rows = 0
    n_ctx = 0
    bag_ptr[0] = 0
    row_ptr[0] = 0
    base = 0  # the sentence's first kept word in ``buffer``
    n = 0
    for s in range(s0, s1):
        base += n
        n = subsample(tokens, offsets[s], offsets[s + 1], keep_prob, state, buffer[base:])
        for i in range(n):
            first_bag = n_bags
            first_row = n_rows
            if window > 0:
                # pruned when compiled: None is a type of its own
                b = 1 + random_below(state, window) if whole is None else window
                lo = max(0, i - b)
                hi = min(n, i + b + 1)
                for j in range(lo, hi):
                    if j == i:
                        continue
                    if token_slots:
                        rows[n_rows] = base + j
                        n_rows += 1
                    else:
                        n_rows = _add_word(buffer[base + j], word_ptr, word_rows, rows,
                                           n_rows)
                    n_ctx += 1
                    if not window_bag:
                        n_bags += 1
                        row_ptr[n_bags] = n_rows
            if tagged:
                rows[n_rows] = sentence_context[s]
                n_rows += 1
                n_ctx += 1
                if not window_bag:
                    n_bags += 1
                    row_ptr[n_bags] = n_rows
            if n_rows == first_row:
                continue
            if window_bag:
                n_bags += 1
                row_ptr[n_bags] = n_rows
            # contexts draw no random numbers: the same stream as drawing in turn
            step = n_bags - first_bag if per_example == 0 else per_example
            for a in range(first_bag, n_bags, step):
                centres[n_ex] = buffer[base + i]
                _draw_negatives(negatives, n_ex, negative, state, alias_prob, alias_index)
                n_ex += 1
                bag_ptr[n_ex] = min(a + step, n_bags)
    return n_ex, n_bags, n_rows, n_ctx
