"""The command line end to end: train, similar, analogy, export, and its errors."""

from __future__ import annotations

import argparse
import inspect
import os
import re
import signal
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from wordspace import SkipGram, Vectors, load_model
from wordspace.cli import UsageError, build_model, build_parser, main
from wordspace.models import MODELS


@pytest.fixture
def trained(tmp_path, text_file):
    out = tmp_path / "model"
    assert main(["train", str(text_file), "-o", str(out), "--dim", "12", "--epochs", "2",
                 "--min-count", "1", "--workers", "2", "--quiet"]) == 0
    return out


def test_train_cbow(tmp_path, text_file):
    from wordspace import CBOW

    out = tmp_path / "cbow"
    assert main(["train", str(text_file), "-o", str(out), "--model", "cbow", "--dim", "8",
                 "--epochs", "1", "--min-count", "1", "--quiet"]) == 0
    model = load_model(out)
    assert isinstance(model, CBOW) and model.alpha == 0.05 and model.vectors.dim == 8


def test_train_writes_a_loadable_model(trained, capsys):
    model = load_model(trained)
    assert isinstance(model, SkipGram) and model.dim == 12 and model.epochs == 2
    assert model.vectors.dim == 12 and len(model.vectors) == 24
    assert (trained / "vocab.tsv").read_text().startswith("# wordspace vocabulary")


def test_max_token_length_leaves_out_longer_tokens(tmp_path, text_file):
    # every planted word is 4 characters long (g0w1); one of 5 is left out, with a warning
    text_file.write_text(text_file.read_text() + "abcde " * 50 + "\n")
    out = tmp_path / "m"
    for limit, has_long in (("5", True), ("4", False)):
        assert main(["train", str(text_file), "-o", str(out), "--dim", "4", "--epochs", "1",
                     "--min-count", "1", "--max-token-length", limit, "--quiet"]) == 0
        assert ("abcde" in load_model(out).vectors) is has_long


def test_similar_and_analogy_print_ranked_words(trained, capsys):
    assert main(["similar", str(trained), "g0w0", "--topn", "3"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3 and all(len(line.split()) == 2 for line in lines)
    assert main(["analogy", str(trained), "g0w0", "g0w1", "g1w0", "--topn", "2"]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 2


@pytest.mark.parametrize("fmt,binary", [("word2vec", False), ("word2vec-binary", True)])
def test_export_matches_the_model(trained, tmp_path, fmt, binary):
    out = tmp_path / "v.out"
    assert main(["export", str(trained), "-o", str(out), "--format", fmt]) == 0
    exported = Vectors.load_word2vec_format(out, binary=binary)
    model = load_model(trained)
    assert exported.words == model.vectors.words
    np.testing.assert_allclose(exported.matrix, model.vectors.matrix, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("name,binary", [("v.bin", True), ("v.BIN.gz", True), ("v.txt", False),
                                         ("v.vec", False), ("v.bin.txt", False)])
def test_export_s_format_follows_the_name_unless_given(trained, tmp_path, name, binary):
    """``export -o vectors.bin`` wrote text, which gensim's binary=True reader (and
    word2vec.c's distance) then fails on; the name now chooses, --format overrides."""
    gensim_kv = pytest.importorskip("gensim.models.keyedvectors")
    out = tmp_path / name
    assert main(["export", str(trained), "-o", str(out)]) == 0
    theirs = gensim_kv.KeyedVectors.load_word2vec_format(str(out), binary=binary)
    assert theirs.index_to_key == load_model(trained).vectors.words
    other = "word2vec" if binary else "word2vec-binary"
    assert main(["export", str(trained), "-o", str(out), "--format", other]) == 0
    gensim_kv.KeyedVectors.load_word2vec_format(str(out), binary=not binary)


def read_projector(directory):
    """The words and matrix of a Projector export, read as the Projector reads them:
    every line of vectors.tsv a row of tab-separated numbers, every line of metadata.tsv
    a word (one column: no header)."""
    rows = (directory / "vectors.tsv").read_text(encoding="utf-8").split("\n")
    words = (directory / "metadata.tsv").read_text(encoding="utf-8").split("\n")
    assert rows[-1] == words[-1] == ""  # each line ends with a newline, nothing after
    matrix = np.array([[float(x) for x in r.split("\t")] for r in rows[:-1]], np.float32)
    return words[:-1], matrix


def test_projector_export_round_trips_in_the_models_order(trained, tmp_path, capsys):
    out = tmp_path / "projector"
    model = load_model(trained)
    assert main(["export", str(trained), "-o", str(out), "--format", "projector"]) == 0
    assert "wrote 24 vectors of dimension 12" in capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == ["metadata.tsv", "vectors.tsv"]
    words, matrix = read_projector(out)
    assert words == model.vectors.words and len(words) == 24
    np.testing.assert_array_equal(matrix, model.vectors.matrix)  # nine digits: exact
    # an earlier export is replaced; --limit keeps the first (most frequent) words
    assert main(["export", str(trained), "-o", str(out), "--format", "projector",
                 "--limit", "5"]) == 0
    words, matrix = read_projector(out)
    assert words == model.vectors.words[:5]
    np.testing.assert_array_equal(matrix, model.vectors.matrix[:5])
    # --limit for word2vec files too
    assert main(["export", str(trained), "-o", str(tmp_path / "v.txt"), "--limit", "3"]) == 0
    assert Vectors.load_word2vec_format(tmp_path / "v.txt").words == model.vectors.words[:3]


def test_projector_export_of_a_vectors_file_without_a_header(tmp_path):
    glove = tmp_path / "glove.txt"
    glove.write_text("the 0.5 -1.25 3\ncafé 1e-3 2 -0\n, 7 8 9\n", encoding="utf-8")
    assert main(["export", str(glove), "-o", str(tmp_path / "p"), "--format",
                 "projector"]) == 0
    words, matrix = read_projector(tmp_path / "p")
    assert words == ["the", "café", ","]
    np.testing.assert_array_equal(matrix, np.array([[0.5, -1.25, 3], [1e-3, 2, 0],
                                                    [7, 8, 9]], np.float32))


def test_projector_export_refuses_what_is_not_its_own(trained, tmp_path, capsys):
    foreign = tmp_path / "notes.txt"
    foreign.write_text("mine\n")
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "vectors.tsv").write_text("1\t2\n")
    (folder / "thesis.tex").write_text("mine\n")
    for target, overwrite, message in (
            (foreign, [], "is an existing file, not a projector export"),
            (folder, [], "exists and is not a projector export wordspace wrote (only "
                         "vectors.tsv and metadata.tsv, unchanged since wordspace wrote "
                         "them)"),
            (folder, ["--overwrite"], "exists and is not a projector export (only "
                                      "vectors.tsv and metadata.tsv)")):
        assert main(["export", str(trained), "-o", str(target), "--format", "projector",
                     *overwrite]) == 2
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err
    assert foreign.read_text() == "mine\n"
    assert sorted(p.name for p in folder.iterdir()) == ["thesis.tex", "vectors.tsv"]
    assert (folder / "vectors.tsv").read_text() == "1\t2\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_projector_export_replaces_another_tool_s_export_only_with_overwrite(trained,
                                                                           tmp_path, capsys):
    """Any folder of exactly vectors.tsv and metadata.tsv was replaced: now only one
    wordspace wrote, unchanged since, unless --overwrite."""
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "vectors.tsv").write_text("1\t2\n")
    (theirs / "metadata.tsv").write_text("mine\n")
    assert main(["export", str(trained), "-o", str(theirs), "--format", "projector"]) == 2
    assert "or use --overwrite to replace an export wordspace did not write" in \
        capsys.readouterr().err
    assert (theirs / "metadata.tsv").read_text() == "mine\n"
    assert main(["export", str(trained), "-o", str(theirs), "--format", "projector",
                 "--overwrite"]) == 0
    assert read_projector(theirs)[0] == load_model(trained).vectors.words
    # an export edited since is someone else's again
    with open(theirs / "metadata.tsv", "a") as f:
        f.write("extra\n")
    assert main(["export", str(trained), "-o", str(theirs), "--format", "projector",
                 "--limit", "2"]) == 2
    assert (theirs / "metadata.tsv").read_text().endswith("extra\n")


@pytest.mark.parametrize("word, shown", [("new\tyork", r"'new\tyork'"),
                                         ("two\nlines", r"'two\nlines'"),
                                         ("cr\r", r"'cr\r'")])
def test_projector_export_refuses_words_a_tsv_line_cannot_hold(tmp_path, monkeypatch,
                                                               capsys, word, shown):
    vectors = Vectors(["a", word, "c"], np.ones((3, 2), np.float32))
    monkeypatch.setattr("wordspace.cli._load_scorable", lambda path: vectors)
    out = tmp_path / "p"
    assert main(["export", "anything", "-o", str(out), "--format", "projector"]) == 2
    err = capsys.readouterr().err
    assert f"word 2, {shown}, is empty or contains a tab or a line break" in err
    assert not out.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("word", ["\u3000", "\xa0 ", "\ufeff"])
def test_projector_export_refuses_blank_words_the_projector_would_skip(tmp_path, word):
    """The Projector drops blank metadata lines (JavaScript's trim()), which would put
    every later word on the wrong vector."""
    from wordspace.projector import write_projector

    with pytest.raises(ValueError, match="word 2, .* is blank"):
        write_projector(tmp_path / "p", ["a", word, "c"], np.ones((3, 2), np.float32))
    assert list(tmp_path.iterdir()) == []


def test_errors_are_one_clear_line(tmp_path, trained, capsys):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    cases = [
        (["train", str(tmp_path / "nope.txt"), "-o", str(tmp_path / "m")], "not found"),
        (["train", str(empty), "-o", str(tmp_path / "m")], "the corpus is empty"),
        (["similar", str(trained), "zebra"], "'zebra' is not in the vocabulary"),
        (["train", str(empty), "-o", str(tmp_path / "m"), "--alpha", "-1"],
         "error: --alpha must be > 0.0"),
        (["train", str(empty), "-o", str(tmp_path / "m"), "--model", "ppmi-svd", "--shift",
          "0"], "error: --shift must be > 0.0"),  # the option typed, not the parameter
        (["train", str(empty), "-o", str(tmp_path / "m"), "--sync-rows", "0"],
         "error: --sync-rows must be a positive number"),  # not SyncSettings' "rows"
        (["similar", str(tmp_path), "x"], "not a wordspace model directory"),
    ]
    for argv, message in cases:
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err
    assert not (tmp_path / "m").exists()


def test_help_teaches_every_subcommand():
    out = subprocess.run([sys.executable, "-m", "wordspace", "--help"], capture_output=True,
                         text=True, check=True).stdout
    for sub in ("train", "similar", "analogy", "export"):
        assert sub in out
        help_text = subprocess.run([sys.executable, "-m", "wordspace", sub, "--help"],
                                   capture_output=True, text=True, check=True).stdout
        assert "usage: wordspace " + sub in help_text
    assert "--min-count" in subprocess.run([sys.executable, "-m", "wordspace", "train", "-h"],
                                           capture_output=True, text=True).stdout


def test_eval_reports_what_evaluate_computes(trained, tmp_path, monkeypatch, capsys,
                                            toy_datasets):
    import json

    from wordspace.evaluate import analogies, word_similarity

    toy_datasets("simlex999", "google")

    mirror = tmp_path / "mirror"
    (mirror / "similarity").mkdir(parents=True)
    (mirror / "analogy").mkdir()
    words = load_model(trained).vectors.words
    pairs = [f"{a}\t{b}\t{i % 7}"
             for i, (a, b) in enumerate(zip(words[:-3], words[3:], strict=True))]
    (mirror / "similarity" / "simlex999.txt").write_text("\n".join(pairs) + "\nzzz\tg0w0\t3\n")
    (mirror / "analogy" / "questions-words.txt").write_text(
        ": planted\ng0w0 g0w1 g1w0 g1w1\ng0w2 g0w3 g2w2 g2w3\n")
    monkeypatch.setenv("WORDSPACE_DATA", str(mirror))
    assert main(["eval", str(trained), "--datasets", "simlex999", "google", "--json"]) == 0
    results = json.loads(capsys.readouterr().out)["cosine"]
    vectors = load_model(trained).vectors
    expected = word_similarity(vectors, mirror / "similarity" / "simlex999.txt")
    assert results["simlex999"]["spearman"] == pytest.approx(expected.spearman)
    assert results["simlex999"]["oov"] == 1
    google = analogies(vectors, mirror / "analogy" / "questions-words.txt")
    assert results["google/3cosadd"]["correct"] == google.correct
    assert results["google/3cosadd"]["total"] == 2
    # --restrict-vocab 0: every word a candidate (compute-accuracy's 0)
    assert main(["eval", str(trained), "--datasets", "google", "--json",
                 "--restrict-vocab", "0"]) == 0
    every = analogies(vectors, mirror / "analogy" / "questions-words.txt",
                      restrict_vocab=None)
    got = json.loads(capsys.readouterr().out)["cosine"]["google/3cosadd"]
    assert (got["correct"], got["total"]) == (every.correct, every.total)
    assert main(["eval", str(trained), "--datasets", "simlex999"]) == 0
    table = capsys.readouterr().out
    assert "simlex999" in table and "Spearman" in table
    # a dataset none of whose words the model knows: null in strict JSON; the run fails
    # when no dataset scored anything
    unknown = tmp_path / "unknown-pairs.txt"
    unknown.write_text("foo bar 5\nbaz qux 3\n")
    assert main(["eval", str(trained), "--datasets", "simlex999", str(unknown), "--json"]) == 0
    scores = json.loads(capsys.readouterr().out, parse_constant=pytest.fail)["cosine"]
    assert scores[str(unknown)]["spearman"] is None and scores[str(unknown)]["pairs"] == 0
    assert main(["eval", str(trained), "--datasets", str(unknown), "--json"]) == 2
    assert "no dataset scored a pair or question" in capsys.readouterr().err


def test_a_reader_that_leaves_stops_the_command_quietly():
    # far more output than a pipe holds, so the reader surely leaves before the end
    code = ("import wordspace.cli as c; c._data_list = lambda a: [print('name' * 20) for _ "
            "in range(200_000)]; raise SystemExit(c.main(['data', 'list']))")
    shown = subprocess.run(f"{sys.executable} -c \"{code}\" | head -1; exit ${{PIPESTATUS[0]}}",
                           shell=True, executable="/bin/bash", capture_output=True, text=True)
    assert shown.stdout.startswith("name") and shown.stdout.count("\n") == 1
    assert shown.returncode == 141 and shown.stderr == ""  # as a tool killed by SIGPIPE


def test_data_list_and_path(tmp_path, monkeypatch, capsys, toy_datasets):
    toy_datasets("ws353")
    mirror = tmp_path / "mirror"
    (mirror / "similarity").mkdir(parents=True)
    (mirror / "similarity" / "ws353.txt").write_text("tiger\tcat\t7.35\n")
    monkeypatch.setenv("WORDSPACE_DATA", str(mirror))
    assert main(["data", "list"]) == 0
    rows = {line.split()[0]: line.split() for line in capsys.readouterr().out.splitlines()[1:]}
    assert rows["ws353"][2] == "mirror" and rows["men"][2] == "-"
    assert main(["data", "path", "ws353"]) == 0
    assert capsys.readouterr().out.strip() == str(mirror / "similarity" / "ws353.txt")


def test_data_list_says_a_mirror_file_data_path_refuses_is_unusable(tmp_path, monkeypatch,
                                                                   capsys):
    """An empty file in the mirror was listed as "mirror", and 'data path' then refused
    it: the list checks it as 'data path' does and says why it is unusable."""
    mirror = tmp_path / "mirror"
    (mirror / "similarity").mkdir(parents=True)
    empty = mirror / "similarity" / "ws353.txt"
    empty.write_bytes(b"")
    monkeypatch.setenv("WORDSPACE_DATA", str(mirror))
    assert main(["data", "list"]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines()
               if line.startswith("ws353 "))
    assert row.split()[2] == "unusable"
    assert f"(ws353: the mirror's file is not usable: {empty}" in row
    assert main(["data", "path", "ws353"]) == 2
    assert "ws353: the mirror's file is not usable" in capsys.readouterr().err
    assert empty.exists()  # the user's file is left alone


def test_pv_dbow_end_to_end(tmp_path, capsys):
    """Train on JSON lines, then ask for neighbours, infer new text and export by id."""
    from helpers import planted_documents, write_documents
    from wordspace import PVDBOW

    docs, topics = planted_documents(n_per_topic=20)
    corpus = write_documents(tmp_path / "docs.jsonl", docs)
    out = tmp_path / "dbow"
    assert main(["train", str(corpus), "-o", str(out), "--model", "pv-dbow", "--dim", "8",
                 "--epochs", "15", "--sample", "0", "--min-count", "1", "--workers", "1",
                 "--quiet"]) == 0
    model = load_model(out)
    assert isinstance(model, PVDBOW) and model.train_words and model.dv.ids[0] == "doc0"
    capsys.readouterr()

    assert main(["similar", str(out), "doc0", "--doc", "--topn", "3"]) == 0
    found = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert len(found) == 3 and all(topics[int(d[3:])] == topics[0] for d in found)

    topic_words = " ".join(f"t{topics[0]}w{j}" for j in range(8))
    assert main(["infer", str(out), topic_words, "--topn", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == topic_words and all(topics[int(line.split()[0][3:])] == topics[0]
                                           for line in lines[1:3])
    # a document without a known word: the others answered, then the run fails
    assert main(["infer", str(out), "zebra", topic_words, "--topn", "2"]) == 2
    shown = capsys.readouterr()
    assert shown.out.splitlines()[1] == "(none of its words is in the model's vocabulary)"
    assert shown.out.splitlines()[3] == topic_words
    assert "1 document(s) have no word in" in shown.err
    assert "(document 1, counting from 1): no vector inferred" in shown.err
    assert main(["infer", str(out), "--vector", topic_words, "zebra"]) == 2
    shown = capsys.readouterr()
    rows = [line.split() for line in shown.out.splitlines()]
    assert len(rows) == 2 and all(float(x) == 0 for x in rows[1]) and any(
        float(x) for x in rows[0])
    assert "(document 2, counting from 1): no vector inferred, a row of zeros printed in " \
        "its place" in shown.err

    exported = tmp_path / "docs.txt"
    assert main(["export", str(out), "--docs", "-o", str(exported)]) == 0
    vectors = Vectors.load_word2vec_format(exported)
    assert vectors.words == model.dv.ids
    np.testing.assert_allclose(vectors.matrix, model.dv.matrix, rtol=1e-5, atol=1e-7)

    # a word model, of the documents' text: it has no document to find
    from helpers import write_sentences

    text = write_sentences(tmp_path / "text.txt", [tokens for _, tokens in docs])
    assert main(["train", str(text), "-o", str(tmp_path / "sg"), "--dim", "4",
                 "--epochs", "1", "--min-count", "1", "--quiet"]) == 0
    capsys.readouterr()
    assert main(["similar", str(tmp_path / "sg"), "doc0", "--doc"]) == 2
    assert "has no document vectors" in capsys.readouterr().err


def test_a_document_vectors_directory_answers_doc_and_docs_and_infer_names_the_model(
        tmp_path, capsys):
    """``export --docs --format vectors-dir`` wrote a folder that ``similar --doc`` and
    ``export --docs`` refused as "word vectors (a vectors file), which has no document
    vectors", though it holds them; ``infer`` needs the model, and says so."""
    from helpers import planted_documents
    from wordspace import PVDBOW, Documents, DocVectors

    docs, _ = planted_documents(n_per_topic=5)
    model = PVDBOW(dim=8, epochs=2, sample=0, workers=1, progress=False).fit(
        Documents(docs, min_count=1, cache=False, progress=False))
    model.save(tmp_path / "m")
    folder = tmp_path / "docdir"
    assert main(["export", str(tmp_path / "m"), "--docs", "--format", "vectors-dir", "-o",
                 str(folder)]) == 0
    assert isinstance(Vectors.load(folder), DocVectors)
    capsys.readouterr()
    assert main(["similar", str(folder), "doc0", "--doc", "--topn", "3"]) == 0
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines()] == \
        [d for d, _ in model.dv.most_similar("doc0", topn=3)]
    assert main(["export", str(folder), "--docs", "-o", str(tmp_path / "d.txt")]) == 0
    assert Vectors.load_word2vec_format(tmp_path / "d.txt").words == model.dv.ids
    capsys.readouterr()
    assert main(["infer", str(folder), "some text"]) == 2
    err = capsys.readouterr().err
    assert f"{folder} holds document vectors (a vectors directory), which cannot infer" in err
    assert "give the model directory" in err and "no document vectors" not in err


# -- train's options, built from the model registry ------------------------------------
def _signature(cls) -> dict:
    return {k: p for k, p in inspect.signature(cls.__init__).parameters.items()
            if k not in ("self", "source")}


def _takers(dest: str) -> dict:
    """{model name: the parameter} for every registered model whose class, or whose
    corpus class, has a parameter ``dest``."""
    found = {}
    for name, cls in MODELS.items():
        sig = _signature(cls) | _signature(cls._corpus_type)
        if dest in sig:
            found[name] = sig[dest]
    return found


def _train_parser():
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices["train"]


def _parameter_options(parser) -> dict:
    """train's options that set a parameter of some model or corpus, by parameter."""
    return {a.dest: a for a in parser._actions if a.option_strings and _takers(a.dest)}


def _build(*argv):
    return build_model(build_parser().parse_args(["train", "c.txt", "-o", "m", *argv]))


#: options with a syntax of their own: the text given, and the parameter's value
_OTHER_VALUES = {"device": ("cuda:1", "cuda:1"),
                 "device_options": ("concurrent-chunks=4", {"concurrent_chunks": 4})}
#: options valid only beside another (device options are for a GPU): that one's value
_BESIDE = {"device_options": {"device": "cuda"}}
#: what an option sets beside its own parameter when the other is not given
_IMPLIED = {"hs": {"negative": 0}}


def _given(action, p) -> tuple[list[str], object]:
    """Arguments setting ``action`` to a value other than the parameter's default."""
    if action.nargs == 0:  # a switch
        assert action.const != p.default
        return [action.option_strings[0]], action.const
    if action.choices:
        value = next(c for c in action.choices if c != p.default)
    elif action.dest in _OTHER_VALUES:
        text, value = _OTHER_VALUES[action.dest]
        return [action.option_strings[0], text], value
    elif p.default is None:
        value = 2 if "int" in str(p.annotation) else r"\w+" if "str" in str(
            p.annotation) else 0.001
    elif isinstance(p.default, str):
        value = p.default + "_x"
    else:
        value = p.default + 1 if isinstance(p.default, int) else p.default / 2
    return [action.option_strings[0], str(value)], value


@pytest.mark.parametrize("name", list(MODELS))
def test_every_parameter_of_every_model_is_an_option_that_reaches_it(name):
    cls = MODELS[name]
    options = _parameter_options(_train_parser())
    defaults = cls().get_params()
    corpus_params = [d for d in options if d in _signature(cls._corpus_type)]
    for param in [*_signature(cls), *corpus_params]:
        if param == "progress":  # --quiet's, below
            continue
        assert param in options, f"{cls.__name__}({param}=...) has no train option"
        argv, value = _given(options[param], _takers(param)[name])
        beside = _BESIDE.get(param, {})
        for other, other_value in beside.items():
            argv += [options[other].option_strings[0], other_value]
        model, corpus_type, reading = _build("--model", name, *argv)
        if param in defaults:
            assert model.get_params() == {**defaults, **beside, **_IMPLIED.get(param, {}),
                                          param: value}
            assert reading == {}
            assert type(getattr(model, param)) is type(value)
        else:
            assert model.get_params() == defaults and reading == {param: value}
        assert type(model) is cls and corpus_type is cls._corpus_type
    model, _, reading = _build("--model", name, "--quiet")
    assert model.progress is False and reading == {"progress": False}


@pytest.mark.parametrize("name", list(MODELS))
def test_omitted_options_leave_the_classes_defaults(name):
    model, corpus_type, reading = _build("--model", name)
    assert model.get_params() == MODELS[name]().get_params()
    assert corpus_type is MODELS[name]._corpus_type and reading == {}


def test_an_option_for_a_model_without_it_is_an_error_naming_those_with_it():
    checked = 0
    for dest, action in _parameter_options(_train_parser()).items():
        takers = _takers(dest)
        for name in MODELS.keys() - takers.keys():
            argv, _ = _given(action, next(iter(takers.values())))
            with pytest.raises(UsageError) as e:
                _build("--model", name, *argv)
            assert str(e.value).startswith(
                f"{action.option_strings[0]} is not a parameter of {name} (it is one of: "
                f"{', '.join(takers)})")  # (--cbow then names the CBOW model)
            checked += 1
    assert checked > 20  # --negative, --energy, --text-field, --per-pair, ...


def test_the_error_is_one_line_before_anything_is_read(tmp_path, capsys):
    out = tmp_path / "m"
    argv = ["train", str(tmp_path / "no-such-corpus"), "-o", str(out), "--model",
            "ppmi-svd", "--negative", "3"]
    assert main(argv) == 2 and main([*argv, "-v"]) == 2
    takers = ", ".join(_takers("negative"))
    line = f"wordspace: error: --negative is not a parameter of ppmi-svd (it is one of: {takers})\n"
    assert capsys.readouterr().err == line * 2 and not out.exists()
    assert main(["train", "c.txt", "-o", str(out), "--model", "gaussian", "--var-min", "2"]) == 2
    err = capsys.readouterr().err  # the model's check, before reading, and how to settle it
    assert "var_init must be" in err and "gaussian's default: set --var-init" in err


def _shown_defaults(parser) -> dict:
    """{parameter: {model: default}} as train's help states them: "(default: 5; pv-dbow:
    20; not ppmi-svd)", or in a group titled after one model "(default: 1.0)"."""
    shown = {}
    for group in parser._action_groups:
        own = group.title.removesuffix(" model")
        for action in group._group_actions:
            if action.nargs == 0 or not _takers(action.dest):
                continue
            main_value, named, left_out = None, {}, set()
            for part in re.search(r"\(([^()]*)\)$", action.help).group(1).split("; "):
                key, _, value = part.rpartition(": ")
                if part.startswith("not "):
                    left_out |= set(part[4:].split(", "))
                elif key == "default":
                    main_value = value
                else:
                    named |= dict.fromkeys(key.split(", "), value)
            scope = [own] if own in MODELS else [m for m in MODELS if m not in left_out]
            if main_value is not None:
                named = {m: main_value for m in scope} | named
            shown[action.dest] = named
    return shown


def test_help_shows_each_models_default_from_its_class():
    shown = _shown_defaults(_train_parser())
    for dest, takers in ((d, _takers(d)) for d in shown):
        assert shown[dest] == {m: "none" if p.default is None else str(p.default)
                               for m, p in takers.items()}, dest
    assert {"dim", "epochs", "alpha", "margin", "text_field", "min_count"} <= shown.keys()
    text = subprocess.run([sys.executable, "-m", "wordspace", "train", "-h"],
                          capture_output=True, text=True, check=True).stdout
    dims = {m: p.default for m, p in _takers("dim").items()}
    assert f"default: {dims['sgns']}; gaussian: {dims['gaussian']}" in " ".join(text.split())


def test_declared_choices_are_what_the_models_accept():
    for dest, action in _parameter_options(_train_parser()).items():
        for name in _takers(dest) if action.choices else ():
            cls = MODELS[name]
            for choice in action.choices:
                cls(**{dest: choice})._validate()
            with pytest.raises(ValueError, match=f"^{dest} must be one of") as e:
                cls(**{dest: "no-such"})._validate()
            assert sorted(re.findall(r"'([^']*)'", str(e.value))[:-1]) == sorted(action.choices)


def test_a_registered_model_gets_its_options_from_its_signature(monkeypatch):
    from wordspace.models.base import Model

    class Toy(Model):
        """A toy.

        Parameters
        ----------
        dim : int
            Dimensions.
        gamma : float
            The toy's rate. More about it.
        fast : bool
            Go fast.
        """

        def __init__(self, dim: int = 7, gamma: float = 0.5, fast: bool = True,
                     progress: bool = True):
            self.dim, self.gamma, self.fast, self.progress = dim, gamma, fast, progress

        def _validate(self) -> None:
            pass

    monkeypatch.setitem(MODELS, "toy", Toy)
    options = _parameter_options(_train_parser())
    assert options["gamma"].help == "The toy's rate (default: 0.5)"
    assert options["fast"].option_strings == ["--no-fast"]
    assert "toy: 7" in options["dim"].help
    model, _, _ = _build("--model", "toy", "--gamma", "0.25", "--no-fast", "--dim", "3")
    assert model.get_params() == dict(dim=3, gamma=0.25, fast=False, progress=True)
    with pytest.raises(UsageError, match=r"^--gamma is not a parameter of sgns \(it is one "
                                         r"of: toy\)$"):
        _build("--gamma", "1")


def test_fasttext_answers_for_unseen_words_from_a_model_a_bin_and_a_vec(tmp_path, text_file,
                                                                        capsys):
    """``--model fasttext`` trains subword vectors; ``similar`` and ``vectors`` answer for
    a word never seen from the model directory and from its fastText ``.bin``, a
    ``.vec`` file answers for its own words, and a word with no vector fails the run
    after the others are printed."""
    from wordspace import FastText

    out = tmp_path / "ft"
    assert main(["train", str(text_file), "-o", str(out), "--model", "fasttext", "--dim", "8",
                 "--epochs", "1", "--min-count", "1", "--min-n", "2", "--max-n", "3",
                 "--bucket", "500", "--quiet"]) == 0
    model = load_model(out)
    assert isinstance(model, FastText) and (model.min_n, model.max_n, model.bucket) == (2, 3,
                                                                                         500)
    model.save_facebook_model(tmp_path / "ft.bin")
    model.vectors.save_word2vec_format(tmp_path / "ft.vec")
    capsys.readouterr()
    for source in (out, tmp_path / "ft.bin"):
        assert "g0w0x" not in model.vectors
        assert main(["similar", str(source), "g0w0x", "--topn", "2"]) == 0
        assert len(capsys.readouterr().out.strip().splitlines()) == 2
        assert main(["vectors", str(source), "g0w0", "g0w0x"]) == 0
        lines = capsys.readouterr().out.strip().splitlines()
        for line, word in zip(lines, ("g0w0", "g0w0x"), strict=True):
            fields = line.split()
            assert fields[0] == word
            np.testing.assert_allclose(np.array(fields[1:], float), model.vectors[word],
                                       rtol=1e-5, atol=1e-6)
    assert main(["similar", str(tmp_path / "ft.vec"), "g0w0", "--topn", "2"]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 2
    assert main(["vectors", str(tmp_path / "ft.vec"), "g0w0", "zz", "g1w1"]) == 2
    captured = capsys.readouterr()
    rows = [line.split() for line in captured.out.splitlines()]
    assert [row[0] for row in rows] == ["g0w0", "zz", "g1w1"]  # a row a word, as fastText
    assert [float(x) for x in rows[1][1:]] == [0.0] * 8  # zz's: zeros, and said
    assert "'zz'" in captured.err and "1 word(s) have no vector" in captured.err


def test_sentence_vectors_prints_fasttext_s_line_by_line(tmp_path, capsys, monkeypatch):
    """``sentence-vectors`` is fastText's print-sentence-vectors: a line of numbers for
    each line of standard input (or TEXT), the model's get_sentence_vector, zeros for a
    blank line; a line without any word with a vector gets zeros too and fails the run
    once every line is printed; word vectors without subwords (a .vec) give the mean of
    their words' unit vectors, unseen words left out."""
    import io

    from conftest import planted_sentences
    from wordspace import Corpus, FastText

    model = FastText(dim=6, min_n=4, max_n=5, bucket=300, epochs=1, sample=0, workers=1,
                     progress=False).fit(Corpus(planted_sentences(n_sentences=100)[0],
                                                min_count=1))
    model.save(tmp_path / "ft")
    model.save_facebook_model(tmp_path / "ft.bin")
    lines = ["g0w0 g1w1", "  g0w0x\tg2w2 ", "", "g3w3"]
    for source in (tmp_path / "ft", tmp_path / "ft.bin"):
        monkeypatch.setattr("sys.stdin", io.StringIO("".join(f"{t}\n" for t in lines)))
        assert main(["sentence-vectors", str(source)]) == 0
        printed = capsys.readouterr().out.splitlines()
        assert len(printed) == len(lines)
        for line, text in zip(printed, lines, strict=True):
            np.testing.assert_allclose(np.array(line.split(), float),
                                       model.get_sentence_vector(text), rtol=1e-5,
                                       atol=1e-6)
    assert main(["sentence-vectors", str(tmp_path / "ft.bin"), "g0w0 g1w1", "x"]) == 2
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 2
    assert captured.out.splitlines()[1] == " ".join(["0"] * 6)  # "<x>": shorter than min_n
    assert "no word of line 2 has a vector: 'x'" in captured.err
    assert "1 line(s) have no word with a vector" in captured.err
    model.vectors.save_word2vec_format(tmp_path / "ft.vec")
    assert main(["sentence-vectors", str(tmp_path / "ft.vec"), "g0w0 g1w1 g0w0x"]) == 0
    unit = [model.vectors[w] / np.linalg.norm(model.vectors[w]) for w in ("g0w0", "g1w1")]
    np.testing.assert_allclose(np.array(capsys.readouterr().out.split(), float),
                               np.mean(unit, axis=0), rtol=1e-5, atol=1e-6)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # piped, and nothing in it
    assert main(["sentence-vectors", str(tmp_path / "ft")]) == 2
    assert "no line read" in capsys.readouterr().err


def test_similar_and_analogy_answer_several_queries_or_read_them_from_stdin(
        trained, capsys, monkeypatch):
    """Several words (or triples) are answered in turn, each under its query; without
    any, queries are read from standard input, as fastText's nn and analogies read them;
    an unknown word is reported and fails the run once the others are answered."""
    import io

    assert main(["similar", str(trained), "g0w0", "g1w1", "--topn", "2"]) == 0
    out = capsys.readouterr().out.split("\n\n")
    assert [block.splitlines()[0] for block in out] == ["g0w0:", "g1w1:"]
    assert all(len(block.strip().splitlines()) == 3 for block in out)
    monkeypatch.setattr("sys.stdin", io.StringIO("g0w0 nosuchword\ng1w1\n"))
    assert main(["similar", str(trained), "--topn", "2"]) == 2
    captured = capsys.readouterr()
    assert [line for line in captured.out.splitlines() if line.endswith(":")] == [
        "g0w0:", "g1w1:"]
    assert "nosuchword" in captured.err and "1 query could not be answered" in captured.err
    monkeypatch.setattr("sys.stdin", io.StringIO("g0w0 g0w1 g1w0\ng1w0 g1w1 g0w0\n"))
    assert main(["analogy", str(trained), "--topn", "1"]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 5  # two heads, two answers
    assert main(["analogy", str(trained), "g0w0", "g0w1"]) == 2  # not a triple
    for command, what in (("similar", "query"), ("analogy", "query"), ("vectors", "word")):
        for given, said in (("", "(it was empty)"),  # piped, and nothing in it
                            ("\n \n", "(it held 2 blank lines and nothing else)")):
            capsys.readouterr()
            monkeypatch.setattr("sys.stdin", io.StringIO(given))
            assert main([command, str(trained)]) == 2
            assert f"no {what} read: give one as an argument, or on standard input " \
                   f"{said}" in capsys.readouterr().err


def test_an_answer_to_a_closed_standard_output_fails_naming_it(tmp_path):
    """``wordspace similar m france >&-`` printed nothing and exited 0."""
    vectors = tmp_path / "v.txt"
    vectors.write_text("2 2\nfrance 1 0\nitaly 1 0.1\n")
    run = subprocess.run([sys.executable, "-m", "wordspace", "similar", str(vectors),
                          "france"], preexec_fn=lambda: os.close(1), stderr=subprocess.PIPE,
                         text=True, timeout=120)
    assert run.returncode == 2
    assert "standard output is closed, and this command prints its answers there" in \
        run.stderr


def test_progress_in_a_log_is_one_line_per_refresh_and_never_an_unmeasured_loss(tmp_path):
    from conftest import planted_sentences
    from helpers import write_sentences

    corpus = write_sentences(tmp_path / "c.txt", planted_sentences(n_sentences=3000)[0])
    run = subprocess.run([sys.executable, "-m", "wordspace", "train", str(corpus), "-o",
                          str(tmp_path / "m"), "--dim", "8", "--epochs", "2", "--sample", "0",
                          "--min-count", "1"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "\r" not in run.stderr  # a log, not a terminal: no redraws
    lines = [line for line in run.stderr.splitlines() if line.startswith("training")]
    assert lines and "100%" in lines[-1] and "loss=" in lines[-1]
    assert "nan" not in run.stderr and "n/a" not in run.stderr


def test_train_init_checks_the_pretrained_vectors_before_reading(tmp_path, capsys):
    from wordspace import Vectors

    Vectors(["a", "b"], np.ones((2, 6), np.float32)).save_word2vec_format(tmp_path / "v.vec")
    code = main(["train", str(tmp_path / "missing.txt"), "-o", str(tmp_path / "m"),
                 "--dim", "8", "--init", str(tmp_path / "v.vec")])
    assert code == 2
    err = capsys.readouterr().err
    assert "have 6 dimensions" in err and "missing.txt" not in err
    # a value of 1e30 overflows every dot product: it blamed the learning rate after
    # training ("diverged ... lower alpha"); now refused before the corpus is read
    (tmp_path / "huge.vec").write_text("2 8\na 1 0 0 0 0 0 0 0\nb 1e30 0 0 0 0 0 0 0\n")
    assert main(["train", str(tmp_path / "missing.txt"), "-o", str(tmp_path / "m"),
                 "--dim", "8", "--init", str(tmp_path / "huge.vec")]) == 2
    err = capsys.readouterr().err
    assert f"the pretrained vectors in {tmp_path / 'huge.vec'}: the vector of 'b' (row 1) " \
        "is 1e+30 long, over 1.84e+19" in err and "alpha" not in err
    assert "missing.txt" not in err and not (tmp_path / "m").exists()


def test_train_update_continues_a_model_with_the_new_corpus_s_words(tmp_path, text_file):
    """``train --update MODEL``: MODEL's words keep their indices and gain the new
    corpus's counts, new words are appended, the settings are MODEL's except those an
    update may change, and the old rows go on training."""
    trained = tmp_path / "model"
    assert main(["train", str(text_file), "-o", str(trained), "--dim", "12", "--epochs",
                 "2", "--min-count", "1", "--sample", "0", "--quiet"]) == 0
    old = load_model(trained)
    more = tmp_path / "more.txt"
    more.write_text("zebra quokka g0w1 g0w2\n" * 30)
    out = tmp_path / "updated"
    assert main(["train", str(more), "--update", str(trained), "-o", str(out),
                 "--epochs", "3", "--min-count", "1", "--quiet"]) == 0
    new = load_model(out)
    assert type(new) is type(old) and new.dim == 12 and new.epochs == 3
    assert new.vocab_.words[:len(old.vocab_)] == old.vocab_.words
    assert set(new.vocab_.words[len(old.vocab_):]) == {"zebra", "quokka"}
    index = old.vocab_.index["g0w1"]
    assert new.vocab_.counts[index] == old.vocab_.counts[index] + 30
    assert not np.allclose(new.vectors["g0w1"], old.vectors["g0w1"])  # trained on
    np.testing.assert_array_equal(load_model(trained).vectors.matrix, old.vectors.matrix)


def test_train_update_reads_more_text_as_the_model_s_text_was_read(tmp_path, text_file,
                                                                     capsys):
    trained = tmp_path / "model"
    assert main(["train", str(text_file), "-o", str(trained), "--dim", "8", "--epochs", "1",
                 "--min-count", "1", "--sample", "0", "--lowercase", "--quiet"]) == 0
    more = tmp_path / "more.txt"
    more.write_text("ZEBRA G0W1 g0w2\n" * 20)
    out = tmp_path / "updated"
    assert main(["train", str(more), "--update", str(trained), "-o", str(out), "--epochs",
                 "1", "--min-count", "1", "--quiet"]) == 0  # no --lowercase: the model's
    new, old = load_model(out), load_model(trained)
    assert new.tokenization_ == {"lowercase": True, "token_pattern": None}
    assert new.vocab_.words[len(old.vocab_):] == ["zebra"]
    index = old.vocab_.index["g0w1"]
    assert new.vocab_.counts[index] == old.vocab_.counts[index] + 20
    # read otherwise, its words would not be the model's: refused before reading
    assert main(["train", str(tmp_path / "never-read.txt"), "--update", str(trained), "-o",
                 str(tmp_path / "m"), "--token-pattern", r"\w+"]) == 2
    err = capsys.readouterr().err
    assert "--token-pattern: " in err and "token_pattern=None" in err
    assert not (tmp_path / "m").exists()


@pytest.mark.parametrize(("extra", "message"), [
    (["--dim", "20"], "--dim: .* own value is kept by --update"),
    (["--model", "cbow"], "holds a sgns model, and an update keeps its kind"),
    (["--init", "SOURCE"], "--init starts a new model"),
    (["--checkpoint-every", "1e"], "for new models, not --update"),
])
def test_train_update_refuses_what_an_update_cannot_change(trained, tmp_path, capsys, extra,
                                                           message):
    extra = [str(trained) if a == "SOURCE" else a for a in extra]
    code = main(["train", str(tmp_path / "never-read.txt"), "--update", str(trained),
                 "-o", str(tmp_path / "m"), *extra])
    assert code == 2
    err = capsys.readouterr().err
    assert re.search(message, err) and "never-read" not in err
    assert not (tmp_path / "m").exists()


def test_train_s_help_says_an_update_is_not_checkpointed():
    """--update refuses --checkpoint-every (--restart only removes the checkpoint), and
    neither --help nor
    checkpoints.md said so (it listed --update beside the re-queue record as if it
    worked)."""
    from wordspace.cli import build_parser

    train = build_parser()._subparsers._group_actions[0].choices["train"]
    said = {a.dest: " ".join(a.help.split()) for a in train._actions if a.help}
    assert "not --update" in said["checkpoint_every"]
    assert "with --update: only removes it" in said["restart"]
    assert "--checkpoint-every is refused with it (--restart only removes " \
        "MODEL_DIR.partial)" in said["update"]


def test_train_update_takes_the_model_s_own_values_of_what_it_cannot_change(
        trained, tmp_path, text_file):
    """A script that repeats the first run's options (--dim 12 --update ...): each is the
    model's own value, so nothing changes and nothing is refused."""
    assert main(["train", str(text_file), "--update", str(trained), "-o",
                 str(tmp_path / "m"), "--dim", "12", "--model", "sgns", "--epochs", "1",
                 "--quiet"]) == 0
    assert load_model(tmp_path / "m").dim == 12


def test_train_update_of_vectors_or_a_one_pass_model_says_what_to_do(trained, tmp_path,
                                                                      text_file, capsys):
    vec = tmp_path / "v.vec"
    load_model(trained).vectors.save_word2vec_format(vec)
    assert main(["train", str(text_file), "--update", str(vec), "-o",
                 str(tmp_path / "m")]) == 2
    assert "start a new model from its vectors with --init" in capsys.readouterr().err
    ppmi = tmp_path / "ppmi"
    assert main(["train", str(text_file), "--model", "ppmi-svd", "--dim", "4", "--min-count",
                 "1", "-o", str(ppmi), "--quiet"]) == 0
    assert main(["train", str(text_file), "--update", str(ppmi), "-o",
                 str(tmp_path / "m")]) == 2
    assert "cannot continue training" in capsys.readouterr().err


# -- every query command on every kind of vectors source ---------------------------------
# Issue 15's bar: similar, analogy, vectors, plot, eval and export each run on a model
# directory, a word2vec binary .bin, a word2vec text .txt, a GloVe (header-less) text
# file and a fastText .bin, told apart by content; every answer is checked against the
# vectors that were written (their neighbours, the planted group first, the scores that
# an independent computation gives, the exported file read back).
SOURCES = ("model-dir", "word2vec-bin", "word2vec-txt", "glove-txt", "fasttext-bin")


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    """The files, written once: a SkipGram trained on planted groups (``g{i}w{j}``) saved
    as a model directory and in the three vectors formats (all lossless: the same
    float32 values), a FastText saved as a fastText .bin, and benchmark files of one's
    own (word pairs, analogy questions). Returns ``{source: (path, reference)}`` and,
    under ``"files"``, the benchmark files; a reference answers as the written vectors
    must (the trained model's vectors, or the FastText model itself, which composes)."""
    from conftest import planted_sentences
    from wordspace import Corpus, FastText

    root = tmp_path_factory.mktemp("sources")
    sentences, groups = planted_sentences(n_sentences=400)
    with pytest.MonkeyPatch.context() as mp:  # module scope: before the autouse home
        mp.setenv("WORDSPACE_HOME", str(root / "home"))
        sg = SkipGram(dim=16, epochs=3, sample=0, workers=1, seed=0, progress=False)
        sg.fit(Corpus(sentences, min_count=1))
        ft = FastText(dim=16, epochs=2, sample=0, workers=1, seed=0, min_n=2, max_n=3,
                      bucket=500, progress=False)
        ft.fit(Corpus(sentences, min_count=1))
    vectors = sg.vectors
    sg.save(root / "model")
    vectors.save_word2vec_format(root / "vectors.bin", binary=True)
    vectors.save_word2vec_format(root / "vectors.txt")
    with open(root / "glove.txt", "w", encoding="utf-8") as f:  # no header, as GloVe's
        for word, row in zip(vectors.words, vectors.matrix, strict=True):
            f.write(word + " " + " ".join(repr(float(x)) for x in row) + "\n")
    ft.save_facebook_model(root / "ft.bin")
    # pairs: within a group scored high, across groups low; questions: g_i w0 : g_i w1 ::
    # g_j w0 : g_j w1 for every two groups (an answer in group j is the planted one)
    pairs = [(g[a], g[b], 9 - a - b) for g in groups for a, b in ((0, 1), (2, 3))]
    pairs += [(groups[i][0], groups[i + 1][1], i) for i in range(len(groups) - 1)]
    (root / "pairs.txt").write_text("".join(f"{a}\t{b}\t{s}\n" for a, b, s in pairs))
    questions = [(gi[0], gi[1], gj[0], gj[1]) for gi in groups for gj in groups
                 if gi is not gj]
    (root / "questions.txt").write_text(
        ": planted\n" + "".join(" ".join(q) + "\n" for q in questions))
    return {"model-dir": (root / "model", vectors),
            "word2vec-bin": (root / "vectors.bin", vectors),
            "word2vec-txt": (root / "vectors.txt", vectors),
            "glove-txt": (root / "glove.txt", vectors),
            "fasttext-bin": (root / "ft.bin", ft),
            "files": (root / "pairs.txt", pairs, root / "questions.txt", questions)}


def _rows(text: str) -> list[tuple[str, float]]:
    return [(line.split()[0], float(line.split()[1])) for line in text.strip().splitlines()]


def _blocks(text: str) -> dict[str, list[tuple[str, float]]]:
    """``{query: rows}`` of an answer to several queries, each block headed 'query:'."""
    blocks = {}
    for block in text.strip().split("\n\n"):
        head, _, rest = block.partition("\n")
        assert head.endswith(":"), block
        blocks[head[:-1]] = _rows(rest)
    return blocks


def _same_answer(printed, expected) -> None:
    assert [w for w, _ in printed] == [w for w, _ in expected]
    np.testing.assert_allclose([s for _, s in printed], [s for _, s in expected], atol=6e-5)


def _check_similar(path, ref, capsys, **_):
    assert main(["similar", str(path), "g0w0", "--topn", "3"]) == 0
    printed = _rows(capsys.readouterr().out)
    _same_answer(printed, ref.vectors.most_similar("g0w0", topn=3) if hasattr(ref, "fit")
                 else ref.most_similar("g0w0", topn=3))
    assert printed[0][0].startswith("g0")  # the planted neighbour first


def _reference_vectors(ref):
    return ref.vectors if hasattr(ref, "fit") else ref


def _check_similar_several(path, ref, capsys, **_):
    assert main(["similar", str(path), "g0w0", "g1w1", "g2w2", "--topn", "2"]) == 0
    blocks = _blocks(capsys.readouterr().out)
    assert list(blocks) == ["g0w0", "g1w1", "g2w2"]
    for word, printed in blocks.items():
        _same_answer(printed, _reference_vectors(ref).most_similar(word, topn=2))
        assert printed[0][0][:2] == word[:2]


def _check_similar_stdin(path, ref, capsys, monkeypatch, **_):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("g3w3\n\ng1w0 g2w5\n"))
    assert main(["similar", str(path), "--topn", "2"]) == 0
    blocks = _blocks(capsys.readouterr().out)
    assert list(blocks) == ["g3w3", "g1w0", "g2w5"]
    for word, printed in blocks.items():
        _same_answer(printed, _reference_vectors(ref).most_similar(word, topn=2))


def _check_analogy(path, ref, capsys, **_):
    assert main(["analogy", str(path), "g0w0", "g0w1", "g1w0", "--topn", "3"]) == 0
    printed = _rows(capsys.readouterr().out)
    _same_answer(printed, _reference_vectors(ref).analogy("g0w0", "g0w1", "g1w0", topn=3))
    assert printed[0][0].startswith("g1")


def _check_analogy_stdin(path, ref, capsys, monkeypatch, **_):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("g0w0 g0w1 g1w0\ng2w2 g2w3 g3w2\n"))
    assert main(["analogy", str(path), "--topn", "2", "--method", "3cosmul"]) == 0
    blocks = _blocks(capsys.readouterr().out)
    assert list(blocks) == ["g0w0 g0w1 g1w0", "g2w2 g2w3 g3w2"]
    for query, printed in blocks.items():
        expected = _reference_vectors(ref).analogy(*query.split(), topn=2, method="3cosmul")
        _same_answer(printed, expected)


def _check_vectors(path, ref, capsys, **_):
    words = ["g0w0", "g3w5"] + (["g0w9"] if hasattr(ref, "fit") else [])  # composed
    assert main(["vectors", str(path), *words]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split()[0] for line in lines] == words
    for line, word in zip(lines, words, strict=True):
        np.testing.assert_allclose(np.array(line.split()[1:], np.float32),
                                   _reference_vectors(ref)[word], rtol=1e-5, atol=1e-6)


def _check_plot(path, ref, capsys, tmp_path, **_):
    from matplotlib.image import imread

    out = tmp_path / "map.png"
    assert main(["plot", str(path), "g0w0", "g1w1", "--neighbours", "3", "-o", str(out)]) == 0
    assert capsys.readouterr().out.strip() == f"wrote {out}"
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    image = imread(out)
    assert image.ndim == 3 and min(image.shape[:2]) > 200 and image.std() > 0.01


def _check_eval(path, ref, capsys, files, **_):
    """The scores evaluate() computes on the reference, and what they mean computed here
    independently: Spearman's rho of the pairs' cosines, and 3CosAdd answered by brute
    force over the whole vocabulary (a, b and c excluded)."""
    import json

    from scipy.stats import spearmanr

    from wordspace.evaluate import evaluate

    pairs_file, pairs, questions_file, questions = files
    datasets = [f"similarity:{pairs_file}", f"analogy:{questions_file}"]
    assert main(["eval", str(path), "--datasets", *datasets, "--json"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert list(results) == ["cosine"]  # nothing skipped
    got = results["cosine"]
    similarity = got[str(pairs_file)]
    analogy = got[f"{questions_file}/3cosadd"]
    expected = evaluate(ref, datasets)["cosine"]
    assert similarity["spearman"] == pytest.approx(expected[str(pairs_file)]["spearman"])
    assert analogy == expected[f"{questions_file}/3cosadd"]

    vectors = _reference_vectors(ref)
    unit = vectors.matrix / np.linalg.norm(vectors.matrix, axis=1, keepdims=True)
    index = {w: i for i, w in enumerate(vectors.words)}
    cosines = [float(unit[index[a]] @ unit[index[b]]) for a, b, _ in pairs]
    rho = spearmanr(cosines, [s for _, _, s in pairs]).statistic
    assert similarity["spearman"] == pytest.approx(rho, abs=1e-6)
    assert (similarity["pairs"], similarity["oov"]) == (len(pairs), 0)
    correct = in_group = 0
    for a, b, c, d in questions:
        scores = unit @ (unit[index[b]] - unit[index[a]] + unit[index[c]])
        scores[[index[a], index[b], index[c]]] = -np.inf
        answer = vectors.words[int(np.argmax(scores))]
        correct += answer == d
        in_group += answer[:2] == c[:2]
    assert (analogy["correct"], analogy["total"]) == (correct, len(questions))
    assert in_group == len(questions)  # the planted structure: an answer in c's group


def _check_export(fmt):
    def check(path, ref, capsys, tmp_path, **_):
        from wordspace.models.base import load_vectors

        out = tmp_path / ("projector" if fmt == "projector" else "exported")
        assert main(["export", str(path), "-o", str(out), "--format", fmt]) == 0
        source = load_vectors(path)
        assert f"wrote {len(source):,} vectors of dimension 16" in capsys.readouterr().out
        if fmt == "projector":
            words, matrix = read_projector(out)
        else:
            back = Vectors.load_word2vec_format(out, binary=fmt == "word2vec-binary",
                                                no_header=False)
            words, matrix = back.words, back.matrix
        assert words == source.words  # in the source's order
        np.testing.assert_array_equal(matrix, source.matrix)  # every float32 exactly
        reference = _reference_vectors(ref)
        assert words == reference.words
        np.testing.assert_allclose(matrix, reference.matrix, rtol=1e-6, atol=1e-7)

    return check


_COMMAND_CHECKS = {
    "similar": _check_similar,
    "similar-several": _check_similar_several,
    "similar-stdin": _check_similar_stdin,
    "analogy": _check_analogy,
    "analogy-stdin": _check_analogy_stdin,
    "vectors": _check_vectors,
    "plot": _check_plot,
    "eval": _check_eval,
    "export-word2vec": _check_export("word2vec"),
    "export-word2vec-binary": _check_export("word2vec-binary"),
    "export-projector": _check_export("projector"),
}


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("command", list(_COMMAND_CHECKS))
def test_every_query_command_runs_on_every_kind_of_source(command, source, sources, tmp_path,
                                                          capsys, monkeypatch):
    path, ref = sources[source]
    _COMMAND_CHECKS[command](path, ref, capsys=capsys, monkeypatch=monkeypatch,
                             tmp_path=tmp_path, files=sources["files"])


def test_vectors_files_are_told_by_content_and_bad_ones_are_named(sources, tmp_path, capsys,
                                                                   monkeypatch):
    """A fastText .bin and a word2vec file are told apart by their first bytes, whatever
    their names (and word2vec files read compressed); a source that cannot be read fails
    in one line naming it and saying what it is (a missing path, a compressed fastText
    model, a pickle, a truncated model, a picture), without a traceback."""
    import gzip
    import shutil

    for source, renamed in (("fasttext-bin", "ft.vec"), ("word2vec-bin", "w2v.txt"),
                            ("glove-txt", "glove.bin"), ("word2vec-txt", "w2v.bin"),
                            ("word2vec-bin", "w2v.bin.gz"), ("glove-txt", "glove.txt.gz")):
        path, ref = sources[source]
        if renamed.endswith(".gz"):
            (tmp_path / renamed).write_bytes(gzip.compress(path.read_bytes()))
        else:
            shutil.copy(path, tmp_path / renamed)
        assert main(["similar", str(tmp_path / renamed), "g1w1", "--topn", "2"]) == 0
        _same_answer(_rows(capsys.readouterr().out),
                     _reference_vectors(ref).most_similar("g1w1", topn=2))

    ft_bin = sources["fasttext-bin"][0].read_bytes()
    (tmp_path / "ft.bin.gz").write_bytes(gzip.compress(ft_bin))
    (tmp_path / "cut.bin").write_bytes(ft_bin[:100])
    (tmp_path / "gensim.model").write_bytes(b"\x80\x04\x95" + bytes(40))
    (tmp_path / "map.bin").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(40))
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "folder").mkdir()
    cases = {
        "missing.bin": "missing.bin: no such file or model directory",
        "ft.bin.gz": "ft.bin.gz is a compressed fastText .bin model: decompress it first",
        "cut.bin": "cut.bin: the dictionary claims 24 entries, more than the file can hold",
        "gensim.model": "gensim.model is a Python pickle",
        "map.bin": "map.bin:1: expected a header 'n_words dim'",
        "empty.txt": "empty.txt: the file is empty",
        "folder": "folder is not a wordspace model directory (no config.json)",
    }
    for name, message in cases.items():
        for command in (["similar", str(tmp_path / name), "g0w0"],
                        ["export", str(tmp_path / name), "-o", str(tmp_path / "out.txt")],
                        ["eval", str(tmp_path / name), "--datasets",
                         str(sources["files"][0])]):
            assert main(command) == 2, command
            err = capsys.readouterr().err
            assert message in err and "Traceback" not in err, (command, err)
            assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out.txt").exists()

    # the library says the same, and what to call instead for a fastText model
    with pytest.raises(ValueError, match="is a fastText .bin model, not a word2vec file: "
                                         "read it with FastText.load_facebook_model"):
        Vectors.load_word2vec_format(sources["fasttext-bin"][0])


def test_query_commands_report_what_they_cannot_answer(sources, tmp_path, capsys,
                                                       monkeypatch):
    """A line of standard input that is no triple, like an unknown word, is reported and
    fails the run once the other queries are answered; --gaussians and --doc on vectors
    that have no distributions or documents are refused naming the source."""
    import io

    path = sources["glove-txt"][0]
    monkeypatch.setattr("sys.stdin", io.StringIO("g0w0 g0w1\ng0w0 g0w1 g1w0\n"))
    assert main(["analogy", str(path), "--topn", "1"]) == 2
    captured = capsys.readouterr()
    assert list(_blocks(captured.out)) == ["g0w0 g0w1 g1w0"]
    assert "expected 3 words, got 'g0w0 g0w1'" in captured.err
    assert "1 query could not be answered: 'g0w0 g0w1'" in captured.err
    for argv, message in (
            (["plot", str(path), "g0w0", "--gaussians", "-o", str(tmp_path / "m.png")],
             f"--gaussians is for a Gaussian model's distributions; {path} holds word "
             "vectors (a vectors file), which has none"),
            (["similar", str(sources["model-dir"][0]), "g0w0", "--doc"],
             f"{sources['model-dir'][0]} holds a SkipGram model, which has no document vectors")):
        assert main(argv) == 2
        assert message in capsys.readouterr().err
    assert not (tmp_path / "m.png").exists()


def test_options_may_stand_between_the_positionals(tmp_path, capsys):
    """``similar MODEL --topn 1 WORD`` is how people type it; argparse's plain parse
    ended MODEL's words at the option and refused WORD as an unrecognised argument."""
    path = tmp_path / "v.txt"
    path.write_text("3 2\ncat 0.1 0.2\ndog 0.3 0.1\nemu 0.2 0.9\n")
    assert main(["similar", str(path), "--topn", "1", "cat"]) == 0
    assert capsys.readouterr().out.split() == ["emu", "0.9701"]
    assert main(["analogy", str(path), "--method", "3cosmul", "--topn", "1", "cat", "dog",
                 "emu"]) == 2  # parsed: every candidate is a query word
    assert "no answer" in capsys.readouterr().err
    assert main(["vectors", str(path), "-v", "dog"]) == 0
    assert capsys.readouterr().out.split() == ["dog", "0.3", "0.1"]
    with pytest.raises(SystemExit) as exit_:
        main(["similar", str(path), "--bogus", "cat"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "usage: wordspace similar" in err and "unrecognized option --bogus" in err


@pytest.mark.parametrize("argv", [["plot", "M", "cat", "--method", "tsne", "--seed", "-5"],
                                  ["convae", "--seed", str(2 ** 32)],
                                  ["infer", "M", "text", "--seed", "-1"]])
def test_seeds_out_of_range_are_refused_naming_the_option(argv, capsys):
    """They reached t-SNE ("The 'random_state' parameter of TSNE must be ...") or NumPy
    ("expected non-negative integer"), which named no option."""
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    assert "argument --seed: must be an integer" in capsys.readouterr().err


def test_queries_with_nothing_to_answer_fail_instead_of_printing_nothing(tmp_path, capsys):
    """A one-word vocabulary has no neighbour, an analogy whose candidates are all query
    words no answer, and a zero vector no direction: each is reported and fails the run
    (they printed nothing, or the first rows with similarity 0, and exited 0)."""
    one = tmp_path / "one.txt"
    one.write_text("1 3\ncat 0.1 0.2 0.3\n")
    assert main(["similar", str(one), "cat"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "cat: no answer" in captured.err
    two = tmp_path / "two.txt"
    two.write_text("3 2\ncat 0.1 0.2\ndog 0.3 0.1\nnil 0 0\n")
    assert main(["analogy", str(two), "cat", "dog", "nil"]) == 2
    assert "no answer" in capsys.readouterr().err
    assert main(["similar", str(two), "nil", "cat"]) == 2  # the other query is answered
    captured = capsys.readouterr()
    assert "the query is a zero vector" in captured.err and "dog" in captured.out
    assert "1 query could not be answered: 'nil'" in captured.err


def _read_until(fd: int, wanted: bytes, seen: bytearray, times: int = 1,
                timeout: float = 60) -> None:
    """Read ``fd`` (a terminal or a pipe) into ``seen`` until ``wanted`` has appeared
    ``times``."""
    import os
    import select
    import time

    deadline = time.monotonic() + timeout
    while seen.count(wanted) < times:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            raise AssertionError(f"no {wanted!r} read in {timeout} s, got {bytes(seen)!r}")
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the other side closed (Linux: EIO)
            chunk = b""
        if not chunk:
            raise AssertionError(f"closed before {wanted!r}: {bytes(seen)!r}")
        seen += chunk


@pytest.mark.parametrize(("command", "queries", "source"), [
    ("similar", ["g0w0", "g2w3"], "word2vec-bin"),
    ("analogy", ["g0w0 g0w1 g1w0", "g2w2 g2w3 g3w2"], "fasttext-bin"),
])
def test_interactive_queries_on_a_terminal_as_fasttext_nn_and_analogies(command, queries,
                                                                          source, sources):
    """On a terminal, without words: a prompt, each answer before the next prompt (as
    fastText's nn and analogies), and end of input (Ctrl-D) ends the run cleanly."""
    import os
    import pty

    path, ref = sources[source]
    main_fd, child_fd = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "wordspace", command, str(path),
                             "--topn", "2"], stdin=child_fd, stdout=child_fd,
                            stderr=child_fd, close_fds=True)
    os.close(child_fd)
    prompt = b"query word? " if command == "similar" else b"query (3 words)? "
    seen = bytearray()
    try:
        for n, query in enumerate(queries, 1):
            _read_until(main_fd, prompt, seen, times=n)
            assert seen.count(prompt) == n  # one prompt per query, none ahead of it
            os.write(main_fd, query.encode() + b"\n")
            answer = _reference_vectors(ref).most_similar(query, topn=2)[0][0] \
                if command == "similar" else \
                _reference_vectors(ref).analogy(*query.split(), topn=2)[0][0]
            _read_until(main_fd, f"{query}:".encode(), seen)
            _read_until(main_fd, answer.encode(), seen)
        _read_until(main_fd, prompt, seen, times=len(queries) + 1)
        os.write(main_fd, b"\x04")  # end of input
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(main_fd)
    text = bytes(seen).decode()
    assert text.count(prompt.decode()) == len(queries) + 1
    assert "Traceback" not in text and "error" not in text


def test_queries_from_a_pipe_are_answered_as_they_come(sources):
    """A program that drives ``similar`` (or ``vectors``, ``sentence-vectors``) through
    pipes, a word (a line) at a time, reads each answer before it sends the next (the
    answers are flushed, not held in a buffer until the input ends)."""
    import os

    path, ref = sources["glove-txt"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # as a user's
    seen = bytearray()
    with _piped(env, "similar", str(path), "--topn", "1") as proc:
        for n, word in enumerate(["g1w1", "g3w0"], 1):
            proc.stdin.write(word.encode() + b"\n")
            proc.stdin.flush()
            _read_until(proc.stdout.fileno(), b"\n", seen, times=2 * n)  # head, answer
            assert _blocks(seen.decode())[word] == [
                (w, pytest.approx(s, abs=6e-5)) for w, s in ref.most_similar(word, topn=1)]
    # fastText's print-word-vectors and print-sentence-vectors too: a line's vectors
    # before the next line
    ft_bin, ft = sources["fasttext-bin"]
    for command, source, printed in (
            ("vectors", path, lambda lines: [line.split()[0] for line in lines]
             == ["g0w0", "g2w1"]),
            ("sentence-vectors", ft_bin, lambda lines: len(lines) == 1 and np.allclose(
                np.array(lines[0].split(), float), ft.get_sentence_vector("g0w0 g2w1"),
                rtol=1e-5, atol=1e-6))):
        seen = bytearray()
        with _piped(env, command, str(source)) as proc:
            proc.stdin.write(b"g0w0 g2w1\n")
            proc.stdin.flush()
            _read_until(proc.stdout.fileno(), b"\n", seen, times=2 if command == "vectors"
                        else 1)
            assert printed(seen.decode().splitlines()), (command, seen)


@contextmanager
def _piped(env: dict, *args: str):
    """``python -m wordspace ARGS`` driven through pipes: once the block is done, its
    input is closed and it must succeed; whatever happens, it is stopped and its pipes
    closed."""
    proc = subprocess.Popen([sys.executable, "-m", "wordspace", *args],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    try:
        yield proc
        proc.stdin.close()
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()


def test_verbose_is_taken_after_a_data_action_and_defaults_are_shown(capsys):
    args = build_parser().parse_args(["data", "get", "ws353", "-v"])
    assert args.verbose is True
    assert build_parser().parse_args(["data", "-v", "get", "ws353"]).verbose is True
    assert build_parser().parse_args(["data", "get", "ws353"]).verbose is False
    for command, default in (("similar", "(default: 10)"), ("analogy", "(default: 5)"),
                             ("infer", "(default: 5)")):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        assert default in capsys.readouterr().out


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full")
def test_a_standard_output_that_cannot_be_written_is_named(tmp_path, text_file):
    """``train ... > /dev/full`` wrote the model, then said a bare "[Errno 28] No space
    left on device", naming nothing."""
    out = tmp_path / "m"
    with open("/dev/full", "w") as full:
        run = subprocess.run([sys.executable, "-m", "wordspace", "train", str(text_file),
                              "-o", str(out), "--dim", "8", "--min-count", "1", "--epochs",
                              "1", "--quiet"], stdout=full, stderr=subprocess.PIPE,
                             text=True, timeout=120)
    assert run.returncode == 2
    assert "wordspace: error: standard output could not be written (No space left on " \
           "device)" in run.stderr
    assert load_model(out).is_fitted  # what the command wrote before printing is kept


def test_train_with_standard_output_closed_writes_its_model_and_succeeds(tmp_path,
                                                                         text_file):
    """``train ... >&-``: with fd 1 closed Python has no ``sys.stdout``, and a command
    whose output is its files has nothing to fail on (its last print crashed after the
    model was written: a traceback and status 1)."""
    out = tmp_path / "m"
    run = subprocess.run([sys.executable, "-m", "wordspace", "train", str(text_file), "-o",
                          str(out), "--dim", "8", "--min-count", "1", "--epochs", "1",
                          "--quiet"], preexec_fn=lambda: os.close(1), stderr=subprocess.PIPE,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr and load_model(out).is_fitted


def test_train_runs_from_a_thread_other_than_the_main_one(tmp_path, text_file):
    """``main(["train", ...])`` called from a worker thread (a notebook's, a server's):
    only the main thread may set a signal handler, so the SIGTERM handler is left to the
    program (setting it failed every such run)."""
    out, said = tmp_path / "m", {}
    argv = ["train", str(text_file), "-o", str(out), "--dim", "8", "--min-count", "1",
            "--epochs", "1", "--quiet"]
    before = signal.getsignal(signal.SIGTERM)
    worker = threading.Thread(target=lambda: said.setdefault("status", main(argv)))
    worker.start()
    worker.join(120)
    assert said == {"status": 0} and load_model(out).is_fitted
    assert signal.getsignal(signal.SIGTERM) is before  # the program's, untouched


def test_an_error_exits_with_the_same_status_with_and_without_v(tmp_path, capsys):
    """Every failure exited 2, and with -v 1 (Python's uncaught exception)."""
    argv = ["train", str(tmp_path / "missing.txt"), "-o", str(tmp_path / "m")]
    assert main(argv) == 2
    assert "corpus file not found" in capsys.readouterr().err
    assert main(["-v", *argv]) == 2
    err = capsys.readouterr().err
    assert err.index("Traceback (most recent call last)") < err.index(
        "wordspace: error: corpus file not found")
    assert "-v shows the traceback" not in err
    for parser in (build_parser(), build_parser()._subparsers._group_actions[0]
                   .choices["train"]):
        text = parser.format_help()
        assert "exit statuses (the same with -v" in text and "\n  143  stopped by SIGTERM" \
            in text
