"""Model persistence: save/load round trips and atomic writes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from wordspace import Corpus, SkipGram, Vectors, load_model
from wordspace.train import TrainingDiverged


@pytest.fixture
def model(planted):
    sentences, _ = planted
    return SkipGram(dim=8, epochs=1, workers=1, progress=False).fit(Corpus(sentences, min_count=1))


def test_save_load_round_trip(tmp_path, model):
    model.save(tmp_path / "m")
    back = SkipGram.load(tmp_path / "m")
    assert back.get_params() == model.get_params()
    assert back.vocab_.words == model.vocab_.words
    np.testing.assert_array_equal(back.input_vectors_, model.input_vectors_)
    np.testing.assert_array_equal(back.output_vectors_, model.output_vectors_)
    assert back.vectors.most_similar("g0w0", topn=3) == model.vectors.most_similar("g0w0", topn=3)
    mapped = load_model(tmp_path / "m", mmap=True)
    assert isinstance(mapped.input_vectors_, np.memmap)


def test_a_failed_save_leaves_the_previous_model_intact(tmp_path, model, monkeypatch):
    model.save(tmp_path / "m")
    before = sorted(p.name for p in (tmp_path / "m").iterdir())

    def explode(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "save", explode)
    with pytest.raises(OSError, match="disk full"):
        model.save(tmp_path / "m")
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == before
    assert [p.name for p in tmp_path.iterdir()] == ["m"]  # no temporary left behind
    np.testing.assert_array_equal(SkipGram.load(tmp_path / "m").input_vectors_,
                                  model.input_vectors_)


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "two-renames"])
def test_a_failed_swap_restores_the_previous_model(tmp_path, model, monkeypatch, exchange):
    import os

    from wordspace import _io

    if not exchange:  # a platform without an atomic exchange: old aside, new in place
        monkeypatch.setattr(_io, "_exchange", lambda a, b: False)
    model.save(tmp_path / "m")
    real_replace = os.replace

    for failing in ("aside", "into place"):
        def replace(src, dst, failing=failing):
            src, dst = Path(src), Path(dst)
            moving_aside = src == tmp_path / "m"
            into_place = dst == tmp_path / "m" and src.parent == tmp_path
            if (failing == "aside" and moving_aside) or (failing == "into place"
                                                         and into_place):
                raise OSError("rename failed")
            return real_replace(src, dst)

        monkeypatch.setattr(os, "replace", replace)
        if exchange:  # the exchange is one step: nothing to interrupt, the save succeeds
            model.save(tmp_path / "m")
        else:
            with pytest.raises(OSError, match="rename failed"):
                model.save(tmp_path / "m")
        monkeypatch.setattr(os, "replace", real_replace)
        assert [p.name for p in tmp_path.iterdir()] == ["m"], failing
        np.testing.assert_array_equal(SkipGram.load(tmp_path / "m").input_vectors_,
                                      model.input_vectors_)


def test_an_interrupted_fit_leaves_the_model_unfitted(planted, monkeypatch):
    import wordspace.models.base as base

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(base, "train", interrupted)
    model = SkipGram(dim=4, progress=False)
    with pytest.raises(KeyboardInterrupt):
        model.fit(Corpus(planted[0], min_count=1))
    assert not model.is_fitted


def test_unfitted_model_and_wrong_class(tmp_path, model):
    with pytest.raises(RuntimeError, match="not trained yet"):
        SkipGram().save(tmp_path / "x")
    model.save(tmp_path / "m")
    cfg = tmp_path / "m" / "config.json"
    cfg.write_text(cfg.read_text().replace('"SkipGram"', '"GaussianSkipGram"'))
    with pytest.raises(ValueError, match="holds a GaussianSkipGram, not a SkipGram"):
        SkipGram.load(tmp_path / "m")


def test_scikit_learn_conventions():
    from sklearn.base import clone

    from wordspace.models import MODELS

    for cls in MODELS.values():
        with pytest.raises(TypeError):  # parameters are keyword-only
            cls(64)
        model = cls(dim=7)  # stored as given, not checked (fit checks)
        assert model.set_params(dim=0) is model and model.get_params()["dim"] == 0
        with pytest.raises(ValueError, match="dim must be"):
            model.fit(object())  # refused before the (non-)corpus is touched
        copy = clone(cls(dim=9, seed=3))
        assert type(copy) is cls and copy.get_params() == cls(dim=9, seed=3).get_params()
        with pytest.raises(ValueError, match="'dimension' is not a parameter of .* dim"):
            model.set_params(dimension=5)



def test_a_model_says_what_it_is_and_what_it_lacks(planted, tmp_path):
    from wordspace import load_model

    model = SkipGram(dim=8, epochs=1, sample=0, workers=1, progress=False)
    for name in ("vectors", "wv", "input_vectors_"):
        with pytest.raises(AttributeError, match="not trained yet.*call fit"):
            getattr(model, name)
    from wordspace.models import MODELS

    for cls in MODELS.values():  # hasattr() answers, whatever the model
        assert not hasattr(cls(), "vectors") and not hasattr(cls(), "wv"), cls.__name__
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        model.nonsense  # noqa: B018 - the error is the point
    corpus = Corpus(planted[0], min_count=1)
    model.fit(corpus)
    assert repr(model) == (f"SkipGram(dim=8, sample=0, epochs=1, workers=1, progress=False) "
                           f"fitted on {corpus.n_tokens:,} corpus words × 1 epoch, "
                           f"{len(corpus.vocab)}-word vocabulary")
    model.save(tmp_path / "m")
    loaded = load_model(tmp_path / "m")
    assert loaded.report_ == model.report_  # restored from training.json
    assert repr(loaded) == repr(model)
    (tmp_path / "m" / "training.json").write_text("{not json")
    assert not hasattr(load_model(tmp_path / "m"), "report_")  # a warning, not a failure


def test_fit_starts_from_pretrained_vectors_for_the_words_they_hold(planted, tmp_path):
    from wordspace import GaussianSkipGram, Vectors

    corpus = Corpus(planted[0], min_count=1)
    words = corpus.vocab.words
    rng = np.random.default_rng(0)
    pretrained = Vectors(words[:10] + ["absent"], rng.normal(size=(11, 8)).astype(np.float32))
    settings = dict(dim=8, epochs=1, sample=0, workers=1, seed=3, alpha=1e-7, progress=False)
    plain = SkipGram(**settings).fit(corpus)
    started = SkipGram(**settings).fit(corpus, init=pretrained)
    np.testing.assert_allclose(started.input_vectors_[:10], pretrained.matrix[:10], atol=1e-4)
    np.testing.assert_allclose(started.input_vectors_[10:], plain.input_vectors_[10:],
                               atol=1e-4)  # the others as without init
    assert not np.allclose(plain.input_vectors_[:10], pretrained.matrix[:10], atol=1e-2)
    pretrained.save_word2vec_format(tmp_path / "v.txt")  # a file works as well
    from_file = SkipGram(**settings).fit(corpus, init=tmp_path / "v.txt")
    np.testing.assert_allclose(from_file.input_vectors_, started.input_vectors_, atol=1e-6)
    # checked before any corpus is read: the missing corpus is never reached
    with pytest.raises(ValueError, match=r"have 8 dimensions and this SkipGram has dim=16: "
                                         r"set dim=8 \(--dim 8\)"):
        SkipGram(dim=16).fit(tmp_path / "no-such-corpus.txt", init=pretrained)
    with pytest.raises(TypeError, match="GaussianSkipGram cannot start from pretrained"):
        GaussianSkipGram(dim=8).fit(tmp_path / "no-such-corpus.txt", init=pretrained)
    with pytest.raises(ValueError, match="hold no word of the corpus"):
        SkipGram(**settings).fit(corpus, init=Vectors(["zzz"], np.ones((1, 8), np.float32)))
    # a NaN, or a vector too long for float32 dot products, can only diverge: refused
    # before reading, naming the word, not reported as a learning rate too high
    bad = pretrained.matrix.copy()
    bad[4, 2] = np.nan
    with pytest.raises(ValueError, match=rf"the vector of '{words[4]}' \(row 4\) holds a "
                                         r"non-finite value \(NaN or inf\)"):
        SkipGram(dim=8).fit(tmp_path / "no-such-corpus.txt",
                            init=Vectors(pretrained.words, bad))
    # long but finite: training may still diverge, and the error names both causes
    long = pretrained.matrix.copy()
    long[0] = 1e4
    with pytest.raises(TrainingDiverged, match=rf"lower alpha .*; or the pretrained vectors "
                                               rf"are too long to start from \(the longest, "
                                               rf"of '{words[0]}', is 2.83e\+04 long\)"):
        SkipGram(**{**settings, "alpha": 0.025}).fit(corpus, init=Vectors(pretrained.words,
                                                                          long))


def test_update_continues_training_on_more_text_with_new_words(tmp_path, monkeypatch):
    from conftest import planted_sentences

    first, groups = planted_sentences(n_groups=2, n_sentences=800, seed=1)
    more, _ = planted_sentences(n_groups=4, n_sentences=1500, seed=2)
    more = [s for s in more if not any(w.startswith("g1") for w in s)]  # g1 words: none
    settings = dict(dim=12, window=3, epochs=4, sample=0, workers=1, seed=1, alpha=0.05,
                    progress=False)
    SkipGram(**settings).fit(Corpus(first, min_count=1)).save(tmp_path / "m")
    model = load_model(tmp_path / "m", mmap=True)  # read-only arrays: grown into new ones
    old_words, old_counts = list(model.vocab_.words), model.vocab_.counts.copy()
    old_inputs = np.array(model.input_vectors_)
    extra = Corpus(more, min_count=1)
    model.fit(extra, update=True)
    words = model.vocab_.words
    assert words[:len(old_words)] == old_words  # old indices kept, new words appended
    assert sorted(words[len(old_words):]) == sorted(set(extra.vocab.words) - set(old_words))
    for w in ("g0w0", "g1w0", "g2w0"):
        expected = (old_counts[old_words.index(w)] if w in old_words else 0) + (
            extra.vocab.counts[extra.vocab.words.index(w)] if w in extra.vocab.words else 0)
        assert model.vocab_.counts[words.index(w)] == expected
    g1 = [old_words.index(w) for w in old_words if w.startswith("g1")]
    np.testing.assert_array_equal(model.input_vectors_[g1], old_inputs[g1])  # not in the text
    g0 = [old_words.index(w) for w in old_words if w.startswith("g0")]
    assert not np.array_equal(model.input_vectors_[g0], old_inputs[g0])  # trained further
    group_of = {w: int(w[1]) for w in words}
    new = [w for w in words if group_of[w] >= 2]
    hits = [group_of[n] == group_of[w] for w in new
            for n, _ in model.vectors.most_similar(w, topn=4)]
    assert np.mean(hits) > 0.9  # the new words learned their groups
    # a failed update leaves the model as it was
    before = (list(model.vocab_.words), model.input_vectors_)
    import wordspace.models.base as base

    monkeypatch.setattr(base, "train", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("x")))
    with pytest.raises(RuntimeError):
        model.fit(Corpus([["brand", "new", "words"]] * 20, min_count=1), update=True)
    assert model.vocab_.words == before[0] and model.input_vectors_ is before[1]
    assert "brand" not in model.vectors
    with pytest.raises(ValueError, match="update=True continues training a trained"):
        SkipGram().fit(extra, update=True)
    assert model.tokenization_ == {"lowercase": False, "token_pattern": None}  # loaded
    with pytest.raises(ValueError, match=r"learnt from text read with lowercase=False.*"
                                         r"read with lowercase=True"):
        model.fit(Corpus(more, min_count=1, lowercase=True), update=True)
    assert model.vocab_.words == before[0]
    with pytest.raises(ValueError, match="give one of them"):
        model.fit(tmp_path / "never-read.txt", update=True, init=model.vectors)


@pytest.mark.parametrize("model, instead", [
    ("PPMISVD", "fit a new PPMISVD on the old and new text together"),
    ("PVDBOW", r"model\.dv\.infer\(tokens\)"),
    ("PVDM", r"model\.dv\.infer\(tokens\)"),
])
def test_models_that_cannot_continue_training_say_what_to_do_before_any_work(
        model, instead, tmp_path):
    import wordspace

    cls = getattr(wordspace, model)
    with pytest.raises(TypeError, match=rf"{model} cannot continue training on more text "
                                        rf"\(update=True\): .*{instead}"):
        cls().fit(tmp_path / "never-read.txt", update=True)  # the corpus is never read


def test_a_fitted_model_stays_as_trained_after_set_params(planted, tmp_path):
    """scikit-learn's rule: parameters set after fit apply to the next fit; saving writes
    the model as trained (a shape parameter changed would write an unloadable or
    different model), and an update refuses changed shape parameters before reading."""
    from wordspace import PPMISVD, PVDBOW, PVDM, Documents, FastText, GaussianSkipGram

    sentences = planted[0][:300]
    corpus = Corpus(sentences, min_count=1)
    docs = Documents([(str(i), s) for i, s in enumerate(sentences)], min_count=1)
    small = dict(dim=8, epochs=1, sample=0, workers=1, progress=False)
    cases = [  # model, its training data, parameters changed after fit, a word to ask
        (SkipGram(**small), corpus, dict(dim=16, epochs=3), "g0w0"),
        (FastText(bucket=500, **small), corpus, dict(min_n=2, max_n=4), "g0w0zz"),
        (GaussianSkipGram(**small), corpus, dict(tied=False, energy="el"), "g0w0"),
        (PVDBOW(**small), docs, dict(train_words=False), "g0w0"),
        (PVDM(**small), docs, dict(window=2), "g0w0"),
        (PPMISVD(dim=4, sample=0, progress=False), corpus, dict(add_contexts=False), "g0w0"),
    ]
    for i, (model, data, change, word) in enumerate(cases):
        model.fit(data)
        before = model.get_params()
        vector = model.wv[word].copy()
        model.set_params(**change)
        model.save(tmp_path / str(i))
        loaded = load_model(tmp_path / str(i))
        assert loaded.get_params() == before, type(model).__name__
        np.testing.assert_allclose(loaded.wv[word], vector, rtol=1e-6)
        assert model.get_params() == {**before, **change}  # still set for the next fit
    skipgram, fasttext, gaussian = (case[0] for case in cases[:3])
    for model, changed in ((skipgram, "dim=8, .* now say dim=16"),
                           (fasttext, "min_n=3, max_n=6, .* now say min_n=2, max_n=4"),
                           (gaussian, "tied=True, .* now say tied=False")):
        with pytest.raises(ValueError, match=f"continues the trained arrays, made with "
                                             f"{changed}"):
            model.fit(tmp_path / "no-such-corpus.txt", update=True)  # before reading
    fasttext.save_facebook_model(tmp_path / "ft.bin")
    read = FastText.load_facebook_model(tmp_path / "ft.bin")
    assert (read.min_n, read.max_n) == (3, 6)
    np.testing.assert_allclose(read.wv["g0w0zz"], cases[1][0].wv["g0w0zz"], atol=1e-6)


def test_numpy_parameters_clone_and_train_as_plain_ones(planted):
    """A parameter grid's NumPy scalars: seed=np.int64(1) crashed every fit (an
    OverflowError in the seed's mixing) and dim=np.int64(8) trained float64 arrays;
    clone() refused any dict parameter, as get_params copied it."""
    from sklearn.base import clone

    corpus = Corpus(planted[0][:300], min_count=1)
    small = dict(epochs=1, sample=0, workers=1, progress=False)
    plain = SkipGram(dim=8, seed=1, **small).fit(corpus)
    grid = SkipGram(dim=np.int64(8), seed=np.int64(1), **small).fit(corpus)
    assert grid.input_vectors_.dtype == np.float32
    np.testing.assert_array_equal(grid.input_vectors_, plain.input_vectors_)
    options = {"concurrent_chunks": 4}
    model = SkipGram(device_options=options)
    assert model.get_params()["device_options"] is options  # what was set, as sklearn asks
    assert clone(model).get_params()["device_options"] == options
    assert clone(SkipGram(device_options={})).device_options == {}


def test_a_save_during_a_refit_writes_the_parameters_being_trained(planted, tmp_path):
    """A callback's save() in a second fit, after set_params, wrote the first fit's
    parameters beside the new arrays (an unloadable model: dim 8 for 12-wide arrays);
    and a deep copy taken in a callback held the callbacks (each snapshot all earlier
    ones)."""
    import copy
    import pickle

    from wordspace.engine.callbacks import Callback

    corpus = Corpus(planted[0][:300], min_count=1)
    snapshots = []

    class Snapshot(Callback):
        def on_epoch_end(self, model, report):
            model.save(tmp_path / f"epoch-{len(snapshots)}")
            snapshots.append(copy.deepcopy(model))

    model = SkipGram(dim=8, epochs=2, sample=0, workers=1, progress=False).fit(corpus)
    model.set_params(dim=12)
    model.fit(corpus, callbacks=[Snapshot()])
    for i in range(2):
        saved = load_model(tmp_path / f"epoch-{i}")
        assert saved.dim == 12 and saved.input_vectors_.shape[1] == 12
        assert "_run" not in snapshots[i].__dict__
    assert len(pickle.dumps(snapshots[1])) < 1.5 * len(pickle.dumps(snapshots[0]))
    assert model.vector_size == 12
    model.set_params(dim=20)
    assert model.vector_size == 12  # the trained one, until the next fit


@pytest.mark.parametrize("make,name", [
    (lambda v: SkipGram(hs=v, negative=0 if v is not False and v == 1 else 5), "hs"),
    (lambda v: SkipGram(shrink_windows=v), "shrink_windows"),
    (lambda v: __import__("wordspace").CBOW(cbow_mean=v), "cbow_mean"),
    (lambda v: __import__("wordspace").PVDM(dm_mean=v), "dm_mean"),
    (lambda v: __import__("wordspace").FastText(cbow=v), "cbow"),
    (lambda v: __import__("wordspace").PVDBOW(train_words=v), "train_words"),
])
def test_on_off_settings_take_gensim_s_1_and_0(make, name):
    """gensim spells its switches 1 and 0 (``hs=1``, ``cbow_mean=0``, ``dbow_words=1``):
    taken as True and False (and kept as bools, as a saved config then reads them);
    anything else is refused, naming the setting."""
    for given, meant in ((1, True), (0, False), (np.int64(1), True), (True, True)):
        model = make(given)
        model._validate()
        assert getattr(model, name) is meant
    for wrong in (2, "yes", 0.5, None):
        with pytest.raises(TypeError, match=f"{name} must be True or False \\(or gensim's "
                                            f"1 or 0\\), got {wrong!r}"):
            make(wrong)._validate()


def test_changes_to_a_model_s_vectors_are_the_model_s(planted, tmp_path):
    """gensim's ``model.wv`` is the model's: what is changed through it is saved with the
    model and trained on from by an update; what the model cannot keep is refused."""
    sentences, _ = planted
    model = SkipGram(dim=8, epochs=1, workers=1, sample=0, progress=False).fit(sentences)
    word, other = model.wv.words[0], model.wv.words[1]
    vector = np.arange(1, 9, dtype=np.float32)
    model.wv[word] = vector
    pretrained = tmp_path / "pretrained.txt"
    pretrained.write_text(f"1 8\n{other} " + " ".join(["0.5"] * 8) + "\n")
    assert model.wv.intersect_word2vec_format(pretrained) == 1
    model.save(tmp_path / "m")
    saved = load_model(tmp_path / "m")
    np.testing.assert_array_equal(saved.wv[word], vector)
    np.testing.assert_array_equal(saved.wv[other], np.full(8, 0.5, np.float32))
    assert model.wv.similarity(word, other) == pytest.approx(  # the norms follow
        float(vector.sum() * 0.5 / (np.linalg.norm(vector) * np.linalg.norm([0.5] * 8))))
    model.wv.unit_normalize_all()
    np.testing.assert_allclose(np.linalg.norm(model.input_vectors_, axis=1), 1, rtol=1e-5)
    rows = model.input_vectors_.copy()
    model.wv.sort_by_descending_frequency()  # already in that order: nothing to do
    np.testing.assert_array_equal(model.input_vectors_, rows)
    # an update starts from the changed rows (one epoch at a tiny rate moves them little)
    model.set_params(alpha=1e-6, min_alpha=1e-6)
    model.fit(sentences[:10] + [["newword"] * 2] * 1000, update=True)
    np.testing.assert_allclose(model.wv[word], vector / np.linalg.norm(vector), atol=1e-3)
    with pytest.raises(ValueError, match="in the order of its vocabulary: sort a copy"):
        model.wv.sort_by_descending_frequency()  # the new word, last, is the most frequent
    before = model.input_vectors_.copy()
    with pytest.raises(ValueError, match="'unseen' cannot be added: these vectors are the "
                                         r"SkipGram's rows.*update=True"):
        model.wv.add_vector("unseen", vector)
    with pytest.raises(ValueError, match="cannot become"):
        model.wv.vectors = model.wv.vectors[:-1]
    assert "unseen" not in model.wv and len(model.wv.words) == len(model.vocab_)
    np.testing.assert_array_equal(model.input_vectors_, before)
    mapped = load_model(tmp_path / "m", mmap="r")
    with pytest.raises(ValueError, match="mapped read-only"):
        mapped.wv[word] = vector
    # a copy is the user's own
    own = Vectors(model.wv.words, model.wv.vectors.copy())
    own.add_vector("unseen", vector)
    assert "unseen" in own and "unseen" not in model.wv


def test_a_fasttext_model_s_word_vectors_refuse_a_change_it_would_not_keep(planted):
    from wordspace import FastText

    sentences, _ = planted
    model = FastText(dim=8, epochs=1, workers=1, bucket=100, progress=False).fit(sentences)
    word = model.wv.words[0]
    with pytest.raises(ValueError, match="computed from the FastText's rows"):
        model.wv[word] = np.ones(8, np.float32)


def test_fitting_a_fitted_model_again_says_that_it_starts_over(planted, caplog):
    """gensim's manual epoch loop (train() again and again) continues training; here a
    second fit() starts over, so it says so, and update=True (which continues) does not."""
    sentences, _ = planted
    model = SkipGram(dim=8, epochs=1, workers=1, sample=0, progress=False)
    with caplog.at_level("WARNING"):
        model.fit(sentences)
        assert not caplog.records
        model.fit(sentences, update=True)
        assert not caplog.records
        model.fit(sentences)
    said = [r.getMessage() for r in caplog.records]
    assert said == ["this SkipGram is fitted already: fit() trains a new one from the start "
                    "(fit(corpus, update=True) continues training it)"]


def test_a_copied_model_s_vectors_are_the_copy_s_rows_and_a_copy_of_wv_is_its_own(
        planted, tmp_path):
    """A deep copy or pickle of a model rebuilds its query attributes over its own
    arrays (PV-DBOW's dv and words are slices of one array: copied as such, they would
    be arrays of their own, and a change to them lost); a copy of ``wv`` alone is no
    model's, so words can be added to it, and changing it leaves the model alone."""
    import copy
    import pickle

    from wordspace import PVDBOW

    sentences, _ = planted
    docs = [(f"d{i}", s) for i, s in enumerate(sentences[:200])]
    model = PVDBOW(dim=8, epochs=1, workers=1, sample=0, progress=False).fit(docs)
    for other in (copy.deepcopy(model), pickle.loads(pickle.dumps(model))):
        other.dv["d0"] = np.full(8, 7, np.float32)
        other.wv["g0w0"] = np.full(8, 5, np.float32)
        assert np.shares_memory(other.dv.vectors, other.input_vectors_)
        other.save(tmp_path / "copy")
        saved = load_model(tmp_path / "copy")
        np.testing.assert_array_equal(saved.dv["d0"], 7)
        np.testing.assert_array_equal(saved.wv["g0w0"], 5)
    assert not (model.dv["d0"] == 7).all()  # the original is untouched
    with pytest.raises(ValueError, match=r"'new' cannot be added: these vectors are the "
                                         r"PVDBOW's rows, one for each of its training "
                                         r"documents, .* inferred \(model.dv.infer\(text\)\)"):
        model.dv["new"] = np.ones(8, np.float32)
    skipgram = SkipGram(dim=8, epochs=1, workers=1, sample=0, progress=False).fit(sentences)
    row = skipgram.wv["g0w0"].copy()
    own = copy.deepcopy(skipgram.wv)
    own.add_vector("unseen", np.ones(8, np.float32))
    shallow = copy.copy(skipgram.wv)
    shallow["g0w0"] = np.zeros(8, np.float32)
    assert "unseen" in own and "unseen" not in skipgram.wv
    np.testing.assert_array_equal(skipgram.wv["g0w0"], row)


def test_repr_says_the_epochs_the_model_was_trained_with(planted):
    sentences, _ = planted
    model = SkipGram(dim=8, epochs=1, workers=1, sample=0, progress=False).fit(sentences)
    model.set_params(epochs=7)  # the next fit's
    assert "corpus words × 1 epoch," in repr(model)
