"""File helpers: atomic, durable writes that never replace what is not ours, crash
recovery for them, and transparent decompression.

Every file or directory wordspace publishes is first built under a hidden temporary
name beside its destination (``.NAME.<random>.tmp``), flushed to disk (``fsync`` of its
files and of the directory itself), and only then renamed into place, after which the
parent directory is flushed too. A crash or ``kill -9`` at any moment leaves either the
previous version or the new one at the destination, never a mixture.

A temporary is *claimed* by its creator with an advisory lock (``flock``) held until
it is published or removed. The kernel drops the lock when its process dies, however
it dies, so the next run that writes to the same place can tell a killed run's leftover
(unlocked) from another live process's work in progress (locked), and removes only the
former. A temporary is made and claimed under its directory's shared *making* lock
(``flock`` on the directory), so a cleaner that takes that lock exclusively knows no
temporary there is between being made and being claimed: one unclaimed then is a dead
run's, however young.

A replacement keeps the access of what it replaces: the temporary takes the replaced
file's or directory's permission bits and group as it is created, before it holds
anything (see :func:`access_to_keep`), so the content is never more open than before.
"""

from __future__ import annotations

import bz2
import codecs
import contextlib
import ctypes
import errno
import fcntl
import gzip
import hashlib
import io
import json
import logging
import lzma
import os
import re
import resource
import secrets
import shutil
import stat
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import numpy as np

from wordspace._json import parse_json
from wordspace._validate import first_nonfinite_row

logger = logging.getLogger(__name__)

# Magic numbers, so a compressed file is recognised whatever its name. bzip2's "BZh" is
# followed by the block size (a digit 1-9) and the magic of the first block (or, for an
# empty stream, of its end): text that merely starts "BZh" is text.
_MAGIC = ((re.compile(b"\x1f\x8b"), gzip.open),
          (re.compile(b"BZh[1-9](?:\x31\x41\x59\x26\x53\x59|\x17\x72\x45\x38\x50\x90)"),
           bz2.open),
          (re.compile(b"\xfd7zXZ\x00"), lzma.open))
_HEAD_BYTES = 64  # what the magic numbers need, and enough to tell binary from text
#: what reading a truncated or corrupt gzip, bzip2 or xz stream raises (gzip's
#: BadGzipFile and bz2's "invalid data stream" are OSErrors)
DECOMPRESSION_ERRORS = (EOFError, OSError, lzma.LZMAError, zlib.error)

#: a temporary younger than this is never cleaned, even unlocked, where its directory's
#: making lock cannot be had: its creator may be between creating it and locking it
STALE_AFTER_SECONDS = 30.0
#: how long a writer waits for its directory's making lock: a cleaner holds it only
#: while it claims what it found, a few system calls; one held longer is another
#: program's (``flock DIR command``), and the writer goes on without it (cleaners, who
#: cannot take it either, then go by :data:`STALE_AFTER_SECONDS`)
MAKING_WAIT_SECONDS = 1.0


def is_compressed(path: str | os.PathLike) -> bool:
    """Whether ``path`` holds gzip, bzip2 or xz data (told by its magic number, as
    :func:`decompressing_reader` tells it)."""
    with open(path, "rb") as f:
        return _opener(f.read(_HEAD_BYTES), str(path)) is not None


def _opener(head: bytes, name: str = "") -> Callable | None:
    """The opener of the compressed format whose magic number ``head`` starts with; also
    bzip2's for a ``head`` that is no text and starts "BZh" or is of a file ``name``d
    ``.bz2``: a damaged bzip2 header (its block magic, say), which reading reports as
    damaged bzip2, where "binary, not text" would say nothing of what to do."""
    opener = next((opener for magic, opener in _MAGIC if magic.match(head)), None)
    if opener is None and (head.startswith(b"BZh") or name.lower().endswith(".bz2")) \
            and not _looks_like_text(head):
        return bz2.open
    return opener


def is_utf8(data: bytes, final: bool = False) -> bool:
    """Whether ``data`` is valid UTF-8 (``final=False``: the start of such text, perhaps
    cut inside a character at its end, as a file's head is)."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data, final=final)
    except UnicodeDecodeError:
        return False
    return True


def is_pickle(head: bytes) -> bool:
    """Whether ``head``, a file's first bytes, starts a Python pickle of protocol 2 to 5
    (what gensim's ``save()`` writes), which wordspace never unpickles."""
    return head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05")


#: what a file gensim's ``save()`` wrote is, and how to bring its vectors over: said by
#: every loader given one, a word2vec reader and a directory loader alike
GENSIM_PICKLE = "a Python pickle (gensim's model.save() or KeyedVectors.save() write one)"
GENSIM_PICKLE_ADVICE = ("in gensim, write the vectors with "
                        ".wv.save_word2vec_format(path, binary=True) and read that")


def _starts_a_pickle(path: Path) -> bool:
    """Whether ``path`` is a file whose content (decompressed: gensim compresses a name
    ending with ``.gz``) starts a Python pickle; False for what cannot be read."""
    try:
        return path.is_file() and is_pickle(text_head(path, 8))
    except (OSError, ValueError, *DECOMPRESSION_ERRORS):
        return False


def gensim_pickle_beside(path: str | Path) -> Path | None:
    """The pickle that gensim's ``save()`` wrote beside ``path``, a ``.npy`` file it
    wrote with it (a large array goes to ``NAME.ATTRIBUTE.npy`` beside the pickle
    ``NAME``: ``g.model.wv.vectors.npy`` beside ``g.model``); None for any other file."""
    path = Path(path)
    parts = path.name.split(".")
    if len(parts) < 3 or parts[-1] != "npy":
        return None
    for n in range(len(parts) - 2, 0, -1):  # the longest name first: the nearest file
        pickle = path.with_name(".".join(parts[:n]))
        if _starts_a_pickle(pickle):
            return pickle
    return None


def _looks_like_text(head: bytes) -> bool:
    """Whether ``head``, a file's first bytes, could start a UTF-8 text: no NUL byte, no
    invalid sequence (one cut by the head's end aside)."""
    return is_utf8(head) and b"\0" not in head


def text_head(path: str | os.PathLike, size: int = 1 << 16) -> bytes:
    """The first ``size`` bytes of ``path``'s content (decompressed), to tell text from
    binary before reading: no text file holds a NUL byte (UTF-16 text does, which
    wordspace does not read)."""
    with open(path, "rb") as raw:
        return decompressing_reader(raw).read(size)


def lone_cr_ends_lines(path: str | os.PathLike) -> bool:
    """Whether a lone ``\r`` ends a line of ``path`` (old Mac line ends): its head (what
    :func:`text_head` reads) holds a ``\r`` and no ``\n``. In any other file a lone
    ``\r`` is whitespace inside a line, as word2vec.c and gensim read it: a stray one
    must not split its line, shifting the number of every later line (a documents file's
    ids). A damaged compressed file says False: reading it says what is wrong."""
    try:
        head = text_head(path)
    except DECOMPRESSION_ERRORS:
        return False
    return lone_cr_in(head)


def lone_cr_in(head: bytes) -> bool:
    """Whether a file whose :func:`text_head` is ``head`` ends its lines with a lone
    ``\r`` (:func:`lone_cr_ends_lines`), for a caller that has read the head already."""
    return b"\r" in head and b"\n" not in head


def decompressing_reader(raw: IO[bytes]) -> IO[bytes]:
    """Wrap a seekable binary file so that gzip, bzip2 and xz content reads decompressed.

    The format is told by the file's magic number, not its name. The caller owns ``raw``
    (and can ask it how far reading has got); for a plain file the "wrapper" is ``raw``
    itself.
    """
    opener = _opener(raw.read(_HEAD_BYTES), str(getattr(raw, "name", "")))
    raw.seek(0)
    return raw if opener is None else opener(raw, "rb")


# -- access: what a replacement keeps of the replaced path ------------------------------
def access_to_keep(path: str | Path, directory: bool = False) -> os.stat_result | None:
    """What a write to ``path`` replaces, whose permissions and group the new version
    keeps: its ``lstat`` when it is a regular file (a directory, for ``directory``);
    None when nothing is there (a new path's permissions follow the umask), or something
    the write does not replace (a link, a directory for a file, ...)."""
    try:
        info = os.lstat(path)
    except OSError:
        return None
    return info if (stat.S_ISDIR if directory else stat.S_ISREG)(info.st_mode) else None


def _give_access(target: int | Path, old: os.stat_result, mode: int | None = None) -> None:
    """Give ``target`` (a path or descriptor of our own) ``old``'s group, where the user
    may, and the permission bits ``mode`` (by default ``old``'s, setgid included).

    ``chown`` to a group succeeds only for a member of it; otherwise ``target`` keeps the
    user's group, and gets no group access: that was granted to the other group. The
    group goes first: changing it clears a file's setuid and setgid bits."""
    mode = stat.S_IMODE(old.st_mode) if mode is None else mode
    if stat.S_ISDIR(old.st_mode):  # the owner's own runs must list, write and remove it
        mode |= stat.S_IRWXU
    try:
        os.chown(target, -1, old.st_gid)
    except OSError:  # not the user's group to give: the write goes on without it
        mode &= ~stat.S_IRWXG
    try:
        os.chmod(target, mode)
    except OSError as e:  # a file system without permission bits: it stays as made,
        # its owner's alone (temporaries start so), never more open than what it replaces
        logger.warning("%s: its permissions could not be set (%s); it keeps its owner's "
                       "alone", target if isinstance(target, Path) else "a new file", e)


def _settle_access(tmp: Path, path: Path, old: os.stat_result) -> None:
    """Give the directory ``tmp``, built to replace the directory ``path`` (``old``, its
    ``lstat``), the access ``path`` had: an entry that replaces one of the same name and
    kind keeps that one's permissions and group; any other keeps the umask's, less the
    group and other access that ``path`` itself denied (a file in a private directory
    stays private); ``tmp`` then gets ``path``'s. Bottom up: a directory's permissions
    are set once what is in it is done."""
    denied = (stat.S_IRWXG | stat.S_IRWXO) & ~old.st_mode
    for here, dirs, files in os.walk(tmp, topdown=False):
        for name in files + dirs:
            entry = Path(here, name)
            info = os.lstat(entry)
            if stat.S_ISLNK(info.st_mode):  # chmod would follow it
                continue
            namesake = access_to_keep(path / entry.relative_to(tmp),
                                      directory=stat.S_ISDIR(info.st_mode))
            if namesake is not None:
                _give_access(entry, namesake)
            else:
                os.chmod(entry, stat.S_IMODE(info.st_mode) & ~denied)
    _give_access(tmp, old)


# -- claims: temporaries locked by their creator ----------------------------------------
def _claim(path: Path) -> int:
    """Open ``path`` (a file or directory) and take its lock; return the fd. A shared
    lock is claim enough (a cleaner's exclusive one is refused all the same), and lets
    its creator make temporaries inside it under the making lock, shared too."""
    fd = os.open(path, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_SH)
    return fd


def _try_claim(path: Path, flags: int = os.O_NOFOLLOW) -> int | None:
    """The fd of ``path`` locked exclusively, or None if another process holds it (or it
    is gone, or cannot be opened with ``flags``)."""
    try:
        fd = os.open(path, os.O_RDONLY | flags)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def _claimed_whole(fd: int) -> bool:
    """Whether the temporary just made and claimed as ``fd`` is still there: a cleaner
    that found it before the claim (its maker waited past :data:`MAKING_WAIT_SECONDS`
    for the making lock, or was an older wordspace, which takes none) may have removed
    it, and then it has no name left. If so, ``fd`` is closed, to make another."""
    if os.fstat(fd).st_nlink > 0:
        return True
    os.close(fd)
    return False


@contextlib.contextmanager
def _making(directory: Path) -> Iterator[None]:
    """Hold ``directory``'s making lock (shared) while a temporary is made there and
    claimed, so that no cleaner takes it for a dead run's in between (see
    :func:`stale_temporaries`). Never waits long: see :data:`MAKING_WAIT_SECONDS`."""
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:  # no lock to take: cleaners go by age
        fd = None
    try:
        deadline = time.monotonic() + MAKING_WAIT_SECONDS
        while fd is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    break
                time.sleep(0.005)
            except OSError:  # a file system without flock: cleaners go by age
                break
        yield
    finally:
        if fd is not None:
            os.close(fd)


class LockHeld(OSError):
    """An :func:`exclusive_lock` held by another process (``pid``: its id, None if it
    has not written it yet)."""

    def __init__(self, path: Path, pid: int | None):
        super().__init__(errno.EWOULDBLOCK, f"{path} is locked by process {pid}")
        self.pid = pid


@contextlib.contextmanager
def exclusive_lock(path: Path, *, wait: bool = True,
                   waiting: Callable[[int | None], None] | None = None) -> Iterator[None]:
    """Hold the exclusive advisory lock (``flock``) of the file ``path`` (made if missing;
    it holds the holder's process id) for the duration. The kernel drops it when its
    process dies, however it dies: a killed holder leaves no stale lock. Held by another
    process: wait for it (``waiting(pid)`` is called first), or, not ``wait``, raise
    :class:`LockHeld`. Where none can be taken (a read-only place, a file system
    without ``flock``), the duration goes without one."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        fd = None
    try:
        if fd is not None and _lock(fd, path, wait, waiting):
            try:  # the pid only names the holder to another process: the lock is held
                os.ftruncate(fd, 0)
                os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            except OSError:
                pass
        yield
    finally:
        if fd is not None:
            os.close(fd)  # the lock goes with it


def _lock(fd: int, path: Path, wait: bool,
          waiting: Callable[[int | None], None] | None) -> bool:
    """Take :func:`exclusive_lock`'s lock on ``fd``; False where ``flock`` is not to be
    had on its file system."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        try:
            pid = int(os.pread(fd, 32, 0))
        except (OSError, ValueError):  # the holder has not written it yet
            pid = None
        if not wait:
            raise LockHeld(path, pid) from None
        if waiting is not None:
            waiting(pid)
    except OSError:
        return False
    fcntl.flock(fd, fcntl.LOCK_EX)
    return True


def name_max(directory: str | Path) -> int:
    """The longest name, in bytes, the file system of ``directory`` takes
    (``PC_NAME_MAX``; Linux's 255 where it does not say)."""
    try:
        limit = os.pathconf(directory, "PC_NAME_MAX")
    except (OSError, ValueError):
        return 255
    return limit if limit > 0 else 255


#: the most a temporary's name adds to the name it stands for: ``.NAME.old.<8 hex>.tmp``
_TEMPORARY_EXTRA = len("..old.") + 8 + len(".tmp")
#: the bytes of a long name a shortened temporary's name keeps, for a person to read
_SHORT_HEAD = 48


def _stem(directory: Path, name: str) -> str:
    """What the temporaries of ``name`` in ``directory`` are named after: ``name``, or,
    where their names would be longer than its file system takes, the start of ``name``
    and a hash of all of it (``START~<16 hex>``): any name that can be created can be
    written, and every temporary of one name has one stem, by which cleaning finds it."""
    encoded = os.fsencode(name)
    if len(encoded) + _TEMPORARY_EXTRA <= name_max(directory):
        return name
    head, size = "", 0
    for char in name:  # whole characters, at most _SHORT_HEAD bytes of them
        size += len(os.fsencode(char))
        if size > _SHORT_HEAD:
            break
        head += char
    return f"{head}~{hashlib.blake2b(encoded, digest_size=8).hexdigest()}"


def _temporary_name(directory: Path, name: str, tag: str = "") -> Path:
    return directory / f".{_stem(directory, name)}.{tag}{secrets.token_hex(4)}.tmp"


def _temporaries(directory: Path, name: str | None, tags: str = "(?:old\\.|bad\\.)?"
                 ) -> list[Path]:
    """The entries of ``directory`` named exactly as :func:`_temporary_name` names the
    temporaries of ``name`` (of any name when None): never a user's own hidden file that
    merely looks alike."""
    # a long name's whole name too: earlier versions used it wherever it fitted
    stem = ".+" if name is None else "|".join(map(re.escape, {name, _stem(directory, name)}))
    shape = re.compile(rf"\.(?:{stem})\.{tags}[0-9a-f]{{8}}\.tmp")
    try:
        return sorted(directory / entry for entry in os.listdir(directory)
                      if shape.fullmatch(entry))
    except OSError:
        return []


def temporary_file(directory: Path, name: str, like: os.stat_result | None = None
                   ) -> tuple[int, Path]:
    """Create a new, uniquely named file beside ``name`` in ``directory``, claimed (locked)
    until its descriptor is closed; return the descriptor and path. Its permissions follow
    the umask like any new file's, or, given ``like`` (the :func:`access_to_keep` of the
    file it will replace), are that file's, and its group too, before a byte is in it."""
    with _making(directory):
        while True:
            path = _temporary_name(directory, name)
            try:
                fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY,
                             0o666 if like is None else stat.S_IRUSR | stat.S_IWUSR)
            except FileExistsError:
                continue
            fcntl.flock(fd, fcntl.LOCK_EX)
            if _claimed_whole(fd):
                break
    if like is not None:
        try:
            _give_access(fd, like)
        except BaseException:
            os.close(fd)
            os.unlink(path)
            raise
    return fd, path


def temporary_directory(directory: Path, name: str, tag: str = "", mode: int = 0o777,
                        like: os.stat_result | None = None) -> tuple[Path, int]:
    """Create a new, uniquely named directory beside ``name`` (``mode`` less the umask),
    claimed until the returned descriptor is closed. Given ``like`` (the
    :func:`access_to_keep` of a directory it will replace), it takes that one's group
    and setgid bit, and stays its owner's alone while it is built, until
    :func:`_settle_access` opens it as the replaced one was."""
    with _making(directory):
        while True:
            path = _temporary_name(directory, name, tag)
            try:
                os.mkdir(path, mode if like is None else stat.S_IRWXU)
            except FileExistsError:
                continue
            try:
                fd = _claim(path)
            except FileNotFoundError:  # a cleaner took it before the claim: another
                continue
            if _claimed_whole(fd):
                break
    if like is not None:
        try:  # setgid kept: what is made in it takes the group, as it would in path
            _give_access(fd, like, stat.S_IRWXU | (like.st_mode & stat.S_ISGID))
        except BaseException:
            os.close(fd)
            os.rmdir(path)
            raise
    return path, fd


def stale_temporaries(directory: str | Path, name: str | None = None
                      ) -> Iterator[tuple[Path, bool]]:
    """The temporaries of killed runs in ``directory``: those of ``name``
    (``.NAME.<8 hex digits>.tmp``, as wordspace names them), or of any name when ``name``
    is None, each with whether it is a directory, claimed until the caller is done with
    them (removes them, or only reports them). A temporary that another process still
    claims is left out, as is a link. So is one younger than
    :data:`STALE_AFTER_SECONDS` unless the directory's making lock is taken: where no
    temporary is being made, an unclaimed one is a dead run's, however young (a run
    killed and resumed within seconds left it)."""
    directory = Path(directory)
    found = _temporaries(directory, name)  # listed first: the lock is held briefly
    with contextlib.ExitStack() as claims:
        stale = []
        with contextlib.ExitStack() as making_lock:
            fd = _try_claim(directory, os.O_DIRECTORY) if found else None
            nobody_making = fd is not None
            if nobody_making:
                making_lock.callback(os.close, fd)
            now = time.time()
            for path in found:
                try:
                    info = path.lstat()
                except OSError:
                    continue
                young = now - info.st_mtime < STALE_AFTER_SECONDS
                if stat.S_ISLNK(info.st_mode) or (young and not nobody_making):
                    continue
                fd = _try_claim(path)
                if fd is not None:
                    claims.callback(os.close, fd)
                    stale.append((path, stat.S_ISDIR(info.st_mode)))
        for path, is_dir in stale:  # the making lock released: a removal blocks no writer
            yield path, is_dir


def clean_stale_temporaries(directory: str | Path, name: str | None = None) -> list[Path]:
    """Remove the temporaries of killed runs in ``directory`` (those
    :func:`stale_temporaries` finds). Returns what was removed."""
    removed = []
    for path, is_dir in stale_temporaries(directory, name):
        remove_temporary(path, is_dir)
        removed.append(path)
    return removed


def remove_temporary(path: Path, is_dir: bool, strict: bool = False) -> None:
    """Remove a temporary :func:`stale_temporaries` found (a folder or a file);
    ``strict``: a failure raises ``OSError``, where otherwise what is left stays."""
    if is_dir:
        shutil.rmtree(path, ignore_errors=not strict)
    else:
        path.unlink(missing_ok=not strict)


# -- durability ---------------------------------------------------------------------------
def fsync_directory(path: str | Path) -> None:
    """Flush a directory's entries (new names, renames) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(root: str | Path) -> None:
    """Flush every file under ``root`` and every directory, ``root`` last, to disk."""
    root = Path(root)
    for here, _dirs, files in os.walk(root, topdown=False):
        for name in files:
            fd = os.open(os.path.join(here, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fsync_directory(here)


# -- publishing ---------------------------------------------------------------------------
_RENAME_EXCHANGE = 2
_ASIDE = "previous"  # where a two-rename swap keeps the old version, inside its claim
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2(RENAME_EXCHANGE)``); False where the
    platform or file system cannot."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def recover_interrupted_swap(path: str | Path) -> bool:
    """If a replacement of directory ``path`` was killed between its two renames (only on
    platforms without an atomic exchange), put the previous version back. Returns whether
    it did."""
    path = Path(path)
    if path.exists() or path.is_symlink():
        return False
    for aside in _temporaries(path.parent, path.name, tags="old\\."):
        fd = _try_claim(aside)  # None: a live save is between its renames
        if fd is None:
            continue
        try:
            os.rename(aside / _ASIDE, path)
        except OSError:
            continue
        finally:
            os.close(fd)
        fsync_directory(path.parent)
        return True
    return False


def _replace_directory(tmp: Path, path: Path) -> None:
    """Put the complete directory ``tmp`` at ``path``, replacing what is there: at every
    instant one complete version is at ``path`` (or, without an atomic exchange, the
    next :func:`recover_interrupted_swap` restores the old one)."""
    if not path.exists():
        try:
            os.rename(tmp, path)
            return
        except OSError as e:
            if e.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                raise
    if _exchange(tmp, path):
        shutil.rmtree(tmp, ignore_errors=True)  # now the old version
        return
    # The old version goes *into* a claimed directory, whose lock (unlike a lock on
    # something the rename replaces) stays held until both renames are done.
    aside, aside_fd = temporary_directory(path.parent, path.name, tag="old.")
    try:
        os.replace(path, aside / _ASIDE)
        try:
            os.replace(tmp, path)
        except BaseException:
            os.replace(aside / _ASIDE, path)
            raise
    finally:
        os.close(aside_fd)
        shutil.rmtree(aside, ignore_errors=True)


class NameTooLongError(OSError):
    """A path refused before any work: a name in it is longer than its file system
    takes (``limit`` bytes)."""

    def __init__(self, message: str, limit: int):
        super().__init__(message)
        self.errno, self.limit = errno.ENAMETOOLONG, limit


def nearest_existing(path: Path) -> Path:
    """``path`` if it is there, else its nearest ancestor that is: where something made
    at ``path`` would be made (a name too long to look up counts as not there)."""
    place = path
    while place != place.parent:
        try:
            if place.exists():
                break
        except OSError:  # a name too long to look up: not there
            pass
        place = place.parent
    return place


def check_room(path: Path, least: int, what: str, floor: str = "") -> None:
    """Refuse, before the work, a device with less free space than ``least`` bytes where
    ``path`` is to be written (``what`` it is, and ``floor``, what ``least`` counts, for
    the message): found by the write, it cost the work. Where the free space cannot be
    read, the write says what it meets."""
    try:
        free = shutil.disk_usage(nearest_existing(path)).free
    except OSError:
        return
    if free < least:
        raise OSError(f"{path}: writing {what} needs at least {least / 2**20:,.1f} MiB"
                      f"{floor} and {free / 2**20:,.1f} MiB is free on its device: free some "
                      "space, or write it elsewhere; nothing was trained")


def check_file_size_limit(path: Path, largest: int, what: str) -> None:
    """Refuse, before the work, a file size limit (``ulimit -f``) lower than ``largest``
    bytes, the size of the largest file (``what``, for the message) to be written at
    ``path``: found by the write, it cost the work."""
    limit = _file_size_limit()
    if limit is not None and largest > limit:
        raise OSError(f"{path}: {what} will be a file of {largest:,} bytes, over the file "
                      f"size limit of {limit:,} bytes (ulimit -f): raise it (ulimit -f "
                      "unlimited), or train a smaller model; nothing was trained")


def check_name_lengths(path: str | Path) -> None:
    """Refuse, before any work, a path holding a name longer than the file system it
    would be made on takes (that of its nearest existing ancestor):
    :class:`NameTooLongError` naming the limit, the longest name allowed. Found only
    when the work is written, it cost the work (and said ``[Errno 36]`` of a temporary
    the user never named)."""
    path = Path(path).absolute()
    place = nearest_existing(path.parent)
    limit = name_max(place)
    for part in path.relative_to(place).parts:
        size = len(os.fsencode(part))
        if size > limit:
            shown = part if len(part) <= 40 else f"{part[:20]}...{part[-12:]}"
            raise NameTooLongError(f"{shown} cannot be created in {place}: its name is "
                                   f"{size:,} bytes long, and that file system takes names "
                                   f"of at most {limit} bytes: choose a name of at most "
                                   f"{limit} bytes", limit)


def check_writable_place(path: str | Path) -> None:
    """Refuse, before any work, a path that could not be created: its nearest existing
    ancestor must be a directory that takes a new file (tried, not guessed from the
    permission bits, which say nothing of read-only or special file systems)."""
    path = Path(path).absolute()
    place = nearest_existing(path.parent)
    if not place.is_dir():
        raise NotADirectoryError(f"{path} cannot be created: {place} is a file, not a "
                                 "directory")
    try:
        with tempfile.TemporaryFile(dir=place):
            pass
    except OSError as e:
        raise PermissionError(f"{path} cannot be written: {place} takes no new file "
                              f"({e.strerror or e})") from None


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether the paths ``a`` and ``b`` name one file, however spelt: through ``..``,
    a symbolic link or a hard link (or, for paths not there yet, one path once
    resolved)."""
    a, b = Path(a), Path(b)
    try:
        if a.exists() and b.exists():
            return a.samefile(b)
    except OSError:
        pass
    return a.resolve() == b.resolve()


#: what to do about a path refused by :func:`check_replaceable_file`, said to a caller
#: who chose the name
MOVE_ADVICE = "choose another name, or move it away"


def check_replaceable_file(path: str | Path, what: str, ours: Callable[[Path], bool],
                           advice: str = MOVE_ADVICE) -> Path:
    """Refuse, before any work, a place where wordspace may not write the file ``what``
    (e.g. "a word2vec file"): a link, a directory, an existing file ``ours`` does not
    recognise (an empty one holds nothing to lose: replaced), a place that takes no
    file; ``FileExistsError`` (``OSError`` for the last) saying what to do
    (``advice``). Returns ``path``."""
    path = Path(path)
    check_name_lengths(path)
    if path.is_symlink():
        raise FileExistsError(f"{path} is a symbolic link; wordspace writes nothing through "
                              f"a link: {advice}")
    if path.is_dir():
        raise FileExistsError(f"{path} is a directory, not {what}: {advice}")
    if path.exists() and not path.is_file():  # reading it to recognise it would block
        raise FileExistsError(f"{path} is not a regular file (a pipe, a socket or a "
                              f"device), not {what}: {advice}")
    if _someone_elses(path, ours):  # a regular file by now: the rule atomic_write's too
        raise FileExistsError(f"{path} exists and is not {what}: wordspace never replaces "
                              f"it; {advice}")
    check_writable_place(path)
    return path


def missing_mark(path: str | Path, marker: str, missing: str) -> str:
    """Why ``path`` is not recognised, for :func:`check_replaceable`'s message: ``missing``
    (e.g. "no config.json naming a model"), or, when its ``marker`` file is there, that it
    cannot be read as wordspace's (damaged, or another tool's file of that name)."""
    try:
        marked = (Path(path) / marker).is_file()
    except OSError:  # a name too long to look up: check_replaceable says so
        marked = False
    return f"its {marker} is damaged or not wordspace's" if marked else missing


def how_to_load(path: str | Path) -> str:
    """What ``path`` holds, said with the call that loads it, for a loader that found
    something else there (``Vectors.load`` given a word2vec file, say), or that nothing
    is; "" when what is there is nothing wordspace reads."""
    path = Path(path)
    if not path.exists():
        return ": nothing is there"
    if path.is_file():
        from wordspace.fasttext_format import is_fasttext_file
        from wordspace.word2vec_format import is_word2vec_file

        if is_fasttext_file(path):
            return ("; it is a fastText .bin model: FastText.load_facebook_model(path) "
                    "loads it, FastText.load_facebook_vectors(path) its word vectors")
        if is_word2vec_file(path, headerless=True):
            return ("; it is a word2vec file (text or binary, fastText's .vec, GloVe's): "
                    "Vectors.load_word2vec_format(path) loads it")
        read_that = f"{GENSIM_PICKLE_ADVICE} with Vectors.load_word2vec_format(path)"
        if _starts_a_pickle(path):
            return f"; it is {GENSIM_PICKLE}, which wordspace never unpickles: {read_that}"
        pickle = gensim_pickle_beside(path)
        if pickle is not None:
            return (f"; it is an array gensim's save() wrote beside {pickle.name}, "
                    f"{GENSIM_PICKLE}, which wordspace never unpickles: {read_that}")
        return ""
    if (path / "config.json").is_file():
        return ("; it is a model directory: wordspace.load_model(path) loads it, "
                "load_model(path).vectors its vectors")
    if (path / "vectors.json").is_file():
        return "; it is a vectors directory: Vectors.load(path) loads it"
    return ""


def reads(read: Callable[[Path], object], path: str | Path) -> bool:
    """Whether ``read(path)`` succeeds: ``path`` is what that reader recognises (an
    ``OSError`` or ``ValueError`` says it is not)."""
    try:
        read(Path(path))
    except (OSError, ValueError):
        return False
    return True


def check_replaceable(path: str | Path, what: str, ours: Callable[[Path], bool],
                      mark: str, advice: str, holds: Callable[[Path], bool] | None = None
                      ) -> None:
    """Refuse, before any work, a place where wordspace may not write ``what`` (e.g. "a
    wordspace model directory"): only a new path, an empty directory or a directory
    ``ours`` recognises (``mark`` says how, for the message) is ever replaced, and that
    one only when every entry in it is one ``holds`` recognises (what replacing it would
    delete). A file, a directory of other files, a symbolic link, the current directory,
    one of its parents or the home directory raises ``FileExistsError`` saying what to do
    (``advice``); a place that cannot be written, ``OSError`` saying why."""
    path = Path(path)
    check_name_lengths(path)
    if path.is_symlink():
        raise FileExistsError(f"{path} is a symbolic link; wordspace writes nothing through "
                              f"a link: {advice}")
    check_writable_place(path)
    if not path.exists():
        return
    if not path.is_dir():
        raise FileExistsError(f"{path} is an existing file, not {what}: {advice}")
    resolved, cwd = path.resolve(), Path.cwd().resolve()
    if resolved == cwd or resolved in cwd.parents or resolved == Path.home().resolve():
        raise FileExistsError(f"{path} is the current directory, one of its parents or "
                              f"your home directory, never replaced by {what} ({advice})")
    if os.path.ismount(path):  # a container's volume: renaming over it fails (EBUSY),
        # which would be found only when the finished work is published
        raise FileExistsError(f"{path} is a mount point, which cannot be replaced: write "
                              f"{what} to a new path inside it ({path / 'NAME'})")
    if ours(path):
        others = [] if holds is None else sorted(e.name + "/" * e.is_dir()
                                                 for e in path.iterdir() if not holds(e))
        if not others:
            return
        shown = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5
                                          else "")
        raise FileExistsError(f"{path} is {what}, and also holds {shown}, which replacing "
                              f"it would delete: move them out of it first, or {advice}")
    if not any(path.iterdir()):
        return
    raise FileExistsError(f"{path} exists and is not {what} ({mark}): wordspace never "
                          f"replaces it; {advice}")


@contextlib.contextmanager
def atomic_directory(path: str | Path, *, replace: bool = True, private: bool = False
                     ) -> Iterator[Path]:
    """Build a directory under a temporary name and publish it at ``path`` on success.

    Its files and the directory are flushed to disk before the rename. ``replace=True``
    swaps out an existing directory atomically (the caller checks that it may);
    ``replace=False`` publishes only if nothing is at ``path`` yet, and otherwise throws
    the new directory away (another process published the same content first: a
    write-once cache). Leftovers of killed runs beside ``path`` are removed first. A
    directory it replaces gives the new one its access; a new one follows the umask,
    or, ``private``, is its owner's alone (``0o700``: what only the owner's runs read).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    recover_interrupted_swap(path)
    clean_stale_temporaries(path.parent, path.name)
    old = access_to_keep(path, directory=True) if replace else None
    tmp, fd = temporary_directory(path.parent, path.name, like=old,
                                  mode=stat.S_IRWXU if private else 0o777)
    try:
        with _said_of(path, tmp):
            yield tmp
        if old is not None:  # before the swap: never a moment more open than before
            _settle_access(tmp, path, old)
        fsync_tree(tmp)
        if replace:
            _replace_directory(tmp, path)
        else:
            try:
                os.rename(tmp, path)
            except OSError as e:
                if e.errno not in (errno.ENOTEMPTY, errno.EEXIST, errno.EISDIR):
                    raise
        fsync_directory(path.parent)
    finally:
        os.close(fd)
        shutil.rmtree(tmp, ignore_errors=True)  # nothing left once published


def _file_size_limit() -> int | None:
    """The most bytes this process may write to a file (``ulimit -f``), or None."""
    soft, _ = resource.getrlimit(resource.RLIMIT_FSIZE)
    return None if soft == resource.RLIM_INFINITY else soft


def _cut_at_limit(path: Path, tmp: Path | None, limit: int | None) -> Path | None:
    """The file of ``path`` (built at ``tmp``: its temporary file, or directory) that the
    file size limit ``limit`` cut short, told by its size, the limit's: the write that
    got there fails (``EFBIG``; Python ignores ``SIGXFSZ``), or stops short (numpy's
    "N requested and M written"). None without a limit or such a file."""
    if limit is None or tmp is None:
        return None
    try:
        if tmp.is_file():
            return path if tmp.stat().st_size >= limit else None
        for here, _dirs, files in os.walk(tmp):
            for name in files:
                file = Path(here, name)
                if file.lstat().st_size >= limit:
                    return path / file.relative_to(tmp)
    except OSError:  # published or removed meanwhile
        pass
    return None


#: numpy's word for a write cut short, which gives no errno
_SHORT_WRITE = re.compile(r"\d+ requested and \d+ written")


@contextlib.contextmanager
def _said_of(path: Path, tmp: Path | None = None) -> Iterator[None]:
    """A write's ``OSError`` that names no file, said of the file at fault (``path``, or
    one in the directory ``path``, built at ``tmp``, that the file size limit cut short)
    and of why: the file size limit (``ulimit -f``), a file larger than its file system
    takes, or a full device, where numpy's "N requested and M written" says none."""
    try:
        yield
    except OSError as e:
        if e.filename is not None and e.errno not in (errno.ENOSPC, errno.EFBIG):
            raise
        limit = _file_size_limit()
        cut = _cut_at_limit(path, tmp, limit)
        try:
            free = shutil.disk_usage(path.parent).free
        except OSError:
            free = None
        low = free is not None and free < 1 << 20
        if cut is not None:
            code, said = errno.EFBIG, (f"{cut} could not be written: it reached the file "
                                       f"size limit of {limit:,} bytes (ulimit -f): raise "
                                       "it (ulimit -f unlimited) and run again")
        elif e.errno == errno.EFBIG:
            either = " or the file size limit (ulimit -f)" if limit else ""
            what = "a file of it" if tmp is not None and tmp.is_dir() else "it"
            code, said = errno.EFBIG, (f"{path} could not be written: {what} is larger than "
                                       f"its file system{either} allows (FAT32 holds "
                                       "files of at most 4 GiB): write it to another file "
                                       "system")
        elif e.errno == errno.ENOSPC or low:
            left = f" ({free:,} bytes free)" if low else ""
            code, said = errno.ENOSPC, (f"{path} could not be written: no space left on "
                                        f"its device{left}")
        else:
            why = (": cut short, by a full device or a file size limit (ulimit -f) most "
                   "likely" if _SHORT_WRITE.search(str(e)) else "")
            code, said = e.errno, f"{path} could not be written ({e}{why})"
        error = OSError(f"{said}; nothing was replaced")
        error.errno = code  # for callers that tell causes apart (a quota's EDQUOT)
        raise error from e


#: compressors by file-name suffix, chosen as gensim (smart_open) chooses them, writing
#: into an open binary file that they leave open
_COMPRESSORS: dict[str, Callable[[IO[bytes], Path], IO[bytes]]] = {
    ".gz": lambda f, path: gzip.GzipFile(filename=path.stem, mode="wb", fileobj=f,
                                         compresslevel=6),  # zlib's default: 9 is slow
    ".bz2": lambda f, path: bz2.BZ2File(f, "wb"),
    ".xz": lambda f, path: lzma.LZMAFile(f, "wb"),  # noqa: SIM115 -- _compressing closes
}


def compressed_suffix(path: str | Path) -> str | None:
    """The suffix (``.gz``, ``.bz2``, ``.xz``) by which :func:`atomic_write` compresses
    ``path`` when asked to, or None."""
    suffix = Path(path).suffix.lower()
    return suffix if suffix in _COMPRESSORS else None


@contextlib.contextmanager
def _compressing(raw: IO[bytes], path: Path, mode: str, compress: bool) -> Iterator[IO]:
    """``raw`` as the caller writes to it: through a compressor chosen by ``path``'s
    suffix (``compress``) and a UTF-8 text layer (``mode`` without "b"), each finished
    on success, ``raw`` left open to be flushed."""
    suffix = compressed_suffix(path) if compress else None
    stream = raw if suffix is None else _COMPRESSORS[suffix](raw, path)
    text = None if "b" in mode else io.TextIOWrapper(stream, encoding="utf-8")
    try:
        yield stream if text is None else text
        if text is not None:
            text.detach()  # flushed into stream, which stays open
            text = None
        if stream is not raw:
            stream.close()  # the compressed stream's end, written to raw
    finally:
        with contextlib.suppress(ValueError, OSError):  # after a failure: nothing to keep
            if text is not None:
                text.detach()
            if stream is not raw:
                stream.close()


@contextlib.contextmanager
def atomic_write(path: str | Path, mode: str = "wb", *, compress: bool = False,
                 like: str | Path | None = None,
                 replaces: Callable[[Path], bool] | None = None) -> Iterator[IO]:
    """Write to a temporary file beside ``path`` and rename it into place on success.

    An exception leaves the previous file (or no file), never a half-written one; the
    data and the directory entry are flushed to disk, so a crash cannot either.
    Leftovers of killed writes to ``path`` are removed first. A directory at ``path`` is
    refused before anything is written. ``compress=True`` compresses what is written
    (into the temporary file) when the name ends with ``.gz``, ``.bz2`` or ``.xz``. The
    file keeps the permissions and group of the file it replaces; a new one takes those
    of the file ``like``, if given (one it belongs with), or else follows the umask.
    ``replaces``, for a file whose text says nothing of whose it is (a phrased corpus):
    what it may replace when the rename comes; a non-empty file there that it does not
    recognise (written there meanwhile) is left as it is, and what was written is
    dropped (``FileExistsError``).
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a directory: give the path of a file to write")
    path.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_temporaries(path.parent, path.name)
    keep = access_to_keep(path) or (None if like is None else access_to_keep(like))
    fd, tmp = temporary_file(path.parent, path.name, like=keep)
    raw = os.fdopen(fd, "wb")
    try:
        with _said_of(path, tmp):
            with _compressing(raw, path, mode, compress) as f:
                yield f
            raw.flush()
            os.fsync(raw.fileno())
        if replaces is not None and _someone_elses(path, replaces):
            raise FileExistsError(f"{path} was written to while wordspace wrote it: what "
                                  "is there is left as it is; write to another file")
        with _said_of(path, tmp):
            os.replace(tmp, path)  # while the claim is still held
            raw.close()
        fsync_directory(path.parent)
    except BaseException:
        # what the file still buffers goes with it: flushing it on close would fail
        # again (a full device) and hide the error that says which file and why
        with contextlib.suppress(OSError):
            raw.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _someone_elses(path: Path, ours: Callable[[Path], bool]) -> bool:
    """Whether the file ``path`` holds something to lose that ``ours`` does not recognise
    (an empty one holds nothing: mkstemp's, a pipeline's placeholder)."""
    try:
        return path.stat().st_size > 0 and not ours(path)
    except FileNotFoundError:
        return False


@contextlib.contextmanager
def scratch_directory() -> Iterator[Path]:
    """A private, claimed scratch directory in the system's temporary folder, removed on
    exit; scratch directories of killed runs (unclaimed) are removed first."""
    root = Path(tempfile.gettempdir())
    clean_stale_temporaries(root, "wordspace-scratch")
    path, fd = temporary_directory(root, "wordspace-scratch", mode=0o700)  # a shared /tmp
    try:
        yield path
    finally:
        os.close(fd)
        shutil.rmtree(path, ignore_errors=True)


def load_npy(file: Path, *, whole: str, mmap: bool = False,
             missing: type[Exception] = FileNotFoundError):
    """The array in ``file``, a plain ``.npy`` (never a pickle), or an error naming the
    file: ``missing`` when it is absent (``whole``, what it belongs to, is then
    incomplete), ``ValueError`` when it cannot be read. Callers check dtype and shape."""
    try:
        return np.load(file, mmap_mode="r" if mmap else None, allow_pickle=False)
    except FileNotFoundError:
        raise missing(f"{file} is missing: {whole} is incomplete") from None
    except (OSError, ValueError, EOFError) as e:
        raise ValueError(f"{file}: not a readable .npy array ({e})") from None


def load_matrix(file: Path, mmap: bool = False, whole: str = "the model directory"
                ) -> np.ndarray:
    """A saved parameter array, refused unless it is a plain ``.npy`` of real numbers
    (float32 or float64, read as float32) with every value finite; ``whole``, what the
    file belongs to, for the messages."""
    array = load_npy(file, whole=whole, mmap=mmap)
    if not isinstance(array, np.ndarray) or array.dtype not in (np.float32, np.float64):
        raise ValueError(f"{file}: expected float32 numbers, found "
                         f"{getattr(array, 'dtype', type(array).__name__)}")
    if array.ndim == 0:
        raise ValueError(f"{file}: expected a matrix or a vector, found a single number")
    row = first_nonfinite_row(array)
    if row is not None:
        raise ValueError(f"{file}: holds non-finite values (NaN or inf), the first in row "
                         f"{row}; {whole} is damaged")
    if array.dtype != np.float32:
        array = array.astype(np.float32)
    return array


def check_shape(file: Path, array: np.ndarray, shape: tuple[int | None, ...],
                whole: str = "the model directory") -> None:
    """Refuse an array whose shape is not ``shape`` (None matches any length); ``whole``,
    what the file belongs to, for the message."""
    if array.ndim != len(shape) or any(
            want is not None and got != want for got, want in zip(array.shape, shape,
                                                                   strict=True)):
        wanted = " x ".join("any" if n is None else str(n) for n in shape)
        raise ValueError(f"{file}: expected shape {wanted}, found "
                         f"{' x '.join(map(str, array.shape))}; {whole} is damaged or its "
                         "files come from different saves")


def cache_home() -> Path:
    """Root of wordspace's caches: ``$WORDSPACE_HOME`` or, where it is unset or empty
    (an empty value would be the current directory), ``~/.cache/wordspace``."""
    value = os.environ.get("WORDSPACE_HOME")
    return Path(value).expanduser() if value else Path.home() / ".cache" / "wordspace"


# -- files -------------------------------------------------------------------------------------
#: a fingerprint hashes this much of each file's start and end
FINGERPRINT_BYTES = 1 << 20


def file_fingerprint(path: Path, info: os.stat_result | None = None) -> list:
    """What tells a file from another and from itself changed, without reading it all
    (the corpus cache's key, what wordspace wrote): its path, size, times (``ctime``
    changes on any write, even one whose ``mtime`` was put back) and a hash of its first
    and last :data:`FINGERPRINT_BYTES` (for file systems whose times cannot be trusted).
    ``info``: its ``stat`` taken before (else taken here)."""
    info = os.stat(path) if info is None else info
    return [str(path.resolve()), info.st_size, info.st_mtime_ns, info.st_ctime_ns,
            head_and_tail_hash(path, info.st_size)]


def head_and_tail_hash(path: Path, size: int) -> str:
    """SHA-1 of the first and last :data:`FINGERPRINT_BYTES` of the file ``path`` of
    ``size`` bytes: cheap whatever the size, and differs for most edits and copies of
    other text (a shuffled copy of the same size included)."""
    digest = hashlib.sha1()
    with open(path, "rb") as f:
        digest.update(f.read(FINGERPRINT_BYTES))
        if size > FINGERPRINT_BYTES:
            f.seek(max(FINGERPRINT_BYTES, size - FINGERPRINT_BYTES))
            digest.update(f.read(FINGERPRINT_BYTES))
    return digest.hexdigest()


def written_records() -> Path:
    """Where wordspace remembers the files it wrote whose text holds no mark of it (a
    phrased corpus): ``$WORDSPACE_HOME/written``, a record a file, named by a digest of
    the file's path (:data:`_RECORD_NAME`)."""
    return cache_home() / "written"


#: how :func:`_written_record` names a record: 32 hex digits (a 16-byte digest of the
#: path) and ``.json``; nothing else in ``written/`` is wordspace's to remove
_RECORD_NAME = re.compile(r"[0-9a-f]{32}\.json")


def path_key(path: str | Path) -> str:
    """32 hex digits naming ``path`` however it is spelt (a digest of its resolved form;
    a name of bytes that are not UTF-8 included): what names wordspace's record or lock
    of a user's file under :func:`cache_home`."""
    resolved = str(Path(path).resolve()).encode("utf-8", "surrogateescape")
    return hashlib.blake2b(resolved, digest_size=16).hexdigest()


def _written_record(path: Path) -> Path:
    return written_records() / f"{path_key(path)}.json"


#: the kind of record (:func:`remember_writing`) of a file ``wordspace export`` wrote,
#: whatever its format: one export may replace another
EXPORT = "export"


def remember_writing(path: str | Path, kind: str) -> None:
    """Record ``path`` as written by wordspace, as it is now (its
    :func:`file_fingerprint`), and as what: ``kind`` ("word2vec", "phrased corpus"...),
    so that a rerun writing that kind may replace it (:func:`wrote_it`), and a command
    writing another kind may not (an export over a phrased corpus)."""
    path = Path(path)
    try:
        with atomic_write(_written_record(path), "w") as f:
            f.write(json.dumps([*file_fingerprint(path), kind]))
    except OSError as e:  # the file is whole: only its replacement by a rerun is lost
        logger.warning("%s is written, but wordspace could not record it as its own (%s): "
                       "a rerun will not replace it", path, e)


def wrote_it(path: str | Path, kind: str) -> bool:
    """Whether wordspace wrote ``path`` as ``kind`` (:func:`remember_writing`) and
    nothing changed it since: its record is the file as it is (another file of that
    name, or one written to, edited or even chmod-ed since, is not). A record of no kind
    (written before kinds were kept) answers no kind."""
    path = Path(path)
    try:
        return parse_json(_written_record(path).read_bytes()) == [
            *file_fingerprint(path), kind]
    except (OSError, ValueError):
        return False


def written_as(kind: str) -> Callable[[Path], bool]:
    """:func:`wrote_it` for ``kind``, as the one-argument test ``atomic_write``'s and
    :func:`check_replaceable_file`'s ``replaces`` take."""
    return lambda path: wrote_it(path, kind)


def stale_written_records() -> list[Path]:
    """The records of :func:`written_records` that no file answers any more (removed,
    changed or replaced since): none lets a rerun replace anything, so they can go. Only
    files named as wordspace names a record (:data:`_RECORD_NAME`) are looked at: any
    other file there (a user's notes) is not wordspace's, whatever it holds."""
    try:
        records = sorted(entry for entry in written_records().iterdir()
                         if _RECORD_NAME.fullmatch(entry.name) and entry.is_file()
                         and not entry.is_symlink())
    except OSError:
        return []
    stale = []
    for record in records:
        try:
            recorded = parse_json(record.read_bytes())
            path = Path(recorded[0])
        except (OSError, ValueError, TypeError, IndexError, KeyError):
            stale.append(record)  # damaged: it answers no file
            continue
        try:  # the record as read here, not read again by wrote_it (its kind aside)
            answered = (_written_record(path) == record
                        and recorded[:-1] == file_fingerprint(path))
        except OSError:
            answered = False
        if not answered:
            stale.append(record)
    return stale
