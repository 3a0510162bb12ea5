"""Perturbation sources: where θ̃ comes from.

A source returns, for perturbation index ``t`` (the number of τp periods since the start: ``t = n // τp`` in the
discrete algorithm, ``t = n`` in the analog one), a *unit-amplitude* pattern ``u`` of shape ``(S, K)`` (S seeds, K
perturbed quantities); the perturbation is ``θ̃ = Δθ · u``. ``power`` is the mean square of ``u`` that the
"unbiased" normalisation divides by (e = C̃·θ̃ / (Δθ²·power)), so that E[G] = ∇C per step.

=============  ===========================================================================  =====
kind           pattern                                                                      power
=============  ===========================================================================  =====
``code``       random ±1 (SPSA / "statistically orthogonal" code), fresh every τp            1
``uniform``    U[−1, 1], fresh every τp                                                       1/3
``gaussian``   N(0, 1), fresh every τp                                                        1
``walsh``      Hadamard rows 1..L−1 (L = 2^⌈log₂(K+1)⌉), shuffled per seed: u = (−1)^popcount  1
               (row & (t mod L)); exactly orthogonal over L steps
``sequential`` only quantity ``t mod K`` is perturbed, by +1 (finite difference / coordinate      1
               descent: power 1 makes e the forward difference of the pulsed quantity)
``sinusoid``   sin(2π f_i t + φ_i), f_i = k_i / (2(K+1)), k_i a per-seed shuffle of 1..K,       1/2
               φ_i ~ U[0, 2π): exactly orthogonal over 2(K+1) steps
=============  ===========================================================================  =====

:class:`ArraySource` plays back a recorded pattern (e.g. the hardware's LFSR bits), so the float model can be
driven by exactly the sequence the RTL uses.
"""

from __future__ import annotations

import numpy as np

__all__ = ["PerturbationSource", "RandomCode", "WalshCode", "Sequential", "Sinusoid", "ArraySource", "make_source"]


class PerturbationSource:
    """Base class: ``values(t) -> (S, K)`` unit-amplitude pattern; ``power`` its mean square."""

    power: float = 1.0

    def __init__(self, seeds: int, k: int):
        self.seeds, self.k = seeds, k

    def values(self, t: int) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError


class RandomCode(PerturbationSource):
    """Independent random patterns every period: ``±1`` (binary), ``U[−1, 1]`` or ``N(0, 1)``."""

    POWERS = {"binary": 1.0, "uniform": 1.0 / 3.0, "gaussian": 1.0}

    def __init__(self, seeds, k, rng: np.random.Generator, distribution="binary"):
        super().__init__(seeds, k)
        if distribution not in self.POWERS:
            raise ValueError(f"distribution must be one of {sorted(self.POWERS)}, got {distribution!r}")
        self.rng, self.distribution = rng, distribution
        self.power = self.POWERS[distribution]

    def values(self, t):
        shape = (self.seeds, self.k)
        if self.distribution == "binary":
            return self.rng.integers(0, 2, shape).astype(np.float64) * 2.0 - 1.0
        if self.distribution == "uniform":
            return self.rng.uniform(-1.0, 1.0, shape)
        return self.rng.standard_normal(shape)


class WalshCode(PerturbationSource):
    """Walsh (Sylvester-Hadamard) codes; each seed assigns a shuffled set of non-constant rows to its K quantities."""

    def __init__(self, seeds, k, rng: np.random.Generator | None = None, shuffle=True):
        super().__init__(seeds, k)
        self.length = 1 << int(np.ceil(np.log2(k + 1)))
        rows = np.tile(np.arange(1, k + 1), (seeds, 1))
        if shuffle:
            rows = np.stack([rng.permutation(np.arange(1, self.length))[:k] for _ in range(seeds)])
        self.rows = rows.astype(np.uint64)

    def values(self, t):
        parity = np.bitwise_count(self.rows & np.uint64(t % self.length)) & 1
        return 1.0 - 2.0 * parity.astype(np.float64)


class Sequential(PerturbationSource):
    """One quantity at a time: quantity ``t mod K`` gets +1, all others 0."""

    def values(self, t):
        u = np.zeros((self.seeds, self.k))
        u[:, t % self.k] = 1.0
        return u


class Sinusoid(PerturbationSource):
    """Evenly spaced frequencies (shuffled per seed) with random phases; t counts perturbation periods."""

    power = 0.5

    def __init__(self, seeds, k, rng: np.random.Generator):
        super().__init__(seeds, k)
        self.period = 2 * (k + 1)
        harmonics = np.stack([rng.permutation(np.arange(1, k + 1)) for _ in range(seeds)])
        self.freq = harmonics / self.period  # cycles per perturbation period, in (0, 1/2)
        self.phase = rng.uniform(0.0, 2.0 * np.pi, (seeds, k))

    def values(self, t):
        return np.sin(2.0 * np.pi * self.freq * t + self.phase)


class ArraySource(PerturbationSource):
    """Play back a recorded pattern: ``patterns`` of shape (T, K) (shared by all seeds) or (T, S, K); index t mod T."""

    def __init__(self, seeds, k, patterns, power=1.0):
        super().__init__(seeds, k)
        patterns = np.asarray(patterns, dtype=np.float64)
        if patterns.ndim == 2:
            patterns = np.broadcast_to(patterns[:, None, :], (patterns.shape[0], seeds, patterns.shape[1]))
        if patterns.ndim != 3 or patterns.shape[1:] != (seeds, k):
            raise ValueError(f"patterns must have shape (T, {k}) or (T, {seeds}, {k}), got {patterns.shape}")
        self.patterns, self.power = patterns, power

    def values(self, t):
        return self.patterns[t % self.patterns.shape[0]]


def make_source(kind: str, seeds: int, k: int, rng: np.random.Generator) -> PerturbationSource:
    """The source for a config's ``perturbation`` kind."""
    if kind == "code":
        return RandomCode(seeds, k, rng, "binary")
    if kind in ("uniform", "gaussian"):
        return RandomCode(seeds, k, rng, kind)
    if kind == "walsh":
        return WalshCode(seeds, k, rng)
    if kind == "sequential":
        return Sequential(seeds, k)
    if kind == "sinusoid":
        return Sinusoid(seeds, k, rng)
    raise ValueError(f"unknown perturbation kind {kind!r}")
