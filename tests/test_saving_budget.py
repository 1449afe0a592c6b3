"""A model file's config can only ask for the weights the file holds: ``load_model`` builds the
model within the budget of the file's weight datasets, so a damaged or hostile config asking for
gigabytes is a ValueError naming the file, the layer and the shapes, and the gigabytes are never
allocated."""

import contextlib
import io
import json
import os
import shutil
import threading
import tracemalloc
import zipfile

import h5py
import numpy as np
import pytest

import handkeras as keras
from handkeras import layers
from handkeras.layers.layer import checking_new_weights
from handkeras.saving import hdf5
from test_saving import with_layer_config

#: Far below any of the refused weights (gigabytes), far above what loading these small files takes.
PEAK_LIMIT = 64 << 20


def with_legacy_layer_config(tmp_path, change, model, index=1):
    """The legacy ``.h5`` file of ``model`` whose config entry of the layer at ``index`` (0 is the
    InputLayer) ``change`` rewrote."""
    model.save(tmp_path / "m.h5")
    shutil.copy(tmp_path / "m.h5", tmp_path / "changed.h5")
    with h5py.File(tmp_path / "changed.h5", "a") as h5file:
        config = json.loads(hdf5.read_text(h5file, "model_config"))
        change(config["config"]["layers"][index])
        hdf5.write_json(h5file, "model_config", config)
    return tmp_path / "changed.h5"


REWRITERS = {"keras": with_layer_config, "h5": with_legacy_layer_config}


@contextlib.contextmanager
def address_space_capped(extra=1 << 30):
    """Allocations beyond ``extra`` bytes more than the process has fail in the block: a regression
    then fails the test (through numpy's MemoryError) instead of filling the machine's memory."""
    try:
        import resource
        with open("/proc/self/statm") as statm:
            size = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (ImportError, OSError):  # not Linux: no cap
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = min([size + extra] + [limit for limit in (soft, hard) if limit != resource.RLIM_INFINITY])
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def refused_load(path):
    """The ValueError of ``load_model(path)`` and the peak of Python-traced memory during it."""
    tracemalloc.start()
    try:
        with address_space_capped(), pytest.raises(ValueError) as info:
            keras.models.load_model(path)
        return str(info.value), tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def dense_784():
    return keras.Sequential([keras.Input(shape=(784,)), layers.Dense(8)])


def embedding_model():
    return keras.Sequential([keras.Input(shape=(4,)), layers.Embedding(10, 3)])


# A Dense kernel of 784 x 10**7 float32 is 31 GB, an Embedding table of 10**9 x 3 is 12 GB.
HUGE = {
    "dense": (dense_784, lambda layer: layer["config"].update(units=10 ** 7),
              "Dense 'dense' would create the weight 'kernel' of shape (784, 10000000) "
              "(7,840,000,000 values), but the file's weights hold 6,280 values in all, stored in "
              "the shapes (784, 8), (8,)."),
    "embedding": (embedding_model, lambda layer: layer["config"].update(input_dim=10 ** 9),
                  "Embedding 'embedding' would create the weight 'embeddings' of shape "
                  "(1000000000, 3) (3,000,000,000 values), but the file's weights hold 30 "
                  "values in all, stored in the shapes (10, 3)."),
}


# --------------------------------------------------------------------------------------- refusals
@pytest.mark.parametrize("case", sorted(HUGE))
@pytest.mark.parametrize("fmt", sorted(REWRITERS))
def test_a_config_asking_for_gigabytes_is_refused_before_allocating_them(tmp_path, fmt, case):
    keras.backend.clear_session()
    model, change, detail = HUGE[case]
    path = REWRITERS[fmt](tmp_path, change, model())
    message, peak = refused_load(path)
    assert message == (f"The model file '{path}' describes a model too large to build from the "
                       f"weights it holds: {detail}")
    assert peak < PEAK_LIMIT


@pytest.mark.parametrize("fmt", sorted(REWRITERS))
def test_a_layer_building_in_steps_claims_each_weight_before_it_is_made(tmp_path, fmt):
    """BatchNormalization makes four weights: the file backs gamma for 250 features, not beta too.
    (A layer of a .keras config is built for its build_config, a legacy one for the InputLayer.)"""
    keras.backend.clear_session()
    model = keras.Sequential([keras.Input(shape=(100,)), layers.BatchNormalization()])
    if fmt == "keras":
        path = with_layer_config(tmp_path, lambda layer: layer["build_config"].update(
            input_shape=[None, 250]), model)
    else:
        path = with_legacy_layer_config(tmp_path, lambda layer: layer["config"].update(
            batch_shape=[None, 250]), model, index=0)
    message, _ = refused_load(path)
    assert ("BatchNormalization 'batch_normalization' would create the weight 'beta' of shape "
            "(250,) (250 values), but the file's weights hold 400 values in all (250 of them taken "
            "by the weights created before it), stored in the shapes (100,).") in message


@pytest.mark.parametrize("fmt", sorted(REWRITERS))
def test_a_layer_of_a_nested_sequential_is_refused_by_name(tmp_path, fmt):
    keras.backend.clear_session()
    model = keras.Sequential([keras.Input(shape=(4,)),
                              keras.Sequential([layers.Dense(3), layers.Dense(2)])])
    def widen_second_dense(inner):  # the inner model's config lists its InputLayer first
        second = next(layer for layer in inner["config"]["layers"]
                      if layer["config"]["name"] == "dense_1")
        second["config"].update(units=10 ** 9)

    path = REWRITERS[fmt](tmp_path, widen_second_dense, model)
    message, peak = refused_load(path)
    assert "Dense 'dense_1' would create the weight 'kernel' of shape (3, 1000000000)" in message
    assert "(15 of them taken by the weights created before it)" in message
    assert peak < PEAK_LIMIT


@pytest.mark.parametrize("fmt", sorted(REWRITERS))
def test_the_optimizer_state_in_the_file_does_not_count_as_weights(tmp_path, fmt):
    """Adam's two slots per weight would back a kernel twice as large: the budget ignores them."""
    keras.backend.clear_session()
    model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(100)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.zeros((4, 8)), np.zeros((4, 100)), verbose=0)
    path = REWRITERS[fmt](tmp_path, lambda layer: layer["config"].update(units=200), model)
    message, _ = refused_load(path)
    assert ("would create the weight 'kernel' of shape (8, 200) (1,600 values), but the file's "
            "weights hold 900 values in all") in message


def _declared_not_written(h5file, path, shape):
    """Replace the dataset at ``path`` by one of ``shape`` that stores no data."""
    del h5file[path]
    h5file.create_dataset(path, shape=shape, dtype="float32")


@pytest.mark.parametrize("fmt", sorted(REWRITERS))
def test_weight_datasets_declared_but_never_written_back_nothing(tmp_path, fmt):
    """A file can declare any shape in a few bytes: declared bytes must be backed by stored ones."""
    keras.backend.clear_session()
    path = REWRITERS[fmt](tmp_path, lambda layer: layer["config"].update(input_dim=10 ** 9),
                          embedding_model())
    shape = (10 ** 9, 3)
    if fmt == "h5":
        with h5py.File(path, "a") as h5file:
            _declared_not_written(h5file, "model_weights/embedding/sequential/embedding/embeddings",
                                  shape)
    else:
        with zipfile.ZipFile(path) as archive:
            members = {name: archive.read(name) for name in archive.namelist()}
        weights = io.BytesIO(members["model.weights.h5"])
        with h5py.File(weights, "a") as h5file:
            _declared_not_written(h5file, "layers/embedding/vars/0", shape)
        members["model.weights.h5"] = weights.getvalue()
        with zipfile.ZipFile(path, "w") as archive:
            for name, data in members.items():
                archive.writestr(name, data)
    message, peak = refused_load(path)
    assert message.startswith(f"Refusing to load '{path}': its weight datasets declare "
                              "12,000,000,000 bytes and store 0 ")
    assert peak < PEAK_LIMIT


# --------------------------------------------------------------------------------------- scope
def test_the_budget_ends_with_the_load_that_failed(tmp_path):
    keras.backend.clear_session()
    path = with_layer_config(tmp_path, lambda layer: layer["config"].update(units=1000))
    with pytest.raises(ValueError, match="too large to build from the weights it holds"):
        keras.models.load_model(path)
    model = keras.Sequential([keras.Input(shape=(784,)), layers.Dense(1000)])  # far beyond 3 values
    assert model.count_params() == 785_000


def test_a_check_is_removed_when_the_block_raises():
    def refuse(layer, name, shape):
        raise ValueError(f"no {name}")

    with pytest.raises(ValueError, match="no kernel"), checking_new_weights(refuse):
        keras.Sequential([keras.Input(shape=(2,)), layers.Dense(1)])
    assert keras.Sequential([keras.Input(shape=(2,)), layers.Dense(1)]).count_params() == 3


@keras.saving.register_keras_serializable(package="BudgetTests")
class BuildsInAnotherThread(layers.Layer):
    """A layer whose build has another thread make a model far beyond the loading file's weights."""

    def build(self, input_shape):
        self.elsewhere = {}

        def make():
            try:
                model = keras.Sequential([keras.Input(shape=(784,)), layers.Dense(1000)])
                self.elsewhere["params"] = model.count_params()
            except ValueError as error:
                self.elsewhere["error"] = str(error)

        thread = threading.Thread(target=make)
        thread.start()
        thread.join()

    def forward(self, x, training=False):
        return x


@pytest.mark.parametrize("filename", ["m.keras", "m.h5"])
def test_a_load_budgets_its_own_thread_only(tmp_path, filename):
    keras.Sequential([keras.Input(shape=(2,)), BuildsInAnotherThread(), layers.Dense(1)]).save(
        tmp_path / filename)
    loaded = keras.models.load_model(tmp_path / filename)
    assert loaded.layers[0].elsewhere == {"params": 785_000}
