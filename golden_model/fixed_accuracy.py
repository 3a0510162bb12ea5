"""Accuracy counting in fixed point: the rule the hardware's accuracy counter implements (``mgd.rtl``).

The same rule as :meth:`~.datasets.Dataset.accuracy`, on stored integers of the act format (``fmt``): for
``task == "parity"`` a sample is correct iff every output is above one half exactly when its target is
(``q > 2^(frac−1)``, the float rule ``y > 0.5`` on the stored value); for ``"classification"`` iff the first
index of the largest output equals the first index of the largest target (numpy's ``argmax`` tie rule).
"""

from __future__ import annotations

import numpy as np

from .formats import Fmt

__all__ = ["TASKS", "classified_correctly"]

TASKS = ("parity", "classification")


def classified_correctly(y, target, task: str, fmt: Fmt) -> np.ndarray:
    """``y`` (..., n_out) and ``target`` (..., n_out) stored integers → bool array (...)."""
    if task not in TASKS:
        raise ValueError(f"task must be one of {', '.join(TASKS)}, got {task!r}")
    y, target = np.asarray(y, dtype=np.int64), np.asarray(target, dtype=np.int64)
    if task == "parity":
        half = 1 << (fmt.frac - 1) if fmt.frac > 0 else 0
        return np.all((y > half) == (target > half), axis=-1)
    return np.argmax(y, axis=-1) == np.argmax(target, axis=-1)
