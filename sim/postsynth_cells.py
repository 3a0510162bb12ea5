"""The cell models that simulate a synthesized netlist in Icarus, per synthesis flow, and checks on a netlist.

:data:`FLOWS` are the three synthesis flows of post-synthesis simulation (docs/postsynth.md); :func:`cell_library`
gives the Verilog models of a flow's cells (Yosys' own for iCE40, ``sim/cells/ecp5_cells_sim.v`` for ECP5);
:func:`check_cells` refuses a netlist with a cell the library does not model; :func:`mac16_carry_users` finds the
pattern of the ``synth_ice40 -dsp`` bug in a netlist.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from mgd.toolchain import SimulationError, SynthResult, yosys_share

__all__ = ["FLOWS", "CELLS_DIR", "check_flow", "cell_library", "check_cells", "mac16_carry_users"]

#: flow name → Yosys synthesis command, FPGA family (cell counting, cell library), DSP flag of
#: :func:`mgd.toolchain.synthesize` (None: the tool's default)
FLOWS = {
    "ice40": {"synth": "synth_ice40", "family": "ice40", "dsp": None},
    "ice40-dsp": {"synth": "synth_ice40 -dsp", "family": "ice40", "dsp": True},
    "ecp5": {"synth": "synth_ecp5", "family": "ecp5", "dsp": None},
}

CELLS_DIR = Path(__file__).parent / "cells"


def check_flow(flow: str) -> dict:
    if flow not in FLOWS:
        raise ValueError(f"flow must be one of {', '.join(FLOWS)}, got {flow!r}")
    return FLOWS[flow]


def cell_library(flow: str) -> tuple[list[Path], list[str]]:
    """(Verilog files, extra iverilog arguments) that simulate a netlist of ``flow``.

    iCE40: Yosys' ``share/ice40/cells_sim.v``, compiled with ``-DNO_ICE40_DEFAULT_ASSIGNMENTS`` (Icarus 11 does not
    accept its default values on input ports). ECP5: ``sim/cells/ecp5_cells_sim.v`` (Yosys' own does not compile in
    Icarus 11 and has no DP16KD or MULT18X18D behaviour; that file says what it models)."""
    family = check_flow(flow)["family"]
    if family == "ice40":
        return [yosys_share() / "ice40" / "cells_sim.v"], ["-DNO_ICE40_DEFAULT_ASSIGNMENTS"]
    return [CELLS_DIR / "ecp5_cells_sim.v"], []


def _defined_modules(paths) -> set[str]:
    names = set()
    for path in paths:
        names |= set(re.findall(r"^\s*module\s+\\?([A-Za-z_$][\w$]*)", Path(path).read_text(errors="replace"), re.M))
    return names


def check_cells(netlist: SynthResult) -> None:
    """Refuse a netlist that instantiates a cell type the flow's cell library does not define."""
    files, _ = cell_library(netlist.flow)
    missing = sorted(set(netlist.cells) - _defined_modules(files))
    if missing:
        raise SimulationError(
            f"the {netlist.flow} netlist uses cells the simulation library does not model: "
            f"{', '.join(missing)} (library: {', '.join(str(f) for f in files)})"
        )


def mac16_carry_users(netlist: SynthResult | Path | str) -> list[str]:
    """The SB_MAC16 instances of an iCE40 netlist whose adder carry out ``CO`` drives something: the signature of the
    ``synth_ice40 -dsp`` bug (docs/postsynth.md), which takes bit 32 of a 33-bit ``c + a*b`` from ``CO``. A ``CO``
    that is unconnected, or a wire named only in its declaration and in this port, counts as unused; anything else
    (a bit of a bus, a wire read elsewhere) as used."""
    path = netlist.netlist if isinstance(netlist, SynthResult) else Path(netlist)
    text = Path(path).read_text(errors="replace")
    uses = Counter(re.findall(r"\\\S+|[A-Za-z_][\w$]*", text))
    users = []
    for m in re.finditer(
        r"\bSB_MAC16\s*(?:#\s*\((?:[^()]|\([^()]*\))*\))?\s*(\\\S+|[A-Za-z_][\w$]*)\s*\((.*?)\);", text, re.S
    ):
        co = re.search(r"\.CO\(\s*([^()]*?)\s*\)", m.group(2))
        net = co.group(1) if co else ""
        if net and not (re.fullmatch(r"\\\S+|[A-Za-z_][\w$]*", net) and uses[net] <= 2):
            users.append(m.group(1))
    return users
