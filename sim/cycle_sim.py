"""Cycle-by-cycle Amaranth simulation of a component: drive its inputs, record its outputs, every cycle.

:func:`run_cycles` is the harness of the unit tests (model-equivalence style): cycle c applies ``inputs[c]``,
then records every output as seen *during* cycle c (inputs applied, combinational logic settled, before the
clock edge), then ticks. A ``"reset"`` key asserts the synchronous reset for that edge (the component is wrapped in
a :class:`~amaranth.hdl.ResetInserter`), so a test can reset mid-run.
"""

from __future__ import annotations

from amaranth.hdl import ResetInserter, Signal
from amaranth.sim import Simulator

__all__ = ["run_cycles"]

CLOCK_PERIOD = 1e-8


def _port(dut, name):
    return getattr(dut, name)


def run_cycles(dut, inputs: list[dict], outputs: list[str], *, vcd: str | None = None) -> dict[str, list]:
    """Simulate ``dut`` for ``len(inputs)`` cycles; return ``{output: [value per cycle]}``.

    Input values are ints, or lists of ints for array ports (set element by element). Unmentioned inputs keep their
    last value (initially 0). Output values are ints (signed ports read as signed) or lists for array ports."""
    rst = Signal()
    top = ResetInserter(rst)(dut)
    seen = {name: [] for name in outputs}

    async def bench(ctx):
        for cycle in inputs:
            for name, value in cycle.items():
                if name == "reset":
                    ctx.set(rst, int(value))
                elif isinstance(value, list | tuple):
                    port = _port(dut, name)
                    for k, v in enumerate(value):
                        ctx.set(port[k], int(v))
                else:
                    ctx.set(_port(dut, name), int(value))
            for name in outputs:
                value = ctx.get(_port(dut, name))
                seen[name].append(value if isinstance(value, int) else [int(v) for v in value])
            await ctx.tick()

    sim = Simulator(top)
    sim.add_clock(CLOCK_PERIOD)
    sim.add_testbench(bench)
    if vcd:
        with sim.write_vcd(vcd):
            sim.run()
    else:
        sim.run()
    return seen
