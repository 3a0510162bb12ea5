"""``mgd verilog``: the Verilog of the trainer (or one unit) for a configuration and formats
(:func:`mgd.sim.verilog.convert`)."""

from __future__ import annotations

from pathlib import Path

from mgd.golden_model.config import ConfigError
from mgd.golden_model.files import write_text

from ..cli import config_from_args, dataset_name, formats_help, formats_type
from ..validate import (
    MAX_INPUT_BITS,
    check_hardware,
    check_input_bits_option,
    check_pipelined,
    int_type,
    output_file,
)


def add_parser(sub):
    verilog = sub.add_parser(
        "verilog",
        help="write the Verilog of the trainer (or one unit) for a configuration",
        description="Verilog of the trainer top (or of one unit) for any valid configuration, "
        "with a header stating the configuration, runtime registers and formats.",
    )
    verilog.add_argument("--config", type=Path, help="JSON file of MGDConfig fields")
    verilog.add_argument("--dataset", type=dataset_name, default="xor", help="dataset (memory contents)")
    verilog.add_argument(
        "--unit", choices=("trainer", "synapse", "cost_unit", "array", "controller"), default="trainer"
    )
    verilog.add_argument("--mode", choices=("prescaled", "raw"), default="prescaled")
    verilog.add_argument(
        "--formats", type=formats_type, default="default", metavar="NAME|FILE", help=formats_help("default")
    )
    verilog.add_argument(
        "--pipelined",
        action="store_true",
        help="the pipelined trainer (one step per clock inside each update window; its units with --unit)",
    )
    verilog.add_argument(
        "--lanes",
        type=int_type(1, 1024),
        metavar="L",
        help="the folded trainer with L multiply-accumulate lanes (θ, G and code keys in memories; its units with "
        "--unit array, cost_unit or controller)",
    )
    verilog.add_argument(
        "--input-bits",
        type=int_type(1, MAX_INPUT_BITS),
        metavar="B",
        help="with --pipelined or --lanes: B-bit unsigned layer-0 inputs, x = v·2^-(B-1) (xor and nist7x7 take 1, "
        "digits 5)",
    )
    verilog.add_argument(
        "--dataset-init",
        action="store_true",
        help="with --lanes: write the dataset into the Verilog as the memory's initial contents (default: the "
        "folded trainer's dataset memory has no contents and the host port writes it before a run)",
    )
    verilog.add_argument(
        "-o", "--output", type=output_file("Verilog file"), required=True, help="Verilog file to write"
    )
    return verilog


def run(args) -> int:
    from mgd.sim.verilog import convert

    config = config_from_args(args, hardware=True).replace(seeds=1)
    fmts = args.formats.fmts
    check_hardware(config, fmts, mode=args.mode)  # refuses what the hardware cannot run
    if args.lanes is not None:
        if args.pipelined:
            raise ConfigError("--pipelined and --lanes select two different trainers: give one")
        if args.unit == "synapse":
            raise ConfigError("the folded trainer (--lanes) has no synapse unit: its parameters live in memories")
    else:
        check_input_bits_option(args)
        if args.dataset_init:
            raise ConfigError("--dataset-init is an option of the folded trainer (--lanes)")
    if args.pipelined:
        check_pipelined(config, fmts, mode=args.mode, input_bits=args.input_bits)
    try:
        text = convert(
            config,
            fmts,
            mode=args.mode,
            unit=args.unit,
            pipelined=args.pipelined,
            input_bits=args.input_bits,
            lanes=args.lanes,
            dataset_init=args.dataset_init or args.lanes is None,
        )
    except ValueError as exc:
        if args.lanes is None:
            raise
        raise ConfigError(f"--lanes {args.lanes}: {exc}") from None
    write_text(args.output, text)
    print(f"wrote {args.output} ({len(text.splitlines()):,} lines, unit {args.unit})")
    return 0
