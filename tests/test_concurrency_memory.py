"""Faults that lose nothing: inference from many threads, a long fit's memory, and reproducibility.

- ``predict`` and ``evaluate`` from 8 threads at once on one model give each thread exactly what a
  sequential run gives, and leave every layer attribute as it was (inference keeps no state).
- 50 epochs of ``fit`` do not grow the process's memory (RSS read from ``/proc/self/statm`` in a
  fresh subprocess).
- ``set_random_seed`` makes a whole ``fit`` bitwise reproducible: weights, history, dropout masks,
  shuffling and the validation split.
"""

import json
import os
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

import handkeras as keras
from handkeras import layers

THREADS = 8


# --------------------------------------------------------------------------------- models
def dense_model():
    model = keras.Sequential([
        keras.Input(shape=(12,)),
        layers.Dense(32, activation="relu"),
        layers.BatchNormalization(),
        layers.Dropout(0.5),
        layers.LayerNormalization(),
        layers.Dense(16, activation="tanh"),
        layers.Dropout(0.2),
        layers.Dense(3, activation="softmax"),
    ])
    return model, (12,)


def conv_pool_model():
    """A convolution and the max pooling that tiles its output: one fused step, in inference too."""
    model = keras.Sequential([
        keras.Input(shape=(8, 8, 2)),
        layers.Conv2D(4, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dense(3, activation="softmax"),
    ])
    return model, (8, 8, 2)


def conv_model():
    model = keras.Sequential([
        keras.Input(shape=(8, 8, 2)),
        layers.Conv2D(4, 3, padding="same", activation="relu"),
        layers.BatchNormalization(),
        layers.MaxPooling2D(2),
        layers.Dropout(0.3),
        layers.Conv2D(4, 2, activation="relu"),
        layers.GlobalAveragePooling2D(),
        layers.Dense(3, activation="softmax"),
    ])
    return model, (8, 8, 2)


def trained(make):
    """A model trained for two epochs, so that BatchNormalization's moving statistics are set."""
    model, shape = make()
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    x, y = dataset(0, 96, shape)
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    return model, shape


def dataset(seed, rows, shape):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((rows,) + shape).astype(np.float32)
    return x, np.eye(3, dtype=np.float32)[rng.integers(0, 3, rows)]


# --------------------------------------------------------------------------------- fingerprints
def fingerprint(value):
    """A comparable summary of an attribute: array bytes, generator state, or object identity."""
    if isinstance(value, np.ndarray):
        return ("array", value.dtype.str, value.shape, value.tobytes())
    if isinstance(value, keras.Variable):
        return ("variable", id(value), value.name, fingerprint(value.value))
    if isinstance(value, np.random.Generator):
        return ("generator", id(value), repr(value.bit_generator.state))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(fingerprint(item) for item in value))
    if isinstance(value, dict):
        return ("dict", tuple((key, fingerprint(item)) for key, item in value.items()))
    if isinstance(value, (int, float, str, bool, type(None), np.generic)):
        return ("value", repr(value))
    return ("object", id(value))


def layer_state(model):
    """``vars(layer)`` of every layer, fingerprinted: any attribute written by inference shows."""
    return {layer.name: {key: fingerprint(value) for key, value in vars(layer).items()}
            for layer in model.layers}


# --------------------------------------------------------------------------------- threads
def run_in_threads(work):
    """``work(i)`` in THREADS threads released together; returns the results, re-raises errors."""
    results, errors = [None] * THREADS, []
    start = threading.Barrier(THREADS)

    def target(i):
        try:
            start.wait()
            results[i] = work(i)
        except BaseException as error:  # noqa: BLE001 (re-raised in the main thread)
            errors.append(error)

    threads = [threading.Thread(target=target, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


@pytest.mark.parametrize("make", [dense_model, conv_model, conv_pool_model])
def test_predict_and_evaluate_from_eight_threads_match_a_sequential_run(make):
    model, shape = trained(make)
    # Each thread has its own data, row count and batch size, so batches never line up.
    jobs = [(dataset(10 + i, 40 + 13 * i, shape), 4 + 3 * i) for i in range(THREADS)]
    expected = [(model.predict(x, batch_size=b, verbose=0),
                 model.evaluate(x, y, batch_size=b, verbose=0, return_dict=True))
                for (x, y), b in jobs]
    before = layer_state(model)

    def work(i):
        (x, y), batch_size = jobs[i]
        outcomes = []
        for _ in range(3):
            outcomes.append((model.predict(x, batch_size=batch_size, verbose=0),
                             model.evaluate(x, y, batch_size=batch_size, verbose=0,
                                            return_dict=True)))
        return outcomes

    for i, outcomes in enumerate(run_in_threads(work)):
        for predictions, logs in outcomes:
            np.testing.assert_array_equal(predictions, expected[i][0])
            assert logs == expected[i][1], f"thread {i}"
    assert layer_state(model) == before


@pytest.mark.parametrize("make", [dense_model, conv_model, conv_pool_model])
def test_inference_writes_nothing_to_the_layers(make):
    model, shape = trained(make)
    x, y = dataset(1, 50, shape)
    before = layer_state(model)
    model.predict(x, batch_size=7, verbose=0)
    model.predict_on_batch(x)
    model.evaluate(x, y, batch_size=9, verbose=0)
    model.test_on_batch(x, y)
    model(x)
    assert layer_state(model) == before


def test_inference_from_threads_never_sees_a_dropout_mask():
    """Dropout is the identity in inference, whatever other threads do at the same time."""
    model = keras.Sequential([keras.Input(shape=(64,)), layers.Dropout(0.5)])
    x = np.ones((200, 64), dtype=np.float32)
    for outputs in run_in_threads(lambda i: [model.predict(x, batch_size=8 + i, verbose=0)
                                             for _ in range(5)]):
        for output in outputs:
            np.testing.assert_array_equal(output, x)


# --------------------------------------------------------------------------------- memory
MEMORY_SCRIPT = textwrap.dedent("""
    import json, os, sys
    import numpy as np
    import handkeras as keras
    from handkeras import layers

    PAGE = os.sysconf("SC_PAGE_SIZE")

    def rss():
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * PAGE

    class RecordRSS(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.samples = []

        def on_epoch_end(self, epoch, logs=None):
            self.samples.append(rss())

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2000, 32)).astype("float32")
    y = np.eye(4, dtype="float32")[rng.integers(0, 4, 2000)]
    model = keras.Sequential([keras.Input(shape=(32,)), layers.Dense(64, activation="relu"),
                              layers.BatchNormalization(), layers.Dropout(0.3),
                              layers.Dense(4, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    recorder = RecordRSS()
    model.fit(x, y, epochs=50, batch_size=32, validation_split=0.1, verbose=0,
              callbacks=[recorder])
    json.dump(recorder.samples, sys.stdout)
""")


@pytest.mark.slow  # a fresh process and 50 epochs: several seconds
@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs Linux's /proc")
def test_fifty_epochs_of_fit_do_not_grow_memory():
    """Keeping anything per step (a batch's activations, say) would add megabytes by epoch 50."""
    done = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT], capture_output=True, text=True,
                          timeout=300, check=True)
    samples = json.loads(done.stdout)
    assert len(samples) == 50
    settled = max(samples[4:10])  # after the first epochs have allocated what training reuses
    growth = max(samples[10:]) - settled
    assert growth < 8 * 2**20, f"RSS grew by {growth / 2**20:.1f} MiB over epochs 10-50: {samples}"


# --------------------------------------------------------------------------------- reproducibility
def seeded_fit(seed, shuffle=True):
    keras.utils.set_random_seed(seed)
    model, shape = dense_model()
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    x, y = dataset(3, 120, shape)
    history = model.fit(x, y, epochs=4, batch_size=16, shuffle=shuffle, validation_split=0.2,
                        verbose=0)
    return [w.tobytes() for w in model.get_weights()], history.history


@pytest.mark.parametrize("shuffle", [True, "batch", False])
def test_set_random_seed_makes_a_whole_fit_bitwise_reproducible(shuffle):
    weights, history = seeded_fit(7, shuffle)
    again_weights, again_history = seeded_fit(7, shuffle)
    assert again_weights == weights
    assert again_history == history
    other_weights, other_history = seeded_fit(8, shuffle)
    assert other_weights != weights  # the seed reaches initializers, dropout and shuffling
    assert other_history != history


def test_the_seed_reaches_dropout_and_shuffling_not_only_the_initial_weights():
    """Same initial weights, different seeds for training: the trained weights differ."""
    keras.utils.set_random_seed(5)
    model, shape = dense_model()
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    initial = model.get_weights()
    x, y = dataset(4, 64, shape)
    results = []
    for seed, shuffle in ((1, False), (1, False), (2, False), (1, True)):
        model.set_weights(initial)
        model.optimizer = keras.optimizers.SGD()
        model.compile(optimizer=model.optimizer, loss="categorical_crossentropy")
        keras.utils.set_random_seed(seed)
        model.fit(x, y, epochs=1, batch_size=16, shuffle=shuffle, verbose=0)
        results.append([w.tobytes() for w in model.get_weights()])
    assert results[0] == results[1]
    assert results[2] != results[0]  # other dropout masks
    assert results[3] != results[0]  # other batch order
