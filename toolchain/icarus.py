"""Icarus Verilog: compile Verilog with ``iverilog`` and run it with ``vvp``, as subprocesses with one error type.

Icarus is the system's ``iverilog``/``vvp`` (apt ``iverilog``; optional: :func:`have_icarus`). Icarus 11 is what
the post-synthesis simulation and the cocotb tests are checked with (docs/simulators.md).
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

__all__ = ["SimulationError", "have_icarus", "run", "iverilog", "vvp"]


class SimulationError(RuntimeError):
    """A Verilog simulation failed: Icarus is missing, the sources do not compile, the run failed or did not
    finish, or its output is not what the testbench should print."""


def have_icarus() -> bool:
    """Whether ``iverilog`` and ``vvp`` are on PATH."""
    return shutil.which("iverilog") is not None and shutil.which("vvp") is not None


def run(command: list[str], cwd, what: str, timeout: float | None = None) -> subprocess.CompletedProcess:
    """Run an Icarus command in ``cwd``; the completed process (stdout and stderr together in ``stdout``).
    Raises :class:`SimulationError` when the tool is missing or exits non-zero (naming ``what``, with the end of its
    output); a timeout raises ``subprocess.TimeoutExpired``."""
    try:
        proc = subprocess.run(
            command,
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            timeout=timeout,
        )
    except FileNotFoundError:
        raise SimulationError(f"{command[0]} not found: install Icarus Verilog (apt install iverilog)") from None
    if proc.returncode != 0:
        raise SimulationError(f"{what} failed (exit code {proc.returncode}):\n{proc.stdout[-3000:]}")
    return proc


def iverilog(
    sources, *, output: str, top: str, cwd, args=(), what: str = "iverilog", timeout: float | None = None
) -> float:
    """Compile ``sources`` (paths, relative to ``cwd`` or absolute) with ``iverilog -g2012 ARGS -o OUTPUT -s TOP``
    in ``cwd``; return the seconds it took. Raises :class:`SimulationError` (see :func:`run`)."""
    t0 = time.perf_counter()
    run(["iverilog", "-g2012", *args, "-o", output, "-s", top, *map(str, sources)], cwd, what, timeout)
    return time.perf_counter() - t0


def vvp(compiled: str | Path, *, cwd, what: str = "vvp", timeout: float | None = None) -> tuple[str, float]:
    """Run a compiled simulation (``vvp -n COMPILED``) in ``cwd``; return (its output, seconds). Raises
    :class:`SimulationError` (see :func:`run`)."""
    t0 = time.perf_counter()
    proc = run(["vvp", "-n", str(compiled)], cwd, what, timeout)
    return proc.stdout, time.perf_counter() - t0
