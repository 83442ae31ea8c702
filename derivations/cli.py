"""``python -m derivations``: list the catalog, verify results, print a report, run the mutants, show a proof,
say where a result's parts live."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import time
from collections.abc import Callable

from derivations import registry, report
from derivations.domains import DomainError


def _seed(text: str) -> int:
    """A seed: an integer, or ``random`` for a fresh one (printed so the run can be repeated)."""
    if text == "random":
        return secrets.randbelow(2**31)
    try:
        seed = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"seed must be an integer or 'random', got {text!r}") from None
    if seed < 0:
        # NumPy's generators take only non-negative seeds; say so here rather than in a traceback.
        raise argparse.ArgumentTypeError(f"seed must be a non-negative integer or 'random', got {text!r}")
    return seed


def _positive(flag: str) -> Callable[[str], int]:
    """An argparse type: a positive integer, or an error naming ``flag`` and the bad text."""
    def parse(text: str) -> int:
        try:
            n = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{flag} needs a positive integer, got {text!r}") from None
        if n < 1:
            raise argparse.ArgumentTypeError(f"{flag} needs a positive integer, got {n}")
        return n
    return parse


_count = _positive("--seeds")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m derivations", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="the results, one line each (ID, title)")
    sh = sub.add_parser("show", help="the proof as a person reads it: statement, assumptions, each step with its "
                                     "rule and mark; exit 1 if a step does not pass")
    sh.add_argument("ids", nargs="+", metavar="ID", help="result IDs")
    sh.add_argument("--seed", type=_seed, default=0, help="seed of the spot checks (default 0)")
    wh = sub.add_parser("where", help="file:line of the result's card, closed forms, numeric checks, fuzz "
                                      "properties, experiment and doc page")
    wh.add_argument("ids", nargs="+", metavar="ID", help="result IDs")
    from derivations.written.report import add_arguments as _check_arguments

    _check_arguments(sub.add_parser("check", help="mark every step of a derivation written in Markdown + LaTeX; "
                                                  "exit 1 if a step is refuted (--strict: or undecided)"))
    v = sub.add_parser("verify", help="check results step by step; exit 1 if any fails")
    v.add_argument("ids", nargs="*", metavar="ID", help="result IDs (default: all)")
    v.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    v.add_argument("--seed", type=_seed, default=0,
                   help="seed of the spot checks and the first numeric run (default 0; 'random' for a fresh one)")
    v.add_argument("--numeric", action="store_true",
                   help="also run the Monte Carlo / quadrature / optimizer checks (section 'numeric')")
    v.add_argument("--fuzz", action="store_true",
                   help="also run the Hypothesis properties (section 'fuzz'; profile from HYPOTHESIS_PROFILE)")
    v.add_argument("--seeds", type=_count, default=1, metavar="N",
                   help="run the numeric checks under N seeds: seed, seed+1, …, seed+N−1 (implies --numeric)")
    v.add_argument("--empirical", nargs="?", const=str(report.EXPERIMENTS_JSON), default=None, metavar="JSON",
                   help="add the section 'empirical' from the last `python -m models experiment` run "
                        f"(default file {report.EXPERIMENTS_JSON})")
    v.add_argument("--run-experiments", action="store_true",
                   help="run the chosen results' experiments now (--quick) for the section 'empirical'")
    v.add_argument("--jobs", type=_positive("--jobs"), default=min(2, os.cpu_count() or 1), metavar="N",
                   help="check N results at a time in worker processes (default: 2, or 1 on a one-core machine)")
    v.add_argument("--no-cache", action="store_true",
                   help="re-check every step instead of reading verdicts kept from an earlier run of the same "
                        "step under the same checker code ($GENPROOF_CACHE, default ~/.cache/genproof/verdicts)")
    m = sub.add_parser("mutants", help="plant wrong closed forms and require the numeric/fuzz checks to kill them")
    m.add_argument("ids", nargs="*", metavar="ID", help="result IDs (default: all)")
    m.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    m.add_argument("--seed", type=_seed, default=0, help="seed of the Monte Carlo checks (default 0)")
    m.add_argument("--matrix", action="store_true",
                   help="run every check on every mutant of the formulas it reads: the per-check kill matrix and "
                        "whether each check's reference stays put (always on with --json)")
    return p


def _chosen(ids: list[str]) -> list:
    return [registry.get(i) for i in ids] if ids else list(registry.results())


def main(argv: list[str] | None = None) -> int:
    """Run one ``python -m derivations`` command (list, verify, show, where, mutants, check) and print its output.

    Args:
        argv: the command line after the program name (default: ``sys.argv[1:]``).

    Returns:
        The exit status: 0 when everything checked passed, 1 when something failed, 2 for bad input (an
        unknown ID, a broken result package, a bad domain).

    Raises:
        SystemExit: argparse's exit for ``--help`` (0) and for arguments it cannot parse (2).
    """
    args = _parser().parse_args(argv)
    if args.command == "check":
        from derivations.written.report import run as _check

        return _check(args)
    try:  # results come from this package and from other packages' entry points: a broken one is named
        registry.ids()
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.command == "list":
        for r in registry.results():
            print(f"{r.id:34s} {r.title}")
        return 0
    try:
        chosen = _chosen(args.ids)
    except registry.UnknownResult as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.command in ("show", "where"):
        from derivations import show

        if args.command == "where":
            print("\n\n".join(show.where_text(r) for r in chosen))
            return 0
        try:
            reports = [show.check(r, seed=args.seed) for r in chosen]
        except DomainError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print("\n\n".join(show.proof_text(r, report=rep) for r, rep in zip(chosen, reports, strict=True)))
        return 0 if all(rep.status == "pass" for rep in reports) else 1
    if args.command == "mutants":
        from derivations import mutants

        if args.seed < 0:
            print(f"error: --seed must be a non-negative integer, got {args.seed}", file=sys.stderr)
            return 2
        rep = mutants.run(chosen, seed=args.seed, matrix=args.matrix or args.json)
        print(json.dumps(rep, indent=1, ensure_ascii=False) if args.json else mutants.text(rep))
        return 0 if rep["summary"]["status"] == "pass" else 1
    if args.no_cache:
        from derivations import verdict_cache

        verdict_cache.disable()
    sections = []
    if args.numeric or args.seeds > 1:
        sections.append("numeric")
    if args.fuzz:
        sections.append("fuzz")
    if args.empirical or args.run_experiments:
        sections.append("empirical")
    options = {"seed": args.seed, "sections": tuple(sections),
               "seeds": list(range(args.seed, args.seed + args.seeds)),
               "experiments_json": args.empirical or report.EXPERIMENTS_JSON,
               "run_experiments": args.run_experiments}
    t0 = time.perf_counter()
    try:
        rep = report.build(chosen, options, jobs=args.jobs)
    except DomainError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if sections:
        rep["summary"]["seed"] = args.seed
        rep["summary"]["seconds"] = round(time.perf_counter() - t0, 1)
    if "numeric" in sections:
        from derivations import numeric

        b = numeric.budget()
        rep["numeric_budget"] = {
            "suite_false_fail_rate": b.total, "monte_carlo_checks": len(b.names),
            "false_fail_rate_per_check": b.total / len(b.names), "false_pass_rate_per_check": b.false_pass,
            "seeds": args.seeds,
            "failed_runs": sum(len(e["numeric"].get("failures", [])) for e in rep["results"] if "numeric" in e)}
    if args.json:
        print(json.dumps(rep, indent=1, ensure_ascii=False))
    else:
        print(report.text(rep))
        if sections:
            print(f"seed {args.seed}" + (f" … {args.seed + args.seeds - 1}" if args.seeds > 1 else "")
                  + f"; {rep['summary']['seconds']}s")
    return 0 if rep["summary"]["status"] == "pass" else 1
