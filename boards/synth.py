"""Whole-design synthesis and place-and-route: the trainer and the inference-only array on iCE40 and ECP5 devices.

:func:`place_and_route` synthesizes a component with :func:`mgd.toolchain.synthesize` (``synth_ice40 [-dsp]`` /
``synth_ecp5 [-nodsp]``, ``-json NAME.json``) and places and routes it with :func:`mgd.toolchain.run_nextpnr` (no
pin constraints: the placer chooses the pins; per-bel utilisation and the achieved post-route Fmax of every clock
from nextpnr's report). :func:`synth_designs` does both designs of one configuration, each inside an
:class:`~mgd.boards.io_wrapper.IOWrapper` (4 pins), and the training overhead as ratios. ``mgd synth`` is the
command line; ``docs/fpga-synth.md`` has the measurements and the commands.

iCE40 ``-dsp`` (on by default, as the board builds use it): Yosys 0.70 mis-maps a 33-bit ``c + a*b`` to SB_MAC16
(docs/postsynth.md). With the compact formats no multiplier is that wide; with the default formats the cell counts are
still what the tool builds, but such a netlist is not trusted (post-synthesis simulation is the check).
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import numpy as np

from mgd.golden_model.formats import DEFAULT_FORMATS, FixedFormats
from mgd.toolchain import (
    DEFAULT_FREQ_MHZ,
    SynthResult,
    check_device,
    check_name,
    find_nextpnr,
    find_yosys,
    run_nextpnr,
    synthesize,
)

from .io_wrapper import IOWrapper

__all__ = [
    "synth_row",
    "place_and_route",
    "make_trainer",
    "make_array",
    "synthetic_trainer",
    "synth_designs",
    "overhead",
    "format_table",
    "TARGETS",
]


def synth_row(r: SynthResult) -> dict:
    """The JSON layout of one synthesis in ``mgd synth``'s results: ``{"family", "name", "dsp_mapping"`` and the
    counts of :meth:`~mgd.toolchain.SynthResult.counts`, ``"bram", "warnings", "yosys", "convert_s", "yosys_s"}``
    (seconds, rounded to 0.01)."""
    return {
        "family": r.family,
        "name": r.top,
        "dsp_mapping": r.dsp_mapping,
        **r.counts(),
        "bram": r.bram,
        "warnings": r.warnings,
        "yosys": r.yosys,
        "convert_s": round(r.convert_seconds, 2),
        "yosys_s": round(r.seconds, 2),
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
    """Synthesize ``component`` (:func:`mgd.toolchain.synthesize`) and place and route it on ``device`` with
    nextpnr (:func:`mgd.toolchain.run_nextpnr`).

    ``family`` "ice40" or "ecp5"; ``device`` a key of :data:`DEVICES` (iCE40: up5k, hx8k, …; ECP5: 25k, 45k, 85k
    and the um-/um5g- variants); ``package`` default: the device's in :data:`DEVICES` (up5k → sg48, ECP5 →
    CABGA381). ``freq_mhz``: the timing target (default :data:`DEFAULT_FREQ_MHZ`); a miss is not an error (the
    achieved Fmax is the result). ``seed``: nextpnr's placer seed. ``dsp``: map multipliers to DSP blocks.
    ``workdir``: where NAME.il, synth.ys, NAME.json, yosys.log, stat.json, nextpnr.log and report.json are kept
    (any path, also under /tmp: the tools run from inside it); default a temporary directory removed afterwards.
    ``timeout``: seconds per tool (a :class:`SynthesisError` when exceeded).

    The component needs ports that fit the package: wrap a large design in
    :class:`~mgd.boards.io_wrapper.IOWrapper` (:func:`synth_designs` does). Returns :func:`synth_row` and
    ``{"device", "package", "command"`` (nextpnr's), ``"utilisation"`` {bel type: [used, available]},
    ``"logic_cells"`` (nextpnr's ICESTORM_LC / TRELLIS_COMB used), ``"io"``, ``"clocks"`` {clock net:
    {"achieved", "constraint"}}, ``"fmax_mhz"`` (achieved post-route Fmax of the design's clock; the slowest if
    several), ``"paths"``, ``"untimed_dsp_paths"`` (see :func:`mgd.toolchain.parse_report`: on iCE40 with ``dsp``
    the paths through SB_MAC16 blocks are not timed), ``"freq_mhz"``, ``"seed"``, ``"nextpnr"`` (version),
    ``"seconds"`` {"convert", "yosys", "nextpnr"}``.

    ``ValueError`` for a bad family, device, package, name, frequency or seed, before any work;
    :class:`SynthesisError` when a tool is missing, fails or times out (with its log's tail).
    """
    check_device(family, device, package)
    check_name(name)
    if freq_mhz is None:
        freq_mhz = DEFAULT_FREQ_MHZ[family]
    if not isinstance(freq_mhz, int | float) or not math.isfinite(freq_mhz) or freq_mhz <= 0:
        raise ValueError(f"freq_mhz must be a positive number, got {freq_mhz!r}")
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    nextpnr = find_nextpnr(family)
    yosys = find_yosys()
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
    syn = synthesize(
        component, family, top=name, dsp=dsp, workdir=workdir, json_netlist=True, yosys=yosys, timeout=timeout
    )
    pnr = run_nextpnr(
        syn.json_netlist,
        family,
        device=device,
        package=package,
        freq_mhz=freq_mhz,
        seed=seed,
        timeout=timeout,
        nextpnr=nextpnr,
    )
    row = synth_row(syn)
    nextpnr_s = pnr.pop("nextpnr_s")
    return {**row, **pnr, "seconds": {"convert": row["convert_s"], "yosys": row["yosys_s"], "nextpnr": nextpnr_s}}


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
    check_device(family, device, package)
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
