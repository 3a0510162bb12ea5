"""``mgd build``: bitstreams of the board tops with the YoWASP toolchain, and what the tools report about them.

The amaranth-boards platform runs Yosys, nextpnr and the packer (icepack/ecppack) from the build directory with
relative file names (the YoWASP sandbox hides the host's ``/tmp``); the tools are found through the environment
variables Amaranth reads (``YOSYS``, ``NEXTPNR_ICE40``, ``ICEPACK``, ``NEXTPNR_ECP5``, ``ECPPACK``), set to the
``yowasp-*`` commands by :func:`mgd.toolchain.yowasp_environment`; nextpnr's log is read by
:func:`mgd.toolchain.parse_log`, and every failure is a :class:`mgd.toolchain.SynthesisError`. The iCE40 build
passes ``synth_ice40 -dsp``: the UP5K's 8 SB_MAC16 hold the XOR trainer's 8 multipliers (docs/postsynth.md shows
that netlist bit-exact against the golden model; Yosys' known ``-dsp`` carry bug does not touch it). The folded
trainer's builds add :func:`folded_overrides` (iCE40 ``-spram``, the dataset memory in SPRAM).
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

from mgd.golden_model.config import MGDConfig
from mgd.golden_model.formats import COMPACT_FORMATS, FixedFormats
from mgd.toolchain import COLLISION_X_SCRIPT, SynthesisError, log_tail, parse_log, yowasp_environment

from .platform_top import BOARDS, CLOCK_DIVIDER, BoardTop, platform_family, platform_for, pll_for

__all__ = ["build_board", "folded_overrides"]

NAME = "mgd_trainer"

#: the RTLIL module of the board top's dataset memory (:class:`~mgd.rtl.sample_memory.SampleMemory`: top → core
#: (BoardTrainer) → trainer → dataset)
DATASET_MODULE = f"{NAME}.core.trainer.dataset"


def folded_overrides(family: str, trainer_options: dict | None) -> dict:
    """The build overrides a folded board top adds to the board's (``synth_opts`` appended, ``script_after_read``):

    - iCE40: ``synth_ice40 -spram``, so Yosys may map a memory to the UP5K's SPRAM (SB_SPRAM256KA; it does not
      unless asked); with ``single_port_dataset`` the dataset memory's ``ram_style`` becomes "huge" (SPRAM; the
      trainer asks for "block", EBR, which cannot hold it): 16,384 words of 53 bits take the UP5K's 4 SPRAMs;
    - ``dataset_init=False``: the dataset memory's ``$meminit_v2`` cells are deleted after ``read_rtlil`` (Amaranth
      gives every memory initial contents, zeros when none is asked for, and SPRAM has none: Yosys would not map it);
    - :data:`~mgd.toolchain.COLLISION_X_SCRIPT`: the θ, G and code-buffer memories' reads are don't-cares when their
      address is written in the same cycle (as in :func:`mgd.toolchain.synthesize`'s script).

    Empty for the other board tops."""
    options = trainer_options or {}
    out = {}
    if options.get("lanes") is None:
        return out
    script = []
    if options.get("dataset_init", True) is False:
        script.append(f"delete {DATASET_MODULE}/t:$meminit_v2")
    if family == "ice40":
        out["synth_opts"] = "-spram"
        if options.get("single_port_dataset", False):
            script.append(f'setattr -set ram_style "huge" {DATASET_MODULE}/m:memory')
    script += COLLISION_X_SCRIPT
    out["script_after_read"] = "\n".join(script)
    return out


def build_board(
    board: str,
    build_dir,
    *,
    config: MGDConfig | None = None,
    fmts: FixedFormats = COMPACT_FORMATS,
    do_build: bool = True,
    seed: int = 1,
    clock_mhz: float | None = None,
    timing_allow_fail: bool = False,
    trainer_options: dict | None = None,
) -> dict:
    """Build the bitstream of ``board`` (one of :data:`~.platform_top.BOARDS`) into ``build_dir``.

    The design's clock: the board clock ÷ :data:`~.platform_top.CLOCK_DIVIDER` by default; with ``clock_mhz``, the
    PLL at the achievable frequency closest to ``clock_mhz`` and not above it (:mod:`.pll`). That frequency is
    nextpnr's timing target (``--freq``) and sets the UART divisor. ``timing_allow_fail`` lets nextpnr write a
    bitstream that misses the target (``--timing-allow-fail``; the report still shows the Fmax).
    ``trainer_options`` go to :class:`~.board_trainer.BoardTrainer` (the folded trainer's, ``lanes``, add
    :func:`folded_overrides`: iCE40 SPRAM, a dataset memory without initial contents).

    ``do_build=False`` only elaborates and writes the build plan (the files and the script, no tool runs: cheap,
    for CI). Returns ``{"board", "bitstream", "bytes", "seconds", "fmax", "utilisation", "divisor", "clock_mhz",
    "pll", ...}`` (``pll``: the PLL's settings, or ``None``). Raises :class:`ValueError` for a clock the PLL cannot
    make and :class:`~mgd.toolchain.SynthesisError` when a tool is missing, fails or makes no bitstream."""
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 1 << 31:
        raise ValueError(f"seed must be an integer in [0, {(1 << 31) - 1}] (nextpnr's --seed), got {seed!r}")
    platform = platform_for(board)
    _, overrides, ext, fpga = BOARDS[board]
    overrides = dict(overrides)
    for key, value in folded_overrides(platform_family(platform), trainer_options).items():
        overrides[key] = f"{overrides[key]} {value}" if key in overrides else value
    # before any work (and before the top exists): ValueError for a clock the PLL cannot make
    pll = None if clock_mhz is None else pll_for(platform, clock_mhz)
    divider = CLOCK_DIVIDER[board] if clock_mhz is None else 1
    top = BoardTop(config, fmts, clock_divider=divider, clock_mhz=clock_mhz, trainer_options=trainer_options)
    if pll is not None:
        fpga = f"{fpga.split(',')[0]}, {pll.input_mhz:g} MHz clock → PLL {pll.achieved_mhz:.6g} MHz"
    # the timing target of clocks without their own constraint (the divided or the PLL's design clock)
    target_mhz = top.clock_frequency(platform) / 1e6
    overrides["nextpnr_opts"] = f"--seed {int(seed)} --freq {target_mhz:.9g}" + (
        " --timing-allow-fail" if timing_allow_fail else ""
    )
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
            "clock_mhz": target_mhz,
            "clock_requested_mhz": clock_mhz,
            "pll": None
            if pll is None
            else {"primitive": pll.primitive, **dataclasses.asdict(pll), "parameters": pll.parameters()},
            "plan": sorted(plan.files),
        }
        if not do_build:
            return result
        try:
            plan.execute_local(str(build_dir))
        except Exception as exc:  # amaranth raises subprocess.CalledProcessError
            tim = build_dir / f"{NAME}.tim"  # nextpnr's log; Yosys' if nextpnr never ran
            log = log_tail(tim if tim.exists() else build_dir / f"{NAME}.rpt", 30)
            raise SynthesisError(f"building {board} failed: {exc}\n{log}") from None
    seconds = time.perf_counter() - t0
    bitstream = build_dir / f"{NAME}.{ext}"
    if not bitstream.exists():
        raise SynthesisError(f"no bitstream {bitstream} after the build")
    report = parse_log((build_dir / f"{NAME}.tim").read_text(errors="replace"))
    return result | {
        "bitstream": str(bitstream),
        "bytes": bitstream.stat().st_size,
        "seconds": round(seconds, 1),
        **report,
    }
