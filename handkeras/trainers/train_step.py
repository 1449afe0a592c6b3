"""TrainStep: one forward, loss, backward and update, planned once and run for every batch.

Everything that does not change from batch to batch (the layer list, the trainable variables, whether
the loss is fused with the output activation, whether any regularizer exists, which Dense kernels an
optimizer may take as unformed products, the lowest layer backward must reach) is worked out when
the step is made, so the per-batch path does only the math and a few attribute reads. A layer whose
backward the step needs and which has none (a Lambda above a layer with trainable weights) is
refused then, before any batch changes anything.
"""

from handkeras import blas
from handkeras.layers.activations.activation import Activation
from handkeras.layers.core.dense import Dense
from handkeras.layers.regularization.dropout import Dropout
from handkeras.layers.reshaping.flatten import Flatten
from handkeras.trainers.masking import masked_sample_weight

# Layers whose backward writes nothing their forward made: a Dense kernel's unformed gradient reads
# its input and the gradient at its logits after the whole backward has run, so every step before it
# must leave them alone.
_LEAVES_FORWARD_ALONE = (Dense, Dropout, Flatten, Activation)


class TrainStep:
    """The training step of a compiled model, as planned at the start of ``fit``."""

    def __init__(self, model):
        model.check_backward(input_gradient=False)
        self.model = model
        self.first_backward_step = model._first_backward_step(input_gradient=False)
        self.loss, self.fused = model._training_loss()
        self.loss_weight = model._loss_weight
        self.variables = model.trainable_weights
        self.gradient_layers = [layer for layer in model.layers if layer.trainable_weights]
        self.regularized = any(w.regularizer is not None for w in model.weights) or any(
            layer.activity_regularizer is not None for layer in _all_layers(model))
        self.last_layer = model.layers[-1]
        self.product_layers = self._product_layers(model)

    def gradients(self, x, y, sample_weight, products=()):
        """Forward and backward on one batch: ``(loss, y_pred)``; gradients left in the layers (the
        kernels of the Dense layers in ``products`` unformed)."""
        model = self.model
        y_pred, mask, _ = model.forward_details(x, training=True)
        if mask is not None:
            sample_weight = masked_sample_weight(mask, sample_weight, self.loss.reduction, y_pred.dtype)
        self.mask = mask
        if self.fused:
            loss, grad = self.loss.value_and_gradient_given_probabilities(
                y, self.last_layer.logits, y_pred, sample_weight)
        else:
            loss, grad = self.loss.value_and_gradient(y, y_pred, sample_weight)
        if self.loss_weight != 1.0:
            loss *= self.loss_weight
            grad *= self.loss_weight
        model.backward(grad, input_gradient=False, from_logits=self.fused, kernel_products=products,
                       first=self.first_backward_step)
        if self.regularized:
            loss += model.regularization_penalty()
        return loss, y_pred

    def collect_gradients(self, products=()):
        """The gradients of the last backward, in ``trainable_weights`` order; the kernels of the
        layers in ``products`` as their ``ProductGradient``."""
        grads = []
        for layer in self.gradient_layers:
            if self.regularized:
                layer.add_regularization_gradients()
            if layer in products:
                grads.append(layer.kernel_product)
                grads.extend(layer.gradients[1:])
            else:
                grads.extend(layer.gradients)
        return grads

    def __call__(self, x, y, sample_weight=None):
        """One optimizer step; returns the batch's loss and predictions."""
        optimizer = self.model.optimizer
        products = self.product_layers
        if products and not optimizer.takes_product_gradients:
            products = ()
        loss, y_pred = self.gradients(x, y, sample_weight, products)
        grads = self.collect_gradients(products)
        scale = optimizer.loss_scale_factor
        if scale is not None:  # the gradients of optimizer.scale_loss(loss), which apply unscales
            grads = [grad * scale for grad in grads]
        optimizer.apply_unchecked(grads, self.variables)
        return loss, y_pred

    @staticmethod
    def _product_layers(model):
        """The Dense layers whose kernel gradient an optimizer may take unformed: trainable, with
        no kernel regularizer (its gradient adds to the formed one), kernels large enough for BLAS,
        and only layers that leave the forward's arrays alone before them."""
        layers = set()
        for step in model._planned_steps():
            if type(step) not in _LEAVES_FORWARD_ALONE:  # a subclass may have its own backward
                break
            if (type(step) is Dense and step.trainable and step.kernel.regularizer is None
                    and step.kernel.value.size >= blas.MIN_SIZE):
                layers.add(step)
        return frozenset(layers)


def _all_layers(model):
    for layer in model.layers:
        yield layer
        if hasattr(layer, "layers"):
            yield from _all_layers(layer)
