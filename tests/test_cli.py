"""The command line end to end: train, similar, analogy, export, and its errors."""

from __future__ import annotations

import argparse
import inspect
import re
import subprocess
import sys

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
    for target, message in ((foreign, "is an existing file, not a projector export"),
                            (folder, "exists and is not a projector export (only "
                                     "vectors.tsv and metadata.tsv)")):
        assert main(["export", str(trained), "-o", str(target), "--format", "projector"]) == 2
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err
    assert foreign.read_text() == "mine\n"
    assert sorted(p.name for p in folder.iterdir()) == ["thesis.tex", "vectors.tsv"]
    assert (folder / "vectors.tsv").read_text() == "1\t2\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


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


def test_errors_are_one_clear_line(tmp_path, trained, capsys):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    cases = [
        (["train", str(tmp_path / "nope.txt"), "-o", str(tmp_path / "m")], "not found"),
        (["train", str(empty), "-o", str(tmp_path / "m")], "the corpus is empty"),
        (["similar", str(trained), "zebra"], "'zebra' is not in the vocabulary"),
        (["train", str(empty), "-o", str(tmp_path / "m"), "--alpha", "-1"],
         "alpha must be > 0.0"),
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


def test_eval_reports_what_evaluate_computes(trained, tmp_path, monkeypatch, capsys):
    import json

    from wordspace.evaluate import analogies, word_similarity

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
    assert main(["eval", str(trained), "--datasets", "simlex999"]) == 0
    table = capsys.readouterr().out
    assert "simlex999" in table and "Spearman" in table


def test_data_list_and_path(tmp_path, monkeypatch, capsys):
    mirror = tmp_path / "mirror"
    (mirror / "similarity").mkdir(parents=True)
    (mirror / "similarity" / "ws353.txt").write_text("tiger\tcat\t7.35\n")
    monkeypatch.setenv("WORDSPACE_DATA", str(mirror))
    assert main(["data", "list"]) == 0
    rows = {line.split()[0]: line.split() for line in capsys.readouterr().out.splitlines()[1:]}
    assert rows["ws353"][2] == "mirror" and rows["men"][2] == "-"
    assert main(["data", "path", "ws353"]) == 0
    assert capsys.readouterr().out.strip() == str(mirror / "similarity" / "ws353.txt")


def test_pv_dbow_end_to_end(tmp_path, capsys):
    """Train on JSON lines, then ask for neighbours, infer new text and export by id."""
    import json

    from helpers import planted_documents
    from wordspace import PVDBOW

    docs, topics = planted_documents(n_per_topic=20)
    corpus = tmp_path / "docs.jsonl"
    corpus.write_text("".join(json.dumps({"id": i, "text": " ".join(t)}) + "\n"
                              for i, t in docs))
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
    assert main(["infer", str(out), topic_words, "zebra", "--topn", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == topic_words and all(topics[int(line.split()[0][3:])] == topics[0]
                                           for line in lines[1:3])
    assert lines[-1] == "(none of its words is in the model's vocabulary)"

    exported = tmp_path / "docs.txt"
    assert main(["export", str(out), "--docs", "-o", str(exported)]) == 0
    vectors = Vectors.load_word2vec_format(exported)
    assert vectors.words == model.dv.ids
    np.testing.assert_allclose(vectors.matrix, model.dv.matrix, rtol=1e-5, atol=1e-7)

    assert main(["train", str(corpus), "-o", str(tmp_path / "sg"), "--dim", "4",
                 "--epochs", "1", "--min-count", "1", "--quiet"]) == 0
    capsys.readouterr()
    assert main(["similar", str(tmp_path / "sg"), "doc0", "--doc"]) == 2
    assert "has no document vectors" in capsys.readouterr().err


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


_OTHER_VALUES = {"device": "cuda:1"}


def _given(action, p) -> tuple[list[str], object]:
    """Arguments setting ``action`` to a value other than the parameter's default."""
    if action.nargs == 0:  # a switch
        assert action.const != p.default
        return [action.option_strings[0]], action.const
    if action.choices:
        value = next(c for c in action.choices if c != p.default)
    elif action.dest in _OTHER_VALUES:  # a string with a syntax of its own
        value = _OTHER_VALUES[action.dest]
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
        model, corpus_type, reading = _build("--model", name, *argv)
        if param in defaults:
            assert model.get_params() == {**defaults, param: value} and reading == {}
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
            assert str(e.value) == (f"{action.option_strings[0]} is not a parameter of "
                                    f"{name} (it is one of: {', '.join(takers)})")
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
    assert [line.split()[0] for line in captured.out.splitlines()] == ["g0w0", "g1w1"]
    assert "'zz'" in captured.err and "1 word(s) have no vector" in captured.err


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
