"""The documentation builds without a single warning (examples not run)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("sphinx")
pytest.importorskip("sphinx_gallery")
pytest.importorskip("numpydoc")
pytest.importorskip("pydata_sphinx_theme")

ROOT = Path(__file__).resolve().parent.parent


def test_docs_build_without_warnings(tmp_path):
    env = dict(os.environ)
    # build as a user would, not under the test suite's SciPy array API mode
    env.pop("SCIPY_ARRAY_API", None)
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    # the command of docs/building_docs.rst, into a temporary folder
    command = [
        sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html",
        "-D", "plot_gallery=0", "-d", str(tmp_path / "doctrees"),
        str(ROOT / "docs"), str(tmp_path / "html"),
    ]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, (
        f"the docs build failed (exit {result.returncode}); warnings are errors\n"
        f"--- stdout ---\n{result.stdout[-1500:]}\n--- stderr ---\n{result.stderr[-5000:]}"
    )
    assert (tmp_path / "html" / "index.html").is_file()
    assert (tmp_path / "html" / "generated" / "sklearn_minmax.MinMaxClassifier.html").is_file()
