"""A step's verdict, kept on disk under a hash of everything that decides it.

``verdict(claim, ctx) = claim.verify(ctx)`` whenever the hash matches: the key
covers the claim's content (every field, SymPy objects by ``srepr``), what the
step may read of its context (declarations, the spot-check RNG's state, the
previous right-hand side and equation, points, time limit), the checker's
code as it runs (the code objects and constants of the engine modules, so a
monkeypatched or edited function is a different key), and the SymPy, mpmath
and Python versions. A hit also restores the RNG to the state the step left
it in, so the steps after it see exactly what a full re-check would show them.

``pass`` and ``fail`` are kept; any other verdict only if the step took less
than half its CPU-time limit (so no limit of the step's own length cut it short:
the one-second limits the checker sets after a counterexample only tell
``fail`` from ``error``); claims whose verdict reads other steps
(``Conclude``), runs a program (``Executable``) or costs nothing (definitions,
hypotheses) are always re-checked, as are claim kinds defined outside
:mod:`derivations.claims`. Entries are JSON files written atomically under
``$GENPROOF_CACHE`` (default ``~/.cache/genproof/verdicts``). ``GENPROOF_NO_CACHE=1``,
``python -m derivations verify --no-cache`` or :func:`disable` re-check
everything; the cache is off under mutation testing (``MUTANT_UNDER_TEST``),
where one source file holds many variants of the code.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import sys
import tempfile
import time
import types
from pathlib import Path

import sympy as sp

from derivations import claims as _claims
from derivations.claims import PREV, Claim, ProofContext, Verdict

__all__ = ["verify", "key", "disable", "enabled", "directory"]

#: Claim kinds always re-checked (they read other steps, run programs, or are free).
_ALWAYS = ("Conclude", "Executable", "Definition", "Hypothesis")
_ENGINE_MODULES = ("derivations.claims", "derivations.decide", "derivations.domains", "derivations.engine",
                   "derivations.functions", "derivations.verdict_cache")

#: Module attributes that change while checking (the time limits' deadlines, this cache's own memory).
_RUNTIME_STATE = ("_DEADLINES", "_state")
_STATUSES = ("pass", "fail", "undecided", "error", "unproved", "given")
_state: dict = {"disabled": False, "memory": {}, "fingerprint": None}


class _Uncacheable(Exception):
    """A claim field the key cannot describe (a Python callable, an unknown object)."""


def disable(off: bool = True) -> None:
    """Turn the cache off (``off=True``) or back on for this process.

    Args:
        off: True turns the cache off, False back on (the environment switches still apply).
    """
    _state["disabled"] = off


def enabled() -> bool:
    """Whether verdicts are read from and written to the cache now."""
    return not (_state["disabled"] or os.environ.get("GENPROOF_NO_CACHE", "") not in ("", "0")
                or os.environ.get("MUTANT_UNDER_TEST"))


def directory() -> Path:
    """Where entries live: ``$GENPROOF_CACHE``, else ``~/.cache/genproof/verdicts``."""
    env = os.environ.get("GENPROOF_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "genproof" / "verdicts"


def verify(claim: Claim, ctx: ProofContext) -> Verdict:
    """``claim.verify(ctx)``, read from the cache when an entry with the same key exists.

    On a hit ``ctx.rng`` is set to the state the original check left it in.

    Args:
        claim: the step's claim.
        ctx: the proof context the step is checked in (its RNG is advanced as the check would).

    Returns:
        The claim's verdict, from the cache or from checking it now (then stored if it may be kept).
    """
    start = time.process_time()
    if not enabled():
        return claim.verify(ctx)
    k = key(claim, ctx)
    if k is None:
        return claim.verify(ctx)
    entry = _state["memory"].get(k) or _read(k)
    if entry is not None:
        version, internal, gauss = entry["rng"]
        ctx.rng.setstate((version, tuple(internal), gauss))
        return Verdict(entry["status"], entry["message"])
    verdict = claim.verify(ctx)
    # Limits nest, so the step's own limit may fire a little before a full time_limit inside this call.
    if verdict.status in ("pass", "fail") or time.process_time() - start < ctx.time_limit / 2:
        version, internal, gauss = ctx.rng.getstate()
        entry = {"status": verdict.status, "message": verdict.message, "rng": [version, list(internal), gauss]}
        _state["memory"][k] = entry
        _write(k, entry)
    return verdict


def key(claim: Claim, ctx: ProofContext) -> str | None:
    """The SHA-256 of everything that decides ``claim.verify(ctx)``; None if the claim is always re-checked.

    Args:
        claim: the step's claim.
        ctx: the proof context the step would be checked in.

    Returns:
        A hex digest, or None when the claim's kind is always re-checked or a field cannot be described.
    """
    cls = type(claim)
    if cls.__module__ != _claims.__name__ or cls.__name__ in _ALWAYS or not dataclasses.is_dataclass(claim):
        return None
    try:
        parts = [cls.__qualname__]
        parts += [f"{f.name}={_encode(getattr(claim, f.name))}" for f in dataclasses.fields(claim)]
        decl = ctx.decl
        parts.append("domains=" + ";".join(f"{sp.srepr(s)}:{sp.srepr(d)}" for s, d in decl.domains.items()))
        parts.append("functions=" + ";".join(f"{_encode(f)}:{sp.srepr(r)}" for f, r in decl.functions.items()))
        parts.append("constraints=" + _encode(list(decl.constraints)))
        parts.append(f"previous={_encode(ctx.previous)};equation={_encode(ctx.previous_equation)}")
        parts.append(f"points={ctx.points!r};time_limit={float(ctx.time_limit)!r}")
    except _Uncacheable:
        return None
    text = _canonical_dummies("\n".join(parts))
    rng = hashlib.sha256(repr(ctx.rng.getstate()).encode()).hexdigest()
    return hashlib.sha256("\n".join((fingerprint(), rng, text)).encode()).hexdigest()


def _encode(v: object) -> str:
    if v is PREV:
        return "PREV"
    if v is None or isinstance(v, (bool, int, float, str)):
        return repr(v)
    if isinstance(v, (tuple, list)):
        return f"{type(v).__name__}[" + ",".join(_encode(x) for x in v) + "]"
    if isinstance(v, sp.core.function.UndefinedFunction):
        # srepr drops an undefined function's assumptions (real=True): add them.
        return f"{sp.srepr(v)}{sorted(v._kwargs.items())!r}"
    if isinstance(v, (sp.Basic, sp.MatrixBase)):
        return sp.srepr(v)
    raise _Uncacheable(type(v).__name__)


_DUMMY = re.compile(r"dummy_index=(\d+)")


def _canonical_dummies(text: str) -> str:
    """Dummy indices renumbered by first appearance: a rebuilt proof has fresh dummies but the same meaning."""
    seen: dict[str, int] = {}
    return _DUMMY.sub(lambda m: f"dummy_index=#{seen.setdefault(m.group(1), len(seen))}", text)


def fingerprint() -> str:
    """A hash of the checker's code as it runs now, and of the versions of Python, SymPy and mpmath."""
    live = [(name, sys.modules[name]) for name in _ENGINE_MODULES if name in sys.modules]
    objects = tuple(v for _, mod in live for v in _members(mod))
    cached = _state["fingerprint"]
    if cached is not None and len(cached[0]) == len(objects) and all(
            a is b for a, b in zip(cached[0], objects, strict=True)):
        return cached[1]
    import mpmath

    h = hashlib.sha256(f"{sys.version}|sympy {sp.__version__}|mpmath {mpmath.__version__}".encode())
    for name, mod in live:
        h.update(name.encode())
        for v in _members(mod):
            h.update(_describe(v).encode())
    _state["fingerprint"] = (objects, h.hexdigest())
    return _state["fingerprint"][1]


def _members(mod: types.ModuleType) -> list:
    """A module's attributes, and the attributes of the classes it defines, in a fixed order."""
    out = []
    for name in sorted(vars(mod)):
        v = vars(mod)[name]
        if name in _RUNTIME_STATE or (name.startswith("__") and not isinstance(v, types.FunctionType)):
            continue
        out += [name, v]
        if isinstance(v, type) and v.__module__ == mod.__name__:
            out += [x for attr in sorted(vars(v)) for x in (attr, vars(v)[attr])
                    if not attr.startswith("__") or isinstance(vars(v)[attr], types.FunctionType)]
    return out


def _describe(v: object) -> str:
    if isinstance(v, (classmethod, staticmethod)):
        v = v.__func__
    if isinstance(v, property):
        return "property(" + ",".join(_describe(f) for f in (v.fget, v.fset, v.fdel)) + ")"
    if isinstance(v, types.FunctionType):
        return f"fn({_code(v.__code__)};{_describe(v.__defaults__)};{_describe(v.__kwdefaults__)})"
    if isinstance(v, types.CodeType):
        return _code(v)
    if v is None or isinstance(v, (bool, int, float, complex, str, bytes)):
        return repr(v)
    if isinstance(v, (tuple, list)):
        return "[" + ",".join(_describe(x) for x in v) + "]"
    if isinstance(v, (set, frozenset)):
        return "{" + ",".join(sorted(_describe(x) for x in v)) + "}"
    if isinstance(v, dict):
        return "{" + ",".join(sorted(f"{_describe(a)}:{_describe(b)}" for a, b in v.items())) + "}"
    if isinstance(v, (sp.Basic, sp.MatrixBase)):
        return sp.srepr(v)
    if isinstance(v, types.ModuleType):
        return f"module {v.__name__}"
    # A class, a builtin, an object of another library: named, not looked into.
    return f"{getattr(v, '__module__', '?')}.{getattr(v, '__qualname__', type(v).__qualname__)}"


def _code(c: types.CodeType) -> str:
    consts = ",".join(_describe(x) for x in c.co_consts)
    return f"code({c.co_code.hex()};{consts};{c.co_names};{c.co_varnames};{c.co_freevars})"


def _read(k: str) -> dict | None:
    path = directory() / k[:2] / f"{k}.json"
    try:
        entry = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    ok = (isinstance(entry, dict) and entry.get("status") in _STATUSES and isinstance(entry.get("message"), str)
          and isinstance(entry.get("rng"), list) and len(entry["rng"]) == 3)
    if not ok:
        return None
    _state["memory"][k] = entry
    return entry


def _write(k: str, entry: dict) -> None:
    """Write atomically (a reader sees the old file or the whole new one); a cache that cannot be written is skipped."""
    folder = directory() / k[:2]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "w") as f:
            json.dump(entry, f)
        os.replace(tmp, folder / f"{k}.json")
    except OSError:
        pass
