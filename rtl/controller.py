"""The trainer's controller: Algorithm 1's schedule with the runtime registers (spec: ``golden_model/schedule.py``)."""

from amaranth.hdl import Cat, Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from mgd.golden_model.sample_order import HARDWARE_ORDERS, SAMPLE_LFSR, SEED_JUMP, jump_masks, sample_seed
from mgd.golden_model.schedule import PHASES, Registers

from .fixed import shape_of

__all__ = ["Controller"]


class Controller(wiring.Component):
    """The phase state machine of :mod:`mgd.golden_model.schedule`, driving every synapse, the array and the cost
    unit. Parameters: ``latency`` (the array's, L), ``n_samples`` (dataset memory depth), ``index_period`` (the
    Walsh/sequential counter's modulus, or ``None``), ``fmts`` (for Δθ), ``order`` ("cyclic": a counter; "random":
    the 20-bit sample LFSR of :mod:`mgd.golden_model.sample_order`, address ⌊state·N/2^20⌋, then a 19-step jump).

    Runtime registers (inputs, held by the host or testbench): ``tau_x``, ``tau_p``, ``tau_theta`` (16 b, ≥ 1),
    ``dtheta_shift`` (k: Δθ = 2^−k), ``seed`` (16 b: the run's draw of randomness, :mod:`mgd.golden_model.
    hardware_seed`; the seed phase takes ``seed`` cycles, each advancing the codes one step and jumping the sample
    LFSR ``SEED_JUMP`` steps), ``steps`` (32 b); ``start``;
    ``stop`` (ends a run early: the next phase is ``done``; θ keeps its value, an accumulating G is dropped at the
    next start; not part of the golden schedule, which never stops early).

    Outputs: ``phase`` (3 b, :data:`~mgd.golden_model.schedule.PHASES`), ``step`` (32 b), ``done``, ``sample``
    (dataset address), ``index`` (broadcast perturbation counter), ``dtheta`` (2^−k in θ's format), and the strobes
    ``load``, ``restart``, ``advance``, ``perturb``, ``capture``, ``measure``, ``correlate``, ``update``
    (combinational from the state registers: they act at the edge ending the cycle); ``new_sample`` is high
    during a step that drew a new sample (n mod τx = 0), so ``capture & new_sample`` marks C₀ of a fresh sample.
    """

    def __init__(self, latency: int, n_samples: int, index_period, fmts, order: str = "cyclic"):
        if order not in HARDWARE_ORDERS:
            raise ValueError(f"order must be one of {', '.join(HARDWARE_ORDERS)}, got {order!r}")
        self.latency, self.n_samples, self.index_period, self.fmts = latency, n_samples, index_period, fmts
        self.order = order
        w = Registers.WIDTHS
        index_width = max(1, (index_period - 1).bit_length()) if index_period else 1
        super().__init__(
            {
                "tau_x": In(w["tau_x"]),
                "tau_p": In(w["tau_p"]),
                "tau_theta": In(w["tau_theta"]),
                "dtheta_shift": In(w["dtheta_shift"]),
                "seed": In(w["seed"]),
                "steps": In(w["steps"]),
                "start": In(1),
                "stop": In(1),
                "phase": Out(3),
                "step": Out(w["steps"]),
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
        P, L, w = PHASES, self.latency, Registers.WIDTHS
        phase = Signal(3, init=P["idle"])
        cnt = Signal(w["seed"])
        step = Signal(w["steps"])
        cx, cp, ct = Signal(w["tau_x"]), Signal(w["tau_p"]), Signal(w["tau_theta"])
        sample, next_sample = Signal.like(self.sample), Signal.like(self.sample)
        index = Signal.like(self.index)
        sample_state = Signal(SAMPLE_LFSR.width, init=sample_seed())
        m.d.comb += [
            self.phase.eq(phase),
            self.step.eq(step),
            self.sample.eq(sample),
            self.index.eq(index),
            self.done.eq(phase == P["done"]),
            self.new_sample.eq(cx == 0),
        ]

        theta_frac = self.fmts.theta.frac
        with m.If(self.dtheta_shift <= theta_frac):
            m.d.comb += self.dtheta.eq((1 << theta_frac) >> self.dtheta_shift)

        def wrap_increment(value, period):
            return Mux(value == period - 1, 0, value + 1)

        def advance_index():
            if self.index_period:
                m.d.sync += index.eq(wrap_increment(index, self.index_period))

        with m.Switch(phase):
            with m.Case(P["idle"], P["done"]):
                with m.If(self.start):
                    m.d.sync += phase.eq(P["load"])
            with m.Case(P["load"]):
                m.d.comb += [self.load.eq(1), self.restart.eq(1)]
                m.d.sync += [
                    index.eq(0),
                    step.eq(0),
                    cx.eq(0),
                    cp.eq(0),
                    ct.eq(0),
                    next_sample.eq(0),
                    cnt.eq(0),
                    sample_state.eq(sample_seed()),
                ]
                with m.If(self.seed != 0):
                    m.d.sync += phase.eq(P["seed"])
                with m.Else():
                    m.d.sync += phase.eq(P["begin"])
            with m.Case(P["seed"]):
                m.d.comb += self.advance.eq(1)
                advance_index()
                if self.order == "random":
                    m.d.sync += sample_state.eq(
                        Cat(*[(sample_state & mask).xor() for mask in jump_masks(jump=SEED_JUMP)])
                    )
                with m.If(cnt == self.seed - 1):
                    m.d.sync += [phase.eq(P["begin"]), cnt.eq(0)]
                with m.Else():
                    m.d.sync += cnt.eq(cnt + 1)
            with m.Case(P["begin"]):
                with m.If(cx == 0):
                    if self.order == "cyclic":
                        m.d.sync += [
                            sample.eq(next_sample),
                            next_sample.eq(wrap_increment(next_sample, self.n_samples)),
                        ]
                    else:
                        jumped = Cat(*[(sample_state & mask).xor() for mask in jump_masks()])
                        m.d.sync += [
                            sample.eq((sample_state * self.n_samples) >> SAMPLE_LFSR.width),
                            sample_state.eq(jumped),
                        ]
                with m.If((cx == 0) | (ct == 0)):
                    m.d.sync += phase.eq(P["c0"])
                with m.Else():
                    m.d.sync += phase.eq(P["pert"])
                m.d.sync += cnt.eq(0)
            with m.Case(P["c0"]):
                with m.If(cnt == L):
                    m.d.comb += self.capture.eq(1)
                    m.d.sync += [phase.eq(P["pert"]), cnt.eq(0)]
                with m.Else():
                    m.d.sync += cnt.eq(cnt + 1)
            with m.Case(P["pert"]):
                m.d.comb += self.perturb.eq(1)
                with m.If(cnt == L):
                    m.d.comb += self.measure.eq(1)
                    m.d.sync += [phase.eq(P["correlate"]), cnt.eq(0)]
                with m.Else():
                    m.d.sync += cnt.eq(cnt + 1)
            with m.Case(P["correlate"]):
                m.d.comb += [self.correlate.eq(1), self.update.eq(ct == self.tau_theta - 1)]
                with m.If(cp == self.tau_p - 1):
                    m.d.comb += self.advance.eq(1)
                    advance_index()
                    m.d.sync += cp.eq(0)
                with m.Else():
                    m.d.sync += cp.eq(cp + 1)
                with m.If(cx == self.tau_x - 1):
                    m.d.sync += cx.eq(0)
                with m.Else():
                    m.d.sync += cx.eq(cx + 1)
                with m.If(ct == self.tau_theta - 1):
                    m.d.sync += ct.eq(0)
                with m.Else():
                    m.d.sync += ct.eq(ct + 1)
                m.d.sync += step.eq(step + 1)
                with m.If(step + 1 == self.steps):
                    m.d.sync += phase.eq(P["done"])
                with m.Else():
                    m.d.sync += phase.eq(P["begin"])
        with m.If(self.stop & (phase != P["idle"]) & (phase != P["done"])):
            m.d.sync += phase.eq(P["done"])
        return m
