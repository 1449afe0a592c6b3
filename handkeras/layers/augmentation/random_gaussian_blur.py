"""RandomGaussianBlur: blur some images with a Gaussian kernel of random width."""

import numbers

import numpy as np

from handkeras.layers.augmentation.image_augmentation import ImageAugmentation


class RandomGaussianBlur(ImageAugmentation):
    """In training, blurs each image chosen by a ``kernel_size`` Gaussian kernel (zero-padded at
    the edges), then clips every image to ``value_range``. The image is chosen when a uniform
    draw falls below a probability drawn in ``factor``; the kernel's standard deviations along the
    width and the height are drawn once per batch (as Keras draws them) in ``sigma``, plus
    ``1e-6``. A number ``f`` for ``factor`` or ``sigma`` is ``(0, f)``; bounds in ``[0, 1]``."""

    def __init__(self, factor=1.0, kernel_size=3, sigma=1.0, value_range=(0, 255),
                 data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = self._zero_based("factor", factor)
        self.kernel_size = self._checked_kernel_size(kernel_size)
        self.sigma = self._zero_based("sigma", sigma)
        self.value_range = self._checked_value_range(value_range)

    def _zero_based(self, argument, factor):
        lower, upper = self._checked_range(argument, factor, 0, 1)
        return (lower, upper) if isinstance(factor, (list, tuple)) else (0, upper)

    def _checked_kernel_size(self, kernel_size):
        """``(size, size)``: one odd size (Keras's torch backend pads both axes by the first
        size's half, so that two different sizes do not blur as asked; they are refused)."""
        sizes = list(kernel_size) if isinstance(kernel_size, (list, tuple)) else [kernel_size] * 2
        if not (len(sizes) == 2 and sizes[0] == sizes[1] and isinstance(sizes[0], numbers.Integral)
                and not isinstance(sizes[0], bool) and sizes[0] > 0 and sizes[0] % 2 == 1):
            raise ValueError(f"{self._label}: `kernel_size` must be an odd positive integer (or "
                             f"a pair of two equal ones), received kernel_size={kernel_size!r}.")
        return tuple(sizes)

    def draw(self, shape, rng):
        """``(chosen, sigmas)``: the images blurred, and the standard deviations along the width
        and the height."""
        probabilities = rng.uniform(self.factor[0], self.factor[1], shape[0])
        chosen = rng.uniform(size=shape[0]) < probabilities
        return chosen, rng.uniform(self.sigma[0], self.sigma[1], 2) + 1e-6

    def transform(self, images, parameters):
        chosen, (sigma_x, sigma_y) = parameters
        size = self.kernel_size[0]
        self._kernels = (_gaussian(size, sigma_y, images.dtype),
                         _gaussian(size, sigma_x, images.dtype))
        self._chosen = chosen[:, None, None, None]
        out = np.where(self._chosen, _blurred(images, self._kernels), images)
        self._inside = (out >= self.value_range[0]) & (out <= self.value_range[1])
        return np.clip(out, *self.value_range)

    def transform_backward(self, dy, input_shape):
        """The blur is its own transpose (a symmetric kernel, zero padding)."""
        dy = dy * self._inside
        return np.where(self._chosen, _blurred(dy, self._kernels), dy)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "kernel_size": self.kernel_size,
                "sigma": self.sigma, "value_range": self.value_range, "seed": self.seed}


def _gaussian(size, sigma, dtype):
    """The normalized 1-D Gaussian over ``size`` taps centred on the middle one."""
    offsets = np.arange(size) - (size - 1) / 2
    kernel = np.exp(-0.5 * (offsets / sigma) ** 2)
    return (kernel / kernel.sum()).astype(dtype)


def _blurred(images, kernels):
    """The images correlated with ``outer(rows kernel, columns kernel)``, zero-padded."""
    for axis, kernel in zip((1, 2), kernels):
        half = len(kernel) // 2
        padding = [(0, 0)] * 4
        padding[axis] = (half, half)
        padded = np.pad(images, padding)
        length = images.shape[axis]
        images = sum(weight * np.take(padded, np.arange(k, k + length), axis=axis)
                     for k, weight in enumerate(kernel))
    return images
