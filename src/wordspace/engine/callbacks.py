"""Callbacks: code of yours that a run calls at its epoch ends and at its end.

``fit(corpus, callbacks=[...])`` takes objects with either method (gensim users'
habit); subclass :class:`Callback` to get the other as a no-op. An epoch end is a job
boundary: every lane is paused while the callbacks run, so they see the parameters
exactly as that epoch left them, and, with one worker, calling them changes no vector.
A callback's exception fails the run, like any worker's.
"""

from __future__ import annotations

__all__ = ["Callback", "check_callbacks"]


class Callback:
    """Base class for ``fit(..., callbacks=[...])``; override what you need."""

    def on_epoch_end(self, model, report) -> None:
        """After each epoch: ``model``'s arrays (and ``model.vectors`` where it has
        them) hold the parameters as the epoch left them; ``report`` is a
        :class:`~wordspace.engine.meter.TrainingReport` of the epochs so far
        (``len(report.epoch_loss)`` of them; ``report.loss`` is this epoch's loss)."""

    def on_train_end(self, model, report) -> None:
        """After the last epoch, once the model is complete, before its checkpoint (if
        any) is removed: save the model here and a crash at any moment loses nothing."""


def check_callbacks(callbacks) -> list:
    """``callbacks`` as a list, each checked to have ``on_epoch_end`` or
    ``on_train_end``; a ``TypeError`` naming the first that has neither."""
    if callbacks is None:
        return []
    if isinstance(callbacks, (str, bytes)) or not hasattr(callbacks, "__iter__"):
        raise TypeError(f"callbacks must be a list of callback objects, got "
                        f"{type(callbacks).__name__}")
    callbacks = list(callbacks)
    for callback in callbacks:
        if not any(callable(getattr(callback, name, None))
                   for name in ("on_epoch_end", "on_train_end")):
            raise TypeError(f"callback {callback!r} has neither on_epoch_end(model, report) "
                            "nor on_train_end(model, report)")
    return callbacks
