"""Gaussian skip-gram's max-margin objective on a CUDA device (Numba-CUDA).

The device twin of :func:`wordspace.kernels.gaussian.max_margin_update` (Vilnis &
McCallum's ``sum_{j,k} max(0, m - S(w, c_j) + S(w, n_k))`` with EL or KL energies,
diagonal or spherical covariances, AdaGrad per row, means and variances projected into
their bounds after every step), over the Gaussian's layout (a whole window one example,
one set of ``negative`` negatives per centre word).

The shape is :mod:`wordspace.cuda.kernels`' (whose sampling functions it imports):
**one warp per chunk** of a sentence subsamples the chunk, then walks its kept words as
centres; each lane owns the dimensions ``lane, lane + 32, ...`` of every row, so an
energy is one per-lane partial sum and one butterfly reduction, and a step is a
per-lane loop (plus one reduction for AdaGrad's squared gradient and one for the
mean's norm). The window size and the negatives are warp-uniform draws from the warp's
shared xorshift state.

:func:`build`'s ``window_step`` is the CPU kernel's example step, in the same order:
every energy first (the word's row, its inverse variances and log determinant held in
registers), then the weight of each positive and negative (the number of active
triples it is in; a negative equal to its positive skipped, and with tied parameters
the word's comparisons with itself), then each weighted context row in turn steps by
AdaGrad from the word's old values and its own current ones and is projected back, and
the word's row steps last. The training kernel and the test kernel over explicit
examples (:func:`build`'s ``examples_kernel``) call the same function.

Arithmetic is float32 as on the CPU (energies, hinges and AdaGrad sums float64); the
sums over dimensions are taken in float32 per lane and reduced, where the CPU adds
terms (or chunked products of logs) in float64, so the two agree to float32 tolerance.
Updates are Hogwild: rows and AdaGrad sums are read without synchronisation between
warps, and written with atomics by default (:func:`build`'s ``atomic``), so no warp's
write is lost. Tied parameters are the same device arrays passed twice.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numba import cuda

from wordspace.cuda.device import import_cuda, require_cuda, simulated
from wordspace.cuda.executor import (
    CHUNK_WORDS,
    LAUNCH_WORDS,
    WARPS,
    CudaReport,
    DeviceCorpus,
    check_count,
    check_device_memory,
    check_start,
    check_switch,
    chunk_counters,
    cut_chunks,
    device_tables,
    launch_blocks,
    launch_groups,
    run_launches,
)
from wordspace.cuda.kernels import (
    SIMULATED,
    WARP,
    add_to,
    below,
    default_lanes,
    draw_noise,
    seeds,
    subsample,
    warp_sum,
    warp_sync,
    xorshift,
)
from wordspace.engine.layout import Layout
from wordspace.kernels.gaussian import EL, KL

__all__ = ["CudaGaussian", "GaussianReport", "build", "train_gaussian_on_device"]

_LOG_2PI = math.log(2.0 * math.pi)


@dataclass
class GaussianReport(CudaReport):
    """:class:`~wordspace.cuda.executor.CudaReport` for the max-margin loss: ``terms``
    are the (word, positive, negative) triples, all tracked, ``loss`` their summed
    hinge, ``active`` those with a non-zero hinge; ``pairs`` are (centre, context)."""

    active: int = 0

    @property
    def active_share(self) -> float:
        """Share of triples with a non-zero loss (NaN before any)."""
        return self.active / self.terms if self.terms else math.nan


def build(*, dim: int, var_dim: int, window: int, negative: int, kind: int,
          warps: int = 1, lanes: int | None = None, strided: bool = False,
          atomic: bool = False):
    """The kernels for one shape: ``(train_kernel, examples_kernel)`` for means of
    ``dim`` and variance rows of ``var_dim`` (``dim``: diagonal, 1: spherical), windows
    of up to ``window`` words each side, ``negative`` negatives, energy ``kind``
    (:data:`~wordspace.kernels.gaussian.EL` or ``KL``); ``warps`` warps of ``lanes``
    threads per block (default :func:`~wordspace.cuda.kernels.default_lanes`);
    ``strided``: each warp trains every so many chunks in turn, for launches of fewer
    warps than chunks (the executor's ``concurrent_chunks``); ``atomic``: every write to
    a global row or AdaGrad sum is an atomic add (a projection an atomic add of its
    change, a bound an atomic max or min), so no other warp's write to it is lost.
    Each distinct shape compiles once per process."""
    if var_dim not in (1, dim):
        raise ValueError(f"variance rows have 1 or dim={dim} entries, not {var_dim}")
    if kind not in (EL, KL):
        raise ValueError(f"kind must be EL ({EL}) or KL ({KL}), not {kind}")
    return _build(dim=int(dim), var_dim=int(var_dim), window=int(window),
                  negative=int(negative), kind=int(kind), warps=int(warps),
                  lanes=default_lanes() if lanes is None else int(lanes),
                  strided=bool(strided), atomic=bool(atomic))


def _writes(atomic: bool):
    """How the kernel writes what other warps also write: ``(add_sum, add_entry,
    scale_entry, bound_entry)``, plain or (``atomic``) as atomics (``add_entry`` is
    negative sampling's :func:`~wordspace.cuda.kernels.add_to`). One warp computes the
    same numbers either way (the scaling to float32 rounding)."""
    add_entry = add_to(atomic)
    if atomic:
        @cuda.jit(device=True)
        def add_sum(acc, row, old, x):
            cuda.atomic.add(acc, row, x)

        @cuda.jit(device=True)
        def scale_entry(mat, row, d, scale):
            v = mat[row, d]
            cuda.atomic.add(mat, (row, d), v * scale - v)

        @cuda.jit(device=True)
        def bound_entry(mat, row, d, low, high):
            cuda.atomic.nanmax(mat, (row, d), low)  # NaN becomes low, as below
            cuda.atomic.min(mat, (row, d), high)
    else:
        @cuda.jit(device=True)
        def add_sum(acc, row, old, x):
            acc[row] = old + x

        @cuda.jit(device=True)
        def scale_entry(mat, row, d, scale):
            mat[row, d] *= scale

        @cuda.jit(device=True)
        def bound_entry(mat, row, d, low, high):
            v = mat[row, d]
            if not v >= low:  # also catches NaN
                mat[row, d] = low
            elif v > high:
                mat[row, d] = high
    return add_sum, add_entry, scale_entry, bound_entry


@functools.cache
def _build(*, dim, var_dim, window, negative, kind, warps, lanes, strided, atomic):
    if SIMULATED and warps != 1:
        raise ValueError("the simulator's warp functions need one warp per block")
    if not SIMULATED and lanes != WARP:
        raise ValueError(f"a GPU warp has {WARP} lanes")
    LANES = lanes
    DIM = dim
    VDIM = var_dim
    SPHERICAL = var_dim == 1  # as on the CPU, a row of one variance (also at dim 1)
    DPL = (dim + LANES - 1) // LANES  # dimensions per lane
    VDPL = 1 if SPHERICAL else DPL
    K = negative
    WINDOW = window
    MAXJ = 2 * window + negative  # a window's contexts, then its negatives
    WARPS = warps
    STRIDED = strided
    IS_EL = kind == EL
    N = np.float32(dim)
    N64 = float(dim)
    HALF = np.float32(0.5)
    ONE = np.float32(1.0)
    ZERO = np.float32(0.0)
    add_sum, add_entry, scale_entry, bound_entry = _writes(atomic)

    @cuda.jit(device=True)
    def adagrad(mat, row, grad, acc, lr, n, per_lane, lane, scratch):
        """``mat[row] += lr / sqrt(G) * grad`` with ``acc[row]`` (``G``) raised by the
        mean squared gradient over the row's ``n`` entries (the lane holds ``grad`` for
        its ``per_lane`` of them); returns the lane's part of the new row's squared
        norm."""
        old = acc[row]  # read before the reduction: lane 0 writes after it
        part = ZERO
        for t in range(per_lane):
            d = lane + LANES * t
            if d < n:
                part += grad[t] * grad[t]
        sq = warp_sum(part, scratch, lane, LANES)
        total = old + np.float64(sq) / n
        if lane == 0:
            add_sum(acc, row, old, np.float64(sq) / n)
        step = np.float32(lr / math.sqrt(total + 1e-8))
        norm = ZERO
        for t in range(per_lane):
            d = lane + LANES * t
            if d < n:
                x = mat[row, d] + step * grad[t]  # the row's new value, as this warp sees it
                add_entry(mat, row, d, step * grad[t])
                norm += x * x
        return norm

    @cuda.jit(device=True)
    def constrain(mu, var, row, norm_part, mu_max, var_min, var_max, lane, scratch):
        """Project ``mu[row]`` (its squared norm's lane part given) into the ball of
        radius ``mu_max`` and ``var[row]`` into ``[var_min, var_max]``."""
        norm = math.sqrt(np.float64(warp_sum(norm_part, scratch, lane, LANES)))
        if norm > mu_max:
            scale = np.float32(mu_max / norm)
            for t in range(DPL):
                d = lane + LANES * t
                if d < DIM:
                    scale_entry(mu, row, d, scale)
        for t in range(VDPL):
            d = lane + LANES * t
            if d < VDIM:
                bound_entry(var, row, d, np.float32(var_min), np.float32(var_max))

    @cuda.jit(device=True)
    def window_step(mu_w, var_w, mu_c, var_c, acc_mu_w, acc_var_w, acc_mu_c, acc_var_c,
                    w, cols, m, lr, var_lr, margin, mu_max, var_min, var_max, tied, lane,
                    scratch):
        """One example's step (the module docstring): word ``w`` against the contexts
        ``cols[:m]`` and the negatives ``cols[m:m + K]``. Returns ``(loss, triples,
        active)``, the same in every lane."""
        energies = cuda.local.array(MAXJ, np.float64)
        weights = cuda.local.array(MAXJ, np.float32)
        wm = cuda.local.array(DPL, np.float32)  # the word's mean (this lane's dims)
        wv = cuda.local.array(VDPL, np.float32)  # its variances
        inv = cuda.local.array(VDPL, np.float32)  # their inverses (diagonal KL)
        gmw = cuda.local.array(DPL, np.float32)
        gvw = cuda.local.array(VDPL, np.float32)
        gmc = cuda.local.array(DPL, np.float32)
        gvc = cuda.local.array(VDPL, np.float32)
        for t in range(DPL):
            d = lane + LANES * t
            wm[t] = mu_w[w, d] if d < DIM else ZERO
            gmw[t] = ZERO
        log_part = ZERO
        for t in range(VDPL):
            d = lane + LANES * t
            gvw[t] = ZERO
            if d < VDIM:
                wv[t] = var_w[w, d]
                inv[t] = ONE / wv[t]
                if not SPHERICAL and not IS_EL:
                    log_part += math.log(wv[t])
            else:
                wv[t] = ONE
                inv[t] = ONE
        vw = var_w[w, 0]  # the spherical variance (every lane)
        log_det_w = 0.0
        if not SPHERICAL and not IS_EL:
            log_det_w = np.float64(warp_sum(log_part, scratch, lane, LANES))
        n_ctx = m + K
        for j in range(n_ctx):
            c = cols[j]
            part = ZERO
            for t in range(DPL):
                d = lane + LANES * t
                if d < DIM:
                    diff = wm[t] - mu_c[c, d]
                    if SPHERICAL:
                        part += diff * diff
                    elif IS_EL:
                        s = wv[t] + var_c[c, d]
                        part += diff * diff / s + math.log(s)
                    else:
                        vc = var_c[c, d]
                        part += (vc + diff * diff) * inv[t] - math.log(vc)
            total = np.float64(warp_sum(part, scratch, lane, LANES))
            if SPHERICAL:
                vc64 = np.float64(var_c[c, 0])
                vw64 = np.float64(vw)
                if IS_EL:
                    s64 = vw64 + vc64
                    e = -0.5 * (N64 * math.log(s64) + total / s64 + N64 * _LOG_2PI)
                else:
                    e = -0.5 * (N64 * vc64 / vw64 + total / vw64 - N64
                                - N64 * math.log(vc64 / vw64))
            elif IS_EL:
                e = -0.5 * (total + N64 * _LOG_2PI)
            else:
                e = -0.5 * (total - N64 + log_det_w)
            energies[j] = e
            weights[j] = ZERO
        loss = 0.0
        triples = np.int64(0)
        active = np.int64(0)
        for j in range(m):
            cj = cols[j]
            if tied and cj == w:
                continue  # tied, the word in its own window is one row on both sides
            for k in range(K):
                nk = cols[m + k]
                if nk == cj or (tied and nk == w):
                    continue
                triples += 1
                hinge = margin - energies[j] + energies[m + k]
                if hinge > 0.0:
                    loss += hinge
                    active += 1
                    weights[j] += ONE
                    weights[m + k] -= ONE
        warp_sync(LANES)  # every lane read the rows before any is written
        moved = False
        for j in range(n_ctx):
            coef = weights[j]
            if coef == ZERO:
                continue
            moved = True
            c = cols[j]
            half = HALF * coef
            if SPHERICAL:
                vc = var_c[c, 0]
                part = ZERO
                for t in range(DPL):
                    d = lane + LANES * t
                    if d < DIM:
                        diff = wm[t] - mu_c[c, d]
                        part += diff * diff
                sq = warp_sum(part, scratch, lane, LANES)
                scale = coef / (vw + vc) if IS_EL else coef / vw
                for t in range(DPL):
                    d = lane + LANES * t
                    if d < DIM:
                        g = scale * (wm[t] - mu_c[c, d])
                        gmw[t] -= g
                        gmc[t] = g
                    else:
                        gmc[t] = ZERO
                if IS_EL:
                    s = vw + vc
                    gv = half * (sq / s - N) / s
                    gvw[0] += gv
                    gvc[0] = gv
                else:
                    gvw[0] += half * ((N * vc + sq) / vw - N) / vw
                    gvc[0] = half * N * (ONE / vc - ONE / vw)
            else:
                for t in range(DPL):
                    d = lane + LANES * t
                    if d < DIM:
                        diff = wm[t] - mu_c[c, d]
                        vc = var_c[c, d]
                        if IS_EL:
                            si = ONE / (wv[t] + vc)
                            g = coef * diff * si
                            gv = half * (diff * diff * si - ONE) * si
                            gvw[t] += gv
                            gvc[t] = gv
                        else:
                            g = coef * diff * inv[t]
                            gvw[t] += half * ((vc + diff * diff) * inv[t] - ONE) * inv[t]
                            gvc[t] = half * (ONE / vc - inv[t])
                        gmw[t] -= g
                        gmc[t] = g
                    else:
                        gmc[t] = ZERO
                        gvc[t] = ZERO
            norm = adagrad(mu_c, c, gmc, acc_mu_c, lr, DIM, DPL, lane, scratch)
            adagrad(var_c, c, gvc, acc_var_c, var_lr, VDIM, VDPL, lane, scratch)
            constrain(mu_c, var_c, c, norm, mu_max, var_min, var_max, lane, scratch)
            warp_sync(LANES)  # the row's new values (and sums) before a later read
        if moved:
            norm = adagrad(mu_w, w, gmw, acc_mu_w, lr, DIM, DPL, lane, scratch)
            adagrad(var_w, w, gvw, acc_var_w, var_lr, VDIM, VDPL, lane, scratch)
            constrain(mu_w, var_w, w, norm, mu_max, var_min, var_max, lane, scratch)
            warp_sync(LANES)
        return loss, triples, active

    @cuda.jit
    def examples_kernel(mu_w, var_w, mu_c, var_c, acc_mu_w, acc_var_w, acc_mu_c, acc_var_c,
                        centres, ctx_ptr, contexts, negatives, n_examples, lr, var_lr,
                        margin, mu_max, var_min, var_max, tied, out_loss, out_counts):
        """Explicit examples (the CPU's layout: example ``e`` is ``centres[e]`` against
        ``contexts[ctx_ptr[e]:ctx_ptr[e + 1]]``, at most ``2 * window`` of them, and
        ``negatives[e]``), by one warp in order; ``out_loss[0]`` gets the summed loss,
        ``out_counts`` the triples and the active ones."""
        lane = cuda.threadIdx.x
        scratch = cuda.shared.array(WARP, np.float32)
        cols = cuda.local.array(MAXJ, np.int32)
        loss = 0.0
        triples = np.int64(0)
        active = np.int64(0)
        for e in range(n_examples):
            a = ctx_ptr[e]
            m = ctx_ptr[e + 1] - a
            for j in range(m):
                cols[j] = contexts[a + j]
            for k in range(K):
                cols[m + k] = negatives[e, k]
            x, y, z = window_step(mu_w, var_w, mu_c, var_c, acc_mu_w, acc_var_w, acc_mu_c,
                                  acc_var_c, centres[e], cols, m, lr, var_lr, margin,
                                  mu_max, var_min, var_max, tied, lane, scratch)
            loss += x
            triples += y
            active += z
        if lane == 0:
            out_loss[0] = loss
            out_counts[0] = triples
            out_counts[1] = active

    @cuda.jit(device=True)
    def chunk(c, tokens, keep, alias_prob, alias_index, mu_w, var_w, mu_c, var_c, acc_mu_w,
              acc_var_w, acc_mu_c, acc_var_c, kept, chunk_start, chunk_stop, chunk_lr,
              token_base, seed, variance_rate, margin, mu_max, var_min, var_max, tied,
              out_loss, out_terms, out_active, out_pairs, out_examples, lane, scratch):
        """One warp trains chunk ``c`` (see train_kernel)."""
        lr = chunk_lr[c]
        var_lr = lr * variance_rate
        start = chunk_start[c] - token_base
        own, shared = seeds(seed, c, lane)  # shared: identical in every lane
        n, own = subsample(tokens, keep, start, chunk_stop[c] - token_base, kept, own,
                           scratch, lane, LANES)
        cols = cuda.local.array(MAXJ, np.int32)
        loss = 0.0
        terms = np.int64(0)
        active = np.int64(0)
        pairs = np.int64(0)
        examples = np.int64(0)
        for i in range(n):
            shared = xorshift(shared)
            b = 1 + below(shared, WINDOW)
            lo = max(i - b, 0)
            hi = min(i + b + 1, n)
            m = 0
            for j in range(lo, hi):
                if j != i:
                    cols[m] = kept[start + j]
                    m += 1
            if m == 0:
                continue  # a centre word with no context, as on the CPU: no negatives
            for k in range(K):
                word, shared = draw_noise(shared, alias_prob, alias_index)
                cols[m + k] = word
            x, y, z = window_step(mu_w, var_w, mu_c, var_c, acc_mu_w, acc_var_w, acc_mu_c,
                                  acc_var_c, kept[start + i], cols, m, lr, var_lr, margin,
                                  mu_max, var_min, var_max, tied, lane, scratch)
            loss += x
            terms += y
            active += z
            pairs += m
            examples += 1
        if lane == 0:  # added to zeros: a chunk trained twice would count twice
            out_loss[c] += loss
            out_terms[c] += terms
            out_active[c] += active
            out_pairs[c] += pairs
            out_examples[c] += examples

    @cuda.jit
    def train_kernel(tokens, keep, alias_prob, alias_index, mu_w, var_w, mu_c, var_c,
                     acc_mu_w, acc_var_w, acc_mu_c, acc_var_c, kept, chunk_start, chunk_stop,
                     chunk_lr, first, count, token_base, seed, variance_rate, margin,
                     mu_max, var_min, var_max, tied, out_loss, out_terms, out_active,
                     out_pairs, out_examples):
        """Chunks ``first .. first + count - 1`` of the run, one per warp (strided: each
        warp's in turn): chunk ``c`` is the corpus's tokens
        ``chunk_start[c]:chunk_stop[c]`` (``tokens`` holds the corpus from position
        ``token_base`` on) at learning rate ``chunk_lr[c]`` (the variances at
        ``variance_rate`` times it); ``kept`` (as long as ``tokens``) is scratch for its
        subsampled words. Writes the chunk's summed hinge, triples, active triples,
        (centre, context) pairs and trained centres at index ``c``."""
        warp = cuda.threadIdx.x // LANES
        lane = cuda.threadIdx.x % LANES
        scratch_all = cuda.shared.array((WARPS, WARP), np.float32)
        scratch = scratch_all[warp]
        # as in wordspace.cuda.kernels: the loop only where strided, since a loop that
        # runs once still costs registers
        local = cuda.blockIdx.x * WARPS + warp
        if STRIDED:
            while local < count:
                chunk(first + local, tokens, keep, alias_prob, alias_index, mu_w, var_w,
                      mu_c, var_c, acc_mu_w, acc_var_w, acc_mu_c, acc_var_c, kept,
                      chunk_start, chunk_stop, chunk_lr, token_base, seed, variance_rate,
                      margin, mu_max, var_min, var_max, tied, out_loss, out_terms,
                      out_active, out_pairs, out_examples, lane, scratch)
                local += cuda.gridDim.x * WARPS
        elif local < count:
            chunk(first + local, tokens, keep, alias_prob, alias_index, mu_w, var_w, mu_c,
                  var_c, acc_mu_w, acc_var_w, acc_mu_c, acc_var_c, kept, chunk_start,
                  chunk_stop, chunk_lr, token_base, seed, variance_rate, margin, mu_max,
                  var_min, var_max, tied, out_loss, out_terms, out_active, out_pairs,
                  out_examples, lane, scratch)

    return train_kernel, examples_kernel


class CudaGaussian:
    """Gaussian skip-gram's max-margin loss on a CUDA device: the settings of ``loss``
    (a :class:`~wordspace.losses.MaxMarginLoss`: energy, margin, bounds, variance rate)
    over the Gaussian's layout (a whole window one example, one set of negatives per
    centre word), the chunks and launches of
    :class:`~wordspace.cuda.executor.CudaNegativeSampling`.

    ``device`` is ``"cuda"`` or ``"cuda:N"``, checked at once; ``warps`` chunks per
    thread block, ``chunk_words`` words per chunk, ``launch_words`` words per launch;
    ``max_resident_words`` the longest corpus copied to the device whole (longer ones
    are streamed a launch at a time, :class:`~wordspace.cuda.executor.DeviceCorpus`);
    ``concurrent_chunks``: at most this many chunks train at once, as
    :class:`~wordspace.cuda.executor.CudaNegativeSampling`'s (None: a warp per chunk).
    ``atomic`` (the default, as negative sampling's): every write of a row or an
    AdaGrad sum that other warps also write is an atomic add (the projections an
    atomic add of their change, the variance bounds an atomic max and min), so none of
    theirs is lost; ``atomic=False`` is the plain load and store.
    """

    def __init__(self, device: str = "cuda", loss=None, *, warps: int = WARPS,
                 chunk_words: int = CHUNK_WORDS, launch_words: int = LAUNCH_WORDS,
                 max_resident_words: int | None = None,
                 concurrent_chunks: int | None = None, atomic: bool = True):
        if loss is None:
            raise TypeError("CudaGaussian needs the MaxMarginLoss whose settings it trains")
        self.device = device
        self.index = require_cuda(device)
        self.loss = loss
        self.simulated = simulated()
        self.warps = 1 if self.simulated else check_count("warps", warps)
        self.lanes = 1 if self.simulated else WARP
        self.chunk_words = check_count("chunk_words", chunk_words)
        self.launch_words = check_count("launch_words", launch_words)
        self.max_resident_words = check_count("max_resident_words", max_resident_words,
                                              none=True)
        self.concurrent_chunks = check_count("concurrent_chunks", concurrent_chunks,
                                             none=True)
        self.atomic = check_switch("atomic", atomic)

    def _kernels(self, *, dim: int, var_dim: int, window: int, negative: int):
        return build(dim=dim, var_dim=var_dim, window=window, negative=negative,
                     kind=self.loss.kind, warps=self.warps, lanes=self.lanes,
                     strided=self.concurrent_chunks is not None, atomic=self.atomic)

    def _scalars(self) -> tuple:
        loss = self.loss
        return (float(loss.variance_rate), float(loss.margin), float(loss.mu_max),
                float(loss.var_min), float(loss.var_max))

    def compile(self, *, dim: int, var_dim: int, window: int, negative: int) -> float:
        """Compile the training kernel for this shape (one empty launch); returns the
        seconds it took. :meth:`train` does it anyway; call it first to time apart."""
        cuda_ = import_cuda()
        start = time.perf_counter()
        train_kernel, _ = self._kernels(dim=dim, var_dim=var_dim, window=window,
                                        negative=negative)
        train_kernel[1, self.lanes * self.warps](*self.empty_launch(dim, var_dim))
        cuda_.synchronize()
        return time.perf_counter() - start

    def empty_launch(self, dim: int, var_dim: int) -> tuple:
        """Arguments of the training kernel, of the types :meth:`train` passes, for a
        launch that trains nothing (no chunk): compiles it (also offline,
        bench/gpu_compile.py)."""
        i32, i64, f32 = np.zeros(1, np.int32), np.zeros(1, np.int64), np.ones(1, np.float32)
        mu, var = np.zeros((1, dim), np.float32), np.ones((1, var_dim), np.float32)
        acc = np.zeros(1, np.float64)
        return (i32, f32, f32, i32, mu, var, mu.copy(), var.copy(), acc, acc.copy(),
                acc.copy(), acc.copy(), i32.copy(), i64, i64.copy(), f32, 0, 0, 0,
                np.uint64(1),
                *self._scalars(), False, np.zeros(1), i64.copy(), i64.copy(), i64.copy(),
                i64.copy())

    def train(self, sampler, params, jobs: Sequence, rates: Sequence[float], *,
              seed: int = 1, report: Callable[[GaussianReport], None] | None = None,
              start: int = 0, pause: Callable[[object], bool] | None = None
              ) -> GaussianReport:
        """Train ``params`` (a :class:`~wordspace.engine.params.GaussianParams`; all eight
        arrays, AdaGrad sums included, updated in place at the end) over ``jobs[start:]``
        at ``rates`` (the means' base rate, one per job), drawing as ``sampler`` says.
        ``report(counters)`` is called after each launch with the counters so far;
        ``start`` and ``pause`` as :meth:`CudaNegativeSampling.train`'s.
        Returns the final counters (:class:`GaussianReport`)."""
        first_job = check_start(start, jobs)  # `start` is the chunks' below
        cuda_ = import_cuda()
        if sampler.layout != Layout():
            raise NotImplementedError(
                f"the CUDA Gaussian kernel trains the Gaussian's layout (a whole window one "
                f"example), not {sampler.layout}")
        context = getattr(sampler, "sentence_context", None)
        if context is not None and len(context):
            raise NotImplementedError("sentence rows are not on the device")
        if sampler.window < 1 or sampler.negative < 1:
            raise ValueError("the CUDA Gaussian kernel needs window >= 1 and negative >= 1")
        dim, var_dim = params.means.shape[1], params.variances.shape[1]
        shape = dict(dim=dim, var_dim=var_dim, window=sampler.window,
                     negative=sampler.negative)
        counters = GaussianReport(compile_seconds=self.compile(**shape))
        train_kernel, _ = self._kernels(**shape)
        start_time = time.perf_counter()
        start, stop, lr, job_end = cut_chunks(sampler.offsets, jobs, rates,
                                              chunk_words=self.chunk_words)
        groups = launch_groups(jobs, job_end, self.launch_words, start=first_job)
        to = cuda_.to_device
        tied = params.tied
        host = params.arrays()  # means, variances, context ones, then the AdaGrad sums
        check_device_memory(cuda_, self.device, {
            "distributions and AdaGrad sums": sum(
                a.size * (4 if i < 4 else 8) for i, a in enumerate(host)
                if not (tied and i in (2, 3, 6, 7))),
            "chunks": len(start) * 52})  # start, stop, rate, four counters

        def copy(i):
            return to(np.ascontiguousarray(host[i], np.float32 if i < 4 else np.float64))

        mu_w, var_w, acc_mu_w, acc_var_w = (copy(i) for i in (0, 1, 4, 5))
        if tied:  # one set of arrays, passed for both roles
            mu_c, var_c, acc_mu_c, acc_var_c = mu_w, var_w, acc_mu_w, acc_var_w
        else:
            mu_c, var_c, acc_mu_c, acc_var_c = (copy(i) for i in (2, 3, 6, 7))
        d = device_tables(cuda_, sampler, start, stop, lr)
        corpus = DeviceCorpus(cuda_, sampler.tokens, start, stop, groups,
                              max_resident_words=self.max_resident_words)
        sums = chunk_counters(cuda_, len(start), loss=np.float64, terms=np.int64,
                              active=np.int64, pairs=np.int64, examples=np.int64)
        threads = self.lanes * self.warps
        scalars = self._scalars()
        def launch(first: int, count: int) -> None:
            base = corpus.load(first, count)
            blocks = launch_blocks(count, self.warps, self.concurrent_chunks)
            train_kernel[blocks, threads](
                corpus.device, d["keep"], d["prob"], d["alias"], mu_w, var_w, mu_c, var_c,
                acc_mu_w, acc_var_w, acc_mu_c, acc_var_c, corpus.kept, d["start"],
                d["stop"], d["lr"], first, count, base, np.uint64(seed % (1 << 64)),
                *scalars, tied, *sums.values())

        run_launches(groups, launch, sums, counters, report, start_time, jobs=jobs,
                     pause=pause)
        back = [mu_w, var_w, mu_c, var_c, acc_mu_w, acc_var_w, acc_mu_c, acc_var_c]
        for i, (target, source) in enumerate(zip(host, back, strict=True)):
            if tied and i in (2, 3, 6, 7):
                continue  # the same host arrays as the word's
            target[...] = source.copy_to_host()
        counters.seconds = time.perf_counter() - start_time
        return counters


def train_gaussian_on_device(tokens, offsets, counts, vocab=None, *, device: str = "cuda",
                             epochs: int = 5, seed: int = 1,
                             report: Callable[[GaussianReport], None] | None = None,
                             executor_options: dict | None = None, **settings):
    """Train :class:`~wordspace.models.gaussian.GaussianSkipGram`'s objective on the
    device over an encoded corpus (``tokens``, sentence ``offsets``, word ``counts``;
    ``vocab``, if given, is checked to have one word per count), as the model would:
    its defaults (dim 50, diagonal KL, window 5, negative 5, sample 1e-4, alpha 0.5
    decayed to 0.05, tied) unless ``settings`` (the model's parameters) say otherwise,
    its initialisation, jobs, learning-rate schedule and random streams (an epoch per
    call of the executor, seeded as the driver seeds it), so the result is the model's
    ``GaussianSkipGram(device=device, ...).fit`` on the same encoded corpus. For
    benchmarks (``bench/gpu.py``): returns ``(counters, params)``, a
    :class:`GaussianReport` over all epochs (``report(counters)`` is called with it after
    every launch) and the trained :class:`~wordspace.engine.params.GaussianParams`
    (``params.means``, ``params.variances``: the model's ``means_``, ``variances_``)."""
    from wordspace.engine.jobs import epoch_jobs, make_jobs
    from wordspace.engine.sampler import Sampler
    from wordspace.engine.schedule import Schedule
    from wordspace.models.gaussian import GaussianSkipGram
    from wordspace.train import JOB_WORDS

    model = GaussianSkipGram(epochs=epochs, seed=seed, progress=False, **settings)
    model._validate()
    counts = np.asarray(counts)
    if vocab is not None and len(vocab) != len(counts):
        raise ValueError(f"{len(vocab)} words but {len(counts)} counts")
    offsets = np.asarray(offsets, np.int64)
    model._start_rows(len(counts))  # the model's initialisation
    params = model._params()
    sampler = Sampler.build(np.asarray(tokens, np.int32), offsets, counts,
                            window=model.window, negative=model.negative, layout=Layout(),
                            sample=model.sample, ns_exponent=model.ns_exponent)
    jobs = epoch_jobs(offsets, make_jobs(offsets, JOB_WORDS), epochs)
    rates = Schedule.linear(model.alpha, model._final_alpha, [j.words for j in jobs]).rates
    executor = CudaGaussian(device, model._loss(), **(executor_options or {}))
    total = GaussianReport()
    keys = ("words", "examples", "pairs", "loss", "terms", "active", "launches", "seconds",
            "compile_seconds")
    for epoch in range(epochs):  # as the driver runs a device executor: an epoch a call
        index = [i for i, job in enumerate(jobs) if job.epoch == epoch]
        before = GaussianReport(**{key: getattr(total, key) for key in keys})

        def merged(counters, before=before, call=True):
            for key in keys:
                setattr(total, key, getattr(before, key) + getattr(counters, key))
            if call and report is not None:
                report(total)

        counters = executor.train(sampler, params, [jobs[i] for i in index],
                                  [rates[i] for i in index],
                                  seed=seed * 0x9E3779B1 + jobs[index[0]].index, report=merged)
        merged(counters, call=False)  # the final seconds, copies back included
    return total, params
