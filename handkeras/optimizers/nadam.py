"""Nadam: Adam with Nesterov momentum and Keras's momentum-cache schedule."""

import numpy as np

from handkeras import backend
from handkeras.optimizers.adam import check_adam_arguments
from handkeras.optimizers.base_optimizer import Optimizer
from handkeras.variables import Variable


class Nadam(Optimizer):
    """Keras's Nadam (t = iterations + 1), with the momentum schedule
    ``mu_t = beta_1 * (1 - 0.5 * 0.96^t)`` and its running product ``P_t = mu_1 ... mu_t``
    (one value shared by all variables, kept after the slots in ``variables``)::

        m = beta_1 * m + (1 - beta_1) * g;  v = beta_2 * v + (1 - beta_2) * g^2
        m_hat = mu_{t+1} * m / (1 - P_t * mu_{t+1}) + (1 - mu_t) * g / (1 - P_t)
        v_hat = v / (1 - beta_2^t)
        w -= lr * m_hat / (sqrt(v_hat) + epsilon)
    """

    slot_groups = (("momentum", "velocity"),)

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
        self._u_product = None

    def build(self, variables):
        if self.built:
            return
        variables = list(variables)
        super().build(variables)
        # Keras keeps the product in the dtype of the first variable, in a variable made with the
        # defaults: named "variable", "variable_1", ... and trainable.
        self._u_product = Variable.holding(
            np.array(1.0, dtype=variables[0].dtype if variables else None),
            backend.unique_name("variable"))

    def _extra_variables(self):
        return [self._u_product] if self.built else []

    def _momentum_cache(self, t):
        return self.beta_1 * (1.0 - 0.5 * 0.96 ** t)

    def _update_all(self, grads, variables, slots, learning_rate):
        self._u_product.value *= self._momentum_cache(self.local_step)
        super()._update_all(grads, variables, slots, learning_rate)

    def update_step(self, gradient, variable, slots, learning_rate):
        m, v = slots
        t = self.local_step
        u_t, u_t_1 = self._momentum_cache(t), self._momentum_cache(t + 1)
        u_product_t = self._u_product.value[()]
        u_product_t_1 = u_product_t * u_t_1
        m *= self.beta_1
        m += (1 - self.beta_1) * gradient
        v *= self.beta_2
        v += (1 - self.beta_2) * np.square(gradient)
        m_hat = (m * u_t_1) / (1 - u_product_t_1)
        m_hat += (gradient * (1 - u_t)) / (1 - u_product_t)
        denominator = np.sqrt(v / (1 - self.beta_2 ** t))
        denominator += self.epsilon
        m_hat *= learning_rate
        variable.value -= m_hat / denominator

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}
