"""Documents: every source layout gives the same documents, ids and sentence mapping."""

from __future__ import annotations

import gzip
import json
from collections import namedtuple

import numpy as np
import pytest

from wordspace import Corpus, CorpusError, Documents

TEXTS = {"a": "the cat sat on the mat", "b": "a dog barked", "c": "the cat and the dog"}


def words_of(docs: Documents) -> dict[str, list[str]]:
    """Each document's encoded words, rebuilt from sentences and doc_of_sentence."""
    out = {i: [] for i in docs.ids}
    for sentence, d in zip(docs, docs.doc_of_sentence, strict=True):
        out[docs.ids[d]].extend(sentence)
    return out


def expected(texts=TEXTS):
    return {k: v.split() for k, v in texts.items()}


def test_json_lines_with_ids_compressed(tmp_path):
    path = tmp_path / "docs.jsonl.gz"
    with gzip.open(path, "wt") as f:
        for k, v in TEXTS.items():
            f.write(json.dumps({"id": k, "text": v, "label": "x"}) + "\n\n")
    docs = Documents(path, min_count=1, progress=False)
    assert docs.ids == ["a", "b", "c"] and docs.n_documents == 3
    assert words_of(docs) == expected()


def test_json_fields_are_configurable_and_ids_default_to_the_number(tmp_path):
    path = tmp_path / "docs.ndjson"
    path.write_text("\n\n".join(json.dumps({"body": v}) for v in TEXTS.values()))
    docs = Documents(path, min_count=1, text_field="body", progress=False)
    # numbers: integers, as gensim's int tags, of the records (a blank line is none)
    assert docs.ids == [0, 1, 2]
    assert list(words_of(docs).values()) == list(expected().values())
    numbered = tmp_path / "n.jsonl"
    numbered.write_text("\n".join(json.dumps({"doc": [10 + i, f"{10 + i}"][i % 2],
                                              "text": v})
                                  for i, v in enumerate(TEXTS.values())))
    ids = Documents(numbered, min_count=1, id_field="doc", progress=False).ids
    assert ids == [10, "11", 12] and [type(i) for i in ids] == [int, str, int]  # as given


def test_one_document_per_line_ids_are_line_numbers(tmp_path):
    path = tmp_path / "docs.txt"
    path.write_text("the cat sat on the mat\n\na dog barked\nthe cat and the dog\n")
    docs = Documents(path, min_count=1, progress=False)
    assert docs.ids == [0, 1, 2, 3]  # the blank line is an empty document, as in gensim
    assert list(words_of(docs).values()) == [["the", "cat", "sat", "on", "the", "mat"], [],
                                             ["a", "dog", "barked"],
                                             ["the", "cat", "and", "the", "dog"]]
    assert docs.documents_without_words() == [1]


def test_a_folder_holds_a_document_per_file(tmp_path):
    for k, v in TEXTS.items():
        (tmp_path / "topic" / k).parent.mkdir(exist_ok=True)
        (tmp_path / "topic" / f"{k}.txt").write_text(v.replace(" ", "\n", 1))  # lines join
    (tmp_path / "more.jsonl").write_text(json.dumps({"id": "d", "text": "dog dog"}) + "\n")
    docs = Documents(tmp_path, min_count=1, progress=False)
    assert docs.ids == ["d", "topic/a.txt", "topic/b.txt", "topic/c.txt"]
    assert words_of(docs) == {"d": ["dog", "dog"],
                              **{f"topic/{k}.txt": v for k, v in expected().items()}}


def test_iterables_of_pairs_texts_and_tagged_documents():
    TaggedDocument = namedtuple("TaggedDocument", "words tags")  # gensim's shape
    items = [("a", TEXTS["a"].split()), ("b", TEXTS["b"]),  # a text is tokenised
             TaggedDocument(TEXTS["c"].split(), ["c"])]
    docs = Documents(items, min_count=1)
    assert docs.ids == ["a", "b", "c"] and words_of(docs) == expected()
    upper = Documents([("x", "The CAT")], min_count=1, lowercase=True)
    assert words_of(upper) == {"x": ["the", "cat"]}


def test_min_count_and_documents_without_words():
    docs = Documents([("a", "cat cat dog"), ("b", "rare words only"), ("c", "dog cat")],
                     min_count=2)
    assert docs.ids == ["a", "b", "c"]
    assert docs.documents_without_words() == ["b"]
    assert words_of(docs) == {"a": ["cat", "cat", "dog"], "b": [], "c": ["dog", "cat"]}


def test_a_long_document_is_cut_into_sentences_of_the_same_document(monkeypatch):
    import wordspace.documents

    monkeypatch.setattr(wordspace.documents, "MAX_SENTENCE_LENGTH", 4)
    docs = Documents([("a", "w " * 10), ("b", "x y"), ("c", "z " * 9)], min_count=1)
    assert np.diff(docs.offsets).tolist() == [4, 4, 2, 2, 4, 4, 1]
    assert np.asarray(docs.doc_of_sentence).tolist() == [0, 0, 0, 1, 2, 2, 2]


def test_cached_documents_keep_their_ids(tmp_path):
    path = tmp_path / "docs.jsonl"
    path.write_text("\n".join(json.dumps({"id": k, "text": v}) for k, v in TEXTS.items()))
    first = Documents(path, min_count=1, progress=False)
    second = Documents(path, min_count=1, progress=False)
    assert second.cache_dir == first.cache_dir is not None
    assert second.ids == first.ids and words_of(second) == words_of(first)
    # a plain Corpus of the same text is cached apart (lines, not documents); of the
    # JSON lines themselves, it is refused (test_corpus_trust.py)
    plain = tmp_path / "docs.txt"
    plain.write_text("\n".join(TEXTS.values()) + "\n")
    assert Corpus(plain, min_count=1, progress=False).cache_dir != Documents(
        plain, min_count=1, progress=False).cache_dir


def test_cached_integer_ids_stay_integers_and_older_encodings_are_not_read(
        tmp_path, monkeypatch):
    import wordspace.documents
    from wordspace import cache

    path = tmp_path / "docs.txt"
    path.write_text("the cat sat\n\na dog barked\n")
    first = Documents(path, min_count=1, progress=False)
    second = Documents(path, min_count=1, progress=False)  # from the cache
    assert second.cache_dir == first.cache_dir is not None
    assert second.ids == [0, 1, 2] and all(type(i) is int for i in second.ids)
    # an encoding written before integer ids were kept (its ids all strings), or before
    # a blank line was an empty document (its ids skipped its number), is not read
    old = {}
    for layout in (True, 2):
        with monkeypatch.context() as patched:
            patched.setattr(wordspace.documents, "IDS_FORMAT", layout)
            old[layout] = Documents(path, min_count=1, progress=False).cache_dir
    assert len({first.cache_dir, *old.values()}) == 3
    listed = {e.folder: (e.status, e.why) for e in cache.corpus_caches()}
    assert listed == {first.cache_dir: ("ok", ""),
                      old[True]: ("old format", "documents' ids all made strings"),
                      old[2]: ("old format", "blank lines of text files were no document")}


def test_gensim_int_tags_and_numpy_integers_are_integer_ids():
    TaggedDocument = namedtuple("TaggedDocument", "words tags")
    docs = Documents([TaggedDocument(["a", "b"], [4]), TaggedDocument(["b"], np.int64(9)),
                      (np.int32(2), "a"), ("x", "b")], min_count=1)
    assert docs.ids == [4, 9, 2, "x"] and [type(i) for i in docs.ids] == [int, int, int, str]


def test_corpus_sentences_know_their_lines(tmp_path):
    (tmp_path / "1.txt").write_text("a b c\n\nd e\n" + "f " * 7 + "\n")
    (tmp_path / "2.txt").write_text("g h\ni")  # lines go on counting, file after file
    corpus = Corpus(tmp_path, min_count=1, max_sentence_length=3, progress=False)
    assert np.diff(corpus.offsets).tolist() == [3, 2, 3, 3, 1, 2, 1]
    assert np.asarray(corpus.sentence_line).tolist() == [0, 2, 3, 3, 3, 4, 5]


def test_a_dataset_name_is_read_by_its_own_parser(tmp_path, monkeypatch):
    """A documents dataset's canonical folder (label/name.txt, and a README beside the
    labels, as BBC's archive has) gives the articles only, with the parser's ids."""
    from wordspace import datasets
    from wordspace.datasets import Dataset

    folder = tmp_path / "mirror" / "toy"
    for label, texts in {"cats": ["cat sat", "cat ran"], "dogs": ["dog barked"]}.items():
        (folder / label).mkdir(parents=True)
        for i, text in enumerate(texts):
            (folder / label / f"{i:03}.txt").write_text(text)
    (folder / "README.TXT").write_text("about this collection")
    monkeypatch.setenv("WORDSPACE_DATA", str(tmp_path / "mirror"))
    monkeypatch.setitem(datasets.REGISTRY, "toy-docs", Dataset(
        "toy-docs", "documents", "toy", ("https://example.org/toy.zip",), "toy.zip",
        mirror=("toy",)))
    docs = Documents("toy-docs", min_count=1, progress=False)
    assert docs.ids == ["cats/000.txt", "cats/001.txt", "dogs/000.txt"]
    assert words_of(docs)["dogs/000.txt"] == ["dog", "barked"] and docs.name == "toy-docs"


@pytest.mark.parametrize("content,message", [
    ('{"id": 1, "text": "a b"}\n{"id": 1, "text": "c"}\n', "docs.jsonl:2: document id 1 "
                                                           "was already used"),
    # unique as text: dv["1"] and dv[1] find one document
    ('{"id": 1, "text": "a b"}\n{"id": "1", "text": "c"}\n', "docs.jsonl:2: document id '1' "
     "was already used by .*docs.jsonl:1; ids must be unique \\(as text: 7 and '7' are one "
     "id"),
    ('{"id": 1, "text": "a b"}\n{"id": 2, "body": "c"}\n', "docs.jsonl:2: the record has no "
                                                           "'text' field"),
    ('{"id": 1, "text": "a b"}\n{"id": 2, "text": \n', "docs.jsonl:2: not valid JSON"),
    ('["a", "b"]\n', "docs.jsonl:1: expected a JSON object per line"),
    ('[{"id": 1, "text": "a"},\n {"id": 2, "text": "b"}]\n', "one object per line"),
    ('{"id": null, "text": "a b"}\n', "docs.jsonl:1: a document id must be a string or"),
    ('{"id": 1, "text": 5}\n', "docs.jsonl:1: a document's text must be a string"),
    # records with and without ids: the clash says which had none (was: only "document 0")
    ('{"text": "x y"}\n{"id": 0, "text": "z"}\n',
     r"docs.jsonl:2: document id 0 was already used by .*docs.jsonl:1; that record had no "
     r"'id' field, so it was given its document number as id; ids must be unique \(give "
     r"every record an id, or none\)"),
    ('{"id": 1, "text": "x y"}\n{"text": "z"}\n',
     r"docs.jsonl:2: document id 1 was already used by .*docs.jsonl:1: this record has no "
     r"'id' field, so it was given its document number as id"),
])
def test_bad_records_are_named_by_file_and_line(tmp_path, content, message):
    path = tmp_path / "docs.jsonl"
    path.write_text(content)
    with pytest.raises(CorpusError, match=message):
        Documents(path, min_count=1, progress=False)


def test_a_repeated_id_names_the_file_and_line_of_its_first_use(tmp_path):
    """It named the earlier document's number ("document 0"), which a file's reader has
    to count to: its line, in whichever file, is where to look."""
    (tmp_path / "a.jsonl").write_text('{"id": "x0", "text": "a"}\n\n{"id": "x1", "text": "b"}\n')
    (tmp_path / "b.jsonl").write_text('{"id": "x2", "text": "c"}\n{"id": "x1", "text": "d"}\n')
    with pytest.raises(CorpusError, match=r"b.jsonl:2: document id 'x1' was already used by "
                                          r"\S*a.jsonl:3; ids must be unique$"):
        Documents(tmp_path, min_count=1, cache=False, progress=False)


def test_json_fields_are_refused_where_no_record_would_be_read(tmp_path):
    """text_field and id_field were ignored without a word on a text file, a folder of
    them, an iterable or a dataset: the ids silently numbers."""
    text = tmp_path / "docs.txt"
    text.write_text("a b\nc d\n")
    with pytest.raises(CorpusError, match=r"^text_field='body' \(--text-field\) names a field "
                                          r"of JSON-lines records, and \S*docs.txt is no "
                                          r"JSON-lines file .*: each line is a document, its "
                                          r"id the line number; leave it out$"):
        Documents(text, min_count=1, text_field="body", cache=False, progress=False)
    with pytest.raises(CorpusError, match=r"id_field='doc' \(--id-field\) name fields .* and "
                                          r"\S* holds no JSON-lines file"):
        Documents(tmp_path, min_count=1, text_field="t", id_field="doc", progress=False)
    with pytest.raises(CorpusError, match=r"and documents given in Python are \(id, text\) "
                                          r"pairs or TaggedDocuments; leave it out$"):
        Documents([("a", "x y")], min_count=1, id_field="doc")
    (tmp_path / "more.jsonl").write_text('{"doc": "d1", "t": "e f"}\n')  # read there
    assert Documents(tmp_path, min_count=1, text_field="t", id_field="doc",
                     progress=False).ids == ["docs.txt", "d1"]


def test_json_lines_without_ids_are_warned_about_naming_the_fields(tmp_path, caplog):
    path = tmp_path / "docs.jsonl"
    path.write_text('{"doc": "x1", "body": "a b", "label": "p"}\n{"doc": "x2", "body": "c"}\n')
    assert Documents(path, min_count=1, text_field="body", progress=False).ids == [0, 1]
    said = [r.getMessage() for r in caplog.records if "no record has" in r.getMessage()]
    assert said == [f"{path}: no record has an 'id' field (the first, {path}:1, has: 'doc', "
                    "'body', 'label'): the ids are the documents' numbers, from 0; if 'doc' "
                    "holds them, id_field='doc' (--id-field doc) names them"]
    caplog.clear()  # a record with an id: nothing to say (the others' numbers may clash)
    path.write_text('{"text": "a b"}\n{"id": "x2", "text": "c"}\n')
    assert Documents(path, min_count=1, progress=False).ids == [0, "x2"]
    assert "no record has" not in caplog.text


def test_bad_iterables_say_what_a_document_is():
    with pytest.raises(CorpusError, match="document 1: a list of strings reads as tokens"):
        Documents([("a", ["x"]), ["just", "tokens"]], min_count=1)
    with pytest.raises(CorpusError, match="document 0: expected an \\(id, tokens\\) pair"):
        Documents([("a", ["x"], "extra")], min_count=1)
    for bad_id in (None, True, 1.5):
        with pytest.raises(CorpusError, match="a document id must be a string or an integer"):
            Documents([(bad_id, ["x"])], min_count=1)
    with pytest.raises(CorpusError, match="exactly one tag, got \"\\['a', 'b'\\]\": each "
                                          "document has one vector, under its id"):
        Documents([namedtuple("T", "words tags")(["x"], ["a", "b"])], min_count=1)
    # one label shared by documents, as gensim's tags may be: said as for several tags
    tagged = namedtuple("TaggedDocument", "words tags")
    with pytest.raises(CorpusError, match=r"document 2: document id 'even' was already used "
                                          r"by document 0; ids must be unique: each "
                                          r"document has one vector, under its id \(gensim "
                                          r"trains a vector for every tag, a label shared "
                                          r"by documents too\); tag each with its own id, "
                                          r"and keep labels beside it$"):
        Documents([tagged(["x"], ["even"]), tagged(["y"], ["odd"]),
                   tagged(["z"], ["even"])], min_count=1)
    with pytest.raises(CorpusError, match=r"ids must be unique$"):  # wordspace's own pairs
        Documents([("even", ["x"]), ("even", ["z"])], min_count=1)
    with pytest.raises(TypeError, match=r"iterable of \(id, tokens\) pairs"):
        Documents(42)
    with pytest.raises(FileNotFoundError, match="documents file not found"):
        Documents("no-such-collection")


def test_doc_vectors_check_ids_in_one_pass_and_fold_new_ones_spelt_alike():
    """Ids unique as text, checked in one pass (a million ids in well under a second:
    the check was quadratic), and ids added in two spellings of one text become one."""
    import time

    from wordspace.vectors import DocVectors

    ids = list(range(1_000_000)) + ["999999"]
    start = time.perf_counter()
    with pytest.raises(ValueError, match="document id '999999' is given twice"):
        DocVectors(ids, np.zeros((len(ids), 2), np.float32))
    assert time.perf_counter() - start < 5  # quadratic: hours
    dv = DocVectors([5, "a"], np.zeros((2, 2), np.float32))
    dv.add_vectors([7, "7"], np.array([[1, 0], [0, 1]], np.float32))
    assert dv.ids == [5, "a", 7] and dv[7].tolist() == dv["7"].tolist() == [0, 1]
