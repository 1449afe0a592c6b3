"""Every script in examples/ runs to completion in its fast mode.

The scripts are found on disk, so a new example is covered as soon as it is added. Each runs as a user
would run it (``python examples/NAME.py``), in a fresh interpreter and an empty working directory
(where it writes its plots), with HANDKERAS_EXAMPLES_FAST=1 to cut rows and epochs and a headless
matplotlib backend. Every example saves its loss curves as a PNG there.
"""

import os
import pathlib
import subprocess
import sys

import pytest

EXAMPLES_DIR = pathlib.Path(__file__).resolve().parent.parent / "examples"
EXAMPLES = sorted(EXAMPLES_DIR.glob("*.py"))


def test_examples_are_found():
    assert EXAMPLES, f"no example scripts found in {EXAMPLES_DIR}"


@pytest.mark.parametrize("script", EXAMPLES, ids=[path.stem for path in EXAMPLES])
def test_example_runs_in_fast_mode(script, tmp_path):
    env = {**os.environ, "HANDKERAS_EXAMPLES_FAST": "1", "MPLBACKEND": "Agg"}
    result = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, (
        f"{script.name} exited with code {result.returncode}\n"
        f"--- stdout (end) ---\n{result.stdout[-4000:]}\n--- stderr (end) ---\n{result.stderr[-4000:]}"
    )
    plots = sorted(path.name for path in tmp_path.glob("*.png"))
    assert plots, f"{script.name} saved no .png of its loss curves in its working directory"
