"""The result of a training run on a hardware backend, and its assembly from the networks' runs (one per seed).

Every backend returns a :class:`~mgd.golden_model.training.TrainResult`; the RTL backends also return a
:class:`HardwareExtras` (cycles, simulation time, build time). :func:`assemble_result` turns the per-network θ samples
of an RTL run into the result, evaluated with the bit-exact fixed-point forward pass (what the array computes), the
same way for the Amaranth and the Verilator backend.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from mgd.golden_model.config import MGDConfig
from mgd.golden_model.fixed_mgd import FixedMGD
from mgd.golden_model.formats import FixedFormats
from mgd.golden_model.training import TrainResult, evaluation_steps, threshold_for

__all__ = ["HardwareExtras", "SeedRun", "SampleError", "one_seed_config", "assemble_result"]


def one_seed_config(config: MGDConfig, k: int) -> MGDConfig:
    """Network k of a multi-seed config: one seed, the same θ₀ as seed k of the golden backends and the same seed
    register as initialisation k of the fixed backend (:mod:`mgd.golden_model.hardware_seed`)."""
    return config.replace(seeds=1, seed=config.seed + k)


class SampleError(RuntimeError):
    """A simulation sampled no θ at a step the result needs."""


@dataclass
class SeedRun:
    """One network's run on an RTL backend: the fixed-point model it was built from (θ₀, dataset, forward pass), its
    seed register value, and θ (stored integers) sampled at least at every evaluation step."""

    model: FixedMGD
    hw_seed: int
    theta_at: dict = field(repr=False)


def assemble_result(config: MGDConfig, fmts: FixedFormats, runs: list[SeedRun], wall_time: float) -> TrainResult:
    """The :class:`TrainResult` of ``config`` from its networks' runs (``runs[k]`` is network k, built from
    :func:`one_seed_config`): accuracy and cost of the sampled θ at every evaluation step, steps to threshold, θ₀ and
    the final θ as real values, the seed registers. Raises :class:`SampleError` if a run lacks an evaluation step."""
    eval_steps = evaluation_steps(config)
    model = runs[0].model
    threshold = threshold_for(config, model.dataset)
    accs, costs, thetas, theta0s, reached = [], [], [], [], []
    for run in runs:
        missing = [s for s in eval_steps if s not in run.theta_at]
        if missing:
            raise SampleError(f"no θ sampled at steps {missing[:5]}")
        acc, cost = zip(*[run.model.evaluate(run.theta_at[s][None]) for s in eval_steps], strict=True)
        accs.append([a[0] for a in acc])
        costs.append([c[0] for c in cost])
        reached.append(next((s for s, a in zip(eval_steps, accs[-1], strict=True) if a >= threshold), None))
        thetas.append(fmts.theta.real(run.theta_at[config.steps]))
        theta0s.append(fmts.theta.real(run.model.theta0[0]))
    return TrainResult(
        config,
        model.layers,
        model.mlp.n_params,
        threshold,
        np.array(eval_steps),
        np.array(accs).T,
        np.array(costs).T,
        reached,
        float(wall_time),
        np.array(thetas),
        np.array(theta0s),
        hardware_seeds=[run.hw_seed for run in runs],
    )


@dataclass
class HardwareExtras:
    """What an RTL backend measured beside the result, per network (seed): simulated ``cycles`` and the simulation's
    wall time (``sim_wall_time``, s); on Verilator also its CPU time, the seconds spent now compiling
    (``build_time``) and converting to Verilog (``convert_time``; 0 when cached), the build cache keys and the
    number of networks simulated at once (``jobs``). ``extras["cycles"]`` reads a field by its JSON name."""

    simulator: str
    cycles: list
    sim_wall_time: list
    sim_cpu_time: list | None = None
    build_time: list | None = None
    convert_time: list | None = None
    build_key: list | None = None
    jobs: int | None = None

    @property
    def cycles_per_second(self) -> float:
        """All networks: total cycles over total simulation wall time."""
        return sum(self.cycles) / sum(self.sim_wall_time)

    @property
    def cycles_per_cpu_second(self) -> float | None:
        """Total cycles over total simulation CPU time (None when unmeasured or 0)."""
        if self.sim_cpu_time is None or sum(self.sim_cpu_time) <= 0:
            return None
        return sum(self.cycles) / sum(self.sim_cpu_time)

    def to_dict(self) -> dict:
        """The ``hardware`` object of ``mgd train --json``: the measured fields and the rates (the Verilator-only
        fields only on Verilator)."""
        out = {"cycles": list(self.cycles), "sim_wall_time": list(self.sim_wall_time)}
        if self.sim_cpu_time is not None:
            out["sim_cpu_time"] = list(self.sim_cpu_time)
        out["cycles_per_second"] = self.cycles_per_second
        if self.sim_cpu_time is not None:
            out["cycles_per_cpu_second"] = self.cycles_per_cpu_second
        for name in ("build_time", "convert_time", "build_key", "jobs"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        return out

    def __getitem__(self, name: str):
        return self.to_dict()[name]

    def describe(self) -> str:
        """One line for the command line: cycles, simulation time, cycles/s (and the build on Verilator)."""
        cycles, wall = f"{sum(self.cycles):,}", f"{sum(self.sim_wall_time):.1f}"
        if self.simulator != "verilator":
            return f"RTL: {cycles} cycles in {wall} s of simulation ({self.cycles_per_second:,.0f} cycles/s)"
        built = sum(self.build_time or ()) + sum(self.convert_time or ())
        return (
            f"RTL (Verilator): {cycles} cycles in {wall} s of simulation ({self.cycles_per_second:,.0f} cycles/s; "
            f"{self.cycles_per_cpu_second or 0:,.0f} per CPU-second); "
            + (f"build {built:.1f} s" if built else "build cached")
        )
