"""The probe: a tiny Verilog design through the post-synthesis path, which reproduces the known ``synth_ice40 -dsp``
bug and exercises the ECP5 cell models beyond what the trainer uses (a written block RAM)."""

from __future__ import annotations

import re
from pathlib import Path

from mgd.toolchain import SimulationError, icarus, synthesize

from .postsynth_cells import cell_library, check_cells, check_flow

__all__ = ["PROBE_VERILOG", "PROBE_TESTBENCH", "probe"]


#: A tiny design for the same synthesize-and-simulate path: ``y`` is the 33-bit ``c + a*b`` that Yosys 0.70's
#: ``synth_ice40 -dsp`` gets wrong (the top bit is the SB_MAC16's carry out, which the mapping loses: the log says
#: "Driver-driver conflict for \\y [32] ... Resolved using constant"); ``sy`` a signed 20×12 product (split into
#: mixed-sign 18×18 pieces on ECP5, as in the trainer's array); ``rdata`` a 512×18 RAM with a write port (DP16KD /
#: SB_RAM40_4K: the trainer only reads its ROMs).
PROBE_VERILOG = """\
module probe(input clk, input [15:0] a, input [15:0] b, input [32:0] c, output [32:0] y,
             input signed [19:0] sa, input signed [11:0] sb, output signed [31:0] sy,
             input we, input [8:0] waddr, input [8:0] raddr, input [17:0] wdata, output reg [17:0] rdata);
  assign y = c + a * b;
  assign sy = sa * sb;
  reg [17:0] mem [0:511];
  always @(posedge clk) begin
    if (we) mem[waddr] <= wdata;
    rdata <= mem[raddr];
  end
endmodule
"""

PROBE_TESTBENCH = """\
`timescale 1ns/1ps
module tb;
  reg clk = 1'b0;
  reg [15:0] a, b; reg [32:0] c; wire [32:0] y;
  reg signed [19:0] sa; reg signed [11:0] sb; wire signed [31:0] sy;
  reg we; reg [8:0] waddr, raddr; reg [17:0] wdata; wire [17:0] rdata;
  reg [17:0] model [0:511]; reg [17:0] expect_rdata;
  integer i, errors_y = 0, errors_sy = 0, errors_rdata = 0;
  probe dut(.clk(clk), .a(a), .b(b), .c(c), .y(y), .sa(sa), .sb(sb), .sy(sy),
            .we(we), .waddr(waddr), .raddr(raddr), .wdata(wdata), .rdata(rdata));
  initial begin
    for (i = 0; i < 512; i = i + 1) begin   // fill the RAM first (its initial content is undefined)
      we = 1'b1; waddr = i; wdata = $random; raddr = 0; model[i] = wdata;
      #5 clk = 1'b1; #5 clk = 1'b0;
    end
    for (i = 0; i < VECTORS; i = i + 1) begin
      a = $random; b = $random; c = {$random, $random}; sa = $random; sb = $random;
      we = $random; waddr = $random; raddr = $random; wdata = $random;
      #4;
      if (y !== c + a * b) errors_y = errors_y + 1;
      if (sy !== sa * sb) errors_sy = errors_sy + 1;
      expect_rdata = model[raddr];             // read before write
      if (we) model[waddr] = wdata;
      #1 clk = 1'b1; #4;
      if (rdata !== expect_rdata) errors_rdata = errors_rdata + 1;
      #1 clk = 1'b0;
    end
    $display("ERRORS %0d %0d %0d", errors_y, errors_sy, errors_rdata);
    $finish;
  end
endmodule
"""


def probe(flow: str, workdir, *, vectors: int = 1000) -> dict:
    """Synthesize :data:`PROBE_VERILOG` with ``flow``, simulate ``vectors`` random input vectors against the
    testbench's own Verilog arithmetic and return ``{"errors": {"y", "sy", "rdata"}, "netlist": SynthResult}``
    (errors: vectors whose output differed)."""
    f = check_flow(flow)
    workdir = Path(workdir)
    netlist = synthesize(
        PROBE_VERILOG, f["family"], top="probe", dsp=f["dsp"], workdir=workdir, language="verilog", verilog_netlist=True
    )
    check_cells(netlist)
    (workdir / "tb.v").write_text(PROBE_TESTBENCH.replace("VECTORS", str(int(vectors))))
    files, args = cell_library(flow)
    icarus.iverilog(
        ["tb.v", "netlist.v", *files],
        output="probe.vvp",
        top="tb",
        args=args,
        cwd=workdir,
        what=f"iverilog of the {flow} probe",
    )
    out, _ = icarus.vvp("probe.vvp", cwd=workdir, what=f"vvp of the {flow} probe")
    if "CELL MODEL ERROR" in out:
        raise SimulationError(out)
    m = re.search(r"^ERRORS (\d+) (\d+) (\d+)$", out, re.M)
    if not m:
        raise SimulationError(f"the {flow} probe printed no result:\n{out[-2000:]}")
    return {"errors": dict(zip(("y", "sy", "rdata"), map(int, m.groups()), strict=True)), "netlist": netlist}
