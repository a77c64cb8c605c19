"""The one decorator every kernel uses.

Kernels are compiled once per process and cached on disk, so a second run starts in
about a second. Numba refuses to cache when neither the package folder nor the user
cache folder is writable (a read-only install); then we compile without a cache.
"""

from __future__ import annotations

import numba

_OPTIONS = dict(nogil=True, fastmath=True, error_model="numpy", boundscheck=False)


def kernel(func):
    """``numba.njit`` with wordspace's options, cached on disk when possible."""
    try:
        return numba.njit(cache=True, **_OPTIONS)(func)
    except RuntimeError:  # "cannot cache function ...: no locator available"
        return numba.njit(cache=False, **_OPTIONS)(func)
