"""KernelAndBias: what Dense and the convolutions share.

An activation, a kernel and an optional bias, each weight with its initializer, regularizer and
constraint: the same arguments, weights and config entries in the same order, written once.
"""

from handkeras import activations
from handkeras import constraints
from handkeras import initializers
from handkeras import regularizers


class KernelAndBias:
    """Mixin for a ``Layer`` computing ``activation(x * kernel + bias)``."""

    def _set_kernel_and_bias_options(self, activation, use_bias, kernel_initializer,
                                     bias_initializer, kernel_regularizer, bias_regularizer,
                                     kernel_constraint, bias_constraint):
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = self._checked_constraint("kernel_constraint", kernel_constraint)
        self.bias_constraint = self._checked_constraint("bias_constraint", bias_constraint)

    @property
    def output_activation(self):
        return self.activation

    def _add_kernel_and_bias(self, kernel_shape, units):
        """Create ``kernel`` (``kernel_shape``) and, with ``use_bias``, ``bias`` (``units``), in
        Keras's order."""
        self.kernel = self.add_weight(kernel_shape, self.kernel_initializer, name="kernel",
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight((units,), self.bias_initializer, name="bias",
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)

    def _kernel_and_bias_config(self):
        return {
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": self.kernel_regularizer and regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": self.bias_regularizer and regularizers.serialize(self.bias_regularizer),
        }

    def _constraints_config(self):
        return {"kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint)}
