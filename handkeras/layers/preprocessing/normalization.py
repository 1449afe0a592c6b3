"""Normalization: shift and scale features by a mean and variance, given or learned with adapt."""

import math

import numpy as np

from handkeras import backend
from handkeras.layers.layer import Layer
from handkeras.variables import Variable


class Normalization(Layer):
    """``y = (x - mean) / max(sqrt(variance), eps)`` per position of the ``axis`` axes (Keras's rule;
    ``invert=True`` maps back: ``y = mean + x * max(sqrt(variance), eps)``).

    The statistics come from ``mean=``/``variance=`` or from ``adapt(data)``, which computes them over
    every other axis. When learned, they are the layer's non-trainable weights ``mean``, ``variance``
    and ``count`` (attributes ``adapt_mean``, ``adapt_variance``, ``count``), as in Keras. Once built,
    the attributes ``mean`` and ``variance`` hold the statistics the layer applies, shaped to
    broadcast against its inputs, as Keras's do. The gradient is ``dy / max(sqrt(variance), eps)``.
    """

    supports_masking = True

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        axis = () if axis is None else self._checked_axis(axis)
        self.axis = tuple(int(a) for a in axis) if isinstance(axis, (list, tuple)) else (int(axis),)
        if (mean is None) != (variance is None):
            raise ValueError(f"Normalization '{self.name}': set both `mean` and `variance` or "
                             f"neither, received mean={mean!r} and variance={variance!r}.")
        if mean is not None and np.shape(mean) != np.shape(variance):
            raise ValueError(f"Normalization '{self.name}': `mean` and `variance` must have the same "
                             f"shape, received {np.shape(mean)} and {np.shape(variance)}.")
        self.input_mean, self.input_variance = mean, variance
        self.invert = bool(invert)
        self.mean = self.variance = None  # set by build

    def build(self, input_shape):
        ndim = len(input_shape)
        if any(not -ndim <= a < ndim for a in self.axis):
            raise ValueError(f"Normalization '{self.name}': `axis={self.axis}` is out of range for "
                             f"inputs with shape {tuple(input_shape)}.")
        self._keep = tuple(sorted(a % ndim for a in self.axis))
        if any(input_shape[a] is None for a in self._keep):
            raise ValueError(f"Normalization '{self.name}': the kept axes {self._keep} of inputs with "
                             f"shape {tuple(input_shape)} must have known sizes.")
        self._reduce = tuple(a for a in range(ndim) if a not in self._keep)
        self._broadcast = tuple(input_shape[a] if a in self._keep else 1 for a in range(ndim))
        stats_shape = tuple(input_shape[a] for a in self._keep)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(stats_shape, "zeros", name="mean", trainable=False)
            self.adapt_variance = self.add_weight(stats_shape, "ones", name="variance",
                                                  trainable=False)
            self.count = self.add_weight((), "zeros", name="count", trainable=False, dtype="int32")
            mean = self.adapt_mean.value.reshape(self._broadcast)  # views: they follow adapt
            variance = self.adapt_variance.value.reshape(self._broadcast)
        else:
            mean = np.broadcast_to(self._expand(np.asarray(self.input_mean)), self._broadcast)
            variance = np.broadcast_to(self._expand(np.asarray(self.input_variance)), self._broadcast)
            mean, variance = mean.astype(self.dtype), variance.astype(self.dtype)
        self.mean = Variable.holding(mean, "mean", f"{self.name}/mean", trainable=False)
        self.variance = Variable.holding(variance, "variance", f"{self.name}/variance",
                                         trainable=False)

    def check_input_shape(self, shape, argument="x", expected=None):
        """A built layer takes any input its statistics broadcast onto, as Keras's does: one adapted
        on a column of numbers (``axis=None``, data of shape ``(n,)``) normalizes ``(n, 1)``
        inputs, so it can lead a Sequential fed that column."""
        if expected is not None or not self.built:
            return super().check_input_shape(shape, argument, expected)
        stats = self._broadcast
        if len(shape) < len(stats) or any(size != 1 and dim is not None and dim != size
                                           for dim, size in zip(shape[::-1], stats[::-1])):
            raise ValueError(
                f"Normalization '{self.name}' was built for input of shape "
                f"{self._build_input_shape}: its statistics of shape {stats} do not broadcast onto "
                f"{argument} with shape {tuple(shape)}.")

    def _check_built_for(self, input_shape):
        self.check_input_shape(input_shape, "input")

    def adapt(self, data):
        """Learn the mean and variance of ``data`` (an array, or an iterable of batches)."""
        if isinstance(data, np.ndarray) or not hasattr(data, "__iter__"):
            batches = [np.asarray(data, dtype=np.float64)]
        else:
            batches = [np.asarray(batch, dtype=np.float64) for batch in data]
            if not batches:
                raise ValueError(f"Normalization '{self.name}'.adapt received no batches.")
        shape = batches[0].shape
        # Keras builds from the data's own shape: statistics per batch index when axis keeps axis 0.
        keeps_batch_axis = any(a % max(len(shape), 1) == 0 for a in self.axis)
        if not self.built:  # a built layer takes data that fits its kept axes (checked below)
            self.build_once(shape if keeps_batch_axis else (None,) + shape[1:])
        if self.input_mean is not None:
            raise ValueError(f"Normalization '{self.name}' was given `mean` and `variance`; it "
                             "cannot also adapt.")
        mean = variance = 0.0
        total = 0
        for batch in batches:
            if any(batch.shape[a] != self._broadcast[a] for a in self._keep):
                raise ValueError(f"Normalization '{self.name}'.adapt: data of shape {batch.shape} "
                                 f"does not fit the layer's input shape {self._build_input_shape}.")
            count = math.prod(batch.shape[a] for a in self._reduce) if self._reduce else 1
            batch_mean = batch.mean(axis=self._reduce)
            batch_variance = batch.var(axis=self._reduce)
            total += count
            weight = count / total
            new_mean = mean * (1 - weight) + batch_mean * weight
            variance = ((variance + (mean - new_mean) ** 2) * (1 - weight)
                        + (batch_variance + (batch_mean - new_mean) ** 2) * weight)
            mean = new_mean
        self.adapt_mean.value[...] = mean
        self.adapt_variance.value[...] = variance

    def _statistics(self, dtype):
        """The mean and the divisor ``max(sqrt(variance), eps)``, shaped to broadcast against inputs."""
        scale = np.maximum(np.sqrt(self.variance.value), backend.epsilon())
        return self.mean.value.astype(dtype), scale.astype(dtype)

    def _expand(self, statistic):
        """A statistic over the kept axes (or their trailing part, or a scalar) as a broadcastable
        array, aligned on the last kept axes as Keras aligns them."""
        shape = [1] * len(self._broadcast)
        kept = self._keep[len(self._keep) - statistic.ndim:] if statistic.ndim else ()
        for axis, size in zip(kept, statistic.shape):
            shape[axis] = size
        return statistic.reshape(shape)

    def forward(self, x, training=False):
        mean, scale = self._statistics(x.dtype)
        if training:
            self._scale = scale
        return mean + x * scale if self.invert else (x - mean) / scale

    def backward(self, dy, input_gradient=True):
        return dy * self._scale if self.invert else dy / self._scale

    def get_config(self):
        def plain(value):
            return np.asarray(value).tolist() if value is not None else None

        return {**super().get_config(), "axis": tuple(self.axis), "invert": self.invert,
                "mean": plain(self.input_mean), "variance": plain(self.input_variance)}
