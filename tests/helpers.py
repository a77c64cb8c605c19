"""Helpers the tests share (importable: pytest puts this folder on sys.path)."""

from __future__ import annotations

import numpy as np


def numeric_gradient(f, params, eps: float = 1e-6) -> list[np.ndarray]:
    """Central finite differences of the scalar ``f()`` with respect to each array in
    ``params``, perturbed in place (and restored)."""
    grads = []
    for p in params:
        g = np.zeros_like(p, dtype=np.float64)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + eps
            up = f()
            p[idx] = old - eps
            down = f()
            p[idx] = old
            g[idx] = (up - down) / (2 * eps)
        grads.append(g)
    return grads
