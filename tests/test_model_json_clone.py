"""``model.to_json``, ``keras.models.model_from_json`` and ``keras.models.clone_model``, with Keras 3's
semantics for Sequential models. tests/reference/test_keras_json_clone.py compares them with Keras.
"""

import json
import zipfile

import numpy as np
import pytest

import handkeras as keras
from handkeras import layers
from handkeras.saving import serialization


def small_model(name="small"):
    return keras.Sequential([keras.Input((4,), name="features"),
                             layers.Dense(5, activation="relu", name="hidden"),
                             layers.Dropout(0.2, name="drop"),
                             layers.Dense(2, name="out")], name=name)


def nested_model():
    inner = keras.Sequential([layers.Dense(3, activation="tanh", name="inner_a"),
                              layers.Dense(3, name="inner_b")], name="inner")
    return keras.Sequential([keras.Input((4,), name="features"), inner, layers.Dense(1, name="head")],
                            name="outer")


def data(rows=8, inputs=4, outputs=2):
    rng = np.random.default_rng(0)
    return rng.normal(size=(rows, inputs)), rng.normal(size=(rows, outputs))


def same_values(a, b):
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))


def layer_entries(model):
    return json.loads(model.to_json())["config"]["layers"]


# ------------------------------------------------------------------------------------- to_json
def test_to_json_is_the_keras_archive_config(tmp_path):
    model = small_model()
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        config_json = archive.read("config.json").decode()
    assert model.to_json() == config_json
    assert model.to_json() == json.dumps(serialization.serialize_keras_object(model))


def test_to_json_has_keras_s_top_level_entries():
    config = json.loads(small_model().to_json())
    assert list(config) == ["module", "class_name", "config", "registered_name", "build_config",
                            "compile_config"]
    assert config["module"] == "keras" and config["class_name"] == "Sequential"
    assert config["registered_name"] is None
    assert config["build_config"] == {"input_shape": [None, 4]}
    assert config["compile_config"] == {}  # Keras writes an empty one for an uncompiled model
    assert [entry["class_name"] for entry in config["config"]["layers"]] == [
        "InputLayer", "Dense", "Dropout", "Dense"]


def test_to_json_of_a_compiled_model_holds_its_compile_config():
    model = small_model()
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    compile_config = json.loads(model.to_json())["compile_config"]
    assert compile_config == model.get_compile_config()
    assert compile_config["optimizer"]["class_name"] == "Adam" and compile_config["loss"] == "mse"


def test_to_json_passes_its_keyword_arguments_to_json_dumps():
    model = small_model()
    assert model.to_json(indent=2) == json.dumps(json.loads(model.to_json()), indent=2)
    assert model.to_json(sort_keys=True).startswith('{"build_config"')
    with pytest.raises(TypeError, match="no_such_option"):
        model.to_json(no_such_option=1)


def test_weightless_layers_carry_no_build_config_as_in_keras():
    """Keras builds its activation, pooling, Dropout and Reshape layers when it creates them, so
    their entries have no build_config; layers with weights (and Flatten) record their input."""
    model = keras.Sequential([keras.Input((6,)), layers.Dense(4), layers.Activation("relu"),
                              layers.Dropout(0.1), layers.Reshape((2, 2)), layers.Flatten(),
                              layers.ReLU(), layers.Softmax()])
    with_build_config = [entry["class_name"] for entry in layer_entries(model)
                         if "build_config" in entry]
    assert with_build_config == ["Dense", "Flatten"]


@pytest.mark.parametrize("build", ["build", "data"])
def test_a_model_built_without_an_input_lists_an_input_layer_as_keras_s_does(build):
    model = keras.Sequential([layers.Dense(3, name="a"), layers.Dense(2, name="b")])
    if build == "build":
        model.build((None, 4))
    else:
        model.predict(np.zeros((2, 4)), verbose=0)
    entries = layer_entries(model)
    assert entries[0]["class_name"] == "InputLayer"
    assert entries[0]["config"]["batch_shape"] == [None, 4]
    assert [layer.name for layer in model.layers] == ["a", "b"]  # still not one of model.layers


def test_an_unbuilt_model_has_no_build_config_and_no_input_layer():
    config = json.loads(keras.Sequential([layers.Dense(3)]).to_json())
    assert "build_config" not in config and "build_input_shape" not in config["config"]
    assert [entry["class_name"] for entry in config["config"]["layers"]] == ["Dense"]


# ------------------------------------------------------------------------------ model_from_json
def test_model_from_json_rebuilds_the_model_with_fresh_weights():
    model = small_model()
    x, y = data()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, epochs=2, verbose=0)
    rebuilt = keras.models.model_from_json(model.to_json())
    assert rebuilt.built and rebuilt.to_json() == model.to_json()
    assert [layer.name for layer in rebuilt.layers] == ["hidden", "drop", "out"]
    assert [w.shape for w in rebuilt.get_weights()] == [w.shape for w in model.get_weights()]
    assert not np.array_equal(rebuilt.get_weights()[0], model.get_weights()[0])  # not copied
    rebuilt.set_weights(model.get_weights())
    np.testing.assert_array_equal(rebuilt.predict(x, verbose=0), model.predict(x, verbose=0))


def test_model_from_json_of_an_uncompiled_model_is_uncompiled():
    model = small_model()
    rebuilt = keras.models.model_from_json(model.to_json())
    assert not rebuilt.compiled and rebuilt.to_json() == model.to_json()


def test_model_from_json_of_a_compiled_model_is_compiled_as_in_keras():
    model = small_model()
    model.compile(optimizer=keras.optimizers.RMSprop(0.005, momentum=0.5), loss="mse",
                  metrics=["mae"])
    model.fit(*data(), verbose=0)
    rebuilt = keras.models.model_from_json(model.to_json())
    assert rebuilt.compiled and rebuilt.optimizer is not model.optimizer
    assert isinstance(rebuilt.optimizer, keras.optimizers.RMSprop)
    assert rebuilt.optimizer.momentum == 0.5 and rebuilt.optimizer.iterations == 0
    assert rebuilt.loss == "mse"
    assert rebuilt.get_compile_config() == model.get_compile_config()
    rebuilt.fit(*data(), verbose=0)


def test_model_from_json_keeps_an_unbuilt_model_unbuilt():
    rebuilt = keras.models.model_from_json(keras.Sequential([layers.Dense(3, name="a")]).to_json())
    assert not rebuilt.built and rebuilt.layers[0].name == "a"


def test_model_from_json_rebuilds_nested_models_and_frozen_layers():
    model = nested_model()
    model.layers[0].layers[1].trainable = False
    rebuilt = keras.models.model_from_json(model.to_json())
    assert rebuilt.to_json() == model.to_json()
    assert isinstance(rebuilt.layers[0], keras.Sequential)
    assert [layer.trainable for layer in rebuilt.layers[0].layers] == [True, False]


def test_model_from_json_accepts_bytes():
    assert keras.models.model_from_json(small_model().to_json().encode()).name == "small"


def test_model_from_json_takes_custom_objects_for_unregistered_classes():
    class Twice(layers.Layer):
        def forward(self, x, training=False):
            return 2 * x

    model = keras.Sequential([keras.Input((3,)), Twice(name="twice"), layers.Dense(1)])
    with pytest.raises(ValueError, match=r"`json_string`.*Unknown layer 'Twice'.*custom_objects"):
        keras.models.model_from_json(model.to_json())
    rebuilt = keras.models.model_from_json(model.to_json(), custom_objects={"Twice": Twice})
    assert isinstance(rebuilt.layers[0], Twice)


@pytest.mark.parametrize("value", [None, {"class_name": "Sequential"}, 3, ["{}"]])
def test_model_from_json_refuses_what_is_not_text(value):
    with pytest.raises(TypeError, match="`json_string` must be the JSON text"):
        keras.models.model_from_json(value)


@pytest.mark.parametrize("text, fragment", [
    ("{nope", "`json_string` is not valid JSON"),
    ("", "`json_string` is not valid JSON"),
    ("[1, 2]", "`json_string` does not describe a model: its config is a list"),
    ("3", "`json_string` does not describe a model"),
    ('{"config": {}}', "`json_string`: Could not interpret layer identifier"),
    ('{"module": "keras.layers", "class_name": "NoSuchLayer", "config": {}}',
     "`json_string`: Unknown layer 'NoSuchLayer'"),
    ('{"module": "keras.layers", "class_name": "Dense", "config": {"units": 2}}',
     "`json_string` does not describe a model: its config is a Dense"),
    ('{"class_name": "Functional", "config": {}}', "`json_string`: The saved model is a Keras "
                                                   "Functional model"),
    ("[" * 100000 + "]" * 100000, "`json_string` is not valid JSON"),
])
def test_model_from_json_names_its_argument_when_the_text_is_not_a_model(text, fragment):
    with pytest.raises(ValueError, match=fragment.replace("(", r"\(").replace("[", r"\[")):
        keras.models.model_from_json(text)


def test_model_from_json_names_its_argument_when_the_compile_config_is_bad():
    model = small_model()
    model.compile(optimizer="adam", loss="mse")
    text = model.to_json().replace('"Adam"', '"NoSuchOptimizer"')
    with pytest.raises(ValueError, match="`json_string`: Unknown optimizer 'NoSuchOptimizer'"):
        keras.models.model_from_json(text)
    config = json.loads(model.to_json())
    config["compile_config"] = [1]
    with pytest.raises(ValueError, match="`json_string` holds an invalid compile config"):
        keras.models.model_from_json(json.dumps(config))


def test_model_from_json_is_exported_where_keras_exports_it():
    assert keras.models.model_from_json is keras.saving.saving_api.model_from_json
    assert not hasattr(keras.saving, "model_from_json")  # Keras 3.15.1: keras.models only


# ---------------------------------------------------------------------------------- clone_model
def test_clone_has_new_layers_with_the_same_configs_and_names():
    model = small_model()
    clone = keras.models.clone_model(model)
    assert type(clone) is keras.Sequential and clone.name == "small"
    assert [layer.name for layer in clone.layers] == ["hidden", "drop", "out"]
    assert not any(a is b for a, b in zip(clone.layers, model.layers))
    assert clone._input_layer is not model._input_layer
    assert clone._input_layer.name == "features" and clone._input_layer.batch_shape == (None, 4)
    assert clone.to_json() == model.to_json()


def test_clone_weights_are_freshly_initialized_and_independent():
    model = small_model()
    before = model.get_weights()
    clone = keras.models.clone_model(model)
    assert clone.built
    assert [w.shape for w in clone.get_weights()] == [w.shape for w in before]
    assert not np.array_equal(clone.get_weights()[0], before[0])
    clone.compile(optimizer="sgd", loss="mse")
    clone.fit(*data(), verbose=0)
    assert same_values(model.get_weights(), before)


def test_clone_of_an_uncompiled_model_is_uncompiled():
    assert not keras.models.clone_model(small_model()).compiled


def test_clone_of_a_compiled_model_is_compiled_with_a_new_optimizer_as_in_keras():
    model = small_model()
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    model.fit(*data(), verbose=0)
    clone = keras.models.clone_model(model)
    assert clone.compiled and clone.optimizer is not model.optimizer
    assert clone.optimizer.iterations == 0 and clone.get_compile_config() == model.get_compile_config()
    history = clone.fit(*data(), verbose=0)
    assert list(history.history) == ["loss", "mae"]


def test_a_compiled_clone_needs_custom_metrics_registered_as_in_keras():
    def half_error(y_true, y_pred):
        return 0.5 * np.mean(np.abs(y_true - y_pred), axis=-1)

    model = small_model()
    model.compile(optimizer="sgd", loss="mse", metrics=[half_error])
    with pytest.raises(ValueError, match=r"clone_model compiles the clone as Sequential 'small'.*"
                                         r"half_error.*register_keras_serializable"):
        keras.models.clone_model(model)
    registered = keras.saving.register_keras_serializable(package="CloneTests")(half_error)
    model.compile(optimizer="sgd", loss="mse", metrics=[registered])
    clone = keras.models.clone_model(model)
    assert set(clone.fit(*data(), verbose=0).history) == {"loss", "half_error"}


def test_clone_keeps_frozen_layers_and_a_frozen_model_frozen():
    model = small_model()
    model.layers[0].trainable = False
    assert [layer.trainable for layer in keras.models.clone_model(model).layers] == [False, True, True]
    model.trainable = False
    clone = keras.models.clone_model(model)
    assert not clone.trainable and clone.trainable_weights == []


def test_clone_is_built_as_the_model_is():
    unbuilt = keras.Sequential([layers.Dense(3, name="a")], name="u")
    clone = keras.models.clone_model(unbuilt)
    assert not clone.built and clone.layers[0].name == "a"
    built = keras.Sequential([layers.Dense(3, name="a")])
    built.build((None, 6))
    clone = keras.models.clone_model(built)
    assert clone.built and clone.input_shape == (None, 6) and clone.layers[0].kernel.shape == (6, 3)
    assert keras.models.clone_model(keras.Sequential()).layers == []


def test_clone_function_gets_each_layer_but_the_input_layer():
    seen = []

    def clone_function(layer):
        seen.append(layer.name)
        return layer.__class__.from_config({**layer.get_config(), "name": layer.name + "_copy"})

    clone = keras.models.clone_model(small_model(), clone_function=clone_function)
    assert seen == ["hidden", "drop", "out"]
    assert [layer.name for layer in clone.layers] == ["hidden_copy", "drop_copy", "out_copy"]


def test_a_clone_function_returning_its_argument_shares_the_layers():
    model = small_model()
    clone = keras.models.clone_model(model, clone_function=lambda layer: layer)
    assert all(a is b for a, b in zip(clone.layers, model.layers))
    assert same_values(clone.get_weights(), model.get_weights())


@pytest.mark.parametrize("recursive, expected", [
    (False, ["inner", "head"]),
    (True, ["inner_a", "inner_b", "head"]),
])
def test_recursive_clones_reach_the_layers_of_nested_models(recursive, expected):
    seen = []

    def clone_function(layer):
        seen.append(layer.name)
        return layer.__class__.from_config(layer.get_config())

    model = nested_model()
    clone = keras.models.clone_model(model, clone_function=clone_function, recursive=recursive)
    assert seen == expected
    inner = clone.layers[0]
    assert isinstance(inner, keras.Sequential) and inner is not model.layers[0] and inner.built
    assert not any(a is b for a, b in zip(inner.layers, model.layers[0].layers))
    assert clone.to_json() == model.to_json()


def test_input_tensors_give_the_clone_a_new_input_shape():
    model = small_model()
    for input_tensors in (keras.Input((7,)), [keras.Input((7,))]):
        clone = keras.models.clone_model(model, input_tensors=input_tensors)
        assert clone._input_layer.name == "features"  # Keras keeps the model's input name
        assert clone.input_shape == (None, 7) and clone.layers[0].kernel.shape == (7, 5)
    clone = keras.models.clone_model(keras.Sequential([layers.Dense(2)]),
                                     input_tensors=keras.Input((3,), name="given"))
    assert clone.built and clone.input_shape == (None, 3)


@pytest.mark.parametrize("input_tensors, fragment", [
    ([keras.Input((4,)), keras.Input((4,))], "must contain a single tensor"),
    (np.zeros((2, 4)), "must be a KerasTensor"),
    (layers.InputLayer(shape=(4,)), "must be a KerasTensor"),
])
def test_input_tensors_must_be_one_input(input_tensors, fragment):
    with pytest.raises(ValueError, match=f"`input_tensors` {fragment}"):
        keras.models.clone_model(small_model(), input_tensors=input_tensors)


def test_call_function_is_refused_for_sequential_models_as_in_keras():
    with pytest.raises(ValueError, match="`call_function` argument is not supported with Sequential"):
        keras.models.clone_model(small_model(), call_function=lambda layer, *a, **k: layer(*a, **k))


def test_clone_model_checks_its_arguments():
    model = small_model()
    with pytest.raises(ValueError, match=r"Unexpected keyword argument\(s\): \('share',\)"):
        keras.models.clone_model(model, share=True)
    with pytest.raises(TypeError, match="`clone_function` must be a callable"):
        keras.models.clone_model(model, clone_function="copy")
    with pytest.raises(TypeError, match="`clone_function` must return a layer; for layer 'hidden'"):
        keras.models.clone_model(model, clone_function=lambda layer: None)
    with pytest.raises(TypeError, match="`model` must be a handkeras Sequential"):
        keras.models.clone_model("model")


def test_a_subclass_clones_to_a_plain_sequential_as_in_keras():
    class MySequential(keras.Sequential):
        pass

    model = MySequential([keras.Input((2,)), layers.Dense(1)])
    assert type(keras.models.clone_model(model)) is keras.Sequential


def test_a_layer_clones_from_its_config_without_clone_function_or_input_tensors():
    dense = layers.Dense(3, activation="tanh", name="solo")
    clone = keras.models.clone_model(dense)
    assert type(clone) is layers.Dense and clone is not dense
    assert clone.get_config() == dense.get_config()
    with pytest.raises(ValueError, match="only supported for Sequential models"):
        keras.models.clone_model(dense, clone_function=lambda layer: layer)
    with pytest.raises(ValueError, match="`call_function` is only supported for Functional"):
        keras.models.clone_model(dense, call_function=lambda layer: layer)
