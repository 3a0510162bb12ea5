"""``mgd build``: a board's bitstream (the XOR trainer with its UART host link, or the folded trainer with ``--lanes``
on XOR, NIST7x7 or digits), built with YoWASP (:func:`mgd.boards.build.build_board`)."""

from __future__ import annotations

import sys
from pathlib import Path

from mgd.golden_model.config import ConfigError

from ..cli import formats_help, formats_type, json_out, write_json
from ..validate import MAX_PNR_SEED, int_type, output_dir, real_type, register_type

#: ``--lanes``: the folded trainer's multiply-accumulate lanes
MAX_BOARD_LANES = 256


def add_parser(sub):
    build = sub.add_parser(
        "build",
        help="build a board's bitstream (trainer + UART host link) with yowasp",
        description="Bitstream of the XOR trainer with its UART host link for a board "
        "(docs/fpga.md), or with --lanes of the folded trainer on XOR, NIST7x7 or digits (--dataset), "
        "built with the YoWASP toolchain through amaranth-boards; prints the size, "
        "the post-route Fmax and the utilisation. --plan-only writes the build files and runs no "
        "tool. The design runs from the board clock (iCEBreaker: 12 MHz ÷ 4), or with --clock-mhz from "
        "the FPGA's PLL at the achievable frequency closest to the request and not above it.",
    )
    build.add_argument("--board", choices=("icebreaker", "ulx3s-85f"), required=True)
    build.add_argument(
        "--build-dir", type=output_dir("build directory"), help="where the files go (default: build/BOARD)"
    )
    build.add_argument(
        "--steps",
        type=register_type("steps"),
        default=10_000,
        help="initial value of the steps register (1 to 2^32 - 1)",
    )
    build.add_argument(
        "--seed", dest="pnr_seed", type=int_type(0, MAX_PNR_SEED), default=1, metavar="N", help="nextpnr placement seed"
    )
    build.add_argument(
        "--clock-mhz",
        type=real_type(0, 1000, low_open=True),
        metavar="F",
        help="clock the design from the PLL at the achievable frequency closest to F MHz and not above it "
        "(iCE40 16-275, ECP5 10-400); nextpnr's target and the UART divisor follow the achieved frequency "
        "(default: the board clock, iCEBreaker ÷ 4)",
    )
    build.add_argument(
        "--timing-allow-fail",
        action="store_true",
        help="write the bitstream even if the post-route Fmax misses the clock (nextpnr's option)",
    )
    build.add_argument(
        "--pipelined",
        action="store_true",
        help="the pipelined trainer (one step per clock inside each update window, 1-bit XOR inputs) instead of "
        "the reference trainer; same host link and registers",
    )
    build.add_argument(
        "--lanes",
        type=int_type(1, MAX_BOARD_LANES),
        metavar="L",
        help="the folded trainer with L multiply-accumulate lanes (θ, G and the code keys in block RAM; θ addressed "
        "by position over the link) instead of the reference trainer; what it trains: --dataset",
    )
    build.add_argument(
        "--dataset",
        choices=("xor", "nist7x7", "digits"),
        default="xor",
        help="with --lanes: what the folded trainer trains (default xor). nist7x7 (49-4-4): on the icebreaker "
        "nist7x7-16384 in SPRAM, empty at power-on (load it: mgd board load --dataset nist7x7-16384), on the "
        "ulx3s-85f the whole training set in block RAM; digits (64-16-10, 5-bit inputs): ulx3s-85f only",
    )
    build.add_argument(
        "--formats",
        type=formats_type,
        default="compact",
        metavar="NAME|FILE",
        help=formats_help("compact") + "; docs/results.md's ULX3S-85F NIST7x7 and digits builds use default",
    )
    build.add_argument("--plan-only", action="store_true", help="write the build plan only (no Yosys/nextpnr)")
    build.add_argument("--json", type=json_out, help="also write the report as JSON")
    return build


def run(args) -> int:
    from mgd.boards.build import build_board
    from mgd.boards.platform_top import PIPELINED_BOARD_OPTIONS, folded_build, platform_for, pll_for, xor_config
    from mgd.toolchain import SynthesisError

    if args.lanes is not None and args.pipelined:
        raise ConfigError("--lanes and --pipelined are two trainers: choose one")
    if args.lanes is None and args.dataset != "xor":
        raise ConfigError(f"--dataset {args.dataset} needs --lanes (the folded trainer; the others train XOR)")
    if args.lanes is not None:
        try:
            config, options = folded_build(args.board, args.dataset, args.lanes, args.steps)
        except ValueError as exc:
            raise ConfigError(f"--board {args.board} --dataset {args.dataset}: {exc}") from None
    else:
        config, options = xor_config(args.steps), PIPELINED_BOARD_OPTIONS if args.pipelined else None
    if args.clock_mhz is not None:
        try:  # refuse a clock the PLL cannot make before anything runs
            pll = pll_for(platform_for(args.board), args.clock_mhz)
        except ValueError as exc:
            print(f"mgd build: --clock-mhz: {exc}", file=sys.stderr)
            return 2
        print(
            f"clock: {pll.primitive} {pll.input_mhz:g} MHz → {pll.achieved_mhz:.6g} MHz "
            f"(requested {args.clock_mhz:g} MHz; VCO {pll.vco_mhz:.6g} MHz)"
        )
    build_dir = args.build_dir if args.build_dir is not None else Path("build") / args.board
    print(
        f"building {args.board} in {build_dir} (Yosys + nextpnr: minutes) ..."
        if not args.plan_only
        else f"writing the build plan of {args.board} to {build_dir}",
        flush=True,
    )
    try:
        report = build_board(
            args.board,
            build_dir,
            config=config,
            fmts=args.formats.fmts,
            do_build=not args.plan_only,
            seed=args.pnr_seed,
            clock_mhz=args.clock_mhz,
            timing_allow_fail=args.timing_allow_fail,
            trainer_options=options,
        )
    except SynthesisError as exc:  # a missing or failed tool
        print(f"mgd build: {exc}", file=sys.stderr)
        return 1
    if args.lanes is not None:
        what = "loaded over the link" if options.get("dataset_init") is False else "in the bitstream"
        print(
            f"folded trainer: {args.lanes} lanes, dataset {config.dataset} ({what}), {options['input_bits']}-bit inputs"
        )
    if args.plan_only:
        print(f"plan: {len(report['plan'])} files, UART divisor {report['divisor']} at {report['clock_mhz']:g} MHz")
    else:
        fmax = ", ".join(
            f"{c}: {v['fmax_mhz']:.1f} MHz (target {v['target_mhz']:g})" for c, v in report["fmax"].items()
        )
        print(f"bitstream {report['bitstream']}: {report['bytes']:,} bytes in {report['seconds']:.0f} s")
        print(f"post-route Fmax: {fmax}")
        for bel, (used, avail) in report["utilisation"].items():
            if used:
                print(f"  {bel:>16}: {used:>6,} / {avail:>6,}  ({100 * used / avail:.0f} %)")
    if args.json:
        report["formats"] = {"name": args.formats.label, **args.formats.fmts.to_dict()}
        if args.lanes is not None:
            report["lanes"] = args.lanes
        write_json(args.json, report, indent=1, default=str)
    return 0
