"""The folded trainer's codes: one shared counter, and a lane's code from its stored key (a parity or a compare)."""

from amaranth.hdl import Cat, Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from mgd.golden_model.codes import CodeSpec
from mgd.golden_model.folded_layout import FoldedLayout
from mgd.golden_model.lfsr import BASE_SEED

from .controller import wrap_increment

__all__ = ["CodeCounter", "lane_code", "counter_width", "key_width"]


def counter_width(codes: CodeSpec) -> int:
    """Bits of the shared counter: the LFSR's state (LFSR kinds) or the broadcast counter t' (Walsh, sequential)."""
    return codes.lfsr.width if codes.kind.startswith("lfsr") else codes.index_width


def lane_code(codes: CodeSpec, key, valid, counter):
    """The code (signed(``codes.width``), ``codes.frac`` fraction bits) of the parameter whose key is ``key`` at the
    shared ``counter``; 0 when ``valid`` is 0 (golden: :func:`mgd.golden_model.folded_layout.key_code`).
    Combinational: a parity of ≤ 16 bits per code bit, or one compare."""
    if codes.kind == "lfsr":
        code = Mux((key & counter).xor(), 1, -1)
    elif codes.kind == "lfsr_multilevel":
        w, lv = codes.lfsr.width, codes.levels_bits
        v = Cat(*[(key[b * w : (b + 1) * w] & counter).xor() for b in range(lv)])
        code = (v << 1) + 1 - (1 << lv)
    elif codes.kind == "walsh":
        code = Mux((key & counter).xor(), -1, 1)
    else:
        code = Mux(key == counter, 1, 0)
    return Mux(valid, code, 0)


class CodeCounter(wiring.Component):
    """The counter every lane's code reads (:mod:`mgd.golden_model.folded_layout`): the base LFSR (seeded with the
    base sequence's first state, stepping as every synapse's LFSR does) or the broadcast counter t' modulo the
    code's index period.

    Ports: ``restart`` In(1) (back to the first state; wins), ``advance`` In(1) (one code step at this edge),
    ``counter`` Out(:func:`counter_width`), a register; ``index`` Out(``codes.index_width``): t' (0 for the LFSR
    kinds), what the trace calls the index. Latency: 1 cycle from ``advance`` to ``counter``.
    """

    def __init__(self, codes: CodeSpec):
        self.codes = codes
        super().__init__(
            {
                "restart": In(1),
                "advance": In(1),
                "counter": Out(counter_width(codes)),
                "index": Out(codes.index_width),
            }
        )

    latency = 1

    def elaborate(self, platform):
        m = Module()
        codes = self.codes
        if codes.kind.startswith("lfsr"):
            spec = codes.lfsr
            state = Signal(spec.width, init=BASE_SEED)
            stepped = (state >> 1) ^ Mux(state[0], spec.taps, 0)
            with m.If(self.restart):
                m.d.sync += state.eq(BASE_SEED)
            with m.Elif(self.advance):
                m.d.sync += state.eq(stepped)
            m.d.comb += self.counter.eq(state)
        else:
            index = Signal(codes.index_width)
            with m.If(self.restart):
                m.d.sync += index.eq(0)
            with m.Elif(self.advance):
                m.d.sync += index.eq(wrap_increment(index, codes.index_period))
            m.d.comb += [self.counter.eq(index), self.index.eq(index)]
        return m


def key_width(codes: CodeSpec) -> int:
    """Bits of a lane's key (:meth:`FoldedLayout.key_width <mgd.golden_model.folded_layout.FoldedLayout>`)."""
    return FoldedLayout.key_width(codes)
