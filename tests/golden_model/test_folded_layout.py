"""The folded trainer's stream layout and code keys (:mod:`mgd.golden_model.folded_layout`) and its cycle count
(:mod:`mgd.golden_model.folded_schedule`), against independent definitions: every key's code equals
:meth:`CodeSpec.code <mgd.golden_model.codes.CodeSpec.code>` (the synapses' golden code), every parameter sits at
exactly one stream word and lane, and :func:`folded_cycles` equals the cycles the cycle model takes."""

import numpy as np
import pytest

from mgd.golden_model.codes import CODE_KINDS, CodeSpec
from mgd.golden_model.config import MGDConfig
from mgd.golden_model.fixed_mgd import FixedMGD
from mgd.golden_model.folded_layout import FoldedLayout, key_code
from mgd.golden_model.folded_schedule import FoldedScheduleModel, FoldedTiming, folded_cycles
from mgd.golden_model.formats import COMPACT_FORMATS
from mgd.golden_model.lfsr import LFSRSpec
from mgd.golden_model.network import MLP
from mgd.golden_model.schedule import PHASES


@pytest.mark.parametrize("kind", CODE_KINDS)
@pytest.mark.parametrize("width", [8, 12, 16])
def test_every_key_gives_the_golden_code(kind, width):
    codes = CodeSpec(kind, 61, LFSRSpec(width, stride=37), levels_bits=3)
    rng = np.random.default_rng(width)
    for i in rng.integers(0, 61, 12):
        key = FoldedLayout.key_of(codes, int(i))
        for t in rng.integers(0, 5000, 12):
            if kind.startswith("lfsr"):
                counter, advances, index = int(codes.lfsr.states[t % codes.lfsr.period]), int(t), 0
            else:
                counter = advances = index = int(t % codes.index_period)
            assert key_code(codes, key, 1, counter) == codes.code(int(i), advances, index)
            assert key_code(codes, key, 0, counter) == 0


@pytest.mark.parametrize("layers", [(2, 2, 1), (49, 4, 4), (64, 16, 10), (5, 7, 3, 2)])
@pytest.mark.parametrize("lanes", [1, 3, 4, 16])
@pytest.mark.parametrize("order", ["authors", "layer"])
def test_every_parameter_has_one_word_and_lane(layers, lanes, order):
    mlp = MLP(layers, param_order=order)
    lay = FoldedLayout(mlp, lanes)
    used = lay.param[lay.param >= 0]
    assert sorted(used.tolist()) == list(range(mlp.n_params))
    assert lay.depth == sum(-(-o // lanes) * (i + 1) for i, o in zip(layers, layers[1:], strict=False))
    theta = np.arange(mlp.n_params) * 3 - 7
    assert np.array_equal(lay.from_stream(lay.to_stream(theta)), theta)
    assert lay.position.max() < lay.positions
    # a stream word holds, per lane, the weights of one neuron: lane l of group g is neuron g·lanes + l
    W, b = mlp.unpack(np.arange(mlp.n_params)[None])[0]
    n_in = layers[0]
    for o in range(layers[1]):
        g, lane = divmod(o, lanes)
        rows = lay.param[g * (n_in + 1) : (g + 1) * (n_in + 1), lane]
        assert rows.tolist() == W[0, o].tolist() + [int(b[0, o])]


def test_refuses_bad_lanes():
    with pytest.raises(ValueError, match="lanes must be a positive integer"):
        FoldedLayout(MLP((2, 2, 1)), 0)


def test_timing_refuses_passes_shorter_than_its_latencies():
    with pytest.raises(ValueError, match="raise lead"):
        FoldedTiming(issues=(3, 3), depth=6, gap=6, measure=14, write=6, lead=1)
    lead = FoldedTiming.lead_for((3, 3), 6, 6, 14, 6)
    assert FoldedTiming((3, 3), 6, 6, 14, 6, lead).pass_cycles == 16  # measure + 2


@pytest.mark.parametrize(("tau_x", "tau_theta", "steps", "seed"), [(1, 1, 7, 0), (2, 4, 13, 3), (3, 5, 16, 1)])
def test_folded_cycles_is_the_cycle_models_count(tau_x, tau_theta, steps, seed):
    config = MGDConfig(dataset="xor", eta=0.5, dtheta=2**-4, steps=steps, seeds=1, tau_x=tau_x, tau_theta=tau_theta)
    model = FixedMGD(config, COMPACT_FORMATS, hw_seed=seed)
    lay = FoldedLayout(model.mlp, 2)
    timing = FoldedTiming((3, 3), 6, 6, 14, 6, FoldedTiming.lead_for((3, 3), 6, 6, 14, 6))
    golden = FoldedScheduleModel(model, model.registers(), lay, timing)
    trace = golden.run_until_done(10_000)
    assert trace["done"][-1] == 1 and trace["phase"][-1] == PHASES["done"]
    assert len(trace["done"]) - 1 == folded_cycles(model.registers(), timing)
    per_step = timing.cycles_per_step(tau_x, tau_theta)
    assert per_step >= 2 + timing.pass_cycles


def test_nist7x7_subset_is_evenly_spaced_and_tested_on_the_whole_set():
    from mgd.golden_model import datasets

    full = datasets.load("nist7x7")
    sub = datasets.load("nist7x7-16384")
    assert sub.x_train.shape == (16384, 49) and sub.x_test.shape == full.x_test.shape
    assert (sub.y_train.sum(axis=0) == 4096).all()  # every letter in proportion
    k = np.array([0, 1, 5000, 16383])
    assert np.array_equal(sub.x_train[k], full.x_train[k * 44136 // 16384])
    with pytest.raises(ValueError, match="1 to 44136 samples"):
        datasets.load("nist7x7-44137")
