"""Gaussian skip-gram (Vilnis & McCallum 2015): every word a distribution N(mu, Sigma)."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from wordspace._io import load_npy
from wordspace._validate import FLOAT32_MAX, FLOAT32_TINY, check_choice, check_float, check_int
from wordspace.corpus import Corpus
from wordspace.distributions import Distributions
from wordspace.engine.params import GaussianParams
from wordspace.losses import MaxMarginLoss
from wordspace.models.base import WindowModel

logger = logging.getLogger(__name__)


class GaussianSkipGram(WindowModel):
    """Words as Gaussians, trained on skip-gram windows with a max-margin loss.

    Each word has a word distribution ``N(mu_w, Sigma_w)`` and a context distribution
    ``N(mu_c, Sigma_c)``; by default (``tied=True``) they are one and the same, and
    ``tied=False`` keeps them apart as SGNS keeps input and output vectors. For a centre
    word ``w``, a context ``c+`` from its window and a negative ``c-``
    drawn from ``count ** ns_exponent``, the loss is
    ``max(0, margin - S(w, c+) + S(w, c-))`` with ``S`` the log expected likelihood
    (``energy="el"``, symmetric) or ``-KL(N_c || N_w)`` (``energy="kl"``, asymmetric).
    Training uses the same corpus walk as :class:`SkipGram` (subsampling, dynamic
    window, negatives shared by the window), AdaGrad per row, and after every step the
    projection ``||mu|| <= mu_max``, ``var_min <= variance <= var_max``.

    Parameters
    ----------
    dim : int
        Dimensions of the means.
    covariance : {"diagonal", "spherical"}
        One variance per dimension, or one per word.
    energy : {"el", "kl"}
        ``kl`` (default) learns breadth that orders hypernyms and keeps similarity (on
        text8: WS353 0.66 by cosine of the means, BLESS directional 0.78, see
        docs/benchmarks.md); ``el`` gives the same similarity and a weaker direction
        (0.68).
    margin : float
        The hinge's margin ``m``.
    window, negative, sample, ns_exponent, epochs, workers, seed, progress,
    shrink_windows
        As for :class:`SkipGram`.
    alpha : float
        AdaGrad's base learning rate, decayed linearly to ``min_alpha``. At most
        ``4 * mu_max / sqrt(dim)`` (2.83 at the defaults): a row's first AdaGrad step is
        ``alpha * sqrt(dim)`` long, and one over twice the means' ball's diameter leaves
        the bound, not the data, to place them (refused, with the limit).
    min_alpha : float, optional
        Final base learning rate; default ``alpha / 10``. Decaying the base rate on top
        of AdaGrad's own annealing settles the rare words' means (on text8, WS353 by
        cosine of the means 0.61 without decay, 0.64 to 0.66 with it); decaying it to
        ``alpha / 100`` costs entailment direction.
    mu_max : float
        Bound on the norm of every mean.
    var_min, var_max : float
        Bounds on every variance.
    var_init : float
        Initial variance.
    variance_rate : float
        The variances' learning rate relative to the means'. Variance steps as large as
        the means' make variances random-walk between their bounds; a tenth lets them
        settle on each word's breadth (on text8, KL: BLESS directional 0.63 at 1.0, 0.74
        at 0.1, 0.78 at 0.3 with ``var_max=4``).
    tied : bool
        Share one distribution per word between its word and context roles (default: on
        text8, tying lifts WS353 by cosine of the means from 0.48 to 0.56 after one epoch).
    device : str
        ``"cpu"`` (default), or ``"cuda"`` / ``"cuda:N"`` to train on a GPU (the
        ``wordspace[cuda]`` extra; see docs/gpu.md): the same loss, walk and AdaGrad
        steps, by :class:`wordspace.cuda.gaussian.CudaGaussian`. Checked before the
        corpus is read; the trained model is plain NumPy arrays either way.
    device_options : dict, optional
        Options of the GPU's executor (:class:`wordspace.cuda.gaussian.CudaGaussian`
        lists them). Refused with ``device="cpu"``.

    Attributes
    ----------
    distributions : Distributions
        The word distributions, with similarity, entailment and neighbour queries;
        their ``energy`` is this model's, so queries score by it unless given ``by``.
    vectors : Vectors
        The means as word vectors (cosine queries, analogies, word2vec export).
    means_, variances_, context_means_, context_variances_ : ndarray
    mean_sums_, variance_sums_ : ndarray
        AdaGrad's sums of squared gradients, one per row (float64; also
        ``context_mean_sums_`` and ``context_variance_sums_`` untied), kept and saved so
        that ``fit(more, update=True)`` continues AdaGrad where training stopped.
    report_ : TrainingReport
    """

    _min_alpha_ratio = 0.1

    @property
    def _arrays(self) -> tuple[str, ...]:
        # tied context distributions are the word distributions: saved once
        return ("means_", "variances_") if self.tied else \
            ("means_", "variances_", "context_means_", "context_variances_")

    def __init__(self, *, dim: int = 50, covariance: str = "diagonal", energy: str = "kl",
                 margin: float = 1.0, window: int = 5, negative: int = 5, sample: float = 1e-4,
                 ns_exponent: float = 0.75, epochs: int = 5, alpha: float = 0.5,
                 min_alpha: float | None = None, mu_max: float = 5.0, var_min: float = 0.05,
                 var_max: float = 4.0, var_init: float = 1.0, variance_rate: float = 0.3,
                 tied: bool = True,
                 workers: int | None = None, seed: int = 1, device: str = "cpu",
                 device_options: dict | None = None, progress: bool = True,
                 shrink_windows: bool = True):
        self.dim = dim
        self.covariance = covariance
        self.energy = energy
        self.margin = margin
        self.window = window
        self.shrink_windows = shrink_windows
        self.negative = negative
        self.sample = sample
        self.ns_exponent = ns_exponent
        self.epochs = epochs
        self.alpha = alpha
        self.min_alpha = min_alpha
        self.mu_max = mu_max
        self.var_min = var_min
        self.var_max = var_max
        self.var_init = var_init
        self.variance_rate = variance_rate
        self.tied = tied
        self.workers = workers
        self.seed = seed
        self.device = device
        self.device_options = device_options
        self.progress = progress

    def _validate(self) -> None:
        check_int("dim", self.dim, 1)
        check_choice("covariance", self.covariance, ("diagonal", "spherical"))
        check_choice("energy", self.energy, ("el", "kl"))
        check_float("margin", self.margin, 0.0, strict=True)
        self._validate_walk()
        check_float("mu_max", self.mu_max, 0.0, strict=True)
        check_float("var_min", self.var_min, 0.0, strict=True)
        if self.var_min < FLOAT32_TINY:  # 0 (or imprecise) in the float32 parameters
            raise ValueError(f"var_min={self.var_min:g} is below float32's smallest normal "
                             f"number ({FLOAT32_TINY:.3g}), in which variances are kept: "
                             "they would become 0, and every energy infinite (the default "
                             "is 0.05)")
        check_float("var_max", self.var_max, self.var_min)
        if self.var_max > FLOAT32_MAX:  # infinite in the float32 parameters
            raise ValueError(f"var_max={self.var_max:g} is above float32's largest number "
                             f"({FLOAT32_MAX:.3g}), in which variances are kept: a variance "
                             "there would be infinite (the default is 4)")
        check_float("var_init", self.var_init, self.var_min, maximum=self.var_max)
        check_float("variance_rate", self.variance_rate, 0.0)
        self._check_first_step()

    def _make_executor(self):
        from wordspace.cuda.device import import_cuda

        import_cuda()  # CudaNotInstalled, naming the package, before the kernels import it
        from wordspace.cuda.gaussian import CudaGaussian

        return self._executor(CudaGaussian, self._loss())

    def _check_first_step(self) -> None:
        """Refuse a rate whose first AdaGrad step would jump across the means' ball.

        AdaGrad's first step of a row has length ``alpha * sqrt(dim)`` whatever the
        gradient (the step divides by the gradient's own root mean square). When that
        is over twice the diameter ``2 * mu_max`` of the ball the means are projected
        into, the projection, not the data, places the means: the loss stays near the
        margin, nothing is non-finite, and the vectors are noise (on 2 M words of text8,
        WS353 0.40 at alpha 0.5, 0.32 at 2, 0.23 at 4, 0.19 at 10).
        """
        if self.alpha * self.dim ** 0.5 > 4 * self.mu_max:
            limit = 4 * self.mu_max / self.dim ** 0.5
            raise ValueError(
                f"alpha={self.alpha:g} makes a mean's first AdaGrad step "
                f"{self.alpha * self.dim ** 0.5:.3g} long (alpha x sqrt(dim={self.dim})), "
                f"over twice the diameter {2 * self.mu_max:g} of the ball the means are "
                f"kept in (mu_max={self.mu_max:g}): the bound, not the data, would place "
                f"them. Lower alpha to at most {limit:.3g} (the default is 0.5), or raise "
                "mu_max")

    _updatable = True
    _shape_params = ("dim", "covariance", "tied")

    @property
    def _sums(self) -> tuple[str, ...]:
        """The AdaGrad sums the model keeps, one per row of each distribution array (of
        :attr:`_arrays`, in their order), so that further training (``update=True``)
        continues AdaGrad where it stopped: float64, saved beside the parameters."""
        tied = ("mean_sums_", "variance_sums_")
        return tied if self.tied else (*tied, "context_mean_sums_", "context_variance_sums_")

    @property
    def _word_arrays(self) -> tuple[str, ...]:
        return self._arrays + self._sums

    def _new_rows(self, n: int, first: int = 0) -> tuple[np.ndarray, ...]:
        """Rows of :attr:`_word_arrays`: means normal with deviation 0.1, variances
        ``var_init`` (the context distributions' too when untied), AdaGrad sums zero."""
        rng = self._rows_rng(first)
        var_dim = self.dim if self.covariance == "diagonal" else 1

        def distributions():
            return (rng.normal(scale=0.1, size=(n, self.dim)).astype(np.float32),
                    np.full((n, var_dim), self.var_init, np.float32))

        rows = distributions() if self.tied else (*distributions(), *distributions())
        return (*rows, *(np.zeros(n, np.float64) for _ in rows))

    def _params(self) -> GaussianParams:
        """The model's own arrays (trained in place), AdaGrad sums included."""
        # tied: no context arrays of their own, so the context distributions (and their
        # AdaGrad sums) are the word distributions themselves
        params = GaussianParams(self.means_, self.variances_, mean_sums=self.mean_sums_,
                                variance_sums=self.variance_sums_) if self.tied else \
            GaussianParams(*(getattr(self, name) for name in self._word_arrays))
        self.context_means_, self.context_variances_ = \
            params.context_means, params.context_variances
        return params

    def _fit(self, corpus: Corpus) -> None:
        self._start_rows(len(corpus.vocab))
        self._train(corpus, self._loss(), self._params())
        self._restored()

    @property
    def _extra_names(self) -> tuple[str, ...]:
        return tuple(f"{name}.npy" for name in self._sums)

    def _save_extra(self, directory: Path) -> None:
        for name in self._sums:
            np.save(directory / f"{name}.npy", getattr(self, name))

    def _load_extra(self, directory: Path) -> None:
        n = len(self.vocab_)
        for name in self._sums:
            file = directory / f"{name}.npy"
            if not file.exists():  # saved by a wordspace that did not keep them
                logger.info("%s: no AdaGrad sums saved; further training (update=True) "
                            "starts AdaGrad afresh for every word", directory)
                sums = np.zeros(n, np.float64)
            else:
                sums = load_npy(file, whole="the model directory")
                if not (isinstance(sums, np.ndarray) and sums.dtype == np.float64
                        and sums.shape == (n,) and np.isfinite(sums).all()
                        and (sums >= 0).all()):
                    raise ValueError(f"{file}: expected {n} finite non-negative float64 "
                                     "AdaGrad sums (one per word); the model directory is "
                                     "damaged or its files come from different models")
            setattr(self, name, sums)

    def _loss(self) -> MaxMarginLoss:
        return MaxMarginLoss(self.energy, self.margin, self.mu_max, self.var_min, self.var_max,
                             self.variance_rate)

    def _expected_shapes(self) -> dict[str, tuple[int | None, ...]]:
        var_dim = self.dim if self.covariance == "diagonal" else 1
        n = len(self.vocab_)
        return {name: (n, var_dim if "variances" in name else self.dim)
                for name in self._arrays}

    def _restored(self) -> None:
        if self.tied:
            self.context_means_, self.context_variances_ = self.means_, self.variances_
        # queries default to the energy the model was trained with (the parameter, which
        # a saved model's config.json restores before this runs)
        self.distributions = Distributions(self.vocab_.words, self.means_, self.variances_,
                                           self.vocab_.counts, energy=self.energy)
        # the means' vectors (model.wv) are the model's rows: a change to them is kept
        self.vectors = self.distributions.vectors._owned_by(self)

    def scorers(self) -> dict:
        """Similarity scorers for :func:`wordspace.evaluate.evaluate`: cosine of the means
        (also used for analogies), and the energies EL and KL."""
        return {**self.distributions.scorers(), "cosine": self.vectors}  # the model's own
