"""Adafactor: Adam-like steps from a second moment factored into row and column averages."""

import numpy as np

from handkeras import aligned
from handkeras.optimizers.base_optimizer import Optimizer, check_number
from handkeras.variables import Variable


class Adafactor(Optimizer):
    """Keras's Adafactor (Shazeer & Stern, 2018; t = iterations + 1, rms(x) = sqrt(mean(x^2)))::

        rho = min(lr, 1 / sqrt(t));  alpha = max(epsilon_2, rms(w)) * rho
        q = g^2 + epsilon_1;  beta = 1 - t^beta_2_decay
        rank >= 2:  r = beta * r + (1 - beta) * mean(q, axis=-1)
                    c = beta * c + (1 - beta) * mean(q, axis=-2)
                    v = (r / mean(r, axis=-1))[..., :, None] * c[..., None, :]
        otherwise:  v = beta * v + (1 - beta) * q
        u = g / sqrt(v);  w -= alpha * u / max(1, rms(u) / clip_threshold)

    A variable of rank 2 or more keeps its second moment factored over its last two axes: ``r``
    (the mean over the last axis) and ``c`` (over the one before); Keras still keeps the full ``v``
    too, as a slot, so the state is Keras's. The step size is capped at ``1 / sqrt(t)`` whatever
    ``relative_step`` says: Keras takes that minimum once for ``relative_step`` and once again for
    every step, so the flag changes nothing but the config.
    """

    #: Per variable, in Keras's order: the factored row and column moments, then the velocity.
    slot_groups = (("r", "c", "velocity"),)

    def __init__(self, learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3,
                 clip_threshold=1.0, relative_step=True, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm,
                         use_ema, ema_momentum, ema_overwrite_frequency, loss_scale_factor,
                         gradient_accumulation_steps, name, **kwargs)
        check_number(self, "beta_2_decay", beta_2_decay, maximum=0)
        check_number(self, "epsilon_1", epsilon_1, minimum=0)
        check_number(self, "epsilon_2", epsilon_2, minimum=0)
        check_number(self, "clip_threshold", clip_threshold, minimum=0, above_minimum=True)
        self.beta_2_decay = beta_2_decay
        self.epsilon_1, self.epsilon_2 = epsilon_1, epsilon_2
        self.clip_threshold = clip_threshold
        self.relative_step = relative_step

    def slot_variable(self, slot_name, variable):
        """``r`` and ``c`` are named after the weight (``adafactor/kernel``, twice), as in Keras; a
        variable of rank below 2 has a 0-d int32 zero for each instead, with the weight's name as
        its path (Keras makes these placeholders outside the optimizer's scope)."""
        if slot_name == "velocity":
            return super().slot_variable(slot_name, variable)
        if variable.ndim < 2:
            return Variable.holding(np.zeros((), np.int32), variable.name, trainable=False)
        rows, columns = variable.shape[:-1], variable.shape[:-2] + variable.shape[-1:]
        shape = rows if slot_name == "r" else columns
        return self._state_variable(aligned.zeros(shape, variable.dtype), variable.name)

    def update_step(self, gradient, variable, slots, learning_rate):
        r, c, v = slots
        w = variable.value
        t = w.dtype.type(self.local_step)
        rho = np.minimum(w.dtype.type(learning_rate), 1 / np.sqrt(t))
        alpha = np.maximum(w.dtype.type(self.epsilon_2), _rms(w)) * rho
        beta = 1 - t ** self.beta_2_decay
        squared = np.square(gradient)
        squared += self.epsilon_1
        if w.ndim >= 2:
            _decay_towards(r, beta, squared.mean(axis=-1))
            _decay_towards(c, beta, squared.mean(axis=-2))
            row_share = r / r.mean(axis=-1, keepdims=True)
            np.multiply(row_share[..., None], c[..., None, :], out=v)
        else:
            _decay_towards(v, beta, squared)
        step = np.sqrt(v, out=squared)
        np.divide(gradient, step, out=step)
        step /= np.maximum(1, _rms(step) / self.clip_threshold)  # NaN stays NaN
        step *= alpha
        w -= step

    def get_config(self):
        return {**super().get_config(), "beta_2_decay": self.beta_2_decay,
                "epsilon_1": self.epsilon_1, "epsilon_2": self.epsilon_2,
                "clip_threshold": self.clip_threshold, "relative_step": self.relative_step}


def _rms(x):
    """The root mean square of all of ``x``."""
    return np.sqrt(np.vdot(x, x) / x.size)


def _decay_towards(moment, beta, target):
    """``moment = beta * moment + (1 - beta) * target``, in place (``target`` is overwritten)."""
    moment *= beta
    target *= 1 - beta
    moment += target
