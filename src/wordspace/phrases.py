"""Phrase detection: "new york" -> "new_york" before training (word2phrase, gensim's Phrases).

Two words are joined when they occur together far more often than their own counts
predict (Mikolov et al. 2013, "Distributed Representations of Words and Phrases and
their Compositionality", section 4). Counting and merging run in compiled kernels over
the encoded corpus (:mod:`wordspace.kernels.phrases`); this module holds the scores, the
table of phrases and its file. See docs/phrases.md.

Defaults are gensim's (``min_count=5, threshold=10.0, scoring="default"``), whose score
is word2phrase's with the number of distinct unigrams and bigrams in place of the number
of words in the corpus; ``scoring="word2phrase"`` is word2phrase's own (its threshold is
100).

To train on the joined text, give the table to the corpus:
``Corpus(source, phrases=table)`` joins while reading (gensim's
``Word2Vec(bigram[sentences])``); :meth:`Phrases.write_corpus` writes the text instead.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import math
import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import numpy as np

from wordspace._io import (
    MOVE_ADVICE,
    atomic_write,
    check_replaceable_file,
    is_pickle,
    remember_writing,
    same_file,
    written_as,
)
from wordspace._tokens import shorten
from wordspace._validate import (
    check_choice,
    check_float,
    check_int,
    gensim_hint,
    takes_fname,
)
from wordspace.corpus import (
    MAX_TOKEN_LENGTH_LIMIT,
    Corpus,
    CorpusError,
    dataset_kind,
    phrase_sentences,
)
from wordspace.kernels import phrases as _kernels

logger = logging.getLogger(__name__)

SCORINGS = ("default", "npmi", "word2phrase")
#: gensim's ``ENGLISH_CONNECTOR_WORDS``: English words that may sit inside a phrase
#: ("bank_of_america") but never begin or end one (``connector_words=``)
ENGLISH_CONNECTOR_WORDS = frozenset({
    "a", "an", "the", "for", "of", "with", "without", "at", "from", "to", "in", "on", "by",
    "and", "or"})
#: what the written records call a phrased corpus (:func:`wordspace._io.wrote_it`)
_KIND = "phrased corpus"
_MARK = "# wordspace phrases"  # a phrase table's first line
_FORMAT = 1
_COLUMNS = "pass\tscore\tcount\tphrase\twords..."


def original_score(count_a, count_b, count_ab, len_vocab: int, min_count: int,
                   n_words: int) -> np.ndarray:
    """Mikolov et al.'s score as gensim computes it (``original_scorer``):
    ``(count_ab - min_count) / (count_a * count_b) * len_vocab``, where ``len_vocab`` is
    the number of distinct words and word pairs counted. word2phrase multiplies by the
    number of words in the corpus instead. ``n_words`` is not used."""
    count_a, count_b = np.asarray(count_a, np.float64), np.asarray(count_b, np.float64)
    return (np.asarray(count_ab, np.float64) - min_count) / (count_a * count_b) * len_vocab


def word2phrase_score(count_a, count_b, count_ab, len_vocab: int, min_count: int,
                      n_words: int) -> np.ndarray:
    """word2phrase's score (word2vec.c): ``(count_ab - min_count) / count_a / count_b *
    n_words``, ``n_words`` the words of the corpus (its ``train_words``: every word, the
    pass's own when run again on joined text). ``len_vocab`` is not used. word2phrase
    computes in float32, this in float64: a score within float32's rounding of the
    threshold may fall on the other side there."""
    count_a, count_b = np.asarray(count_a, np.float64), np.asarray(count_b, np.float64)
    return (np.asarray(count_ab, np.float64) - min_count) / count_a / count_b * float(n_words)


def npmi_score(count_a, count_b, count_ab, len_vocab: int, min_count: int,
               n_words: int) -> np.ndarray:
    """Normalised pointwise mutual information (Bouma 2009), in [-1, 1]:
    ``log(p_ab / (p_a p_b)) / -log(p_ab)`` with each ``p`` a count over ``n_words``;
    minus infinity for pairs seen fewer than ``min_count`` times (as gensim's
    ``npmi_scorer``). ``len_vocab`` is not used."""
    n = float(n_words)
    p_a = np.asarray(count_a, np.float64) / n
    p_b = np.asarray(count_b, np.float64) / n
    count_ab = np.asarray(count_ab, np.float64)
    p_ab = count_ab / n
    with np.errstate(divide="ignore", invalid="ignore"):
        score = np.log(p_ab / (p_a * p_b)) / -np.log(p_ab)
    return np.where(count_ab >= min_count, score, -np.inf)


_SCORERS = {"default": original_score, "npmi": npmi_score, "word2phrase": word2phrase_score}
#: gensim's names for the scorers (same arguments, in the same order)
original_scorer, npmi_scorer = original_score, npmi_score
#: a token of a sentence being joined and its score (None: a word no pass joined)
_Token = tuple[str, float | None]
#: what a gensim user reaches for on a Phrases, and wordspace's way to it
_GENSIM_ATTRIBUTES = {
    "vocab": "the table keeps only the phrases, not the count of every word and pair: "
             "export_phrases() gives each phrase's score, tables its count too",
    "add_vocab": "the table keeps only the phrases, not the counts to add to: learn "
                 "again on all the text, Phrases([*sentences, *more]) or Phrases(FOLDER) "
                 "for a folder of files",
    "phrasegrams": "export_phrases() gives {phrase: score}",
    "score_candidate": "the table keeps the phrases' scores, not every pair's: "
                       "export_phrases() gives each phrase's, analyze_sentence(words) "
                       "those joined in a sentence",
    "min_reduce": "the pruning's state is not kept: max_vocab_size says how the table "
                  "was counted",
}
#: gensim's arguments to Phrases() that wordspace takes none of, and its way to them
_GENSIM_ARGUMENTS = {
    "common_terms": "gensim 3's name for connector_words: Phrases(source, "
                    "connector_words=...) (ENGLISH_CONNECTOR_WORDS is gensim's English set)",
    "progress_per": "wordspace shows a progress bar while it reads the text, no log line "
                    "every progress_per sentences: progress=False hides it",
}


#: the most passes (each joins phrases of the previous pass's output)
MAX_PASSES = 10
#: each scoring's default threshold (``threshold=None``, the command line's without
#: --threshold): gensim's 10 for its score, 0.5 for npmi, word2phrase's 100 for its own
DEFAULT_THRESHOLDS = {"default": 10.0, "npmi": 0.5, "word2phrase": 100.0}
#: gensim's default bound on the distinct words and candidates counted (see Phrases)
MAX_VOCAB_SIZE = 40_000_000
#: the corpus is counted this many tokens at a time at least (whole sentences), and at
#: least a quarter of the candidates already counted: merging a chunk into the table
#: moves the whole table, so chunks that grow with it keep that within four entries a
#: token, while a chunk (16 bytes a token as it is counted, about 56 with connector
#: words) stays about the table's own size. 2**21 tokens: 32 MB, and sorts long enough
#: that the Python between chunks costs nothing measurable
CHUNK_TOKENS = 1 << 21


# Why a corpus that left tokens out is refused rather than read with a break where each
# was: the encoding keeps no trace of a token left out (min_count, max_vocab_size,
# max_final_vocab and max_token_length remove it from the token array; unk=True maps it
# to <unk>, which write_corpus would write in place of the word), so neither a break
# nor the word can be had from it, and write_corpus, which writes from the encoding,
# would lose the word. Phrases count every token, as gensim's do.
_SPANNED = ("the words on either side of a token left out would look adjacent, to be "
            "counted and joined as a pair, and a written corpus would lack the token")


def _left_out_by(settings: Mapping) -> str | None:
    """Which of a corpus's reading ``settings`` leave tokens out, said, or None."""
    said = [f"min_count={settings['min_count']} leaves out the words seen fewer times"] \
        if settings.get("min_count", 1) > 1 else []
    for name, does in (("max_vocab_size", "prunes words while they are counted"),
                       ("max_final_vocab", "leaves out all but the most frequent words")):
        if settings.get(name) is not None:
            said.append(f"{name}={settings[name]} {does}")
    return "; ".join(said) or None


def check_every_token(corpus: Corpus) -> None:
    """Raise :class:`~wordspace.corpus.CorpusError` unless ``corpus`` holds every token
    of its text (what phrases are counted on, joined in and written from): none left
    out by ``min_count``, ``max_vocab_size`` or ``max_final_vocab``, nor mapped to
    ``<unk>``, nor longer than ``max_token_length``. Judged by the tokens dropped, not
    the settings: a corpus whose ``min_count=2`` left nothing out holds every token."""
    unk = int(corpus.vocab.counts[0]) if corpus.unk else 0  # <unk> stands for dropped words
    dropped = corpus.raw_tokens - corpus.n_tokens + unk
    if dropped:
        why = _left_out_by(corpus.reading_settings()) or "its vocabulary settings"
        raise CorpusError(
            f"{corpus.name}: {why}: {dropped:,} token(s) of its text were left out"
            f"{' (as <unk>)' if unk else ''}, and {_SPANNED}: read it with min_count=1 and without "
            "max_vocab_size or max_final_vocab (phrases count every word, as gensim's), "
            "or give Phrases what the corpus reads (a path, token lists)")
    if corpus.long_tokens:
        raise CorpusError(
            f"{corpus.name}: {corpus.long_tokens:,} token(s) longer than max_token_length="
            f"{corpus.max_token_length} characters were left out, and {_SPANNED}: read it "
            f"with a larger max_token_length (--max-token-length; at most "
            f"{MAX_TOKEN_LENGTH_LIMIT:,}) or take them out of the text")


def read_corpus(source, progress: bool = True, **options) -> Corpus:
    """``source`` read as phrases count it: every word (``min_count=1``) of the whole
    corpus, also under torchrun (``shard=False``); ``options`` are ``Corpus``'s, and
    one that leaves tokens out (``max_final_vocab``) is refused before reading, as is
    a text that held tokens longer than ``max_token_length`` once read
    (:func:`check_every_token`). A documents dataset's name is refused, saying how to
    count its documents."""
    if dataset_kind(source) == "documents":
        raise FileNotFoundError(
            f"{source} is a documents dataset, which Corpus does not read: count the words "
            f"of its documents with Phrases(Documents({source!r}, min_count=1)) (Phrases "
            "counts every word) and join them while reading with "
            f"Documents({source!r}, phrases=table)")
    why = _left_out_by(options)
    if why is not None:
        raise CorpusError(
            f"{why}, and {_SPANNED}: leave it out (phrases count every word, as gensim's); "
            "bound the vocabulary of the model trained on the joined text instead: "
            "Corpus(source, phrases=table, max_final_vocab=...)")
    corpus = Corpus(source, min_count=1, progress=progress, **{"shard": False, **options})
    check_every_token(corpus)
    return corpus


class Phrases:
    """Detect phrases in a corpus and join them (gensim's ``Phrases``, word2phrase).

    Parameters
    ----------
    source : Corpus, str, Path or iterable of token lists
        What to count: anything :class:`~wordspace.corpus.Corpus` reads (a file, a
        folder, a dataset name, token lists), read with ``min_count=1`` and
        ``corpus_options``, or a ``Corpus`` that kept every token
        (:func:`check_every_token`: a corpus without some tokens would make the words
        on either side of them look adjacent). A file's lines are counted in sentences
        of 10,000 words, as gensim's ``LineSentence`` and ``Text8Corpus`` cut them; token
        lists whole, as gensim counts them (``max_sentence_length=N`` cuts them too).
        gensim's ``sentences=`` names it too.
    min_count : int
        Pairs seen fewer times are never phrases; the default score also subtracts it
        from the pair's count (gensim's and word2phrase's 5).
    threshold : float or None
        A pair is a phrase when its score is above this: positive for the default and
        word2phrase scores, in (-1, 1] for ``npmi``. ``None``: the scoring's default,
        :data:`DEFAULT_THRESHOLDS` (gensim's 10.0 for the default score, 0.5 for
        ``npmi`` as gensim's documentation suggests, word2phrase's 100 for
        ``word2phrase``), which ``threshold`` and ``settings()`` then give.
    scoring : {"default", "npmi", "word2phrase"}
        ``"default"``: ``(count_ab - min_count) / (count_a * count_b) * len_vocab``,
        ``len_vocab`` the number of distinct words and pairs counted (gensim's
        ``original_scorer``); ``"npmi"``: normalised pointwise mutual information;
        ``"word2phrase"``: word2phrase's, ``(count_ab - min_count) / count_a / count_b
        * n_words``, ``n_words`` the words counted (with ``threshold=100``, its
        default, word2phrase's phrases). A function (gensim's custom scorer) is not
        supported: every candidate is scored at once, in arrays.
    delimiter : str
        Joins the words of a phrase ("new_york"); non-empty, without whitespace.
    connector_words : iterable of str
        Words that may sit inside a phrase but never begin or end one ("of", "the":
        "bank_of_america"), as gensim's ``connector_words``
        (:data:`ENGLISH_CONNECTOR_WORDS`, gensim's, is one such set).
    passes : int
        How many times to detect phrases, each pass on the corpus the previous one
        joined (word2phrase run twice finds phrases of up to four words).
    max_vocab_size : int or None
        The most distinct words and candidates counted at once (gensim's
        ``max_vocab_size``, 40 M): whenever a sentence takes the count above it, those
        seen fewer than ``k`` times so far are dropped, ``k`` 1 at the first time and one
        more each time after, and counted afresh if seen again (gensim's pruning). Memory
        while counting follows the distinct words and candidates, not the corpus's
        length: about 45 bytes each at the peak (60 with connector words); ``None``
        counts every one.
    progress : bool
        Show the corpus reader's progress bar.
    **corpus_options
        Passed to ``Corpus`` when ``source`` is not one (``lowercase``,
        ``token_pattern``, ``cache``, ...).

    Attributes
    ----------
    scoring, delimiter, connector_words, passes, max_vocab_size
        As given; fixed once learned (setting another value is an ``AttributeError``
        saying to learn again: the counts were taken with them).
    threshold, min_count
        May be raised after learning, as gensim's may: the phrases that no longer
        qualify are dropped everywhere (joining, ``export_phrases``, ``save``, ``len``),
        judged by the scores and counts the table keeps. Lowering either below the value
        the table was learned with is a ``ValueError``: the table keeps no pair that did
        not qualify then (learn again with the lower value). A table of several passes
        keeps the values it was learned with (each pass counted the text the one before
        joined).
    tables : list of dict
        One per pass: a phrase's words (a tuple) -> ``(phrase, score, count)``.
    corpus_word_count : int
        Words counted in the first pass (gensim's ``corpus_word_count``).
    """

    def __init__(self, source=None, min_count: int = 5, threshold: float | None = None,
                 scoring: str = "default", delimiter: str = "_",
                 connector_words: Iterable[str] = (), passes: int = 1,
                 max_vocab_size: int | None = MAX_VOCAB_SIZE, progress: bool = True, *,
                 sentences=None, **corpus_options):
        source = _source_given(source, sentences, corpus_options)
        self._configure(min_count, threshold, scoring, delimiter, connector_words, passes,
                        max_vocab_size)
        corpus, offsets, _ = self._read(source, progress, corpus_options)
        self.tokenization = corpus.tokenization
        self.corpus_word_count = corpus.n_tokens
        words, tokens = list(corpus.vocab.words), np.asarray(corpus.tokens)
        for number in range(1, passes + 1):
            table = self._learn(words, tokens, offsets)
            self.tables[number - 1] = table
            logger.info("pass %d of %d: %d phrases", number, passes, len(table))
            if number < passes:
                words, tokens, offsets = self._merge(words, tokens, offsets, table)

    # -- settings ---------------------------------------------------------------------------
    #: what decided how a table was counted and joined: fixed once it is learned
    _LEARNING_SETTINGS = ("scoring", "delimiter", "connector_words", "passes",
                          "max_vocab_size")

    def __setattr__(self, name: str, value) -> None:
        # gensim reads these afresh at each use; a learned table cannot follow a change
        # (its counts were taken with them), and ignoring one would misdescribe the table
        if name in self._LEARNING_SETTINGS and name in self.__dict__ \
                and value != self.__dict__[name]:
            raise AttributeError(
                f"{name} is fixed once a table is learned ({self.__dict__[name]!r}): the "
                f"counts were taken with it; learn again with Phrases(source, "
                f"{name}={value!r}) (threshold and min_count may be raised)")
        super().__setattr__(name, value)

    def _configure(self, min_count, threshold, scoring, delimiter, connector_words,
                   passes, max_vocab_size) -> None:
        check_int("min_count", min_count, 1)
        if max_vocab_size is not None:
            check_int("max_vocab_size", max_vocab_size, 1)
        check_int("passes", passes, 1, maximum=MAX_PASSES)
        if callable(scoring):
            raise TypeError(
                f"scoring={getattr(scoring, '__name__', scoring)!r}: a scoring function "
                "(gensim's custom scorer) is not supported, as every candidate is scored "
                f"at once in arrays; scoring is one of {', '.join(map(repr, SCORINGS))} "
                "(to filter further, select from export_phrases())")
        check_choice("scoring", scoring, SCORINGS)
        if threshold is None:  # the default depends on the scoring (npmi lies in [-1, 1])
            threshold = DEFAULT_THRESHOLDS[scoring]
        _check_threshold(threshold, scoring)
        if not isinstance(delimiter, str) or not delimiter or \
                any(ch.isspace() for ch in delimiter):
            raise ValueError(f"delimiter must be a non-empty string without whitespace "
                             f"(a phrase is one token), got {delimiter!r}")
        if isinstance(connector_words, (str, bytes)):
            raise TypeError(f"connector_words must be a collection of words, not the "
                            f"string {connector_words!r} (write ({connector_words!r},))")
        connectors = frozenset(connector_words)
        bad = [w for w in connectors if not isinstance(w, str) or not w]
        if bad:
            raise ValueError(f"connector_words must be non-empty strings, got {bad[0]!r}")
        self._min_count, self._threshold, self.scoring = min_count, float(threshold), scoring
        self.delimiter, self.connector_words, self.passes = delimiter, connectors, passes
        self.max_vocab_size = max_vocab_size
        # the phrases as learned (or loaded) and the settings they qualified under: the
        # floor that raising threshold or min_count filters from
        self._learned_with = (self._min_count, self._threshold)
        self.tables: list[dict[tuple[str, ...], tuple[str, float, int]]] = \
            [{} for _ in range(passes)]
        self._learned = self.tables

    @property
    def threshold(self) -> float:
        """A pair is a phrase when its score is above this. Raising it drops the phrases
        at or below it; it cannot go below the value the table was learned with."""
        return self._threshold

    @threshold.setter
    def threshold(self, value: float) -> None:
        _check_threshold(value, self.scoring)
        self._refilter(self._min_count, float(value))

    @property
    def min_count(self) -> int:
        """Pairs seen fewer times are never phrases. Raising it drops the phrases seen
        fewer times and, for the default score, re-scores the others (the score subtracts
        it); it cannot go below the value the table was learned with."""
        return self._min_count

    @min_count.setter
    def min_count(self, value: int) -> None:
        check_int("min_count", value, 1)
        self._refilter(value, self._threshold)

    def _refilter(self, min_count: int, threshold: float) -> None:
        """Keep the learned phrases that qualify under ``min_count`` and ``threshold``
        (each at least the learned value): exactly those that learning with them finds,
        since a pair qualifying under the higher values qualified under the lower."""
        learned = dict(zip(("min_count", "threshold"), self._learned_with, strict=True))
        for name, value in (("min_count", min_count), ("threshold", threshold)):
            if value < learned[name]:
                raise ValueError(
                    f"{name}={value!r} is below the {learned[name]!r} this table was "
                    f"learned with, and it kept only the pairs that qualified then: learn "
                    f"again with the lower value (Phrases(source, {name}={value!r}))")
        changed = (min_count, threshold) != self._learned_with
        if changed and self.passes > 1:
            raise ValueError(
                f"this table's {self.passes} passes keep min_count={learned['min_count']!r}"
                f" and threshold={learned['threshold']!r}: each pass after the first "
                "counted the text the one before joined, which other values change; learn "
                f"again with min_count={min_count!r}, threshold={threshold!r}")
        self._min_count, self._threshold = min_count, threshold
        self.tables = [self._filtered(t) for t in self._learned] if changed else self._learned

    def _filtered(self, table: dict) -> dict:
        """``table``'s phrases that qualify under the current threshold and min_count,
        re-scored with min_count."""
        learned_min = self._learned_with[0]
        out = {}
        for parts, (phrase, score, count) in table.items():
            if self.scoring != "npmi":
                if count <= self._min_count:  # scores 0 or less: below any threshold
                    continue
                # (count - min_count) / (count_a * count_b) * len_vocab (or n_words):
                # only the first factor depends on min_count
                score *= (count - self._min_count) / (count - learned_min)
            elif count < self._min_count:
                continue
            if score > self._threshold:
                out[parts] = (phrase, score, count)
        return out

    def settings(self) -> dict:
        """The parameters the table's phrases qualify under (what its file records)."""
        return {"min_count": self.min_count, "threshold": self.threshold,
                "scoring": self.scoring, "delimiter": self.delimiter,
                "connector_words": sorted(self.connector_words), "passes": self.passes,
                "max_vocab_size": self.max_vocab_size,
                "corpus_word_count": self.corpus_word_count,
                "tokenization": self.tokenization}

    def _read(self, source, progress: bool, corpus_options: dict
              ) -> tuple[Corpus, np.ndarray, np.ndarray]:
        """``source`` as a corpus that kept every token (read here, or a ``Corpus``
        checked), and the sentences phrases are counted and joined in: their offsets
        and lines (:func:`~wordspace.corpus.phrase_sentences`: a file's lines cut every
        10,000 words, token lists whole unless ``max_sentence_length`` was given)."""
        if not isinstance(source, Corpus):
            corpus = read_corpus(source, progress=progress, **corpus_options)
            return corpus, *phrase_sentences(corpus)
        if corpus_options:
            raise TypeError(f"corpus options ({', '.join(sorted(corpus_options))}) apply "
                            "when the source is read here, not to a Corpus already read")
        if source.group is not None:
            raise ValueError(f"{source.name}: the corpus is one rank's share of the text; "
                             "phrases are counted over the whole of it (shard=False)")
        check_every_token(source)
        return source, *phrase_sentences(source)

    # -- learning -----------------------------------------------------------------------------
    def _connector_mask(self, words: list[str]) -> np.ndarray:
        return np.fromiter((w in self.connector_words for w in words), dtype=np.bool_,
                           count=len(words))

    def _learn(self, words: list[str], tokens: np.ndarray, offsets: np.ndarray
               ) -> dict[tuple[str, ...], tuple[str, float, int]]:
        """Count the corpus's words and candidate pairs, score them, and keep those above
        the threshold: {words: (phrase, score, count)}."""
        counted = _Counts(tokens, offsets, self._connector_mask(words), self.max_vocab_size)
        len_vocab = counted.n_words + len(counted.keys)  # distinct words and pairs
        # only pairs seen min_count times can be phrases (fewer score 0 or less by the
        # default score, whose threshold is positive, and minus infinity by npmi):
        # scoring those alone keeps the scores' arrays small beside the table
        kept = np.flatnonzero(counted.counts >= self.min_count)
        keys, pair_counts, word_counts = counted.keys[kept], counted.counts[kept], counted.words
        if counted.pairs_only:  # a pair is its key
            first, last = np.divmod(keys, len(words))

            def parts_of(i: int) -> tuple[str, ...]:
                return words[first[i]], words[last[i]]
        else:  # the words of one occurrence
            starts = counted.starts[kept]
            ends = _kernels.candidate_ends(tokens, counted.is_connector, starts)
            first, last = tokens[starts], tokens[ends]

            def parts_of(i: int) -> tuple[str, ...]:
                return tuple(words[t] for t in tokens[starts[i]:ends[i] + 1])
        del counted, kept
        scores = _SCORERS[self.scoring](word_counts[first], word_counts[last], pair_counts,
                                        len_vocab, self.min_count, len(tokens))
        table = {}
        for i in np.flatnonzero(scores > self.threshold):
            parts = parts_of(i)
            table[parts] = (self.delimiter.join(parts), float(scores[i]), int(pair_counts[i]))
        return table

    # -- applying -----------------------------------------------------------------------------
    def _merge(self, words: list[str], tokens: np.ndarray, offsets: np.ndarray,
               table: dict) -> tuple[list[str], np.ndarray, np.ndarray]:
        """Join ``table``'s phrases in the encoded corpus (its ids index ``words``): the
        new words (``words`` and then the table's phrases found in the vocabulary), tokens
        and offsets."""
        index = {w: i for i, w in enumerate(words)}
        if len(index) < len(words):  # a word typed in the text and an earlier pass's
            # phrase (new_york twice): one id for both, so that the table's pairs, which
            # are strings, join either (as phrases[sentence] does)
            same = np.fromiter((index[w] for w in words), np.int32, len(words))
            tokens = same[tokens]
        found = [(ids, phrase) for parts, (phrase, _, _) in table.items()
                 if None not in (ids := [index.get(w) for w in parts])]
        is_connector = self._connector_mask(words)
        part_ptr = np.zeros(len(found) + 1, np.int64)
        part_ptr[1:] = np.cumsum([len(ids) for ids, _ in found])
        parts = np.fromiter((i for ids, _ in found for i in ids), np.int32, int(part_ptr[-1]))
        keys = _kernels.table_keys(parts, part_ptr, len(words))
        order = np.argsort(keys, kind="stable")
        sorted_ptr = np.zeros_like(part_ptr)
        sorted_ptr[1:] = np.cumsum(np.diff(part_ptr)[order])
        sorted_parts = np.concatenate([parts[part_ptr[p]:part_ptr[p + 1]] for p in order]) \
            if len(found) else parts
        out_tokens = np.empty(len(tokens), np.int32)
        out_offsets = np.empty(len(offsets), np.int64)
        n = _kernels.merge_phrases(tokens, offsets, is_connector, len(words), keys[order],
                                   sorted_parts, sorted_ptr, out_tokens, out_offsets)
        return [*words, *(found[p][1] for p in order)], out_tokens[:n], out_offsets

    def transform(self, corpus: Corpus) -> tuple[list[str], np.ndarray, np.ndarray]:
        """Join the phrases of every pass in an encoded corpus, in compiled code: its
        words (``words[t]`` is token ``t``'s; a phrase, ``"new_york"``, is one word),
        ``tokens`` (int32) and ``offsets`` (sentence ``i`` is
        ``tokens[offsets[i]:offsets[i + 1]]``), sentence for sentence as
        ``phrases[sentence]`` joins them. ``corpus`` must hold every token
        (:func:`check_every_token`)."""
        corpus, offsets, _ = self._read(corpus, False, {})
        return self.join(list(corpus.vocab.words), np.asarray(corpus.tokens), offsets)

    def join(self, words: list[str], tokens: np.ndarray, offsets: np.ndarray
             ) -> tuple[list[str], np.ndarray, np.ndarray]:
        """:meth:`transform` on arrays: ``tokens`` (int32 ids into ``words``, every word
        of the text: none left out) and ``offsets`` (int64) joined by every pass; the
        words (``words`` first, then the phrases found, new ids), tokens and offsets
        (as many sentences, none emptied). A phrase's string may also be one of
        ``words`` (a token that held the delimiter): it still gets an id of its own."""
        for table in self.tables:
            words, tokens, offsets = self._merge(words, tokens, offsets, table)
        return words, tokens, offsets

    def digest(self) -> str:
        """What tells this table's joining apart, as 16 hex digits: a hash of each pass's
        phrases (their words and the joined token) and the connector words; the scores,
        counts and learning settings are left out, as they change nothing joined (a
        table saved and loaded again has its digest). ``Corpus(source, phrases=...)``
        keys its cache and checkpoints by it."""
        record = {"connector_words": sorted(self.connector_words),
                  "tables": [sorted([phrase, *parts] for parts, (phrase, _, _)
                                    in table.items()) for table in self.tables]}
        return hashlib.sha1(json.dumps(record).encode("utf-8", "surrogatepass")
                            ).hexdigest()[:16]

    def _analyze(self, sentence: list, table: dict, scored: bool = False) -> list:
        """One pass over one sentence of words (``scored``: of (token, score) pairs),
        greedy from the left as gensim's ``analyze_sentence``: a pair that is a phrase is
        joined (with its score) and the next pair starts after it; connectors only join
        the words around them. Words alone for ``phrases[sentence]``, a stream's hot
        path: pairs cost it about twice the time."""
        out: list = []
        start, between = None, []
        for token in sentence:
            word = token[0] if scored else token
            if word in self.connector_words:
                (between if start is not None else out).append(token)
                continue
            if start is not None:
                found = table.get((start[0], *(t[0] for t in between), word) if scored
                                  else (start, *between, word))
                if found is not None:
                    out.append(found[:2] if scored else found[0])
                    start, between = None, []
                    continue
                out.append(start)
                out.extend(between)
            start, between = token, []
        if start is not None:
            out.append(start)
            out.extend(between)
        return out

    def _passes(self, sentence: Iterable[str], caller: str) -> list[list[_Token]]:
        """``sentence`` (a list of words) as (token, score) pairs after each pass."""
        _check_sentence(sentence, caller)
        tokens: list[_Token] = [(word, None) for word in sentence]
        after = []
        for table in self.tables:
            tokens = self._analyze(tokens, table, scored=True)
            after.append(tokens)
        return after

    def analyze_sentence(self, sentence: Iterable[str]) -> Iterator[_Token]:
        """gensim's ``analyze_sentence``: the tokens of ``sentence`` (a list of words)
        joined, each with its score: ``(phrase, score)`` for a phrase joined, ``(word,
        None)`` for a word left alone. With several passes, a phrase's score is that of
        the pass that joined it."""
        return iter(self._passes(sentence, "analyze_sentence")[-1])

    def find_phrases(self, sentences: Iterable[Iterable[str]]) -> dict[str, float]:
        """gensim's ``find_phrases``: every phrase joined in ``sentences`` (lists of
        words), with its score: ``{"new_york": 812.3, ...}``. With several passes, each
        pass's, as gensim run on the previous run's output finds them (``new_york`` and
        ``new_york_city`` from "new york city")."""
        found = {}
        for sentence in sentences:
            for tokens in self._passes(sentence, "find_phrases"):
                found.update(token for token in tokens if token[1] is not None)
        return found

    def __getitem__(self, sentence):
        """``phrases[["new", "york", "is", "big"]]`` -> ``["new_york", "is", "big"]``;
        a :class:`Corpus` or an iterable of sentences (its first item not a string: it
        alone is looked at, as gensim peeks) gives a :class:`TransformedCorpus`, which
        joins them as they are read, afresh at each iteration (a ``Corpus`` by the
        compiled kernel)."""
        if isinstance(sentence, Corpus):
            self._read(sentence, False, {})  # refused now, not when first iterated
            return TransformedCorpus(self, sentence)
        if isinstance(sentence, TransformedCorpus):  # gensim's trigram[bigram[stream]]:
            # sentences for sure, and not peeked at (that would start a stream's reading)
            return TransformedCorpus(self, sentence, once=sentence._once,
                                     given=sentence._given)
        _check_sentence(sentence, "phrases[...]")
        iterator = iter(sentence)
        try:
            first = next(iterator)
        except StopIteration:
            return []
        once = iterator is sentence  # an iterator: what was looked at is put back
        if once:
            sentence = itertools.chain([first], iterator)
        if not isinstance(first, str):  # several sentences
            return TransformedCorpus(self, sentence, once=once,
                                     given=type(iterator).__name__)
        for table in self.tables:
            sentence = self._analyze(sentence, table)
        return sentence

    def __getattr__(self, name: str):
        # only called for attributes not found: say where a gensim user's are
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}"
                             f"{gensim_hint(name, _GENSIM_ATTRIBUTES)}")

    def _sentences(self, corpus: Corpus) -> Iterator[list[str]]:
        words, tokens, offsets = self.transform(corpus)
        for i in range(len(offsets) - 1):
            yield [words[t] for t in tokens[offsets[i]:offsets[i + 1]]]

    def export_phrases(self) -> dict[str, float]:
        """Every phrase found, with its score: ``{"new_york": 812.3, ...}`` (gensim's
        ``export_phrases``; with several passes, every pass's)."""
        return {phrase: score for table in self.tables for phrase, score, _ in table.values()}

    def freeze(self) -> Phrases:
        """This object: it keeps only the phrases (as gensim's ``FrozenPhrases``), and
        its ``threshold`` may be raised (not lowered) as a ``FrozenPhrases``'s."""
        return self

    def __len__(self) -> int:
        return sum(len(table) for table in self.tables)

    def __repr__(self) -> str:
        return (f"Phrases({len(self):,} phrases, min_count={self.min_count}, "
                f"threshold={self.threshold}, scoring={self.scoring!r})")

    # -- files --------------------------------------------------------------------------------
    def write_corpus(self, corpus, path: str | os.PathLike) -> int:
        """Write ``corpus`` with its phrases joined as text, word2phrase's output: the
        sentences of one input line on one line, words separated by spaces (lines
        without words are left out). Written atomically; an existing non-empty file is
        never replaced (it may be anyone's text), nor the corpus's own file, unless
        wordspace wrote it and nothing changed it since (a rerun's earlier output, as
        ``$WORDSPACE_HOME/written`` records it). Returns the number of words written.
        ``corpus`` is a ``Corpus`` that kept every token (:func:`check_every_token`),
        or what one reads (then read as the table's corpus was: ``self.tokenization``;
        token lists whole, as they are counted)."""
        given = isinstance(corpus, Corpus)
        corpus, offsets, lines = self._read(corpus, not given,
                                            {} if given else dict(self.tokenization))
        check_corpus_output(path, corpus)
        words, tokens, offsets = self.join(list(corpus.vocab.words),
                                           np.asarray(corpus.tokens), offsets)
        # what came there while this was written is someone else's: refused at the end
        with atomic_write(path, "w", compress=True, replaces=written_as(_KIND)) as f:
            for i in range(len(offsets) - 1):
                text = " ".join(map(words.__getitem__, tokens[offsets[i]:offsets[i + 1]]
                                    .tolist()))
                last = i + 1 == len(offsets) - 1 or lines[i + 1] != lines[i]
                f.write(text + ("\n" if last else " "))
        remember_writing(path, _KIND)
        return len(tokens)

    @takes_fname
    def save(self, path: str | os.PathLike) -> None:
        """Write the phrase table as tab-separated text: a first line naming the format,
        a second with the settings (JSON), a header, then one phrase a line (its pass,
        score, count, the phrase and its words). Written atomically, at a new path or
        over an earlier phrase table; anything else is refused."""
        check_replaceable_file(path, "a wordspace phrase table", is_phrase_table)
        with atomic_write(path, "w") as f:
            f.write(f"{_MARK} {_FORMAT}\n# {json.dumps(self.settings())}\n{_COLUMNS}\n")
            for number, table in enumerate(self.tables, 1):  # best first
                for parts, (phrase, score, count) in sorted(table.items(),
                                                            key=lambda row: -row[1][1]):
                    f.write("\t".join([str(number), repr(score), str(count), phrase, *parts])
                            + "\n")

    @classmethod
    @takes_fname
    def load(cls, path: str | os.PathLike) -> Phrases:
        """Read a table written by :meth:`save`; a line that does not read so is a
        ``ValueError`` naming the file and line, and so is another file (gensim's pickle
        among them: learn the table again with wordspace)."""
        path = Path(path)
        with open(path, "rb") as f:
            head = f.read(len(_MARK))
        if is_pickle(head):
            raise ValueError(
                f"{path}: not a wordspace phrase table but a Python pickle, as gensim's "
                "Phrases.save() and FrozenPhrases.save() write; wordspace does not read "
                "them: learn the phrases again on the same text with wordspace.Phrases "
                "and save that, or with 'wordspace phrases CORPUS -o OUT --table "
                "TABLE.tsv' (with gensim's settings it finds gensim's phrases and scores)")
        if head != _MARK.encode():
            raise ValueError(f"{path}: not a wordspace phrase table (its first line is not "
                             f"{_MARK!r})")
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
        try:
            found = json.loads(lines[1][2:]) if lines[1].startswith("# ") else None
        except ValueError:
            found = None
        if not isinstance(found, dict):
            raise ValueError(f"{path}:2: expected '# ' and the settings as JSON")
        self = cls.__new__(cls)
        try:
            self._configure(found["min_count"], found["threshold"], found["scoring"],
                            found["delimiter"], found["connector_words"], found["passes"],
                            found.get("max_vocab_size"))  # older tables counted all
            self.corpus_word_count = int(found["corpus_word_count"])
            self.tokenization = dict(found["tokenization"])
        except (KeyError, TypeError, ValueError) as e:
            raise ValueError(f"{path}:2: unusable settings ({e})") from None
        for lineno, line in enumerate(lines[3:], 4):
            if not line:
                continue
            self._add_row(line.split("\t"), f"{path}:{lineno}")
        return self

    def _add_row(self, fields: list[str], where: str) -> None:
        """Add one line of a phrase table to its pass's table."""
        if len(fields) < 6:
            raise ValueError(f"{where}: expected {_COLUMNS!r} (at least two words)")
        number, score, count, phrase, *parts = fields
        try:
            number, score, count = int(number), float(score), int(count)
        except ValueError:
            raise ValueError(f"{where}: the pass, score and count must be numbers, got "
                             f"{shorten(fields[0])}, {shorten(fields[1])}, "
                             f"{shorten(fields[2])}") from None
        if not 1 <= number <= self.passes:
            raise ValueError(f"{where}: pass {number} of a table of {self.passes}")
        if phrase != self.delimiter.join(parts):
            raise ValueError(f"{where}: the phrase {shorten(phrase)} is not its words joined "
                             f"by {self.delimiter!r}")
        self.tables[number - 1][tuple(parts)] = (phrase, score, count)


def FrozenPhrases(phrases_model: Phrases) -> Phrases:  # gensim's name: a class there
    """gensim's ``FrozenPhrases(phrases_model)`` (and ``Phraser``):
    ``phrases_model.freeze()``, the table itself, which keeps only the phrases already."""
    if not isinstance(phrases_model, Phrases):
        kind = type(phrases_model)
        raise TypeError(f"FrozenPhrases takes a wordspace Phrases, not "
                        f"{kind.__module__}.{kind.__qualname__}: learn it with "
                        "wordspace.Phrases(sentences)")
    return phrases_model.freeze()


#: gensim's older name for FrozenPhrases
Phraser = FrozenPhrases


class TransformedCorpus:
    """``phrases[sentences]``: the sentences (lists of words, or a ``Corpus``) joined
    as they are read, and read again at each iteration, as gensim's
    ``TransformedCorpus``: ``Word2Vec(phrases[sentences])`` reads it once for the
    vocabulary and again for each epoch. An iterator (a generator) can be read once
    only: a second iteration is a ``TypeError``, where gensim's would give no
    sentences."""

    def __init__(self, phrases: Phrases, corpus, once: bool = False, given: str = ""):
        self.phrases, self.corpus, self._once, self._started = phrases, corpus, once, False
        self._given = given or type(corpus).__name__  # the user's source, for len()'s error

    def __iter__(self) -> Iterator[list[str]]:
        if self._once and self._started:
            raise TypeError("phrases[sentences] was given an iterator (a generator), "
                            "which was read already: give a list of sentences, a Corpus, "
                            "or an object whose __iter__ starts afresh, to read it again")
        self._started = True
        if isinstance(self.corpus, Corpus):
            return self.phrases._sentences(self.corpus)
        return map(self.phrases.__getitem__, self.corpus)

    def __len__(self) -> int:
        """The number of sentences, where the source has one (gensim's ``len``); a
        stream (a generator) has none: a ``TypeError`` saying so."""
        if self._once or not hasattr(self.corpus, "__len__"):
            raise TypeError(f"phrases[sentences] was given a stream ({self._given}), which "
                            "has no length: give a list of sentences or a Corpus for len()")
        return len(self.corpus)

    def __repr__(self) -> str:
        return f"TransformedCorpus({self.phrases!r}, {type(self.corpus).__name__})"


def _source_given(source, sentences, corpus_options: dict):
    """The text ``Phrases`` learns from: ``source``, or gensim's ``sentences=``; gensim's
    arguments wordspace has no use for (``common_terms``) are refused, saying what to
    use."""
    for name, hint in _GENSIM_ARGUMENTS.items():
        if name in corpus_options:
            raise TypeError(f"Phrases() got {name}={corpus_options[name]!r}, which is "
                            f"gensim's: {hint}")
    if source is not None and sentences is not None:
        raise TypeError("Phrases() got both source and sentences (gensim's name for it): "
                        "give one")
    if source is None and sentences is None:
        raise TypeError("Phrases() needs the text to learn from: Phrases(source), a file, "
                        "folder, dataset name, Corpus or token lists (gensim's Phrases() "
                        "followed by add_vocab() is not supported: learn on all the text "
                        "at once)")
    return sentences if source is None else source


def _check_sentence(sentence, caller: str) -> None:
    """Refuse a string where a sentence's words are expected (its letters would be)."""
    if isinstance(sentence, str):
        raise TypeError(f"{caller} takes a sentence as a list of words, not a string "
                        f"({shorten(sentence)}): split it first")


def _check_threshold(threshold, scoring: str) -> None:
    """Refuse a threshold no pair could be above, or every pair (npmi's -1)."""
    check_float("threshold", threshold, -math.inf)  # a finite number: ranges below
    if scoring == "npmi" and not -1 < threshold <= 1:
        raise ValueError(f"threshold must be in (-1, 1] for npmi scoring (npmi lies in "
                         f"[-1, 1]), got {threshold!r}")
    if scoring != "npmi" and threshold <= 0:
        raise ValueError(f"threshold must be positive for the {scoring} scoring (gensim "
                         f"uses 10, word2phrase 100), got {threshold!r}")


class _Counts:
    """The counts of an encoded corpus's words and candidates (gensim's vocabulary),
    counted a chunk of sentences at a time (:data:`CHUNK_TOKENS`), each chunk's table
    of distinct candidates merged into the running one, so that memory follows the
    distinct candidates, not the corpus; pruned as gensim prunes when there are more
    than ``max_vocab_size`` words and candidates.

    ``keys``, ``counts``, ``starts``: the distinct candidates, sorted by key (see
    :mod:`wordspace.kernels.phrases`; ``starts`` is empty when ``pairs_only``); ``words``:
    each word's count (0 for connectors), ``n_words`` how many are not 0."""

    def __init__(self, tokens: np.ndarray, offsets: np.ndarray, is_connector: np.ndarray,
                 max_vocab_size: int | None):
        self.tokens, self.offsets, self.is_connector = tokens, offsets, is_connector
        self.pairs_only = not is_connector.any()  # no connector words: every key is a pair
        n_ids = len(is_connector)
        self.key_bits = (n_ids * n_ids - 1).bit_length() if self.pairs_only else 63
        self.words = np.zeros(n_ids, np.int64)
        self.n_words = 0
        self.keys, self.counts = np.empty(0, np.int64), np.empty(0, np.int64)
        self.starts = np.empty(0, np.int64)
        self.min_reduce = 1  # gensim's: the next pruning drops counts below this
        s0 = 0
        while s0 < len(offsets) - 1:
            s1 = self._chunk_end(s0, max(CHUNK_TOKENS, len(self.keys) // 4))
            over = False
            # a token adds a word and a candidate at most: only then can the chunk
            # take the count over, and gensim prunes after the first sentence that does
            if max_vocab_size is not None and 2 * (offsets[s1] - offsets[s0]) > \
                    max_vocab_size - len(self.keys) - self.n_words:
                s1, over = self._first_over(s0, s1, max_vocab_size)
            self.keys, self.counts, self.starts = self._merged(*self._chunk(s0, s1))
            self.n_words += _kernels.add_words(tokens, offsets[s0], offsets[s1],
                                               is_connector, self.words)
            if over:
                self._prune()
            s0 = s1

    def _chunk_end(self, s0: int, n_tokens: int) -> int:
        """The end of the sentences from ``s0`` that hold ``n_tokens`` tokens at most
        (one sentence at least)."""
        s1 = int(np.searchsorted(self.offsets, self.offsets[s0] + n_tokens, "right")) - 1
        return min(max(s1, s0 + 1), len(self.offsets) - 1)

    def _chunk(self, s0: int, s1: int, first: bool = False
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The table of the candidates of sentences ``s0`` to ``s1 - 1``, with the
        positions of their first occurrences (``starts``) if ``first`` or there are
        connector words."""
        size = int(self.offsets[s1] - self.offsets[s0])
        keys, spare = np.empty(size, np.int64), np.empty(size, np.int64)
        starts = np.empty(size if first or not self.pairs_only else 0, np.int64)
        n = _kernels.candidate_keys(self.tokens, self.offsets[s0:s1 + 1], self.is_connector,
                                    len(self.words), keys, starts)
        keys, starts, counts = keys[:n], starts[:n], spare[:n]  # the sort's scratch, then counts
        _kernels.radix_sort(keys, starts, counts, np.empty_like(starts), self.key_bits)
        n = _kernels.group_candidates(self.tokens, self.is_connector, keys, starts, counts)
        return keys[:n], counts[:n], starts[:n]

    def _merged(self, keys: np.ndarray, counts: np.ndarray, starts: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """This table with a chunk's merged in (a new table: this one is unchanged)."""
        size = len(self.keys) + len(keys)
        out = (np.empty(size, np.int64), np.empty(size, np.int64),
               np.empty(0 if self.pairs_only else size, np.int64))
        n = _kernels.merge_tables(self.tokens, self.is_connector, self.keys, self.counts,
                                  self.starts, keys, counts, starts, *out)
        return out[0][:n], out[1][:n], out[2][:n]

    def _first_over(self, s0: int, s1: int, limit: int) -> tuple[int, bool]:
        """The first ``s`` after ``s0`` such that counting sentences ``s0`` to ``s - 1``
        makes more than ``limit`` words and candidates, and True; ``s1`` and False if
        none up to ``s1`` does. What a sentence adds is what first occurs there and is
        not counted yet; it is found in windows of sentences from ``s0``, each twice as
        long as the one before, so that the time follows the sentences before ``s``."""
        n = 1
        while True:
            end = min(s0 + n, s1)
            keys, _, starts = self._chunk(s0, end, first=True)
            offsets = self.offsets[s0:end + 1]
            new = _kernels.new_words(self.tokens, offsets, self.is_connector, self.words) \
                + _kernels.new_candidates(self.tokens, offsets, self.is_connector, self.keys,
                                          self.starts, keys, starts)
            over = len(self.keys) + self.n_words + np.cumsum(new) > limit
            if over[-1]:
                return s0 + 1 + int(np.argmax(over)), True
            if end == s1:
                return s1, False
            n *= 2

    def _prune(self) -> None:
        """Drop the words and candidates counted fewer than ``min_reduce`` times, and
        raise it (gensim's ``prune_vocab``)."""
        logger.info("%d words and candidates counted, more than max_vocab_size: dropping "
                    "those seen fewer than %d times", self.n_words + len(self.keys),
                    self.min_reduce)
        keep = self.counts >= self.min_reduce
        self.keys, self.counts = self.keys[keep], self.counts[keep]
        if not self.pairs_only:
            self.starts = self.starts[keep]
        self.words[self.words < self.min_reduce] = 0
        self.n_words = int(np.count_nonzero(self.words))
        self.min_reduce += 1


def is_phrase_table(path: Path) -> bool:
    """Whether ``path`` starts as :meth:`Phrases.save` writes a table."""
    try:
        with open(path, encoding="utf-8") as f:
            return f.readline().startswith(_MARK)
    except (OSError, UnicodeDecodeError):
        return False


def check_corpus_output(path: str | os.PathLike, corpus: Corpus | None = None) -> None:
    """Refuse, before any work, to write a phrased corpus over an existing non-empty file
    (text is anyone's) other than one wordspace wrote, unchanged since, a directory, a
    link, or the corpus's own file."""
    target = Path(path)
    if corpus is not None and target.is_file() and \
            any(same_file(target, f) for f in corpus.files):
        raise FileExistsError(f"{path} is the corpus being read: write to another file")
    check_replaceable_file(target, "a phrased corpus wordspace wrote", written_as(_KIND),
                           f"{MOVE_ADVICE} (a phrased corpus is written to a new or empty "
                           "file, or over one wordspace wrote that is unchanged since)")
