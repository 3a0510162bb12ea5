"""``mgd bench``: simulation throughput of the backends (:mod:`mgd.bench`)."""

from __future__ import annotations

from mgd.golden_model.config import ConfigError

from ..bench import BACKENDS
from ..cli import json_out, write_json
from ..validate import MAX_MIN_TIME, real_type


def add_parser(sub):
    bench = sub.add_parser(
        "bench",
        help="measure simulation throughput of the backends",
        description="Throughput of each backend: the float golden model's and the fixed-point model's "
        "steps/s in each engine (numpy and compiled, one network, the presets' evaluation included; the "
        "compiled engine's speed-up over numpy, its compile time excluded and reported; the golden model "
        "also with 100 seeds vectorised); RTL simulation "
        "cycles/s of the trainer in Amaranth and Verilator (one network, build time excluded and "
        "reported; the first Verilator build of nist7x7 takes minutes, then it is cached).",
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
        choices=BACKENDS,
        default=list(BACKENDS),
        help="backends to measure (default: all)",
    )
    bench.add_argument(
        "--datasets",
        nargs="+",
        choices=("xor", "nist7x7"),
        default=["xor", "nist7x7"],
        help="networks: xor = 2-2-1, nist7x7 = 49-4-4 (default: both)",
    )
    bench.add_argument("--json", type=json_out, help="also write the results as JSON")
    bench.add_argument("--no-progress", action="store_true", help="no build messages")
    return bench


def run(args) -> int:
    from mgd.toolchain import VerilatorError

    from ..bench import format_bench, run_bench

    try:
        report = run_bench(args.min_time, tuple(args.backends), tuple(args.datasets), progress=not args.no_progress)
    except VerilatorError as exc:
        raise ConfigError(str(exc)) from None
    print(format_bench(report))
    if args.json:
        write_json(args.json, report)
        print(f"wrote {args.json}")
    return 0
