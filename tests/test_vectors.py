"""Vectors: the query API and word2vec files, round-tripped through gensim."""

from __future__ import annotations

import numpy as np
import pytest

from wordspace import Vectors


@pytest.fixture
def toy():
    # royalty and gender as two axes: queen = king - man + woman exactly
    words = ["king", "queen", "man", "woman", "apple", "pear"]
    m = np.array([[1, 1, 0.1], [1, -1, 0.1], [0, 1, 0.1], [0, -1, 0.1],
                  [0, 0, 1], [0.1, 0.1, 1]], dtype=np.float32)
    return Vectors(words, m, counts=[6, 5, 4, 3, 2, 1])


def test_lookup_and_unknown_words(toy):
    np.testing.assert_array_equal(toy["king"], np.float32([1, 1, 0.1]))
    assert toy[["man", "woman"]].shape == (2, 3)
    assert "pear" in toy and "plum" not in toy and len(toy) == 6 and toy.dim == 3
    with pytest.raises(KeyError, match="'kinq' is not in the vocabulary; did you mean 'king'"):
        toy["kinq"]


def test_an_unknown_word_in_another_case_is_offered_first():
    """In a lowercased vocabulary (text8's) ``King`` is ``king``, not difflib's ``wing``,
    and ``PARIS`` (too far from ``paris`` for difflib) is ``paris``."""
    words = ["wing", "sing", "ring", "king", "paris", "Paris", "apple"]
    v = Vectors(words, np.eye(len(words), dtype=np.float32))
    with pytest.raises(KeyError, match="'King' is not in the vocabulary; did you mean "
                                       r"'king', 'wing', 'sing'\?"):
        v["King"]
    with pytest.raises(KeyError, match=r"did you mean 'paris'\?"):  # the first spelling
        v["PARIS"]
    with pytest.raises(KeyError, match=r"'Appel' .*did you mean 'apple'\?"):
        v["Appel"]


def test_similarity_is_cosine(toy):
    a, b = toy["apple"], toy["pear"]
    assert toy.similarity("apple", "pear") == pytest.approx(
        a @ b / np.linalg.norm(a) / np.linalg.norm(b), rel=1e-6)


def test_most_similar_excludes_queries_and_ranks_by_cosine(toy):
    result = toy.most_similar("apple", topn=3)
    assert result[0][0] == "pear" and "apple" not in [w for w, _ in result]
    scores = [s for _, s in result]
    assert scores == sorted(scores, reverse=True)
    # restricted to the 4 most frequent words, fruit cannot appear
    assert {w for w, _ in toy.most_similar("apple", topn=3, restrict_vocab=4)} <= {
        "king", "queen", "man", "woman"}


@pytest.mark.parametrize("method", ["3cosadd", "3cosmul"])
def test_analogy(toy, method):
    assert toy.analogy("man", "king", "woman", method=method)[0][0] == "queen"
    assert toy.most_similar(positive=["king", "woman"], negative=["man"])[0][0] == "queen"


def test_nearest_to_a_raw_vector(toy):
    assert toy.nearest(np.array([0, 0, 5.0]), topn=1)[0][0] == "apple"
    with pytest.raises(ValueError, match="dimension 3"):
        toy.nearest(np.zeros(4))


@pytest.mark.parametrize("binary", [False, True])
def test_word2vec_round_trip_and_gensim_interoperability(tmp_path, binary):
    from gensim.models import KeyedVectors

    rng = np.random.default_rng(0)
    words = ["the", "café", "naïve", "x"]
    v = Vectors(words, rng.normal(size=(4, 7)).astype(np.float32))
    path = tmp_path / ("v.bin" if binary else "v.txt")
    v.save_word2vec_format(path, binary=binary)
    for back in (Vectors.load_word2vec_format(path, binary=binary),
                 Vectors.load_word2vec_format(path)):  # format detected from the contents
        assert back.words == words
        np.testing.assert_allclose(back.matrix, v.matrix, rtol=1e-5)
    kv = KeyedVectors.load_word2vec_format(str(path), binary=binary)
    assert list(kv.index_to_key) == words
    np.testing.assert_allclose(kv.vectors, v.matrix, rtol=1e-5)
    # and the other way: a file gensim wrote
    other = tmp_path / ("g.bin" if binary else "g.txt")
    kv.save_word2vec_format(str(other), binary=binary)
    back = Vectors.load_word2vec_format(other)
    assert back.words == words
    np.testing.assert_allclose(back.matrix, v.matrix, rtol=1e-5)


def test_word2vec_errors_name_the_file_and_line(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("2 3\na 1 2 3\nb 1 x 3\n")
    with pytest.raises(ValueError, match=r"bad\.txt:3: 'x' in the vector of 'b' is not a number"):
        Vectors.load_word2vec_format(bad, binary=False)
    short = tmp_path / "short.txt"
    short.write_text("3 2\na 1 2\n")
    with pytest.raises(ValueError, match="promises 3 words"):
        Vectors.load_word2vec_format(short, binary=False)
    with pytest.raises(ValueError, match="whitespace"):
        Vectors(["a b"], np.zeros((1, 2))).save_word2vec_format(tmp_path / "x.txt")
