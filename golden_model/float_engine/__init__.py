"""The compiled engine of the float golden model: Algorithms 1 and 2 for S seeds in one numba kernel.

:func:`train_compiled` (``train(config, engine="compiled")``) computes what :func:`~.training.train` computes with
the numpy model (:class:`~.algorithms.DiscreteMGD`, :class:`~.algorithms.AnalogMGD`), step for step and on the same
random numbers: the run is built by :func:`~.training.build` exactly as the numpy model builds it, and the kernel
draws from the *same* ``numpy.random.Generator`` objects (numba's Generator support uses the generator's own bit
generator and NumPy's algorithms, so every draw, its order and the generator's state are identical):

* perturbation stream: the ±1 codes (``integers(0, 2, (S, K))``), ``uniform(-1, 1, (S, K))`` or
  ``standard_normal((S, K))`` at every perturbation period;
* sample stream: ``integers(0, n, S)`` (random order) or one row shuffle per seed and epoch (shuffled order, equal to
  ``permuted(…, axis=1)``);
* the objective's noise stream: ``standard_normal(S)`` at every cost measurement (σC);
* the algorithm's noise stream: ``standard_normal((S, P))`` or ``(S, 1)`` at every update (σθ).

Walsh rows, sinusoid frequencies and phases, activation defects and θ₀ are taken from the built run. The kernel
evaluates the evaluation set at the evaluation steps too (accuracy and mean cost, as :func:`~.training.evaluate`),
so a run is one kernel call. Results differ from the numpy model only by floating-point rounding (sums of
products in a different order, the logistic's tanh from an exp, :func:`~.network.sigmoid`, ``sin`` of the C
library instead of NumPy's): within 1e-12 relative on the tests' runs. For speed the kernel inlines everything it
calls per step, indexes arrays in place, makes its scratch once per call, draws ±1 codes and sample indices without
making arrays, and evaluates by blocks of samples (:func:`~.network.evaluate`). Every option of
:class:`~.config.MGDConfig` is compiled, including ``estimator="backprop"``; ``source``/``order`` overrides are
compiled when they are the model's own kinds or playback (:class:`~.perturbations.ArraySource`,
:class:`~.samples.ArrayOrder`), anything else is refused with a :class:`~.config.ConfigError`.

:func:`theta_trace` returns θ after every step of a short run, from either engine, for the equality tests.
:func:`bench_float_engine` measures steps per second of both engines on the presets.

The kernel's modules: :mod:`.network` (activations, forward pass, sample cost, evaluation, backprop gradient),
:mod:`.draws` (perturbation patterns and sample order), :mod:`.update` (the optimizer update), :mod:`.state` (the
layout of the kernel's settings and state arrays) and :mod:`.kernel` (the step loop and the arguments it runs on).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from ..config import ConfigError, MGDConfig
from .cache_guard import drop_stale_caches

drop_stale_caches(Path(__file__).parent)  # before any kernel is loaded: numba checks only each function's own file

from .kernel import Kernel, run_steps  # noqa: E402
from .network import logistic_rows, sigmoid  # noqa: E402

__all__ = [
    "ENGINES",
    "train_compiled",
    "theta_trace",
    "compile_kernels",
    "bench_float_engine",
    "Kernel",
    "sigmoid",
    "logistic_rows",
]

#: the engines of :func:`~.training.train`
ENGINES = ("numpy", "compiled")


def compile_kernels() -> float:
    """Compile (or load from numba's cache) the kernel, with a 2-step XOR run; returns the seconds it took."""
    from ..training import build

    t0 = time.perf_counter()
    Kernel(build(MGDConfig(steps=2, eval_every=1)), [0]).run(0)
    return time.perf_counter() - t0


def train_compiled(
    config: MGDConfig, *, theta0=None, source=None, order=None, progress: bool = False, desc: str | None = None
):
    """:func:`~.training.train` on the compiled engine: the same :class:`~.training.TrainResult`, computed by the
    kernel (``wall_time`` excludes compiling the kernel, which :func:`compile_kernels` measures)."""
    from ..training import TrainResult, build, evaluation_steps, threshold_for

    run = build(config, theta0=theta0, source=source, order=order)
    threshold = threshold_for(config, run.dataset)
    eval_steps = evaluation_steps(config)
    kernel = Kernel(run, eval_steps)
    kernel.run(0)  # compiles or loads the kernel, and evaluates step 0
    bar = None
    targets = [config.steps]
    if progress:
        from tqdm import tqdm

        bar = tqdm(
            total=config.steps,
            desc=desc or f"{config.estimator} {config.dataset}",
            unit="step",
            leave=False,
            mininterval=0.5,
        )
        every = max(1, len(eval_steps) // 100)
        targets = eval_steps[every::every] + [config.steps]
    t0 = time.perf_counter()
    for target in targets:
        kernel.run(target)
        if bar is not None:
            bar.update(target - bar.n)
    wall = time.perf_counter() - t0
    if bar is not None:
        bar.close()
    reached = [None] * config.seeds
    for step, acc in zip(eval_steps, kernel.acc, strict=True):
        for s in np.flatnonzero(acc >= threshold):
            if reached[s] is None:
                reached[s] = int(step)
    return TrainResult(
        config,
        run.mlp.layers,
        run.mlp.n_params,
        threshold,
        np.array(eval_steps),
        kernel.acc.copy(),
        kernel.cost.copy(),
        reached,
        wall,
        kernel.theta.copy(),
        run.theta0,
    )


def theta_trace(config: MGDConfig, steps: int, *, engine: str = "compiled", theta0=None, source=None, order=None):
    """θ after every step of the first ``steps`` steps, (steps, S, P), from the numpy model or the compiled kernel,
    both built from ``config`` (and ``theta0``, ``source``, ``order``) the same way."""
    from ..training import build

    run = build(config, theta0=theta0, source=source, order=order)
    if engine == "numpy":
        out = np.empty((steps, *run.algo.theta.shape))
        for n in range(steps):
            run.algo.step()
            out[n] = run.algo.theta
        return out
    if engine != "compiled":
        raise ConfigError(f"engine={engine!r} is not one of: {', '.join(ENGINES)}")
    kernel = Kernel(run, [], trace_steps=steps)
    kernel.run(steps)
    return kernel.trace[:steps].copy()


def _preset_config(dataset: str, seeds: int) -> MGDConfig:
    from ..presets import preset

    return MGDConfig.from_dict({**preset(dataset), "dataset": dataset, "seeds": seeds})


def bench_float_engine(dataset: str = "xor", seeds: int = 1, engine: str = "compiled", min_time: float = 1.0) -> dict:
    """Steps per second of :func:`~.training.train` on ``engine`` with ``dataset``'s preset (its ``eval_every``
    and evaluations included) for ``seeds`` initialisations: runs sized to last about ``min_time`` seconds."""
    from ..training import train

    base = _preset_config(dataset, seeds)
    compile_s = compile_kernels() if engine == "compiled" else 0.0
    steps = 1000
    while True:
        cfg = base.replace(steps=steps)
        c0 = time.process_time()
        r = train(cfg, engine=engine)
        cpu = time.process_time() - c0
        if r.wall_time >= min_time or steps >= 10**9:
            break
        steps = int(steps * max(2.0, 1.2 * min_time / max(r.wall_time, 1e-6)))
    row = {
        "backend": "golden",
        "engine": engine,
        "dataset": dataset,
        "layers": list(r.layers),
        "seeds": seeds,
        "eval_every": cfg.eval_every,
        "steps": steps,
        "seconds": r.wall_time,
        "cpu_seconds": cpu,
        "steps_per_s": steps / r.wall_time,
        "seed_steps_per_s": steps * seeds / r.wall_time,
    }
    if engine == "compiled":
        row.update(compile_s=compile_s, cached=not run_steps.stats.cache_misses)
    return row
