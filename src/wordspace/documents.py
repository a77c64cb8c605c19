"""Documents with ids, for document vectors: a corpus whose lines are documents.

:class:`Documents` reads a collection once, like :class:`~wordspace.corpus.Corpus`
(whose pipeline, vocabulary, encoding and cache it shares), and remembers which
document each encoded sentence came from and each document's id.

Sources:

* a JSON-lines file (``.jsonl``, ``.ndjson`` or ``.json``, optionally compressed): one
  object a line, the text in ``text_field`` and the id in ``id_field`` (the document's
  number, an integer, if absent; a blank line is no record and no document);
* any other text file (plain, .gz, .bz2, .xz): one document a line, its id the line
  number counted from 0, an integer as gensim's ``TaggedLineDocument`` tags it (a blank
  line is an empty document, as there, so the ids are 0 to n - 1: its vector is zero);
* a folder: each file one document, its id the file's path relative to the folder
  (JSON-lines files in it contribute a document per line);
* an iterable of ``(id, tokens)`` pairs, where tokens is a list of strings or a text to
  tokenise, or of objects with ``words`` and ``tags`` (gensim's ``TaggedDocument``);

Ids are strings or integers, kept as given (``7`` stays ``7``, ``"7"`` stays ``"7"``;
a NumPy integer becomes an ``int``), and unique as text: ``7`` and ``"7"`` in one
collection are the same id twice.
* a dataset name of kind ``documents`` (``"bbc"``), fetched or taken from the mirror
  and read by its own parser (:func:`wordspace.datasets.read_documents`).

Each document is held in memory whole while it is tokenised (the collection is not):
documents are expected to be articles, not 100 MB lines.
"""

from __future__ import annotations

import bisect
import io
import json
import logging
import os
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from wordspace import datasets
from wordspace._io import atomic_write
from wordspace._json import parse_json
from wordspace._tokens import shorten
from wordspace.corpus import (
    BAD_MARK,
    MAX_SENTENCE_LENGTH,
    MAX_TOKEN_LENGTH,
    Corpus,
    CorpusError,
    _Batcher,
    _first_bad_at,
    _start_file,
    _warn_bad_bytes,
    binary_error,
    check_unchanged,
    open_source,
)

if TYPE_CHECKING:
    from wordspace.phrases import Phrases

logger = logging.getLogger(__name__)

_JSON_SUFFIXES = (".jsonl", ".ndjson", ".json")
#: the JSON-lines fields a document's text and id are read from unless told otherwise
TEXT_FIELD, ID_FIELD = "text", "id"
#: how the cache keeps documents (its key's ``documents``): 3, a blank line of a text
#: file is an empty document; before, why an encoding of that format is read again
IDS_FORMAT = 3
OLD_IDS_FORMATS = {True: "documents' ids all made strings",
                   2: "blank lines of text files were no document"}
#: why a TaggedDocument takes one tag of its own, said where gensim's tags (several, or
#: a label shared by documents) meet wordspace's ids
_ONE_VECTOR_A_DOCUMENT = ("each document has one vector, under its id (gensim trains a "
                          "vector for every tag, a label shared by documents too); tag "
                          "each with its own id, and keep labels beside it")


def is_document_id(value) -> bool:
    """Whether ``value`` is a document id as kept: a string or a plain ``int`` (not a
    bool; a NumPy integer is made an ``int`` when read)."""
    return type(value) in (str, int)


def is_tagged_document(item) -> bool:
    """Whether ``item`` is a gensim ``TaggedDocument`` (or alike): it has ``words`` and
    ``tags``."""
    return hasattr(item, "words") and hasattr(item, "tags")


def write_document_ids(file: Path, ids: list) -> None:
    """Write document ids (strings and integers, as given) as the JSON list
    :func:`read_document_ids` reads: as compact as the ids themselves (a fixed-width
    unicode array would pad every id to the longest one)."""
    file.write_text(json.dumps(ids) + "\n")


def read_document_ids(file: Path, whole: str) -> list[str | int]:
    """The document ids in ``file`` (:func:`write_document_ids`'s JSON list), checked:
    strings or integers, unique as text. A missing file is a ``FileNotFoundError``
    saying ``whole`` (what it belongs to) is incomplete; anything else wrong, a
    ``ValueError`` naming the file."""
    try:
        ids = parse_json(file.read_bytes())
    except FileNotFoundError:
        raise FileNotFoundError(f"{file} is missing: {whole} is incomplete") from None
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise ValueError(f"{file}: not readable JSON ({e})") from None
    return check_document_ids(file, ids)


def check_document_ids(file: Path, ids) -> list[str | int]:
    """``ids`` as read from ``file``, refused (a ``ValueError`` naming it) unless a list
    of document ids unique as text."""
    if not isinstance(ids, list) or not all(map(is_document_id, ids)):
        raise ValueError(f"{file}: expected a list of document ids (strings or "
                         "integers)")
    if len({str(i) for i in ids}) != len(ids):  # unique as text, as they are given
        raise ValueError(f"{file}: document ids repeat")
    return ids


_COMPRESSED = (".gz", ".bz2", ".xz")


def is_json_lines(path: Path) -> bool:
    """Whether a file's name says JSON lines (compression suffixes aside)."""
    suffixes = [s.lower() for s in path.suffixes]
    while suffixes and suffixes[-1] in _COMPRESSED:
        suffixes.pop()
    return bool(suffixes) and suffixes[-1] in _JSON_SUFFIXES


class Documents(Corpus):
    """A tokenised collection of documents with ids, encoded once.

    Parameters
    ----------
    source : str, Path or iterable
        See the module docstring: a JSON-lines file, a one-document-a-line text file, a
        folder of documents, an iterable of ``(id, tokens)`` pairs, or a dataset name.
    min_count, max_vocab_size, lowercase, token_pattern, unk, cache, progress, max_token_length
        As for :class:`~wordspace.corpus.Corpus`.
    max_final_vocab : int, optional
        At most this many words, the most frequent, as for :class:`~wordspace.corpus.Corpus`.
    phrases : Phrases, str or Path, optional
        Join phrases in each document while reading, as for
        :class:`~wordspace.corpus.Corpus` (a table, or the path of one it saved).
    text_field, id_field : str
        Fields of a JSON-lines record that hold the text and the id; set for a source
        with no JSON-lines file, an error (nothing would read them). Where no record has
        the id field, a warning names the fields the first one has.

    Attributes
    ----------
    ids : list of str or int
        Document ids in document order, as the source gave them: strings, or integers
        (line numbers and the numbers of records without an id are integers); anything
        else is an error.
    doc_of_sentence : ndarray of int64
        The document each encoded sentence belongs to (a document longer than
        ``MAX_SENTENCE_LENGTH`` tokens is cut into several sentences).
    vocab, tokens, offsets
        As for :class:`~wordspace.corpus.Corpus`.
    """

    _dataset_kind = "documents"
    _items = "(id, tokens) pairs"

    #: a document's row is trained where its text is: not shared between ranks yet
    _shardable = False

    def __init__(self, source, min_count: int = 5, max_vocab_size: int | None = None,
                 lowercase: bool = False, token_pattern: str | None = None, unk: bool = False,
                 text_field: str = TEXT_FIELD, id_field: str = ID_FIELD, cache: bool = True,
                 progress: bool = True, max_token_length: int = MAX_TOKEN_LENGTH,
                 max_final_vocab: int | None = None,
                 phrases: Phrases | str | os.PathLike | None = None):
        self.text_field = text_field
        self.id_field = id_field
        self.ids: list[str | int] = []
        name = self._dataset = None
        if isinstance(source, str) and not Path(source).expanduser().exists() \
                and source in datasets.names("documents"):
            name = self._dataset = source  # its parser knows the layout (a README, say)
            source = [(r["id"], r["text"]) for r in datasets.load(source)]
        super().__init__(source, min_count=min_count, max_vocab_size=max_vocab_size,
                         lowercase=lowercase, token_pattern=token_pattern, unk=unk,
                         max_sentence_length=MAX_SENTENCE_LENGTH, cache=cache,
                         progress=progress, max_token_length=max_token_length,
                         max_final_vocab=max_final_vocab, phrases=phrases)
        if name is not None:
            self.name = name

    @property
    def doc_of_sentence(self) -> np.ndarray:
        """The document each sentence belongs to (documents are the corpus's lines)."""
        return self.sentence_line

    @property
    def n_documents(self) -> int:
        """Number of documents (including any left with no word in the vocabulary)."""
        return len(self.ids)

    def __repr__(self) -> str:
        return (f"Documents({self.name!r}, {self.n_documents:,} documents, "
                f"{self.n_tokens:,} tokens, {len(self.vocab):,} words)")

    @property
    def has_words(self) -> np.ndarray:
        """Whether each document has a word in the vocabulary (boolean, by document)."""
        mask = np.zeros(self.n_documents, bool)
        mask[np.asarray(self.doc_of_sentence)] = True
        return mask

    def documents_without_words(self) -> list[str | int]:
        """Ids of documents with no word in the vocabulary (their vectors cannot learn)."""
        return [self.ids[i] for i in np.flatnonzero(~self.has_words)]

    # -- reading ----------------------------------------------------------------------
    def reading_settings(self) -> dict:
        """:meth:`Corpus.reading_settings`, and the JSON fields documents are read from."""
        return {**super().reading_settings(), "text_field": self.text_field,
                "id_field": self.id_field}

    def _raw_corpus(self) -> Documents:
        """:meth:`Corpus._raw_corpus` as documents: their ids are this collection's."""
        raw = Documents(self._source, text_field=self.text_field, id_field=self.id_field,
                        **self._raw_options())
        self.ids = list(raw.ids)
        return raw

    def _settings(self) -> dict:
        # the documents' layout in the cache's key: an encoding of an older one
        # (OLD_IDS_FORMATS) is not read again
        return {**super()._settings(), "documents": IDS_FORMAT}

    def _tokens(self, text, where: str) -> list[str]:
        if isinstance(text, str):
            return self._tokenizer(text)
        if isinstance(text, (bytes, dict)) or not hasattr(text, "__iter__"):
            raise CorpusError(f"{where}: a document's text must be a string or a list of "
                              f"tokens, not {type(text).__name__}")
        return self._tokenizer.given(text, where, CorpusError,
                                     "a document's text is a string or a list of strings")

    def _add(self, doc_id, tokens: list[str], batcher: _Batcher, where: str,
             numbered: bool = False, tagged: bool = False, line: int = 0) -> None:
        """Add a document; ``numbered``: its record had no id, so its number is its id;
        ``tagged``: its id is a gensim ``TaggedDocument``'s tag (perhaps a label that
        other documents share, as gensim allows); ``line``: its line in the file being
        read (0: none)."""
        if isinstance(doc_id, bool) or not isinstance(doc_id, (str, int, np.integer)):
            raise CorpusError(f"{where}: a document id must be a string or an integer, "
                              f"not {type(doc_id).__name__} {shorten(repr(doc_id))}")
        # plain types, as JSON keeps them (np.int64(7): 7; a str subclass: its text)
        doc_id = int(doc_id) if isinstance(doc_id, (int, np.integer)) else str(doc_id)
        text = str(doc_id)  # ids are unique as text: 7 and "7" would be one id to dv
        if text in self._seen:
            # a record without an id on either side: say so, or the clash makes no sense
            field = f"no {self.id_field!r} field"
            why = (f"; that record had {field}, so it was given its document number as id"
                   if text in self._numbered else
                   f": this record has {field}, so it was given its document number as id"
                   if numbered else "")
            earlier = self._numbered.get(text) or self._where_is(self._seen[text])
            advice = " (give every record an id, or none)" if why else ""
            if type(self.ids[self._seen[text]]) is not type(doc_id):  # 7 after "7"
                advice += " (as text: 7 and '7' are one id, as dv[7] is dv['7'])"
            elif tagged:  # a label shared by documents, as gensim's tags may be
                advice += f": {_ONE_VECTOR_A_DOCUMENT}"
            raise CorpusError(f"{where}: document id {shorten(doc_id)} was already "
                              f"used by {earlier}{why}; ids must be unique{advice}")
        if numbered:
            self._numbered[text] = where
        self._seen[text] = len(self.ids)
        self._lines.append(line)
        self.ids.append(doc_id)
        batcher.feed(tokens)
        batcher.end_line()  # one "line" per document: sentence_line is the document

    def _where_is(self, k: int) -> str:
        """Where document ``k`` was read: its file (by name if it is the file being read,
        whose path the message names first) and line, else its number."""
        i = bisect.bisect_right(self._file_starts, k, key=lambda start: start[0]) - 1
        if i >= 0 and self._lines[k]:
            path = self._file_starts[i][1]
            return f"{path.name if i == len(self._file_starts) - 1 else path}:{self._lines[k]}"
        return f"document {k}"

    def _batches(self):
        self._check_fields()
        self.ids, self._seen, self._numbered = [], {}, {}
        # each document's line (8 bytes) and each file's first document: to name where
        # an id was first used
        self._lines, self._file_starts = array("q"), []
        self._id_given, self._first_record = False, None
        try:
            yield from super()._batches()
            if not self._id_given and self._first_record is not None:
                self._warn_without_ids()
        finally:
            del self._seen, self._numbered, self._lines, self._file_starts

    def _check_fields(self) -> None:
        """Refuse ``text_field`` or ``id_field`` set for a source without a JSON-lines
        file, which nothing would read: left unsaid, the user's ids would silently be
        numbers."""
        given = [f"{name}={value!r} (--{name.replace('_', '-')})" for name, value, default
                 in (("text_field", self.text_field, TEXT_FIELD),
                     ("id_field", self.id_field, ID_FIELD)) if value != default]
        if not given or any(map(is_json_lines, self.files)):
            return
        what = (f"the dataset {self._dataset!r} is read by its own parser"
                if self._dataset is not None else
                "documents given in Python are (id, text) pairs or TaggedDocuments"
                if not self.files else
                f"{self.name} holds no JSON-lines file (.jsonl, .ndjson or .json): each "
                "file is a document" if Path(self.name).is_dir() else
                f"{self.name} is no JSON-lines file (.jsonl, .ndjson or .json): each line "
                "is a document, its id the line number")
        one = len(given) == 1
        raise CorpusError(f"{' and '.join(given)} {'names a field' if one else 'name fields'}"
                          f" of JSON-lines records, and {what}; leave "
                          f"{'it' if one else 'them'} out")

    def _warn_without_ids(self) -> None:
        """Say once that no record had the id field, naming the first record's fields."""
        where, fields = self._first_record
        others = [f for f in fields if f != self.text_field]
        hint = (f"; if {others[0]!r} holds them, id_field={others[0]!r} (--id-field "
                f"{others[0]}) names them" if others else "")
        logger.warning("%s: no record has an %r field (the first, %s, has: %s): the ids "
                       "are the documents' numbers, from 0%s", self.name, self.id_field,
                       where, ", ".join(map(shorten, fields[:20])) or "none", hint)

    def _read_iterable(self, batcher: _Batcher) -> Iterator[tuple]:
        for i, item in enumerate(self._sentences):
            where = f"document {i}"
            if is_tagged_document(item):
                tags = [item.tags] if isinstance(item.tags, (str, int, np.integer)) \
                    else list(item.tags)
                if len(tags) != 1:
                    raise CorpusError(f"{where}: a TaggedDocument needs exactly one tag, "
                                      f"got {shorten(repr(tags))}: {_ONE_VECTOR_A_DOCUMENT}")
                doc_id, text, tagged = tags[0], item.words, True
            elif isinstance(item, (tuple, list)) and len(item) == 2 and not (
                    isinstance(item, list) and all(isinstance(x, str) for x in item)):
                (doc_id, text), tagged = item, False
            elif isinstance(item, list) and all(isinstance(x, str) for x in item):
                raise CorpusError(f"{where}: a list of strings reads as tokens, and documents "
                                  f"need ids: give (id, tokens) pairs as tuples, got "
                                  f"{str(item)[:60]}")
            else:
                raise CorpusError(f"{where}: expected an (id, tokens) pair, got "
                                  f"{type(item).__name__} {str(item)[:60]}")
            self._add(doc_id, self._tokens(text, where), batcher, where, tagged=tagged)
            if batcher.full():
                yield batcher.take()

    def _read_file(self, path: Path, batcher: _Batcher, bar) -> Iterator[tuple]:
        root = Path(self.name)
        json_lines = is_json_lines(path)
        before, first_bad = _start_file(), None  # the line of the first bad bytes
        unchanged = self._before[path]  # the file before reading: so it must be after
        with open_source(path, unchanged) as (raw, stream):
            plain = stream is raw
            if root.is_dir() and not json_lines:  # the whole file is a document
                content = stream.read()
                check_unchanged(path, unchanged, *((len(content), unchanged.st_size)
                                                   if plain else ()))
                if b"\0" in content:
                    raise binary_error(path, content.index(b"\0"), True)
                text = content.decode("utf-8-sig", errors="wordspace.count")
                _warn_bad_bytes(path, before, f"at offset {_first_bad_at(len(content)) or 0:,}")
                self._add(path.relative_to(root).as_posix(), self._tokens(text, str(path)),
                          batcher, str(path))
                bar.update(unchanged.st_size)
                if batcher.full():
                    yield batcher.take()
                return
            # -sig: a leading byte-order mark dropped; a line ends at \n (\r\n's \r is
            # a space), or, in an old Mac file, also at a lone \r, as the corpus reader has it
            lines = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="wordspace.mark",
                                     newline=None if self._lone_cr(path) else "\n")
            self._file_starts.append((len(self.ids), path))
            position = 0
            for lineno, line in enumerate(lines, 1):
                if "\0" in line:  # past the first 64 KiB, which were looked at before
                    raise binary_error(path, f"line {lineno}, character {line.index(chr(0)) + 1}")
                if BAD_MARK in line:  # a search: 3 ms on 8 MB
                    first_bad = first_bad or lineno
                    line = line.replace(BAD_MARK, "\ufffd")
                if json_lines and not line.strip():  # no record
                    continue
                where = f"{path}:{lineno}"
                numbered = False
                if json_lines:
                    doc_id, text, numbered = self._parse_record(line, where)
                else:  # the id is the line number, from 0, as gensim's TaggedLineDocument
                    doc_id, text = lineno - 1, line  # a blank line: an empty document
                self._add(doc_id, self._tokens(text, where), batcher, where, numbered,
                          line=lineno)
                if lineno % 1024 == 0:
                    bar.update(raw.tell() - position)
                    position = raw.tell()
                if batcher.full():
                    yield batcher.take()
            bar.update(raw.tell() - position)
            check_unchanged(path, unchanged, *((raw.tell(), unchanged.st_size)
                                               if plain else ()))
        _warn_bad_bytes(path, before, f"on line {first_bad}")

    def _parse_record(self, line: str, where: str):
        try:
            record = parse_json(line)
        except ValueError as e:  # a JSONDecodeError's msg leaves out its own position
            raise CorpusError(f"{where}: not valid JSON ({getattr(e, 'msg', e)}); documents "
                              "files hold JSON lines, one object per line") from None
        if not isinstance(record, dict):
            raise CorpusError(f"{where}: expected a JSON object per line, got "
                              f"{type(record).__name__}")
        if self.text_field not in record:
            raise CorpusError(f"{where}: the record has no {self.text_field!r} field (it has "
                              f"{', '.join(map(shorten, list(record)[:20])) or 'none'}); "
                              "set text_field (--text-field)")
        if self.id_field in record:
            self._id_given = True
            return record[self.id_field], record[self.text_field], False
        if self._first_record is None:
            self._first_record = (where, list(record))
        return len(self.ids), record[self.text_field], True

    # -- the cache holds the ids beside the encoding --------------------------------------
    def _save_more(self, out: Path) -> None:
        with atomic_write(out / "ids.json", "w") as f:
            json.dump(self.ids, f)

    def _load(self, directory: Path, mmap: bool) -> None:
        super()._load(directory, mmap)
        self.ids = parse_json((directory / "ids.json").read_text(encoding="utf-8"))

    def _check_loaded(self, directory: Path) -> None:
        super()._check_loaded(directory)
        lines = self.sentence_line
        if not (isinstance(self.ids, list) and all(map(is_document_id, self.ids))
                and (len(lines) == 0 or lines[-1] < len(self.ids))):
            raise ValueError(f"{directory / 'ids.json'}: expected a list of document ids "
                             "(strings or integers), one for each document the encoding "
                             "refers to")
