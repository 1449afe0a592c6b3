"""Weight constraints against Keras 3.15.1 (torch backend), in float64 to rtol 1e-9: each
constraint's values along every kind of axis, its config and serialized form, the names ``get``
takes and refuses, the configs of the layers that take constraints (loaded both ways), models
trained with binding constraints, and files carrying constraints from either library to the other.
"""

import json

import numpy as np
import pytest

import handkeras
from handkeras import constraints
from parity import assert_close

keras = pytest.importorskip("keras")
pytest.importorskip("torch")

from keras_pair import (FILE_CASES, assert_same_history, assert_same_weights,  # noqa: E402
                        file_case_ids, make_models, plain)

# (class name, arguments, weight shape): Dense kernels along their inputs or units, conv kernels
# per filter, a bias, the whole weight.
CASES = [
    ("MaxNorm", {}, (5, 3)),
    ("MaxNorm", {"max_value": 0.7, "axis": 1}, (5, 3)),
    ("MaxNorm", {"max_value": 1.5, "axis": [0, 1, 2]}, (3, 3, 2, 4)),
    ("MaxNorm", {"max_value": 1, "axis": -1}, (4,)),
    ("MinMaxNorm", {}, (5, 3)),
    ("MinMaxNorm", {"min_value": 0.8, "max_value": 1.2, "rate": 0.3}, (5, 3)),
    ("MinMaxNorm", {"min_value": 0.5, "max_value": 0.9, "axis": [0, 1]}, (3, 2, 4)),
    ("MinMaxNorm", {"min_value": 2.0, "max_value": 1.0}, (5, 3)),
    ("NonNeg", {}, (5, 3)),
    ("UnitNorm", {}, (5, 3)),
    ("UnitNorm", {"axis": [0, 1, 2]}, (3, 3, 2, 4)),
    ("UnitNorm", {"axis": None}, (5, 3)),
]
CASE_IDS = [f"{name}{arguments}{shape}" for name, arguments, shape in CASES]


def weight(shape, seed=0):
    """Slices of all sizes: some well above any bound, some near zero, one exactly zero."""
    w = np.random.default_rng(seed).normal(size=shape) * np.geomspace(1e-3, 4, shape[-1])
    w[..., 0] = 0.0
    return w


@pytest.mark.parametrize("name, arguments, shape", CASES, ids=CASE_IDS)
def test_values_are_keras_s(name, arguments, shape):
    w = weight(shape)
    mine = getattr(constraints, name)(**arguments)(w)
    theirs = keras.ops.convert_to_numpy(getattr(keras.constraints, name)(**arguments)(w))
    assert mine.dtype == theirs.dtype == np.float64
    assert_close(mine, theirs, f"{name}{arguments}")


@pytest.mark.parametrize("name, arguments, shape", CASES, ids=CASE_IDS)
def test_configs_and_serialized_forms_are_keras_s(name, arguments, shape):
    mine = getattr(constraints, name)(**arguments)
    theirs = getattr(keras.constraints, name)(**arguments)
    assert mine.get_config() == theirs.get_config()
    assert constraints.serialize(mine) == keras.constraints.serialize(theirs)
    assert type(keras.constraints.deserialize(plain(constraints.serialize(mine)))) is type(theirs)
    assert constraints.deserialize(plain(keras.constraints.serialize(theirs))).get_config() == \
        plain(theirs.get_config())


NAMES = ["max_norm", "MaxNorm", "min_max_norm", "MinMaxNorm", "non_neg", "NonNeg", "unit_norm",
         "UnitNorm", "constraint", "Constraint"]


@pytest.mark.parametrize("name", NAMES)
def test_get_resolves_keras_s_names_alike(name):
    mine, theirs = constraints.get(name), keras.constraints.get(name)
    assert type(mine).__name__ == type(theirs).__name__
    assert mine.get_config() == theirs.get_config()


@pytest.mark.parametrize("identifier", ["maxnorm", "Max_Norm", "nonneg", "l2", 3, ["max_norm"],
                                        {"class_name": "Clip", "config": {}}])
def test_get_refuses_what_keras_refuses_with_a_value_error(identifier):
    with pytest.raises(ValueError, match="Could not interpret constraint identifier"):
        keras.constraints.get(identifier)
    with pytest.raises(ValueError, match="constraint"):
        constraints.get(identifier)


# ---------------------------------------------------------------------------------- layers
LAYER_CASES = [
    ("Dense", (3,), dict(kernel_constraint="max_norm", bias_constraint="non_neg")),
    ("Conv1D", (2, 3), dict(kernel_constraint={"class_name": "MaxNorm",
                                               "config": {"max_value": 1.5, "axis": [0, 1]}})),
    ("Conv2D", (2, 3), dict(kernel_constraint="min_max_norm", bias_constraint="NonNeg")),
    ("Conv1DTranspose", (2, 3), dict(kernel_constraint="unit_norm")),
    ("Conv2DTranspose", (2, 3), dict(bias_constraint="non_neg")),
    ("Conv3D", (2, 3), dict(kernel_constraint="max_norm", bias_constraint="non_neg")),
    ("Conv3DTranspose", (2, 3), dict(kernel_constraint="unit_norm")),
    ("DepthwiseConv1D", (3,), dict(depthwise_constraint="max_norm", bias_constraint="non_neg")),
    ("DepthwiseConv2D", (3,), dict(depthwise_constraint="unit_norm")),
    ("SeparableConv1D", (2, 3), dict(pointwise_constraint="max_norm", bias_constraint="NonNeg")),
    ("SeparableConv2D", (2, 3), dict(depthwise_constraint="non_neg",
                                     pointwise_constraint="unit_norm")),
    ("Embedding", (5, 3), dict(embeddings_constraint="unit_norm")),
    ("BatchNormalization", (), dict(beta_constraint="non_neg", gamma_constraint="max_norm")),
    ("LayerNormalization", (), dict(beta_constraint="NonNeg", gamma_constraint="unit_norm")),
    ("GroupNormalization", (), dict(groups=2, beta_constraint="NonNeg",
                                    gamma_constraint="unit_norm")),
    ("PReLU", (), dict(alpha_constraint="non_neg")),
    ("SimpleRNN", (3,), dict(kernel_constraint="max_norm", recurrent_constraint="unit_norm")),
    ("LSTM", (3,), dict(recurrent_constraint="unit_norm", bias_constraint="non_neg")),
    ("GRU", (3,), dict(kernel_constraint="max_norm", recurrent_constraint="unit_norm",
                       bias_constraint="non_neg")),
]


@pytest.mark.parametrize("name, args, kwargs", LAYER_CASES, ids=[c[0] for c in LAYER_CASES])
def test_layer_configs_are_keras_s_and_load_both_ways(name, args, kwargs):
    mine = getattr(handkeras.layers, name)(*args, **kwargs, name="x").get_config()
    theirs = getattr(keras.layers, name)(*args, **kwargs, name="x").get_config()
    assert mine == theirs and list(mine) == list(theirs)
    assert json.dumps(mine) == json.dumps(theirs)
    assert plain(getattr(keras.layers, name).from_config(plain(mine)).get_config()) == plain(theirs)
    assert plain(getattr(handkeras.layers, name).from_config(plain(theirs)).get_config()) == \
        plain(mine)


# ---------------------------------------------------------------------------------- training
def _fit_both(build, x, y, optimizer, epochs=3):
    mine, theirs = make_models(build)
    for model, library in ((mine, handkeras), (theirs, keras)):
        name, arguments = optimizer
        model.compile(optimizer=getattr(library.optimizers, name)(**arguments), loss="mse")
    histories = [m.fit(x, y, batch_size=8, epochs=epochs, shuffle=False, verbose=0)
                 for m in (mine, theirs)]
    assert_same_history(*histories)
    assert_same_weights(mine, theirs)
    return mine


def test_a_dense_model_trained_with_binding_constraints_ends_as_in_keras():
    """Targets far below the outputs push the kernels' columns beyond their bounds and the last
    bias below zero at every step, so MaxNorm, MinMaxNorm and NonNeg all bind."""
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(24, 4)), -30 + rng.normal(size=(24, 2))

    def build(lib):
        C = lib.constraints
        return lib.Sequential([
            lib.Input((4,)),
            lib.layers.Dense(5, activation="tanh", kernel_constraint=C.MaxNorm(1.5)),
            lib.layers.Dense(2, kernel_constraint=C.MinMaxNorm(0.5, 2.0, rate=0.5, axis=0),
                             bias_constraint="non_neg"),
        ])

    mine = _fit_both(build, x, y, ("SGD", {"learning_rate": 0.2, "momentum": 0.5}))
    # the bound binds (to within Keras's epsilon in the denominator)
    np.testing.assert_allclose(np.linalg.norm(mine.layers[0].kernel.numpy(), axis=0).max(), 1.5,
                               rtol=1e-7)
    np.testing.assert_array_equal(mine.layers[1].bias.numpy(), 0.0)


def test_conv_embedding_and_recurrent_constraints_train_as_in_keras():
    keras.utils.set_random_seed(1)
    rng = np.random.default_rng(1)
    ids = rng.integers(0, 6, size=(16, 5)).astype("float64")
    y = 10 * rng.normal(size=(16, 1))

    def build(lib):
        L, C = lib.layers, lib.constraints
        return lib.Sequential([
            lib.Input((5,)),
            L.Embedding(6, 3, embeddings_constraint=C.UnitNorm(axis=1)),
            L.Conv1D(4, 2, kernel_constraint=C.MaxNorm(1.0, axis=[0, 1]),
                     bias_constraint="non_neg"),
            L.LayerNormalization(gamma_constraint="non_neg"),
            L.GRU(3, recurrent_constraint="unit_norm", kernel_constraint="max_norm"),
            L.PReLU(alpha_constraint=C.MinMaxNorm(0.1, 0.2, axis=None)),
            L.Dense(1),
        ])

    _fit_both(build, ids, y, ("Adam", {"learning_rate": 0.05}))


# ---------------------------------------------------------------------------------- files
@pytest.mark.parametrize("writer, reader, filename", FILE_CASES, ids=file_case_ids(FILE_CASES))
def test_files_carry_the_constraints_to_the_other_library(tmp_path, writer, reader, filename):
    def build(lib):
        C = lib.constraints
        return lib.Sequential([
            lib.Input((6, 2)),
            lib.layers.Conv1D(3, 2, kernel_constraint=C.MaxNorm(1.5, axis=[0, 1])),
            lib.layers.LSTM(2, recurrent_constraint="unit_norm", bias_constraint="non_neg"),
            lib.layers.BatchNormalization(gamma_constraint=C.MinMaxNorm(0.1, 0.9, rate=0.5)),
        ])

    build(writer).save(tmp_path / filename)
    loaded = reader.models.load_model(tmp_path / filename)
    conv, lstm, norm = loaded.layers
    assert type(conv.kernel.constraint).__name__ == "MaxNorm"
    assert conv.kernel.constraint.get_config() == {"max_value": 1.5, "axis": [0, 1]}
    assert type(lstm.cell.recurrent_kernel.constraint).__name__ == "UnitNorm"
    assert type(lstm.cell.bias.constraint).__name__ == "NonNeg"
    assert norm.gamma.constraint.get_config()["rate"] == 0.5
