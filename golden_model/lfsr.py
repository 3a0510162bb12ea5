"""Maximal-length LFSR codes: the hardware's perturbation bits, defined once here and imported by the RTL.

Galois LFSR of ``width`` bits with feedback mask ``taps`` (a primitive polynomial): each step
``state = (state >> 1) ^ (taps if state & 1 else 0)``. The *code bit* of a step is the LSB of the state *before* the
step; the perturbation sign is ``+1`` for bit 1 and ``−1`` for bit 0. The state never reaches 0 (period
``2**width − 1``).

Synapse ``i`` runs its own LFSR seeded with the state the base sequence (seeded ``BASE_SEED``) reaches after
``i·stride`` steps, so every synapse plays the same m-sequence at a different phase. Two phases of an m-sequence
have a periodic cross-correlation of exactly −1/(2**width − 1) (the shift-and-add property), which is what makes the
codes "statistically orthogonal".
"""

from __future__ import annotations

import functools

import numpy as np

__all__ = ["LFSRSpec", "DEFAULT_LFSR"]

#: primitive polynomials as Galois feedback masks (x^w + … + 1 without the x^w term, reflected)
PRIMITIVE_TAPS = {
    8: 0xB8,  # x^8 + x^6 + x^5 + x^4 + 1
    12: 0xE08,  # x^12 + x^11 + x^10 + x^4 + 1
    16: 0xB400,  # x^16 + x^14 + x^13 + x^11 + 1
    20: 0x90000,  # x^20 + x^17 + 1
}
BASE_SEED = 1


class LFSRSpec:
    """One Galois LFSR code family: ``width``, ``taps`` and the phase ``stride`` between synapses."""

    def __init__(self, width: int = 16, stride: int = 4099):
        if width not in PRIMITIVE_TAPS:
            raise ValueError(f"LFSR width must be one of {sorted(PRIMITIVE_TAPS)}, got {width!r}")
        if not 1 <= stride < (1 << width) - 1:
            raise ValueError(f"stride must be in [1, {(1 << width) - 2}], got {stride!r}")
        self.width, self.taps, self.stride = width, PRIMITIVE_TAPS[width], stride
        self.period = (1 << width) - 1

    def step(self, state: int) -> int:
        return (state >> 1) ^ (self.taps if state & 1 else 0)

    @property
    def states(self) -> np.ndarray:
        """The whole base sequence of states, one period, starting at ``BASE_SEED`` (shared by all specs of a width)."""
        return _base_states(self.width)

    def seed(self, synapse: int) -> int:
        """Initial state of synapse ``synapse``'s LFSR."""
        return int(self.states[(synapse * self.stride) % self.period])

    def bits(self, synapse: int, n: int, start: int = 0) -> np.ndarray:
        """Code bits of a synapse for its steps ``start … start+n−1`` (steps counted from reset)."""
        idx = (synapse * self.stride + start + np.arange(n)) % self.period
        return (self.states[idx] & 1).astype(np.uint8)

    def signs(self, n_synapses: int, n: int) -> np.ndarray:
        """±1 code of ``n_synapses`` synapses for ``n`` steps: shape (n, n_synapses) (an ``ArraySource`` pattern)."""
        return np.stack([self.bits(i, n) for i in range(n_synapses)], axis=1).astype(np.float64) * 2 - 1


DEFAULT_LFSR = LFSRSpec()


@functools.cache
def _base_states(width: int) -> np.ndarray:
    taps, period = PRIMITIVE_TAPS[width], (1 << width) - 1
    out = np.empty(period, dtype=np.int64)
    s = BASE_SEED
    for k in range(period):
        out[k] = s
        s = (s >> 1) ^ (taps if s & 1 else 0)
    out.flags.writeable = False
    return out
