"""Named parameters, one small dataclass per model family.

A model builds its parameters object and owns it; a :class:`~wordspace.losses.Loss`
takes it and reads the arrays it needs by name. Tying is a property of the object
(which arrays are one and the same), never a second flag beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wordspace.kernels.gaussian import GaussianArrays


class _Rows:
    """What the driver asks of any parameters: the input rows (the matrix a sentence's
    extra context row indexes) and their width."""

    @property
    def _input_matrix(self) -> np.ndarray:
        raise NotImplementedError

    @property
    def dim(self) -> int:
        """Columns of an input row."""
        return self._input_matrix.shape[1]

    @property
    def input_rows(self) -> int:
        """How many input rows there are."""
        return self._input_matrix.shape[0]


@dataclass(eq=False)
class VectorParams(_Rows):
    """Input and output rows (SGNS, CBOW, PV-DBOW, full softmax): ``inputs`` are the
    vectors a window's words (or a document) contribute, ``outputs`` the vectors the
    predicted words are scored against."""

    inputs: np.ndarray
    outputs: np.ndarray

    @property
    def _input_matrix(self) -> np.ndarray:
        return self.inputs


@dataclass(eq=False)
class GaussianParams(_Rows):
    """Gaussian word and context distributions with their AdaGrad sums (one per row).

    Give only ``means`` and ``variances`` for tied distributions: the context
    distributions (and their AdaGrad sums) are then the very same arrays, so
    :attr:`tied` is true; give ``context_means`` and ``context_variances`` too for
    separate ones. AdaGrad sums left out start at zero.
    """

    means: np.ndarray
    variances: np.ndarray
    context_means: np.ndarray | None = None
    context_variances: np.ndarray | None = None
    mean_sums: np.ndarray | None = None
    variance_sums: np.ndarray | None = None
    context_mean_sums: np.ndarray | None = None
    context_variance_sums: np.ndarray | None = None

    def __post_init__(self):
        if (self.context_means is None) != (self.context_variances is None):
            raise ValueError("give both context_means and context_variances, or neither "
                             "(tied distributions)")
        n = len(self.means)

        def sums(given):
            return np.zeros(n, np.float64) if given is None else given

        self.mean_sums, self.variance_sums = sums(self.mean_sums), sums(self.variance_sums)
        if self.context_means is None or self.context_means is self.means:
            # tied: a word's context distribution is its own, AdaGrad sums included
            self.context_means, self.context_variances = self.means, self.variances
            self.context_mean_sums, self.context_variance_sums = \
                self.mean_sums, self.variance_sums
        else:
            self.context_mean_sums = sums(self.context_mean_sums)
            self.context_variance_sums = sums(self.context_variance_sums)

    @property
    def tied(self) -> bool:
        """Whether word and context distributions are one (the same arrays)."""
        return self.context_means is self.means

    @property
    def _input_matrix(self) -> np.ndarray:
        return self.means

    def arrays(self) -> GaussianArrays:
        """The eight arrays by name, as the compiled update takes them (a named tuple:
        means, variances, context means, context variances, then their AdaGrad sums)."""
        return GaussianArrays(self.means, self.variances, self.context_means,
                              self.context_variances, self.mean_sums, self.variance_sums,
                              self.context_mean_sums, self.context_variance_sums)
