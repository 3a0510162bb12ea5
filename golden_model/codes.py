"""The hardware's perturbation codes: what every synapse's perturbator outputs, defined once here.

A synapse's perturbation is θ̃ᵢ = cᵢ·Δθ, with the *code* cᵢ a small signed integer read with ``frac`` fraction
bits. The code at perturbation step t (t = number of τp strobes since reset) is:

=====================  ==========================================================================  ==========
kind                   code cᵢ(t)                                                                  power E[c²]
=====================  ==========================================================================  ==========
``lfsr``               ±1 from the synapse's own Galois LFSR (:mod:`.lfsr`): +1 if the state's LSB   1
                       is 1, else −1; the LFSR steps on every τp strobe
``lfsr_multilevel``    (2v + 1 − 2^m)/2^m with v the m low bits of the same LFSR state: 2^m odd,     (4^m−1)/(3·4^m)
                       symmetric levels in (−1, 1) (a multi-level code for the multiplier correlator)
``walsh``              (−1)^popcount((i+1) & t') with t' = t mod L, L = 2^⌈log₂(N+1)⌉: row i+1 of the  1
                       L×L Hadamard matrix (row 0, all ones, is skipped); t' is the broadcast counter
``sequential``         1 if i = t mod N else 0: one synapse at a time (finite difference)           1 (see below)
=====================  ==========================================================================  ==========

Walsh and sequential codes need only the broadcast counter t' (``index``), which the controller keeps; the LFSR
codes need only the τp strobe. Walsh rows are exactly orthogonal over L steps. For ``sequential`` the "power" is
taken as 1 so that e = C̃·c/Δθ is the forward difference of the pulsed parameter, as in the float model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .lfsr import DEFAULT_LFSR, LFSRSpec

__all__ = ["CodeSpec", "CODE_KINDS", "FLOAT_KIND"]

CODE_KINDS = ("lfsr", "lfsr_multilevel", "walsh", "sequential")

#: the float model's perturbation kind each hardware code stands for
FLOAT_KIND = {"lfsr": "code", "lfsr_multilevel": "uniform", "walsh": "walsh", "sequential": "sequential"}


@dataclass(frozen=True)
class CodeSpec:
    """One code family: ``kind``, the number of synapses ``n_synapses`` (Walsh length, sequential modulus), the
    LFSR family ``lfsr`` and, for ``lfsr_multilevel``, ``levels_bits`` (m)."""

    kind: str = "lfsr"
    n_synapses: int = 1
    lfsr: LFSRSpec = DEFAULT_LFSR
    levels_bits: int = 3

    def __post_init__(self):
        if self.kind not in CODE_KINDS:
            raise ValueError(f"code kind must be one of {', '.join(CODE_KINDS)}, got {self.kind!r}")
        if not isinstance(self.n_synapses, int) or self.n_synapses < 1:
            raise ValueError(f"n_synapses must be a positive integer, got {self.n_synapses!r}")
        if self.kind == "lfsr_multilevel" and not 1 <= self.levels_bits <= min(8, self.lfsr.width):
            raise ValueError(f"levels_bits must be in [1, {min(8, self.lfsr.width)}], got {self.levels_bits!r}")

    # ------------------------------------------------------------------ format

    @property
    def frac(self) -> int:
        """Fraction bits of the code value."""
        return self.levels_bits if self.kind == "lfsr_multilevel" else 0

    @property
    def width(self) -> int:
        """Width of the signed code value."""
        return self.levels_bits + 1 if self.kind == "lfsr_multilevel" else 2

    @property
    def binary(self) -> bool:
        """True when every code value is in {−1, 0, +1} (the sign-gated correlator suffices)."""
        return self.kind != "lfsr_multilevel"

    @property
    def power(self) -> float:
        if self.kind == "lfsr_multilevel":
            m = self.levels_bits
            return (4**m - 1) / (3 * 4**m)
        return 1.0

    @property
    def index_period(self) -> int | None:
        """Modulus of the broadcast counter (``None`` for the LFSR codes, which do not use it)."""
        if self.kind == "walsh":
            return 1 << math.ceil(math.log2(self.n_synapses + 1))
        if self.kind == "sequential":
            return self.n_synapses
        return None

    @property
    def index_width(self) -> int:
        """Bits of the broadcast counter."""
        period = self.index_period
        return max(1, (period - 1).bit_length()) if period else 1

    # ------------------------------------------------------------------- codes

    def code(self, synapse: int, advances: int, index: int) -> int:
        """The code of ``synapse`` after ``advances`` τp strobes with the broadcast counter at ``index``."""
        if self.kind == "lfsr":
            return 1 if self.lfsr.bits(synapse, 1, start=advances)[0] else -1
        if self.kind == "lfsr_multilevel":
            return self._level(self._state(synapse, advances))
        if self.kind == "walsh":
            return -1 if bin((synapse + 1) & index).count("1") & 1 else 1
        return 1 if index == synapse else 0

    def codes(self, steps: int, start: int = 0) -> np.ndarray:
        """Codes of every synapse for perturbation steps ``start … start+steps−1``: int array (steps, N), with the
        counter following the steps (``index = t mod period``)."""
        return self.codes_at(start + np.arange(steps))

    def codes_at(self, t) -> np.ndarray:
        """Codes of every synapse at the perturbation steps ``t`` (int array (K,), any order: e.g. one step per
        run, each run with its own seed register): int array (K, N)."""
        t = np.asarray(t, dtype=np.int64)
        i = np.arange(self.n_synapses)
        if self.kind in ("lfsr", "lfsr_multilevel"):
            spec = self.lfsr
            idx = (i[None, :] * spec.stride + t[:, None]) % spec.period
            states = spec.states[idx]
            if self.kind == "lfsr":
                return np.where(states & 1, 1, -1).astype(np.int64)
            return self._level(states)
        index = t % self.index_period
        if self.kind == "walsh":
            row = (i + 1)[None, :] & index[:, None]
            parity = np.zeros_like(row)
            while np.any(row):
                parity ^= row & 1
                row = row >> 1
            return np.where(parity, -1, 1).astype(np.int64)
        return (index[:, None] == i[None, :]).astype(np.int64)

    def unit_pattern(self, steps: int) -> np.ndarray:
        """The codes as real values (T, N): the float model's unit pattern (θ̃ = Δθ·pattern) for an ArraySource."""
        return self.codes(steps).astype(np.float64) * 2.0**-self.frac

    # --------------------------------------------------------------- internals

    def _state(self, synapse, advances):
        spec = self.lfsr
        return int(spec.states[(synapse * spec.stride + advances) % spec.period])

    def _level(self, state):
        m = self.levels_bits
        v = state & ((1 << m) - 1)
        return 2 * v + 1 - (1 << m)
