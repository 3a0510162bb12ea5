"""The folded trainer's controller: phases, the passes' issue stream, the load stream (spec:
``golden_model/folded_schedule.py``)."""

from amaranth.hdl import Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from mgd.golden_model.folded_layout import FoldedLayout
from mgd.golden_model.folded_schedule import FoldedTiming
from mgd.golden_model.sample_order import HARDWARE_ORDERS
from mgd.golden_model.schedule import Registers

from .folded_issue import IssueSequencer
from .sample_sequencer import SampleSequencer
from .trainer_interfaces import Phase, RegistersSignature

__all__ = ["FoldedController"]


class FoldedController(wiring.Component):
    """The phase machine of :mod:`mgd.golden_model.folded_schedule` for the stream ``layout`` with ``timing``.

    Members: ``regs`` (In(:class:`~.trainer_interfaces.RegistersSignature`)), ``start``, ``stop`` (ends a run early:
    the next phase is ``done``; not part of the golden schedule), and Out: ``phase``, ``step``, ``done``, ``sample``
    (the dataset address, a register); the code counter's strobes ``code_restart``, ``code_advance``.

    The issue stream of a pass (an :class:`~.folded_issue.IssueSequencer`): ``issue``, ``addr`` (stream address),
    ``layer``, ``group``, ``j``, ``first``, ``last``, ``perturb``; ``lead`` (a lead cycle: load the inputs and the
    code counter); ``pass_end`` (a pass's last issue: cycle e) with ``c0_pass``, ``fresh`` (the C₀ pass of a newly
    drawn sample) and, for a perturbed pass, ``window_end``.

    The load phase (:attr:`FoldedTiming.load_cycles <mgd.golden_model.folded_schedule.FoldedTiming>`): ``load``
    (in the load phase), ``load_start`` (its first cycle, a register: the G stream starts the stream that writes θ₀
    to θ).

    Latency: every output is combinational from the state registers (it acts at the edge ending its cycle).
    """

    def __init__(self, layout: FoldedLayout, timing: FoldedTiming, n_samples: int, fmts, order: str = "cyclic"):
        if order not in HARDWARE_ORDERS:
            raise ValueError(f"order must be one of {', '.join(HARDWARE_ORDERS)}, got {order!r}")
        self.layout, self.timing, self.fmts = layout, timing, fmts
        self.sequencer = SampleSequencer(n_samples, order)
        self.passes = IssueSequencer(layout, lead=timing.lead, gap=timing.gap)
        S = layout.depth
        layers = layout.layers
        super().__init__(
            {
                "regs": In(RegistersSignature(fmts)),
                "start": In(1),
                "stop": In(1),
                "phase": Out(Phase),
                "step": Out(Registers.width("steps")),
                "done": Out(1),
                "sample": Out(range(max(2, n_samples))),
                "code_restart": Out(1),
                "code_advance": Out(1),
                "issue": Out(1),
                "addr": Out(range(max(2, S))),
                "layer": Out(range(max(2, len(layers)))),
                "group": Out(range(max(2, max(g for _, _, g, _ in layers)))),
                "j": Out(range(max(n for n, *_ in layers) + 1)),
                "first": Out(1),
                "last": Out(1),
                "perturb": Out(1),
                "lead": Out(1),
                "pass_end": Out(1),
                "c0_pass": Out(1),
                "fresh": Out(1),
                "window_end": Out(1),
                "load": Out(1),
                "load_start": Out(1),
            }
        )

    def elaborate(self, platform):
        m = Module()
        r, t = self.regs, self.timing
        m.submodules.sequencer = seq = self.sequencer
        m.submodules.passes = passes = self.passes

        phase = Signal(Phase)
        cnt = Signal(range(max(1 << 16, t.load_cycles, t.drain) + 1))
        step = Signal.like(self.step)
        # the golden counters cx, cp, ct plus one (1 … τ): a period's last step is a compare with the register itself
        cx1, cp1, ct1 = (Signal(16, name=n, init=1) for n in ("cx1", "cp1", "ct1"))
        fresh = Signal()  # the step drew a sample (its C₀ pass is a fresh sample's)
        # steps less one, registered (it holds during a run; the load phase lasts ≥ 2 cycles before its use):
        # the compare is an equality of two registers, no subtractor on the state's path
        steps_last = Signal.like(r.steps, name="steps_last")
        m.d.sync += steps_last.eq(r.steps - 1)
        # the compares the phase machine reads, registered: a counter changes only at a perturbed pass's end (or in
        # the load phase), and its compare is read no earlier than two cycles later (the next pass's end; the
        # correlate phase's end, drain ≥ 2 cycles on); cx = 0 and ct = 0 of the step to begin are set with the counters
        assert t.drain >= 2
        cp_last, ct_last, step_last, step_done = (
            Signal(name=n) for n in ("cp_last", "ct_last", "step_last", "step_done")
        )
        m.d.sync += [
            cp_last.eq(cp1 == r.tau_p),
            ct_last.eq(ct1 == r.tau_theta),
            step_last.eq(step == steps_last),
            step_done.eq(step == r.steps),
        ]
        cx_first, ct_first = Signal(name="cx_first", init=1), Signal(name="ct_first", init=1)
        begin_second = Signal()  # the begin phase's second cycle
        in_pass = (phase == Phase.C0) | (phase == Phase.PERT)
        m.d.comb += [
            self.phase.eq(phase),
            self.step.eq(step),
            self.done.eq(phase == Phase.DONE),
            self.sample.eq(seq.sample),
            self.issue.eq(passes.issue),
            self.addr.eq(passes.addr),
            self.layer.eq(passes.layer),
            self.group.eq(passes.group),
            self.j.eq(passes.j),
            self.first.eq(passes.first),
            self.last.eq(passes.last),
            self.perturb.eq(phase == Phase.PERT),
            self.lead.eq(passes.lead),
            self.pass_end.eq(in_pass & passes.end),
            self.c0_pass.eq(phase == Phase.C0),
            self.fresh.eq(fresh),
            self.window_end.eq(ct_last),
            self.load.eq(phase == Phase.LOAD),
        ]

        def to_pass(kind):
            m.d.sync += phase.eq(kind)
            m.d.comb += passes.start.eq(1)

        # the load phase's first cycle, registered: it starts the G stream's load stream (fans out to its enables)
        load_first = Signal()
        m.d.sync += load_first.eq(0)
        m.d.comb += self.load_start.eq(load_first)

        with m.If(self.stop & (phase != Phase.IDLE) & (phase != Phase.DONE)):
            m.d.sync += phase.eq(Phase.DONE)
        with m.Else():
            with m.Switch(phase):
                with m.Case(Phase.IDLE, Phase.DONE):
                    with m.If(self.start):
                        m.d.sync += [phase.eq(Phase.LOAD), cnt.eq(0), begin_second.eq(0), load_first.eq(1)]
                with m.Case(Phase.LOAD):
                    with m.If(load_first):
                        m.d.sync += [step.eq(0), cx1.eq(1), cp1.eq(1), ct1.eq(1), cx_first.eq(1), ct_first.eq(1)]
                        m.d.comb += [self.code_restart.eq(1), seq.restart.eq(1)]
                    with m.If(cnt == t.load_cycles - 1):
                        m.d.sync += [phase.eq(Phase.BEGIN), cnt.eq(0)]
                        with m.If(r.seed != 0):  # the seed phase counts its cycles down, seed … 1
                            m.d.sync += [phase.eq(Phase.SEED), cnt.eq(r.seed)]
                    with m.Else():
                        m.d.sync += cnt.eq(cnt + 1)
                with m.Case(Phase.SEED):
                    m.d.comb += [self.code_advance.eq(1), seq.seed_jump.eq(1)]
                    with m.If(cnt == 1):  # a compare with a constant, not with the seed register
                        m.d.sync += [phase.eq(Phase.BEGIN), cnt.eq(0)]
                    with m.Else():
                        m.d.sync += cnt.eq(cnt - 1)
                with m.Case(Phase.BEGIN):
                    with m.If(~begin_second):
                        m.d.comb += seq.draw.eq(cx_first)
                        m.d.sync += [fresh.eq(cx_first), begin_second.eq(1)]
                    with m.Else():
                        m.d.sync += begin_second.eq(0)
                        with m.If(cx_first | ct_first):
                            to_pass(Phase.C0)
                        with m.Else():
                            to_pass(Phase.PERT)
                with m.Case(Phase.C0):
                    with m.If(passes.end):
                        to_pass(Phase.PERT)
                        m.d.sync += fresh.eq(0)
                with m.Case(Phase.PERT):
                    with m.If(passes.end):  # edge e: step n ends
                        m.d.comb += self.code_advance.eq(cp_last)
                        m.d.sync += [
                            cx1.eq(wrap(cx1, r.tau_x)),
                            cp1.eq(wrap(cp1, r.tau_p)),
                            ct1.eq(wrap(ct1, r.tau_theta)),
                            cx_first.eq(cx1 == r.tau_x),
                            ct_first.eq(ct_last),
                            step.eq(step + 1),
                            cnt.eq(0),
                        ]
                        with m.If(ct_last | step_last):
                            m.d.sync += phase.eq(Phase.CORRELATE)
                        with m.Else():
                            m.d.sync += phase.eq(Phase.BEGIN)
                with m.Case(Phase.CORRELATE):
                    with m.If(cnt == t.drain - 1):
                        m.d.sync += [phase.eq(Phase.BEGIN), cnt.eq(0)]
                        with m.If(step_done):
                            m.d.sync += phase.eq(Phase.DONE)
                    with m.Else():
                        m.d.sync += cnt.eq(cnt + 1)
        return m


def wrap(value, period):
    """The next of a counter 1 … ``period`` (a runtime register): ``value`` + 1, or 1 after ``period``."""
    return Mux(value == period, 1, value + 1)
