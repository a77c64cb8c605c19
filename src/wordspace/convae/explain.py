"""What ``wordspace convae explain`` prints and ``wordspace convae`` draws.

The explanation works symbolically, as the exam's drawings do: the input is
``x1 .. x9`` (or ``x1 .. x16``), the kernel ``w1 .. w4``, and every matrix entry is the
name of the kernel weight it holds.
"""

from __future__ import annotations

import numpy as np

from wordspace.convae.ops import conv_matrix, dilate, flip, pad


def _symbolic(matrix: np.ndarray, names: list[str]) -> list[list[str]]:
    """Replace each value ``i`` (1-based index into ``names``) by its name, 0 by ``0``."""
    return [[names[int(v) - 1] if v else "0" for v in row] for row in matrix]


def _table(rows: list[list[str]], indent: str = "  ") -> str:
    width = max(len(cell) for row in rows for cell in row)
    return "\n".join(indent + " ".join(f"{cell:>{width}}" for cell in row) for row in rows)


def explain(kernel_size: int = 2, cases=((3, 1), (4, 2))) -> str:
    """The convolution matrix ``W`` and the padded-code convolution for each (input side,
    stride) case, in the exam's notation."""
    kernel = np.arange(1, kernel_size ** 2 + 1, dtype=float).reshape(kernel_size, kernel_size)
    w_names = [f"w{i}" for i in range(1, kernel_size ** 2 + 1)]
    out = []
    for side, stride in cases:
        x_names = [f"x{i}" for i in range(1, side * side + 1)]
        matrix = conv_matrix(kernel, (side, side), stride)
        h = (side - kernel_size) // stride + 1
        z_names = [f"z{i}" for i in range(1, h * h + 1)]
        out.append(f"{side}x{side} input X = " + " ".join(x_names) + f", {kernel_size}x"
                   f"{kernel_size} kernel w1..w{kernel_size ** 2}, stride {stride}: "
                   f"z = W x with W ({matrix.shape[0]}x{matrix.shape[1]}):")
        out.append(_table(_symbolic(matrix, w_names)))
        out.append(f"decoder: x' = W^T z ({matrix.shape[1]}x{matrix.shape[0]}), which is the "
                   "stride-1 convolution of Z' by W':")
        code = np.arange(1, h * h + 1, dtype=float).reshape(h, h)
        padded = pad(dilate(code, stride), kernel_size - 1)
        what = "padded by one cell" if kernel_size == 2 and stride == 1 else (
            f"with {stride - 1} zero(s) inserted between cells and padded by "
            f"{kernel_size - 1}")
        out.append(f"  Z' = Z {what}:")
        out.append(_table(_symbolic(padded, z_names)))
        out.append("  W' = the kernel flipped:")
        out.append(_table(_symbolic(flip(kernel), w_names)))
        out.append("")
    return "\n".join(out)


#: the most filters the figure draws: one column each, so a thousand took minutes to
#: lay out into an unreadable strip (the title says how many there are)
MAX_FILTERS_DRAWN = 32


def figure(model, images: np.ndarray, n: int = 10):
    """Originals (top row) over reconstructions (bottom row), then the learned filters
    (the first :data:`MAX_FILTERS_DRAWN`)."""
    from matplotlib.figure import Figure

    x = images[:n]
    reconstructed = model.reconstruct(x)[:, 0]
    kernels = model.params_.W[:MAX_FILTERS_DRAWN, 0]
    cols = max(n, len(kernels))
    fig = Figure(figsize=(1.1 * cols, 3.6), layout="constrained")
    grid = fig.add_gridspec(3, cols)
    rows = [(x, "original"), (reconstructed, "reconstruction"), (kernels, "filter")]
    for r, (pictures, label) in enumerate(rows):
        for i, picture in enumerate(pictures):
            ax = fig.add_subplot(grid[r, i])
            ax.imshow(picture, cmap="gray" if r < 2 else "RdBu_r",
                      vmin=0 if r < 2 else None, vmax=1 if r < 2 else None)
            ax.set_xticks([])
            ax.set_yticks([])
            if i == 0:
                ax.set_ylabel(label, fontsize=8)
    shown = "" if len(kernels) == model.filters else f" (the first {len(kernels)} drawn)"
    fig.suptitle(f"convolutional autoencoder: {model.filters} filters{shown} "
                 f"{model.kernel_size}x"
                 f"{model.kernel_size}, stride {model.stride}, "
                 f"{'tied' if model.tied else 'untied'} decoder; reconstruction error "
                 f"{model.reconstruction_error(images):.4f} per image", fontsize=9)
    return fig
