"""Cycle-by-cycle Amaranth simulation of a component: drive its inputs, record its outputs, every cycle.

:func:`run_cycles` is the harness of the unit tests (model-equivalence style): cycle c applies ``inputs[c]``,
then records every output as seen *during* cycle c (inputs applied, combinational logic settled, before the
clock edge), then ticks. A ``"reset"`` key asserts the synchronous reset for that edge (the component is wrapped in
a :class:`~amaranth.hdl.ResetInserter`), so a test can reset mid-run.
"""

from __future__ import annotations

from amaranth.hdl import ResetInserter, Signal
from amaranth.sim import Simulator

__all__ = ["run_cycles", "mismatches", "describe_mismatches"]

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
            if clocked:
                await ctx.tick()
            else:
                await ctx.delay(CLOCK_PERIOD)

    sim = Simulator(top)
    try:
        sim.add_clock(CLOCK_PERIOD)
        clocked = True
    except NameError:  # a purely combinational component: no sync domain, one "cycle" per clock period
        clocked = False
    sim.add_testbench(bench)
    if vcd:
        with sim.write_vcd(vcd):
            sim.run()
    else:
        sim.run()
    return seen


def mismatches(seen: dict[str, list], expected: dict[str, list]) -> list[tuple[str, int, object, object]]:
    """Every (signal, cycle, got, expected) where ``seen`` differs from ``expected`` (signals of ``expected``)."""
    out = []
    for name, want in expected.items():
        got = seen[name]
        if len(got) != len(want):
            raise ValueError(f"{name}: {len(got)} cycles simulated, {len(want)} expected")
        out.extend((name, c, g, w) for c, (g, w) in enumerate(zip(got, want, strict=True)) if g != w)
    return out


def describe_mismatches(found, limit: int = 5) -> str:
    """A readable summary of :func:`mismatches` (first ``limit`` of them, by cycle)."""
    if not found:
        return "0 mismatches"
    lines = [f"{len(found)} mismatches; first:"]
    lines += [f"  cycle {c}: {name} = {g}, expected {w}" for name, c, g, w in sorted(found, key=lambda m: m[1])[:limit]]
    return "\n".join(lines)
