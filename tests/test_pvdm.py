"""PV-DM: the update of one job, planted topics recovered, inference against frozen
words, persistence, the command line, errors."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import (
    N_TOPICS,
    document_job,
    neighbour_purity,
    numeric_gradient,
    planted_documents,
    topic_document,
    write_documents,
)
from wordspace import PVDBOW, PVDM, Documents, load_model
from wordspace.cli import main
from wordspace.engine.params import VectorParams
from wordspace.losses import NegativeSamplingLoss


@pytest.fixture(scope="module")
def planted():
    docs, topics = planted_documents()
    return Documents(docs, min_count=1), topics


@pytest.fixture(scope="module")
def fitted(planted):
    docs, topics = planted
    # sample=0: in a 38-word vocabulary every word is "frequent" and would be subsampled
    model = PVDM(dim=16, sample=0, epochs=15, alpha=0.05, workers=1, seed=3,
                 progress=False).fit(docs)
    return model, topics


def test_one_job_is_the_step_of_the_pv_dm_loss_example_after_example():
    """Each centre word is predicted by the mean ``h`` of its window's word rows and its
    document's row (input row 6), one bag; each example's step moves the outputs by
    -lr dL/du exactly and every row of the bag by -lr dL/dh (its bag size times its own
    gradient), as word2vec.c's CBOW and gensim's PV-DM do."""
    n_words, negative, lr = 6, 2, 0.05
    tokens = [0, 3, 1, 5, 2, 3]
    n = len(tokens)
    inputs, outputs, ex = document_job(PVDM()._layout(), tokens, n_words)
    rng = np.random.default_rng(1)
    for e in range(n):  # distinct negatives: the fused one-bag pass steps a repeated
        # negative from the value its first draw left, which this reference does not model
        ex.negatives[e] = rng.choice([k for k in range(n_words) if k != ex.centres[e]],
                                     negative, replace=False)
    assert ex.n_examples == ex.n_bags == n
    assert all(ex.contexts(e)[-1] == n_words and len(ex.contexts(e)) >= 2 for e in range(n))

    p_in, p_out = inputs.astype(np.float64), outputs.astype(np.float64)
    for e in range(n):  # the reference: steps example after example, in float64
        w, bag = ex.centres[e], ex.contexts(e)
        negs = [k for k in ex.negatives[e] if k != w]

        def loss(w=w, bag=bag, negs=negs):
            h = p_in[bag].mean(axis=0)
            return np.logaddexp(0, -(p_out[w] @ h)) + sum(np.logaddexp(0, p_out[k] @ h)
                                                          for k in negs)

        g_in, g_out = numeric_gradient(loss, [p_in, p_out])
        p_in[:] -= lr * len(bag) * g_in  # in place: the reference loss reads these arrays
        p_out[:] -= lr * g_out
    loss = NegativeSamplingLoss()
    params = VectorParams(inputs, outputs)
    loss.update(params, ex, lr, loss.scratch(params, negative, 1))
    np.testing.assert_allclose(inputs, p_in, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(outputs, p_out, rtol=1e-4, atol=1e-5)


def test_documents_of_a_topic_are_each_others_neighbours(fitted):
    model, topics = fitted
    assert neighbour_purity(model, topics) > 0.9  # chance: about 0.25


def test_words_of_a_topic_are_each_others_neighbours(fitted):
    model, _ = fitted
    hits = [other.split("w")[0] == word.split("w")[0]
            for word in model.vectors.index_to_key if word.startswith("t")
            for other, _ in model.vectors.most_similar(word, topn=3)]
    assert np.mean(hits) > 0.9  # chance: about 0.2 (the common words c0..c5 are no topic's)


def test_inference_places_new_documents_among_their_topic(fitted):
    model, topics = fitted
    rng = np.random.default_rng(99)
    new_topics = np.arange(N_TOPICS).repeat(5)
    inferred = model.dv.infer_many([topic_document(rng, t) for t in new_topics])
    votes = (inferred @ model.dv.unit.T).argsort(axis=1)[:, -5:]
    assert np.mean(topics[votes] == new_topics[:, None]) > 0.9


def test_inference_fits_the_document_row_alone(fitted):
    """Inference freezes the words: their rows, and every output row, are as trained
    afterwards, and the same call gives the same vector however many documents or
    threads share it."""
    model, _ = fitted
    before = model.input_vectors_.copy(), model.output_vectors_.copy()
    rng = np.random.default_rng(1)
    a, b = topic_document(rng, 0), topic_document(rng, 1)
    first = model.dv.infer(a, seed=7)
    np.testing.assert_array_equal(model.dv.infer(a, seed=7), first)
    batch = model.dv.infer_many([b, a, b], seed=7, workers=2)
    np.testing.assert_array_equal(batch[1], first)
    np.testing.assert_array_equal(batch[0], batch[2])
    np.testing.assert_array_equal(model.input_vectors_, before[0])
    np.testing.assert_array_equal(model.output_vectors_, before[1])


def test_the_words_of_a_new_document_shape_its_vector_through_the_window(fitted):
    """The word rows are inputs beside the document's: with them zeroed (what an
    inference that ignored them would see), the same document gets another vector."""
    model, _ = fitted
    doc = topic_document(np.random.default_rng(2), 1)
    inferred = model.dv.infer(doc, seed=4)
    blank = _twin(model)
    blank.input_vectors_[:len(blank.vocab_)] = 0.0
    assert not np.allclose(blank.dv.infer(doc, seed=4), inferred, atol=1e-3)


def _twin(model):
    import copy

    twin = copy.deepcopy(model)
    twin._restored()  # views onto the copy's own arrays
    return twin


def test_retraining_documents_infer_back_to_their_own_vectors(fitted):
    model, _ = fitted
    docs = [doc for _, doc in planted_documents()[0][:40]]
    inferred = model.dv.infer_many(docs)
    nearest = (inferred @ model.dv.unit.T).argmax(axis=1)
    # a topic's documents are draws from one distribution, told apart by chance alone
    assert np.mean(nearest == np.arange(40)) > 0.3  # chance: 1 in 160


@pytest.mark.parametrize("mmap", [False, True])
def test_save_load_round_trip(tmp_path, fitted, mmap):
    model, _ = fitted
    model.save(tmp_path / "m")
    loaded = load_model(tmp_path / "m", mmap=mmap)
    assert type(loaded) is PVDM and loaded.get_params() == model.get_params()
    np.testing.assert_array_equal(loaded.dv.matrix, model.dv.matrix)
    np.testing.assert_array_equal(loaded.vectors.matrix, model.vectors.matrix)
    doc = topic_document(np.random.default_rng(5), 2)
    np.testing.assert_array_equal(loaded.dv.infer(doc), model.dv.infer(doc))


def test_one_worker_and_a_seed_reproduce_the_vectors(planted):
    docs, _ = planted
    runs = [PVDM(dim=8, sample=0, epochs=2, workers=1, seed=seed, progress=False).fit(docs)
            for seed in (5, 5, 6)]
    np.testing.assert_array_equal(runs[0].input_vectors_, runs[1].input_vectors_)
    assert not np.array_equal(runs[0].input_vectors_, runs[2].input_vectors_)


def test_pv_dm_is_not_pv_dbow(planted):
    """The same documents and seed through PV-DBOW's layout train other vectors: PV-DM's
    windows are one bag, the document's row inside it."""
    docs, _ = planted
    settings = dict(dim=8, sample=0, epochs=1, workers=1, seed=5, progress=False)
    dm = PVDM(**settings).fit(docs)
    dbow = PVDBOW(**settings).fit(docs)
    assert dm.report_.pairs == dbow.report_.pairs  # the same windows, cut otherwise
    assert not np.allclose(dm.dv.matrix, dbow.dv.matrix)


def test_bad_parameters_are_refused_before_reading(planted):
    docs, _ = planted
    with pytest.raises(ValueError, match="window must be"):
        PVDM(window=0).fit(docs)
    with pytest.raises(TypeError, match="train_words"):
        PVDM(train_words=False)
    with pytest.raises(TypeError, match="PVDM cannot continue training"):
        PVDM(dim=8, epochs=1, sample=0, progress=False).fit(docs).fit(docs, update=True)


def test_the_command_line_trains_queries_and_infers(tmp_path, capsys):
    docs, topics = planted_documents(n_per_topic=20)
    corpus = write_documents(tmp_path / "docs.jsonl", docs)
    out = tmp_path / "dm"
    assert main(["train", str(corpus), "-o", str(out), "--model", "pv-dm", "--dim", "8",
                 "--epochs", "15", "--alpha", "0.05", "--sample", "0", "--min-count", "1",
                 "--workers", "1", "--quiet"]) == 0
    assert isinstance(load_model(out), PVDM)
    capsys.readouterr()
    assert main(["similar", str(out), "doc0", "--doc", "--topn", "3"]) == 0
    found = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert len(found) == 3 and np.mean([topics[int(d[3:])] == topics[0] for d in found]) > 0.6
    topic_words = " ".join(f"t{topics[0]}w{j}" for j in range(8))
    assert main(["infer", str(out), topic_words, "--topn", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == topic_words
    assert np.mean([topics[int(line.split()[0][3:])] == topics[0] for line in lines[1:4]]) > 0.6
    assert main(["train", str(corpus), "-o", str(tmp_path / "x"), "--model", "pv-dm",
                 "--no-words"]) == 2
    assert "--no-words" in capsys.readouterr().err


def test_inferring_a_document_does_not_copy_the_vocabulary():
    """Inference gathers the rows of the document's own words, not a copy of every word
    row beside the new one: what one short document costs does not grow with the
    vocabulary (a copy of a 3 M-word, 300-d vocabulary is 3.6 GB per call)."""
    import tracemalloc

    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(20_000)]
    docs = [(str(i), list(rng.choice(words, 40))) for i in range(1_000)]
    model = PVDM(dim=64, epochs=1, sample=0, workers=1, progress=False).fit(
        Documents(docs, min_count=1))
    assert model.vectors.matrix.nbytes > 4_000_000
    model.dv.infer(docs[0][1][:5], epochs=1)  # compiled and warm
    tracemalloc.start()
    model.dv.infer(docs[0][1][:5], epochs=1)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < model.vectors.matrix.nbytes / 8, peak


@pytest.mark.parametrize("cls", [PVDBOW, PVDM])
def test_inference_tables_are_kept_between_calls_and_follow_a_refit(cls):
    """The subsampling and noise tables inference draws from are built once per trained
    vocabulary: a refit on other documents infers as a fresh model does, and a pickle
    does not carry them."""
    import pickle

    settings = dict(dim=8, epochs=2, sample=0, workers=1, seed=2, progress=False)
    first = Documents(planted_documents(n_per_topic=10, seed=1)[0], min_count=1)
    second = Documents([(i, doc + ["extra", f"only{i}"]) for i, doc in
                        planted_documents(n_per_topic=12, seed=2)[0]], min_count=1)
    doc = topic_document(np.random.default_rng(3), 2) + ["extra"]
    model = cls(**settings).fit(first)
    model.dv.infer(doc)
    assert model._inference_setup()[0] is model._inference_setup()[0]  # kept
    assert "_inference_tables" not in pickle.loads(pickle.dumps(model)).__dict__
    model.fit(second)
    fresh = cls(**settings).fit(second)
    np.testing.assert_array_equal(model.dv.infer(doc), fresh.dv.infer(doc))


@pytest.mark.parametrize("cls", [PVDBOW, PVDM])
def test_a_refit_on_the_same_documents_with_other_walk_settings_infers_as_a_fresh_model(
        cls):
    """A refit on the same Documents keeps the very vocabulary object, so the tables
    kept for inference must also follow the trained negative, sample and ns_exponent
    (what the cache's key holds beside the vocabulary)."""
    docs = Documents(planted_documents(n_per_topic=10, seed=1)[0], min_count=1)
    settings = dict(dim=8, epochs=2, workers=1, seed=2, progress=False)
    walk = dict(negative=12, ns_exponent=0.0, sample=1e-2)
    doc = topic_document(np.random.default_rng(3), 2)
    model = cls(sample=0, **settings).fit(docs)
    vocab = model.vocab_
    model.dv.infer(doc)
    model.set_params(**walk).fit(docs)
    assert model.vocab_ is vocab  # what makes the walk settings the key's to tell
    fresh = cls(**walk, **settings).fit(docs)
    np.testing.assert_array_equal(model.dv.infer(doc), fresh.dv.infer(doc))


@pytest.mark.parametrize("cls", [PVDBOW, PVDM])
def test_inference_reads_unknown_words_as_the_collection_did(cls):
    """With ``unk=True`` training saw a rare word as ``<unk>``, in its place in the
    windows: inference does the same (without it, unknown words are left out)."""
    docs, _ = planted_documents(n_per_topic=10)
    docs = [(i, doc + [f"rare{i}"]) for i, doc in docs]  # each seen once: below min_count
    settings = dict(dim=8, epochs=2, sample=0, workers=1, seed=2, progress=False)
    model = cls(**settings).fit(Documents(docs, min_count=2, unk=True))
    assert model.vocab_.unk
    np.testing.assert_array_equal(model.dv.infer(["t0w1", "neverseen", "t0w2"]),
                                  model.dv.infer(["t0w1", "<unk>", "t0w2"]))
    assert not np.allclose(model.dv.infer(["t0w1", "neverseen", "t0w2"]),
                           model.dv.infer(["t0w1", "t0w2"]))
    plain = cls(**settings).fit(Documents(docs, min_count=2))
    np.testing.assert_array_equal(plain.dv.infer(["t0w1", "neverseen", "t0w2"]),
                                  plain.dv.infer(["t0w1", "t0w2"]))
