"""The trainer's cycle schedule: Algorithm 1 as the hardware's controller sequences it, cycle by cycle.

This is the spec the RTL controller (``mgd.rtl.controller``) implements. The controller is a state machine over
these phases (``PHASES``); ``L`` is the feedforward array's latency (one register per layer):

=============  ========  ==================================================================================
phase          cycles    what happens (at the clock edge ending the phase's last cycle unless said)
=============  ========  ==================================================================================
``idle``       until     waits for ``start``
                start
``load``       1         θ ← θ₀ and G ← 0 in every synapse; LFSRs restart from their seed state; counters,
                         step n, sample pointer and perturbation index ← 0
``seed``       seed      every cycle: perturbators advance, index ← index + 1 (mod its period), the sample
                         LFSR jumps ``SEED_JUMP`` steps (:mod:`.sample_order`, :mod:`.hardware_seed`)
``begin``      1         if n mod τx = 0: sample ← the next address of the sample order (:mod:`.sample_order`)
``c0``         L + 1     only if n mod τx = 0 or n mod τθ = 0: θ̃ off; the last cycle captures C₀ ← C
``pert``       L + 1     θ̃ on; the last cycle measures C, C̃ and the broadcast (u or C̃)
``correlate``  1         synapses correlate the broadcast (G += c·b); update if (n+1) mod τθ = 0;
                         perturbators advance and index + 1 if (n+1) mod τp = 0; n ← n + 1; counters step;
                         → ``done`` when n + 1 = steps, else ``begin``
``done``       until     ``done`` = 1; ``start`` runs again from ``load``
                start
=============  ========  ==================================================================================

So a step takes L + 3 cycles, plus L + 1 when C₀ is measured. The per-step arithmetic is exactly that of
:class:`~.fixed_mgd.FixedMGD` with ``hw_seed = seed`` (tested). :class:`ScheduleModel` emits, for every cycle,
the values visible during that cycle (before its clock edge) of the signals :data:`TRACE_SIGNALS`.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field, fields
from typing import ClassVar

import numpy as np

from .config import STEP_COUNTER_BITS, ConfigError
from .fixed_units import accumulate, apply_update, broadcast, correlate, cost, g_format, update_step, weight
from .formats import DEFAULT_FORMATS, FixedFormats

__all__ = ["PHASES", "TRACE_SIGNALS", "Registers", "CycleModel", "ScheduleModel", "step_cycles"]

PHASES = {"idle": 0, "load": 1, "seed": 2, "begin": 3, "c0": 4, "pert": 5, "correlate": 6, "done": 7}

#: scalar signals of a trace; per-synapse signals ``code``, ``g``, ``theta`` have one column per synapse
TRACE_SIGNALS = ("phase", "step", "sample", "index", "cost", "c0", "c_tilde", "broadcast", "done")
SYNAPSE_SIGNALS = ("code", "g", "theta")


def _register(default: int, *, low: int, width: int | None):
    """A field of :class:`Registers`: a runtime register with its lowest value and port width (None: the η format's)."""
    return field(default=default, metadata={"low": low, "width": width})


@dataclass(frozen=True)
class Registers:
    """The trainer's runtime registers (set by the host or testbench, no re-elaboration needed).

    Every field is checked against its port (:meth:`range`): ``tau_x``, ``tau_p``, ``tau_theta`` in [1, 2^16 − 1],
    ``dtheta_shift`` in [0, 31], ``seed`` in [0, 2^16 − 1], ``steps`` in [1, 2^32 − 1] (:data:`WIDTHS`), and ``eta``
    in [0, 2^eta_width − 1], where ``eta_width`` is the width of the design's η format (``fmts.eta.width``; the
    default is :data:`~.formats.DEFAULT_FORMATS`'; :meth:`for_formats` takes it from a format set). A value outside
    its port would be cut to its low bits by the RTL while the golden schedule used it whole: such values, bools and
    non-integers raise :class:`~.config.ConfigError` naming the register and its range."""

    tau_x: int = _register(1, low=1, width=16)  # steps per sample
    tau_p: int = _register(1, low=1, width=16)  # steps per perturbation
    tau_theta: int = _register(1, low=1, width=16)  # steps per update
    eta: int = _register(0, low=0, width=None)  # the η register, fmts.eta (η/(Δθ·power)); width: eta_width
    dtheta_shift: int = _register(4, low=0, width=5)  # Δθ = 2^−k
    seed: int = _register(0, low=0, width=16)  # the run's draw: code steps (and sample jumps) before step 0
    steps: int = _register(1, low=1, width=STEP_COUNTER_BITS)  # run length
    eta_width: int = DEFAULT_FORMATS.eta.width  # bits of the η port: the design's fmts.eta.width

    # The register table (NAMES, WIDTHS, LOWS) is derived from the fields above, after the class: this class is the
    # one definition of the runtime registers, which the RTL's RegistersSignature, the board's register file and host
    # map, the Verilator harness and the testbenches all iterate over.
    #: the register fields, in order (the host link's map, :data:`mgd.boards.host_protocol.RUNTIME_REGISTERS`)
    NAMES: ClassVar[tuple[str, ...]]
    #: port widths of the registers (η's is ``eta_width``)
    WIDTHS: ClassVar[dict[str, int]]
    #: smallest value of each register
    LOWS: ClassVar[dict[str, int]]

    @classmethod
    def range(cls, name: str, eta_width: int = DEFAULT_FORMATS.eta.width) -> tuple[int, int]:
        """``(lowest, highest)`` value of register ``name``."""
        if name not in cls.LOWS:
            raise ConfigError(f"{name!r} is not a runtime register; registers: {', '.join(cls.NAMES)}")
        width = eta_width if name == "eta" else cls.WIDTHS[name]
        return cls.LOWS[name], (1 << width) - 1

    @classmethod
    def width(cls, name: str, eta_width: int = DEFAULT_FORMATS.eta.width) -> int:
        """Bits of register ``name``'s port (η's: ``eta_width``)."""
        return cls.range(name, eta_width)[1].bit_length()

    @classmethod
    def check(cls, name: str, value, eta_width: int = DEFAULT_FORMATS.eta.width) -> int:
        """``value`` as an int if register ``name`` can hold it, else :class:`~.config.ConfigError` naming the
        register and its range."""
        low, high = cls.range(name, eta_width)
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not low <= value <= high:
            raise cls.error(name, value, low, high, f"its port is {high.bit_length()} bits")
        return int(value)

    @staticmethod
    def error(name: str, value, low: int, high: int, why: str) -> ConfigError:
        """The refusal of ``value`` for register ``name`` (range [low, high], because ``why``)."""
        return ConfigError(f"register {name} must be an integer in [{low}, {high}] ({why}), got {value!r}")

    @classmethod
    def for_formats(cls, fmts: FixedFormats, **values) -> Registers:
        """Registers of a design with formats ``fmts`` (η's port is ``fmts.eta.width`` bits)."""
        return cls(**values, eta_width=fmts.eta.width)

    def __post_init__(self):
        if isinstance(self.eta_width, bool) or not isinstance(self.eta_width, int) or not 1 <= self.eta_width <= 32:
            raise ConfigError(f"eta_width must be an integer in [1, 32] (the η format's width), got {self.eta_width!r}")
        for name in self.NAMES:
            object.__setattr__(self, name, self.check(name, getattr(self, name), self.eta_width))


Registers.NAMES = tuple(f.name for f in fields(Registers) if "low" in f.metadata)
Registers.WIDTHS = {f.name: f.metadata["width"] for f in fields(Registers) if f.metadata.get("width") is not None}
Registers.LOWS = {f.name: f.metadata["low"] for f in fields(Registers) if "low" in f.metadata}


def step_cycles(latency: int, with_c0: bool) -> int:
    """Cycles of one step."""
    return latency + 3 + (latency + 1 if with_c0 else 0)


class CycleModel:
    """What the cycle-exact golden models of both trainers share (:class:`ScheduleModel`, and
    :class:`~.pipeline_schedule.PipelinedScheduleModel`): the state behind :data:`TRACE_SIGNALS` and
    :data:`SYNAPSE_SIGNALS`, :meth:`outputs`, the codes, and the traces :meth:`run` and :meth:`run_until_done`. A
    subclass defines :meth:`clock` (one clock edge). ``model`` supplies the network, formats, codes, mode, dataset
    and θ₀ (a :class:`~.fixed_mgd.FixedMGD` with one seed); ``regs`` the runtime registers."""

    def __init__(self, model, regs: Registers):
        self.m, self.regs = model, regs
        self.P = model.mlp.n_params
        self.theta0 = model.theta0[0].copy()
        self.gfmt = g_format(model.mode, model.fmts)
        self.period = model.codes.index_period
        self.theta = np.zeros(self.P, dtype=np.int64)
        self.g = np.zeros(self.P, dtype=np.int64)
        self.advances = 0
        self.phase, self.cnt = PHASES["idle"], 0
        self.step = self.cx = self.cp = self.ct = 0
        self.sample = self.drawn = self.index = 0
        self.cost = self.c0 = self.c_tilde = self.bcast = 0

    @property
    def dtheta(self) -> int:
        """Δθ in θ's LSB from the shift register (0 if the shift exceeds θ's fraction bits)."""
        k, frac = self.regs.dtheta_shift, self.m.fmts.theta.frac
        return 1 << (frac - k) if k <= frac else 0

    def code(self) -> np.ndarray:
        codes = self.m.codes
        if codes.kind in ("lfsr", "lfsr_multilevel"):
            return codes.codes(1, start=self.advances)[0]
        return codes.codes(1, start=self.index)[0]  # counter kinds read index (already < period)

    def outputs(self) -> dict:
        return {
            "phase": self.phase,
            "step": self.step,
            "sample": self.sample,
            "index": self.index,
            "cost": self.cost,
            "c0": self.c0,
            "c_tilde": self.c_tilde,
            "broadcast": self.bcast,
            "done": int(self.phase == PHASES["done"]),
            "code": self.code(),
            "g": self.g.copy(),
            "theta": self.theta.copy(),
        }

    def _advance(self):
        self.advances += 1
        if self.period:
            self.index = (self.index + 1) % self.period

    def _count_step(self) -> None:
        """The end of a step for the τ counters: the codes advance if the step ends a perturbation period, and
        cx, cp, ct count modulo τx, τp, τθ."""
        r = self.regs
        if self.cp == r.tau_p - 1:
            self._advance()
        self.cx = 0 if self.cx == r.tau_x - 1 else self.cx + 1
        self.cp = 0 if self.cp == r.tau_p - 1 else self.cp + 1
        self.ct = 0 if self.ct == r.tau_theta - 1 else self.ct + 1

    def clock(self, start: int = 0) -> None:
        """Apply one clock edge."""
        raise NotImplementedError

    def run(self, cycles: int, starts: dict[int, Registers] | None = None) -> dict[str, np.ndarray]:
        """Trace of ``cycles`` cycles: numpy arrays per signal, shape (cycles,) or (cycles, P). ``starts`` maps a
        cycle to the registers written (and ``start`` pulsed) in it; default: ``{0: self.regs}``."""
        starts = {0: self.regs} if starts is None else starts
        rows = []
        for c in range(cycles):
            if c in starts:
                self.regs = starts[c]
            rows.append(self.outputs())
            self.clock(start=int(c in starts))
        return {k: np.array([row[k] for row in rows]) for k in rows[0]}

    def run_until_done(self, limit: int) -> dict[str, np.ndarray]:
        """Trace from a start pulse in cycle 0 through the first cycle that shows ``done`` (at most ``limit``)."""
        rows = []
        for c in range(limit):
            rows.append(self.outputs())
            if c > 0 and rows[-1]["done"]:
                break
            self.clock(start=int(c == 0))
        return {k: np.array([row[k] for row in rows]) for k in rows[0]}


class ScheduleModel(CycleModel):
    """Cycle-exact golden model of the reference trainer (:class:`CycleModel`); ``latency`` = L."""

    def __init__(self, model, regs: Registers, latency: int):
        super().__init__(model, regs)
        self.L = latency

    def _cost_now(self, perturb: bool) -> int:
        m = self.m
        w = weight(self.theta, self.code(), self.dtheta, int(perturb), m.codes.frac, m.fmts)
        y = m.net.forward(w, m.x[self.sample][None])[0]
        return cost(y, m.y[self.sample], m.fmts)

    def clock(self, start: int = 0) -> None:
        """Apply one clock edge."""
        r, P, ph = self.regs, PHASES, self.phase
        if ph in (P["idle"], P["done"]):
            if start:
                self.phase = P["load"]
        elif ph == P["load"]:
            self.theta, self.g = self.theta0.copy(), np.zeros(self.P, dtype=np.int64)
            self.advances = self.index = 0
            self.step = self.cx = self.cp = self.ct = 0
            self.drawn = 0
            self.phase, self.cnt = (P["seed"] if r.seed else P["begin"]), 0
        elif ph == P["seed"]:
            self._advance()
            if self.cnt == r.seed - 1:
                self.phase, self.cnt = P["begin"], 0
            else:
                self.cnt += 1
        elif ph == P["begin"]:
            if self.cx == 0:
                self.sample = self.m.sample_address(self.drawn, r.seed)
                self.drawn += 1
            self.phase = P["c0"] if (self.cx == 0 or self.ct == 0) else P["pert"]
            self.cnt = 0
        elif ph == P["c0"]:
            if self.cnt == self.L:
                self.c0 = self._cost_now(False)
                self.phase, self.cnt = P["pert"], 0
            else:
                self.cnt += 1
        elif ph == P["pert"]:
            if self.cnt == self.L:
                c = self._cost_now(True)
                self.cost, self.c_tilde = c, c - self.c0
                self.bcast = broadcast(self.c_tilde, r.eta, self.m.mode, self.m.fmts)
                self.phase, self.cnt = P["correlate"], 0
            else:
                self.cnt += 1
        elif ph == P["correlate"]:
            m = self.m
            g_acc = accumulate(self.g, correlate(self.code(), self.bcast, m.codes.frac), self.gfmt)
            if self.ct == r.tau_theta - 1:
                self.theta = apply_update(self.theta, update_step(g_acc, r.eta, m.mode, m.fmts), m.fmts)
                self.g = np.zeros(self.P, dtype=np.int64)
            else:
                self.g = g_acc
            self._count_step()
            self.step += 1
            self.phase = P["done"] if self.step == r.steps else P["begin"]
