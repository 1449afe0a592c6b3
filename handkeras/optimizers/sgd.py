"""SGD with optional (Nesterov) momentum."""

from handkeras.optimizers.base_optimizer import Optimizer, check_number
from handkeras.optimizers.scaled_add import scaled_add
from handkeras.product_gradient import ProductGradient


class SGD(Optimizer):
    """Keras's SGD::

        (momentum 0)  w -= lr * g
        (momentum)    m = momentum * m - lr * g;  w += m
        (nesterov)    m = momentum * m - lr * g;  w += momentum * m - lr * g
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm,
                         use_ema, ema_momentum, ema_overwrite_frequency, loss_scale_factor,
                         gradient_accumulation_steps, name, **kwargs)
        check_number(self, "momentum", momentum, minimum=0, maximum=1)
        self.momentum = momentum
        self.nesterov = nesterov
        self.slot_groups = (("momentum",),) if self.momentum != 0 else ()

    @property
    def takes_product_gradients(self):
        return ((self.momentum == 0 or not self.nesterov) and not self.clipnorm
                and not self.global_clipnorm and not self.clipvalue
                and self.loss_scale_factor is None and not self.gradient_accumulation_steps)

    def update_step(self, gradient, variable, slots, learning_rate):
        """A ``ProductGradient`` (never with Nesterov momentum) is added in one GEMM where BLAS
        can."""
        add = _add_product if isinstance(gradient, ProductGradient) else scaled_add
        w = variable.value
        if self.momentum == 0:
            add(w, -learning_rate, gradient)
            return
        (m,) = slots
        m *= self.momentum
        add(m, -learning_rate, gradient)
        if self.nesterov:
            scaled_add(w, -learning_rate, gradient)
            scaled_add(w, w.dtype.type(self.momentum), m)
        else:
            scaled_add(w, w.dtype.type(1), m)  # exactly w += m, on every core

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


def _add_product(target, scale, gradient):
    """``scaled_add`` for an unformed gradient: one GEMM, or the formed product where BLAS cannot."""
    if not gradient.add_to(target, scale):
        scaled_add(target, scale, gradient.formed())
