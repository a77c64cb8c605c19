"""Phrase detection over the encoded corpus: counting candidate phrases and merging them.

A *candidate* is two adjacent words, or two words with only connector words between
them ("bank_of_america" when "of" is a connector), as gensim's ``Phrases`` counts them:
every word that is not a connector ends the candidate begun by the previous such word
and begins the next. A candidate is named by the position of its first word in
``tokens``; its last word is the first non-connector after it.

Candidates are keyed by an int64: a pair of adjacent words ``a b`` exactly by
``a * n_ids + b`` (below :data:`HASHED`), a longer sequence (words with connectors
between) by a hash of its ids (:data:`HASHED` and above). A table of distinct candidates
is sorted by key: ``keys``, ``counts`` and, when there are connector words, ``starts``,
the position in ``tokens`` of one occurrence of each (none otherwise: every key is then
its pair). Candidates of equal hashes are told apart by their words (:func:`_match`), so
a hash collision never merges two candidates.

The corpus is counted a chunk of sentences at a time: a chunk's keys (and positions)
are sorted (:func:`radix_sort`) and counted (:func:`group_candidates`), and each chunk's
table merged into the running one (:func:`merge_tables`), so memory follows the distinct
candidates, not the corpus; :func:`new_candidates` and :func:`new_words` count what each
sentence of a chunk would add. :func:`merge_phrases` rewrites a corpus with a table of
phrases, greedily from the left.
"""

from __future__ import annotations

import numpy as np

from wordspace.kernels._jit import kernel

_MIX = np.uint64(0x9E3779B97F4A7C15)
#: keys from here up are hashes of sequences longer than a pair; below, a pair's key is
#: the pair (``n_ids`` is below 2**31: an int32 id)
HASHED = np.int64(1) << 62


@kernel(inline=True)
def _end_of(seq, start, is_connector):
    """The position of the candidate's last word: the first non-connector after
    ``start``."""
    end = start + 1
    while is_connector[seq[end]]:
        end += 1
    return end


@kernel(inline=True)
def sequence_key(seq, start, end, n_ids):
    """The key of the id sequence ``seq[start..end]`` (both included)."""
    if end == start + 1:
        return np.int64(seq[start]) * n_ids + np.int64(seq[end])
    h = np.uint64(0xCBF29CE484222325)
    for i in range(start, end + 1):
        h = (h ^ np.uint64(seq[i])) * _MIX
        h ^= h >> np.uint64(29)
    return np.int64(h >> np.uint64(2)) | HASHED


@kernel
def candidate_keys(tokens, offsets, is_connector, n_ids, keys, starts):
    """Write the key and first position of every candidate of the sentences
    ``offsets`` delimit; returns how many. ``keys`` and ``starts`` hold one entry a
    token at least (``starts`` none without connector words: every key is its pair)."""
    with_starts = len(starts) > 0
    n = 0
    for s in range(len(offsets) - 1):
        start = -1
        for i in range(offsets[s], offsets[s + 1]):
            if is_connector[tokens[i]]:
                continue
            if start >= 0:
                keys[n] = sequence_key(tokens, start, i, n_ids)
                if with_starts:
                    starts[n] = start
                n += 1
            start = i
    return n


#: the most bits a radix sort pass sorts on: its 2**12 counters stay in the L1 cache
_DIGIT_BITS = 12


@kernel
def radix_sort(keys, values, scratch_keys, scratch_values, bits):
    """Sort ``keys`` (non-negative, below ``2**bits``) in place, and ``values`` with them
    (none if empty), stably: least-significant-digit radix sort, in an even number of
    passes of ``_DIGIT_BITS`` bits at most, each moving every key (and value) into the
    other of two buffers (the ``scratch`` arrays, as long), so that the last leaves them
    in ``keys`` and ``values``. 2-3x faster than NumPy's sort of a chunk's keys, and
    stable where NumPy's stable argsort is slower still."""
    n_passes = max(1, (bits + _DIGIT_BITS - 1) // _DIGIT_BITS)
    n_passes += n_passes % 2
    width = (bits + n_passes - 1) // n_passes
    mask = (np.int64(1) << width) - 1
    carry = len(values) > 0
    source, target = keys, scratch_keys
    source_values, target_values = values, scratch_values
    for p in range(n_passes):
        shift = p * width
        starts = np.zeros((1 << width) + 1, np.int64)
        for i in range(len(source)):
            starts[((source[i] >> shift) & mask) + 1] += 1
        for d in range(1 << width):
            starts[d + 1] += starts[d]
        for i in range(len(source)):
            d = (source[i] >> shift) & mask
            target[starts[d]] = source[i]
            if carry:
                target_values[starts[d]] = source_values[i]
            starts[d] += 1
        source, target = target, source
        source_values, target_values = target_values, source_values


@kernel(inline=True)
def _same(seq_a, a0, a1, seq_b, b0, b1):
    if a1 - a0 != b1 - b0:
        return False
    for k in range(a1 - a0 + 1):  # noqa: SIM110 - a generator does not compile
        if seq_a[a0 + k] != seq_b[b0 + k]:
            return False
    return True


@kernel
def group_candidates(tokens, is_connector, keys, starts, counts):
    """Count the distinct candidates of ``keys`` (sorted) and ``starts`` (in the same
    order, or none), in place: each distinct candidate's key and the position of its
    first occurrence in this order move to the front of ``keys`` and ``starts``, its
    count into ``counts``; returns how many distinct candidates there are."""
    with_starts = len(starts) > 0
    n_out = 0
    i = 0
    n = len(keys)
    while i < n:
        j = i
        while j < n and keys[j] == keys[i]:
            j += 1
        first = n_out  # the run's distinct sequences are starts[first:n_out] (n_out <= i)
        for k in range(i, j):
            found = _match(tokens, is_connector, starts, first, n_out, keys[k],
                           starts[k] if with_starts else 0)
            if found < 0:
                keys[n_out] = keys[k]
                if with_starts:
                    starts[n_out] = starts[k]
                counts[n_out] = 1
                n_out += 1
            else:
                counts[found] += 1
        i = j
    return n_out


@kernel(inline=True)
def _match(tokens, is_connector, starts, lo, hi, key, start):
    """The index in ``lo..hi-1`` (a run of entries keyed ``key``) of the candidate at
    position ``start`` of ``tokens``, comparing the words at ``starts``; -1 if none. A
    pair's key is the pair: then the run's one entry matches, and no word is read."""
    if key < HASHED:
        return lo if lo < hi else -1
    end = _end_of(tokens, start, is_connector)
    for r in range(lo, hi):
        if _same(tokens, start, end, tokens, starts[r],
                 _end_of(tokens, starts[r], is_connector)):
            return r
    return -1


@kernel(inline=True)
def _run_end(keys, i):
    """The end of the run of keys equal to ``keys[i]``."""
    j = i + 1
    while j < len(keys) and keys[j] == keys[i]:
        j += 1
    return j


@kernel
def merge_tables(tokens, is_connector, keys_a, counts_a, starts_a, keys_b, counts_b,
                 starts_b, keys, counts, starts):
    """Merge table ``b`` into table ``a`` (see the module's docstring; a candidate in
    both gets the sum of its counts) into ``keys``, ``counts`` and ``starts``, which
    hold ``len(keys_a) + len(keys_b)`` entries; returns the merged table's length.
    Within a run of equal hashed keys, ``a``'s candidates come first, then those new in
    ``b`` in ``b``'s order (the order of first occurrence when ``b`` follows ``a`` in
    the corpus)."""
    with_starts = len(starts) > 0
    i = j = n = 0
    while i < len(keys_a) or j < len(keys_b):
        take_a = j == len(keys_b) or (i < len(keys_a) and keys_a[i] <= keys_b[j])
        take_b = i == len(keys_a) or (j < len(keys_b) and keys_b[j] <= keys_a[i])
        run = n  # this key's run of the merged table begins here, a's part first
        if take_a:
            end = _run_end(keys_a, i)
            for k in range(i, end):
                keys[n], counts[n] = keys_a[k], counts_a[k]
                if with_starts:
                    starts[n] = starts_a[k]
                n += 1
            i = end
        from_a = n
        if take_b:
            end = _run_end(keys_b, j)
            for k in range(j, end):
                found = _match(tokens, is_connector, starts, run, from_a, keys_b[k],
                               starts_b[k] if with_starts else 0)
                if found >= 0:
                    counts[found] += counts_b[k]
                else:
                    keys[n], counts[n] = keys_b[k], counts_b[k]
                    if with_starts:
                        starts[n] = starts_b[k]
                    n += 1
            j = end
    return n


@kernel
def new_candidates(tokens, offsets, is_connector, keys_a, starts_a, keys_b, starts_b):
    """How many of table ``b``'s candidates table ``a`` lacks, by the sentence of
    ``offsets`` where each occurs first (``starts_b``: the first occurrences), looking
    each up in ``a``: time in ``b``'s length, not ``a``'s."""
    new = np.zeros(len(offsets) - 1, np.int64)
    for j in range(len(keys_b)):
        lo = np.searchsorted(keys_a, keys_b[j])
        hi = lo
        while hi < len(keys_a) and keys_a[hi] == keys_b[j]:
            hi += 1
        if _match(tokens, is_connector, starts_a, lo, hi, keys_b[j], starts_b[j]) < 0:
            new[np.searchsorted(offsets, starts_b[j], "right") - 1] += 1
    return new


@kernel
def candidate_ends(tokens, is_connector, starts):
    """The position of the last word of each candidate beginning at ``starts``."""
    ends = np.empty(len(starts), np.int64)
    for k in range(len(starts)):
        ends[k] = _end_of(tokens, starts[k], is_connector)
    return ends


@kernel
def add_words(tokens, lo, hi, is_connector, counts):
    """Count the words of ``tokens[lo:hi]`` into ``counts``, connectors left out (as
    gensim's vocabulary leaves them out); returns how many were not counted before."""
    n = 0
    for i in range(lo, hi):
        w = tokens[i]
        if not is_connector[w]:
            n += counts[w] == 0
            counts[w] += 1
    return n


@kernel
def new_words(tokens, offsets, is_connector, counts):
    """How many distinct words (connectors left out) ``counts`` lacks, by the sentence
    of ``offsets`` where each occurs first; ``counts`` is left as it was (each such word
    is marked -1 while counting)."""
    new = np.zeros(len(offsets) - 1, np.int64)
    for s in range(len(offsets) - 1):
        for i in range(offsets[s], offsets[s + 1]):
            w = tokens[i]
            if not is_connector[w] and counts[w] == 0:
                counts[w] = -1
                new[s] += 1
    for i in range(offsets[0], offsets[-1]):
        if counts[tokens[i]] < 0:
            counts[tokens[i]] = 0
    return new


@kernel
def table_keys(parts, part_ptr, n_ids):
    """The key of each phrase ``parts[part_ptr[p]:part_ptr[p + 1]]``."""
    keys = np.empty(len(part_ptr) - 1, np.int64)
    for p in range(len(keys)):
        keys[p] = sequence_key(parts, part_ptr[p], part_ptr[p + 1] - 1, n_ids)
    return keys


@kernel(inline=True)
def _find(tokens, start, end, n_ids, table_keys, parts, part_ptr):
    """The phrase of the table whose parts are ``tokens[start..end]``, or -1."""
    key = sequence_key(tokens, start, end, n_ids)
    p = np.searchsorted(table_keys, key)
    while p < len(table_keys) and table_keys[p] == key:
        if _same(tokens, start, end, parts, part_ptr[p], part_ptr[p + 1] - 1):
            return p
        p += 1
    return -1


@kernel
def merge_phrases(tokens, offsets, is_connector, n_ids, table_keys, parts, part_ptr,
                  out_tokens, out_offsets):
    """Rewrite the corpus with the table's phrases: phrase ``p`` (its key
    ``table_keys[p]``, sorted, its ids ``parts[part_ptr[p]:part_ptr[p + 1]]``) becomes the
    id ``n_ids + p``. Greedy from the left as gensim's ``Phrases[sentence]``: a candidate
    that is a phrase is merged and the next candidate starts after it; one that is not
    leaves its first word (and the connectors after it) as they were. Returns the number
    of tokens written."""
    n = 0
    out_offsets[0] = 0
    for s in range(len(offsets) - 1):
        start = -1
        for i in range(offsets[s], offsets[s + 1]):
            if is_connector[tokens[i]]:
                if start < 0:
                    out_tokens[n] = tokens[i]
                    n += 1
                continue
            if start >= 0:
                p = _find(tokens, start, i, n_ids, table_keys, parts, part_ptr)
                if p >= 0:
                    out_tokens[n] = n_ids + p
                    n += 1
                    start = -1
                    continue
                for k in range(start, i):
                    out_tokens[n] = tokens[k]
                    n += 1
            start = i
        if start >= 0:
            for k in range(start, offsets[s + 1]):
                out_tokens[n] = tokens[k]
                n += 1
        out_offsets[s + 1] = n
    return n


@kernel
def first_positions(tokens, n_ids):
    """The position in ``tokens`` of each id's first occurrence (``len(tokens)`` for an
    id that does not occur): a vocabulary's order of first appearance."""
    n = len(tokens)
    first = np.full(n_ids, n, np.int64)
    for i in range(n):
        t = tokens[i]
        if first[t] == n:
            first[t] = i
    return first
