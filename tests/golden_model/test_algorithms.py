"""Algorithm 1 against theory: Theorem 1 of the scaling paper, finite difference, coordinate descent."""

import math

import numpy as np
import pytest

from mgd.golden_model.algorithms import DiscreteMGD
from mgd.golden_model.config import MGDConfig
from mgd.golden_model.network import MLP
from mgd.golden_model.objective import LinearObjective, NetworkObjective
from mgd.golden_model.optimizers import SGD
from mgd.golden_model.perturbations import RandomCode, Sequential
from mgd.golden_model.samples import ArrayOrder

# ----------------------------------------------------------------------------------------------- Theorem 1

C_LINEAR = np.array([1.0, -2.0, 0.5, 3.0, 0.0])
#: E[u⁴]/E[u²]² of the unit distributions: ±1 → 1, U[−1, 1] → (1/5)/(1/3)² = 9/5, N(0, 1) → 3
KURTOSIS = {"binary": 1.0, "uniform": 9.0 / 5.0, "gaussian": 3.0}


def theorem1_covariance(c, tau, kurtosis):
    """Cov(G) of Theorem 1 for i.i.d. perturbations (σ_μ = σ_m): off-diagonal c_m c_n/τ, diagonal
    (c_m²(α⁴/σ⁴ − 1) + Σ_{μ≠m} c_μ²)/τ."""
    cov = np.outer(c, c) / tau
    total = np.sum(c**2)
    for m in range(len(c)):
        cov[m, m] = (c[m] ** 2 * (kurtosis - 1.0) + (total - c[m] ** 2)) / tau
    return cov


@pytest.mark.parametrize("distribution", ["binary", "uniform", "gaussian"])
@pytest.mark.parametrize("tau", [1, 8])
def test_theorem1_mean_and_covariance_of_G(distribution, tau):
    """G (normalised by 1/τθ as in the theorem) of a linear cost: E[G] = ∇C and Cov(G) as derived in Theorem 1.

    Each of the S seeds is an independent trial. Bounds: 5 standard errors, where the standard error of the sample
    mean is sqrt(Cov_mm/S) (theory) and that of a sample covariance entry is sqrt(E[(X_m−X̄_m)²(X_n−X̄_n)²] −
    ĉ_mn²)/√S (estimated from the same sample)."""
    S, P = 40_000, len(C_LINEAR)
    config = MGDConfig(dtheta=0.01, tau_theta=math.inf, eta=0.0).validate()
    rng = np.random.default_rng(2024)
    source = RandomCode(S, P, rng, distribution)
    algo = DiscreteMGD(
        config, LinearObjective(C_LINEAR[None]), np.zeros((S, P)), source, ArrayOrder([0], S), SGD(0.0), rng
    )
    for _ in range(tau):
        algo.step()
    G = algo.G / tau
    cov_theory = theorem1_covariance(C_LINEAR, tau, KURTOSIS[distribution])

    mean = G.mean(axis=0)
    se_mean = np.sqrt(np.diag(cov_theory) / S)
    assert np.all(np.abs(mean - C_LINEAR) <= 5 * se_mean + 1e-12), (mean, C_LINEAR, se_mean)

    dev = G - mean
    cov = dev.T @ dev / (S - 1)
    fourth = (dev[:, :, None] ** 2 * dev[:, None, :] ** 2).mean(axis=0)
    se_cov = np.sqrt(np.maximum(fourth - cov**2, 0.0) / S)
    assert np.all(np.abs(cov - cov_theory) <= 5 * se_cov + 1e-12), (cov, cov_theory, se_cov)
    # and the check has teeth: the diagonal term (α⁴/σ⁴ − 1) separates the distributions
    if distribution != "binary":
        wrong = theorem1_covariance(C_LINEAR, tau, KURTOSIS["binary"])
        assert np.any(np.abs(cov - wrong) > 5 * se_cov)


def test_theorem1_norm_bias_for_binary_codes():
    """Eq. 21: E‖G‖² = (1 + (K−1)/τθ)‖∇C‖² for ±Δθ codes."""
    S, P, tau = 40_000, len(C_LINEAR), 4
    config = MGDConfig(dtheta=0.01, tau_theta=math.inf, eta=0.0).validate()
    rng = np.random.default_rng(7)
    algo = DiscreteMGD(
        config,
        LinearObjective(C_LINEAR[None]),
        np.zeros((S, P)),
        RandomCode(S, P, rng),
        ArrayOrder([0], S),
        SGD(0.0),
        rng,
    )
    for _ in range(tau):
        algo.step()
    sq = np.sum((algo.G / tau) ** 2, axis=1)
    expected = (1 + (P - 1) / tau) * np.sum(C_LINEAR**2)
    assert abs(sq.mean() - expected) <= 5 * sq.std() / np.sqrt(S)


# ------------------------------------------------------------------------------ finite difference / coordinate


def _xor_objective(mlp):
    x = np.array([[0.3, 0.8]])  # no zero input: every parameter has a non-zero partial
    y = np.array([[1.0]])
    return NetworkObjective(mlp, x, y), x, y


def _forward_difference(mlp, theta, x, y, dtheta):
    c0 = MLP.cost(mlp.forward(theta, x), y[None])
    fd = np.empty_like(theta)
    for i in range(theta.shape[1]):
        t = theta.copy()
        t[:, i] += dtheta
        fd[:, i] = (MLP.cost(mlp.forward(t, x), y[None]) - c0) / dtheta
    return fd


@pytest.mark.parametrize("tau_p", [1, 3])
def test_sequential_with_tau_theta_P_tau_p_is_forward_finite_difference(tau_p):
    mlp = MLP((2, 2, 1))
    S, P, dtheta = 3, mlp.n_params, 1e-3
    objective, x, y = _xor_objective(mlp)
    theta0 = np.random.default_rng(5).uniform(-1, 1, (S, P))
    config = MGDConfig(
        dtheta=dtheta, tau_p=tau_p, tau_x=10**9, tau_theta=P * tau_p, eta=0.0, perturbation="sequential"
    ).validate()
    algo = DiscreteMGD(config, objective, theta0, Sequential(S, P), ArrayOrder([0], S), SGD(0.0), None)
    for _ in range(P * tau_p - 1):  # stop one step before the update clears G
        algo.step()
    algo.optimizer = _Capture()
    algo.step()
    assert algo.updated
    fd = _forward_difference(mlp, theta0, x, y, dtheta)
    # G integrates each pulse for τp steps. Float precision: C̃ = C − C₀ cancels, so a few ulp of C (≤ 1) are
    # amplified by 1/Δθ, once per accumulated step
    atol = 8 * np.finfo(float).eps / dtheta * tau_p
    np.testing.assert_allclose(algo.optimizer.G, tau_p * fd, rtol=0, atol=atol)


class _Capture:
    """An optimizer that records the G it is given and leaves θ alone."""

    def step(self, theta, G):
        self.G = G.copy()
        return theta


def test_sequential_with_tau_theta_equal_tau_p_is_coordinate_descent():
    mlp = MLP((2, 2, 1))
    S, P, dtheta, eta = 2, mlp.n_params, 1e-3, 0.7
    objective, x, y = _xor_objective(mlp)
    theta0 = np.random.default_rng(6).uniform(-1, 1, (S, P))
    config = MGDConfig(dtheta=dtheta, tau_p=1, tau_x=10**9, tau_theta=1, eta=eta, perturbation="sequential").validate()
    algo = DiscreteMGD(config, objective, theta0, Sequential(S, P), ArrayOrder([0], S), SGD(eta), None)
    expected = theta0.copy()
    for step in range(3 * P):
        i = step % P
        c0 = MLP.cost(mlp.forward(expected, x), y[None])
        t = expected.copy()
        t[:, i] += dtheta
        expected[:, i] -= eta * (MLP.cost(mlp.forward(t, x), y[None]) - c0) / dtheta
        before = algo.theta.copy()
        algo.step()
        changed = np.flatnonzero(np.any(algo.theta != before, axis=0))
        assert changed.tolist() == [i]  # one coordinate at a time
        # float precision: C̃ = C − C₀ cancels, so its rounding (a few ulp of C ≤ 1) is amplified by η/Δθ per step
        atol = 8 * np.finfo(float).eps * eta / dtheta * (step + 1)
        np.testing.assert_allclose(algo.theta, expected, rtol=0, atol=atol)
