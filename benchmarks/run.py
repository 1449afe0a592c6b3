"""Run handkeras's benchmark suite: ``python benchmarks/run.py [--quick] [--repeats N] [--json PATH]
[--markdown PATH] [--only NAME ...]``.

For every (model, batch) case it times one epoch of handkeras ``fit`` (verbose 0 and 1), the
hand-written numpy loop, the matmuls-only bound and, when installed, PyTorch eager and Keras ``fit``
(each in a worker process), then ``predict`` at batch 1024 and the memory of ``fit`` over 1 and 5
epochs. It prints the tables and the ratios, and writes them as JSON or Markdown on request.
"""

import argparse
import datetime
import importlib.util
import json
import os
import subprocess
import sys
import tempfile

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if sys.path[0] != REPO_ROOT:      # run as a script: import this checkout's benchmarks and handkeras
    sys.path.insert(0, REPO_ROOT)

from benchmarks import cases as cases_module            # noqa: E402
from benchmarks import data as data_module              # noqa: E402
from benchmarks import inprocess, machine, memory, report  # noqa: E402
from benchmarks.cases import EPOCH_ROWS, LEARNING_RATE, PREDICT_BATCH  # noqa: E402
from benchmarks.timing import interleaved, result  # noqa: E402

WORKER_TIMEOUT = 3600


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="a few hundred rows per case and 1 repeat: checks the suite runs")
    parser.add_argument("--repeats", type=int, default=None,
                        help="runs per measurement, the fastest is kept (default 3; 1 with --quick)")
    parser.add_argument("--json", metavar="PATH", help="write the records as JSON")
    parser.add_argument("--markdown", metavar="PATH",
                        help="write the report as Markdown (in a file holding the "
                             "benchmark-results markers, only between them)")
    parser.add_argument("--only", metavar="NAME", action="append",
                        help="repeatable: a case pattern (784-128-10, @32, 4-16-8-3@4), a column "
                             "(matmuls, numpy, fit, fit-verbose, torch, keras, keras-torch, ...) or "
                             "a section (predict, memory); see benchmarks/README.md")
    args = parser.parse_args(argv)
    if args.repeats is None:
        args.repeats = 1 if args.quick else 3
    if args.repeats < 1:
        parser.error(f"--repeats must be at least 1, received {args.repeats}")
    try:
        args.selection = cases_module.select(args.only)
    except ValueError as error:
        parser.error(str(error))
    return args


def progress(framework, kind, case, seconds):
    print(f"  {framework:<16} {kind:<7} {case:<20} {seconds:8.3f} s", file=sys.stderr, flush=True)


class Datasets:
    """The datasets of a run, loaded once per (kind, rows)."""

    def __init__(self):
        self._loaded = {}

    def get(self, kind, rows):
        if (kind, rows) not in self._loaded:
            self._loaded[(kind, rows)] = data_module.load(kind, rows)
        return self._loaded[(kind, rows)]

    def descriptions(self):
        largest = {}
        for (kind, rows), dataset in self._loaded.items():
            if rows >= largest.get(kind, (0, None))[0]:
                largest[kind] = (rows, dataset.description)
        return [description for _, description in largest.values()]


def installed(framework):
    """Whether ``framework`` (``torch`` or ``keras-<backend>``) can run, else why not."""
    if framework == cases_module.TORCH:
        return (True, "") if importlib.util.find_spec("torch") else (False, "PyTorch: not installed.")
    backend = framework.split("-", 1)[1]
    label = cases_module.LABELS[framework]
    if importlib.util.find_spec("keras") is None:
        return False, f"{label}: keras not installed."
    if importlib.util.find_spec(backend) is None:
        return False, f"{label}: {backend} not installed."
    return True, ""


def run_in_process(selection, quick, repeats, datasets):
    """The in-process columns of every case, timed in interleaved rounds (``interleaved``)."""
    training, predict = [], []
    train_columns = [f for f in selection.frameworks if f in inprocess.TRAIN]
    for case in selection.cases if train_columns else ():
        training += _interleaved(case, {f: inprocess.TRAIN[f] for f in train_columns}, quick,
                                 repeats, datasets, "train")
    if cases_module.PREDICT in selection.sections:
        for case in predict_cases(selection):
            predict += _interleaved(case, inprocess.PREDICT, quick, repeats, datasets, "predict")
    return training, predict


def _interleaved(case, prepares, quick, repeats, datasets, kind):
    rows = {f: case.rows_for(f if kind == "train" else "predict", quick) for f in prepares}
    runs = {f: prepare(case, datasets.get(case.data, rows[f]), rows[f])
            for f, prepare in prepares.items()}
    times = interleaved(runs, repeats)
    batch = case.batch if kind == "train" else PREDICT_BATCH
    records = [result(f, case, min(times[f]), rows[f], batch, kind, rounds=times[f])
               for f in runs]
    for record in records:
        progress(record["framework"], kind, case.name if kind == "train" else case.model,
                 record["seconds"])
    return records


def predict_cases(selection):
    """One case per model (the first): predict does not depend on the training batch."""
    first = {}
    for case in selection.cases:
        first.setdefault(case.model, case)
    return list(first.values())


def run_workers(selection, quick, repeats, threads):
    """The optional frameworks, each in its own process; returns records and notes."""
    training, predict, notes = [], [], []
    runs_predict = cases_module.PREDICT in selection.sections
    for framework in cases_module.OPTIONAL:
        train_cases = [c.name for c in selection.cases] if framework in selection.frameworks else []
        predict_names = ([c.name for c in predict_cases(selection)]
                         if runs_predict and framework in selection.predict_with else [])
        if not train_cases and not predict_names:
            continue
        ok, reason = installed(framework)
        if not ok:
            notes.append(reason)
            continue
        spec = {"framework": framework, "train": train_cases, "predict": predict_names,
                "quick": quick, "repeats": repeats, "threads": threads}
        with tempfile.TemporaryDirectory() as tmp:
            out_path = os.path.join(tmp, "records.json")
            done = subprocess.run(
                [sys.executable, "-m", "benchmarks.worker", json.dumps(spec), out_path],
                cwd=REPO_ROOT, stdout=subprocess.DEVNULL, timeout=WORKER_TIMEOUT)
            if done.returncode != 0 or not os.path.exists(out_path):
                notes.append(f"{cases_module.LABELS[framework]}: the worker failed "
                             f"(exit code {done.returncode}); see its error above.")
                continue
            with open(out_path) as f:
                records = json.load(f)
        training += [r for r in records if r["kind"] == "train"]
        predict += [r for r in records if r["kind"] == "predict"]
    return training, predict, notes


def run_memory(quick):
    """The memory probe of ``fit`` for 1 and 5 epochs, each in a fresh process; returns the probes
    and notes."""
    case = {c.name: c for c in cases_module.CASES}[memory.CASE]
    rows = case.rows_for(cases_module.FIT, quick)
    probes = []
    for epochs in memory.EPOCHS:
        with tempfile.TemporaryDirectory() as tmp:
            out_path = os.path.join(tmp, "memory.json")
            done = subprocess.run([sys.executable, "-m", "benchmarks.memory", case.name, str(rows),
                                   str(epochs), out_path], cwd=REPO_ROOT, timeout=WORKER_TIMEOUT)
            if done.returncode != 0 or not os.path.exists(out_path):
                return [], [f"Memory: the probe failed (exit code {done.returncode}); "
                            "see its error above."]
            with open(out_path) as f:
                probes.append(json.load(f))
        print(f"  memory           {epochs} epoch(s)  peak RSS {probes[-1]['peak_rss_mb']:.1f} MB",
              file=sys.stderr, flush=True)
    return probes, []


def framework_lines(description, threads):
    lines = [f"handkeras {description['handkeras'] or '(from this checkout)'}"]
    if description["torch"]:
        lines.append(f"PyTorch {description['torch']} ({threads} threads, as numpy)")
    if description["keras"]:
        lines.append(f"Keras {description['keras']}")
    for package, label in (("jax", "JAX"), ("tensorflow", "TensorFlow")):
        lines.append(f"{label} {description[package]}" if description[package]
                     else f"{label} not installed (no Keras on {label})")
    return lines


def run(args):
    description = machine.describe()
    threads = description["blas_threads"] or description["cores"]
    selection = args.selection
    datasets = Datasets()
    results = {
        "meta": {"started": datetime.datetime.now().isoformat(timespec="seconds"),
                 "quick": args.quick, "repeats": args.repeats, "epoch_rows": EPOCH_ROWS,
                 "learning_rate": LEARNING_RATE, "predict_batch": PREDICT_BATCH},
        "machine": description,
        "frameworks": framework_lines(description, threads),
    }
    print(f"Benchmarking on {description['cpu']} ({description['cores']} cores), best of "
          f"{args.repeats}{' (quick mode)' if args.quick else ''}:", file=sys.stderr, flush=True)
    training, predict = run_in_process(selection, args.quick, args.repeats, datasets)
    more_training, more_predict, notes = run_workers(selection, args.quick, args.repeats, threads)
    results["data"] = datasets.descriptions() or ["(none loaded)"]
    results["training"] = report.add_ratios(training + more_training)
    results["predict"] = report.add_ratios(predict + more_predict)
    results["memory"], memory_notes = (run_memory(args.quick)
                                       if cases_module.MEMORY in selection.sections else ([], []))
    results["notes"] = notes + memory_notes
    return results


def main(argv=None):
    args = parse_args(argv)
    results = run(args)
    text = report.markdown(results)
    print(text)
    if args.json:
        report.write_json(args.json, results)
    if args.markdown:
        report.write_markdown(args.markdown, text)
    return results


if __name__ == "__main__":
    main()
