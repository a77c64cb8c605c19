"""Kernels compile with an on-disk cache, and without one when caching is impossible."""

from __future__ import annotations

import numba

from wordspace.kernels import _jit


def test_kernel_falls_back_quietly_when_no_cache_can_be_written(monkeypatch):
    real_njit = numba.njit
    seen = []

    def njit(*args, cache=False, **kwargs):
        seen.append(cache)
        if cache:  # what Numba raises for a read-only install
            raise RuntimeError("cannot cache function 'f': no locator available for file")
        return real_njit(*args, cache=cache, **kwargs)

    monkeypatch.setattr(_jit.numba, "njit", njit)

    def twice(x):
        return 2 * x

    compiled = _jit.kernel(twice)
    assert seen == [True, False]
    assert compiled(21) == 42


def test_kernels_are_cached_on_disk():
    from wordspace.kernels import sgns

    assert sgns.negative_sampling_kernel()._cache is not None
    assert type(sgns.negative_sampling_kernel()._cache).__name__ == "FunctionCache"
