"""UART receiver, 8N1, fixed divisor."""

from amaranth.hdl import Module, Signal
from amaranth.lib import stream, wiring
from amaranth.lib.cdc import FFSynchronizer
from amaranth.lib.wiring import In, Out

__all__ = ["UARTReceiver"]


class UARTReceiver(wiring.Component):
    """Receives 8N1 bytes on ``rx`` (idle high, LSB first) at ``divisor`` clock cycles per bit (≥ 4).

    ``rx`` passes a two-flip-flop synchronizer; the start bit is confirmed at its middle, each data bit is sampled
    at its middle, and a byte whose stop bit is low (framing error) is dropped and counted in ``framing_errors``.
    ``data`` is a stream of bytes without back-pressure: a byte not taken in the cycle it is valid is lost.
    ``bit_tick`` pulses once per bit period while idle or receiving (the host link's timeout counts it).

    Latency: ``data.valid`` rises 2 + ⌊divisor/2⌋ + 9·divisor cycles after the start bit's falling edge on ``rx``.
    """

    @staticmethod
    def check(divisor: int) -> int:
        """Validate the divisor (called by the constructor)."""
        if not isinstance(divisor, int) or divisor < 4:
            raise ValueError(f"divisor (clock cycles per bit) must be an integer >= 4, got {divisor!r}")
        return divisor

    def __init__(self, divisor: int):
        self.divisor = self.check(divisor)
        super().__init__(
            {
                "rx": In(1, init=1),
                "data": Out(stream.Signature(8, always_ready=True)),
                "bit_tick": Out(1),
                "framing_errors": Out(8),
            }
        )

    def elaborate(self, platform):
        m = Module()
        rx = Signal(init=1)
        m.submodules.sync_rx = FFSynchronizer(self.rx, rx, init=1)
        timer = Signal(range(self.divisor))
        free = Signal(range(self.divisor))
        bits = Signal(range(10))
        shreg = Signal(8)
        m.d.sync += self.data.valid.eq(0)

        m.d.sync += free.eq(free + 1)
        with m.If(free == self.divisor - 1):
            m.d.sync += free.eq(0)
            m.d.comb += self.bit_tick.eq(1)

        with m.FSM():
            with m.State("idle"):
                with m.If(~rx):
                    m.d.sync += timer.eq(self.divisor // 2 - 1)
                    m.next = "start"
            with m.State("start"):
                with m.If(timer == 0):
                    with m.If(rx):  # a glitch, not a start bit
                        m.next = "idle"
                    with m.Else():
                        m.d.sync += [timer.eq(self.divisor - 1), bits.eq(0)]
                        m.next = "data"
                with m.Else():
                    m.d.sync += timer.eq(timer - 1)
            with m.State("data"):
                with m.If(timer == 0):
                    m.d.sync += [timer.eq(self.divisor - 1), bits.eq(bits + 1)]
                    with m.If(bits == 8):
                        with m.If(rx):
                            m.d.sync += [self.data.payload.eq(shreg), self.data.valid.eq(1)]
                        with m.Else():
                            m.d.sync += self.framing_errors.eq(self.framing_errors + (self.framing_errors != 255))
                        m.next = "stop"
                    with m.Else():
                        m.d.sync += shreg.eq((shreg >> 1) | (rx << 7))
                with m.Else():
                    m.d.sync += timer.eq(timer - 1)
            with m.State("stop"):
                # back in the middle of the stop bit: wait for the line to be idle (high) before the next byte
                with m.If(rx):
                    m.next = "idle"
        return m
