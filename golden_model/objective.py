"""What MGD minimises: a cost that can be measured with a perturbation applied.

An objective holds the current training sample and answers ``cost(theta, ptb)`` (S,), with ``ptb`` the perturbation
in *perturbation space* (S, K): K = P parameters for weight perturbation, K = neurons for node perturbation.
``to_param(e)`` maps an error vector from perturbation space to parameter space (the identity for weight
perturbation; ∂C/∂W_kj = e_k·x_j for node perturbation). ``exact_gradient(theta)`` is the backprop gradient of the
noise-free cost of the current sample.
"""

from __future__ import annotations

import numpy as np

from .network import MLP, Defects

__all__ = ["NetworkObjective", "LinearObjective"]


class NetworkObjective:
    """MSE cost of an :class:`MLP` on one training sample per seed, with optional cost noise and defects."""

    def __init__(
        self,
        mlp: MLP,
        x: np.ndarray,
        y: np.ndarray,
        *,
        target="weight",
        defects: Defects | None = None,
        sigma_cost=0.0,
        rng: np.random.Generator | None = None,
    ):
        self.mlp, self.x, self.y = mlp, x, y
        self.target, self.defects = target, defects
        self.sigma_cost, self.rng = sigma_cost, rng
        self.n_params = mlp.n_params
        self.n_perturbed = mlp.n_params if target == "weight" else mlp.n_neurons
        self._xs = self._ys = None
        self._inputs = None

    def set_sample(self, idx: np.ndarray) -> None:
        """Show sample ``idx[s]`` to seed ``s``."""
        self._xs = self.x[idx][:, None, :]
        self._ys = self.y[idx][:, None, :]

    def _noisy(self, c):
        if self.sigma_cost:
            c = c + self.sigma_cost * self.rng.standard_normal(c.shape)
        return c

    def cost(self, theta, ptb=None):
        if ptb is None:
            if self.target == "node":  # baseline pass: remember each layer's unperturbed input
                y, trace = self.mlp.forward(theta, self._xs, defects=self.defects, keep=True)
                self._inputs = [a for a, _, _ in trace]
            else:
                y = self.mlp.forward(theta, self._xs, defects=self.defects)
        elif self.target == "weight":
            y = self.mlp.forward(theta + ptb, self._xs, defects=self.defects)
        else:
            y = self.mlp.forward(theta, self._xs, node_ptb=ptb, defects=self.defects)
        return self._noisy(MLP.cost(y, self._ys))

    def to_param(self, e):
        if self.target == "weight":
            return e
        if self._inputs is None:
            raise RuntimeError("node perturbation needs a baseline cost() call before to_param()")
        return self.mlp.node_to_param(e, self._inputs)

    def exact_gradient(self, theta):
        return self.mlp.gradient(theta, self._xs, self._ys, defects=self.defects)[0]


class LinearObjective:
    """C(θ) = c·θ: the linear cost of Theorem 1 (scaling paper), with known gradient ``c`` (S, P)."""

    def __init__(self, c: np.ndarray):
        self.c = np.asarray(c, dtype=np.float64)
        self.n_params = self.n_perturbed = self.c.shape[1]

    def set_sample(self, idx):
        pass

    def cost(self, theta, ptb=None):
        t = theta if ptb is None else theta + ptb
        return np.sum(self.c * t, axis=1)

    def to_param(self, e):
        return e

    def exact_gradient(self, theta):
        return np.broadcast_to(self.c, theta.shape).copy()
