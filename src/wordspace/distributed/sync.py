"""Keeping the ranks' parameters together while each trains its own share.

Each rank trains its shard with its own lanes (threads, or a device), Hogwild-style on
its own copy of the parameters, and a background thread of each rank meets the others'
on a timer (:class:`SyncSettings.interval`), as pWord2Vec's MPI version does (Ji et al.
2016). A meeting is a *round*:

1. a small control all-reduce: words trained (the progress bar and the learning rate
   count all ranks), and whether each rank is waiting at a boundary, finished, busy or
   failed;
2. then, usually, the *hot rows*: rows ``0 .. K - 1`` of every parameter array (the
   vocabulary is sorted by frequency, so these are the most frequent words, the rows
   most ranks change between rounds), with ``K`` following pWord2Vec's ruler sequence:
   round ``n`` takes :attr:`SyncSettings.rows` (1,024) times the largest power of two
   dividing ``n`` (1k, 2k, 1k, 4k, 1k, 2k, 1k, 8k, ...), so row ``i`` meets the other
   ranks' every ``i / 1024`` rounds or so: the frequent rows constantly, every row
   every few seconds, for about ``rows`` times the number of doublings per round;
3. or, when every rank waits at a boundary (an epoch's end, the end of training), a
   *full* synchronisation of every row, after which all ranks hold bit-identical
   parameters.

A stop asked for on any rank (SIGTERM, with checkpoints) is agreed in a control round,
so every rank learns of it in the same round: each then waits at its next job boundary,
the ranks are fully synchronised there, and each checkpoints its own position and
leaves (:meth:`Synchroniser.leave`).

What is exchanged is each rank's *change* since the rows were last synchronised
(``base``, a copy of the parameters as of then): the changes are summed (``combine=
"sum"``), so every update any rank made is applied once, as Hogwild threads' updates
are on one machine, and the learning rate stays the single-process one; or averaged
(``"average"``, pWord2Vec's model averaging), which applies each rank's update at
``1 / ranks`` of its size. Updates a rank makes while a round is under way are kept (the
round adds the others' changes to the live rows rather than overwriting them). Optimiser
state (the Gaussian model's AdaGrad sums) is synchronised the same way: its changes are
sums of squared gradients, which add up.

Every collective runs on this thread, in the same order on every rank, so the rounds
can never interleave; a rank whose training fails says so in the next round, and the
others raise :class:`~wordspace.distributed.group.RankFailed`; a rank that disappears
makes the others' next collective fail at once (its connections close).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from wordspace.distributed.group import (
    Group,
    RankFailed,
    _timeout_from_environment,
    resume_advice,
)

__all__ = ["SyncSettings", "Synchroniser"]

logger = logging.getLogger(__name__)

#: values per collective in a full synchronisation (bounded scratch for huge matrices)
CHUNK = 1 << 24
# the control vector's slots, then one per rank (whether it failed)
_WORDS, _WAITING, _FINAL, _BUSY, _FAILED, _STOP, _LEAVING, _SLOTS = range(8)


@dataclass(frozen=True)
class SyncSettings:
    """How ranks synchronise: a round every ``interval`` seconds, at least ``rows`` rows
    a round (more in the ruler sequence's rounds), changes summed or averaged
    (``combine``); ``rate_scale`` multiplies the learning rate (``alpha`` and
    ``min_alpha``; None: :meth:`rate_scale_for`'s measured default)."""

    interval: float = 0.05
    rows: int = 1024
    combine: str = "sum"
    rate_scale: float | None = None

    def rate_scale_for(self, ranks: int) -> float:
        """The learning rate's factor for ``ranks`` ranks: ``rate_scale`` if given; else
        1 when changes are summed (every update is applied once, as one process's
        threads' are; measured at 2 ranks, a factor of 1.41 raised Google by a point but
        left WS353 where it was, see docs/distributed.md), and the number of ranks when
        they are averaged (each rank's update is applied at 1 / ranks of its size)."""
        if self.rate_scale is not None:
            return float(self.rate_scale)
        return float(ranks) if self.combine == "average" else 1.0

    def __post_init__(self) -> None:
        if not (isinstance(self.interval, (int, float)) and 0 < self.interval <= 3600):
            raise ValueError(f"interval must be a number of seconds in (0, 3600], "
                             f"got {self.interval!r}")
        if not isinstance(self.rows, int) or isinstance(self.rows, bool) or self.rows < 1:
            raise ValueError(f"rows must be a positive number of rows, got {self.rows!r}")
        if self.rate_scale is not None and not (
                isinstance(self.rate_scale, (int, float)) and 0 < self.rate_scale <= 100):
            raise ValueError(f"rate_scale must be a number in (0, 100], got "
                             f"{self.rate_scale!r}")
        if self.combine not in ("sum", "average"):
            raise ValueError(f"combine must be 'sum' or 'average', got {self.combine!r}")


class Synchroniser:
    """The synchronisation of one rank's ``arrays`` (name to array, rows first) with
    the other ranks' (see the module docstring). ``words()`` says how many corpus words
    this rank has trained.

    ``boundaries_only``: this rank's parameters must not be touched between boundaries
    (a device trains them and writes them back where it pauses): no rank syncs hot rows,
    the ranks meet at the boundaries only.

    ``stop_asked()``: whether this rank was asked to stop (with a checkpoint); once any
    rank was, :attr:`stop_agreed` turns True on every rank in the same round, and
    :attr:`met_words` is the words every rank had trained at the last full
    synchronisation (the same on every rank: what its checkpoints are matched by), and
    :attr:`stop_at_meeting` whether the ranks stop there (the stop was agreed by then).

    Use: :meth:`start` before training (every rank then holds rank 0's parameters),
    :meth:`wait` at a boundary with every local lane paused (returns once all ranks
    have been fully synchronised; :meth:`release` after what the boundary does),
    :meth:`finish` at the end, :meth:`leave` after a stop that was agreed, :meth:`abort`
    when this rank fails. :attr:`error` is set (and raised by :meth:`check`) when the
    rounds fail.
    """

    def __init__(self, group: Group, arrays: dict[str, np.ndarray],
                 words: Callable[[], int], settings: SyncSettings = SyncSettings(), *,
                 boundaries_only: bool = False,
                 stop_asked: Callable[[], bool] | None = None,
                 project: Callable[[dict[str, np.ndarray], int], None] | None = None):
        self.group, self.arrays, self.words, self.settings = group, arrays, words, settings
        self.stop_asked = stop_asked
        # the objective's bounds (a Gaussian's variances and means' norms): each rank's
        # steps keep its rows in them, but the sum of several ranks' changes need not
        self.project = project
        self.stop_agreed = False
        self.met_words = 0
        self.stop_at_meeting = False  # whether the last full sync is the agreed stop's
        # a device rank writes its host arrays whole where it pauses: a hot round
        # running then could write back rows read before, losing the epoch's training of
        # them. Its rounds say "busy", so no rank syncs hot rows; ranks meet at boundaries
        self.boundaries_only = boundaries_only
        self.cond = threading.Condition()
        self.flags = np.zeros(_SLOTS, np.float64)  # this rank's control slots, under cond
        self.generation = 0  # full synchronisations done
        self.error: BaseException | None = None
        self.global_words = 0  # words trained by all ranks, as of the last round
        self.rounds = self.full_syncs = 0
        self.sent = 0  # bytes this rank contributed to all-reduces
        self.seconds = 0.0  # spent in rounds
        self._thread: threading.Thread | None = None
        self.base: dict[str, np.ndarray] = {}

    # -- the training side ----------------------------------------------------------------
    def start(self) -> None:
        """Give every rank rank 0's parameters and start the rounds."""
        for name, array in self.arrays.items():
            for part in _chunks(array):
                self.group.broadcast(part, what=f"the initial {name}")
        self.base = {name: array.copy() for name, array in self.arrays.items()}
        self._thread = threading.Thread(target=self._loop, daemon=True,
                                        name=f"wordspace-sync-{self.group.rank}")
        self._thread.start()

    def check(self) -> None:
        """Raise the rounds' error, if they failed."""
        if self.error is not None:
            raise self.error

    def wait(self, final: bool = False) -> None:
        """Wait, with this rank's lanes paused, until every rank waits and all are fully
        synchronised (``final``: this rank has finished training)."""
        with self.cond:
            generation = self.generation
            self.flags[_WAITING], self.flags[_FINAL] = 1, float(final)
            self.cond.notify_all()  # a round now: the others may be waiting already
            while self.generation == generation and self.error is None:
                self.cond.wait(1.0)
        self.check()

    def release(self) -> None:
        """Let hot rounds go on after a boundary's work (checkpoint, callbacks)."""
        with self.cond:
            self.flags[_BUSY] = 0
            self.cond.notify_all()

    def finish(self) -> None:
        """The final full synchronisation, after which the rounds stop."""
        self.wait(final=True)
        self._thread.join()
        self.check()

    def leave(self) -> None:
        """After an agreed stop (this rank's checkpoint written): end the rounds once
        every rank leaves, without another synchronisation (nothing trained since)."""
        with self.cond:
            self.flags[_LEAVING] = self.flags[_WAITING] = self.flags[_BUSY] = 1
            self.cond.notify_all()
        if self._thread is not None:  # as long as another rank may write its checkpoint
            self._thread.join(timeout=_timeout_from_environment() + 30)

    def abort(self) -> None:
        """Tell the other ranks this one failed (in the next round) and stop."""
        with self.cond:
            self.flags[_FAILED] = 1
            self.cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=10 * self.settings.interval + 30)

    # -- the rounds -----------------------------------------------------------------------
    def _loop(self) -> None:
        try:
            while self._round():
                with self.cond:
                    if not self.flags[_WAITING] and not self.flags[_FAILED]:
                        self.cond.wait(self.settings.interval)
        except BaseException as e:  # noqa: BLE001 - surfaced by check() in training
            with self.cond:
                self.error = e if isinstance(e, RankFailed) else RankFailed(
                    f"rank {self.group.rank}: synchronisation failed ({type(e).__name__}: "
                    f"{e})")
                self.cond.notify_all()

    def _round(self) -> bool:
        """One round; False when the rounds are over (finished, or this rank failed)."""
        world = self.group.world
        with self.cond:
            self.flags[_WORDS] = self.words()
            self.flags[_STOP] = float(bool(self.stop_asked is not None and self.stop_asked()))
            control = np.concatenate([self.flags, np.zeros(world)])
            control[_SLOTS + self.group.rank] = self.flags[_FAILED]
            control[_BUSY] = max(control[_BUSY], float(self.boundaries_only))
        started = time.perf_counter()
        self.group.all_reduce(control, what="a control round")
        self.sent += control.nbytes
        if control[_FAILED]:
            if self.flags[_FAILED]:
                return False
            failed = [str(r) for r in range(world) if control[_SLOTS + r]]
            raise RankFailed(f"rank {', '.join(failed)} of {world} failed (see its log); "
                             f"rank {self.group.rank} stops too{resume_advice()}")
        if control[_LEAVING] and control[_LEAVING] + control[_FINAL] == world:
            return False  # every rank stopped (checkpoint written) or had finished
        self.global_words = int(control[_WORDS])
        if control[_STOP] and not self.stop_agreed:
            with self.cond:
                self.stop_agreed = True  # in this round on every rank
                self.cond.notify_all()
        if control[_WAITING] == world:
            self._sync(None)
            with self.cond:
                self.met_words = self.global_words
                # every rank stops here, or none: a stop agreed while some ranks were
                # still busy with this meeting is for the next one
                self.stop_at_meeting = self.stop_agreed
                self.generation += 1
                self.full_syncs += 1
                if not self.flags[_FINAL]:  # back to training, once the boundary is done
                    self.flags[_WAITING], self.flags[_BUSY] = 0, 1
                self.cond.notify_all()
            over = control[_FINAL] == world
        else:
            if not control[_BUSY]:  # no rank is writing what a round would change
                self._sync(ruler_rows(self.rounds + 1, self.settings.rows))
            over = False
        self.rounds += 1
        self.seconds += time.perf_counter() - started
        return not over

    def _sync(self, rows: int | None) -> None:
        """Add every rank's change of rows ``0 .. rows - 1`` (None: all) to this rank's."""
        if rows is None:  # every lane paused: rows become exactly base + sum, on all ranks
            for name, array in self.arrays.items():
                for live, old in zip(_chunks(array), _chunks(self.base[name]), strict=True):
                    old += self._combine([live - old], f"a full synchronisation of {name}")[0]
                    live[...] = old
            self._project(len(next(iter(self.arrays.values()))))
            return
        changes = [array[:rows] - self.base[name][:rows] for name, array in self.arrays.items()]
        totals = self._combine(changes, "a synchronisation of the hot rows")
        for (name, array), change, total in zip(self.arrays.items(), changes, totals,
                                                strict=True):
            array[:rows] += total - change  # the others' changes; this rank's stay
            self.base[name][:rows] += total
        self._project(rows)

    def _project(self, rows: int) -> None:
        """Rows ``0 .. rows - 1`` back into the objective's bounds, in the base (alike on
        every rank) as in the live arrays: a projection's change is no rank's change,
        so no round sends it to the others (who would add it again)."""
        if self.project is not None:
            self.project(self.base, rows)
            self.project(self.arrays, rows)

    def _combine(self, changes: list[np.ndarray], what: str) -> list[np.ndarray]:
        """The ranks' ``changes`` (one array each, rows first) summed or averaged as
        ``combine`` says, in one all-reduce."""
        flat = self.group.all_reduce(np.concatenate([c.ravel() for c in changes]), what=what)
        self.sent += flat.nbytes
        if self.settings.combine == "average":
            flat *= 1.0 / self.group.world
        bounds = np.cumsum([0] + [c.size for c in changes])
        return [flat[a:b].reshape(c.shape)
                for a, b, c in zip(bounds[:-1], bounds[1:], changes, strict=True)]

    def summary(self) -> str:
        """Rounds, full synchronisations, bytes sent and the time they took."""
        return (f"rank {self.group.rank}: {self.rounds:,} synchronisation rounds "
                f"({self.full_syncs} full), {self.sent / 2**20:,.1f} MiB sent "
                f"({self.sent / max(self.rounds, 1) / 2**10:,.1f} KiB per round), "
                f"{self.seconds:.1f} s in rounds")


def ruler_rows(round_number: int, rows: int) -> int:
    """Rows synchronised in hot round ``round_number`` (from 1): ``rows`` times the
    largest power of two dividing it."""
    return rows * (round_number & -round_number)


def _chunks(array: np.ndarray) -> list[np.ndarray]:
    """Views of ``array``'s rows in blocks of at most :data:`CHUNK` values."""
    per_row = max(int(np.prod(array.shape[1:])), 1)
    step = max(CHUNK // per_row, 1)
    return [array[i:i + step] for i in range(0, max(len(array), 1), step)]
