"""The command line's messages where a user goes wrong: the output path, a misspelt
option, a document id without --doc, an interrupted run; and what its help says."""

from __future__ import annotations

import argparse
import functools
import re
import shlex
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from wordspace.cli import (
    _EPILOG,
    _TRAIN_EPILOG,
    EXIT_STATUSES,
    _docstring_help,
    build_parser,
    main,
)


@pytest.mark.parametrize("output", [".", "./"])  # "": said to be empty (below)
@pytest.mark.parametrize("checkpoint", [[], ["--checkpoint-every", "1e"]])
def test_the_current_directory_as_output_is_refused_by_name(tmp_path, text_file,
                                                            monkeypatch, capsys, output,
                                                            checkpoint):
    run = tmp_path / "run"
    run.mkdir()
    monkeypatch.chdir(run)
    assert main(["train", str(text_file), "-o", output, "--epochs", "1", "--quiet",
                 *checkpoint]) == 2
    err = capsys.readouterr().err
    assert "is the current directory" in err and "empty name" not in err
    assert list(run.iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == \
        ["corpus.txt", "run"]  # no model, no run.partial beside it


def _usage_error(argv, capsys) -> str:
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    return capsys.readouterr().err


def test_a_misspelt_option_is_named_with_the_closest_ones_in_two_lines(capsys):
    err = _usage_error(["train", "C", "-o", "m", "--dimm", "50"], capsys)
    assert err.splitlines() == [
        "usage: wordspace train [options] -o MODEL_DIR corpus",
        "wordspace train: error: unrecognized option --dimm: did you mean --dim? (all "
        "options: wordspace train --help)"]
    err = _usage_error(["train", "C", "-o", "m", "--sed=1", "--bogus", "--min-cout", "2"],
                       capsys)
    assert "unrecognized options --sed: did you mean --seed?; --bogus; --min-cout: did " \
           "you mean --min-count?" in err  # a value after an option is not one of them
    err = _usage_error(["similar", "M", "--topm", "3", "cat"], capsys)
    assert "unrecognized option --topm: did you mean --topn?" in err  # this subcommand's
    # the usage of its own positionals, though the intermixed parse hides them meanwhile
    assert _usage_error(["train", "C", "--dim"], capsys).splitlines()[0] == \
        "usage: wordspace train [options] -o MODEL_DIR corpus"
    assert "unrecognized arguments: extra" in _usage_error(["train", "C", "-o", "m",
                                                            "extra"], capsys)


@pytest.mark.parametrize("typed, said", [
    (["-iter", "1"], "unrecognized option -iter: use --epochs"),  # said: did you mean --n-iter
    (["--iter=1"], "unrecognized option --iter: use --epochs"),
    (["--ws", "5"], "unrecognized option --ws: use --window"),  # said: did you mean --hs
    (["-hs", "1"], "unrecognized option -hs: use --hs"),  # was read as -h s
    (["-hs", "0"], "unrecognized option -hs: -hs 0 is wordspace's default: leave it out"),
    (["-cbow", "0"], "unrecognized option -cbow: -cbow 0 is wordspace's default: leave it"),
    (["-cbow", "1"], "unrecognized option -cbow: use --model cbow"),
    (["-output", "m2"], "unrecognized option -output: use -o MODEL_DIR"),  # as -o utput
    (["-thread", "4"], "unrecognized option -thread: use --workers"),
    (["-lr", "0.05"], "unrecognized option -lr: use --alpha"),
    (["-t", "1e-4"], "unrecognized option -t: use --sample"),
    (["-minCount", "3"], "unrecognized option -minCount: use --min-count"),
    (["-min-count", "3"], "unrecognized option -min-count: use --min-count"),
    (["-loss", "hs"], "unrecognized option -loss: negative sampling (-loss ns) is the "
                      "default; -loss hs is --hs, -loss softmax is --model softmax"),
    (["-wordNgrams", "2"], "unrecognized option -wordNgrams: word n-grams serve fastText's "
                           "supervised classifier"),
    # gensim's names (--sg 0 was said to be --hs; --vector-size had no hint)
    (["--sg", "0"], "unrecognized option --sg: use --model cbow"),
    (["--sg=1"], "unrecognized option --sg: --sg 1 (skip-gram, sgns) is wordspace's default: "
                 "leave it out"),
    (["--vector-size", "50"], "unrecognized option --vector-size: use --dim"),
    (["--dm", "0"], "unrecognized option --dm: use --model pv-dbow"),
    (["--cbow-mean", "0"], "unrecognized option --cbow-mean: use --no-cbow-mean"),
    # --dm_mean 1 was answered "did you mean --no-dm-mean?", the opposite of what it asks
    (["--dm_mean", "1"], "unrecognized option --dm_mean: --dm_mean 1 is wordspace's "
                         "default: leave it out"),
    (["--dm-mean=0"], "unrecognized option --dm-mean: use --no-dm-mean"),
    # gensim's own spelling, with underscores, had no hint
    (["--dbow_words=1"], "unrecognized option --dbow_words: --dbow_words 1 is wordspace's "
                         "default: leave it out"),
    (["--dbow_words", "0"], "unrecognized option --dbow_words: use --no-words"),
    (["--vector_size", "50"], "unrecognized option --vector_size: use --dim"),
    (["--dm_concat", "1"], "unrecognized option --dm_concat: not supported: --model pv-dm "
                           "averages"),
])
def test_fasttext_and_word2vec_c_options_are_told_wordspace_s(capsys, typed, said):
    err = _usage_error(["train", "C", "-o", "m", *typed], capsys)
    assert f"wordspace train: error: {said}" in err


def test_the_foreign_options_advice_names_train_s_own_options():
    from wordspace.cli import _FOREIGN_BY_VALUE, _FOREIGN_TRAIN_OPTIONS

    train = build_parser()._subparsers._group_actions[0].choices["train"]
    advices = [*_FOREIGN_TRAIN_OPTIONS.values(),
               *(advice for by_value in _FOREIGN_BY_VALUE.values()
                 for advice in by_value.values())]
    assert set(_FOREIGN_BY_VALUE) <= set(_FOREIGN_TRAIN_OPTIONS)
    named = {o for advice in advices
             for o in re.findall(r"(?<![\w-])(?:--[a-z][a-z-]*|-[a-z](?![\w-]))", advice)}
    assert "--epochs" in named and "--model" in named
    assert named <= set(train._option_string_actions), named - set(
        train._option_string_actions)
    # wordspace's own options and argparse's unambiguous prefixes are not intercepted
    args = train.parse_args(["C", "-o", "m", "--epoch", "2", "--neg", "3", "--window", "4"])
    assert (args.epochs, args.negative, args.window) == (2, 3, 4)


@pytest.mark.parametrize("command", [["export", "M"], ["train", "C"], ["phrases", "C"],
                                     ["plot", "M", "king"]])
def test_dash_as_output_is_refused_not_written_as_a_file_named_dash(
        tmp_path, monkeypatch, capsys, command):
    monkeypatch.chdir(tmp_path)
    assert main([*command, "-o", "-"]) == 2
    assert "-o -: wordspace writes its outputs as files (atomically), not to standard " \
           "output" in capsys.readouterr().err
    assert main([*command, "-o", ""]) == 2  # was said to be the current directory, "."
    assert "wordspace: error: -o is empty: give the path to write" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_cbow_given_to_a_model_without_it_names_the_cbow_model(tmp_path, text_file, capsys):
    assert main(["train", str(text_file), "-o", str(tmp_path / "m"), "--cbow"]) == 2
    assert "--cbow is not a parameter of sgns (it is one of: fasttext); CBOW is a model " \
           "of its own: --model cbow" in capsys.readouterr().err


def test_a_misspelt_choice_is_named_with_the_closest_ones(capsys):
    """A subcommand, an action or a --model value one letter off: argparse listed every
    choice; the closest now comes first."""
    assert _usage_error(["trian", "text8"], capsys).splitlines()[-1].startswith(
        "wordspace: error: argument SUBCOMMAND: 'trian' is not one; did you mean 'train'? "
        "(choose from 'train', 'similar', ")
    # the guess, and every name: 'ws35' may be another dataset than the closest ones
    assert "argument NAME: 'ws35' is not one; did you mean 'ws353' or 'ws353-sim'? (choose " \
           "from 'text8', 'wikitext-2', " in _usage_error(["data", "path", "ws35"], capsys)
    assert "argument ACTION: 'lst' is not one; did you mean 'list'?" in \
        _usage_error(["cache", "lst"], capsys)
    assert "argument --model: 'sgn' is not one; did you mean 'sgns'?" in \
        _usage_error(["train", "C", "-o", "m", "--model", "sgn"], capsys)
    assert "invalid choice: 'zzz' (choose from 'train', " in _usage_error(["zzz"], capsys)


@pytest.mark.parametrize("argv, said", [
    (["export", "M", "-o", "v", "--format", "text"],  # was: did you mean 'fasttext'?
     "argument --format: 'text' is not one: use --format word2vec (word2vec's text format"),
    (["export", "M", "-o", "v", "--format", "bin"],
     "argument --format: 'bin' is not one: use --format word2vec-binary"),
    (["export", "M", "-o", "v", "--format", "tsv"],
     "argument --format: 'tsv' is not one: use --format projector"),
    (["train", "C", "-o", "m", "--model", "skipgram"],
     "argument --model: 'skipgram' is not one: use --model sgns"),
    (["train", "C", "-o", "m", "--model", "word2vec"],
     "'word2vec' is not one: word2vec's skip-gram is --model sgns (the default), its CBOW "
     "--model cbow"),
    (["train", "C", "-o", "m", "--model", "doc2vec"],
     "'doc2vec' is not one: gensim's Doc2Vec is --model pv-dm (its default, dm=1) or "
     "--model pv-dbow (dm=0)"),
    # fastText's subcommands (argparse listed wordspace's)
    (["skipgram", "-input", "C"], "argument SUBCOMMAND: 'skipgram' is not one: fastText's "
     "skipgram is 'wordspace train CORPUS -o MODEL_DIR --model fasttext'"),
    (["cbow"], "'cbow' is not one: fastText's cbow is 'wordspace train CORPUS -o MODEL_DIR "
     "--model fasttext --cbow'"),
    (["print-word-vectors", "m.bin"], "'print-word-vectors' is not one: use 'wordspace "
     "vectors MODEL'"),
    (["nn", "m.bin"], "'nn' is not one: use 'wordspace similar MODEL'"),
    (["supervised"], "'supervised' is not one: wordspace trains and runs no classifier: "
     "use fastText itself"),
    (["predict", "m.bin"], "'predict' is not one: wordspace trains and runs no classifier"),
    (["quantize"], "'quantize' is not one: wordspace quantises no model")])
def test_other_tools_names_of_a_choice_are_told_wordspace_s(capsys, argv, said):
    assert said in _usage_error(argv, capsys)


def test_the_choice_aliases_name_choices_there_are():
    from wordspace.cli import _CHOICE_ALIASES

    subcommands = build_parser()._subparsers._group_actions[0].choices
    for alias, advice in _CHOICE_ALIASES["SUBCOMMAND"].items():  # fastText's
        assert alias not in subcommands, alias
        assert set(re.findall(r"'wordspace ([\w-]+)", advice)) <= set(subcommands), advice
    for option, aliases in _CHOICE_ALIASES.items():
        if option == "SUBCOMMAND":
            continue
        action = next(p._option_string_actions[option] for p in subcommands.values()
                      if option in p._option_string_actions)
        for alias, advice in aliases.items():
            assert alias not in action.choices, alias  # an alias, not a choice
            named = re.findall(rf"{option} ([\w-]+)", advice)
            assert named and set(named) <= set(action.choices), advice


@pytest.mark.parametrize("argv", [[], ["-v"], ["--verbose"]])
def test_wordspace_alone_shows_the_subcommands(capsys, argv):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "subcommands:" in err and "examples:" in err and "similar" in err


@pytest.mark.parametrize("argv, verbose", [
    (["-v", "train", "C", "-o", "m"], True), (["train", "C", "-o", "m", "-v"], True),
    (["train", "C", "-o", "m"], False), (["-v", "data", "get", "ws353"], True),
    (["data", "get", "ws353"], False)])
def test_verbose_may_come_before_the_subcommand(argv, verbose):
    assert build_parser().parse_args(argv).verbose is verbose


def _train_parser() -> argparse.ArgumentParser:
    subcommands = next(a for a in build_parser()._actions
                       if isinstance(a, argparse._SubParsersAction))
    return subcommands.choices["train"]


def test_train_help_says_plainly_what_each_option_does():
    """The switches turning a bool over read their model's docstring: '``True``
    (default): ...' read as if the flag's default were True."""
    helps = {a.option_strings[-1]: a.help for a in _train_parser()._actions
             if a.option_strings}
    for option, text in helps.items():
        assert "``" not in text and ":class:" not in text, option
        assert not text.startswith(("True", "False")), option
    assert helps["--no-shrink-windows"].startswith("every centre takes the whole window")
    assert "sum" in helps["--no-cbow-mean"] and "sum" in helps["--no-dm-mean"]


def test_docstring_help_reads_restructured_text_as_plain_text():
    class Model:
        """A model.

        Parameters
        ----------
        size : int
            Rows of a :class:`~wordspace.vectors.Vectors`, ``None`` for all. More.
        """

    assert _docstring_help(Model, "size") == "Rows of a Vectors, None for all"


def _subcommand_parsers() -> dict[str, argparse.ArgumentParser]:
    return next(a for a in build_parser()._actions
                if isinstance(a, argparse._SubParsersAction)).choices


@pytest.mark.parametrize("epilog", [_TRAIN_EPILOG, _EPILOG, *(
    p.epilog for p in _subcommand_parsers().values() if p.epilog)])
def test_help_examples_are_command_lines_wordspace_takes(epilog):
    epilog = epilog.replace(f"\n{EXIT_STATUSES}", "")  # what follows train's examples
    epilog = epilog.replace("\\\n", "")  # a command continued on the next line
    commands = [line.split("  #")[0].split("|")[-1].split("<")[0].split(">")[0].strip()
                for line in epilog.splitlines()[1:]]
    for command in commands:
        words = shlex.split(command)
        assert words[0] == "wordspace", command
        build_parser().parse_args(words[1:])  # SystemExit (2) if it is not


def test_the_top_help_examples_run_in_order_as_the_docs_run_them():
    """``train --phrases phrases.tsv`` followed a ``phrases`` example writing no table;
    the pv-dbow and pv-dm examples lacked the ``--token-pattern '\\w+'`` of
    docs/pv-dbow.md, so their neighbours were ``election.`` and ``election,``."""
    tables = set()
    for line in _EPILOG.replace("\\\n", "").splitlines()[1:]:
        words = shlex.split(line.split("  #")[0].split("|")[-1].split("<")[0])
        args = build_parser().parse_args(words[1:])
        if words[1] == "phrases" and args.table:
            tables.add(args.table)
        if words[1] == "train" and args.phrases:
            assert args.phrases in tables, line  # written by an example before it
        if words[1] == "train" and args.model in ("pv-dbow", "pv-dm"):
            assert args.token_pattern == r"\w+" and args.lowercase, line


def test_train_help_ends_with_examples(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    out = capsys.readouterr().out
    # laid out as written, not refilled; then the exit statuses
    assert out.endswith(f"{_TRAIN_EPILOG}\n{EXIT_STATUSES}")


@pytest.mark.parametrize("words", [[], ["--no-words"]])
def test_a_document_id_without_doc_is_said_to_want_doc(tmp_path, capsys, words):
    from helpers import planted_documents, write_documents

    docs, _ = planted_documents(n_per_topic=3)
    corpus = write_documents(tmp_path / "docs.jsonl", docs)
    out = tmp_path / "dbow"
    assert main(["train", str(corpus), "-o", str(out), "--model", "pv-dbow", "--dim", "4",
                 "--epochs", "1", "--min-count", "1", "--workers", "1", "--quiet",
                 *words]) == 0
    capsys.readouterr()
    assert main(["similar", str(out), "doc1"]) == 2
    err = capsys.readouterr().err
    assert "add --doc" in err and "not in the vocabulary" not in err
    if not words:
        assert "'doc1' is a document id, not a word" in err
        assert main(["similar", str(out), "dox1"]) == 2  # neither: a word, misspelt
        assert "'dox1' is not in the vocabulary" in capsys.readouterr().err
    assert main(["similar", str(out), "doc1", "--doc", "--topn", "1"]) == 0


def test_ctrl_c_while_training_says_where_the_checkpoint_is_kept(tmp_path):
    """SIGINT said only 'interrupted', leaving the user to guess that the checkpoint
    written so far is kept and the same command resumes it."""
    from helpers import write_sentences

    rng = np.random.default_rng(0)
    corpus = write_sentences(tmp_path / "c.txt",
                             rng.choice([f"w{i}" for i in range(50)], (2000, 20)).tolist())
    out = tmp_path / "m"
    # SIGINT as a terminal's Ctrl-C raises it, even where this test runs with it ignored
    run = ("import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
           "from wordspace.cli import main; sys.exit(main())")
    process = subprocess.Popen(
        [sys.executable, "-c", run, "train", str(corpus), "-o", str(out), "--dim", "8",
         "--epochs", "100000", "--sample", "0", "--workers", "1", "--quiet",  # never done
         "--checkpoint-every", "1e"], stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not (tmp_path / "m.partial" / "checkpoint.json").exists():
            assert process.poll() is None, process.stderr.read()
            assert time.monotonic() < deadline, "no checkpoint written"
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 130
    finally:
        process.kill()  # a no-op once it has ended
    err = process.stderr.read()
    assert err.splitlines()[-1] == (f"interrupted; the checkpoint is kept at {out}.partial: "
                                    "run the same command again to resume from it")
    assert not out.exists()


@pytest.mark.parametrize("given, said", [
    ([], "interrupted"),  # no checkpoint yet: nothing to add
    (["--checkpoint-every", "1e"], "interrupted"),
    (["--checkpoint-every", "1e", "checkpoint"], "interrupted; the checkpoint is kept at "
     "m.partial: run the same command again to resume from it"),
    (["--checkpoint-every", "1e", "--restart", "checkpoint"], "interrupted; the checkpoint "
     "is kept at m.partial: run the command again without --restart to resume from it"),
    # a distributed start's mark, before its ranks' first checkpoints: nothing to resume
    (["--checkpoint-every", "1e", "mark"], "interrupted; no checkpoint was written yet, so "
     "running again starts over")])
def test_an_interrupted_run_speaks_of_a_checkpoint_only_where_there_is_one(
        tmp_path, text_file, monkeypatch, capsys, given, said):
    import json

    from wordspace import cli

    monkeypatch.chdir(tmp_path)
    if "checkpoint" in given:
        given.remove("checkpoint")
        (tmp_path / "m.partial").mkdir()
        (tmp_path / "m.partial" / "checkpoint.json").write_text(
            json.dumps({"kind": "wordspace checkpoint"}))
    if "mark" in given:
        from wordspace.engine.checkpoint import mark_ranks

        given.remove("mark")
        mark_ranks(tmp_path / "m.partial", 2)

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "build_model", interrupt)
    assert main(["train", str(text_file), "-o", "m", *given]) == 130
    assert capsys.readouterr().err == said + "\n"


def test_the_summary_names_its_loss_the_last_epoch_s_mean(tmp_path, text_file, capsys):
    """The bar ends on the loss since its last refresh; the summary's differs, and said
    only 'loss'."""
    import json

    from wordspace.train import format_loss

    out = tmp_path / "m"
    assert main(["train", str(text_file), "-o", str(out), "--dim", "8", "--epochs", "2",
                 "--min-count", "1", "--workers", "1", "--quiet"]) == 0
    epochs = json.loads((out / "training.json").read_text())["epoch_loss"]
    assert f"words/s; last epoch's mean loss {format_loss(epochs[-1])}); " in \
        capsys.readouterr().out


def _new_york_corpus(path):
    """Lines of random words, each ending "new york," (a token "york," unless the words
    are read as \\w+)."""
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(40)]
    path.write_text("".join(" ".join([*rng.choice(words, 8), "new", "york,"]) + "\n"
                            for _ in range(300)))
    return path


def test_phrases_reads_text_as_train_does_so_train_takes_its_table(tmp_path, capsys):
    """phrases had no --token-pattern: a table for 'train --token-pattern' could not be
    made on the command line (train refused the whitespace-read table)."""
    from wordspace import load_model

    corpus = _new_york_corpus(tmp_path / "c.txt")
    out, table = tmp_path / "out.txt", tmp_path / "t.tsv"
    assert main(["phrases", str(corpus), "-o", str(out), "--table", str(table),
                 "--token-pattern", r"\w+", "--threshold", "1"]) == 0
    assert "new_york" in out.read_text() and "," not in out.read_text()
    train = ["train", str(corpus), "--phrases", str(table), "--dim", "4", "--epochs", "1",
             "--min-count", "1", "--workers", "1", "--quiet"]
    assert main([*train, "-o", str(tmp_path / "m"), "--token-pattern", r"\w+"]) == 0
    assert "new_york" in load_model(tmp_path / "m").vectors
    capsys.readouterr()
    assert main([*train, "-o", str(tmp_path / "m2")]) == 2  # read otherwise: refused
    assert "the phrases were learned on text read with" in capsys.readouterr().err
    # --from-table reads as the table's text was; another pattern is refused
    assert main(["phrases", str(corpus), "-o", str(tmp_path / "again.txt"),
                 "--from-table", str(table)]) == 0
    assert (tmp_path / "again.txt").read_text() == out.read_text()
    assert main(["phrases", str(corpus), "-o", str(tmp_path / "other.txt"),
                 "--from-table", str(table), "--token-pattern", r"\S+"]) == 2
    assert r"--token-pattern \S+: --from-table joins with the settings" in \
        capsys.readouterr().err
    capsys.readouterr()  # "york," (5 characters) would be left out: refused, not spanned
    assert main(["phrases", str(corpus), "-o", str(tmp_path / "short.txt"),
                 "--max-token-length", "4"]) == 2
    assert "longer than max_token_length=4" in capsys.readouterr().err
    assert not (tmp_path / "short.txt").exists()


def test_phrases_shares_train_s_reading_options():
    subcommands = _subcommand_parsers()
    for option in ("--lowercase", "--token-pattern", "--max-token-length"):
        train, phrases = (subcommands[name]._option_string_actions[option]
                          for name in ("train", "phrases"))
        assert phrases.help.split(" (default")[0] == train.help.split(" (default")[0]
        assert (phrases.metavar, phrases.type) == (train.metavar, train.type), option


@pytest.mark.parametrize("name, stem, kind", [
    ("vectors.bin", "vectors", "word2vec's binary format"),
    ("v.vec", "v", "word2vec text"), ("v.TXT", "v", "word2vec text"),
    ("v.txt.gz", "v", "word2vec text, compressed"), ("v.gz", "v", "word2vec text, compressed")])
def test_train_refuses_a_vectors_file_name_for_its_model_directory(
        tmp_path, monkeypatch, capsys, name, stem, kind):
    """word2vec.c's -output vectors.bin habit made a model directory named vectors.bin."""
    monkeypatch.chdir(tmp_path)
    # before any work: the corpus (none here) is not looked at
    assert main(["train", "missing.txt", "-o", name, "--checkpoint-every", "1e"]) == 2
    assert capsys.readouterr().err == (
        f"wordspace: error: -o {name} names a vectors file, but train's -o names the model "
        f"directory it writes (vectors, vocabulary, settings): give a directory name, e.g. "
        f"-o {stem}, then 'wordspace export {stem} -o {name}' writes {kind}\n")
    assert list(tmp_path.iterdir()) == []


def test_a_model_already_named_like_a_vectors_file_is_trained_again(tmp_path, monkeypatch,
                                                                     capsys):
    """The refusal is of a new name: a model directory (or a run's checkpoint) that an
    earlier wordspace made under such a name still trains, updates and resumes."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "c.txt").write_text("a b c d e f\n" * 50)
    train = ["train", "c.txt", "--dim", "4", "--epochs", "1", "--min-count", "1", "--sample",
             "0", "--quiet"]
    assert main([*train, "-o", "m"]) == 0
    (tmp_path / "m").rename(tmp_path / "old.bin")
    assert main([*train, "-o", "old.bin"]) == 0, capsys.readouterr().err
    assert (tmp_path / "old.bin" / "config.json").is_file()


@pytest.mark.parametrize("command, required", [
    ("similar", "MODEL"), ("analogy", "MODEL"), ("vectors", "MODEL"),
    ("sentence-vectors", "MODEL"), ("infer", "MODEL_DIR"), ("plot", "MODEL, WORD")])
def test_a_missing_argument_message_names_only_what_is_required(capsys, command, required):
    """WORD, A B C and TEXT are read from standard input when left out: they were named
    as required beside MODEL."""
    assert f"error: the following arguments are required: {required} (all options" in \
        _usage_error([command], capsys)


def test_an_optional_positional_shows_no_empty_default_in_help(capsys):
    with pytest.raises(SystemExit):
        main(["vectors", "--help"])
    assert "[]" not in capsys.readouterr().out


@pytest.mark.parametrize("extra, said", [
    (["ws353"], "unrecognized arguments: ws353; datasets follow --datasets: wordspace eval "
                "MODEL --datasets ws353 (all options"),
    (["ws353", "analogy:mine.txt", "m2"], "unrecognized arguments: ws353 analogy:mine.txt "
     "m2; datasets follow --datasets: wordspace eval MODEL --datasets ws353 analogy:mine.txt"),
    (["m2"], "unrecognized arguments: m2 (all options")])  # a second model: no dataset
def test_eval_names_datasets_given_without_datasets(capsys, extra, said):
    assert said in _usage_error(["eval", "m", *extra], capsys)


@pytest.mark.parametrize("name", ["out.txt", "out.txt.gz"])
def test_phrases_replaces_its_own_earlier_output_and_nothing_else(tmp_path, capsys, name):
    """Run twice, phrases refused its own earlier output ('exists and is not an empty
    file'), as it refuses a user's text, which it must still never replace."""
    import gzip

    corpus = _new_york_corpus(tmp_path / "c.txt")
    out = tmp_path / name
    phrases = ["phrases", str(corpus), "-o", str(out), "--token-pattern", r"\w+"]
    assert main([*phrases, "--threshold", "1"]) == 0
    assert main(phrases) == 0  # replaced: the default threshold joins nothing here
    with (gzip.open if name.endswith(".gz") else open)(out, "rt") as f:
        assert "new_york" not in f.read()
    out.chmod(0o640)  # changed since: anyone's now
    assert main(phrases) == 2
    assert f"{out} exists and is not a phrased corpus wordspace wrote: wordspace never " \
           "replaces it" in capsys.readouterr().err
    theirs = tmp_path / "theirs.txt"
    theirs.write_text("new york\n")
    assert main([*phrases[:2], "-o", str(theirs)]) == 2
    assert theirs.read_text() == "new york\n"
    out.unlink()  # a user's file where wordspace's was: not recognised as it
    theirs.rename(out)
    assert main(phrases) == 2 and out.read_text() == "new york\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.txt", name]  # no leftovers


def test_phrases_never_replaces_text_that_came_while_it_learned(tmp_path, monkeypatch,
                                                                capsys):
    """The output was checked before the learning (hours, on a large corpus): text
    written there meanwhile is anyone's, never replaced by the phrased corpus."""
    from wordspace.phrases import Phrases

    corpus = _new_york_corpus(tmp_path / "c.txt")
    out = tmp_path / "out.txt"
    phrases = ["phrases", str(corpus), "-o", str(out), "--token-pattern", r"\w+"]
    learn = Phrases.__init__

    @functools.wraps(learn)  # its signature: the command line reads its defaults there
    def meanwhile(self, *args, **kwargs):
        learn(self, *args, **kwargs)
        out.write_text("their text\n")

    for earlier in (False, True):  # a new output; an earlier output of ours
        if earlier:
            out.unlink()
            assert main(phrases) == 0
        with monkeypatch.context() as patched:
            patched.setattr(Phrases, "__init__", meanwhile)
            assert main(phrases) == 2
        assert out.read_text() == "their text\n"
        assert "out.txt exists" in capsys.readouterr().err


def test_the_top_help_names_data_s_actions(capsys):
    """``wordspace --help`` said data would "list, fetch and locate": its actions are
    list, get and path."""
    with pytest.raises(SystemExit):
        main(["--help"])
    [line] = [line for line in capsys.readouterr().out.splitlines()
              if line.split()[:1] == ["data"]]
    assert all(action in line.split() for action in ("list", "get", "path")), line
    assert "fetch" not in line and "locate" not in line


def test_every_query_and_file_subcommand_ends_its_help_with_examples():
    parsers = _subcommand_parsers()
    for name in ("train", "similar", "analogy", "vectors", "sentence-vectors", "infer",
                 "eval", "plot", "export", "phrases"):
        epilog = parsers[name].epilog or ""
        assert epilog.startswith("examples:\n  ") and "wordspace " + name in epilog, name
    words = [a for a in parsers["plot"]._actions if a.dest == "words"]
    assert len(words) == 1 and words[0].help  # WORD says what it is


def _every_parser(parser):
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _every_parser(sub)


def test_defaults_are_said_one_way_in_every_help():
    """convae said '(30)', the --sync-* options '(default 0.05', eval 'Default: ws353' and
    '(default: ['3cosadd'])'."""
    for parser in _every_parser(build_parser()):
        text = " ".join(parser.format_help().split())
        found = re.search(r"\(default(?!:)|Default:|\(default: \[|\(\d+\)", text)
        assert found is None, (parser.prog, text[found.start() - 60:found.end() + 20])


def test_phrases_and_eval_take_quiet(tmp_path, capsys, monkeypatch):
    from wordspace import datasets

    corpus = _new_york_corpus(tmp_path / "c.txt")
    assert main(["phrases", str(corpus), "-o", str(tmp_path / "out.txt"), "--quiet"]) == 0
    assert capsys.readouterr().err == ""  # no bar while reading
    asked = []

    def offline(name, progress=True, **kwargs):  # as a download would be asked for
        asked.append(progress)
        raise datasets.DatasetUnavailable(f"{name}: offline")

    monkeypatch.setattr(datasets, "load", offline)
    vectors = tmp_path / "v.txt"
    rng = np.random.default_rng(0)
    vectors.write_text("20 4\n" + "".join(f"w{i} " + " ".join(map(str, rng.normal(size=4)))
                                          + "\n" for i in range(20)))
    pairs = tmp_path / "pairs.txt"
    pairs.write_text("".join(f"w{a}\tw{a + 7}\t{a % 5}\n" for a in range(12)))
    assert main(["eval", str(vectors), "--datasets", "ws353", str(pairs), "--quiet"]) == 0
    assert asked == [False]


def test_help_documents_the_parameters_users_asked_about():
    """help(load_model) was one line (mmap undocumented, typed bool though "r" is taken),
    Vectors.analogy left out topn and restrict_vocab, TrainingReport its fields."""
    import dataclasses
    import inspect

    from wordspace import Vectors, load_model
    from wordspace.engine.meter import TrainingReport

    doc = inspect.getdoc(load_model)
    assert "mmap : bool or \"r\"" in doc and "path : str or Path" in doc
    assert "str" in str(inspect.signature(load_model).parameters["mmap"].annotation)
    doc = " ".join(inspect.getdoc(Vectors.analogy).split())
    assert "``topn`` best answers" in doc and "one by default" in doc
    assert "``restrict_vocab=n``" in doc
    doc = inspect.getdoc(TrainingReport)
    for field in dataclasses.fields(TrainingReport):
        assert f"\n{field.name} : " in doc, field.name
