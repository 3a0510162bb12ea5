"""The folded trainer on Verilator: every cycle's trace (as :func:`mgd.sim.folded_sim.simulate_folded` records it),
θ read back through the readout port at ``done``, and θ sampled during a run.

:class:`TraceTop` is a test-only Amaranth top around the unchanged :class:`~mgd.rtl.folded_trainer.FoldedTrainer`
(instance ``trainer``): the trainer's ports, passed through, plus ``probe.sample`` and ``probe.index`` (the
controller's sample address and the code counter's t', which the trace has and the trainer's ports do not). Amaranth
routes the two internal signals out as ports of the trainer's module; nothing else of the trainer changes.

:func:`wrapper` (Verilog module ``mgd_harness``, generated from the top's signature) holds the runtime registers in a
register file written once (``cfg_we``), ties ``rst`` low and the host port (if any) to 0, splits the write ports'
per-lane data into one output per lane, and peeks θ of one position straight from the θ memory by a hierarchical
reference (``dut.trainer.theta_memory``: a simulation backdoor, no port of the design; the readout port works only
while the trainer is idle or done). The C++ main (:func:`harness`) takes the registers and ``record``,
``sample_every``, ``cycle_limit`` on its command line, pulses ``start`` in cycle 0 and prints::

    T <cycle> <hex per traced output>     every cycle until done, if record (the values before the clock edge)
    S <step> <cycle> <θ_0> … <θ_P-1>      θ peeked in the begin phase when step mod sample_every = 0, and at done
    R <θ_0> … <θ_P-1>                     after done: θ through the readout port (address = position, latency 1)
    D <cycles> <wall s> <CPU s>           done seen (cycles: start through the first cycle showing done)
    E no done within <limit> cycles       (exit status 3)

θ changes only at a window's end and the folded trainer leaves its ``correlate`` phase only after the window's last θ
write, so in every ``begin`` cycle the θ memory holds θ after ``step`` steps (FixedMGD's).
"""

from __future__ import annotations

import functools
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from amaranth.back import verilog
from amaranth.hdl import Module, Shape
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from mgd.golden_model.folded_schedule import FoldedScheduleModel
from mgd.golden_model.schedule import PHASES, TRACE_SIGNALS, Registers
from mgd.rtl.folded_trainer import FoldedTrainer
from mgd.rtl.trainer_build import Build, cycle_limit
from mgd.rtl.trainer_interfaces import port_name, port_shapes
from mgd.toolchain.verilator import VerilatorError, compile_model

from .verilator_backend import MAKE_OPT, VERILATOR_FLAGS
from .verilator_harness import WRAPPER

__all__ = [
    "TraceTop",
    "FoldedVerilatorBuild",
    "trace_verilog",
    "wrapper",
    "harness",
    "build_folded",
    "run_folded",
    "HARNESS",
    "TOP",
]

TOP = "mgd_trainer"
HARNESS = WRAPPER  #: the wrapper module (VERILATOR_FLAGS name it as the top module)
#: the traced scalar outputs of the wrapper: the trace's scalar signals and the write ports' enables and address
SCALARS = (*TRACE_SIGNALS, "theta_we", "g_we", "wr_addr")
LANE_SIGNALS = ("theta_wdata", "g_wdata")


def _at(obj, path):
    return functools.reduce(getattr, path, obj)


class TraceTop(wiring.Component):
    """The folded ``trainer`` (a submodule, unchanged) with its members passed through and ``probe`` (Out):
    ``sample`` (the controller's sample address) and ``index`` (the code counter's t'; 0 for the LFSR codes)."""

    def __init__(self, trainer: FoldedTrainer):
        self.trainer = trainer
        super().__init__(_signature(trainer))

    def elaborate(self, platform):
        m = Module()
        t = self.trainer
        m.submodules.trainer = t
        for path, member in t.signature.members.flatten():
            if not member.is_port:
                continue
            mine, theirs = _at(self, path), _at(t, path)
            m.d.comb += theirs.eq(mine) if member.flow == In else mine.eq(theirs)
        m.d.comb += [self.probe.sample.eq(t.controller.sample), self.probe.index.eq(t.code_counter.index)]
        return m


def trace_verilog(b: Build) -> str:
    """Verilog of :class:`TraceTop` around the build's folded trainer (module :data:`TOP`)."""
    if not isinstance(b.trainer, FoldedTrainer):
        raise TypeError("trace_verilog needs a folded trainer (build(..., lanes=L))")
    return verilog.convert(TraceTop(b.trainer), name=TOP, emit_src=False)


def _range(width: int) -> str:
    return f"[{width - 1}:0] " if width > 1 else ""


@dataclass(frozen=True)
class Traced:
    """One traced output of the wrapper: its ``name`` (``t_<name>``), ``width`` and ``signed``."""

    name: str
    width: int
    signed: bool


def _traced(trainer: FoldedTrainer) -> list[Traced]:
    """The wrapper's traced outputs, in the order the harness prints them."""
    ports = port_shapes(_signature(trainer))
    out = []
    for name in SCALARS:
        path = _trace_path(name)
        shape = ports[path][1]
        out.append(Traced(name, shape.width, shape.signed))
    for name in LANE_SIGNALS:
        elem = Shape.cast(getattr(trainer.writes, name).shape().elem_shape)
        out += [Traced(f"{name}_{lane}", elem.width, elem.signed) for lane in range(trainer.lanes)]
    return out


def _signature(trainer: FoldedTrainer) -> wiring.Signature:
    return wiring.Signature(
        {
            **trainer.signature.members,
            "probe": Out(
                wiring.Signature(
                    {
                        "sample": Out(Shape.cast(trainer.controller.sample.shape())),
                        "index": Out(Shape.cast(trainer.code_counter.index.shape())),
                    }
                )
            ),
        }
    )


def _trace_path(name: str) -> tuple[str, ...]:
    if name in ("sample", "index"):
        return ("probe", name)
    if name in ("theta_we", "g_we", "wr_addr", *LANE_SIGNALS):
        return ("writes", name)
    return ("status", name)


def wrapper(trainer: FoldedTrainer) -> str:
    """Verilog of module :data:`HARNESS` around module :data:`TOP` (:class:`TraceTop` of ``trainer``)."""
    ports = port_shapes(_signature(trainer))
    lay, tw, L = trainer.layout, trainer.fmts.theta.width, trainer.lanes
    regs = [p for p in ports if p[0] == "regs"]
    addr_w = ports[("readout", "addr")][1].width
    lines = [
        f"module {HARNESS}(clk, cfg_we, start, read_addr, peek_addr, "
        + ", ".join([*(f"cfg_{p[-1]}" for p in regs), *(f"t_{t.name}" for t in _traced(trainer))])
        + ", read_theta, peek_theta);",
        "  input clk;",
        "  input cfg_we;",
        "  input start;",
        f"  input {_range(addr_w)}read_addr;",
        f"  input {_range(addr_w)}peek_addr;",
    ]
    lines += [f"  input {_range(ports[p][1].width)}cfg_{p[-1]};" for p in regs]
    lines += [f"  output {_range(t.width)}t_{t.name};" for t in _traced(trainer)]
    lines += [f"  output {_range(tw)}read_theta;", f"  output {_range(tw)}peek_theta;"]
    lines += [f"  reg {_range(ports[p][1].width)}{p[-1]} = 0;" for p in regs]
    lines += ["  always @(posedge clk)", "    if (cfg_we) begin"]
    lines += [f"      {p[-1]} <= cfg_{p[-1]};" for p in regs]
    lines += ["    end"]
    for name in LANE_SIGNALS:
        width = ports[("writes", name)][1].width
        lines.append(f"  wire {_range(width)}{name};")
        elem = width // L
        lines += [f"  assign t_{name}_{lane} = {name}[{(lane + 1) * elem - 1}:{lane * elem}];" for lane in range(L)]
    # the backdoor: θ of position peek_addr, straight from the θ memory (word = address field, lane = lane field)
    lines.append(f"  wire [{tw * L - 1}:0] peek_word = dut.trainer.theta_memory[peek_addr >> {lay.lane_bits}];")
    if L == 1:
        lines.append("  assign peek_theta = peek_word;")
    else:
        lines.append(f"  wire [{max(1, lay.lane_bits) - 1}:0] peek_lane = peek_addr[{max(1, lay.lane_bits) - 1}:0];")
        lines.append(f"  assign peek_theta = peek_word[peek_lane * {tw} +: {tw}];")
    conns = [".clk(clk)", ".rst(1'b0)", ".start(start)", f".{port_name('readout', 'addr')}(read_addr)"]
    conns += [f".{port_name(*p)}({p[-1]})" for p in regs]
    conns.append(f".{port_name('readout', 'theta')}(read_theta)")
    conns += [f".{port_name(*_trace_path(name))}(t_{name})" for name in SCALARS]
    conns += [f".{port_name('writes', name)}({name})" for name in LANE_SIGNALS]  # split per lane above
    used = {*regs, ("readout", "addr"), ("readout", "theta"), ("start",)}
    used |= {_trace_path(name) for name in (*SCALARS, *LANE_SIGNALS)}
    for p, (flow, shape) in ports.items():
        if p in used:
            continue
        conns.append(f".{port_name(*p)}()" if flow == wiring.Out else f".{port_name(*p)}({shape.width}'d0)")
    lines += [f"  {TOP} dut(", "    " + ",\n    ".join(conns), "  );", "endmodule", ""]
    return "\n".join(lines)


_HARNESS = r"""// mgd-hardware: Verilator harness of the folded trainer (generated by mgd.sim.folded_verilator)
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <vector>

#include "verilated.h"
#include "V@HARNESS@.h"

static const char* NAMES[] = {@NAMES@, "record", "sample_every", "cycle_limit"};
static const uint64_t POSITIONS[] = {@POSITIONS@};
enum { N_REGISTERS = @N_REGISTERS@, N_PARAMS = @N_PARAMS@, THETA_WIDTH = @THETA_WIDTH@,
       PHASE_BEGIN = @PHASE_BEGIN@, PHASE_DONE = @PHASE_DONE@ };

static inline int64_t theta_value(uint64_t v) {
    const uint64_t mask = (THETA_WIDTH >= 64) ? ~0ull : (1ull << THETA_WIDTH) - 1, sign = 1ull << (THETA_WIDTH - 1);
    v &= mask;
    return (int64_t)((v ^ sign) - sign);
}

int main(int argc, char** argv) {
    const int n_args = sizeof(NAMES) / sizeof(NAMES[0]);
    if (argc != n_args + 1) {
        fprintf(stderr, "usage: %s", argv[0]);
        for (int i = 0; i < n_args; i++) fprintf(stderr, " %s", NAMES[i]);
        fprintf(stderr, "\n");
        return 2;
    }
    uint64_t a[n_args];
    for (int i = 0; i < n_args; i++) {
        char* end;
        a[i] = strtoull(argv[i + 1], &end, 10);
        if (*end || end == argv[i + 1]) {
            fprintf(stderr, "bad %s: %s\n", NAMES[i], argv[i + 1]);
            return 2;
        }
    }
    const bool record = a[N_REGISTERS] != 0;
    const uint64_t every = a[N_REGISTERS + 1], limit = a[N_REGISTERS + 2];
    static char outbuf[1 << 16];
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);

    auto ctx = std::make_unique<VerilatedContext>();
    auto top = std::make_unique<V@HARNESS@>(ctx.get(), "top");
    auto tick = [&]() {
        top->clk = 1;
        top->eval();
        top->clk = 0;
        top->eval();
    };

    // set-up cycle (not counted): the register file takes the runtime registers; the trainer idles
    top->clk = 0;
    top->start = 0;
    top->read_addr = 0;
    top->peek_addr = 0;
    top->cfg_we = 1;
@SET_REGISTERS@
    top->eval();
    tick();
    top->cfg_we = 0;

    auto clock = std::chrono::steady_clock::now;
    const auto t0 = clock();
    const std::clock_t cpu0 = std::clock();
    top->start = 1;  // cycle 0: the start pulse
    top->eval();

    uint64_t cycles = 0;
    int64_t last_sampled = -1;
    bool finished = false;
    for (uint64_t cycle = 0; cycle < limit; cycle++) {
        if (record) {
            printf("T %" PRIu64, cycle);
@PRINT_TRACE@
            printf("\n");
        }
        const uint32_t phase = top->t_phase;
        const bool done = top->t_done;
        if (every && (phase == PHASE_BEGIN || phase == PHASE_DONE)) {
            const int64_t step = (int64_t)top->t_step;
            if (step != last_sampled && ((uint64_t)step % every == 0 || phase == PHASE_DONE)) {
                printf("S %" PRId64 " %" PRIu64, step, cycle);
                for (int i = 0; i < N_PARAMS; i++) {  // the backdoor: combinational
                    top->peek_addr = POSITIONS[i];
                    top->eval();
                    printf(" %" PRId64, theta_value((uint64_t)top->peek_theta));
                }
                printf("\n");
                last_sampled = step;
            }
        }
        top->clk = 1;
        top->eval();
        top->clk = 0;
        if (cycle == 0) top->start = 0;
        top->eval();
        cycles = cycle + 1;
        if (done && cycle > 0) {
            finished = true;
            break;
        }
    }
    const double wall = std::chrono::duration<double>(clock() - t0).count();
    const double cpu = double(std::clock() - cpu0) / CLOCKS_PER_SEC;
    if (!finished) {
        printf("E no done within %" PRIu64 " cycles\n", limit);
        fflush(stdout);
        top->final();
        return 3;
    }
    printf("R");
    for (int i = 0; i < N_PARAMS; i++) {  // the readout port: address = position, θ one cycle later
        top->read_addr = POSITIONS[i];
        tick();
        printf(" %" PRId64, theta_value((uint64_t)top->read_theta));
    }
    printf("\n");
    top->final();
    printf("D %" PRIu64 " %.6f %.6f\n", cycles, wall, cpu);
    fflush(stdout);
    return 0;
}
"""


def harness(trainer: FoldedTrainer) -> str:
    """The C++ main of :data:`HARNESS` for ``trainer`` (positions, widths and traced outputs filled in)."""
    names = Registers.NAMES
    fields = {
        "HARNESS": HARNESS,
        "NAMES": ", ".join(f'"{n}"' for n in names),
        "POSITIONS": ", ".join(str(int(p)) for p in trainer.layout.position),
        "N_REGISTERS": str(len(names)),
        "N_PARAMS": str(trainer.mlp.n_params),
        "THETA_WIDTH": str(trainer.fmts.theta.width),
        "PHASE_BEGIN": str(PHASES["begin"]),
        "PHASE_DONE": str(PHASES["done"]),
        "SET_REGISTERS": "\n".join(f"    top->cfg_{n} = a[{i}];" for i, n in enumerate(names)),
        "PRINT_TRACE": "\n".join(
            f'            printf(" %" PRIx64, (uint64_t)top->t_{t.name});' for t in _traced(trainer)
        ),
    }
    text = _HARNESS
    for key, value in fields.items():
        text = text.replace(f"@{key}@", value)
    return text


@dataclass
class FoldedVerilatorBuild:
    """A compiled folded trainer: ``binary``, ``key``, ``build_time`` (seconds spent now; 0 when cached),
    ``convert_time``, ``traced`` (the traced outputs), ``lanes``, ``n_params``, ``timing``
    (:class:`~mgd.golden_model.folded_schedule.FoldedTiming`), ``trainer`` (for the cycle limit)."""

    binary: Path
    key: str
    build_time: float
    convert_time: float
    traced: list
    lanes: int
    n_params: int
    trainer: FoldedTrainer
    verilog: str

    @property
    def timing(self):
        return self.trainer.timing


#: make's flags for a quick build (``build_folded(..., quick=True)``): the C++ at -O1 (tests: short runs, many builds)
QUICK_MAKE_OPT = "OPT_FAST=-O1 OPT_GLOBAL=-O1"


def build_folded(
    b: Build,
    *,
    cache: Path | None = None,
    progress: bool = False,
    verilog_text: str | None = None,
    quick: bool = False,
) -> FoldedVerilatorBuild:
    """Convert :class:`TraceTop` of the build's folded trainer to Verilog (or take ``verilog_text``, a previous
    :func:`trace_verilog` of the same design) and compile it with :func:`wrapper` and :func:`harness`
    (:func:`mgd.toolchain.verilator.compile_model`, cached by the sources' hash; the backend's C++ optimisation,
    :data:`~.verilator_backend.MAKE_OPT`, or with ``quick`` :data:`QUICK_MAKE_OPT`: shorter builds, slower runs)."""
    t0 = time.perf_counter()
    if verilog_text is None:
        text = trace_verilog(b)
    else:
        if not isinstance(b.trainer, FoldedTrainer):
            raise TypeError("build_folded needs a folded trainer (build(..., lanes=L))")
        from amaranth.hdl import Fragment

        Fragment.get(b.trainer, None)  # not converted here: elaborated, so Amaranth has nothing to warn about
        text = verilog_text
    convert = time.perf_counter() - t0 if verilog_text is None else 0.0
    t = b.trainer
    sources = [("harness.cpp", harness(t)), (f"{HARNESS}.v", wrapper(t)), (f"{TOP}.v", text)]
    binary, key, seconds = compile_model(
        sources,
        binary=f"V{HARNESS}",
        flags=VERILATOR_FLAGS,
        make_flags=QUICK_MAKE_OPT if quick else MAKE_OPT,
        cache=cache,
        progress=progress,
    )
    return FoldedVerilatorBuild(binary, key, seconds, convert, _traced(t), t.lanes, t.mlp.n_params, t, text)


def _signed(values: np.ndarray, width: int) -> np.ndarray:
    values = values & ((1 << width) - 1)
    return np.where(values >> (width - 1), values - (1 << width), values)


def run_folded(
    fb: FoldedVerilatorBuild, regs: Registers, *, record: bool = True, sample_every: int = 0, timeout=None
) -> dict:
    """Run the compiled trainer with ``regs`` until ``done``: ``{"trace": {signal: array} or None (the signals of
    :func:`~mgd.sim.folded_sim.simulate_folded`, the same don't-care rule), "cycles", "theta" (read back through
    the readout port), "theta_at" ({step: θ} peeked in the begin phase every ``sample_every`` steps and at done;
    {} with 0), "wall_time", "cpu_time" (the harness's clocks)}``."""
    limit = cycle_limit(fb.trainer, regs) + 2
    args = [getattr(regs, n) for n in Registers.NAMES] + [int(record), sample_every, limit]
    proc = subprocess.run(
        [str(fb.binary), *map(str, args)], capture_output=True, text=True, timeout=timeout, check=False
    )
    rows, theta_at, theta, done = [], {}, None, None
    errors = []
    for line in proc.stdout.splitlines():
        kind, _, rest = line.partition(" ")
        if kind == "T":
            rows.append([int(v, 16) for v in rest.split()[1:]])
        elif kind == "S":
            fields = rest.split()
            theta_at[int(fields[0])] = np.array(fields[2:], dtype=np.int64)
        elif kind == "R":
            theta = np.array(rest.split(), dtype=np.int64)
        elif kind == "D":
            cycles, wall, cpu = rest.split()
            done = int(cycles), float(wall), float(cpu)
        else:
            errors.append(line)
    if proc.returncode != 0 or done is None or errors or theta is None or len(theta) != fb.n_params:
        detail = "\n".join(errors + [proc.stderr.strip()]).strip()
        raise VerilatorError(f"the Verilator simulation {fb.binary} failed (exit status {proc.returncode}): {detail}")
    trace = None
    if record:
        raw = np.array(rows, dtype=object).reshape(len(rows), len(fb.traced))
        cols = {}
        for k, t in enumerate(fb.traced):
            col = raw[:, k].astype(np.int64) if t.width < 63 else np.array([int(v) for v in raw[:, k]], dtype=object)
            cols[t.name] = _signed(col, t.width) if t.signed else col & ((1 << t.width) - 1)
        trace = {name: np.asarray(cols[name], dtype=np.int64) for name in SCALARS}
        for name in LANE_SIGNALS:
            trace[name] = np.stack([cols[f"{name}_{lane}"] for lane in range(fb.lanes)], axis=1).astype(np.int64)
        # a write port's address and data are don't-cares while its enable is 0: recorded as 0 (as simulate_folded)
        trace["theta_wdata"][trace["theta_we"] == 0] = 0
        trace["g_wdata"][trace["g_we"] == 0] = 0
        trace["wr_addr"][(trace["theta_we"] == 0) & (trace["g_we"] == 0)] = 0
        trace = {name: trace[name] for name in (*TRACE_SIGNALS, *FoldedScheduleModel.WRITE_SIGNALS)}
    return {
        "trace": trace,
        "cycles": done[0],
        "theta": theta,
        "theta_at": theta_at,
        "wall_time": done[1],
        "cpu_time": done[2],
    }
