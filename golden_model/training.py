"""Training runs of the float golden model: build everything a config describes, run it, measure it.

:func:`train` runs Algorithm 1 or 2 for ``config.steps`` steps on ``config.seeds`` initialisations at once and
evaluates the whole evaluation set every ``config.eval_every`` steps (accuracy, mean cost). :func:`gradient_angles`
measures angle(G, ∇C) against the exact full-dataset gradient with τθ = ∞ (MGD paper, Fig. 5).

Random streams are separate and derived from ``config.seed``: initialisation (one generator per seed, see
:meth:`MLP.init_theta`), perturbations, sample order, noise and defects. Changing one kind of randomness does not
shift the others.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from . import datasets
from .algorithms import AnalogMGD, DiscreteMGD
from .config import ConfigError, MGDConfig
from .network import MLP, Defects
from .objective import NetworkObjective
from .optimizers import make_optimizer
from .perturbations import make_source
from .samples import SampleOrder

__all__ = [
    "Run",
    "TrainResult",
    "build",
    "train",
    "gradient_angles",
    "evaluate",
    "resolve_layers",
    "threshold_for",
    "evaluation_steps",
]

_STREAMS = {"perturbation": 1, "samples": 2, "noise": 3, "defects": 4}


def _rng(config, stream):
    return np.random.default_rng([config.seed, _STREAMS[stream]])


def resolve_layers(config: MGDConfig, dataset: datasets.Dataset) -> tuple[int, ...]:
    """The network's layer sizes: ``config.layers`` checked against the dataset, or the dataset's default."""
    if config.layers is None:
        return (dataset.n_in, *dataset.default_hidden, dataset.n_out)
    layers = tuple(config.layers)
    if layers[0] != dataset.n_in or layers[-1] != dataset.n_out:
        raise ConfigError(
            f"layers {'-'.join(map(str, layers))} do not match dataset {dataset.name!r}, which has "
            f"{dataset.n_in} inputs and {dataset.n_out} outputs"
        )
    return layers


def threshold_for(config: MGDConfig, dataset: datasets.Dataset) -> float:
    """The accuracy threshold of "steps to threshold": ``config.threshold`` if set, else 1.0 for parity datasets
    (every sample right) and 0.9 for the others."""
    if config.threshold is not None:
        return config.threshold
    return 1.0 if dataset.task == "parity" else 0.9


def evaluation_steps(config: MGDConfig) -> list[int]:
    """The steps at which a run is evaluated: every ``config.eval_every`` steps from 0, and at ``config.steps``."""
    return sorted(set(range(0, config.steps, config.eval_every)) | {config.steps})


@dataclass
class Run:
    """Everything built from a config: the dataset, the network, the algorithm state (``algo``)."""

    config: MGDConfig
    dataset: datasets.Dataset
    mlp: MLP
    defects: Defects | None
    algo: DiscreteMGD
    theta0: np.ndarray


def build(config: MGDConfig, theta0: np.ndarray | None = None, source=None, order=None) -> Run:
    """Validate ``config`` and build its run. ``source``/``order`` override the perturbation source and sample order
    (e.g. to replay the hardware's LFSR bits and sample sequence)."""
    config.validate()
    try:
        dataset = datasets.load(config.dataset)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    layers = resolve_layers(config, dataset)
    mlp = MLP.from_config(config, layers)
    S = config.seeds
    defects = Defects.draw(_rng(config, "defects"), S, layers, config.sigma_act) if config.sigma_act else None
    objective = NetworkObjective(
        mlp,
        dataset.x_train,
        dataset.y_train,
        target=config.perturb_target,
        defects=defects,
        sigma_cost=config.sigma_cost,
        rng=_rng(config, "noise"),
    )
    if theta0 is None:
        theta0 = mlp.init_theta(S, config.seed, config.init_scale)
    theta0 = np.asarray(theta0, dtype=np.float64)
    if theta0.shape != (S, mlp.n_params):
        raise ConfigError(f"theta0 must have shape ({S}, {mlp.n_params}), got {theta0.shape}")
    if source is None:
        source = make_source(config.perturbation, S, objective.n_perturbed, _rng(config, "perturbation"))
    if order is None:
        order = SampleOrder(config.sample_order, len(dataset.x_train), S, _rng(config, "samples"))
    cls = DiscreteMGD if config.algorithm == "discrete" else AnalogMGD
    algo = cls(config, objective, theta0, source, order, make_optimizer(config), _rng(config, "noise"))
    return Run(config, dataset, mlp, defects, algo, theta0.copy())


def evaluate(run: Run, theta: np.ndarray | None = None):
    """Accuracy and mean cost of every seed on the evaluation (test) set: two arrays of shape (S,)."""
    theta = run.algo.theta if theta is None else theta
    ds = run.dataset
    y = run.mlp.forward(theta, ds.x_test, defects=run.defects)
    return ds.accuracy(y, ds.y_test), MLP.cost(y, ds.y_test[None])


@dataclass
class TrainResult:
    """What a training run measured, on any backend: the evaluation steps, accuracy and cost of every seed there,
    the steps to threshold, θ₀ and the final θ (real values), and the hardware backends' seed register values."""

    config: MGDConfig
    layers: tuple[int, ...]
    n_params: int
    threshold: float
    eval_steps: np.ndarray  # (E,)
    accuracy: np.ndarray  # (E, S)
    cost: np.ndarray  # (E, S)
    steps_to_threshold: list  # per seed: first evaluated step with accuracy >= threshold, or None
    wall_time: float
    theta: np.ndarray = field(repr=False)
    theta0: np.ndarray = field(repr=False)
    hardware_seeds: list | None = None  # per seed: the seed register value (fixed-point and RTL backends)

    @property
    def final_accuracy(self):
        return self.accuracy[-1]

    @property
    def final_cost(self):
        return self.cost[-1]

    @property
    def solved_fraction(self) -> float:
        """Fraction of seeds whose final accuracy reaches the threshold."""
        return float(np.mean(self.final_accuracy >= self.threshold))

    @property
    def steps_per_second(self) -> float:
        return self.config.steps / self.wall_time if self.wall_time > 0 else math.inf

    def median_steps_to_threshold(self):
        """Median over seeds, counting seeds that never reach it as infinitely slow (None if the median is)."""
        s = sorted(math.inf if v is None else v for v in self.steps_to_threshold)
        m = float(np.median(s))
        return None if math.isinf(m) else m

    def summary(self) -> dict:
        return {
            "config": self.config.to_dict(),
            "layers": list(self.layers),
            "n_params": self.n_params,
            "threshold": self.threshold,
            "final_accuracy": [float(a) for a in self.final_accuracy],
            "final_cost": [float(c) for c in self.final_cost],
            "median_final_accuracy": float(np.median(self.final_accuracy)),
            "median_final_cost": float(np.median(self.final_cost)),
            "solved_fraction": self.solved_fraction,
            "steps_to_threshold": self.steps_to_threshold,
            "median_steps_to_threshold": self.median_steps_to_threshold(),
            "wall_time_s": self.wall_time,
            "steps_per_second": self.steps_per_second,
            **({"hardware_seeds": list(self.hardware_seeds)} if self.hardware_seeds is not None else {}),
            "curve": {
                "step": self.eval_steps.tolist(),
                "median_accuracy": np.median(self.accuracy, 1).tolist(),
                "median_cost": np.median(self.cost, 1).tolist(),
            },
        }


def train(
    config: MGDConfig,
    *,
    theta0=None,
    source=None,
    order=None,
    progress: bool = False,
    desc: str | None = None,
    engine: str = "numpy",
) -> TrainResult:
    """Run ``config`` and evaluate it every ``eval_every`` steps (and at steps 0 and ``steps``).

    ``engine``: "numpy" (the model's classes, step by step) or "compiled" (the same computation and random draws in
    one numba kernel, :func:`mgd.golden_model.float_engine.train_compiled`; equal up to floating-point
    reassociation)."""
    if engine == "compiled":
        from .float_engine import train_compiled

        return train_compiled(config, theta0=theta0, source=source, order=order, progress=progress, desc=desc)
    if engine != "numpy":
        raise ConfigError(f"engine={engine!r} is not one of: numpy, compiled")
    run = build(config, theta0=theta0, source=source, order=order)
    threshold = threshold_for(config, run.dataset)
    steps = config.steps
    eval_steps = evaluation_steps(config)
    accs, costs = [], []
    reached = [None] * config.seeds
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(
            total=steps, desc=desc or f"{config.estimator} {config.dataset}", unit="step", leave=False, mininterval=0.5
        )
    algo = run.algo
    t0 = time.perf_counter()
    for target in eval_steps:
        while algo.n < target:
            algo.step()
        if bar is not None:
            bar.update(target - bar.n)
        acc, cost = evaluate(run)
        accs.append(acc)
        costs.append(cost)
        for s in np.flatnonzero(acc >= threshold):
            if reached[s] is None:
                reached[s] = int(target)
        if bar is not None:
            bar.set_postfix(acc=f"{np.median(acc):.3f}", cost=f"{np.median(cost):.4f}", refresh=False)
    wall = time.perf_counter() - t0
    if bar is not None:
        bar.close()
    return TrainResult(
        config,
        run.mlp.layers,
        run.mlp.n_params,
        threshold,
        np.array(eval_steps),
        np.array(accs),
        np.array(costs),
        reached,
        wall,
        algo.theta.copy(),
        run.theta0,
    )


def _angle_deg(a, b):
    num = np.sum(a * b, axis=1)
    den = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    return np.degrees(np.arccos(np.clip(num / np.where(den == 0, np.inf, den), -1.0, 1.0)))


def gradient_angles(config: MGDConfig, times, theta0=None) -> np.ndarray:
    """angle(G, ∇C) in degrees at each step count in ``times``: G integrated with τθ = ∞ (no update) from a fixed θ,
    ∇C the exact gradient of the mean cost over the whole training set. Returns (len(times), S)."""
    config = config.replace(tau_theta=math.inf)
    run = build(config, theta0=theta0)
    ds = run.dataset
    grad = run.mlp.gradient(run.algo.theta, ds.x_train, ds.y_train, defects=run.defects)[0]
    out = []
    for t in sorted(times):
        while run.algo.n < t:
            run.algo.step()
        out.append(_angle_deg(run.algo.G, grad))
    return np.array(out)
