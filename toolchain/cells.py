"""The counting rules: which of Yosys' mapped cells are LUTs, flip-flops, carries, DSP blocks and block RAM.

iCE40   ``SB_LUT4`` = LUT, ``SB_DFF*`` = FF, ``SB_CARRY`` = carry, ``SB_MAC16`` = DSP, ``SB_RAM40_4K`` = block RAM.
        An SB_CARRY sits in the logic cell of the SB_LUT4 that computes the same sum bit, so ``lut_sites`` = LUT.
ECP5    ``LUT4`` = LUT, ``TRELLIS_FF`` = FF, ``CCU2C`` = carry (a 2-bit adder that fills the two LUT4 sites of a
        slice, so ``lut_sites`` = LUT + 2·carry), ``MULT18X18D`` (+ ``ALU54B``) = DSP, ``DP16KD``/``PDPW16KD`` = block
        RAM. ``PFUMX``/``L6MUX21`` (the slice's wide-mux cells, next to the LUTs) land in ``other``.

Yosys' ``$scopeinfo`` cells (hierarchy bookkeeping, no hardware) are dropped. Every cell that is not a LUT, FF,
carry or DSP lands in ``other`` (block RAM too: ``bram`` counts it in addition).
"""

from __future__ import annotations

__all__ = ["FAMILIES", "BRAM_CELLS", "IGNORED_CELLS", "check_family", "clean_cells", "count_cells", "count_bram"]

#: family → Yosys synthesis command and the cell types of each category (FF: every type with the prefix)
FAMILIES = {
    "ice40": {
        "synth": "synth_ice40",
        "name": "iCE40 (UP5K family)",
        "lut": ("SB_LUT4",),
        "ff_prefix": "SB_DFF",
        "carry": ("SB_CARRY",),
        "carry_lut_sites": 0,
        "dsp": ("SB_MAC16",),
    },
    "ecp5": {
        "synth": "synth_ecp5",
        "name": "ECP5",
        "lut": ("LUT4",),
        "ff_prefix": "TRELLIS_FF",
        "carry": ("CCU2C",),
        "carry_lut_sites": 2,
        "dsp": ("MULT18X18D", "ALU54B"),
    },
}

#: block RAM cells per family
BRAM_CELLS = {"ice40": ("SB_RAM40_4K",), "ecp5": ("DP16KD", "PDPW16KD")}

IGNORED_CELLS = ("$scopeinfo",)


def check_family(family: str) -> dict:
    """The :data:`FAMILIES` entry of ``family``; ``ValueError`` naming the families for any other value."""
    if family not in FAMILIES:
        raise ValueError(f"FPGA family must be one of {', '.join(FAMILIES)}, got {family!r}")
    return FAMILIES[family]


def clean_cells(cells: dict) -> dict[str, int]:
    """Yosys' ``num_cells_by_type`` as ``{type: int}``, sorted by type, without :data:`IGNORED_CELLS`."""
    return {k: int(v) for k, v in sorted(cells.items()) if k not in IGNORED_CELLS}


def count_cells(cells: dict, family: str) -> dict:
    """``{"lut", "ff", "carry", "dsp", "lut_sites", "other", "cells"}`` from Yosys' ``num_cells_by_type`` (one
    family's cells): the counts by the rules above, ``other`` {type: n} of the rest, ``cells`` all of them."""
    fam = check_family(family)
    cells = clean_cells(cells)
    out = {"lut": 0, "ff": 0, "carry": 0, "dsp": 0, "lut_sites": 0, "other": {}, "cells": cells}
    for cell, n in cells.items():
        if cell in fam["lut"]:
            out["lut"] += n
        elif cell.startswith(fam["ff_prefix"]):
            out["ff"] += n
        elif cell in fam["carry"]:
            out["carry"] += n
        elif cell in fam["dsp"]:
            out["dsp"] += n
        else:
            out["other"][cell] = n
    out["lut_sites"] = out["lut"] + fam["carry_lut_sites"] * out["carry"]
    return out


def count_bram(cells: dict, family: str) -> int:
    """The number of block RAM cells (:data:`BRAM_CELLS`) among ``cells``."""
    check_family(family)
    return sum(int(n) for cell, n in cells.items() if cell in BRAM_CELLS[family])
