"""The meter: what a run did, counted as it happens, and whether it is diverging.

Every step reports its job to one :class:`Meter`, whatever the model and the runner:
words walked, examples and (centre, context) pairs trained, and the loss summed over
its terms, per epoch, in float64 (sums that never saturate). The meter feeds the
progress bar and builds the :class:`TrainingReport`; it also raises
:class:`TrainingDiverged` when the loss stops being finite or grows far above an
untrained model's.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

from wordspace._tokens import shorten
from wordspace.engine.jobs import Job
from wordspace.engine.sampler import Examples

#: a running loss this many times an untrained model's is divergence (healthy training
#: only lowers it; SGNS at the default rates ends near half its starting value)
DIVERGENCE_FACTOR = 10.0
#: tracked loss terms gathered before their mean is compared with the reference
DIVERGENCE_TERMS = 2_000


class TrainingDiverged(RuntimeError):
    """The loss stopped being finite, or grew far above its starting value: the learning
    rate is too high for this model."""


def format_loss(value: float) -> str:
    """A loss for people: four decimals, or "n/a" when undefined (nothing was trained)."""
    return f"{value:.4f}" if math.isfinite(value) else "n/a"


@dataclass
class TrainingReport:
    """What a training run did: counted by the workers, not inferred (a model's
    ``report_``, saved as its ``training.json``).

    Attributes
    ----------
    words : int
        Corpus tokens walked over, before subsampling, in every epoch together: a corpus
        of 300,000 words trained for 3 epochs counts 900,000 (what ``wordspace train``
        says it trained on; ``repr(model)`` gives the corpus's words once, and the
        epochs).
    examples : int
        Centre words trained: those subsampling kept that had a context word.
    pairs : int
        (centre, context) pairs trained.
    seconds : float
        Seconds spent training; a resumed run's count the interrupted runs' too.
    epoch_words : list of int
        ``words`` epoch by epoch.
    epoch_loss : list of float
        Each epoch's mean loss per loss term (a pair for negative sampling, sampled; a
        triple for the Gaussian max-margin loss); NaN for an epoch that trained nothing
        (subsampling discarded it all): undefined, not perfect.
    resumed : bool
        The run continued from a checkpoint (see ``seconds``).
    words_per_second, loss
        ``words / seconds``, and the last epoch's mean loss.
    """

    words: int  # corpus tokens walked over, before subsampling, all epochs
    examples: int  # centre words trained (after subsampling; those with a context)
    pairs: int  # (centre, context) pairs trained
    seconds: float
    epoch_words: list[int]  # tokens walked in each epoch
    epoch_loss: list[float]  # mean loss per loss term in each epoch (a pair for SGNS,
    # a triple for the max-margin loss; sampled for SGNS, see kernels.sgns); NaN for an
    # epoch that trained nothing (subsampling discarded it all): undefined, not perfect
    resumed: bool = False  # the run continued from a checkpoint (``seconds`` counts the
    # interrupted runs too); a checkpoint folder that was there but held nothing to
    # resume (a distributed run's mark only) is a fresh run

    @property
    def words_per_second(self) -> float:
        """Corpus words walked per second of training."""
        return self.words / self.seconds if self.seconds > 0 else float("inf")

    @property
    def loss(self) -> float:
        """Mean loss per pair in the last epoch."""
        return self.epoch_loss[-1] if self.epoch_loss else float("nan")

    def as_dict(self) -> dict:
        """Plain fields (for ``training.json``); an undefined loss is None (JSON null)."""
        fields = asdict(self)
        fields["epoch_loss"] = [x if math.isfinite(x) else None for x in self.epoch_loss]
        return {**fields, "words_per_second": self.words_per_second}

    @classmethod
    def from_dict(cls, fields: dict) -> TrainingReport:
        """The report :meth:`as_dict` wrote (``training.json``); a ``ValueError`` if it is
        not one."""
        try:
            return cls(words=int(fields["words"]), examples=int(fields["examples"]),
                       pairs=int(fields["pairs"]), seconds=float(fields["seconds"]),
                       epoch_words=[int(n) for n in fields["epoch_words"]],
                       epoch_loss=[float("nan") if x is None else float(x)
                                   for x in fields["epoch_loss"]],
                       resumed=fields.get("resumed", False) is True)  # older: not said
        except (KeyError, TypeError, ValueError) as e:
            raise ValueError(f"not a training report ({type(e).__name__}: {e})") from None

    def summary(self) -> str:
        """One line: words, pairs, seconds, words/s and the final loss."""
        return (f"trained {self.words:,} words ({self.pairs:,} pairs) in {self.seconds:.1f} s: "
                f"{self.words_per_second:,.0f} words/s, final loss {format_loss(self.loss)}")


def far_above(mean: float, reference: float | None) -> bool:
    """Whether a loss per term of ``mean`` is far above an untrained model's
    ``reference`` (None: the loss has no reference): the rule training and inference
    call divergence."""
    return reference is not None and mean > DIVERGENCE_FACTOR * reference


def lower_alpha(alpha: float, default: float | None = None) -> str:
    """What a run (or an inference) that diverged at learning rate ``alpha`` should try: a
    quarter of it, or, where ``alpha`` is many times the model's ``default`` (a quarter
    of ``--alpha 100``, 25, diverges too), the default."""
    if default is not None and alpha >= 4 * default:
        return f"lower alpha (now {alpha:g}), e.g. to {default:g}, the model's default"
    return f"lower alpha (now {alpha:g}), e.g. to {alpha / 4:g}"


class Meter:
    """Counters every lane of a run shares (thread-safe), per epoch.

    ``reference`` is an untrained model's mean loss per term
    (:meth:`wordspace.losses.Loss.reference_loss`; None: only a non-finite loss is
    divergence); ``alpha`` is named in the advice a divergence gives
    (:func:`lower_alpha`, with the model's ``default_alpha``), and ``advice``
    (:meth:`wordspace.losses.Loss.divergence_advice`) follows it.
    """

    def __init__(self, epochs: int, total_words: int, reference: float | None = None,
                 alpha: float = float("nan"), advice: str = "",
                 default_alpha: float | None = None):
        self.epochs, self.total_words = epochs, total_words
        self.reference, self.alpha, self.advice = reference, alpha, advice
        self.default_alpha = default_alpha
        self.lock = threading.Lock()
        self.words = self.examples = self.pairs = 0
        self.epoch_words = [0] * epochs
        self.epoch_loss = [0.0] * epochs
        self.epoch_terms = [0] * epochs
        self.lr = alpha  # the last finished job's
        # since the progress bar last looked, and since the divergence check last did
        self._shown_loss, self._shown_terms, self._shown_active = 0.0, 0, 0
        self._recent_loss, self._recent_terms = 0.0, 0

    def diverged(self, epoch: int, lr: float, mean: float) -> TrainingDiverged:
        """The error for a loss per term of ``mean`` in ``epoch`` at rate ``lr``."""
        what = ("the loss is no longer finite" if not math.isfinite(mean) else
                f"the loss per term is {mean:.4g}, over {DIVERGENCE_FACTOR:g} times an "
                f"untrained model's {self.reference:.4g}")
        return TrainingDiverged(
            f"training diverged in epoch {epoch + 1} of {self.epochs}: {what} at learning "
            f"rate {lr:.4g}; {lower_alpha(self.alpha, self.default_alpha)}{self.advice}")

    def record(self, job: Job, lr: float, examples: Examples, loss: float, terms: int,
               active: int) -> None:
        """Count a finished ``job`` trained at ``lr`` into ``examples`` whose update
        returned ``(loss, terms, active)``; raise :class:`TrainingDiverged` if the loss is
        not finite or the running loss per term is far above the reference."""
        self.add(epoch=job.epoch, words=job.words, examples=examples.n_examples,
                 pairs=examples.n_contexts, lr=lr, loss=loss, terms=terms, active=active)

    def add(self, *, epoch: int, words: int, examples: int, pairs: int, lr: float,
            loss: float, terms: int, active: int) -> None:
        """Count work done in ``epoch`` (by jobs, or by an executor that reports in larger
        steps), as :meth:`record` does."""
        if not math.isfinite(loss):
            raise self.diverged(epoch, lr, loss)
        with self.lock:
            self._recent_loss += loss
            self._recent_terms += terms
            if self._recent_terms >= DIVERGENCE_TERMS:
                mean = self._recent_loss / self._recent_terms
                self._recent_loss, self._recent_terms = 0.0, 0
                if far_above(mean, self.reference):
                    raise self.diverged(epoch, lr, mean)
            self.words += words
            self.examples += examples
            self.pairs += pairs
            self.epoch_words[epoch] += words
            self.epoch_loss[epoch] += loss
            self.epoch_terms[epoch] += terms
            self._shown_loss += loss
            self._shown_terms += terms
            self._shown_active += active
            self.lr = lr

    def recent(self) -> tuple[int, float, float | None, float | None]:
        """For a progress display: words done, the last rate, and the loss per term and
        active share since the previous call (None when no term was counted since)."""
        with self.lock:
            loss = active = None
            if self._shown_terms:
                loss = self._shown_loss / self._shown_terms
                active = self._shown_active / self._shown_terms
                self._shown_loss, self._shown_terms, self._shown_active = 0.0, 0, 0
            return self.words, self.lr, loss, active

    def report(self, seconds: float, epochs: int | None = None) -> TrainingReport:
        """The run's :class:`TrainingReport` (loss per term per epoch; NaN: none), or,
        given ``epochs``, the report of its first ``epochs`` epochs (at an epoch's end:
        ``report.loss`` is then that epoch's loss)."""
        epochs = self.epochs if epochs is None else epochs
        return TrainingReport(
            words=self.words, examples=self.examples, pairs=self.pairs, seconds=seconds,
            epoch_words=list(self.epoch_words[:epochs]),
            epoch_loss=[total / n if n else float("nan")
                        for total, n in zip(self.epoch_loss[:epochs], self.epoch_terms[:epochs],
                                            strict=True)])

    def combine(self, reduce: Callable[[np.ndarray], np.ndarray]) -> None:
        """Replace the counts (words, examples, pairs, and per epoch: words, loss and
        terms) by ``reduce`` of them (float64, in that order): with a sum over the ranks
        of a distributed run, the meter counts the whole run."""
        n = self.epochs
        with self.lock:
            values = reduce(np.array([self.words, self.examples, self.pairs,
                                      *self.epoch_words, *self.epoch_loss, *self.epoch_terms],
                                     np.float64))
            self.words, self.examples, self.pairs = (int(v) for v in values[:3])
            self.epoch_words = [int(v) for v in values[3:3 + n]]
            self.epoch_loss = [float(v) for v in values[3 + n:3 + 2 * n]]
            self.epoch_terms = [int(v) for v in values[3 + 2 * n:]]

    #: the counts a checkpoint keeps (the progress bar's since-last-look ones start anew)
    _STATE = ("words", "examples", "pairs", "epoch_words", "epoch_loss", "epoch_terms", "lr",
              "_recent_loss", "_recent_terms")

    def state(self) -> dict:
        """The counts, as JSON values (floats round-trip exactly), for a checkpoint."""
        with self.lock:
            return {name: getattr(self, name) if not isinstance(getattr(self, name), list)
                    else list(getattr(self, name)) for name in self._STATE}

    def restore(self, state: dict) -> None:
        """Continue from :meth:`state`'s counts (a ``ValueError`` if they do not fit)."""
        for name in self._STATE:
            value, mine = state.get(name), getattr(self, name)
            ok = (isinstance(value, list) and len(value) == len(mine)
                  and all(isinstance(v, type(m)) for v, m in zip(value, mine, strict=True))
                  if isinstance(mine, list) else isinstance(value, (int, float)))
            if not ok:
                raise ValueError(f"the meter's {name!r} is missing or does not fit a run of "
                                 f"{self.epochs} epochs")
            # counts, losses (each term's is >= 0) and the rate: finite, never negative
            if not all(not isinstance(v, bool) and 0 <= v < 2 ** 63 and math.isfinite(v)
                       for v in (value if isinstance(value, list) else [value])):
                raise ValueError(f"the meter's {name!r} holds a negative or non-finite "
                                 f"value ({shorten(repr(value))})")
        with self.lock:
            for name in self._STATE:
                value = state[name]
                setattr(self, name, list(value) if isinstance(value, list) else value)
