"""``mgd compare``: two traces cycle by cycle (:mod:`mgd.sim.trace`); exit status 0 if identical, 1 if not."""

from __future__ import annotations

from pathlib import Path

from mgd.golden_model.config import ConfigError

from ..validate import plot_file


def add_parser(sub):
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
    return compare


def run(args) -> int:
    from mgd.sim import trace as trace_io

    from ..report import plot_trace_costs

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
