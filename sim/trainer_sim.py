"""Simulate the trainer top in Amaranth and record its trace.

:func:`simulate` (given a trainer from :func:`mgd.rtl.trainer_build.build`) runs the free-running trainer (the
testbench writes the registers and pulses ``start`` once, then only reads) and returns a trace: numpy arrays per
signal, one row per cycle, of :data:`~mgd.golden_model.schedule.TRACE_SIGNALS` and the per-synapse ``code``,
``g``, ``theta``; :func:`golden_trace` is the same trace from :class:`~mgd.golden_model.schedule.ScheduleModel`.
"""

from __future__ import annotations

import math
import time

import numpy as np
from amaranth.sim import Simulator

from mgd.golden_model.config import MGDConfig
from mgd.golden_model.schedule import PHASES, SYNAPSE_SIGNALS, TRACE_SIGNALS, Registers, step_cycles
from mgd.rtl.pipelined_trainer import PipelinedTrainer
from mgd.rtl.trainer import Trainer
from mgd.rtl.trainer_build import Build, cycle_limit

__all__ = ["simulate", "golden_trace", "cycles_per_step"]


def simulate(
    trainer: Trainer | PipelinedTrainer,
    regs: Registers | list[Registers],
    *,
    record: bool = True,
    vcd: str | None = None,
    sample_every: int | None = None,
    progress: bool = False,
) -> dict:
    """Run until ``done``; return ``{"trace": {...} or None, "cycles": n, "wall_time": s, "theta_at": {...},
    "starts": {cycle: Registers}}``.

    ``regs`` may be a list: after each run ends the testbench writes the next registers and pulses ``start`` again
    (the same elaborated design, new runtime registers). ``record`` keeps every cycle's values (memory grows with
    the run); ``sample_every`` records θ at every multiple of that many steps of the (last) run (``theta_at``),
    which is how accuracy is measured during long runs."""
    runs = regs if isinstance(regs, list) else [regs]
    pipelined = isinstance(trainer, PipelinedTrainer)
    regs = runs[-1]
    starts: dict[int, Registers] = {}
    rows = {name: [] for name in TRACE_SIGNALS + SYNAPSE_SIGNALS}
    theta_at: dict[int, np.ndarray] = {}
    count = [0]
    syn = trainer.synapses
    status = trainer.status
    phase_raw = status.phase.as_value()  # the Phase enum's bits: an int per cycle, as the golden schedule's
    scalar_ports = {name: getattr(status, name) for name in status.signature.members if name != "phase"}
    scalar_ports |= {"phase": phase_raw, "sample": trainer.controller.sample, "index": trainer.controller.index}
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=regs.steps, desc="amaranth sim", unit="step", leave=False, mininterval=0.5)

    def thetas(ctx):
        return np.array([ctx.get(s.theta) for s in syn], dtype=np.int64)

    async def bench(ctx):
        cycle = 0
        for run_regs in runs:
            cycle = await one_run(ctx, run_regs, cycle)
        theta_at.setdefault(ctx.get(status.step), thetas(ctx))

    async def one_run(ctx, regs, first):
        for name in trainer.regs.signature.members:
            ctx.set(getattr(trainer.regs, name), getattr(regs, name))
        ctx.set(trainer.start, 1)
        starts[first] = regs
        last_step = -1
        limit = cycle_limit(trainer, regs) + 2

        def mid_window(phase, step):
            """The pipelined trainer's stall with a step that ends no window: θ is θ after ``step`` steps there
            (it changes only when a window's last step retires; with τθ below the pipeline's depth a mid-window
            step is counted only during the stall)."""
            return pipelined and phase == PHASES["correlate"] and step % regs.tau_theta != 0

        for cycle in range(first, first + limit):
            if record:
                for name, port in scalar_ports.items():
                    rows[name].append(ctx.get(port))
                rows["code"].append([ctx.get(s.code) for s in syn])
                rows["g"].append([ctx.get(s.g) for s in syn])
                rows["theta"].append([ctx.get(s.theta) for s in syn])
            step = ctx.get(status.step)
            phase = ctx.get(phase_raw)
            if (
                sample_every
                and (phase in (PHASES["begin"], PHASES["done"], PHASES["pert"]) or mid_window(phase, step))
                and step % sample_every == 0
                and step not in theta_at
            ):
                theta_at[step] = thetas(ctx)
            if bar is not None and step != last_step:
                bar.update(step - bar.n)
            last_step = step
            done = ctx.get(status.done)
            await ctx.tick()
            count[0] = cycle + 1
            if cycle == first:
                ctx.set(trainer.start, 0)
            if done and cycle > first:
                break
        return count[0]

    sim = Simulator(trainer)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    t0 = time.perf_counter()
    if vcd:
        with sim.write_vcd(vcd):
            sim.run()
    else:
        sim.run()
    wall = time.perf_counter() - t0
    if bar is not None:
        bar.close()
    trace = {k: np.array(v, dtype=np.int64) for k, v in rows.items()} if record else None
    return {"trace": trace, "cycles": count[0], "wall_time": wall, "theta_at": theta_at, "starts": starts}


def golden_trace(b: Build, cycles: int, starts: dict[int, Registers] | None = None) -> dict:
    """The golden per-cycle trace of ``cycles`` cycles for the same build (``starts`` as returned by
    :func:`simulate`; default: one run with the build's registers)."""
    return b.golden().run(cycles, starts)


def cycles_per_step(latency: int, config: MGDConfig) -> float:
    """Average cycles per step for the config's τx and τθ (C₀ is measured when n mod τx = 0 or n mod τθ = 0)."""
    tx, tt = config.tau_x, int(config.tau_theta)
    period = tx * tt // math.gcd(tx, tt)
    with_c0 = sum(1 for n in range(period) if n % tx == 0 or n % tt == 0)
    return step_cycles(latency, False) + (latency + 1) * with_c0 / period
