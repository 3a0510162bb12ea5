"""Optimizers that take the MGD estimate G as a drop-in gradient (scaling paper §4, Eqs. 13-14).

Each ``step(theta, G)`` returns the new ``theta``; arrays are (S, P).

* SGD:       θ ← θ − η·G
* momentum:  v ← β·v + G;  θ ← θ − η·v   (heavy ball)
* Adam:      m ← β₁m + (1−β₁)G;  v ← β₂v + (1−β₂)G²;  θ ← θ − η·m/(√v + ε)  — as written in the scaling paper
  (Eq. 14), i.e. without Kingma & Ba's bias correction.
"""

from __future__ import annotations

import numpy as np

__all__ = ["SGD", "Momentum", "Adam", "make_optimizer"]


class SGD:
    def __init__(self, eta):
        self.eta = eta

    def step(self, theta, G):
        return theta - self.eta * G


class Momentum:
    def __init__(self, eta, beta):
        self.eta, self.beta, self.v = eta, beta, None

    def step(self, theta, G):
        self.v = G.copy() if self.v is None else self.beta * self.v + G
        return theta - self.eta * self.v


class Adam:
    def __init__(self, eta, beta1, beta2, eps):
        self.eta, self.beta1, self.beta2, self.eps = eta, beta1, beta2, eps
        self.m = self.v = None

    def step(self, theta, G):
        if self.m is None:
            self.m, self.v = np.zeros_like(G), np.zeros_like(G)
        self.m = self.beta1 * self.m + (1.0 - self.beta1) * G
        self.v = self.beta2 * self.v + (1.0 - self.beta2) * G * G
        return theta - self.eta * self.m / (np.sqrt(self.v) + self.eps)


def make_optimizer(config):
    if config.optimizer == "sgd":
        return SGD(config.eta)
    if config.optimizer == "momentum":
        return Momentum(config.eta, config.momentum)
    return Adam(config.eta, config.adam_beta1, config.adam_beta2, config.adam_eps)
