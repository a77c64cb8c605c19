"""word2vec files: every malformed file is a clear ValueError naming the file (and the line
or row and word), every well-formed one loads exactly, whoever wrote it."""

from __future__ import annotations

import bz2
import gzip
import logging
import lzma
import os
import pickle
import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wordspace import Vectors

FUZZ = settings(max_examples=200, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
COMPRESS = {"gz": gzip.compress, "bz2": bz2.compress, "xz": lzma.compress}


def vectors(n=5, dim=4, seed=0, words=None):
    rng = np.random.default_rng(seed)
    words = words or [f"w{i}" for i in range(n)]
    return Vectors(words, rng.normal(size=(len(words), dim)).astype(np.float32))


def binary_file(words, matrix, newlines=True, header=None) -> bytes:
    """A binary word2vec file as word2vec.c (newlines) or gensim (none) writes it."""
    n, dim = header or matrix.shape
    rows = [w.encode() + b" " + row.astype("<f4").tobytes() + (b"\n" if newlines else b"")
            for w, row in zip(words, matrix, strict=True)]
    return f"{n} {dim}\n".encode() + b"".join(rows)


def load(tmp_path, data: bytes, name="v.bin", **kw) -> Vectors:
    path = tmp_path / name
    path.write_bytes(data)
    return Vectors.load_word2vec_format(path, **kw)


def assert_loads_exactly(back, v):
    assert back.words == v.words
    np.testing.assert_array_equal(back.matrix, v.matrix)


# -- round trips -------------------------------------------------------------------------
@pytest.mark.parametrize("binary", [False, True])
@pytest.mark.parametrize("compression", [None, "gz", "bz2", "xz"])
def test_round_trip_is_exact_and_compressed_files_read(tmp_path, binary, compression):
    v = vectors(n=7, dim=5, words=["the", "café", "naïve", "x", "日本", "a\u00a0b", "-1"])
    path = tmp_path / "v"
    v.save_word2vec_format(path, binary=binary)
    if compression:
        path.write_bytes(COMPRESS[compression](path.read_bytes()))
    for flag in (binary, None):
        assert_loads_exactly(Vectors.load_word2vec_format(path, binary=flag), v)


@pytest.mark.parametrize("binary", [False, True])
def test_gensim_reads_ours_and_we_read_gensims(tmp_path, binary):
    from gensim.models import KeyedVectors

    v = vectors(n=6, dim=3, words=["a", "b", "çé", "d", "e", "f"])
    ours = tmp_path / "ours"
    v.save_word2vec_format(ours, binary=binary)
    kv = KeyedVectors.load_word2vec_format(str(ours), binary=binary)
    assert list(kv.index_to_key) == v.words
    np.testing.assert_array_equal(kv.vectors, v.matrix)
    theirs = tmp_path / "theirs"
    kv.save_word2vec_format(str(theirs), binary=binary)  # gensim's binary rows: no newline
    assert_loads_exactly(Vectors.load_word2vec_format(theirs), v)
    assert_loads_exactly(Vectors.load_word2vec_format(theirs, binary=binary), v)


MAGIC = {"gz": b"\x1f\x8b", "bz2": b"BZh", "xz": b"\xfd7zXZ\x00"}


@pytest.mark.parametrize("binary", [False, True])
@pytest.mark.parametrize("compression", ["gz", "bz2", "xz"])
def test_a_compressed_name_is_written_compressed_and_gensim_reads_it(tmp_path, binary,
                                                                     compression):
    # plain text under a .gz name was written, which gensim fails to read (BadGzipFile)
    from gensim.models import KeyedVectors

    v = Vectors(["rare", "common", "mid"], np.arange(9, dtype=np.float32).reshape(3, 3),
                counts=[1, 30, 5])
    path, vocab = tmp_path / f"v.txt.{compression}", tmp_path / f"vocab.txt.{compression}"
    v.save_word2vec_format(path, vocab, binary=binary)
    assert path.read_bytes().startswith(MAGIC[compression])
    assert vocab.read_bytes().startswith(MAGIC[compression])
    back = Vectors.load_word2vec_format(path, vocab)
    assert back.words == ["common", "mid", "rare"] and back.counts.tolist() == [30, 5, 1]
    np.testing.assert_array_equal(back["rare"], v["rare"])
    v.save_word2vec_format(path, vocab, binary=binary)  # an earlier one is replaced
    if compression == "gz":
        kv = KeyedVectors.load_word2vec_format(str(path), str(vocab), binary=binary)
        assert kv.index_to_key == back.words
        assert [kv.get_vecattr(w, "count") for w in kv.index_to_key] == [30, 5, 1]
        np.testing.assert_array_equal(kv.vectors, back.matrix)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([path.name, vocab.name])


def test_export_to_a_compressed_name_writes_it_compressed(tmp_path, capsys):
    from wordspace.cli import main

    vectors().save_word2vec_format(tmp_path / "v.txt")
    out = tmp_path / "vectors.txt.gz"
    assert main(["export", str(tmp_path / "v.txt"), "-o", str(out)]) == 0
    assert gzip.decompress(out.read_bytes()) == (tmp_path / "v.txt").read_bytes()
    assert main(["export", str(tmp_path / "v.txt"), "-o", str(out), "--limit", "2"]) == 0
    assert gzip.decompress(out.read_bytes()).startswith(b"2 4\n")


def test_text_rows_with_trailing_spaces_and_crlf_read(tmp_path):
    # word2vec.c writes "%lf " after every number; Windows tools end lines with "\r\n"
    back = load(tmp_path, b"2 2\r\na 1.000000 2.000000 \r\nb 3 4 \r\n", "v.txt")
    assert back.words == ["a", "b"]
    np.testing.assert_array_equal(back.matrix, [[1, 2], [3, 4]])


@FUZZ
@given(words=st.lists(st.text(st.characters(blacklist_categories=["Cs"]), min_size=1,
                              max_size=8).filter(lambda w: all(c > " " and c != "\x7f"
                                                               for c in w)),
                      min_size=1, max_size=6, unique=True),
       dim=st.integers(1, 5), binary=st.booleans(), data=st.data())
def test_any_valid_vectors_round_trip_exactly(tmp_path, words, dim, binary, data):
    values = data.draw(st.lists(st.floats(width=32, allow_nan=False, allow_infinity=False),
                                min_size=len(words) * dim, max_size=len(words) * dim))
    v = Vectors(words, np.array(values, dtype=np.float32).reshape(len(words), dim))
    path = tmp_path / "v"
    v.save_word2vec_format(path, binary=binary)
    back = Vectors.load_word2vec_format(path)
    assert back.words == words
    np.testing.assert_array_equal(back.matrix, v.matrix)


@pytest.mark.parametrize("value", [7.094283098128384e16, 4.955079717578342e16])
def test_a_binary_row_that_also_reads_as_a_text_row_is_binary(tmp_path, value):
    """Floats whose bytes hold a newline split a binary row into what reads as a text row
    (b"0 !\\n|[\\n", b"0 0\\n0[\\n"): the row after it, or the file's end, tells them apart
    (found by the round-trip fuzz above)."""
    v = Vectors(["0"], np.array([[value]], np.float32))
    v.save_word2vec_format(tmp_path / "v", binary=True)
    assert b"\n" in (tmp_path / "v").read_bytes()[6:10]  # the float's bytes
    back = Vectors.load_word2vec_format(tmp_path / "v")
    assert back.words == ["0"] and back.matrix.tolist() == v.matrix.tolist()
    v.save_word2vec_format(tmp_path / "v", binary=True)  # recognised as ours: replaced


def test_a_binary_row_that_reads_as_a_text_row_of_no_number_is_binary(tmp_path):
    """A one-word binary file whose float's bytes hold whitespace but no newline
    (6.338e16 is b"\\r-a[") reads, to its end, both as binary and as the text row
    "WORD -a[": the text reading's value is no number, so the file is binary (it was
    refused as text, and so could not be written again; found by the fuzz above)."""
    word = "\xb6\U00059e05\xdf\x9a8\U000b6c58\x80m"
    v = Vectors([word], np.array([[6.338140361772237e16]], np.float32))
    v.save_word2vec_format(tmp_path / "v", binary=True)
    assert (tmp_path / "v").read_bytes().endswith(b" \r-a[\n")
    back = Vectors.load_word2vec_format(tmp_path / "v")
    assert back.words == [word] and back.matrix.tolist() == v.matrix.tolist()
    v.save_word2vec_format(tmp_path / "v", binary=True)  # recognised as ours: replaced
    text = tmp_path / "t.txt"  # the same row with a number is text
    text.write_bytes(b"1 1\nw \r-1.\n")
    assert Vectors.load_word2vec_format(text).matrix.tolist() == [[-1.0]]


def test_a_first_binary_row_of_digit_bytes_is_binary_when_the_next_row_says_so(tmp_path):
    """A float whose four bytes are ASCII digits (1.0372155e-08 is b"8122") makes the
    first binary row read as the text row "a 8122": the row after it tells them apart
    (helper-69's review)."""
    digits = np.frombuffer(b"8122", "<f4")[0]
    v = Vectors(["a", "b"], np.array([[digits], [0.5]], np.float32))
    v.save_word2vec_format(tmp_path / "v.bin", binary=True)
    assert (tmp_path / "v.bin").read_bytes().startswith(b"2 1\na 8122\n")
    back = Vectors.load_word2vec_format(tmp_path / "v.bin")
    assert back.words == ["a", "b"] and back.matrix.tolist() == v.matrix.tolist()
    v.save_word2vec_format(tmp_path / "v.bin", binary=True)  # recognised as ours: replaced
    text = tmp_path / "t.txt"  # a text file of the same first row stays text
    text.write_bytes(b"2 1\na 8122\nb 0.5\n")
    assert Vectors.load_word2vec_format(text).matrix.tolist() == [[8122.0], [0.5]]


# -- the format told from the file -------------------------------------------------------
def test_text_whose_header_disagrees_with_its_rows_is_an_error_not_binary_garbage(tmp_path):
    data = b"3 4\na 1 2 3\nb 4 5 6\nc 7 8 9\n"
    with pytest.raises(ValueError, match=r"v\.txt:2: the row of 'a' has 3 numbers, but the "
                                         r"header says 4"):
        load(tmp_path, data, "v.txt")
    with pytest.raises(ValueError, match=r"v\.txt:2: the row of 'a' has 3 numbers"):
        load(tmp_path, b"3 2\na 1 2 3\nb 4 5 6\nc 7 8 9\n", "v.txt")


def test_explicit_binary_flag_that_contradicts_the_file_is_refused(tmp_path):
    v = vectors()
    v.save_word2vec_format(tmp_path / "t.txt")
    v.save_word2vec_format(tmp_path / "b.bin", binary=True)
    with pytest.raises(ValueError, match=r"t\.txt: binary=True but the file is in the text"):
        Vectors.load_word2vec_format(tmp_path / "t.txt", binary=True)
    with pytest.raises(ValueError, match=r"b\.bin: binary=False but the file is in the binary"):
        Vectors.load_word2vec_format(tmp_path / "b.bin", binary=False)


@pytest.mark.parametrize("data, message", [
    (b"2 3\nhello N/A 0.2 0.3\nworld 0.4 0.5 0.6\n", r"v\.txt:2: 'N/A' in the vector of "
                                                     r"'hello' is not a number"),
    (b"2 3\nhello 0,1 0,2 0,3\nworld 0,4 0,5 0,6\n", r"v\.txt:2: '0,1' in the vector of "
                                                     r"'hello'"),
    (b"2 3\nhello 0,1 0,2 0,3 \nworld 0,4 0,5 0,6 \n", r"v\.txt:2: '0,1'"),  # binary-sized
    (b"2 1\nhello N/A\nworld 0.5\n", r"v\.txt:2: 'N/A' in the vector of 'hello'"),
    (b"2 2\nb 0x1p3 1\na 1 2\n", r"v\.txt:2: '0x1p3' in the vector of 'b' is not a number"),
    (b"1 2\nb 1,5 1\n", r"v\.txt:2: '1,5' in the vector of 'b'"),
    # CRLF lines whose row is binary-sized: the "\r" ends a text line, it is no float byte
    (b"2 2\r\ncat N/A N/A\r\ndog 0.1 0.2\r\n", r"v\.txt:2: 'N/A' in the vector of 'cat'"),
    (b"1 3\r\nw 1,5 2,5 3,5\r\n", r"v\.txt:2: '1,5' in the vector of 'w'"),
])
def test_a_text_row_of_values_that_are_no_numbers_is_text_not_binary_garbage(tmp_path, data,
                                                                             message):
    # the first value not a number made the file binary: garbage loaded silently, or
    # "the file ends inside the vector", or binary=False refused as "the binary format"
    for flag in (None, False):
        with pytest.raises(ValueError, match=message):
            load(tmp_path, data, "v.txt", binary=flag)


def test_a_binary_row_of_printable_bytes_is_still_binary(tmp_path):
    # one float's four bytes, all printable, as word2vec.c (a newline after each row) and
    # gensim (none) write it: a row of binary shape whose "values" hold no whitespace
    value = np.frombuffer(b"0,12", dtype="<f4")[0]
    for data in (b"1 1\nw 0,12\n", b"2 1\nw 0,12v abcd"):
        assert load(tmp_path, data).matrix[0, 0] == value
    with pytest.raises(ValueError, match=r"v\.bin:2: '0,12' in the vector of 'w'"):
        load(tmp_path, b"1 1\nw 0,12\n", binary=False)  # text, if the caller says so


def test_a_binary_row_that_looks_like_text_reads_when_asked_for(tmp_path):
    # the four bytes "1.25" are also a float32: binary=True must read them as one
    data = b"1 1\nw 1.25\n"
    assert load(tmp_path, data).matrix[0, 0] == 1.25
    expected = np.frombuffer(b"1.25", dtype="<f4")
    np.testing.assert_array_equal(load(tmp_path, data, binary=True).matrix[0], expected)


# -- the header --------------------------------------------------------------------------
@pytest.mark.parametrize("data, message", [
    (b"", "is empty"),
    (b"hello world\n", r"v\.bin:1: expected a header 'n_words dim'"),
    # three numbers are a row of the word "2" (a file without a header), not a header
    (b"2 3 4\na 1 2 3\n", r"v\.bin:2: the row of 'a' has 3 numbers, but the first row, "
                          r"line 1, has 2 \(the file has no header\)"),
    (b"-1 3\n", r"v\.bin:1: expected a header"),
    (b"1 0\na\n", "dimension is 0"),
    (b"1 " + b"9" * 30 + b"\n", "more than any file holds"),
    (b"9" * 1000, r"v\.bin:1: expected a header"),
])
def test_bad_headers(tmp_path, data, message):
    with pytest.raises(ValueError, match=message):
        load(tmp_path, data)


@pytest.mark.parametrize("compression", [None, "gz"])
@pytest.mark.parametrize("header, message", [
    (b"1000000000000 3", "the header promises 1000000000000 words, the file ends after 2"),
    (b"2 1000000000", r":2: the row of 'w0' has 3 numbers|row 1: the file ends inside")])
@pytest.mark.parametrize("binary", [False, True])
def test_a_header_promising_too_much_allocates_nothing(tmp_path, compression, header,
                                                       message, binary):
    # a 60-byte file claiming 10^12 words (or a billion numbers a word) must not allocate
    # terabytes: rows are allocated only as they arrive
    v = vectors(n=2, dim=3)
    path = tmp_path / "v"
    v.save_word2vec_format(path, binary=binary)
    data = header + b"\n" + path.read_bytes().split(b"\n", 1)[1]
    if compression:
        data = COMPRESS[compression](data)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=message):
            load(tmp_path, data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20


@pytest.mark.parametrize("binary", [False, True])
def test_fewer_rows_than_the_header_promises(tmp_path, binary):
    v = vectors(n=3)
    path = tmp_path / "v"
    v.save_word2vec_format(path, binary=binary)
    data = path.read_bytes().replace(b"3 4\n", b"5 4\n", 1)
    # a ValueError as every malformed file, and gensim's EOFError
    with pytest.raises(ValueError, match=r"v: the header promises 5 words") as caught:
        load(tmp_path, data, "v")
    assert isinstance(caught.value, EOFError)
    # and for a compressed file, whose size cannot vouch for the header
    with pytest.raises(EOFError, match=r"v: the header promises 5 words, the file ends "
                                       r"after 3"):
        load(tmp_path, gzip.compress(data), "v")


@pytest.mark.parametrize("binary", [False, True])
def test_more_rows_than_the_header_promises(tmp_path, binary):
    path = tmp_path / "v"
    vectors(n=3).save_word2vec_format(path, binary=binary)
    data = path.read_bytes().replace(b"3 4\n", b"2 4\n", 1)
    with pytest.raises(ValueError, match=r"v: more data after the 2 words the header promises"):
        load(tmp_path, data, "v")


# -- binary rows -------------------------------------------------------------------------
@pytest.mark.parametrize("newlines", [True, False])
def test_truncated_binary_row_names_the_row_and_word(tmp_path, newlines):
    v = vectors(n=3)
    data = binary_file(v.words, v.matrix, newlines)[:-7]
    with pytest.raises(ValueError, match=r"v\.bin: row 3: the file ends inside the vector "
                                         r"of 'w2'") as caught:
        load(tmp_path, data)
    assert isinstance(caught.value, EOFError)  # as gensim's
    inside_a_word = binary_file(v.words, v.matrix, newlines)
    cut = inside_a_word.rindex(b"w2") + 1  # "w" of the last row's word, and no more
    with pytest.raises(EOFError, match=r"v\.bin: row 3: the file ends inside the word of "
                                       r"row 3 of 3"):
        load(tmp_path, inside_a_word[:cut])


@pytest.mark.parametrize("newlines", [True, False])
def test_binary_with_a_wrong_dimension_never_loads(tmp_path, newlines):
    # every true and claimed dimension, both layouts: a header's dimension that is wrong
    # (too small, too large) is refused, never read as shifted garbage
    for dim in range(1, 7):
        for claimed in range(1, 9):
            for n in (1, 2, 5):
                if claimed == dim:
                    continue
                v = vectors(n=n, dim=dim, seed=dim * 100 + claimed)
                data = binary_file(v.words, v.matrix, newlines, header=(n, claimed))
                with pytest.raises(ValueError, match=r"v\.bin"):
                    load(tmp_path, data)


@pytest.mark.parametrize("word, why", [
    (b"", "is empty"), (b"a\tb", "whitespace or a control"), (b"a\x00b", "control"),
    (b"\xff\xfe", "not UTF-8"),
])
def test_bad_binary_words(tmp_path, word, why):
    data = b"1 1\n" + word + b" " + np.float32(0.5).tobytes() + b"\n"
    with pytest.raises(ValueError, match=rf"v\.bin: row 1: the word .* {why}"):
        load(tmp_path, data, binary=True)


def test_binary_layout_change_is_refused(tmp_path):
    # word2vec.c's layout (newline after each row) must hold for every row
    v = vectors(n=3, dim=2)
    rows = binary_file(v.words, v.matrix).split(b"\n", 1)[1]
    first, rest = rows[:len(b"w0 ") + 8 + 1], rows[len(b"w0 ") + 8 + 1:]
    data = b"3 2\n" + first + rest.replace(b"\nw2", b"w2", 1)
    with pytest.raises(ValueError, match=r"row 2: the vector of 'w1' is not followed by a "
                                         r"newline"):
        load(tmp_path, data)


# -- text rows ---------------------------------------------------------------------------
@pytest.mark.parametrize("row, message", [
    (b"b 1 2", r"v\.txt:3: the row of 'b' has 2 numbers, but the header says 3"),
    (b"b 1 2 3 4", r"v\.txt:3: the row of 'b' has 4 numbers"),
    (b"b 1 zwei 3", r"v\.txt:3: 'zwei' in the vector of 'b' is not a number"),
    (b"", r"v\.txt:3: an empty line where word 2 of 3 should be"),
    (b"\xff 1 2 3", r"v\.txt:3: the word .* is not UTF-8"),
    (b"b\x01 1 2 3", r"v\.txt:3: the word .* control character"),
])
def test_bad_text_rows_name_the_line_and_word(tmp_path, row, message):
    data = b"3 3\na 1 2 3\n" + row + b"\nc 7 8 9\n"
    with pytest.raises(ValueError, match=message):
        load(tmp_path, data, "v.txt")


def test_long_lines_and_words_are_refused_quickly_with_short_messages(tmp_path):
    long_word = "x" * 100_000
    with pytest.raises(ValueError, match="no line end within") as err:
        load(tmp_path, b"1 3\n" + b"a " + b"1 " * 5_000_000, "v.txt")  # 10 MB, no newline
    assert len(str(err.value)) < 300
    with pytest.raises(ValueError, match="has 1 numbers") as err:
        load(tmp_path, f"1 3\n{long_word[:9000]} 1\n".encode(), "v.txt")
    assert len(str(err.value)) < 300
    assert "x" * 60 not in str(err.value)


# -- values and words --------------------------------------------------------------------
@pytest.mark.parametrize("binary", [False, True])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nonfinite_values_are_refused_unless_allowed(tmp_path, binary, bad):
    v = vectors(n=4, dim=3)
    v.matrix[2, 1] = bad
    path = tmp_path / "v"
    with pytest.raises(ValueError, match=r"v: the vector of 'w2' \(word 3\) has NaN"):
        v.save_word2vec_format(path, binary=binary)
    assert not path.exists()
    v.save_word2vec_format(path, binary=binary, allow_nonfinite=True)
    where = r"v: row 3" if binary else r"v:4"
    with pytest.raises(ValueError, match=rf"{where}: the vector of 'w2' has NaN or infinite "
                                         r"values \(pass allow_nonfinite=True"):
        Vectors.load_word2vec_format(path)
    back = Vectors.load_word2vec_format(path, allow_nonfinite=True)
    np.testing.assert_array_equal(back.matrix, v.matrix)


def test_float32_overflow_in_text_is_nonfinite(tmp_path):
    with pytest.raises(ValueError, match=r"v\.txt:2: the vector of 'a' has NaN or infinite"):
        load(tmp_path, b"1 2\na 1e39 0\n", "v.txt")


def test_duplicate_words_keep_the_first_vector_with_a_warning(tmp_path, caplog):
    data = b"4 1\na 1\nb 2\na 3\nc nan\n"
    with caplog.at_level(logging.WARNING, logger="wordspace.word2vec_format"), \
            pytest.raises(ValueError, match=r"v\.txt:5: the vector of 'c'"):
        load(tmp_path, data, "v.txt")  # the line of a later row, counting the dropped one
    assert "v.txt: 1 rows repeat an earlier word (the first: 'a', line 2 and line 4)" \
        in caplog.text
    back = load(tmp_path, data, "v.txt", allow_nonfinite=True)
    assert back.words == ["a", "b", "c"]
    assert back.matrix[:2, 0].tolist() == [1, 2]
    assert back.index_of("a") == 0


def test_saving_refuses_words_the_format_cannot_hold(tmp_path):
    m = np.zeros((2, 2))
    for words, message in [(["a b", "c"], "whitespace"), (["", "c"], "empty"),
                           (["a\n", "c"], "whitespace"),
                           (["a\ud800", "c"], "not valid Unicode")]:
        with pytest.raises(ValueError, match=message):
            Vectors(words, m).save_word2vec_format(tmp_path / "x.txt")
    twice = Vectors(["a", "b"], m)
    twice.words[1] = "a"  # edited in place after it was made (the constructor refuses it)
    with pytest.raises(ValueError, match="both word 1 and word 2"):
        twice.save_word2vec_format(tmp_path / "x.txt")
    assert not (tmp_path / "x.txt").exists()


# -- limit -------------------------------------------------------------------------------
@pytest.mark.parametrize("binary", [False, True])
def test_limit_stops_reading(tmp_path, binary):
    v = vectors(n=3)
    path = tmp_path / "v"
    v.save_word2vec_format(path, binary=binary)
    # garbage, and a truncated compressed stream, after the rows asked for are never read
    garbage = np.random.default_rng(0).bytes(5000)  # incompressible: the cut below hits it
    data = path.read_bytes().replace(b"3 4\n", b"1000 4\n", 1) + garbage
    back = load(tmp_path, data, "v", limit=2)
    assert_loads_exactly(back, Vectors(v.words[:2], v.matrix[:2]))
    assert_loads_exactly(load(tmp_path, gzip.compress(data)[:-30], "v", limit=3), v)
    for bad in (-1, 1.5, True):  # (0 reads every word, as in gensim)
        with pytest.raises(ValueError, match="limit must be an integer >= 1"):
            load(tmp_path, data, "v", limit=bad)


# -- compressed files --------------------------------------------------------------------
@pytest.mark.parametrize("compression", ["gz", "bz2", "xz"])
@pytest.mark.parametrize("damage", ["truncate", "corrupt"])
def test_truncated_or_corrupt_compressed_files(tmp_path, compression, damage):
    path = tmp_path / "v"
    vectors(n=200, dim=8).save_word2vec_format(path)
    data = COMPRESS[compression](path.read_bytes())
    if damage == "truncate":
        data = data[:len(data) // 2]
    else:
        middle = len(data) // 2
        data = data[:middle] + bytes(b ^ 0x55 for b in data[middle:middle + 16]) \
            + data[middle + 16:]
    with pytest.raises(ValueError, match=r"v(: the compressed file is truncated or corrupt "
                                         r"after \d+ bytes|:\d+: |: row \d+)"):
        load(tmp_path, data, "v")


# -- fuzzing -----------------------------------------------------------------------------
def check_result_or_clear_error(tmp_path, data: bytes, **kw):
    """Loading ``data`` either succeeds with a consistent result or raises a ValueError
    that names the file; any other exception fails the test."""
    try:
        back = load(tmp_path, data, "fuzz", **kw)
    except ValueError as e:
        assert "fuzz" in str(e) and len(str(e)) < 400, str(e)
        return None
    assert len(back.words) == len(set(back.words)) == back.matrix.shape[0]
    assert all(w and not any(c.isspace() and c < "\x80" for c in w) for w in back.words)
    assert back.matrix.dtype == np.float32
    if not kw.get("allow_nonfinite"):
        assert np.isfinite(back.matrix).all()
    return back


@FUZZ
@given(st.sampled_from([b"", b"", b"\x1f\x8b", b"\x1f\x8b\x08\x00", b"BZh", b"BZh9",
                        b"\xfd7zXZ\x00"]), st.binary(max_size=300))
def test_fuzz_arbitrary_bytes(tmp_path, magic, data):
    data = magic + data  # and as a broken gzip, bzip2 or xz stream
    check_result_or_clear_error(tmp_path, data)
    check_result_or_clear_error(tmp_path, data, binary=True, allow_nonfinite=True)
    check_result_or_clear_error(tmp_path, b"2 3\n" + data, binary=False)
    check_result_or_clear_error(tmp_path, b"2 3\n" + data)


def _valid_file(binary: bool, compression: str | None) -> bytes:
    v = vectors(n=4, dim=3, seed=1, words=["a", "bé", "c", "dd"])
    if binary:
        data = binary_file(v.words, v.matrix)
    else:
        data = b"4 3\n" + b"".join(w.encode() + b" " + " ".join(f"{x:.9g}" for x in r).encode()
                                   + b"\n" for w, r in zip(v.words, v.matrix, strict=True))
    return COMPRESS[compression](data) if compression else data


@FUZZ
@given(binary=st.booleans(), compression=st.sampled_from([None, None, "gz", "bz2", "xz"]),
       edits=st.lists(st.tuples(st.sampled_from(["flip", "cut", "insert", "delete"]),
                                st.integers(0, 10**6), st.binary(min_size=1, max_size=4)),
                      min_size=1, max_size=3))
def test_fuzz_mutated_valid_files(tmp_path, binary, compression, edits):
    data = bytearray(_valid_file(binary, compression))
    for op, where, payload in edits:
        i = where % (len(data) + 1)
        if op == "flip" and i < len(data):
            data[i] ^= payload[0] or 1
        elif op == "cut":
            del data[i:]
        elif op == "insert":
            data[i:i] = payload
        elif op == "delete":
            del data[i:i + len(payload)]
    check_result_or_clear_error(tmp_path, bytes(data))
    check_result_or_clear_error(tmp_path, bytes(data), binary=binary)


def test_unmutated_valid_files_load_as_written(tmp_path):
    v = vectors(n=4, dim=3, seed=1, words=["a", "bé", "c", "dd"])
    for binary in (False, True):
        for compression in (None, "gz", "bz2", "xz"):
            assert_loads_exactly(load(tmp_path, _valid_file(binary, compression), "v"), v)


def test_reader_returns_plain_words_and_matrix(tmp_path):
    from wordspace.word2vec_format import read_word2vec

    path = tmp_path / "v.txt"
    path.write_bytes(b"2 2\na 1 2\nb 3 4\n")
    words, matrix = read_word2vec(path)
    assert words == ["a", "b"] and matrix.dtype == np.float32 and matrix.shape == (2, 2)


# -- files without a header (GloVe) ------------------------------------------------------
def glove_text(v: Vectors) -> bytes:
    """``v`` as GloVe writes its vectors: no header, each line a word and its numbers."""
    return b"".join(w.encode() + b" " + " ".join(f"{x:.6f}" for x in row).encode() + b"\n"
                    for w, row in zip(v.words, v.matrix, strict=True))


@pytest.mark.parametrize("compression", [None, "gz"])
@pytest.mark.parametrize("header", [b"2 3\n", b""], ids=["header", "no-header"])
def test_a_leading_byte_order_mark_is_no_part_of_the_header_or_first_word(tmp_path,
                                                                         compression, header):
    # it was: '\ufeffhello' as the first word, or a header read as a one-number row
    data = b"\xef\xbb\xbf" + header + b"hello 0.1 0.2 0.3\nworld 0.4 0.5 0.6\n"
    back = load(tmp_path, COMPRESS[compression](data) if compression else data, "v.txt")
    assert back.words == ["hello", "world"]
    np.testing.assert_array_equal(back.matrix[1], np.float32([0.4, 0.5, 0.6]))


def test_gensim_calls_run_unchanged_with_their_arguments(tmp_path):
    """gensim's argument order (fvocab second) and its options, checked against gensim
    reading what wordspace writes and the other way round."""
    from gensim.models import KeyedVectors

    v = Vectors(["rare", "common", "mid"], np.arange(9, dtype=np.float32).reshape(3, 3),
                counts=[1, 30, 5])
    path, vocab = tmp_path / "v.bin", tmp_path / "vocab.txt"
    v.save_word2vec_format(str(path), str(vocab), binary=True)  # gensim's positional call
    kv = KeyedVectors.load_word2vec_format(str(path), str(vocab), binary=True)
    assert kv.index_to_key == ["common", "mid", "rare"]  # most frequent first, as gensim
    assert [kv.get_vecattr(w, "count") for w in kv.index_to_key] == [30, 5, 1]
    back = Vectors.load_word2vec_format(str(path), str(vocab), binary=True)
    assert back.words == kv.index_to_key and back.counts.tolist() == [30, 5, 1]
    np.testing.assert_array_equal(back["rare"], v["rare"])
    with pytest.raises(TypeError, match="fvocab .* pass binary=... by name"):
        v.save_word2vec_format(path, True)  # an old positional binary is not a vocabulary
    glove = tmp_path / "glove.txt"  # write_header=False and prefix, read by gensim
    v.save_word2vec_format(glove, write_header=False, prefix="en_")
    kv = KeyedVectors.load_word2vec_format(str(glove), no_header=True)
    assert kv.index_to_key == ["en_common", "en_mid", "en_rare"]
    # a word that is not UTF-8: refused unless unicode_errors says what to do, as gensim
    latin = tmp_path / "latin.bin"
    latin.write_bytes(b"2 2\ncaf\xe9 " + np.ones(2, "<f4").tobytes() + b"\nok "
                      + np.zeros(2, "<f4").tobytes() + b"\n")
    with pytest.raises(UnicodeDecodeError, match=r"latin\.bin: row 1: the word 'caf.+' "
                                                 "is not UTF-8 text .unicode_errors="):
        Vectors.load_word2vec_format(latin)  # gensim's error type, our message
    with pytest.raises(UnicodeDecodeError):
        KeyedVectors.load_word2vec_format(str(latin), binary=True)
    with pytest.raises(UnicodeDecodeError) as caught:
        Vectors.load_word2vec_format(latin)
    again = pickle.loads(pickle.dumps(caught.value))  # multiprocessing, joblib
    assert str(again) == str(caught.value) and again.args == caught.value.args
    for errors in ("ignore", "replace"):
        ours = Vectors.load_word2vec_format(latin, unicode_errors=errors)
        theirs = KeyedVectors.load_word2vec_format(str(latin), binary=True,
                                                   unicode_errors=errors)
        assert ours.words == theirs.index_to_key
    with pytest.raises(ValueError, match="reads UTF-8 word2vec files"):
        Vectors.load_word2vec_format(latin, encoding="latin-1")


def test_a_vocabulary_file_that_is_the_vectors_file_is_refused_before_writing(tmp_path,
                                                                             monkeypatch):
    # the counts were written over the vectors, which then loaded as 1-dim vectors
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    v = Vectors(["in", "on"], np.ones((2, 2), np.float32), counts=[3, 2])
    with pytest.raises(ValueError, match="fvocab rt.txt is the file the vectors go to"):
        v.save_word2vec_format("rt.txt", fvocab="rt.txt")
    assert not (tmp_path / "rt.txt").exists()
    v.save_word2vec_format("rt.txt")
    before = (tmp_path / "rt.txt").read_bytes()
    os.link("rt.txt", "hard.txt")
    os.symlink("rt.txt", "soft.txt")
    for other in ("sub/../rt.txt", tmp_path / "rt.txt", "hard.txt", "soft.txt"):
        with pytest.raises(ValueError, match="is the file the vectors go to"):
            v.save_word2vec_format("rt.txt", fvocab=other)
        assert (tmp_path / "rt.txt").read_bytes() == before


def test_an_empty_file_is_replaced_and_an_empty_word_is_said_so(tmp_path):
    """An empty file (mkstemp's, a pipeline's placeholder) holds nothing to lose: the
    writers refused it as 'not a word2vec file'; and an empty word with fvocab raised a
    bare StopIteration instead of the writer's message."""
    import tempfile

    v = Vectors(["a", "b"], np.ones((2, 2), np.float32), counts=[3, 2])
    fd, name = tempfile.mkstemp(dir=tmp_path, suffix=".txt")
    os.close(fd)
    vocab = tmp_path / "empty.vocab"
    vocab.touch()
    v.save_word2vec_format(name, fvocab=vocab)
    assert Vectors.load_word2vec_format(name, fvocab=vocab).words == ["a", "b"]
    (tmp_path / "notes.txt").write_text("mine\n")  # one that holds something: refused
    with pytest.raises(FileExistsError, match="exists and is not a word2vec file"):
        v.save_word2vec_format(tmp_path / "notes.txt")
    with pytest.raises(ValueError, match="word 1, '', is empty"):
        Vectors(["", "b"], np.ones((2, 2), np.float32), counts=[3, 2]).save_word2vec_format(
            tmp_path / "x.txt", fvocab=tmp_path / "x.vocab")


def test_words_of_other_bytes_go_to_the_vocabulary_file_as_the_vectors_file_holds_them(
        tmp_path, monkeypatch):
    """A word read with unicode_errors='surrogateescape' (a Latin-1 fastText file's) was
    written to the vectors file as its bytes, then crashed the vocabulary file's write
    (UnicodeEncodeError): the vectors file written, the vocabulary file not."""
    from gensim.models import KeyedVectors

    from wordspace import word2vec_format

    latin = tmp_path / "latin.txt"
    latin.write_bytes(b"2 2\ncaf\xe9 0.1 0.2\nb 0.3 0.4\n")
    read = Vectors.load_word2vec_format(latin, unicode_errors="surrogateescape")
    v = Vectors(read.words, read.vectors, [7, 3])
    path, vocab = tmp_path / "se.txt", tmp_path / "se.vocab"
    for _ in range(2):  # and again: the vocabulary file written is one it replaces
        v.save_word2vec_format(path, fvocab=vocab)
    assert vocab.read_bytes() == b"caf\xe9 7\nb 3\n"  # the bytes the vectors file holds
    back = Vectors.load_word2vec_format(path, fvocab=vocab, unicode_errors="surrogateescape")
    assert back.words == v.words and back.counts.tolist() == [7, 3]
    theirs = KeyedVectors.load_word2vec_format(str(path), fvocab=str(vocab),
                                               unicode_errors="replace")
    assert [theirs.get_vecattr(w, "count") for w in theirs.index_to_key] == [7, 3]
    # a failure while writing the vocabulary leaves both files as they were
    before = path.read_bytes(), vocab.read_bytes()
    real = word2vec_format.atomic_write

    def failing(target, *args, **kwargs):
        if target == vocab:
            raise OSError("no space left on device")
        return real(target, *args, **kwargs)

    monkeypatch.setattr(word2vec_format, "atomic_write", failing)
    with pytest.raises(OSError, match="no space left"):
        Vectors(["x", "y"], np.zeros((2, 2), np.float32), [1, 2]).save_word2vec_format(
            path, fvocab=vocab)
    assert (path.read_bytes(), vocab.read_bytes()) == before
    monkeypatch.setattr(word2vec_format, "atomic_write", real)
    real_replace = os.replace

    def full_at_the_vectors_rename(src, dst):  # their flush found the device full
        if os.fspath(dst) == os.fspath(path):
            raise OSError("no space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", full_at_the_vectors_rename)
    with pytest.raises(OSError, match="no space left"):  # the vocabulary's was not first
        Vectors(["x", "y"], np.zeros((2, 2), np.float32), [1, 2]).save_word2vec_format(
            path, fvocab=vocab)
    assert (path.read_bytes(), vocab.read_bytes()) == before
    monkeypatch.setattr(os, "replace", real_replace)
    new, new_vocab = tmp_path / "new.txt", tmp_path / "new.vocab"
    vocab = new_vocab  # (failing's) and writes neither new file
    monkeypatch.setattr(word2vec_format, "atomic_write", failing)
    with pytest.raises(OSError, match="no space left"):
        v.save_word2vec_format(new, fvocab=new_vocab)
    assert not new.exists() and not new_vocab.exists()


@pytest.mark.parametrize("space", ["\u00a0", "\u2003", "\u0085", "\u2028"])
def test_a_word_its_vocabulary_file_would_split_is_refused_before_writing(tmp_path, space):
    """A word holding a non-ASCII space went into the counts file, which then could not be
    read back (split at the space), and wordspace refused to replace its own file."""
    v = Vectors([f"x{space}y", "c"], np.ones((2, 2), np.float32), counts=[3, 2])
    with pytest.raises(ValueError, match=rf"the word 'x.+y' holds a space \(U\+"
                                         rf"{ord(space):04X}\).*write without fvocab"):
        v.save_word2vec_format(tmp_path / "n.w2v", fvocab=tmp_path / "n.vocab")
    assert not list(tmp_path.iterdir())  # neither file written
    v.save_word2vec_format(tmp_path / "n.w2v")  # the vectors file keeps it
    assert Vectors.load_word2vec_format(tmp_path / "n.w2v").words == v.words


@pytest.mark.parametrize("line", ["on \u00b2", "on 12x", "on -3", "on 1 2", "on",
                                  f"on {2**63}"])
def test_a_bad_count_in_a_vocabulary_file_names_the_file_and_line(tmp_path, line):
    # '\u00b2' passes str.isdigit() but not int(): it was a raw ValueError naming nothing
    path, vocab = tmp_path / "v.txt", tmp_path / "vocab.txt"
    Vectors(["in", "on"], np.ones((2, 2), np.float32)).save_word2vec_format(path)
    vocab.write_text(f"in 3\n{line}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"vocab\.txt:2: expected 'word count' \(a whole "
                                         r"number up to [\d,]+\), found 'on"):
        Vectors.load_word2vec_format(path, fvocab=vocab)
    vocab.write_bytes(b"in 3\non 2\n\xff 1\n")
    with pytest.raises(ValueError, match=r"vocab\.txt:3: not UTF-8 text"):
        Vectors.load_word2vec_format(path, fvocab=vocab)
    vocab.write_text("in 3\n\non 2\n")
    assert Vectors.load_word2vec_format(path, fvocab=vocab).counts.tolist() == [3, 2]


def test_a_vocabulary_file_is_decoded_with_unicode_errors_as_gensim_decodes_it(tmp_path):
    """word2vec.c cuts long words inside a character, in its -save-vocab file as in the
    vectors: gensim decodes both with ``unicode_errors`` (its own test files, made here
    byte for byte), where wordspace refused the vocabulary file whatever was asked."""
    from gensim.models import KeyedVectors

    thanks, welcome = "ありがとう".encode() + b"\xe3\x83", "どういたしまして".encode() + b"\xe3\x83"
    path, vocab = tmp_path / "w2v.modeldata", tmp_path / "w2v.vocab"
    path.write_bytes(b"2 3\n" + thanks + b" 0.6 0.6 0.6\n" + welcome + b" 0.1 0.2 0.3\n")
    vocab.write_bytes(thanks + b" 123\n" + welcome + b" 789\n")
    for errors in ("replace", "ignore", "surrogateescape"):
        ours = Vectors.load_word2vec_format(path, fvocab=vocab, unicode_errors=errors)
        assert ours.counts.tolist() == [123, 789]  # both words found in fvocab
        if errors != "surrogateescape":  # gensim's reader keeps no surrogates
            theirs = KeyedVectors.load_word2vec_format(str(path), fvocab=str(vocab),
                                                       unicode_errors=errors)
            assert ours.words == theirs.index_to_key
            assert ours.counts.tolist() == [theirs.get_vecattr(w, "count")
                                            for w in theirs.index_to_key]
    assert ours.words[0].encode("utf-8", "surrogateescape") == thanks
    # strictly, a vocabulary file that is not UTF-8 is still refused, naming file and line
    path.write_bytes(b"2 3\nok 0.6 0.6 0.6\nfine 0.1 0.2 0.3\n")
    vocab.write_bytes(b"ok 123\n" + welcome + b" 789\n")
    with pytest.raises(UnicodeDecodeError, match=r"w2v\.vocab:2: not UTF-8 text "
                                                 r"\(unicode_errors='surrogateescape'"):
        Vectors.load_word2vec_format(path, fvocab=vocab)
    with pytest.raises(UnicodeDecodeError):  # gensim's error type there too
        KeyedVectors.load_word2vec_format(str(path), fvocab=str(vocab))
    assert Vectors.load_word2vec_format(path, fvocab=vocab,
                                        unicode_errors="replace").counts.tolist() == [123, 0]


@pytest.mark.parametrize("compression", [None, "gz"])
@pytest.mark.parametrize("chunk", [None, 64])
def test_glove_files_read_as_gensim_reads_them_with_no_header(tmp_path, monkeypatch,
                                                              compression, chunk):
    from gensim.models import KeyedVectors

    if chunk:  # small buffers: rows cross them, and the matrix of a gzip file grows
        monkeypatch.setattr("wordspace.word2vec_format._CHUNK", chunk)
    words = ["the", ",", "1990", "café", "日本", "-", "nan-ish", "e"] + [f"w{i}" for i in range(40)]
    v = vectors(dim=3, seed=3, words=words)
    path = tmp_path / "glove.6B.3d.txt"
    path.write_bytes(glove_text(v))
    kv = KeyedVectors.load_word2vec_format(str(path), no_header=True)
    if compression:
        path.write_bytes(COMPRESS[compression](path.read_bytes()))
    for kw in ({}, {"no_header": True}, {"no_header": True, "binary": False}):
        back = Vectors.load_word2vec_format(path, **kw)
        assert back.words == list(kv.index_to_key) == words
        assert back.matrix.dtype == np.float32
        np.testing.assert_array_equal(back.matrix, kv.vectors)
    np.testing.assert_allclose(back.matrix, v.matrix, atol=1e-6)
    for limit in (1, 5, 48, 100):
        back = Vectors.load_word2vec_format(path, limit=limit)
        assert back.words == words[:limit]
        np.testing.assert_array_equal(back.matrix, kv.vectors[:limit])


def test_a_header_is_still_read_and_no_header_false_insists_on_one(tmp_path):
    v = vectors(n=3, dim=2)
    with pytest.raises(ValueError, match=r"g\.txt:1: expected a header 'n_words dim' .* \(it "
                                         r"reads as a row: pass no_header=True"):
        load(tmp_path, glove_text(v), "g.txt", no_header=False)
    v.save_word2vec_format(tmp_path / "w.txt")
    for flag in (None, False):
        back = Vectors.load_word2vec_format(tmp_path / "w.txt", no_header=flag)
        assert_loads_exactly(back, v)
    # gensim's meaning: with no_header=True the header is a row, and the next row is wrong
    with pytest.raises(ValueError, match=r"w\.txt:2: the row of 'w0' has 2 numbers, but the "
                                         r"first row, line 1, has 1 \(no_header=True, but "
                                         r"line 1 looks like a header"):
        Vectors.load_word2vec_format(tmp_path / "w.txt", no_header=True)
    with pytest.raises(ValueError, match=r"g\.txt: no_header=True is for text files"):
        load(tmp_path, glove_text(v), "g.txt", no_header=True, binary=True)
    # a binary file still has its header, and binary=True never guesses a header away
    with pytest.raises(ValueError, match=r"g\.txt:1: expected a header"):
        load(tmp_path, glove_text(v), "g.txt", binary=True)


def test_glove_files_with_crlf_and_trailing_blank_lines_read(tmp_path):
    back = load(tmp_path, b"a 1 2\r\nb 3 4 \r\n\r\n\n  \n", "g.txt")
    assert back.words == ["a", "b"]
    np.testing.assert_array_equal(back.matrix, [[1, 2], [3, 4]])
    back = load(tmp_path, b"a 1 2\nb 3 4", "g.txt", no_header=True)  # no last newline
    assert back.words == ["a", "b"]


@pytest.mark.parametrize("no_header", [None, True])
@pytest.mark.parametrize("row, message", [
    (b"b 1", r"g\.txt:3: the row of 'b' has 1 numbers, but the first row, line 1, has 2 "
             r"\(the file has no header\)"),
    (b"b 1 2 3", r"g\.txt:3: the row of 'b' has 3 numbers"),
    (b"b 1 zwei", r"g\.txt:3: 'zwei' in the vector of 'b' is not a number"),
    (b"b 1 nan", r"g\.txt:3: the vector of 'b' has NaN or infinite values"),
    (b"", r"g\.txt:3: an empty line between rows"),
    (b"\xff 1 2", r"g\.txt:3: the word .* is not UTF-8"),
])
def test_bad_rows_of_a_file_without_a_header_name_the_line(tmp_path, no_header, row, message):
    data = b"a 1 2\nc 3 4\n" + row + b"\nd 5 6\n"
    with pytest.raises(ValueError, match=message):
        load(tmp_path, data, "g.txt", no_header=no_header)
    with pytest.raises(ValueError, match=message):  # compressed: the matrix grows instead
        load(tmp_path, gzip.compress(data), "g.txt", no_header=no_header)


@pytest.mark.parametrize("data, message", [
    (b"", r"g\.txt: the file is empty"),
    (b"\n\n", r"g\.txt:1: expected a row 'word x1 x2 \.\.\.' \(the file has no header\), "
              r"got ''"),
    (b"lonely\n", r"g\.txt:1: expected a row"),
])
def test_a_file_without_a_header_needs_a_first_row(tmp_path, data, message):
    with pytest.raises(ValueError, match=message):
        load(tmp_path, data, "g.txt", no_header=True)


@pytest.fixture(scope="module")
def large_text_without_header():
    """25 MB of text (17 digits a number) for a 4 MB float32 matrix."""
    matrix = np.random.default_rng(0).normal(size=(10_000, 100)).astype(np.float32)
    row = " %.17e" * matrix.shape[1] + "\n"
    data = "".join(f"w{i}" + row % tuple(r) for i, r in enumerate(matrix.tolist())).encode()
    return data, matrix


@pytest.mark.parametrize("compression", [None, "gz"])
def test_a_large_file_without_a_header_streams(tmp_path, large_text_without_header,
                                               compression):
    # reading the file whole, or keeping its rows as Python floats, would take more than
    # half the file's size; a buffer at a time into a float32 matrix (sized by counting
    # the lines of a plain file, grown for a compressed one) takes the matrix and buffers
    data, matrix = large_text_without_header
    path = tmp_path / "big.txt"
    path.write_bytes(COMPRESS[compression](data, 1) if compression else data)
    tracemalloc.start()
    try:
        back = Vectors.load_word2vec_format(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    np.testing.assert_array_equal(back.matrix, matrix)
    assert len(data) > 6 * matrix.nbytes
    assert matrix.nbytes < peak < len(data) / 2, (peak, matrix.nbytes, len(data))


@pytest.mark.parametrize("binary", [False, True])
@pytest.mark.parametrize("dim", [1, 2, 3])
def test_words_of_another_encoding_round_trip_as_their_bytes_first_word_too(tmp_path, binary,
                                                                           dim):
    """Words that are not UTF-8 (a fastText .bin's Latin-1 words, read as surrogates) are
    written as their bytes, as fastText's .vec holds them, and read back with
    unicode_errors="surrogateescape": also when such a word is the first row's, which
    the format's detection judged by its word (wrong vectors, or refused)."""
    latin = [b"caf\xe9".decode("utf-8", "surrogateescape"), "plain",
             b"na\xefve".decode("utf-8", "surrogateescape")]
    v = Vectors(latin, np.arange(3 * dim, dtype=np.float32).reshape(3, dim) + 0.5)
    path = tmp_path / "latin.vec"
    for _ in range(2):  # written again: recognised as a word2vec file, replaced
        v.save_word2vec_format(path, binary=binary)
    assert path.read_bytes().split(b"\n")[1].startswith(b"caf\xe9 ")
    back = Vectors.load_word2vec_format(path, unicode_errors="surrogateescape")
    assert back.words == latin and back.matrix.tolist() == v.matrix.tolist()
    with pytest.raises(ValueError, match="unicode_errors='surrogateescape' reads its bytes"):
        Vectors.load_word2vec_format(path)
