"""The MGD gradient estimate on real networks: angle to the true gradient, node perturbation, Algorithm 2."""

import math

import numpy as np

from mgd.golden_model.algorithms import AnalogMGD, DiscreteMGD
from mgd.golden_model.config import MGDConfig
from mgd.golden_model.network import MLP
from mgd.golden_model.objective import LinearObjective, NetworkObjective
from mgd.golden_model.optimizers import SGD
from mgd.golden_model.perturbations import ArraySource, RandomCode
from mgd.golden_model.samples import ArrayOrder
from mgd.golden_model.training import gradient_angles, train


def test_angle_to_true_gradient_falls_with_integration_time_and_faster_for_fewer_parameters():
    """MGD paper Fig. 5: τθ = ∞, τx = τp = 1; the median angle over seeds falls with time, and the 2-2-1 network
    (9 parameters) is closer to the true gradient than 4-4-1 (25 parameters) at every time."""
    times = [10, 100, 1000]
    medians = {}
    for dataset in ("xor", "parity4"):
        cfg = MGDConfig(dataset=dataset, seeds=100, seed=3, init_scale=0.5, dtheta=0.01).validate()
        medians[dataset] = np.median(gradient_angles(cfg, times), axis=1)
    for m in medians.values():
        assert m[0] > m[1] > m[2]
    assert np.all(medians["xor"] < medians["parity4"])
    assert medians["xor"][-1] < 45.0  # well aligned (two random directions in 9-D are ~90° apart)


def _one_step_G(config, objective, theta, seeds, rng):
    algo = DiscreteMGD(
        config, objective, theta, RandomCode(seeds, objective.n_perturbed, rng), ArrayOrder([0], seeds), SGD(0.0), rng
    )
    algo.step()
    return algo.G


def test_node_perturbation_is_an_unbiased_estimate_of_the_weight_gradient():
    S = 40_000
    rng = np.random.default_rng(11)
    mlp = MLP((3, 4, 2))
    theta = np.tile(rng.uniform(-1, 1, mlp.n_params), (S, 1))
    x, y = np.array([[0.2, 0.9, 0.5]]), np.array([[1.0, 0.0]])
    cfg = MGDConfig(dtheta=1e-3, tau_theta=math.inf, perturb_target="node").validate()
    G = _one_step_G(cfg, NetworkObjective(mlp, x, y, target="node"), theta, S, rng)
    grad, _ = mlp.gradient(theta[:1], x, y)
    se = G.std(axis=0) / np.sqrt(S)
    assert np.all(np.abs(G.mean(axis=0) - grad[0]) <= 5 * se + 1e-9)
    # node perturbation has fewer perturbed quantities (6 neurons vs 26 weights): less variance per step
    Gw = _one_step_G(cfg.replace(perturb_target="weight"), NetworkObjective(mlp, x, y), theta, S, rng)
    assert np.sum(G.var(axis=0)) < np.sum(Gw.var(axis=0))


def test_analog_algorithm_follows_its_filter_equations():
    """Algorithm 2 on C = c·θ with a recorded perturbation sequence, against the recurrences written out here."""
    c = np.array([[0.5, -1.0, 2.0]])
    u = np.array([[1, -1, 1], [-1, -1, 1], [1, 1, -1], [-1, 1, 1], [1, -1, -1]], dtype=float)
    cfg = MGDConfig(algorithm="analog", dtheta=0.1, tau_hp=1.6, tau_theta=3.0, eta=0.2, dt=1.0, tau_x=10**9).validate()
    algo = AnalogMGD(
        cfg, LinearObjective(c), np.zeros((1, 3)), ArraySource(1, 3, u), ArrayOrder([0], 1), SGD(cfg.eta), None
    )
    theta, G, c_tilde, c_prev = np.zeros(3), np.zeros(3), 0.0, None
    for t in range(len(u)):
        ptb = 0.1 * u[t]
        cost = float(c[0] @ (theta + ptb))
        c_prev = cost if c_prev is None else c_prev
        c_tilde = 1.6 / 2.6 * (c_tilde + cost - c_prev)
        c_prev = cost
        e = c_tilde * ptb / 0.01
        G = 1 / 4 * (e + 3 * G)
        theta = theta - 0.2 * G
        algo.step()
        np.testing.assert_allclose(algo.theta[0], theta, rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(algo.G[0], G, rtol=1e-13, atol=1e-15)


def test_analog_mgd_with_sinusoids_reduces_the_xor_cost():
    """Algorithm 2 needs τx > 1: the high-pass restarts at every new sample."""
    cfg = MGDConfig(
        dataset="xor",
        algorithm="analog",
        perturbation="sinusoid",
        tau_x=50,
        tau_theta=10.0,
        eta=0.1,
        dtheta=0.05,
        steps=20_000,
        seeds=20,
        eval_every=20_000,
        init_scale=1.0,
    ).validate()
    r = train(cfg)
    assert np.median(r.cost[-1]) < 0.8 * np.median(r.cost[0])
    assert r.solved_fraction > 0


def test_node_perturbation_trains_xor_like_weight_perturbation():
    """Same initialisations, same η: node perturbation solves XOR about as often as weight perturbation."""
    cfg = MGDConfig(
        dataset="xor", perturb_target="node", steps=10_000, seeds=100, eval_every=10_000, eta=0.5, init_scale=1.0
    ).validate()
    node, weight = train(cfg), train(cfg.replace(perturb_target="weight"))
    assert node.solved_fraction > 0.3
    assert abs(node.solved_fraction - weight.solved_fraction) < 0.15
