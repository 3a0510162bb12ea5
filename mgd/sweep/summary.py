"""A sweep table summarised per setting: solved seeds, steps to threshold (median and quartiles), final accuracy.

One row per combination of the swept fields (seeds pooled), in the table's order of values. A seed that never
reached the threshold counts as infinitely slow, so the median is "never" when half the seeds failed (the same rule
as :mod:`.plot`). :func:`format_markdown` prints the rows as the tables in docs/.
"""

from __future__ import annotations

import json
import math

import numpy as np

from .plot import label, sort_key, swept_fields
from .spec import CONFIG_FIELDS

__all__ = ["summarize", "format_markdown", "select", "column_values"]

_NEVER = 1e300


def summarize(table, fields: list[str] | None = None) -> list[dict]:
    """``[{field: value, …, "seeds", "solved", "steps_q1", "steps_median", "steps_q3", "accuracy_median",
    "failed"}]`` per combination of ``fields`` (default: the table's swept fields) over the rows with status ok;
    ``failed`` counts the points that raised."""
    fields = swept_fields(table) if fields is None else fields
    columns = {name: column_values(table, name) for name in [*fields, "status", "steps_to_threshold"]}
    columns["final_accuracy"] = table.column("final_accuracy").to_pylist()
    groups: dict[tuple, list[int]] = {}
    for i in range(table.num_rows):
        groups.setdefault(tuple(repr(columns[f][i]) for f in fields), []).append(i)
    rows = []
    for rows_of in groups.values():
        first = rows_of[0]
        ok = [i for i in rows_of if columns["status"][i] == "ok"]
        steps = np.array([columns["steps_to_threshold"][i] for i in ok], dtype=float)
        # never reached = slower than any finite count: a huge stand-in keeps the interpolation finite, then maps back
        steps = np.where(np.isnan(steps), _NEVER, steps)
        acc = [columns["final_accuracy"][i] for i in ok]
        quartiles = np.percentile(steps, [25, 50, 75]) if len(steps) else np.full(3, math.nan)
        q1, med, q3 = np.where(quartiles >= _NEVER / 4, np.inf, quartiles)
        rows.append(
            {f: columns[f][first] for f in fields}
            | {
                "seeds": len(ok),
                "solved": int((steps < _NEVER).sum()),
                "steps_q1": float(q1),
                "steps_median": float(med),
                "steps_q3": float(q3),
                "accuracy_median": float(np.median(acc)) if acc else math.nan,
                "failed": len(rows_of) - len(ok),
            }
        )
    rows.sort(key=lambda r: tuple(sort_key(r[f]) for f in fields))
    return rows


def column_values(table, name: str) -> list:
    """Column ``name`` as a list; where it is missing or None (rows written before the field was swept: a rerun of
    a spec that gained a field), the value from the row's ``settings`` JSON (its full configuration)."""
    values = table.column(name).to_pylist() if name in table.column_names else [None] * table.num_rows
    if any(v is None for v in values) and "settings" in table.column_names:
        for i, text in enumerate(table.column("settings").to_pylist()):
            if values[i] is None and text:
                settings = json.loads(text)
                values[i] = settings.get("config", {}).get(name, settings.get(name))
    return values


def _steps(value: float) -> str:
    return "never" if math.isinf(value) else ("–" if math.isnan(value) else f"{value:,.0f}")


def format_markdown(rows: list[dict], fields: list[str]) -> str:
    """The rows of :func:`summarize` as a markdown table."""
    head = [*fields, "solved", "steps to threshold: median [q1, q3]", "final accuracy (median)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [label(r[f]) for f in fields]
        cells += [
            f"{r['solved']}/{r['seeds']}" + (f" ({r['failed']} failed)" if r["failed"] else ""),
            f"{_steps(r['steps_median'])} [{_steps(r['steps_q1'])}, {_steps(r['steps_q3'])}]",
            f"{100 * r['accuracy_median']:.1f} %",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def select(table, conditions: list[str]):
    """The rows of ``table`` whose columns equal the given values: each condition is ``FIELD=VALUE``, compared with
    the value as a table label shows it (``eta=0.5``, ``formats=compact``, ``tau_theta=inf``).
    :class:`ValueError` naming the condition for a field that is not a column or a value no row has."""
    import pyarrow as pa

    mask = np.ones(table.num_rows, dtype=bool)
    for condition in conditions:
        field, sep, value = condition.partition("=")
        if not sep or (field not in table.column_names and field not in CONFIG_FIELDS):
            raise ValueError(f"--where {condition!r}: must be FIELD=VALUE with FIELD a column of the table")
        labels = np.array([label(v) for v in column_values(table, field)], dtype=object)
        match = labels == value
        if not match.any():
            raise ValueError(f"--where {condition!r}: no row has {field} = {value} (values: {sorted(set(labels))})")
        mask &= match
    return table.filter(pa.array(mask))
