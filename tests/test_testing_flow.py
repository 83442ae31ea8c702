"""derivations.testing flows, Fréchet distance and ridge: correct implementations pass, planted bugs fail."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import torch

from derivations.testing import TheoryMismatch, assert_flow, assert_frechet_distance, assert_ridge_solver


def coupling(x):
    """RealNVP affine coupling (x₁, x₂) ↦ (x₁, x₂e^{s(x₁)} + t(x₁)), log|det| = s(x₁)."""
    s, t = torch.tanh(x[:, :1]), 0.5 * torch.sin(x[:, :1])
    return torch.cat([x[:, :1], x[:, 1:] * s.exp() + t], 1), s.squeeze(1)


def coupling_inverse(z):
    s, t = torch.tanh(z[:, :1]), 0.5 * torch.sin(z[:, :1])
    return torch.cat([z[:, :1], (z[:, 1:] - t) * (-s).exp()], 1)


def test_testing_flow_passes_on_affine_and_coupling_flows() -> None:
    affine = lambda x: (2 * x + 1, torch.full(x.shape[:1], math.log(2.0), dtype=x.dtype))  # noqa: E731
    assert_flow(affine, lambda z: (z - 1) / 2, dim=1, max_examples=5)
    assert_flow(coupling, coupling_inverse, dim=2, cells=120, max_examples=5)


def test_testing_flow_with_wrong_log_det_sign_is_caught() -> None:
    with pytest.raises(TheoryMismatch, match="sign flipped") as err:
        assert_flow(lambda x: (coupling(x)[0], -coupling(x)[1]), coupling_inverse, dim=2, max_examples=5)
    assert "cov.flow_density" in str(err.value)


def test_testing_flow_with_a_wrong_inverse_is_caught() -> None:
    with pytest.raises(TheoryMismatch, match="inverse"):
        assert_flow(coupling, lambda z: z, dim=2, integrate=False, max_examples=5)


def test_testing_models_maf_passes() -> None:
    from models.flow import MAF, rq_spline

    torch.manual_seed(0)
    flow = MAF(dim=2, blocks=2, hidden=16).double()
    with torch.no_grad():  # leave the identity start: random output weights make each block a real spline
        for made in flow.blocks:
            made.net[-1].weight.normal_(0, 0.3)
    flow = copy.deepcopy(flow)

    def inverse(z):
        u = z
        for made in reversed(flow.blocks):
            u = u.flip(-1)
            x = torch.zeros_like(u)
            for i in range(flow.dim):
                x[:, i] = rq_spline(u[:, i], made(x)[:, i], inverse=True)[0]
            u = x
        return u

    assert_flow(flow.to_base, inverse, dim=2, cells=40, box=8.0, max_examples=2)


def test_testing_frechet_distance_passes_and_catches_an_entrywise_root() -> None:
    from scipy.linalg import sqrtm

    def fd(m1, s1, m2, s2, root=lambda a: np.real(sqrtm(a))):
        m1, s1, m2, s2 = (np.asarray(v.cpu(), dtype=float) for v in (m1, s1, m2, s2))
        return float(((m1 - m2) ** 2).sum() + np.trace(s1 + s2 - 2 * root(s1 @ s2)))

    assert_frechet_distance(fd, max_examples=8)
    with pytest.raises(TheoryMismatch, match="entrywise square root"):
        assert_frechet_distance(lambda *a: fd(*a, root=lambda m: np.sqrt(np.abs(m))), max_examples=8)


def test_testing_models_frechet_distance_passes() -> None:
    from models import metrics

    class Identity(torch.nn.Module):
        def __init__(self, d: int) -> None:
            super().__init__()
            self.num_features = d

        def forward(self, x):
            return x.flatten(1).double()

    def fd(real, fake):
        return metrics.frechet_distance(Identity(real.shape[1]), real[:, None, None, :], fake[:, None, None, :])

    assert_frechet_distance(fd, inputs="samples", max_examples=5)


def test_testing_ridge_passes_on_sklearn() -> None:
    from sklearn.linear_model import Ridge

    def sk(X, y, alpha):
        m = Ridge(alpha=float(alpha)).fit(X.cpu().double().numpy(), y.cpu().double().numpy())
        return m.coef_, m.intercept_

    assert_ridge_solver(sk, objective="sum", max_examples=5)


@pytest.mark.slow  # shrinking re-evaluates the exact (30-digit) closed form many times: ~30 s on a busy machine
def test_testing_ridge_with_a_penalized_bias_is_caught() -> None:
    def penalized_bias(X, y, lam):
        n = len(y)
        Z = torch.cat([torch.ones(n, 1, dtype=X.dtype), X], 1)
        beta = torch.linalg.solve(Z.T @ Z + n * lam * torch.eye(Z.shape[1], dtype=X.dtype), Z.T @ y)
        return beta[1:], beta[0]

    with pytest.raises(TheoryMismatch, match="intercept is penalized") as err:
        assert_ridge_solver(penalized_bias, max_examples=8)
    assert "ridge.closed_form" in str(err.value)


@pytest.mark.slow  # shrinking re-evaluates the exact closed form: ~15 s on a busy machine
def test_testing_ridge_with_lambda_not_scaled_by_n_is_caught() -> None:
    from sklearn.linear_model import Ridge

    def sk_mean_objective_misread(X, y, lam):  # sklearn's α is nλ for the catalog's mean objective; λ passed
        m = Ridge(alpha=float(lam)).fit(X.cpu().double().numpy(), y.cpu().double().numpy())
        return m.coef_, m.intercept_

    with pytest.raises(TheoryMismatch, match="λ used where nλ belongs"):
        assert_ridge_solver(sk_mean_objective_misread, objective="mean", max_examples=4)
