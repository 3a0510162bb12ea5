"""The pipelined trainer's cycle schedule: one perturbed and one unperturbed forward pass enter per clock.

The spec of ``mgd.rtl.pipelined_trainer``. Inside one update window (τθ steps) θ is constant, so the window's steps
are independent: the controller *issues* one step per cycle, each step flows through the pipeline (both arrays, the
cost pipeline, the broadcast, the correlation), and after the window's last step the controller *stalls* until that
step has retired and θ is updated. No new semantics: θ after every update is bit-identical to
:class:`~.fixed_mgd.FixedMGD` (C₀ is measured on every step by the unperturbed twin array, which equals FixedMGD's
C₀, measured when n mod τx = 0 or n mod τθ = 0, because θ and the sample do not change in between).

A step issued in cycle t (the edge ending cycle t + k is "edge k"):

==========  =======================  ==============================================================================
edge        what                     visible
==========  =======================  ==============================================================================
0           issue                    the step reads θ, its code (the perturbators' code in cycle t) and its sample
                                     (``sample`` in cycle t); n ← n + 1, the τ counters step, the codes advance if
                                     (n+1) mod τp = 0, the next sample is drawn if (n+1) mod τx = 0
``measure``  C, C₀, C̃, broadcast     ``cost``, ``c0``, ``c_tilde``, ``broadcast`` from cycle t + measure + 1
``correl-   G += correlation        ``g`` and ``step`` (+1) from cycle t + correlate + 1 (correlate = measure + 2: the
ate``                                synapse registers its product c·b first)
``retire``  θ ← sat(θ − step(G)),    if the step ends a window ((n+1) mod τθ = 0): ``theta`` from cycle
            G ← 0                    t + retire + 1; the controller issues again in that cycle (or shows ``done``)
==========  =======================  ==============================================================================

``retire`` = correlate + 1 (pre-scaled broadcast) or correlate + 2 (raw: the per-synapse ⌊G·η⌋ takes a register). Phases
(:data:`~.schedule.PHASES`): ``idle``, ``load`` (1 cycle, as :mod:`.schedule`), ``seed`` (``seed`` cycles),
``begin`` (1 cycle: the first sample is drawn), ``pert`` (issuing, one step per cycle), ``correlate`` (stalled until
the window's last step retires), ``done``. So a window of w steps takes w + retire cycles, and a run
3 + seed + steps + windows·retire cycles until ``done`` shows (:func:`pipelined_cycles`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .fixed_units import accumulate, apply_update, broadcast, correlate, cost, update_step, weight
from .schedule import PHASES, CycleModel, Registers

__all__ = ["PipelineTiming", "PipelinedScheduleModel", "pipelined_cycles"]


@dataclass(frozen=True)
class PipelineTiming:
    """Latencies of the pipelined trainer in edges after the issue edge (see the module's table): ``measure`` (C, C₀,
    C̃ and the broadcast captured), ``correlate`` (G accumulates) and ``retire`` (θ updated at a window's end)."""

    measure: int
    correlate: int
    retire: int

    def __post_init__(self):
        for name in ("measure", "correlate", "retire"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if not self.measure < self.correlate < self.retire:
            raise ValueError(f"need measure < correlate < retire, got {self.measure}, {self.correlate}, {self.retire}")

    def cycles_per_step(self, tau_theta: int) -> float:
        """Average cycles per step: a window of τθ steps takes τθ + retire cycles."""
        return (tau_theta + self.retire) / tau_theta


def pipelined_cycles(regs: Registers, timing: PipelineTiming) -> int:
    """Cycles from the start pulse (cycle 0) until the first cycle that shows ``done``, exactly."""
    windows = -(-regs.steps // regs.tau_theta)
    return 3 + regs.seed + regs.steps + windows * timing.retire


@dataclass
class _InFlight:
    """A step in the pipeline: its issue cycle and everything it will write."""

    issued: int
    code: np.ndarray
    cost: int
    c0: int
    c_tilde: int
    bcast: int
    window_end: bool
    final: bool


class PipelinedScheduleModel(CycleModel):
    """Cycle-exact golden model of the pipelined trainer (:class:`~.schedule.CycleModel`: same interface and trace
    signals as :class:`~.schedule.ScheduleModel`); ``timing`` is the pipeline's :class:`PipelineTiming`."""

    def __init__(self, model, regs: Registers, timing: PipelineTiming):
        super().__init__(model, regs)
        self.timing = timing
        self.cycle = self.issued = 0
        self.flight: list[_InFlight] = []

    def _draw(self):
        self.sample = self.m.sample_address(self.drawn, self.regs.seed)
        self.drawn += 1

    def _issue(self) -> None:
        """The issue edge: both passes of step n on θ, its code and its sample; the counters step."""
        m, r = self.m, self.regs
        code = self.code()
        x, target = m.x[self.sample][None], m.y[self.sample]
        c0 = cost(m.net.forward(self.theta, x)[0], target, m.fmts)
        w = weight(self.theta, code, self.dtheta, 1, m.codes.frac, m.fmts)
        c = cost(m.net.forward(w, x)[0], target, m.fmts)
        window_end = self.ct == r.tau_theta - 1
        final = self.issued + 1 == r.steps
        b = broadcast(c - c0, r.eta, m.mode, m.fmts)
        self.flight.append(_InFlight(self.cycle, code, c, c0, c - c0, b, window_end, final))
        self.issued += 1
        draw = self.cx == r.tau_x - 1 and not final  # the next step takes a new sample
        self._count_step()
        if draw:
            self._draw()
        if window_end or final:
            self.phase = PHASES["correlate"]

    def _pipeline(self) -> None:
        """The edges of the steps in flight (measure, correlate, retire), before this cycle's issue."""
        m, r, t = self.m, self.regs, self.timing
        for s in list(self.flight):
            age = self.cycle - s.issued
            if age == t.measure:
                self.cost, self.c0, self.c_tilde, self.bcast = s.cost, s.c0, s.c_tilde, s.bcast
            elif age == t.correlate:
                self.g = accumulate(self.g, correlate(s.code, s.bcast, m.codes.frac), self.gfmt)
                self.step += 1
            elif age == t.retire:
                if s.window_end:
                    self.theta = apply_update(self.theta, update_step(self.g, r.eta, m.mode, m.fmts), m.fmts)
                    self.g = np.zeros(self.P, dtype=np.int64)
                if s.window_end or s.final:
                    self.phase = PHASES["done"] if s.final else PHASES["pert"]
                self.flight.remove(s)

    def clock(self, start: int = 0) -> None:
        """Apply one clock edge."""
        r, P, ph = self.regs, PHASES, self.phase
        busy = ph not in (P["idle"], P["done"])
        if busy:
            self._pipeline()
        if ph in (P["idle"], P["done"]):
            if start:
                self.phase = P["load"]
        elif ph == P["load"]:
            self.theta, self.g = self.theta0.copy(), np.zeros(self.P, dtype=np.int64)
            self.advances = self.index = 0
            self.issued = self.step = self.cx = self.cp = self.ct = 0
            self.drawn = 0
            self.flight = []
            self.phase, self.cnt = (P["seed"] if r.seed else P["begin"]), 0
        elif ph == P["seed"]:
            self._advance()
            if self.cnt == r.seed - 1:
                self.phase, self.cnt = P["begin"], 0
            else:
                self.cnt += 1
        elif ph == P["begin"]:
            self._draw()
            self.phase = P["pert"]
        elif ph == P["pert"]:
            self._issue()
        self.cycle += 1
