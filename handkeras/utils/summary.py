"""``model.summary()``: a plain-text table of layers, output shapes and parameter counts."""

import numpy as np


def _format_shape(shape):
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + (",)" if len(shape) == 1 else ")")


def print_summary(model, line_length=None, positions=None, print_fn=None):
    """Keras's columns: ``Layer (type)``, ``Output Shape``, ``Param #``; then Keras's totals: trainable,
    non-trainable and (once the optimizer is built) optimizer parameters, with their sizes in bytes;
    the total counts all three."""
    print_fn = print_fn or print
    line_length = line_length or 65
    positions = positions or [0.45, 0.85, 1.0]
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]

    def row(fields):
        """One table row; every column but the last is cut to fit its width."""
        line = ""
        for field, end in zip(fields[:-1], positions):
            line = (line + str(field))[: end - 1].ljust(end)
        print_fn((line + str(fields[-1])).rstrip())

    print_fn(f'Model: "{model.name}"')
    print_fn("_" * line_length)
    row(["Layer (type)", "Output Shape", "Param #"])
    print_fn("=" * line_length)
    shape = model._build_input_shape
    for i, layer in enumerate(model.layers):
        if shape is not None:
            shape = layer.compute_output_shape(shape)
        params = layer.count_params() if layer.built else "0 (unbuilt)"
        row([f"{layer.name} ({type(layer).__name__})", "?" if shape is None else _format_shape(shape),
             params])
        if i < len(model.layers) - 1:
            print_fn("")
    print_fn("=" * line_length)
    if model.built:
        groups = {"Trainable": model.trainable_weights, "Non-trainable": model.non_trainable_weights}
        optimizer = getattr(model, "optimizer", None)
        if getattr(model, "compiled", False) and optimizer is not None and optimizer.built:
            groups["Optimizer"] = optimizer.variables
        sizes = {label: (sum(np.size(w) for w in weights), sum(np.asarray(w).nbytes for w in weights))
                 for label, weights in groups.items()}
        count, nbytes = (sum(values) for values in zip(*sizes.values()))
        print_fn(f"Total params: {count:,} ({_format_bytes(nbytes)})")
        for label, (count, nbytes) in sizes.items():
            print_fn(f"{label} params: {count:,} ({_format_bytes(nbytes)})")
    else:
        print_fn("Total params: unknown (the model is not built yet)")
    print_fn("_" * line_length)


def _format_bytes(nbytes):
    for unit in ("B", "KB", "MB", "GB"):
        if nbytes < 1024 or unit == "GB":
            return f"{nbytes:.2f} {unit}"
        nbytes /= 1024
