"""The pipelined trainer in Amaranth simulation against its golden cycle schedule (bit-exact, every cycle, every
checked signal), θ against FixedMGD, its cycles per step, runtime registers, ``stop`` and refused parameters.
(Each code kind, mode, odd formats and ReLU: tests/rtl/test_pipelined_variants.py.)"""

import numpy as np
import pytest
from amaranth.sim import Simulator

from mgd.golden_model.config import MGDConfig
from mgd.golden_model.fixed_mgd import FixedMGD
from mgd.golden_model.formats import FORMAT_SETS
from mgd.golden_model.pipeline_schedule import pipelined_cycles
from mgd.golden_model.schedule import PHASES, Registers
from mgd.rtl.pipelined_trainer import PipelinedTrainer
from mgd.rtl.trainer_build import build
from mgd.sim.trace import compare
from mgd.sim.trainer_sim import golden_trace, simulate

COMPACT = FORMAT_SETS["compact"]
XOR = MGDConfig(
    dataset="xor", eta=0.5, dtheta=2**-4, init_scale=2.0, steps=1000, seeds=1, seed=0, sample_order="random"
)
CHECKED = {"phase", "step", "sample", "index", "cost", "c0", "c_tilde", "broadcast", "done", "code", "g", "theta"}


def run_and_compare(config, *, fmts=COMPACT, input_bits=1, hw_seed=0, sample_every=None):
    b = build(config, fmts, hw_seed=hw_seed, pipelined=True, input_bits=input_bits)
    result = simulate(b.trainer, b.regs, sample_every=sample_every)
    golden = golden_trace(b, result["cycles"], result["starts"])
    comparison = compare(result["trace"], golden)
    assert set(comparison.signals) == CHECKED
    assert comparison.identical, comparison.report()
    return b, result


def test_xor_trains_to_100_percent_at_under_2_cycles_per_step_with_zero_mismatches():
    """τθ = 20 ≥ the pipeline's retire latency: 1,000 steps (50 whole windows), every cycle equal to the golden
    schedule, θ every 100 steps equal to FixedMGD's (stepped alone), ≤ 2 cycles per step, and XOR is solved (η 0.25:
    half the τθ = 1 setting, as G now sums 20 steps)."""
    config = XOR.replace(tau_theta=20, eta=0.25, steps=1000)
    b, result = run_and_compare(config, sample_every=100)
    timing = b.trainer.timing
    assert timing.retire <= 20
    assert result["cycles"] == pipelined_cycles(b.regs, timing) + 1
    assert (result["cycles"] - 4 - b.regs.seed) / config.steps <= 2.0
    model = FixedMGD(config, COMPACT, hw_seed=b.regs.seed)
    for step, theta in sorted(result["theta_at"].items()):
        while model.n < step:
            model.step()
        assert np.array_equal(theta, model.theta[0]), step
    assert model.n == config.steps
    assert b.model.evaluate(result["theta_at"][config.steps][None])[0][0] == 1.0


@pytest.mark.parametrize("tau_theta", [1, 3])
def test_short_windows_stall_and_match(tau_theta):
    """τθ below the pipeline depth: the controller stalls after every window, still cycle-exact."""
    run_and_compare(XOR.replace(steps=25, tau_theta=tau_theta), hw_seed=21)


def test_full_width_inputs_match_the_narrow_ones():
    """The same network with act-format inputs (layer 0 multiplies) and with 1-bit inputs (layer 0 selects): both
    cycle-exact and with the same θ at the end (the inputs are the same numbers)."""
    config = XOR.replace(steps=30, tau_theta=4)
    _, wide = run_and_compare(config, input_bits=None)
    _, narrow = run_and_compare(config, input_bits=1)
    assert np.array_equal(wide["trace"]["theta"][-1], narrow["trace"]["theta"][-1])


def test_runtime_registers_change_between_runs():
    """One elaborated pipelined trainer, three runs with different registers, each cycle-exact."""
    b = build(XOR.replace(steps=30, tau_theta=4), COMPACT, pipelined=True, input_bits=1)
    first = b.regs
    runs = [
        first,
        Registers.for_formats(
            COMPACT, tau_x=2, tau_p=3, tau_theta=5, eta=first.eta // 2, dtheta_shift=3, seed=5, steps=23
        ),
        Registers.for_formats(COMPACT, tau_x=1, tau_p=1, tau_theta=1, eta=first.eta, dtheta_shift=4, seed=0, steps=9),
    ]
    result = simulate(b.trainer, runs)
    comparison = compare(result["trace"], golden_trace(b, result["cycles"], result["starts"]))
    assert comparison.identical, comparison.report()
    assert len(result["starts"]) == 3


def test_stop_ends_a_run_and_drops_the_steps_in_flight():
    """``host.stop`` mid-window: done next cycle; θ and G never change afterwards (no strobe outside a run); a new
    start then runs cycle-exact from θ₀ again."""
    b = build(XOR.replace(steps=50, tau_theta=8), COMPACT, pipelined=True, input_bits=1, host_port=True)
    t = b.trainer
    syn = t.synapses
    seen = {}

    async def bench(ctx):
        for name in t.regs.signature.members:
            ctx.set(getattr(t.regs, name), getattr(b.regs, name))
        ctx.set(t.start, 1)
        await ctx.tick()
        ctx.set(t.start, 0)
        while ctx.get(t.status.step) < 3:
            await ctx.tick()
        ctx.set(t.host.stop, 1)
        await ctx.tick()
        ctx.set(t.host.stop, 0)
        assert ctx.get(t.status.done) == 1
        seen["theta"] = [ctx.get(s.theta) for s in syn]
        seen["g"] = [ctx.get(s.g) for s in syn]
        for _ in range(40):
            await ctx.tick()
            assert [ctx.get(s.theta) for s in syn] == seen["theta"]
            assert [ctx.get(s.g) for s in syn] == seen["g"]
        assert ctx.get(t.status.phase.as_value()) == PHASES["done"]

    sim = Simulator(t)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()
    assert any(seen["g"])  # the run was stopped with correlations accumulated: they stay, nothing more lands


def test_bad_pipelined_parameters_are_refused():
    model = FixedMGD(XOR.replace(steps=5), COMPACT)
    args = (model.mlp, model.codes, COMPACT, model.theta0[0], "prescaled", model.x, model.y)
    with pytest.raises(ValueError, match="input_bits must be None or an integer in"):
        PipelinedTrainer.check(*args, input_bits=0)
    with pytest.raises(ValueError, match="input_bits must be None or an integer in"):
        PipelinedTrainer.check(*args, input_bits=True)
    with pytest.raises(ValueError, match="tree_arity must be an integer >= 2"):
        PipelinedTrainer.check(*args, tree_arity=1)
    halves = model.x.copy()
    halves[1, 0] = 1 << (COMPACT.act.frac - 1)  # x = 0.5 is not a 1-bit input
    args = (model.mlp, model.codes, COMPACT, model.theta0[0], "prescaled", halves, model.y)
    with pytest.raises(ValueError, match="input_bits=1: every input must be"):
        PipelinedTrainer.check(*args, input_bits=1)
    assert np.array_equal(PipelinedTrainer.check(*args, input_bits=2), model.theta0[0])
    with pytest.raises(ValueError, match="input_bits is an option of the pipelined and folded trainers"):
        build(XOR.replace(steps=5), COMPACT, input_bits=1)
