"""``keras.random``: random arrays with Keras's functions and arguments, drawn by numpy.

``seed`` works as in Keras: None draws from the process-wide generator (the one
``keras.utils.set_random_seed`` seeds), an integer gives the same numbers at every call, and a
``SeedGenerator`` gives new numbers at each call, in a sequence its own seed fixes. The numbers are
numpy's, not those Keras's backends draw for the same seed.
"""

import numpy as np

from handkeras import backend


class SeedGenerator:
    """A seed with state: each draw that takes it moves it on, so two draws differ, and two
    generators made with the same ``seed`` give the same sequence. Without a seed it takes one
    from the process-wide generator."""

    def __init__(self, seed=None, name=None, **kwargs):
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
            raise ValueError(f"SeedGenerator: `seed` must be an integer or None, received {seed!r}.")
        if kwargs:
            raise TypeError(f"SeedGenerator: unexpected keyword arguments {sorted(kwargs)}.")
        self.seed = int(seed) if seed is not None else int(backend.rng().integers(2**31))
        self.name = name or backend.unique_name("seed_generator")
        self.generator = np.random.default_rng(self.seed)

    def get_config(self):
        return {"seed": self.seed, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _generator(seed, function):
    if seed is None:
        return backend.rng()
    if isinstance(seed, SeedGenerator):
        return seed.generator
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return np.random.default_rng(int(seed))
    raise ValueError(f"keras.random.{function}: argument `seed` must be either an integer or an "
                     f"instance of `SeedGenerator`. Received: seed={seed} (of type {type(seed)})")


def _float_dtype(dtype, function):
    dtype = np.dtype(dtype or backend.floatx())
    if dtype.kind != "f":
        raise ValueError(f"`keras.random.{function}` requires a floating point `dtype`. "
                         f"Received: dtype={dtype.name}")
    return dtype


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples of the normal distribution ``N(mean, stddev^2)``."""
    dtype = _float_dtype(dtype, "normal")
    return _generator(seed, "normal").normal(mean, stddev, size=tuple(shape)).astype(dtype)


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Samples of the uniform distribution on ``[minval, maxval)``."""
    dtype = _float_dtype(dtype, "uniform")
    return _generator(seed, "uniform").uniform(minval, maxval, size=tuple(shape)).astype(dtype)


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Integers drawn uniformly from ``[minval, maxval)``."""
    return _generator(seed, "randint").integers(minval, maxval, size=tuple(shape)).astype(dtype)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples of ``N(mean, stddev^2)`` within two standard deviations of the mean: the others
    are drawn again."""
    dtype = _float_dtype(dtype, "truncated_normal")
    generator = _generator(seed, "truncated_normal")
    values = generator.standard_normal(tuple(shape))
    outside = np.abs(values) > 2
    while outside.any():
        values[outside] = generator.standard_normal(int(outside.sum()))
        outside = np.abs(values) > 2
    return (mean + stddev * values).astype(dtype)


def dropout(inputs, rate, noise_shape=None, seed=None):
    """``inputs`` with each entry set to 0 with probability ``rate`` and the others divided by
    ``1 - rate``; ``noise_shape`` (None entries: the inputs' sizes) shares a draw along its axes
    of size 1."""
    inputs = np.asarray(inputs)
    if not inputs.dtype.kind == "f":
        inputs = inputs.astype(backend.floatx())
    if not 0 <= rate < 1:
        raise ValueError(f"keras.random.dropout: `rate` must be in [0, 1), received {rate!r}.")
    shape = inputs.shape if noise_shape is None else tuple(
        size if size is not None else inputs.shape[i] for i, size in enumerate(noise_shape))
    keep = _generator(seed, "dropout").random(shape) >= rate
    return np.where(keep, inputs / inputs.dtype.type(1 - rate), 0).astype(inputs.dtype)


def shuffle(x, axis=0, seed=None):
    """``x`` with its entries along ``axis`` in a random order."""
    x = np.asarray(x)
    order = _generator(seed, "shuffle").permutation(x.shape[axis])
    return np.take(x, order, axis=axis)


def categorical(logits, num_samples, dtype="int32", seed=None):
    """For each row of ``logits`` (unnormalized log-probabilities of shape ``(batch,
    classes)``), ``num_samples`` class indices drawn from its softmax."""
    logits = np.asarray(logits, dtype=np.float64)
    if logits.ndim != 2:
        raise ValueError("`logits` should be a 2-D tensor with shape [batch_size, num_classes]. "
                         f"Received: logits={logits}")
    probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
    cumulative = np.cumsum(probabilities / probabilities.sum(axis=1, keepdims=True), axis=1)
    draws = _generator(seed, "categorical").random((len(logits), num_samples))
    samples = (draws[:, :, None] >= cumulative[:, None, :-1]).sum(axis=2)
    return samples.astype(dtype)


def gamma(shape, alpha, dtype=None, seed=None):
    """Samples of the gamma distribution of shape ``alpha`` and scale 1."""
    dtype = _float_dtype(dtype, "gamma")
    return _generator(seed, "gamma").gamma(alpha, size=tuple(shape)).astype(dtype)


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Successes among ``counts`` trials of probability ``probabilities``, as floats."""
    dtype = _float_dtype(dtype, "binomial")
    generator = _generator(seed, "binomial")
    return generator.binomial(np.asarray(counts).astype(np.int64), probabilities,
                              size=tuple(shape)).astype(dtype)


def beta(shape, alpha, beta, dtype=None, seed=None):
    """Samples of the beta distribution ``Beta(alpha, beta)``."""
    dtype = _float_dtype(dtype, "beta")
    return _generator(seed, "beta").beta(alpha, beta, size=tuple(shape)).astype(dtype)
