"""Which CUDA device to train on, checked before any work is done.

:func:`require_cuda` turns ``"cuda"`` or ``"cuda:N"`` into a device index, or raises a
:class:`CudaUnavailable` (a ``RuntimeError``) that names what is missing: the
``numba-cuda`` package, a driver, a device, or device ``N``. Under Numba-CUDA's
simulator (``NUMBA_ENABLE_CUDASIM=1``, set before ``numba.cuda`` is first imported) the
simulated device 0 counts as a device, so the whole path runs on a CPU in tests.
"""

from __future__ import annotations

import importlib
import os
import re

INSTALL_HINT = "pip install wordspace[cuda]"


class CudaUnavailable(RuntimeError):
    """CUDA training was asked for where it cannot run; the message says why."""


class CudaNotInstalled(CudaUnavailable, ImportError):
    """The ``numba-cuda`` package (or its CUDA bindings) is not installed."""


class NoCudaDevice(CudaUnavailable):
    """No driver, no device, or not the device asked for."""


_DEVICE = re.compile(r"cuda(?::(\d+))?")


def parse_device(device: str) -> int:
    """The device index ``"cuda"`` or ``"cuda:N"`` (N) names; ``ValueError`` for anything
    else. Plain ``"cuda"`` is device 0, or, in a process of a launcher's group (torchrun
    sets ``LOCAL_RANK`` and ``WORLD_SIZE``), the device of its local rank: one GPU per
    process, as the same command runs on every rank."""
    match = _DEVICE.fullmatch(str(device).strip().lower())
    if match is None:
        raise ValueError(f"device must be 'cpu', 'cuda' or 'cuda:N', not {device!r}")
    if match.group(1) is None and os.environ.get("WORLD_SIZE", "1") != "1":
        local = os.environ.get("LOCAL_RANK", "0")
        return int(local) if local.isdigit() else 0
    return int(match.group(1) or 0)


def import_cuda():
    """``numba.cuda``, or :class:`CudaNotInstalled` saying how to install it."""
    import numpy as np

    if not hasattr(np, "row_stack"):  # numba-cuda 0.30 overloads it; NumPy 2.5 removed it
        np.row_stack = np.vstack
    try:
        return importlib.import_module("numba.cuda")
    except ImportError as error:  # numba-cuda absent, or its CUDA bindings
        raise CudaNotInstalled(
            f"CUDA training needs the numba-cuda package ({INSTALL_HINT}): "
            f"importing numba.cuda failed: {error}") from error


def simulated() -> bool:
    """Whether ``numba.cuda`` is Numba-CUDA's CPU simulator (``NUMBA_ENABLE_CUDASIM=1``)."""
    cuda = import_cuda()
    try:
        from numba.cuda.core import config
        return bool(config.ENABLE_CUDASIM)
    except ImportError:  # an older numba-cuda keeps the flag in numba's own config
        return bool(getattr(cuda, "simulator", None)) and not hasattr(cuda, "cudadrv")


def _driver_error() -> str:
    """The driver's own account of why CUDA is unavailable (``": ..."``), if it gives one."""
    try:
        from numba.cuda.cudadrv.driver import driver
        driver.initialize()
    except Exception as error:  # noqa: BLE001 - any driver error is the reason
        text = " ".join(str(error).split()).rstrip(" :")
        return f": {text}" if text else ""
    return ""


def require_cuda(device: str = "cuda") -> int:
    """Check that ``device`` (``"cuda"`` or ``"cuda:N"``) can be trained on, select it,
    and return its index; raise :class:`CudaUnavailable` naming what is missing."""
    index = parse_device(device)
    cuda = import_cuda()
    if not cuda.is_available():
        reason = _driver_error()
        raise NoCudaDevice(
            f"device={device!r} asks for a CUDA GPU, but there is none here (no NVIDIA "
            f"driver, or no device visible to it{reason}); use device='cpu' (--device cpu)")
    count = len(cuda.gpus)
    if not 0 <= index < count:
        raise NoCudaDevice(
            f"device={device!r} asks for CUDA device {index}, but only {count} "
            f"device(s) {'is' if count == 1 else 'are'} visible (cuda:0 .. cuda:{count - 1})")
    cuda.select_device(index)
    return index


def describe(index: int = 0) -> str:
    """The device's name and compute capability, for reports (``"simulator"`` there)."""
    cuda = import_cuda()
    if simulated():
        return "Numba-CUDA simulator (CPU)"
    with cuda.gpus[index]:
        dev = cuda.get_current_device()
        name = dev.name.decode() if isinstance(dev.name, bytes) else str(dev.name)
        major, minor = dev.compute_capability
        return f"{name} (sm_{major}{minor})"
