"""Declared domains: symbols carry their signs, sampled and spot-check points lie inside, misuse is an error.

Expected values come from the intervals themselves (an open end is never sampled), not from the sampler.
"""

from __future__ import annotations

import random

import pytest
import sympy as sp

from derivations import domains
from derivations.domains import POSITIVE, REALS, Declarations, DomainError


def _inside(domain: sp.Interval, value: sp.Basic) -> bool:
    return bool(domain.contains(value))  # SymPy's own membership: the oracle


@pytest.mark.parametrize("domain", [sp.Interval.open(0, 1), sp.Interval(0, 1), sp.Interval.Lopen(0, 1),
                                    sp.Interval.Ropen(0, 1), sp.Interval.open(2, 3),
                                    sp.Interval.open(0, sp.Rational(1, 10**9)), sp.Interval(0, sp.Rational(1, 10**9)),
                                    sp.Interval(-sp.oo, -2), sp.Interval.open(5, sp.oo), REALS])
def test_samples_lie_strictly_inside_their_domain(domain):
    rng = random.Random(0)
    for _ in range(200):
        r = domains._sample(domain, rng)
        assert _inside(domain, r) and r not in (domain.inf, domain.sup), (domain, r)


@pytest.mark.parametrize(("domain", "value", "inside"), [
    (sp.Interval.open(0, 1), 0, False), (sp.Interval.open(0, 1), 1, False),
    (sp.Interval.open(0, 1), sp.Rational(1, 2), True),
    (sp.Interval(0, 1), 0, True), (sp.Interval(0, 1), 1, True), (sp.Interval.Lopen(0, 1), 0, False),
    (sp.Interval.Lopen(0, 1), 1, True), (sp.Interval.Ropen(0, 1), 0, True), (sp.Interval.Ropen(0, 1), 1, False),
    (sp.Interval(0, 1), 2, False), (sp.Interval(0, 1), -1, False), (REALS, 10**9, True),
    (sp.FiniteSet(0, 1), 1, True), (sp.FiniteSet(0, 1), sp.Rational(1, 2), False),
    # within float rounding of an end, where the exact comparison decides
    (sp.Interval.open(0, 1), sp.Rational(1, 10**20), True), (sp.Interval.open(0, 1), -sp.Rational(1, 10**20), False),
    (sp.Interval.open(0, 1), 1 - sp.Rational(1, 10**20), True),
    (sp.Interval.open(0, 1), 1 + sp.Rational(1, 10**20), False),
    (sp.Interval(1, 3), 3 + sp.Rational(1, 10**20), False), (sp.Interval(1, 3), 1 - sp.Rational(1, 10**20), False),
    (sp.Interval.open(10**6, 10**6 + 1), 10**6 + sp.Rational(1, 10**12), True),
    (sp.Interval.open(10**6, 10**6 + 1), 10**6 - sp.Rational(1, 10**12), False),
    (sp.Interval.open(-sp.oo, 0), -sp.Rational(1, 10**20), True), (sp.Interval.open(0, sp.oo), 10**300, True),
    (sp.Interval.open(0, sp.oo), -sp.Rational(1, 10**20), False), (sp.Interval.open(-sp.oo, 0), 10**-300, False),
])
def test_membership_follows_the_ends_open_or_closed(domain, value, inside):
    assert domains._inside(domain, sp.sympify(value)) is inside
    assert _inside(domain, sp.sympify(value)) is inside  # the oracle agrees with the table


def test_spot_points_keep_each_symbol_in_its_own_domain_and_order_each_group():
    decl = Declarations()
    a = decl.symbol("a", sp.Interval.open(0, 1))
    b, c = decl.symbol("b", sp.Interval.open(2, 3)), decl.symbol("c", sp.Interval.open(2, 3))
    points = decl.spot_points(random.Random(0), {a, b, c}, 5)
    for point, _ in points:
        assert _inside(sp.Interval.open(0, 1), point[a])
        assert _inside(sp.Interval.open(2, 3), point[b]) and _inside(sp.Interval.open(2, 3), point[c])
    edges = [p for p, edge in points if edge]
    assert any(p[b] < p[c] for p in edges) and any(p[b] > p[c] for p in edges) and any(p[b] == p[c] for p in edges)
    assert sum(not edge for _, edge in points) == 5


def test_edge_points_survive_a_constraint_they_satisfy():
    decl = Declarations()
    x, y = decl.symbol("x", REALS), decl.symbol("y", REALS)
    decl.require(x > y)
    points = decl.spot_points(random.Random(0), {x, y}, 3)
    assert all(p[x] > p[y] for p, _ in points)
    assert any(edge for _, edge in points)


def test_unsatisfiable_constraints_are_a_clear_error():
    decl = Declarations()
    x = decl.symbol("x", POSITIVE)
    decl.require(x < 0)
    with pytest.raises(DomainError, match="could not sample a point satisfying the constraints"):
        decl.sample_point(random.Random(0))


def test_a_symbol_carries_the_signs_of_its_domain_and_extra_assumptions():
    decl = Declarations()
    assert decl.symbol("h", sp.Interval.open(sp.Rational(1, 2), sp.oo)).is_positive is True
    assert decl.symbol("z", sp.Interval(0, 1)).is_nonnegative is True
    assert decl.symbol("m", sp.Interval.open(-sp.oo, -1)).is_negative is True
    assert decl.symbol("n", POSITIVE, integer=True).is_integer is True


@pytest.mark.parametrize("domain", [sp.FiniteSet(0, 1), sp.EmptySet, sp.Interval(1, 0)])
def test_a_symbol_needs_a_non_empty_interval(domain):
    with pytest.raises(DomainError, match="domain must be a non-empty sympy Interval"):
        Declarations().symbol("x", domain)


def test_bound_and_distribution_symbols_are_not_undeclared_but_their_parameters_are():
    from sympy.stats import Normal

    decl = Declarations()
    x = decl.symbol("x", REALS)
    mu, s = sp.symbols("mu s", real=True)
    assert decl.undeclared(x + sp.Dummy("t")) == []
    assert decl.undeclared(Normal("Z", mu, s) + x) == ["mu", "s"]
    assert decl.undeclared(Normal("Z", 0, 1) + x) == []


def test_the_parameters_of_every_random_symbol_are_collected():
    # Each random symbol's parameters count, whichever of them the expression lists first.
    from sympy.stats import Normal

    decl = Declarations()
    mu, s, nu, t = sp.symbols("mu s nu t", real=True)
    assert decl.undeclared(Normal("Z", mu, 1) + Normal("W", 0, s)) == ["mu", "s"]
    assert decl.undeclared(Normal("Z", 0, t) + Normal("W", nu, 1)) == ["nu", "t"]


def test_a_point_where_a_constraint_cannot_be_decided_does_not_satisfy_it():
    # y is not in the point, so x < y has no truth value there: the point is not taken as satisfying it.
    decl = Declarations()
    x = decl.symbol("x", REALS)
    y = sp.Symbol("y", real=True)
    decl.require(x < y)
    assert decl._satisfies({x: sp.Integer(1)}) is False
    assert decl._satisfies({x: sp.Integer(1), y: sp.Integer(2)}) is True
