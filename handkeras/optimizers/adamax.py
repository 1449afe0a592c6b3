"""Adamax: Adam with the infinity norm."""

import numpy as np

from handkeras.optimizers.adam import check_adam_arguments
from handkeras.optimizers.base_optimizer import Optimizer


class Adamax(Optimizer):
    """Keras's Adamax (t = iterations + 1)::

        m = beta_1 * m + (1 - beta_1) * g
        u = max(beta_2 * u, |g|)
        w -= lr * m / ((1 - beta_1^t) * (u + epsilon))
    """

    slot_groups = (("momentum", "norm"),)

    updates_in_blocks = True

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
        m, u = slots
        m *= self.beta_1
        m += (1 - self.beta_1) * gradient
        u *= self.beta_2
        np.maximum(u, np.abs(gradient), out=u)
        denominator = u + self.epsilon
        denominator *= 1 - self.beta_1 ** self.local_step
        variable.value -= (m * learning_rate) / denominator

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}
