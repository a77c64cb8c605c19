"""Every negative-sampling layout on the device: CBOW's window bag, fastText's subword
bags, PV-DBOW's sentence row, PV-DM's (in the window's bag) and skip-gram per pair,
against the CPU engine's own kernel on the CPU sampler's own examples, then through the
models (on Numba-CUDA's simulator where there is no GPU, selected in conftest.py)."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import planted_documents, simulated_cuda

cuda = simulated_cuda()

from conftest import planted_sentences  # noqa: E402
from test_cuda import expected_pairs  # noqa: E402
from wordspace import CBOW, PVDBOW, PVDM, Corpus, Documents, FastText, SkipGram  # noqa: E402
from wordspace.cli import main  # noqa: E402
from wordspace.cuda import kernels as K  # noqa: E402
from wordspace.cuda.executor import CudaNegativeSampling, DeviceLayout  # noqa: E402
from wordspace.engine.jobs import Job, epoch_jobs, make_jobs  # noqa: E402
from wordspace.engine.layout import SHARED_BAGS, Layout, WordBags  # noqa: E402
from wordspace.engine.params import VectorParams  # noqa: E402
from wordspace.engine.sampler import Sampler  # noqa: E402
from wordspace.engine.schedule import Schedule  # noqa: E402
from wordspace.kernels import sgns as K_CPU  # noqa: E402
from wordspace.kernels.sampling import ExampleArrays  # noqa: E402
from wordspace.losses import NegativeSamplingLoss  # noqa: E402
from wordspace.models.base import Model  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")

N_WORDS, DIM, NEGATIVE, WINDOW, LR = 14, 8, 3, 3, 0.05


def _table(rng) -> WordBags:
    """Each word's bag: its own row and one to three of ten shared "n-gram" rows."""
    return WordBags.from_lists([[w] + list(N_WORDS + rng.choice(10, rng.integers(1, 4)))
                                for w in range(N_WORDS)])


LAYOUTS = {  # name: (layout, sentence rows?)
    "skipgram-shared": (Layout(max_bags=SHARED_BAGS), False),
    "skipgram-per-pair": (Layout(max_bags=1), False),
    "cbow": (Layout(bag="window"), False),
    "pvdbow": (Layout(max_bags=SHARED_BAGS), True),
    "pvdbow-in-blocks": (Layout(max_bags=4), True),
    "pvdm": (Layout(bag="window"), True),
    "subwords": ("subwords", False),
    "subwords-cbow": ("subwords-cbow", False),
}


def _sampled(name: str, seed: int = 0):
    """A job of three sentences walked by the CPU sampler in ``name``'s layout, and
    matrices for it: ``(sampler, examples, inputs, outputs)``."""
    rng = np.random.default_rng(seed)
    layout, tagged = LAYOUTS[name]
    rows = N_WORDS
    if isinstance(layout, str):
        table = _table(rng)
        layout = Layout(bag="window" if layout == "subwords-cbow" else "context",
                        max_bags=SHARED_BAGS, word_bags=table)
        rows += 10
    tokens = rng.integers(0, N_WORDS, 30).astype(np.int32)
    offsets = np.array([0, 12, 13, 30])
    context = np.arange(rows, rows + 3, dtype=np.int32) if tagged else None
    rows += 3 if tagged else 0
    sampler = Sampler.build(tokens, offsets, np.bincount(tokens, minlength=N_WORDS) + 1,
                            window=WINDOW, negative=NEGATIVE, layout=layout, sample=0.0,
                            ns_exponent=0.75, sentence_context=context)
    examples = sampler.sample(Job(0, 3, 30), np.array([seed + 3], np.uint64),
                              sampler.examples(30, 30 * (2 * WINDOW + 1)))
    for e in range(examples.n_examples):  # see _cpu_steps: one-bag examples' negatives
        if examples.bag_ptr[e + 1] - examples.bag_ptr[e] == 1:
            others = [w for w in range(N_WORDS) if w != examples.centres[e]]
            examples.negatives[e] = rng.choice(others, NEGATIVE, replace=False)
    inputs = rng.normal(0, 0.5, (rows, DIM)).astype(np.float32)
    outputs = rng.normal(0, 0.5, (N_WORDS, DIM)).astype(np.float32)
    return sampler, examples, inputs, outputs


def _cpu_steps(examples, inputs, outputs, out_rate):
    """The CPU engine's kernel, one example per call (so each one's loss is tracked), in
    order: ``(inputs, outputs, summed loss)``. Its one-bag path steps a repeated negative
    from the value the first draw left (the device from the old value): _sampled draws
    those examples' negatives without repeats."""
    inputs, outputs = inputs.copy(), outputs.copy()
    loss = NegativeSamplingLoss(output_rate=out_rate)
    params = VectorParams(inputs, outputs)
    scratch = loss.scratch(params, NEGATIVE, 2 * WINDOW + 1)
    a = examples.arrays()
    kernel = K_CPU.negative_sampling_kernel(K_CPU.ANY_BAGS)
    total = 0.0
    for e in range(examples.n_examples):
        one = ExampleArrays(a.centres[e:], a.bag_ptr[e:], a.row_ptr, a.rows, a.negatives[e:],
                            1)
        total += kernel(inputs, outputs, one, np.float32(LR), np.float32(out_rate), 0,
                        scratch)[0]
    return inputs, outputs, total


def _device_steps(examples, inputs, outputs, out_rate, lanes, atomic=False):
    _, examples_kernel = K.build(dim=DIM, window=WINDOW, negative=NEGATIVE, lanes=lanes,
                                 block=2 * WINDOW + 1, atomic=atomic)
    d_in, d_out = cuda.to_device(inputs), cuda.to_device(outputs)
    loss = cuda.to_device(np.full(1, np.nan))
    examples_kernel[1, lanes](d_in, d_out, *examples.arrays(), np.float32(LR),
                              np.float32(out_rate), loss)
    return d_in.copy_to_host(), d_out.copy_to_host(), loss.copy_to_host()[0]


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_device_steps_equal_the_cpu_kernels_on_the_samplers_examples(name):
    _, examples, inputs, outputs = _sampled(name)
    assert examples.n_examples > 10
    out_rate = 0.5 if "subwords" in name else 1.0
    want_in, want_out, want_loss = _cpu_steps(examples, inputs, outputs, out_rate)
    # 4 lanes, each two of the eight dimensions (for one-row bags test_cuda.py has 32)
    for lanes in (1, 4) if examples.n_rows > examples.n_bags else (1,):
        got_in, got_out, got_loss = _device_steps(examples, inputs, outputs, out_rate, lanes)
        for got, want, old in ((got_in, want_in, inputs), (got_out, want_out, outputs)):
            step = want - old
            assert np.linalg.norm(got - want) <= 1e-5 * np.linalg.norm(step), name
        assert got_loss == pytest.approx(want_loss, rel=1e-5)


@pytest.mark.parametrize("name", ["subwords", "cbow"])
def test_one_warps_atomic_bag_step_is_the_plain_step_bit_for_bit(name):
    # as for one-row bags (test_cuda.py): every row of a bag, n-gram rows shared by
    # several bags included, gets its steps in the same order either way
    _, examples, inputs, outputs = _sampled(name)
    plain = _device_steps(examples, inputs, outputs, 0.5, 1)
    atomic = _device_steps(examples, inputs, outputs, 0.5, 1, atomic=True)
    for got, want in zip(atomic, plain, strict=True):
        np.testing.assert_array_equal(got, want)


def test_the_device_sees_each_layout_as_the_sampler_cuts_it():
    assert DeviceLayout.of(_sampled("skipgram-shared")[0]) == DeviceLayout(block=6)
    assert DeviceLayout.of(_sampled("skipgram-per-pair")[0]) == DeviceLayout(block=1)
    assert DeviceLayout.of(_sampled("cbow")[0]) == DeviceLayout(block=1, window_bag=True)
    assert DeviceLayout.of(_sampled("pvdbow-in-blocks")[0]) == DeviceLayout(block=4,
                                                                            tagged=True)
    subwords = DeviceLayout.of(_sampled("subwords")[0])
    assert subwords.subwords and not subwords.cacheable
    assert DeviceLayout(block=6).cacheable and not DeviceLayout(block=6, tagged=True).cacheable


# --- whole runs: the trained counters ------------------------------------------------

def _train(name: str, *, epochs=2, seed=5):
    sampler, _, inputs, outputs = _sampled(name, seed=1)
    offsets = np.asarray(sampler.offsets)
    jobs = epoch_jobs(offsets, make_jobs(offsets, 20), epochs)
    rates = Schedule.linear(0.025, 2.5e-5, [j.words for j in jobs]).rates
    params = VectorParams(inputs.copy(), outputs.copy())
    result = CudaNegativeSampling("cuda", chunk_words=8, launch_words=25).train(
        sampler, params, jobs, rates, seed=seed)
    return sampler, result, params, (inputs, outputs), (jobs, rates)


@pytest.mark.parametrize("name", ["cbow", "pvdbow", "pvdm", "subwords"])
def test_counters_count_every_context_of_every_epoch(name):
    sampler, result, params, (inputs, outputs), (jobs, rates) = _train(name)
    assert result.words == 2 * len(sampler.tokens)
    assert result.pairs == expected_pairs(sampler, jobs, rates, seed=5, chunk_words=8)
    assert 0 < result.terms < result.pairs and np.isfinite(result.mean_loss)
    # exactly the rows of the corpus's words (their n-grams') and the sentences trained
    seen = np.unique(sampler.tokens)
    table = sampler.layout.word_bags
    trained = np.zeros(len(inputs), bool)
    trained[np.concatenate([table.rows[table.ptr[w]:table.ptr[w + 1]] for w in seen])
            if table else seen] = True
    trained[sampler.sentence_context] = True
    moved = np.abs(params.inputs - inputs).sum(axis=1) > 0
    np.testing.assert_array_equal(moved, trained)
    assert np.abs(params.outputs - outputs).sum() > 0


def test_a_sentence_of_words_without_a_window_trains_the_sentence_row_alone():
    # PV-DBOW without word training: window 0, each word predicted by its sentence's row
    sampler, _, inputs, outputs = _sampled("pvdbow", seed=2)
    sampler.window = 0
    offsets = np.asarray(sampler.offsets)
    jobs = epoch_jobs(offsets, make_jobs(offsets, 20), 1)
    params = VectorParams(inputs.copy(), outputs.copy())
    result = CudaNegativeSampling("cuda", chunk_words=8).train(
        sampler, params, jobs, [0.025] * len(jobs), seed=3)
    assert result.pairs == len(sampler.tokens)  # one context per word: its sentence's row
    word_rows = params.inputs[:N_WORDS]
    np.testing.assert_array_equal(word_rows, inputs[:N_WORDS])  # no word row is an input
    assert (np.abs(params.inputs[N_WORDS:] - inputs[N_WORDS:]).sum(axis=1) > 0).all()


def test_the_cache_is_refused_beside_bags_of_several_rows():
    sampler, _, inputs, outputs = _sampled("cbow")
    jobs = epoch_jobs(np.asarray(sampler.offsets), make_jobs(np.asarray(sampler.offsets), 20),
                      1)
    with pytest.raises(ValueError, match="skip-gram's context rows only"):
        CudaNegativeSampling("cuda", cache=True).train(
            sampler, VectorParams(inputs, outputs), jobs, [0.025] * len(jobs))


# --- through the models --------------------------------------------------------------

TINY = dict(dim=8, window=3, negative=3, sample=0, alpha=0.1, epochs=2, progress=False)


@pytest.fixture(scope="module")
def small():
    sentences, groups = planted_sentences(n_sentences=70, length=10, seed=4)
    return Corpus(sentences, min_count=1, progress=False), groups


@pytest.mark.parametrize("make", [
    lambda: SkipGram(shared_negatives=False, device="cuda", **TINY),
    lambda: CBOW(device="cuda", **TINY),
    lambda: FastText(bucket=500, max_n=4, device="cuda", **TINY),
    lambda: FastText(bucket=500, max_n=4, cbow=True, device="cuda", **TINY),
], ids=["skipgram-per-pair", "cbow", "fasttext", "fasttext-cbow"])
def test_every_word_model_trains_on_the_device_and_loads_on_the_cpu(make, small, tmp_path):
    corpus, groups = small
    model = make().fit(corpus)
    report = model.report_
    assert report.words == 2 * len(corpus.tokens)
    assert report.epoch_loss[1] < report.epoch_loss[0]
    model.save(tmp_path / "model")
    loaded = Model.load(tmp_path / "model")
    assert type(loaded) is type(model) and loaded.device == "cuda"
    near = [w for w, _ in loaded.vectors.most_similar(groups[0][0], topn=3)]
    assert all(w in groups[0] for w in near), near


@pytest.mark.parametrize("make", [
    lambda: PVDBOW(dim=12, train_words=False, sample=0, epochs=4, alpha=0.05, seed=3,
                   device="cuda", progress=False),
    lambda: PVDM(dim=12, sample=0, epochs=4, alpha=0.05, seed=3, device="cuda",
                 progress=False),
], ids=["pv-dbow", "pv-dm"])
def test_document_models_on_the_device_recover_planted_topics(make):
    docs, topics = planted_documents(n_per_topic=10)
    model = make().fit(Documents(docs, min_count=1))
    assert model.report_.words == 4 * sum(len(t) for _, t in docs)
    same = [topics[int(other[3:])] == topics[i]
            for i, doc_id in enumerate(model.dv.ids)
            for other, _ in model.dv.most_similar(doc_id, topn=3)]
    assert np.mean(same) > 0.6  # chance: one topic in four


def test_the_command_line_trains_cbow_and_fasttext_on_the_device(tmp_path):
    corpus_file = tmp_path / "corpus.txt"
    sentences, _ = planted_sentences(n_sentences=40, length=8, seed=5)
    corpus_file.write_text("\n".join(" ".join(s) for s in sentences) + "\n")
    for model in ("cbow", "fasttext"):
        out = tmp_path / model
        extra = ["--bucket", "200", "--max-n", "4"] if model == "fasttext" else []
        assert main(["train", str(corpus_file), "-o", str(out), "--model", model,
                     "--device", "cuda", "--dim", "8", "--epochs", "1", "--sample", "0",
                     "--min-count", "1", "--quiet", *extra]) == 0
        assert Model.load(out).device == "cuda"
