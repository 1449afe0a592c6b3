"""The arguments every convolution checks alike (Conv1D/2D/3D, their transposes, the depthwise and
separable convolutions), with the same errors naming the layer."""

from handkeras.layers.convolutional import im2col

SPATIAL_AXES = {1: "length", 2: "height, width", 3: "depth, height, width"}


def set_conv_arguments(layer, filters, kernel_size, strides, padding, data_format, dilation_rate,
                       paddings=("valid", "same")):
    """Check the arguments and set ``filters``, ``kernel_size``, ``strides``, ``dilation_rate``
    (tuples of ``layer.rank`` ints) and ``padding`` (one of ``paddings``) on ``layer``; as in
    Keras's Conv layers, ``strides`` and ``dilation_rate`` cannot both exceed 1."""
    filters = layer._checked_positive_int("filters", filters)
    set_window_arguments(layer, kernel_size, strides, padding, data_format, dilation_rate,
                         paddings)
    if max(layer.strides) > 1 and max(layer.dilation_rate) > 1:
        raise ValueError(f"{type(layer).__name__} '{layer.name}': `strides` > 1 is not compatible "
                         f"with `dilation_rate` > 1, received {layer.strides} and "
                         f"{layer.dilation_rate}.")
    layer.filters = filters


def set_window_arguments(layer, kernel_size, strides, padding, data_format, dilation_rate,
                         paddings=("valid", "same")):
    """Check the arguments of a convolution's window and set ``kernel_size``, ``strides``,
    ``dilation_rate`` (tuples of ``layer.rank`` ints) and ``padding`` (one of ``paddings``) on
    ``layer``."""
    kind = f"{type(layer).__name__} '{layer.name}'"
    if data_format not in (None, "channels_last"):
        raise ValueError(f"{kind}: only `data_format='channels_last'` is supported, received "
                         f"{data_format!r}.")
    padding = padding.lower() if isinstance(padding, str) else padding
    if padding not in paddings:
        raise ValueError(f"{kind}: `padding` must be one of {list(paddings)}, received "
                         f"{padding!r}.")
    layer.kernel_size = im2col.normalize_tuple(kernel_size, layer.rank, "kernel_size", layer.name)
    layer.strides = im2col.normalize_tuple(strides, layer.rank, "strides", layer.name)
    layer.dilation_rate = im2col.normalize_tuple(dilation_rate, layer.rank, "dilation_rate",
                                                 layer.name)
    layer.padding = padding


def check_input_shape(layer, input_shape):
    """A ValueError naming ``layer`` unless ``input_shape`` is ``(batch, spatial..., channels)``
    with ``layer.rank`` spatial axes and known channels."""
    if len(input_shape) != layer.rank + 2 or input_shape[-1] is None:
        raise ValueError(
            f"{type(layer).__name__} '{layer.name}' expects inputs of rank {layer.rank + 2} "
            f"(batch, {SPATIAL_AXES[layer.rank]}, channels) with known "
            f"channels, received shape {tuple(input_shape)}."
        )
