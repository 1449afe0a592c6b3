"""Activations: Keras's values, and vector-Jacobian products equal to float64 central differences."""

import numpy as np
import pytest

import handkeras as keras
from handkeras import activations
from gradient_checks import assert_vjp_matches, away_from


def sample(shape, scale=2.0, seed=0):
    return np.random.default_rng(seed).standard_normal(shape) * scale


# ------------------------------------------------------------------------------------- values
def test_linear_is_the_identity():
    x = sample((3, 4))
    np.testing.assert_array_equal(activations.linear(x), x)
    assert activations.get(None) is activations.linear
    assert activations.get("linear") is activations.linear


def test_relu_options_follow_keras():
    x = np.array([-3.0, -1.5, -0.5, 0.0, 0.5, 1.0, 2.0, 7.0])
    relu = activations.relu
    np.testing.assert_array_equal(relu(x), [0, 0, 0, 0, 0.5, 1, 2, 7])
    np.testing.assert_array_equal(relu(x, negative_slope=0.5),
                                  [-1.5, -0.75, -0.25, 0, 0.5, 1, 2, 7])
    np.testing.assert_array_equal(relu(x, max_value=5.0), [0, 0, 0, 0, 0.5, 1, 2, 5])
    np.testing.assert_array_equal(relu(x, threshold=1.0), [0, 0, 0, 0, 0, 0, 2, 7])
    np.testing.assert_array_equal(relu(x, threshold=1.0, negative_slope=0.5, max_value=5.0),
                                  [-2, -1.25, -0.75, -0.5, -0.25, 0, 2, 5])
    # A negative threshold passes values between it and 0 through, unless max_value clips to [0, max].
    np.testing.assert_array_equal(relu(x, threshold=-1.0), [0, 0, -0.5, 0, 0.5, 1, 2, 7])
    np.testing.assert_array_equal(relu(x, threshold=-1.0, max_value=5.0),
                                  [0, 0, 0, 0, 0.5, 1, 2, 5])
    np.testing.assert_allclose(relu(x, threshold=-1.0, negative_slope=0.3, max_value=5.0),
                               [-0.6, -0.15, 0, 0, 0.5, 1, 2, 5], rtol=1e-12)


def test_sigmoid_tanh_softmax_values():
    x = sample((4, 5))
    np.testing.assert_allclose(activations.sigmoid(x), 1 / (1 + np.exp(-x)), rtol=1e-12)
    np.testing.assert_allclose(activations.tanh(x), np.tanh(x), rtol=1e-12)
    y = activations.softmax(x)
    np.testing.assert_allclose(y, np.exp(x) / np.exp(x).sum(-1, keepdims=True), rtol=1e-12)
    np.testing.assert_allclose(y.sum(axis=-1), 1.0, rtol=1e-12)


def test_activations_keep_float32():
    x = sample((2, 3)).astype(np.float32)
    for name in ("linear", "relu", "sigmoid", "tanh", "softmax"):
        assert activations.get(name)(x).dtype == np.float32, name
    assert activations.relu(x, negative_slope=0.1, max_value=2.0, threshold=0.5).dtype == np.float32


@pytest.mark.parametrize("value", [1e4, -1e4, 88.8, -88.8, 1e30, -1e30,
                                   float(np.finfo(np.float32).max), -float(np.finfo(np.float32).max)])
def test_sigmoid_never_overflows_in_float32(value):
    x = np.array([[value, -value, 0.0]], dtype=np.float32)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        y = activations.sigmoid(x)
    assert y.dtype == np.float32
    assert np.all(np.isfinite(y))
    exact = 1 / (1 + np.exp(-np.clip(x.astype(np.float64), -700, 700)))
    np.testing.assert_allclose(y, exact, rtol=1e-6, atol=1e-44)


def test_softmax_of_huge_logits_is_finite():
    x = np.array([[1e4, 0.0, -1e4], [3e38, 3e38, 0.0]], dtype=np.float32)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        y = activations.softmax(x)
    np.testing.assert_allclose(y, [[1, 0, 0], [0.5, 0.5, 0]])


@pytest.mark.parametrize("shape", [(16, 10), (1024, 10), (8, 40, 10), (60, 16), (60, 17),
                                   (300, 2)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_of_many_rows_of_few_classes_is_the_rows_normalized_exponentials(shape, dtype):
    """Narrow rows take a transposed copy (see reductions.narrow_rows): same values, shape, dtype
    and C layout as the direct computation, the input left as it was, huge logits still finite and
    a NaN confined to its row."""
    x = sample(shape).astype(dtype) * 5
    x.reshape(-1, shape[-1])[3, :2] = [3e38, 1e38]
    x.reshape(-1, shape[-1])[5, 1] = np.nan
    before = x.copy()
    with np.errstate(invalid="ignore"):
        y = activations.softmax(x)
        shifted = x - x.max(axis=-1, keepdims=True)
        expected = np.exp(shifted) / np.exp(shifted).sum(axis=-1, keepdims=True)
    assert y.shape == x.shape and y.dtype == x.dtype and y.flags.c_contiguous
    np.testing.assert_array_equal(x, before)
    np.testing.assert_allclose(y, expected, rtol=1e-6 if dtype == np.float32 else 1e-14)
    rows = y.reshape(-1, shape[-1])
    assert np.isnan(rows[5]).all() and np.isfinite(np.delete(rows, 5, axis=0)).all()


def test_softmax_along_another_axis_normalizes_that_axis():
    x = sample((2, 3, 4))
    y = activations.softmax(x, axis=1)
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(y, np.exp(x) / np.exp(x).sum(axis=1, keepdims=True), rtol=1e-12)


# ------------------------------------------------------------------------------------- gradients
def test_linear_vjp():
    assert_vjp_matches(activations.linear, sample((3, 4)))


@pytest.mark.parametrize("options", [
    {},
    {"negative_slope": 0.2},
    {"max_value": 1.5},
    {"threshold": 0.7},
    {"threshold": -0.6},
    {"threshold": -0.6, "max_value": 1.5},
    {"negative_slope": 0.3, "max_value": 2.0, "threshold": 0.5},
], ids=repr)
def test_relu_vjp(options):
    kinks = [options.get("threshold", 0.0), 0.0]
    if "max_value" in options:
        kinks.append(options["max_value"])
    x = away_from(sample((6, 7)), kinks)
    analytic = assert_vjp_matches(activations.relu, x, **options)
    if options == {}:
        assert np.all(analytic[x < 0] == 0)


def test_relu_in_place_overwrites_its_input_and_keeps_the_gradient():
    """A layer owning its pre-activation may let relu overwrite it: the output is the same array,
    and the vjp computed from that array alone equals the vjp from the input."""
    x = away_from(sample((5, 6)), [0.0])
    dy = sample((5, 6), seed=3)
    expected_y = activations.relu(x)
    expected_dx = activations.relu.vjp(x, expected_y, dy)
    z = x.copy()
    y = activations.relu.forward_in_place(z)
    assert y is z
    np.testing.assert_array_equal(y, expected_y)
    np.testing.assert_array_equal(activations.relu.vjp(y, y, dy), expected_dx)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "softmax", "gelu"])
def test_other_activations_leave_their_input_alone_in_place(name):
    activation = activations.get(name)
    x = sample((3, 4))
    kept = x.copy()
    y = activation.forward_in_place(x)
    np.testing.assert_array_equal(x, kept)
    np.testing.assert_array_equal(y, activation(kept))


def test_sigmoid_vjp():
    assert_vjp_matches(activations.sigmoid, sample((4, 5), scale=4.0))


def test_tanh_vjp():
    assert_vjp_matches(activations.tanh, sample((4, 5)))


@pytest.mark.parametrize("shape, axis", [((4, 5), -1), ((3, 4, 5), -1), ((3, 4, 5), 1), ((4, 5), 0)])
def test_softmax_vjp_is_the_full_jacobian(shape, axis):
    assert_vjp_matches(activations.softmax, sample(shape), axis=axis)


def test_sigmoid_vjp_at_saturation_is_finite_and_tiny():
    x = np.array([[-1e4, 1e4, 50.0]], dtype=np.float32)
    y = activations.sigmoid(x)
    dy = np.ones_like(x)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        grad = activations.sigmoid.vjp(x, y, dy)
    assert np.all(np.isfinite(grad)) and np.all(np.abs(grad) < 1e-20)


# ------------------------------------------------------------------------------------- lookup
def test_unknown_activation_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match="nope") as error:
        activations.get("nope")
    for name in ("relu", "sigmoid", "softmax", "tanh", "linear"):
        assert name in str(error.value)


def test_unknown_activation_fails_when_the_layer_is_constructed():
    with pytest.raises(ValueError, match="relux"):
        keras.layers.Dense(3, activation="relux")


def test_a_plain_function_without_gradient_is_refused():
    with pytest.raises(TypeError, match="gradient"):
        activations.get(lambda x: x)


def test_names_and_objects_are_interchangeable():
    for name in ("relu", "sigmoid", "tanh", "softmax", "linear"):
        function = activations.get(name)
        assert activations.get(function) is function
        assert activations.serialize(function) == name
        assert activations.deserialize(name) is function
