"""The updater of a synapse: θ ← sat(θ − ηG) (raw) or θ ← sat(θ − G) (pre-scaled), and the θ load port."""

from amaranth.hdl import Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from mgd.golden_model.fixed_units import BROADCAST_MODES, g_format
from mgd.golden_model.formats import FixedFormats

from .fixed import floor_shift, saturate, shape_of

__all__ = ["Updater"]


class Updater(wiring.Component):
    """Holds θ. Parameters: ``mode`` ("prescaled": G is already η·C̃/Δθ in θ's LSB, no multiplier; "raw": a
    G×η multiplier, product floored to θ's LSB) and ``fmts``. Golden functions:
    :func:`~mgd.golden_model.fixed_units.update_step` and :func:`~mgd.golden_model.fixed_units.apply_update`.

    Ports
    -----
    g : In(G format)       the accumulator's ``acc`` (G including this cycle's e)
    update : In(1)         θ ← sat(θ − step(g)) at this edge
    eta : In(fmts.eta)     the runtime η register (raw mode only; ignored when pre-scaled)
    load : In(1)           θ ← ``load_value`` at this edge (host/initialisation; takes precedence)
    load_value : In(fmts.theta)
    theta : Out(fmts.theta)  the register θ. Latency 1 cycle.
    """

    def __init__(self, mode: str, fmts: FixedFormats):
        if mode not in BROADCAST_MODES:
            raise ValueError(f"mode must be one of {', '.join(BROADCAST_MODES)}, got {mode!r}")
        self.mode, self.fmts = mode, fmts
        super().__init__(
            {
                "g": In(shape_of(g_format(mode, fmts))),
                "update": In(1),
                "eta": In(shape_of(fmts.eta)),
                "load": In(1),
                "load_value": In(shape_of(fmts.theta)),
                "theta": Out(shape_of(fmts.theta)),
            }
        )

    latency = 1

    def elaborate(self, platform):
        m = Module()
        f = self.fmts
        theta = Signal(shape_of(f.theta))
        if self.mode == "prescaled":
            step = self.g
        else:
            step = floor_shift(self.g * self.eta, f.g_raw.frac + f.eta.frac - f.theta.frac)
        with m.If(self.load):
            m.d.sync += theta.eq(self.load_value)
        with m.Elif(self.update):
            m.d.sync += theta.eq(saturate(theta - step, f.theta))
        m.d.comb += self.theta.eq(theta)
        return m
