"""cocotb testbench: the trainer top (``mgd verilog`` output) against the golden cycle schedule, every cycle.

The checks of ``tests/rtl/test_trainer.py`` on the Verilog, for either trainer: the reference one against
:class:`~mgd.golden_model.schedule.ScheduleModel` (job key ``latency``), the pipelined one against
:class:`~mgd.golden_model.pipeline_schedule.PipelinedScheduleModel` (job key ``timing``; formats from the job's
``formats``). The testbench writes the runtime registers, pulses
``start`` once per run and otherwise only reads; in every cycle the 12 signals of the schedule (phase, step,
sample, index, cost, C₀, C̃, broadcast, done; code, G, θ per synapse) must equal those of
:class:`~mgd.golden_model.schedule.ScheduleModel`. The readout port is checked on the way (``read_addr`` walks the
synapses, ``read_theta`` must show that θ). Each test writes its observed trace to the job's ``trace_out[<test>]``
(:func:`mgd.sim.trace.save`) for the pytest side (golden and cross-simulator comparisons).

* ``xor``: the configuration's registers, one run (``job["runs"]["xor"]``).
* ``registers``: one design, several runs back to back with other registers (τx, τp, τθ, η, Δθ shift, seed,
  steps); after ``done`` the next run's registers are written and ``start`` pulsed in the following cycle, as
  :func:`mgd.sim.trainer_sim.simulate` does with a list of registers.

Where Amaranth puts the signals in its Verilog: the top's ports are the members of the trainer's signature, named
by their path (``regs__tau_x``, ``status__phase``, ``readout__theta``: :func:`mgd.rtl.trainer_interfaces.port_name`);
submodules are instances named after ``m.submodules`` (``controller``, ``synapse<i>`` with ``perturbator``,
``accumulator``, ``updater`` inside). Ports a parent does not use are dropped, and Yosys may hand a port's name to
another net: inside ``synapse<i>`` the wire called ``g`` is the accumulator's ``acc`` output (G + e, what the updater
sees), while the G register reaches the parent as ``\\g$28``. So the per-synapse signals are read at the ports of
the leaf units, whose names are stable: ``synapse<i>.perturbator.code``, ``synapse<i>.accumulator.g``,
``synapse<i>.updater.theta``.
"""

from __future__ import annotations

import cocotb
import numpy as np
from amaranth.hdl import Shape
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge
from tb_common import Mismatches, load_job, read, start

from mgd.golden_model.config import MGDConfig
from mgd.golden_model.fixed_mgd import FixedMGD
from mgd.golden_model.fixed_units import g_format
from mgd.golden_model.formats import DEFAULT_FORMATS, FixedFormats
from mgd.golden_model.pipeline_schedule import PipelinedScheduleModel, PipelineTiming, pipelined_cycles
from mgd.golden_model.schedule import SYNAPSE_SIGNALS, TRACE_SIGNALS, Registers, ScheduleModel
from mgd.rtl.trainer_build import max_cycles
from mgd.rtl.trainer_interfaces import StatusSignature, port_name
from mgd.sim.trace import save


def port(dut, *path: str):
    """The handle of the trainer's port at member ``path`` (``regs__tau_x`` for ``("regs", "tau_x")``)."""
    return getattr(dut, port_name(*path))


def per_synapse_handles(synapse, pipelined: bool) -> dict:
    """The handles of a synapse's code, G and θ: the leaf units' ports in the reference trainer (see the module's
    docstring); in the pipelined trainer's synapse, G and θ are registers of the synapse itself (named ``g`` and
    ``theta`` in its module) and the code is its perturbator's port."""
    if pipelined:
        return {"code": synapse.perturbator.code, "g": synapse.g, "theta": synapse.theta}
    return {"code": synapse.perturbator.code, "g": synapse.accumulator.g, "theta": synapse.updater.theta}


async def run_and_check(dut, test: str) -> None:
    job = load_job()
    fmts = FixedFormats.from_dict(job["formats"]) if "formats" in job else DEFAULT_FORMATS
    config = MGDConfig.from_dict(job["config"])
    mode, hw_seed = job["mode"], job["hw_seed"]
    pipelined = "timing" in job
    runs = [Registers(**r) for r in job["runs"][test]]
    model = FixedMGD(config, fmts, mode=mode, hw_seed=hw_seed)
    if pipelined:
        timing = PipelineTiming(**job["timing"])
        golden = PipelinedScheduleModel(model, runs[0], timing)
    else:
        latency = job["latency"]
        golden = ScheduleModel(model, runs[0], latency)
    n_syn = model.mlp.n_params

    # (handle, signed) per traced signal: the status outputs, signed as their shapes in the trainer's signature
    status = StatusSignature(fmts, mode).members
    scalars = {name: (port(dut, "status", name), Shape.cast(m.shape).signed) for name, m in status.items()}
    scalars |= {"sample": (dut.controller.sample, False), "index": (dut.controller.index, False)}
    assert set(scalars) == set(TRACE_SIGNALS)
    handles = [per_synapse_handles(getattr(dut, f"synapse{i}"), pipelined) for i in range(n_syn)]
    signed = {"code": True, "g": g_format(mode, fmts).signed, "theta": fmts.theta.signed}
    per_synapse = {name: ([h[name] for h in handles], signed[name]) for name in SYNAPSE_SIGNALS}
    assert set(per_synapse) == set(SYNAPSE_SIGNALS)

    for name in Registers.NAMES:
        port(dut, "regs", name).value = 0
    dut.start.value = 0
    port(dut, "readout", "addr").value = 0
    await start(dut)

    rows = {name: [] for name in TRACE_SIGNALS + SYNAPSE_SIGNALS}
    bad = Mismatches()
    starts, ends, cycle = [], [], 0
    for regs in runs:
        first = cycle
        limit = (pipelined_cycles(regs, timing) if pipelined else max_cycles(regs, latency)) + 2
        starts.append(first)
        for cycle in range(first, first + limit):
            if cycle == first:
                for name in Registers.NAMES:
                    port(dut, "regs", name).value = getattr(regs, name)
                dut.start.value = 1
                golden.regs = regs
            elif cycle == first + 1:
                dut.start.value = 0
            addr = cycle % n_syn
            port(dut, "readout", "addr").value = addr
            await ReadOnly()

            want = golden.outputs()
            bad.compare(cycle, scalars, want, rows)
            for name, (handles, signed) in per_synapse.items():
                got = [read(h, signed) for h in handles]
                rows[name].append(got)
                bad.check(cycle, name, got, [int(v) for v in want[name]])
            bad.check(cycle, "read_theta", read(port(dut, "readout", "theta"), True), rows["theta"][-1][addr])

            await RisingEdge(dut.clk)
            golden.clock(start=int(cycle == first))
            await FallingEdge(dut.clk)
            if rows["done"][-1] and cycle > first:
                break
        else:
            raise AssertionError(f"run {len(ends)}: done did not rise within {limit} cycles of its start")
        ends.append(cycle)
        cycle += 1

    trace = {name: np.array(values, dtype=np.int64) for name, values in rows.items()}
    save(
        job["trace_out"][test],
        trace,
        {
            "simulator": cocotb.SIM_NAME,
            "simulator_version": cocotb.SIM_VERSION,
            "test": test,
            "cycles": len(trace["phase"]),
            "starts": starts,
        },
    )
    dut._log.info(
        "%s: %d run(s), %d cycles, %d signals checked every cycle: %d mismatches",
        test,
        len(runs),
        len(trace["phase"]),
        len(rows) + 1,
        bad.count,
    )
    assert bad.count == 0, bad.report()
    assert [int(trace["step"][e]) for e in ends] == [r.steps for r in runs]


@cocotb.test()
async def xor(dut):
    """The configuration's run: every cycle equal to the golden schedule."""
    await run_and_check(dut, "xor")


@cocotb.test()
async def registers(dut):
    """Runs back to back with other runtime registers, no re-elaboration: every cycle equal to the golden
    schedule."""
    await run_and_check(dut, "registers")
