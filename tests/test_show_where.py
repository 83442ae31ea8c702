"""`python -m derivations show ID` prints the proof a person reads; `where ID` says where each part lives."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp

from derivations import cli, registry, show
from derivations.claims import Equal
from derivations.domains import POSITIVE, Declarations
from derivations.engine import Result, Step

ROOT = Path(__file__).resolve().parent.parent


def _wrong_result() -> Result:
    """x + x = 2x (true), then 2x = 3x (false, step 2)."""
    def build():
        decl = Declarations()
        x = decl.symbol("x", POSITIVE)
        return decl, [Step("collect terms", Equal(x + x, 2 * x)), Step("a wrong factor", Equal(2 * x, 3 * x))]

    return Result(id="test.wrong", title="A wrong proof", statement="2x = 3x", build=build)


def test_show_prints_statement_assumptions_and_each_step_with_rule_and_mark(capsys):
    assert cli.main(["show", "gan.optimal_discriminator"]) == 0
    text = capsys.readouterr().out
    result = registry.get("gan.optimal_discriminator")
    assert result.statement in text
    assert "p_data ∈ (0, ∞)" in text and "p_theta ∈ (0, ∞)" in text
    for i, step in enumerate(result.steps, start=1):
        assert re.search(rf"^  [✓·] +{i}\. \[\w+\] {re.escape(step.rule)}$", text, re.M), step.rule
    assert "✓ pass" in text


def test_show_marks_the_wrong_step_and_says_why():
    text = show.proof_text(_wrong_result())
    assert re.search(r"^  ✓  1\. \[equality\] collect terms$", text, re.M)
    assert re.search(r"^  ✗  2\. \[equality\] a wrong factor$", text, re.M)
    assert "first: step 2" in text and text.count("✗") >= 2


def test_where_points_at_the_card_its_closed_forms_checks_and_experiment(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert cli.main(["where", "gan.optimal_discriminator"]) == 0
    text = capsys.readouterr().out
    locations = re.findall(r"^  (.+?)\s{2,}(\S+?):(\d+)", text, re.M)
    assert locations, text
    rows = {what: (path, int(line)) for what, path, line in locations}
    path, line = rows["card"]
    card = (ROOT / path).read_text(encoding="utf-8").splitlines()
    assert "Result(" in card[line - 1] and 'id="gan.optimal_discriminator"' in "\n".join(card[line - 1:line + 2])
    path, line = rows["closed form 'D*'"]
    assert "def optimal_discriminator_value(" in "\n".join((ROOT / path).read_text().splitlines()[line - 1:line + 2])
    assert any(w.startswith("numeric check") for w in rows) and any(w.startswith("fuzz property") for w in rows)
    for what, (path, line) in rows.items():
        if what.startswith(("numeric check", "fuzz property")):
            assert (ROOT / path).read_text().splitlines()[line - 1].startswith(("def ", "@")), what
    path, line = rows["experiment"]
    assert (ROOT / path).read_text().splitlines()[line - 1].startswith("def run_optimal_discriminator(")
    assert "docs/generated/results/gan.optimal_discriminator.rst" in text


def test_where_says_none_for_a_result_without_an_experiment():
    rows = dict(show.where(registry.get("vae.kl_properties")))
    assert rows["experiment"] == "none"


def test_unknown_id_is_a_clear_error(capsys):
    assert cli.main(["where", "gan.no_such_result"]) == 2
    assert "unknown result ID 'gan.no_such_result'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["show"])


def test_where_reads_the_experiments_without_importing_models():
    code = ("import sys; from derivations import get, show; show.where(get('gan.optimal_discriminator')); "
            "print(sorted(m for m in sys.modules if m == 'models' or m.startswith('models.')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_assumptions_list_constraints_and_function_ranges():
    decl_result = registry.get("gan.minimax_gradient")
    lines = show.assumptions(decl_result)
    assert any("takes values in" in line for line in lines), lines
    assert all(isinstance(line, str) and line for line in lines)


def test_show_names_an_undeclared_symbol_instead_of_a_traceback(capsys, monkeypatch):
    def build():
        y = sp.Symbol("y", positive=True)  # never declared
        return Declarations(), [Step("double", Equal(y + y, 2 * y))]

    registry.ids()  # load the catalog first, then add the broken card for this test only
    monkeypatch.setitem(registry._RESULTS, "test.undeclared",
                        Result(id="test.undeclared", title="Undeclared", statement="y + y = 2y", build=build))
    assert cli.main(["show", "test.undeclared"]) == 2
    assert "symbols used without declared assumptions: y" in capsys.readouterr().err
