"""Training backends beyond the float model, with the float model's result type (:class:`TrainResult`).

``amaranth``: every seed's network is its own trainer, simulated free-running in Amaranth until ``done``; θ is
sampled every ``eval_every`` steps and evaluated with the bit-exact fixed-point forward pass (what the array
computes). :func:`schedule_trace` gives the golden per-cycle trace the ``fixed`` backend writes with ``--trace``.
"""

from __future__ import annotations

import numpy as np

from mgd.golden_model.config import MGDConfig
from mgd.golden_model.fixed_mgd import FixedMGD
from mgd.golden_model.formats import DEFAULT_FORMATS
from mgd.golden_model.training import TrainResult, _threshold
from mgd.rtl.trainer_build import build, max_cycles, registers_for

from . import trace as trace_io
from .trainer_sim import simulate

__all__ = ["train_amaranth", "schedule_trace"]


def _one_seed(config: MGDConfig, k: int) -> MGDConfig:
    """Network k of a multi-seed config: one seed, the same θ₀ as seed k of the golden backends and the same seed
    register as initialisation k of the fixed backend (:mod:`mgd.golden_model.hardware_seed`)."""
    return config.replace(seeds=1, seed=config.seed + k)


def train_amaranth(
    config: MGDConfig, fmts=DEFAULT_FORMATS, *, mode="prescaled", trace_path=None, vcd=None, progress=False
) -> tuple[TrainResult, dict]:
    """Train ``config.seeds`` networks (seed, seed+1, …: the same θ₀ as the golden backends, the same seed register
    values as the fixed backend) in RTL simulation.
    Returns the result and ``{"cycles": [...], "sim_wall_time": [...], "cycles_per_second": …}``. With
    ``trace_path`` the first network's per-cycle trace is recorded and saved (.npz; memory grows with the run)."""
    FixedMGD(_one_seed(config, 0), fmts, mode=mode)  # refuse what the hardware cannot run, before any work
    eval_steps = sorted(set(range(0, config.steps, config.eval_every)) | {config.steps})
    accs, costs, thetas, theta0s, reached, cycles, walls, hw_seeds = [], [], [], [], [], [], [], []
    for k in range(config.seeds):
        b = build(_one_seed(config, k), fmts, mode=mode)
        record = trace_path is not None and k == 0
        r = simulate(
            b.trainer,
            b.regs,
            record=record,
            vcd=vcd if k == 0 else None,
            sample_every=config.eval_every,
            progress=progress,
        )
        if record:
            trace_io.save(
                trace_path,
                r["trace"],
                {"source": "amaranth", "config": b.config.to_dict(), "mode": mode, "cycles": r["cycles"]},
            )
        theta_at = r["theta_at"]
        acc, cost = zip(*[b.model.evaluate(theta_at[s][None]) for s in eval_steps], strict=True)
        accs.append([a[0] for a in acc])
        costs.append([c[0] for c in cost])
        thr = _threshold(config, b.model.dataset)
        reached.append(next((s for s, a in zip(eval_steps, accs[-1], strict=True) if a >= thr), None))
        thetas.append(fmts.theta.real(theta_at[config.steps]))
        theta0s.append(fmts.theta.real(b.model.theta0[0]))
        hw_seeds.append(b.regs.seed)
        cycles.append(r["cycles"])
        walls.append(r["wall_time"])
    result = TrainResult(
        config,
        b.model.layers,
        b.model.mlp.n_params,
        thr,
        np.array(eval_steps),
        np.array(accs).T,
        np.array(costs).T,
        reached,
        float(sum(walls)),
        np.array(thetas),
        np.array(theta0s),
        hardware_seeds=hw_seeds,
    )
    extras = {"cycles": cycles, "sim_wall_time": walls, "cycles_per_second": sum(cycles) / sum(walls)}
    return result, extras


def schedule_trace(config: MGDConfig, fmts=DEFAULT_FORMATS, *, mode="prescaled") -> dict:
    """The golden per-cycle trace of the first network of ``config`` (what the RTL must produce)."""
    cfg = _one_seed(config, 0)
    model = FixedMGD(cfg, fmts, mode=mode)
    from mgd.golden_model.schedule import ScheduleModel

    regs = registers_for(cfg, model, fmts)
    latency = len(model.layers) - 1
    return ScheduleModel(model, regs, latency).run_until_done(max_cycles(regs, latency) + 2)
