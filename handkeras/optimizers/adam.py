"""Adam, with Keras's epsilon placement."""

import math

import numpy as np

from handkeras.optimizers.base_optimizer import Optimizer, check_number


class Adam(Optimizer):
    """Keras's Adam (t = iterations + 1)::

        m += (g - m) * (1 - beta_1);  v += (g^2 - v) * (1 - beta_2)
        alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)
        w -= alpha * m / (sqrt(v) + epsilon)

    Epsilon is added to ``sqrt(v)`` of the uncorrected ``v`` (PyTorch adds it after bias correction).
    With ``amsgrad``, ``v_hat = max(v_hat, v)`` replaces ``v`` in the step.
    """

    updates_in_blocks = True

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm,
                         use_ema, ema_momentum, ema_overwrite_frequency, loss_scale_factor,
                         gradient_accumulation_steps, name, **kwargs)
        check_adam_arguments(self, beta_1, beta_2, epsilon)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self.amsgrad = amsgrad
        self.slot_groups = (("momentum", "velocity"),) + ((("velocity_hat",),) if amsgrad else ())

    def update_step(self, gradient, variable, slots, learning_rate):
        m, v = slots[0], slots[1]
        t = self.local_step
        alpha = learning_rate * math.sqrt(1 - self.beta_2 ** t) / (1 - self.beta_1 ** t)
        m *= self.beta_1
        m += (1 - self.beta_1) * gradient
        squared = np.square(gradient)
        squared *= 1 - self.beta_2
        v *= self.beta_2
        v += squared
        if self.amsgrad:
            np.maximum(slots[2], v, out=slots[2])
            v = slots[2]
        denominator = np.sqrt(v, out=squared)
        denominator += self.epsilon
        step = m * alpha
        step /= denominator
        variable.value -= step

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "amsgrad": self.amsgrad}


def check_adam_arguments(optimizer, beta_1, beta_2, epsilon):
    """The checks shared by the Adam family: ``0 <= beta_1 < 1``, ``0 <= beta_2 <= 1``, ``epsilon >= 0``."""
    check_number(optimizer, "beta_1", beta_1, minimum=0, maximum=1, below_maximum=True)
    check_number(optimizer, "beta_2", beta_2, minimum=0, maximum=1)
    check_number(optimizer, "epsilon", epsilon, minimum=0)
