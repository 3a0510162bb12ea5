"""Accuracy counter: how many fresh samples the unperturbed network classifies correctly."""

from amaranth.hdl import Module, Mux, Signal
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from mgd.golden_model.fixed_accuracy import TASKS
from mgd.golden_model.formats import Fmt

from .delay_line import delayed
from .fixed import shape_of

__all__ = ["AccuracyCounter"]


class AccuracyCounter(wiring.Component):
    """Counts strobed samples (``seen``) and those classified correctly (``correct``), both 32-bit saturating.

    ``y``, ``target`` In(array of ``n_out`` values in the act format ``fmt``); ``strobe`` In(1) counts this
    cycle's sample; ``clear`` In(1) zeroes both counters (it wins over ``strobe``). The rule is
    :func:`~mgd.golden_model.fixed_accuracy.classified_correctly` for ``task`` ("parity": every output above one
    half exactly when its target is; "classification": first argmax of y equals first argmax of the target).
    ``is_correct`` Out(1) is that rule for the current inputs (combinational). Latency: the counters show a
    strobe's sample 1 cycle later. ``registered=True`` pipelines the rule: the argmax chain takes one register stage
    per compare (the inputs of compare k are delayed to meet it) and the rule and the strobe one more, so a strobe's
    sample shows :attr:`latency` cycles later (``n_out`` + 1 for "classification", 2 for "parity") and no path runs
    from ``y`` through the classification into the 32-bit counters; ``clear`` also drops the strobes in flight.
    """

    WIDTH = 32

    def __init__(self, n_out: int, fmt: Fmt, task: str, *, registered: bool = False):
        if task not in TASKS:
            raise ValueError(f"task must be one of {', '.join(TASKS)}, got {task!r}")
        if not isinstance(n_out, int) or n_out < 1:
            raise ValueError(f"n_out must be a positive integer, got {n_out!r}")
        self.n_out, self.fmt, self.task, self.registered = n_out, fmt, task, registered
        act = shape_of(fmt)
        super().__init__(
            {
                "y": In(data.ArrayLayout(act, n_out)),
                "target": In(data.ArrayLayout(act, n_out)),
                "strobe": In(1),
                "clear": In(1),
                "is_correct": Out(1),
                "correct": Out(self.WIDTH),
                "seen": Out(self.WIDTH),
            }
        )

    @property
    def latency(self) -> int:
        """Cycles from a strobe to the counters showing it."""
        if not self.registered:
            return 1
        return (self.n_out if self.task == "classification" else 1) + 1

    def _argmax_pipelined(self, m, values, name):
        """:meth:`_argmax` with a register after every compare: the index of the first largest of the values of
        ``n_out`` − 1 cycles ago (value k is delayed k − 1 cycles to meet the chain's stage k)."""
        best, best_at = values[0], 0
        for k in range(1, self.n_out):
            value = delayed(m, values[k], k - 1, f"{name}_v{k}")
            best_next = Signal(shape_of(self.fmt), name=f"{name}_best{k}", reset_less=True)
            at_next = Signal(range(self.n_out), name=f"{name}_at{k}", reset_less=True)
            m.d.sync += [best_next.eq(Mux(value > best, value, best)), at_next.eq(Mux(value > best, k, best_at))]
            best, best_at = best_next, at_next
        return best_at

    def _argmax(self, m, values, name):
        """Index of the first largest value: a chain that replaces the best only on a strictly larger value."""
        best, best_at = values[0], 0
        for k in range(1, self.n_out):
            larger = Signal(name=f"{name}_larger{k}")
            m.d.comb += larger.eq(values[k] > best)
            best_next = Signal(shape_of(self.fmt), name=f"{name}_best{k}")
            at_next = Signal(range(self.n_out), name=f"{name}_at{k}")
            m.d.comb += [best_next.eq(Mux(larger, values[k], best)), at_next.eq(Mux(larger, k, best_at))]
            best, best_at = best_next, at_next
        return best_at

    def elaborate(self, platform):
        m = Module()
        if self.task == "parity":
            half = 1 << (self.fmt.frac - 1) if self.fmt.frac > 0 else 0
            agree = [(self.y[k] > half) == (self.target[k] > half) for k in range(self.n_out)]
            ok = agree[0]
            for a in agree[1:]:
                ok = ok & a
            m.d.comb += self.is_correct.eq(ok)
        else:
            m.d.comb += self.is_correct.eq(self._argmax(m, self.y, "y") == self._argmax(m, self.target, "t"))
        top = (1 << self.WIDTH) - 1
        strobe, is_correct = self.strobe, self.is_correct
        if self.registered:
            if self.task == "classification":
                rule = self._argmax_pipelined(m, self.y, "yp") == self._argmax_pipelined(m, self.target, "tp")
            else:
                rule = self.is_correct
            strobe = self.strobe
            for k in range(self.latency - 1):  # the strobe travels beside the rule, dropped by a clear
                nxt = Signal(name=f"strobe_d{k + 1}")
                m.d.sync += nxt.eq(strobe & ~self.clear)
                strobe = nxt
            is_correct = Signal(name="is_correct_r")
            m.d.sync += is_correct.eq(rule)
        with m.If(self.clear):
            m.d.sync += [self.correct.eq(0), self.seen.eq(0)]
        with m.Elif(strobe):
            m.d.sync += self.seen.eq(self.seen + (self.seen != top))
            with m.If(is_correct):
                m.d.sync += self.correct.eq(self.correct + (self.correct != top))
        return m
