"""ELBO estimators against vae.elbo_jensen and vae.optimal_posterior, on a finite latent set where log p(x) is exact.

The model: prior p(z_k) and likelihood p(x|z_k) on K latent points (a
catalog strategy, ``latent_models``), q a full-support distribution on them.
The catalog gives log p(x) = log Σ_k p(x|z_k)p(z_k) ("marginal_likelihood"),
ELBO(q) = E_q[log p(x|z)] − KL(q‖p(z)) ("elbo") and the posterior
p(z|x) ("posterior").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import strategies as st

from derivations import strategies as S  # noqa: N812
from derivations.numeric import bounds
from derivations.testing._failure import TheoryMismatch, describe
from derivations.testing._run import call, examples, for_all, numeric, to_numpy

__all__ = ["assert_elbo_estimator"]

RID = "vae.elbo_jensen"
#: Rates of the Monte Carlo comparison of the estimator's mean with the catalog ELBO, over the whole assertion.
FALSE_FAIL = FALSE_PASS = 1e-6
#: Smallest bias of the estimator's mean (in nats) the assertion must detect.
DETECTABLE_GAP = 0.05


def elbo_plan(draws: int, width: float) -> tuple[int, float]:
    """(samples, threshold): Hoeffding for the mean of i.i.d. log p(x,z) − log q(z) ∈ an interval of ``width``.

    Each draw's comparison gets rate r = FALSE_FAIL/draws (union bound); with
    ε = DETECTABLE_GAP/2, a correct estimator's mean misses the ELBO by more
    than ε with probability ≤ r, and one biased by ≥ 2ε lands within ε of it
    with probability ≤ r.

    Args:
        draws: how many examples share the error budget.
        width: the width of the interval the per-sample terms lie in.

    Returns:
        (the sample size, the threshold ε).
    """
    rate = min(FALSE_FAIL, FALSE_PASS) / draws
    eps = DETECTABLE_GAP / 2
    return bounds.hoeffding_n(eps, rate, width), eps


def assert_elbo_estimator(estimator: Callable[[Callable[[Any], Any], Any, int], Any], *,
                          max_examples: int | None = None) -> None:
    """``estimator(log_joint, q, num_samples)`` estimates ELBO = E_q[log p(x, z) − log q(z)] ≤ log p(x).

    On Hypothesis-drawn finite latent models (2–6 latent points, prior masses
    ≥ 1e-3·, likelihoods in [1e-3, 1]) and variational q
    (``torch.distributions.Categorical``), float64:

    * at the true posterior q = p(z|x) (catalog "posterior", vae.optimal_posterior)
      every estimate equals log p(x) exactly (zero variance);
    * unbiased: the mean of the estimates equals the catalog's ELBO(q)
      (Hoeffding, :func:`elbo_plan`: false-fail and false-pass rates ≤ 1e-6 for a
      bias ≥ 0.05 nats), hence it is ≤ log p(x) ("marginal_likelihood"), which is
      checked too.

    Args:
        estimator: ``estimator(log_joint, q, num_samples) -> tensor`` (a scalar, the mean over its samples);
            ``log_joint(z)`` returns log p(x, z) for integer latents z, ``q`` has ``sample``/``log_prob``.
        max_examples: Hypothesis examples (default 20; the Monte Carlo part uses up to 4 of them).

    Raises:
        TheoryMismatch: naming vae.elbo_jensen / vae.optimal_posterior, the model, expected and actual.

    >>> def elbo(log_joint, q, n):
    ...     z = q.sample((n,))
    ...     return (log_joint(z) - q.log_prob(z)).mean()
    >>> assert_elbo_estimator(elbo, max_examples=3)
    """
    import torch
    from torch.distributions import Categorical

    def funcs(k: int) -> tuple[Callable, Callable, Callable]:
        spec = ("list", k, "+")
        return (numeric(RID, "marginal_likelihood", spec, spec), numeric(RID, "elbo", spec, spec, spec),
                numeric(RID, "posterior", spec, spec))

    def log_joint_of(prior: np.ndarray, lik: np.ndarray) -> Callable[[Any], Any]:
        table = torch.tensor(np.log(lik) + np.log(prior), dtype=torch.float64)
        return lambda z: table[z]

    n_draws = examples(max_examples)

    def at_posterior(ex: tuple) -> None:
        (prior, lik), _ = ex
        k = prior.size
        marg, _, post = funcs(k)
        log_px = float(np.log(marg(lik, prior)))
        q_probs = post(lik, prior).ravel()
        q = Categorical(probs=torch.tensor(q_probs, dtype=torch.float64))
        inputs = {"prior": prior, "likelihood p(x|z)": lik, "q = posterior": q_probs}
        prop = "at q = p(z|x) the ELBO estimate equals log p(x) (every sample)"
        got = float(to_numpy(call(estimator, log_joint_of(prior, lik), q, 16, prop=prop,
                                  result_id="vae.optimal_posterior", inputs=inputs)))
        if not abs(got - log_px) <= 1e-9 * (1 + abs(log_px) + np.abs(np.log(lik)).max()):
            raise TheoryMismatch(prop, "vae.optimal_posterior", describe(**inputs), log_px, got,
                                 hint="sign of log q flipped or KL term added instead of subtracted"
                                 if got > log_px else "a term is missing or mis-weighted",
                                 source="vae.elbo_jensen formulas marginal_likelihood, posterior")

    for_all(st.tuples(S.latent_models(), st.just(0)), at_posterior, n_draws)

    mc_draws = min(n_draws, 4)

    def unbiased(ex: tuple) -> None:
        (prior, lik), q_probs = ex
        k = prior.size
        marg, elbo, _ = funcs(k)
        log_px = float(np.log(marg(lik, prior)))
        want = float(elbo(q_probs, lik, prior))
        values = np.log(lik) + np.log(prior) - np.log(q_probs)
        n, eps = elbo_plan(mc_draws, float(values.max() - values.min()) + 1e-12)
        q = Categorical(probs=torch.tensor(q_probs, dtype=torch.float64))
        inputs = {"prior": prior, "likelihood p(x|z)": lik, "q": q_probs}
        prop = "the ELBO estimator is unbiased: its mean over samples is E_q[log p(x,z) − log q(z)]"
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(7)
            got = float(to_numpy(call(estimator, log_joint_of(prior, lik), q, n, prop=prop, result_id=RID,
                                      inputs=inputs)))
        if not got <= log_px + eps:
            raise TheoryMismatch("the ELBO estimate is ≤ log p(x) (up to its Monte Carlo error)", RID,
                                 describe(**inputs), f"≤ {log_px:.8g} + {eps:g}", got,
                                 hint="the KL/entropy sign is flipped (ELBO ≤ log p(x) always)",
                                 source=f"{RID} formula marginal_likelihood; Hoeffding with n = {n}")
        if not abs(got - want) <= eps:
            hint = None
            if got > log_px + eps:
                hint = "the estimate exceeds log p(x): the KL/entropy sign is flipped (ELBO ≤ log p(x) always)"
            raise TheoryMismatch(prop, RID, describe(**inputs), f"{want:.8g} ± {eps:g} (log p(x) = {log_px:.8g})",
                                 got, hint=hint, source=f"{RID} formula elbo; Hoeffding with n = {n}, "
                                 f"false-fail/false-pass ≤ {FALSE_FAIL:g}, detectable bias {DETECTABLE_GAP}")
        if not want <= log_px + 1e-12:
            raise TheoryMismatch("ELBO ≤ log p(x)", RID, describe(**inputs), log_px, want)

    strat = S.latent_models().flatmap(lambda m: st.tuples(st.just(m), S.probability_vectors(size=m[0].size,
                                                                                             floor_ratio=20.0)))
    for_all(strat, unbiased, mc_draws)
