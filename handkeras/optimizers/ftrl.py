"""FTRL-Proximal: follow the regularized leader, with L1, L2 and L2-shrinkage regularization."""

import numpy as np

from handkeras import aligned
from handkeras.optimizers.base_optimizer import Optimizer, check_number


class Ftrl(Optimizer):
    """Keras's FTRL (McMahan et al., 2013), with ``p = -learning_rate_power``,
    ``l2 = l2_regularization_strength + beta / (2 lr)`` and
    ``g' = g + 2 * l2_shrinkage_regularization_strength * w``::

        n_new = n + g^2                             (n starts at initial_accumulator_value)
        z += g' - (n_new^p - n^p) / lr * w
        w = (clip(z, -l1, l1) - z) / (n_new^p / lr + 2 * l2);  n = n_new

    The weight is recomputed from ``z`` at every step: zero wherever ``|z| <= l1``.
    """

    slot_groups = (("accumulator", "linear"),)

    updates_in_blocks = True

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 l2_shrinkage_regularization_strength=0.0, beta=0.0, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm,
                         use_ema, ema_momentum, ema_overwrite_frequency, loss_scale_factor,
                         gradient_accumulation_steps, name, **kwargs)
        check_number(self, "initial_accumulator_value", initial_accumulator_value, minimum=0)
        check_number(self, "learning_rate_power", learning_rate_power, maximum=0)
        for argument, value in (("l1_regularization_strength", l1_regularization_strength),
                                ("l2_regularization_strength", l2_regularization_strength),
                                ("l2_shrinkage_regularization_strength",
                                 l2_shrinkage_regularization_strength)):
            check_number(self, argument, value, minimum=0)
        check_number(self, "beta", beta)
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta

    def initial_slot(self, slot_name, variable):
        if slot_name == "linear":
            return super().initial_slot(slot_name, variable)
        accumulator = aligned.empty(variable.shape, variable.dtype)
        accumulator.fill(self.initial_accumulator_value)
        return accumulator

    def update_step(self, gradient, variable, slots, learning_rate):
        accumulator, linear = slots
        w = variable.value
        power = -self.learning_rate_power
        l1 = self.l1_regularization_strength
        l2 = self.l2_regularization_strength + self.beta / (2.0 * learning_rate)
        new_accumulator = np.square(gradient)
        new_accumulator += accumulator
        new_root = np.power(new_accumulator, power)
        change = np.power(accumulator, power)
        np.subtract(new_root, change, out=change)
        change /= learning_rate
        change *= w
        if self.l2_shrinkage_regularization_strength:
            np.subtract(gradient + 2 * self.l2_shrinkage_regularization_strength * w, change,
                        out=change)
        else:
            np.subtract(gradient, change, out=change)
        linear += change
        accumulator[...] = new_accumulator
        quadratic = new_root
        quadratic /= learning_rate
        quadratic += 2 * l2
        np.clip(linear, -l1, l1, out=w)
        w -= linear
        w /= quadratic

    def get_config(self):
        return {**super().get_config(), "learning_rate_power": self.learning_rate_power,
                "initial_accumulator_value": self.initial_accumulator_value,
                "l1_regularization_strength": self.l1_regularization_strength,
                "l2_regularization_strength": self.l2_regularization_strength,
                "l2_shrinkage_regularization_strength": self.l2_shrinkage_regularization_strength,
                "beta": self.beta}
