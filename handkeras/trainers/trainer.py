"""Trainer: compile, fit, evaluate and predict, with Keras's arguments and semantics.

The loop knows nothing of the math: the model runs forward and backward, the loss gives the value
and the gradient, the optimizer applies the update, the metrics keep running means, and the
callbacks see the logs.
"""

import copy
import functools
import math
import numbers

import numpy as np

from handkeras.backend import floatx as x_dtype
from handkeras import losses as losses_module
from handkeras import metrics as metrics_module
from handkeras import optimizers as optimizers_module
from handkeras.callbacks.callback_list import CallbackList
from handkeras.callbacks.progbar_logger import ProgbarLogger
from handkeras.layers.core.dense import Dense
from handkeras.layers.layer import shape_fits
from handkeras.trainers import data, streams
from handkeras.trainers.masking import masked_sample_weight
from handkeras.trainers.stream_training import StreamTraining
from handkeras.trainers.train_step import TrainStep


def _log_value(result, dtype):
    """A metric's result for the logs: a float, or an array for multi-threshold metrics (as Keras),
    rounded to the metric's float dtype as Keras's metric variables hold it: in float32, an accuracy
    of 0.4625 is logged as 0.4625000059604645, as Keras logs it. A metric that counts in integers
    (the IoU metrics) computes its float result itself and is logged as it is."""
    value = np.asarray(result)
    if np.dtype(dtype).kind == "f":
        value = value.astype(dtype)
    return float(value) if value.ndim == 0 else value


def _tolerating_non_finite_data(method):
    """NaN and inf in the data are accepted with one warning per call (``data.warn_non_finite``); the
    invalid operations they cause downstream (``inf - inf``, ``0 * inf``) stay silent, as in Keras."""
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        with np.errstate(invalid="ignore"):
            return method(*args, **kwargs)
    return wrapper


def undoes_first_build_on_failure(method):
    """A first call (on an unbuilt model) that fails leaves the model unbuilt, every layer as it
    was: the build it made is undone, even when the failure comes later in the call (a layer's
    forward refusing its batch). Once an update of the weights has begun, a failing ``fit`` keeps
    what it has learned, as on a built model. A built model pays one attribute read."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        if self.built:
            return method(self, *args, **kwargs)
        snapshot, progress = self._snapshot(), self._training_progress()
        try:
            return method(self, *args, **kwargs)
        except BaseException:
            if self._training_progress() == progress:
                self._restore(snapshot)
            raise
    return wrapper


class _DefaultOptimizer(str):
    """The default ``"rmsprop"``, told apart from an explicit one so ``compile(lr=...)`` means SGD."""


DEFAULT_OPTIMIZER = _DefaultOptimizer("rmsprop")


class Trainer(StreamTraining):
    """Training machinery mixed into models (``Sequential``)."""

    def _init_trainer(self):
        self.compiled = False
        self.optimizer = None
        self.loss = None  # what compile was given, as in Keras
        self._compiled_loss = None  # the Loss object it resolves to, which training uses
        self.stop_training = False
        self.history = None
        self._initial_epoch = None  # set by BackupAndRestore at on_train_begin to resume a run
        self._metrics = []
        self._loss_tracker = metrics_module.Mean(name="loss")
        # The logs' keys with the index of their metric, sorted as Keras sorts logs (set at compile).
        self._log_order = [(self._loss_tracker.name, 0)]
        self._loss_weight = 1.0
        self._metrics_took = set()  # batch shapes the compiled metrics took (_check_metrics_take)

    # ----------------------------------------------------------------------------- compile
    def compile(self, optimizer=DEFAULT_OPTIMIZER, loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1,
                jit_compile="auto", auto_scale_loss=True, lr=None):
        """Configure training. ``lr`` (handkeras's shortcut): SGD at that rate when no optimizer is
        given, the named optimizer at that rate for a string, an error for an optimizer object."""
        if lr is None:
            optimizer = optimizers_module.get(optimizer)
        elif isinstance(optimizer, optimizers_module.Optimizer):
            raise ValueError(
                "compile: pass `lr` only with an optimizer name (or none); received both `lr` "
                f"and the optimizer object {optimizer!r}. Set its `learning_rate` instead."
            )
        else:
            name = "sgd" if optimizer is DEFAULT_OPTIMIZER else optimizer
            optimizer = optimizers_module.get(name, learning_rate=lr)
        compiled_loss = losses_module._loss_object(loss)
        weight = 1.0
        if loss_weights is not None:
            weights = loss_weights if isinstance(loss_weights, (list, tuple)) else [loss_weights]
            if len(weights) != 1 or not isinstance(weights[0], numbers.Real):
                raise ValueError(
                    f"`loss_weights` must be one number (a Sequential has one output), "
                    f"received {loss_weights!r}."
                )
            weight = float(weights[0])
        compiled_metrics = [metrics_module.get(m) for m in self._as_list(metrics, "metrics")]
        compiled_metrics += [metrics_module.get(m) for m in
                             self._as_list(weighted_metrics, "weighted_metrics")]
        for metric in compiled_metrics[len(self._as_list(metrics, "metrics")):]:
            metric.weighted = True
        self.optimizer, self.loss, self._compiled_loss = optimizer, loss, compiled_loss
        self._loss_weight = weight
        self._metrics, self._metrics_took = compiled_metrics, set()
        keys = [self._loss_tracker.name] + self._metric_keys()
        self._log_order = sorted((key, i) for i, key in enumerate(keys))
        self._compile_args = {"loss_weights": loss_weights, "metrics": metrics,
                              "weighted_metrics": weighted_metrics}
        self.compiled = True

    @staticmethod
    def _as_list(value, argument):
        if value is None:
            return []
        if isinstance(value, dict):
            raise ValueError(f"`{argument}` must be a list for a Sequential model, received a dict.")
        return list(value) if isinstance(value, (list, tuple)) else [value]

    @property
    def metrics_names(self):
        return ["loss"] + [m.name for m in self._metrics]

    @property
    def metrics(self):
        return [self._loss_tracker] + self._metrics

    def _training_progress(self):
        """What changes once an update of the weights begins: the optimizer's build and steps
        (its calls: with gradient accumulation, ``iterations`` counts only the updates)."""
        optimizer = self.optimizer
        return None if optimizer is None else (optimizer.built, int(optimizer._iterations))

    def _require_compiled(self, method):
        if not self.compiled or self._compiled_loss is None:
            raise ValueError(
                f"You must call `compile(optimizer, loss)` before `{method}`"
                + ("" if not self.compiled else ": the model was compiled without a `loss`") + "."
            )

    # ----------------------------------------------------------------------------- one step
    def _training_loss(self):
        """The loss to differentiate: fused with the output activation when that is exact."""
        loss = self._compiled_loss
        activation = getattr(self.layers[-1], "output_activation", None) if self.layers else None
        if (loss.fusable_activation is not None and activation is loss.fusable_activation
                and not loss.from_logits and self.layers[-1].activity_regularizer is None):
            return loss.with_logits(), True
        return loss, False

    @undoes_first_build_on_failure
    @_tolerating_non_finite_data
    def compute_gradients(self, x, y, sample_weight=None):
        """Loss and one gradient per trainable weight (``trainable_weights`` order), for one batch.

        No update is applied: pass the gradients to ``optimizer.apply`` (a custom training loop).
        """
        self._require_compiled("compute_gradients")
        x, y, sample_weight = self._prepare(x, y, sample_weight, method="compute_gradients")
        self._build_for(x)
        step = TrainStep(self)
        loss, _ = step.gradients(x, y, sample_weight)
        return loss, [grad.copy() for grad in step.collect_gradients()]

    def _update_metrics(self, loss, y, y_pred, sample_weight, mask=None):
        """Update the model's metrics (the loss tracker, then the compiled metrics) with one
        batch, and return the logs."""
        self._update_metric_states(loss, y, y_pred, sample_weight, mask)
        return self._logs()

    def _update_metric_states(self, loss, y, y_pred, sample_weight, mask=None, metrics=None):
        loss_tracker, compiled = ((metrics[0], metrics[1:]) if metrics
                                  else (self._loss_tracker, self._metrics))  # no list per step
        loss_tracker.update_state(loss, sample_weight=len(y_pred))
        for metric in compiled:
            weights = sample_weight if getattr(metric, "weighted", False) else None
            if mask is not None:
                weights = masked_sample_weight(mask, weights, "sum", y_pred.dtype)
            metric.update_state(y, y_pred, sample_weight=weights)

    def _logs(self, metrics=None):
        """Running values by name, with keys sorted as Keras sorts its logs."""
        metrics = metrics or self.metrics
        return {key: _log_value(metrics[i].result(), metrics[i].dtype)
                for key, i in self._log_order}

    def _metric_keys(self):
        """The compiled metrics' log keys, named as Keras names them: a name already taken gets
        ``_1``, ``_2``, ...; a weighted metric whose name is taken first becomes ``weighted_<name>``."""
        counters, keys = {}, []
        for metric in self._metrics:
            name = metric.name
            if getattr(metric, "weighted", False) and name in counters:
                name = "weighted_" + name
            if name in counters:
                counters[name] += 1
                name = f"{name}_{counters[name] - 1}"
            else:
                counters[name] = 1
            keys.append(name)
        return keys

    def reset_metrics(self):
        """Reset the loss tracker and every compiled metric, as ``fit`` does at each epoch's start."""
        for metric in self.metrics:
            metric.reset_state()

    # ----------------------------------------------------------------------------- fit
    @undoes_first_build_on_failure
    @_tolerating_non_finite_data
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1):
        """Train for ``epochs`` epochs and return the ``History`` callback. ``x`` is arrays, or a
        PyDataset or a generator of batches (then without ``y``, ``sample_weight`` and
        ``validation_split``, as in Keras)."""
        self._require_compiled("fit")
        data.check_batch_size(batch_size)
        data.check_batch_size(validation_batch_size, "validation_batch_size")
        data.check_steps(validation_steps, "validation_steps")
        self._check_fit_arguments(epochs, initial_epoch, validation_split, shuffle,
                                  steps_per_epoch, validation_freq)
        if streams.is_stream(x):
            return self._fit_stream(x, y, sample_weight, epochs, verbose, callbacks,
                                    validation_split, validation_data, shuffle, class_weight,
                                    initial_epoch, steps_per_epoch, validation_steps,
                                    validation_batch_size or batch_size, validation_freq)
        x, y, sample_weight = self._prepare(x, y, sample_weight, method="fit",
                                            batch_size=batch_size)
        validation = None
        if validation_data is not None:
            validation = self._validation_stream(validation_data, validation_steps)
            if validation is None:
                validation = self._unpack_validation_data(
                    validation_data, self._input_shape_for(x), validation_batch_size or batch_size)
        elif validation_split:
            (x, y, sample_weight), validation = data.split_validation(
                (x, y, sample_weight), validation_split)
        if class_weight is not None:
            sample_weight = self._class_sample_weights(x, y, class_weight, sample_weight)
        validation_arrays = isinstance(validation, tuple)
        if validation_arrays:
            validation_batch_size = data.check_batch_size(
                validation_batch_size or batch_size, rows=len(validation[0]), steps=validation_steps)
        batch_size = data.check_batch_size(batch_size, rows=len(x), steps=steps_per_epoch)
        self._check_metrics_take(x, y, sample_weight, batch_size)
        if validation_arrays:
            self._check_metrics_take(*validation, validation_batch_size, prefix="validation_")
        batches = data.EpochBatches(len(x), batch_size, shuffle, steps_per_epoch)
        callbacks = CallbackList(callbacks, add_history=True, add_progbar=verbose != 0, model=self,
                                 verbose=verbose, epochs=epochs,
                                 steps=steps_per_epoch or batches.batches_per_pass)
        self._build_for(x)  # only once every argument, callbacks included, has been checked

        def epoch_batches():
            for step, index in batches.epoch():
                yield step, (x[index], data.take(y, index), data.take(sample_weight, index))

        return self._train_epochs(callbacks, epoch_batches, initial_epoch, epochs, validation,
                                  validation_freq, validation_batch_size, validation_steps)

    def _train_epochs(self, callbacks, epoch_batches, initial_epoch, epochs, validation,
                      validation_freq, validation_batch_size, validation_steps):
        """The epochs of ``fit``, for arrays and for PyDatasets and generators alike:
        ``epoch_batches()`` gives one epoch's ``(step, (x, y, sample_weight))``. Returns the
        ``History``."""
        train_step = TrainStep(self)
        self.stop_training = False
        with callbacks.closing_bars_on_error():
            callbacks.on_train_begin()
            initial_epoch, self._initial_epoch = self._initial_epoch or initial_epoch, None
            epoch_logs = {}
            # Running logs are built per batch only for callbacks that read them; the progress bar
            # gets the function that builds them and calls it when it redraws.
            batch_logs = callbacks.listens("on_train_batch_end", besides=ProgbarLogger)
            for epoch in range(initial_epoch, epochs):
                self.reset_metrics()
                callbacks.on_epoch_begin(epoch)
                trained = False
                for step, (xb, yb, swb) in epoch_batches():
                    callbacks.on_train_batch_begin(step)
                    loss, y_pred = train_step(xb, yb, swb)
                    self._update_metric_states(loss, yb, y_pred, swb, train_step.mask)
                    trained = True
                    callbacks.on_train_batch_end(step, self._logs() if batch_logs else self._logs)
                    if self.stop_training:
                        break
                epoch_logs = self._end_epoch(epoch, trained, validation, validation_freq,
                                             validation_batch_size, validation_steps, callbacks)
                if self.stop_training:
                    break
            self._finalize_optimizer(epochs)
            callbacks.on_train_end(epoch_logs)
        return callbacks.history

    def _finalize_optimizer(self, epochs):
        """As Keras's ``fit`` does before ``on_train_end``: let the optimizer set the weights'
        final values (the moving averages, with ``use_ema``)."""
        if epochs > 0:
            self.optimizer.finalize_variable_values(self.trainable_weights)

    def _end_epoch(self, epoch, trained, validation, validation_freq, validation_batch_size,
                   validation_steps, callbacks):
        """The epoch's logs, with the validation's when it is due, passed to ``on_epoch_end``.

        As in Keras, the epoch's logs are the metrics' values: what a callback wrote into a
        batch's logs stays there. ``validation`` is arrays ``(x, y, sample_weight)`` or the
        ``StreamEpochs`` of a PyDataset or a generator."""
        epoch_logs = self._logs() if trained else {}
        if validation is not None and self._validates_at(epoch, validation_freq):
            if isinstance(validation, tuple):
                val_logs = self._evaluate_arrays(*validation, validation_batch_size, callbacks,
                                                 validation_steps)
            else:
                validation.reset()
                val_logs = self._evaluate_stream_batches(validation, callbacks)
            epoch_logs.update({"val_" + key: value for key, value in val_logs.items()})
            epoch_logs = dict(sorted(epoch_logs.items()))
        callbacks.on_epoch_end(epoch, epoch_logs)
        return epoch_logs

    @staticmethod
    def _check_fit_arguments(epochs, initial_epoch, validation_split, shuffle, steps_per_epoch,
                             validation_freq):
        for argument, value in (("epochs", epochs), ("initial_epoch", initial_epoch)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
                raise ValueError(f"`{argument}` must be a non-negative integer, received {value!r}.")
        if not isinstance(validation_split, numbers.Real) or not 0 <= validation_split < 1:
            raise ValueError(
                f"`validation_split` must be a number in [0, 1), received {validation_split!r}."
            )
        if shuffle not in (True, False, "batch"):
            raise ValueError(f"`shuffle` must be True, False or 'batch', received {shuffle!r}.")
        if steps_per_epoch is not None and (isinstance(steps_per_epoch, bool) or not isinstance(
                steps_per_epoch, numbers.Integral) or steps_per_epoch <= 0):
            raise ValueError(
                f"`steps_per_epoch` must be a positive integer or None, received {steps_per_epoch!r}."
            )
        if isinstance(validation_freq, numbers.Integral):
            if isinstance(validation_freq, bool) or validation_freq <= 0:
                raise ValueError(
                    f"`validation_freq` must be a positive integer or a list of epochs, received "
                    f"{validation_freq!r}."
                )
        elif not isinstance(validation_freq, (list, tuple, set)):
            raise ValueError(
                f"`validation_freq` must be a positive integer or a list of epochs, received "
                f"{validation_freq!r}."
            )

    @staticmethod
    def _validates_at(epoch, validation_freq):
        if isinstance(validation_freq, numbers.Integral):
            return (epoch + 1) % validation_freq == 0
        return epoch + 1 in validation_freq

    def _unpack_validation_data(self, validation_data, input_shape, batch_size):
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
            raise ValueError(
                "`validation_data` must be a tuple (x_val, y_val) or (x_val, y_val, "
                f"val_sample_weight), received {type(validation_data).__name__}"
                + (f" of length {len(validation_data)}" if hasattr(validation_data, "__len__") else "")
                + "."
            )
        return self._prepare(*validation_data, prefix="validation_", method="fit",
                             input_shape=input_shape, batch_size=batch_size)

    def _prepare(self, x, y=None, sample_weight=None, prefix="", method="fit", needs_y=True,
                 input_shape=None, check_x=True, batch_size=None, check_y=True):
        """Arrays for a call, every shape checked against the model before anything changes, and
        the values of ``x`` against its first layer (Embedding's ids).

        ``batch_size`` is the call's (None: Keras's 32; the single-batch methods pass none and
        take ``x`` whole): the targets may broadcast when every batch holds one row.

        The model is not built here: a call that fails its checks leaves it exactly as it was.
        ``input_shape`` is the one the model will have (validation data of an unbuilt model must
        fit the training data's).
        """
        self._require_layers()
        x, y, sample_weight = data.prepare(x, y, sample_weight, prefix=prefix, check_x=check_x,
                                           check_y=check_y)
        input_shape = input_shape or self._input_shape_for(x)
        x = data.match_input_rank(x, input_shape)
        self.check_input_shape(x.shape, prefix + "x", expected=input_shape)
        self.check_input_values(x)
        if needs_y:
            if y is None:
                raise ValueError(
                    f"{method}: the loss {self._compiled_loss.name!r} needs targets, but "
                    f"`{prefix}y` is None."
                )
            output_shape = self.compute_output_shape(input_shape)
            one_row_batches = len(y) == 1 or batch_size == 1
            self._check_targets(y, output_shape, prefix + "y", one_row_batches)
            if sample_weight is not None:
                self._check_sample_weight(sample_weight, output_shape, prefix + "sample_weight")
        return x, data.float_targets(y), sample_weight

    def _input_shape_for(self, x):
        """The model's input shape: the built one, or the one ``x`` would build it with."""
        return self._build_input_shape if self.built else (None,) + x.shape[1:]

    def _check_targets(self, y, output_shape, argument, one_row_batches=False):
        """Targets must fit the model's output: labels for sparse losses, same width otherwise.

        One exception, Keras's broadcasting: in batches of one row, a target per sample (``y`` of
        shape ``(rows,)``) is the target of each unit of a 2D output, as Keras's losses broadcast
        a batch of shape ``(1,)`` against ``(1, units)`` (the docstring examples of EarlyStopping
        and BackupAndRestore fit ``np.zeros(5)`` to a ``Dense(10)`` with ``batch_size=1``).
        """
        shapes = self._compiled_loss.target_shapes(output_shape)
        if shapes is not None:
            if not any(shape_fits(y.shape, shape) for shape in shapes):
                raise ValueError(
                    f"`{argument}` with shape {y.shape} does not fit the model's output of shape "
                    f"{output_shape} for the loss {self._compiled_loss.name!r}: expected targets "
                    f"of shape {' or '.join(str(shape) for shape in shapes)}."
                )
            self._compiled_loss.check_targets(y, output_shape, argument)
            return
        if self._compiled_loss.sparse_labels:
            labels = y[..., 0] if y.ndim == len(output_shape) and y.shape[-1] == 1 else y
            if not shape_fits(labels.shape, output_shape[:-1]):
                raise ValueError(
                    f"`{argument}` with shape {y.shape} does not fit the model's output "
                    f"{output_shape}: sparse labels need shape {output_shape[:-1]} (one class index "
                    "per output row)."
                )
            if labels.dtype.kind == "f":
                fractional = labels[np.mod(labels, 1) != 0]
                if fractional.size:
                    raise ValueError(
                        f"`{argument}` must hold integer class indices for "
                        f"{self._compiled_loss.name}, "
                        f"received {fractional.size} non-integer value(s) such as "
                        f"{fractional.flat[0]!s}."
                    )
            classes = output_shape[-1]
            if labels.size and (labels.min() < 0 or labels.max() >= classes):
                raise ValueError(
                    f"`{argument}` holds class indices in [{labels.min()!s}, {labels.max()!s}], but "
                    f"the model's output has {classes} classes: indices must be in [0, {classes})."
                )
            return
        squeezable = y.ndim == len(output_shape) - 1 and output_shape[-1] == 1
        per_row = (y.ndim == 1 and len(output_shape) == 2
                   and self._compiled_loss.broadcasts_targets)  # one target for every unit
        if (shape_fits(y.shape, output_shape) or (squeezable or per_row and one_row_batches)
                and shape_fits(y.shape, output_shape[:-1])):
            return
        if len(output_shape) == 2 and y.ndim == 2:
            hint = ": one-hot targets need one column per output unit."
        elif per_row:
            hint = (": a target per row serves every unit only in batches of one row, as in Keras "
                    "(batch_size=1).")
        else:
            hint = "."
        raise ValueError(
            f"`{argument}` with shape {y.shape} does not fit the model's output of shape "
            f"{output_shape} for the loss {self._compiled_loss.name!r}{hint}"
        )

    @staticmethod
    def _check_sample_weight(sample_weight, output_shape, argument):
        """One weight per sample (``(rows,)``), or per output position of the per-sample loss
        (``output_shape`` without its last axis, as for timesteps); trailing size-1 axes are allowed."""
        shape = sample_weight.shape
        while len(shape) > 1 and shape[-1] == 1:
            shape = shape[:-1]
        per_sample = output_shape[:-1] if len(output_shape) > 1 else output_shape
        if len(shape) > len(per_sample) or not shape_fits(shape, per_sample[:len(shape)]):
            raise ValueError(
                f"`{argument}` with shape {sample_weight.shape} does not fit the model's output of "
                f"shape {output_shape}: expected one weight per sample, shape ({len(sample_weight)},)"
                + (f", or one per position of {per_sample}" if len(per_sample) > 1 else "") + "."
            )

    def _check_metrics_take(self, x, y, sample_weight, batch_size, prefix=""):
        """Each compiled metric takes the first batch of targets before anything changes, as
        Keras's symbolic build has them do: targets that a metric cannot take (one-hot targets for
        a sparse metric, say) would otherwise fail after the first step had changed the model.

        A copy of each metric is updated with the first ``batch_size`` rows of ``y`` (and of
        ``sample_weight`` for weighted metrics) and zeros in the shape of the predictions. Shapes
        that passed are not tried again until the next ``compile`` (``train_on_batch`` in a loop
        pays once)."""
        rows = min(len(y), batch_size)
        output_shape = self.compute_output_shape((None,) + x.shape[1:])
        shapes = (rows, y.shape[1:], y.dtype.str, output_shape,
                  None if sample_weight is None else sample_weight.shape[1:])
        if shapes in self._metrics_took:
            return
        stand_in = np.zeros((rows,) + output_shape[1:], x_dtype())
        for metric in self._metrics:
            weights = sample_weight if getattr(metric, "weighted", False) else None
            try:
                with np.errstate(all="ignore"):
                    copy.deepcopy(metric).update_state(
                        y[:rows], stand_in, sample_weight=data.take(weights, slice(rows)))
            except Exception as error:
                raise ValueError(
                    f"The metric {metric.name!r} cannot take `{prefix}y` with shape {y.shape} "
                    f"for the model's output of shape {(None,) + output_shape[1:]} "
                    f"({type(error).__name__}: {str(error).strip()}). Sparse metrics take class "
                    "indices (one per output row), the others targets shaped like the output."
                ) from error
        self._metrics_took.add(shapes)

    def _class_sample_weights(self, x, y, class_weight, sample_weight):
        """Keras's per-sample weights from ``{class index: weight}``: a sample's class is the argmax
        of its one-hot row, or its label rounded to an integer; classes not listed weigh 1. As in
        Keras, ``class_weight`` and ``sample_weight`` cannot be given together.

        Keras ignores keys that match no sample; with several output units, a key outside
        ``[0, units)`` can match none and is reported as the mistake it is. A single output unit
        takes any integer label (hinge losses' -1, say)."""
        if not isinstance(class_weight, dict):
            raise ValueError(f"`class_weight` must be a dict, received {type(class_weight).__name__}.")
        if sample_weight is not None:
            raise ValueError(
                "`class_weight` and `sample_weight` cannot be given together (Keras refuses them "
                "too): multiply the class weights into `sample_weight` instead."
            )
        classes = self.compute_output_shape(self._input_shape_for(x))[-1]
        not_classes = [key for key in class_weight
                       if isinstance(key, bool) or not isinstance(key, numbers.Integral)
                       or classes > 1 and not 0 <= key < classes]
        if not_classes:
            raise ValueError(
                "`class_weight` keys must be "
                + (f"class indices in [0, {classes})" if classes > 1 else "integer class labels")
                + f", received {not_classes}."
            )
        not_numbers = {key: value for key, value in class_weight.items()
                       if isinstance(value, bool) or not isinstance(value, numbers.Real)}
        if not_numbers:
            raise ValueError(f"`class_weight` values must be numbers, received {not_numbers}.")
        labels = y if y.ndim == 1 else np.argmax(y, axis=-1) if y.shape[-1] != 1 else y[..., 0]
        if labels.ndim != 1:
            raise ValueError(
                f"`class_weight` needs one class per sample: targets of shape {y.shape} give "
                f"labels of shape {labels.shape}; pass per-position weights as `sample_weight`."
            )
        labels = np.round(labels)
        weights = np.ones(len(y), dtype=x_dtype())
        for key, value in class_weight.items():
            weights[labels == key] = value
        return weights

    # ----------------------------------------------------------------------------- evaluate
    @undoes_first_build_on_failure
    @_tolerating_non_finite_data
    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False):
        """Loss (and metrics) in inference mode: a scalar, a list, or a dict with ``return_dict``.
        ``x`` is arrays, or a PyDataset or a generator of batches."""
        self._require_compiled("evaluate")
        data.check_batch_size(batch_size)
        data.check_steps(steps, "steps")
        if streams.is_stream(x):
            return self._evaluate_stream(x, y, sample_weight, verbose, steps, callbacks,
                                         return_dict)
        x, y, sample_weight = self._prepare(x, y, sample_weight, method="evaluate", check_x=False,
                                            batch_size=batch_size)
        batch_size = data.check_batch_size(batch_size, rows=len(x), steps=steps)
        self._check_metrics_take(x, y, sample_weight, batch_size)
        total = steps or math.ceil(len(x) / batch_size)
        finite = data.FiniteCheck(x, "x", batch_size, rows=total * batch_size)
        callbacks = CallbackList(callbacks, add_progbar=verbose != 0, model=self,
                                 verbose=verbose, epochs=1, steps=total)
        self._build_for(x)
        logs = self._evaluate_arrays(x, y, sample_weight, batch_size, callbacks, steps, finite)
        finite.warn()
        return self._batch_result(logs, return_dict)

    def _evaluate_arrays(self, x, y, sample_weight, batch_size, callbacks, steps=None,
                         finite=None):
        """Loss and metrics of ``x`` in inference mode, batch by batch (each batch checked for
        NaN by ``finite``, a ``data.FiniteCheck``, when given).

        The running values live in private copies of the metrics, so evaluations from several
        threads at once never mix; the model's metrics take the final state, holding the last
        evaluation as Keras's do."""
        metrics = self._fresh_metric_copies()
        check_product = None if finite is None else self._data_check_on_product(finite)
        with callbacks.closing_bars_on_error():
            callbacks.on_test_begin()
            batches = data.first_steps(data.batch_indices(len(x), batch_size, False, None), steps)
            # As in fit, running logs are built per batch only for callbacks that read them; the
            # progress bar calls for them when it redraws.
            batch_logs = callbacks.listens("on_test_batch_end", besides=ProgbarLogger)
            running_logs = functools.partial(self._logs, metrics)
            for step, index in enumerate(batches):
                callbacks.on_test_batch_begin(step)
                yb, swb, batch = data.take(y, index), data.take(sample_weight, index), x[index]
                if finite is not None:
                    finite.check(batch)
                self._test_step(batch, yb, swb, metrics, check_product)
                callbacks.on_test_batch_end(step, running_logs() if batch_logs else running_logs)
            logs = running_logs() if batches else {}
            self._keep_metric_states(metrics)
            callbacks.on_test_end(logs)
        return logs

    def _data_check_on_product(self, finite):
        """The NaN check of the batches, moved onto the product of a first ``Dense`` where it is
        cheaper there (``FiniteCheck.product_check``): the products are narrower than the data, and
        already in the cache. None where the batches are checked as they are."""
        steps = self._planned_steps()
        if not steps or type(steps[0]) is not Dense:  # a subclass may have its own forward
            return None
        return finite.product_check(steps[0])

    def _fresh_metric_copies(self):
        """Private, reset copies of the model's metrics, for one evaluation."""
        metrics = [copy.deepcopy(metric) for metric in self.metrics]
        for metric in metrics:
            metric.reset_state()
        return metrics

    def _keep_metric_states(self, metrics):
        """The model's metrics take the final state of an evaluation's copies, as Keras's hold
        the last evaluation."""
        for shared, own in zip(self.metrics, metrics):
            vars(shared).update(vars(own))

    def _test_step(self, x, y, sample_weight, metrics, check_product=None):
        """Loss and metrics of one batch in inference mode, added to ``metrics``."""
        y_pred, mask, activity_penalty = self.forward_details(x, False, check_product)
        loss_weights = masked_sample_weight(mask, sample_weight, self._compiled_loss.reduction,
                                            y_pred.dtype)
        loss = (self._loss_weight * self._compiled_loss(y, y_pred, loss_weights)
                + activity_penalty
                + sum(layer.regularization_penalty() for layer in self.layers))
        self._update_metric_states(loss, y, y_pred, sample_weight, mask, metrics)

    # ----------------------------------------------------------------------------- predict
    @undoes_first_build_on_failure
    @_tolerating_non_finite_data
    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Outputs for ``x`` in inference mode, batch by batch, as one numpy array. ``x`` is an
        array, or a PyDataset or a generator of batches (only their ``x`` is used)."""
        data.check_batch_size(batch_size)
        data.check_steps(steps, "steps")
        if streams.is_stream(x):
            return self._predict_stream(x, verbose, steps, callbacks)
        x, _, _ = self._prepare(x, method="predict", needs_y=False, check_x=False)
        batch_size = data.check_batch_size(batch_size, rows=len(x), steps=steps)
        batches = data.first_steps(data.batch_indices(len(x), batch_size, False, None), steps)
        rows = min(len(x), len(batches) * batch_size)  # the rows the batches read
        finite = data.FiniteCheck(x, "x", batch_size, rows)
        callbacks = CallbackList(callbacks, add_progbar=verbose != 0, model=self,
                                 verbose=verbose, epochs=1, steps=steps or len(batches))
        self._build_for(x)
        check_product = self._data_check_on_product(finite)
        output = None
        with callbacks.closing_bars_on_error():
            callbacks.on_predict_begin()
            for step, index in enumerate(batches):
                callbacks.on_predict_batch_begin(step)
                batch = x[index]
                finite.check(batch)
                y_pred = self.forward_details(batch, False, check_product)[0]
                if output is None:
                    output = np.empty((rows,) + y_pred.shape[1:], dtype=y_pred.dtype)
                output[index] = y_pred
                callbacks.on_predict_batch_end(step, {"outputs": y_pred})
            callbacks.on_predict_end()
        finite.warn()
        return output

    # ----------------------------------------------------------------------------- single batches
    @undoes_first_build_on_failure
    @_tolerating_non_finite_data
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One optimizer step on one batch; returns the batch's loss (and metrics)."""
        self._require_compiled("train_on_batch")
        x, y, sample_weight = self._prepare(x, y, sample_weight, method="train_on_batch")
        if class_weight is not None:
            sample_weight = self._class_sample_weights(x, y, class_weight, sample_weight)
        self._check_metrics_take(x, y, sample_weight, len(x))
        self._build_for(x)
        train_step = TrainStep(self)
        self.reset_metrics()
        loss, y_pred = train_step(x, y, sample_weight)
        logs = self._update_metrics(loss, y, y_pred, sample_weight, train_step.mask)
        return self._batch_result(logs, return_dict)

    @undoes_first_build_on_failure
    @_tolerating_non_finite_data
    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """Loss (and metrics) of one batch in inference mode."""
        self._require_compiled("test_on_batch")
        x, y, sample_weight = self._prepare(x, y, sample_weight, method="test_on_batch")
        self._check_metrics_take(x, y, sample_weight, len(x))
        self._build_for(x)
        logs = self._evaluate_arrays(x, y, sample_weight, len(x), CallbackList())
        return self._batch_result(logs, return_dict)

    @undoes_first_build_on_failure
    @_tolerating_non_finite_data
    def predict_on_batch(self, x):
        """Outputs for one batch in inference mode."""
        x, _, _ = self._prepare(x, method="predict_on_batch", needs_y=False)
        self._build_for(x)
        return self.forward(x, training=False)

    def _batch_result(self, logs, return_dict):
        """The logs, or Keras's flat form: the value of the loss and of each compiled metric's own
        name (so a repeated name repeats a value), then the other keys in sorted order; a single
        value alone."""
        if return_dict:
            return logs
        names = [self._loss_tracker.name] + [metric.name for metric in self._metrics]
        values = [logs[name] for name in names if name in logs]
        values += [logs[key] for key in sorted(logs) if key not in names]
        return values[0] if len(values) == 1 else values
