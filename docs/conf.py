"""Sphinx configuration for the genproof proof pages.

Every page under ``generated/`` is written at build time by ``_ext/genproof_pages.py`` from the
registered results themselves (the same objects the tests check), so a clean clone builds with
``sphinx-build -W -b html docs docs/_build/html``.
"""

from __future__ import annotations

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "_ext"))
sys.path.insert(0, str(DOCS.parent))  # the repository root, for a build without ``pip install -e .``

project = "genproof"
author = "genproof developers"
copyright = "genproof developers"

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx.ext.graphviz",
    "sphinx_proof",
    "sphinx-mathjax-offline",  # serves MathJax from _static/mathjax: no CDN, math renders offline
    "genproof_pages",
    "genproof_derivation",  # .. derivation:: path — a written derivation, checked at build time
]

exclude_patterns = ["_build", "_data", "Thumbs.db", ".DS_Store"]
templates_path: list[str] = []
html_static_path = ["_static"]
html_css_files = ["genproof.css"]
html_theme = "alabaster"
html_theme_options = {"page_width": "1180px", "sidebar_width": "240px", "show_powered_by": False,
                      "body_max_width": "none"}
html_show_sphinx = False
# Rule texts are shown exactly as written in the code (no curly quotes for f'', no dashes for --).
smartquotes = False
# The overview has no sidebar, so the dependency graph gets the whole page width.
html_sidebars = {"generated/overview": []}
html_title = "genproof — verified generative-model theory"
html_show_sourcelink = False

# Each result page's theorem is numbered within its own page; cross-page numbers would shift as
# results are added.
numfig = False
proof_minimal_theme = False

graphviz_output_format = "svg"
graphviz_dot_args = ["-Gfontname=Helvetica", "-Nfontname=Helvetica", "-Efontname=Helvetica"]

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "show-inheritance": False}
napoleon_google_docstring = True
napoleon_numpy_docstring = False


rst_prolog = """
.. role:: st-pass
.. role:: st-fail
.. role:: st-warn
.. role:: st-none
.. role:: raw-html(raw)
   :format: html
"""

# Where the generator looks for the cached numeric/fuzz report and the experiments' output.
genproof_repo = str(DOCS.parent)
genproof_report = str(DOCS / "_data" / "report.json")
genproof_runs = str(DOCS.parent / "runs")
genproof_models_static = str(DOCS / "_static" / "models")
