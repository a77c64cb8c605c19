"""The command line's messages where a user goes wrong: the output path, a misspelt
option, a document id without --doc, an interrupted run; and what its help says."""

from __future__ import annotations

import pytest

from wordspace.cli import main


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
