"""Traces: numpy arrays per signal (one row per cycle), saved as ``.npz``, and the one comparison function.

A trace is a ``dict[str, np.ndarray]``; per-synapse signals have one column per synapse. :func:`compare` reports,
for the signals two traces share, the first cycle where they differ (with the values around it) and each signal's
largest absolute difference, so an RTL trace can be checked against the golden schedule (bit-exact: every
difference is a mismatch) or two simulators against each other.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mgd.golden_model.files import atomic_write
from mgd.golden_model.schedule import SYNAPSE_SIGNALS, TRACE_SIGNALS

__all__ = ["save", "load", "compare", "Comparison", "TraceError", "step_rows"]


class TraceError(ValueError):
    """A file that is not a readable trace, or two traces that cannot be compared."""


def save(path, trace: dict, meta: dict | None = None) -> None:
    """Write ``trace`` (and a JSON-able ``meta`` dict) to ``path`` (.npz, written atomically: a failure leaves no
    partial file)."""
    meta_text = json.dumps(meta or {})  # before the file is opened: a meta that is not JSON-able writes nothing
    with atomic_write(path, "wb") as f:
        np.savez_compressed(f, **trace, __meta__=np.array(meta_text))


def load(path) -> tuple[dict, dict]:
    """``(trace, meta)`` from a file written by :func:`save`. Raises :class:`TraceError` (or ``OSError`` if the
    file cannot be opened) for anything else: an empty, truncated or foreign file, an ``.npz`` without trace
    signals, arrays of different lengths or of no cycles, or unreadable metadata."""
    with open(Path(path), "rb") as fh:
        head = fh.read(4)
        if not head:
            raise TraceError("the file is empty")
        if head[:2] != b"PK":
            raise TraceError(f"not an .npz trace (an .npz file is a zip archive; this one starts with {head!r})")
        fh.seek(0)
        try:
            f = np.load(fh, allow_pickle=False)
            if not isinstance(f, np.lib.npyio.NpzFile):
                raise TraceError(f"not an .npz trace: it holds a single {type(f).__name__}")
            with f:
                trace = {k: f[k] for k in f.files if k != "__meta__"}
                meta = json.loads(str(f["__meta__"])) if "__meta__" in f.files else {}
        except (ValueError, EOFError, KeyError, zipfile.BadZipFile) as exc:
            if isinstance(exc, TraceError):
                raise
            raise TraceError(f"damaged, truncated or unreadable .npz trace ({_reason(exc)})") from None
    if not isinstance(meta, dict):
        raise TraceError(f"the trace's metadata must be a JSON object, got {type(meta).__name__}")
    known = set(TRACE_SIGNALS) | set(SYNAPSE_SIGNALS)
    if not known & set(trace):
        raise TraceError(
            f"not a trace written by mgd train --trace: it has {_names(trace)} and none of the trace "
            f"signals {', '.join(TRACE_SIGNALS + SYNAPSE_SIGNALS)}"
        )
    lengths = set()
    for name, value in trace.items():
        if value.ndim == 0 or value.dtype.kind not in "biuf":
            raise TraceError(
                f"signal {name!r} must be a numeric array with one row per cycle, got dtype "
                f"{value.dtype} and shape {value.shape}"
            )
        lengths.add(len(value))
    if len(lengths) > 1:
        raise TraceError(f"the signals have different numbers of cycles: {sorted(lengths)}")
    if lengths == {0}:
        raise TraceError("the trace has no cycles")
    return trace, meta


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def _names(trace: dict) -> str:
    return ("signals " + ", ".join(sorted(trace))) if trace else "no signals"


@dataclass
class Comparison:
    cycles: int  # cycles compared (the shorter trace)
    signals: list[str]
    max_error: dict[str, float] = field(default_factory=dict)
    mismatches: dict[str, int] = field(default_factory=dict)  # cycles with any difference, per signal
    first: tuple[int, str] | None = None  # (cycle, signal) of the first divergence
    context: str = ""
    length_a: int = 0
    length_b: int = 0

    @property
    def identical(self) -> bool:
        return self.first is None and self.length_a == self.length_b

    def report(self) -> str:
        lines = [
            f"compared {len(self.signals)} signals over {self.cycles} cycles "
            f"(lengths {self.length_a} and {self.length_b})"
        ]
        for name in self.signals:
            lines.append(
                f"  {name:10s} max |a − b| = {self.max_error[name]:g}   cycles differing: {self.mismatches[name]}"
            )
        if self.first is None:
            lines.append("no divergence" + ("" if self.length_a == self.length_b else " in the common cycles"))
        else:
            lines.append(f"first divergence at cycle {self.first[0]}, signal {self.first[1]}:")
            lines.append(self.context)
        return "\n".join(lines)


def compare(a: dict, b: dict, signals=None, context: int = 3) -> Comparison:
    """Compare traces ``a`` and ``b`` cycle by cycle on ``signals`` (default: all they share)."""
    names = sorted(set(a) & set(b)) if signals is None else list(signals)
    if not names:
        raise TraceError(f"the traces have no signal in common: A has {_names(a)}; B has {_names(b)}")
    missing = [(k, which) for k in names for which, t in (("A", a), ("B", b)) if k not in t]
    if missing:
        raise TraceError("signal(s) not in the trace: " + ", ".join(f"{k} (trace {w})" for k, w in missing))
    n = min(len(a[k]) for k in names) if names else 0
    n = min([n] + [len(b[k]) for k in names])
    out = Comparison(n, names, length_a=len(a[names[0]]) if names else 0, length_b=len(b[names[0]]) if names else 0)
    first = None
    for name in names:
        x = np.asarray(a[name][:n], dtype=np.float64).reshape(n, -1)
        y = np.asarray(b[name][:n], dtype=np.float64).reshape(n, -1)
        if x.shape != y.shape:
            raise TraceError(
                f"signal {name}: shapes {a[name].shape} and {b[name].shape} differ (per-synapse "
                "signals of networks of different sizes?)"
            )
        diff = np.abs(x - y).max(axis=1) if n else np.zeros(0)
        out.max_error[name] = float(diff.max()) if n else 0.0
        bad = np.flatnonzero(diff)
        out.mismatches[name] = int(len(bad))
        if len(bad) and (first is None or bad[0] < first[0]):
            first = (int(bad[0]), name)
    out.first = first
    if first is not None:
        c0, c1 = max(0, first[0] - context), min(n, first[0] + context + 1)
        rows = [
            f"  cycle {c:>8d}: "
            + "  ".join(f"{k}={_fmt(a[k][c])}/{_fmt(b[k][c])}" for k in names if np.ndim(a[k][c]) == 0)
            for c in range(c0, c1)
        ]
        rows.append(
            f"  {first[1]} at cycle {first[0]}: a = {_fmt(a[first[1]][first[0]])}, b = {_fmt(b[first[1]][first[0]])}"
        )
        out.context = "\n".join(rows)
    return out


def _fmt(v) -> str:
    v = np.asarray(v)
    return str(v.tolist()) if v.ndim else str(v.item())


def step_rows(trace: dict) -> dict:
    """Per-step view of a cycle trace: at each ``correlate`` cycle, the step's measured cost, C₀, C̃, sample,
    code and θ (θ before the update: it changes at that cycle's edge)."""
    from mgd.golden_model.schedule import PHASES

    idx = np.flatnonzero(trace["phase"] == PHASES["correlate"])
    return {k: trace[k][idx] for k in ("step", "cost", "c0", "c_tilde", "sample", "code", "theta", "g")}
