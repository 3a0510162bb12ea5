"""The hardware's sample orders: which dataset-memory address the trainer reads for its k-th sample.

* ``cyclic``: k mod N (a counter).
* ``random``: uniform with replacement from a 20-bit Galois LFSR (x^20 + x^17 + 1, :mod:`.lfsr`), an m-sequence
  distinct from the 16-bit perturbation codes: sample k reads address ⌊s_k·N / 2^20⌋, s_k the LFSR state after
  19·k steps from the base seed. The LFSR jumps 19 steps per sample (one clock: the jump is a linear map, an XOR
  of state bits per bit, :func:`jump_masks`), so consecutive addresses use fresh bits (a single Galois step only
  shifts the top bits down). 19 is coprime with 2^20 − 1, so the jumps visit the whole period. The address is a
  constant multiply and a shift. The LFSR starts at phase ``SAMPLE_START`` = 2^19 of its sequence (not at the base
  seed 1, whose first states have empty top bits and would favour address 0).

A fixed, periodic order can alias with a periodic code: the Walsh code's period (16 for XOR) is a multiple of the
cyclic order's (4), so each code row always meets the same samples and the gradient estimate is biased
(docs/fixed-point.md). The random order avoids it.
"""

from __future__ import annotations

import numpy as np

from .lfsr import LFSRSpec

__all__ = ["HARDWARE_ORDERS", "SAMPLE_LFSR", "SAMPLE_JUMP", "SAMPLE_START", "sample_seed", "sample_indices",
           "jump_masks"]

HARDWARE_ORDERS = ("cyclic", "random")
SAMPLE_LFSR = LFSRSpec(20, stride=1)
SAMPLE_JUMP = 19
SAMPLE_START = 1 << 19


def sample_seed() -> int:
    """The sample LFSR's state at reset / at every start."""
    return int(SAMPLE_LFSR.states[SAMPLE_START])


def jump_masks(spec: LFSRSpec = SAMPLE_LFSR, jump: int = SAMPLE_JUMP) -> list[int]:
    """``masks[j]``: bit j of the state ``jump`` steps later is the parity of ``state & masks[j]`` (the LFSR is
    linear over GF(2), so the jump is found by stepping each basis state)."""
    images = []
    for i in range(spec.width):
        s = 1 << i
        for _ in range(jump):
            s = spec.step(s)
        images.append(s)
    return [sum(((images[i] >> j) & 1) << i for i in range(spec.width)) for j in range(spec.width)]


def sample_indices(kind: str, n_samples: int, count: int, start: int = 0) -> np.ndarray:
    """Addresses of samples ``start … start+count−1`` (int64 array)."""
    k = start + np.arange(count)
    if kind == "cyclic":
        return k % n_samples
    if kind == "random":
        states = SAMPLE_LFSR.states[(SAMPLE_START + SAMPLE_JUMP * k) % SAMPLE_LFSR.period]
        return (states * n_samples) >> SAMPLE_LFSR.width
    raise ValueError(f"hardware sample order must be one of {', '.join(HARDWARE_ORDERS)}, got {kind!r}")
