"""``plot_model``: Keras's picture of a model, drawn with matplotlib instead of pydot and graphviz.

Keras renders each layer as a table (a black header with the class, and the layer's name when asked;
a row with its activation; a row of cells with its shapes, output dtype and whether it trains) and
joins them with arrows, through graphviz. A Sequential model is a chain, so the layout is simple
enough to do here: boxes one after another, top to bottom (``rankdir="TB"``) or left to right
(``"LR"``), a nested model drawn as one box or, with ``expand_nested``, as a dashed frame around
its own layers. The labels are Keras's, word for word; the file is whatever format its extension
names among those matplotlib writes.
"""

import os

from handkeras.utils.summary import format_shape, layer_shapes

_HEADER_SIZE, _ROW_SIZE = 16, 14  # Keras's point sizes
_PAD = 10  # points around each cell's text (Keras's cellpadding)
_GAP = 36  # points between two boxes, where the arrow runs
_FRAME = 12  # points between a nested model's frame and its boxes
_DIRECTIONS = ("TB", "BT", "LR", "RL")


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False,
               show_layer_names=False, rankdir="TB", expand_nested=False, dpi=200,
               show_layer_activations=False, show_trainable=False, splines="ortho", **kwargs):
    """Draw ``model`` into ``to_file`` (PNG unless its extension names another format).

    Returns an ``IPython.display.Image`` of the file where IPython is installed (not for PDF), as
    Keras does, else None. ``splines`` is accepted for Keras's signature: a chain's arrows are
    straight.
    """
    if not model.built:
        raise ValueError(
            "This model has not yet been built. Build the model first by calling `build()` or by "
            "calling the model on a batch of data."
        )
    if kwargs.pop("layer_range", None) is not None:
        raise ValueError("Argument `layer_range` is no longer supported.")
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments: {kwargs}")
    if rankdir not in _DIRECTIONS:
        raise ValueError(
            f"plot_model: `rankdir` must be one of {_DIRECTIONS}, received {rankdir!r}."
        )
    to_file = str(to_file)
    extension = os.path.splitext(to_file)[1][1:].lower() or "png"
    from matplotlib.figure import Figure

    formats = Figure().canvas.get_supported_filetypes()
    if extension not in formats:
        raise ValueError(
            f"plot_model: cannot write {to_file!r}: matplotlib writes {sorted(formats)}, not "
            f"{extension!r}."
        )
    options = {"show_shapes": show_shapes, "show_dtype": show_dtype,
               "show_layer_names": show_layer_names,
               "show_layer_activations": show_layer_activations,
               "show_trainable": show_trainable}
    figure = draw_model(model, rankdir, expand_nested, **options)
    figure.savefig(to_file, format=extension, dpi=dpi)
    if extension != "pdf":
        try:
            from IPython import display
        except ImportError:
            return None
        return display.Image(filename=to_file)
    return None


def layer_label(layer, input_shape, output_shape, show_shapes=False, show_dtype=False,
                show_layer_names=False, show_layer_activations=False, show_trainable=False):
    """``(header, activation row or None, cells)`` of a layer's box, each cell ``(text, colour)``
    (the colour of its background)."""
    kind = type(layer).__name__
    header = f"{layer.name} ({kind})" if show_layer_names else kind
    activation = getattr(layer, "activation", None)
    activation_row = None
    if show_layer_activations and activation is not None:
        name = getattr(activation, "name", None) or getattr(activation, "__name__", None)
        activation_row = f"Activation: {name or activation}"
    cells = []
    if show_shapes:
        cells.append((f"Input shape: {format_shape(input_shape)}", "white"))
        cells.append((f"Output shape: {format_shape(output_shape)}", "white"))
    if show_dtype:
        cells.append((f"Output dtype: {layer.dtype}", "white"))
    if show_trainable and layer.weights:
        cells.append(("Trainable", "forestgreen") if layer.trainable
                     else ("Non-trainable", "firebrick"))
    return header, activation_row, cells


def draw_model(model, rankdir="TB", expand_nested=False, **options):
    """The matplotlib ``Figure`` of ``plot_model`` (built without pyplot: no display needed)."""
    from matplotlib.figure import Figure

    # a model is drawn as its chain of layers, a lone layer as one box (Keras's "subclassed" case)
    layers, input_shape = ((model.layers, model._build_input_shape) if hasattr(model, "layers")
                           else ([model], None))
    vertical = rankdir in ("TB", "BT")
    boxes, frames, length = _layout(_items(layers, input_shape, expand_nested, options), vertical)
    breadth = max([box["size"][0 if vertical else 1] for box in boxes]
                  + [frame["breadth"] for frame in frames])
    width, height = (breadth, length) if vertical else (length, breadth)
    figure = Figure(figsize=((width + 2 * _PAD) / 72, (height + 2 * _PAD) / 72))  # 72 points/inch
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(-_PAD, width + _PAD)
    axes.set_ylim(height + _PAD, -_PAD)  # y grows downwards, as the chain is laid out
    axes.set_axis_off()
    flip = rankdir in ("BT", "RL")

    def rectangle(start, along, across):
        """``(x, y, width, height)`` of an item ``along`` long from ``start`` down the chain and
        ``across`` wide, centred across it."""
        position = length - start - along if flip else start
        offset = (breadth - across) / 2
        return (offset, position, across, along) if vertical else (position, offset, along, across)

    for frame in frames:
        _draw_frame(axes, *rectangle(frame["start"], frame["length"], frame["breadth"]),
                    frame["name"])
    previous = None
    for box in boxes:
        width, height = box["size"]
        current = (rectangle(box["start"], height, width) if vertical
                   else rectangle(box["start"], width, height))
        _draw_box(axes, *current[:3], box["label"], box["widths"])
        if previous is not None:
            _draw_arrow(axes, previous, current, vertical, flip)
        previous = current
    return figure


def _items(layers, input_shape, expand_nested, options):
    """The chain as a flat list: ``("box", label)``, and ``("open", name)`` / ``("close", name)``
    around the layers of a nested model drawn expanded."""
    items = []
    for layer, known, output in layer_shapes(layers, input_shape):
        inner = getattr(layer, "layers", None)
        if expand_nested and inner:
            items.append(("open", layer.name))
            items += _items(inner, known, expand_nested, options)
            items.append(("close", layer.name))
        else:
            items.append(("box", layer_label(layer, known, output, **options)))
    return items


def _layout(items, vertical):
    """Positions along the chain: boxes with their sizes (width, height) and column widths, and
    the frames of nested models, in drawing order (outer frames first)."""
    boxes, frames, open_frames, position = [], [], [], 0.0
    for kind, value in items:
        if kind == "open":
            label = _ROW_SIZE + _FRAME  # the frame's name, at its top left
            frame = {"name": value, "start": position, "breadth": 0.0, "label": label}
            open_frames.append(frame)
            frames.append(frame)
            position += _FRAME + (label if vertical else 0)
        elif kind == "close":
            frame = open_frames.pop()
            end = max(position - _GAP, frame["start"] + frame["label"]) + _FRAME
            frame["length"] = end - frame["start"]
            position = end + _GAP
        else:
            width, height, widths = _box_size(value)
            boxes.append({"label": value, "start": position, "size": (width, height),
                          "widths": widths})
            across = width if vertical else height
            for frame in reversed(open_frames):  # innermost first, each one around the last
                # across a left-to-right chain, the name needs room above the boxes (centred)
                across += 2 * (_FRAME + (0 if vertical else frame["label"]))
                frame["breadth"] = max(frame["breadth"], across)
            position += (height if vertical else width) + _GAP
    return boxes, frames, position - _GAP


def _box_size(label):
    """Width and height of a box in points, and the widths of its row of cells."""
    header, activation_row, cells = label
    rows = [(_text_width(header, _HEADER_SIZE, bold=True), _HEADER_SIZE)]
    if activation_row:
        rows.append((_text_width(activation_row, _ROW_SIZE), _ROW_SIZE))
    cell_widths = [_text_width(text, _ROW_SIZE) + 2 * _PAD for text, _ in cells]
    width = max([w + 2 * _PAD for w, _ in rows] + [sum(cell_widths)])
    if cells:  # the cells share out whatever the header leaves over
        extra = (width - sum(cell_widths)) / len(cells)
        cell_widths = [w + extra for w in cell_widths]
        rows.append((0, _ROW_SIZE))
    return width, sum(_row_height(size) for _, size in rows), cell_widths


def _row_height(size):
    return size + 2 * _PAD


def _text_width(text, size, bold=False):
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    width, _, _ = TextToPath().get_text_width_height_descent(
        text, FontProperties(size=size, weight="bold" if bold else "normal"), ismath=False)
    return width


def _draw_box(axes, x, y, width, label, cell_widths):
    from matplotlib.patches import Rectangle

    header, activation_row, cells = label
    rows = [(header, [(width, "black")], _HEADER_SIZE, "bold")]
    if activation_row:
        rows.append((activation_row, [(width, "white")], _ROW_SIZE, "normal"))
    if cells:
        rows.append((None, list(zip(cell_widths, (colour for _, colour in cells))), _ROW_SIZE,
                     "normal"))
    top = y
    for text, row_cells, size, weight in rows:
        height = _row_height(size)
        left = x
        texts = [text] if text is not None else [t for t, _ in cells]
        for (cell_width, colour), cell_text in zip(row_cells, texts):
            axes.add_patch(Rectangle((left, top), cell_width, height, facecolor=colour,
                                     edgecolor="black", linewidth=1))
            axes.text(left + cell_width / 2, top + height / 2, cell_text, fontsize=size,
                      fontweight=weight, ha="center", va="center", parse_math=False,
                      color="black" if colour == "white" else "white")
            left += cell_width
        top += height


def _draw_arrow(axes, previous, current, vertical, flip):
    from matplotlib.patches import FancyArrowPatch

    (x0, y0, w0, h0), (x1, y1, w1, h1) = previous, current
    if vertical:
        start, end = ((x0 + w0 / 2, y0 + h0), (x1 + w1 / 2, y1)) if not flip else \
            ((x0 + w0 / 2, y0), (x1 + w1 / 2, y1 + h1))
    else:
        start, end = ((x0 + w0, y0 + h0 / 2), (x1, y1 + h1 / 2)) if not flip else \
            ((x0, y0 + h0 / 2), (x1 + w1, y1 + h1 / 2))
    axes.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=14,
                                   color="black", linewidth=1))


def _draw_frame(axes, x, y, width, height, name):
    from matplotlib.patches import Rectangle

    axes.add_patch(Rectangle((x, y), width, height, fill=False, linestyle="--",
                             edgecolor="black", linewidth=1))
    axes.text(x + _FRAME, y + _FRAME / 2, name, fontsize=_ROW_SIZE, ha="left", va="top",
              parse_math=False)
