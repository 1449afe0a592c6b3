"""Masking: marks as padding the timesteps whose features all equal ``mask_value``."""

import numbers

import numpy as np

from handkeras.layers.layer import Layer


class Masking(Layer):
    """For (batch, steps, features) inputs, a step is masked when every one of its features equals
    ``mask_value``: its output is all zeros (Keras zeroes it, whatever ``mask_value`` is), and the
    layer's output mask, ``any(x != mask_value, axis=-1)``, tells the layers that follow and the
    loss to skip it. Other steps pass unchanged; the input gradient is ``dy`` on kept steps and 0
    on masked ones."""

    supports_masking = True
    _keras_builds_at_init = True

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(mask_value, bool) or not isinstance(mask_value, numbers.Real):
            raise TypeError(f"Masking '{self.name}': `mask_value` must be a number, received "
                            f"{mask_value!r}.")
        self.mask_value = mask_value

    def _kept(self, x):
        """Which steps hold a feature other than ``mask_value``, with the feature axis kept."""
        return np.any(x != self.mask_value, axis=-1, keepdims=True)

    def forward(self, x, training=False):
        kept = self._kept(x)
        if training:
            self._kept_steps = kept
        return np.where(kept, x, np.zeros((), x.dtype))

    def backward(self, dy, input_gradient=True):
        return np.where(self._kept_steps, dy, np.zeros((), dy.dtype))

    def compute_mask(self, inputs, mask=None):
        return self._kept(np.asarray(inputs))[..., 0]

    def get_config(self):
        return {**super().get_config(), "mask_value": self.mask_value}
