"""Per-synapse LFSR code perturbator."""

from amaranth.hdl import Const, Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from mgd.golden_model.lfsr import DEFAULT_LFSR, LFSRSpec

__all__ = ["LFSRPerturbator"]


class LFSRPerturbator(wiring.Component):
    """The perturbation sign of one synapse: a Galois LFSR (:mod:`mgd.golden_model.lfsr`) advanced by ``advance``.

    Parameters: ``synapse`` (its index: selects the phase of the m-sequence) and ``spec`` (width, taps, stride).

    Ports
    -----
    advance : In(1)
        Step the LFSR at this clock edge (the controller's τp strobe).
    restart : In(1)
        Reload the seed state at this edge (a new training run; takes precedence over ``advance``).
    sign : Out(1)
        Code bit: 1 = +Δθ, 0 = −Δθ. Combinational from the state register: it changes one cycle after ``advance``.
    state : Out(spec.width)
        The LFSR state itself (its low bits make the multi-level code of :class:`~mgd.rtl.perturbator.Perturbator`).

    Cost: ``spec.width`` flip-flops and a few XOR gates. Latency: 1 cycle from ``advance`` to the new ``sign``.
    """

    def __init__(self, synapse: int, spec: LFSRSpec = DEFAULT_LFSR):
        self.spec = spec
        self.synapse = synapse
        self.seed = spec.seed(synapse)
        super().__init__({"advance": In(1), "restart": In(1), "sign": Out(1), "state": Out(spec.width)})

    latency = 1

    def elaborate(self, platform):
        m = Module()
        w = self.spec.width
        state = Signal(w, init=self.seed)
        feedback = Const(self.spec.taps, w)
        with m.If(self.restart):
            m.d.sync += state.eq(self.seed)
        with m.Elif(self.advance):
            with m.If(state[0]):
                m.d.sync += state.eq((state >> 1) ^ feedback)
            with m.Else():
                m.d.sync += state.eq(state >> 1)
        m.d.comb += [self.sign.eq(state[0]), self.state.eq(state)]
        return m
