"""The ``mgd`` command line: :func:`main`, the parser class every command shares, and the shared option types.

Each command is a module of :mod:`mgd.commands` (``train``, ``bench``, ``area``, ``verilog``, ``compare``,
``build``, ``board``, ``synth``) that adds its subparser and runs it. ``mgd train`` trains a network on one of the
backends of :mod:`mgd.sim.backends`, prints a human summary, and writes ``--json`` and ``--plot`` on request. Every
option is checked, and the whole configuration validated, before any work starts; a refusal is a message naming the
option and exit status 2 (:mod:`mgd.validate`).
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import sys
from pathlib import Path
from typing import NamedTuple

from mgd.golden_model import datasets
from mgd.golden_model.config import ConfigError, MGDConfig
from mgd.golden_model.files import write_text
from mgd.golden_model.formats import FORMAT_SETS, FixedFormats, FormatError, load_formats
from mgd.golden_model.presets import hardware_preset, preset

from .validate import check_dataset, config_file_fields, output_file

__all__ = [
    "Parser",
    "NamedFormats",
    "TRAIN_OPTIONS",
    "CHOICE_OPTIONS",
    "dataset_name",
    "layers_type",
    "tau_theta_type",
    "json_out",
    "formats_type",
    "write_json",
    "config_from_args",
    "build_parser",
    "main",
]

#: the command modules of :mod:`mgd.commands`, in the order ``mgd --help`` lists them
COMMANDS = ("train", "bench", "area", "verilog", "compare", "build", "board", "synth", "sweep")


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are two lines: the error, then where the help is (not the whole usage)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n(see: {self.prog} --help)\n")


def dataset_name(text: str) -> str:
    """argparse type: a dataset name (one of :data:`~mgd.golden_model.datasets.DATASET_NAMES`, or parityN)."""
    if text not in datasets.DATASET_NAMES:
        try:
            datasets.load(text)  # parityN; anything else is refused with the list of names
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def layers_type(text: str) -> tuple[int, ...]:
    """argparse type: layer sizes like ``2-2-1`` (at least two positive sizes)."""
    try:
        sizes = tuple(int(p) for p in text.split("-"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"layers must look like 2-2-1, got {text!r}") from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"layers needs at least two positive sizes, got {text!r}")
    return sizes


def tau_theta_type(text: str) -> float:
    """argparse type: τθ, a finite number > 0 or ``inf`` (an int when it is one)."""
    if text.lower() in ("inf", "infinity"):
        return math.inf
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"tau-theta must be a number or 'inf', got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"tau-theta must be a finite number > 0 or 'inf', got {text!r}")
    return int(value) if value == int(value) else value


def json_out(text: str) -> Path:
    """argparse type: a writable JSON output file."""
    return output_file("JSON file")(text)


class NamedFormats(NamedTuple):
    """The fixed-point formats ``--formats`` chose: ``label`` as given (a set's name or a file's path) and ``fmts``."""

    label: str
    fmts: FixedFormats

    def to_json(self) -> dict:
        """What ``--json`` outputs record: ``formats`` (the label) and ``fixed_formats`` (every field)."""
        return {"formats": self.label, "fixed_formats": self.fmts.to_dict()}


def formats_type(text: str) -> NamedFormats:
    """argparse type: a named set of formats (:data:`~mgd.golden_model.formats.FORMAT_SETS`) or a JSON file of
    formats (:func:`~mgd.golden_model.formats.load_formats`: the message names the bad field)."""
    if text not in FORMAT_SETS and not Path(text).is_file():
        raise argparse.ArgumentTypeError(
            f"invalid choice: {text!r} (choose from {', '.join(map(repr, FORMAT_SETS))}, or a JSON file of formats)"
        )
    try:
        return NamedFormats(text, load_formats(text))
    except FormatError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def formats_help(default: str) -> str:
    """The help of a ``--formats`` option whose default set is ``default``."""
    from mgd.golden_model.formats import BOARD_FORMATS

    return (
        f"the fixed-point formats: a named set ({', '.join(FORMAT_SETS)}; default: θ s5.14; compact: θ s3.12, "
        f"which saturates at ±8) or a JSON file of formats (FixedFormats.to_dict's fields); the iCEBreaker and "
        f"ULX3S-85F board builds use {BOARD_FORMATS!r} (default: {default})"
    )


def write_json(path, data, **kwargs) -> None:
    """Write ``data`` as JSON (indent 2 unless ``indent`` is given) to ``path``, atomically."""
    write_text(path, json.dumps(data, indent=kwargs.pop("indent", 2), **kwargs) + "\n")


#: ``mgd train``'s options of MGDConfig fields: option name → (config field, type, help); defaults come from the
#: config and the dataset preset
TRAIN_OPTIONS = [
    ("--steps", "steps", None, "number of MGD steps"),
    ("--seeds", "seeds", None, "independent initialisations, run vectorised"),
    ("--seed", "seed", None, "base random seed"),
    ("--eta", "eta", None, "learning rate η (in the chosen normalisation)"),
    ("--dtheta", "dtheta", None, "perturbation amplitude Δθ per parameter"),
    ("--tau-x", "tau_x", None, "steps per training sample"),
    ("--tau-p", "tau_p", None, "steps per perturbation"),
    ("--tau-theta", "tau_theta", tau_theta_type, "steps per parameter update ('inf' = never)"),
    ("--tau-hp", "tau_hp", None, "high-pass time constant of the analog algorithm"),
    ("--layers", "layers", layers_type, "network sizes, e.g. 2-2-1 (default: the dataset's)"),
    ("--init-scale", "init_scale", None, "θ₀ ~ U[-s, s)"),
    (
        "--theta-max",
        "theta_max",
        None,
        "parameter range: θ clipped to ±θmax after every update (golden backend; "
        "the hardware saturates θ at its format's range)",
    ),
    ("--sigma-cost", "sigma_cost", None, "cost noise σC"),
    ("--sigma-theta", "sigma_theta", None, "update noise σθ (units of Δθ)"),
    ("--sigma-act", "sigma_act", None, "activation defects σa"),
    ("--eval-every", "eval_every", None, "steps between evaluations on the whole evaluation set"),
    ("--threshold", "threshold", None, "accuracy threshold for 'steps to threshold'"),
]
#: ``mgd train``'s options of enumerated MGDConfig fields (choices from :data:`~mgd.golden_model.config.CHOICES`)
CHOICE_OPTIONS = [
    "algorithm",
    "perturbation",
    "perturb_target",
    "normalization",
    "optimizer",
    "activation",
    "output_activation",
    "param_order",
    "update_noise",
    "sample_order",
    "hardware_seeds",
]


def config_from_args(args, *, hardware: bool) -> MGDConfig:
    """Preset of the dataset (as the hardware runs it if ``hardware``: Δθ = 2^-k, θ range = its format's), then
    the ``--config`` file, then the explicit options (those ``args`` has); validated."""
    fields = {"dataset": args.dataset}
    if args.config is not None:
        fields.update(config_file_fields(args.config))
    check_dataset(fields["dataset"])
    defaults = (hardware_preset if hardware else preset)(fields["dataset"])
    fields = {**defaults, **fields}
    for fld in [f for _, f, _, _ in TRAIN_OPTIONS] + CHOICE_OPTIONS:
        if getattr(args, fld, None) is not None:
            fields[fld] = getattr(args, fld)
    return MGDConfig.from_dict(fields)


def build_parser() -> argparse.ArgumentParser:
    """The ``mgd`` parser: one subparser per command module, each with its ``run`` as ``args.run``."""
    parser = Parser(
        prog="mgd", description="Multiplexed gradient descent: golden model, RTL, simulation and FPGA tools."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"mgd.commands.{name}")
        module.add_parser(sub).set_defaults(run=module.run)
    return parser


def main(argv=None) -> int:
    """Run the ``mgd`` command line on ``argv`` (default: ``sys.argv[1:]``); returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except ConfigError as exc:
        parser.exit(2, f"mgd: error: {exc}\n")


if __name__ == "__main__":
    sys.exit(main())
