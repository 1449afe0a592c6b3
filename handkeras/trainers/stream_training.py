"""fit, evaluate and predict on a PyDataset or a generator: batch by batch, each batch converted
and checked as arrays are (floatx, shapes against the model, one NaN warning per call).

Arrays keep their own loops in ``Trainer``: this path adds the reading and checking of batches
that arrays do once, up front. As in Keras, the first batch is read ahead, before anything
changes, when the model is unbuilt or freshly compiled: it builds the model and meets the
compiled metrics, so that a mismatch fails before the first step.
"""

import functools

import numpy as np

from handkeras.callbacks.callback_list import CallbackList
from handkeras.callbacks.progbar_logger import ProgbarLogger
from handkeras.trainers import data, streams
from handkeras.utils.data_tuples import unpack_x_y_sample_weight


class NonFiniteCounts:
    """NaN and inf counted over the batches of a call, for the call's one warning per array."""

    def __init__(self):
        self.counts = {"x": 0, "y": 0}

    def add(self, name, value):
        if value is not None and np.issubdtype(value.dtype, np.floating):
            self.counts[name] += data.count_non_finite(value)

    def warn(self):
        for name, bad in self.counts.items():
            data.warn_non_finite_count(bad, name)


class StreamTraining:
    """The loops of ``Trainer`` for data given as a PyDataset or a generator."""

    def _reads_first_batch(self):
        """Whether Keras would read a first batch to build the model and the compiled metrics:
        for an unbuilt model, and for the first fit or evaluate after ``compile``."""
        return not self.built or not self._metrics_took

    def _stream_batch(self, batches, item, method, class_weight=None, finite=None,
                      needs_y=True):
        """``(x, y, sample_weight)`` of one batch, as ``_prepare`` makes arrays, with the batch
        named in any error; ``class_weight`` turns into sample weights (Keras refuses it for a
        batch that has its own)."""
        index, (x, y, sample_weight) = item
        if not needs_y:
            y = sample_weight = None
        try:
            if class_weight is not None and sample_weight is not None:
                raise ValueError(
                    "`class_weight` and the batch's `sample_weight` cannot be given together (as "
                    "in Keras): multiply the class weights into the sample weights."
                )
            x, y, sample_weight = self._prepare(x, y, sample_weight, method=method,
                                                needs_y=needs_y, check_x=False, check_y=False)
            if class_weight is not None:
                sample_weight = self._class_sample_weights(x, y, class_weight, None)
        except ValueError as error:
            raise ValueError(f"{batches.source.describe(index)}: {error}") from error
        if finite is not None:
            finite.add("x", x)
            finite.add("y", y)
        return x, y, sample_weight

    def _first_stream_batch(self, batches, method, class_weight=None):
        """The first batch, read and checked against the model and the compiled metrics before
        anything changes, when Keras reads one (``_reads_first_batch``); then the source's epoch
        is ended, as Keras does before every fit and evaluate. None when no batch was read."""
        first = None
        if self._reads_first_batch():
            first = self._stream_batch(batches, batches.first_batch(), method, class_weight)
            self._check_metrics_take(*first, len(first[0]))
        batches.reset()
        return first

    def _validation_stream(self, validation_data, steps):
        """``StreamEpochs`` over ``validation_data`` given as a PyDataset or a generator (alone or
        as the first item of a tuple, then with no targets or weights beside it), else None."""
        given = validation_data
        if isinstance(given, (tuple, list)) and given and streams.is_stream(given[0]):
            given, y, sample_weight = unpack_x_y_sample_weight(given)
            streams.check_call(given, y, sample_weight, argument="validation_data")
        if not streams.is_stream(given):
            return None
        return streams.StreamEpochs(streams.source(given, argument="validation_data"), steps,
                                    "validation_steps")

    # ----------------------------------------------------------------------------- fit
    def _fit_stream(self, x, y, sample_weight, epochs, verbose, callbacks, validation_split,
                    validation_data, shuffle, class_weight, initial_epoch, steps_per_epoch,
                    validation_steps, validation_batch_size, validation_freq):
        streams.check_call(x, y, sample_weight, class_weight, validation_split)
        streams.warn_shuffle_ignored(x, shuffle)
        batches = streams.StreamEpochs(streams.source(x, shuffle), steps_per_epoch)
        first = self._first_stream_batch(batches, "fit", class_weight)
        validation = None
        if validation_data is not None:
            validation = self._validation_stream(validation_data, validation_steps)
            if validation is None:
                input_shape = self._input_shape_for(first[0]) if first else None
                validation = self._unpack_validation_data(validation_data, input_shape,
                                                          validation_batch_size)
                validation_batch_size = data.check_batch_size(
                    validation_batch_size, rows=len(validation[0]), steps=validation_steps)
                self._check_metrics_take(*validation, validation_batch_size,
                                         prefix="validation_")
        callbacks = CallbackList(callbacks, add_history=True, add_progbar=verbose != 0, model=self,
                                 verbose=verbose, epochs=epochs, steps=batches.steps_per_epoch)
        if first is not None:
            self._build_for(first[0])  # only once every argument has been checked
        finite = NonFiniteCounts()

        def epoch_batches():
            for step, item in batches.epoch():
                yield step, self._stream_batch(batches, item, "fit", class_weight, finite)

        history = self._train_epochs(callbacks, epoch_batches, initial_epoch, epochs, validation,
                                     validation_freq, validation_batch_size, validation_steps)
        finite.warn()
        return history

    # ----------------------------------------------------------------------------- evaluate
    def _evaluate_stream(self, x, y, sample_weight, verbose, steps, callbacks, return_dict):
        streams.check_call(x, y, sample_weight)
        batches = streams.StreamEpochs(streams.source(x), steps, "steps")
        first = self._first_stream_batch(batches, "evaluate")
        callbacks = CallbackList(callbacks, add_progbar=verbose != 0, model=self, verbose=verbose,
                                 epochs=1, steps=batches.steps_per_epoch)
        if first is not None:
            self._build_for(first[0])
        finite = NonFiniteCounts()
        logs = self._evaluate_stream_batches(batches, callbacks, finite)
        finite.warn()
        return self._batch_result(logs, return_dict)

    def _evaluate_stream_batches(self, batches, callbacks, finite=None):
        """Loss and metrics of one epoch of ``batches`` in inference mode, in private copies of
        the metrics that the model's take at the end (as ``_evaluate_arrays``)."""
        metrics = self._fresh_metric_copies()
        running_logs = functools.partial(self._logs, metrics)
        with callbacks.closing_bars_on_error():
            callbacks.on_test_begin()
            batch_logs = callbacks.listens("on_test_batch_end", besides=ProgbarLogger)
            tested = False
            for step, item in batches.epoch():
                xb, yb, swb = self._stream_batch(batches, item, "evaluate", finite=finite)
                callbacks.on_test_batch_begin(step)
                self._test_step(xb, yb, swb, metrics)
                tested = True
                callbacks.on_test_batch_end(step, running_logs() if batch_logs else running_logs)
            logs = running_logs() if tested else {}
            self._keep_metric_states(metrics)
            callbacks.on_test_end(logs)
        return logs

    # ----------------------------------------------------------------------------- predict
    def _predict_stream(self, x, verbose, steps, callbacks):
        """Outputs of every batch's ``x`` (targets and weights in the batches are ignored, as in
        Keras), concatenated."""
        batches = streams.StreamEpochs(streams.source(x), steps, "steps")
        callbacks = CallbackList(callbacks, add_progbar=verbose != 0, model=self, verbose=verbose,
                                 epochs=1, steps=batches.steps_per_epoch)
        finite = NonFiniteCounts()
        outputs = []
        with callbacks.closing_bars_on_error():
            callbacks.on_predict_begin()
            for step, item in batches.epoch():
                xb = self._stream_batch(batches, item, "predict", finite=finite, needs_y=False)[0]
                if not self.built:
                    self._build_for(xb)
                callbacks.on_predict_batch_begin(step)
                y_pred = self.forward(xb, training=False)
                outputs.append(y_pred)
                callbacks.on_predict_batch_end(step, {"outputs": y_pred})
            callbacks.on_predict_end()
        finite.warn()
        return np.concatenate(outputs)
