"""Keras 3 ``fit`` and ``predict`` on the backend named by ``KERAS_BACKEND``, which must be set before
keras is imported: each backend runs in its own worker process (see benchmarks/worker.py)."""

import keras

from benchmarks.cases import LEARNING_RATE, PREDICT_BATCH
from benchmarks.timing import best_of, warmup_rows


def setup(threads):
    if keras.backend.backend() == "torch":
        import torch
        torch.set_num_threads(threads)
    elif keras.backend.backend() == "tensorflow":
        import tensorflow as tf
        tf.config.threading.set_intra_op_parallelism_threads(threads)


def _model(units):
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [keras.Input(shape=(units[0],))]
        + [keras.layers.Dense(width, activation="relu") for width in units[1:-1]]
        + [keras.layers.Dense(units[-1], activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=LEARNING_RATE),
                  loss="sparse_categorical_crossentropy")
    return model


def train(case, data, rows, repeats):
    model = _model(case.units)
    x, y = data.x[:rows], data.y[:rows]
    warm = warmup_rows(case.batch, rows)
    model.fit(x[:warm], y[:warm], batch_size=case.batch, epochs=1, verbose=0)
    return best_of(repeats, lambda: model.fit(x, y, batch_size=case.batch, epochs=1, verbose=0))


def predict(case, data, rows, repeats):
    model = _model(case.units)
    x = data.x[:rows]
    model.predict(x[:warmup_rows(PREDICT_BATCH, rows)], batch_size=PREDICT_BATCH, verbose=0)
    return best_of(repeats, lambda: model.predict(x, batch_size=PREDICT_BATCH, verbose=0))

