"""Shared pieces of the cocotb testbenches (imported inside the simulator, not by pytest).

The pytest side (``conftest.py``) writes a JSON *job* (configuration, broadcast mode, what to run, where to write the
observed trace) and passes its path in ``MGD_TB_JOB``. Every testbench drives the design cycle by cycle:

* at the falling edge of cycle c it writes cycle c's inputs,
* in ``ReadOnly`` of that time step it reads the outputs (combinational paths settled, before the next edge), and
  compares them with the golden model's values *during* cycle c,
* at the rising edge the design and the golden model both take cycle c's edge.

This is the convention of the Amaranth-level harnesses (``mgd.sim.cycle_sim.run_cycles``, ``simulate``): the values
recorded for a cycle are those visible before its clock edge. The reset is Amaranth's synchronous ``rst`` of the
``sync`` domain (active high, sampled at the rising edge of ``clk``).
"""

from __future__ import annotations

import json
import os

from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, RisingEdge
from cocotb.types import LogicArray

CLOCK_NS = 10


def load_job() -> dict:
    with open(os.environ["MGD_TB_JOB"]) as f:
        return json.load(f)


def read(handle, signed: bool) -> int:
    """The integer value of a signal (two's complement when ``signed``); X/Z bits make this raise."""
    value = handle.value
    if isinstance(value, LogicArray):
        return value.to_signed() if signed else value.to_unsigned()
    return int(value)  # a 1-bit signal reads as a Logic


async def start(dut, reset_cycles: int = 2) -> None:
    """Start ``clk`` and hold ``rst`` for ``reset_cycles`` rising edges; return at the falling edge that begins
    cycle 0 with ``rst`` released (the caller writes cycle 0's inputs next)."""
    dut.rst.value = 1
    Clock(dut.clk, CLOCK_NS, unit="ns").start()
    for _ in range(reset_cycles):
        await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0


def pack(values, width: int) -> int:
    """Elements of an Amaranth ``ArrayLayout`` port as one unsigned integer (element k at bits [k·w, (k+1)·w))."""
    mask = (1 << width) - 1
    return sum((int(v) & mask) << (k * width) for k, v in enumerate(values))


class Mismatches:
    """Per-cycle differences between the design and the golden model, with a readable summary."""

    def __init__(self, limit: int = 10):
        self.count, self.first, self.limit = 0, [], limit
        self.per_signal: dict[str, int] = {}

    def check(self, cycle: int, name: str, got, want) -> None:
        if got != want:
            self.count += 1
            self.per_signal[name] = self.per_signal.get(name, 0) + 1
            if len(self.first) < self.limit:
                self.first.append(f"cycle {cycle}: {name} = {got}, golden {want}")

    def compare(self, cycle: int, ports: dict, want: dict, rows: dict) -> None:
        """Read every ``ports[name] = (handle, signed)``, append it to ``rows[name]`` and check it against
        ``want[name]`` (an integer)."""
        for name, (handle, signed) in ports.items():
            got = read(handle, signed)
            rows[name].append(got)
            self.check(cycle, name, got, int(want[name]))

    def report(self) -> str:
        return f"{self.count} mismatches (per signal: {self.per_signal}); first:\n  " + "\n  ".join(self.first)
