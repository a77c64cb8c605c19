"""What every wordspace model shares: parameters, the corpus hand-off, save and load.

A model directory holds ``config.json`` (class, parameters, version), ``vocab.tsv``,
one ``.npy`` file per parameter matrix and ``training.json``; it is written under a
temporary name and renamed into place, so a crash never leaves half a model.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import logging
import os
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from wordspace._io import (  # load_matrix, check_shape: also imported from here
    atomic_directory,
    check_replaceable,
    check_shape,
    how_to_load,
    load_matrix,
    missing_mark,
    reads,
    recover_interrupted_swap,
)
from wordspace._json import parse_json
from wordspace._tokens import shorten
from wordspace._validate import (
    ForeignName,
    check_float,
    check_int,
    check_rate,
    check_switch,
    did_you_mean,
    gensim_hint,
    keywords_checked,
    longest_row,
    takes_fname,
)
from wordspace.corpus import MAX_SENTENCE_LENGTH, Corpus
from wordspace.cuda.device import parse_device
from wordspace.engine.callbacks import check_callbacks
from wordspace.engine.checkpoint import (
    Every,
    check_checkpoint_path,
    check_settings,
    param_arrays,
    remove_checkpoint,
)
from wordspace.engine.layout import Layout
from wordspace.engine.meter import TrainingReport
from wordspace.losses import Loss, Params
from wordspace.train import (
    MEMORY_SHARE,
    DeviceExecutor,
    TrainingDiverged,
    TrainingTooLarge,
    available_memory,
    check_walk_memory,
    lanes,
    train,
)
from wordspace.vectors import _check_topn, top_rows
from wordspace.vocab import UNK, Vocabulary

logger = logging.getLogger(__name__)

#: the newest model directory this wordspace reads: 2, PV-DBOW's document ids in
#: doc_ids.json; 3, integer document ids or a hierarchical softmax (a model is written in
#: the oldest format that holds it, so that older wordspaces read all they can)
FORMAT_VERSION = 3
#: what ``wordspace train`` records beside the model it wrote: the command that made it
#: (see wordspace.cli), so that the same command run again knows its model is done
COMMAND_RECORD = "train-command.json"


def default_workers() -> int:
    """All cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class Model:
    """Base class, with scikit-learn's estimator conventions.

    Subclasses list their parameters as keyword-only ``__init__`` arguments that are
    stored as given (checked by ``_validate`` when :meth:`fit` starts, before any
    corpus is read), implement ``_fit(corpus)`` and name their matrices in ``_arrays``;
    fitted attributes end in ``_``. Every fitted model records ``tokenization_``, how
    its text was split into words (the corpus's ``lowercase`` and ``token_pattern``), so
    that more text for ``fit(update=True)`` is read alike.
    """

    _arrays: tuple[str, ...] = ()
    #: fitted attributes that are small JSON values, saved in ``config.json``
    _fitted_json: tuple[str, ...] = ("tokenization_",)
    #: what ``fit`` trains on; other sources are converted to it
    _corpus_type: type[Corpus] = Corpus
    #: what ``report_`` is (restored from ``training.json`` by :meth:`load`)
    _report_type: type = TrainingReport
    #: query attributes a fitted model has (an unfitted one says: call fit() first)
    _query_attributes = ("vectors", "distributions", "scorers")

    def __init_subclass__(cls, **kwargs) -> None:
        """Give each model's ``__init__`` a helpful message for an unknown argument."""
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is not None:
            cls.__init__ = _check_arguments(init)

    @property
    def wv(self):
        """gensim's name for the model's word vectors: ``model.wv`` is ``model.vectors``."""
        try:
            return self.vectors
        except AttributeError as e:
            name = type(self).__name__
            if not self.is_fitted:
                raise AttributeError(f"this {name} is not trained yet: call fit() first "
                                     "(model.wv is model.vectors)") from None
            has = sorted(k for k, value in vars(self).items() if not k.startswith("_")
                         and (k.endswith("_") or hasattr(value, "most_similar")))
            raise AttributeError(f"{e} (model.wv is model.vectors); it has "
                                 f"{', '.join(has)}") from None

    @property
    def vector_size(self) -> int:
        """gensim's name for ``dim`` (a fitted model's: the one it was trained with)."""
        return self._trained()["dim"]

    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p for p in sig.parameters if p != "self"]

    def get_params(self, deep: bool = True) -> dict:
        """Constructor parameters, as scikit-learn estimators expose them: the objects
        given (scikit-learn's ``clone`` checks that it gets back what it set; ``deep`` is
        accepted for it; no parameter is itself an estimator)."""
        return {name: getattr(self, name) for name in self._param_names()}

    def _plain_params(self) -> dict:
        """The parameters as configs, checkpoints and saved models hold them
        (:func:`_plain`: NumPy scalars as plain numbers, dicts copied)."""
        return {name: _plain(value) for name, value in self.get_params().items()}

    def __getstate__(self) -> dict:
        """What a pickle or a deep copy holds: not a running ``fit``'s options (its
        callbacks), or a snapshot taken in a callback would hold every earlier one, nor
        tables cached for queries (rebuilt on use), nor the query attributes over the
        arrays (``vectors``, ``dv``: rebuilt over the copy's own arrays, whose rows they
        must be, where a copy of a slice would be an array of its own)."""
        state = dict(self.__dict__)
        state.pop("_run", None)
        state.pop("_keep_finished", None)  # the running fit's too
        for cache in self._caches + self._views:
            state.pop(cache, None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        if self.is_fitted and all(name in state for name in self._arrays):
            self._restored()

    #: attributes that cache tables for queries, rebuilt on use: never pickled
    _caches = ("_inference_tables", "_huffman")
    #: the query attributes :meth:`_restored` builds over the arrays: never pickled
    _views = ("vectors", "dv", "_word_vectors", "distributions")

    def set_params(self, **params) -> Model:
        """Change constructor parameters (checked when :meth:`fit` starts); returns the
        model. An unknown name is a ``ValueError`` listing the valid ones.

        As in scikit-learn, a fitted model stays as it was trained until the next
        ``fit``: :meth:`save` writes it with the parameters it was trained with, and
        ``fit(update=True)`` refuses a change to those that shape its arrays."""
        valid = self._param_names()
        for name in params:
            if name not in valid:
                raise ValueError(f"{name!r} is not a parameter of {type(self).__name__}; "
                                 f"its parameters are {', '.join(valid)}")
        for name, value in params.items():
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = inspect.signature(type(self).__init__).parameters
        changed = [f"{k}={v!r}" for k, v in self.get_params().items()
                   if defaults[k].default is not v and defaults[k].default != v]
        text = f"{type(self).__name__}({', '.join(changed)})"
        vocab = self.__dict__.get("vocab_")
        if vocab is None:
            return text
        words = vocab.total
        amount = f"{words / 1e6:.1f} M" if words >= 1_000_000 else f"{words:,}"
        # the corpus's words once, and how many passes: the report's words (and train's
        # summary) count every epoch's
        epochs = self._trained().get("epochs")  # trained with, whatever set_params said
        passes = "" if epochs is None else f" × {epochs} epoch{'s' * (epochs != 1)}"
        return (f"{text} fitted on {amount} corpus words{passes}, {len(vocab):,}-word "
                "vocabulary")

    def __getattr__(self, name: str):
        # only called for attributes not found: say why a fitted one is missing
        found = inspect.getattr_static(type(self), name, None)
        if isinstance(found, property):  # its getter raised: let its own message through
            return found.fget(self)
        if isinstance(found, ForeignName):  # its own message says the wordspace way
            found.__get__(self)
        if not name.startswith("__") and "vocab_" not in self.__dict__ and (
                name.endswith("_") or name in type(self)._query_attributes):
            raise AttributeError(f"this {type(self).__name__} is not trained yet, so it has "
                                 f"no {name}: call fit() first (or load a saved model)")
        hint = _gensim_attribute_hint(type(self), name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}"
                             f"{hint}")

    def _validate(self) -> None:
        raise NotImplementedError

    def _fit(self, corpus: Corpus) -> None:
        raise NotImplementedError

    def fit(self, corpus, *, checkpoint: str | Path | None = None,
            checkpoint_every: str | float | None = None, restart: bool = False,
            callbacks=None, sync=None, init=None, update: bool = False,
            **misplaced) -> Model:
        """Train on ``corpus``: a :class:`Corpus`, or anything ``Corpus()`` accepts
        (built with its defaults). Returns the model.

        Window models (all but PPMI+SVD) can be checkpointed and resumed, and call
        callbacks (see docs/checkpoints.md):

        checkpoint : path, optional
            A directory where the run's state is written, atomically, at job boundaries;
            when one made with the same parameters on the same corpus is already there,
            training resumes from it (one made otherwise is refused, naming the
            differences). It is removed when ``fit`` succeeds, after the callbacks'
            ``on_train_end``.
        checkpoint_every : str or float, optional
            ``"30s"``, ``"10m"``, ``"2h"``, a number of seconds (0: every job) or
            ``"2e"`` (every 2 epochs); by default every epoch. Needs ``checkpoint``.
        restart : bool
            Remove the checkpoint found at ``checkpoint`` and start over.
        callbacks : list, optional
            Objects with any of ``on_train_begin(model)``, ``on_epoch_begin(model)``,
            ``on_epoch_end(model, report)`` and ``on_train_end(model, report)``
            (gensim's ``CallbackAny2Vec`` too; :class:`wordspace.engine.callbacks.Callback`);
            an exception in one fails the run.
        sync : SyncSettings, optional
            In a process group of several ranks (``torchrun``), how the ranks keep their
            parameters together (:class:`wordspace.distributed.SyncSettings`; default: a
            round every 0.05 s, changes summed). Each rank trains its share of the corpus;
            all end with the same parameters; the checkpoint (taken at epoch ends) holds
            every rank's state, and only rank 0 removes it. See docs/distributed.md.
        init : Vectors or path, optional
            Start from pretrained vectors (a :class:`~wordspace.vectors.Vectors`, a model
            directory, a fastText ``.bin``, a word2vec, ``.vec`` or GloVe file): the input
            row of every vocabulary word they hold is copied from them, the others start
            as usual (the common domain-adaptation recipe). Their dimension must be the
            model's; checked before the corpus is read. SkipGram, CBOW, FastText (the
            words' own rows), SoftmaxSkipGram and PV-DBOW with ``train_words``.
        update : bool
            Continue training this fitted (or loaded) model on ``corpus``: its words are
            added to the vocabulary (new rows start as a new model's, old rows are kept,
            appended after the old words, whose indices stay) and their counts added to
            the old ones (the noise and subsampling tables), then ``corpus`` is trained
            with the learning rate falling from ``alpha`` again. SkipGram, CBOW,
            SoftmaxSkipGram, FastText (n-gram rows shared and kept) and
            GaussianSkipGram; see docs/sgns.md for when this is wise. The others refuse
            it before reading the corpus, saying what to do instead.
        """
        if misplaced:  # a corpus setting, a model parameter, gensim's train() arguments
            raise TypeError("; ".join(_misplaced_in_fit(type(self), name, value)
                                      for name, value in misplaced.items()))
        for name, value in self.get_params().items():  # a parameter grid's np.int64(10):
            if isinstance(value, np.generic):  # trained as 10 (float32 arrays, int seeds)
                setattr(self, name, value.item())
        self._validate()
        if update:
            self._check_updatable(init)
        elif self.is_fitted:  # gensim's train() continues: a habit that would lose this
            logger.warning("this %s is fitted already: fit() trains a new one from the "
                           "start (fit(corpus, update=True) continues training it)",
                           type(self).__name__)
        self._check_resources(update=bool(update))
        run = self._run_options(checkpoint, checkpoint_every, restart, callbacks, sync, init)
        run = replace(run, update=bool(update))
        kind = self._corpus_type
        if isinstance(corpus, Corpus) and not isinstance(corpus, kind):
            raise TypeError(f"{type(self).__name__} trains on {kind.__name__}, not a "
                            f"{type(corpus).__name__}: build {kind.__name__}(source, ...)")
        recorded = self.__dict__.get("tokenization_") if update else None
        if run.checkpoint is not None and not run.restart:  # before hours of reading it
            self._check_checkpoint(run.checkpoint, None if isinstance(corpus, kind) else
                                   kind.reading_settings_for(**(recorded or {})))
        if not isinstance(corpus, kind):  # more text for an update: read as before
            corpus = kind(corpus, progress=getattr(self, "progress", True),
                          **(recorded or {}))
        elif recorded:
            _check_tokenization(recorded, corpus)
        group = getattr(corpus, "group", None)
        if group is not None and not self._resumable:
            raise ValueError(f"{type(self).__name__} trains in one process: build its corpus "
                             "with shard=False, or run it without torchrun")
        lead = group is None or group.rank == 0  # who removes the checkpoint
        if run.checkpoint is not None and run.restart and lead:
            remove_checkpoint(run.checkpoint)
        # what a failed fit restores: the attributes as they were (an update trains new
        # arrays, see _grow, so the old ones are untouched; so are derived ones)
        before = dict(self.__dict__)
        self._run = run  # what _train hands the driver
        try:
            self.tokenization_ = corpus.tokenization
            if update:
                corpus = self._extend(corpus)  # checks the memory before growing
            else:
                self.vocab_ = corpus.vocab
                self._check_memory(corpus)
            # the parameters this fit trains with, from its start: a callback's save()
            # or a checkpoint during it writes these, not the previous fit's
            self._trained_params = self._plain_params()
            self._fit(corpus)
            for callback in run.callbacks:  # a failure here fails the fit as well
                if callable(getattr(callback, "on_train_end", None)):
                    callback.on_train_end(self, self.report_)
        except BaseException:  # interrupted or failed: as it was before this fit
            self.__dict__.clear()
            self.__dict__.update(before)
            raise
        finally:
            self.__dict__.pop("_run", None)
            self.__dict__.pop("_keep_finished", None)  # the run's, done with
        if run.checkpoint is not None and lead:  # the run is complete: nothing to resume
            remove_checkpoint(run.checkpoint)
        return self

    #: whether ``fit`` can checkpoint, resume and call callbacks (the window models)
    _resumable = False

    def _keep_as_checkpoint(self, path: str | Path) -> None:
        """Write the run ``fit`` has just completed as a checkpoint at ``path``, from which
        the same ``fit`` (``checkpoint=path``) only finishes, training nothing: called by
        an ``on_train_end`` callback whose save failed, so the training is not lost.
        ``RuntimeError`` where there is no such run (outside ``on_train_end``, a model
        that trains in one pass, a distributed run); an ``OSError`` if it cannot be
        written (``FileExistsError``: ``path`` is not a checkpoint)."""
        keep = self.__dict__.get("_keep_finished")
        if keep is None:
            raise RuntimeError("no finished run of this model to keep")
        keep(path)

    def _format(self) -> int:
        """The format this fitted model is saved in: the oldest that holds it. A model
        trained with a setting an older wordspace does not know (:data:`_FORMAT_3_PARAMS`)
        is format 3's: that wordspace would drop the setting and read the model as
        another (a tree as negative sampling, sums as means), and says to upgrade
        instead."""
        trained = self._trained()
        return 3 if any(name in trained and trained[name] != default
                        for name, default in _FORMAT_3_PARAMS.items()) else 2

    #: whether ``fit(init=...)`` can copy pretrained vectors into the input rows (whose
    #: first rows are then the vocabulary's words)
    _initialisable = False

    def _run_options(self, checkpoint, checkpoint_every, restart, callbacks, sync=None,
                     init=None) -> _RunOptions:
        """``fit``'s run options, checked before any corpus is read."""
        callbacks = check_callbacks(callbacks)
        every = None if checkpoint_every is None else Every.parse(checkpoint_every)
        if not self._resumable and (checkpoint is not None or every or restart or callbacks
                                    or sync is not None):
            raise TypeError(f"{type(self).__name__} trains in one pass: it takes no "
                            "checkpoint, checkpoint_every, restart, callbacks or sync")
        if sync is not None:
            from wordspace.distributed.sync import SyncSettings

            if not isinstance(sync, SyncSettings):
                raise TypeError(f"sync must be a wordspace.distributed.SyncSettings, not "
                                f"{type(sync).__name__}")
        if checkpoint is None and (every is not None or restart):
            raise ValueError("checkpoint_every and restart need checkpoint=PATH (the "
                             "checkpoint's directory)")
        if checkpoint is not None:
            check_checkpoint_path(checkpoint)  # before reading the corpus, not after
        epochs = getattr(self, "epochs", None)
        if every is not None and every.epochs is not None and epochs is not None \
                and every.epochs >= epochs:  # checkpoints come between epochs
            logger.warning("checkpoint_every=%r (--checkpoint-every %s) with %d epoch(s): "
                           "checkpoints come between epochs, so none comes before the run "
                           "ends and a killed run starts over; checkpoint %s",
                           str(every), every, epochs,
                           "every epoch (1e), or after a duration (10m)" if epochs > 1
                           else "after a duration (10m)")
        if init is not None:
            init = self._initial_vectors(init)
        return _RunOptions(checkpoint, every, bool(restart), callbacks, sync, init)

    #: whether ``fit(update=True)`` can continue training: then every array of
    #: :attr:`_word_arrays` starts with one row per vocabulary word (rows after them, such
    #: as fastText's n-gram buckets, are shared and kept) and :meth:`_new_rows` starts new
    #: ones
    _updatable = False
    #: what to do instead of ``update=True``, for a model that cannot continue training
    _update_instead = ("train a new model on the old and new text together; SkipGram, "
                       "CBOW, SoftmaxSkipGram, FastText and GaussianSkipGram can continue "
                       "training")

    def _check_updatable(self, init=None) -> None:
        """Refuse ``update=True``, before any work, where it cannot be done."""
        name = type(self).__name__
        if not self._updatable:
            raise TypeError(f"{name} cannot continue training on more text (update=True): "
                            f"{self._update_instead}")
        if not self.is_fitted:
            raise ValueError(f"update=True continues training a trained {name}: fit() it "
                             "first or load a saved one")
        if init is not None:
            raise ValueError("update=True continues the model's own rows and init= starts "
                             "new ones from pretrained vectors: give one of them")
        trained, now = self._trained(), self._plain_params()
        changed = [k for k in self._shape_params if trained[k] != now[k]]
        if changed:
            was = ", ".join(f"{k}={trained[k]!r}" for k in changed)
            raise ValueError(f"update=True continues the trained arrays, made with {was}, "
                             f"and the parameters now say "
                             f"{', '.join(f'{k}={now[k]!r}' for k in changed)}: set them "
                             f"back (set_params({was})), or fit a new model")

    #: the parameters that shape the fitted arrays (an update cannot change them)
    _shape_params: tuple[str, ...] = ("dim",)

    def _trained(self) -> dict:
        """The parameters the fitted model was trained with (its current ones when it
        is not fitted, or was unpickled from a wordspace that did not record them)."""
        return self.__dict__.get("_trained_params") or self._plain_params()

    @contextmanager
    def _as_trained(self):
        """The model with the parameters it was trained with, for the duration; yields
        those changed since (name: (trained, current))."""
        now, given = self._plain_params(), self.get_params()
        changed = {k: (v, now[k]) for k, v in self._trained().items() if now.get(k) != v}
        for name, (trained, _) in changed.items():
            setattr(self, name, trained)
        try:
            yield changed
        finally:
            for name in changed:  # the very objects set (clone checks their identity)
                setattr(self, name, given[name])

    @property
    def _continuing(self) -> bool:
        """Whether the running ``fit`` continues the fitted parameters (``update=True``)."""
        run = self.__dict__.get("_run")
        return bool(run is not None and run.update)

    def _rows_rng(self, first: int) -> np.random.Generator:
        """The generator that starts rows ``first ..``: the seed's for a new model,
        another for each update (new words get rows of their own)."""
        return np.random.default_rng(self.seed if first == 0 else [self.seed, first])

    @property
    def _word_arrays(self) -> tuple[str, ...]:
        """The arrays with a row per word, which a new model starts and an update grows:
        by default the parameters (:attr:`_arrays`); also any optimiser state kept."""
        return self._arrays

    def _new_rows(self, n: int, first: int = 0) -> tuple[np.ndarray, ...]:
        """Rows ``first .. first + n - 1`` of every array of :attr:`_word_arrays`, as a
        new model starts them. By default word2vec.c's initialisation: inputs uniform in
        +-0.5/dim, outputs zero."""
        rng = self._rows_rng(first)
        inputs = (rng.random((n, self.dim), dtype=np.float32) - 0.5) / self.dim
        return inputs, np.zeros((n, self.dim), dtype=np.float32)

    def _array_sizes(self, corpus: Corpus, words: int) -> list[int]:
        """Bytes of each array ``fit`` trains for ``corpus`` with a vocabulary of
        ``words`` words (by default a row of each of :attr:`_word_arrays` per word): what
        a save, or a checkpoint, writes of them."""
        return [words * rows.nbytes for rows in self._new_rows(1)]

    def _parameter_bytes(self, corpus: Corpus) -> int:
        """Bytes of the arrays ``fit`` allocates for ``corpus`` once its vocabulary is
        known."""
        return sum(self._array_sizes(corpus, len(self.vocab_)))

    def _saved_sizes(self, corpus: Corpus, update: bool = False) -> list[int]:
        """:meth:`_array_sizes` of the model ``fit`` is about to train on ``corpus`` (with
        ``update``: this model grown by its new words), known before training: what
        saving it will write, and each checkpoint of it."""
        words = corpus.vocab.words
        if update:
            known = set(self.vocab_.words)
            return self._array_sizes(corpus, len(known) + sum(w not in known for w in words))
        return self._array_sizes(corpus, len(words))

    def _check_memory(self, corpus: Corpus) -> None:
        """Refuse, before they are allocated, parameters larger than the memory available
        (``TrainingTooLarge``: the kernel would kill the run part-way instead, or numpy
        fail with a bare size), and warn when they take most of it. A distributed run
        holds them twice (its last synchronised copy too)."""
        from wordspace.distributed.group import _world_from_environment

        copies = 2 if _world_from_environment() > 1 else 1
        need, available = copies * self._parameter_bytes(corpus), available_memory()
        twice = ", twice: a distributed run keeps a synchronised copy" if copies > 1 else ""
        sizes = (f"the parameters need {need / 2**30:.1f} GiB ({len(self.vocab_):,} words, "
                 f"dim {self.dim:,}{twice}) and {available / 2**30:.1f} GiB of memory is "
                 "available")
        if need > available:
            raise TrainingTooLarge(f"{sizes}: lower dim, or keep fewer words (a higher "
                                   "min_count, or max_final_vocab)")
        if need > MEMORY_SHARE * available:
            logger.warning("%s: training may swap, or be killed when memory runs out", sizes)

    def _start_rows(self, n: int) -> None:
        """Give the model the arrays of a new one with ``n`` words, unless ``fit``
        continues the fitted ones (``update=True``: :meth:`_extend` grew them)."""
        if not self._continuing:
            for name, rows in zip(self._word_arrays, self._new_rows(n), strict=True):
                setattr(self, name, rows)

    def _grow(self, first: int, added: int) -> None:
        """New arrays of :attr:`_word_arrays`, each with ``added`` rows from
        :meth:`_new_rows` after its ``first`` word rows (and before any rows that follow the
        words). Always copies, so training never touches the old arrays (a failed update
        restores them)."""
        for name, rows in zip(self._word_arrays, self._new_rows(added, first), strict=True):
            old = getattr(self, name)
            setattr(self, name, np.concatenate([old[:first], rows, old[first:]]))

    def _extend(self, corpus: Corpus):
        """For ``update=True``: the vocabulary extended by ``corpus``'s words (appended,
        counts added), the parameters grown to it, and ``corpus`` re-indexed to it."""
        old, new = self.vocab_, corpus.vocab
        if new.unk and not old.unk:
            raise ValueError(f"the corpus maps rare words to {UNK!r} (unk=True) and the "
                             "model's vocabulary has none: build the corpus with unk=False")
        index = {w: i for i, w in enumerate(old.words)}
        added = [w for w in new.words if w not in index]
        for w in added:
            index[w] = len(index)
        counts = np.concatenate([old.counts, np.zeros(len(added), np.int64)])
        remap = np.array([index[w] for w in new.words], dtype=np.int32)
        np.add.at(counts, remap, new.counts)
        self.vocab_ = Vocabulary(list(old.words) + added, counts, unk=old.unk)
        self._check_memory(corpus)  # the grown arrays are new ones, beside the old
        self._grow(len(old), len(added))
        logger.info("update: %d new words (vocabulary of %d), %d of the corpus's %d known",
                    len(added), len(self.vocab_), len(new) - len(added), len(new))
        return _Reindexed(getattr(corpus, "name", "<corpus>"),
                          remap[np.asarray(corpus.tokens)], np.asarray(corpus.offsets),
                          self.vocab_, group=getattr(corpus, "group", None))

    def _initial_vectors(self, source):
        """``fit``'s ``init``, loaded and checked against this model."""
        name = type(self).__name__
        if not self._initialisable:
            raise TypeError(f"{name} cannot start from pretrained vectors (init=): "
                            "SkipGram, CBOW, FastText, SoftmaxSkipGram and PV-DBOW with "
                            "train_words=True can")
        vectors = load_vectors(source)
        where = "" if hasattr(source, "matrix") else f" in {source}"
        if vectors.matrix.shape[1] != self.dim:
            dim = vectors.matrix.shape[1]
            raise ValueError(f"the pretrained vectors{where} have {dim} dimensions and this "
                             f"{name} has dim={self.dim}: set dim={dim} (--dim {dim}), or use "
                             f"vectors of {self.dim}")
        _check_initial_norms(vectors, where)
        return vectors

    @property
    def is_fitted(self) -> bool:
        """Whether ``fit`` (or ``load``) has given the model its parameters."""
        return hasattr(self, "vocab_")

    def _check_fitted(self) -> None:
        if not self.is_fitted:
            raise RuntimeError(f"this {type(self).__name__} is not trained yet: call fit()")

    # -- persistence ----------------------------------------------------------------------
    @takes_fname
    def save(self, path: str | Path) -> None:
        """Write the model directory atomically and durably.

        The directory is built under a hidden temporary name beside ``path``, flushed to
        disk and swapped in: at every instant ``path`` holds the previous model or the
        new one, complete. Only a wordspace model directory (or an empty directory) is
        ever replaced; anything else at ``path`` is refused (see :func:`check_model_path`).
        """
        self._check_fitted()
        check_model_path(path)
        with self._as_trained() as changed, atomic_directory(path) as tmp:
            if changed:
                logger.info("saving the model as it was trained: %s (set since, for the "
                            "next fit; not saved)", ", ".join(
                                f"{k}={was!r}, not {now!r}" for k, (was, now) in changed.items()))
            config = {"class": type(self).__name__, "format": self._format(),
                      "params": self._plain_params(),
                      "fitted": {name: getattr(self, name) for name in self._fitted_json
                                 if hasattr(self, name)}}  # a model older than the name
            (tmp / "config.json").write_text(json.dumps(config, indent=2) + "\n")
            self.vocab_.save_tsv(tmp / "vocab.tsv")
            for name in self._arrays:
                np.save(tmp / f"{name}.npy", getattr(self, name))
            self._save_extra(tmp)
            report = getattr(self, "report_", None)
            if report is not None:
                (tmp / "training.json").write_text(json.dumps(report.as_dict(), indent=2) + "\n")

    @classmethod
    @takes_fname
    def load(cls, path: str | Path, mmap: bool = False) -> Model:
        """Read a directory written by :meth:`save` (``mmap=True`` maps the matrices).

        Everything is checked before it is used: the config, the vocabulary, and each
        matrix's type, shape and values (finite numbers, rows matching the vocabulary),
        so a damaged or edited directory is refused with a message naming the file,
        never handed to a compiled kernel.
        """
        path = Path(path)
        recover_interrupted_swap(path)
        config = read_model_config(path)
        if config["class"] != cls.__name__ and cls is not Model:
            raise ValueError(f"{path} holds a {config['class']}, not a {cls.__name__}")
        if not isinstance(config.get("params", {}), dict):
            raise ValueError(f"{path / 'config.json'}: 'params' must be an object")
        try:
            model = _unfitted(config, cls if cls is not Model else None)
            model._validate()
        except (TypeError, ValueError) as e:
            raise ValueError(f"{path / 'config.json'}: invalid parameters: {e}") from None
        try:
            model.vocab_ = Vocabulary.load_tsv(path / "vocab.tsv")
        except (OSError, UnicodeDecodeError, ValueError) as e:
            raise ValueError(f"{path / 'vocab.tsv'}: not a readable vocabulary ({e})") from None
        if len(model.vocab_) == 0:
            raise ValueError(f"{path / 'vocab.tsv'}: the vocabulary is empty")
        model._trained_params = model._plain_params()
        fitted = config.get("fitted", {})
        for name, value in (fitted.items() if isinstance(fitted, dict) else ()):
            if name in model._fitted_json:
                setattr(model, name, value)
        model._load_extra(path)
        model._load_report(path / "training.json")
        for name in model._arrays:  # per instance: what is saved may follow the parameters
            setattr(model, name, load_matrix(path / f"{name}.npy", mmap=mmap))
        for name, shape in model._expected_shapes().items():
            check_shape(path / f"{name}.npy", getattr(model, name), shape)
        try:
            model._restored()
        except ValueError as e:  # what the arrays hold (a Gaussian's variances <= 0)
            raise ValueError(f"{path}: {e}") from None
        return model

    def _load_report(self, file: Path) -> None:
        """``report_`` from ``file`` when there is one; a damaged one is only a warning
        (it describes the training, the model does not depend on it)."""
        if not file.is_file():
            return
        try:
            self.report_ = self._report_type.from_dict(parse_json(file.read_bytes()))
        except (OSError, ValueError, AttributeError) as e:
            logger.warning("%s: the training report is unreadable (%s); the model loads "
                           "without report_", file, e)

    def _expected_shapes(self) -> dict[str, tuple[int | None, ...]]:
        """The shape each saved matrix must have once loaded (None: any length), checked
        by :meth:`load`. By default every matrix has a row per vocabulary word and
        ``dim`` columns."""
        return {name: (len(self.vocab_), self.dim) for name in self._arrays}

    def _check_resources(self, update: bool = False) -> None:
        """Hook: check, before ``fit`` reads the corpus, what training needs beyond valid
        parameters (a GPU, memory; ``update``: for ``fit(update=True)``); :meth:`_validate`
        also runs on load, where it must not."""

    #: the files :meth:`_save_extra` writes (and older wordspaces wrote instead)
    _extra_names: tuple[str, ...] = ()

    def _save_extra(self, directory: Path) -> None:
        """Hook: write fitted state other than matrices and JSON values."""

    def _load_extra(self, directory: Path) -> None:
        """Hook: read what :meth:`_save_extra` wrote (before the matrices are loaded)."""

    def _restored(self) -> None:
        """Hook: rebuild derived attributes after :meth:`load`."""


def _plain(value):
    """A parameter as configs, checkpoints and saved models hold it: a NumPy scalar (from
    a parameter grid, say) as the plain number it stands for, also inside a dict of
    options, which is copied (the model's own is not what a saved model points to)."""
    if isinstance(value, dict):
        return {key: _plain(v) for key, v in value.items()}
    return value.item() if isinstance(value, np.generic) else value


class OutputWordPrediction:
    """gensim's ``predict_output_word`` for a model whose output vectors score every
    vocabulary word against an input vector (skip-gram, CBOW and fastText with negative
    sampling, the full softmax); ``_output_array`` names them, one row per word of
    ``vectors`` in its order."""

    _output_array = "output_vectors_"

    def predict_output_word(self, context_words_list, topn: int | None = 10
                            ) -> list[tuple[str, float]]:
        """The most probable centre words of a context, as gensim 4 predicts them.

        The mean of the context words' vectors (:attr:`vectors`, the input rows; their sum
        for CBOW with ``cbow_mean=False``, as gensim) is dotted with every word's output
        vector, and the softmax of these scores is each word's
        probability: a CBOW-style guess, even for a skip-gram model, which does not weigh
        the context words as training did (gensim's caveat). For the full softmax
        (:class:`~wordspace.models.softmax.SoftmaxSkipGram`) and a single context word it
        is exact: the model's own ``p(o | c)`` of the words ``o`` around ``c``, which,
        windows being symmetric, are the centre words ``c`` appears around.

        Parameters
        ----------
        context_words_list : list of str or int
            The context words; an integer that is not a word is a row number, as in
            gensim, and a single string is one word. Words without a vector are skipped,
            as in gensim; a subword model (fastText) composes unseen words' vectors from
            their n-grams, where gensim's ``FastText`` fails on them.
        topn : int or None
            How many words to return; None: every word (below 1: none).

        Returns
        -------
        list of (str, float)
            ``(word, probability)`` pairs, most probable first (ties in row order).

        Raises
        ------
        KeyError
            When no context word has a vector (gensim logs a warning and returns None).
        ValueError
            When the context is empty.
        """
        self._check_fitted()
        _check_topn(topn)
        words = [context_words_list] if isinstance(context_words_list, str) \
            else list(context_words_list)
        if not words:
            raise ValueError("predict_output_word needs at least one context word")
        vectors = self.wv
        vectors._check_some_known(words)
        mean = vectors.get_mean_vector(words, pre_normalize=False)
        if not getattr(self, "_bag_mean", True):  # trained on sums (cbow_mean=False): the
            # sum of the known words' vectors, as gensim's
            mean = mean * sum(vectors._lookup(w) is not None for w in words)
        probabilities = self._output_probabilities(mean)
        # the output rows are the vocabulary's, whatever order wv's rows were put in since
        # (wv.sort_by_descending_frequency())
        words = self.vocab_.words
        return [(words[i], float(probabilities[i])) for i in
                top_rows(probabilities, len(probabilities) if topn is None else topn)]

    def _output_probabilities(self, mean: np.ndarray) -> np.ndarray:
        """``p(w | mean)`` of every vocabulary word: the softmax of the output rows'
        scores."""
        scores = (getattr(self, self._output_array) @ mean).astype(np.float64)
        probabilities = np.exp(scores - scores.max())  # the softmax, without overflow
        return probabilities / probabilities.sum()


class WindowModel(Model):
    """A model trained by the shared walk over windows (:mod:`wordspace.train`).

    Subclasses have the walk's parameters (``window``, ``sample``, ``epochs``,
    ``alpha``, ``min_alpha``, ``workers``, ``seed``, ``progress``, and, for losses that
    draw negatives, ``negative`` and ``ns_exponent``); this class checks them and hands
    them to the driver.
    """

    #: as a model pickled before the parameter was trained
    shrink_windows = True

    #: ``min_alpha`` when it is None, as a fraction of ``alpha``
    _min_alpha_ratio = 1e-4

    @property
    def _workers(self) -> int:
        """Training threads: ``workers``, or by default one per core."""
        return self.workers or default_workers()

    def _validate_walk(self) -> None:
        # a window is a distance within a sentence, and sentences are cut at this length
        check_int("window", self.window, 1, maximum=MAX_SENTENCE_LENGTH)
        if hasattr(self, "negative"):
            self._validate_output_sets()
        check_float("sample", self.sample, 0.0)
        check_int("epochs", self.epochs, 1)
        check_rate("alpha", self.alpha)
        if self.min_alpha is not None:
            check_float("min_alpha", self.min_alpha, 0.0, maximum=self.alpha)
        if self.workers is not None:
            check_int("workers", self.workers, 1)
        check_int("seed", self.seed, 0)
        self._validate_device()
        self._validate_shrink_windows()
        # the buffers' worst case for any corpus of default sentences, before reading one
        check_walk_memory(layout=self._layout(), window=self.window,
                          negative=getattr(self, "negative", 0), dim=self.dim,
                          workers=self._workers, longest=MAX_SENTENCE_LENGTH)

    def _validate_shrink_windows(self) -> None:
        """``shrink_windows`` is a bool, and False only on the CPU (the GPU kernels draw
        each centre's window on the device, from ``1..window``)."""
        if not check_switch(self, "shrink_windows", absent=True) and self._device != "cpu":
            raise ValueError("shrink_windows=False trains on the CPU only: the GPU kernels "
                             "draw every centre's window from 1..window (set "
                             "device='cpu', or leave shrink_windows True)")

    def _validate_output_sets(self) -> None:
        """Check ``negative`` and ``ns_exponent``, or with ``hs`` that no negative is
        asked for beside the hierarchical softmax."""
        hs = check_switch(self, "hs")
        if not hs:
            if self.negative == 0 and not isinstance(self.negative, bool):
                raise ValueError("negative must be an integer >= 1, got 0: negative sampling "
                                 "draws at least one (for a hierarchical softmax instead, set "
                                 "hs=True)")
            check_int("negative", self.negative, 1)
            check_float("ns_exponent", self.ns_exponent, -10.0, maximum=10.0)
        elif self.negative != 0:
            raise ValueError(f"negative={self.negative!r} with hs=True: the hierarchical "
                             "softmax replaces negative sampling, so set negative=0 (gensim "
                             "trains both objectives when both are set; wordspace trains "
                             "one)")
        elif self._device != "cpu":
            raise ValueError("hs=True trains on the CPU only: the GPU kernels train negative "
                             "sampling (set negative, or device='cpu')")

    def _loss(self) -> Loss:
        """The objective this model trains."""
        raise NotImplementedError

    @property
    def _device(self) -> str:
        """Where this model trains: its ``device`` parameter, if it has one (``"CPU"`` is
        ``"cpu"``, as ``"CUDA"`` is ``"cuda"``)."""
        device = getattr(self, "device", "cpu")
        return device.strip().lower() if isinstance(device, str) else device

    def _validate_device(self) -> None:
        """Refuse a device that is not ``cpu``, ``cuda`` or ``cuda:N``, and device options
        that are not a dict of names or are given for the CPU (which would ignore them)."""
        if self._device != "cpu":
            parse_device(self._device)  # "cuda" or "cuda:N", or a ValueError saying so
        options = getattr(self, "device_options", None)
        if options is None:
            return
        if not isinstance(options, dict) or not all(isinstance(k, str) for k in options):
            raise ValueError("device_options must be a dict of option names and values, "
                             f"e.g. {{'concurrent_chunks': 1024}}, got {options!r}")
        if options and self._device == "cpu":
            raise ValueError(f"device_options ({', '.join(options)}) are options of a GPU's "
                             "executor, and the device is the CPU: train on a GPU (device "
                             "'cuda') or leave them out")

    def _executor(self, cls: type, *args, **fixed) -> DeviceExecutor:
        """``cls(device, *args, **fixed)`` with the model's ``device_options`` added: the
        executor's keyword options that the model does not set itself (an option ``cls``
        does not take is a ValueError naming those it does)."""
        options = dict(getattr(self, "device_options", None) or {})
        takes = [name for name, p in inspect.signature(cls).parameters.items()
                 if p.kind is p.KEYWORD_ONLY and name not in fixed]
        unknown = [name for name in options if name not in takes]
        if unknown:
            raise ValueError(f"device_options: {', '.join(unknown)} is not an option of "
                             f"{type(self).__name__}'s executor on a GPU ({cls.__name__}); "
                             f"its options are: {', '.join(takes)}")
        return cls(self.device, *args, **fixed, **options)

    def _device_executor(self) -> DeviceExecutor | None:
        """What trains this model on its ``device`` (None: the CPU's threads)."""
        return None if self._device == "cpu" else self._make_executor()

    def _make_executor(self) -> DeviceExecutor:
        """Hook for models with a ``device`` parameter: their device's executor, whose
        constructor checks the device (naming what is missing) before any work."""
        raise NotImplementedError

    def _check_resources(self, update: bool = False) -> None:
        if self._device != "cpu":
            self._make_executor()  # a clear error naming what is missing, or nothing

    def _layout(self) -> Layout:
        """How this model's windows become examples (default: each context word a bag,
        a whole window one example against one set of negatives)."""
        return Layout()

    @property
    def _final_alpha(self) -> float:
        return self.alpha * self._min_alpha_ratio if self.min_alpha is None \
            else self.min_alpha

    _resumable = True

    def _checkpoint_config(self) -> dict:
        """The model's share of a checkpoint's ``config``: its class and everything among
        its parameters that decides the vectors (a checkpoint resumes only under the
        same). No device options is one setting, however given: and checkpoints made
        before there were any, or before hs, name none; nor, at their defaults, before
        shrink_windows, cbow_mean or dm_mean."""
        return {"class": type(self).__name__, **{
            name: value for name, value in self._plain_params().items()
            if name not in ("progress", "workers")
            and not (name in ("device_options", "hs") and not value)
            and not (name in ("shrink_windows", "cbow_mean", "dm_mean") and value)}}

    def _check_checkpoint(self, checkpoint: str | Path, reading: dict | None = None) -> None:
        """Refuse, before the corpus is read, a checkpoint at ``checkpoint`` made with
        other settings than this model's, or (given) than the corpus's ``reading``
        settings (see :func:`check_settings`): hours of reading a corpus, then the
        refusal, would be the alternative."""
        from wordspace.distributed.group import _world_from_environment

        if _world_from_environment() > 1:  # a rank's checkpoint: checked where they meet
            return
        check_settings(checkpoint, {**self._checkpoint_config(),
                                    "lanes": lanes(self._workers,
                                                   on_device=self._device != "cpu")},
                       reading)

    def _train(self, corpus: Corpus, loss: Loss, params: Params, window: int | None = None,
               sentence_context: np.ndarray | None = None) -> None:
        """Train ``params`` (the model's own, see :mod:`wordspace.engine.params`) in place
        with ``loss`` on the walk this model's settings describe, checkpointed and with
        callbacks as ``fit`` was asked."""
        run = self.__dict__.get("_run") or _RunOptions()

        def having(name: str) -> list:
            return [c for c in run.callbacks if callable(getattr(c, name, None))]

        epoch_end, epoch_begin = having("on_epoch_end"), having("on_epoch_begin")

        def on_epoch_end(report) -> None:
            self.report_ = report  # also for on_epoch_begin's get_latest_training_loss
            self._latest_loss = float(np.nansum(report.epoch_loss))
            if epoch_end:
                self._restored()  # the query attributes (vectors) over the current arrays
            for callback in epoch_end:
                callback.on_epoch_end(self, report)

        train_begin = having("on_train_begin")
        started = False

        def on_epoch_begin(epoch: int) -> None:
            nonlocal started
            # the query attributes (vectors) over the current arrays: a checkpoint's
            # where the run resumes; at a boundary, the last epoch's, which on_epoch_end
            # has just rebuilt if it has callbacks (only on_train_begin's: no rebuild)
            if not started or (epoch_begin and not epoch_end):
                self._restored()
            if not started:  # where this process starts training, after any resume
                started = True
                for callback in train_begin:
                    callback.on_train_begin(self)
            for callback in epoch_begin:
                callback.on_epoch_begin(self)

        self._latest_loss = 0.0  # gensim's: nothing trained yet in this fit

        config = self._checkpoint_config()
        if run.init is not None:
            config["init"] = _initialise(params.inputs, self.vocab_.words, run.init)
        if run.update:  # a checkpoint of it resumes only from the same start
            config["update of"] = _digest(param_arrays(params))

        def finished(keep) -> None:
            self.__dict__["_keep_finished"] = keep  # for _keep_as_checkpoint
        try:
            self.report_ = train(
                corpus, loss, params, layout=self._layout(),
                executor=self._device_executor(),
                window=self.window if window is None else window,
                negative=getattr(self, "negative", 0), sample=self.sample,
                ns_exponent=getattr(self, "ns_exponent", 0.75), epochs=self.epochs,
                alpha=self.alpha, min_alpha=self._final_alpha,
                workers=self._workers, seed=self.seed,
                sentence_context=sentence_context, progress=self.progress,
                checkpoint=run.checkpoint, checkpoint_every=run.every,
                config=config,
                on_epoch_end=on_epoch_end if epoch_end or epoch_begin else None,
                on_epoch_begin=on_epoch_begin if epoch_begin or train_begin else None,
                sync=run.sync,
                shrink_windows=getattr(self, "shrink_windows", True), finished=finished,
                default_alpha=inspect.signature(type(self)).parameters["alpha"].default)
        except TrainingDiverged as e:
            if run.init is None:
                raise
            # long pretrained rows diverge at any rate: name the longest beside the rate
            row, norm = longest_row(run.init.matrix)
            raise TrainingDiverged(
                f"{e}; or the pretrained vectors are too long to start from (the longest, of "
                f"{shorten(run.init.words[row])}, is {norm:.3g} long)") from None
        finally:
            self.__dict__.pop("_latest_loss", None)  # the report's, from now on

    def get_latest_training_loss(self) -> float:
        """gensim's running loss: the sum of the mean losses of the epochs trained so far
        by the latest ``fit`` (0 before its first epoch ends), so that, in an
        ``on_epoch_end`` callback, the difference from the previous epoch's value is this
        epoch's mean loss, ``report.loss``. gensim sums the loss of every pair instead, a
        figure that grows with the corpus; the trend is the same, the scale is not."""
        latest = self.__dict__.get("_latest_loss")
        if latest is not None:  # inside a fit: its epochs so far
            return latest
        report = self.__dict__.get("report_")
        return 0.0 if report is None else float(np.nansum(report.epoch_loss))


def _check_tokenization(recorded: dict, corpus: Corpus) -> None:
    """Refuse to update a model with text read otherwise than the text it learnt from
    (its words would not be the vocabulary's: "The" beside "the")."""
    differ = {k: v for k, v in recorded.items() if corpus.tokenization.get(k) != v}
    if differ:
        given = ", ".join(f"{k}={corpus.tokenization.get(k)!r}" for k in differ)
        want = ", ".join(f"{k}={v!r}" for k, v in differ.items())
        raise ValueError(f"the model learnt from text read with {want}, and this corpus is "
                         f"read with {given}: read the new text as before "
                         f"({type(corpus).__name__}(source, {want}))")


#: gensim's names for wordspace model parameters
_GENSIM_NAMES = {"vector_size": "dim", "size": "dim", "iter": "epochs"}
#: gensim's parameters that choose what wordspace makes a model or a setting of its own
_GENSIM_SWITCHES = {
    "sg": "skip-gram and CBOW are two models here, SkipGram() (sg=1) and CBOW() (sg=0); "
          "FastText(cbow=True) is sg=0",
    "dm": "PV-DM and PV-DBOW are two models here, PVDM() (dm=1) and PVDBOW() (dm=0)",
    "dbow_words": "PVDBOW(train_words=True) (the default) is dbow_words=1",
    "dm_mean": "a PV-DM setting: PVDM(dm_mean=False) is its dm_mean=0 (the window's and "
               "the document's vectors summed); PVDM() averages them, as gensim's default",
    "dm_concat": "not supported (a window-sized input layer of the concatenated vectors, "
                 "slow and rarely better): PVDM() averages the window and the document",
    "compute_loss": "the loss is always kept: model.report_.epoch_loss after fit()",
}
#: where wordspace keeps the training loss gensim's names ask for
_LOSS = ("model.get_latest_training_loss(), the running sum of the epochs' mean losses; "
         "model.report_.epoch_loss holds each")
#: what a gensim user reaches for on a model, and wordspace's way to it
_GENSIM_ATTRIBUTES = {
    "build_vocab": "the vocabulary is built as the corpus is read: "
                   "model.fit(Corpus(source, min_count=...)); more text for a trained "
                   "model: model.fit(Corpus(more), update=True)",
    "build_vocab_from_freq": "wordspace counts the vocabulary in the text it trains on, "
                             "not from given counts: model.fit(Corpus(source, "
                             "min_count=..., max_final_vocab=...))",
    "train": "model.fit(corpus) trains a new model from the start; fit(corpus, "
             "update=True) continues training a fitted one, on the same text or more",
    "running_training_loss": _LOSS,
    # found here only where the model has none (PPMI+SVD: counts factorised, no loss)
    "get_latest_training_loss": "the models trained by epochs keep one (SkipGram, ...); "
                                "PPMI+SVD factorises counts: it has no training loss",
    "lifecycle_events": "wordspace keeps no event log: model.get_params() is the model's "
                        "settings, model.report_ what its last fit() did",
    "init_sims": "model.wv.init_sims(replace=True) unit-normalizes the word vectors in "
                 "place (the model's own rows; a fastText model's are computed from its "
                 "rows: normalize a copy); queries need neither, their unit rows are "
                 "cached on first use",
    "accuracy": "model.wv.evaluate_word_analogies(questions), as gensim 4 renamed it",
    "corpus_total_words": "model.report_.epoch_words[0] is the words of one epoch",
    "corpus_count": "the corpus counts its sentences: len(corpus.offsets) - 1",
    "total_train_time": "model.report_.seconds",
    "syn0": "model.input_vectors_ (model.vectors.matrix: the word vectors)",
    "syn1neg": "model.output_vectors_",
    "docvecs": "model.dv",
}


#: the same, where a document model answers differently (gensim's Doc2Vec)
_GENSIM_DOCUMENT_ATTRIBUTES = {
    "corpus_count": "len(model.dv) is the number of documents trained on",
}


def _gensim_attribute_hint(model: type[Model], name: str) -> str:
    """Where a gensim model attribute ``name`` is found in wordspace (or nothing)."""
    documents = model._corpus_type.__name__ == "Documents"
    hint = gensim_hint(name, *([_GENSIM_DOCUMENT_ATTRIBUTES] if documents else []),
                       _GENSIM_ATTRIBUTES, _GENSIM_SWITCHES)
    if hint:
        return hint
    if not name.startswith("_") and name in _corpus_settings(model):  # min_count, ...
        kind = model._corpus_type.__name__
        return (f" ({name} is a {kind} setting, {kind}(source, {name}=...); a fitted "
                f"model's vocabulary is model.vocab_)")
    return ""


@functools.cache  # asked on every missing attribute (hasattr probes included)
def _corpus_settings(model: type[Model]) -> tuple[str, ...]:
    """The settings of the corpus class ``model`` trains on (``min_count``, ...)."""
    return tuple(p for p in inspect.signature(model._corpus_type.__init__).parameters
                 if p not in ("self", "source"))


def _unknown_argument(model: type[Model], name: str, value, valid: list[str]) -> str:
    """Where argument ``name`` belongs, or the model's parameters closest to it."""
    kind = model._corpus_type.__name__
    if name in _corpus_settings(model):
        return f"{name} is a {kind} setting: {kind}(source, {name}={value!r})"
    fit_args = [p for p in inspect.signature(Model.fit).parameters if p not in ("self",
                                                                                "corpus")]
    if name in fit_args:
        return f"{name} is an argument of fit(): model.fit(corpus, {name}={value!r})"
    if name in ("sentences", "corpus_file", "corpus_iterable", "documents"):
        return (f"{name} is what fit() trains on: {model.__name__}(...).fit({kind}(source))")
    if name in _GENSIM_SWITCHES:
        return f"{name} is gensim's: {_GENSIM_SWITCHES[name]}"
    if _GENSIM_NAMES.get(name) in valid:
        return (f"{name} is gensim's name; {model.__name__} calls it "
                f"{_GENSIM_NAMES[name]}: {model.__name__}({_GENSIM_NAMES[name]}={value!r})")
    return (f"{model.__name__} has no parameter {name!r}{did_you_mean(name, valid)} (its "
            f"parameters are {', '.join(valid)})")


#: gensim's ``train()`` arguments, which wordspace needs none of
_GENSIM_TRAIN = ("total_examples", "total_words", "start_alpha", "end_alpha", "word_count",
                 "queue_factor", "report_delay", "corpus_iterable", "corpus_file")


def _misplaced_in_fit(model: type[Model], name: str, value) -> str:
    """Where an argument ``fit`` does not take belongs."""
    params = [p for p in inspect.signature(model.__init__).parameters if p != "self"]
    if name in params:
        return (f"{name} is a parameter of {model.__name__}: "
                f"{model.__name__}({name}={value!r}).fit(corpus), or "
                f"model.set_params({name}={value!r})")
    if name in _GENSIM_TRAIN:
        return (f"{name} is gensim's train() argument: fit(corpus) reads the corpus and "
                "counts it itself (the rate falls from alpha to min_alpha, model "
                "parameters)")
    kind = model._corpus_type.__name__
    settings = _corpus_settings(model)
    if name in settings:
        return f"{name} is a {kind} setting: model.fit({kind}(source, {name}={value!r}))"
    arguments = [p for p in inspect.signature(Model.fit).parameters
                 if p not in ("self", "corpus", "misplaced")]
    return (f"fit() has no argument {name!r}{did_you_mean(name, [*arguments, *params, *settings])}"
            f" (it takes {', '.join(arguments)})")


def _check_arguments(init):
    """``init`` (a model's ``__init__``), refusing unknown keyword arguments with a
    message that says where each belongs (:func:`_unknown_argument`), and gensim's
    positional corpus (``Word2Vec(sentences)``) with where it goes."""
    return keywords_checked(init, _unknown_argument, positional=lambda cls: (
        f"{cls.__name__} takes its parameters by name ({cls.__name__}(dim=100, ...)); what "
        f"it trains on goes to fit(): {cls.__name__}(...).fit("
        f"{cls._corpus_type.__name__}(source))"))


@dataclass(frozen=True)
class _Reindexed:
    """A corpus re-indexed to an extended vocabulary (``fit(update=True)``)."""

    name: str
    tokens: np.ndarray
    offsets: np.ndarray
    vocab: Vocabulary
    group: object = None


@dataclass(frozen=True)
class _RunOptions:
    """How ``fit`` was asked to run: checkpoint path and frequency, restart, callbacks."""

    checkpoint: str | Path | None = None
    every: Every | None = None
    restart: bool = False
    callbacks: list = field(default_factory=list)
    sync: object = None  # a distributed run's SyncSettings
    init: object = None  # pretrained Vectors to start from
    update: bool = False  # continue the fitted parameters


#: the largest norm a pretrained vector may have: the dot product of two such (which
#: training computes in float32) is then finite, as |u.v| <= |u| |v| (about 1.8e19)
MAX_INITIAL_NORM = float(np.sqrt(np.finfo(np.float32).max))


def _check_initial_norms(vectors, where: str) -> None:
    """Refuse pretrained ``vectors`` (from ``where``, for the message) holding a
    non-finite value or a row longer than :data:`MAX_INITIAL_NORM`: training could only
    overflow from them, and report it as a learning rate too high."""
    row, norm = longest_row(vectors.matrix)
    if norm <= MAX_INITIAL_NORM:
        return
    what = ("holds a non-finite value (NaN or inf)" if not np.isfinite(norm) else
            f"is {norm:.3g} long, over {MAX_INITIAL_NORM:.3g}, beyond which its dot "
            "products overflow float32")
    raise ValueError(f"the pretrained vectors{where}: the vector of "
                     f"{shorten(vectors.words[row])} (row {row}) {what}; training can only "
                     "diverge from it. Fix or leave out that vector (the file is damaged, "
                     "or holds no word vectors)")


def _initialise(inputs: np.ndarray, words: list[str], vectors) -> str:
    """Copy the row of every word of ``words`` that ``vectors`` holds into ``inputs``
    (whose first rows are those words'); returns a digest of what was copied, for the
    checkpoint's configuration."""
    index = vectors.key_to_index
    pairs = [(i, index[w]) for i, w in enumerate(words) if w in index]
    if not pairs:
        raise ValueError(f"the pretrained vectors ({len(index):,} words) hold no word of "
                         f"the corpus's vocabulary of {len(words):,}: nothing to start from")
    rows, source = (np.array(p, dtype=np.int64) for p in zip(*pairs, strict=True))
    inputs[rows] = np.asarray(vectors.matrix)[source]
    logger.info("started %d of %d words from the pretrained vectors", len(pairs), len(words))
    digest = hashlib.blake2b(inputs[rows].tobytes(), digest_size=8).hexdigest()
    return f"{len(pairs)} rows, {digest}"


def _digest(arrays: dict[str, np.ndarray]) -> str:
    """A short digest of ``arrays``' values (what an update starts from)."""
    digest = hashlib.blake2b(digest_size=8)
    for name, array in arrays.items():
        digest.update(name.encode())
        digest.update(np.ascontiguousarray(array).data)
    return digest.hexdigest()


def _registry() -> dict[str, type[Model]]:
    from wordspace.models import MODELS

    return {cls.__name__: cls for cls in MODELS.values()}


#: settings added in format 3, with the value every earlier model had
_FORMAT_3_PARAMS = {"hs": False, "shrink_windows": True, "cbow_mean": True, "dm_mean": True}


def load_model(path: str | Path, mmap: bool | str = False) -> Model:
    """Load any wordspace model directory, whatever its class (the one its
    ``config.json`` names: ``SkipGram``, ``FastText``, ``PVDBOW``, ...), fitted as it was
    saved, with its ``report_`` (from ``training.json``) where it has one.

    Parameters
    ----------
    path : str or Path
        A directory written by ``model.save(path)`` or ``wordspace train -o path``.
    mmap : bool or "r"
        Map the matrices read-only from their ``.npy`` files instead of reading them
        into memory: a large model opens in about the time its vocabulary takes to read,
        and processes mapping the same files share their pages. ``"r"`` (gensim's and
        ``Vectors.load``'s spelling) is the same as ``True``.

    Every file is checked before it is used (see :meth:`Model.load`): a directory that
    is not a model's is a ``FileNotFoundError`` saying what it holds instead (a vectors
    directory, say), and a damaged one a ``ValueError`` naming the file.
    """
    return Model.load(path, mmap=mmap)


def load_scorable(path: str | Path):
    """What a query can be asked of at ``path``: a model directory (memory-mapped), a
    vectors directory (:meth:`Vectors.save <wordspace.vectors.Vectors.save>`'s,
    memory-mapped), a fastText ``.bin`` model (a supervised classifier's word vectors),
    or a word2vec file (text or binary, fastText's ``.vec``, GloVe's header-less text)
    read as :class:`~wordspace.vectors.Vectors`."""
    from wordspace.fasttext_format import is_fasttext_file, is_supervised
    from wordspace.vectors import Vectors

    where = Path(path)
    if where.is_file():
        if is_fasttext_file(path):
            from wordspace.models.fasttext import FastText

            if is_supervised(path):  # a classifier: its word vectors
                return FastText.load_facebook_vectors(path)
            return FastText.load_facebook_model(path)
        return Vectors.load_word2vec_format(path)
    if not where.exists():  # not "no config.json": there is nothing there at all
        raise FileNotFoundError(f"{path}: no such file or model directory")
    if not where.is_dir():
        raise ValueError(f"{path} is neither a file nor a directory: give a vectors file "
                         "or a model directory")
    from wordspace.vectors_directory import HEADER

    if (where / HEADER).is_file() and not (where / "config.json").is_file():
        return Vectors.load(path, mmap="r")
    return load_model(path, mmap=True)


def load_vectors(source):
    """Word vectors from ``source``: a :class:`~wordspace.vectors.Vectors`, or a path
    :func:`load_scorable` reads (a model's word vectors)."""
    if hasattr(source, "key_to_index") and hasattr(source, "matrix"):
        return source
    loaded = load_scorable(source)
    return loaded if hasattr(loaded, "key_to_index") else loaded.wv


def read_model_config(path: str | Path) -> dict:
    """The parsed ``config.json`` of model directory ``path``, checked to name a model
    class this wordspace knows, in a format it reads; ``ValueError`` (or
    ``FileNotFoundError``) saying what is wrong otherwise."""
    path = Path(path)
    config_file = path / "config.json"
    if not config_file.is_file():
        raise FileNotFoundError(f"{path} is not a wordspace model directory (no "
                                f"config.json){how_to_load(path)}")
    try:
        config = parse_json(config_file.read_bytes())
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise ValueError(f"{config_file}: not a readable model config ({e})") from None
    registry = _registry()
    if not isinstance(config, dict) or config.get("class") not in registry:
        found = config.get("class") if isinstance(config, dict) else None
        raise ValueError(f"{config_file}: unknown model class {shorten(found)} (this "
                         f"wordspace knows {', '.join(registry)})")
    version = config.get("format", 0)
    if not isinstance(version, int):
        raise ValueError(f"{config_file}: 'format' must be an integer, got "
                         f"{shorten(version)}")
    if version > FORMAT_VERSION:
        raise ValueError(f"{path} was written by a newer wordspace (format {version}); "
                         "upgrade wordspace to read it")
    return config


def is_model_directory(path: str | Path) -> bool:
    """Whether ``path`` is a directory whose ``config.json`` names a wordspace model class."""
    return reads(read_model_config, path)


def check_model_path(path: str | Path) -> None:
    """Refuse, before any work, a place a model may not be saved to.

    A model is saved to a new path, an empty directory, or over a wordspace model
    directory holding nothing else. Anything else -- a file, a directory of other files,
    a model directory with other files beside the model's, a symbolic link, the current
    directory or one of its parents -- raises ``FileExistsError`` saying what to do; a
    place that cannot be written (under a file, read-only), ``OSError``.
    """
    names = _saved_names(path) if is_model_directory(path) else set()
    check_replaceable(path, "a wordspace model directory", is_model_directory,
                      missing_mark(path, "config.json", "no config.json naming a model"),
                      "choose a new path for the model, or move that one away yourself",
                      holds=lambda entry: entry.is_file() and entry.name in names)


def _saved_names(path: str | Path) -> set[str]:
    """The names of the files the model saved at ``path`` wrote (by its class and
    parameters), and no other: a user's ``results.json`` beside them is not one."""
    model = _unfitted(read_model_config(path))
    return {"config.json", "training.json", "vocab.tsv", COMMAND_RECORD,
            *(f"{name}.npy" for name in model._arrays), *model._extra_names}


def _unfitted(config: dict, cls: type[Model] | None = None) -> Model:
    """The unfitted model a saved ``config.json`` describes: its class (or ``cls``) with
    the saved parameters it knows (unchecked: :meth:`Model._validate` checks them)."""
    cls = cls or _registry()[config["class"]]
    params = config.get("params", {})
    known = set(cls._param_names())
    return cls(**{k: v for k, v in (params.items() if isinstance(params, dict) else ())
                  if k in known})
