"""Weight initializers, with Keras's names, arguments and distributions.

An initializer is called as ``init(shape, dtype=None)`` and returns a numpy array. As in Keras 3, a
random initializer returns the same values on every call: a seeded one from its ``seed``, an unseeded
one from a seed it draws, at its first call, from the generator that ``set_random_seed`` controls (so
one unseeded instance shared by two layers gives both the same values, exactly as in Keras).
"""

import math

import numpy as np

from handkeras import backend
from handkeras.identifiers import deserialize_object, lookup, serialize_object

# Standard deviation of a unit normal truncated to [-2, 2]; VarianceScaling divides by it.
_TRUNCATED_STDDEV = 0.87962566103423978


def compute_fans(shape, input_axes=None, output_axes=None):
    """``(fan_in, fan_out)`` of a weight shape, counting a convolution kernel's receptive field.

    With ``input_axes`` and ``output_axes`` (Keras's arguments for einsum-style kernels), the fans
    are the products of those axes' sizes.
    """
    shape = tuple(shape)
    if input_axes is not None and output_axes is not None:
        return (math.prod(shape[axis] for axis in input_axes),
                math.prod(shape[axis] for axis in output_axes))
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive_field = math.prod(shape[:-2])
    return shape[-2] * receptive_field, shape[-1] * receptive_field


def _truncated_normal(rng, shape, mean, stddev):
    """Normal samples redrawn until they fall within two standard deviations of the mean."""
    values = rng.standard_normal(shape)
    outside = np.abs(values) > 2
    while outside.any():
        values[outside] = rng.standard_normal(int(outside.sum()))
        outside = np.abs(values) > 2
    return mean + stddev * values


class Initializer:
    """Base class: ``__call__(shape, dtype=None)``, ``get_config()`` and ``from_config()``."""

    def __call__(self, shape, dtype=None):
        raise NotImplementedError

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def clone(self):
        """A new initializer of the same class and config (a seeded one draws the same numbers)."""
        return self.__class__.from_config(self.get_config())


class RandomInitializer(Initializer):
    """An initializer that draws random numbers: the same ones at every call (see the module)."""

    def __init__(self, seed=None):
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
            raise ValueError(
                f"{type(self).__name__}: `seed` must be an integer or None, received {seed!r}."
            )
        self.seed = seed
        self._drawn_seed = None

    def _rng(self):
        if self.seed is not None:
            return np.random.default_rng(self.seed)
        if self._drawn_seed is None:
            self._drawn_seed = int(backend.rng().integers(2**63))
        return np.random.default_rng(self._drawn_seed)

    def __call__(self, shape, dtype=None):
        values = self._sample(self._rng(), tuple(shape))
        return np.asarray(values, dtype=dtype or backend.floatx())

    def get_config(self):
        return {"seed": self.seed}


class Zeros(Initializer):
    """All zeros."""

    def __call__(self, shape, dtype=None):
        return np.zeros(shape, dtype=dtype or backend.floatx())


class Ones(Initializer):
    """All ones."""

    def __call__(self, shape, dtype=None):
        return np.ones(shape, dtype=dtype or backend.floatx())


class Constant(Initializer):
    """Every entry equal to ``value``."""

    def __init__(self, value=0.0):
        self.value = _checked_value(value)

    def __call__(self, shape, dtype=None):
        return np.full(shape, self.value, dtype=dtype or backend.floatx())

    def get_config(self):
        return {"value": self.value}


def _checked_value(value):
    """``value`` if it is a real number or an array of them, else a ValueError: refused when the
    initializer is created, not when a layer builds its weights."""
    try:
        kind = np.asarray(value).dtype.kind
    except ValueError:  # a ragged list
        kind = "O"
    if kind not in "biuf":
        raise ValueError(f"Constant: `value` must be a real number or an array of them, received "
                         f"{value!r}.")
    return value


class RandomNormal(RandomInitializer):
    """Normal with ``mean`` and ``stddev``."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def _sample(self, rng, shape):
        return rng.normal(self.mean, self.stddev, shape)

    def get_config(self):
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


class TruncatedNormal(RandomNormal):
    """Normal with ``mean`` and ``stddev``, redrawn beyond two standard deviations."""

    def _sample(self, rng, shape):
        return _truncated_normal(rng, shape, self.mean, self.stddev)


class RandomUniform(RandomInitializer):
    """Uniform on ``[minval, maxval)``."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(seed)
        self.minval, self.maxval = minval, maxval

    def _sample(self, rng, shape):
        return rng.uniform(self.minval, self.maxval, shape)

    def get_config(self):
        return {**super().get_config(), "minval": self.minval, "maxval": self.maxval}


class VarianceScaling(RandomInitializer):
    """Samples with variance ``scale / n``, ``n`` being fan_in, fan_out or their average.

    ``distribution`` is ``"truncated_normal"`` (``"normal"`` is its alias, as in Keras: a normal cut
    at two standard deviations, its stddev divided by 0.8796... to keep the variance),
    ``"untruncated_normal"`` or ``"uniform"`` (within ``sqrt(3 scale / n)``).
    """

    _MODES = ("fan_in", "fan_out", "fan_avg")
    _DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 input_axes=None, output_axes=None):
        super().__init__(seed)
        if scale <= 0:
            raise ValueError(f"`scale` must be positive, received {scale!r}.")
        if mode not in self._MODES:
            raise ValueError(f"Invalid `mode` {mode!r}: expected one of {list(self._MODES)}.")
        distribution = distribution.lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in self._DISTRIBUTIONS:
            raise ValueError(
                f"Invalid `distribution` {distribution!r}: expected one of {list(self._DISTRIBUTIONS)}."
            )
        self.scale, self.mode, self.distribution = scale, mode, distribution
        self.input_axes, self.output_axes = input_axes, output_axes

    def _sample(self, rng, shape):
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, fan)
        if self.distribution == "truncated_normal":
            return _truncated_normal(rng, shape, 0.0, math.sqrt(variance) / _TRUNCATED_STDDEV)
        if self.distribution == "untruncated_normal":
            return rng.normal(0.0, math.sqrt(variance), shape)
        limit = math.sqrt(3.0 * variance)
        return rng.uniform(-limit, limit, shape)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "mode": self.mode,
                "distribution": self.distribution, "input_axes": self.input_axes,
                "output_axes": self.output_axes}


class _FixedVarianceScaling(VarianceScaling):
    """A named VarianceScaling preset, configured by its seed and axes only, as in Keras."""

    _PRESET = {}

    def __init__(self, seed=None, input_axes=None, output_axes=None):
        super().__init__(seed=seed, input_axes=input_axes, output_axes=output_axes, **self._PRESET)

    def get_config(self):
        return {"seed": self.seed, "input_axes": self.input_axes, "output_axes": self.output_axes}


class GlorotUniform(_FixedVarianceScaling):
    """Uniform within ``sqrt(6 / (fan_in + fan_out))``."""

    _PRESET = {"scale": 1.0, "mode": "fan_avg", "distribution": "uniform"}


class GlorotNormal(_FixedVarianceScaling):
    """Truncated normal with stddev ``sqrt(2 / (fan_in + fan_out))``."""

    _PRESET = {"scale": 1.0, "mode": "fan_avg", "distribution": "truncated_normal"}


class HeNormal(_FixedVarianceScaling):
    """Truncated normal with stddev ``sqrt(2 / fan_in)``."""

    _PRESET = {"scale": 2.0, "mode": "fan_in", "distribution": "truncated_normal"}


class HeUniform(_FixedVarianceScaling):
    """Uniform within ``sqrt(6 / fan_in)``."""

    _PRESET = {"scale": 2.0, "mode": "fan_in", "distribution": "uniform"}


class LecunNormal(_FixedVarianceScaling):
    """Truncated normal with stddev ``sqrt(1 / fan_in)``."""

    _PRESET = {"scale": 1.0, "mode": "fan_in", "distribution": "truncated_normal"}


class LecunUniform(_FixedVarianceScaling):
    """Uniform within ``sqrt(3 / fan_in)``."""

    _PRESET = {"scale": 1.0, "mode": "fan_in", "distribution": "uniform"}


class Orthogonal(RandomInitializer):
    """A (semi-)orthogonal matrix times ``gain``, from the QR decomposition of a normal matrix."""

    def __init__(self, gain=1.0, seed=None):
        super().__init__(seed)
        self.gain = gain

    def _sample(self, rng, shape):
        if len(shape) < 2:
            raise ValueError(f"Orthogonal initializer needs a shape of rank >= 2, received {shape}.")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        flat = rng.standard_normal((max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(flat)
        q *= np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return self.gain * q.reshape(shape)

    def get_config(self):
        return {**super().get_config(), "gain": self.gain}


class Identity(Initializer):
    """``gain`` times the identity matrix (2D shapes only)."""

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        if len(shape) != 2:
            raise ValueError(f"Identity initializer needs a 2D shape, received {tuple(shape)}.")
        return self.gain * np.eye(*shape, dtype=dtype or backend.floatx())

    def get_config(self):
        return {"gain": self.gain}


_CLASSES = {cls.__name__: cls for cls in (
    Zeros, Ones, Constant, RandomNormal, TruncatedNormal, RandomUniform, VarianceScaling,
    GlorotUniform, GlorotNormal, HeNormal, HeUniform, LecunNormal, LecunUniform, Orthogonal, Identity,
)}
_ALIASES = {backend.snake_case(name): cls for name, cls in _CLASSES.items()}
_ALIASES.update({"zero": Zeros, "one": Ones, "uniform": RandomUniform, "normal": RandomNormal,
                 "IdentityInitializer": Identity, "OrthogonalInitializer": Orthogonal})

# Keras's functional aliases: keras.initializers.he_normal is the HeNormal class, and so on.
zeros, ones, constant = Zeros, Ones, Constant
random_normal, truncated_normal, random_uniform = RandomNormal, TruncatedNormal, RandomUniform
variance_scaling, orthogonal, identity = VarianceScaling, Orthogonal, Identity
glorot_uniform, glorot_normal = GlorotUniform, GlorotNormal
he_normal, he_uniform = HeNormal, HeUniform
lecun_normal, lecun_uniform = LecunNormal, LecunUniform
IdentityInitializer, OrthogonalInitializer = Identity, Orthogonal


def get(identifier):
    """An initializer from a name (``"glorot_uniform"``), a config dict, an Initializer class or
    instance, None, or, as in Keras, an array (the values themselves) or a function
    ``fn(shape, dtype=None)``."""
    if identifier is None or isinstance(identifier, Initializer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Initializer):
        return identifier()
    if isinstance(identifier, (np.ndarray, np.generic)):
        return _ArrayValues(identifier)
    if callable(identifier):
        return identifier
    return lookup("initializer", identifier, {**_ALIASES, **_CLASSES})()


class _ArrayValues(Initializer):
    """Given values, for weights of exactly their shape (Keras's array-as-initializer)."""

    def __init__(self, values):
        self.values = np.asarray(values)

    def __call__(self, shape, dtype=None):
        if tuple(shape) != self.values.shape:
            raise ValueError(
                f"Expected `shape` to be {self.values.shape} for an array used as initializer, "
                f"received shape={tuple(shape)}."
            )
        return self.values.astype(dtype or backend.floatx())


def serialize(initializer):
    """Keras's config form: ``{"module", "class_name", "config", "registered_name"}``."""
    return serialize_object(initializer)


def deserialize(config, custom_objects=None):
    """The initializer described by :func:`serialize`'s output; ``custom_objects`` maps class
    names to classes of your own."""
    return deserialize_object("initializer", config, _CLASSES, custom_objects)
