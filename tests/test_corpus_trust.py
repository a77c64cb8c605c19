"""Trust in the corpus reader and its cache (issue 10): concurrent runs share a cache,
an edited file is never served stale, a damaged cache is rebuilt (never a segfault), a
damaged compressed file is a clear error, any line and any token is read in bounded
memory and linear time, token patterns cannot hang, and arbitrary bytes give a correct
result or a clear error."""

from __future__ import annotations

import bz2
import errno
import gzip
import json
import logging
import lzma
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

import wordspace._io as _io
import wordspace.corpus as corpus_module
from wordspace import Corpus, CorpusError, Documents, SourceChangedError
from wordspace._io import _opener
from wordspace.corpus import make_tokenizer

COMPRESSORS = {"gz": gzip.compress, "bz2": bz2.compress, "xz": lzma.compress}
MAGIC = (b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00")  # what a damaged file may still start with


def write_corpus(path: Path, n_lines: int = 300, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(60)]
    lines = [" ".join(rng.choice(words, size=rng.integers(1, 15))) for _ in range(n_lines)]
    path.write_text("\n".join(lines) + "\n")
    return path


def run_python(code: str, *args: str, env: dict | None = None, timeout: float = 120):
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})


# -- 1. concurrent runs share one cache ----------------------------------------------------
READER = """
import sys, time
from wordspace import Corpus
start = float(sys.argv[2])
time.sleep(max(0.0, start - time.time()))
c = Corpus(sys.argv[1], min_count=1, progress=False)
print(c.n_tokens, len(c), c.vocab.words[:3], int(c.tokens.sum()))
"""


def start_together(path: Path, home: Path, n: int) -> list[subprocess.CompletedProcess]:
    """``n`` processes reading ``path`` with cache home ``home``, started at one instant."""
    start = time.time() + 1.5  # after every interpreter has started
    env = {**os.environ, "WORDSPACE_HOME": str(home)}
    procs = [subprocess.Popen([sys.executable, "-c", READER, str(path), str(start)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(n)]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        results.append(subprocess.CompletedProcess(p.args, p.returncode, out, err))
    return results


def test_concurrent_runs_with_an_empty_cache_all_succeed(tmp_path):
    path = write_corpus(tmp_path / "c.txt", n_lines=10_000)
    expected = Corpus(path, min_count=1, cache=False, progress=False)
    for rep in range(2):
        home = tmp_path / f"home{rep}"
        results = start_together(path, home, 4)
        for r in results:
            assert r.returncode == 0, r.stderr
            assert r.stdout.split()[0] == str(expected.n_tokens)
        assert len({r.stdout for r in results}) == 1
        caches = list((home / "corpora").iterdir())
        assert len(caches) == 1 and not caches[0].name.startswith(".")  # no leftovers


def test_concurrent_runs_on_a_damaged_cache_all_succeed(tmp_path, monkeypatch):
    path = write_corpus(tmp_path / "c.txt", n_lines=10_000)
    for rep in range(2):
        home = tmp_path / f"home{rep}"
        built = run_python("import sys; from wordspace import Corpus; "
                           "print(Corpus(sys.argv[1], min_count=1, progress=False).cache_dir)",
                           str(path), env={"WORDSPACE_HOME": str(home)})
        cache = Path(built.stdout.strip())
        os.truncate(cache / ("tokens.npy" if rep == 0 else "offsets.npy"), 100)
        results = start_together(path, home, 4)
        for r in results:
            assert r.returncode == 0, r.stderr
        assert len({r.stdout for r in results}) == 1
        assert any("unusable" in r.stderr for r in results)
        monkeypatch.setenv("WORDSPACE_HOME", str(home))
        assert Corpus(path, min_count=1, progress=False).cache_dir == cache  # rebuilt in place


# -- 2. the cache key sees content ---------------------------------------------------------
def test_a_file_edited_in_place_with_its_mtime_restored_is_read_again(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("a b a c\n")
    info = path.stat()
    first = Corpus(path, min_count=1)
    assert first.vocab.words[0] == "a"
    path.write_text("d b d c\n")  # same size
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert path.stat().st_size == info.st_size and path.stat().st_mtime_ns == info.st_mtime_ns
    again = Corpus(path, min_count=1)
    assert again.vocab.words[0] == "d" and again.cache_dir != first.cache_dir


def test_the_cache_key_hashes_the_start_and_end_of_the_file(tmp_path, monkeypatch):
    monkeypatch.setattr(_io, "FINGERPRINT_BYTES", 4)  # the middle is not read
    path = tmp_path / "c.txt"
    path.write_text("a b a c d d\n")
    key = _io.file_fingerprint(path)
    for edited in ("x b a c d d\n", "a b a c d x\n"):  # the first bytes, the last bytes
        path.write_text(edited)
        assert _io.file_fingerprint(path)[-1] != key[-1]
    path.write_text("a b x c d d\n")  # the middle: only the times can tell
    assert _io.file_fingerprint(path)[-1] == key[-1]


# -- 3. a damaged cache is rebuilt, never trusted ----------------------------------------
def corrupt(cache: Path, how: str) -> None:
    tokens = np.load(cache / "tokens.npy")
    if how == "truncated tokens":
        os.truncate(cache / "tokens.npy", (cache / "tokens.npy").stat().st_size - 7)
    elif how == "garbage tokens":
        (cache / "tokens.npy").write_bytes(os.urandom(300))
    elif how == "int64 tokens":
        np.save(cache / "tokens.npy", tokens.astype(np.int64))
    elif how == "float tokens":
        np.save(cache / "tokens.npy", tokens.astype(np.float32))
    elif how == "out-of-range id":
        tokens[len(tokens) // 2] = 10_000_000
        np.save(cache / "tokens.npy", tokens)
    elif how == "negative id":
        tokens[3] = -5
        np.save(cache / "tokens.npy", tokens)
    elif how == "offsets past the end":
        offsets = np.load(cache / "offsets.npy")
        offsets[-1] += 1000
        np.save(cache / "offsets.npy", offsets)
    elif how == "offsets not rising":
        offsets = np.load(cache / "offsets.npy")
        offsets[1], offsets[2] = offsets[2], offsets[1]
        np.save(cache / "offsets.npy", offsets)
    elif how == "short sentence_line":
        np.save(cache / "sentence_line.npy", np.load(cache / "sentence_line.npy")[:-1])
    elif how == "garbage vocab":
        (cache / "vocab.tsv").write_bytes(b"\xff\xfe\x00garbage\n" * 3)
    elif how == "short vocab":
        lines = (cache / "vocab.tsv").read_text().splitlines()
        (cache / "vocab.tsv").write_text("\n".join(lines[:-2]) + "\n")
    elif how == "garbage meta":
        (cache / "meta.json").write_bytes(b"\x00{not json")
    elif how == "missing tokens":
        (cache / "tokens.npy").unlink()
    elif how == "an id changed to another word's":  # every id still in range
        tokens[len(tokens) // 2] = 0 if tokens[len(tokens) // 2] else 1
        np.save(cache / "tokens.npy", tokens)
    elif how == "two words swapped":  # the counts left in place, still in order
        lines = (cache / "vocab.tsv").read_text().splitlines()
        words = [line.split("\t") for line in lines]
        words[1][0], words[2][0] = words[2][0], words[1][0]  # line 0 is the header
        (cache / "vocab.tsv").write_text("".join("\t".join(w) + "\n" for w in words))
    elif how == "no checksums":  # as a cache of the previous format
        meta = json.loads((cache / "meta.json").read_text())
        del meta["crc32"]
        (cache / "meta.json").write_text(json.dumps(meta))
    else:  # pragma: no cover
        raise AssertionError(how)


DAMAGES = ["truncated tokens", "garbage tokens", "int64 tokens", "float tokens",
           "out-of-range id", "negative id", "offsets past the end", "offsets not rising",
           "short sentence_line", "garbage vocab", "short vocab", "garbage meta",
           "missing tokens", "an id changed to another word's", "two words swapped",
           "no checksums"]


@pytest.mark.parametrize("how", DAMAGES)
def test_a_damaged_cache_is_rebuilt(tmp_path, caplog, how):
    path = write_corpus(tmp_path / "c.txt")
    fresh = Corpus(path, min_count=1, progress=False)
    expected = (fresh.tokens.tolist(), fresh.offsets.tolist(), fresh.vocab.words)
    cache = fresh.cache_dir
    del fresh
    corrupt(cache, how)
    with caplog.at_level(logging.WARNING):
        again = Corpus(path, min_count=1, progress=False)
    assert "the cached encoding is unusable" in caplog.text and "rebuilding" in caplog.text
    assert again.cache_dir == cache
    assert (again.tokens.tolist(), again.offsets.tolist(), again.vocab.words) == expected
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        Corpus(path, min_count=1, progress=False)  # the rebuilt cache is used as it is
    assert "unusable" not in caplog.text
    assert not [p for p in cache.parent.iterdir() if p.name.startswith(".")]


def test_a_damaged_documents_cache_is_rebuilt(tmp_path, caplog):
    path = tmp_path / "docs.txt"
    path.write_text("a b c\nb c d\n\nc d e\n")
    fresh = Documents(path, min_count=1, progress=False)
    (fresh.cache_dir / "ids.json").write_text(json.dumps(["0"]))  # too few ids
    with caplog.at_level(logging.WARNING):
        again = Documents(path, min_count=1, progress=False)
    assert "ids.json" in caplog.text
    assert again.ids == [0, 1, 2, 3]  # a blank line is an empty document, as in gensim
    # ids swapped (the list still well formed), a sentence given to another document
    ids = json.loads((again.cache_dir / "ids.json").read_text())
    (again.cache_dir / "ids.json").write_text(json.dumps([ids[1], ids[0], *ids[2:]]))
    for damaged in ("ids.json", "sentence_line.npy"):
        if damaged == "sentence_line.npy":
            lines = np.load(again.cache_dir / damaged)
            np.save(again.cache_dir / damaged, np.array([0, 0, 3], lines.dtype))
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            rebuilt = Documents(path, min_count=1, progress=False)
        assert f"{damaged}: its content changed since the cache was written" in caplog.text
        assert rebuilt.ids == [0, 1, 2, 3] and list(rebuilt.doc_of_sentence) == [0, 1, 3]


def test_a_cache_load_reads_its_tokens_once(tmp_path, monkeypatch, caplog):
    # the ids' range is taken in the checksum's pass over tokens.npy, not in a second
    # pass of the mapped array's min() and max()
    path = write_corpus(tmp_path / "c.txt")
    expected = Corpus(path, min_count=1, progress=False).tokens.tolist()

    def second_pass(*args, **kwargs):
        raise AssertionError("tokens.npy read a second time")

    monkeypatch.setattr(np.memmap, "min", second_pass, raising=False)
    monkeypatch.setattr(np.memmap, "max", second_pass, raising=False)
    with caplog.at_level(logging.WARNING):
        corpus = Corpus(path, min_count=1, progress=False)
    assert corpus.cache_dir is not None and not caplog.text  # loaded, not rebuilt
    assert corpus.tokens.tolist() == expected


TRAIN_ON_DAMAGED_CACHE = """
import sys
import numpy as np
from wordspace import Corpus, SkipGram
path = sys.argv[1]
cache = Corpus(path, min_count=1, progress=False).cache_dir
tokens = np.load(cache / "tokens.npy")
tokens[len(tokens) // 2] = int(sys.argv[2])
np.save(cache / "tokens.npy", tokens)
corpus = Corpus(path, min_count=1, progress=False)
model = SkipGram(dim=8, epochs=1, workers=1, seed=0, sample=0, progress=False).fit(corpus)
print("trained", model.report_.words == corpus.n_tokens,
      bool(np.isfinite(model.input_vectors_).all()))
"""


@pytest.mark.parametrize("bad_id", ["50000000", "-3"])
def test_training_on_a_cache_with_bad_ids_rebuilds_it_and_trains(tmp_path, bad_id):
    # In a subprocess: an id past the end used to segfault the kernel.
    path = write_corpus(tmp_path / "c.txt")
    r = run_python(TRAIN_ON_DAMAGED_CACHE, str(path), bad_id,
                   env={"WORDSPACE_HOME": str(tmp_path / "home")})
    assert r.returncode == 0, r.stderr[-2000:]
    assert "trained True True" in r.stdout
    assert "ids range from" in r.stderr and "rebuilding" in r.stderr


# -- 4. damaged compressed files -------------------------------------------------------------
@pytest.mark.parametrize("kind", sorted(COMPRESSORS))
@pytest.mark.parametrize("damage", ["truncated", "corrupt"])
def test_a_damaged_compressed_corpus_is_a_clear_error(tmp_path, kind, damage):
    text = write_corpus(tmp_path / "plain.txt", n_lines=3000).read_bytes()
    data = bytearray(COMPRESSORS[kind](text))
    if damage == "truncated":
        data = data[:len(data) * 2 // 3]
    else:
        for i in range(len(data) // 2, len(data) // 2 + 16):
            data[i] ^= 0x5A
    path = tmp_path / f"c.txt.{kind}"
    path.write_bytes(bytes(data))
    with pytest.raises(CorpusError) as info:
        Corpus(path, min_count=1, progress=False)
    message = str(info.value)
    assert str(path) in message and "truncated or corrupt" in message
    assert "bytes of text" in message and f"of {len(data):,} in the file" in message
    assert "Traceback" not in message


def test_a_damaged_compressed_documents_file_is_a_clear_error(tmp_path):
    records = "".join(json.dumps({"id": f"d{i}", "text": f"word{i % 7} other"}) + "\n"
                      for i in range(2000))
    data = gzip.compress(records.encode())
    path = tmp_path / "docs.jsonl.gz"
    path.write_bytes(data[:len(data) // 2])
    with pytest.raises(CorpusError, match=r"docs\.jsonl\.gz: the gzip data is truncated"):
        Documents(path, min_count=1, progress=False)


def test_a_damaged_compressed_file_fails_the_cli_cleanly(tmp_path):
    path = tmp_path / "c.txt.xz"
    text = write_corpus(tmp_path / "plain.txt", n_lines=3000).read_bytes()
    packed = lzma.compress(text)
    path.write_bytes(packed[:len(packed) // 2])
    r = subprocess.run([sys.executable, "-m", "wordspace.cli", "train", str(path), "-o",
                        str(tmp_path / "model"), "--min-count", "1"], capture_output=True,
                       text=True, timeout=120,
                       env={**os.environ, "WORDSPACE_HOME": str(tmp_path / "home")})
    assert r.returncode != 0
    assert "truncated or corrupt" in r.stderr and "Traceback" not in r.stderr


# -- 5. any line, any token: bounded memory, linear time, short messages -------------------
def test_long_tokens_are_cut_in_messages(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("x" * 900 + "\n")
    with pytest.raises(CorpusError) as info:
        Corpus(path, min_count=2, progress=False)
    assert len(str(info.value)) < 400 and "(900 characters)" in str(info.value)


@pytest.mark.parametrize("pattern", [None, r"\w+"])
def test_a_huge_line_without_spaces_reads_in_bounded_memory_and_linear_time(
        tmp_path, caplog, pattern):
    path = tmp_path / "blob.txt"
    size = 40 << 20
    with open(path, "wb") as f:
        f.write(b"hello world\nbefore ")
        for _ in range(size >> 20):
            f.write(b"a" * (1 << 20))
        f.write(b" after\nend\n")
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with caplog.at_level(logging.WARNING):
            c = Corpus(path, min_count=1, cache=False, progress=False, token_pattern=pattern)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    elapsed = time.perf_counter() - started
    assert list(c) == [["hello", "world"], ["before", "after"], ["end"]]
    assert "1 token(s) longer than max_token_length=1000 characters were left out" \
        in caplog.text
    assert peak < 12 << 20, f"peak {peak / 2**20:.0f} MiB for a {size >> 20} MiB line"
    assert elapsed < 20


def test_max_token_length_leaves_out_longer_tokens_with_one_warning(tmp_path, caplog):
    path = tmp_path / "c.txt"
    path.write_text("ok " + "y" * 12 + " fine\n" + "z" * 11 + " ok\n")
    with caplog.at_level(logging.WARNING):
        c = Corpus(path, min_count=1, max_token_length=10, progress=False)
    assert list(c) == [["ok", "fine"], ["ok"]]
    assert caplog.text.count("longer than max_token_length") == 1
    assert "2 token(s) longer than max_token_length=10" in caplog.text
    with pytest.raises(ValueError, match="max_token_length must be an integer"):
        Corpus(path, max_token_length=0)


# -- 6. token patterns cannot hang ---------------------------------------------------------
@pytest.mark.parametrize("pattern", [r"(a+)+$", r"(a|a)*$", r"(\w+\s?)+$", r"(.*a){20}",
                                     r"(a)\1", r"(?:a?)+b", r"(x+x+)+y", r"a*a*a*a*b",
                                     r"\w+\w*\w+!", r".*a.*a.*b"])
def test_catastrophic_patterns_are_refused_up_front(tmp_path, pattern):
    path = tmp_path / "c.txt"
    path.write_text("a" * 5000 + "b\n")
    started = time.perf_counter()
    with pytest.raises(ValueError, match="exponential"):
        Corpus(path, min_count=1, token_pattern=pattern, progress=False)
    with pytest.raises(ValueError, match="exponential"):
        make_tokenizer(False, pattern)  # as a loaded model's infer() calls it
    assert time.perf_counter() - started < 2


@pytest.mark.parametrize("pattern", [r"a*", r"\w*", r"(?:\w+)?", r"x|", r"\b\w*"])
def test_a_pattern_matching_the_empty_string_is_refused_before_reading(tmp_path, pattern):
    # it used to fail at the corpus's first empty token, after a read of the file
    with pytest.raises(ValueError, match="matches the empty string"):
        Corpus(tmp_path / "never-read.txt", min_count=1, token_pattern=pattern)
    with pytest.raises(ValueError, match=r"\+ rather than \*"):
        make_tokenizer(False, pattern)


@pytest.mark.parametrize("pattern", [r"[a-z]+(?: [a-z]+)?", r" [a-z]+", r"[^\n]+", r".+",
                                     r"[a-z ]+", r"(?<=\s)\w+"])
def test_patterns_that_can_match_whitespace_are_refused(pattern):
    # cut into pieces at whitespace, such a pattern would find tokens findall never does
    with pytest.raises(ValueError, match="can match whitespace"):
        make_tokenizer(False, pattern)


@pytest.mark.parametrize("pattern,tokens", [
    (r"\w+", ["it's", "a", "well", "known", "fact", "x", "1", "5"]),
    (r"\w+(?:[-']\w+)*", ["it's", "a", "well-known", "fact", "x", "1", "5"]),
    (r"(?u)\b\w\w+\b", ["it", "well", "known", "fact"]),
    (r"[A-Za-z]+|\d+(?:\.\d+)?", ["it", "s", "a", "well", "known", "fact", "x", "1.5"]),
])
def test_ordinary_patterns_are_accepted(pattern, tokens):
    got = make_tokenizer(False, pattern)("it's a well-known fact: x 1.5")
    if pattern == r"\w+":
        tokens = ["it", "s", "a", "well", "known", "fact", "x", "1", "5"]
    assert got == tokens


def test_an_accepted_pattern_on_a_long_adversarial_text_finishes(tmp_path):
    tokenize = make_tokenizer(False, r"\w+x")  # quadratic on 'aaa...' in one piece
    started = time.perf_counter()
    assert tokenize("a" * 100_000) == []
    assert time.perf_counter() - started < 5


# -- 7. fuzzing: arbitrary bytes give a correct result or a clear error --------------------
UNIVERSAL_NEWLINE = re.compile(r"\r\n|\r|\n")  # as Python's universal newlines


def split_lines(data: bytes) -> list[str]:
    """The lines of ``data``: a lone \r ends one only in an old Mac file (its first 64 KiB
    hold a \r and no \n); elsewhere it is whitespace inside its line. A leading UTF-8
    byte-order mark is no text (the reader drops it, as gensim's UTF-8 readers do)."""
    data = data.removeprefix(b"\xef\xbb\xbf")
    text = data.decode("utf-8", errors="replace")
    head = data[:1 << 16]
    return (UNIVERSAL_NEWLINE if b"\r" in head and b"\n" not in head else re.compile("\n")
            ).split(text)


def reference(data: bytes, limit: int) -> list[list[str]]:
    lines = [[t for t in line.split() if len(t) <= limit] for line in split_lines(data)]
    return [tokens for tokens in lines if tokens]


def read(data: bytes, block: int, limit: int):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "c"
        path.write_bytes(data)
        with mock.patch.object(corpus_module, "_BLOCK_BYTES", block):
            return list(Corpus(path, min_count=1, cache=False, progress=False,
                               max_token_length=limit))


texts = st.one_of(
    st.binary(max_size=300),
    st.lists(st.sampled_from([b"a", b"bb", b" ", b"\n", b"\t", b"\r", b"\xc3\xa9", b"\xff",
                              b"\xe3\x80\x80", b"\xc3", b"ccccccc", b"\x0b"]),
             max_size=80).map(b"".join),
)
def assert_refused(error: CorpusError, data: bytes, expected: list) -> None:
    """A file is refused only as binary (it holds a NUL byte, which no text does) or as
    empty (no token)."""
    if b"\0" in data:
        assert "binary, not text" in str(error)
    else:
        assert not expected and "empty" in str(error)


FUZZ = settings(max_examples=80, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(data=texts, block=st.sampled_from([1, 2, 3, 7, 64, 1 << 20]),
       limit=st.sampled_from([1, 3, 6, 1000]))
@example(data=b"\xef", block=1 << 20, limit=1000)  # a BOM's first bytes, nothing after:
@example(data=b"\xef\xbb", block=1, limit=1000)  # text (U+FFFD), not an empty corpus
def test_fuzz_plain_files_read_like_the_reference(data, block, limit):
    assume(not data.startswith(MAGIC))
    expected = reference(data, limit)
    try:
        got = read(data, block, limit)
    except CorpusError as e:
        assert_refused(e, data, expected)
        return
    assert b"\0" not in data and got == expected


@FUZZ
@given(data=texts, kind=st.sampled_from(sorted(COMPRESSORS)),
       damage=st.sampled_from(["none", "truncate", "flip"]), where=st.floats(0, 1))
@example(data=b"\xef", kind="bz2", damage="none", where=0.0)  # found by this test
def test_fuzz_compressed_files_give_the_text_or_a_clear_error(data, kind, damage, where):
    packed = bytearray(COMPRESSORS[kind](data))
    at = min(int(where * len(packed)), len(packed) - 1)
    if damage == "truncate":
        packed = packed[:at]
    elif damage == "flip":
        packed[at] ^= 0xFF
    # a damaged header that no longer reads as compressed (bzip2's block size, say) is text
    expected = reference(data if _opener(bytes(packed)) else bytes(packed), 1000)
    try:
        got = read(bytes(packed), 1 << 20, 1000)
    except CorpusError as e:
        if damage == "none":
            assert_refused(e, data, expected)
        return
    assert got == expected  # every format checks a CRC: damage that decodes changed nothing


@FUZZ
@given(data=texts, block=st.sampled_from([1, 2, 5, 64]), piece=st.sampled_from([2, 4, 8]),
       limit=st.sampled_from([1, 3, 1000]),
       pattern=st.sampled_from([r"\w+", r"[abc]+", r"[^\s]+", r"\w"]))
@example(data=b"\xef\xbb\xbf", block=1, piece=2, limit=1, pattern=r"[^\s]+")  # found by it
def test_fuzz_pattern_tokenising_in_parts_matches_findall(data, block, piece, limit, pattern):
    assume(not data.startswith(MAGIC))
    lines = [[t for t in re.findall(pattern, line) if len(t) <= limit]
             for line in split_lines(data)]
    expected = [tokens for tokens in lines if tokens]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "c"
        path.write_bytes(data)
        with mock.patch.object(corpus_module, "_BLOCK_BYTES", block), \
                mock.patch.object(corpus_module, "PIECE_CHARS", piece):
            try:
                got = list(Corpus(path, min_count=1, cache=False, progress=False,
                                  max_token_length=limit, token_pattern=pattern))
            except CorpusError as e:
                assert_refused(e, data, expected)
                return
    assert b"\0" not in data and got == expected


def test_a_saved_model_with_a_catastrophic_pattern_is_refused_not_run(tmp_path):
    # The pattern in a model directory is data from whoever wrote it: infer() must not
    # run "(a+)+$" on the user's text (it would take longer than the universe has).
    from wordspace import PVDBOW, load_model

    docs = Documents([("a", "aa b aa b"), ("b", "b aa aa")], min_count=1,
                     token_pattern=r"\w+", progress=False)
    PVDBOW(dim=4, epochs=1, workers=1, progress=False).fit(docs).save(tmp_path / "m")
    edited = 0
    for f in (tmp_path / "m").rglob("*.json"):
        text = f.read_text()
        if '"token_pattern"' in text:
            f.write_text(text.replace(json.dumps(r"\w+"), json.dumps(r"(a+)+$")))
            edited += 1
    assert edited
    started = time.perf_counter()
    with pytest.raises(ValueError, match="exponential"):
        load_model(tmp_path / "m").dv.infer("a" * 5000 + "b")
    assert time.perf_counter() - started < 10


def test_a_vocabulary_file_error_shows_a_short_line(tmp_path):
    from wordspace import Vocabulary

    path = tmp_path / "vocab.tsv"
    path.write_text("the\t5\n" + "x" * 100_000 + "\n")
    with pytest.raises(ValueError) as info:
        Vocabulary.load_tsv(path)
    assert "vocab.tsv:2" in str(info.value) and "(100,000 characters)" in str(info.value)
    assert len(str(info.value)) < 300


def regexes(depth: int = 3):
    """Small patterns over a, b, - and \\w, with groups, alternation and quantifiers."""
    atom = st.sampled_from(["a", "b", "-", r"\w", "[ab]", "[a-]", "."])
    quantifier = st.sampled_from(["", "", "*", "+", "?", "{2}", "{1,3}"])

    def extend(inner):
        group = st.tuples(st.lists(inner, min_size=1, max_size=3), quantifier).map(
            lambda t: "(?:" + "".join(t[0]) + ")" + t[1])
        alternation = st.tuples(inner, inner, quantifier).map(
            lambda t: f"(?:{t[0]}|{t[1]}){t[2]}")
        return st.one_of(group, alternation)

    return st.recursive(st.tuples(atom, quantifier).map("".join), extend, max_leaves=6)


@settings(max_examples=150, deadline=None)
@given(pattern=regexes())
def test_every_accepted_pattern_fails_fast_on_adversarial_text(pattern):
    import signal

    try:
        tokenize = make_tokenizer(False, pattern + "$")
    except ValueError:
        return  # refused up front: fine
    texts = [unit * (3000 // len(unit)) + "!"
             for unit in ("a", "b", "-", "ab", "a-", "-a", "aab", "a-b")]

    def too_slow(*_):
        raise TimeoutError(f"{pattern}$ was accepted but backtracks for over 2 s")

    old = signal.signal(signal.SIGALRM, too_slow)
    signal.alarm(2)
    try:
        for text in texts:
            tokenize(text)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def test_documents_errors_show_short_ids_and_fields(tmp_path):
    long_id = "i" * 100_000
    path = tmp_path / "docs.jsonl"
    path.write_text(json.dumps({"id": long_id, "text": "a b"}) + "\n"
                    + json.dumps({"id": long_id, "text": "b c"}) + "\n")
    with pytest.raises(CorpusError) as info:
        Documents(path, min_count=1, progress=False)
    assert "(100,000 characters)" in str(info.value) and len(str(info.value)) < 300
    path.write_text(json.dumps({"k" * 100_000: 1}) + "\n")
    with pytest.raises(CorpusError, match="no 'text' field") as info:
        Documents(path, min_count=1, progress=False)
    assert len(str(info.value)) < 300


def test_a_corpus_folder_leaves_out_saved_models_and_refuses_binary_files(tmp_path, caplog):
    from wordspace import SkipGram

    folder = tmp_path / "texts"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("the cat sat on the mat\n" * 20)
    (folder / "sub" / "b.txt").write_text("a dog ran in the park\n" * 20)
    alone = Corpus(folder, min_count=1, cache=False)
    # a model saved inside its corpus's folder, a checkpoint, a hidden file: not text
    SkipGram(dim=4, epochs=1, sample=0, workers=1, progress=False).fit(alone).save(
        folder / "model")
    (folder / "run").mkdir()
    (folder / "run" / "checkpoint.json").write_text('{"kind": "wordspace checkpoint"}')
    (folder / "run" / "state.npy").write_bytes(b"\x93NUMPY\0\0")
    (folder / ".notes.swp").write_bytes(b"\0\1\2")
    with caplog.at_level(logging.WARNING, logger="wordspace.corpus"):
        again = Corpus(folder, min_count=1, cache=False)
    assert again.files == alone.files == [folder / "a.txt", folder / "sub" / "b.txt"]
    assert list(again.vocab.counts) == list(alone.vocab.counts)
    assert sum("left out of the corpus" in r.message for r in caplog.records) == 2
    # any other binary file is refused, named, before anything is read
    (folder / "sub" / "picture.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")
    with pytest.raises(CorpusError, match=r"picture.png is binary, not text \(a NUL byte "
                                          r"at offset 8\).*leave that file out"):
        Corpus(folder, min_count=1, cache=False)
    packed = tmp_path / "utf16.txt.gz"  # compressed: its content is looked at
    packed.write_bytes(gzip.compress("the cat\n".encode("utf-16")))
    with pytest.raises(CorpusError, match="utf16.txt.gz is binary, not text"):
        Corpus(packed, min_count=1, cache=False)


def test_a_leading_byte_order_mark_is_no_part_of_the_first_word(tmp_path):
    plain, marked = tmp_path / "plain.txt", tmp_path / "marked.txt"
    plain.write_text("hello world\nhello there\n", encoding="utf-8")
    marked.write_text("hello world\nhello there\n", encoding="utf-8-sig")  # as Notepad saves
    assert marked.read_bytes().startswith(b"\xef\xbb\xbf")
    read = Corpus(marked, min_count=1, cache=False, progress=False)
    assert read.vocab.words == Corpus(plain, min_count=1, cache=False).vocab.words
    assert read.vocab.words[0] == "hello"
    lines = tmp_path / "docs.txt"  # documents, a line each, and a folder's whole files
    lines.write_text("cat dog\ndog bird\n", encoding="utf-8-sig")
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "a.txt").write_text("cat dog dog", encoding="utf-8-sig")
    for source in (lines, tmp_path / "folder"):
        assert "cat" in Documents(source, min_count=1, cache=False, progress=False).vocab.words


@pytest.mark.parametrize("sentences,message", [
    ([[1, 2, 3]] * 3, r"sentence 0: token 0 \(1\) is of type int, not str"),
    ([[b"a", b"b"]] * 3, r"token 0 \(b'a'\) is of type bytes, not str \(decode bytes first"),
    ([["a", "b"], ["c", 7]], r"sentence 1: token 1 \(7\) is of type int"),
    ([["a"], 5], r"sentence 1 is of type int, not a list of tokens"),
    # not the first of their sentence: each used to become a word, or fail naming nothing
    ([["a", ("t", "u"), "a"]], r"sentence 0: token 1 \(\('t', 'u'\)\) is of type tuple"),
    ([["a", b"x", "a"]], r"sentence 0: token 1 \(b'x'\) is of type bytes, not str \(decode"),
    ([["a", "b"], ["a", ["x"]]], r"sentence 1: token 1 \(\['x'\]\) is of type list"),
    ([["a", "b"], ("a", 7)], r"sentence 1: token 1 \(7\) is of type int"),
    # strings, but no sentence: a dict's keys, a set's items in no set order
    ([["a", "b"], {"a": 1, "b": 2}], r"sentence 1 is a dict, not a list of tokens: its keys"),
    ([{"a", "b"}], r"sentence 0 is a set, not a list of tokens: its items, in no set order"),
])
@pytest.mark.parametrize("lowercase", [False, True])
def test_tokens_that_are_not_strings_are_named(sentences, message, lowercase):
    with pytest.raises(TypeError, match=message):
        Corpus(sentences, min_count=1, progress=False, lowercase=lowercase)


def test_document_tokens_that_are_not_strings_are_named(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text('{"id": "a", "text": "x y"}\n{"id": "b", "text": ["x", 1]}\n')
    with pytest.raises(CorpusError, match=r"d.jsonl:2: token 1 \(1\) is of type int, not "
                                          r"str; a document's text is a string or a list"):
        Documents(path, min_count=1, progress=False, lowercase=True)
    path.write_text('{"id": "a", "text": {"x": 1}}\n')  # used to read as its keys
    with pytest.raises(CorpusError, match=r"d.jsonl:1: a document's text must be a string "
                                          r"or a list of tokens, not dict"):
        Documents(path, min_count=1, progress=False)
    with pytest.raises(CorpusError, match=r"document 1: token 0 \(b'z'\) is of type bytes"):
        Documents([("a", ["x"]), ("b", [b"z"])], min_count=1, progress=False)
    one_shot = (t for t in ["x", 7])  # a generator, read once: still named
    with pytest.raises(CorpusError, match=r"document 0: token 1 \(7\) is of type int"):
        Documents([("a", one_shot)], min_count=1, progress=False)


def test_a_folder_that_cannot_be_read_is_an_error_naming_it(tmp_path, monkeypatch):
    # As root, chmod cannot make a folder unreadable: its listing is made to fail instead.
    folder = tmp_path / "texts"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("the cat sat\n")
    (folder / "sub" / "b.txt").write_text("a dog ran\n")
    scandir = os.scandir

    def refusing(path="."):
        if Path(path) == folder / "sub":
            raise PermissionError(13, "Permission denied", str(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refusing)
    for kind in (Corpus, Documents):
        with pytest.raises(CorpusError, match=r"texts/sub: the folder cannot be read "
                                              r"\(Permission denied\)"):
            kind(folder, min_count=1, cache=False, progress=False)


def test_links_to_folders_are_followed_and_broken_links_and_pipes_refused(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "b.txt").write_text("a dog ran\n")
    folder = tmp_path / "texts"
    folder.mkdir()
    (folder / "linked").symlink_to(elsewhere)  # only a link: used to hold "no files"
    for kind in (Corpus, Documents):
        assert "dog" in kind(folder, min_count=1, cache=False, progress=False).vocab.words
    (folder / "a.txt").write_text("the cat sat\n")  # beside a file: used to be left out
    corpus = Corpus(folder, min_count=1, cache=False, progress=False)
    assert corpus.files == [folder / "a.txt", folder / "linked" / "b.txt"]
    assert {"cat", "dog"} <= set(corpus.vocab.words)
    (folder / "gone.txt").symlink_to(tmp_path / "deleted.txt")
    for kind in (Corpus, Documents):
        with pytest.raises(CorpusError, match=r"gone.txt is a broken symbolic link \(to "
                                              r".*deleted.txt, which does not exist\)"):
            kind(folder, min_count=1, cache=False, progress=False)
    (folder / "gone.txt").unlink()
    os.mkfifo(folder / "pipe")
    with pytest.raises(CorpusError, match=r"texts/pipe is a pipe \(FIFO\), not a text file"):
        Corpus(folder, min_count=1, cache=False, progress=False)


def test_a_folder_or_file_reached_twice_is_read_once_with_a_warning(tmp_path, caplog):
    c, outside = tmp_path / "c", tmp_path / "outside"
    for folder, name, text in ((c / "2023", "a.txt", "old words\n"),
                               (c / "2024", "b.txt", "new words\n"),
                               (outside, "x.txt", "outside words\n")):
        folder.mkdir(parents=True)
        (folder / name).write_text(text)
    (c / "latest").symlink_to("2024")  # was refused: "c/latest is the folder c/2024 again"
    (c / "0-newest").symlink_to("2024")  # sorts before 2024: the path without a link wins
    (c / "2024" / "back").symlink_to("..")  # loops, to the corpus folder and above it
    (c / "up").symlink_to(tmp_path)
    (c / "l1").symlink_to(outside)  # a folder reached only through links: read, once
    (c / "l2").symlink_to(outside)
    (c / "y.txt").symlink_to(outside / "x.txt")  # a file through two links: read once
    (c / "z.txt").symlink_to(c / "2023" / "a.txt")
    with caplog.at_level(logging.WARNING):
        corpus = Corpus(c, min_count=1, cache=False, progress=False)
    assert corpus.files == [c / "2023" / "a.txt", c / "2024" / "b.txt", c / "l1" / "x.txt"]
    assert corpus.vocab.counts.tolist() == [3, 1, 1, 1]  # "words" 3 times, nothing twice
    for line in (f"{c / 'latest'} is the folder {c / '2024'} again (through a link), which "
                 "the corpus reads under that name: left out, so that its files are read once",
                 f"{c / '0-newest'} is the folder {c / '2024'} again",
                 f"{c / 'l2'} is the folder {c / 'l1'} again",
                 f"{c / '2024' / 'back'} is a link back to {c}, a folder holding it (a loop)",
                 f"{c / 'up'} is a link back to {tmp_path}, a folder holding it (a loop)",
                 f"{c / 'y.txt'} is the file {c / 'l1' / 'x.txt'} again (through a link): "
                 f"read once, as {c / 'l1' / 'x.txt'}",
                 f"{c / 'z.txt'} is the file {c / '2023' / 'a.txt'} again"):
        assert line in caplog.text
    assert Documents(c, min_count=1, cache=False, progress=False).ids == [
        "2023/a.txt", "2024/b.txt", "l1/x.txt"]


def test_a_nul_byte_anywhere_is_refused_naming_the_file_and_offset(tmp_path, monkeypatch):
    text = b"the cat sat on the mat\n" * 4000  # 92,000 bytes: past the 64 KiB looked at first
    at = len(text) - 5
    data = text[:at] + b"\0" + text[at:]
    plain = tmp_path / "late.txt"
    plain.write_bytes(data)
    packed = tmp_path / "late.txt.gz"
    packed.write_bytes(gzip.compress(data))
    for path in (plain, packed):
        with pytest.raises(CorpusError, match=rf"late.txt(.gz)? is binary, not text \(a NUL "
                                              rf"byte at offset {at:,}\)"):
            Corpus(path, min_count=1, progress=False)
    assert not (Path(os.environ["WORDSPACE_HOME"]) / "corpora").exists() or not [
        p for p in (Path(os.environ["WORDSPACE_HOME"]) / "corpora").iterdir()]  # no cache
    monkeypatch.setattr(corpus_module, "_BLOCK_BYTES", 1000)  # found in a later block too
    with pytest.raises(CorpusError, match=rf"at offset {at:,}\)"):
        Corpus(plain, min_count=1, cache=False, progress=False)
    with pytest.raises(CorpusError, match=r"late.txt is binary, not text \(a NUL byte at "
                                          r"line 4000, character 19\)"):
        Documents(plain, min_count=1, cache=False, progress=False)
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "doc.txt").write_bytes(data)
    with pytest.raises(CorpusError, match=rf"doc.txt is binary, not text \(a NUL byte at "
                                          rf"offset {at:,}\).*leave that file out"):
        Documents(tmp_path / "folder", min_count=1, cache=False, progress=False)


@pytest.mark.parametrize("block", [1, 2, 1 << 20])  # a \r\n cut between two blocks too
def test_lines_ending_in_a_lone_carriage_return_are_lines(tmp_path, monkeypatch, block):
    monkeypatch.setattr(corpus_module, "_BLOCK_BYTES", block)
    mac, windows, unix = tmp_path / "mac.txt", tmp_path / "windows.txt", tmp_path / "unix.txt"
    mac.write_bytes(b"first doc words\rsecond doc words\r\rthird doc\r")
    windows.write_bytes(b"first doc words\r\nsecond doc words\r\n\r\nthird doc\r\n")
    unix.write_bytes(b"first doc words\nsecond doc words\n\nthird doc\n")
    expected = [["first", "doc", "words"], ["second", "doc", "words"], ["third", "doc"]]
    for path in (mac, windows, unix):
        corpus = Corpus(path, min_count=1, cache=False, progress=False)
        assert list(corpus) == expected and list(corpus.sentence_line) == [0, 1, 3]
        docs = Documents(path, min_count=1, cache=False, progress=False)
        assert docs.ids == [0, 1, 2, 3]  # was one document for the Mac file; 2 is empty


def test_a_files_head_is_read_once_to_tell_its_line_ends(tmp_path, monkeypatch):
    """The head read to refuse a binary file also tells whether a lone \r ends lines:
    it was read again for that by the reader (and by the sharding)."""
    from helpers import count_head_reads

    read = count_head_reads(monkeypatch)
    (tmp_path / "mac.txt").write_bytes(b"first doc\rsecond doc\r")
    (tmp_path / "unix.txt").write_bytes(b"first doc\nsecond doc\n")
    for name in ("mac.txt", "unix.txt"):
        for kind in (Corpus, Documents):
            read.clear()
            assert len(kind(tmp_path / name, min_count=1, cache=False, progress=False)) == 2
            assert read == [name]


@pytest.mark.parametrize("block", [1, 2, 1 << 20])
def test_a_stray_carriage_return_inside_a_line_is_whitespace(tmp_path, monkeypatch, block):
    # a lone \r ends a line only in an old Mac file (no \n in its head): a stray one in an
    # LF or CRLF file split its line, shifting every later document id (a line number)
    monkeypatch.setattr(corpus_module, "_BLOCK_BYTES", block)
    unix, windows, packed = tmp_path / "u.txt", tmp_path / "w.txt", tmp_path / "p.txt.gz"
    unix.write_bytes(b"doc zero\ndoc one has a stray\rcarriage return\ndoc two\n")
    windows.write_bytes(unix.read_bytes().replace(b"\n", b"\r\n"))
    packed.write_bytes(gzip.compress(unix.read_bytes()))
    for path in (unix, windows, packed):
        assert Documents(path, min_count=1, cache=False, progress=False).ids == [0, 1, 2]
        corpus = Corpus(path, min_count=1, cache=False, progress=False)
        assert list(corpus.sentence_line) == [0, 1, 2]
        assert list(corpus)[1] == ["doc", "one", "has", "a", "stray", "carriage", "return"]


@pytest.mark.parametrize("error", [errno.ENOSPC, errno.EDQUOT])
def test_a_full_cache_device_falls_back_to_encoding_without_a_cache(tmp_path, monkeypatch,
                                                                   caplog, error):
    path = write_corpus(tmp_path / "c.txt")
    expected = Corpus(path, min_count=1, cache=False, progress=False)
    home = Path(os.environ["WORDSPACE_HOME"])
    write_tokens = Corpus._write_tokens

    def full(out, remap, n_final):  # the cache's device is full; the scratch space is not
        if home in Path(out).parents:
            raise OSError(error, os.strerror(error))
        return write_tokens(out, remap, n_final)

    monkeypatch.setattr(Corpus, "_write_tokens", staticmethod(full))
    with caplog.at_level(logging.WARNING):
        corpus = Corpus(path, min_count=1, progress=False)
    assert corpus.cache_dir is None and corpus.tokens.tolist() == expected.tokens.tolist()
    assert f"the cache could not be written ({os.strerror(error)}); encoding the corpus " \
           "without one" in caplog.text
    assert not list((home / "corpora").iterdir())  # nothing half-written left
    monkeypatch.setattr(Corpus, "_write_tokens", staticmethod(
        lambda *a: (_ for _ in ()).throw(OSError(errno.EIO, "I/O error"))))
    with pytest.raises(OSError, match="I/O error"):  # any other failure fails the run
        Corpus(path, min_count=1, progress=False)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full")
def test_a_full_cache_device_met_by_the_token_write_falls_back(tmp_path, monkeypatch, caplog):
    # tokens.npy was written through a memory map, which on a full device kills the process
    # (SIGBUS, "Bus error") instead of raising ENOSPC; it is now written with write(),
    # here into /dev/full, whose every write fails as a full device's does
    path = write_corpus(tmp_path / "c.txt")
    expected = Corpus(path, min_count=1, cache=False, progress=False)
    home = Path(os.environ["WORDSPACE_HOME"])

    def opening(file, mode="r", *args, **kwargs):
        if Path(file).name == "tokens.npy" and home in Path(file).parents and "w" in mode:
            file = "/dev/full"
        return open(file, mode, *args, **kwargs)

    monkeypatch.setattr(corpus_module, "open", opening, raising=False)
    with caplog.at_level(logging.WARNING):
        corpus = Corpus(path, min_count=1, progress=False)
    assert corpus.cache_dir is None and corpus.tokens.tolist() == expected.tokens.tolist()
    assert "the cache could not be written (No space left on device)" in caplog.text
    assert not list((home / "corpora").iterdir())  # no half-written cache left


def test_a_pipe_or_a_broken_link_is_named_as_such_not_as_missing(tmp_path):
    pipe = tmp_path / "fifo"
    os.mkfifo(pipe)  # what `wordspace train <(cat a.txt)` is given, as /dev/fd/63
    for kind in (Corpus, Documents):
        with pytest.raises(CorpusError, match=r"fifo is a pipe \(FIFO\), not a regular file: "
                                              r"a corpus is read more than once.*save the "
                                              r"text to a file first"):
            kind(pipe, min_count=1, progress=False)
    (tmp_path / "link.txt").symlink_to(tmp_path / "gone.txt")
    with pytest.raises(CorpusError) as error:  # not told to save "the pipe" to a file
        Corpus(tmp_path / "link.txt", min_count=1, progress=False)
    assert str(error.value) == f"{tmp_path / 'link.txt'} is a broken symbolic link (to " \
        f"{tmp_path / 'gone.txt'}, which does not exist): give the path of the corpus file " \
        "itself, or mend the link"
    with pytest.raises(CorpusError, match=r"^/dev/null is a character device, not a regular "
                                          r"file: a corpus is read more than once"):
        Corpus("/dev/null", min_count=1, progress=False)
    socket_path = tmp_path / "sock"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(socket_path))
        with pytest.raises(CorpusError, match=r"sock is a socket, not a regular file or a "
                                              r"folder: a corpus is text files$"):
            Corpus(socket_path, min_count=1, progress=False)
    r = subprocess.run(["bash", "-c", f"{sys.executable} -m wordspace train <(echo a b) "
                                      f"-o {tmp_path / 'm'}"], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode != 0 and "is a pipe (FIFO), not a regular file" in r.stderr


def test_invalid_utf8_is_warned_about_by_file_and_place(tmp_path, caplog, monkeypatch):
    folder = tmp_path / "f4"
    folder.mkdir()
    (folder / "a.txt").write_bytes(b"fine words\n" * 10)
    bad = b"line one\nline two caf\xe9 and \xff\xfe\nthree\n"
    (folder / "b.txt").write_bytes(bad)
    (folder / "c.txt.gz").write_bytes(gzip.compress(b"\xef\xbb\xbf" + bad))  # a BOM too
    monkeypatch.setattr(corpus_module, "_BLOCK_BYTES", 7)  # found in a later block
    with caplog.at_level(logging.WARNING):
        Corpus(folder, min_count=1, cache=False, progress=False)
    messages = [r.getMessage() for r in caplog.records]
    assert f"{folder / 'b.txt'}: 3 byte(s) were not valid UTF-8 and were replaced by U+FFFD " \
           "(the first at offset 21)" in messages  # was "f4: 6 byte(s) ..."
    assert f"{folder / 'c.txt.gz'}: 3 byte(s) were not valid UTF-8 and were replaced by " \
           "U+FFFD (the first at offset 24 of its decompressed text)" in messages
    assert not any("a.txt" in m for m in messages)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        Documents(folder / "b.txt", min_count=1, cache=False, progress=False)
        Documents(folder, min_count=1, cache=False, progress=False)
    messages = [r.getMessage() for r in caplog.records]
    assert f"{folder / 'b.txt'}: 3 byte(s) were not valid UTF-8 and were replaced by U+FFFD " \
           "(the first on line 2)" in messages
    genuine = tmp_path / "genuine.txt"  # a valid U+FFFD on line 1 is no replacement
    genuine.write_bytes("a real \ufffd here\nfine\n".encode() + b"bad \xff byte\n")
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        docs = Documents(genuine, min_count=1, cache=False, progress=False)
    assert f"{genuine}: 1 byte(s) were not valid UTF-8 and were replaced by U+FFFD (the " \
           "first on line 3)" in [r.getMessage() for r in caplog.records]  # was "line 1"
    assert docs.vocab.counts[docs.vocab["\ufffd"]] == 2  # both read as U+FFFD
    assert f"{folder / 'b.txt'}: 3 byte(s) were not valid UTF-8 and were replaced by U+FFFD " \
           "(the first at offset 21)" in messages


def test_a_read_only_cache_home_is_warned_about_once(tmp_path, monkeypatch, caplog):
    path = write_corpus(tmp_path / "c.txt")
    corpora = Path(os.environ["WORDSPACE_HOME"]) / "corpora"
    access = os.access
    # as root every folder is writable: the check is made to say no for the cache's
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if Path(p) == corpora
                        else access(p, mode, **kw))
    with caplog.at_level(logging.WARNING):
        for _ in range(2):
            corpus = Corpus(path, min_count=1, progress=False)
            assert corpus.cache_dir is None and corpus.n_tokens > 0
    warned = [r.getMessage() for r in caplog.records if "cannot be written" in r.getMessage()]
    assert warned == [f"{corpora} cannot be written: encoded corpora are not cached, so each "
                      "run reads its corpus again (set WORDSPACE_HOME to a folder that can be "
                      "written, or pass cache=False)"]


def test_a_cache_home_inside_the_corpus_folder_is_left_out(tmp_path, monkeypatch):
    project = tmp_path / "proj"
    project.mkdir()
    write_corpus(project / "c.txt")
    monkeypatch.chdir(project)
    monkeypatch.setenv("WORDSPACE_HOME", "proj-cache")  # relative, inside the corpus
    first = Corpus(".", min_count=1, progress=False)
    assert first.cache_dir.name.startswith("proj-")  # was "-<digest>": "." has no name
    again = Corpus(".", min_count=1, progress=False)  # used to read the cache as text
    assert again.files == first.files == [Path("c.txt")]
    assert again.tokens.tolist() == first.tokens.tolist()


def test_a_cache_home_that_is_the_corpus_folder_reads_only_its_text(tmp_path, monkeypatch,
                                                                    caplog):
    folder = tmp_path / "h"
    folder.mkdir()
    write_corpus(folder / "c.txt")
    monkeypatch.setenv("WORDSPACE_HOME", str(folder))
    dataset = folder / "datasets" / "tiny"  # a fetched dataset's text: no part of it
    dataset.mkdir(parents=True)
    (dataset / "tiny.txt").write_text("dataset words\n")
    first = Corpus(folder, min_count=1, progress=False)
    shutil.copytree(first.cache_dir, folder / "old-cache")  # an encoding copied: no text
    with caplog.at_level(logging.INFO):
        again = Corpus(folder, min_count=1, progress=False)  # failed: "h/corpora/.../
    assert again.files == first.files == [folder / "c.txt"]  # offsets.npy is binary"
    assert again.tokens.tolist() == first.tokens.tolist() and "dataset" not in again.vocab
    for left_out in ("corpora", "datasets", "old-cache"):
        assert f"{folder / left_out} is wordspace's cache" in caplog.text


@pytest.mark.parametrize("text", [b"BZh is how it starts\nand more text\n",
                                  b"BZh9 and then words\nand more text\n",
                                  b"BZh0\nand more text\n"])
def test_text_starting_like_bzip2_is_text(tmp_path, text):
    path = tmp_path / "plain.txt"
    path.write_bytes(text)  # used to fail: "the bzip2 data is truncated or corrupt"
    expected = [line.split() for line in text.decode().splitlines()]
    assert list(Corpus(path, min_count=1, cache=False, progress=False)) == expected
    packed = tmp_path / "packed"  # real bzip2 is still told by its magic, whatever its name
    packed.write_bytes(bz2.compress(text))
    assert list(Corpus(packed, min_count=1, cache=False, progress=False)) == expected
    packed.write_bytes(bz2.compress(b""))  # an empty stream: its end's magic
    with pytest.raises(CorpusError, match="empty"):
        Corpus(packed, min_count=1, cache=False, progress=False)


def test_a_damaged_bzip2_header_is_damaged_bzip2_not_binary_text(tmp_path):
    data = bytearray(bz2.compress(b"the cat sat on the mat\n" * 50))
    data[5] ^= 0xFF  # the block magic: was "is binary, not text (a NUL byte at offset 14)"
    damaged = tmp_path / "corpus.txt"
    damaged.write_bytes(bytes(data))
    data[:3] = b"XYZ"  # no "BZh" left either: told by the name
    named = tmp_path / "corpus.txt.bz2"
    named.write_bytes(bytes(data))
    for path in (damaged, named):
        with pytest.raises(CorpusError, match=rf"{path.name}: the bzip2 data is truncated or "
                                              r"corrupt .*\(`bzip2 -t`\)"):
            Corpus(path, min_count=1, cache=False, progress=False)
    (tmp_path / "plain.txt.bz2").write_bytes(b"BZh9 misnamed text\n")  # text stays text
    assert list(Corpus(tmp_path / "plain.txt.bz2", min_count=1, cache=False,
                       progress=False)) == [["BZh9", "misnamed", "text"]]


# -- 10. a file that changes while it is read -------------------------------------------------
def change_mid_read(monkeypatch, kind, change) -> None:
    """Make ``change(path)`` happen to each file ``kind`` reads once the first batch of it
    has been read, while the rest is still to be read: deterministically mid-read."""
    monkeypatch.setattr(corpus_module, "_BLOCK_BYTES", 1000)
    monkeypatch.setattr(corpus_module, "_BATCH_TOKENS", 50)
    read_file = kind._read_file

    def reading(self, path, *args, **kwargs):
        for i, batch in enumerate(read_file(self, path, *args, **kwargs)):
            yield batch
            if i == 0:
                change(path)

    monkeypatch.setattr(kind, "_read_file", reading)


def truncate(path: Path) -> None:
    """Cut ``path`` at the end of a line about half way: what is left reads without error."""
    data = path.read_bytes()
    os.truncate(path, data.rindex(b"\n", 0, len(data) // 2) + 1)


def append(path: Path) -> None:
    """Append lines (records, to a JSON-lines file) to ``path``."""
    line = '{"id": "late", "text": "more words"}\n' if path.suffix == ".jsonl" \
        else "more words written while it was read\n" * 100
    with open(path, "a") as f:
        f.write(line)


def cached_encodings() -> list[Path]:
    return sorted((Path(os.environ["WORDSPACE_HOME"]) / "corpora").glob("*"))


def write_documents(path: Path, n: int = 3000) -> Path:
    path.write_text("".join(json.dumps({"id": f"d{i}", "text": f"w{i % 7} w{i % 11} other"})
                            + "\n" for i in range(n)))
    return path


@pytest.mark.parametrize("change", [truncate, append])
@pytest.mark.parametrize("kind", [Corpus, Documents])
def test_a_file_changed_while_it_is_read_is_an_error_and_nothing_is_cached(
        tmp_path, monkeypatch, kind, change):
    # was: the part read (or the part and some of the rest) encoded, cached and trained on
    path = write_corpus(tmp_path / "c.txt", n_lines=3000) if kind is Corpus \
        else write_documents(tmp_path / "docs.jsonl")
    size = path.stat().st_size
    change_mid_read(monkeypatch, kind, change)
    with pytest.raises(CorpusError) as info:
        kind(path, min_count=1, progress=False)
    now = path.stat().st_size
    assert str(info.value) == (
        f"{path} changed while it was read ({now:,} bytes now, {size:,} when reading "
        "began): a file still being written or edited; read it when it is complete")
    assert cached_encodings() == []  # no encoding of a half-read file kept
    monkeypatch.undo()
    monkeypatch.setenv("WORDSPACE_HOME", str(tmp_path / "home"))
    whole = kind(path, min_count=1, progress=False)  # read again, whole, when it is complete
    assert whole.n_tokens == kind(path, min_count=1, cache=False, progress=False).n_tokens


def test_a_file_of_a_folder_changed_while_it_is_read_is_named(tmp_path, monkeypatch):
    folder = tmp_path / "corpus"
    folder.mkdir()
    for i in range(3):
        write_corpus(folder / f"part{i}.txt", n_lines=3000, seed=i)
    change_mid_read(monkeypatch, Corpus,
                    lambda path: append(path) if path.name == "part1.txt" else None)
    with pytest.raises(CorpusError, match=rf"^{re.escape(str(folder / 'part1.txt'))} changed "
                                          r"while it was read \([\d,]+ bytes now"):
        Corpus(folder, min_count=1, progress=False)
    assert cached_encodings() == []


@pytest.mark.parametrize("kind", sorted(COMPRESSORS))
def test_a_compressed_file_changed_while_it_is_read_is_an_error(tmp_path, monkeypatch, kind):
    text = write_corpus(tmp_path / "plain.txt", n_lines=3000).read_bytes()
    path = tmp_path / f"c.txt.{kind}"
    path.write_bytes(COMPRESSORS[kind](text))

    def another_stream(file):  # read on as one more stream of the same file: no error
        with open(file, "ab") as f:
            f.write(COMPRESSORS[kind](b"more words written while it was read\n" * 100))

    change_mid_read(monkeypatch, Corpus, another_stream)
    with pytest.raises(SourceChangedError, match=rf"^{re.escape(str(path))} changed while "
                                                 r"it was read \([\d,]+ bytes now"):
        Corpus(path, min_count=1, progress=False)
    assert cached_encodings() == []


def test_a_compressed_file_truncated_while_it_is_read_says_so_not_corrupt(tmp_path,
                                                                         monkeypatch):
    text = write_corpus(tmp_path / "plain.txt", n_lines=20000).read_bytes()
    path = tmp_path / "c.txt.gz"
    path.write_bytes(gzip.compress(text))
    change_mid_read(monkeypatch, Corpus, truncate)
    with pytest.raises(CorpusError, match=rf"^{re.escape(str(path))} changed while it was "
                                          r"read \([\d,]+ bytes now.*still being written"):
        Corpus(path, min_count=1, progress=False)


def test_fewer_bytes_read_than_the_size_said_is_an_error_whatever_stat_says(
        tmp_path, monkeypatch):
    # a network file system may serve the attributes it cached (NFS: up to a minute), so
    # that the file looks unchanged: the bytes read tell what its size no longer does
    path = write_corpus(tmp_path / "c.txt", n_lines=3000)
    size = path.stat().st_size
    cached = {}
    stat = corpus_module._stat
    monkeypatch.setattr(corpus_module, "_stat",
                        lambda p: cached.setdefault(Path(p), stat(p)))
    change_mid_read(monkeypatch, Corpus, truncate)
    # (how much is read past the cut depends on the file system's block size)
    with pytest.raises(CorpusError, match=rf"^{re.escape(str(path))} changed while it was "
                                          rf"read \(reading found [\d,]+ bytes where its "
                                          rf"size said {size:,}\): a file still being"):
        Corpus(path, min_count=1, progress=False)
    assert cached_encodings() == []


def test_a_file_written_to_with_its_size_unchanged_while_it_is_read_is_an_error(
        tmp_path, monkeypatch):
    path = write_corpus(tmp_path / "c.txt", n_lines=3000)

    def overwrite(file):  # the same size: its time (and ctime) tells
        with open(file, "r+b") as f:
            f.seek(file.stat().st_size - 8)
            f.write(b"zzzzzzz\n")

    change_mid_read(monkeypatch, Corpus, overwrite)
    with pytest.raises(CorpusError, match=r"changed while it was read \(written to with its "
                                          r"size unchanged"):
        Corpus(path, min_count=1, progress=False)
    assert cached_encodings() == []


def test_a_file_replaced_while_it_is_read_is_an_error(tmp_path, monkeypatch):
    path = write_corpus(tmp_path / "c.txt", n_lines=3000)
    size = path.stat().st_size
    write_corpus(tmp_path / "new.txt", n_lines=3000, seed=1)

    def replace(file):  # the old file is read to its end: not the one the name now holds
        with open(tmp_path / "new.txt", "r+b") as f:
            f.truncate(size)
        os.replace(tmp_path / "new.txt", file)

    change_mid_read(monkeypatch, Corpus, replace)
    with pytest.raises(CorpusError, match=r"changed while it was read \(replaced by another "
                                          r"file"):
        Corpus(path, min_count=1, progress=False)
    assert cached_encodings() == []


class OneRank:
    """A process group of one rank: the corpus reads its share (a window of each file)."""

    rank, world = 0, 1

    def all_gather(self, value, what=None):
        return [value]


def test_a_share_of_a_file_changed_while_it_is_read_is_an_error(tmp_path, monkeypatch):
    path = write_corpus(tmp_path / "c.txt", n_lines=3000)
    change_mid_read(monkeypatch, Corpus, truncate)
    with pytest.raises(CorpusError, match=rf"^{re.escape(str(path))} changed while it was "
                                          r"read \([\d,]+ bytes now"):
        Corpus(path, min_count=1, progress=False, shard=OneRank())
    assert cached_encodings() == []


def test_a_file_changed_before_its_phrases_reading_is_an_error(tmp_path, monkeypatch):
    # the phrased corpus's cache is keyed by the file as it was given; its raw reading,
    # later, must read that file, not what it became
    from wordspace.phrases import Phrases

    path = write_corpus(tmp_path / "c.txt", n_lines=3000)
    table = Phrases(path, min_count=1)
    raw_corpus = Corpus._raw_corpus

    def changed_first(self):
        append(path)
        return raw_corpus(self)

    monkeypatch.setattr(Corpus, "_raw_corpus", changed_first)
    with pytest.raises(CorpusError, match=rf"^{re.escape(str(path))} changed while it was "
                                          r"read \([\d,]+ bytes now"):
        Corpus(path, min_count=1, progress=False, phrases=table)
    encodings = [json.loads((d / "meta.json").read_text()) for d in cached_encodings()]
    assert not any("phrases" in meta for meta in encodings)


def test_the_cli_fails_with_the_message_on_a_file_changed_while_it_is_read(
        tmp_path, monkeypatch, capsys):
    from wordspace.cli import main

    path = write_corpus(tmp_path / "c.txt", n_lines=3000)
    change_mid_read(monkeypatch, Corpus, truncate)
    out = tmp_path / "model"
    assert main(["train", str(path), "-o", str(out), "--min-count", "1", "--dim", "8",
                 "--epochs", "1", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"wordspace: error: {path} changed while it was read (" in err
    assert "Traceback" not in err
    assert not (out / "vectors.npy").exists() and cached_encodings() == []


def test_a_corpus_says_the_identity_of_its_files_as_they_were_read(tmp_path):
    path = write_corpus(tmp_path / "c.txt", n_lines=300)
    read = corpus_module.source_identity(path)
    corpus = Corpus(path, min_count=1, progress=False)
    assert corpus.source_identity() == read
    append(path)  # after the reading: what the corpus holds is still what was read
    assert corpus.source_identity() == read != corpus_module.source_identity(path)
    assert Corpus([["a", "b"]], min_count=1).source_identity() is None


@pytest.mark.parametrize("kind", sorted(COMPRESSORS))
def test_a_share_of_a_compressed_file_is_its_text(tmp_path, kind):
    # a compressed file's share is the whole file (it cannot be entered), and was read as
    # a window of its compressed bytes: "is binary, not text", or their garbage as words
    text = write_corpus(tmp_path / "plain.txt", n_lines=300).read_bytes()
    path = tmp_path / f"c.txt.{kind}"
    path.write_bytes(COMPRESSORS[kind](text))
    expected = list(Corpus(tmp_path / "plain.txt", min_count=1, cache=False, progress=False))
    assert list(Corpus(path, min_count=1, progress=False, shard=OneRank())) == expected


def test_a_record_cut_by_a_change_is_said_to_be_the_change_not_bad_json(tmp_path, monkeypatch):
    path = write_documents(tmp_path / "docs.jsonl")
    change_mid_read(monkeypatch, Documents,
                    lambda file: os.truncate(file, file.stat().st_size // 2 + 7))  # mid-record
    with pytest.raises(CorpusError, match=rf"^{re.escape(str(path))} changed while it was "
                                          r"read \([\d,]+ bytes now") as info:
        Documents(path, min_count=1, progress=False)
    assert "not valid JSON" in str(info.value.__cause__)  # what reading met, kept as the cause


def test_a_file_of_json_lines_is_refused_as_a_word_corpus_naming_what_reads_it(tmp_path):
    """A word model would read JSON lines as plain text, their syntax as words
    ('{"id":', '"text":'): refused before any reading, with the reader that takes them;
    text that merely starts with a brace is text."""
    records = [{"id": i, "label": "x", "text": f"the news of day {i} was good"}
               for i in range(20)]
    jsonl = tmp_path / "news.jsonl"
    jsonl.write_text("\n" + "\n".join(json.dumps(r) for r in records) + "\n")
    with pytest.raises(CorpusError, match=r"news.jsonl: its lines are JSON objects \(fields "
                                          r"'id', 'label', 'text'\).*text_field='text'"):
        Corpus(jsonl, progress=False)
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "a.txt").write_text("plain words here\n")
    (folder / "b.json").write_text('{"body": "' + "long text " * 10_000 + '"}\n')
    with pytest.raises(CorpusError, match=r"b.json: its lines are JSON objects, .*"
                                          r"text_field='text'"):  # too long to read whole
        Corpus(folder, progress=False)
    assert len(Documents(jsonl, min_count=1, progress=False)) == 20
    braces = tmp_path / "braces.txt"
    braces.write_text('{ "quoted" words } in braces\n' * 10)
    assert Corpus(braces, min_count=1, progress=False).vocab.counts.sum() == 60


def test_json_lines_under_a_plain_text_name_are_told_to_be_renamed(tmp_path):
    """Records in rec.txt: the corpus's refusal advised Documents('rec.txt',
    text_field=...), which refuses text_field for a file not named as JSON lines, and
    Documents('rec.txt') trained on the JSON syntax as words. Each now says to rename it
    (Documents reads JSON lines by a .jsonl, .ndjson or .json name)."""
    rec = tmp_path / "rec.txt"
    rec.write_text("".join(json.dumps({"id": f"d{i}", "body": f"words of record {i} here"})
                           + "\n" for i in range(10)))
    said = r"rec.txt: its lines are JSON objects .*rename it \(to end in \.jsonl\)"
    for read in (lambda: Corpus(rec, progress=False), lambda: Documents(rec, progress=False),
                 lambda: Documents(rec, text_field="body", progress=False)):
        with pytest.raises(CorpusError, match=said):
            read()
    renamed = rec.rename(tmp_path / "rec.jsonl")
    docs = Documents(renamed, text_field="body", min_count=1, progress=False)
    assert docs.ids[:2] == ["d0", "d1"] and "{" not in " ".join(docs.vocab.words)
