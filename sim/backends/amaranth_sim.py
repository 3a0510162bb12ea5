"""The ``amaranth`` backend: every seed's network is its own trainer, simulated free-running in Amaranth until
``done``; θ is sampled every ``eval_every`` steps and evaluated with the bit-exact fixed-point forward pass (what the
array computes). :func:`schedule_trace` gives the golden per-cycle trace the ``fixed`` backend writes with ``--trace``.
"""

from __future__ import annotations

from mgd.golden_model.config import MGDConfig
from mgd.golden_model.fixed_mgd import FixedMGD
from mgd.golden_model.formats import DEFAULT_FORMATS
from mgd.golden_model.training import TrainResult
from mgd.rtl.trainer_build import build, cycle_limit, max_cycles

from .. import trace as trace_io
from ..trainer_sim import simulate
from .results import HardwareExtras, SeedRun, assemble_result, one_seed_config

__all__ = ["train_amaranth", "schedule_trace"]


def train_amaranth(
    config: MGDConfig,
    fmts=DEFAULT_FORMATS,
    *,
    mode="prescaled",
    trace_path=None,
    vcd=None,
    progress=False,
    pipelined: bool = False,
    input_bits: int | None = None,
    lanes: int | None = None,
) -> tuple[TrainResult, HardwareExtras]:
    """Train ``config.seeds`` networks (seed, seed+1, …: the same θ₀ as the golden backends, the same seed register
    values as the fixed backend) in RTL simulation. Returns the result and the cycles and simulation wall time of
    every network. With ``trace_path`` the first network's per-cycle trace is recorded and saved (.npz; memory grows
    with the run); with ``vcd`` its VCD is written there. ``pipelined`` (and ``input_bits``): the pipelined trainer
    (:func:`mgd.rtl.trainer_build.build`; the same θ, its own cycle schedule); ``lanes``: the folded trainer with
    that many lanes (θ sampled from its θ memory, :func:`mgd.sim.folded_sim.simulate_folded`)."""
    FixedMGD(one_seed_config(config, 0), fmts, mode=mode)  # refuse what the hardware cannot run, before any work
    runs, cycles, walls = [], [], []
    for k in range(config.seeds):
        b = build(one_seed_config(config, k), fmts, mode=mode, pipelined=pipelined, input_bits=input_bits, lanes=lanes)
        record = trace_path is not None and k == 0
        if lanes is not None:
            from ..folded_sim import simulate_folded

            r = simulate_folded(
                b.trainer, b.regs, record=record, sample_every=config.eval_every, vcd=vcd if k == 0 else None
            )
        else:
            r = simulate(
                b.trainer,
                b.regs,
                record=record,
                vcd=vcd if k == 0 else None,
                sample_every=config.eval_every,
                progress=progress,
            )
        if record:
            kind = {"pipelined": True, "input_bits": input_bits} if pipelined else {}
            kind |= {"lanes": lanes, "input_bits": input_bits} if lanes is not None else {}
            trace_io.save(
                trace_path,
                r["trace"],
                {"source": "amaranth", "config": b.config.to_dict(), "mode": mode, "cycles": r["cycles"]} | kind,
            )
        runs.append(SeedRun(b.model, b.regs.seed, r["theta_at"]))
        cycles.append(r["cycles"])
        walls.append(r["wall_time"])
    result = assemble_result(config, fmts, runs, sum(walls))
    return result, HardwareExtras("amaranth", cycles, walls)


def schedule_trace(
    config: MGDConfig,
    fmts=DEFAULT_FORMATS,
    *,
    mode="prescaled",
    pipelined: bool = False,
    input_bits: int | None = None,
    lanes: int | None = None,
) -> dict:
    """The golden per-cycle trace of the first network of ``config`` (what the RTL must produce); ``pipelined``:
    the pipelined trainer's (:class:`~mgd.golden_model.pipeline_schedule.PipelinedScheduleModel`, whose timing
    comes from the trainer built with ``input_bits``); ``lanes``: the folded trainer's
    (:class:`~mgd.golden_model.folded_schedule.FoldedScheduleModel`)."""
    from mgd.golden_model.schedule import ScheduleModel

    cfg = one_seed_config(config, 0)
    if pipelined or lanes is not None:
        from amaranth.hdl import Fragment

        b = build(cfg, fmts, mode=mode, pipelined=pipelined, input_bits=input_bits, lanes=lanes)
        Fragment.get(b.trainer, None)  # only its timing is needed: elaborated, so Amaranth has nothing to warn about
        return b.golden().run_until_done(cycle_limit(b.trainer, b.regs) + 2)
    model = FixedMGD(cfg, fmts, mode=mode)
    regs = model.registers()
    latency = len(model.layers) - 1
    return ScheduleModel(model, regs, latency).run_until_done(max_cycles(regs, latency) + 2)
