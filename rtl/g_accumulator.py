"""The G accumulator of a synapse: G ← sat(G + e), cleared at every update."""

from amaranth.hdl import Module, Signal, signed
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from mgd.golden_model.formats import Fmt

from .fixed import saturate, shape_of

__all__ = ["GAccumulator"]


class GAccumulator(wiring.Component):
    """Saturating accumulator of the correlator's output.

    Parameters: ``fmt`` (the G format: ``FixedFormats.g`` pre-scaled, ``g_raw`` raw) and ``e_width`` (width of the
    signed e, same LSB as G). Golden function: :func:`mgd.golden_model.fixed_units.accumulate`.

    Ports
    -----
    e : In(signed(e_width))
    add : In(1)
        Accumulate e at this edge.
    clear : In(1)
        G ← 0 at this edge (the update; takes precedence over ``add``).
    acc : Out(fmt)
        sat(G + e) if ``add`` else G — combinational, what the updater consumes in an update cycle.
    g : Out(fmt)
        The register G. Latency 1 cycle from ``e``/``add``.
    """

    def __init__(self, fmt: Fmt, e_width: int):
        self.fmt, self.e_width = fmt, e_width
        super().__init__(
            {"e": In(signed(e_width)), "add": In(1), "clear": In(1), "acc": Out(shape_of(fmt)), "g": Out(shape_of(fmt))}
        )

    latency = 1

    def elaborate(self, platform):
        m = Module()
        g = Signal(shape_of(self.fmt))
        with m.If(self.add):
            m.d.comb += self.acc.eq(saturate(g + self.e, self.fmt))
        with m.Else():
            m.d.comb += self.acc.eq(g)
        with m.If(self.clear):
            m.d.sync += g.eq(0)
        with m.Else():
            m.d.sync += g.eq(self.acc)
        m.d.comb += self.g.eq(g)
        return m
