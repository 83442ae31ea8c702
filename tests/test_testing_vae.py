"""derivations.testing Gaussian KL, sampler and ELBO: torch.distributions and models.vae pass, planted bugs fail."""

from __future__ import annotations

import pytest
import torch
from torch.distributions import MultivariateNormal, Normal, kl_divergence

from derivations.testing import (
    TheoryMismatch,
    assert_elbo_estimator,
    assert_gaussian_kl,
    assert_kl_to_standard_normal,
    assert_reparameterized_sampler,
)
from derivations.testing.gaussian import sampler_plan
from models.vae import gaussian_kl

N = 8


def test_testing_kl_to_standard_normal_passes_on_models_and_torch() -> None:
    assert_kl_to_standard_normal(gaussian_kl, param="logvar", max_examples=N)
    std = lambda mu, s: kl_divergence(Normal(mu, s), Normal(torch.zeros_like(mu), torch.ones_like(s)))  # noqa: E731
    assert_kl_to_standard_normal(lambda mu, s: std(mu, s).sum(-1), param="sigma", max_examples=N)
    assert_kl_to_standard_normal(lambda mu, s: std(mu, s).sum(), param="sigma", reduction="sum", max_examples=N)


def test_testing_vae_kl_with_log_sigma_where_log_sigma_squared_belongs_is_caught() -> None:
    def buggy(mu, sigma):
        return 0.5 * (mu**2 + sigma**2 - 1 - torch.log(sigma)).sum(-1)

    with pytest.raises(TheoryMismatch, match="log σ where log σ² belongs") as err:
        assert_kl_to_standard_normal(buggy, param="sigma", max_examples=N)
    assert "vae.gaussian_kl" in str(err.value) and "generated/results/vae.gaussian_kl" in str(err.value)


def test_testing_gaussian_kl_diagonal_and_full_pass_on_torch() -> None:
    diag = lambda m1, v1, m2, v2: kl_divergence(Normal(m1, (v1 / 2).exp()), Normal(m2, (v2 / 2).exp())).sum(-1)  # noqa
    assert_gaussian_kl(diag, param="logvar", max_examples=N)
    full = lambda m1, c1, m2, c2: kl_divergence(MultivariateNormal(m1, c1), MultivariateNormal(m2, c2))  # noqa: E731
    assert_gaussian_kl(full, param="covariance", max_examples=N)


def test_testing_gaussian_kl_with_swapped_arguments_is_caught() -> None:
    swapped = lambda m1, s1, m2, s2: kl_divergence(Normal(m2, s2), Normal(m1, s1)).sum(-1)  # noqa: E731
    with pytest.raises(TheoryMismatch, match="arguments swapped"):
        assert_gaussian_kl(swapped, param="sigma", max_examples=N)


@pytest.mark.slow  # shrinking a full-covariance input: ~10 s on a busy machine
def test_testing_full_covariance_kl_with_swapped_arguments_is_caught() -> None:
    full = lambda m1, c1, m2, c2: kl_divergence(MultivariateNormal(m2, c2), MultivariateNormal(m1, c1))  # noqa: E731
    with pytest.raises(TheoryMismatch, match="arguments swapped"):
        assert_gaussian_kl(full, param="covariance", max_examples=N)


def test_testing_sampler_passes_on_rsample_and_states_its_rates() -> None:
    n, threshold = sampler_plan(4, 3)
    assert 10_000 < n < 100_000 and 0 < threshold < 0.03
    assert_reparameterized_sampler(lambda mu, lv: Normal(mu, (lv / 2).exp()).rsample(), max_examples=2)


@pytest.mark.parametrize("buggy, says", [
    (lambda mu, lv: mu + lv.exp() * torch.randn_like(mu), "exp"),  # σ² used as σ
    (lambda mu, lv: Normal(mu, (lv / 2).exp()).sample(), "rsample"),  # no gradient
])
def test_testing_planted_sampler_bugs_are_caught(buggy, says: str) -> None:
    with pytest.raises(TheoryMismatch, match=says) as err:
        assert_reparameterized_sampler(buggy, max_examples=2)
    assert "vae.reparameterization" in str(err.value)


def elbo(log_joint, q, n):
    z = q.sample((n,))
    return (log_joint(z) - q.log_prob(z)).mean()


def test_testing_elbo_estimator_passes_and_a_flipped_entropy_fails() -> None:
    assert_elbo_estimator(elbo, max_examples=3)
    with pytest.raises(TheoryMismatch) as err:
        assert_elbo_estimator(lambda lj, q, n: elbo(lj, q, n) + 2 * q.entropy(), max_examples=3)
    assert "vae.optimal_posterior" in str(err.value)
