"""Vectors.save / Vectors.load (gensim's KeyedVectors.save / load(mmap='r')): vectors
directories round-trip every word, count, class and query; anything damaged is refused
naming the file; saving replaces only an earlier vectors directory, atomically."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from wordspace import DocVectors, SubwordVectors, Vectors
from wordspace.cli import main
from wordspace.models.base import load_scorable, load_vectors
from wordspace.subwords import Subwords
from wordspace.vectors_directory import FORMAT_VERSION, is_vectors_directory

AWKWARD = ["the", "new york", "tab\there", "line\u2028sep", "cr\rlf\n", "back\\slash\\t",
           "\udcff\udc80bytes", "\ud800", "", "x" * 20000, "é漢字", "# wordspace vocabulary"]


def _vectors(words=AWKWARD, counts=True, dim=7, seed=0) -> Vectors:
    rng = np.random.default_rng(seed)
    matrix = rng.standard_normal((len(words), dim)).astype(np.float32)
    return Vectors(words, matrix, np.arange(len(words), 0, -1) * 10 if counts else None)


def _files(path) -> dict[str, bytes]:
    return {name: (path / name).read_bytes() for name in sorted(os.listdir(path))}


@pytest.mark.parametrize("mmap", [None, "r", False, True])
def test_round_trip_keeps_words_matrix_counts_and_answers(tmp_path, mmap):
    v = _vectors()
    v.save(tmp_path / "vd")
    back = Vectors.load(tmp_path / "vd", mmap=mmap)
    assert type(back) is Vectors
    assert back.words == AWKWARD
    assert back.matrix.dtype == np.float32
    assert back.matrix.tobytes() == v.matrix.tobytes()  # bit-identical
    assert back.counts.tolist() == v.counts.tolist()
    assert back.get_vecattr("tab\there", "count") == v.get_vecattr("tab\there", "count")
    for word in ("the", "\udcff\udc80bytes", "cr\rlf\n"):
        assert back.most_similar(word, topn=5) == v.most_similar(word, topn=5)
    assert back.similarity("the", "") == v.similarity("the", "")
    assert back.most_similar(positive=["the", "new york"], negative=["\ud800"]) == \
        v.most_similar(positive=["the", "new york"], negative=["\ud800"])


def test_counts_absent_stay_absent(tmp_path):
    _vectors(counts=False).save(tmp_path / "vd")
    back = Vectors.load(tmp_path / "vd")
    assert back.counts is None
    with pytest.raises(KeyError):
        back.get_vecattr("the", "count")


def test_zero_counts_are_counts(tmp_path):  # not "no counts", and not refused
    v = _vectors(["a", "b"])
    v.counts[:] = 0
    v.save(tmp_path / "vd")
    assert Vectors.load(tmp_path / "vd").counts.tolist() == [0, 0]


def test_mmap_is_a_read_only_memory_map(tmp_path):
    v = _vectors()
    v.save(tmp_path / "vd")
    back = Vectors.load(tmp_path / "vd", mmap="r")
    assert isinstance(back.matrix, np.memmap)
    assert not back.matrix.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        back.matrix[0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        back.vectors[1, 2] += 1.0
    assert back.matrix.tobytes() == v.matrix.tobytes()
    back.most_similar("the")  # the unit rows are computed in memory
    assert not isinstance(back.unit, np.memmap) or back.unit.filename is None
    back["added"] = np.ones(v.dim, np.float32)  # adding copies the matrix into memory
    assert back.most_similar("added", topn=1)
    not_mapped = Vectors.load(tmp_path / "vd")
    assert not isinstance(not_mapped.matrix, np.memmap)
    not_mapped.matrix[0] = 1.0  # in memory: writable
    with pytest.raises(ValueError, match="mmap must be None or 'r'"):
        Vectors.load(tmp_path / "vd", mmap="r+")


def test_subword_vectors_compose_unseen_words_after_loading(tmp_path):
    rng = np.random.default_rng(1)
    words = ["running", "jumped", "\udcffodd", "walk"]
    sub = Subwords(3, 5, 50)
    inputs = rng.standard_normal((sub.rows(len(words)), 6)).astype(np.float32)
    v = SubwordVectors(words, rng.standard_normal((4, 6)).astype(np.float32), [4, 3, 2, 1],
                       inputs=inputs, subwords=sub)
    v.save(tmp_path / "sv")
    for mmap in (None, "r"):
        back = Vectors.load(tmp_path / "sv", mmap=mmap)
        assert type(back) is SubwordVectors
        assert (back.min_n, back.max_n, back.bucket) == (3, 5, 50)
        assert "runner" not in back
        for unseen in ("runner", "jumping", "\udcffodder"):
            assert back[unseen].tobytes() == v[unseen].tobytes()
        assert back.vectors_ngrams.tobytes() == v.vectors_ngrams.tobytes()
        assert back.most_similar("walking", topn=3) == v.most_similar("walking", topn=3)
        assert back.counts.tolist() == [4, 3, 2, 1]
    # exported with --limit: fewer words, the same n-gram rows
    head = v._head(2)
    head.save(tmp_path / "head")
    assert SubwordVectors.load(tmp_path / "head")["runner"].tobytes() == \
        v["runner"].tobytes()


def test_subword_vectors_without_ngrams(tmp_path):
    v = SubwordVectors(["ab", "cd"], np.eye(2, dtype=np.float32), None,
                       inputs=np.eye(2, dtype=np.float32), subwords=Subwords(3, 0, 0))
    v.save(tmp_path / "sv")
    back = SubwordVectors.load(tmp_path / "sv", mmap="r")
    assert back.bucket == 0 and back.vectors_ngrams.shape == (0, 2)
    with pytest.raises(KeyError):
        back["unseen"]


def test_doc_vectors_keep_int_and_str_ids(tmp_path):
    ids = [7, "7b", 0, "tech/001.txt", -3, "\udcffid"]
    dv = DocVectors(ids, np.random.default_rng(2).standard_normal((6, 5)).astype(np.float32))
    dv.save(tmp_path / "dv")
    back = Vectors.load(tmp_path / "dv", mmap="r")
    assert type(back) is DocVectors
    assert back.ids == ids and [type(i) for i in back.ids] == [type(i) for i in ids]
    assert back.most_similar(7, topn=6) == dv.most_similar(7, topn=6)
    assert back["7"].tobytes() == dv[7].tobytes()
    with pytest.raises(RuntimeError, match="load the model directory"):
        back.infer("some text")
    with pytest.raises(ValueError, match="holds DocVectors, not SubwordVectors"):
        SubwordVectors.load(tmp_path / "dv")


def test_a_subclass_asked_for_must_be_the_saved_one(tmp_path):
    _vectors().save(tmp_path / "vd")
    with pytest.raises(ValueError, match="holds Vectors, not DocVectors"):
        DocVectors.load(tmp_path / "vd")


# -- refusals: where it writes --------------------------------------------------------
def test_an_earlier_vectors_directory_and_an_empty_one_are_replaced(tmp_path):
    _vectors(seed=0).save(tmp_path / "vd")
    _vectors(["a", "b"], seed=1).save(tmp_path / "vd")
    assert Vectors.load(tmp_path / "vd").words == ["a", "b"]
    (tmp_path / "empty").mkdir()
    _vectors().save(tmp_path / "empty")
    assert is_vectors_directory(tmp_path / "empty")


@pytest.mark.parametrize("kind", ["file", "dir", "symlink", "model-like", "extra"])
def test_what_is_not_ours_is_refused_and_left_as_it_was(tmp_path, kind):
    target = tmp_path / "target"
    if kind == "file":
        target.write_text("precious\n")
    elif kind == "dir":
        target.mkdir()
        (target / "notes.txt").write_text("precious\n")
    elif kind == "symlink":
        _vectors(["a"]).save(tmp_path / "real")
        target.symlink_to(tmp_path / "real")
    elif kind == "model-like":
        target.mkdir()
        (target / "vectors.json").write_text('{"kind": "something else"}')
    else:  # an earlier vectors directory with a file of the user's beside it
        _vectors(["a"]).save(target)
        (target / "results.json").write_text("{}")
    before = _files(target) if target.is_dir() else target.read_bytes()
    with pytest.raises(FileExistsError):
        _vectors().save(target)
    assert (_files(target) if target.is_dir() else target.read_bytes()) == before
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_the_current_directory_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "keep.txt").write_text("x")
    with pytest.raises(FileExistsError):
        _vectors().save(".")
    assert os.listdir(tmp_path) == ["keep.txt"]


def test_vectors_that_could_not_be_loaded_are_not_written(tmp_path):
    v = _vectors(["a", "b"])
    v.matrix[1, 0] = np.nan
    with pytest.raises(ValueError, match="'b' \\(row 1\\) holds a non-finite"):
        v.save(tmp_path / "vd")
    twice = _vectors(["a", "b"])
    twice.words[1] = "a"  # edited in place (the constructor refuses a word twice)
    with pytest.raises(ValueError, match="the key 'a' is in these vectors twice"):
        twice.save(tmp_path / "vd")
    assert not (tmp_path / "vd").exists()


def test_a_crash_mid_save_leaves_the_earlier_directory(tmp_path, monkeypatch):
    _vectors(["old", "words"]).save(tmp_path / "vd")
    before = _files(tmp_path / "vd")
    real_save = np.save
    seen = []

    def failing_save(file, array, *args, **kwargs):
        seen.append(os.path.dirname(file))
        assert os.path.isdir(os.path.dirname(file))  # the temporary directory exists
        real_save(file, array, *args, **kwargs)
        raise OSError(28, "simulated crash")

    monkeypatch.setattr(np, "save", failing_save)
    with pytest.raises(OSError):
        _vectors().save(tmp_path / "vd")
    monkeypatch.undo()
    assert seen and os.path.basename(seen[0]).startswith(".vd.")
    assert _files(tmp_path / "vd") == before
    assert Vectors.load(tmp_path / "vd").words == ["old", "words"]
    assert sorted(os.listdir(tmp_path)) == ["vd"]  # no temporary left visible


# -- refusals: what it reads ----------------------------------------------------------
@pytest.fixture
def saved(tmp_path):
    _vectors(["a", "b", "c"]).save(tmp_path / "vd")
    return tmp_path / "vd"


def _header(path, **changes):
    header = json.loads((path / "vectors.json").read_text())
    header.update(changes)
    (path / "vectors.json").write_text(json.dumps(header))


@pytest.mark.parametrize("mmap", [None, "r"])
def test_a_truncated_matrix_is_refused(saved, mmap):
    data = (saved / "vectors.npy").read_bytes()
    (saved / "vectors.npy").write_bytes(data[:-10])
    with pytest.raises(ValueError, match="vectors.npy"):
        Vectors.load(saved, mmap=mmap)


@pytest.mark.parametrize("mmap", [None, "r"])
def test_a_nan_in_the_matrix_is_refused(saved, mmap):
    matrix = np.load(saved / "vectors.npy")
    matrix[2, 1] = np.nan
    np.save(saved / "vectors.npy", matrix)
    with pytest.raises(ValueError, match=r"vectors.npy: holds non-finite.*row 2"):
        Vectors.load(saved, mmap=mmap)


@pytest.mark.parametrize("matrix", [np.zeros((3, 6), np.float32), np.zeros((4, 7), np.float32),
                                    np.zeros(21, np.float32), np.zeros((3, 7), np.int64)])
def test_a_matrix_of_another_shape_or_type_is_refused(saved, matrix):
    np.save(saved / "vectors.npy", matrix)
    with pytest.raises(ValueError, match="vectors.npy: expected"):
        Vectors.load(saved, mmap="r")


def test_a_vocabulary_of_another_length_is_refused(saved):
    with open(saved / "vocab.tsv", "a") as f:
        f.write("d\t1\n")
    with pytest.raises(ValueError, match=r"vocab.tsv: 4 words, and vectors.json says 3"):
        Vectors.load(saved)


@pytest.mark.parametrize("line", ["d\n", "d\t-1\n", "a\t3\n", "c\tc\t3\n", "\n"])
def test_a_damaged_vocabulary_is_refused(saved, line):
    text = (saved / "vocab.tsv").read_text().splitlines(keepends=True)
    (saved / "vocab.tsv").write_text("".join(text[:-1]) + line)
    with pytest.raises(ValueError, match="vocab.tsv"):
        Vectors.load(saved)


@pytest.mark.parametrize("name", ["vectors.json", "vocab.tsv", "vectors.npy"])
def test_a_missing_file_is_named(saved, name):
    (saved / name).unlink()
    with pytest.raises(FileNotFoundError, match=name):
        Vectors.load(saved)


@pytest.mark.parametrize("changes, message", [
    ({"format": FORMAT_VERSION + 1}, "newer wordspace"),
    ({"format": "1"}, "'format' must be"),
    ({"kind": "gensim"}, "not a wordspace vectors header"),
    ({"class": "KeyedVectors"}, "unknown class"),
    ({"dim": 6}, "vectors.npy: expected shape 3 x 6"),
    ({"rows": -1}, "'rows' must be"),
    ({"counts": "yes"}, "'counts' must be"),
    ({"class": "SubwordVectors"}, "'subwords' must give"),
])
def test_a_bad_header_is_refused(saved, changes, message):
    _header(saved, **changes)
    with pytest.raises(ValueError, match=message):
        Vectors.load(saved)


def test_a_header_that_is_no_json_is_refused(saved):
    (saved / "vectors.json").write_text("{not json")
    with pytest.raises(ValueError, match="vectors.json: not readable JSON"):
        Vectors.load(saved)
    with pytest.raises(FileExistsError, match="vectors.json is damaged"):
        _vectors().save(saved)  # no longer recognisably ours: not replaced


def test_damaged_ngram_rows_and_ids_are_refused(tmp_path):
    sub = Subwords(3, 4, 10)
    v = SubwordVectors(["abc"], np.ones((1, 3), np.float32), None,
                       inputs=np.ones((11, 3), np.float32), subwords=sub)
    v.save(tmp_path / "sv")
    np.save(tmp_path / "sv" / "ngrams.npy", np.ones((9, 3), np.float32))
    with pytest.raises(ValueError, match="ngrams.npy: expected shape 10 x 3"):
        Vectors.load(tmp_path / "sv")
    DocVectors([1, "a"], np.ones((2, 3), np.float32)).save(tmp_path / "dv")
    (tmp_path / "dv" / "doc_ids.json").write_text('[1, "1"]')
    with pytest.raises(ValueError, match="doc_ids.json: document ids repeat"):
        Vectors.load(tmp_path / "dv")


# -- where users look for it ----------------------------------------------------------
def test_every_model_argument_reads_a_vectors_directory(tmp_path, capsys):
    words = ["king", "queen", "man", "woman", "apple"]
    matrix = np.array([[1, 1, 0], [1, 0.9, 0.1], [0, 1, 0], [0, 0.9, 0.1], [0, 0, 1]],
                      np.float32)
    Vectors(words, matrix).save(tmp_path / "vd")
    loaded = load_scorable(tmp_path / "vd")
    assert isinstance(loaded.matrix, np.memmap)
    assert load_vectors(str(tmp_path / "vd")).words == words
    assert main(["similar", str(tmp_path / "vd"), "king", "--topn", "2"]) == 0
    out = capsys.readouterr().out.split()
    assert out[0] == "queen" and out[2] == "man"
    assert main(["export", str(tmp_path / "vd"), "-o", str(tmp_path / "again"),
                 "--format", "vectors-dir", "--limit", "2"]) == 0
    assert Vectors.load(tmp_path / "again").words == ["king", "queen"]


def test_a_loader_given_another_kind_of_file_names_the_call_that_loads_it(tmp_path):
    """``Vectors.load`` of a word2vec file, ``load_model`` of a vectors directory, and so
    on: the error says what is there and which call loads it."""
    from wordspace import SkipGram, load_model

    v = Vectors(["a", "b"], np.eye(2, dtype=np.float32))
    v.save_word2vec_format(tmp_path / "v.bin", binary=True)
    v.save(tmp_path / "vd")
    model = SkipGram(dim=4, epochs=1, workers=1, progress=False).fit(
        [["a", "b", "c"] * 20] * 20)
    model.save(tmp_path / "m")
    (tmp_path / "gensim.model").write_bytes(b"\x80\x04\x95pickled\x00\x01")
    for call, said in (
            (lambda: Vectors.load(tmp_path / "v.bin"),
             r"v.bin is not a wordspace vectors directory \(no vectors.json\); it is a "
             "word2vec file .*: Vectors.load_word2vec_format\\(path\\) loads it"),
            (lambda: load_model(tmp_path / "vd"),
             "vd is not a wordspace model directory .*; it is a vectors directory: "
             "Vectors.load\\(path\\) loads it"),
            (lambda: Vectors.load(tmp_path / "m"),
             "m is not a wordspace vectors directory .*; it is a model directory: "
             "wordspace.load_model\\(path\\) loads it, load_model\\(path\\).vectors"),
            (lambda: Vectors.load(tmp_path / "none"), "none is not .*: nothing is there"),
            (lambda: load_model(tmp_path / "gensim.model"),
             r"gensim.model is not a wordspace model directory \(no config.json\); it is "
             "a Python pickle .*: in gensim, write the vectors with "
             r".wv.save_word2vec_format\(path, binary=True\) and read that with "
             r"Vectors.load_word2vec_format\(path\)$")):
        with pytest.raises(FileNotFoundError, match=said):
            call()
    assert Vectors.load_word2vec_format(tmp_path / "v.bin").words == ["a", "b"]


def test_what_gensim_saved_is_named_as_gensim_s_pickle_by_every_loader(tmp_path):
    """A file gensim's ``save()`` wrote (a model's, a ``KeyedVectors``'), given to
    ``load_model``, a model class's ``load`` or ``Vectors.load``, is said to be gensim's
    pickle with how to bring its vectors over (as ``load_word2vec_format`` says), and so
    is a ``.npy`` file gensim wrote beside its pickle; the advice given works."""
    from gensim.models import Word2Vec

    from wordspace import SkipGram, load_model

    model = Word2Vec([["a", "b", "c", "d"] * 5] * 20, vector_size=8, min_count=1,
                     epochs=1, workers=1)
    model.save(str(tmp_path / "g.model"))
    model.wv.save(str(tmp_path / "g.kv"))
    model.save(str(tmp_path / "big.model"), sep_limit=0)  # its arrays in .npy files
    assert (tmp_path / "big.model.wv.vectors.npy").is_file()
    pickle = (r"a Python pickle \(gensim's model.save\(\) or KeyedVectors.save\(\) write "
              r"one\), which wordspace never unpickles: in gensim, write the vectors with "
              r".wv.save_word2vec_format\(path, binary=True\) and read that with "
              r"Vectors.load_word2vec_format\(path\)$")
    for name, said in (("g.model", "it is " + pickle), ("g.kv", "it is " + pickle),
                       ("big.model", "it is " + pickle),
                       ("big.model.wv.vectors.npy",
                        r"it is an array gensim's save\(\) wrote beside big.model, "
                        + pickle)):
        for load in (load_model, SkipGram.load, Vectors.load):
            with pytest.raises(FileNotFoundError, match=f"{name} is not a wordspace .*; "
                                                        f"{said}"):
                load(tmp_path / name)
    with pytest.raises(ValueError, match="big.model.wv.vectors.npy is a NumPy array "
                                         r"gensim's save\(\) wrote beside big.model"):
        Vectors.load_word2vec_format(tmp_path / "big.model.wv.vectors.npy")
    model.wv.save_word2vec_format(str(tmp_path / "g.bin"), binary=True)
    assert Vectors.load_word2vec_format(tmp_path / "g.bin").words == model.wv.index_to_key
