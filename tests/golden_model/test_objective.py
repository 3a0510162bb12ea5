"""Objectives (golden_model/objective.py): the MSE of a tiny network by hand, weight and node perturbation against
finite differences and backprop, the linear cost of Theorem 1. (The MGD algorithms that use them are tested in
tests/golden_model/test_algorithms.py and test_estimators.py.)"""

import numpy as np
import pytest

from mgd.golden_model.network import MLP
from mgd.golden_model.objective import LinearObjective, NetworkObjective

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
Y = np.array([[0.0], [1.0], [1.0], [0.0]])


def test_linear_one_neuron_cost_by_hand():
    """1-1 linear network, bias subtracted (s = −1): y = w·x − b, C = (y − ŷ)²."""
    mlp = MLP((1, 1), activation="linear", output_activation="linear")
    obj = NetworkObjective(mlp, np.array([[2.0], [3.0]]), np.array([[1.0], [0.5]]))
    obj.set_sample(np.array([0, 1, 1]))  # three seeds: samples 0, 1, 1
    theta = np.array([[1.0, 0.5], [2.0, 1.0], [0.0, 0.0]])
    want = [(1 * 2 - 0.5 - 1) ** 2, (2 * 3 - 1 - 0.5) ** 2, (0 - 0.5) ** 2]
    assert np.allclose(obj.cost(theta), want)
    ptb = np.array([[0.1, 0.0], [0.0, -0.2], [1.0, 1.0]])
    want_p = [(1.1 * 2 - 0.5 - 1) ** 2, (2 * 3 - 0.8 - 0.5) ** 2, (3 - 1 - 0.5) ** 2]
    assert np.allclose(obj.cost(theta, ptb), want_p)
    assert obj.n_params == obj.n_perturbed == 2
    assert np.array_equal(obj.to_param(ptb), ptb)  # weight perturbation: the identity


def _xor(target, **kw):
    mlp = MLP((2, 2, 1))
    return mlp, NetworkObjective(mlp, X, Y, target=target, **kw)


def test_weight_perturbed_cost_is_the_cost_at_theta_plus_ptb():
    mlp, obj = _xor("weight")
    rng = np.random.default_rng(0)
    theta, ptb = rng.normal(size=(4, 9)), rng.normal(size=(4, 9))
    obj.set_sample(np.arange(4))
    assert np.array_equal(obj.cost(theta, ptb), obj.cost(theta + ptb))
    # MSE of the float network, sample s for seed s
    y = np.array([mlp.forward(theta[s : s + 1], X[s : s + 1])[0, 0, 0] for s in range(4)])
    assert np.allclose(obj.cost(theta), (y - Y[:, 0]) ** 2)


def test_exact_gradient_matches_central_differences():
    _, obj = _xor("weight")
    rng = np.random.default_rng(1)
    theta = rng.normal(size=(2, 9))
    obj.set_sample(np.array([1, 3]))
    g = obj.exact_gradient(theta)
    h = 1e-6
    fd = np.stack(
        [
            (obj.cost(theta, h * np.eye(9)[i][None]) - obj.cost(theta, -h * np.eye(9)[i][None])) / (2 * h)
            for i in range(9)
        ],
        axis=1,
    )
    assert np.allclose(g, fd, atol=1e-7)


def test_node_perturbation_maps_to_the_parameter_gradient():
    """Node perturbation: K = neurons; a small ν on each neuron, mapped by to_param, gives backprop's gradient."""
    mlp, obj = _xor("node")
    assert obj.n_perturbed == 3 and obj.n_params == 9
    rng = np.random.default_rng(2)
    theta = rng.normal(size=(3, 9))
    obj.set_sample(np.array([0, 1, 2]))
    with pytest.raises(RuntimeError, match="baseline cost"):
        obj.to_param(np.zeros((3, 3)))
    c0 = obj.cost(theta)
    h = 1e-6
    e = np.stack([(obj.cost(theta, h * np.eye(3)[k][None]) - c0) / h for k in range(3)], axis=1)  # ∂C/∂ν
    assert np.allclose(obj.to_param(e), obj.exact_gradient(theta), atol=1e-5)
    # a zero node perturbation is the unperturbed network
    assert np.allclose(obj.cost(theta, np.zeros((3, 3))), c0)


def test_cost_noise_has_the_requested_spread():
    _, obj = _xor("weight", sigma_cost=0.1, rng=np.random.default_rng(3))
    _, clean = _xor("weight")
    theta = np.zeros((20_000, 9))
    obj.set_sample(np.zeros(20_000, dtype=int))
    clean.set_sample(np.zeros(20_000, dtype=int))
    noise = obj.cost(theta) - clean.cost(theta)
    assert abs(noise.mean()) < 0.005 and abs(noise.std() - 0.1) < 0.005


def test_linear_objective_is_c_dot_theta():
    c = np.array([[1.0, -2.0, 0.5], [0.0, 3.0, 1.0]])
    obj = LinearObjective(c)
    theta = np.array([[1.0, 1.0, 2.0], [4.0, -1.0, 0.0]])
    ptb = np.array([[0.5, 0.0, 0.0], [0.0, 0.0, 1.0]])
    assert obj.n_params == obj.n_perturbed == 3
    assert obj.cost(theta).tolist() == [1 - 2 + 1, -3.0]
    assert obj.cost(theta, ptb).tolist() == [1.5 - 2 + 1, -3.0 + 1]
    obj.set_sample(np.array([5]))  # no samples: a no-op
    g = obj.exact_gradient(theta)
    assert np.array_equal(g, c)
    g[0, 0] = 99.0  # the gradient is a copy: changing it leaves the cost alone
    assert obj.cost(theta).tolist() == [0.0, -3.0]
    one_row = LinearObjective(c[:1])
    assert np.array_equal(one_row.exact_gradient(np.zeros((4, 3))), np.repeat(c[:1], 4, axis=0))
