"""The pipelined trainer's Verilog in Verilator and Icarus (cocotb), as ``test_trainer.py`` and
``test_cross_simulator.py`` check the reference trainer's: ``tb_trainer`` compares it every cycle with
:class:`~mgd.golden_model.pipeline_schedule.PipelinedScheduleModel` while it runs (12 signals and the θ readout), and
here the recorded traces are compared once more with the golden trace (:func:`mgd.sim.trainer_sim.golden_trace`,
which picks the pipelined schedule for a pipelined build), with the Amaranth simulation, and across the two
simulators. The run: XOR in the compact formats with 1-bit inputs, τθ = 16 (≥ the retire latency), 192 steps, and three
runs back to back on the same design with every runtime register changed (τθ = 16, 4 and 1)."""

import numpy as np
import pytest
from mgd_cocotb import PIPELINED_CONFIG, SIMULATORS, TRAINERS

from mgd.golden_model.pipeline_schedule import pipelined_cycles
from mgd.golden_model.schedule import PHASES
from mgd.rtl.pipelined_trainer import PipelinedTrainer
from mgd.sim.trace import compare
from mgd.sim.trainer_sim import golden_trace

KIND = "pipelined"
CHECKED = {"phase", "step", "sample", "index", "cost", "c0", "c_tilde", "broadcast", "done", "code", "g", "theta"}
TESTS = ["xor", "registers"]


def check_against_golden(b, trace, meta, runs):
    starts = dict(zip(meta["starts"], runs, strict=True))
    comparison = compare(trace, golden_trace(b, len(trace["phase"]), starts))
    assert set(comparison.signals) == CHECKED
    assert comparison.identical, comparison.report()
    assert meta["cycles"] == len(trace["phase"])


def test_the_bench_runs_the_pipelined_trainer(amaranth_runs):
    b, runs, _ = amaranth_runs(KIND)
    assert TRAINERS[KIND].pipelined and isinstance(b.trainer, PipelinedTrainer)
    assert b.trainer.input_bits == 1 and b.model.fmts == TRAINERS[KIND].fmts
    assert [r.tau_theta for r in runs["registers"]] == [16, 4, 1]


@pytest.mark.parametrize("sim", SIMULATORS)
def test_pipelined_verilog_matches_its_golden_schedule_every_cycle(sim, trainer_trace, amaranth_runs):
    b, runs, _ = amaranth_runs(KIND)
    trace, meta = trainer_trace(sim, KIND)["xor"]
    check_against_golden(b, trace, meta, runs["xor"])
    cycles = pipelined_cycles(b.regs, b.trainer.timing)
    assert len(trace["phase"]) == cycles + 1  # the start cycle through the first cycle that shows done
    assert trace["done"][-1] == 1 and trace["step"][-1] == PIPELINED_CONFIG.steps
    assert trace["phase"][-1] == PHASES["done"] and trace["done"].sum() == 1
    # one step issued per cycle inside a window: the issuing phase lasts exactly `steps` cycles; with τθ ≥ retire,
    # at most 2 cycles per step (load, begin and the seed phase aside)
    assert (trace["phase"] == PHASES["pert"]).sum() == PIPELINED_CONFIG.steps
    assert b.trainer.timing.retire <= PIPELINED_CONFIG.tau_theta
    assert (cycles - 3 - b.regs.seed) / PIPELINED_CONFIG.steps <= 2.0


@pytest.mark.parametrize("sim", SIMULATORS)
def test_pipelined_runtime_registers_change_behaviour_as_the_golden_model_predicts(sim, trainer_trace, amaranth_runs):
    b, runs, _ = amaranth_runs(KIND)
    trace, meta = trainer_trace(sim, KIND)["registers"]
    check_against_golden(b, trace, meta, runs["registers"])
    starts = meta["starts"]
    assert len(starts) == 3
    ends = [s - 1 for s in starts[1:]] + [len(trace["phase"]) - 1]
    assert [int(trace["step"][e]) for e in ends] == [60, 40, 50]
    assert not np.array_equal(trace["theta"][ends[0]], trace["theta"][ends[2]])
    assert (trace["phase"][starts[1] :] == PHASES["seed"]).sum() == 5 + 9


@pytest.mark.parametrize("sim", SIMULATORS)
@pytest.mark.parametrize("test", TESTS)
def test_pipelined_hdl_simulator_trace_equals_amaranth_simulation(test, sim, trainer_trace, amaranth_runs):
    trace, _ = trainer_trace(sim, KIND)[test]
    _, _, results = amaranth_runs(KIND)
    comparison = compare(results[test]["trace"], trace)
    assert len(comparison.signals) == 12
    assert comparison.identical, comparison.report()


@pytest.mark.parametrize("test", TESTS)
def test_pipelined_verilator_and_icarus_traces_are_identical(test, trainer_trace):
    verilator, _ = trainer_trace("verilator", KIND)[test]
    icarus, _ = trainer_trace("icarus", KIND)[test]
    comparison = compare(verilator, icarus)
    assert len(comparison.signals) == 12
    assert comparison.identical, comparison.report()
