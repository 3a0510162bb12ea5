"""The kernel's random draws: the perturbation pattern θ̃ of every seed (±1 codes, uniform, Gaussian, Walsh rows,
sequential pulses, sinusoids or playback) and the next sample index of every seed (random, cyclic, shuffled or
playback order), drawn from the numpy model's own generators exactly as the numpy sources and orders draw them.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numba.np.random.generator_core import next_uint32
from numba.np.random.random_methods import buffered_bounded_lemire_uint32

from .state import COUNT

SOURCE = {"binary": 0, "uniform": 1, "gaussian": 2}  # RandomCode distributions; walsh 3, sequential 4, sinusoid 5,
WALSH, SEQUENTIAL, SINUSOID, ARRAY = 3, 4, 5, 6  # playback 6
ORDER = {"random": 0, "cyclic": 1, "shuffled": 2}  # playback 3


@njit(inline="always")
def _parity(v):
    c = 0
    while v:
        v &= v - np.uint64(1)
        c += 1
    return c & 1


@njit(inline="always")
def _draw_index(bitgen, n):
    """``integers(0, n)`` as NumPy draws it for int64 (n ≤ 2³²: Lemire's method on 32-bit draws), without making an
    array (numba's ``integers`` makes one even for a scalar)."""
    if n == 1:
        return 0
    return np.int64(buffered_bounded_lemire_uint32(bitgen, np.uint32(n - 1)))


@njit(inline="always")
def pattern(kind, t, rows, walsh_len, freq, phase, patterns, rng_p, dtheta, ptb):
    """θ̃ = Δθ·u(t) for every seed into ``ptb`` (S, K), u drawn from ``rng_p`` as the numpy sources draw it. The ±1
    code, ``integers(0, 2)``: Lemire's method for the range 2 never rejects and is the top bit of a 32-bit draw."""
    S, K = ptb.shape
    if kind == 0:
        bitgen = rng_p.bit_generator
        for s in range(S):
            for k in range(K):
                ptb[s, k] = dtheta * (np.float64(next_uint32(bitgen) >> np.uint32(31)) * 2.0 - 1.0)
    elif kind == 1:
        u = rng_p.uniform(-1.0, 1.0, (S, K))
        for s in range(S):
            for k in range(K):
                ptb[s, k] = dtheta * u[s, k]
    elif kind == 2:
        u = rng_p.standard_normal((S, K))
        for s in range(S):
            for k in range(K):
                ptb[s, k] = dtheta * u[s, k]
    elif kind == 3:
        tm = np.uint64(t % walsh_len)
        for s in range(S):
            for k in range(K):
                ptb[s, k] = dtheta * (1.0 - 2.0 * _parity(rows[s, k] & tm))
    elif kind == 4:
        j = t % K
        for s in range(S):
            for k in range(K):
                ptb[s, k] = dtheta if k == j else 0.0
    elif kind == 5:
        tf = float(t)
        for s in range(S):
            for k in range(K):
                ptb[s, k] = dtheta * math.sin(2.0 * math.pi * freq[s, k] * tf + phase[s, k])
    else:
        r = t % patterns.shape[0]
        for s in range(S):
            for k in range(K):
                ptb[s, k] = dtheta * patterns[r, s, k]


@njit(inline="always")
def next_sample(kind, n, istate, perm, order_arr, rng_s, sample):
    """The next sample index of every seed into ``sample``, as the numpy sample orders draw it."""
    k = istate[COUNT]
    istate[COUNT] = k + 1
    S = sample.shape[0]
    if kind == 0:
        bitgen = rng_s.bit_generator
        for s in range(S):
            sample[s] = _draw_index(bitgen, n)
    elif kind == 1:
        for s in range(S):
            sample[s] = k % n
    elif kind == 2:
        if k % n == 0:
            for s in range(S):
                for j in range(n):
                    perm[s, j] = j
                rng_s.shuffle(perm[s])
        for s in range(S):
            sample[s] = perm[s, k % n]
    else:
        r = k % order_arr.shape[0]
        for s in range(S):
            sample[s] = order_arr[r, s]
