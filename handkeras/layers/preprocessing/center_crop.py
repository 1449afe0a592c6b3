"""CenterCrop: the centre ``height`` x ``width`` window of the images."""

from handkeras.layers.preprocessing.resampling import Resampling, aspect_ratio_crop
from handkeras.layers.preprocessing.resampling_layer import ResamplingLayer


class CenterCrop(ResamplingLayer):
    """Crops the centre ``height`` x ``width`` window of the images (its offsets rounded down), in
    training and inference alike. Images smaller than the window in height or width are instead
    cropped to its aspect ratio (the largest centred window) and resized to it, bilinearly: Keras's
    ``smart_resize``. The output is in the layer's float dtype, whatever the input's type."""

    def resampling(self, height, width):
        if height >= self.height and width >= self.width:
            window = ((height - self.height) // 2, (width - self.width) // 2, self.height,
                      self.width)
        else:
            window = aspect_ratio_crop(height, width, self.height, self.width)
        return Resampling((height, width), window, (self.height, self.width))
