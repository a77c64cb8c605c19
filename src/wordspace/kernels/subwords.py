"""Character n-grams hashed as fastText hashes them, and the mean of a word's rows.

fastText (Bojanowski et al. 2017) represents a word by its own row and the rows of the
character n-grams of ``<word>``, each n-gram hashed into one of ``bucket`` rows. The
hash and the n-gram walk here are fastText's (``Dictionary::hash`` and
``Dictionary::computeSubwords``), byte for byte, so that vectors files move between
the tools:

* the hash is 32-bit FNV-1a over the UTF-8 bytes, each byte taken as a *signed* char
  (fastText's ``uint32_t(int8_t(c))``): a byte of 128 or more is sign-extended before
  the xor, which changes the hash of every non-ASCII n-gram;
* n counts characters, not bytes: n-grams start only at a character's first byte and
  take a character's continuation bytes with it;
* n-grams of one character at either end (``<`` and ``>``) are left out.

A word's n-grams may repeat (and two may hash to one row): the row is then listed as
often, as fastText lists it, so it weighs that much in the mean and takes the step that
many times.
"""

from __future__ import annotations

import numpy as np

from wordspace.kernels._jit import kernel
from wordspace.kernels.sgns import _bag_mean

_FNV_OFFSET = 2166136261
_FNV_PRIME = 16777619
_MASK = 0xFFFFFFFF


@kernel(inline=True)
def _is_continuation(byte):
    return (byte & 0xC0) == 0x80


@kernel
def fasttext_hash(data, start, stop):
    """fastText's hash of the bytes ``data[start:stop]`` (a uint8 array), as an int64 in
    0 .. 2**32 - 1."""
    h = np.int64(_FNV_OFFSET)
    for p in range(start, stop):
        signed = np.int64(data[p]) - 256 if data[p] >= 128 else np.int64(data[p])
        h = (h ^ (signed & _MASK)) & _MASK
        h = (h * _FNV_PRIME) & _MASK
    return h


@kernel
def _walk_ngrams(data, start, stop, min_n, max_n, bucket, first_row, out, count):
    """Append to ``out`` (from ``count``) the rows ``first_row + hash % bucket`` of the
    n-grams of the bracketed word in ``data[start:stop]``; return the new count (the
    count alone if ``out`` is empty, to size it first)."""
    for i in range(start, stop):
        if _is_continuation(data[i]):
            continue
        j = i
        n = 1
        while j < stop and n <= max_n:
            j += 1
            while j < stop and _is_continuation(data[j]):
                j += 1
            if n >= min_n and not (n == 1 and (i == start or j == stop)):
                if out.shape[0] > 0:
                    out[count] = first_row + fasttext_hash(data, i, j) % bucket
                count += 1
            n += 1
    return count


@kernel
def word_bags(data, offsets, min_n, max_n, bucket, first_row, ptr, rows):
    """The input bags of words ``k`` = the bracketed words ``data[offsets[k]:offsets[k +
    1]]`` (``<word>`` in UTF-8): row ``k`` itself, then its n-gram rows (see
    :func:`_walk_ngrams`), as compressed rows ``rows[ptr[k]:ptr[k + 1]]``.

    Called twice: with an empty ``rows`` it only fills ``ptr`` (and returns the total),
    so the caller can allocate ``rows`` exactly; then again to fill ``rows``.
    """
    total = 0
    ptr[0] = 0
    for k in range(offsets.shape[0] - 1):
        if rows.shape[0] > 0:
            rows[total] = k
        total = _walk_ngrams(data, offsets[k], offsets[k + 1], min_n, max_n, bucket,
                             first_row, rows, total + 1)
        ptr[k + 1] = total
    return total


@kernel
def ngram_rows(data, min_n, max_n, bucket, first_row, out):
    """The n-gram rows of the one bracketed word in ``data`` (as :func:`word_bags`
    writes them after the word's own row), into ``out``; returns how many (with an empty
    ``out``, only counts them)."""
    return _walk_ngrams(data, 0, data.shape[0], min_n, max_n, bucket, first_row, out, 0)


@kernel
def bag_means(matrix, ptr, rows, out):
    """``out[k]`` = the mean of the rows ``matrix[rows[ptr[k]:ptr[k + 1]]]``, in float32
    summed in the order listed (the input a training step computes for the bag)."""
    for k in range(out.shape[0]):
        _bag_mean(out[k], matrix, rows, ptr[k], ptr[k + 1])
