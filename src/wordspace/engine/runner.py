"""Runners execute a run's jobs; they know nothing of models, losses or samplers.

The contract every runner keeps (:class:`Runner`):

* ``run(jobs, worker, monitor)`` executes every job of ``jobs`` exactly once, taking
  them in order. ``worker(i)`` is called once per execution lane ``i`` (a thread today;
  a device stream or a rank tomorrow) *inside that lane*, so its allocations fail the
  run like any step; it returns the lane's ``step(job)``, which does all of a job's work
  (sample, update, meter) and may be called concurrently from several lanes on shared
  parameters (Hogwild: updates without locks, as word2vec.c does).
* The first exception raised in any lane stops every lane (no new job is taken) and is
  raised by ``run``, so a run trains or raises, never reports success on a failure.
* ``monitor()``, if given, is called from the calling thread about every
  ``poll_seconds`` and once at the end (the progress bar); an interrupt (Ctrl-C) stops
  the lanes, waits for their current job and is raised.
* With one lane, jobs run in index order: the same seed gives the same vectors.

A GPU executor would implement ``run`` with one lane whose ``step`` batches jobs onto a
device; a distributed wrapper would hand each rank its share of ``jobs`` (their indices,
and so their learning rates, unchanged) to an inner runner and reduce the parameters
between epochs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from wordspace.engine.jobs import Job

Step = Callable[[Job], None]


class Runner:
    """Interface: executes jobs (see the module docstring for the contract)."""

    #: execution lanes (threads, streams, ranks) this runner uses
    workers: int = 1

    def run(self, jobs: Sequence[Job], worker: Callable[[int], Step],
            monitor: Callable[[], None] | None = None) -> None:
        """Execute every job once; raise the first exception of any lane."""
        raise NotImplementedError


class ThreadRunner(Runner):
    """``workers`` Python threads taking jobs in order from one queue.

    The steps are meant to spend their time in compiled ``nogil`` kernels, so threads
    run truly in parallel and update shared parameters without locks (Hogwild).
    """

    def __init__(self, workers: int, poll_seconds: float = 0.5, name: str = "wordspace"):
        self.workers = workers
        self.poll_seconds = poll_seconds
        self.name = name

    def run(self, jobs, worker, monitor=None):
        lock = threading.Lock()
        queue = iter(jobs)
        failures: list[BaseException] = []
        stop = threading.Event()

        def lane(i: int) -> None:
            try:  # everything, allocations included: any failure fails the run
                step = worker(i)
                while not stop.is_set():
                    with lock:
                        job = next(queue, None)
                    if job is None:
                        return
                    step(job)
            except BaseException as e:  # surfaced in the calling thread
                with lock:
                    failures.append(e)  # the first failure is the cause
                stop.set()

        threads = [threading.Thread(target=lane, args=(i,), daemon=True,
                                    name=f"{self.name}-{i}") for i in range(self.workers)]
        for t in threads:
            t.start()
        try:
            while alive := [t for t in threads if t.is_alive()]:
                alive[0].join(timeout=self.poll_seconds)
                if monitor is not None:
                    monitor()
        except KeyboardInterrupt:
            stop.set()
            for t in threads:
                t.join()
            raise
        if failures:
            raise failures[0]
