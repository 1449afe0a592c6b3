"""RMSprop, with Keras's epsilon placement, momentum and centering."""

import numpy as np

from handkeras.optimizers.base_optimizer import Optimizer, check_number


class RMSprop(Optimizer):
    """Keras's RMSprop::

        v = rho * v + (1 - rho) * g^2
        (centered)  a = rho * a + (1 - rho) * g;  denominator = v - a^2 + epsilon
        (otherwise) denominator = v + epsilon
        step = lr * g / sqrt(denominator)
        (momentum)  m = momentum * m + step;  w -= m      (otherwise) w -= step

    Epsilon goes inside the square root (PyTorch adds it outside).
    """

    updates_in_blocks = True

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm,
                         use_ema, ema_momentum, ema_overwrite_frequency, loss_scale_factor,
                         gradient_accumulation_steps, name, **kwargs)
        check_number(self, "rho", rho, minimum=0, maximum=1)
        check_number(self, "momentum", momentum, minimum=0, maximum=1)
        check_number(self, "epsilon", epsilon, minimum=0)
        self.rho, self.momentum, self.epsilon = rho, momentum, epsilon
        self.centered = centered
        # Keras creates all velocities, then all momenta, then all average gradients.
        self.slot_groups = ((("velocity",),) + ((("momentum",),) if momentum > 0 else ())
                            + ((("average_gradient",),) if centered else ()))

    def update_step(self, gradient, variable, slots, learning_rate):
        velocity = slots[0]
        velocity *= self.rho
        velocity += (1 - self.rho) * np.square(gradient)
        denominator = velocity + self.epsilon
        if self.centered:
            average = slots[-1]
            average *= self.rho
            average += (1 - self.rho) * gradient
            denominator -= np.square(average)
        step = learning_rate * gradient
        step /= np.sqrt(denominator, out=denominator)
        if self.momentum > 0:
            momentum = slots[1]
            momentum *= self.momentum
            momentum += step
            variable.value -= momentum
        else:
            variable.value -= step

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum,
                "epsilon": self.epsilon, "centered": self.centered}
