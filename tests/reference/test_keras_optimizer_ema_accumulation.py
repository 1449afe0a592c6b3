"""EMA, gradient accumulation and loss scaling of every optimizer against Keras 3.15.1 (torch) in
float64.

Both libraries start from the same weights and receive the same gradients; after every call of
``apply`` the weights agree to rtol 1e-9, and at the end every optimizer variable (the averages and
the accumulators included, in Keras's order with Keras's paths) and ``iterations`` agree too. Then
``fit`` runs in both (weights, optimizer state and history), ``SwapEMAWeights`` evaluates with the
averages, and the state moves between the libraries through ``.keras`` and ``.weights.h5`` files in
the middle of training.
"""

import numpy as np
import pytest

import handkeras
from handkeras.variables import Variable
from keras_pair import assert_same_history, assert_same_weights, make_models
from parity import assert_close

torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")

OPTIMIZERS = {
    "SGD": dict(learning_rate=0.1, momentum=0.5), "Adam": {}, "AdamW": {}, "RMSprop": {},
    "Adagrad": {}, "Adadelta": dict(learning_rate=1.0), "Adamax": {}, "Nadam": {},
    "Lion": {}, "Lamb": {}, "Ftrl": dict(learning_rate=0.1), "Adafactor": {},
}
FEATURES = {
    "ema": dict(use_ema=True, ema_momentum=0.7),
    "ema_overwrite_every_2": dict(use_ema=True, ema_momentum=0.6, ema_overwrite_frequency=2),
    "accumulation_3": dict(gradient_accumulation_steps=3),
    "loss_scale": dict(loss_scale_factor=8.0),
    "all_with_clipping_and_decay": dict(use_ema=True, ema_momentum=0.8, ema_overwrite_frequency=3,
                                        gradient_accumulation_steps=2, loss_scale_factor=0.25,
                                        global_clipnorm=1.5, weight_decay=0.1),
}
SHAPES = {"kernel": (3, 4), "bias": (4,), "conv_kernel": (3, 3, 2, 4)}
CALLS = 8  # not a multiple of the accumulation steps


@pytest.fixture(autouse=True)
def fresh_keras_names():
    """Keras's name counters reset as handkeras's are, so that paths compare."""
    keras.backend.clear_session()


def initial_weights():
    rng = np.random.default_rng(3)
    return {name: rng.normal(size=shape) for name, shape in SHAPES.items()}


def gradient_sequence():
    rng = np.random.default_rng(5)
    return [[(1 + step % 3) * rng.normal(size=shape) for shape in SHAPES.values()]
            for step in range(CALLS)]


def make(library, class_name, kwargs):
    kwargs = dict(kwargs)
    if "schedule" in kwargs:
        kwargs["learning_rate"] = library.optimizers.schedules.ExponentialDecay(
            **kwargs.pop("schedule"))
    return getattr(library.optimizers, class_name)(**kwargs)


def assert_same_state(ours, theirs):
    """The optimizer variables agree one to one, in Keras's order, with Keras's names and dtypes.

    (Names, not paths: Keras gives Adafactor's placeholders for vectors its scope's path when
    ``apply`` builds it and none when ``fit`` does; handkeras gives them none.)"""
    assert [v.name for v in ours.variables] == [v.name for v in theirs.variables]
    for i, (value, variable) in enumerate(zip(ours.variables, theirs.variables)):
        expected = keras.ops.convert_to_numpy(variable)
        assert np.asarray(value).dtype == expected.dtype, f"variable {i} ({variable.path})"
        assert_close(value, expected, f"optimizer variable {i} ({variable.path})")
    assert int(ours.iterations) == int(keras.ops.convert_to_numpy(theirs.iterations))


def run_both(class_name, kwargs):
    """Step both optimizers through the same gradients; compare the weights after every call."""
    weights = initial_weights()
    ours = [Variable(value.copy(), name=name) for name, value in weights.items()]
    theirs = [keras.Variable(value.copy(), name=name) for name, value in weights.items()]
    our_optimizer = make(handkeras, class_name, kwargs)
    their_optimizer = make(keras, class_name, kwargs)
    for call, grads in enumerate(gradient_sequence()):
        our_optimizer.apply([g.copy() for g in grads], ours)
        their_optimizer.apply([keras.ops.convert_to_tensor(g) for g in grads], theirs)
        for mine, reference in zip(ours, theirs):
            assert_close(mine.value, keras.ops.convert_to_numpy(reference),
                         f"{class_name}{kwargs}: {mine.name} after call {call + 1}")
    return our_optimizer, their_optimizer


@pytest.mark.parametrize("feature", sorted(FEATURES))
@pytest.mark.parametrize("class_name", sorted(OPTIMIZERS))
def test_apply_matches_keras(class_name, feature):
    ours, theirs = run_both(class_name, {**OPTIMIZERS[class_name], **FEATURES[feature]})
    assert_same_state(ours, theirs)
    assert ours.get_config() == theirs.get_config()


@pytest.mark.parametrize("class_name", ["SGD", "Adam", "Nadam", "Adafactor"])
def test_accumulation_with_a_schedule_matches_keras(class_name):
    """The schedule sees every call (Keras's "real" iterations); the rule's step counts updates."""
    schedule = dict(initial_learning_rate=0.1, decay_steps=2, decay_rate=0.5)
    ours, theirs = run_both(class_name, dict(schedule=schedule, weight_decay=0.2,
                                             gradient_accumulation_steps=3, use_ema=True))
    assert_same_state(ours, theirs)


def test_finalize_variable_values_matches_keras():
    ours, theirs = run_both("Adam", FEATURES["ema"])
    our_variables = ours._trainable_variables
    ours.finalize_variable_values(our_variables)
    theirs.finalize_variable_values(theirs._trainable_variables)
    for mine, reference in zip(our_variables, theirs._trainable_variables):
        assert_close(mine.value, keras.ops.convert_to_numpy(reference), mine.name)


def test_scale_loss_matches_keras():
    for factor in (None, 4.0):
        ours = handkeras.optimizers.SGD(loss_scale_factor=factor)
        theirs = keras.optimizers.SGD(loss_scale_factor=factor)
        assert ours.scale_loss(1.5) == float(theirs.scale_loss(1.5))


# ----------------------------------------------------------------------------- fit
def _data(rows=40):
    rng = np.random.default_rng(8)
    return rng.normal(size=(rows, 5)), rng.normal(size=(rows, 2))


def _build(library):
    return library.Sequential([library.Input(shape=(5,)),
                               library.layers.Dense(6, activation="tanh"),
                               library.layers.Dense(2)])


def _compile(model, library, class_name, kwargs):
    model.compile(optimizer=make(library, class_name, kwargs), loss="mse", metrics=["mae"])


FIT_CASES = {
    "ema": ("Adam", dict(learning_rate=0.05, use_ema=True, ema_momentum=0.9)),
    "ema_overwrite_every_4": ("SGD", dict(learning_rate=0.1, use_ema=True,
                                          ema_overwrite_frequency=4)),
    "accumulation_3": ("RMSprop", dict(learning_rate=0.01, gradient_accumulation_steps=3)),
    "loss_scale": ("Adam", dict(learning_rate=0.01, loss_scale_factor=64.0)),
    "sgd_loss_scale": ("SGD", dict(learning_rate=0.1, loss_scale_factor=4.0)),
}


@pytest.mark.parametrize("case", sorted(FIT_CASES))
def test_fit_matches_keras(case):
    """Three epochs of ten batches (not a multiple of 3), then the final EMA overwrite."""
    class_name, kwargs = FIT_CASES[case]
    x, y = _data()
    ours, theirs = make_models(_build)
    _compile(ours, handkeras, class_name, kwargs)
    _compile(theirs, keras, class_name, kwargs)
    our_history = ours.fit(x, y, batch_size=4, epochs=3, shuffle=False, verbose=0,
                           validation_data=(x[:8], y[:8]))
    their_history = theirs.fit(x, y, batch_size=4, epochs=3, shuffle=False, verbose=0,
                               validation_data=(x[:8], y[:8]))
    assert_same_weights(ours, theirs)
    assert_same_state(ours.optimizer, theirs.optimizer)
    assert_same_history(our_history, their_history)


@pytest.mark.parametrize("swap_on_epoch", [False, True])
def test_swap_ema_weights_in_fit_matches_keras(swap_on_epoch):
    """Validation with the averages, training with the raw weights; evaluate and predict after."""
    x, y = _data()
    ours, theirs = make_models(_build)
    kwargs = dict(learning_rate=0.05, use_ema=True, ema_momentum=0.8)
    _compile(ours, handkeras, "Adam", kwargs)
    _compile(theirs, keras, "Adam", kwargs)
    results = []
    for model, library in ((ours, handkeras), (theirs, keras)):
        callback = library.callbacks.SwapEMAWeights(swap_on_epoch=swap_on_epoch)
        history = model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0,
                            validation_data=(x[:16], y[:16]), callbacks=[callback])
        evaluated = model.evaluate(x, y, verbose=0, callbacks=[callback])
        predicted = np.asarray(model.predict(x[:4], verbose=0, callbacks=[callback]))
        results.append((history, evaluated, predicted, model.get_weights(),
                        [np.asarray(v) for v in model.optimizer.variables]))
    (our_history, our_eval, our_pred, our_weights, our_state), theirs_result = results
    their_history, their_eval, their_pred, their_weights, their_state = theirs_result
    assert_same_history(our_history, their_history)
    assert_close(np.asarray(our_eval), np.asarray(their_eval), "evaluate")
    assert_close(our_pred, their_pred, "predict")
    # As in Keras, predict leaves the averages in the model.
    for i, (mine, reference) in enumerate(zip(our_weights + our_state,
                                              their_weights + their_state)):
        assert_close(mine, reference, f"weight or optimizer variable {i}")


def test_swap_ema_weights_without_ema_is_the_same_error():
    x, y = _data()
    messages = []
    for library in (handkeras, keras):
        model = _build(library)
        model.compile(optimizer=library.optimizers.Adam(), loss="mse")
        with pytest.raises(ValueError) as error:
            model.fit(x, y, epochs=1, verbose=0, validation_data=(x, y),
                      callbacks=[library.callbacks.SwapEMAWeights()])
        messages.append(str(error.value).rstrip("."))
    assert messages[0] == messages[1]


# ----------------------------------------------------------------------------- files
RESUME_KWARGS = dict(learning_rate=0.05, use_ema=True, ema_momentum=0.9, ema_overwrite_frequency=5,
                     gradient_accumulation_steps=3, loss_scale_factor=2.0)


def _model(library, weights=None):
    model = _build(library)
    if weights is not None:
        model.set_weights(weights)
    _compile(model, library, "Adam", RESUME_KWARGS)
    return model


def _save_and_reload(model, reader, path):
    if path.name.endswith(".weights.h5"):
        model.save_weights(path)
        resumed = _model(reader)
        if reader is keras:  # Keras restores optimizer state only into a built optimizer
            resumed.optimizer.build(resumed.trainable_variables)
        resumed.load_weights(path)
        return resumed
    model.save(path)
    return reader.models.load_model(path)


@pytest.mark.parametrize("filename", ["ckpt.keras", "ckpt.weights.h5"])
@pytest.mark.parametrize("first", ["keras", "handkeras"])
def test_state_saved_mid_training_resumes_in_the_other_library(tmp_path, first, filename):
    """Two epochs, save, reload in the other library, two more == the same in Keras alone (the
    averages and the accumulators, mid-way through an accumulation, travel in the file)."""
    libraries = {"keras": keras, "handkeras": handkeras}
    second = handkeras if first == "keras" else keras
    x, y = _data(rows=44)  # 11 batches of 4: epochs end mid-accumulation
    weights = _model(keras).get_weights()

    reference = _model(keras, weights)
    reference.fit(x, y, epochs=2, batch_size=4, shuffle=False, verbose=0)
    reference = _save_and_reload(reference, keras, tmp_path / ("reference_" + filename))
    reference.fit(x, y, epochs=2, batch_size=4, shuffle=False, verbose=0)

    start = _model(libraries[first], weights)
    start.fit(x, y, epochs=2, batch_size=4, shuffle=False, verbose=0)
    resumed = _save_and_reload(start, second, tmp_path / filename)
    assert ({**resumed.optimizer.get_config(), "name": None}
            == {**reference.optimizer.get_config(), "name": None})
    resumed.fit(x, y, epochs=2, batch_size=4, shuffle=False, verbose=0)
    for got, expected in zip(resumed.get_weights(), reference.get_weights()):
        assert_close(np.asarray(got), np.asarray(expected), f"weights resumed in {second.__name__}")
    resumed_state = [np.asarray(keras.ops.convert_to_numpy(v)) for v in resumed.optimizer.variables]
    reference_state = [keras.ops.convert_to_numpy(v) for v in reference.optimizer.variables]
    assert len(resumed_state) == len(reference_state)
    for i, (got, expected) in enumerate(zip(resumed_state, reference_state)):
        assert_close(got, expected, f"optimizer variable {i}")
