"""Callbacks: code of yours that a run calls at its epoch ends and at its end.

``fit(corpus, callbacks=[...])`` takes objects with either method (gensim users'
habit); subclass :class:`Callback` to get the other as a no-op. A method taking gensim's
``(model)`` alone (a ``CallbackAny2Vec``'s) is called with the model. An epoch end is a job
boundary: every lane is paused while the callbacks run, so they see the parameters
exactly as that epoch left them, and, with one worker, calling them changes no vector.
A callback's exception fails the run, like any worker's.
"""

from __future__ import annotations

import inspect
import logging

__all__ = ["Callback", "check_callbacks"]

logger = logging.getLogger(__name__)


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


#: what gensim's callbacks may also have, which a wordspace run never calls
_NOT_CALLED = ("on_train_begin", "on_epoch_begin", "on_batch_begin", "on_batch_end")


def check_callbacks(callbacks) -> list:
    """``callbacks`` as a list, each checked to have ``on_epoch_end`` or
    ``on_train_end`` taking ``(model, report)``, or gensim's ``(model)``, which is then
    called with the model alone; a ``TypeError`` naming the first that has neither, or
    a method that takes neither, before any training."""
    if callbacks is None:
        return []
    if isinstance(callbacks, (str, bytes)) or not hasattr(callbacks, "__iter__"):
        raise TypeError(f"callbacks must be a list of callback objects, got "
                        f"{type(callbacks).__name__}")
    checked = []
    for callback in callbacks:
        methods = {name: method for name in ("on_epoch_end", "on_train_end")
                   if callable(method := getattr(callback, name, None))}
        if not methods:
            raise TypeError(f"callback {callback!r} has neither on_epoch_end(model, report) "
                            "nor on_train_end(model, report)")
        gensim_style = {name for name, method in methods.items()
                        if _takes(callback, name, method) == 1}
        unused = [name for name in _NOT_CALLED if _own(callback, name)]
        if unused:
            logger.warning("callback %r: wordspace calls on_epoch_end and on_train_end "
                           "only, not %s", callback, " or ".join(unused))
        checked.append(_ModelOnly(callback, gensim_style) if gensim_style else callback)
    return checked


def _takes(callback, name: str, method) -> int:
    """How many arguments ``method`` is called with: 2 (``model, report``) or 1
    (gensim's ``model``); a ``TypeError`` when neither fits."""
    try:
        signature = inspect.signature(method)
    except (TypeError, ValueError):  # not introspectable (a builtin): as documented
        return 2
    for arguments in ((None, None), (None,)):
        try:
            signature.bind(*arguments)
            return len(arguments)
        except TypeError:
            continue
    raise TypeError(f"callback {callback!r}: {name}{signature} must take (model, report), "
                    "or gensim's (model)")


def _own(callback, name: str) -> bool:
    """Whether ``callback``'s class itself (not gensim's base class, whose methods do
    nothing) defines ``name``."""
    for cls in type(callback).__mro__:
        if name in vars(cls):
            return not cls.__module__.startswith("gensim.")
    return False


class _ModelOnly:
    """A callback whose methods named in ``model_only`` take gensim's ``(model)``: called
    with the model alone."""

    def __init__(self, callback, model_only: set[str]):
        self.callback, self.model_only = callback, model_only

    def __getattr__(self, name: str):
        method = getattr(self.callback, name)
        if name in self.model_only:
            return lambda model, report: method(model)
        return method

    def __repr__(self) -> str:
        return repr(self.callback)
