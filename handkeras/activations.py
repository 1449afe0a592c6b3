"""Activation functions, each paired with its vector-Jacobian product.

Every activation is a callable ``f(x, **options)`` with Keras's name and arguments, and carries
``f.vjp(x, y, dy, **options)``: the gradient of the loss with respect to ``x``, given the input ``x``,
the output ``y = f(x)`` and the upstream gradient ``dy``. Derivatives are written in terms of
whichever of ``x`` and ``y`` makes them cheapest and stable (sigmoid: ``y (1 - y)``), and softmax
uses its full Jacobian, not an element-wise one.
"""

import numpy as np

from handkeras.identifiers import lookup


class ActivationFunction:
    """A named activation ``f(x, **options)`` that also knows its vector-Jacobian product."""

    def __init__(self, forward, vjp=None):
        self.forward = forward
        self.__name__ = forward.__name__
        self.__doc__ = forward.__doc__
        self._vjp = vjp

    def __call__(self, x, **options):
        return self.forward(np.asarray(x), **options)

    def defvjp(self, vjp):
        """Decorator: register ``vjp(x, y, dy, **options)`` as this activation's gradient."""
        self._vjp = vjp
        return vjp

    def vjp(self, x, y, dy, **options):
        return self._vjp(x, y, dy, **options)

    def __repr__(self):
        return f"<activation {self.__name__}>"


_ACTIVATIONS = {}


def _activation(forward):
    function = ActivationFunction(forward)
    _ACTIVATIONS[forward.__name__] = function
    return function


@_activation
def linear(x):
    """Identity: ``f(x) = x``."""
    return x


@linear.defvjp
def _linear_vjp(x, y, dy):
    return dy


@_activation
def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit, with Keras's options.

    ``x`` where ``x > threshold`` (clipped to ``[0, max_value]`` when ``max_value`` is given, as
    Keras clips), plus ``negative_slope * (x - threshold)`` below the threshold.
    """
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return np.maximum(x, 0, dtype=x.dtype)
    above = x > threshold
    y = np.where(above, x, np.zeros((), x.dtype))
    if max_value is not None:
        y = np.clip(y, np.zeros((), x.dtype), np.asarray(max_value, x.dtype))
    if negative_slope != 0.0:
        y = y + np.where(above, 0, np.asarray(negative_slope, x.dtype) * (x - threshold))
    return y.astype(x.dtype, copy=False)


@relu.defvjp
def _relu_vjp(x, y, dy, negative_slope=0.0, max_value=None, threshold=0.0):
    above = x > threshold
    if max_value is not None:
        slope = np.where(above & (x > 0) & (x < max_value), 1.0, 0.0)
    else:
        slope = above.astype(dy.dtype)
    if negative_slope != 0.0:
        slope = slope + np.where(above, 0.0, negative_slope)
    return (dy * slope).astype(dy.dtype, copy=False)


@_activation
def sigmoid(x):
    """Logistic function ``1 / (1 + exp(-x))``, computed without overflow for any input."""
    e = np.exp(-np.abs(x))
    y = 1.0 / (1.0 + e)
    return np.where(x >= 0, y, e * y).astype(x.dtype, copy=False)


@sigmoid.defvjp
def _sigmoid_vjp(x, y, dy):
    return dy * y * (1 - y)


@_activation
def tanh(x):
    """Hyperbolic tangent."""
    return np.tanh(x)


@tanh.defvjp
def _tanh_vjp(x, y, dy):
    return dy * (1 - y * y)


@_activation
def softmax(x, axis=-1):
    """``exp(x) / sum(exp(x))`` along ``axis``, shifted by the maximum so it never overflows."""
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@softmax.defvjp
def _softmax_vjp(x, y, dy, axis=-1):
    # J^T dy with J = diag(y) - y y^T, per row along `axis`.
    return y * (dy - (dy * y).sum(axis=axis, keepdims=True))


def get(identifier):
    """An activation from a name, an activation function, or None (linear)."""
    if identifier is None:
        return linear
    if isinstance(identifier, ActivationFunction):
        return identifier
    if callable(identifier) and not isinstance(identifier, str):
        raise TypeError(
            f"Activation {identifier!r} has no gradient: handkeras differentiates by hand, so an "
            f"activation must be one of {sorted(_ACTIVATIONS)} or a "
            f"handkeras.activations.ActivationFunction(forward, vjp)."
        )
    return lookup("activation", identifier, _ACTIVATIONS)


def serialize(activation):
    """The Keras config value of an activation: its name."""
    return get(activation).__name__


def deserialize(config):
    """The activation named by a config value (a name, or Keras's ``{"class_name": ...}`` form)."""
    if isinstance(config, dict):
        config = config.get("config", config.get("class_name"))
    return get(config)
