r"""Expectations on a symbolic finite support: E_{x~p}[f(x)] = Σ_x p(x) f(x) for x ∈ {0, 1}, checked as the
finite sum itself (symbolically), with p a declared pmf or a named law such as Bernoulli(θ)."""

from __future__ import annotations

import pytest
import sympy as sp

from derivations.written.check import check
from derivations.written.document import parse
from derivations.written.latex import expression
from derivations.written.symbols import build

FRONT = "x: {0, 1}\n\\theta: (0, 1)\nf: function(x) -> real\np: density(x)\nq: density(x)"
BERNOULLI = r"\mathbb{E}_{x \sim \mathrm{Bernoulli}(\theta)}"


def doc(front: str, *blocks: str) -> str:
    return "---\n" + front.strip() + "\n---\n\n" + "\n\n".join(f"$$ {b} $$" for b in blocks) + "\n"


def verdict(claim: str, front: str = FRONT) -> str:
    return check(parse(doc(front, claim)))["steps"][0]["verdict"]


def test_an_expectation_over_a_finite_set_reads_as_the_sum_over_its_support():
    scope = build({"x": "{0, 1}", "theta": "(0, 1)", "f": "function(x) -> real"})
    theta, f = scope.symbols["theta"], scope.functions["f"].fn
    got = expression(BERNOULLI + "[f(x)]", scope)
    assert not got.has(sp.Integral)
    assert sp.expand(got - (theta * f(1) + (1 - theta) * f(0))) == 0  # the Bernoulli law, from its definition


@pytest.mark.parametrize("claim", [
    r"\mathbb{E}_{x \sim p}[f(x)] = \sum_x p(x) f(x)",
    r"\mathbb{E}_{x \sim p}[f(x)] = p(0) f(0) + p(1) f(1)",
    r"\mathbb{E}_{x \sim p}[1] = 1",  # a pmf sums to one
    r"\mathbb{E}_{x \sim p}[3 f(x) + 2] = 3\mathbb{E}_{x \sim p}[f(x)] + 2",
    BERNOULLI + r"[x] = \theta",
    BERNOULLI + r"[f(x)] = \theta f(1) + (1 - \theta) f(0)",
    BERNOULLI + r"[x^2] - " + BERNOULLI + r"[x]^2 = \theta (1 - \theta)",
    BERNOULLI + r"[-x\log\theta - (1-x)\log(1-\theta)] = -\theta\log\theta - (1-\theta)\log(1-\theta)",
    r"KL(p \| q) = \sum_x p(x) \log \frac{p(x)}{q(x)}",
])
def test_a_true_expectation_on_a_finite_support_is_proved(claim):
    assert verdict(claim) == "PROVED"


@pytest.mark.parametrize("claim", [
    r"\mathbb{E}_{x \sim p}[f(x)] = \sum_x p(x) f(x)^2",
    r"\mathbb{E}_{x \sim p}[f(x)] = f(0) + f(1)",  # weights dropped
    r"\mathbb{E}_{x \sim p}[3 f(x) + 2] = 3\mathbb{E}_{x \sim p}[f(x)] + 3",
    BERNOULLI + r"[x] = 1 - \theta",  # the two outcomes swapped
    BERNOULLI + r"[x^2] - " + BERNOULLI + r"[x]^2 = \theta^2",
    r"KL(p \| q) = \sum_x q(x) \log \frac{q(x)}{p(x)}",  # p and q swapped
])
def test_a_wrong_expectation_on_a_finite_support_is_refuted(claim):
    assert verdict(claim) == "REFUTED"


def test_a_binomial_mean():
    front = "x: {0, 1, 2}\n\\theta: (0, 1)"
    assert verdict(r"\mathbb{E}_{x \sim \mathrm{Binomial}(2, \theta)}[x] = 2\theta", front) == "PROVED"
    assert verdict(r"\mathbb{E}_{x \sim \mathrm{Binomial}(2, \theta)}[x] = \theta", front) == "REFUTED"


def test_a_counterexample_shows_the_pmf_it_used():
    rep = check(parse(doc(FRONT, r"\mathbb{E}_{x \sim p}[f(x)] = f(0) + f(1)")))
    pmf = rep["steps"][0]["counterexample"]["pmfs"]["p"]
    assert set(pmf) == {"0", "1"} and sum(pmf.values()) == pytest.approx(1.0) and min(pmf.values()) > 0


def test_a_bernoulli_parameter_that_may_leave_zero_one_is_an_error_not_a_law():
    rep = check(parse(doc("x: {0, 1}\n\\theta: real", BERNOULLI + r"[x] = \theta")))
    assert rep["steps"][0]["verdict"] == "UNDECIDED" and "must lie in [0, 1]" in rep["steps"][0]["message"]


def test_the_text_report_spells_out_the_pmf_of_a_counterexample():
    from derivations.written.report import text

    out = text(check(parse(doc(FRONT, r"\mathbb{E}_{x \sim p}[f(x)] = f(0) + f(1)"))))
    assert "p on its support: p(0) = " in out and "p(1) = " in out
