"""A convolutional autoencoder whose decoder is the transposed convolution of its encoder.

Self-contained (NumPy only): :mod:`wordspace.convae.ops` builds convolutions, their
matrices and transposes; :class:`ConvAutoencoder` trains on 8x8 digit images. See
``docs/conv-autoencoder.md``.
"""

from wordspace.convae.ops import (
    conv2d,
    conv_matrix,
    conv_transpose2d,
    dilate,
    flip,
    pad,
    transpose_by_padding,
)

__all__ = ["conv2d", "conv_matrix", "conv_transpose2d", "dilate", "flip", "pad",
           "transpose_by_padding"]
