"""Checkpoint, resume and callbacks (issue 11): a run killed at any moment and resumed
gives the vectors an uninterrupted run gives; callbacks and checkpoints change nothing."""

from __future__ import annotations

import json
import logging
import os
import random
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import wordspace.corpus as corpus_module
from conftest import planted_sentences
from helpers import planted_documents, same_parameters, write_sentences
from wordspace.cli import checkpoint_path, main
from wordspace.corpus import Corpus
from wordspace.documents import Documents
from wordspace.engine.callbacks import Callback
from wordspace.engine.checkpoint import CheckpointMismatch, Every, is_checkpoint
from wordspace.models import (
    CBOW,
    PVDBOW,
    PVDM,
    GaussianSkipGram,
    SkipGram,
    SoftmaxSkipGram,
)
from wordspace.models.base import load_model
from wordspace.models.ppmi import PPMISVD

# small, fast runs; sample=0 keeps every word, so every epoch trains the whole corpus
SETTINGS = dict(dim=12, epochs=4, sample=0.0, seed=5, progress=False)


def _write_corpus(path, n_sentences: int, seed: int = 0):
    return write_sentences(path, planted_sentences(n_sentences=n_sentences, seed=seed)[0])


@pytest.fixture
def corpus(tmp_path):
    """About 43,000 tokens: five jobs an epoch."""
    return Corpus(_write_corpus(tmp_path / "corpus.txt", 3600), progress=False)


class Recorder(Callback):
    """Remembers every report it is given (copies: the report of its moment)."""

    def __init__(self, fail_at_epoch: int | None = None):
        self.epochs, self.ends, self.fail_at_epoch = [], [], fail_at_epoch

    def on_epoch_end(self, model, report):
        self.epochs.append(report)
        if len(report.epoch_loss) == self.fail_at_epoch:
            raise RuntimeError(f"callback failed after epoch {self.fail_at_epoch}")

    def on_train_end(self, model, report):
        self.ends.append(report)


def _interrupted(model, corpus, path, after_epoch: int = 2, every="1e"):
    """Fit ``model`` with checkpoints until a callback fails at the end of epoch
    ``after_epoch + 1``: the checkpoint then holds the end of epoch ``after_epoch``."""
    with pytest.raises(RuntimeError, match="callback failed"):
        model.fit(corpus, checkpoint=path, checkpoint_every=every,
                  callbacks=[Recorder(fail_at_epoch=after_epoch + 1)])
    assert is_checkpoint(path)


MODELS = {
    "sgns": lambda **kw: SkipGram(**SETTINGS, **kw),
    "cbow": lambda **kw: CBOW(**SETTINGS, **kw),
    "sgns-hs": lambda **kw: SkipGram(**SETTINGS, hs=True, negative=0, **kw),
    "softmax": lambda **kw: SoftmaxSkipGram(**SETTINGS, **kw),
    "gaussian": lambda **kw: GaussianSkipGram(**{**SETTINGS, "alpha": 0.2}, **kw),
}


@pytest.mark.parametrize("name", list(MODELS))
def test_one_worker_resume_is_bit_identical_and_callbacks_and_checkpoints_change_nothing(
        name, corpus, tmp_path, caplog):
    make = MODELS[name]
    plain = make(workers=1).fit(corpus)
    # a checkpoint at every job boundary and a callback at every epoch end: no change
    recorder = Recorder()
    busy = make(workers=1).fit(corpus, checkpoint=tmp_path / "every", checkpoint_every=0,
                               callbacks=[recorder])
    assert same_parameters(plain, busy)
    assert not (tmp_path / "every").exists()  # removed once the run is complete
    assert len(recorder.epochs) == SETTINGS["epochs"] and len(recorder.ends) == 1
    # stopped after epoch 2 and resumed: the optimiser state (the Gaussian's AdaGrad
    # sums), random state and position all come back, so the vectors are identical
    path = tmp_path / "partial"
    _interrupted(make(workers=1), corpus, path)
    with caplog.at_level(logging.WARNING, logger="wordspace.train"):
        resumed = make(workers=1).fit(corpus, checkpoint=path)
    assert "resuming from" in caplog.text and "at epoch 3, 50 % of the run" in caplog.text
    assert same_parameters(plain, resumed)
    assert resumed.report_.epoch_loss == plain.report_.epoch_loss
    assert not path.exists()


@pytest.mark.parametrize("cls", [PVDBOW, PVDM])
def test_document_models_resume_bit_identical(tmp_path, cls):
    docs = Documents(planted_documents(n_per_topic=120)[0], min_count=1, progress=False)
    make = lambda: cls(**SETTINGS, workers=1)  # noqa: E731
    plain = make().fit(docs)
    path = tmp_path / "partial"
    _interrupted(make(), docs, path, after_epoch=1)
    resumed = make().fit(docs, checkpoint=path)
    assert same_parameters(plain, resumed) and resumed.dv.ids == plain.dv.ids


def test_two_workers_resume_covers_exactly_the_remaining_jobs(corpus, tmp_path, caplog):
    path = tmp_path / "partial"
    _interrupted(SkipGram(**SETTINGS, workers=2), corpus, path, after_epoch=2)
    recorder = Recorder()
    with caplog.at_level(logging.WARNING, logger="wordspace.train"):
        model = SkipGram(**SETTINGS, workers=2).fit(corpus, checkpoint=path,
                                                    callbacks=[recorder])
    assert "at epoch 3" in caplog.text
    report = model.report_
    # the counters count every job once: none repeated, none skipped
    assert report.epoch_words == [corpus.n_tokens] * SETTINGS["epochs"]
    assert report.words == corpus.n_tokens * SETTINGS["epochs"]
    # and this process ran epochs 3 and 4 only
    assert [len(r.epoch_loss) for r in recorder.epochs] == [3, 4]
    assert recorder.epochs[0].words == 3 * corpus.n_tokens


def test_callbacks_get_each_epoch_once_with_its_loss(corpus):
    recorder = Recorder()
    model = SkipGram(**SETTINGS, workers=2).fit(corpus, callbacks=[recorder])
    losses = model.report_.epoch_loss
    assert [len(r.epoch_loss) for r in recorder.epochs] == [1, 2, 3, 4]
    for i, report in enumerate(recorder.epochs):
        assert report.loss == losses[i] and report.epoch_loss == losses[:i + 1]
        assert report.words == (i + 1) * corpus.n_tokens
    assert recorder.ends == [model.report_]


def test_gensim_s_callbacks_are_called_with_the_model(corpus, caplog):
    """gensim's callbacks (``CallbackAny2Vec``: ``on_epoch_end(self, model)``) are called
    with the model alone, each of the four at its moment: the two common ones, a timer
    started in ``on_epoch_begin`` and the loss logger of ``get_latest_training_loss``,
    work unchanged. Their class's batch methods, which no run calls, are warned about,
    gensim's own do-nothing ones are not; a method taking neither (model) nor
    (model, report) is refused before any training."""
    class CallbackAny2Vec:  # gensim's base class, as gensim.models.callbacks has it
        def on_epoch_begin(self, model):
            pass

        def on_epoch_end(self, model):
            pass

        def on_batch_begin(self, model):
            pass

        def on_train_begin(self, model):
            pass

        def on_train_end(self, model):
            pass

    CallbackAny2Vec.__module__ = "gensim.models.callbacks"

    class Timer(CallbackAny2Vec):  # gensim's tutorial's
        def __init__(self):
            self.events, self.seen = [], []

        def on_train_begin(self, model):
            self.events.append("train")
            self.first = model.vectors["g0w0"].copy()

        def on_epoch_begin(self, model):
            self.events.append("begin")
            self.t0 = len(self.events)

        def on_epoch_end(self, model):
            self.events.append(f"end after {len(self.events) - self.t0}")
            self.seen.append(model.vectors["g0w0"].copy())

    class LossLogger(CallbackAny2Vec):  # the usual one
        def __init__(self):
            self.previous, self.losses = 0.0, []

        def on_epoch_end(self, model):
            loss = model.get_latest_training_loss()
            self.losses.append(loss - self.previous)
            self.previous = loss

    class Batches(LossLogger):
        def on_batch_begin(self, model):
            pass

    timer, logger, batches = Timer(), LossLogger(), Batches()
    with caplog.at_level("WARNING"):
        model = SkipGram(**SETTINGS, workers=1).fit(corpus, callbacks=[timer, logger, batches])
    epochs = SETTINGS["epochs"]
    assert timer.events == ["train"] + ["begin", "end after 0"] * epochs
    assert len(timer.seen) == epochs
    assert not np.array_equal(timer.first, timer.seen[0])  # before any training
    np.testing.assert_array_equal(timer.seen[-1], model.vectors["g0w0"])
    np.testing.assert_allclose(logger.losses, model.report_.epoch_loss, rtol=1e-12)
    assert model.get_latest_training_loss() == pytest.approx(sum(model.report_.epoch_loss))
    assert SkipGram().get_latest_training_loss() == 0.0
    warned = [r.getMessage() for r in caplog.records]
    assert len(warned) == 1 and "Batches" in warned[0] and "not on_batch_begin" in warned[0]

    class Three:
        def on_epoch_end(self, model, report, extra):
            pass

    with pytest.raises(TypeError, match=r"on_epoch_end\(model, report, extra\) must take "
                                        r"\(model, report\), or gensim's \(model\)"):
        SkipGram(**SETTINGS).fit("no-such-corpus", callbacks=[Three()])

    class Report:
        def on_epoch_begin(self, model, report):
            pass

    with pytest.raises(TypeError, match=r"on_epoch_begin\(model, report\) must take \(model\)$"):
        SkipGram(**SETTINGS).fit("no-such-corpus", callbacks=[Report()])


def test_a_callback_with_only_on_epoch_begin_reads_the_running_loss(corpus):
    """gensim's loss logger written in ``on_epoch_begin``: each epoch's start sees the
    sum of the mean losses of the epochs before it (it read 0.0 through the fit)."""
    class Begins:
        def __init__(self):
            self.losses = []

        def on_epoch_begin(self, model):
            self.losses.append(model.get_latest_training_loss())

    begins = Begins()
    model = SkipGram(**SETTINGS, workers=1).fit(corpus, callbacks=[begins])
    sums = np.cumsum([0.0, *model.report_.epoch_loss[:-1]])
    assert len(begins.losses) == SETTINGS["epochs"] and sums[-1] > 0
    np.testing.assert_allclose(begins.losses, sums, rtol=1e-12)


def test_on_epoch_begin_comes_also_where_a_checkpoint_resumes(corpus, tmp_path):
    class Begins(Callback):
        def __init__(self):
            self.begun = []

        def on_epoch_begin(self, model):
            report = model.__dict__.get("report_")  # the epochs ended in this process
            self.begun.append(0 if report is None else len(report.epoch_loss))

    path = tmp_path / "partial"
    _interrupted(SkipGram(**SETTINGS, workers=1), corpus, path, every=0)  # inside epoch 3
    begins = Begins()
    SkipGram(**SETTINGS, workers=1).fit(corpus, checkpoint=path, callbacks=[begins])
    # resumed inside the third epoch: it begins (for this process), then the fourth
    assert begins.begun == [0, 3]


def test_a_callback_sees_the_model_as_its_epoch_left_it(corpus, tmp_path):
    class Save(Callback):
        def on_epoch_end(self, model, report):
            model.save(tmp_path / f"epoch{len(report.epoch_loss)}")

    model = SkipGram(**SETTINGS, workers=1).fit(corpus, callbacks=[Save()])
    first, last = load_model(tmp_path / "epoch1"), load_model(tmp_path / "epoch4")
    assert not same_parameters(first, last)
    assert same_parameters(last, model)
    assert first.vectors.most_similar("g0w0", topn=1)  # queries work at an epoch end


def test_a_failing_callback_fails_fit(corpus):
    model = SkipGram(**SETTINGS, workers=2)
    with pytest.raises(RuntimeError, match="callback failed after epoch 2"):
        model.fit(corpus, callbacks=[Recorder(fail_at_epoch=2)])
    assert not model.is_fitted
    with pytest.raises(TypeError, match="has none of on_train_begin"):
        model.fit(corpus, callbacks=[object()])


def test_an_update_resumes_only_from_the_model_it_started_from(corpus, tmp_path):
    base = SkipGram(**SETTINGS, workers=1).fit(corpus)
    base.save(tmp_path / "base")
    more = Corpus(_write_corpus(tmp_path / "more.txt", 1200, seed=2), progress=False)
    path = tmp_path / "partial"
    with pytest.raises(RuntimeError, match="callback failed"):
        base.fit(more, update=True, checkpoint=path,
                 callbacks=[Recorder(fail_at_epoch=2)])
    assert is_checkpoint(path)
    # another start, of the same settings and vocabulary: two threads' other vectors
    other = SkipGram(**SETTINGS, workers=2).fit(corpus).set_params(workers=1)
    assert not same_parameters(other, base)
    with pytest.raises(CheckpointMismatch) as info:
        other.fit(more, update=True, checkpoint=path)
    assert "update of: " in str(info.value) and "seed" not in str(info.value)
    # the same start resumes, and ends where an uninterrupted update does
    resumed = load_model(tmp_path / "base").fit(more, update=True, checkpoint=path)
    whole = load_model(tmp_path / "base").fit(more, update=True)
    assert same_parameters(resumed, whole) and not path.exists()

    class FailsAtTheEnd(Callback):
        def on_train_end(self, model, report):
            raise RuntimeError("the end failed")

    # a failure at the very end fails the update too: the model as it was, and the
    # checkpoint (of the last epoch) resumes the same update to its end
    model = load_model(tmp_path / "base")
    with pytest.raises(RuntimeError, match="the end failed"):
        model.fit(more, update=True, checkpoint=path, callbacks=[FailsAtTheEnd()])
    assert same_parameters(model, base) and len(model.vocab_) == len(base.vocab_)
    assert same_parameters(model.fit(more, update=True, checkpoint=path), whole)


def test_a_checkpoint_of_other_settings_or_another_corpus_is_refused(corpus, tmp_path):
    path = tmp_path / "partial"
    _interrupted(SkipGram(**SETTINGS, workers=1), corpus, path)
    with pytest.raises(CheckpointMismatch) as info:
        SkipGram(**{**SETTINGS, "alpha": 0.05}, window=3, workers=1).fit(
            corpus, checkpoint=path)
    message = str(info.value)
    assert "alpha: 0.025 in the checkpoint, 0.05 in this run" in message
    assert "window: 5 in the checkpoint, 3 in this run" in message
    assert "--restart" in message and "dim" not in message
    with pytest.raises(CheckpointMismatch,
                       match=r"workers \(--workers\): 1 in the checkpoint, 2"):
        SkipGram(**SETTINGS, workers=2).fit(corpus, checkpoint=path)
    other = Corpus(_write_corpus(tmp_path / "other.txt", 3600, seed=1), progress=False)
    with pytest.raises(CheckpointMismatch, match="the corpus: the checkpoint was made on "
                       ".*corpus.txt.*this run's is .*other.txt"):
        SkipGram(**SETTINGS, workers=1).fit(other, checkpoint=path)
    # read with another setting: named; the same sizes, other text: said so
    with pytest.raises(CheckpointMismatch, match="read with other settings: "
                                                 "max_sentence_length=10000 then, 5 now"):
        SkipGram(**SETTINGS, workers=1).fit(Corpus(corpus.name, max_sentence_length=5,
                                                   progress=False), checkpoint=path)
    # max_final_vocab is recorded only when set: its absence is named as unset
    with pytest.raises(CheckpointMismatch, match="read with other settings: "
                                                 "max_final_vocab=None then, 20 now"):
        SkipGram(**SETTINGS, workers=1).fit(Corpus(corpus.name, max_final_vocab=20,
                                                   progress=False), checkpoint=path)
    text = Path(corpus.name).read_text().split("\n")
    first = text[0].split()
    other_word = next(j for j, w in enumerate(first) if w != first[0])
    first[0], first[other_word] = first[other_word], first[0]  # two words swapped
    text[0] = " ".join(first)
    Path(corpus.name).write_text("\n".join(text))  # the same file, edited
    with pytest.raises(CheckpointMismatch, match="has other text than the checkpoint's "
                                                 r"\(the same name and sizes"):
        SkipGram(**SETTINGS, workers=1).fit(Corpus(corpus.name, progress=False),
                                            checkpoint=path)
    assert is_checkpoint(path)  # refused, not removed
    # restart: starts over (same vectors as a fresh run) and leaves no checkpoint
    fresh = SkipGram(**SETTINGS, workers=1).fit(other)
    again = SkipGram(**SETTINGS, workers=1).fit(other, checkpoint=path, restart=True)
    assert same_parameters(fresh, again) and not path.exists()


def test_a_checkpoint_is_its_owners_alone_and_keeps_the_access_it_is_given(corpus, tmp_path):
    # it holds the parameters: readable by others, it would open a private model
    path = tmp_path / "partial"
    old_umask = os.umask(0o022)
    try:
        _interrupted(SkipGram(**SETTINGS, workers=1), corpus, path, after_epoch=1)
        assert stat.S_IMODE(path.stat().st_mode) == 0o700
        path.chmod(0o750)  # shared with the group on purpose: the next keeps that
        written = (path / "checkpoint.json").stat().st_mtime_ns
        _interrupted(SkipGram(**SETTINGS, workers=1), corpus, path, after_epoch=3)
        assert (path / "checkpoint.json").stat().st_mtime_ns != written  # replaced
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o750


def test_a_damaged_checkpoint_is_refused_naming_the_file(corpus, tmp_path):
    path = tmp_path / "partial"
    _interrupted(SkipGram(**SETTINGS, workers=1), corpus, path)
    states = np.load(path / "states.npy")
    inputs = np.load(path / "inputs.npy")
    inputs[3, 1] = np.nan
    np.save(path / "inputs.npy", inputs)
    damaged = r"; the checkpoint is damaged: start over with --restart \(restart=True in " \
              r"Python\), which replaces it$"
    with pytest.raises(ValueError, match=r"inputs.npy: holds non-finite values \(NaN or "
                                         r"inf\), the first in row 3" + damaged):
        SkipGram(**SETTINGS, workers=1).fit(corpus, checkpoint=path)
    np.save(path / "inputs.npy", inputs[:, :4].astype(np.float64))
    with pytest.raises(ValueError, match=r"inputs.npy: expected float32 of shape .*" + damaged):
        SkipGram(**SETTINGS, workers=1).fit(corpus, checkpoint=path)
    (path / "inputs.npy").write_bytes(b"\x93NUMPY garbage")  # not an array at all
    with pytest.raises(ValueError, match=r"inputs.npy: .*" + damaged):
        SkipGram(**SETTINGS, workers=1).fit(corpus, checkpoint=path)
    np.save(path / "inputs.npy", np.zeros_like(inputs))
    np.save(path / "states.npy", np.zeros(1, np.uint64))
    with pytest.raises(ValueError, match="random state is 0"):
        SkipGram(**SETTINGS, workers=1).fit(corpus, checkpoint=path)
    head = json.loads((path / "checkpoint.json").read_text())
    (path / "checkpoint.json").write_text(json.dumps({**head, "position": 10**6}))
    with pytest.raises(ValueError, match="checkpoint.json: position 1000000 is outside"):
        SkipGram(**SETTINGS, workers=1).fit(corpus, checkpoint=path)
    # the meter's numbers: a time and counts that are no numbers of a run are damage
    # (they used to resume into a report of "nan s" and a training.json of NaN)
    np.save(path / "states.npy", states)
    meter = head["meter"]
    for damage, said in (
            ({"seconds": float("nan")}, r"checkpoint.json: seconds nan is no time spent"),
            ({"seconds": -1.0}, r"checkpoint.json: seconds -1.0 is no time spent"),
            ({"meter": {**meter, "epoch_words": [-5] + meter["epoch_words"][1:]}},
             r"partial: the meter's 'epoch_words' holds a negative or non-finite value"),
            ({"meter": {**meter, "lr": float("inf")}},
             r"partial: the meter's 'lr' holds a negative or non-finite value.*" + damaged)):
        (path / "checkpoint.json").write_text(json.dumps({**head, **damage}))
        with pytest.raises(ValueError, match=said):
            SkipGram(**SETTINGS, workers=1).fit(corpus, checkpoint=path)
    # a checkpoint.json that does not read is not a checkpoint (never removed), said so
    (path / "checkpoint.json").write_text('{"kind": "wordspace-che')
    with pytest.raises(FileExistsError, match=r"not a wordspace checkpoint \(its "
                                              r"checkpoint.json is damaged or not"):
        SkipGram(**SETTINGS, workers=1).fit(corpus, checkpoint=path, restart=True)
    assert (path / "inputs.npy").exists()


def test_a_checkpoint_that_cannot_be_written_says_what_is_left_to_resume(
        corpus, tmp_path, monkeypatch):
    """A full device at a checkpoint ended the run with "m.partial could not be written:
    no space left ...; nothing was replaced", not saying that the previous checkpoint is
    kept and that the same command resumes from it once there is room."""
    import errno

    from wordspace.engine import checkpoint as module

    real, written = module.write_checkpoint, []

    def full_at(n: int):
        def write(path, checkpoint):
            if len(written) == n:
                raise OSError(errno.ENOSPC, f"{path} could not be written: no space left")
            written.append(checkpoint.position)
            real(path, checkpoint)
        return write

    path = tmp_path / "run.partial"
    monkeypatch.setattr(module, "write_checkpoint", full_at(0))
    with pytest.raises(OSError, match=r"no space left; no checkpoint was written before "
                                      r"this one, so running again starts over$"):
        SkipGram(**SETTINGS, workers=1).fit(corpus, checkpoint=path, checkpoint_every="1e")
    monkeypatch.setattr(module, "write_checkpoint", full_at(2))
    with pytest.raises(OSError, match=r"no space left; the previous checkpoint, at 50 % of "
                       rf"the run, is kept at {path}: once the cause is fixed \(free some "
                       r"space\), the same command \(or fit\) resumes from it$") as info:
        SkipGram(**SETTINGS, workers=1).fit(corpus, checkpoint=path, checkpoint_every="1e")
    assert info.value.errno == errno.ENOSPC and is_checkpoint(path)


def test_each_checkpoint_is_logged_and_a_large_share_of_time_in_them_warned_about(
        corpus, tmp_path, monkeypatch, caplog):
    """Checkpoints were never logged, even with -v: what --checkpoint-every 0s costs was
    not to be seen."""
    from wordspace.engine import checkpoint as module

    real = module.write_checkpoint

    def slow(path, checkpoint):  # a large model's: writing it dwarfs a job
        time.sleep(0.02)
        real(path, checkpoint)

    monkeypatch.setattr(module, "write_checkpoint", slow)
    monkeypatch.setattr(module, "CHECKPOINT_WARNING_AFTER", 0.0)
    path = tmp_path / "run.partial"
    with caplog.at_level(logging.INFO, logger="wordspace"):
        SkipGram(**SETTINGS, workers=1).fit(corpus, checkpoint=path, checkpoint_every=0)
    written = [r.getMessage() for r in caplog.records
               if r.getMessage().startswith("checkpoint written to")]
    assert len(written) == 19  # at every boundary of 20 jobs (5 an epoch)
    assert re.fullmatch(rf"checkpoint written to {re.escape(str(path))} in \d+\.\d\d s, at "
                        r"20 % of the run \(after job 4 of 20\)", written[3]), written[3]
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warned) == 1 and warned[0].startswith("writing checkpoints took")
    assert "checkpoint less often than --checkpoint-every 0s" in warned[0]
    caplog.clear()
    # the same slow writes, but no warning before CHECKPOINT_WARNING_AFTER seconds of the
    # run (the real writes and a one-second gate would depend on the machine's load)
    monkeypatch.setattr(module, "CHECKPOINT_WARNING_AFTER", 3600.0)
    with caplog.at_level(logging.INFO, logger="wordspace"):  # a checkpoint every epoch
        SkipGram(**SETTINGS, workers=1).fit(corpus, checkpoint=path, checkpoint_every="1e")
    assert "writing checkpoints took" not in caplog.text
    assert caplog.text.count("checkpoint written to") == 3


def test_checkpoints_every_as_many_epochs_as_the_run_has_are_warned_about(
        corpus, tmp_path, caplog):
    """--checkpoint-every 100e with --epochs 1 was accepted silently and never
    checkpointed."""
    path = tmp_path / "run.partial"
    with caplog.at_level(logging.WARNING, logger="wordspace"):
        SkipGram(**SETTINGS, workers=1).fit(corpus, checkpoint=path, checkpoint_every="4e")
    assert "checkpoint_every='4e' (--checkpoint-every 4e) with 4 epoch(s): checkpoints " \
           "come between epochs, so none comes before the run ends and a killed run starts " \
           "over; checkpoint every epoch (1e), or after a duration (10m)" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="wordspace"):
        SkipGram(**SETTINGS, workers=1).fit(corpus, checkpoint=path, checkpoint_every="3e")
    assert "checkpoint_every" not in caplog.text  # one comes, before the fourth epoch


def test_only_a_checkpoint_is_ever_replaced(corpus, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("precious")
    with pytest.raises(FileExistsError, match="not a wordspace checkpoint"):
        SkipGram(**SETTINGS).fit(corpus, checkpoint=mine, restart=True)
    (tmp_path / "file").write_text("x")
    with pytest.raises(FileExistsError, match="existing file"):
        SkipGram(**SETTINGS).fit(corpus, checkpoint=tmp_path / "file")
    assert (mine / "thesis.tex").read_text() == "precious"
    with pytest.raises(ValueError, match="need checkpoint=PATH"):
        SkipGram(**SETTINGS).fit(corpus, checkpoint_every="10m")
    with pytest.raises(TypeError, match="PPMISVD trains in one pass"):
        PPMISVD(dim=4).fit(corpus, checkpoint=tmp_path / "p")


@pytest.mark.parametrize("text, every", [("30s", Every(seconds=30)), ("10m", Every(600)),
                                         ("2h", Every(7200)), ("2e", Every(epochs=2)),
                                         ("1.5m", Every(90)), (0, Every(0)), (12.5, Every(12.5))])
def test_checkpoint_every_parses_durations_and_epochs(text, every):
    assert Every.parse(text) == every


@pytest.mark.parametrize("text", ["10", "1.5e", "0e", "-3s", "10 minutes", "", True, -1])
def test_checkpoint_every_refuses_anything_else(text):
    with pytest.raises(ValueError, match="checkpoint_every must be"):
        Every.parse(text)


def _train_args(corpus_path, output, workers: int, *extra) -> list[str]:
    return ["train", str(corpus_path), "-o", str(output), "--dim", "12", "--epochs", "8",
            "--sample", "0", "--seed", "5", "--workers", str(workers), "--quiet", *extra]


def test_cli_refuses_a_mismatched_checkpoint_and_restart_starts_over(tmp_path, capsys):
    corpus_file = _write_corpus(tmp_path / "corpus.txt", 3600)
    out = tmp_path / "model"
    partial = checkpoint_path(out)
    assert partial == tmp_path / "model.partial"
    _interrupted(SkipGram(dim=12, epochs=8, sample=0.0, seed=5, workers=1, progress=False),
                 Corpus(corpus_file, progress=False), partial)
    assert main(_train_args(corpus_file, out, 1, "--checkpoint-every", "1e", "--window",
                            "3")) == 2
    err = capsys.readouterr().err
    assert "window: 5 in the checkpoint, 3 in this run" in err and "--restart" in err
    assert not out.exists() and is_checkpoint(partial)
    assert main(_train_args(corpus_file, out, 1, "--checkpoint-every", "1e", "--window",
                            "3", "--restart")) == 0
    assert not partial.exists()
    reference = SkipGram(dim=12, epochs=8, sample=0.0, seed=5, workers=1, window=3,
                         progress=False).fit(Corpus(corpus_file, progress=False))
    assert same_parameters(load_model(out), reference)
    with pytest.raises(SystemExit):
        main(_train_args(corpus_file, out, 1, "--checkpoint-every", "soon"))
    assert "--checkpoint-every: expected a duration" in capsys.readouterr().err


def test_a_mismatched_checkpoint_is_refused_before_the_corpus_is_read(tmp_path, capsys,
                                                                     monkeypatch):
    corpus_file = _write_corpus(tmp_path / "corpus.txt", 3600)
    partial = checkpoint_path(tmp_path / "model")
    _interrupted(SkipGram(dim=12, epochs=8, sample=0.0, seed=5, workers=1, progress=False),
                 Corpus(corpus_file, progress=False), partial)

    class Unread:
        def __iter__(self):
            raise AssertionError("the corpus was read")

    with pytest.raises(CheckpointMismatch, match=r"workers \(--workers\): 1 in the "
                                                 r"checkpoint, 2 in this run \(--workers 1, "
                                                 r"workers=1 in Python, resumes it\); "
                                                 r"window: 5"):
        SkipGram(dim=12, epochs=8, sample=0.0, seed=5, workers=2, window=3,
                 progress=False).fit(Unread(), checkpoint=partial)

    def unread(*args, **kwargs):
        raise AssertionError("the corpus was read")

    monkeypatch.setattr(corpus_module, "_source_files", unread)  # a file's first look
    assert main(_train_args(corpus_file, tmp_path / "model", 1, "--checkpoint-every", "1e",
                            "--window", "3")) == 2
    assert "window: 5 in the checkpoint, 3 in this run" in capsys.readouterr().err
    assert is_checkpoint(partial)
    # the same settings pass the early check (and resume, as the tests above show)
    with pytest.raises(AssertionError, match="the corpus was read"):
        main(_train_args(corpus_file, tmp_path / "model", 1, "--checkpoint-every", "1e"))


def test_a_resume_without_workers_takes_the_checkpoint_s(tmp_path, capsys, caplog,
                                                          monkeypatch):
    """A job requeued on a node with other cores could not resume with the default
    --workers (all cores): ``workers (--workers): 2 in the checkpoint, 1 in this run``.
    Without --workers the resume takes the checkpoint's count, said; another given
    explicitly is refused saying which to give."""
    import wordspace.models.base as base

    corpus_file = _write_corpus(tmp_path / "corpus.txt", 3600)
    out = tmp_path / "model"
    partial = checkpoint_path(out)
    _interrupted(SkipGram(dim=12, epochs=8, sample=0.0, seed=5, workers=2, progress=False),
                 Corpus(corpus_file, progress=False), partial)
    monkeypatch.setattr(base, "default_workers", lambda: 1)  # a node of one core
    args = _train_args(corpus_file, out, 1, "--checkpoint-every", "1e")
    assert main(args) == 2  # given explicitly: refused, saying how to resume
    err = capsys.readouterr().err
    assert "workers (--workers): 2 in the checkpoint, 1 in this run (--workers 2, " \
           "workers=2 in Python, resumes it)" in err and "--restart" in err
    at = args.index("--workers")
    with caplog.at_level(logging.WARNING):
        assert main(args[:at] + args[at + 2:]) == 0, capsys.readouterr().err
    assert f"{partial} was made with 2 workers, and a resume keeps them: training with 2 " \
           "(not this machine's default of 1)" in caplog.text and "resuming from" in \
        caplog.text
    n_tokens = Corpus(corpus_file, progress=False).n_tokens
    report = json.loads((out / "training.json").read_text())
    assert report["epoch_words"] == [n_tokens] * 8 and not partial.exists()


def test_a_checkpoint_of_other_reading_settings_is_refused_before_the_corpus_is_read(
        tmp_path, capsys, monkeypatch):
    """A --min-count other than the checkpoint's was found only once the whole corpus was
    read, though checkpoint.json records the reading settings."""
    corpus_file = _write_corpus(tmp_path / "corpus.txt", 3600)
    partial = checkpoint_path(tmp_path / "model")
    _interrupted(SkipGram(dim=12, epochs=8, sample=0.0, seed=5, workers=1, progress=False),
                 Corpus(corpus_file, progress=False), partial)
    # what is compared before reading is what the corpus, once read, records
    for cls, given in ((Corpus, {"min_count": 2, "lowercase": True}),
                       (Documents, {"min_count": 1, "max_final_vocab": 3})):
        source = corpus_file if cls is Corpus else [("a", "x y z"), ("b", "y z")]
        assert cls.reading_settings_for(**given) == cls(
            source, progress=False, **given).reading_settings()

    def unread(*args, **kwargs):
        raise AssertionError("the corpus was read")

    monkeypatch.setattr(corpus_module, "_source_files", unread)  # a file's first look
    assert main(_train_args(corpus_file, tmp_path / "model", 1, "--checkpoint-every", "1e",
                            "--min-count", "2", "--window", "3")) == 2
    err = capsys.readouterr().err
    assert "window: 5 in the checkpoint, 3 in this run; the corpus was read with other " \
           "settings: min_count=5 then, 2 now" in err and "--restart" in err
    assert is_checkpoint(partial)


def _run_cli(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wordspace", *args], capture_output=True,
                          text=True, timeout=300, env=os.environ.copy())


@pytest.mark.parametrize("workers", [1, 2])
def test_a_run_killed_at_random_moments_resumes_as_if_never_stopped(tmp_path, workers):
    corpus_file = _write_corpus(tmp_path / "corpus.txt", 3600)
    n_tokens = Corpus(corpus_file, progress=False).n_tokens
    reference = tmp_path / "reference"
    assert _run_cli(_train_args(corpus_file, reference, workers)).returncode == 0
    rng = random.Random(workers)
    resumed = 0
    for trial in range(3):
        out = tmp_path / f"model{trial}"
        partial = checkpoint_path(out)
        args = _train_args(corpus_file, out, workers, "--checkpoint-every", "0s")
        proc = subprocess.Popen([sys.executable, "-m", "wordspace", *args],
                                stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while not partial.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        # anywhere: in a job, a checkpoint, the save; well before the run's end (about
        # 0.65 s later on this project's machines), so that most trials really resume
        time.sleep(rng.uniform(0.0, 0.1))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        had_checkpoint = is_checkpoint(partial)
        again = _run_cli(args)  # the same command
        assert again.returncode == 0, again.stderr
        if had_checkpoint:
            resumed += 1
            assert "resuming from" in again.stderr
            assert "(resumed: the training time counts the interrupted runs" in again.stdout
        assert not partial.exists()
        model, first = load_model(out), load_model(reference)
        report = json.loads((out / "training.json").read_text())
        assert report["epoch_words"] == [n_tokens] * 8  # every job exactly once
        if workers == 1:
            assert same_parameters(model, first)
            assert report["epoch_loss"] == json.loads(
                (reference / "training.json").read_text())["epoch_loss"]
    assert resumed >= 2  # the test killed runs mid-way, not only finished ones


def test_a_sigterm_while_the_run_is_set_up_is_a_stop_asked(tmp_path):
    """SIGTERM before training starts (the model being built; a distributed rank joining
    its group) stops the run with a checkpoint as one during training does, instead of
    ending the process (and leaving a distributed run's other ranks waiting for it)."""
    corpus_file = _write_corpus(tmp_path / "corpus.txt", 600)
    out = tmp_path / "model"
    args = _train_args(corpus_file, out, 1, "--checkpoint-every", "1h")
    code = ("import os, signal, sys\n"
            "import wordspace.cli as cli\n"
            "build = cli.build_model\n"
            "def signalled(args):\n"
            "    os.kill(os.getpid(), signal.SIGTERM)  # as the model is being built\n"
            "    return build(args)\n"
            "cli.build_model = signalled\n"
            "sys.exit(cli.main(sys.argv[1:]))\n")
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 143, proc.stderr
    assert "SIGTERM: stopping" in proc.stderr and "holds it" in proc.stderr
    assert is_checkpoint(checkpoint_path(out))
    again = _run_cli(args)
    assert again.returncode == 0 and "resuming from" in again.stderr
    assert not checkpoint_path(out).exists()


def test_a_stop_request_checkpoints_and_stops_and_the_same_fit_resumes(corpus, tmp_path):
    from wordspace import TrainingStopped
    from wordspace.train import request_stop

    class StopsAfterEpoch(Callback):
        def on_epoch_end(self, model, report):
            if len(report.epoch_loss) == 2:
                request_stop()  # as SIGTERM's handler does, between any two jobs

    whole = SkipGram(**SETTINGS, workers=1).fit(corpus)
    path = tmp_path / "partial"
    model = SkipGram(**SETTINGS, workers=1)
    with pytest.raises(TrainingStopped, match=r"stopped on request before job \d+ of \d+ "
                                              r".*partial holds it"):
        model.fit(corpus, checkpoint=path, checkpoint_every="1h",  # none due by then
                  callbacks=[StopsAfterEpoch()])
    assert is_checkpoint(path) and not model.is_fitted
    resumed = SkipGram(**SETTINGS, workers=1).fit(corpus, checkpoint=path)
    assert same_parameters(resumed, whole) and not path.exists()
    request_stop()  # a run without a checkpoint cannot stop so: it trains to the end,
    assert same_parameters(SkipGram(**SETTINGS, workers=1).fit(corpus), whole)
    assert same_parameters(SkipGram(**SETTINGS, workers=1).fit(  # and the request is spent
        corpus, checkpoint=path, checkpoint_every="1h"), whole)


def _started_training(args: list[str]) -> subprocess.Popen:
    """``wordspace ARGS`` (without --quiet) started, once its training has begun."""
    proc = subprocess.Popen([sys.executable, "-m", "wordspace",
                             *[a for a in args if a != "--quiet"]],
                            stderr=subprocess.PIPE, text=True)
    line = ""
    while not line.startswith("training:"):  # the bar's first line, as training starts
        line = proc.stderr.readline()
        assert line, "the run ended before training"
    return proc


def test_sigterm_stops_training_with_a_checkpoint_and_the_command_resumes(tmp_path):
    corpus_file = _write_corpus(tmp_path / "corpus.txt", 3600)
    reference, out = tmp_path / "reference", tmp_path / "model"
    args = _train_args(corpus_file, out, 1, "--checkpoint-every", "1h", "--epochs", "40")
    assert _run_cli([*_train_args(corpus_file, reference, 1, "--epochs", "40")]
                    ).returncode == 0
    proc = _started_training(args)
    proc.send_signal(signal.SIGTERM)  # 40 epochs: about a second more to go
    err = proc.communicate(timeout=120)[1]
    assert proc.returncode == 143, err
    assert "SIGTERM: stopping after the next job" in err and "holds it" in err
    assert is_checkpoint(checkpoint_path(out)) and not out.exists()
    again = _run_cli(args)
    assert again.returncode == 0 and "resuming from" in again.stderr
    assert same_parameters(load_model(out), load_model(reference))


def test_a_second_run_writing_the_same_model_is_refused_at_once(tmp_path):
    """Two runs with one -o both said "model written to", the last one winning; with
    checkpoints, the second resumed from the first's live checkpoint and both trained
    on. The run holds a lock on its output for its whole life; the kernel drops it when
    the process dies, so a killed run leaves none."""
    corpus_file = _write_corpus(tmp_path / "corpus.txt", 3600)
    out = tmp_path / "model"
    args = _train_args(corpus_file, out, 1, "--checkpoint-every", "0s", "--epochs", "200")
    first = _started_training(args)
    try:
        other = tmp_path / "elsewhere" / ".." / "model"  # the same model, spelt otherwise
        (tmp_path / "elsewhere").mkdir()
        second = _run_cli(_train_args(corpus_file, other, 1, "--epochs", "1"))
        assert second.returncode == 2
        assert f"another wordspace run (pid {first.pid}) is writing {other}" in second.stderr
        assert "trained on" not in second.stdout
        assert first.poll() is None  # the first trains on
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    assert list((tmp_path).glob("*.lock")) == []  # nothing of the lock beside the model
    again = _run_cli(_train_args(corpus_file, out, 1, "--epochs", "1", "--restart"))
    assert again.returncode == 0, again.stderr  # no stale lock


def test_sigterm_without_checkpoints_says_nothing_was_kept(tmp_path):
    """A run without --checkpoint-every, pre-empted, ended silently (status 143)."""
    corpus_file = _write_corpus(tmp_path / "corpus.txt", 3600)
    out = tmp_path / "model"
    proc = _started_training(_train_args(corpus_file, out, 1, "--epochs", "200"))
    proc.send_signal(signal.SIGTERM)
    err = proc.communicate(timeout=120)[1]
    assert proc.returncode == -signal.SIGTERM, err  # as SIGTERM ends it: 143 in a shell
    assert "wordspace: SIGTERM: training stopped; nothing of it was kept (with " \
           "--checkpoint-every, a stopped run writes a checkpoint" in err
    assert not out.exists() and not checkpoint_path(out).exists()


def test_a_pause_sees_every_earlier_job_done_and_no_later_one_started():
    from wordspace.engine import Job, ThreadRunner
    from wordspace.engine.runner import Pauses

    jobs = [Job(i, i + 1, 1, index=i) for i in range(60)]
    started, finished, seen = [], [], []

    class EveryTenth(Pauses):
        def due(self, job):
            return job.index % 10 == 0

        def at(self, job):
            seen.append((job.index, sorted(started), sorted(finished)))

    def worker(_):
        def step(job):
            started.append(job.index)
            time.sleep(0.001)
            finished.append(job.index)
        return step

    ThreadRunner(4).run(jobs, worker, pauses=EveryTenth())
    assert [index for index, _, _ in seen] == [0, 10, 20, 30, 40, 50]
    for index, began, done in seen:
        assert began == done == list(range(index))
    assert sorted(finished) == list(range(60))


def test_the_same_command_run_again_after_it_finished_keeps_its_model(tmp_path):
    """A job requeued once it had completed (Slurm runs the same command again after a
    pre-emption or a node failure) finds its model written, and neither retrains nor
    touches it; another command, another corpus, or a model file changed since trains
    as before, and --restart always does."""
    corpus_file = _write_corpus(tmp_path / "corpus.txt", 600)
    out = tmp_path / "model"
    args = _train_args(corpus_file, out, 2, "--checkpoint-every", "1e")
    first = _run_cli(args)
    assert first.returncode == 0 and "model written to" in first.stdout, first.stderr

    def files() -> dict:
        return {f.name: (f.stat().st_ino, f.stat().st_mtime_ns, f.read_bytes())
                for f in out.iterdir()}

    written = files()
    again = _run_cli(args)  # requeued
    assert again.returncode == 0, again.stderr
    assert again.stdout == (f"{out} already holds the model this command trained (the "
                            "same options and corpus, every file as written): nothing to "
                            "train (--restart trains it again)\n")
    assert files() == written and not checkpoint_path(out).exists()

    def trains(command: list[str]) -> bool:
        run = _run_cli(command)
        assert run.returncode == 0, run.stderr
        return "model written to" in run.stdout

    # a model file changed since it was written: trained again, as before
    (out / "vocab.tsv").write_text((out / "vocab.tsv").read_text() + "\n")
    assert trains(args) and not trains(args)
    assert trains(args + ["--restart"])  # asked to train again
    assert trains(args + ["--window", "3"])  # another command
    with open(corpus_file, "a") as f:  # another corpus under the same name
        f.write("t0w1 t0w2\n")
    assert trains(args + ["--window", "3"]) and not trains(args + ["--window", "3"])
    # a checkpoint waiting beside it (another command's, stopped): not done, as before
    _interrupted(SkipGram(dim=12, epochs=8, sample=0.0, seed=5, workers=1, progress=False),
                 Corpus(corpus_file, progress=False), checkpoint_path(out))
    waiting = _run_cli(args + ["--window", "3"])
    assert waiting.returncode == 2 and "window: 5 in the checkpoint, 3 in this run" in \
        waiting.stderr, waiting.stderr


def test_a_requeue_keeps_the_model_only_when_every_rank_finds_it(tmp_path, monkeypatch):
    """In a process group each rank checks the finished model for itself (its own paths,
    which may differ between machines) and all keep it only when all found it: a rank
    that did not would train alone and wait for the others for ever."""
    from wordspace import cli
    from wordspace.distributed import group

    corpus_file = _write_corpus(tmp_path / "corpus.txt", 600)
    out = tmp_path / "model"
    argv = _train_args(corpus_file, out, 1, "--model", "sgns", "--checkpoint-every", "1e")
    assert _run_cli(argv).returncode == 0
    args = cli.build_parser().parse_args(argv)
    kind = Corpus._dataset_kind

    class Group:  # the other rank's answer, as all_gather brings it
        def __init__(self, other: bool):
            self.other = other

        def all_gather(self, value, what):
            return [value, self.other]

    assert cli._already_trained(args, kind, checkpoint_path(out))  # one process
    monkeypatch.setattr(group, "_world_from_environment", lambda: 2)
    for other in (True, False):
        monkeypatch.setattr(group, "current_group", lambda other=other: Group(other))
        assert cli._already_trained(args, kind, checkpoint_path(out)) is other


def test_a_requeue_knows_pretrained_vectors_by_their_contents_not_their_path(tmp_path):
    """--init's file decides the model: the same command finds its model kept while the
    file is as it was, under any path to it, and trains again once the file has been
    rewritten in place."""
    corpus_file = _write_corpus(tmp_path / "corpus.txt", 600)
    words = sorted({w for s in planted_sentences(n_sentences=600)[0] for w in s})
    vectors = tmp_path / "init.vec"
    vectors.write_text(f"{len(words)} 12\n" + "".join(
        f"{w} {' '.join(['0.01'] * 12)}\n" for w in words))
    out = tmp_path / "model"
    args = _train_args(corpus_file, out, 1, "--checkpoint-every", "1e", "--init",
                       str(vectors))

    def trains(command: list[str]) -> bool:
        run = _run_cli(command)
        assert run.returncode == 0, run.stderr
        return "model written to" in run.stdout

    assert trains(args) and not trains(args)
    (tmp_path / "elsewhere").symlink_to(tmp_path)  # another path to the same file
    moved = [str(tmp_path / "elsewhere" / "init.vec") if a == str(vectors) else a
             for a in args]
    assert not trains(moved)
    vectors.write_text(vectors.read_text().replace("0.01", "0.02"))  # rewritten in place
    assert trains(args) and not trains(args)


def test_train_without_checkpoint_options_leaves_model_partial_alone(tmp_path, capsys):
    corpus_file = _write_corpus(tmp_path / "corpus.txt", 300)
    out = tmp_path / "model"
    partial = checkpoint_path(out)
    partial.mkdir()
    (partial / "notes.txt").write_text("mine")
    assert main(_train_args(corpus_file, out, 1)) == 0
    assert (partial / "notes.txt").read_text() == "mine"
    assert main(_train_args(corpus_file, out, 1, "--checkpoint-every", "1e")) == 2
    assert (partial / "notes.txt").read_text() == "mine"
    # there is no option naming the checkpoint: -o names it
    assert "(wordspace train's is MODEL_DIR.partial, beside -o MODEL_DIR: give -o " \
           "another name)" in capsys.readouterr().err


@pytest.mark.parametrize("every", [[], ["--checkpoint-every", "1e"]])
def test_a_model_whose_save_fails_is_kept_and_the_same_command_writes_it(
        tmp_path, capsys, caplog, monkeypatch, every):
    """A file put in the old model's folder during the run made the final save fail
    (``also holds results.csv``), and the whole training was thrown away (with
    checkpoints, all but the last one, unsaid). The finished run is kept as the
    checkpoint beside the model, and the same command writes the model from it without
    training; a save that fails with no room for it keeps the last checkpoint, said."""
    import wordspace.cli as cli
    from wordspace.engine.checkpoint import is_finished
    from wordspace.engine.runner import ThreadRunner

    corpus_file = _write_corpus(tmp_path / "corpus.txt", 600)
    out, reference = tmp_path / "model", tmp_path / "reference"
    partial = checkpoint_path(out)
    args = _train_args(corpus_file, out, 1, *every)
    assert main(_train_args(corpus_file, reference, 1)) == 0
    assert main(_train_args(corpus_file, out, 1, "--window", "3")) == 0  # an older model
    real = cli._check_room_for

    def meanwhile(*a):  # as the training starts, a file of yours goes into the folder
        real(*a)
        (out / "results.csv").write_text("mine\n")

    with monkeypatch.context() as patch:
        patch.setattr(cli, "_check_room_for", meanwhile)
        assert main(args) == 2
    err = capsys.readouterr().err
    assert f"{out} is a wordspace model directory, and also holds results.csv" in err
    assert f"The trained model is kept at {partial} (a checkpoint of the finished run): " \
           "once the cause is fixed, run the same command again (the same -o), which " \
           "writes the model from it without training" in err
    assert is_finished(partial) and (out / "results.csv").read_text() == "mine\n"
    (out / "results.csv").unlink()
    ran = []
    real_run = ThreadRunner.run
    monkeypatch.setattr(ThreadRunner, "run", lambda self, jobs, *a: (
        ran.extend(jobs), real_run(self, jobs, *a))[1])
    with caplog.at_level(logging.WARNING):
        assert main(args) == 0  # the same command
    assert "holds the finished run" in caplog.text and not ran  # nothing trained
    assert same_parameters(load_model(out), load_model(reference))
    assert not partial.exists()
    partial.mkdir()  # no place for it: what is kept (nothing, here) is said
    (partial / "notes.txt").write_text("mine")
    with monkeypatch.context() as patch:
        patch.setattr(cli, "_check_room_for", meanwhile)
        assert main(_train_args(corpus_file, out, 1)) == 2
    assert "The finished training could not be kept either" in capsys.readouterr().err
    assert (partial / "notes.txt").read_text() == "mine"
    if every:  # the finished run cannot be written (no room): the last checkpoint is said
        shutil.rmtree(partial)
        (out / "results.csv").unlink()

        def full(self, path):
            raise OSError(f"{path} could not be written: no space left on its device")

        monkeypatch.setattr(SkipGram, "_keep_as_checkpoint", full)
        with monkeypatch.context() as patch:
            patch.setattr(cli, "_check_room_for", meanwhile)
            assert main([*args, "--window", "4"]) == 2  # (args: trained already)
        assert f"the last checkpoint written is kept at {partial}: once the cause is " \
               "fixed, run the same command again to resume from it" in \
            capsys.readouterr().err
        assert is_checkpoint(partial) and not is_finished(partial)


def test_a_kill_while_the_checkpoint_is_removed_leaves_no_half_checkpoint(
        corpus, tmp_path, monkeypatch):
    from wordspace.engine import checkpoint as module

    path = tmp_path / "run.partial"
    _interrupted(SkipGram(**SETTINGS, workers=1), corpus, path)

    def killed(target, *args, **kwargs):  # the process dies after one file is gone
        next(p for p in Path(target).rglob("*") if p.is_file()).unlink()
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(module.shutil, "rmtree", killed)
        with pytest.raises(KeyboardInterrupt):
            module.remove_checkpoint(path)
    assert not path.exists()  # nothing a later run could take for a user's folder
    SkipGram(**SETTINGS, workers=1).fit(corpus, checkpoint=path)  # the same run again
    assert not path.exists()


def test_numpy_scalar_parameters_reach_checkpoints_and_saved_models(corpus, tmp_path):
    model = SkipGram(**{**SETTINGS, "window": np.int64(3), "alpha": np.float32(0.03)},
                     workers=1)
    model.fit(corpus, checkpoint=tmp_path / "run.partial", checkpoint_every="1e")
    model.save(tmp_path / "m")
    assert load_model(tmp_path / "m").get_params()["window"] == 3


def _rank_checkpointer(parent: Path, marked: bool = True):
    """Rank 0's checkpointer of a 2-rank run (as train() sets it up; ``marked=False``:
    in a folder no distributed run marked), and a writer of checkpoints at a given
    position."""
    from wordspace.engine.checkpoint import Checkpoint, Checkpointer, mark_ranks

    if marked:
        mark_ranks(parent, 2)
    checkpointer = Checkpointer(parent / "rank-0", Every(epochs=1), {"dim": 2}, {"digest": "x"})
    checkpointer.keep_previous = True

    def write(position: int) -> None:
        checkpointer.write(Checkpoint(
            config={}, corpus={}, position=position, jobs=100, epochs=10, seconds=1.0,
            meter={}, states=np.ones(1, np.uint64),
            arrays={"vectors": np.full((3, 2), position, np.float32)}))

    return checkpointer, write


def test_a_rank_keeps_its_last_two_checkpoints(tmp_path):
    checkpointer, write = _rank_checkpointer(tmp_path / "run.partial")
    for position in (10, 20, 30):
        write(position)
    assert checkpointer.positions() == {checkpointer.path: 30, checkpointer.previous: 20}


def test_a_rank_resumed_from_its_previous_never_keeps_the_newer_one_it_dropped(tmp_path):
    """The ranks resumed from epoch 1 (rank 0 also had epoch 2, the others not): rank 0's
    next checkpoint replaces its stale epoch 2, and epoch 1, the one all ranks have,
    stays its previous (kept only if the rotation knows which one the run continues)."""
    checkpointer, write = _rank_checkpointer(tmp_path / "run.partial")
    write(10)
    write(20)
    checkpointer.resume_from_previous()  # what _choose_checkpoint decided
    assert checkpointer.positions() == {checkpointer.previous: 10}  # 20 dropped at once
    write(20)  # the run's own epoch 2
    assert checkpointer.positions() == {checkpointer.path: 20, checkpointer.previous: 10}
    write(30)  # and from then on, the usual rotation
    assert checkpointer.positions() == {checkpointer.path: 30, checkpointer.previous: 20}


@pytest.mark.parametrize("damage", ["no checkpoint.json", "damaged checkpoint.json",
                                    "truncated array", "half removed"])
def test_a_rank_checkpoint_that_does_not_read_whole_is_passed_over_and_replaced(
        tmp_path, damage):
    """A rank's last checkpoint damaged (or half removed by a kill): positions() offers
    only the one before, and writing goes on (it was refused: not a checkpoint)."""
    checkpointer, write = _rank_checkpointer(tmp_path / "run.partial")
    write(10)
    write(20)
    last = checkpointer.path
    if damage == "no checkpoint.json":
        (last / "checkpoint.json").unlink()
    elif damage == "damaged checkpoint.json":
        (last / "checkpoint.json").write_text("{")
    elif damage == "truncated array":
        data = (last / "vectors.npy").read_bytes()
        (last / "vectors.npy").write_bytes(data[:-4])
    else:
        (last / "vectors.npy").unlink()
        (last / "states.npy").unlink()
    assert checkpointer.positions() == {checkpointer.previous: 10}
    write(20)
    assert checkpointer.positions() == {checkpointer.path: 20, checkpointer.previous: 10}
    # the same damage to the previous one: it is replaced at the next rotation
    (checkpointer.previous / "checkpoint.json").unlink()
    assert checkpointer.positions() == {checkpointer.path: 20}
    write(30)
    assert checkpointer.positions() == {checkpointer.path: 30, checkpointer.previous: 20}


def test_a_rank_never_removes_what_is_not_a_rank_checkpoint(tmp_path):
    """Outside a distributed run's marked checkpoint, a damaged folder at the place of
    the previous one is someone's folder: refused, and left as it was."""
    checkpointer, write = _rank_checkpointer(tmp_path, marked=False)
    mine = tmp_path / "rank-0.previous"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    write(10)  # nothing to rotate yet
    with pytest.raises(FileExistsError, match="rank-0.previous"):
        write(20)  # the last would become the previous: the folder there is refused
    assert (mine / "notes.txt").read_text() == "mine"


def test_what_a_kill_while_removing_a_previous_checkpoint_left_is_cleaned_up(tmp_path,
                                                                              monkeypatch):
    """Killed inside the removal of rank-0.previous: its temporary (a part-deleted
    checkpoint) is cleaned up at a later write, not kept for the rest of the run."""
    import shutil

    from wordspace import _io
    from wordspace.engine import checkpoint as module

    checkpointer, write = _rank_checkpointer(tmp_path / "run.partial")
    write(10)
    write(20)
    rmtree = shutil.rmtree
    monkeypatch.setattr(module.shutil, "rmtree", lambda *a, **k: None)  # "killed" there
    write(30)
    monkeypatch.setattr(module.shutil, "rmtree", rmtree)
    left = [p for p in checkpointer.path.parent.iterdir() if p.name.endswith(".tmp")]
    assert len(left) == 1 and left[0].name.startswith(".rank-0.previous.old.")
    monkeypatch.setattr(_io, "STALE_AFTER_SECONDS", 0)
    write(40)
    assert [p for p in checkpointer.path.parent.iterdir() if p.name.endswith(".tmp")] == []
    assert checkpointer.positions() == {checkpointer.path: 40, checkpointer.previous: 30}


class _Gathered:
    """A group of ranks whose all_gather returns the given lists (this rank's first)."""

    def __init__(self, others):
        self.others = others

    def all_gather(self, value, what=""):
        return [value, *self.others]


def test_ranks_killed_while_writing_their_first_checkpoints_start_over(tmp_path):
    from wordspace.engine.checkpoint import CheckpointMismatch
    from wordspace.train import _choose_checkpoint

    checkpointer, write = _rank_checkpointer(tmp_path / "run.partial")
    write(10)  # rank 0 published its first; rank 1 was killed before publishing its own
    _choose_checkpoint(_Gathered([[]]), checkpointer, 10, "corpus")
    assert checkpointer.positions() == {} and checkpointer.source is None
    write(10)
    write(20)  # further on, a rank with none is damage: refused, nothing removed
    with pytest.raises(CheckpointMismatch, match="rank 0: epoch 2, epoch 3; rank 1: none"):
        _choose_checkpoint(_Gathered([[]]), checkpointer, 10, "corpus")
    assert checkpointer.positions() == {checkpointer.path: 20, checkpointer.previous: 10}


def test_a_setting_a_checkpoint_did_not_record_is_not_blamed():
    """A checkpoint made before a setting was recorded says nothing of it; one recorded
    only when set (max_final_vocab, phrases) was unset where it is missing."""
    from wordspace.engine.checkpoint import _corpus_difference

    def identity(tokens: int, **reading) -> dict:
        return {"name": "c.txt", "tokens": tokens, "sentences": 9, "words": 5,
                "reading": reading}

    old = identity(90, min_count=5)  # made before max_token_length was recorded
    assert _corpus_difference(old, identity(80, min_count=5, max_token_length=100)) == (
        "the corpus: the checkpoint was made on 'c.txt' (90 tokens, 9 sentences, 5 words), "
        "this run's is 'c.txt' (80 tokens, 9 sentences, 5 words)")
    assert _corpus_difference(identity(90, min_count=5, phrases="ab12"),
                              identity(80, min_count=5)) == (
        "the corpus was read with other settings: phrases='ab12' then, None now")


def test_a_finished_run_removes_what_killed_checkpoint_writes_left(corpus, tmp_path,
                                                                   monkeypatch):
    """A run killed while it wrote a checkpoint leaves a temporary as large as one
    beside it; the run that resumes and finishes removes it with the checkpoint (it was
    left for ever, gigabytes for a fastText model), and leaves one still claimed alone."""
    from wordspace import _io

    where = tmp_path / "run"
    where.mkdir()
    partial = where / "m.partial"
    killed = where / ".m.partial.0badc0de.tmp"  # as temporary_directory names them
    killed.mkdir()
    (killed / "input_vectors_.npy").write_bytes(b"\0" * 4096)
    monkeypatch.setattr(_io, "STALE_AFTER_SECONDS", 0)
    _finish_beside_a_live_write(corpus, partial)


def _finish_beside_a_live_write(corpus, partial):
    """Train to the end with ``partial`` as the checkpoint, beside another run's
    temporary being written (claimed): what the finished run leaves there is that
    temporary alone, whatever was beside it before."""
    from wordspace import _io

    live, claim = _io.temporary_directory(partial.parent, partial.name)
    try:
        SkipGram(**SETTINGS, workers=1).fit(corpus, checkpoint=partial,
                                            checkpoint_every="10m")  # none written
        assert sorted(p.name for p in partial.parent.iterdir()) == [live.name]
    finally:
        os.close(claim)


_KILLED_WRITER = """
import sys, time
import numpy as np
from wordspace import _io
with _io.atomic_directory(sys.argv[1]) as tmp:  # as write_checkpoint writes one
    np.save(tmp / "input_vectors.npy", np.zeros((256, 64), np.float32))
    print("writing", flush=True)
    time.sleep(600)
"""


def test_a_finished_run_removes_a_killed_checkpoint_write_however_young(corpus, tmp_path,
                                                                       monkeypatch):
    """Killed and resumed within seconds, a run left its checkpoint write's temporary
    (a checkpoint's size) behind when it finished: under 30 s old, it might have been
    another run's, between making it and claiming it. Temporaries are made under their
    folder's making lock, so with that lock free, an unclaimed one is a dead run's,
    however young; a live run's (claimed) is kept."""
    from wordspace import _io

    where = tmp_path / "run"
    where.mkdir()
    partial = where / "m.partial"
    writer = subprocess.Popen([sys.executable, "-c", _KILLED_WRITER, str(partial)],
                              stdout=subprocess.PIPE)
    assert writer.stdout.readline() == b"writing\n"
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    [killed] = where.iterdir()
    assert killed.name.startswith(".m.partial.") and time.time() - killed.stat().st_mtime < 30
    monkeypatch.setattr(_io, "STALE_AFTER_SECONDS", 1e9)  # so age can never be the reason
    _finish_beside_a_live_write(corpus, partial)


def test_a_command_record_that_cannot_be_written_does_not_fail_a_written_model(
        tmp_path, monkeypatch, caplog):
    """The model is written whole; its command record (a requeue's shortcut) meets a full
    device: a warning, exit 0, the model kept and the checkpoint gone (the run failed,
    and every resumed run failed the same way, at its end)."""
    import errno
    import logging

    from wordspace import _io
    from wordspace.models.base import COMMAND_RECORD

    corpus_file = _write_corpus(tmp_path / "corpus.txt", 600)
    out = tmp_path / "model"
    real = _io.atomic_write

    def full(path, *args, **kwargs):
        if Path(path).name == COMMAND_RECORD:
            raise OSError(errno.ENOSPC, f"{path} could not be written: no space left")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(_io, "atomic_write", full)
    with caplog.at_level(logging.WARNING, logger="wordspace"):
        assert main(_train_args(corpus_file, out, 1, "--checkpoint-every", "1e")) == 0
    assert "is written, but not the record of the command that made it" in caplog.text
    assert load_model(out).is_fitted and not (out / COMMAND_RECORD).exists()
    assert not checkpoint_path(out).exists()


def test_the_command_record_names_the_corpus_as_it_was_read(tmp_path):
    """The record of the command that made a model names its corpus's files as the
    corpus found them before reading (what the model learnt from), not as they are when
    the model is written: a file edited meanwhile is not taken for the one learnt."""
    from wordspace import cli
    from wordspace.corpus import source_identity

    corpus_file = _write_corpus(tmp_path / "corpus.txt", 600)
    args = cli.build_parser().parse_args(_train_args(corpus_file, tmp_path / "m", 1))
    as_read = source_identity(corpus_file, "corpus")
    corpus = Corpus(corpus_file, progress=False)
    with open(corpus_file, "a") as f:
        f.write("t0w1 t0w2\n")  # edited after the reading, before the model is written
    assert cli._command_record(args, "corpus", corpus)["corpus"] == as_read
    assert cli._command_record(args, "corpus")["corpus"] == source_identity(corpus_file,
                                                                            "corpus") != as_read


def test_beginnings_see_the_parameters_training_starts_from(corpus, tmp_path):
    """``on_epoch_begin`` sees the vectors as the last epoch left them (a fastText
    model's too, computed from its rows), with no ``on_epoch_end`` to rebuild them; and
    ``on_train_begin`` of a resumed run, the checkpoint's parameters."""
    from wordspace.models import FastText

    class Begins(Callback):
        def __init__(self):
            self.rows, self.starts = [], []

        def on_train_begin(self, model):
            self.starts.append(model.input_vectors_.copy())

        def on_epoch_begin(self, model):
            self.rows.append(model.wv["g0w0"].copy())

    begins = Begins()
    FastText(**SETTINGS, bucket=200, workers=1).fit(corpus, callbacks=[begins])
    assert len(begins.rows) == SETTINGS["epochs"]
    assert all(not np.array_equal(a, b)
               for a, b in zip(begins.rows, begins.rows[1:], strict=False))
    path = tmp_path / "partial"
    _interrupted(SkipGram(**SETTINGS, workers=1), corpus, path)
    saved = np.load(path / "inputs.npy")
    resumed = Begins()
    SkipGram(**SETTINGS, workers=1).fit(corpus, checkpoint=path, callbacks=[resumed])
    assert len(resumed.starts) == 1
    np.testing.assert_array_equal(resumed.starts[0], saved)


def _save_fails(monkeypatch, model_class=SkipGram):
    """Make ``model_class``'s save fail (a full device) until the context ends."""
    def full(self, path, *a, **k):
        raise OSError(f"{path} could not be written: no space left on its device")

    monkeypatch.setattr(model_class, "save", full)


def _finished_partial(tmp_path, monkeypatch, corpus_file, out, *extra) -> Path:
    """``out``'s checkpoint holding a finished run (``train`` with ``extra``), kept there
    when its save failed."""
    from wordspace.engine.checkpoint import is_finished

    with monkeypatch.context() as patch:
        _save_fails(patch)
        assert main(_train_args(corpus_file, out, 1, *extra)) == 2
    partial = checkpoint_path(out)
    assert is_finished(partial)
    return partial


def test_a_one_pass_model_leaves_a_finished_partial_alone(tmp_path, monkeypatch, capsys):
    """ppmi-svd with a finished run of skip-gram in MODEL.partial crashed (its model has
    no workers nor _check_checkpoint): it trains, and the partial is left as it was."""
    from wordspace.engine.checkpoint import is_finished

    corpus_file = _write_corpus(tmp_path / "corpus.txt", 300)
    out = tmp_path / "model"
    partial = _finished_partial(tmp_path, monkeypatch, corpus_file, out)
    capsys.readouterr()
    assert main(["train", str(corpus_file), "-o", str(out), "--model", "ppmi-svd", "--dim",
                 "4", "--quiet"]) == 0
    assert is_finished(partial) and isinstance(load_model(out), PPMISVD)


def test_a_finished_partial_is_written_out_whatever_the_worker_count(
        tmp_path, monkeypatch, caplog):
    """A requeue with another --workers (another node's cores) retrained from scratch a
    finished run kept when its save failed: with no job left, the lanes do not matter.
    One of other settings is not used, and the warning names the differences (it
    advised --checkpoint-every, which would refuse it)."""
    from wordspace.engine.runner import ThreadRunner

    corpus_file = _write_corpus(tmp_path / "corpus.txt", 300)
    out, reference = tmp_path / "model", tmp_path / "reference"
    assert main(_train_args(corpus_file, reference, 1)) == 0
    partial = _finished_partial(tmp_path, monkeypatch, corpus_file, out)
    ran = []
    real_run = ThreadRunner.run
    monkeypatch.setattr(ThreadRunner, "run", lambda self, jobs, *a: (
        ran.extend(jobs), real_run(self, jobs, *a))[1])
    with caplog.at_level(logging.WARNING):
        assert main(_train_args(corpus_file, out, 2)) == 0
    assert "holds the finished run" in caplog.text and not ran
    assert same_parameters(load_model(out), load_model(reference)) and not partial.exists()
    partial = _finished_partial(tmp_path, monkeypatch, corpus_file, out, "--window", "3")
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert main(_train_args(corpus_file, out, 1, "--window", "2")) == 0
    assert f"{partial} holds a finished run of other settings (window: 3 in the " \
           "checkpoint, 2 in this run), which is not used" in caplog.text
    assert "--checkpoint-every" not in caplog.text and ran


def test_a_failed_save_never_replaces_another_runs_checkpoint(tmp_path, monkeypatch, capsys):
    """A seed-2 run without checkpoints whose save failed replaced seed 1's resumable
    checkpoint with its finished run, unsaid; and when the keep failed too, the message
    promised a resume from the other run's checkpoint."""
    from wordspace.engine.checkpoint import checkpoint_config, is_finished

    corpus_file = _write_corpus(tmp_path / "corpus.txt", 300)
    out = tmp_path / "model"
    partial = checkpoint_path(out)
    _interrupted(SkipGram(dim=12, epochs=8, sample=0.0, seed=1, workers=1, progress=False),
                 Corpus(corpus_file, progress=False), partial)
    capsys.readouterr()
    with monkeypatch.context() as patch:
        _save_fails(patch)
        assert main(_train_args(corpus_file, out, 1)) == 2  # (seed 5)
        assert f"The trained model could not be kept: {partial} holds the checkpoint of " \
               "another run (seed: 1 in the checkpoint, 5 in this run), which is left as " \
               "it is: none of this training is left" in capsys.readouterr().err
        assert checkpoint_config(partial)["seed"] == 1 and not is_finished(partial)
        assert main(_train_args(corpus_file, out, 1, "--seed", "1", "--checkpoint-every",
                                "1e")) == 2  # this run's own checkpoint: replaced
        assert f"The trained model is kept at {partial}" in capsys.readouterr().err
        assert is_finished(partial)


def test_a_failed_save_never_replaces_a_checkpoint_of_another_corpus(tmp_path, monkeypatch,
                                                                     capsys):
    """A run of the same settings on another corpus whose save failed replaced the first
    run's resumable checkpoint (the settings alone were compared)."""
    from wordspace.engine.checkpoint import is_finished

    first = _write_corpus(tmp_path / "x.txt", 300)
    other = _write_corpus(tmp_path / "y.txt", 300, seed=3)
    out = tmp_path / "model"
    partial = checkpoint_path(out)
    _interrupted(SkipGram(dim=12, epochs=8, sample=0.0, seed=5, workers=1, progress=False),
                 Corpus(first, progress=False), partial)
    before = (partial / "checkpoint.json").read_bytes()
    capsys.readouterr()
    with monkeypatch.context() as patch:
        _save_fails(patch)
        assert main(_train_args(other, out, 1)) == 2  # (seed 5, as the first)
    said = capsys.readouterr().err
    assert f"The trained model could not be kept: {partial} holds the checkpoint of " \
           "another run (the corpus: the checkpoint was made on" in said
    assert not is_finished(partial) and (partial / "checkpoint.json").read_bytes() == before


def test_a_finished_partial_of_another_corpus_is_left_alone_and_the_run_trains(
        tmp_path, monkeypatch, caplog):
    """The same command after the corpus changed failed once it was read (rc 2), though
    without --checkpoint-every MODEL.partial is left alone unless it holds this command's
    finished run: it is not used, said, and the run trains from the start."""
    from wordspace.engine.checkpoint import is_finished

    corpus_file = _write_corpus(tmp_path / "corpus.txt", 300)
    out = tmp_path / "model"
    partial = _finished_partial(tmp_path, monkeypatch, corpus_file, out)
    with corpus_file.open("a") as f:
        f.write(corpus_file.read_text().splitlines()[0] + "\n")
    with caplog.at_level(logging.WARNING):
        assert main(_train_args(corpus_file, out, 1)) == 0
    assert f"{partial} holds a finished run made otherwise (the corpus: the checkpoint " \
           "was made on" in caplog.text
    assert "which is not used and is left as it is: training from the start" in caplog.text
    assert is_finished(partial)  # as it was
    assert main(_train_args(corpus_file, tmp_path / "reference", 1)) == 0
    assert same_parameters(load_model(out), load_model(tmp_path / "reference"))


def test_an_update_whose_save_failed_is_not_stuck(tmp_path, monkeypatch, caplog):
    """An --update whose save failed left MODEL.partial, which --restart (refused with
    --update) could not remove; and once the model updated had changed, the partial
    (an update of the model as it was) failed the run instead of being left alone."""
    corpus_file = _write_corpus(tmp_path / "corpus.txt", 300)
    base, out = tmp_path / "base", tmp_path / "model"
    assert main(_train_args(corpus_file, base, 1)) == 0
    update = ["--update", str(base)]
    partial = _finished_partial(tmp_path, monkeypatch, corpus_file, out, *update)
    assert main(_train_args(corpus_file, base, 1, "--seed", "6")) == 0  # changed since
    with caplog.at_level(logging.WARNING):
        assert main(_train_args(corpus_file, out, 1, *update)) == 0
    assert f"{partial} holds a finished run made otherwise (update of: " in caplog.text
    assert partial.exists()
    assert main(_train_args(corpus_file, out, 1, *update, "--restart")) == 0
    assert not partial.exists()


def test_the_space_a_restart_frees_counts_as_free(tmp_path, monkeypatch):
    """--checkpoint-every --restart was refused for room it would have: two copies were
    counted while the old checkpoint, which the restart removes first, took its space."""
    import wordspace._io as io
    from wordspace.cache import disk_usage

    corpus_file = _write_corpus(tmp_path / "corpus.txt", 300)
    out = tmp_path / "model"
    partial = checkpoint_path(out)
    _interrupted(SkipGram(dim=12, epochs=8, sample=0.0, seed=1, workers=1, progress=False),
                 Corpus(corpus_file, progress=False), partial)
    held = disk_usage(partial)  # the blocks its files take, which removing them frees
    asked = []
    real = io.check_room
    monkeypatch.setattr(io, "check_room", lambda path, least, *a, **k: (
        asked.append(least), real(path, least, *a, **k))[1])
    args = _train_args(corpus_file, out, 1, "--checkpoint-every", "1e", "--restart")
    assert main(args) == 0 and not partial.exists()
    assert main(args) == 0  # no checkpoint there now: nothing freed
    assert held > 0 and asked == [asked[1] - held, asked[1]]
