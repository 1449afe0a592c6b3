"""EinsumDense: ``activation(einsum(equation, x, kernel) + bias)``, a Dense of any shape."""

import copy

import numpy as np

from handkeras import activations
from handkeras import constraints
from handkeras import initializers
from handkeras import regularizers
from handkeras.layers.core.einsum_equation import EinsumEquation
from handkeras.layers.layer import Layer

# Two operands: no contraction order to search for, but BLAS (tensordot) where it applies.
_TWO_OPERANDS = ["einsum_path", (0, 1)]


def _einsum(subscripts, a, b):
    return np.einsum(subscripts, a, b, optimize=_TWO_OPERANDS)


def _sum_to_shape(array, shape):
    """``array`` summed over the axes along which an array of ``shape`` broadcasts to it."""
    leading = array.ndim - len(shape)
    axes = tuple(range(leading)) + tuple(
        leading + i for i, size in enumerate(shape) if size == 1 and array.shape[leading + i] != 1)
    return array.sum(axis=axes, keepdims=True).reshape(shape)


class EinsumDense(Layer):
    """A dense layer whose product is the einsum ``equation`` (``"ab,bc->ac"`` is Dense), with
    Keras's arguments, kernel and bias shapes, weight order and config (see ``EinsumEquation``).

    Backward: with ``z = einsum("I,K->O", x, W) + b`` and ``dz`` the gradient at ``z``, each
    operand's gradient is the einsum of the other operand with ``dz``, its subscripts permuted:
    ``dW = einsum("I,O->K", x, dz)`` and ``dx = einsum("O,K->I", dz, W)`` (an input axis that
    ``dz`` and ``W`` both lack was summed away, so ``dx`` is constant along it); ``db`` sums ``dz``
    over the axes the bias broadcasts along.

    LoRA (``lora_rank``, ``enable_lora``): the kernel used is ``W + (alpha / rank) A @ B``, with
    ``W`` frozen and only ``A`` (``kernel_shape[:-1] + (rank,)``) and ``B`` (``(rank, last)``)
    trained: ``dA = s dW_eff B^T`` and ``dB = s A^T dW_eff`` over the kernel's leading axes.
    """

    def __init__(self, equation, output_shape, activation=None, bias_axes=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, lora_rank=None, lora_alpha=None,
                 gptq_unpacked_column_size=None, quantization_config=None, **kwargs):
        super().__init__(**kwargs)
        owner = f"EinsumDense '{self.name}'"
        if gptq_unpacked_column_size is not None or quantization_config is not None:
            raise NotImplementedError(
                f"{owner}: quantization (`quantization_config`, `gptq_unpacked_column_size`) is "
                "not supported by handkeras."
            )
        self.equation = equation
        self._parsed = EinsumEquation(equation, bias_axes, owner)
        self.partial_output_shape = self._checked_output_shape(output_shape)
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = self._checked_constraint("kernel_constraint", kernel_constraint)
        self.bias_constraint = self._checked_constraint("bias_constraint", bias_constraint)
        if lora_rank:  # None or 0: no LoRA, as in Keras
            self._checked_positive_int("lora_rank", lora_rank)
        self.lora_rank = lora_rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else lora_rank
        self.lora_enabled = False
        self.bias = None

    def _checked_output_shape(self, output_shape):
        """``output_shape`` as a tuple of positive ints or None, of the length the equation
        needs (a single int is a 1-tuple, as in Keras)."""
        shape = (output_shape,) if isinstance(output_shape, (int, np.integer)) else output_shape
        if not isinstance(shape, (tuple, list)) or not all(
                size is None or (isinstance(size, (int, np.integer))
                                 and not isinstance(size, bool) and size > 0) for size in shape):
            raise ValueError(f"EinsumDense '{self.name}': `output_shape` must be an int or a tuple "
                             f"of positive ints (or None), received {output_shape!r}.")
        shape = tuple(None if size is None else int(size) for size in shape)
        if len(shape) != self._parsed.named_output_axes:
            raise ValueError(
                f"EinsumDense '{self.name}': `output_shape` {output_shape!r} must give "
                f"{self._parsed.named_output_axes} size(s) for the output spec "
                f"'{self._parsed.output}' of `equation` {self.equation!r}: one per output axis, "
                + ("the ellipsis's axes excluded." if self._parsed.ellipsis == "left"
                   else "the batch axis and the ellipsis's axes excluded.")
            )
        return shape

    @property
    def output_activation(self):
        return self.activation

    # ----------------------------------------------------------------------------- weights
    def build(self, input_shape):
        kernel_shape, bias_shape, _, input_axes, output_axes = self._parsed.shapes(
            input_shape, self.partial_output_shape)
        initializer = self.kernel_initializer
        if isinstance(initializer, initializers.VarianceScaling) and (
                initializer.input_axes is None or initializer.output_axes is None):
            # Fans over the kernel's input and output axes, whatever its rank (as in Keras).
            initializer = copy.copy(initializer)
            initializer.input_axes, initializer.output_axes = input_axes, output_axes
        self._kernel = self.add_weight(kernel_shape, initializer, name="kernel",
                                       regularizer=self.kernel_regularizer,
                                       constraint=self.kernel_constraint)
        if bias_shape is not None:
            self.bias = self.add_weight(bias_shape, self.bias_initializer, name="bias",
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        if self.lora_rank:
            self.enable_lora(self.lora_rank, lora_alpha=self.lora_alpha)

    @property
    def kernel(self):
        """The kernel variable; with LoRA enabled, the array the layer uses, ``W + s A @ B``."""
        if "_kernel" not in vars(self):
            raise AttributeError("You must build the layer before accessing `kernel`.")
        if self.lora_enabled:
            return self._kernel_value()
        return self._kernel

    def _kernel_value(self):
        kernel = self._kernel.value
        if self.lora_enabled:
            scale = self.lora_alpha / self.lora_rank
            kernel = kernel + scale * (self.lora_kernel_a.value @ self.lora_kernel_b.value)
        return kernel

    def enable_lora(self, rank, lora_alpha=None, a_initializer="he_uniform",
                    b_initializer="zeros"):
        """Freeze the kernel and train a low-rank update of it instead: ``lora_kernel_a`` (the
        kernel's shape with its last axis replaced by ``rank``) times ``lora_kernel_b``
        (``(rank, last axis)``), scaled by ``lora_alpha / rank`` (``lora_alpha`` defaults to
        ``rank``). ``B`` starts at zero, so the layer's output is unchanged at first."""
        if self.kernel_constraint:
            raise ValueError(
                f"EinsumDense '{self.name}': Lora is incompatible with kernel constraints. In "
                "order to enable lora on this layer, remove the `kernel_constraint` argument.")
        if "_kernel" not in vars(self):
            raise ValueError(f"EinsumDense '{self.name}': cannot enable lora on a layer that "
                             "isn't yet built.")
        if self.lora_enabled:
            raise ValueError(f"EinsumDense '{self.name}': lora is already enabled. This can only "
                             "be done once per layer.")
        rank = self._checked_positive_int("rank", rank)
        kernel_shape = self._kernel.shape
        self.lora_kernel_a = self.add_weight(kernel_shape[:-1] + (rank,),
                                             initializers.get(a_initializer),
                                             name="lora_kernel_a",
                                             regularizer=self.kernel_regularizer)
        self.lora_kernel_b = self.add_weight((rank, kernel_shape[-1]),
                                             initializers.get(b_initializer),
                                             name="lora_kernel_b",
                                             regularizer=self.kernel_regularizer)
        self._kernel.trainable = False
        self.gradients = []
        self.lora_enabled = True
        self.lora_rank = rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else rank

    def keras_saved_variables(self):
        """What Keras saves for this layer: the kernel (with LoRA, the merged ``W + s A @ B``),
        then the bias."""
        kernel = _MergedLoraKernel(self) if self.lora_enabled else self._kernel
        return [kernel] + ([self.bias] if self.bias is not None else [])

    def unsaved_weight_limit(self, name):
        """The most values a LoRA adapter, which Keras's weight files do not store, may hold when
        a file is loaded: the kernel's count (a rank up to the kernel's full rank); None for the
        stored weights."""
        if name in ("lora_kernel_a", "lora_kernel_b") and "_kernel" in vars(self):
            return self._kernel.value.size
        return None

    def quantize(self, mode=None, type_check=True, config=None):
        """Keras's post-training quantization, which handkeras does not have."""
        raise NotImplementedError(f"EinsumDense '{self.name}': quantize({mode!r}) is not "
                                  "supported by handkeras.")

    # ----------------------------------------------------------------------------- computing
    def compute_output_shape(self, input_shape):
        return self._parsed.shapes(input_shape, self.partial_output_shape)[2]

    def forward(self, x, training=False):
        subscripts_in, subscripts_kernel, subscripts_out = self._parsed.concrete(x.ndim)
        kernel = self._kernel_value()
        z = _einsum(f"{subscripts_in},{subscripts_kernel}->{subscripts_out}", x, kernel)
        if self.bias is not None:
            z += self.bias.value
        y = self.activation.forward_in_place(z)
        if training:
            self._x, self._used_kernel, self.logits, self._y = x, kernel, z, y
        return y

    def backward(self, dy, input_gradient=True):
        return self.backward_from_logits(self.activation.vjp(self.logits, self._y, dy),
                                         input_gradient)

    def backward_from_logits(self, dz, input_gradient=True):
        """Backward from the gradient at the pre-activation ``z`` (used when the loss fuses it)."""
        x = self._x
        subscripts_in, subscripts_kernel, subscripts_out = self._parsed.concrete(x.ndim)
        if self.trainable:
            dkernel = _einsum(f"{subscripts_in},{subscripts_out}->{subscripts_kernel}", x, dz)
            gradients = [] if self.lora_enabled else [dkernel]
            if self.bias is not None:
                gradients.append(_sum_to_shape(dz, self.bias.shape))
            if self.lora_enabled:
                gradients.extend(self._lora_gradients(dkernel))
            self.gradients = gradients
        if not input_gradient:
            return None
        kept = "".join(letter for letter in subscripts_in
                       if letter in subscripts_out or letter in subscripts_kernel)
        dx = _einsum(f"{subscripts_out},{subscripts_kernel}->{kept}", dz, self._used_kernel)
        if kept != subscripts_in:  # axes summed away in the forward: dx is constant along them
            dx = np.broadcast_to(dx.reshape([x.shape[i] if letter in kept else 1
                                             for i, letter in enumerate(subscripts_in)]),
                                 x.shape).copy()
        return dx

    def _lora_gradients(self, dkernel):
        """``dA`` and ``dB`` from the gradient of the kernel the layer used."""
        scale = self.lora_alpha / self.lora_rank
        a, b = self.lora_kernel_a.value, self.lora_kernel_b.value
        da = scale * (dkernel @ b.T)
        db = scale * (a.reshape(-1, a.shape[-1]).T @ dkernel.reshape(-1, dkernel.shape[-1]))
        return [da, db]

    # ----------------------------------------------------------------------------- config
    def get_config(self):
        base = super().get_config()
        base.pop("activity_regularizer", None)  # Keras lists it after the bias's regularizer
        config = {
            **base,
            "output_shape": self.partial_output_shape,
            "equation": self.equation,
            "activation": activations.serialize(self.activation),
            "bias_axes": self.bias_axes,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": self.kernel_regularizer
            and regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": self.bias_regularizer
            and regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": self.activity_regularizer
            and regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "quantization_config": None,
        }
        if self.lora_rank:
            config["lora_rank"] = self.lora_rank
            config["lora_alpha"] = self.lora_alpha
        return config


class _MergedLoraKernel:
    """A LoRA layer's kernel as Keras saves it, merged: ``value`` is ``W + s A @ B``, and
    ``assign`` (loading) sets ``W`` and restarts ``A`` and ``B`` at zero, as Keras does."""

    def __init__(self, layer):
        self._layer = layer
        self.name, self.path = layer._kernel.name, layer._kernel.path

    @property
    def shape(self):
        return self._layer._kernel.shape

    @property
    def dtype(self):
        return self._layer._kernel.dtype

    @property
    def value(self):
        return self._layer._kernel_value()

    def assign(self, value):
        self._layer._kernel.assign(value)
        self._layer.lora_kernel_a.value[...] = 0
        self._layer.lora_kernel_b.value[...] = 0
