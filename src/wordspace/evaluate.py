"""Standard intrinsic evaluations, with gensim's protocols.

* :func:`word_similarity`: Spearman (and Pearson) correlation between human scores and
  cosine similarities, over the pairs whose words are both known (coverage reported).
* :func:`analogies`: accuracy on ``a b c d`` questions (a is to b as c is to d), with
  candidates restricted to the ``restrict_vocab`` most frequent words, questions
  outside them skipped and counted, and a, b, c excluded from the answers; computed
  as batched matrix products.
* :func:`entailment`: on hypernymy pairs (BLESS, WBLESS, ...), the directional accuracy
  (share of hypernym pairs scored higher as (hyponym, hypernym) than reversed; chance
  is 0.5, and a symmetric score has none), the average precision of the scores against
  the labels (beside its baseline, the share of positive pairs), and the accuracy of a
  threshold (beside its baseline, the majority class's share: 0.91 on BLESS), chosen
  on the ``val`` fold and reported on ``test``, or for WBLESS and BIBLESS as
  hypernymysuite (Roller et al. 2018) does: tuned on 1,000 random 2 % splits, the
  accuracies on the rest averaged, BIBLESS's over three answers (hypernym second,
  first, or neither).

Words are matched case-insensitively by default (as gensim does): a question word
matches the most frequent vocabulary word with the same lowercase form.

Two protocols, and every result says which it used: point vectors are scored on what
their vocabulary covers, pairs and questions with an unknown word skipped (gensim's
``"vocabulary"`` protocol); vectors that compose a vector for any word (a subword
model's :class:`~wordspace.vectors.SubwordVectors`) are scored on every pair and
question (the ``"subword"`` protocol): unknown words are composed from their n-grams, and
a question whose answer is outside the candidates counts as wrong, never as skipped.

Datasets may be given by registry name (``"ws353"``, see :mod:`wordspace.datasets`),
by path, or already parsed. Any object with ``words``, ``index`` and
``pair_similarity(rows1, rows2)`` can be scored for similarity (one of a Gaussian
model's scorers, ``distributions.scorer("el")``, say), and for entailment with a
direction where it has ``entailment_scores``; analogies need vectors (``unit`` rows). A
Gaussian model's :class:`~wordspace.distributions.Distributions` are scored as the model
is (cosine of the means, EL, and KL with its entailment score). gensim's ``KeyedVectors``
(and gensim models) are scored as :class:`Vectors` of their vocabulary, so one
evaluation compares both libraries' vectors. :func:`evaluate` runs a
list of datasets (names, and files of one's own, their kind told from their content)
against every scorer a model exposes (``model.scorers()``), skipping and naming a
registered dataset that cannot be had (offline), never one that is malformed.
"""

from __future__ import annotations

import logging
import math
import numbers
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from wordspace import datasets
from wordspace._keyed import why_undefined
from wordspace.vectors import Vectors

logger = logging.getLogger(__name__)

DEFAULT_DATASETS = ("ws353", "ws353-sim", "ws353-rel", "simlex999", "google")

SEMANTIC_SECTIONS = {"capital-common-countries", "capital-world", "currency", "city-in-state",
                     "family"}


@dataclass
class SimilarityResult:
    """Correlations on one word-similarity dataset."""

    spearman: float
    pearson: float
    pairs: int  # pairs evaluated
    oov: int  # pairs skipped for an unknown word
    protocol: str = "vocabulary"  # or "subword": unknown words composed
    composed: int = 0  # pairs evaluated with a composed (out-of-vocabulary) word
    undefined: str | None = None  # why the correlations are NaN (None: they are not)

    @property
    def coverage(self) -> float:
        """Share of the dataset's pairs that were evaluated."""
        return self.pairs / max(self.pairs + self.oov, 1)

    def as_dict(self) -> dict:
        """Plain fields, for JSON."""
        return {**asdict(self), "coverage": self.coverage}


@dataclass
class AnalogyResult:
    """Accuracy on an analogy dataset, per section and overall."""

    correct: int
    total: int  # questions evaluated
    skipped: int  # questions with a word outside the restricted vocabulary
    sections: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> (correct, total)
    protocol: str = "vocabulary"  # or "subword": unknown question words composed
    composed: int = 0  # questions evaluated with a composed (out-of-vocabulary) word

    @property
    def accuracy(self) -> float:
        """Correct answers over questions evaluated (NaN when none was: no score, not 0)."""
        return _share(self.correct, self.total)

    def subset(self, semantic: bool) -> float:
        """Accuracy over the semantic (or syntactic, ``gram*``) sections (NaN: none)."""
        pairs = [v for k, v in self.sections.items() if (k in SEMANTIC_SECTIONS) == semantic]
        return _share(sum(c for c, _ in pairs), sum(t for _, t in pairs))

    def as_dict(self) -> dict:
        """Plain fields, for JSON (semantic/syntactic only where the sections say)."""
        out = {**asdict(self), "accuracy": self.accuracy,
               "sections": {k: {"correct": c, "total": t} for k, (c, t) in self.sections.items()}}
        if any(k in SEMANTIC_SECTIONS for k in self.sections):
            out.update(semantic=self.subset(True), syntactic=self.subset(False))
        return out


def _share(part: int, whole: int) -> float:
    return part / whole if whole else float("nan")


def _lookup(vectors, lowercase: bool, limit: int | None = None) -> dict[str, int]:
    words = vectors.words[:limit]
    if not lowercase:
        return {w: i for i, w in enumerate(words)}
    table: dict[str, int] = {}
    for i, w in enumerate(words):
        table.setdefault(w.lower(), i)  # the most frequent spelling wins
    return table


def _composes(vectors) -> bool:
    """Whether ``vectors`` have a vector for words outside their vocabulary."""
    from wordspace.vectors import SubwordVectors

    return isinstance(vectors, SubwordVectors)


def _with_composed(source, target: Vectors, lookup: dict[str, int], words, norm
                   ) -> tuple[Vectors, dict]:
    """``target`` with rows appended for the ``words`` unknown to ``lookup`` that
    ``source`` has a vector for (its vocabulary's, or one it composes), and ``lookup``
    extended to them."""
    extra, rows, lookup = [], [], dict(lookup)
    for word in words:
        key = norm(word)
        if key in lookup:
            continue
        vector = source._lookup(key)
        if vector is not None:
            lookup[key] = len(target.words) + len(extra)
            extra.append(key)
            rows.append(vector)
    if not extra:
        return target, lookup
    return Vectors(target.words + extra, np.concatenate([target.matrix, np.stack(rows)])), \
        lookup


def _as_vectors(vectors):
    """gensim's ``KeyedVectors`` (or a gensim model, by its ``wv``) as :class:`Vectors`
    of its vocabulary, so that one evaluation scores both libraries' vectors alike;
    anything else (wordspace's vectors, models and scorers) as it is."""
    keyed = getattr(vectors, "wv", vectors)
    if not isinstance(keyed, Vectors) and hasattr(keyed, "index_to_key") \
            and isinstance(getattr(keyed, "vectors", None), np.ndarray):
        return Vectors(list(keyed.index_to_key), keyed.vectors)
    return vectors


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


def _read(data, reader):
    """A dataset given by registry name, by path, or already parsed."""
    if isinstance(data, str) and data in datasets.REGISTRY:
        return datasets.load(data)
    if isinstance(data, (str, Path)):
        return reader(data)
    return data


def word_similarity(vectors, pairs, lowercase: bool = True, name: str | None = None
                    ) -> SimilarityResult:
    """Correlate model similarity with human scores. ``pairs``: a dataset name, a path,
    or a list of ``(word1, word2, score)``; ``vectors``: anything with ``words`` and
    ``pair_similarity`` (cosine, for :class:`Vectors`); ``name``: the dataset's, for
    the warning (default: ``pairs`` where it names one).

    Where a correlation is undefined (no pair or one scored, constant gold scores or
    constant similarities) both are NaN, the result's ``undefined`` says why, and so
    does a warning."""
    name = name or (str(pairs) if isinstance(pairs, (str, Path)) else "the pairs")
    pairs = _read(pairs, datasets.read_pairs)
    vectors = _as_vectors(vectors)
    lookup = _lookup(vectors, lowercase)
    norm = (lambda w: w.lower()) if lowercase else (lambda w: w)
    protocol, known = "vocabulary", len(vectors.words)
    if _composes(vectors):
        protocol = "subword"
        vectors, lookup = _with_composed(vectors, vectors, lookup,
                                         [w for p in pairs for w in p[:2]], norm)
    rows1, rows2, gold = [], [], []
    for w1, w2, score in pairs:
        i, j = lookup.get(norm(w1)), lookup.get(norm(w2))
        if i is not None and j is not None:
            rows1.append(i)
            rows2.append(j)
            gold.append(score)
    oov = len(pairs) - len(gold)
    composed = int(sum(max(i, j) >= known for i, j in zip(rows1, rows2, strict=True)))
    gold_a = np.array(gold, dtype=np.float64)
    pred_a = np.asarray(vectors.pair_similarity(np.array(rows1, dtype=np.int64),
                                                np.array(rows2, dtype=np.int64)),
                        dtype=np.float64)
    why = why_undefined(gold_a, pred_a)
    if why is not None:
        logger.warning("%s: no correlation: %s", name, why)
        return SimilarityResult(float("nan"), float("nan"), len(gold_a), oov, protocol,
                                composed, why)
    return SimilarityResult(_pearson(_ranks(gold_a), _ranks(pred_a)), _pearson(gold_a, pred_a),
                            len(gold_a), oov, protocol, composed)


def _check_restrict_vocab(value) -> None:
    """Refuse a ``restrict_vocab`` other than a positive int or None: as a slice bound, 0
    scored no question, -1 dropped the last word and True kept one word, silently."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, numbers.Integral)
                              or value < 1):
        raise ValueError(f"restrict_vocab must be a positive integer (the candidates: that "
                         f"many most frequent words) or None (every word), got {value!r}")


def analogies(vectors: Vectors, questions, restrict_vocab: int | None = 30000,
              method: str = "3cosadd", lowercase: bool = True,
              batch_size: int = 2048) -> AnalogyResult:
    """Analogy accuracy by ``3cosadd`` or ``3cosmul``; ``questions`` is a dataset name, a
    path, or the output of :func:`wordspace.datasets.read_analogies`; the candidates are
    the ``restrict_vocab`` most frequent words (None: every word; anything but a positive
    integer or None is refused). 3CosMul is Levy &
    Goldberg's, with their epsilon of 0.001 (as :meth:`Vectors.analogy` has it); gensim's
    ``most_similar_cosmul``, and so ``evaluate_word_analogies`` with it, adds 1e-6, which
    can answer a few questions in a thousand differently."""
    if method not in ("3cosadd", "3cosmul"):
        raise ValueError(f"method must be '3cosadd' or '3cosmul', got {method!r}")
    _check_restrict_vocab(restrict_vocab)
    questions = _read(questions, datasets.read_analogies)
    vectors = _as_vectors(vectors)
    lookup = _lookup(vectors, lowercase, restrict_vocab)
    norm = (lambda w: w.lower()) if lowercase else (lambda w: w)
    unit = vectors.unit[:restrict_vocab]  # the candidates
    # Each candidate's spelling class (its lowercased form, unless case-sensitive): an
    # answer is right when its class is d's, and no spelling of a, b or c is an answer
    # ("Paris" and "paris" are one word here, as in gensim's case_insensitive).
    classes: dict[str, int] = {}
    row_class = np.array([classes.setdefault(norm(w), len(classes))
                          for w in vectors.words[:len(unit)]], dtype=np.int64)
    queries, result = unit, AnalogyResult(0, 0, 0)
    if _composes(vectors):
        # every question word gets a vector: the vocabulary's (beyond the candidates
        # too) or a composed one; an answer outside the candidates is never found
        result.protocol = "subword"
        every = [w for _, rows in questions for row in rows for w in row]
        vocabulary = _lookup(vectors, lowercase)
        extended, lookup = _with_composed(vectors, Vectors(vectors.words[:len(unit)], unit),
                                          lookup, every, norm)
        queries = extended.unit
    for name, rows in questions:
        ids = [[lookup.get(norm(w)) for w in row] for row in rows]
        answerable = [q for q in ids if None not in q[:3] and q[3] is not None
                      and q[3] < len(unit)]
        known = np.array(answerable, dtype=np.int64).reshape(-1, 4)
        unanswerable = sum(None not in q[:3] for q in ids) - len(known) \
            if result.protocol == "subword" else 0
        result.skipped += len(ids) - len(known) - unanswerable
        if result.protocol == "subword":
            result.composed += sum(any(norm(w) not in vocabulary for w in row[:3])
                                   for row, q in zip(rows, ids, strict=True)
                                   if None not in q[:3])
        correct = 0
        for start in range(0, len(known), batch_size):
            q = known[start:start + batch_size]
            a, b, c = queries[q[:, 0]], queries[q[:, 1]], queries[q[:, 2]]
            if method == "3cosadd":
                scores = (b - a + c) @ unit.T
            else:
                def shifted(x):
                    return (x @ unit.T + 1.0) / 2.0
                scores = shifted(b) * shifted(c) / (shifted(a) + 1e-3)
            for col in range(3):
                # a composed word (a row past the candidates) is no candidate's spelling
                own = np.where(q[:, col] < len(unit), row_class[np.minimum(q[:, col],
                                                                          len(unit) - 1)], -1)
                scores[row_class[None, :] == own[:, None]] = -np.inf
            correct += int((row_class[scores.argmax(axis=1)] == row_class[q[:, 3]]).sum())
        result.sections[name] = (correct, len(known) + unanswerable)
        result.correct += correct
        result.total += len(known) + unanswerable
    return result


@dataclass
class EntailmentResult:
    """Scores on a lexical-entailment dataset, each beside what it is measured against:
    ``accuracy`` beside ``majority_accuracy`` (always answering the commoner label: 0.91
    on BLESS, where nine pairs in ten are not hypernyms), ``average_precision`` beside
    ``positive_rate`` (what ranking the pairs at random averages), ``directional``
    beside chance (0.5).

    Where the labels give each pair's direction (BIBLESS: hypernym second, hypernym
    first, or neither; ``three_way``), a pair is detected by the larger of its two
    directions' scores and oriented by which is larger, and ``accuracy`` is over the
    three answers, as hypernymysuite's ``bibless_setup`` scores it."""

    directional: float  # hypernym pairs whose (hyponym, hypernym) direction scores higher
    # than the reverse; NaN for a symmetric score, which cannot tell the directions apart
    # (directional_note says why)
    average_precision: float  # over every pair evaluated, of hypernymy in either direction
    accuracy: float  # on the test part, the threshold chosen as threshold_fold says
    threshold: float  # the cut (for "splits", the mean of the trials' cuts)
    pairs: int
    oov: int
    positive_rate: float = float("nan")  # share of the pairs evaluated labelled entailing
    majority_accuracy: float = float("nan")  # the commoner label's share where accuracy is
    threshold_fold: str = "val"  # "all": no val fold, threshold fit on the rows it scores;
    # "splits": hypernymysuite's SPLIT_TRIALS random SPLIT_SHARE splits, accuracies averaged
    directional_note: str = ""  # why there is no directional score, where there is none
    three_way: bool = False  # labels 1, -1 (reversed), 0: accuracy over the three

    @property
    def coverage(self) -> float:
        """Share of the dataset's pairs that were evaluated."""
        return self.pairs / max(self.pairs + self.oov, 1)

    def as_dict(self) -> dict:
        """Plain fields, for JSON: a directional score that does not apply is ``None``
        (``directional_note`` says why), never NaN."""
        out = {**asdict(self), "coverage": self.coverage}
        if self.directional_note and self.directional != self.directional:
            out["directional"] = None
        return out


def _average_precision(labels: np.ndarray, scores: np.ndarray) -> float:
    """Average precision as scikit-learn's ``average_precision_score`` computes it: the
    precision at each distinct score, from the highest down, weighted by the recall it
    adds. Tied scores make one threshold, so the rows' order never changes the result."""
    positives = labels.sum()
    if positives == 0:
        return float("nan")
    order = np.argsort(-scores, kind="stable")
    ranked, hits = scores[order], labels[order].astype(np.float64)
    last = np.r_[np.flatnonzero(ranked[1:] != ranked[:-1]), len(ranked) - 1]  # of each tie
    true_positives = np.cumsum(hits)[last]
    precision = true_positives / (last + 1)
    recall_gain = np.diff(np.r_[0.0, true_positives]) / positives
    return float((precision * recall_gain).sum())


def _best_threshold(labels: np.ndarray, scores: np.ndarray) -> float:
    """The cut (between adjacent scores) that classifies ``score > cut`` most accurately."""
    values = np.unique(scores)
    cuts = np.concatenate([[values[0] - 1.0], (values[1:] + values[:-1]) / 2, [values[-1]]])
    accuracy = [((scores > cut) == labels).mean() for cut in cuts]
    return float(cuts[int(np.argmax(accuracy))])


#: hypernymysuite's protocol for WBLESS and BIBLESS (Roller et al. 2018; its
#: ``wbless_setup`` and ``bibless_setup``): SPLIT_TRIALS times, a random SPLIT_SHARE of
#: the pairs tunes the threshold and the rest is scored; the accuracies are averaged.
#: The draws are numpy's legacy RandomState seeded with SPLIT_SEED, as there, so the
#: same pairs in the same order get the very splits hypernymysuite gives them.
SPLIT_TRIALS = 1000
SPLIT_SHARE = 0.02
SPLIT_SEED = 42


def _split_cut(scores: np.ndarray, truth: np.ndarray) -> float:
    """hypernymysuite's cut on one tuning part: of the scores themselves, the lowest
    whose ``score >= cut`` classifies ``truth`` most accurately (sklearn's
    ``precision_recall_curve`` thresholds, the first best in increasing order; those below
    the lowest positive it leaves out are never the best)."""
    # right answers at each cut: the positives at or above it, the negatives below it,
    # counted from the sorted scores in k log k (a cut-by-score table is k x k)
    order = np.argsort(scores, kind="stable")
    ranked, positive = scores[order], truth[order]
    cuts, first = np.unique(ranked, return_index=True)  # where each cut's scores begin
    positives_below = np.concatenate([[0], np.cumsum(positive)])[first]
    negatives_below = first - positives_below
    right = (positive.sum() - positives_below) + negatives_below
    return float(cuts[int(np.argmax(right))])


def _split_accuracy(detect: np.ndarray, direction: np.ndarray, labels: np.ndarray
                    ) -> tuple[float, float]:
    """``(accuracy, mean cut)`` by hypernymysuite's random splits: a pair is answered
    ``direction`` (1, or -1 for hypernym first) where its ``detect`` score reaches the
    cut tuned on hypernymy alone (``labels != 0``), 0 elsewhere, and compared with its
    label (1, 0, -1). A draw whose tuning or test part is empty (only in sets of a few
    dozen pairs) is passed over; NaN when every draw is."""
    rng = np.random.RandomState(SPLIT_SEED)
    truth = labels != 0
    accuracies, cuts = [], []
    for _ in range(SPLIT_TRIALS):
        tune = rng.rand(len(labels)) < SPLIT_SHARE
        if tune.all() or not tune.any():
            continue
        cut = _split_cut(detect[tune], truth[tune])
        test = ~tune
        answers = np.where(detect[test] >= cut, direction[test], 0)
        accuracies.append(float((answers == labels[test]).mean()))
        cuts.append(cut)
    if not accuracies:
        return float("nan"), float("nan")
    return float(np.mean(accuracies)), float(np.mean(cuts))


def _registry_splits(name: str) -> bool | None:
    """Whether the registered dataset ``name`` tunes its threshold on random splits
    (None: no registered dataset, the rows decide)."""
    return datasets.info(name).threshold_splits if name in datasets.REGISTRY else None


def _majority(labels: np.ndarray) -> float:
    """The commonest label's share: what always answering it scores (NaN: no label)."""
    if not len(labels):
        return float("nan")
    return float(np.unique(labels, return_counts=True)[1].max() / len(labels))


def entailment(scorer, rows, lowercase: bool = True, name: str | None = None,
               splits: bool | None = None) -> EntailmentResult:
    """Entailment metrics, with their baselines; ``rows`` is a dataset name, a path or
    parsed rows (dicts with ``word1``, ``word2``, ``label``: True, False, or -1 where
    word1 is the hypernym; optionally ``fold``). The score of (a, b) is
    ``scorer.entailment_scores`` if it has one (the KL asymmetry for Gaussians), else its
    symmetric ``pair_similarity``, which has no direction: its ``directional`` is NaN
    and ``directional_note`` says so, naming the scorer ``name`` (by default its ``by``,
    or "cosine" for vectors). Pairs with a word the scorer does not know are left out
    and counted (``oov``), as hypernymysuite leaves them out of WBLESS and BIBLESS.

    The accuracy's threshold: with ``splits``, hypernymysuite's protocol
    (:data:`SPLIT_TRIALS` random :data:`SPLIT_SHARE` tuning parts, the accuracies on the
    rest averaged); else the ``val`` fold's best, scored on ``test`` (or, without a
    ``val`` fold, the best on all the rows, scored on them). By default (None), splits
    where hypernymysuite uses them: for the registry's ``wbless`` and ``bibless``
    (:attr:`~wordspace.datasets.Dataset.threshold_splits`), and for rows labelled with
    their direction (-1 among the labels), as BIBLESS is; the val fold otherwise.
    Direction-labelled rows are scored over three answers (see
    :class:`EntailmentResult`)."""
    if splits is None and isinstance(rows, str):
        splits = _registry_splits(rows)
    rows = _read(rows, datasets.read_entailment)
    three_way = any(r["label"] == -1 for r in rows)  # True == 1, False == 0: never -1
    splits = three_way if splits is None else splits
    scorer = _as_vectors(scorer)
    lookup = _lookup(scorer, lowercase)
    norm = (lambda w: w.lower()) if lowercase else (lambda w: w)
    kept = [(lookup.get(norm(r["word1"])), lookup.get(norm(r["word2"])), r) for r in rows]
    kept = [(i, j, r) for i, j, r in kept if i is not None and j is not None]
    if not kept:
        nan = float("nan")
        return EntailmentResult(nan, nan, nan, nan, 0, len(rows),
                                directional_note="n/a: no pair has both words known",
                                three_way=three_way)
    first = np.array([i for i, _, _ in kept])
    second = np.array([j for _, j, _ in kept])
    labels = np.array([int(r["label"]) for _, _, r in kept], dtype=np.int64)  # 1, 0, -1
    hypernymy = labels != 0
    folds = np.array([r.get("fold", "") for _, _, r in kept])
    asymmetric = hasattr(scorer, "entailment_scores")
    score = scorer.entailment_scores if asymmetric else scorer.pair_similarity
    forward = np.asarray(score(first, second), dtype=np.float64)
    backward = np.asarray(score(second, first), dtype=np.float64) if asymmetric else forward
    if three_way:  # hypernymy either way, by the stronger direction; oriented by it
        detect = np.maximum(forward, backward)
        direction = np.where(forward >= backward, 1, -1)
    else:
        detect, direction = forward, np.ones(len(labels), dtype=np.int64)
    directional, note = float("nan"), ""
    if not asymmetric:
        name = name or getattr(scorer, "by", None) or (
            "cosine" if isinstance(scorer, Vectors) else "this scorer")
        note = f"n/a: {name} is symmetric, it has no direction"
    elif hypernymy.any():
        right = np.where(labels == 1, forward > backward, backward > forward)
        directional = float(right[hypernymy].mean())
    else:
        note = "n/a: no entailing pair to orient"
    if splits:
        accuracy, threshold = _split_accuracy(detect, direction, labels)
        fold, majority = "splits", _majority(labels)
    else:
        val = folds == "val"
        test = folds == "test" if val.any() else np.ones(len(folds), bool)
        tune = val if val.any() else test
        threshold = _best_threshold(hypernymy[tune], detect[tune])
        answers = np.where(detect[test] > threshold, direction[test], 0)
        accuracy = float((answers == labels[test]).mean())
        fold, majority = "val" if val.any() else "all", _majority(labels[test])
    return EntailmentResult(directional, _average_precision(hypernymy, detect), accuracy,
                            threshold, len(kept), len(rows) - len(kept),
                            positive_rate=float(hypernymy.mean()),
                            majority_accuracy=majority, threshold_fold=fold,
                            directional_note=note, three_way=three_way)


def scorers(model) -> dict:
    """The similarity scorers a model exposes: ``model.scorers()`` if it has one (a
    Gaussian model and its :class:`~wordspace.distributions.Distributions`: cosine, EL,
    KL), else its vectors (or the object itself, if it is vectors) scored by cosine;
    gensim's vectors and models too. A scorer alone (``words``, ``index`` and
    ``pair_similarity``, as ``distributions.scorer("kl")``) is scored as itself, named
    by its ``by``."""
    model = _as_vectors(model)
    if hasattr(model, "scorers"):
        return model.scorers()
    vectors = model if isinstance(model, Vectors) else getattr(model, "vectors", None)
    if vectors is not None:
        return {"cosine": vectors}
    if all(hasattr(model, a) for a in ("words", "index", "pair_similarity")):
        return {getattr(model, "by", None) or "similarity": model}
    raise ValueError(f"{model!r} has no word vectors to evaluate, nor words, index and "
                     "pair_similarity to score pairs by")


class Evaluation(dict):
    """What :func:`evaluate` returns: ``{scorer: {dataset: result dict}}``, and in
    ``skipped`` the datasets left out as unavailable, ``{dataset: why}``."""

    def __init__(self, results=(), skipped: dict[str, str] | None = None):
        super().__init__(results)
        self.skipped: dict[str, str] = dict(skipped or {})

    def as_dict(self) -> dict:
        """For JSON: the scores by scorer, and a ``"skipped"`` entry (``{dataset: why}``)
        where a dataset was skipped. A score that could not be computed (no pair
        scored) is ``None``, never NaN, which strict JSON readers refuse."""
        out = {**self, "skipped": dict(self.skipped)} if self.skipped else dict(self)
        return _finite_or_none(out)

    def scored(self) -> list[str]:
        """The datasets that scored at least one pair or question (by any scorer)."""
        return sorted({name for by_dataset in self.values()
                       for name, result in by_dataset.items()
                       if result.get("pairs", result.get("total", 0)) > 0})

    def undefined(self) -> dict[str, str]:
        """The scores left undefined although pairs were scored (one pair, constant gold
        scores or similarities), ``{"dataset (scorer)": why}``: no coverage matter, as
        a dataset of no pair scored is, but a dataset or a model that cannot be scored."""
        return {f"{name} ({scorer})": result["undefined"]
                for scorer, by_dataset in self.items() for name, result in by_dataset.items()
                if result.get("undefined") and result.get("pairs", 0) > 0}


def _finite_or_none(value):
    """``value`` with every NaN or infinite float (in dicts and lists) made None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite_or_none(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite_or_none(v) for v in value]
    return value


def _resolve(spec) -> tuple[str, str, object]:
    """``(key, kind, source)`` of one of :func:`evaluate`'s datasets: a registry name
    (source: the name, loaded later), or a file of one's own, ``PATH`` or ``KIND:PATH``
    (source: the file, parsed now, so a malformed one fails before any scoring)."""
    if isinstance(spec, str) and spec in datasets.REGISTRY:
        kind = datasets.info(spec).kind
        if kind not in datasets.BENCHMARK_KINDS:
            raise ValueError(f"{spec} is a {kind} dataset; eval takes similarity, analogy "
                             "and entailment datasets")
        return spec, kind, spec
    where, kind = str(spec), None
    prefix, colon, rest = where.partition(":")
    if isinstance(spec, str) and colon and prefix in datasets.BENCHMARK_KINDS \
            and not Path(where).exists():
        where, kind = rest, prefix
    if not Path(where).exists():
        raise FileNotFoundError(
            f"no dataset or file named {where!r}: give a registered dataset "
            f"({', '.join(datasets.names('similarity') + datasets.names('analogy'))}, "
            f"{', '.join(datasets.names('entailment'))}) or a benchmark file's path")
    kind, parsed = datasets.read_file(where, kind)
    return where, kind, parsed


def _refuse_repeats(names: list, resolved: list) -> None:
    """Refuse a dataset given twice (``names[i]`` resolved as ``resolved[i]``): results
    are keyed by its name or path, so the second would silently stand for both, even when
    read as another kind (``entailment:FILE FILE``)."""
    first = {}
    for spec, (key, kind, _) in zip(names, resolved, strict=True):
        if key in first:
            earlier, earlier_kind = first[key]
            kinds = (f" (as {earlier_kind} and as {kind} data)" if kind != earlier_kind
                     else "")
            raise ValueError(f"dataset {key} given twice{kinds}: {str(earlier)!r} and "
                             f"{str(spec)!r}; its results are keyed by its name or path, so "
                             "give it once (a file read as two kinds: copy it under "
                             "another name)")
        first[key] = (spec, kind)


def evaluate(model, names=None, methods=("3cosadd",),
             restrict_vocab: int | None = 30000,
             lowercase: bool = True, skip_unavailable: bool = True,
             progress: bool = True) -> Evaluation:
    """Run similarity, analogy and entailment datasets against every scorer of ``model``.

    ``names``: registered datasets (``"ws353"``) and files of one's own in the standard
    formats, ``word1 word2 score`` pairs, word2vec's ``: section`` / ``a b c d``
    questions or ``word1 word2 label`` entailment rows, their kind told from their
    content (:func:`wordspace.datasets.detect_kind`) or given as ``"KIND:PATH"``
    (``"analogy:mine.txt"``) where it cannot be told. A registered name wins over a file
    of the same name (``./ws353`` is the file). A dataset given twice (also as two
    kinds) is refused: results are keyed by its name or path. Default:
    :data:`DEFAULT_DATASETS`, less its analogy set for a scorer of pairs only (a
    ``Distributions.scorer``), which analogies need vectors for.

    Returns an :class:`Evaluation`, ``{scorer: {dataset: result dict}}`` (analogy results
    keyed by method too, as ``"google/3cosadd"``; analogies are computed for scorers
    that are vectors). A registered dataset that is unavailable (not in the mirror nor
    the cache, and not downloadable: offline, say) is skipped with a warning and listed
    in its ``skipped`` with the reason, unless ``skip_unavailable`` is false; if none is
    left, :class:`~wordspace.datasets.DatasetUnavailable` says why each was. A dataset
    that is here but malformed (a mirror or user file its parser refuses) raises
    :class:`~wordspace.datasets.DatasetError`: that is no availability matter.
    ``restrict_vocab``: the analogy candidates, as :func:`analogies` takes it (None:
    every word). ``progress``: show a download's progress bar.
    """
    defaults = names is None
    names = list(DEFAULT_DATASETS) if defaults else \
        [names] if isinstance(names, (str, Path)) else list(names)
    if not names:
        raise ValueError("no dataset to evaluate on")
    _check_restrict_vocab(restrict_vocab)  # before any dataset is fetched
    resolved = [_resolve(spec) for spec in names]  # unknown names, bad files: before any work
    _refuse_repeats(names, resolved)
    by_scorer = scorers(model)
    pairs_only = not any(hasattr(s, "unit") for s in by_scorer.values())  # no vectors
    if defaults and pairs_only:  # the defaults' analogies are left out for a scorer
        resolved = [entry for entry in resolved if entry[1] != "analogy"]
    analogy = next((key for key, kind, _ in resolved if kind == "analogy"), None)
    if analogy and pairs_only:
        raise ValueError(f"{analogy} is an analogy set, and analogies need vectors: "
                         f"{', '.join(by_scorer)} scores pairs only (evaluate the model, or "
                         "its distributions, for analogies by cosine of the means)")
    loaded, skipped = {}, {}
    for key, kind, source in resolved:
        if isinstance(source, str) and source in datasets.REGISTRY:
            try:
                source = datasets.load(source, progress=progress)
            except datasets.DatasetUnavailable as e:
                if not skip_unavailable:
                    raise
                skipped[key] = str(e)
                logger.warning("%s skipped, unavailable: %s", key, e)
                continue
        loaded[key] = (kind, source)
    if not loaded:
        raise datasets.DatasetUnavailable(
            "no dataset could be evaluated: " +
            "; ".join(f"{key} is unavailable ({why})" for key, why in skipped.items()))
    results = Evaluation(skipped=skipped)
    for scorer_name, scorer in by_scorer.items():
        table = results[scorer_name] = {}
        for name, (kind, data) in loaded.items():
            if kind == "similarity":
                table[name] = word_similarity(scorer, data, lowercase, name).as_dict()
            elif kind == "entailment":
                table[name] = entailment(scorer, data, lowercase, scorer_name,
                                         _registry_splits(name)).as_dict()
            elif hasattr(scorer, "unit"):
                for method in methods:
                    table[f"{name}/{method}"] = analogies(
                        scorer, data, restrict_vocab, method, lowercase).as_dict()
    return results


def format_table(results: dict) -> str:
    """A readable table of :func:`evaluate`'s results, the skipped datasets last."""
    skipped = getattr(results, "skipped", {})
    w = max([20, *(len(name) for table in results.values() for name in table),
             *(len(name) for name in skipped)])  # a file's path may be long
    lines = [f"{'scorer':<10} {'dataset':<{w}} {'score':>8}  detail"]
    for scorer, table in results.items():
        for name, r in table.items():
            if "average_precision" in r:
                lines.append(f"{scorer:<10} {name:<{w}} {r['accuracy']:>8.3f}  "
                             f"{_entailment_detail(r)}")
            elif "spearman" in r:
                score = (f"{'n/a':>8}  undefined ({r['undefined']})" if r.get("undefined")
                         else f"{r['spearman']:>8.3f}  Spearman rho (Pearson "
                              f"{r['pearson']:.3f})")
                lines.append(f"{scorer:<10} {name:<{w}} {score}, {r['pairs']} pairs, "
                             f"{100 * r['coverage']:.0f}% covered{_composed(r, 'pairs')}")
            else:
                split = (f"semantic {_percent(r['semantic'])}, syntactic "
                         f"{_percent(r['syntactic'])}, " if "semantic" in r else "")
                lines.append(f"{scorer:<10} {name:<{w}} {_percent(r['accuracy']):>8}  {split}"
                             f"{r['total']:,} questions, {r['skipped']:,} skipped"
                             f"{_composed(r, 'questions')}")
    for name, why in skipped.items():
        lines.append(f"{'-':<10} {name:<{w}} {'skipped':>8}  unavailable: {why}")
    protocols = {r.get("protocol") for table in results.values() for r in table.values()}
    if "subword" in protocols:
        lines.append("subword protocol: words outside the vocabulary composed from their "
                     "n-grams; questions whose answer is no candidate count as wrong")
    return "\n".join(lines)


def _percent(share) -> str:
    """``0.373`` as ``37.3%``; no share (NaN, None: no question scored) as ``n/a``."""
    return f"{100 * share:.1f}%" if share is not None and math.isfinite(share) else "n/a"


def _entailment_detail(r: dict) -> str:
    """An entailment result's scores, each with its baseline."""
    accuracy, majority = r["accuracy"], r.get("majority_accuracy", float("nan"))
    fold = {"val": "threshold from val", "all": "threshold fit on the same rows",
            "splits": f"threshold from {SPLIT_TRIALS:,} random {SPLIT_SHARE:.0%} splits"
            }[r.get("threshold_fold", "val")]
    verdict = ", no better" if accuracy <= majority else ""
    if r["directional"] is None or r["directional"] != r["directional"]:
        direction = r.get("directional_note") or "n/a"
    else:
        direction = f"{r['directional']:.3f} (chance 0.500)"
    kind = "3-way accuracy: hypernym second, first, or neither" if r.get("three_way") \
        else "accuracy"
    return (f"{kind} ({fold}; majority class {majority:.3f}{verdict}), directional "
            f"{direction}, AP {r['average_precision']:.3f} (positive rate "
            f"{r.get('positive_rate', float('nan')):.3f}), {r['pairs']:,} pairs, "
            f"{100 * r['coverage']:.0f}% covered")  # as the similarity rows say it


def _composed(result: dict, what: str) -> str:
    """How many of a subword-protocol result's pairs or questions used a composed word."""
    if result.get("protocol") != "subword":
        return ""
    return f" ({result['composed']:,} {what} with composed words)"
