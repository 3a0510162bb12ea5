"""The hardware's randomness per run: the value of the trainer's ``seed`` register for each initialisation.

The trainer has no random source other than its LFSRs: the perturbation codes (:mod:`.codes`) and the random
sample order (:mod:`.sample_order`). The 16-bit ``seed`` register moves both: the controller's seed phase spends
``seed`` cycles advancing every code generator one step and jumping the sample LFSR ``SEED_JUMP`` steps
(:mod:`.schedule`). So the register is what makes two hardware runs different draws.

For statistics over initialisations, initialisation k of a configuration (base seed ``config.seed``) runs with seed
register :func:`hardware_seed` ``(config.seed + k)``, a bijection of the run's seed modulo 2^16 − 1 onto
[1, 2^16 − 1] (a multiplicative hash, so neighbouring seeds get far-apart register values). θ₀ is drawn from the
same seed (:meth:`~.network.MLP.init_theta`), so θ₀, the codes and the sample order are all drawn anew per
initialisation, and a multi-seed run equals the same seeds run one at a time.

``hardware_seeds="shared"`` (:class:`~.config.MGDConfig`) gives every initialisation seed register 0 instead: one
draw of the hardware's randomness shared by all initialisations (the behaviour before the register moved the sample
order), kept for comparison only.
"""

from __future__ import annotations

import numpy as np

from .config import MGDConfig
from .schedule import Registers

__all__ = ["SEED_REGISTER_WIDTH", "SEED_MULTIPLIER", "hardware_seed", "hardware_seeds"]

SEED_REGISTER_WIDTH = Registers.WIDTHS["seed"]
#: close to (2^16 − 1)/φ and coprime with 2^16 − 1 (= 3·5·17·257), so seed ↦ seed·K mod (2^16 − 1) is a bijection
SEED_MULTIPLIER = 40_462
_MODULUS = (1 << SEED_REGISTER_WIDTH) - 1


def hardware_seed(seed: int) -> int:
    """The seed register value of the run with random seed ``seed`` (≥ 0): 1 + (seed·K mod (2^16 − 1))."""
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return 1 + (int(seed) * SEED_MULTIPLIER) % _MODULUS


def hardware_seeds(config: MGDConfig) -> np.ndarray:
    """The seed register value of each of ``config.seeds`` initialisations (int64 array (S,))."""
    if config.hardware_seeds == "shared":
        return np.zeros(config.seeds, dtype=np.int64)
    return np.array([hardware_seed(config.seed + k) for k in range(config.seeds)], dtype=np.int64)
