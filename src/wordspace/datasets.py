"""Named datasets: corpora and benchmarks, fetched once into a cache (or taken from a mirror).

``path("ws353")`` returns a local file, in this order:

1. the offline mirror named by ``$WORDSPACE_DATA`` (a directory laid out like
   ``shared/data``: ``corpora/``, ``similarity/``, ``analogy/``, ``entailment/``,
   ``docs/``), where a stand-in for the canonical file is announced as such;
2. the cache, ``$WORDSPACE_HOME/datasets/NAME/`` (default ``~/.cache/wordspace``);
3. a download from the dataset's canonical address (https where the source offers it),
   with a progress bar, a size and checksum check, an overall deadline, and an atomic,
   durable move into place: an interrupted, corrupted or too slow download never leaves
   a file that looks valid, and the next call starts cleanly. Archives are unpacked
   within a bound on their total size and member count, refusing members that would
   land outside the unpacking folder, and links and special files (only regular files
   and folders are unpacked).

Every file is read by its kind's parser (a corpus gets a plausibility check: a minimum
size, text rather than HTML or binary) and held to the registry's minimum item count
before it is used: a downloaded file that fails is discarded (the server may have sent
an error page), a damaged cached one is removed and fetched again, and a mirror file
that fails is refused with its name (and left alone: it is the user's); one that parses
but holds fewer items makes the dataset unavailable (skipped by an evaluation, and
named), and one with another sha256 than the registry's record of the shared mirror's
file is used with a warning. The
cache records each data file's size, time and sha256 when it is fetched (``verified.json``):
one truncated or edited since, even into a file that still parses, is fetched again; a
download put in the cache by hand must have the registry's size and checksum (it is
refused, not removed, otherwise).

Checksums (``"sha256:..."`` or ``"sha1:..."``) are recorded only where a public source
states them: text8's and WikiText's sha256 as several independent projects (TensorFlow
examples, Julia's WikiText DataDeps) pin them, the others' SHA-1 as GluonNLP pins them.
For the rest the file's own sha256 is logged on download, so it can be pinned later.
The mirror's files are compared with the sha256 of the shared mirror's copies
(``mirror_sha256``); WBLESS's and BIBLESS's downloads, from HyperVec at a pinned commit, have no
published checksum and no copy here to take one from: their item counts are held
instead.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import hashlib
import http.client
import io
import json
import logging
import lzma
import math
import os
import re
import shutil
import socket
import stat
import tarfile
import threading
import time
import urllib.error
import urllib.request
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from wordspace._io import (
    access_to_keep,
    atomic_directory,
    atomic_write,
    cache_home,
    clean_stale_temporaries,
    decompressing_reader,
    exclusive_lock,
    fsync_directory,
    temporary_file,
    text_head,
)
from wordspace._json import parse_json
from wordspace._tokens import shorten
from wordspace._validate import is_number
from wordspace.progress import progress_bar

logger = logging.getLogger(__name__)

KINDS = ("corpus", "similarity", "analogy", "entailment", "documents")

#: Unpacking refuses archives beyond these (checked from the headers, then while
#: writing, as headers can lie). The largest registered one, WikiText-103, unpacks to
#: 540 MB in 3 files; BBC has 2,225 articles. Raise them here for a genuine bigger one.
MAX_UNPACKED_BYTES = 2 << 30
MAX_MEMBERS = 100_000
#: A download larger than this is stopped (a server streaming without end).
MAX_DOWNLOAD_BYTES = 2 << 30
#: A download's overall deadline is DEADLINE_GRACE seconds plus its size at
#: MIN_DOWNLOAD_RATE bytes a second, unless $WORDSPACE_DOWNLOAD_DEADLINE (seconds) or a
#: ``deadline`` argument sets it: a per-read timeout alone never ends a server that
#: drips a byte a second.
DEADLINE_GRACE = 120.0
MIN_DOWNLOAD_RATE = 50_000
DEADLINE_VARIABLE = "WORDSPACE_DOWNLOAD_DEADLINE"


class DatasetError(RuntimeError):
    """A dataset could not be found, downloaded or verified."""


class DatasetUnavailable(DatasetError):
    """A dataset is not on this machine (no mirror copy, nothing in the cache) and no
    valid copy could be downloaded (offline, the server down, or what it sent refused
    and discarded). Unlike a plain :class:`DatasetError` (a copy that is here but
    malformed, a bad setting), this says nothing is wrong with any file: the dataset is
    only out of reach, so :func:`wordspace.evaluate.evaluate` skips it and reports the
    others."""


class _NoSpace(DatasetError):
    """Unpacking ran out of disk space: the archive is fine and is kept."""


class _TooFew(DatasetError):
    """A file that parses but holds fewer items than its dataset has: a part of it
    (truncated, or a subset), whose scores would not compare with published ones."""


@dataclass(frozen=True)
class Dataset:
    """One registry entry.

    ``member`` is the data file inside the unpacked archive (``None``: the downloaded
    file itself). ``mirror`` lists candidate paths relative to ``$WORDSPACE_DATA``;
    ``stand_in`` says how the mirror's file differs from the canonical one. Datasets
    that are members of one archive name the same ``shared_folder``, so the archive is
    downloaded and unpacked once for all of them.

    ``size`` and ``checksum`` are the canonical download's; they cannot check a mirror
    file, which may be a reformatted copy or a stand-in: ``mirror_sha256`` is the
    sha256 of the mirror's file as the shared mirror (``shared/data``) holds it, and a
    mirror file with another is warned of. ``min_items`` (benchmarks) and ``min_bytes``
    (corpora) check every copy: ``min_items`` is what the canonical file and the mirror's
    hold where that could be counted (so a download short of one item is caught), a
    little below it where not (MEN, RW, MSR, LEDS, BIBLESS, whose files no mirror here
    holds); ``min_bytes`` a little below the smallest plausible corpus.
    """

    name: str
    kind: str
    description: str
    urls: tuple[str, ...]
    filename: str
    member: str | None = None
    checksum: str | None = None  # "sha256:<hex>" or "sha1:<hex>"
    size: int | None = None
    mirror: tuple[str, ...] = ()
    stand_in: str | None = None
    shared_folder: str | None = None
    min_items: int = 1  # pairs, questions, rows or documents any valid copy has
    min_bytes: int = 1  # a corpus's least plausible size on disk (stand-ins included)
    mirror_sha256: str | None = None  # hex sha256 of the mirror's file (shared/data's)
    #: entailment: the accuracy's threshold is tuned on random splits of the pairs
    #: (hypernymysuite's protocol for WBLESS and BIBLESS), not on a ``val`` fold
    threshold_splits: bool = False

    @property
    def folder(self) -> Path:
        """The cache folder the download (and what it unpacks to) goes in."""
        return cache_home() / "datasets" / (self.shared_folder or self.name)

    @property
    def cache_path(self) -> Path:
        """Where the data file lives once downloaded (and unpacked)."""
        root = self.folder
        return root / "unpacked" / self.member if self.member else root / self.filename


def _d(name, kind, description, urls, filename, **kw) -> Dataset:
    return Dataset(name, kind, description, tuple([urls] if isinstance(urls, str) else urls),
                   filename, **kw)


# hypernymysuite's download_data.sh takes BLESS and LEDS from Levy's archive and WBLESS
# and BIBLESS from HyperVec at a pinned commit.
_LEVY_ZIP = "http://u.cs.biu.ac.il/~nlp/wp-content/uploads/lexical_inference.zip"
_HYPERVEC = ("https://raw.githubusercontent.com/nguyenkh/HyperVec/"
             "bd2cb15a6be2a4726ffbf9c0d7e742144790dee3/datasets_classification")

REGISTRY: dict[str, Dataset] = {d.name: d for d in [
    # -- corpora -------------------------------------------------------------------------
    _d("text8", "corpus", "Mahoney's text8: 100 MB of cleaned English Wikipedia (2006), "
       "one line, 17 M words",
       ("https://mattmahoney.net/dc/text8.zip", "http://mattmahoney.net/dc/text8.zip"),
       "text8.zip", member="text8", size=31_344_016, min_bytes=10_000_000,
       checksum="sha256:a6640522afe85d1963ad56c05b0ede0a0c000dddc9671758a6cc09b7a38e5232",
       mirror=("corpora/enwiki2015-text8.gz",),
       mirror_sha256="fda58ebb920cb18de85f8d229087c829b70fa89f7be83cf7b57bb72979987898",
       stand_in="English Wikipedia 2015 cleaned into text8 format (same size and shape, "
                "a later dump)"),
    _d("wikitext-2", "corpus", "WikiText-2 (Merity et al. 2016), tokenised, 2 M words",
       ("https://wikitext.smerity.com/wikitext-2-v1.zip",
        "https://s3.amazonaws.com/research.metamind.io/wikitext/wikitext-2-v1.zip"),
       "wikitext-2-v1.zip", member="wikitext-2/wiki.train.tokens", min_bytes=1_000_000,
       checksum="sha256:92675f1d63015c1c8b51f1656a52d5bdbc33aafa60cc47a218a66e7ee817488c",
       mirror=("corpora/wiki.valid.tokens",),
       mirror_sha256="f0737ed31fc1329026e95cb8b98e19c2a182c39c240ab909dc31abf2f8af58e8",
       stand_in="the WikiText-2 validation split only (214 k words), not the training split"),
    _d("wikitext-103", "corpus", "WikiText-103 (Merity et al. 2016), tokenised, 103 M words",
       ("https://wikitext.smerity.com/wikitext-103-v1.zip",
        "https://s3.amazonaws.com/research.metamind.io/wikitext/wikitext-103-v1.zip"),
       "wikitext-103-v1.zip", member="wikitext-103/wiki.train.tokens", min_bytes=100_000_000,
       checksum="sha256:242ba0f20b329cfdf1ccc61e9e9e5b59becf189db7f7a81cd2a0e2fc31539590"),
    # -- word similarity -----------------------------------------------------------------
    _d("ws353", "similarity", "WordSim-353 (Finkelstein et al. 2002), 353 pairs, "
       "relatedness and similarity",
       ("https://gabrilovich.com/resources/data/wordsim353/wordsim353.zip",
        "http://www.cs.technion.ac.il/~gabr/resources/data/wordsim353/wordsim353.zip"),
       "wordsim353.zip", member="combined.tab", mirror=("similarity/ws353.txt",),
       min_items=353,
       mirror_sha256="7968d0b0f8851fd1932c0aa998482f12396761774769450b290f142f52942b8c"),
    _d("ws353-sim", "similarity", "WordSim-353 similarity subset (Agirre et al. 2009), "
       "203 pairs", "http://alfonseca.org/pubs/ws353simrel.tar.gz", "ws353simrel.tar.gz",
       member="wordsim353_sim_rel/wordsim_similarity_goldstandard.txt",
       checksum="sha1:1b9ca7f4d61682dea0004acbd48ce74275d5bfff", shared_folder="ws353simrel",
       mirror=("similarity/ws353-sim.txt",), min_items=203,
       mirror_sha256="f1da938998863c94e53f72f984a5c6e215f0b46c323aae8f0f4930703a339107"),
    _d("ws353-rel", "similarity", "WordSim-353 relatedness subset (Agirre et al. 2009), "
       "252 pairs", "http://alfonseca.org/pubs/ws353simrel.tar.gz", "ws353simrel.tar.gz",
       member="wordsim353_sim_rel/wordsim_relatedness_goldstandard.txt",
       checksum="sha1:1b9ca7f4d61682dea0004acbd48ce74275d5bfff", shared_folder="ws353simrel",
       mirror=("similarity/ws353-rel.txt",), min_items=252,
       mirror_sha256="66a7c88100624d0a391605ff61ce84e11d11ee620d51ec0298da49592838f8fa"),
    _d("simlex999", "similarity", "SimLex-999 (Hill et al. 2015), 999 pairs, strict "
       "similarity", ("https://www.cl.cam.ac.uk/~fh295/SimLex-999.zip",
                      "https://fh295.github.io/SimLex-999.zip"), "SimLex-999.zip",
       member="SimLex-999/SimLex-999.txt",
       checksum="sha1:0d3afe35b89d60acf11c28324ac7be10253fda39",
       mirror=("similarity/simlex999.txt",), min_items=999,
       mirror_sha256="405394ffb7d25f6d0e3c041f87c9f27d29dc6b047506769953e85c4523b11685"),
    _d("men", "similarity", "MEN (Bruni et al. 2014), 3,000 pairs, relatedness",
       ("https://staff.fnwi.uva.nl/e.bruni/resources/MEN.tar.gz",
        "http://clic.cimec.unitn.it/~elia.bruni/resources/MEN.tar.gz"), "MEN.tar.gz",
       member="MEN/MEN_dataset_natural_form_full",
       checksum="sha1:3c4af1b7009c1ad75e03562f7f7bc5f51ff3a31a", mirror=("similarity/men.txt",),
       min_items=2_900),
    _d("rw", "similarity", "Stanford Rare Words (Luong et al. 2013), 2,034 pairs",
       ("https://nlp.stanford.edu/~lmthang/morphoNLM/rw.zip",
        "http://www-nlp.stanford.edu/~lmthang/morphoNLM/rw.zip"), "rw.zip", member="rw/rw.txt",
       checksum="sha1:bf9c5959a0a2d7ed8e51d91433ac5ebf366d4fb9", mirror=("similarity/rw.txt",),
       min_items=1_950),
    # -- analogies -----------------------------------------------------------------------
    _d("google", "analogy", "Google analogies (Mikolov et al. 2013), 19,544 questions in "
       "14 sections",
       ("https://download.tensorflow.org/data/questions-words.txt",
        "https://raw.githubusercontent.com/tmikolov/word2vec/master/questions-words.txt"),
       "questions-words.txt", checksum="sha1:fa92df4bbe788f2d51827c762c63bd8e470edf31",
       mirror=("analogy/questions-words.txt",), min_items=19_544,
       mirror_sha256="8c29b3332afc46f3fb8be04cb5297bf96f39aa7131272dff57869b4485b22a36"),
    _d("msr", "analogy", "MSR syntactic analogies (Mikolov et al. 2013, NAACL), 8,000 "
       "questions in 16 sections",
       "http://research.microsoft.com/en-us/um/people/gzweig/Pubs/myz_naacl13_test_set.tgz",
       "myz_naacl13_test_set.tgz", member="test_set", mirror=("analogy/msr.txt",),
       min_items=7_500),
    # -- lexical entailment: the sources hypernymysuite (Roller et al. 2018) builds from -----
    _d("bless", "entailment", "BLESS hypernymy (Baroni & Lenci 2011), 14,542 pairs",
       _LEVY_ZIP, "lexical_inference.zip", member="lexical_entailment/bless2011",
       shared_folder="lexical_inference", mirror=("entailment/bless.tsv",),
       min_items=14_542,
       mirror_sha256="bfe8f66540fb08b46e42ea690d49aa8c57c979fa9c9eb6900f1484cfc2b4fdb8"),
    _d("wbless", "entailment", "WBLESS (Weeds et al. 2014), 1,668 pairs, hypernym or not",
       f"{_HYPERVEC}/AWBLESS.txt", "AWBLESS.txt", mirror=("entailment/wbless.tsv",),
       min_items=1_668, threshold_splits=True,
       mirror_sha256="24a3d202fb05883c93ec214982b697569325e372791819568c6f8ad125d1aa76"),
    _d("bibless", "entailment", "BIBLESS (Kiela et al. 2015), 1,668 pairs, with direction",
       f"{_HYPERVEC}/ABIBLESS.txt", "ABIBLESS.txt", mirror=("entailment/bibless.tsv",),
       min_items=1_660, threshold_splits=True),
    _d("baroni2012", "entailment", "LEDS (Baroni et al. 2012), 2,770 pairs, entails or not",
       _LEVY_ZIP, "lexical_inference.zip", member="lexical_entailment/baroni2012",
       shared_folder="lexical_inference",
       mirror=("entailment/leds.tsv", "entailment/baroni2012.tsv"), min_items=2_500),
    # -- documents -----------------------------------------------------------------------
    _d("bbc", "documents", "BBC News (Greene & Cunningham 2006), 2,225 articles in 5 topics",
       "http://mlg.ucd.ie/files/datasets/bbc-fulltext.zip", "bbc-fulltext.zip", member="bbc",
       mirror=("docs/bbc.jsonl.gz",),
       stand_in="the same articles as JSON lines ({id, label, text})", min_items=2_225,
       mirror_sha256="0c91893871711f18b195648ca8bfa7400515630e1575532e7c0a5453516d38ee"),
]}


def names(kind: str | None = None) -> list[str]:
    """Registered dataset names, optionally of one kind."""
    return [n for n, d in REGISTRY.items() if kind is None or d.kind == kind]


def info(name: str) -> Dataset:
    """The registry entry; ``KeyError`` listing the known names if there is none."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"no dataset named {name!r}; known: {', '.join(REGISTRY)}") from None


def mirror_root() -> Path | None:
    """The offline mirror directory (``$WORDSPACE_DATA``), if set."""
    value = os.environ.get("WORDSPACE_DATA")
    if not value:
        return None
    root = Path(value).expanduser()
    if not root.is_dir() and value not in _WARNED:  # a typo would download everything
        _WARNED.add(value)
        logger.warning("WORDSPACE_DATA is %s, which is not a directory: no mirror is used",
                       value)
    return root


_WARNED: set[str] = set()


def locate(name: str) -> tuple[Path, str] | None:
    """Where the dataset is already on this machine: ``(path, "mirror" | "cache")``.
    Nothing is checked or read; :func:`path` and :func:`load` check what they use
    (:func:`check_mirror_file` the mirror's file alike)."""
    dataset = info(name)
    root = mirror_root()
    if root is not None:
        for rel in dataset.mirror:
            if (root / rel).exists():
                return root / rel, "mirror"
    if dataset.cache_path.exists():
        return dataset.cache_path, "cache"
    return None


def check_mirror_file(name: str, where: Path):
    """What the mirror's file ``where`` (as :func:`locate` finds it) holds of the dataset
    ``name``, parsed, as :func:`path` and :func:`load` check it; one they would refuse
    raises :class:`DatasetError` saying why (the user's file: refused, never removed).
    A file that parses but holds fewer items than the dataset has (truncated, a subset)
    raises :class:`DatasetUnavailable`: the dataset is not there, and evaluations skip
    it, naming the file, rather than score a part of it. One whose sha256 is not the
    registry's ``mirror_sha256`` (the shared mirror's copy) but that holds every item is
    used with a warning: another mirror's copy may differ in its bytes alone (line ends,
    layout), while an edited value would make its figures differ from published ones."""
    dataset = info(name)
    advice = (f"Replace it with a copy of {dataset.description}, or unset WORDSPACE_DATA "
              "to download it")
    try:
        parsed = _validate(dataset, where)
        digest = _mirror_digest(where) if dataset.mirror_sha256 else None
    except _TooFew as e:
        raise DatasetUnavailable(f"{name}: the mirror's file is only part of the dataset, "
                                 f"so it is not used: {e}. {advice}") from None
    except DatasetError as e:
        raise DatasetError(f"{name}: the mirror's file is not usable: {e}. {advice}"
                           ) from None
    said = f"{where} {digest}"  # once a process for each content of the file
    if digest is not None and digest != dataset.mirror_sha256 and said not in _WARNED:
        _WARNED.add(said)
        logger.warning("%s: the mirror's file %s is not the copy wordspace knows (its "
                       "sha256 is %s, the registry's %s): it holds every item and is "
                       "used, but if its values were edited its figures will not compare "
                       "with published ones", name, where, digest, dataset.mirror_sha256)
    return parsed


#: the sha256 of mirror files hashed by this process, by their path and fingerprint
_mirror_digests: dict[tuple, str] = {}


def _mirror_digest(path: Path) -> str:
    """``path``'s sha256, hashed once a process while its size, times and inode stay."""
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
    if key not in _mirror_digests:
        _mirror_digests[key] = _digest(path, "sha256")
    return _mirror_digests[key]


def path(name: str, download: bool = True, progress: bool = True,
         deadline: float | None = None) -> Path:
    """Local path of a dataset's data file (or folder), checked, downloading it if needed
    (within ``deadline`` seconds, see :func:`download`)."""
    return _obtain(name, download, progress, deadline)[0]


def fetch(name: str, progress: bool = True, deadline: float | None = None) -> Path:
    """Download (and unpack) a dataset into the cache, unless a valid copy is there
    already; return its data path. The mirror is not consulted."""
    return _cached_or_fetched(info(name), True, progress, deadline)[0]


#: the stand-ins already announced (a command may look a dataset up more than once)
_ANNOUNCED: set[tuple[str, Path]] = set()


def _obtain(name: str, download: bool, progress: bool, deadline: float | None):
    """``(path, parsed)``: the mirror's copy, the cache's, or a fresh download, checked."""
    dataset = info(name)
    root = mirror_root()
    for rel in dataset.mirror if root is not None else ():
        where = root / rel
        if not where.exists():
            continue
        parsed = check_mirror_file(name, where)
        if dataset.stand_in and (name, where) not in _ANNOUNCED:  # once a process
            _ANNOUNCED.add((name, where))
            logger.warning("%s: using the mirror's stand-in %s: %s", name, where,
                           dataset.stand_in)
        return where, parsed
    return _cached_or_fetched(dataset, download, progress, deadline)


def _cached_or_fetched(dataset: Dataset, download: bool, progress: bool,
                       deadline: float | None):
    """``(path, parsed)`` from the cache, or (if absent or damaged) from a download; one
    process at a time per cache folder (:func:`_one_at_a_time`)."""
    with _one_at_a_time(dataset):
        return _cached_or_fetched_alone(dataset, download, progress, deadline)


def _one_at_a_time(dataset: Dataset):
    """Hold the lock of ``dataset``'s cache folder, so processes fetching it at once (the
    ranks of a distributed run on one machine, say) download it once: the first fetches,
    the others wait and then use its copy. The lock is a file beside the folder (the
    folder holds the data alone); where none can be made (a read-only shared cache, a
    system without ``flock``), there is no lock, and each process downloads its own,
    published atomically as ever."""
    return exclusive_lock(
        dataset.folder.parent / f".{dataset.folder.name}.lock",
        waiting=lambda pid: logger.info("%s: another process is fetching it; waiting for "
                                        "it", dataset.name))


def _cached_or_fetched_alone(dataset: Dataset, download: bool, progress: bool,
                             deadline: float | None):
    folder = dataset.folder
    if folder.is_dir():
        clean_stale_temporaries(folder)  # what killed downloads and unpackings left
    if dataset.cache_path.exists():
        _check_placed(dataset)  # a file put there by hand is refused, never removed
        try:
            recorded = _check_unchanged(dataset)
            parsed = _validate(dataset, dataset.cache_path)
        except DatasetError as e:
            # ours to replace (an error page cached by an older version, a damaged disk);
            # an unpacked member is unpacked again from the download, if that is whole
            if dataset.member:
                shutil.rmtree(dataset.folder / "unpacked", ignore_errors=True)
            elif not (_discard(dataset) or _error_page(dataset)):
                raise _kept(dataset, dataset.cache_path, e) from None
            logger.warning("%s: the cached copy is damaged (%s); removed it to %s afresh",
                           dataset.name, e, "unpack" if dataset.member else "download")
        else:
            if not recorded:  # a wordspace before records, or put there by hand: it passed
                _record(dataset)
            return dataset.cache_path, parsed
    if not download:
        raise DatasetUnavailable(f"{dataset.name} is not downloaded yet: run "
                                 f"'wordspace data get {dataset.name}'")
    fetched = _fetch(dataset, progress, deadline)
    _record(dataset)
    return fetched


# -- the cache's record of what it holds: a later truncation or edit is caught -------------
_RECORDS = "verified.json"  # in the dataset's cache folder: {data path: fingerprint, sha256}


def _files(path: Path) -> list[Path]:
    return [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())


def _fingerprint(path: Path) -> list:
    """The size, times and inode of a data file (of each file of a data folder): what a
    truncation or an edit changes, read without reading the data. ``ctime`` changes on
    any write, even one whose ``mtime`` was put back (``touch -r``), and a file put in
    its place has another inode, as the corpus cache key has it."""
    return [[str(p.relative_to(path.parent)), st.st_size, st.st_mtime_ns, st.st_ctime_ns,
             st.st_ino] for p in _files(path) for st in (p.stat(),)]


#: an archive's record keeps the sha256 of its first HEAD_BYTES: what a truncation or a
#: damaged tail leaves as it was, and another file put in its place does not
HEAD_BYTES = 4096


def _head(path: Path) -> str:
    """The sha256 of ``path``'s first :data:`HEAD_BYTES` bytes."""
    with open(path, "rb") as f:
        return hashlib.sha256(f.read(HEAD_BYTES)).hexdigest()


def _same_place(record: dict, path: Path) -> bool:
    """Whether the file at ``path`` is the one its ``record`` was taken of: the same
    name, size and ``mtime`` (a damaged disk's changes keep these), or, since records
    keep it, the same inode and first :data:`HEAD_BYTES` (the same file truncated or
    damaged towards its end since: another size or time). A file put in its place (a
    new inode, or other first bytes: copied over it) is not the cache's."""
    recorded = record.get("fingerprint")
    if not (isinstance(recorded, list) and all(isinstance(e, list) for e in recorded)):
        return False
    now = _fingerprint(path)
    if [e[:3] for e in recorded] == [e[:3] for e in now]:
        return True
    return "head" in record and all(len(e) >= 5 for e in recorded) \
        and [(e[0], e[4]) for e in recorded] == [(e[0], e[4]) for e in now] \
        and path.is_file() and _head(path) == record["head"]


def _sha256(path: Path) -> str:
    """The sha256 of a data file (of a folder's files, their names included)."""
    digest = hashlib.sha256()
    for p in _files(path):
        digest.update(str(p.relative_to(path.parent)).encode() + b"\0")
        _feed(digest, p)
    return digest.hexdigest()


def _records(dataset: Dataset) -> dict:
    try:
        records = parse_json((dataset.folder / _RECORDS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return records if isinstance(records, dict) else {}


def _record(dataset: Dataset, path: Path | None = None) -> None:
    """Note the cached data's fingerprint and sha256, as fetched and checked, or the
    downloaded archive ``path``'s fingerprint and first bytes' sha256 (all :func:`_ours`
    compares; its content is checked by unpacking it): what the cache holds as its own."""
    if not os.access(dataset.folder, os.W_OK):  # a read-only shared cache: used as it is
        return
    path = dataset.cache_path if path is None else path
    entry = {"fingerprint": _fingerprint(path)}
    if path == dataset.cache_path:  # what _check_unchanged falls back on
        entry["sha256"] = _sha256(path)
    elif path.is_file():
        entry["head"] = _head(path)
    key = str(path.relative_to(dataset.folder))
    _write_records(dataset, {**_records(dataset), key: entry})


def _write_records(dataset: Dataset, records: dict) -> None:
    try:  # another process may write its own at once: a record lost is re-made next use
        with atomic_write(dataset.folder / _RECORDS, "w") as f:
            json.dump(records, f, indent=1)
    except OSError as e:  # a read-only shared cache: used as it is
        logger.debug("%s: cannot record the cache's checksums: %s", dataset.name, e)


def _check_placed(dataset: Dataset) -> None:
    """Refuse a cached download with no record (put there by hand, or by a wordspace
    before records) that is not the registry's file, by its size and checksum."""
    if dataset.member or str(dataset.filename) in _records(dataset):
        return
    _check_download(dataset, dataset.cache_path)


def _check_download(dataset: Dataset, file: Path) -> None:
    """``file`` has the registry's size and checksum for ``dataset``'s download (where it
    states them), or :class:`DatasetError` says how to replace it."""
    algorithm, _, expected = (dataset.checksum or "").partition(":")
    size = file.stat().st_size
    why = None
    if dataset.size and size != dataset.size:
        why = f"it holds {size:,} bytes, the registry's {dataset.size:,}"
    elif expected and (digest := _digest(file, algorithm)) != expected.lower():
        why = f"its {algorithm} is {digest}, the registry's {expected}"
    if why:
        raise DatasetError(f"{file} is not the file {dataset.name} is published as ({why}): "
                           f"remove it to download it afresh, or put a copy of "
                           f"{dataset.urls[0]} there")


def _digest(file: Path, algorithm: str) -> str:
    """The hex digest of ``file``'s bytes by ``algorithm`` (what ``sha256sum`` prints)."""
    digest = hashlib.new(algorithm)
    _feed(digest, file)
    return digest.hexdigest()


def _feed(digest, file: Path) -> None:
    """``file``'s bytes into ``digest``, a MiB at a time."""
    with open(file, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)


def _check_unchanged(dataset: Dataset) -> bool:
    """The cached data is what was fetched and checked (its recorded size and time, or
    else its sha256); :class:`DatasetError` if it changed. Returns whether it has a
    record: data without one (a wordspace before records, or put there by hand) is
    recorded by the caller once it passes its checks."""
    key = str(dataset.cache_path.relative_to(dataset.folder))
    record = _records(dataset).get(key)
    if not isinstance(record, dict):
        return False
    fingerprint = _fingerprint(dataset.cache_path)
    if record.get("fingerprint") == fingerprint:
        return True
    # a record that cannot be renewed (a read-only shared cache) would send every use to
    # the sha256: what this process found is remembered, by the file's whole fingerprint
    verified = (str(dataset.cache_path), json.dumps(fingerprint), record.get("sha256"))
    if verified in _verified:
        return True
    if record.get("sha256") != _sha256(dataset.cache_path):
        raise DatasetError(f"{dataset.cache_path} changed since it was downloaded and checked "
                           "(truncated or edited)")
    _verified.add(verified)
    _record(dataset)  # the same bytes, copied or touched
    return True


#: (data path, its fingerprint, the recorded sha256) of the cached data this process
#: found to have the recorded sha256 although its fingerprint differed from the record's
_verified: set[tuple[str, str, str | None]] = set()


def _ours(dataset: Dataset, path: Path) -> bool:
    """Whether the cache downloaded ``path`` (so it may remove it): it has a record, and
    an archive's record is of this very file (:func:`_same_place`: one put in its place
    by hand since is the user's, the cache's own damaged since is still its own). A
    data file's record stands even when the file changed since (truncated or edited:
    :func:`_check_unchanged`)."""
    record = _records(dataset).get(str(path.relative_to(dataset.folder)))
    if not isinstance(record, dict):
        return False
    return path == dataset.cache_path or _same_place(record, path)


def _error_page(dataset: Dataset) -> bool:
    """Remove an unrecorded cached file that is an HTML page, what wordspace before
    records cached in place of the data (nobody's data: the page a server sent);
    returns whether it was one."""
    if not _is_markup(text_head(dataset.cache_path)):
        return False
    dataset.cache_path.unlink(missing_ok=True)
    return True


def _kept(dataset: Dataset, path: Path, error) -> DatasetUnavailable:
    """The error for a file that fails but is not the cache's to remove, saying why it
    is not: it has no record, or another file than the recorded one is in its place."""
    recorded = isinstance(_records(dataset).get(str(path.relative_to(dataset.folder))), dict)
    why = ("is not the file wordspace downloaded there (another was put in its place, or "
           "its first bytes changed)" if recorded else "has no record of being downloaded "
           "by wordspace (put there by hand, or by an older wordspace)")
    return DatasetUnavailable(
        f"{dataset.name}: {error}; {path} {why}, so it is kept: remove it to download "
        f"{dataset.urls[0]} afresh, or put a copy of it there")


def _discard(dataset: Dataset) -> bool:
    """Remove what the cache unpacked for a dataset and its download, if the cache
    downloaded it (:func:`_ours`; a file put there by hand is the user's: kept); returns
    whether the download was removed."""
    shutil.rmtree(dataset.folder / "unpacked", ignore_errors=True)  # rebuilt from it
    archive, records = dataset.folder / dataset.filename, _records(dataset)
    if archive.exists() and not _ours(dataset, archive):
        return False
    archive.unlink(missing_ok=True)
    # what is removed is no longer the cache's: a file put there later is the user's
    kept = {key: value for key, value in records.items()
            if key != str(dataset.filename) and not key.startswith("unpacked/")}
    if kept:
        _write_records(dataset, kept)
    else:
        (dataset.folder / _RECORDS).unlink(missing_ok=True)
    return True


def _writable_folder(dataset: Dataset) -> Path:
    """The dataset's cache folder, made if need be. One that cannot be made or written
    (a read-only or foreign ``$WORDSPACE_HOME``) puts the dataset out of reach, as being
    offline does, rather than being an error: :class:`DatasetUnavailable` names it."""
    folder = dataset.folder
    try:
        folder.mkdir(parents=True, exist_ok=True)
        why = None if os.access(folder, os.W_OK | os.X_OK) else "no write permission"
    except OSError as e:
        why = e.strerror or str(e)
    if why is None:
        return folder
    home = os.environ.get("WORDSPACE_HOME")
    said = f"WORDSPACE_HOME is {home}" if home else \
        f"WORDSPACE_HOME is unset, so the cache is {cache_home()}"
    mirrored = f" holding {dataset.mirror[0]}" if dataset.mirror else ""
    raise DatasetUnavailable(
        f"{dataset.name} cannot be downloaded: its cache folder {folder} cannot be made or "
        f"written ({why}; {said}). Set WORDSPACE_HOME to a folder you can write, or "
        f"WORDSPACE_DATA to a mirror{mirrored}")


def _fetch(dataset: Dataset, progress: bool, deadline: float | None):
    folder = _writable_folder(dataset)
    archive = folder / dataset.filename
    kept = archive.exists()
    if kept:  # kept from an earlier download, or put there by hand
        try:
            _check_download(dataset, archive)  # the registry's file?
        except DatasetError as e:
            if not _ours(dataset, archive):
                raise  # said, never removed: the user put it there
            logger.warning("%s: the cached download is damaged (%s); downloading it "
                           "afresh", dataset.name, e)
            _discard(dataset)
            kept = False  # what is unpacked next is this call's own download
    checked = []  # what the validation parsed, so load() does not parse twice
    if not archive.exists():
        download_deadline()  # a bad $WORDSPACE_DOWNLOAD_DEADLINE is said once, not per URL
        validate = None if dataset.member else lambda f: checked.append(_validate(dataset, f))
        errors = []
        for url in dataset.urls:
            try:
                download(url, archive, checksum=dataset.checksum, size=dataset.size,
                         progress=progress, deadline=deadline, validate=validate)
                if dataset.member:  # the cache's own, to replace if it proves damaged
                    _record(dataset, archive)
                break
            except DatasetError as e:
                errors.append(str(e))
        else:
            mirror = mirror_root()
            there = next((mirror / rel for rel in dataset.mirror
                          if (mirror / rel).exists()), None) if mirror else None
            if there is not None:  # only fetch() comes here with one: path() used it
                hint = (f"; or use the mirror's copy, {there}: fetch() fills the cache and "
                        f"never reads the mirror, datasets.path({dataset.name!r}) and "
                        f"load() do (wordspace data path {dataset.name})")
            elif mirror and dataset.mirror:
                hint = f"; or put it in the mirror as {mirror / dataset.mirror[0]}"
            else:
                hint = ("; or set WORDSPACE_DATA to a directory holding "
                        f"{dataset.mirror[0] if dataset.mirror else dataset.filename}")
            raise DatasetUnavailable(
                f"cannot download {dataset.name}: " + "; ".join(errors) +
                f". Download {dataset.urls[0]} by hand into {folder}{hint}.")
        if not dataset.member:
            return archive, checked[0]

    def validate_member(root: Path) -> None:
        data = root / dataset.member
        if not data.exists():
            raise DatasetError(f"{archive} does not contain {dataset.member}")
        checked.append(_validate(dataset, data))

    try:
        unpack(archive, folder / "unpacked", validate=validate_member)
        if not checked:  # unpacked before, for another dataset in the same archive
            validate_member(folder / "unpacked")
        if not _ours(dataset, archive):  # put there by hand (or unrecorded), and whole
            _record(dataset, archive)
    except _NoSpace:
        raise
    except DatasetError as e:
        # without a checksum a wrong file (an HTML error page, say) can get this far, and
        # with one an unsafe archive can: remove it, so the next call downloads afresh
        # instead of failing the same way forever (one put there by hand is the user's)
        if _discard(dataset):
            if kept:  # the cache's own, damaged since it was fetched: fetched again now
                logger.warning("%s: the cached download is damaged (%s); removed it to "
                               "download it afresh", dataset.name, e)
                return _fetch(dataset, progress, deadline)
            raise DatasetUnavailable(f"{dataset.name}: {e}; removed the download and what "
                                     f"it unpacked: run again to download afresh, or "
                                     f"download {dataset.urls[0]} by hand into {folder}"
                                     ) from None
        raise _kept(dataset, archive, e) from None
    return dataset.cache_path, checked[0]


# -- downloads ------------------------------------------------------------------------------
def download_deadline(expected_bytes: int | None = None) -> float:
    """Seconds a download of ``expected_bytes`` may take in all: $WORDSPACE_DOWNLOAD_DEADLINE
    if set, else :data:`DEADLINE_GRACE` plus the size at :data:`MIN_DOWNLOAD_RATE`."""
    value = os.environ.get(DEADLINE_VARIABLE)
    if value:
        try:
            seconds = float(value)
        except ValueError:
            seconds = 0.0
        if not seconds > 0:
            raise DatasetError(f"{DEADLINE_VARIABLE}={value!r}: expected a positive number "
                               "of seconds")
        return seconds
    return DEADLINE_GRACE + (expected_bytes or 0) / MIN_DOWNLOAD_RATE


class _Deadline:
    """Ends a download at its deadline by shutting its connections' sockets down, which
    wakes a read blocked on a silent or dripping server (a per-read timeout never fires
    on one that sends a byte a second). ``scaled``: the deadline grows with the bytes
    received, so a download that keeps up the minimum rate is never cut."""

    def __init__(self, seconds: float, scaled: bool):
        self.start = time.monotonic()
        self.seconds, self.scaled = seconds, scaled
        self.end = self.start + seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="download deadline",
                                        daemon=True)
        self._thread.start()

    def expect(self, size: int) -> None:
        """Extend to the scaled deadline of a download of ``size`` bytes."""
        if self.scaled:
            self.seconds = max(self.seconds, download_deadline(size))
            self.end = self.start + self.seconds

    def check(self) -> bool:
        """Whether the deadline has passed (also ending the connections)."""
        if time.monotonic() >= self.end:
            with self._lock:
                self.expired = True
                for sock in self._sockets:
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)
        return self.expired

    def _watch(self) -> None:
        while not self._stop.wait(max(0.0, self.end - time.monotonic()) + 0.01):
            if self.check():
                return

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
        self.check()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


def _opener(deadline: _Deadline) -> urllib.request.OpenerDirector:
    """A urllib opener whose HTTP(S) connections the deadline can end."""

    class Watched:
        def do_open(self, http_class, req, **kw):
            class Connection(http_class):
                def connect(self):
                    super().connect()
                    deadline.watch(self.sock)

            return super().do_open(Connection, req, **kw)

    class HTTP(Watched, urllib.request.HTTPHandler):
        pass

    class HTTPS(Watched, urllib.request.HTTPSHandler):
        pass

    return urllib.request.build_opener(HTTP, HTTPS)


def download(url: str, dest: Path, checksum: str | None = None, size: int | None = None,
             progress: bool = True, timeout: float = 60, deadline: float | None = None,
             validate: Callable[[Path], object] | None = None) -> Path:
    """Fetch ``url`` to ``dest`` atomically, checking its length and ``checksum``
    (``"sha256:<hex>"`` or ``"sha1:<hex>"``; without one, its sha256 is logged).

    At most ``size`` bytes (if given) or :data:`MAX_DOWNLOAD_BYTES` are accepted: a larger
    (or, with ``size``, a different) Content-Length is refused before reading, and the
    transfer is stopped before writing past the limit. ``timeout`` bounds each read;
    ``deadline`` (seconds) the whole transfer, by default :func:`download_deadline` of
    ``size`` or of the announced length within the limit, never of the header alone.
    ``validate`` is called on the complete file (a parser raising :class:`DatasetError` if
    it is not what was meant).
    The bytes go to a claimed temporary file beside ``dest``, flushed to disk and renamed
    only after every check passed; on any failure it is removed, so a retry starts clean.
    """
    dest = Path(dest)
    algorithm, _, expected_hex = (checksum or "sha256:").partition(":")
    digest = hashlib.new(algorithm)  # before any file exists: a bad name leaves nothing
    received = 0
    seconds = deadline if deadline is not None else download_deadline(size)
    clean_stale_temporaries(dest.parent, dest.name)  # killed downloads' partial files
    fd, tmp = temporary_file(dest.parent, dest.name, like=access_to_keep(dest))
    watchdog = _Deadline(seconds, scaled=deadline is None
                         and not os.environ.get(DEADLINE_VARIABLE))
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                with _opener(watchdog).open(url, timeout=min(timeout, watchdog.seconds)
                                            ) as response:
                    announced = int(response.headers.get("Content-Length") or 0)
                    # the server's word never widens the bounds: the registry's size, or
                    # the cap, is the most that is accepted (and sets the deadline)
                    limit = min(size or MAX_DOWNLOAD_BYTES, MAX_DOWNLOAD_BYTES)
                    _check_announced(url, announced, size, limit)
                    expected = size or announced or None
                    watchdog.expect(size or min(announced, limit))
                    with progress_bar(expected, "B", f"downloading {dest.name}",
                                      enable=progress) as bar:
                        while chunk := response.read1(1 << 16):
                            if received + len(chunk) > limit:
                                raise DatasetError(
                                    f"{url}: sent more than {limit:,} bytes, the most "
                                    f"{'the registry expects' if size else 'accepted'}; "
                                    "stopped and discarded. If the file is genuine, raise "
                                    "wordspace.datasets.MAX_DOWNLOAD_BYTES")
                            out.write(chunk)
                            digest.update(chunk)
                            received += len(chunk)
                            bar.update(len(chunk))
                            watchdog.expect(received)
                            if watchdog.check():
                                break
            except http.client.IncompleteRead as e:
                if not watchdog.expired:
                    raise DatasetError(f"{url}: the transfer was cut short after "
                                       f"{received + len(e.partial):,} bytes") from None
            except (urllib.error.URLError, OSError, ValueError,
                    http.client.HTTPException) as e:
                if not watchdog.expired:
                    reason = getattr(e, "reason", e)
                    raise DatasetError(f"{url}: {reason}") from None
            if watchdog.expired:
                raise DatasetError(
                    f"{url}: not finished within its deadline of {round(watchdog.seconds, 1)} s "
                    f"({received:,} bytes received); the partial file was discarded. On a "
                    f"slow link set {DEADLINE_VARIABLE} to more seconds")
            out.flush()
            os.fsync(out.fileno())
        if expected and received != expected:
            raise DatasetError(f"{url}: the transfer was cut short: got {received:,} of "
                               f"{expected:,} bytes")
        if size and received != size:
            raise DatasetError(f"{url}: got {received:,} bytes where the registry expects "
                               f"{size:,}; the file was discarded")
        actual = digest.hexdigest()
        if expected_hex and actual != expected_hex.lower():
            raise DatasetError(f"{url}: checksum mismatch: expected {algorithm} {expected_hex}, "
                               f"got {actual}; the file was discarded")
        if validate is not None:
            try:
                validate(Path(tmp))
            except DatasetError as e:
                reason = str(e).replace(str(tmp), dest.name)  # not the temporary's name
                raise DatasetError(f"{url}: the file received is not valid ({reason}); it "
                                   "was discarded (the server may have sent an error page)"
                                   ) from None
        if not expected_hex:
            logger.warning("%s: no published checksum to compare; its sha256 is %s",
                           dest.name, actual)
        os.replace(tmp, dest)
        fsync_directory(dest.parent)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        watchdog.close()
    return dest


def _check_announced(url: str, announced: int, size: int | None, limit: int) -> None:
    """Refuse, before any byte is read, a length the server announces beyond ``limit``
    or other than the registry's ``size``."""
    if size and announced and announced != size:
        raise DatasetError(f"{url}: the server announces {announced:,} bytes where the "
                           f"registry expects {size:,}; refused before downloading (a "
                           "different file, or an error page?)")
    if announced > limit:
        raise DatasetError(f"{url}: the server announces {announced:,} bytes, more than the "
                           f"limit of {limit:,}; refused before downloading. If the file is "
                           "genuine, raise wordspace.datasets.MAX_DOWNLOAD_BYTES")


# -- unpacking ------------------------------------------------------------------------------
class _Budget:
    """The bounds on one unpacking: members, and bytes written."""

    def __init__(self, archive: Path, max_bytes: int, max_members: int):
        self.archive, self.max_bytes, self.max_members = archive, max_bytes, max_members
        self.written = 0

    def refuse(self, what: str) -> DatasetError:
        return DatasetError(
            f"{self.archive} {what}, beyond the limit of {self.max_bytes:,} bytes in "
            f"{self.max_members:,} members (an archive bomb?); refused. If the archive is "
            "genuine, raise wordspace.datasets.MAX_UNPACKED_BYTES or MAX_MEMBERS")

    def headers(self, members: int, total: int) -> None:
        if members > self.max_members:
            raise self.refuse(f"has {members:,} members")
        if total > self.max_bytes:
            raise self.refuse(f"says it unpacks to {total:,} bytes")

    def copy(self, src, target: Path) -> None:
        """Write ``src`` to a new file at ``target``, counting against the budget."""
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_symlink() or target.is_file():
            target.unlink()  # a repeated member replaces the earlier one, as tar does
        with open(target, "xb") as out:
            while chunk := src.read(1 << 20):
                self.written += len(chunk)
                if self.written > self.max_bytes:
                    raise self.refuse("unpacks to more than it says")
                out.write(chunk)


# what a damaged or hostile archive raises from zipfile, tarfile and their decompressors
# (an encrypted zip member raises RuntimeError; bz2 and gzip damage, OSError)
_ARCHIVE_ERRORS = (tarfile.TarError, zipfile.BadZipFile, zipfile.LargeZipFile, EOFError,
                   zlib.error, lzma.LZMAError, NotImplementedError, RuntimeError, ValueError,
                   OSError)


def unpack(archive: Path, dest: Path, *, max_bytes: int | None = None,
           max_members: int | None = None,
           validate: Callable[[Path], object] | None = None) -> Path:
    """Unpack a zip or tar archive into ``dest`` atomically and within bounds.

    Refused, with :class:`DatasetError`, and leaving nothing: a damaged archive; a member
    that would land outside ``dest`` (``..``, an absolute path) or whose name is too long
    to create; a link or a special file (only regular files and folders are unpacked);
    more than ``max_members`` members or ``max_bytes`` unpacked bytes
    (default :data:`MAX_MEMBERS`, :data:`MAX_UNPACKED_BYTES`), checked from the headers
    and again while writing. ``validate`` is called on the unpacked temporary folder
    before it is flushed to disk and renamed to ``dest``. If ``dest`` exists already (a
    concurrent run published it first), it is kept.
    """
    archive, dest = Path(archive), Path(dest)
    if dest.exists():
        return dest
    budget = _Budget(archive, MAX_UNPACKED_BYTES if max_bytes is None else max_bytes,
                     MAX_MEMBERS if max_members is None else max_members)
    try:  # built under a claimed temporary name, flushed, published unless one is there
        with atomic_directory(dest, replace=False) as tmp:
            if zipfile.is_zipfile(archive):
                _unzip(archive, tmp, budget)
            elif _scan_tar(archive, budget):  # before tarfile reads a single header
                _untar(archive, tmp, budget)
            else:
                raise DatasetError(f"{archive} is neither a zip nor a tar archive")
            if validate is not None:
                validate(tmp)
    except DatasetError:
        raise
    except OSError as e:  # ENAMETOOLONG, a file where a folder should be, ...
        if e.errno in (errno.ENOSPC, errno.EDQUOT):
            raise _NoSpace(f"no space left to unpack {archive} into {dest.parent}: "
                           "free some space and run again") from None
        raise DatasetError(f"{archive} cannot be unpacked: {e}") from None
    except _ARCHIVE_ERRORS as e:
        raise DatasetError(f"{archive} is damaged or unsafe: {type(e).__name__}: {e}"
                           ) from None
    return dest


def _unzip(archive: Path, root: Path, budget: _Budget) -> None:
    with zipfile.ZipFile(archive) as z:
        members = z.infolist()
        budget.headers(len(members), sum(m.file_size for m in members))
        for member in members:
            target = _check_inside(root, member.filename, archive)
            mode = stat.S_IFMT(member.external_attr >> 16)
            if member.is_dir():
                target.mkdir(parents=True, exist_ok=True)
            elif mode in (0, stat.S_IFREG):
                with z.open(member) as src:  # checks the CRC at the end
                    budget.copy(src, target)
            else:
                raise _not_a_file(archive, member.filename,
                                  "a link" if mode == stat.S_IFLNK else "a special file")


#: The most a tar extension header (a GNU long name or link, a pax record set) may hold:
#: tarfile reads each whole into memory, and a real one holds a path or a few numbers.
MAX_TAR_EXTENSION = 64 << 10
_TAR_REGULAR = (b"0", b"\0", b"7")
_TAR_EXTENSIONS = (b"L", b"K", b"x", b"g", b"X")


def _scan_tar(archive: Path, budget: _Budget) -> bool:
    """Whether ``archive`` is a tar archive (compressed or not), refusing one beyond
    ``budget`` or holding a link, a special file or an oversized extension header.

    Reads the decompressed stream's 512-byte headers itself, holding one block (or one
    extension payload of at most :data:`MAX_TAR_EXTENSION`) at a time, as tarfile would
    otherwise parse every header (and read every long-name payload whole) before any
    bound could be checked."""
    members = extensions = total = offset = 0
    pax: dict[bytes, bytes] = {}
    pax_global: dict[bytes, bytes] = {}
    long_name = b""
    with open(archive, "rb") as raw:
        stream = decompressing_reader(raw)
        while True:
            header = _read_tar(stream, 512)
            if len(header) < 512 or header.count(0) == 512:  # the end of the archive
                return offset > 0
            fields = _tar_header(header)
            if fields is None:
                if offset == 0:
                    return False  # not a tar archive at all
                raise DatasetError(f"{archive} is damaged: an invalid tar header at byte "
                                   f"{offset:,} of its content")
            kind, size, name = fields
            offset += 512
            if kind in _TAR_EXTENSIONS:
                extensions += 1
                if size > MAX_TAR_EXTENSION:
                    raise DatasetError(
                        f"{archive}: a tar extension header (a long name or pax records) "
                        f"of {size:,} bytes, beyond {MAX_TAR_EXTENSION:,} (a long-name "
                        "bomb?); refused")
                if extensions > budget.max_members:
                    raise budget.refuse(f"has more than {budget.max_members:,} extension "
                                        "headers")
                payload = _read_tar(stream, -size % 512 + size)[:size]
                offset += -size % 512 + size
                if kind == b"L":
                    long_name = payload.split(b"\0", 1)[0]
                elif kind != b"K":
                    records = _pax_records(payload, archive)
                    (pax_global if kind == b"g" else pax).update(records)
                continue
            members += 1
            name = (pax.get(b"path") or long_name or name).decode("utf-8", "replace")
            if members > budget.max_members:
                raise budget.refuse(f"has more than {budget.max_members:,} members")
            if any(key.startswith(b"GNU.sparse.") for key in (*pax, *pax_global)):
                kind = b"S"
            if kind in _TAR_REGULAR:
                size = int(pax.get(b"size", pax_global.get(b"size", size)))
                if size < 0:
                    raise DatasetError(f"{archive} is damaged: member {name!r} has a "
                                       "negative size")
                total += size
                if total > budget.max_bytes:
                    raise budget.refuse(f"says it unpacks to at least {total:,} bytes")
                skip = -size % 512 + size
                while skip:
                    chunk = len(stream.read(min(skip, 1 << 20)))
                    if not chunk:
                        raise DatasetError(f"{archive} is damaged: it ends inside member "
                                           f"{name!r}")
                    skip -= chunk
                    offset += chunk
            elif kind != b"5":
                raise _not_a_file(archive, name, "a link" if kind in (b"1", b"2")
                                  else "a special file")
            pax, long_name = {}, b""


def _read_tar(stream, n: int) -> bytes:
    """``n`` bytes from ``stream``, fewer only at its end."""
    parts, left = [], n
    while left and (part := stream.read(left)):
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def _tar_header(block: bytes) -> tuple[bytes, int, bytes] | None:
    """``(type flag, size, name)`` of a tar header block, or None if its checksum or
    numbers are not a tar header's."""
    try:
        size, checksum = _tar_number(block[124:136]), _tar_number(block[148:156])
    except ValueError:
        return None
    unsigned = 256 + sum(block[:148]) + sum(block[156:])
    if size < 0 or checksum != unsigned and checksum != unsigned - 256 * sum(
            b > 127 for b in block[:148] + block[156:]):  # some tars sum signed bytes
        return None
    name = block[:100].split(b"\0", 1)[0]
    prefix = block[345:500].split(b"\0", 1)[0]
    if block[257:263] == b"ustar\0" and prefix:
        name = prefix + b"/" + name
    return block[156:157], size, name


def _tar_number(field: bytes) -> int:
    """A tar header's number: octal text, or base-256 (a first byte of 0x80 or 0xff)."""
    if field[:1] == b"\x80":
        return int.from_bytes(field[1:], "big")
    if field[:1] == b"\xff":
        return int.from_bytes(field[1:], "big") - 256 ** (len(field) - 1)
    return int(field.split(b"\0", 1)[0].strip() or b"0", 8)


def _pax_records(payload: bytes, archive: Path) -> dict[bytes, bytes]:
    """A pax extension header's ``LENGTH KEY=VALUE\\n`` records."""
    records, pos = {}, 0
    while pos < len(payload) and payload[pos:pos + 1] != b"\0":
        length, _, _ = payload[pos:pos + 20].partition(b" ")
        try:
            end = pos + int(length)
        except ValueError:
            end = pos
        record = payload[pos + len(length) + 1:end]
        if end <= pos or end > len(payload) or not record.endswith(b"\n") \
                or b"=" not in record:
            raise DatasetError(f"{archive} is damaged: a malformed pax record")
        key, _, value = record[:-1].partition(b"=")
        records[key] = value
        pos = end
    return records


def _untar(archive: Path, root: Path, budget: _Budget) -> None:
    """Unpack, after :func:`_scan_tar` has checked the headers, one member at a time."""
    with tarfile.open(archive) as t:
        for count, member in enumerate(t, 1):  # never getmembers(): all headers at once
            if count > budget.max_members:
                raise budget.refuse(f"has more than {budget.max_members:,} members")
            target = _check_inside(root, member.name, archive)
            if member.isreg():
                budget.copy(t.extractfile(member), target)
            elif member.isdir():
                target.mkdir(parents=True, exist_ok=True)
            else:
                raise _not_a_file(archive, member.name, "a link" if member.issym()
                                  or member.islnk() else "a special file")


def _not_a_file(archive: Path, member: str, what: str) -> DatasetError:
    # links are never unpacked: checking where one leads is where tarfile's own filter
    # failed (CVE-2025-4517), and no registered dataset holds any
    return DatasetError(f"{archive}: member {member!r} is {what}; only regular files and "
                        "folders are unpacked, so the archive is refused")


#: A path component longer than this cannot be created (and realpath stops following
#: links in one); a member name longer than this is no dataset's.
MAX_NAME_COMPONENT = 255
MAX_NAME = 1024


def _check_inside(root: Path, member: str, archive: Path) -> Path:
    """``root / member``, refusing a member that would unpack outside ``root`` or whose
    name is too long to create."""
    encoded = os.fsencode(member)
    if len(encoded) > MAX_NAME or any(len(part) > MAX_NAME_COMPONENT
                                      for part in encoded.split(b"/")):
        shown = member if len(member) <= 80 else member[:80] + "..."
        raise DatasetError(f"{archive}: member {shown!r} has a name of "
                           f"{len(encoded):,} bytes, beyond {MAX_NAME:,} (or a part beyond "
                           f"{MAX_NAME_COMPONENT}); refused")
    parts = member.split("/")
    target = root / member
    if member.startswith("/") or ".." in parts \
            or not target.resolve().is_relative_to(root.resolve()):
        raise DatasetError(f"{archive}: member {member!r} would unpack outside {root}")
    return target


# -- checks: each file read by its kind's parser before it is used ------------------------
_MARKUP = (b"<!doctype", b"<html", b"<?xml", b"<head", b"<body", b"<!--")


def _sniff(file: Path, kind: str, min_bytes: int) -> None:
    """Refuse a file that is plainly not data of ``kind``: too small, binary, not UTF-8
    text, or an HTML/XML page (what a server sends instead of a file)."""
    size = file.stat().st_size
    if size < min_bytes:
        raise DatasetError(f"{file} holds {size:,} bytes; a {kind} file of this dataset "
                           f"has at least {min_bytes:,}")
    head = text_head(file)
    if not head.strip():
        raise DatasetError(f"{file} is empty")
    if b"\0" in head:
        raise DatasetError(f"{file} is binary, not text")
    try:  # an incremental decoder: the 64 KiB may end inside a character
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError as e:
        raise DatasetError(f"{file} is not UTF-8 text (byte {e.start:,})") from None
    if _is_markup(head):
        raise DatasetError(f"{file} is an HTML or XML page, not {kind} data")


def _is_markup(head: bytes) -> bool:
    """Whether a file beginning with ``head`` is an HTML or XML page."""
    return head.lstrip().lower().startswith(_MARKUP)


def _count(kind: str, parsed) -> int:
    if kind == "analogy":
        return sum(len(questions) for _, questions in parsed)
    return len(parsed)


def _validate(dataset: Dataset, where: Path):
    """Read ``where`` as ``dataset``'s kind and hold it to the registry's minimum;
    return what was parsed (the path, for a corpus). :class:`DatasetError` names the
    file and what is wrong with it (:class:`_TooFew` where it parses but holds fewer
    items than the registry's minimum: a part of the dataset, not a malformed file)."""
    kind = dataset.kind
    try:
        if not where.is_dir():
            _sniff(where, kind, dataset.min_bytes if kind == "corpus" else 1)
        if kind == "corpus":
            return where
        parsed = _PARSERS[kind](where)
    except DatasetError:
        raise
    except (OSError, EOFError, ValueError, zlib.error, lzma.LZMAError) as e:
        raise DatasetError(f"{where} cannot be read as {kind} data: {e}") from None
    count = _count(kind, parsed)
    if count < dataset.min_items:
        raise _TooFew(f"{where} holds {count:,} items; {dataset.name} has at least "
                      f"{dataset.min_items:,}")
    return parsed


# ---------------------------------------------------------------------------------------
# Parsers: each kind's files, whether canonical or from the mirror, read to one shape.
def _lines(file: str | Path) -> Iterator[tuple[int, str]]:
    """``(line number, text)`` of a benchmark file (a few MB at most), lines ended by
    ``\\n``, ``\\r\\n`` or a lone ``\\r`` (old Mac exports), without a leading UTF-8
    byte-order mark (which would glue itself to the first word); a line that is not
    UTF-8 raises :class:`DatasetError` naming it."""
    data = Path(file).read_bytes()
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    for lineno, raw in enumerate(data.splitlines(), 1):
        try:
            yield lineno, raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise DatasetError(f"{file}:{lineno}: not UTF-8 text (byte {e.start + 1} "
                               "of the line)") from None


def read_pairs(file: str | Path) -> list[tuple[str, str, float]]:
    """Word pairs with a score: two words, then the first numeric column (tab, comma or
    space separated, or tabs and spaces mixed; ``#`` lines and a first header line
    skipped). Reads WS353, SimLex-999 (whose third column is a POS tag), MEN, RW and the
    mirror's ``word1 word2 score`` files. Any other line without a finite score raises
    :class:`DatasetError` naming it: a dropped or misread pair would change the score."""
    pairs, first = [], True
    for lineno, line in _lines(file):
        if not line.strip() or line.startswith("#"):
            continue
        try:
            pair = _pair(line)
        except ValueError as e:
            raise DatasetError(f"{file}:{lineno}: {e}") from None
        if first and _header(line, pair):  # "Word 1<TAB>Word 2<TAB>Human (mean)"
            first = False
            continue
        first = False
        if pair is None:
            raise DatasetError(f"{file}:{lineno}: {line!r} is not 'word1 word2 score'")
        if not math.isfinite(pair[2]):
            raise DatasetError(f"{file}:{lineno}: the score of {line!r} is not a finite "
                               "number")
        pairs.append(pair)
    if not pairs:
        raise DatasetError(f"{file}: no 'word1 word2 score' lines found")
    return pairs


def _header(line: str, pair) -> bool:
    """Whether a pairs file's first line is its header: a line of three or more fields
    and no score, or one naming its first column ``word1`` / ``Word 1`` (WS353's
    set1.tab header, "Word 1 Word 2 Human (mean) 1 2 ...", has numbers in it)."""
    fields = line.split("\t") if "\t" in line else line.split()
    named = fields[0].strip().lower().replace(" ", "").replace("_", "") == "word1"
    return named or (pair is None and len(fields) >= 3)


def _pair(line: str) -> tuple[str, str, float] | None:
    """One line of a pairs file read as :func:`read_pairs` does; ``None`` for a line
    that holds no pair (a header, a line without a numeric column); ``ValueError`` for a
    score written with a decimal comma (``7,5`` would read as 7)."""
    fields = line.replace(",", "\t").split("\t") if "\t" in line or "," in line \
        else line.split()
    fields = [x.strip() for x in fields if x.strip()]
    if len(fields) < 3:  # tabs and spaces mixed: "king  queen<TAB>1"
        fields = line.replace(",", " ").split()
    spaced = line.split("\t") if "\t" in line else line.split()
    if any(_DECIMAL_COMMA.fullmatch(x.strip()) for x in spaced[2:]):
        raise ValueError(f"{line!r} has a score with a decimal comma: write it with a point")
    for value in fields[2:]:
        try:
            return fields[0], fields[1], float(value)
        except ValueError:
            continue
    return None


_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")


def read_analogies(file: str | Path) -> list[tuple[str, list[tuple[str, str, str, str]]]]:
    """Analogy questions as ``[(section, [(a, b, c, d), ...]), ...]``: the Google format
    (``: section`` headers, then ``a b c d``; lines before any header form a section
    named after the file), or the MSR test set's folder (``word_relationship.questions``
    with ``a b c`` lines, ``word_relationship.answers`` with ``TAG d`` lines)."""
    file = Path(file)
    if file.is_dir():
        return _read_msr(file)
    sections: list[tuple[str, list]] = []
    for lineno, line in _lines(file):
        parts = line.split()
        if not parts:
            continue
        if parts[0].startswith(":"):
            sections.append((line.strip()[1:].strip(), []))
            continue
        if len(parts) != 4:
            raise DatasetError(f"{file}:{lineno}: expected ': section' or 'a b c d', "
                               f"got {line.strip()!r}")
        if not sections:
            sections.append((Path(file).stem, []))
        sections[-1][1].append(tuple(parts))
    return sections


def _read_msr(folder: Path) -> list[tuple[str, list]]:
    questions = [line for _, line in _lines(folder / "word_relationship.questions")]
    answers = [line for _, line in _lines(folder / "word_relationship.answers")]
    sections: dict[str, list] = {}
    for lineno, (q, a) in enumerate(zip(questions, answers, strict=False), 1):
        if not q.strip():
            continue
        words, answer = q.split(), a.split()
        if len(words) != 3 or len(answer) != 2:
            raise DatasetError(f"{folder}: question {lineno} is {q!r} -> {a!r}, expected "
                               "'a b c' -> 'TAG d'")
        sections.setdefault(answer[0], []).append((*words, answer[1]))
    return list(sections.items())


_TRUE = {"true", "1", "yes", "hyper", "hypernym"}
#: the labels of a pair whose hypernym comes first (BIBLESS's -1, and its relation)
_REVERSED = {"-1", "rhyper"}
#: a label column's values that are booleans (1, 0 and BIBLESS's -1 for the reverse)
_BOOLEANS = {"true", "false", "1", "0", "-1", "yes", "no"}
#: a label column's values: booleans, or BLESS's relations (only "hyper" entails)
_LABELS = _TRUE | _BOOLEANS | _REVERSED | {"coord", "mero", "attri", "event", "random",
                                           "random-n", "random-v", "random-j", "other"}


def _entailment_label(file: Path, lineno: int, value: str, relations: bool = False
                      ) -> bool | int:
    """What the label (or relation) ``value`` on line ``lineno`` of ``file`` says of the
    pair: True (it entails), False (it does not), or -1 (the reverse entails: BIBLESS's
    ``-1`` and ``rhyper``). A value that is neither a boolean nor a known relation (a
    typo of one, a similarity score) raises :class:`DatasetError` naming the line; where
    the column holds ``relations`` (named so, or no boolean in it), any relation name
    that is no number is taken, entailing only as ``hyper`` (EVALution's Antonym, HasA
    ...)."""
    label = value.strip().lower()
    if relations and label not in _LABELS and not is_number(label):
        return False
    if label not in _LABELS:  # a score: most likely a similarity file given as entailment
        hint = f"; a score, as in similarity data? Then give 'similarity:{file}'" \
            if is_number(label) else ""
        raise DatasetError(f"{file}:{lineno}: label {value!r} is not True or False (nor a "
                           f"BLESS relation: {', '.join(sorted(_LABELS - _BOOLEANS))}){hint}")
    return -1 if label in _REVERSED else label in _TRUE


def read_entailment(file: str | Path) -> list[dict]:
    """Entailment pairs as dicts with ``word1``, ``word2``, ``label`` (True: word2 is a
    hypernym of / is entailed by word1; False: neither entails the other, or not known
    to; -1: the reverse, word1 is a hypernym of word2, as BIBLESS labels its ``rhyper``
    pairs, which are no plain negatives) and, where given, ``relation`` and ``fold``.
    A label ``-1`` is the reverse only in a file that also holds ``0`` (or False)
    labels, BIBLESS's three; in a file of ``1`` and ``-1`` alone it is the binary
    convention's negative, False.

    Reads hypernymysuite's tsv files (a ``word1 word2 label ...`` header) and the raw
    sources it builds them from: headerless ``word1 word2 label-or-relation ...`` rows
    (HyperVec's AWBLESS/ABIBLESS), or a folder of Levy's ``data_rnd_{train,val,test}``
    files, whose name gives the fold (``train`` rows count as ``test``, as hypernymysuite
    evaluates without training).
    """
    file = Path(file)
    if file.is_dir():
        rows = []
        for part in ("val", "test", "train"):
            for f in sorted(file.glob(f"data_rnd_{part}*")):
                rows += [dict(r, fold="val" if part == "val" else "test")
                         for r in read_entailment(f)]
        if not rows:
            raise DatasetError(f"{file}: no data_rnd_{{train,val,test}} files inside")
        return rows
    rows, minus_ones = [], []
    # tab-separated, as the published sets are; a line without a tab, by spaces
    lines = [(lineno, line.split("\t") if "\t" in line else line.split())
             for lineno, line in _lines(file) if line.strip()]
    header = lines[0][1] if lines and lines[0][1][:2] == ["word1", "word2"] else None
    if header and not {"label", "relation"} & set(header):
        raise DatasetError(f"{file}:{lines[0][0]}: the header names no 'label' (nor "
                           "'relation') column")
    rows_of = lines[1:] if header else lines
    # a column of relation names, any (EVALution's): named so, or holding no boolean
    relations = "label" not in header if header else not any(
        len(values) >= 3 and values[2].strip().lower() in _BOOLEANS for _, values in rows_of)
    for lineno, values in rows_of:
        if header:
            if len(values) != len(header):
                raise DatasetError(f"{file}:{lineno}: expected {len(header)} columns")
            row = dict(zip(header, values, strict=True))
            label = row["label"] if "label" in row else row["relation"]
        elif len(values) >= 3:
            # HyperVec's files: word1 word2 label relation (or word1 word2 relation)
            row = {"word1": values[0], "word2": values[1]}
            if values[2].strip().lower() not in _BOOLEANS:
                row["relation"] = values[2]
            elif len(values) >= 4:
                row["relation"] = values[3]
            label = values[2]
        else:
            raise DatasetError(f"{file}:{lineno}: expected 'word1 word2 label' columns")
        row["label"] = _entailment_label(file, lineno, label, relations)
        if label.strip() == "-1":
            minus_ones.append(row)
        if str(row.get("relation", "")).strip().lower() in _REVERSED:
            if row["label"] is True:
                raise DatasetError(f"{file}:{lineno}: label {label!r} says word2 is the "
                                   f"hypernym, relation {row['relation']!r} the reverse")
            row["label"] = -1  # HyperVec's ABIBLESS: "animal dog False rhyper"
        rows.append(row)
    if minus_ones and not any(row["label"] is False for row in rows):
        # labels 1 and -1 alone are the binary convention's (-1: does not entail), not
        # BIBLESS's three (1, 0, and -1 for the reverse), unless a relation says rhyper
        for row in minus_ones:
            if str(row.get("relation", "")).strip().lower() not in _REVERSED:
                row["label"] = False
    return rows


def read_documents(location: str | Path) -> list[dict]:
    """Labelled documents as ``{id, label, text}`` dicts, from JSON lines (optionally
    gzipped) or a folder of ``label/name.txt`` files (the BBC archive's layout)."""
    location = Path(location)
    if location.is_dir():
        return [{"id": f"{p.parent.name}/{p.name}", "label": p.parent.name,
                 "text": p.read_text(encoding="utf-8", errors="replace")}
                for p in sorted(location.glob("*/*.txt"))]
    documents = []
    with open(location, "rb") as raw:  # gzip, bzip2 or xz told by content, not name
        lines = io.TextIOWrapper(decompressing_reader(raw), encoding="utf-8")
        for lineno, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                document = parse_json(line)
            except ValueError as e:
                raise DatasetError(f"{location}:{lineno}: not a JSON object ({e})") from None
            if not isinstance(document, dict) or "id" not in document \
                    or not isinstance(document.get("text"), str):
                raise DatasetError(f"{location}:{lineno}: expected a JSON object with an "
                                   "'id' and a 'text' string")
            documents.append(document)
    return documents


_PARSERS = {"similarity": read_pairs, "analogy": read_analogies,
            "entailment": read_entailment, "documents": read_documents, "corpus": Path}


#: The kinds a benchmark file of one's own can hold (what :func:`detect_kind` tells apart).
BENCHMARK_KINDS = ("similarity", "analogy", "entailment")


def detect_kind(file: str | Path) -> str:
    """Whether a benchmark file holds ``"similarity"`` pairs, ``"analogy"`` questions or
    ``"entailment"`` rows, told from its content (blank and ``#`` lines aside):

    * analogy: any ``: section`` line (word2vec's questions-words format), or every line
      ``a b c d`` with no numeric field (the MSR set's folder too);
    * similarity: every line has two words and then a number (``word1 word2 score``,
      tabs or spaces; more columns as SimLex-999's), a first header line aside;
    * entailment: a ``word1 word2 label ...`` header (hypernymysuite's tsv), or every
      line's third field ``True`` or ``False`` (a first header line aside; Levy's folder).

    Anything else, or a file that reads two ways (``w1 w2 True hyper`` lines are both
    four-word questions and labelled pairs), raises :class:`DatasetError` naming the
    first line that does not fit: give the kind explicitly then (``read_file(file,
    kind)``; ``"analogy:FILE"`` to :func:`wordspace.evaluate.evaluate`). Pairs scored
    ``0``/``1`` read as similarity: entailment with numeric labels needs its kind given.
    """
    file = Path(file)
    if file.is_dir():
        if (file / "word_relationship.questions").exists():
            return "analogy"
        if any(file.glob("data_rnd_*")):
            return "entailment"
        raise DatasetError(f"{file} is a folder, but neither the MSR analogy set's "
                           "(word_relationship.questions) nor Levy's entailment files "
                           "(data_rnd_*)")
    lines = [(n, line) for n, line in _lines(file) if line.strip() and not line.startswith("#")]
    if not lines:
        raise DatasetError(f"{file} holds no data lines")
    if any(line.split()[0].startswith(":") for _, line in lines):
        return "analogy"  # read_analogies says which line, if any, is not 'a b c d'
    header = lines[0][1].split("\t")
    if header[:2] == ["word1", "word2"] and "label" in header:
        return "entailment"

    def labelled(line: str) -> bool:
        fields = line.split("\t") if "\t" in line else line.split()
        return len(fields) >= 3 and fields[2].strip().lower() in ("true", "false")

    def pair(line: str) -> bool:
        try:
            return _pair(line) is not None
        except ValueError:  # a decimal comma: similarity data still, read_pairs says so
            return True

    fits = {"similarity": pair,
            "analogy": lambda line: len(line.split()) == 4 and not pair(line),
            "entailment": labelled}
    misfits = {}
    for kind, fit in fits.items():
        # similarity and entailment files may open with a header line
        body = lines[1:] if kind != "analogy" and len(lines) > 1 else lines
        misfits[kind] = [(n, line) for n, line in body if not fit(line)]
    readings = [kind for kind, bad in misfits.items() if not bad]
    if len(readings) == 1:
        return readings[0]
    if readings:
        raise DatasetError(f"{file} reads as {' and as '.join(readings)} data alike: give its "
                           f"kind ('{readings[0]}:{file}')")
    best = min(misfits, key=lambda kind: len(misfits[kind]))
    shapes = {"similarity": "'word1 word2 score'", "analogy": "'a b c d' (no number)",
              "entailment": "'word1 word2 True|False'"}
    if 2 * sum(fits[best](line) for _, line in lines) > len(lines):  # most lines: say so
        n, line = misfits[best][0]
        raise DatasetError(f"cannot tell what {file} holds: most lines read as {best} data, "
                           f"but line {n} {shorten(line)} is not {shapes[best]}: fix "
                           "that line (read as that kind, the file would stop there too)")
    # no kind fits most lines (a text corpus, say): name the first line that fits none
    n, line = next(((n, line) for n, line in lines
                    if not any(fit(line) for fit in fits.values())), misfits[best][0])
    raise DatasetError(f"{file} reads as neither similarity pairs ({shapes['similarity']}), "
                       "analogy questions ('a b c d', no number) nor entailment rows "
                       f"({shapes['entailment']}): line {n} {shorten(line)} is none of "
                       "them. If it is such a file, fix its lines or give its kind "
                       f"('similarity:{file}')")


def read_file(file: str | Path, kind: str | None = None):
    """``(kind, parsed)``: a benchmark file of one's own, read by its kind's parser (the
    one the registry's files go through), its kind told from its content
    (:func:`detect_kind`) unless given. A file that is not plausible data of that kind
    (binary, an HTML page, no item, a line its parser refuses) raises
    :class:`DatasetError` naming it; a missing one, ``FileNotFoundError``."""
    file = Path(file)
    if kind is not None and kind not in BENCHMARK_KINDS:
        raise ValueError(f"kind must be one of {', '.join(BENCHMARK_KINDS)}, got {kind!r}")
    if not file.exists():
        raise FileNotFoundError(f"{file}: no such file")
    if kind is None:
        if not file.is_dir():
            _sniff(file, "benchmark", 1)  # a binary or HTML file: say so, not 'cannot tell'
        kind = detect_kind(file)
    own = Dataset(str(file), kind, f"the file {file}", (), file.name)
    return kind, _validate(own, file)


def load(name: str, download: bool = True, progress: bool = True,
         deadline: float | None = None):
    """A dataset, parsed: pairs, analogy sections, entailment rows, documents, or (for a
    corpus) its path."""
    return _obtain(name, download, progress, deadline)[1]
