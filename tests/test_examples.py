"""Every gallery example in examples/ runs (small mode) and saves a figure."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples"
EXAMPLES = sorted(EXAMPLES_DIR.glob("plot_*.py"))

pytestmark = pytest.mark.slow


def test_examples_are_found():
    assert EXAMPLES, f"no plot_*.py in {EXAMPLES_DIR}"


@pytest.mark.parametrize("script", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs_and_saves_png(script, tmp_path):
    env = dict(os.environ)
    # run as a user would, not under the test suite's SciPy array API mode
    env.pop("SCIPY_ARRAY_API", None)
    env.update(
        SKLEARN_MINMAX_EXAMPLES_SMALL="1",
        SKLEARN_MINMAX_EXAMPLES_OUT=str(tmp_path),
        TF_CPP_MIN_LOG_LEVEL="3",
        MPLBACKEND="Agg",
    )
    result = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env,
        capture_output=True, text=True,
    )
    assert result.returncode == 0, (
        f"{script.name} exited with {result.returncode}\n"
        f"--- stdout ---\n{result.stdout[-3000:]}\n"
        f"--- stderr ---\n{result.stderr[-3000:]}"
    )
    pngs = list(tmp_path.glob("*.png"))
    assert pngs, f"{script.name} wrote no PNG into SKLEARN_MINMAX_EXAMPLES_OUT"
    assert all(p.stat().st_size > 1000 for p in pngs)
