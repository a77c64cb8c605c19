"""gensim's ``cbow_mean`` (CBOW) and ``dm_mean`` (PV-DM): a window's input the mean of
its rows (the default) or their sum. The kernel's step on a summed bag is checked against
finite differences in tests/test_sgns.py; these check that each model trains and infers
with the input it was asked for, and what it refuses."""

from __future__ import annotations

import numpy as np
import pytest

import wordspace.kernels.sgns as sgns
from helpers import check_a_new_setting_in_checkpoints, short_sentences
from wordspace import Corpus, Documents
from wordspace.models import CBOW, PVDM, SkipGram

QUICK = dict(dim=4, window=2, sample=0.0, epochs=1, workers=1, progress=False)


@pytest.fixture
def means_asked(monkeypatch) -> list[bool]:
    """The ``mean`` of every kernel the losses ask for (negative sampling and the tree)."""
    asked = []
    for name in ("negative_sampling_kernel", "hierarchical_softmax_kernel"):
        real = getattr(sgns, name)

        def spy(shape=sgns.ANY_BAGS, train_outputs=True, mean=True, real=real):
            asked.append(mean)
            return real(shape, train_outputs, mean)

        monkeypatch.setattr(sgns, name, spy)
    return asked


@pytest.mark.parametrize("hs", [False, True])
@pytest.mark.parametrize("cbow_mean", [True, False, 1, 0])
def test_cbow_trains_on_the_mean_or_the_sum(means_asked, cbow_mean, hs):
    corpus = Corpus(short_sentences(), min_count=1, progress=False)
    outputs = dict(hs=True, negative=0) if hs else {}
    model = CBOW(**QUICK, **outputs, cbow_mean=cbow_mean).fit(corpus)
    assert means_asked and set(means_asked) == {bool(cbow_mean)}
    assert model.report_.pairs > 0


@pytest.mark.parametrize("dm_mean", [True, False])
def test_pvdm_trains_and_infers_on_the_mean_or_the_sum(means_asked, dm_mean):
    docs = Documents(list(enumerate(short_sentences())), min_count=1, progress=False)
    model = PVDM(**QUICK, dm_mean=dm_mean).fit(docs)
    assert means_asked and set(means_asked) == {dm_mean}
    means_asked.clear()
    model.dv.infer(["w1", "w2", "w3", "w1"])
    assert means_asked and set(means_asked) == {dm_mean}


def test_the_sum_trains_other_vectors_and_predicts_from_the_sum():
    corpus = Corpus(short_sentences(), min_count=1, progress=False)
    mean = CBOW(**QUICK).fit(corpus)
    summed = CBOW(**QUICK, cbow_mean=False).fit(corpus)
    assert not np.array_equal(mean.vectors.matrix, summed.vectors.matrix)
    # gensim's predict_output_word: the sum of the known context words' vectors
    context = ["w1", "w2", "nowhere"]
    h = summed.vectors["w1"] + summed.vectors["w2"]
    scores = summed.output_vectors_ @ h
    p = np.exp(scores - scores.max())
    p /= p.sum()
    best = summed.predict_output_word(context, topn=3)
    top = np.argsort(-p, kind="stable")[:3]
    assert [w for w, _ in best] == [summed.vocab_.words[i] for i in top]
    np.testing.assert_allclose([q for _, q in best], p[top], rtol=1e-5)


def test_a_checkpoint_resumes_only_under_its_own_setting(tmp_path):
    corpus = Corpus(short_sentences(), min_count=1, progress=False)
    check_a_new_setting_in_checkpoints(lambda **kw: CBOW(**{**QUICK, "epochs": 3}, **kw),
                                       corpus, tmp_path / "partial", "cbow_mean", False)


def test_a_gpu_or_another_value_is_refused_before_the_corpus_is_read():
    for cls, name in ((CBOW, "cbow_mean"), (PVDM, "dm_mean")):
        with pytest.raises(ValueError, match=f"{name}=False trains on the CPU only"):
            cls(**{name: False}, device="cuda").fit("no-such-corpus")
        with pytest.raises(TypeError, match=f"{name} must be True or False .* got 2"):
            cls(**{name: 2}).fit("no-such-corpus")
    with pytest.raises(TypeError, match="SkipGram has no parameter 'cbow_mean'"):
        SkipGram(cbow_mean=False)
