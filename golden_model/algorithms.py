"""The MGD algorithms of the MGD paper: Algorithm 1 (discrete) and Algorithm 2 (analog), vectorised over seeds.

Both work on an *objective* (:mod:`.objective`), a perturbation *source* (:mod:`.perturbations`), a sample *order*
(:mod:`.samples`) and an *optimizer* (:mod:`.optimizers`); all state arrays have a leading seed axis.

Algorithm 1, at step n (0-based; see :mod:`.config` for the block convention)::

    if n % τx == 0:                   new sample
    if n % τx == 0 or n % τθ == 0:    θ̃ ← 0;  C₀ ← C(θ)
    if n % τp == 0:                   θ̃ ← Δθ · u(t = n // τp)
    C ← C(θ + θ̃);  C̃ ← C − C₀;  e ← C̃·θ̃ / norm;  G ← G + e
    if (n + 1) % τθ == 0:             θ ← opt(θ, G) (+ update noise), clipped to ±θmax;  G ← 0

with ``norm = Δθ²·power`` ("unbiased": E[G] = ∇C per step) or ``N·Δθ²·power`` ("authors"). With
``estimator="backprop"`` the line computing e is replaced by ``e ← ∇C(θ)`` of the current sample (exact-gradient
SGD on the same schedule, sample order and optimizer: the reference MGD is compared with). The clip to ±θmax
(``config.theta_max``, off by default) models the hardware's saturating θ register; the perturbed θ + θ̃ is not
clipped (in the hardware it is, which matters only within Δθ of the bound).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["DiscreteMGD", "AnalogMGD", "normalisation"]


def normalisation(config, source) -> float:
    """The divisor of e = C̃·θ̃ / norm for this config and source."""
    norm = config.dtheta**2 * source.power
    if config.normalization == "authors":
        norm *= source.k
    return norm


class DiscreteMGD:
    """Algorithm 1. After :meth:`step` the attributes ``cost``, ``c0``, ``c_tilde`` (S,), ``ptb`` (S, K) and
    ``G``, ``theta`` (S, P) hold the values of that step (G and θ after the update, if one happened)."""

    def __init__(self, config, objective, theta0, source, order, optimizer, rng):
        self.config, self.objective, self.source, self.order = config, objective, source, order
        self.optimizer, self.rng = optimizer, rng
        self.theta = np.array(theta0, dtype=np.float64)
        S = self.theta.shape[0]
        self.G = np.zeros_like(self.theta)
        self.ptb = np.zeros((S, objective.n_perturbed))
        self.cost = self.c0 = self.c_tilde = np.zeros(S)
        self.n = 0
        self.updated = False
        self.norm = normalisation(config, source)
        self.backprop = config.estimator == "backprop"
        tt = config.tau_theta
        self.tau_theta = None if math.isinf(tt) else int(tt)

    def step(self) -> None:
        cfg, obj, n = self.config, self.objective, self.n
        tt = self.tau_theta
        new_sample = n % cfg.tau_x == 0
        if new_sample:
            obj.set_sample(self.order.next())
        if self.backprop:
            self.G += obj.exact_gradient(self.theta)
        else:
            if new_sample or (tt is not None and n % tt == 0):
                self.ptb = np.zeros_like(self.ptb)
                self.c0 = obj.cost(self.theta)
            if n % cfg.tau_p == 0:
                self.ptb = cfg.dtheta * self.source.values(n // cfg.tau_p)
            self.cost = obj.cost(self.theta, self.ptb)
            self.c_tilde = self.cost - self.c0
            self.G += obj.to_param(self.c_tilde[:, None] * self.ptb / self.norm)
        self.updated = tt is not None and (n + 1) % tt == 0
        if self.updated:
            self._update()
            self.G = np.zeros_like(self.G)
        self.n = n + 1

    def _update(self):
        """θ ← opt(θ, G) + update noise, then clipped to ±θmax (``config.theta_max``; the hardware's saturating θ)."""
        cfg = self.config
        self.theta = self.optimizer.step(self.theta, self.G)
        if cfg.sigma_theta:
            shape = self.theta.shape if cfg.update_noise == "per_parameter" else (self.theta.shape[0], 1)
            self.theta = self.theta + cfg.sigma_theta * cfg.dtheta * self.rng.standard_normal(shape)
        if cfg.theta_max is not None:
            np.clip(self.theta, -cfg.theta_max, cfg.theta_max, out=self.theta)


class AnalogMGD(DiscreteMGD):
    """Algorithm 2, with time step ``dt``: the perturbation changes every step, C̃ is a discrete high-pass of C
    (τhp), G a low-pass of e (τθ), and θ is updated every step::

        C̃ ← τhp/(τhp+dt)·(C̃ + C − C_prev);  e ← C̃·θ̃·dt/norm;  G ← dt/(τθ+dt)·(e + (τθ/dt)·G);  θ ← opt(θ, G)

    The high-pass restarts from rest (C_prev = C) at the first step and whenever a new sample arrives (every τx
    steps), as in the authors' simulator, so the jump of C between samples is not taken for a perturbation
    response. τθ = ∞ integrates G without decay and without updating θ."""

    def step(self) -> None:
        cfg, obj, n, dt = self.config, self.objective, self.n, self.config.dt
        new_sample = n % cfg.tau_x == 0
        if new_sample:
            obj.set_sample(self.order.next())
        self.ptb = cfg.dtheta * self.source.values(n)
        if cfg.perturb_target == "node":
            obj.cost(self.theta)  # node perturbation maps errors through the unperturbed layer inputs
        self.cost = obj.cost(self.theta, self.ptb)
        if new_sample:
            self._c_prev = self.cost
        a_hp = cfg.tau_hp / (cfg.tau_hp + dt)
        self.c_tilde = a_hp * (self.c_tilde + self.cost - self._c_prev)
        self._c_prev = self.cost
        e = obj.to_param(self.c_tilde[:, None] * self.ptb * dt / self.norm)
        if math.isinf(cfg.tau_theta):
            self.G += e
            self.updated = False
        else:
            self.G = dt / (cfg.tau_theta + dt) * (e + (cfg.tau_theta / dt) * self.G)
            self._update()
            self.updated = True
        self.n = n + 1
