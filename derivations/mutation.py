"""Mutations: the ways a careless hand gets a formula wrong, as rewrites of a SymPy expression.

One algebra serves both kinds of planted mistakes:

* planted errors (:mod:`derivations.planted`) rewrite the answer of one step
  of a proof, and the engine must reject that step;
* numeric mutants (:mod:`derivations.mutants`) rewrite a closed form, and a
  numeric check or fuzz property must fail on it.

A :class:`Mutation` maps an expression e to a wrong one: −e (:func:`flip_sign`),
k·e (:func:`scale`), e + a (:func:`shift`), e with two symbols exchanged
(:func:`swap`), a given expression (:func:`replace`), e with its k-th constant
changed (:func:`wrong_constant`), a summand or a factor dropped
(:func:`drop_term`, :func:`drop_factor`), or any rewrite (:func:`rewrite`).
Symbols may be named by their names: a mutation is applied with the
derivation's symbols at hand (``symbols``), so it never rebuilds a symbol with
its assumptions by hand. A matrix, list or tuple is mutated entry by entry.

>>> import sympy as sp
>>> x, y = sp.symbols("x y", positive=True)
>>> flip_sign().apply(x / (x + y))
-x/(x + y)
>>> swap("x", "y").apply(x / (x + y), {"x": x, "y": y})
y/(x + y)
>>> wrong_constant(0).apply(3 * x + 1)
4*x + 1
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

__all__ = ["Mutation", "flip_sign", "scale", "shift", "swap", "replace", "rewrite", "wrong_constant",
           "drop_term", "drop_factor", "wrong_number", "numbers", "nodes", "map_entries", "entries"]

Symbols = Mapping[str, Any]


def entries(e: Any) -> list[sp.Basic]:
    """The scalar entries of ``e`` (a SymPy expression, a matrix, or a nested list/tuple of them).

    Args:
        e: an expression, a matrix, or a (nested) list or tuple of them; other values are sympified.

    Returns:
        The entries as a flat list, matrices in row-major order.

    >>> entries([sp.Integer(1), sp.Matrix([[2, 3]])])
    [1, 2, 3]
    """
    if isinstance(e, sp.MatrixBase):
        return list(e)
    if isinstance(e, (list, tuple)):
        return [x for v in e for x in entries(v)]
    return [sp.sympify(e)]


def map_entries(e: Any, fn: Callable[[sp.Basic], sp.Basic]) -> Any:
    """``fn`` applied to every scalar entry of ``e``, keeping its shape.

    Args:
        e: an expression, a matrix, or a (nested) list or tuple of them.
        fn: the map applied to each scalar entry.

    Returns:
        A value of the same type and shape as ``e``.

    >>> map_entries((sp.Integer(1), [sp.Integer(2)]), lambda x: 10 * x)
    (10, [20])
    """
    if isinstance(e, sp.MatrixBase):
        return e.applyfunc(fn)
    if isinstance(e, (list, tuple)):
        return type(e)(map_entries(v, fn) for v in e)
    return fn(sp.sympify(e))


def nodes(e: Any, kind: type) -> list[sp.Basic]:
    """Distinct subexpressions of type ``kind`` in preorder over all entries of ``e``.

    Args:
        e: an expression, a matrix, or a (nested) list or tuple of them.
        kind: the SymPy class looked for (``sp.Add``, ``sp.Mul``, …).

    Returns:
        The subexpressions, each once, in the order first met.
    """
    seen: list[sp.Basic] = []
    for el in entries(e):
        for node in sp.preorder_traversal(el):
            if isinstance(node, kind) and node not in seen:
                seen.append(node)
    return seen


def numbers(e: Any) -> list[sp.Basic]:
    """Distinct constants of ``e`` other than 0 and ±1 (numbers and π, e, …), in preorder.

    Args:
        e: an expression, a matrix, or a (nested) list or tuple of them.

    Returns:
        The constants, each once, in the order first met.

    >>> numbers(2 * sp.pi + sp.Rational(1, 2))
    [1/2, 2, pi]
    """
    seen: list[sp.Basic] = []
    for el in entries(e):
        for node in sp.preorder_traversal(el):
            if (isinstance(node, sp.Number) and node not in (sp.Integer(0), sp.Integer(1), sp.Integer(-1))) or \
                    isinstance(node, sp.NumberSymbol):
                if node not in seen:
                    seen.append(node)
    return seen


def wrong_number(c: sp.Basic) -> sp.Basic:
    """A plausible wrong value of the constant c: an integer moved one away from zero, anything else doubled.

    Args:
        c: a SymPy constant.

    Returns:
        c + 1 for an integer c > 0, c − 1 for an integer c ≤ 0, else 2c.

    >>> wrong_number(sp.Integer(2)), wrong_number(sp.Integer(-2)), wrong_number(sp.Rational(1, 2))
    (3, -3, 1)
    """
    if isinstance(c, sp.Integer):
        return c + 1 if c > 0 else c - 1
    return 2 * c


def _resolve(x: Any, symbols: Symbols | None) -> Any:
    """A symbol named by its name is looked up in ``symbols``; a callable is called with them."""
    if isinstance(x, str):
        if symbols is None or x not in symbols:
            known = ", ".join(sorted(symbols or ())) or "none"
            raise KeyError(f"mutation names symbol {x!r}, which the derivation does not declare (declared: {known})")
        return symbols[x]
    if callable(x) and not isinstance(x, sp.Basic):
        return x(symbols or {})
    return x


@dataclass(frozen=True)
class Mutation:
    """One way of getting an expression wrong; ``operator`` names it, ``apply`` performs it.

    Build one with the functions of this module rather than directly.
    """

    operator: str
    amount: Any = None  # the factor, the shift, the symbol pair or the replacement
    index: int = 0  # which constant / sum / product (preorder), for the positional operators
    sub: int = -1  # which summand / factor of it
    fn: Callable[..., Any] | None = field(default=None, compare=False)  # for "rewrite"

    def apply(self, e: Any, symbols: Symbols | None = None) -> Any:
        """The mutated expression.

        Args:
            e: a SymPy expression, or a matrix / list / tuple of them (mutated entry by entry).
            symbols: the derivation's symbols and functions by name, for mutations that name them.

        Returns:
            The wrong expression, of the same shape as ``e``.

        Raises:
            KeyError: the mutation names a symbol that ``symbols`` lacks.
            IndexError: a positional mutation points past the constants / sums / products of ``e``.
        """
        op = self.operator
        if op == "sign flip":
            return map_entries(e, lambda x: -x)
        if op == "scale":
            k = _resolve(self.amount, symbols)
            return map_entries(e, lambda x: k * x)
        if op == "shift":
            a = _resolve(self.amount, symbols)
            return map_entries(e, lambda x: x + a)
        if op == "swap":
            a, b = (_resolve(s, symbols) for s in self.amount)
            return map_entries(e, lambda x: x.subs({a: b, b: a}, simultaneous=True))
        if op == "replace":
            return _resolve(self.amount, symbols)
        if op == "rewrite":
            return self.fn(e, symbols or {}) if accepts_symbols(self.fn) else self.fn(e)
        if op == "wrong constant":
            c = numbers(e)[self.index]
            return map_entries(e, lambda x: x.xreplace({c: wrong_number(c)}))
        if op in ("dropped term", "dropped factor"):
            node, parts = self._node(e)
            new = (sp.Add if op == "dropped term" else sp.Mul)(
                *(t for k, t in enumerate(parts) if k != self.sub % len(parts)))
            return map_entries(e, lambda x: x.xreplace({node: new}))
        raise ValueError(f"unknown mutation operator {op!r}")

    def _node(self, e: Any) -> tuple[sp.Basic, tuple]:
        if self.operator == "dropped term":
            node = nodes(e, sp.Add)[self.index]
        else:
            node = [m for m in nodes(e, sp.Mul) if len(m.args) >= 2][self.index]
        return node, node.args

    def describe(self, e: Any = None) -> str:
        """What the mutation does to ``e``, in a few symbols (``−f``, ``2f``, ``1/2 → 1``, ``drop x from x + y``)."""
        op = self.operator
        if op == "wrong constant":
            c = numbers(e)[self.index]
            return f"{sp.sstr(c)} → {sp.sstr(wrong_number(c))}"
        if op in ("dropped term", "dropped factor"):
            node, parts = self._node(e)
            return f"drop {sp.sstr(parts[self.sub % len(parts)])} from {sp.sstr(node)}"[:120]
        if op == "sign flip":
            return "−f"
        if op == "scale" and not callable(self.amount) and not isinstance(self.amount, str):
            return f"{sp.sstr(self.amount)}f"
        if op == "shift" and not callable(self.amount) and not isinstance(self.amount, str):
            return f"f + {sp.sstr(self.amount)}"
        if op == "swap":
            return " ↔ ".join(str(s) for s in self.amount)
        return op


def accepts_symbols(fn: Callable[..., Any]) -> bool:
    """Whether a hand-written mistake takes the derivation's symbols as a second argument.

    Args:
        fn: the function a :func:`rewrite` mutation holds.

    Returns:
        True when its signature takes two or more parameters; False when it takes fewer or cannot be inspected.
    """
    import inspect

    try:
        return len(inspect.signature(fn).parameters) >= 2
    except (TypeError, ValueError):
        return False


def flip_sign() -> Mutation:
    """e ↦ −e."""
    return Mutation("sign flip")


def scale(factor: Any) -> Mutation:
    """e ↦ factor·e (a dropped or doubled factor); ``factor`` may name a symbol or be a function of the symbols.

    Args:
        factor: a number or expression, a symbol's name, or a function of the symbols by name.

    Returns:
        The mutation.

    >>> x = sp.Symbol("x")
    >>> scale(2).apply(x + 1)
    2*x + 2
    """
    return Mutation("scale", factor)


def shift(amount: Any) -> Mutation:
    """e ↦ e + amount (a wrong constant); ``amount`` may name a symbol or be a function of the symbols.

    Args:
        amount: a number or expression, a symbol's name, or a function of the symbols by name.

    Returns:
        The mutation.

    >>> x = sp.Symbol("x")
    >>> shift("x").apply(sp.Integer(1), {"x": x})
    x + 1
    """
    return Mutation("shift", amount)


def swap(a: Any, b: Any) -> Mutation:
    """e with the symbols a and b exchanged simultaneously (swapped arguments); a, b may be names.

    Args:
        a: a symbol, or its name.
        b: the other symbol, or its name.

    Returns:
        The mutation.
    """
    return Mutation("swap", (a, b))


def replace(new: Any) -> Mutation:
    """e ↦ new (a wrong value); ``new`` may be a function of the symbols, e.g. ``lambda s: -s["x"]``.

    Args:
        new: the wrong value, or a function of the symbols by name that gives it.

    Returns:
        The mutation.
    """
    return Mutation("replace", new)


def rewrite(fn: Callable[..., Any]) -> Mutation:
    """e ↦ fn(e) or fn(e, symbols): any other mistake, written as a function of the right expression.

    Args:
        fn: the right expression ↦ the wrong one; given a second parameter, it receives the symbols by name.

    Returns:
        The mutation.

    >>> x = sp.Symbol("x")
    >>> rewrite(lambda e: e**2).apply(x + 1)
    (x + 1)**2
    """
    return Mutation("rewrite", fn=fn)


def wrong_constant(index: int) -> Mutation:
    """The ``index``-th constant of e (preorder, 0 and ±1 excluded) replaced by :func:`wrong_number` of it.

    Args:
        index: which constant, counted as :func:`numbers` lists them.

    Returns:
        The mutation (applying it raises IndexError when e has too few constants).
    """
    return Mutation("wrong constant", index=index)


def drop_term(index: int, sub: int) -> Mutation:
    """Summand ``sub`` of the ``index``-th sum of e removed.

    Args:
        index: which sum of e, in preorder over its entries.
        sub: which summand of that sum (taken modulo the number of summands).

    Returns:
        The mutation (applying it raises IndexError when e has too few sums).

    >>> x, y = sp.symbols("x y")
    >>> drop_term(0, 0).apply(x + y)
    y
    """
    return Mutation("dropped term", index=index, sub=sub)


def drop_factor(index: int, sub: int) -> Mutation:
    """Factor ``sub`` of the ``index``-th product of e removed.

    Args:
        index: which product of two or more factors of e, in preorder over its entries.
        sub: which factor of that product (taken modulo the number of factors).

    Returns:
        The mutation (applying it raises IndexError when e has too few products).
    """
    return Mutation("dropped factor", index=index, sub=sub)
