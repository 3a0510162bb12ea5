"""The folded trainer's G stream: G ← sat(G + c·b) read-modify-written over every stream address, θ updated at a
window's end."""

from amaranth.hdl import Module, Mux, Signal, signed
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from mgd.golden_model.codes import CodeSpec
from mgd.golden_model.fixed_units import BROADCAST_MODES, g_format
from mgd.golden_model.formats import FixedFormats

from .delay_line import delayed
from .fixed import floor_shift, saturate, shape_of
from .synapse import broadcast_width

__all__ = ["GStream"]


class GStream(wiring.Component):
    """One pass over the ``depth`` stream addresses of ``lanes`` lanes, after a perturbed pass's broadcast b.

    ``start`` (cycle s − 1) latches ``update`` (the step ends an update window). Address q is read from the G
    memory and the code buffer (the codes the step's perturbed pass used, kept by the trainer) in cycle s + q
    (``addr``, ``reading``) and, with ``update``, from the θ memory in cycle s + q + 4 (``theta_addr``,
    ``theta_reading``: when θ is needed, so it needs no delay line); the registered reads (``g``, ``code``;
    ``theta``) arrive a cycle later. Per lane, one stage each: the code c registered; e = ⌊c·b⌋ (b = ``value``,
    read from cycle s + 1 on: it must hold for the whole stream); G' = sat(G + e) (the G format,
    :func:`~mgd.golden_model.fixed_units.g_format`); step = G' (pre-scaled) or ⌊G'·η⌋ (raw); θ' = sat(θ − step).
    In cycle s + q + :attr:`write` the write ports show address q (``wr_addr``, ``we``): ``g_wdata`` = 0 if
    ``update`` else G', ``theta_wdata`` = θ' (``theta_we`` = ``update``).
    Golden: :mod:`mgd.golden_model.folded_schedule`.
    """

    write = 6  #: cycles from an address's read to its write
    theta_read = 4  #: cycles from an address's G read to its θ read

    def __init__(self, depth: int, lanes: int, codes: CodeSpec, mode: str, fmts: FixedFormats):
        if mode not in BROADCAST_MODES:
            raise ValueError(f"mode must be one of {', '.join(BROADCAST_MODES)}, got {mode!r}")
        self.depth, self.lanes, self.codes, self.mode, self.fmts = depth, lanes, codes, mode, fmts
        theta, g = shape_of(fmts.theta), shape_of(g_format(mode, fmts))
        super().__init__(
            {
                "start": In(1),
                "update": In(1),
                "value": In(signed(broadcast_width(mode, fmts))),
                "eta": In(shape_of(fmts.eta)),
                "addr": Out(range(max(2, depth))),
                "reading": Out(1),
                "theta_addr": Out(range(max(2, depth))),
                "theta_reading": Out(1),
                "g": In(data.ArrayLayout(g, lanes)),
                "code": In(data.ArrayLayout(signed(codes.width), lanes)),
                "theta": In(data.ArrayLayout(theta, lanes)),
                "we": Out(1),
                "theta_we": Out(1),
                "wr_addr": Out(range(max(2, depth))),
                "g_wdata": Out(data.ArrayLayout(g, lanes)),
                "theta_wdata": Out(data.ArrayLayout(theta, lanes)),
            }
        )

    def elaborate(self, platform):
        m = Module()
        codes, f, S = self.codes, self.fmts, self.depth
        gfmt = g_format(self.mode, f)
        update = Signal(reset_less=True)
        q = Signal(range(max(2, S)))
        active = Signal()
        with m.If(self.start):
            m.d.sync += [update.eq(self.update), q.eq(0), active.eq(1)]
        with m.Elif(active):
            m.d.sync += q.eq(q + 1)
            with m.If(q == S - 1):
                m.d.sync += active.eq(0)
        m.d.comb += [self.addr.eq(q), self.reading.eq(active)]

        m.d.comb += [
            self.theta_addr.eq(delayed(m, q, self.theta_read, "theta_addr")),
            self.theta_reading.eq(delayed(m, active, self.theta_read, "theta_valid") & update),
            self.we.eq(delayed(m, active, self.write, "valid")),
            self.wr_addr.eq(delayed(m, q, self.write, "addr")),
            self.theta_we.eq(self.we & update),
        ]
        # −b once for every lane (b holds from cycle s on, so −b does from s + 1, before the first e at s + 2)
        if codes.binary and codes.kind != "sequential":
            value_neg = Signal(signed(self.value.shape().width + 1), name="value_neg", reset_less=True)  # exact
            m.d.sync += value_neg.eq(-self.value)
        for lane in range(self.lanes):
            code = Signal(signed(codes.width), name=f"code{lane}", reset_less=True)
            m.d.sync += code.eq(self.code[lane])
            g2 = delayed(m, self.g[lane], 1, f"g{lane}")
            e = Signal(signed(self.value.shape().width + codes.width), name=f"e{lane}", reset_less=True)
            if codes.kind == "sequential":
                m.d.sync += e.eq(Mux(code[0], self.value, 0))
            elif codes.binary:  # ±1, or 0 for an idle lane
                m.d.sync += e.eq(Mux(code[-1], value_neg, Mux(code[0], self.value, 0)))
            else:
                m.d.sync += e.eq(floor_shift(self.value * code, codes.frac))
            g3 = delayed(m, g2, 1, f"g{lane}_e")
            g_new = Signal(shape_of(gfmt), name=f"g_new{lane}", reset_less=True)
            m.d.sync += g_new.eq(saturate(g3 + e, gfmt))
            if self.mode == "prescaled":
                step = delayed(m, g_new, 1, f"step{lane}")
            else:
                step = Signal(signed(gfmt.width + f.eta.width + 1), name=f"step{lane}", reset_less=True)
                m.d.sync += step.eq(floor_shift(g_new * self.eta, f.g_raw.frac + f.eta.frac - f.theta.frac))
            g_keep = delayed(m, g_new, 1, f"g_keep{lane}")
            theta_new = Signal(shape_of(f.theta), name=f"theta_new{lane}", reset_less=True)
            g_out = Signal(shape_of(gfmt), name=f"g_out{lane}", reset_less=True)
            m.d.sync += [theta_new.eq(saturate(self.theta[lane] - step, f.theta)), g_out.eq(Mux(update, 0, g_keep))]
            m.d.comb += [self.theta_wdata[lane].eq(theta_new), self.g_wdata[lane].eq(g_out)]
        return m
