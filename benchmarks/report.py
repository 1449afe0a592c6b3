"""The results of a run as ratios, text/Markdown tables and JSON.

The same Markdown is printed on the terminal and written with ``--markdown``; ``--json`` writes the
raw records, which carry the same numbers as the tables.
"""

import json
import os
import statistics

from benchmarks.cases import (EPOCH_ROWS, FIT, FIT_VERBOSE, FRAMEWORKS, LABELS, MATMULS, NUMPY,
                              OPTIONAL)

MATMULS_ON_DATA = "matmuls-data"
PREDICT_COLUMNS = (MATMULS, MATMULS_ON_DATA, "handkeras") + OPTIONAL
PREDICT_LABELS = {**LABELS, MATMULS: "matmuls only", MATMULS_ON_DATA: "matmuls on the data",
                  "handkeras": "handkeras predict", "torch": "PyTorch (inference mode)"}
MARKER_BEGIN = "<!-- benchmark-results:begin -->"
MARKER_END = "<!-- benchmark-results:end -->"


def add_ratios(records):
    """Set ``ratio_to_numpy`` and ``ratio_to_bound`` on each record, from its own case's baselines
    (``matmuls`` is the bound; predict records have no numpy loop, and also get
    ``ratio_to_data_bound``, over the products on the data's own rows)."""
    baselines = {(r["kind"], r["case"], r["framework"]): r["seconds"] for r in records}
    for r in records:
        numpy = baselines.get((r["kind"], r["case"], NUMPY))
        bound = baselines.get((r["kind"], r["case"], MATMULS))
        r["ratio_to_numpy"] = r["seconds"] / numpy if numpy else None
        r["ratio_to_bound"] = r["seconds"] / bound if bound else None
        if r["kind"] == "predict":
            data_bound = baselines.get((r["kind"], r["case"], MATMULS_ON_DATA))
            r["ratio_to_data_bound"] = r["seconds"] / data_bound if data_bound else None
    return records


def _seconds(value):
    return f"{value:.3f}" if value < 100 else f"{value:.1f}"


def _ratio(value):
    return f"{value:.2f}x"


def _microseconds(value):
    return f"{value:.1f}" if value < 100 else f"{value:,.0f}"


def table(headers, rows):
    """A Markdown table with padded columns (first column left-aligned, the others right)."""
    cells = [headers] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row):
        return "| " + " | ".join(c.ljust(w) if i == 0 else c.rjust(w)
                                 for i, (c, w) in enumerate(zip(row, widths))) + " |"

    rule = "|" + "|".join(("-" * (w + 1) + ":") if i else ("-" * (w + 2))
                          for i, w in enumerate(widths)) + "|"
    return "\n".join([line(cells[0]), rule] + [line(row) for row in cells[1:]])


def _wide(records, columns, labels, field, fmt, first=("model", "batch")):
    """One row per case, one column per framework present, cells ``fmt(record[field])``."""
    present = [c for c in columns if any(r["framework"] == c for r in records)]
    cases = list(dict.fromkeys(r["case"] for r in records))
    by_key = {(r["case"], r["framework"]): r for r in records}
    rows = []
    for case in cases:
        sample = next(r for r in records if r["case"] == case)
        cells = [sample[key] for key in first]
        for column in present:
            record = by_key.get((case, column))
            value = record and record.get(field)
            cells.append("-" if value is None else fmt(value))
        rows.append(cells)
    return table(list(first) + [labels[c] for c in present], rows)


def _progress_bar_cost(training):
    """``"784-128-10@32 +1.2%, ..."``: what verbose=1 adds to verbose=0, case by case: the median
    over the interleaved rounds of the ratio of the two runs of a round, which ran back to back (a
    ratio of the two bests would compare runs from different moments of a noisy machine)."""
    records = {(r["case"], r["framework"]): r for r in training}
    costs = []
    for case in dict.fromkeys(r["case"] for r in training):
        plain, verbose = records.get((case, FIT)), records.get((case, FIT_VERBOSE))
        if plain and verbose:
            ratios = [v / p for p, v in zip(plain["rounds"], verbose["rounds"])]
            percent = round(100 * (statistics.median(ratios) - 1), 1) + 0.0  # no "-0.0"
            costs.append(f"{case} {percent:+.1f}%")
    return ("The progress bar (verbose=1 over verbose=0, the median over the rounds of the ratio "
            "of each round's two runs): " + ", ".join(costs) + ".") if costs else ""


def _memory_table(memory):
    rows = [[m["epochs"], f"{m['rss_before_fit_mb']:.1f}", f"{m['peak_rss_mb']:.1f}",
             f"{m['fit_traced_peak_mb']:.1f}"] for m in memory]
    text = table(["epochs", "RSS before fit (MB)", "peak RSS during fit (MB)",
                  "fit's peak allocation, tracemalloc (MB)"], rows)
    first, last = memory[0], memory[-1]
    text += (
        f"\n\n{first['case']} on {first['rows']:,} rows: data {first['data_mb']:.1f} MB, weights "
        f"{first['weights_mb']:.2f} MB. From {first['epochs']} to {last['epochs']} epochs the peak "
        f"RSS grows by {last['peak_rss_mb'] - first['peak_rss_mb']:+.1f} MB and the traced peak by "
        f"{last['fit_traced_peak_mb'] - first['fit_traced_peak_mb']:+.1f} MB "
        f"(peak RSS from {first['peak_rss_source']}).")
    return text


def _scaling_notes(records, quick):
    if quick:
        return ["Quick mode: every figure is timed on a few hundred rows and scaled to an epoch of "
                f"{EPOCH_ROWS:,} rows; it only shows that the suite runs."]
    notes = []
    for kind in ("train", "predict"):
        for case in dict.fromkeys(r["case"] for r in records if r["kind"] == kind):
            scaled = [r for r in records if r["kind"] == kind and r["case"] == case and r["scaled"]]
            for rows in sorted({r["rows_timed"] for r in scaled}):
                labels = LABELS if kind == "train" else PREDICT_LABELS
                names = [labels[r["framework"]] for r in scaled if r["rows_timed"] == rows]
                notes.append(f"{case} ({kind}): {', '.join(names)} timed on {rows:,} rows and "
                             f"scaled to {EPOCH_ROWS:,}.")
    return notes


def markdown(results):
    """The whole report as Markdown: setup, machine, tables and notes."""
    meta, machine = results["meta"], results["machine"]
    lines = [
        f"Run {meta['started']}, best of {meta['repeats']}"
        + (" (quick mode)" if meta["quick"] else "") + ".",
        "",
        f"- Machine: {machine['cpu']}, {machine['cores']} cores; {machine['platform']}",
        f"- Python {machine['python']}, numpy {machine['numpy']} with {machine['blas']} "
        f"({machine['blas_threads']} threads, from {machine['blas_threads_source']})",
        "- Frameworks: " + "; ".join(results["frameworks"]),
        "- Data: " + "; ".join(results["data"]),
        f"- Training: one epoch of {EPOCH_ROWS:,} rows, float32, softmax + cross-entropy, plain SGD "
        f"(learning rate {meta['learning_rate']}), shuffled every epoch. The fit columns time a whole "
        "`fit(..., epochs=1)` call, setup included; verbose=1 draws its progress bar into the null "
        "device.",
    ]
    training = results["training"]
    if training:
        cost = _progress_bar_cost(training)
        lines += ["", "### Training: seconds per epoch", "",
                  _wide(training, FRAMEWORKS, LABELS, "seconds", _seconds),
                  "", "### Ratio to the hand-written numpy loop", "",
                  _wide(training, FRAMEWORKS, LABELS, "ratio_to_numpy", _ratio)]
        lines += ["", cost] if cost else []
        lines += ["", "### Ratio to the matmuls-only bound", "",
                  _wide(training, FRAMEWORKS, LABELS, "ratio_to_bound", _ratio),
                  "", "### Microseconds per step", "",
                  _wide(training, FRAMEWORKS, LABELS, "us_per_step", _microseconds)]
    predict = results["predict"]
    if predict:
        lines += ["", f"### Predict: seconds for {EPOCH_ROWS:,} rows at batch "
                      f"{meta['predict_batch']}", "",
                  _wide(predict, PREDICT_COLUMNS, PREDICT_LABELS, "seconds", _seconds,
                        first=("model",)),
                  "", "### Predict: ratio to the matmuls-only bound", "",
                  _wide(predict, PREDICT_COLUMNS, PREDICT_LABELS, "ratio_to_bound", _ratio,
                        first=("model",)),
                  "", "The bound multiplies one synthetic batch, which stays in the cache; the "
                      "products on the data read each batch of the data from memory, as predict "
                      "must. Ratio to those:", "",
                  _wide(predict, PREDICT_COLUMNS, PREDICT_LABELS, "ratio_to_data_bound", _ratio,
                        first=("model",))]
    if results["memory"]:
        lines += ["", "### Memory of handkeras fit", "", _memory_table(results["memory"])]
    notes = _scaling_notes(training + predict, meta["quick"]) + results["notes"]
    if notes:
        lines += ["", "Notes:", ""] + [f"- {note}" for note in notes]
    return "\n".join(lines) + "\n"


def write_markdown(path, text):
    """Write ``text`` to ``path``; in a file that holds the result markers, replace only what lies
    between them (how docs/performance.md is refreshed)."""
    if os.path.exists(path):
        with open(path) as f:
            current = f.read()
        if MARKER_BEGIN in current and MARKER_END in current:
            head, rest = current.split(MARKER_BEGIN, 1)
            _, tail = rest.split(MARKER_END, 1)
            text = f"{head}{MARKER_BEGIN}\n{text}{MARKER_END}{tail}"
    with open(path, "w") as f:
        f.write(text)


def write_json(path, results):
    with open(path, "w") as f:
        json.dump(results, f, indent=2)
        f.write("\n")
