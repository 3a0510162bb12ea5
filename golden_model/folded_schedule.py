"""The folded trainer's cycle schedule: passes stream the parameters through a few lanes; G and θ are rewritten as a
stream. The spec of ``mgd.rtl.folded_trainer``; the stream layout is :mod:`.folded_layout`.

No new semantics: θ after every update is bit-identical to :class:`~.fixed_mgd.FixedMGD` (C₀ is measured by an
unperturbed pass exactly when FixedMGD measures it, n mod τx = 0 or n mod τθ = 0).

A *pass* (one forward evaluation of the network: unperturbed for C₀, or perturbed) takes F cycles
(:attr:`FoldedTiming.pass_cycles`): ``lead`` cycles (the sample's inputs are loaded, and idle cycles that keep
passes at least ``measure`` + 2 cycles apart), then layer by layer one *issue* per cycle (a stream address: every
lane reads its θ and code key and multiply-accumulates one input), with ``gap`` idle cycles between two layers (the
last group's activations reach the next layer's input buffer). Let e be the cycle of a pass's last issue (the edge
ending cycle t is "edge t"):

============  ===============================  ===================================================================
edge          what                             visible
============  ===============================  ===================================================================
e             a perturbed pass ends step n     n ← n + 1 (``step``), the τ counters step, the codes advance if
                                               (n+1) mod τp = 0
e + measure   cost registers                   C₀ pass: ``c0``; perturbed pass: ``cost``, ``c_tilde``, ``broadcast``
                                               from cycle e + measure + 1
e + measure   the G stream of step n starts    stream address q is read in cycle e + measure + 1 + q and written in
+ 1 + q +                                      cycle e + measure + 1 + q + ``write``: G ← sat(G + c·b) or, if step n
``write``                                      ends a window, θ ← sat(θ − step(G + c·b)) and G ← 0 (every lane)
============  ===============================  ===================================================================

G ← 0 writes nothing: the memory keeps the G of the window's last step and the next stream reads it as 0 (after a
window's end and after the load phase), so a window-end stream writes θ only (G's write enable 0) and the load
phase writes θ only.

Phases (:data:`~.schedule.PHASES`): ``idle``; ``load`` (S + ``write`` + 1 cycles: a stream started at its first
edge writes θ ← θ₀ address by address, G ← 0, the counters and the code LFSR restart); ``seed`` (``seed`` cycles);
``begin`` (2 cycles: the first draws the sample if n mod τx = 0); ``c0`` (a C₀ pass, if n mod τx = 0 or
n mod τθ = 0); ``pert`` (the perturbed pass); then ``begin`` again, except after a window's last step or the run's
last step: ``correlate`` until the G stream's last write (``measure`` + S + ``write`` cycles after e), then
``begin`` or ``done``. So the G stream of a step runs under the next step's passes inside a window; a window's end
waits for θ (:func:`folded_cycles`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .fixed_units import accumulate, apply_update, broadcast, correlate, cost, update_step, weight
from .folded_layout import FoldedLayout
from .schedule import PHASES, CycleModel, Registers

__all__ = ["FoldedTiming", "FoldedScheduleModel", "folded_cycles", "BEGIN_CYCLES"]

BEGIN_CYCLES = 2  #: the sample is drawn at the first edge; its word is read in the second cycle


@dataclass(frozen=True)
class FoldedTiming:
    """Latencies of the folded trainer (see the module's table): ``issues`` (issue cycles per layer: groups·(n_in+1)),
    ``depth`` (S), ``gap`` (idle cycles between two layers' issues), ``measure`` (edges from a pass's last issue to
    its cost registers), ``write`` (cycles from a stream address's G read to its write), ``lead`` (cycles before a
    pass's first issue)."""

    issues: tuple[int, ...]
    depth: int
    gap: int
    measure: int
    write: int
    lead: int

    def __post_init__(self):
        for name in ("depth", "gap", "measure", "write", "lead"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if sum(self.issues) != self.depth:
            raise ValueError(f"the layers' issues {self.issues} must add up to the depth {self.depth}")
        if self.pass_cycles < self.measure + 2 or self.pass_cycles < self.depth + self.write + 1:
            raise ValueError("passes must be at least measure + 2 and depth + write + 1 cycles long (raise lead)")

    @staticmethod
    def lead_for(issues, depth: int, gap: int, measure: int, write: int) -> int:
        """The shortest lead (≥ 1) that keeps two passes' last issues ≥ measure + 2 cycles apart (one cost
        computation at a time, the code of a G stream handed over before the next step's codes) and ≥ depth +
        write + 1 (one G stream at a time, its writes done before the next one reads)."""
        core = sum(issues) + (len(issues) - 1) * gap
        return max(1, measure + 2 - core, depth + write + 1 - core)

    @property
    def pass_cycles(self) -> int:
        """F: cycles of one pass, lead included."""
        return self.lead + sum(self.issues) + (len(self.issues) - 1) * self.gap

    @property
    def load_cycles(self) -> int:
        """Cycles of the load phase: a stream that starts at its first edge and writes θ₀ to every address, the
        last in the phase's last cycle."""
        return self.depth + self.write + 1

    @property
    def drain(self) -> int:
        """Cycles after a window's last pass until its last θ write (the stall of a window end)."""
        return self.measure + self.depth + self.write

    def cycles_per_step(self, tau_x: int, tau_theta: int) -> float:
        """Average cycles per step over a long run with τx and τθ (a C₀ pass on steps n mod τx = 0 or n mod τθ = 0)."""
        period = int(np.lcm(tau_x, tau_theta))
        n = np.arange(period)
        c0 = int(np.count_nonzero((n % tau_x == 0) | (n % tau_theta == 0)))
        windows = period // tau_theta
        return (period * (BEGIN_CYCLES + self.pass_cycles) + c0 * self.pass_cycles + windows * self.drain) / period


def folded_cycles(regs: Registers, timing: FoldedTiming) -> int:
    """Cycles from the start pulse (cycle 0) until the first cycle that shows ``done``, exactly."""
    n = np.arange(regs.steps)
    c0 = int(np.count_nonzero((n % regs.tau_x == 0) | (n % regs.tau_theta == 0)))
    windows = -(-regs.steps // regs.tau_theta)
    F = timing.pass_cycles
    steps = regs.steps * (BEGIN_CYCLES + F) + c0 * F + windows * timing.drain
    return 1 + timing.load_cycles + regs.seed + steps


class FoldedScheduleModel(CycleModel):
    """Cycle-exact golden model of the folded trainer (:class:`~.schedule.CycleModel`: the scalar trace signals of
    :data:`~.schedule.TRACE_SIGNALS`, θ and G as the memories hold them after their writes) plus the memories' write
    ports, every cycle: ``theta_we``, ``g_we``, ``wr_addr`` and per lane ``theta_wdata``, ``g_wdata``."""

    WRITE_SIGNALS = ("theta_we", "g_we", "wr_addr", "theta_wdata", "g_wdata")

    def __init__(self, model, regs: Registers, layout: FoldedLayout, timing: FoldedTiming):
        super().__init__(model, regs)
        self.layout, self.timing = layout, timing
        self.cycle = 0
        self.events: dict[int, list] = {}  # edge → actions
        self.writes: dict[int, tuple] = {}  # cycle → (theta_we, g_we, addr, theta row, g row)
        self.c0_int = 0
        self.pass_kind = None

    def outputs(self) -> dict:
        out = super().outputs()
        del out["code"], out["g"], out["theta"]  # in memories: compared through their write ports
        L = self.layout.lanes
        w = self.writes.pop(self.cycle, None)
        if w is None:
            w = (0, 0, 0, np.zeros(L, dtype=np.int64), np.zeros(L, dtype=np.int64))
        out.update(zip(self.WRITE_SIGNALS, w, strict=True))
        return out

    def _at(self, edge: int, action) -> None:
        self.events.setdefault(edge, []).append(action)

    def _forward_cost(self, perturb: bool) -> int:
        m = self.m
        w = weight(self.theta, self.code(), self.dtheta, int(perturb), m.codes.frac, m.fmts) if perturb else self.theta
        return cost(m.net.forward(w, m.x[self.sample][None])[0], m.y[self.sample], m.fmts)

    def _stream_writes(self, first: int, theta_we: int, theta, g) -> None:
        """Write-port view of a stream writing, from cycle ``first`` on, rows of θ (if ``theta_we``) or else of G
        (a port's data shows 0 while its enable is 0: a don't-care)."""
        lay = self.layout
        th = lay.to_stream(theta) * theta_we
        gg = lay.to_stream(g) * (1 - theta_we)
        for q in range(lay.depth):
            self.writes[first + q] = (theta_we, 1 - theta_we, q, th[q], gg[q])

    def _end_pert(self) -> None:
        """Edge e of a perturbed pass: C, C̃ and the broadcast of step n; its G stream is scheduled."""
        m, r, t = self.m, self.regs, self.timing
        c = self._forward_cost(True)
        c_tilde = c - self.c0_int
        b = broadcast(c_tilde, r.eta, m.mode, m.fmts)
        code = self.code()
        window_end = self.ct == r.tau_theta - 1
        e = self.cycle

        def measure():
            self.cost, self.c_tilde, self.bcast = c, c_tilde, b
            g = accumulate(self.g, correlate(code, b, m.codes.frac), self.gfmt)
            if window_end:
                self.theta = apply_update(self.theta, update_step(g, r.eta, m.mode, m.fmts), m.fmts)
                g = np.zeros(self.P, dtype=np.int64)
            self.g = g
            self._stream_writes(e + t.measure + 1 + t.write, int(window_end), self.theta, self.g)

        self._at(e + t.measure, measure)
        self._count_step()
        self.step += 1
        final = self.step == r.steps
        if window_end or final:
            self.phase, self.cnt = PHASES["correlate"], 0
            nxt = PHASES["done"] if final else PHASES["begin"]

            def drained():
                self.phase, self.cnt = nxt, 0

            self._at(e + t.drain, drained)
        else:
            self.phase, self.cnt = PHASES["begin"], 0

    def clock(self, start: int = 0) -> None:
        """Apply one clock edge."""
        r, P, ph, t = self.regs, PHASES, self.phase, self.timing
        for action in self.events.pop(self.cycle, []):
            action()
        if ph in (P["idle"], P["done"]):
            if start:
                self.phase, self.cnt = P["load"], 0
        elif ph == P["load"]:
            if self.cnt == 0:
                self.theta, self.g = self.theta0.copy(), np.zeros(self.P, dtype=np.int64)
                self.advances = self.index = 0
                self.step = self.cx = self.cp = self.ct = 0
                self.drawn = 0
                self.events = {}
                self._stream_writes(self.cycle + 1 + t.write, 1, self.theta, self.g)
            if self.cnt == t.load_cycles - 1:
                self.phase, self.cnt = (P["seed"] if r.seed else P["begin"]), 0
            else:
                self.cnt += 1
        elif ph == P["seed"]:
            self._advance()
            if self.cnt == r.seed - 1:
                self.phase, self.cnt = P["begin"], 0
            else:
                self.cnt += 1
        elif ph == P["begin"]:
            if self.cnt == 0:
                if self.cx == 0:
                    self.sample = self.m.sample_address(self.drawn, r.seed)
                    self.drawn += 1
                self.cnt = 1
            else:
                self.phase, self.cnt = (P["c0"] if (self.cx == 0 or self.ct == 0) else P["pert"]), 0
        elif ph == P["c0"]:
            if self.cnt == t.pass_cycles - 1:
                c0 = self._forward_cost(False)
                self.c0_int = c0

                def capture():
                    self.c0 = c0

                self._at(self.cycle + t.measure, capture)
                self.phase, self.cnt = P["pert"], 0
            else:
                self.cnt += 1
        elif ph == P["pert"]:
            if self.cnt == t.pass_cycles - 1:
                self._end_pert()
            else:
                self.cnt += 1
        self.cycle += 1
