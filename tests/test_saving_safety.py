"""Saving is atomic and loading is all or nothing: a killed save leaves the previous file loadable, a
bad or corrupt file is refused with a clear error before any weight changes, flipped bytes are
detected, and archives cannot write or read outside themselves."""

import os
import queue
import re
import signal
import stat
import subprocess
import sys
import textwrap
import threading
import time
import warnings
import zipfile

import h5py
import numpy as np
import pytest

import handkeras as keras
from handkeras import layers

FORMATS = ["m.keras", "m.h5", "m.weights.h5", "legacy.h5"]


def _save(model, path):
    """``save`` for model formats, ``save_weights`` for weight files (``legacy.h5``, ``*.weights.h5``)."""
    name = os.path.basename(str(path))
    if name.endswith(".weights.h5") or name.startswith("legacy"):
        model.save_weights(path)
    else:
        model.save(path)


def _trained_model(widths=(4, 8, 3), seed=0):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input(shape=(widths[0],))]
                             + [layers.Dense(w, activation="relu") for w in widths[1:-1]]
                             + [layers.Dense(widths[-1])])
    model.compile(optimizer="adam", loss="mse")
    rng = np.random.default_rng(seed)
    model.fit(rng.normal(size=(16, widths[0])), rng.normal(size=(16, widths[-1])), epochs=2,
              batch_size=4, verbose=0)
    return model


def _state(model):
    """Everything a load could change: weights, optimizer variables and iteration count."""
    optimizer = model.optimizer
    return ([w.numpy() for w in model.weights],
            [np.array(v) for v in optimizer.variables] if optimizer else [],
            int(optimizer.iterations) if optimizer else None)


def _assert_unchanged(model, before):
    after = _state(model)
    assert len(after[0]) == len(before[0]) and all(np.array_equal(a, b) for a, b in zip(after[0], before[0]))
    assert len(after[1]) == len(before[1]) and all(np.array_equal(a, b) for a, b in zip(after[1], before[1]))
    assert after[2] == before[2]


# --------------------------------------------------------------------------------------- bad files
@pytest.mark.parametrize("name", ["nothing.keras", "nothing.h5", "nothing.weights.h5"])
def test_missing_file_is_file_not_found(tmp_path, name):
    model = _trained_model()
    with pytest.raises(FileNotFoundError, match="nothing"):
        model.load_weights(tmp_path / name)
    if not name.endswith(".weights.h5"):
        with pytest.raises(FileNotFoundError, match="nothing"):
            keras.models.load_model(tmp_path / name)


@pytest.mark.parametrize("content", [b"", b"just some text, not HDF5\n" * 10])
@pytest.mark.parametrize("name", ["x.h5", "x.weights.h5"])
def test_a_file_that_is_not_hdf5_is_an_os_error(tmp_path, content, name):
    (tmp_path / name).write_bytes(content)
    model = _trained_model()
    before = _state(model)
    with pytest.raises(OSError, match="not an HDF5 file"):
        model.load_weights(tmp_path / name)
    _assert_unchanged(model, before)


def test_a_keras_file_that_is_not_a_zip_is_an_os_error(tmp_path):
    (tmp_path / "x.keras").write_bytes(b"PK but not really a zip archive" * 3)
    with pytest.raises(OSError, match="not a zip file"):
        keras.models.load_model(tmp_path / "x.keras")


@pytest.mark.parametrize("name", FORMATS)
def test_a_truncated_file_is_an_os_error_and_changes_nothing(tmp_path, name):
    saved = _trained_model(seed=1)
    _save(saved, tmp_path / name)
    data = (tmp_path / name).read_bytes()
    (tmp_path / name).write_bytes(data[: len(data) // 2])
    model = _trained_model(seed=2)
    before = _state(model)
    with pytest.raises(OSError, match="truncated|corrupt|not a zip"):
        model.load_weights(tmp_path / name)
    _assert_unchanged(model, before)
    if not name.endswith(".weights.h5") and not name.startswith("legacy"):
        with pytest.raises(OSError):
            keras.models.load_model(tmp_path / name)


@pytest.mark.parametrize("name", FORMATS)
def test_wrong_layer_count_is_a_value_error_and_changes_nothing(tmp_path, name):
    _save(_trained_model((4, 8, 6, 3)), tmp_path / name)
    model = _trained_model((4, 8, 3), seed=3)
    before = _state(model)
    with pytest.raises(ValueError, match="[Ll]ayer count mismatch"):
        model.load_weights(tmp_path / name)
    _assert_unchanged(model, before)


@pytest.mark.parametrize("name", FORMATS)
def test_wrong_shape_names_layer_weight_and_both_shapes_and_changes_nothing(tmp_path, name):
    """Only the last layer differs: the first one, which fits, must not be loaded either."""
    _save(_trained_model((4, 8, 3)), tmp_path / name)
    model = _trained_model((4, 8, 2), seed=4)
    before = _state(model)
    last = model.layers[-1].name
    with pytest.raises(ValueError, match=rf"'{last}'.*'kernel' has shape \(8, 2\).*shape \(8, 3\)"):
        model.load_weights(tmp_path / name)
    _assert_unchanged(model, before)


def test_skip_mismatch_loads_what_fits_and_warns_about_the_rest(tmp_path):
    saved = _trained_model((4, 8, 3))
    saved.save_weights(tmp_path / "w.weights.h5")
    model = _trained_model((4, 8, 2), seed=5)
    last_before = [w.numpy() for w in model.layers[-1].weights]
    with pytest.warns(UserWarning, match="Skipping it"):
        model.load_weights(tmp_path / "w.weights.h5", skip_mismatch=True)
    np.testing.assert_array_equal(model.layers[0].weights[0].value, saved.layers[0].weights[0].value)
    for weight, before in zip(model.layers[-1].weights, last_before):
        np.testing.assert_array_equal(weight.value, before)


def test_mismatching_optimizer_state_changes_nothing(tmp_path):
    """Weights fit but one saved slot has the wrong shape: neither weights nor optimizer change."""
    saved = _trained_model()
    saved.save_weights(tmp_path / "w.weights.h5")
    with h5py.File(tmp_path / "w.weights.h5", "a") as f:
        del f["optimizer/vars/3"]
        f["optimizer/vars/3"] = np.zeros((5, 5), np.float32)
    model = _trained_model(seed=6)
    before = _state(model)
    with pytest.raises(ValueError, match="shape"):
        model.load_weights(tmp_path / "w.weights.h5")
    _assert_unchanged(model, before)


def test_an_hdf5_file_without_keras_weights_is_a_value_error(tmp_path):
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f["data"] = np.arange(3)
    with pytest.raises(ValueError, match="holds no Keras weights"):
        _trained_model().load_weights(tmp_path / "other.h5")
    with pytest.raises(ValueError, match="No model config"):
        keras.models.load_model(tmp_path / "other.h5")


@pytest.mark.parametrize("link", ["soft", "external"])
def test_links_in_a_weights_file_are_refused(tmp_path, link):
    model = _trained_model()
    model.save_weights(tmp_path / "w.weights.h5")
    with h5py.File(tmp_path / "w.weights.h5", "a") as f:
        kernel = f["layers/dense/vars/0"][()]
        del f["layers/dense/vars/0"]
        f["elsewhere"] = kernel
        if link == "soft":
            f["layers/dense/vars/0"] = h5py.SoftLink("/elsewhere")
        else:
            f["layers/dense/vars/0"] = h5py.ExternalLink("/etc/hostname", "/x")
    before = _state(model)
    with pytest.raises(ValueError, match="Not allowed"):
        model.load_weights(tmp_path / "w.weights.h5")
    _assert_unchanged(model, before)


# --------------------------------------------------------------------------------------- corruption
def test_a_flipped_byte_in_a_weight_is_caught_by_fletcher32(tmp_path):
    model = _trained_model()
    model.save_weights(tmp_path / "w.weights.h5")
    with h5py.File(tmp_path / "w.weights.h5", "r") as f:
        dataset = f["layers/dense/vars/0"]
        assert dataset.fletcher32
        offset = dataset.id.get_chunk_info(0).byte_offset
    data = bytearray((tmp_path / "w.weights.h5").read_bytes())
    data[offset + 5] ^= 0x10
    (tmp_path / "w.weights.h5").write_bytes(bytes(data))
    other = _trained_model(seed=7)
    before = _state(other)
    with pytest.raises(OSError, match="checksum"):
        other.load_weights(tmp_path / "w.weights.h5")
    _assert_unchanged(other, before)


@pytest.mark.slow
@pytest.mark.parametrize("name", FORMATS)
def test_no_flipped_byte_loads_a_silently_different_model(tmp_path, name):
    """Flip one bit at positions all over the file: each load fails with an OSError or ValueError,
    or gives back exactly the saved model (the byte was unused, such as padding)."""
    saved = _trained_model()
    _save(saved, tmp_path / name)
    data = (tmp_path / name).read_bytes()
    expected, config = _state(saved), saved.get_config()
    has_optimizer = name != "legacy.h5"  # the legacy weights layout holds no optimizer state
    corrupt = tmp_path / ("corrupt_" + name)
    errors = 0
    for position in range(0, len(data), 17):
        flipped = bytearray(data)
        flipped[position] ^= 0x04
        corrupt.write_bytes(bytes(flipped))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if name in ("m.keras", "m.h5"):
                    loaded = keras.models.load_model(corrupt)
                else:
                    loaded = keras.Sequential.from_config(config)
                    if has_optimizer:
                        loaded.compile(optimizer="adam", loss="mse")
                    loaded.load_weights(corrupt)
        except (OSError, ValueError):
            errors += 1
            continue
        got = _state(loaded)
        assert loaded.get_config() == config, f"byte {position}: a different config loaded"
        assert all(np.array_equal(a, b) for a, b in zip(got[0], expected[0])), f"byte {position}"
        if has_optimizer:
            assert all(np.array_equal(a, b) for a, b in zip(got[1], expected[1])), f"byte {position}"
    assert errors > 0


# --------------------------------------------------------------------------------------- archives
def _archive_with(path, source, extra):
    with zipfile.ZipFile(source) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in {**members, **extra}.items():
            archive.writestr(name, data)


@pytest.mark.parametrize("member", ["../escaped.txt", "/tmp/absolute.txt", "assets/../../up.txt",
                                    "C:\\windows.txt", "..\\back.txt"])
def test_archive_members_outside_the_archive_are_refused(tmp_path, member):
    model = _trained_model()
    model.save(tmp_path / "good.keras")
    (tmp_path / "inner").mkdir()
    path = tmp_path / "inner" / "evil.keras"
    _archive_with(path, tmp_path / "good.keras", {member: b"payload"})
    before = _state(model)
    with pytest.raises(ValueError, match="Refusing to load"):
        keras.models.load_model(path)
    with pytest.raises(ValueError, match="Refusing to load"):
        model.load_weights(path)
    _assert_unchanged(model, before)
    assert not (tmp_path / "escaped.txt").exists() and not (tmp_path / "up.txt").exists()


def test_archive_without_weights_is_a_value_error(tmp_path):
    with zipfile.ZipFile(tmp_path / "empty.keras", "w") as archive:
        archive.writestr("config.json", "{}")
    with pytest.raises(ValueError, match="model.weights.h5"):
        keras.models.load_model(tmp_path / "empty.keras")


def test_an_archive_needing_an_unknown_zip_version_is_an_os_error(tmp_path):
    model = _trained_model()
    model.save(tmp_path / "m.keras")
    data = bytearray((tmp_path / "m.keras").read_bytes())
    entry = data.index(b"PK\x01\x02")  # the first central directory entry
    data[entry + 6] = 84  # "version needed to extract": 8.4, which no zip reader knows
    (tmp_path / "m.keras").write_bytes(bytes(data))
    before = _state(model)
    with pytest.raises(OSError, match="not a readable .keras archive"):
        keras.models.load_model(tmp_path / "m.keras")
    with pytest.raises(OSError, match="not a readable .keras archive"):
        model.load_weights(tmp_path / "m.keras")
    _assert_unchanged(model, before)


def test_a_corrupt_archive_member_is_caught_by_its_crc(tmp_path):
    _trained_model().save(tmp_path / "m.keras")
    data = bytearray((tmp_path / "m.keras").read_bytes())
    start = data.index(b'"class_name": "Sequential"')
    data[start + 3] ^= 0x01
    (tmp_path / "m.keras").write_bytes(bytes(data))
    with pytest.raises(OSError, match="corrupt"):
        keras.models.load_model(tmp_path / "m.keras")


# --------------------------------------------------------------------------------------- atomic writes
def _leftovers(folder):
    return sorted(name for name in os.listdir(folder) if name.endswith(".tmp"))


@pytest.mark.parametrize("name", FORMATS)
def test_a_failed_save_keeps_the_previous_file_and_leaves_no_temporary(tmp_path, name, monkeypatch):
    first = _trained_model(seed=8)
    _save(first, tmp_path / name)
    previous = (tmp_path / name).read_bytes()
    written = []

    def write_then_fail(group, path, value):
        written.append(path)
        if len(written) == 3:
            raise OSError("disk full (simulated)")
        original(group, path, value)

    from handkeras.saving import hdf5

    original = hdf5.write_array
    monkeypatch.setattr(hdf5, "write_array", write_then_fail)
    with pytest.raises(OSError, match="disk full"):
        _save(_trained_model(seed=9), tmp_path / name)
    assert (tmp_path / name).read_bytes() == previous
    assert _leftovers(tmp_path) == []


def test_an_unserializable_model_fails_before_touching_the_file(tmp_path):
    model = _trained_model()
    model.save(tmp_path / "m.keras")
    previous = (tmp_path / "m.keras").read_bytes()
    model.compile(optimizer="adam", loss="mse", metrics=[lambda y_true, y_pred: y_pred])
    with pytest.raises(ValueError, match="saved by name"):
        model.save(tmp_path / "m.keras")
    assert (tmp_path / "m.keras").read_bytes() == previous and _leftovers(tmp_path) == []


_SAVER = textwrap.dedent("""
    import os, sys, threading
    import handkeras as keras
    from handkeras import layers

    threading.Timer(120, os._exit, [3]).start()  # never outlive a test that went wrong
    path, pause_at = sys.argv[1], int(sys.argv[2])
    model = keras.Sequential([keras.Input(shape=(700,)), layers.Dense(700), layers.Dense(700),
                              layers.Dense(700), layers.Dense(700)])
    model.compile(optimizer="sgd", loss="mse")
    writes = [0]
    if pause_at:
        from handkeras.saving import hdf5
        original = hdf5.write_array

        def pausing(group, name, value):
            original(group, name, value)
            writes[0] += 1
            if version > 1 and writes[0] == pause_at:
                print("paused", flush=True)
                threading.Event().wait()
        hdf5.write_array = pausing
    version = 0
    while True:
        version += 1
        writes[0] = 0
        for weight in model.weights:
            weight.value[...] = version
        print(f"saving {version}", flush=True)
        if os.path.basename(path).startswith("legacy") or path.endswith(".weights.h5"):
            model.save_weights(path)
        else:
            model.save(path)
        print(f"saved {version}", flush=True)
""")


def _kill_while_saving(folder, name, pause_at, timeout=90):
    """Run a process that saves ``name`` over and over, and SIGKILL it in the middle of a save after
    the first complete one: once it paused after its ``pause_at``-th array, or (``pause_at=0``) as
    soon as a save's temporary file appears. Returns the versions it reported as saved."""
    script = folder / "saver.py"
    script.write_text(_SAVER)
    process = subprocess.Popen([sys.executable, str(script), str(folder / name), str(pause_at)],
                               stdout=subprocess.PIPE, text=True)
    lines = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line.strip()) for line in process.stdout],
                              daemon=True)
    reader.start()
    seen = []
    deadline = time.monotonic() + timeout

    def wait_for(text):
        while text not in seen:
            assert time.monotonic() < deadline and process.poll() is None, f"no {text!r}: {seen}"
            try:
                seen.append(lines.get(timeout=0.5))
            except queue.Empty:
                pass

    try:
        wait_for("saved 1")
        if pause_at:
            wait_for("paused")
        else:
            while not _leftovers(folder):
                assert time.monotonic() < deadline and process.poll() is None, seen
                time.sleep(0.0005)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        reader.join(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    while not lines.empty():
        seen.append(lines.get())
    return [int(line.split()[1]) for line in seen if line.startswith("saved")]


@pytest.mark.slow
@pytest.mark.parametrize("name", FORMATS)
def test_a_save_killed_midway_leaves_the_previous_file_loadable(tmp_path, name):
    for attempt, pause_at in enumerate([0, 0, 0, 1, 5]):
        folder = tmp_path / f"attempt{attempt}"
        folder.mkdir()
        saved = _kill_while_saving(folder, name, pause_at)
        model = keras.Sequential([keras.Input(shape=(700,)), layers.Dense(700), layers.Dense(700),
                                  layers.Dense(700), layers.Dense(700)])
        model.load_weights(folder / name)
        values = {float(np.unique(w.value)[0]) for w in model.weights}
        assert all(len(np.unique(w.value)) == 1 for w in model.weights)
        assert len(values) == 1, f"a mix of versions {values} was loaded"
        version = values.pop()
        # The last complete save, or (killed between the rename and the print) the one after it.
        assert version in (saved[-1], saved[-1] + 1)
        if pause_at:
            assert version == saved[-1]


@pytest.mark.parametrize("name", FORMATS)
def test_a_save_through_a_symbolic_link_replaces_the_file_it_points_to(tmp_path, name):
    _save(_trained_model(seed=8), tmp_path / name)
    link = tmp_path / f"link-{name}"
    os.symlink(tmp_path / name, link)
    model = _trained_model(seed=9)
    _save(model, link)
    assert link.is_symlink()
    loaded = _trained_model(seed=8)
    loaded.load_weights(tmp_path / name)
    for saved, expected in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(saved, expected)


@pytest.mark.parametrize("name", FORMATS)
def test_a_save_keeps_the_permissions_of_the_file_it_replaces(tmp_path, name):
    _save(_trained_model(seed=8), tmp_path / name)
    os.chmod(tmp_path / name, 0o600)
    _save(_trained_model(seed=9), tmp_path / name)
    assert stat.S_IMODE(os.stat(tmp_path / name).st_mode) == 0o600


def test_a_file_name_of_the_longest_length_saves(tmp_path):
    name = "w" * (255 - len(".weights.h5")) + ".weights.h5"
    model = _trained_model()
    model.save_weights(tmp_path / name)
    assert os.listdir(tmp_path) == [name]


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux's /proc")
def test_a_folder_that_cannot_be_written_is_named_as_the_user_gave_it():
    target = "/proc/w.weights.h5"  # /proc exists, and no file can be created in it, even by root
    with pytest.raises(OSError, match=re.escape(f"Cannot save to '{target}'")) as caught:
        _trained_model().save_weights(target)
    assert ".tmp" not in str(caught.value)
