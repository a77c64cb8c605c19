"""Energies between Gaussian word distributions, their closed-form gradients, and the
max-margin training update (Vilnis & McCallum 2015).

A word is ``N(mu, Sigma)`` with ``Sigma`` diagonal (a variance row of length n) or
spherical (a row of length 1). With ``d = mu_w - mu_c``, per dimension:

* ``EL`` (log expected likelihood, symmetric), with ``s = var_w + var_c``::

      S = -1/2 sum log s - 1/2 sum d^2 / s - n/2 log(2 pi)
      dS/dmu_w = -d / s            dS/dmu_c = d / s
      dS/dvar_w = dS/dvar_c = 1/2 (d^2 / s^2 - 1 / s)

* ``KL`` (asymmetric), ``S(w, c) = -KL(N_c || N_w)``::

      S = -1/2 [ sum var_c / var_w + sum d^2 / var_w - n - sum log(var_c / var_w) ]
      dS/dmu_w = -d / var_w        dS/dmu_c = d / var_w
      dS/dvar_w = 1/2 [ (var_c + d^2) / var_w^2 - 1 / var_w ]
      dS/dvar_c = 1/2 [ 1 / var_c - 1 / var_w ]

For spherical covariances the sums over dimensions fold into the single variance (see
``docs/gaussian.md``). Every formula here is checked against finite differences.
"""

from __future__ import annotations

import math
from collections import namedtuple

import numpy as np

from wordspace.kernels._jit import kernel, prefetch_row

EL = 0
KL = 1
_LOG_2PI = math.log(2.0 * math.pi)


_CHUNK = 64


@kernel(inline=True)
def _log_product(x, y, single):
    """``sum_t log(x_t + y_t)``, or ``sum_t log(y_t)`` if ``single``.

    Logs are the costliest part of an energy, so each chunk of 64 terms takes one log of
    a (vectorised, float64) product; a chunk whose product leaves float64's comfortable
    range, which bounded variances make rare, is summed term by term instead.
    """
    n = y.shape[0]
    total = 0.0
    for t0 in range(0, n, _CHUNK):
        t1 = min(t0 + _CHUNK, n)
        product = 1.0
        if single:
            for t in range(t0, t1):
                product *= np.float64(y[t])
        else:
            for t in range(t0, t1):
                product *= np.float64(x[t]) + np.float64(y[t])
        if 1e-280 < product < 1e280:
            total += math.log(product)
        else:
            for t in range(t0, t1):
                total += math.log(y[t] if single else x[t] + y[t])
    return total


@kernel(inline=True)
def invert_variances(var_w, inv_w):
    """``inv_w = 1 / var_w``; returns ``sum log var_w``: what diagonal KL needs of the
    word, computed once for all its comparisons."""
    for t in range(var_w.shape[0]):
        inv_w[t] = _ONE / var_w[t]
    return _log_product(var_w, var_w, True)


@kernel(inline=True)
def kl_energy(mu_w, inv_w, log_det_w, mu_c, var_c):
    """Diagonal ``S = -KL(N_c || N_w)`` from the word's inverse variances and log
    determinant (:func:`invert_variances`): multiplications only."""
    n = mu_w.shape[0]
    total = 0.0
    for t in range(n):
        d = mu_w[t] - mu_c[t]
        total += (var_c[t] + d * d) * inv_w[t]
    return -0.5 * (total - n - (_log_product(var_c, var_c, True) - log_det_w))


@kernel(inline=True)
def energy(mu_w, var_w, mu_c, var_c, kind):
    """``S(w, c)`` for ``kind`` EL or KL; variance rows of length n or 1 (spherical)."""
    n = mu_w.shape[0]
    if var_w.shape[0] == 1:  # spherical
        vw = var_w[0]
        vc = var_c[0]
        sq = 0.0
        for t in range(n):
            d = mu_w[t] - mu_c[t]
            sq += d * d
        if kind == EL:
            s = vw + vc
            return -0.5 * (n * math.log(s) + sq / s + n * _LOG_2PI)
        return -0.5 * (n * vc / vw + sq / vw - n - n * math.log(vc / vw))
    if kind == KL:
        inv_w = np.empty_like(var_w)
        return kl_energy(mu_w, inv_w, invert_variances(var_w, inv_w), mu_c, var_c)
    total = 0.0
    for t in range(n):  # branch-free, so it vectorises
        d = mu_w[t] - mu_c[t]
        total += d * d / (var_w[t] + var_c[t])
    return -0.5 * (total + _log_product(var_w, var_c, False) + n * _LOG_2PI)


_HALF = np.float32(0.5)
_ONE = np.float32(1.0)


@kernel(inline=True)
def add_energy_gradient(mu_w, var_w, mu_c, var_c, kind, coef,
                        g_mu_w, g_var_w, g_mu_c, g_var_c):
    """Add ``coef * dS(w, c)/dtheta`` to the four gradient rows (same shapes as the rows).

    One destination per loop, and float32 constants: with several destinations LLVM
    cannot rule out aliasing and leaves the loop scalar, and float64 literals would
    turn float32 arithmetic into float64.
    """
    n = mu_w.shape[0]
    half = _HALF * coef
    if var_w.shape[0] == 1:  # spherical: one variance, sums over dimensions
        vw = var_w[0]
        vc = var_c[0]
        scale = coef / (vw + vc) if kind == EL else coef / vw
        sq = 0.0
        for t in range(n):
            d = mu_w[t] - mu_c[t]
            sq += d * d
        for t in range(n):
            g_mu_w[t] -= scale * (mu_w[t] - mu_c[t])
        for t in range(n):
            g_mu_c[t] += scale * (mu_w[t] - mu_c[t])
        if kind == EL:
            s = vw + vc
            gv = half * (sq / s - n) / s
            g_var_w[0] += gv
            g_var_c[0] += gv
        else:
            g_var_w[0] += half * ((n * vc + sq) / vw - n) / vw
            g_var_c[0] += half * n * (_ONE / vc - _ONE / vw)
        return
    if kind == EL:
        for t in range(n):
            g_mu_w[t] -= coef * (mu_w[t] - mu_c[t]) / (var_w[t] + var_c[t])
        for t in range(n):
            g_mu_c[t] += coef * (mu_w[t] - mu_c[t]) / (var_w[t] + var_c[t])
        for t in range(n):
            d = mu_w[t] - mu_c[t]
            inv = _ONE / (var_w[t] + var_c[t])
            g_var_w[t] += half * (d * d * inv - _ONE) * inv
        for t in range(n):
            d = mu_w[t] - mu_c[t]
            inv = _ONE / (var_w[t] + var_c[t])
            g_var_c[t] += half * (d * d * inv - _ONE) * inv
        return
    inv_w = np.empty_like(var_w)
    invert_variances(var_w, inv_w)
    add_kl_gradient(mu_w, inv_w, mu_c, var_c, coef, g_mu_w, g_var_w, g_mu_c, g_var_c)


@kernel(inline=True)
def add_kl_gradient(mu_w, inv_w, mu_c, var_c, coef, g_mu_w, g_var_w, g_mu_c, g_var_c):
    """Diagonal KL's ``coef * dS/dtheta`` from the word's inverse variances: one division
    per dimension (``1 / var_c``) instead of five."""
    half = _HALF * coef
    for t in range(mu_w.shape[0]):
        g_mu_w[t] -= coef * (mu_w[t] - mu_c[t]) * inv_w[t]
    for t in range(mu_w.shape[0]):
        g_mu_c[t] += coef * (mu_w[t] - mu_c[t]) * inv_w[t]
    for t in range(mu_w.shape[0]):
        d = mu_w[t] - mu_c[t]
        g_var_w[t] += half * ((var_c[t] + d * d) * inv_w[t] - _ONE) * inv_w[t]
    for t in range(mu_w.shape[0]):
        g_var_c[t] += half * (_ONE / var_c[t] - inv_w[t])


@kernel(inline=True)
def _adagrad_step(row, grad, accumulator, index, lr):
    """``row += lr / sqrt(G) * grad`` with ``G`` the row's accumulated squared gradient
    (summed over steps, averaged over the row's entries): AdaGrad with one accumulator per
    parameter row, as word2gauss keeps."""
    n = row.shape[0]
    sq = 0.0
    for t in range(n):
        sq += grad[t] * grad[t]
    accumulator[index] += sq / n
    step = lr / math.sqrt(accumulator[index] + 1e-8)
    for t in range(n):
        row[t] += step * grad[t]


@kernel(inline=True)
def _constrain(mu, var, mu_max, var_min, var_max):
    """Project onto ``||mu|| <= mu_max`` and ``var_min <= var <= var_max`` (V&M's bounds)."""
    norm = 0.0
    for t in range(mu.shape[0]):
        norm += mu[t] * mu[t]
    norm = math.sqrt(norm)
    if norm > mu_max:
        scale = mu_max / norm
        for t in range(mu.shape[0]):
            mu[t] *= scale
    for t in range(var.shape[0]):
        v = var[t]
        if not v >= var_min:  # also catches NaN
            var[t] = var_min
        elif v > var_max:
            var[t] = var_max


@kernel
def constrain_rows(means, variances, rows, mu_max, var_min, var_max):
    """Project rows ``0 .. rows - 1`` of ``means`` and ``variances`` into the bounds each
    step keeps (:func:`_constrain`): after a distributed run adds several ranks' changes
    of a row together, which each rank's steps kept in bounds but their sum need not."""
    for r in range(rows):
        _constrain(means[r], variances[r], mu_max, var_min, var_max)


#: A Gaussian model's arrays, by name, as :func:`max_margin_update` takes them (see
#: :class:`wordspace.engine.params.GaussianParams`): word and context distributions
#: and each one's AdaGrad sums (one per row); tied, the context arrays are the word's.
GaussianArrays = namedtuple("GaussianArrays", [
    "means", "variances", "context_means", "context_variances",
    "mean_sums", "variance_sums", "context_mean_sums", "context_variance_sums"])

#: The max-margin step's settings: the means' and variances' learning rates, the margin,
#: the energy (:data:`EL` or :data:`KL`), the bounds, and whether the arrays are tied.
MaxMarginStep = namedtuple("MaxMarginStep", [
    "lr", "var_lr", "margin", "kind", "mu_max", "var_min", "var_max", "tied"])

#: Scratch for :func:`max_margin_update`: the energies and weights of an example's
#: ``m + K`` comparisons, its four gradient rows and a variance row (``inv_w``).
MaxMarginScratch = namedtuple("MaxMarginScratch", [
    "energies", "weights", "g_mu_w", "g_var_w", "g_mu_c", "g_var_c", "inv_w"])


@kernel
def max_margin_update(arrays, step, examples, scratch):
    """One AdaGrad step per example on ``sum_{j,k} max(0, m - S(w, c_j) + S(w, n_k))``:
    ``arrays`` a :data:`GaussianArrays`, ``step`` a :data:`MaxMarginStep`, ``examples``
    an :data:`~wordspace.kernels.sampling.ExampleArrays`, ``scratch`` a
    :data:`MaxMarginScratch`.

    Means step at base rate ``lr``, variances at ``var_lr``. The example's contexts
    ``c_j`` are the rows of its bags (one-row bags: the window's words,
    :mod:`wordspace.engine.layout`).

    Negatives are shared by the window, so each of the ``m + K`` energies is computed
    once; the gradient weights a positive by the number of its active triples and a
    negative likewise (with the opposite sign). A negative equal to its positive is
    skipped; with ``tied`` parameters, where word and context are one row, so are the
    word's comparisons with itself (in its own window, or drawn as a negative). Context
    rows step in turn, each from the word's old values, and the word's row last; each is
    projected back into its bounds after its step. ``energies`` and ``weights`` (m + K),
    the four gradient rows and ``inv_w`` (a variance row) are scratch: for diagonal KL
    the word's inverse variances are computed once per example, as every comparison
    divides by them.

    Returns ``(loss, triples, active)``.
    """
    centres, bag_ptr, row_ptr, contexts = (examples.centres, examples.bag_ptr,
                                           examples.row_ptr, examples.rows)
    negatives, n_examples = examples.negatives, examples.n_examples
    mu_w, var_w, mu_c, var_c = (arrays.means, arrays.variances, arrays.context_means,
                                arrays.context_variances)
    acc_mu_w, acc_var_w, acc_mu_c, acc_var_c = (
        arrays.mean_sums, arrays.variance_sums, arrays.context_mean_sums,
        arrays.context_variance_sums)
    lr, var_lr, margin, kind = step.lr, step.var_lr, step.margin, step.kind
    mu_max, var_min, var_max, tied = step.mu_max, step.var_min, step.var_max, step.tied
    energies, weights, inv_w = scratch.energies, scratch.weights, scratch.inv_w
    g_mu_w, g_var_w, g_mu_c, g_var_c = (scratch.g_mu_w, scratch.g_var_w, scratch.g_mu_c,
                                        scratch.g_var_c)
    n_neg = negatives.shape[1]
    diagonal_kl = kind == KL and var_w.shape[1] > 1
    log_det_w = 0.0
    loss = 0.0
    triples = 0
    active = 0
    for e in range(n_examples):
        w = centres[e]
        a = row_ptr[bag_ptr[e]]
        m = row_ptr[bag_ptr[e + 1]] - a
        if e + 1 < n_examples:
            prefetch_row(mu_w, centres[e + 1])
            for p in range(row_ptr[bag_ptr[e + 1]], row_ptr[bag_ptr[e + 2]]):
                prefetch_row(mu_c, contexts[p])
        if diagonal_kl:  # the word's row is read-only until its step, last
            log_det_w = invert_variances(var_w[w], inv_w)
        for j in range(m + n_neg):
            c = contexts[a + j] if j < m else negatives[e, j - m]
            if diagonal_kl:
                energies[j] = kl_energy(mu_w[w], inv_w, log_det_w, mu_c[c], var_c[c])
            else:
                energies[j] = energy(mu_w[w], var_w[w], mu_c[c], var_c[c], kind)
            weights[j] = 0.0
        for j in range(m):
            if tied and contexts[a + j] == w:
                continue  # tied, the word in its own window is one row on both sides
            for k in range(n_neg):
                if negatives[e, k] == contexts[a + j] or (tied and negatives[e, k] == w):
                    continue  # a negative equal to the positive (or, tied, the word itself)
                triples += 1
                hinge = margin - energies[j] + energies[m + k]
                if hinge > 0.0:
                    loss += hinge
                    active += 1
                    weights[j] += 1.0  # raise S(w, c_j)
                    weights[m + k] -= 1.0  # lower S(w, n_k)
        g_mu_w[:] = 0.0
        g_var_w[:] = 0.0
        moved = False
        for j in range(m + n_neg):
            if weights[j] == 0.0:
                continue
            moved = True
            c = contexts[a + j] if j < m else negatives[e, j - m]
            g_mu_c[:] = 0.0
            g_var_c[:] = 0.0
            if diagonal_kl:
                add_kl_gradient(mu_w[w], inv_w, mu_c[c], var_c[c], weights[j],
                                g_mu_w, g_var_w, g_mu_c, g_var_c)
            else:
                add_energy_gradient(mu_w[w], var_w[w], mu_c[c], var_c[c], kind, weights[j],
                                    g_mu_w, g_var_w, g_mu_c, g_var_c)
            _adagrad_step(mu_c[c], g_mu_c, acc_mu_c, c, lr)
            _adagrad_step(var_c[c], g_var_c, acc_var_c, c, var_lr)
            _constrain(mu_c[c], var_c[c], mu_max, var_min, var_max)
        if moved:
            _adagrad_step(mu_w[w], g_mu_w, acc_mu_w, w, lr)
            _adagrad_step(var_w[w], g_var_w, acc_var_w, w, var_lr)
            _constrain(mu_w[w], var_w[w], mu_max, var_min, var_max)
    return loss, triples, active
