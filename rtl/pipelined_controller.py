"""The pipelined trainer's controller: issues one step per cycle and stalls at each window's end (spec:
``golden_model/pipeline_schedule.py``)."""

from amaranth.hdl import Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from mgd.golden_model.pipeline_schedule import PipelineTiming
from mgd.golden_model.sample_order import HARDWARE_ORDERS
from mgd.golden_model.schedule import Registers

from .controller import dtheta_of, wrap_increment
from .fixed import shape_of
from .sample_sequencer import SampleSequencer
from .trainer_interfaces import Phase, RegistersSignature

__all__ = ["PipelinedController"]


class PipelinedController(wiring.Component):
    """The phases of :mod:`mgd.golden_model.pipeline_schedule` and the strobes of the steps in flight.

    Parameters: ``timing`` (:class:`~mgd.golden_model.pipeline_schedule.PipelineTiming`), ``n_samples``,
    ``index_period`` (Walsh/sequential counter modulus or ``None``), ``fmts`` (for Δθ), ``order`` (the sample
    order, :class:`~.sample_sequencer.SampleSequencer`), ``accuracy_tap`` (the edge after issue at which the
    unperturbed outputs and the target are valid, for ``fresh``).

    Every issued step carries three flags down a free-running delay line (``flags[k]``: the step issued k cycles
    ago): valid, window end ((n+1) mod τθ = 0), final (n + 1 = steps); plus whether it drew a fresh sample.

    Members: ``regs``, ``start``, ``stop``, ``phase``, ``step`` (steps correlated), ``done``, ``sample``, ``index``
    as :class:`~.controller.Controller`; ``dtheta`` (Δθ = 2^−k) and ``dtheta_neg`` (−Δθ) in θ's format, registered
    from the shift register (1 cycle: a run's ``load`` cycle covers it); strobes (combinational, acting at the
    edge ending the cycle):
    ``load``, ``restart``, ``advance`` (codes step), ``issue`` (a step enters: the synapses and the dataset read
    this cycle's θ, code and sample), ``measure`` (edge ``timing.measure`` of a step), ``correlate``
    (``timing.correlate``), ``update`` (``timing.retire`` of a window's last step), ``fresh`` (edge
    ``accuracy_tap`` of a step that drew a fresh sample, n mod τx = 0). ``stop`` ends a run early (``done`` next;
    the steps in flight are dropped: no strobe fires outside a run).
    """

    def __init__(self, timing: PipelineTiming, n_samples: int, index_period, fmts, order="cyclic", accuracy_tap=1):
        if order not in HARDWARE_ORDERS:
            raise ValueError(f"order must be one of {', '.join(HARDWARE_ORDERS)}, got {order!r}")
        if not 0 < accuracy_tap <= timing.retire:
            raise ValueError(f"accuracy_tap must be in [1, {timing.retire}], got {accuracy_tap!r}")
        self.timing, self.n_samples, self.index_period, self.fmts = timing, n_samples, index_period, fmts
        self.order, self.accuracy_tap = order, accuracy_tap
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
                "dtheta_neg": Out(shape_of(fmts.theta)),
                "load": Out(1),
                "restart": Out(1),
                "advance": Out(1),
                "issue": Out(1),
                "measure": Out(1),
                "correlate": Out(1),
                "update": Out(1),
                "fresh": Out(1),
            }
        )

    def elaborate(self, platform):
        m = Module()
        P, t, regs = Phase, self.timing, self.regs
        phase = Signal(Phase, init=Phase.IDLE)
        # down-counters (a run's counts left, reloaded from the registers): every test is an equality with 0 or 1,
        # no comparator against a register on the issue path
        cnt = Signal.like(regs.seed)
        left, step = Signal.like(self.step), Signal.like(self.step)
        cx, cp, ct = Signal.like(regs.tau_x), Signal.like(regs.tau_p), Signal.like(regs.tau_theta)
        first = Signal()  # the next step to issue is the first of its sample (n mod τx = 0)
        index = Signal.like(self.index)
        m.submodules.sequencer = seq = SampleSequencer(self.n_samples, self.order)
        running = (phase != P.IDLE) & (phase != P.LOAD) & (phase != P.DONE)
        m.d.comb += [
            self.phase.eq(phase),
            self.step.eq(step),
            self.sample.eq(seq.sample),
            self.index.eq(index),
            self.done.eq(phase == P.DONE),
        ]
        dtheta = dtheta_of(regs, self.fmts)
        m.d.sync += [self.dtheta.eq(dtheta), self.dtheta_neg.eq(-dtheta)]

        def advance_index():
            if self.index_period:
                m.d.sync += index.eq(wrap_increment(index, self.index_period))

        # the flags of the steps in flight: flags[k] = (valid, window_end, final, fresh) of the step issued k ago
        window_end, final = Signal(), Signal()
        m.d.comb += [window_end.eq(ct == 0), final.eq(left == 1)]
        now = [self.issue, self.issue & window_end, self.issue & final, self.issue & first]
        flags = [now]
        for k in range(1, t.retire + 1):
            row = [Signal(name=f"{n}_d{k}") for n in ("valid", "window_end", "final", "fresh")]
            with m.If(self.load):
                m.d.sync += [s.eq(0) for s in row]
            with m.Else():
                m.d.sync += [s.eq(prev) for s, prev in zip(row, flags[-1], strict=True)]
            flags.append(row)
        m.d.comb += [
            self.measure.eq(running & flags[t.measure][0]),
            self.correlate.eq(running & flags[t.correlate][0]),
            self.update.eq(running & flags[t.retire][1]),
            self.fresh.eq(running & flags[self.accuracy_tap][3]),
        ]
        wake, last = flags[t.retire][1] | flags[t.retire][2], flags[t.retire][2]
        with m.If(self.correlate):
            m.d.sync += step.eq(step + 1)

        with m.Switch(phase):
            with m.Case(P.IDLE, P.DONE):
                with m.If(self.start):
                    m.d.sync += phase.eq(P.LOAD)
            with m.Case(P.LOAD):
                m.d.comb += [self.load.eq(1), self.restart.eq(1), seq.restart.eq(1)]
                m.d.sync += [
                    index.eq(0),
                    left.eq(regs.steps),
                    step.eq(0),
                    cx.eq(regs.tau_x - 1),
                    cp.eq(regs.tau_p - 1),
                    ct.eq(regs.tau_theta - 1),
                    cnt.eq(regs.seed - 1),
                    first.eq(1),
                ]
                with m.If(regs.seed != 0):
                    m.d.sync += phase.eq(P.SEED)
                with m.Else():
                    m.d.sync += phase.eq(P.BEGIN)
            with m.Case(P.SEED):
                m.d.comb += [self.advance.eq(1), seq.seed_jump.eq(1)]
                advance_index()
                with m.If(cnt == 0):
                    m.d.sync += phase.eq(P.BEGIN)
                with m.Else():
                    m.d.sync += cnt.eq(cnt - 1)
            with m.Case(P.BEGIN):
                m.d.comb += seq.draw.eq(1)
                m.d.sync += phase.eq(P.PERT)
            with m.Case(P.PERT):
                m.d.comb += [self.issue.eq(1), seq.draw.eq((cx == 0) & ~final)]
                m.d.sync += [left.eq(left - 1), first.eq(cx == 0)]
                with m.If(cp == 0):
                    m.d.comb += self.advance.eq(1)
                    advance_index()
                    m.d.sync += cp.eq(regs.tau_p - 1)
                with m.Else():
                    m.d.sync += cp.eq(cp - 1)
                m.d.sync += cx.eq(Mux(cx == 0, regs.tau_x - 1, cx - 1))
                m.d.sync += ct.eq(Mux(window_end, regs.tau_theta - 1, ct - 1))
                with m.If(window_end | final):
                    m.d.sync += phase.eq(P.CORRELATE)
            with m.Case(P.CORRELATE):
                with m.If(wake):
                    m.d.sync += phase.eq(Mux(last, P.DONE, P.PERT))
        with m.If(self.stop & running):
            m.d.sync += phase.eq(P.DONE)
        return m
