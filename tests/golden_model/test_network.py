"""The MLP: parameter layout conventions and the exact (backprop) gradient."""

import numpy as np
import pytest

from mgd.golden_model.network import MLP, Defects, sigmoid


def test_parameter_counts_match_the_papers():
    assert MLP((2, 2, 1)).n_params == 9
    assert MLP((49, 4, 4)).n_params == 220
    assert MLP((3, 3, 1)).n_params == 16


def test_authors_layout_is_weights_column_major_then_biases():
    mlp = MLP((2, 2, 1), param_order="authors")
    theta = np.arange(9.0)[None]
    (W1, b1), (W2, b2) = mlp.unpack(theta)
    # column-major 2x2: theta[0]=W[0,0], theta[1]=W[1,0], theta[2]=W[0,1], theta[3]=W[1,1]
    assert W1[0].tolist() == [[0.0, 2.0], [1.0, 3.0]]
    assert W2[0].tolist() == [[4.0, 5.0]]
    assert b1[0].tolist() == [6.0, 7.0]
    assert b2[0].tolist() == [8.0]


def test_forward_matches_a_hand_computation_with_subtracted_bias():
    mlp = MLP((2, 2, 1), bias_sign=-1)
    rng = np.random.default_rng(1)
    theta = rng.uniform(-1, 1, (1, 9))
    (W1, b1), (W2, b2) = mlp.unpack(theta)
    x = np.array([1.0, 0.0])
    h = 1 / (1 + np.exp(-(W1[0] @ x - b1[0])))
    y = 1 / (1 + np.exp(-(W2[0] @ h - b2[0])))
    assert np.allclose(mlp.forward(theta, x[None])[0, 0], y, rtol=1e-14)


@pytest.mark.parametrize("order", ["authors", "layer"])
def test_pack_inverts_unpack(order):
    mlp = MLP((3, 4, 2), param_order=order)
    theta = np.random.default_rng(0).standard_normal((5, mlp.n_params))
    assert np.array_equal(mlp.pack(mlp.unpack(theta)), theta)


@pytest.mark.parametrize(
    "activation,output,sign,defects",
    [
        ("sigmoid", "sigmoid", -1, False),
        ("relu", "linear", 1, False),
        ("sigmoid", "sigmoid", -1, True),
    ],
)
def test_backprop_gradient_matches_central_differences(activation, output, sign, defects):
    rng = np.random.default_rng(3)
    mlp = MLP((3, 4, 2), activation=activation, output_activation=output, bias_sign=sign)
    S, B = 3, 5
    theta = rng.uniform(-1, 1, (S, mlp.n_params))
    x = rng.uniform(0, 1, (B, 3))
    y = rng.integers(0, 2, (B, 2)).astype(float)
    d = Defects.draw(rng, S, mlp.layers, 0.2) if defects else None
    g, _ = mlp.gradient(theta, x, y, defects=d)
    h = 1e-6
    fd = np.empty_like(theta)
    for p in range(mlp.n_params):
        tp, tm = theta.copy(), theta.copy()
        tp[:, p] += h
        tm[:, p] -= h
        cp = MLP.cost(mlp.forward(tp, x, defects=d), y[None])
        cm = MLP.cost(mlp.forward(tm, x, defects=d), y[None])
        fd[:, p] = (cp - cm) / (2 * h)
    # central differences of a smooth function: truncation O(h²) and rounding O(eps/h) ≈ 1e-10
    assert np.max(np.abs(g - fd)) < 1e-8


def test_node_gradient_maps_to_weight_gradient():
    """∂C/∂ν_k · x_j equals ∂C/∂W_kj (chain rule, scaling paper Eq. 6)."""
    rng = np.random.default_rng(4)
    mlp = MLP((3, 4, 2))
    theta = rng.uniform(-1, 1, (2, mlp.n_params))
    x = rng.uniform(0, 1, (2, 1, 3))
    y = rng.integers(0, 2, (2, 1, 2)).astype(float)
    h = 1e-6
    e_node = np.empty((2, mlp.n_neurons))
    for k in range(mlp.n_neurons):
        nu = np.zeros((2, mlp.n_neurons))
        nu[:, k] = h
        cp = MLP.cost(mlp.forward(theta, x, node_ptb=nu), y)
        cm = MLP.cost(mlp.forward(theta, x, node_ptb=-nu), y)
        e_node[:, k] = (cp - cm) / (2 * h)
    _, trace = mlp.forward(theta, x, keep=True)
    g_from_nodes = mlp.node_to_param(e_node, [a for a, _, _ in trace])
    g, _ = mlp.gradient(theta, x, y)
    assert np.max(np.abs(g_from_nodes - g)) < 1e-8


def test_sigmoid_is_stable_for_large_inputs():
    z = np.array([-1000.0, 0.0, 1000.0])
    assert sigmoid(z).tolist() == [0.0, 0.5, 1.0]
