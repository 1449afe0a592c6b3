"""Optimizer: the base of every update rule.

``apply(grads, variables)`` clips the gradients, applies weight decay, then lets the subclass's
``update_step(gradient, variable, slots, learning_rate)`` change each variable in place. Slot arrays
(momenta, second moments, ...) are created per variable on first use, in variable order, and
``iterations`` counts the applied steps. Layers compute gradients; only optimizers change weights.
"""

import numpy as np

from handkeras import backend


class Optimizer:
    """Base optimizer with Keras's common arguments.

    ``lr`` is accepted as an alias of ``learning_rate`` (older Keras examples use it).
    """

    #: Names of the per-variable slot arrays this rule keeps, in Keras's order.
    slot_names = ()

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        if "lr" in kwargs:
            learning_rate = kwargs.pop("lr")
        if kwargs:
            raise TypeError(f"{type(self).__name__} got unexpected keyword argument(s): {sorted(kwargs)}.")
        if use_ema or loss_scale_factor is not None or gradient_accumulation_steps is not None:
            raise NotImplementedError(
                f"{type(self).__name__}: EMA, loss scaling and gradient accumulation are not supported."
            )
        if clipnorm is not None and global_clipnorm is not None:
            raise ValueError("Only one of `clipnorm` and `global_clipnorm` can be set, received both.")
        for argument, value in (("clipnorm", clipnorm), ("clipvalue", clipvalue),
                                ("global_clipnorm", global_clipnorm), ("weight_decay", weight_decay)):
            if value is not None and (not isinstance(value, (int, float)) or value < 0):
                raise ValueError(f"`{argument}` must be a non-negative number, received {value!r}.")
        self.name = name or backend.snake_case(type(self).__name__)
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.iterations = 0
        self.learning_rate = learning_rate
        self._variables = []
        self._slots = {}

    # ----------------------------------------------------------------------------- learning rate
    @property
    def learning_rate(self):
        """The current learning rate (a schedule is evaluated at ``iterations``)."""
        if callable(self._learning_rate):
            return float(self._learning_rate(self.iterations))
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        if not callable(value):
            if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)) or value < 0:
                raise ValueError(
                    f"{type(self).__name__}: `learning_rate` must be a non-negative number or a "
                    f"schedule, received {value!r}."
                )
            value = float(value)
        self._learning_rate = value

    lr = learning_rate

    # ----------------------------------------------------------------------------- state
    def build(self, variables):
        """Create the slots of each variable (zeros unless the rule says otherwise)."""
        for variable in variables:
            if id(variable) not in self._slots:
                self._variables.append(variable)
                self._slots[id(variable)] = [self.initial_slot(name, variable) for name in self.slot_names]

    def initial_slot(self, slot_name, variable):
        return np.zeros_like(variable.value)

    @property
    def variables(self):
        """Keras's optimizer variables: iterations, learning rate (unless a schedule), then slots."""
        state = [np.asarray(self.iterations, dtype=np.int64)]
        if not callable(self._learning_rate):
            state.append(np.asarray(self._learning_rate, dtype=backend.floatx()))
        for variable in self._variables:
            state.extend(self._slots[id(variable)])
        return state

    # ----------------------------------------------------------------------------- applying
    def _clipped(self, grads):
        if self.clipvalue is not None:
            grads = [np.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        if self.clipnorm is not None:
            grads = [g * min(1.0, self.clipnorm / max(float(np.sqrt(np.sum(g * g))), 1e-30))
                     for g in grads]
        if self.global_clipnorm is not None:
            norm = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
            scale = min(1.0, self.global_clipnorm / max(norm, 1e-30))
            grads = [g * scale for g in grads]
        return grads

    def apply(self, grads, trainable_variables=None):
        """Update ``trainable_variables`` in place from ``grads`` (same order), then count a step."""
        grads = list(grads)
        variables = list(trainable_variables if trainable_variables is not None else self._variables)
        if len(grads) != len(variables):
            raise ValueError(
                f"{type(self).__name__}.apply: received {len(grads)} gradients for "
                f"{len(variables)} variables."
            )
        for grad, variable in zip(grads, variables):
            if np.shape(grad) != variable.shape:
                raise ValueError(
                    f"{type(self).__name__}.apply: gradient of shape {np.shape(grad)} does not match "
                    f"variable '{variable.path}' of shape {variable.shape}."
                )
        self.apply_unchecked(grads, variables)

    def apply_unchecked(self, grads, variables):
        """``apply`` without the argument checks, for the fit loop, whose gradients always match.

        The gradients may be the layers' reused buffers: update rules must not keep references to them.
        """
        self.build(variables)
        grads = self._clipped(grads)
        learning_rate = self.learning_rate
        if self.weight_decay:
            for variable in variables:
                variable.value -= variable.value * (self.weight_decay * learning_rate)
        for grad, variable in zip(grads, variables):
            self.update_step(grad, variable, self._slots[id(variable)], learning_rate)
        self.iterations += 1

    def apply_gradients(self, grads_and_vars):
        """Keras's ``apply_gradients(zip(grads, variables))``."""
        grads, variables = zip(*grads_and_vars)
        self.apply(grads, variables)

    def update_step(self, gradient, variable, slots, learning_rate):
        raise NotImplementedError

    # ----------------------------------------------------------------------------- config
    def get_config(self):
        learning_rate = self._learning_rate
        if callable(learning_rate) and hasattr(learning_rate, "get_config"):
            learning_rate = {"module": "keras.optimizers.schedules",
                             "class_name": type(learning_rate).__name__,
                             "config": learning_rate.get_config(), "registered_name": None}
        return {
            "name": self.name, "learning_rate": learning_rate, "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue, "use_ema": False, "ema_momentum": 0.99,
            "ema_overwrite_frequency": None, "loss_scale_factor": None,
            "gradient_accumulation_steps": None,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)
