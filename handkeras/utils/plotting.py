"""``plot_history``: training curves with matplotlib, drawn without needing a display.

matplotlib is imported when a plot is drawn, not with handkeras: it takes about a third of a
second, which a script that never plots should not pay.
"""

import math


def plot_history(history, metrics=None, path=None):
    """One panel per metric with its ``val_`` twin, epochs on the x axis; returns the figure.

    ``history`` is a ``History`` (what ``fit`` returns) or its ``history`` dict. With ``path`` the figure
    is saved there. The figure is built without pyplot, so it works headless (Agg) and leaves no
    global figure state behind.
    """
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    logs = getattr(history, "history", history)
    epochs_run = list(getattr(history, "epoch", []) or [])
    names = list(metrics) if metrics else [key for key in logs if not key.startswith("val_")]
    if not names:
        raise ValueError("plot_history: the history is empty; train with `fit` first.")
    unknown = [name for name in names if name not in logs]
    if unknown:
        raise ValueError(f"plot_history: no such metric(s) {unknown}; the history has {list(logs)}.")
    columns = min(len(names), 3)
    rows = math.ceil(len(names) / columns)
    figure = Figure(figsize=(5 * columns, 3.6 * rows))
    axes = figure.subplots(rows, columns, squeeze=False)
    for axis, name in zip(axes.flat, names):
        for key in (name, "val_" + name):
            values = logs.get(key)
            if values is None:
                continue
            epochs = [e + 1 for e in epochs_run] if len(epochs_run) == len(values) else \
                list(range(1, len(values) + 1))
            axis.plot(epochs, values, marker="." if len(values) < 30 else None, label=key)
        axis.set_title(name)
        axis.set_xlabel("epoch")
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        axis.legend()
    for axis in list(axes.flat)[len(names):]:
        axis.set_visible(False)
    figure.tight_layout()
    if path is not None:
        figure.savefig(path)
    return figure
