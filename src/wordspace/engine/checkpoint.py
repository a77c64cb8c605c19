"""Checkpoints: a run's whole state at a job boundary, written atomically, read checked.

A run paused between jobs (every lane idle, see :class:`~wordspace.engine.runner.Pauses`)
is completely described by: the parameters (the params object's arrays, optimiser state
such as the Gaussian's AdaGrad sums included), the position (the index of the next job:
the :class:`~wordspace.engine.schedule.Schedule` gives it and every later job their
rates), each lane's random state, the :class:`~wordspace.engine.meter.Meter`'s counts
and the seconds spent. A checkpoint directory holds exactly that, with the run's
configuration and the corpus's identity, so a run resumed from it on the same settings
and corpus continues where it stopped: with one lane, the vectors are bit-identical to an
uninterrupted run's.

The directory (``checkpoint.json``, ``states.npy``, one ``.npy`` per array) is built and
published by :func:`wordspace._io.atomic_directory`: a kill at any moment leaves the
previous checkpoint or the new one, never half of one. A new checkpoint is its owner's
alone (``0o700``: it holds the parameters, and only the owner's runs resume it), and
the next keeps the access of the one it replaces. Only a checkpoint (or nothing, or
an empty directory) is ever replaced or removed; everything read is checked (types,
shapes, finite values, a position inside the run) before the run uses it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import math
import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from wordspace._io import (
    atomic_directory,
    check_replaceable,
    clean_stale_temporaries,
    fsync_directory,
    load_npy,
    missing_mark,
    recover_interrupted_swap,
    temporary_directory,
)
from wordspace._json import parse_json
from wordspace._validate import first_nonfinite_row

__all__ = ["CHECKPOINT_FORMAT", "Checkpoint", "CheckpointMismatch", "Checkpointer", "Every",
           "check_checkpoint_path", "check_ranks", "check_settings", "checkpoint_config",
           "corpus_identity",
           "holds_training", "is_checkpoint", "is_finished", "is_marked_for", "mark_ranks",
           "remove_checkpoint"]

logger = logging.getLogger(__name__)

#: checkpoints taking more than this share of a run's time are warned about (once)
CHECKPOINT_SHARE_WARNING = 0.2
#: ... once the run has gone on this long (the first seconds say little)
CHECKPOINT_WARNING_AFTER = 1.0

#: version of the checkpoint layout this wordspace writes and reads
CHECKPOINT_FORMAT = 1
_MARKER = "wordspace checkpoint"
_RESTART = "start over with --restart (restart=True in Python), which replaces it"
#: what a checkpoint found damaged when read says to do
DAMAGED = f"the checkpoint is damaged: {_RESTART}"
#: the suffix of the checkpoint kept before the last (:attr:`Checkpointer.keep_previous`)
PREVIOUS = ".previous"
#: the name of a rank's place in a distributed run's checkpoint
_RANK_PLACE = re.compile(rf"rank-\d+({re.escape(PREVIOUS)})?")


class CheckpointMismatch(ValueError):
    """A checkpoint made with other settings or on another corpus than this run's;
    :attr:`differences`, each said as ``name: X in the checkpoint, Y in this run``."""

    def __init__(self, message: str, differences: tuple[str, ...] = ()):
        super().__init__(message)
        self.differences = differences


@dataclass(frozen=True)
class Every:
    """How often a run is checkpointed: after ``seconds`` (0: at every job boundary), or
    every ``epochs`` epochs."""

    seconds: float | None = None
    epochs: int | None = None

    @classmethod
    def parse(cls, value: str | float | int) -> Every:
        """``"30s"``, ``"10m"``, ``"2h"`` (a duration), ``"2e"`` (epochs), or a number of
        seconds (an :class:`Every` is returned as it is); a ``ValueError`` saying what is
        accepted otherwise."""
        if isinstance(value, Every):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if math.isfinite(value) and value >= 0:
                return cls(seconds=float(value))
        elif isinstance(value, str):
            found = re.fullmatch(r"\s*(\d+(?:\.\d*)?)\s*([smhe])\s*", value.lower())
            if found:
                number, unit = float(found.group(1)), found.group(2)
                if unit != "e":
                    return cls(seconds=number * {"s": 1, "m": 60, "h": 3600}[unit])
                if number >= 1 and number.is_integer():
                    return cls(epochs=int(number))
        raise ValueError(f"checkpoint_every must be a duration such as '30s', '10m' or "
                         f"'2h', a whole number of epochs such as '2e', or a number of "
                         f"seconds; got {value!r}")

    def __str__(self) -> str:
        return f"{self.epochs}e" if self.epochs is not None else f"{self.seconds:g}s"


def corpus_identity(name: str, tokens: np.ndarray, offsets: np.ndarray, words: list[str],
                    counts: np.ndarray, sentence_context: np.ndarray | None = None,
                    reading: dict | None = None) -> dict:
    """What a checkpoint records of the corpus: a digest of its encoding (tokens,
    sentences, vocabulary, and the input row of each sentence, if any) and, for
    messages, its name, sizes and how it was read (``reading``: min_count, lowercase,
    ...). Two corpora with one digest train identically."""
    digest = hashlib.blake2b(digest_size=16)
    for array in (offsets, counts, sentence_context):
        digest.update(b"|" + (b"" if array is None else np.ascontiguousarray(array).tobytes()))
    digest.update("\n".join(words).encode("utf-8", "surrogatepass"))
    step = 1 << 22  # in pieces: a memory-mapped corpus is hashed without a copy of it all
    for start in range(0, len(tokens), step):
        digest.update(np.ascontiguousarray(tokens[start:start + step]).tobytes())
    return {"name": str(name), "tokens": int(len(tokens)), "sentences": int(len(offsets) - 1),
            "words": len(words), "digest": digest.hexdigest(), "reading": reading or {}}


def _describe_corpus(identity: dict) -> str:
    return (f"{identity.get('name')!r} ({identity.get('tokens', 0):,} tokens, "
            f"{identity.get('sentences', 0):,} sentences, {identity.get('words', 0):,} words)")


#: the reading settings a corpus records only when they are set (``Corpus.reading_settings``)
_RECORDED_WHEN_SET = frozenset({"max_final_vocab", "phrases"})


def _reading_difference(was: dict, read: dict) -> str | None:
    """How the reading settings ``read`` (``Corpus.reading_settings``) differ from those a
    checkpoint recorded (``was``), in words; None where they do not."""
    # a setting recorded only when set was unset where it is missing; any other missing
    # one is unknown (a checkpoint made before it was recorded)
    keys = sorted(k for k in {*was, *read} if k in was and k in read or k in _RECORDED_WHEN_SET)
    settings = [f"{k}={was.get(k)!r} then, {read.get(k)!r} now" for k in keys
                if was.get(k) != read.get(k)]
    return f"the corpus was read with other settings: {', '.join(settings)}" if settings \
        else None


def _corpus_difference(saved: dict, now: dict) -> str:
    """Why the corpus ``now`` is not the one a checkpoint (``saved``) was made on."""
    settings = _reading_difference(saved.get("reading") or {}, now.get("reading") or {})
    if settings:
        return settings
    described = _describe_corpus(saved), _describe_corpus(now)
    if described[0] == described[1]:
        return (f"the corpus: {described[0]} has other text than the checkpoint's (the "
                "same name and sizes: edited since?)")
    return f"the corpus: the checkpoint was made on {described[0]}, this run's is {described[1]}"


@dataclass
class Checkpoint:
    """A run's state at a job boundary (see the module docstring)."""

    config: dict  # the model's class and parameters, and the run's own settings
    corpus: dict  # corpus_identity()
    position: int  # the next job's index
    jobs: int  # the run's jobs, all epochs
    epochs: int
    seconds: float  # spent training before this checkpoint
    meter: dict  # Meter.state()
    states: np.ndarray  # uint64, one random state per lane
    arrays: dict[str, np.ndarray]  # the params object's arrays, by field name
    # a distributed run's: the words all ranks had trained at the full synchronisation
    # this checkpoint was taken at, the same on every rank (their positions differ when
    # they stopped on request inside an epoch)
    meeting: int | None = None

    @property
    def meeting_key(self) -> int:
        """What tells this checkpoint's meeting of the ranks apart: :attr:`meeting`, or,
        for a checkpoint made before meetings were recorded (at epoch ends only, the same
        position on every rank), its position."""
        return self.position if self.meeting is None else self.meeting


def param_arrays(params) -> dict[str, np.ndarray]:
    """The arrays of a params dataclass by field name, each once: a tied array (the very
    same object as an earlier field's) is left out, since it is saved with that one."""
    arrays: dict[str, np.ndarray] = {}
    for field in dataclasses.fields(params):
        value = getattr(params, field.name)
        if isinstance(value, np.ndarray) and not any(value is a for a in arrays.values()):
            arrays[field.name] = value
    return arrays


def _mark_of(path: str | Path) -> dict | None:
    """The ``checkpoint.json`` of ``path`` if it says ``path`` is a wordspace checkpoint
    (its contents unchecked: :func:`_read_head` checks them), else None: what the
    questions below about a place answer from, each reading it once."""
    try:
        head = parse_json((Path(path) / "checkpoint.json").read_bytes())
    except (OSError, ValueError):
        return None
    return head if isinstance(head, dict) and head.get("kind") == _MARKER else None


def is_checkpoint(path: str | Path) -> bool:
    """Whether ``path`` is a directory whose ``checkpoint.json`` says it is a wordspace
    checkpoint (its contents are checked only when read)."""
    return _mark_of(path) is not None


def check_checkpoint_path(path: str | Path) -> dict | None:
    """Refuse a place a checkpoint may not be written to or removed from: only a new
    path, an empty directory or a wordspace checkpoint is ever replaced (the rule of
    :func:`wordspace.models.base.check_model_path`); ``FileExistsError`` otherwise.
    Returns the checkpoint's mark (:func:`_mark_of`), None where there is none."""
    mark = _mark_of(path)
    names = set() if mark is None else _checkpoint_names(mark)

    def holds(entry: Path) -> bool:
        """Whether ``entry`` is one a checkpoint holds: the files it wrote (its arrays by
        the names ``checkpoint.json`` lists), a distributed run's ``rank-R`` checkpoints,
        and temporaries (``.NAME.*.tmp``) of one being written."""
        if entry.is_dir():
            return bool(_RANK_PLACE.fullmatch(entry.name)) or (
                entry.name.startswith(".") and entry.name.endswith(".tmp"))
        return entry.name in names

    check_replaceable(path, "a wordspace checkpoint", lambda _: mark is not None,
                      missing_mark(path, "checkpoint.json", "no checkpoint.json naming one"),
                      "move it away, or choose another path for the checkpoint (wordspace "
                      "train's is MODEL_DIR.partial, beside -o MODEL_DIR: give -o another "
                      "name)",
                      holds=holds)
    return mark


def _checkpoint_names(mark: dict) -> set[str]:
    """The files of the checkpoint whose ``checkpoint.json`` is ``mark``:
    ``checkpoint.json``, ``states.npy`` and the arrays it names."""
    arrays = mark.get("arrays", {})
    return {"checkpoint.json", "states.npy",
            *(f"{name}.npy" for name in (arrays if isinstance(arrays, dict) else ()))}


def remove_checkpoint(path: str | Path) -> bool:
    """Remove the checkpoint at ``path`` (refusing anything that is not one), and what
    killed writes of it left beside it (a temporary as large as a checkpoint, which
    only a later write there would have removed); returns whether there was one."""
    path = Path(path)
    recover_interrupted_swap(path)
    check_checkpoint_path(path)
    clean_stale_temporaries(path.parent, path.name)
    if not path.exists():
        return False
    _discard(path)
    return True


def _discard(path: Path) -> None:
    """Remove the directory ``path`` (the caller knows it is ours). Renamed aside first,
    in one step: a kill during the removal leaves no half checkpoint at ``path`` (which
    no later run could tell from a user's folder), only a claimed temporary that the next
    run there cleans up."""
    aside, claim = temporary_directory(path.parent, path.name, tag="old.")
    try:
        os.replace(path, aside / "removed")
        fsync_directory(path.parent)
    finally:
        os.close(claim)
        shutil.rmtree(aside, ignore_errors=True)


def _is_rank_place(path: Path) -> bool:
    """Whether ``path`` is a rank's place (``rank-R`` or ``rank-R.previous``, a plain
    directory) inside a distributed run's checkpoint, which holds it (see
    :func:`check_checkpoint_path`): the run's own even when what is in it is damaged."""
    return (_RANK_PLACE.fullmatch(path.name) is not None and path.is_dir()
            and not path.is_symlink() and _ranks_of(_mark_of(path.parent)) is not None)


def _drop(place: Path) -> None:
    """Remove a rank's checkpoint at ``place``, if there is one (damaged included);
    anything else there is left alone."""
    recover_interrupted_swap(place)
    if place.exists() and (_is_rank_place(place) or is_checkpoint(place)):
        _discard(place)


def _whole_head(path: Path) -> Checkpoint | None:
    """The head of the checkpoint at ``path`` if it reads whole (its head checked, each
    array's header read and its data all there), else None."""
    try:
        head = _read_head(path)
        for name in ("states", *head.arrays):
            load_npy(path / f"{name}.npy", whole="the checkpoint", mmap=True,
                     missing=ValueError)
    except (OSError, ValueError):
        return None
    return head


def mark_ranks(path: str | Path, ranks: int) -> None:
    """Make ``path`` the checkpoint of a run of ``ranks`` processes (each keeps its own
    in ``path/rank-R``), unless it is one already; a single process's checkpoint, or one
    of another number of ranks, is a :class:`CheckpointMismatch`."""
    path = Path(path)
    recover_interrupted_swap(path)
    if check_ranks(path, ranks) or is_marked_for(path, ranks):
        return
    with atomic_directory(path, private=True) as tmp:  # the parameters: the owner's
        (tmp / "checkpoint.json").write_text(json.dumps(
            {"kind": _MARKER, "format": CHECKPOINT_FORMAT, "ranks": ranks}) + "\n")


def check_ranks(path: str | Path, ranks: int) -> bool:
    """Whether ``path`` holds a checkpoint of a run of ``ranks`` processes (False: there
    is none yet, or only a bare mark, :func:`holds_training`); one of another number of
    ranks or of one process is a :class:`CheckpointMismatch`, and what is no checkpoint
    a ``FileExistsError``."""
    path = Path(path)
    mark = check_checkpoint_path(path)
    if not (path.exists() and any(path.iterdir())) or not _holds_training(path, mark):
        return False
    made = _ranks_of(mark)
    if made != ranks:
        by = "one process" if made is None else f"{made} ranks"
        raise CheckpointMismatch(f"{path} is the checkpoint of a run of {by}, this run "
                                 f"has {ranks} ranks: run it as it was made, or {_RESTART}")
    return True


def is_marked_for(path: str | Path, ranks: int) -> bool:
    """Whether ``path`` is the checkpoint of a run of ``ranks`` processes (as
    :func:`mark_ranks` made it): what every rank must see where rank 0 made it."""
    mark = _mark_of(path)
    return mark is not None and _ranks_of(mark) == ranks


def holds_training(path: str | Path) -> bool:
    """Whether ``path`` is a checkpoint there is something in to resume: a single
    process's, or a distributed run's holding a rank's (``rank-R``, damaged or not). A
    distributed run's bare mark, left by a start stopped before its ranks' first
    checkpoints (interrupted, or refused: a folder not shared), holds nothing, and
    binds no later run to its number of ranks."""
    return _holds_training(Path(path), _mark_of(path))


def is_finished(path: str | Path) -> bool:
    """Whether ``path`` is a single process's checkpoint of a run that was complete (no
    job left: kept because its result could not be saved, see
    :meth:`wordspace.models.base.Model._keep_as_checkpoint`)."""
    head = _single_head(path)
    return head is not None and head.position == head.jobs


def _holds_training(path: Path, mark: dict | None) -> bool:
    """:func:`holds_training` of ``path``, whose :func:`_mark_of` is ``mark``."""
    if mark is None:
        return False
    if _ranks_of(mark) is None:
        return True
    try:
        return any(_RANK_PLACE.fullmatch(entry.name) and entry.is_dir()
                   for entry in path.iterdir())
    except OSError:
        return True  # unreadable: not known to be bare, so not overwritten as such


def _ranks_of(mark: dict | None) -> int | None:
    """The ranks of the distributed run whose checkpoint's mark (:func:`_mark_of`) is
    ``mark`` (None: a single process's, or no checkpoint)."""
    ranks = None if mark is None else mark.get("ranks")
    return ranks if isinstance(ranks, int) and not isinstance(ranks, bool) else None


def write_checkpoint(path: str | Path, checkpoint: Checkpoint) -> None:
    """Publish ``checkpoint`` at ``path`` atomically and durably (only over a checkpoint)."""
    check_checkpoint_path(path)
    head = {"kind": _MARKER, "format": CHECKPOINT_FORMAT, "config": checkpoint.config,
            "corpus": checkpoint.corpus, "position": checkpoint.position,
            "jobs": checkpoint.jobs, "epochs": checkpoint.epochs,
            "seconds": checkpoint.seconds, "meter": checkpoint.meter,
            "arrays": {name: {"shape": list(a.shape), "dtype": a.dtype.str}
                       for name, a in checkpoint.arrays.items()}}
    if checkpoint.meeting is not None:
        head["meeting"] = int(checkpoint.meeting)
    with atomic_directory(path, private=True) as tmp:  # the parameters: the owner's
        np.save(tmp / "states.npy", checkpoint.states)
        for name, array in checkpoint.arrays.items():
            np.save(tmp / f"{name}.npy", array)
        (tmp / "checkpoint.json").write_text(json.dumps(head, indent=1) + "\n")


def _load_checked(file: Path, dtype: np.dtype, shape: tuple[int, ...]) -> np.ndarray:
    """A saved array, refused unless it is a plain ``.npy`` of exactly ``dtype`` and
    ``shape`` (and, for floats, finite): a checkpoint is resumed bit for bit or not at all."""
    try:
        array = load_npy(file, whole="the checkpoint", missing=ValueError)
    except ValueError as e:
        raise ValueError(f"{e}; {DAMAGED}") from None
    if not isinstance(array, np.ndarray) or array.dtype != dtype or array.shape != shape:
        found = (f"{array.dtype} {array.shape}" if isinstance(array, np.ndarray)
                 else type(array).__name__)
        raise ValueError(f"{file}: expected {np.dtype(dtype)} of shape {shape}, found "
                         f"{found}; {DAMAGED}")
    row = first_nonfinite_row(array) if array.dtype.kind == "f" else None
    if row is not None:
        raise ValueError(f"{file}: holds non-finite values (NaN or inf), the first in row "
                         f"{row}; {DAMAGED}")
    return array


def _read_head(path: str | Path) -> Checkpoint:
    """The checked ``checkpoint.json`` of ``path``, as a checkpoint without arrays."""
    path = Path(path)
    file = path / "checkpoint.json"
    try:
        head = parse_json(file.read_bytes())
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise ValueError(f"{file}: not a readable checkpoint ({e}); {_RESTART}") from None

    def need(ok: bool, what: str) -> None:
        if not ok:
            raise ValueError(f"{file}: {what}; {DAMAGED}")

    need(isinstance(head, dict) and head.get("kind") == _MARKER, "not a wordspace checkpoint")
    need(head.get("format") == CHECKPOINT_FORMAT,
         f"format {head.get('format')!r}, this wordspace reads {CHECKPOINT_FORMAT}")
    for key, kind in (("config", dict), ("corpus", dict), ("meter", dict), ("arrays", dict),
                      ("position", int), ("jobs", int), ("epochs", int),
                      ("seconds", (int, float))):
        need(isinstance(head.get(key), kind) and not isinstance(head.get(key), bool),
             f"{key!r} is missing or of the wrong type")
    need(0 <= head["position"] <= head["jobs"], f"position {head['position']} is outside "
         f"the run's {head['jobs']} jobs")
    need(math.isfinite(head["seconds"]) and head["seconds"] >= 0,
         f"seconds {head['seconds']!r} is no time spent")
    meeting = head.get("meeting")
    need(meeting is None or (isinstance(meeting, int) and not isinstance(meeting, bool)
                             and meeting >= 0), f"meeting {meeting!r} is not a word count")
    return Checkpoint(head["config"], head["corpus"], head["position"], head["jobs"],
                      head["epochs"], float(head["seconds"]), head["meter"],
                      np.empty(0, np.uint64), dict.fromkeys(head["arrays"]), meeting)


def _read_arrays(path: str | Path, head: Checkpoint, like: dict[str, np.ndarray],
                 lanes: int) -> Checkpoint:
    """``head`` with its random states and arrays read from ``path`` and checked."""
    path = Path(path)
    if sorted(head.arrays) != sorted(like):
        raise ValueError(f"{path / 'checkpoint.json'}: holds the arrays "
                         f"{', '.join(sorted(head.arrays))}, this run's are "
                         f"{', '.join(sorted(like))}; {_RESTART}")
    head.states = _load_checked(path / "states.npy", np.dtype(np.uint64), (lanes,))
    if not (head.states != 0).all():
        raise ValueError(f"{path / 'states.npy'}: a lane's random state is 0 (xorshift "
                         f"would stay 0); {DAMAGED}")
    head.arrays = {name: _load_checked(path / f"{name}.npy", a.dtype, a.shape)
                   for name, a in like.items()}
    return head


def _differences(saved: dict, now: dict) -> list[str]:
    """``name: X in the checkpoint, Y in this run`` for every setting that differs."""
    names = {"lanes": "workers (--workers)"}  # the runner's lanes are the user's workers
    # the worker count is the machine's choice more than the model's: say how to match it
    hints = {"lanes": lambda was: f" (--workers {was}, workers={was} in Python, resumes it)"}
    return [f"{names.get(key, key)}: {saved.get(key, '(unset)')!r} in the checkpoint, "
            f"{now.get(key, '(unset)')!r} in this run"
            + (hints[key](saved[key]) if key in hints and key in saved else "")
            for key in sorted(set(saved) | set(now)) if saved.get(key) != now.get(key)]


def _compared(config: dict, head: Checkpoint) -> dict:
    """The settings of ``config`` that decide whether the checkpoint ``head`` is this
    run's: all but the lanes (workers) when it holds a finished run, whose random states
    no job is left to draw from (a requeue on a node of other cores still finishes it)."""
    if head.position < head.jobs:
        return config
    return {key: value for key, value in config.items() if key != "lanes"}


def checkpoint_config(path: str | Path) -> dict | None:
    """The configuration (``config``) of the single process's checkpoint at ``path``;
    None where there is none, or a distributed run's, or a damaged one (the resume says
    what is wrong with it)."""
    head = _single_head(path)
    return None if head is None else head.config


def _single_head(path: str | Path) -> Checkpoint | None:
    """The head of the single process's checkpoint at ``path`` (None: there is none, or
    a distributed run's, or a damaged one)."""
    mark = _mark_of(path)
    if mark is None or _ranks_of(mark) is not None:
        return None
    try:
        return _read_head(path)
    except ValueError:
        return None


def check_settings(path: str | Path, config: dict, reading: dict | None = None) -> None:
    """Refuse, before any work, the checkpoint of one process at ``path`` when it was
    made with other settings than ``config``'s (those known before the corpus is read:
    the model's, the lanes) or, given, the corpus's ``reading`` settings
    (``Corpus.reading_settings_for``): :class:`CheckpointMismatch` naming each
    difference, as :meth:`Checkpointer.resume` would once the corpus is read. Nothing
    there, a distributed run's checkpoint or a damaged one is left to the resume, which
    says what is wrong with it; so are the settings ``config`` does not name."""
    path = Path(path)
    head = _single_head(path)
    if head is None:
        return
    saved, config = _compared(head.config, head), _compared(config, head)
    problems = _differences({key: saved[key] for key in config if key in saved}, config)
    read = None if reading is None else _reading_difference(
        head.corpus.get("reading") or {}, reading)
    if problems or read:
        problems += [read] * bool(read)
        raise CheckpointMismatch(_mismatch(path, problems), tuple(problems))


def _mismatch(path: Path, problems: list[str]) -> str:
    """What :class:`CheckpointMismatch` says of the checkpoint at ``path``."""
    return (f"{path} is a checkpoint of another run, so it cannot be resumed: "
            f"{'; '.join(problems)}. Run with the settings and corpus it was made "
            f"with, or {_RESTART}")


class Checkpointer:
    """When and where one run writes its checkpoints, and how it checks one it resumes.

    ``config`` is the run's full configuration (JSON values; the model's class and
    parameters and the run's own settings), ``corpus`` its :func:`corpus_identity`.
    """

    def __init__(self, path: str | Path, every: Every, config: dict, corpus: dict):
        self.path, self.every = Path(path), every
        self.config, self.corpus = config, corpus
        self._last = self._started = time.monotonic()
        self._spent = 0.0  # seconds spent writing checkpoints
        self._warned = False
        #: keep the checkpoint before the last at :attr:`previous` (a distributed rank's:
        #: a run killed while its ranks were writing resumes from the last one all have)
        self.keep_previous = False
        self.source: Path | None = None  # set by resume_from_previous (None: ``path``)

    @property
    def resume_path(self) -> Path:
        """The checkpoint :meth:`resume` reads: the last, or (see
        :meth:`resume_from_previous`) the one before."""
        return self.source or self.path

    @property
    def previous(self) -> Path:
        """Where the checkpoint before the last is kept (with :attr:`keep_previous`)."""
        return self.path.with_name(self.path.name + PREVIOUS)

    def heads(self) -> dict[Path, Checkpoint]:
        """The checkpoints there are to resume from, the last one first (and, with
        :attr:`keep_previous`, the one before), each as its head (position, meeting, ...,
        no arrays); one that does not read whole is left out."""
        found = {}
        for where in (self.path, self.previous) if self.keep_previous else (self.path,):
            recover_interrupted_swap(where)
            head = _whole_head(where)
            if head is not None:
                found[where] = head
        return found

    def positions(self) -> dict[Path, int]:
        """:meth:`heads`' positions (the next job of each)."""
        return {where: head.position for where, head in self.heads().items()}

    def due(self, epoch_start: int | None) -> bool:
        """Whether to checkpoint at this job boundary; ``epoch_start`` is the epoch (from
        0) the next job begins, or None when it is inside an epoch."""
        if self.every.epochs is not None:
            return epoch_start is not None and epoch_start % self.every.epochs == 0
        return time.monotonic() - self._last >= self.every.seconds

    def write(self, checkpoint: Checkpoint) -> None:
        """Publish ``checkpoint`` (its config and corpus are this run's)."""
        checkpoint.config, checkpoint.corpus = self.config, self.corpus
        began = time.monotonic()
        if self.keep_previous:
            self._rotate()
        try:
            write_checkpoint(self.path, checkpoint)
        except FileExistsError:  # a folder of the user's: it says so
            raise
        except OSError as e:  # a full device, say: what is left to resume from
            error = OSError(f"{e}; {self._left()}")
            error.errno = e.errno
            raise error from e
        self._account(checkpoint, time.monotonic() - began)
        self._last = time.monotonic()

    def _account(self, checkpoint: Checkpoint, seconds: float) -> None:
        """Log the checkpoint just written, and warn (once) when checkpoints take a large
        share of the run's time (``--checkpoint-every 0s`` on a large model, say)."""
        self._spent += seconds
        logger.info("checkpoint written to %s in %.2f s, at %.0f %% of the run (after job "
                    "%d of %d)", self.path, seconds,
                    100 * checkpoint.position / max(checkpoint.jobs, 1), checkpoint.position,
                    checkpoint.jobs)
        elapsed = time.monotonic() - self._started
        if not self._warned and elapsed >= CHECKPOINT_WARNING_AFTER \
                and self._spent > CHECKPOINT_SHARE_WARNING * elapsed:
            self._warned = True
            logger.warning("writing checkpoints took %.0f %% of the run's time so far (%.1f "
                           "of %.1f s): checkpoint less often than --checkpoint-every %s "
                           "(checkpoint_every in Python)", 100 * self._spent / elapsed,
                           self._spent, elapsed, self.every)

    def _left(self) -> str:
        """What a run whose checkpoint could not be written leaves to resume from, in
        words."""
        found = next(iter(self.heads().items()), None)  # (a rank's: its previous one)
        if found is None:
            return "no checkpoint was written before this one, so running again starts over"
        where, last = found
        return (f"the previous checkpoint, at {100 * last.position / max(last.jobs, 1):.0f} "
                f"% of the run, is kept at {where}: once the cause is fixed (free some "
                "space), the same command (or fit) resumes from it")

    def resume_from_previous(self) -> None:
        """Resume from the checkpoint before the last (:attr:`previous`: the last one
        every rank has), and drop the last at once: it is ahead of the other ranks', so
        never needed, and kept it could be paired with another attempt's at a later
        resume."""
        self.source = self.previous
        _drop(self.path)

    def discard_all(self) -> None:
        """Remove this rank's checkpoints (the last and the previous), for a run that
        starts over."""
        for place in (self.path, self.previous):
            _drop(place)

    def _rotate(self) -> None:
        """Make room for a new checkpoint, keeping the one before it: the last becomes
        the previous, unless it does not read whole, and is dropped. Killed between any
        two steps, a rank still has the previous one, which :meth:`heads` offers."""
        # what a kill while removing a previous one left (atomic_directory cleans up
        # the last one's temporaries, not these)
        clean_stale_temporaries(self.path.parent, self.previous.name)
        recover_interrupted_swap(self.path)
        if not (self.path.exists() or self.path.is_symlink()):
            return
        for place in (self.path, self.previous):
            if place.exists() and not _is_rank_place(place):
                check_checkpoint_path(place)
        if _whole_head(self.path) is not None:
            if self.previous.exists():
                _discard(self.previous)
            os.rename(self.path, self.previous)
            fsync_directory(self.path.parent)
        else:
            _discard(self.path)

    def _check_own(self, path: Path) -> Checkpoint:
        """The head of the checkpoint at ``path``, :class:`CheckpointMismatch` naming
        every difference unless it is this run's (its settings and corpus)."""
        saved = _read_head(path)
        problems = _differences(_compared(saved.config, saved), _compared(self.config, saved))
        if saved.corpus.get("digest") != self.corpus["digest"]:
            problems.append(_corpus_difference(saved.corpus, self.corpus))
        if problems:
            raise CheckpointMismatch(_mismatch(path, problems), tuple(problems))
        return saved

    def check_replaceable(self) -> None:
        """Refuse (:class:`CheckpointMismatch`) to write over another run's checkpoint:
        one made with other settings or on another corpus, which may be hours of a
        resumable run's training; where :attr:`path` holds none, or this run's, any
        checkpoint may be written."""
        if holds_training(self.path):
            self._check_own(self.path)

    def resume(self, like: dict[str, np.ndarray], lanes: int, jobs: int) -> Checkpoint | None:
        """The checkpoint to resume from, checked against this run, or None when there is
        none; :class:`CheckpointMismatch` naming every difference when it was made with
        other settings or on another corpus."""
        path = self.resume_path
        recover_interrupted_swap(path)
        mark = check_checkpoint_path(path)
        if not path.exists() or not any(path.iterdir()):
            return None
        ranks = _ranks_of(mark)
        if ranks is not None and not _holds_training(path, mark):
            return None  # a distributed start's bare mark: nothing was saved there
        if ranks is not None:
            raise CheckpointMismatch(
                f"{path} is the checkpoint of a run of {ranks} ranks: resume it as it "
                f"was made (torchrun --nproc-per-node ... with {ranks} processes in all, "
                f"see docs/distributed.md), or {_RESTART}")
        saved = self._check_own(path)
        if saved.jobs != jobs:
            raise ValueError(f"{path / 'checkpoint.json'}: made for a run of "
                             f"{saved.jobs} jobs, this one has {jobs}; {_RESTART}")
        if saved.position == saved.jobs:  # its random states are read as they were saved
            lanes = saved.config.get("lanes", lanes)
        return _read_arrays(path, saved, like, lanes)
