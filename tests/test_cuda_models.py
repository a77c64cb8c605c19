"""``SkipGram(device="cuda")`` and ``wordspace train --device cuda``: the model trains
through the engine's driver on the device, on Numba-CUDA's simulator where there is no
GPU (selected in conftest.py), and
the result is an ordinary model that saves, loads and answers on a CPU-only machine.
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers import nothing_cached, simulated_cuda

cuda = simulated_cuda()

from conftest import planted_sentences  # noqa: E402
from wordspace import CBOW, PVDBOW, Corpus, FastText, SkipGram  # noqa: E402
from wordspace.cli import main  # noqa: E402
from wordspace.cuda.device import NoCudaDevice  # noqa: E402
from wordspace.models.base import Model  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
TINY = dict(dim=8, window=3, negative=3, sample=0, alpha=0.1, progress=False)


@pytest.fixture(scope="module")
def small():
    sentences, groups = planted_sentences(n_sentences=100, length=10, seed=4)
    return Corpus(sentences, min_count=1, progress=False), groups


def test_a_model_trained_on_the_device_saves_loads_and_answers_on_the_cpu(small, tmp_path):
    corpus, groups = small
    seen = []

    class Epochs:
        def on_epoch_end(self, model, report):
            seen.append((len(report.epoch_loss), model.vectors.most_similar(groups[0][0])))

    model = SkipGram(epochs=2, device="cuda", **TINY).fit(corpus, callbacks=[Epochs()])
    report = model.report_
    assert report.words == 2 * len(corpus.tokens) and report.pairs > 0
    # every centre with a context counts, as on the CPU (with sample=0: all of them)
    assert report.examples == SkipGram(epochs=2, **TINY).fit(corpus).report_.examples > 0
    assert all(np.isfinite(report.epoch_loss)) and report.epoch_loss[1] < report.epoch_loss[0]
    assert [n for n, _ in seen] == [1, 2]  # a callback at each epoch's end, as on the CPU
    model.save(tmp_path / "model")
    loaded = Model.load(tmp_path / "model")  # device="cuda" is a setting, not a need
    assert loaded.device == "cuda"
    np.testing.assert_array_equal(loaded.input_vectors_, model.input_vectors_)
    near = [w for w, _ in loaded.vectors.most_similar(groups[0][0], topn=3)]
    assert all(w in groups[0] for w in near), near
    # the output rows too are NumPy's: gensim's predict_output_word reads them
    assert type(model.output_vectors_) is np.ndarray
    predicted = model.predict_output_word(groups[0][:3], topn=3)
    assert loaded.predict_output_word(groups[0][:3], topn=3) == predicted
    assert all(w in groups[0] for w, _ in predicted), predicted


def test_device_names_are_read_as_cuda_reads_them(small, monkeypatch):
    monkeypatch.setattr(cuda, "is_available", lambda: False)  # never asked: the CPU's
    for name in ("CPU", " cpu "):  # as "CUDA" is "cuda"
        model = SkipGram(device=name, epochs=1, **TINY).fit(small[0])
        assert model.report_.pairs > 0


def test_device_errors_come_before_the_corpus_is_read(monkeypatch, tmp_path):
    missing = tmp_path / "no-such-corpus.txt"
    with pytest.raises(ValueError, match="device must be 'cpu', 'cuda' or 'cuda:N'"):
        SkipGram(device="gpu", **TINY).fit(missing)
    monkeypatch.setattr(cuda, "is_available", lambda: False)
    for model in (SkipGram(device="cuda", **TINY), CBOW(device="cuda", **TINY),
                  FastText(device="cuda", bucket=100, **TINY)):
        with pytest.raises(NoCudaDevice, match="there is none here"):
            model.fit(missing)
    with pytest.raises(NoCudaDevice, match="there is none here"):
        PVDBOW(device="cuda", **TINY).fit([("a", ["x", "y"])])


def test_the_command_line_trains_on_the_device(tmp_path, capsys):
    corpus_file = tmp_path / "corpus.txt"
    sentences, _ = planted_sentences(n_sentences=60, length=10, seed=5)
    corpus_file.write_text("\n".join(" ".join(s) for s in sentences) + "\n")
    out = tmp_path / "model"
    assert main(["train", str(corpus_file), "-o", str(out), "--device", "cuda", "--dim", "8",
                 "--epochs", "1", "--sample", "0", "--min-count", "1", "--quiet"]) == 0
    assert Model.load(out).device == "cuda"
    # a model without the parameter: the option is refused, naming the models taking it
    assert main(["train", str(corpus_file), "-o", str(tmp_path / "m2"), "--model", "ppmi-svd",
                 "--device", "cuda", "--quiet"]) == 2
    error = capsys.readouterr().err
    assert "--device is not a parameter of ppmi-svd (it is one of: sgns" in error
    assert not (tmp_path / "m2").exists()
    # a model trained on a GPU is updated on a machine without one (and back)
    assert main(["train", str(corpus_file), "-o", str(tmp_path / "u"), "--update", str(out),
                 "--device", "cpu", "--epochs", "1", "--quiet"]) == 0
    assert Model.load(tmp_path / "u").device == "cpu"


def test_the_command_line_says_there_is_no_gpu_before_reading(tmp_path, monkeypatch,
                                                              capsys):
    monkeypatch.setattr(cuda, "is_available", lambda: False)
    monkeypatch.setenv("WORDSPACE_HOME", str(tmp_path / "home"))
    corpus_file = tmp_path / "corpus.txt"
    corpus_file.write_text("a b c d\n" * 50)
    assert main(["train", str(corpus_file), "-o", str(tmp_path / "m"), "--device", "cuda",
                 "--min-count", "1", "--quiet"]) == 2
    assert "there is none here" in capsys.readouterr().err
    assert nothing_cached(tmp_path / "home")  # the corpus was not read (nor cached)


def test_a_device_checkpoint_resumes_whatever_the_cpu_workers(small, tmp_path):
    """The device runs the jobs itself: ``workers`` (the CPU's lanes, by default the
    machine's cores) is no part of its checkpoint, so another machine resumes it."""
    corpus, _ = small

    class StopAtEpoch2:
        def on_epoch_end(self, model, report):
            if len(report.epoch_loss) == 2:
                raise RuntimeError("stopped")

    path = tmp_path / "run.partial"
    with pytest.raises(RuntimeError, match="stopped"):
        SkipGram(epochs=3, device="cuda", workers=2, **TINY).fit(
            corpus, checkpoint=path, callbacks=[StopAtEpoch2()])
    resumed = SkipGram(epochs=3, device="cuda", workers=1, **TINY).fit(corpus, checkpoint=path)
    whole = SkipGram(epochs=3, device="cuda", workers=1, **TINY).fit(corpus)
    np.testing.assert_array_equal(resumed.input_vectors_, whole.input_vectors_)
    assert not path.exists()


def test_device_options_reach_the_executor_and_bad_ones_are_refused_first(small, tmp_path):
    from wordspace import GaussianSkipGram

    corpus, _ = small
    options = {"concurrent_chunks": 2, "atomic": True}
    model = SkipGram(device="cuda", device_options=options, epochs=1, **TINY)
    executor = model._device_executor()
    assert (executor.concurrent_chunks, executor.atomic) == (2, True)
    # the model's own settings are kept beside the options (fastText's output rate is
    # 0.5 for skip-gram with shared negatives, not the executor's default 1)
    subword = FastText(device="cuda", device_options=options, bucket=100, **TINY)
    executor = subword._device_executor()
    assert executor.output_rate == subword._loss().output_rate
    model.fit(corpus)
    assert model.report_.words == len(corpus.tokens)
    model.save(tmp_path / "model")  # saved with the model's settings
    assert Model.load(tmp_path / "model").device_options == options
    gaussian = GaussianSkipGram(device="cuda", device_options={"launch_words": 999})
    assert gaussian._device_executor().launch_words == 999
    missing = tmp_path / "no-such-corpus.txt"  # each refused before the corpus is read
    with pytest.raises(ValueError, match=r"device_options: bogus is not an option of "
                                         r"CBOW's executor .*its options are: warps, .*"
                                         r"concurrent_chunks"):
        CBOW(device="cuda", device_options={"bogus": 1}, **TINY).fit(missing)
    with pytest.raises(ValueError, match="output_rate is not an option"):  # the model's
        SkipGram(device="cuda", device_options={"output_rate": 2}, **TINY).fit(missing)
    with pytest.raises(ValueError, match=r"device_options \(atomic\) are options of a "
                                         r"GPU's executor, and the device is the CPU"):
        SkipGram(device_options={"atomic": True}, **TINY).fit(missing)
    with pytest.raises(ValueError, match="device_options must be a dict"):
        SkipGram(device="cuda", device_options=["atomic"], **TINY).fit(missing)
    SkipGram(device_options={}, epochs=1, **TINY).fit(corpus)  # none given: nothing to refuse


def test_the_command_line_passes_device_options(tmp_path, capsys):
    corpus_file = tmp_path / "corpus.txt"
    sentences, _ = planted_sentences(n_sentences=40, length=10, seed=6)
    corpus_file.write_text("\n".join(" ".join(s) for s in sentences) + "\n")
    out = tmp_path / "model"
    common = ["--dim", "8", "--epochs", "1", "--min-count", "1", "--quiet"]
    assert main(["train", str(corpus_file), "-o", str(out), "--device", "cuda",
                 "--device-option", "concurrent-chunks=4", "--device-option", "atomic=true",
                 "--device-option", "cache=none", *common]) == 0
    assert Model.load(out).device_options == {"concurrent_chunks": 4, "atomic": True,
                                              "cache": None}
    assert main(["train", str(corpus_file), "-o", str(tmp_path / "cpu"), "--device-option",
                 "atomic=1", *common]) == 2
    assert "--device-option (atomic) are options of a GPU's executor" in \
        capsys.readouterr().err
    with pytest.raises(SystemExit):  # argparse's usage error
        main(["train", str(corpus_file), "-o", str(tmp_path / "x"), "--device-option",
              "atomic", *common])
    assert "expected NAME=VALUE, got 'atomic'" in capsys.readouterr().err
    # an update: options given are added to the model's; on the CPU, they are dropped
    update = ["train", str(corpus_file), "--update", str(out), "--epochs", "1", "--quiet"]
    assert main([*update, "-o", str(tmp_path / "u1"), "--device-option", "atomic=0"]) == 0
    assert Model.load(tmp_path / "u1").device_options == {"concurrent_chunks": 4,
                                                          "atomic": 0, "cache": None}
    assert main([*update, "-o", str(tmp_path / "u2"), "--device", "cuda:0"]) == 0
    assert Model.load(tmp_path / "u2").device_options == {"concurrent_chunks": 4,
                                                          "atomic": True, "cache": None}
    assert main([*update, "-o", str(tmp_path / "u3"), "--device", "cpu"]) == 0
    assert Model.load(tmp_path / "u3").device_options is None
    assert main([*update[:3], str(tmp_path / "u3"), *update[4:], "-o", str(tmp_path / "u4"),
                 "--device-option", "atomic=1"]) == 2  # a CPU model's update
    assert "--device-option (atomic) are options of a GPU's executor" in \
        capsys.readouterr().err
    assert main([*update, "-o", str(tmp_path / "u5"), "--device-option", "atomic=off"]) == 2
    assert "atomic must be True or False, got 'off'" in capsys.readouterr().err
    assert not any((tmp_path / name).exists() for name in ("cpu", "x", "u4", "u5"))


def test_device_options_are_plain_copied_and_none_however_given(small, tmp_path):
    corpus, _ = small
    options = {"concurrent_chunks": np.int64(2)}  # from a parameter grid, say
    model = SkipGram(device="cuda", device_options=options, epochs=1, **TINY).fit(corpus)
    assert model.get_params()["device_options"] is options  # as set (sklearn's clone)
    options["concurrent_chunks"] = 8  # the caller's dict, changed since: not the model's
    model.save(tmp_path / "model")
    loaded = Model.load(tmp_path / "model").device_options
    assert loaded == {"concurrent_chunks": 2} and type(loaded["concurrent_chunks"]) is int

    class Stop:
        def on_epoch_end(self, model, report):
            raise RuntimeError("stopped")

    path = tmp_path / "run.partial"  # no options, given as {} or as None: one setting
    with pytest.raises(RuntimeError, match="stopped"):
        SkipGram(epochs=2, device_options={}, **TINY).fit(corpus, checkpoint=path,
                                                          callbacks=[Stop()])
    assert SkipGram(epochs=2, **TINY).fit(corpus, checkpoint=path).report_.words == \
        2 * len(corpus.tokens)


def test_ranks_compare_device_options_whatever_their_order():
    from wordspace.cli import _comparable

    assert _comparable({"atomic": 1, "concurrent_chunks": 4}) == \
        _comparable({"concurrent_chunks": 4, "atomic": 1})
    assert _comparable({"atomic": 1}) != _comparable({"atomic": 0})
