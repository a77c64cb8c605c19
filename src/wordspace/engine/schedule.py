"""The learning-rate schedule: a pure function of the job's index.

Jobs are handed out in order, so the words started before job ``i`` are the sum of the
earlier jobs' sizes whichever worker takes which job: the rate of every job is known
before the run starts, and is precomputed. A run stopped after job ``i`` and resumed
meets the same rates from job ``i + 1`` on.
"""

from __future__ import annotations

from collections.abc import Sequence


class Schedule:
    """A learning rate per job, in job order (``rate(i)`` for job index ``i``)."""

    def __init__(self, rates: Sequence[float]):
        self.rates = [float(r) for r in rates]

    @classmethod
    def linear(cls, start: float, end: float, job_words: Sequence[int]) -> Schedule:
        """word2vec's decay: from ``start``, linearly in the words handed out before each
        job (of ``job_words``, in order), towards ``end`` at the last word."""
        total = max(int(sum(job_words)), 1)
        rates, started = [], 0
        for words in job_words:
            progress = min(started / total, 1.0)
            rates.append(start - (start - end) * progress)
            started += int(words)
        return cls(rates)

    def rate(self, index: int) -> float:
        """The learning rate of job ``index``."""
        return self.rates[index]

    def __len__(self) -> int:
        return len(self.rates)
