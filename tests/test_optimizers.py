"""Optimizers: Keras's update rules step by step, clipping, weight decay, learning rates and schedules,
the optimizer state in Keras's order, argument checks and configs."""

import math
import warnings

import numpy as np
import pytest

import handkeras as keras
from handkeras import layers, optimizers
from handkeras.optimizers import schedules
from handkeras.variables import Variable

ALL_CLASSES = [optimizers.SGD, optimizers.Adam, optimizers.AdamW, optimizers.RMSprop,
               optimizers.Adagrad, optimizers.Adadelta, optimizers.Adamax, optimizers.Nadam]


@pytest.fixture(autouse=True)
def in_float64(float64):
    """Hand computations below are in float64 Python arithmetic."""


def variable(values, name="kernel"):
    return Variable(np.array(values, dtype=np.float64), name=name)


def step(optimizer, var, *grads):
    for grad in grads:
        optimizer.apply([np.array(grad, dtype=np.float64)], [var])
    return var.value


# ----------------------------------------------------------------------------- update rules
def test_sgd_plain_momentum_and_nesterov_steps():
    assert step(optimizers.SGD(0.1), variable([1.0]), [2.0], [4.0]) == pytest.approx([1 - 0.2 - 0.4])
    # momentum: m = 0.9 m - lr g; w += m
    m1 = -0.1 * 2.0
    m2 = 0.9 * m1 - 0.1 * 4.0
    assert step(optimizers.SGD(0.1, momentum=0.9), variable([1.0]), [2.0], [4.0]) == pytest.approx(
        [1 + m1 + m2], rel=1e-12)
    # Nesterov: w += momentum * m - lr * g, with the new m
    expected = 1 + (0.9 * m1 - 0.1 * 2.0) + (0.9 * m2 - 0.1 * 4.0)
    assert step(optimizers.SGD(0.1, momentum=0.9, nesterov=True), variable([1.0]), [2.0],
                [4.0]) == pytest.approx([expected], rel=1e-12)


def adam_reference(grads, lr=0.01, b1=0.9, b2=0.999, eps=1e-7, amsgrad=False, w=1.0):
    m = v = v_hat = 0.0
    for t, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        v_hat = max(v_hat, v)
        alpha = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        w -= alpha * m / (math.sqrt(v_hat if amsgrad else v) + eps)
    return w


def test_adam_steps_put_epsilon_outside_the_uncorrected_root():
    grads = [0.5, -2.0, 0.1]
    w = step(optimizers.Adam(0.01), variable([1.0]), *[[g] for g in grads])
    assert w == pytest.approx([adam_reference(grads)], rel=1e-12)
    # A large epsilon shows where it goes: w -= alpha m / (sqrt(v) + eps), not / (sqrt(v_hat) + eps).
    w = step(optimizers.Adam(0.01, epsilon=0.5), variable([1.0]), [0.5])
    alpha = 0.01 * math.sqrt(1 - 0.999) / (1 - 0.9)
    assert w == pytest.approx([1 - alpha * 0.05 / (math.sqrt(0.001 * 0.25) + 0.5)], rel=1e-12)


def test_adam_amsgrad_keeps_the_largest_second_moment():
    grads = [3.0, 0.01, 0.01]  # the second moment shrinks after the first step
    plain = step(optimizers.Adam(0.01, beta_2=0.9), variable([1.0]), *[[g] for g in grads])
    ams = step(optimizers.Adam(0.01, beta_2=0.9, amsgrad=True), variable([1.0]),
               *[[g] for g in grads])
    assert ams == pytest.approx([adam_reference(grads, b2=0.9, amsgrad=True)], rel=1e-12)
    assert ams != pytest.approx(plain, rel=1e-6)


def test_adamw_decays_the_weight_by_lr_times_weight_decay_before_the_adam_step():
    w = step(optimizers.AdamW(0.01, weight_decay=0.5), variable([2.0]), [0.5])
    decayed = 2.0 * (1 - 0.5 * 0.01)
    assert w == pytest.approx([adam_reference([0.5], w=decayed)], rel=1e-12)
    assert optimizers.AdamW().weight_decay == 0.004


def test_rmsprop_plain_centered_and_momentum_steps():
    rho, eps, lr, g = 0.9, 1e-7, 0.01, 2.0
    v = (1 - rho) * g * g
    assert step(optimizers.RMSprop(lr), variable([1.0]), [g]) == pytest.approx(
        [1 - lr * g / math.sqrt(v + eps)], rel=1e-12)
    a = (1 - rho) * g
    assert step(optimizers.RMSprop(lr, centered=True), variable([1.0]), [g]) == pytest.approx(
        [1 - lr * g / math.sqrt(v - a * a + eps)], rel=1e-12)
    # momentum: m = momentum m + step; w -= m (two steps)
    v1 = v
    s1 = lr * g / math.sqrt(v1 + eps)
    v2 = rho * v1 + (1 - rho) * 1.0
    s2 = lr * 1.0 / math.sqrt(v2 + eps)
    m2 = 0.5 * s1 + s2
    assert step(optimizers.RMSprop(lr, momentum=0.5), variable([1.0]), [g], [1.0]) == pytest.approx(
        [1 - s1 - m2], rel=1e-12)


def test_adagrad_accumulates_from_the_initial_value_with_epsilon_inside_the_root():
    w = step(optimizers.Adagrad(0.1, initial_accumulator_value=0.5, epsilon=0.25), variable([1.0]),
             [2.0], [1.0])
    a1, a2 = 0.5 + 4.0, 0.5 + 4.0 + 1.0
    assert w == pytest.approx([1 - 0.1 * 2.0 / math.sqrt(a1 + 0.25) - 0.1 / math.sqrt(a2 + 0.25)],
                              rel=1e-12)


def test_adadelta_scales_by_the_ratio_of_accumulated_updates_and_gradients():
    rho, eps, lr = 0.95, 1e-7, 1.0
    w, a, d = 1.0, 0.0, 0.0
    for g in (2.0, -1.0):
        a = rho * a + (1 - rho) * g * g
        delta = -math.sqrt(d + eps) * g / math.sqrt(a + eps)
        d = rho * d + (1 - rho) * delta * delta
        w += lr * delta
    assert step(optimizers.Adadelta(1.0), variable([1.0]), [2.0], [-1.0]) == pytest.approx(
        [w], rel=1e-12)


def test_adamax_uses_the_decayed_infinity_norm():
    b1, b2, eps, lr = 0.9, 0.999, 1e-7, 0.01
    w, m, u = 1.0, 0.0, 0.0
    for t, g in enumerate((2.0, -0.5), start=1):
        m = b1 * m + (1 - b1) * g
        u = max(b2 * u, abs(g))
        w -= lr * m / ((1 - b1 ** t) * (u + eps))
    assert step(optimizers.Adamax(lr), variable([1.0]), [2.0], [-0.5]) == pytest.approx(
        [w], rel=1e-12)


def test_nadam_uses_the_momentum_cache_schedule():
    b1, b2, eps, lr = 0.9, 0.999, 1e-7, 0.01
    w, m, v, product = 1.0, 0.0, 0.0, 1.0
    for t, g in enumerate((2.0, -0.5, 1.0), start=1):
        mu_t, mu_next = (b1 * (1 - 0.5 * 0.96 ** s) for s in (t, t + 1))
        product *= mu_t
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = mu_next * m / (1 - product * mu_next) + (1 - mu_t) * g / (1 - product)
        w -= lr * m_hat / (math.sqrt(v / (1 - b2 ** t)) + eps)
    optimizer = optimizers.Nadam(lr)
    assert step(optimizer, variable([1.0]), [2.0], [-0.5], [1.0]) == pytest.approx([w], rel=1e-12)
    assert optimizer.variables[-1] == pytest.approx(product, rel=1e-12)


# ----------------------------------------------------------------------------- clipping
def test_clipnorm_rescales_each_gradient_above_the_threshold_separately():
    optimizer = optimizers.SGD(1.0, clipnorm=1.0)
    big, small = variable([0.0, 0.0]), variable([0.0, 0.0], "bias")
    optimizer.apply([np.array([3.0, 4.0]), np.array([0.3, 0.4])], [big, small])
    np.testing.assert_allclose(big.value, [-0.6, -0.8], rtol=1e-7)
    np.testing.assert_allclose(small.value, [-0.3, -0.4], rtol=1e-7)


def test_global_clipnorm_rescales_all_gradients_together():
    optimizer = optimizers.SGD(1.0, global_clipnorm=2.5)
    a, b = variable([0.0, 0.0]), variable([0.0], "bias")
    optimizer.apply([np.array([3.0, 0.0]), np.array([4.0])], [a, b])  # global norm 5
    np.testing.assert_allclose(a.value, [-1.5, 0.0], rtol=1e-7)
    np.testing.assert_allclose(b.value, [-2.0], rtol=1e-7)
    optimizer.apply([np.array([0.3, 0.0]), np.array([0.4])], [a, b])  # below: unchanged
    np.testing.assert_allclose(a.value, [-1.8, 0.0], rtol=1e-7)


def test_global_clipnorm_of_zero_gradients_and_of_infinite_ones():
    optimizer = optimizers.SGD(1.0, global_clipnorm=1.0)
    w = variable([1.0])
    optimizer.apply([np.array([0.0])], [w])
    assert w.value[0] == 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        optimizer.apply([np.array([np.inf])], [w])
    assert np.isnan(w.value[0])  # as in Keras: a non-finite norm makes every gradient NaN


def test_clipvalue_clips_elementwise():
    w = step(optimizers.SGD(1.0, clipvalue=0.5), variable([0.0, 0.0, 0.0]), [2.0, -3.0, 0.25])
    np.testing.assert_allclose(w, [-0.5, 0.5, -0.25])


@pytest.mark.parametrize("argument", ["clipnorm", "clipvalue", "global_clipnorm"])
def test_zero_clip_argument_clips_nothing(argument):
    w = step(optimizers.SGD(1.0, **{argument: 0.0}), variable([0.0]), [10.0])
    assert w[0] == -10.0


def test_only_one_clip_argument():
    with pytest.raises(ValueError, match="clipnorm.*clipvalue.*global_clipnorm"):
        optimizers.Adam(clipnorm=1.0, clipvalue=1.0)
    with pytest.raises(ValueError, match="Only one"):
        optimizers.SGD(clipvalue=1.0, global_clipnorm=1.0)


def test_apply_does_not_change_the_callers_gradients():
    grad = np.array([3.0, 4.0])
    optimizers.Adam(clipnorm=1.0, weight_decay=0.1).apply([grad], [variable([1.0, 1.0])])
    np.testing.assert_array_equal(grad, [3.0, 4.0])


# ----------------------------------------------------------------------------- weight decay
@pytest.mark.parametrize("cls", ALL_CLASSES)
def test_weight_decay_multiplies_weights_by_one_minus_decay_times_lr(cls):
    """With a zero gradient, the only change left is the decay (every rule moves zero by zero)."""
    kwargs = {"initial_accumulator_value": 0.0} if cls is optimizers.Adagrad else {}
    w = step(cls(learning_rate=0.1, weight_decay=0.5, **kwargs), variable([2.0, -1.0]), [0.0, 0.0])
    np.testing.assert_allclose(w, [2.0 * 0.95, -1.0 * 0.95], rtol=1e-12)


def test_exclude_from_weight_decay_by_variable_and_by_name():
    kernel, bias, other = variable([1.0]), variable([1.0], "bias"), variable([1.0], "other")
    optimizer = optimizers.AdamW(learning_rate=0.1, weight_decay=0.5)
    optimizer.exclude_from_weight_decay(var_list=[other], var_names=["bia"])
    optimizer.apply([np.zeros(1)] * 3, [kernel, bias, other])
    assert kernel.value[0] == pytest.approx(0.95)
    assert bias.value[0] == 1.0
    assert other.value[0] == 1.0


# ----------------------------------------------------------------------------- learning rate
def test_learning_rate_is_kept_in_floatx_like_keras_variable():
    keras.config.set_floatx("float32")
    optimizer = optimizers.SGD(0.1)
    assert optimizer.learning_rate == float(np.float32(0.1))
    assert optimizer.get_config()["learning_rate"] == float(np.float32(0.1))
    optimizer.learning_rate = 0.5
    assert optimizer.learning_rate == 0.5
    assert optimizer.variables[1].dtype == np.float32


def test_lr_is_an_alias_of_learning_rate():
    optimizer = optimizers.SGD(lr=0.25)
    assert optimizer.learning_rate == 0.25
    optimizer.lr = 0.5
    assert optimizer.learning_rate == 0.5


def test_schedule_is_evaluated_at_iterations_before_the_increment():
    schedule = schedules.PiecewiseConstantDecay([0, 1], [1.0, 0.1, 0.01])
    optimizer = optimizers.SGD(schedule)
    w = variable([0.0])
    assert optimizer.learning_rate == 1.0
    w_values = [step(optimizer, w, [1.0]).copy()[0] for _ in range(3)]
    np.testing.assert_allclose(w_values, [-1.0, -1.1, -1.11])
    assert optimizer.learning_rate == pytest.approx(0.01)


def test_plain_callable_learning_rate_is_called_without_arguments():
    rates = iter([0.5, 0.25])
    optimizer = optimizers.SGD(learning_rate=lambda: next(rates))
    w = variable([0.0])
    step(optimizer, w, [1.0], [1.0])
    assert w.value[0] == -0.75
    assert len(optimizer.variables) == 1  # the iteration count only


def test_a_schedule_cannot_be_replaced_by_a_number_but_a_number_by_a_schedule():
    optimizer = optimizers.SGD(schedules.ExponentialDecay(0.1, 10, 0.5))
    with pytest.raises(TypeError, match="schedule"):
        optimizer.learning_rate = 0.1
    optimizer = optimizers.SGD(0.1, momentum=0.5)
    optimizer.build([variable([0.0])])
    assert len(optimizer.variables) == 3
    optimizer.learning_rate = schedules.ExponentialDecay(0.1, 10, 0.5)
    assert len(optimizer.variables) == 2  # the learning-rate variable is gone, as in Keras


def test_weight_decay_uses_the_scheduled_rate_of_the_step():
    schedule = schedules.PiecewiseConstantDecay([0], [0.1, 0.2])
    w = step(optimizers.SGD(schedule, weight_decay=1.0), variable([1.0]), [0.0], [0.0])
    assert w[0] == pytest.approx((1 - 0.1) * (1 - 0.2), rel=1e-12)


# ----------------------------------------------------------------------------- as Keras variables
def test_learning_rate_and_iterations_are_keras_style_variables():
    keras.config.set_floatx("float32")
    optimizer = optimizers.SGD(0.1)
    learning_rate, iterations = optimizer.learning_rate, optimizer.iterations
    assert isinstance(learning_rate, Variable) and isinstance(iterations, Variable)
    assert (learning_rate.path, learning_rate.dtype, learning_rate.trainable) == (
        "sgd/learning_rate", np.float32, False)
    assert (iterations.path, iterations.dtype, iterations.trainable) == ("sgd/iteration", np.int32, False)
    assert learning_rate.numpy().shape == () and learning_rate.numpy() == np.float32(0.1)
    assert iterations.numpy() == 0
    assert repr(learning_rate) == str(learning_rate) == (
        "<Variable path=sgd/learning_rate, shape=(), dtype=float32, value=0.10000000149011612>")


def test_learning_rate_and_iterations_work_as_numbers():
    optimizer = optimizers.SGD(0.5)
    step(optimizer, variable([0.0]), [1.0], [1.0], [1.0])
    learning_rate, iterations = optimizer.learning_rate, optimizer.iterations
    assert (float(learning_rate), int(iterations)) == (0.5, 3)
    assert learning_rate * 2 == 2 * learning_rate == 1.0 and learning_rate / 4 == 0.125
    assert iterations + 1 == 1 + iterations == 4 and iterations - 1 == 2 and iterations % 2 == 1
    assert np.float64(2) * learning_rate == 1.0 and math.sqrt(learning_rate) == math.sqrt(0.5)
    np.testing.assert_array_equal(np.array([1.0, 2.0]) * learning_rate, [0.5, 1.0])
    assert learning_rate > 0.1 and learning_rate <= 0.5 and iterations == 3 and iterations != 4
    assert f"{learning_rate:.3f} {iterations:d} {iterations:>3}" == "0.500 3   3"
    assert "%.1f %d" % (learning_rate, iterations) == "0.5 3"
    assert np.asarray(learning_rate) == 0.5 and np.asarray(iterations).dtype == np.int32
    assert list(range(iterations)) == [0, 1, 2] and round(learning_rate, 1) == 0.5
    assert bool(iterations) and not optimizers.SGD().iterations


def test_assigning_the_learning_rate_assigns_into_its_variable():
    optimizer = optimizers.SGD(0.1)
    learning_rate = optimizer.learning_rate
    optimizer.learning_rate = 0.25
    assert optimizer.learning_rate is learning_rate and learning_rate == 0.25
    learning_rate.assign(0.5)
    assert step(optimizer, variable([0.0]), [1.0])[0] == -0.5
    optimizer.learning_rate = optimizers.SGD(0.125).learning_rate  # a Variable, as Keras's assign takes
    assert learning_rate == 0.125 and optimizer.get_config()["learning_rate"] == 0.125


def test_iterations_counts_steps_in_place_and_can_be_assigned():
    optimizer = optimizers.SGD(schedules.PiecewiseConstantDecay([2], [1.0, 0.5]))
    iterations = optimizer.iterations
    w = variable([0.0])
    step(optimizer, w, [1.0])
    assert optimizer.iterations is iterations and iterations == 1
    iterations.assign(5)  # the schedule reads the count the optimizer keeps
    assert optimizer.learning_rate == 0.5
    step(optimizer, w, [1.0])
    assert w[0] == -1.5 and iterations == 6


def test_schedule_and_callable_learning_rates_read_as_their_values():
    """As in Keras: no variable then, but the schedule's value at ``iterations`` (a floatx scalar)
    or the callable's result."""
    optimizer = optimizers.SGD(schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5))
    step(optimizer, variable([0.0]), [1.0])
    assert not isinstance(optimizer.learning_rate, Variable)
    assert optimizer.learning_rate == pytest.approx(0.05) and optimizer.learning_rate.dtype == np.float64
    assert optimizers.SGD(lambda: 0.3).learning_rate == 0.3


def test_variables_are_variables_with_keras_paths():
    weights = keras.Sequential([keras.Input((2,)), layers.Dense(3, name="hidden")], name="net").weights
    optimizer = optimizers.SGD(momentum=0.9)
    optimizer.build(weights)
    assert [v.path for v in optimizer.variables] == [
        "sgd/iteration", "sgd/learning_rate", "sgd/net_hidden_kernel_momentum",
        "sgd/net_hidden_bias_momentum"]
    assert [v.name for v in optimizer.variables][2:] == ["net_hidden_kernel_momentum",
                                                         "net_hidden_bias_momentum"]
    assert all(isinstance(v, Variable) and not v.trainable for v in optimizer.variables)
    nadam = optimizers.Nadam()
    nadam.build(weights)
    assert [v.path for v in nadam.variables][2:] == [
        "nadam/net_hidden_kernel_momentum", "nadam/net_hidden_kernel_velocity",
        "nadam/net_hidden_bias_momentum", "nadam/net_hidden_bias_velocity",
        "variable"]  # Keras leaves the momentum product unnamed


def test_optimizer_variables_hold_the_live_state():
    kernel, bias = two_variables()
    optimizer = optimizers.SGD(0.1, momentum=0.5)
    optimizer.apply([np.ones((2, 3)), np.ones(3)], [kernel, bias])
    momentum = optimizer.variables[2]
    np.testing.assert_allclose(momentum.numpy(), -0.1)
    momentum.assign(np.zeros((2, 3)))
    optimizer.apply([np.ones((2, 3)), np.ones(3)], [kernel, bias])
    np.testing.assert_allclose(momentum.value, -0.1)  # restarted from the assigned zeros


# ----------------------------------------------------------------------------- state
def two_variables():
    return [Variable(np.ones((2, 3)), name="kernel"), Variable(np.zeros(3), name="bias")]


def test_variables_follow_keras_order_for_adam_with_amsgrad():
    kernel, bias = two_variables()
    optimizer = optimizers.Adam(0.1, amsgrad=True)
    optimizer.apply([np.full((2, 3), 2.0), np.full(3, 3.0)], [kernel, bias])
    state = optimizer.variables
    assert [np.shape(v) for v in state] == [(), (), (2, 3), (2, 3), (3,), (3,), (2, 3), (3,)]
    assert state[0] == 1 and state[0].dtype == np.int32
    assert state[1] == pytest.approx(0.1)
    # momentum = 0.1 g, velocity = 0.001 g^2; then every velocity_hat after all momenta/velocities
    np.testing.assert_allclose(state[2], 0.2)
    np.testing.assert_allclose(state[3], 0.004)
    np.testing.assert_allclose(state[4], 0.3)
    np.testing.assert_allclose(state[5], 0.009)
    np.testing.assert_allclose(state[6], 0.004)
    np.testing.assert_allclose(state[7], 0.009)


def test_variables_follow_keras_order_for_rmsprop_groups():
    """Keras creates all velocities, then all momenta, then all average gradients."""
    kernel, bias = two_variables()
    optimizer = optimizers.RMSprop(0.1, momentum=0.5, centered=True)
    optimizer.apply([np.full((2, 3), 2.0), np.full(3, 3.0)], [kernel, bias])
    state = optimizer.variables
    assert [np.shape(v) for v in state[2:]] == [(2, 3), (3,)] * 3
    np.testing.assert_allclose(state[2], 0.1 * 4)  # kernel velocity
    np.testing.assert_allclose(state[3], 0.1 * 9)  # bias velocity
    np.testing.assert_allclose(state[6], 0.1 * 2)  # kernel average gradient
    np.testing.assert_allclose(state[7], 0.1 * 3)  # bias average gradient


BLOCKED_RULES = [
    lambda: optimizers.Adam(0.01), lambda: optimizers.Adam(0.01, amsgrad=True),
    lambda: optimizers.AdamW(0.01), lambda: optimizers.RMSprop(0.01),
    lambda: optimizers.RMSprop(0.01, momentum=0.9, centered=True), lambda: optimizers.Adagrad(0.1),
    lambda: optimizers.Adadelta(1.0), lambda: optimizers.Adamax(0.01), lambda: optimizers.Nadam(0.01),
    lambda: optimizers.Lion(0.01), lambda: optimizers.Ftrl(0.1, l1_regularization_strength=0.01),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("make", BLOCKED_RULES, ids=lambda make: make().get_config()["name"])
def test_large_variables_updated_block_by_block_end_exactly_as_updated_whole(make, dtype):
    """Element-wise rules update a variable past two blocks one cache-sized block at a time: the same
    operations on each element, so the weights and every slot match the whole-array update to the bit
    (the shape leaves a short last block)."""
    from handkeras.optimizers.blocks import BLOCK
    shape = (2 * BLOCK // 500 + 3, 500)
    rng = np.random.default_rng(0)
    start = rng.standard_normal(shape).astype(dtype)
    grads = [rng.standard_normal(shape).astype(dtype) for _ in range(3)]
    results = []
    for blocked in (True, False):
        optimizer = make()
        assert optimizer.updates_in_blocks
        optimizer.updates_in_blocks = blocked
        calls = []
        rule = optimizer.update_step
        optimizer.update_step = lambda *args: calls.append(args[1]) or rule(*args)
        var = Variable(start.copy(), name="kernel")
        for grad in grads:
            optimizer.apply([grad], [var])
        assert len(calls) == 3 * (3 if blocked else 1)
        results.append([var.value] + [np.asarray(v) for v in optimizer.variables[2:]])
    for blocked_array, whole_array in zip(*results):
        np.testing.assert_array_equal(blocked_array, whole_array)


def test_sgd_and_new_rules_update_whole_variables():
    """SGD's update is BLAS's axpy over the whole array; a rule written by a user may not be
    element-wise, so it is only cut into blocks when its class says so."""
    assert not optimizers.SGD.updates_in_blocks

    class Normalized(optimizers.Optimizer):
        def update_step(self, gradient, variable, slots, learning_rate):
            variable.value -= learning_rate * gradient / np.linalg.norm(gradient)

    var = Variable(np.ones((400, 400)), name="kernel")
    Normalized(learning_rate=1.0).apply([np.ones((400, 400))], [var])
    np.testing.assert_allclose(var.value, 1 - 1 / 400)


@pytest.mark.parametrize("cls, per_variable", [
    (optimizers.SGD, 0), (optimizers.Adam, 2), (optimizers.AdamW, 2), (optimizers.RMSprop, 1),
    (optimizers.Adagrad, 1), (optimizers.Adadelta, 2), (optimizers.Adamax, 2), (optimizers.Nadam, 2),
])
def test_variable_count(cls, per_variable):
    optimizer = cls()
    assert len(optimizer.variables) == 2  # iteration and learning rate before the first step
    optimizer.build(two_variables())
    extra = 1 if cls is optimizers.Nadam else 0  # Nadam's momentum-cache product comes last
    assert len(optimizer.variables) == 2 + 2 * per_variable + extra


def test_adagrad_accumulators_start_at_the_initial_value():
    optimizer = optimizers.Adagrad(initial_accumulator_value=0.3)
    optimizer.build(two_variables())
    for slot in optimizer.variables[2:]:
        np.testing.assert_array_equal(slot, 0.3)


def test_saved_state_resumes_training_exactly():
    grads = [np.full((2, 3), 0.5), np.full(3, -1.0)]
    straight = two_variables()
    reference = optimizers.Nadam(0.1)
    for _ in range(4):
        reference.apply(grads, straight)

    resumed = two_variables()
    first = optimizers.Nadam(0.1)
    for _ in range(2):
        first.apply(grads, resumed)
    store = {}
    first.save_own_variables(store)
    second = optimizers.Nadam(0.1)
    second.build(resumed)
    second.load_own_variables(store)
    assert second.iterations == 2
    for _ in range(2):
        second.apply(grads, resumed)
    for a, b in zip(straight, resumed):
        np.testing.assert_array_equal(a.value, b.value)


def test_loading_a_different_number_of_variables_warns_and_changes_nothing():
    optimizer = optimizers.Adam()
    with pytest.warns(UserWarning, match="Skipping variable loading"):
        optimizer.load_own_variables({"0": np.array(3), "1": np.array(0.1), "2": np.zeros(2)})
    assert optimizer.iterations == 0


def test_restore_variables_builds_then_loads():
    grads = [np.full((2, 3), 0.5), np.full(3, -1.0)]
    weights = two_variables()
    trained = optimizers.Adam(0.1, amsgrad=True)
    trained.apply(grads, weights)
    store = {}
    trained.save_own_variables(store)
    fresh = optimizers.Adam(0.1, amsgrad=True)
    fresh.restore_variables(store, weights)
    assert fresh.built and fresh.iterations == 1
    for mine, saved in zip(fresh.variables, trained.variables):
        np.testing.assert_array_equal(mine, saved)


def test_restore_variables_that_do_not_fit_leaves_the_optimizer_unbuilt():
    store = {}
    trained = optimizers.Adam()
    trained.apply([np.ones((2, 3)), np.ones(3)], two_variables())
    trained.save_own_variables(store)
    fresh = optimizers.Adam()
    with pytest.warns(UserWarning, match="Skipping"):
        fresh.restore_variables(store, two_variables()[:1])
    assert not fresh.built and fresh.iterations == 0
    store["2"] = np.zeros((3, 2))  # transposed kernel momentum
    with pytest.raises(ValueError, match="variable 2"):
        fresh.restore_variables(store, two_variables())
    assert not fresh.built and fresh.iterations == 0


# ----------------------------------------------------------------------------- apply
def test_apply_builds_once_and_rejects_new_variables():
    kernel, bias = two_variables()
    optimizer = optimizers.Adam()
    optimizer.apply([np.ones((2, 3))], [kernel])
    with pytest.raises(ValueError, match="Unknown variable.*bias"):
        optimizer.apply([np.ones(3)], [bias])
    with pytest.raises(ValueError, match="Unknown variable"):
        optimizer.apply_unchecked([np.ones(3)], [bias])
    assert optimizer.iterations == 1


def test_apply_on_a_subset_of_the_built_variables():
    kernel, bias = two_variables()
    optimizer = optimizers.SGD(1.0)
    optimizer.build([kernel, bias])
    optimizer.apply([np.ones(3)], [bias])
    np.testing.assert_array_equal(bias.value, -1.0)
    np.testing.assert_array_equal(kernel.value, 1.0)


def test_apply_without_variables_uses_the_built_ones():
    kernel, bias = two_variables()
    optimizer = optimizers.SGD(1.0)
    with pytest.raises(ValueError, match="build"):
        optimizer.apply([np.ones((2, 3)), np.ones(3)])
    optimizer.build([kernel, bias])
    optimizer.apply([np.ones((2, 3)), np.ones(3)])
    np.testing.assert_array_equal(kernel.value, 0.0)


def test_apply_checks_counts_and_shapes_before_changing_anything():
    kernel, bias = two_variables()
    optimizer = optimizers.Adam()
    with pytest.raises(ValueError, match="2 gradients for 1 variables"):
        optimizer.apply([np.ones((2, 3)), np.ones(3)], [kernel])
    with pytest.raises(ValueError, match=r"\(4,\).*'bias'.*\(3,\)"):
        optimizer.apply([np.ones((2, 3)), np.ones(4)], [kernel, bias])
    assert optimizer.iterations == 0 and not optimizer.built
    np.testing.assert_array_equal(kernel.value, 1.0)


def test_none_gradients_skip_their_variable_with_a_warning():
    kernel, bias = two_variables()
    optimizer = optimizers.SGD(1.0)
    with pytest.warns(UserWarning, match="bias"):
        optimizer.apply([np.ones((2, 3)), None], [kernel, bias])
    np.testing.assert_array_equal(kernel.value, 0.0)
    np.testing.assert_array_equal(bias.value, 0.0)
    with pytest.raises(ValueError, match="No gradients"):
        optimizer.apply([None, None], [kernel, bias])


def test_empty_gradients_are_a_no_op():
    optimizer = optimizers.SGD()
    optimizer.apply([], [])
    assert optimizer.iterations == 0


def test_gradients_are_cast_to_the_variable_dtype():
    w = Variable(np.ones(2, dtype=np.float32), name="kernel")
    optimizers.Adam().apply([np.ones(2, dtype=np.float64)], [w])
    assert w.value.dtype == np.float32


def test_apply_gradients_takes_pairs_and_returns_iterations():
    kernel, bias = two_variables()
    optimizer = optimizers.SGD(1.0)
    assert optimizer.apply_gradients(zip([np.ones((2, 3)), np.ones(3)], [kernel, bias])) == 1
    np.testing.assert_array_equal(bias.value, -1.0)


# ----------------------------------------------------------------------------- arguments
@pytest.mark.parametrize("cls, kwargs, argument", [
    (optimizers.SGD, {"learning_rate": -0.1}, "learning_rate"),
    (optimizers.SGD, {"learning_rate": "fast"}, "learning_rate"),
    (optimizers.SGD, {"momentum": 1.5}, "momentum"),
    (optimizers.Adam, {"beta_1": 1.0}, "beta_1"),
    (optimizers.Adam, {"beta_2": 1.5}, "beta_2"),
    (optimizers.Adam, {"epsilon": -1e-7}, "epsilon"),
    (optimizers.AdamW, {"weight_decay": None}, "weight_decay"),
    (optimizers.AdamW, {"weight_decay": -0.1}, "weight_decay"),
    (optimizers.RMSprop, {"rho": -0.1}, "rho"),
    (optimizers.RMSprop, {"momentum": -0.5}, "momentum"),
    (optimizers.Adagrad, {"initial_accumulator_value": -1.0}, "initial_accumulator_value"),
    (optimizers.Adadelta, {"rho": 2.0}, "rho"),
    (optimizers.Adamax, {"beta_1": -0.1}, "beta_1"),
    (optimizers.Nadam, {"epsilon": "tiny"}, "epsilon"),
    (optimizers.Adam, {"clipnorm": -1.0}, "clipnorm"),
    (optimizers.Adam, {"clipvalue": "big"}, "clipvalue"),
    (optimizers.Adam, {"global_clipnorm": -2.0}, "global_clipnorm"),
    (optimizers.Adam, {"momentum": 0.9}, "momentum"),
])
def test_bad_arguments_raise_value_error_naming_them(cls, kwargs, argument):
    with pytest.raises(ValueError, match=argument):
        cls(**kwargs)


def test_setting_a_bad_learning_rate_keeps_the_old_one():
    optimizer = optimizers.SGD(0.5)
    with pytest.raises(ValueError, match="learning_rate"):
        optimizer.learning_rate = -1.0
    assert optimizer.learning_rate == 0.5


def test_decay_argument_is_ignored_with_a_warning():
    with pytest.warns(UserWarning, match="decay"):
        optimizers.SGD(decay=0.1)


def test_default_names_are_unique_snake_case_class_names():
    assert optimizers.SGD().name == "sgd"
    assert optimizers.SGD().name == "sgd_1"
    assert optimizers.RMSprop().name == "rm_sprop"
    assert optimizers.AdamW().name == "adam_w"
    assert optimizers.Adam(name="mine").name == "mine"


# ----------------------------------------------------------------------------- configs
@pytest.mark.parametrize("cls", ALL_CLASSES)
def test_config_round_trip(cls):
    optimizer = cls(learning_rate=0.25, clipnorm=2.0, weight_decay=0.01, name="opt")
    config = optimizer.get_config()
    rebuilt = cls.from_config(config)
    assert type(rebuilt) is cls
    assert rebuilt.get_config() == config
    assert config["learning_rate"] == 0.25 and config["clipnorm"] == 2.0


def test_config_round_trip_with_a_schedule():
    schedule = schedules.CosineDecay(0.1, 100, alpha=0.1, warmup_target=0.5, warmup_steps=10)
    config = optimizers.Adam(schedule, amsgrad=True).get_config()
    assert config["learning_rate"] == {
        "module": "keras.optimizers.schedules", "class_name": "CosineDecay",
        "config": schedule.get_config(), "registered_name": None}
    rebuilt = optimizers.Adam.from_config(config)
    assert isinstance(rebuilt._learning_rate, schedules.CosineDecay)
    assert rebuilt.get_config() == config
    assert rebuilt.amsgrad


def test_serialize_deserialize_and_get():
    optimizer = optimizers.RMSprop(0.5, momentum=0.2, centered=True)
    config = optimizers.serialize(optimizer)
    assert config["class_name"] == "RMSprop"
    rebuilt = optimizers.deserialize(config)
    assert isinstance(rebuilt, optimizers.RMSprop) and rebuilt.centered
    assert rebuilt.learning_rate == 0.5
    assert optimizers.get(config).momentum == 0.2
    assert optimizers.get(optimizer) is optimizer


@pytest.mark.parametrize("name, cls", [
    ("sgd", optimizers.SGD), ("adam", optimizers.Adam), ("adamw", optimizers.AdamW),
    ("rmsprop", optimizers.RMSprop), ("adagrad", optimizers.Adagrad),
    ("adadelta", optimizers.Adadelta), ("adamax", optimizers.Adamax), ("nadam", optimizers.Nadam),
    ("AdamW", optimizers.AdamW), ("Nadam", optimizers.Nadam),
])
def test_get_by_name(name, cls):
    assert type(optimizers.get(name)) is cls
    assert optimizers.get(name, learning_rate=0.5).learning_rate == 0.5


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match="'adamm'.*adamw"):
        optimizers.get("adamm")


# ----------------------------------------------------------------------------- with a model
def regression_data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3))
    return x, x @ np.array([[1.0], [-2.0], [0.5]]) + 0.3


@pytest.mark.parametrize("name", ["sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta",
                                  "adamax", "nadam"])
def test_every_optimizer_trains_a_model(name):
    x, y = regression_data()
    model = keras.Sequential([keras.Input((3,)), layers.Dense(1)])
    model.set_weights([np.zeros((3, 1)), np.zeros(1)])
    learning_rate = {"adadelta": 10.0, "adagrad": 1.0}.get(name, 0.05)
    model.compile(optimizer=optimizers.get(name, learning_rate=learning_rate), loss="mse")
    history = model.fit(x, y, epochs=15, batch_size=16, shuffle=False, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert model.optimizer.iterations == 15 * 4


def test_custom_training_loop_matches_fit():
    x, y = regression_data()

    def model_and_optimizer():
        keras.utils.set_random_seed(3)
        model = keras.Sequential([keras.Input((3,)), layers.Dense(4, activation="tanh"),
                                  layers.Dense(1)])
        model.compile(optimizer=optimizers.Adam(0.01, clipnorm=1.0), loss="mse")
        return model

    fitted = model_and_optimizer()
    fitted.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)

    looped = model_and_optimizer()
    for _ in range(2):
        for start in range(0, len(x), 16):
            loss, grads = looped.compute_gradients(x[start:start + 16], y[start:start + 16])
            looped.optimizer.apply_gradients(zip(grads, looped.trainable_weights))
    for a, b in zip(fitted.get_weights(), looped.get_weights()):
        np.testing.assert_array_equal(a, b)
