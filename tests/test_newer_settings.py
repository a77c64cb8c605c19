"""Settings added after models were first saved and pickled (``hs``, ``shrink_windows``,
``cbow_mean``, ``dm_mean``): a model trained with one away from its old value is saved
as format 3, which an older wordspace refuses saying to upgrade (it would drop the
setting and read the model as another); a model pickled before the setting existed
unpickles with the old value, and saves, refits and reports its parameters."""

from __future__ import annotations

import json
import pickle

import pytest

from helpers import short_sentences
from wordspace import Corpus, Documents
from wordspace.models import CBOW, PVDBOW, PVDM, SkipGram

QUICK = dict(dim=4, window=2, sample=0.0, epochs=1, workers=1, progress=False)
NEWER = ("hs", "shrink_windows", "cbow_mean", "dm_mean")


def _data(cls):
    sentences = short_sentences((5, 9, 40))
    if cls in (PVDBOW, PVDM):
        return Documents([(f"d{i}", s) for i, s in enumerate(sentences)], min_count=1,
                         progress=False)  # text ids: integer ids are format 3 too
    return Corpus(sentences, min_count=1, progress=False)


def _format(model, path) -> int:
    model.save(path)
    return json.loads((path / "config.json").read_text())["format"]


@pytest.mark.parametrize("cls, setting", [
    (SkipGram, dict(hs=True, negative=0)), (SkipGram, dict(shrink_windows=False)),
    (CBOW, dict(cbow_mean=False)), (CBOW, dict(cbow_mean=0)), (PVDM, dict(dm_mean=False)),
    (PVDBOW, dict(shrink_windows=False))], ids=str)
def test_a_model_trained_with_a_newer_setting_is_format_3(cls, setting, tmp_path):
    assert _format(cls(**setting, **QUICK).fit(_data(cls)), tmp_path / "newer") == 3
    # gensim's 1 is the old mean: nothing an older wordspace would misread
    old_value = {k: 1 for k in setting if k in ("cbow_mean", "dm_mean")}
    assert _format(cls(**old_value, **QUICK).fit(_data(cls)), tmp_path / "older") == 2


@pytest.mark.parametrize("cls", [SkipGram, CBOW, PVDBOW, PVDM], ids=lambda c: c.__name__)
def test_a_model_pickled_before_the_newer_settings_saves_refits_and_reports(cls, tmp_path):
    model = cls(**QUICK).fit(_data(cls))
    for name in NEWER:  # as the model was before the settings existed
        model.__dict__.pop(name, None)
        model.__dict__["_trained_params"].pop(name, None)
    old = pickle.loads(pickle.dumps(model))
    params = old.get_params()
    assert params["hs"] is False and params["shrink_windows"] is True
    assert params.get("cbow_mean", True) is True and params.get("dm_mean", True) is True
    assert _format(old, tmp_path / "m") == 2
    old.fit(_data(cls))
    assert old.report_.pairs > 0
