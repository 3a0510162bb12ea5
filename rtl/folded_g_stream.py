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

    ``start`` (cycle s − 1) latches ``update`` (the step ends an update window) and ``load`` (a *load stream*: θ ← θ₀,
    the load phase's). The G memory is never cleared: a stream that follows a window's end or a load stream takes
    the G it reads as 0, so G ← 0 costs no write and no multiplexer (a synchronous reset of G's pipeline register);
    a window-end or load stream writes θ only. The θ₀ and θ memories hold a zero word at address ``depth`` (never
    written): θ' = sat(θ − step) | θ₀, where a load stream reads θ at ``depth`` and forces step to 0 (θ' = θ₀) and
    any other stream reads θ₀ at ``depth`` (θ' = sat(θ − step)): the θ memory's one write port needs no
    multiplexer between the load and the update, and the OR sits in the saturation's LUT. Address q is read from the G
    memory and the code buffer (the codes the step's perturbed pass used, kept by the trainer) in cycle s + q
    (``addr``, ``reading``) and, with ``update`` or ``load``, from the θ memory in cycle s + q + 4 (``theta_addr``,
    ``theta_reading``: when θ is needed, so it needs no delay line; the zero word in a load stream) and from the θ₀
    memory (``theta0_addr``: q in a load stream, else the zero word); the registered reads (``g``, ``code``;
    ``theta``) arrive a cycle later. Per lane, one stage each: the code c registered; e = ⌊c·b⌋ (b = ``value``,
    read from cycle s + 1 on: it must hold for the whole stream); G' = sat(G + e) (the G format,
    :func:`~mgd.golden_model.fixed_units.g_format`); step = G' (pre-scaled) or ⌊G'·η⌋ (raw); θ' = sat(θ − step).
    In cycle s + q + :attr:`write` the write ports show address q (``wr_addr``): ``g_wdata`` = G' (``g_we`` = not
    ``update``), ``theta_wdata`` = θ' (``theta_we`` = ``update``).
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
                "load": In(1),
                "value": In(signed(broadcast_width(mode, fmts))),
                "eta": In(shape_of(fmts.eta)),
                "addr": Out(range(max(2, depth))),
                "reading": Out(1),
                "theta_addr": Out(range(depth + 1)),
                "theta_reading": Out(1),
                "theta0_addr": Out(range(depth + 1)),
                "g": In(data.ArrayLayout(g, lanes)),
                "code": In(data.ArrayLayout(signed(codes.width), lanes)),
                "theta": In(data.ArrayLayout(theta, lanes)),
                "theta0": In(data.ArrayLayout(theta, lanes)),
                "g_we": Out(1),
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
        update, load = Signal(reset_less=True), Signal(reset_less=True)
        q = Signal(range(max(2, S)))
        active = Signal()
        # G is read as 0 in this stream (it follows a window's end or a load stream) / in the next one
        from_zero, next_from_zero = Signal(reset_less=True), Signal(init=1)
        with m.If(self.start):
            m.d.sync += [
                update.eq(self.update | self.load),
                load.eq(self.load),
                q.eq(0),
                active.eq(1),
                from_zero.eq(next_from_zero),
                next_from_zero.eq(self.update | self.load),
            ]
        with m.Elif(active):
            m.d.sync += q.eq(q + 1)
            with m.If(q == S - 1):
                m.d.sync += active.eq(0)
        m.d.comb += [self.addr.eq(q), self.reading.eq(active)]

        theta_q = delayed(m, q, self.theta_read, "theta_addr")
        m.d.comb += [
            self.theta_addr.eq(Mux(load, S, theta_q)),
            self.theta0_addr.eq(Mux(load, theta_q, S)),
            self.theta_reading.eq(delayed(m, active, self.theta_read, "theta_valid") & update),
            self.wr_addr.eq(delayed(m, q, self.write, "addr")),
        ]
        valid = delayed(m, active, self.write, "valid")
        m.d.comb += [
            self.g_we.eq(valid & ~update),
            self.theta_we.eq(valid & update),
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
            g3 = Signal.like(g2, name=f"g{lane}_e", reset_less=True)
            m.d.sync += g3.eq(Mux(from_zero, 0, g2))  # a synchronous reset, no logic
            g_new = Signal(shape_of(gfmt), name=f"g_new{lane}", reset_less=True)
            m.d.sync += g_new.eq(saturate(g3 + e, gfmt))
            # step: 0 in a load stream (a synchronous reset)
            if self.mode == "prescaled":
                step = Signal.like(g_new, name=f"step{lane}", reset_less=True)
                m.d.sync += step.eq(Mux(load, 0, g_new))
            else:
                step = Signal(signed(gfmt.width + f.eta.width + 1), name=f"step{lane}", reset_less=True)
                scaled = floor_shift(g_new * self.eta, f.g_raw.frac + f.eta.frac - f.theta.frac)
                m.d.sync += step.eq(Mux(load, 0, scaled))
            theta_new = Signal(shape_of(f.theta), name=f"theta_new{lane}", reset_less=True)
            updated = saturate(self.theta[lane] - step, f.theta).as_unsigned()
            m.d.sync += theta_new.eq(updated | self.theta0[lane].as_unsigned())
            m.d.comb += [
                self.theta_wdata[lane].eq(theta_new),
                self.g_wdata[lane].eq(delayed(m, g_new, 2, f"g_out{lane}")),
            ]
        return m
