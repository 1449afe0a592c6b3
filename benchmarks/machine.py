"""A description of the machine a run happened on: CPU, cores, Python, numpy and its BLAS, and the
versions of the optional frameworks (or that they are not installed)."""

import ctypes
import importlib.metadata
import importlib.util
import os
import platform

import numpy as np


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def usable_cores():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count()


def blas_info():
    """numpy's BLAS (name, version) from its build configuration, and its thread count: from
    threadpoolctl when installed, else from OpenBLAS itself, else the environment's limits."""
    info = {"name": "unknown", "version": "", "threads": None, "threads_source": ""}
    try:
        config = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        info["name"], info["version"] = config.get("name", "unknown"), config.get("version", "")
    except (TypeError, KeyError):   # numpy < 1.26 prints its configuration only
        pass
    try:
        from threadpoolctl import threadpool_info
        pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
        if pools:
            info.update(name=pools[0].get("internal_api", info["name"]),
                        version=pools[0].get("version") or info["version"],
                        threads=pools[0]["num_threads"], threads_source="threadpoolctl")
            return info
    except ImportError:
        pass
    threads = _openblas_threads()
    if threads:
        info.update(threads=threads, threads_source="OpenBLAS")
        return info
    for variable in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
        if os.environ.get(variable, "").isdigit():
            info.update(threads=int(os.environ[variable]), threads_source=variable)
            return info
    info.update(threads=usable_cores(), threads_source="cores (assumed)")
    return info


def _openblas_threads():
    """The thread count of the OpenBLAS library numpy loaded (Linux), or None."""
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if "openblas" in line.lower()}
    except OSError:
        return None
    for path in sorted(paths):
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for symbol in ("scipy_openblas_get_num_threads64_", "openblas_get_num_threads64_",
                       "openblas_get_num_threads"):
            function = getattr(library, symbol, None)
            if function is not None:
                function.restype = ctypes.c_int
                return function()
    return None


def version_of(package):
    """The installed version of the module ``package``, from whichever distribution provides it
    (``tensorflow-cpu`` provides ``tensorflow``), or None when it is not installed."""
    if importlib.util.find_spec(package) is None:
        return None
    for distribution in importlib.metadata.packages_distributions().get(package, [package]):
        try:
            return importlib.metadata.version(distribution)
        except importlib.metadata.PackageNotFoundError:
            continue
    return "unknown"


def describe():
    blas = blas_info()
    return {
        "cpu": cpu_model(),
        "cores": usable_cores(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": blas["name"] + (f" {blas['version']}" if blas["version"] else ""),
        "blas_threads": blas["threads"],
        "blas_threads_source": blas["threads_source"],
        "handkeras": version_of("handkeras"),
        "torch": version_of("torch"),
        "keras": version_of("keras"),
        "jax": version_of("jax"),
        "tensorflow": version_of("tensorflow"),
    }
