"""PV-DBOW: the exact update, planted topics recovered, inference, persistence, errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from helpers import (
    N_TOPICS,
    document_job,
    neighbour_purity,
    numeric_gradient,
    planted_documents,
    topic_document,
)
from wordspace import PVDBOW, PVDM, Corpus, Documents, DocVectors, Vectors, load_model
from wordspace.engine.layout import SHARED_BAGS, Layout
from wordspace.engine.params import VectorParams
from wordspace.losses import NegativeSamplingLoss


@pytest.fixture(scope="module")
def planted():
    docs, topics = planted_documents()
    return Documents(docs, min_count=1), topics


@pytest.fixture(scope="module", params=[True, False], ids=["with-words", "docs-only"])
def fitted(request, planted):
    docs, topics = planted
    # sample=0: in a 38-word vocabulary every word is "frequent" and would be subsampled
    model = PVDBOW(dim=16, train_words=request.param, sample=0, epochs=15, workers=1,
                   seed=3, progress=False).fit(docs)
    return model, topics


def test_the_update_is_the_exact_gradient_step_of_the_pv_dbow_loss():
    """One job through the sampler and the loss: every centre word is predicted by its
    window's words and by the document's row (input row 6), with shared negatives; each
    example's step equals -lr times the finite-difference gradient of its loss."""
    n_words, negative, lr = 6, 2, 0.05
    tokens = [0, 3, 1, 5, 2]
    n = len(tokens)
    inputs, outputs, ex = document_job(Layout(max_bags=SHARED_BAGS), tokens, n_words)
    assert ex.n_examples == n and all(ex.contexts(e)[-1] == n_words for e in range(n))

    doc_start = inputs[n_words].copy()
    p_in, p_out = inputs.astype(np.float64), outputs.astype(np.float64)
    for e in range(n):  # the reference: exact steps, example after example, in float64
        w, ctx = ex.centres[e], ex.contexts(e)
        negs = [k for k in ex.negatives[e] if k != w]

        def loss(w=w, ctx=ctx, negs=negs):
            return sum(np.logaddexp(0, -(p_out[w] @ p_in[c]))
                       + sum(np.logaddexp(0, p_out[k] @ p_in[c]) for k in negs) for c in ctx)

        g_in, g_out = numeric_gradient(loss, [p_in, p_out])
        p_in[:] -= lr * g_in  # in place: the reference loss reads these arrays
        p_out[:] -= lr * g_out
    loss = NegativeSamplingLoss()
    params = VectorParams(inputs, outputs)
    loss.update(params, ex, lr, loss.scratch(params, negative, 5))
    np.testing.assert_allclose(inputs, p_in, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(outputs, p_out, rtol=1e-4, atol=1e-5)
    assert not np.allclose(inputs[n_words], doc_start)  # the document's row learnt


def test_documents_of_a_topic_are_each_others_neighbours(fitted):
    model, topics = fitted
    assert neighbour_purity(model, topics) > 0.9  # chance: about 0.25


def test_words_and_documents_share_one_space(planted):
    docs, topics = planted
    model = PVDBOW(dim=16, sample=0, epochs=15, workers=1, seed=3, progress=False).fit(docs)
    hits = []
    for i, doc_id in enumerate(model.dv.ids):
        nearest = [w for w, _ in model.vectors.nearest(model.dv[doc_id], topn=3)]
        hits += [w.startswith(f"t{topics[i]}w") for w in nearest]
    assert np.mean(hits) > 0.8  # a document's nearest words are its topic's own


def test_inference_places_new_documents_among_their_topic(fitted):
    model, topics = fitted
    rng = np.random.default_rng(99)
    new_topics = np.arange(N_TOPICS).repeat(5)
    inferred = model.dv.infer_many([topic_document(rng, t) for t in new_topics])
    train_unit = model.dv.unit
    votes = (inferred @ train_unit.T).argsort(axis=1)[:, -5:]
    assert np.mean(topics[votes] == new_topics[:, None]) > 0.9


def test_inference_is_deterministic_independent_and_leaves_the_model_alone(fitted):
    model, _ = fitted
    before = model.input_vectors_.copy(), model.output_vectors_.copy()
    rng = np.random.default_rng(1)
    a, b = topic_document(rng, 0), topic_document(rng, 1)
    first = model.dv.infer(a, seed=7)
    np.testing.assert_array_equal(model.dv.infer(a, seed=7), first)
    assert not np.allclose(model.dv.infer(a, seed=8), first)
    batch = model.dv.infer_many([b, a], seed=7, workers=2)
    np.testing.assert_array_equal(batch[1], first)  # its own, whatever else is inferred
    np.testing.assert_array_equal(model.input_vectors_, before[0])
    np.testing.assert_array_equal(model.output_vectors_, before[1])
    assert model.dv.infer(a, epochs=1).shape == (16,)


def test_inference_errors_and_unknown_words(fitted, caplog):
    model, _ = fitted
    np.testing.assert_array_equal(model.dv.infer("t0w1 t0w2"), model.dv.infer(["t0w1", "t0w2"]))
    with pytest.raises(ValueError, match="none of the document's words.*'zebra'"):
        model.dv.infer(["zebra", "yak"])
    rows = model.dv.infer_many([["t1w0", "zebra"], ["zebra"]])
    assert not rows[1].any() and rows[0].any()
    assert "zero vectors (at index 1 of the documents given)" in caplog.text
    with pytest.raises(ValueError, match="epochs must be"):
        model.dv.infer(["t1w0"], epochs=0)
    # gensim's name and arguments: model.infer_vector(words, alpha=..., epochs=...)
    np.testing.assert_array_equal(model.infer_vector(["t1w0", "t1w1"], alpha=0.05, epochs=3),
                                  model.dv.infer(["t1w0", "t1w1"], alpha=0.05, epochs=3))
    assert not model.infer_vector(["zebra"]).any()  # no known word: zero, as infer_many
    with pytest.raises(ValueError, match="min_alpha must be >= 0.0 and <= 0.05"):
        model.infer_vector(["t1w0"], alpha=0.05, min_alpha=0.1)


def test_inference_takes_gensim_s_min_alpha(fitted, monkeypatch):
    """``infer_vector(doc, alpha, min_alpha, epochs)``, a tutorial's call: the rate falls
    to ``min_alpha`` (by default the model's final rate)."""
    from wordspace.models import pvdbow

    model, _ = fitted
    rates = []

    def recording(*args, **kwargs):
        rates.append((kwargs["alpha"], kwargs["min_alpha"]))
        return infer_rows(*args, **kwargs)

    infer_rows = pvdbow.infer_rows
    monkeypatch.setattr(pvdbow, "infer_rows", recording)
    doc = ["t1w0", "t1w1", "t1w2"]
    given = model.infer_vector(doc, alpha=0.025, min_alpha=0.02, epochs=5)
    default = model.infer_vector(doc, alpha=0.025, epochs=5)
    assert rates == [(0.025, 0.02), (0.025, model._final_alpha)]
    assert not np.array_equal(given, default)
    np.testing.assert_array_equal(given, model.dv.infer(doc, alpha=0.025, min_alpha=0.02,
                                                        epochs=5))


def test_inference_uses_the_trained_parameters_and_checks_its_own(fitted):
    """set_params after fit is for the next fit: inference answered otherwise than the
    saved model did (it read epochs, seed, negative ... as set since); and workers or a
    seed out of range were taken, or named nothing."""
    model, _ = fitted
    rng = np.random.default_rng(3)
    text = topic_document(rng, 1)
    before = model.infer_vector(text)
    params = model.get_params()
    try:
        model.set_params(seed=5, epochs=7, alpha=0.1, negative=2, sample=0.5)
        np.testing.assert_array_equal(model.infer_vector(text), before)
    finally:
        model.set_params(**params)
    np.testing.assert_array_equal(model.dv.infer(text, seed=np.int64(model.seed)), before)
    for bad, message in ((dict(workers=0), "workers must be an integer >= 1"),
                         (dict(workers=1.5), "workers must be an integer"),
                         (dict(seed=-1), "seed must be an integer >= 0, got -1")):
        with pytest.raises(ValueError, match=message):
            model.dv.infer_many([text], **bad)


def test_texts_are_tokenised_as_the_collection_was(tmp_path):
    docs = Documents([("a", "The CAT sat, the cat ran."), ("b", "A dog; the dog barked.")],
                     min_count=1, lowercase=True, token_pattern=r"\w+")
    model = PVDBOW(dim=4, epochs=2, workers=1, progress=False).fit(docs)
    model.save(tmp_path / "m")
    for m in (model, load_model(tmp_path / "m")):
        assert m.tokenization_ == {"lowercase": True, "token_pattern": r"\w+"}
        np.testing.assert_array_equal(m.dv.infer("The DOG, barked!"),
                                      m.dv.infer(["the", "dog", "barked"]))


def test_token_lists_are_lowercased_at_inference_as_in_training(caplog):
    """Token lists given to a lowercase=True collection were lowercased for training but
    looked up verbatim at inference: the capitalised training tokens were unknown."""
    docs = [(i, ["Apple", "Pie", "Tastes", "Good"] if i % 2 else ["Stock", "Market"])
            for i in range(20)]
    model = PVDBOW(dim=8, epochs=2, workers=1, sample=0, progress=False).fit(
        Documents(docs, min_count=1, lowercase=True, cache=False, progress=False))
    lower = model.infer_vector(["apple", "pie"])
    assert lower.any()
    np.testing.assert_array_equal(model.infer_vector(["Apple", "Pie"]), lower)
    np.testing.assert_array_equal(model.dv.infer(("APPLE", "pie")), lower)
    assert model.similarity_unseen_docs(["Apple", "Pie"], ["apple", "pie"]) == \
        pytest.approx(1.0)
    assert "no word in the vocabulary" not in caplog.text
    with pytest.raises(TypeError, match="the document at index 1: token 1 .* not str"):
        model.dv.infer_many([["pie"], ["pie", 7]])


def test_a_tagged_document_is_inferred_from_its_words():
    """dv.infer(TaggedDocument(words, tags)) failed: unhashable type: 'list'."""
    from collections import namedtuple

    TaggedDocument = namedtuple("TaggedDocument", "words tags")  # gensim's shape
    model = PVDBOW(dim=4, epochs=1, workers=1, sample=0, progress=False).fit(
        Documents([("a", "cat dog"), ("b", "dog cat")], min_count=1, cache=False,
                  progress=False))
    np.testing.assert_array_equal(model.dv.infer(TaggedDocument(["cat", "dog"], ["x"])),
                                  model.dv.infer(["cat", "dog"]))


def test_a_blank_line_is_an_empty_document_and_ids_are_line_numbers(tmp_path, caplog):
    """A blank line of a one-document-a-line file was no document, so the ids skipped
    its number and ``for i in range(len(dv)): dv[i]`` visited one document twice and the
    last never (an integer that is no id being a row); gensim's TaggedLineDocument gives
    it an empty document."""
    path = tmp_path / "blank2.txt"
    path.write_text("alpha beta gamma\n\nbeta gamma delta\ngamma delta alpha\n")
    model = PVDBOW(dim=4, epochs=1, workers=1, sample=0, progress=False).fit(
        Documents(path, min_count=1, cache=False, progress=False))
    assert model.dv.index_to_key == [0, 1, 2, 3]
    rows = [model.dv[i] for i in range(len(model.dv))]
    np.testing.assert_array_equal(rows, model.dv.vectors)  # each document once, in order
    assert not rows[1].any() and all(rows[i].any() for i in (0, 2, 3))
    assert "1 document(s) have no word in the vocabulary (or none at all): zero vectors " \
        "(ids: 1)" in caplog.text


def test_documents_without_words_get_zero_vectors(caplog):
    docs = Documents([("a", "cat cat dog"), ("b", "rare words"), ("c", "dog cat")],
                     min_count=2)
    model = PVDBOW(dim=4, epochs=1, workers=1, progress=False).fit(docs)
    assert not model.dv["b"].any() and model.dv["a"].any() and model.dv["c"].any()
    assert "1 document(s) have no word in the vocabulary" in caplog.text


def test_doc_vectors_answer_by_id(fitted, caplog):
    model, _ = fitted
    dv = model.dv
    assert len(dv) == 160 and "doc3" in dv and "doc999" not in dv and 999 not in dv
    np.testing.assert_array_equal(dv["doc3"], dv.matrix[dv.ids.index("doc3")])
    # an integer that is no id is a row number, as in gensim (range(len(dv)) loops work)
    assert 3 in dv and dv.get_index(3) == 3 and dv.get_index(np.int64(5)) == 5
    np.testing.assert_array_equal(dv[3], dv.matrix[3])
    assert dv.similarity(0, 1) == pytest.approx(dv.similarity(dv.ids[0], dv.ids[1]))
    assert dv.most_similar(0) == dv.most_similar(dv.ids[0])
    assert dv[["doc1", "doc2"]].shape == (2, 16)
    assert all(d != "doc3" for d, _ in dv.most_similar("doc3"))
    with pytest.raises(KeyError, match="document 'doc999' is not known"):
        dv["doc999"]
    numbered = Documents([(10, ["t0w0", "c1"]), (11, ["t1w0"])], min_count=1)
    small = PVDBOW(dim=4, epochs=1, sample=0, workers=1, progress=False).fit(numbered)
    np.testing.assert_array_equal(small.dv[10], small.dv["10"])  # an id before a row
    assert small.dv.ids == [10, 11]  # integers kept, as gensim keeps int tags
    # integer ids and a number that is none: it may mean either (dv[1]: id 11's row, and
    # dv[0] id 10's?), so it is refused, naming both readings, and is not "in" dv
    with pytest.raises(KeyError, match=r"1 is no document id, and ids are integers "
                       r".*row 1 holds document 11; say which you mean: dv.vectors\[1\] "
                       r"is the row, dv\[dv.ids\[1\]\] that document"):
        small.dv[np.int64(1)]
    assert 0 not in small.dv and small.dv.get_index(0, -1) == -1
    with pytest.raises(KeyError, match="0 is no document id"):
        small.dv.most_similar(0)
    assert small.dv.most_similar(10, topn=1)[0][0] == 11


def _int_tagged():
    """gensim's TaggedDocument(words, [i]) documents, ids 0..3 (rows too) and 7."""
    from collections import namedtuple

    TaggedDocument = namedtuple("TaggedDocument", "words tags")  # gensim's shape
    words = [["t0w0", "t0w1", "c0"], ["t1w0", "t1w1", "c1"], ["t0w1", "t0w2", "c0"],
             ["t1w1", "t1w2", "c1"], ["t0w0", "t0w2", "c1"]]
    return Documents([TaggedDocument(w * 3, [tag])
                      for w, tag in zip(words, [0, 1, 2, np.int64(3), 7], strict=True)],
                     min_count=1)


def test_integer_ids_come_back_as_integers_in_memory_and_through_save(tmp_path):
    model = PVDBOW(dim=4, epochs=2, sample=0, workers=1, progress=False).fit(_int_tagged())
    dv = model.dv
    assert dv.ids == [0, 1, 2, 3, 7] and all(type(i) is int for i in dv.ids)
    np.testing.assert_array_equal(dv[7], dv.matrix[4])  # an id before a row
    np.testing.assert_array_equal(dv[3], dv.matrix[3])  # id 3 is row 3, as in gensim
    np.testing.assert_array_equal(dv["7"], dv[7])  # the id's text finds it too
    assert "07" not in dv and 8 not in dv and "3" in dv
    with pytest.raises(ValueError, match="document id '7' is given twice"):
        DocVectors([7, "7"], np.zeros((2, 3)))  # unique as text: dv["7"] would be either
    answers = dv.most_similar(7, topn=4)
    assert {d for d, _ in answers} == {0, 1, 2, 3} and all(type(d) is int for d, _ in answers)
    assert dv.most_similar("7", topn=4) == answers
    some = dv.vectors_for_all(["7", 1, 7, "x"])  # one id however spelt, kept as it is
    assert type(some) is DocVectors and some.ids == [7, 1]
    np.testing.assert_array_equal(some.matrix, dv.matrix[[4, 1]])
    np.testing.assert_array_equal(some.infer(["t0w0", "c0"]), dv.infer(["t0w0", "c0"]))
    model.save(tmp_path / "m")
    assert json.loads((tmp_path / "m" / "config.json").read_text())["format"] == 3
    loaded = load_model(tmp_path / "m")
    assert loaded.dv.ids == dv.ids and all(type(i) is int for i in loaded.dv.ids)
    assert loaded.dv.most_similar(7, topn=4) == answers
    mixed = PVDBOW(dim=4, epochs=1, sample=0, workers=1, progress=False).fit(
        Documents([(5, "t0w0 c0"), ("5b", "t1w0 c1")], min_count=1))
    mixed.save(tmp_path / "mixed")
    assert load_model(tmp_path / "mixed").dv.ids == [5, "5b"]


def test_string_ids_and_older_models_keep_their_strings(tmp_path):
    model = PVDBOW(dim=4, epochs=1, sample=0, workers=1, progress=False).fit(
        Documents([("10", "t0w0 c0"), ("11", "t1w0 c1")], min_count=1))
    model.save(tmp_path / "m")
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    assert config["format"] == 2  # what older wordspaces read
    assert load_model(tmp_path / "m").dv.ids == ["10", "11"]
    # a model saved before integers were kept: its ids, all strings, as they were
    old = PVDBOW(dim=4, epochs=1, sample=0, workers=1, progress=False).fit(_int_tagged())
    old.save(tmp_path / "old")
    (tmp_path / "old" / "doc_ids.json").write_text('["0", "1", "2", "3", "7"]\n')
    config = json.loads((tmp_path / "old" / "config.json").read_text())
    (tmp_path / "old" / "config.json").write_text(json.dumps({**config, "format": 2}))
    loaded = load_model(tmp_path / "old")
    assert loaded.dv.ids == ["0", "1", "2", "3", "7"]
    np.testing.assert_array_equal(loaded.dv[7], loaded.dv["7"])  # found by number, as before
    (tmp_path / "old" / "doc_ids.json").write_text('["0", 0, "2", "3", "7"]\n')
    with pytest.raises(ValueError, match="document ids repeat"):
        load_model(tmp_path / "old")
    (tmp_path / "old" / "doc_ids.json").write_text('["0", true, 2.0, "3", "7"]\n')
    with pytest.raises(ValueError, match="expected a list of document ids"):
        load_model(tmp_path / "old")


def test_the_command_line_answers_and_exports_integer_ids(tmp_path, capsys):
    from wordspace.cli import main

    model = PVDBOW(dim=4, epochs=2, sample=0, workers=1, progress=False).fit(_int_tagged())
    model.save(tmp_path / "m")
    assert main(["similar", str(tmp_path / "m"), "7", "--doc", "--topn", "2"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert [int(d) for d, _ in rows] == [d for d, _ in model.dv.most_similar(7, topn=2)]
    assert main(["export", str(tmp_path / "m"), "--docs", "-o", str(tmp_path / "d.txt")]) == 0
    exported = Vectors.load_word2vec_format(tmp_path / "d.txt")
    assert exported.words == ["0", "1", "2", "3", "7"]  # a word2vec file holds text


def test_similarity_unseen_docs_is_the_cosine_of_inferred_vectors(fitted):
    model, _ = fitted
    rng = np.random.default_rng(5)
    a, b, c = topic_document(rng, 0), topic_document(rng, 0), topic_document(rng, 2)
    same, other = (model.similarity_unseen_docs(a, b), model.similarity_unseen_docs(a, c))
    assert same > other + 0.3  # planted topics: a and b share one, c has another
    x, y = model.infer_vector(a, epochs=4), model.infer_vector(c, epochs=4)
    assert model.similarity_unseen_docs(a, c, epochs=4) == pytest.approx(
        float(x @ y / np.linalg.norm(x) / np.linalg.norm(y)), rel=1e-5)
    assert model.similarity_unseen_docs(a, ["zebra"]) == 0.0  # no known word: 0, as gensim
    x, y = (model.infer_vector(d, min_alpha=0.001) for d in (a, c))
    assert model.similarity_unseen_docs(a, c, min_alpha=0.001) == pytest.approx(
        float(x @ y / np.linalg.norm(x) / np.linalg.norm(y)), rel=1e-5)


@pytest.mark.parametrize("mmap", [False, True])
def test_save_load_round_trip(tmp_path, fitted, mmap):
    model, _ = fitted
    model.save(tmp_path / "m")
    loaded = load_model(tmp_path / "m", mmap=mmap)
    assert isinstance(loaded, PVDBOW) and loaded.get_params() == model.get_params()
    assert loaded.dv.ids == model.dv.ids
    np.testing.assert_array_equal(loaded.dv.matrix, model.dv.matrix)
    tokens = ["t2w1", "t2w3", "c0", "t2w5"]
    np.testing.assert_array_equal(loaded.dv.infer(tokens), model.dv.infer(tokens))
    assert isinstance(loaded.output_vectors_, np.memmap) == mmap  # inference reads in place
    if model.train_words:
        np.testing.assert_array_equal(loaded.vectors.matrix, model.vectors.matrix)
    else:
        with pytest.raises(AttributeError, match="train_words=True"):
            loaded.vectors  # noqa: B018


def test_one_worker_and_a_seed_reproduce_the_vectors(planted):
    docs, _ = planted
    runs = [PVDBOW(dim=8, epochs=2, workers=1, seed=s, progress=False).fit(docs).dv.matrix
            for s in (5, 5, 6)]
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.allclose(runs[0], runs[2])


def test_the_driver_checks_the_sentence_context(planted):
    from wordspace.train import train

    docs, _ = planted
    inputs = np.random.default_rng(0).normal(size=(160, 4)).astype(np.float32)
    params = VectorParams(inputs.copy(), np.zeros((len(docs.vocab), 4), np.float32))
    walk = dict(window=0, negative=2, sample=0, ns_exponent=0.75, epochs=1, alpha=0.01,
                min_alpha=0.001, workers=1, seed=1, progress=False)
    for context in (np.zeros(3, np.int32), np.full(len(docs), 160, np.int32)):
        with pytest.raises(ValueError, match="one input row \\(0..159\\) for each of"):
            train(docs, NegativeSamplingLoss(), params, layout=Layout(),
                  sentence_context=context, **walk)
    train(docs, NegativeSamplingLoss(), params, layout=Layout(),
          sentence_context=np.asarray(docs.doc_of_sentence, np.int32), **walk)
    assert params.outputs.any() and not np.allclose(params.inputs, inputs)  # it trained


def test_bad_parameters_and_inputs():
    with pytest.raises(TypeError, match="train_words must be True or False"):
        PVDBOW(train_words="yes").fit(object())
    with pytest.raises(AttributeError, match="not trained yet"):
        PVDBOW().vectors  # noqa: B018
    with pytest.raises(ValueError, match="dim must be"):
        PVDBOW(dim=0).fit(object())
    with pytest.raises(ValueError, match="window must be"):
        PVDBOW(window=0).fit(object())
    sentences = [["a", "b"], ["b", "c"]]
    with pytest.raises(TypeError, match="PVDBOW trains on Documents, not a Corpus"):
        PVDBOW(progress=False).fit(Corpus(sentences, min_count=1))
    pairs = [("x", ["a", "b"] * 5), ("y", "b c " * 5)]  # converted with Documents' defaults
    model = PVDBOW(dim=4, epochs=1, progress=False).fit(pairs)
    assert model.dv.ids == ["x", "y"] and sorted(model.vocab_.words) == ["a", "b", "c"]


def test_a_documents_only_model_says_it_has_no_word_vectors(tmp_path, planted, capsys):
    from wordspace.cli import main
    from wordspace.evaluate import scorers

    model = PVDBOW(dim=4, train_words=False, epochs=1, progress=False).fit(planted[0])
    with pytest.raises(ValueError, match="has no word vectors to evaluate"):
        scorers(model)
    model.save(tmp_path / "m")
    assert main(["similar", str(tmp_path / "m"), "t0w1"]) == 2
    assert "which has no word vectors" in capsys.readouterr().err


@pytest.mark.parametrize("cls", [PVDBOW, PVDM])
def test_a_single_document_is_warned_about(cls, tmp_path, caplog):
    """text8 (one line) read as documents is one document, whose vector learns nothing:
    said, where it trained silently."""
    import logging

    one = tmp_path / "one-line.txt"
    one.write_text(" ".join(["a", "b", "c", "d"] * 200) + "\n")
    with caplog.at_level(logging.WARNING, logger="wordspace.models.pvdbow"):
        model = cls(dim=4, epochs=1, workers=1, progress=False).fit(
            Documents(one, min_count=1, progress=False))
    assert len(model.dv) == 1 and "holds one document" in caplog.text
    caplog.clear()
    two = tmp_path / "two-lines.txt"
    two.write_text("a b c d " * 100 + "\n" + "d c b a " * 100 + "\n")
    with caplog.at_level(logging.WARNING, logger="wordspace.models.pvdbow"):
        cls(dim=4, epochs=1, workers=1, progress=False).fit(
            Documents(two, min_count=1, progress=False))
    assert "holds one document" not in caplog.text
