"""RMSNormalization: divide each sample by the root mean square of its features (no centering)."""

import numpy as np

from handkeras.layers.layer import Layer


class RMSNormalization(Layer):
    """Keras's ``y = x / sqrt(mean(x^2) + epsilon) * scale``, the mean over ``axis`` of each sample.

    With ``x_hat = x * r``, ``r = 1 / sqrt(mean(x^2) + epsilon)`` and ``g = dy * scale``, the
    backward is ``dscale = sum(dy * x_hat)`` over the other axes and ``dx = r * (g - x_hat *
    mean(g * x_hat))``, the mean over the normalized axes. One weight, ``scale`` (ones), of the
    shape of the normalized axes. ``axis`` must be the trailing axes: Keras's scale broadcasts
    against them (its torch backend refuses any other axis).
    """

    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        axis = self._checked_axis(axis)
        self.axis = [int(a) for a in axis] if isinstance(axis, (list, tuple)) else int(axis)
        if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float, np.number)) \
                or not epsilon > 0:
            raise ValueError(f"RMSNormalization '{self.name}': `epsilon` must be a positive "
                             f"number, received {epsilon!r}.")
        self.epsilon = float(epsilon)

    def _axis_list(self):
        return list(self.axis) if isinstance(self.axis, list) else [self.axis]

    def build(self, input_shape):
        self.compute_output_shape(input_shape)
        ndim = len(input_shape)
        axes = sorted(a % ndim for a in self._axis_list())
        if len(set(axes)) != len(axes) or axes != list(range(ndim - len(axes), ndim)) \
                or 0 in axes:
            raise ValueError(
                f"RMSNormalization '{self.name}': `axis` must name the last axes of the input "
                f"(never the batch axis), each once, received axis={self.axis} for inputs with "
                f"shape {tuple(input_shape)}.")
        self._axes = tuple(axes)
        self.axis = sorted(self._axis_list())  # Keras's config holds the sorted list once built
        self.scale = self.add_weight(tuple(input_shape[a] for a in axes), "ones", name="scale")

    def compute_output_shape(self, input_shape):
        rank = len(input_shape)
        for axis in self._axis_list():
            if not -rank <= axis < rank:
                raise ValueError(f"RMSNormalization '{self.name}': `axis` {axis} is out of bounds "
                                 f"for inputs of shape {tuple(input_shape)}.")
        return tuple(input_shape)

    def forward(self, x, training=False):
        mean_square = np.square(x).mean(axis=self._axes, keepdims=True)
        inv_rms = (1.0 / np.sqrt(mean_square + self.epsilon)).astype(x.dtype)
        x_hat = x * inv_rms
        if training:
            self._cache = x_hat, inv_rms
        return x_hat * self.scale.value

    def backward(self, dy, input_gradient=True):
        x_hat, inv_rms = self._cache
        if self.trainable:
            batch_axes = tuple(a for a in range(dy.ndim) if a not in self._axes)
            self.gradients = [(dy * x_hat).sum(axis=batch_axes)]
        if not input_gradient:
            return None
        scaled = dy * self.scale.value
        along = (scaled * x_hat).mean(axis=self._axes, keepdims=True)
        return (scaled - x_hat * along) * inv_rms

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon}
