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
  ``poll_seconds`` and once at the end (the progress bar); an exception it raises fails
  the run like a lane's; an interrupt (Ctrl-C) stops the lanes, waits for their current
  job and is raised.
* With one lane, jobs run in index order: the same seed gives the same vectors.
* ``pauses`` (optional, :class:`Pauses`): before handing out a job for which
  ``pauses.due(job)`` is true, the runner stops handing out jobs, waits until every lane
  is idle (all earlier jobs done, none started after), calls ``pauses.at(job)`` from the
  calling thread, and goes on. The job boundary is then a consistent state: a checkpoint
  or an end-of-epoch callback sees exactly the jobs before ``job`` done. An exception in
  ``at`` fails the run like a lane's.

A GPU executor implements ``run`` with one lane whose ``step`` batches jobs onto a
device (:class:`wordspace.train.DeviceExecutor`); in a distributed run each rank's runner
executes the jobs of its own share of the corpus, and the ranks' parameters are kept
together beside it (:mod:`wordspace.distributed.sync`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

from wordspace.engine.jobs import Job

Step = Callable[[Job], None]


class Pauses:
    """Interface: where a run stops between jobs, and what it does there."""

    def due(self, job: Job) -> bool:
        """Whether to pause before ``job`` is handed out (called with the queue locked:
        keep it cheap)."""
        raise NotImplementedError

    def at(self, job: Job) -> None:
        """Called with every lane idle, before ``job`` is handed out."""
        raise NotImplementedError


class Runner:
    """Interface: executes jobs (see the module docstring for the contract)."""

    #: execution lanes (threads, streams, ranks) this runner uses
    workers: int = 1

    def run(self, jobs: Sequence[Job], worker: Callable[[int], Step],
            monitor: Callable[[], None] | None = None, pauses: Pauses | None = None) -> None:
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

    def run(self, jobs, worker, monitor=None, pauses=None):
        """See :meth:`Runner.run`: the lanes take jobs in order from one queue; the
        first exception of any lane stops them all and is raised."""
        cond = threading.Condition()
        queue = iter(jobs)
        failures: list[BaseException] = []
        stop = threading.Event()
        # under cond: the next job, lanes still running and lanes inside a step, the job
        # a pause is waiting before (None: none) and the last one paused before
        shared = {"next": next(queue, None), "running": self.workers, "busy": 0,
                  "held": None, "passed": None}

        def fail(e: BaseException) -> None:
            with cond:
                failures.append(e)  # the first failure is the cause
                stop.set()
                cond.notify_all()

        def take() -> Job | None:
            with cond:
                while True:
                    job = shared["next"]
                    if stop.is_set() or job is None:
                        return None
                    if shared["held"] is None and pauses is not None \
                            and shared["passed"] is not job and pauses.due(job):
                        shared["held"] = job
                        cond.notify_all()
                    if shared["held"] is not None:  # wait for the pause to end
                        cond.wait()
                        continue
                    shared["next"] = next(queue, None)
                    shared["busy"] += 1
                    return job

        def lane(i: int) -> None:
            try:  # everything, allocations included: any failure fails the run
                step = worker(i)
                while (job := take()) is not None:
                    try:
                        step(job)
                    finally:
                        with cond:
                            shared["busy"] -= 1
                            if shared["held"] is not None:  # only a pause waits for this
                                cond.notify_all()
            except BaseException as e:  # surfaced in the calling thread
                fail(e)
            finally:
                with cond:
                    shared["running"] -= 1
                    cond.notify_all()

        def paused() -> bool:
            return shared["held"] is not None and shared["busy"] == 0

        threads = [threading.Thread(target=lane, args=(i,), daemon=True,
                                    name=f"{self.name}-{i}") for i in range(self.workers)]
        for t in threads:
            t.start()
        try:
            shown = time.monotonic()
            while True:
                with cond:
                    cond.wait_for(lambda: shared["running"] == 0 or paused(),
                                  timeout=self.poll_seconds)
                    done = shared["running"] == 0
                    job = shared["held"] if paused() and not stop.is_set() else None
                if job is not None:
                    try:
                        pauses.at(job)
                    except BaseException as e:
                        fail(e)
                    with cond:
                        shared["held"], shared["passed"] = None, job
                        cond.notify_all()
                if monitor is not None and (done or time.monotonic() - shown
                                            >= self.poll_seconds):
                    try:  # a monitor that raises (another rank failed) fails the run
                        monitor()
                    except Exception as e:  # noqa: BLE001 - raised by run, below
                        fail(e)
                    shown = time.monotonic()
                if done:
                    break
        except KeyboardInterrupt:
            fail(KeyboardInterrupt())
            for t in threads:
                t.join()
            raise
        for t in threads:
            t.join()
        if failures:
            raise failures[0]
