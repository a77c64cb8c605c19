"""A convolutional autoencoder: convolution + nonlinearity to encode, transposed
convolution to decode, trained by minibatch gradient descent with analytic gradients.

    a = conv2d(x, W, s) + b          z = relu(a)           (encoder)
    x_hat = conv_transpose2d(z, V, s) + c                  (decoder; V = W when tied)
    L = 1/(2N) sum (x_hat - x)^2                            (per image, summed over pixels)

Backward, with g = dL/dx_hat = (x_hat - x) / N:

    dL/dV = kernel_gradient(g, z)    (the transposed convolution's kernel gradient is the
                                      convolution's, with input and output swapped)
    dL/dz = conv2d(g, V, s)          (the adjoint of a transposed convolution)
    dL/da = dL/dz * [a > 0]
    dL/dW = kernel_gradient(x, dL/da) (+ dL/dV when tied)
    dL/db, dL/dc = sums of dL/da, g over all but the channel axis
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from wordspace._validate import check_float, check_int
from wordspace.convae.ops import conv2d, conv_transpose2d, kernel_gradient, output_size

logger = logging.getLogger(__name__)


@dataclass
class Parameters:
    """Encoder kernel ``W`` (F, C, k, k) and bias ``b`` (F,), decoder kernel ``V`` (None when
    tied to ``W``) and bias ``c`` (C,)."""

    W: np.ndarray
    b: np.ndarray
    c: np.ndarray
    V: np.ndarray | None = None

    @property
    def decoder(self) -> np.ndarray:
        """The decoder's filters: ``V`` where it has its own, else the tied ``W``."""
        return self.W if self.V is None else self.V

    def names(self) -> list[str]:
        """The names of the arrays held (``V`` only where the decoder is untied)."""
        return ["W", "b", "c"] + ([] if self.V is None else ["V"])


@dataclass
class ConvAutoencoder:
    """Convolutional autoencoder with a transposed-convolution decoder.

    Parameters
    ----------
    filters : int
        Code channels (kernels of the encoder).
    kernel_size : int
        Square kernel side.
    stride : int
    tied : bool
        Decode with the encoder's own kernel (``V = W``), as the exam's decoder does.
    learning_rate, epochs, batch_size, seed
        Adam on minibatches.
    """

    filters: int = 8
    kernel_size: int = 3
    stride: int = 1
    tied: bool = True
    learning_rate: float = 0.01
    epochs: int = 30
    batch_size: int = 64
    seed: int = 0
    history_: list[float] = field(default_factory=list, init=False, repr=False)

    def __post_init__(self):
        check_int("filters", self.filters, 1)
        check_int("kernel_size", self.kernel_size, 1)
        check_int("stride", self.stride, 1)
        check_float("learning_rate", self.learning_rate, 0.0, strict=True)
        check_int("epochs", self.epochs, 1)
        check_int("batch_size", self.batch_size, 1)

    # -- the model ----------------------------------------------------------------------
    def init_params(self, channels: int) -> Parameters:
        """Small random kernels, zero biases."""
        rng = np.random.default_rng(self.seed)
        shape = (self.filters, channels, self.kernel_size, self.kernel_size)
        scale = 0.1 / np.sqrt(channels * self.kernel_size ** 2)  # small: decoding sums F*k*k taps
        return Parameters(W=rng.normal(scale=scale, size=shape), b=np.zeros(self.filters),
                          c=np.zeros(channels),
                          V=None if self.tied else rng.normal(scale=scale, size=shape))

    def encode(self, x: np.ndarray, params: Parameters | None = None) -> np.ndarray:
        """The code ``relu(conv2d(x, W) + b)``."""
        p = params or self.params_
        return np.maximum(self._pre_activation(x, p), 0.0)

    def _pre_activation(self, x, p: Parameters) -> np.ndarray:
        return conv2d(x, p.W, self.stride) + p.b[None, :, None, None]

    def decode(self, z: np.ndarray, shape: tuple[int, int], params: Parameters | None = None
               ) -> np.ndarray:
        """``conv_transpose2d(z, V) + c``, at the input's ``shape``."""
        p = params or self.params_
        return conv_transpose2d(z, p.decoder, self.stride, shape) + p.c[None, :, None, None]

    def reconstruct(self, x: np.ndarray) -> np.ndarray:
        """Encode then decode images (N, C, H, W)."""
        x = _as_images(x)
        return self.decode(self.encode(x), x.shape[2:])

    def loss_and_gradients(self, x: np.ndarray, params: Parameters
                           ) -> tuple[float, dict[str, np.ndarray]]:
        """The loss ``1/(2N) sum (x_hat - x)^2`` and its analytic gradients."""
        x = _as_images(x)
        n = len(x)
        k = (self.kernel_size, self.kernel_size)
        a = self._pre_activation(x, params)
        z = np.maximum(a, 0.0)
        x_hat = self.decode(z, x.shape[2:], params)
        g = (x_hat - x) / n
        loss = 0.5 * float((g * (x_hat - x)).sum())
        grads = {"c": g.sum(axis=(0, 2, 3))}
        # the part of x_hat the decoder's windows cover (a stride may leave a border)
        h, w = z.shape[2:]
        covered = g[:, :, :(h - 1) * self.stride + k[0], :(w - 1) * self.stride + k[1]]
        grad_decoder = kernel_gradient(covered, z, k, self.stride)
        grad_a = conv2d(covered, params.decoder, self.stride) * (a > 0)
        grads["b"] = grad_a.sum(axis=(0, 2, 3))
        grads["W"] = kernel_gradient(x, grad_a, k, self.stride)
        if params.V is None:
            grads["W"] = grads["W"] + grad_decoder
        else:
            grads["V"] = grad_decoder
        return loss, grads

    # -- training -----------------------------------------------------------------------
    def fit(self, images: np.ndarray, verbose: bool = False) -> ConvAutoencoder:
        """Train on images (N, H, W) or (N, C, H, W) by minibatch Adam; the mean loss of
        each epoch goes to ``history_``."""
        x = _as_images(images)
        for axis in (2, 3):
            output_size(x.shape[axis], self.kernel_size, self.stride)
        params = self.init_params(x.shape[1])
        moments = {name: (np.zeros_like(getattr(params, name)),
                          np.zeros_like(getattr(params, name))) for name in params.names()}
        rng = np.random.default_rng(self.seed)
        beta1, beta2, step = 0.9, 0.999, 0
        self.history_ = []
        for epoch in range(self.epochs):
            order = rng.permutation(len(x))
            total = 0.0
            for start in range(0, len(x), self.batch_size):
                batch = x[order[start:start + self.batch_size]]
                loss, grads = self.loss_and_gradients(batch, params)
                total += loss * len(batch)
                step += 1
                for name, grad in grads.items():
                    m, v = moments[name]
                    m *= beta1
                    m += (1 - beta1) * grad
                    v *= beta2
                    v += (1 - beta2) * grad * grad
                    update = self.learning_rate * (m / (1 - beta1 ** step)) / (
                        np.sqrt(v / (1 - beta2 ** step)) + 1e-8)
                    setattr(params, name, getattr(params, name) - update)
            self.history_.append(total / len(x))
            log = logger.info if verbose else logger.debug
            log("epoch %d: reconstruction error %.5f", epoch + 1, self.history_[-1])
        self.params_ = params
        return self

    def reconstruction_error(self, images: np.ndarray) -> float:
        """Mean over images of ``1/2 sum (x_hat - x)^2``."""
        x = _as_images(images)
        return 0.5 * float(((self.reconstruct(x) - x) ** 2).sum() / len(x))


def _as_images(images) -> np.ndarray:
    x = np.asarray(images, dtype=np.float64)
    if x.ndim == 3:
        x = x[:, None]
    if x.ndim != 4:
        raise ValueError(f"images must be (N, H, W) or (N, C, H, W), got shape {x.shape}")
    return x


def mean_image_error(images: np.ndarray) -> float:
    """The error of predicting every image by the mean image: the baseline to beat."""
    x = _as_images(images)
    return 0.5 * float(((x - x.mean(axis=0)) ** 2).sum() / len(x))


def load_digits_images() -> np.ndarray:
    """scikit-learn's bundled 8x8 digits (1,797 images, no download), scaled to [0, 1]."""
    try:
        from sklearn.datasets import load_digits
    except ImportError as e:
        raise ImportError("the digits images come with scikit-learn: "
                          "pip install 'wordspace[plot]'") from e
    return load_digits().images / 16.0
