"""One MGD synapse: perturbator, correlator, G accumulator and updater around the registers θ and G."""

from amaranth.hdl import Module, Mux, signed
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from mgd.golden_model.codes import CodeSpec
from mgd.golden_model.fixed_units import BROADCAST_MODES, g_format
from mgd.golden_model.formats import DEFAULT_FORMATS, FixedFormats

from .correlator import MultiplierCorrelator, SignCorrelator
from .fixed import floor_shift, saturate, shape_of
from .g_accumulator import GAccumulator
from .perturbator import Perturbator
from .updater import Updater

__all__ = ["Synapse", "broadcast_width", "CORRELATORS"]

CORRELATORS = ("auto", "sign", "multiplier")


def broadcast_width(mode: str, fmts: FixedFormats) -> int:
    """Width of the signed broadcast value: u in θ's format (pre-scaled) or C̃ (raw)."""
    return fmts.theta.width if mode == "prescaled" else fmts.c_tilde.width


class Synapse(wiring.Component):
    """Synapse ``synapse`` of a network whose perturbation codes are ``codes``.

    ::

        advance, index ──► Perturbator ──► code c ─────────────┬──────────────► weight = sat(θ + perturb·⌊c·Δθ⌋)
                                                              ▼                       ▲
        value (u or C̃) ───────────────────────────────► Correlator e = ⌊c·value⌋       │
                                                              ▼ (correlate)           │
                                                      GAccumulator acc = sat(G + e) ──┼──► g
                                                              ▼ (update)              │
        eta (raw) ───────────────────────────────────► Updater θ ← sat(θ − step(acc)) ─┴──► theta

    Parameters: ``synapse`` (index: LFSR phase, Walsh row, sequential slot), ``codes``, ``mode`` ("prescaled" or
    "raw", :mod:`mgd.golden_model.fixed_units`), ``fmts`` and ``correlator`` ("auto" = sign-gated for binary codes,
    multiplier otherwise; "multiplier" forces the multiplier, for area comparisons).

    Formats: θ, Δθ, weight in ``fmts.theta``; value signed :func:`broadcast_width` with θ's LSB (pre-scaled) or
    C̃'s; G in :func:`~mgd.golden_model.fixed_units.g_format`; η in ``fmts.eta``. Golden model:
    :class:`mgd.golden_model.fixed_units.SynapseModel`, cycle for cycle.

    ``restart`` reloads the perturbator's seed state (LFSR kinds). Timing: ``code`` follows ``advance`` by 1 cycle
    (LFSR) or ``index`` by 0 (Walsh, sequential); ``weight`` is
    combinational from θ, code, ``perturb`` and ``dtheta``; θ and G change 1 cycle after ``correlate``/``update``/
    ``load``. In an update cycle the G used includes that cycle's e, and G restarts from 0.
    """

    def __init__(
        self,
        synapse: int,
        codes: CodeSpec,
        mode: str = "prescaled",
        fmts: FixedFormats = DEFAULT_FORMATS,
        correlator: str = "auto",
    ):
        if mode not in BROADCAST_MODES:
            raise ValueError(f"mode must be one of {', '.join(BROADCAST_MODES)}, got {mode!r}")
        if correlator not in CORRELATORS:
            raise ValueError(f"correlator must be one of {', '.join(CORRELATORS)}, got {correlator!r}")
        if correlator == "sign" and not codes.binary:
            raise ValueError(f"the sign-gated correlator needs a binary code; {codes.kind!r} is multi-level")
        self.synapse, self.codes, self.mode, self.fmts = synapse, codes, mode, fmts
        self.correlator = ("sign" if codes.binary else "multiplier") if correlator == "auto" else correlator
        theta = shape_of(fmts.theta)
        gshape = shape_of(g_format(mode, fmts))
        super().__init__(
            {
                "advance": In(1),
                "restart": In(1),
                "index": In(codes.index_width),
                "perturb": In(1),
                "dtheta": In(theta),
                "value": In(signed(broadcast_width(mode, fmts))),
                "correlate": In(1),
                "update": In(1),
                "eta": In(shape_of(fmts.eta)),
                "load": In(1),
                "load_value": In(theta),
                "code": Out(signed(codes.width)),
                "weight": Out(theta),
                "theta": Out(theta),
                "g": Out(gshape),
            }
        )

    latency = 1

    def elaborate(self, platform):
        m = Module()
        codes, f = self.codes, self.fmts
        bw = broadcast_width(self.mode, f)
        m.submodules.perturbator = ptb = Perturbator(self.synapse, codes)
        if self.correlator == "sign":
            m.submodules.correlator = corr = SignCorrelator(bw)
        else:
            m.submodules.correlator = corr = MultiplierCorrelator(bw, codes.width, codes.frac)
        gfmt = g_format(self.mode, f)
        m.submodules.accumulator = acc = GAccumulator(gfmt, len(corr.e))
        m.submodules.updater = upd = Updater(self.mode, f)

        m.d.comb += [
            ptb.advance.eq(self.advance),
            ptb.restart.eq(self.restart),
            ptb.index.eq(self.index),
            self.code.eq(ptb.code),
            corr.code.eq(ptb.code),
            corr.value.eq(self.value),
            acc.e.eq(corr.e),
            acc.add.eq(self.correlate),
            acc.clear.eq(self.update | self.load),
            upd.g.eq(acc.acc),
            upd.update.eq(self.update),
            upd.eta.eq(self.eta),
            upd.load.eq(self.load),
            upd.load_value.eq(self.load_value),
            self.theta.eq(upd.theta),
            self.g.eq(acc.g),
        ]
        if codes.binary:
            delta = Mux(ptb.code == 0, 0, Mux(ptb.code[-1], -self.dtheta, self.dtheta))
        else:
            delta = floor_shift(ptb.code * self.dtheta, codes.frac)
        m.d.comb += self.weight.eq(Mux(self.perturb, saturate(upd.theta + delta, f.theta), upd.theta))
        return m
