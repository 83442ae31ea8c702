"""The numeric and fuzz checks can fail: every planted wrong closed form is killed."""

from __future__ import annotations

import pytest

from derivations import mutants, registry

# Its module-scoped fixture is built once: keep the module on one worker (--dist loadgroup).
pytestmark = pytest.mark.xdist_group("numeric_mutants")

#: genproof's own cards (an installed package adding results through genproof.results need not bring these checks)
RESULT_IDS = [r.id for r in registry.results() if r.build.__module__.startswith("derivations.")]


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


# --- the kill matrix: every check kills on its own, and its reference never moves with the formula ---------------

QUICK = ["gan.optimal_discriminator", "gan.logit_log_ratio", "duality.conjugates", "wgan.unbounded_critic"]


@pytest.fixture(scope="module")
def quick_matrix():
    return mutants.run([registry.get(i) for i in QUICK], matrix=True)


def test_numeric_kill_matrix_every_check_kills_a_mutant(quick_matrix):
    never = quick_matrix["summary"]["checks_that_never_kill"]
    assert never == [], f"checks that kill no planted mutant on their own: {never}"
    for entry in quick_matrix["results"]:
        for key, row in entry["checks"].items():
            assert row["mutants_run"] >= 1 and row["kills"] >= 1, (entry["id"], key, row)
            assert set(row["killed"]) <= {m["mutant"] for m in entry["mutants"]}


def test_numeric_kill_matrix_references_stay_put(quick_matrix):
    moved = quick_matrix["summary"]["checks_whose_reference_moves"]
    assert moved == [], f"checks whose reference side moves with the formula under test: {moved}"
    verdicts = [row["reference"] for e in quick_matrix["results"] for key, row in e["checks"].items()
                if key.startswith("numeric:")]
    assert verdicts and all(v == "independent" for v in verdicts), verdicts


def test_numeric_kill_matrix_rows_list_every_killer(quick_matrix):
    for entry in quick_matrix["results"]:
        for row in entry["mutants"]:
            assert row["killed"] == bool(row["killed_by_all"])
            assert row["killed_by"] == (row["killed_by_all"][0] if row["killed_by_all"] else None)


def test_numeric_read_recorder_sees_the_formulas_a_check_reads():
    rec = mutants.ReadRecorder({"a": 1, "b": 2, "c": 3})
    assert rec["a"] == 1 and rec.get("b") == 2 and rec.get("z") is None and "c" in rec
    assert rec.read >= {"a", "b", "c"}
    assert mutants.ReadRecorder({"a": 1, "b": 2}).read == set()


# --- a planted check that computes its reference from the formula it checks is caught ----------------------------


def _planted_checks():
    """Two checks of D*(a, b) = a/(a + b): one honest (scipy reference), one whose 'reference' is the formula."""
    from scipy import optimize

    from derivations.numeric.core import Context, NumericCheck, lambdified

    pairs = [(0.3, 0.7), (2.0, 0.5), (1.0, 1.0)]

    def honest(formulas, ctx):
        d = lambdified(formulas["D*"], "positive", "positive")
        got = [float(d(a, b)) for a, b in pairs]
        want = [optimize.brentq(lambda t, a=a, b=b: -a / t + b / (1 - t), 1e-12, 1 - 1e-12, xtol=1e-14)
                for a, b in pairs]
        return ctx.deterministic(got, want, 1e-9, "brentq", "formula vs root of f'", "brentq to 1e-14")

    def circular(formulas, ctx):
        d = lambdified(formulas["D*"], "positive", "positive")
        got = [float(d(a, b)) for a, b in pairs]
        # The planted defect: the "reference" is the formula again (through an identity), so it can never fail.
        want = [float(d(a, b)) * (a + b) / (a + b) for a, b in pairs]
        return ctx.deterministic(got, want, 1e-9, "none", "formula vs itself", "planted")

    def one_sided_mc(formulas, ctx):
        # A Monte Carlo check whose expected value is read from the formula and whose draws are also built from it.
        d = lambdified(formulas["D*"], "positive", "positive")
        v = float(d(2.0, 0.5))
        ctx = Context(ctx.check, ctx.seed, 0.01, record=ctx.record)  # not in the suite's budget: its own rate
        return ctx.hoeffding_mean(lambda n: (ctx.rng.random(n) < v).astype(float), v, 0.0, 1.0, gap=0.1,
                                  compares="planted")

    return [NumericCheck("gan.optimal_discriminator", name, fn, mc, name)
            for name, fn, mc in (("honest", honest, False), ("circular", circular, False),
                                 ("circular_mc", one_sided_mc, False))]


@pytest.mark.parametrize(("name", "verdict"), [("honest", "independent"), ("circular", "moves with the formula"),
                                               ("circular_mc", "moves with the formula")])
def test_numeric_reference_independence_catches_a_planted_circular_check(name, verdict):
    from derivations.numeric import run_check

    result = registry.get("gan.optimal_discriminator")
    check = next(c for c in _planted_checks() if c.name == name)
    before: list = []
    assert run_check(check, result.formulas, 0, record=before).status == "pass"
    found, _ = mutants.mutants_of(result)
    moves = {}
    for m in found:
        after: list = []
        run_check(check, {**result.formulas, m.formula: m.fn}, 0, record=after)
        moves[m.name] = mutants.moved_sides(before, after)
    assert mutants.reference_verdict(moves)["reference"] == verdict, moves


def test_numeric_reference_verdict_rules():
    assert mutants.reference_verdict({"a": ["estimate"], "b": []})["reference"] == "independent"
    assert mutants.reference_verdict({"a": ["expected"], "b": None})["formula_side"] == "expected"
    assert mutants.reference_verdict({"a": ["estimate", "expected"]})["reference"] == "moves with the formula"
    assert mutants.reference_verdict({"a": ["estimate"], "b": ["expected"]})["reference"] == \
        "moves with the formula"
    assert mutants.reference_verdict({"a": None})["reference"] == "not compared"


def test_numeric_mutants_json_has_the_kill_matrix(capsys):
    import json

    from derivations.cli import main

    code = main(["mutants", "gan.optimal_discriminator", "--json"])
    rep = json.loads(capsys.readouterr().out)
    assert code == 0
    checks = rep["results"][0]["checks"]
    assert {"numeric:minimize_f_scipy", "numeric:posterior_frequencies"} <= set(checks)
    assert all(c["kills"] >= 1 for c in checks.values())
    assert rep["summary"]["checks_that_never_kill"] == [] and rep["summary"]["checks_whose_reference_moves"] == []


@pytest.mark.slow
def test_numeric_kill_matrix_whole_catalog():
    rep = mutants.run(registry.results(), matrix=True)
    s = rep["summary"]
    assert s["checks_that_never_kill"] == [], s["checks_that_never_kill"]
    assert s["checks_whose_reference_moves"] == [], s["checks_whose_reference_moves"]
    assert s["status"] == "pass", s


def test_numeric_mutants_draw_arguments_from_the_theory_declarations():
    # No hand-written sampler for D*: the mutant search draws (p_data, p_theta) from its @takes declaration.
    from derivations.numeric.core import ARG_SAMPLERS

    assert ("gan.optimal_discriminator", "D*") not in ARG_SAMPLERS
    found, _ = mutants.mutants_of(registry.get("gan.optimal_discriminator"))
    assert any(m.operator == "swapped arguments" for m in found)


def test_numeric_mutants_of_an_undeclared_formula_is_a_clear_error():
    from dataclasses import replace

    result = replace(registry.get("gan.optimal_discriminator"), id="nowhere.result", formulas={"f": lambda x: x})
    with pytest.raises(LookupError, match="no argument declaration for formula 'f'"):
        mutants.mutants_of(result)
