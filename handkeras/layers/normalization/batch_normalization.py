"""BatchNormalization: normalize with batch statistics in training, moving statistics in inference."""

import numpy as np

from handkeras import backend
from handkeras import constraints
from handkeras import initializers
from handkeras import regularizers
from handkeras.layers.layer import Layer


class BatchNormalization(Layer):
    """Keras's batch normalization along ``axis`` (the features axis, default last).

    In training (and when trainable), ``y = gamma * (x - mean_B) / sqrt(var_B + eps) + beta`` with
    the batch's mean and biased variance over every other axis, and the moving statistics move by
    ``moving = momentum * moving + (1 - momentum) * batch``. Otherwise the moving statistics are used.
    With ``x_hat`` the normalized input over ``m`` reduced elements, the backward is::

        dbeta = sum(dy),  dgamma = sum(dy * x_hat),  dx_hat = dy * gamma
        dx = (dx_hat - mean(dx_hat) - x_hat * mean(dx_hat * x_hat)) / sqrt(var_B + eps)

    (and ``dx = dx_hat / sqrt(moving_var + eps)`` with moving statistics). Weights, in Keras's order:
    gamma, beta (trainable), moving_mean, moving_variance.
    """

    supports_masking = True

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, renorm=False, renorm_clipping=None, renorm_momentum=0.99,
                 synchronized=False, **kwargs):
        super().__init__(**kwargs)
        if renorm or synchronized:
            raise NotImplementedError(
                f"BatchNormalization '{self.name}': renorm and synchronized are not supported.")
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise TypeError(f"BatchNormalization '{self.name}': `axis` must be an int, received {axis!r}.")
        if not 0 <= momentum <= 1:
            raise ValueError(f"BatchNormalization '{self.name}': `momentum` must be in [0, 1], "
                             f"received {momentum!r}.")
        if epsilon <= 0:
            raise ValueError(f"BatchNormalization '{self.name}': `epsilon` must be positive, "
                             f"received {epsilon!r}.")
        self.axis = int(axis)
        self.momentum, self.epsilon = float(momentum), float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = self._checked_constraint("beta_constraint", beta_constraint)
        self.gamma_constraint = self._checked_constraint("gamma_constraint", gamma_constraint)

    def build(self, input_shape):
        ndim = len(input_shape)
        if not -ndim <= self.axis < ndim or input_shape[self.axis] is None:
            raise ValueError(f"BatchNormalization '{self.name}': `axis={self.axis}` is not a known "
                             f"dimension of inputs with shape {tuple(input_shape)}.")
        axis = self.axis % ndim
        features = (input_shape[axis],)
        self._reduction_axes = tuple(a for a in range(ndim) if a != axis)
        self._broadcast = tuple(input_shape[a] if a == axis else 1 for a in range(ndim))
        self.gamma = self.add_weight(features, self.gamma_initializer, name="gamma",
                                     regularizer=self.gamma_regularizer,
                                     constraint=self.gamma_constraint) if self.scale else None
        self.beta = self.add_weight(features, self.beta_initializer, name="beta",
                                    regularizer=self.beta_regularizer,
                                    constraint=self.beta_constraint) if self.center else None
        self.moving_mean = self.add_weight(features, self.moving_mean_initializer,
                                           name="moving_mean", trainable=False)
        self.moving_variance = self.add_weight(features, self.moving_variance_initializer,
                                               name="moving_variance", trainable=False)

    def _affine(self, x_hat):
        y = x_hat
        if self.scale:
            y = y * self.gamma.value.reshape(self._broadcast)
        if self.center:
            y = y + self.beta.value.reshape(self._broadcast)
        return y

    def forward(self, x, training=False, mask=None):
        use_batch = training and self.trainable
        weights = None
        if use_batch:
            if mask is None:
                mean = x.mean(axis=self._reduction_axes)
                variance = x.var(axis=self._reduction_axes)
            else:
                mean, variance, weights = self._masked_moments(x, mask)
            self.moving_mean.value[...] = (self.moving_mean.value * self.momentum
                                           + mean * (1.0 - self.momentum))
            self.moving_variance.value[...] = (self.moving_variance.value * self.momentum
                                               + variance * (1.0 - self.momentum))
        else:
            mean, variance = self.moving_mean.value, self.moving_variance.value
        inv_std = (1.0 / np.sqrt(variance + self.epsilon)).astype(x.dtype).reshape(self._broadcast)
        x_hat = (x - mean.reshape(self._broadcast).astype(x.dtype)) * inv_std
        if training:
            self._cache = (x_hat, inv_std, use_batch, weights)
        return self._affine(x_hat)

    def _masked_moments(self, x, mask):
        """Mean and variance over unmasked positions only, as Keras computes them (its count carries
        an epsilon); also the per-position weights and counts that backward needs."""
        weights = np.broadcast_to(mask[..., None], x.shape).astype(x.dtype)
        count = weights.sum(axis=self._reduction_axes) + backend.epsilon()
        mean = (x * weights).sum(axis=self._reduction_axes) / count
        variance = (np.square(x - mean.reshape(self._broadcast)) * weights).sum(
            axis=self._reduction_axes) / count
        return mean, variance, (weights, count.reshape(self._broadcast))

    def backward(self, dy, input_gradient=True):
        x_hat, inv_std, use_batch, masking = self._cache
        if self.trainable:
            self.gradients = []
            if self.scale:
                self.gradients.append((dy * x_hat).sum(axis=self._reduction_axes))
            if self.center:
                self.gradients.append(dy.sum(axis=self._reduction_axes))
        if not input_gradient:
            return None
        dx_hat = dy * self.gamma.value.reshape(self._broadcast) if self.scale else dy
        if not use_batch:
            return dx_hat * inv_std
        axes = self._reduction_axes
        if masking is None:
            mean_dx_hat = dx_hat.mean(axis=axes, keepdims=True)
            mean_dx_hat_x_hat = (dx_hat * x_hat).mean(axis=axes, keepdims=True)
            return (dx_hat - mean_dx_hat - x_hat * mean_dx_hat_x_hat) * inv_std
        # Masked statistics: every position's x_hat depends on the unmasked positions' mean and
        # variance; the count's epsilon leaves sum(w * (x - mean)) = mean * eps / count, kept exact.
        weights, count = masking
        centered = x_hat / inv_std
        residual = (weights * centered).sum(axis=axes, keepdims=True) / count
        d_variance = -0.5 * inv_std ** 2 * (dx_hat * x_hat).sum(axis=axes, keepdims=True)
        d_mean = -inv_std * dx_hat.sum(axis=axes, keepdims=True) - 2 * d_variance * residual
        return (dx_hat * inv_std + weights / count * d_mean
                + d_variance * 2 * weights * centered / count)

    def get_config(self):
        return {
            **super().get_config(),
            "axis": self.axis, "momentum": self.momentum, "epsilon": self.epsilon,
            "center": self.center, "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer),
            "beta_regularizer": self.beta_regularizer and regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": self.gamma_regularizer and regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
            "synchronized": False,
            "renorm": False, "renorm_clipping": None, "renorm_momentum": 0.99,
        }
