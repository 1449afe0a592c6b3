"""Lion, Lamb, Ftrl and Adafactor against Keras 3.15.1 (torch backend) in float64.

Both libraries start from the same weights (a dense kernel, a bias, a bias at zero as Keras
initializes biases, and a 4-D convolution kernel) and receive the same gradients; after every step
the weights, and at the end every optimizer variable in Keras's order with Keras's dtype, agree to
rtol 1e-9. Then the state moves between the libraries through ``.keras`` and ``.weights.h5`` files.
"""

import numpy as np
import pytest

import handkeras
from handkeras import optimizers
from handkeras.variables import Variable
from keras_pair import assert_same_state
from parity import assert_close

torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")

# Adafactor factors the kernels (rank 2 and 4) over their last two axes and not the biases; Lamb's
# trust ratio is 1 for the weight at zero.
SHAPES = {"kernel": (3, 4), "bias": (4,), "zero_bias": (4,), "conv_kernel": (3, 3, 2, 4)}
# Gradient scales per step, large then small, so that clipping and Adafactor's update clipping
# act on some steps and not on others.
SCALES = (3.0, 1.0, 0.2, 2.0, 0.5, 1.5)

CASES = {
    "lion": ("Lion", dict(learning_rate=0.1)),
    "lion_betas": ("Lion", dict(learning_rate=0.05, beta_1=0.5, beta_2=0.8)),
    "lion_beta_1_one": ("Lion", dict(learning_rate=0.05, beta_1=1.0)),
    "lion_weight_decay": ("Lion", dict(learning_rate=0.1, weight_decay=0.5)),
    "lion_clipnorm": ("Lion", dict(learning_rate=0.1, clipnorm=2.0)),
    "lamb": ("Lamb", dict(learning_rate=0.1)),
    "lamb_betas": ("Lamb", dict(learning_rate=0.05, beta_1=0.5, beta_2=0.8, epsilon=1e-3)),
    "lamb_weight_decay": ("Lamb", dict(learning_rate=0.1, weight_decay=0.3)),
    "lamb_global_clipnorm": ("Lamb", dict(learning_rate=0.1, global_clipnorm=3.0)),
    "ftrl": ("Ftrl", dict(learning_rate=0.1)),
    "ftrl_regularized": ("Ftrl", dict(learning_rate=0.2, learning_rate_power=-0.7,
                                      initial_accumulator_value=0.5,
                                      l1_regularization_strength=0.05,
                                      l2_regularization_strength=0.1,
                                      l2_shrinkage_regularization_strength=0.2, beta=0.3)),
    "ftrl_fixed_rate": ("Ftrl", dict(learning_rate=0.1, learning_rate_power=0.0,
                                     l1_regularization_strength=0.5)),
    "ftrl_no_initial_accumulator": ("Ftrl", dict(learning_rate=0.1, initial_accumulator_value=0.0)),
    "ftrl_weight_decay": ("Ftrl", dict(learning_rate=0.1, weight_decay=0.5)),
    "ftrl_clipvalue": ("Ftrl", dict(learning_rate=0.1, clipvalue=1.0)),
    "adafactor": ("Adafactor", dict(learning_rate=0.1)),
    # A rate above 1/sqrt(t) for the first steps: capped there, with or without relative_step.
    "adafactor_large_rate": ("Adafactor", dict(learning_rate=0.7)),
    "adafactor_large_rate_not_relative": ("Adafactor", dict(learning_rate=0.7,
                                                            relative_step=False)),
    "adafactor_arguments": ("Adafactor", dict(learning_rate=0.2, beta_2_decay=-0.5,
                                              epsilon_1=1e-3, epsilon_2=0.05,
                                              clip_threshold=0.5)),
    "adafactor_weight_decay": ("Adafactor", dict(learning_rate=0.1, weight_decay=0.5)),
    "adafactor_clipnorm": ("Adafactor", dict(learning_rate=0.1, clipnorm=1.0)),
}
CLASS_NAMES = ["Lion", "Lamb", "Ftrl", "Adafactor"]

SCHEDULES = {
    "exponential": ("ExponentialDecay", dict(initial_learning_rate=0.1, decay_steps=2,
                                             decay_rate=0.5)),
    "cosine_warmup": ("CosineDecay", dict(initial_learning_rate=0.01, decay_steps=3, alpha=0.2,
                                          warmup_target=0.8, warmup_steps=2)),
}


@pytest.fixture(autouse=True)
def fresh_keras_names():
    """Keras's name counters reset as handkeras's are, so that paths compare."""
    keras.backend.clear_session()


def initial_weights():
    rng = np.random.default_rng(7)
    return {name: np.zeros(shape) if name == "zero_bias" else rng.normal(size=shape)
            for name, shape in SHAPES.items()}


def gradient_sequence():
    rng = np.random.default_rng(11)
    return [[scale * rng.normal(size=shape) for shape in SHAPES.values()] for scale in SCALES]


def make(library, class_name, kwargs):
    """The optimizer of ``library``, a ``schedule=(name, config)`` entry made into its schedule."""
    kwargs = dict(kwargs)
    if "schedule" in kwargs:
        schedule_name, config = kwargs.pop("schedule")
        kwargs["learning_rate"] = getattr(library.optimizers.schedules, schedule_name)(**config)
    return getattr(library.optimizers, class_name)(**kwargs)


def run_both(class_name, kwargs):
    """Step both optimizers through the same gradients; compare weights after every step."""
    weights = initial_weights()
    ours = [Variable(value.copy(), name=name) for name, value in weights.items()]
    theirs = [keras.Variable(value.copy(), name=name) for name, value in weights.items()]
    our_optimizer = make(handkeras, class_name, kwargs)
    their_optimizer = make(keras, class_name, kwargs)
    for step, grads in enumerate(gradient_sequence()):
        our_optimizer.apply([g.copy() for g in grads], ours)
        their_optimizer.apply([keras.ops.convert_to_tensor(g) for g in grads], theirs)
        for mine, reference in zip(ours, theirs):
            assert_close(mine.value, keras.ops.convert_to_numpy(reference),
                         f"{class_name}{kwargs}: {mine.name} after step {step + 1}")
    return our_optimizer, their_optimizer


@pytest.mark.parametrize("case", sorted(CASES))
def test_update_rule_matches_keras(case):
    class_name, kwargs = CASES[case]
    ours, theirs = run_both(class_name, kwargs)
    assert ours.iterations == len(SCALES)
    assert_same_state(ours, theirs)


@pytest.mark.parametrize("schedule", sorted(SCHEDULES))
@pytest.mark.parametrize("class_name", CLASS_NAMES)
def test_update_rule_with_a_schedule_matches_keras(class_name, schedule):
    ours, theirs = run_both(class_name, {"schedule": SCHEDULES[schedule], "weight_decay": 0.2})
    # With a schedule there is no learning-rate variable: the slots follow the iteration count.
    assert_same_state(ours, theirs)


@pytest.mark.parametrize("class_name", CLASS_NAMES)
def test_a_variable_excluded_from_weight_decay_matches_keras(class_name):
    def excluding(optimizer):
        optimizer.exclude_from_weight_decay(var_names=["bias"])
        return optimizer

    weights = initial_weights()
    ours = [Variable(value.copy(), name=name) for name, value in weights.items()]
    theirs = [keras.Variable(value.copy(), name=name) for name, value in weights.items()]
    mine = excluding(make(handkeras, class_name, dict(learning_rate=0.1, weight_decay=0.5)))
    reference = excluding(make(keras, class_name, dict(learning_rate=0.1, weight_decay=0.5)))
    for grads in gradient_sequence():
        mine.apply([g.copy() for g in grads], ours)
        reference.apply([keras.ops.convert_to_tensor(g) for g in grads], theirs)
    for ours_variable, their_variable in zip(ours, theirs):
        assert_close(ours_variable.value, keras.ops.convert_to_numpy(their_variable),
                     ours_variable.name)


@pytest.mark.parametrize("class_name", CLASS_NAMES)
def test_variables_have_keras_names_paths_shapes_and_dtypes(class_name):
    """Built as ``fit`` builds them: with Adafactor's factored moments named after the weight
    (twice), and the placeholders of the biases outside the optimizer's scope."""
    weights = initial_weights()
    ours = getattr(optimizers, class_name)()
    theirs = getattr(keras.optimizers, class_name)()
    ours.build([Variable(value, name=name) for name, value in weights.items()])
    theirs.build([keras.Variable(value, name=name) for name, value in weights.items()])

    def described(variables):
        return [(v.name, v.path, v.trainable, tuple(v.shape), str(np.asarray(v).dtype))
                for v in variables]

    assert described(ours.variables) == [
        (v.name, v.path, v.trainable, tuple(v.shape), str(keras.ops.convert_to_numpy(v).dtype))
        for v in theirs.variables]


@pytest.mark.parametrize("class_name", CLASS_NAMES)
def test_config_matches_keras(class_name):
    ours = getattr(optimizers, class_name)(learning_rate=0.25, name="opt")
    theirs = getattr(keras.optimizers, class_name)(learning_rate=0.25, name="opt")
    assert ours.get_config() == theirs.get_config()
    # (Keras 3.15.1's own keras.optimizers.deserialize and get do not know Lamb; its loader does.)
    rebuilt = keras.saving.deserialize_keras_object(optimizers.serialize(ours))
    assert type(rebuilt).__name__ == class_name
    assert type(optimizers.deserialize(keras.optimizers.serialize(theirs))).__name__ == class_name


@pytest.mark.parametrize("class_name, kwargs", [
    ("Lion", {"beta_1": 0.0}), ("Lion", {"beta_1": 1.5}),
    ("Ftrl", {"initial_accumulator_value": -0.1}), ("Ftrl", {"learning_rate_power": 0.5}),
    ("Ftrl", {"l1_regularization_strength": -1.0}), ("Ftrl", {"l2_regularization_strength": -1.0}),
    ("Ftrl", {"l2_shrinkage_regularization_strength": -1.0}),
])
def test_arguments_keras_refuses_are_value_errors_naming_them(class_name, kwargs):
    (argument,) = kwargs
    with pytest.raises(ValueError, match=argument):
        getattr(keras.optimizers, class_name)(**kwargs)
    with pytest.raises(ValueError, match=argument):
        getattr(optimizers, class_name)(**kwargs)


# ----------------------------------------------------------------------------- files
def _data():
    rng = np.random.default_rng(6)
    return rng.normal(size=(32, 6, 6, 2)), rng.normal(size=(32, 3))


def _training_model(library, class_name, weights=None):
    """A convolution (a 4-D kernel), a dense layer, their biases; compiled with ``class_name``."""
    model = library.Sequential([library.Input(shape=(6, 6, 2)),
                                library.layers.Conv2D(3, 3, activation="tanh"),
                                library.layers.Flatten(), library.layers.Dense(3)])
    if weights is not None:
        model.set_weights(weights)
    model.compile(optimizer=getattr(library.optimizers, class_name)(0.01), loss="mse")
    return model


@pytest.mark.parametrize("filename", ["ckpt.keras", "ckpt.weights.h5"])
@pytest.mark.parametrize("first", ["keras", "handkeras"])
@pytest.mark.parametrize("class_name", CLASS_NAMES)
def test_state_saved_by_one_library_resumes_in_the_other(tmp_path, class_name, first, filename):
    """Two epochs in one library, save, two more in the other == four in one go."""
    libraries = {"keras": keras, "handkeras": handkeras}
    second = "handkeras" if first == "keras" else "keras"
    x, y = _data()
    weights = _training_model(keras, class_name).get_weights()

    straight = _training_model(keras, class_name, weights)
    straight.fit(x, y, epochs=4, batch_size=8, shuffle=False, verbose=0)

    start = _training_model(libraries[first], class_name, weights)
    start.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    path = tmp_path / filename
    if filename.endswith(".weights.h5"):
        start.save_weights(path)
        resumed = _training_model(libraries[second], class_name)
        if second == "keras":  # Keras restores optimizer state only into a built optimizer
            resumed.optimizer.build(resumed.trainable_variables)
        resumed.load_weights(path)
    else:
        start.save(path)
        resumed = libraries[second].models.load_model(path)
    assert type(resumed.optimizer).__name__ == class_name
    assert int(np.asarray(resumed.optimizer.iterations)) == 8
    resumed.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    for got, expected in zip(resumed.get_weights(), straight.get_weights()):
        assert_close(got, expected, f"{class_name} resumed in {second}")
    resumed_state = [np.asarray(v) for v in resumed.optimizer.variables]
    straight_state = [keras.ops.convert_to_numpy(v) for v in straight.optimizer.variables]
    assert len(resumed_state) == len(straight_state)
    for got, expected in zip(resumed_state, straight_state):
        assert_close(got, expected, f"{class_name} state resumed in {second}")
