"""Global average and max pooling over every spatial (or time) axis."""

import numpy as np

from handkeras.layers.layer import Layer


class BaseGlobalPooling(Layer):
    """Pools axes 1..rank of (batch, *spatial, channels) inputs; ``keepdims`` keeps them as size 1."""

    rank = None
    _keras_builds_at_init = True

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last"):
            raise ValueError(f"{type(self).__name__} '{self.name}': only "
                             f"`data_format='channels_last'` is supported, received {data_format!r}.")
        self.keepdims = bool(keepdims)
        self.axes = tuple(range(1, self.rank + 1))

    def build(self, input_shape):
        self._check_rank(input_shape, self.rank + 2)

    def compute_output_shape(self, input_shape):
        if self.keepdims:
            return (input_shape[0],) + (1,) * self.rank + (input_shape[-1],)
        return (input_shape[0], input_shape[-1])

    def _expand(self, dy):
        """``dy`` with the pooled axes restored as size 1, for broadcasting."""
        return dy if self.keepdims else dy.reshape((dy.shape[0],) + (1,) * self.rank + dy.shape[1:])

    def get_config(self):
        return {**super().get_config(), "data_format": "channels_last", "keepdims": self.keepdims}


class GlobalAveragePooling(BaseGlobalPooling):
    """The mean over the pooled axes; with a mask (1D), the mean over the unmasked steps only."""

    supports_masking = True

    def forward(self, x, training=False, mask=None):
        if mask is None:
            y = x.mean(axis=self.axes, keepdims=self.keepdims)
            weights = None
        else:
            weights = mask.astype(x.dtype)[..., None]
            counts = weights.sum(axis=1, keepdims=True)
            weights = weights / np.maximum(counts, 1)
            y = (x * weights).sum(axis=1, keepdims=self.keepdims)
        if training:
            self._shape, self._step_weights = x.shape, weights
        return y

    def compute_mask(self, inputs, mask=None):
        return None

    def backward(self, dy, input_gradient=True):
        if self._step_weights is not None:
            return self._expand(dy) * self._step_weights
        count = np.prod([self._shape[a] for a in self.axes])
        return np.broadcast_to(self._expand(dy) / np.asarray(count, dy.dtype), self._shape).copy()


class GlobalMaxPooling(BaseGlobalPooling):
    """The maximum over the pooled axes. Its gradient is shared equally among the positions that
    hold the maximum, as Keras's ``max`` reduction does (unlike windowed max pooling, which routes
    it to the first): padded sequences tie often."""

    def forward(self, x, training=False):
        n, c = x.shape[0], x.shape[-1]
        flat = x.reshape(n, -1, c)
        y = flat.max(axis=1)
        if training:
            self._shape, self._flat, self._max = x.shape, flat, y
        return y.reshape(self.compute_output_shape(x.shape)) if self.keepdims else y

    def backward(self, dy, input_gradient=True):
        n, c = self._max.shape
        ties = self._flat == self._max[:, None, :]
        share = dy.reshape(n, c) / ties.sum(axis=1, dtype=dy.dtype)
        return (ties * share[:, None, :]).reshape(self._shape)


class GlobalAveragePooling1D(GlobalAveragePooling):
    """Mean over steps of (batch, steps, channels); honours an Embedding's ``mask_zero`` mask."""

    rank = 1


class GlobalAveragePooling2D(GlobalAveragePooling):
    """Mean over height and width of (batch, height, width, channels)."""

    rank = 2
    supports_masking = False


class GlobalAveragePooling3D(GlobalAveragePooling):
    """Mean over depth, height and width of (batch, depth, height, width, channels)."""

    rank = 3
    supports_masking = False


class GlobalMaxPooling1D(GlobalMaxPooling):
    """Maximum over steps of (batch, steps, channels)."""

    rank = 1


class GlobalMaxPooling2D(GlobalMaxPooling):
    """Maximum over height and width of (batch, height, width, channels)."""

    rank = 2


class GlobalMaxPooling3D(GlobalMaxPooling):
    """Maximum over depth, height and width of (batch, depth, height, width, channels)."""

    rank = 3
