"""GroupNormalization: normalize each sample over groups of channels."""

import numpy as np

from handkeras import constraints
from handkeras import initializers
from handkeras import regularizers
from handkeras.layers.layer import Layer, is_int


class GroupNormalization(Layer):
    """Keras's group normalization: the ``C`` channels on ``axis`` split into ``groups`` runs of
    ``C / groups`` neighbours; each sample's group is normalized over its channels and every other
    non-batch axis, then ``gamma`` and ``beta`` (one per channel) scale and shift it.

    ``groups=1`` normalizes each sample as a whole (LayerNormalization over all its axes but with
    per-channel weights), ``groups=-1`` (one group per channel) is instance normalization. With
    ``x_hat`` the group-normalized input and ``dx_hat = dy * gamma``, the backward is LayerNorm's
    per group: ``dx = (dx_hat - mean(dx_hat) - x_hat * mean(dx_hat * x_hat)) / sqrt(var + eps)``.
    Weights: gamma, beta, each ``(C,)``. A mask passes through untouched, as in Keras.
    """

    supports_masking = True

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        if not is_int(groups) or (groups <= 0 and groups != -1):
            raise ValueError(f"GroupNormalization '{self.name}': `groups` must be a positive "
                             "integer (or -1 for instance normalization), received "
                             f"groups={groups!r}.")
        if not is_int(axis):
            raise TypeError(f"GroupNormalization '{self.name}': `axis` must be an int (the "
                            f"channels axis), received {axis!r}.")
        if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float, np.number)) \
                or not epsilon > 0:
            raise ValueError(f"GroupNormalization '{self.name}': `epsilon` must be a positive "
                             f"number, received {epsilon!r}.")
        self.groups, self.axis, self.epsilon = int(groups), int(axis), float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = self._checked_constraint("beta_constraint", beta_constraint)
        self.gamma_constraint = self._checked_constraint("gamma_constraint", gamma_constraint)

    def build(self, input_shape):
        self.compute_output_shape(input_shape)
        ndim = len(input_shape)
        axis = self.axis % ndim
        channels = input_shape[axis]
        if axis == 0 or channels is None:
            raise ValueError(f"GroupNormalization '{self.name}': `axis={self.axis}` must be a "
                             "channels axis of known size, not the batch axis; received inputs "
                             f"with shape {tuple(input_shape)}.")
        if self.groups == -1:
            self.groups = channels  # as Keras, the config then holds the count
        if channels % self.groups:
            raise ValueError(
                f"GroupNormalization '{self.name}': `groups={self.groups}` must divide the "
                f"{channels} channels on axis {self.axis} of inputs with shape "
                f"{tuple(input_shape)}.")
        # The grouped layout: the channels axis split in (groups, channels per group).
        self._grouped_axis = axis
        self._reduction_axes = tuple(a for a in range(1, ndim + 1) if a != axis)
        self._broadcast = tuple(channels if a == axis else 1 for a in range(ndim))
        self.gamma = self.add_weight((channels,), self.gamma_initializer, name="gamma",
                                     regularizer=self.gamma_regularizer,
                                     constraint=self.gamma_constraint) if self.scale else None
        self.beta = self.add_weight((channels,), self.beta_initializer, name="beta",
                                    regularizer=self.beta_regularizer,
                                    constraint=self.beta_constraint) if self.center else None

    def compute_output_shape(self, input_shape):
        rank = len(input_shape)
        if not -rank <= self.axis < rank:
            raise ValueError(f"GroupNormalization '{self.name}': `axis` {self.axis} is out of "
                             f"bounds for inputs of shape {tuple(input_shape)}.")
        return tuple(input_shape)

    def _grouped(self, array):
        """``array`` with its channels axis split into ``(groups, channels / groups)``."""
        axis = self._grouped_axis
        shape = array.shape
        return array.reshape(shape[:axis] + (self.groups, -1) + shape[axis + 1:])

    def forward(self, x, training=False):
        grouped = self._grouped(x)
        mean = grouped.mean(axis=self._reduction_axes, keepdims=True)
        inv_std = (1.0 / np.sqrt(grouped.var(axis=self._reduction_axes, keepdims=True)
                                 + self.epsilon)).astype(x.dtype)
        x_hat = ((grouped - mean) * inv_std).reshape(x.shape)
        if training:
            self._cache = x_hat, inv_std
        y = x_hat
        if self.scale:
            y = y * self.gamma.value.reshape(self._broadcast)
        if self.center:
            y = y + self.beta.value.reshape(self._broadcast)
        return y

    def backward(self, dy, input_gradient=True):
        x_hat, inv_std = self._cache
        other_axes = tuple(a for a in range(dy.ndim) if a != self._grouped_axis)
        if self.trainable:
            self.gradients = []
            if self.scale:
                self.gradients.append((dy * x_hat).sum(axis=other_axes))
            if self.center:
                self.gradients.append(dy.sum(axis=other_axes))
        if not input_gradient:
            return None
        dx_hat = dy * self.gamma.value.reshape(self._broadcast) if self.scale else dy
        dx_hat, x_hat = self._grouped(dx_hat), self._grouped(x_hat)
        mean_dx_hat = dx_hat.mean(axis=self._reduction_axes, keepdims=True)
        mean_dx_hat_x_hat = (dx_hat * x_hat).mean(axis=self._reduction_axes, keepdims=True)
        return ((dx_hat - mean_dx_hat - x_hat * mean_dx_hat_x_hat) * inv_std).reshape(dy.shape)

    def get_config(self):
        return {
            **super().get_config(), "groups": self.groups, "axis": self.axis,
            "epsilon": self.epsilon, "center": self.center, "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        }
