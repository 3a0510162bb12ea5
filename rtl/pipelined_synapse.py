"""A synapse of the pipelined trainer: θ, G, the perturbator and a delay line that matches the code to its pass."""

from amaranth.hdl import Cat, Const, Module, Mux, Signal, signed
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from mgd.golden_model.codes import CodeSpec
from mgd.golden_model.fixed_units import BROADCAST_MODES, g_format
from mgd.golden_model.formats import DEFAULT_FORMATS, FixedFormats

from .correlator import MultiplierCorrelator, SignCorrelator
from .fixed import floor_shift, saturate, shape_of
from .perturbator import Perturbator
from .synapse import broadcast_width

__all__ = ["PipelinedSynapse"]


class PipelinedSynapse(wiring.Component):
    """Synapse ``synapse`` of the pipelined trainer (codes ``codes``, broadcast ``mode``, formats ``fmts``).

    ::

        advance, index ─► Perturbator ─► code ─► delay line d[1..correlate_tap] (free-running, 1 cycle per stage)
                  weight ← sat(θ + ⌊d[weight_tap]·Δθ⌋)            (register: the array's layer reads it)
                  e ← ⌊d[correlate_tap]·value⌋                     (register, every cycle)
                  correlate: G ← sat(G + e)
                  update:    θ ← sat(θ − step), step = G (pre-scaled) or ⌊P·η⌋ with P ← G every cycle (raw)

    ``d[k]`` is the code k cycles ago, so a pass issued in cycle t perturbs its layer with the code of cycle t
    (``weight_tap`` = the layer's weight offset) and correlates with it (``correlate_tap`` = the edge that registers
    e, one before the correlate edge): delay-matched correlation. Binary codes travel as one bit (the sign; for the
    sequential code, whether it is 1). Pre-scaled: the update acts 1 cycle after the last correlation; raw: 2 (the
    product register). Golden model: :class:`mgd.golden_model.pipeline_schedule.PipelinedScheduleModel`.

    ``dtheta`` and ``dtheta_neg`` (= −Δθ) come from registers (the controller's), so the weight stage is one adder.

    Formats: θ, Δθ, weight in ``fmts.theta``; value: :func:`~.synapse.broadcast_width` bits, θ's LSB (pre-scaled) or
    C̃'s (raw); G in :func:`~mgd.golden_model.fixed_units.g_format`; η in ``fmts.eta``. Ports as
    :class:`~.synapse.Synapse` (``weight`` is a register here: 1 cycle after θ and the tapped code).
    """

    def __init__(
        self,
        synapse: int,
        codes: CodeSpec,
        mode: str = "prescaled",
        fmts: FixedFormats = DEFAULT_FORMATS,
        *,
        weight_tap: int = 0,
        correlate_tap: int = 1,
    ):
        if mode not in BROADCAST_MODES:
            raise ValueError(f"mode must be one of {', '.join(BROADCAST_MODES)}, got {mode!r}")
        if not 0 <= weight_tap < correlate_tap:
            raise ValueError(f"need 0 <= weight_tap < correlate_tap, got {weight_tap} and {correlate_tap}")
        self.synapse, self.codes, self.mode, self.fmts = synapse, codes, mode, fmts
        self.weight_tap, self.correlate_tap = weight_tap, correlate_tap
        theta = shape_of(fmts.theta)
        super().__init__(
            {
                "advance": In(1),
                "restart": In(1),
                "index": In(codes.index_width),
                "dtheta": In(theta),
                "dtheta_neg": In(theta),
                "value": In(signed(broadcast_width(mode, fmts))),
                "correlate": In(1),
                "update": In(1),
                "eta": In(shape_of(fmts.eta)),
                "load": In(1),
                "load_value": In(theta),
                "code": Out(signed(codes.width)),
                "weight": Out(theta),
                "theta": Out(theta),
                "g": Out(shape_of(g_format(mode, fmts))),
            }
        )

    @property
    def update_latency(self) -> int:
        """Cycles from the last correlation edge to the update edge."""
        return 1 if self.mode == "prescaled" else 2

    correlate_latency = 1  #: cycles from the e register's edge (``correlate_tap``) to the correlate edge

    def elaborate(self, platform):
        m = Module()
        codes, f = self.codes, self.fmts
        m.submodules.perturbator = ptb = Perturbator(self.synapse, codes)
        m.d.comb += [
            ptb.advance.eq(self.advance),
            ptb.restart.eq(self.restart),
            ptb.index.eq(self.index),
            self.code.eq(ptb.code),
        ]
        # the code as it travels: binary codes as one bit, multi-level ones whole
        if codes.kind == "sequential":  # c ∈ {0, 1}: the bit is c
            travelling, unpack = ptb.code[0], lambda b: Cat(b, Const(0, 1)).as_signed()
        elif codes.binary:  # c ∈ {−1, +1}: the bit is the sign
            travelling, unpack = ptb.code[-1], lambda b: Mux(b, -1, 1)
        else:
            travelling, unpack = ptb.code, lambda b: b.as_signed()
        line = [travelling]
        for k in range(1, self.correlate_tap + 1):
            d = Signal(len(travelling), name=f"code_d{k}", reset_less=True)
            m.d.sync += d.eq(line[-1])
            line.append(d)

        theta, g = Signal(shape_of(f.theta)), Signal(shape_of(g_format(self.mode, f)))
        m.d.comb += [self.theta.eq(theta), self.g.eq(g)]
        tap = line[self.weight_tap]
        if codes.kind == "sequential":
            delta = Mux(tap, self.dtheta, 0)
        elif codes.binary:
            delta = Mux(tap, self.dtheta_neg, self.dtheta)
        else:
            delta = floor_shift(tap.as_signed() * self.dtheta, codes.frac)
        weight = Signal(shape_of(f.theta), reset_less=True)
        m.d.sync += weight.eq(saturate(theta + delta, f.theta))
        m.d.comb += self.weight.eq(weight)

        bw = broadcast_width(self.mode, f)
        if codes.binary:
            m.submodules.correlator = corr = SignCorrelator(bw)
        else:
            m.submodules.correlator = corr = MultiplierCorrelator(bw, codes.width, codes.frac)
        e = Signal.like(corr.e, reset_less=True)
        m.d.comb += [corr.code.eq(unpack(line[self.correlate_tap])), corr.value.eq(self.value)]
        m.d.sync += e.eq(corr.e)
        gfmt = g_format(self.mode, f)
        if self.mode == "prescaled":
            step = g
        else:
            product = Signal(signed(gfmt.width + f.eta.width + 1), reset_less=True)
            m.d.sync += product.eq(g * self.eta)
            step = floor_shift(product, f.g_raw.frac + f.eta.frac - f.theta.frac)
        with m.If(self.load):
            m.d.sync += [theta.eq(self.load_value), g.eq(0)]
        with m.Elif(self.update):
            m.d.sync += [theta.eq(saturate(theta - step, f.theta)), g.eq(0)]
        with m.Elif(self.correlate):
            m.d.sync += g.eq(saturate(g + e, gfmt))
        return m
