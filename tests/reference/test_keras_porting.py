"""What ported scripts observe, against Keras 3.15.1 (torch backend): the spellings of older Keras
scripts and the values a script prints, found by running short Keras scripts in both libraries
with only their imports changed (see docs/porting.md)."""

import inspect
import warnings

import numpy as np
import pytest

import handkeras

torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")


def caught_warnings(make):
    """``make()``'s result and the messages of the warnings it raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = make()
    return result, [str(warning.message) for warning in caught]


def test_embedding_input_length_is_ignored_with_keras_s_warning():
    def text_model(library):
        L = library.layers
        return library.Sequential([L.Embedding(50, 8, input_length=12, name="words"),
                                   L.GlobalAveragePooling1D(name="pool"), L.Dense(1, name="out")])

    ours, our_warnings = caught_warnings(lambda: text_model(handkeras))
    theirs, their_warnings = caught_warnings(lambda: text_model(keras))
    assert our_warnings == their_warnings == ["Argument `input_length` is deprecated. Just remove it."]
    assert ours.built is theirs.built is False
    assert ours.layers[0].get_config().keys() == theirs.layers[0].get_config().keys()


RNG = np.random.default_rng(5)
LOGITS = RNG.normal(size=(4, 3))
PROBABILITIES = 1 / (1 + np.exp(-LOGITS))
TARGETS = RNG.uniform(size=(4, 3))


@pytest.mark.parametrize("make, y_true, y_pred", [
    (lambda L: L.MeanSquaredError(), TARGETS, LOGITS),
    (lambda L: L.SparseCategoricalCrossentropy(from_logits=True), np.array([0, 2, 1, 1]), LOGITS),
    (lambda L: L.BinaryCrossentropy(reduction="sum"), TARGETS, PROBABILITIES),
    (lambda L: L.Huber(dtype="float32"), TARGETS, LOGITS),
], ids=["mse", "sparse_logits", "bce_sum", "huber_float32"])
def test_a_reduced_loss_has_keras_s_shape_dtype_and_value(make, y_true, y_pred):
    """TensorFlow's quickstart prints ``loss_fn(y_train[:1], predictions)``: one value, of the
    loss's dtype, whose ``shape`` is ``()``."""
    ours = make(handkeras.losses)(y_true, y_pred)
    theirs = make(keras.losses)(y_true, y_pred)
    assert ours.shape == tuple(theirs.shape) == ()
    assert str(ours.dtype) == keras.backend.standardize_dtype(theirs.dtype)
    assert float(ours) == pytest.approx(float(theirs), rel=1e-6)


@pytest.mark.parametrize("identifier", [
    "mse", "MSE", "mae", "mape", "msle", "kld", "bce", "mean_squared_error", "huber", "log_cosh",
    "categorical_crossentropy", "binary_crossentropy", "MeanSquaredError", "Huber",
    "CategoricalCrossentropy",
])
def test_losses_get_returns_what_keras_s_does(identifier):
    """A function's name gives the function (per-sample values), a class's name a Loss object
    (one value)."""
    ours, theirs = handkeras.losses.get(identifier), keras.losses.get(identifier)
    assert isinstance(ours, handkeras.losses.Loss) == isinstance(theirs, keras.losses.Loss)
    if isinstance(theirs, keras.losses.Loss):
        assert type(ours).__name__ == type(theirs).__name__ and ours.name == theirs.name
    else:
        assert ours.__name__ == theirs.__name__
    y_true, y_pred = TARGETS, PROBABILITIES
    assert np.shape(ours(y_true, y_pred)) == tuple(theirs(y_true, y_pred).shape)
    np.testing.assert_allclose(np.asarray(ours(y_true, y_pred)),
                               theirs(y_true, y_pred).detach().numpy(), rtol=1e-6)


def test_image_data_format_is_keras_s_default_in_both_namespaces():
    """Keras 2's mnist_cnn picks its input shape by ``K.image_data_format()``."""
    assert keras.config.image_data_format() == "channels_last"
    for namespace in (handkeras.config, handkeras.backend):
        assert namespace.image_data_format() == keras.backend.image_data_format()
        namespace.set_image_data_format("channels_last")  # Keras's default, accepted as is
        assert namespace.image_data_format() == "channels_last"


@pytest.mark.parametrize("make_loss, activation, y", [
    (lambda L: "categorical_crossentropy", "softmax", np.eye(3)[[0, 1, 2]]),
    (lambda L: "sparse_categorical_crossentropy", "softmax", np.array([0, 1, 2])),
    (lambda L: L.CategoricalCrossentropy(label_smoothing=0.1), "softmax", np.eye(3)[[0, 1, 2]]),
    (lambda L: L.SparseCategoricalCrossentropy(ignore_class=1), "softmax", np.array([2, 1, 2])),
    (lambda L: "binary_crossentropy", "sigmoid", np.array([[1, 0, 1], [0, 1, 1], [1, 1, 0]])),
    (lambda L: L.BinaryCrossentropy(label_smoothing=0.1), "sigmoid",
     np.array([[1, 0, 1], [0, 1, 1], [1, 1, 0]])),
], ids=["categorical", "sparse", "smoothed", "ignore_class", "binary", "binary_smoothed"])
def test_training_reports_keras_s_loss_for_saturated_outputs(make_loss, activation, y):
    """Keras 2's mnist_transfer_cnn, with large weights, trains on outputs whose probability for
    the label is far below epsilon: fit and train_on_batch report Keras's (clipped) loss, which is
    what evaluate reports, with and without sample weights."""
    x = np.array([[1.0, 2.0], [0.5, -1.0], [0.1, 0.2]])
    kernel = np.array([[20.0, -20.0, 0.0], [10.0, 0.0, -10.0]])
    weights = np.array([1.0, 2.0, 0.5])
    results = []
    for library in (handkeras, keras):
        model = library.Sequential([library.Input((2,)), library.layers.Dense(3, activation)])
        model.set_weights([kernel, np.zeros(3)])
        model.compile(optimizer=library.optimizers.SGD(0.0), loss=make_loss(library.losses))
        results.append([float(model.train_on_batch(x, y)),
                        model.fit(x, y, sample_weight=weights, verbose=0).history["loss"][0],
                        float(model.evaluate(x, y, verbose=0))])
    ours, theirs = results
    assert ours == pytest.approx(theirs, rel=1e-9)
    assert ours[0] == pytest.approx(ours[2], rel=1e-12)
def true_positives_class(library):
    """The "Training & evaluation" guide's custom metric, in numpy, subclassing ``library``'s
    ``Metric``."""

    class TruePositives(library.metrics.Metric):
        def __init__(self, name="true_positives", **kwargs):
            super().__init__(name=name, **kwargs)
            self.true_positives = self.add_variable(shape=(), name="ctp", initializer="zeros")
            self.counts = self.add_weight(shape=(2,), initializer="ones", dtype="int32",
                                          name="counts")

        def update_state(self, y_true, y_pred, sample_weight=None):
            hits = np.asarray(y_pred).argmax(axis=1) == np.asarray(y_true).reshape(-1)
            self.true_positives.assign_add(float(hits.sum()))
            self.counts.assign_add(np.array([hits.sum(), len(hits)], "int32"))

        def result(self):
            return self.true_positives

    return TruePositives


def test_a_custom_metric_s_variables_are_keras_s():
    def described(metric):
        return [(v.path, tuple(v.shape), keras.backend.standardize_dtype(v.dtype), v.trainable,
                 np.asarray(v).tolist()) for v in metric.variables]

    y_true, y_pred = np.array([0, 1, 1]), np.eye(2)[[0, 1, 0]]
    ours, theirs = true_positives_class(handkeras)(), true_positives_class(keras)()
    assert described(ours) == described(theirs)
    for metric in (ours, theirs):
        metric.update_state(y_true, y_pred)
    assert described(ours) == described(theirs)
    assert float(ours.result()) == float(theirs.result()) == 2.0
    ours.reset_state()
    theirs.reset_state()
    assert described(ours) == described(theirs)


@pytest.mark.parametrize("name", ["Embedding", "Masking", "GlobalAveragePooling1D"])
def test_compute_mask_has_keras_s_parameters(name):
    """The masking guide calls ``embedding.compute_mask(padded_inputs)``, the mask left out."""
    def parameters(library):
        signature = inspect.signature(getattr(library.layers, name).compute_mask)
        return [(p.name, p.default) for p in signature.parameters.values()]

    assert parameters(handkeras) == parameters(keras)


def test_custom_object_scopes_and_the_registry_behave_as_keras_s():
    """The saving guide's ways to name custom objects: the registry, scopes, ``module`` None."""
    for library in (keras, handkeras):
        saving = library.saving
        assert saving.custom_object_scope is saving.CustomObjectScope
        scaled = type("PortingScaled", (library.layers.Layer,), {"__module__": "__main__"})
        saving.register_keras_serializable(package="Porting")(scaled)
        assert saving.get_custom_objects()["Porting>PortingScaled"] is scaled
        serialized = saving.serialize_keras_object(scaled(name="s"))
        assert (serialized["module"], serialized["registered_name"]) == (
            None, "Porting>PortingScaled")
        with saving.custom_object_scope({"Mine": int}):
            assert saving.get_registered_object("Mine") is int
            with saving.CustomObjectScope({"Other": float}):
                assert saving.get_registered_object("Mine") is None
        assert saving.get_registered_object("Mine") is None
        del saving.get_custom_objects()["Porting>PortingScaled"]


@pytest.mark.parametrize("x, axis, order", [
    (np.arange(24, dtype=np.uint8).reshape(2, 3, 4), 1, 2),  # images, as in the sentdex tutorial
    (np.array([[3.0, -4.0], [0.0, 0.0]], dtype=np.float32), -1, 2),
    (np.arange(12.0).reshape(3, 4), 1, 1),
    (np.arange(12.0).reshape(3, 4), -1, np.inf),
    (np.arange(24.0).reshape(2, 3, 4), 2, 2),
    (np.arange(1.0, 4.0), None, 2),
])
def test_normalize_gives_keras_s_array(x, axis, order):
    ours = handkeras.utils.normalize(x, axis=axis, order=order)
    theirs = keras.utils.normalize(x, axis=axis, order=order)
    assert type(ours) is type(theirs) is np.ndarray
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    np.testing.assert_array_equal(ours, theirs)


def test_backend_names_keras_s_own_numpy_backend():
    """Scripts branch on ``keras.backend.backend()``; handkeras computes on numpy and gives the
    name of the backend Keras 3 itself runs on numpy."""
    import importlib.util
    assert keras.config.backend() == keras.backend.backend() == "torch"  # as these tests run Keras
    assert importlib.util.find_spec("keras.src.backend.numpy") is not None
    for namespace in (handkeras.config, handkeras.backend):
        assert namespace.backend() == "numpy"
