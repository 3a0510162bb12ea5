"""Running a sweep on Dask and its result table (Parquet).

:func:`run_sweep` sends every point of a :class:`~.spec.SweepSpec` that the output directory does not hold yet to a
Dask cluster (a ``LocalCluster`` of single-threaded worker processes, or an existing scheduler), one task per point
(:func:`run_point`), and appends the results to one table as they arrive: each batch of finished points becomes a
Parquet part file in the output directory, written to a hidden temporary file and renamed, so the directory is a
readable dataset at every moment. Killing a sweep loses only the points that were running; a rerun with the same
output skips the points whose key (:func:`~.spec.point_key`) the table holds. When every point has run, the parts
are merged into one file (the merge is written before the parts it replaces are removed; :func:`read_table`
drops the duplicate rows a kill in between would leave).

A failing point is a row with ``status = "failed"`` and its ``error``; it does not stop the sweep (and a rerun does
not retry it unless asked: ``retry_failed``). The columns are :func:`table_schema`'s.

Dask is imported only when a sweep runs.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from mgd.golden_model.files import atomic_write

from .spec import CONFIG_FIELDS, MEASURE_KINDS, Point, SweepSpec

__all__ = [
    "RESULT_COLUMNS",
    "SweepSummary",
    "table_schema",
    "run_point",
    "run_sweep",
    "read_table",
    "part_files",
    "done_keys",
    "compact",
]

PART_PREFIX = "part-"

#: the table's columns beside the swept fields, with their types (see docs/sweeps.md)
RESULT_COLUMNS = [
    ("sweep", pa.string()),
    ("key", pa.string()),
    ("run_id", pa.string()),
    ("seed", pa.int64()),
    ("backend", pa.string()),
    ("formats", pa.string()),
    ("mode", pa.string()),
    ("status", pa.string()),
    ("error", pa.string()),
    ("final_accuracy", pa.float64()),
    ("final_cost", pa.float64()),
    ("threshold", pa.float64()),
    ("steps_to_threshold", pa.float64()),
    ("steps", pa.int64()),
    ("wall_time", pa.float64()),
    ("cycles_per_second", pa.float64()),
    ("hardware_seed", pa.int64()),
    ("curve_step", pa.list_(pa.int64())),
    ("curve_accuracy", pa.list_(pa.float64())),
    ("curve_cost", pa.list_(pa.float64())),
    ("lut", pa.int64()),
    ("ff", pa.int64()),
    ("dsp", pa.int64()),
    ("logic_cells", pa.int64()),
    ("fmax_mhz", pa.float64()),
    ("worker", pa.string()),
    ("finished_at", pa.timestamp("us", tz="UTC")),
    ("settings", pa.string()),
]
_FIXED = {name for name, _ in RESULT_COLUMNS}


def _swept_columns(spec: SweepSpec) -> list[str]:
    """The swept fields that get a column of their own (those not already among :data:`RESULT_COLUMNS`)."""
    return [f for f in spec.swept if f not in _FIXED]


def _column_value(point: Point, name: str):
    """The value of swept field ``name`` for ``point``: its configuration's for MGDConfig fields (presets and base
    included), else its own setting (None where it does not apply)."""
    if name in CONFIG_FIELDS:
        value = point.config[name]
    elif name == "engine":
        value = point.engine or (None if point.backend in MEASURE_KINDS else "numpy")  # None: the backend's default
    elif point.synth is not None and name in point.synth:
        value = point.synth[name]
    else:
        value = point.settings.get(name)
    if value == "inf" and name == "tau_theta":
        return math.inf
    return value


def _arrow_type(values) -> pa.DataType:
    """The column type of a swept field's values: int64, float64, bool or string (lists: ``2-2-1``)."""
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return pa.bool_()
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return pa.int64()
    if present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return pa.float64()
    return pa.string()


def _as_text(value):
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list | tuple) and all(isinstance(v, int) for v in value):
        return "-".join(map(str, value))
    return json.dumps(value)


def table_schema(spec: SweepSpec) -> pa.Schema:
    """The table's schema for ``spec``: :data:`RESULT_COLUMNS`, then one column per swept field (typed from the
    values the spec gives it); the spec's name and swept fields are in the schema's metadata."""
    fields = [pa.field(n, t) for n, t in RESULT_COLUMNS]
    for name in _swept_columns(spec):
        fields.append(pa.field(name, _arrow_type([_column_value(p, name) for p in spec.points])))
    meta = {"mgd.sweep": spec.name, "mgd.swept": json.dumps(spec.swept)}
    return pa.schema(fields, metadata=meta)


def _worker_name() -> str:
    return f"{os.uname().nodename}:{os.getpid()}"


def run_point(point: dict) -> dict:
    """Run one point (a :meth:`~.spec.Point.to_dict`) where it is called (a Dask worker) and return its result
    row: status ``ok`` and the measurements, or ``failed`` and the error (never raises for the point's own
    failures)."""
    start = time.perf_counter()
    row = {"status": "ok", "error": None}
    try:
        if point["backend"] == "synth":
            row.update(_run_synth(point))
        elif point["backend"] == "gradient":
            row.update(_run_gradient(point))
        else:
            row.update(_run_training(point))
    except Exception as exc:  # a failing point is a result, not the end of the sweep
        row = {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}
    row["wall_time"] = time.perf_counter() - start
    row["worker"] = _worker_name()
    row["finished_at"] = datetime.now(UTC)
    return row


def _run_training(point: dict) -> dict:
    import numpy as np

    from mgd.golden_model.config import MGDConfig
    from mgd.golden_model.formats import FixedFormats
    from mgd.sim.backends import TrainOptions, get_backend

    config = MGDConfig.from_dict(point["config"])
    backend = get_backend(point["backend"])
    fmts = FixedFormats.from_dict(point["fixed_formats"]) if point["fixed_formats"] is not None else None
    options = TrainOptions(**({"engine": point["engine"]} if point["engine"] is not None else {}))
    if backend.hardware:
        from ..validate import check_hardware

        check_hardware(config, fmts, mode=point["mode"])  # the registers' ranges, as mgd train checks them
    result, extras = backend.train(config, fmts, point["mode"] or "prescaled", options)
    reached = result.steps_to_threshold[0]
    return {
        "final_accuracy": float(result.final_accuracy[0]),
        "final_cost": float(result.final_cost[0]),
        "threshold": float(result.threshold),
        "steps_to_threshold": math.nan if reached is None else float(reached),
        "steps": config.steps,
        "cycles_per_second": float(extras.cycles_per_second) if extras is not None else None,
        "hardware_seed": int(result.hardware_seeds[0]) if result.hardware_seeds else None,
        "curve_step": [int(s) for s in result.eval_steps],
        "curve_accuracy": np.asarray(result.accuracy[:, 0], dtype=float).tolist(),
        "curve_cost": np.asarray(result.cost[:, 0], dtype=float).tolist(),
    }


def _run_gradient(point: dict) -> dict:
    """Steps until cos(G, ∇C) ≥ the config's threshold (default 0.95), recorded as ``steps_to_threshold``."""
    from mgd.golden_model.config import MGDConfig
    from mgd.golden_model.gradient_estimate import iterations_to_cosine

    config = MGDConfig.from_dict(point["config"])
    target = 0.95 if config.threshold is None else config.threshold
    reached = float(iterations_to_cosine(config, target)[0])
    return {
        "threshold": target,
        "steps_to_threshold": math.nan if math.isinf(reached) else reached,
        "steps": config.steps,
    }


def _run_synth(point: dict) -> dict:
    from mgd.boards.synth import synth_designs
    from mgd.golden_model import datasets
    from mgd.golden_model.config import MGDConfig
    from mgd.golden_model.formats import FixedFormats

    config = MGDConfig.from_dict(point["config"])
    fmts = FixedFormats.from_dict(point["fixed_formats"])
    s = point["synth"]
    samples = s["samples"]
    if samples is None:  # as mgd synth: all samples up to 256 (the memory is LUT RAM)
        samples = min(len(datasets.load(config.dataset).x_train), 256)
    out = synth_designs(
        config,
        fmts,
        s["family"],
        s["device"],
        targets=(s["target"],),
        samples=samples,
        package=s["package"],
        freq_mhz=s["freq_mhz"],
        seed=s["pnr_seed"],
        dsp=s["dsp"],
        mode=point["mode"],
        timeout=s["timeout"],
    )
    r = out["targets"][s["target"]]
    return {
        "lut": r.get("lut"),
        "ff": r.get("ff"),
        "dsp": r.get("dsp"),
        "logic_cells": r.get("logic_cells"),
        "fmax_mhz": r.get("fmax_mhz"),
    }


def _row(spec: SweepSpec, point: Point, result: dict, run_id: str) -> dict:
    """A table row: the point's identity and swept values, then its result."""
    settings = {
        "backend": point.backend,
        "config": point.config,
        "formats": point.formats,
        "fixed_formats": point.fixed_formats,
        "mode": point.mode,
        "engine": point.engine,
        "synth": point.synth,
    }
    row = {
        "sweep": spec.name,
        "key": point.key,
        "run_id": run_id,
        "seed": point.seed,
        "backend": point.backend,
        "formats": point.formats,
        "mode": point.mode,
        "settings": json.dumps(settings, sort_keys=True),
        **result,
    }
    for name in _swept_columns(spec):
        value = _column_value(point, name)
        row[name] = value
    return row


def _to_table(rows: list[dict], schema: pa.Schema) -> pa.Table:
    columns = {}
    for f in schema:
        values = [r.get(f.name) for r in rows]
        if pa.types.is_string(f.type):
            values = [_as_text(v) for v in values]
        columns[f.name] = pa.array(values, type=f.type)
    return pa.table(columns, schema=schema)


def part_files(out_dir) -> list[Path]:
    """The table's part files in ``out_dir`` (finished ones only: temporaries are hidden), oldest name first."""
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        return []
    return sorted(p for p in out_dir.glob(f"{PART_PREFIX}*.parquet") if p.is_file())


def _write_part(out_dir: Path, table: pa.Table, name: str) -> Path:
    path = out_dir / f"{PART_PREFIX}{name}.parquet"
    with atomic_write(path, "wb") as f:
        pq.write_table(table, f)
    return path


def read_table(out_dir, *, dedupe: bool = True) -> pa.Table:
    """The whole result table in ``out_dir`` (every part file; columns of different specs unified, missing ones
    null). ``dedupe``: one row per key (a failed row gives way to a later successful one; otherwise the first
    row is kept). An empty table when there is none."""
    parts = part_files(out_dir)
    if not parts:
        return pa.table({n: pa.array([], type=t) for n, t in RESULT_COLUMNS})
    tables = [pq.read_table(p) for p in parts]
    table = pa.concat_tables(tables, promote_options="permissive")
    swept: list[str] = []  # the swept fields of every part (a spec may have gained one between runs)
    for t in tables:
        swept += json.loads((t.schema.metadata or {}).get(b"mgd.swept", b"[]"))
    table = table.replace_schema_metadata(
        {**(table.schema.metadata or {}), b"mgd.swept": json.dumps(list(dict.fromkeys(swept))).encode()}
    )
    if not dedupe:
        return table
    keys = table.column("key").to_pylist()
    status = table.column("status").to_pylist()
    chosen: dict[str, int] = {}
    for i, (k, s) in enumerate(zip(keys, status, strict=True)):
        if k not in chosen or (status[chosen[k]] != "ok" and s == "ok"):
            chosen[k] = i
    if len(chosen) == len(keys):
        return table
    return table.take(sorted(chosen.values()))


def done_keys(out_dir, *, retry_failed: bool = False) -> set[str]:
    """The keys the table in ``out_dir`` holds (only the successful ones if ``retry_failed``)."""
    parts = part_files(out_dir)
    if not parts:
        return set()
    keys: set[str] = set()
    for p in parts:
        t = pq.read_table(p, columns=["key", "status"])
        for k, s in zip(t.column("key").to_pylist(), t.column("status").to_pylist(), strict=True):
            if not retry_failed or s == "ok":
                keys.add(k)
    return keys


def compact(out_dir) -> Path | None:
    """Merge the part files of ``out_dir`` into one (one row per key, :func:`read_table`): the merged file is
    written first, then the parts it holds are removed. None when there is at most one part."""
    out_dir = Path(out_dir)
    parts = part_files(out_dir)
    if len(parts) <= 1:
        return None
    table = read_table(out_dir)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    merged = _write_part(out_dir, table, f"{stamp}-merged")
    for p in parts:
        if p != merged:
            p.unlink(missing_ok=True)
    return merged


@dataclasses.dataclass
class SweepSummary:
    """What :func:`run_sweep` did: ``total`` points, ``skipped`` (already in the table), ``ok`` and ``failed`` (run
    now), the ``run_id`` of this run and the output directory."""

    total: int
    skipped: int
    ok: int
    failed: int
    run_id: str
    out_dir: Path

    def describe(self) -> str:
        return (
            f"{self.total} points: {self.skipped} already in {self.out_dir}, {self.ok + self.failed} run now "
            f"({self.ok} ok, {self.failed} failed)"
        )


def _client(workers: int | None, scheduler: str | None, stack):
    """A Dask client of an existing scheduler, or of a new LocalCluster (``workers`` processes, one thread each),
    entered on ``stack`` (closed with it)."""
    import logging

    from distributed import Client, LocalCluster

    if scheduler is not None:
        return stack.enter_context(Client(scheduler))
    cluster = stack.enter_context(
        LocalCluster(
            n_workers=workers or os.cpu_count() or 1,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
    )
    return stack.enter_context(Client(cluster))


def run_sweep(
    spec: SweepSpec,
    out_dir,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    retry_failed: bool = False,
    merge: bool = True,
) -> SweepSummary:
    """Run every point of ``spec`` the table in ``out_dir`` lacks (created if needed) on Dask, appending results
    as they finish (see the module's docstring); ``workers``: LocalCluster processes (default: all cores),
    ``scheduler``: the address of an existing cluster instead; ``retry_failed``: run failed points again; ``merge``:
    merge the part files when every point has run. Returns a :class:`SweepSummary`."""
    import contextlib

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with atomic_write(out_dir / "_spec.json", "w", encoding="utf-8") as f:
        json.dump(spec.source, f, indent=2)
    run_id = f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
    done = done_keys(out_dir, retry_failed=retry_failed)
    todo = [p for p in spec.points if p.key not in done]
    summary = SweepSummary(len(spec.points), len(spec.points) - len(todo), 0, 0, run_id, out_dir)
    if todo:
        schema = table_schema(spec)
        by_key = {p.key: p for p in todo}
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=len(todo), desc=f"sweep {spec.name}", unit="point")
        with contextlib.ExitStack() as stack:
            from distributed import as_completed

            client = _client(workers, scheduler, stack)
            futures = client.map(
                run_point, [p.to_dict() for p in todo], key=[f"mgd-sweep-{run_id}-{p.key}" for p in todo]
            )
            key_of = {f.key: f.key.rsplit("-", 1)[1] for f in futures}
            seq = 0
            for batch in as_completed(futures, with_results=True).batches():
                rows = []
                for future, result in batch:
                    rows.append(_row(spec, by_key[key_of[future.key]], result, run_id))
                    future.release()
                _write_part(out_dir, _to_table(rows, schema), f"{run_id}-{seq:06d}")
                seq += 1
                n_failed = sum(r["status"] == "failed" for r in rows)
                summary.failed += n_failed
                summary.ok += len(rows) - n_failed
                if bar is not None:
                    bar.update(len(rows))
                    bar.set_postfix(done=summary.ok, failed=summary.failed, refresh=False)
        if bar is not None:
            bar.close()
    if merge and not ({p.key for p in spec.points} - done_keys(out_dir)):
        compact(out_dir)
    return summary
