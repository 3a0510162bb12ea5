"""``mgd bench``: throughput of the backends, measured (never asserted).

Golden model: MGD steps per second of Algorithm 1 (τ's = 1, random codes), excluding evaluation, for each case; a
"seed-step" is one step of one initialisation, so vectorising S seeds multiplies seed-steps/s by up to S.

RTL backends (one network, the dataset's preset with hardware settings: Δθ rounded to 2^−k, τ's = 1): simulated
clock cycles per second of the free-running trainer, and the steps/s they make. ``amaranth``: Amaranth's Python
simulator (:func:`mgd.sim.trainer_sim.simulate`, ``record=False``); ``verilator``: the compiled trainer
(:mod:`mgd.sim.verilator_backend`). Cycles/s exclude elaboration, Verilog conversion and compilation, which are
reported beside (``setup_s``; for Verilator ``convert_s`` and ``build_s`` as recorded when the cached build was made).
Each measurement runs a short calibration run, then one run sized to last about ``min_time`` seconds.

Engines (``fixed``): the bit-exact fixed-point model stepped by each of its engines (:data:`ENGINE_CASES`: numpy,
:meth:`~mgd.golden_model.fixed_mgd.FixedMGD.step`; compiled, :class:`~mgd.golden_model.fixed_engine.FixedEngine`),
one network of the dataset's hardware preset, steps/s excluding evaluation; the compiled rows report the compile
time beside (``compile_s``: compiled, or loaded from numba's cache when ``cached``; excluded from steps/s) and their
speed as a multiple of the numpy engine's (``speedup``). One function per (backend, engine) case: another model's
engines are added to :data:`ENGINE_CASES` the same way.
"""

from __future__ import annotations

import dataclasses
import os
import platform
import time

import numpy as np

from mgd.golden_model.config import MGDConfig
from mgd.golden_model.training import build

GOLDEN_CASES = [("xor", 1), ("xor", 100), ("nist7x7", 1), ("nist7x7", 100)]
RTL_DATASETS = ("xor", "nist7x7")
BACKENDS = ("golden", "fixed", "amaranth", "verilator")


def bench_golden(dataset: str, seeds: int, min_time: float = 1.0) -> dict:
    """Step a run for at least ``min_time`` seconds (after 50 warm-up steps); steps/s and seed-steps/s."""
    run = build(MGDConfig(dataset=dataset, seeds=seeds))
    for _ in range(50):
        run.algo.step()
    steps, t0, c0 = 0, time.perf_counter(), time.process_time()
    while (elapsed := time.perf_counter() - t0) < min_time:
        for _ in range(100):
            run.algo.step()
        steps += 100
    cpu = time.process_time() - c0
    return {
        "backend": "golden",
        "dataset": dataset,
        "layers": list(run.mlp.layers),
        "seeds": seeds,
        "steps": steps,
        "seconds": elapsed,
        "cpu_seconds": cpu,
        "steps_per_s": steps / elapsed,
        "seed_steps_per_s": steps * seeds / elapsed,
    }


def hardware_config(dataset: str, steps: int = 1) -> MGDConfig:
    """One network of ``dataset`` with its preset as the hardware runs it (what ``mgd train --backend verilator``
    uses: :func:`~mgd.golden_model.presets.hardware_preset`)."""
    from mgd.golden_model.presets import hardware_preset

    fields = hardware_preset(dataset)
    fields.update(dataset=dataset, seeds=1, seed=0, steps=steps, eval_every=steps)
    return MGDConfig.from_dict(fields)


def _rtl_row(backend, config, layers, latency, steps, cycles, seconds, cpu_seconds, **extra) -> dict:
    from mgd.sim.trainer_sim import cycles_per_step

    return {
        "backend": backend,
        "dataset": config.dataset,
        "layers": list(layers),
        "seeds": 1,
        "steps": steps,
        "cycles": cycles,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "cycles_per_s": cycles / seconds,
        "cycles_per_cpu_s": cycles / cpu_seconds if cpu_seconds > 0 else None,
        "steps_per_s": steps / seconds,
        "seed_steps_per_s": steps / seconds,
        "cycles_per_step": cycles_per_step(latency, config),
        **extra,
    }


def _sized(rate_steps_per_s: float, min_time: float, at_least: int) -> int:
    return max(at_least, int(rate_steps_per_s * min_time))


def bench_amaranth(dataset: str, min_time: float = 1.0) -> dict:
    """Cycles/s of the trainer in Amaranth simulation (no recording); ``setup_s``: elaboration of the last run."""
    from mgd.rtl.trainer_build import build as build_rtl
    from mgd.sim.trainer_sim import simulate

    def once(steps):
        t0 = time.perf_counter()
        b = build_rtl(hardware_config(dataset, steps))
        t1, c1 = time.perf_counter(), time.process_time()
        r = simulate(b.trainer, b.regs, record=False)
        t2, c2 = time.perf_counter(), time.process_time()
        setup = (t2 - t1 - r["wall_time"]) + (t1 - t0)  # build + simulator construction
        # CPU share of the simulate() call applied to its run (simulate times the run by the wall clock only)
        cpu = r["wall_time"] * min(1.0, (c2 - c1) / (t2 - t1))
        return b, r, setup, cpu

    steps = 4
    b, r, setup, cpu = once(steps)  # calibration; long enough by itself on large networks (elaboration is slow)
    if r["wall_time"] < min_time / 2:
        steps = _sized(steps / r["wall_time"], min_time, steps)
        b, r, setup, cpu = once(steps)
    return _rtl_row(
        "amaranth", b.config, b.model.layers, b.trainer.latency, steps, r["cycles"], r["wall_time"], cpu, setup_s=setup
    )


def bench_verilator(dataset: str, min_time: float = 1.0, *, progress: bool = False) -> dict:
    """Cycles/s of the compiled trainer (harness clock: start pulse to done). The build is cached; ``convert_s`` and
    ``build_s`` are what conversion and compilation took when the build was made, ``cached`` says if it was."""
    from mgd.golden_model.fixed_mgd import FixedMGD
    from mgd.sim.verilator_backend import build_trainer, run

    config = hardware_config(dataset)
    vb = build_trainer(config, progress=progress)
    model = FixedMGD(config)

    def once(steps):
        return run(vb, dataclasses.replace(model.registers(), steps=steps), steps)

    calibration = 20_000 if model.mlp.n_params < 50 else 2_000
    r = once(calibration)
    steps = _sized(calibration / r["wall_time"], min_time, calibration)
    r = once(steps)
    return _rtl_row(
        "verilator",
        config,
        model.layers,
        vb.latency,
        steps,
        r["cycles"],
        r["wall_time"],
        r["cpu_time"],
        convert_s=vb.convert_seconds,
        build_s=vb.build_seconds,
        cached=vb.cached,
        verilog_mb=vb.verilog_bytes / 1e6,
    )


def _timed_steps(advance, calibration: int, min_time: float) -> tuple[int, float, float]:
    """``advance(n)`` runs n steps: a calibration run of ``calibration`` steps, then one sized to last about
    ``min_time`` seconds; (steps, wall seconds, CPU seconds) of the second."""
    t0 = time.perf_counter()
    advance(calibration)
    steps = _sized(calibration / max(time.perf_counter() - t0, 1e-9), min_time, calibration)
    t0, c0 = time.perf_counter(), time.process_time()
    advance(steps)
    return steps, time.perf_counter() - t0, time.process_time() - c0


def _engine_row(backend, engine, model, steps, seconds, cpu_seconds, **extra) -> dict:
    return {
        "backend": backend,
        "engine": engine,
        "dataset": model.config.dataset,
        "layers": list(model.layers),
        "seeds": model.config.seeds,
        "steps": steps,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "steps_per_s": steps / seconds,
        "seed_steps_per_s": steps * model.config.seeds / seconds,
        **extra,
    }


def bench_fixed_numpy(dataset: str, min_time: float = 1.0) -> dict:
    """Steps/s of :meth:`FixedMGD.step <mgd.golden_model.fixed_mgd.FixedMGD.step>` (numpy), one network of the
    dataset's hardware preset, no evaluation."""
    from mgd.golden_model.fixed_mgd import FixedMGD

    model = FixedMGD(hardware_config(dataset))

    def advance(n):
        for _ in range(n):
            model.step()

    return _engine_row("fixed", "numpy", model, *_timed_steps(advance, 200, min_time))


def bench_fixed_compiled(dataset: str, min_time: float = 1.0) -> dict:
    """Steps/s of the compiled engine (:class:`~mgd.golden_model.fixed_engine.FixedEngine`) on the same network;
    ``compile_s``: compiling (or loading from numba's cache, ``cached``) the kernels, excluded."""
    from mgd.golden_model.fixed_engine import FixedEngine
    from mgd.golden_model.fixed_mgd import FixedMGD

    model = FixedMGD(hardware_config(dataset))
    engine = FixedEngine(model)
    ready = engine.compile()
    row = _engine_row("fixed", "compiled", model, *_timed_steps(engine.run, 20_000, min_time))
    return row | {"compile_s": ready["seconds"], "cached": ready["cached"]}


def bench_golden_numpy(dataset: str, min_time: float = 1.0) -> dict:
    """Steps/s of the float model's ``train`` on numpy, one network of the dataset's preset (its ``eval_every``,
    evaluations included): :func:`~mgd.golden_model.float_engine.bench_float_engine`."""
    from mgd.golden_model.float_engine import bench_float_engine

    return bench_float_engine(dataset, 1, "numpy", min_time)


def bench_golden_compiled(dataset: str, min_time: float = 1.0) -> dict:
    """Steps/s of the float model's ``train`` on the compiled engine (:mod:`mgd.golden_model.float_engine`), the
    same run; ``compile_s``: compiling (or loading from numba's cache) the kernel, excluded."""
    from mgd.golden_model.float_engine import bench_float_engine

    return bench_float_engine(dataset, 1, "compiled", min_time)


#: the engine cases per backend: ``{backend: {engine: function(dataset, min_time) -> row}}``, "numpy" first (the
#: other engines' ``speedup`` is relative to it)
ENGINE_CASES = {
    "golden": {"numpy": bench_golden_numpy, "compiled": bench_golden_compiled},
    "fixed": {"numpy": bench_fixed_numpy, "compiled": bench_fixed_compiled},
}


def bench_engines(backend: str, dataset: str, min_time: float = 1.0) -> list[dict]:
    """One row per engine of ``backend`` (:data:`ENGINE_CASES`) on ``dataset``; each non-numpy row has
    ``speedup``: its steps/s over the numpy engine's."""
    rows = [case(dataset, min_time) for case in ENGINE_CASES[backend].values()]
    base = next(r for r in rows if r["engine"] == "numpy")
    for r in rows:
        if r is not base:
            r["speedup"] = r["steps_per_s"] / base["steps_per_s"]
    return rows


def run_bench(min_time: float = 1.0, backends=BACKENDS, datasets=RTL_DATASETS, *, progress: bool = False) -> dict:
    """Measure ``backends`` on ``datasets``, each case for about ``min_time`` seconds (a finite number in
    (0, 3600])."""
    if isinstance(min_time, bool) or not isinstance(min_time, int | float) or not 0 < min_time <= 3600:
        raise ValueError(f"min_time must be a finite number of seconds in (0, 3600], got {min_time!r}")
    for name, values, allowed in (("backends", backends, BACKENDS), ("datasets", datasets, RTL_DATASETS)):
        bad = [v for v in values if v not in allowed]
        if bad or not values:
            raise ValueError(f"{name} must be a non-empty selection of {', '.join(allowed)}, got {list(values)!r}")
    rows = []
    if "golden" in backends:
        rows += [bench_golden(d, s, min_time) for d, s in GOLDEN_CASES if d in datasets]
    for backend in ENGINE_CASES:
        if backend in backends:
            rows += [r for d in datasets for r in bench_engines(backend, d, min_time)]
    for d in datasets:
        if "amaranth" in backends:
            rows.append(bench_amaranth(d, min_time))
        if "verilator" in backends:
            rows.append(bench_verilator(d, min_time, progress=progress))
    return {
        "machine": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "processor": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(),
            "load_average": list(os.getloadavg()),
        },
        "results": rows,
    }


def _fmt(value, spec=",.0f") -> str:
    return "-" if value is None else format(value, spec)


def format_bench(report: dict) -> str:
    """The table (engine "-": the backend has one); cycles/s is by the wall clock, cycles/CPU-s by the process's
    CPU time (they differ on a busy machine: the load average is printed below)."""
    lines = [
        f"{'backend':<9} {'engine':<8} {'network':<8} {'seeds':>5} {'steps/s':>10} {'seed-steps/s':>13} "
        f"{'cycles/s':>11} {'cycles/CPU-s':>12}  {'setup/build'}"
    ]
    for r in report["results"]:
        net = "-".join(map(str, r["layers"]))
        setup = ""
        if r["backend"] == "amaranth":
            setup = f"elaborate {r['setup_s']:.1f} s"
        elif r["backend"] == "verilator":
            setup = f"convert {_fmt(r['convert_s'], '.1f')} + build {_fmt(r['build_s'], '.1f')} s" + (
                " (cached)" if r["cached"] else ""
            )
        elif "compile_s" in r:
            setup = f"compile {r['compile_s']:.2f} s" + (" (cached)" if r["cached"] else "")
        if "speedup" in r:
            setup = f"{r['speedup']:,.0f}× numpy; {setup}"
        lines.append(
            f"{r['backend']:<9} {r.get('engine', '-'):<8} {net:<8} {r['seeds']:>5} {r['steps_per_s']:>10,.0f} "
            f"{r['seed_steps_per_s']:>13,.0f} {_fmt(r.get('cycles_per_s')):>11} "
            f"{_fmt(r.get('cycles_per_cpu_s')):>12}  {setup}".rstrip()
        )
    machine = report.get("machine", {})
    if "load_average" in machine:
        lines.append(f"({machine['cpus']} CPUs, load average {machine['load_average'][0]:.1f} at the end)")
    return "\n".join(lines)
