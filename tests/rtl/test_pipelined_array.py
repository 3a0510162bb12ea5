# amaranth: UnusedElaboratable=no
"""PipelinedArray (rtl/pipelined_array.py) against the golden FixedMLP.forward: a new (x, weights) pass enters
every cycle, layer ℓ's weights are presented ``weight_offsets[ℓ]`` cycles after x, and every pass's y must appear
``latency`` cycles after its x. Random networks (n_in up to 10, relu/linear/sigmoid, both bias signs and parameter
orders), formats (odd widths among them), tree arities 2..5 and input widths None/1/3; the saturation corners; the
latency against the documented stage count; refused arguments. (The folder's file header silences the
UnusedElaboratable warning of the components a refused constructor leaves behind.)"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mgd_strategies import ODD_FORMATS, fixed_formats
from mgd_strategies import levels_by_powers as levels

from mgd.golden_model.fixed_network import FixedMLP
from mgd.golden_model.formats import DEFAULT_FORMATS
from mgd.golden_model.network import MLP
from mgd.rtl.pipelined_array import PipelinedArray, check_input_bits
from mgd.sim.cycle_sim import describe_mismatches, mismatches, run_cycles

ODD = ODD_FORMATS


def documented_latencies(mlp: MLP, arity: int) -> list[int]:
    """Per layer (docstring): 1 (products) + the tree over n_in + 1 terms (the bias) + 2 (hidden sigmoid: registered
    table read, output register), 1 (output sigmoid: the table's read register is y) or 1 (relu/linear)."""
    out = []
    for layer, n_in in enumerate(mlp.layers[:-1]):
        last = layer == len(mlp.layers) - 2
        kind = mlp.output_activation if last else mlp.activation
        out.append(1 + levels(n_in + 1, arity) + ((1 if last else 2) if kind == "sigmoid" else 1))
    return out


def layer_of_params(mlp: MLP) -> np.ndarray:
    """The layer each parameter belongs to (the MLP's parameter layout)."""
    layer_of = np.zeros(mlp.n_params, dtype=np.int64)
    for layer, (W, b) in enumerate(mlp.unpack(np.arange(mlp.n_params)[None])):
        layer_of[W.ravel()] = layer
        layer_of[b.ravel()] = layer
    return layer_of


def stream(mlp, fmts, xs, ws, *, input_bits=None, tree_arity=3):
    """Pass p enters in cycle p: x_p in cycle p, layer ℓ's weights of pass p in cycle p + offset[ℓ] (zeros
    elsewhere). y of pass p must show in cycle p + latency and equal the golden forward pass of (w_p, x_p), where
    the golden x is the act-format value (v·2^(act.frac − (b − 1)) for b-bit inputs v)."""
    dut = PipelinedArray(mlp, fmts, input_bits=input_bits, tree_arity=tree_arity)
    lat = documented_latencies(mlp, tree_arity)
    offsets = list(np.cumsum([0] + lat[:-1]))
    assert dut.latency == sum(lat) and dut.weight_offsets == offsets
    assert [dut.layer_latency(layer) for layer in range(len(lat))] == lat
    n, P, L = len(xs), mlp.n_params, sum(lat)
    layer_of = layer_of_params(mlp)
    cycles = []
    for t in range(n + L):
        weights = [0] * P
        for i in range(P):
            p = t - offsets[layer_of[i]]
            if 0 <= p < n:
                weights[i] = ws[p][i]
        cycles.append(dict(x=list(xs[t]) if t < n else [0] * mlp.layers[0], weights=weights))
    seen = run_cycles(dut, cycles, ["y"])["y"]
    shift = 0 if input_bits is None else fmts.act.frac - (input_bits - 1)
    x_act = (np.array(xs, dtype=np.int64) << shift)[:, None, :]  # (S = passes, B = 1, n_in)
    want = FixedMLP(mlp, fmts).forward(np.array(ws, dtype=np.int64), x_act)[:, 0, :].tolist()
    got = {"y": seen[L : L + n]}
    found = mismatches(got, {"y": want})
    assert not found, describe_mismatches(found)
    return want


@st.composite
def scenarios(draw):
    fmts = draw(st.one_of(st.just(ODD), fixed_formats()))
    n_layers = draw(st.integers(1, 3))
    layers = (draw(st.integers(1, 10)),) + tuple(draw(st.integers(1, 4)) for _ in range(n_layers))
    mlp = MLP(
        layers,
        activation=draw(st.sampled_from(["sigmoid", "relu", "linear"])),
        output_activation=draw(st.sampled_from(["sigmoid", "relu", "linear"])),
        bias_sign=draw(st.sampled_from([-1, 1])),
        param_order=draw(st.sampled_from(["authors", "layer"])),
    )
    input_bits = draw(st.sampled_from([b for b in (None, 1, 3) if b is None or b <= fmts.act.frac + 1]))
    if input_bits is None:
        x = st.integers(fmts.act.min, fmts.act.max)
    else:
        x = st.integers(0, (1 << input_bits) - 1)
    theta = st.one_of(st.sampled_from([fmts.theta.min, fmts.theta.max, 0]), st.integers(fmts.theta.min, fmts.theta.max))
    n = draw(st.integers(1, 8))
    xs = draw(st.lists(st.lists(x, min_size=layers[0], max_size=layers[0]), min_size=n, max_size=n))
    ws = draw(st.lists(st.lists(theta, min_size=mlp.n_params, max_size=mlp.n_params), min_size=n, max_size=n))
    return mlp, fmts, xs, ws, input_bits, draw(st.integers(2, 5))


@settings(max_examples=60)
@given(scenarios())
def test_random_networks_stream_one_pass_per_cycle(case):
    mlp, fmts, xs, ws, input_bits, arity = case
    stream(mlp, fmts, xs, ws, input_bits=input_bits, tree_arity=arity)


@pytest.mark.parametrize("input_bits", [None, 1, 3])
@pytest.mark.parametrize("arity", [2, 3, 5])
def test_odd_formats_ten_inputs_every_activation(input_bits, arity):
    """10-3-2-2 (sigmoid, relu, linear layers by turns) in the odd formats, 12 passes back to back."""
    rng = np.random.default_rng(arity * 10 + (input_bits or 0))
    f = ODD
    for activation, output in (("sigmoid", "linear"), ("relu", "sigmoid")):
        mlp = MLP((10, 3, 2, 2), activation=activation, output_activation=output, param_order="layer")
        hi = f.act.max + 1 if input_bits is None else 1 << input_bits
        lo = f.act.min if input_bits is None else 0
        xs = rng.integers(lo, hi, (12, 10)).tolist()
        ws = (rng.integers(f.theta.min, f.theta.max + 1, (12, mlp.n_params)) >> rng.integers(0, 6, (12, 1))).tolist()
        stream(mlp, f, xs, ws, input_bits=input_bits, tree_arity=arity)


@pytest.mark.parametrize("fmts", [DEFAULT_FORMATS, ODD], ids=["default", "odd"])
def test_saturation_corners(fmts):
    """Weights and inputs at the format limits: a linear output saturates at both ends of the act format, a relu
    output at act.max and 0, a sigmoid output reads both ends of the table; alternating passes back to back."""
    hi, lo = fmts.theta.max, fmts.theta.min
    x_hi = [fmts.act.max] * 3
    golden_table = FixedMLP(MLP((3, 1)), fmts).table
    for output, expect in (
        ("linear", (fmts.act.max, fmts.act.min)),
        ("relu", (fmts.act.max, 0)),
        ("sigmoid", (int(golden_table[-1]), int(golden_table[0]))),
    ):
        mlp = MLP((3, 2), output_activation=output, bias_sign=-1)
        up = [hi] * 6 + [lo] * 2  # Σ x·θ large positive, bias subtracted: −θ_min
        down = [lo] * 6 + [hi] * 2
        want = stream(mlp, fmts, [x_hi, x_hi, x_hi, x_hi], [up, down, up, down])
        assert want == [[expect[0]] * 2, [expect[1]] * 2] * 2, "the corner was not reached"


def test_one_bit_inputs_select_the_weight():
    """1-bit inputs (x = v·1.0): the layer-0 product is θ or 0; 2-2-1 XOR network with every input pattern."""
    f = DEFAULT_FORMATS
    mlp = MLP((2, 2, 1))
    rng = np.random.default_rng(7)
    xs = [[0, 0], [0, 1], [1, 0], [1, 1]] * 3
    ws = rng.integers(-(1 << 16), 1 << 16, (12, mlp.n_params)).tolist()
    stream(mlp, f, xs, ws, input_bits=1, tree_arity=2)


@pytest.mark.parametrize("bad", [0, -1, True, 1.0, "1", DEFAULT_FORMATS.act.frac + 2])
def test_bad_input_bits_are_refused(bad):
    frac = DEFAULT_FORMATS.act.frac
    with pytest.raises(ValueError, match=rf"input_bits must be None or an integer in \[1, {frac + 1}\]"):
        check_input_bits(bad, DEFAULT_FORMATS.act)
    with pytest.raises(ValueError, match="input_bits must be None or an integer in"):
        PipelinedArray(MLP((2, 1)), DEFAULT_FORMATS, input_bits=bad)


def test_good_input_bits_are_accepted():
    for b in (None, 1, 3, DEFAULT_FORMATS.act.frac + 1):
        assert check_input_bits(b, DEFAULT_FORMATS.act) is None


@pytest.mark.parametrize("bad", [1, 0, True, 2.0])
def test_bad_tree_arity_is_refused(bad):
    with pytest.raises(ValueError, match=r"tree_arity must be an integer >= 2"):
        PipelinedArray(MLP((2, 1)), DEFAULT_FORMATS, tree_arity=bad)
