"""Lion, Lamb, Ftrl and Adafactor: their rules on hand-checked steps, Adafactor's factored state,
argument checks, configs, names, training a model and resuming from saved state."""

import numpy as np
import pytest

import handkeras as keras
from handkeras import layers, optimizers
from handkeras.variables import Variable

NEW_CLASSES = [optimizers.Lion, optimizers.Lamb, optimizers.Ftrl, optimizers.Adafactor]


@pytest.fixture(autouse=True)
def in_float64(float64):
    """Hand computations below are in float64."""


def variable(values, name="kernel"):
    return Variable(np.array(values, dtype=np.float64), name=name)


def apply(optimizer, var, *grads):
    for grad in grads:
        optimizer.apply([np.array(grad, dtype=np.float64)], [var])
    return var.value


# ----------------------------------------------------------------------------- Lion
def test_lion_moves_every_weight_by_the_learning_rate_in_the_interpolated_sign():
    lr, beta_1, beta_2 = 0.1, 0.9, 0.99
    g1, g2 = np.array([0.2, -0.3, 0.0, 0.5]), np.array([-0.01, -0.3, 0.7, -20.0])
    w = variable([1.0, -1.0, 0.5, 2.0])
    optimizer = optimizers.Lion(lr)
    first = apply(optimizer, w, g1).copy()
    np.testing.assert_allclose(first, [1.0 - lr, -1.0 + lr, 0.5, 2.0 - lr], rtol=1e-15)
    m = (1 - beta_2) * g1
    second = apply(optimizer, w, g2)
    # The first weight follows the momentum, against its small new gradient; the last the gradient.
    np.testing.assert_allclose(second, first - lr * np.sign(beta_1 * m + (1 - beta_1) * g2))
    np.testing.assert_allclose(optimizer.variables[2], beta_2 * m + (1 - beta_2) * g2)
    np.testing.assert_allclose(np.abs(second - first), lr)


# ----------------------------------------------------------------------------- Lamb
def test_lamb_scales_adams_step_to_the_learning_rate_times_the_weight_norm():
    """The trust ratio ||w|| / ||u|| makes each variable's step lr * ||w|| long."""
    lr = 0.1
    w = variable([[3.0, -4.0], [1.0, 2.0]])
    start = w.value.copy()
    optimizer = optimizers.Lamb(lr)
    apply(optimizer, w, [[0.5, -0.1], [2.0, 0.3]])
    assert np.linalg.norm(start - w.value) == pytest.approx(lr * np.linalg.norm(start), rel=1e-12)
    grad = np.array([[0.1, 0.2], [-0.3, 1.0]])
    before = w.value.copy()
    apply(optimizer, w, grad)
    m, v = optimizer.variables[2:4]
    m, v = np.asarray(m), np.asarray(v)
    u = (m / (1 - 0.9 ** 2)) / (np.sqrt(v / (1 - 0.999 ** 2)) + 1e-7)
    ratio = np.linalg.norm(before) / np.linalg.norm(u)
    np.testing.assert_allclose(w.value, before - ratio * lr * u, rtol=1e-13)


def test_lamb_takes_a_plain_adam_step_for_a_weight_at_zero():
    bias = variable([0.0, 0.0], "bias")
    apply(optimizers.Lamb(0.1), bias, [2.0, -0.5])
    np.testing.assert_allclose(bias.value, [-0.1 * 2 / (2 + 1e-7), 0.1 * 0.5 / (0.5 + 1e-7)])


# ----------------------------------------------------------------------------- Ftrl
def test_ftrl_recomputes_the_weight_from_the_linear_term():
    lr, n0 = 0.1, 0.1
    g = np.array([0.5, -1.0, 0.2])
    w = variable([1.0, 2.0, -0.5])
    start = w.value.copy()
    optimizer = optimizers.Ftrl(lr)
    apply(optimizer, w, g)
    n = n0 + g ** 2
    z = g - (np.sqrt(n) - np.sqrt(n0)) / lr * start
    np.testing.assert_allclose(w.value, -z / (np.sqrt(n) / lr), rtol=1e-14)
    accumulator, linear = optimizer.variables[2:]
    np.testing.assert_allclose(accumulator, n)
    np.testing.assert_allclose(linear, z)


def test_ftrl_l1_zeroes_weights_whose_linear_term_is_small_and_shrinks_the_others():
    lr, l1, l2, shrinkage, beta, power = 0.5, 0.3, 0.2, 0.1, 0.4, -0.7
    g = np.array([0.05, -2.0, 1.0])
    w = variable([0.0, 0.0, 0.1])
    start = w.value.copy()
    apply(optimizers.Ftrl(lr, learning_rate_power=power, initial_accumulator_value=0.5,
                          l1_regularization_strength=l1, l2_regularization_strength=l2,
                          l2_shrinkage_regularization_strength=shrinkage, beta=beta), w, g)
    n = 0.5 + g ** 2
    z = g + 2 * shrinkage * start - (n ** -power - 0.5 ** -power) / lr * start
    quadratic = n ** -power / lr + 2 * (l2 + beta / (2 * lr))
    assert abs(z[0]) < l1 and w.value[0] == 0.0
    np.testing.assert_allclose(w.value, (np.clip(z, -l1, l1) - z) / quadratic, rtol=1e-14)


def test_ftrl_accumulators_start_at_the_initial_value():
    optimizer = optimizers.Ftrl(initial_accumulator_value=0.3)
    optimizer.build([variable(np.ones((2, 3))), variable(np.ones(3), "bias")])
    accumulators, linears = optimizer.variables[2::2], optimizer.variables[3::2]
    for accumulator, linear in zip(accumulators, linears):
        np.testing.assert_array_equal(accumulator, 0.3)
        np.testing.assert_array_equal(linear, 0.0)


# ----------------------------------------------------------------------------- Adafactor
def test_adafactor_keeps_row_and_column_moments_over_the_last_two_axes():
    optimizer = optimizers.Adafactor()
    conv = Variable.holding(np.ones((3, 3, 2, 4)), "kernel", path="conv2d/kernel")
    dense = Variable.holding(np.ones((5, 2)), "kernel", path="dense/kernel")
    bias = Variable.holding(np.ones(2), "bias", path="dense/bias")
    optimizer.build([conv, dense, bias])
    described = [(v.path, v.shape, str(np.asarray(v).dtype)) for v in optimizer.variables[2:]]
    assert described == [
        ("adafactor/kernel", (3, 3, 2), "float64"), ("adafactor/kernel", (3, 3, 4), "float64"),
        ("adafactor/conv2d_kernel_velocity", (3, 3, 2, 4), "float64"),
        ("adafactor/kernel", (5,), "float64"), ("adafactor/kernel", (2,), "float64"),
        ("adafactor/dense_kernel_velocity", (5, 2), "float64"),
        # A bias is not factored: Keras keeps a 0-d int32 placeholder for each moment.
        ("bias", (), "int32"), ("bias", (), "int32"),
        ("adafactor/dense_bias_velocity", (2,), "float64"),
    ]


def test_adafactor_first_step_on_a_matrix():
    lr, eps_1, eps_2 = 0.1, 1e-30, 1e-3
    w = variable([[0.5, -1.0, 2.0], [0.0, 1.0, -0.5]])
    g = np.array([[0.2, -0.4, 0.1], [1.0, 0.3, -0.2]])
    start = w.value.copy()
    optimizer = optimizers.Adafactor(lr)
    apply(optimizer, w, g)
    q = g ** 2 + eps_1
    r, c = q.mean(axis=1), q.mean(axis=0)  # t = 1: beta = 1 - 1^decay = 0, the moments are q's
    v = np.outer(r / r.mean(), c)
    u = g / np.sqrt(v)
    u /= max(1.0, np.sqrt(np.mean(u ** 2)))
    alpha = max(eps_2, np.sqrt(np.mean(start ** 2))) * min(lr, 1.0)
    np.testing.assert_allclose(w.value, start - alpha * u, rtol=1e-14)
    np.testing.assert_allclose(optimizer.variables[2], r)
    np.testing.assert_allclose(optimizer.variables[3], c)
    np.testing.assert_allclose(optimizer.variables[4], v)


def test_adafactor_decays_a_vectors_second_moment_by_one_minus_t_to_the_decay():
    g1, g2 = np.array([0.5, -2.0]), np.array([1.0, 0.1])
    w = variable([0.0, 0.0], "bias")
    optimizer = optimizers.Adafactor(0.01, epsilon_1=0.0, epsilon_2=0.5)
    apply(optimizer, w, g1, g2)
    beta = 1 - 2.0 ** -0.8
    v = beta * g1 ** 2 + (1 - beta) * g2 ** 2
    np.testing.assert_allclose(optimizer.variables[4], v)
    u = g2 / np.sqrt(v)
    # w is at its first step's -0.005 * sign(g1): rms(w) < epsilon_2, so alpha = epsilon_2 * lr.
    expected_first = -0.5 * 0.01 * np.sign(g1)
    clipped = u / max(1, np.sqrt(np.mean(u ** 2)))
    np.testing.assert_allclose(w.value, expected_first - 0.5 * 0.01 * clipped)


def test_adafactor_clips_the_update_to_the_clip_threshold_in_rms():
    """A gradient far above its running average makes a large u; its rms is cut to the threshold."""
    w = variable([1.0, 1.0, 1.0, 1.0], "bias")
    optimizer = optimizers.Adafactor(0.1, clip_threshold=0.5)
    apply(optimizer, w, [0.01, 0.01, 0.01, 0.01])
    before = w.value.copy()
    apply(optimizer, w, [10.0, 0.01, 0.01, 0.01])
    alpha = np.sqrt(np.mean(before ** 2)) * min(0.1, 1 / np.sqrt(2))
    assert np.sqrt(np.mean((before - w.value) ** 2)) == pytest.approx(alpha * 0.5, rel=1e-12)


@pytest.mark.parametrize("relative_step", [True, False])
def test_adafactor_caps_the_step_size_at_one_over_root_t_whatever_relative_step_says(relative_step):
    """Keras takes ``min(lr, 1 / sqrt(t))`` for every step, so ``relative_step`` changes nothing."""
    results = []
    for learning_rate in (2.0, 5.0):  # both above 1/sqrt(t) = 1, then 0.71
        w = variable([1.0, -1.0])
        optimizer = optimizers.Adafactor(learning_rate, relative_step=relative_step)
        apply(optimizer, w, [0.5, 0.5], [0.2, -0.1])
        results.append(w.value)
    np.testing.assert_array_equal(results[0], results[1])
    assert optimizers.Adafactor(relative_step=relative_step).get_config()["relative_step"] is (
        relative_step)


def test_adafactor_keeps_float32_variables_float32():
    keras.config.set_floatx("float32")
    kernel = Variable(np.ones((4, 3), np.float32), name="kernel")
    bias = Variable(np.ones(3, np.float32), name="bias")
    optimizer = optimizers.Adafactor(0.01)
    optimizer.apply([np.full((4, 3), 0.5, np.float32), np.full(3, 0.5, np.float32)], [kernel, bias])
    assert kernel.value.dtype == bias.value.dtype == np.float32
    assert [np.asarray(v).dtype for v in optimizer.variables[2:]] == [np.float32] * 3 + [
        np.int32, np.int32, np.float32]
    np.testing.assert_allclose(kernel.value, 1 - 0.01, rtol=1e-6)


# ----------------------------------------------------------------------------- shared behaviour
@pytest.mark.parametrize("cls", [optimizers.Lion, optimizers.Lamb, optimizers.Adafactor])
def test_weight_decay_is_all_that_a_zero_gradient_changes(cls):
    w = apply(cls(learning_rate=0.1, weight_decay=0.5), variable([2.0, -1.0]), [0.0, 0.0])
    np.testing.assert_allclose(w, [2.0 * 0.95, -1.0 * 0.95], rtol=1e-12)


def test_ftrl_uses_the_decayed_weight_in_its_linear_term():
    decayed, plain = variable([1.0, 2.0]), variable([0.95, 1.9])
    apply(optimizers.Ftrl(0.1, weight_decay=0.5), decayed, [0.5, -0.5])
    apply(optimizers.Ftrl(0.1), plain, [0.5, -0.5])
    np.testing.assert_allclose(decayed.value, plain.value, rtol=1e-14)


@pytest.mark.parametrize("cls, per_variable", [
    (optimizers.Lion, 1), (optimizers.Lamb, 2), (optimizers.Ftrl, 2), (optimizers.Adafactor, 3),
])
def test_variable_count(cls, per_variable):
    optimizer = cls()
    assert len(optimizer.variables) == 2  # iteration and learning rate before the first step
    optimizer.build([variable(np.ones((2, 3))), variable(np.ones(3), "bias")])
    assert len(optimizer.variables) == 2 + 2 * per_variable


def test_element_wise_rules_update_in_blocks_and_the_others_whole():
    assert optimizers.Lion.updates_in_blocks and optimizers.Ftrl.updates_in_blocks
    # Lamb's norms and Adafactor's means are over the whole variable.
    assert not optimizers.Lamb.updates_in_blocks and not optimizers.Adafactor.updates_in_blocks


@pytest.mark.parametrize("cls, kwargs, argument", [
    (optimizers.Lion, {"beta_1": 0.0}, "beta_1"),
    (optimizers.Lion, {"beta_1": 1.1}, "beta_1"),
    (optimizers.Lion, {"beta_2": -0.5}, "beta_2"),
    (optimizers.Lamb, {"beta_1": 1.0}, "beta_1"),
    (optimizers.Lamb, {"beta_2": "high"}, "beta_2"),
    (optimizers.Lamb, {"epsilon": -1e-7}, "epsilon"),
    (optimizers.Ftrl, {"learning_rate_power": 0.5}, "learning_rate_power"),
    (optimizers.Ftrl, {"initial_accumulator_value": -0.1}, "initial_accumulator_value"),
    (optimizers.Ftrl, {"l1_regularization_strength": -1.0}, "l1_regularization_strength"),
    (optimizers.Ftrl, {"l2_regularization_strength": None}, "l2_regularization_strength"),
    (optimizers.Ftrl, {"l2_shrinkage_regularization_strength": -1.0},
     "l2_shrinkage_regularization_strength"),
    (optimizers.Ftrl, {"beta": float("nan")}, "beta"),
    (optimizers.Adafactor, {"beta_2_decay": 0.8}, "beta_2_decay"),
    (optimizers.Adafactor, {"epsilon_1": -1.0}, "epsilon_1"),
    (optimizers.Adafactor, {"epsilon_2": "small"}, "epsilon_2"),
    (optimizers.Adafactor, {"clip_threshold": 0.0}, "clip_threshold"),
    (optimizers.Adafactor, {"learning_rate": -0.1}, "learning_rate"),
    (optimizers.Lion, {"clipnorm": 1.0, "clipvalue": 1.0}, "clipnorm"),
    (optimizers.Lamb, {"weight_decay": -0.1}, "weight_decay"),
    (optimizers.Ftrl, {"momentum": 0.9}, "momentum"),
])
def test_bad_arguments_raise_value_error_naming_them(cls, kwargs, argument):
    with pytest.raises(ValueError, match=argument):
        cls(**kwargs)


@pytest.mark.parametrize("cls", NEW_CLASSES)
def test_ema_loss_scaling_and_accumulation_arguments_are_taken(cls):
    config = cls(use_ema=True, ema_momentum=0.9, ema_overwrite_frequency=5, loss_scale_factor=4.0,
                 gradient_accumulation_steps=2).get_config()
    assert {key: config[key] for key in ("use_ema", "ema_momentum", "ema_overwrite_frequency",
                                         "loss_scale_factor", "gradient_accumulation_steps")} == {
        "use_ema": True, "ema_momentum": 0.9, "ema_overwrite_frequency": 5,
        "loss_scale_factor": 4.0, "gradient_accumulation_steps": 2}


@pytest.mark.parametrize("cls", NEW_CLASSES)
def test_config_round_trip(cls):
    optimizer = cls(learning_rate=0.25, clipnorm=2.0, weight_decay=0.01, name="opt")
    config = optimizer.get_config()
    rebuilt = cls.from_config(config)
    assert type(rebuilt) is cls
    assert rebuilt.get_config() == config
    assert config["learning_rate"] == 0.25 and config["clipnorm"] == 2.0


@pytest.mark.parametrize("cls, arguments", [
    (optimizers.Lion, {"beta_1": 0.5, "beta_2": 0.8}),
    (optimizers.Lamb, {"beta_1": 0.5, "beta_2": 0.8, "epsilon": 1e-3}),
    (optimizers.Ftrl, {"learning_rate_power": -0.3, "initial_accumulator_value": 0.2,
                       "l1_regularization_strength": 0.1, "l2_regularization_strength": 0.2,
                       "l2_shrinkage_regularization_strength": 0.3, "beta": 0.5}),
    (optimizers.Adafactor, {"beta_2_decay": -0.5, "epsilon_1": 1e-20, "epsilon_2": 1e-2,
                            "clip_threshold": 2.0, "relative_step": False}),
])
def test_configs_hold_the_base_arguments_then_the_rules_own(cls, arguments):
    config = cls(learning_rate=0.5, name="opt", **arguments).get_config()
    base = optimizers.SGD(learning_rate=0.5, name="opt").get_config()
    del base["momentum"], base["nesterov"]
    assert config == {**base, **arguments}
    assert list(config)[:len(base)] == list(base)


@pytest.mark.parametrize("name, cls", [
    ("lion", optimizers.Lion), ("lamb", optimizers.Lamb), ("ftrl", optimizers.Ftrl),
    ("adafactor", optimizers.Adafactor), ("Lion", optimizers.Lion),
    ("Adafactor", optimizers.Adafactor),
])
def test_get_by_name(name, cls):
    assert type(optimizers.get(name)) is cls
    assert optimizers.get(name, learning_rate=0.5).learning_rate == 0.5
    rebuilt = optimizers.deserialize(optimizers.serialize(cls(0.3)))
    assert type(rebuilt) is cls and rebuilt.learning_rate == pytest.approx(0.3)


def test_default_names_are_snake_case_class_names():
    assert [cls().name for cls in NEW_CLASSES] == ["lion", "lamb", "ftrl", "adafactor"]


# ----------------------------------------------------------------------------- with a model
def regression_data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3))
    return x, x @ np.array([[1.0], [-2.0], [0.5]]) + 0.3


@pytest.mark.parametrize("name, learning_rate", [
    ("lion", 0.02), ("lamb", 0.05), ("ftrl", 1.0), ("adafactor", 0.1)])
def test_every_optimizer_trains_a_model(name, learning_rate):
    x, y = regression_data()
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((3,)), layers.Dense(4), layers.Dense(1)])
    model.compile(optimizer=name, loss="mse", lr=learning_rate)
    assert type(model.optimizer).__name__.lower() == name
    history = model.fit(x, y, epochs=20, batch_size=16, shuffle=False, verbose=0)
    assert history.history["loss"][-1] < 0.3 * history.history["loss"][0]
    assert model.optimizer.iterations == 20 * 4


@pytest.mark.parametrize("cls", NEW_CLASSES)
def test_saved_state_resumes_training_exactly(cls):
    grads = [np.full((2, 3), 0.5), np.linspace(-1.0, 1.0, 3)]

    def weights():
        return [variable(np.arange(6.0).reshape(2, 3) / 6), variable(np.ones(3), "bias")]

    straight = weights()
    reference = cls(0.1)
    for _ in range(4):
        reference.apply(grads, straight)

    resumed = weights()
    first = cls(0.1)
    for _ in range(2):
        first.apply(grads, resumed)
    store = {}
    first.save_own_variables(store)
    second = cls(0.1)
    second.build(resumed)
    second.load_own_variables(store)
    assert second.iterations == 2
    for _ in range(2):
        second.apply(grads, resumed)
    for a, b in zip(straight, resumed):
        np.testing.assert_array_equal(a.value, b.value)
    for a, b in zip(reference.variables, second.variables):
        np.testing.assert_array_equal(a, b)
