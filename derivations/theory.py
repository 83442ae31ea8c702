"""The catalog's closed forms as functions other code imports: SymPy, NumPy or PyTorch.

``formula(id, name, backend)`` is ``get(id).formulas[name]`` made callable for a
backend. Each closed form declares its arguments once, with :func:`takes`, next
to its definition::

    @takes(Arg("p_data", POSITIVE), Arg("p_theta", POSITIVE))
    def optimal_discriminator_value(p, q): ...

That one declaration drives everything that needs to know what the arguments
are: the SymPy stand-ins the formula is lambdified on (they carry the domain's
assumptions, so a simplification valid only on the domain stays valid), the
input check of the compiled function, :func:`sample` and :func:`strategy`.

Domain kinds (each validated when the :class:`Arg` is built, so a bad
declaration fails at import with the bad value quoted):

* an interval: ``Arg("t", POSITIVE)`` (entries of a vector or matrix too);
* a finite set: ``Arg("x", sp.FiniteSet(0, 1))``, e.g. a label in {0, 1};
* an interval less 0: ``Arg("a", REALS, nonzero=True)`` (``bounds`` then bound ``|a|``);
* a probability vector: ``Arg("p", UNIT, size="n", simplex=True)``;
* a symmetric positive definite matrix: ``Arg("S", REALS, shape=("d", "d"), positive_definite=True)``;
* a scalar apart from an earlier one: ``Arg("theta", REALS, apart_from="theta0")``, for a result that
  assumes θ ≠ θ₀ (the input check refuses θ = θ₀; sampling keeps them ``gap`` apart).

Shapes: a scalar argument is an array of any shape (arguments broadcast); a
vector argument of size k is an array of shape (..., k), its components on
the last axis; an r×c matrix argument has shape (..., r, c), and so has a list
of r column vectors of size c. A vector or column-matrix result comes back
with shape (..., k), a matrix result with (..., r, c).

>>> import numpy as np
>>> d_star = formula("gan.optimal_discriminator", "D*", backend="numpy")
>>> d_star(np.array([1.0, 2.0]), np.array([1.0, 6.0]))
array([0.5 , 0.25])
>>> import sympy as sp
>>> formula("gan.optimal_discriminator", "D*")(sp.Integer(2), sp.Integer(6))
1/4
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from derivations.domains import POSITIVE, REALS, UNIT, DomainError, _assumptions

__all__ = ["Arg", "Arguments", "BACKENDS", "takes", "arguments", "formula", "sample", "sample_for_card", "strategy"]

BACKENDS = ("sympy", "numpy", "torch")
_CONTAINERS = ("list", "col", "matrix", "cols")


def interval_text(domain: sp.Interval) -> str:
    """An interval as a person writes it: ``(0, ∞)``, ``[0, 1]``, ``ℝ``.

    >>> interval_text(POSITIVE), interval_text(REALS)
    ('(0, ∞)', 'ℝ')

    Args:
        domain: a SymPy Interval.

    Returns:
        Its text, with ∞ and ℝ.
    """
    if domain == REALS:
        return "ℝ"

    def end(v: sp.Basic) -> str:
        return "∞" if v == sp.oo else "−∞" if v == -sp.oo else str(v)

    return (("(" if domain.left_open else "[") + end(domain.inf) + ", " + end(domain.sup)
            + (")" if domain.right_open else "]"))


@dataclass(frozen=True)
class Arg:
    """One argument of a closed form: its name, the interval its entries lie in, and its shape.

    ``size`` makes it a vector (``container`` "list": a Python list of SymPy
    scalars, "col": a k×1 Matrix); ``shape=(r, c)`` makes it a matrix
    (``container`` "matrix": an r×c Matrix, "cols": a list of r c×1 Matrices).
    A size is an integer or a dimension name such as ``"n"``: any size, the
    same for every argument that names it, read off the arguments at the call
    (the formula is compiled once per size met).
    ``domain`` is a SymPy Interval or a FiniteSet of real numbers (entries in it).
    ``simplex`` asks the entries of a vector to be positive and sum to 1.
    ``nonzero`` takes 0 out of the interval (a scale that may be negative).
    ``positive_definite`` asks a square matrix to be symmetric positive definite.
    ``apart_from`` names an earlier scalar argument this one must differ from;
    sampling keeps them at least ``gap`` apart.
    ``bounds`` narrows where :func:`sample` and :func:`strategy` draw (default:
    [−5, 5] on the reals, [1e−2, 1e2] on the positives, the interval itself
    less 1e−6 at open ends when it is bounded); for a ``nonzero`` argument they
    bound its magnitude (default [1e−2, 5]).

    Raises:
        DomainError: at construction, for a declaration that names no valid domain (the message quotes it).

    >>> Arg("x", sp.FiniteSet(0, 1)).describe()
    'x ∈ {0, 1}'
    >>> Arg("S", REALS, shape=("d", "d"), positive_definite=True).describe()
    'S ∈ symmetric positive definite of shape d×d'
    """

    name: str
    domain: sp.Interval | sp.FiniteSet = REALS
    size: int | str | None = None
    shape: tuple[int | str, int | str] | None = None
    container: str = "list"
    simplex: bool = False
    bounds: tuple[float, float] | None = None
    nonzero: bool = False
    positive_definite: bool = False
    apart_from: str | None = None
    gap: float = 0.1

    def __post_init__(self) -> None:
        if isinstance(self.domain, sp.FiniteSet):
            if self.domain.is_empty or not all(v.is_real and v.is_finite for v in self.domain):
                raise DomainError(f"argument {self.name!r}: a finite domain must hold real numbers, got "
                                  f"{self.domain!r}")
            if self.simplex or self.nonzero or self.positive_definite or self.bounds is not None:
                raise DomainError(f"argument {self.name!r}: a finite domain {self.domain} takes no simplex, "
                                  "nonzero, positive_definite or bounds")
        elif not isinstance(self.domain, sp.Interval) or self.domain.is_empty:
            raise DomainError(f"argument {self.name!r}: domain must be a non-empty sympy Interval or FiniteSet, "
                              f"got {self.domain!r}")
        if self.size is not None and self.shape is not None:
            raise DomainError(f"argument {self.name!r}: give size (a vector) or shape (a matrix), not both")
        for n in (self.size,) if self.shape is None else self.shape:
            if n is not None and not (isinstance(n, str) and n.isidentifier() or isinstance(n, int) and n >= 1):
                raise DomainError(f"argument {self.name!r}: a size must be an integer ≥ 1 or a dimension name, "
                                  f"got {n!r}")
        if self.container not in _CONTAINERS:
            raise DomainError(f"argument {self.name!r}: container must be one of {_CONTAINERS}, got {self.container!r}")
        if self.shape is None and self.container in ("matrix", "cols"):
            raise DomainError(f"argument {self.name!r}: container {self.container!r} needs shape=(rows, cols)")
        if self.shape is not None and self.container not in ("matrix", "cols"):
            object.__setattr__(self, "container", "matrix")
        if self.simplex and self.size is None:
            raise DomainError(f"argument {self.name!r}: simplex=True needs a vector (size=k)")
        if self.bounds is not None:
            lo, hi = self.bounds
            if not (lo < hi and self.domain.contains(lo) and self.domain.contains(hi)):
                raise DomainError(f"argument {self.name!r}: bounds {self.bounds} must satisfy lo < hi inside "
                                  f"{self.domain}")
            if self.nonzero and lo <= 0:
                raise DomainError(f"argument {self.name!r}: the bounds of a nonzero argument bound its magnitude "
                                  f"and must be positive, got {self.bounds}")
        if self.nonzero and not self.domain.contains(0):
            raise DomainError(f"argument {self.name!r}: nonzero=True takes 0 out of the domain, but {self.domain} "
                              "does not contain 0")
        if self.positive_definite and (self.shape is None or self.shape[0] != self.shape[1]
                                       or self.container != "matrix" or self.domain != REALS):
            raise DomainError(f"argument {self.name!r}: positive_definite=True needs a square matrix "
                              f"(shape=(d, d), container 'matrix', domain REALS), got shape={self.shape}, "
                              f"container={self.container!r}, domain {self.domain}")
        if self.apart_from is not None and (self.dims or self.domain != REALS or self.apart_from == self.name):
            raise DomainError(f"argument {self.name!r}: apart_from needs a real scalar apart from another "
                              f"argument, got apart_from={self.apart_from!r}, dims {self.dims}, domain {self.domain}")
        if not (isinstance(self.gap, (int, float)) and 0 < self.gap < math.inf):
            raise DomainError(f"argument {self.name!r}: gap must be a positive number, got {self.gap!r}")

    @property
    def dims(self) -> tuple[int | str, ...]:
        """The declared shape of one value: () scalar, (k,) vector, (r, c) matrix; names stand for any size."""
        if self.size is not None:
            return (self.size,)
        return tuple(self.shape) if self.shape is not None else ()

    def entries(self, sizes: dict[str, int]) -> tuple[int, ...]:
        """The shape of one value with the named dimensions bound by ``sizes``."""
        return tuple(sizes[d] if isinstance(d, str) else d for d in self.dims)

    @property
    def finite(self) -> bool:
        """Whether the entries lie in a finite set (sampled from it, checked by membership)."""
        return isinstance(self.domain, sp.FiniteSet)

    def values(self) -> list[float]:
        """The members of a finite domain, as numbers (ints where the members are integers)."""
        return [int(v) if v.is_integer else float(v) for v in sorted(self.domain)]

    def describe(self) -> str:
        """``name ∈ domain`` with its shape, for messages and docs."""
        if self.simplex:
            where = "Δ (positive, sums to 1)"
        elif self.positive_definite:
            where = "symmetric positive definite"
        elif self.finite:
            where = "{" + ", ".join(map(str, self.values())) + "}"
        else:
            where = interval_text(self.domain) + (" less {0}" if self.nonzero else "")
        shape = "" if not self.dims else " of shape " + "×".join(map(str, self.dims))
        apart = f", ≠ {self.apart_from}" if self.apart_from else ""
        return f"{self.name} ∈ {where}{shape}{apart}"

    def facts(self) -> dict[str, bool]:
        """The SymPy assumptions one entry carries (what the domain implies: real, positive, integer, ...)."""
        if self.finite:
            vals = self.values()
            facts = {"real": True}
            if all(isinstance(v, int) for v in vals):
                facts["integer"] = True
            if min(vals) > 0:
                facts["positive"] = True
            elif min(vals) >= 0:
                facts["nonnegative"] = True
            return facts
        facts = _assumptions(self.domain)
        if self.nonzero:
            facts["nonzero"] = True
        return facts

    def standin(self, sizes: dict[str, int]) -> tuple[Any, list[sp.Symbol]]:
        """The SymPy value the formula is called on, and its scalar symbols in order (see :func:`_split`)."""
        facts = self.facts()
        entries = self.entries(sizes)
        if not entries:
            s = sp.Symbol(self.name, **facts)
            return s, [s]
        if self.size is not None:
            syms = [sp.Symbol(f"{self.name}_{i}", **facts) for i in range(entries[0])]
            return (syms if self.container == "list" else sp.Matrix(syms)), syms
        r, c = entries
        if self.positive_definite:  # symmetric: one symbol per entry on or above the diagonal
            upper = {(i, j): sp.Symbol(f"{self.name}_{i}_{j}", **facts) for i in range(r) for j in range(i, c)}
            return (sp.Matrix(r, c, lambda i, j: upper[min(i, j), max(i, j)]),
                    [upper[i, j] for i in range(r) for j in range(i, c)])
        syms = [sp.Symbol(f"{self.name}_{i}_{j}", **facts) for i in range(r) for j in range(c)]
        if self.container == "matrix":
            return sp.Matrix(r, c, syms), syms
        return [sp.Matrix(syms[i * c:(i + 1) * c]) for i in range(r)], syms

    def sampling_bounds(self) -> tuple[float, float]:
        """Where :func:`sample` and :func:`strategy` draw an entry (for a nonzero argument: its magnitude)."""
        if self.bounds is not None:
            return self.bounds
        if self.nonzero:
            return (1e-2, 5.0)
        lo, hi = float(self.domain.inf), float(self.domain.sup)
        if math.isinf(lo) and math.isinf(hi):
            return (-5.0, 5.0)
        if math.isinf(hi):
            return (lo + 1e-2, lo + 1e2) if lo != 0 or self.domain.left_open else (0.0, 1e2)
        if math.isinf(lo):
            return (hi - 1e2, hi - 1e-2)
        margin = 1e-6 * (hi - lo)
        return (lo + margin if self.domain.left_open else lo, hi - margin if self.domain.right_open else hi)


@dataclass(frozen=True)
class Arguments:
    """The declared arguments of one closed form, in call order."""

    args: tuple[Arg, ...]
    #: sizes of the named dimensions used by sample() and strategy() (a dimension not listed: 3)
    sizes: tuple[tuple[str, int], ...] = ()

    def default_sizes(self) -> dict[str, int]:
        named = {d for a in self.args for d in a.dims if isinstance(d, str)}
        return {d: 3 for d in named} | dict(self.sizes)

    def bind(self, arrays: Sequence[Any], label: str) -> dict[str, int]:
        """The named dimensions' sizes read off the arguments' trailing axes; DomainError if they disagree."""
        sizes: dict[str, int] = {}
        for a, x in zip(self.args, arrays, strict=True):
            n = len(a.dims)
            if len(x.shape) < n:
                raise DomainError(f"{label}: argument {a.describe()} needs {n} trailing axes, got shape "
                                  f"{tuple(x.shape)}")
            for d, got in zip(a.dims, tuple(x.shape)[len(x.shape) - n:], strict=True):
                want = sizes.setdefault(d, int(got)) if isinstance(d, str) else d
                if want != got:
                    raise DomainError(f"{label}: argument {a.name} has {got} entries along a dimension of size "
                                      f"{d}={want}; got shape {tuple(x.shape)}")
        return sizes

    @property
    def names(self) -> list[str]:
        return [a.name for a in self.args]

    def describe(self) -> str:
        return ", ".join(a.describe() for a in self.args)


def takes(*args: Arg, **sizes: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare the arguments of a closed form (a decorator; the function itself is returned unchanged).

    Args:
        *args: one :class:`Arg` per positional argument of the formula, in order.
        **sizes: the size :func:`sample` and :func:`strategy` give each named dimension (default 3).

    Returns:
        A decorator that stores the declaration on the function as ``__arguments__``.

    Raises:
        DomainError: if two arguments share a name, an argument is not an :class:`Arg`, or ``apart_from`` names
            no earlier real scalar argument.

    >>> @takes(Arg("t", POSITIVE))
    ... def twice(t): return 2 * t
    >>> twice.__arguments__.names
    ['t']
    """
    for a in args:
        if not isinstance(a, Arg):
            raise DomainError(f"takes() wants Arg(...) declarations, got {a!r}")
    names = [a.name for a in args]
    if len(set(names)) != len(names):
        raise DomainError(f"takes(): argument names repeat: {names}")
    for i, a in enumerate(args):
        if a.apart_from is not None:
            earlier = {b.name: b for b in args[:i]}
            other = earlier.get(a.apart_from)
            if other is None or other.dims or other.domain != REALS:
                raise DomainError(f"takes(): {a.name} is apart_from={a.apart_from!r}, which must be an earlier real "
                                  f"scalar argument (earlier: {list(earlier)})")

    def attach(fn: Callable[..., Any]) -> Callable[..., Any]:
        fn.__arguments__ = Arguments(tuple(args), tuple(sizes.items()))  # type: ignore[attr-defined]
        return fn

    return attach


def _closed_form(result_id: str, name: str) -> Callable[..., Any]:
    from derivations.registry import get

    result = get(result_id)
    try:
        return result.formulas[name]
    except KeyError:
        known = ", ".join(repr(k) for k in result.formulas) or "none"
        raise KeyError(f"result {result_id!r} has no closed form {name!r}; its closed forms: {known}") from None


def arguments(result_id: str, name: str) -> Arguments:
    """The declared arguments of closed form ``name`` of result ``result_id``.

    Args:
        result_id: a catalog ID, e.g. ``"gan.optimal_discriminator"``.
        name: a key of that result's ``formulas``, e.g. ``"D*"``.

    Returns:
        The :class:`Arguments` declared with :func:`takes` next to the formula.

    Raises:
        KeyError: unknown ID or formula name (the message lists the known names).
        DomainError: the formula declares no arguments.

    >>> arguments("gan.optimal_discriminator", "D*").names
    ['p_data', 'p_theta']
    """
    fn = _closed_form(result_id, name)
    decl = getattr(fn, "__arguments__", None)
    if decl is None:
        raise DomainError(f"closed form {name!r} of {result_id!r} ({getattr(fn, '__qualname__', fn)}) declares no "
                          "arguments; add @takes(Arg(...), ...) next to its definition")
    return decl


# --- compiling ------------------------------------------------------------------------------------------------

_COMPILED: dict[tuple[Callable[..., Any], str], Callable[..., Any]] = {}


def formula(result_id: str, name: str, backend: str = "sympy") -> Callable[..., Any]:
    """Closed form ``name`` of result ``result_id`` as a function for ``backend``.

    ``"sympy"`` gives the formula as written in the card (SymPy in, SymPy
    out). ``"numpy"`` and ``"torch"`` give a function of arrays (tensors keep
    their autograd graph), compiled once from the card on stand-in symbols that
    carry the declared domains; it checks that every argument has the declared
    shape and lies in its domain, and raises :class:`DomainError` otherwise.

    Args:
        result_id: a catalog ID, e.g. ``"gan.optimal_discriminator"``.
        name: a key of that result's ``formulas``, e.g. ``"D*"``.
        backend: ``"sympy"``, ``"numpy"`` or ``"torch"``.

    Returns:
        A callable taking the declared arguments in order.

    Raises:
        KeyError: unknown ID or formula name.
        ValueError: unknown backend.
        DomainError: (numpy/torch) the formula declares no arguments.

    >>> import torch
    >>> kl = formula("vae.gaussian_kl", "kl_normal", backend="torch")
    >>> round(float(kl(torch.tensor(0.0), torch.tensor(1.0), torch.tensor(1.0), torch.tensor(1.0))), 6)
    0.5
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    fn = _closed_form(result_id, name)
    if backend == "sympy":
        return fn
    decl = arguments(result_id, name)
    key = (fn, backend)
    if key not in _COMPILED:
        _COMPILED[key] = _compile(fn, decl, backend, f"{result_id} {name}")
    return _COMPILED[key]


def _namespace(backend: str) -> list[Any]:
    """lambdify's modules: σ and softplus by their stable library versions, the rest from the backend."""
    if backend == "torch":
        import torch

        # logaddexp(0, h), not F.softplus: the latter turns linear above h = 20 (relative error up to e⁻²⁰)
        return [{"sigmoid": torch.sigmoid, "softplus": lambda h: torch.logaddexp(torch.zeros_like(h), h)}, "torch"]
    from scipy import special

    return [{"sigmoid": special.expit, "softplus": lambda h: np.logaddexp(0.0, h)}, "scipy", "numpy"]


def _lambdify(fn: Callable[..., Any], decl: Arguments, backend: str,
              sizes: dict[str, int]) -> tuple[Callable[..., Any], tuple[int, ...] | None]:
    """The formula lambdified on stand-ins of the given sizes, and its result's shape (None: a scalar)."""
    standins, flat = [], []
    for a in decl.args:
        value, syms = a.standin(sizes)
        standins.append(value)
        flat.extend(syms)
    out = _stable(fn(*standins))
    if isinstance(out, (list, tuple)):
        out = sp.Matrix(list(out))
    shape: tuple[int, ...] | None = None
    if isinstance(out, sp.MatrixBase):
        shape = (out.rows,) if out.cols == 1 else (out.rows, out.cols)
        parts = [sp.sympify(e) for e in out]
    else:
        parts = [sp.sympify(out)]
    printer = None
    if backend == "torch":  # torch.sqrt(2) fails on a Python number: constants become Floats first
        printer = _torch_printer()
        parts = [e.replace(lambda x: isinstance(x, sp.Expr) and not x.is_Number and not x.free_symbols,
                           lambda x: sp.Float(x.evalf(30), 30)) for e in parts]
    return sp.lambdify(flat, parts, modules=_namespace(backend), printer=printer), shape


def _torch_printer() -> Any:
    """SymPy's PyTorch printer, told to print σ and softplus as calls (the namespace supplies them)."""
    from sympy.printing.pytorch import TorchPrinter

    class Printer(TorchPrinter):
        def _print_sigmoid(self, expr: sp.Basic) -> str:
            return f"sigmoid({self._print(expr.args[0])})"

        def _print_softplus(self, expr: sp.Basic) -> str:
            return f"softplus({self._print(expr.args[0])})"

    return Printer({"fully_qualified_modules": False, "inline": True, "allow_unknown_functions": True,
                    "user_functions": {}})


def _stable(out: Any) -> Any:
    """log σ(h), log(1 − σ(h)) as −softplus(∓h) and 1 − σ(h) as σ(−h): equal, and exact where σ rounds to 0 or 1."""
    from derivations.functions import sigmoid, softplus

    h = sp.Wild("h")

    def rewrite(e: Any) -> Any:
        if not isinstance(e, sp.Basic):
            return e
        e = e.replace(sp.log(1 - sigmoid(h)), -softplus(h))
        e = e.replace(sp.log(sigmoid(h)), -softplus(-h))
        e = e.replace(1 - sigmoid(h), sigmoid(-h))
        return e.replace(sigmoid(h) - 1, -sigmoid(-h))

    if isinstance(out, (list, tuple)):
        return type(out)(rewrite(e) for e in out)
    if isinstance(out, sp.MatrixBase):
        return out.applyfunc(rewrite)
    return rewrite(out)


def _compile(fn: Callable[..., Any], decl: Arguments, backend: str, label: str) -> Callable[..., Any]:
    lib = _Torch() if backend == "torch" else _NumPy()
    by_sizes: dict[tuple, tuple[Callable[..., Any], tuple[int, ...] | None]] = {}

    def call(*xs: Any) -> Any:
        if len(xs) != len(decl.args):
            raise TypeError(f"{label} takes {len(decl.args)} arguments ({', '.join(decl.names)}), got {len(xs)}")
        arrays = [lib.array(x) for x in xs]
        sizes = decl.bind(arrays, label)
        key = tuple(sorted(sizes.items()))
        if key not in by_sizes:  # compiled once per size of the named dimensions
            by_sizes[key] = _lambdify(fn, decl, backend, sizes)
        lam, shape = by_sizes[key]
        entries = []
        named = dict(zip(decl.names, arrays, strict=True))
        for a, x in zip(decl.args, arrays, strict=True):
            _check(a, x, lib, label)
            if a.apart_from is not None:
                _check_apart(a, x, named[a.apart_from], lib, label)
            entries.extend(_split(a, x, sizes))
        values = lib.broadcast([lib.array(v) for v in lam(*entries)], entries)
        if shape is None:
            return values[0]
        stacked = lib.stack(values)
        return stacked.reshape(*stacked.shape[:-1], *shape)

    call.__doc__ = f"{label}: {getattr(fn, '__doc__', '') or ''}\nArguments: {decl.describe()}"
    call.__name__ = getattr(fn, "__name__", "formula")
    call.__wrapped__ = fn  # type: ignore[attr-defined]
    return call


def _split(a: Arg, x: Any, sizes: dict[str, int]) -> list[Any]:
    """The scalar entries of one argument value, each an array over the leading (batch) axes."""
    entries = a.entries(sizes)
    if not entries:
        return [x]
    if a.size is not None:
        return [x[..., i] for i in range(entries[0])]
    r, c = entries
    if a.positive_definite:  # the entries on and above the diagonal, as Arg.standin's symbols
        return [x[..., i, j] for i in range(r) for j in range(i, c)]
    return [x[..., i, j] for i in range(r) for j in range(c)]


def _check(a: Arg, x: Any, lib: Any, label: str) -> None:
    """Raise DomainError unless the entries of ``x`` lie in the declared domain (shapes: Arguments.bind)."""
    bad = lib.isnan(x)
    if a.finite:
        bad = bad | ~lib.isin(x, a.values())
    else:
        lo, hi = float(a.domain.inf), float(a.domain.sup)
        bad = bad | ((x <= lo) if a.domain.left_open else (x < lo))
        bad = bad | ((x >= hi) if a.domain.right_open else (x > hi))
    if a.nonzero:
        bad = bad | (x == 0)
    if a.simplex:
        bad = bad | (lib.abs(x.sum(-1, keepdims=True) - 1) > 1e-6)
    if bool(bad.any()):
        value = x[bad].reshape(-1)[0]
        raise DomainError(f"{label}: argument {a.describe()}, got {float(value)!r}"
                          + (" (or its entries do not sum to 1)" if a.simplex else ""))
    if a.positive_definite:
        _check_positive_definite(a, lib.numpy(x), label)


def _check_positive_definite(a: Arg, x: np.ndarray, label: str) -> None:
    """Raise DomainError unless every matrix in ``x`` (..., d, d) is symmetric with a positive smallest eigenvalue."""
    m = x.reshape(-1, *x.shape[-2:])
    asym = np.abs(m - np.swapaxes(m, -1, -2)).max(axis=(-2, -1))
    scale = np.abs(m).max(axis=(-2, -1))
    smallest = np.linalg.eigvalsh(m).min(axis=-1)  # eigvalsh reads one triangle; asymmetry is checked above
    bad = (asym > 1e-9 * scale) | ~(smallest > 0)
    if bad.any():
        k = int(np.argmax(bad))
        raise DomainError(f"{label}: argument {a.describe()}, got a matrix that is not symmetric positive definite "
                          f"(smallest eigenvalue {smallest[k]:.3g}, asymmetry {asym[k]:.3g}): {m[k].tolist()}")


def _check_apart(a: Arg, x: Any, other: Any, lib: Any, label: str) -> None:
    """Raise DomainError where ``x`` equals the argument it must differ from (the result assumes x ≠ other)."""
    same = lib.equal(x, other)
    if bool(same.any()):
        value = x.reshape(-1)[int(lib.argmax(same.reshape(-1)))] if same.shape == x.shape else x.reshape(-1)[0]
        raise DomainError(f"{label}: argument {a.describe()}, got {a.name} = {a.apart_from} = {float(value)!r}")


class _NumPy:
    @staticmethod
    def array(x: Any) -> np.ndarray:
        return np.asarray(x, dtype=float)

    @staticmethod
    def isnan(x: np.ndarray) -> np.ndarray:
        return np.isnan(x)

    @staticmethod
    def abs(x: np.ndarray) -> np.ndarray:
        return np.abs(x)

    @staticmethod
    def isin(x: np.ndarray, values: list[float]) -> np.ndarray:
        return np.isin(x, values)

    @staticmethod
    def numpy(x: np.ndarray) -> np.ndarray:
        return x

    @staticmethod
    def equal(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return np.broadcast_arrays(x, y)[0] == np.broadcast_arrays(x, y)[1]

    @staticmethod
    def argmax(x: np.ndarray) -> int:
        return int(np.argmax(x))


    @staticmethod
    def broadcast(values: list[np.ndarray], entries: list[np.ndarray]) -> list[np.ndarray]:
        shape = np.broadcast_shapes(*(np.shape(v) for v in values), *(np.shape(e) for e in entries))
        return [np.broadcast_to(v, shape).copy() for v in values]

    @staticmethod
    def stack(values: list[np.ndarray]) -> np.ndarray:
        return np.stack(values, axis=-1)


class _Torch:
    def __init__(self) -> None:
        import torch

        self.torch = torch

    def array(self, x: Any) -> Any:
        if isinstance(x, self.torch.Tensor):
            return x
        return self.torch.as_tensor(np.asarray(x, dtype=float), dtype=self.torch.get_default_dtype())

    def isnan(self, x: Any) -> Any:
        return self.torch.isnan(x.detach())

    def abs(self, x: Any) -> Any:
        return x.detach().abs()

    def isin(self, x: Any, values: list[float]) -> Any:
        return self.torch.isin(x.detach(), self.torch.tensor(values, dtype=x.dtype))

    def numpy(self, x: Any) -> np.ndarray:
        return x.detach().cpu().double().numpy()

    def equal(self, x: Any, y: Any) -> Any:
        a, b = self.torch.broadcast_tensors(x.detach(), y.detach())
        return a == b

    def argmax(self, x: Any) -> int:
        return int(self.torch.argmax(x.to(self.torch.uint8)))

    def broadcast(self, values: list[Any], entries: list[Any]) -> list[Any]:
        like = next((e for e in entries if isinstance(e, self.torch.Tensor)), None)
        values = [v.to(like) if like is not None and v.dtype != like.dtype else v for v in values]
        shape = self.torch.broadcast_shapes(*(v.shape for v in values), *(e.shape for e in entries))
        return [v.expand(shape) if v.shape != shape else v for v in values]

    def stack(self, values: list[Any]) -> Any:
        return self.torch.stack(values, dim=-1)


# --- sampling -------------------------------------------------------------------------------------------------


def _draw(a: Arg, rng: np.random.Generator, batch: tuple[int, ...], sizes: dict[str, int],
          drawn: dict[str, Any]) -> Any:
    shape = batch + a.entries(sizes)
    if a.simplex:
        w = rng.uniform(1.0, 1e3, size=shape)
        return w / w.sum(-1, keepdims=True)
    if a.finite:
        x = rng.choice(np.asarray(a.values()), size=shape)
        return x[()] if not shape else x  # one draw: a NumPy scalar (np.int64 for a set of integers)
    if a.positive_definite:  # LLᵀ + 0.1·I with L uniform in [−1, 1]: eigenvalues in [0.1, d + 0.1]
        d = shape[-1]
        low = rng.uniform(-1.0, 1.0, size=shape)
        return low @ np.swapaxes(low, -1, -2) + 0.1 * np.eye(d)
    lo, hi = a.sampling_bounds()
    if a.nonzero:  # |x| log-uniform in the bounds, either sign
        x = np.exp(rng.uniform(math.log(lo), math.log(hi), size=shape)) * rng.choice([-1.0, 1.0], size=shape)
    elif lo > 0 and hi / lo > 100 and a.domain.sup == sp.oo:  # a scale: log-uniform, so small and large appear
        x = np.exp(rng.uniform(math.log(lo), math.log(hi), size=shape))
    else:
        x = rng.uniform(lo, hi, size=shape)
    if a.apart_from is not None:
        x = _push_apart(x, drawn[a.apart_from], a.gap)
    return np.float64(x) if not shape else x  # one scalar: a float (np.float64), not a 0-d array


def _push_apart(x: Any, other: Any, gap: float) -> Any:
    """``x`` moved away from ``other`` to at least ``gap`` on its own side (x = other goes above it)."""
    diff = np.asarray(x, dtype=float) - np.asarray(other, dtype=float)
    side = np.where(diff < 0, -1.0, 1.0)
    return np.where(np.abs(diff) < gap, np.asarray(other, dtype=float) + side * gap, x)


def sample(result_id: str, name: str, rng: np.random.Generator | int = 0,
           batch: int | Sequence[int] = ()) -> tuple[np.ndarray, ...]:
    """Arguments for closed form ``name`` drawn inside their declared domains.

    Args:
        result_id: a catalog ID.
        name: a key of that result's ``formulas``.
        rng: a NumPy generator or a seed.
        batch: leading batch shape (``()`` for one draw).

    Returns:
        One array per declared argument, of shape ``batch + entries`` (a float for a single scalar).

    Raises:
        KeyError, DomainError: as :func:`arguments`.

    >>> p, q = sample("gan.optimal_discriminator", "D*", rng=0, batch=4)
    >>> bool((p > 0).all() and (q > 0).all()), p.shape
    (True, (4,))
    """
    decl = arguments(result_id, name)
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    shape = (batch,) if isinstance(batch, int) else tuple(batch)
    sizes = decl.default_sizes()
    drawn: dict[str, Any] = {}
    for a in decl.args:
        drawn[a.name] = _draw(a, gen, shape, sizes, drawn)
    return tuple(drawn.values())


def sample_for_card(result_id: str, name: str, rng: np.random.Generator | int = 0) -> tuple[Any, ...]:
    """One draw of :func:`sample`, each value in the container the SymPy card takes (numbers, not symbols).

    A "list" vector comes as a list of floats, a "col" vector as a 1-d array,
    a "cols" matrix as a list of 1-d arrays (its columns), a "matrix" as a 2-d
    array, a member of a finite set of integers as an int. This is what the
    mutant search feeds the cards (arrays become SymPy Matrices there).

    Args:
        result_id: a catalog ID.
        name: a key of that result's ``formulas``.
        rng: a NumPy generator or a seed.

    Returns:
        One value per declared argument.

    Raises:
        KeyError, DomainError: as :func:`arguments`.

    >>> xs, gs, c = sample_for_card("duality.logistic_discriminator", "objective", rng=0)[1:]
    >>> type(xs).__name__, xs[0].shape, type(c).__name__
    ('list', (2,), 'float')
    """
    decl = arguments(result_id, name)
    out = []
    for a, x in zip(decl.args, sample(result_id, name, rng), strict=True):
        if a.container == "cols":
            out.append([np.asarray(v, dtype=float) for v in x])
        elif a.size is not None and a.container == "list":
            out.append([float(v) for v in x])
        elif isinstance(x, (np.floating, np.integer)):
            out.append(x.item())  # a Python float or int
        else:
            out.append(x)
    return tuple(out)


def _strategy_of(a: Arg, sizes: dict[str, int]) -> Any:
    from hypothesis import strategies as st

    from derivations import strategies as gs

    entries = a.entries(sizes)
    if a.simplex:
        return gs.probability_vectors(size=entries[0])
    if a.positive_definite:  # LLᵀ + 0.1·I, L's entries in [−1, 1]
        d = entries[0]
        return st.lists(gs.bounded_floats(-1, 1), min_size=d * d, max_size=d * d).map(
            lambda v: np.asarray(v).reshape(d, d) @ np.asarray(v).reshape(d, d).T + 0.1 * np.eye(d))
    if a.finite:
        return _shaped(st.sampled_from(a.values()), entries)
    lo, hi = a.sampling_bounds()
    if a.nonzero:
        scalar = st.tuples(gs.positive_floats(lo, hi), st.sampled_from([-1.0, 1.0])).map(lambda t: t[0] * t[1])
    elif a.domain == UNIT and a.bounds is None:
        scalar = gs.unit_interval()
    elif a.domain == POSITIVE or lo > 0:
        scalar = gs.positive_floats(lo, hi)
    else:
        scalar = gs.bounded_floats(lo, hi)
    return _shaped(scalar, entries)


def _shaped(scalar: Any, entries: tuple[int, ...]) -> Any:
    """``scalar`` itself for a scalar argument, else arrays of shape ``entries`` of its draws."""
    from hypothesis import strategies as st

    if not entries:
        return scalar
    n = int(np.prod(entries))
    return st.lists(scalar, min_size=n, max_size=n).map(lambda v: np.asarray(v).reshape(entries))


def strategy(result_id: str, name: str) -> Any:
    """The default Hypothesis strategy for closed form ``name``: tuples of arguments inside their domains.

    Built from :mod:`derivations.strategies` (``positive_floats``,
    ``bounded_floats``, ``unit_interval``, ``probability_vectors``) with the
    declared bounds; a finite set by ``sampled_from``, a positive definite
    matrix as LLᵀ + 0.1·I, an ``apart_from`` scalar pushed ``gap`` away.

    Args:
        result_id: a catalog ID.
        name: a key of that result's ``formulas``.

    Returns:
        A ``SearchStrategy`` of argument tuples, ready for ``formula(...)(*args)``.

    Raises:
        KeyError, DomainError: as :func:`arguments`.
    """
    from hypothesis import strategies as st

    decl = arguments(result_id, name)
    sizes = decl.default_sizes()
    drawn = st.tuples(*(_strategy_of(a, sizes) for a in decl.args))
    apart = [(i, decl.names.index(a.apart_from), a.gap) for i, a in enumerate(decl.args) if a.apart_from]
    if not apart:
        return drawn

    def push(values: tuple) -> tuple:
        out = list(values)
        for i, j, gap in apart:
            out[i] = float(_push_apart(out[i], out[j], gap))
        return tuple(out)

    return drawn.map(push)
