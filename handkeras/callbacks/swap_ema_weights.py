"""SwapEMAWeights: evaluate (and optionally save) with the optimizer's moving averages.

With an optimizer made with ``use_ema=True``, the callback exchanges, in place, the values of the
model's trainable weights and of their moving averages before each evaluation (the validation of
``fit``, ``evaluate``, ``predict``) and exchanges them back after it, so that the metrics are those
of the averaged weights while training goes on with the raw ones.
"""

from handkeras.callbacks.callback import Callback


class SwapEMAWeights(Callback):
    """Keras's ``SwapEMAWeights(swap_on_epoch=False)``.

    With ``swap_on_epoch=True`` the averages are also in the model from the end of each epoch to
    the start of the next, so that the callbacks listed after this one (``ModelCheckpoint``) see
    them; after the last epoch they stay, as ``fit`` would give them to the model anyway. As in
    Keras, ``predict`` leaves the averages in the model (the next evaluation swaps them out).
    """

    def __init__(self, swap_on_epoch=False):
        super().__init__()
        self.swap_on_epoch = swap_on_epoch
        self._ema_weights_in_model = False

    def _averaging_optimizer(self):
        optimizer = self.model.optimizer
        if not getattr(optimizer, "use_ema", False):
            raise ValueError(
                "SwapEMAWeights must be used when `use_ema=True` is set on the optimizer. "
                f"Received: use_ema={getattr(optimizer, 'use_ema', None)}."
            )
        if not optimizer.built:
            raise ValueError(
                "SwapEMAWeights: the optimizer has no moving averages yet; it makes them at its "
                "first training step (or `optimizer.build(model.trainable_weights)`)."
            )
        return optimizer

    def _swap_variables(self):
        optimizer = self._averaging_optimizer()
        for variable, average in zip(optimizer._trainable_variables,
                                     optimizer._model_variables_moving_average):
            weights = variable.value.copy()
            variable.value[...] = average.value
            average.value[...] = weights

    def _finalize_ema_values(self):
        """Make the averages equal to the weights, which are the averages swapped in, so that the
        ``finalize_variable_values`` at the end of ``fit`` keeps them."""
        optimizer = self._averaging_optimizer()
        for variable, average in zip(optimizer._trainable_variables,
                                     optimizer._model_variables_moving_average):
            average.value[...] = variable.value

    def on_epoch_begin(self, epoch, logs=None):
        if self.swap_on_epoch and self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = False

    def on_epoch_end(self, epoch, logs=None):
        if self.swap_on_epoch and not self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = True
            if epoch == self.params["epochs"] - 1:
                self._finalize_ema_values()

    def on_test_begin(self, logs=None):
        if not self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = True

    def on_test_end(self, logs=None):
        if self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = False

    def on_predict_begin(self, logs=None):
        if not self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = True

    def on_predict_end(self, logs=None):
        # Keras 3.15.1 tests the flag the wrong way round here, so after predict_begin this does
        # nothing: the averages stay in the model until the next evaluation ends.
        if not self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = False
