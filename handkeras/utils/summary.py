"""``model.summary()``: Keras 3's table of layers, output shapes and parameter counts, then its totals.

Keras draws the table with the ``rich`` library; this module draws the same characters itself, with
rich's rules for the column widths (the ``positions`` of Keras, plus one space of padding each side,
shrunk evenly to fit ``line_length``), for wrapping a cell at spaces, and for cutting a word that
does not fit its column with an ellipsis. The default width is Keras's: 88 columns (100 with
``show_trainable``), at most the terminal's width less 4; a wider ``line_length`` is cropped at the
terminal's width (80 columns when the output is not a terminal), as rich crops it.
"""

import re
import shutil

import numpy as np

from handkeras.interactive_logging import is_interactive_logging_enabled, log_text

_SEQUENTIAL_POSITIONS = (0.45, 0.80, 1.0)
_PADDING = 1  # spaces each side of a cell


def print_summary(model, line_length=None, positions=None, print_fn=None, expand_nested=False,
                  show_trainable=False, layer_range=None):
    """Print the summary; with ``print_fn``, hand it the whole text in one call, as Keras does
    (as also without it when interactive logging is disabled: one record of the "keras" logger)."""
    header = ["Layer (type)", "Output Shape", "Param #"]
    justify = ["left", "left", "right"]
    positions = list(positions or _SEQUENTIAL_POSITIONS)
    default_length = 88
    if show_trainable:
        default_length += 12
        positions = [p * 0.90 for p in positions] + [1.0]
        header.append("Trainable")
        justify.append("center")
    console_width = shutil.get_terminal_size().columns
    line_length = line_length or min(default_length, console_width - 4)
    widths = _column_widths(line_length, positions)

    start, stop = _layer_bounds(model.layers, layer_range)
    rows = []
    shapes = layer_shapes(model.layers[:stop], model._build_input_shape)
    for layer, shape, output in shapes[start:]:
        rows += _layer_rows(layer, shape, output, 0, expand_nested, show_trainable)

    table = [line[:console_width] for line in _table(header, rows, widths, justify)]
    lines = [f'Model: "{model.name}"'] + table
    lines += [f" {label} params: {count:,} ({_readable_size(size)})"
              for label, count, size in _totals(model)]
    text = "\n".join(lines) + "\n"
    if print_fn is None and not is_interactive_logging_enabled():
        log_text(text)
    elif print_fn is None:
        print(text, end="")
    else:
        print_fn(text)


def _column_widths(line_length, positions):
    """Keras's column widths (``positions`` are fractions of the line), then rich's: padding
    added, then all shrunk evenly to fit."""
    widths, current = [], 0
    for position in positions:
        width = int(position * line_length) - current
        if width < 4:
            raise ValueError("Insufficient console width to print summary.")
        widths.append(width + 2 * _PADDING)
        current += width
    excess = sum(widths) - (line_length - len(widths) - 1)  # less the borders
    if excess > 0:
        widths = _reduce_evenly(excess, widths)
    return [width - 2 * _PADDING for width in widths]


def _reduce_evenly(excess, widths):
    """rich's ``ratio_reduce`` with equal ratios: each column in turn gives its rounded share of
    what is left to take."""
    reduced, left, columns = [], excess, len(widths)
    for width in widths:
        share = min(width, round(left / columns))
        reduced.append(width - share)
        left -= share
        columns -= 1
    return reduced


def _layer_bounds(layers, layer_range):
    """The slice of ``layers`` that ``layer_range`` (two name patterns, ``re.match``ed) covers."""
    if layer_range is None:
        return 0, len(layers)
    if len(layer_range) != 2 or not all(isinstance(name, str) for name in layer_range):
        raise ValueError(
            "`layer_range` must be a list or tuple of two layer names (strings), received "
            f"{layer_range!r}."
        )
    first = [i for i, layer in enumerate(layers) if re.match(layer_range[0], layer.name)]
    last = [i for i, layer in enumerate(layers) if re.match(layer_range[1], layer.name)]
    if not first or not last:
        raise ValueError(
            f"`layer_range` {list(layer_range)} matches no layer name: the layers are "
            f"{[layer.name for layer in layers]}."
        )
    if min(first) > max(last):
        return min(last), max(first) + 1
    return min(first), max(last) + 1


def _layer_rows(layer, input_shape, output_shape, level, expand_nested, show_trainable):
    """The layer's row (name, output shape, parameters, [trainable]), then its layers' rows when
    it is a model and ``expand_nested``."""
    prefix = "   " * level + "└ " if level else ""
    if layer.built:
        params = f"{layer.count_params():,}"
    else:  # Keras counts a layer it builds when created (no weights) as built: plain 0
        params = "0" if layer._keras_builds_at_init else "0 (unbuilt)"
    row = [f"{prefix}{layer.name} ({type(layer).__name__})", format_shape(output_shape), params]
    if show_trainable:
        row.append(("Y" if layer.trainable else "N") if layer.weights else "-")
    rows = [row]
    if expand_nested and getattr(layer, "layers", None):
        for inner, shape, output in layer_shapes(layer.layers, input_shape):
            rows += _layer_rows(inner, shape, output, level + 1, expand_nested, show_trainable)
    return rows


def layer_shapes(layers, input_shape):
    """``(layer, input shape, output shape)`` down ``layers`` from the model's ``input_shape``.

    Before the model is built (``input_shape`` None), a layer built on its own (by ``adapt``, a
    direct call or ``build``) shows the output for the shape it was built for, and the others
    None, as Keras shows them."""
    shapes = []
    for layer in layers:
        known = input_shape if input_shape is not None else (
            layer._build_input_shape if layer.built else None)
        output = None if known is None else layer.compute_output_shape(known)
        shapes.append((layer, known, output))
        input_shape = None if input_shape is None else output
    return shapes


def format_shape(shape):
    """Keras's form: ``(None, 26, 26, 32)``; ``?`` when it is not known yet."""
    if shape is None:
        return "?"
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


def _table(header, rows, widths, justify):
    """The lines of rich's table with a heavy head and a line between rows."""
    def border(left, fill, middle, right):
        return left + middle.join(fill * (w + 2 * _PADDING) for w in widths) + right

    lines = [border("┏", "━", "┳", "┓")]
    lines += _row_lines(header, widths, justify, "┃", bottom=True)
    lines.append(border("┡", "━", "╇", "┩"))
    for i, row in enumerate(rows):
        if i:
            lines.append(border("├", "─", "┼", "┤"))
        lines += _row_lines(row, widths, justify, "│")
    lines.append(border("└", "─", "┴", "┘"))
    return lines


def _row_lines(cells, widths, justify, bar, bottom=False):
    """A row's lines; a cell shorter than the row sits at its top (at its bottom in the header)."""
    wrapped = [_wrap(cell, width) for cell, width in zip(cells, widths)]
    height = max(len(cell) for cell in wrapped)
    if bottom:
        wrapped = [[""] * (height - len(cell)) + cell for cell in wrapped]
    lines = []
    for k in range(height):
        parts = [_align(cell[k] if k < len(cell) else "", width, how)
                 for cell, width, how in zip(wrapped, widths, justify)]
        pad = " " * _PADDING
        lines.append(bar + bar.join(pad + part + pad for part in parts) + bar)
    return lines


def _wrap(text, width):
    """``text`` in lines of at most ``width``, broken at spaces; a word longer than a line is cut,
    its last character an ellipsis."""
    lines, line = [], ""
    for word in re.findall(r"\s*\S+", text):
        if line and len(line) + len(word) > width:
            lines.append(line)
            word = word.lstrip()
            line = ""
        line += word
    lines.append(line)
    return [line if len(line) <= width else line[:width - 1] + "…" for line in lines]


def _align(text, width, how):
    space = width - len(text)
    if how == "right":
        return " " * space + text
    if how == "center":
        return " " * (space // 2) + text + " " * (space - space // 2)
    return text + " " * space


def _totals(model):
    """``(label, count, bytes)`` of Keras's totals: all parameters, trainable, non-trainable and,
    once the optimizer has made its variables, the optimizer's. Before the model is built, the
    layers already built count, as in Keras."""
    groups = [("Trainable", model.trainable_weights),
              ("Non-trainable", model.non_trainable_weights)]
    optimizer = getattr(model, "optimizer", None)
    if getattr(model, "compiled", False) and optimizer is not None and optimizer.built:
        groups.append(("Optimizer", optimizer.variables))
    sizes = [(label, sum(int(np.size(w)) for w in weights),
              sum(np.asarray(w).nbytes for w in weights)) for label, weights in groups]
    total = ("Total", sum(count for _, count, _ in sizes), sum(size for _, _, size in sizes))
    return [total] + sizes


def _readable_size(size):
    """Keras's byte sizes: ``3.04 KB``, ``256.00 B``."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1024:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"
