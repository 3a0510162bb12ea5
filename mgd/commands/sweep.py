"""``mgd sweep``: run a sweep spec (TOML or JSON) on Dask, one task per point, results in one Parquet table
(:mod:`mgd.sweep`); plot the table."""

from __future__ import annotations

from pathlib import Path

from mgd.golden_model.config import ConfigError

from ..validate import int_type, output_dir, plot_file

#: most LocalCluster worker processes ``--workers`` starts
MAX_WORKERS = 1024


def add_parser(sub):
    sweep = sub.add_parser(
        "sweep",
        help="run a parameter sweep on Dask; results in a Parquet table",
        description="Run every point of a sweep spec (TOML or JSON: name, base, grid, list, seeds; docs/sweeps.md) "
        "on a Dask cluster, one task per point, appending results to the Parquet table in --out as points finish. "
        "A rerun with the same --out skips the points the table holds (a killed sweep resumes). --plot draws final "
        "accuracy or steps to threshold over a swept field (median and quartiles over seeds).",
    )
    sweep.add_argument("spec", nargs="?", type=Path, metavar="SPEC", help="the sweep spec (.toml or .json)")
    sweep.add_argument(
        "--out", type=output_dir("output directory"), required=True, metavar="DIR", help="the table's directory"
    )
    where = sweep.add_mutually_exclusive_group()
    where.add_argument(
        "--workers",
        type=int_type(1, MAX_WORKERS),
        metavar="N",
        help="LocalCluster worker processes, one thread each (default: all cores)",
    )
    where.add_argument("--scheduler", metavar="ADDRESS", help="run on this existing Dask scheduler (tcp://host:8786)")
    sweep.add_argument("--retry-failed", action="store_true", help="run the points recorded as failed again")
    sweep.add_argument("--dry-run", action="store_true", help="validate and expand the spec, print the counts, stop")
    sweep.add_argument("--plot", type=plot_file, metavar="PNG", help="write a figure of the table here")
    sweep.add_argument("--plot-only", action="store_true", help="do not run: plot the table in --out (SPEC not needed)")
    sweep.add_argument("--x", metavar="FIELD", help="plot over this swept field (default: the first that varies)")
    sweep.add_argument(
        "--y",
        choices=("accuracy", "steps"),
        default="accuracy",
        help="plot final accuracy or steps to threshold (default: accuracy)",
    )
    sweep.add_argument(
        "--by",
        metavar="FIELD",
        help="one line per value of this swept field (default: per combination of the other swept fields)",
    )
    sweep.add_argument(
        "--where",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="plot and summarise only the rows with this value (repeatable), e.g. --where formats=compact",
    )
    sweep.add_argument(
        "--summary",
        action="store_true",
        help="print the table per setting (seeds pooled: solved, steps to threshold median [q1, q3], accuracy) as "
        "markdown",
    )
    sweep.add_argument("--no-progress", action="store_true", help="no progress bar")
    return sweep


def _report(args) -> None:
    """The --summary table and the --plot figure of the table in --out."""
    from mgd.sweep.plot import plot_sweep, swept_fields
    from mgd.sweep.runner import read_table
    from mgd.sweep.summary import format_markdown, select, summarize

    table = read_table(args.out)
    if table.num_rows == 0:
        raise ConfigError(f"--out {str(args.out)!r} holds no sweep table (no part-*.parquet files)")
    try:
        table = select(table, args.where)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    if args.summary:
        fields = swept_fields(table)
        print(format_markdown(summarize(table, fields), fields))
    if args.plot:
        plot_sweep(table, args.plot, x=args.x, y=args.y, by=args.by)
        print(f"wrote {args.plot}")


def run(args) -> int:
    from mgd.sweep.spec import load_spec

    if args.plot_only:
        if args.plot is None and not args.summary:
            raise ConfigError("--plot-only needs --plot PNG (or --summary)")
        if args.spec is not None or args.dry_run:
            raise ConfigError("--plot-only plots the table in --out: give no SPEC and no --dry-run")
        _report(args)
        return 0
    if args.spec is None:
        raise ConfigError("SPEC is required (or --plot-only with --plot to plot the table in --out)")
    if (args.x or args.by) and not args.plot:
        raise ConfigError("--x and --by need --plot")
    spec = load_spec(args.spec)
    for option, name in (("--x", args.x), ("--by", args.by)):
        if name is not None and name not in spec.swept:
            raise ConfigError(f"{option} must be a swept field of the spec ({', '.join(spec.swept)}), got {name!r}")
    runs = len(spec.points)
    merged = f" ({spec.duplicates} identical runs merged)" if spec.duplicates else ""
    print(
        f"sweep {spec.name!r}: {runs} points{merged} over {', '.join(spec.swept) or 'the base'} × "
        f"{len(spec.seeds)} seeds, backends {', '.join(spec.backends)}"
    )
    if args.dry_run:
        return 0
    from mgd.sweep.runner import run_sweep

    summary = run_sweep(
        spec,
        args.out,
        workers=args.workers,
        scheduler=args.scheduler,
        progress=not args.no_progress,
        retry_failed=args.retry_failed,
    )
    print(summary.describe())
    if args.plot or args.summary:
        _report(args)
    return 0
