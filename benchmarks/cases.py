"""What is measured: the (model, batch) rows of the table, and the frameworks (columns).

Every row trains one epoch of ``EPOCH_ROWS`` rows with plain SGD and softmax + cross-entropy in
float32. A row whose epoch would take too long times its first ``rows`` rows and scales the result
to a full epoch (the table says so).
"""

from dataclasses import dataclass, field

EPOCH_ROWS = 60_000
PREDICT_BATCH = 1024
LEARNING_RATE = 0.01


@dataclass(frozen=True)
class Case:
    units: tuple          # layer widths, input first: (784, 128, 10)
    batch: int
    data: str             # "fashion_mnist" or "seed" (see benchmarks/data.py)
    rows: int = EPOCH_ROWS            # rows timed, scaled to EPOCH_ROWS
    slow_rows: dict = field(default_factory=dict)   # fewer rows for slow frameworks
    quick_rows: int = 512

    @property
    def model(self):
        return "-".join(str(u) for u in self.units)

    @property
    def name(self):
        return f"{self.model}@{self.batch}"

    def rows_for(self, framework, quick):
        """Rows to time for ``framework`` (a whole number of batches when a fraction is timed)."""
        if quick:
            return self.quick_rows
        rows = min(self.rows, self.slow_rows.get(framework, self.rows))
        return rows if rows == EPOCH_ROWS else max(self.batch, rows - rows % self.batch)


CASES = (
    Case((784, 128, 10), 32, "fashion_mnist"),
    Case((784, 128, 10), 128, "fashion_mnist"),
    Case((784, 512, 512, 10), 32, "fashion_mnist", quick_rows=256),
    Case((784, 512, 512, 10), 128, "fashion_mnist"),
    Case((784, 512, 512, 10), 1024, "fashion_mnist", quick_rows=2048),
    # The seed article's network: at 4 rows per batch the per-step overhead is everything.
    Case((4, 16, 8, 3), 4, "seed", slow_rows={"keras-torch": 8_000, "keras-jax": 8_000,
                                              "keras-tensorflow": 8_000}),
    # A wide network, where the matmuls are everything: a tenth of the epoch, scaled.
    Case((784, 2048, 2048, 10), 128, "fashion_mnist", rows=6_000, quick_rows=256),
)

# Columns, in table order. The first two are the baselines every ratio refers to.
MATMULS, NUMPY = "matmuls", "numpy"
FIT, FIT_VERBOSE = "fit", "fit-verbose"
TORCH = "torch"
KERAS_BACKENDS = ("torch", "jax", "tensorflow")
KERAS = tuple(f"keras-{backend}" for backend in KERAS_BACKENDS)
FRAMEWORKS = (MATMULS, NUMPY, FIT, FIT_VERBOSE, TORCH) + KERAS
LABELS = {
    MATMULS: "matmuls only",
    NUMPY: "numpy loop",
    FIT: "handkeras fit",
    FIT_VERBOSE: "handkeras fit (verbose=1)",
    TORCH: "PyTorch eager",
    "keras-torch": "Keras (torch)",
    "keras-jax": "Keras (JAX)",
    "keras-tensorflow": "Keras (TF)",
}
PREDICT, MEMORY = "predict", "memory"
SECTIONS = (PREDICT, MEMORY)


OPTIONAL = (TORCH,) + KERAS      # run in worker processes, when installed


@dataclass
class Selection:
    """What ``--only`` keeps (see :func:`select`)."""
    cases: tuple            # the cases to run
    frameworks: tuple       # the training columns to run (baselines first), maybe none
    sections: tuple         # "predict" and/or "memory"
    predict_with: tuple     # the optional frameworks the predict section also times


def select(only):
    """What to run for the ``--only`` values ``only``.

    A value naming a column (``fit``, ``torch``, ``keras`` for every Keras backend, ...) or a section
    (``predict``, ``memory``) runs only the named ones; any other value is a case pattern, a substring
    of case names such as ``784-128-10@32``, which restricts the cases. Without values of a kind,
    everything of that kind runs. The two baselines run with any training column, since every ratio
    refers to them; the predict section times the optional frameworks named (all of them when no
    column is named).
    """
    only = list(only or [])
    known = set(FRAMEWORKS) | set(SECTIONS) | {"keras"}
    names = [o for o in only if o in known]
    patterns = [o for o in only if o not in known]
    cases = tuple(c for c in CASES if not patterns or any(p in c.name for p in patterns))
    if patterns and not cases:
        raise ValueError(f"--only {patterns}: no case matches; cases are "
                         f"{[c.name for c in CASES]}, columns and sections are {sorted(known)}.")
    if not names:
        return Selection(cases, FRAMEWORKS, SECTIONS, OPTIONAL)
    wanted = set(names) | (set(KERAS) if "keras" in names else set())
    named = tuple(f for f in FRAMEWORKS if f in wanted)
    frameworks = (MATMULS, NUMPY) + tuple(f for f in named if f not in (MATMULS, NUMPY))
    return Selection(cases, frameworks if named else (),
                     tuple(s for s in SECTIONS if s in wanted),
                     tuple(f for f in OPTIONAL if f in wanted) if named else OPTIONAL)
