"""The Sphinx proof pages: built with warnings as errors, one page per registered result, all linked from the graph.

The default test builds with ``-D genproof_symbolic=skip`` (the pages laid out from the results' steps, the
symbolic checks not run), which tests the page machinery in seconds; the ``slow`` test runs the published
build, with every result's checks.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from derivations import registry

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
sys.path.insert(0, str(DOCS / "_ext"))

import genproof_pages  # noqa: E402  (lives in docs/_ext, put on the path above)

# Its module-scoped fixture is built once: keep the module on one worker (--dist loadgroup).
pytestmark = pytest.mark.xdist_group("docs")

needs_sphinx = pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz's `dot` is not installed "
                                  "(apt-get install graphviz)")


def build(out: Path, *extra: str) -> Path:
    """Build a copy of docs/ under ``out`` (so the repository's docs/generated is left alone); the HTML dir."""
    pytest.importorskip("sphinx_proof")
    src = out / "docs"
    shutil.copytree(DOCS, src, ignore=shutil.ignore_patterns("_build", "generated", "__pycache__"))
    html = out / "html"
    config = ["-D", f"genproof_repo={ROOT}", "-D", f"genproof_runs={ROOT / 'runs'}",
              "-D", f"genproof_report={DOCS / '_data' / 'report.json'}",
              "-D", f"genproof_models_static={src / '_static' / 'models'}"]
    cmd = [sys.executable, "-m", "sphinx", "-W", "-b", "html", "-d", str(out / "doctrees"), *config, *extra,
           str(src), str(html)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=1800)
    assert proc.returncode == 0, f"sphinx-build -W failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-8000:]}"
    return html


def graph_links(html: Path) -> set[Path]:
    """The pages the overview's dependency graph links to, as resolved paths."""
    overview = html / "generated" / "overview.html"
    objects = re.findall(r'<object data="([^"]+\.svg)"', overview.read_text(encoding="utf-8"))
    links = set()
    for src in objects:
        svg = (overview.parent / src).resolve()
        for el in ET.parse(svg).getroot().iter():
            for name, value in el.attrib.items():
                if name.endswith("href") and not value.startswith(("#", "http")):
                    links.add((svg.parent / value.split("#")[0]).resolve())
    return links


def audit(html: Path, ids: list[str]) -> list[str]:
    """What is wrong with a built site: missing result pages, graph nodes without a link, CDN scripts."""
    problems = []
    if not (html / "generated" / "overview.html").is_file():
        return ["no overview page"]
    links = graph_links(html)
    for rid in ids:
        page = (html / "generated" / "results" / f"{rid}.html").resolve()
        if not page.is_file():
            problems.append(f"{rid}: no page")
            continue
        text = page.read_text(encoding="utf-8")
        if "proof theorem" not in text or not re.search(r'class="proof (?:proof )?admonition', text):
            problems.append(f"{rid}: page has no theorem or no proof")
        if page not in links:
            problems.append(f"{rid}: the overview graph does not link to its page")
    for link in links:
        if not link.is_file():
            problems.append(f"the overview graph links to a missing page: {link.name}")
    for page in html.rglob("*.html"):
        for src in re.findall(r'<script[^>]+src="([^"]+)"', page.read_text(encoding="utf-8")):
            if src.startswith(("http:", "https:", "//")):
                problems.append(f"{page.name}: script from the network: {src}")
            elif "mathjax" in src and not (page.parent / src.split("?")[0]).is_file():
                problems.append(f"{page.name}: MathJax script missing: {src}")
    return problems


@pytest.fixture(scope="module")
def fast_site(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("docs"), "-D", "genproof_symbolic=skip")


@needs_sphinx
def test_docs_build_has_a_page_per_result_linked_from_the_graph(fast_site):
    ids = registry.ids()
    assert ids
    assert audit(fast_site, ids) == []
    assert (fast_site / "_static" / "mathjax" / "tex-chtml.js").is_file()
    page = (fast_site / "generated" / "results" / f"{ids[0]}.html").read_text(encoding="utf-8")
    assert "not checked in this build" in page  # a skip build says so on every page


@needs_sphinx
def test_docs_audit_fails_when_a_page_is_missing(fast_site, tmp_path):
    ids = registry.ids()
    site = tmp_path / "html"
    shutil.copytree(fast_site, site)
    (site / "generated" / "results" / f"{ids[-1]}.html").unlink()
    problems = audit(site, ids)
    assert f"{ids[-1]}: no page" in problems
    assert any("links to a missing page" in p for p in problems)
    assert audit(site, [*ids, "gan.not_a_result"]) != problems  # an ID without a page is reported too


@needs_sphinx
def test_docs_audit_fails_when_the_graph_misses_a_link(fast_site, tmp_path):
    ids = registry.ids()
    site = tmp_path / "html"
    shutil.copytree(fast_site, site)
    for svg in (site / "_images").glob("graphviz-*.svg"):
        svg.write_text(svg.read_text(encoding="utf-8").replace(f"results/{ids[0]}.html", "results/x.html"),
                       encoding="utf-8")
    assert f"{ids[0]}: the overview graph does not link to its page" in audit(site, ids)


@needs_sphinx
@pytest.mark.slow
def test_docs_published_build_checks_every_result(tmp_path):
    site = build(tmp_path)
    ids = registry.ids()
    assert audit(site, ids) == []
    for rid in ids:
        assert "checked in this build" in (site / "generated" / "results" / f"{rid}.html").read_text(encoding="utf-8")


def test_docs_split_relation_keeps_subscripts_whole():
    split = genproof_pages.split_relation
    assert split(r"\left. f \right|_{\substack{ t=1 }} = 0") == (r"\left. f \right|_{\substack{ t=1 }}", "= 0")
    assert split(r"f(t) := t^{2}") == ("f(t)", ":= t^{2}")
    assert split(r"\frac{a}{b} \leq 1") == (r"\frac{a}{b}", r"\leq 1")
    assert split(r"\iff x = 1") == ("", r"\iff x = 1")  # a continuing step: empty left side
    assert split(r"\text{no relation}") == ("", r"\text{no relation}")


def test_docs_proof_blocks_group_continuing_steps():
    steps = [{"index": 1}, {"index": 2, "continues": True}, {"index": 3}, {"index": 4, "continues": True},
             {"index": 5, "continues": True}]
    blocks = genproof_pages.proof_blocks(steps)
    assert [[s["index"] for s in b] for b in blocks] == [[1, 2], [3, 4, 5]]
