"""Adagrad, with Keras's epsilon placement."""

import numpy as np

from handkeras import aligned
from handkeras.optimizers.base_optimizer import Optimizer, check_number


class Adagrad(Optimizer):
    """Keras's Adagrad::

        a += g^2                       (a starts at initial_accumulator_value)
        w -= lr * g / sqrt(a + epsilon)

    Epsilon goes inside the square root (PyTorch adds it outside).
    """

    slot_groups = (("accumulator",),)

    updates_in_blocks = True

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm,
                         use_ema, ema_momentum, ema_overwrite_frequency, loss_scale_factor,
                         gradient_accumulation_steps, name, **kwargs)
        check_number(self, "initial_accumulator_value", initial_accumulator_value, minimum=0)
        check_number(self, "epsilon", epsilon, minimum=0)
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def initial_slot(self, slot_name, variable):
        accumulator = aligned.empty(variable.shape, variable.dtype)
        accumulator.fill(self.initial_accumulator_value)
        return accumulator

    def update_step(self, gradient, variable, slots, learning_rate):
        (accumulator,) = slots
        accumulator += np.square(gradient)
        denominator = accumulator + self.epsilon
        variable.value -= (gradient * learning_rate) / np.sqrt(denominator, out=denominator)

    def get_config(self):
        return {**super().get_config(), "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}
