"""The catalog is a docs page generated from the registry; nothing in docs/ points outside the repository."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from derivations import registry

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "docs" / "_ext"))

import genproof_pages  # noqa: E402  (lives in docs/_ext, put on the path above)


def test_catalog_lists_every_result_with_statement_assumptions_and_steps():
    inputs = genproof_pages.Inputs(entries=genproof_pages.symbolic_entries(registry.ids(), run_checks=False))
    page = genproof_pages.catalog_page(inputs)
    for result in registry.results():
        assert f":doc:`{result.id} </generated/results/{result.id}>`" in page, result.id
        assert genproof_pages.esc(result.statement) in page, result.id
        for a in result.assumptions_latex():
            assert genproof_pages.math_inline(a) in page, (result.id, a)
        for i, step in enumerate(result.steps, start=1):
            assert f"{i}. :st-none:`○ not run` {genproof_pages.esc(step.rule)}:" in page, (result.id, i)


def test_the_docs_index_links_the_catalog():
    index = (ROOT / "docs" / "index.rst").read_text(encoding="utf-8")
    assert re.search(r"^   generated/catalog$", index, re.M)


def test_nothing_in_docs_points_outside_the_repository():
    sources = [p for p in (ROOT / "docs").rglob("*") if p.suffix in (".rst", ".py", ".md")
               and "_build" not in p.parts and "generated" not in p.parts]
    outside = [str(p.relative_to(ROOT)) for p in sources
               if re.search(r"shared/RESULTS\.md|\.\./shared/", p.read_text(encoding="utf-8"))]
    assert not outside, f"docs that point outside the repository: {outside}"


def test_result_groups_are_titled_by_their_card_modules():
    """No hand-kept prefix → title table: each group's title is its module docstring's first clause."""
    assert genproof_pages.cluster_title("gan") == "GAN theory"
    assert genproof_pages.cluster_title("wgan") == "Wasserstein GAN"
    assert genproof_pages.cluster_title("no_such_prefix") == "no_such_prefix"
    inputs = genproof_pages.Inputs(entries=genproof_pages.symbolic_entries(registry.ids(), run_checks=False))
    page = genproof_pages.catalog_page(inputs)
    for prefix in {i.split(".")[0] for i in registry.ids()}:
        assert genproof_pages.heading(genproof_pages.esc(genproof_pages.cluster_title(prefix)), "-") in page, prefix
