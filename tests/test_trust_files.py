"""Users' files are never lost: where models and exports may be written, what survives a
crash or ``kill -9`` at any moment of a save, durability, and damaged model directories
refused before a compiled kernel sees them."""

from __future__ import annotations

import json
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

import wordspace
from helpers import planted_documents, same_parameters
from wordspace import PVDBOW, Corpus, Documents, SkipGram, _io, load_model
from wordspace.cli import main


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """Two different small trained models (A and B) and a PV-DBOW, saved once."""
    from conftest import planted_sentences

    sentences, _ = planted_sentences(n_sentences=300)
    corpus = Corpus(sentences, min_count=1, cache=False, progress=False)
    a = SkipGram(dim=64, epochs=1, workers=1, seed=1, progress=False).fit(corpus)
    b = SkipGram(dim=64, epochs=1, workers=1, seed=2, progress=False).fit(corpus)
    docs, _ = planted_documents(n_per_topic=10)
    pv = PVDBOW(dim=16, epochs=2, workers=1, progress=False).fit(
        Documents(docs, min_count=1, cache=False, progress=False))
    root = tmp_path_factory.mktemp("models")
    for name, m in (("a", a), ("b", b), ("pv", pv)):
        m.save(root / name)
    return {"a": a, "b": b, "pv": pv, "root": root}


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


# -- where a model may be written -------------------------------------------------------
def test_train_never_replaces_a_directory_that_is_not_a_model(tmp_path, text_file,
                                                              monkeypatch, capsys):
    thesis = tmp_path / "thesis"
    thesis.mkdir()
    (thesis / "chapter1.tex").write_text("years of work")

    def no_training(*args, **kwargs):
        raise AssertionError("the corpus was read before the output was checked")

    monkeypatch.setattr(wordspace, "Corpus", no_training)
    assert main(["train", str(text_file), "-o", str(thesis), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert str(thesis) in err and "not a wordspace model" in err
    assert (thesis / "chapter1.tex").read_text() == "years of work"
    assert [p.name for p in thesis.iterdir()] == ["chapter1.tex"]


@pytest.mark.parametrize("target", ["file", ".", "..", "link"])
def test_train_refuses_a_file_the_current_directory_or_a_link_before_training(
        tmp_path, text_file, monkeypatch, capsys, target, models):
    work = tmp_path / "work"
    work.mkdir()
    (work / "notes.txt").write_text("mine")
    monkeypatch.chdir(work)
    if target == "file":
        target = "notes.txt"
    elif target == "link":
        os.symlink(models["root"] / "a", work / "link")
    monkeypatch.setattr(wordspace, "Corpus", lambda *a, **k: pytest.fail("trained anyway"))
    assert main(["train", str(text_file), "-o", target, "--quiet"]) == 2
    assert "wordspace: error:" in capsys.readouterr().err
    assert (work / "notes.txt").read_text() == "mine"
    if target == "link":
        assert same_parameters(load_model(models["root"] / "a"), models["a"])


def test_save_replaces_only_a_model_or_an_empty_directory(tmp_path, models):
    a, b = models["a"], models["b"]
    (tmp_path / "empty").mkdir()
    a.save(tmp_path / "empty")
    assert same_parameters(SkipGram.load(tmp_path / "empty"), a)
    b.save(tmp_path / "empty")  # now a model directory: replaced
    assert same_parameters(SkipGram.load(tmp_path / "empty"), b)
    other = tmp_path / "other"
    other.mkdir()
    (other / "config.json").write_text('{"class": "NotAModel"}')  # looks similar, is not
    with pytest.raises(FileExistsError, match="not a wordspace model directory"):
        a.save(other)
    assert [p.name for p in other.iterdir()] == ["config.json"]


def test_a_model_directory_holding_the_users_files_is_not_replaced(tmp_path, models,
                                                                   text_file, monkeypatch,
                                                                   capsys):
    import shutil

    kept = tmp_path / "kept"
    shutil.copytree(models["root"] / "a", kept)
    (kept / "NOTES.md").write_text("what I tried")
    (kept / "results").mkdir()
    (kept / "results" / "scores.csv").write_text("0.7\n")
    with pytest.raises(FileExistsError, match=r"is a wordspace model directory, and also "
                                              r"holds NOTES.md, results/, which replacing"):
        models["b"].save(kept)
    # named as a model's files are, but not one this model wrote
    for name in ("ws353.json", "my_vectors.npy"):
        shutil.copytree(models["root"] / "a", tmp_path / name)
        (tmp_path / name / name).write_text("mine")
        with pytest.raises(FileExistsError, match=f"also holds {name}, which"):
            models["b"].save(tmp_path / name)
    monkeypatch.setattr(wordspace, "Corpus", lambda *a, **k: pytest.fail("trained anyway"))
    assert main(["train", str(text_file), "-o", str(kept), "--quiet"]) == 2
    assert "also holds NOTES.md" in capsys.readouterr().err
    assert (kept / "NOTES.md").read_text() == "what I tried"
    assert (kept / "results" / "scores.csv").read_text() == "0.7\n"
    assert same_parameters(load_model(kept), models["a"])


def test_an_output_that_cannot_be_created_is_refused_before_training(tmp_path, text_file,
                                                                     monkeypatch, capsys):
    (tmp_path / "notes").write_text("mine")
    monkeypatch.setattr(wordspace, "Corpus", lambda *a, **k: pytest.fail("trained anyway"))
    for output, says in ((tmp_path / "notes" / "model", "notes is a file, not a directory"),
                         (tmp_path / "notes" / "a" / "b", "notes is a file, not a directory"),
                         (Path("/proc/wordspace-model"), "/proc takes no new file")):
        assert main(["train", str(text_file), "-o", str(output), "--quiet"]) == 2
        assert says in capsys.readouterr().err
    assert (tmp_path / "notes").read_text() == "mine"


def test_a_file_named_in_bytes_that_are_not_utf8_is_recorded_as_written(tmp_path):
    """A name of other bytes (Latin-1, read by Python as surrogates) is recorded and
    answered: its record's name was computed from the name encoded strictly, which
    failed after the file was written (and a rerun then refused its own file)."""
    path = Path(os.fsdecode(os.fsencode(tmp_path) + b"/v\xff.txt"))
    path.write_text("2 1\na 1\nb 2\n")
    _io.remember_writing(path, _io.EXPORT)
    assert _io.wrote_it(path, _io.EXPORT) and not _io.wrote_it(path, "phrased corpus")


def test_a_lock_whose_holder_cannot_be_written_down_is_still_held(tmp_path, monkeypatch):
    """The holder's pid is written into the lock file only to name it to another
    process: a full device there (ENOSPC) still gives the lock, not a failed run."""
    def full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "pwrite", full)
    with _io.exclusive_lock(tmp_path / "x.lock", wait=False), \
            pytest.raises(_io.LockHeld), \
            _io.exclusive_lock(tmp_path / "x.lock", wait=False):  # held: refused
        pass


def test_one_command_s_file_is_not_another_s_to_replace(tmp_path, models, capsys):
    """A record says what wordspace wrote a file as: an export does not replace the
    phrased corpus a phrases command wrote, nor phrases an export (either replaced the
    other's file, being a file wordspace wrote, unchanged since)."""
    model_dir = str(models["root"] / "a")
    text = tmp_path / "text.txt"
    text.write_text("new york is big\nnew york is old\n" * 20)
    joined, exported = tmp_path / "joined.txt", tmp_path / "exported.txt"
    assert main(["phrases", str(text), "-o", str(joined), "--min-count", "1"]) == 0
    assert main(["export", model_dir, "-o", str(exported)]) == 0
    capsys.readouterr()
    before = {path: path.read_bytes() for path in (joined, exported)}
    assert main(["export", model_dir, "-o", str(joined)]) == 2
    assert "joined.txt exists and is not a file wordspace exported" in \
        capsys.readouterr().err
    assert main(["phrases", str(text), "-o", str(exported), "--min-count", "1"]) == 2
    assert "exported.txt exists and is not a phrased corpus wordspace wrote" in \
        capsys.readouterr().err
    assert {path: path.read_bytes() for path in (joined, exported)} == before
    # each command still replaces its own
    assert main(["phrases", str(text), "-o", str(joined), "--min-count", "1"]) == 0
    assert main(["export", model_dir, "-o", str(exported), "--limit", "2"]) == 0
    assert exported.read_text().startswith("2 64\n")


def test_export_replaces_what_wordspace_wrote_but_no_other_file(tmp_path, models, capsys):
    """``export -o`` replaced any word2vec file (one gensim wrote, a download), though its
    help said only an earlier export: now only a file wordspace wrote, unchanged since;
    ``--overwrite`` also a word2vec file someone else wrote; never anything else."""
    model_dir = str(models["root"] / "a")
    essay = tmp_path / "essay.txt"
    essay.write_text("not vectors\n")
    for overwrite in ([], ["--overwrite"]):
        assert main(["export", model_dir, "-o", str(essay), *overwrite]) == 2
        err = capsys.readouterr().err
        assert "essay.txt exists and is not" in err and "--overwrite" not in err
        assert essay.read_text() == "not vectors\n"
    assert main(["export", model_dir, "-o", str(tmp_path), "--overwrite"]) == 2  # a directory
    numbers = tmp_path / "matrix.dat"  # a first line of two integers is not enough
    numbers.write_text("3 4\n1 2 3 4\n5 6 7 8\n")
    assert main(["export", model_dir, "-o", str(numbers), "--limit", "2", "--overwrite"]) == 2
    assert numbers.read_text() == "3 4\n1 2 3 4\n5 6 7 8\n"
    theirs = wordspace.Vectors(["x", "y"], np.ones((2, 3), np.float32))
    for name, binary in (("gensim.txt", False), ("gensim.bin", True)):
        other = tmp_path / name  # written as gensim writes it, by no wordspace command
        theirs.save_word2vec_format(other, binary=binary)
        before = other.read_bytes()
        assert main(["export", model_dir, "-o", str(other)]) == 2
        err = capsys.readouterr().err
        assert f"{name} exists and is not a file wordspace exported, unchanged " \
               "since" in err
        assert "or use --overwrite to replace a word2vec file wordspace did not write" in err
        assert other.read_bytes() == before
        assert main(["export", model_dir, "-o", str(other), "--overwrite"]) == 0
        assert wordspace.Vectors.load_word2vec_format(other).words == \
            models["a"].vectors.words
    vec = tmp_path / "v.txt"
    assert main(["export", model_dir, "-o", str(vec), "--limit", "2"]) == 0
    assert main(["export", model_dir, "-o", str(vec)]) == 0  # its own: replaced
    assert vec.read_text().startswith(f"{len(models['a'].vocab_)} 64\n")
    binary = tmp_path / "v.bin"  # a binary one too
    assert main(["export", model_dir, "-o", str(binary), "--format", "word2vec-binary"]) == 0
    assert main(["export", model_dir, "-o", str(binary), "--limit", "3", "--format",
                 "word2vec"]) == 0  # replaced by text, as asked (the name says binary)
    assert binary.read_text().startswith("3 64\n")
    with open(binary, "a") as f:  # changed since wordspace wrote it: someone else's now
        f.write("z" + " 0" * 64 + "\n")
    edited = binary.read_bytes()
    assert main(["export", model_dir, "-o", str(binary), "--limit", "2"]) == 2
    assert "v.bin exists and is not a file wordspace exported" in \
        capsys.readouterr().err
    assert binary.read_bytes() == edited
    before = vec.read_bytes()  # the file being exported, cut to its first rows: refused
    assert main(["export", str(vec), "-o", str(vec), "--limit", "2"]) == 2
    os.symlink(vec, tmp_path / "link.txt")  # nothing is written through a link
    assert main(["export", model_dir, "-o", str(tmp_path / "link.txt"), "--limit", "2",
                 "--overwrite"]) == 2
    assert vec.read_bytes() == before and (tmp_path / "link.txt").is_symlink()
    err = capsys.readouterr().err
    assert "is the file being exported" in err and "is a symbolic link" in err


def test_the_api_writers_replace_a_file_of_their_kind_but_no_other(tmp_path):
    # save_word2vec_format (and its fvocab) replaced any file, and a link by a file
    from wordspace import Vectors
    from wordspace.vocab import Vocabulary

    v = Vectors(["in", "on"], np.ones((2, 2), np.float32), counts=[3, 2])
    corpus = tmp_path / "corpus_copy.txt"
    corpus.write_text("the cat sat on the mat\n")
    vec, vocab = tmp_path / "v.txt", tmp_path / "vocab.txt"
    for kwargs, refused in (({}, corpus), ({"fvocab": corpus}, corpus),
                            ({"write_header": False}, corpus)):
        target = corpus if refused is corpus and "fvocab" not in kwargs else vec
        with pytest.raises(FileExistsError, match=rf"{refused} exists and is not a"):
            v.save_word2vec_format(target, **kwargs)
        assert corpus.read_text() == "the cat sat on the mat\n"
        assert not vec.exists()  # refused before anything was written
    with pytest.raises(FileExistsError, match=f"{tmp_path} is a directory"):
        v.save_word2vec_format(tmp_path)
    v.save_word2vec_format(vec, fvocab=vocab)
    for link, kwargs in ((tmp_path / "link.txt", {}), (vec, {"fvocab": tmp_path / "link.txt"})):
        os.symlink(corpus, tmp_path / "link.txt")
        with pytest.raises(FileExistsError, match="link.txt is a symbolic link"):
            v.save_word2vec_format(link, **kwargs)
        assert (tmp_path / "link.txt").is_symlink() and corpus.read_text().startswith("the")
        os.unlink(tmp_path / "link.txt")
    matrix = tmp_path / "matrix.txt"  # rows of numbers are not a file without a header
    matrix.write_text("1 2 3\n4 5 6\n")
    with pytest.raises(FileExistsError, match="matrix.txt exists and is not a word2vec"):
        v.save_word2vec_format(matrix, write_header=False)
    # an earlier file of the kind is replaced, as gensim replaces it, whoever wrote it
    v.save_word2vec_format(vec, fvocab=vocab, binary=True)
    v.save_word2vec_format(vec, write_header=False)
    v.save_word2vec_format(vec, write_header=False)
    # but a file without the header only by one without it: "a word and numbers" is all
    # it says of itself, as a vocabulary's counts do (GloVe's 13,771 rows were replaced)
    before = vec.read_bytes()
    for target in (vec, vocab):
        for binary in (False, True):
            with pytest.raises(FileExistsError, match="is not a word2vec file with its "
                                                      "header .it reads as one without"):
                v.save_word2vec_format(target, binary=binary)
    assert vec.read_bytes() == before and vocab.read_text() == "in 3\non 2\n"
    vec.unlink()
    v.save_word2vec_format(vec, fvocab=vocab)  # an earlier vocabulary file: replaced
    v.save_word2vec_format(vec, fvocab=vocab)
    assert Vectors.load_word2vec_format(vec, fvocab=vocab).counts.tolist() == [3, 2]
    # a vocabulary's file too
    words = Vocabulary(["in", "on"], [3, 2])
    with pytest.raises(FileExistsError, match="corpus_copy.txt exists and is not a wordspace "
                                              "vocabulary file"):
        words.save_tsv(corpus)
    words.save_tsv(tmp_path / "vocab.tsv")
    words.save_tsv(tmp_path / "vocab.tsv")
    assert Vocabulary.load_tsv(tmp_path / "vocab.tsv").words == ["in", "on"]


def test_a_full_disk_during_a_save_says_so_naming_the_path(tmp_path, models, monkeypatch):
    import shutil
    from collections import namedtuple

    models["a"].save(tmp_path / "m")

    def short_write(*args, **kwargs):  # what numpy raises when the device is full
        raise OSError("22596 requested and 3040 written")

    monkeypatch.setattr(np, "save", short_write)
    monkeypatch.setattr(shutil, "disk_usage",
                        lambda _: namedtuple("Usage", "total used free")(10**9, 10**9, 512))
    with pytest.raises(OSError, match=r"m could not be written: no space left on its "
                                      r"device \(512 bytes free\); nothing was replaced"):
        models["b"].save(tmp_path / "m")
    monkeypatch.undo()
    assert same_parameters(load_model(tmp_path / "m"), models["a"])
    assert _leftovers(tmp_path) == []


def test_a_device_too_full_for_the_model_is_refused_before_training(tmp_path, text_file,
                                                                    monkeypatch, capsys):
    """The audit filled a device to 0 bytes free: ``train`` read the corpus, trained, and
    only its save said so. Once the vocabulary is known, what the run will write is: the
    model's arrays (SGNS: inputs and outputs), twice at once with checkpoints (a
    checkpoint is written beside the one before, the last stays until the model is
    written). An 8 MB device passed a check of the input vectors alone, with an 11 MB
    model, and failed at the save; a 16 MB one with checkpoints died at the second."""
    from collections import namedtuple

    import wordspace.models.base as base

    trained = []
    real_fit = base.Model.fit
    monkeypatch.setattr(base.Model, "fit", lambda self, *a, **k: (trained.append(1),
                                                                  real_fit(self, *a, **k))[1])
    free = {"bytes": 512}
    monkeypatch.setattr(shutil, "disk_usage", lambda _: namedtuple(
        "Usage", "total used free")(10**9, 10**9, free["bytes"]))
    out = tmp_path / "new" / "m"  # its folder is made by the save: its parent's device
    argv = ["train", str(text_file), "-o", str(out), "--dim", "16", "--min-count", "1",
            "--epochs", "1", "--quiet"]
    arrays = 2 * len(Corpus(text_file, min_count=1, progress=False).vocab) * 16 * 4
    free["bytes"] = arrays * 3 // 4  # more than the input vectors alone, less than both
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"{out}: writing the model needs at least {arrays / 2**20:,.1f} MiB (its arrays " \
           "alone) and" in err and "nothing was trained" in err
    free["bytes"] = arrays * 3 // 2  # the model, but not a checkpoint beside it
    assert main([*argv, "--checkpoint-every", "1e"]) == 2
    assert "writing the model and its checkpoints beside it needs at least " \
           f"{2 * arrays / 2**20:,.1f} MiB (2 copies of its arrays" in capsys.readouterr().err
    assert not trained and not out.exists()
    assert main(argv) == 0 and trained and (out / "config.json").exists()


def test_a_file_size_limit_below_the_model_s_largest_file_is_refused_before_training(
        tmp_path, text_file):
    """``ulimit -f`` was found only by the final save, once the whole training was done."""
    out = tmp_path / "m"
    words = len(Corpus(text_file, min_count=1, progress=False).vocab)
    dim = 1 + 64 * 1024 // (4 * words)  # a row of each word: over 64 KiB
    limit = "import resource; resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, " \
            "resource.getrlimit(resource.RLIMIT_FSIZE)[1]))"
    run = subprocess.run([sys.executable, "-c", f"{limit}; from wordspace.cli import main; "
                          "import sys; sys.exit(main(sys.argv[1:]))", "train", str(text_file),
                          "-o", str(out), "--dim", str(dim), "--min-count", "1", "--epochs",
                          "1", "--quiet"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 2, run.stderr
    assert f"{out}: the model's largest array will be a file of {words * dim * 4 + 128:,} " \
           "bytes, over the file size limit of 65,536 bytes (ulimit -f)" in run.stderr
    assert "nothing was trained" in run.stderr and not out.exists()


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full")
@pytest.mark.parametrize("write", ["atomic_write", "word2vec text", "word2vec binary"])
def test_a_full_device_met_by_a_file_s_last_bytes_says_which_file(tmp_path, monkeypatch,
                                                                  write):
    """A file's last bytes, still buffered when it is closed, meet the full device at the
    close: the error names the file and the cause, as for any earlier write (the close's
    second, bare "[Errno 28]" replaced that message), and the earlier file is kept."""
    from wordspace import Vectors

    target = tmp_path / "v.txt"
    Vectors(["old"], np.ones((1, 2), np.float32)).save_word2vec_format(target)
    before = target.read_bytes()
    real = _io.temporary_file

    def full(directory, name, **kwargs):  # a temporary on a device whose every write fails
        fd, path = real(directory, name, **kwargs)
        os.close(fd)
        return os.open("/dev/full", os.O_WRONLY), path

    monkeypatch.setattr(_io, "temporary_file", full)
    v = Vectors(["a", "b"], np.eye(2, dtype=np.float32))
    with pytest.raises(OSError, match=f"{target} could not be written: no space left on "
                                      "its device.*; nothing was replaced"):
        if write == "atomic_write":
            with _io.atomic_write(target) as f:
                f.write(b"a few bytes, buffered until the file is closed\n")
        else:
            v.save_word2vec_format(target, binary=write == "word2vec binary")
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.txt"]


_LIMITED_WRITER = """
import resource, sys
from pathlib import Path
import numpy as np
from wordspace import _io
resource.setrlimit(resource.RLIMIT_FSIZE,  # ulimit -f 100
                   (100 * 1024, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
where, big = Path(sys.argv[1]), np.zeros(40_000, np.float32)  # 160 kB
try:
    with _io.atomic_directory(where / "m") as tmp:  # numpy: "N requested and M written"
        (tmp / "config.json").write_text("{}")
        np.save(tmp / "input_vectors_.npy", big)
except OSError as e:
    print(e.errno, e)
try:
    with _io.atomic_write(where / "v.txt") as f:  # Python: EFBIG
        f.write(big.tobytes())
except OSError as e:
    print(e.errno, e)
"""


def test_a_file_size_limit_is_said_naming_the_file(tmp_path):
    """``(ulimit -f 100; wordspace train ... -o uf)`` said "uf could not be written (28640
    requested and 25568 written)": the folder, not its file, and no reason. Python
    ignores SIGXFSZ, so the write fails (EFBIG) or stops short; the file cut at the
    limit is named, and the limit with it."""
    import errno

    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "config.json").write_text("old")
    (tmp_path / "v.txt").write_text("old")
    run = subprocess.run([sys.executable, "-c", _LIMITED_WRITER, str(tmp_path)],
                         capture_output=True, text=True, timeout=120)
    said = (" could not be written: it reached the file size limit of 102,400 bytes "
            "(ulimit -f): raise it (ulimit -f unlimited) and run again; nothing was "
            "replaced")
    assert run.stdout.splitlines() == [
        f"{errno.EFBIG} {tmp_path / 'm' / 'input_vectors_.npy'}{said}",
        f"{errno.EFBIG} {tmp_path / 'v.txt'}{said}"], run.stderr
    assert (tmp_path / "m" / "config.json").read_text() == (tmp_path / "v.txt").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m", "v.txt"]
    # no limit: a file larger than its file system takes; a write cut short, said so
    for error, says in ((OSError(errno.EFBIG, "File too large"), ": it is larger than its "
                         "file system allows (FAT32 holds files of at most 4 GiB): write "
                         "it to another file system; nothing was replaced"),
                        (OSError("28640 requested and 25568 written"), " (28640 requested "
                         "and 25568 written: cut short, by a full device or a file size "
                         "limit (ulimit -f) most likely); nothing was replaced")):
        target = tmp_path / "v.txt"
        with pytest.raises(OSError, match=re.escape(f"{target} could not be written{says}")
                           ), _io.atomic_write(target):
            raise error
    assert (tmp_path / "v.txt").read_text() == "old"


def test_a_mount_point_or_a_pipe_is_refused_before_any_training(tmp_path, models,
                                                                monkeypatch):
    """A mount point (a container's volume, ``-v ./out:/out ... -o /out``) cannot be
    renamed over: refused before training, not after it (the save failed with EBUSY,
    every resumed run again). A pipe at a file's path is refused, not opened to be
    recognised (which blocked for ever)."""
    from wordspace import Vectors

    volume = tmp_path / "volume"
    volume.mkdir()
    real = os.path.ismount
    monkeypatch.setattr(os.path, "ismount", lambda p: Path(p) == volume or real(p))
    with pytest.raises(FileExistsError, match="volume is a mount point, which cannot be "
                                              "replaced: write a wordspace model directory "
                                              "to a new path inside it"):
        models["a"].save(volume)
    corpus = tmp_path / "c.txt"
    corpus.write_text("a b c a b\n" * 50)
    assert main(["train", str(corpus), "-o", str(volume), "--min-count", "1", "--epochs",
                 "1", "--quiet"]) == 2
    assert not any(volume.iterdir()) and not (tmp_path / "volume.partial").exists()
    models["a"].save(volume / "m")  # inside it: written
    assert same_parameters(load_model(volume / "m"), models["a"])
    pipe = tmp_path / "pipe.txt"
    os.mkfifo(pipe)
    with pytest.raises(FileExistsError, match="pipe.txt is not a regular file"):
        Vectors(["a"], np.ones((1, 2), np.float32)).save_word2vec_format(pipe)


# -- what a replacement keeps of the replaced path ---------------------------------------
def _mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def _another_group() -> int:
    """A group other than this process's that it may give its files (root: any)."""
    import grp

    gids = (os.getgroups() if os.geteuid() else [g.gr_gid for g in grp.getgrall()])
    gid = next((g for g in gids if g != os.getegid()), None)
    if gid is None:
        pytest.skip("needs a second group to give files")
    import tempfile

    with tempfile.NamedTemporaryFile() as probe:  # root without CAP_CHOWN may not
        try:
            os.chown(probe.name, -1, gid)
        except PermissionError:
            pytest.skip("this process may not give its files another group")
    return gid


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_a_replaced_directory_keeps_its_permissions_and_group(tmp_path, models, text_file,
                                                             monkeypatch, capsys, umask_022):
    """``chmod 700 priv; wordspace train ... -o priv`` left priv 755 and its files 644,
    a setgid directory of another group 755 and the user's: a private model made
    readable by all. Now the directory keeps its mode and group, a file replacing one
    of its name keeps that one's, and a new file gets no access the directory denied;
    the new version is never more open than the old, while built or when swapped in."""
    priv = tmp_path / "priv"
    priv.mkdir(mode=0o700)
    assert main(["train", str(text_file), "-o", str(priv), "--quiet", "--min-count",
                 "1", "--epochs", "1"]) == 0
    capsys.readouterr()
    assert _mode(priv) == 0o700
    assert {p.name: _mode(p) for p in priv.iterdir()} == dict.fromkeys(
        (p.name for p in priv.iterdir()), 0o600)  # train-command.json too

    gid = _another_group()
    shared = tmp_path / "shared"
    models["a"].save(shared)
    for p in shared.iterdir():
        os.chown(p, -1, gid)
        os.chmod(p, 0o640)
    os.unlink(shared / "training.json")  # the new version's: no namesake
    os.chown(shared, -1, gid)
    os.chmod(shared, 0o2750)  # setgid: what is made in it takes its group
    seen = {}
    real_save, real_exchange = np.save, _io._exchange

    def save(file, *args, **kwargs):  # while it is built: its owner's alone
        seen.setdefault("built", _mode(Path(file).parent))
        return real_save(file, *args, **kwargs)

    def exchange(a, b):  # as it is swapped in: as open as the old one, no more
        seen["swapped"] = _mode(a), os.stat(a).st_gid
        return real_exchange(a, b)

    monkeypatch.setattr(np, "save", save)
    monkeypatch.setattr(_io, "_exchange", exchange)
    models["b"].save(shared)
    monkeypatch.undo()
    assert seen == {"built": 0o2700, "swapped": (0o2750, gid)}
    assert (_mode(shared), shared.stat().st_gid) == (0o2750, gid)
    kept = {p.name: (_mode(p), p.stat().st_gid) for p in shared.iterdir()}
    assert kept.pop("training.json") == (0o640, gid)  # 644 less the others' access
    assert kept == dict.fromkeys(kept, (0o640, gid))
    assert same_parameters(load_model(shared), models["b"])


def test_a_replaced_file_keeps_its_permissions_and_group(tmp_path, models, capsys,
                                                        umask_022):
    """``chmod 600 v.txt; wordspace export m -o v.txt`` left v.txt 644. Now it keeps its
    mode, and group, from the temporary's first byte."""
    vec = tmp_path / "v.txt"
    models["a"].vectors.save_word2vec_format(vec)
    os.chmod(vec, 0o600)
    assert main(["export", str(models["root"] / "a"), "-o", str(vec), "--overwrite"]) == 0
    assert _mode(vec) == 0o600
    gid = _another_group()
    os.chown(vec, -1, gid)
    os.chmod(vec, 0o640)
    with _io.atomic_write(vec) as f:
        [tmp] = tmp_path.glob(".v.txt.*.tmp")
        assert (_mode(tmp), tmp.stat().st_gid) == (0o640, gid)  # before a byte is in it
        f.write(b"2 1\na 1\nb 2\n")
    assert (_mode(vec), vec.stat().st_gid) == (0o640, gid)
    new = tmp_path / "new.txt"  # nothing replaced: the umask, as for any new file
    models["a"].vectors.save_word2vec_format(new)
    models["a"].save(tmp_path / "new")
    assert (_mode(new), _mode(tmp_path / "new"), _mode(tmp_path / "new" / "config.json")
            ) == (0o644, 0o755, 0o644)


def test_a_group_that_cannot_be_kept_gets_no_access(tmp_path, models, monkeypatch):
    """``chown`` to a group the user is not in fails: the write goes on, and the group
    the new version has (the user's) gets none of the access given to the other one."""
    vec, model = tmp_path / "v.txt", tmp_path / "m"
    models["a"].vectors.save_word2vec_format(vec)
    models["a"].save(model)
    os.chmod(vec, 0o664)
    os.chmod(model, 0o2775)

    def chown(*args):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "chown", chown)
    models["b"].vectors.save_word2vec_format(vec)
    models["b"].save(model)
    assert _mode(vec) == 0o604 and _mode(model) & 0o777 == 0o705
    assert same_parameters(load_model(model), models["b"])


def test_a_replaced_directory_is_always_its_owners_to_write(tmp_path, models, caplog):
    """A model made read-only (``chmod 555``) kept that on replacement, so the owner's
    next save could not remove the old version, and leaked a model's copy each time."""
    model = tmp_path / "m"
    models["a"].save(model)
    os.chmod(model, 0o555)
    models["b"].save(model)
    assert _mode(model) == 0o755 and same_parameters(load_model(model), models["b"])
    assert [p.name for p in tmp_path.iterdir()] == ["m"]  # the old version is gone

    def chmod(*args):  # a file system without permission bits
        raise PermissionError(1, "Operation not permitted")

    with pytest.MonkeyPatch.context() as mp, caplog.at_level("WARNING", "wordspace._io"):
        mp.setattr(os, "chmod", chmod)
        models["a"].save(model)  # written: it keeps its owner's alone
    assert "its permissions could not be set" in caplog.text
    assert same_parameters(load_model(model), models["a"])


def test_a_temporary_a_cleaner_removed_before_its_claim_is_made_again(tmp_path, monkeypatch):
    """A maker that went on without the making lock (held past its wait) may have its new
    temporary removed by a cleaner before it claims it: it makes another, rather than
    writing into a name that is gone."""
    import fcntl

    removed, real_open, real_claim = [], os.open, _io._claim

    def open_then_cleaned(path, flags, *args):  # the cleaner, between making and claiming
        fd = real_open(path, flags, *args)
        if flags & os.O_CREAT and not removed:
            os.unlink(path)
            removed.append(Path(path))
        return fd

    monkeypatch.setattr(os, "open", open_then_cleaned)
    fd, path = _io.temporary_file(tmp_path, "out.txt")
    monkeypatch.undo()
    os.close(fd)
    assert removed and path != removed[0] and path.exists()

    def removed_before(path):  # gone before its maker opens it
        os.rmdir(path)
        return real_claim(path)

    def removed_while(path):  # opened, then removed before the lock is taken
        fd = os.open(path, os.O_RDONLY)
        os.rmdir(path)
        fcntl.flock(fd, fcntl.LOCK_SH)
        return fd

    for first in (removed_before, removed_while):
        tried = []

        def claim(path, first=first, tried=tried):  # the first time only
            tried.append(path)
            return first(path) if len(tried) == 1 else real_claim(path)

        monkeypatch.setattr(_io, "_claim", claim)
        made, fd = _io.temporary_directory(tmp_path, "model")
        monkeypatch.undo()
        os.close(fd)
        assert len(tried) == 2 and made == tried[1] and made.is_dir(), first


# -- long names ---------------------------------------------------------------------------
def test_a_name_as_long_as_the_file_system_takes_is_written(tmp_path, models, monkeypatch):
    """A temporary's name adds 14 bytes to its file's (18 for a swap's aside): a name
    within that of the file system's limit passed every check, and its save failed
    after the work, "[Errno 36] File name too long: '.mmm...mmm.<hex>.tmp'". Such a
    name's temporaries are named by its start and a hash, and cleaning still finds them."""
    limit = _io.name_max(tmp_path)
    monkeypatch.setattr(_io, "_exchange", lambda a, b: False)  # the aside's name too
    for name in ("m" * limit, "é" * (limit // 2)):  # bytes, not characters, count
        target = tmp_path / name
        models["a"].save(target)
        models["b"].save(target)
        assert same_parameters(load_model(target), models["b"])
        killed, claim = _io.temporary_directory(tmp_path, name)  # a killed save's
        os.close(claim)
        assert len(os.fsencode(killed.name)) < 100
        old = time.time() - 3600
        os.utime(killed, (old, old))
        models["a"].save(target)
        assert sorted(p.name for p in tmp_path.iterdir()) == [name]
        shutil.rmtree(target)
    vec = tmp_path / ("v" * (limit - 4) + ".txt")
    models["a"].vectors.save_word2vec_format(vec)
    models["a"].vectors.save_word2vec_format(vec)
    assert sorted(p.name for p in tmp_path.iterdir()) == [vec.name]


def test_a_name_longer_than_the_file_system_takes_is_refused_before_any_work(
        tmp_path, models, text_file, monkeypatch, capsys):
    """Refused before the corpus is read, naming the limit, the longest name allowed:
    the model's, a checkpoint's beside it (``-o``'s name and ``.partial``), a folder to
    be made on the way, an export's, a figure's and a phrased corpus's."""
    limit = _io.name_max(tmp_path)
    too_long = "m" * (limit + 1)
    monkeypatch.setattr(wordspace, "Corpus", lambda *a, **k: pytest.fail("trained anyway"))
    train = ["train", str(text_file), "--quiet", "-o"]
    for args in ([str(tmp_path / too_long)], [str(tmp_path / too_long / "m")],
                 [str(tmp_path / ("m" * (limit - 7))), "--checkpoint-every", "1e"]):
        assert main(train + args) == 2
        err = capsys.readouterr().err
        if "--checkpoint-every" in args:
            assert f"its checkpoint beside it, {'m' * (limit - 7)}.partial, would have a " \
                   f"name longer than the {limit} bytes its file system takes: give -o " \
                   f"a name of at most {limit - 8} bytes" in err
        else:
            assert f"cannot be created in {tmp_path}: its name is {limit + 1} bytes long, " \
                   f"and that file system takes names of at most {limit} bytes: choose a " \
                   f"name of at most {limit} bytes" in err
    model = str(models["root"] / "a")
    for command in (["export", model, "-o", str(tmp_path / too_long)],
                    ["phrases", str(text_file), "-o", str(tmp_path / too_long)]):
        assert main(command) == 2
        assert f"names of at most {limit} bytes" in capsys.readouterr().err
    from wordspace.plot import check_figure_path

    with pytest.raises(_io.NameTooLongError, match=f"at most {limit} bytes"):
        check_figure_path(tmp_path / (too_long + ".png"))
    assert list(tmp_path.iterdir()) == [text_file]


# -- crashes during a save --------------------------------------------------------------
_STEPS = [(np, "save"), (Path, "write_text"), (os, "fsync"), (os, "rename"), (os, "replace"),
          (_io, "_exchange"), (_io, "fsync_tree"), (_io, "fsync_directory")]


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "two-renames"])
def test_a_failure_at_any_step_of_a_save_leaves_the_old_model(tmp_path, models, monkeypatch,
                                                              exchange):
    """Fail the k-th call of any file operation the save makes, for every k."""
    a, b = models["a"], models["b"]
    if not exchange:
        monkeypatch.setattr(_io, "_exchange", lambda x, y: False)
    a.save(tmp_path / "m")
    k = 0
    new_at = []  # steps whose failure left the new model in place
    while True:
        calls, failed = [0], []

        def failing(real, name, calls=calls, failed=failed, k=k):
            def call(*args, **kwargs):
                calls[0] += 1
                if calls[0] == k + 1:
                    failed.append(name)
                    raise OSError(f"injected failure at step {k}")
                return real(*args, **kwargs)
            return call

        with monkeypatch.context() as patch:
            for owner, name in _STEPS:
                patch.setattr(owner, name, failing(getattr(owner, name), name))
            try:
                b.save(tmp_path / "m")
                done = True
            except OSError as e:
                assert "injected failure" in str(e)
                done = False
        back = SkipGram.load(tmp_path / "m")
        if done:  # past the last step: the new model is in place
            assert same_parameters(back, b)
            # published by the last rename: only the final flush's steps come after it
            assert new_at and new_at == list(range(k - len(new_at), k)) and len(new_at) <= 2
            break
        # a complete model: the old one, or the new one if only the parent's final flush
        # (after the publishing rename) failed
        assert same_parameters(back, a) or same_parameters(back, b), f"step {k}: no complete model"
        if same_parameters(back, b):
            # the parent's flush: fsync_directory, or the os.fsync inside it
            assert failed[0] in ("fsync_directory", "fsync"), f"step {k}: {failed}"
            new_at.append(k)
        assert [p.name for p in tmp_path.iterdir()] == ["m"], f"step {k} left temporaries"
        k += 1
    assert k >= 8  # every step of the save was failed once


_SAVER = """
import sys, itertools
from wordspace import _io, load_model
if sys.argv[3] == "two-renames":
    _io._exchange = lambda a, b: False
models = [load_model(p) for p in sys.argv[1:3]]
print("ready", flush=True)
for model in itertools.cycle(models):
    model.save(sys.argv[4])
"""


@pytest.mark.parametrize("mode", ["renameat2", "two-renames"])
def test_kill_9_at_random_moments_of_saves_leaves_a_complete_model(tmp_path, models, mode,
                                                                   monkeypatch):
    root, target = models["root"], tmp_path / "m"
    models["a"].save(target)
    rng = random.Random(0)
    for _ in range(6):
        proc = subprocess.Popen([sys.executable, "-c", _SAVER, str(root / "a"), str(root / "b"),
                                 mode, str(target)], stdout=subprocess.PIPE)
        assert proc.stdout.readline() == b"ready\n"
        time.sleep(rng.uniform(0.05, 0.4))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        back = SkipGram.load(target)  # completes or rolls back an interrupted swap
        assert same_parameters(back, models["a"]) or same_parameters(back, models["b"])
    # the killed runs' temporaries are found and removed by the next save there
    monkeypatch.setattr(_io, "STALE_AFTER_SECONDS", 0.0)
    models["a"].save(target)
    assert _leftovers(tmp_path) == []
    assert same_parameters(SkipGram.load(target), models["a"])


def test_interrupted_two_rename_swap_is_rolled_back_on_load(tmp_path, models):
    models["a"].save(tmp_path / "m")
    aside = tmp_path / ".m.old.1234abcd.tmp"  # killed between renames: the old one aside
    aside.mkdir()
    os.rename(tmp_path / "m", aside / _io._ASIDE)
    assert same_parameters(load_model(tmp_path / "m"), models["a"])


def test_a_live_two_rename_swap_is_not_rolled_back_by_another_reader(tmp_path, models,
                                                                     monkeypatch):
    monkeypatch.setattr(_io, "_exchange", lambda a, b: False)
    models["a"].save(tmp_path / "m")
    real_replace, seen = os.replace, []

    def replace(src, dst):
        real_replace(src, dst)
        if Path(dst).name == _io._ASIDE:  # between the renames: another process loads
            seen.append(_io.recover_interrupted_swap(tmp_path / "m"))

    monkeypatch.setattr(os, "replace", replace)
    models["b"].save(tmp_path / "m")
    assert seen == [False]  # the aside copy is claimed by the live save
    assert same_parameters(load_model(tmp_path / "m"), models["b"])


def test_cleaning_touches_only_wordspace_temporaries(tmp_path, models, monkeypatch):
    monkeypatch.setattr(_io, "STALE_AFTER_SECONDS", 0.0)
    mine = [tmp_path / ".thesis.backup.tmp", tmp_path / ".v.txt.orig.tmp",
            tmp_path / ".model2.old.0123abcd.tmp"]  # look alike, are not ours to remove
    for p in mine:
        p.mkdir()
        (p / "chapter1.tex").write_text("years of work")
    with _io.atomic_write(tmp_path / "thesis") as f:
        f.write(b"x")
    models["a"].vectors.save_word2vec_format(tmp_path / "v.txt")
    assert not _io.recover_interrupted_swap(tmp_path / "model[0-9]")  # no glob in names
    assert all((p / "chapter1.tex").exists() for p in mine)


def test_stale_temporaries_are_removed_and_live_ones_kept(tmp_path, models, monkeypatch):
    import fcntl

    models["a"].save(tmp_path / "m")
    live, claim = _io.temporary_directory(tmp_path, "m")  # another run, still writing
    dead = tmp_path / ".m.0badc0de.tmp"
    dead.mkdir()
    (dead / "input_vectors_.npy").write_bytes(b"x" * 1000)
    fresh = tmp_path / ".m.0000beef.tmp"  # just created, its creator not locked yet:
    fresh.mkdir()
    making = os.open(tmp_path, os.O_RDONLY)  # which holds the folder's making lock
    fcntl.flock(making, fcntl.LOCK_SH)
    old = time.time() - 3600
    for p in (live, dead):
        os.utime(p, (old, old))
    try:
        models["b"].save(tmp_path / "m")
        assert live.exists() and fresh.exists() and not dead.exists()
    finally:
        os.close(making)
    try:  # nothing being made: an unclaimed temporary is a dead run's, however young
        models["a"].save(tmp_path / "m")
        assert live.exists() and not fresh.exists()
    finally:
        os.close(claim)
    # an export's killed temporary file, next to the file it was writing
    stale_file = tmp_path / ".v.txt.0badf00d.tmp"
    stale_file.write_text("half")
    os.utime(stale_file, (old, old))
    models["a"].vectors.save_word2vec_format(tmp_path / "v.txt")
    assert not stale_file.exists()


def test_scratch_of_killed_runs_is_removed_by_the_next_run(tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = tmp_path / ".wordspace-scratch.0badc0de.tmp"  # a killed encode's scratch
    dead.mkdir()
    (dead / "ids.bin").write_bytes(b"x" * 1000)
    old = time.time() - 3600
    os.utime(dead, (old, old))
    Corpus([["a", "b"], ["b", "a"]], min_count=1, progress=False)  # encodes in scratch
    assert list(tmp_path.iterdir()) == []  # the dead one and its own are gone


def test_a_save_is_flushed_to_disk_before_it_is_published(tmp_path, models, monkeypatch):
    events = []
    real_fsync, real_exchange, real_rename = os.fsync, _io._exchange, os.rename

    def fsync(fd):
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        return real_fsync(fd)

    def publish(real):
        def call(src, dst, *args):
            events.append(("publish", str(dst)))
            return real(src, dst, *args)
        return call

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(_io, "_exchange", publish(real_exchange))
    monkeypatch.setattr(os, "rename", publish(real_rename))
    for _ in range(2):  # a new directory, then a replacement
        events.clear()
        models["a"].save(tmp_path / "m")
        published = next(i for i, e in enumerate(events)
                         if e == ("publish", str(tmp_path / "m")))
        synced = {Path(p).name for kind, p in events[:published] if kind == "fsync"}
        files = {p.name for p in (tmp_path / "m").iterdir()}
        assert files <= synced, files - synced
        assert any(name.startswith(".m.") for name in synced)  # the directory itself
        assert ("fsync", str(tmp_path)) in events[published:]  # and its parent after


# -- damaged model directories -----------------------------------------------------------
#: JSON nested beyond the parser's recursion limit (it raised RecursionError, no ValueError)
DEEP_JSON = "[" * 100_000 + "]" * 100_000


def _damage(directory: Path, how: str) -> None:
    vectors = directory / "input_vectors_.npy"
    if how == "truncated":
        vectors.write_bytes(vectors.read_bytes()[:200])
    elif how == "rows":
        np.save(directory / "output_vectors_.npy", np.zeros((2, 16), np.float32))
    elif how == "columns":
        np.save(vectors, np.zeros((len(np.load(vectors)), 3), np.float32))
    elif how == "complex":
        np.save(vectors, np.load(vectors).astype(np.complex64))
    elif how == "object":
        np.save(vectors, np.array([object()] * 3, dtype=object), allow_pickle=True)
    elif how == "nan":
        array = np.load(vectors)
        array[3, 1] = np.nan
        np.save(vectors, array)
    elif how == "config":
        (directory / "config.json").write_text("{not json")
    elif how == "class":
        (directory / "config.json").write_text(json.dumps({"class": "os.system"}))
    elif how == "params":
        config = json.loads((directory / "config.json").read_text())
        config["params"]["dim"] = -3
        (directory / "config.json").write_text(json.dumps(config))
    elif how == "vocab":
        (directory / "vocab.tsv").write_bytes(b"\xff\xfe garbage\n")
    elif how == "huge count":
        (directory / "vocab.tsv").write_text("w1\t99999999999999999999999\n")
    elif how == "zero counts":
        words = (directory / "vocab.tsv").read_text().splitlines()[1:]
        (directory / "vocab.tsv").write_text("".join(w.split("\t")[0] + "\t0\n"
                                                     for w in words))
    elif how == "0-d":
        np.save(vectors, np.float32(1.0))
    elif how == "ids":
        (directory / "doc_ids.json").write_text('{"a": 1}')
    elif how == "deep config":
        (directory / "config.json").write_text(DEEP_JSON)
    elif how == "deep ids":
        (directory / "doc_ids.json").write_text(DEEP_JSON)
    elif how == "missing":
        os.unlink(directory / "output_vectors_.npy")


@pytest.mark.parametrize("how,file,problem", [
    ("truncated", "input_vectors_.npy", "not a readable .npy array"),
    ("rows", "output_vectors_.npy", "expected shape"),
    ("columns", "input_vectors_.npy", "expected shape"),
    ("complex", "input_vectors_.npy", "expected float32 numbers, found complex64"),
    ("object", "input_vectors_.npy", "not a readable .npy array"),
    ("nan", "input_vectors_.npy", "non-finite values (NaN or inf), the first in row 3;"),
    ("config", "config.json", "not a readable model config"),
    ("class", "config.json", "unknown model class 'os.system'"),
    ("params", "config.json", "invalid parameters: dim must be"),
    ("vocab", "vocab.tsv", "not a readable vocabulary"),
    ("huge count", "vocab.tsv", "a count up to"),
    ("zero counts", "vocab.tsv", "the counts add up to 0"),
    ("0-d", "input_vectors_.npy", "found a single number"),
    ("ids", "doc_ids.json", "expected a list of document ids"),
    ("deep config", "config.json", "not a readable model config (nested too deeply"),
    ("deep ids", "doc_ids.json", "not readable JSON (nested too deeply"),
    ("missing", "output_vectors_.npy", "is missing"),
])
def test_a_damaged_model_directory_is_refused_naming_the_file(tmp_path, models, how, file,
                                                              problem):
    import shutil

    directory = tmp_path / "pv"
    shutil.copytree(models["root"] / "pv", directory)
    _damage(directory, how)
    with pytest.raises((ValueError, FileNotFoundError)) as info:
        load_model(directory)
    assert str(directory / file) in str(info.value) and problem in str(info.value)


def test_a_non_finite_value_is_reported_in_its_own_row(tmp_path, models, monkeypatch):
    import shutil

    from wordspace import _validate
    from wordspace.models.base import load_matrix

    directory = tmp_path / "pv"
    shutil.copytree(models["root"] / "pv", directory)
    vectors = directory / "input_vectors_.npy"
    array = np.load(vectors)
    last = len(array) - 1
    array[last, -1] = np.inf  # the last row: it was "from row 0 on", the block's start
    np.save(vectors, array)
    with pytest.raises(ValueError, match=rf"the first in row {last};"):
        load_matrix(vectors, mmap=True)
    monkeypatch.setattr(_validate, "SCAN_VALUES", 4 * array.shape[1])  # blocks of 4
    # rows: in the third
    array[9, 0] = np.nan
    assert _validate.first_nonfinite_row(array) == 9
    assert _validate.first_nonfinite_row(array[:9]) is None
    assert _validate.first_nonfinite_row(array[:, 0]) == 9  # a vector's index


def test_json_nested_too_deeply_is_refused_naming_the_file(tmp_path, models, caplog,
                                                           capsys):
    import logging
    import shutil

    from wordspace.corpus import CorpusError
    from wordspace.engine.checkpoint import is_checkpoint

    directory = tmp_path / "pv"
    shutil.copytree(models["root"] / "pv", directory)
    (directory / "training.json").write_text(DEEP_JSON)  # the report only: a warning
    with caplog.at_level(logging.WARNING, logger="wordspace.models.base"):
        assert "report_" not in vars(load_model(directory))
    assert "training.json: the training report is unreadable (nested too deeply" \
        in caplog.text
    _damage(directory, "deep config")  # the command line said "maximum recursion depth"
    assert main(["export", str(directory), "-o", str(tmp_path / "v.txt")]) == 2
    assert f"{directory / 'config.json'}: not a readable model config (nested too " \
        "deeply" in capsys.readouterr().err
    (tmp_path / "partial").mkdir()
    (tmp_path / "partial" / "checkpoint.json").write_text(DEEP_JSON)
    assert not is_checkpoint(tmp_path / "partial")
    (tmp_path / "docs.jsonl").write_text(DEEP_JSON + "\n")
    with pytest.raises(CorpusError, match=r"docs.jsonl:1: not valid JSON \(nested too deeply"):
        Documents(tmp_path / "docs.jsonl", min_count=1, progress=False)


def test_a_model_directory_whose_config_does_not_read_is_never_replaced(tmp_path, models):
    import shutil

    directory = tmp_path / "pv"
    shutil.copytree(models["root"] / "pv", directory)
    (directory / "config.json").write_text('{"class": "PVD')  # cut short by hand
    before = sorted(p.name for p in directory.iterdir())
    with pytest.raises(FileExistsError, match=r"not a wordspace model directory \(its "
                                              r"config.json is damaged or not wordspace's"):
        load_model(models["root"] / "pv").save(directory)
    assert sorted(p.name for p in directory.iterdir()) == before


def test_inference_on_a_damaged_model_fails_cleanly_not_with_a_segfault(tmp_path, models):
    """The issue's reproduction: output vectors cut to 2 rows crashed ``wordspace infer``."""
    import shutil

    directory = tmp_path / "pv"
    shutil.copytree(models["root"] / "pv", directory)
    _damage(directory, "rows")
    run = subprocess.run([sys.executable, "-m", "wordspace", "infer", str(directory),
                          "t0w1 t0w2 c1 t0w3"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 2, run.stderr
    assert "output_vectors_.npy" in run.stderr and "expected shape" in run.stderr


def test_long_document_ids_are_stored_compactly(tmp_path):
    docs, _ = planted_documents(n_per_topic=5)
    docs[0] = ("x" * 100_000, docs[0][1])  # one long id must not pad all the others
    model = PVDBOW(dim=8, epochs=1, workers=1, progress=False).fit(
        Documents(docs, min_count=1, cache=False, progress=False))
    model.save(tmp_path / "m")
    size = sum(p.stat().st_size for p in (tmp_path / "m").iterdir())
    assert size < 200_000, size
    back = load_model(tmp_path / "m")
    assert back.dv.ids == model.dv.ids


def test_models_of_the_previous_format_still_load(tmp_path, models):
    import shutil

    directory = tmp_path / "pv"
    shutil.copytree(models["root"] / "pv", directory)
    ids = json.loads((directory / "doc_ids.json").read_text())
    os.unlink(directory / "doc_ids.json")
    np.save(directory / "doc_ids_.npy", np.array(ids, dtype=str))
    config = json.loads((directory / "config.json").read_text())
    config["format"] = 1
    (directory / "config.json").write_text(json.dumps(config))
    assert load_model(directory).dv.ids == ids


def test_a_checkpoint_holding_other_files_is_not_replaced_or_removed(tmp_path):
    from wordspace.engine.checkpoint import check_checkpoint_path, remove_checkpoint

    run = tmp_path / "run"
    (run / "rank-0").mkdir(parents=True)  # a distributed run's: its own
    (run / "checkpoint.json").write_text('{"kind": "wordspace checkpoint", '
                                         '"arrays": {"input_vectors": {}}}')
    (run / "states.npy").write_bytes(b"")
    (run / "input_vectors.npy").write_bytes(b"")
    check_checkpoint_path(run)
    for mine in ("plan.txt", "results.npy"):  # .npy, but not an array it lists
        (run / mine).write_text("mine")
        with pytest.raises(FileExistsError, match=f"also holds {mine}"):
            remove_checkpoint(run)
        assert (run / mine).read_text() == "mine"
        (run / mine).unlink()
    assert remove_checkpoint(run) and not run.exists()
