"""The example derivations: exactly the planted wrong steps (reason ``% WRONG: …``) are refuted, no other step.

Each ``mistake_*`` file copies a correct derivation with one typical mistake planted
(dropped ½, p and q swapped, wrong sign on a cross term, dropped entropy term, prior
counted twice, non-conformable product, inequality true only for θ > θ₀, dropped
chain-rule factor). The correct derivations must pass with no refuted step
(their sweep is ``slow``; the mistakes run by default).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from derivations.written.check import check_file

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "derivations"
MISTAKES = sorted(EXAMPLES.glob("mistake_*.derivation.md"))
CORRECT = sorted(set(EXAMPLES.glob("*.derivation.md")) - set(MISTAKES))


def refuted_and_planted(path: Path) -> tuple[list[int], list[int], dict]:
    rep = check_file(path)
    refuted = [s["index"] for s in rep["steps"] if s["verdict"] == "REFUTED"]
    planted = [s["index"] for s in rep["steps"] if s["planted_wrong"]]
    return refuted, planted, rep


def test_the_mistake_catalogue_is_complete():
    names = " ".join(p.name for p in MISTAKES)
    for kind in ("dropped_half", "swapped", "cross_term", "dropped_entropy", "prior_twice", "nonconformable",
                 "theta_above"):
        assert kind in names


@pytest.mark.parametrize("path", MISTAKES, ids=lambda p: p.name.removesuffix(".derivation.md"))
def test_exactly_the_planted_wrong_steps_are_refuted(path):
    refuted, planted, rep = refuted_and_planted(path)
    assert planted, "a mistake file must mark its wrong step with '% WRONG: …'"
    assert refuted == planted, rep
    assert rep["first_wrong_step"] == planted[0]


@pytest.mark.slow
@pytest.mark.parametrize("path", CORRECT, ids=lambda p: p.name.removesuffix(".derivation.md"))
def test_correct_derivations_have_no_refuted_step(path):
    refuted, planted, rep = refuted_and_planted(path)
    assert refuted == [] and planted == [], rep
    undecided = [s["index"] for s in rep["steps"] if s["verdict"] in ("UNDECIDED", "UNPROVED")]
    assert len(undecided) <= 1, rep


def test_a_correct_and_a_wrong_derivation_quickly():
    assert refuted_and_planted(EXAMPLES / "hybrid_loss_kl.derivation.md")[0] == []
    assert refuted_and_planted(EXAMPLES / "optimal_discriminator.derivation.md")[0] == []


def test_pytest_collects_derivation_files_and_fails_on_a_refuted_step():
    files = [EXAMPLES / "hybrid_loss_kl.derivation.md", EXAMPLES / "mistake_hybrid_kl_swapped.derivation.md"]
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-n", "0", "-p", "no:randomly",
                          "-p", "no:cacheprovider",
                          *map(str, files)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "1 failed, 3 passed" in run.stdout, run.stdout
    assert "REFUTED" in run.stdout and "p and q swapped" in run.stdout
