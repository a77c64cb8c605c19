"""Callbacks: code of yours that a run calls at its start, its epochs' starts and ends,
and its end.

``fit(corpus, callbacks=[...])`` takes objects with any of gensim's four methods
(``on_train_begin``, ``on_epoch_begin``, ``on_epoch_end``, ``on_train_end``); subclass
:class:`Callback` to get the others as no-ops. The ends take ``(model, report)``, or
gensim's ``(model)`` alone (a ``CallbackAny2Vec``'s), which is then called with the
model; the beginnings take ``(model)``, as gensim's do. An epoch's end and the next one's
start are one job boundary: every lane is paused while the callbacks run, so they see
the parameters exactly as that epoch left them, and, with one worker, calling them
changes no vector. A callback's exception fails the run, like any worker's.
"""

from __future__ import annotations

import inspect
import logging

__all__ = ["Callback", "check_callbacks"]

logger = logging.getLogger(__name__)


class Callback:
    """Base class for ``fit(..., callbacks=[...])``; override what you need."""

    def on_train_begin(self, model) -> None:
        """Before the first epoch this ``fit`` trains (also when it resumes a
        checkpoint): ``model``'s arrays hold the parameters training starts from."""

    def on_epoch_begin(self, model) -> None:
        """Before each epoch this ``fit`` trains (also the one a checkpoint resumes
        inside): right after the previous epoch's ``on_epoch_end``."""

    def on_epoch_end(self, model, report) -> None:
        """After each epoch: ``model``'s arrays (and ``model.vectors`` where it has
        them) hold the parameters as the epoch left them; ``report`` is a
        :class:`~wordspace.engine.meter.TrainingReport` of the epochs so far
        (``len(report.epoch_loss)`` of them; ``report.loss`` is this epoch's loss)."""

    def on_train_end(self, model, report) -> None:
        """After the last epoch, once the model is complete, before its checkpoint (if
        any) is removed: save the model here and a crash at any moment loses nothing."""


#: what gensim's callbacks may also have, which a wordspace run never calls (gensim 4's
#: never does either: its jobs are not the batches these were for)
_NOT_CALLED = ("on_batch_begin", "on_batch_end")
#: the methods a run calls with the model alone
_BEGINNINGS = ("on_train_begin", "on_epoch_begin")
#: the methods a run calls with ``(model, report)``, or gensim's ``(model)``
_ENDS = ("on_epoch_end", "on_train_end")


def check_callbacks(callbacks) -> list:
    """``callbacks`` as a list, each checked to have one of gensim's four methods:
    ``on_train_begin`` or ``on_epoch_begin`` taking ``(model)``, ``on_epoch_end`` or
    ``on_train_end`` taking ``(model, report)``, or gensim's ``(model)``, which is then
    called with the model alone; a ``TypeError`` naming the first that has none, or a
    method that takes neither, before any training."""
    if callbacks is None:
        return []
    if isinstance(callbacks, (str, bytes)) or not hasattr(callbacks, "__iter__"):
        raise TypeError(f"callbacks must be a list of callback objects, got "
                        f"{type(callbacks).__name__}")
    checked = []
    for callback in callbacks:
        methods = {name: method for name in _BEGINNINGS + _ENDS
                   if callable(method := getattr(callback, name, None))}
        if not methods:
            raise TypeError(f"callback {callback!r} has none of on_train_begin(model), "
                            "on_epoch_begin(model), on_epoch_end(model, report) and "
                            "on_train_end(model, report)")
        for name in _BEGINNINGS:  # called with the model alone
            if name in methods:
                _takes(callback, name, methods[name], (1,))
        gensim_style = {name for name in _ENDS
                        if name in methods and _takes(callback, name, methods[name]) == 1}
        unused = [name for name in _NOT_CALLED if _own(callback, name)]
        if unused:
            logger.warning("callback %r: wordspace calls on_train_begin, on_epoch_begin, "
                           "on_epoch_end and on_train_end, not %s", callback,
                           " or ".join(unused))
        checked.append(_ModelOnly(callback, gensim_style) if gensim_style else callback)
    return checked


def _takes(callback, name: str, method, counts: tuple[int, ...] = (2, 1)) -> int:
    """How many arguments ``method`` is called with: the first of ``counts`` it takes,
    2 (``model, report``) or 1 (gensim's ``model``); a ``TypeError`` when none fits."""
    try:
        signature = inspect.signature(method)
    except (TypeError, ValueError):  # not introspectable (a builtin): as documented
        return counts[0]
    for count in counts:
        try:
            signature.bind(*[None] * count)
            return count
        except TypeError:
            continue
    takes = "(model)" if counts == (1,) else "(model, report), or gensim's (model)"
    raise TypeError(f"callback {callback!r}: {name}{signature} must take {takes}")


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
