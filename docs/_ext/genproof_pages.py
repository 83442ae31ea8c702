"""Sphinx extension: write the proof pages from the registered results at build time.

On ``builder-inited`` this module checks every registered result with the derivation engine (the
same :func:`derivations.report.result_entry` objects the tests and ``python -m derivations verify``
use) and writes, under ``docs/generated/``:

* ``results/<ID>.rst`` — one page per result: the theorem (``prf:theorem``), its declared
  assumptions, the proof (``prf:proof``) as the checked steps with their rules and per-step marks,
  the status of every kind of check, the experiment's plots, and the planted errors;
* ``overview.rst`` — the dependency graph of the results (``Result.uses``), coloured by status,
  each node linking to its page, and a status table;
* ``models/*.rst`` — how to train each model variant and what it produces;
* ``api/*.rst`` — autodoc pages for the public modules that import in this build.

Numeric, fuzz and empirical statuses are expensive to compute, so they come from a cached report
(``docs/_data/report.json``, written by ``python -m derivations verify --json --numeric --fuzz``)
and from ``runs/experiments/experiments.json`` when those files exist; otherwise a page says the
check was not run in this build. Files are rewritten only when their text changes, and files this
run did not write are removed, so a result that disappears leaves no orphan page behind.
"""

from __future__ import annotations

import html
import json
import posixpath
import re
import shutil
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import import_module
from pathlib import Path

from docutils.utils import column_width

GENERATED = "generated"
EXTRA_SECTIONS = ("numeric", "fuzz", "empirical")
#: Per-step and per-check statuses: (mark, CSS role).
MARKS = {
    "pass": ("✓", "st-pass"),
    "given": ("·", "st-none"),
    "fail": ("✗", "st-fail"),
    "error": ("!", "st-fail"),
    "undecided": ("?", "st-warn"),
    "unproved": ("–", "st-warn"),
    "stale": ("↻", "st-warn"),
    "not run": ("○", "st-none"),
}
#: Overall status of a result -> (graph fill colour, legend text).
NODE_STYLE = {
    "pass": ("#a9dfa9", "proved, and every check that ran passed"),
    "partial": ("#e4f3d6", "proved symbolically; numeric checks not run in this build"),
    "fail": ("#f3aaaa", "a check failed or errored"),
    "missing": ("#eeeeee", "used but not registered yet"),
    "unchecked": ("#dce6f4", "symbolic check skipped in this build"),
}
OVERALL_MARKS = {"pass": ("✓", "st-pass"), "partial": ("✓", "st-pass"), "fail": ("✗", "st-fail"),
                 "unchecked": ("○", "st-none")}


def cluster_title(prefix: str) -> str:
    """The title of the results whose IDs start ``prefix.``: the first clause of their module's docstring.

    Read from the card module that registers them (``derivations/gan.py``: "GAN theory: …" → "GAN theory"), so a
    package adding results through ``genproof.results`` gets its own group without a list to edit here.
    """
    import importlib

    from derivations import registry

    for result in registry.results():
        if result.id.split(".")[0] == prefix:
            doc = (importlib.import_module(result.build.__module__).__doc__ or "").strip()
            first = doc.splitlines()[0] if doc else ""
            title = first.split(":")[0].rstrip(". ").strip()
            return title if 0 < len(title) <= 60 else prefix
    return prefix

#: Public modules for the API reference; those that do not import in this build are left out.
API_MODULES = ("derivations.engine", "derivations.claims", "derivations.domains", "derivations.registry",
               "derivations.report", "derivations.planted", "derivations.mutation", "derivations.strategies",
               "derivations.theory", "derivations.testing.gan", "derivations.testing.wgan",
               "derivations.testing.gaussian", "derivations.testing.elbo", "derivations.testing.flow",
               "derivations.testing.frechet", "derivations.testing.ridge", "derivations.written.check",
               "derivations.verdict_cache", "models.losses", "models.trainer", "models.data", "models.datasets",
               "models.variants", "models.nets")


# ---- reStructuredText helpers ---------------------------------------------------------------------------------

def esc(text: object) -> str:
    """``text`` as inline reStructuredText that renders literally (one line)."""
    out = str(text).replace("\\", "\\\\")
    for ch in "*`|_[]<>":
        out = out.replace(ch, "\\" + ch)
    out = " ".join(out.split())
    # A paragraph or cell opening with "(1)", "1.", "- " or "+ " would become a list: escape its first character.
    return "\\" + out if out[:1] in set("(-+#:0123456789") else out


def heading(title: str, char: str = "=") -> str:
    return f"{title}\n{char * (column_width(title) + 2)}\n"


def indent(text: str, by: int = 3) -> str:
    return textwrap.indent(text, " " * by, lambda line: bool(line.strip()))


def mark(status: str, text: str | None = None) -> str:
    """A coloured status mark, e.g. ``:st-pass:`✓ pass```."""
    symbol, role = MARKS.get(status, ("?", "st-warn"))
    return f":{role}:`{symbol} {esc(text if text is not None else status)}`"


def math_inline(latex: str) -> str:
    latex = " ".join(latex.split())
    return f":math:`{latex}`" if "`" not in latex else f"``{latex}``"


def math_block(latex: str) -> str:
    body = "\n".join(line for line in latex.splitlines() if line.strip())  # a blank line would split it
    return ".. math::\n\n" + indent(body) + "\n"


def figure(path: str, caption: str) -> str:
    """A figure at its natural size (CSS caps it at the text width)."""
    return f".. figure:: {path}\n   :class: genproof-plot\n\n   {esc(caption)}\n"


def list_table(header: list[str], rows: list[list[str]], widths: list[int] | None = None) -> str:
    out = [".. list-table::", "   :header-rows: 1"]
    if widths:
        out.append("   :widths: " + " ".join(str(w) for w in widths))
    out.append("")
    for row in [header, *rows]:
        for k, cell in enumerate(row):
            out.append(("   * - " if k == 0 else "     - ") + (cell if cell.strip() else "\\ "))
    return "\n".join(out) + "\n"


# ---- splitting a step's LaTeX for an aligned display ------------------------------------------------------------

_RELATIONS = (r"\iff", r"\Leftrightarrow", r"\implies", r"\Rightarrow", r"\leq", r"\geq", r"\le", r"\ge",
              r"\neq", r"\ne", r"\approx", r"\equiv", r"\succeq", r"\preceq", r"\in", ":=", "=", "<", ">")


def split_relation(latex: str) -> tuple[str, str]:
    """Split ``latex`` before its first top-level relation: ``("lhs", "= rhs")``; ``("", latex)`` if none.

    Top level means outside braces and outside ``\\left … \\right`` pairs, so the ``=`` of a
    ``\\substack{t = …}`` subscript never splits an equation.
    """
    latex = latex.strip()
    if _relation_at(latex, 0):
        return "", latex
    depth = 0
    i = 0
    while i < len(latex):
        ch = latex[i]
        if ch == "\\" and latex.startswith(("\\left", "\\right"), i):
            is_left = latex.startswith("\\left", i) and not latex[i + 5:i + 6].isalpha()
            is_right = latex.startswith("\\right", i) and not latex[i + 6:i + 7].isalpha()
            if is_left or is_right:
                depth += 1 if is_left else -1
                i += 5 if is_left else 6
                continue
        if ch == "\\" and i + 1 < len(latex) and not latex[i + 1].isalpha():
            i += 2  # an escaped character such as \{ or \,
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif depth == 0 and _relation_at(latex, i):
            return latex[:i].rstrip(), latex[i:].strip()
        i += 1
    return "", latex


def _relation_at(latex: str, i: int) -> bool:
    return any(latex.startswith(rel, i) and not (rel[0] == "\\" and latex[i + len(rel):i + len(rel) + 1].isalpha())
               for rel in _RELATIONS)


# ---- collecting what the pages show ---------------------------------------------------------------------------

def symbolic_entry(result_id: str) -> dict:
    """The report entry of one result, checked now, plus what the proof display needs per step."""
    from derivations import planted, registry, report

    result = registry.get(result_id)
    try:
        entry = report.result_entry(result, {})
    except Exception as exc:  # a result whose check cannot run still gets a page saying why
        entry = {"id": result.id, "title": result.title, "statement": result.statement, "uses": list(result.uses),
                 "assumptions": [], "planted": planted.as_json(result),
                 "symbolic": {"status": "error", "seconds": 0.0, "steps": [],
                              "message": f"{type(exc).__name__}: {exc}"}}
        try:
            entry["statement_latex"] = result.statement_latex
        except Exception:
            entry["statement_latex"] = ""
        return entry
    for step, obj in zip(entry["symbolic"]["steps"], result.steps, strict=False):
        step["continues"] = bool(obj.claim.continues())
        step["label"] = obj.label
    return entry


def unchecked_entry(result_id: str) -> dict:
    """The entry of one result without running its checks: the steps' LaTeX and rules only.

    For the fast docs test (``-D genproof_symbolic=skip``); every page of such a build says so.
    """
    from derivations import planted, registry

    result = registry.get(result_id)
    steps = [{"index": i, "latex": s.latex(), "rule": s.rule, "kind": s.claim.kind, "status": "not run",
              "message": "", "continues": bool(s.claim.continues()), "label": s.label}
             for i, s in enumerate(result.steps, start=1)]
    return {"id": result.id, "title": result.title, "statement": result.statement,
            "statement_latex": result.statement_latex, "uses": list(result.uses),
            "assumptions": result.assumptions_latex(),
            "symbolic": {"status": "not run", "seconds": 0.0, "steps": steps},
            "planted": planted.as_json(result)}


def symbolic_entries(ids: list[str], run_checks: bool = True) -> list[dict]:
    """Every result's entry, in catalog order (serially: some checks run PyTorch, which must not be forked)."""
    return [symbolic_entry(i) if run_checks else unchecked_entry(i) for i in ids]


def load_json(path: Path) -> object | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


@dataclass
class Inputs:
    entries: list[dict]
    cached: dict[str, dict] = field(default_factory=dict)  # id -> cached report entry
    cached_from: str | None = None  # "docs/_data/report.json (2025-01-01 12:00 UTC)"
    experiments: list[dict] | None = None  # None: runs/experiments/experiments.json absent
    experiments_dir: Path | None = None
    model_images: list[Path] = field(default_factory=list)


def collect(report_path: Path, runs_dir: Path, models_static: Path, run_checks: bool = True) -> Inputs:
    from derivations import registry

    inputs = Inputs(entries=symbolic_entries(registry.ids(), run_checks))
    cached = load_json(report_path)
    if isinstance(cached, dict) and isinstance(cached.get("results"), list):
        inputs.cached = {e["id"]: e for e in cached["results"] if isinstance(e, dict) and "id" in e}
        when = datetime.fromtimestamp(report_path.stat().st_mtime, UTC).strftime("%Y-%m-%d %H:%M UTC")
        inputs.cached_from = f"{report_path.name} ({when})"
    exp_file = runs_dir / "experiments" / "experiments.json"
    rows = load_json(exp_file)
    if isinstance(rows, dict):
        rows = rows.get("rows") or rows.get("experiments") or rows.get("results")
    if isinstance(rows, list):
        inputs.experiments = [r for r in rows if isinstance(r, dict)]
        inputs.experiments_dir = exp_file.parent
    if models_static.is_dir():
        inputs.model_images = sorted(models_static.glob("*.png"))
    return inputs


def section(inputs: Inputs, entry: dict, name: str) -> dict | None:
    """The cached ``numeric``/``fuzz``/``empirical`` section of a result, marked stale if the proof changed."""
    cached = inputs.cached.get(entry["id"])
    if not cached or not isinstance(cached.get(name), dict):
        return None
    sec = dict(cached[name])
    if "statement_latex" in cached and cached["statement_latex"] != entry.get("statement_latex"):
        sec["stale"] = True
    old_steps = [s.get("latex") for s in cached.get("symbolic", {}).get("steps", [])]
    if old_steps and old_steps != [s.get("latex") for s in entry["symbolic"]["steps"]]:
        sec["stale"] = True
    return sec


def experiment_rows(inputs: Inputs, result_id: str) -> list[dict]:
    return [r for r in inputs.experiments or () if r.get("id") == result_id]


def overall_status(inputs: Inputs, entry: dict) -> str:
    if entry["symbolic"]["status"] == "not run":
        return "unchecked"
    if entry["symbolic"]["status"] != "pass":
        return "fail"
    ran = [s["status"] for name in EXTRA_SECTIONS if (s := section(inputs, entry, name)) and not s.get("stale")]
    ran += [r.get("status") for r in experiment_rows(inputs, entry["id"])]
    if any(s != "pass" for s in ran):
        return "fail"
    numeric = section(inputs, entry, "numeric")
    return "pass" if numeric and not numeric.get("stale") else "partial"


# ---- the result pages -----------------------------------------------------------------------------------------

def result_doc(result_id: str) -> str:
    return f"{GENERATED}/results/{result_id}"


def ref(result_id: str, registered: set[str]) -> str:
    if result_id in registered:
        return f":doc:`{result_id} </{result_doc(result_id)}>`"
    return f"``{result_id}`` (not registered yet)"


def proof_blocks(steps: list[dict]) -> list[list[dict]]:
    """Steps grouped into chains: a step and the steps that continue from it (PREV)."""
    blocks: list[list[dict]] = []
    for step in steps:
        if step.get("continues") and blocks:
            blocks[-1].append(step)
        else:
            blocks.append([step])
    return blocks


def proof_text(entry: dict) -> str:
    """The proof body: a first paragraph (sphinx-proof prefixes it with "Proof."), then one block per chain.

    Each block lists its steps' marks, kinds and rules, then shows the steps as one aligned display,
    numbered like the list; a step continuing from the previous one has an empty left side.
    """
    sym = entry["symbolic"]
    if not sym["steps"]:
        return f"The proof could not be checked: {esc(sym.get('message', 'no steps'))}\n"
    checked = sym["status"] != "not run"
    parts = ["Each step below was checked in this build against the steps before it.\n" if checked else
             "The steps, **not checked in this build** (``genproof_symbolic = skip``).\n"]
    for block in proof_blocks(sym["steps"]):
        items = []
        for step in block:
            line = f"- **({step['index']})** {step_mark(step['status'])} *{esc(step['kind'])}* — {esc(step['rule'])}"
            if step.get("message"):
                line += f" — {esc(step['message'])}"
            items.append(line)
        display = math_block(aligned_display(
            [(step["index"], *(("", step["latex"].strip()) if step.get("continues") else split_relation(step["latex"])))
             for step in block]))
        parts.append(".. container:: proof-block\n\n" + indent("\n".join(items) + "\n\n" + display))
    return "\n".join(parts)


#: Rows wider than this (in visible characters, roughly) put their right side on a line of its own.
LONG_ROW = 72


def visual_len(latex: str) -> int:
    """A rough count of the characters ``latex`` shows (commands, braces and scripts stripped)."""
    return len(re.sub(r"\\[a-zA-Z]+|[{}^_&\s]", "", latex))


def aligned_display(rows: list[tuple[int, str, str]]) -> str:
    """An ``aligned`` display of ``(number, lhs, relation + rhs)`` rows, the number on the left.

    Columns: the step number, then the left side (right-aligned) against the relation. When a row is
    too wide for the page, the whole block switches to one side per line, each right side indented.
    """
    long = any(visual_len(lhs) + visual_len(rest) > LONG_ROW for _, lhs, rest in rows)
    lines = []
    for number, lhs, rest in rows:
        tag = f"\\text{{({number})}}"
        if not long:
            lines.append(f"{tag} && {lhs} &{rest}")
        elif lhs:
            lines += [f"{tag} && &{lhs}", f"&& &\\qquad {rest}"]
        else:
            lines.append(f"{tag} && &\\qquad {rest}")
    return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"


def step_mark(status: str) -> str:
    """A step's mark: the symbol alone for a proved or given step, symbol and word otherwise."""
    symbol, role = MARKS.get(status, ("?", "st-warn"))
    return f":{role}:`{symbol}`" if status in ("pass", "given") else mark(status)


def symbolic_summary(entry: dict) -> str:
    sym = entry["symbolic"]
    steps = sym["steps"]
    if not steps:
        return esc(sym.get("message", ""))
    if sym["status"] == "not run":
        return f"{len(steps)} steps; **not checked in this build** (``genproof_symbolic = skip``)"
    counts: dict[str, int] = {}
    for s in steps:
        counts[s["status"]] = counts.get(s["status"], 0) + 1
    words = {"pass": "proved", "given": "given"}
    detail = ", ".join(f"{n} {words.get(k, k)}" for k, n in counts.items())
    return f"{len(steps)} steps ({detail}), checked in this build in {sym.get('seconds', 0):.2f} s"


def details_text(sec: dict) -> str:
    """The fields of a numeric/fuzz/empirical section other than its status, as reStructuredText."""
    out = []
    if sec.get("message"):
        out.append(esc(sec["message"]) + "\n")
    fields = []
    for key, value in sec.items():
        if key in ("status", "message", "stale"):
            continue
        if value in ([], {}, None, ""):
            continue
        if key == "checks" and isinstance(value, list) and all(isinstance(v, dict) and "estimate" in v for v in value):
            out.append(numeric_checks_table(value))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            keys = list(dict.fromkeys(k for v in value for k in v))
            rows = [[_cell(v.get(k)) for k in keys] for v in value]
            out.append(f"*{esc(key)}*:\n\n" + list_table([esc(k) for k in keys], rows))
        else:
            fields.append(f":{esc(key)}: {_cell(value)}")
    if fields:
        out.insert(1 if sec.get("message") else 0, "\n".join(fields) + "\n")
    return "\n".join(out)


def numeric_checks_table(checks: list[dict]) -> str:
    """Numeric checks, one row each: what is compared, the estimate against the catalog's value, the
    threshold, the samples, the error rates the test was designed for, and the verdict."""
    rows = []
    for c in checks:
        what = f"**{esc(c.get('name', ''))}**"
        if c.get("description") or c.get("compares"):
            what += " — " + esc(c.get("description") or c.get("compares"))
        if c.get("method"):
            what += f" *({esc(c['method'])})*"
        rates = f"{_cell(c.get('false_fail_rate'))} / {_cell(c.get('false_pass_rate'))}"
        rows.append([what, f"{_precise(c.get('estimate'))} vs {_precise(c.get('expected'))}",
                     _cell(c.get("threshold")), _cell(c.get("samples")), rates, _cell(c.get("status"))])
    return list_table(["check", "estimate vs expected", "threshold", "samples", "false fail / pass rate", "status"],
                      rows, [46, 16, 9, 9, 12, 8])


def _precise(value: object) -> str:
    return f"{value:.10g}" if isinstance(value, float) else _cell(value)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return mark(value) if value in ("pass", "fail", "error") else esc(value)
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, bool | int):
        return str(value)
    return f"``{json.dumps(value, ensure_ascii=False)}``"


def check_rows(inputs: Inputs, entry: dict) -> list[list[str]]:
    sym = entry["symbolic"]
    rows = [["symbolic", mark(sym["status"]), symbolic_summary(entry)]]
    for name in ("numeric", "fuzz"):
        sec = section(inputs, entry, name)
        if sec is None:
            rows.append([name, mark("not run"), "not run in this build"])
        elif sec.get("stale"):
            rows.append([name, mark("stale", f"stale ({sec.get('status', '?')})"),
                         f"from {esc(inputs.cached_from)}, before the proof last changed; re-run the report"])
        else:
            rows.append([name, mark(sec.get("status", "?")), f"from {esc(inputs.cached_from)}; see below"])
    exp = experiment_rows(inputs, entry["id"])
    sec = section(inputs, entry, "empirical")
    if exp:
        worst = "pass" if all(r.get("status") == "pass" for r in exp) else "fail"
        rows.append(["empirical", mark(worst), f"{len(exp)} experiment row(s) in runs/experiments; see below"])
    elif sec is not None:
        rows.append(["empirical", mark(sec.get("status", "?")), f"from {esc(inputs.cached_from)}; see below"])
    elif inputs.experiments is None:
        rows.append(["empirical", mark("not run"), "not run (no runs/experiments/experiments.json in this build)"])
    else:
        rows.append(["empirical", mark("not run"), "no experiment row for this result"])
    return rows


def plot_path(plot: str, inputs: Inputs, repo: Path) -> Path | None:
    p = Path(plot)
    candidates = [p] if p.is_absolute() else [repo / p, (inputs.experiments_dir or repo) / p]
    candidates.append((inputs.experiments_dir or repo) / p.name)
    return next((c for c in candidates if c.is_file()), None)


def empirical_text(inputs: Inputs, entry: dict, plots: dict[str, Path], repo: Path) -> str:
    rows = experiment_rows(inputs, entry["id"])
    sec = section(inputs, entry, "empirical")
    if not rows and sec is None:
        if inputs.experiments is None:
            return ("Not run: this build found no ``runs/experiments/experiments.json``. Run "
                    "``python -m models experiment all --quick`` and rebuild to include the measurements "
                    "and plots.\n")
        return "The experiments that were run have no row for this result.\n"
    out = []
    if sec is not None and not rows:
        out.append(details_text(sec))
    if rows:
        table = [[esc(r.get("name", r.get("id", ""))), _cell(r.get("measured")), _cell(r.get("theory")),
                  _cell(r.get("tolerance")), _cell(r.get("status"))] for r in rows]
        out.append(list_table(["experiment", "measured", "theory", "tolerance", "status"], table, [40, 15, 15, 15, 15]))
        for r in rows:
            for plot in r.get("plots") or ():
                src = plot_path(str(plot), inputs, repo)
                if src is None:
                    out.append(f"Plot ``{esc(plot)}`` is listed but missing from this build.\n")
                    continue
                name = f"{entry['id']}--{src.name}"
                plots[name] = src
                out.append(figure(f"/{GENERATED}/plots/{name}", r.get("name", src.stem)))
    return "\n".join(out)


def result_page(inputs: Inputs, entry: dict, registered: set[str], used_by: list[str],
                plots: dict[str, Path], repo: Path) -> str:
    rid = entry["id"]
    status = overall_status(inputs, entry)
    out = [f".. _{rid}:\n", heading(f"{rid} — {entry['title']}")]
    symbol, role = OVERALL_MARKS[status]
    out.append(f"Overall: :{role}:`{symbol} {esc(NODE_STYLE[status][1])}`. "
               f"Back to the :doc:`overview </{GENERATED}/overview>`.\n")
    links = []
    if entry.get("uses"):
        links.append("**Uses:** " + ", ".join(ref(u, registered) for u in entry["uses"]))
    if used_by:
        links.append("**Used by:** " + ", ".join(ref(u, registered) for u in used_by))
    if links:
        out.append("\n\n".join(links) + "\n")

    theorem = [esc(entry.get("statement", "")) + "\n"]
    if entry.get("statement_latex"):
        lhs, rest = split_relation(entry["statement_latex"])
        long = visual_len(lhs) + visual_len(rest) > LONG_ROW and lhs
        theorem.append(math_block(f"\\begin{{aligned}}\n&{lhs} \\\\\n&\\qquad {rest}\n\\end{{aligned}}" if long
                                  else entry["statement_latex"]))
    if entry.get("assumptions"):
        theorem.append("**Assumptions** (the declared domains):\n")
        theorem.append("\n".join(f"- {math_inline(a)}" for a in entry["assumptions"]) + "\n")
    out.append(f".. prf:theorem:: {esc(entry['title'])}\n   :label: thm-{rid}\n   :nonumber:\n\n"
               + indent("\n".join(theorem)))

    out.append(heading("Checks", "-"))
    out.append(list_table(["check", "status", "details"], check_rows(inputs, entry), [12, 18, 70]))

    out.append(heading("Proof", "-"))
    out.append(".. prf:proof::\n\n" + indent(proof_text(entry)))

    for name in ("numeric", "fuzz"):
        out.append(heading(name.capitalize(), "-"))
        sec = section(inputs, entry, name)
        if sec is None:
            out.append("Not run in this build (no cached report; see the README's *Docs* section).\n")
        else:
            note = " (stale: the proof changed after this report was written)" if sec.get("stale") else ""
            out.append(f"Status {mark(sec.get('status', '?'))}{note}, from {esc(inputs.cached_from)}.\n")
            out.append(details_text(sec))

    out.append(heading("Empirical", "-"))
    out.append(empirical_text(inputs, entry, plots, repo))

    out.append(heading("Planted errors", "-"))
    planted = entry.get("planted") or []
    if planted:
        out.append("Wrong copies of this proof that the engine must reject, each at exactly its step "
                   "(``python -m pytest -k derivations`` checks this):\n")
        rows = [[f'{p["step"]} ({esc(p.get("label") or "")})', esc(p["what"])] for p in planted]
        out.append(list_table(["step (label)", "what is planted"], rows, [15, 85]))
    else:
        out.append("None declared.\n")
    return "\n".join(out)


# ---- the overview ---------------------------------------------------------------------------------------------

def dot_graph(inputs: Inputs, target_uri: dict[str, str]) -> str:
    entries = {e["id"]: e for e in inputs.entries}
    missing = sorted({u for e in inputs.entries for u in e.get("uses", ()) if u not in entries})
    lines = ["digraph results {",
             '  graph [rankdir=LR, bgcolor="transparent", nodesep=0.2, ranksep=0.4, fontsize=12];',
             '  node [shape=box, style="rounded,filled", fontsize=11, margin="0.1,0.04", target="_top"];',
             '  edge [color="#666666", arrowsize=0.7];']
    groups: dict[str, list[str]] = {}
    for rid in [*entries, *missing]:
        groups.setdefault(rid.split(".", 1)[0], []).append(rid)
    # rankdir=LR stacks clusters bottom-up: emit them in reverse so the catalog's first group is on top.
    for k, (prefix, members) in enumerate(reversed(groups.items())):
        lines.append(f"  subgraph cluster_{k} {{")
        lines.append(f'    label="{_dot_str(cluster_title(prefix))}"; style="rounded,dashed"; color="#aaaaaa";')
        for rid in members:
            lines.append("    " + _dot_node(rid, entries.get(rid), inputs, target_uri.get(rid)))
        lines.append("  }")
    for e in inputs.entries:
        for used in e.get("uses", ()):
            lines.append(f'  "{_dot_str(used)}" -> "{_dot_str(e["id"])}";')
    lines.append("}")
    return "\n".join(lines)


def _dot_str(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _dot_node(rid: str, entry: dict | None, inputs: Inputs, uri: str | None) -> str:
    name = html.escape(rid.split(".", 1)[-1])
    if entry is None:
        label = f'<{name}<br/><font point-size="8">not registered</font>>'
        return (f'"{_dot_str(rid)}" [label={label}, fillcolor="{NODE_STYLE["missing"][0]}", '
                'style="rounded,dashed,filled"];')
    status = overall_status(inputs, entry)
    title = "<br/>".join(html.escape(t) for t in textwrap.wrap(entry["title"], 30))
    label = f'<<b>{name}</b><br/><font point-size="9">{title}</font>>'
    tooltip = _dot_str(f"{rid}: {entry['title']} [{status}]")
    return (f'"{_dot_str(rid)}" [label={label}, fillcolor="{NODE_STYLE[status][0]}", '
            f'URL="{_dot_str(uri or "")}", tooltip="{tooltip}"];')


def overview_page(inputs: Inputs, target_uri: dict[str, str]) -> str:
    out = [".. _overview:\n", heading("Overview: the results and how they depend on each other")]
    out.append(":doc:`Contents </index>` · :doc:`Models </generated/models/index>` · "
               ":doc:`API reference </generated/api/index>`\n")
    n = len(inputs.entries)
    proved = sum(e["symbolic"]["status"] == "pass" for e in inputs.entries)
    if any(e["symbolic"]["status"] == "not run" for e in inputs.entries):
        checked = "the symbolic checks were **skipped** in this build (``genproof_symbolic = skip``)"
    else:
        checked = f"{proved} of them pass the symbolic check in this build"
    out.append(f"{n} results are registered; {checked}. An arrow goes from a result to the results that use it. "
               "Click a node to open its proof page.\n")
    out.append(".. graphviz::\n   :align: center\n   :alt: dependency graph of the results\n\n"
               + indent(dot_graph(inputs, target_uri)) + "\n")
    shown = {overall_status(inputs, e) for e in inputs.entries}
    if any(u not in {e["id"] for e in inputs.entries} for e in inputs.entries for u in e.get("uses", ())):
        shown.add("missing")
    out.append("Colours: " + "; ".join(
        f":raw-html:`<span class=\"swatch\" style=\"background:{colour}\"></span>` {esc(text)}"
        for status, (colour, text) in NODE_STYLE.items() if status in shown) + ".\n")
    if inputs.cached_from:
        out.append(f"Numeric and fuzz statuses come from the cached report {esc(inputs.cached_from)}.\n")
    else:
        out.append("Numeric and fuzz checks: not run in this build (no cached report ``docs/_data/report.json``).\n")
    rows = []
    for e in inputs.entries:
        cells = check_rows(inputs, e)
        rows.append([f":doc:`{e['id']} </{result_doc(e['id'])}>`", esc(e["title"]), *(c[1] for c in cells)])
    out.append(heading("Status of every result", "-"))
    out.append(list_table(["ID", "title", "symbolic", "numeric", "fuzz", "empirical"], rows, [26, 34, 10, 10, 10, 10]))
    out.append(".. toctree::\n   :hidden:\n\n" + "\n".join(f"   /{result_doc(e['id'])}" for e in inputs.entries) + "\n")
    return "\n".join(out)


# ---- model pages ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Model:
    name: str  # CLI name, also the prefix of its pictures in docs/_static/models/
    title: str
    task: str
    command: str
    what: str
    produces: str
    findings: str
    results: tuple[str, ...] = ()


_RUN_FILES = ("The run directory holds ``metrics.csv`` (one row per logged step), ``learning_curves.png``, "
              "``samples/*.png`` (sample grids at the first and last epoch, or at ``--sample-epochs``), "
              "``summary.json`` and ``checkpoint/`` (safetensors weights; ``--resume`` continues from it)")

MODELS = (
    Model("ns-gan", "Non-saturating GAN", "train.ns_gan", "python -m models train ns-gan",
          "A DCGAN-style GAN on Fashion-MNIST for one epoch. The generator minimizes −E_z[log σ(h(G(z)))] "
          "(the non-saturating loss), whose gradient does not vanish when the discriminator rejects the fakes.",
          _RUN_FILES + ".",
          "The discriminator's logit on fakes should stay bounded and the generator's gradient norm should not "
          "collapse; after one epoch the samples should show the garment classes' outlines.",
          ("gan.optimal_discriminator", "gan.logit_log_ratio", "gan.minimax_gradient")),
    Model("cgan-projection", "Conditional GAN with a projection discriminator", "train.cgan_projection",
          "python -m models train cgan-projection",
          "A class-conditional GAN on Fashion-MNIST for one epoch; the discriminator's logit is "
          "h(x, y) = ψ(φ(x)) + yᵀ(Aφ(x) + b), the form the projection-discriminator result derives.",
          _RUN_FILES + "; the sample grids have one row per class.",
          "Each row of the sample grid should show its own class: the label enters the discriminator only "
          "through the projection term yᵀAφ(x).",
          ("gan.projection_discriminator",)),
    Model("wgan-gp", "WGAN with gradient penalty", "train.wgan_gp", "python -m models train wgan-gp",
          "A Wasserstein GAN on Fashion-MNIST for one epoch: a critic with raw scores, k = 5 critic steps per "
          "generator step, and a gradient penalty λ = 10 that keeps the critic close to 1-Lipschitz. An epoch is "
          "N/B = 937 generator steps, the critic making five passes over the data (``--d-passes 1`` gives the "
          "one-pass epoch of 187 generator steps, too few for recognizable samples).",
          _RUN_FILES + "; ``gp`` in the metrics is the penalty term.",
          "The critic's loss should stay finite (the Lipschitz constraint removes the unbounded critic) and "
          "estimate minus the Wasserstein-1 distance.",
          ("wgan.unbounded_critic", "wgan.lipschitz_critic", "wgan.gaussian_kl")),
    Model("minimax-gan", "Minimax GAN", "train.mnist_gan_study (b)", "python -m models train minimax-gan",
          "The original minimax generator update, descent on E_z[log(1 − σ(h(G(z))))].",
          _RUN_FILES + "; ``g_grad_norm`` in the metrics shows the generator's gradient.",
          "Early in training the discriminator rejects the fakes (h → −∞), and the minimax gradient −σ(h)·∂h/∂θ "
          "vanishes, so the generator should learn far more slowly than with the non-saturating loss.",
          ("gan.minimax_gradient",)),
    Model("vae", "Variational autoencoder", "train.vae", "python -m models train vae",
          "A VAE on MNIST trained with the reparameterization trick z = μ + σ⊙ε, maximizing the ELBO.",
          "The negative ELBO per epoch (learning curves) and a grid of decoded samples from the prior.",
          "The negative ELBO should decrease every epoch; the samples should look like digits.",
          ("vae.elbo_jensen", "vae.gaussian_kl", "vae.reparameterization", "vae.decoder_nll")),
    Model("flow", "Normalizing flow", "train.flow", "python -m models train flow",
          "A normalizing flow (coupling or masked autoregressive layers) on a 2-D data set, trained by maximum "
          "likelihood with the change-of-variables formula.",
          "The test negative log-likelihood and a scatter plot of 1000 samples from the trained model.",
          "The 1000 samples should cover the data set's shape; the test NLL is reported in nats.",
          ("cov.flow_density", "cov.uv_jacobian")),
)

STUDY = Model("mnist-gan", "The MNIST GAN study", "train.mnist_gan_study", "python -m models study mnist-gan",
              "Three MNIST GANs trained for 100 epochs: (a) the standard loop (discriminator ascent, generator ascent "
              "on log D(G(z))), (b) the original minimax generator update, descent on log(1 − D(G(z))), and (c) an "
              "improved recipe (learning rate 1e-4, k = 5 discriminator steps per generator step, one-sided label "
              "smoothing and a spectrally normalized discriminator).",
              "Learning curves of each run and sample grids at epochs 1, 50 and 100. The pictures below come from "
              "the 100-epoch study on Fashion-MNIST with the MLP networks (``--dataset fashion-mnist --arch mlp``): "
              "Fréchet distances (a) 57.1, (b) 29.1, (c) 39.3; the minimax run's mean D(G(z)) never fell below "
              "0.28, so its gradient did not saturate.",
              "Run (b) against run (a): with the minimax update the generator's gradient −σ(h)·∂h/∂θ vanishes "
              "while the discriminator confidently rejects the fakes, so the minimax run should improve far more "
              "slowly; "
              "the non-saturating gradient −(1 − σ(h))·∂h/∂θ does not vanish there. Run (c) against run (a): "
              "smaller steps and a Lipschitz-constrained discriminator should keep the two players balanced, with "
              "steadier curves.",
              ("gan.minimax_gradient", "gan.optimal_discriminator"))


def _figures(images: Iterable[Path], prefix: str, exclude: tuple[str, ...] = ()) -> str:
    out = []
    for img in images:
        stem = img.stem
        if stem.startswith(prefix) and not any(stem.startswith(x) for x in exclude):
            caption = stem.replace("_", " ").replace("-", " ")
            out.append(figure(f"/_static/models/{img.name}", caption))
    return "\n".join(out)


def _variant_table() -> str | None:
    try:
        variants = import_module("models.variants").VARIANTS
    except Exception:
        return None
    rows = []
    for name, v in variants.items():
        disc = ["critic" if getattr(v, "critic", False) else "logistic"]
        if getattr(v, "gp_weight", 0):
            disc.append(f"gradient penalty λ = {v.gp_weight:g}")
        if getattr(v, "conditional", False):
            disc.append("projection (conditional)")
        if getattr(v, "spectral_norm", False):
            disc.append("spectral norm")
        target = getattr(v, "real_target", 1.0)
        if target != 1.0:
            disc.append(f"real label {target:g}")
        lr = f"{getattr(v, 'lr_g', '?'):g} / {getattr(v, 'lr_d', '?'):g}"
        betas = ", ".join(f"{b:g}" for b in getattr(v, "betas", ()))
        rows.append([f"``{name}``", esc(getattr(v, "g_loss", "")), esc(", ".join(disc)),
                     str(getattr(v, "d_steps", "")), str(getattr(v, "d_passes", 1)), esc(lr), esc(f"({betas})")])
    return list_table(["variant", "generator loss", "discriminator", "k", "passes / epoch", "lr G / D", "Adam β"],
                      rows, [15, 15, 32, 5, 9, 13, 11])


def model_page(model: Model, images: list[Path], registered: set[str]) -> str:
    out = [heading(f"{model.title} (``{model.name}``)")]
    out.append(f"Task ``{model.task}``. {model.what}\n")  # the model texts are reStructuredText
    out.append(heading("Train it", "-"))
    help_line = "\n   python -m models train --help   # every option" if " train " in model.command else ""
    out.append(f".. code-block:: bash\n\n   {model.command}{help_line}\n")
    out.append(heading("What it produces", "-"))
    out.append(model.produces + "\n")
    out.append(heading("What to look for", "-"))
    out.append(model.findings + "\n")
    figs = _figures(images, model.name, exclude=("mnist-gan",) if model.name != "mnist-gan" else ())
    out.append(heading("Pictures from a run", "-"))
    out.append(figs if figs else f"*No pictures in this build* (``docs/_static/models/{model.name}*.png``).\n")
    if model.results:
        out.append("**Theory behind it:** " + ", ".join(ref(r, registered) for r in model.results) + "\n")
    return "\n".join(out)


def experiments_page(inputs: Inputs, plots: dict[str, Path], registered: set[str], repo: Path) -> str:
    out = [heading("Experiments: theory against measurement")]
    out.append("``python -m models experiment all --quick`` measures what a theory result predicts and writes "
               "``runs/experiments/experiments.json`` (one row per measurement: ID, measured, theory, tolerance, "
               "status, plots). Each row also appears on its result's page.\n")
    if inputs.experiments is None:
        out.append("*Not run in this build:* no ``runs/experiments/experiments.json`` was found.\n")
        return "\n".join(out)
    rows = [[ref(r.get("id", "?"), registered), esc(r.get("name", "")), _cell(r.get("measured")),
             _cell(r.get("theory")), _cell(r.get("tolerance")), _cell(r.get("status"))] for r in inputs.experiments]
    out.append(list_table(["result", "experiment", "measured", "theory", "tolerance", "status"], rows) if rows
               else "The file has no rows.\n")
    for r in inputs.experiments:
        if r.get("id") in registered:
            continue  # its plots are on the result's page
        for plot in r.get("plots") or ():
            src = plot_path(str(plot), inputs, repo)
            if src is not None:
                name = f"experiments--{src.name}"
                plots[name] = src
                out.append(figure(f"/{GENERATED}/plots/{name}", r.get("name", src.stem)))
    return "\n".join(out)


def models_index(images: list[Path]) -> str:
    out = [heading("Models")]
    out.append("Every GAN variant is trained by one loop (``models/trainer.py``): k discriminator (critic) steps, "
               "then one generator step. The commands:\n")
    rows = [[f"``{m.command}``", esc(m.title)] for m in (*MODELS, STUDY)]
    rows.append(["``python -m models experiment all --quick``", "the experiments: theory against measurement"])
    out.append(list_table(["command", "what"], rows, [55, 45]))
    table = _variant_table()
    if table:
        out.append("The GAN variants' settings, read from ``models.variants.VARIANTS`` at build time:\n")
        out.append(table)
    out.append(".. toctree::\n   :maxdepth: 1\n\n" + "\n".join(
        f"   {m.name}" for m in (*MODELS, STUDY)) + "\n   experiments\n")
    return "\n".join(out)


# ---- API reference --------------------------------------------------------------------------------------------

def importable(names: Iterable[str]) -> list[str]:
    found = []
    for name in names:
        try:
            import_module(name)
        except Exception:
            continue
        found.append(name)
    return found


def api_pages(modules: list[str]) -> dict[str, str]:
    pages = {}
    for name in modules:
        pages[f"{GENERATED}/api/{name}"] = heading(f"``{name}``") + f"\n.. automodule:: {name}\n"
    index = [heading("API reference"),
             "The public modules that import in this build (modules still being written are left out).\n",
             ".. toctree::\n   :maxdepth: 1\n\n" + "\n".join(f"   {m}" for m in modules) + "\n"]
    pages[f"{GENERATED}/api/index"] = "\n".join(index)
    return pages


# ---- writing --------------------------------------------------------------------------------------------------

def catalog_page(inputs: Inputs) -> str:
    """The catalog: every registered result's statement, assumptions and steps, grouped by ID prefix.

    Generated from the registry, so results that other installed packages add through the entry-point group
    ``genproof.results`` appear here too.
    """
    registered = {e["id"] for e in inputs.entries}
    out = [heading("Catalog of results"),
           f"{len(inputs.entries)} results, generated from the registry (``python -m derivations list``): each "
           "one's statement, assumptions and steps, with the rule that justifies each step and its mark in this "
           "build. Each title links to the result's page (its checks, planted errors and experiment). In a "
           "terminal: ``python -m derivations show ID`` prints the same proof, ``python -m derivations where ID`` "
           "where its parts live.\n"]
    clusters: dict[str, list[dict]] = {}
    for e in inputs.entries:
        clusters.setdefault(e["id"].split(".")[0], []).append(e)
    for prefix, entries in clusters.items():
        out.append(heading(esc(cluster_title(prefix)), "-"))
        for e in entries:
            out.append(heading(esc(f"{e['id']}: {e['title']}"), "~"))
            out.append(f"{ref(e['id'], registered)} · {esc(e['statement'])}\n")
            if e.get("statement_latex"):
                out.append(math_block(e["statement_latex"]))
            if e.get("assumptions"):
                out.append("**Assumptions.**\n\n" + "\n".join(f"- {math_inline(a)}" for a in e["assumptions"]) + "\n")
            steps = e.get("symbolic", {}).get("steps", [])
            if steps:
                out.append("**Steps.**\n\n" + "\n".join(
                    f"{s['index']}. {mark(s['status'])} {esc(s['rule'])}: {math_inline(s['latex'])}" for s in steps)
                    + "\n")
    return "\n".join(out)


def generate(srcdir: Path, inputs: Inputs, target_uri: dict[str, str], repo: Path) -> dict[str, str]:
    """All generated pages, docname -> reStructuredText; copies plots into ``generated/plots``."""
    registered = {e["id"] for e in inputs.entries}
    used_by: dict[str, list[str]] = {}
    for e in inputs.entries:
        for u in e.get("uses", ()):
            used_by.setdefault(u, []).append(e["id"])
    plots: dict[str, Path] = {}
    pages = {f"{GENERATED}/overview": overview_page(inputs, target_uri), f"{GENERATED}/catalog": catalog_page(inputs)}
    for e in inputs.entries:
        pages[result_doc(e["id"])] = result_page(inputs, e, registered, used_by.get(e["id"], []), plots, repo)
    pages[f"{GENERATED}/models/index"] = models_index(inputs.model_images)
    for m in (*MODELS, STUDY):
        pages[f"{GENERATED}/models/{m.name}"] = model_page(m, inputs.model_images, registered)
    pages[f"{GENERATED}/models/experiments"] = experiments_page(inputs, plots, registered, repo)
    pages.update(api_pages(importable(API_MODULES)))
    files = {f"{doc}.rst": text for doc, text in pages.items()}
    write_tree(srcdir, files, {f"{GENERATED}/plots/{name}": src for name, src in plots.items()})
    return pages


def write_tree(srcdir: Path, files: dict[str, str], copies: dict[str, Path]) -> None:
    root = srcdir / GENERATED
    keep = set()
    for rel, text in files.items():
        path = srcdir / rel
        keep.add(path)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    for rel, src in copies.items():
        path = srcdir / rel
        keep.add(path)
        if not path.is_file() or path.read_bytes() != src.read_bytes():
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, path)
    for path in sorted(root.rglob("*"), reverse=True):  # files this run did not write, then empty folders
        if path.is_file() and path not in keep:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()


def _on_builder_inited(app) -> None:
    srcdir = Path(app.srcdir)
    repo = Path(app.config.genproof_repo or srcdir.parent)
    mode = app.config.genproof_symbolic
    if mode not in ("check", "skip"):
        raise ValueError(f"genproof_symbolic must be 'check' or 'skip', got {mode!r}")
    inputs = collect(Path(app.config.genproof_report), Path(app.config.genproof_runs),
                     Path(app.config.genproof_models_static), run_checks=mode == "check")
    here = f"{GENERATED}/overview"
    target_uri = {}
    for e in inputs.entries:
        uri = app.builder.get_target_uri(result_doc(e["id"]))
        target_uri[e["id"]] = posixpath.relpath(uri, posixpath.dirname(app.builder.get_target_uri(here)) or ".")
    generate(srcdir, inputs, target_uri, repo)


def setup(app):
    app.add_config_value("genproof_repo", "", "env")  # relative plot paths in experiments.json start here
    app.add_config_value("genproof_report", "", "env")
    app.add_config_value("genproof_runs", "", "env")
    app.add_config_value("genproof_models_static", "", "env")
    #: "check" runs every result's symbolic checks (the published build); "skip" only lays the
    #: steps out, for a fast test of the page machinery.
    app.add_config_value("genproof_symbolic", "check", "env")
    app.connect("builder-inited", _on_builder_inited)
    return {"version": "1", "parallel_read_safe": False, "parallel_write_safe": True}
