"""File fuzzing: damaged or doctored model files fail cleanly, and never load a different model.

Starting from files our writers produce (``.weights.h5``, legacy weights ``.h5``, legacy whole-model
``.h5``, ``.keras``), hypothesis truncates them, flips bytes, removes or renames groups, datasets
and attributes, changes dataset shapes and dtypes, and garbles the JSON configs. Every load then
either

- raises a ``ValueError`` or an ``OSError`` (anything else, a raw ``KeyError`` from h5py say, is a
  bug in the loader), and ``load_weights`` leaves the target model exactly as it was (weights,
  optimizer state, layers); or
- succeeds with exactly the saved model: the same predictions and weights, and, for a compiled
  ``load_weights``, an optimizer state that is either the saved one or the target's own, untouched.

Our files carry checksums (fletcher32 on arrays, checksummed HDF5 metadata, zip CRC-32), so a
flipped byte is either detected or fell somewhere unused. Mutations only ever damage a file or
change a dataset's dtype without changing its values; they never write valid different weights.
"""

import io
import json
import warnings
import zipfile

import h5py
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import handkeras as keras
from handkeras import layers
from test_errors import snapshot

CLEAN_ERRORS = (ValueError, OSError)
FUZZ = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FUZZ_MORE = settings(FUZZ, max_examples=400)
KINDS = ["weights.h5", "legacy_weights.h5", "model.h5", "model.keras"]


# --------------------------------------------------------------------------------- the originals
def build(seed):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input(shape=(6,)), layers.Dense(5, activation="relu"),
                              layers.BatchNormalization(), layers.Dropout(0.3),
                              layers.Dense(4, activation="relu"),
                              layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    rng = np.random.default_rng(seed)
    model.fit(rng.standard_normal((24, 6)), np.eye(3)[rng.integers(0, 3, 24)], batch_size=8,
              epochs=2, verbose=0)
    return model


PROBE = np.random.default_rng(1).standard_normal((16, 6)).astype(np.float32)


@pytest.fixture(scope="module")
def originals(tmp_path_factory):
    """The saved model, its predictions and optimizer state, and each format's bytes."""
    folder = tmp_path_factory.mktemp("originals")
    model = build(0)
    model.save_weights(folder / "weights.weights.h5")
    model.save_weights(folder / "legacy_weights.h5")
    model.save(folder / "model.h5")
    model.save(folder / "model.keras")
    files = {"weights.h5": "weights.weights.h5", "legacy_weights.h5": "legacy_weights.h5",
             "model.h5": "model.h5", "model.keras": "model.keras"}
    return {
        "model": model,
        "predictions": model.predict(PROBE, verbose=0),
        "weights": [w.value.tobytes() for w in model.weights],
        "optimizer": [np.asarray(v).tobytes() for v in model.optimizer.variables],
        "bytes": {kind: (folder / name).read_bytes() for kind, name in files.items()},
        "folder": folder,
    }


# --------------------------------------------------------------------------------- the oracle
def check_load(originals, kind, data, tmp_path):
    """Load ``data`` as a ``kind`` file: a clean failure changing nothing, or the saved model."""
    path = tmp_path / {"weights.h5": "fuzz.weights.h5", "legacy_weights.h5": "fuzz.h5",
                       "model.h5": "fuzz.h5", "model.keras": "fuzz.keras"}[kind]
    path.write_bytes(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # skipped optimizer state warns, as in Keras
        if kind in ("model.h5", "model.keras"):
            try:
                loaded = keras.models.load_model(path)
            except CLEAN_ERRORS:
                return "refused"
            assert_same_model(originals, loaded, optimizer_from=None)
            return "loaded"
        target = build(5)
        own_optimizer = [np.asarray(v).tobytes() for v in target.optimizer.variables]
        before = snapshot(target)
        try:
            target.load_weights(path)
        except CLEAN_ERRORS:
            assert snapshot(target) == before, "a failed load changed the model"
            return "refused"
        assert_same_model(originals, target, optimizer_from=own_optimizer)
        return "loaded"


def assert_same_model(originals, model, optimizer_from):
    assert [w.value.tobytes() for w in model.weights] == originals["weights"], "different weights"
    np.testing.assert_array_equal(model.predict(PROBE, verbose=0), originals["predictions"])
    if optimizer_from is not None:
        state = [np.asarray(v).tobytes() for v in model.optimizer.variables]
        assert state in (originals["optimizer"], optimizer_from), "a mixed optimizer state"


# --------------------------------------------------------------------------------- byte damage
@pytest.mark.parametrize("kind", KINDS)
def test_truncated_files(originals, kind, tmp_path_factory):
    data = originals["bytes"][kind]
    tmp = tmp_path_factory.mktemp("truncated")

    @FUZZ
    @given(length=st.integers(0, len(data) - 1))
    def truncated(length):
        assert check_load(originals, kind, data[:length], tmp) == "refused"

    truncated()


@pytest.mark.parametrize("kind", KINDS)
def test_flipped_bytes(originals, kind, tmp_path_factory):
    data = originals["bytes"][kind]
    tmp = tmp_path_factory.mktemp("flipped")

    @FUZZ
    @given(flips=st.lists(st.tuples(st.integers(0, len(data) - 1), st.integers(1, 255)),
                          min_size=1, max_size=4))
    def flipped(flips):
        damaged = bytearray(data)
        for position, mask in flips:
            damaged[position] ^= mask
        check_load(originals, kind, bytes(damaged), tmp)

    flipped()


# --------------------------------------------------------------------------------- HDF5 surgery
def h5_objects(h5file):
    """Paths of every group and dataset below the root, in a stable order."""
    names = []
    h5file.visit(names.append)
    return sorted(names)


def recreate(parent, name, value, **kwargs):
    del parent[name]
    parent.create_dataset(name, data=value, **kwargs)


GARBAGE_ATTRIBUTES = [np.int64(7), np.array([], dtype=np.float64), np.bytes_(b"\xff\xfe not utf-8"),
                      np.array([b"no_such_layer"]), "{not json", "[1, 2]", np.float64(np.nan)]


def operate(h5file, operation, pick, choice):
    """Apply one damaging ``operation`` to the object number ``pick`` of an open file."""
    names = h5_objects(h5file)
    with_attributes = [name for name in [""] + names
                       if len((h5file[name] if name else h5file).attrs)]
    if operation in ("delete", "rename", "swap_kind", "reshape", "retype"):
        datasets = [n for n in names if isinstance(h5file[n], h5py.Dataset)]
        pool = datasets if operation in ("reshape", "retype") else names
        if not pool:
            return False
        name = pool[pick % len(pool)]
        parent_name, _, leaf = name.rpartition("/")
        parent = h5file[parent_name] if parent_name else h5file
        obj = h5file[name]
        if operation == "delete":
            del parent[leaf]
        elif operation == "rename":
            new_name = [leaf + "_renamed", "9", "0" if leaf != "0" else "1", "vars"][choice % 4]
            if new_name in parent:
                return False
            parent.move(leaf, new_name)
        elif operation == "swap_kind":
            # The dataset that replaces a group holds text, never numbers: swapping one object
            # twice would otherwise turn a weight into zeros of the same shape, a valid file.
            del parent[leaf]
            if isinstance(obj, h5py.Dataset):
                parent.create_group(leaf)
            else:
                parent.create_dataset(leaf, data=np.array([b"swapped"] * 3))
        elif operation == "reshape":
            value = obj[()]
            shapes = [value.shape + (1,), value.shape[::-1] + (2,), (value.size + 1,), (),
                      tuple(s + 1 for s in value.shape) or (2,)]
            shape = shapes[choice % len(shapes)]
            if shape == value.shape:
                return False
            recreate(parent, leaf, np.resize(value, shape) if shape else np.float32(0))
        else:  # retype: the same values in another type (lossless) or a type that is not numbers
            value = obj[()]
            if np.asarray(value).dtype.kind not in "biuf":  # text a swap_kind wrote: no numbers
                return False
            dtype = [np.float64, np.complex64, "S12", np.float64][choice % 4]
            recreate(parent, leaf, np.asarray(value).astype(dtype))
        return True
    if not with_attributes:
        return False
    owner_name = with_attributes[pick % len(with_attributes)]
    owner = h5file[owner_name] if owner_name else h5file
    keys = sorted(owner.attrs)
    key = keys[choice % len(keys)]
    if operation == "delete_attribute":
        del owner.attrs[key]
    elif operation == "rename_attribute":
        owner.attrs[key + "_renamed"] = owner.attrs[key]
        del owner.attrs[key]
    else:  # garble_attribute
        owner.attrs[key] = GARBAGE_ATTRIBUTES[choice % len(GARBAGE_ATTRIBUTES)]
    return True


OPERATIONS = ["delete", "rename", "swap_kind", "reshape", "retype", "delete_attribute",
              "rename_attribute", "garble_attribute"]


def operated(data, steps):
    """The HDF5 bytes ``data`` after the operations ``steps``, or None when none applied."""
    buffer = io.BytesIO(data)
    applied = False
    with h5py.File(buffer, "r+") as h5file:
        for operation, pick, choice in steps:
            applied |= operate(h5file, operation, pick, choice)
    return buffer.getvalue() if applied else None


def in_archive(archive_bytes, member, transform):
    """The ``.keras`` bytes with ``member`` replaced by ``transform(its bytes)`` (None: removed)."""
    source = zipfile.ZipFile(io.BytesIO(archive_bytes))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == member:
                content = transform(content)
                if content is None:
                    continue
            archive.writestr(info.filename, content)
    return output.getvalue()


STEPS = st.lists(st.tuples(st.sampled_from(OPERATIONS), st.integers(0, 10**6),
                           st.integers(0, 10**6)), min_size=1, max_size=3)


def fuzz_structure(originals, kind, tmp, examples):
    data = originals["bytes"][kind]

    @examples
    @given(steps=STEPS)
    def surgery(steps):
        if kind == "model.keras":
            changed = {}

            def operate_on_weights(content):
                changed["done"] = operated(content, steps)
                return changed["done"] or content

            mutated = in_archive(data, "model.weights.h5", operate_on_weights)
            if changed["done"] is None:
                return
        else:
            mutated = operated(data, steps)
            if mutated is None:
                return
        check_load(originals, kind, mutated, tmp)

    surgery()


@pytest.mark.parametrize("kind", KINDS)
def test_removed_renamed_reshaped_and_retyped_objects(originals, kind, tmp_path_factory):
    fuzz_structure(originals, kind, tmp_path_factory.mktemp("surgery"), FUZZ)


# --------------------------------------------------------------------------------- configs
def garbled_model_config(config, layer_index, variant):
    """A damaged model config: not a model, an unknown class, a layer entry broken."""
    layers_config = config["config"]["layers"]
    layer = layers_config[layer_index % len(layers_config)]
    damage = [
        lambda: [config],
        lambda: 42,
        lambda: {**config, "class_name": "NoSuchModel"},
        lambda: {key: value for key, value in config.items() if key != "config"},
        lambda: layers_config[-1],  # a layer, not a model
        lambda: (layer.update(class_name="NoSuchLayer"), config)[1],
        lambda: (layer["config"].update(units=-3) if "units" in layer["config"]
                 else layer["config"].update(no_such_argument=1), config)[1],
        lambda: (layer.pop("config"), config)[1],
        lambda: (layer["config"].update(name=7), config)[1],
        lambda: (layer["config"].update(activation="no_such_activation"), config)[1],
        lambda: (config["config"].pop("layers"), config)[1],
        lambda: (config["config"].update(layers=["Dense"]), config)[1],
    ]
    return damage[variant % len(damage)]()


def garbled_compile_config(compile_config, optimizer_key, variant):
    """A damaged compile (training) config: the wrong type, unknown names, bad arguments."""
    optimizer = compile_config[optimizer_key]
    damage = [
        lambda: "adam",
        lambda: [compile_config],
        lambda: {**compile_config, optimizer_key: 5},
        lambda: {**compile_config, optimizer_key: {"class_name": "NoSuchOptimizer", "config": {}}},
        lambda: {**compile_config, optimizer_key: {**optimizer, "config": {
            **optimizer["config"], "learning_rate": "fast"}}},
        lambda: {**compile_config, optimizer_key: {**optimizer, "config": {
            **optimizer["config"], "no_such_argument": 1}}},
        lambda: {**compile_config, optimizer_key: {**optimizer, "config": None}},
        lambda: {**compile_config, "loss": "no_such_loss"},
        lambda: {**compile_config, "loss": 3},
        lambda: {**compile_config, "loss": {"class_name": "MeanSquaredError", "config": {"x": 1}}},
        lambda: {**compile_config, "metrics": ["no_such_metric"]},
        lambda: {**compile_config, "metrics": 7},
        lambda: {**compile_config, "loss_weights": "heavy"},
    ]
    return damage[variant % len(damage)]()


def cut(text, variant):
    return text[: len(text) * (variant % 9 + 1) // 10]


GARBLES = st.tuples(st.sampled_from(["cut", "model", "compile"]), st.integers(0, 20),
                    st.integers(0, 10**6))


def test_garbled_keras_archive_configs(originals, tmp_path_factory):
    data = originals["bytes"]["model.keras"]
    tmp = tmp_path_factory.mktemp("configs")

    def garble(content, how):
        target, index, variant = how
        if target == "cut":
            return cut(content.decode(), variant).encode()
        config = json.loads(content)
        if target == "model":
            config = garbled_model_config(config, index, variant)
        else:
            config["compile_config"] = garbled_compile_config(config["compile_config"],
                                                              "optimizer", variant)
        return json.dumps(config).encode()

    @FUZZ
    @given(how=GARBLES)
    def garbled(how):
        check_load(originals, "model.keras",
                   in_archive(data, "config.json", lambda content: garble(content, how)), tmp)

    garbled()


def test_garbled_legacy_model_configs(originals, tmp_path_factory):
    data = originals["bytes"]["model.h5"]
    tmp = tmp_path_factory.mktemp("legacy_configs")

    @FUZZ
    @given(how=GARBLES)
    def garbled(how):
        target, index, variant = how
        buffer = io.BytesIO(data)
        with h5py.File(buffer, "r+") as h5file:
            attribute = "training_config" if target == "compile" else "model_config"
            text = h5file.attrs[attribute]
            text = text.decode() if isinstance(text, bytes) else str(text)
            if target == "cut":
                text = cut(text, variant)
            elif target == "model":
                text = json.dumps(garbled_model_config(json.loads(text), index, variant))
            else:
                text = json.dumps(garbled_compile_config(json.loads(text), "optimizer_config",
                                                         variant))
            h5file.attrs[attribute] = text
        check_load(originals, "model.h5", buffer.getvalue(), tmp)

    garbled()


# --------------------------------------------------------------------------------- longer runs
@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_many_more_mutations(originals, kind, tmp_path_factory):
    fuzz_structure(originals, kind, tmp_path_factory.mktemp("more"), FUZZ_MORE)
    data = originals["bytes"][kind]
    tmp = tmp_path_factory.mktemp("more_flips")

    @FUZZ_MORE
    @given(flips=st.lists(st.tuples(st.integers(0, len(data) - 1), st.integers(1, 255)),
                          min_size=1, max_size=8))
    def flipped(flips):
        damaged = bytearray(data)
        for position, mask in flips:
            damaged[position] ^= mask
        check_load(originals, kind, bytes(damaged), tmp)

    flipped()
