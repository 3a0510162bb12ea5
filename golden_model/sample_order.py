"""The hardware's sample orders: which dataset-memory address the trainer reads for its k-th sample.

* ``cyclic``: k mod N (a counter).
* ``random``: uniform with replacement from a 20-bit Galois LFSR (x^20 + x^17 + 1, :mod:`.lfsr`), an m-sequence
  distinct from the 16-bit perturbation codes: sample k reads address ⌊s_k·N / 2^20⌋, s_k the LFSR state after
  19·k steps from the base seed. The LFSR jumps 19 steps per sample (one clock: the jump is a linear map, an XOR
  of state bits per bit, :func:`jump_masks`), so consecutive addresses use fresh bits (a single Galois step only
  shifts the top bits down). 19 is coprime with 2^20 − 1, so the jumps visit the whole period. The address is a
  constant multiply and a shift. The LFSR starts at phase ``SAMPLE_START`` = 2^19 of its sequence (not at the base
  seed 1, whose first states have empty top bits and would favour address 0).

The seed register (:mod:`.hardware_seed`) moves the random order too: in each of the ``seed`` cycles of the
controller's seed phase the sample LFSR jumps ``SEED_JUMP`` = 648,017 steps (another one-clock XOR network), so
with seed register s sample k reads state ``SAMPLE_START + SEED_JUMP·s + 19·k``. ``SEED_JUMP`` is close to
(2^20 − 1)/φ, so consecutive seeds start far apart in the sequence, and SEED_JUMP − 19 is coprime with 2^20 − 1:
two seed values below 2^16 never replay the same (code, sample) pairing shifted in time, which they would if the
seed moved codes and samples by the same number of steps. The ``cyclic`` order is a counter and ignores the
seed (it is the same order in every run, by definition).

A fixed, periodic order can alias with a periodic code: the Walsh code's period (16 for XOR) is a multiple of the
cyclic order's (4), so each code row always meets the same samples and the gradient estimate is biased
(docs/fixed-point.md). The random order avoids it.
"""

from __future__ import annotations

import numpy as np

from .lfsr import LFSRSpec

__all__ = [
    "HARDWARE_ORDERS",
    "SAMPLE_LFSR",
    "SAMPLE_JUMP",
    "SAMPLE_START",
    "SEED_JUMP",
    "sample_seed",
    "sample_indices",
    "jump_masks",
]

HARDWARE_ORDERS = ("cyclic", "random")
SAMPLE_LFSR = LFSRSpec(20, stride=1)
SAMPLE_JUMP = 19
SAMPLE_START = 1 << 19
SEED_JUMP = 648_017


def sample_seed(seed: int = 0) -> int:
    """The sample LFSR's state after the seed phase of seed register ``seed`` (0: the state at reset / at every
    start, before the seed phase)."""
    return int(SAMPLE_LFSR.states[(SAMPLE_START + SEED_JUMP * seed) % SAMPLE_LFSR.period])


def jump_masks(spec: LFSRSpec = SAMPLE_LFSR, jump: int = SAMPLE_JUMP) -> list[int]:
    """``masks[j]``: bit j of the state ``jump`` steps later is the parity of ``state & masks[j]`` (the LFSR is
    linear over GF(2): the one-step map, given by the images of the basis states, is raised to the power ``jump``
    by repeated squaring)."""

    def apply(images, state):
        out = 0
        for i, image in enumerate(images):
            if state >> i & 1:
                out ^= image
        return out

    step = [spec.step(1 << i) for i in range(spec.width)]
    images = [1 << i for i in range(spec.width)]  # the identity
    while jump:
        if jump & 1:
            images = [apply(step, image) for image in images]
        step = [apply(step, image) for image in step]
        jump >>= 1
    return [sum(((images[i] >> j) & 1) << i for i in range(spec.width)) for j in range(spec.width)]


def sample_indices(kind: str, n_samples: int, count: int, start: int = 0, seed=0) -> np.ndarray:
    """Addresses of samples ``start … start+count−1`` (int64 array (count,)) for seed register ``seed``; with an
    array of seeds (S,), one row per seed: (S, count)."""
    k = start + np.arange(count)
    seed = np.asarray(seed, dtype=np.int64)
    if kind == "cyclic":
        return np.broadcast_to(k % n_samples, seed.shape + k.shape).copy()
    if kind == "random":
        phase = SAMPLE_START + SEED_JUMP * (seed[..., None] % SAMPLE_LFSR.period) + SAMPLE_JUMP * k
        states = SAMPLE_LFSR.states[phase % SAMPLE_LFSR.period]
        return (states * n_samples) >> SAMPLE_LFSR.width
    raise ValueError(f"hardware sample order must be one of {', '.join(HARDWARE_ORDERS)}, got {kind!r}")
