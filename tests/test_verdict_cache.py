"""A kept verdict is returned only for the same step under the same checker, and a hit replays the run exactly."""

from __future__ import annotations

import json

import pytest
import sympy as sp

from derivations import decide, engine, verdict_cache
from derivations.claims import Conclude, Definition, Equal, Executable, ProofContext
from derivations.domains import POSITIVE, REALS, Declarations
from derivations.engine import Result, Step


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("GENPROOF_CACHE", str(tmp_path))
    monkeypatch.delenv("GENPROOF_NO_CACHE", raising=False)
    monkeypatch.delenv("MUTANT_UNDER_TEST", raising=False)
    monkeypatch.setitem(verdict_cache._state, "memory", {})
    monkeypatch.setitem(verdict_cache._state, "disabled", False)
    return tmp_path


def _result(*claims, rid="cache.test"):
    def build():
        decl = Declarations()
        x, y = decl.symbol("x", REALS), decl.symbol("y", POSITIVE)
        f = decl.function("f", REALS)
        return decl, [Step("r", c(x, y, f)) for c in claims]
    return Result(rid, "t", "s", build)


def _true(x, y, f=None):
    return Equal((x + y) ** 2, x**2 + 2 * x * y + y**2)


def _false(x, y, f):
    # Its values depend on f's random stand-in, drawn from the spot-check RNG after step 1's draws.
    return Equal(f(y) ** 2, f(y) ** 2 + y)


def _entries(folder):
    return sorted(folder.rglob("*.json"))


def _messages(report):
    return [(s.status, s.message) for s in report.steps]


def _forge(folder, status="fail", message="read from the cache"):
    """Overwrite every entry's verdict: a check that then reports it has read the cache."""
    for path in _entries(folder):
        entry = json.loads(path.read_text())
        path.write_text(json.dumps({**entry, "status": status, "message": message}))
    verdict_cache._state["memory"].clear()


def test_verdict_cache_keeps_a_passed_step_and_reads_it_back(cache_dir):
    assert engine.check(_result(_true)).steps[0].status == "pass"
    assert len(_entries(cache_dir)) == 1
    _forge(cache_dir)
    assert _messages(engine.check(_result(_true))) == [("fail", "read from the cache")]


def test_verdict_cache_off_re_checks_every_step(cache_dir, monkeypatch):
    engine.check(_result(_true))
    _forge(cache_dir)
    for off in (lambda: monkeypatch.setenv("GENPROOF_NO_CACHE", "1"),
                lambda: monkeypatch.setenv("MUTANT_UNDER_TEST", "derivations.decide.x_close__mutmut_1"),
                verdict_cache.disable):
        off()
        assert not verdict_cache.enabled()
        assert engine.check(_result(_true)).steps[0].status == "pass"
        monkeypatch.delenv("GENPROOF_NO_CACHE", raising=False)
        monkeypatch.delenv("MUTANT_UNDER_TEST", raising=False)
        verdict_cache.disable(False)
        assert verdict_cache.enabled()
    monkeypatch.setenv("GENPROOF_NO_CACHE", "0")  # "0" means on
    assert verdict_cache.enabled()


def test_verdict_cache_hit_leaves_the_rng_where_a_full_check_would(cache_dir):
    # The counterexample of step 2 is drawn after step 1's spot checks: with step 1
    # read from the cache, step 2 must still find the same point.
    fresh = engine.check(_result(_true, _false), seed=3)
    verdict_cache.disable()
    unkept = engine.check(_result(_true, _false), seed=3)
    verdict_cache.disable(False)
    for path in _entries(cache_dir):
        if json.loads(path.read_text())["status"] == "fail":
            path.unlink()  # keep step 1 only
    verdict_cache._state["memory"].clear()
    warm = engine.check(_result(_true, _false), seed=3)
    assert _messages(warm) == _messages(unkept) == _messages(fresh)
    assert warm.steps[1].status == "fail" and "at y=" in warm.steps[1].message
    verdict_cache.disable()
    other = engine.check(_result(_false), seed=3)  # the same step with the RNG where step 1 found it
    assert other.steps[0].message != warm.steps[1].message


def _busy(seconds):
    import time

    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def test_verdict_cache_never_keeps_a_verdict_a_time_limit_cut_short(cache_dir, monkeypatch):
    # The spot check runs into the step's limit: the step is undecided, and a longer limit might decide it.
    monkeypatch.setattr(decide, "counterexample", lambda *a, **kw: _busy(30))
    assert engine.check(_result(_true), time_limit=0.2).steps[0].status == "undecided"
    assert _entries(cache_dir) == []


def test_verdict_cache_keeps_a_slow_fail(cache_dir, monkeypatch):
    # A counterexample found late is still a counterexample: kept however long the step took.
    real = decide.counterexample

    def slow(*args, **kwargs):
        _busy(0.6)
        return real(*args, **kwargs)

    monkeypatch.setattr(decide, "counterexample", slow)
    assert engine.check(_result(_false), time_limit=1.0).steps[0].status == "fail"
    assert [json.loads(p.read_text())["status"] for p in _entries(cache_dir)] == ["fail"]


def test_verdict_cache_keeps_an_undecided_step_no_limit_cut_short(cache_dir, monkeypatch):
    monkeypatch.setattr(decide, "symbolic_zero", lambda *a, **kw: None)  # SymPy "cannot prove" it
    assert engine.check(_result(_true)).steps[0].status == "undecided"
    assert [json.loads(p.read_text())["status"] for p in _entries(cache_dir)] == ["undecided"]


def test_verdict_cache_key_changes_with_everything_that_decides_the_verdict(monkeypatch):
    import random

    decl = Declarations()
    x, y = decl.symbol("x", REALS), decl.symbol("y", POSITIVE)

    def ctx(**kw):
        base = {"decl": decl, "rng": random.Random("a:0"), "points": 5, "time_limit": 20.0}
        return ProofContext(**{**base, **kw})

    claim = _true(x, y)
    k = verdict_cache.key(claim, ctx())
    assert k == verdict_cache.key(_true(x, y), ctx())  # same content, same key
    other_decl = Declarations()
    other_decl.symbol("x", REALS), other_decl.symbol("y", sp.Interval.open(0, 1))
    changed = {
        "claim": verdict_cache.key(Equal((x + y) ** 2, x**2 - 2 * x * y + y**2), ctx()),
        "seed": verdict_cache.key(claim, ctx(rng=random.Random("a:1"))),
        "points": verdict_cache.key(claim, ctx(points=6)),
        "time limit": verdict_cache.key(claim, ctx(time_limit=19.0)),
        "previous": verdict_cache.key(claim, ctx(previous=x)),
        "previous equation": verdict_cache.key(claim, ctx(previous_equation=sp.Eq(x, y))),
        "domains": verdict_cache.key(claim, ctx(decl=other_decl)),
    }
    decl2 = Declarations(dict(decl.domains))
    decl2.require(x > 0)
    changed["constraints"] = verdict_cache.key(claim, ctx(decl=decl2))
    decl3 = Declarations(dict(decl.domains))
    decl3.function("f", POSITIVE)
    changed["functions"] = verdict_cache.key(claim, ctx(decl=decl3))
    monkeypatch.setattr(decide, "REL_TOL", sp.Float("1e-3"))
    changed["engine constant"] = verdict_cache.key(claim, ctx())
    monkeypatch.undo()
    monkeypatch.setattr(decide, "close", lambda *a, **kw: True)
    changed["engine code"] = verdict_cache.key(claim, ctx())
    monkeypatch.undo()
    assert verdict_cache.key(claim, ctx()) == k  # the code is back: so is the key
    same = [name for name, v in changed.items() if v == k or v is None]
    assert not same, f"the key ignores: {same}"
    assert len(set(changed.values())) == len(changed)


def test_verdict_cache_key_is_blind_to_fresh_dummies_only():
    import random

    decl = Declarations()
    y = decl.symbol("y", POSITIVE)
    rng = random.Random(0)
    d1, d2 = sp.Dummy("t", positive=True), sp.Dummy("t", positive=True)
    a = verdict_cache.key(Equal(sp.Integral(d1, (d1, 0, y)), y**2 / 2), ProofContext(decl=decl, rng=rng))
    b = verdict_cache.key(Equal(sp.Integral(d2, (d2, 0, y)), y**2 / 2), ProofContext(decl=decl, rng=rng))
    assert a == b
    # Two distinct dummies stay distinct: t₁ − t₂ is not t₁ − t₁.
    c = verdict_cache.key(Equal(d1 - d2, sp.Integer(0)), ProofContext(decl=decl, rng=rng))
    e = verdict_cache.key(Equal(d1 - d1 + d2 - d2, sp.Integer(0)), ProofContext(decl=decl, rng=rng))
    assert c != e


def test_verdict_cache_skips_claims_that_read_other_steps_or_run_programs():
    import random

    decl = Declarations()
    x = decl.symbol("x", REALS)
    ctx = ProofContext(decl=decl, rng=random.Random(0))
    for claim in (Conclude(x, "=", x, "a", "b"), Executable("runs", lambda: (True, "")), Definition(x, x)):
        assert verdict_cache.key(claim, ctx) is None
    assert verdict_cache.key(Equal(x, x), ctx) is not None
    assert verdict_cache.key(Equal(x, object()), ctx) is None  # a field the key cannot describe


def test_verdict_cache_ignores_a_damaged_entry(cache_dir):
    engine.check(_result(_true))
    for path in _entries(cache_dir):
        path.write_text("{not json")
    verdict_cache._state["memory"].clear()
    assert engine.check(_result(_true)).steps[0].status == "pass"
    for path in _entries(cache_dir):
        path.write_text(json.dumps({"status": "maybe", "message": "", "rng": [3, [], None]}))
    verdict_cache._state["memory"].clear()
    assert engine.check(_result(_true)).steps[0].status == "pass"


def test_verdict_cache_warm_for_the_proof_does_not_pass_a_planted_error():
    from derivations import registry
    from derivations.planted import check_planted, step_index

    result = registry.get(registry.ids()[0])
    assert engine.check(result).status == "pass"
    for planted in result.planted:
        report = check_planted(result, planted)
        at = step_index(result.build()[1], planted, result.id)
        assert [s.index for s in report.steps if s.status in ("fail", "error", "undecided")] == [at]


def test_verify_no_cache_writes_and_reads_nothing(cache_dir, capsys):
    from derivations import registry
    from derivations.cli import main

    rid = registry.ids()[0]
    assert main(["verify", rid, "--no-cache"]) == 0
    assert _entries(cache_dir) == []
    verdict_cache.disable(False)
    assert main(["verify", rid]) == 0
    assert _entries(cache_dir)
