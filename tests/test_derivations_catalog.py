"""Every catalog result is proved step by step, and every planted error is caught where it was planted."""

from __future__ import annotations

import pytest

from derivations import engine, registry
from derivations.planted import check_planted, step_index

CATALOG_IDS = registry.ids()
PLANTED = [(r.id, k) for r in registry.results() for k in range(len(r.planted))]


@pytest.mark.parametrize("result_id", CATALOG_IDS)
def test_derivations_every_step_passes(result_id):
    report = engine.check(registry.get(result_id))
    bad = [(s.index, s.rule, s.status, s.message) for s in report.failures()]
    assert not bad, f"{result_id}: steps that did not pass: {bad}"


@pytest.mark.parametrize("result_id", CATALOG_IDS)
def test_derivations_result_has_planted_errors(result_id):
    assert registry.get(result_id).planted, f"{result_id} declares no planted error"


@pytest.mark.parametrize(("result_id", "k"), PLANTED)
def test_derivations_planted_error_is_rejected_at_its_step(result_id, k):
    result = registry.get(result_id)
    planted = result.planted[k]
    report = check_planted(result, planted)
    at = step_index(result.build()[1], planted, result_id)  # the step labelled planted.at
    failed = [s.index for s in report.steps if s.status in ("fail", "error", "undecided")]
    assert failed == [at], (
        f"{result_id}: planted '{planted.what}' at step {at} ({planted.at!r}), "
        f"engine flagged {failed}: {[(s.index, s.status, s.message) for s in report.steps if s.index in failed]}")
    assert report.status == "fail"


@pytest.mark.parametrize("result_id", CATALOG_IDS)
def test_derivations_last_steps_state_the_theorem(result_id):
    result = registry.get(result_id)
    assert result.statement_latex, f"{result_id}: conclusion renders as empty LaTeX"


def test_derivations_planted_error_at_an_unknown_label_is_a_clear_error():
    from derivations.planted import Planted, flip_sign

    result = registry.get("gan.optimal_discriminator")
    with pytest.raises(LookupError, match="no step carries"):
        check_planted(result, Planted("no such label", "nothing", flip_sign()))


def test_derivations_planted_error_needs_a_label_not_a_number():
    from derivations.planted import Planted, flip_sign

    with pytest.raises(TypeError, match="step label"):
        Planted(3, "a step number", flip_sign())


@pytest.mark.parametrize("seed", ["-1", "-7"])
def test_derivations_verify_rejects_a_negative_seed_with_a_usage_error(seed, capsys):
    from derivations.cli import main

    with pytest.raises(SystemExit) as stop:
        main(["verify", "gan.optimal_discriminator", f"--seed={seed}"])
    assert stop.value.code == 2  # argparse's usage error, not a traceback
    assert "seed must be a non-negative integer" in capsys.readouterr().err


@pytest.mark.parametrize("jobs", ["0", "-2", "two"])
def test_derivations_verify_rejects_a_bad_job_count_with_a_usage_error(jobs, capsys):
    from derivations.cli import main

    with pytest.raises(SystemExit) as stop:
        main(["verify", "gan.optimal_discriminator", f"--jobs={jobs}"])
    assert stop.value.code == 2
    assert "--jobs needs a positive integer" in capsys.readouterr().err


def test_derivations_verify_in_two_processes_reports_what_one_process_reports():
    from derivations import report

    chosen = [registry.get(i) for i in ("gan.logit_log_ratio", "gan.optimal_discriminator", "cov.uv_jacobian")]

    def steps(rep):
        return [(e["id"], [(s["index"], s["status"], s["message"]) for s in e["symbolic"]["steps"]])
                for e in rep["results"]]

    alone, together = report.build(chosen, jobs=1), report.build(chosen, jobs=2)
    assert steps(together) == steps(alone)  # same verdicts, same order
    assert [e["id"] for e in together["results"]] == [r.id for r in chosen]
