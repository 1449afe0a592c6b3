"""handkeras's benchmark suite: ``python benchmarks/run.py`` (see benchmarks/README.md)."""
