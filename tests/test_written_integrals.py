r"""Gaussian integrals and other closed forms: PROVED when SymPy integrates them within the step limit,
otherwise undecided (never refuted) while quadrature agrees; a side that is not real where the other is
(\log x for x < 0) refutes an identity of real functions."""

from __future__ import annotations

import math
import time

import pytest
import sympy as sp

from derivations.written import relations, worlds
from derivations.written.check import check
from derivations.written.document import parse

GAUSS = "x: real\n\\mu: real\n\\sigma: positive"
DENSITY = r"\frac{1}{\sqrt{2\pi\sigma^2}} e^{-\frac{(x-\mu)^2}{2\sigma^2}}"


def doc(front: str, *blocks: str) -> str:
    return "---\n" + front.strip() + "\n---\n\n" + "\n\n".join(f"$$ {b} $$" for b in blocks) + "\n"


def step(front: str, block: str) -> dict:
    return check(parse(doc(front, block)))["steps"][0]


@pytest.mark.parametrize(("front", "claim"), [
    ("x: real", r"\int_{-\infty}^{\infty} e^{-x^2/2}\,dx = \sqrt{2\pi}"),
    ("x: real\na: positive", r"\int_{-\infty}^{\infty} e^{-a x^2}\,dx = \sqrt{\frac{\pi}{a}}"),
    (GAUSS, r"\int_{-\infty}^{\infty} " + DENSITY + r"\,dx = 1"),
    (GAUSS, r"\int_{-\infty}^{\infty} x " + DENSITY + r"\,dx = \mu"),
    (GAUSS, r"\int_{-\infty}^{\infty} x^2 " + DENSITY + r"\,dx = \mu^2 + \sigma^2"),
    (GAUSS, r"\mathbb{E}_{x \sim \mathcal{N}(\mu, \sigma^2)}[e^x] = e^{\mu + \sigma^2/2}"),
    ("x: real\n\\lambda: positive", r"\int_0^\infty x \lambda e^{-\lambda x}\,dx = \frac{1}{\lambda}"),
    ("x: real", r"\int_{-\infty}^{\infty} \frac{1}{1 + x^2}\,dx = \pi"),
])
def test_a_closed_form_sympy_integrates_is_proved_quickly(front, claim):
    t = time.process_time()
    assert step(front, claim)["verdict"] == "PROVED"
    assert time.process_time() - t < 5


@pytest.mark.parametrize(("front", "claim"), [
    ("x: real", r"\int_{-\infty}^{\infty} e^{-x^2/2}\,dx = \sqrt{\pi}"),  # dropped factor 2
    (GAUSS, r"\int_{-\infty}^{\infty} x^2 " + DENSITY + r"\,dx = \mu^2 + 2\sigma^2"),
    (GAUSS, r"\mathbb{E}_{x \sim \mathcal{N}(\mu, \sigma^2)}[e^x] = e^{\mu + \sigma^2}"),  # dropped ½
    ("x: real\n\\lambda: positive", r"\int_0^\infty x \lambda e^{-\lambda x}\,dx = \lambda"),
])
def test_a_wrong_closed_form_is_refuted(front, claim):
    assert step(front, claim)["verdict"] == "REFUTED"


def test_without_a_closed_form_quadrature_agreeing_leaves_the_step_undecided_never_refuted():
    # By symmetry ∫ φ(x)/(1 + e^{-x}) dx = ½ ∫ φ: true, but SymPy finds no antiderivative.
    true = r"\int_{-\infty}^{\infty} \frac{e^{-x^2/2}}{1 + e^{-x}}\,dx = \frac{\sqrt{2\pi}}{2}"
    assert step("x: real", true)["verdict"] == "UNDECIDED"
    wrong = true.replace(r"= \frac{\sqrt{2\pi}}{2}", r"= \frac{\sqrt{2\pi}}{3}")
    assert wrong != true and step("x: real", wrong)["verdict"] == "REFUTED"


def test_a_closed_form_that_holds_only_under_conditions_is_not_used():
    # ∫_0^1 x^a dx = 1/(a + 1) only for a > -1, ∫_1^2 x^a dx has another form at a = -1: SymPy answers
    # with a Piecewise (or ∞), and the integral is kept unevaluated.
    x, a = sp.Symbol("x", real=True), sp.Symbol("a", real=True)
    for integral in (sp.Integral(x**a, (x, 0, 1)), sp.Integral(x**a, (x, 1, 2))):
        assert relations.closed_forms(integral) == integral
    assert relations.closed_forms(sp.Integral(x**2, (x, 0, 1))) == sp.Rational(1, 3)


def test_a_narrow_peak_far_from_zero_is_integrated_or_skipped_never_read_as_zero():
    # N(80, 0.9²): an adaptive rule on (-inf, inf) alone returns 0 with a tiny error estimate.
    x = sp.Symbol("x", real=True)
    density = sp.exp(-(x - 80) ** 2 / (2 * sp.Rational(81, 100))) / sp.sqrt(2 * sp.pi * sp.Rational(81, 100))
    try:
        value = float(worlds._quad(x, density, -sp.oo, sp.oo, hints=[80, sp.Rational(9, 10)]))
    except worlds.NotNumeric:
        return
    assert value == pytest.approx(1.0, rel=1e-9)
    value = float(worlds._quad(x, density, -sp.oo, sp.oo))  # no hint: the grid still finds the peak
    assert value == pytest.approx(1.0, rel=1e-9)


def test_log_of_a_square_is_twice_the_log_only_for_positive_x():
    wrong = step("x: real", r"\log(x^2) = 2\log x")
    assert wrong["verdict"] == "REFUTED"
    c = wrong["counterexample"]
    assert c["point"]["x"] < 0 and c["lhs"] == pytest.approx(math.log(c["point"]["x"] ** 2))
    assert "not a real number" in wrong["message"]
    assert step("x: positive", r"\log(x^2) = 2\log x")["verdict"] == "PROVED"
    assert step("x: real", r"\log(x^2) = 2\log x \quad \text{for } x > 0")["verdict"] == "PROVED"


def test_an_odd_root_of_a_negative_number_is_not_a_counterexample():
    # SymPy's principal cube root of -1 is complex; the real cube root the writer means is -1.
    assert step("x: real", r"\sqrt[3]{x^3} = x")["verdict"] != "REFUTED"


def test_an_integration_variable_declared_positive_is_not_assumed_positive_beyond_its_domain():
    # x: positive, but ∫_{-1}^{1} runs over negative x too: |x| must not become x there (that gave 0 = 0, PROVED).
    assert step("x: positive", r"\int_{-1}^{1} |x| \, dx = 0")["verdict"] == "REFUTED"
    assert step("x: positive", r"\int_{-1}^{1} |x| \, dx = 1")["verdict"] == "PROVED"
    assert step("x: positive", r"\int_{0}^{1} |x| \, dx = \frac{1}{2}")["verdict"] == "PROVED"


def test_a_product_of_exponentials_is_integrated_without_zero_times_infinity():
    # e^{-z²/2} e^{z/5 - 3} / √(2π) integrates to e^{-3 + 1/50} (the normal's moment generating function);
    # as a product of two floats it is 0·∞ = nan for large z.
    z = sp.Symbol("z", real=True)
    body = sp.exp(-z**2 / 2) * sp.exp(z / 5 - 3) / sp.sqrt(2 * sp.pi)
    assert float(worlds._quad(z, body, -sp.oo, sp.oo)) == pytest.approx(math.exp(-3 + 1 / 50), rel=1e-10)
