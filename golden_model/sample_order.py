"""The hardware's sample orders: which dataset-memory address the trainer reads for its k-th sample.

* ``cyclic``: k mod N (a counter).
* ``random``: uniform with replacement from a 20-bit Galois LFSR (x^20 + x^17 + 1, :mod:`.lfsr`), an m-sequence
  distinct from the 16-bit perturbation codes: sample k reads address ⌊s_k·N / 2^20⌋, s_k the LFSR state after k
  steps from the base seed (one step per sample). The address is a constant multiply and a shift in the RTL.

A fixed, periodic order can alias with a periodic code: the Walsh code's period (16 for XOR) is a multiple of the
cyclic order's (4), so each code row always meets the same samples and the gradient estimate is biased
(docs/fixed-point.md). The random order avoids it.
"""

from __future__ import annotations

import numpy as np

from .lfsr import LFSRSpec

__all__ = ["HARDWARE_ORDERS", "SAMPLE_LFSR", "sample_indices"]

HARDWARE_ORDERS = ("cyclic", "random")
SAMPLE_LFSR = LFSRSpec(20, stride=1)


def sample_indices(kind: str, n_samples: int, count: int, start: int = 0) -> np.ndarray:
    """Addresses of samples ``start … start+count−1`` (int64 array)."""
    k = start + np.arange(count)
    if kind == "cyclic":
        return k % n_samples
    if kind == "random":
        states = SAMPLE_LFSR.states[k % SAMPLE_LFSR.period]
        return (states * n_samples) >> SAMPLE_LFSR.width
    raise ValueError(f"hardware sample order must be one of {', '.join(HARDWARE_ORDERS)}, got {kind!r}")
