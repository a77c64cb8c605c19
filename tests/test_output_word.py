"""gensim's ``predict_output_word`` on the models with output vectors: the planted centre
word of a context comes first, the answers are gensim's own on the same vectors, and
bad input is refused with a reason."""

from __future__ import annotations

import numpy as np
import pytest

from wordspace import (
    CBOW,
    PPMISVD,
    PVDBOW,
    PVDM,
    Corpus,
    Documents,
    FastText,
    GaussianSkipGram,
    SkipGram,
    SoftmaxSkipGram,
    load_model,
)

MODELS = [SkipGram, CBOW, FastText, SoftmaxSkipGram]
TINY = dict(dim=16, window=2, epochs=5, sample=0, workers=1, progress=False)


def make(cls, **extra):
    kwargs = dict(TINY, **extra)
    if cls is FastText:
        kwargs.update(min_n=2, max_n=3, bucket=1000)
    return cls(**kwargs)


@pytest.fixture(scope="module")
def centred():
    """Sentences ``a b X c d`` of three kinds: kind k's context words (``ka0``, ``kb1``,
    ...) always surround the centre word ``Xk`` and no other."""
    rng = np.random.default_rng(0)
    sentences = [[f"{k}{p}{rng.integers(2)}" for p in "ab"] + [f"X{k}"]
                 + [f"{k}{p}{rng.integers(2)}" for p in "cd"]
                 for _ in range(400) for k in range(3)]
    return Corpus(sentences, min_count=1, progress=False)


@pytest.fixture(scope="module", params=MODELS, ids=lambda cls: cls.__name__)
def trained(request, centred):
    return make(request.param).fit(centred)


def test_the_planted_centre_word_is_the_most_probable(trained, tmp_path):
    for k in range(3):
        context = [f"{k}a0", f"{k}b1", f"{k}c0", f"{k}d1"]
        ranked = trained.predict_output_word(context, topn=5)
        assert ranked[0][0] == f"X{k}", ranked
        probabilities = [p for _, p in ranked]
        assert probabilities == sorted(probabilities, reverse=True)
    everything = trained.predict_output_word(context, topn=None)  # gensim: every word
    assert len(everything) == len(trained.vocab_)
    assert sum(p for _, p in everything) == pytest.approx(1.0)
    assert everything[:5] == ranked
    trained.save(tmp_path / "m")
    assert load_model(tmp_path / "m").predict_output_word(context, topn=5) == ranked


def test_the_answers_follow_the_output_rows_whatever_is_asked_of_wv(centred):
    """The output rows are the vocabulary's: ``wv``'s rows (the model's input rows) are
    never put in another order (``sort_by_descending_frequency`` by other counts is
    refused), so the answers stay the vocabulary's."""
    model = make(SkipGram).fit(centred)
    context = ["1a0", "1b1", "1c0"]
    before = model.predict_output_word(context, topn=None)
    model.wv.counts = np.arange(len(model.wv))  # the vocabulary's order, reversed
    with pytest.raises(ValueError, match="in the order of its vocabulary: sort a copy"):
        model.wv.sort_by_descending_frequency()
    assert model.wv.words == model.vocab_.words
    assert model.predict_output_word(context, topn=None) == before


@pytest.mark.parametrize("cls", [SkipGram, FastText], ids=lambda cls: cls.__name__)
def test_the_answers_are_gensim_s_on_the_same_vectors(centred, cls):
    """The trained input and output rows copied into a gensim ``Word2Vec`` (its
    ``wv.vectors`` and ``syn1neg``, in the same order) answer the same, word for word."""
    from gensim.models import KeyedVectors, Word2Vec

    model = make(cls).fit(centred)
    theirs = Word2Vec(vector_size=model.dim, negative=model.negative)
    theirs.wv = KeyedVectors(model.dim)
    theirs.wv.add_vectors(model.vectors.words, model.vectors.matrix)
    theirs.syn1neg = model.output_vectors_
    rng = np.random.default_rng(1)
    words = model.vectors.words
    # an unknown word is skipped by both (a subword model composes one, where gensim's
    # FastText fails on it: test_a_subword_model_composes_an_unseen_context_word)
    unknown = ["unknown-word"] if cls is SkipGram else []
    for size in (1, 2, 4, 7):
        for _ in range(5):
            context = list(rng.choice(words, size=size)) + unknown
            ours = model.predict_output_word(context, topn=8)
            expected = theirs.predict_output_word(context, topn=8)
            assert [w for w, _ in ours] == [w for w, _ in expected]
            np.testing.assert_allclose([p for _, p in ours], [p for _, p in expected],
                                       rtol=2e-5, atol=1e-7)
    # integers are row numbers, as in gensim
    assert model.predict_output_word([0, 3], topn=4) == model.predict_output_word(
        [words[0], words[3]], topn=4)


def test_a_subword_model_composes_an_unseen_context_word(centred):
    model = make(FastText).fit(centred)
    unseen = "0a0x"  # not in the vocabulary; its n-grams are
    assert unseen not in model.vectors
    mean = model.vectors[unseen]
    scores = model.output_vectors_ @ mean
    ranked = model.predict_output_word([unseen], topn=3)
    assert [w for w, _ in ranked] == [model.vocab_.words[i] for i in np.argsort(-scores)[:3]]


def test_bad_context_and_topn_are_refused_with_a_reason(centred):
    model = make(SkipGram).fit(centred)
    with pytest.raises(KeyError, match=r"none of \['nope', 'nada'\] is in the vocabulary"):
        model.predict_output_word(["nope", "nada"])  # gensim: a warning and None
    with pytest.raises(ValueError, match="at least one context word"):
        model.predict_output_word([])
    with pytest.raises(TypeError, match="topn must be a whole number"):
        model.predict_output_word(["0a0"], topn=2.5)
    assert model.predict_output_word(["0a0"], topn=0) == []
    # one string is one word (not its characters)
    assert model.predict_output_word("0a0", topn=3) == model.predict_output_word(["0a0"],
                                                                                topn=3)
    with pytest.raises(RuntimeError, match="not trained yet"):
        SkipGram().predict_output_word(["0a0"])


def test_models_without_output_word_scores_say_so(planted):
    for cls in (GaussianSkipGram, PPMISVD):  # no output vectors scoring words
        assert not hasattr(cls(), "predict_output_word")
    docs = [(f"d{i}", words) for i, words in enumerate(planted[0][:300])]
    model = PVDBOW(dim=8, epochs=1, train_words=False, sample=0, workers=1,
                   progress=False).fit(Documents(docs, min_count=1))
    with pytest.raises(AttributeError, match="has no word vectors: train it with train_words"):
        model.predict_output_word(["g0w0"])
    # with words: skip-gram's (or PV-DM's window) input and output rows, which predict as
    # SkipGram's (CBOW's) do
    for cls in (PVDBOW, PVDM):
        model = cls(dim=8, epochs=5, sample=0, workers=1, progress=False).fit(
            Documents(docs, min_count=1))
        predicted = model.predict_output_word(["g0w0", "g0w1"], topn=3)
        assert all(w.startswith("g0") for w, _ in predicted), (cls, predicted)
