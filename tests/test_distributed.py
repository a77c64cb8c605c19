"""Distributed training: shards, the merged vocabulary, and real runs of two processes.

The sharding and the vocabulary's merge are checked in one process, with the ranks as
threads (:class:`ThreadGroup`); the training runs launch two processes over gloo, as
torchrun does, and need torch (CI installs the local CPU build; see .ci/run).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import planted_sentences
from helpers import nothing_cached, write_sentences
from wordspace.corpus import Corpus, CorpusError
from wordspace.distributed import SyncSettings
from wordspace.distributed.shards import cut_point, shard
from wordspace.engine.checkpoint import CheckpointMismatch, mark_ranks


def _needs_torch() -> None:
    pytest.importorskip("torch.distributed", reason="needs torch (CI installs torch==2.13.0)")


# -- sharding -------------------------------------------------------------------------------
def _random_text(rng: random.Random, lines: int, words_per_line: int) -> bytes:
    vocab = ["a", "bb", "ccc", "déjà", "naïve", "x" * 30, "Ω", "tab\tbed"]
    out = []
    for _ in range(lines):
        n = rng.randint(0, words_per_line)
        sep = rng.choice([" ", "  ", " \t"])
        out.append(sep.join(rng.choice(vocab) for _ in range(n)))
    return ("\n".join(out) + rng.choice(["", "\n"])).encode()


@pytest.mark.parametrize("seed", range(12))
def test_shards_lose_and_repeat_no_token_wherever_the_cuts_fall(tmp_path, seed):
    rng = random.Random(seed)
    files = []
    for i in range(rng.randint(1, 4)):
        one_line = rng.random() < 0.4  # text8's layout: one line, no line end to cut at
        data = _random_text(rng, 1 if one_line else rng.randint(1, 300),
                            rng.randint(200, 3000) if one_line else 40)
        path = tmp_path / f"part{i}.txt"
        if rng.random() < 0.25:
            path = path.with_suffix(".txt.gz")
            path.write_bytes(gzip.compress(data))
        else:
            path.write_bytes(data)
        files.append(path)
    texts = [gzip.decompress(f.read_bytes()) if f.suffix == ".gz" else f.read_bytes()
             for f in files]
    whole = b"".join(texts)
    world = rng.randint(1, 7)
    search = rng.choice([4, 64, 1 << 20])  # small: cuts between tokens inside long lines
    chunk_bytes = rng.choice([16, 300, 1 << 20])  # small: many chunks dealt in turn
    pieces = [shard(files, r, world, line_search=search, chunk_bytes=chunk_bytes)
              for r in range(world)]
    for rank_pieces in pieces:  # each rank reads its ranges in order
        assert [p.chunk for p in rank_pieces] == sorted(p.chunk for p in rank_pieces)
    in_order = sorted((p for rank_pieces in pieces for p in rank_pieces),
                      key=lambda p: (p.chunk, files.index(p.path)))
    read = b""
    for p in in_order:
        data = p.path.read_bytes()
        read += gzip.decompress(data) if p.path.suffix == ".gz" else data[p.start:p.end]
    assert read == whole  # every byte once, in order
    # each piece splits into exactly its file's tokens, in order (files are read apart)
    tokens = [t for p in in_order
              for t in (gzip.decompress(p.path.read_bytes()) if p.path.suffix == ".gz"
                        else p.path.read_bytes()[p.start:p.end]).split()]
    assert tokens == [t for text in texts for t in text.split()]
    sizes = [sum(p.size for p in rank_pieces) for rank_pieces in pieces]
    if not any(f.suffix == ".gz" for f in files) and search > 1000 and world > 1:
        slack = max(len(whole) // world, 200) if chunk_bytes > len(whole) else \
            max(len(whole) // world // 4, 4 * chunk_bytes, 200)
        assert max(sizes) - min(sizes) <= slack  # balanced


def test_a_folder_of_compressed_files_is_dealt_out_file_by_file(tmp_path):
    """Compressed files cannot be cut: with ranges far smaller than the files, each
    file is one range, and the files go to the ranks in turn (not all to one rank)."""
    files = []
    for i in range(5):
        path = tmp_path / f"part{i}.txt.gz"
        path.write_bytes(gzip.compress(os.urandom(5000)))  # incompressible: 5 kB each
        files.append(path)
    pieces = [shard(files, r, 2, chunk_bytes=100) for r in range(2)]
    assert [[p.path.name for p in rank] for rank in pieces] == [
        ["part0.txt.gz", "part2.txt.gz", "part4.txt.gz"], ["part1.txt.gz", "part3.txt.gz"]]
    assert [p.chunk for rank in pieces for p in rank] == [0, 2, 4, 1, 3]


def test_deal_gives_each_turn_by_the_rule_to_the_lowest_least_loaded_rank():
    from wordspace.distributed.shards import deal

    rng = np.random.default_rng(5)
    for _ in range(200):
        world = int(rng.integers(1, 9))
        sizes = rng.choice([1, 5, 50], size=int(rng.integers(0, 60)))
        ends = [int(e) for e in np.cumsum(sizes)]
        ranges = list(zip([0, *ends][:-1], ends, strict=True))
        slack = int(rng.choice([0, 2, 10]))
        load, expected = [0] * world, []
        for i, (lo, hi) in enumerate(ranges):  # the rule, scanning every rank
            least = min(range(world), key=load.__getitem__)
            owner = least if load[i % world] - load[least] > slack else i % world
            expected.append(owner)
            load[owner] += hi - lo
        assert deal(ranges, world, slack=slack) == expected


def test_ranges_alike_go_in_turn_and_unequal_compressed_files_are_balanced(tmp_path):
    from wordspace.distributed.shards import deal

    alike = [(i * 100, i * 100 + 100 + (i % 3)) for i in range(12)]  # a few bytes apart
    assert deal(alike, 3, slack=200) == [i % 3 for i in range(12)]
    # whole compressed files of 50 kB and 5 kB: in turn, rank 0 would read 105 kB of them
    # and rank 1 15 kB
    files, sizes = [], [50, 5, 5, 5, 50, 5]
    for i, kb in enumerate(sizes):
        path = tmp_path / f"part{i}.txt.gz"
        path.write_bytes(gzip.compress(os.urandom(kb * 1000), compresslevel=0))
        files.append(path)
    pieces = [shard(files, r, 2, chunk_bytes=100) for r in range(2)]
    assert sorted(p.path.name for rank in pieces for p in rank) == [f.name for f in files]
    loads = [sum(p.size for p in rank) for rank in pieces]
    assert max(loads) - min(loads) <= 50_100, loads  # at most one file apart
    assert [[p.chunk for p in rank] for rank in pieces] == [[0, 5], [1, 2, 3, 4]]


def test_a_cut_lands_at_a_line_start_or_else_between_tokens(tmp_path):
    path = tmp_path / "c.txt"
    path.write_bytes(b"one two\nthree four five\nsix")
    size = path.stat().st_size
    assert cut_point(path, 3, size) == 8  # inside line 1: the start of line 2
    assert cut_point(path, 8, size) == 8  # a line start stays
    # a long line without an end within reach: after the next space
    assert cut_point(path, 10, size, line_search=2) == 14
    path.write_bytes(b"abcdefgh")
    assert cut_point(path, 3, 8) == 8  # one token: nowhere to cut but its end


def test_an_old_mac_file_is_cut_where_its_reader_ends_lines(tmp_path):
    path = tmp_path / "mac.txt"  # lines end at \r: no \n in its head
    path.write_bytes(b"one two\rthree four five\rsix")
    size = path.stat().st_size
    assert cut_point(path, 3, size) == 8  # was 28, the end: only \n was looked for
    path.write_bytes(b"one two\rthree\r\nfour")  # a \r\n too: after both
    assert cut_point(path, 10, path.stat().st_size) == 15
    unix = tmp_path / "unix.txt"  # a stray \r inside a line of a \n file: no line end
    unix.write_bytes(b"one two\rthree\nfour")
    assert cut_point(unix, 3, unix.stat().st_size) == 14
    lines = b"\r".join(b"w%d x y" % i for i in range(200))
    path.write_bytes(lines)
    pieces = [shard([path], r, 3, chunk_bytes=100) for r in range(3)]
    starts = sorted(p.start for rank in pieces for p in rank)
    assert len(starts) > 3 and all(s == 0 or lines[s - 1:s] == b"\r" for s in starts)


# -- the vocabulary's merge (ranks as threads) ---------------------------------------------
class ThreadGroup:
    """Rank ``rank`` of ranks running as threads of one process (all_gather only)."""

    def __init__(self, rank: int, world: int, board: dict):
        self.rank, self.world, self.board = rank, world, board

    def all_gather(self, value, what: str = ""):
        self.board["values"][self.rank] = value
        self.board["barrier"].wait()
        out = list(self.board["values"])
        self.board["barrier"].wait()
        return out


def _sharded(source, world: int, **settings) -> list:
    return _on_ranks(world, lambda group: Corpus(source, shard=group, progress=False,
                                                 **settings))


def test_each_rank_reads_a_files_head_once(tmp_path, monkeypatch):
    """The head read to refuse a binary file also tells the sharding and the reader
    whether a lone \r ends lines (an old Mac file's cuts fall after a \r)."""
    from helpers import count_head_reads

    read = count_head_reads(monkeypatch)
    path = tmp_path / "mac.txt"
    path.write_bytes(b"".join(b"w%d w%d w%d\r" % (i % 7, i % 5, i % 3) for i in range(400)))
    results = _sharded(path, 2, min_count=1, cache=False)
    assert all(isinstance(r, Corpus) for r in results), results
    assert sum(len(r) for r in results) == 400  # each \r ends a sentence
    assert read == ["mac.txt"] * 2  # once a rank


class _TrainingThreadGroup(ThreadGroup):
    """A :class:`ThreadGroup` with the collectives training needs too."""

    def all_reduce(self, array, what=""):
        array[...] = sum(self.all_gather(array.copy()))
        return array

    def broadcast(self, array, source=0, what=""):
        array[...] = self.all_gather(array.copy())[source]
        return array


def _on_ranks(world: int, work, group_type: type = ThreadGroup) -> list:
    """``work(group)`` on ``world`` ranks as threads: each rank's result or exception."""
    board = {"values": [None] * world, "barrier": threading.Barrier(world, timeout=60)}
    out: list = [None] * world

    def read(rank: int) -> None:
        try:
            out[rank] = work(group_type(rank, world, board))
        except Exception as e:  # noqa: BLE001 - compared by the test
            out[rank] = e

    threads = [threading.Thread(target=read, args=(r,)) for r in range(world)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


@pytest.mark.parametrize("chunk_bytes", [1 << 30, 700])
@pytest.mark.parametrize("settings", [dict(min_count=2), dict(min_count=1, unk=True),
                                      dict(min_count=3, max_sentence_length=7)])
def test_ranks_hold_the_single_reader_vocabulary_and_together_every_token(tmp_path, settings,
                                                                          chunk_bytes,
                                                                          monkeypatch):
    """Each rank reads its share (the corpus's halves or thirds, or with small chunks
    every world-th piece of ~700 bytes); all hold the vocabulary one reader builds, ties
    in frequency broken alike, and together every token once."""
    from wordspace.distributed import shards

    monkeypatch.setattr(shards, "CHUNK_BYTES", chunk_bytes)
    rng = np.random.default_rng(3)
    zipf = [f"w{int(i)}" for i in rng.zipf(1.3, size=30_000) if i < 5000]
    starts = range(0, len(zipf), 40)
    lines = [zipf[i:i + int(n)] for i, n in zip(starts, rng.integers(1, 80, len(starts)),
                                                strict=True)]
    path = write_sentences(tmp_path / "zipf.txt", lines)
    whole = Corpus(path, progress=False, **settings)
    for world in (2, 3):
        ranks = _sharded(path, world, **settings)
        for corpus in ranks:
            assert corpus.vocab.words == whole.vocab.words  # ties broken alike
            np.testing.assert_array_equal(corpus.vocab.counts, whole.vocab.counts)
        together = np.concatenate([c.tokens for c in ranks])
        if chunk_bytes > path.stat().st_size:  # one range a rank: in the corpus's order
            np.testing.assert_array_equal(together, whole.tokens)
        else:  # dealt in turn: every token once, and the ranks' pieces interleaved
            assert len(ranks[0].pieces) > 3
            np.testing.assert_array_equal(np.sort(together), np.sort(whole.tokens))
    cached = _sharded(path, 2, **settings)  # the second time from each rank's cache
    assert all(c.cache_dir is not None for c in cached)
    assert cached[1].vocab.words == whole.vocab.words


def test_shares_far_apart_are_warned_of_once_naming_the_file_to_split(tmp_path,
                                                                      monkeypatch, caplog):
    """A large compressed file and a small one between two ranks: one rank read 263
    times the other's tokens and the other sat idle every epoch, unsaid."""
    from wordspace.distributed import shards

    monkeypatch.setattr(shards, "CHUNK_BYTES", 1000)  # the warning's floor: one range
    lines = [" ".join(f"w{(i * 7 + j) % 50}" for j in range(10)) for i in range(3000)]
    big, small = tmp_path / "c" / "a.txt.gz", tmp_path / "c" / "b.txt.gz"
    big.parent.mkdir()
    big.write_bytes(gzip.compress("\n".join(lines).encode(), compresslevel=0))
    small.write_bytes(gzip.compress("\n".join(lines[:50]).encode(), compresslevel=0))
    with caplog.at_level("WARNING", logger="wordspace.corpus"):
        results = _sharded(big.parent, 2, min_count=1, cache=False)
    assert all(isinstance(r, Corpus) for r in results), results
    said = [r.getMessage() for r in caplog.records if "unequal" in r.getMessage()]
    assert said == [  # once: rank 0's
        f"{big.parent}: the ranks' shares are unequal (rank 0 reads "
        f"{big.stat().st_size / 1e3:.1f} kB, the least {small.stat().st_size / 1e3:.1f} kB): "
        f"at every epoch's end the others wait for rank 0. Its largest file, {big} "
        f"({big.stat().st_size / 1e3:.1f} kB), is compressed, so one rank reads it whole: "
        "split it into several files (or decompress it) to balance the shares"]
    caplog.clear()
    with caplog.at_level("WARNING", logger="wordspace.corpus"):
        _sharded(write_sentences(tmp_path / "plain.txt", [line.split() for line in lines]),
                 2, min_count=1, cache=False)
    assert "unequal" not in caplog.text  # a plain file is cut where it balances


def test_the_reading_bar_says_it_counts_rank_0_s_share(tmp_path, monkeypatch):
    """The bar said "reading: 100% 1.00M/1.00M" of a 2 MB corpus on two ranks."""
    from wordspace import corpus as corpus_module

    bars, real = [], corpus_module.progress_bar

    def recorded(**kwargs):
        if kwargs["enable"]:
            bars.append((kwargs["desc"], kwargs["total"]))
        return real(**{**kwargs, "enable": False})

    monkeypatch.setattr(corpus_module, "progress_bar", recorded)
    path = write_sentences(tmp_path / "c.txt", planted_sentences(n_sentences=300)[0])
    ranks = _on_ranks(2, lambda g: Corpus(path, shard=g, min_count=1, cache=False))
    assert bars == [("reading rank 0's share", sum(p.size for p in ranks[0].pieces))]
    Corpus(path, min_count=1, cache=False)  # one process: the whole corpus, as before
    assert bars[1] == ("reading", path.stat().st_size)


def test_a_rank_that_cannot_read_its_share_fails_every_rank(tmp_path):
    path = tmp_path / "tiny.txt"
    path.write_text("just three words\n")
    results = _sharded(path, 3, min_count=1)
    assert all(isinstance(r, CorpusError) for r in results)
    # known from the cut points, so said before any rank reads (was: after reading)
    assert "the share of rank(s) 1, 2 of 3 holds no text" in str(results[0])


def test_ranks_given_other_reading_settings_or_other_text_refuse_before_reading(tmp_path):
    """Every rank must run the same command on the same corpus: a rank reading with
    another min_count, or a stale copy of the text, would train a mixture (exit 0)."""
    from wordspace.distributed import RanksDisagree

    path = write_sentences(tmp_path / "c.txt", planted_sentences(n_sentences=200)[0])
    results = _on_ranks(2, lambda g: Corpus(path, shard=g, progress=False,
                                            min_count=1 + g.rank, cache=False))
    assert all(isinstance(r, RanksDisagree) for r in results), results
    assert "min_count: 2 on rank 1, 1 on rank 0" in str(results[0])
    stale = tmp_path / "node1" / "c.txt"  # one node's copy, edited since
    stale.parent.mkdir()
    stale.write_text(path.read_text() + "one more line\n")
    results = _on_ranks(2, lambda g: Corpus(stale if g.rank else path, shard=g,
                                            progress=False, min_count=1))
    assert all(isinstance(r, RanksDisagree) for r in results), results
    said = str(results[1])  # the first file that differs, not the whole list
    assert (f"files, item 1: ['c.txt', {stale.stat().st_size}, '{_head_and_tail(stale)}'] "
            f"on rank 1, ['c.txt', {path.stat().st_size}, '{_head_and_tail(path)}'] on "
            "rank 0") in said
    assert "every rank must run the same command" in said


def test_ranks_whose_iterables_differ_refuse_once_read():
    """Each rank trains one item in world of an iterable by its place in it: ranks given
    other items (a shuffle of their own, a list cut short) trained the wrong ones and
    exited 0. Every rank counts and hashes every item as it walks them."""
    from wordspace.distributed import RanksDisagree

    sentences = planted_sentences(n_sentences=200)[0]
    shuffled = random.Random(1).sample(sentences, len(sentences))
    for theirs, said in ((shuffled, "(rank 1's 200 items are not rank 0's, or not in its "
                                    "order)"),
                         (sentences[:150], "(150 items on rank 1, 200 on rank 0)")):
        results = _on_ranks(2, lambda g, theirs=theirs: Corpus(
            theirs if g.rank else sentences, shard=g, progress=False, min_count=1))
        assert all(isinstance(r, RanksDisagree) for r in results), results
        assert f"<iterable>: the ranks were given different iterables {said}: each rank " \
            "trains one item in 2, chosen by its place in the whole, so every rank must " \
            "yield the same items in the same order" in str(results[0])
    # the same items, each a generator of its tokens (read once, for the hash and its rank)
    results = _on_ranks(2, lambda g: Corpus((iter(s) for s in sentences), shard=g,
                                            progress=False, min_count=1))
    whole = Corpus(sentences, progress=False, min_count=1)
    assert sum(r.n_tokens for r in results) == whole.n_tokens
    assert results[1].vocab.words == results[0].vocab.words


def test_an_iterable_with_fewer_items_than_ranks_is_said_to_be_so():
    results = _on_ranks(3, lambda g: Corpus([["just", "three", "words"]] * 2, shard=g,
                                            progress=False, min_count=1))
    assert all(isinstance(r, CorpusError) for r in results), results
    assert ("<iterable>: the share of rank(s) 2 of 3 holds no tokens: the iterable has 2 "
            "items, fewer than the 3 ranks (each trains one item in 3)") in str(results[0])


def _head_and_tail(path: Path) -> str:
    from wordspace._io import head_and_tail_hash

    return head_and_tail_hash(path, path.stat().st_size)


def test_ranks_given_copies_of_the_same_name_and_size_but_other_text_refuse(tmp_path):
    """A copy on one node with the lines shuffled (same name, same size) was read as the
    same text: the ranks trained a mixture and exited 0. The head and tail of each file
    are compared too, and every rank refuses."""
    from wordspace.distributed import RanksDisagree

    lines = [f"line {i} of the corpus" for i in range(3000)]
    ours, theirs = tmp_path / "r0" / "corpus.txt", tmp_path / "r1" / "corpus.txt"
    for path, order in ((ours, lines), (theirs, random.Random(1).sample(lines, len(lines)))):
        path.parent.mkdir()
        path.write_text("\n".join(order) + "\n")
    assert ours.stat().st_size == theirs.stat().st_size
    results = _on_ranks(2, lambda g: Corpus(theirs if g.rank else ours, shard=g,
                                            progress=False, min_count=1, cache=False))
    assert all(isinstance(r, RanksDisagree) for r in results), results
    assert (f"files, item 1: ['corpus.txt', {ours.stat().st_size}, "
            f"'{_head_and_tail(theirs)}'] on rank 1") in str(results[0])


def test_the_collective_timeout_is_checked(monkeypatch):
    from wordspace.distributed.group import _timeout_from_environment

    monkeypatch.setenv("WORDSPACE_DIST_TIMEOUT", "90")
    assert _timeout_from_environment() == 90
    for bad in ("30m", "0", "-5", "nan"):
        monkeypatch.setenv("WORDSPACE_DIST_TIMEOUT", bad)
        with pytest.raises(ValueError, match=rf"WORDSPACE_DIST_TIMEOUT='{bad}' must be a "
                                             "positive number of seconds"):
            _timeout_from_environment()


@pytest.mark.parametrize("variables, said", [
    ({"WORLD_SIZE": "0"}, "WORLD_SIZE='0' is not a number of processes (1 or more)"),
    ({"WORLD_SIZE": "-3"}, "WORLD_SIZE='-3' is not a number of processes (1 or more)"),
    ({"WORLD_SIZE": "abc"}, "WORLD_SIZE='abc' is not a number of processes"),
    ({"WORLD_SIZE": "2", "RANK": "2"}, "RANK='2' is not a rank of WORLD_SIZE=2 processes "
                                       "(0 to 1)"),
    ({"WORLD_SIZE": "2", "RANK": "-1"}, "RANK='-1' is not a rank of WORLD_SIZE=2"),
    ({"WORLD_SIZE": "2", "RANK": "1", "MASTER_PORT": "notaport"},
     "MASTER_PORT='notaport' is not a port number (1 to 65535)"),
    ({"WORLD_SIZE": "2", "RANK": "1", "MASTER_PORT": "70000"}, "MASTER_PORT='70000' is not")])
def test_a_launcher_environment_that_cannot_be_is_refused_before_reading(
        tmp_path, monkeypatch, capsys, variables, said):
    """WORLD_SIZE=0 or -3 trained alone silently, RANK >= WORLD_SIZE waited and then
    dumped C++ stack frames, MASTER_PORT=notaport failed in torch naming nothing: each
    is refused before the corpus is read, naming the variable and its value."""
    from wordspace.cli import main

    for name in ("RANK", "MASTER_PORT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("WORDSPACE_HOME", str(tmp_path / "home"))
    corpus = write_sentences(tmp_path / "c.txt", planted_sentences(n_sentences=50)[0])
    assert main(["train", str(corpus), "-o", str(tmp_path / "m"), "--epochs", "1"]) == 2
    assert said in capsys.readouterr().err
    assert nothing_cached(tmp_path / "home") and not (tmp_path / "m").exists()
    with pytest.raises(ValueError, match=re.escape(said)):
        Corpus(corpus, progress=False)  # a library user's corpus is refused alike


def test_sync_settings_without_a_group_are_said_to_do_nothing(caplog):
    from wordspace.models import SkipGram

    corpus = Corpus(planted_sentences(n_sentences=50)[0], min_count=1, progress=False)
    with caplog.at_level("WARNING", logger="wordspace.train"):
        SkipGram(dim=8, epochs=1, progress=False).fit(corpus, sync=SyncSettings())
    assert "this process trains alone, so they do nothing" in caplog.text


def test_ranks_given_other_training_settings_refuse_before_training(tmp_path):
    from wordspace.distributed import RanksDisagree
    from wordspace.models import SkipGram

    path = write_sentences(tmp_path / "c.txt", planted_sentences(n_sentences=200)[0])

    def fit(group):  # only all_gather: the check comes before any other collective
        corpus = Corpus(path, shard=group, progress=False, min_count=1)
        return SkipGram(dim=8, epochs=1, window=3 + group.rank, progress=False).fit(corpus)

    results = _on_ranks(2, fit)
    assert all(isinstance(r, RanksDisagree) for r in results), results
    assert "different training settings (window: 4 on rank 1, 3 on rank 0" in str(results[0])


def test_what_a_distributed_run_cannot_do_is_refused_before_reading(tmp_path, monkeypatch,
                                                                     capsys):
    from wordspace.cli import main

    monkeypatch.setenv("WORLD_SIZE", "2")  # as torchrun sets it; no group is ever joined
    monkeypatch.setenv("WORDSPACE_HOME", str(tmp_path / "home"))
    corpus = write_sentences(tmp_path / "c.txt", planted_sentences(n_sentences=50)[0])
    for extra, message in ((["--checkpoint-every", "30m"], "give --checkpoint-every 1e"),
                           (["--model", "ppmi-svd"], "--model ppmi-svd trains in one "
                                                     "process: run it without torchrun")):
        assert main(["train", str(corpus), "-o", str(tmp_path / "m"), *extra]) == 2
        assert message in capsys.readouterr().err
    assert nothing_cached(tmp_path / "home")  # nothing read, nothing cached


def test_a_rank_s_error_line_says_which_rank_it_is(tmp_path, monkeypatch, capsys):
    """Log lines said "[rank 1]", but error lines, interleaved by the launcher, did not."""
    from wordspace.cli import main

    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "1")
    monkeypatch.setenv("WORDSPACE_HOME", str(tmp_path / "home"))
    corpus = write_sentences(tmp_path / "c.txt", planted_sentences(n_sentences=50)[0])
    train = ["train", str(corpus), "-o", str(tmp_path / "m")]
    assert main([*train, "--checkpoint-every", "30m"]) == 2  # the command line's fault
    assert capsys.readouterr().err.startswith("[rank 1] wordspace: error: a distributed run "
                                              "checkpoints at epoch ends")
    monkeypatch.setenv("MASTER_PORT", "notaport")  # another error
    assert main(train) == 2
    assert capsys.readouterr().err.startswith("[rank 1] wordspace: error: MASTER_PORT=")


def test_an_update_under_torchrun_trains_every_rank_s_share_together(tmp_path):
    _needs_torch()
    from wordspace.models import SkipGram

    first = write_sentences(tmp_path / "old.txt", planted_sentences(n_sentences=300)[0])
    SkipGram(dim=8, epochs=1, progress=False).fit(Corpus(first, min_count=1)).save(tmp_path / "m")
    path, _ = _split_corpus(tmp_path / "new.txt")
    results = _finish(_launch(["-m", "wordspace", "train", str(path), "-o",
                               str(tmp_path / "u"), "--update", str(tmp_path / "m"),
                               "--epochs", "2", "--workers", "1", "--min-count", "1",
                               "--quiet"]))
    assert [code for code, _ in results] == [0, 0], results
    report = json.loads((tmp_path / "u" / "training.json").read_text())
    # both ranks' shares, counted together (each rank alone had half: never synchronised)
    assert report["epoch_words"] == [Corpus(path, min_count=1, progress=False).n_tokens] * 2


def test_ranks_given_other_options_refuse_before_reading(tmp_path, monkeypatch):
    _needs_torch()
    monkeypatch.setenv("WORDSPACE_HOME", str(tmp_path / "home"))
    corpus = write_sentences(tmp_path / "c.txt", planted_sentences(n_sentences=200)[0])
    port = _free_port()
    procs = [_launch_rank(["-m", "wordspace", "train", str(corpus), "-o", str(tmp_path / "m"),
                           "--window", str(window)], rank, 2, port)
             for rank, window in enumerate((5, 2))]
    results = _finish(procs)
    assert [code for code, _ in results] == [2, 2], results
    assert "different options (window: 2 on rank 1, 5 on rank 0)" in results[0][1]
    assert nothing_cached(tmp_path / "home") and not (tmp_path / "m").exists()


def test_what_one_rank_lacks_stops_every_rank_at_once(tmp_path, monkeypatch):
    """A rank whose resource check fails (here: no GPU, where rank 0 has the simulator)
    still meets the others and says so, instead of leaving them waiting to join (for
    WORDSPACE_DIST_TIMEOUT, 60 s here; 30 min by default)."""
    _needs_torch()
    monkeypatch.setenv("WORDSPACE_HOME", str(tmp_path / "home"))
    corpus = write_sentences(tmp_path / "c.txt", planted_sentences(n_sentences=200)[0])
    argv = ["-m", "wordspace", "train", str(corpus), "-o", str(tmp_path / "m"), "--device",
            "cuda", "--quiet"]
    port = _free_port()
    started = time.monotonic()
    procs = [_launch_rank(argv, rank, 2, port, env={"NUMBA_ENABLE_CUDASIM": sim})
             for rank, sim in enumerate(("1", "0"))]
    results = _finish(procs)
    assert [code for code, _ in results] == [2, 2], results
    assert "rank 1: " in results[0][1] and "(this rank stops too)" in results[0][1]
    assert time.monotonic() - started < 50  # not the collective timeout
    assert nothing_cached(tmp_path / "home") and not (tmp_path / "m").exists()


def test_a_rank_whose_kernels_fail_to_compile_stops_every_rank_at_once(tmp_path,
                                                                      monkeypatch):
    """The kernels are compiled before the clock starts, after the ranks have met: a
    rank failing there tells the others as a failed job would (they heard only that
    its connection closed, and a rank whose caller caught the error left them waiting
    for the group's timeout)."""
    _needs_torch()
    monkeypatch.setenv("WORDSPACE_HOME", str(tmp_path / "home"))
    corpus = write_sentences(tmp_path / "c.txt", planted_sentences(n_sentences=200)[0])
    args = ["train", str(corpus), "-o", str(tmp_path / "m"), "--quiet"]
    script = ("import os, sys\nimport wordspace.train as driver\n"
              "def failing(*args, **kwargs):\n    raise MemoryError('compiling failed')\n"
              "if os.environ['RANK'] == '1':\n    driver._compile = failing\n"
              f"from wordspace.cli import main\nsys.exit(main({args!r}))\n")
    port = _free_port()
    started = time.monotonic()
    results = _finish([_launch_rank(["-c", script], rank, 2, port) for rank in range(2)])
    assert all(code != 0 for code, _ in results), results
    assert "compiling failed" in results[1][1]
    assert "rank 1 of 2 failed (see its log)" in results[0][1], results[0][1]
    assert time.monotonic() - started < 50  # not the collective timeout
    assert not (tmp_path / "m").exists()


def test_a_rank_refusing_its_own_paths_stops_every_rank_at_once(tmp_path, monkeypatch):
    """Launched by hand (SLURM), rank 1 given an -o that is no model (or a checkpoint
    path that is no checkpoint) stopped alone, and rank 0 waited to join it until the
    group's timeout (30 min by default)."""
    _needs_torch()
    monkeypatch.setenv("WORDSPACE_HOME", str(tmp_path / "home"))
    corpus = write_sentences(tmp_path / "c.txt", planted_sentences(n_sentences=200)[0])
    mine = tmp_path / "notes"
    mine.mkdir()
    (mine / "thesis.txt").write_text("mine\n")
    port = _free_port()
    started = time.monotonic()
    procs = [_launch_rank(["-m", "wordspace", "train", str(corpus), "-o", str(out),
                           "--checkpoint-every", "1e", "--quiet"], rank, 2, port)
             for rank, out in enumerate((tmp_path / "m", mine))]
    results = _finish(procs)
    assert [code for code, _ in results] == [2, 2], results
    assert "rank 1: " in results[0][1] and "(this rank stops too)" in results[0][1]
    assert str(mine) in results[1][1]
    assert time.monotonic() - started < 50  # not the collective timeout
    assert (mine / "thesis.txt").read_text() == "mine\n" and not (tmp_path / "m").exists()


def test_sigterm_while_joining_the_group_ends_the_rank(tmp_path):
    """A rank waiting for the others to join is blocked in torch's C++, where the Python
    handler of --checkpoint-every's stop never runs: SIGTERM (twice, even) was ignored
    until the group's timeout. Nothing is trained yet, so it ends the rank there."""
    _needs_torch()
    corpus = write_sentences(tmp_path / "c.txt", planted_sentences(n_sentences=50)[0])
    proc = _launch_rank(["-m", "wordspace", "train", str(corpus), "-o", str(tmp_path / "m"),
                         "--checkpoint-every", "1e", "--quiet"], 0, 2, _free_port())
    time.sleep(8)  # imported and waiting for rank 1, which never comes
    assert proc.poll() is None, proc.communicate()
    proc.send_signal(signal.SIGTERM)
    code, _ = _finish([proc], timeout=20)[0]
    assert code == -signal.SIGTERM and not (tmp_path / "m").exists()


#: a rank's command with SIGINT raising KeyboardInterrupt, as a terminal's Ctrl-C does,
#: even where the tests run with it ignored (a child inherits that)
_CTRL_C_HEARD = ("import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler)"
                 "; from wordspace.cli import main; sys.exit(main())")


def test_ctrl_c_while_joining_the_group_ends_the_rank_which_says_what_it_waits_for(
        tmp_path):
    """A rank waiting for the others to join sat in torch's C++, where Python's SIGINT
    handler never runs: Ctrl-C was ignored until the group's timeout, and nothing said
    what the rank waited for."""
    _needs_torch()
    corpus = write_sentences(tmp_path / "c.txt", planted_sentences(n_sentences=50)[0])
    port = _free_port()
    proc = _launch_rank(["-c", _CTRL_C_HEARD, "train", str(corpus), "-o", str(tmp_path / "m"),
                         "--quiet"], 1, 2, port)
    said = "..."
    while said and "waiting up to" not in said:  # until the notice (or the end: a failure)
        said = proc.stderr.readline()
    assert (f"[rank 1] WARNING wordspace.distributed.group: waiting up to 60 s "
            f"(WORDSPACE_DIST_TIMEOUT) for the other ranks of 2 to join at 127.0.0.1:{port} "
            "(MASTER_ADDR:MASTER_PORT); Ctrl-C ends this rank") in said, said
    proc.send_signal(signal.SIGINT)
    code, _ = _finish([proc], timeout=20)[0]
    assert code == -signal.SIGINT and not (tmp_path / "m").exists()


_GATHER = textwrap.dedent('''
    import signal, sys, time
    signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal
    from wordspace.distributed import RankFailed, current_group
    group = current_group()
    print("joined", flush=True)
    if group.rank == 1:
        time.sleep(float(sys.argv[1]))  # slow: reading a larger share, say
    try:
        group.all_gather(group.rank, what="the vocabulary's merge")
    except RankFailed as e:
        sys.exit(str(e))
''')


def test_ctrl_c_while_a_rank_waits_in_a_collective_ends_it():
    """Waiting for a slower rank in the vocabulary's merge (any collective of the main
    thread), a rank ignored Ctrl-C until the group's timeout."""
    _needs_torch()
    procs = _launch(["-c", _GATHER, "60"])
    try:
        assert procs[0].stdout.readline() == "joined\n", _finish(procs)
        time.sleep(1)  # in the gather
        procs[0].send_signal(signal.SIGINT)
        assert procs[0].wait(timeout=20) == -signal.SIGINT
    finally:
        for proc in procs:
            proc.kill()
            proc.communicate()


def test_a_rank_slower_than_the_timeout_is_said_to_be_so_not_to_have_failed():
    """A rank still reading when the others reach the vocabulary's merge (a larger share,
    a cold cache) was reported as "another rank failed or disappeared", leaving the
    user to look for a failure that never was instead of raising the timeout."""
    _needs_torch()
    port = _free_port()
    procs = [_launch_rank(["-c", _GATHER, "8"], rank, 2, port,
                          env={"WORDSPACE_DIST_TIMEOUT": "3"}) for rank in range(2)]
    code, err = _finish(procs)[0]
    assert code == 1 and ("rank 0 of 2: waited WORDSPACE_DIST_TIMEOUT=3 s for the other "
                          "ranks during the vocabulary's merge, in vain: a rank merely "
                          "slower by that much (reading a larger share, or from a cold "
                          "cache) counts as lost. Raise WORDSPACE_DIST_TIMEOUT") in err, err


def test_ranks_that_never_join_are_said_not_to_have_joined(tmp_path):
    """torch said only "Timed out after 3 seconds waiting for clients", naming neither
    the timeout's setting nor where the ranks were to meet."""
    _needs_torch()
    corpus = write_sentences(tmp_path / "c.txt", planted_sentences(n_sentences=50)[0])
    port = _free_port()
    proc = _launch_rank(["-m", "wordspace", "train", str(corpus), "-o", str(tmp_path / "m"),
                         "--quiet"], 0, 2, port, env={"WORDSPACE_DIST_TIMEOUT": "3"})
    code, err = _finish([proc], timeout=60)[0]
    assert code == 2 and (f"rank 0 of 2: the other ranks did not join within "
                          f"WORDSPACE_DIST_TIMEOUT=3 s at 127.0.0.1:{port} "
                          "(MASTER_ADDR:MASTER_PORT; torch: ") in err, err
    assert "or raise WORDSPACE_DIST_TIMEOUT where a rank starts later" in err


def test_a_checkpoint_of_other_ranks_is_refused_by_every_rank_before_reading(
        tmp_path, monkeypatch):
    _needs_torch()
    monkeypatch.setenv("WORDSPACE_HOME", str(tmp_path / "home"))
    corpus = write_sentences(tmp_path / "c.txt", planted_sentences(n_sentences=200)[0])
    mark_ranks(tmp_path / "model.partial", 3)
    (tmp_path / "model.partial" / "rank-2").mkdir()  # a rank's checkpoint (a bare mark binds none)
    results = _finish(_launch(_cli_train(corpus, tmp_path / "model")))
    assert [code for code, _ in results] == [2, 2], results
    assert all("run of 3 ranks, this run has 2" in err for _, err in results)
    assert nothing_cached(tmp_path / "home")  # refused before reading


def test_a_checkpoint_folder_not_shared_by_the_ranks_is_refused(tmp_path):
    """Two machines, each its own disk: rank 0 removes the checkpoint it made, so rank
    1's would be left behind, and no resume could see every rank's."""
    _needs_torch()
    port, procs = _free_port(), []
    for rank in range(2):
        node = tmp_path / f"node{rank}"
        node.mkdir()
        write_sentences(node / "c.txt", planted_sentences(n_sentences=200)[0])
        procs.append(_launch_rank(_cli_train(Path("c.txt"), Path("model")), rank, 2, port,
                                  cwd=node))
    results = _finish(procs)
    assert all(code != 0 for code, _ in results), results
    assert "model.partial is not on a file system all ranks share: rank(s) 1 of 2" \
        in results[0][1]
    assert not (tmp_path / "node1" / "model.partial").exists()


# -- training on two processes --------------------------------------------------------------
_TRAIN = textwrap.dedent('''
    import hashlib, json, sys
    from wordspace import Corpus, GaussianSkipGram, SkipGram
    from wordspace.distributed import SyncSettings, current_group
    corpus_path, out, kind, combine = sys.argv[1:5]
    corpus = Corpus(corpus_path, min_count=1, progress=False)
    common = dict(dim=16, window=3, epochs=4, sample=0, workers=1, seed=1, progress=False)
    model = (SkipGram(**common, alpha=0.05) if kind == "sgns" else
             GaussianSkipGram(**common, energy="kl"))
    model.fit(corpus, sync=SyncSettings(interval=0.05, combine=combine))
    group = current_group()
    digest = hashlib.sha1()
    for name in model._arrays:  # every saved parameter array
        digest.update(getattr(model, name).tobytes())
    r = model.report_
    with open(f"{out}/rank{group.rank}.json", "w") as f:
        json.dump({"words": r.words, "epoch_words": r.epoch_words, "pairs": r.pairs,
                   "tokens": int(corpus.n_tokens), "vocab": model.vocab_.words,
                   "counts": model.vocab_.counts.tolist(), "digest": digest.hexdigest()}, f)
    if group.rank == 0:
        model.save(f"{out}/model")
''')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _launch(argv: list[str], world: int = 2, port: int | None = None) -> list[subprocess.Popen]:
    """``world`` processes of ``python argv...`` in one gloo group, as torchrun starts them."""
    port = port or _free_port()
    return [_launch_rank(argv, rank, world, port) for rank in range(world)]


def _launch_rank(argv: list[str], rank: int, world: int, port: int,
                 cwd: Path | None = None, env: dict | None = None) -> subprocess.Popen:
    env = {**os.environ, "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port),
           "RANK": str(rank), "WORLD_SIZE": str(world), "LOCAL_RANK": str(rank),
           "WORDSPACE_DIST_TIMEOUT": "60", **(env or {})}
    return subprocess.Popen([sys.executable, *argv], env=env, text=True, cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _finish(procs: list[subprocess.Popen], timeout: float = 240) -> list[tuple[int, str]]:
    out = []
    for p in procs:
        _, err = p.communicate(timeout=timeout)
        out.append((p.returncode, err))
    return out


def _split_corpus(path: Path) -> tuple[Path, list[list[str]]]:
    """Planted groups 0-1 in the first half of the file and 2-3 in the second: rank 0
    never reads groups 2-3, rank 1 never 0-1."""
    first, groups = planted_sentences(n_groups=2, n_sentences=900, seed=1)
    second, _ = planted_sentences(n_groups=2, n_sentences=900, seed=2)
    second = [[w.replace("g0", "g2").replace("g1", "g3") for w in s] for s in second]
    groups = groups + [[w.replace("g0", "g2").replace("g1", "g3") for w in g] for g in groups]
    return write_sentences(path, first + second), groups


@pytest.mark.parametrize("kind,combine", [("sgns", "sum"), ("sgns", "average"),
                                          ("gaussian", "sum")])
def test_two_processes_train_every_token_once_and_end_with_identical_parameters(
        tmp_path, kind, combine):
    _needs_torch()
    path, groups = _split_corpus(tmp_path / "corpus.txt")
    script = tmp_path / "train.py"
    script.write_text(_TRAIN)
    results = _finish(_launch([str(script), str(path), str(tmp_path), kind, combine]))
    assert [code for code, _ in results] == [0, 0], results
    ranks = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in range(2)]
    whole = Corpus(path, min_count=1, progress=False)
    for rank in ranks:  # every token of every shard, once per epoch, counted on each rank
        assert rank["epoch_words"] == [whole.n_tokens] * 4
        assert rank["vocab"] == whole.vocab.words
        assert rank["counts"] == whole.vocab.counts.tolist()
    assert ranks[0]["tokens"] + ranks[1]["tokens"] == whole.n_tokens
    assert min(r["tokens"] for r in ranks) > 0.4 * whole.n_tokens  # balanced shares
    assert ranks[0]["digest"] == ranks[1]["digest"]  # bit-identical parameters
    from wordspace import load_model

    model = load_model(tmp_path / "model")
    group_of = {w: i for i, g in enumerate(groups) for w in g}
    # rank 0 read no sentence of groups 2 and 3: it knows them through rank 1
    hits = [group_of[n] == group_of[w]
            for w in group_of for n, _ in model.vectors.most_similar(w, topn=4)]
    assert np.mean(hits) > 0.95


def _cli_train(corpus: Path, out: Path, *extra: str) -> list[str]:
    return ["-m", "wordspace", "train", str(corpus), "-o", str(out), "--dim", "12",
            "--epochs", "6", "--sample", "0", "--seed", "5", "--workers", "1",
            "--min-count", "1", "--quiet", "--checkpoint-every", "1e", *extra]


def test_a_killed_rank_stops_the_other_and_the_same_command_resumes(tmp_path):
    _needs_torch()
    corpus = write_sentences(tmp_path / "corpus.txt",
                             planted_sentences(n_sentences=40_000, seed=4)[0])
    out = tmp_path / "model"
    partial = tmp_path / "model.partial"
    procs = _launch(_cli_train(corpus, out))
    deadline = time.monotonic() + 120
    while not (partial / "rank-1").exists() and time.monotonic() < deadline \
            and all(p.poll() is None for p in procs):
        time.sleep(0.02)
    assert (partial / "rank-1").exists(), _finish(procs)
    procs[1].send_signal(signal.SIGKILL)
    killed = time.monotonic()
    code, err = _finish(procs[:1], timeout=60)[0]
    assert time.monotonic() - killed < 30  # no hang
    assert code != 0 and "rank" in err and "failed" in err, err
    assert not out.exists()
    procs[1].wait()
    again = _finish(_launch(_cli_train(corpus, out)))
    assert [c for c, _ in again] == [0, 0], again
    assert "resuming from" in again[0][1]
    report = json.loads((out / "training.json").read_text())
    assert report["epoch_words"] == [Corpus(corpus, min_count=1, progress=False).n_tokens] * 6
    assert not partial.exists()  # removed by rank 0 once the model was written


def test_sigterm_to_one_rank_stops_every_rank_with_a_checkpoint_and_the_command_resumes(
        tmp_path):
    """A scheduler's pre-emption: SIGTERM (here to rank 1 only; torchrun and SLURM send
    it to every rank) is agreed in the next control round, so every rank stops at its
    next job boundary, where they meet, fully synchronised: each checkpoints its own
    position (inside an epoch, as it may be) and exits 143. The same command resumes
    every rank from there."""
    _needs_torch()
    corpus = write_sentences(tmp_path / "corpus.txt",
                             planted_sentences(n_sentences=40_000, seed=4)[0])
    out, partial = tmp_path / "model", tmp_path / "model.partial"
    procs = _launch(_cli_train(corpus, out, "--epochs", "12"))
    deadline = time.monotonic() + 120
    while not (partial / "rank-1").exists() and time.monotonic() < deadline \
            and all(p.poll() is None for p in procs):
        time.sleep(0.02)
    assert (partial / "rank-1").exists(), _finish(procs)
    time.sleep(0.15)  # into the next epoch, most likely
    procs[1].send_signal(signal.SIGTERM)
    asked = time.monotonic()
    results = _finish(procs, timeout=60)
    assert time.monotonic() - asked < 30
    assert [code for code, _ in results] == [128 + signal.SIGTERM] * 2, results
    assert all("stopped on request" in err for _, err in results), results
    heads = [json.loads((partial / f"rank-{r}" / "checkpoint.json").read_text())
             for r in range(2)]
    assert heads[0]["meeting"] == heads[1]["meeting"] > 0  # one meeting of the ranks
    assert not out.exists()
    procs = _launch(_cli_train(corpus, out, "--epochs", "12"))
    said = [p.communicate(timeout=240) for p in procs]
    again = [(p.returncode, err) for p, (_, err) in zip(procs, said, strict=True)]
    assert [c for c, _ in again] == [0, 0], again
    assert all("resuming from" in err for _, err in again)
    assert "(resumed: the training time counts the interrupted runs too)" in said[0][0]
    assert json.loads((out / "training.json").read_text())["resumed"] is True
    report = json.loads((out / "training.json").read_text())
    assert report["epoch_words"] == [Corpus(corpus, min_count=1, progress=False).n_tokens] * 12
    assert not partial.exists()


def test_a_run_killed_while_its_ranks_write_checkpoints_resumes_from_one_they_all_have(
        tmp_path):
    """Killed between a rank's two steps of writing (its last checkpoint renamed to the
    previous, the new one not yet published) while another rank had published: the
    ranks' last checkpoints differ, and the run resumes from the one before."""
    _needs_torch()
    import shutil

    corpus = write_sentences(tmp_path / "corpus.txt",
                             planted_sentences(n_sentences=40_000, seed=4)[0])
    out, partial = tmp_path / "model", tmp_path / "model.partial"
    procs = _launch(_cli_train(corpus, out))
    deadline = time.monotonic() + 120
    while not all((partial / f"rank-{r}.previous").exists() for r in range(2)) \
            and time.monotonic() < deadline and all(p.poll() is None for p in procs):
        time.sleep(0.02)
    for p in procs:
        p.send_signal(signal.SIGKILL)
        p.wait()
    assert all((partial / f"rank-{r}.previous").exists() for r in range(2))

    def position(rank: int) -> int:  # -1: killed between its rename and its publish
        head = partial / f"rank-{rank}" / "checkpoint.json"
        return json.loads(head.read_text())["position"] if head.exists() else -1

    ahead = 0 if position(0) > position(1) else 1  # killed before publishing its newest
    shutil.rmtree(partial / f"rank-{ahead}", ignore_errors=True)
    again = _finish(_launch(_cli_train(corpus, out)))
    assert [c for c, _ in again] == [0, 0], again
    assert f"resuming from {partial / f'rank-{ahead}.previous'}" in again[ahead][1]
    report = json.loads((out / "training.json").read_text())
    assert report["epoch_words"] == [Corpus(corpus, min_count=1, progress=False).n_tokens] * 6
    assert not partial.exists()


def test_a_fresh_run_over_an_earlier_start_s_mark_does_not_say_it_resumed(tmp_path):
    """A start stopped before any rank's first checkpoint (refused after rank 0 marked
    the folder, or pre-empted in the first epoch) leaves the marked folder alone: the
    next start trains from the beginning, and its last line must not say "resumed"."""
    _needs_torch()
    corpus = write_sentences(tmp_path / "corpus.txt",
                             planted_sentences(n_sentences=300, seed=4)[0])
    out, partial = tmp_path / "model", tmp_path / "model.partial"
    mark_ranks(partial, 2)  # what rank 0 leaves before the ranks' first epoch end
    procs = _launch(_cli_train(corpus, out, "--epochs", "2"))
    said = [p.communicate(timeout=240) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], said
    assert not any("resuming from" in err for _, err in said), said
    assert "model written to" in said[0][0] and "resumed" not in said[0][0], said[0][0]
    assert json.loads((out / "training.json").read_text())["resumed"] is False
    assert not partial.exists()


def test_a_distributed_job_requeued_after_it_finished_keeps_its_model(tmp_path):
    """Slurm's requeue runs every rank's command again: each rank sees the model the
    run wrote, and all exit at once, the model untouched (unless all see it, all train)."""
    _needs_torch()
    corpus = write_sentences(tmp_path / "corpus.txt",
                             planted_sentences(n_sentences=300, seed=4)[0])
    out = tmp_path / "model"
    assert [c for c, _ in _finish(_launch(_cli_train(corpus, out, "--epochs", "2")))] == [0, 0]
    written = {f.name: f.stat().st_mtime_ns for f in out.iterdir()}
    procs = _launch(_cli_train(corpus, out, "--epochs", "2"))
    said = [p.communicate(timeout=240) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], said
    assert said[0][0].startswith(f"{out} already holds the model this command trained")
    assert said[1][0] == ""  # rank 0 says it
    assert {f.name: f.stat().st_mtime_ns for f in out.iterdir()} == written


def test_a_checkpoint_is_resumed_only_by_as_many_ranks_as_made_it(tmp_path):
    path = tmp_path / "run.partial"
    mark_ranks(path, 2)
    mark_ranks(path, 2)  # again: already so
    (path / "rank-1").mkdir()  # a rank's checkpoint (damaged, even: the run's own)
    with pytest.raises(CheckpointMismatch, match="run of 2 ranks, this run has 3"):
        mark_ranks(path, 3)
    from wordspace.models import SkipGram

    corpus = Corpus(planted_sentences(n_sentences=100)[0], min_count=1)
    with pytest.raises(CheckpointMismatch, match="run of 2 ranks: resume it as it was made"):
        SkipGram(dim=8, epochs=1, progress=False).fit(corpus, checkpoint=path)


def test_a_bare_mark_of_a_start_stopped_before_any_checkpoint_binds_no_later_run(tmp_path):
    """A 2-rank start interrupted before its first epoch's end (or refused: a folder not
    shared) leaves rank 0's mark alone: a later run of one process, or of 3 ranks, was
    refused as if it would resume a checkpoint of 2 ranks, though nothing was saved."""
    from wordspace.engine.checkpoint import check_ranks, holds_training, is_marked_for
    from wordspace.models import SkipGram

    path = tmp_path / "run.partial"
    mark_ranks(path, 2)
    assert not holds_training(path) and not check_ranks(path, 3)
    mark_ranks(path, 3)  # marked anew
    assert is_marked_for(path, 3)
    corpus = Corpus(planted_sentences(n_sentences=100)[0], min_count=1)
    model = SkipGram(dim=8, epochs=1, progress=False).fit(corpus, checkpoint=path)
    assert not model.report_.resumed and not path.exists()  # trained, then removed


def test_the_learning_rate_scales_with_the_ranks_as_measured():
    assert SyncSettings().rate_scale_for(1) == 1.0
    assert SyncSettings().rate_scale_for(8) == 1.0  # summed: every update once
    assert SyncSettings(combine="average").rate_scale_for(4) == 4.0
    assert SyncSettings(rate_scale=1).rate_scale_for(8) == 1.0


def test_a_resumed_run_s_bar_starts_at_every_rank_s_words_so_far(tmp_path, monkeypatch):
    """The bar counts every rank's words, but a resumed run's started at rank 0's own
    (a sixth of the run here, not the third that both ranks' first epoch is), then
    jumped to the whole run's at the first round."""
    from wordspace import train as driver
    from wordspace.models import SkipGram

    path = write_sentences(tmp_path / "c.txt", planted_sentences(n_sentences=300)[0])
    checkpoint = tmp_path / "run.partial"

    class Interrupt:  # after the first epoch's checkpoint, before the second's
        def __init__(self):
            self.epochs = 0

        def on_epoch_end(self, model, report):
            self.epochs += 1
            if self.epochs == 2:
                raise RuntimeError("interrupted")

    def fit(group, callbacks=()):
        corpus = Corpus(path, shard=group, progress=False, min_count=1, cache=False)
        SkipGram(dim=8, epochs=3, workers=1, seed=1, progress=True).fit(
            corpus, checkpoint=checkpoint, callbacks=list(callbacks))
        return corpus.n_tokens

    first = _on_ranks(2, lambda g: fit(g, [Interrupt()]), _TrainingThreadGroup)
    assert all(str(r) == "interrupted" for r in first), first
    bars, real = [], driver.progress_bar

    def recorded(**kwargs):
        if kwargs["enable"]:
            bars.append(kwargs)
        return real(**{**kwargs, "enable": False})

    monkeypatch.setattr(driver, "progress_bar", recorded)
    tokens = _on_ranks(2, fit, _TrainingThreadGroup)
    assert all(isinstance(n, int) for n in tokens), tokens
    assert bars == [dict(total=3 * sum(tokens), unit="w", desc="training", enable=True,
                         initial=sum(tokens))]  # both ranks' first epoch


def test_sync_settings_are_checked():
    with pytest.raises(ValueError, match="combine must be"):
        SyncSettings(combine="max")
    with pytest.raises(ValueError, match="rate_scale"):
        SyncSettings(rate_scale=0)
    with pytest.raises(ValueError, match="interval"):
        SyncSettings(interval=0)
    from wordspace.models import PPMISVD

    with pytest.raises(TypeError, match="no checkpoint, checkpoint_every, restart, callbacks "
                                        "or sync"):
        PPMISVD().fit([["a", "b"]], sync=SyncSettings())


def test_hot_rounds_follow_the_ruler_sequence():
    from wordspace.distributed.sync import ruler_rows

    assert [ruler_rows(n, 1024) // 1024 for n in range(1, 17)] == \
        [1, 2, 1, 4, 1, 2, 1, 8, 1, 2, 1, 4, 1, 2, 1, 16]


class _Pair:
    """Rank ``rank`` of two threads, over a fake all-reduce and broadcast on ``board``."""

    def __init__(self, rank, board):
        self.rank, self.world, self.board = rank, 2, board

    def all_reduce(self, array, what=""):
        self.board["in"][self.rank] = array.copy()
        self.board["barrier"].wait()
        array[...] = self.board["in"][0] + self.board["in"][1]
        self.board["barrier"].wait()
        return array

    def broadcast(self, array, source=0, what=""):
        self.board["in"][self.rank] = array.copy()
        self.board["barrier"].wait()
        array[...] = self.board["in"][source]
        self.board["barrier"].wait()
        return array


def _started_pair(boundaries_only=(False, False), stop_asked=(None, None), words=(0, 0),
                  project=None):
    """Two started Synchronisers over 4096 x 3 arrays (rank 1's start from 1s, then take
    rank 0's zeros); row 4095 is reached by the 2048th hot round only."""
    from wordspace.distributed.sync import Synchroniser

    board = {"in": [None, None], "barrier": threading.Barrier(2, timeout=30)}
    arrays = [np.zeros((4096, 3), np.float32) + r for r in range(2)]
    syncs = [Synchroniser(_Pair(r, board), {"w": arrays[r]}, lambda r=r: words[r],
                          SyncSettings(interval=0.01, rows=2),
                          boundaries_only=boundaries_only[r], stop_asked=stop_asked[r],
                          project=project)
             for r in range(2)]
    threads = [threading.Thread(target=s.start) for s in syncs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    np.testing.assert_array_equal(arrays[1], 0)  # rank 0's parameters everywhere
    return syncs, arrays


def _finish_pair(syncs):
    finishing = [threading.Thread(target=s.finish) for s in syncs]
    for t in finishing:
        t.start()
    for t in finishing:
        t.join(30)


def test_the_sync_rounds_exchange_changes_not_values():
    """Two ranks as threads over a fake all-reduce: each one's change reaches the other
    once, a change made during a round is kept, and a full sync makes them equal."""
    syncs, arrays = _started_pair()
    arrays[0][0] += 1.0  # a hot row's change on rank 0
    arrays[1][4095] += 2.0  # a cold row's change on rank 1: only a full sync carries it
    time.sleep(0.2)
    np.testing.assert_array_equal(arrays[1][0], 1.0)  # arrived once, not more
    np.testing.assert_array_equal(arrays[0][0], 1.0)
    np.testing.assert_array_equal(arrays[0][4095], 0.0)
    _finish_pair(syncs)
    np.testing.assert_array_equal(arrays[0], arrays[1])
    assert arrays[0][4095, 0] == 2.0 and arrays[0][0, 0] == 1.0
    assert all(s.full_syncs == 1 and s.error is None for s in syncs)
    assert hashlib.sha1(arrays[0].tobytes()).digest() == hashlib.sha1(arrays[1].tobytes()).digest()


def test_rows_a_sum_of_changes_takes_out_of_bounds_come_back_once_on_every_rank():
    """Each rank's steps keep a row in its objective's bounds (a Gaussian's variances),
    the sum of two ranks' changes need not: the rounds project the synchronised rows
    back, alike on every rank, and the projection is no change a later round sends."""
    def clip(arrays, rows):  # bounds of [-1, 1]
        np.clip(arrays["w"][:rows], -1.0, 1.0, out=arrays["w"][:rows])

    syncs, arrays = _started_pair(project=clip)
    for a in arrays:
        a[0] += 0.8  # a hot row: 1.6 once summed
        a[4095] += 0.8  # a cold row: carried by the full synchronisation only
    time.sleep(0.3)  # many rounds: a projection sent as a change would grow back
    assert all(s.rounds > 5 for s in syncs)
    for a in arrays:
        np.testing.assert_array_equal(a[0], 1.0)
        np.testing.assert_array_equal(a[4095], np.float32(0.8))
    _finish_pair(syncs)
    np.testing.assert_array_equal(arrays[0], arrays[1])
    np.testing.assert_array_equal(arrays[0][[0, 4095]], 1.0)


def test_the_gaussian_objective_projects_rows_into_its_bounds():
    from wordspace.engine.checkpoint import param_arrays
    from wordspace.engine.params import GaussianParams
    from wordspace.losses import MaxMarginLoss

    loss = MaxMarginLoss("kl", margin=1.0, mu_max=2.0, var_min=0.1, var_max=5.0)
    rng = np.random.default_rng(0)
    for tied in (True, False):
        means = rng.normal(0, 3, (6, 4)).astype(np.float32)
        means[0] = 0.1  # inside the bounds: kept as it is
        variances = rng.normal(0, 4, (6, 4)).astype(np.float32)
        variances[0] = 1.0  # inside the bounds too
        context = {} if tied else dict(context_means=means * 2, context_variances=variances * 2)
        params = GaussianParams(means.copy(), variances.copy(), **context)
        arrays = param_arrays(params)
        loss.project(arrays, 4)
        loss.project({name: a[:0] for name, a in arrays.items()}, 1024)  # past the end
        for m, v in ((params.means, params.variances),
                     (params.context_means, params.context_variances)):
            assert (np.linalg.norm(m[:4], axis=1) <= 2.0 + 1e-5).all()
            assert ((v[:4] >= 0.1) & (v[:4] <= 5.0)).all()
        np.testing.assert_array_equal(params.means[4:], means[4:])  # rows past 4 as given
        np.testing.assert_array_equal(params.variances[4:], variances[4:])
        np.testing.assert_array_equal(params.means[0], means[0])
        np.testing.assert_array_equal(params.variances[0], variances[0])


def test_a_device_rank_s_parameters_meet_the_others_only_at_boundaries():
    # rank 1 trains on a device, which writes its host arrays back whole at epoch ends:
    # no hot round may touch them in between, on any rank (the rounds stay collective)
    syncs, arrays = _started_pair(boundaries_only=(False, True))
    arrays[0][0] += 1.0
    time.sleep(0.2)
    assert syncs[0].rounds > 3 and syncs[1].rounds > 3  # the rounds go on ...
    np.testing.assert_array_equal(arrays[1][0], 0.0)  # ... without the hot rows
    arrays[1][0] += 5.0  # the device's epoch, written back
    _finish_pair(syncs)
    np.testing.assert_array_equal(arrays[0], arrays[1])
    assert arrays[0][0, 0] == 6.0  # both changes, once each


@pytest.mark.parametrize("checkpoints", [False, True])
def test_a_failure_offers_a_resume_only_where_the_run_checkpoints(monkeypatch, checkpoints):
    """Every rank's failure said "Run the same command again to resume from the last
    checkpoint", also in a run that writes none (no --checkpoint-every): running it
    again starts over."""
    from wordspace.distributed import group as group_module
    from wordspace.distributed.group import Group, run_checkpoints

    monkeypatch.setitem(group_module._RUN, "checkpoints", False)
    run_checkpoints(checkpoints)
    resume = "Run the command again, without --restart, to resume from the last checkpoint"
    syncs, _ = _started_pair()
    syncs[1].abort()  # rank 1 failed: rank 0 hears it in the next round
    syncs[0]._thread.join(30)
    assert "rank 1 of 2 failed (see its log); rank 0 stops too" in str(syncs[0].error)
    assert (resume in str(syncs[0].error)) is checkpoints
    group = Group.__new__(Group)  # a collective that fails, as gloo's do
    group.rank, group.world, group._group = 0, 2, None
    for said in ("Connection closed by peer [127.0.0.1]:1234",
                 "[unbound_buffer.cc:129] Timed out waiting 3000ms for recv operation"):
        def collective(group, said=said):
            raise RuntimeError(said)
        with pytest.raises(RuntimeError) as failed:
            group._call("a control round", collective)
        assert "see the other ranks' logs" in str(failed.value)
        assert (resume in str(failed.value)) is checkpoints


@pytest.mark.parametrize("finished", [False, True])
def test_a_stop_asked_on_one_rank_is_agreed_by_every_rank_and_they_leave_cleanly(finished):
    """Rank 1 is asked to stop: both ranks learn it in the same round, meet at their
    next boundaries (fully synchronised, one meeting: the words both had trained), and
    leave without an error; or rank 0 had finished its share, and its final wait is the
    meeting."""
    asked = threading.Event()
    syncs, arrays = _started_pair(stop_asked=(None, asked.is_set), words=(300, 400))
    arrays[1][4095] += 2.0  # a cold row: only the meeting's full sync carries it
    asked.set()
    deadline = time.monotonic() + 10
    while not all(s.stop_agreed for s in syncs) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert all(s.stop_agreed for s in syncs)

    def rank(r):
        if r == 0 and finished:
            syncs[0].finish()  # a rank done with its share: it checkpoints after
        else:
            syncs[r].wait()
            syncs[r].release()  # (the checkpoint is written here)
        syncs[r].leave()

    threads = [threading.Thread(target=rank, args=(r,)) for r in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not any(t.is_alive() for t in threads)
    assert all(not s._thread.is_alive() and s.error is None for s in syncs)
    assert syncs[0].met_words == syncs[1].met_words == 700
    np.testing.assert_array_equal(arrays[0], arrays[1])
    assert arrays[0][4095, 0] == 2.0


def test_a_stop_agreed_after_a_meeting_is_for_the_next_one_on_every_rank():
    """A stop agreed while one rank is still busy with a meeting (a slow epoch-end
    callback, say) is not that meeting's on any rank, whenever each looks: all stop at
    the next one, so their checkpoints share it."""
    asked = threading.Event()
    syncs, _ = _started_pair(stop_asked=(asked.is_set, None))

    def meet():
        threads = [threading.Thread(target=s.wait) for s in syncs]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)

    meet()
    asked.set()  # while both are still at the first meeting (not released)
    deadline = time.monotonic() + 10
    while not all(s.stop_agreed for s in syncs) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert all(s.stop_agreed and not s.stop_at_meeting for s in syncs)
    for s in syncs:
        s.release()
    meet()
    assert all(s.stop_at_meeting for s in syncs)
    assert syncs[0].met_words == syncs[1].met_words
    for s in syncs:
        s.release()
    leaving = [threading.Thread(target=s.leave) for s in syncs]
    for t in leaving:
        t.start()
    for t in leaving:
        t.join(30)
    assert all(not s._thread.is_alive() and s.error is None for s in syncs)


@pytest.mark.parametrize("positions,meets", [((75, 74), [True, False]),
                                               ((75, 75), [False, False]),
                                               ((80, 74), [False, False])])
def test_a_rank_resumed_at_an_epoch_start_meets_one_resumed_inside_the_epoch_before(
        positions, meets):
    """Stopped on request while rank 0 waited at an epoch's end (25 jobs an epoch) and
    rank 1 was one job short of it: resumed, rank 0 must first meet rank 1 at that
    epoch's end, or every later epoch end would pair rank 0's epoch k + 1 with rank 1's
    k. Ranks both at epoch starts, or both inside epochs, need no such meeting."""
    from types import SimpleNamespace

    from wordspace.train import _choose_checkpoint

    def choose(group):
        head = SimpleNamespace(meeting_key=1234, position=positions[group.rank])
        checkpointer = SimpleNamespace(path="last", keep_previous=False,
                                       heads=lambda: {"last": head})
        return _choose_checkpoint(group, checkpointer, 25, "corpus")

    assert _on_ranks(2, choose) == meets


def test_plain_cuda_means_the_local_rank_s_device_under_a_launcher(monkeypatch):
    from wordspace.cuda.device import parse_device

    monkeypatch.delenv("WORLD_SIZE", raising=False)
    assert parse_device("cuda") == 0
    monkeypatch.setenv("WORLD_SIZE", "8")
    monkeypatch.setenv("LOCAL_RANK", "3")
    assert parse_device("cuda") == 3  # one GPU per process, the same command everywhere
    assert parse_device("cuda:1") == 1  # named: as named
