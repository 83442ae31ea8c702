#!/usr/bin/env python
"""Mutation testing of the checker: every one-line change to its logic must make a test fail.

mutmut (configured in ``[tool.mutmut]`` of pyproject.toml) copies ``derivations/``
into ``./mutants/``, changes one operator, constant, name or string at a time in
the checker's functions, and runs only the selected tests that execute the
changed function. This script chooses the functions in scope, runs mutmut, and
prints the score per file::

    python scripts/mutation.py                 # fresh run, 2 worker processes
    python scripts/mutation.py --workers 1     # on a busy machine
    python scripts/mutation.py --resume        # keep ./mutants/, re-test what changed
    python scripts/mutation.py --report        # score of the last run, no testing
    python scripts/mutation.py --retest        # after adding tests: re-test only what was not killed
    python scripts/mutation.py --show          # also print each unexplained survivor's diff
    python scripts/mutation.py --file derivations/numeric/bounds.py   # one file only

In scope: derivations/claims.py, decide.py, engine.py, domains.py and
numeric/bounds.py in full, except functions that only render LaTeX or JSON
(``RENDERING`` below); from numeric/core.py the sample sizing and the pass/fail
rule (``CORE_FUNCTIONS``).

A surviving mutant either gets a test (tests/test_checker_mutants.py) or an
entry in tests/mutation/equivalent.md saying why no test can tell it apart.
Entries are matched by function and by the changed line, not by mutmut's
running number, so they survive unrelated edits and go stale (and are
reported) when the line itself changes.

Exit status: 0 when every mutant in scope is killed, timed out, or listed as
equivalent; 1 when a mutant survives unexplained or no selected test runs it.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ROOT / "mutants"
EQUIVALENT = ROOT / "tests" / "mutation" / "equivalent.md"
SEP = "ǁ"  # mutmut's separator between class and method in a mutant's name

#: Files whose every function is in scope (except RENDERING).
WHOLE_FILES = (
    "derivations/claims.py",
    "derivations/decide.py",
    "derivations/engine.py",
    "derivations/domains.py",
    "derivations/numeric/bounds.py",
)
#: Functions that only turn a result into LaTeX or JSON: not part of any verdict.
RENDERING = {"latex", "__repr__", "as_json", "assumptions_latex", "statement_latex",
             "_limit"}  # LimitIs._limit: the unevaluated Limit that latex() prints
#: numeric/core.py: the sample sizing (Context's methods) and the pass/fail rule.
CORE = "derivations/numeric/core.py"
CORE_FUNCTIONS = {"_agrees", "_check_count", "_gap", "check_seed", "Context.*"}

#: mutmut's exit codes → our categories (mutmut.stats.status_by_exit_code).
STATUS = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests",
          36: "timeout", 24: "timeout", -24: "timeout", 152: "timeout", 255: "timeout"}


def _module(path: str) -> str:
    return path.removesuffix(".py").replace("/", ".")


def _functions(path: str) -> list[tuple[str | None, str]]:
    """(class, name) of every top-level function and method of a top-level class: what mutmut mutates."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    out: list[tuple[str | None, str]] = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            out.append((None, node.name))
        elif isinstance(node, ast.ClassDef):
            out += [(node.name, f.name) for f in node.body if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))]
    return out


def _mangled(path: str, cls: str | None, name: str) -> str:
    """mutmut's name for a function: ``module.x_name`` or ``module.xǁClassǁname``."""
    return f"{_module(path)}.x{SEP}{cls}{SEP}{name}" if cls else f"{_module(path)}.x_{name}"


def scope() -> set[str]:
    """mutmut's names of the functions in scope."""
    names = set()
    for path in WHOLE_FILES:
        names |= {_mangled(path, c, n) for c, n in _functions(path) if n not in RENDERING}
    for c, n in _functions(CORE):
        if (c is None and n in CORE_FUNCTIONS) or (c is not None and f"{c}.*" in CORE_FUNCTIONS):
            names.add(_mangled(CORE, c, n))
    return names


def function_of(mutant: str) -> str:
    return mutant.partition("__mutmut_")[0]


@dataclass
class Mutant:
    name: str
    file: str
    status: str


def load_results(in_scope: set[str]) -> list[Mutant]:
    """The in-scope mutants of the last run with their status, from mutmut's ``.meta`` files."""
    out = []
    for path in (*WHOLE_FILES, CORE):
        meta = MUTANTS / (path + ".meta")
        if not meta.exists():
            continue
        codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        for name, code in sorted(codes.items()):
            if function_of(name) in in_scope:
                status = "not checked" if code is None else STATUS.get(code, "suspicious")
                out.append(Mutant(name, path, status))
    return out


def changed_lines(mutant: Mutant) -> tuple[str, str]:
    """The first removed and first added line of the mutant's diff, stripped."""
    cwd = os.getcwd()
    os.chdir(ROOT)  # mutmut reads its config and ./mutants relative to the working directory
    try:
        from mutmut.mutation.diff_apply import get_diff_for_mutant

        diff = get_diff_for_mutant(mutant.name, path=mutant.file)
    finally:
        os.chdir(cwd)
    minus = next((ln[1:].strip() for ln in diff.splitlines() if ln.startswith("-") and not ln.startswith("---")), "")
    plus = next((ln[1:].strip() for ln in diff.splitlines() if ln.startswith("+") and not ln.startswith("+++")), "")
    return minus, plus


def full_diff(mutant: Mutant) -> str:
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        from mutmut.mutation.diff_apply import get_diff_for_mutant

        return get_diff_for_mutant(mutant.name, path=mutant.file)
    finally:
        os.chdir(cwd)


@dataclass
class Equivalent:
    function: str
    minus: str
    plus: str
    reason: str
    line: int


_HEADING = re.compile(r"^###\s+`([^`]+)`\s*$")


def load_equivalents(path: Path = EQUIVALENT) -> list[Equivalent]:
    """Entries of equivalent.md: a ``### `mutant-name``` heading, a ``Reason:`` line, a diff block.

    Raises:
        ValueError: an entry lacks its reason or its diff lines.
    """
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    out = []
    i = 0
    while i < len(lines):
        m = _HEADING.match(lines[i])
        if not m:
            i += 1
            continue
        start, name, reason, minus, plus = i + 1, m.group(1), "", None, None
        i += 1
        while i < len(lines) and not _HEADING.match(lines[i]):
            ln = lines[i]
            if ln.startswith("Reason:"):
                reason = ln.removeprefix("Reason:").strip()
            elif ln.startswith("-") and minus is None:
                minus = ln[1:].strip()
            elif ln.startswith("+") and plus is None:
                plus = ln[1:].strip()
            i += 1
        if not reason or minus is None or plus is None:
            raise ValueError(f"{path}:{start}: entry {name} needs a 'Reason:' line and a diff with a - and a + line")
        out.append(Equivalent(function_of(name), minus, plus, reason, start))
    return out


def _drop_stale_copies() -> None:
    """Delete mutmut's copies of the files it does not mutate, so that it copies them afresh.

    mutmut re-copies a source file only when its copy is missing; on a resumed run an
    edited helper module (planted.py, say) would otherwise run in its old version.
    """
    mutated = {ROOT / "mutants" / p for p in (*WHOLE_FILES, CORE)}
    for copy in (MUTANTS / "derivations").rglob("*.py"):
        if copy not in mutated:
            copy.unlink()


def run_mutmut(workers: int, patterns: list[str], log: Path) -> int:
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    exe = shutil.which("mutmut")
    cmd = [exe] if exe else [sys.executable, "-m", "mutmut"]
    cmd += ["run", "--max-children", str(workers), *patterns]
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w", encoding="utf-8") as out:
        return subprocess.call(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def _unexplained_patterns(in_scope: set[str]) -> list[str]:
    """mutmut arguments for the last run's mutants that are neither killed nor listed as equivalent.

    A survivor is named exactly; a function none of whose tests ran (no tests, not checked) by a
    pattern, since mutmut looks up an exact name's tests and has none to find for it.
    """
    equivalents = load_equivalents()
    names: set[str] = set()
    for m in load_results(in_scope):
        if m.status in ("killed", "timeout"):
            continue
        if m.status == "survived":
            minus, plus = changed_lines(m)
            if any(e.function == function_of(m.name) and (e.minus, e.plus) == (minus, plus) for e in equivalents):
                continue
            names.add(m.name)
        else:
            names.add(function_of(m.name) + "*")
    return sorted(names)


def report(mutants: list[Mutant], equivalents: list[Equivalent], show: bool) -> int:
    """Print the score per file; return the number of unexplained survivors and untested mutants."""
    used: set[int] = set()
    rows: dict[str, Counter] = {}
    unexplained: list[Mutant] = []
    for m in mutants:
        status = m.status
        if status == "survived":
            minus, plus = changed_lines(m)
            # The same change on a line that occurs twice is one entry per occurrence: all of them match.
            hits = {k for k, e in enumerate(equivalents)
                    if e.function == function_of(m.name) and e.minus == minus and e.plus == plus}
            if hits:
                used |= hits
                status = "equivalent"
            else:
                unexplained.append(m)
        elif status not in ("killed", "timeout"):
            unexplained.append(m)
        rows.setdefault(m.file, Counter())[status] += 1
    cols = ["killed", "timeout", "equivalent", "survived", "no tests", "other"]
    print(f"\n{'file':34} {'mutants':>7} " + " ".join(f"{c:>10}" for c in cols) + f" {'score':>7}")
    total = Counter()
    for file, c in rows.items():
        c["other"] = sum(v for k, v in c.items() if k not in cols)
        total.update({k: v for k, v in c.items()})
        print(_row(file, c, cols))
    print(_row("all", total, cols))
    for m in unexplained:
        print(f"  {m.status}: {m.name}")
        if show:  # the changed lines only
            for ln in full_diff(m).splitlines():
                if ln[:1] in "+-" and ln[:3] not in ("+++", "---"):
                    print("    " + ln)
    modules = {_module(m.file) for m in mutants}  # entries of files not in this report are not stale
    stale = [e for k, e in enumerate(equivalents) if k not in used and e.function.rsplit(".", 1)[0] in modules]
    for e in stale:
        print(f"  note: {EQUIVALENT.relative_to(ROOT)}:{e.line} matches no surviving mutant "
              f"({e.function}: {e.plus}); remove it or update it")
    return len(unexplained)


def _row(name: str, c: Counter, cols: list[str]) -> str:
    n = sum(c[k] for k in cols if k != "other") + c["other"]
    detected = c["killed"] + c["timeout"]
    denominator = n - c["equivalent"]
    score = f"{100 * detected / denominator:6.1f}%" if denominator else "     -"
    return f"{name:34} {n:7d} " + " ".join(f"{c[k]:10d}" for k in cols) + f" {score:>7}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workers", type=int, default=2, help="mutmut worker processes (default 2)")
    p.add_argument("--resume", action="store_true", help="keep ./mutants/ from the last run")
    p.add_argument("--report", action="store_true", help="print the score of the last run without testing")
    p.add_argument("--retest", action="store_true",
                   help="keep ./mutants/ and re-test only the last run's unexplained mutants (after adding tests)")
    p.add_argument("--show", action="store_true", help="print the diff of each unexplained survivor")
    p.add_argument("--file", action="append", default=[], metavar="PATH",
                   help="only the functions of this file (repeatable), e.g. derivations/numeric/bounds.py")
    args = p.parse_args(argv)
    if args.workers < 1:
        p.error(f"--workers must be a positive integer, got {args.workers}")
    in_scope = scope()
    if args.file:
        unknown = sorted(set(args.file) - {*WHOLE_FILES, CORE})
        if unknown:
            p.error(f"not in scope: {', '.join(unknown)}; choose from {', '.join((*WHOLE_FILES, CORE))}")
        in_scope = {f for f in in_scope if any(f.startswith(_module(path) + ".") for path in args.file)}
    t0 = time.perf_counter()
    if not args.report:
        if not args.resume and not args.retest:
            shutil.rmtree(MUTANTS, ignore_errors=True)
        else:
            _drop_stale_copies()
        # A trailing * also matches mutmut's function names, so its clean run selects the right tests.
        patterns = sorted(f"{f}*" for f in in_scope)
        if args.retest:
            patterns = _unexplained_patterns(in_scope)
            if not patterns:
                print("nothing to re-test: every mutant of the last run is killed or equivalent")
        log = MUTANTS / "run.log"
        code = run_mutmut(args.workers, patterns, log) if patterns else 0
        if code != 0:
            print(f"mutmut exited with status {code}; see {log}", file=sys.stderr)
            print(log.read_text(encoding="utf-8", errors="replace")[-3000:], file=sys.stderr)
            return 2
    mutants = load_results(in_scope)
    if not mutants:
        print("no mutation results in ./mutants: run without --report first", file=sys.stderr)
        return 2
    bad = report(mutants, load_equivalents(), args.show)
    if not args.report:
        print(f"\nwall time {time.perf_counter() - t0:.0f} s with {args.workers} worker(s)")
    print("every mutant in scope killed or equivalent" if not bad else f"{bad} mutant(s) neither killed nor equivalent")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
