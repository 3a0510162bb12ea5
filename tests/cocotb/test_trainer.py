"""The trainer's Verilog in Verilator and Icarus (cocotb) against the golden cycle schedule, every cycle.

The cocotb testbench (``tb_trainer.py``) asserts 0 mismatches cycle by cycle while it runs; here the traces it
recorded are checked once more, with :func:`mgd.sim.trace.compare`, against the golden trace, as
``tests/rtl/test_trainer.py`` checks the Amaranth simulation: the XOR configuration's run (200 steps, 1,603
cycles), and three runs back to back on the same design with every runtime register changed."""

import numpy as np
import pytest
from mgd_cocotb import SIMULATORS, TRAINER_CONFIG

from mgd.golden_model.schedule import PHASES
from mgd.sim.trace import compare
from mgd.sim.trainer_sim import golden_trace

CHECKED = {"phase", "step", "sample", "index", "cost", "c0", "c_tilde", "broadcast", "done", "code", "g", "theta"}


def check_against_golden(b, trace, meta, runs):
    starts = dict(zip(meta["starts"], runs, strict=True))
    comparison = compare(trace, golden_trace(b, len(trace["phase"]), starts))
    assert set(comparison.signals) == CHECKED
    assert comparison.identical, comparison.report()
    assert meta["cycles"] == len(trace["phase"])
    return comparison


@pytest.mark.parametrize("sim", SIMULATORS)
def test_trainer_verilog_matches_golden_schedule_every_cycle(sim, trainer_trace, amaranth_run):
    b, runs, _ = amaranth_run
    trace, meta = trainer_trace(sim)["xor"]
    check_against_golden(b, trace, meta, runs["xor"])
    assert trace["done"][-1] == 1 and trace["step"][-1] == TRAINER_CONFIG.steps
    assert trace["phase"][-1] == PHASES["done"] and trace["done"].sum() == 1


@pytest.mark.parametrize("sim", SIMULATORS)
def test_runtime_registers_change_behaviour_as_the_golden_model_predicts(sim, trainer_trace, amaranth_run):
    b, runs, _ = amaranth_run
    trace, meta = trainer_trace(sim)["registers"]
    check_against_golden(b, trace, meta, runs["registers"])
    starts = meta["starts"]
    assert len(starts) == 3
    ends = [s - 1 for s in starts[1:]] + [len(trace["phase"]) - 1]
    assert [int(trace["step"][e]) for e in ends] == [60, 40, 50]
    assert not np.array_equal(trace["theta"][ends[0]], trace["theta"][ends[2]])  # the registers changed the run
    assert (trace["phase"][starts[1] :] == PHASES["seed"]).sum() == 5 + 9  # the seed phases ran
