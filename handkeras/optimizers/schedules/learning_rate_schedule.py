"""Learning rate schedules: the learning rate as a function of the optimizer's step count.

An optimizer given a schedule calls it with ``iterations`` before each update (0 on the first), as
Keras does. Values are computed in floatx, as Keras computes them in the dtype of a Python float
converted to a tensor, so a float64 run matches Keras to the last digits.
"""

import math
import numbers

import numpy as np

from handkeras import backend
from handkeras.identifiers import deserialize_object


class LearningRateSchedule:
    """Base class of schedules: subclasses implement ``__call__(step)`` and ``get_config()``."""

    def __call__(self, step):
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `__call__(self, step)`."
        )

    def get_config(self):
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `get_config()` in order "
            "to be serializable."
        )

    @classmethod
    def from_config(cls, config):
        """A schedule from ``get_config()``'s output."""
        return cls(**config)


def _check_number(schedule, argument, value, positive=False):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or (positive and value <= 0):
        expected = "a number > 0" if positive else "a number"
        raise ValueError(f"{schedule}: `{argument}` must be {expected}, received {value!r}.")


def _floatx_scalars(*values):
    """``values`` as numpy scalars of floatx, the dtype every schedule computes in."""
    dtype = np.dtype(backend.floatx()).type
    return [dtype(value) for value in values]


class _StepDecay(LearningRateSchedule):
    """What ExponentialDecay and InverseTimeDecay share: their arguments, their checks, and the
    progress ``p = step / decay_steps`` (floored with ``staircase``)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase, name):
        kind = type(self).__name__
        _check_number(kind, "initial_learning_rate", initial_learning_rate)
        _check_number(kind, "decay_steps", decay_steps, positive=True)
        _check_number(kind, "decay_rate", decay_rate)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def _progress(self, step):
        """``(initial_learning_rate, decay_rate, p)`` as floatx scalars."""
        initial, decay_steps, decay_rate, step = _floatx_scalars(
            self.initial_learning_rate, self.decay_steps, self.decay_rate, step)
        p = step / decay_steps
        return initial, decay_rate, np.floor(p) if self.staircase else p

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


class ExponentialDecay(_StepDecay):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)``; with ``staircase``, the
    exponent is floored, so the rate drops every ``decay_steps`` steps."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="ExponentialDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step):
        initial, decay_rate, p = self._progress(step)
        return initial * np.power(decay_rate, p)


class InverseTimeDecay(_StepDecay):
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)``; with ``staircase``,
    ``step / decay_steps`` is floored."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="InverseTimeDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step):
        initial, decay_rate, p = self._progress(step)
        return initial / (_floatx_scalars(1)[0] + decay_rate * p)


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` while ``step <= boundaries[0]``, ``values[1]`` while
    ``boundaries[0] < step <= boundaries[1]``, ..., ``values[-1]`` after ``boundaries[-1]``.

    As in Keras, boundaries are compared in the step's type: an integer step count compares with
    boundaries truncated to integers.
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        boundaries, values = list(boundaries), list(values)
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "PiecewiseConstantDecay: the length of `boundaries` should be 1 less than the length "
                f"of `values`. Received: boundaries={boundaries} of length {len(boundaries)}, and "
                f"values={values} of length {len(values)}."
            )
        for argument, numbers_ in (("boundaries", boundaries), ("values", values)):
            for value in numbers_:
                _check_number("PiecewiseConstantDecay", argument, value)
        if any(low >= high for low, high in zip(boundaries, boundaries[1:])):
            raise ValueError(
                "PiecewiseConstantDecay: `boundaries` must be strictly increasing, received "
                f"{boundaries}."
            )
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        step = np.asarray(step)
        interval = sum(bool(step > np.asarray(b).astype(step.dtype)) for b in self.boundaries)
        return _floatx_scalars(self.values[interval])[0]

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """``(initial - end) * (1 - step / decay_steps) ** power + end`` with the step capped at
    ``decay_steps``; with ``cycle``, ``decay_steps`` is instead multiplied by
    ``ceil(step / decay_steps)`` (by 1 at step 0), so the decay restarts."""

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name="PolynomialDecay"):
        _check_number("PolynomialDecay", "initial_learning_rate", initial_learning_rate)
        _check_number("PolynomialDecay", "decay_steps", decay_steps, positive=True)
        _check_number("PolynomialDecay", "end_learning_rate", end_learning_rate)
        _check_number("PolynomialDecay", "power", power)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def __call__(self, step):
        initial, end, power, step, decay_steps, one = _floatx_scalars(
            self.initial_learning_rate, self.end_learning_rate, self.power, step, self.decay_steps, 1)
        if self.cycle:
            decay_steps = decay_steps * (one if step == 0 else np.ceil(step / decay_steps))
        else:
            step = np.minimum(step, decay_steps)
        p = step / decay_steps
        return (initial - end) * np.power(one - p, power) + end

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "end_learning_rate": self.end_learning_rate, "power": self.power,
                "cycle": self.cycle, "name": self.name}


class CosineDecay(LearningRateSchedule):
    """Cosine decay from ``initial_learning_rate`` (or, with a warmup, from ``warmup_target``) to
    ``alpha`` times it over ``decay_steps`` steps, then constant::

        decayed(s) = start * ((1 - alpha) * 0.5 * (1 + cos(pi * min(s, decay_steps) / decay_steps)) + alpha)

    With ``warmup_target``, the rate first goes linearly from ``initial_learning_rate`` to
    ``warmup_target`` over ``warmup_steps`` steps, and the decay starts after them.
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        _check_number("CosineDecay", "initial_learning_rate", initial_learning_rate)
        _check_number("CosineDecay", "decay_steps", decay_steps, positive=True)
        _check_number("CosineDecay", "alpha", alpha)
        if warmup_target is not None:
            _check_number("CosineDecay", "warmup_target", warmup_target)
        _check_number("CosineDecay", "warmup_steps", warmup_steps)
        if warmup_steps < 0:
            raise ValueError(f"CosineDecay: `warmup_steps` must be >= 0, received {warmup_steps!r}.")
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_target = warmup_target
        self.warmup_steps = warmup_steps

    def _decay(self, step, decay_steps, start):
        one, half, pi = _floatx_scalars(1, 0.5, math.pi)
        cosine_decayed = half * (one + np.cos(pi * (step / decay_steps)))
        return start * ((1 - self.alpha) * cosine_decayed + self.alpha)

    def __call__(self, step):
        initial, decay_steps, step = _floatx_scalars(self.initial_learning_rate, self.decay_steps, step)
        if self.warmup_target is None:
            return self._decay(np.minimum(step, decay_steps), decay_steps, initial)
        target, warmup_steps = _floatx_scalars(self.warmup_target, self.warmup_steps)
        step = np.minimum(step, decay_steps + warmup_steps)
        if step < warmup_steps:
            return (target - initial) * (step / warmup_steps) + initial
        return self._decay(step - warmup_steps, decay_steps, target)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "alpha": self.alpha, "name": self.name, "warmup_target": self.warmup_target,
                "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR, Loshchilov & Hutter, 2016): a cosine decay from
    ``initial_learning_rate`` to ``alpha`` times it over ``first_decay_steps`` steps, then again
    from the top, each period ``t_mul`` times longer than the one before and starting ``m_mul``
    times higher::

        decayed(s) = initial * ((1 - alpha) * 0.5 * m_mul^i * (1 + cos(pi * f)) + alpha)

    where ``i`` counts the periods done and ``f`` is the fraction of period ``i`` done at step
    ``s`` (with ``t_mul != 1``, period ``i`` starts at ``(t_mul^i - 1) / (t_mul - 1)`` first
    periods, found by a logarithm as Keras finds it).
    """

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0,
                 name="SGDRDecay"):
        _check_number("CosineDecayRestarts", "initial_learning_rate", initial_learning_rate)
        _check_number("CosineDecayRestarts", "first_decay_steps", first_decay_steps,
                      positive=True)
        _check_number("CosineDecayRestarts", "t_mul", t_mul, positive=True)
        _check_number("CosineDecayRestarts", "m_mul", m_mul)
        _check_number("CosineDecayRestarts", "alpha", alpha)
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self.t_mul = t_mul
        self.m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def __call__(self, step):
        initial, first, t_mul, m_mul, alpha, step, one, half, pi = _floatx_scalars(
            self.initial_learning_rate, self.first_decay_steps, self.t_mul, self.m_mul,
            self.alpha, step, 1, 0.5, math.pi)
        fraction = step / first
        if t_mul == one:
            restarts = np.floor(fraction)
            fraction -= restarts
        else:
            restarts = np.floor(np.log(one - fraction * (one - t_mul)) / np.log(t_mul))
            done = (one - t_mul ** restarts) / (one - t_mul)
            fraction = (fraction - done) / t_mul ** restarts
        cosine_decayed = half * m_mul ** restarts * (one + np.cos(pi * fraction))
        return initial * ((one - alpha) * cosine_decayed + alpha)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self.t_mul,
                "m_mul": self.m_mul, "alpha": self.alpha, "name": self.name}


_BUILT_IN = {cls.__name__: cls for cls in (ExponentialDecay, InverseTimeDecay,
                                           PiecewiseConstantDecay, PolynomialDecay, CosineDecay,
                                           CosineDecayRestarts)}


def serialize(learning_rate_schedule):
    """The schedule as Keras serializes it: ``{"module", "class_name", "config", "registered_name"}``."""
    cls = type(learning_rate_schedule)
    built_in = _BUILT_IN.get(cls.__name__) is cls
    return {"module": "keras.optimizers.schedules" if built_in else cls.__module__,
            "class_name": cls.__name__, "config": learning_rate_schedule.get_config(),
            "registered_name": None if built_in else cls.__name__}


def deserialize(config, custom_objects=None):
    """A schedule from ``serialize``'s output; ``custom_objects`` maps names to your own classes."""
    return deserialize_object("learning rate schedule", config, _BUILT_IN, custom_objects)
