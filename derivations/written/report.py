"""The report of ``python -m derivations check``: coloured text with progress, or JSON.

JSON schema ``genproof.derivation-check/1`` (stable; fields are only ever added)::

    {"schema": "genproof.derivation-check/1", "file": str, "title": str|null,
     "status": "pass"|"fail"|"undecided", "first_wrong_step": int|null,
     "counts": {"PROVED": int, "REFUTED": int, "UNDECIDED": int, "UNPROVED": int, "GIVEN": int},
     "seed": int, "step_limit_s": float, "seconds": float, "closing_prose": str,
     "lines": [{"from_step": int, "to_step": int, "relation": "="|"<"|"<="|">"|">="|"mixed",
                "lhs": str, "rhs": str, "verdict": str}],
     "steps": [{"index": int, "line": int, "column": int, "latex": str, "reason": str, "prose": str,
                "planted_wrong": bool, "verdict": str, "message": str, "depends_on": [int],
                "cpu_seconds": float, "counterexample": object|null, "conditions": [str] (only when given),
                "links": [{"kind": str, "claim": str, "verdict": str, "reason": str,
                           "counterexample": object|null}]}]}

A counterexample holds ``point`` (each symbol's value; matrices as lists of rows),
``lhs`` and ``rhs`` (both sides' values there), and where used ``functions`` and
``densities`` (the piecewise-constant densities: ``cells`` and ``values``), ``pmfs`` (densities on a
finite set: each value's probability), ``better_point`` (an optimum beaten there). ``conditions`` lists
a step's own conditions ("for x > 0"), under which it was checked.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

COLORS = {"PROVED": "32", "REFUTED": "31;1", "UNDECIDED": "33", "UNPROVED": "35", "GIVEN": "2"}
MARKS = {"PROVED": "✓", "REFUTED": "✗", "UNDECIDED": "?", "UNPROVED": "·", "GIVEN": "="}


def _paint(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color else text


def _short(v) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, list):
        return "[" + ", ".join(_short(x) for x in v) + "]"
    return str(v)


def text(rep: dict, color: bool = False) -> str:
    """The report as readable text (one block per step; counterexamples spelled out).

    Args:
        rep: the report of :func:`derivations.written.check.check`.
        color: ANSI colours.

    Returns:
        The text.
    """
    out = [f"{rep['file']}" + (f" — {rep['title']}" if rep.get("title") else "")]
    for s in rep["steps"]:
        v = s["verdict"]
        head = f"  [{s['index']}] {MARKS[v]} {v:9s} line {s['line']}: {_one_line(s['latex'])}"
        out.append(_paint(head, COLORS[v], color))
        if s.get("conditions"):
            out.append(f"        under: {', '.join(s['conditions'])}")
        if s["reason"]:
            out.append(f"        reason: {s['reason']}")
        if s["message"] and v != "PROVED":
            out.append(f"        {s['message']}")
        c = s.get("counterexample")
        if c:
            if "point" in c:
                pt = ", ".join(f"{k} = {_short(x)}" for k, x in c["point"].items())
                out.append(f"        counterexample: {pt or 'any point, with the functions and densities below'}")
            if "lhs" in c:
                out.append(f"          left side = {_short(c['lhs'])}, right side = {_short(c['rhs'])}")
            for key in ("why", "functions"):
                if key in c:
                    out.append(f"          {c[key]}")
            for name, probs in c.get("pmfs", {}).items():
                out.append(f"          {name} on its support: " + ", ".join(f"{name}({v}) = {_short(p)}"
                                                                        for v, p in probs.items()))
            if "better_point" in c:
                better = ", ".join(f"{k} = {_short(x)}" for k, x in c["better_point"].items())
                out.append(f"          better point: {better}")
            if "densities" in c:
                for name, d in c["densities"].items():
                    cells = ", ".join(f"[{a:.3g}, {b:.3g}): {x:.4g}" for (a, b), x in zip(d["cells"], d["values"],
                                                                                         strict=False))
                    out.append(f"          density {name} piecewise constant: {cells}")
    for line in rep.get("lines", []):
        if line["to_step"] > line["from_step"]:
            rel = {"<=": "≤", ">=": "≥", "mixed": "(mixed ≤ and ≥: no conclusion)"}.get(line["relation"],
                                                                                   line["relation"])
            out.append(f"  steps {line['from_step']}–{line['to_step']}: first left side {rel} last right side "
                       f"({line['verdict'].lower()})")
    n = rep["counts"]
    summary = ", ".join(f"{n[k]} {k.lower()}" for k in ("PROVED", "REFUTED", "UNDECIDED", "UNPROVED", "GIVEN") if n[k])
    out.append(f"{len(rep['steps'])} steps: {summary}; {rep['seconds']}s (seed {rep['seed']})")
    if rep["first_wrong_step"] is not None:
        out.append(_paint(f"first wrong step: [{rep['first_wrong_step']}]", COLORS["REFUTED"], color))
    return "\n".join(out)


def _one_line(s: str, width: int = 90) -> str:
    s = " ".join(s.split())
    return s if len(s) <= width else s[:width - 1] + "…"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of ``check`` (added to the ``python -m derivations`` parser)."""
    p.add_argument("file", help="a derivation in Markdown + LaTeX (*.derivation.md)")
    p.add_argument("--json", action="store_true", help="print the report as JSON (schema in README)")
    p.add_argument("--strict", action="store_true", help="exit 1 also when a step is undecided or unproved")
    p.add_argument("--seed", type=int, default=0, help="seed of the sampled counterexample worlds (default 0)")
    p.add_argument("--step-limit", type=float, default=None, metavar="S",
                   help="CPU seconds per step before it is reported undecided (default 20)")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto", help="coloured output")


def run(args: argparse.Namespace) -> int:
    """``check FILE``: exit 0 if no step is refuted (``--strict``: none undecided), 1 otherwise, 2 on bad input."""
    from derivations.written.check import check
    from derivations.written.document import DocumentError, load

    try:
        doc = load(args.file)
    except DocumentError as exc:
        print(f"error: {args.file}: {exc}", file=sys.stderr)
        return 2
    color = args.color == "always" or (args.color == "auto" and sys.stdout.isatty() and not os.environ.get("NO_COLOR"))
    show_progress = sys.stderr.isatty() and not args.json

    def progress(done: int, total: int, entry: dict) -> None:
        if show_progress:
            print(f"\r  checked {done}/{total} steps", end="" if done < total else "\n", file=sys.stderr,
                  flush=True)
    rep = check(doc, seed=args.seed, step_limit=args.step_limit, progress=progress)
    print(json.dumps(rep, indent=1, ensure_ascii=False, default=str) if args.json else text(rep, color))
    if rep["counts"]["REFUTED"]:
        return 1
    if args.strict and (rep["counts"]["UNDECIDED"] or rep["counts"]["UNPROVED"]):
        return 1
    return 0
