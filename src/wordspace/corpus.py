"""The corpus pipeline every model shares.

Text is read once, in bounded memory, and encoded to an ``int32`` token array with
sentence boundaries. Every epoch of every model reads that array, never the text.

Reading is a single pass: each token gets a provisional id (in order of first
appearance) while counts accumulate, so the vocabulary and the encoding come out of
the same read. The provisional ids go to a scratch file; a final vectorised pass maps
them to frequency-sorted indices and drops (or maps to ``<unk>``) the rare ones.

Reading takes time linear in the file and memory bounded by a block whatever a line
holds (tokens longer than ``max_token_length`` are left out, with one warning); a
damaged compressed file is a :class:`CorpusError`, and so is a file that changes while it
is read (its size, times or bytes read differ at the end from what they were before any
reading: a file still being written), before anything of it is cached. The encoded cache
is written once, checked when loaded (every id inside the vocabulary, offsets in order,
every file's checksum) and rebuilt when it is not as written, so no run trusts a damaged
or stale cache.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import hashlib
import heapq
import inspect
import io
import itertools
import json
import logging
import os
import re
import shutil
import stat
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

import numpy as np

from wordspace._io import (
    DECOMPRESSION_ERRORS,
    atomic_directory,
    cache_home,
    decompressing_reader,
    file_fingerprint,
    is_compressed,
    lone_cr_in,
    scratch_directory,
    temporary_directory,
    text_head,
)
from wordspace._json import parse_json
from wordspace._tokens import (
    PIECE_CHARS,
    PatternTokenizer,
    compile_token_pattern,
    make_pattern_tokenizer,
    shorten,
)
from wordspace._validate import check_int, did_you_mean, keywords_checked
from wordspace.progress import progress_bar, size_said
from wordspace.vocab import UNK, Vocabulary

if TYPE_CHECKING:
    from wordspace.phrases import Phrases

logger = logging.getLogger(__name__)

MAX_SENTENCE_LENGTH = 10_000  # word2vec.c / gensim cut long lines into chunks this long


class _Default(int):
    """An int default told apart from the same value given (``is``), equal to it
    everywhere else (cache keys, settings shown)."""


#: ``Corpus``'s default ``max_sentence_length``: MAX_SENTENCE_LENGTH, not given by the
#: user (phrases then count and join token lists whole: :func:`phrase_sentences`)
DEFAULT_SENTENCE_LENGTH = _Default(MAX_SENTENCE_LENGTH)
#: longer tokens are left out (word2vec.c's MAX_STRING is 100 bytes): what bounds the
#: memory a line without spaces can take
MAX_TOKEN_LENGTH = 1_000
#: the largest ``max_token_length`` (a token is held whole while it is read)
MAX_TOKEN_LENGTH_LIMIT = 1 << 20
_BLOCK_BYTES = 1 << 20
_BATCH_TOKENS = 1 << 20
# 2: sentence_line.npy; 3: max_token_length, content in the key; 4: byte-order mark dropped;
# 5: meta.json holds a checksum of every file; 6: and the tokens left out for
# max_token_length (long_tokens: Phrases refuses a corpus that left any out)
_FORMAT_VERSION = 6


class CorpusError(ValueError):
    """The corpus cannot be used as given (empty, missing, or nothing survives min_count)."""


class SourceChangedError(CorpusError):
    """A file of the corpus changed while it was read (:func:`check_unchanged`)."""


# ---------------------------------------------------------------------------------------
# Decoding: bad bytes become U+FFFD and are counted, so the user hears about them once
# for each file, with where the first was.
_bad_bytes = 0
#: the first bad sequence since :func:`_start_file`: its start less the length of the
#: input being decoded (add the offset of that input's end to place it in the file)
_first_bad: int | None = None


def _count_and_replace(err: UnicodeDecodeError) -> tuple[str, int]:
    global _bad_bytes, _first_bad
    _bad_bytes += err.end - err.start
    if _first_bad is None:
        _first_bad = err.start - len(err.object)
    return "\ufffd", err.end


def _start_file() -> int:
    """Start counting a file's bad bytes: the count so far, for :func:`_warn_bad_bytes`."""
    global _first_bad
    _first_bad = None
    return _bad_bytes


def _first_bad_at(end: int) -> int | None:
    """Where the file's first bad byte is, given the offset of the ``end`` of the input
    whose decoding found it (None while none was found)."""
    return None if _first_bad is None else end + _first_bad


def _warn_bad_bytes(file: Path, before: int, where: str) -> None:
    """Log how many bytes of ``file`` were not UTF-8 (the count was ``before`` when it
    was started) and ``where`` the first was."""
    if _bad_bytes > before:
        logger.warning("%s: %d byte(s) were not valid UTF-8 and were replaced by U+FFFD "
                       "(the first %s)", file, _bad_bytes - before, where)


#: what the "wordspace.mark" error handler puts for bad bytes: a lone surrogate, which
#: no valid UTF-8 decodes to, so that a reader of lines tells the line of the first
#: replacement from one holding a genuine U+FFFD; it puts U+FFFD in its place
BAD_MARK = "\udfff"


def _count_and_mark(err: UnicodeDecodeError) -> tuple[str, int]:
    _count_and_replace(err)
    return BAD_MARK, err.end


codecs.register_error("wordspace.count", _count_and_replace)
codecs.register_error("wordspace.mark", _count_and_mark)


# ---------------------------------------------------------------------------------------
# Tokenisation
def make_tokenizer(lowercase: bool = False, token_pattern: str | None = None
                   ) -> Callable[[str], list[str]]:
    """Return the function that turns one line (or piece of one) into tokens.

    The default splits on whitespace, as word2vec.c does; ``token_pattern`` is a regular
    expression whose matches are the tokens (e.g. ``r"\\w+"``). A pattern that could take
    exponential time on some text is refused with a ``ValueError`` (see
    :func:`wordspace._tokens.compile_token_pattern`), and a long text is matched in
    pieces, so tokenising takes bounded time whatever the pattern's source.
    """
    split = str.split if token_pattern is None else make_pattern_tokenizer(token_pattern)
    if lowercase:
        return lambda text: split(text.lower())
    return split


def given_tokens(tokens: Iterable[str], lowercase: bool, where: str,
                 error: type[Exception] = TypeError,
                 source: str = "a corpus iterable yields lists of strings") -> list[str]:
    """Tokens given already split (an iterable's, or a query's), lowercased as text would
    be (but not split again by a ``token_pattern``). Unless ``tokens`` is an iterable of
    strings, ``error`` says so, naming ``where`` they came from and the first token at
    fault, and what the ``source`` should hold: a token of another type would otherwise
    become a word of the vocabulary (its ``str()``) or fail later naming nothing. A
    mapping (a dict) or a set is refused too: its keys, or its items in an order that
    differs from process to process, would be read as the sentence."""
    if isinstance(tokens, (Mapping, AbstractSet)):
        raise error(f"{where} is a {type(tokens).__name__}, not a list of tokens: its "
                    f"{'keys' if isinstance(tokens, Mapping) else 'items, in no set order,'}"
                    f" would be read as the sentence; {source}")
    try:
        tokens = list(tokens)
    except TypeError:
        raise error(f"{where} is of type {type(tokens).__name__}, not a list of tokens "
                    f"(strings); {source}") from None
    try:
        "".join(tokens)  # refuses anything but a str: a C loop, about 8 ns a token
    except TypeError:
        j, token = next((j, t) for j, t in enumerate(tokens) if not isinstance(t, str))
        hint = " (decode bytes first: t.decode('utf-8'))" if isinstance(token, bytes) \
            else ""
        raise error(f"{where}: token {j} ({token!r:.40}) is of type "
                    f"{type(token).__name__}, not str{hint}; {source}") from None
    return [t.lower() for t in tokens] if lowercase else tokens


def query_tokenizer(tokenization: dict) -> Callable[[str | Iterable[str], str], list[str]]:
    """``tokenize(document, where)``: a new document's tokens as a model's training text
    was read (``tokenization``, the model's ``tokenization_``; empty for a model that
    recorded none): a string as a file's line (lowercased, then split by the
    ``token_pattern``), a list of tokens as an iterable's (lowercased only,
    :func:`given_tokens`), so that inference finds the words training saw."""
    lowercase = tokenization.get("lowercase", False)
    split = make_tokenizer(lowercase, tokenization.get("token_pattern"))

    def tokenize(document, where: str) -> list[str]:
        if isinstance(document, str):
            return split(document)
        return given_tokens(document, lowercase, where, TypeError,
                            "a document is a text or a list of tokens (strings)")
    return tokenize


class _Tokenizer:
    """A text's tokens without those longer than ``limit`` characters, which are counted
    so that the user hears about them once; :meth:`split` serves a text that arrives in
    parts, in bounded memory."""

    def __init__(self, lowercase: bool, token_pattern: str | None, limit: int):
        self.lowercase = lowercase
        self.whitespace = token_pattern is None  # then a token is a run without spaces
        self.pattern = None if self.whitespace else PatternTokenizer(
            token_pattern, piece=max(PIECE_CHARS, limit + 1))
        self.limit = limit
        self.skipped = 0
        self.example = ""

    def __call__(self, text: str) -> list[str]:
        """The tokens of a whole text."""
        return self.split(text.lower() if self.lowercase else text)[0]

    def split(self, text: str, final: bool = True, continuing: bool = False
              ) -> tuple[list[str], int, bool]:
        """``(tokens, consumed, continuing)`` of an already lowercased ``text``. Unless
        ``final``, the text goes on in the next call, which gets ``text[consumed:]`` (at
        most a token's length) before what follows; ``continuing`` says the text starts
        inside an overlong token, whose rest is left out."""
        if self.pattern is not None:
            before = self.pattern.skipped
            tokens, consumed, continuing = self.pattern.split(text, final, continuing)
            if self.pattern.skipped > before:
                self.skip(self.pattern.skipped - before, self.pattern.example)
            return self.keep(tokens), consumed, continuing
        start = 0
        if continuing:
            end = _SPACE.search(text)
            if end is None:
                return [], len(text), not final
            start = end.start()
        consumed, continuing = len(text), False
        if not final and text and not text[-1].isspace():
            run = text.rsplit(None, 1)[-1]  # scans the last run only
            if len(run) > self.limit:  # too long already: leave it out as it streams by
                self.skip(1, run)
                continuing = True
            else:
                consumed = len(text) - len(run)  # may go on in the next part
            text = text[:len(text) - len(run)]
        text = text[start:]
        tokens = text.split()
        # No token can be longer than the text less a character for each other token and
        # a separator between each two: mostly that settles it without looking.
        if len(text) - 2 * len(tokens) + 2 > self.limit:
            tokens = self.keep(tokens)
        return tokens, consumed, continuing

    def given(self, tokens: Iterable[str], where: str, error: type[Exception] = TypeError,
              source: str = "a corpus iterable yields lists of strings") -> list[str]:
        """Tokens given already split (an iterable source), checked and lowercased by
        :func:`given_tokens`, without the overlong ones."""
        return self.keep(given_tokens(tokens, self.lowercase, where, error, source))

    def keep(self, tokens: list[str]) -> list[str]:
        """``tokens`` without the overlong ones."""
        if not tokens or len(max(tokens, key=len)) <= self.limit:
            return tokens
        kept = [t for t in tokens if len(t) <= self.limit]
        self.skip(len(tokens) - len(kept), next(t for t in tokens if len(t) > self.limit))
        return kept

    def skip(self, n: int, example: str) -> None:
        """Count ``n`` overlong tokens left out (``example``: the start of one)."""
        self.skipped += n
        self.example = self.example or example[:60]

    def warn(self, name: str) -> None:
        """Log once how many overlong tokens of source ``name`` were left out."""
        if self.skipped:
            logger.warning("%s: %d token(s) longer than max_token_length=%d characters were "
                           "left out (the first begins %r)", name, self.skipped, self.limit,
                           self.example[:50])


class _Batcher:
    """Collects tokens into batches with sentence lengths, cutting long lines.

    A line longer than ``max_len`` tokens becomes several sentences of ``max_len``
    (the last one shorter); empty lines make no sentence. Each sentence remembers the
    line (counted from 0 over the whole source) it came from.
    """

    def __init__(self, max_len: int):
        self.max_len = max_len
        self.tokens: list[str] = []
        self.lengths: list[int] = []
        self.lines: list[int] = []
        self.line = 0  # the line being read
        self._open = 0  # tokens of the current, unfinished sentence

    def feed(self, tokens: list[str]) -> None:
        self.tokens.extend(tokens)
        n = len(tokens)
        while self._open + n >= self.max_len:
            n -= self.max_len - self._open
            self.lengths.append(self.max_len)
            self.lines.append(self.line)
            self._open = 0
        self._open += n

    def end_line(self) -> None:
        if self._open:
            self.lengths.append(self._open)
            self.lines.append(self.line)
            self._open = 0
        self.line += 1

    def full(self) -> bool:
        return len(self.tokens) >= _BATCH_TOKENS

    def take(self) -> tuple[list[str], list[int], list[int]]:
        out = self.tokens, self.lengths, self.lines
        self.tokens, self.lengths, self.lines = [], [], []
        return out


_DECOMPRESSORS = {"GzipFile": "gzip", "BZ2File": "bzip2", "LZMAFile": "xz"}


@contextlib.contextmanager
def open_source(path: Path, before: os.stat_result | None = None
                ) -> Iterator[tuple[IO[bytes], IO[bytes]]]:
    """Open a plain or compressed file as ``(raw, stream)``: ``stream`` reads the text,
    ``raw`` tells how far into the file reading has got. A truncated or corrupt gzip,
    bzip2 or xz stream raises :class:`CorpusError` naming the file and how far it got.
    Given the file's ``stat`` ``before`` reading began, such an error, or any
    :class:`CorpusError` of its reading (half a record, say), is said to be the file
    changing while it was read when it did (:func:`check_unchanged`): the cause to fix."""
    with open(path, "rb") as raw:
        stream = decompressing_reader(raw)
        try:
            yield raw, stream
        except (CorpusError, *DECOMPRESSION_ERRORS) as e:
            if before is not None and not isinstance(e, SourceChangedError):
                try:
                    check_unchanged(path, before)
                except CorpusError as changed:
                    raise changed from e
            if isinstance(e, CorpusError) or stream is raw:
                raise  # a plain file's read failed: not a question of its format
            kind = _DECOMPRESSORS.get(type(stream).__name__, "compressed")
            try:
                text = f"{stream.tell():,} bytes of text"
            except (OSError, ValueError, EOFError):
                text = "some text"
            raise CorpusError(
                f"{path}: the {kind} data is truncated or corrupt ({type(e).__name__}: {e}); "
                f"reading stopped after {text}, at byte {raw.tell():,} of "
                f"{os.fstat(raw.fileno()).st_size:,} in the file. Check it (`{kind} -t`) "
                "or fetch it again") from None
        finally:
            if stream is not raw:
                stream.close()


class _Window:
    """Bytes ``start .. start + size - 1`` of an open plain file, read as a stream."""

    def __init__(self, raw: IO[bytes], start: int, size: int):
        raw.seek(start)
        self.raw, self.left = raw, size

    def read(self, n: int) -> bytes:
        block = self.raw.read(min(n, self.left))
        self.left -= len(block)
        return block


@dataclass(frozen=True)
class _PieceEnd:
    """In :meth:`Corpus._batches`, after a shard's piece: every word first seen so far was
    first seen by the end of ``chunk`` (the piece's place in the source), which orders
    the merged vocabulary (:mod:`wordspace.distributed.shards`)."""

    chunk: int


def _file_batches(path: Path, tokenize: _Tokenizer, batcher: _Batcher, bar,
                  mac: bool, start: int = 0, end: int | None = None,
                  before: os.stat_result | None = None) -> Iterator[tuple]:
    """Stream one (possibly compressed) file, or bytes ``start .. end - 1`` of a plain
    one (a rank's share, cut where no token is split); lines may be of any length. A
    lone ``\r`` ends a line when ``mac`` (the file's head said so: ``Corpus._lone_cr``),
    else it is a space, as ``\r\n``'s ``\r`` is. Given the file's ``stat`` ``before``
    reading began, a file found changed at the end (:func:`check_unchanged`) is a
    :class:`CorpusError`, raised before the last batch is taken.

    Memory stays within about two blocks whatever the file holds: of the unfinished line,
    only what could still be the start of a token waits for the next block (at most a
    token's length), and an overlong token is left out as it streams by. Each character
    is copied a bounded number of times, so time is linear in the file's size.
    """
    # a file's leading byte-order mark (Windows editors write one) is no part of a word
    decoder = codecs.getincrementaldecoder("utf-8-sig" if start == 0 else "utf-8")(
        errors="wordspace.count")
    with open_source(path, before) as (raw, stream):
        plain = stream is raw
        of_text = "" if plain else " of its decompressed text"
        if end is not None and plain:  # a compressed file's share is the whole of it
            stream = _Window(raw, start, end - start)
        bad_before, first_bad = _start_file(), None
        pending = ""  # the start of a token that may go on in the next block
        continuing = False  # the next block starts inside an overlong token
        in_line = False  # part of the unfinished line was read
        position = raw.tell()
        offset = start  # of the block in the file's (decompressed) content
        cr = ""  # a \r that ended the last block: its \n may start this one
        while True:
            block = stream.read(_BLOCK_BYTES)
            if b"\0" in block:  # past text_head's look: a memchr, 0.1% of the reading time
                raise binary_error(path, offset + block.index(b"\0"))
            offset += len(block)
            text = decoder.decode(block, final=not block)
            if not block:
                # utf-8-sig keeps a file that is only a BOM's first bytes (b"\xef") even
                # at the end, where UTF-8 replaces them: they are text, not nothing
                text += decoder.getstate()[0].decode("utf-8", errors="wordspace.count")
            if first_bad is None:
                first_bad = _first_bad_at(offset)
            if tokenize.lowercase:
                text = text.lower()
            text, cr = cr + text, ""
            if mac and "\r" in text:  # universal newlines: \r\n and a lone \r end a line
                if block and text.endswith("\r"):
                    text, cr = text[:-1], "\r"
                if _LONE_CR.search(text):  # \r\n is left: its \r is a space before the \n
                    text = _LONE_CR.sub("\n", text)
            bar.update(raw.tell() - position)
            position = raw.tell()
            *lines, last = (pending + text).split("\n")
            for line in lines:
                batcher.feed(tokenize.split(line, True, continuing)[0])
                batcher.end_line()
                continuing = False
            in_line = (in_line and not lines) or bool(last)
            if not block:  # the end: a last line without a newline (none if it ends with one)
                if in_line:
                    batcher.feed(tokenize.split(last, True, continuing)[0])
                    batcher.end_line()
                if before is not None and plain:  # what was read is the file as it was
                    check_unchanged(path, before, raw.tell() - start,
                                    (before.st_size if end is None else end) - start)
                elif before is not None:  # a compressed file: its size says nothing of this
                    check_unchanged(path, before)
                _warn_bad_bytes(path, bad_before, f"at offset {first_bad or 0:,}{of_text}")
                return
            tokens, consumed, continuing = tokenize.split(last, False, continuing)
            batcher.feed(tokens)  # the line goes on in the next block
            pending = last[consumed:]
            if batcher.full():
                yield batcher.take()


_SPACE = re.compile(r"\s")
# a line end that is not \n's: a search costs 3 ms on 8 MB of \r\n text, replacing each
# \r\n by \n 16 ms
_LONE_CR = re.compile(r"\r(?!\n)")


def _iterable_batches(sentences: Iterable, batcher: _Batcher, tokenize: _Tokenizer
                      ) -> Iterator[tuple]:
    for i, sentence in enumerate(sentences):
        if isinstance(sentence, (str, bytes)):
            raise TypeError(
                f"sentence {i} is a string; a corpus iterable must yield lists of tokens "
                f"(e.g. line.split()), or pass a file path instead")
        batcher.feed(tokenize.given(sentence, f"sentence {i}"))
        batcher.end_line()
        if batcher.full():
            yield batcher.take()


def _item_bytes(item) -> bytes:
    """An iterable's item as the ranks compare it: its tokens (anything else, which its
    rank refuses, by its repr), ended."""
    try:
        return "\x1f".join(item).encode("utf-8", "surrogatepass") + b"\x1e"
    except TypeError:
        return repr(item).encode("utf-8", "backslashreplace") + b"\x1e"


def _resolve(source: str | os.PathLike, kind: str) -> Path:
    """A path as given, or, if no such file exists, a dataset name of ``kind`` from the
    registry (``"text8"``), fetched or taken from the mirror."""
    path = Path(source).expanduser()
    if path.exists() or not isinstance(source, str):
        return path
    from wordspace import datasets

    if source in datasets.names(kind):
        return datasets.path(source)
    return path


def _source_files(path: Path, kind: str) -> tuple[list[Path], list[bool]]:
    """The text files of a corpus given as a path: the file itself, or a folder's files
    (in sorted order; hidden ones and wordspace's own model and checkpoint folders left
    out), and whether each ends its lines with a lone ``\r`` (:func:`lone_cr_in`), told
    from the head read here. A binary file is refused, naming it, before any is read."""
    if path.is_dir():
        files = _folder_files(path)
        if not files:
            raise CorpusError(f"{path}: folder holds no files")
    elif path.is_file():
        files = [path]
    elif path.exists() or path.is_symlink():
        raise CorpusError(f"{path} is {_kind_of(path)}{_why_not_a_corpus(path)}")
    else:
        files = None
    mac = []
    for file in files or ():
        try:
            head = text_head(file)
        except DECOMPRESSION_ERRORS:
            mac.append(False)  # damaged: reading it says so, naming the file
            continue
        if b"\0" in head:
            raise binary_error(file, head.index(b"\0"), file != path)
        if _JSON_RECORD.match(head) and (kind == "corpus" or not _named_json_lines(file)):
            raise _json_lines_error(file, head, kind)
        mac.append(lone_cr_in(head))
    if files is not None:
        return files, mac
    from wordspace.datasets import names

    other = dataset_kind(str(path))
    reader = _READERS.get(other)  # bbc read as a corpus: say what reads it
    also = "" if other in (None, kind) else f"; {path} is a {other} dataset" + (
        f", which {reader}({str(path)!r}) reads" if reader else "")
    raise FileNotFoundError(f"{kind} file not found: {path} (nor is it one of the {kind} "
                            f"datasets wordspace can fetch: {', '.join(names(kind))}{also})")


#: the class that reads each kind of text dataset
_READERS = {"corpus": "Corpus", "documents": "Documents"}
#: a first line that opens a JSON object (``{"id": ...``), after a BOM and blank lines: no
#: sentence of plain text starts so
_JSON_RECORD = re.compile(rb'(?:\xef\xbb\xbf)?\s*\{\s*"(?:[^"\\\n]|\\.)*"\s*:')


def _named_json_lines(file: Path) -> bool:
    from wordspace.documents import is_json_lines

    return is_json_lines(file)


def _json_lines_error(file: Path, head: bytes, kind: str = "corpus") -> CorpusError:
    """The refusal of a file of JSON lines read as plain text (a corpus's; or documents'
    where the name does not say JSON lines), which would make words of the JSON syntax
    (``{"id":``, ``"text":``): what reads such a file instead, naming its text's field
    (the longest string of its first record, when it is whole in ``head``), and, where
    its name does not say JSON lines, to rename it first."""
    first = head.lstrip(b"\xef\xbb\xbf \t\r\n").split(b"\n", 1)[0]
    try:
        record = json.loads(first)
    except ValueError:  # longer than the head
        record = {}
    texts = {k: len(v) for k, v in record.items() if isinstance(v, str)} \
        if isinstance(record, dict) else {}
    field = max(texts, key=texts.get) if texts else "text"
    fields = f" (fields {', '.join(map(repr, list(record)[:6]))})" if texts else ""
    if not _named_json_lines(file):  # Documents reads JSON lines only by such a name
        return CorpusError(
            f"{file}: its lines are JSON objects{fields}, which would be read as plain "
            "text, making words of the JSON syntax: Documents reads JSON lines from a "
            "file named .jsonl, .ndjson or .json (compressed too): rename it (to end in "
            f".jsonl), then Documents(that name, text_field={field!r}) (wordspace train "
            f"--model pv-dbow --text-field {field}); for word vectors, write the text out "
            f"as plain text first (jq -r .{field} {file} > text.txt)")
    return CorpusError(
        f"{file}: its lines are JSON objects{fields}, which a word model would read as "
        f"plain text, making words of the JSON syntax: for a vector per record, "
        f"Documents({str(file)!r}, text_field={field!r}) (wordspace train --model pv-dbow "
        f"--text-field {field}); for word vectors, write the text out as plain text "
        f"first (jq -r .{field} {file} > text.txt)")


def dataset_kind(source) -> str | None:
    """The kind of dataset (``"corpus"``, ``"documents"``, ...) the name ``source`` is
    registered as, when it is no path that exists; None otherwise."""
    from wordspace.datasets import REGISTRY

    if not isinstance(source, str) or Path(source).expanduser().exists():
        return None
    found = REGISTRY.get(source)
    return None if found is None else found.kind


def _kind_of(path: Path) -> str:
    """What ``path``, which is no regular file (nor folder), is, for a message."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        if path.is_symlink():
            return f"a broken symbolic link (to {os.readlink(path)}, which does not exist)"
        return "gone"
    except OSError as e:  # a loop of links, say
        return f"unreadable ({e.strerror or e})"
    for test, kind in ((stat.S_ISFIFO, "a pipe (FIFO)"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device")):
        if test(mode):
            return kind
    return "not a regular file"


def _is_encoded_corpus(folder: Path) -> bool:
    """Whether ``folder`` is one of the cache's encoded corpora (``meta.json`` beside
    ``tokens.npy``), wherever it was copied: binary arrays, not text."""
    return (folder / "meta.json").is_file() and (folder / "tokens.npy").is_file()


def _why_not_a_corpus(path: Path) -> str:
    """Why ``path``, which is no regular file (nor folder), cannot be a corpus, and what
    to do, for a message after :func:`_kind_of`'s."""
    try:
        mode = path.stat().st_mode
    except OSError:  # a broken link (_kind_of names its missing target), a loop of links
        return ": give the path of the corpus file itself, or mend the link"
    if stat.S_ISFIFO(mode) or stat.S_ISCHR(mode):  # `wordspace train <(cat a.txt)`
        return (", not a regular file: a corpus is read more than once (looked at, keyed "
                "for its cache, then read), which a pipe or a device cannot be; save the "
                "text to a file first and give that")
    return ", not a regular file or a folder: a corpus is text files"


def binary_error(file: Path, offset: int | str, in_folder: bool = False) -> CorpusError:
    """The error for a ``file`` holding a NUL byte at ``offset`` (of its decompressed
    content; or a description of where): no text holds one, while a model, an image, an
    archive and UTF-16 text do."""
    at = f"offset {offset:,}" if isinstance(offset, int) else offset
    hint = ", so leave that file out of the folder" if in_folder else ""
    return CorpusError(f"{file} is binary, not text (a NUL byte at {at}): a corpus is UTF-8 "
                       f"text files{hint}")


def _folder_files(folder: Path) -> list[Path]:
    """A corpus folder's files, sorted; hidden files and folders, and wordspace's model
    and checkpoint folders (a model saved inside its corpus's folder) and the cache
    folder ($WORDSPACE_HOME put inside it), left out.

    Symbolic links are followed, to files and folders, and every file is read once: a
    file or folder reached by several paths (a ``latest`` link beside the folder it
    names, two links to one file, a hard link) is read under its path without a link if
    it has one, else under the first, in sorted order, of the links that reach it; each
    other path is left out with a warning naming both. A link back to a folder that holds
    it (a loop) is left out likewise, so the walk always ends. A broken link and anything
    else that is no file or folder (a pipe, a socket) is refused: each would otherwise
    make the corpus silently less than the folder shows."""
    from wordspace.engine.checkpoint import is_checkpoint
    from wordspace.models.base import is_model_directory
    from wordspace.vectors_directory import is_vectors_directory

    home = cache_home()
    # its encodings are no text, its datasets no part of this corpus: $WORDSPACE_HOME may
    # be the corpus folder itself, so its own folders are told apart too
    caches = {_identity(p) for p in (home, home / "corpora", home / "datasets") if p.is_dir()}

    def text_folder(path: Path, identity: tuple[int, int]) -> bool:
        if is_model_directory(path) or is_checkpoint(path) or is_vectors_directory(path):
            logger.warning("%s is a wordspace model, vectors directory or checkpoint, not "
                           "text: left out of the corpus", path)
            return False
        if identity in caches or _is_encoded_corpus(path):
            logger.info("%s is wordspace's cache ($WORDSPACE_HOME, or an encoded corpus): "
                        "left out of the corpus", path)
            return False
        return True

    def listing(where: Path) -> list[os.DirEntry]:
        try:
            with os.scandir(where) as entries:
                return sorted((e for e in entries if not e.name.startswith(".")),
                              key=lambda e: e.name)
        except OSError as error:  # skipping the folder would read only part of the corpus
            raise CorpusError(f"{error.filename or where}: the folder cannot be read "
                              f"({error.strerror or error}), so the corpus would be only "
                              f"part of {folder}: make it readable, or move it out of the "
                              "corpus folder") from None

    # the folders that hold the corpus folder: a link to one of them is a loop
    holding = {_identity(p) for p in {*folder.absolute().parents, *folder.resolve().parents}}
    seen = {_identity(folder): folder}  # each folder read, by its device and inode
    found: list[tuple[bool, Path, tuple[int, int]]] = []  # (through a link, file, identity)
    links: list[Path] = []  # links met, a heap: taken in sorted order
    stack: list[tuple[Path, bool]] = [(folder, False)]  # folders to list, through a link?

    def enter(path: Path, identity: tuple[int, int], linked: bool) -> None:
        """List the folder ``path`` unless it is read already (or is a loop)."""
        first = seen.get(identity)
        if identity in holding or (first is not None and first in path.parents):
            logger.warning("%s is a link back to %s, a folder holding it (a loop): left out "
                           "of the corpus", path, first or path.resolve())
        elif first is not None:
            logger.warning("%s is the folder %s again (through a link), which the corpus "
                           "reads under that name: left out, so that its files are read "
                           "once", path, first)
        elif text_folder(path, identity):
            seen[identity] = path
            stack.append((path, linked))

    def add(path: Path, info: os.stat_result | None, linked: bool) -> None:
        """Note the file ``path`` (``info``: its ``stat``, None if it has none)."""
        if info is None or not stat.S_ISREG(info.st_mode):
            raise CorpusError(f"{path} is {_kind_of(path)}, not a text file: remove it "
                              "from the corpus folder")
        found.append((linked, path, (info.st_dev, info.st_ino)))

    while stack or links:
        if stack:  # every folder reached so far before the next link: without links first
            here, linked = stack.pop()
            for entry in listing(here):
                path = here / entry.name
                if entry.is_symlink():
                    heapq.heappush(links, path)
                elif entry.is_dir(follow_symlinks=False):
                    enter(path, _identity(path), linked)
                else:
                    add(path, entry.stat(follow_symlinks=False), linked)
            continue
        link = heapq.heappop(links)
        try:
            info = link.stat()
        except OSError:  # broken, or a loop of links
            info = None
        if info is not None and stat.S_ISDIR(info.st_mode):
            enter(link, (info.st_dev, info.st_ino), True)
        else:
            add(link, info, True)
    files: dict[tuple[int, int], Path] = {}
    for _linked, path, identity in sorted(found):  # paths without a link first, sorted
        first = files.setdefault(identity, path)
        if first != path:
            logger.warning("%s is the file %s again (through a link): read once, as %s",
                           path, first, first)
    return sorted(files.values())


# ---------------------------------------------------------------------------------------
class Corpus:
    """A tokenised, vocabulary-indexed corpus, encoded once.

    Parameters
    ----------
    source : str, Path or iterable of token lists
        A text file (plain, .gz, .bz2 or .xz; one sentence per line, any line length,
        lines ending in ``\n`` or ``\r\n``, or ``\r`` in a file whose first 64 KiB hold
        no ``\n``: elsewhere a lone ``\r`` is whitespace), a
        folder of such files, a corpus name from :mod:`wordspace.datasets` (``"text8"``),
        or an iterable of token lists such as ``[["the", "cat"], ["a", "dog"]]``.
    min_count : int
        Words rarer than this are left out of the vocabulary.
    max_vocab_size : int, optional
        Bound on distinct words held while counting: when exceeded, the rarest are
        pruned (as gensim does), so a huge corpus cannot exhaust memory. Pruned words
        lose the occurrences counted so far, in the counts and the encoding alike.
    max_final_vocab : int, optional
        Keep at most this many words, the most frequent, by raising ``min_count`` as far
        as needed (gensim's ``max_final_vocab``): words counted as often as the first one
        left out are left out too, so ties at the cut may leave fewer. ``<unk>`` is not
        one of them.
    phrases : Phrases, str or Path, optional
        Join phrases ("new york" -> ``new_york``) while reading: a
        :class:`~wordspace.phrases.Phrases` (learned or loaded) or the path of a table it
        saved. The corpus's sentences are the phrased sentences, and everything after
        (vocabulary, counts, ``min_count``, ``max_final_vocab``, ``unk``, subsampling)
        sees a phrase as one word, as if the phrased text had been written
        (``Phrases.write_corpus``) and read: the raw text is encoded, joined by the
        table's compiled kernel, and only then counted into the vocabulary. The text
        must be read as the table's was (``lowercase``, ``token_pattern``); not with
        ``max_vocab_size`` (it would prune words before they are joined) nor shared
        between ranks. Part of the cache key (the table's :meth:`~Phrases.digest`).
    lowercase : bool
        Lowercase text before tokenising.
    token_pattern : str, optional
        Regular expression whose matches are tokens; default: split on whitespace. It
        splits text (a file's lines); token lists given (an iterable's) are taken as
        split, only lowercased with ``lowercase``.
    unk : bool
        Map out-of-vocabulary words to an ``<unk>`` token at index 0 instead of
        dropping them (word2vec.c drops them).
    max_sentence_length : int, optional
        Longer lines are cut into sentences of this many tokens (default 10,000, as
        word2vec.c and gensim cut them). Phrases count and join token lists given whole,
        as gensim counts them, unless it is given (:func:`phrase_sentences`).
    max_token_length : int
        Tokens longer than this many characters are left out, with one warning saying how
        many (word2vec.c cuts them at 100 bytes). This bounds the memory a line without
        spaces takes (a 200 MB base64 blob, say), and the time.
    cache : bool
        Keep the encoded corpus of a file in ``$WORDSPACE_HOME/corpora`` (memory-mapped),
        keyed by the file (path, size, times and a hash of its first and last megabyte)
        and these settings, so the next run skips reading. A cache found unusable
        (truncated, edited, or inconsistent) is rebuilt, with a warning. Caches are
        written once and published whole, so concurrent runs can share them. Older
        encodings stay until ``wordspace cache clean`` removes them (:mod:`wordspace.cache`).
    progress : bool
        Show a progress bar while reading.
    shard : bool or Group, optional
        In a process group of several ranks (``torchrun``, see docs/distributed.md), read
        only this rank's share of the source (:mod:`wordspace.distributed.shards`; an
        iterable: every ``world``-th item, so every rank must yield the same items in the
        same order, which the ranks check) and merge the word counts of every rank, so
        that every rank holds the same vocabulary (counts over the whole corpus) and its
        own share of the tokens. None (the default): shard whenever such a group exists;
        False: read everything; a :class:`wordspace.distributed.Group` (or any object
        with its ``rank``, ``world`` and ``all_gather``, enough to read; training also
        needs ``all_reduce`` and ``broadcast``): shard between its ranks.

    Attributes
    ----------
    vocab : Vocabulary
    tokens : ndarray of int32
        The whole corpus as vocabulary indices.
    offsets : ndarray of int64
        Sentence ``i`` is ``tokens[offsets[i]:offsets[i + 1]]``.
    sentence_line : ndarray of int64
        The input line (or iterable item) sentence ``i`` came from, counted from 0 over
        the whole source; a long line cut into pieces gives several sentences with the
        same line, and a line left with no tokens gives none.
    raw_tokens : int
        How many tokens the text held (of every rank's share, when sharded), before
        ``min_count`` and the other vocabulary settings left any out or mapped them to
        ``<unk>`` (``meta.json``'s ``raw_tokens``).
    long_tokens : int
        How many tokens longer than ``max_token_length`` were left out (with
        ``phrases``, those of the text and the joined phrases); their neighbours look
        adjacent.
    """

    #: registry kind a source name is looked up in, and what an iterable source yields
    _dataset_kind = "corpus"
    _items = "token lists"

    def __init_subclass__(cls, **kwargs) -> None:
        """A subclass's ``__init__`` says where an unknown argument belongs too."""
        super().__init_subclass__(**kwargs)
        if "__init__" in cls.__dict__:
            cls.__init__ = keywords_checked(cls.__dict__["__init__"], _unknown_setting)

    def __init__(self, source, min_count: int = 5, max_vocab_size: int | None = None,
                 lowercase: bool = False, token_pattern: str | None = None, unk: bool = False,
                 max_sentence_length: int = DEFAULT_SENTENCE_LENGTH, cache: bool = True,
                 progress: bool = True, max_token_length: int = MAX_TOKEN_LENGTH,
                 shard=None, max_final_vocab: int | None = None,
                 phrases: Phrases | str | os.PathLike | None = None):
        check_int("min_count", min_count, 1)
        # given or not: token lists are counted and joined by phrases whole unless it is
        self.max_sentence_length_given = max_sentence_length is not DEFAULT_SENTENCE_LENGTH
        check_int("max_sentence_length", max_sentence_length, 1, maximum=1_000_000)
        check_int("max_token_length", max_token_length, 1, maximum=MAX_TOKEN_LENGTH_LIMIT)
        if max_vocab_size is not None:
            check_int("max_vocab_size", max_vocab_size, 1)
        if max_final_vocab is not None:
            check_int("max_final_vocab", max_final_vocab, 1)
        if token_pattern is not None:
            compile_token_pattern(token_pattern)  # refuses invalid and exponential patterns
        self.min_count = min_count
        self.max_token_length = max_token_length
        self.max_vocab_size = max_vocab_size
        self.max_final_vocab = max_final_vocab
        self.lowercase = lowercase
        self.token_pattern = token_pattern
        self.unk = unk
        self.max_sentence_length = int(max_sentence_length)
        self.group = self._shard_group(shard)
        self.phrases = None if phrases is None else self._phrase_table(phrases)
        # taken once (a table of many phrases takes a while): the table as it is now
        self._phrases_digest = None if phrases is None else self.phrases.digest()
        # what the phrases' reading reads (kept only then: a list of sentences is the
        # caller's to free)
        self._source = None if phrases is None else source
        self._cache = cache
        self.progress = progress and (self.group is None or self.group.rank == 0)
        self.pieces = None  # this rank's share of the files, when sharded
        self._walked = None  # a sharded iterable's items and their hash, once read

        if isinstance(source, (str, os.PathLike)):
            path = _resolve(source, self._dataset_kind)
            self.files, mac = _source_files(path, self._dataset_kind)
            self._mac = dict(zip(self.files, mac, strict=True))  # each file's head, read once
            self.name = str(path)
            # each file as it is before any reading: what the cache key and meta.json say
            # of it, and what reading must find it still is when done (check_unchanged)
            self._before = {f: _stat(f) for f in self.files}
            # each file's head and tail hashed once, for the ranks' check and the cache key
            fingerprints = [file_fingerprint(f, self._before[f]) for f in self.files] \
                if cache or self.group is not None else []
            self._fingerprints = fingerprints  # recorded in the cache's meta.json
            if self.group is not None:
                from wordspace.distributed import shards

                self._check_ranks_agree([_rank_view(f, path, fingerprint) for f, fingerprint
                                         in zip(self.files, fingerprints, strict=True)])
                self.pieces = shards.shard(self.files, self.group.rank, self.group.world,
                                           chunk_bytes=shards.CHUNK_BYTES, mac=mac)
                self._check_every_rank_has_a_share()
            cache_dir = self._cache_dir(fingerprints) if cache else None
        else:
            if isinstance(source, (bytes, np.ndarray)) or not isinstance(source, Iterable):
                raise TypeError(f"source must be a path or an iterable of {self._items}, "
                                f"not {type(source).__name__}")
            self.files, self.name, cache_dir = [], "<iterable>", None
            self._mac, self._before = {}, {}
            self._fingerprints = []
            if self.group is not None:
                self._check_ranks_agree("an iterable")
            self._sentences = source if self.group is None else self._rank_items(source)

        if self.group is not None:
            self._load_shard(cache_dir)
        elif cache_dir is None or not self._load_cache(cache_dir):
            with scratch_directory() as tmp:
                self._encode(tmp)
                self._load(tmp, mmap=False)

    # -- public -------------------------------------------------------------------------
    def __len__(self) -> int:
        """Number of sentences."""
        return len(self.offsets) - 1

    def __iter__(self) -> Iterator[list[str]]:
        """Sentences as lists of vocabulary words (after min_count and the UNK policy)."""
        words = self.vocab.words
        for i in range(len(self)):
            yield [words[t] for t in self.tokens[self.offsets[i]:self.offsets[i + 1]]]

    @property
    def n_tokens(self) -> int:
        """Number of encoded tokens (what one epoch trains on before subsampling)."""
        return len(self.tokens)

    def __repr__(self) -> str:
        return (f"Corpus({self.name!r}, {self.n_tokens:,} tokens, {len(self):,} sentences, "
                f"{len(self.vocab):,} words)")

    # -- internals ------------------------------------------------------------------------
    def _check_ranks_agree(self, text) -> None:
        """Refuse, before reading, ranks given other reading settings or other text
        (``text``: each file's name, size and head-and-tail hash, :func:`_rank_view`):
        they would train a mixture."""
        from wordspace.distributed.group import check_agreement

        check_agreement(self.group, "corpus settings", {
            "corpus": type(self).__name__, **self.reading_settings(), "files": text})

    def _rank_items(self, source: Iterable) -> Iterator:
        """This rank's items of the iterable ``source``: every ``world``-th, from its
        rank's, while every item is counted and hashed (:attr:`_walked`, compared in the
        merge): each rank takes its items by their place in the whole, so ranks given
        other items, or the same in another order, would train the wrong ones."""
        rank, world = self.group.rank, self.group.world
        digest = hashlib.blake2b(digest_size=16)
        items = 0
        for items, item in enumerate(source, 1):
            if not isinstance(item, (str, bytes, list, tuple, Mapping, AbstractSet)):
                with contextlib.suppress(TypeError):  # its rank says what is wrong
                    item = list(item)  # a generator's tokens: read once, here
            digest.update(_item_bytes(item))
            if (items - 1) % world == rank:
                yield item
        self._walked = (items, digest.hexdigest())

    def _check_iterables_alike(self, walked: list) -> None:
        """Refuse, on every rank alike, ranks whose iterables differed (``walked``: each
        rank's count and hash of the items, :meth:`_rank_items`; None: files)."""
        first = walked[0]
        differ = next((r for r, theirs in enumerate(walked) if theirs != first), None)
        if differ is None or None in walked:  # (None: a reader that stopped early)
            return
        from wordspace.distributed.group import RanksDisagree

        (ours, _), (theirs, _) = first, walked[differ]
        how = (f"{theirs:,} items on rank {differ}, {ours:,} on rank 0" if theirs != ours
               else f"rank {differ}'s {theirs:,} items are not rank 0's, or not in its order")
        raise RanksDisagree(
            f"{self.name}: the ranks were given different iterables ({how}): each rank "
            f"trains one item in {self.group.world}, chosen by its place in the whole, so "
            "every rank must yield the same items in the same order")

    def _check_every_rank_has_a_share(self) -> None:
        """Refuse, before reading and on every rank alike, a corpus with fewer pieces
        than ranks (each rank says how many it got, and their bytes); warn, on rank 0,
        of shares far apart."""
        largest = max(self.pieces, key=lambda p: p.size, default=None)
        shares = self.group.all_gather(
            (len(self.pieces), sum(p.size for p in self.pieces),
             None if largest is None else self.files.index(largest.path)),
            what="the shares' check")
        empty = [rank for rank, (n, _, _) in enumerate(shares) if n == 0]
        if empty:
            raise CorpusError(
                f"{self.name}: the share of rank(s) {', '.join(map(str, empty))} of "
                f"{self.group.world} holds no text: the corpus is too small for "
                f"{self.group.world} ranks, or a single compressed file holds it (split it "
                "into several files, or decompress it)")
        if self.group.rank == 0:
            self._warn_of_unequal_shares(shares)

    def _warn_of_unequal_shares(self, shares: list[tuple[int, int, int]]) -> None:
        """Warn when the largest share (``shares``: each rank's pieces, bytes and its
        largest piece's file) is over twice the smallest, and more than a range's worth
        apart (a small corpus's few ranges are no hours lost): the ranks meet at every
        epoch's end, so the others wait for the largest's reader. Only whole files
        (compressed ones) cause it: split the largest."""
        from wordspace.distributed import shards

        sizes = [size for _, size, _ in shares]
        most, least = max(range(len(sizes)), key=sizes.__getitem__), min(sizes)
        if sizes[most] <= 2 * least or sizes[most] - least <= shards.CHUNK_BYTES:
            return
        file = self.files[shares[most][2]]
        named = f"{file} ({size_said(self._before[file].st_size)})"  # as stat'ed first
        advice = (f"Its largest file, {named}, is compressed, so one rank reads it whole: "
                  "split it into several files (or decompress it)" if is_compressed(file)
                  else f"Split its largest file, {named}, into several files")
        logger.warning("%s: the ranks' shares are unequal (rank %d reads %s, the least %s): "
                       "at every epoch's end the others wait for rank %d. %s to balance the "
                       "shares", self.name, most, size_said(sizes[most]), size_said(least),
                       most, advice)

    #: whether a rank may read a share of this kind of corpus (see ``shard``)
    _shardable = True

    def _shard_group(self, shard):
        """The process group whose ranks share the source, or None to read it whole."""
        if shard is False:
            return None
        if shard is not None and shard is not True:
            if not all(hasattr(shard, name) for name in ("rank", "world", "all_gather")):
                raise TypeError(f"shard must be True, False, None or a process group, not "
                                f"{type(shard).__name__}")
            group = shard
        else:
            from wordspace.distributed.group import current_group

            group = current_group()
        if group is not None and not self._shardable:
            raise CorpusError(f"{type(self).__name__} cannot be shared between the "
                              f"{group.world} ranks of a process group yet: train it in "
                              "one process")
        if group is None and shard:
            raise CorpusError("shard=True needs a process group of several ranks (launch "
                              "with torchrun; see docs/distributed.md)")
        return group

    @property
    def tokenization(self) -> dict:
        """How the text is split into words (``lowercase``, ``token_pattern``): what a
        model trained on it records, so that more text for an update is read alike."""
        return {"lowercase": self.lowercase, "token_pattern": self.token_pattern}

    def reading_settings(self) -> dict:
        """How the source was read into this corpus (min_count, lowercase, ...): what a
        checkpoint records beside the corpus's digest, to say what changed."""
        return {"min_count": self.min_count, "max_vocab_size": self.max_vocab_size,
                "lowercase": self.lowercase, "token_pattern": self.token_pattern,
                "unk": self.unk, "max_sentence_length": self.max_sentence_length,
                "max_token_length": self.max_token_length,
                # only when set: the caches and checkpoints made before it keep their key
                **({} if self.max_final_vocab is None
                   else {"max_final_vocab": self.max_final_vocab}),
                **({} if self.phrases is None else {"phrases": self._phrases_digest})}

    @classmethod
    def reading_settings_for(cls, **given) -> dict:
        """What :meth:`reading_settings` will be of a corpus of this class built with the
        keyword arguments ``given`` (``phrases`` as a :class:`Phrases`; the others at
        their defaults), known before any reading: a checkpoint made with other ones is
        refused up front, not once a large corpus is read."""
        probe = object.__new__(cls)
        for klass in reversed(cls.__mro__):  # each constructor's defaults, a subclass's last
            if "__init__" in vars(klass):
                probe.__dict__.update(
                    {name: p.default for name, p in inspect.signature(klass.__init__)
                     .parameters.items() if p.default is not inspect.Parameter.empty})
        probe.__dict__.update(given)
        probe._phrases_digest = None if probe.phrases is None else probe.phrases.digest()
        return probe.reading_settings()

    def _phrase_table(self, phrases) -> Phrases:
        """``phrases`` (a table or its file) as a :class:`Phrases`, checked before any
        reading: the text is read as the table's was, whole, without pruning."""
        from wordspace.phrases import Phrases

        if isinstance(phrases, (str, os.PathLike)):
            phrases = Phrases.load(phrases)
        elif not isinstance(phrases, Phrases):
            raise TypeError(f"phrases must be a Phrases or the path of a table it saved, "
                            f"not {type(phrases).__name__}")
        if phrases.tokenization != self.tokenization:
            raise CorpusError(
                f"the phrases were learned on text read with {phrases.tokenization}, this "
                f"corpus reads it with {self.tokenization}: read it alike, or its words "
                "would not be the table's")
        if self.max_vocab_size is not None:
            raise CorpusError(
                "max_vocab_size prunes words while they are counted, before phrases join "
                "them; with phrases, bound the vocabulary with min_count or "
                "max_final_vocab instead")
        if self.group is not None:
            raise CorpusError("a corpus with phrases cannot be shared between the ranks of "
                              "a process group yet: read it in one process (shard=False)")
        return phrases

    def _settings(self) -> dict:
        return {**self.reading_settings(), "format": _FORMAT_VERSION}

    def _cache_dir(self, fingerprints: list[list]) -> Path:
        """Where this corpus's encoding is cached: named by its settings and its files'
        fingerprints (:func:`~wordspace._io.file_fingerprint`; when sharded, also this
        rank's share)."""
        key = {"settings": self._settings(), "files": fingerprints}
        if self.group is not None:  # a shard: its place, and the vocabulary of them all
            key["shard"] = [self.group.rank, self.group.world,
                            [[p.start, p.end, p.chunk] for p in self.pieces]]
        digest = hashlib.sha1(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
        # the folder's own name, also when given as "." (whose name is "")
        stem = re.sub(r"[^A-Za-z0-9_.-]", "_", Path(os.path.abspath(self.name)).name)[:40]
        return cache_home() / "corpora" / f"{stem}-{digest}"

    def _load_cache(self, cache_dir: Path) -> bool:
        """Load the cache at ``cache_dir``, building and publishing it first if it is
        absent or unusable; False if that cannot be done (nowhere to write, or no room: a
        full device or quota is warned about, the run going on without a cache).

        The cache is write-once: a directory at ``cache_dir`` is complete when it appears,
        and is never changed, only removed whole when found unusable. A run that loses a
        race (its cache removed while it reads, its build not published because another
        was first) tries again, a few times, then encodes for itself.
        """
        for _attempt in range(3):
            try:
                if self._open_cache(cache_dir):
                    return True
            except OSError as e:  # an unusable cache that cannot be removed
                logger.warning("%s: cannot remove the unusable cache (%s); encoding the "
                               "corpus without a cache", cache_dir, e)
                return False
            if not _writable(cache_dir.parent):
                return False
            try:
                with atomic_directory(cache_dir, replace=False) as tmp:
                    self._encode(tmp)
            except OSError as e:  # a full device or quota: the run goes on without a cache
                code = e.errno
                if code not in (errno.ENOSPC, errno.EDQUOT):
                    raise
                logger.warning("%s: the cache could not be written (%s); encoding the corpus "
                               "without one (each run reads it again until there is room)",
                               cache_dir, os.strerror(code))
                return False
        return False

    def _load_shard(self, cache_dir: Path | None) -> None:
        """Load this rank's share from its cache, or read and encode it (into the cache
        when it can be written). Either way the rank takes part in exactly one merge of
        the counts (a collective): a cached share brings the counts it stored."""
        stored = None
        if cache_dir is not None and self._open_cache(cache_dir):
            try:
                found = parse_json((cache_dir / "shard_counts.json").read_text("utf-8"))
                stored = _Counts(list(found["words"]), np.asarray(found["counts"], np.int64),
                                 int(found["raw_tokens"]), np.empty(0, np.int64), 0,
                                 np.asarray(found["chunks"], np.int64))
            except (OSError, ValueError, KeyError, TypeError) as e:
                logger.warning("%s: the cached share's counts are unusable (%s); rebuilding "
                               "it", cache_dir, e)
                _discard(cache_dir, _identity(cache_dir))
        if stored is not None:
            merged, _ = self._merge(stored)
            raw = parse_json((cache_dir / "meta.json").read_text("utf-8"))["raw_tokens"]
            if merged.raw_tokens != raw:  # the other ranks' shares are not what they were
                raise CorpusError(f"{cache_dir}: the cached share was encoded with a "
                                  f"vocabulary of {raw:,} tokens, the ranks now count "
                                  f"{merged.raw_tokens:,}; remove the cache and run again")
            return
        writable = cache_dir is not None and _writable(cache_dir.parent)
        with atomic_directory(cache_dir, replace=False) if writable \
                else scratch_directory() as tmp:
            self._encode(tmp)
            self._load(tmp, mmap=False)

    def _open_cache(self, directory: Path) -> bool:
        """Load and check the cache at ``directory``: True if it is usable; False if it
        is absent, or was unusable and has been removed (with a warning)."""
        try:
            identity = _identity(directory)
        except FileNotFoundError:
            return False
        try:
            self._load(directory, mmap=True)
            self._check_loaded(directory)
        except Exception as e:  # noqa: BLE001 - anything wrong with a cache means: rebuild
            logger.warning("%s: the cached encoding is unusable (%s: %s); rebuilding it",
                           directory, type(e).__name__, shorten(str(e), 300))
            _discard(directory, identity)
            return False
        logger.info("read encoded corpus from cache %s", directory)
        return True

    def _load(self, directory: Path, mmap: bool) -> None:
        mode = "r" if mmap else None
        self.tokens = np.load(directory / "tokens.npy", mmap_mode=mode)
        self.offsets = np.load(directory / "offsets.npy", mmap_mode=mode)
        self.sentence_line = np.load(directory / "sentence_line.npy", mmap_mode=mode)
        self.vocab = Vocabulary.load_tsv(directory / "vocab.tsv")
        self.cache_dir = directory if mmap else None

    def _check_loaded(self, directory: Path) -> None:
        """Raise ValueError naming the file unless the loaded cache is one this corpus
        wrote: its settings, arrays the training kernels can index safely, and every file
        as it was written (its checksum)."""
        meta_path = directory / "meta.json"
        meta = parse_json(meta_path.read_text(encoding="utf-8"))
        settings = self._settings()
        if not isinstance(meta, dict) or {k: meta.get(k) for k in settings} != settings:
            raise ValueError(f"{meta_path}: written for other settings")
        for name in ("long_tokens", "raw_tokens"):  # counts Phrases reads
            count = meta.get(name)
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise ValueError(f"{meta_path}: {name} is not a count ({count!r})")
            setattr(self, name, count)
        _check_encoding(directory, self.tokens, self.offsets, self.sentence_line,
                        self.vocab, meta.get("tokens") if self.group is not None else None)
        _check_checksums(directory, meta.get("crc32"), self.tokens, len(self.vocab))

    def _batches(self) -> Iterator[tuple[list[str], list[int], list[int]] | _PieceEnd]:
        """Tokens in batches, with the lengths and source lines of their sentences; for a
        shard, after each piece's last batch, a :class:`_PieceEnd` naming its chunk."""
        batcher = _Batcher(self.max_sentence_length)
        self._tokenizer = _Tokenizer(self.lowercase, self.token_pattern, self.max_token_length)
        if not self.files:
            yield from self._read_iterable(batcher)
        else:
            parts = [(f, {}, None) for f in self.files] if self.pieces is None else \
                [(p.path, {"start": p.start, "end": p.end}, p.chunk) for p in self.pieces]
            total = sum(self._before[f].st_size for f in self.files) \
                if self.pieces is None else sum(p.size for p in self.pieces)
            # a rank's bar counts its share only: said, or 1 MB of 2 would look like all
            desc = "reading" if self.pieces is None else \
                f"reading rank {self.group.rank}'s share"
            with progress_bar(total=total, unit="B", desc=desc, enable=self.progress) as bar:
                for f, share, chunk in parts:
                    bar.set_postfix_str(f.name, refresh=False)
                    yield from self._read_file(f, batcher, bar, **share)
                    if chunk is not None:  # the words first seen so far were in chunks
                        yield batcher.take()  # up to this one
                        yield _PieceEnd(chunk)
        yield batcher.take()

    def _read_iterable(self, batcher: _Batcher) -> Iterator[tuple]:
        """Feed the iterable source to ``batcher``, yielding full batches."""
        return _iterable_batches(self._sentences, batcher, self._tokenizer)

    def _read_file(self, path: Path, batcher: _Batcher, bar, **share) -> Iterator[tuple]:
        """Feed one file (or its bytes ``start .. end - 1``) to ``batcher`` (advancing
        ``bar`` by bytes), yielding full batches."""
        return _file_batches(path, self._tokenizer, batcher, bar, mac=self._lone_cr(path),
                             before=self._before[path], **share)

    def _lone_cr(self, path: Path) -> bool:
        """Whether a lone ``\r`` ends a line of the source file ``path``, as its head,
        read once when the corpus was given, said."""
        return self._mac[path]  # every file the corpus reads is one of self.files

    def _count(self, out: Path) -> _Counts:
        """Read the source (this rank's share of it) once: provisional ids to
        ``out/ids.bin`` (sentence lengths and lines beside them) and each word's count."""
        ids: defaultdict[str, int] = defaultdict(itertools.count().__next__)
        counts = np.zeros(1 << 16, dtype=np.int64)
        n_ids = 0
        marks, marked_chunks = [], []  # ids below marks[i] were first seen by chunk i's end
        min_reduce = 1
        raw_tokens = 0
        with open(out / "ids.bin", "wb") as ids_file, \
                open(out / "lengths.bin", "wb") as len_file, \
                open(out / "lines.bin", "wb") as line_file:
            for batch in self._batches():
                if isinstance(batch, _PieceEnd):
                    marks.append(n_ids)
                    marked_chunks.append(batch.chunk)
                    continue
                tokens, lengths, lines = batch
                prov = np.fromiter(map(ids.__getitem__, tokens), dtype=np.int32,
                                   count=len(tokens))
                prov.tofile(ids_file)
                np.asarray(lengths, dtype=np.int64).tofile(len_file)
                np.asarray(lines, dtype=np.int64).tofile(line_file)
                raw_tokens += len(tokens)
                n_ids = max(n_ids, int(prov.max()) + 1 if len(prov) else 0)
                if n_ids > len(counts):
                    counts = np.concatenate([counts, np.zeros(max(n_ids, 2 * len(counts))
                                                              - len(counts), np.int64)])
                counts[:n_ids] += np.bincount(prov, minlength=n_ids)
                if self.max_vocab_size is not None and len(ids) > self.max_vocab_size:
                    min_reduce = _prune(ids, counts, min_reduce, self.max_vocab_size)
        self._tokenizer.warn(self.name)
        self.long_tokens = self._tokenizer.skipped
        prov_ids = np.fromiter(ids.values(), dtype=np.int64, count=len(ids))
        # the chunk of the corpus each word was first seen in (a single reader: none)
        chunks = np.asarray(marked_chunks, np.int64)[
            np.searchsorted(np.asarray(marks, np.int64), prov_ids, side="right")] \
            if marks else np.zeros(len(prov_ids), np.int64)
        return _Counts(list(ids.keys()), counts[prov_ids], raw_tokens, prov_ids, n_ids,
                       chunks)

    def _encode(self, out: Path) -> None:
        if self.group is None:
            if self.phrases is None:
                local = self._count(out)
            else:
                raw = self._raw_corpus()
                self._check_read_as_given(raw)
                local = self._join_phrases(out, raw)
            if local.raw_tokens == 0:
                raise CorpusError(f"{self.name}: the corpus is empty (no tokens found)")
            merged, index = local, np.arange(len(local.words))
        else:
            try:
                local = self._count(out)
            except Exception as e:  # the others hear of it before this rank raises
                self._merge(e)
                raise
            merged, index = self._merge(local)
            with open(out / "shard_counts.json", "w") as f:  # for a cached shard's merge
                json.dump({"words": local.words, "counts": local.counts.tolist(),
                           "raw_tokens": local.raw_tokens,
                           "chunks": local.chunks.tolist()}, f)
        words = np.array(merged.words, dtype=object)
        word_counts = merged.counts
        order = np.argsort(-word_counts, kind="stable")  # ties: first appearance first
        min_count = self._effective_min_count(word_counts[order])
        order = order[word_counts[order] >= min_count]
        if len(order) == 0 and min_count > self.min_count:  # ties at the top of the counts
            raise CorpusError(
                f"{self.name}: more than max_final_vocab={self.max_final_vocab} words tie "
                f"for the most frequent ({min_count - 1} occurrences each), so it keeps "
                "none (ties at the cut are left out, as in gensim); raise max_final_vocab")
        if len(order) == 0:
            top = int(np.argmax(word_counts))
            raise CorpusError(
                f"{self.name}: no word occurs min_count={self.min_count} times or more "
                f"(the most frequent, {shorten(words[top])}, occurs {word_counts[top]}); "
                f"lower min_count")
        kept_words = words[order].tolist()
        kept_counts = word_counts[order]
        for word in kept_words:
            if not word or any(ch in word for ch in "\t\n\r"):
                raise CorpusError(f"{self.name}: the token {shorten(word)} is empty or holds a tab "
                                  "or line break; tokens must be non-empty and free of them")
        position = np.full(len(words), -1, dtype=np.int64)  # a merged word's final index
        position[order] = np.arange(len(order))
        final = np.where(index >= 0, position[np.maximum(index, 0)], -1)  # local words'
        dropped = 0 if self.unk else -1
        remap = np.full(local.n_ids, dropped, dtype=np.int32)
        remap[local.prov_ids] = np.where(final >= 0, final + int(self.unk), dropped)
        n_final = local.raw_tokens if self.unk else int(local.counts[final >= 0].sum())
        if self.unk:
            if UNK in merged.words:
                raise CorpusError(f"{self.name}: the corpus contains the token {UNK!r}, "
                                  "which unk=True reserves; use unk=False")
            n_unk = merged.raw_tokens - int(kept_counts.sum())
            kept_words = [UNK, *kept_words]
            kept_counts = np.concatenate([[n_unk], kept_counts])

        self.raw_tokens = merged.raw_tokens
        tokens_crc = self._write_tokens(out, remap, n_final)
        Vocabulary(kept_words, kept_counts, unk=self.unk).save_tsv(out / "vocab.tsv")
        self._save_more(out)
        with open(out / "meta.json", "w") as f:  # written last: it checksums the others
            json.dump({"source": self.name, "raw_tokens": merged.raw_tokens,
                       "tokens": n_final, "long_tokens": self.long_tokens,
                       **self._settings(), **self._source_record(),
                       "crc32": _checksums(out, {"tokens.npy": tokens_crc})}, f)
        logger.info("%s: %d tokens, %d kept, vocabulary of %d words%s",
                    self.name, merged.raw_tokens, int(kept_counts.sum()), len(kept_words),
                    "" if self.group is None else
                    f" (rank {self.group.rank} of {self.group.world} holds {n_final:,})")

    def _raw_options(self) -> dict:
        """How :meth:`_raw_corpus` reads the source: as ``Phrases`` and
        ``Phrases.write_corpus`` read it (every word, lines cut every
        :data:`MAX_SENTENCE_LENGTH` words, the whole of it), in this corpus's tokens."""
        return {"min_count": 1, "lowercase": self.lowercase,
                "token_pattern": self.token_pattern, "max_token_length": self.max_token_length,
                "cache": self._cache, "progress": self.progress}

    def _raw_corpus(self) -> Corpus:
        """The source before its phrases are joined (:meth:`_raw_options`): cached as
        any corpus, it is the encoding ``Phrases(source)`` learned from, so learning a
        table and reading with it read the text once."""
        return Corpus(self._source, shard=False, **self._raw_options())

    def _check_read_as_given(self, raw: Corpus) -> None:
        """Raise :class:`CorpusError` unless ``raw`` (:meth:`_raw_corpus`, which read the
        source, or took it from its cache, after this corpus was given it) holds the
        files this corpus's cache key describes, each as it was then: else a file
        changed in between, and this corpus would be cached under one text holding
        another."""
        if raw.files != self.files:
            raise CorpusError(f"{self.name}: the folder's files changed while it was read "
                              "(a file added, removed or renamed); read it when it is "
                              "complete")
        for file in self.files:
            change = _change(self._before[file], raw._before[file])
            if change is not None:
                raise SourceChangedError(_changed_message(file, change))

    def _join_phrases(self, out: Path, raw: Corpus) -> _Counts:
        """Write to ``out`` the encoding (provisional ids, sentence lengths and lines, as
        :meth:`_count` writes them) of ``raw`` with the phrases joined, as reading the
        phrased text would have encoded it, and return its counts: a long line's
        sentences joined and cut again every ``max_sentence_length`` tokens, a phrase
        longer than ``max_token_length`` left out, a phrase spelled as a word of the
        text one word with it, and the words in order of first appearance (the
        vocabulary's tie-break). Phrases are joined where ``write_corpus`` joins them:
        in a file's lines cut every :data:`MAX_SENTENCE_LENGTH` words, in token lists
        given whole (:func:`phrase_sentences`). Tokens of the text longer than
        ``max_token_length`` are warned about, not refused (training is not worth
        failing for a stray URL): the words on either side of one may be joined."""
        from wordspace.kernels.phrases import first_positions

        if raw.long_tokens:
            logger.warning("%s: %d token(s) longer than max_token_length=%d characters were "
                           "left out before joining phrases: the words on either side of "
                           "each look adjacent and may be joined as a phrase (read with a "
                           "larger max_token_length to keep them)", self.name,
                           raw.long_tokens, self.max_token_length)
        offsets, lines = phrase_sentences(raw)
        words, tokens, offsets = self.phrases.join(
            list(raw.vocab.words), np.asarray(raw.tokens), offsets)
        index: dict[str, int] = {}  # each word's first id: a phrase may be a word too
        same = np.fromiter((index.setdefault(w, i) for i, w in enumerate(words)), np.int32,
                           len(words))
        too_long = np.fromiter((len(w) > self.max_token_length for w in words), np.bool_,
                               len(words))
        self.long_tokens = raw.long_tokens
        if too_long.any():
            logger.warning("%s: %d phrases longer than max_token_length=%d characters left "
                           "out", self.name, int(too_long.sum()), self.max_token_length)
            kept = ~too_long[tokens]
            self.long_tokens += len(tokens) - int(kept.sum())
            offsets = np.concatenate([[0], np.cumsum(kept)])[offsets]  # kept before each
            tokens = tokens[kept]
        if not np.array_equal(same, np.arange(len(words))):
            tokens = same[tokens]
        lengths, lines = _cut_lines(offsets, lines, self.max_sentence_length)
        tokens.tofile(out / "ids.bin")
        lengths.tofile(out / "lengths.bin")
        lines.tofile(out / "lines.bin")
        counts = np.bincount(tokens, minlength=len(words))
        first = first_positions(tokens, len(words))
        present = np.flatnonzero(counts)
        order = present[np.argsort(first[present], kind="stable")]
        logger.info("%s: %d tokens with phrases joined (%d before)", self.name,
                    len(tokens), raw.n_tokens)
        return _Counts([words[i] for i in order], counts[order], len(tokens), order,
                       len(words), np.zeros(len(order), np.int64))

    def _effective_min_count(self, descending: np.ndarray) -> int:
        """``min_count``, raised so that at most ``max_final_vocab`` words are kept, as
        gensim's ``prepare_vocab`` does: one above the count of the first word beyond
        them (``descending``: the counts, most frequent first)."""
        if self.max_final_vocab is None or self.max_final_vocab >= len(descending):
            return self.min_count
        return max(self.min_count, int(descending[self.max_final_vocab]) + 1)

    def _source_record(self) -> dict:
        """What ``meta.json`` records of the source files, for ``wordspace cache list`` to
        tell, from their sizes and times alone, a cache no run will use again (its key
        would differ): the source's absolute path and each file's
        :func:`~wordspace._io.file_fingerprint`."""
        if not self.files:
            return {}
        return {"path": os.path.abspath(self.name), "files": self._fingerprints}

    def source_identity(self) -> list[list] | None:
        """What :func:`source_identity` says of the source, as this corpus found it before
        reading it: the files its encoding was read from (the module's function looks at
        them as they are now). None for an iterable source, and where the files were not
        hashed (``cache=False`` outside a process group)."""
        if not self.files or not self._fingerprints:
            return None
        return [_rank_view(f, Path(self.name), fingerprint) for f, fingerprint
                in zip(self.files, self._fingerprints, strict=True)]

    def _save_more(self, out: Path) -> None:
        """Write what a subclass keeps in the cache beside the encoding (before
        ``meta.json``, which checksums it)."""

    def _merge(self, local: _Counts | BaseException) -> tuple[_Counts, np.ndarray]:
        """Every rank's counts merged into the whole corpus's (words in order of their
        first appearance in the corpus: the chunk it was in, then the order within it,
        so ties in frequency break as one reader's would), and the index of
        each of this rank's words among them (-1: pruned by ``max_vocab_size``). A
        rank's failure (``local`` an exception) or empty share fails every rank."""
        group = self.group
        mine = (f"{type(local).__name__}: {local}" if isinstance(local, BaseException)
                else (local.words, local.counts.tolist(), local.raw_tokens,
                      local.chunks.tolist(), self._walked))
        shares = group.all_gather(mine, what="the vocabulary's merge")
        for rank, share in enumerate(shares):
            if isinstance(share, str) and rank != group.rank:
                raise CorpusError(f"{self.name}: rank {rank} of {group.world} could not read "
                                  f"its share ({share}); this rank stops too")
        if isinstance(local, BaseException):
            return local  # the caller raises it
        if not self.files:
            self._check_iterables_alike([share[4] for share in shares])
        empty = [rank for rank, share in enumerate(shares) if share[2] == 0]
        if empty:
            items = self._walked[0] if self._walked else group.world
            why = (f"the corpus is too small for {group.world} ranks, or a single "
                   "compressed file holds it (split it into several files, or decompress "
                   "it)" if self.files else
                   f"the iterable has {items:,} item{'s' * (items != 1)}, fewer than the "
                   f"{group.world} ranks (each trains one item in {group.world})"
                   if items < group.world else
                   f"the items they take (one in {group.world}) hold no tokens")
            raise CorpusError(
                f"{self.name}: the share of rank(s) {', '.join(map(str, empty))} of "
                f"{group.world} holds no tokens: {why}")
        # every rank's words, in the order of the chunks they were first seen in: a chunk
        # is one rank's, whose words are in order of first appearance, so a stable sort
        # by chunk keeps each chunk's words in reading order
        words = [word for share in shares for word in share[0]]
        word_counts = np.concatenate([np.asarray(share[1], np.int64) for share in shares])
        chunk = np.concatenate([np.asarray(share[3], np.int64) for share in shares])
        ids: dict[str, int] = {}
        counts = np.zeros(len(words), np.int64)
        for i in np.argsort(chunk, kind="stable"):
            counts[ids.setdefault(words[i], len(ids))] += word_counts[i]
        if self.max_vocab_size is not None and len(ids) > self.max_vocab_size:
            _prune(ids, counts, 1, self.max_vocab_size)
        merged = _Counts(list(ids), counts[np.fromiter(ids.values(), np.int64, len(ids))],
                         sum(share[2] for share in shares), np.empty(0, np.int64), 0,
                         np.empty(0, np.int64))
        place = {word: i for i, word in enumerate(ids)}
        index = np.fromiter((place.get(w, -1) for w in local.words), np.int64,
                            len(local.words))
        return merged, index

    @staticmethod
    def _write_tokens(out: Path, remap: np.ndarray, n_final: int) -> int:
        """Map provisional ids to final indices, sentence block by sentence block; return
        the CRC-32 of ``tokens.npy``, taken as it is written (not read back for
        ``meta.json``: the file is the corpus's largest).

        ``tokens.npy`` is written in order through ``write``, not through a memory map: a
        write through a map that finds its device full kills the process (SIGBUS) where
        ``write`` raises ``OSError(ENOSPC)``, which the cache's fallback catches."""
        lengths = np.fromfile(out / "lengths.bin", dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(lengths)])
        new_lengths = np.empty_like(lengths)
        written = 0
        s = 0
        header = io.BytesIO()
        np.lib.format.write_array_header_1_0(header, {
            "descr": np.lib.format.dtype_to_descr(np.dtype(np.int32)),
            "fortran_order": False, "shape": (n_final,)})
        crc = zlib.crc32(header.getvalue())
        with open(out / "ids.bin", "rb") as ids_file, open(out / "tokens.npy", "wb") as tokens:
            tokens.write(header.getvalue())
            while s < len(lengths):
                # a block of whole sentences spanning about 4 * _BATCH_TOKENS tokens
                e = max(s + 1, int(np.searchsorted(starts, starts[s] + 4 * _BATCH_TOKENS)) - 1)
                prov = np.fromfile(ids_file, dtype=np.int32, count=int(starts[e] - starts[s]))
                mapped = remap[prov]
                keep = mapped >= 0
                new_lengths[s:e] = np.add.reduceat(keep, starts[s:e] - starts[s])
                kept = np.ascontiguousarray(mapped[keep], np.int32)
                tokens.write(kept)  # OSError's errno: ENOSPC
                crc = zlib.crc32(kept, crc)
                written += len(kept)
                s = e
        assert written == n_final, (written, n_final)
        nonempty = new_lengths > 0
        np.save(out / "offsets.npy", np.concatenate([[0], np.cumsum(new_lengths[nonempty])]))
        np.save(out / "sentence_line.npy", np.fromfile(out / "lines.bin", np.int64)[nonempty])
        for scratch in ("ids.bin", "lengths.bin", "lines.bin"):
            os.unlink(out / scratch)
        return crc


@dataclass
class _Counts:
    """What reading counted: the words in order of first appearance, their counts, the
    tokens read, and (for a rank's own reading) each word's provisional id and how many
    ids were handed out."""

    words: list[str]
    counts: np.ndarray
    raw_tokens: int
    prov_ids: np.ndarray
    n_ids: int
    chunks: np.ndarray  # the corpus chunk (shards.Piece.chunk) each word was first seen in


def phrase_sentences(corpus: Corpus) -> tuple[np.ndarray, np.ndarray]:
    """The sentences phrases are counted and joined in, as offsets into
    ``corpus.tokens`` and their lines: every path (``Phrases``, ``phrases[corpus]``,
    ``transform``, ``write_corpus``, ``Corpus(source, phrases=...)``) takes them from
    here. A file's lines as the corpus cut them (every ``max_sentence_length`` words,
    gensim's ``LineSentence``'s cut); token lists whole, as gensim counts them, unless
    the corpus was given ``max_sentence_length``."""
    offsets, lines = np.asarray(corpus.offsets), np.asarray(corpus.sentence_line)
    if corpus.files or corpus.max_sentence_length_given:
        return offsets, lines
    return whole_lines(offsets, lines)


def whole_lines(offsets: np.ndarray, lines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sentences of each line (``lines``: each sentence's, in order; ``offsets``:
    their tokens) put back together, a long line's cut undone: the lines' offsets and
    their line numbers."""
    starts = np.flatnonzero(np.r_[True, lines[1:] != lines[:-1]]) if len(lines) \
        else np.empty(0, np.int64)  # each line's first sentence
    return np.append(offsets[starts], offsets[-1]).astype(np.int64), lines[starts]


def _cut_lines(offsets: np.ndarray, lines: np.ndarray, max_len: int
               ) -> tuple[np.ndarray, np.ndarray]:
    """The sentences of each line (:func:`whole_lines`) cut into sentences of
    ``max_len`` tokens, the last one shorter, as :class:`_Batcher` cuts a line: their
    lengths and lines. Empty lines make none."""
    offsets, line_of = whole_lines(offsets, lines)
    line_sizes = np.diff(offsets)
    keep = line_sizes > 0
    line_sizes, line_of = line_sizes[keep], line_of[keep]
    pieces = -(-line_sizes // max_len)
    lengths = np.full(int(pieces.sum()), max_len, np.int64)
    lengths[np.cumsum(pieces) - 1] = line_sizes - (pieces - 1) * max_len
    return lengths, np.repeat(line_of, pieces).astype(np.int64)


def _prune(ids: dict, counts: np.ndarray, min_reduce: int, max_size: int) -> int:
    """Drop words counted fewer than ``min_reduce`` times until the dict fits (gensim's rule)."""
    while len(ids) > max_size:
        dead = [w for w, i in ids.items() if counts[i] < min_reduce]
        for w in dead:
            counts[ids.pop(w)] = 0
        logger.info("pruned %d words seen fewer than %d times", len(dead), min_reduce)
        min_reduce += 1
    return min_reduce


def _unknown_setting(kind: type, name: str, value, settings: list[str]) -> str:
    """Where ``kind(source, name=...)``'s unknown ``name`` belongs: a corpus class's
    message for :func:`~wordspace._validate.keywords_checked`."""
    settings = [s for s in settings if s != "source"]
    from wordspace.models import MODELS  # the models import this module

    owners = [cls.__name__ for cls in sorted(  # the models of this kind of corpus first
        dict.fromkeys(MODELS.values()), key=lambda cls: cls._corpus_type is not kind)
        if name in inspect.signature(cls.__init__).parameters]
    if owners:
        return (f"{name} is a model parameter, not a {kind.__name__} setting: "
                f"{owners[0]}({name}=...).fit({kind.__name__}(source))")
    return (f"{kind.__name__} has no setting {name!r}{did_you_mean(name, settings)} (its "
            f"settings are {', '.join(settings)})")


# an unknown setting (mincount, or a model's dim) said, not Python's bare "unexpected
# keyword argument"; its subclasses': __init_subclass__
Corpus.__init__ = keywords_checked(Corpus.__init__, _unknown_setting)


def _stat(path: Path) -> os.stat_result:
    """The ``stat`` of the source file ``path``, before and after reading it."""
    return os.stat(path)


def _change(before: os.stat_result, now: os.stat_result) -> str | None:
    """How a file whose ``stat`` was ``before`` differs, ``now``, in what tells a write
    (None: it does not): another file under its name, its size, its modification time,
    or its ``ctime`` (any write, even one whose modification time was put back)."""
    if (now.st_dev, now.st_ino) != (before.st_dev, before.st_ino):
        return (f"replaced by another file of {now.st_size:,} bytes, {before.st_size:,} when "
                "reading began")
    if now.st_size != before.st_size:
        return f"{now.st_size:,} bytes now, {before.st_size:,} when reading began"
    if now.st_mtime_ns != before.st_mtime_ns:
        return f"written to with its size unchanged, at {_when(now.st_mtime_ns)}"
    if now.st_ctime_ns != before.st_ctime_ns:
        return (f"changed at {_when(now.st_ctime_ns)} with its size and modification time "
                "unchanged: written to with its time put back, or its permissions or owner "
                "changed")
    return None


def _when(ns: int) -> str:
    """A file time, in local time, to the second, for a message."""
    import datetime

    return datetime.datetime.fromtimestamp(ns / 1e9).strftime("%Y-%m-%d %H:%M:%S")


def _changed_message(path: Path, change: str) -> str:
    return (f"{path} changed while it was read ({change}): a file still being written or "
            "edited; read it when it is complete")


def check_unchanged(path: Path, before: os.stat_result, read: int | None = None,
                    expected: int | None = None) -> None:
    """Raise :class:`CorpusError` naming ``path`` unless it is still as its ``stat``
    ``before`` reading began says (:func:`_change`), and, when given, ``read`` (the bytes
    read of a plain file) is ``expected`` (its size then, or its share's): a file still
    being written or edited would otherwise be encoded, and cached, half read, or with
    the start of what was appended. The bytes read tell a change that a network file
    system's cached attributes hide (NFS keeps them up to a minute)."""
    try:
        change = _change(before, _stat(path))
    except FileNotFoundError:
        change = "removed: no file has its name now"
    if change is None and read is not None and read != expected:
        change = f"reading found {read:,} bytes where its size said {expected:,}"
    if change is not None:
        raise SourceChangedError(_changed_message(path, change))


def _rank_view(file: Path, source: Path, fingerprint: list) -> list:
    """What the ranks of a group compare of one of the corpus's files: its name (in the
    folder ``source``, or its own), and its size and the hash of its head and tail (from
    its :func:`~wordspace._io.file_fingerprint`), so that a stale or other copy on one
    node is refused even with the same name and size."""
    _, size, _, _, head_and_tail = fingerprint
    return [str(file.relative_to(source)) if source.is_dir() else file.name, size,
            head_and_tail]


def source_identity(source: str | os.PathLike, kind: str = "corpus") -> list[list]:
    """What tells a corpus given as a path (or a dataset name of ``kind``) again: each
    of its files' name (in the folder, or its own), size and hash of its head and tail,
    as the ranks of a distributed run compare them (at most 2 MiB read a file)."""
    path = _resolve(source, kind)
    files = _folder_files(path) if path.is_dir() else [path]
    return [_rank_view(f, path, file_fingerprint(f)) for f in files]


def _identity(path: Path) -> tuple[int, int]:
    info = path.stat()
    return info.st_dev, info.st_ino


def _discard(directory: Path, identity: tuple[int, int], strict: bool = False) -> bool:
    """Remove the unusable cache ``directory`` if it is still the one found unusable:
    first moved aside under a claimed temporary name, so the path is free at once and
    readers that have it open keep their files until they close them. Returns whether
    it was removed (False: another run replaced or removed it first). ``strict``: a
    failure to delete its files raises ``OSError`` (what is left stays under the
    temporary name, unclaimed, for a later clean), where otherwise it is ignored."""
    try:
        if _identity(directory) != identity:
            return False  # another run replaced it already
    except FileNotFoundError:
        return False
    aside, claim = temporary_directory(directory.parent, directory.name, tag="bad.")
    try:
        try:
            os.replace(directory, aside)  # a directory replaces an empty one
        except FileNotFoundError:
            return False  # another run removed it first
        if strict:
            shutil.rmtree(aside)
        return True
    finally:
        shutil.rmtree(aside, ignore_errors=True)
        os.close(claim)


def _check_encoding(directory: Path, tokens, offsets, sentence_line, vocab,
                    share: int | None = None) -> None:
    """Raise ValueError naming the file unless the arrays are a consistent encoding over
    ``vocab``: what the kernels index without bounds checks (every id inside ``vocab``
    is checked by :func:`_check_checksums`, in its pass over ``tokens.npy``). A rank's
    ``share`` of the corpus holds that many tokens (the vocabulary counts them all)."""

    def check(ok: bool, name: str, problem: str) -> None:
        if not ok:
            raise ValueError(f"{directory / name}: {problem}")

    check(tokens.ndim == 1 and tokens.dtype == np.int32, "tokens.npy",
          f"expected a 1-d int32 array, found {tokens.dtype} of shape {tokens.shape}")
    check(offsets.ndim == 1 and offsets.dtype == np.int64 and len(offsets) >= 1,
          "offsets.npy", f"expected a 1-d int64 array, found {offsets.dtype} of shape "
          f"{offsets.shape}")
    check(sentence_line.ndim == 1 and sentence_line.dtype == np.int64
          and len(sentence_line) == len(offsets) - 1, "sentence_line.npy",
          f"expected {len(offsets) - 1} int64 line numbers, found {sentence_line.dtype} of "
          f"shape {sentence_line.shape}")
    check(offsets[0] == 0 and offsets[-1] == len(tokens)
          and bool(np.all(offsets[1:] >= offsets[:-1])), "offsets.npy",
          f"sentence offsets must rise from 0 to the {len(tokens)} tokens")
    check(len(sentence_line) == 0 or (sentence_line[0] >= 0 and bool(
        np.all(sentence_line[1:] >= sentence_line[:-1]))), "sentence_line.npy",
          "line numbers must be non-negative and in order")
    if share is None:
        check(len(vocab) > 0 and vocab.total == len(tokens), "vocab.tsv",
              f"its counts add up to {vocab.total}, not the {len(tokens)} tokens")
    else:
        check(len(vocab) > 0 and share == len(tokens) <= vocab.total, "tokens.npy",
              f"holds {len(tokens)} tokens, the share encoded held {share}")
    check(tokens.offset % 4 == 0, "tokens.npy",  # as written: its ids are read in blocks
          f"its data starts at byte {tokens.offset}, not a multiple of 4")


def _crc32(path: Path, ids_from: int | None = None) -> tuple[int, tuple[int, int] | None]:
    """The CRC-32 of a file, read in blocks (about 2 GB/s: 30 ms for text8's 17 M
    tokens, a quarter of what loading the cache takes otherwise); with ``ids_from``, the
    offset of a ``.npy`` file's int32 data (a multiple of 4), also the least and greatest
    of those ids (None when there are none), taken in the same pass: the cache's check
    reads ``tokens.npy`` once."""
    crc, low, high = 0, None, None
    block = bytearray(1 << 22)  # a multiple of 4: every block's ids start aligned
    view = memoryview(block)
    start = 0  # of the block in the file
    with open(path, "rb", buffering=0) as f:
        while n := f.readinto(block):
            crc = zlib.crc32(view[:n], crc)
            if ids_from is not None and start + n > ids_from:
                skip = max(ids_from - start, 0)
                ids = np.frombuffer(view[skip:skip + (n - skip) // 4 * 4], np.int32)
                if len(ids):
                    low = int(ids.min()) if low is None else min(low, int(ids.min()))
                    high = int(ids.max()) if high is None else max(high, int(ids.max()))
            start += n
    return crc, None if low is None else (low, high)


def _checksums(directory: Path, known: dict[str, int]) -> dict[str, int]:
    """The CRC-32 of every file of a cache being written, by name, for ``meta.json``:
    those ``known`` (taken as they were written), the others read."""
    return {name: known[name] if name in known else _crc32(directory / name)[0]
            for name in sorted(os.listdir(directory)) if name != "meta.json"}


def _check_checksums(directory: Path, recorded, tokens: np.memmap, n_words: int) -> None:
    """Raise ValueError naming the file unless every file of the cache at ``directory``
    has the checksum ``meta.json`` recorded when it was written: damage that keeps the
    arrays consistent (an id changed to another word's, two words of the vocabulary
    swapped) would otherwise train on other data than the source's, silently. The ids of
    ``tokens`` (``tokens.npy`` mapped, int32) are checked against a vocabulary of
    ``n_words`` in the same pass over the file, and first: the more telling error."""
    names = sorted(name for name in os.listdir(directory) if name != "meta.json")
    if not isinstance(recorded, dict) or sorted(recorded) != names:
        raise ValueError(f"{directory / 'meta.json'}: its checksums do not name the files "
                         f"the cache holds ({', '.join(names)})")
    for name in names:
        crc, span = _crc32(directory / name, tokens.offset if name == "tokens.npy" else None)
        if span is not None and not (span[0] >= 0 and span[1] < n_words):
            raise ValueError(f"{directory / name}: ids range from {span[0]} to {span[1]}, "
                             f"outside the vocabulary's 0..{n_words - 1}")
        if crc != recorded[name]:
            raise ValueError(f"{directory / name}: its content changed since the cache was "
                             "written (its checksum differs from meta.json's)")


#: cache folders found read-only in this process, each warned about once
_unwritable: set[Path] = set()


def _writable(directory: Path) -> bool:
    """Whether the cache folder ``directory`` can be written; if not, a warning (once
    for each folder): the cache is off, which otherwise nobody would know."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        if os.access(directory, os.W_OK):
            return True
    except OSError:
        pass
    if directory not in _unwritable:
        _unwritable.add(directory)
        logger.warning("%s cannot be written: encoded corpora are not cached, so each run "
                       "reads its corpus again (set WORDSPACE_HOME to a folder that can be "
                       "written, or pass cache=False)", directory)
    return False
