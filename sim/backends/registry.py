"""The training backends behind one interface, and the registry the command line looks them up in.

A backend (:class:`Backend`) has a ``name``, a one-line ``description``, says whether it is ``hardware`` (it runs
the fixed-point formats and broadcast mode of the trainer, and takes ``fmts`` and ``mode``), which run
``options`` it takes beside progress (``trace``, ``vcd``, ``jobs``) and which ``engines`` it can compute with
(:attr:`TrainOptions.engine`; ``("numpy",)`` unless it has a compiled one), and trains::

    result, extras = get_backend("amaranth").train(config, fmts, "prescaled", TrainOptions())

``result`` is a :class:`~mgd.golden_model.training.TrainResult` on every backend; ``extras`` a
:class:`~.results.HardwareExtras` on the RTL backends, None on the others. Importing this module is cheap: each
backend imports its simulator (Amaranth, Verilator) when it trains.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from mgd.golden_model.config import MGDConfig
from mgd.golden_model.formats import FixedFormats
from mgd.golden_model.training import TrainResult

from .results import HardwareExtras

__all__ = [
    "Backend",
    "BackendError",
    "TrainOptions",
    "GoldenBackend",
    "FixedBackend",
    "AmaranthBackend",
    "VerilatorBackend",
    "BACKENDS",
    "get_backend",
    "hardware_backends",
]


class BackendError(RuntimeError):
    """A backend cannot run here (e.g. Verilator is not installed) or its simulation failed."""


@dataclass(frozen=True)
class TrainOptions:
    """How to run (not what to compute): a progress bar, the engine, and the run options only some backends take (a
    backend lists the ones it takes in :attr:`Backend.options`): ``trace`` (the first network's per-cycle trace,
    .npz), ``vcd`` (the first network's VCD), ``jobs`` (networks simulated at once), ``cache`` (Verilator's build
    cache; None: its default). ``engine``: what computes the model's steps, one of the backend's
    :attr:`Backend.engines` ("numpy", or "compiled": numba, the same results). ``pipelined`` (option
    ``pipelined``): run the pipelined trainer (:class:`~mgd.rtl.pipelined_trainer.PipelinedTrainer`: the same θ,
    another cycle schedule), with ``input_bits`` (its narrow layer-0 inputs; None: the act format's). ``lanes``
    (option ``lanes``): run the folded trainer with that many lanes (:class:`~mgd.rtl.folded_trainer.FoldedTrainer`:
    the same θ, its own cycle schedule; ``input_bits`` as the pipelined one's); None: not folded."""

    progress: bool = False
    trace: Path | None = None
    vcd: Path | None = None
    jobs: int = 1
    cache: Path | None = None
    engine: str = "numpy"
    pipelined: bool = False
    input_bits: int | None = None
    lanes: int | None = None


@runtime_checkable
class Backend(Protocol):
    """A training backend: see the module's docstring."""

    name: str
    description: str
    hardware: bool
    options: frozenset[str]
    engines: tuple[str, ...]  # the TrainOptions.engine values it takes, the default ("numpy") first

    def train(
        self, config: MGDConfig, fmts: FixedFormats | None, mode: str, options: TrainOptions | None = None
    ) -> tuple[TrainResult, HardwareExtras | None]:
        """Train ``config.seeds`` networks of ``config``; ``fmts`` and ``mode`` are used by hardware backends only
        (``options``: None runs with :class:`TrainOptions`' defaults)."""
        ...


class GoldenBackend:
    """The float model (:func:`mgd.golden_model.training.train`), stepped by numpy or by the compiled engine
    (:mod:`mgd.golden_model.float_engine`: the same draws, equal up to floating-point reassociation)."""

    name = "golden"
    description = "float numpy model"
    hardware = False
    options = frozenset()
    engines = ("numpy", "compiled")

    def train(self, config, fmts=None, mode="prescaled", options=None):
        options = options or TrainOptions()
        from mgd.golden_model.training import train

        return train(config, progress=options.progress, desc="MGD", engine=options.engine), None


class FixedBackend:
    """The bit-exact fixed-point model of the hardware (:func:`mgd.golden_model.fixed_mgd.train_fixed`), stepped by
    numpy or by the compiled engine (:mod:`mgd.golden_model.fixed_engine`, bit-identical); ``trace`` writes the
    golden per-cycle schedule of the first network (with ``pipelined``: the pipelined trainer's, with ``lanes``: the
    folded trainer's; θ is the same)."""

    name = "fixed"
    description = "the bit-exact fixed-point model of the hardware"
    hardware = True
    options = frozenset({"trace", "pipelined", "lanes"})
    engines = ("numpy", "compiled")

    def train(self, config, fmts, mode="prescaled", options=None):
        options = options or TrainOptions()
        from mgd.golden_model.fixed_mgd import train_fixed

        result = train_fixed(config, fmts, mode=mode, progress=options.progress, engine=options.engine)
        if options.trace:
            from .. import trace as trace_io
            from .amaranth_sim import schedule_trace

            meta = {"source": "golden schedule", "config": config.replace(seeds=1).to_dict(), "mode": mode}
            if options.pipelined:
                meta |= {"pipelined": True, "input_bits": options.input_bits}
            if options.lanes is not None:
                meta |= {"lanes": options.lanes, "input_bits": options.input_bits}
            trace_io.save(
                options.trace,
                schedule_trace(
                    config,
                    fmts,
                    mode=mode,
                    pipelined=options.pipelined,
                    input_bits=options.input_bits,
                    lanes=options.lanes,
                ),
                meta,
            )
        return result, None


class AmaranthBackend:
    """The RTL trainer in Amaranth simulation (:func:`.amaranth_sim.train_amaranth`)."""

    name = "amaranth"
    description = "the RTL trainer in Amaranth simulation, one network per seed"
    hardware = True
    options = frozenset({"trace", "vcd", "pipelined", "lanes"})
    engines = ("numpy",)

    def train(self, config, fmts, mode="prescaled", options=None):
        options = options or TrainOptions()
        from .amaranth_sim import train_amaranth

        return train_amaranth(
            config,
            fmts,
            mode=mode,
            trace_path=options.trace,
            vcd=str(options.vcd) if options.vcd else None,
            progress=options.progress,
            pipelined=options.pipelined,
            input_bits=options.input_bits,
            lanes=options.lanes,
        )


class VerilatorBackend:
    """The same RTL compiled by Verilator (:func:`mgd.sim.verilator_backend.train_verilator`)."""

    name = "verilator"
    description = "the same RTL compiled by Verilator, free-running (fast; builds cached in out/verilator-cache)"
    hardware = True
    options = frozenset({"jobs", "pipelined", "lanes"})
    engines = ("numpy",)

    def train(self, config, fmts, mode="prescaled", options=None):
        options = options or TrainOptions()
        from mgd.toolchain import VerilatorError

        from ..verilator_backend import train_verilator

        try:
            return train_verilator(
                config,
                fmts,
                mode=mode,
                progress=options.progress,
                cache=options.cache,
                jobs=options.jobs,
                pipelined=options.pipelined,
                input_bits=options.input_bits,
                lanes=options.lanes,
            )
        except VerilatorError as exc:
            raise BackendError(str(exc)) from None


#: every backend by name, in the order the command line lists them
BACKENDS: dict[str, Backend] = {
    b.name: b for b in (GoldenBackend(), FixedBackend(), AmaranthBackend(), VerilatorBackend())
}


def get_backend(name: str) -> Backend:
    """The backend called ``name``; ValueError listing the names otherwise."""
    try:
        return BACKENDS[name]
    except KeyError:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, got {name!r}") from None


def hardware_backends() -> list[str]:
    """Names of the backends that run the hardware's formats and mode."""
    return [name for name, b in BACKENDS.items() if b.hardware]
