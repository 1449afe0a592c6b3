"""RMSprop, with Keras's epsilon placement, momentum and centering."""

import numpy as np

from handkeras.optimizers.base_optimizer import Optimizer


class RMSprop(Optimizer):
    """Keras's RMSprop::

        v = rho v + (1 - rho) g^2
        (centered)  a = rho a + (1 - rho) g;  denominator = v - a^2 + epsilon
        (otherwise) denominator = v + epsilon
        step = lr g / sqrt(denominator)
        (momentum)  m = momentum m + step;  w -= m      (otherwise) w -= step
    """

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 name="rmsprop", **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm,
                         name=name, **kwargs)
        self.rho, self.momentum, self.epsilon = float(rho), float(momentum), float(epsilon)
        self.centered = bool(centered)
        self.slot_names = (("velocity",) + (("momentum",) if self.momentum else ())
                           + (("average_gradient",) if self.centered else ()))

    def update_step(self, gradient, variable, slots, learning_rate):
        velocity = slots[0]
        velocity *= self.rho
        velocity += (1 - self.rho) * np.square(gradient)
        if self.centered:
            average = slots[-1]
            average *= self.rho
            average += (1 - self.rho) * gradient
            denominator = velocity - np.square(average) + self.epsilon
        else:
            denominator = velocity + self.epsilon
        step = learning_rate * gradient / np.sqrt(denominator)
        if self.momentum:
            momentum = slots[1]
            momentum *= self.momentum
            momentum += step
            variable.value -= momentum
        else:
            variable.value -= step

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum,
                "epsilon": self.epsilon, "centered": self.centered}
