"""The cost/broadcast unit: MSE over the outputs, C₀ sample-and-hold, C̃ = C − C₀ and the registered broadcast."""

from amaranth.hdl import Module, Signal, signed
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from mgd.golden_model.fixed_units import BROADCAST_MODES, recip
from mgd.golden_model.formats import DEFAULT_FORMATS, FixedFormats

from .fixed import floor_shift, saturate, shape_of
from .synapse import broadcast_width

__all__ = ["CostUnit"]


class CostUnit(wiring.Component):
    """Cost of ``n_out`` outputs against their targets, and what every synapse needs from it.

    Datapath (golden functions in :mod:`mgd.golden_model.fixed_units`)::

        y, ŷ ─► C = sat(⌊Σ(y − ŷ)²·recip(n_out)⌋) ─┬─────────────────────────────► cost (reg)
                                                    ├─ capture ─► C₀ (reg) ─┐
                                                    └──────────► C − C₀ ◄───┘──► c_tilde (reg)
                                                                   └─► ⌊(C − C₀)·η⌋ (pre-scaled) ─► broadcast (reg)

    Formats: y, ŷ in ``fmts.act``; C, C₀ in ``fmts.cost`` (unsigned); C̃ in ``fmts.c_tilde`` (one bit wider than C,
    cannot overflow); broadcast = u in θ's format (``mode="prescaled"``, saturating) or C̃ (``mode="raw"``);
    η in ``fmts.eta``. recip(n_out) is a constant (a shift when n_out is a power of two).

    Ports: ``y``, ``target`` In(array of n_out act values); ``capture`` In(1) (C₀ ← C at this edge); ``measure``
    In(1) (cost, c_tilde and broadcast ← their new values at this edge; they hold otherwise); ``eta``; ``cost``,
    ``c0``, ``c_tilde``, ``broadcast`` Out (registers). Latency: 1 cycle from y to every output; C̃ is taken
    against the C₀ held *before* the edge. Golden model: :class:`~mgd.golden_model.fixed_units.CostUnitModel`.
    """

    def __init__(self, n_out: int, mode: str = "prescaled", fmts: FixedFormats = DEFAULT_FORMATS):
        if mode not in BROADCAST_MODES:
            raise ValueError(f"mode must be one of {', '.join(BROADCAST_MODES)}, got {mode!r}")
        if not isinstance(n_out, int) or n_out < 1:
            raise ValueError(f"n_out must be a positive integer, got {n_out!r}")
        self.n_out, self.mode, self.fmts = n_out, mode, fmts
        act = shape_of(fmts.act)
        super().__init__(
            {
                "y": In(data.ArrayLayout(act, n_out)),
                "target": In(data.ArrayLayout(act, n_out)),
                "capture": In(1),
                "measure": In(1),
                "eta": In(shape_of(fmts.eta)),
                "cost": Out(shape_of(fmts.cost)),
                "c0": Out(shape_of(fmts.cost)),
                "c_tilde": Out(shape_of(fmts.c_tilde)),
                "broadcast": Out(signed(broadcast_width(mode, fmts))),
            }
        )

    latency = 1

    def elaborate(self, platform):
        m = Module()
        f = self.fmts
        sq = 0
        for k in range(self.n_out):
            d = Signal(signed(f.act.width + 1), name=f"d{k}")
            m.d.comb += d.eq(self.y[k] - self.target[k])
            sq = sq + d * d
        total = Signal(range(self.n_out * (1 << (2 * f.act.width)) + 1))
        m.d.comb += total.eq(sq)
        c = Signal(shape_of(f.cost))
        scaled = (total << (f.cost.frac - 2 * f.act.frac)) * recip(self.n_out, f)
        m.d.comb += c.eq(saturate(floor_shift(scaled, f.recip_frac), f.cost))
        c0 = Signal(shape_of(f.cost))
        c_tilde = Signal(shape_of(f.c_tilde))
        m.d.comb += c_tilde.eq(c - c0)
        with m.If(self.measure):
            m.d.sync += [self.cost.eq(c), self.c_tilde.eq(c_tilde)]
            if self.mode == "prescaled":
                u = floor_shift(c_tilde * self.eta, f.cost.frac + f.eta.frac - f.theta.frac)
                m.d.sync += self.broadcast.eq(saturate(u, f.theta))
            else:
                m.d.sync += self.broadcast.eq(c_tilde)
        with m.If(self.capture):
            m.d.sync += c0.eq(c)
        m.d.comb += self.c0.eq(c0)
        return m
