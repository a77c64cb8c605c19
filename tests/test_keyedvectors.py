"""gensim 4's KeyedVectors query API on wordspace's Vectors: the same vectors loaded in
both give the same answers, over many seeded random queries per method."""

from __future__ import annotations

import copy as copy_module
import logging
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

from wordspace import PVDBOW, PVDM, Corpus, SkipGram, Vectors
from wordspace.vocab import Vocabulary

gensim_kv = pytest.importorskip("gensim.models.keyedvectors")

N, DIM, TOL = 300, 32, 1e-5
N_PLANTED = 40  # analogies planted in the matrix: row d = b - a + c (plus noise)


def _build():
    rng = np.random.default_rng(15)
    m = rng.normal(size=(N, DIM)).astype(np.float32)
    # near-duplicates, so that neighbourhoods are tight and rankings meaningful
    groups: dict[int, list[int]] = {}
    for i in range(60, 160):
        source = int(rng.integers(0, 60))
        m[i] = m[source] + 0.1 * rng.normal(size=DIM)
        groups.setdefault(source, [source]).append(i)
    planted = []
    for k in range(N_PLANTED):
        a, b, c = rng.choice(np.arange(0, 160), size=3, replace=False)
        d = 160 + k
        m[d] = m[b] - m[a] + m[c] + 0.05 * rng.normal(size=DIM)
        planted.append((a, b, c, d))
    words = [f"w{i}" for i in range(N)]
    for k in range(20):  # case variants of frequent words, later in the vocabulary
        words[270 + k] = words[k].upper()
    return words, m, planted, [g for g in groups.values() if len(g) >= 3]


WORDS, MATRIX, PLANTED, GROUPS = _build()


def _gensim(words=WORDS, matrix=MATRIX):
    kv = gensim_kv.KeyedVectors(matrix.shape[1])
    kv.add_vectors(list(words), matrix.copy())
    return kv


@pytest.fixture(scope="module")
def pair():
    return _gensim(), Vectors(WORDS, MATRIX.copy(), counts=np.arange(N, 0, -1))


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        yield


def assert_same_ranking(got, want, tol=TOL, rtol=0.0):
    """Equal ``(word, score)`` lists up to ties: scores equal position by position, each
    word in both with the same score, and words in only one tied with the last place."""
    assert len(got) == len(want), (got, want)
    np.testing.assert_allclose([s for _, s in got], [s for _, s in want], atol=tol, rtol=rtol)
    g, w = dict(got), dict(want)
    for word in g.keys() & w.keys():
        assert g[word] == pytest.approx(w[word], abs=tol, rel=rtol)
    if want:
        last = want[-1][1]
        for word in g.keys() ^ w.keys():
            assert abs(g.get(word, w.get(word)) - last) <= tol + rtol * abs(last), (
                word, got, want)


def _words(rng, k):
    return [WORDS[i] for i in rng.choice(N, size=k, replace=False)]


# -- lookups and attributes -----------------------------------------------------------
def test_lookups_and_attributes(pair):
    kv, v = pair
    assert v.index_to_key == kv.index_to_key and v.index_to_key is v.words
    assert v.key_to_index == kv.key_to_index and v.key_to_index is v.index
    np.testing.assert_array_equal(v.vectors, kv.vectors)
    assert v.vectors is v.matrix
    assert v.vector_size == kv.vector_size == v.dim == DIM
    assert len(v) == len(kv) == N
    v.fill_norms()
    kv.fill_norms()
    np.testing.assert_allclose(v.norms, kv.norms, rtol=TOL)
    np.testing.assert_allclose(v.get_normed_vectors(), kv.get_normed_vectors(), atol=TOL)
    assert v.get_normed_vectors() is v.unit
    rng = np.random.default_rng(1)
    for word in _words(rng, 30):
        assert v.get_index(word) == kv.get_index(word)
        np.testing.assert_array_equal(v.get_vector(word), kv.get_vector(word))
        np.testing.assert_allclose(v.get_vector(word, norm=True),
                                   kv.get_vector(word, norm=True), atol=TOL)
        np.testing.assert_array_equal(v[word], kv[word])
        assert word in v and v.has_index_for(word)
    for i in rng.integers(0, N, size=10).tolist():  # integers not keys: row numbers
        assert v.get_index(i) == kv.get_index(i)
        np.testing.assert_array_equal(v[i], kv[i])
        assert v.has_index_for(i) == kv.has_index_for(i)
    many = _words(rng, 7)
    np.testing.assert_array_equal(v[many], kv[many])
    for missing in ("nope", N + 3, -1):
        assert (missing in v) == (missing in kv) is False
        assert v.has_index_for(missing) is kv.has_index_for(missing) is False
        assert v.get_index(missing, -5) == kv.get_index(missing, -5) == -5
    with pytest.raises(KeyError, match="did you mean 'w12'"):
        v.get_index("w12x")
    assert not v.get_vector("w3").flags.writeable
    assert v.get_vecattr("w0", "count") == N


def test_cosine_similarities_static():
    rng = np.random.default_rng(2)
    for _ in range(20):
        x, all_ = rng.normal(size=DIM), rng.normal(size=(rng.integers(1, 40), DIM))
        np.testing.assert_allclose(Vectors.cosine_similarities(x, all_),
                                   gensim_kv.KeyedVectors.cosine_similarities(x, all_),
                                   atol=TOL)


# -- pairwise ------------------------------------------------------------------------
def test_similarity_distance_distances(pair):
    kv, v = pair
    rng = np.random.default_rng(3)
    for _ in range(50):
        a, b = _words(rng, 2)
        assert v.similarity(a, b) == pytest.approx(float(kv.similarity(a, b)), abs=TOL)
        assert v.distance(a, b) == pytest.approx(float(kv.distance(a, b)), abs=TOL)
    for k in range(30):
        query = _words(rng, 1)[0] if k % 2 else rng.normal(size=DIM).astype(np.float32)
        others = _words(rng, int(rng.integers(0, 6)))
        np.testing.assert_allclose(v.distances(query, others), kv.distances(query, others),
                                   atol=TOL)


def test_n_similarity(pair):
    kv, v = pair
    rng = np.random.default_rng(4)
    for _ in range(40):
        ws1, ws2 = _words(rng, int(rng.integers(1, 5))), _words(rng, int(rng.integers(1, 5)))
        assert v.n_similarity(ws1, ws2) == pytest.approx(float(kv.n_similarity(ws1, ws2)),
                                                         abs=TOL)
    # unknown words are skipped, as in gensim; a side with none known is refused
    assert v.n_similarity(["w1", "zzz"], ["w2"]) == pytest.approx(
        float(kv.n_similarity(["w1", "zzz"], ["w2"])), abs=TOL)
    with pytest.raises(KeyError):
        v.n_similarity(["zzz"], ["w2"])
    with pytest.raises(ZeroDivisionError):
        v.n_similarity([], ["w2"])


def test_closer_than_and_rank(pair):
    kv, v = pair
    rng = np.random.default_rng(5)
    for _ in range(40):
        a, b = _words(rng, 2)
        got, want = set(v.closer_than(a, b)), set(kv.closer_than(a, b))
        d = kv.distances(a)
        for word in got ^ want:  # only a tie with the threshold may differ
            assert abs(d[kv.get_index(word)] - d[kv.get_index(b)]) < 1e-6
        assert v.closer_than(a, b) == sorted(got, key=v.get_index)
        assert set(v.words_closer_than(a, b)) == got
        assert abs(v.rank(a, b) - kv.rank(a, b)) <= len(got ^ want)


def test_doesnt_match_and_centrality(pair):
    kv, v = pair
    rng = np.random.default_rng(6)
    for _ in range(40):
        # a tight group (a word and its near-duplicates) with a random word, or random words
        tight = GROUPS[int(rng.integers(len(GROUPS)))]
        group = [WORDS[i] for i in tight] + _words(rng, 1) if rng.random() < 0.5 \
            else _words(rng, int(rng.integers(3, 7)))
        assert v.doesnt_match(group) == kv.doesnt_match(group)
        got, want = v.rank_by_centrality(group), kv.rank_by_centrality(group)
        assert [w for _, w in got] == [w for _, w in want]
        np.testing.assert_allclose([s for s, _ in got], [s for s, _ in want], atol=TOL)
        key, others = group[0], group[1:]
        assert v.most_similar_to_given(key, others) == kv.most_similar_to_given(key, others)
    assert v.doesnt_match(["w1", "w2", "nope"]) == kv.doesnt_match(["w1", "w2", "nope"])


# -- neighbours ------------------------------------------------------------------------
def _random_terms(rng, k, vectors_too: bool, weights_too: bool):
    terms = []
    for _ in range(k):
        kind = rng.integers(0, 3 if vectors_too else 1)
        term = _words(rng, 1)[0] if kind == 0 else rng.normal(size=DIM).astype(np.float32)
        if weights_too and rng.random() < 0.3:
            term = (term, float(rng.uniform(-2, 2)))
        terms.append(term)
    return terms


def test_most_similar_by_words(pair):
    kv, v = pair
    rng = np.random.default_rng(7)
    for _ in range(40):
        word = _words(rng, 1)[0]
        topn = int(rng.choice([1, 5, 10, 50]))
        restrict = [None, 100, 250][int(rng.integers(0, 3))]
        want = kv.most_similar(word, topn=topn, restrict_vocab=restrict)
        assert_same_ranking(v.most_similar(word, topn=topn, restrict_vocab=restrict), want)
        assert_same_ranking(v.similar_by_word(word, topn, restrict),
                            kv.similar_by_word(word, topn, restrict))
        assert_same_ranking(v.similar_by_key(word, topn=topn), kv.similar_by_key(word, topn))


def test_most_similar_positive_negative_vectors_and_weights(pair):
    kv, v = pair
    rng = np.random.default_rng(8)
    for _ in range(60):
        pos = _random_terms(rng, int(rng.integers(1, 4)), True, True)
        neg = _random_terms(rng, int(rng.integers(0, 3)), True, True)
        topn = int(rng.choice([1, 3, 10, 30]))
        assert_same_ranking(v.most_similar(positive=pos, negative=neg, topn=topn),
                            kv.most_similar(positive=pos, negative=neg, topn=topn))
    # a 2-D array is its rows; a single vector is one term
    rows = rng.normal(size=(3, DIM)).astype(np.float32)
    assert_same_ranking(v.most_similar(rows), kv.most_similar(rows))
    assert_same_ranking(v.most_similar(rows[0], "w3"), kv.most_similar(rows[0], "w3"))


def test_an_array_of_words_is_a_list_of_words(pair):
    """``most_similar(positive=np.array(["king", "queen"]))`` (words picked from a
    DataFrame column, say) is the list of those words, as a tuple or a set is (it was
    taken for a vector of dimension 2); in most_similar_cosmul too; bytes still refused."""
    kv, v = pair
    pos, neg = ["w3", "w17"], ["w40"]
    want = kv.most_similar(positive=pos, negative=neg)
    for spelt in (np.array, lambda words: np.array(words, dtype=object)):
        assert_same_ranking(v.most_similar(positive=spelt(pos), negative=spelt(neg)), want)
        assert_same_ranking(v.most_similar(spelt(pos), spelt(neg)), want)
        assert v.most_similar_cosmul(positive=spelt(pos), negative=spelt(neg)) == \
            v.most_similar_cosmul(positive=pos, negative=neg)
    assert v.most_similar(np.array("w3")) == v.most_similar("w3")  # 0-D: one word
    with pytest.raises(TypeError, match=r"not bytes \(b'w3'\)"):
        v.most_similar(np.array([b"w3"]))


def test_most_similar_topn_none_and_clipping(pair):
    kv, v = pair
    rng = np.random.default_rng(9)
    for _ in range(30):
        pos = _random_terms(rng, int(rng.integers(1, 3)), True, False)
        neg = _random_terms(rng, int(rng.integers(0, 2)), False, False)
        options = [{}, {"restrict_vocab": 120}, {"clip_start": 50, "clip_end": 200}][
            int(rng.integers(0, 3))]
        got = v.most_similar(pos, neg, topn=None, **options)
        want = kv.most_similar(pos, neg, topn=None, **options)
        assert isinstance(got, np.ndarray) and got.shape == want.shape
        np.testing.assert_allclose(got, want, atol=TOL)
        if "clip_start" in options:
            assert_same_ranking(v.most_similar(pos, neg, topn=7, **options),
                                kv.most_similar(pos, neg, topn=7, **options))
    assert v.most_similar("w1", topn=0) == kv.most_similar("w1", topn=0) == []


def test_similar_by_vector_is_nearest(pair):
    kv, v = pair
    rng = np.random.default_rng(10)
    for _ in range(30):
        x = rng.normal(size=DIM).astype(np.float32)
        topn = int(rng.choice([1, 5, 20]))
        restrict = [None, 150][int(rng.integers(0, 2))]
        want = kv.similar_by_vector(x, topn=topn, restrict_vocab=restrict)
        assert_same_ranking(v.similar_by_vector(x, topn=topn, restrict_vocab=restrict), want)
        assert_same_ranking(v.nearest(x, topn, restrict_vocab=restrict), want)
    np.testing.assert_allclose(v.similar_by_vector(x, topn=None),
                               kv.similar_by_vector(x, topn=None), atol=TOL)
    for word in _words(rng, 5):  # gensim takes a word too: its neighbours
        assert_same_ranking(v.similar_by_vector(word), kv.similar_by_vector(word))


def test_most_similar_cosmul(pair):
    kv, v = pair
    rng = np.random.default_rng(11)
    for k in range(60):
        # words, or (odd k) words and raw vectors: a raw vector's shifted "cosines"
        # (cos times its length) can come near 0, and the quotient then magnifies float32
        # rounding in both libraries: those are compared to 1e-3 relative
        vectors_too = bool(k % 2)
        rtol = 1e-3 if vectors_too else 0.0
        pos = _random_terms(rng, int(rng.integers(1, 4)), vectors_too, False)
        neg = _random_terms(rng, int(rng.integers(0, 3)), vectors_too, False)
        topn = int(rng.choice([1, 5, 10]))
        assert_same_ranking(v.most_similar_cosmul(pos, neg, topn=topn),
                            kv.most_similar_cosmul(pos, neg, topn=topn), rtol=rtol)
        np.testing.assert_allclose(v.most_similar_cosmul(pos, neg, topn=None),
                                   kv.most_similar_cosmul(pos, neg, topn=None),
                                   rtol=rtol, atol=TOL)
        # restrict_vocab (which gensim 4.4 accepts but ignores) searches the first rows
        full = kv.most_similar_cosmul(pos, neg, topn=N)
        want = [(w, s) for w, s in full if kv.get_index(w) < 100][:topn]
        assert_same_ranking(v.most_similar_cosmul(pos, neg, topn=topn, restrict_vocab=100),
                            want, rtol=rtol)
    with pytest.raises(ValueError):
        v.most_similar_cosmul(negative=["w1"])
    with pytest.raises(TypeError, match=r"not \('w1', 2.0\): \(term, weight\) pairs are for "
                                        "most_similar"):
        v.most_similar_cosmul([("w1", 2.0)])


def test_analogy_is_most_similar_and_cosmul(pair):
    kv, v = pair
    for a, b, c, _ in PLANTED[:20]:
        a, b, c = WORDS[a], WORDS[b], WORDS[c]
        assert_same_ranking(v.analogy(a, b, c, topn=5),
                            kv.most_similar(positive=[b, c], negative=[a], topn=5))
        # 3CosMul with Levy & Goldberg's epsilon 0.001 (gensim adds 1e-6)
        got = v.analogy(a, b, c, topn=5, method="3cosmul")
        shifted = {w: (1 + kv.cosine_similarities(kv[w], kv.vectors)) / 2 for w in (a, b, c)}
        scores = shifted[b] * shifted[c] / (shifted[a] + 1e-3)
        scores[[kv.get_index(w) for w in (a, b, c)]] = -np.inf
        best = np.argsort(-scores)[:5]
        assert_same_ranking(got, [(kv.index_to_key[i], float(scores[i])) for i in best])


def test_relative_cosine_similarity_and_mean_vector(pair):
    kv, v = pair
    rng = np.random.default_rng(12)
    for _ in range(20):
        a, b = _words(rng, 2)
        assert v.relative_cosine_similarity(a, b) == pytest.approx(
            kv.relative_cosine_similarity(a, b), abs=TOL)
        keys = _random_terms(rng, int(rng.integers(1, 5)), True, False) + ["missing"]
        weights = rng.uniform(-1, 2, size=len(keys))
        for pre, post in [(True, False), (False, True)]:
            np.testing.assert_allclose(
                v.get_mean_vector(keys, weights, pre_normalize=pre, post_normalize=post),
                kv.get_mean_vector(keys, weights, pre_normalize=pre, post_normalize=post),
                atol=TOL)


# -- changing the vectors ------------------------------------------------------------
def test_add_vectors_and_add_vector():
    kv = _gensim(WORDS[:100], MATRIX[:100])
    v = Vectors(WORDS[:100], MATRIX[:100].copy(), counts=np.ones(100))
    rng = np.random.default_rng(13)
    v.fill_norms()  # cached norms must follow the additions
    for replace in (False, True):
        keys = [f"new{replace}{k}" for k in range(5)] + ["w3", "w7"]
        weights = rng.normal(size=(len(keys), DIM)).astype(np.float32)
        kv.add_vectors(keys, weights, replace=replace)
        v.add_vectors(keys, weights, replace=replace)
        assert v.index_to_key == kv.index_to_key
        np.testing.assert_array_equal(v.vectors, kv.vectors)
    x = rng.normal(size=DIM).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        assert v.add_vector("single", x) == kv.add_vector("single", x)
    v["set"] = kv["set"] = x + 1
    assert v.add_vector("99999", x - 1) == len(v) - 1
    assert v.index_to_key[-1] == "99999" and len(v.counts) == len(v)
    v.add_vectors(["99999"], [x])  # already there: nothing added
    assert v.index_to_key.count("99999") == 1
    kv.add_vector("99999", x - 1)
    assert v.index_to_key == kv.index_to_key and len(v.counts) == len(v)
    np.testing.assert_array_equal(v.vectors, kv.vectors)
    kv.fill_norms(force=True)
    np.testing.assert_allclose(v.norms, kv.norms, rtol=TOL)
    for word in ("single", "w3", "newTrue2"):
        assert_same_ranking(v.most_similar(word), kv.most_similar(word))


def test_vectors_for_all_is_gensim_s():
    """The keys the vectors know, in the order first given, each once, with their rows;
    counts only when asked for; an integer that is no key a row number, as gensim's."""
    v = Vectors(WORDS, MATRIX.copy(), counts=np.arange(N, 0, -1))
    keys = ["w5", "nope", "w2", "w5", "W3", "w299", 7, "w7"]
    for copy in (False, True):
        got, want = v.vectors_for_all(keys, copy_vecattrs=copy), \
            _gensim().vectors_for_all(keys, copy_vecattrs=copy)
        assert got.index_to_key == ["w5", "w2", "W3", "w299", "w7"]
        assert [str(k) for k in want.index_to_key] == ["w5", "w2", "W3", "w299", "7", "w7"]
        np.testing.assert_array_equal(got.vectors, want.vectors[[0, 1, 2, 3, 5]])
        assert (got.counts is not None) == copy
        if copy:
            assert list(got.counts) == [v.get_vecattr(w, "count") for w in got.index_to_key]
    # gensim keeps the integer as a key of its own; here it is row 7, already taken
    assert v.vectors_for_all([7, "w8"]).index_to_key == ["w7", "w8"]
    # without inference only keys count, in gensim (key_to_index) and here: no row 7
    for some in ([7, "w8"], keys):
        assert v.vectors_for_all(some, allow_inference=False).index_to_key == \
            _gensim().vectors_for_all(some, allow_inference=False).index_to_key
    assert v.vectors_for_all([7, "w8"], allow_inference=False).index_to_key == ["w8"]
    assert len(v.vectors_for_all(["none", "of", "these"])) == 0
    assert v.vectors_for_all(iter(["w1", "w2"])).words == ["w1", "w2"]  # read once


def test_extras_are_refused_before_any_change():
    """gensim's ``add_vectors(..., extras=...)`` (per-key attributes; gensim 4.4's own
    fails on any, unpacking the dict's keys): refused, nothing added; the migration
    table said they were dropped."""
    v = Vectors(WORDS[:3], MATRIX[:3], counts=[3, 2, 1])
    with pytest.raises(ValueError, match=r"no per-key attributes besides counts, which "
                                         r"are given with the vectors .*pass extras=None"):
        v.add_vectors(["new"], MATRIX[3:4], extras={"count": np.array([9])})
    assert v.words == WORDS[:3] and v.counts.tolist() == [3, 2, 1]
    with pytest.raises(ValueError, match="too many values to unpack"):
        _gensim(WORDS[:3], MATRIX[:3]).add_vectors(["new"], MATRIX[3:4],
                                                   extras={"count": np.array([9])})
    v.add_vectors(["new"], MATRIX[3:4], extras={})  # none given
    assert v.words == [*WORDS[:3], "new"] and v.counts.tolist() == [3, 2, 1, 0]
    doc = (Path(__file__).parent.parent / "docs" / "from-gensim.md").read_text()
    assert "`extras` not kept" not in doc


def test_sorting_no_vectors_does_nothing_as_in_gensim():
    """``KeyedVectors(vector_size).sort_by_descending_frequency()`` is gensim's no-op; it
    was "no counts to sort by" here, which vectors with words but no counts still say."""
    theirs, ours = gensim_kv.KeyedVectors(5), Vectors(vector_size=5)
    theirs.sort_by_descending_frequency()
    ours.sort_by_descending_frequency()
    assert len(ours) == len(theirs) == 0 and ours.vectors.shape == (0, 5)
    ours.add_vector("a", np.ones(5))
    with pytest.raises(ValueError, match="no counts to sort by"):
        ours.sort_by_descending_frequency()


def test_a_word_given_twice_is_refused_naming_it_and_its_rows():
    """A lookup would find one of the two rows only (the last), silently."""
    with pytest.raises(ValueError, match=r"the word 'w1' is given twice \(rows 1 and 3\)"):
        Vectors(["w0", "w1", "w2", "w1"], MATRIX[:4])


def test_keys_are_strings():
    """An integer key would be read back as a row number by every lookup (v[5] after
    add_vector(5, x) answered another word's row): it is refused, saying what to do."""
    with pytest.raises(TypeError, match=r"a key of Vectors is a string, not int \(10\): "
                                        r"pass str\(key\)"):
        Vectors([10, 20], np.eye(2))
    v = Vectors(["a", "b"], np.eye(2))
    for add in (lambda: v.add_vector(5, [1, 1]), lambda: v.add_vectors([None], [[1, 1]]),
                lambda: v.__setitem__(7, [1, 1])):
        with pytest.raises(TypeError, match="is a string"):
            add()
    assert v.words == ["a", "b"] and v.matrix.shape == (2, 2)  # nothing half-added
    with pytest.raises(KeyError, match="5 is not a word, nor a row number below 2"):
        v[5]


def test_queries_that_rank_nothing_are_refused(pair):
    """Where gensim answers with arbitrary words or NaN scores (a zero or NaN query, a
    negative bound that drops the last row or keeps the query word), wordspace says why."""
    _, v = pair
    for call, error, message in (
            (lambda: v.most_similar(positive=["w1"], negative=["w1"]), ValueError,
             "the query is a zero vector"),
            (lambda: v.most_similar([("w1", 0.0)]), ValueError, "zero vector"),
            (lambda: v.nearest(np.zeros(DIM)), ValueError, "zero vector"),
            (lambda: v.most_similar([np.full(DIM, np.nan, np.float32)]), ValueError,
             "non-finite"),
            (lambda: v.nearest(np.full(DIM, np.inf)), ValueError, "non-finite"),
            (lambda: v.most_similar_cosmul([np.full(DIM, np.nan)]), ValueError,
             "non-finite"),
            (lambda: v.most_similar("w1", restrict_vocab=-1), ValueError,
             "restrict_vocab must be a whole number of rows, 0 or more, not -1"),
            (lambda: v.most_similar("w1", clip_start=-3), ValueError, "clip_start"),
            (lambda: v.most_similar_cosmul("w1", restrict_vocab=2.5), ValueError,
             "restrict_vocab"),
            (lambda: v.most_similar("w1", topn=1.5), TypeError,
             "topn must be a whole number or None, not 1.5"),
            (lambda: v.most_similar_cosmul("w1", topn="3"), TypeError, "topn"),
            (lambda: v.most_similar("w1", topn=True), TypeError, "not True"),
            (lambda: v.nearest(v["w1"], topn=2.0), TypeError, "topn"),
            (lambda: v.most_similar([np.ones(3)]), ValueError,
             f"expected a vector of dimension {DIM}, got one of shape \\(3,\\)"),
            (lambda: v.most_similar_cosmul([np.ones(3)]), ValueError, "dimension"),
            (lambda: v.most_similar_to_given("w1", []), ValueError, "keys_list is empty")):
        with pytest.raises(error, match=message):
            call()
    # whole numbers still work as gensim takes them: 0/None unbounded, floats like 1e2
    assert v.most_similar("w1", restrict_vocab=100.0) == v.most_similar("w1",
                                                                      restrict_vocab=100)
    assert v.most_similar("w1", restrict_vocab=0) == v.most_similar("w1")
    assert v.most_similar("w1", clip_start=1.0, clip_end=50.0) == v.most_similar(
        "w1", clip_start=1, clip_end=50)  # whole floats are rows, as restrict_vocab's
    assert v.most_similar("w1", topn=np.int64(3)) == v.most_similar("w1", topn=3)


def test_gensim_3_names(pair):
    kv, v = pair
    np.testing.assert_array_equal(v.word_vec("w3"), kv.word_vec("w3"))
    for old in ("vocab", "index2word", "syn0", "accuracy"):
        with pytest.raises(AttributeError):
            getattr(kv, old)
        with pytest.raises(AttributeError, match=f"'Vectors' object has no attribute '{old}' "
                                                 f"\\({old} is gensim 3's: gensim 4 and "
                                                 "wordspace have"):
            getattr(v, old)
    with pytest.raises(AttributeError, match=r"have evaluate_word_analogies\(questions\)"):
        v.accuracy("questions-words.txt")
    assert not hasattr(v, "vocab")
    with pytest.raises(AttributeError, match="'Vectors' object has no attribute 'nope'"):
        _ = v.nope

    class Broken(Vectors):  # a property's own AttributeError is not hidden by the names
        @property
        def unit(self):
            raise AttributeError("the real cause")

    with pytest.raises(AttributeError, match="the real cause"):
        _ = Broken(["a"], np.ones((1, 2))).unit


def test_set_vecattr_says_counts_are_given_with_the_vectors(pair):
    """gensim 4's ``set_vecattr`` is missing, and says how wordspace keeps a count (the
    way it names works: ``get_vecattr`` reads it back)."""
    _, v = pair
    _gensim().set_vecattr("w1", "count", 7)  # gensim's (its own vectors: pair is shared)
    with pytest.raises(AttributeError, match=r"'Vectors' object has no attribute "
                                             r"'set_vecattr' \(set_vecattr is gensim's: "
                                             r"wordspace keeps one attribute per word, its "
                                             r"count, given with the vectors: "
                                             r"Vectors\(words, matrix, counts\)"):
        v.set_vecattr("w1", "count", 7)
    assert not hasattr(v, "set_vecattr")
    counted = Vectors(WORDS, MATRIX, np.arange(N, 0, -1))
    assert counted.get_vecattr("w1", "count") == N - 1


@pytest.mark.parametrize(("name", "said"), [
    ("allocate_vecattrs", r"one attribute per word, its count, given with the vectors"),
    ("expandos", r"wordspace keeps one, the counts: v\.counts"),
    ("resize_vectors", r"rows always match the words.*Vectors\(vector_size, count=n\)"),
])
def test_gensim_s_per_key_names_say_wordspace_s_way(pair, name, said):
    """gensim 4 names with no wordspace counterpart: a plain AttributeError, which now
    says what to do instead."""
    kv, v = pair
    getattr(kv, name)  # gensim's own
    with pytest.raises(AttributeError, match=rf"'Vectors' object has no attribute '{name}' "
                                             rf"\({name} is gensim's: .*{said}"):
        getattr(v, name)


def test_gensim_s_settings_of_key_to_index_and_norms():
    """``kv.norms = None`` (gensim's code, after changing vectors in place) has the norms
    computed again; setting ``key_to_index`` or norms to an array says what to do: both
    were "property ... has no setter"."""
    kv, v = _gensim(WORDS[:20], MATRIX[:20]), Vectors(WORDS[:20], MATRIX[:20].copy())
    for vectors in (kv, v):
        vectors.fill_norms()
        vectors.vectors[3] *= 2
        vectors.norms = None
    kv.fill_norms()  # gensim's fills them on its next query
    np.testing.assert_allclose(v.norms, kv.norms, rtol=TOL)
    assert v.norms[3] == pytest.approx(2 * np.linalg.norm(MATRIX[3]), rel=TOL)
    np.testing.assert_allclose(v.unit[3], MATRIX[3] / np.linalg.norm(MATRIX[3]), rtol=TOL)
    with pytest.raises(AttributeError, match=r"norms of Vectors are computed from the "
                                             r"vectors, not set: .*norms = None or call "
                                             r"fill_norms\(force=True\)"):
        v.norms = np.ones(20)
    # the words and their index set one at a time (as gensim's code does) would leave
    # lookups finding other rows between the two: each is refused
    for name, value in (("key_to_index", {w: i for i, w in enumerate(reversed(WORDS[:20]))}),
                        ("index_to_key", list(reversed(WORDS[:20]))),
                        ("words", list(reversed(WORDS[:20])))):
        shown = "words \\(index_to_key\\)" if name != "key_to_index" else name
        with pytest.raises(AttributeError, match=rf"{shown} of Vectors cannot be set: the "
                                                 r"words and their rows are kept together"
                                                 r".*Vectors\(words, matrix, counts\)"):
            setattr(v, name, value)
        assert v.key_to_index["w3"] == 3 and v.index_to_key[3] == "w3"
        np.testing.assert_array_equal(v["w3"], v.vectors[3])


def test_gensim_s_save_arguments_are_taken(tmp_path, pair, caplog):
    """gensim's ``save(fname_or_handle, separately, sep_limit, ignore, pickle_protocol)``:
    each an unexpected keyword; the pickle's settings have nothing to act on (no pickle
    is written, every array is its own .npy), so they are ignored, and said so."""
    kv, v = pair
    caplog.set_level(logging.INFO, logger="wordspace.vectors")
    kv.save(fname_or_handle=str(tmp_path / "kv"), separately=["vectors"], sep_limit=0,
            pickle_protocol=4)  # gensim's call
    v.save(fname_or_handle=tmp_path / "vd", separately=["vectors"], sep_limit=0,
           pickle_protocol=4)
    assert "separately, sep_limit, pickle_protocol ignored" in caplog.text
    v.save(str(tmp_path / "vd"), None, 10 * 1024**2, frozenset(), 4)  # positionally
    assert Vectors.load(tmp_path / "vd").words == v.words
    with open(tmp_path / "handle", "wb") as f, pytest.raises(
            TypeError, match=r"save writes a vectors directory at a path, not into "
                             r"BufferedWriter .*: give its path"):
        v.save(fname_or_handle=f)
    with pytest.raises(TypeError, match="got both fname and fname_or_handle"):
        v.save(fname=tmp_path / "a", fname_or_handle=tmp_path / "b")


def test_normalising_and_sorting_in_place():
    kv, v = _gensim(WORDS[:50], MATRIX[:50]), Vectors(WORDS[:50], MATRIX[:50])
    kv.init_sims()
    v.init_sims()
    np.testing.assert_allclose(v.norms, kv.norms, rtol=TOL)
    kv.unit_normalize_all()
    v.unit_normalize_all()
    np.testing.assert_allclose(v.vectors, kv.vectors, atol=TOL)
    edited = Vectors(WORDS[:50], MATRIX[:50])
    edited.unit_normalize_all()
    edited.vectors[0] = 2.0  # still a matrix to edit, as gensim's (was read-only)
    edited.fill_norms(force=True)
    assert edited.norms[0] == pytest.approx(2.0 * DIM ** 0.5)
    assert v.index_of("w7") == kv.get_index("w7") == 7
    counts = np.random.default_rng(18).permutation(50) + 1  # no ties (gensim: any order)
    for word, count in zip(WORDS[:50], counts.tolist(), strict=True):
        kv.set_vecattr(word, "count", count)
    v.counts = counts
    kv.sort_by_descending_frequency()
    v.sort_by_descending_frequency()
    assert [kv.get_vecattr(w, "count") for w in kv.index_to_key] == v.counts.tolist()
    assert v.index_to_key == kv.index_to_key and v.index_of("w7") == kv.get_index("w7")
    np.testing.assert_allclose(v.vectors, kv.vectors, atol=TOL)
    assert_same_ranking(v.most_similar("w7"), kv.most_similar("w7"))


def test_intersect_word2vec_format(tmp_path):
    rng = np.random.default_rng(14)
    other_words = WORDS[50:150] + ["elsewhere"]
    other = Vectors(other_words, rng.normal(size=(len(other_words), DIM)))
    path = tmp_path / "other.txt"
    other.save_word2vec_format(path)
    kv = _gensim(WORDS[:100], MATRIX[:100])
    kv.vectors_lockf = np.ones(len(kv), dtype=np.float32)  # what Word2Vec gives its wv
    v = Vectors(WORDS[:100], MATRIX[:100])
    kv.intersect_word2vec_format(str(path), binary=False)
    assert v.intersect_word2vec_format(path, binary=False) == 50
    assert v.index_to_key == kv.index_to_key and "elsewhere" not in v
    np.testing.assert_allclose(v.vectors, kv.vectors, rtol=1e-6)
    np.testing.assert_array_equal(MATRIX, _build()[1])  # the source untouched


# -- evaluations on files ------------------------------------------------------------
def _pairs_file(path: Path, rng) -> Path:
    lines = ["# a comment line", "not a valid line", "w1\tw2\tnot-a-number"]
    for _ in range(80):
        a, b = rng.integers(0, N, size=2)
        wa, wb = WORDS[a], WORDS[b]
        if rng.random() < 0.2:
            wa = wa.upper()  # case variants
        if rng.random() < 0.1:
            wb = "unknown" + wb
        score = 10 * (MATRIX[a] @ MATRIX[b] / np.linalg.norm(MATRIX[a]) /
                      np.linalg.norm(MATRIX[b])) + rng.normal()
        lines.append(f"{wa}\t{wb}\t{score:.2f}")
    path.write_text("\n".join(lines) + "\n", encoding="utf8")
    return path


@pytest.mark.parametrize("case_insensitive", [True, False])
@pytest.mark.parametrize("dummy4unknown", [False, True])
@pytest.mark.parametrize("restrict_vocab", [300000, 200])
def test_evaluate_word_pairs(pair, tmp_path, case_insensitive, dummy4unknown,
                             restrict_vocab):
    kv, v = pair
    path = _pairs_file(tmp_path / "pairs.tsv", np.random.default_rng(16))
    options = {"case_insensitive": case_insensitive, "dummy4unknown": dummy4unknown,
               "restrict_vocab": restrict_vocab}
    (pg, sg, og), (pw, sw, ow) = v.evaluate_word_pairs(path, **options), \
        kv.evaluate_word_pairs(str(path), **options)
    for got, want in ((pg, pw), (sg, sw)):
        assert got[0] == pytest.approx(want[0], abs=TOL)
        assert got[1] == pytest.approx(want[1], rel=1e-3, abs=1e-9)
    assert og == pytest.approx(ow)


def test_evaluate_word_pairs_says_why_its_correlations_are_nan(pair, tmp_path, caplog):
    """gensim's NaN for a correlation that cannot be computed (equal gold scores)
    stands, and a warning says why; a single pair scored is gensim's (scipy's)
    ValueError, saying so."""
    kv, v = pair
    flat = tmp_path / "flat.tsv"
    flat.write_text("w1\tw2\t3.0\nw3\tw4\t3.0\nw5\tw6\t3.0\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy's own
        (p, _), (s, _), _ = v.evaluate_word_pairs(flat)
        (pw, _), (sw, _), _ = kv.evaluate_word_pairs(str(flat))
    assert np.isnan(p) and np.isnan(s) and np.isnan(pw) and np.isnan(sw)
    assert "constant scores correlate with nothing" in caplog.text and str(flat) in caplog.text
    one = tmp_path / "one.tsv"
    one.write_text("w1\tw2\t3.0\nw1\tunknownword\t5.0\n")
    with pytest.raises(ValueError):
        kv.evaluate_word_pairs(str(one))
    with pytest.raises(ValueError, match="one.tsv: a correlation needs 2 pairs or more"):
        v.evaluate_word_pairs(one)
    caplog.clear()
    v.evaluate_word_pairs(_pairs_file(tmp_path / "pairs.tsv", np.random.default_rng(16)))
    assert "NaN" not in caplog.text


def _analogies_file(path: Path, rng) -> Path:
    lines = [": planted"]
    for a, b, c, d in PLANTED:
        lines.append(" ".join(WORDS[i] for i in (a, b, c, d)))
    lines.append(": random")
    for _ in range(60):
        q = [WORDS[i] for i in rng.integers(0, N, size=4)]
        if rng.random() < 0.2:
            q[int(rng.integers(0, 4))] = q[0].upper()
        if rng.random() < 0.1:
            q[3] = "unknown"
        lines.append(" ".join(q))
    lines += ["too few words", "", ": empty section", ": mixed case"]
    for a, b, c, d in PLANTED[:15]:
        lines.append(" ".join(WORDS[i].upper() if k % 2 else WORDS[i]
                              for k, i in enumerate((a, b, c, d))))
    path.write_text("\n".join(lines) + "\n", encoding="utf8")
    return path


@pytest.mark.parametrize("case_insensitive", [True, False])
@pytest.mark.parametrize("dummy4unknown", [False, True])
@pytest.mark.parametrize("restrict_vocab", [300000, 200])
def test_evaluate_word_analogies(pair, tmp_path, case_insensitive, dummy4unknown,
                                 restrict_vocab):
    kv, v = pair
    path = _analogies_file(tmp_path / "questions.txt", np.random.default_rng(17))
    options = {"case_insensitive": case_insensitive, "dummy4unknown": dummy4unknown,
               "restrict_vocab": restrict_vocab}
    got_score, got = v.evaluate_word_analogies(path, **options)
    want_score, want = kv.evaluate_word_analogies(str(path), **options)
    assert got == want
    assert got_score == pytest.approx(want_score)
    assert len(got[0]["correct"]) > N_PLANTED // 2  # the planted analogies are found


def test_evaluate_word_analogies_by_cosmul(pair, tmp_path):
    _, v = pair
    path = _analogies_file(tmp_path / "questions.txt", np.random.default_rng(17))
    score, sections = v.evaluate_word_analogies(path, similarity_function="most_similar_cosmul")
    # gensim's rule with 3CosMul, question by question: the first of the 5 answers that is
    # no case variant of a question word (or else the last answer) must be the expected one
    lower = {w.upper(): w for w in reversed(WORDS)}
    for section in sections[:-1]:
        for q in section["correct"] + section["incorrect"]:
            a, b, c, d = (lower[w] for w in q)
            answers = [w for w, _ in v.most_similar_cosmul([b, c], [a], topn=5)]
            fresh = [w for w in answers if w.upper() not in q[:3]] or answers[-1:]
            assert (q in section["correct"]) == (fresh[0].upper() == q[3])
    assert 0 < score <= 1 and len(sections[0]["correct"]) > N_PLANTED // 2


# -- the docs' migration table --------------------------------------------------------
def test_save_and_load_mmap_answer_as_gensims(tmp_path, pair):
    kv, v = pair
    kv.save(str(tmp_path / "kv"))
    v.save(tmp_path / "vd")
    kv_back = gensim_kv.KeyedVectors.load(str(tmp_path / "kv"), mmap="r")
    back = Vectors.load(tmp_path / "vd", mmap="r")
    assert back.words == kv_back.index_to_key
    assert back.vectors.tobytes() == np.asarray(kv_back.vectors).tobytes()
    assert back.get_vecattr("w3", "count") == v.get_vecattr("w3", "count")
    assert_same_ranking(back.most_similar("w5"), kv_back.most_similar("w5"))
    assert back.similarity("w1", "w2") == pytest.approx(kv_back.similarity("w1", "w2"))
    # mapped read-only, as gensim maps a matrix it saved apart (over 10 MB; this one it
    # pickled inline)
    assert isinstance(back.vectors, np.memmap)
    with pytest.raises(ValueError, match="read-only"):
        back.vectors[0] = 0.0


def test_gensim_s_file_spellings_load_and_save_as_in_gensim(tmp_path, pair):
    """gensim's ``fname=`` names the file in every load and save, ``limit=0`` reads every
    word, and adding no vectors adds nothing: each as gensim does with the same call."""
    kv, v = pair
    text = tmp_path / "v.txt"
    kv.save_word2vec_format(fname=str(tmp_path / "kv.txt"))
    v.save_word2vec_format(fname=text)
    ours = Vectors.load_word2vec_format(fname=text, limit=0)
    theirs = gensim_kv.KeyedVectors.load_word2vec_format(fname=str(tmp_path / "kv.txt"),
                                                         limit=0)
    assert ours.words == theirs.index_to_key == v.words
    np.testing.assert_array_equal(ours.vectors, theirs.vectors)
    v.save(fname=tmp_path / "vd")
    assert Vectors.load(fname=tmp_path / "vd", mmap="r").words == v.words
    model = SkipGram(dim=8, epochs=1, sample=0, progress=False).fit(
        Corpus([["a", "b", "c", "d"]] * 20, min_count=1))
    model.save(fname=tmp_path / "m")  # gensim's model.save(fname) and load(fname) too
    assert SkipGram.load(fname=tmp_path / "m").wv.words == model.wv.words
    from wordspace.indexers import AnnoyIndexer
    from wordspace.phrases import Phrases

    AnnoyIndexer(v, num_trees=1).save(fname=tmp_path / "index")
    assert AnnoyIndexer.load(fname=tmp_path / "index").labels == v.words
    phrases = Phrases([["new", "york"]] * 20, min_count=1, threshold=0.1)
    phrases.save(fname=tmp_path / "phrases.tsv")
    assert Phrases.load(fname=tmp_path / "phrases.tsv").export_phrases() == \
        phrases.export_phrases()
    with pytest.raises(TypeError, match="both path and fname"):
        Vectors.load(path=tmp_path / "vd", fname=tmp_path / "vd")
    before = list(ours.words)
    ours.add_vectors([], np.zeros((0, DIM), np.float32))
    theirs.add_vectors([], np.zeros((0, DIM), np.float32))
    assert ours.words == theirs.index_to_key == before


def test_empty_vectors_of_a_size_filled_as_in_gensim():
    """gensim's ``KeyedVectors(vector_size)`` then ``add_vectors``: the usual way to make
    vectors from a dict."""
    for ours in (Vectors(vector_size=DIM), Vectors(DIM)):
        theirs = gensim_kv.KeyedVectors(vector_size=DIM)
        assert (len(ours), ours.vector_size) == (0, DIM)
        ours.add_vectors(WORDS[:50], MATRIX[:50])
        theirs.add_vectors(WORDS[:50], MATRIX[:50])
        assert ours.index_to_key == theirs.index_to_key
        np.testing.assert_array_equal(ours.vectors, theirs.vectors)
        assert_same_ranking(ours.most_similar("w3"), theirs.most_similar("w3"))
    with pytest.raises(TypeError, match="needs the matrix"):
        Vectors(WORDS[:3])
    with pytest.raises(ValueError, match="vector_size=8 but the matrix's rows have 32"):
        Vectors(WORDS[:3], MATRIX[:3], vector_size=8)


def test_rows_allocated_ahead_are_filled_by_add_vector_as_in_gensim():
    """gensim's ``KeyedVectors(vector_size, count)`` then ``add_vector`` (its
    ``vectors_for_all`` and ``load_word2vec_format`` fill theirs so): ``count`` and
    ``dtype`` were unexpected keywords."""
    for ours in (Vectors(DIM, count=3), Vectors(vector_size=DIM, count=3, dtype=np.float32),
                 Vectors(DIM, 3)):  # gensim's positional KeyedVectors(vector_size, count)
        theirs = gensim_kv.KeyedVectors(DIM, count=3)
        assert len(ours) == 0 and ours.vectors.shape == (0, DIM)  # only what is added
        assert len(theirs) == 3 and theirs.index_to_key == [None] * 3  # (gensim's slots)
        filled = []
        for k in range(4):  # the three rows allocated, then one more
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # gensim's, growing by one
                assert ours.add_vector(WORDS[k], MATRIX[k]) == \
                    theirs.add_vector(WORDS[k], MATRIX[k]) == k
            filled.append(ours.vectors)
        assert ours.index_to_key == theirs.index_to_key == WORDS[:4] and len(ours) == 4
        np.testing.assert_array_equal(ours.vectors, theirs.vectors)
        # the allocated rows were filled in place; the fourth needed a new matrix
        assert np.shares_memory(filled[0], filled[2])
        assert not np.shares_memory(filled[2], filled[3])
        assert_same_ranking(ours.most_similar("w1"), theirs.most_similar("w1"))
    ours = Vectors(DIM, count=3)
    ours.add_vector("a", MATRIX[0])
    held = copy_module.copy(ours)  # a copy grows apart: the rows not filled are not shared
    held.add_vector("mine", MATRIX[1])
    ours.add_vector("theirs", MATRIX[2])
    np.testing.assert_array_equal(held["mine"], MATRIX[1])
    np.testing.assert_array_equal(ours["theirs"], MATRIX[2])
    assert held.words == ["a", "mine"] and ours.words == ["a", "theirs"]
    assert "theirs" not in held and "mine" not in ours
    with pytest.raises(ValueError, match=r"dtype float64: wordspace keeps vectors as "
                                         r"float32 .*leave dtype out"):
        Vectors(DIM, dtype=np.float64)
    assert gensim_kv.KeyedVectors(DIM, dtype=np.float64).vectors.dtype == np.float64
    with pytest.raises(ValueError, match=r"count=2 allocates rows for vectors to come"):
        Vectors(WORDS[:3], MATRIX[:3], count=2)
    with pytest.raises(TypeError, match="gensim's count already"):
        Vectors(DIM, 2, count=2)
    with pytest.raises(ValueError, match="count must be an integer >= 0"):
        Vectors(DIM, count=-1)


def test_bytes_are_no_query_term(pair):
    _, v = pair
    for query in (lambda: v.most_similar(positive=b"w1"),  # not rows 119 and 49
                  lambda: v.most_similar([b"w1"]), lambda: v.most_similar([(b"w1", 2.0)]),
                  lambda: v.most_similar_cosmul(["w2", b"w1"]), lambda: v[b"w1"],
                  lambda: v.distances(b"w1")):
        with pytest.raises(TypeError, match=r"not bytes \(b'w1'\): decode them, e\.g\. 'w1'"):
            query()


def test_every_migration_row_is_exercised():
    doc = (Path(__file__).parent.parent / "docs" / "from-gensim.md").read_text()
    tested = Path(__file__).read_text()
    names = set(re.findall(r"`v\.([a-z_0-9]+)", doc))
    assert len(names) > 30
    v = Vectors(["a"], np.ones((1, 2)))
    for name in names:
        assert hasattr(v, name), name
        assert re.search(rf"\.{name}\b", tested), f"{name} is not exercised here"


# -- models: wv and constructor messages ----------------------------------------------
def test_model_wv_is_vectors():
    model = SkipGram(dim=DIM)
    with pytest.raises(AttributeError, match=r"not trained yet: call fit\(\) first"):
        _ = model.wv
    model.vocab_ = Vocabulary(WORDS, np.ones(N, dtype=np.int64))
    model.vectors = Vectors(WORDS, MATRIX)
    assert model.wv is model.vectors
    assert_same_ranking(model.wv.most_similar("w5"), _gensim().most_similar("w5"))
    docs = PVDBOW(dim=4)  # documents only: no word vectors, and it says what it has
    docs.vocab_ = Vocabulary(WORDS, np.ones(N, dtype=np.int64))
    docs.dv = Vectors(["d0"], np.zeros((1, 4)))
    with pytest.raises(AttributeError, match=r"train_words=True.*it has dv, vocab_"):
        _ = docs.wv


@pytest.mark.parametrize(("cls", "kwargs", "message"), [
    (SkipGram, {"min_count": 1}, r"^min_count is a Corpus setting: Corpus\(source, "
                                 r"min_count=1\)$"),
    (PVDBOW, {"max_vocab_size": 10}, r"^max_vocab_size is a Documents setting: "
                                     r"Documents\(source, max_vocab_size=10\)$"),
    (SkipGram, {"dimm": 5}, r"SkipGram has no parameter 'dimm'; did you mean dim\?"),
    (SkipGram, {"windw": 5}, r"did you mean window\? \(its parameters are dim, window,"),
    (SkipGram, {"vector_size": 50}, r"vector_size is gensim's name; SkipGram calls it dim: "
                                    r"SkipGram\(dim=50\)"),
    (SkipGram, {"checkpoint": "run"}, r"checkpoint is an argument of fit\(\): "
                                      r"model.fit\(corpus, checkpoint='run'\)"),
    (SkipGram, {"sentences": []}, r"sentences is what fit\(\) trains on"),
    (SkipGram, {"zzzz": 1}, r"no parameter 'zzzz' \(its parameters are"),
    (SkipGram, {"sg": 0}, r"sg is gensim's: skip-gram and CBOW are two models here, "
                          r"SkipGram\(\) \(sg=1\) and CBOW\(\) \(sg=0\)"),
    (PVDBOW, {"dm": 0}, r"dm is gensim's: .*PVDM\(\) \(dm=1\) and PVDBOW\(\) \(dm=0\)"),
    # PV-DM's own switches given to PV-DBOW, and one PV-DM has not: no generic message
    (PVDBOW, {"dm_mean": 0}, r"dm_mean is gensim's: a PV-DM setting: PVDM\(dm_mean=False\) "
                             r"is its dm_mean=0"),
    (PVDM, {"dm_concat": 1}, r"dm_concat is gensim's: not supported .*: PVDM\(\) averages"),
    (SkipGram, {"compute_loss": True}, r"the loss is always kept: model.report_.epoch_loss"),
])
def test_unknown_constructor_arguments_say_where_they_belong(cls, kwargs, message):
    with pytest.raises(TypeError, match=message):
        cls(**kwargs)
    assert "min_count" not in cls._param_names()
    assert cls(dim=7).vector_size == 7  # gensim's name, read-only
    assert cls(dim=3).get_params()["dim"] == 3 and repr(cls(dim=3)) == f"{cls.__name__}(dim=3)"


def test_what_a_gensim_user_types_first_says_what_to_type_instead():
    """gensim's Word2Vec(sentences), model.build_vocab / train, and fit() given a corpus
    setting, a model parameter or gensim's train() arguments: each error says
    wordspace's way."""
    with pytest.raises(TypeError, match=r"SkipGram takes its parameters by name "
                                        r"\(SkipGram\(dim=100, ...\)\); what it trains on "
                                        r"goes to fit\(\): SkipGram\(...\).fit\(Corpus"):
        SkipGram([["a", "b"]])
    with pytest.raises(TypeError, match=r"PVDBOW\(...\).fit\(Documents\(source\)\)"):
        PVDBOW(["a b"])
    model = SkipGram()
    for name, said in (("build_vocab", r"the vocabulary is built as the corpus is read"),
                       ("train", r"model.fit\(corpus\) trains"),
                       ("running_training_loss", r"model.get_latest_training_loss\(\), "
                                                  r"the running sum"),
                       ("build_vocab_from_freq", r"wordspace counts the vocabulary in "
                                                 r"the text it trains on"),
                       ("lifecycle_events", r"wordspace keeps no event log: "
                                            r"model.get_params\(\)"),
                       ("init_sims", r"model.wv.init_sims\(replace=True\)"),
                       ("accuracy", r"model.wv.evaluate_word_analogies\(questions\)"),
                       ("syn1neg", r"model.output_vectors_"),
                       ("total_train_time", r"model.report_.seconds"),
                       ("sg", r"skip-gram and CBOW are two models here")):
        with pytest.raises(AttributeError, match=f"has no attribute '{name}' \\({name} is "
                                                 f"gensim's: {said}"):
            getattr(model, name)
    with pytest.raises(AttributeError, match="has no attribute 'nothing_like_it'$"):
        model.nothing_like_it  # noqa: B018
    with pytest.raises(AttributeError, match=r"\(min_count is a Corpus setting, Corpus\(source, "
                                             r"min_count=...\); a fitted model's vocabulary "
                                             r"is model.vocab_\)"):
        model.min_count  # noqa: B018
    with pytest.raises(AttributeError, match=r"\(dm is gensim's: PV-DM and PV-DBOW"):
        PVDBOW().dm  # noqa: B018
    with pytest.raises(AttributeError, match=r"\(docvecs is gensim's: model.dv\)"):
        PVDBOW().docvecs  # noqa: B018 -- trained or not: said "not trained yet" before
    with pytest.raises(AttributeError, match=r"\(corpus_count is gensim's: len\(model.dv\) "
                                             r"is the number of documents"):
        PVDBOW().corpus_count  # noqa: B018 -- a document model's, not sentences
    with pytest.raises(AttributeError, match=r"\(corpus_count is gensim's: the corpus counts "
                                             r"its sentences"):
        model.corpus_count  # noqa: B018
    for kwargs, said in (
            ({"min_count": 1}, r"min_count is a Corpus setting: "
                               r"model.fit\(Corpus\(source, min_count=1\)\)"),
            ({"epochs": 3}, r"epochs is a parameter of SkipGram: "
                            r"SkipGram\(epochs=3\).fit\(corpus\), or "
                            r"model.set_params\(epochs=3\)"),
            ({"total_examples": 9}, r"total_examples is gensim's train\(\) argument"),
            ({"callbaks": []}, r"fit\(\) has no argument 'callbaks'; did you mean "
                               r"callbacks\? \(it takes checkpoint, ")):
        with pytest.raises(TypeError, match=said):
            model.fit([["never", "read"]], **kwargs)


def test_gensim_s_old_model_calls_name_a_way_that_works(tmp_path):
    """``FastText.load_fasttext_format`` (gensim's deprecated classmethod, read from the
    class or a model) names ``load_facebook_model``; and what the model hints name
    (model.wv.init_sims, report_'s loss, get_params) does what they say on a model."""
    from wordspace import FastText

    for where, owner in (("type object 'FastText'", FastText),
                         ("'FastText' object", FastText(dim=4))):
        with pytest.raises(AttributeError, match=rf"{where} has no attribute "
                                                 r"'load_fasttext_format' \(load_fasttext_"
                                                 r"format is gensim's: FastText.load_"
                                                 r"facebook_model\(path\) loads a fastText "
                                                 r".bin model, FastText.load_facebook_"
                                                 r"vectors\(path\) its word vectors"):
            owner.load_fasttext_format(str(tmp_path / "m.bin"))
    assert not hasattr(FastText, "load_fasttext_format")
    model = FastText(dim=4, bucket=100, epochs=1, sample=0, workers=1, progress=False).fit(
        Corpus([["a", "b", "c", "d"]] * 20, min_count=1))
    model.save_facebook_model(tmp_path / "m.bin")
    assert FastText.load_facebook_model(tmp_path / "m.bin").wv.words == model.wv.words
    assert FastText.load_facebook_vectors(tmp_path / "m.bin").words == model.wv.words
    with pytest.raises(ValueError, match="computed from the FastText's rows"):
        model.wv.init_sims(replace=True)  # the hint says to normalize a copy
    words = SkipGram(dim=4, epochs=1, sample=0, workers=1, progress=False).fit(
        Corpus([["a", "b", "c", "d"]] * 20, min_count=1))
    words.wv.init_sims(replace=True)
    np.testing.assert_allclose(np.linalg.norm(words.input_vectors_, axis=1), 1, rtol=1e-5)
    assert len(model.report_.epoch_loss) == 1 and model.get_params()["dim"] == 4


# -- Word Mover's Distance ----------------------------------------------------------------
def test_wmdistance_equals_gensim_s_with_pot(pair):
    pytest.importorskip("ot", reason="gensim's wmdistance needs POT (a dev dependency)")
    kv, v = pair
    rng = np.random.default_rng(21)
    for k in range(30):
        doc1 = _words(rng, int(rng.integers(1, 9))) * int(rng.integers(1, 3))
        doc2 = _words(rng, int(rng.integers(1, 9))) + (["zzz-unknown"] if k % 3 else [])
        rng.shuffle(doc1)
        for norm in (True, False):
            assert v.wmdistance(doc1, doc2, norm=norm) == pytest.approx(
                kv.wmdistance(doc1, doc2, norm=norm), rel=1e-6, abs=1e-9), (doc1, doc2)


@pytest.mark.parametrize("solver", ["highs", "pot"])
def test_wmdistance_of_equal_sized_documents_is_their_best_word_matching(monkeypatch,
                                                                       solver):
    # with n distinct words a side, each of weight 1/n, moving mass is matching words:
    # the optimum is the assignment problem's, solved here independently
    from scipy.optimize import linear_sum_assignment
    from scipy.spatial.distance import cdist

    import wordspace.transport as transport

    emd = transport.earth_movers_distance
    monkeypatch.setattr("wordspace.transport.earth_movers_distance",
                        lambda a, b, cost: emd(a, b, cost, solver=solver))
    v = Vectors(WORDS, MATRIX.copy())
    rng = np.random.default_rng(3)
    for n in (1, 2, 5, 9):
        rows1, rows2 = rng.choice(N, n, replace=False), rng.choice(N, n, replace=False)
        cost = cdist(v.unit[rows1].astype(np.float64), v.unit[rows2].astype(np.float64))
        i, j = linear_sum_assignment(cost)
        want = cost[i, j].mean()
        got = v.wmdistance([WORDS[r] for r in rows1], [WORDS[r] for r in rows2])
        assert got == pytest.approx(want, rel=1e-9, abs=1e-12)


def test_wmdistance_edge_cases(caplog):
    v = Vectors(WORDS, MATRIX.copy())
    assert v.wmdistance(["w1", "w2", "w2"], ["w2", "w1", "w2"]) == pytest.approx(0, abs=1e-12)
    assert v.wmdistance(["w5"], ["w5", "w5"]) == 0.0
    one = v.wmdistance(["w1"], ["w2"])  # one word a side: their distance
    assert one == pytest.approx(np.linalg.norm(v.unit[1] - v.unit[2]), rel=1e-6)
    assert v.wmdistance(["w1"], ["w2"], norm=False) == pytest.approx(
        np.linalg.norm(MATRIX[1] - MATRIX[2]), rel=1e-6)
    with caplog.at_level("WARNING"):
        assert v.wmdistance(["zzz"], ["w1"]) == float("inf")
    assert "no word with a vector" in caplog.text
