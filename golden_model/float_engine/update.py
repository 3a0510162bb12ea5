"""The kernel's optimizer update: θ ← opt(θ, G) (SGD, momentum or Adam), plus update noise, clipped to ±θmax."""

from __future__ import annotations

import math

from numba import njit

from .state import STARTED

OPTIMIZER = {"sgd": 0, "momentum": 1, "adam": 2}


@njit(inline="always")
def update(ci, cf, istate, theta, G, opt_m, opt_v, rng_u):
    """θ ← opt(θ, G), plus update noise, clipped to ±θmax (the numpy model's ``DiscreteMGD._update``)."""
    S, P = theta.shape
    kind = ci[6]
    eta = cf[2]
    first = istate[STARTED] == 0
    istate[STARTED] = 1
    if kind == 0:
        for s in range(S):
            for i in range(P):
                theta[s, i] = theta[s, i] - eta * G[s, i]
    elif kind == 1:
        beta = cf[3]
        for s in range(S):
            for i in range(P):
                v = G[s, i] if first else beta * opt_m[s, i] + G[s, i]
                opt_m[s, i] = v
                theta[s, i] = theta[s, i] - eta * v
    else:
        b1, b2, eps = cf[4], cf[5], cf[6]
        for s in range(S):
            for i in range(P):
                g = G[s, i]
                m = b1 * (0.0 if first else opt_m[s, i]) + (1.0 - b1) * g
                v = b2 * (0.0 if first else opt_v[s, i]) + (1.0 - b2) * g * g
                opt_m[s, i] = m
                opt_v[s, i] = v
                theta[s, i] = theta[s, i] - eta * m / (math.sqrt(v) + eps)
    if cf[8] != 0.0:
        amp = cf[8] * cf[0]
        if ci[9]:
            z = rng_u.standard_normal(S)
            for s in range(S):
                for i in range(P):
                    theta[s, i] = theta[s, i] + amp * z[s]
        else:
            zz = rng_u.standard_normal((S, P))
            for s in range(S):
                for i in range(P):
                    theta[s, i] = theta[s, i] + amp * zz[s, i]
    tm = cf[9]
    if not math.isinf(tm):
        for s in range(S):
            for i in range(P):
                theta[s, i] = min(max(theta[s, i], -tm), tm)
