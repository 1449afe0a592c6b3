"""Every Keras activation: its definition, its exact gradient, its stability, and its layers."""

import math
import warnings

import numpy as np
import pytest

import handkeras as keras
from handkeras import activations, layers
from handkeras.utils.gradient_check import layer_gradients
from gradient_checks import assert_gradients_match, assert_vjp_matches, away_from

KERAS_NAMES = [
    "celu", "elu", "exponential", "gelu", "glu", "hard_shrink", "hard_sigmoid", "hard_silu",
    "hard_swish", "hard_tanh", "leaky_relu", "linear", "log_sigmoid", "log_softmax", "mish", "relu",
    "relu6", "selu", "sigmoid", "silu", "soft_shrink", "softmax", "softplus", "softsign",
    "sparse_plus", "sparse_sigmoid", "sparsemax", "squareplus", "swish", "tanh", "tanh_shrink",
    "threshold",
]
SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def normal_cdf(x):
    return np.array([0.5 * math.erfc(-v / math.sqrt(2)) for v in np.ravel(x)]).reshape(np.shape(x))


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def softplus(x):
    return np.log1p(np.exp(x))


# name: (options, definition written out from Keras's docstring, kinks to keep away from)
DEFINITIONS = {
    "linear": ({}, lambda x: x, []),
    "relu": ({}, lambda x: np.maximum(x, 0), [0]),
    "relu_all_options": ({"negative_slope": 0.1, "max_value": 2.5, "threshold": 0.5},
                         lambda x: np.where(x > 0.5, np.minimum(x, 2.5), 0.1 * (x - 0.5)),
                         [0.5, 2.5]),
    "leaky_relu": ({}, lambda x: np.where(x > 0, x, 0.2 * x), [0]),
    "relu6": ({}, lambda x: np.minimum(np.maximum(x, 0), 6), [0, 6]),
    "elu": ({"alpha": 0.7}, lambda x: np.where(x > 0, x, 0.7 * (np.exp(x) - 1)), [0]),
    "selu": ({}, lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * (np.exp(x) - 1)), [0]),
    "celu": ({"alpha": 1.5}, lambda x: np.where(x > 0, x, 1.5 * (np.exp(x / 1.5) - 1)), [0]),
    "sigmoid": ({}, sigmoid, []),
    "hard_sigmoid": ({}, lambda x: np.clip(x / 6 + 0.5, 0, 1), [-3, 3]),
    "sparse_sigmoid": ({}, lambda x: np.clip(0.5 * (x + 1), 0, 1), [-1, 1]),
    "log_sigmoid": ({}, lambda x: np.log(sigmoid(x)), []),
    "tanh": ({}, np.tanh, []),
    "hard_tanh": ({}, lambda x: np.clip(x, -1, 1), [-1, 1]),
    "tanh_shrink": ({}, lambda x: x - np.tanh(x), []),
    "softplus": ({}, softplus, []),
    "softsign": ({}, lambda x: x / (1 + np.abs(x)), []),
    "squareplus": ({"b": 3.0}, lambda x: (x + np.sqrt(x * x + 3)) / 2, []),
    "sparse_plus": ({}, lambda x: np.where(x <= -1, 0, np.where(x < 1, (x + 1) ** 2 / 4, x)),
                    [-1, 1]),
    "silu": ({}, lambda x: x * sigmoid(x), []),
    "hard_silu": ({}, lambda x: np.where(x < -3, 0, np.where(x > 3, x, x * (x + 3) / 6)), [-3, 3]),
    "mish": ({}, lambda x: x * np.tanh(softplus(x)), []),
    "gelu": ({}, lambda x: x * normal_cdf(x), []),
    "gelu_approximate": ({"approximate": True},
                         lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi)
                                                          * (x + 0.044715 * x ** 3))), []),
    "soft_shrink": ({"threshold": 0.7},
                    lambda x: np.where(x > 0.7, x - 0.7, np.where(x < -0.7, x + 0.7, 0)),
                    [-0.7, 0.7]),
    "hard_shrink": ({}, lambda x: np.where(np.abs(x) > 0.5, x, 0), [-0.5, 0.5]),
    "threshold": ({"threshold": 0.3, "default_value": -2.0}, lambda x: np.where(x > 0.3, x, -2.0),
                  [0.3]),
    "exponential": ({}, np.exp, []),
}


def activation_for(case):
    return activations.get(case.split("_all_")[0].replace("_approximate", ""))


def sample(shape=(4, 6), scale=2.5, seed=0):
    return np.random.default_rng(seed).standard_normal(shape) * scale


# ----------------------------------------------------------------------------------------- registry
def test_every_keras_activation_name_resolves():
    for name in KERAS_NAMES:
        function = activations.get(name)
        assert isinstance(function, activations.ActivationFunction)
        assert getattr(activations, name) is function


def test_aliases_are_the_same_function_and_serialize_under_keras_names():
    assert activations.get("swish") is activations.silu is activations.swish
    assert activations.get("hard_swish") is activations.hard_silu is activations.hard_swish
    assert activations.serialize("swish") == "silu"
    assert activations.serialize(activations.hard_swish) == "hard_silu"
    assert activations.deserialize("silu") is activations.silu


def test_strings_and_functions_are_interchangeable_in_layers():
    x = sample((3, 5))
    by_name = layers.Dense(4, activation="mish", kernel_initializer="ones")
    by_object = layers.Dense(4, activation=activations.mish, kernel_initializer="ones")
    np.testing.assert_array_equal(by_name(x), by_object(x))
    assert by_name.get_config()["activation"] == by_object.get_config()["activation"] == "mish"


def test_unknown_name_raises_listing_the_valid_ones():
    with pytest.raises(ValueError, match="gelu_fast") as error:
        activations.get("gelu_fast")
    for name in ("gelu", "hard_silu", "sparsemax", "swish"):
        assert name in str(error.value)
    with pytest.raises(ValueError, match="relu7"):
        layers.Dense(3, activation="relu7")


# ----------------------------------------------------------------------------- values and gradients
@pytest.mark.parametrize("case", sorted(DEFINITIONS))
def test_values_match_the_definition(case, float64):
    options, definition, _ = DEFINITIONS[case]
    x = np.concatenate([sample((40,)), np.linspace(-7, 7, 57)])
    np.testing.assert_allclose(activation_for(case)(x, **options), definition(x), rtol=1e-12,
                               atol=1e-15)


@pytest.mark.parametrize("case", sorted(DEFINITIONS))
def test_vjp_equals_central_differences(case, float64):
    options, _, kinks = DEFINITIONS[case]
    assert_vjp_matches(activation_for(case), away_from(sample(), kinks), **options)


def test_relu_negative_slope_alone_is_leaky_relu_and_relu6_is_max_value_6(float64):
    x = sample((50,))
    np.testing.assert_array_equal(activations.relu(x, negative_slope=0.2), activations.leaky_relu(x))
    np.testing.assert_array_equal(activations.relu(x, max_value=6.0), activations.relu6(x))


def test_gradients_at_kinks_take_one_side():
    x = np.array([-3.0, -1.0, 0.0, 1.0, 3.0, 6.0])
    dy = np.ones_like(x)
    np.testing.assert_array_equal(activations.relu.vjp(x, None, dy), [0, 0, 0, 1, 1, 1])
    np.testing.assert_array_equal(activations.relu6.vjp(x, None, dy), [0, 0, 0, 1, 1, 0])
    np.testing.assert_array_equal(activations.hard_tanh.vjp(x, None, dy), [0, 0, 1, 0, 0, 0])


@pytest.mark.parametrize("name, axis", [
    (name, axis) for name in ("softmax", "log_softmax") for axis in (0, 1, -1, (0, 2), None)
] + [("sparsemax", axis) for axis in (0, 1, -1)])  # sparsemax takes one axis, as in Keras
def test_axis_activations_normalize_along_any_axis(name, axis, float64):
    x = sample((3, 4, 5))
    y = activations.get(name)(x, axis=axis)
    probabilities = np.exp(y) if name == "log_softmax" else y
    np.testing.assert_allclose(probabilities.sum(axis=axis), 1.0, rtol=1e-12)
    assert_vjp_matches(activations.get(name), x, axis=axis)


def test_softmax_along_an_axis_equals_softmax_of_the_moved_axis(float64):
    x = sample((3, 4, 5))
    moved = activations.softmax(np.moveaxis(x, 1, -1))
    np.testing.assert_allclose(activations.softmax(x, axis=1), np.moveaxis(moved, -1, 1),
                               rtol=1e-14)


def test_sparsemax_is_the_euclidean_projection_onto_the_simplex(float64):
    x = sample((6, 5), scale=0.6)
    y = activations.sparsemax(x)
    np.testing.assert_allclose(y.sum(axis=-1), 1.0, rtol=1e-12)
    assert np.all(y >= 0)
    # Projection: y = max(x - tau, 0) with one tau per row, and tau is below every kept entry.
    tau = (x - y)[y > 0]
    rows = np.nonzero(y > 0)[0]
    for row in range(len(x)):
        np.testing.assert_allclose(tau[rows == row], tau[rows == row][0], rtol=1e-12)
        assert np.all(x[row][y[row] == 0] <= tau[rows == row][0] + 1e-12)
    np.testing.assert_allclose(activations.sparsemax(np.array([0.5, 0.4, 0.3])),
                               [0.43333333333333335, 0.3333333333333333, 0.23333333333333334])
    np.testing.assert_array_equal(activations.sparsemax(np.array([3.0, 0.0, -1.0])), [1, 0, 0])


def test_glu_gates_the_first_half_with_the_sigmoid_of_the_second(float64):
    x = sample((3, 8))
    np.testing.assert_allclose(activations.glu(x), x[:, :4] * sigmoid(x[:, 4:]), rtol=1e-14)
    columns = sample((4, 3))
    np.testing.assert_allclose(activations.glu(columns, axis=0),
                               columns[:2] * sigmoid(columns[2:]), rtol=1e-14)
    assert_vjp_matches(activations.glu, x)
    assert_vjp_matches(activations.glu, columns, axis=0)
    with pytest.raises(ValueError, match="even"):
        activations.glu(sample((2, 5)))


def test_gelu_is_exact_far_into_its_tails(float64):
    x = np.array([-37.0, -30.0, -20.0, -12.0, -8.0, -3.0, -0.1, 0.0, 0.1, 3.0, 8.0, 30.0])
    expected = np.array([v * 0.5 * math.erfc(-v / math.sqrt(2)) for v in x])
    np.testing.assert_allclose(activations.gelu(x), expected, rtol=1e-12, atol=0)
    density = np.exp(-x * x / 2) / math.sqrt(2 * math.pi)
    slope = np.array([0.5 * math.erfc(-v / math.sqrt(2)) for v in x]) + x * density
    np.testing.assert_allclose(activations.gelu.vjp(x, None, np.ones_like(x)), slope, rtol=1e-12)


def test_erfc_matches_the_standard_library_everywhere():
    # Up to t = 26.5, where erfc is still a normal float64 (subnormals carry fewer digits).
    t = np.concatenate([np.linspace(-6, 26.5, 32501), np.logspace(-12, 1.4, 500),
                        [0.5, 1.5, 3.0, -0.5, -1.5, -3.0]])
    expected = np.array([math.erfc(v) for v in t])
    np.testing.assert_allclose(activations._erfc(t), expected, rtol=1e-12, atol=0)


def test_gelu_of_float32_is_within_a_few_float32_ulps_of_the_exact_value():
    """float32 inputs evaluate erfc's polynomial in float32: a few ulps, not float64's digits."""
    x = np.linspace(-13, 13, 20001).astype(np.float32)
    exact = np.array([float(v) * 0.5 * math.erfc(-float(v) / math.sqrt(2)) for v in x])
    y = activations.gelu(x)
    assert y.dtype == np.float32
    ulps = np.abs(y - exact) / np.spacing(np.abs(exact).astype(np.float32))
    assert ulps.max() <= 4
    # The slope Phi(x) + x phi(x) cancels near its zero (x = -0.75): a few ulps of its terms.
    cdf = np.array([0.5 * math.erfc(-float(v) / math.sqrt(2)) for v in x])
    density_term = x * np.exp(-x.astype(np.float64) ** 2 / 2) / math.sqrt(2 * math.pi)
    dx = activations.gelu.vjp(x, y, np.ones_like(x))
    assert dx.dtype == np.float32
    terms = np.maximum(cdf, np.abs(density_term)).astype(np.float32)
    assert (np.abs(dx - (cdf + density_term)) / np.spacing(terms)).max() <= 4


def test_default_gelu_is_exact_not_approximate(float64):
    x = np.array([-2.0, -0.5, 1.0])
    assert not np.allclose(activations.gelu(x), activations.gelu(x, approximate=True), rtol=1e-6)


# ---------------------------------------------------------------------------------------- stability
EXTREME = np.array([-1e4, -1e3, -100.0, -40.0, -1.0, -0.0, 0.0, 1.0, 40.0, 100.0, 1e3, 1e4],
                   dtype=np.float32)


@pytest.mark.parametrize("name", sorted(set(KERAS_NAMES) - {"threshold"}))
def test_extreme_float32_inputs_give_finite_float32_values_and_gradients_silently(name):
    function = activations.get(name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = function(EXTREME)
        dx = function.vjp(EXTREME, y, np.ones_like(y))
    assert y.dtype == dx.dtype == np.float32
    if name == "exponential":
        assert np.isinf(y[-1]) and np.all(np.isfinite(y[:-3]))
        return
    assert np.all(np.isfinite(y)) and np.all(np.isfinite(dx))


def test_float32_results_agree_with_float64():
    x = np.linspace(-8, 8, 160)
    for name in sorted(set(KERAS_NAMES) - {"threshold", "exponential"}):
        function = activations.get(name)
        np.testing.assert_allclose(function(x.astype(np.float32)), function(x), rtol=2e-6,
                                   atol=2e-6, err_msg=name)


def test_integer_input_becomes_floatx():
    assert activations.relu(np.array([-1, 2])).dtype == np.float32


# ----------------------------------------------------------------------------------------- layers
def test_relu_layer_defaults_options_and_validation(float64):
    assert layers.ReLU().name == "re_lu"
    x = np.array([[-2.0, -0.5, 0.5, 3.0, 9.0]])
    np.testing.assert_array_equal(layers.ReLU()(x), [[0, 0, 0.5, 3, 9]])
    np.testing.assert_allclose(layers.ReLU(max_value=4.0, negative_slope=0.1, threshold=1.0)(x),
                               [[-0.3, -0.15, -0.05, 3, 4]])
    for argument in ("max_value", "negative_slope", "threshold"):
        with pytest.raises(ValueError, match=argument):
            layers.ReLU(**{argument: -1.0})


def test_leaky_relu_layer_defaults_to_slope_0_3_unlike_the_activation(float64):
    assert layers.LeakyReLU().name == "leaky_re_lu"
    x = np.array([[-2.0, 4.0]])
    np.testing.assert_allclose(layers.LeakyReLU()(x), [[-0.6, 4.0]])
    np.testing.assert_allclose(activations.leaky_relu(x), [[-0.4, 4.0]])
    with pytest.warns(UserWarning, match="alpha"):
        legacy = layers.LeakyReLU(alpha=0.1)
    assert legacy.negative_slope == 0.1
    with pytest.raises(ValueError, match="negative_slope"):
        layers.LeakyReLU(negative_slope=-0.1)


def test_elu_layer(float64):
    x = np.array([[-1.0, 2.0]])
    np.testing.assert_allclose(layers.ELU(alpha=0.5)(x), [[0.5 * (np.exp(-1) - 1), 2.0]])


@pytest.mark.parametrize("layer", [
    lambda: layers.ReLU(max_value=2.0, negative_slope=0.2, threshold=0.3),
    lambda: layers.LeakyReLU(),
    lambda: layers.ELU(alpha=0.8),
    lambda: layers.PReLU(alpha_initializer=keras.initializers.RandomUniform(0.1, 0.4, seed=1)),
    lambda: layers.PReLU(alpha_initializer="ones", shared_axes=[1]),
])
def test_layer_gradients_equal_central_differences(layer, float64):
    x = away_from(sample((4, 3, 5)), [0.0, 0.3, 2.0])
    # atol 1e-8: the central differences of a sum of 60 terms of order 1, with step 1e-6, carry
    # rounding noise of about 1e-16 * 60 / 1e-6 ~ 1e-9.
    assert_gradients_match(layer_gradients(layer(), x), atol=1e-8)


def test_prelu_learns_one_slope_per_unshared_entry(float64):
    layer = layers.PReLU(shared_axes=[1, 2])
    layer.build_once((None, 6, 7, 3))
    assert layer.alpha.shape == (1, 1, 3) and layer.alpha.path.endswith("/alpha")
    np.testing.assert_array_equal(layer.alpha.value, 0)  # Keras's default: Zeros, a plain ReLU
    layer.alpha.assign([[[0.1, 0.2, 0.3]]])
    x = -np.ones((2, 6, 7, 3))
    np.testing.assert_allclose(layer(x)[0, 0, 0], [-0.1, -0.2, -0.3])
    assert layers.PReLU(shared_axes=2).shared_axes == [2]
    unshared = layers.PReLU()
    unshared.build_once((None, 6, 7, 3))
    assert unshared.alpha.shape == (6, 7, 3)


def test_prelu_alpha_regularizer_joins_the_loss(float64):
    model = keras.Sequential([keras.Input((3,)),
                              layers.PReLU(alpha_initializer="ones", alpha_regularizer="l2")])
    model.compile(loss="mse", optimizer="sgd")
    assert model.regularization_penalty() == pytest.approx(0.01 * 3)


def test_activation_layer_configs_round_trip():
    for layer in (layers.ReLU(max_value=6.0, negative_slope=0.1, threshold=0.5),
                  layers.LeakyReLU(negative_slope=0.05), layers.ELU(alpha=0.3),
                  layers.PReLU(alpha_initializer="he_normal", alpha_regularizer="l1",
                               shared_axes=[1])):
        config = layer.get_config()
        clone = type(layer).from_config(config)
        assert clone.get_config() == config
    assert layers.PReLU().get_config()["alpha_initializer"]["class_name"] == "Zeros"


def test_inference_writes_nothing_to_activation_layers():
    for layer in (layers.ReLU(), layers.LeakyReLU(), layers.ELU(), layers.PReLU()):
        layer(np.ones((2, 3)))
        before = dict(vars(layer))
        layer(np.ones((2, 3)) * 2)
        assert vars(layer).keys() == before.keys()


def test_activation_layers_train_in_a_model():
    x = np.random.default_rng(0).standard_normal((64, 4)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    model = keras.Sequential([keras.Input((4,)), layers.Dense(8), layers.PReLU(),
                              layers.LeakyReLU(), layers.ELU(), layers.ReLU(max_value=6.0),
                              layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    history = model.fit(x, y, epochs=3, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert [layer.name for layer in model.layers[1:5]] == ["p_re_lu", "leaky_re_lu", "elu", "re_lu"]


def test_python_numbers_become_float32_and_arrays_keep_their_dtype():
    # as Keras converts them: Python floats to float32, integers to floatx
    y = activations.sigmoid(0.5)
    assert (y.shape, y.dtype) == ((), np.float32)
    np.testing.assert_allclose(y, 1 / (1 + np.exp(-0.5)), rtol=1e-6)
    assert activations.relu([-1.0, 2.0]).dtype == np.float32
    assert activations.relu(np.array([-1.0, 2.0])).dtype == np.float64
    assert activations.tanh([1, 2]).dtype == np.float32
