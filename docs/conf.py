"""Sphinx configuration of the sklearn-minmax documentation.

Build with the gallery's figures (warnings are errors; every example runs,
which takes several minutes, fewer with ``SKLEARN_MINMAX_EXAMPLES_SMALL=1``)::

    pip install -e ".[docs,dask]"
    python -m sphinx -W --keep-going -b html docs docs/_build/html

Add ``-D plot_gallery=0`` to render the examples without running them (a build
of seconds, without figures); ``SKLEARN_MINMAX_DOCS_PLOT_GALLERY=0`` in the
environment does the same.
"""

# SPDX-License-Identifier: BSD-3-Clause

import inspect
import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "sphinxext"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before autodoc imports TensorFlow

import sklearn_minmax  # noqa: E402

# -- Project ------------------------------------------------------------------
project = "sklearn-minmax"
author = "The sklearn-minmax developers"
copyright = "The sklearn-minmax developers"  # noqa: A001
version = release = sklearn_minmax.__version__

# -- General ------------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "svgmath",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]
templates_path = ["_templates"]
# sg_execution_times.rst: the table of the examples' run times, which loads its
# scripts from the network; left out (see write_computation_times below)
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "sg_execution_times.rst",
                    "auto_examples/sg_execution_times.rst"]
default_role = "literal"
root_doc = "index"

# -- autodoc, autosummary and numpydoc ------------------------------------------
autosummary_generate = True
autodoc_typehints = "none"
autodoc_member_order = "bysource"
# Keras' docstrings of overridden methods (call, build, get_config) stay out.
autodoc_inherit_docstrings = False
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False


def _keras_signature(app, what, name, obj, options, signature, return_annotation):
    """The constructor's signature for Keras layers, whose ``__new__`` hides it."""
    if what == "class" and signature == "(*args, **kwargs)":
        try:
            sig = inspect.signature(obj.__init__)
        except (TypeError, ValueError):
            return None
        params = list(sig.parameters.values())[1:]  # without self
        return str(sig.replace(parameters=params)), return_annotation
    return None


def _skip_foreign_members(app, what, name, obj, skip, options):
    """Members of our classes that scikit-learn or Keras define (get_params,
    score, set_output, the generated ``set_{method}_request``, ...) are
    documented there; the templates name them."""
    if what != "class":
        return None
    if name.startswith("set_") and name.endswith("_request"):
        return True
    module = getattr(getattr(obj, "fget", obj), "__module__", None) or ""
    if module and not module.startswith("sklearn_minmax"):
        return True
    return None


# -- sphinx-gallery -------------------------------------------------------------
plot_gallery = os.environ.get("SKLEARN_MINMAX_DOCS_PLOT_GALLERY", "True")
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": "/plot_",
    "within_subsection_order": "gallery_order.ExampleOrder",
    "backreferences_dir": "gen_modules/backreferences",
    "doc_module": ("sklearn_minmax",),
    "log_level": {"backreference_missing": "debug"},
    "download_all_examples": False,
    "remove_config_comments": True,
    "write_computation_times": False,
}

# -- HTML -------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"sklearn-minmax {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
}
html_sidebars = {"index": [], "benchmarks": []}
html_static_path = ["_static"]
html_css_files = ["layout.css"]
# formulas drawn as SVG at build time: no script, no network (sphinxext/svgmath.py)
html_math_renderer = "svgmath"
html_show_sourcelink = False
# the in-page list names methods without their class: "fit()", not "MinMaxClassifier.fit()"
toc_object_entries_show_parents = "hide"


def setup(app):
    app.connect("autodoc-process-signature", _keras_signature)
    app.connect("autodoc-skip-member", _skip_foreign_members)
