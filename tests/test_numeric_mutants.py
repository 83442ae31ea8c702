"""The numeric and fuzz checks can fail: every planted wrong closed form is killed."""

from __future__ import annotations

import pytest

from derivations import mutants, registry

RESULT_IDS = registry.ids()


@pytest.mark.parametrize("result_id", RESULT_IDS)
def test_numeric_at_least_three_mutants_per_result(result_id):
    found, _ = mutants.mutants_of(registry.get(result_id))
    assert len(found) >= 3
    assert {m.operator for m in found} >= {"sign flip", "factor 2", "wrong constant (shifted by 1)"}


@pytest.mark.parametrize("result_id", ["gan.optimal_discriminator", "gan.logit_log_ratio", "duality.conjugates"])
def test_numeric_mutants_of_quick_results_are_killed(result_id):
    rep = mutants.run([registry.get(result_id)])
    entry = rep["results"][0]
    assert not entry.get("error"), entry.get("error")
    survivors = [r["mutant"] for r in entry["mutants"] if not r["killed"]]
    assert not survivors, f"mutants that survived every check: {survivors}"
    assert all(r["killed_by"] for r in entry["mutants"])


def test_numeric_mutant_report_text():
    rep = mutants.run([registry.get("gan.optimal_discriminator")])
    text = mutants.text(rep)
    assert "mutation score" in text and "100.0%" in text and "←" in text


@pytest.mark.slow
def test_numeric_mutation_score_is_100_percent():
    rep = mutants.run(registry.results())
    s = rep["summary"]
    assert s["status"] == "pass", (s, [(e["id"], [m["mutant"] for m in e["mutants"] if not m["killed"]])
                                       for e in rep["results"]])
    assert s["score"] == 1.0
