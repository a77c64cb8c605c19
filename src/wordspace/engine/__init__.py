"""The training engine: what every window-based model's run is made of.

* :class:`~wordspace.engine.sampler.Sampler` turns a job of sentences into
  :class:`~wordspace.engine.sampler.Examples` (windows, subsampling, negatives);
* :mod:`~wordspace.engine.jobs` cuts a run into numbered jobs;
* :mod:`~wordspace.engine.params` names each model family's parameters
  (:class:`~wordspace.engine.params.VectorParams`,
  :class:`~wordspace.engine.params.GaussianParams`);
* :class:`~wordspace.engine.schedule.Schedule` gives each job its learning rate;
* a :class:`~wordspace.engine.runner.Runner` (:class:`~wordspace.engine.runner.ThreadRunner`)
  executes the jobs;
* a :class:`~wordspace.engine.meter.Meter` counts what they did and watches for
  divergence;
* :mod:`~wordspace.engine.checkpoint` writes and reads a run's state at a job boundary
  (resume), and :mod:`~wordspace.engine.callbacks` defines ``fit``'s callbacks.

See docs/architecture.md for the data path and the contracts.
"""

from wordspace.engine.jobs import Job, epoch_jobs, make_jobs
from wordspace.engine.meter import Meter, TrainingDiverged, TrainingReport
from wordspace.engine.params import GaussianParams, VectorParams
from wordspace.engine.runner import Pauses, Runner, ThreadRunner
from wordspace.engine.sampler import Examples, Sampler, random_state
from wordspace.engine.schedule import Schedule

__all__ = ["Examples", "GaussianParams", "Job", "Meter", "Pauses", "Runner", "Sampler",
           "Schedule", "ThreadRunner", "TrainingDiverged", "TrainingReport", "VectorParams",
           "epoch_jobs", "make_jobs", "random_state"]
