"""The Lambda layer (docs/small_layers.md, "Lambda"): a function of the input as a layer.

Its outputs, arguments, output shapes and masks as Keras gives them; training with a Lambda below
every trainable layer, and the refusal, before anything changes, of a training step that would need
a Lambda's gradient; configs and files, with Python lambdas loaded only when safe mode is off.
"""

import numpy as np
import pytest

import handkeras as keras
from handkeras import layers
from handkeras.saving import safe_mode


def rows(n, width=3, seed=0):
    return np.random.default_rng(seed).standard_normal((n, width)).astype(np.float32)


@keras.saving.register_keras_serializable(package="lambda_tests")
def doubled(x):
    return x * 2.0


def shifted(x, shift=1.0):
    return x + shift


@pytest.fixture
def unsafe_deserialization(monkeypatch):
    """``keras.config.enable_unsafe_deserialization()`` for one test (it holds for the process)."""
    monkeypatch.setattr(safe_mode, "_process_wide", None)
    keras.config.enable_unsafe_deserialization()


# ------------------------------------------------------------------------------------- computing
def test_the_output_is_the_function_of_the_input_with_its_arguments():
    x = rows(4)
    np.testing.assert_array_equal(layers.Lambda(lambda v: v * 2.0 + 1.0)(x), x * 2.0 + 1.0)
    layer = layers.Lambda(shifted, arguments={"shift": 5.0})
    np.testing.assert_array_equal(layer(x), x + 5.0)
    assert layer.arguments == {"shift": 5.0}


def test_numpy_functions_give_arrays_and_float_results_in_the_layer_dtype():
    x = rows(4)
    y = layers.Lambda(lambda v: v * np.float64(3.0))(x)  # numpy would promote to float64
    assert isinstance(y, np.ndarray) and y.dtype == np.float32
    np.testing.assert_array_equal(y, x * np.float32(3.0))
    ids = layers.Lambda(lambda v: np.argmax(v, axis=-1))(x)
    assert ids.dtype.kind == "i"  # a non-float result keeps its type, as in Keras
    np.testing.assert_array_equal(ids, np.argmax(x, axis=-1))
    listed = layers.Lambda(lambda v: v.tolist())(x)  # anything array-like becomes an array
    assert isinstance(listed, np.ndarray) and listed.dtype == np.float32


def test_a_lambda_runs_anywhere_in_predict_evaluate_and_model_calls():
    model = keras.Sequential([keras.Input((3,)), layers.Dense(4, use_bias=False),
                              layers.Lambda(lambda v: v ** 2), layers.Dense(1, use_bias=False)])
    model.compile(optimizer="sgd", loss="mse")
    kernel, head = (layer.kernel.numpy() for layer in (model.layers[0], model.layers[2]))
    x, y = rows(5), rows(5, width=1, seed=1)
    expected = (x @ kernel) ** 2 @ head
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-6)
    np.testing.assert_allclose(model(x), expected, rtol=1e-6)
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0), np.mean((expected - y) ** 2),
                               rtol=1e-5)


def test_the_function_gets_training_and_mask_when_its_signature_names_them():
    seen = []

    def recorder(x, training=None):
        seen.append(training)
        return x

    model = keras.Sequential([keras.Input((3,)), layers.Lambda(recorder), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    # building inferred the output shape by running the function on two batch sizes, once
    assert seen == [False, False]
    model.fit(rows(4), rows(4, width=1), batch_size=4, verbose=0)
    model.predict(rows(4), verbose=0)
    assert seen == [False, False, True, False]

    masks = []

    def mask_reader(x, mask=None):
        masks.append(mask)
        return x

    model = keras.Sequential([keras.Input((4,)), layers.Embedding(5, 2, mask_zero=True),
                              layers.Lambda(mask_reader, mask=lambda inputs, mask: mask)])
    masks.clear()
    model.predict(np.array([[1, 2, 0, 0]]), verbose=0)
    np.testing.assert_array_equal(masks[0], [[True, True, False, False]])
    # a function without those parameters is called with the input (and arguments) alone
    layers.Lambda(lambda x: x)(rows(2), training=True)


def test_inference_writes_nothing_to_the_layer():
    layer = layers.Lambda(lambda v: v + 1.0)
    model = keras.Sequential([keras.Input((3,)), layer])
    before = dict(vars(layer))
    model.predict(rows(4), verbose=0)
    layer.forward(rows(4), training=True)  # nor training: there is no backward to keep it for
    assert vars(layer).keys() == before.keys()
    assert all(vars(layer)[key] is value for key, value in before.items())


# ------------------------------------------------------------------------------------- shapes
def test_output_shape_as_a_tuple_without_the_batch_axis_or_a_function_of_the_input_shape():
    assert layers.Lambda(lambda v: v[:, :2], output_shape=(2,)).compute_output_shape(
        (None, 3)) == (None, 2)
    assert layers.Lambda(lambda v: v, output_shape=[3]).compute_output_shape((7, 3)) == (7, 3)
    by_function = layers.Lambda(lambda v: v.sum(-1), output_shape=lambda shape: shape[:-1])
    assert by_function.compute_output_shape((None, 4, 3)) == (None, 4)
    model = keras.Sequential([keras.Input((4, 3)), by_function])
    assert model.output_shape == (None, 4)


@pytest.mark.parametrize("function,input_shape,expected", [
    (lambda v: v * 2.0, (None, 3), (None, 3)),
    (lambda v: v.reshape(-1, 6), (None, 2, 3), (None, 6)),
    (lambda v: np.expand_dims(v, -1), (None, 28, 28), (None, 28, 28, 1)),
    (lambda v: v[:, :2], (None, None, 3), (None, 2, 3)),
    (lambda v: v.mean(axis=1), (None, None, 3), (None, 3)),
    (lambda v: v.sum(axis=0), (None, 3), (3,)),
    (lambda v: np.log(v - 1.0), (None, 3), (None, 3)),  # -inf on ones, without a warning
])
def test_output_shape_is_inferred_by_running_the_function(function, input_shape, expected):
    assert layers.Lambda(function).compute_output_shape(input_shape) == expected


def test_a_shape_the_function_cannot_be_run_for_asks_for_output_shape():
    def needs_a_matrix(v):
        return v @ np.ones((5, 2))

    layer = layers.Lambda(needs_a_matrix, name="projector")
    with pytest.raises(NotImplementedError, match=r"^We could not automatically infer the shape "
                       r"of the Lambda's output\. Please specify the `output_shape` argument for "
                       r"this Lambda layer\. \(Lambda 'projector': ValueError"):
        keras.Sequential([keras.Input((3,)), layer])
    model = keras.Sequential([keras.Input((5,)), layers.Lambda(needs_a_matrix)])
    assert model.output_shape == (None, 2)


# ------------------------------------------------------------------------------------- masks
def test_without_mask_a_lambda_drops_the_mask_with_keras_warning():
    layer = layers.Lambda(lambda v: v, name="plain")
    assert layer.supports_masking is False
    model = keras.Sequential([keras.Input((4,)), layers.Embedding(5, 2, mask_zero=True), layer])
    with pytest.warns(UserWarning, match="'plain'.*does not support masking"):
        _, mask, _ = model.forward_details(np.array([[1.0, 2.0, 0.0, 0.0]]))
    assert mask is None


def test_mask_as_a_function_of_inputs_and_mask_or_as_a_fixed_mask():
    x = np.array([[1.0, 2.0, 0.0, 0.0]], np.float32)
    embedded = [layers.Embedding(5, 2, mask_zero=True)]
    inverted = layers.Lambda(lambda v: v, mask=lambda inputs, mask: ~mask)
    assert inverted.supports_masking
    model = keras.Sequential([keras.Input((4,)), *embedded, inverted])
    np.testing.assert_array_equal(model.forward_details(x)[1], [[False, False, True, True]])
    from_inputs = layers.Lambda(lambda v: v, mask=lambda inputs, mask: inputs > 1.5)
    model = keras.Sequential([keras.Input((4,)), from_inputs])
    np.testing.assert_array_equal(model.forward_details(x)[1], [[False, True, False, False]])
    fixed = layers.Lambda(lambda v: v, mask=np.array([True, False, True, False]))
    model = keras.Sequential([keras.Input((4,)), fixed])
    np.testing.assert_array_equal(model.forward_details(x)[1], [True, False, True, False])


# ------------------------------------------------------------------------------------- training
def test_a_leading_lambda_trains_as_the_model_without_it_on_transformed_data():
    images = np.random.default_rng(0).integers(0, 256, (12, 4, 4)).astype(np.float32)
    targets = np.random.default_rng(1).standard_normal((12, 2)).astype(np.float32)
    preprocessed = keras.Sequential([
        keras.Input((4, 4)), layers.Lambda(lambda v: v / 255.0),
        layers.Lambda(lambda v: np.expand_dims(v, -1)), layers.Conv2D(2, 2),
        layers.BatchNormalization(), layers.Flatten(), layers.Dense(2)])
    plain = keras.Sequential([keras.Input((4, 4, 1)), layers.Conv2D(2, 2),
                              layers.BatchNormalization(), layers.Flatten(), layers.Dense(2)])
    plain.set_weights(preprocessed.get_weights())
    for model in (preprocessed, plain):
        model.compile(optimizer="adam", loss="mse")
    history = preprocessed.fit(images, targets, batch_size=4, epochs=3, shuffle=False, verbose=0)
    expected = plain.fit(np.expand_dims(images / 255.0, -1), targets, batch_size=4, epochs=3,
                         shuffle=False, verbose=0)
    assert history.history["loss"] == expected.history["loss"]
    for trained, reference in zip(preprocessed.get_weights(), plain.get_weights()):
        np.testing.assert_array_equal(trained, reference)


def test_a_lambda_below_frozen_layers_trains_too():
    model = keras.Sequential([keras.Input((3,)), layers.Dense(3, trainable=False),
                              layers.Lambda(lambda v: v * 2.0), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    frozen = model.layers[0].get_weights()
    model.fit(rows(8), rows(8, width=1), verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(frozen, model.layers[0].get_weights()))


def test_training_that_needs_a_lambda_gradient_is_refused_before_anything_changes():
    model = keras.Sequential([
        keras.Input((3,)), layers.Dense(4), layers.BatchNormalization(),
        layers.Lambda(lambda v: v ** 2, name="squares"), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    x, y = rows(8), rows(8, width=1)
    model.evaluate(x, y, verbose=0)
    before, metric_state = model.get_weights(), model.metrics[1].result()
    message = (r"Lambda 'squares' has no `backward`: handkeras differentiates by hand.*Put the "
               r"Lambda below every layer with trainable weights.*or write a Layer with `forward` "
               r"and `backward` \(see docs/layers.md, 'Writing your own layer'\)")
    for train in (lambda: model.fit(x, y, epochs=2, verbose=0),
                  lambda: model.train_on_batch(x, y),
                  lambda: model.compute_gradients(x, y)):
        with pytest.raises(NotImplementedError, match=message):
            train()
    # the BatchNormalization's moving statistics are weights: none moved, nor did the optimizer
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    assert int(model.optimizer.iterations) == 0
    assert model.metrics[1].result() == metric_state


@pytest.mark.parametrize("wrap", [
    lambda lam: keras.Sequential([layers.Dense(2), lam]),
    lambda lam: layers.TimeDistributed(lam),
])
def test_a_lambda_needing_a_gradient_inside_a_nested_model_or_wrapper_is_refused(wrap):
    inner = wrap(layers.Lambda(lambda v: v * 2.0, name="inner"))
    model = keras.Sequential([keras.Input((2, 2)), layers.Dense(2), inner, layers.Flatten(),
                              layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    before = model.get_weights()
    with pytest.raises(NotImplementedError, match="Lambda 'inner' has no `backward`"):
        model.fit(np.ones((4, 2, 2)), np.ones((4, 1)), verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_a_custom_layer_without_backward_is_refused_before_batch_normalization_moves():
    class ForwardOnly(layers.Layer):
        def forward(self, x, training=False):
            return x * 2

    model = keras.Sequential([keras.Input((3,)), layers.Dense(3), layers.BatchNormalization(),
                              ForwardOnly(name="twice"), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    before = model.get_weights()
    with pytest.raises(NotImplementedError, match="ForwardOnly 'twice' defines no `backward`"):
        model.train_on_batch(rows(4), rows(4, width=1))
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


# ------------------------------------------------------------------------------------- arguments
def test_bad_arguments_are_named():
    with pytest.raises(TypeError, match=r"Lambda 'bad': `function` must be callable, received 3"):
        layers.Lambda(3, name="bad")
    with pytest.raises(TypeError, match=r"`arguments` must be a dict .* received \[1\]"):
        layers.Lambda(shifted, arguments=[1])
    with pytest.raises(ValueError, match=r"`output_shape` must be a tuple of integers"):
        layers.Lambda(shifted, output_shape="3")


# ------------------------------------------------------------------------------------- config
def test_a_named_function_is_saved_by_its_name_as_keras_writes_it():
    config = layers.Lambda(shifted, name="shift", arguments={"shift": 2.0}).get_config()
    assert config == {
        "name": "shift", "trainable": True,
        "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
                  "registered_name": None},
        "function": {"module": "builtins", "class_name": "function", "config": "shifted",
                     "registered_name": "function"},
        "arguments": {"shift": 2.0}}
    assert layers.Lambda(doubled).get_config()["function"]["config"] == "lambda_tests>doubled"
    restored = layers.Lambda.from_config(config, custom_objects={"shifted": shifted})
    assert restored.function is shifted and restored.arguments == {"shift": 2.0}
    assert layers.Lambda.from_config(layers.Lambda(doubled).get_config()).function is doubled
    relu = layers.Lambda.from_config({**config, "function": "relu", "arguments": {}})
    np.testing.assert_array_equal(relu(np.array([[-1.0, 2.0]])), [[0.0, 2.0]])
    with pytest.raises(TypeError, match=r"Could not locate function 'shifted'.*"
                                        r"custom_objects=\{'shifted': shifted\}"):
        layers.Lambda.from_config(config)


def test_a_python_lambda_is_saved_as_its_bytecode_defaults_and_closure():
    offset = 4.0
    layer = layers.Lambda(lambda v, scale=3.0: v * scale + offset, output_shape=(3,),
                          mask=np.array([True, False, True]), arguments={"scale": 2.0})
    config = layer.get_config()
    function = config["function"]
    assert function["class_name"] == "__lambda__"
    assert set(function["config"]) == {"code", "defaults", "closure"}
    assert function["config"]["defaults"] == (3.0,) and function["config"]["closure"] == (4.0,)
    assert config["output_shape"] == (3,)
    assert config["mask"] == {"class_name": "__numpy__",
                              "config": {"value": [True, False, True], "dtype": "bool"}}
    restored = layers.Lambda.from_config(config, safe_mode=False)
    np.testing.assert_array_equal(restored(np.ones((1, 3))), [[6.0, 6.0, 6.0]])
    np.testing.assert_array_equal(restored.mask, [True, False, True])
    assert restored.function.__code__.co_code == layer.function.__code__.co_code
    assert without_code(restored.get_config()) == without_code(config)


def without_code(config):
    """A Lambda config without its lambdas' marshalled code, whose bytes vary with the objects'
    reference counts (a reloaded lambda marshals differently)."""
    return {key: {**value, "config": {**value["config"], "code": None}}
            if isinstance(value, dict) and value.get("class_name") == "__lambda__" else value
            for key, value in config.items()}


def test_python_lambdas_load_only_with_safe_mode_off(unsafe_deserialization):
    config = layers.Lambda(lambda v: v + 1.0).get_config()
    assert layers.Lambda.from_config(config)(np.zeros((1, 1))) == 1.0  # enabled process-wide


@pytest.mark.parametrize("key,value", [
    ("function", lambda v: v),
    ("output_shape", lambda shape: shape),
    ("mask", lambda inputs, mask: mask),
])
def test_every_python_lambda_of_a_config_is_refused_in_safe_mode(key, value):
    arguments = {"function": shifted, key: value}
    config = layers.Lambda(**arguments).get_config()
    with pytest.raises(ValueError, match=r"^Requested the deserialization of a `Lambda` layer "
                                         r"whose `function` is a Python lambda\."):
        layers.Lambda.from_config(config, custom_objects={"shifted": shifted})
    restored = layers.Lambda.from_config(config, custom_objects={"shifted": shifted},
                                         safe_mode=False)
    assert callable(getattr(restored, "_output_shape" if key == "output_shape" else key))


@pytest.mark.parametrize("filename", ["model.keras", "model.h5"])
def test_models_with_a_python_lambda_load_with_safe_mode_false(tmp_path, filename):
    model = keras.Sequential([keras.Input((3,)), layers.Lambda(lambda v: np.tanh(v) * 2.0),
                              layers.Dense(2)])
    x = rows(4)
    path = tmp_path / filename
    model.save(path)
    with pytest.raises(ValueError, match="risk of arbitrary code execution"):
        keras.models.load_model(path)
    loaded = keras.models.load_model(path, safe_mode=False)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert without_code(loaded.layers[0].get_config()) == without_code(model.layers[0].get_config())


def test_models_with_a_registered_function_load_in_safe_mode(tmp_path):
    model = keras.Sequential([keras.Input((3,)), layers.Lambda(doubled), layers.Dense(2)])
    model.save(tmp_path / "model.keras")
    loaded = keras.models.load_model(tmp_path / "model.keras")
    assert loaded.layers[0].function is doubled
    np.testing.assert_array_equal(loaded.predict(rows(4), verbose=0),
                                  model.predict(rows(4), verbose=0))


def test_a_saved_lambda_that_is_not_bytecode_is_a_value_error_naming_the_layer():
    config = layers.Lambda(lambda v: v, name="broken").get_config()
    config["function"]["config"]["code"] = "bm90IGJ5dGVjb2Rl\n"
    with pytest.raises(ValueError, match=r"Lambda 'broken' `function`: the saved Python lambda's "
                                         r"'code' is not the bytecode"):
        layers.Lambda.from_config(config, safe_mode=False)
