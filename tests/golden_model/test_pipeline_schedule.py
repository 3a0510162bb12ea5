"""The pipelined trainer's golden schedule: its phases and cycle counts derived by hand from the issue/retire rule,
and its per-step arithmetic and θ after every update against :class:`FixedMGD` stepped alone (which measures C₀
only when n mod τx = 0 or n mod τθ = 0, the pipeline on every step)."""

import numpy as np
import pytest

from mgd.golden_model.config import MGDConfig
from mgd.golden_model.fixed_mgd import FixedMGD
from mgd.golden_model.formats import FORMAT_SETS
from mgd.golden_model.pipeline_schedule import PipelinedScheduleModel, PipelineTiming, pipelined_cycles
from mgd.golden_model.sample_order import sample_indices
from mgd.golden_model.schedule import PHASES, Registers

XOR = MGDConfig(dataset="xor", eta=0.5, dtheta=2**-4, init_scale=2.0, steps=40, seeds=1, seed=3, sample_order="random")


def _run(config, timing, hw_seed=7, mode="prescaled", fmts=FORMAT_SETS["compact"]):
    model = FixedMGD(config, fmts, mode=mode, hw_seed=hw_seed)
    regs = model.registers()
    trace = PipelinedScheduleModel(model, regs, timing).run_until_done(pipelined_cycles(regs, timing) + 5)
    return model, regs, trace


def test_tiny_run_by_hand():
    """seed 2, 5 steps, τθ = 2, measure 3, correlate 4, retire 5: idle (0), load (1), seed (2–3), begin (4); window
    1 issues in 5–6, its last step retires at the edge ending 6 + 5 = 11; window 2 issues in 12–13 and retires at
    18; the final step issues in 19 and retires at 24; done shows in cycle 25 = 3 + seed + steps + 3 windows ×
    retire."""
    timing = PipelineTiming(measure=3, correlate=4, retire=5)
    config = XOR.replace(steps=5, tau_theta=2)
    model, regs, trace = _run(config, timing, hw_seed=2)
    P = PHASES
    want = [P["idle"], P["load"], P["seed"], P["seed"], P["begin"]]
    want += [P["pert"]] * 2 + [P["correlate"]] * 5 + [P["pert"]] * 2 + [P["correlate"]] * 5
    want += [P["pert"]] + [P["correlate"]] * 5 + [P["done"]]
    assert trace["phase"].tolist() == want
    assert len(want) - 1 == pipelined_cycles(regs, timing) == 25
    # a step's correlation shows in G and `step` correlate + 1 cycles after its issue cycle
    issue_cycles = [5, 6, 12, 13, 19]
    step = trace["step"]
    for n, t in enumerate(issue_cycles):
        assert step[t + timing.correlate] == n and step[t + timing.correlate + 1] == n + 1
    # θ changes only right after a window's last retire edge (cycles 12 and 19), not at the final partial window
    changes = [c for c in range(1, len(want)) if not np.array_equal(trace["theta"][c], trace["theta"][c - 1])]
    assert set(changes) <= {1, 2, 12, 19}


@pytest.mark.parametrize(
    "change,mode,timing",
    [
        (dict(tau_theta=1), "prescaled", PipelineTiming(14, 15, 16)),
        (dict(tau_theta=4), "prescaled", PipelineTiming(14, 16, 17)),
        (dict(tau_theta=5, tau_x=3, tau_p=2, sample_order="cyclic"), "prescaled", PipelineTiming(6, 7, 8)),
        (dict(tau_theta=3, perturbation="walsh"), "raw", PipelineTiming(9, 10, 12)),
        (dict(tau_theta=16, perturbation="sequential", eta=0.25), "prescaled", PipelineTiming(2, 3, 4)),
        (dict(tau_theta=2, perturbation="uniform", eta=0.2), "prescaled", PipelineTiming(14, 15, 16)),
    ],
)
def test_every_step_and_every_update_equal_fixed_mgd(change, mode, timing):
    """In the cycle after each step's measure edge, C, C₀, C̃ and the broadcast are that step's values from
    FixedMGD; its correlation shows in ``step`` after its correlate edge; θ while issuing equals FixedMGD's θ after
    the steps correlated so far; done shows in exactly pipelined_cycles cycles; step n is issued with sample
    ⌊n/τx⌋ of the sample order."""
    config = XOR.replace(steps=37, **change)
    model, regs, trace = _run(config, timing, mode=mode)
    assert trace["done"][-1] == 1 and len(trace["done"]) - 1 == pipelined_cycles(regs, timing)
    golden = FixedMGD(config, FORMAT_SETS["compact"], mode=mode, hw_seed=regs.seed)
    step = trace["step"]
    issuing = np.flatnonzero(trace["phase"] == PHASES["pert"])  # one issue cycle per step, in step order
    assert len(issuing) == config.steps
    thetas = {0: golden.theta[0].copy()}
    for n, t in enumerate(issuing):
        golden.step()
        thetas[n + 1] = golden.theta[0].copy()
        c = t + timing.measure + 1
        for name, want in (("cost", golden.cost), ("c0", golden.c0), ("c_tilde", golden.c_tilde)):
            assert trace[name][c] == want[0], (name, n)
        assert trace["broadcast"][c] == golden.bcast[0]
        assert step[t + timing.correlate] == n and step[t + timing.correlate + 1] == n + 1
    for c in issuing:
        assert np.array_equal(trace["theta"][c], thetas[step[c]]), c
    assert np.array_equal(trace["theta"][-1], golden.theta[0])
    drawn = sample_indices(config.sample_order, 4, -(-config.steps // config.tau_x), seed=regs.seed)
    assert trace["sample"][issuing].tolist() == [drawn[n // config.tau_x] for n in range(config.steps)]


def test_cycles_per_step_and_bad_timings():
    t = PipelineTiming(measure=14, correlate=16, retire=17)
    assert t.cycles_per_step(17) == 2.0 and t.cycles_per_step(1) == 18.0
    regs = Registers(steps=10_000, tau_theta=16, seed=0)
    assert pipelined_cycles(regs, t) == 3 + 10_000 + 625 * 17
    with pytest.raises(ValueError, match="need measure < correlate < retire"):
        PipelineTiming(measure=5, correlate=6, retire=6)
    with pytest.raises(ValueError, match="measure must be a positive integer"):
        PipelineTiming(measure=0, correlate=1, retire=3)
    with pytest.raises(ValueError, match="retire must be a positive integer"):
        PipelineTiming(measure=2, correlate=3, retire=True)
