"""``to_json``, ``model_from_json`` and ``clone_model`` against Keras 3.15.1 (torch backend).

The JSON of the same model is the same text in both libraries (layer names aside, which come from
each library's own counters); each library's JSON loads in the other and predicts the same with the
same weights; ``clone_model`` does the same thing to the same model in both.
"""

import inspect
import json

import numpy as np
import pytest

import handkeras

keras = pytest.importorskip("keras")
pytest.importorskip("torch")

# The layer cases (every layer type and a nested Sequential) and helpers of the file round trips.
from test_keras_saving import LAYERS, _inputs, _model, _predict, _randomize  # noqa: E402

LIBRARIES = {"handkeras": handkeras, "keras": keras}


def _normalized(text):
    """The JSON text with every layer, model and optimizer name replaced by its order of
    appearance: each library numbers its automatic names with its own counters. (Dtype policies,
    whose config is a name too, are kept as they are.)"""
    names = {}

    def walk(value):
        if isinstance(value, dict) and value.get("class_name") == "DTypePolicy":
            return value
        if isinstance(value, dict):
            return {key: (names.setdefault(item, f"<name {len(names)}>")
                          if key == "name" and isinstance(item, str) and "config" not in value
                          else walk(item)) for key, item in value.items()}
        if isinstance(value, list):
            return [walk(item) for item in value]
        return value

    return json.dumps(walk(json.loads(text)))


# ------------------------------------------------------------------------------------- to_json
@pytest.mark.parametrize("name", sorted(LAYERS))
def test_to_json_is_keras_s_text(name):
    assert _normalized(_model(handkeras, name).to_json()) == _normalized(_model(keras, name).to_json())


def _container_types(value, path=""):
    """``{path: "tuple" or "list"}`` of every sequence in a config."""
    if isinstance(value, dict):
        return {k: t for key, item in value.items()
                for k, t in _container_types(item, f"{path}/{key}").items()}
    if isinstance(value, (list, tuple)):
        found = {path: type(value).__name__}
        for i, item in enumerate(value):
            found.update(_container_types(item, f"{path}[{i}]"))
        return found
    return {}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_get_config_keeps_tuples_where_keras_does(name):
    """Before JSON, a config holds shapes, kernel sizes and strides as tuples, as Keras's."""
    ours, theirs = _model(handkeras, name), _model(keras, name)
    assert _container_types(ours.get_config()) == _container_types(theirs.get_config())
    assert ours.get_build_config() == theirs.get_build_config()


def _unbuilt(library):
    return library.Sequential([library.layers.Dense(3), library.layers.Dense(2)])


def _built_by_build(library):
    model = _unbuilt(library)
    model.build((None, 4))
    return model


def _input_shape_argument(library):
    return library.Sequential([library.layers.Dense(3, input_shape=(4,)), library.layers.Dense(2)])


def _compiled(library):
    model = library.Sequential([library.Input((4,)), library.layers.Dense(2, activation="sigmoid")])
    model.compile(optimizer=library.optimizers.SGD(0.5, momentum=0.25), loss="binary_crossentropy",
                  metrics=["accuracy"])
    return model


BUILDS = {"unbuilt": _unbuilt, "built by build()": _built_by_build,
          "input_shape argument": _input_shape_argument}


@pytest.mark.filterwarnings("ignore:Do not pass an `input_shape`")
@pytest.mark.parametrize("build", sorted(BUILDS))
def test_to_json_is_keras_s_text_however_the_model_was_built(build):
    """Keras gives a model built without an Input an InputLayer; an unbuilt model has none."""
    ours, theirs = BUILDS[build](handkeras), BUILDS[build](keras)
    assert _normalized(ours.to_json()) == _normalized(theirs.to_json())


def test_to_json_of_a_compiled_model_holds_keras_s_compile_config():
    ours = json.loads(_compiled(handkeras).to_json())["compile_config"]
    theirs = json.loads(_compiled(keras).to_json())["compile_config"]
    assert list(ours) == list(theirs)
    for key in theirs:
        if key != "optimizer":
            assert ours[key] == theirs[key], key
    # Keras's torch backend writes its optimizer's backend module; the config is the same, but
    # for the name, which Keras numbers per process (sgd_51).
    assert ours["optimizer"]["class_name"] == theirs["optimizer"]["class_name"] == "SGD"
    assert list(ours["optimizer"]["config"]) == list(theirs["optimizer"]["config"])
    for config in (ours["optimizer"]["config"], theirs["optimizer"]["config"]):
        assert config.pop("name").startswith("sgd")
    assert ours["optimizer"]["config"] == theirs["optimizer"]["config"]


def test_to_json_forwards_json_dumps_arguments_as_keras_does():
    ours, theirs = _model(handkeras, "Dense"), _model(keras, "Dense")
    for kwargs in ({"indent": 2}, {"sort_keys": True}, {"separators": (",", ":")}):
        assert _normalized(ours.to_json(**kwargs)) == _normalized(theirs.to_json(**kwargs))
        assert ours.to_json(**kwargs).count("\n") == theirs.to_json(**kwargs).count("\n")
    for model in (ours, theirs):
        with pytest.raises(TypeError):
            model.to_json(no_such_option=True)


def test_the_api_is_where_keras_has_it_with_keras_s_signatures():
    for name in ("model_from_json", "clone_model"):
        for module in ("models", "saving"):
            assert (hasattr(getattr(handkeras, module), name)
                    == hasattr(getattr(keras, module), name)), f"{module}.{name}"
    assert (inspect.signature(handkeras.Sequential.to_json)
            == inspect.signature(keras.Sequential.to_json))


# ------------------------------------------------------------------------------ model_from_json
@pytest.mark.parametrize("name", sorted(LAYERS))
@pytest.mark.parametrize("writer, reader", [("keras", "handkeras"), ("handkeras", "keras")])
def test_json_written_by_one_library_loads_in_the_other(name, writer, reader):
    libraries = {"keras": keras, "handkeras": handkeras}
    source = _model(libraries[writer], name)
    _randomize(source)
    loaded = libraries[reader].models.model_from_json(source.to_json())
    assert _normalized(loaded.to_json()) == _normalized(source.to_json())
    loaded.set_weights(source.get_weights())
    x = _inputs(name)
    np.testing.assert_allclose(_predict(loaded, x), _predict(source, x), rtol=1e-6, atol=1e-6)


@pytest.mark.filterwarnings("ignore:Do not pass an `input_shape`")
@pytest.mark.parametrize("build", sorted(BUILDS))
@pytest.mark.parametrize("writer", sorted(LIBRARIES))
def test_json_loads_built_as_the_model_was_in_both(build, writer):
    text = BUILDS[build](LIBRARIES[writer]).to_json()
    ours, theirs = handkeras.models.model_from_json(text), keras.models.model_from_json(text)
    assert ours.built == theirs.built == (build != "unbuilt")
    assert _normalized(ours.to_json()) == _normalized(theirs.to_json())


@pytest.mark.parametrize("writer", sorted(LIBRARIES))
def test_json_of_a_compiled_model_loads_compiled_in_both(writer):
    text = _compiled(LIBRARIES[writer]).to_json()
    ours, theirs = handkeras.models.model_from_json(text), keras.models.model_from_json(text)
    assert ours.compiled and theirs.compiled
    assert isinstance(ours.optimizer, handkeras.optimizers.SGD)
    assert isinstance(theirs.optimizer, keras.optimizers.SGD)
    for optimizer in (ours.optimizer, theirs.optimizer):
        assert float(np.asarray(optimizer.learning_rate)) == 0.5 and optimizer.momentum == 0.25
        assert int(np.asarray(optimizer.iterations)) == 0
    assert ours.loss == theirs.loss == "binary_crossentropy"
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(8, 4)), rng.integers(0, 2, (8, 2)).astype("float64")
    ours.set_weights(theirs.get_weights())
    expected = theirs.evaluate(x, y, verbose=0, return_dict=True)
    got = ours.evaluate(x, y, verbose=0, return_dict=True)
    assert set(got) == set(expected) == {"loss", "accuracy"}
    for key in expected:
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-9)


def _regularized(library):
    R = library.regularizers
    return library.Sequential([
        library.Input((4,)),
        library.layers.Dense(3, kernel_regularizer="l1", bias_regularizer=R.L2(l2=0.1),
                             activity_regularizer=R.L1L2(l1=0.01, l2=0.1)),
        library.layers.Dense(2, kernel_regularizer=R.OrthogonalRegularizer(0.1))])


@pytest.fixture
def both_in_float32():
    """Both libraries in float32 for one test. Keras's global dtype policy follows floatx only
    until it is first read (by a float64 test, here), so it is set as well, and put back after."""
    saved_policy = keras.config.dtype_policy()
    keras.config.set_floatx("float32")
    keras.config.set_dtype_policy("float32")
    handkeras.config.set_floatx("float32")
    yield
    keras.config.set_dtype_policy(saved_policy)


@pytest.mark.parametrize("filename", [None, "model.keras", "model.h5"])
@pytest.mark.parametrize("writer, reader", [("keras", "handkeras"), ("handkeras", "keras")])
def test_float32_regularizer_factors_are_keras_s_in_json_and_files(tmp_path, writer, reader,
                                                                   filename, both_in_float32):
    """In float32, L1's and OrthogonalRegularizer's factors are stored rounded (0.01 as
    0.009999999776482582) and L2's and L1L2's as given, in both libraries; a JSON text or a model
    file written by either loads in the other with the same config."""
    assert _normalized(_regularized(handkeras).to_json()) == _normalized(
        _regularized(keras).to_json())
    source = _regularized(LIBRARIES[writer])
    if filename is None:
        loaded = LIBRARIES[reader].models.model_from_json(source.to_json())
    else:
        source.save(tmp_path / filename)
        loaded = LIBRARIES[reader].models.load_model(tmp_path / filename)
    assert _normalized(loaded.to_json()) == _normalized(source.to_json())
    assert loaded.layers[0].get_config()["kernel_regularizer"]["config"] == {
        "l1": 0.009999999776482582}


def test_bad_json_is_refused_by_both():
    for text in ("{nope", ""):
        with pytest.raises(ValueError):
            keras.models.model_from_json(text)
        with pytest.raises(ValueError, match="`json_string` is not valid JSON"):
            handkeras.models.model_from_json(text)
    for value in (None, {"class_name": "Sequential"}):
        with pytest.raises(TypeError):
            keras.models.model_from_json(value)
        with pytest.raises(TypeError, match="`json_string`"):
            handkeras.models.model_from_json(value)
    unknown = json.dumps({"module": "keras.layers", "class_name": "NoSuchLayer", "config": {},
                          "registered_name": None})
    with pytest.raises(ValueError, match="NoSuchLayer"):
        keras.models.model_from_json(unknown)
    with pytest.raises(ValueError, match="`json_string`: Unknown layer 'NoSuchLayer'"):
        handkeras.models.model_from_json(unknown)


# ---------------------------------------------------------------------------------- clone_model
def _frozen_stack(library):
    model = library.Sequential([library.Input((4,), name="features"),
                                library.layers.Dense(5, activation="relu", name="hidden"),
                                library.layers.Dropout(0.2, name="drop"),
                                library.layers.Dense(2, name="out")], name="stack")
    model.layers[0].trainable = False
    return model


def _nested(library):
    inner = library.Sequential([library.layers.Dense(3, name="inner_a"),
                                library.layers.Dense(3, name="inner_b")], name="inner")
    return library.Sequential([library.Input((4,), name="features"), inner,
                               library.layers.Dense(1, name="head")], name="outer")


def _input_layer(model):
    """The model's InputLayer (Keras keeps it first in ``_layers``, handkeras beside them)."""
    if hasattr(model, "_input_layer"):
        return model._input_layer
    first = model._layers[0] if model._layers else None
    return first if isinstance(first, keras.layers.InputLayer) else None


def _clone_facts(library, model, **kwargs):
    """What a user sees of a clone: its class, names, flags, input and weights, against ``model``."""
    clone = library.models.clone_model(model, **kwargs)
    input_layer = _input_layer(clone)
    return {
        "class": type(clone).__name__,
        "name": clone.name,
        "layers": [(type(layer).__name__, layer.name) for layer in clone.layers],
        "new layers": [layer is not original for layer, original in zip(clone.layers, model.layers)],
        "trainable": [clone.trainable] + [layer.trainable for layer in clone.layers],
        "built": clone.built,
        "compiled": clone.compiled,
        "input": None if input_layer is None else (input_layer.name,
                                                   tuple(input_layer.batch_shape)),
        "new input": input_layer is not _input_layer(model),
        "weight shapes": [tuple(np.shape(w)) for w in clone.get_weights()],
        "same json": _normalized(clone.to_json()) == _normalized(model.to_json()),
    }


def _same_clones(build, **kwargs):
    ours = _clone_facts(handkeras, build(handkeras), **kwargs)
    theirs = _clone_facts(keras, build(keras), **kwargs)
    assert ours == theirs
    return ours


def test_clone_makes_new_layers_with_the_same_names_and_flags_as_keras():
    facts = _same_clones(_frozen_stack)
    assert facts["new layers"] == [True, True, True] and facts["input"] == ("features", (None, 4))
    assert facts["same json"] and not facts["compiled"]


@pytest.mark.filterwarnings("ignore:Do not pass an `input_shape`")
@pytest.mark.parametrize("build", sorted(BUILDS))
def test_clone_is_built_as_keras_s_is(build):
    """Names differ for the InputLayer Keras creates when it builds, so they are compared apart."""
    ours, theirs = BUILDS[build](handkeras), BUILDS[build](keras)
    our_clone, their_clone = handkeras.models.clone_model(ours), keras.models.clone_model(theirs)
    assert our_clone.built == their_clone.built == (build != "unbuilt")
    assert _normalized(our_clone.to_json()) == _normalized(their_clone.to_json())
    assert _normalized(our_clone.to_json()) == _normalized(ours.to_json())


def test_clone_weights_are_fresh_in_both():
    for library in (handkeras, keras):
        model = _frozen_stack(library)
        _randomize(model)
        clone = library.models.clone_model(model)
        assert [np.shape(w) for w in clone.get_weights()] == [np.shape(w) for w in model.get_weights()]
        assert not any(np.array_equal(a, b) for a, b in zip(clone.get_weights(), model.get_weights()))


def test_a_compiled_model_clones_compiled_with_a_fresh_optimizer_in_both():
    for library in (handkeras, keras):
        model = _compiled(library)
        rng = np.random.default_rng(5)
        model.fit(rng.normal(size=(8, 4)), rng.integers(0, 2, (8, 2)), verbose=0)
        clone = library.models.clone_model(model)
        assert clone.compiled and clone.optimizer is not model.optimizer
        assert int(np.asarray(clone.optimizer.iterations)) == 0
        assert float(np.asarray(clone.optimizer.learning_rate)) == 0.5
        assert clone.loss == "binary_crossentropy"


@pytest.mark.parametrize("recursive", [False, True])
def test_clone_function_sees_the_same_layers_as_in_keras(recursive):
    seen = {}
    for label, library in LIBRARIES.items():
        seen[label] = []

        def clone_function(layer, calls=seen[label]):
            calls.append((type(layer).__name__, layer.name))
            return layer.__class__.from_config(layer.get_config())

        clone = library.models.clone_model(_nested(library), clone_function=clone_function,
                                           recursive=recursive)
        assert clone.layers[0].built and clone.layers[0].name == "inner"
    assert seen["handkeras"] == seen["keras"]
    assert seen["keras"][-1] == ("Dense", "head")


def test_a_clone_function_returning_its_argument_shares_the_layers_in_both():
    facts = _same_clones(_frozen_stack, clone_function=lambda layer: layer)
    assert facts["new layers"] == [False, False, False] and facts["new input"]


@pytest.mark.parametrize("as_list", [False, True])
def test_input_tensors_set_the_clone_s_input_as_in_keras(as_list):
    def clone(library):
        tensor = library.Input((7,), name="given")
        return library.models.clone_model(_frozen_stack(library),
                                          input_tensors=[tensor] if as_list else tensor)

    ours, theirs = clone(handkeras), clone(keras)
    assert (_input_layer(ours).name, tuple(_input_layer(ours).batch_shape)) == (
        _input_layer(theirs).name, tuple(_input_layer(theirs).batch_shape)) == ("features", (None, 7))
    assert [np.shape(w) for w in ours.get_weights()] == [np.shape(w) for w in theirs.get_weights()]


def _error(call):
    try:
        call()
    except Exception as error:  # noqa: BLE001 - the type is what is compared
        return type(error)
    return None


@pytest.mark.parametrize("case", ["call_function", "unknown keyword", "two input tensors",
                                  "array as input tensors", "not callable", "layer with clone_function",
                                  "layer with call_function"])
def test_clone_model_refuses_what_keras_refuses(case):
    def attempt(library):
        model = _frozen_stack(library)
        clone_model = library.models.clone_model
        return {
            "call_function": lambda: clone_model(model, call_function=lambda layer, *a: layer(*a)),
            "unknown keyword": lambda: clone_model(model, share_weights=True),
            "two input tensors": lambda: clone_model(
                model, input_tensors=[library.Input((4,)), library.Input((4,))]),
            "array as input tensors": lambda: clone_model(model, input_tensors=np.zeros((2, 4))),
            "not callable": lambda: clone_model(model, clone_function=3),
            "layer with clone_function": lambda: clone_model(library.layers.Dense(2),
                                                             clone_function=lambda layer: layer),
            "layer with call_function": lambda: clone_model(library.layers.Dense(2),
                                                            call_function=lambda layer: layer),
        }[case]

    expected = _error(attempt(keras))
    assert expected is not None
    assert _error(attempt(handkeras)) is expected


def test_a_subclass_and_a_layer_clone_as_in_keras():
    for library in (handkeras, keras):
        subclass = type("MySequential", (library.Sequential,), {})
        model = subclass([library.Input((2,)), library.layers.Dense(1)])
        assert type(library.models.clone_model(model)) is library.Sequential
    ours = handkeras.models.clone_model(handkeras.layers.Dense(3, activation="tanh"))
    theirs = keras.models.clone_model(keras.layers.Dense(3, activation="tanh"))
    assert type(ours).__name__ == type(theirs).__name__ == "Dense"
    assert ours.built == theirs.built is False
