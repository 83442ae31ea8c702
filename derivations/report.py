"""The verification report: one JSON-able object per result, and its text form.

The shape is stable and documented in README.md ("The verify report"):
``{"results": [{"id", "title", "statement", "statement_latex", "uses",
"assumptions", "symbolic": {"status", "seconds", "steps": [...]},
"planted": [...]}], "summary": {...}}``. Other sections (``numeric``,
``fuzz``, ``empirical``) are added by the modules that compute them through
:data:`SECTIONS`.
"""

from __future__ import annotations

import concurrent.futures
import json
import multiprocessing
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from derivations import engine, planted
from derivations.engine import Result

#: Extra per-result sections: name -> function(result, options) -> dict or None.
SECTIONS: dict[str, Callable[[Result, dict], dict | None]] = {}


def numeric_section(result: Result, options: dict) -> dict:
    """Monte Carlo / quadrature / optimizer checks of the result's closed forms, under ``options["seeds"]``.

    Args:
        result: the result whose closed forms are checked.
        options: the report's options; ``seeds`` (a list) or ``seed`` (an int, default 0) is read.

    Returns:
        The numeric section: its ``status``, ``checks`` and ``failures`` (see :func:`derivations.numeric.run_numeric`).
    """
    from derivations import numeric  # imported here so the symbolic-only run stays light

    seeds = options.get("seeds") or [options.get("seed", 0)]
    return numeric.run_numeric(result, seeds)


def fuzz_section(result: Result, options: dict) -> dict:
    """Hypothesis properties of the result's closed forms (profile from HYPOTHESIS_PROFILE).

    Args:
        result: the result whose closed forms are fuzzed.
        options: the report's options (none is read: the profile comes from the environment).

    Returns:
        The fuzz section: its ``status`` and ``properties`` (see :func:`derivations.numeric.run_fuzz`).
    """
    from derivations import numeric

    return numeric.run_fuzz(result)


#: Where ``python -m models experiment`` writes its last run's rows.
EXPERIMENTS_JSON = Path("runs/experiments/experiments.json")


def empirical_section(result: Result, options: dict) -> dict | None:
    """What trained models measured against the result's prediction (``python -m models experiment``).

    Rows come from the last run's JSON (``options["experiments_json"]``), or
    from a ``--quick`` run made now when ``options["run_experiments"]`` is set.
    ``None`` when the result has no experiment row.

    Args:
        result: the result whose experiment rows are wanted.
        options: the report's options; ``experiments_json``, ``run_experiments``, ``experiments_out`` and ``seed``
            are read.

    Returns:
        ``{"status", "source", "message", "rows"}``, or None when there is no row for the result.
    """
    if options.get("run_experiments"):
        from models.experiments import EXPERIMENTS, run_experiment

        if result.id not in EXPERIMENTS:
            return None
        out = Path(options.get("experiments_out", "runs/experiments"))
        rows, source = run_experiment(result.id, quick=True, out=out, seed=options.get("seed", 0)), "run now (--quick)"
    else:
        path = Path(options.get("experiments_json", EXPERIMENTS_JSON))
        if not path.exists():
            return None
        all_rows = json.loads(path.read_text())["experiments"]
        rows, source = [r for r in all_rows if r["id"] == result.id], str(path)
    if not rows:
        return None
    failed = [r["name"] for r in rows if r["status"] != "pass"]
    return {"status": "fail" if failed else "pass", "source": source,
            "message": f"failed: {', '.join(failed)}" if failed else f"{len(rows)} measurement(s) within tolerance",
            "rows": rows}


SECTIONS["numeric"] = numeric_section
SECTIONS["fuzz"] = fuzz_section
SECTIONS["empirical"] = empirical_section


def symbolic_section(result: Result, seed: int = 0) -> dict:
    """The step-by-step symbolic check of one result, timed.

    Args:
        result: the result whose proof is checked.
        seed: the seed of the spot-check random numbers.

    Returns:
        ``{"status", "seconds", "steps"}``: the proof's status, the wall time and each step's JSON.
    """
    t0 = time.perf_counter()
    rep = engine.check(result, seed=seed)
    return {"status": rep.status, "seconds": round(time.perf_counter() - t0, 3),
            "steps": [s.as_json() for s in rep.steps]}


def result_entry(result: Result, options: dict) -> dict:
    """One result's entry of the verify report: its statement, symbolic check, planted errors and sections.

    Args:
        result: the result to check.
        options: the report's options; ``seed`` and ``sections`` (names of :data:`SECTIONS` to add) are read,
            and the rest is passed to each section.

    Returns:
        A JSON-able dict with the keys listed in the module docstring, plus one per section that applies.
    """
    entry = {
        "id": result.id,
        "title": result.title,
        "statement": result.statement,
        "statement_latex": result.statement_latex,
        "uses": list(result.uses),
        "assumptions": result.assumptions_latex(),
        "symbolic": symbolic_section(result, options.get("seed", 0)),
        "planted": planted.as_json(result),
    }
    for name, section in SECTIONS.items():
        if name in options.get("sections", ()):
            value = section(result, options)
            if value is not None:
                entry[name] = value
    return entry


def _entry_by_id(result_id: str, options: dict) -> dict:
    from derivations import registry

    return result_entry(registry.get(result_id), options)


def build(results: Iterable[Result], options: dict | None = None, jobs: int = 1) -> dict:
    """The verify report of ``results``; ``jobs`` > 1 checks that many results at a time in forked processes.

    Each result is checked alone (its steps share a context, results share nothing), so the entries do not
    depend on ``jobs``; they come back in the order of ``results``.

    Args:
        results: the results to check, in report order.
        options: the report's options (see :func:`result_entry`); None means none.
        jobs: how many results to check at a time (1: in this process).

    Returns:
        ``{"results": [entry, …], "summary": {...}}``; the summary counts pass and fail by section and says
        ``"pass"`` only if every section of every result passed.
    """
    options = options or {}
    results = list(results)
    if jobs > 1 and len(results) > 1 and "fork" in multiprocessing.get_all_start_methods():
        # fork: the children inherit the registry (entry-point results too) and the cache setting; a result is
        # sent by its ID, since its build function does not pickle.
        with concurrent.futures.ProcessPoolExecutor(min(jobs, len(results)),
                                                    mp_context=multiprocessing.get_context("fork")) as pool:
            entries = list(pool.map(_entry_by_id, [r.id for r in results], [options] * len(results)))
    else:
        entries = [result_entry(r, options) for r in results]
    summary: dict[str, object] = {"results": len(entries)}
    for kind in ("symbolic", *SECTIONS):
        statuses = [e[kind]["status"] for e in entries if kind in e]
        if statuses:
            summary[kind] = {"pass": statuses.count("pass"), "fail": len(statuses) - statuses.count("pass")}
    summary["status"] = "pass" if all(
        e[k]["status"] == "pass" for e in entries for k in ("symbolic", *SECTIONS) if k in e) else "fail"
    return {"results": entries, "summary": summary}


_MARK = {"pass": "✓", "given": "·", "fail": "✗", "error": "!", "undecided": "?", "unproved": "–"}


def text(report: dict) -> str:
    """The verify report as text: a line a result, the steps and checks that did not pass, then the counts.

    Args:
        report: a report made by :func:`build`.

    Returns:
        The text, lines joined by newlines.

    >>> print(text({"results": [{"id": "demo.one", "title": "One", "symbolic": {"status": "pass", "seconds": 0.5,
    ...                                                                          "steps": []}}],
    ...             "summary": {"results": 1, "symbolic": {"pass": 1, "fail": 0}, "status": "pass"}}))
    ✓ demo.one: One  [pass, 0.50s]
    <BLANKLINE>
    symbolic: 1/1 pass  → PASS
    """
    lines = []
    for e in report["results"]:
        sym = e["symbolic"]
        mark = _MARK.get(sym["status"], "?")
        lines.append(f"{mark} {e['id']}: {e['title']}  [{sym['status']}, {sym['seconds']:.2f}s]")
        for s in sym["steps"]:
            if s["status"] not in ("pass", "given"):
                lines.append(f"    step {s['index']} ({s['kind']}, {s['rule']}): {s['status']} — {s['message']}")
        for name in SECTIONS:
            if name in e:
                sec = e[name]
                lines.append(f"    {name}: {sec['status']}{_detail(name, sec)}"
                             + (f" — {sec['message']}" if sec.get("message") else ""))
                if name == "numeric":
                    for c in sec.get("checks", []):
                        if c["status"] != "pass":
                            lines.append(f"        {c['name']}: {c['status']} — estimate {c['estimate']} vs "
                                         f"expected {c['expected']} (threshold {c['threshold']}) {c['note']}")
    s = report["summary"]
    lines.append("")
    lines.append(" ".join(f"{k}: {v['pass']}/{v['pass'] + v['fail']} pass" for k, v in s.items()
                          if isinstance(v, dict) and "pass" in v) + f"  → {s['status'].upper()}")
    return "\n".join(lines)


def _detail(name: str, sec: dict) -> str:
    if name == "numeric" and "checks" in sec:
        mc = sum(1 for c in sec["checks"] if c.get("monte_carlo"))
        return (f" ({len(sec['checks'])} checks, {mc} Monte Carlo; {sec.get('runs', 1)} seed(s); "
                f"{len(sec.get('failures', []))} failed runs; {sec.get('seconds', 0):.1f}s)")
    if name == "fuzz" and "properties" in sec:
        return f" ({len(sec['properties'])} properties, {sec['examples']} examples)"
    return ""
