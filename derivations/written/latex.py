r"""LaTeX mathematics → SymPy, by a grammar (``grammar.lark``), never by eval or sympify.

Names are resolved against the front matter's declarations: a declared ``\sigma``
is a symbol, an undeclared ``\sigma(x)`` the sigmoid; ``\log`` is the natural
log; ``JSD`` and ``KL`` are divergences, not products of letters; ``\beta`` is a
symbol, never the Beta function. What cannot be read is a :class:`LatexError`
naming the line, the column and the token.

>>> from derivations.written.symbols import build
>>> scope = build({"x": "positive"})
>>> read(r"\log \frac{x^3}{2} = 3\log x - \log 2", scope)
[[(None, log(x**3/2)), ('=', 3*log(x) - log(2))]]
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import sympy as sp
from sympy.matrices.exceptions import ShapeError

from derivations import decide
from derivations.functions import sigmoid, softplus
from derivations.written.names import BadName, normalize
from derivations.written.symbols import Scope

#: Longest block and deepest brace nesting read; beyond them the input is refused before parsing.
MAX_BLOCK = 20_000
MAX_DEPTH = 60

#: Commands that would make TeX read files, define macros or run anything: refused outright.
FORBIDDEN = re.compile(r"\\(input|include|def|edef|gdef|let|newcommand|renewcommand|providecommand|write|immediate|"
                       r"catcode|csname|usepackage|read|openin|openout|directlua|special|href|url|expandafter)"
                       r"(?![A-Za-z])")


class LatexError(ValueError):
    """Unreadable LaTeX: where, which token, why."""

    def __init__(self, message: str, line: int = 1, column: int = 1, token: str = ""):
        self.message, self.line, self.column, self.token = message, line, column, token
        super().__init__(f"line {line}, column {column}: {message}" + (f" (at {token!r})" if token else ""))


class IllTyped(LatexError):
    """A well-formed expression whose shapes do not fit (a non-conformable product): a wrong step."""


# --- objects the reader hands on ----------------------------------------------------------
CONST = sp.Symbol("const")  # "+ const": a term free of the declared parameters


class Minimum(sp.Function):
    """min over args[1:] of args[0] (unevaluated; the checker decides it)."""


class Maximum(sp.Function):
    """max over args[1:] of args[0]."""


class Infimum(sp.Function):
    """inf over args[1:] of args[0]."""


class Supremum(sp.Function):
    """sup over args[1:] of args[0]."""


class ArgMin(sp.Function):
    """arg min over args[1:] of args[0]."""


class ArgMax(sp.Function):
    """arg max over args[1:] of args[0]."""


OPTIMA = {"min": Minimum, "max": Maximum, "inf": Infimum, "sup": Supremum, "argmin": ArgMin, "argmax": ArgMax}

#: The standard normal variable of every Gaussian expectation (E_{x~N(m,s²)} f(x) = E_z f(m + s z)).
Z = sp.Symbol("z_std", real=True)


def std_normal_pdf(z: sp.Basic) -> sp.Basic:
    return sp.exp(-z**2 / 2) / sp.sqrt(2 * sp.pi)


@dataclass(frozen=True)
class Gaussian:
    mean: sp.Basic
    var: sp.Basic


@dataclass(frozen=True)
class Discrete:
    """A named law on a finite support: Bernoulli(θ) is {0: 1 − θ, 1: θ}."""

    pmf: tuple  # ((value, probability), …)


@dataclass(frozen=True)
class _Mark:
    kind: str  # "d", "partial"
    order: int = 1


@dataclass(frozen=True)
class _Differential:
    var: sp.Symbol
    partial: bool = False
    order: int = 1


@dataclass(frozen=True)
class _Deriv:
    var: sp.Symbol
    order: int = 1


@dataclass(frozen=True)
class _Func:
    """A function waiting for its argument (``\\log x``)."""

    name: str
    apply: object


RELATIONS = {":=": ":=", "=": "=", "<": "<", ">": ">", "!=": "!=", "<=": "<=", ">=": ">=",
             r"\le": "<=", r"\leq": "<=", r"\leqslant": "<=", r"\ge": ">=",
             r"\geq": ">=", r"\geqslant": ">=", r"\ne": "!=", r"\neq": "!=", r"\approx": "approx",
             r"\propto": "propto", r"\Rightarrow": "=>", r"\implies": "=>", r"\Longrightarrow": "=>",
             r"\iff": "<=>", r"\Leftrightarrow": "<=>", r"\Longleftrightarrow": "<=>"}

def _det(m):
    if isinstance(m, sp.MatrixBase):
        return m.det()
    return sp.Determinant(m) if isinstance(m, sp.MatrixExpr) else m


def _trace(m):
    if isinstance(m, sp.MatrixBase):
        return m.trace()
    return sp.Trace(m) if isinstance(m, sp.MatrixExpr) else m


GREEK_FUNCTIONS = {"log": sp.log, "ln": sp.log, "exp": sp.exp, "sin": sp.sin, "cos": sp.cos, "tan": sp.tan,
                   "tanh": sp.tanh, "sinh": sp.sinh, "cosh": sp.cosh, "softplus": softplus, "det": _det,
                   "tr": _trace, "Tr": _trace, "trace": _trace}


@functools.lru_cache(maxsize=1)
def _parser():
    from lark import Lark

    grammar = (Path(__file__).with_name("grammar.lark")).read_text()
    return Lark(grammar, parser="lalr", propagate_positions=True, maybe_placeholders=False)


# --- preprocessing: same length, so columns stay right -------------------------------------
_SPACING = re.compile(r"(?<!\\)\\(,|;|:|!| )|(?<!\\)\\(quad|qquad|displaystyle|textstyle|limits|nolimits|"
                      r"big|Big|bigg|Bigg|bigl|bigr|Bigl|Bigr|biggl|biggr|left\.|right\.|left|right|mathopen|mathclose)(?![A-Za-z])")


def _blank(m: re.Match) -> str:
    return " " * len(m.group(0))


def preprocess(text: str) -> str:
    r"""Blank spacing commands and ``\left``/``\right``; mark | and \| as opening, closing or separator.

    Every replacement keeps the length, so error columns point into the original text.
    """
    if len(text) > MAX_BLOCK:
        raise LatexError(f"block longer than {MAX_BLOCK} characters")
    depth = worst = 0
    for ch in text:
        depth += ch in "{([" and 1 or (-1 if ch in "})]" else 0)
        worst = max(worst, depth)
    if worst > MAX_DEPTH:
        raise LatexError(f"brackets nested {worst} deep (at most {MAX_DEPTH})")
    m = FORBIDDEN.search(text)
    if m:
        line = text.count("\n", 0, m.start()) + 1
        col = m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1
        raise LatexError("this command is not mathematics and is refused", line, col, m.group(0))
    s = text.replace(r"\arg\min", r"\argmin ").replace(r"\arg\max", r"\argmax ")
    s = re.sub(r"\\operatorname\*?\{arg\s*(\\,)?\s*(min|max)\}",
               lambda m: ("\\arg" + m.group(2)).ljust(len(m.group(0))), s)
    s = re.sub(r"\\(lvert|rvert|lVert|rVert|vert|Vert|mid)(?![A-Za-z])",
               lambda m: {"lvert": "|", "rvert": "|", "vert": "|", "mid": "|"}.get(m.group(1), "\\|")
               .ljust(len(m.group(0))), s)
    s = _SPACING.sub(_blank, s)
    return _bars(s)


def _bars(s: str) -> str:
    """Tell opening from closing bars: a bar after an operand closes the innermost open one, if any."""
    out, stack, i, depth = [], [], 0, 0
    last = ""  # last non-space character emitted
    while i < len(s):
        two = s[i:i + 2]
        if two == "\\|" or s[i] == "|":
            norm = two == "\\|"
            width = 2 if norm else 1
            after_operand = bool(last) and (last.isalnum() or last in ")]}'\x02\x04")
            if after_operand and stack and stack[-1] == (norm, depth):
                stack.pop()
                out.append(("\x04" if norm else "\x02") + " " * (width - 1))
            elif after_operand and not _another_bar(s, i + width, norm):
                out.append(("\x05" if norm else "\x06") + " " * (width - 1))
            else:
                stack.append((norm, depth))
                out.append(("\x03" if norm else "\x01") + " " * (width - 1))
            last = out[-1][0]
            i += width
            continue
        ch = s[i]
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        out.append(ch)
        if not ch.isspace():
            last = ch
        i += 1
    return "".join(out)


def _another_bar(s: str, i: int, norm: bool) -> bool:
    """Whether a matching bar follows before the current bracket closes (then this one opens)."""
    depth = 0
    while i < len(s):
        if s[i] in "([{":
            depth += 1
        elif s[i] in ")]}":
            depth -= 1
            if depth < 0:
                return False
        elif depth == 0:
            if norm and s.startswith("\\|", i):
                return True
            if not norm and s[i] == "|" and (i == 0 or s[i - 1] != "\\"):
                return True
        i += 1
    return False


# --- reading ------------------------------------------------------------------------------
Statement = list  # [(relation or None, expression), ...]


def read(text: str, scope: Scope, line: int = 1, column: int = 1) -> list[Statement]:
    """Read one display-math block: one statement, or several (a system, comma-separated).

    Args:
        text: the LaTeX between ``$$`` and ``$$``.
        scope: the declared symbols.
        line, column: where ``text`` starts in its file (for error positions).

    Returns:
        A list of statements; each a list of ``(relation, expression)`` pairs, the
        first relation ``None`` unless the block begins with a relation.

    Raises:
        LatexError: the text cannot be read (IllTyped: it reads but its shapes do not fit).
    """
    from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

    def shift(ln: int, col: int) -> tuple[int, int]:
        return line + ln - 1, (column + col - 1 if ln == 1 else col)

    try:
        clean = preprocess(text)
    except LatexError as exc:
        raise LatexError(exc.message, *shift(exc.line, exc.column), exc.token) from None
    try:
        tree = _parser().parse(clean)
    except UnexpectedCharacters as exc:
        ln, col = shift(exc.line, exc.column)
        raise LatexError("unexpected character", ln, col, text[exc.pos_in_stream:exc.pos_in_stream + 12]) from None
    except UnexpectedToken as exc:
        ln, col = shift(exc.line, exc.column) if exc.line > 0 else (line, column)
        tok = _original(text, exc.token)
        what = "end of the block" if exc.token.type == "$END" else "token"
        raise LatexError(f"unexpected {what}", ln, col, tok) from None
    except UnexpectedEOF:
        raise LatexError("the block ends too early", line, column) from None
    except UnexpectedInput as exc:  # pragma: no cover - other lark errors
        raise LatexError(str(exc).splitlines()[0], line, column) from None
    reader = _Reader(scope, text, shift)
    try:
        return reader.top(tree)
    except (LatexError, decide.StepTimeout):
        raise
    except RecursionError:
        raise LatexError("expression nested too deeply", line, column) from None
    except Exception as exc:  # noqa: BLE001 - SymPy refusing a form: an error with a position, not a traceback
        raise LatexError(f"cannot read this ({type(exc).__name__}: {str(exc)[:120]})", line, column,
                         text.strip()[:40]) from None


def _original(text: str, token) -> str:
    start = getattr(token, "start_pos", None)
    if start is None:
        return str(token)
    return text[start:getattr(token, "end_pos", start + 1)] or str(token)


def expression(text: str, scope: Scope) -> sp.Basic:
    """One expression (no relation): ``expression(r"\\frac{1}{2}", scope) == 1/2``."""
    stmts = read(text, scope)
    if len(stmts) != 1 or len(stmts[0]) != 1 or stmts[0][0][0] is not None:
        raise LatexError("expected an expression without a relation", 1, 1, text[:20])
    return stmts[0][0][1]


class _Reader:
    def __init__(self, scope: Scope, text: str, shift):
        self.scope, self.text, self.shift = scope, text, shift
        self.loose: set[int] = set()  # optima whose body ends in terms free of their variables

    def no_loose_optimum(self, operand, node) -> None:
        """``2\\min_a (a-1)^2 + 3``: is the + 3 inside the min or not? Refused rather than guessed."""
        while operand is not None and hasattr(operand, "data"):
            if id(operand) in self.loose:
                self.fail(node, "ambiguous: an optimum with a coefficient, and terms after it free of its "
                          "variables; write 2(\\min_a (a-1)^2) + 3 or 2\\min_a \\left[(a-1)^2 + 3\\right]")
            if _is(operand, "juxt"):
                operand = operand.children[-1]
            elif _is(operand, ("neg", "pos")):
                operand = operand.children[1]
            else:
                return

    # --- errors -------------------------------------------------------------------------------
    def fail(self, node, message: str, cls=LatexError):
        meta = getattr(node, "meta", None)
        if meta is not None and not getattr(meta, "empty", True):
            ln, col = self.shift(meta.line, meta.column)
            raise cls(message, ln, col, self.text[meta.start_pos:meta.end_pos][:40])
        if hasattr(node, "line") and node.line:
            ln, col = self.shift(node.line, node.column)
            raise cls(message, ln, col, str(node))
        raise cls(message, *self.shift(1, 1))

    def raw(self, node) -> str:
        if hasattr(node, "start_pos"):
            return self.text[node.start_pos:node.end_pos]
        meta = node.meta
        return self.text[meta.start_pos:meta.end_pos]

    # --- structure ------------------------------------------------------------------------
    def top(self, tree) -> list[Statement]:
        return [self.statement(c) for c in tree.children if _is(c, "statement")]

    def statement(self, node) -> Statement:
        out: Statement = []
        rel = None
        for c in node.children:
            if _is(c, "rel"):
                tok = c.children[0]
                rel = RELATIONS.get(str(tok).strip())
                if rel is None:
                    self.fail(tok, "unknown relation")
                continue
            v = self.value(c)
            out.append((rel, sp.Tuple(*v) if isinstance(v, tuple) else v))  # (a^*, b^*): a point
            rel = None
        if rel is not None:
            self.fail(node, "a relation needs a right-hand side")
        return out

    def value(self, node) -> sp.Basic:
        v = self.ev(node)
        if isinstance(v, list):
            v = self.combine(v, node)
        if isinstance(v, (_Mark, _Differential, _Deriv, _Func, Gaussian, Discrete)):
            self.fail(node, "this is not a value here (a d, dx, derivative or function without argument)")
        return v

    def ev(self, node):
        """A value, or a list of juxtaposed pieces (for juxt), or a marker."""
        if not hasattr(node, "data"):
            self.fail(node, "unexpected token")
        handler = getattr(self, "r_" + str(node.data).rstrip("_"), None)
        if handler is None:
            self.fail(node, f"cannot read {node.data} here")
        return handler(node)

    # arithmetic
    def r_add(self, node):
        a, _, b = node.children
        return self.arith(node, lambda x, y: x + y, self.value(a), self.value(b))

    def r_sub(self, node):
        a, _, b = node.children
        va, vb = self.value(a), self.value(b)
        self.no_loose_optimum(b, node)
        return self.arith(node, lambda x, y: x - y, va, vb)

    def r_mul(self, node):
        a, _, b = node.children
        va, vb = self.value(a), self.value(b)
        self.no_loose_optimum(b, node)
        return self.arith(node, _times, va, vb)

    def r_div(self, node):
        a, _, b = node.children
        va, vb = self.value(a), self.value(b)
        self.no_loose_optimum(b, node)
        return self.divide(node, va, vb)

    def r_neg(self, node):
        v = self.value(node.children[1])
        self.no_loose_optimum(node.children[1], node)
        return -v

    def r_pos(self, node):
        return self.value(node.children[1])

    def arith(self, node, op, a, b):
        if not (isinstance(a, sp.Basic) and isinstance(b, sp.Basic)):
            self.fail(node, "cannot combine these (an operator such as d/dx or a function without argument?)")
        try:
            return op(a, b)
        except (ShapeError, TypeError, ValueError) as exc:
            if _is_matrix(a) or _is_matrix(b):
                self.fail(node, f"the shapes do not fit: {_shape(a)} and {_shape(b)} ({exc})", IllTyped)
            self.fail(node, f"cannot combine these: {exc}")

    def divide(self, node, a, b):
        if _is_matrix(b):
            self.fail(node, f"division by a matrix ({_shape(b)})", IllTyped)
        return self.arith(node, lambda x, y: x / y, a, b)

    def r_juxt(self, node):
        pieces = []
        for c in node.children:
            v = self.ev(c)
            pieces.extend(v if isinstance(v, list) else [v])
        if len(node.children) > 1:
            self.no_loose_optimum(node.children[-1], node)
        return pieces

    def combine(self, pieces: list, node) -> sp.Basic:
        factors = []
        i = 0
        while i < len(pieces):
            p = pieces[i]
            if isinstance(p, _Func):
                # A bare argument runs over the juxtaposed factors up to the next function:
                # \log 2\pi\sigma^2 is log(2πσ²), \log x \log y is log x · log y.
                j = i + 1
                while j < len(pieces) and not isinstance(pieces[j], (_Func, _Deriv, _Differential, _Mark)):
                    j += 1
                if j == i + 1:
                    if j < len(pieces) and isinstance(pieces[j], _Func):
                        arg, used = self.one(pieces, j, node)
                        factors.append(p.apply(arg))
                        i = used
                        continue
                    self.fail(node, f"{p.name} needs an argument")
                factors.append(p.apply(self.combine(pieces[i + 1:j], node)))
                i = j
                continue
            if isinstance(p, _Deriv):
                rest = self.combine(pieces[i + 1:], node) if i + 1 < len(pieces) else None
                if rest is None:
                    self.fail(node, "a derivative needs something to differentiate")
                factors.append(sp.Derivative(rest, (p.var, p.order)))
                break
            if isinstance(p, _Mark):
                if i + 1 < len(pieces) and isinstance(pieces[i + 1], sp.Symbol):
                    factors.append(_Differential(pieces[i + 1], p.kind == "partial"))
                    i += 2
                    continue
                if p.kind == "d" and "d" in self.scope.symbols:
                    factors.append(self.scope.symbols["d"])
                    i += 1
                    continue
                self.fail(node, "a lone d or \\partial (write dx, or declare d)")
            if isinstance(p, _Differential):
                self.fail(node, f"d{p.var} outside an integral or derivative")
            if isinstance(p, (Gaussian, Discrete)):
                self.fail(node, "a distribution is not a value; use it after \\sim")
            factors.append(p)
            i += 1
        for f in factors:
            if isinstance(f, _Differential):
                self.fail(node, f"d{f.var} outside an integral or derivative")
        out = factors[0]
        for f in factors[1:]:
            out = self.arith(node, _times, out, f)
        return out

    def one(self, pieces, i, node):
        p = pieces[i]
        if isinstance(p, _Func):
            arg, used = self.one(pieces, i + 1, node) if i + 1 < len(pieces) else self.fail(node, "missing argument")
            return p.apply(arg), used
        if isinstance(p, (_Mark, _Differential, _Deriv)):
            self.fail(node, "a function's argument is missing")
        return p, i + 1

    # atoms
    def r_number(self, node):
        return sp.Rational(str(node.children[0]))

    def r_paren(self, node):
        args = self.args(node.children[1])
        if len(args) != 1:
            return tuple(args)
        return args[0]

    r_brack = r_paren

    def r_braced(self, node):
        return self.inner(node.children[0])

    def inner(self, group):
        inner = _unwrap(group)
        if inner is None or _is(inner, "empty"):
            self.fail(group, "empty braces")
        if _is(inner, "statement"):
            if len(inner.children) == 1:
                return self.ev(inner.children[0])
            self.fail(inner, "a relation inside braces")
        return self.ev(inner)

    def group_value(self, group):
        v = self.inner(group)
        return self.combine(v, group) if isinstance(v, list) else v

    def args(self, node) -> list:
        out = []
        for a in node.children:
            if not hasattr(a, "data"):
                continue
            if _is(a, "arg"):
                st = a.children[0]
                if len(st.children) != 1:
                    self.fail(st, "a relation inside an argument list")
                out.append(self.value(st.children[0]))
            elif _is(a, "sep"):
                out.append(("sep", self.law_or_value(a.children[0]), self.law_or_value(a.children[2])))
            elif _is(a, "given"):
                out.append(("given", self.value(a.children[0]), self.value(a.children[2])))
            elif _is(a, "sim"):
                out.append(("sim", self.value(a.children[0]), self.sim_rhs(a.children[2])))
        return out

    def law_or_value(self, node):
        v = self.ev(node)
        if isinstance(v, list) and len(v) == 1 and isinstance(v[0], Gaussian):
            return v[0]
        if isinstance(v, Gaussian):
            return v
        return self.combine(v, node) if isinstance(v, list) else v

    def sim_rhs(self, node):
        v = self.ev(node)
        if isinstance(v, list) and len(v) == 1:
            v = v[0]
        return v

    def r_frac(self, node):
        _, num, den = node.children
        n, d = self.inner(num), self.inner(den)
        n_list = n if isinstance(n, list) else [n]
        d_list = d if isinstance(d, list) else [d]
        # d/dx, ∂/∂θ, d²/dx², df/dx, ∂f/∂θ
        if n_list and n_list[0] == self.scope.symbols.get("d") and d_list and (
                isinstance(d_list[0], _Differential) or d_list[0] == n_list[0]):
            n_list = [_Mark("d"), *n_list[1:]]  # d/dt although d is also declared (a dimension)
            if d_list[0] == n_list[0] or isinstance(d_list[0], sp.Symbol):
                pass
        if n_list and isinstance(n_list[0], _Mark):
            var, order = self.differential(d_list, den)
            if order != n_list[0].order:
                self.fail(node, f"derivative of order {n_list[0].order} over d{var}^{order}")
            if len(n_list) == 1:
                return _Deriv(var, order)
            rest = n_list[1:]
            if len(rest) >= 1 and isinstance(rest[0], _Differential):
                self.fail(num, "cannot read this numerator")
            return sp.Derivative(self.combine(rest, num), (var, order))
        if len(n_list) == 1 and isinstance(n_list[0], _Differential) and not n_list[0].partial:
            var, order = self.differential(d_list, den)
            return sp.Derivative(n_list[0].var, (var, order))
        nv = self.combine(n_list, num)
        dv = self.combine(d_list, den)
        return self.divide(node, nv, dv)

    def differential(self, pieces, node) -> tuple[sp.Symbol, int]:
        if len(pieces) == 1 and isinstance(pieces[0], _Differential):
            return pieces[0].var, pieces[0].order
        if len(pieces) == 2 and isinstance(pieces[0], _Mark):
            p = pieces[1]
            if isinstance(p, sp.Symbol):
                return p, 1
            if isinstance(p, sp.Pow) and isinstance(p.base, sp.Symbol) and p.exp.is_Integer and 1 <= p.exp <= 9:
                return p.base, int(p.exp)
        self.fail(node, "expected dx or \\partial x in the denominator of a derivative")

    def r_sqrt(self, node):
        kids = node.children
        if len(kids) == 2:
            return sp.sqrt(self.group_value(kids[1]))
        index = self.value(kids[2])
        return sp.root(self.group_value(kids[-1]), index)

    def r_abs(self, node):
        v = self.value(node.children[1])
        return _norm(v) if _is_matrix(v) else sp.Abs(v)

    def r_norm(self, node):
        v = self.value(node.children[1])
        return _norm(v) if _is_matrix(v) else sp.Abs(v)

    def r_matrix(self, node):
        rows = [[self.value(c) for c in r.children if hasattr(c, "data")] for r in node.children if _is(r, "mrow")]
        if len({len(r) for r in rows}) != 1:
            self.fail(node, "matrix rows of different lengths", IllTyped)
        return sp.ImmutableMatrix(rows)

    def r_partial(self, node):
        return _Mark("partial")

    def r_func(self, node):
        name = str(node.children[0]).lstrip("\\")
        name = re.sub(r"operatorname\{(\w+)\}", r"\1", name)
        return self.named(name, node, [])

    # names
    def r_name(self, node):
        return self.named(str(node.children[0]), node, [])

    def r_greek(self, node):
        return self.named(str(node.children[0]).lstrip("\\"), node, [])

    def r_symcmd(self, node):
        name = str(node.children[0]).lstrip("\\")
        if name == "infty":
            return sp.oo
        return self.named(name, node, [])

    def r_cmd(self, node):
        self.fail(node, "unknown command")

    def r_text(self, node):
        words = [str(t) for t in node.children[2].children]
        name = "".join(w.lstrip("\\") for w in words)
        return self.named(name, node, [], text=True)

    def r_accent(self, node):
        try:
            return self.named(normalize(self.raw(node)), node, [])
        except BadName:
            self.fail(node, "cannot read this accented name")

    def r_font(self, node):
        font, letter = str(node.children[0]).lstrip("\\"), str(node.children[2]).lstrip("\\")
        if font == "mathbb" and letter == "E":
            return self.named("E", node, [])
        if font == "mathcal" and letter == "N":
            return self.named("N", node, [], text=True)
        return self.named(letter, node, [])

    def r_postfix(self, node):
        atom, suffixes = node.children[0], list(node.children[1:])
        if _is(atom, "accent"):
            try:
                base = normalize(self.raw(atom))
            except BadName:
                self.fail(atom, "cannot read this accented name")
            return self.named(base, atom, suffixes) if not suffixes or not _is(suffixes[0], "sub_script") else \
                self.named_postfix_base(base, atom, suffixes)
        if _is(atom, ("name", "greek", "text", "font", "func", "symcmd")):
            return self.named_postfix(atom, suffixes)
        v = self.ev(atom)
        if isinstance(v, _Mark) and len(suffixes) == 1 and _is(suffixes[0], "sup_script"):
            n = self.script_value(suffixes[0])
            if not (n.is_Integer and 1 <= n <= 9):
                self.fail(suffixes[0], "order of a derivative must be 1 to 9")
            return _Mark(v.kind, int(n))
        if isinstance(v, _Deriv) and suffixes and _is(suffixes[0], ("call", "bracket_call")):
            # \frac{d}{dx}(…)^2: the operator applies to the bracket with its own suffixes.
            args = self.args(suffixes[0].children[1])
            if len(args) != 1 or isinstance(args[0], tuple):
                self.fail(suffixes[0], "a derivative of one expression")
            return [v, self.suffixes(args[0], suffixes[1:], node)]
        return self.suffixes(v, suffixes, node)

    def named_postfix(self, atom, suffixes):
        tok = str(atom.children[0])
        if _is(atom, "text"):
            base = "".join(str(t).lstrip("\\") for t in atom.children[2].children)
        elif _is(atom, "font"):
            base = str(atom.children[2]).lstrip("\\")
            if str(atom.children[0]) == r"\mathbb" and base == "E":
                base = "E"
        elif _is(atom, "func"):
            base = re.sub(r"operatorname\{(\w+)\}", r"\1", tok.lstrip("\\"))
        else:
            base = tok.lstrip("\\")
        return self.named_postfix_base(base, atom, suffixes)

    def named_postfix_base(self, base, atom, suffixes):
        # A subscript or a star that makes a declared name belongs to the name (p_{\text{data}}, D^*).
        while suffixes and _is(suffixes[0], ("sub_script", "sup_script")):
            s = suffixes[0]
            raw = self.raw(s.children[1]).strip()
            if _is(s, "sup_script") and raw.strip("{} ") not in ("*", r"\star", r"\ast"):
                break
            try:
                cand = normalize(base + ("_" if _is(s, "sub_script") else "^") + ("{" + raw + "}"
                                 if _is(s, "sub_script") else raw))
            except BadName:
                break
            if self.scope.known(cand) or cand in ("D_KL", "E_star") or (_is(s, "sup_script") and True):
                base = cand
                suffixes = suffixes[1:]
                continue
            break
        return self.named(base, atom, suffixes, text=_is(atom, ("text", "font")))

    def named(self, name: str, node, suffixes: list, text: bool = False):
        scope = self.scope
        if scope.signatures and suffixes and _is(suffixes[0], "call"):
            from derivations.written.symbols import signature_key

            key = signature_key(name, self.raw(suffixes[0].children[1]))
            if key in scope.signatures:
                f = scope.functions[scope.signatures[key]]
                value = f.fn(*[scope.symbols[v] for v in f.variables])
                return self.suffixes(value, suffixes[1:], node)
        sym = scope.lookup(name)
        if sym is not None:
            return self.suffixes(sym, suffixes, node)
        if name in scope.functions:
            return self.applied(name, node, suffixes)
        special = self.special(name, node, suffixes, text)
        if special is not None:
            return special
        # Multi-letter runs: a product of declared one-letter symbols (xy), or the differential dx.
        if len(name) > 1 and name.isalpha():
            if name[0] == "d" and scope.lookup(name[1:]) is not None and not suffixes:
                return [_Differential(scope.lookup(name[1:]))]
            if all(scope.lookup(ch) is not None for ch in name):
                return [scope.lookup(ch) for ch in name[:-1]] + [self.suffixes(scope.lookup(name[-1]), suffixes,
                                                                                node)]
        if name == "d" and not suffixes:
            return _Mark("d")
        if name == "d" and len(suffixes) == 1 and _is(suffixes[0], "sup_script"):
            n = self.script_value(suffixes[0])
            if n.is_Integer and 1 <= n <= 9:
                return _Mark("d", int(n))
        if len(name) > 1 and name[0] == "d" and scope.lookup(name[1:]) is not None and len(suffixes) == 1 \
                and _is(suffixes[0], "sup_script"):
            n = self.script_value(suffixes[0])
            if n.is_Integer and 1 <= n <= 9:
                return [_Differential(scope.lookup(name[1:]), False, int(n))]
        self.fail(node, f"unknown symbol {name!r}: declare it in the front matter")

    def special(self, name, node, suffixes, text):
        """Names with a fixed meaning unless declared: e, π, log, σ(x), E[·], KL, JSD, const, N(μ, σ²)."""
        if name in ("const", "constant", "Const") or (name == "C" and text):
            return self.suffixes(CONST, suffixes, node)
        if name == "infty":
            return self.suffixes(sp.oo, suffixes, node)
        if name == "e":
            return self.suffixes(sp.E, suffixes, node)
        if name == "pi":
            return self.suffixes(sp.pi, suffixes, node)
        if name in GREEK_FUNCTIONS or name == "sigma":
            fn = sigmoid if name == "sigma" else GREEK_FUNCTIONS[name]
            return self.function_like(name, fn, node, suffixes)
        if name in ("E", "Expect", "mathbbE"):
            return self.expectation(node, suffixes)
        if name in ("KL", "D_KL", "DKL", "JSD", "H", "Entropy"):
            if not suffixes and len(name) > 1 and all(self.scope.lookup(ch) is not None for ch in name):
                return None  # J, S and D declared and no argument: their product
            return self.divergence(name, node, suffixes)
        if name in ("Bernoulli", "Bern", "Ber", "Binomial", "Bin"):
            return self.discrete(name, node, suffixes)
        if name == "N":
            if suffixes and _is(suffixes[0], "call"):
                args = self.args(suffixes[0].children[1])
                if len(args) == 2 and not any(isinstance(a, tuple) for a in args):
                    return Gaussian(args[0], args[1])
                if len(args) == 3 and ";" in self.raw(suffixes[0].children[1]):
                    # N(x; μ, σ²): the density's value at x
                    return self.suffixes(_gauss_pdf(args[0], Gaussian(args[1], args[2])), suffixes[1:], node)
            self.fail(node, r"write \mathcal{N}(\mu, \sigma^2) for a Gaussian")
        return None

    def function_like(self, name, fn, node, suffixes):
        power = None
        if name in ("log", "ln") and suffixes and _is(suffixes[0], "sub_script"):
            b = self.script_value(suffixes[0])
            suffixes = suffixes[1:]
            fn = (lambda base: (lambda x: sp.log(x, base)))(b)
        if suffixes and _is(suffixes[0], "sup_script"):
            power = self.script_value(suffixes[0])
            suffixes = suffixes[1:]
            if power == -1:
                self.fail(node, f"write the inverse of {name} explicitly")
        if suffixes and _is(suffixes[0], "prime"):
            self.fail(suffixes[0], f"write the derivative of {name} with d/dx")
        if suffixes and _is(suffixes[0], "call"):
            args = self.args(suffixes[0].children[1])
            if len(args) != 1 or isinstance(args[0], tuple):
                self.fail(suffixes[0], f"{name} takes one argument")
            v = fn(args[0])
            if power is not None:
                v = v**power
            return self.suffixes(v, suffixes[1:], node)
        if suffixes:
            self.fail(suffixes[0], f"cannot read this after {name}")
        if name == "sigma":
            self.fail(node, r"\sigma without argument: declare sigma as a symbol, or write \sigma(x)")
        if power is not None:
            return _Func(name, lambda a: fn(a) ** power)
        return _Func(name, fn)

    def applied(self, name, node, suffixes):
        f = self.scope.functions[name]
        order = 0
        while suffixes and _is(suffixes[0], "prime"):
            order += 1
            suffixes = suffixes[1:]
        if f.density and not order and (not suffixes or not _is(suffixes[0], "call")):
            # A density named bare (KL(p \| q), x ~ p) stands for p at its own variable.
            return self.suffixes(f.fn(*[self.scope.symbols[v] for v in f.variables]), suffixes, node)
        if not suffixes or not _is(suffixes[0], "call"):
            self.fail(node, f"function {name} needs its argument, like {name}(x)")
        args = self.args(suffixes[0].children[1])
        if any(isinstance(a, tuple) for a in args):
            self.fail(suffixes[0], f"cannot read the arguments of {name}")
        if len(args) != f.arity:
            self.fail(suffixes[0], f"{name} takes {f.arity} argument(s), got {len(args)}")
        if order:
            if f.arity != 1:
                self.fail(node, f"{name}' of a function of several variables: write the partial derivative")
            u = sp.Dummy("u", real=True)
            v = sp.Subs(sp.Derivative(f.fn(u), (u, order)), u, args[0]).doit() if args[0].is_Symbol else sp.Subs(
                sp.Derivative(f.fn(u), (u, order)), u, args[0])
        else:
            v = f.fn(*args)
        return self.suffixes(v, suffixes[1:], node)

    def script_value(self, s):
        arg = s.children[1]
        kid = arg.children[0]
        if hasattr(kid, "data"):  # a group
            return self.group_value(kid)
        t = str(kid)
        if kid.type == "NUMBER":
            if len(t) > 1 and "." not in t:
                self.fail(kid, f"write {{{t}}} in braces (a bare script is one character)")
            return sp.Rational(t)
        if kid.type == "NAME":
            if len(t) > 1:
                self.fail(kid, f"write {{{t}}} in braces (a bare script is one character)")
            return self.value_of_name(t, kid)
        if kid.type == "GREEK":
            return self.value_of_name(t.lstrip("\\"), kid)
        if kid.type == "SYMCMD" and t == r"\infty":
            return sp.oo
        self.fail(kid, "cannot read this script")

    def value_of_name(self, name, node):
        v = self.named(name, node, [])
        if isinstance(v, list):
            v = self.combine(v, node)
        return v

    def suffixes(self, v, suffixes, node):
        for k, s in enumerate(suffixes):
            if _is(s, "sup_script"):
                raw = self.raw(s.children[1]).strip().strip("{} ")
                if raw in (r"\top", "T", r"\intercal", "t") and (_is_matrix(v) or self.scope.lookup("T") is None):
                    v = v.T if _is_matrix(v) else v
                    continue
                if raw in ("*", r"\star", r"\ast"):
                    self.fail(s, "unknown starred name: declare it (e.g. D^*) in the front matter")
                p = self.script_value(s)
                if _is_matrix(v):
                    if v.shape[0] != v.shape[1]:
                        self.fail(s, f"power of a non-square matrix ({_shape(v)})", IllTyped)
                    v = v**p
                else:
                    v = self.arith(s, lambda a, b: a**b, v, p)
            elif _is(s, "sub_script"):
                idx = self.script_value(s)
                if isinstance(v, sp.MatrixSymbol):
                    if v.shape[1] == 1:
                        v = v[idx - 1, 0]
                    else:
                        self.fail(s, "index a matrix as A_{ij} is not supported; use a vector")
                elif v == sp.Abs(v.args[0]) if isinstance(v, sp.Abs) else False:
                    if idx != 2:
                        self.fail(s, "only the 2-norm is supported")
                elif isinstance(v, sp.Pow) and v.exp == sp.Rational(1, 2) and idx == 2:
                    pass  # ‖v‖_2
                else:
                    self.fail(s, "unexpected subscript (declare the subscripted name in the front matter)")
            elif _is(s, ("call", "bracket_call")):
                # Not a function: a product, and what follows the bracket belongs to the bracket,
                # so b^y (1 - b)^{1 - y} is b^y · (1 − b)^(1 − y).
                args = self.args(s.children[1])
                if len(args) != 1 or isinstance(args[0], tuple):
                    self.fail(s, "a symbol followed by a tuple (declare it as a function?)")
                return self.arith(s, _times, v, self.suffixes(args[0], suffixes[k + 1:], node))
            elif _is(s, "prime"):
                self.fail(s, "a prime on a symbol (declare it as a function to differentiate it)")
        return v

    # expectations and divergences
    def expectation(self, node, suffixes):
        over = None
        if suffixes and _is(suffixes[0], "sub_script"):
            over = suffixes[0]
            suffixes = suffixes[1:]
        if not suffixes or not _is(suffixes[0], ("bracket_call", "call")):
            self.fail(node, r"an expectation needs its argument in brackets: \mathbb{E}_{x \sim p}[f(x)]")
        body_node = suffixes[0].children[1]
        var, law = self.law(over, body_node)
        self.scope.bound.append({})
        try:
            args = self.args(body_node)
        finally:
            self.scope.bound.pop()
        if len(args) != 1 or isinstance(args[0], tuple):
            self.fail(suffixes[0], "cannot read the expectation's argument")
        return self.suffixes(self.integrate(args[0], var, law, node), suffixes[1:], node)

    def law(self, over, body_node):
        """(variable, density function or Gaussian) of E_{x ~ p}, E_p or E (the only density)."""
        if over is not None:
            arg = over.children[1].children[0]
            if hasattr(arg, "data") and _is(arg, "group"):
                inner = _unwrap(arg)
                if _is(inner, "sim"):
                    var = self.value(inner.children[0])
                    law = self.sim_rhs(inner.children[2])
                    return self.check_law(var, law, over)
                if _is(inner, "statement") and len(inner.children) == 1:
                    try:
                        v = self.law_or_value(inner.children[0])
                    except LatexError:
                        v = None
                    if isinstance(v, sp.core.function.AppliedUndef):
                        return self.check_law(v.args[0] if len(v.args) == 1 else None, v, over)
                name = self.raw(inner).strip()
            else:
                name = str(arg)
            try:
                name = normalize(name)
            except BadName:
                self.fail(over, "cannot read the expectation's subscript")
            f = self.scope.functions.get(name)
            if f is None or not f.density:
                # E_x[…]: the expectation over the one density declared in x
                over_var = [g for g in self.scope.functions.values() if g.density and g.variables[0] == name]
                if len(over_var) == 1:
                    return self.scope.symbols[name], over_var[0]
                self.fail(over, f"{name!r} is not a declared density (declare {name}: density(x))")
            return self.scope.symbols[f.variables[0]], f
        dens = [f for f in self.scope.functions.values() if f.density]
        if len(dens) == 1:
            return self.scope.symbols[dens[0].variables[0]], dens[0]
        self.fail(body_node, r"say which distribution: \mathbb{E}_{x \sim p}[…]")

    def check_law(self, var, law, node):
        if not isinstance(var, sp.Symbol):
            self.fail(node, "the variable of an expectation must be a symbol")
        if isinstance(law, (Gaussian, Discrete)):
            return var, law
        if isinstance(law, sp.core.function.AppliedUndef):
            f = self.scope.functions.get(str(law.func))
            if f is not None and f.density:
                return var, f
        if isinstance(law, _Func):
            self.fail(node, "not a distribution")
        name = None
        for n, f in self.scope.functions.items():
            if f.fn == law:
                name = n
        if name is None and isinstance(law, sp.Basic) and law.is_Symbol:
            name = law.name
        f = self.scope.functions.get(name) if name else None
        if f is None or not f.density:
            self.fail(node, "after \\sim write a declared density or \\mathcal{N}(\\mu, \\sigma^2)")
        return var, f

    def integrate(self, body, var, law, node):
        if isinstance(law, Gaussian):
            return gaussian_expectation(body, var, law.mean, law.var)
        if isinstance(law, Discrete):
            # E_{x ~ Bernoulli(θ)} f(x) = (1 − θ) f(0) + θ f(1): the sum over the support, symbolically.
            return sp.Add(*[prob * body.xreplace({var: v}) for v, prob in law.pmf])
        return self.total(law.fn(var) * body, var)

    def total(self, expr, var):
        """∫ expr d(var) over var's declared interval, or the sum over its declared finite set."""
        values = self.finite(var)
        if values is not None:
            return sp.Add(*[expr.xreplace({var: v}) for v in values])
        lo, hi = self.support(var)
        return sp.Integral(expr, (var, lo, hi))

    def finite(self, var):
        d = self.scope.domains.get(var)
        return tuple(sp.sympify(v) for v in d.values) if d is not None and d.values else None

    def support(self, var):
        d = self.scope.domains.get(var)
        if d is None:
            return -sp.oo, sp.oo
        if d.values or d.integer:
            raise LatexError(f"expectations over the integer variable {var} are not supported "
                             "(declare it on a finite set such as {0, 1})")
        return d.interval.inf, d.interval.sup

    def discrete(self, name, node, suffixes):
        """Bernoulli(θ), Binomial(n, θ) with n a whole number up to 50: their pmf on the support."""
        if not suffixes or not _is(suffixes[0], "call"):
            self.fail(node, f"write {name}(\\theta)")
        args = self.args(suffixes[0].children[1])
        if any(isinstance(a, tuple) for a in args):
            self.fail(suffixes[0], f"cannot read the parameters of {name}")
        if name in ("Bernoulli", "Bern", "Ber") and len(args) == 1:
            n, p = sp.Integer(1), args[0]
        elif name in ("Binomial", "Bin") and len(args) == 2 and args[0].is_Integer and 1 <= args[0] <= 50:
            n, p = args
        else:
            self.fail(suffixes[0], "write Bernoulli(\\theta) or Binomial(n, \\theta), n a whole number up to 50")
        self.probability(p, suffixes[0])
        return Discrete(tuple((sp.Integer(k), sp.binomial(n, k) * p**k * (1 - p)**(n - k))
                              for k in range(int(n) + 1)))

    def probability(self, p, node):
        """The parameter of a law on a finite set must lie in [0, 1] on its whole declared domain."""
        if p.is_number:
            ok = bool(0 <= p <= 1)
        else:
            from derivations.written import relations

            ok = bool(relations.pointwise_sign(p, self.scope, False)) and bool(
                relations.pointwise_sign(1 - p, self.scope, False))
        if not ok:
            self.fail(node, "a probability must lie in [0, 1]: declare its symbol in [0, 1] or (0, 1)")

    def divergence(self, name, node, suffixes):
        if not suffixes or not _is(suffixes[0], ("call", "bracket_call")):
            self.fail(node, f"{name} needs its arguments, like {name}(p \\| q)")
        args = self.args(suffixes[0].children[1])
        if name in ("H", "Entropy"):
            if len(args) != 1:
                self.fail(suffixes[0], "H takes one density")
            f, var = self.density_of(args[0], suffixes[0])
            return self.suffixes(-self.total(f.fn(var) * sp.log(f.fn(var)), var), suffixes[1:], node)
        if len(args) == 1 and isinstance(args[0], tuple) and args[0][0] == "sep":
            a, b = args[0][1], args[0][2]
        elif len(args) == 2 and not any(isinstance(x, tuple) for x in args):
            a, b = args
        else:
            self.fail(suffixes[0], f"write {name}(p \\| q)")
        if isinstance(a, Gaussian) and isinstance(b, Gaussian) and name != "JSD":
            v = gaussian_expectation(sp.log(_gauss_pdf(Z, a) / _gauss_pdf(Z, b)), Z, a.mean, a.var)
            return self.suffixes(v, suffixes[1:], node)
        (fa, va), (fb, vb) = self.density_of(a, suffixes[0]), self.density_of(b, suffixes[0])
        if va != vb:
            self.fail(suffixes[0], f"{name} of densities in different variables ({va}, {vb})")
        p, q = fa.fn(va), fb.fn(va)
        if name == "JSD":
            m = (p + q) / 2
            v = (self.total(p * sp.log(p / m), va) + self.total(q * sp.log(q / m), va)) / 2
        else:
            v = self.total(p * sp.log(p / q), va)
        return self.suffixes(v, suffixes[1:], node)

    def density_of(self, a, node):
        if isinstance(a, sp.core.function.AppliedUndef):
            f = self.scope.functions.get(str(a.func))
            if f is not None and f.density:
                return f, self.scope.symbols[f.variables[0]]
        self.fail(node, "a divergence needs declared densities (name: density(x)) written as p or p(x)")

    # big operators
    def scripts(self, node):
        sub = sup = None
        for c in node.children[1:-1]:
            if _is(c, "sub_script"):
                sub = c
            elif _is(c, "sup_script"):
                sup = c
        return sub, sup

    def bound_symbol(self, name_node, integer: bool):
        raw = self.raw(name_node).strip()
        try:
            name = normalize(raw)
        except BadName:
            self.fail(name_node, "expected a variable")
        declared = self.scope.lookup(name)
        if declared is not None:
            return declared
        return sp.Symbol(name, integer=True) if integer else sp.Symbol(name, real=True)

    def r_sum(self, node, product=False):
        sub, sup = self.scripts(node)
        if sub is not None and sup is None and not product:
            over = self.finite_index(sub)
            if over is not None:
                var, values = over
                body = self.value(node.children[-1])
                return sp.Add(*[body.xreplace({var: v}) for v in values])
        if sub is None or sup is None:
            self.fail(node, r"a sum needs its range: \sum_{i=1}^{n}")
        st = _unwrap(sub.children[1].children[0])
        if st is None or not _is(st, "statement") or len(st.children) != 3:
            self.fail(sub, r"write the index as \sum_{i=1}^{n}")
        i = self.bound_symbol(st.children[0], integer=True)
        lo = self.value(st.children[2])
        hi = self.script_value(sup)
        self.scope.bound.append({i.name: i})
        try:
            body = self.value(node.children[-1])
        finally:
            self.scope.bound.pop()
        return (sp.Product if product else sp.Sum)(body, (i, lo, hi))

    def finite_index(self, sub):
        """``\\sum_x`` over a symbol declared on a finite set: (symbol, its values), else None."""
        try:
            name = normalize(self.raw(sub.children[1]).strip().strip("{}").strip())
        except BadName:
            return None
        var = self.scope.symbols.get(name)
        values = self.finite(var) if var is not None else None
        return (var, values) if values is not None else None

    def r_prod(self, node):
        return self.r_sum(node, product=True)

    def r_integral(self, node):
        sub, sup = self.scripts(node)
        diff, pieces = self.differential_of(node)
        integrand = self.combine(pieces, node) if pieces else sp.Integer(1)
        if sub is None and sup is None:
            lo, hi = self.support(diff.var)
        elif sub is None or sup is None:
            self.fail(node, "an integral needs both limits or none")
        else:
            lo, hi = self.script_value(sub), self.script_value(sup)
        var = diff.var
        dom = self.scope.domains.get(var)
        if dom is not None and not all(dom.interval.contains(e) is sp.true or e in (dom.interval.inf, dom.interval.sup)
                                       for e in (lo, hi)):
            # The variable is declared (x positive) but integrated beyond its domain: SymPy would apply the
            # declared facts inside the integral (|x| = x on [-1, 1]), so the body is read again with a plain
            # real variable of the same name.
            var = sp.Symbol(var.name, real=True)
            self.scope.bound.append({normalize(var.name): var})
            try:
                _, pieces = self.differential_of(node)
            finally:
                self.scope.bound.pop()
            integrand = (self.combine(pieces, node) if pieces else sp.Integer(1)).xreplace({diff.var: var})
        return sp.Integral(integrand, (var, lo, hi))

    def differential_of(self, node):
        """The integral's differential (the last dx, or d followed by a symbol) and the integrand's pieces."""
        body = self.ev(node.children[-1])
        pieces = body if isinstance(body, list) else [body]
        for k in range(len(pieces) - 1, -1, -1):
            p = pieces[k]
            if isinstance(p, _Differential):
                return p, pieces[:k] + pieces[k + 1:]
            if isinstance(p, _Mark) and k + 1 < len(pieces) and isinstance(pieces[k + 1], sp.Symbol):
                return _Differential(pieces[k + 1]), pieces[:k] + pieces[k + 2:]
        self.fail(node, r"an integral needs its differential: \int f(x)\,dx")

    def r_limit(self, node):
        sub, _ = self.scripts(node)
        if sub is None:
            self.fail(node, r"a limit needs \lim_{x \to a}")
        inner = _unwrap(sub.children[1].children[0])
        if inner is None or not _is(inner, "to"):
            self.fail(sub, r"write \lim_{x \to a}")
        var = self.value(inner.children[0])
        target_node = inner.children[2]
        direction = "+-"
        raw = self.raw(target_node).replace(" ", "")
        if raw.endswith("^+") or raw.endswith("^{+}"):
            direction = "+"
        elif raw.endswith("^-") or raw.endswith("^{-}"):
            direction = "-"
        target = _strip_side(self, target_node) if direction != "+-" else self.value(target_node)
        if not isinstance(var, sp.Symbol):
            self.fail(sub, "the limit variable must be a symbol")
        if target in (sp.oo, -sp.oo):
            direction = "-" if target == sp.oo else "+"
        body = self.value(node.children[-1])
        return sp.Limit(body, var, target, direction)

    def r_optimum(self, node):
        kind = re.sub(r"[^a-z]", "", str(node.children[0]).lstrip("\\"))
        sub, _ = self.scripts(node)
        if sub is None:
            self.fail(node, rf"say over what: \{kind}_{{x}}")
        g = sub.children[1].children[0]
        inner = _unwrap(g)
        if inner is not None and _is(inner, "statement") and len(inner.children) == 1:
            inner = inner.children[0]
        if inner is not None and _is(inner, "member"):
            var_nodes = [inner.children[0]]
        elif inner is not None and _is(inner, "tuple_"):
            var_nodes = [c for c in inner.children if hasattr(c, "data")]
        else:
            var_nodes = [inner if inner is not None else g]
        variables = []
        for vn in var_nodes:
            v = self.value(vn) if hasattr(vn, "data") else self.value_of_name(str(vn).lstrip("\\"), vn)
            if isinstance(v, sp.core.function.AppliedUndef):
                # \max_D V(D): optimizing over a function means pointwise, over its value.
                v = self.scope.symbols.get(str(v.func) + "_value") or v
            if not isinstance(v, sp.Symbol) and not (isinstance(v, sp.MatrixSymbol) and v.shape[1] == 1):
                self.fail(sub, "optimize over declared symbols or vectors")
            variables.append(v)
        body = self.value(node.children[-1])
        if isinstance(body, sp.Add) and any(not t.has(*variables) for t in body.args) and \
                not all(not t.has(*variables) for t in body.args):
            self.loose.add(id(node))  # min_a (f(a) + c) = min_a f(a) + c: the same value either way, alone
        return OPTIMA[kind](body, *variables)

    def r_nabla(self, node):
        sub, _ = self.scripts(node)
        if sub is None:
            self.fail(node, r"write \nabla_\theta")
        var = self.script_value(sub)
        if not isinstance(var, sp.Symbol):
            self.fail(sub, r"\nabla over a scalar symbol only")
        return sp.Derivative(self.value(node.children[-1]), var)

    def r_system(self, node):  # pragma: no cover - handled in top
        return self.top(node)


def _strip_side(reader: _Reader, node) -> sp.Basic:
    """The point of a one-sided limit ``0^+``."""
    raw = reader.raw(node).replace(" ", "")
    core = re.sub(r"\^(\{)?[+-](\})?$", "", raw)
    try:
        return sp.Rational(core) if re.fullmatch(r"-?\d+(\.\d+)?", core) else reader.value_of_name(normalize(core),
                                                                                                 node)
    except BadName:
        reader.fail(node, "cannot read the limit point")


def _unwrap(group):
    """The content of ``{…}``: a statement, or sim/to/member/tuple_/empty."""
    if not _is(group, "group") or len(group.children) != 3:
        return None
    inner = group.children[1]
    if _is(inner, "inner"):
        inner = inner.children[0]
    return inner


def _is(node, names) -> bool:
    if not hasattr(node, "data"):
        return False
    if isinstance(names, str):
        names = (names,)
    return str(node.data) in names


def _is_matrix(v) -> bool:
    return isinstance(v, (sp.MatrixBase, sp.MatrixExpr))


def _shape(v) -> str:
    if _is_matrix(v):
        return f"{v.shape[0]}×{v.shape[1]}"
    return "scalar"


def _times(a, b):
    if _is_matrix(a) and _is_matrix(b):
        if a.shape[1] != b.shape[0]:
            raise ShapeError(f"{_shape(a)} times {_shape(b)}")
        return sp.MatMul(a, b).doit() if isinstance(a, sp.MatrixBase) and isinstance(b, sp.MatrixBase) else a * b
    return a * b


def _norm(v) -> sp.Basic:
    if v.shape[1] != 1 and v.shape[0] != 1:
        raise LatexError("norm of a matrix: only vector norms are supported")
    inner = v.T * v if v.shape[1] == 1 else v * v.T
    return sp.sqrt(sp.Trace(inner))


def _gauss_pdf(x: sp.Basic, g: Gaussian) -> sp.Basic:
    return sp.exp(-(x - g.mean) ** 2 / (2 * g.var)) / sp.sqrt(2 * sp.pi * g.var)


def gaussian_expectation(body: sp.Basic, var: sp.Symbol, mean: sp.Basic, variance: sp.Basic) -> sp.Basic:
    """E_{x∼N(m, v)} body = E_{z∼N(0,1)} body(m + √v z): exact by moments when polynomial in z.

    >>> m, s = sp.symbols("m s", positive=True)
    >>> x = sp.Symbol("x", real=True)
    >>> sp.expand(gaussian_expectation(x**2, x, m, s**2))
    m**2 + s**2
    """
    g = body.subs(var, mean + sp.sqrt(variance) * Z)
    expanded = sp.expand(sp.expand_log(g))
    if expanded.is_polynomial(Z):
        poly = sp.Poly(expanded, Z)
        total = sp.Integer(0)
        for (k,), c in poly.terms():
            total += c * (0 if k % 2 else sp.factorial2(k - 1) if k else 1)
        return total
    return sp.Integral(std_normal_pdf(Z) * g, (Z, -sp.oo, sp.oo))
