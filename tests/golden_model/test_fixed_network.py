"""Bit-exact forward pass (golden_model/fixed_network.py) against a naive per-neuron loop on Python integers, the
sigmoid table against math.exp with exact rounding, and the fixed-vs-float error bound. (The RTL array is checked
against FixedMLP in tests/rtl/test_feedforward_array.py.)"""

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mgd_strategies import NARROWEST, WIDEST, fixed_formats

from mgd.golden_model.fixed_network import FixedMLP, sigmoid_table
from mgd.golden_model.formats import COMPACT_FORMATS, DEFAULT_FORMATS
from mgd.golden_model.network import MLP


def _table_ref(f):
    """σ at each bin's middle, rounded half up to the act format (exact rational rounding of the float σ)."""
    out = []
    for addr in range(-(2 ** (f.lut_range + f.lut_frac)), 2 ** (f.lut_range + f.lut_frac)):
        z = (addr + 0.5) / 2**f.lut_frac
        s = 1.0 / (1.0 + math.exp(-z))
        q = math.floor(Fraction(s) * 2**f.act.frac + Fraction(1, 2))
        out.append(min(max(q, f.act.min), f.act.max))
    return out


@pytest.mark.parametrize(
    "f", [DEFAULT_FORMATS, COMPACT_FORMATS, NARROWEST, WIDEST], ids=["default", "compact", "narrowest", "widest"]
)
def test_sigmoid_table_is_sigma_at_bin_middles(f):
    table = sigmoid_table(f)
    assert table.dtype == np.int64 and len(table) == f.lut_size
    ref = _table_ref(f)
    # σ from tanh and from exp can differ in the last float bit: allow 1 LSB where the value sits on a rounding tie
    diff = np.abs(table - np.array(ref))
    assert diff.max() <= 1 and np.count_nonzero(diff) <= 2
    assert np.all(np.diff(table) >= 0)  # monotone
    one = 1 << f.act.frac
    # σ(z) + σ(−z) = 1: the table is point-symmetric about its middle (within one rounding step)
    assert np.all(np.abs(table + table[::-1] - one) <= 1)
    assert table[0] >= 0 and table[-1] <= min(one, f.act.max)


def _naive_forward(mlp, f, table, w, x):
    """One sample, Python ints, the parameter layout written out by hand."""
    layers, a, off = mlp.layers, [int(v) for v in x], 0
    shapes = list(zip(layers[1:], layers[:-1], strict=True))
    weights = []
    for n_out, n_in in shapes:  # "authors": all W (column-major), then all b; "layer": W row-major then b
        if mlp.param_order == "authors":
            weights.append([[w[off + i * n_out + o] for i in range(n_in)] for o in range(n_out)])
            off += n_out * n_in
        else:
            weights.append([[w[off + o * n_in + i] for i in range(n_in)] for o in range(n_out)])
            off += n_out * n_in
            weights[-1] = (weights[-1], [w[off + o] for o in range(n_out)])
            off += n_out
    if mlp.param_order == "authors":
        for k, (n_out, _) in enumerate(shapes):
            weights[k] = (weights[k], [w[off + o] for o in range(n_out)])
            off += n_out
    assert off == mlp.n_params
    lo = 2 ** (f.lut_range + f.lut_frac)
    shift = f.act.frac + f.theta.frac
    for layer, (W, b) in enumerate(weights):
        kind = mlp.output_activation if layer == len(weights) - 1 else mlp.activation
        nxt = []
        for o in range(len(W)):
            acc = sum(a[i] * int(W[o][i]) for i in range(len(a))) + mlp.bias_sign * 2**f.act.frac * int(b[o])
            if kind == "sigmoid":
                addr = min(max(acc // 2 ** (shift - f.lut_frac), -lo), lo - 1)
                nxt.append(int(table[addr + lo]))
            else:
                if kind == "relu":
                    acc = max(acc, 0)
                nxt.append(min(max(acc // 2 ** (shift - f.act.frac), f.act.min), f.act.max))
        a = nxt
    return a


@settings(max_examples=60)
@given(
    fixed_formats(),
    st.lists(st.integers(1, 3), min_size=2, max_size=4),
    st.sampled_from(["sigmoid", "relu", "linear"]),
    st.sampled_from(["sigmoid", "relu", "linear"]),
    st.sampled_from([-1, 1]),
    st.sampled_from(["authors", "layer"]),
    st.data(),
)
def test_forward_equals_a_naive_per_neuron_loop(f, layers, act, out_act, bias_sign, order, data):
    mlp = MLP(layers, activation=act, output_activation=out_act, bias_sign=bias_sign, param_order=order)
    net = FixedMLP(mlp, f)
    theta_v = st.integers(f.theta.min, f.theta.max)
    act_v = st.integers(f.act.min, f.act.max)
    w = np.array(data.draw(st.lists(theta_v, min_size=mlp.n_params, max_size=mlp.n_params)), dtype=np.int64)
    xs = np.array(data.draw(st.lists(st.lists(act_v, min_size=layers[0], max_size=layers[0]), min_size=1, max_size=3)))
    got = net.forward(w, xs)
    assert got.shape == (len(xs), layers[-1])
    ref = [_naive_forward(mlp, f, sigmoid_table(f), w.tolist(), x) for x in xs]
    assert got.tolist() == ref
    assert net.n_params == mlp.n_params


def test_forward_batches_over_weight_sets_and_per_set_inputs():
    mlp = MLP((2, 2, 1))
    net = FixedMLP(mlp, DEFAULT_FORMATS)
    rng = np.random.default_rng(1)
    w = rng.integers(-(2**16), 2**16, (3, mlp.n_params))
    x = rng.integers(0, 1024, (3, 4, 2))
    both = net.forward(w, x)
    assert both.shape == (3, 4, 1)
    for s in range(3):
        assert np.array_equal(both[s], net.forward(w[s], x[s]))
    shared = net.forward(w, x[0])
    assert np.array_equal(shared[1], net.forward(w[1], x[0]))


def test_sigmoid_saturates_at_the_table_ends():
    """Pre-activations far beyond ±2^lut_range read the first and last table entries."""
    f = DEFAULT_FORMATS
    mlp = MLP((1, 1), bias_sign=1)
    net = FixedMLP(mlp, f)
    table = sigmoid_table(f)
    big = f.theta.max
    x = np.array([[f.act.max], [f.act.min], [0]])
    y = net.forward(np.array([big, 0]), x)[:, 0]
    assert y.tolist() == [table[-1], table[0], table[len(table) // 2]]  # z = 0 reads the bin [0, 2^-lut_frac)
    assert table[len(table) // 2] == f.act.quantize(1 / (1 + math.exp(-(2.0 ** -(f.lut_frac + 1)))))


def test_linear_output_saturates_in_the_act_format():
    f = DEFAULT_FORMATS
    net = FixedMLP(MLP((1, 1), activation="linear", output_activation="linear", bias_sign=1), f)
    one = 1 << f.theta.frac
    x = np.array([[f.act.max], [f.act.min], [1 << f.act.frac]])
    y = net.forward(np.array([f.theta.max, 0]), x)[:, 0]
    assert y.tolist() == [f.act.max, f.act.min, f.act.saturate((f.theta.max << f.act.frac) >> f.theta.frac)]
    # a bias of +1.0 on a zero input gives exactly one; of −3 LSB of θ floors to −1 act LSB
    assert net.forward(np.array([0, one]), np.array([[0]]))[0, 0] == 1 << f.act.frac
    assert net.forward(np.array([0, -3]), np.array([[0]]))[0, 0] == -1


@settings(max_examples=30)
@given(st.integers(0, 2**31), st.sampled_from([(2, 2, 1), (3, 4, 2), (4, 3, 3, 1)]), st.floats(0.1, 6.0))
def test_fixed_output_is_within_error_bound_of_the_float_network(seed, layers, scale):
    f = DEFAULT_FORMATS
    mlp = MLP(layers)
    net = FixedMLP(mlp, f)
    rng = np.random.default_rng(seed)
    w = f.theta.quantize(rng.uniform(-scale, scale, (2, mlp.n_params)))
    x = f.act.quantize(rng.uniform(0, 1, (5, layers[0])))
    y_fixed = f.act.real(net.forward(w, x))
    y_float = mlp.forward(f.theta.real(w), f.act.real(x))
    bound = net.error_bound(f.theta.real(w))
    assert bound.shape == (2, layers[-1])
    assert np.all(np.abs(y_fixed - y_float) <= bound[:, None, :] + 1e-12)
    assert np.all(bound < 0.1)  # and the bound is not vacuous


def test_error_bound_is_for_sigmoid_networks_only():
    with pytest.raises(ValueError, match="sigmoid networks only"):
        FixedMLP(MLP((2, 1), activation="relu"), DEFAULT_FORMATS).error_bound(np.zeros((1, 3)))
