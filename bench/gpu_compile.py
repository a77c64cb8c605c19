"""Compile every CUDA training kernel for a GPU architecture, without a GPU.

Device minutes are scarce: this checks, on any machine with the CUDA toolkit's NVVM and
``ptxas`` (and NVRTC, ``pip install nvidia-cuda-nvrtc``), that each kernel of
``wordspace.cuda`` compiles for real hardware (the simulator runs Python, so it accepts
code that NVVM refuses, such as a local array sized by an expression) and prints what
``ptxas`` reports: registers per thread, stack frame, spills, shared memory::

    CUDA_HOME=/usr/local/cuda .venv/bin/python bench/gpu_compile.py [--cc 9.0]

The kernels are built for the benchmark's shapes (dim 100, window 5, negative 5; the
Gaussian model at dim 50) with 4 warps of 32 lanes, and typed by the very arguments the
executors' compiling launch passes (``empty_launch``).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import types
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cc", default="9.0", help="compute capability (default 9.0)")
    args = parser.parse_args(argv)
    cc = tuple(int(x) for x in args.cc.split("."))
    os.environ["NUMBA_ENABLE_CUDASIM"] = "0"  # the real compiler, before numba.cuda loads
    sys.path.insert(0, str(ROOT / "src"))
    import numba
    import numba.cuda.dispatcher as dispatcher

    from wordspace.cuda import executor as E
    from wordspace.cuda import gaussian as G
    from wordspace.cuda.device import import_cuda
    from wordspace.models.gaussian import GaussianSkipGram

    cuda = import_cuda()
    # no device here: device functions compile for the architecture asked for, and the
    # executors are built without looking for one
    dispatcher.get_current_device = lambda: types.SimpleNamespace(compute_capability=cc)
    E.require_cuda = G.require_cuda = lambda device: 0

    ns = E.CudaNegativeSampling("cuda")
    cases = [(name, ns._kernels(dim=100, window=5, negative=5, layout=layout)[0],
              ns.empty_launch(100))
             for name, layout in (
                 ("skip-gram", E.DeviceLayout(block=10)),
                 ("skip-gram per pair", E.DeviceLayout(block=1)),
                 ("PV-DBOW", E.DeviceLayout(block=11, tagged=True)),
                 ("CBOW", E.DeviceLayout(block=1, window_bag=True)),
                 ("PV-DM", E.DeviceLayout(block=1, window_bag=True, tagged=True)),
                 ("fastText skip-gram", E.DeviceLayout(block=10, subwords=True)),
                 ("fastText CBOW", E.DeviceLayout(block=1, window_bag=True, subwords=True)))]
    for name, options in (("skip-gram, plain adds", dict(atomic=False)),
                          ("skip-gram, shared cache", dict(cache=True)),
                          ("skip-gram, strided", dict(concurrent_chunks=1024)),
                          ("skip-gram, strided, plain",
                           dict(concurrent_chunks=1024, atomic=False))):
        cases.append((name, E.CudaNegativeSampling("cuda", **options)._kernels(
            dim=100, window=5, negative=5)[0], ns.empty_launch(100)))
    for energy, spherical, strided, atomic in (
            ("kl", False, False, True), ("el", False, False, True), ("kl", True, False, True),
            ("kl", False, True, True), ("kl", False, False, False)):
        loss = GaussianSkipGram(energy=energy)._loss()  # the model's defaults otherwise
        gaussian = G.CudaGaussian("cuda", loss, concurrent_chunks=1024 if strided else None,
                                  atomic=atomic)
        var_dim = 1 if spherical else 50
        cases.append((f"Gaussian {energy.upper()}{' spherical' if spherical else ''}"
                      f"{', strided' if strided else ''}{'' if atomic else ', plain'}",
                      gaussian._kernels(dim=50, var_dim=var_dim, window=5, negative=5)[0],
                      gaussian.empty_launch(50, var_dim)))

    failed = 0
    print(f"sm_{cc[0]}{cc[1]}, numba-cuda {version('numba-cuda')}, ptxas -O3")
    for name, kernel, launch in cases:
        signature = tuple(numba.typeof(a) for a in launch)
        try:
            ptx, _ = cuda.compile_ptx(kernel.py_func, signature, cc=cc)
        except Exception as error:  # noqa: BLE001 - one failing kernel is one line
            print(f"{name:26} NVVM failed: {str(error).splitlines()[0][:200]}")
            failed += 1
            continue
        with tempfile.NamedTemporaryFile("w", suffix=".ptx", delete=False) as f:
            f.write(ptx)
        out = subprocess.run(["ptxas", f"-arch=sm_{cc[0]}{cc[1]}", "-O3", "-v", f.name,
                              "-o", os.devnull], capture_output=True, text=True)
        os.unlink(f.name)
        info = [line.split("info    : ")[-1] for line in out.stderr.splitlines()
                if "Used" in line or "spill" in line]
        print(f"{name:26} {'ok' if out.returncode == 0 else 'ptxas failed'}: "
              f"{'; '.join(info)}")
        failed += out.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
