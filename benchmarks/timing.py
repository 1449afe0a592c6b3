"""Timing: the best of several runs, scaled from the rows timed to a full epoch."""

import math
import time

from benchmarks.cases import EPOCH_ROWS


def best_of(repeats, run):
    """The shortest wall time of ``repeats`` calls of ``run()``, in seconds."""
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def interleaved(runs, repeats):
    """``{name: [wall time of each round]}`` of ``repeats`` rounds, each calling every run of
    ``runs`` (``{name: run}``) once, in order: a slow spell of the machine slows every run alike,
    and the runs of one round can be compared pairwise."""
    times = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return times


def warmup_rows(batch, rows):
    """Rows for an untimed warm-up: a full batch and the epoch's last partial one, so every batch
    shape (and, for a jit backend, every compilation) is seen before timing."""
    return min(rows, batch + (rows % batch or batch))


def result(framework, case, seconds, rows, batch=None, kind="train", rounds=None):
    """A measurement record: seconds for ``rows`` rows, scaled to an epoch of ``EPOCH_ROWS`` rows
    (``rounds``: the seconds of each interleaved round, scaled alike, for in-process columns)."""
    batch = batch or case.batch
    scale = EPOCH_ROWS / rows
    return {
        "kind": kind,
        "case": case.name,
        "model": case.model,
        "batch": batch,
        "framework": framework,
        "seconds": seconds * scale,
        "us_per_step": 1e6 * seconds / math.ceil(rows / batch),
        "rows_timed": rows,
        "scaled": rows != EPOCH_ROWS,
        **({"rounds": [t * scale for t in rounds]} if rounds else {}),
    }
