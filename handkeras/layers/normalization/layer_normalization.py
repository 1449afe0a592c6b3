"""LayerNormalization: normalize each sample over its feature axes."""

import numpy as np

from handkeras import constraints
from handkeras import initializers
from handkeras import regularizers
from handkeras.layers.layer import Layer


class LayerNormalization(Layer):
    """``y = gamma * (x - mean) / sqrt(var + eps) + beta``, statistics over ``axis`` of each sample.

    With ``x_hat`` normalized over ``m`` elements per sample: ``dx = (dx_hat - mean(dx_hat) -
    x_hat * mean(dx_hat * x_hat)) / sqrt(var + eps)``, means over the normalized axes. Weights:
    gamma, beta, each of the shape of the normalized axes.
    """

    supports_masking = True

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, **kwargs):
        if kwargs.pop("rms_scaling", False):
            raise NotImplementedError("LayerNormalization: `rms_scaling` (deprecated in Keras) is "
                                      "not supported.")
        super().__init__(**kwargs)
        axis = self._checked_axis(axis)
        self.axis = [int(a) for a in axis] if isinstance(axis, (list, tuple)) else int(axis)
        if epsilon <= 0:
            raise ValueError(f"LayerNormalization '{self.name}': `epsilon` must be positive, "
                             f"received {epsilon!r}.")
        self.epsilon = float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = self._checked_constraint("beta_constraint", beta_constraint)
        self.gamma_constraint = self._checked_constraint("gamma_constraint", gamma_constraint)

    def build(self, input_shape):
        ndim = len(input_shape)
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        if any(not -ndim <= a < ndim for a in axes) or any(a % ndim == 0 for a in axes):
            raise ValueError(f"LayerNormalization '{self.name}': `axis={self.axis}` is invalid for "
                             f"inputs with shape {tuple(input_shape)}.")
        self._axes = tuple(sorted(a % ndim for a in axes))
        self.axis = sorted(axes)  # Keras's config holds the sorted list once built
        shape = tuple(input_shape[a] for a in self._axes)
        self._broadcast = tuple(input_shape[a] if a in self._axes else 1 for a in range(ndim))
        self.gamma = self.add_weight(shape, self.gamma_initializer, name="gamma",
                                     regularizer=self.gamma_regularizer,
                                     constraint=self.gamma_constraint) if self.scale else None
        self.beta = self.add_weight(shape, self.beta_initializer, name="beta",
                                    regularizer=self.beta_regularizer,
                                    constraint=self.beta_constraint) if self.center else None

    def forward(self, x, training=False):
        mean = x.mean(axis=self._axes, keepdims=True)
        inv_std = 1.0 / np.sqrt(x.var(axis=self._axes, keepdims=True) + self.epsilon)
        x_hat = (x - mean) * inv_std.astype(x.dtype)
        if training:
            self._cache = (x_hat, inv_std.astype(x.dtype))
        y = x_hat
        if self.scale:
            y = y * self.gamma.value.reshape(self._broadcast[1:])
        if self.center:
            y = y + self.beta.value.reshape(self._broadcast[1:])
        return y

    def backward(self, dy, input_gradient=True):
        x_hat, inv_std = self._cache
        batch_axes = tuple(a for a in range(dy.ndim) if a not in self._axes)
        if self.trainable:
            self.gradients = []
            if self.scale:
                self.gradients.append((dy * x_hat).sum(axis=batch_axes).reshape(self.gamma.shape))
            if self.center:
                self.gradients.append(dy.sum(axis=batch_axes).reshape(self.beta.shape))
        if not input_gradient:
            return None
        dx_hat = dy * self.gamma.value.reshape(self._broadcast[1:]) if self.scale else dy
        mean_dx_hat = dx_hat.mean(axis=self._axes, keepdims=True)
        mean_dx_hat_x_hat = (dx_hat * x_hat).mean(axis=self._axes, keepdims=True)
        return (dx_hat - mean_dx_hat - x_hat * mean_dx_hat_x_hat) * inv_std

    def get_config(self):
        return {
            **super().get_config(), "axis": self.axis, "epsilon": self.epsilon,
            "center": self.center, "scale": self.scale, "rms_scaling": False,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": self.beta_regularizer and regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": self.gamma_regularizer and regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        }
