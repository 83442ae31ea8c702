"""The front matter's declarations: each symbol with its domain, functions, densities, shapes.

A domain is an interval (``real``, ``positive``, ``(0, 1)``, ``[0, 1]``), the
integers in an interval (``integer``, ``positive integer``), or a finite set
(``{0, 1}``). ``vector(d)`` and ``matrix(n, 3)`` declare matrix symbols whose
shapes are checked in every product; ``function(x) -> (0, 1)`` an undefined
function with its range, ``density(x)`` a probability density in ``x``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sympy as sp

from derivations.domains import Declarations
from derivations.written.names import BadName, normalize


class DeclarationError(ValueError):
    """The front matter declares something that cannot be read."""


@dataclass(frozen=True)
class Domain:
    """Where one symbol lives: ``interval``, and for ``integer`` only its integers, or ``values`` only."""

    interval: sp.Interval
    integer: bool = False
    values: tuple = ()

    def describe(self) -> str:
        if self.values:
            return "{" + ", ".join(str(v) for v in self.values) + "}"
        return ("integers in " if self.integer else "") + str(self.interval)


@dataclass
class Function:
    fn: sp.FunctionClass
    arity: int
    range: sp.Interval
    variables: tuple = ()
    density: bool = False


@dataclass
class Scope:
    """Everything the LaTeX reader may name, and what the checker samples."""

    symbols: dict[str, sp.Symbol] = field(default_factory=dict)
    domains: dict[sp.Symbol, Domain] = field(default_factory=dict)
    functions: dict[str, Function] = field(default_factory=dict)
    matrices: dict[str, sp.MatrixSymbol] = field(default_factory=dict)
    dims: set = field(default_factory=set)
    constraints: list = field(default_factory=list)
    parameters: list = field(default_factory=list)
    unknowns: list = field(default_factory=list)
    bound: list[dict[str, sp.Basic]] = field(default_factory=list)
    rewrites: dict = field(default_factory=dict)  # assume: p(x, z) = p(x|z) p(z), applied to every step
    signatures: dict[str, str] = field(default_factory=dict)  # "p(z|x)" -> function name

    # --- lookups used by the LaTeX reader -------------------------------------------------
    def known(self, name: str) -> bool:
        return self.lookup(name) is not None or name in self.functions

    def lookup(self, name: str) -> sp.Basic | None:
        for frame in reversed(self.bound):
            if name in frame:
                return frame[name]
        return self.symbols.get(name) or self.matrices.get(name)

    def declare(self, name: str, domain: Domain) -> sp.Symbol:
        iv = domain.interval
        facts: dict[str, bool] = {"real": True}
        lo, hi = iv.inf, iv.sup
        if lo > 0 or (lo == 0 and iv.left_open):
            facts["positive"] = True
        elif lo >= 0:
            facts["nonnegative"] = True
        if hi < 0 or (hi == 0 and iv.right_open):
            facts["negative"] = True
        elif hi <= 0:
            facts["nonpositive"] = True
        if domain.integer or (domain.values and all(sp.Integer(v) == v for v in domain.values)):
            facts["integer"] = True
        sym = sp.Symbol(name, **facts)
        self.symbols[name] = sym
        self.domains[sym] = domain
        return sym

    def declarations(self) -> Declarations:
        """The engine's view (intervals only), for ``derivations.decide``'s symbolic rewrites."""
        decl = Declarations()
        for s, d in self.domains.items():
            if not d.values and not d.integer:
                decl.domains[s] = d.interval
        return decl


_INTERVAL = re.compile(r"^([(\[])\s*(.+?)\s*,\s*(.+?)\s*([)\]])$")
_SHAPE = re.compile(r"^(vector|matrix|identity)\s*\(\s*([^()]*)\s*\)$")
_FUNCTION = re.compile(r"^(function|density)\s*\(\s*([^()]*)\s*\)\s*(->\s*(.+))?$")
_NAMED = {
    "real": sp.Interval(-sp.oo, sp.oo), "reals": sp.Interval(-sp.oo, sp.oo), r"\mathbb{R}": sp.Interval(-sp.oo, sp.oo),
    "positive": sp.Interval.open(0, sp.oo), "nonnegative": sp.Interval(0, sp.oo),
    "negative": sp.Interval.open(-sp.oo, 0), "nonpositive": sp.Interval(-sp.oo, 0),
}


def _number(text: str) -> sp.Basic:
    t = text.strip().replace(r"\infty", "oo").replace("∞", "oo")
    if t in ("oo", "+oo", "inf"):
        return sp.oo
    if t in ("-oo", "-inf"):
        return -sp.oo
    if not re.fullmatch(r"-?\d+(\.\d+)?(/\d+)?", t):
        raise DeclarationError(f"{text!r} is not a number")
    return sp.Rational(t)


def domain_of(spec: str) -> Domain:
    """``"(0, 1)"`` ↦ the open unit interval; ``"{0, 1}"`` ↦ the set {0, 1}; ``"positive integer"`` ↦ 1, 2, …

    Args:
        spec: the front matter's text for one symbol.

    Returns:
        The domain.

    Raises:
        DeclarationError: the text names no domain.

    >>> domain_of("(0, 1)").interval, domain_of("{0, 1}").values
    (Interval.open(0, 1), (0, 1))
    """
    s = " ".join(str(spec).split())
    low = s.lower()
    if low in _NAMED:
        return Domain(_NAMED[low])
    if low in ("integer", "integers", r"\mathbb{z}"):
        return Domain(sp.Interval(-sp.oo, sp.oo), integer=True)
    if low in ("positive integer", "natural", r"\mathbb{n}"):
        return Domain(sp.Interval(1, sp.oo), integer=True)
    if low == "nonnegative integer":
        return Domain(sp.Interval(0, sp.oo), integer=True)
    if s.startswith("{") and s.endswith("}") or s.startswith(r"\{") and s.endswith(r"\}"):
        inner = s.strip("\\{}").rstrip("\\")
        values = tuple(sorted({_number(v) for v in inner.split(",") if v.strip()}))
        if not values or len(values) > 50:
            raise DeclarationError(f"finite set {spec!r} must list 1 to 50 numbers")
        return Domain(sp.Interval(values[0], values[-1]), values=values)
    m = _INTERVAL.match(s)
    if m:
        lo, hi = _number(m.group(2)), _number(m.group(3))
        if not lo < hi:
            raise DeclarationError(f"interval {spec!r} is empty")
        iv = sp.Interval(lo, hi, m.group(1) == "(" or lo == -sp.oo, m.group(4) == ")" or hi == sp.oo)
        return Domain(iv)
    raise DeclarationError(f"unknown domain {spec!r}: use real, positive, nonnegative, integer, positive integer, "
                           "an interval like (0, 1) or [0, 1], a set like {0, 1}, vector(d), matrix(n, 3), "
                           "function(x) -> real or density(x)")


def _name(key: str) -> str:
    try:
        return normalize(key)
    except BadName as exc:
        raise DeclarationError(str(exc)) from None


def _dimension(scope: Scope, text: str) -> sp.Basic:
    t = text.strip()
    if re.fullmatch(r"\d+", t):
        if int(t) < 1 or int(t) > 10_000:
            raise DeclarationError(f"dimension {t} out of range")
        return sp.Integer(int(t))
    name = _name(t)
    sym = scope.symbols.get(name)
    if sym is None:
        sym = scope.declare(name, Domain(sp.Interval(1, sp.oo), integer=True))
    elif not sym.is_integer:
        raise DeclarationError(f"dimension {t!r} is declared but not as a positive integer")
    scope.dims.add(sym)
    return sym


def build(front: dict) -> Scope:
    """The scope declared by a front matter dict (``symbols:`` or top-level keys, ``assume:``, ``parameters:``).

    Args:
        front: the YAML front matter, already loaded with ``yaml.safe_load``.

    Returns:
        The scope; ``assume:`` conditions are left to the document reader (they are LaTeX).

    Raises:
        DeclarationError: a key or a domain cannot be read.
    """
    scope = Scope()
    table = front.get("symbols", None)
    if table is None:
        table = {k: v for k, v in front.items() if k not in _RESERVED}
    if not isinstance(table, dict):
        raise DeclarationError("'symbols:' must map each symbol to its domain")
    if len(table) > 200:
        raise DeclarationError("at most 200 declared symbols")
    # Plain symbols first: shapes and functions may name them.
    later = []
    for key, spec in table.items():
        if isinstance(spec, dict) and all(v is None for v in spec.values()):
            spec = "{" + ", ".join(str(k) for k in spec) + "}"  # YAML reads {0, 1} as a mapping
        elif isinstance(spec, list) and len(spec) == 2:
            spec = f"[{spec[0]}, {spec[1]}]"  # YAML reads [0, 1] as a list
        elif isinstance(spec, (list, dict)):
            raise DeclarationError(f"{key}: write an interval as [a, b] or (a, b), a finite set as {{0, 1}}")
        text = " ".join(str(spec).split())
        if _SHAPE.match(text) or _FUNCTION.match(text):
            later.append((key, text))
            continue
        name = _name(str(key))
        scope.declare(name, domain_of(text))
    for key, text in later:
        sig = _SIGNATURE.match(str(key).strip())
        if sig:
            # q(z|x), p(x, z): a function named by its written signature.
            base = _name(sig.group(1))
            parts = re.split(r"\\mid|\||,|;", sig.group(2))
            names = [_name(v) for v in parts if v.strip()]
            given = "|" in sig.group(2) or "\\mid" in sig.group(2)
            name = base + "_" + "_".join(names) + ("_cond" if given else "")
            scope.signatures[signature_key(base, sig.group(2))] = name
        else:
            name = _name(str(key))
        m = _SHAPE.match(text)
        if m:
            parts = [p for p in m.group(2).split(",") if p.strip()]
            if m.group(1) == "identity":
                if len(parts) != 1:
                    raise DeclarationError(f"{key}: write identity(d)")
                scope.symbols[name] = sp.Identity(_dimension(scope, parts[0]))
                continue
            if (m.group(1) == "vector") != (len(parts) == 1) or len(parts) > 2:
                raise DeclarationError(f"{key}: write vector(d) or matrix(n, m), got {text!r}")
            dims = [_dimension(scope, p) for p in parts]
            shape = (dims[0], sp.Integer(1)) if len(dims) == 1 else tuple(dims)
            scope.matrices[name] = sp.MatrixSymbol(name, *shape)
            continue
        m = _FUNCTION.match(text)
        variables = tuple(_name(v) for v in m.group(2).split(",") if v.strip())
        if not variables:
            raise DeclarationError(f"{key}: a function needs its arguments, like function(x) -> real")
        density = m.group(1) == "density"
        rng = domain_of(m.group(4)).interval if m.group(4) else sp.Interval(-sp.oo, sp.oo)
        if density:
            rng = sp.Interval.open(0, sp.oo)
            for v in variables:
                if v not in scope.symbols:
                    scope.declare(v, Domain(sp.Interval(-sp.oo, sp.oo)))
        fn = sp.Function(name, real=True, positive=True) if rng.inf >= 0 and rng.left_open else sp.Function(
            name, real=True)
        scope.functions[name] = Function(fn, len(variables), rng, variables, density)
    for key in ("parameters", "unknowns"):
        names = front.get(key) or []
        if isinstance(names, str):
            names = [n for n in re.split(r"[,\s]+", names) if n]
        out = []
        for n in names:
            sym = scope.symbols.get(_name(str(n)))
            if sym is None:
                raise DeclarationError(f"{key}: {n!r} is not a declared symbol")
            out.append(sym)
        setattr(scope, key, out)
    return scope


_SIGNATURE = re.compile(r"^([^()]+)\((.+)\)$")


def signature_key(base: str, args: str) -> str:
    r"""``p``, ``z \mid x`` ↦ ``p(z|x)``: how a written signature is looked up."""
    a = re.sub(r"\\mid", "|", args)
    a = re.sub(r"\s+", "", a)
    a = re.sub(r"\\(text|mathrm)\{([^{}]*)\}", r"\2", a).replace("\\", "").replace("{", "").replace("}", "")
    return f"{base}({a})"


_RESERVED = {"assume", "parameters", "unknowns", "title", "result", "wrong", "description", "timeout", "author"}
