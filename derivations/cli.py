"""``python -m derivations``: list the catalog, verify results, print a report."""

from __future__ import annotations

import argparse
import json
import sys

from derivations import registry, report
from derivations.domains import DomainError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m derivations", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="the results, one line each (ID, title)")
    v = sub.add_parser("verify", help="check results step by step; exit 1 if any fails")
    v.add_argument("ids", nargs="*", metavar="ID", help="result IDs (default: all)")
    v.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    v.add_argument("--seed", type=int, default=0, help="seed of the numeric spot checks (default 0)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "list":
        for r in registry.results():
            print(f"{r.id:34s} {r.title}")
        return 0
    try:
        chosen = [registry.get(i) for i in args.ids] if args.ids else list(registry.results())
    except registry.UnknownResult as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        rep = report.build(chosen, {"seed": args.seed})
    except DomainError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(rep, indent=1, ensure_ascii=False) if args.json else report.text(rep))
    return 0 if rep["summary"]["status"] == "pass" else 1
