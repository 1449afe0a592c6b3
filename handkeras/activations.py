"""Activation functions, each paired with its vector-Jacobian product.

Every activation is a callable ``f(x, **options)`` with Keras's name and arguments, and carries
``f.vjp(x, y, dy, **options)``: the gradient of the loss with respect to ``x``, given the input ``x``,
the output ``y = f(x)`` and the upstream gradient ``dy``. Derivatives are written in terms of
whichever of ``x`` and ``y`` makes them cheapest and stable (sigmoid: ``y (1 - y)``), and the
activations that act along an axis (softmax, log_softmax, sparsemax, glu) use their full Jacobian,
not an element-wise one.

Every activation is computed without overflow: for any finite input the output and its gradient are
finite and no floating-point warning is raised. The one exception is ``exponential``, which returns
``inf`` past ``log(max float)``, as ``exp`` does, silently.
"""

import math

import inspect

import numpy as np
from numpy.polynomial import chebyshev

from handkeras import backend
from handkeras.clamps import max_zero, min_zero
from handkeras.identifiers import cannot_interpret, config_class_name, lookup
from handkeras.reductions import max_last, narrow_rows, sum_last


class ActivationFunction:
    """A named activation ``f(x, **options)`` that also knows its vector-Jacobian product."""

    def __init__(self, forward, vjp=None):
        self.forward = forward
        self.__name__ = forward.__name__
        self.__doc__ = forward.__doc__
        self.__signature__ = inspect.signature(forward)
        self._vjp = vjp
        self._in_place = None

    def forward_in_place(self, x):
        """``f(x)`` (default options) for an ``x`` the caller owns and no longer needs: written over
        ``x`` when the activation allows it, which saves an allocation and a pass over memory.

        Only activations whose ``vjp`` gives the same result with ``x`` replaced by ``y`` overwrite
        their input, so a layer may keep the returned array as both its input and its output.
        """
        return self.forward(x) if self._in_place is None else self._in_place(x)

    def def_in_place(self, forward):
        """Decorator: register ``forward(x)`` as the in-place version of the default activation."""
        self._in_place = forward
        return forward

    def __call__(self, x, **options):
        """``f(x)`` in ``x``'s float dtype: an array keeps its own, Python floats (a list, a
        number) become float32 and integers floatx, as Keras converts them. A number gives a
        0-d array."""
        array = np.asarray(x)
        if array.dtype.kind != "f":
            array = array.astype(backend.floatx())
        elif not isinstance(x, np.ndarray) and array.dtype == np.float64:
            array = array.astype(np.float32)
        if array.ndim == 0:
            y = self.forward(array.reshape(1), **options).reshape(())
        else:
            y = self.forward(array, **options)
        return y if y.dtype == array.dtype else y.astype(array.dtype)

    def defvjp(self, vjp):
        """Decorator: register ``vjp(x, y, dy, **options)`` as this activation's gradient."""
        self._vjp = vjp
        return vjp

    def vjp(self, x, y, dy, **options):
        dx = self._vjp(x, y, dy, **options)
        return dx if dx.dtype == dy.dtype else dx.astype(dy.dtype)

    def __repr__(self):
        return f"<activation {self.__name__}>"


_ACTIVATIONS = {}


def _activation(forward):
    function = ActivationFunction(forward)
    _ACTIVATIONS[forward.__name__] = function
    return function


def _positive_or(x, negative_branch):
    """``x`` where ``x > 0``, else ``negative_branch(x)``, for a branch that is 0 at 0.

    Computed as ``max(x, 0) + negative_branch(min(x, 0))``, which is exactly that (one of the two
    terms is 0) and several times faster than ``np.where`` on inputs of mixed signs: no branch to
    mispredict per element.
    """
    y = negative_branch(min_zero(x))
    y += max_zero(x)
    return y


def _slope_positive_or(x, dy, negative_slope, positive_slope=1):
    """``dy`` times the slope ``positive_slope`` where ``x > 0``, else ``negative_slope`` (a number,
    or a function of ``min(x, 0)``), without ``np.where``: with ``above`` 1 or 0, the slope is
    ``(1 - above) negative_slope + above positive_slope``, exactly one of the two terms."""
    above = (x > 0).astype(dy.dtype)
    if callable(negative_slope):
        negative_slope = negative_slope(min_zero(x))
    slope = 1 - above
    slope *= negative_slope
    slope += above if positive_slope == 1 else above * positive_slope
    return dy * slope


def _inside(x, low, high):
    """The mask of ``low < x < high``: where a clipped function has slope 1."""
    return (x > low) & (x < high)


# ----------------------------------------------------------------------------------------- identity
@_activation
def linear(x):
    """Identity: ``f(x) = x``."""
    return x


@linear.defvjp
def _linear_vjp(x, y, dy):
    return dy


# -------------------------------------------------------------------------------------- ReLU family
@_activation
def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit, with Keras's options.

    ``x`` where ``x > threshold`` (clipped to ``[0, max_value]`` when ``max_value`` is given, as
    Keras clips), plus ``negative_slope * (x - threshold)`` below the threshold.
    """
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return max_zero(x)
    above = x > threshold
    y = np.where(above, x, np.zeros((), x.dtype))
    if max_value is not None:
        y = np.clip(y, np.zeros((), x.dtype), np.asarray(max_value, x.dtype))
    if negative_slope != 0.0:
        y = y + np.where(above, 0, np.asarray(negative_slope, x.dtype) * (x - threshold))
    return y.astype(x.dtype, copy=False)


@relu.def_in_place
def _relu_in_place(x):
    # x > 0 exactly where relu(x) > 0, so the vjp below reads the output as well as the input.
    return max_zero(x, out=x)


@relu.defvjp
def _relu_vjp(x, y, dy, negative_slope=0.0, max_value=None, threshold=0.0):
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return dy * (x > 0)
    above = x > threshold
    if max_value is not None:
        slope = np.where(above & (x > 0) & (x < max_value), 1.0, 0.0)
    else:
        slope = above.astype(dy.dtype)
    if negative_slope != 0.0:
        slope = slope + np.where(above, 0.0, negative_slope)
    return (dy * slope).astype(dy.dtype, copy=False)


@_activation
def leaky_relu(x, negative_slope=0.2):
    """``x`` for ``x > 0``, ``negative_slope * x`` otherwise (the activation's slope is 0.2; the
    ``LeakyReLU`` layer's default is 0.3)."""
    return _positive_or(x, lambda below: below * negative_slope)


@leaky_relu.defvjp
def _leaky_relu_vjp(x, y, dy, negative_slope=0.2):
    return _slope_positive_or(x, dy, negative_slope)


@_activation
def relu6(x):
    """ReLU capped at 6: ``min(max(x, 0), 6)``."""
    return np.clip(x, 0, 6)


@relu6.defvjp
def _relu6_vjp(x, y, dy):
    return dy * _inside(x, 0, 6)


# ------------------------------------------------------------------------- exponential linear units
@_activation
def elu(x, alpha=1.0):
    """Exponential linear unit: ``x`` for ``x > 0``, ``alpha (exp(x) - 1)`` otherwise."""
    return _positive_or(x, lambda below: alpha * np.expm1(below))


@elu.defvjp
def _elu_vjp(x, y, dy, alpha=1.0):
    return _slope_positive_or(x, dy, lambda below: alpha * np.exp(below))


# Klambauer et al. (2017): the fixed point of mean 0 and variance 1.
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


@_activation
def selu(x):
    """Scaled ELU: ``scale * x`` for ``x > 0``, ``scale * alpha * (exp(x) - 1)`` otherwise, with
    ``alpha = 1.67326324...`` and ``scale = 1.05070098...``."""
    return _SELU_SCALE * _positive_or(x, lambda below: _SELU_ALPHA * np.expm1(below))


@selu.defvjp
def _selu_vjp(x, y, dy):
    return _slope_positive_or(x, dy, lambda below: _SELU_SCALE * (_SELU_ALPHA * np.exp(below)),
                              positive_slope=_SELU_SCALE)


@_activation
def celu(x, alpha=1.0):
    """Continuously differentiable ELU: ``x`` for ``x > 0``, ``alpha (exp(x / alpha) - 1)``
    otherwise."""
    return _positive_or(x, lambda below: alpha * np.expm1(below / alpha))


@celu.defvjp
def _celu_vjp(x, y, dy, alpha=1.0):
    return _slope_positive_or(x, dy, lambda below: np.exp(below / alpha))


# ----------------------------------------------------------------------------------- sigmoid family
@_activation
def sigmoid(x):
    """Logistic function ``1 / (1 + exp(-x))``, computed without overflow for any input.

    With ``e = exp(-|x|)`` and ``y = 1 / (1 + e)``, the result is ``y`` for ``x >= 0`` and ``e y``
    for ``x < 0``. The choice is made by multiplying ``y`` by ``max(e, x >= 0)`` (1 or ``e``): on
    inputs of mixed signs a branch-free product is several times faster than ``np.where``.
    """
    e = np.abs(x)
    np.negative(e, out=e)
    np.exp(e, out=e)
    y = e + 1
    np.reciprocal(y, out=y)
    np.maximum(e, x >= 0, out=e)
    y *= e
    return y


@sigmoid.defvjp
def _sigmoid_vjp(x, y, dy):
    return dy * y * (1 - y)


@_activation
def hard_sigmoid(x):
    """Piecewise-linear sigmoid: ``clip(x / 6 + 1 / 2, 0, 1)``, that is ``relu6(x + 3) / 6``."""
    return np.clip(x + 3, 0, 6) / 6


@hard_sigmoid.defvjp
def _hard_sigmoid_vjp(x, y, dy):
    return dy * _inside(x, -3, 3) / 6


@_activation
def sparse_sigmoid(x):
    """``clip((x + 1) / 2, 0, 1)``: 0 below -1, 1 above 1, linear in between."""
    return np.clip(0.5 * (x + 1), 0, 1)


@sparse_sigmoid.defvjp
def _sparse_sigmoid_vjp(x, y, dy):
    return dy * _inside(x, -1, 1) * 0.5


@_activation
def log_sigmoid(x):
    """``log(sigmoid(x)) = -softplus(-x)``, exact for large ``|x|``."""
    return -(np.maximum(-x, 0) + np.log1p(np.exp(-np.abs(x))))


@log_sigmoid.defvjp
def _log_sigmoid_vjp(x, y, dy):
    return dy * sigmoid(-x)


# -------------------------------------------------------------------------------------- tanh family
@_activation
def tanh(x):
    """Hyperbolic tangent."""
    return np.tanh(x)


@tanh.defvjp
def _tanh_vjp(x, y, dy):
    return dy * (1 - y * y)


@_activation
def hard_tanh(x):
    """``clip(x, -1, 1)``."""
    return np.clip(x, -1, 1)


@hard_tanh.defvjp
def _hard_tanh_vjp(x, y, dy):
    return dy * _inside(x, -1, 1)


@_activation
def tanh_shrink(x):
    """``x - tanh(x)``."""
    return x - np.tanh(x)


@tanh_shrink.defvjp
def _tanh_shrink_vjp(x, y, dy):
    t = np.tanh(x)
    return dy * (t * t)


# ------------------------------------------------------------------------------------- smooth ReLUs
@_activation
def softplus(x):
    """``log(1 + exp(x))``, as ``max(x, 0) + log1p(exp(-|x|))`` so that it never overflows."""
    return max_zero(x) + np.log1p(np.exp(-np.abs(x)))


@softplus.defvjp
def _softplus_vjp(x, y, dy):
    return dy * sigmoid(x)


@_activation
def softsign(x):
    """``x / (1 + |x|)``."""
    return x / (1 + np.abs(x))


@softsign.defvjp
def _softsign_vjp(x, y, dy):
    r = 1 / (1 + np.abs(x))
    return dy * (r * r)


@_activation
def squareplus(x, b=4):
    """``(x + sqrt(x^2 + b)) / 2``; for ``x < 0`` as ``b / (2 (sqrt(x^2 + b) - x))``, which does not
    cancel."""
    root = np.hypot(x, math.sqrt(b))
    negative = np.divide(b, 2 * (root - x), out=np.zeros_like(x), where=x < 0)
    return np.where(x < 0, negative, x / 2 + root / 2)


@squareplus.defvjp
def _squareplus_vjp(x, y, dy, b=4):
    # d/dx = (1 + x / r) / 2 = (r + x) / (2 r), and for x < 0, r + x = b / (r - x).
    root = np.hypot(x, math.sqrt(b))
    negative = x < 0
    ratio = np.divide(x, root, out=np.ones_like(x), where=root > 0)
    half_b_over_root = np.divide(b / 2, root, out=np.zeros_like(x), where=negative)
    below = np.divide(half_b_over_root, root - x, out=np.zeros_like(x), where=negative)
    return dy * np.where(negative, below, (1 + ratio) / 2)


@_activation
def sparse_plus(x):
    """0 for ``x <= -1``, ``(x + 1)^2 / 4`` for ``-1 < x < 1``, ``x`` for ``x >= 1``."""
    return np.where(x <= -1, 0, np.where(x < 1, 0.25 * (x + 1) ** 2, x)).astype(x.dtype, copy=False)


@sparse_plus.defvjp
def _sparse_plus_vjp(x, y, dy):
    return dy * np.where(x <= -1, 0, np.where(x < 1, 0.5 * (x + 1), 1)).astype(dy.dtype, copy=False)


# -------------------------------------------------------------------------------------- gated units
@_activation
def silu(x):
    """Swish / SiLU: ``x * sigmoid(x)``."""
    return x * sigmoid(x)


@silu.defvjp
def _silu_vjp(x, y, dy):
    s = sigmoid(x)
    return dy * (s * (1 + x * (1 - s)))


@_activation
def hard_silu(x):
    """Hard swish: ``x * relu6(x + 3) / 6``: 0 below -3, ``x`` above 3."""
    return x * hard_sigmoid(x)


@hard_silu.defvjp
def _hard_silu_vjp(x, y, dy):
    return dy * np.where(x < -3, 0, np.where(x <= 3, x / 3 + 0.5, 1)).astype(dy.dtype, copy=False)


@_activation
def mish(x):
    """``x * tanh(softplus(x))``."""
    return x * np.tanh(softplus(x))


@mish.defvjp
def _mish_vjp(x, y, dy):
    t = np.tanh(softplus(x))
    return dy * (t + x * (1 - t * t) * sigmoid(x))


@_activation
def glu(x, axis=-1):
    """Gated linear unit: ``a * sigmoid(b)``, where ``a`` and ``b`` are the two halves of ``x``
    along ``axis`` (whose size must be even)."""
    a, b = _halves(x, axis)
    return a * sigmoid(b)


def _halves(x, axis):
    if x.shape[axis] % 2:
        raise ValueError(
            f"glu splits its input in two along axis {axis}, which needs an even size; received "
            f"an input of shape {x.shape}."
        )
    return np.split(x, 2, axis=axis)


@glu.defvjp
def _glu_vjp(x, y, dy, axis=-1):
    a, b = _halves(x, axis)
    s = sigmoid(b)
    return np.concatenate([dy * s, dy * a * s * (1 - s)], axis=axis)


# ------------------------------------------------------------------------------------- GELU and erf
def _polynomial_fit(function, low, high, degree):
    """``function`` on ``[low, high]`` as a polynomial, evaluated by Horner's rule.

    The polynomial interpolates ``function`` at the Chebyshev points of the interval (near-minimax
    for the smooth functions used here) and is written in the variable mapped to ``[-1, 1]``, where
    its coefficients stay of order 1, so Horner's rule loses nothing to cancellation.
    """
    center, half_width = (high + low) / 2, (high - low) / 2
    series = chebyshev.chebinterpolate(lambda w: function(center + half_width * w), degree)
    coefficients = [float(c) for c in chebyshev.cheb2poly(series)[::-1]]

    def evaluate(x):
        w = (x - center) / half_width
        result = np.full_like(w, coefficients[0])
        for c in coefficients[1:]:
            result *= w
            result += c
        return result

    return evaluate


_math_erfc = np.vectorize(math.erfc, otypes=[float])

# erfc(z) for z >= 0 is written t exp(-z^2 + G(t)) with t = 1 / (1 + z / 2): G is smooth on all of
# t in (0, 1], so ONE polynomial, fitted once at import to math.erfc, covers every z up to 26.5
# (below which erfc is a normal float64; past 27.3 the exponential is 0), and no element has to
# choose between pieces (np.where and boolean indexing are slow on mixed data). Degree 20 keeps the
# relative error below 2e-13 (the rounding of the exponent's z^2 bounds it); float32 inputs
# evaluate a degree-11 fit in float32, 3e-7 relative (a few float32 ulps).
_ERFC_REACH = 26.5


def _erfc_exponent_correction(t):
    """``G(t) = log(erfc(z) / t) + z^2`` for ``z = 2 / t - 2``."""
    z = 2 / t - 2
    return np.log(_math_erfc(z) / t) + z * z


_ERFC_CORRECTION = {
    np.dtype(dtype): _polynomial_fit(_erfc_exponent_correction, 1 / (1 + _ERFC_REACH / 2), 1.0,
                                     degree)
    for dtype, degree in ((np.float64, 20), (np.float32, 11))
}


def _erfc(x, precision=np.float64):
    """The complementary error function ``1 - erf(x)`` of a float64 ``x``, in float64, accurate to
    2e-13 relative with ``precision`` float64 (3e-7 with float32), including the far tail
    (``erfc(20) = 5.4e-176``) where ``1 - erf`` has lost every digit."""
    x = np.asarray(x, dtype=np.float64)
    z = np.abs(x)
    t = z * 0.5
    t += 1
    np.reciprocal(t, out=t)
    exponent = _ERFC_CORRECTION[np.dtype(precision)](t.astype(precision, copy=False))
    exponent = exponent.astype(np.float64, copy=False)
    z *= z  # exact enough in float64: the exponent's error is what bounds erfc's
    exponent -= z
    result = np.exp(exponent)
    result *= t
    # erfc(-z) = 2 - erfc(z), chosen by arithmetic: sign -1 and offset 2 where x < 0.
    negative = (x < 0).astype(np.float64)
    result *= 1 - 2 * negative
    result += 2 * negative
    return result


_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
_GELU_CUBIC = 0.044715


def _normal_cdf(x):
    """``Phi(x) = erfc(-x / sqrt(2)) / 2``, in float64, accurate in both tails (to float32's
    precision for inputs of float32 or less: a float32 result needs no more)."""
    x = np.asarray(x)
    precision = np.float32 if x.dtype in (np.float16, np.float32) else np.float64
    return 0.5 * _erfc(-x.astype(np.float64) * _SQRT_HALF, precision)


def _gelu_tanh_argument(x):
    # Past |x| = 100 the tanh is +-1 to the last bit; the clip keeps x^3 finite in float32.
    x = np.clip(x, -100, 100)
    return _SQRT_2_OVER_PI * (x + _GELU_CUBIC * x * x * x)


@_activation
def gelu(x, approximate=False):
    """Gaussian error linear unit ``x * Phi(x)``, ``Phi`` the standard normal CDF (exact, via erf, by
    default); with ``approximate=True``, ``x / 2 * (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))``."""
    if approximate:
        return 0.5 * x * (1 + np.tanh(_gelu_tanh_argument(x)))
    return (x * _normal_cdf(x)).astype(x.dtype, copy=False)


@gelu.defvjp
def _gelu_vjp(x, y, dy, approximate=False):
    if approximate:
        t = np.tanh(_gelu_tanh_argument(x))
        xc = np.clip(x, -100, 100)  # where |x| > 100, 1 - t^2 is exactly 0
        slope = 0.5 * (1 + t) + 0.5 * xc * (1 - t * t) * _SQRT_2_OVER_PI * (
            1 + 3 * _GELU_CUBIC * xc * xc)
        return dy * slope
    xc = np.clip(x, -40, 40).astype(np.float64)  # exp(-800) = 0: the density has vanished
    slope = _normal_cdf(x) + xc * _INV_SQRT_2PI * np.exp(-0.5 * xc * xc)
    return dy * slope.astype(dy.dtype, copy=False)


# ---------------------------------------------------------------------------------------- shrinkage
@_activation
def soft_shrink(x, threshold=0.5):
    """``x - threshold`` above ``threshold``, ``x + threshold`` below ``-threshold``, else 0."""
    return np.where(x > threshold, x - threshold,
                    np.where(x < -threshold, x + threshold, 0)).astype(x.dtype, copy=False)


@soft_shrink.defvjp
def _soft_shrink_vjp(x, y, dy, threshold=0.5):
    return dy * (np.abs(x) > threshold)


@_activation
def hard_shrink(x, threshold=0.5):
    """``x`` where ``|x| > threshold``, else 0."""
    return np.where(np.abs(x) > threshold, x, 0).astype(x.dtype, copy=False)


@hard_shrink.defvjp
def _hard_shrink_vjp(x, y, dy, threshold=0.5):
    return dy * (np.abs(x) > threshold)


@_activation
def threshold(x, threshold, default_value):
    """``x`` where ``x > threshold``, else ``default_value``."""
    return np.where(x > threshold, x, default_value).astype(x.dtype, copy=False)


@threshold.defvjp
def _threshold_vjp(x, y, dy, threshold, default_value):
    return dy * (x > threshold)


# -------------------------------------------------------------------------------------- exponential
@_activation
def exponential(x):
    """``exp(x)``; ``inf`` (without a warning) where it exceeds the largest float."""
    with np.errstate(over="ignore"):
        return np.exp(x)


@exponential.defvjp
def _exponential_vjp(x, y, dy):
    with np.errstate(over="ignore", invalid="ignore"):
        return dy * y


# ------------------------------------------------------------------------------------ along an axis
@_activation
def softmax(x, axis=-1):
    """``exp(x) / sum(exp(x))`` along ``axis`` (an int, a tuple, or None for all), shifted by the
    maximum so it never overflows."""
    if axis in (-1, x.ndim - 1):
        if narrow_rows(x):
            return _softmax_of_narrow_rows(x)
        e = np.exp(x - max_last(x, keepdims=True))
        e /= sum_last(e, keepdims=True)
        return e
    e = np.exp(x - np.maximum.reduce(x, axis=axis, keepdims=True))
    e /= np.add.reduce(e, axis=axis, keepdims=True)
    return e


def _softmax_of_narrow_rows(x):
    """Softmax along the last axis of rows of a few classes, all of it on one transposed copy: its
    maxima, exponentials and sums are vectorized passes along the rows (as ``max_last`` and
    ``sum_last`` take them), with one transposition there and one back."""
    columns = np.ascontiguousarray(x.reshape(-1, x.shape[-1]).T)
    columns -= np.maximum.reduce(columns, axis=0)
    np.exp(columns, out=columns)
    columns /= np.add.reduce(columns, axis=0)
    return np.ascontiguousarray(columns.T).reshape(x.shape)


@softmax.defvjp
def _softmax_vjp(x, y, dy, axis=-1):
    # J^T dy with J = diag(y) - y y^T, per row along `axis`.
    return y * (dy - (dy * y).sum(axis=axis, keepdims=True))


@_activation
def log_softmax(x, axis=-1):
    """``x - logsumexp(x)`` along ``axis``, shifted by the maximum so it never overflows."""
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


@log_softmax.defvjp
def _log_softmax_vjp(x, y, dy, axis=-1):
    return dy - np.exp(y) * dy.sum(axis=axis, keepdims=True)


@_activation
def sparsemax(x, axis=-1):
    """Euclidean projection of ``x`` onto the probability simplex along ``axis``:
    ``max(x - tau, 0)``, ``tau`` chosen so the result sums to 1 (Martins & Astudillo, 2016)."""
    z = np.moveaxis(x, axis, -1)
    ranks = np.arange(1, z.shape[-1] + 1, dtype=z.dtype)
    descending = -np.sort(-z, axis=-1)
    cumulative = np.cumsum(descending, axis=-1)
    support = (1 + ranks * descending > cumulative).sum(axis=-1, keepdims=True)
    tau = (np.take_along_axis(cumulative, support - 1, axis=-1) - 1) / support
    return np.moveaxis(np.maximum(z - tau.astype(z.dtype), 0), -1, axis)


@sparsemax.defvjp
def _sparsemax_vjp(x, y, dy, axis=-1):
    # On the support S (y > 0) the Jacobian is I - 1 1^T / |S|; off it, 0.
    support = y > 0
    mean = (dy * support).sum(axis=axis, keepdims=True) / support.sum(axis=axis, keepdims=True)
    return (dy - mean) * support


# ----------------------------------------------------------------------------------------- lookup
swish = _ACTIVATIONS["swish"] = silu
hard_swish = _ACTIVATIONS["hard_swish"] = hard_silu


def get(identifier):
    """An activation from a name, an activation function, Keras's config dict, or None (linear)."""
    if identifier is None:
        return linear
    if isinstance(identifier, ActivationFunction):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if callable(identifier) and not isinstance(identifier, str):
        raise TypeError(
            f"Activation {identifier!r} has no gradient: handkeras differentiates by hand, so an "
            f"activation must be one of {sorted(_ACTIVATIONS)} or a "
            f"handkeras.activations.ActivationFunction(forward, vjp)."
        )
    return lookup("activation", identifier, _ACTIVATIONS)


def serialize(activation):
    """The Keras config value of an activation: its name (``swish`` is saved as ``silu``)."""
    return get(activation).__name__


def deserialize(config, custom_objects=None):
    """The activation named by a config value (a name, or Keras's ``{"class_name": ...}`` form);
    ``custom_objects`` maps names to activations of your own."""
    if isinstance(config, dict):
        config = _name_in_config(config)
    if isinstance(config, str) and custom_objects and config in custom_objects:
        return get(custom_objects[config])
    return get(config)


def _name_in_config(config):
    """The activation a Keras config dict names: ``{"class_name": "function", "config": name}``,
    or ``{"class_name": name}``; a ValueError for any other dict (never a silent linear)."""
    class_name = config_class_name("activation", config)
    name = config.get("config") or class_name
    if not isinstance(name, str):
        raise cannot_interpret("activation", config, "Expected a config that names an activation "
                                                     "function: {'class_name': 'function', "
                                                     "'config': name}.")
    return name
