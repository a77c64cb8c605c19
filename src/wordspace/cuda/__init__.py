"""Training on a CUDA GPU with Numba-CUDA (the optional ``wordspace[cuda]`` extra).

* :mod:`wordspace.cuda.device`: :func:`require_cuda` checks a ``"cuda"`` / ``"cuda:N"``
  device before any work and says what is missing.
* :mod:`wordspace.cuda.kernels`: the device code (sampling, the negative-sampling
  window and bag steps).
* :mod:`wordspace.cuda.executor`: :class:`CudaNegativeSampling`, which trains a
  :class:`~wordspace.engine.params.VectorParams` over the engine's jobs on the device,
  for every layout (skip-gram, CBOW, fastText's subword bags, PV-DBOW, PV-DM).
* :mod:`wordspace.cuda.gaussian` (the Gaussian max-margin objective) and
  :mod:`wordspace.cuda.softmax` (the full softmax, through PyTorch).

Nothing here imports ``numba.cuda`` until it is used, so ``import wordspace`` works
without the extra; docs/gpu.md describes the design.
"""

from wordspace.cuda.device import (
    CudaNotInstalled,
    CudaUnavailable,
    NoCudaDevice,
    parse_device,
    require_cuda,
)

__all__ = ["CudaNotInstalled", "CudaUnavailable", "NoCudaDevice", "parse_device",
           "require_cuda"]
