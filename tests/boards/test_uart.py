"""UART receiver and transmitter against the bit-level UART model of mgd.sim.uart_model (independent of the RTL):
an echo design (receiver → transmitter) must return every byte sent to it, at several divisors."""

import pytest
from amaranth.hdl import Module
from amaranth.lib import wiring
from amaranth.lib.fifo import SyncFIFO
from amaranth.lib.wiring import In, Out

from mgd.boards.uart_rx import UARTReceiver
from mgd.boards.uart_tx import UARTTransmitter
from mgd.sim.uart_model import SimulatedBoard


class Echo(wiring.Component):
    def __init__(self, divisor):
        self.divisor = divisor
        super().__init__({"rx": In(1, init=1), "tx": Out(1, init=1), "framing_errors": Out(8)})

    def elaborate(self, platform):
        m = Module()
        m.submodules.rx = rx = UARTReceiver(self.divisor)
        m.submodules.tx = tx = UARTTransmitter(self.divisor)
        # the transmitter starts a byte when the receiver has it (mid stop bit): a FIFO absorbs that phase
        m.submodules.fifo = fifo = SyncFIFO(width=8, depth=4)
        m.d.comb += [
            rx.rx.eq(self.rx),
            self.tx.eq(tx.tx),
            self.framing_errors.eq(rx.framing_errors),
            fifo.w_data.eq(rx.data.payload),
            fifo.w_en.eq(rx.data.valid),
            tx.data.payload.eq(fifo.r_data),
            tx.data.valid.eq(fifo.r_rdy),
            fifo.r_en.eq(tx.data.ready),
        ]
        return m


@pytest.mark.parametrize("divisor", [4, 5, 13])
def test_every_byte_value_echoes_back(divisor):
    dut = Echo(divisor)
    line = SimulatedBoard(dut, divisor)
    data = bytes(range(256))
    line.write(data)
    got = line.read(len(data), timeout=len(data) * 12 * divisor * line.period)
    assert got == data
    assert line.framing_errors == 0


def test_a_byte_with_a_low_stop_bit_is_dropped_and_the_next_one_is_received():
    divisor = 4
    dut = Echo(divisor)
    line = SimulatedBoard(dut, divisor)
    bad = [0] + [0] * 8 + [0]  # 0x00 with its stop bit low (a break)
    line.line_override = [1] * 8 + [b for b in bad for _ in range(divisor)] + [1] * (2 * divisor)
    line.idle(len(line.line_override) * line.period)
    line.write(b"\x5a")
    assert line.read(2, timeout=40 * divisor * line.period) == b"\x5a"


def test_a_glitch_shorter_than_half_a_bit_is_not_a_start_bit():
    divisor = 8
    dut = Echo(divisor)
    line = SimulatedBoard(dut, divisor)
    line.line_override = [1] * 4 + [0] * 2 + [1] * (4 * divisor)
    line.idle(len(line.line_override) * line.period)
    assert line.read(1, timeout=30 * divisor * line.period) == b""
    line.write(b"\xc3")
    assert line.read(1, timeout=30 * divisor * line.period) == b"\xc3"


@pytest.mark.parametrize("cls", [UARTReceiver, UARTTransmitter])
def test_bad_divisors_are_refused(cls):
    with pytest.raises(ValueError, match="divisor"):
        cls.check(0)
    with pytest.raises(ValueError, match="divisor"):
        cls.check(2.5)
