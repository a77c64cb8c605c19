"""gensim's file-based evaluations (``evaluate_word_pairs``, ``evaluate_word_analogies``)
for :class:`wordspace.vectors.Vectors`, with gensim's parsing, vocabulary rules and
return values, and every score computed in batches over the matrix; and why a
correlation is undefined, which :mod:`wordspace.evaluate` says too."""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
from collections.abc import Iterator

import numpy as np

logger = logging.getLogger(__name__)

#: questions scored per matrix product
_BATCH = 1024


@contextlib.contextmanager
def _lines(source, kind: str, encoding: str, delimiter: str = "\t") -> Iterator:
    """The lines of gensim's evaluation file ``source``, or, where ``source`` names one
    of wordspace's ``kind`` datasets (``"google"``, ``"ws353"``) and no file, that
    dataset's (fetched, or from the mirror) written as such a file's lines. A file not
    found says which names there are."""
    from wordspace import datasets

    names = datasets.names(kind)
    if isinstance(source, str) and source in names and not os.path.exists(source):
        items = datasets.load(source)
        yield (f"{a}{delimiter}{b}{delimiter}{score}\n" for a, b, score in items) \
            if kind == "similarity" else itertools.chain.from_iterable(
                [f": {section}\n", *(" ".join(q) + "\n" for q in questions)]
                for section, questions in items)
        return
    try:
        file = open(source, encoding=encoding)  # noqa: SIM115 (closed by the with below)
    except FileNotFoundError as e:
        raise FileNotFoundError(e.errno, f"{e.strerror}: {str(source)!r} (wordspace also "
                                f"takes the standard {kind} sets by name: "
                                f"{', '.join(names)})") from None
    with file:
        yield file


def _ok_vocab(vectors, restrict_vocab, case_insensitive: bool) -> dict[str, int]:
    """gensim's lookup: the first ``restrict_vocab`` words (upper-cased when
    ``case_insensitive``, the first row of each spelling winning) -> row."""
    keys = vectors.words[:restrict_vocab]
    if not case_insensitive:
        return {k: i for i, k in enumerate(keys)}
    table: dict[str, int] = {}
    for i, k in enumerate(keys):
        table.setdefault(k.upper(), i)
    return table


def why_undefined(gold: np.ndarray, predicted: np.ndarray) -> str | None:
    """Why a correlation of the ``predicted`` similarities with the ``gold`` scores is
    undefined (None: it is defined)."""
    if len(gold) == 0:
        return "no pair has both words in the vocabulary"
    if len(gold) < 2:
        return "a correlation needs 2 pairs or more, and 1 was scored"
    if not np.isfinite(predicted).all():
        return "the model's similarity is not finite for some pair"
    if gold.min() == gold.max():
        return f"every pair's gold score is {gold[0]:g}, and constant scores correlate with nothing"
    if predicted.min() == predicted.max():
        return (f"the model gives every pair the same similarity ({predicted[0]:.4g}): its "
                "vectors tell no pair from another (all zero, or all alike)")
    return None


def evaluate_word_pairs(vectors, pairs, delimiter="\t", encoding="utf8",
                        restrict_vocab=300000, case_insensitive=True, dummy4unknown=False):
    """See :meth:`wordspace.vectors.Vectors.evaluate_word_pairs`."""
    from scipy import stats

    ok_vocab = _ok_vocab(vectors, restrict_vocab, case_insensitive)
    gold, rows1, rows2, known = [], [], [], []
    oov = 0
    with _lines(pairs, "similarity", encoding, delimiter) as fin:
        for line_no, line in enumerate(fin):
            if not line or line.startswith("#"):
                continue
            try:
                parts = line.split(delimiter)
                if case_insensitive:
                    parts = [p.upper() for p in parts]
                a, b, sim = parts
                sim = float(sim)
            except (ValueError, TypeError):
                logger.info("Skipping invalid line #%d in %s", line_no, pairs)
                continue
            if a not in ok_vocab or b not in ok_vocab:
                oov += 1
                if dummy4unknown:
                    gold.append(sim)
                    known.append(False)
                continue
            gold.append(sim)
            known.append(True)
            rows1.append(ok_vocab[a])
            rows2.append(ok_vocab[b])
    if not gold:
        raise ValueError(f"No valid similarity judgements found in {pairs}: either invalid "
                         f"format or all are out-of-vocabulary in {vectors}")
    model = np.zeros(len(gold), dtype=np.float64)
    model[np.array(known, dtype=bool)] = vectors.pair_similarity(
        np.array(rows1, dtype=np.int64), np.array(rows2, dtype=np.int64))
    why = why_undefined(np.asarray(gold, np.float64), model)
    if len(gold) < 2:  # scipy (and so gensim) refuses it, in its own words
        raise ValueError(f"{pairs}: {why}")
    if why is not None:  # gensim's answer (NaN) stands; the reason is said, not left to guess
        logger.warning("%s: the correlations are NaN: %s", pairs, why)
    spearman = stats.spearmanr(gold, model)
    pearson = stats.pearsonr(gold, model)
    oov_ratio = float(oov) / (len(gold) if dummy4unknown else len(gold) + oov) * 100
    logger.info("Pearson correlation coefficient against %s: %.4f", pairs, pearson[0])
    logger.info("Spearman rank-order correlation coefficient against %s: %.4f", pairs,
                spearman[0])
    logger.info("Pairs with unknown words ratio: %.1f%%", oov_ratio)
    return pearson, spearman, oov_ratio


def _predict(vectors, questions: np.ndarray, end: int, canon: np.ndarray,
             similarity_function: str) -> np.ndarray:
    """Whether each question ``(a, b, c, expected)`` (rows) is answered right, as gensim
    decides it: among the 5 best rows other than a, b and c, the first whose spelling
    (``canon``: the row its case-folded spelling stands for) is none of theirs."""
    unit = vectors.unit[:end]
    right = np.zeros(len(questions), dtype=bool)
    k = min(8, end)
    for start in range(0, len(questions), _BATCH):
        q = questions[start:start + _BATCH]
        a, b, c = unit[q[:, 0]], unit[q[:, 1]], unit[q[:, 2]]
        if similarity_function == "most_similar_cosmul":
            def shifted(x):
                return (1 + x @ unit.T) / 2
            scores = shifted(b) * shifted(c) / (shifted(a) + 1e-6)
        else:
            mean = b + c - a
            mean /= np.maximum(np.linalg.norm(mean, axis=1, keepdims=True), 1e-12)
            scores = mean @ unit.T
        rows = np.arange(len(q))[:, None]
        # the k best rows, best first (a, b and c among them at most three)
        top = np.argpartition(-scores, k - 1, axis=1)[:, :k] if k < end \
            else np.broadcast_to(np.arange(end), (len(q), end)).copy()
        top = np.take_along_axis(top, np.argsort(-scores[rows, top], axis=1, kind="stable"),
                                 axis=1)
        asked = q[:, :3]
        is_query = (top[:, :, None] == asked[:, None, :]).any(axis=2)
        # gensim's 5 answers: the best rows that are not a, b or c
        answer = ~is_query & (np.cumsum(~is_query, axis=1) <= 5)
        fresh = answer & ~(canon[top][:, :, None] == asked[:, None, :]).any(axis=2)
        first = np.where(fresh.any(axis=1), fresh.argmax(axis=1),
                         answer.shape[1] - 1 - answer[:, ::-1].argmax(axis=1))
        has_answer = answer.any(axis=1)
        chosen = canon[top[np.arange(len(q)), first]]
        right[start:start + len(q)] = has_answer & (chosen == q[:, 3])
    return right


def evaluate_word_analogies(vectors, analogies, restrict_vocab=300000, case_insensitive=True,
                            dummy4unknown=False, similarity_function="most_similar"):
    """See :meth:`wordspace.vectors.Vectors.evaluate_word_analogies`."""
    if similarity_function not in ("most_similar", "most_similar_cosmul"):
        raise ValueError("similarity_function must be 'most_similar' or "
                         f"'most_similar_cosmul', got {similarity_function!r}")
    ok_vocab = _ok_vocab(vectors, restrict_vocab, case_insensitive)
    end = min(len(vectors.words), restrict_vocab if restrict_vocab is not None
              else len(vectors.words))
    canon = np.arange(max(end, 1), dtype=np.int64)
    if case_insensitive:
        canon[:end] = [ok_vocab[w.upper()] for w in vectors.words[:end]]
    names: list[str] = []
    lines: list[tuple[int, tuple[str, ...], int]] = []  # section, words, question or -1
    questions: list[tuple[int, int, int, int]] = []
    quadruplets = 0
    with _lines(analogies, "analogy", "utf-8") as fin:
        for line_no, line in enumerate(fin):
            if line.startswith(": "):
                names.append(line.lstrip(": ").strip())
                continue
            if not names:
                raise ValueError(f"Missing section header before line #{line_no} in "
                                 f"{analogies}")
            words = line.split()
            if case_insensitive:
                words = [w.upper() for w in words]
            if len(words) != 4:
                logger.info("Skipping invalid line #%i in %s", line_no, analogies)
                continue
            quadruplets += 1
            if any(w not in ok_vocab for w in words):
                oov_line = (len(names) - 1, tuple(words), -1)
                if dummy4unknown:
                    lines.append(oov_line)
                continue
            lines.append((len(names) - 1, tuple(words), len(questions)))
            questions.append(tuple(ok_vocab[w] for w in words))
    right = _predict(vectors, np.array(questions, dtype=np.int64).reshape(-1, 4), end, canon,
                     similarity_function) if questions else np.zeros(0, bool)
    sections = [{"section": name, "correct": [], "incorrect": []} for name in names]
    for section, words, question in lines:
        ok = question >= 0 and bool(right[question])
        sections[section]["correct" if ok else "incorrect"].append(words)
    total = {"section": "Total accuracy",
             "correct": list(itertools.chain.from_iterable(s["correct"] for s in sections)),
             "incorrect": list(itertools.chain.from_iterable(s["incorrect"]
                                                             for s in sections))}
    for section in sections + [total]:
        done = len(section["correct"]) + len(section["incorrect"])
        if done:
            logger.info("%s: %.1f%% (%i/%i)", section["section"],
                        100.0 * len(section["correct"]) / done, len(section["correct"]), done)
    if quadruplets:
        logger.info("Quadruplets with out-of-vocabulary words: %.1f%%",
                    100.0 * (quadruplets - len(questions)) / quadruplets)
    done = len(total["correct"]) + len(total["incorrect"])
    score = len(total["correct"]) / done if done else 0.0
    return score, sections + [total]
