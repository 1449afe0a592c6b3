"""Measurements run in the main process: the two numpy baselines and handkeras itself.

Each function prepares one column of one case on ``rows`` rows (its untimed warm-up of a few steps
included) and returns the call to time. ``run.py`` times the columns of a case in interleaved rounds,
one call of each per round, and keeps each column's best, so that a slow spell of the machine hits
every column alike rather than the one being timed.
"""

import contextlib
import os

import numpy as np

from benchmarks import numpy_reference
from benchmarks.cases import LEARNING_RATE, PREDICT_BATCH
from benchmarks.timing import warmup_rows


def matmuls(case, data, rows):
    bound = numpy_reference.MatmulBound(case.units, case.batch)
    bound.epoch(warmup_rows(case.batch, rows), case.batch)
    return lambda: bound.epoch(rows, case.batch)


def numpy_loop(case, data, rows):
    weights = numpy_reference.init_weights(case.units)
    x, y = data.x[:rows], data.y[:rows]
    rng = np.random.default_rng(0)
    warm = warmup_rows(case.batch, rows)
    numpy_reference.train_epoch(weights, x[:warm], y[:warm], case.batch, LEARNING_RATE, rng)
    return lambda: numpy_reference.train_epoch(weights, x, y, case.batch, LEARNING_RATE, rng)


def handkeras_model(units):
    import handkeras as keras
    from handkeras import layers
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [keras.Input(shape=(units[0],))]
        + [layers.Dense(width, activation="relu") for width in units[1:-1]]
        + [layers.Dense(units[-1], activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=LEARNING_RATE),
                  loss="sparse_categorical_crossentropy")
    return model


def fit(case, data, rows, verbose=0):
    """``model.fit(..., epochs=1)`` timed whole, setup included. With ``verbose=1`` the progress
    bar is drawn into the null device, so its full cost is paid without cluttering the output."""
    model = handkeras_model(case.units)
    x, y = data.x[:rows], data.y[:rows]

    def run(rows=rows):
        with open(os.devnull, "w") as sink, contextlib.redirect_stderr(sink):
            model.fit(x[:rows], y[:rows], batch_size=case.batch, epochs=1, verbose=verbose)

    run(warmup_rows(case.batch, rows))
    return run


def fit_verbose(case, data, rows):
    return fit(case, data, rows, verbose=1)


def predict_matmuls(case, data, rows):
    """The forward products alone, at the predict batch size."""
    bound = numpy_reference.MatmulBound(case.units, PREDICT_BATCH, training=False)
    bound.epoch(warmup_rows(PREDICT_BATCH, rows), PREDICT_BATCH)
    return lambda: bound.epoch(rows, PREDICT_BATCH)


def predict_matmuls_on_data(case, data, rows):
    """The same products over the data's own rows, streamed from memory."""
    bound = numpy_reference.MatmulBound(case.units, PREDICT_BATCH, training=False)
    x = data.x[:rows]
    bound.forward_over(x[:warmup_rows(PREDICT_BATCH, rows)], PREDICT_BATCH)
    return lambda: bound.forward_over(x, PREDICT_BATCH)


def predict(case, data, rows):
    model = handkeras_model(case.units)
    x = data.x[:rows]
    model.predict(x[:warmup_rows(PREDICT_BATCH, rows)], batch_size=PREDICT_BATCH, verbose=0)
    return lambda: model.predict(x, batch_size=PREDICT_BATCH, verbose=0)


TRAIN = {"matmuls": matmuls, "numpy": numpy_loop, "fit": fit, "fit-verbose": fit_verbose}
PREDICT = {"matmuls": predict_matmuls, "matmuls-data": predict_matmuls_on_data,
           "handkeras": predict}
