"""Model features with Keras's semantics: pop, a Sequential inside a Sequential, frozen layers,
summary's totals, and ``model.loss`` as compile received it. The reference tests
(tests/reference/test_keras_fit_options.py) compare the same features with Keras itself."""

import numpy as np
import pytest

import handkeras as keras
from handkeras import layers
from handkeras.utils import gradient_check
from summary_text import summary_lines, summary_rows


def regression_data(rows=12, inputs=3, outputs=2, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(rows, inputs)), rng.normal(size=(rows, outputs))


def stack(inputs=3):
    return keras.Sequential([keras.Input((inputs,)), layers.Dense(5, activation="tanh"),
                             layers.Dense(4, activation="relu"), layers.Dense(2)])


def nested():
    inner = keras.Sequential([layers.Dense(5, activation="tanh"), layers.Dense(4, activation="sigmoid")],
                             name="inner")
    return keras.Sequential([keras.Input((3,)), layers.Dense(6, activation="relu"), inner,
                             layers.Dense(2)])


def unchanged(values, model_weights):
    return all(np.array_equal(before, w.numpy()) for before, w in zip(values, model_weights))


# ------------------------------------------------------------------------------------- pop
def test_pop_removes_the_last_layer_and_its_weights():
    model = stack()
    last = model.layers[-1]
    assert model.pop() is last
    assert model.layers[-1].name == "dense_1" and len(model.layers) == 2
    assert not any(w is last.weights[0] for w in model.weights)
    assert model.output_shape == (None, 4)
    assert model.predict(np.zeros((3, 3)), verbose=0).shape == (3, 4)
    assert model.count_params() == 3 * 5 + 5 + 5 * 4 + 4


def test_pop_then_a_new_head_trains_after_a_new_compile():
    x, _ = regression_data()
    y = np.random.default_rng(1).normal(size=(12, 3))
    model = stack()
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, np.zeros((12, 2)), verbose=0)
    model.pop()
    model.add(layers.Dense(3, name="head"))
    assert model.output_shape == (None, 3)
    # As in Keras, the optimizer only updates the variables it was built for: compile again.
    before = [w.numpy() for w in model.weights]
    with pytest.raises(ValueError, match="Unknown variable"):
        model.fit(x, y, verbose=0)
    assert unchanged(before, model.weights)
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(x, y, epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert not unchanged(before, model.weights)


@pytest.mark.parametrize("with_input", [True, False])
def test_popping_every_layer_unbuilds_and_the_next_layer_builds_for_the_same_input(with_input):
    model = keras.Sequential(([keras.Input((3,))] if with_input else []) + [layers.Dense(4)])
    model.predict(np.zeros((2, 3)), verbose=0)
    model.pop()
    assert not model.built and model.layers == []
    model.add(layers.Dense(6))
    assert model.built and model.output_shape == (None, 6)
    assert model.layers[0].kernel.shape == (3, 6)


def test_pop_of_an_empty_model_is_an_index_error():
    with pytest.raises(IndexError, match="has no layers to pop"):
        keras.Sequential().pop()


# ------------------------------------------------------------------------------------- nested models
def test_an_inner_model_contributes_its_weights_in_place():
    model = nested()
    inner = model.layers[1]
    first, head = model.layers[0], model.layers[2]
    assert [w.path for w in model.weights] == [w.path for w in first.weights + inner.weights
                                                + head.weights]
    assert model.trainable_weights == model.weights
    assert len(inner.weights) == 4 and inner.built and inner.input_shape == (None, 6)


def test_inference_through_an_inner_model_composes_its_layers():
    model = nested()
    x, _ = regression_data()
    first, inner, head = model.layers
    expected = head(inner.layers[1](inner.layers[0](first(x))))
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-6)
    np.testing.assert_allclose(inner.predict(first(x), verbose=0), inner(first(x)), rtol=1e-6)


@pytest.mark.parametrize("depth", [1, 2])
def test_gradients_flow_through_inner_models(float64, depth):
    model = nested()
    if depth == 2:
        wrapped = keras.Sequential([model.layers[1]], name="wrapper")
        model = keras.Sequential([keras.Input((3,)), layers.Dense(6, activation="relu"), wrapped,
                                  layers.Dense(2, activation="softmax")])
    model.compile(loss="categorical_crossentropy")
    x = np.random.default_rng(2).normal(size=(5, 3))
    y = np.eye(2)[[0, 1, 1, 0, 1]]
    checked = gradient_check.model_gradients(model, x, y)
    assert len(checked) == len(model.trainable_weights) == 8
    for analytic, numeric in checked:
        np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9)


def test_fit_trains_the_inner_model_and_it_still_works_alone():
    model = nested()
    model.compile(optimizer="adam", loss="mse")
    inner = model.layers[1]
    before = [w.numpy() for w in inner.weights]
    x, y = regression_data()
    history = model.fit(x, y, epochs=5, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert not any(np.array_equal(b, w.numpy()) for b, w in zip(before, inner.weights))
    assert inner.predict(np.zeros((2, 6)), verbose=0).shape == (2, 4)


def test_an_inner_model_is_one_row_of_the_summary():
    model = nested()
    rows = summary_rows(model)
    assert ["inner (Sequential)", "(None, 4)", str(6 * 5 + 5 + 5 * 4 + 4)] in rows
    assert not any(row[0].startswith("dense_1 (Dense)") for row in rows)
    expanded = summary_rows(model, expand_nested=True)
    assert expanded.index(["inner (Sequential)", "(None, 4)", "59"]) + 1 == expanded.index(
        ["└ dense (Dense)", "(None, 5)", "35"])


# ------------------------------------------------------------------------------------- frozen layers
@pytest.mark.parametrize("optimizer", [
    lambda: keras.optimizers.Adam(learning_rate=0.05, weight_decay=0.1),
    lambda: keras.optimizers.AdamW(learning_rate=0.05, weight_decay=0.5),
    lambda: keras.optimizers.SGD(learning_rate=0.1, momentum=0.9, weight_decay=0.05),
    lambda: keras.optimizers.RMSprop(learning_rate=0.01, centered=True),
], ids=["adam_weight_decay", "adamw", "sgd_momentum_weight_decay", "rmsprop"])
def test_frozen_layers_keep_their_weights_bit_for_bit(optimizer):
    model = stack()
    model.layers[1].trainable = False
    frozen = [w.numpy() for w in model.layers[1].weights]
    trained = [w.numpy() for w in model.layers[0].weights + model.layers[2].weights]
    model.compile(optimizer=optimizer(), loss="mse")
    x, y = regression_data()
    model.fit(x, y, batch_size=4, epochs=3, verbose=0)
    assert unchanged(frozen, model.layers[1].weights)
    # the gradient still flows through the frozen layer to the one before it
    assert not any(np.array_equal(b, w.numpy()) for b, w in zip(
        trained, model.layers[0].weights + model.layers[2].weights))


def test_frozen_weights_are_non_trainable_and_get_no_gradient():
    model = stack()
    model.layers[0].trainable = False
    assert model.trainable_weights == model.layers[1].weights + model.layers[2].weights
    assert model.non_trainable_weights == model.layers[0].weights
    model.compile(loss="mse")
    x, y = regression_data()
    _, gradients = model.compute_gradients(x, y)
    assert [g.shape for g in gradients] == [w.shape for w in model.trainable_weights]


def test_a_frozen_inner_model_freezes_all_its_layers():
    model = nested()
    inner = model.layers[1]
    inner.trainable = False
    assert not any(layer.trainable for layer in inner.layers)
    assert len(model.trainable_weights) == 4 and model.non_trainable_weights == inner.weights
    frozen = [w.numpy() for w in inner.weights]
    model.compile(optimizer="adam", loss="mse")
    model.fit(*regression_data(), epochs=2, verbose=0)
    assert unchanged(frozen, inner.weights)


def test_a_frozen_batch_normalization_runs_in_inference_mode():
    model = keras.Sequential([keras.Input((3,)), layers.Dense(4), layers.BatchNormalization(),
                              layers.Dense(2)])
    norm = model.layers[1]
    norm.trainable = False
    state = [w.numpy() for w in norm.weights]
    model.compile(optimizer="sgd", loss="mse")
    model.fit(*regression_data(), epochs=2, verbose=0)
    assert unchanged(state, norm.weights)  # gamma, beta and the moving statistics
    x = np.random.default_rng(3).normal(size=(6, 4))
    np.testing.assert_array_equal(norm.forward(x, training=True), norm.forward(x, training=False))


def test_freezing_takes_effect_at_the_next_fit_and_unfreezing_needs_a_new_compile():
    model = stack()
    model.compile(optimizer="adam", loss="mse")
    x, y = regression_data()
    model.fit(x, y, verbose=0)
    model.layers[0].trainable = False
    frozen = [w.numpy() for w in model.layers[0].weights]
    model.fit(x, y, verbose=0)
    assert unchanged(frozen, model.layers[0].weights)
    model.layers[0].trainable = True
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, verbose=0)
    assert not unchanged(frozen, model.layers[0].weights)


# ------------------------------------------------------------------------------------- summary
def test_summary_totals_count_trainable_non_trainable_and_optimizer_parameters():
    model = keras.Sequential([keras.Input((3,)), layers.Dense(4), layers.BatchNormalization(),
                              layers.Dense(2)])
    model.layers[0].trainable = False
    lines = summary_lines(model)
    # Dense 3->4: 16 frozen; BatchNormalization: 8 trainable (gamma, beta), 8 moving; Dense 4->2: 10
    assert "Total params: 42 (168.00 B)" in lines
    assert "Trainable params: 18 (72.00 B)" in lines
    assert "Non-trainable params: 24 (96.00 B)" in lines
    assert not any(line.startswith("Optimizer params") for line in lines)
    model.compile(optimizer="adam", loss="mse")
    model.fit(*regression_data(rows=4), verbose=0)
    lines = summary_lines(model)
    # Adam: the iteration count, the learning rate, and two slots per trainable weight
    assert "Optimizer params: 38 (152.00 B)" in lines
    assert "Total params: 80 (320.00 B)" in lines


# ------------------------------------------------------------------------------------- compile arguments
@pytest.mark.parametrize("loss", ["mse", "sparse_categorical_crossentropy",
                                  keras.losses.Huber(delta=2.0), keras.losses.mean_squared_error])
def test_model_loss_is_what_compile_was_given(loss):
    model = stack()
    model.compile(optimizer="sgd", loss=loss)
    assert model.loss is loss


def test_model_loss_is_none_before_compile_and_without_a_loss():
    model = stack()
    assert model.loss is None
    model.compile(optimizer="sgd")
    assert model.loss is None


def test_a_loss_name_survives_a_keras_file_round_trip(tmp_path):
    model = stack()
    model.compile(optimizer="sgd", loss="mse")
    model.save(tmp_path / "m.keras")
    assert keras.models.load_model(tmp_path / "m.keras").loss == "mse"
    model.compile(optimizer="sgd", loss=keras.losses.Huber(delta=2.0))
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras").loss
    assert isinstance(loaded, keras.losses.Huber) and loaded.get_config()["delta"] == 2.0


# ------------------------------------------------------------------------------------- variables and metrics
def test_variables_are_the_weights_as_keras_lists_them():
    model = keras.Sequential([keras.Input((3,)), layers.Dense(4), layers.BatchNormalization(name="bn"),
                              layers.Dense(2, name="head")], name="net")
    model.layers[2].trainable = False
    assert model.variables == model.weights and len(model.variables) == 8
    assert model.trainable_variables == model.trainable_weights
    assert [v.path for v in model.non_trainable_variables] == [
        w.path for w in model.non_trainable_weights] == [
        "net/bn/moving_mean", "net/bn/moving_variance", "net/head/kernel", "net/head/bias"]
    norm = model.layers[1]
    assert [v.name for v in norm.non_trainable_variables] == ["moving_mean", "moving_variance"]


def test_reset_metrics_zeroes_the_loss_tracker_and_the_compiled_metrics():
    x, y = regression_data()
    model = stack()
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    model.fit(x, y, epochs=1, verbose=0)
    assert all(metric.result() > 0 for metric in model.metrics)
    model.reset_metrics()
    assert [metric.result() for metric in model.metrics] == [0.0, 0.0]
    logs = model.fit(x, y, epochs=1, verbose=0).history
    assert logs["loss"][0] > 0 and logs["mae"][0] > 0
