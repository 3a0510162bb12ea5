"""Sweep specs: read a TOML or JSON spec, validate all of it, and expand it into points.

A spec is a ``name``, a ``base`` (settings every point starts from), a ``grid`` (field → list of values: their
cartesian product), a ``list`` of explicit points (each a table of settings over ``base``), and ``seeds`` (a count
N: seeds 0, 1, …, N − 1; or a list of seeds). The settings of a point are the
preset of its dataset (unless ``preset = false``; the hardware backends take it as the hardware runs it,
:func:`~mgd.golden_model.presets.hardware_preset`), then ``base``, then its grid or list values. Every point runs once
per seed, alone: ``seeds = 1, seed = s`` (θ₀, perturbation codes, sample order and, on the hardware backends, the
seed register ``hardware_seed(s)`` all vary per seed, as initialisation k of ``mgd train`` with ``seed + k``).

A setting is an :class:`~mgd.golden_model.config.MGDConfig` field (not ``seeds``/``seed``: the spec's ``seeds``
sets them), or one of the run settings :data:`RUN_FIELDS` (``backend``, ``formats``, ``mode``; ``engine`` when the
backends take one) or, for ``backend = "synth"`` points, :data:`SYNTH_FIELDS`. A setting that does not apply to a
point's backend (``formats`` on a golden point, ``device`` on a training point) is dropped from that point; points
that become identical are run once. A synth point ignores ``seeds`` beyond the first (synthesis does not depend on
the run's randomness).

:func:`load_spec` checks everything before any work and raises :class:`SpecError` (a
:class:`~mgd.golden_model.config.ConfigError`) naming the field, and the point when a combination is bad. Checks that
need the hardware model (Δθ = 2^−k, the η register's range) happen when a point runs: such a point is recorded as
failed, the others run.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from mgd.golden_model.config import MAX_SEED, ConfigError, MGDConfig, check_field
from mgd.golden_model.formats import FORMAT_SETS, FormatError, load_formats
from mgd.golden_model.presets import hardware_preset, preset

from ..validate import check_dataset

__all__ = [
    "SpecError",
    "SweepSpec",
    "Point",
    "CONFIG_FIELDS",
    "RUN_FIELDS",
    "SYNTH_FIELDS",
    "SYNTH_DEFAULTS",
    "TRAIN_BACKENDS",
    "MAX_POINTS",
    "engine_choices",
    "load_spec",
    "parse_spec",
    "point_key",
]

#: most runs (points × seeds) one spec may expand to
MAX_POINTS = 1_000_000
#: the MGDConfig fields a spec may set (``seeds`` and ``seed`` come from the spec's ``seeds``)
CONFIG_FIELDS = tuple(f.name for f in dataclasses.fields(MGDConfig) if f.name not in ("seeds", "seed"))
#: the settings of every point beside its configuration
RUN_FIELDS = ("backend", "formats", "mode", "engine")
#: the settings of ``backend = "synth"`` points (:func:`mgd.boards.synth.synth_designs`) and their defaults
SYNTH_DEFAULTS = {
    "family": "ice40",
    "device": "up5k",
    "package": None,
    "target": "trainer",
    "samples": None,
    "freq_mhz": None,
    "pnr_seed": 1,
    "dsp": True,
    "timeout": None,
}
SYNTH_FIELDS = tuple(SYNTH_DEFAULTS)
_TOP_KEYS = ("name", "description", "preset", "base", "grid", "list", "seeds")
_MODES = ("prescaled", "raw")


class SpecError(ConfigError):
    """A sweep spec that cannot run: the message names the field (and the point)."""


def _train_backends() -> dict:
    from mgd.sim.backends import BACKENDS

    return BACKENDS


#: the training backends' names (the registry of :mod:`mgd.sim.backends`)
TRAIN_BACKENDS = tuple(_train_backends())
#: point kinds that measure instead of training: ``"synth"`` (synthesis and place-and-route of the design) and
#: ``"gradient"`` (the float model's G against the exact gradient: steps until cos(G, ∇C) reaches the config's
#: ``threshold``, default 0.95; :func:`mgd.golden_model.gradient_estimate.iterations_to_cosine`)
MEASURE_KINDS = ("synth", "gradient")


def engine_choices() -> tuple[str, ...] | None:
    """The values of :class:`~mgd.sim.backends.TrainOptions`' ``engine`` that some backend takes (each backend's
    ``engines``), or None if the backends take no engine."""
    from mgd.sim.backends import TrainOptions

    if "engine" not in {f.name for f in dataclasses.fields(TrainOptions)}:
        return None
    engines = [e for b in _train_backends().values() for e in getattr(b, "engines", ("numpy",))]
    return tuple(dict.fromkeys(engines))


@dataclass(frozen=True)
class Point:
    """One run of a sweep: the settings it was given (``settings``: field → value, as the spec wrote them, for the
    table's columns), its full validated configuration (``config``: :meth:`MGDConfig.to_dict` with ``seeds = 1``),
    its ``backend``, ``formats`` (label as given: a set's name or a file), ``fixed_formats`` (every field, or None
    on non-hardware backends), ``mode``, ``engine``, ``synth`` (the synthesis settings of a synth point) and its
    ``key``: a stable hash of all of it (:func:`point_key`)."""

    index: int
    seed: int
    backend: str
    config: dict
    settings: dict = field(default_factory=dict)
    formats: str | None = None
    fixed_formats: dict | None = None
    mode: str | None = None
    engine: str | None = None
    synth: dict | None = None
    key: str = ""

    def describe(self) -> str:
        """``point 3 (backend='fixed', eta=0.1, seed=2)``: how errors name it."""
        items = ", ".join(f"{k}={v!r}" for k, v in self.settings.items())
        return f"point {self.index} ({items}{', ' if items else ''}seed={self.seed})"

    def to_dict(self) -> dict:
        """Plain data (what a Dask task receives)."""
        return dataclasses.asdict(self)


def point_key(backend, config: dict, fixed_formats, mode, engine, synth) -> str:
    """A stable hash (16 hex digits) of a point's full settings and seed: its backend, every configuration field
    (seed included), the formats' fields (not their label), mode, engine and synthesis settings."""
    blob = json.dumps(
        {
            "backend": backend,
            "config": config,
            "fixed_formats": fixed_formats,
            "mode": mode,
            "engine": engine,
            "synth": synth,
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


@dataclass
class SweepSpec:
    """A validated spec: ``name``, ``swept`` (the fields the grid and list set, in spec order: the table's columns),
    ``seeds`` and the expanded ``points`` (every setting × seed, duplicates merged: ``duplicates`` counts them)."""

    name: str
    description: str
    swept: list
    seeds: list
    points: list
    duplicates: int = 0
    source: dict = field(default_factory=dict)

    @property
    def backends(self) -> list[str]:
        return sorted({p.backend for p in self.points})


def _err(where: str, message: str) -> SpecError:
    return SpecError(f"{where}: {message}")


def _check_value(where: str, name: str, value, base_dir: Path | None):
    """Check one setting alone (type and range); returns the value as the config takes it."""
    engines = engine_choices()
    known = (*CONFIG_FIELDS, *RUN_FIELDS, *SYNTH_FIELDS)
    if name in ("seeds", "seed"):
        raise _err(where, f"{name} is set by the spec's top-level 'seeds' (a count, or a list of seeds)")
    if name not in known or (name == "engine" and engines is None):
        run = [f for f in (*RUN_FIELDS, *SYNTH_FIELDS) if f != "engine" or engines is not None]
        raise _err(
            where,
            f"unknown field {name!r}: a setting is an MGDConfig field ({', '.join(CONFIG_FIELDS)}) or one of "
            f"{', '.join(run)}",
        )
    if name == "backend":
        names = (*TRAIN_BACKENDS, *MEASURE_KINDS)
        if value not in names:
            raise _err(where, f"backend must be one of {', '.join(names)}, got {value!r}")
    elif name == "mode":
        if value not in _MODES:
            raise _err(where, f"mode must be one of {', '.join(_MODES)}, got {value!r}")
    elif name == "engine":
        if value not in engines:
            raise _err(where, f"engine must be one of {', '.join(engines)}, got {value!r}")
    elif name == "formats":
        _formats(where, value, base_dir)
    elif name == "dataset":
        try:
            check_dataset(value)
        except ConfigError as exc:
            raise _err(where, str(exc)) from None
    elif name in CONFIG_FIELDS:
        v = math.inf if name == "tau_theta" and value == "inf" else value
        if name == "layers" and isinstance(v, str):
            raise _err(where, f"layers must be a list like [2, 2, 1], got {value!r}")
        try:
            check_field(name, v)
        except ConfigError as exc:
            raise _err(where, str(exc)) from None
    else:
        _check_synth_value(where, name, value)
    return value


def _check_synth_value(where: str, name: str, value) -> None:
    from mgd.toolchain import DEVICES

    def positive_number(v):
        return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) and v > 0

    if name == "family" and value not in DEVICES:
        raise _err(where, f"family must be one of {', '.join(DEVICES)}, got {value!r}")
    if name == "device" and not any(value in devices for devices in DEVICES.values()):
        raise _err(where, f"device must be an iCE40 or ECP5 device (e.g. up5k, 25k), got {value!r}")
    if name == "package" and value is not None and not (isinstance(value, str) and value.isalnum()):
        raise _err(where, f"package must be a name like sg48 or CABGA381, got {value!r}")
    if name == "target" and value not in ("trainer", "array"):
        raise _err(where, f"target must be 'trainer' or 'array', got {value!r}")
    if name == "dsp" and not isinstance(value, bool):
        raise _err(where, f"dsp must be true or false, got {value!r}")
    if name in ("samples", "pnr_seed") and value is not None:
        low = 1 if name == "samples" else 0
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= (1 << 31) - 1:
            raise _err(where, f"{name} must be an integer in [{low}, {(1 << 31) - 1}], got {value!r}")
    if name in ("freq_mhz", "timeout") and value is not None and not positive_number(value):
        raise _err(where, f"{name} must be a positive number, got {value!r}")


_FORMATS_CACHE: dict = {}


def _formats(where: str, value, base_dir: Path | None):
    """(label, FixedFormats) of a ``formats`` setting: a set's name, or a JSON file (relative to the spec's
    folder, then to the current directory)."""
    if not isinstance(value, str) or not value:
        raise _err(where, f"formats must be a set's name ({', '.join(FORMAT_SETS)}) or a JSON file, got {value!r}")
    if value in FORMAT_SETS:
        return value, FORMAT_SETS[value]
    path = Path(value)
    if base_dir is not None and not path.is_absolute() and (base_dir / path).is_file():
        path = base_dir / path
    if not path.is_file():
        raise _err(where, f"formats: {value!r} is neither a set ({', '.join(FORMAT_SETS)}) nor a JSON file")
    try:
        return value, _FORMATS_CACHE.setdefault(path.resolve(), load_formats(path))
    except FormatError as exc:
        raise _err(where, f"formats {value!r}: {exc}") from None


def _as_table(where: str, value) -> dict:
    if not isinstance(value, Mapping):
        raise _err(where, f"must be a table (an object) of settings, got {type(value).__name__}: {value!r}")
    return dict(value)


def _seeds(value) -> list[int]:
    def is_int(v):
        return isinstance(v, int) and not isinstance(v, bool)

    if is_int(value):
        if not 1 <= value <= MAX_POINTS:
            raise SpecError(f"seeds: a count must be an integer in [1, {MAX_POINTS}], got {value!r}")
        seeds = list(range(value))
    elif isinstance(value, list) and value and all(is_int(v) for v in value):
        seeds = list(value)
        if len(set(seeds)) != len(seeds):
            raise SpecError(f"seeds: the list repeats a seed: {value!r}")
    else:
        raise SpecError(f"seeds must be a count (an integer >= 1) or a non-empty list of integers, got {value!r}")
    bad = [s for s in seeds if not 0 <= s <= MAX_SEED]
    if bad:
        raise SpecError(f"seeds: every seed must be in [0, {MAX_SEED}], got {bad[0]!r}")
    return seeds


def _applies(name: str, backend: str, hardware: bool) -> bool:
    """Whether setting ``name`` applies to a point on ``backend``."""
    if name in SYNTH_FIELDS:
        return backend == "synth"
    if name in ("formats", "mode"):
        return hardware
    if name == "engine":
        return backend not in MEASURE_KINDS
    return True


def _is_hardware(backend: str) -> bool:
    if backend == "gradient":
        return False
    return backend == "synth" or _train_backends()[backend].hardware


def _make_point(index, raw: dict, seed: int, *, use_preset: bool, base_dir) -> Point:
    """The point of settings ``raw`` (base and its own values merged) and ``seed``, validated."""
    own = raw.pop("__own__", ())
    backend = raw.get("backend", "golden")
    hardware = _is_hardware(backend)
    settings = {k: v for k, v in raw.items() if _applies(k, backend, hardware)}
    shown = {k: settings[k] for k in own if k in settings}
    where = Point(index, seed, backend, {}, shown).describe()
    fields = {"dataset": settings.get("dataset", "xor")}
    if use_preset:
        fields.update((hardware_preset if hardware else preset)(fields["dataset"]))
    fields.update({k: v for k, v in settings.items() if k in CONFIG_FIELDS})
    fields.update(seeds=1, seed=seed)
    try:
        config = MGDConfig.from_dict(fields)
    except ConfigError as exc:
        raise _err(where, str(exc)) from None
    formats = fixed = mode = synth = None
    if hardware:
        formats, fmts = _formats(
            where, settings.get("formats", "compact" if backend == "synth" else "default"), base_dir
        )
        fixed = fmts.to_dict()
        mode = settings.get("mode", "prescaled")
    if backend == "synth":
        synth = {k: settings.get(k, v) for k, v in SYNTH_DEFAULTS.items()}
        from mgd.toolchain import DEVICES

        if synth["device"] not in DEVICES[synth["family"]]:
            raise _err(where, f"{synth['family']} device must be one of {', '.join(DEVICES[synth['family']])}")
    engine = settings.get("engine") if backend not in MEASURE_KINDS else None
    if engine is not None:
        engines = getattr(_train_backends()[backend], "engines", ("numpy",))
        if engine not in engines:
            raise _err(where, f"engine {engine!r}: the {backend} backend takes {', '.join(engines)}")
        if engine == engines[0]:
            engine = None  # the backend's default: the same point as one that does not name it
    cfg = config.to_dict()
    key = point_key(backend, cfg, fixed, mode, engine, synth)
    return Point(index, seed, backend, cfg, shown, formats, fixed, mode, engine, synth, key)


def parse_spec(data, *, base_dir: Path | None = None, where: str = "sweep spec") -> SweepSpec:
    """A :class:`SweepSpec` from the mapping ``data`` (a parsed TOML or JSON spec); :class:`SpecError` naming
    ``where``, the field (and point) for anything wrong. ``base_dir``: where relative ``formats`` files are looked
    up."""
    try:
        return _parse(data, base_dir)
    except SpecError as exc:
        raise SpecError(f"{where}: {exc}") from None


def _parse(data, base_dir: Path | None) -> SweepSpec:
    if not isinstance(data, Mapping):
        raise SpecError(f"must be a table (an object), got {type(data).__name__}")
    unknown = sorted(set(data) - set(_TOP_KEYS))
    if unknown:
        raise SpecError(f"unknown key(s) {', '.join(map(repr, unknown))} (allowed: {', '.join(_TOP_KEYS)})")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise SpecError(f"'name' must be a non-empty string, got {name!r}")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise SpecError(f"'description' must be a string, got {description!r}")
    use_preset = data.get("preset", True)
    if not isinstance(use_preset, bool):
        raise SpecError(f"'preset' must be true or false, got {use_preset!r}")
    base = _as_table("base", data.get("base", {}))
    for k, v in base.items():
        _check_value(f"base.{k}", k, v, base_dir)
    grid = _as_table("grid", data.get("grid", {}))
    for k, values in grid.items():
        if not isinstance(values, list) or not values:
            raise _err(f"grid.{k}", f"must be a non-empty list of values, got {values!r}")
        if k == "layers" and not all(isinstance(v, list) for v in values):
            raise _err("grid.layers", "must be a list of layer lists, e.g. [[2, 2, 1], [2, 4, 1]]")
        for i, v in enumerate(values):
            _check_value(f"grid.{k}[{i}]", k, v, base_dir)
    entries = data.get("list", [])
    if not isinstance(entries, list) or not all(isinstance(e, Mapping) for e in entries):
        raise SpecError(f"'list' must be a list of tables of settings, got {entries!r}")
    for i, entry in enumerate(entries):
        for k, v in entry.items():
            _check_value(f"list[{i}].{k}", k, v, base_dir)
    if "seeds" not in data:
        raise SpecError("'seeds' is required (a count, or a list of seeds)")
    seeds = _seeds(data["seeds"])

    settings = []
    if grid:
        keys = list(grid)
        settings += [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*grid.values())]
    settings += [dict(e) for e in entries]
    if not settings:
        settings = [{}]  # the base alone
    swept = list(dict.fromkeys([*grid, *(k for e in entries for k in e)]))
    total = len(settings) * len(seeds)
    if total > MAX_POINTS:
        raise SpecError(f"{len(settings):,} settings × {len(seeds)} seeds = {total:,} runs > {MAX_POINTS:,}")

    points, seen, duplicates, used = [], set(), 0, set()
    for own in settings:
        raw = {**base, **own}
        backend = raw.get("backend", "golden")
        hardware = _is_hardware(backend)
        used |= {k for k in raw if _applies(k, backend, hardware)}
        raw["__own__"] = tuple(own)
        for seed in seeds[:1] if backend == "synth" else seeds:
            point = _make_point(len(points), dict(raw), seed, use_preset=use_preset, base_dir=base_dir)
            if point.key in seen:
                duplicates += 1
                continue
            seen.add(point.key)
            points.append(point)
    unused = [k for k in dict.fromkeys([*base, *swept]) if k not in used]
    if unused:
        raise SpecError(
            f"{', '.join(map(repr, unused))} apply to no point of the sweep (formats and mode: hardware "
            f"backends {', '.join(b for b in TRAIN_BACKENDS if _is_hardware(b))} and synth; "
            f"{', '.join(SYNTH_FIELDS)}: backend 'synth')"
        )
    spec_data = json.loads(json.dumps(data, default=str))
    return SweepSpec(name.strip(), description, swept, seeds, points, duplicates, spec_data)


def load_spec(path) -> SweepSpec:
    """Read and validate the spec file ``path`` (``.toml``, or ``.json``); :class:`SpecError` if it cannot run."""
    path = Path(path)
    where = f"sweep spec {str(path)!r}"
    if path.suffix.lower() not in (".toml", ".json"):
        raise SpecError(f"{where} must be a .toml or .json file")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SpecError(f"cannot read {where}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
        data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:  # JSON, TOML and UTF-8 decoding errors
        raise SpecError(f"cannot parse {where}: {exc}") from None
    return parse_spec(data, base_dir=path.parent, where=where)
