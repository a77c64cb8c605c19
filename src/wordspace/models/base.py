"""What every wordspace model shares: parameters, the corpus hand-off, save and load.

A model directory holds ``config.json`` (class, parameters, version), ``vocab.tsv``,
one ``.npy`` file per parameter matrix and ``training.json``; it is written under a
temporary name and renamed into place, so a crash never leaves half a model.
"""

from __future__ import annotations

import inspect
import json
import os
from pathlib import Path

import numpy as np

from wordspace._io import atomic_directory
from wordspace._validate import check_float, check_int
from wordspace.corpus import Corpus
from wordspace.losses import Loss
from wordspace.train import train
from wordspace.vocab import Vocabulary

FORMAT_VERSION = 1


def default_workers() -> int:
    """All cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class Model:
    """Base class. Subclasses list their parameters as ``__init__`` keyword arguments,
    implement ``_validate``, ``_fit(corpus)`` and name their matrices in ``_arrays``."""

    _arrays: tuple[str, ...] = ()
    #: fitted attributes that are small JSON values, saved in ``config.json``
    _fitted_json: tuple[str, ...] = ()
    #: what ``fit`` trains on; other sources are converted to it
    _corpus_type: type[Corpus] = Corpus

    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p for p in sig.parameters if p != "self"]

    def get_params(self) -> dict:
        """Constructor parameters, as scikit-learn estimators expose them."""
        return {name: getattr(self, name) for name in self._param_names()}

    def __repr__(self) -> str:
        defaults = inspect.signature(type(self).__init__).parameters
        changed = [f"{k}={v!r}" for k, v in self.get_params().items()
                   if defaults[k].default is not v and defaults[k].default != v]
        return f"{type(self).__name__}({', '.join(changed)})"

    def _validate(self) -> None:
        raise NotImplementedError

    def _fit(self, corpus: Corpus) -> None:
        raise NotImplementedError

    def fit(self, corpus) -> Model:
        """Train on ``corpus``: a :class:`Corpus`, or anything ``Corpus()`` accepts
        (built with its defaults). Returns the model."""
        self._validate()
        kind = self._corpus_type
        if isinstance(corpus, Corpus) and not isinstance(corpus, kind):
            raise TypeError(f"{type(self).__name__} trains on {kind.__name__}, not a "
                            f"{type(corpus).__name__}: build {kind.__name__}(source, ...)")
        if not isinstance(corpus, kind):
            corpus = kind(corpus, progress=getattr(self, "progress", True))
        previous = self.__dict__.get("vocab_")
        self.vocab_ = corpus.vocab
        try:
            self._fit(corpus)
        except BaseException:  # interrupted or failed: not fitted to this corpus
            if previous is None:
                del self.vocab_
            else:
                self.vocab_ = previous
            raise
        return self

    @property
    def is_fitted(self) -> bool:
        """Whether ``fit`` (or ``load``) has given the model its parameters."""
        return hasattr(self, "vocab_")

    def _check_fitted(self) -> None:
        if not self.is_fitted:
            raise RuntimeError(f"this {type(self).__name__} is not trained yet: call fit()")

    # -- persistence ----------------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        """Write the model directory atomically (temporary name, then rename)."""
        self._check_fitted()
        with atomic_directory(path) as tmp:
            config = {"class": type(self).__name__, "format": FORMAT_VERSION,
                      "params": self.get_params(),
                      "fitted": {name: getattr(self, name) for name in self._fitted_json}}
            (tmp / "config.json").write_text(json.dumps(config, indent=2) + "\n")
            self.vocab_.save_tsv(tmp / "vocab.tsv")
            for name in self._arrays:
                np.save(tmp / f"{name}.npy", getattr(self, name))
            report = getattr(self, "report_", None)
            if report is not None:
                (tmp / "training.json").write_text(json.dumps(report.as_dict(), indent=2) + "\n")

    @classmethod
    def load(cls, path: str | Path, mmap: bool = False) -> Model:
        """Read a directory written by :meth:`save` (``mmap=True`` maps the matrices)."""
        path = Path(path)
        config_file = path / "config.json"
        if not config_file.is_file():
            raise FileNotFoundError(f"{path} is not a wordspace model directory "
                                    "(no config.json)")
        config = json.loads(config_file.read_text())
        if config.get("class") != cls.__name__ and cls is not Model:
            raise ValueError(f"{path} holds a {config.get('class')}, not a {cls.__name__}")
        if config.get("format", 0) > FORMAT_VERSION:
            raise ValueError(f"{path} was written by a newer wordspace (format "
                             f"{config['format']}); upgrade wordspace to read it")
        registry = _registry()
        if cls is Model and config.get("class") not in registry:
            raise ValueError(f"{config_file}: unknown model class {config.get('class')!r} "
                             f"(this wordspace knows {', '.join(registry)})")
        model_cls = cls if cls is not Model else registry[config["class"]]
        known = set(model_cls._param_names())
        model = model_cls(**{k: v for k, v in config["params"].items() if k in known})
        model.vocab_ = Vocabulary.load_tsv(path / "vocab.tsv")
        for name, value in config.get("fitted", {}).items():
            if name in model._fitted_json:
                setattr(model, name, value)
        for name in model._arrays:  # per instance: what is saved may follow the parameters
            setattr(model, name, np.load(path / f"{name}.npy", mmap_mode="r" if mmap else None))
        model._restored()
        return model

    def _restored(self) -> None:
        """Hook: rebuild derived attributes after :meth:`load`."""


class WindowModel(Model):
    """A model trained by the shared walk over windows (:mod:`wordspace.train`).

    Subclasses have the walk's parameters (``window``, ``sample``, ``epochs``,
    ``alpha``, ``min_alpha``, ``workers``, ``seed``, ``progress``, and, for losses that
    draw negatives, ``negative`` and ``ns_exponent``); this class checks them and hands
    them to the driver.
    """

    #: ``min_alpha`` when it is None, as a fraction of ``alpha``
    _min_alpha_ratio = 1e-4

    @property
    def _workers(self) -> int:
        """Training threads: ``workers``, or by default one per core."""
        return self.workers or default_workers()

    def _validate_walk(self) -> None:
        check_int("window", self.window, 1)
        if hasattr(self, "negative"):
            check_int("negative", self.negative, 1)
            check_float("ns_exponent", self.ns_exponent, -10.0, maximum=10.0)
        check_float("sample", self.sample, 0.0)
        check_int("epochs", self.epochs, 1)
        check_float("alpha", self.alpha, 0.0, strict=True)
        if self.min_alpha is not None:
            check_float("min_alpha", self.min_alpha, 0.0, maximum=self.alpha)
        if self.workers is not None:
            check_int("workers", self.workers, 1)
        check_int("seed", self.seed, 0)

    @property
    def _final_alpha(self) -> float:
        return self.alpha * self._min_alpha_ratio if self.min_alpha is None \
            else self.min_alpha

    def _train(self, corpus: Corpus, loss: Loss, params: tuple[np.ndarray, ...],
               window: int | None = None, sentence_context: np.ndarray | None = None
               ) -> None:
        self.report_ = train(
            corpus, loss, params, window=self.window if window is None else window,
            negative=getattr(self, "negative", 0), sample=self.sample,
            ns_exponent=getattr(self, "ns_exponent", 0.75), epochs=self.epochs,
            alpha=self.alpha, min_alpha=self._final_alpha,
            workers=self._workers, seed=self.seed,
            sentence_context=sentence_context, progress=self.progress)


def _registry() -> dict[str, type[Model]]:
    from wordspace import models

    return {name: getattr(models, name) for name in models.__all__}


def load_model(path: str | Path, mmap: bool = False) -> Model:
    """Load any wordspace model directory, whatever its class."""
    return Model.load(path, mmap=mmap)
