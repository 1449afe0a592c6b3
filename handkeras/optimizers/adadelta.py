"""Adadelta, as Keras computes it."""

import numpy as np

from handkeras.optimizers.base_optimizer import Optimizer, check_number


class Adadelta(Optimizer):
    """Keras's Adadelta (``rms(x) = sqrt(x + epsilon)``)::

        a = rho * a + (1 - rho) * g^2
        delta = -rms(d) * g / rms(a)
        d = rho * d + (1 - rho) * delta^2
        w += lr * delta

    ``a`` accumulates squared gradients, ``d`` squared updates. The learning rate defaults to
    0.001 (the paper's rule has none, that is 1.0).
    """

    slot_groups = (("accumulated_grad", "accumulated_delta_var"),)

    updates_in_blocks = True

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm,
                         use_ema, ema_momentum, ema_overwrite_frequency, loss_scale_factor,
                         gradient_accumulation_steps, name, **kwargs)
        check_number(self, "rho", rho, minimum=0, maximum=1)
        check_number(self, "epsilon", epsilon, minimum=0)
        self.rho = rho
        self.epsilon = epsilon

    def update_step(self, gradient, variable, slots, learning_rate):
        accumulated_grad, accumulated_delta = slots
        accumulated_grad *= self.rho
        accumulated_grad += (1 - self.rho) * np.square(gradient)
        delta = np.sqrt(accumulated_delta + self.epsilon)
        delta *= gradient
        delta /= np.sqrt(accumulated_grad + self.epsilon)
        delta *= -1
        accumulated_delta *= self.rho
        accumulated_delta += (1 - self.rho) * np.square(delta)
        delta *= learning_rate
        variable.value += delta

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}
