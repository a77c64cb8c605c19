"""The convolutional autoencoder: convolution as a matrix, its transpose three ways,
analytic gradients, training on digits, and the command."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import numeric_gradient
from wordspace.cli import main
from wordspace.convae import (
    conv2d,
    conv_matrix,
    conv_transpose2d,
    dilate,
    flip,
    pad,
    transpose_by_padding,
)
from wordspace.convae.model import ConvAutoencoder, load_digits_images, mean_image_error

rng = np.random.default_rng(0)


def naive_conv(x, kernel, stride):
    """Direct definition: z[f, i, j] = sum w[f, c, p, q] x[c, i*s + p, j*s + q]."""
    f, c, kh, kw = kernel.shape
    h = (x.shape[1] - kh) // stride + 1
    w = (x.shape[2] - kw) // stride + 1
    z = np.zeros((f, h, w))
    for a in range(f):
        for i in range(h):
            for j in range(w):
                z[a, i, j] = (kernel[a] * x[:, i * stride:i * stride + kh,
                                            j * stride:j * stride + kw]).sum()
    return z


def test_the_exams_matrix_for_3x3_input_and_2x2_kernel():
    w1, w2, w3, w4 = 2.0, 3.0, 5.0, 7.0
    expected = np.array([[w1, w2, 0, w3, w4, 0, 0, 0, 0],
                         [0, w1, w2, 0, w3, w4, 0, 0, 0],
                         [0, 0, 0, w1, w2, 0, w3, w4, 0],
                         [0, 0, 0, 0, w1, w2, 0, w3, w4]])
    np.testing.assert_array_equal(conv_matrix([[w1, w2], [w3, w4]], (3, 3)), expected)


def test_the_4x4_stride_2_matrix():
    kernel = np.array([[2.0, 3.0], [5.0, 7.0]])
    matrix = conv_matrix(kernel, (4, 4), stride=2)
    assert matrix.shape == (4, 16)
    # each output sees a disjoint 2x2 block: every input is used exactly once
    assert (matrix != 0).sum(axis=0).tolist() == [1] * 16
    np.testing.assert_array_equal(matrix[0, [0, 1, 4, 5]], kernel.ravel())


@pytest.mark.parametrize("side,k,stride", [(3, 2, 1), (4, 2, 2), (7, 3, 2), (8, 3, 1)])
def test_conv_is_W_x_and_transpose_is_W_T_z(side, k, stride):
    kernel = rng.normal(size=(k, k))
    x = rng.normal(size=(side, side))
    matrix = conv_matrix(kernel, (side, side), stride)
    np.testing.assert_allclose(conv2d(x, kernel, stride).ravel(), matrix @ x.ravel())
    z = rng.normal(size=conv2d(x, kernel, stride).shape)
    back = conv_transpose2d(z, kernel, stride, output_shape=(side, side))
    np.testing.assert_allclose(back.ravel(), matrix.T @ z.ravel())


@pytest.mark.parametrize("stride", [1, 2, 3])
def test_transpose_is_a_convolution_of_the_padded_code_with_the_flipped_kernel(stride):
    kernel = rng.normal(size=(2, 2))
    z = rng.normal(size=(3, 3))
    np.testing.assert_allclose(transpose_by_padding(z, kernel, stride),
                               conv_transpose2d(z, kernel, stride))
    # the exam's construction, spelled out for stride 1: Z padded by one cell, W' = w4 w3/w2 w1
    if stride == 1:
        assert pad(z, 1).shape == (5, 5) and np.all(pad(z, 1)[0] == 0)
        np.testing.assert_array_equal(flip(np.array([[1, 2], [3, 4]])), [[4, 3], [2, 1]])
    assert dilate(z, stride).shape == ((3 - 1) * stride + 1,) * 2


def test_batched_multichannel_matches_the_definition():
    x = rng.normal(size=(3, 2, 7, 6))
    kernel = rng.normal(size=(4, 2, 3, 2))
    z = conv2d(x, kernel, stride=2)
    for n in range(3):
        np.testing.assert_allclose(z[n], naive_conv(x[n], kernel, 2))
    # adjoint: <conv(x), g> == <x, conv_transpose(g)>
    g = rng.normal(size=z.shape)
    lhs = (z * g).sum()
    rhs = (x * conv_transpose2d(g, kernel, 2, output_shape=(7, 6))).sum()
    assert lhs == pytest.approx(rhs)


def test_matches_torch_when_installed():
    torch = pytest.importorskip("torch")
    z = rng.normal(size=(2, 3, 4, 4))
    kernel = rng.normal(size=(3, 2, 3, 3))
    expected = torch.nn.functional.conv_transpose2d(torch.tensor(z), torch.tensor(kernel),
                                                    stride=2).numpy()
    np.testing.assert_allclose(conv_transpose2d(z, kernel, 2), expected, atol=1e-10)


@pytest.mark.parametrize("stride,k,tied,side", [(1, 3, True, 6), (1, 3, False, 6),
                                                (2, 2, True, 6), (2, 3, False, 7)])
def test_analytic_gradients_match_finite_differences(stride, k, tied, side):
    model = ConvAutoencoder(filters=3, kernel_size=k, stride=stride, tied=tied)
    params = model.init_params(2)
    params.b += 0.05  # keep units on both sides of the ReLU's kink
    x = rng.random((4, 2, side, side))
    _, grads = model.loss_and_gradients(x, params)
    names = params.names()
    numeric = numeric_gradient(lambda: model.loss_and_gradients(x, params)[0],
                               [getattr(params, name) for name in names])
    for name, expected in zip(names, numeric, strict=True):
        np.testing.assert_allclose(grads[name], expected, rtol=1e-5, atol=1e-9)


@pytest.fixture(scope="module")
def digits():
    pytest.importorskip("sklearn")
    return load_digits_images()


def test_training_beats_the_mean_image_by_far(digits):
    model = ConvAutoencoder(epochs=15, seed=1).fit(digits)
    assert model.history_[-1] < model.history_[0]
    assert model.reconstruction_error(digits) < 0.35 * mean_image_error(digits)


def test_command_trains_and_explains(tmp_path, capsys, digits):
    assert main(["convae", "--epochs", "3", "-o", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.count("reconstruction error") == 4 and "mean image" in out
    assert (tmp_path / "convae.png").read_bytes()[:4] == b"\x89PNG"
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "convae.png").write_bytes(b"a picture of mine")  # refused before training
    assert main(["convae", "--epochs", "3", "-o", str(mine)]) == 2
    assert "convae.png exists and is not a figure wordspace wrote" in capsys.readouterr().err
    assert (mine / "convae.png").read_bytes() == b"a picture of mine"
    assert main(["convae", "explain", "--kernel-size", "3"]) == 2  # not silently ignored
    assert "takes no options; got --kernel-size" in capsys.readouterr().err
    assert main(["convae", "explain"]) == 0
    text = capsys.readouterr().out
    assert "W (4x9)" in text and "W (4x16)" in text
    assert "  w1 w2  0 w3 w4  0  0  0  0" in text and "w4 w3" in text


def test_bad_shapes_are_refused():
    with pytest.raises(ValueError, match="does not fit"):
        conv2d(np.zeros((2, 2)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="channels"):
        conv2d(np.zeros((1, 2, 4, 4)), np.zeros((1, 3, 2, 2)))
    with pytest.raises(ValueError, match="filters must be an integer >= 1"):
        ConvAutoencoder(filters=0)


def test_the_picture_states_the_error_the_command_prints(digits):
    from wordspace.convae.explain import figure

    model = ConvAutoencoder(epochs=2, seed=0).fit(digits)
    title = figure(model, digits)._suptitle.get_text()
    assert f"reconstruction error {model.reconstruction_error(digits):.4f} per image" in title


def test_the_figure_draws_a_bounded_number_of_filters(digits):
    """--filters 1000 spent minutes laying out a thousand columns after training: the
    figure draws the first MAX_FILTERS_DRAWN and its title says so."""
    from wordspace.convae.explain import MAX_FILTERS_DRAWN, figure

    many = MAX_FILTERS_DRAWN + 8
    model = ConvAutoencoder(epochs=1, filters=many, seed=0).fit(digits[:50])
    fig = figure(model, digits[:50])
    assert len(fig.axes) == 10 + 10 + MAX_FILTERS_DRAWN  # originals, reconstructions
    assert f"{many} filters (the first {MAX_FILTERS_DRAWN} drawn)" in fig._suptitle.get_text()
    few = ConvAutoencoder(epochs=1, filters=4, seed=0).fit(digits[:50])
    assert "drawn" not in figure(few, digits[:50])._suptitle.get_text()
