"""gensim's ``shrink_windows``: every centre's window drawn from ``1..window`` (the
default) or always the whole of it, for every model of the walk."""

from __future__ import annotations

import pytest

from helpers import check_a_new_setting_in_checkpoints, short_sentences
from wordspace import Corpus, Documents
from wordspace.models import (
    CBOW,
    PVDBOW,
    PVDM,
    FastText,
    GaussianSkipGram,
    SkipGram,
    SoftmaxSkipGram,
)

WINDOW = 3
LENGTHS = (1, 2, 5, 9, 40)  # sentences shorter and longer than a window
QUICK = dict(window=WINDOW, sample=0.0, epochs=1, workers=1, progress=False)


def _sentences() -> list[list[str]]:
    return short_sentences(LENGTHS)


def _whole_windows() -> int:
    """The pairs of one epoch when every centre takes its whole window."""
    return sum(min(i, WINDOW) + min(n - 1 - i, WINDOW) for n in LENGTHS for i in range(n))


WORD_MODELS = [
    lambda **kw: SkipGram(dim=4, **kw), lambda **kw: CBOW(dim=4, **kw),
    lambda **kw: FastText(dim=4, bucket=100, **kw),
    lambda **kw: SkipGram(dim=4, shared_negatives=False, **kw),
    lambda **kw: SkipGram(dim=4, hs=True, negative=0, **kw),
    lambda **kw: SoftmaxSkipGram(dim=4, **kw), lambda **kw: GaussianSkipGram(dim=4, **kw)]


@pytest.mark.parametrize("make", WORD_MODELS)
def test_every_word_model_trains_whole_windows_without_shrinking(make):
    corpus = Corpus(_sentences(), min_count=1, progress=False)
    whole = make(shrink_windows=False, **QUICK).fit(corpus)
    assert whole.report_.pairs == _whole_windows()
    shrunk = make(**QUICK).fit(corpus)  # the default: about (window + 1) / 2 a side
    assert shrunk.report_.pairs < _whole_windows()


@pytest.mark.parametrize("make", [PVDBOW, PVDM])
def test_document_models_add_the_document_to_whole_windows(make):
    docs = Documents(list(enumerate(_sentences())), min_count=1, progress=False)
    model = make(dim=4, shrink_windows=False, **QUICK).fit(docs)
    assert model.report_.pairs == _whole_windows() + sum(LENGTHS)  # the document's row


@pytest.mark.parametrize("shrink", [False, True])
def test_pvdm_infers_with_the_windows_it_trained_on(shrink, monkeypatch):
    """PV-DM's inference walks windows as training did (gensim's inference follows
    shrink_windows too): its sampler carries the model's setting, not the default."""
    import wordspace.models.pvdbow as pvdbow

    docs = Documents(list(enumerate(_sentences())), min_count=1, progress=False)
    model = PVDM(dim=4, shrink_windows=shrink, **QUICK).fit(docs)
    asked, infer_rows = [], pvdbow.infer_rows
    monkeypatch.setattr(pvdbow, "infer_rows", lambda encoded, outputs, sampler, **kw: (
        asked.append(sampler.shrink_windows), infer_rows(encoded, outputs, sampler, **kw))[1])
    model.dv.infer(_sentences()[2])
    assert asked == [shrink]


def test_a_checkpoint_resumes_only_under_its_own_setting(tmp_path):
    corpus = Corpus(_sentences(), min_count=1, progress=False)
    check_a_new_setting_in_checkpoints(
        lambda **kw: SkipGram(dim=4, window=WINDOW, sample=0.0, epochs=3, workers=1,
                              progress=False, **kw),
        corpus, tmp_path / "partial", "shrink_windows", False)


def test_a_gpu_or_a_non_bool_is_refused_before_the_corpus_is_read():
    for cls in (SkipGram, CBOW, FastText, SoftmaxSkipGram, GaussianSkipGram, PVDBOW, PVDM):
        with pytest.raises(ValueError, match="shrink_windows=False trains on the CPU only"):
            cls(shrink_windows=False, device="cuda").fit("no-such-corpus")
        with pytest.raises(TypeError, match="shrink_windows must be True or False .*, "
                                            "got 'no'"):
            cls(shrink_windows="no").fit("no-such-corpus")
