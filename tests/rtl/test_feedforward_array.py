"""FeedforwardArray against the golden FixedMLP: y, ``latency`` cycles after the inputs, for random networks."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mgd_strategies import fixed_formats

from mgd.golden_model.fixed_network import FixedMLP
from mgd.golden_model.network import MLP
from mgd.rtl.feedforward_array import FeedforwardArray
from mgd.sim.cycle_sim import describe_mismatches, mismatches, run_cycles


def check(mlp, fmts, xs, ws):
    """Hold each (x, w) for ``latency`` + 1 cycles; y in the last of them must be the golden forward pass."""
    dut = FeedforwardArray(mlp, fmts)
    L = dut.latency
    cycles = [dict(x=list(x), weights=list(w)) for x, w in zip(xs, ws, strict=True) for _ in range(L + 1)]
    seen = run_cycles(dut, cycles, ["y"])
    got = {"y": [seen["y"][i * (L + 1) + L] for i in range(len(xs))]}
    golden = FixedMLP(mlp, fmts)
    want = {"y": [golden.forward(np.array(w), np.array(x)[None])[0].tolist() for x, w in zip(xs, ws, strict=True)]}
    found = mismatches(got, want)
    assert not found, describe_mismatches(found)
    return want["y"]


@st.composite
def networks(draw):
    fmts = draw(fixed_formats())
    layers = tuple(draw(st.lists(st.integers(1, 4), min_size=2, max_size=4)))
    mlp = MLP(
        layers,
        activation=draw(st.sampled_from(["sigmoid", "relu"])),
        output_activation=draw(st.sampled_from(["sigmoid", "linear"])),
        bias_sign=draw(st.sampled_from([-1, 1])),
        param_order=draw(st.sampled_from(["authors", "layer"])),
    )
    n = draw(st.integers(1, 4))
    act = st.integers(fmts.act.min, fmts.act.max)
    theta = st.integers(fmts.theta.min, fmts.theta.max)
    xs = draw(st.lists(st.lists(act, min_size=layers[0], max_size=layers[0]), min_size=n, max_size=n))
    ws = draw(st.lists(st.lists(theta, min_size=mlp.n_params, max_size=mlp.n_params), min_size=n, max_size=n))
    return mlp, fmts, xs, ws


@pytest.mark.parametrize(
    "examples", [pytest.param(100, id="100"), pytest.param(1000, id="1000", marks=pytest.mark.slow)]
)
def test_random_networks_match_the_golden_forward_pass(examples):
    ran = []

    @settings(max_examples=examples)
    @given(networks())
    def run(case):
        check(*case)
        ran.append(1)

    run()
    assert len(ran) >= examples


def test_xor_network_saturates_the_sigmoid_table_at_both_ends():
    from mgd.golden_model.formats import DEFAULT_FORMATS as F

    mlp = MLP((2, 2, 1))
    one = 1 << F.act.frac
    big = F.theta.max
    ys = check(mlp, F, [[one, one], [one, one]], [[big] * 9, [-big] * 6 + [big] * 3])
    table = FixedMLP(mlp, F).table
    assert ys[0][0] in (table[0], table[-1]) and ys[1][0] in (table[0], table[-1])
