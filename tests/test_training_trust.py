"""Training never reports a failure as success (issue #10): a worker's exception fails
``fit``, sizes that cannot fit are refused before any reading with the numbers, an
exploding loss stops the run, an epoch that trained nothing has no loss, too little
training is refused or warned about, and a long shared-negative window trains well."""

from __future__ import annotations

import json
import logging
import math
import subprocess
import sys

import numpy as np
import pytest

from conftest import planted_sentences
from helpers import write_sentences
from wordspace import (  # the errors as users catch them, from the package itself
    CBOW,
    PVDBOW,
    PVDM,
    Corpus,
    Documents,
    FastText,
    GaussianSkipGram,
    SkipGram,
    SoftmaxSkipGram,
    TooLittleTraining,
    TrainingDiverged,
    TrainingTooLarge,
)
from wordspace import train as driver
from wordspace.engine import Job, Sampler
from wordspace.engine.layout import SHARED_BAGS, Layout
from wordspace.losses import NegativeSamplingLoss
from wordspace.sampling import noise_tables
from wordspace.train import (
    check_walk_memory,
    expected_kept_share,
    format_loss,
    sample_keeping,
)

QUIET = dict(progress=False)


@pytest.fixture(scope="module")
def corpus():
    sentences, _ = planted_sentences(n_sentences=300)
    return Corpus(sentences, min_count=1)


def fitted(model) -> bool:
    return model.is_fitted


# -- every failure in a worker fails the run ----------------------------------------------
@pytest.mark.parametrize("workers", [1, 3])
def test_an_exception_in_a_worker_update_fails_fit(corpus, monkeypatch, workers):
    calls = []

    def update(self, params, examples, lr, scratch):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("kernel exploded")
        return 0.0, 0, 0

    monkeypatch.setattr(NegativeSamplingLoss, "update", update)
    model = SkipGram(dim=8, epochs=3, sample=0, workers=workers, **QUIET)
    with pytest.raises(RuntimeError, match="kernel exploded"):
        model.fit(corpus)
    assert not fitted(model)


def test_a_worker_that_cannot_allocate_fails_fit(corpus, monkeypatch):
    def scratch(self, params, negative, max_contexts, cached=0):
        raise MemoryError("Unable to allocate 7.45 TiB for an array")

    monkeypatch.setattr(NegativeSamplingLoss, "scratch", scratch)
    model = SkipGram(dim=8, sample=0, workers=2, **QUIET)
    with pytest.raises(MemoryError, match="Unable to allocate"):
        model.fit(corpus)
    assert not fitted(model)


@pytest.mark.parametrize("error, said", [
    (MemoryError("Unable to allocate 7.45 TiB for an array"), "Unable to allocate"),
    (MemoryError(), "error: out of memory (a model with a lower dim"),  # Python's, empty
])
def test_a_failed_cli_run_exits_non_zero_and_saves_nothing(tmp_path, monkeypatch, capsys,
                                                           error, said):
    from wordspace.cli import main

    def scratch(self, params, negative, max_contexts, cached=0):
        raise error

    monkeypatch.setattr(NegativeSamplingLoss, "scratch", scratch)
    sentences, _ = planted_sentences(n_sentences=50)
    corpus = write_sentences(tmp_path / "c.txt", sentences)
    code = main(["train", str(corpus), "-o", str(tmp_path / "m"), "--min-count", "1",
                 "--sample", "0", "--quiet"])
    assert code != 0 and not (tmp_path / "m").exists()
    assert said in capsys.readouterr().err


# -- sizes that cannot work are refused up front, with the numbers ------------------------
def test_a_window_beyond_any_sentence_is_refused_before_reading():
    with pytest.raises(ValueError, match="window must be an integer between 1 and 10000, "
                                         "got 1000000"):
        SkipGram(window=10**6).fit(object())  # object(): no corpus, never read


@pytest.mark.parametrize("params", [dict(negative=10**9), dict(negative=10**9, workers=1),
                                    dict(window=5000, shared_negatives=False, negative=50)])
def test_buffers_that_cannot_fit_are_refused_before_the_corpus_is_read(params):
    with pytest.raises(TrainingTooLarge, match=r"about [\d.]+ GiB .* GiB is available"):
        SkipGram(**params).fit(object())
    model = SkipGram(**QUIET)
    for name, value in params.items():
        setattr(model, name, value)
    # not a corpus at all: refused before anything tries to read it
    with pytest.raises(TrainingTooLarge, match="lower window, negative or workers"):
        model.fit(object())


def test_the_memory_refusal_names_its_numbers():
    with pytest.raises(TrainingTooLarge) as caught:
        check_walk_memory(layout=Layout(max_bags=1), window=200, negative=5, dim=100,
                          workers=4, longest=10_000, available=2**29)
    message = str(caught.value)
    # 10,000 words x 400 contexts, each an example (centre, bag pointer, 5 negatives: 32
    # bytes), a bag (its row pointer: 8) and a row (4) = 0.16 GiB a worker
    assert "4 worker(s) x 0.16 GiB" in message and "400 contexts each at window 200" in message
    assert "5 negatives per context" in message and "0.5 GiB is available" in message
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, MemoryError)
    check_walk_memory(layout=Layout(max_bags=1), window=200, negative=5, dim=100, workers=4,
                      longest=10_000, available=2**33)  # fits in 8 GiB


@pytest.mark.parametrize("make", [
    lambda: SkipGram(dim=12, sample=0, **QUIET),
    lambda: CBOW(dim=12, sample=0, **QUIET),
    lambda: SoftmaxSkipGram(dim=12, sample=0, **QUIET),
    lambda: GaussianSkipGram(dim=12, sample=0, covariance="diagonal", tied=False, **QUIET),
    lambda: GaussianSkipGram(dim=12, sample=0, covariance="spherical", **QUIET),
    lambda: PVDBOW(dim=12, sample=0, **QUIET),
    lambda: PVDBOW(dim=12, sample=0, train_words=True, **QUIET),
    lambda: PVDM(dim=12, sample=0, **QUIET),
    lambda: FastText(dim=12, sample=0, bucket=500, **QUIET),
], ids=["sgns", "cbow", "softmax", "gaussian-diagonal", "gaussian-spherical", "pv-dbow",
        "pv-dbow-words", "pv-dm", "fasttext"])
def test_the_parameters_size_checked_before_allocating_is_what_fit_allocates(make, corpus):
    model = make()
    sentences, _ = planted_sentences(n_sentences=300)
    data = Documents([(i, " ".join(s)) for i, s in enumerate(sentences)], min_count=1) \
        if isinstance(model, PVDBOW) else corpus
    model.fit(data)
    assert model._parameter_bytes(data) == sum(getattr(model, name).nbytes
                                               for name in model._word_arrays)


def test_parameters_larger_than_memory_are_refused_before_they_are_allocated(
        corpus, monkeypatch, caplog):
    from wordspace.models import base

    need = len(corpus.vocab) * 2 * 64 * 4  # input and output rows of dim 64
    allocated = []
    monkeypatch.setattr(SkipGram, "_start_rows", lambda self, n: allocated.append(n))
    monkeypatch.setattr(base, "available_memory", lambda: need - 1)
    model = SkipGram(dim=64, sample=0, **QUIET)
    with pytest.raises(TrainingTooLarge, match=rf"the parameters need 0.0 GiB "
                       rf"\({len(corpus.vocab):,} words, dim 64\) .*lower dim"):
        model.fit(corpus)
    assert not allocated and not fitted(model)
    monkeypatch.undo()
    monkeypatch.setattr(base, "available_memory", lambda: need + 1)  # fits, barely: said
    with caplog.at_level(logging.WARNING, logger="wordspace.models.base"):
        fitted_model = SkipGram(dim=64, sample=0, epochs=1, **QUIET).fit(corpus)
    assert "training may swap" in caplog.text
    # an update grows new arrays beside the old: checked before growing them
    grown = []
    monkeypatch.setattr(SkipGram, "_grow", lambda self, first, added: grown.append(added))
    monkeypatch.setattr(base, "available_memory", lambda: need - 1)
    with pytest.raises(TrainingTooLarge, match="the parameters need"):
        fitted_model.fit(corpus, update=True)
    assert not grown


def test_memory_limited_by_ulimit_v_is_what_is_available(tmp_path):
    # RLIMIT_AS set to what the process uses plus 300 MB: a 480 MB model is refused by the
    # check, not by numpy's "Unable to allocate" (nor, under a cgroup, by the kernel)
    script = tmp_path / "limited.py"
    script.write_text(
        "import resource, sys\n"
        "from wordspace import SkipGram, TrainingTooLarge\n"
        "from wordspace.train import available_memory\n"
        "used = next(int(l.split()[1]) * 1024 for l in open('/proc/self/status')\n"
        "            if l.startswith('VmSize:'))\n"
        "resource.setrlimit(resource.RLIMIT_AS, (used + 300 * 2**20, resource.RLIM_INFINITY))\n"
        "assert 200 * 2**20 < available_memory() <= 300 * 2**20, available_memory()\n"
        "words = [[f'w{i}' for i in range(30)]] * 20\n"
        "try:\n"
        "    SkipGram(dim=2_000_000, window=1, negative=1, workers=1, progress=False,\n"
        "             sample=0).fit(words)\n"
        "except TrainingTooLarge as e:\n"
        "    print('refused:', e)\n")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert "refused: the parameters need 0.4 GiB (30 words, dim 2,000,000)" in out.stdout


def test_the_least_a_memory_cgroup_or_its_ancestors_has_left_is_available(tmp_path):
    from wordspace.train import _cgroup_memory_left

    def write(path, text):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    cgroups, root = tmp_path / "cgroup", tmp_path / "sys"
    write(cgroups, "0::/user/job\n")  # v2
    assert _cgroup_memory_left(cgroups, root) == math.inf  # no file: no limit known
    write(root / "user/job/memory.max", "1000000000\n")
    write(root / "user/job/memory.current", "400000000\n")
    assert _cgroup_memory_left(cgroups, root) == 600_000_000
    write(root / "user/memory.max", "500000000\n")  # the parent's binds more
    write(root / "user/memory.current", "450000000\n")
    assert _cgroup_memory_left(cgroups, root) == 50_000_000
    write(root / "user/memory.max", "max\n")
    assert _cgroup_memory_left(cgroups, root) == 600_000_000
    # the inactive page cache (a corpus just read) is reclaimed before a kill: not used
    write(root / "user/job/memory.stat", "anon 100000000\ninactive_file 250000000\n")
    assert _cgroup_memory_left(cgroups, root) == 850_000_000
    write(cgroups, "4:memory:/docker/abc\n1:cpu:/\n")  # v1; "no limit" is a huge number
    write(root / "memory/docker/abc/memory.limit_in_bytes", "9223372036854771712\n")
    write(root / "memory/docker/abc/memory.usage_in_bytes", "1000\n")
    assert _cgroup_memory_left(cgroups, root) == math.inf
    write(root / "memory/docker/abc/memory.limit_in_bytes", "2000\n")
    assert _cgroup_memory_left(cgroups, root) == 1000
    write(root / "memory/docker/abc/memory.stat", "cache 900\ntotal_inactive_file 600\n")
    assert _cgroup_memory_left(cgroups, root) == 1600


def test_fit_checks_the_corpus_own_sentences(monkeypatch):
    # one sentence of 30,000 words (a corpus cut at a larger max_sentence_length): its
    # window's buffers are counted from the corpus, not from the default's worst case
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in rng.integers(0, 50, size=30_000)]
    corpus = Corpus([words], min_count=1, max_sentence_length=100_000)
    model = SkipGram(dim=8, window=5000, negative=5, shared_negatives=False, workers=1,
                     sample=0, **QUIET)
    # the default's worst case (sentences of 10,000 words) needs 4.1 GiB, this one 12.3
    monkeypatch.setattr(driver, "available_memory", lambda: 16 * 2**30)
    with pytest.raises(TrainingTooLarge, match="jobs of up to 30,000 words with up to "
                                               "10,000 contexts each"):
        model.fit(corpus)


# -- a large shared-negative window trains well -------------------------------------------
def test_shared_negatives_with_a_window_of_200_recover_planted_groups():
    sentences, groups = planted_sentences(n_sentences=60, length=400, seed=2)
    corpus = Corpus(sentences, min_count=1)
    model = SkipGram(dim=16, window=200, epochs=3, sample=0, workers=1, seed=1, **QUIET)
    model.fit(corpus)
    for matrix in (model.input_vectors_, model.output_vectors_):
        assert np.all(np.isfinite(matrix))
        assert np.linalg.norm(matrix, axis=1).max() < 10
    group_of = {w: i for i, g in enumerate(groups) for w in g}
    hits = [group_of[n] == group_of[w]
            for w in group_of for n, _ in model.vectors.most_similar(w, topn=4)]
    assert np.mean(hits) > 0.95
    assert model.report_.loss < 6 * math.log(2)  # below an untrained model's


def test_a_long_window_is_stepped_in_examples_with_negatives_of_their_own():
    """Skip-gram's layout cuts a window of 40 contexts into examples of SHARED_BAGS bags
    (the last shorter), each a step of its own against negatives of its own."""
    tokens = np.arange(41, dtype=np.int32)
    layout = SkipGram(**QUIET)._layout()
    sampler = Sampler(tokens, np.array([0, 41]), np.ones(41, np.float32),
                      noise_tables(np.ones(41), 0.75), window=40, negative=3, layout=layout)
    examples = sampler.sample(Job(0, 1, 41), np.array([3], np.uint64),
                              sampler.examples(41, 41 * 40))
    first = examples.centres[0]
    own = np.flatnonzero(examples.centres[:examples.n_examples] == first)
    sizes = [len(examples.bags(e)) for e in own]
    total = sum(sizes)
    assert sizes == [SHARED_BAGS] * (total // SHARED_BAGS) + (
        [total % SHARED_BAGS] if total % SHARED_BAGS else [])
    assert len(sizes) >= 2 and len({tuple(examples.negatives[e]) for e in own}) == len(own)


# -- divergence is caught when the loss explodes, not only when it stops being finite -----
def test_a_loss_far_above_an_untrained_models_is_divergence(corpus, monkeypatch):
    def update(self, params, examples, lr, scratch):
        # finite, and 20 times an untrained model's loss per pair
        return 20 * 6 * math.log(2) * examples.n_contexts, examples.n_contexts, 0

    monkeypatch.setattr(NegativeSamplingLoss, "update", update)
    model = SkipGram(dim=8, sample=0, workers=2, alpha=0.05, **QUIET)
    with pytest.raises(TrainingDiverged, match=r"over 10 times an untrained model's 4\.159 "
                                               r".* lower alpha \(now 0\.05\), e\.g\. to "
                                               r"0\.0125$"):
        model.fit(corpus)
    assert not fitted(model)
    # many times the default (--alpha 100): a quarter of it would diverge too
    model = SkipGram(dim=8, sample=0, workers=2, alpha=0.4, **QUIET)
    with pytest.raises(TrainingDiverged, match=r"lower alpha \(now 0\.4\), e\.g\. to 0\.025, "
                                               r"the model's default$"):
        model.fit(corpus)


# -- nothing trained is not a perfect fit -------------------------------------------------
CLASSROOM = ["the cat sat on the mat", "the dog sat on the log", "a cat chased a dog",
             "the dog chased the cat", "cats and dogs are pets", "the mat is on the floor",
             "a dog sat on a mat", "the cat is a pet", "the log is by the door"]


def test_a_classroom_corpus_at_the_default_sample_warns_with_a_sample_that_works(caplog):
    corpus = Corpus([s.split() for s in CLASSROOM], min_count=1)
    suggested = sample_keeping(corpus.vocab.counts)
    assert expected_kept_share(corpus.vocab.counts, 1e-4) < 0.1
    assert expected_kept_share(corpus.vocab.counts, suggested) >= 0.5
    with caplog.at_level(logging.WARNING, logger="wordspace.train"), \
            pytest.raises(TooLittleTraining, match=f"sample={suggested:g} keeps about half"):
        SkipGram(dim=8, epochs=20, workers=1, **QUIET).fit(corpus)  # nothing trained at all
    assert f"sample={suggested:g} keeps about half, sample=0 keeps every word" in caplog.text
    assert "expected to keep" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="wordspace.train"):
        model = SkipGram(dim=8, epochs=20, workers=1, sample=suggested, **QUIET).fit(corpus)
    assert caplog.text == ""
    assert model.report_.pairs >= len(corpus.vocab) and math.isfinite(model.report_.loss)


def test_a_run_that_trains_no_pair_is_refused():
    corpus = Corpus([s.split() for s in CLASSROOM], min_count=1)
    model = SkipGram(dim=8, epochs=1, workers=1, sample=1e-9, **QUIET)
    with pytest.raises(TooLittleTraining, match=r"^0 \(centre, context\) pairs were trained "
                                                r"in 1 epoch\(s\) for a vocabulary of \d+ "
                                                r"words: no vector learned anything"):
        model.fit(corpus)
    assert not fitted(model)
    with pytest.raises(TooLittleTraining, match="a sentence of one word has no context"):
        SkipGram(dim=8, sample=0, workers=1, **QUIET).fit(Corpus([["a"], ["b"]], min_count=1))


@pytest.mark.parametrize("model, sentences, needed", [
    (SoftmaxSkipGram(dim=4, epochs=1, sample=0, workers=1, **QUIET), [["w"] * 20], 2),
    (SkipGram(dim=4, epochs=1, sample=0, workers=1, **QUIET), [["w"] * 20], 2),
    (GaussianSkipGram(dim=4, epochs=1, sample=0, workers=1, **QUIET), [["a", "b"]], 3),
    (GaussianSkipGram(dim=4, epochs=1, sample=0, workers=1, tied=False, **QUIET),
     [["w"] * 20], 2)])
def test_a_vocabulary_too_small_to_learn_from_is_refused_before_training(
        model, sentences, needed, monkeypatch):
    # one word: a softmax over it is 1 and every negative is the word; two, tied: every
    # Gaussian negative is the word or its context. Each used to train nothing, exit 0
    monkeypatch.setattr(driver.Sampler, "build", None)  # refused before any walk
    with pytest.raises(TooLittleTraining, match=rf"^the vocabulary has \d word\(s\) "
                                                rf"\('\w'.*needs at least {needed}: "):
        model.fit(Corpus(sentences, min_count=1))
    assert not fitted(model)


def test_pairs_whose_every_term_was_skipped_trained_nothing():
    # tied, a word in its own window is skipped: the only pairs are ('a', 'a')
    model = GaussianSkipGram(dim=4, epochs=2, sample=0, workers=1, seed=1, **QUIET)
    with pytest.raises(TooLittleTraining, match=r"pairs were found in 2 epoch\(s\) but "
                                                r"none was trained: every negative drawn "
                                                r"equalled its positive context"):
        model.fit(Corpus([["a", "a", "a"], ["b"], ["c"]], min_count=1))
    assert not fitted(model)


def test_an_epoch_that_trained_nothing_has_an_undefined_loss(caplog):
    corpus = Corpus([s.split() for s in CLASSROOM], min_count=1)
    with caplog.at_level(logging.WARNING, logger="wordspace.train"):
        model = SkipGram(dim=8, epochs=30, workers=1, seed=3, **QUIET).fit(corpus)
    losses = model.report_.epoch_loss
    assert any(math.isnan(x) for x in losses) and 0.0 not in losses
    assert any(math.isfinite(x) for x in losses)
    assert "vectors learned nothing" in caplog.text  # fewer pairs than words: a warning
    assert format_loss(float("nan")) == "n/a" and format_loss(0.25) == "0.2500"
    assert math.isnan(losses[-1]) and "final loss n/a" in model.report_.summary()
    saved = json.loads(json.dumps(model.report_.as_dict(), allow_nan=False))  # strict JSON
    assert None in saved["epoch_loss"]


def test_a_gaussian_rate_whose_first_step_jumps_across_the_bound_is_refused():
    # AdaGrad's first step is alpha * sqrt(dim) = 70.7 long; the means' ball is 10 across
    with pytest.raises(ValueError, match=r"alpha=10 makes a mean's first AdaGrad step 70\.7 "
                                         r"long .* Lower alpha to at most 2\.83"):
        GaussianSkipGram(alpha=10.0).fit(object())
    GaussianSkipGram(alpha=2.0)._validate()  # the limit moves with dim and mu_max
    GaussianSkipGram(alpha=10.0, dim=8, mu_max=20.0)._validate()
    model = GaussianSkipGram(**QUIET)
    model.alpha = 10.0
    with pytest.raises(ValueError, match="first AdaGrad step"):
        model.fit(object())  # before any reading


# -- a rate float32 holds as 0 trains nothing: refused before any work -------------------
@pytest.mark.parametrize("alpha", [1e-300, 1e-39])
def test_a_rate_below_float32s_normal_numbers_is_refused_before_reading(alpha):
    assert np.float32(alpha) < np.finfo(np.float32).tiny  # 0, or a subnormal: no step
    for model in (SkipGram(alpha=alpha, **QUIET), GaussianSkipGram(alpha=alpha, **QUIET)):
        with pytest.raises(ValueError, match=rf"alpha={alpha:g} is below float32's smallest "
                                             r"normal number \(1\.18e-38\)"):
            model.fit(object())  # before any reading
    SkipGram(alpha=float(np.finfo(np.float32).tiny), **QUIET)._validate()


def test_a_gaussian_divergence_names_var_min_beside_alpha(corpus):
    model = GaussianSkipGram(dim=8, var_min=1e-8, sample=0, workers=1, **QUIET)
    with pytest.raises(TrainingDiverged, match=r"lower alpha \(now 0\.5\), e\.g\. to 0\.125, "
                                               r"or, if var_min was lowered \(now 1e-08\), "
                                               r"raise it"):
        model.fit(corpus)
    model.var_min = 1e-40  # below float32's normal numbers: variances of 0
    with pytest.raises(ValueError, match=r"var_min=1e-40 is below float32's smallest normal"):
        model.fit(object())


def test_a_run_whose_steps_change_nothing_is_refused(corpus):
    """Variances so large that a step on a mean (1/variance) is lost in float32's
    rounding: the run counts its pairs and terms, the loss stays at the margin, and not
    one parameter moves; it trained nothing and says why, where it exited 0 before. A
    variance float32 holds as infinite is refused before any work."""
    model = GaussianSkipGram(dim=8, var_max=1e38, var_init=1e38, sample=0, epochs=1,
                             workers=1, **QUIET)
    with pytest.raises(TooLittleTraining, match=r"pairs were trained in 1 epoch\(s\), but not "
                                                r"one parameter .* changed: .*Raise the "
                                                r"learning rate \(alpha=0\.5\), or lower the "
                                                r"variances \(at most var_max=1e\+38"):
        model.fit(corpus)
    assert not fitted(model)
    GaussianSkipGram(dim=8, var_max=1e3, var_init=1e3, sample=0, epochs=1, workers=1,
                     **QUIET).fit(corpus)  # large, but its steps still move the means
    model.var_max = model.var_init = 1e39  # float32's inf
    with pytest.raises(ValueError, match=r"var_max=1e\+39 is above float32's largest number "
                                         r"\(3\.4e\+38\)"):
        model.fit(object())


def test_inference_that_explodes_is_divergence():
    from helpers import planted_documents
    from wordspace import PVDBOW, Documents

    docs, _ = planted_documents(n_per_topic=10)
    model = PVDBOW(dim=8, epochs=5, sample=0, workers=1, **QUIET).fit(Documents(docs))
    tokens = [docs[0][1], docs[1][1]]
    assert np.all(np.isfinite(model.dv.infer_many(tokens)))
    with pytest.raises(TrainingDiverged, match=r"inference diverged: .* lower alpha \(now "
                                               r"1000\), e\.g\. to 0\.025, the model's "
                                               r"default$"):
        model.dv.infer_many(tokens, alpha=1000.0)
    with pytest.raises(ValueError, match=r"alpha=1e-300 is below float32's smallest"):
        model.dv.infer_many(tokens, alpha=1e-300)
