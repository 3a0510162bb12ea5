"""A synapse's perturbator: the code cᵢ of :mod:`mgd.golden_model.codes`, kind chosen at elaboration."""

from amaranth.hdl import Const, Module, signed
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from mgd.golden_model.codes import CodeSpec

from .lfsr_perturbator import LFSRPerturbator

__all__ = ["Perturbator"]


class Perturbator(wiring.Component):
    """The perturbation code of synapse ``synapse`` for the code family ``codes`` (θ̃ = c·Δθ).

    ====================  =====================================================================================
    ``lfsr``              c = ±1 from the synapse's own LFSR (``codes.lfsr.width`` flip-flops)
    ``lfsr_multilevel``   c = (2v + 1 − 2^m)/2^m, v = the LFSR state's m low bits (``codes.levels_bits``)
    ``walsh``             c = (−1)^popcount((i+1) & index): no state, a few LUTs on the broadcast counter
    ``sequential``        c = 1 if index == i else 0: an equality compare on the broadcast counter
    ====================  =====================================================================================

    Ports
    -----
    advance : In(1)
        τp strobe: the LFSR kinds step at this edge (ignored by the others).
    restart : In(1)
        The LFSR kinds reload their seed state at this edge (precedence over ``advance``).
    index : In(codes.index_width)
        The controller's broadcast perturbation counter (used by ``walsh`` and ``sequential``).
    code : Out(signed(codes.width))
        c with ``codes.frac`` fraction bits. LFSR kinds: from the state register, 1 cycle after ``advance``;
        Walsh/sequential: combinational from ``index`` (0 cycles).
    """

    def __init__(self, synapse: int, codes: CodeSpec):
        if not 0 <= synapse < codes.n_synapses:
            raise ValueError(f"synapse index {synapse} outside [0, {codes.n_synapses})")
        self.synapse, self.codes = synapse, codes
        super().__init__(
            {"advance": In(1), "restart": In(1), "index": In(codes.index_width), "code": Out(signed(codes.width))}
        )

    @property
    def latency(self) -> int:
        """Cycles from ``advance`` (LFSR kinds) or ``index`` (counter kinds) to ``code``."""
        return 1 if self.codes.kind.startswith("lfsr") else 0

    def elaborate(self, platform):
        m = Module()
        kind, i = self.codes.kind, self.synapse
        if kind.startswith("lfsr"):
            m.submodules.lfsr = lfsr = LFSRPerturbator(i, self.codes.lfsr)
            m.d.comb += [lfsr.advance.eq(self.advance), lfsr.restart.eq(self.restart)]
            if kind == "lfsr":
                m.d.comb += self.code.eq((lfsr.sign << 1) - 1)
            else:
                lv = self.codes.levels_bits
                m.d.comb += self.code.eq((lfsr.state[:lv] << 1) + 1 - (1 << lv))
        elif kind == "walsh":
            m.d.comb += self.code.eq(1 - ((self.index & Const(i + 1, self.codes.index_width)).xor() << 1))
        else:
            m.d.comb += self.code.eq(self.index == i)
        return m
