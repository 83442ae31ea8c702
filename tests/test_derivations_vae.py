"""Focused tests of the VAE derivations: closed forms against PyTorch, the check kinds they rely on,
and the executable claims about sample() and rsample()."""

from __future__ import annotations

import dataclasses
import random

import pytest
import sympy as sp
import torch
from torch.distributions import Bernoulli as TorchBernoulli
from torch.distributions import Categorical, Normal, kl_divergence

from derivations import engine, registry, vae
from derivations.claims import PREV, Conclude, ConvexBound, Equal, JensenStep, ProofContext
from derivations.domains import POSITIVE, REALS, Declarations, DomainError
from derivations.functions import elementary
from derivations.planted import located, planted_copy

#: The results whose cards live in derivations/vae.py, found in the registry (no hand-kept list).
VAE_IDS = [r.id for r in registry.results() if r.build.__module__ == vae.__name__]


def _num(e: sp.Basic) -> float:
    return float(sp.N(elementary(sp.sympify(e)), 30))


def _ctx(decl: Declarations, seed: int = 0) -> ProofContext:
    return ProofContext(decl=decl, rng=random.Random(seed), points=5)


# --- the catalog entries -------------------------------------------------------
def test_derivations_vae_ids_name_their_module():
    assert VAE_IDS, "derivations/vae.py registers no result"
    assert VAE_IDS == [i for i in registry.ids() if i.startswith("vae.")]


@pytest.mark.parametrize("result_id", VAE_IDS)
def test_derivations_vae_formulas_are_public_sympy_functions(result_id):
    result = registry.get(result_id)
    assert result.formulas, f"{result_id} exposes no closed form"
    for name, fn in result.formulas.items():
        assert not fn.__name__.startswith("_"), name
        assert fn.__doc__ and "args" in fn.__doc__, f"{name}: docstring must list the argument order"


@pytest.mark.parametrize("result_id", VAE_IDS)
def test_derivations_vae_planted_errors_on_distinct_steps(result_id):
    result = registry.get(result_id)
    steps = [k for k, _ in located(result)]
    assert len(set(steps)) >= 3, f"{result_id}: needs ≥ 3 planted errors on different steps"
    for k, p in located(result):
        original = result.steps[k - 1].claim
        mutated = planted_copy(result, p).steps[k - 1].claim
        assert mutated != original, f"{result_id}: planted '{p.what}' leaves step {k} ({p.at!r}) unchanged"
        assert original.kind not in ("definition", "hypothesis"), "planted on an unchecked step"


# --- closed forms against torch.distributions ------------------------------------
@pytest.mark.parametrize(("m1", "s1", "m2", "s2"), [(0.3, 0.7, -1.2, 1.9), (2.0, 1.5, 2.0, 0.4), (0.0, 1.0, 0.0, 1.0)])
def test_derivations_vae_kl_normal_matches_torch(m1, s1, m2, s2):
    want = kl_divergence(Normal(torch.tensor(m1, dtype=torch.float64), torch.tensor(s1, dtype=torch.float64)),
                         Normal(torch.tensor(m2, dtype=torch.float64), torch.tensor(s2, dtype=torch.float64)))
    assert _num(vae.kl_normal(m1, s1, m2, s2)) == pytest.approx(want.item(), rel=1e-12, abs=1e-14)
    if s1 == s2:
        assert _num(vae.kl_normal_equal_variance(m1, m2, s1)) == pytest.approx(want.item(), rel=1e-12)


def test_derivations_vae_kl_to_standard_normal_matches_torch():
    mu = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64)
    sigma = torch.tensor([0.3, 1.0, 2.5], dtype=torch.float64)
    want = kl_divergence(Normal(mu, sigma), Normal(torch.zeros(3, dtype=torch.float64),
                                                   torch.ones(3, dtype=torch.float64))).sum()
    got = vae.kl_to_standard_normal([sp.Float(v) for v in mu.tolist()], [sp.Float(v) for v in sigma.tolist()])
    assert _num(got) == pytest.approx(want.item(), rel=1e-12)


def test_derivations_vae_kl_discrete_and_optimal_posterior_match_torch():
    q = [sp.Rational(1, 2), sp.Rational(1, 3), sp.Rational(1, 6)]
    p = [sp.Rational(1, 5), sp.Rational(3, 5), sp.Rational(1, 5)]
    want = kl_divergence(Categorical(probs=torch.tensor([float(v) for v in q], dtype=torch.float64)),
                         Categorical(probs=torch.tensor([float(v) for v in p], dtype=torch.float64)))
    assert _num(vae.kl_discrete(q, p)) == pytest.approx(want.item(), rel=1e-12)
    lik = [sp.Rational(3, 10), sp.Rational(1, 10), sp.Rational(7, 10)]
    post = vae.posterior(lik, p)
    assert _num(sum(post)) == pytest.approx(1.0)
    log_px = _num(sp.log(vae.marginal_likelihood(lik, p)))
    assert _num(vae.elbo(post, lik, p)) == pytest.approx(log_px, rel=1e-12)
    assert _num(vae.elbo(q, lik, p)) < log_px  # any other q is strictly below


def test_derivations_vae_decoder_nlls_match_torch():
    x = torch.tensor([0.2, -1.3, 0.8], dtype=torch.float64)
    f = torch.tensor([0.0, -1.0, 1.5], dtype=torch.float64)
    sigma = 0.7
    want = -Normal(f, torch.full_like(f, sigma)).log_prob(x).sum()
    got = vae.gaussian_nll([sp.Float(v) for v in x.tolist()], [sp.Float(v) for v in f.tolist()], sp.Float(sigma))
    assert _num(got) == pytest.approx(want.item(), rel=1e-12)

    y = torch.tensor([1.0, 0.0, 1.0], dtype=torch.float64)
    h = torch.tensor([0.4, -2.0, 3.0], dtype=torch.float64)
    g = torch.sigmoid(h)
    want_bce = torch.nn.functional.binary_cross_entropy(g, y, reduction="sum")
    assert want_bce.item() == pytest.approx(-TorchBernoulli(probs=g).log_prob(y).sum().item())
    ys, gs, hs = ([sp.Float(v) for v in t.tolist()] for t in (y, g, h))
    assert _num(vae.bernoulli_nll(ys, gs)) == pytest.approx(want_bce.item(), rel=1e-10)
    want_logits = torch.nn.functional.binary_cross_entropy_with_logits(h, y, reduction="sum")
    assert _num(vae.bernoulli_nll_logits(ys, hs)) == pytest.approx(want_logits.item(), rel=1e-12)


def test_derivations_vae_reparameterized_gradient_matches_autograd():
    torch.manual_seed(0)
    mu = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
    sigma = torch.tensor(1.3, dtype=torch.float64, requires_grad=True)
    z = Normal(mu, sigma).rsample((200_000,))
    (z**2).mean().backward()
    grad = vae.second_moment_gradient(sp.Float(0.7), sp.Float(1.3))
    # Monte Carlo: standard errors are about 2σ·sd(ε)/√n and 2σ·sd(ε²)/√n, i.e. ≤ 0.01 here.
    assert mu.grad.item() == pytest.approx(float(grad[0]), abs=0.03)
    assert sigma.grad.item() == pytest.approx(float(grad[1]), abs=0.03)
    assert _num(vae.sigma_from_log_variance(sp.log(sp.Float(1.3) ** 2))) == pytest.approx(1.3)


# --- the check kinds the VAE results added ---------------------------------------
def test_derivations_convex_bound_rejects_a_non_convex_function():
    decl = Declarations()
    t = decl.symbol("t", POSITIVE)
    # −(t − 1)² is stationary at 1 with value 0 but concave: "−(t−1)² ≥ 0" is false.
    claim = ConvexBound(-(t - 1) ** 2, sp.Integer(0), -(t - 1) ** 2, (t,), (t,), (sp.Integer(1),))
    assert claim.verify(_ctx(decl)).status in ("fail", "error", "undecided")


def test_derivations_convex_bound_rejects_a_point_outside_the_domain():
    decl = Declarations()
    t = decl.symbol("t", POSITIVE)
    s = decl.symbol("s", REALS)
    # t − 1 − log t ≥ 0 holds only for t > 0; applying it at −e^s must not pass.
    f = vae.gibbs_gap(t)
    claim = ConvexBound(vae.gibbs_gap(-sp.exp(s)), sp.Integer(0), f, (t,), (-sp.exp(s),), (sp.Integer(1),))
    assert not claim.verify(_ctx(decl)).ok


def test_derivations_convex_bound_proves_gibbs():
    decl = Declarations()
    t = decl.symbol("t", POSITIVE)
    claim = ConvexBound(vae.gibbs_gap(t), sp.Integer(0), vae.gibbs_gap(t), (t,), (t,), (sp.Integer(1),))
    assert claim.verify(_ctx(decl)).status == "pass"


def test_derivations_jensen_step_checks_its_left_side_and_chains():
    decl = Declarations()
    a, b = decl.symbol("a", POSITIVE), decl.symbol("b", POSITIVE)
    y = sp.Dummy("y", positive=True)
    w = (sp.Rational(1, 3), sp.Rational(2, 3))
    log = sp.Lambda(y, sp.log(y))
    right = JensenStep(sp.log(a / 3 + 2 * b / 3), log, w, (a, b))
    assert right.verify(_ctx(decl)).status == "pass"
    assert right.op == ">=" and dataclasses.replace(right, concave=False).op == "<="
    wrong = JensenStep(sp.log(a / 2 + b / 2), log, w, (a, b))
    assert wrong.verify(_ctx(decl)).status == "fail"
    # In a chain, Conclude carries the inequality through.
    from derivations.engine import Result, Step
    steps = [Step("start", Equal(sp.log(a / 3 + 2 * b / 3), sp.log(a / 3 + 2 * b / 3)), label="s"),
             Step("Jensen", JensenStep(PREV, log, w, (a, b)), label="j"),
             Step("chain", Conclude(sp.log(a / 3 + 2 * b / 3), ">=", right.rhs(), "s", "j"))]
    report = engine.check(Result(id="t.jensen", title="", statement="", build=lambda: (decl, steps)))
    assert report.status == "pass", [(s.index, s.status, s.message) for s in report.steps]


def test_derivations_random_symbols_bound_but_their_parameters_declared():
    from sympy.stats import E as Expect
    from sympy.stats import Normal as SNormal

    decl = Declarations()
    s = decl.symbol("s", POSITIVE)
    m = sp.Symbol("m", real=True)
    assert decl.undeclared(Expect(SNormal("Z", 0, s) ** 2, evaluate=False)) == []
    assert decl.undeclared(Expect(SNormal("Z", m, s) ** 2, evaluate=False)) == ["m"]
    steps = [engine.Step("moment", Equal(Expect(SNormal("Z", m, s) ** 2, evaluate=False), m**2 + s**2))]
    with pytest.raises(DomainError):
        engine.check(engine.Result(id="t.rv", title="", statement="", build=lambda: (decl, steps)))


# --- the executable claims -------------------------------------------------------
def test_derivations_vae_observed_claim_fails_when_wrong():
    probe = vae._single_threaded(vae._probe_sample_vs_rsample)
    assert vae.Observed(probe, (False, True))()[0]
    ok, message = vae.Observed(probe, (True, True))()
    assert not ok and "claimed (True, True)" in message


def test_derivations_vae_torch_probes_are_deterministic_and_restore_threads():
    threads = torch.get_num_threads()
    probe = vae._single_threaded(vae._probe_sketch4_fix)
    first, second = probe(), probe()
    assert first == second
    assert torch.get_num_threads() == threads
