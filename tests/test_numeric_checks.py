"""Every catalog result has numeric checks that pass, with the stated error rates, and the report carries them."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from derivations import numeric, registry
from derivations.numeric import bounds

#: genproof's own cards (an installed package adding results through genproof.results need not bring these checks)
RESULT_IDS = [r.id for r in registry.results() if r.build.__module__.startswith("derivations.")]
CHECK_KEYS = [(rid, c.name) for rid in RESULT_IDS for c in numeric.checks_for(rid)]
FIELDS = {"name", "estimate", "expected", "samples", "false_fail_rate", "false_pass_rate", "detectable_gap", "status"}


def test_numeric_catalog_is_complete():
    assert RESULT_IDS, "the registry holds no result"
    missing = [rid for rid in RESULT_IDS if not numeric.checks_for(rid)]
    assert not missing, f"results without a numeric check: {missing}"


@pytest.mark.parametrize(("result_id", "check"), CHECK_KEYS)
def test_numeric_check_passes(result_id, check):
    result = registry.get(result_id)
    c = next(c for c in numeric.checks_for(result_id) if c.name == check)
    out = numeric.run_check(c, result.formulas, seed=0)
    assert out.status == "pass", f"{result_id}:{check}: {out.as_json()}"
    row = out.as_json()
    assert FIELDS <= set(row)
    if c.monte_carlo:
        share = numeric.budget().alpha(c.key)
        assert 0 < row["false_fail_rate"] <= share * (1 + 1e-12)
        assert 0 < row["false_pass_rate"] <= bounds.CHECK_FALSE_PASS
        assert row["samples"] and row["samples"] > 0
        assert row["detectable_gap"] > 0 and row["threshold"] == pytest.approx(row["detectable_gap"] / 2)
    else:
        assert row["false_fail_rate"] == 0 and row["false_pass_rate"] == 0
        assert row["note"], "a deterministic check states why its tolerance is sound"


MC_KEYS = sorted(k for k in CHECK_KEYS if next(c for c in numeric.checks_for(k[0]) if c.name == k[1]).monte_carlo)


@pytest.mark.parametrize(("result_id", "check"), MC_KEYS[::5])
def test_numeric_seeds_fixed_by_default_and_variable_on_request(result_id, check):
    # Compared on the draws themselves (recorded sides), not on the estimate: a frequency of violations is 0 under
    # every seed.
    result = registry.get(result_id)
    c = next(c for c in numeric.checks_for(result_id) if c.name == check)
    runs = []
    for seed in (0, 0, 1):
        record: list = []
        numeric.run_check(c, result.formulas, seed=seed, record=record)
        assert record, "a Monte Carlo check compares through the Context"
        runs.append([r.estimate_side for r in record])
    same = lambda a, b: all(np.array_equal(x, y, equal_nan=True) for x, y in zip(a, b, strict=True))  # noqa: E731
    assert same(runs[0], runs[1]), "the same seed must reproduce the same draws"
    assert not same(runs[0], runs[2]), "another seed must draw other samples"


def test_numeric_verify_json_has_numeric_section(capsys):
    from derivations.cli import main

    code = main(["verify", "gan.optimal_discriminator", "--numeric", "--json"])
    rep = json.loads(capsys.readouterr().out)
    assert code == 0
    entry = rep["results"][0]
    assert set(entry) >= {"id", "symbolic", "planted", "numeric"}
    sec = entry["numeric"]
    assert sec["status"] == "pass" and sec["checks"]
    assert all(FIELDS <= set(c) for c in sec["checks"])
    assert rep["summary"]["numeric"] == {"pass": 1, "fail": 0}
    assert rep["numeric_budget"]["suite_false_fail_rate"] == 1e-6


def test_numeric_verify_without_flags_is_symbolic_only(capsys):
    from derivations.cli import main

    t0 = time.perf_counter()
    main(["verify", "gan.logit_log_ratio", "--json"])
    rep = json.loads(capsys.readouterr().out)
    assert "numeric" not in rep["results"][0] and "fuzz" not in rep["results"][0]
    assert "numeric" not in rep["summary"]
    assert time.perf_counter() - t0 < 60


def test_numeric_seeds_flag_runs_every_seed(capsys):
    from derivations.cli import main

    code = main(["verify", "gan.logit_log_ratio", "--seeds", "3", "--json"])
    sec = json.loads(capsys.readouterr().out)["results"][0]["numeric"]
    assert code == 0 and sec["runs"] == 3 and sec["failures"] == []


def test_numeric_text_report_lists_sections(capsys):
    from derivations.cli import main

    main(["verify", "gan.optimal_discriminator", "--numeric", "--fuzz"])
    out = capsys.readouterr().out
    assert "numeric: pass" in out and "fuzz: pass" in out and "numeric: 1/1 pass" in out


def test_numeric_wrong_formula_fails_the_report():
    import sympy as sp

    result = registry.get("gan.optimal_discriminator")
    wrong = {"D*": lambda p, q: q / (p + q)}  # swapped arguments
    sec = numeric.run_numeric(result, seeds=[0], formulas=wrong)
    assert sec["status"] == "fail" and sec["failures"]
    assert sp.Symbol  # (SymPy formulas are plain callables: any wrong variant can be passed in)


@pytest.mark.slow
def test_numeric_200_seeds_no_failure():
    from derivations.cli import main

    t0 = time.perf_counter()
    code = main(["verify", "--seeds", "200", "--json"])
    assert code == 0, "some numeric check failed under one of 200 seeds (see the report)"
    assert time.perf_counter() - t0 > 0
