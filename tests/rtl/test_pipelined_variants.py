"""The pipelined trainer on configurations its own tests (tests/rtl/test_pipelined_trainer.py) do not run: odd number
formats, mixed τ's and windows that do not divide the run, each perturbation code kind, the raw broadcast, a ReLU
hidden layer, act-format and multi-bit inputs, nonzero seed registers. Each: the Amaranth simulation
(:func:`mgd.sim.trainer_sim.simulate`) equals the golden trace (:func:`~mgd.sim.trainer_sim.golden_trace`, which
is :class:`~mgd.golden_model.pipeline_schedule.PipelinedScheduleModel` for a pipelined build) in every cycle, for
all 12 checked signals; the run ends after exactly :func:`~mgd.golden_model.pipeline_schedule.pipelined_cycles`
cycles, and θ at its end equals :class:`~mgd.golden_model.fixed_mgd.FixedMGD`'s after as many steps."""

import numpy as np
import pytest

from mgd.golden_model.config import MGDConfig
from mgd.golden_model.fixed_mgd import FixedMGD
from mgd.golden_model.formats import COMPACT_FORMATS, DEFAULT_FORMATS, FixedFormats, Fmt
from mgd.golden_model.pipeline_schedule import pipelined_cycles
from mgd.rtl.pipelined_trainer import PipelinedTrainer
from mgd.rtl.trainer_build import build
from mgd.sim.trace import compare
from mgd.sim.trainer_sim import golden_trace, simulate

XOR = MGDConfig(dataset="xor", eta=0.5, dtheta=2**-4, init_scale=2.0, steps=30, seeds=1, seed=0, sample_order="random")
CHECKED = {"phase", "step", "sample", "index", "cost", "c0", "c_tilde", "broadcast", "done", "code", "g", "theta"}

#: odd formats: every width and fraction differs from both named sets (θ s4.9, act s3.6, C u2.12); the rules of
#: FixedFormats hold (cost.frac ≥ 2·act.frac, g.frac = θ.frac, g_raw.frac = cost.frac)
ODD = FixedFormats(
    theta=Fmt(13, 9),
    g=Fmt(15, 9),
    act=Fmt(9, 6),
    cost=Fmt(14, 12, signed=False),
    g_raw=Fmt(20, 12),
    eta=Fmt(14, 7, signed=False),
)


def run_and_compare(config, *, fmts=COMPACT_FORMATS, mode="prescaled", input_bits=1, hw_seed=0):
    """Simulate the pipelined trainer of ``config`` against its golden trace, every cycle; check its cycle count and
    θ at the end against FixedMGD stepped alone."""
    b = build(config, fmts, mode=mode, hw_seed=hw_seed, pipelined=True, input_bits=input_bits)
    assert isinstance(b.trainer, PipelinedTrainer)
    result = simulate(b.trainer, b.regs)
    golden = golden_trace(b, result["cycles"], result["starts"])
    comparison = compare(result["trace"], golden)
    assert set(comparison.signals) == CHECKED
    assert comparison.identical, comparison.report()
    trace = result["trace"]
    assert result["cycles"] == pipelined_cycles(b.regs, b.trainer.timing) + 1
    assert trace["done"][-1] == 1 and trace["step"][-1] == config.steps
    model = FixedMGD(config, fmts, mode=mode, hw_seed=b.regs.seed)
    for _ in range(config.steps):
        model.step()
    assert np.array_equal(trace["theta"][-1], model.theta[0])
    return b, result


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(dict(tau_x=3, tau_p=2, tau_theta=5, steps=23), id="tx3-tp2-tt5-23steps"),
        pytest.param(dict(tau_theta=1, steps=13), id="tt1-13steps"),
        pytest.param(dict(tau_theta=7, steps=25), id="tt7-25steps"),
        pytest.param(dict(tau_x=2, tau_p=3, tau_theta=4, steps=18, sample_order="cyclic"), id="cyclic-tx2-tp3"),
    ],
)
def test_mixed_taus_and_partial_windows(change):
    """τ's that differ from each other, and runs whose last window is partial: the stall after a window (and after
    the final partial one) lands where the golden schedule says."""
    run_and_compare(XOR.replace(**change), hw_seed=3)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(dict(perturbation="code"), id="code"),
        pytest.param(dict(perturbation="walsh"), id="walsh"),
        pytest.param(dict(perturbation="sequential"), id="sequential"),
        pytest.param(dict(perturbation="uniform", eta=0.2), id="uniform"),
    ],
)
def test_each_code_kind(change):
    """Binary LFSR codes, Walsh and sequential (index counters), multi-level LFSR codes (the multiplier correlator),
    τθ = 4, a nonzero seed register: codes, index and sample LFSR all start from the seed phase's state."""
    run_and_compare(XOR.replace(tau_theta=4, **change), hw_seed=13)


@pytest.mark.parametrize("tau_theta", [1, 4])
def test_raw_broadcast(tau_theta):
    """The raw mode: C̃ on the broadcast bus, G in g_raw, the per-synapse ⌊G·η⌋ register."""
    run_and_compare(XOR.replace(tau_theta=tau_theta, eta=0.2), mode="raw", hw_seed=7)


def test_relu_hidden_layer():
    """A 2-3-1 network with a ReLU hidden layer (sigmoid output), mixed τ's."""
    run_and_compare(
        XOR.replace(layers=(2, 3, 1), activation="relu", init_scale=1.0, tau_theta=3, tau_x=2, steps=20), hw_seed=9
    )


@pytest.mark.parametrize("mode", ["prescaled", "raw"])
def test_odd_formats(mode):
    """θ s4.9, G s6.9, act s3.6, C u2.12, g_raw s8.12, η u7.7: every signal width and shift comes from the formats."""
    run_and_compare(XOR.replace(tau_theta=4, eta=0.25 if mode == "prescaled" else 0.2), fmts=ODD, mode=mode, hw_seed=2)


@pytest.mark.parametrize("input_bits", [None, 3])
def test_act_format_and_multi_bit_inputs(input_bits):
    """Inputs in the act format (no ``input_bits``) and as 3-bit values (XOR's 0/1 inputs are v·2^-2 with v in
    {0, 4}): the same arithmetic (narrow inputs only drop multiplier bits that are zero)."""
    run_and_compare(XOR.replace(tau_theta=4), input_bits=input_bits, hw_seed=1)


def test_default_formats_and_a_large_seed_register():
    """The default (wide) formats, a 3-input parity network, and a seed register near the top of its range."""
    config = MGDConfig(dataset="parity3", eta=0.5, dtheta=2**-4, init_scale=1.0, steps=21, seeds=1, seed=0, tau_theta=6)
    b, _ = run_and_compare(config, fmts=DEFAULT_FORMATS, input_bits=1, hw_seed=40)
    assert b.regs.seed == 40 and b.model.mlp.layers[0] == 3
