"""A board top in Amaranth simulation behind a bit-level UART model: a transport for the host driver.

:class:`SimulatedBoard` runs any component with ``rx``/``tx`` ports (e.g. :class:`~mgd.boards.board_trainer.
BoardTrainer`) in the Amaranth simulator. Two background testbenches are the host's UART: one drives ``rx`` bit
by bit (8N1, LSB first, ``divisor`` cycles per bit) from a byte queue, the other watches ``tx``, samples each bit
in its middle and collects the bytes (a low stop bit is recorded in ``framing_errors``). The simulation only
advances inside :meth:`read` and :meth:`idle`, so the driver's code runs unchanged against it; simulated time is
``cycles · period``, and timeouts are in simulated seconds.
"""

from __future__ import annotations

from collections import deque

from amaranth.sim import Simulator

__all__ = ["SimulatedBoard"]


class SimulatedBoard:
    """Transport (``write``/``read``/``idle``) to ``dut`` in simulation. ``period``: simulated clock period in
    seconds; ``vcd``: optional path of a waveform file (closed by :meth:`close`)."""

    def __init__(self, dut, divisor: int, *, period: float = 1e-6, vcd: str | None = None):
        self.dut, self.divisor, self.period = dut, divisor, period
        self.to_board: deque[int] = deque()
        self.from_board: deque[int] = deque()
        self.framing_errors = 0
        self.line_override: list[int] | None = None  # raw rx levels to drive, one per cycle (glitch tests)
        self.sim = Simulator(dut)
        self.sim.add_clock(period)
        self.sim.add_testbench(self._drive_rx, background=True)
        self.sim.add_testbench(self._watch_tx, background=True)
        self.cycles = 0
        self._vcd = None
        if vcd is not None:
            self._vcd = self.sim.write_vcd(vcd)
            self._vcd.__enter__()

    async def _drive_rx(self, ctx):
        ctx.set(self.dut.rx, 1)
        while True:
            if self.line_override:
                ctx.set(self.dut.rx, self.line_override.pop(0))
                await ctx.tick()
            elif self.to_board:
                byte = self.to_board.popleft()
                for bit in [0, *((byte >> i) & 1 for i in range(8)), 1]:
                    ctx.set(self.dut.rx, bit)
                    await ctx.tick().repeat(self.divisor)
            else:
                ctx.set(self.dut.rx, 1)
                await ctx.tick()

    async def _watch_tx(self, ctx):
        d = self.divisor
        while True:
            while ctx.get(self.dut.tx):
                await ctx.tick()
            await ctx.tick().repeat(d // 2)
            if ctx.get(self.dut.tx):
                continue  # not a start bit
            byte = 0
            for i in range(8):
                await ctx.tick().repeat(d)
                byte |= ctx.get(self.dut.tx) << i
            await ctx.tick().repeat(d)
            if ctx.get(self.dut.tx):
                self.from_board.append(byte)
            else:
                self.framing_errors += 1

    # ------------------------------------------------------------ transport

    def run_cycles(self, n: int) -> None:
        self.cycles += n
        self.sim.run_until(self.cycles * self.period)

    def write(self, data: bytes) -> None:
        self.to_board.extend(data)

    def read(self, n: int, timeout: float) -> bytes:
        limit = self.cycles + max(0, round(timeout / self.period))
        chunk = self.divisor * 10
        while len(self.from_board) < n and self.cycles < limit:
            self.run_cycles(min(chunk, limit - self.cycles))
        return bytes(self.from_board.popleft() for _ in range(min(n, len(self.from_board))))

    def idle(self, seconds: float) -> None:
        """Let simulated time pass (the queued bytes still go out)."""
        self.run_cycles(max(1, round(seconds / self.period)))

    def close(self) -> None:
        if self._vcd is not None:
            self._vcd.__exit__(None, None, None)
            self._vcd = None
