"""Standard intrinsic evaluations, with gensim's protocols.

* :func:`word_similarity`: Spearman (and Pearson) correlation between human scores and
  cosine similarities, over the pairs whose words are both known (coverage reported).
* :func:`analogies`: accuracy on ``a b c d`` questions (a is to b as c is to d), with
  candidates restricted to the ``restrict_vocab`` most frequent words, questions
  outside them skipped and counted, and a, b, c excluded from the answers; computed
  as batched matrix products.

Words are matched case-insensitively by default (as gensim does): a question word
matches the most frequent vocabulary word with the same lowercase form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from wordspace.vectors import Vectors

SEMANTIC_SECTIONS = {"capital-common-countries", "capital-world", "currency", "city-in-state",
                     "family"}


@dataclass
class SimilarityResult:
    """Correlations on one word-similarity dataset."""

    spearman: float
    pearson: float
    pairs: int  # pairs evaluated
    oov: int  # pairs skipped for an unknown word

    @property
    def coverage(self) -> float:
        """Share of the dataset's pairs that were evaluated."""
        return self.pairs / max(self.pairs + self.oov, 1)


@dataclass
class AnalogyResult:
    """Accuracy on an analogy dataset, per section and overall."""

    correct: int
    total: int  # questions evaluated
    skipped: int  # questions with a word outside the restricted vocabulary
    sections: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> (correct, total)

    @property
    def accuracy(self) -> float:
        """Correct answers over questions evaluated."""
        return self.correct / max(self.total, 1)

    def subset(self, semantic: bool) -> float:
        """Accuracy over the semantic (or syntactic, ``gram*``) sections."""
        pairs = [v for k, v in self.sections.items() if (k in SEMANTIC_SECTIONS) == semantic]
        return sum(c for c, _ in pairs) / max(sum(t for _, t in pairs), 1)


def _lookup(vectors: Vectors, lowercase: bool, limit: int | None = None) -> dict[str, int]:
    words = vectors.words[:limit]
    if not lowercase:
        return {w: i for i, w in enumerate(words)}
    table: dict[str, int] = {}
    for i, w in enumerate(words):
        table.setdefault(w.lower(), i)  # the most frequent spelling wins
    return table


def read_pairs(path: str | Path) -> list[tuple[str, str, float]]:
    """Read ``word1 word2 score`` lines (tab or space separated; ``#`` comments)."""
    pairs = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            parts = line.split()
            if not parts or line.startswith("#"):
                continue
            try:
                pairs.append((parts[0], parts[1], float(parts[2])))
            except (IndexError, ValueError):
                raise ValueError(f"{path}:{lineno}: expected 'word1 word2 score', "
                                 f"got {line.strip()!r}") from None
    return pairs


def _ranks(x: np.ndarray) -> np.ndarray:
    """Ranks with ties averaged (scipy.stats.rankdata's 'average')."""
    order = np.argsort(x, kind="stable")
    sorted_x = x[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_x)) + 1]
    ends = np.r_[starts[1:], len(x)]
    ranks = np.empty(len(x))
    ranks[order] = np.repeat((starts + ends + 1) / 2.0, ends - starts)
    return ranks


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    x, y = x - x.mean(), y - y.mean()
    denom = np.sqrt((x * x).sum() * (y * y).sum())
    return float((x * y).sum() / denom) if denom > 0 else float("nan")


def word_similarity(vectors: Vectors, pairs, lowercase: bool = True) -> SimilarityResult:
    """Correlate cosine similarity with human scores; ``pairs`` is a path or a list of
    ``(word1, word2, score)``."""
    if isinstance(pairs, (str, Path)):
        pairs = read_pairs(pairs)
    lookup = _lookup(vectors, lowercase)
    norm = (lambda w: w.lower()) if lowercase else (lambda w: w)
    unit = vectors.unit
    gold, predicted, oov = [], [], 0
    for w1, w2, score in pairs:
        i, j = lookup.get(norm(w1)), lookup.get(norm(w2))
        if i is None or j is None:
            oov += 1
            continue
        gold.append(score)
        predicted.append(float(unit[i] @ unit[j]))
    gold_a, pred_a = np.array(gold), np.array(predicted)
    if len(gold_a) < 2:
        return SimilarityResult(float("nan"), float("nan"), len(gold_a), oov)
    return SimilarityResult(_pearson(_ranks(gold_a), _ranks(pred_a)), _pearson(gold_a, pred_a),
                            len(gold_a), oov)


def read_analogies(path: str | Path) -> list[tuple[str, list[tuple[str, str, str, str]]]]:
    """Read the Google format: ``: section`` headers, then ``a b c d`` lines."""
    sections: list[tuple[str, list]] = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            if line.startswith(":"):
                sections.append((line[1:].strip(), []))
                continue
            parts = line.split()
            if len(parts) != 4 or not sections:
                raise ValueError(f"{path}:{lineno}: expected ': section' or 'a b c d', "
                                 f"got {line!r}")
            sections[-1][1].append(tuple(parts))
    return sections


def analogies(vectors: Vectors, questions, restrict_vocab: int = 30000,
              method: str = "3cosadd", lowercase: bool = True,
              batch_size: int = 2048) -> AnalogyResult:
    """Analogy accuracy by ``3cosadd`` or ``3cosmul``; ``questions`` is a path or the
    output of :func:`read_analogies`."""
    if method not in ("3cosadd", "3cosmul"):
        raise ValueError(f"method must be '3cosadd' or '3cosmul', got {method!r}")
    if isinstance(questions, (str, Path)):
        questions = read_analogies(questions)
    lookup = _lookup(vectors, lowercase, restrict_vocab)
    norm = (lambda w: w.lower()) if lowercase else (lambda w: w)
    unit = vectors.unit[:restrict_vocab]
    result = AnalogyResult(0, 0, 0)
    for name, rows in questions:
        ids = [[lookup.get(norm(w)) for w in row] for row in rows]
        known = np.array([q for q in ids if None not in q], dtype=np.int64).reshape(-1, 4)
        result.skipped += len(ids) - len(known)
        correct = 0
        for start in range(0, len(known), batch_size):
            q = known[start:start + batch_size]
            a, b, c = unit[q[:, 0]], unit[q[:, 1]], unit[q[:, 2]]
            if method == "3cosadd":
                scores = (b - a + c) @ unit.T
            else:
                def shifted(x):
                    return (x @ unit.T + 1.0) / 2.0
                scores = shifted(b) * shifted(c) / (shifted(a) + 1e-3)
            rows_idx = np.arange(len(q))
            for col in range(3):
                scores[rows_idx, q[:, col]] = -np.inf
            correct += int((scores.argmax(axis=1) == q[:, 3]).sum())
        result.sections[name] = (correct, len(known))
        result.correct += correct
        result.total += len(known)
    return result
