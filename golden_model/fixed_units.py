"""Bit-exact golden functions of the hardware units, on stored integers (see :mod:`.formats`).

Each function does the hardware's operations in the hardware's order and rounds with the one rule (floor). They
work on Python ints and on numpy int64 arrays alike (one value per synapse). The per-cycle models at the bottom
(:class:`SynapseModel`, :class:`CostUnitModel`) compose them exactly as the RTL's registers do, for the
model-equivalence tests.

Broadcast modes
    ``"prescaled"``: the cost unit broadcasts u = ⌊C̃·η⌋ in θ's LSB (η = the runtime register η/(Δθ·power)); each
    synapse accumulates G ← G + c·u and updates θ ← θ − G: no multiplier in the synapse.
    ``"raw"``: the cost unit broadcasts C̃; each synapse accumulates G ← G + c·C̃ and updates θ ← θ − ⌊G·η⌋.
"""

from __future__ import annotations

import numpy as np

from .formats import FixedFormats, floor_shift

__all__ = [
    "BROADCAST_MODES",
    "perturbation",
    "weight",
    "correlate",
    "accumulate",
    "update_step",
    "apply_update",
    "g_format",
    "cost",
    "recip",
    "prescale",
    "broadcast",
    "SynapseModel",
    "CostUnitModel",
]

BROADCAST_MODES = ("prescaled", "raw")


def _check_mode(mode):
    if mode not in BROADCAST_MODES:
        raise ValueError(f"broadcast mode must be one of {', '.join(BROADCAST_MODES)}, got {mode!r}")


# ------------------------------------------------------------------ synapse


def perturbation(code, dtheta, code_frac: int):
    """θ̃ = ⌊c·Δθ⌋ in θ's LSB (exact for binary codes and for ``code_frac`` ≤ log₂ Δθ)."""
    return floor_shift(code * dtheta, code_frac)


def weight(theta, code, dtheta, perturb, code_frac: int, fmts: FixedFormats):
    """The weight the array sees: sat(θ + θ̃) when ``perturb``, else θ."""
    return fmts.theta.saturate(theta + perturbation(code, dtheta, code_frac) * perturb)


def correlate(code, value, code_frac: int):
    """e = ⌊c·value⌋ (value = the broadcast u or C̃). For binary codes: +value, −value or 0 (a conditional negate)."""
    return floor_shift(code * value, code_frac)


def accumulate(g, e, fmt):
    """G ← sat(G + e) in the G format ``fmt``."""
    return fmt.saturate(g + e)


def update_step(g, eta, mode: str, fmts: FixedFormats):
    """The amount subtracted from θ at an update, in θ's LSB: G (pre-scaled) or ⌊G·η⌋ (raw), unsaturated."""
    _check_mode(mode)
    if mode == "prescaled":
        return g
    return floor_shift(g * eta, fmts.g_raw.frac + fmts.eta.frac - fmts.theta.frac)


def apply_update(theta, step, fmts: FixedFormats):
    """θ ← sat(θ − step)."""
    return fmts.theta.saturate(theta - step)


def g_format(mode: str, fmts: FixedFormats):
    _check_mode(mode)
    return fmts.g if mode == "prescaled" else fmts.g_raw


# ---------------------------------------------------------------- cost unit


def recip(n_out: int, fmts: FixedFormats) -> int:
    """The constant 1/n_out with ``recip_frac`` fraction bits, rounded to nearest (exact for powers of two)."""
    return (2 * (1 << fmts.recip_frac) + n_out) // (2 * n_out)


def cost(y, target, fmts: FixedFormats):
    """C = sat(⌊Σ(y − ŷ)² · recip(n_out)⌋) in the cost format; ``y``, ``target`` (..., n_out) in the act format."""
    y = np.asarray(y, dtype=np.int64)
    d = y - np.asarray(target, dtype=np.int64)
    sq = np.sum(d * d, axis=-1) << (fmts.cost.frac - 2 * fmts.act.frac)
    c = fmts.cost.saturate(floor_shift(sq * recip(y.shape[-1], fmts), fmts.recip_frac))
    return int(c) if np.ndim(c) == 0 else c


def prescale(c_tilde, eta, fmts: FixedFormats):
    """u = sat(⌊C̃·η⌋) in θ's format: the pre-scaled update every synapse adds ±u of."""
    return fmts.theta.saturate(floor_shift(c_tilde * eta, fmts.cost.frac + fmts.eta.frac - fmts.theta.frac))


def broadcast(c_tilde, eta, mode: str, fmts: FixedFormats):
    """What the cost unit broadcasts for a C̃: u (pre-scaled) or C̃ itself (raw)."""
    _check_mode(mode)
    return prescale(c_tilde, eta, fmts) if mode == "prescaled" else c_tilde


# ---------------------------------------------------------- per-cycle models


class SynapseModel:
    """One synapse, cycle by cycle, as the RTL ``Synapse``: registers θ, G and the perturbator's state.

    :meth:`outputs` gives the values visible during a cycle (before the clock edge); :meth:`clock` applies the edge
    for that cycle's inputs. Per edge: e = c·b if ``correlate``; G_acc = sat(G + e); ``load`` → θ = value, G = 0;
    else ``update`` → θ = sat(θ − step(G_acc)), G = 0; else G = G_acc. ``restart`` returns the perturbator to its
    seed state, else ``advance`` steps it.
    """

    def __init__(self, synapse: int, codes, mode: str, fmts: FixedFormats, theta0: int = 0):
        _check_mode(mode)
        self.synapse, self.codes, self.mode, self.fmts = synapse, codes, mode, fmts
        self.gfmt = g_format(mode, fmts)
        self.theta0 = theta0
        self.reset()

    def reset(self):
        self.theta, self.g, self.advances = self.theta0, 0, 0

    def code(self, index: int) -> int:
        return self.codes.code(self.synapse, self.advances, index)

    def outputs(self, *, index=0, perturb=0, dtheta=0) -> dict:
        c = self.code(index)
        return {
            "code": c,
            "theta": self.theta,
            "g": self.g,
            "weight": weight(self.theta, c, dtheta, perturb, self.codes.frac, self.fmts),
        }

    def clock(self, *, advance=0, restart=0, index=0, correlate_en=0, value=0, update=0, eta=0, load=0, load_value=0):
        c = self.code(index)
        e = correlate(c, value, self.codes.frac) if correlate_en else 0
        g_acc = accumulate(self.g, e, self.gfmt)
        if load:
            self.theta, self.g = self.fmts.theta.saturate(load_value), 0
        elif update:
            self.theta = apply_update(self.theta, update_step(g_acc, eta, self.mode, self.fmts), self.fmts)
            self.g = 0
        else:
            self.g = g_acc
        if restart:
            self.advances = 0
        elif advance:
            self.advances += 1


class CostUnitModel:
    """The cost/broadcast unit, cycle by cycle: registers ``cost`` (C), ``c0`` (C₀), ``c_tilde`` and ``broadcast``.

    Per edge, with C = cost(y, ŷ) of this cycle's inputs: if ``measure``: cost ← C, c_tilde ← C − c0 (the C₀ held
    before this edge), broadcast ← u(C − c0) or C − c0; if ``capture``: c0 ← C. Latency 1 cycle from y to every
    output; the registers hold between strobes.
    """

    def __init__(self, mode: str, fmts: FixedFormats):
        _check_mode(mode)
        self.mode, self.fmts = mode, fmts
        self.reset()

    def reset(self):
        self.cost = self.c0 = self.c_tilde = self.broadcast = 0

    def outputs(self) -> dict:
        return {"cost": self.cost, "c0": self.c0, "c_tilde": self.c_tilde, "broadcast": self.broadcast}

    def clock(self, *, y, target, capture=0, measure=1, eta=0):
        c = cost(y, target, self.fmts)
        if measure:
            c_tilde = c - self.c0
            self.cost = c
            self.c_tilde = c_tilde
            self.broadcast = broadcast(c_tilde, eta, self.mode, self.fmts)
        if capture:
            self.c0 = c
