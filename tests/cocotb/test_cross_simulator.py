"""Same Verilog, same configuration, seed and registers: the Amaranth simulation, Verilator and Icarus give
identical traces (every signal, every cycle, same length), for the XOR run and for the back-to-back runs with
other registers."""

import pytest
from mgd_cocotb import SIMULATORS

from mgd.sim.trace import compare

TESTS = ["xor", "registers"]


@pytest.mark.parametrize("sim", SIMULATORS)
@pytest.mark.parametrize("test", TESTS)
def test_hdl_simulator_trace_equals_amaranth_simulation(test, sim, trainer_trace, amaranth_run):
    trace, _ = trainer_trace(sim)[test]
    _, _, results = amaranth_run
    comparison = compare(results[test]["trace"], trace)
    assert len(comparison.signals) == 12
    assert comparison.identical, comparison.report()


@pytest.mark.parametrize("test", TESTS)
def test_verilator_and_icarus_traces_are_identical(test, trainer_trace):
    verilator, _ = trainer_trace("verilator")[test]
    icarus, _ = trainer_trace("icarus")[test]
    comparison = compare(verilator, icarus)
    assert len(comparison.signals) == 12
    assert comparison.identical, comparison.report()
