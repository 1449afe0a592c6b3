"""TrainStep: one forward, loss, backward and update, planned once and run for every batch.

Everything that does not change from batch to batch (the layer list, the trainable variables, whether
the loss is fused with the output activation, whether any regularizer exists) is worked out when the
step is made, so the per-batch path does only the math and a few attribute reads.
"""

from handkeras.trainers.masking import masked_sample_weight


class TrainStep:
    """The training step of a compiled model, as planned at the start of ``fit``."""

    def __init__(self, model):
        self.model = model
        self.loss, self.fused = model._training_loss()
        self.probability_loss = model._compiled_loss
        self.loss_weight = model._loss_weight
        self.variables = model.trainable_weights
        self.gradient_layers = [layer for layer in model.layers if layer.trainable_weights]
        self.regularized = any(w.regularizer is not None for w in model.weights) or any(
            layer.activity_regularizer is not None for layer in _all_layers(model))
        self.last_layer = model.layers[-1]

    def gradients(self, x, y, sample_weight):
        """Forward and backward on one batch: ``(loss, y_pred)``; gradients left in the layers."""
        model = self.model
        y_pred, mask, _ = model.forward_details(x, training=True)
        if mask is not None:
            sample_weight = masked_sample_weight(mask, sample_weight, self.loss.reduction, y_pred.dtype)
        self.mask = mask
        if self.fused:
            loss, grad = self.loss.value_and_gradient_given_probabilities(
                y, self.last_layer.logits, y_pred, sample_weight)
            if self.probability_loss.clipping_counts(y, y_pred):
                # Keras's value, the one evaluate reports: of the clipped probabilities (the
                # gradient stays the exact one of the logits)
                loss = float(self.probability_loss(y, y_pred, sample_weight))
        else:
            loss, grad = self.loss.value_and_gradient(y, y_pred, sample_weight)
        if self.loss_weight != 1.0:
            loss *= self.loss_weight
            grad *= self.loss_weight
        model.backward(grad, input_gradient=False, from_logits=self.fused)
        if self.regularized:
            loss += model.regularization_penalty()
        return loss, y_pred

    def collect_gradients(self):
        """The gradients of the last backward, in ``trainable_weights`` order."""
        grads = []
        for layer in self.gradient_layers:
            if self.regularized:
                layer.add_regularization_gradients()
            grads.extend(layer.gradients)
        return grads

    def __call__(self, x, y, sample_weight=None):
        """One optimizer step; returns the batch's loss and predictions."""
        loss, y_pred = self.gradients(x, y, sample_weight)
        self.model.optimizer.apply_unchecked(self.collect_gradients(), self.variables)
        return loss, y_pred


def _all_layers(model):
    for layer in model.layers:
        yield layer
        if hasattr(layer, "layers"):
            yield from _all_layers(layer)
