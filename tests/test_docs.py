"""The documentation builds without a single warning (examples not run), and
its pages need no network: formulas are drawn at build time, and no page
loads a script or style sheet from elsewhere."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("sphinx")
pytest.importorskip("sphinx_gallery")
pytest.importorskip("numpydoc")
pytest.importorskip("pydata_sphinx_theme")
pytest.importorskip("ziamath")

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
# pages whose sources hold formulas
MATH_PAGES = ["user_guide/min_max_loss.html", "user_guide/clustering.html",
              "user_guide/decision_rule.html"]


@pytest.fixture(scope="module")
def html(tmp_path_factory):
    """The docs built with the command of docs/building_docs.rst, examples not run."""
    out = tmp_path_factory.mktemp("docs")
    env = dict(os.environ)
    # build as a user would, not under the test suite's SciPy array API mode
    env.pop("SCIPY_ARRAY_API", None)
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    command = [
        sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html",
        "-D", "plot_gallery=0", "-d", str(out / "doctrees"),
        str(ROOT / "docs"), str(out / "html"),
    ]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, (
        f"the docs build failed (exit {result.returncode}); warnings are errors\n"
        f"--- stdout ---\n{result.stdout[-1500:]}\n--- stderr ---\n{result.stderr[-5000:]}"
    )
    return out / "html"


def test_docs_build_without_warnings(html):
    assert (html / "index.html").is_file()
    assert (html / "generated" / "sklearn_minmax.MinMaxClassifier.html").is_file()


@pytest.mark.parametrize("page", MATH_PAGES)
def test_formulas_are_drawn_without_a_script(html, page):
    text = (html / page).read_text(encoding="utf-8")
    inline = re.findall(r'<span class="math notranslate[^"]*">(.*?)</span>', text, re.S)
    block = re.findall(r'<div class="math notranslate[^"]*">(.*?)</div>', text, re.S)
    formulas = inline + block
    assert formulas, f"no formula in {page}"
    assert all(re.match(r"\s*(<p>)?<svg ", f) for f in formulas), formulas
    assert "mathjax" not in text.lower()
    # no LaTeX left for a script to typeset
    assert not re.search(r"\\[(\[]", re.sub(r"<svg.*?</svg>", "", text, flags=re.S))


def test_pages_load_nothing_from_the_network(html):
    remote = re.compile(r'<(?:script|link|img)\b[^>]*\b(?:src|href)="(?:https?:)?//[^"]*"')
    pages = sorted(html.rglob("*.html"))
    assert len(pages) > 20
    loading = {str(p.relative_to(html)): remote.findall(p.read_text(encoding="utf-8"))
               for p in pages}
    assert {page: tags for page, tags in loading.items() if tags} == {}


def test_style_sheet_for_wide_content_is_used(html):
    assert (html / "_static" / "layout.css").is_file()
    assert "_static/layout.css" in (html / "index.html").read_text(encoding="utf-8")
