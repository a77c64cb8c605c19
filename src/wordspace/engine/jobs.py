"""Jobs: the units of work a run is cut into, handed out in order.

A job is a run of whole sentences of about ``job_words`` tokens in one epoch. Jobs are
numbered in the order they are handed out (epoch by epoch), so anything that depends on
how far a run has got (the learning rate, see :mod:`wordspace.engine.schedule`) is a
function of the job's index alone, whichever worker takes it and when.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Job:
    """Sentences ``first .. stop - 1`` of the corpus, ``words`` tokens, in ``epoch``;
    ``index`` is its place in the run's order."""

    first: int
    stop: int
    words: int = 0
    epoch: int = 0
    index: int = 0


def make_jobs(offsets: np.ndarray, job_words: int) -> np.ndarray:
    """Sentence indices where jobs start: runs of whole sentences of at most ``job_words``
    tokens (a longer sentence is a job of its own). Returns boundaries ``b`` with job ``i``
    covering sentences ``b[i] .. b[i + 1] - 1``."""
    bounds = [0]
    n = len(offsets) - 1
    while bounds[-1] < n:
        s = bounds[-1]
        e = int(np.searchsorted(offsets, offsets[s] + job_words, side="right")) - 1
        bounds.append(min(max(e, s + 1), n))
    return np.asarray(bounds, dtype=np.int64)


def epoch_jobs(offsets: np.ndarray, bounds: np.ndarray, epochs: int) -> list[Job]:
    """Every job of a run: the jobs ``bounds`` cuts (:func:`make_jobs`), once per epoch,
    numbered in order."""
    offsets = np.asarray(offsets)
    sizes = offsets[bounds[1:]] - offsets[bounds[:-1]]
    cut = [(int(s0), int(s1), int(n)) for s0, s1, n in zip(bounds[:-1], bounds[1:], sizes,
                                                           strict=True)]
    return [Job(s0, s1, n, epoch, epoch * len(cut) + i)
            for epoch in range(epochs) for i, (s0, s1, n) in enumerate(cut)]
