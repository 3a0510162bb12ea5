"""The common figures of a sweep's table: final accuracy, or steps to threshold, over one swept field.

:func:`plot_sweep` draws, for every value of the x field, the median over seeds with the band between the first and
third quartiles, one line per combination of the other swept fields (or per value of one ``by`` field, pooling the
rest). Only successful rows count. Steps to threshold counts a seed that never reached it as infinitely slow (a
median that is infinite is not drawn). The x axis is logarithmic when the field's positive values span more than a
decade.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict

import numpy as np

from mgd.golden_model.config import ConfigError

__all__ = ["METRICS", "swept_fields", "plot_sweep"]

#: the y choices: name → (column, axis label)
METRICS = {
    "accuracy": ("final_accuracy", "final accuracy"),
    "steps": ("steps_to_threshold", "steps to threshold"),
}


def swept_fields(table) -> list[str]:
    """The swept fields of ``table`` (from its schema's metadata; several specs: all of them, in order), those
    with more than one value first."""
    names: list[str] = []
    meta = table.schema.metadata or {}
    if b"mgd.swept" in meta:
        names = json.loads(meta[b"mgd.swept"])
    names = [n for n in dict.fromkeys(names) if n in table.column_names]
    if "seed" in names:
        names.remove("seed")
    varied = [n for n in names if len(set(map(repr, table.column(n).to_pylist()))) > 1]
    return varied + [n for n in names if n not in varied]


#: the stand-in for "never reached" in the quartiles (as in .summary)
_NEVER = 1e300


def _stand_in(values) -> np.ndarray:
    """``values`` as floats, ∞ (never reached) replaced by :data:`_NEVER`."""
    a = np.array(values, dtype=float)
    return np.where(np.isinf(a), _NEVER, a)


def label(value) -> str:
    """How a swept value is shown (axes, legends, tables): ``0.5``, ``∞``, ``compact``."""
    if isinstance(value, float):
        return "∞" if math.isinf(value) else f"{value:g}"
    return str(value)


def sort_key(value):
    """Numbers first, in order, then everything else by its text."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (0, float(value), "")
    return (1, 0.0, str(value))


def plot_sweep(table, path, *, x: str | None = None, y: str = "accuracy", by: str | None = None, title=None):
    """Write the figure of ``table`` (a :func:`~.runner.read_table`) to ``path`` (any format matplotlib writes);
    ``x``: the swept field on the x axis (default: the first one with several values); ``y``: a key of
    :data:`METRICS`; ``by``: one line per value of this field (default: per combination of the other swept
    fields). :class:`ConfigError` naming the option for a field the table does not sweep, or no successful row."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..report import save_figure

    if y not in METRICS:
        raise ConfigError(f"y must be one of {', '.join(METRICS)}, got {y!r}")
    fields = swept_fields(table)
    if not fields:
        raise ConfigError("the table has no swept field to plot against")
    x = x or fields[0]
    for option, name in (("x", x), ("by", by)):
        if name is not None and name not in fields:
            raise ConfigError(f"--{option} must be a swept field of the table ({', '.join(fields)}), got {name!r}")
    if by == x:
        raise ConfigError(f"--by must differ from --x ({x!r})")
    column, ylabel = METRICS[y]
    from .summary import column_values  # (summary imports this module)

    # a field missing from older rows (a spec that gained a swept field) is read from their settings, as --summary does
    columns = {name: column_values(table, name) for name in dict.fromkeys([*fields, "status", column])}
    rows = [dict(zip(columns, values, strict=True)) for values in zip(*columns.values(), strict=True)]
    rows = [r for r in rows if r["status"] == "ok"]
    if not rows:
        raise ConfigError("the table has no successful point to plot")
    line_fields = [by] if by is not None else [f for f in fields if f != x]
    groups: dict = defaultdict(lambda: defaultdict(list))
    for r in rows:
        value = r[column]
        if value is None or (y == "steps" and math.isnan(value)):
            value = math.inf
        groups[tuple(r[f] for f in line_fields)][r[x]].append(value)

    fig, ax = plt.subplots(figsize=(7, 4.5))
    numeric = all(isinstance(r[x], int | float) and not isinstance(r[x], bool) for r in rows)
    ticks = sorted({r[x] for r in rows}, key=sort_key)
    drawn_any = False
    for line in sorted(groups, key=lambda t: tuple(map(sort_key, t))):
        by_x = groups[line]
        xs = sorted(by_x, key=sort_key)
        # never reached (∞) = slower than any finite count: a huge stand-in keeps the interpolation finite (numpy
        # interpolates a finite quartile next to ∞ as ∞·0 = NaN), then a quartile that is itself "never" is not drawn
        # (the rule of .summary)
        stats = np.array([np.quantile(_stand_in(by_x[v]), [0.25, 0.5, 0.75]) for v in xs])
        stats[~(stats < _NEVER / 4)] = np.nan
        drawn_any |= bool(np.isfinite(stats[:, 1]).any())
        pos = np.array(xs if numeric else [ticks.index(v) for v in xs], dtype=float)
        if numeric:
            pos[~np.isfinite(pos)] = np.nan  # τθ = ∞ has no place on a numeric axis
        legend = ", ".join(f"{f}={label(v)}" for f, v in zip(line_fields, line, strict=True)) or None
        (drawn,) = ax.plot(pos, stats[:, 1], marker="o", label=legend)
        ax.fill_between(pos, stats[:, 0], stats[:, 2], color=drawn.get_color(), alpha=0.2, linewidth=0)
    finite = [float(v) for v in ticks if numeric and math.isfinite(v) and v > 0]
    if not drawn_any:
        ax.text(0.5, 0.5, f"no finite {ylabel}", transform=ax.transAxes, ha="center")
    elif finite and max(finite) / min(finite) > 10:
        ax.set_xscale("log")
    if not numeric:
        ax.set_xticks(range(len(ticks)), [label(v) for v in ticks])
    if y == "accuracy":
        ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(x)
    ax.set_ylabel(f"{ylabel} (median, quartiles over seeds)")
    if title:
        ax.set_title(title)
    if line_fields:
        ax.legend(fontsize="small")
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    save_figure(fig, path, dpi=120)
    plt.close(fig)
