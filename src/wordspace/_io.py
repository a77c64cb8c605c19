"""Small file helpers: atomic writes and transparent decompression."""

from __future__ import annotations

import bz2
import contextlib
import gzip
import lzma
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import IO

# Magic numbers, so a compressed file is recognised whatever its name.
_MAGIC = ((b"\x1f\x8b", gzip.open), (b"BZh", bz2.open), (b"\xfd7zXZ\x00", lzma.open))


def decompressing_reader(raw: IO[bytes]) -> IO[bytes]:
    """Wrap a seekable binary file so that gzip, bzip2 and xz content reads decompressed.

    The format is told by the file's magic number, not its name. The caller owns ``raw``
    (and can ask it how far reading has got); for a plain file the "wrapper" is ``raw``
    itself.
    """
    head = raw.read(6)
    raw.seek(0)
    for magic, opener in _MAGIC:
        if head.startswith(magic):
            return opener(raw, "rb")
    return raw


def temporary_file(directory: Path, name: str) -> tuple[int, Path]:
    """Create a new, uniquely named file beside ``name`` in ``directory``; return its
    descriptor and path. Its permissions follow the umask like any new file's."""
    while True:
        path = directory / f".{name}.{secrets.token_hex(4)}.tmp"
        try:
            return os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666), path
        except FileExistsError:
            continue


def temporary_directory(directory: Path, name: str) -> Path:
    """Create a new, uniquely named directory beside ``name`` (umask permissions)."""
    while True:
        path = directory / f".{name}.{secrets.token_hex(4)}.tmp"
        try:
            os.mkdir(path, 0o777)
            return path
        except FileExistsError:
            continue


@contextlib.contextmanager
def atomic_write(path: str | Path, mode: str = "wb") -> Iterator[IO]:
    """Write to a temporary file beside ``path`` and rename it into place on success.

    An exception leaves the previous file (or no file), never a half-written one; the
    data is flushed to disk before the rename, so a crash cannot either.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = temporary_file(path.parent, path.name)
    encoding = None if "b" in mode else "utf-8"
    try:
        with os.fdopen(fd, mode, encoding=encoding) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_directory(path: str | Path) -> Iterator[Path]:
    """Build a directory under a temporary name and swap it into place on success.

    An existing directory is moved aside first and restored if the swap fails, and
    removed only once the new one is in place.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_directory(path.parent, path.name)
    try:
        yield tmp
        if not path.exists():
            os.replace(tmp, path)
            return
        old = temporary_directory(path.parent, path.name + ".old")
        try:
            os.replace(path, old)  # a directory replaces an empty directory
        except BaseException:
            os.rmdir(old)
            raise
        try:
            os.replace(tmp, path)
        except BaseException:
            os.replace(old, path)
            raise
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def cache_home() -> Path:
    """Root of wordspace's caches: ``$WORDSPACE_HOME`` or ``~/.cache/wordspace``."""
    return Path(os.environ.get("WORDSPACE_HOME", Path.home() / ".cache" / "wordspace"))
