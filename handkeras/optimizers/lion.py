"""Lion: a momentum step whose size is set by the sign alone."""

import numpy as np

from handkeras.optimizers.base_optimizer import Optimizer, check_number


class Lion(Optimizer):
    """Keras's Lion (Chen et al., 2023)::

        w -= lr * sign(beta_1 * m + (1 - beta_1) * g)
        m = beta_2 * m + (1 - beta_2) * g

    Every weight moves by exactly ``lr`` (or not at all), so Lion wants a learning rate 3-10x
    smaller than AdamW's, and a weight decay as much larger.
    """

    slot_groups = (("momentum",),)

    updates_in_blocks = True

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm,
                         use_ema, ema_momentum, ema_overwrite_frequency, loss_scale_factor,
                         gradient_accumulation_steps, name, **kwargs)
        # beta_1 = 0 would make Lion SignSGD, which Keras refuses.
        check_number(self, "beta_1", beta_1, minimum=0, maximum=1, above_minimum=True)
        check_number(self, "beta_2", beta_2, minimum=0, maximum=1)
        self.beta_1, self.beta_2 = beta_1, beta_2

    def update_step(self, gradient, variable, slots, learning_rate):
        (m,) = slots
        step = m * self.beta_1
        scaled_gradient = gradient * (1 - self.beta_1)
        step += scaled_gradient
        np.sign(step, out=step)
        step *= learning_rate
        variable.value -= step
        m *= self.beta_2
        np.multiply(gradient, 1 - self.beta_2, out=scaled_gradient)
        m += scaled_gradient

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2}
