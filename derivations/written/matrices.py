"""Matrix identities for symbolic shapes, by a normal form of noncommutative polynomials.

Each side is expanded into a sum of words (products of matrix symbols, their
transposes, and opaque factors such as inverses) with scalar coefficients. A
word whose value is 1×1 equals its own transpose, so it is replaced by the
smaller of the two. Equal normal forms mean equal matrices for every shape;
different forms mean only that this method cannot tell.

>>> n = sp.Symbol("n", integer=True, positive=True)
>>> X, w, y = sp.MatrixSymbol("X", n, 3), sp.MatrixSymbol("w", 3, 1), sp.MatrixSymbol("y", n, 1)
>>> zero((y - X*w).T*(y - X*w) - (y.T*y - 2*w.T*X.T*y + w.T*X.T*X*w), lambda c: c == 0)
True
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import sympy as sp


class NotPolynomial(Exception):
    pass


def _is_matrix(e) -> bool:
    return isinstance(e, sp.MatrixExpr)


def _t(factor):
    return factor.T


def _shape(word) -> tuple:
    return (word[0].shape[0], word[-1].shape[1]) if word else None


def _canonical(word: tuple) -> tuple:
    """A 1×1 word equals its transpose: keep the one with the smaller printed form."""
    if word and _shape(word) == (1, 1):
        flipped = tuple(_t(f) for f in reversed(word))
        return min(word, flipped, key=lambda w: tuple(str(f) for f in w))
    return word


def normal_form(e) -> dict:
    """{word: coefficient}: ``e`` as a noncommutative polynomial in its matrix factors."""
    if isinstance(e, sp.Trace):
        inner = e.arg
        if inner.shape != (1, 1):
            raise NotPolynomial("trace of a non-1×1 matrix")
        return normal_form(inner)
    if isinstance(e, (sp.MatrixSymbol, sp.Inverse)) or (isinstance(e, sp.Transpose) and isinstance(
            e.arg, (sp.MatrixSymbol, sp.Inverse))):
        return {(e,): sp.Integer(1)}
    if isinstance(e, sp.Identity):
        return {(): sp.Integer(1)}
    if isinstance(e, sp.ZeroMatrix):
        return {}
    if isinstance(e, sp.Transpose):
        return {tuple(_t(f) for f in reversed(w)): c for w, c in normal_form(e.arg).items()}
    if isinstance(e, sp.MatPow):
        if e.exp.is_Integer and e.exp > 0:
            return normal_form(sp.MatMul(*([e.base] * int(e.exp))))
        if e.exp == -1:
            return {(sp.Inverse(e.base),): sp.Integer(1)}
        raise NotPolynomial("matrix power")
    if isinstance(e, (sp.MatAdd, sp.Add)):
        out: dict = defaultdict(lambda: sp.Integer(0))
        for a in e.args:
            for w, c in normal_form(a).items():
                out[w] += c
        return dict(out)
    if isinstance(e, (sp.MatMul, sp.Mul)):
        out = {(): sp.Integer(1)}
        for a in e.args:
            if not (_is_matrix(a) or a.has(sp.MatrixSymbol)):
                out = {w: c * a for w, c in out.items()}
                continue
            nxt: dict = defaultdict(lambda: sp.Integer(0))
            for w1, c1 in out.items():
                for w2, c2 in normal_form(a).items():
                    nxt[w1 + w2] += c1 * c2
            out = dict(nxt)
        return out
    if isinstance(e, sp.Pow) and e.exp.is_Integer and e.exp > 0 and e.base.has(sp.MatrixSymbol):
        return normal_form(sp.Mul(*([e.base] * int(e.exp)), evaluate=False))
    if e.has(sp.MatrixSymbol):
        raise NotPolynomial(f"cannot expand {type(e).__name__}")
    return {(): e}


def zero(e, is_zero: Callable[[sp.Basic], bool | None]) -> bool | None:
    """True if the normal form of ``e`` vanishes (every coefficient ``is_zero``), else None."""
    try:
        form = normal_form(e)
    except NotPolynomial:
        return None
    merged: dict = defaultdict(lambda: sp.Integer(0))
    for w, c in form.items():
        merged[_canonical(w)] += c
    return all(c == 0 or is_zero(sp.expand(c)) for c in merged.values()) or None
