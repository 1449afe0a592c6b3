"""A worker process for one framework that brings its own thread pool (PyTorch, or Keras on one
backend): ``python -m benchmarks.worker SPEC_JSON OUT_PATH``.

Running each of them in its own process keeps their threads from competing with numpy's in the main
process, and lets each Keras backend be chosen (``KERAS_BACKEND``) before keras is imported. The
worker loads the same data as the main process and writes its measurements to ``OUT_PATH`` as JSON.
"""

import importlib
import json
import os
import sys

from benchmarks import cases as cases_module
from benchmarks import data as data_module
from benchmarks.timing import result


def modules(framework):
    """The benchmark module for ``framework`` (``torch`` or ``keras-<backend>``), imported after
    ``KERAS_BACKEND`` is set."""
    if framework == cases_module.TORCH:
        return importlib.import_module("benchmarks.torch_bench")
    os.environ["KERAS_BACKEND"] = framework.split("-", 1)[1]
    return importlib.import_module("benchmarks.keras_bench")


def run(spec):
    framework = spec["framework"]
    bench = modules(framework)
    bench.setup(spec["threads"])
    by_name = {case.name: case for case in cases_module.CASES}
    records, datasets = [], {}

    def dataset(case, rows):
        key = (case.data, rows)
        if key not in datasets:
            datasets[key] = data_module.load(case.data, rows)
        return datasets[key]

    for kind, names, measure in (("train", spec["train"], bench.train),
                                 ("predict", spec["predict"], bench.predict)):
        for name in names:
            case = by_name[name]
            rows = case.rows_for(framework if kind == "train" else "predict", spec["quick"])
            seconds = measure(case, dataset(case, rows), rows, spec["repeats"])
            batch = case.batch if kind == "train" else cases_module.PREDICT_BATCH
            records.append(result(framework, case, seconds, rows, batch, kind))
            print(f"  {framework:<16} {kind:<7} {name:<20} {records[-1]['seconds']:8.3f} s",
                  file=sys.stderr, flush=True)
    return records


if __name__ == "__main__":
    spec_json, out_path = sys.argv[1:3]
    with open(out_path, "w") as out:
        json.dump(run(json.loads(spec_json)), out)
