"""Per-dataset starting settings for the CLI and the demos (explicit options override them).

The η values are for the *unbiased* normalisation (E[G] = ∇C per step). The papers' Table 2 η is in the authors'
normalisation, η_authors = N·η_unbiased (N = perturbed parameter count): NIST7x7 49-4-4, η_authors = 3 → 3/220.
XOR: η = 5/9 (the paper's Table 2 η = 5 for N = 9 parameters) and θ ∈ [−8, 8] (``theta_max``, the range of the
boards' θ format s3.12, :data:`~.formats.COMPACT_FORMATS`); how they were chosen, on validation seeds disjoint from
the seeds the tests use, is recorded in ``docs/golden-model.md``.
"""

from __future__ import annotations

import math

__all__ = ["PRESETS", "preset", "hardware_preset"]

PRESETS: dict[str, dict] = {
    "xor": dict(
        eta=5 / 9,
        dtheta=0.05,
        init_scale=2.0,
        theta_max=8.0,
        steps=10_000,
        seeds=20,
        eval_every=100,
        sample_order="random",
    ),
    "parity3": dict(
        eta=0.5, dtheta=0.05, init_scale=1.0, steps=50_000, seeds=10, eval_every=500, sample_order="random"
    ),
    "nist7x7": dict(
        eta=3 / 220, dtheta=0.05, init_scale=0.5, steps=100_000, seeds=5, eval_every=5_000, sample_order="random"
    ),
    "digits": dict(
        eta=0.05, dtheta=0.05, init_scale=0.5, steps=200_000, seeds=5, eval_every=10_000, sample_order="random"
    ),
}


def hardware_preset(dataset: str) -> dict:
    """The preset as the fixed-point hardware runs it: Δθ rounded to the nearest power of two (the hardware's
    Δθ = 2^−k) and no ``theta_max`` (the hardware's θ saturates at its format's range, whatever the preset says)."""
    fields = preset(dataset)
    if "dtheta" in fields:
        fields["dtheta"] = 2.0 ** round(math.log2(fields["dtheta"]))
    fields.pop("theta_max", None)
    return fields


def preset(dataset: str) -> dict:
    """The preset for ``dataset`` (parityN datasets use the parity3 preset); ``{}`` if there is none."""
    if dataset in PRESETS:
        return dict(PRESETS[dataset])
    if dataset.startswith("parity"):
        return dict(PRESETS["parity3"])
    return {}
