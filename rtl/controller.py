"""The trainer's controller: Algorithm 1's schedule with the runtime registers (spec: ``golden_model/schedule.py``)."""

from amaranth.hdl import Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from mgd.golden_model.sample_order import HARDWARE_ORDERS
from mgd.golden_model.schedule import Registers

from .fixed import shape_of
from .sample_sequencer import SampleSequencer
from .trainer_interfaces import Phase, RegistersSignature

__all__ = ["Controller", "dtheta_of", "wrap_increment"]


def dtheta_of(regs, fmts):
    """Δθ = 2^−k in θ's format from the shift register ``regs.dtheta_shift`` (0 when k exceeds θ's fraction bits);
    combinational."""
    frac = fmts.theta.frac
    return Mux(regs.dtheta_shift <= frac, (1 << frac) >> regs.dtheta_shift, 0)


def wrap_increment(value, period: int):
    """``value`` + 1 modulo the constant ``period``."""
    return Mux(value == period - 1, 0, value + 1)


class Controller(wiring.Component):
    """The phase state machine of :mod:`mgd.golden_model.schedule`, driving every synapse, the array and the cost
    unit. Parameters: ``latency`` (the array's, L), ``n_samples`` (dataset memory depth), ``index_period`` (the
    Walsh/sequential counter's modulus, or ``None``), ``fmts`` (for Δθ), ``order`` ("cyclic": a counter; "random":
    the 20-bit sample LFSR of :mod:`mgd.golden_model.sample_order`, address ⌊state·N/2^20⌋, then a 19-step jump).

    Latency: the strobes are combinational from the state registers (they act at the edge ending the cycle).

    Members:

    ================  ===================================  =======================================================
    ``regs``          In(:class:`~.trainer_interfaces.     the runtime registers; ``seed`` cycles of the seed phase
                      RegistersSignature`)                 each advance the codes one step and jump the sample LFSR
                                                           ``SEED_JUMP`` steps; ``eta`` is not used here
    ``start``         In(1)                                one cycle starts a run (from ``idle`` or ``done``)
    ``stop``          In(1)                                ends a run early: the next phase is ``done`` (θ keeps
                                                           its value; not part of the golden schedule)
    ``phase``         Out(:class:`~.trainer_interfaces.    the schedule's phase
                      Phase`)
    ``step``          Out(32)                              steps completed
    ``done``          Out(1)                               phase is ``done``
    ``sample``        Out(range(N))                        dataset address
    ``index``         Out(⌈log₂ period⌉)                   broadcast perturbation counter (Walsh/sequential)
    ``dtheta``        Out(θ)                               Δθ = 2^−k in θ's format
    ``load``,         Out(1) each                          strobes of the schedule: θ ← θ₀; LFSRs restart;
    ``restart``,                                           codes advance; θ̃ on; C₀ captured; C, C̃ and the
    ``advance``,                                           broadcast measured; G += correlation; θ updated
    ``perturb``,
    ``capture``,
    ``measure``,
    ``correlate``,
    ``update``
    ``new_sample``    Out(1)                               the step drew a new sample (n mod τx = 0):
                                                           ``capture & new_sample`` marks C₀ of a fresh sample
    ================  ===================================  =======================================================
    """

    def __init__(self, latency: int, n_samples: int, index_period, fmts, order: str = "cyclic"):
        if order not in HARDWARE_ORDERS:
            raise ValueError(f"order must be one of {', '.join(HARDWARE_ORDERS)}, got {order!r}")
        self.latency, self.n_samples, self.index_period, self.fmts = latency, n_samples, index_period, fmts
        self.order = order
        index_width = max(1, (index_period - 1).bit_length()) if index_period else 1
        super().__init__(
            {
                "regs": In(RegistersSignature(fmts)),
                "start": In(1),
                "stop": In(1),
                "phase": Out(Phase),
                "step": Out(Registers.width("steps")),
                "done": Out(1),
                "sample": Out(range(max(2, n_samples))),
                "index": Out(index_width),
                "dtheta": Out(shape_of(fmts.theta)),
                "load": Out(1),
                "restart": Out(1),
                "advance": Out(1),
                "perturb": Out(1),
                "capture": Out(1),
                "measure": Out(1),
                "correlate": Out(1),
                "update": Out(1),
                "new_sample": Out(1),
            }
        )

    def elaborate(self, platform):
        m = Module()
        P, L, regs = Phase, self.latency, self.regs
        phase = Signal(Phase, init=Phase.IDLE)
        cnt = Signal.like(regs.seed)
        step = Signal.like(self.step)
        cx, cp, ct = Signal.like(regs.tau_x), Signal.like(regs.tau_p), Signal.like(regs.tau_theta)
        index = Signal.like(self.index)
        m.submodules.sequencer = seq = SampleSequencer(self.n_samples, self.order)
        m.d.comb += [
            self.phase.eq(phase),
            self.step.eq(step),
            self.sample.eq(seq.sample),
            self.index.eq(index),
            self.done.eq(phase == P.DONE),
            self.new_sample.eq(cx == 0),
        ]

        m.d.comb += self.dtheta.eq(dtheta_of(regs, self.fmts))

        def advance_index():
            if self.index_period:
                m.d.sync += index.eq(wrap_increment(index, self.index_period))

        with m.Switch(phase):
            with m.Case(P.IDLE, P.DONE):
                with m.If(self.start):
                    m.d.sync += phase.eq(P.LOAD)
            with m.Case(P.LOAD):
                m.d.comb += [self.load.eq(1), self.restart.eq(1), seq.restart.eq(1)]
                m.d.sync += [index.eq(0), step.eq(0), cx.eq(0), cp.eq(0), ct.eq(0), cnt.eq(0)]
                with m.If(regs.seed != 0):
                    m.d.sync += phase.eq(P.SEED)
                with m.Else():
                    m.d.sync += phase.eq(P.BEGIN)
            with m.Case(P.SEED):
                m.d.comb += [self.advance.eq(1), seq.seed_jump.eq(1)]
                advance_index()
                with m.If(cnt == regs.seed - 1):
                    m.d.sync += [phase.eq(P.BEGIN), cnt.eq(0)]
                with m.Else():
                    m.d.sync += cnt.eq(cnt + 1)
            with m.Case(P.BEGIN):
                m.d.comb += seq.draw.eq(cx == 0)
                with m.If((cx == 0) | (ct == 0)):
                    m.d.sync += phase.eq(P.C0)
                with m.Else():
                    m.d.sync += phase.eq(P.PERT)
                m.d.sync += cnt.eq(0)
            with m.Case(P.C0):
                with m.If(cnt == L):
                    m.d.comb += self.capture.eq(1)
                    m.d.sync += [phase.eq(P.PERT), cnt.eq(0)]
                with m.Else():
                    m.d.sync += cnt.eq(cnt + 1)
            with m.Case(P.PERT):
                m.d.comb += self.perturb.eq(1)
                with m.If(cnt == L):
                    m.d.comb += self.measure.eq(1)
                    m.d.sync += [phase.eq(P.CORRELATE), cnt.eq(0)]
                with m.Else():
                    m.d.sync += cnt.eq(cnt + 1)
            with m.Case(P.CORRELATE):
                m.d.comb += [self.correlate.eq(1), self.update.eq(ct == regs.tau_theta - 1)]
                with m.If(cp == regs.tau_p - 1):
                    m.d.comb += self.advance.eq(1)
                    advance_index()
                    m.d.sync += cp.eq(0)
                with m.Else():
                    m.d.sync += cp.eq(cp + 1)
                with m.If(cx == regs.tau_x - 1):
                    m.d.sync += cx.eq(0)
                with m.Else():
                    m.d.sync += cx.eq(cx + 1)
                with m.If(ct == regs.tau_theta - 1):
                    m.d.sync += ct.eq(0)
                with m.Else():
                    m.d.sync += ct.eq(ct + 1)
                m.d.sync += step.eq(step + 1)
                with m.If(step + 1 == regs.steps):
                    m.d.sync += phase.eq(P.DONE)
                with m.Else():
                    m.d.sync += phase.eq(P.BEGIN)
        with m.If(self.stop & (phase != P.IDLE) & (phase != P.DONE)):
            m.d.sync += phase.eq(P.DONE)
        return m
