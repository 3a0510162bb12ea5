"""Sample orders: which training sample each seed sees when τx asks for a new one.

``next()`` returns an index array of shape (S,). Kinds: ``random`` (uniform with replacement, independent per seed),
``cyclic`` (0, 1, …, n−1, 0, … — the same for every seed, as a hardware dataset memory plays it) and ``shuffled``
(a fresh permutation per seed and epoch). :class:`ArrayOrder` plays back a recorded order (e.g. the hardware's).
"""

from __future__ import annotations

import numpy as np

__all__ = ["SampleOrder", "ArrayOrder"]


class SampleOrder:
    def __init__(self, kind: str, n: int, seeds: int, rng: np.random.Generator):
        if kind not in ("random", "cyclic", "shuffled"):
            raise ValueError(f"unknown sample order {kind!r}")
        self.kind, self.n, self.seeds, self.rng = kind, n, seeds, rng
        self.count = 0
        self._perm = None

    def next(self) -> np.ndarray:
        k = self.count
        self.count += 1
        if self.kind == "random":
            return self.rng.integers(0, self.n, self.seeds)
        if self.kind == "cyclic":
            return np.full(self.seeds, k % self.n)
        if k % self.n == 0:
            self._perm = self.rng.permuted(np.tile(np.arange(self.n), (self.seeds, 1)), axis=1)
        return self._perm[:, k % self.n]


class ArrayOrder:
    """Play back ``order`` (T,) shared by all seeds or (T, S); index k mod T."""

    def __init__(self, order, seeds: int):
        order = np.asarray(order, dtype=np.int64)
        self.order = np.broadcast_to(order[:, None], (order.shape[0], seeds)) if order.ndim == 1 else order
        self.count = 0

    def next(self) -> np.ndarray:
        idx = self.order[self.count % self.order.shape[0]]
        self.count += 1
        return idx
