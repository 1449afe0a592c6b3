"""SGD, Adam and RMSprop: Keras's defaults and update rules, checked step by step by hand."""

import numpy as np
import pytest

import handkeras as keras
from handkeras import optimizers

STEPS = 3


def gradients(shape=(2, 3), steps=STEPS):
    rng = np.random.default_rng(0)
    return [rng.standard_normal(shape) for _ in range(steps)]


def run(optimizer, grads, start=None):
    """Apply ``grads`` one step at a time to a fresh variable; return its value after each step."""
    start = np.random.default_rng(1).standard_normal(grads[0].shape) if start is None else start
    variable = keras.Variable(start.copy(), name="w")
    values = []
    for grad in grads:
        optimizer.apply([grad], [variable])
        values.append(variable.numpy())
    return start, values


def assert_trajectory(values, expected):
    assert len(values) == len(expected)
    for step, (got, want) in enumerate(zip(values, expected)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15, err_msg=f"step {step + 1}")


# ------------------------------------------------------------------------------------- SGD
def test_sgd_defaults():
    sgd = optimizers.SGD()
    assert sgd.learning_rate == pytest.approx(0.01)
    assert sgd.momentum == 0.0 and sgd.nesterov is False


def test_sgd_plain_step(float64):
    grads = gradients()
    w, values = run(optimizers.SGD(learning_rate=0.1), grads)
    expected = []
    for g in grads:
        w = w - 0.1 * g
        expected.append(w)
    assert_trajectory(values, expected)


def test_sgd_momentum(float64):
    grads = gradients()
    w, values = run(optimizers.SGD(learning_rate=0.1, momentum=0.9), grads)
    m, expected = np.zeros_like(w), []
    for g in grads:
        m = 0.9 * m - 0.1 * g
        w = w + m
        expected.append(w)
    assert_trajectory(values, expected)


def test_sgd_nesterov(float64):
    grads = gradients()
    w, values = run(optimizers.SGD(learning_rate=0.1, momentum=0.9, nesterov=True), grads)
    m, expected = np.zeros_like(w), []
    for g in grads:
        m = 0.9 * m - 0.1 * g
        w = w + 0.9 * m - 0.1 * g
        expected.append(w)
    assert_trajectory(values, expected)


# ------------------------------------------------------------------------------------- Adam
def test_adam_defaults():
    adam = optimizers.Adam()
    assert adam.learning_rate == pytest.approx(0.001)
    assert (adam.beta_1, adam.beta_2, adam.epsilon, adam.amsgrad) == (0.9, 0.999, 1e-7, False)


@pytest.mark.parametrize("settings", [{}, {"learning_rate": 0.05, "beta_1": 0.8, "beta_2": 0.99,
                                           "epsilon": 1e-3}], ids=["defaults", "custom"])
def test_adam_steps_follow_keras_formula(float64, settings):
    lr = settings.get("learning_rate", 0.001)
    b1, b2 = settings.get("beta_1", 0.9), settings.get("beta_2", 0.999)
    eps = settings.get("epsilon", 1e-7)
    grads = gradients()
    w, values = run(optimizers.Adam(**settings), grads)
    m, v, expected = np.zeros_like(w), np.zeros_like(w), []
    for t, g in enumerate(grads, start=1):
        m = m + (g - m) * (1 - b1)
        v = v + (g * g - v) * (1 - b2)
        alpha = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        w = w - alpha * m / (np.sqrt(v) + eps)
        expected.append(w)
    assert_trajectory(values, expected)


def test_adam_first_step_moves_each_weight_by_about_the_learning_rate(float64):
    _, values = run(optimizers.Adam(learning_rate=0.01), gradients(steps=1),
                    start=np.zeros((2, 3)))
    np.testing.assert_allclose(np.abs(values[0]), 0.01, rtol=1e-4)


# ------------------------------------------------------------------------------------- RMSprop
def test_rmsprop_defaults():
    rmsprop = optimizers.RMSprop()
    assert rmsprop.learning_rate == pytest.approx(0.001)
    assert (rmsprop.rho, rmsprop.momentum, rmsprop.epsilon, rmsprop.centered) == (0.9, 0.0, 1e-7,
                                                                                  False)


@pytest.mark.parametrize("momentum", [0.0, 0.5])
@pytest.mark.parametrize("centered", [False, True])
def test_rmsprop_steps_follow_keras_formula(float64, momentum, centered):
    lr, rho, eps = 0.01, 0.8, 1e-7
    grads = gradients()
    w, values = run(optimizers.RMSprop(learning_rate=lr, rho=rho, momentum=momentum,
                                       centered=centered), grads)
    v, a, m, expected = np.zeros_like(w), np.zeros_like(w), np.zeros_like(w), []
    for g in grads:
        v = rho * v + (1 - rho) * g * g
        a = rho * a + (1 - rho) * g
        denominator = v - a * a + eps if centered else v + eps
        step = lr * g / np.sqrt(denominator)
        m = momentum * m + step
        w = w - (m if momentum else step)
        expected.append(w)
    assert_trajectory(values, expected)


# ------------------------------------------------------------------------------------- common API
@pytest.mark.parametrize("cls", [optimizers.SGD, optimizers.Adam, optimizers.RMSprop])
def test_learning_rate_is_readable_and_assignable_between_steps(float64, cls):
    grads = gradients(steps=2)
    reference, changed = cls(learning_rate=0.1), cls(learning_rate=0.1)
    _, ref_values = run(reference, grads)
    variable = keras.Variable(np.random.default_rng(1).standard_normal((2, 3)), name="w")
    changed.apply([grads[0]], [variable])
    np.testing.assert_allclose(variable.value, ref_values[0], rtol=1e-12)
    changed.learning_rate = 0.0
    assert changed.learning_rate == 0.0
    before = variable.numpy()
    changed.apply([grads[1]], [variable])
    np.testing.assert_array_equal(variable.value, before)
    changed.learning_rate = 0.1
    changed.apply([grads[1]], [variable])
    assert not np.array_equal(variable.value, before)


@pytest.mark.parametrize("cls", [optimizers.SGD, optimizers.Adam, optimizers.RMSprop])
def test_lr_is_an_alias_of_learning_rate(cls):
    optimizer = cls(lr=0.25)
    assert optimizer.learning_rate == pytest.approx(0.25)
    assert optimizer.lr == pytest.approx(0.25)
    optimizer.lr = 0.5
    assert optimizer.learning_rate == pytest.approx(0.5)


@pytest.mark.parametrize("cls", [optimizers.SGD, optimizers.Adam, optimizers.RMSprop])
def test_iterations_count_applied_steps(cls):
    optimizer = cls()
    assert optimizer.iterations == 0
    run(optimizer, gradients(steps=4))
    assert optimizer.iterations == 4


def test_fit_counts_one_iteration_per_batch():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.zeros((10, 2)), np.zeros((10, 1)), batch_size=4, epochs=2, verbose=0)
    assert model.optimizer.iterations == 6


def test_apply_gradients_takes_pairs(float64):
    grads = gradients(steps=1)
    _, expected = run(optimizers.SGD(learning_rate=0.1), grads)
    variable = keras.Variable(np.random.default_rng(1).standard_normal((2, 3)), name="w")
    optimizers.SGD(learning_rate=0.1).apply_gradients(zip(grads, [variable]))
    np.testing.assert_allclose(variable.value, expected[0], rtol=1e-12)


def test_updates_are_in_place():
    variable = keras.Variable(np.ones((2, 2), dtype=np.float32), name="w")
    array = variable.value
    optimizers.Adam().apply([np.ones((2, 2), dtype=np.float32)], [variable])
    assert variable.value is array and array.dtype == np.float32 and np.all(array < 1)


def test_apply_with_mismatched_gradients_is_an_error():
    variable = keras.Variable(np.ones((2, 2)), name="w")
    with pytest.raises(ValueError):
        optimizers.SGD().apply([np.ones((2, 2)), np.ones((2, 2))], [variable])
    with pytest.raises(ValueError):
        optimizers.SGD().apply([np.ones((3, 2))], [variable])


@pytest.mark.parametrize("name, cls", [("sgd", optimizers.SGD), ("SGD", optimizers.SGD),
                                       ("adam", optimizers.Adam), ("Adam", optimizers.Adam),
                                       ("rmsprop", optimizers.RMSprop),
                                       ("RMSprop", optimizers.RMSprop)])
def test_optimizers_by_name(name, cls):
    assert type(optimizers.get(name)) is cls


def test_unknown_optimizer_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match="adamm") as error:
        optimizers.get("adamm")
    assert "adam" in str(error.value) and "sgd" in str(error.value)


@pytest.mark.parametrize("shape", [(7,), (600, 700), (1 << 18,), ((1 << 18) + 5,)], ids=str)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_blocked_scaled_add_equals_the_plain_expression_to_the_bit(shape, dtype):
    """Without BLAS, the update (in blocks past 2**18 elements) rounds exactly as ``w += scale * g``."""
    from handkeras.optimizers.scaled_add import SMALL, blocked_scaled_add
    assert SMALL == 1 << 18
    rng = np.random.default_rng(0)
    w, g = rng.standard_normal(shape).astype(dtype), rng.standard_normal(shape).astype(dtype)
    scale = np.dtype(dtype).type(-0.0137)
    expected = w + scale * g
    blocked_scaled_add(w, scale, g)
    np.testing.assert_array_equal(w, expected)


@pytest.mark.parametrize("shape", [(7,), (600, 700), (784, 512)], ids=str)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_scaled_add_is_the_expression_up_to_one_rounding(shape, dtype):
    """With BLAS (axpy rounds ``w + scale * g`` once, the expression twice) the update differs from
    the expression by rounding alone (a few units in the last place of the operands; where they
    cancel, that is a larger share of the result), and is exactly ``w + g`` for a scale of 1."""
    from handkeras.optimizers.scaled_add import scaled_add
    rng = np.random.default_rng(0)
    w, g = rng.standard_normal(shape).astype(dtype), rng.standard_normal(shape).astype(dtype)
    scale = np.dtype(dtype).type(-0.0137)
    plain = w + scale * g
    updated = w.copy()
    scaled_add(updated, scale, g)
    assert np.all(np.abs(updated - plain) <= 2 * np.spacing(np.abs(w) + np.abs(scale * g)))
    assert not np.array_equal(updated, w)
    expected = w + g
    scaled_add(w, np.dtype(dtype).type(1), g)
    np.testing.assert_array_equal(w, expected)


def test_scaled_add_on_a_strided_view_leaves_the_rest_alone():
    from handkeras.optimizers.scaled_add import scaled_add
    w = np.ones((400, 400), np.float32)
    g = np.full((400, 400), 2.0, np.float32)
    scaled_add(w[:, ::2], np.float32(0.5), g[:, ::2])
    np.testing.assert_array_equal(w[:, ::2], 2.0)
    np.testing.assert_array_equal(w[:, 1::2], 1.0)


# ----------------------------------------------------------------------------- set_weights
def built_adam():
    optimizer = optimizers.Adam()
    optimizer.build([keras.Variable(np.ones(2), name="kernel")])
    return optimizer


def test_set_weights_assigns_every_variable_in_order():
    optimizer = built_adam()
    optimizer.set_weights([np.array(5, "int32"), np.array(0.5, "float32"), np.full(2, 3.0),
                           np.full(2, 4.0)])
    assert [v.numpy().tolist() for v in optimizer.variables] == [5, 0.5, [3.0, 3.0], [4.0, 4.0]]
    assert optimizer.iterations == 5 and optimizer.learning_rate == 0.5


def test_set_weights_checks_every_shape_before_assigning_any():
    optimizer = built_adam()
    with pytest.raises(ValueError, match=r"variable 3 \(adam/kernel_velocity\) has shape \(2,\), "
                                         r"the value given has shape \(3,\)"):
        optimizer.set_weights([np.array(5), np.array(0.5), np.full(2, 3.0), np.ones(3)])
    assert [v.numpy().tolist() for v in optimizer.variables] == [
        0, np.float32(0.001).item(), [0.0, 0.0], [0.0, 0.0]]


def test_set_weights_needs_a_built_optimizer_and_one_array_per_variable():
    with pytest.raises(ValueError, match="has not yet been built"):
        optimizers.SGD().set_weights([])
    with pytest.raises(ValueError, match="needs 4 arrays, one per variable, received 2"):
        built_adam().set_weights([np.array(5), np.array(0.5)])
