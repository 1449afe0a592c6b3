"""Weight constraints: Keras's math, names and configs; kept on the weights by every layer that
takes them, applied by optimizers after each update, and saved with the model."""

import json

import numpy as np
import pytest

import handkeras as keras
from handkeras import constraints, layers

EPSILON = 1e-7


def weights(shape=(4, 3), seed=0, scale=3.0):
    return scale * np.random.default_rng(seed).standard_normal(shape)


def column_norms(w, axis=0):
    return np.sqrt(np.square(w).sum(axis=axis, keepdims=True))


# ------------------------------------------------------------------------------------ the math
def test_max_norm_scales_only_the_slices_above_the_bound_down_to_it(float64):
    w = weights() * np.array([1.0, 0.01, 1.0])  # the middle column's norm is below 1
    constrained = constraints.MaxNorm(max_value=1.0)(w)
    norms = column_norms(constrained)
    np.testing.assert_allclose(norms[0, [0, 2]], 1.0, rtol=1e-6)
    # Keras's epsilon sits in the denominator: a slice under the bound shrinks by n / (n + eps)
    small = column_norms(w)[0, 1]
    np.testing.assert_allclose(constrained[:, 1], w[:, 1] * small / (EPSILON + small), rtol=1e-15)
    expected = w * np.clip(column_norms(w), 0, 1.0) / (EPSILON + column_norms(w))
    np.testing.assert_allclose(constrained, expected, rtol=1e-15)


def test_min_max_norm_moves_the_norms_into_the_interval_at_its_rate(float64):
    w = weights() * np.array([1.0, 0.01, 0.1])
    norms = column_norms(w)
    strict = constraints.MinMaxNorm(min_value=0.5, max_value=2.0)(w)
    np.testing.assert_allclose(column_norms(strict), np.clip(norms, 0.5, 2.0) * norms
                               / (EPSILON + norms), rtol=1e-12)
    halfway = constraints.MinMaxNorm(min_value=0.5, max_value=2.0, rate=0.5)(w)
    desired = 0.5 * np.clip(norms, 0.5, 2.0) + 0.5 * norms
    np.testing.assert_allclose(halfway, w * desired / (EPSILON + norms), rtol=1e-15)


def test_non_neg_zeroes_the_negative_weights():
    w = np.array([[-1.5, 0.0, 2.0], [3.0, -0.1, -7.0]])
    np.testing.assert_array_equal(constraints.NonNeg()(w), [[0, 0, 2], [3, 0, 0]])


def test_unit_norm_divides_by_the_norm_plus_epsilon(float64):
    w = weights()
    np.testing.assert_allclose(constraints.UnitNorm()(w), w / (EPSILON + column_norms(w)),
                               rtol=1e-15)
    np.testing.assert_allclose(column_norms(constraints.UnitNorm(axis=1)(w), axis=1), 1.0,
                               rtol=1e-6)


def test_the_axis_picks_the_slices_dense_columns_or_conv_filters(float64):
    kernel = weights((3, 3, 2, 4))  # a Conv2D kernel: (rows, cols, channels, filters)
    per_filter = constraints.MaxNorm(1.0, axis=[0, 1, 2])(kernel)
    np.testing.assert_allclose(np.sqrt(np.square(per_filter).sum(axis=(0, 1, 2))), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(constraints.MaxNorm(1.0, axis=(0, 1, 2))(kernel), per_filter)
    whole = constraints.UnitNorm(axis=None)(kernel)
    np.testing.assert_allclose(np.sqrt(np.square(whole).sum()), 1.0, rtol=1e-6)
    last = constraints.UnitNorm(axis=-1)(kernel)
    np.testing.assert_allclose(np.sqrt(np.square(last).sum(axis=-1)), 1.0, rtol=1e-6)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("constraint", [
    constraints.MaxNorm(np.float64(1.5)), constraints.MinMaxNorm(0.5, np.float64(1.0), 0.5),
    constraints.NonNeg(), constraints.UnitNorm(),
], ids=["max_norm", "min_max_norm", "non_neg", "unit_norm"])
def test_constraints_keep_the_weight_dtype(constraint, dtype):
    assert constraint(weights().astype(dtype)).dtype == dtype


def test_the_base_constraint_changes_nothing_and_a_variable_is_taken_as_its_value():
    w = weights()
    assert constraints.Constraint()(w) is w
    variable = keras.Variable(w.copy(), name="w")
    np.testing.assert_array_equal(constraints.NonNeg()(variable), np.maximum(w, 0))


@pytest.mark.parametrize("make, argument", [
    (lambda: constraints.MaxNorm("2"), "max_value"),
    (lambda: constraints.MaxNorm(True), "max_value"),
    (lambda: constraints.MinMaxNorm(min_value=None), "min_value"),
    (lambda: constraints.MinMaxNorm(rate=float("nan")), "rate"),
    (lambda: constraints.UnitNorm(axis=1.0), "axis"),
    (lambda: constraints.MaxNorm(axis=[0, "1"]), "axis"),
])
def test_arguments_that_are_no_numbers_are_refused_by_name(make, argument):
    with pytest.raises(ValueError, match=f"`{argument}`"):
        make()


# ------------------------------------------------------------------------------------ configs
def test_keras_defaults_and_configs():
    assert constraints.MaxNorm().get_config() == {"max_value": 2, "axis": 0}
    assert constraints.MinMaxNorm().get_config() == {"min_value": 0.0, "max_value": 1.0,
                                                     "rate": 1.0, "axis": 0}
    assert constraints.UnitNorm().get_config() == {"axis": 0}
    assert constraints.NonNeg().get_config() == constraints.Constraint().get_config() == {}
    for constraint in (constraints.MaxNorm(3, axis=[0, 1]), constraints.MinMaxNorm(0.1, 2, 0.3, 1),
                       constraints.UnitNorm(-1), constraints.NonNeg()):
        config = constraint.get_config()
        assert type(constraint).from_config(config).get_config() == config


def test_the_lowercase_names_are_the_classes():
    assert constraints.max_norm is constraints.MaxNorm
    assert constraints.min_max_norm is constraints.MinMaxNorm
    assert constraints.non_neg is constraints.NonNeg
    assert constraints.unit_norm is constraints.UnitNorm


@pytest.mark.parametrize("name, cls", [
    ("max_norm", constraints.MaxNorm), ("MaxNorm", constraints.MaxNorm),
    ("min_max_norm", constraints.MinMaxNorm), ("MinMaxNorm", constraints.MinMaxNorm),
    ("non_neg", constraints.NonNeg), ("NonNeg", constraints.NonNeg),
    ("unit_norm", constraints.UnitNorm), ("UnitNorm", constraints.UnitNorm),
    ("constraint", constraints.Constraint), ("Constraint", constraints.Constraint),
])
def test_get_takes_keras_s_names(name, cls):
    assert type(constraints.get(name)) is cls
    assert type(constraints.deserialize(name)) is cls


def test_get_takes_configs_classes_instances_callables_and_none():
    assert constraints.get(None) is None and constraints.deserialize(None) is None
    instance = constraints.MaxNorm(3)
    assert constraints.get(instance) is instance
    assert type(constraints.get(constraints.UnitNorm)) is constraints.UnitNorm

    def clip(w):
        return np.clip(w, -1, 1)

    assert constraints.get(clip) is clip  # no gradient needed: any callable is a constraint
    config = constraints.serialize(constraints.MinMaxNorm(0.5, 2.0, axis=[0, 1]))
    assert config == {"module": "keras.constraints", "class_name": "MinMaxNorm",
                      "config": {"min_value": 0.5, "max_value": 2.0, "rate": 1.0,
                                 "axis": [0, 1]},
                      "registered_name": None}
    assert constraints.get(config).get_config() == config["config"]
    assert constraints.deserialize(config).get_config() == config["config"]
    assert constraints.get({"class_name": "max_norm", "config": {"max_value": 4}}).max_value == 4


@pytest.mark.parametrize("identifier", ["maxnorm", "MAX_NORM", "l2", 3, ["max_norm"]])
def test_get_refuses_what_keras_cannot_interpret(identifier):
    with pytest.raises(ValueError, match="Could not interpret constraint identifier") as error:
        constraints.get(identifier)
    assert "max_norm" in str(error.value)  # the valid names are listed


def test_an_unknown_class_in_a_config_is_named():
    with pytest.raises(ValueError, match="Unknown constraint: 'Clip'"):
        constraints.get({"class_name": "Clip", "config": {}})


def test_a_custom_constraint_registered_round_trips():
    @keras.saving.register_keras_serializable(package="Tests")
    class Clip(constraints.Constraint):
        def __init__(self, limit=1.0):
            self.limit = limit

        def __call__(self, w):
            return np.clip(w, -self.limit, self.limit)

        def get_config(self):
            return {"limit": self.limit}

    config = constraints.serialize(Clip(0.5))
    assert config["registered_name"] == "Tests>Clip"
    restored = constraints.deserialize(config)
    assert type(restored) is Clip and restored.limit == 0.5


# ------------------------------------------------------------------------------------ variables
def test_a_variable_s_constraint_must_be_callable():
    variable = keras.Variable(np.ones(3), name="w")
    assert variable.constraint is None
    variable.constraint = constraints.NonNeg()
    with pytest.raises(ValueError, match="Invalid value for attribute `constraint`"):
        variable.constraint = "non_neg"
    assert type(variable.constraint) is constraints.NonNeg


def test_add_weight_keeps_the_constraint_on_the_variable():
    layer = layers.Layer(name="custom")
    weight = layer.add_weight((2, 3), constraint="unit_norm")
    assert type(weight.constraint) is constraints.UnitNorm
    assert layer.add_weight((2,)).constraint is None
    with pytest.raises(ValueError, match="Layer 'custom': `constraint`: .*'unitnorm'"):
        layer.add_weight((2,), constraint="unitnorm")
    assert len(layer.weights) == 2


# ------------------------------------------------------------------------------------ layers
# Every layer that takes constraints, built on inputs of the given shape (batch excluded), and
# the weights its constraint arguments go to.
CONSTRAINED_LAYERS = {
    "Dense": (lambda **c: layers.Dense(3, **c), (4,), {"kernel": "kernel", "bias": "bias"}),
    "Conv1D": (lambda **c: layers.Conv1D(2, 3, **c), (5, 2), {"kernel": "kernel", "bias": "bias"}),
    "Conv2D": (lambda **c: layers.Conv2D(2, 3, **c), (5, 5, 2),
               {"kernel": "kernel", "bias": "bias"}),
    "Conv1DTranspose": (lambda **c: layers.Conv1DTranspose(2, 3, **c), (5, 2),
                        {"kernel": "kernel", "bias": "bias"}),
    "Conv2DTranspose": (lambda **c: layers.Conv2DTranspose(2, 3, **c), (4, 4, 2),
                        {"kernel": "kernel", "bias": "bias"}),
    "Conv3D": (lambda **c: layers.Conv3D(2, 2, groups=2, **c), (3, 3, 3, 4),
               {"kernel": "kernel", "bias": "bias"}),
    "Conv3DTranspose": (lambda **c: layers.Conv3DTranspose(2, 2, **c), (3, 3, 3, 2),
                        {"kernel": "kernel", "bias": "bias"}),
    "DepthwiseConv1D": (lambda **c: layers.DepthwiseConv1D(3, **c), (5, 2),
                        {"depthwise": "kernel", "bias": "bias"}),
    "DepthwiseConv2D": (lambda **c: layers.DepthwiseConv2D(3, depth_multiplier=2, **c),
                        (4, 4, 2), {"depthwise": "kernel", "bias": "bias"}),
    "SeparableConv1D": (lambda **c: layers.SeparableConv1D(2, 3, **c), (5, 2),
                        {"depthwise": "depthwise_kernel", "pointwise": "pointwise_kernel",
                         "bias": "bias"}),
    "SeparableConv2D": (lambda **c: layers.SeparableConv2D(2, 3, **c), (4, 4, 2),
                        {"depthwise": "depthwise_kernel", "pointwise": "pointwise_kernel",
                         "bias": "bias"}),
    "Embedding": (lambda **c: layers.Embedding(6, 3, **c), (4,), {"embeddings": "embeddings"}),
    "BatchNormalization": (lambda **c: layers.BatchNormalization(**c), (4,),
                           {"beta": "beta", "gamma": "gamma"}),
    "LayerNormalization": (lambda **c: layers.LayerNormalization(**c), (4,),
                           {"beta": "beta", "gamma": "gamma"}),
    "GroupNormalization": (lambda **c: layers.GroupNormalization(groups=2, **c), (4,),
                           {"beta": "beta", "gamma": "gamma"}),
    "PReLU": (lambda **c: layers.PReLU(**c), (4,), {"alpha": "alpha"}),
    **{kind: (lambda kind=kind, **c: getattr(layers, kind)(3, **c), (5, 2),
              {"kernel": "cell.kernel", "recurrent": "cell.recurrent_kernel",
               "bias": "cell.bias"}) for kind in ("SimpleRNN", "LSTM", "GRU")},
}
IDENTIFIERS = ["max_norm", constraints.NonNeg(), {"class_name": "UnitNorm", "config": {"axis": 1}},
               constraints.MinMaxNorm]


def _weight(layer, path):
    for name in path.split("."):
        layer = getattr(layer, name)
    return layer


@pytest.mark.parametrize("kind", sorted(CONSTRAINED_LAYERS))
def test_layers_keep_their_constraints_on_their_weights_and_in_their_config(kind):
    make, shape, weights_of = CONSTRAINED_LAYERS[kind]
    arguments = {f"{prefix}_constraint": IDENTIFIERS[i % len(IDENTIFIERS)]
                 for i, prefix in enumerate(weights_of)}
    layer = make(**arguments)
    layer.build_once((None,) + shape)
    config = layer.get_config()
    for argument, identifier in arguments.items():
        expected = constraints.get(identifier)
        weight = _weight(layer, weights_of[argument[:-len("_constraint")]])
        assert type(weight.constraint) is type(expected)
        assert getattr(layer, argument) is weight.constraint
        assert config[argument] == constraints.serialize(expected)
    restored = type(layer).from_config(config)
    assert restored.get_config() == {**config, "name": layer.name}


@pytest.mark.parametrize("kind", sorted(CONSTRAINED_LAYERS))
def test_layers_default_to_no_constraint(kind):
    make, shape, weights_of = CONSTRAINED_LAYERS[kind]
    layer = make()
    layer.build_once((None,) + shape)
    assert all(w.constraint is None for w in layer.weights)
    assert all(layer.get_config()[f"{prefix}_constraint"] is None for prefix in weights_of)


@pytest.mark.parametrize("kind", sorted(CONSTRAINED_LAYERS))
def test_an_unknown_constraint_names_the_layer_and_the_argument(kind):
    make, _, weights_of = CONSTRAINED_LAYERS[kind]
    argument = f"{next(iter(weights_of))}_constraint"
    with pytest.raises(ValueError, match=rf"{kind} '.*': `{argument}`: Could not interpret "
                                         r"constraint identifier: 'maxnorm'"):
        make(**{argument: "maxnorm"})


# ------------------------------------------------------------------------------------ training
def test_optimizers_apply_the_constraint_after_each_update():
    variable = keras.Variable(np.array([1.0, 2.0, 3.0]), name="w")
    optimizer = keras.optimizers.SGD(learning_rate=1.0)
    optimizer.apply([np.array([2.0, 1.0, -1.0])], [variable])
    np.testing.assert_array_equal(variable.numpy(), [-1.0, 1.0, 4.0])
    variable.constraint = constraints.NonNeg()  # set after the first step: seen by the next one
    optimizer.apply([np.array([2.0, 0.5, 1.0])], [variable])
    np.testing.assert_array_equal(variable.numpy(), [0.0, 0.5, 3.0])
    assert int(optimizer.iterations) == 2


def test_fit_keeps_the_kernel_columns_within_their_max_norm():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(64, 3)), 50 * rng.normal(size=(64, 4))

    def trained(**arguments):
        keras.utils.set_random_seed(1)
        model = keras.Sequential([keras.Input((3,)), layers.Dense(4, **arguments)])
        model.compile(optimizer=keras.optimizers.SGD(0.5), loss="mse")
        model.fit(x, y, epochs=3, batch_size=16, verbose=0)
        return model.layers[0]

    free, bounded = trained(), trained(kernel_constraint="max_norm", bias_constraint="non_neg")
    assert np.linalg.norm(free.kernel.numpy(), axis=0).max() > 4  # it would grow past the bound
    np.testing.assert_allclose(np.linalg.norm(bounded.kernel.numpy(), axis=0), 2.0, rtol=1e-5)
    assert free.bias.numpy().min() < 0 and bounded.bias.numpy().min() >= 0


def test_each_step_applies_each_constraint_once_and_frozen_weights_are_left_alone():
    calls = []

    def counted(w):
        calls.append(w)
        return np.asarray(w)

    frozen = layers.Dense(2, kernel_constraint=lambda w: np.zeros_like(w))
    model = keras.Sequential([keras.Input((3,)), layers.Dense(4, kernel_constraint=counted),
                              frozen])
    frozen.trainable = False
    model.compile(optimizer="adam", loss="mse")
    kernel = frozen.kernel.numpy()
    model.fit(np.ones((10, 3)), np.ones((10, 2)), batch_size=4, epochs=2, verbose=0)
    assert len(calls) == 6 and all(w is model.layers[0].kernel for w in calls)
    np.testing.assert_array_equal(frozen.kernel.numpy(), kernel)


def test_only_optimizer_updates_apply_constraints_not_creation_or_set_weights():
    layer = layers.Dense(3, kernel_constraint="unit_norm")
    model = keras.Sequential([keras.Input((4,)), layer])
    assert not np.allclose(np.linalg.norm(layer.kernel.numpy(), axis=0), 1.0)
    model.set_weights([np.full((4, 3), 5.0), np.zeros(3)])
    np.testing.assert_array_equal(layer.kernel.numpy(), 5.0)


# ------------------------------------------------------------------------------------ saving
@pytest.mark.parametrize("filename", ["model.keras", "model.h5"])
def test_saved_models_keep_their_constraints(tmp_path, filename):
    model = keras.Sequential([
        keras.Input((6, 2)),
        layers.Conv1D(3, 2, kernel_constraint=constraints.MaxNorm(1.5, axis=[0, 1])),
        layers.LSTM(2, recurrent_constraint="unit_norm", bias_constraint="non_neg"),
        layers.Dense(1, kernel_constraint=constraints.MinMaxNorm(0.1, 0.9, rate=0.5)),
    ])
    model.save(tmp_path / filename)
    loaded = keras.models.load_model(tmp_path / filename)
    assert loaded.get_config() == model.get_config()
    kernel = loaded.layers[0].kernel.constraint
    assert type(kernel) is constraints.MaxNorm and kernel.get_config() == {"max_value": 1.5,
                                                                         "axis": [0, 1]}
    assert type(loaded.layers[1].cell.bias.constraint) is constraints.NonNeg
    clone = keras.models.clone_model(model)
    assert clone.layers[2].kernel.constraint.get_config()["rate"] == 0.5
    assert keras.models.model_from_json(model.to_json()).get_config() == model.get_config()


def test_a_keras_2_config_without_modules_loads_its_constraints():
    dense = {"class_name": "Dense", "config": {
        "name": "dense", "units": 2, "batch_input_shape": [None, 3],
        "kernel_constraint": {"class_name": "MaxNorm", "config": {"max_value": 3, "axis": 0}},
        "bias_constraint": {"class_name": "NonNeg", "config": {}}}}
    config = {"class_name": "Sequential", "config": {"name": "old", "layers": [dense]}}
    layer = keras.models.model_from_json(json.dumps(config)).layers[0]
    assert layer.kernel.constraint.get_config() == {"max_value": 3, "axis": 0}
    assert type(layer.bias.constraint) is constraints.NonNeg
