"""The host link's protocol engine: request frames in, register-bus accesses, response frames out."""

from amaranth.hdl import Array, Cat, Module, Mux, Signal
from amaranth.lib import stream, wiring
from amaranth.lib.wiring import In, Out

from . import host_protocol as proto

__all__ = ["RegisterBus", "HostLink", "crc8_next"]


class RegisterBus(wiring.Signature):
    """The register bus the host link drives (its ``Out`` members) and a register file answers (``In``).

    ``strobe`` is high for one cycle per access with ``addr``, ``write`` and ``wdata``; in that same cycle the
    register file answers combinationally with ``status`` (a :data:`~.host_protocol.STATUS` code) and, for reads,
    ``rdata``. A write takes effect only if ``status`` is ok, at the edge ending the strobe cycle or one later (the
    board's register file writes a cycle later: ``addr`` and ``wdata`` still hold then).
    ``addr``, ``write`` and ``wdata`` hold their values from the request's CRC byte on (a byte time, at least 10 bit
    periods ≥ 40 cycles, before the strobe, and until the next request's bytes arrive): a register file may decode,
    check and read a cycle or two ahead of the strobe, off its path."""

    def __init__(self):
        super().__init__(
            {"strobe": Out(1), "addr": Out(16), "write": Out(1), "wdata": Out(32), "status": In(3), "rdata": In(32)}
        )


def crc8_next(crc, byte):
    """CRC-8 (poly 0x07, MSB first) of ``crc`` updated with ``byte``, as an Amaranth expression.

    With initial value 0 and no final XOR the update is linear over GF(2) in d = crc ⊕ byte: output bit j is the
    XOR of the bits i of d for which :func:`~.host_protocol.crc8_update` (the golden function) maps the unit
    vector 1 << i to a value with bit j set. One XOR tree per output bit (an unrolled shift-and-conditional-XOR
    loop would duplicate its operand at every step)."""
    d = crc ^ byte
    columns = [proto.crc8_update(1 << i, 0) for i in range(8)]
    bits = []
    for j in range(8):
        taps = [d[i] for i in range(8) if columns[i] >> j & 1]
        bit = taps[0]
        for t in taps[1:]:
            bit = bit ^ t
        bits.append(bit)
    return Cat(*bits)


class HostLink(wiring.Component):
    """Parses request frames (:mod:`~.host_protocol`) from ``rx`` (a byte stream from the UART receiver), performs
    each valid one on ``bus`` and sends its response frame on ``tx`` (a byte stream to the UART transmitter).

    Frame handling: bytes other than the sync byte are dropped while waiting for a frame; a frame is abandoned
    (no response) when ``bit_tick`` (one pulse per bit period) counts ``timeout_bits`` bit periods without a
    byte; a CRC mismatch is answered with ``bad_crc`` and performs nothing; an unknown op with ``bad_op``.
    Parsing runs while a response is being sent, so back-to-back requests at line rate are served (a response
    is 7 bytes, a request 9). Latency: the bus strobe comes 1 cycle after the CRC byte is received, the
    response's first byte is offered the cycle after that.
    """

    def __init__(self, timeout_bits: int = proto.TIMEOUT_BIT_PERIODS):
        if not isinstance(timeout_bits, int) or timeout_bits < 10:
            raise ValueError(f"timeout_bits must be an integer >= 10 (one byte time), got {timeout_bits!r}")
        self.timeout_bits = timeout_bits
        super().__init__(
            {
                "rx": In(stream.Signature(8, always_ready=True)),
                "bit_tick": In(1),
                "tx": Out(stream.Signature(8)),
                "bus": Out(RegisterBus()),
                "bad_frames": Out(8),
            }
        )

    def elaborate(self, platform):
        m = Module()
        body = Array(Signal(8, name=f"body{i}") for i in range(proto.REQUEST_BYTES - 2))  # op, addr, data
        count = Signal(range(proto.REQUEST_BYTES))
        crc = Signal(8)
        idle_bits = Signal(range(self.timeout_bits + 1))
        op, addr, wdata = body[0], Cat(body[1], body[2]), Cat(body[3], body[4], body[5], body[6])

        # response: status + 4 data bytes, sent with the sync byte in front and the CRC behind
        resp_busy = Signal()
        resp_status, resp_data = Signal(8), Signal(32)
        resp_index = Signal(range(proto.RESPONSE_BYTES))
        resp_crc = Signal(8)
        resp_start = Signal()

        def count_bad():
            m.d.sync += self.bad_frames.eq(self.bad_frames + (self.bad_frames != 255))

        # the request's fields straight from the frame registers: stable from the CRC byte's cycle on
        m.d.comb += [self.bus.addr.eq(addr), self.bus.write.eq(op == proto.OP_WRITE), self.bus.wdata.eq(wdata)]
        with m.FSM():
            with m.State("sync"):
                with m.If(self.rx.valid & (self.rx.payload == proto.SYNC_REQUEST)):
                    m.d.sync += [count.eq(0), crc.eq(0), idle_bits.eq(0)]
                    m.next = "body"
            with m.State("body"):
                with m.If(self.rx.valid):
                    m.d.sync += [idle_bits.eq(0), count.eq(count + 1)]
                    with m.If(count == proto.REQUEST_BYTES - 2):
                        with m.If(self.rx.payload == crc):
                            m.next = "execute"
                        with m.Else():
                            count_bad()
                            m.next = "bad_crc"
                    with m.Else():
                        m.d.sync += [body[count].eq(self.rx.payload), crc.eq(crc8_next(crc, self.rx.payload))]
                with m.Elif(self.bit_tick):
                    m.d.sync += idle_bits.eq(idle_bits + 1)
                    with m.If(idle_bits == self.timeout_bits - 1):
                        count_bad()
                        m.next = "sync"
            with m.State("execute"):
                with m.If(~resp_busy):
                    known = (op == proto.OP_WRITE) | (op == proto.OP_READ)
                    m.d.comb += [self.bus.strobe.eq(known), resp_start.eq(1)]
                    with m.If(known):
                        m.d.sync += [
                            resp_status.eq(self.bus.status),
                            resp_data.eq(Mux(op == proto.OP_READ, self.bus.rdata, 0)),
                        ]
                    with m.Else():
                        m.d.sync += [resp_status.eq(proto.STATUS["bad_op"]), resp_data.eq(0)]
                    m.next = "sync"
            with m.State("bad_crc"):
                with m.If(~resp_busy):
                    m.d.comb += resp_start.eq(1)
                    m.d.sync += [resp_status.eq(proto.STATUS["bad_crc"]), resp_data.eq(0)]
                    m.next = "sync"

        with m.If(resp_start):
            m.d.sync += [resp_busy.eq(1), resp_index.eq(0), resp_crc.eq(0)]
        byte = Signal(8)
        with m.Switch(resp_index):
            with m.Case(0):
                m.d.comb += byte.eq(proto.SYNC_RESPONSE)
            with m.Case(1):
                m.d.comb += byte.eq(resp_status)
            for k in range(4):
                with m.Case(2 + k):
                    m.d.comb += byte.eq(resp_data.word_select(k, 8))
            with m.Default():
                m.d.comb += byte.eq(resp_crc)
        m.d.comb += [self.tx.valid.eq(resp_busy), self.tx.payload.eq(byte)]
        with m.If(self.tx.valid & self.tx.ready):
            m.d.sync += resp_index.eq(resp_index + 1)
            with m.If(resp_index != 0):
                m.d.sync += resp_crc.eq(crc8_next(resp_crc, byte))
            with m.If(resp_index == proto.RESPONSE_BYTES - 1):
                m.d.sync += resp_busy.eq(0)
        return m
