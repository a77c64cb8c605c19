"""The command line's messages where a user goes wrong: the output path, a misspelt
option, a document id without --doc, an interrupted run; and what its help says."""

from __future__ import annotations

import pytest

from wordspace.cli import build_parser, main


@pytest.mark.parametrize("output", [".", "./", ""])
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


def test_wordspace_alone_shows_the_subcommands(capsys):
    assert main([]) == 2
    err = capsys.readouterr().err
    assert "subcommands:" in err and "examples:" in err and "similar" in err


@pytest.mark.parametrize("argv, verbose", [
    (["-v", "train", "C", "-o", "m"], True), (["train", "C", "-o", "m", "-v"], True),
    (["train", "C", "-o", "m"], False), (["-v", "data", "get", "ws353"], True),
    (["data", "get", "ws353"], False)])
def test_verbose_may_come_before_the_subcommand(argv, verbose):
    assert build_parser().parse_args(argv).verbose is verbose
