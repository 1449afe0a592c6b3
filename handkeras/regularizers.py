"""Weight regularizers: a penalty added to the loss, and its gradient added to the weight's.

A regularizer passed as ``kernel_regularizer`` / ``bias_regularizer`` (or any layer's weight
regularizer) adds ``penalty(w)`` to the loss the model reports and ``d penalty / d w`` to that
weight's gradient. As ``activity_regularizer``, Keras 3 adds ``penalty(output) / batch_size``.
"""

import math

import numpy as np

from handkeras import backend
from handkeras.identifiers import deserialize_object, lookup, serialize_object


def _non_negative(value, name, default):
    """``value`` as a float (``default`` for None), or a ValueError unless finite and >= 0."""
    if value is None:
        value = default
    if (isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating))
            or not math.isfinite(value) or value < 0):
        raise ValueError(
            f"Invalid value for argument `{name}`: expected a non-negative float, received "
            f"{name}={value!r}."
        )
    return float(value)


def _in_floatx(value):
    """``value`` rounded to floatx: Keras keeps the factor of ``L1`` and ``OrthogonalRegularizer``
    (not of ``L2`` and ``L1L2``) as a floatx tensor, which its penalty and its config then hold
    (``L1().get_config()`` is ``{"l1": 0.009999999776482582}`` under float32)."""
    return float(np.asarray(value, dtype=backend.floatx()))


class Regularizer:
    """Base class: ``__call__(x)`` is the penalty (a float), ``gradient(x)`` its derivative."""

    def __call__(self, x):
        return 0.0

    def gradient(self, x):
        return np.zeros_like(np.asarray(x))

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class L1L2(Regularizer):
    """``l1 * sum(|x|) + l2 * sum(x^2)``; both factors default to 0, as in Keras 3.

    Gradient: ``l1 * sign(x) + 2 * l2 * x`` (0 is the subgradient taken at ``x = 0``).
    """

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _non_negative(l1, "l1", 0.0)
        self.l2 = _non_negative(l2, "l2", 0.0)

    def __call__(self, x):
        x = np.asarray(x)
        penalty = 0.0
        if self.l1:
            penalty += self.l1 * float(np.abs(x).sum())
        if self.l2:
            penalty += self.l2 * float(np.square(x).sum())
        return penalty

    def gradient(self, x):
        x = np.asarray(x)
        grad = np.zeros_like(x)
        if self.l1:
            grad += self.l1 * np.sign(x)
        if self.l2:
            grad += (2 * self.l2) * x
        return grad

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    """``l1 * sum(|x|)``, ``l1 = 0.01`` by default (rounded to floatx, as in Keras); gradient
    ``l1 * sign(x)``."""

    def __init__(self, l1=0.01):
        super().__init__(l1=_in_floatx(_non_negative(l1, "l1", 0.01)))

    def get_config(self):
        return {"l1": self.l1}


class L2(L1L2):
    """``l2 * sum(x^2)``, ``l2 = 0.01`` by default; gradient ``2 * l2 * x``."""

    def __init__(self, l2=0.01):
        super().__init__(l2=_non_negative(l2, "l2", 0.01))

    def get_config(self):
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """Pushes the rows (``mode="rows"``) or columns (``"columns"``) of a 2D weight towards
    orthogonality.

    With ``n_i`` the unit-normalized rows and ``P = N N^T``, the penalty is
    ``factor / 2 * sum_{i != j} |P_ij| / (k (k - 1) / 2)`` for ``k`` rows: the mean absolute cosine
    between pairs of rows, times ``factor``. Gradient: ``G = factor / (k (k - 1) / 2) * S N`` with
    ``S = sign(P)`` off the diagonal, taken back through the normalization:
    ``dw_i = (g_i - (g_i . n_i) n_i) / |w_i|``. ``factor`` is rounded to floatx, as in Keras.
    """

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = _in_floatx(_non_negative(factor, "factor", 0.01))
        if mode not in ("rows", "columns"):
            raise ValueError(
                f"Invalid value for argument `mode`: expected 'rows' or 'columns', received "
                f"mode={mode!r}."
            )
        self.mode = mode

    def _rows(self, x):
        x = np.asarray(x)
        if x.ndim != 2:
            raise ValueError(
                f"OrthogonalRegularizer needs a 2D weight, received shape {x.shape}."
            )
        return x if self.mode == "rows" else x.T

    @staticmethod
    def _normalized(rows):
        """Rows divided by their norms, as Keras's normalize does: a norm below epsilon counts as
        epsilon."""
        norms = np.maximum(np.sqrt(np.square(rows).sum(axis=1, keepdims=True)), backend.epsilon())
        return rows / norms, norms

    def _off_diagonal_products(self, x):
        rows = self._rows(x)
        normalized, norms = self._normalized(rows)
        products = normalized @ normalized.T
        np.fill_diagonal(products, 0)
        pairs = len(rows) * (len(rows) - 1) / 2
        return rows, normalized, norms, products, pairs

    def __call__(self, x):
        _, _, _, products, pairs = self._off_diagonal_products(x)
        return self.factor * 0.5 * float(np.abs(products).sum()) / pairs

    def gradient(self, x):
        rows, normalized, norms, products, pairs = self._off_diagonal_products(x)
        g = (self.factor / pairs) * (np.sign(products) @ normalized)
        radial = np.where(norms > backend.epsilon(), (g * normalized).sum(axis=1, keepdims=True), 0)
        grad = (g - radial * normalized) / norms
        return (grad if self.mode == "rows" else grad.T).astype(rows.dtype, copy=False)

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


# Keras's lower-case names are the classes themselves: l1_l2() is L1L2() (both factors 0).
l1, l2, l1_l2, orthogonal_regularizer = L1, L2, L1L2, OrthogonalRegularizer

_CLASSES = {cls.__name__: cls for cls in (L1, L2, L1L2, OrthogonalRegularizer)}
_NAMES = {"l1": L1, "l2": L2, "l1l2": L1L2, "orthogonal_regularizer": OrthogonalRegularizer,
          **_CLASSES}


def get(identifier):
    """A regularizer from a Keras name (``"l2"``, ``"L1L2"``, ``"l1l2"``, ...), a config dict, a
    Regularizer class or instance, or None."""
    if identifier is None or isinstance(identifier, Regularizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Regularizer):
        return identifier()
    if callable(identifier):
        raise TypeError(
            f"Regularizer {identifier!r} has no gradient: handkeras differentiates by hand, so a "
            "custom regularizer must subclass handkeras.regularizers.Regularizer and define "
            "`__call__` and `gradient`."
        )
    return lookup("regularizer", identifier, _NAMES)()


def serialize(regularizer):
    """Keras's config form: ``{"module", "class_name", "config", "registered_name"}``."""
    return serialize_object(regularizer)


def deserialize(config, custom_objects=None):
    """The regularizer described by :func:`serialize`'s output; ``custom_objects`` maps class
    names to classes of your own."""
    return deserialize_object("regularizer", config, _CLASSES, custom_objects)
