"""The process group wordspace trains in: torch.distributed, seen through NumPy.

wordspace does not launch processes or find its peers itself: ``torchrun``, SLURM's
``srun`` or Ray Train start the processes and set ``RANK``, ``WORLD_SIZE``,
``MASTER_ADDR`` and ``MASTER_PORT``; :func:`current_group` joins the group they describe
(or uses the one the program already initialised). Parameters live in NumPy arrays
(the compiled kernels' memory); torch tensors that share their memory carry them through
the collectives, over gloo, which works between CPU processes on one machine or many.
A program that initialised NCCL for its GPUs gets a gloo group beside it for these
CPU arrays.
"""

from __future__ import annotations

import atexit
import datetime
import logging
import math
import os
import re
import signal
import sys
import threading
from contextlib import contextmanager

import numpy as np

__all__ = ["Group", "RankFailed", "RanksDisagree", "check_agreement", "current_group"]

logger = logging.getLogger(__name__)


class RankFailed(RuntimeError):
    """Another rank of the run failed or disappeared; this one stops too."""


class RanksDisagree(ValueError):
    """The ranks were given different settings (or different text): every rank refuses
    to go on, naming the first difference."""


def check_agreement(group, what: str, settings: dict) -> None:
    """Refuse, on every rank alike, to go on when the ranks' ``settings`` (``what``
    names them, e.g. "training settings") are not all rank 0's: a run whose ranks train
    other settings or other text mixes them silently, or hangs in a collective of
    mismatched sizes. ``group``: anything with ``rank``, ``world`` and ``all_gather``."""
    gathered = group.all_gather(settings, what=f"the check of the ranks' {what}")
    first = gathered[0]
    for rank, theirs in enumerate(gathered[1:], 1):
        if theirs == first:
            continue
        keys = [k for k in {**first, **theirs} if first.get(k) != theirs.get(k)]
        shown = "; ".join(_difference(k, theirs.get(k), first.get(k), rank)
                          for k in keys[:3])
        raise RanksDisagree(f"the ranks were given different {what} ({shown}): every rank "
                            "must run the same command on the same corpus")


def _difference(key: str, theirs, ours, rank: int) -> str:
    """One setting's difference, said briefly: of two lists (a corpus's files), the first
    item that differs, not the whole lists."""
    if isinstance(theirs, list) and isinstance(ours, list):
        at = next((i for i, (a, b) in enumerate(zip(theirs, ours, strict=False)) if a != b),
                  min(len(theirs), len(ours)))
        theirs, ours = (theirs[at] if at < len(theirs) else "nothing",
                        ours[at] if at < len(ours) else "nothing")
        key = f"{key}, item {at + 1}"
    return f"{key}: {theirs!r} on rank {rank}, {ours!r} on rank 0"


def _world_from_environment() -> int:
    """The launcher's ``WORLD_SIZE`` (1 when unset), its ``RANK`` and ``MASTER_PORT``
    checked where set: a value that cannot be (``WORLD_SIZE=0``, a rank past the last,
    a port that is no number) raises ValueError naming the variable and its value, rather
    than training alone, waiting for ranks that never come, or failing inside torch."""
    world = _int_from_environment("WORLD_SIZE", "1", 1, None, "a number of processes")
    if world > 1:
        _int_from_environment("RANK", "0", 0, world - 1,
                              f"a rank of WORLD_SIZE={world} processes")
        _int_from_environment("MASTER_PORT", "1", 1, 65535, "a port number")
    return world


def _int_from_environment(name: str, default: str, low: int, high: int | None,
                          what: str) -> int:
    """The environment variable ``name`` (``default`` when unset) as an integer from
    ``low`` to ``high`` (None: no bound), or ValueError saying it is not ``what``."""
    value = os.environ.get(name, default)
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or number < low or (high is not None and number > high):
        bounds = f"{low} or more" if high is None else f"{low} to {high}"
        raise ValueError(f"{name}={value!r} is not {what} ({bounds}): check the launcher's "
                         "environment (see docs/distributed.md, Launching)")
    return number


#: whether this process's run writes checkpoints (``--checkpoint-every``,
#: ``fit(checkpoint=...)``): only then does running it again resume anything
_RUN = {"checkpoints": False}


def run_checkpoints(checkpoints: bool) -> None:
    """Say whether this process's run writes checkpoints (what a failure's message
    offers: :func:`resume_advice`)."""
    _RUN["checkpoints"] = bool(checkpoints)


def resume_advice() -> str:
    """How a failure's message ends: running again resumes the run, where it writes
    checkpoints (:func:`run_checkpoints`); nothing where it starts over."""
    return (". Run the command again, without --restart, to resume from the last "
            "checkpoint") if _RUN["checkpoints"] else ""


class Group:
    """Rank ``rank`` of ``world`` processes, with the collectives the run needs, on NumPy
    arrays (changed in place) and small Python objects."""

    def __init__(self, torch_group=None):
        import torch
        import torch.distributed as dist

        self._torch, self._dist, self._group = torch, dist, torch_group
        self.rank = dist.get_rank()
        self.world = dist.get_world_size()

    def __repr__(self) -> str:
        return f"Group(rank={self.rank}, world={self.world})"

    def _call(self, what: str, fn, *args, **kwargs):
        """Run a collective; a peer's failure (a closed connection, a timeout) becomes
        :class:`RankFailed` naming this rank and the collective."""
        try:
            with _interrupt_ends_the_wait():
                return fn(*args, group=self._group, **kwargs)
        except RuntimeError as e:  # gloo reports a lost peer as a RuntimeError
            said = str(e).splitlines()[0]
            waited = re.search(r"Timed out waiting (\d+)ms", said)
            said = said[:200]
            if waited is None:
                raise RankFailed(f"rank {self.rank} of {self.world}: another rank failed "
                                 f"or disappeared during {what} ({said}); see the other "
                                 f"ranks' logs{resume_advice()}") from None
            # no rank failed, maybe: one still reading is as silent as one that hangs
            raise RankFailed(
                f"rank {self.rank} of {self.world}: waited WORDSPACE_DIST_TIMEOUT="
                f"{int(waited[1]) / 1000:g} s for the other ranks during {what}, in vain: "
                "a rank merely slower by that much (reading a larger share, or from a cold "
                "cache) counts as lost. Raise WORDSPACE_DIST_TIMEOUT (seconds) where a rank "
                f"may be that slow; else see the other ranks' logs{resume_advice()}") from None

    def all_reduce(self, array: np.ndarray, what: str = "a synchronisation") -> np.ndarray:
        """Sum ``array`` (contiguous) over the ranks, in place; returns it."""
        self._call(what, self._dist.all_reduce, self._torch.from_numpy(array))
        return array

    def broadcast(self, array: np.ndarray, source: int = 0, what: str = "a broadcast"
                  ) -> np.ndarray:
        """Overwrite ``array`` (contiguous) with rank ``source``'s, in place."""
        self._call(what, self._dist.broadcast, self._torch.from_numpy(array), src=source)
        return array

    def all_gather(self, value, what: str = "a gather") -> list:
        """Every rank's ``value`` (a picklable object), in rank order."""
        out = [None] * self.world
        self._call(what, self._dist.all_gather_object, out, value)
        return out


def current_group() -> Group | None:
    """The group this process trains in, or None when it trains alone.

    A group is used when torch.distributed is already initialised with more than one
    process, or when the launcher's environment says so (``WORLD_SIZE`` > 1, as
    ``torchrun`` sets it): the group is then initialised from that environment. Without
    either, torch is not even imported. A launcher's environment without torch
    installed is a clear error.
    """
    world = _world_from_environment()
    if world <= 1 and "torch" not in sys.modules:
        return None
    try:
        import torch.distributed as dist
    except ImportError:
        raise RuntimeError(f"WORLD_SIZE={world} says this process is one of {world}, but "
                           "torch is not installed: pip install 'wordspace[distributed]' "
                           "(or unset WORLD_SIZE to train alone)") from None
    if not dist.is_available():
        raise RuntimeError("this torch was built without torch.distributed")
    if not dist.is_initialized():
        if world <= 1:
            return None
        _join(dist, world, _timeout_from_environment())
        atexit.register(_leave, dist)  # gloo's threads must stop before the interpreter
        logger.info("joined the process group as rank %d of %d (gloo)", dist.get_rank(),
                    dist.get_world_size())
    if dist.get_world_size() <= 1:
        return None
    group = None if dist.get_backend() == "gloo" else _gloo_group(dist)
    return Group(group)


#: seconds a rank waits to join the others before it says what it waits for (a normal
#: start joins in about one: a line on every start would be noise)
JOIN_NOTICE = 5.0


def _join(dist, world: int, timeout: float) -> None:
    """Join the launcher's group; a rank still waiting after :data:`JOIN_NOTICE`
    seconds says for what and for how long (torch says nothing until its timeout)."""
    notice = threading.Timer(JOIN_NOTICE, logger.warning, (
        "waiting up to %g s (WORDSPACE_DIST_TIMEOUT) for the other ranks of %d to join "
        "at %s (MASTER_ADDR:MASTER_PORT); Ctrl-C ends this rank", timeout, world, _master()))
    notice.daemon = True
    notice.start()
    try:
        with _interrupt_ends_the_wait():
            dist.init_process_group("gloo", timeout=datetime.timedelta(seconds=timeout))
    except RuntimeError as e:  # torch's says only which socket timed out
        said = str(e).splitlines()[0][:200]
        if "timed out" not in said.lower():
            raise
        raise RankFailed(
            f"rank {os.environ.get('RANK', '?')} of {world}: the other ranks did not join "
            f"within WORDSPACE_DIST_TIMEOUT={timeout:g} s at {_master()} "
            f"(MASTER_ADDR:MASTER_PORT; torch: {said}): start every rank with the same "
            "MASTER_ADDR (an address of rank 0's machine that the others reach) and "
            "MASTER_PORT, or raise WORDSPACE_DIST_TIMEOUT where a rank starts later") from None
    finally:
        notice.cancel()


def _master() -> str:
    """Where the ranks meet: ``MASTER_ADDR:MASTER_PORT``."""
    return f"{os.environ.get('MASTER_ADDR', '?')}:{os.environ.get('MASTER_PORT', '?')}"


@contextmanager
def _interrupt_ends_the_wait():
    """Ctrl-C (SIGINT) ends the process while its main thread waits in torch's C++ (to
    join the group, in a collective): Python's handler, which raises KeyboardInterrupt,
    would run only once the wait returns, up to WORDSPACE_DIST_TIMEOUT later. A handler
    the program set itself (or SIGINT ignored) is left alone, and so are other threads'
    waits (the synchronisation's: the main thread, training, hears Ctrl-C itself)."""
    if threading.current_thread() is not threading.main_thread() \
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield
        return
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def _timeout_from_environment() -> float:
    """``$WORDSPACE_DIST_TIMEOUT``: seconds any collective may wait for the other ranks
    (default 1800)."""
    value = os.environ.get("WORDSPACE_DIST_TIMEOUT", "1800")
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise ValueError(f"WORDSPACE_DIST_TIMEOUT={value!r} must be a positive number of "
                         "seconds")
    return seconds


def _leave(dist) -> None:
    """Destroy the group this module initialised (at exit)."""
    if dist.is_initialized():
        dist.destroy_process_group()


_GLOO = {}


def _gloo_group(dist):
    """A gloo group of every rank, beside a group of another backend (NCCL), made once."""
    if "group" not in _GLOO:
        _GLOO["group"] = dist.new_group(backend="gloo")
    return _GLOO["group"]
