"""The engine's own contract: it never passes what it cannot prove, and says why."""

from __future__ import annotations

import pytest
import sympy as sp

from derivations import engine
from derivations.claims import PREV, Conclude, Equal, Holds, Verdict, _decide
from derivations.decide import Spot
from derivations.domains import POSITIVE, REALS, Declarations, DomainError
from derivations.engine import Result, Step


def _result(build):
    return Result(id="test.toy", title="toy", statement="toy", build=build)


def test_derivations_undeclared_symbol_is_named():
    def build():
        decl = Declarations()
        x = decl.symbol("x", REALS)
        y = sp.Symbol("y")
        return decl, [Step("r", Equal(x + y, y + x))]

    with pytest.raises(DomainError, match="y"):
        engine.check(_result(build))


def test_derivations_missing_assumption_is_undecided_not_pass():
    # log(ab) = log a + log b needs a, b > 0; the constraint lets the sampler
    # find no counterexample, but SymPy, told only "real", cannot prove it.
    def build():
        decl = Declarations()
        a, b = decl.symbols("a b", REALS)
        decl.require(a > 0)
        decl.require(b > 0)
        return decl, [Step("log of a product", Equal(sp.log(a * b), sp.log(a) + sp.log(b)))]

    report = engine.check(_result(build))
    assert report.steps[0].status == "undecided"
    assert "assumptions" in report.steps[0].message
    assert report.status == "fail"


def test_derivations_same_step_passes_with_the_assumption():
    def build():
        decl = Declarations()
        a, b = decl.symbols("a b", POSITIVE)
        return decl, [Step("log of a product", Equal(sp.log(a * b), sp.log(a) + sp.log(b)))]

    assert engine.check(_result(build)).status == "pass"


def test_derivations_false_step_fails_with_a_counterexample():
    def build():
        decl = Declarations()
        x = decl.symbol("x", REALS)
        return decl, [Step("wrong square", Equal((x + 1) ** 2, x**2 + 1))]

    step = engine.check(_result(build)).steps[0]
    assert step.status == "fail" and "x=" in step.message


def test_derivations_symbolic_and_spot_check_disagreement_is_an_error():
    spot = Spot({"x": sp.Integer(1)}, (sp.Integer(1), sp.Integer(2)))
    assert _decide(True, spot, "the equality") == Verdict(
        "error", "SymPy proves the equality but the spot check disagrees at x=1.00000: 1.0000000 vs 2.0000000")


def test_derivations_wrong_inequality_direction_fails():
    def build():
        decl = Declarations()
        x = decl.symbol("x", POSITIVE)
        return decl, [Step("wrong", Holds(sp.log(x), ">=", x - 1))]

    assert engine.check(_result(build)).steps[0].status == "fail"


def test_derivations_chain_conclusion_needs_every_link():
    def build(bad: bool):
        decl = Declarations()
        x = decl.symbol("x", REALS)
        return decl, [
            Step("expand", Equal((x + 1) ** 2, x**2 + 2 * x + 1), label="a"),
            Step("complete", Equal(PREV, x**2 + 2 * x + (2 if bad else 1)), label="b"),
            Step("so", Conclude((x + 1) ** 2, "=", x**2 + 2 * x + (2 if bad else 1), "a", "b")),
        ]

    assert engine.check(_result(lambda: build(False))).status == "pass"
    bad = engine.check(_result(lambda: build(True)))
    assert [s.status for s in bad.steps] == ["pass", "fail", "unproved"]
