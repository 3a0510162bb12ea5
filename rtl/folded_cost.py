"""The folded trainer's cost unit: C from the output buffer one output per cycle, then C̃ and the broadcast."""

from amaranth.hdl import Array, Module, Mux, Signal, signed, unsigned
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from mgd.golden_model.fixed_units import BROADCAST_MODES, recip
from mgd.golden_model.formats import FixedFormats

from .fixed import floor_shift, saturate, shape_of
from .synapse import broadcast_width

__all__ = ["FoldedCost"]


class FoldedCost(wiring.Component):
    """C = sat(⌊Σₖ(yₖ − ŷₖ)²·recip(n_out)⌋) of a pass, then (perturbed pass) C̃ = C − C₀ and the broadcast u = sat(⌊C̃·η⌋)
    (``mode`` "prescaled") or C̃ ("raw"); or (C₀ pass) C₀ ← C. Golden: :func:`~mgd.golden_model.fixed_units.cost`,
    :func:`~mgd.golden_model.fixed_units.broadcast`.

    ``strobe`` in cycle e (a pass's last issue; ``c0_pass`` says which pass) latches the targets ``target`` (act
    format, the pass's sample). The outputs ``y`` (act format, the array's output buffer) are latched in cycle
    e + ``array_ready`` (the first cycle they are all valid), then walked one per cycle (an index into the held
    outputs and targets, no shift register): d = y − ŷ, d², the running
    sum (one stage each); then the scale, C̃, the η product and its saturation (one stage each). At edge e +
    :attr:`measure` the visible registers change: ``c0`` (C₀ pass) or ``cost``, ``c_tilde``, ``broadcast``;
    ``measuring`` is 1 in cycle e + measure of a perturbed pass. One pass at a time: the next strobe must come
    ≥ measure + 2 cycles later (the folded schedule's lead guarantees it).
    """

    def __init__(self, n_out: int, mode: str, fmts: FixedFormats, *, array_ready: int):
        if mode not in BROADCAST_MODES:
            raise ValueError(f"mode must be one of {', '.join(BROADCAST_MODES)}, got {mode!r}")
        self.n_out, self.mode, self.fmts, self.array_ready = n_out, mode, fmts, array_ready
        act = shape_of(fmts.act)
        super().__init__(
            {
                "strobe": In(1),
                "c0_pass": In(1),
                "target": In(data.ArrayLayout(act, n_out)),
                "y": In(data.ArrayLayout(act, n_out)),
                "eta": In(shape_of(fmts.eta)),
                "cost": Out(shape_of(fmts.cost)),
                "c0": Out(shape_of(fmts.cost)),
                "c_tilde": Out(shape_of(fmts.c_tilde)),
                "broadcast": Out(signed(broadcast_width(mode, fmts))),
                "measuring": Out(1),
            }
        )

    @staticmethod
    def measure_of(n_out: int, array_ready: int) -> int:
        """Edges from the strobe cycle's edge to the visible registers' edge: the outputs wait ``array_ready``
        cycles, are walked one per cycle, then d², the sum, the scale, C̃, the η product and its register."""
        return array_ready + n_out + 6

    @property
    def measure(self) -> int:
        """:meth:`measure_of` this unit's ``n_out`` and ``array_ready``."""
        return self.measure_of(self.n_out, self.array_ready)

    def elaborate(self, platform):
        m = Module()
        f, n = self.fmts, self.n_out
        act = shape_of(f.act)
        targets = [Signal(act, name=f"target{k}", reset_less=True) for k in range(n)]
        ys = [Signal(act, name=f"y{k}", reset_less=True) for k in range(n)]
        c0_pass = Signal(reset_less=True)
        with m.If(self.strobe):
            m.d.sync += [targets[k].eq(self.target[k]) for k in range(n)] + [c0_pass.eq(self.c0_pass)]

        wait = Signal(range(self.array_ready + 1))
        walk = Signal(range(n + 1))  # outputs left to walk
        index = Signal(range(max(2, n)), reset_less=True)  # the output walked this cycle
        with m.If(self.strobe):
            m.d.sync += wait.eq(self.array_ready)
        with m.Elif(wait != 0):
            m.d.sync += wait.eq(wait - 1)
        latch = wait == 1
        with m.If(latch):
            m.d.sync += [ys[k].eq(self.y[k]) for k in range(n)] + [walk.eq(n), index.eq(0)]
        with m.Elif(walk != 0):
            m.d.sync += [walk.eq(walk - 1), index.eq(index + 1)]

        d = Signal(signed(f.act.width + 1), reset_less=True)
        sq = Signal(unsigned(2 * f.act.width + 1), reset_less=True)
        total = Signal(unsigned(2 * f.act.width + 1 + n.bit_length()), reset_less=True)
        v1, first1, last1, v2, first2, last2, last3 = (
            Signal(name=s) for s in ("v1", "first1", "last1", "v2", "first2", "last2", "last3")
        )
        m.d.sync += [
            d.eq(Array(ys)[index] - Array(targets)[index]),
            v1.eq(walk != 0),
            first1.eq(walk == n),
            last1.eq(walk == 1),
            sq.eq(d * d),
            v2.eq(v1),
            first2.eq(first1),
            last2.eq(last1 & v1),
            last3.eq(last2),
        ]
        with m.If(v2):
            m.d.sync += total.eq(Mux(first2, sq, total + sq))

        scaled = floor_shift(total << (f.cost.frac - 2 * f.act.frac), 0) * recip(n, f)
        c = Signal(shape_of(f.cost), reset_less=True)
        c0_int = Signal(shape_of(f.cost))
        c_tilde = Signal(shape_of(f.c_tilde), reset_less=True)
        s1, s2, s3 = Signal(), Signal(), Signal()
        m.d.sync += [s1.eq(last3), s2.eq(s1), s3.eq(s2)]
        with m.If(last3):
            m.d.sync += c.eq(saturate(floor_shift(scaled, f.recip_frac), f.cost))
        with m.If(s1):
            with m.If(c0_pass):
                m.d.sync += c0_int.eq(c)
            with m.Else():
                m.d.sync += c_tilde.eq(c - c0_int)
        product = Signal(signed(f.c_tilde.width + f.eta.width + 1), reset_less=True)
        with m.If(s2):
            m.d.sync += product.eq(c_tilde * self.eta)
        if self.mode == "prescaled":
            value = saturate(floor_shift(product, f.cost.frac + f.eta.frac - f.theta.frac), f.theta)
        else:
            value = c_tilde
        m.d.comb += self.measuring.eq(s3 & ~c0_pass)
        with m.If(s3):
            with m.If(c0_pass):
                m.d.sync += self.c0.eq(c)
            with m.Else():
                m.d.sync += [self.cost.eq(c), self.c_tilde.eq(c_tilde), self.broadcast.eq(value)]
        return m
