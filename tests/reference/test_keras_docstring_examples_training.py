"""The usage shown in the docstrings of Keras's training API, run in both libraries.

Keras's API reference pages show these examples, and users copy them verbatim. Each test runs one
example (the data made with numpy, the weights Keras's) and compares what it shows.
"""

import numpy as np
import pytest

import handkeras

pytest.importorskip("torch")
keras = pytest.importorskip("keras")

from keras_pair import assert_same_history, assert_same_weights, make_models  # noqa: E402


def fit_both(ours, theirs, x, y, **arguments):
    """Both models fitted alike, checked to log the same history and end with the same weights."""
    arguments = dict(shuffle=False, verbose=0, **arguments)
    assert_same_history(ours.fit(x, y, **arguments), theirs.fit(x, y, **arguments))
    assert_same_weights(ours, theirs)


def test_categorical_generalized_cross_entropy_trains_on_integer_labels():
    # The loss's docstring: integer labels against softmax rows, as in its standalone example.
    rng = np.random.default_rng(0)
    x = rng.normal(size=(9, 4))
    labels = rng.integers(0, 3, size=9)

    def build(library):
        return library.Sequential([library.Input((4,)),
                                   library.layers.Dense(3, activation="softmax")])

    ours, theirs = make_models(build)
    ours.compile("sgd", loss=handkeras.losses.CategoricalGeneralizedCrossEntropy(q=0.7))
    theirs.compile("sgd", loss=keras.losses.CategoricalGeneralizedCrossEntropy(q=0.7))
    fit_both(ours, theirs, x, labels, batch_size=4, epochs=2)



def dense_10(library):
    """The docstrings' model, ``Sequential([Dense(10)])``, built for rows of 20 numbers."""
    model = library.models.Sequential([library.layers.Dense(10)])
    model.build(input_shape=(None, 20))
    return model


def test_early_stopping_example_fits_a_target_per_row_in_batches_of_one():
    # EarlyStopping's docstring: np.zeros(5) against Dense(10), which Keras's losses broadcast
    # because each batch holds one row (the inputs scaled down here, so that SGD converges).
    x = np.arange(100).reshape(5, 20) / 100
    ours, theirs = make_models(dense_10)
    histories = []
    for library, model in ((handkeras, ours), (keras, theirs)):
        model.compile(library.optimizers.SGD(), loss="mse")
        callback = library.callbacks.EarlyStopping(monitor="loss", patience=3)
        histories.append(model.fit(x, np.zeros(5), epochs=10, batch_size=1, callbacks=[callback],
                                   verbose=0, shuffle=False))
    assert_same_history(*histories)
    assert_same_weights(ours, theirs)
    assert len(histories[0].history["loss"]) == len(histories[1].history["loss"])


def test_backup_and_restore_example_resumes_at_the_interrupted_epoch(tmp_path):
    # BackupAndRestore's docstring: training interrupted at epoch 4 runs 6 more epochs.
    x = np.arange(100).reshape(5, 20) / 100
    ours, theirs = make_models(dense_10)
    histories = []
    for library, model in ((handkeras, ours), (keras, theirs)):
        class InterruptingCallback(library.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                if epoch == 4:
                    raise RuntimeError("Interrupting!")

        callback = library.callbacks.BackupAndRestore(backup_dir=str(tmp_path / library.__name__))
        model.compile(library.optimizers.SGD(), loss="mse")
        with pytest.raises(RuntimeError, match="Interrupting"):
            model.fit(x, np.zeros(5), epochs=10, batch_size=1, shuffle=False, verbose=0,
                      callbacks=[callback, InterruptingCallback()])
        histories.append(model.fit(x, np.zeros(5), epochs=10, batch_size=1, shuffle=False,
                                   verbose=0, callbacks=[callback]))
    assert_same_history(*histories)
    assert histories[0].epoch == list(range(4, 10))
    assert_same_weights(ours, theirs)


def test_registered_initializer_is_named_in_a_layer_config_as_in_keras():
    # register_keras_serializable's docstring: get_config() holds the registered name, and
    # Dense.from_config finds the class again.
    configs = []
    for library in (handkeras, keras):
        @library.saving.register_keras_serializable("docstring_examples")
        class HalfInit(library.initializers.Initializer):
            def __call__(self, shape, dtype=None):
                return np.full(shape, 0.5)

        config = library.layers.Dense(3, kernel_initializer=HalfInit()).get_config()
        configs.append(config["kernel_initializer"])
        assert configs[-1] == library.initializers.serialize(HalfInit())
        restored = library.layers.Dense.from_config(config)
        assert isinstance(restored.kernel_initializer, HalfInit)
    assert configs[0] == configs[1]
