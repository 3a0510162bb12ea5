"""How fast MGD's accumulated G learns the gradient: iterations until cos(G, ∇C) reaches a target.

The measurement of the scaling study (docs/results.md): θ held at θ₀ (τθ = ∞: G integrates and is never applied),
one training sample per seed shown for the whole run (τx > steps), ∇C the exact (backprop) gradient of that
sample's cost at θ₀. Weight perturbation estimates ∇C directly; node perturbation estimates ∂C/∂(node) and maps it
to the parameters (``to_param``), so both are compared in parameter space. Theorem 1's variance makes the count
grow ∝ N for weight perturbation (N parameters) and ∝ √N-like for node perturbation (fewer perturbed quantities).
"""

from __future__ import annotations

import math

import numpy as np

from .config import MGDConfig
from .training import build

__all__ = ["cosine_trace", "iterations_to_cosine"]


def _cosine(g: np.ndarray, grad: np.ndarray) -> np.ndarray:
    num = np.sum(g * grad, axis=1)
    den = np.linalg.norm(g, axis=1) * np.linalg.norm(grad, axis=1)
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0)


def _held(config: MGDConfig) -> MGDConfig:
    """The config of the measurement: no update, one sample for the whole run."""
    return config.replace(tau_theta=math.inf, tau_x=config.steps + 1)


def _cosines(config: MGDConfig):
    """cos(G, ∇C) per seed after each step 1 … ``config.steps`` of the held run (a generator)."""
    algo = build(_held(config)).algo
    algo.step()
    grad = algo.objective.exact_gradient(algo.theta)  # the sample is set by the first step; θ never moves
    yield _cosine(algo.G, grad)
    for _ in range(config.steps - 1):
        algo.step()
        yield _cosine(algo.G, grad)


def cosine_trace(config: MGDConfig) -> np.ndarray:
    """cos(G, ∇C) after every step 1 … ``config.steps``: shape (steps, seeds)."""
    return np.array(list(_cosines(config))).reshape(config.steps, config.seeds)


def iterations_to_cosine(config: MGDConfig, target: float = 0.95) -> np.ndarray:
    """Per seed, the first step count at which cos(G, ∇C) ≥ ``target`` (float, ``inf`` if not within
    ``config.steps``). ``target`` must be in (0, 1]."""
    if not 0 < target <= 1:
        raise ValueError(f"target must be in (0, 1], got {target!r}")
    reached = np.full(config.seeds, np.inf)
    for n, cos in enumerate(_cosines(config), start=1):
        reached[(cos >= target) & np.isinf(reached)] = n
        if np.isfinite(reached).all():
            break
    return reached
