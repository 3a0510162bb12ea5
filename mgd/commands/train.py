"""``mgd train``: train a network on one of the backends (:mod:`mgd.sim.backends`), print a summary, write
``--json`` and ``--plot`` on request."""

from __future__ import annotations

from pathlib import Path

from mgd.golden_model import datasets
from mgd.golden_model.config import CHOICES, ConfigError
from mgd.sim.backends import BACKENDS, BackendError, TrainOptions, get_backend, hardware_backends

from ..cli import (
    CHOICE_OPTIONS,
    TRAIN_OPTIONS,
    config_from_args,
    dataset_name,
    formats_help,
    formats_type,
    json_out,
    write_json,
)
from ..validate import (
    MAX_INPUT_BITS,
    MAX_JOBS,
    MAX_LANES,
    check_folded,
    check_hardware,
    check_input_bits_option,
    check_pipelined,
    config_type,
    int_type,
    output_file,
    plot_file,
    trace_file,
)


def _either(names) -> str:
    """``a, b or c``."""
    names = list(names)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _taking(option: str) -> list[str]:
    """The backends that take the run option ``option`` (``trace``, ``vcd``, ``jobs``)."""
    return [name for name, b in BACKENDS.items() if option in b.options]


def _engines(backend) -> tuple[str, ...]:
    """The engines ``backend`` computes with (:attr:`~mgd.sim.backends.registry.Backend.engines`)."""
    return getattr(backend, "engines", ("numpy",))


def _with_engine(engine: str) -> list[str]:
    """The backends that take ``--engine engine``."""
    return [name for name, b in BACKENDS.items() if engine in _engines(b)]


#: every engine some backend takes, "numpy" (the default) first
ENGINES = tuple(dict.fromkeys(e for b in BACKENDS.values() for e in ("numpy", *_engines(b))))


def add_parser(sub):
    train = sub.add_parser(
        "train",
        help="train a network with MGD and report accuracy",
        description="Train a network with MGD. Unset options take the dataset's preset "
        "(mgd.golden_model.presets), then the MGDConfig defaults.",
    )
    train.add_argument(
        "--dataset",
        type=dataset_name,
        default="xor",
        help=f"{', '.join(datasets.DATASET_NAMES)} or parityN (default: xor)",
    )
    hardware = "/".join(hardware_backends())
    train.add_argument(
        "--backend",
        choices=list(BACKENDS),
        default="golden",
        help="; ".join(f"{name} = {b.description}" for name, b in BACKENDS.items())
        + f" ({hardware}: --formats and --mode apply, presets round Δθ to a power of two, 'random' order = the "
        "sample LFSR)",
    )
    train.add_argument("--config", type=Path, help="JSON file of MGDConfig fields (options override it)")
    for flag, fld, parse, text in TRAIN_OPTIONS:
        train.add_argument(flag, dest=fld, type=config_type(fld, parse), help=text)
    for fld in CHOICE_OPTIONS:
        train.add_argument("--" + fld.replace("_", "-"), dest=fld, choices=CHOICES[fld])
    train.add_argument(
        "--compare-backprop",
        action="store_true",
        help="also run exact-gradient SGD (backprop) from the same initialisations, same η",
    )
    train.add_argument("--json", type=json_out, help="write config, per-seed and median results here")
    train.add_argument(
        "--plot",
        type=plot_file,
        help="write the learning curves here (PNG; or any format matplotlib writes: pdf, svg, ...)",
    )
    train.add_argument("--no-progress", action="store_true", help="no progress bar")
    train.add_argument(
        "--formats",
        type=formats_type,
        default="default",
        metavar="NAME|FILE",
        help=f"{hardware}: " + formats_help("default"),
    )
    train.add_argument(
        "--mode",
        choices=("prescaled", "raw"),
        default="prescaled",
        help=f"{hardware}: broadcast η·C̃/Δθ (prescaled, no multiplier per synapse) or C̃ (raw)",
    )
    train.add_argument(
        "--trace",
        type=trace_file,
        help=f"{'/'.join(_taking('trace'))}: write the first network's per-cycle trace (.npz) here: the golden "
        "schedule (fixed) or the simulated RTL (amaranth)",
    )
    train.add_argument(
        "--vcd",
        type=output_file("VCD file", {".vcd"}),
        help=f"{'/'.join(_taking('vcd'))}: write the first network's VCD here",
    )
    train.add_argument(
        "--engine",
        choices=ENGINES,
        default="numpy",
        help="what computes the model's steps: numpy (default) or compiled (numba: the first use compiles, then it "
        "is cached; on the fixed backend bit-identical to numpy); "
        + "; ".join(f"{e}: {'/'.join(_with_engine(e))}" for e in ENGINES if e != "numpy"),
    )
    train.add_argument(
        "--pipelined",
        action="store_true",
        help=f"{'/'.join(_taking('pipelined'))}: the pipelined trainer (one step per clock inside each update "
        "window; the same θ, its own cycle schedule)",
    )
    train.add_argument(
        "--lanes",
        type=int_type(1, MAX_LANES),
        metavar="L",
        help=f"{'/'.join(_taking('lanes'))}: the folded trainer with L multiply-accumulate lanes (θ, G and the code "
        "keys in block RAM, streamed through the lanes; the same θ, its own cycle schedule)",
    )
    train.add_argument(
        "--input-bits",
        type=int_type(1, MAX_INPUT_BITS),
        metavar="B",
        help="with --pipelined or --lanes: the layer-0 inputs are B-bit unsigned values v, x = v·2^-(B-1) (the "
        "dataset's inputs must be such values: xor and nist7x7 take 1, digits 5); default: the act format's",
    )
    train.add_argument(
        "--jobs",
        type=int_type(1, MAX_JOBS),
        default=1,
        help=f"{'/'.join(_taking('jobs'))}: simulate this many networks (seeds) at once (default 1)",
    )
    return train


def _check_run_options(args, backend) -> None:
    """Refuse the run options ``backend`` does not take (before any work)."""
    if args.vcd and "vcd" not in backend.options:
        raise ConfigError(f"--vcd needs --backend {_either(_taking('vcd'))}")
    if args.engine not in _engines(backend):
        raise ConfigError(f"--engine {args.engine} needs --backend {_either(_with_engine(args.engine))}")
    if args.jobs != 1 and "jobs" not in backend.options:
        raise ConfigError(f"--jobs needs --backend {_either(_taking('jobs'))}")
    if backend.hardware and args.trace and "trace" not in backend.options:
        raise ConfigError(
            f"--trace needs --backend {_either(_taking('trace'))}: the {backend.name} backend runs free and only "
            "samples θ (record a trace with --backend amaranth)"
        )
    if not backend.hardware and (args.trace or args.mode != "prescaled" or args.formats.label != "default"):
        raise ConfigError(f"--trace, --mode and --formats need --backend {_either(hardware_backends())}")
    if args.pipelined and "pipelined" not in backend.options:
        raise ConfigError(f"--pipelined needs --backend {_either(_taking('pipelined'))}")
    if args.lanes is not None and "lanes" not in backend.options:
        raise ConfigError(f"--lanes needs --backend {_either(_taking('lanes'))}")
    if args.lanes is not None and args.pipelined:
        raise ConfigError("--pipelined and --lanes select two different trainers: give one")
    check_input_bits_option(args)


def run(args) -> int:
    from mgd.golden_model.training import train

    from ..report import format_summary, plot_curves

    backend = get_backend(args.backend)
    config = config_from_args(args, hardware=backend.hardware)
    # both configs are checked before any work; train() checks the dataset and shapes before its first step
    bp_config = config.replace(estimator="backprop") if args.compare_backprop else None
    _check_run_options(args, backend)
    fmts = args.formats.fmts if backend.hardware else None
    if backend.hardware:
        check_hardware(config, fmts, mode=args.mode)  # refuses what the hardware cannot run, before any work
    if args.pipelined:
        check_pipelined(config, fmts, mode=args.mode, input_bits=args.input_bits)
    if args.lanes is not None:
        check_folded(config, fmts, mode=args.mode, input_bits=args.input_bits, lanes=args.lanes)
    options = TrainOptions(
        progress=not args.no_progress,
        trace=args.trace,
        vcd=args.vcd,
        jobs=args.jobs,
        engine=args.engine,
        pipelined=args.pipelined,
        input_bits=args.input_bits,
        lanes=args.lanes,
    )
    try:
        result, hardware = backend.train(config, fmts, args.mode, options)
    except BackendError as exc:
        raise ConfigError(str(exc)) from None
    if hardware is not None:
        print(hardware.describe())
    for path in (args.trace, args.vcd):
        if path:
            print(f"wrote {path}")
    results = {"mgd": result}
    if bp_config is not None:
        results["backprop"] = train(
            bp_config, theta0=results["mgd"].theta0, progress=not args.no_progress, desc="backprop"
        )
    print(format_summary(results))
    if args.json:
        summary = {k: r.summary() for k, r in results.items()}
        summary["mgd"]["backend"] = args.backend
        summary["mgd"]["engine"] = args.engine
        if backend.hardware:
            summary["mgd"].update(args.formats.to_json())
            summary["mgd"]["mode"] = args.mode
        if args.pipelined:
            summary["mgd"]["pipelined"] = True
            summary["mgd"]["input_bits"] = args.input_bits
        if args.lanes is not None:
            summary["mgd"]["lanes"] = args.lanes
            summary["mgd"]["input_bits"] = args.input_bits
        if hardware is not None:
            summary["mgd"]["hardware"] = hardware.to_dict()
        write_json(args.json, summary)
        print(f"wrote {args.json}")
    if args.plot:
        plot_curves(results, args.plot)
        print(f"wrote {args.plot}")
    return 0
