"""Vocabulary: words sorted by frequency, their counts, and the word -> index map.

Index order is the contract every model relies on: index 0 is the most frequent word
(or ``<unk>`` when the UNK policy is on), ties are broken by first appearance in the
corpus, so the same corpus always gives the same indices.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from wordspace._io import atomic_write, check_replaceable_file
from wordspace._tokens import shorten

UNK = "<unk>"
#: counts are int64: a file's counts (and their total) must stay far below overflow
_MAX_COUNT = 2**62
_VOCABULARY_MARK = "# wordspace vocabulary"  # save_tsv's first line


class WordIndex:
    """Lookups shared by everything that holds ``words`` (row order) and ``index``
    (word -> row): vocabularies, vectors, distributions."""

    words: list[str]
    index: dict[str, int]

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self.index

    def __iter__(self) -> Iterator[str]:
        return iter(self.words)

    def index_of(self, word: str) -> int:
        """Row of ``word``; ``KeyError`` naming it (and close spellings) if absent."""
        try:
            return self.index[word]
        except KeyError:
            raise KeyError(unknown_word_message(word, self.words)) from None

    def top_words(self, scores: np.ndarray, topn: int, exclude: Iterable[str] = ()
                  ) -> list[tuple[str, float]]:
        """The ``topn`` words of highest score (one score per row, or per leading row),
        best first, leaving out ``exclude``."""
        scores = np.asarray(scores, dtype=np.float64).copy()
        for w in exclude:
            i = self.index.get(w)
            if i is not None and i < len(scores):
                scores[i] = -np.inf
        topn = max(0, min(topn, len(scores)))
        best = np.argpartition(-scores, topn - 1)[:topn] if 0 < topn < len(scores) \
            else np.arange(len(scores))
        best = best[np.argsort(-scores[best], kind="stable")][:topn]
        return [(self.words[i], float(scores[i])) for i in best if np.isfinite(scores[i])]


class Vocabulary(WordIndex):
    """Words of a corpus with their counts, most frequent first.

    Parameters
    ----------
    words : sequence of str
        The words, in index order.
    counts : sequence of int
        How often each word occurs in the corpus (after pruning and ``min_count``).
    unk : bool
        Whether index 0 is the ``<unk>`` token that stands for out-of-vocabulary words.
    """

    def __init__(self, words: Iterable[str], counts: Iterable[int], unk: bool = False):
        self.words: list[str] = list(words)
        self.counts = np.asarray(counts if isinstance(counts, np.ndarray) else list(counts),
                                 dtype=np.int64)
        if len(self.words) != len(self.counts):
            raise ValueError(f"{len(self.words)} words but {len(self.counts)} counts")
        self.unk = bool(unk)
        if self.unk and (not self.words or self.words[0] != UNK):
            raise ValueError(f"a vocabulary with unk=True must have {UNK!r} at index 0")
        self.index: dict[str, int] = {w: i for i, w in enumerate(self.words)}
        if len(self.index) != len(self.words):
            raise ValueError("vocabulary words must be unique")

    def __getitem__(self, word: str) -> int:
        return self.index_of(word)

    def __repr__(self) -> str:
        head = ", ".join(self.words[:5])
        return f"Vocabulary({len(self)} words: {head}{', ...' if len(self) > 5 else ''})"

    @property
    def total(self) -> int:
        """Number of corpus tokens the vocabulary covers."""
        return int(self.counts.sum())

    def save_tsv(self, path: str | Path) -> None:
        """Write ``word<TAB>count`` lines, most frequent first (a file people can read),
        atomically, at a new path or over an earlier vocabulary file; anything else, a
        link included, is refused before writing."""
        check_replaceable_file(path, "a wordspace vocabulary file", _is_vocabulary_file)
        with atomic_write(path, "w") as f:
            f.write(f"{_VOCABULARY_MARK}\tunk={int(self.unk)}\n")
            for w, c in zip(self.words, self.counts.tolist(), strict=True):
                f.write(f"{w}\t{c}\n")

    @classmethod
    def load_tsv(cls, path: str | Path) -> Vocabulary:
        """Read a file written by :meth:`save_tsv`."""
        words, counts, unk = [], [], False
        with open(path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                line = line.rstrip("\n")
                if line.startswith(_VOCABULARY_MARK):
                    unk = line.endswith("unk=1")
                    continue
                parts = line.split("\t")
                if len(parts) != 2 or not (parts[1].isascii() and parts[1].isdigit()) \
                        or int(parts[1]) > _MAX_COUNT:
                    raise ValueError(f"{path}:{lineno}: expected 'word<TAB>count' (a count "
                                     f"up to {_MAX_COUNT:,}), got {shorten(line)}")
                words.append(parts[0])
                counts.append(int(parts[1]))
        if sum(counts) == 0 or sum(counts) > _MAX_COUNT:  # the noise distribution divides by it
            raise ValueError(f"{path}: the counts add up to {sum(counts):,}; expected a total "
                             f"between 1 and {_MAX_COUNT:,}")
        return cls(words, counts, unk=unk)


def _is_vocabulary_file(path: Path) -> bool:
    """Whether ``path`` starts as :meth:`Vocabulary.save_tsv` writes a file."""
    try:
        with open(path, "rb") as f:
            return f.read(len(_VOCABULARY_MARK)) == _VOCABULARY_MARK.encode()
    except OSError:
        return False


def unknown_word_message(word: object, vocabulary: list[str]) -> str:
    """A KeyError message naming the word and a few close spellings."""
    close = difflib.get_close_matches(str(word), vocabulary[:50000], n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    return f"word {word!r} is not in the vocabulary{hint}"
