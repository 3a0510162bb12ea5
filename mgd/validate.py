"""The command line's validation layer: every option and file is checked here, before any work starts.

* Numeric options are parsed by ``type=`` functions that refuse non-numbers, ±inf, nan and values out of range, and
  say the range: the :class:`~mgd.golden_model.config.MGDConfig` fields by the config's own checks
  (:func:`~mgd.golden_model.config.check_field`), the hardware's registers by their ports
  (:meth:`~mgd.golden_model.schedule.Registers.range`: ``--steps`` of ``build`` and ``board`` ≤ 2^32 − 1, the steps
  register), the rest by the limits below.
* Output paths (``--json``, ``--plot``, ``--trace``, ``--vcd``, ``-o``, ``--markdown``, ``--build-dir``,
  ``--workdir``) are checked at parse time (:mod:`mgd.golden_model.files`): a file must be writable (not a
  directory, its folder exists and takes new files, not a read-only file), a plot's extension one matplotlib
  writes, a trace's ``.npz``; a directory must exist writable or be creatable. Files are then written atomically.
* :func:`config_file_fields` reads a ``--config`` file: a JSON object of known fields, each of the right type.
* :func:`check_hardware` refuses a configuration whose runtime registers do not fit the trainer's ports.

A refusal is one line on stderr that names the option or field and what is allowed, and exit status 2 (argparse's
errors, and :class:`~mgd.golden_model.config.ConfigError` in :func:`mgd.cli.main`).
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from mgd.golden_model import datasets
from mgd.golden_model.config import ConfigError, MGDConfig, check_field
from mgd.golden_model.files import OutputPathError, check_output_dir, check_output_file
from mgd.golden_model.formats import DEFAULT_FORMATS, FixedFormats
from mgd.golden_model.schedule import Registers

__all__ = [
    "MAX_MIN_TIME",
    "MAX_TIMEOUT",
    "MAX_FREQ_MHZ",
    "BAUD_RANGE",
    "MAX_JOBS",
    "MAX_SAMPLES",
    "MAX_PNR_SEED",
    "int_type",
    "real_type",
    "config_type",
    "register_type",
    "output_file",
    "plot_file",
    "trace_file",
    "output_dir",
    "plot_formats",
    "check_dataset",
    "config_file_fields",
    "check_hardware",
]

#: ``mgd bench --min-time``: seconds per case (one hour; a bench runs 4–8 cases)
MAX_MIN_TIME = 3600.0
#: ``--timeout`` of ``board`` and ``synth``: one week, in seconds
MAX_TIMEOUT = 7 * 24 * 3600.0
#: ``mgd synth --freq``: no iCE40 or ECP5 design runs faster than 1 GHz
MAX_FREQ_MHZ = 1000.0
#: ``mgd board --baud``: what serial adapters offer (FTDI: up to 12 Mbaud)
BAUD_RANGE = (50, 12_000_000)
#: ``mgd train --jobs``: networks simulated at once
MAX_JOBS = 1024
#: ``mgd synth --samples``: dataset memory depth (the largest dataset, parity24, has 2^24 samples)
MAX_SAMPLES = 1 << 24
#: nextpnr ``--seed`` (a C int)
MAX_PNR_SEED = (1 << 31) - 1
#: --input-bits: the command line's bound (the pipelined trainer's own, act.frac + 1, is checked by
#: :func:`check_pipelined`)
MAX_INPUT_BITS = 64
#: ``mgd train --lanes``: the folded trainer's multiply-accumulate lanes (lanes past a layer's width idle)
MAX_LANES = 1024


def _range_text(low, high, low_open=False, high_open=False) -> str:
    return f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"


def int_type(low: int, high: int):
    """argparse type: an integer in [low, high]."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be an integer in [{low}, {high}], got {text!r}")
        return value

    return parse


def real_type(low: float, high: float, *, low_open: bool = False, high_open: bool = False):
    """argparse type: a finite number in the range (bounds included unless ``*_open``)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        ok = (
            math.isfinite(value)
            and (value > low if low_open else value >= low)
            and (value < high if high_open else value <= high)
        )
        if not ok:
            raise argparse.ArgumentTypeError(
                f"must be a finite number in {_range_text(low, high, low_open, high_open)}, got {text!r}"
            )
        return value

    return parse


def _number(text: str):
    """An int if ``text`` is one, else a float (ValueError if neither)."""
    try:
        return int(text)
    except ValueError:
        return float(text)


def config_type(field: str, parse=None):
    """argparse type for the MGDConfig field ``field``: ``parse`` turns the text into a value (default: an int for
    integer fields, else a number), then the config's own check applies (type and range)."""

    def convert(text: str):
        try:
            value = parse(text) if parse is not None else _number(text)
        except ValueError:
            value = text  # the check below says what is expected
        except argparse.ArgumentTypeError:
            raise
        try:
            check_field(field, value)
        except ConfigError as exc:  # quote what was typed ('1e3'), not the number it parsed to (1000.0)
            raise argparse.ArgumentTypeError(str(exc).replace(f"got {value!r}", f"got {text!r}")) from None
        return value

    return convert


def register_type(name: str, eta_width: int = DEFAULT_FORMATS.eta.width):
    """argparse type: a value of the trainer's runtime register ``name`` (its port's range)."""
    low, high = Registers.range(name, eta_width)
    return int_type(low, high)


def _path_type(check, **kwargs):
    def convert(text: str) -> Path:
        try:
            return check(text, **kwargs)
        except OutputPathError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return convert


def output_file(what: str = "file", suffixes=None):
    """argparse type: a file that can be written (``suffixes``: allowed extensions)."""
    return _path_type(check_output_file, what=what, suffixes=suffixes)


def plot_formats() -> dict[str, str]:
    """Extensions matplotlib writes (``png``, ``pdf``, ``svg``, …) → description."""
    from matplotlib.backend_bases import FigureCanvasBase

    return FigureCanvasBase.get_supported_filetypes()


def plot_file(text: str) -> Path:
    """argparse type: a writable file with an extension matplotlib writes."""
    return output_file("plot", suffixes={"." + ext for ext in plot_formats()})(text)


def trace_file(text: str) -> Path:
    """argparse type: a writable ``.npz`` file."""
    return output_file("trace", suffixes={".npz"})(text)


def output_dir(what: str = "directory"):
    """argparse type: a writable directory, or one that can be created."""
    return _path_type(check_output_dir, what=what)


def check_dataset(name) -> str:
    """``name`` if it is a dataset (:func:`mgd.golden_model.datasets.load` knows it), else :class:`ConfigError`."""
    if not isinstance(name, str):
        raise ConfigError(f"dataset must be a name (a string), got {name!r}")
    if name not in datasets.DATASET_NAMES:
        try:
            datasets.load(name)
        except ValueError as exc:
            raise ConfigError(f"dataset: {exc}") from None
    return name


def config_file_fields(path) -> dict:
    """The fields of a ``--config`` JSON file, each checked alone (type and range); :class:`ConfigError` naming
    the file and the field otherwise. Cross-field checks happen when the whole config is validated."""
    where = f"--config {str(path)!r}"
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise ConfigError(f"cannot read {where}: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{where} must hold a JSON object of MGDConfig fields, got a JSON {type(data).__name__}")
    known = {f for f in MGDConfig.__dataclass_fields__}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{where}: unknown configuration field(s): {', '.join(unknown)}")
    for name, value in data.items():
        if name == "tau_theta" and value == "inf":
            continue
        try:
            check_field(name, value)
        except ConfigError as exc:
            raise ConfigError(f"{where}: {exc}") from None
    if "dataset" in data:
        try:
            check_dataset(data["dataset"])
        except ConfigError as exc:
            raise ConfigError(f"{where}: {exc}") from None
    return data


def check_hardware(config: MGDConfig, fmts: FixedFormats = DEFAULT_FORMATS, mode: str = "prescaled"):
    """The fixed-point model of ``config`` if the trainer can run it, else :class:`ConfigError`: what
    :class:`~mgd.golden_model.fixed_mgd.FixedMGD` refuses, a register value outside its port (τ's < 2^16, steps in
    [1, 2^32 − 1]), and an η the η register cannot hold (it would saturate, or round to 0: no learning)."""
    from mgd.golden_model.fixed_mgd import FixedMGD

    model = FixedMGD(config, fmts, mode=mode)  # refuses an η the η register cannot hold
    for name, value in model.register_values().items():
        low, high = Registers.range(name, fmts.eta.width)
        if not low <= value <= high:  # a config field taken as it is (τ's, steps): named as the config names it
            raise ConfigError(
                f"{name}={value:g} does not fit the hardware's {name} register: must be in [{low}, {high}]"
            )
    return model


def check_input_bits_option(args) -> None:
    """``--input-bits`` is an option of the pipelined trainer (and, on commands that have ``--lanes``, of the folded
    trainer): refused without ``--pipelined`` (or ``--lanes``)."""
    folded = hasattr(args, "lanes")  # the command has --lanes (mgd train, mgd verilog)
    if getattr(args, "input_bits", None) is None or getattr(args, "pipelined", False):
        return
    if folded and args.lanes is not None:
        return
    if folded:
        raise ConfigError(
            "--input-bits needs --pipelined or --lanes (it is an option of the pipelined and folded trainers)"
        )
    raise ConfigError("--input-bits needs --pipelined (it is an option of the pipelined trainer)")


def check_pipelined(
    config: MGDConfig, fmts: FixedFormats = DEFAULT_FORMATS, mode: str = "prescaled", input_bits: int | None = None
) -> None:
    """:class:`ConfigError` naming ``--pipelined`` (and ``--input-bits``) if the pipelined trainer of ``config``
    would refuse its parameters, e.g. ``input_bits`` outside [1, act.frac + 1] or a dataset input that is not
    v·2^-(B-1) with v a B-bit unsigned integer: the trainer's own checks
    (:meth:`PipelinedTrainer.check <mgd.rtl.pipelined_trainer.PipelinedTrainer.check>`), run before any part of it
    is built."""
    from mgd.golden_model.fixed_mgd import FixedMGD
    from mgd.rtl.pipelined_trainer import PipelinedTrainer

    model = FixedMGD(config.replace(seeds=1), fmts, mode=mode)
    try:
        PipelinedTrainer.check(
            model.mlp, model.codes, fmts, model.theta0[0], mode, model.x, model.y, config.sample_order, input_bits
        )
    except ValueError as exc:
        what = "--pipelined" + ("" if input_bits is None else f" --input-bits {input_bits}")
        raise ConfigError(f"{what}: {exc}") from None


def check_folded(
    config: MGDConfig,
    fmts: FixedFormats = DEFAULT_FORMATS,
    mode: str = "prescaled",
    input_bits: int | None = None,
    lanes: int = 1,
) -> None:
    """:class:`ConfigError` naming ``--lanes`` (and ``--input-bits``) if the folded trainer of ``config`` with
    ``lanes`` lanes would refuse its parameters: the trainer's own checks
    (:meth:`FoldedTrainer.check <mgd.rtl.folded_trainer.FoldedTrainer.check>`), run before any part of it is built."""
    from mgd.golden_model.fixed_mgd import FixedMGD
    from mgd.rtl.folded_trainer import FoldedTrainer

    model = FixedMGD(config.replace(seeds=1), fmts, mode=mode)
    try:
        FoldedTrainer.check(
            model.mlp,
            model.codes,
            fmts,
            model.theta0[0],
            mode,
            model.x,
            model.y,
            config.sample_order,
            input_bits,
            lanes,
        )
    except ValueError as exc:
        what = f"--lanes {lanes}" + ("" if input_bits is None else f" --input-bits {input_bits}")
        raise ConfigError(f"{what}: {exc}") from None
