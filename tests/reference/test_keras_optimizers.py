"""Every optimizer, option and schedule against Keras 3.15.1 (torch backend) in float64.

Both libraries start from the same weights and receive the same sequence of gradients; after each
step the weights, and at the end every optimizer variable (in Keras's order), must agree to rtol 1e-9.
Keras, not PyTorch, is the reference: the two place epsilon differently for several rules.
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

STEPS = 5
SHAPES = {"kernel": (3, 4), "bias": (4,)}
# Gradient scales per step: large then small, so AMSGrad's running maximum and the clip thresholds
# both matter.
SCALES = (3.0, 1.0, 0.2, 2.0, 0.5)

SCHEDULES = {
    "exponential": ("ExponentialDecay", dict(initial_learning_rate=0.1, decay_steps=2, decay_rate=0.5)),
    "exponential_staircase": ("ExponentialDecay", dict(initial_learning_rate=0.1, decay_steps=2,
                                                       decay_rate=0.5, staircase=True)),
    "inverse_time": ("InverseTimeDecay", dict(initial_learning_rate=0.1, decay_steps=2, decay_rate=0.7)),
    "inverse_time_staircase": ("InverseTimeDecay", dict(initial_learning_rate=0.1, decay_steps=2,
                                                        decay_rate=0.7, staircase=True)),
    "piecewise": ("PiecewiseConstantDecay", dict(boundaries=[1, 3], values=[0.1, 0.05, 0.01])),
    "polynomial": ("PolynomialDecay", dict(initial_learning_rate=0.1, decay_steps=3,
                                           end_learning_rate=0.01, power=2.0)),
    "polynomial_cycle": ("PolynomialDecay", dict(initial_learning_rate=0.1, decay_steps=2,
                                                 end_learning_rate=0.01, power=0.5, cycle=True)),
    "cosine": ("CosineDecay", dict(initial_learning_rate=0.1, decay_steps=3, alpha=0.1)),
    "cosine_warmup": ("CosineDecay", dict(initial_learning_rate=0.01, decay_steps=2, alpha=0.2,
                                          warmup_target=0.2, warmup_steps=2)),
    "cosine_restarts": ("CosineDecayRestarts", dict(initial_learning_rate=0.1, first_decay_steps=2,
                                                    m_mul=0.5, alpha=0.1)),
    "cosine_restarts_even": ("CosineDecayRestarts", dict(initial_learning_rate=0.1,
                                                         first_decay_steps=3, t_mul=1.0,
                                                         m_mul=0.8)),
    "cosine_restarts_short": ("CosineDecayRestarts", dict(initial_learning_rate=0.2,
                                                          first_decay_steps=1, t_mul=1.5)),
}

CASES = {
    "sgd": ("SGD", dict(learning_rate=0.1)),
    "sgd_momentum": ("SGD", dict(learning_rate=0.1, momentum=0.9)),
    "sgd_nesterov": ("SGD", dict(learning_rate=0.1, momentum=0.9, nesterov=True)),
    "adam": ("Adam", dict(learning_rate=0.1)),
    "adam_amsgrad": ("Adam", dict(learning_rate=0.1, amsgrad=True)),
    "adam_betas": ("Adam", dict(learning_rate=0.05, beta_1=0.5, beta_2=0.8, epsilon=1e-3)),
    "adamw": ("AdamW", dict(learning_rate=0.1)),
    "adamw_amsgrad": ("AdamW", dict(learning_rate=0.1, weight_decay=0.5, amsgrad=True)),
    "rmsprop": ("RMSprop", dict(learning_rate=0.1)),
    "rmsprop_momentum": ("RMSprop", dict(learning_rate=0.1, momentum=0.8)),
    "rmsprop_centered": ("RMSprop", dict(learning_rate=0.1, centered=True)),
    "rmsprop_momentum_centered": ("RMSprop", dict(learning_rate=0.1, rho=0.7, momentum=0.5,
                                                  centered=True)),
    "adagrad": ("Adagrad", dict(learning_rate=0.1)),
    "adagrad_accumulator": ("Adagrad", dict(learning_rate=0.1, initial_accumulator_value=2.0,
                                            epsilon=1e-2)),
    "adadelta": ("Adadelta", dict(learning_rate=1.0)),
    "adadelta_rho": ("Adadelta", dict(learning_rate=1.0, rho=0.5, epsilon=1e-3)),
    "adamax": ("Adamax", dict(learning_rate=0.1)),
    "adamax_betas": ("Adamax", dict(learning_rate=0.1, beta_1=0.5, beta_2=0.9, epsilon=1e-3)),
    "nadam": ("Nadam", dict(learning_rate=0.1)),
    "nadam_betas": ("Nadam", dict(learning_rate=0.1, beta_1=0.6, beta_2=0.9, epsilon=1e-3)),
    # Clipping: thresholds between the gradients' norms, so some steps clip and others do not.
    "sgd_clipnorm": ("SGD", dict(learning_rate=0.1, clipnorm=2.0)),
    "adam_clipnorm": ("Adam", dict(learning_rate=0.1, clipnorm=1.5)),
    "rmsprop_clipnorm": ("RMSprop", dict(learning_rate=0.1, momentum=0.5, clipnorm=2.0)),
    "sgd_global_clipnorm": ("SGD", dict(learning_rate=0.1, momentum=0.5, global_clipnorm=3.0)),
    "nadam_global_clipnorm": ("Nadam", dict(learning_rate=0.1, global_clipnorm=2.5)),
    "adagrad_global_clipnorm": ("Adagrad", dict(learning_rate=0.1, global_clipnorm=2.0)),
    "sgd_clipvalue": ("SGD", dict(learning_rate=0.1, clipvalue=0.7)),
    "adamax_clipvalue": ("Adamax", dict(learning_rate=0.1, clipvalue=1.0)),
    "adadelta_clipvalue": ("Adadelta", dict(learning_rate=1.0, clipvalue=0.5)),
    # Weight decay, applied before the update with the step's learning rate.
    "sgd_weight_decay": ("SGD", dict(learning_rate=0.1, momentum=0.9, weight_decay=0.3)),
    "adam_weight_decay": ("Adam", dict(learning_rate=0.1, weight_decay=0.2)),
    "rmsprop_weight_decay": ("RMSprop", dict(learning_rate=0.1, centered=True, weight_decay=0.2)),
    "adagrad_weight_decay": ("Adagrad", dict(learning_rate=0.1, weight_decay=0.5)),
    "adadelta_weight_decay": ("Adadelta", dict(learning_rate=1.0, weight_decay=0.5)),
    "adamax_weight_decay": ("Adamax", dict(learning_rate=0.1, weight_decay=0.5)),
    "nadam_weight_decay": ("Nadam", dict(learning_rate=0.1, weight_decay=0.5)),
    "adamw_clipnorm": ("AdamW", dict(learning_rate=0.1, weight_decay=0.3, clipnorm=1.0)),
}


@pytest.fixture(autouse=True)
def keras_float64():
    """Keras in float64, with its name counters reset as handkeras's are (so paths compare)."""
    keras.backend.clear_session()
    keras.config.set_floatx("float64")
    yield
    keras.config.set_floatx("float32")


def initial_weights():
    rng = np.random.default_rng(7)
    return {name: rng.normal(size=shape) for name, shape in SHAPES.items()}


def gradient_sequence():
    rng = np.random.default_rng(11)
    return [[scale * rng.normal(size=shape) for shape in SHAPES.values()] for scale in SCALES]


def learning_rate_argument(kwargs, library):
    """``kwargs`` with a ``schedule=(name, config)`` entry turned into that library's schedule."""
    kwargs = dict(kwargs)
    if "schedule" in kwargs:
        class_name, config = kwargs.pop("schedule")
        module = optimizers.schedules if library == "handkeras" else keras.optimizers.schedules
        kwargs["learning_rate"] = getattr(module, class_name)(**config)
    return kwargs


def run_both(class_name, kwargs, exclude_names=None, use_apply_gradients=False):
    """Step both optimizers through the same gradients; compare weights after every step."""
    weights = initial_weights()
    ours = [Variable(value.copy(), name=name) for name, value in weights.items()]
    theirs = [keras.Variable(value.copy(), name=name) for name, value in weights.items()]
    our_optimizer = getattr(optimizers, class_name)(**learning_rate_argument(kwargs, "handkeras"))
    their_optimizer = getattr(keras.optimizers, class_name)(**learning_rate_argument(kwargs, "keras"))
    if exclude_names:
        our_optimizer.exclude_from_weight_decay(var_names=exclude_names)
        their_optimizer.exclude_from_weight_decay(var_names=exclude_names)
    for step, grads in enumerate(gradient_sequence()):
        if use_apply_gradients:
            our_optimizer.apply_gradients(zip([g.copy() for g in grads], ours))
        else:
            our_optimizer.apply([g.copy() for g in grads], ours)
        their_optimizer.apply([keras.ops.convert_to_tensor(g) for g in grads], theirs)
        for mine, reference in zip(ours, theirs):
            assert_close(mine.value, keras.ops.convert_to_numpy(reference),
                         f"{class_name}{kwargs}: {mine.name} after step {step + 1}")
    return our_optimizer, their_optimizer


@pytest.mark.parametrize("case", sorted(CASES))
def test_optimizer_matches_keras(case):
    class_name, kwargs = CASES[case]
    ours, theirs = run_both(class_name, kwargs)
    assert ours.iterations == STEPS
    assert_same_state(ours, theirs)


@pytest.mark.parametrize("schedule", sorted(SCHEDULES))
@pytest.mark.parametrize("class_name", ["SGD", "Adam"])
def test_optimizer_with_schedule_matches_keras(class_name, schedule):
    kwargs = {"schedule": SCHEDULES[schedule]}
    if class_name == "SGD":
        kwargs["momentum"] = 0.5
    ours, theirs = run_both(class_name, kwargs)
    # With a schedule there is no learning-rate variable: the slots follow the iteration count.
    assert_same_state(ours, theirs)
    assert_close(ours.learning_rate, keras.ops.convert_to_numpy(theirs.learning_rate))


def test_weight_decay_with_schedule_uses_the_step_learning_rate():
    ours, theirs = run_both("SGD", {"schedule": SCHEDULES["exponential"], "weight_decay": 0.5})
    assert_same_state(ours, theirs)


def test_exclude_from_weight_decay_by_name_matches_keras():
    ours, theirs = run_both("AdamW", dict(learning_rate=0.1, weight_decay=0.5),
                            exclude_names=["bias"])
    assert_same_state(ours, theirs)


@pytest.mark.parametrize("case", sorted(CASES))
def test_variables_have_keras_names_and_paths(case):
    """Built as ``fit`` builds them. (Keras's unnamed Nadam product is ``variable`` then, but
    ``<optimizer>/variable`` when a first ``apply`` builds the optimizer.)"""
    class_name, kwargs = CASES[case]
    weights = initial_weights()
    ours = getattr(optimizers, class_name)(**kwargs)
    theirs = getattr(keras.optimizers, class_name)(**kwargs)
    ours.build([Variable(value, name=name) for name, value in weights.items()])
    theirs.build([keras.Variable(value, name=name) for name, value in weights.items()])
    assert [(v.name, v.path, v.trainable) for v in ours.variables] == [
        (v.name, v.path, v.trainable) for v in theirs.variables]


def test_apply_gradients_matches_keras():
    run_both("Adam", dict(learning_rate=0.1, amsgrad=True), use_apply_gradients=True)


@pytest.mark.parametrize("schedule", sorted(SCHEDULES))
def test_schedule_values_match_keras(schedule):
    class_name, config = SCHEDULES[schedule]
    ours = getattr(optimizers.schedules, class_name)(**config)
    theirs = getattr(keras.optimizers.schedules, class_name)(**config)
    for step in range(12):
        expected = keras.ops.convert_to_numpy(theirs(np.int32(step)))
        assert_close(ours(step), expected, f"{class_name}{config} at step {step}")
        assert np.asarray(ours(step)).dtype == expected.dtype


@pytest.mark.parametrize("class_name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta",
                                        "Adamax", "Nadam"])
def test_config_matches_keras(class_name):
    ours = getattr(optimizers, class_name)(learning_rate=0.25, name="opt")
    theirs = getattr(keras.optimizers, class_name)(learning_rate=0.25, name="opt")
    assert ours.get_config() == theirs.get_config()


@pytest.mark.parametrize("schedule", sorted(SCHEDULES))
def test_config_with_schedule_matches_keras(schedule):
    class_name, config = SCHEDULES[schedule]
    ours = optimizers.Adam(learning_rate=getattr(optimizers.schedules, class_name)(**config), name="o")
    theirs = keras.optimizers.Adam(
        learning_rate=getattr(keras.optimizers.schedules, class_name)(**config), name="o")
    assert ours.get_config() == theirs.get_config()
    rebuilt = keras.optimizers.Adam.from_config(ours.get_config())
    assert type(rebuilt._learning_rate).__name__ == class_name


def test_learning_rate_and_iterations_read_and_assign_as_in_keras(float64):
    """What Keras scripts do with a compiled model's optimizer gives the same in both libraries."""
    def uses(library):
        model = library.Sequential([library.Input((2,)), library.layers.Dense(1)])
        model.compile(optimizer=library.optimizers.SGD(0.1, momentum=0.5), loss="mse")
        model.fit(np.ones((4, 2)), np.ones((4, 1)), batch_size=2, verbose=0)
        optimizer = model.optimizer
        seen = {"repr": repr(optimizer.learning_rate), "iterations": repr(optimizer.iterations)}
        optimizer.learning_rate.assign(0.05)
        assigned = optimizer.learning_rate.numpy()
        optimizer.learning_rate = 0.2
        seen.update(
            assigned=(assigned.item(), assigned.shape, str(assigned.dtype)),
            set=float(optimizer.learning_rate), steps=int(optimizer.iterations),
            step_array=(optimizer.iterations.numpy().item(), str(optimizer.iterations.numpy().dtype)),
            paths=[v.path for v in optimizer.variables[:2]],
            trainable=[v.trainable for v in optimizer.variables])
        return seen

    assert uses(handkeras) == uses(keras)


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop"])
def test_set_weights_then_a_step_continues_as_keras_does(name):
    """State written with ``set_weights`` (a resumed run's) drives the next step as in Keras."""
    options = {"momentum": 0.9} if name == "SGD" else {}
    start = {"kernel": np.linspace(-1, 1, 12).reshape(3, 4), "bias": np.linspace(0, 1, 4)}
    grads = [np.full((3, 4), 0.5), np.linspace(-2, 2, 4)]
    results = []
    for library in (handkeras, keras):
        optimizer = getattr(library.optimizers, name)(**options)
        variables = [library.Variable(value.copy(), name=key) for key, value in start.items()]
        optimizer.build(variables)
        rng = np.random.default_rng(0)
        state = [np.array(3, "int32" if library is keras else optimizer.variables[0].dtype)]
        state += [np.abs(rng.standard_normal(np.shape(v))) for v in optimizer.variables[1:]]
        optimizer.set_weights(state)
        optimizer.apply([library.ops.convert_to_tensor(g) for g in grads], variables)
        results.append(([np.asarray(v.numpy()) for v in variables],
                        [np.asarray(v.numpy()) for v in optimizer.variables]))
    for ours, theirs in zip(*[sum(result, []) for result in results]):
        assert_close(ours, theirs)


def test_clone_of_an_initializer_has_keras_s_config():
    for name, options in [("RandomNormal", dict(seed=3)), ("Orthogonal", dict(gain=2.0)),
                          ("VarianceScaling", dict(scale=2.0, mode="fan_out", seed=4))]:
        ours = getattr(handkeras.initializers, name)(**options).clone()
        theirs = getattr(keras.initializers, name)(**options).clone()
        assert ours.get_config() == theirs.get_config()
