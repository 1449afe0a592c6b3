"""Keras's optimizer extras, checked by hand: the moving average of the weights (``use_ema``,
``ema_momentum``, ``ema_overwrite_frequency``, ``finalize_variable_values``, ``SwapEMAWeights``),
gradient accumulation (``gradient_accumulation_steps``) and loss scaling (``loss_scale_factor``,
``scale_loss``)."""

import numpy as np
import pytest

import handkeras as keras
from handkeras import optimizers
from handkeras.optimizers.schedules import LearningRateSchedule


def variable(value, name="w"):
    return keras.Variable(np.array(value, dtype="float64"), name=name)


# ----------------------------------------------------------------------------- arguments
@pytest.mark.parametrize("kwargs, argument", [
    ({"use_ema": "yes"}, "use_ema"),
    ({"use_ema": True, "ema_momentum": 1.5}, "ema_momentum"),
    ({"use_ema": True, "ema_momentum": -0.1}, "ema_momentum"),
    ({"use_ema": True, "ema_overwrite_frequency": 0}, "ema_overwrite_frequency"),
    ({"use_ema": True, "ema_overwrite_frequency": 2.0}, "ema_overwrite_frequency"),
    ({"loss_scale_factor": 0.0}, "loss_scale_factor"),
    ({"loss_scale_factor": -2.0}, "loss_scale_factor"),
    ({"loss_scale_factor": "8"}, "loss_scale_factor"),
    ({"gradient_accumulation_steps": 1}, "gradient_accumulation_steps"),
    ({"gradient_accumulation_steps": 2.5}, "gradient_accumulation_steps"),
    ({"gradient_accumulation_steps": True}, "gradient_accumulation_steps"),
    ({"gradient_accumulation_steps": "3"}, "gradient_accumulation_steps"),
])
def test_bad_arguments_are_value_errors_naming_them(kwargs, argument):
    with pytest.raises(ValueError, match=f"Adam: `{argument}`"):
        optimizers.Adam(**kwargs)


def test_ema_arguments_are_checked_only_with_ema_as_in_keras():
    assert optimizers.SGD(ema_momentum=2.0).get_config()["ema_momentum"] == 2.0


def test_config_holds_the_arguments_and_rebuilds_the_optimizer():
    arguments = dict(use_ema=True, ema_momentum=0.9, ema_overwrite_frequency=4,
                     loss_scale_factor=16.0, gradient_accumulation_steps=3)
    config = optimizers.RMSprop(**arguments).get_config()
    assert {key: config[key] for key in arguments} == arguments
    rebuilt = optimizers.deserialize(optimizers.serialize(optimizers.RMSprop(**arguments)))
    assert {key: getattr(rebuilt, key) for key in arguments} == arguments


# ----------------------------------------------------------------------------- moving average
def test_average_starts_at_the_first_update_then_moves_by_ema_momentum():
    w = variable([1.0, 2.0])
    sgd = optimizers.SGD(learning_rate=1.0, use_ema=True, ema_momentum=0.75)
    sgd.apply([np.array([0.5, 0.5])], [w])
    (average,) = sgd._model_variables_moving_average
    np.testing.assert_array_equal(average.value, [0.5, 1.5])  # the weights after the update
    sgd.apply([np.array([1.0, -1.0])], [w])
    np.testing.assert_array_equal(w.value, [-0.5, 2.5])
    np.testing.assert_allclose(average.value, 0.75 * np.array([0.5, 1.5]) + 0.25 * w.value)


def test_averages_come_first_among_the_state_with_keras_paths():
    kernel, bias = variable(np.ones((2, 2)), "kernel"), variable(np.zeros(2), "bias")
    kernel.path, bias.path = "dense/kernel", "dense/bias"
    adam = optimizers.Adam(use_ema=True, gradient_accumulation_steps=2, name="adam")
    adam.build([kernel, bias])
    assert [v.path for v in adam.variables] == [
        "adam/iteration", "adam/learning_rate",
        "adam/dense_kernel_average", "adam/dense_bias_average",
        "adam/dense_kernel_gradient_accumulator", "adam/dense_bias_gradient_accumulator",
        "adam/dense_kernel_momentum", "adam/dense_kernel_velocity",
        "adam/dense_bias_momentum", "adam/dense_bias_velocity"]


def test_overwrite_frequency_gives_the_weights_their_averages_every_nth_update():
    w = variable([0.0])
    sgd = optimizers.SGD(learning_rate=1.0, use_ema=True, ema_momentum=0.5,
                         ema_overwrite_frequency=2)
    sgd.apply([np.array([-1.0])], [w])  # w = 1, average = 1
    sgd.apply([np.array([-1.0])], [w])  # w = 2, average = 1.5, then w = 1.5
    np.testing.assert_array_equal(w.value, [1.5])
    sgd.apply([np.array([-1.0])], [w])  # w = 2.5, average = 2, not overwritten
    np.testing.assert_array_equal(w.value, [2.5])


def test_finalize_variable_values_sets_the_averages_and_does_nothing_without_ema():
    w = variable([0.0])
    sgd = optimizers.SGD(learning_rate=1.0, use_ema=True, ema_momentum=0.5)
    for _ in range(2):
        sgd.apply([np.array([-1.0])], [w])
    sgd.finalize_variable_values([w])
    np.testing.assert_array_equal(w.value, [1.5])
    plain = optimizers.SGD(learning_rate=1.0)
    plain.apply([np.array([-1.0])], [w])
    plain.finalize_variable_values([w])
    np.testing.assert_array_equal(w.value, [2.5])


def test_finalize_with_other_variables_than_built_is_a_value_error():
    w = variable([0.0])
    sgd = optimizers.SGD(use_ema=True)
    sgd.apply([np.array([1.0])], [w])
    with pytest.raises(ValueError, match="1 moving averages"):
        sgd.finalize_variable_values([w, variable([1.0])])


def _regression_model(optimizer):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(optimizer=optimizer, loss="mse")
    return model


def _data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(20, 3)), rng.normal(size=(20, 2))


def test_fit_ends_with_the_averages_in_the_model_and_train_on_batch_does_not(float64):
    x, y = _data()
    model = _regression_model(optimizers.Adam(0.1, use_ema=True, ema_momentum=0.9))
    model.fit(x, y, batch_size=5, epochs=2, verbose=0)
    averages = model.optimizer._model_variables_moving_average
    for weight, average in zip(model.trainable_weights, averages):
        np.testing.assert_array_equal(weight.value, average.value)
    model.train_on_batch(x, y)
    assert not np.array_equal(model.trainable_weights[0].value, averages[0].value)


# ----------------------------------------------------------------------------- SwapEMAWeights
def test_swap_ema_weights_evaluates_with_the_averages_and_swaps_back(float64):
    x, y = _data()
    model = _regression_model(optimizers.SGD(0.1, use_ema=True, ema_momentum=0.5))
    model.train_on_batch(x, y)
    model.train_on_batch(x, y)
    weights = model.get_weights()
    averages = [a.numpy() for a in model.optimizer._model_variables_moving_average]
    swapped = model.evaluate(x, y, verbose=0, callbacks=[keras.callbacks.SwapEMAWeights()])
    for got, expected in zip(model.get_weights(), weights):
        np.testing.assert_array_equal(got, expected)
    model.set_weights(averages)
    assert swapped == model.evaluate(x, y, verbose=0)
    assert swapped != pytest.approx(_evaluated_with(model, weights, x, y))


def _evaluated_with(model, weights, x, y):
    model.set_weights(weights)
    return model.evaluate(x, y, verbose=0)


def test_swap_on_epoch_leaves_the_averages_in_the_model_after_fit(float64):
    x, y = _data()
    model = _regression_model(optimizers.SGD(0.1, use_ema=True, ema_momentum=0.5))
    seen = []
    recorder = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: seen.append(model.get_weights()[0].copy()))
    model.fit(x, y, batch_size=5, epochs=2, verbose=0,
              callbacks=[keras.callbacks.SwapEMAWeights(swap_on_epoch=True), recorder])
    averages = model.optimizer._model_variables_moving_average
    np.testing.assert_array_equal(seen[-1], averages[0].value)  # what a checkpoint would save
    np.testing.assert_array_equal(model.get_weights()[0], averages[0].value)


@pytest.mark.parametrize("use_ema, message", [(False, "use_ema=False"),
                                              (True, "no moving averages")])
def test_swap_ema_weights_needs_an_optimizer_with_averages(use_ema, message):
    x, y = _data()
    model = _regression_model(optimizers.SGD(use_ema=use_ema))
    with pytest.raises(ValueError, match=message):
        model.evaluate(x, y, verbose=0, callbacks=[keras.callbacks.SwapEMAWeights()])


# ----------------------------------------------------------------------------- accumulation
class RecordingSchedule(LearningRateSchedule):
    def __init__(self):
        self.steps = []

    def __call__(self, step):
        self.steps.append(int(step))
        return 0.5


def test_accumulation_applies_the_mean_every_nth_call_and_counts_updates():
    w = variable([0.0, 0.0])
    schedule = RecordingSchedule()
    sgd = optimizers.SGD(learning_rate=schedule, gradient_accumulation_steps=3)
    grads = [np.array([1.0, 2.0]), np.array([2.0, 4.0]), np.array([6.0, 0.0]), np.array([3.0, 3.0])]
    for call, grad in enumerate(grads[:2]):
        sgd.apply([grad], [w])
        np.testing.assert_array_equal(w.value, [0.0, 0.0])
        assert sgd.iterations == 0 and int(sgd.variables[0]) == call + 1
    (accumulator,) = sgd._accumulated_gradients
    np.testing.assert_array_equal(accumulator.value, [3.0, 6.0])
    sgd.apply([grads[2]], [w])
    np.testing.assert_array_equal(w.value, [-0.5 * 3.0, -0.5 * 2.0])  # the mean, (9, 6) / 3
    np.testing.assert_array_equal(accumulator.value, [0.0, 0.0])
    assert sgd.iterations == 1
    sgd.apply([grads[3]], [w])
    assert schedule.steps == [2]  # the schedule is read at the update, with the calls counted
    np.testing.assert_array_equal(accumulator.value, [3.0, 3.0])


def test_adam_s_bias_correction_counts_updates_not_calls():
    grads = [np.array([1.0]), np.array([3.0]), np.array([0.5]), np.array([1.5])]
    accumulating, w = optimizers.Adam(0.1, gradient_accumulation_steps=2), variable([1.0])
    plain, reference = optimizers.Adam(0.1), variable([1.0])
    for grad in grads:
        accumulating.apply([grad], [w])
    for mean in (np.array([2.0]), np.array([1.0])):
        plain.apply([mean], [reference])
    np.testing.assert_allclose(w.value, reference.value, rtol=1e-15)


def test_fit_counts_updates_and_trains_as_with_bigger_batches(float64):
    x, y = _data()
    small = _regression_model(optimizers.SGD(0.1, gradient_accumulation_steps=2))
    big = _regression_model(optimizers.SGD(0.1))
    big.set_weights(small.get_weights())
    small.fit(x, y, batch_size=5, epochs=2, shuffle=False, verbose=0)
    big.fit(x, y, batch_size=10, epochs=2, shuffle=False, verbose=0)
    assert small.optimizer.iterations == 4 and int(small.optimizer.variables[0]) == 8
    for got, expected in zip(small.get_weights(), big.get_weights()):
        np.testing.assert_allclose(got, expected, rtol=1e-12)


# ----------------------------------------------------------------------------- loss scaling
def test_apply_divides_the_gradients_by_the_loss_scale_factor():
    w = variable([1.0])
    optimizers.SGD(learning_rate=1.0, loss_scale_factor=4.0).apply([np.array([2.0])], [w])
    np.testing.assert_array_equal(w.value, [0.5])


def test_scale_loss_multiplies_by_the_factor():
    assert optimizers.Adam(loss_scale_factor=8.0).scale_loss(0.5) == 4.0
    assert optimizers.Adam().scale_loss(0.5) == 0.5


def test_fit_with_a_loss_scale_factor_reports_and_trains_as_without(float64):
    x, y = _data()
    scaled = _regression_model(optimizers.SGD(0.1, loss_scale_factor=1024.0))
    plain = _regression_model(optimizers.SGD(0.1))
    plain.set_weights(scaled.get_weights())
    assert not scaled.optimizer.takes_product_gradients
    scaled_history = scaled.fit(x, y, batch_size=5, epochs=2, shuffle=False, verbose=0)
    plain_history = plain.fit(x, y, batch_size=5, epochs=2, shuffle=False, verbose=0)
    assert scaled_history.history == plain_history.history
    for got, expected in zip(scaled.get_weights(), plain.get_weights()):
        np.testing.assert_array_equal(got, expected)  # a power of two scales exactly


# ----------------------------------------------------------------------------- saving
@pytest.mark.parametrize("filename", ["model.keras", "model.weights.h5"])
def test_averages_and_accumulators_are_saved_and_restored(tmp_path, filename, float64):
    x, y = _data()
    arguments = dict(use_ema=True, gradient_accumulation_steps=3)
    model = _regression_model(optimizers.Adam(0.1, **arguments))
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)  # 5 calls: mid-accumulation
    path = tmp_path / filename
    if filename.endswith(".keras"):
        model.save(path)
        loaded = keras.models.load_model(path)
    else:
        model.save_weights(path)
        loaded = _regression_model(optimizers.Adam(0.1, **arguments))
        loaded.load_weights(path)
    assert len(loaded.optimizer.variables) == len(model.optimizer.variables) == 2 + 2 * 2 + 2 * 2
    for got, expected in zip(loaded.optimizer.variables, model.optimizer.variables):
        np.testing.assert_array_equal(np.asarray(got), np.asarray(expected))
    assert np.any(np.asarray(loaded.optimizer._accumulated_gradients[0]))
