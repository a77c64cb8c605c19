"""Which input rows make up a word in a subword model (fastText's ``Dictionary``).

A word's input is the mean of its bag of rows: its own row (for a vocabulary word)
and one row per character n-gram of ``<word>``, ``min_n`` to ``max_n`` characters long,
hashed into ``bucket`` rows that follow the vocabulary's (row ``n_words + hash %
bucket``). The hashing is fastText's, byte for byte (:mod:`wordspace.kernels.subwords`),
so a fastText ``.bin`` model's n-gram rows are where wordspace looks for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from wordspace._validate import check_int
from wordspace.engine.layout import WordBags
from wordspace.kernels import subwords as kernels

BOW, EOW = "<", ">"
#: fastText's end-of-sentence word, which has no n-grams
EOS = "</s>"


def _utf8(words: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """The bracketed words ``<word>`` as one UTF-8 byte array and its offsets (:data:`EOS`
    as no bytes at all: it has no n-grams). A word read from invalid UTF-8 (its bytes as
    surrogates, Python's ``surrogateescape``) gives those bytes back, which fastText
    hashes as they are."""
    encoded = [b"" if w == EOS else (BOW + w + EOW).encode("utf-8", "surrogateescape")
               for w in words]
    offsets = np.zeros(len(encoded) + 1, np.int64)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    return np.frombuffer(b"".join(encoded), np.uint8), offsets


def fasttext_hash(text: str | bytes) -> int:
    """fastText's 32-bit hash of ``text`` (UTF-8 encoded if a ``str``, invalid bytes read
    as surrogates given back as they were)."""
    data = np.frombuffer(text.encode("utf-8", "surrogateescape") if isinstance(text, str)
                         else text, np.uint8)
    return int(kernels.fasttext_hash(data, 0, len(data)))


@dataclass(frozen=True)
class Subwords:
    """Character n-grams of ``min_n`` to ``max_n`` characters hashed into ``bucket`` rows
    (fastText's ``-minn``, ``-maxn`` and ``-bucket``); ``max_n=0``: no n-grams, every
    word its own row alone."""

    min_n: int = 3
    max_n: int = 6
    bucket: int = 2_000_000

    def __post_init__(self):
        check_int("max_n", self.max_n, 0)
        if self.max_n:
            check_int("min_n", self.min_n, 1, maximum=self.max_n)
            check_int("bucket", self.bucket, 1, maximum=2**31 - 1)
        else:
            check_int("min_n", self.min_n, 0)
            check_int("bucket", self.bucket, 0, maximum=2**31 - 1)

    @property
    def enabled(self) -> bool:
        """Whether words have n-gram rows at all."""
        return self.max_n > 0 and self.bucket > 0

    @property
    def buckets(self) -> int:
        """The n-gram rows a model has: ``bucket``, or 0 without n-grams (fastText's and
        gensim's ``bucket`` then)."""
        return self.bucket if self.enabled else 0

    def rows(self, n_words: int) -> int:
        """Input rows of a model of ``n_words`` vocabulary words: theirs, then the
        buckets."""
        return n_words + self.buckets

    def table(self, words: Sequence[str]) -> WordBags:
        """Each vocabulary word's bag: its own row ``k``, then its n-gram rows."""
        n = len(words)
        if not self.enabled:
            return WordBags(np.arange(n + 1, dtype=np.int64), np.arange(n, dtype=np.int32))
        return self._bags(words, first_row=n)

    def ngram_bags(self, words: Sequence[str], first_row: int) -> WordBags:
        """Each word's n-gram rows alone, numbered after ``first_row`` vocabulary rows:
        the bags of words that have no row of their own (a fastText model's unseen
        words); a word without an n-gram has an empty bag."""
        if not self.enabled:
            return WordBags(np.zeros(len(words) + 1, np.int64), np.empty(0, np.int32))
        bags = self._bags(words, first_row)
        own = np.zeros(len(bags.rows), dtype=bool)
        own[bags.ptr[:-1]] = True  # each bag's first row: the word's index, not a row
        return WordBags(bags.ptr - np.arange(len(words) + 1), bags.rows[~own])

    def _bags(self, words: Sequence[str], first_row: int) -> WordBags:
        """Each word's index ``k`` then its n-gram rows (numbered from ``first_row``)."""
        data, offsets = _utf8(words)
        ptr = np.zeros(len(words) + 1, np.int64)
        args = (data, offsets, self.min_n, self.max_n, self.bucket, first_row, ptr)
        total = kernels.word_bags(*args, np.empty(0, np.int32))
        rows = np.empty(total, np.int32)
        kernels.word_bags(*args, rows)
        return WordBags(ptr, rows)

    def ngram_rows(self, word: str, n_words: int) -> np.ndarray:
        """The n-gram rows of ``word`` (in a model of ``n_words`` vocabulary words), as
        fastText lists them; empty when the word has none (or n-grams are off)."""
        if not self.enabled:
            return np.empty(0, np.int32)
        data, _ = _utf8([word])
        args = (data, self.min_n, self.max_n, self.bucket, n_words)
        rows = np.empty(kernels.ngram_rows(*args, np.empty(0, np.int32)), np.int32)
        kernels.ngram_rows(*args, rows)
        return rows

    def ngrams(self, word: str) -> list[str]:
        """The character n-grams of ``<word>`` in fastText's order (for people: the
        model itself only ever uses their rows)."""
        if word == EOS or not self.enabled:
            return []
        text = BOW + word + EOW
        found = []
        for i in range(len(text)):
            for n in range(self.min_n, self.max_n + 1):
                if i + n > len(text):
                    break
                if n == 1 and (i == 0 or i + n == len(text)):
                    continue
                found.append(text[i:i + n])
        return found
