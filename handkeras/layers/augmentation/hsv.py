"""RGB to HSV and back, as Keras's torch backend converts (dm_pix's formulas), with the input
gradient of each conversion, for RandomSaturation and RandomHue (channels-last batches).

Where two channels tie for the largest (or smallest) value, the gradient of that maximum is
shared half and half between them, as torch's ``maximum`` shares it.
"""

import numpy as np


def _maximum(a, b):
    """``max(a, b)`` and the share of its gradient going to ``a`` (torch's rule for ties)."""
    return np.maximum(a, b), np.where(a > b, 1.0, np.where(a == b, 0.5, 0.0))


def _minimum(a, b):
    return np.minimum(a, b), np.where(a < b, 1.0, np.where(a == b, 0.5, 0.0))


class RgbToHsv:
    """The HSV planes of RGB images (values below the dtype's epsilon taken as 0), and the
    gradient with respect to the images of a loss given its gradients with respect to them."""

    def __init__(self, images):
        eps = np.finfo(images.dtype).eps
        self.kept = np.abs(images) >= eps
        r, g, b = np.moveaxis(np.where(self.kept, images, 0), -1, 0)
        self.rgb = (r, g, b)
        rg, self.r_in_rg = _maximum(r, g)
        value, self.rg_in_value = _maximum(rg, b)
        rg_low, self.r_in_rg_low = _minimum(r, g)
        minimum, self.rg_in_minimum = _minimum(rg_low, b)
        spread = value - minimum
        self.value, self.spread = value, spread
        self.positive = value > 0
        self.spread_positive = spread > 0
        safe_spread = np.where(self.spread_positive, spread, 1.0)
        norm = 1.0 / (6.0 * safe_spread)
        self.red_first = value == r
        self.green_first = (value == g) & ~self.red_first
        hue = np.where(value == g, norm * (b - r) + 2.0 / 6.0, norm * (r - g) + 4.0 / 6.0)
        hue = np.where(self.red_first, norm * (g - b), hue)
        hue = np.where(self.spread_positive, hue, 0.0) + (hue < 0.0)
        saturation = np.where(self.positive, spread / np.where(self.positive, value, 1.0), 0.0)
        self.hsv = np.stack([hue, saturation, value], axis=-1).astype(images.dtype)

    def backward(self, d_hsv):
        d_hue, d_saturation, d_value = np.moveaxis(d_hsv, -1, 0)
        r, g, b = self.rgb
        spread = np.where(self.spread_positive, self.spread, 1.0)
        d_hue = np.where(self.spread_positive, d_hue, 0.0) / (6.0 * spread)
        numerator = np.where(self.red_first, g - b, np.where(self.green_first, b - r, r - g))
        d_spread = -d_hue * numerator / spread
        d_r = np.where(self.red_first, 0.0, np.where(self.green_first, -d_hue, d_hue))
        d_g = np.where(self.red_first, d_hue, np.where(self.green_first, 0.0, -d_hue))
        d_b = np.where(self.red_first, -d_hue, np.where(self.green_first, d_hue, 0.0))
        value = np.where(self.positive, self.value, 1.0)
        d_saturation = np.where(self.positive, d_saturation, 0.0)
        d_spread = d_spread + d_saturation / value
        d_value = d_value - d_saturation * self.spread / value ** 2 + d_spread
        d_minimum = -d_spread
        d_r = d_r + d_value * self.rg_in_value * self.r_in_rg \
            + d_minimum * self.rg_in_minimum * self.r_in_rg_low
        d_g = d_g + d_value * self.rg_in_value * (1 - self.r_in_rg) \
            + d_minimum * self.rg_in_minimum * (1 - self.r_in_rg_low)
        d_b = d_b + d_value * (1 - self.rg_in_value) + d_minimum * (1 - self.rg_in_minimum)
        return np.stack([d_r, d_g, d_b], axis=-1) * self.kept


class HsvToRgb:
    """The RGB images of HSV planes, and the gradient with respect to the planes."""

    def __init__(self, hsv):
        hue, saturation, value = np.moveaxis(hsv, -1, 0)
        sector = np.remainder(hue, 1.0) * 6.0
        self.offsets = (3.0, 2.0, 4.0)
        self.ramps = []  # per channel: its ramp, where the clip passes, the slope's sign
        for channel, offset in enumerate(self.offsets):
            distance = sector - offset
            raw = np.abs(distance) - 1.0 if channel == 0 else 2.0 - np.abs(distance)
            sign = np.sign(distance) if channel == 0 else -np.sign(distance)
            self.ramps.append((np.clip(raw, 0.0, 1.0), (raw >= 0) & (raw <= 1), sign))
        self.saturation, self.value = saturation, value
        self.rgb = np.stack([value * (1.0 - saturation + saturation * ramp)
                             for ramp, _, _ in self.ramps], axis=-1).astype(hsv.dtype)

    def backward(self, d_rgb):
        d_hue = d_saturation = d_value = 0.0
        for channel, (ramp, passed, sign) in enumerate(self.ramps):
            d = d_rgb[..., channel]
            d_value = d_value + d * (1.0 - self.saturation + self.saturation * ramp)
            d_saturation = d_saturation + d * self.value * (ramp - 1.0)
            d_hue = d_hue + d * self.value * self.saturation * passed * sign * 6.0
        return np.stack([d_hue, d_saturation, d_value], axis=-1)
