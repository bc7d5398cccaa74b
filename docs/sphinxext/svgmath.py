"""Math drawn as SVG when the docs are built, so pages need no script.

A Sphinx HTML math renderer (``html_math_renderer = "svgmath"``): each
``:math:`` role and ``.. math::`` directive is laid out by ziamath, in pure
Python with the STIX Two Math font it ships, and written into the page as an
inline ``<svg>`` (its LaTeX as the title, for screen readers and tooltips).
The built pages show formulas the same in every browser, without a network,
a TeX installation or JavaScript. LaTeX that ziamath does not know would be
drawn as its command name; that is reported as a warning, so a ``-W`` build
fails on it.
"""

# SPDX-License-Identifier: BSD-3-Clause

import re
from html import escape

import ziamath
from docutils import nodes
from sphinx.util import logging
from sphinx.util.math import get_node_equation_number

logger = logging.getLogger(__name__)

# pixels, for a body text of 16 px
INLINE_SIZE = 16
BLOCK_SIZE = 18


def to_svg(latex, node, inline):
    """``latex`` as an inline ``<svg>`` element sitting on the text's baseline."""
    latex = " ".join(latex.split())
    if "\\" in ziamath.Latex(latex).mathmlstr():
        logger.warning("LaTeX that the math renderer does not know: %r", latex,
                       location=node)
    size = INLINE_SIZE if inline else BLOCK_SIZE
    svg = ziamath.Latex(latex, size=size, inline=inline).svg()
    # the drawing's bottom is this far below the baseline
    top, height = map(float, re.search(r'viewBox="\S+ (\S+) \S+ (\S+)"', svg).groups())
    label = escape(latex, quote=True)
    return svg.replace(
        "<svg ",
        f'<svg role="img" aria-label="{label}" '
        f'style="vertical-align: {-(top + height):.3f}px" ',
        1,
    ).replace(">", f"><title>{label}</title>", 1)


def visit_math(self, node):
    self.body.append(self.starttag(node, "span", "", CLASS="math notranslate"))
    self.body.append(to_svg(node.astext(), node, inline=True))
    self.body.append("</span>")
    raise nodes.SkipNode


def visit_math_block(self, node):
    self.body.append(self.starttag(node, "div", CLASS="math notranslate"))
    if node["number"]:
        number = get_node_equation_number(self, node)
        self.body.append(f'<span class="eqno">({number})')
        self.add_permalink_ref(node, "Link to this equation")
        self.body.append("</span>")
    # blank lines separate equations, as in LaTeX's math directive
    for part in node.astext().split("\n\n"):
        if part.strip():
            self.body.append(f"<p>{to_svg(part, node, inline=False)}</p>")
    self.body.append("</div>\n")
    raise nodes.SkipNode


def setup(app):
    ziamath.config.svg2 = False  # paths drawn in place: no ids shared between formulas
    app.add_html_math_renderer("svgmath", (visit_math, None), (visit_math_block, None))
    return {"parallel_read_safe": True, "parallel_write_safe": True}
