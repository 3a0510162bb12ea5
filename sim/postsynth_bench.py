"""The Verilog testbench of a trainer netlist and the parser of its output, generated from the trainer's signature.

Every port of the testbench comes from :attr:`Trainer.signature <mgd.rtl.trainer.Trainer>` (the runtime registers,
``start``, the status outputs and the θ readout of :mod:`mgd.rtl.trainer_interfaces`), so a register added to
:class:`~mgd.golden_model.schedule.Registers` reaches the testbench without an edit here. The trace names are the
status members' (``phase``, ``step``, …) and ``read_addr``/``read_theta`` for the readout, as in the golden trace.
"""

from __future__ import annotations

import re

import numpy as np
from amaranth.lib import wiring

from mgd.golden_model.formats import DEFAULT_FORMATS
from mgd.rtl.trainer_build import Build
from mgd.rtl.trainer_interfaces import StatusSignature, port_name, port_shapes

__all__ = ["SIGNALS", "UNDEFINED", "TOP", "TestbenchError", "trace_name", "testbench", "parse_output"]

TOP = "mgd_trainer"

#: the compared signals: the trainer's status outputs and the θ readout (trace names)
SIGNALS = (*StatusSignature(DEFAULT_FORMATS, "prescaled").members, "read_theta")

#: the value a sample gets when the netlist shows an x or z bit (no port of the trainer can hold it)
UNDEFINED = -(1 << 62)


class TestbenchError(RuntimeError):
    """The testbench's output is not what :func:`testbench` prints."""


def trace_name(path: tuple[str, ...]) -> str:
    """The trace name of the trainer member at ``path``: ``read_addr``/``read_theta`` for the readout, else the last
    name (``("status", "phase")`` → ``phase``, ``("regs", "eta")`` → ``eta``)."""
    return f"read_{path[-1]}" if path[0] == "readout" else path[-1]


def _shown(ports) -> list[tuple[str, ...]]:
    """The printed ports, in order: the status members, then ``read_addr`` and ``read_theta``."""
    status = [p for p in ports if p[0] == "status"]
    return [*status, ("readout", "addr"), ("readout", "theta")]


def testbench(b: Build, *, limit: int, read_addr: int | None = None, reset_cycles: int = 2, module: str = "tb") -> str:
    """Verilog testbench for the netlist of ``b.trainer``: ``reset_cycles`` rising edges with ``rst`` high (0: no
    reset at all, the flip-flops start from their power-on values as in the Amaranth simulation), then cycle 0
    writes the registers ``b.regs`` and pulses ``start``; every cycle the inputs change at the falling edge and one
    line ``T cycle <hex per signal>`` (the status members in order, ``read_addr``, ``read_theta``) is printed 1 ns
    before the rising edge. Ends after the first cycle > 0 that shows ``done`` (``DONE``), or after ``limit``
    cycles (``LIMIT``). ``read_addr``: a fixed synapse, or None to sweep ``cycle mod P``."""
    ports = port_shapes(b.trainer.signature)
    n_syn = len(b.trainer.synapses)
    if read_addr is not None and not 0 <= read_addr < n_syn:
        raise ValueError(f"read_addr must be in [0, {n_syn - 1}], got {read_addr}")
    if reset_cycles < 0:
        raise ValueError(f"reset_cycles must be at least 0, got {reset_cycles}")
    lines = ["`timescale 1ns/1ps", f"module {module};", f"  reg clk = 1'b0, rst = 1'b{int(reset_cycles > 0)};"]
    for path, (flow, shape) in ports.items():
        name, width = port_name(*path), shape.width
        if flow == wiring.In:
            init = getattr(b.regs, path[-1]) if path[0] == "regs" else 0
            lines.append(f"  reg [{width - 1}:0] {name} = {width}'d{init};")
        else:
            lines.append(f"  wire [{width - 1}:0] {name};")
    conns = ", ".join(f".{n}({n})" for n in (*(port_name(*p) for p in ports), "clk", "rst"))
    addr = str(read_addr) if read_addr is not None else f"cyc % {n_syn}"
    shown = [port_name(*p) for p in _shown(ports)]
    fmt = " ".join(["%0d"] + ["%h"] * len(shown))
    lines += [
        f"  {TOP} dut({conns});",
        "  always #5 clk = ~clk;   // rising edges at 5, 15, 25, ... ns",
        "  integer cyc;",
        "  initial begin",
        f"    repeat ({reset_cycles}) @(posedge clk);",
        "    @(negedge clk);",
        "    rst = 1'b0;",
        f"    for (cyc = 0; cyc < {limit}; cyc = cyc + 1) begin",
        "      start = (cyc == 0);",
        f"      {port_name('readout', 'addr')} = {addr};",
        "      #4;   // 1 ns before the rising edge: this cycle's values",
        f'      $display("T {fmt}", cyc, {", ".join(shown)});',
        f"      if (cyc > 0 && {port_name('status', 'done')} === 1'b1) begin",
        '        $display("DONE");',
        "        $finish;",
        "      end",
        "      @(negedge clk);",
        "    end",
        '    $display("LIMIT");',
        "    $finish;",
        "  end",
        "endmodule",
    ]
    return "\n".join(lines) + "\n"


def parse_output(text: str, b: Build) -> dict[str, np.ndarray]:
    """The trace in the ``T`` lines of a :func:`testbench` run: int64 arrays per signal (trace names; signed ports
    sign-extended, any x/z digit → :data:`UNDEFINED`), ``read_addr`` included."""
    ports = port_shapes(b.trainer.signature)
    shown = _shown(ports)
    rows = []
    for line in text.splitlines():
        if not line.startswith("T "):
            continue
        fields = line.split()[2:]
        if len(fields) != len(shown):
            raise TestbenchError(f"malformed testbench line: {line!r}")
        row = []
        for path, digits in zip(shown, fields, strict=True):
            if not re.fullmatch(r"[0-9a-fA-F]+", digits):
                row.append(UNDEFINED)
                continue
            value, shape = int(digits, 16), ports[path][1]
            if shape.signed and value >> (shape.width - 1):
                value -= 1 << shape.width
            row.append(value)
        rows.append(row)
    return {trace_name(p): np.array([r[i] for r in rows], dtype=np.int64) for i, p in enumerate(shown)}
