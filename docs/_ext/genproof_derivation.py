"""Sphinx directive ``.. derivation:: path``: check a written derivation at build time, show each step marked.

The path is relative to the document that uses the directive (or absolute from the
source directory with a leading ``/``). Each step appears as its prose, its display
math, and its mark (✓ proved, ✗ refuted with the counterexample, ? undecided with the
reason, · unproved, = given). A file that cannot be read becomes a warning and an
error box on the page, not a failed build.

Example::

    .. derivation:: ../examples/derivations/value_jsd.derivation.md
       :seed: 0
"""

from __future__ import annotations

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util.docutils import SphinxDirective

MARKS = {"PROVED": "✓ proved", "REFUTED": "✗ refuted", "UNDECIDED": "? undecided", "UNPROVED": "· unproved",
         "GIVEN": "= given"}
CLASSES = {"PROVED": "st-pass", "REFUTED": "st-fail", "UNDECIDED": "st-undecided", "UNPROVED": "st-none",
           "GIVEN": "st-none"}


class DerivationDirective(SphinxDirective):
    required_arguments = 1
    option_spec = {"seed": directives.nonnegative_int}

    def run(self) -> list[nodes.Node]:
        from derivations.written.check import check
        from derivations.written.document import DocumentError, load

        rel, path = self.env.relfn2path(self.arguments[0], self.env.docname)
        self.env.note_dependency(rel)
        try:
            report = check(load(path), seed=self.options.get("seed", 0))
        except DocumentError as exc:
            msg = f"derivation {self.arguments[0]}: {exc}"
            self.state.document.reporter.warning(msg, line=self.lineno)
            return [nodes.error("", nodes.paragraph(text=msg))]
        out = nodes.container(classes=["derivation"])
        if report.get("title"):
            out += nodes.rubric(text=report["title"])
        for step in report["steps"]:
            if step["prose"]:
                out += nodes.paragraph(text=step["prose"])
            box = nodes.container(classes=["derivation-step", CLASSES[step["verdict"]]])
            box += nodes.math_block(step["latex"], step["latex"], nowrap=False, number=None)
            mark = f"[{step['index']}] {MARKS[step['verdict']]}"
            if step["reason"]:
                mark += f" — {step['reason']}"
            if step["message"] and step["verdict"] != "PROVED":
                mark += f" — {step['message']}"
            c = step.get("counterexample")
            if c and "point" in c:
                pt = ", ".join(f"{k} = {v}" for k, v in c["point"].items()) or "any point"
                mark += f" (counterexample: {pt}; left {c.get('lhs')}, right {c.get('rhs')})"
            box += nodes.paragraph(text=mark, classes=[CLASSES[step["verdict"]]])
            out += box
        n = report["counts"]
        summary = ", ".join(f"{n[k]} {k.lower()}" for k in MARKS if n[k])
        if report["first_wrong_step"] is not None:
            summary += f"; first wrong step: [{report['first_wrong_step']}]"
        out += nodes.paragraph(text=f"{len(report['steps'])} steps: {summary}.")
        return [out]


def setup(app) -> dict:
    app.add_directive("derivation", DerivationDirective)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
