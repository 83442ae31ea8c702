"""Named functions of the catalog's notation: σ and softplus, as SymPy functions.

They print as σ(h) and softplus(h), differentiate by their known rules
(σ' = σ(1−σ), softplus' = σ), and rewrite to exponentials so SymPy can decide
identities that involve them.
"""

from __future__ import annotations

import sympy as sp


class sigmoid(sp.Function):  # noqa: N801 - reads like the math
    r"""σ(h) = 1/(1 + e^{−h})."""

    @classmethod
    def eval(cls, h):
        if h.is_Number:
            return 1 / (1 + sp.exp(-h))
        return None

    def fdiff(self, argindex=1):
        s = sigmoid(self.args[0])
        return s * (1 - s)

    def _eval_rewrite_as_exp(self, h, **kwargs):
        return 1 / (1 + sp.exp(-h))

    def _eval_evalf(self, prec):
        return self.rewrite(sp.exp)._eval_evalf(prec)

    def _eval_is_positive(self):
        return self.args[0].is_real

    def _eval_is_real(self):
        return self.args[0].is_real

    def _latex(self, printer, exp=None):
        # SymPy passes ``exp`` when printing a power of a function call: σ(h)² is σ(h)^{2}.
        body = rf"\sigma\left({printer._print(self.args[0])}\right)"
        return body if exp is None else rf"{body}^{{{exp}}}"


class softplus(sp.Function):  # noqa: N801
    r"""softplus(h) = log(1 + e^{h})."""

    @classmethod
    def eval(cls, h):
        if h.is_Number:
            return sp.log(1 + sp.exp(h))
        return None

    def fdiff(self, argindex=1):
        return sigmoid(self.args[0])

    def _eval_rewrite_as_exp(self, h, **kwargs):
        return sp.log(1 + sp.exp(h))

    def _eval_evalf(self, prec):
        return self.rewrite(sp.exp)._eval_evalf(prec)

    def _eval_is_positive(self):
        return self.args[0].is_real

    def _eval_is_real(self):
        return self.args[0].is_real

    def _latex(self, printer, exp=None):
        body = rf"\operatorname{{softplus}}\left({printer._print(self.args[0])}\right)"
        return body if exp is None else rf"{body}^{{{exp}}}"


def elementary(expr: sp.Basic) -> sp.Basic:
    """``expr`` with σ and softplus written out in exp and log.

    Args:
        expr: a SymPy expression, possibly holding :class:`sigmoid` and :class:`softplus`.

    Returns:
        ``expr`` with σ(h) → 1/(1 + e⁻ʰ) and softplus(h) → log(1 + eʰ).

    >>> h = sp.Symbol("h", real=True)
    >>> elementary(sigmoid(h) + softplus(h))
    log(exp(h) + 1) + 1/(1 + exp(-h))
    """
    return expr.replace(sigmoid, lambda h: 1 / (1 + sp.exp(-h))).replace(
        softplus, lambda h: sp.log(1 + sp.exp(h)))
