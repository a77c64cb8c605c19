"""The corpus pipeline every model shares.

Text is read once, in bounded memory, and encoded to an ``int32`` token array with
sentence boundaries. Every epoch of every model reads that array, never the text.

Reading is a single pass: each token gets a provisional id (in order of first
appearance) while counts accumulate, so the vocabulary and the encoding come out of
the same read. The provisional ids go to a scratch file; a final vectorised pass maps
them to frequency-sorted indices and drops (or maps to ``<unk>``) the rare ones.
"""

from __future__ import annotations

import codecs
import hashlib
import itertools
import json
import logging
import os
import re
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np

from wordspace._io import atomic_directory, cache_home, decompressing_reader
from wordspace._validate import check_int
from wordspace.progress import progress_bar
from wordspace.vocab import UNK, Vocabulary

logger = logging.getLogger(__name__)

MAX_SENTENCE_LENGTH = 10_000  # word2vec.c / gensim cut long lines into chunks this long
_BLOCK_BYTES = 1 << 20
_BATCH_TOKENS = 1 << 20
_FORMAT_VERSION = 2  # 2: sentence_line.npy


class CorpusError(ValueError):
    """The corpus cannot be used as given (empty, missing, or nothing survives min_count)."""


# ---------------------------------------------------------------------------------------
# Decoding: bad bytes become U+FFFD and are counted, so the user hears about them once.
_bad_bytes = 0


def _count_and_replace(err: UnicodeDecodeError) -> tuple[str, int]:
    global _bad_bytes
    _bad_bytes += err.end - err.start
    return "\ufffd", err.end


codecs.register_error("wordspace.count", _count_and_replace)


# ---------------------------------------------------------------------------------------
# Tokenisation
def make_tokenizer(lowercase: bool = False, token_pattern: str | None = None
                   ) -> Callable[[str], list[str]]:
    """Return the function that turns one line (or piece of one) into tokens.

    The default splits on whitespace, as word2vec.c does; ``token_pattern`` is a regular
    expression whose matches are the tokens (e.g. ``r"\\w+"``).
    """
    split = str.split if token_pattern is None else re.compile(token_pattern).findall
    if lowercase:
        return lambda text: split(text.lower())
    return split


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


def _file_batches(path: Path, tokenize, batcher: _Batcher, bar) -> Iterator[tuple]:
    """Stream one (possibly compressed) file; lines may be of any length."""
    with open(path, "rb") as raw, decompressing_reader(raw) as stream:
        pending = b""
        position = 0
        while True:
            block = stream.read(_BLOCK_BYTES)
            data = pending + block
            if block:
                # Keep the unfinished tail (after the last newline, or else the last space)
                # for the next read, so no token is ever cut in two.
                cut = data.rfind(b"\n")
                if cut < 0:
                    cut = max(data.rfind(b" "), data.rfind(b"\t"))
                if cut < 0:
                    pending = data
                    continue
                data, pending = data[:cut], data[cut:]
            text = data.decode("utf-8", errors="wordspace.count")
            *complete, last = text.split("\n")
            for line in complete:
                batcher.feed(tokenize(line))
                batcher.end_line()
            batcher.feed(tokenize(last))
            bar.update(raw.tell() - position)
            position = raw.tell()
            if not block:
                if last:  # a last line without a newline ("" if the file ends with one)
                    batcher.end_line()
                return
            if batcher.full():
                yield batcher.take()


def _iterable_batches(sentences: Iterable, lowercase: bool, batcher: _Batcher) -> Iterator[tuple]:
    for i, sentence in enumerate(sentences):
        if isinstance(sentence, (str, bytes)):
            raise TypeError(
                f"sentence {i} is a string; a corpus iterable must yield lists of tokens "
                f"(e.g. line.split()), or pass a file path instead")
        tokens = [t.lower() for t in sentence] if lowercase else list(sentence)
        batcher.feed(tokens)
        batcher.end_line()
        if batcher.full():
            yield batcher.take()


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


def _source_files(path: Path, kind: str) -> list[Path]:
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file()
                       and not any(part.startswith(".") for part in p.relative_to(path).parts))
        if not files:
            raise CorpusError(f"{path}: folder holds no files")
        return files
    if path.is_file():
        return [path]
    from wordspace.datasets import names

    raise FileNotFoundError(f"{kind} file not found: {path} (nor is it one of the {kind} "
                            f"datasets wordspace can fetch: {', '.join(names(kind))})")


# ---------------------------------------------------------------------------------------
class Corpus:
    """A tokenised, vocabulary-indexed corpus, encoded once.

    Parameters
    ----------
    source : str, Path or iterable of token lists
        A text file (plain, .gz, .bz2 or .xz; one sentence per line, any line length), a
        folder of such files, a corpus name from :mod:`wordspace.datasets` (``"text8"``),
        or an iterable of token lists such as ``[["the", "cat"], ["a", "dog"]]``.
    min_count : int
        Words rarer than this are left out of the vocabulary.
    max_vocab_size : int, optional
        Bound on distinct words held while counting: when exceeded, the rarest are
        pruned (as gensim does), so a huge corpus cannot exhaust memory. Pruned words
        lose the occurrences counted so far, in the counts and the encoding alike.
    lowercase : bool
        Lowercase text before tokenising.
    token_pattern : str, optional
        Regular expression whose matches are tokens; default: split on whitespace.
    unk : bool
        Map out-of-vocabulary words to an ``<unk>`` token at index 0 instead of
        dropping them (word2vec.c drops them).
    max_sentence_length : int
        Longer lines are cut into sentences of this many tokens.
    cache : bool
        Keep the encoded corpus of a file in ``$WORDSPACE_HOME/corpora`` (memory-mapped),
        keyed by the file and these settings, so the next run skips reading.
    progress : bool
        Show a progress bar while reading.

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
    """

    #: registry kind a source name is looked up in, and what an iterable source yields
    _dataset_kind = "corpus"
    _items = "token lists"

    def __init__(self, source, min_count: int = 5, max_vocab_size: int | None = None,
                 lowercase: bool = False, token_pattern: str | None = None, unk: bool = False,
                 max_sentence_length: int = MAX_SENTENCE_LENGTH, cache: bool = True,
                 progress: bool = True):
        check_int("min_count", min_count, 1)
        check_int("max_sentence_length", max_sentence_length, 1, maximum=1_000_000)
        if max_vocab_size is not None:
            check_int("max_vocab_size", max_vocab_size, 1)
        if token_pattern is not None:
            try:
                re.compile(token_pattern)
            except re.error as e:
                raise ValueError(
                    f"token_pattern {token_pattern!r} is not a valid regex: {e}") from None
        self.min_count = min_count
        self.max_vocab_size = max_vocab_size
        self.lowercase = lowercase
        self.token_pattern = token_pattern
        self.unk = unk
        self.max_sentence_length = max_sentence_length
        self.progress = progress

        if isinstance(source, (str, os.PathLike)):
            path = _resolve(source, self._dataset_kind)
            self.files = _source_files(path, self._dataset_kind)
            self.name = str(path)
            cache_dir = self._cache_dir() if cache else None
        else:
            if isinstance(source, (bytes, np.ndarray)) or not isinstance(source, Iterable):
                raise TypeError(f"source must be a path or an iterable of {self._items}, "
                                f"not {type(source).__name__}")
            self.files, self.name, cache_dir = [], "<iterable>", None
            self._sentences = source

        if cache_dir is not None and (cache_dir / "meta.json").exists():
            logger.info("reading encoded corpus from cache %s", cache_dir)
            self._load(cache_dir, mmap=True)
        elif cache_dir is not None and _writable(cache_dir.parent):
            with atomic_directory(cache_dir, replace=False) as tmp:
                self._encode(tmp)
            self._load(cache_dir, mmap=True)
        else:
            with tempfile.TemporaryDirectory(prefix="wordspace-") as tmp:
                self._encode(Path(tmp))
                self._load(Path(tmp), mmap=False)

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
    def _settings(self) -> dict:
        return {"min_count": self.min_count, "max_vocab_size": self.max_vocab_size,
                "lowercase": self.lowercase, "token_pattern": self.token_pattern,
                "unk": self.unk, "max_sentence_length": self.max_sentence_length,
                "format": _FORMAT_VERSION}

    def _cache_dir(self) -> Path:
        key = {"settings": self._settings(), "files": [
            (str(f.resolve()), f.stat().st_size, f.stat().st_mtime_ns) for f in self.files]}
        digest = hashlib.sha1(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
        stem = re.sub(r"[^A-Za-z0-9_.-]", "_", Path(self.name).name)[:40]
        return cache_home() / "corpora" / f"{stem}-{digest}"

    def _load(self, directory: Path, mmap: bool) -> None:
        mode = "r" if mmap else None
        self.tokens = np.load(directory / "tokens.npy", mmap_mode=mode)
        self.offsets = np.load(directory / "offsets.npy", mmap_mode=mode)
        self.sentence_line = np.load(directory / "sentence_line.npy", mmap_mode=mode)
        self.vocab = Vocabulary.load_tsv(directory / "vocab.tsv")
        self.cache_dir = directory if mmap else None

    def _batches(self) -> Iterator[tuple[list[str], list[int], list[int]]]:
        """Tokens in batches, with the lengths and source lines of their sentences."""
        batcher = _Batcher(self.max_sentence_length)
        if not self.files:
            yield from self._read_iterable(batcher)
        else:
            total = sum(f.stat().st_size for f in self.files)
            with progress_bar(total=total, unit="B", desc="reading", enable=self.progress) as bar:
                for f in self.files:
                    bar.set_postfix_str(f.name, refresh=False)
                    yield from self._read_file(f, batcher, bar)
        yield batcher.take()

    def _read_iterable(self, batcher: _Batcher) -> Iterator[tuple]:
        """Feed the iterable source to ``batcher``, yielding full batches."""
        return _iterable_batches(self._sentences, self.lowercase, batcher)

    def _read_file(self, path: Path, batcher: _Batcher, bar) -> Iterator[tuple]:
        """Feed one file to ``batcher`` (advancing ``bar`` by bytes), yielding full batches."""
        return _file_batches(path, make_tokenizer(self.lowercase, self.token_pattern),
                             batcher, bar)

    def _encode(self, out: Path) -> None:
        global _bad_bytes
        _bad_bytes = 0
        ids: defaultdict[str, int] = defaultdict(itertools.count().__next__)
        counts = np.zeros(1 << 16, dtype=np.int64)
        n_ids = 0
        min_reduce = 1
        raw_tokens = 0
        with open(out / "ids.bin", "wb") as ids_file, \
                open(out / "lengths.bin", "wb") as len_file, \
                open(out / "lines.bin", "wb") as line_file:
            for tokens, lengths, lines in self._batches():
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
        if _bad_bytes:
            logger.warning("%s: %d byte(s) were not valid UTF-8 and were replaced by U+FFFD",
                           self.name, _bad_bytes)
        if raw_tokens == 0:
            raise CorpusError(f"{self.name}: the corpus is empty (no tokens found)")

        words = np.array(list(ids.keys()), dtype=object)
        prov_ids = np.fromiter(ids.values(), dtype=np.int64, count=len(ids))
        word_counts = counts[prov_ids]
        order = np.argsort(-word_counts, kind="stable")  # ties: first appearance first
        order = order[word_counts[order] >= self.min_count]
        if len(order) == 0:
            top = int(np.argmax(word_counts))
            raise CorpusError(
                f"{self.name}: no word occurs min_count={self.min_count} times or more "
                f"(the most frequent, {words[top]!r}, occurs {word_counts[top]}); "
                f"lower min_count")
        kept_words = words[order].tolist()
        kept_counts = word_counts[order]
        for word in kept_words:
            if not word or any(ch in word for ch in "\t\n\r"):
                raise CorpusError(f"{self.name}: the token {word!r} is empty or holds a tab "
                                  "or line break; tokens must be non-empty and free of them")
        remap = np.full(n_ids, 0 if self.unk else -1, dtype=np.int32)
        remap[prov_ids[order]] = np.arange(len(order), dtype=np.int32) + int(self.unk)
        if self.unk:
            if UNK in ids:
                raise CorpusError(f"{self.name}: the corpus contains the token {UNK!r}, "
                                  "which unk=True reserves; use unk=False")
            n_unk = raw_tokens - int(kept_counts.sum())
            kept_words = [UNK, *kept_words]
            kept_counts = np.concatenate([[n_unk], kept_counts])

        n_final = int(kept_counts.sum())
        self._write_tokens(out, remap, n_final)
        Vocabulary(kept_words, kept_counts, unk=self.unk).save_tsv(out / "vocab.tsv")
        with open(out / "meta.json", "w") as f:
            json.dump({"source": self.name, "raw_tokens": raw_tokens, **self._settings()}, f)
        logger.info("%s: %d tokens, %d kept, vocabulary of %d words",
                    self.name, raw_tokens, n_final, len(kept_words))

    @staticmethod
    def _write_tokens(out: Path, remap: np.ndarray, n_final: int) -> None:
        """Map provisional ids to final indices, sentence block by sentence block."""
        lengths = np.fromfile(out / "lengths.bin", dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(lengths)])
        tokens = np.lib.format.open_memmap(out / "tokens.npy", mode="w+", dtype=np.int32,
                                           shape=(n_final,))
        new_lengths = np.empty_like(lengths)
        written = 0
        s = 0
        with open(out / "ids.bin", "rb") as ids_file:
            while s < len(lengths):
                # a block of whole sentences spanning about 4 * _BATCH_TOKENS tokens
                e = max(s + 1, int(np.searchsorted(starts, starts[s] + 4 * _BATCH_TOKENS)) - 1)
                prov = np.fromfile(ids_file, dtype=np.int32, count=int(starts[e] - starts[s]))
                mapped = remap[prov]
                keep = mapped >= 0
                new_lengths[s:e] = np.add.reduceat(keep, starts[s:e] - starts[s])
                kept = mapped[keep]
                tokens[written:written + len(kept)] = kept
                written += len(kept)
                s = e
        assert written == n_final, (written, n_final)
        tokens.flush()
        del tokens
        nonempty = new_lengths > 0
        np.save(out / "offsets.npy", np.concatenate([[0], np.cumsum(new_lengths[nonempty])]))
        np.save(out / "sentence_line.npy", np.fromfile(out / "lines.bin", np.int64)[nonempty])
        for scratch in ("ids.bin", "lengths.bin", "lines.bin"):
            os.unlink(out / scratch)


def _prune(ids: dict, counts: np.ndarray, min_reduce: int, max_size: int) -> int:
    """Drop words counted fewer than ``min_reduce`` times until the dict fits (gensim's rule)."""
    while len(ids) > max_size:
        dead = [w for w, i in ids.items() if counts[i] < min_reduce]
        for w in dead:
            counts[ids.pop(w)] = 0
        logger.info("pruned %d words seen fewer than %d times", len(dead), min_reduce)
        min_reduce += 1
    return min_reduce


def _writable(directory: Path) -> bool:
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(directory, os.W_OK)
