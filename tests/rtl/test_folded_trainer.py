"""The folded trainer in Amaranth simulation against its golden cycle schedule: every cycle, the scalar schedule
signals and the θ/G memories' write ports (every θ and G change) equal
:class:`~mgd.golden_model.folded_schedule.FoldedScheduleModel`'s; the run takes exactly
:func:`~mgd.golden_model.folded_schedule.folded_cycles` cycles; θ read back at the end equals
:class:`~mgd.golden_model.fixed_mgd.FixedMGD`'s after as many steps (stepped alone). Over lanes (1, 2, 3, more
than a layer's neurons), each code kind, both broadcast modes, odd formats, a ReLU hidden layer, act-format and
multi-bit inputs, mixed τ's, nonzero seed registers, and several runs of one elaborated design."""

import numpy as np
import pytest
from mgd_strategies import ODD_FORMATS

from mgd.golden_model.config import MGDConfig
from mgd.golden_model.fixed_mgd import FixedMGD
from mgd.golden_model.folded_schedule import folded_cycles
from mgd.golden_model.formats import COMPACT_FORMATS, DEFAULT_FORMATS
from mgd.golden_model.schedule import Registers
from mgd.rtl.folded_trainer import FoldedTrainer
from mgd.rtl.trainer_build import build
from mgd.sim.folded_sim import golden_folded_trace, simulate_folded
from mgd.sim.trace import compare

XOR = MGDConfig(
    dataset="xor", eta=0.5, dtheta=2**-4, init_scale=2.0, steps=24, seeds=1, seed=0, sample_order="random", tau_theta=4
)
CHECKED = {"phase", "step", "sample", "index", "cost", "c0", "c_tilde", "broadcast", "done"}
CHECKED |= {"theta_we", "g_we", "wr_addr", "theta_wdata", "g_wdata"}


def run_and_compare(config, *, fmts=COMPACT_FORMATS, mode="prescaled", lanes=2, input_bits=1, hw_seed=0):
    b = build(config, fmts, mode=mode, hw_seed=hw_seed, lanes=lanes, input_bits=input_bits)
    assert isinstance(b.trainer, FoldedTrainer)
    result = simulate_folded(b.trainer, b.regs)
    comparison = compare(result["trace"], golden_folded_trace(b, result["cycles"], result["starts"]))
    assert set(comparison.signals) == CHECKED
    assert comparison.identical, comparison.report()
    assert result["cycles"] == folded_cycles(b.regs, b.trainer.timing) + 1
    assert_no_used_collision(result)
    model = FixedMGD(config, fmts, mode=mode, hw_seed=b.regs.seed)
    for _ in range(config.steps):
        model.step()
    assert np.array_equal(result["theta"], model.theta[0])
    # the run moved θ and wrote G (a comparison of two idle traces would prove nothing)
    assert not np.array_equal(model.theta[0], model.theta0[0])
    assert result["trace"]["g_wdata"].any()
    return b, result


def assert_no_used_collision(result):
    """The θ, G and code-buffer memories are synthesized with a read undefined when a write of its address comes in
    the same cycle (``BLOCK_RAM_COLLISION_X``): no read the trainer uses may meet one."""
    assert not result["collisions"], f"used reads of an address written in their cycle: {result['collisions'][:5]}"


@pytest.mark.parametrize("lanes", [1, 2, 3])
def test_xor_over_lanes(lanes):
    """2-2-1 with 1 lane (every neuron its own group), 2 (one group per layer, the output layer's second lane idle) and
    3 (more lanes than any layer's neurons)."""
    run_and_compare(XOR, lanes=lanes, hw_seed=5)


@pytest.mark.parametrize("perturbation", ["code", "uniform", "walsh", "sequential"])
def test_each_code_kind(perturbation):
    """Each code's key (LFSR row masks, multi-level rows, Walsh row, sequential slot) gives the golden code."""
    run_and_compare(XOR.replace(perturbation=perturbation, tau_p=2), lanes=2, hw_seed=7)


@pytest.mark.parametrize("mode", ["prescaled", "raw"])
def test_odd_formats_both_modes(mode):
    config = XOR.replace(eta=0.25) if mode == "raw" else XOR
    run_and_compare(config, fmts=ODD_FORMATS, mode=mode, lanes=3, hw_seed=11)


def test_mixed_taus_partial_window_and_relu():
    """τx = 2, τp = 3, τθ = 5 over 17 steps (the last window partial), a ReLU hidden layer, parity3 (3-3-1)."""
    config = MGDConfig(
        dataset="parity3", eta=0.25, dtheta=2**-4, init_scale=1.0, steps=17, seeds=1, seed=2,
        sample_order="cyclic", tau_x=2, tau_p=3, tau_theta=5, activation="relu",
    )  # fmt: skip
    run_and_compare(config, lanes=2, hw_seed=0)


@pytest.mark.parametrize("input_bits", [None, 2])
def test_act_format_and_multi_bit_inputs(input_bits):
    run_and_compare(XOR, fmts=DEFAULT_FORMATS, lanes=2, input_bits=input_bits, hw_seed=3)


def test_runtime_registers_change_between_runs():
    """One elaborated folded trainer, three runs with different registers, each cycle-exact (the load stream
    restores θ₀ and clears G at every start)."""
    b = build(XOR, COMPACT_FORMATS, lanes=2, input_bits=1)
    first = b.regs
    runs = [
        first,
        Registers.for_formats(
            COMPACT_FORMATS, tau_x=2, tau_p=3, tau_theta=5, eta=first.eta // 2, dtheta_shift=3, seed=5, steps=13
        ),
        Registers.for_formats(
            COMPACT_FORMATS, tau_x=1, tau_p=1, tau_theta=1, eta=first.eta, dtheta_shift=4, seed=0, steps=6
        ),
    ]
    result = simulate_folded(b.trainer, runs)
    comparison = compare(result["trace"], golden_folded_trace(b, result["cycles"], result["starts"]))
    assert comparison.identical, comparison.report()
    assert len(result["starts"]) == 3
    assert_no_used_collision(result)  # the load streams between runs included


def test_refuses_bad_lanes():
    with pytest.raises(ValueError, match="lanes must be a positive integer"):
        build(XOR, COMPACT_FORMATS, lanes=0)
