"""``wordspace cache list`` and ``clean``: the encoded corpora kept under
$WORDSPACE_HOME/corpora, their status, and removing only what no run will use again."""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from wordspace import Corpus, cache
from wordspace.cli import main
from wordspace.corpus import _FORMAT_VERSION
from wordspace.progress import size_said


def _deny_stat(monkeypatch, folder: Path):
    """``os.stat`` of anything under ``folder`` refused, as a folder without permission;
    returns the real ``os.stat``."""
    real_stat = os.stat

    def refused(path, *args, **kwargs):
        if str(folder) in os.fspath(path):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", refused)
    return real_stat


def _corpus(path: Path, text: str = "a b a c\nb c a\n", **kw) -> Corpus:
    path.write_text(text)
    return Corpus(path, min_count=1, progress=False, **kw)


def _edit_meta(folder: Path, **changes) -> None:
    meta = json.loads((folder / "meta.json").read_text())
    for key, value in changes.items():
        if value is None:
            meta.pop(key)
        else:
            meta[key] = value
    (folder / "meta.json").write_text(json.dumps(meta))


@pytest.fixture
def caches(tmp_path):
    """One encoding of each status, by name: ok, stale (edited, deleted), old format,
    damaged."""
    src = tmp_path / "src"
    src.mkdir()
    made = {name: _corpus(src / f"{name}.txt").cache_dir
            for name in ("ok", "edited", "deleted", "old", "damaged")}
    with open(src / "edited.txt", "a") as f:
        f.write("d d\n")
    (src / "deleted.txt").unlink()
    _edit_meta(made["old"], format=_FORMAT_VERSION - 1)
    (made["damaged"] / "meta.json").write_text("{not json")
    return made


def test_list_says_each_encodings_status_and_size(caches, tmp_path, capsys):
    entries = {e.folder: e for e in cache.corpus_caches()}
    assert set(entries) == set(caches.values())
    status = {name: entries[folder].status for name, folder in caches.items()}
    assert status == {"ok": "ok", "edited": "stale", "deleted": "stale",
                      "old": "old format", "damaged": "damaged"}
    assert "missing" in entries[caches["deleted"]].why
    assert "changed since" in entries[caches["edited"]].why
    for folder, entry in entries.items():  # the blocks its files take
        assert entry.size == sum(f.stat().st_blocks * 512 for f in folder.iterdir()) > 0
    assert entries[caches["ok"]].settings == {"min_count": 1}

    assert main(["cache", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 + 5 + 2
    src = tmp_path / "src"
    for name, said in (("ok", "ok "), ("edited", "stale "), ("deleted", "stale "),
                       ("old", "old format "), ("damaged", "damaged ")):
        shown = str(src / f"{name}.txt") if name != "damaged" else caches[name].name
        (row,) = [line for line in lines[1:-2] if f"  {shown}" in line]
        assert row.startswith(said), row
    (row,) = [line for line in lines if "deleted.txt" in line]
    assert "min_count=1" in row and f"({src / 'deleted.txt'} is missing)" in row
    (row,) = [line for line in lines if line.startswith("old format")]
    assert f"(format {_FORMAT_VERSION - 1}, now {_FORMAT_VERSION})" in row
    total = sum(e.size for e in entries.values())
    stale = sum(e.size for e in entries.values() if e.status != "ok")
    assert lines[-2].startswith("5 encoded corpora") and "4 to clean" in lines[-2]
    assert f"{total / 1e3:.1f} kB" in lines[-2] and f"({stale / 1e3:.1f} kB" in lines[-2]
    assert lines[-1].startswith("datasets: 0.0 kB")


def test_settings_that_differ_from_the_defaults_are_listed(tmp_path, capsys):
    _corpus(tmp_path / "a.txt", lowercase=True, token_pattern=r"\w+", unk=True,
            max_final_vocab=2)
    (entry,) = cache.corpus_caches()
    assert entry.status == "ok"
    assert entry.settings == {"min_count": 1, "lowercase": True, "token_pattern": r"\w+",
                              "unk": True, "max_final_vocab": 2}


def test_clean_dry_run_removes_nothing(caches, capsys):
    before = sorted(os.listdir(cache.corpora_folder()))
    assert main(["cache", "clean", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert sorted(os.listdir(cache.corpora_folder())) == before
    said = {line.split()[2] for line in out.splitlines() if line.startswith("would remove /")}
    assert said == {str(caches[n]) for n in ("edited", "deleted", "old", "damaged")}
    assert "would remove 4, freeing" in out


def test_clean_removes_exactly_what_no_run_uses_and_the_ok_one_is_still_read(
        caches, tmp_path, capsys):
    ok = caches["ok"]
    identity = (ok.stat().st_ino, (ok / "meta.json").stat().st_mtime_ns)
    assert main(["cache", "clean"]) == 0
    assert os.listdir(cache.corpora_folder()) == [ok.name]
    assert "removed 4, freeing" in capsys.readouterr().out
    again = Corpus(tmp_path / "src" / "ok.txt", min_count=1, progress=False)
    assert again.cache_dir == ok and isinstance(again.tokens, np.memmap)
    assert (ok.stat().st_ino, (ok / "meta.json").stat().st_mtime_ns) == identity  # not rebuilt


def test_clean_all_removes_every_encoding(caches, capsys):
    assert main(["cache", "clean", "--all"]) == 0
    assert os.listdir(cache.corpora_folder()) == []
    assert "removed 5, freeing" in capsys.readouterr().out


def test_a_newer_format_is_kept(tmp_path):
    folder = _corpus(tmp_path / "a.txt").cache_dir
    _edit_meta(folder, format=99)
    (entry,) = cache.corpus_caches()
    assert entry.status == "newer format"
    assert cache.clean().removed == [] and folder.is_dir()


def test_a_folder_with_other_files_is_stale(tmp_path):
    folder = tmp_path / "texts"
    folder.mkdir()
    (folder / "one.txt").write_text("a b a c\n")
    Corpus(folder, min_count=1, progress=False)
    assert [e.status for e in cache.corpus_caches()] == ["ok"]
    (folder / "two.txt").write_text("a b\n")
    (entry,) = cache.corpus_caches()
    assert entry.status == "stale" and "other files" in entry.why


def test_an_encoding_that_records_no_files_is_told_stale_by_times(tmp_path):
    """One written before meta.json recorded its files: stale when its source is
    missing or changed (its ctime) after the encoding was written."""
    folder = _corpus(tmp_path / "a.txt").cache_dir
    _edit_meta(folder, files=None, path=None)
    written = time.time() - 100
    os.utime(folder / "meta.json", (written, written))
    os.utime(tmp_path / "a.txt")  # a ctime now, after the encoding
    (entry,) = cache.corpus_caches()
    assert entry.status == "stale" and "changed since" in entry.why
    os.utime(folder / "meta.json")
    assert [e.status for e in cache.corpus_caches()] == ["ok"]
    (tmp_path / "b.txt").write_text("another file: not an empty, unmounted drive's folder")
    (tmp_path / "a.txt").unlink()
    assert [e.status for e in cache.corpus_caches()] == ["stale"]


def test_a_link_in_the_cache_is_never_followed(caches, tmp_path):
    """A link in corpora/ to an encoding elsewhere is not the cache's own: not listed,
    not removed; nor is a file a link inside an encoding points to."""
    outside = tmp_path / "elsewhere"
    shutil.copytree(caches["old"], outside)
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me")
    (cache.corpora_folder() / "linked-0123456789abcdef").symlink_to(outside)
    (caches["edited"] / "note.txt").symlink_to(precious)
    assert {e.folder for e in cache.corpus_caches()} == set(caches.values())
    assert main(["cache", "clean", "--all"]) == 0
    assert os.listdir(cache.corpora_folder()) == ["linked-0123456789abcdef"]
    assert (outside / "meta.json").is_file() and (outside / "tokens.npy").is_file()
    assert precious.read_text() == "keep me"


def test_a_build_in_progress_is_left_alone_and_a_killed_ones_removed(tmp_path, capsys):
    _corpus(tmp_path / "a.txt")
    home = cache.corpora_folder()
    fresh, claimed, killed = (home / f".a.txt-0123456789abcdef.{tag}.tmp"
                              for tag in ("0a1b2c3d", "1a1b2c3d", "2a1b2c3d"))
    for folder in (fresh, claimed, killed):
        folder.mkdir()
        (folder / "tokens.npy").write_bytes(b"x" * 10_000)
    old = time.time() - 3600
    os.utime(claimed, (old, old))
    os.utime(killed, (old, old))
    fd = os.open(claimed, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)  # a live build's claim
    making = os.open(home, os.O_RDONLY)  # fresh's build, between making and claiming it:
    fcntl.flock(making, fcntl.LOCK_SH)  # the folder's making lock, so fresh goes by age
    try:
        assert main(["cache", "list"]) == 0  # the killed one counted in what clean frees
        summary = capsys.readouterr().out.splitlines()[-2]
        assert "0 to clean, and 1 left by killed builds (" in summary
        assert f"({size_said(cache.disk_usage(killed))}: wordspace cache clean)" in summary
        assert main(["cache", "clean", "--dry-run"]) == 0
        assert killed.is_dir()
        assert capsys.readouterr().out.splitlines()[0].startswith(f"would remove {killed}")
        assert main(["cache", "clean"]) == 0
    finally:
        os.close(fd)
        os.close(making)
    assert fresh.is_dir() and claimed.is_dir() and not killed.exists()
    assert [e.status for e in cache.corpus_caches()] == ["ok"]
    assert main(["cache", "clean"]) == 0  # nothing being made: unclaimed is dead, if young
    assert not fresh.exists() and not claimed.exists()


def test_a_folder_that_cannot_be_removed_is_reported_and_the_others_go(caches, monkeypatch,
                                                                         capsys):
    real = shutil.rmtree

    def rmtree(path, ignore_errors=False, **kw):
        if caches["edited"].name in str(path):  # moved aside, its files undeletable
            if ignore_errors:
                return None
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, ignore_errors=ignore_errors, **kw)

    monkeypatch.setattr(shutil, "rmtree", rmtree)
    assert main(["cache", "clean"]) == 1
    captured = capsys.readouterr()
    assert f"could not remove {caches['edited']}: Permission denied (what is left is " \
        f"under {cache.corpora_folder()}" in captured.err
    assert "removed 3, freeing" in captured.out and "1 could not be removed" in captured.out
    left = os.listdir(cache.corpora_folder())
    assert caches["ok"].name in left and len(left) == 2  # and the remains, aside
    (aside,) = [name for name in left if name != caches["ok"].name]
    assert aside in captured.err  # named where they are, not where they were
    monkeypatch.setattr(shutil, "rmtree", real)


@pytest.mark.skipif(not hasattr(os, "O_NOATIME"), reason="O_NOATIME is Linux's")
def test_listing_does_not_make_an_encoding_look_read(tmp_path):
    """The 'read' column is meta.json's atime, when a run last loaded the encoding:
    listing reads meta.json too, and must not move it (a relatime mount moves an atime
    that is not after the mtime, so the second listing said 'read today')."""
    folder = _corpus(tmp_path / "a.txt").cache_dir
    meta = folder / "meta.json"
    old = time.time() - 30 * 86400
    os.utime(meta, (old, old))
    for _ in range(2):
        [entry] = cache.corpus_caches()
        assert entry.used == pytest.approx(old)
    assert meta.stat().st_atime == pytest.approx(old)


def test_a_folder_wordspace_did_not_name_is_not_the_caches(caches, tmp_path):
    """Another tool's folder in corpora/ (a WORDSPACE_HOME shared with other data) may
    hold a meta.json and a tokens.npy of its own: it is no encoding of wordspace's, so it
    is not listed (it would be 'damaged') nor removed, even by --all."""
    foreign = cache.corpora_folder() / "my-data"
    foreign.mkdir()
    (foreign / "meta.json").write_text('{"vocab_size": 50257}')
    np.save(foreign / "tokens.npy", np.arange(10))
    assert {e.folder for e in cache.corpus_caches()} == set(caches.values())
    assert main(["cache", "clean", "--all"]) == 0
    assert sorted(os.listdir(cache.corpora_folder())) == ["my-data"]
    assert sorted(os.listdir(foreign)) == ["meta.json", "tokens.npy"]


@pytest.mark.parametrize("records_files", [True, False])
def test_a_source_that_cannot_be_looked_at_now_is_kept(tmp_path, monkeypatch, capsys,
                                                       records_files):
    """A source behind a permission denied (or a failing network mount) may be there,
    unchanged, when it can be looked at again: 'unchecked', which clean keeps, not
    'stale' (nor, for an encoding that records no files, a crash of the listing)."""
    (tmp_path / "private").mkdir()
    folder = _corpus(tmp_path / "private" / "a.txt").cache_dir
    if not records_files:
        _edit_meta(folder, files=None, path=None)
    real_stat = _deny_stat(monkeypatch, tmp_path / "private")
    [entry] = cache.corpus_caches()
    assert entry.status == "unchecked" and "Permission denied" in entry.why
    assert main(["cache", "clean"]) == 0
    monkeypatch.setattr(os, "stat", real_stat)
    assert "removed 0" in capsys.readouterr().out and folder.is_dir()
    assert [e.status for e in cache.corpus_caches()] == ["ok"]


@pytest.mark.parametrize("records_files", [True, False])
def test_a_source_whose_folder_is_gone_too_is_kept(tmp_path, capsys, records_files):
    """A source file gone with its folder (a drive not mounted, a folder moved), or from
    a folder now empty (an unmounted drive's mount point) may come back unchanged:
    'unchecked', kept by clean; a file gone from a folder that still holds others is
    'stale' and cleaned."""
    drive = tmp_path / "drive"
    (drive / "corpora").mkdir(parents=True)
    kept = _corpus(drive / "corpora" / "a.txt").cache_dir
    (tmp_path / "here").mkdir()
    (tmp_path / "here" / "notes.txt").write_text("the folder still holds this")
    gone = _corpus(tmp_path / "here" / "b.txt").cache_dir
    if not records_files:
        for folder in (kept, gone):
            _edit_meta(folder, files=None, path=None)
    usb = tmp_path / "mnt" / "usb"  # a file at a drive's root: its mount point stays
    usb.mkdir(parents=True)
    at_root = _corpus(usb / "c.txt", "c d c e\n").cache_dir
    if not records_files:
        _edit_meta(at_root, files=None, path=None)
    unmounted = tmp_path / "unmounted"
    drive.rename(unmounted)
    usb.rename(tmp_path / "usb-away")
    usb.mkdir()  # fstab's mount point, empty while the drive is not mounted
    (tmp_path / "here" / "b.txt").unlink()
    status = {e.folder: (e.status, e.why) for e in cache.corpus_caches()}
    assert status[kept] == ("unchecked", f"{drive / 'corpora'} is missing (a drive not "
                                         "mounted, or a folder moved?)")
    assert status[at_root] == ("unchecked", f"{usb} is empty (a drive not mounted?)")
    assert status[gone] == ("stale", f"{tmp_path / 'here' / 'b.txt'} is missing")
    assert main(["cache", "clean"]) == 0
    assert kept.is_dir() and at_root.is_dir() and not gone.exists()
    unmounted.rename(drive)  # mounted again: as it was
    usb.rmdir()
    (tmp_path / "usb-away").rename(usb)
    assert sorted((e.folder, e.status) for e in cache.corpus_caches()) == sorted(
        [(kept, "ok"), (at_root, "ok")])


def test_clean_missing_removes_the_encodings_whose_source_is_missing(tmp_path, monkeypatch,
                                                                    capsys):
    """An encoding whose source folder was deleted stayed 'unchecked' for ever: only
    --all removed it, with every valid one. --missing removes those whose source is
    missing (folder gone or empty), and no other: not an ok one, not one whose source
    cannot be looked at (a permission denied)."""
    (tmp_path / "deleted").mkdir()
    gone = _corpus(tmp_path / "deleted" / "a.txt").cache_dir
    (tmp_path / "mnt").mkdir()
    emptied = _corpus(tmp_path / "mnt" / "b.txt", "b c b d\n").cache_dir
    ok = _corpus(tmp_path / "ok.txt", "c d c e\n").cache_dir
    (tmp_path / "private").mkdir()
    denied = _corpus(tmp_path / "private" / "d.txt", "d e d f\n").cache_dir
    shutil.rmtree(tmp_path / "deleted")
    (tmp_path / "mnt" / "b.txt").unlink()
    _deny_stat(monkeypatch, tmp_path / "private")
    status = {e.folder: e.status for e in cache.corpus_caches()}
    assert [status[f] for f in (gone, emptied, denied)] == ["unchecked"] * 3
    assert main(["cache", "list"]) == 0
    missing = sum(cache.disk_usage(f) for f in (gone, emptied))
    assert f"; 2 unchecked whose source is missing ({size_said(missing)}, kept: a drive " \
           "mounted again brings them back; wordspace cache clean --missing removes them)" \
           in capsys.readouterr().out
    assert main(["cache", "clean"]) == 0  # the default keeps them
    assert "removed 0," in capsys.readouterr().out and gone.is_dir() and emptied.is_dir()
    assert main(["cache", "clean", "--missing", "--dry-run"]) == 0
    said = capsys.readouterr().out
    assert {line.split()[2] for line in said.splitlines() if line.startswith("would remove /")
            } == {str(gone), str(emptied)}
    assert gone.is_dir() and emptied.is_dir()
    assert main(["cache", "clean", "--missing"]) == 0
    assert "removed 2," in capsys.readouterr().out
    assert sorted(os.listdir(cache.corpora_folder())) == sorted([ok.name, denied.name])


def test_a_recorded_path_of_another_type_is_ignored_not_a_crash(tmp_path):
    """A meta.json whose ``path`` is no string (damage, or another tool's hand) falls back
    on the ``source`` it names: listing it raised a TypeError (``Path(5)``)."""
    folder = _corpus(tmp_path / "a.txt").cache_dir
    source = json.loads((folder / "meta.json").read_text())["source"]
    _edit_meta(folder, path=5)
    (entry,) = cache.corpus_caches()
    assert (entry.status, entry.source) == ("ok", source)


def test_an_empty_wordspace_home_means_the_default_not_the_current_directory(
        tmp_path, monkeypatch):
    from wordspace._io import cache_home

    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WORDSPACE_HOME", "")
    assert cache_home() == tmp_path / "user" / ".cache" / "wordspace"
    _corpus(tmp_path / "c.txt")  # encoded into the cache
    assert (tmp_path / "user" / ".cache" / "wordspace" / "corpora").is_dir()
    assert not (tmp_path / "corpora").exists()
    monkeypatch.setenv("WORDSPACE_HOME", "~/elsewhere")
    assert cache_home() == tmp_path / "user" / "elsewhere"


def test_clean_removes_the_records_of_written_files_no_file_answers(tmp_path, capsys):
    """The phrased corpora's records (``written/``): those of a file removed, changed or
    replaced since let no rerun replace anything and go; a live one stays, and the
    rerun it allows still replaces its file after the clean."""
    from wordspace._io import remember_writing, written_records, wrote_it

    files = {name: tmp_path / f"{name}.txt" for name in ("live", "removed", "edited")}
    for path in files.values():
        path.write_text("a phrased corpus\n")
        remember_writing(path, "phrased corpus")
    files["removed"].unlink()
    files["edited"].write_text("edited since\n")
    (written_records() / ("0" * 32 + ".json")).write_text("{not json")  # a damaged record
    assert len(list(written_records().iterdir())) == 4
    assert main(["cache", "list"]) == 0
    listed = capsys.readouterr().out
    assert ", and 3 record(s) of written files no file matches" in listed
    assert main(["cache", "clean", "--dry-run"]) == 0
    said = capsys.readouterr().out
    assert "would remove 3," in said
    # the list's figure counts them: it said 0.0 kB where clean then freed 4.1 kB
    freed = re.search(r"freeing (\S+ [kMG]?B)", said)[1]
    assert freed != "0.0 kB" and f"({freed}: wordspace cache clean)" in listed
    assert len(list(written_records().iterdir())) == 4
    assert main(["cache", "clean"]) == 0
    assert "removed 3," in capsys.readouterr().out
    assert len(list(written_records().iterdir())) == 1 and wrote_it(files["live"], "phrased corpus")


def test_clean_leaves_files_in_written_that_are_not_wordspace_records(capsys):
    """Only files named as wordspace names a record (32 hex digits and ``.json``) are
    ever cleaned from ``written/``: a user's own JSON there is not a damaged record."""
    from wordspace._io import written_records

    written_records().mkdir(parents=True)
    others = [written_records() / name for name in
              ("notes.json", "0" * 31 + ".json", "A" * 32 + ".json", "0" * 32 + ".json.bak")]
    for path in others:
        path.write_text('{"my": "settings"}')
    assert main(["cache", "clean", "--dry-run"]) == 0
    assert "would remove 0," in capsys.readouterr().out
    assert main(["cache", "clean"]) == 0
    assert all(path.read_text() == '{"my": "settings"}' for path in others)
