"""What wordspace keeps under ``$WORDSPACE_HOME`` (``~/.cache/wordspace``), to see and
reclaim: the encoded corpora (``corpora/``), the datasets (``datasets/``), and the
records of the phrased corpora it wrote (``written/``, a small file each, kept so that a
rerun may replace its own output; ``clean`` removes those no file answers any more).

Every change of a corpus file, every other setting (``min_count``, ``lowercase``, ...)
and every new cache format gives an encoding of its own, and nothing removes the old
ones as a run goes: ``wordspace cache list`` shows them, ``wordspace cache clean``
removes those no run will use again.

An encoding's status:

``ok``
    its source is there, unchanged as far as its size and times tell;
``stale``
    its source file (or one of its folder's files) is missing, or has another size,
    mtime or ctime than when it was encoded, or the folder holds other files now: the
    cache key of any run on it differs, so no run finds this encoding again. (An
    encoding written before ``meta.json`` recorded its files: its source is missing, or
    a file of it changed, its ctime, after the encoding was written.) Nothing is read of
    the files but their times and sizes;
``old format``
    written by an earlier wordspace, in a cache format this one no longer reads;
``damaged``
    its ``meta.json`` cannot be read: a run would rebuild it;
``unchecked``
    its source cannot be looked at now (a permission denied, a network mount failing,
    or its folder missing or empty, as on a drive not mounted): whether a run will use it
    again is not known, so it is kept (``--all`` removes it; ``--missing``, one whose
    source is missing, its folder gone or empty, when that folder is not coming back);
``newer format``
    written by a later wordspace (kept: that one may still use it).
"""

from __future__ import annotations

import inspect
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from wordspace._io import (
    cache_home,
    remove_temporary,
    stale_temporaries,
    stale_written_records,
)
from wordspace._json import parse_json
from wordspace.corpus import (
    _FORMAT_VERSION,
    Corpus,
    CorpusError,
    _discard,
    _folder_files,
    _identity,
    _is_encoded_corpus,
)

#: what ``wordspace cache clean`` removes unless told ``--all``
CLEANED = ("stale", "old format", "damaged")
#: how wordspace names an encoding's folder (``Corpus._cache_dir``): the source's name
#: (at most 40 characters of ``[A-Za-z0-9_.-]``), a dash and 16 hex digits of its key
_ENCODING_NAME = re.compile(r"[A-Za-z0-9_.-]{0,40}-[0-9a-f]{16}")
#: ``meta.json``'s entries that are no reading setting
_NOT_SETTINGS = {"source", "path", "files", "raw_tokens", "tokens", "long_tokens", "crc32",
                 "format"}


@dataclass
class CachedCorpus:
    """One encoded corpus in the cache: its folder, status (see the module's
    docstring) and why, its source and settings as ``meta.json`` records them, the
    bytes its files take on disk, when it was written (``meta.json``'s mtime) and last
    read (``meta.json``'s atime: every run that loads the cache reads it, but most file
    systems update an atime at most once a day, and some never)."""

    folder: Path
    status: str
    why: str = ""
    source: str = ""
    settings: dict = field(default_factory=dict)
    size: int = 0
    written: float | None = None
    used: float | None = None
    identity: tuple[int, int] | None = None
    #: an unchecked encoding's source is missing (its folder gone or empty), rather than
    #: beyond reach (a permission denied, a mount failing)
    source_missing: bool = False

    @property
    def cleaned(self) -> bool:
        """Whether ``wordspace cache clean`` (without ``--all`` or ``--missing``) removes
        it."""
        return self.status in CLEANED

    def cleaned_by(self, everything: bool = False, missing: bool = False) -> bool:
        """Whether :func:`clean` with these options removes it: ``missing`` adds the
        unchecked encodings whose source is missing, ``everything`` every one."""
        return everything or self.cleaned or (missing and self.source_missing)


def corpora_folder() -> Path:
    """Where encoded corpora are cached."""
    return cache_home() / "corpora"


def disk_usage(path: Path) -> int:
    """Bytes the file or the files under the folder ``path`` take on disk (links not
    followed)."""
    if not path.is_dir() or path.is_symlink():
        return _file_usage(path)
    return sum(_file_usage(Path(here) / name)
               for here, _dirs, files in os.walk(path) for name in files)


def _file_usage(path: Path) -> int:
    try:
        info = path.lstat()
    except OSError:
        return 0
    return info.st_blocks * 512 if stat.S_ISREG(info.st_mode) else 0


def dataset_usage() -> int:
    """Bytes the dataset cache (``$WORDSPACE_HOME/datasets``) takes on disk."""
    return disk_usage(cache_home() / "datasets")


def corpus_caches() -> list[CachedCorpus]:
    """Every encoded corpus in the cache, by folder name. Only the cache's own folders
    are listed: a folder (not a link to one) directly in ``corpora/``, named as wordspace
    names an encoding (:data:`_ENCODING_NAME`), holding ``meta.json`` and ``tokens.npy``;
    temporaries (a build in progress) are left out, and so is anything else put there
    (another tool's ``meta.json`` and ``tokens.npy`` would be 'damaged', and cleaned)."""
    folder = corpora_folder()
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return []
    return [_describe(Path(e.path)) for e in entries
            if _ENCODING_NAME.fullmatch(e.name) and e.is_dir(follow_symlinks=False)
            and _is_encoded_corpus(Path(e.path))]


def _describe(folder: Path) -> CachedCorpus:
    meta_path = folder / "meta.json"
    identity = _identity_or_none(folder)
    try:
        info = meta_path.stat()
        meta = parse_json(_read_unseen(meta_path))
    except (OSError, ValueError) as e:
        return CachedCorpus(folder, "damaged", f"meta.json unreadable: {e}",
                            size=disk_usage(folder), identity=identity)
    entry = CachedCorpus(folder, "ok", size=disk_usage(folder), written=info.st_mtime,
                         used=max(info.st_atime, info.st_mtime), identity=identity)
    fmt = meta.get("format") if isinstance(meta, dict) else None
    if not isinstance(fmt, int) or isinstance(fmt, bool) \
            or not isinstance(meta.get("source"), str):
        entry.status, entry.why = "damaged", "meta.json names no source or format"
        return entry
    entry.source = _source_of(meta)
    entry.settings = _shown_settings(meta)
    if fmt < _FORMAT_VERSION:
        entry.status, entry.why = "old format", f"format {fmt}, now {_FORMAT_VERSION}"
    elif why := _old_documents(meta):  # a run reads the text again
        entry.status, entry.why = "old format", why
    elif fmt > _FORMAT_VERSION:
        entry.status, entry.why = "newer format", f"format {fmt}, this wordspace's " \
            f"{_FORMAT_VERSION}"
    else:
        try:
            why = _why_stale(meta, info.st_mtime)
        except _Unchecked as e:
            entry.status, entry.why = "unchecked", str(e)
            entry.source_missing = e.missing
        else:
            if why:
                entry.status, entry.why = "stale", why
    return entry


def _old_documents(meta: dict) -> str | None:
    """Why an encoding of documents in an older layout is not read again, or None."""
    from wordspace.documents import OLD_IDS_FORMATS

    layout = meta.get("documents")
    return OLD_IDS_FORMATS.get(layout) if isinstance(layout, (bool, int)) else None


def _read_unseen(path: Path) -> str:
    """The text of ``path``, read without updating its atime where the system allows it
    (``O_NOATIME``, for the file's owner): ``meta.json``'s atime is when a *run* last
    read the encoding, which ``cache list`` shows, and listing must not make every
    encoding look just used."""
    noatime = getattr(os, "O_NOATIME", 0)
    try:
        fd = os.open(path, os.O_RDONLY | noatime)
    except PermissionError:
        if not noatime:
            raise
        fd = os.open(path, os.O_RDONLY)  # not the owner: O_NOATIME is refused (EPERM)
    with open(fd, encoding="utf-8") as f:
        return f.read()


def _identity_or_none(folder: Path) -> tuple[int, int] | None:
    try:
        return _identity(folder)
    except OSError:
        return None


def _shown_settings(meta: dict) -> dict:
    """The reading settings ``meta`` records that differ from the defaults (min_count
    always)."""
    from wordspace.documents import Documents

    cls = Documents if meta.get("documents") else Corpus
    defaults = {name: p.default for name, p in inspect.signature(cls).parameters.items()}
    return {key: value for key, value in meta.items()
            if key not in _NOT_SETTINGS and key != "documents"
            and (key == "min_count" or key not in defaults or value != defaults[key])}


class _Unchecked(Exception):
    """The source cannot be looked at now (an ``OSError`` other than its absence, or
    ``missing``: it is gone with its folder, or its folder is empty): whether a run
    would use the encoding again is not known."""

    def __init__(self, why: str, missing: bool = False):
        super().__init__(why)
        self.missing = missing


def _stat(path: str | Path) -> os.stat_result | None:
    """``os.stat(path)``, None if there is no such file; any other failure (a permission
    denied, a mount failing) is :class:`_Unchecked`."""
    try:
        return os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as e:
        raise _Unchecked(f"{path} cannot be looked at: {e.strerror or e}") from e


def _missing(path: str | Path) -> str:
    """Why an encoding whose source ``path`` is not there is stale; :class:`_Unchecked`
    when its folder is gone too, or empty (an unmounted drive's mount point): a drive or
    network share not mounted now, or a folder moved, may bring it back unchanged (an
    encoding of a large corpus takes hours to rebuild)."""
    folder = Path(path).parent
    if _stat(folder) is None:
        raise _Unchecked(f"{folder} is missing (a drive not mounted, or a folder moved?)",
                         missing=True)
    try:
        empty = not any(folder.iterdir())
    except OSError as e:
        raise _Unchecked(f"{folder} cannot be listed: {e.strerror or e}") from e
    if empty:  # a mount point (fstab's) stays behind as an empty folder
        raise _Unchecked(f"{folder} is empty (a drive not mounted?)", missing=True)
    return f"{path} is missing"


def _source_of(meta: dict) -> str:
    """Where the encoding's text was: the absolute ``path`` recorded since 2026-12-07,
    else the ``source`` as it was given (a ``path`` of another type is damage, ignored)."""
    return meta["path"] if isinstance(meta.get("path"), str) else meta["source"]


def _why_stale(meta: dict, written: float) -> str:
    """Why no run will use this encoding again, or "" (see the module's docstring);
    :class:`_Unchecked` when the source cannot be looked at now."""
    files = meta.get("files")
    if isinstance(files, list) and files:  # each file's fingerprint, as the key holds it
        for fingerprint in files:
            try:
                name, size, mtime_ns, ctime_ns = fingerprint[:4]
                info = _stat(name)
            except (TypeError, ValueError):
                return "its source cannot be checked"
            if info is None:
                return _missing(name)
            if (info.st_size, info.st_mtime_ns, info.st_ctime_ns) != (size, mtime_ns,
                                                                     ctime_ns):
                return f"{name} changed since"
        source = Path(_source_of(meta))
        info = _stat(source)
        if info is not None and stat.S_ISDIR(info.st_mode):
            try:
                now = {str(f.resolve()) for f in _folder_files(source)}
            except CorpusError:
                return "its folder cannot be listed"
            except OSError as e:
                raise _Unchecked(f"{source} cannot be listed: {e.strerror or e}") from e
            if now != {fingerprint[0] for fingerprint in files}:
                return "its folder holds other files now"
        return ""
    source = Path(meta["source"])
    if not source.is_absolute():  # a relative path, and no record of where it was
        return ""
    info = _stat(source)
    if info is None:
        return _missing(source)
    try:
        sources = _folder_files(source) if stat.S_ISDIR(info.st_mode) else [source]
        for file in sources:
            if file.stat().st_ctime > written:
                return f"{file} changed since"
    except CorpusError:
        return "its source cannot be checked"
    except OSError as e:
        raise _Unchecked(f"{source} cannot be looked at: {e.strerror or e}") from e
    return ""


@dataclass
class Cleaning:
    """What :func:`clean` removed (or, dry, would remove): each folder with the bytes
    it took, and each that could not be removed with why."""

    removed: list[tuple[Path, int]] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)

    @property
    def freed(self) -> int:
        """Bytes the removed entries took."""
        return sum(size for _, size in self.removed)


def clean(everything: bool = False, dry_run: bool = False, missing: bool = False
          ) -> Cleaning:
    """Remove the encoded corpora no run will use again (stale, old-format and damaged
    ones; ``missing``: also the unchecked ones whose source is missing, its folder gone
    or empty, which a drive mounted again would bring back; ``everything``: every one),
    and the temporaries of killed builds in
    ``corpora/``, and the records of ``written/`` that no file answers any more
    (:func:`~wordspace._io.stale_written_records`); ``dry_run``: only say what would
    go. A build in progress (its
    temporary claimed) is left alone. Each folder is first moved aside under a claimed
    temporary name, and only if it is still the one listed, so a run that has its files
    open keeps them; a failure to remove one is recorded and the others go on."""
    done = Cleaning()
    home = corpora_folder()
    # first: a removal that fails below leaves its remains unclaimed, said once there
    for path, size, failure in _temporaries(home, dry_run):
        if failure is None:
            done.removed.append((path, size))
        else:
            done.failed.append((path, failure))
    for entry in corpus_caches():
        if not entry.cleaned_by(everything, missing):
            continue
        if entry.folder.parent != home or entry.identity is None:
            continue  # never anything but corpora/'s own entries
        if dry_run:
            done.removed.append((entry.folder, entry.size))
            continue
        try:
            if _discard(entry.folder, entry.identity, strict=True):
                done.removed.append((entry.folder, entry.size))
        except OSError as e:  # moved aside already: say where what is left now lies
            left = f" (what is left is under {e.filename})" if e.filename else ""
            done.failed.append((entry.folder, f"{e.strerror or e}{left}"))
    for record, size in stale_records():
        try:
            if not dry_run:
                record.unlink()
        except FileNotFoundError:  # a concurrent clean's
            continue
        except OSError as e:
            done.failed.append((record, e.strerror or str(e)))
            continue
        done.removed.append((record, size))
    return done


def stale_records() -> list[tuple[Path, int]]:
    """The records of ``written/`` that no file answers any more
    (:func:`~wordspace._io.stale_written_records`), with the bytes each takes on disk:
    what :func:`clean` removes there."""
    return [(record, _file_usage(record)) for record in stale_written_records()]


def leftovers() -> list[tuple[Path, int]]:
    """What killed builds left in ``corpora/`` (unclaimed temporaries), with their sizes:
    what :func:`clean` removes besides the encodings."""
    return [(path, size) for path, size, _ in _temporaries(corpora_folder(), dry_run=True)]


def _temporaries(home: Path, dry_run: bool) -> Iterator[tuple[Path, int, str | None]]:
    """The unclaimed temporaries of killed runs in ``home``, each with its size and,
    unless ``dry_run``, removed (or why it could not be)."""
    for path, is_dir in stale_temporaries(home):
        size = disk_usage(path)
        try:
            if not dry_run:
                remove_temporary(path, is_dir, strict=True)
        except OSError as e:
            yield path, size, e.strerror or str(e)
            continue
        yield path, size, None
