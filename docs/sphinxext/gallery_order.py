"""Order of the examples in the gallery: from the idea to the tools."""

# SPDX-License-Identifier: BSD-3-Clause

import os

ORDER = [
    "plot_partial_tags.py",
    "plot_single_positive.py",
    "plot_embedding.py",
    "plot_calibration.py",
    "plot_text_tags.py",
    "plot_grid_search.py",
]


class ExampleOrder:
    """sphinx-gallery sort key: the files in ORDER first, then by name."""

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __repr__(self):
        return f"<{type(self).__name__}>"

    def __call__(self, filename):
        name = os.path.basename(filename)
        return (ORDER.index(name) if name in ORDER else len(ORDER), name)
