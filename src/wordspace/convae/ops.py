"""Convolution as a matrix, and its transpose.

All convolutions here are *valid* cross-correlations, as deep-learning libraries define
them: with input ``x`` (N, C, H, W), kernel ``w`` (F, C, kh, kw) and stride ``s``,

    z[n, f, i, j] = sum_{c, p, q} w[f, c, p, q] * x[n, c, i*s + p, j*s + q]

which is linear in ``x``: flattened, ``z = W x`` for the matrix ``W = conv_matrix(w, ...)``.
The transposed convolution is the adjoint, ``x' = W^T z``: every code cell scatters its
value, times the kernel, back over the input cells it was computed from. Equivalently
(the seed exam's drawings) it is an ordinary stride-1 convolution of the code, with zeros
inserted between cells (``s - 1`` per gap) and ``k - 1`` zeros of padding around, by the
kernel flipped in both directions.

Everything is vectorised with NumPy (im2col by stride tricks); the only Python loops run
over kernel offsets, never over pixels.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def output_size(size: int, kernel: int, stride: int) -> int:
    """Cells of a valid convolution along one axis."""
    if kernel > size:
        raise ValueError(f"a kernel of {kernel} does not fit in an input of {size}")
    if stride < 1:
        raise ValueError(f"stride must be >= 1, got {stride}")
    return (size - kernel) // stride + 1


def _as_kernel(kernel) -> np.ndarray:
    kernel = np.asarray(kernel, dtype=np.float64)
    if kernel.ndim == 2:
        kernel = kernel[None, None]
    if kernel.ndim != 4:
        raise ValueError(f"a kernel is (kh, kw) or (F, C, kh, kw), got shape {kernel.shape}")
    return kernel


def _batched(images, channels: int, what: str) -> tuple[np.ndarray, bool]:
    """``images`` as (N, C, H, W) float64, and whether it came as a single 2-D image."""
    images = np.asarray(images, dtype=np.float64)
    single = images.ndim == 2
    images = images[None, None] if single else images
    if images.shape[1] != channels:
        raise ValueError(f"{what} has {images.shape[1]} channels, the kernel expects {channels}")
    return images, single


def im2col(x: np.ndarray, kh: int, kw: int, stride: int) -> np.ndarray:
    """Patches of ``x`` (N, C, H, W) as an array (N, h, w, C, kh, kw) (a view, no copy)."""
    windows = sliding_window_view(x, (kh, kw), axis=(2, 3))  # N, C, H-kh+1, W-kw+1, kh, kw
    return windows[:, :, ::stride, ::stride].transpose(0, 2, 3, 1, 4, 5)


def conv2d(x, kernel, stride: int = 1) -> np.ndarray:
    """Valid cross-correlation: ``x`` (N, C, H, W) or (H, W), ``kernel`` (F, C, kh, kw) or
    (kh, kw); returns (N, F, h, w) (or (h, w) for 2-D inputs)."""
    kernel = _as_kernel(kernel)
    f, c, kh, kw = kernel.shape
    x, squeeze = _batched(x, c, "input")
    output_size(x.shape[2], kh, stride), output_size(x.shape[3], kw, stride)
    z = np.einsum("nhwcpq,fcpq->nfhw", im2col(x, kh, kw, stride), kernel, optimize=True)
    return z[0, 0] if squeeze else z


def conv_transpose2d(z, kernel, stride: int = 1, output_shape: tuple[int, int] | None = None
                     ) -> np.ndarray:
    """The adjoint of :func:`conv2d`: ``z`` (N, F, h, w) -> (N, C, H, W).

    ``H = (h - 1) * stride + kh`` unless ``output_shape`` asks for more (a stride that
    does not divide the input leaves cells no window covered; they come back as zeros).
    """
    kernel = _as_kernel(kernel)
    f, c, kh, kw = kernel.shape
    z, squeeze = _batched(z, f, "code")
    n, _, h, w = z.shape
    height, width = output_shape or ((h - 1) * stride + kh, (w - 1) * stride + kw)
    x = np.zeros((n, c, height, width))
    # each kernel offset (p, q) scatters z * w[:, :, p, q] onto a strided grid
    contributions = np.einsum("nfhw,fcpq->pqnchw", z, kernel, optimize=True)
    for p in range(kh):
        for q in range(kw):
            x[:, :, p:p + (h - 1) * stride + 1:stride,
              q:q + (w - 1) * stride + 1:stride] += contributions[p, q]
    return x[0, 0] if squeeze else x


def kernel_gradient(x, grad_z, kernel_shape: tuple[int, int], stride: int = 1) -> np.ndarray:
    """``dL/dkernel`` of ``z = conv2d(x, kernel)`` given ``dL/dz``: (F, C, kh, kw)."""
    patches = im2col(np.asarray(x, dtype=np.float64), *kernel_shape, stride)
    return np.einsum("nhwcpq,nfhw->fcpq", patches, grad_z, optimize=True)


def conv_matrix(kernel, input_shape: tuple[int, int], stride: int = 1) -> np.ndarray:
    """The matrix ``W`` with ``conv2d(x, kernel, stride).ravel() == W @ x.ravel()`` for a
    single-channel (kh, kw) kernel and an input of ``input_shape`` (row-major flattening)."""
    kernel = np.asarray(kernel, dtype=np.float64)
    if kernel.ndim != 2:
        raise ValueError("conv_matrix takes a single-channel (kh, kw) kernel")
    height, width = input_shape
    kh, kw = kernel.shape
    h, w = output_size(height, kh, stride), output_size(width, kw, stride)
    matrix = np.zeros((h, w, height, width))
    rows, cols = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    for p in range(kh):
        for q in range(kw):
            matrix[rows, cols, rows * stride + p, cols * stride + q] = kernel[p, q]
    return matrix.reshape(h * w, height * width)


def dilate(z: np.ndarray, stride: int) -> np.ndarray:
    """Insert ``stride - 1`` zeros between neighbouring cells of the last two axes."""
    z = np.asarray(z, dtype=np.float64)
    if stride == 1:
        return z
    h, w = z.shape[-2:]
    out = np.zeros(z.shape[:-2] + ((h - 1) * stride + 1, (w - 1) * stride + 1))
    out[..., ::stride, ::stride] = z
    return out


def pad(z: np.ndarray, amount: int) -> np.ndarray:
    """``amount`` zeros around the last two axes."""
    width = [(0, 0)] * (np.ndim(z) - 2) + [(amount, amount)] * 2
    return np.pad(z, width)


def flip(kernel: np.ndarray) -> np.ndarray:
    """The kernel rotated by 180 degrees (``w1 w2 / w3 w4`` -> ``w4 w3 / w2 w1``)."""
    return np.asarray(kernel)[..., ::-1, ::-1]


def transpose_by_padding(z, kernel, stride: int = 1) -> np.ndarray:
    """:func:`conv_transpose2d` the exam's way, for single-channel 2-D ``z`` and kernel:
    insert zeros between code cells, pad by ``k - 1``, and convolve (stride 1) with the
    flipped kernel."""
    kernel = np.asarray(kernel, dtype=np.float64)
    kh, kw = kernel.shape
    if kh != kw:
        raise ValueError("transpose_by_padding takes a square kernel")
    return conv2d(pad(dilate(z, stride), kh - 1), flip(kernel), stride=1)
