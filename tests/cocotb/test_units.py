"""The synapse and the cost/broadcast unit as Verilog in Verilator and Icarus (cocotb), every cycle against their
golden per-cycle models (``SynapseModel``, ``CostUnitModel``): random inputs with a fixed seed, saturation corners
and synchronous resets; the testbenches (``tb_synapse.py``, ``tb_cost_unit.py``) assert 0 mismatches and that the
corners were reached."""

import pytest
from mgd_cocotb import SIMULATORS, VARIANTS

from mgd.sim.trace import load

RANDOM_CYCLES = 400
SEED = 2026


def run_unit(bench, workdir, sim, unit, variant):
    config, mode = VARIANTS[variant]
    out = workdir / f"{unit}-{variant}-{sim}.npz"
    job = {
        "config": config.to_dict(),
        "mode": mode,
        "synapse": 0,
        "seed": SEED,
        "random_cycles": RANDOM_CYCLES,
        "trace_out": str(out),
    }
    bench(sim, unit, variant).run(f"tb_{unit}", job, f"{unit}-{variant}")
    return load(out)[0]


@pytest.mark.parametrize("sim", SIMULATORS)
@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("unit", ["synapse", "cost_unit"])
def test_unit_verilog_matches_golden_model_every_cycle(unit, variant, sim, bench, workdir):
    trace = run_unit(bench, workdir, sim, unit, variant)
    assert len(next(iter(trace.values()))) > RANDOM_CYCLES
