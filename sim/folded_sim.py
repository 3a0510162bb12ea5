"""Simulate the folded trainer in Amaranth and record its trace: the scalar schedule signals and the θ/G write ports.

The folded trainer keeps θ and G in memories, so its trace is :data:`~mgd.golden_model.schedule.TRACE_SIGNALS`
plus the memories' write ports (:data:`FoldedScheduleModel.WRITE_SIGNALS
<mgd.golden_model.folded_schedule.FoldedScheduleModel>`): every θ and G change, every cycle (an address or data is
recorded as 0 in a cycle whose enable is 0: a don't-care). θ after the run is read back through the readout port
(:func:`read_theta`); during a run (``sample_every``) θ is peeked straight from the θ memory in the ``begin`` phase
(a simulation backdoor: θ changes only at a window's end, and the trainer leaves ``correlate`` only after the
window's last θ write, so there the memory holds θ after ``step`` steps).
"""

from __future__ import annotations

import time

import numpy as np
from amaranth.hdl import Fragment
from amaranth.sim import Simulator

from mgd.golden_model.folded_schedule import FoldedScheduleModel
from mgd.golden_model.schedule import PHASES, TRACE_SIGNALS, Registers
from mgd.rtl.folded_trainer import FoldedTrainer
from mgd.rtl.trainer_build import Build, cycle_limit

__all__ = ["simulate_folded", "golden_folded_trace", "read_theta"]

SCALARS = TRACE_SIGNALS
LANE_SIGNALS = ("theta_wdata", "g_wdata")


async def read_theta(ctx, trainer: FoldedTrainer) -> np.ndarray:
    """θ of every parameter through the readout port (the trainer idle or done): (P,) int64."""
    lay = trainer.layout
    out = np.zeros(trainer.mlp.n_params, dtype=np.int64)
    for i, pos in enumerate(lay.position):
        ctx.set(trainer.readout.addr, int(pos))
        await ctx.tick()
        out[i] = ctx.get(trainer.readout.theta)
    return out


def _theta_peek(trainer: FoldedTrainer, fragment: Fragment):
    """``peek(ctx)`` → θ of every parameter (P,) from the elaborated θ memory (subfragment ``theta_memory``)."""
    data = fragment.find_subfragment("theta_memory")._data
    lay, tw = trainer.layout, trainer.fmts.theta.width
    words, lanes = lay.position >> lay.lane_bits, lay.position & ((1 << lay.lane_bits) - 1)

    def peek(ctx) -> np.ndarray:
        out = np.zeros(len(words), dtype=np.int64)
        for i, (word, lane) in enumerate(zip(words, lanes, strict=True)):
            v = (ctx.get(data[int(word)]) >> (int(lane) * tw)) & ((1 << tw) - 1)
            out[i] = v - (1 << tw) if v >> (tw - 1) else v
        return out

    return peek


def simulate_folded(
    trainer: FoldedTrainer,
    regs: Registers | list[Registers],
    *,
    record: bool = True,
    sample_every: int | None = None,
    vcd: str | None = None,
) -> dict:
    """Run until ``done`` (each of ``regs`` in turn, as :func:`~.trainer_sim.simulate`); return ``{"trace": {...} or
    None, "cycles": n, "wall_time": s, "theta": θ after the last run (read back), "starts": {cycle: Registers},
    "theta_at": {step: θ}, "collisions": [(cycle, phase, bits)]}`` (with ``record``: the cycles whose
    ``writes.collisions`` is nonzero, a memory written at the address a used read reads). ``sample_every``: θ of the
    last run peeked from the θ memory in its ``begin`` phase at every multiple of that many steps, and at ``done``
    (``theta_at``; empty without). ``vcd``: write a VCD."""
    runs = regs if isinstance(regs, list) else [regs]
    theta_at: dict[int, np.ndarray] = {}
    fragment = Fragment.get(trainer, None) if sample_every else trainer
    peek = _theta_peek(trainer, fragment) if sample_every else None
    starts: dict[int, Registers] = {}
    rows = {name: [] for name in SCALARS + FoldedScheduleModel.WRITE_SIGNALS}
    status, ctl, writes = trainer.status, trainer.controller, trainer.writes
    ports = {name: getattr(status, name) for name in status.signature.members if name != "phase"}
    ports |= {"phase": status.phase.as_value(), "sample": ctl.sample, "index": trainer.code_counter.index}
    ports |= {name: getattr(writes, name) for name in ("theta_we", "g_we", "wr_addr")}
    L = trainer.lanes
    result = {}
    collisions = []

    async def bench(ctx):
        cycle = 0
        for k, run_regs in enumerate(runs):
            last_sampled = -1
            for name in trainer.regs.signature.members:
                ctx.set(getattr(trainer.regs, name), getattr(run_regs, name))
            ctx.set(trainer.start, 1)
            starts[cycle] = run_regs
            first = cycle
            for cycle in range(first, first + cycle_limit(trainer, run_regs) + 2):
                if record:
                    for name, port in ports.items():
                        rows[name].append(ctx.get(port))
                    # a write port's address and data are don't-cares while its enable is 0: recorded as 0
                    enables = {"theta_wdata": rows["theta_we"][-1], "g_wdata": rows["g_we"][-1]}
                    for name in LANE_SIGNALS:
                        values = (
                            [ctx.get(getattr(writes, name)[lane]) for lane in range(L)] if enables[name] else [0] * L
                        )
                        rows[name].append(values)
                    if not (enables["theta_wdata"] or enables["g_wdata"]):
                        rows["wr_addr"][-1] = 0
                    if bits := ctx.get(writes.collisions):
                        collisions.append((cycle, rows["phase"][-1], bits))
                done = ctx.get(status.done)
                if peek is not None and k == len(runs) - 1:
                    phase, step = ctx.get(status.phase.as_value()), ctx.get(status.step)
                    sampled = phase == PHASES["done"] or (phase == PHASES["begin"] and step % sample_every == 0)
                    if sampled and step != last_sampled:
                        theta_at[step] = peek(ctx)
                        last_sampled = step
                await ctx.tick()
                if cycle == first:
                    ctx.set(trainer.start, 0)
                if done and cycle > first:
                    break
            cycle += 1
        result["cycles"] = cycle
        result["theta"] = await read_theta(ctx, trainer)

    sim = Simulator(fragment)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    t0 = time.perf_counter()
    if vcd:
        with sim.write_vcd(vcd):
            sim.run()
    else:
        sim.run()
    result["wall_time"] = time.perf_counter() - t0
    result["trace"] = {k: np.array(v, dtype=np.int64) for k, v in rows.items()} if record else None
    result["starts"] = starts
    result["theta_at"] = theta_at
    result["collisions"] = collisions
    return result


def golden_folded_trace(b: Build, cycles: int, starts: dict[int, Registers] | None = None) -> dict:
    """The golden trace of ``cycles`` cycles (:class:`~mgd.golden_model.folded_schedule.FoldedScheduleModel`)."""
    return b.golden().run(cycles, starts)
