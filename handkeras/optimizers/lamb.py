"""Lamb: Adam's step rescaled per variable by the ratio of the weight's norm to the step's."""

import numpy as np

from handkeras.optimizers.adam import check_adam_arguments
from handkeras.optimizers.base_optimizer import Optimizer


class Lamb(Optimizer):
    """Keras's Lamb (You et al., 2019; t = iterations + 1)::

        m += (g - m) * (1 - beta_1);  v += (g^2 - v) * (1 - beta_2)
        u = (m / (1 - beta_1^t)) / (sqrt(v / (1 - beta_2^t)) + epsilon)
        w -= ratio * lr * u,  ratio = ||w|| / ||u||  (1 when either norm is 0)

    The norms are over the whole variable, so the rule is not element-wise: a variable is updated
    whole, never in blocks.
    """

    slot_groups = (("momentum", "velocity"),)

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm,
                         use_ema, ema_momentum, ema_overwrite_frequency, loss_scale_factor,
                         gradient_accumulation_steps, name, **kwargs)
        check_adam_arguments(self, beta_1, beta_2, epsilon)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def update_step(self, gradient, variable, slots, learning_rate):
        m, v = slots
        t = self.local_step
        change = gradient - m
        change *= 1 - self.beta_1
        m += change
        np.square(gradient, out=change)
        change -= v
        change *= 1 - self.beta_2
        v += change
        denominator = np.divide(v, 1 - self.beta_2 ** t, out=change)
        np.sqrt(denominator, out=denominator)
        denominator += self.epsilon
        step = m / (1 - self.beta_1 ** t)
        step /= denominator
        weight_norm, step_norm = np.linalg.norm(variable.value), np.linalg.norm(step)
        ratio = weight_norm / step_norm if weight_norm > 0 and step_norm > 0 else 1.0
        step *= ratio * learning_rate
        variable.value -= step

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}
