"""Dense: ``activation(x @ kernel + bias)`` on the last axis."""

import numpy as np

from handkeras import aligned, blas
from handkeras.layers.kernel_and_bias import KernelAndBias
from handkeras.layers.layer import Layer
from handkeras.product_gradient import ProductGradient
from handkeras.reductions import sum_rows


class Dense(KernelAndBias, Layer):
    """Densely connected layer, with Keras's arguments and weight layout (kernel ``(in, units)``).

    Backward: with ``z = x W + b`` and ``dz`` the gradient at ``z``, ``dW = x^T dz``,
    ``db = sum(dz over rows)`` and ``dx = dz W^T``. All three are sums over the batch.
    """

    supports_masking = True

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 lora_rank=None, lora_alpha=None, quantization_config=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.units = self._checked_positive_int("units", units)
        if lora_rank is not None or quantization_config is not None:
            raise NotImplementedError(
                f"Dense '{self.name}': LoRA and quantization are not supported by handkeras."
            )
        self._set_kernel_and_bias_options(activation, use_bias, kernel_initializer,
                                          bias_initializer, kernel_regularizer, bias_regularizer,
                                          kernel_constraint, bias_constraint)

    def build(self, input_shape):
        if input_shape[-1] is None:
            raise ValueError(
                f"Dense '{self.name}' needs a known last input dimension, received shape {input_shape}."
            )
        self._add_kernel_and_bias((input_shape[-1], self.units), self.units)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def forward(self, x, training=False, check_product=None):
        """``check_product(z, x)``, when given, sees the product before the bias and activation
        (predict and evaluate check their data there, see ``shows_non_finite_rows``)."""
        if x.dtype.kind != "f":  # ids (a Discretization's): Keras's promotion keeps the float type
            x = x.astype(self.kernel.dtype)
        z = x @ self.kernel.value
        if check_product is not None:
            check_product(z, x)
        if self.use_bias and not blas.add_to_rows(z, self.bias.value):
            z += self.bias.value
        y = self.activation.forward_in_place(z)
        if training:
            self._x, self.logits, self._y = x, z, y
        return y

    def shows_non_finite_rows(self, features):
        """Whether checking ``x @ kernel`` for NaN and infinity is a cheaper check of ``x`` itself:
        a non-finite entry of a row of ``x`` makes every entry of that row of the product non-finite
        (NaN and infinity times anything, zero included, are not finite), provided the BLAS
        multiplies it by at least one non-zero kernel entry (one may skip zero factors), and the
        product is narrower than ``x`` (``features`` columns)."""
        kernel = self.kernel.value
        return self.units < features and bool(np.any(kernel != 0, axis=1).all())

    def backward(self, dy, input_gradient=True, kernel_product=False):
        dz = self.activation.vjp(self.logits, self._y, dy)
        return self.backward_from_logits(dz, input_gradient, kernel_product)

    def backward_from_logits(self, dz, input_gradient=True, kernel_product=False):
        """Backward from the gradient at the pre-activation ``z`` (used when the loss fuses it).

        The weight gradients are written into buffers reused from step to step; with
        ``kernel_product=True`` the kernel's is left unformed, as ``self.kernel_product`` (a
        ``ProductGradient``), for an optimizer that applies it without forming it.
        """
        x = self._x
        if x.ndim != 2:
            x = x.reshape(-1, x.shape[-1])
        dz2 = dz if dz.ndim == 2 else dz.reshape(-1, self.units)
        if self.trainable:
            if not self.gradients:
                self.gradients = [aligned.empty(w.shape, w.dtype) for w in self._weights]
            if kernel_product:
                self.kernel_product = ProductGradient(x, dz2, self.gradients[0])
            else:
                np.matmul(x.T, dz2, out=self.gradients[0])
            if self.use_bias:
                sum_rows(dz2, out=self.gradients[1])
        if input_gradient:
            return dz @ self.kernel.value.T
        return None

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            **self._kernel_and_bias_config(),
            **self._constraints_config(),
            "quantization_config": None,
        }
