"""The TensorFlow Embedding Projector's TSV files (projector.tensorflow.org, TensorBoard).

An export is a directory of two files, which the Projector's "Load" dialog takes:

* ``vectors.tsv``: one row per word, its numbers separated by tabs, no header;
* ``metadata.tsv``: the words, one a line in the same order; a single column, so no
  header line (the Projector reads a first line as a header only when there are
  several columns).

The directory is built beside its destination and renamed into place
(:func:`wordspace._io.atomic_directory`); only a new path, an empty directory or an
earlier export is ever replaced: these two files and nothing else, as wordspace wrote
them (each is recorded as written, :func:`wordspace._io.remember_writing`, and must be
unchanged since), or, given ``overwrite``, written by anyone.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from wordspace._io import (
    EXPORT,
    atomic_directory,
    check_replaceable,
    remember_writing,
    wrote_it,
)
from wordspace._tokens import shorten
from wordspace._validate import first_nonfinite_row

VECTORS, METADATA = "vectors.tsv", "metadata.tsv"
_UNWRITABLE = re.compile(r"[\t\n\r]")  # what a one-column TSV line cannot hold
_BLOCK = 4096  # rows formatted at a time


def is_projector_export(path: str | Path, wordspace_wrote: bool = False) -> bool:
    """Whether ``path`` is a directory holding an export: the two files, nothing else;
    ``wordspace_wrote``: both as :func:`write_projector` wrote them, unchanged since."""
    try:
        if sorted(os.listdir(path)) != sorted((METADATA, VECTORS)):
            return False
    except OSError:
        return False
    return not wordspace_wrote or all(wrote_it(Path(path, name), EXPORT)
                                      for name in (VECTORS, METADATA))


def check_projector_path(path: str | Path, overwrite: bool = False, *,
                         replace: str = "pass overwrite=True") -> None:
    """Refuse, before any work, a place an export may not be written (see
    :func:`wordspace._io.check_replaceable`): an export is replaced only when wordspace
    wrote it, or, ``overwrite``, whoever did. ``replace``: how the caller's user asks for
    ``overwrite``, said where an export someone else wrote is in the way."""
    advice = "choose another directory or move it away"
    if not overwrite and not Path(path).is_symlink() and is_projector_export(path):
        advice += f", or {replace} to replace an export wordspace did not write"
    check_replaceable(path, "a projector export" + ("" if overwrite else " wordspace wrote"),
                      lambda folder: is_projector_export(folder, not overwrite),
                      mark=f"only {VECTORS} and {METADATA}"
                           + ("" if overwrite else ", unchanged since wordspace wrote them"),
                      advice=advice)


def write_projector(path: str | Path, words: Sequence[str], matrix: np.ndarray, *,
                    overwrite: bool = False, replace: str = "pass overwrite=True") -> Path:
    """Write ``words`` and their rows of ``matrix`` as the directory ``path`` holding
    ``vectors.tsv`` and ``metadata.tsv``, atomically; returns ``path``. What may be
    replaced: see the module's docstring and :func:`check_projector_path`.

    Values carry nine significant digits, so every float32 reads back exactly. A word
    that is empty, blank or holds a tab or a line break (which would shift every later
    line) and a NaN or infinite value are refused with a ``ValueError`` naming the word, before
    anything is written.
    """
    path = Path(path)
    matrix = np.asarray(matrix, dtype=np.float32)
    if matrix.ndim != 2 or matrix.shape[0] != len(words) or matrix.shape[1] < 1:
        raise ValueError(f"{path}: cannot write {len(words)} words with a matrix of shape "
                         f"{matrix.shape}: the Projector needs one row of at least one "
                         "number per word")
    for i, w in enumerate(words):
        try:
            w.encode()
        except UnicodeEncodeError:
            raise ValueError(f"{path}: word {i + 1}, {shorten(w)}, is not valid Unicode "
                             "text") from None
        if not w or _UNWRITABLE.search(w):
            raise ValueError(f"{path}: word {i + 1}, {shorten(w)}, is empty or contains a "
                             f"tab or a line break: {METADATA} holds a word a line and "
                             "cannot store it")
        if not w.replace("\ufeff", "").strip():
            # the Projector skips blank lines (JavaScript's trim(): spaces, U+00A0, U+3000,
            # the BOM ...), so every later word would be shown at the wrong point
            raise ValueError(f"{path}: word {i + 1}, {shorten(w)}, is blank (only spaces or "
                             "invisible characters): the Projector skips blank lines of "
                             f"{METADATA}, which would put every later word on the wrong "
                             "vector")
    bad = first_nonfinite_row(matrix)
    if bad is not None:
        raise ValueError(f"{path}: the vector of {shorten(words[bad])} (word {bad + 1}) "
                         "has NaN or infinite values, which the Projector cannot read")
    check_projector_path(path, overwrite, replace=replace)
    row = "\t".join(["%.9g"] * matrix.shape[1]) + "\n"
    with atomic_directory(path) as tmp:
        with open(tmp / VECTORS, "w", encoding="utf-8", newline="\n") as f:
            for start in range(0, len(matrix), _BLOCK):
                f.writelines(row % tuple(r) for r in matrix[start:start + _BLOCK].tolist())
        with open(tmp / METADATA, "w", encoding="utf-8", newline="\n") as f:
            f.writelines(w + "\n" for w in words)
    for name in (VECTORS, METADATA):  # as published: a rerun may replace them
        remember_writing(path / name, EXPORT)
    return path
