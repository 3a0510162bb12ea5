"""UART transmitter, 8N1, fixed divisor."""

from amaranth.hdl import Cat, Module, Signal
from amaranth.lib import stream, wiring
from amaranth.lib.wiring import In, Out

__all__ = ["UARTTransmitter"]


class UARTTransmitter(wiring.Component):
    """Sends the bytes of the ``data`` stream on ``tx`` as 8N1 (idle high, LSB first), ``divisor`` clock cycles per
    bit (≥ 1). ``data.ready`` is high while idle and in the last cycle of a stop bit; a byte is taken when
    ``valid & ready`` and its start bit begins on the next cycle, so a stream of bytes goes out at exactly
    10·divisor cycles per byte. ``tx`` comes from a register."""

    @staticmethod
    def check(divisor: int) -> int:
        """Validate the divisor (called by the constructor)."""
        if not isinstance(divisor, int) or divisor < 1:
            raise ValueError(f"divisor (clock cycles per bit) must be a positive integer, got {divisor!r}")
        return divisor

    def __init__(self, divisor: int):
        self.divisor = self.check(divisor)
        super().__init__({"data": In(stream.Signature(8)), "tx": Out(1, init=1)})

    def elaborate(self, platform):
        m = Module()
        timer = Signal(range(self.divisor))
        shreg = Signal(10, init=0x3FF)  # stop bit, 8 data bits, start bit; shifted out LSB first
        bits = Signal(range(11))
        # ready when idle, or in the last cycle of a stop bit: back-to-back bytes leave no gap on the line
        m.d.comb += [self.data.ready.eq((bits == 0) | ((bits == 1) & (timer == 0))), self.tx.eq(shreg[0])]
        with m.If(self.data.valid & self.data.ready):
            m.d.sync += [shreg.eq(Cat(0, self.data.payload, 1)), bits.eq(10), timer.eq(self.divisor - 1)]
        with m.Elif(bits == 0):
            pass
        with m.Elif(timer == 0):
            m.d.sync += [shreg.eq(Cat(shreg[1:], 1)), bits.eq(bits - 1), timer.eq(self.divisor - 1)]
        with m.Else():
            m.d.sync += timer.eq(timer - 1)
        return m
