"""Memory of ``fit``: the peak must not grow with the number of epochs.

``python -m benchmarks.memory CASE ROWS EPOCHS OUT_PATH`` runs one handkeras fit in a fresh process and
writes, in MB: the resident size before the fit (interpreter, libraries, data, model), the peak resident
size during the fit (the kernel's high-water mark, reset just before the fit where Linux allows, else
the process's ``ru_maxrss``), and tracemalloc's peak of the memory allocated during the fit. The
main process runs it for 1 and for 5 epochs and reports the difference.
"""

import json
import resource
import sys
import tracemalloc

from benchmarks import cases as cases_module
from benchmarks import data as data_module
from benchmarks.inprocess import handkeras_model

MB = 1024 * 1024
CASE = "784-128-10@32"          # the most steps per epoch of the Fashion-MNIST rows
EPOCHS = (1, 5)


def _status_kb(field):
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_peak_rss():
    """Reset the kernel's resident high-water mark (Linux); False where that is not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def probe(case, rows, epochs):
    dataset = data_module.load(case.data, rows)
    model = handkeras_model(case.units)
    model.build((None, case.units[0]))
    weights = sum(w.numpy().nbytes for w in model.weights)
    rss_before = _status_kb("VmRSS")
    peak_reset = _reset_peak_rss()
    tracemalloc.start()
    model.fit(dataset.x, dataset.y, batch_size=case.batch, epochs=epochs, verbose=0)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    peak_kb = _status_kb("VmHWM") if peak_reset else None
    if peak_kb is None:   # ru_maxrss is in kB on Linux, bytes on macOS
        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        peak_kb //= 1024 if sys.platform == "darwin" else 1
    return {
        "case": case.name,
        "rows": rows,
        "epochs": epochs,
        "data_mb": (dataset.x.nbytes + dataset.y.nbytes) / MB,
        "weights_mb": weights / MB,
        "rss_before_fit_mb": (rss_before or 0) / 1024,
        "peak_rss_mb": peak_kb / 1024,
        "peak_rss_source": "VmHWM (reset before fit)" if peak_reset else "ru_maxrss",
        "fit_traced_peak_mb": traced_peak / MB,
    }


if __name__ == "__main__":
    name, rows, epochs, out_path = sys.argv[1:5]
    case = {c.name: c for c in cases_module.CASES}[name]
    with open(out_path, "w") as out:
        json.dump(probe(case, int(rows), int(epochs)), out)
