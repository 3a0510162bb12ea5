"""Training backends: one interface (:class:`Backend`), one registry (:data:`BACKENDS`, :func:`get_backend`), one
result type (:class:`~mgd.golden_model.training.TrainResult`, plus :class:`HardwareExtras` on the RTL backends).

``golden`` (float model), ``fixed`` (bit-exact fixed-point model), ``amaranth`` (the RTL trainer in Amaranth
simulation: :mod:`.amaranth_sim`) and ``verilator`` (the same RTL compiled by Verilator:
:mod:`mgd.sim.verilator_backend`). Importing this package does not import Amaranth: :func:`train_amaranth` and
:func:`schedule_trace` are loaded from :mod:`.amaranth_sim` when first used.
"""

from __future__ import annotations

from .registry import (
    BACKENDS,
    AmaranthBackend,
    Backend,
    BackendError,
    FixedBackend,
    GoldenBackend,
    TrainOptions,
    VerilatorBackend,
    get_backend,
    hardware_backends,
)
from .results import HardwareExtras, SampleError, SeedRun, assemble_result, one_seed_config

__all__ = [
    "BACKENDS",
    "AmaranthBackend",
    "Backend",
    "BackendError",
    "FixedBackend",
    "GoldenBackend",
    "HardwareExtras",
    "SampleError",
    "SeedRun",
    "TrainOptions",
    "VerilatorBackend",
    "assemble_result",
    "get_backend",
    "hardware_backends",
    "one_seed_config",
    "schedule_trace",
    "train_amaranth",
]


def __getattr__(name: str):
    """``train_amaranth`` and ``schedule_trace``, imported (with Amaranth) on first use."""
    if name in ("train_amaranth", "schedule_trace"):
        from . import amaranth_sim

        return getattr(amaranth_sim, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
