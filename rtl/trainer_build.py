"""A configuration made hardware: the trainer, its runtime registers and the bit-exact model that it must match.

:func:`build` turns an :class:`~mgd.golden_model.config.MGDConfig` (one seed: one network) into the RTL
:class:`~.trainer.Trainer`, the runtime :class:`~mgd.golden_model.schedule.Registers` and the
:class:`~mgd.golden_model.fixed_mgd.FixedMGD` of the same network. Simulation (:mod:`mgd.sim`) and the board tops
(:mod:`mgd.boards`) both start from it.
"""

from __future__ import annotations

from dataclasses import dataclass

from mgd.golden_model.config import ConfigError, MGDConfig
from mgd.golden_model.fixed_mgd import FixedMGD
from mgd.golden_model.folded_schedule import FoldedScheduleModel, folded_cycles
from mgd.golden_model.formats import DEFAULT_FORMATS, FixedFormats
from mgd.golden_model.pipeline_schedule import PipelinedScheduleModel, pipelined_cycles
from mgd.golden_model.schedule import Registers, ScheduleModel, step_cycles

from .folded_trainer import FoldedTrainer
from .pipelined_trainer import PipelinedTrainer
from .trainer import Trainer

__all__ = ["Build", "build", "max_cycles", "cycle_limit", "schedule_model"]


@dataclass
class Build:
    """One network in hardware: its ``config``, fixed-point ``model`` (one seed), RTL ``trainer`` and ``regs``."""

    config: MGDConfig
    model: FixedMGD
    trainer: Trainer | PipelinedTrainer | FoldedTrainer
    regs: Registers

    def golden(self, regs: Registers | None = None):
        """A fresh cycle-exact golden model of this trainer (:func:`schedule_model`), with ``regs`` or the build's."""
        return schedule_model(self.trainer, self.model, self.regs if regs is None else regs)


def build(
    config: MGDConfig,
    fmts: FixedFormats = DEFAULT_FORMATS,
    *,
    mode: str = "prescaled",
    hw_seed: int | None = None,
    host_port: bool = False,
    pipelined: bool = False,
    input_bits: int | None = None,
    lanes: int | None = None,
    dataset_init: bool = True,
    folded_options: dict | None = None,
) -> Build:
    """The trainer for ``config`` (``config.seeds`` must be 1: one network) and its registers
    (:meth:`FixedMGD.registers <mgd.golden_model.fixed_mgd.FixedMGD.registers>`). ``hw_seed`` is the
    runtime seed register (the run's draw of codes and sample order, :mod:`mgd.golden_model.hardware_seed`;
    ``None``: the config's, derived from ``config.seed``); ``host_port``: the trainer a board's host link drives
    (:class:`~.trainer.Trainer`); ``pipelined``: the :class:`~.pipelined_trainer.PipelinedTrainer` (with
    ``input_bits``, its narrow layer-0 inputs) instead of the reference trainer; ``lanes``: the
    :class:`~.folded_trainer.FoldedTrainer` with that many lanes (``input_bits`` as the pipelined one;
    ``dataset_init=False`` leaves its dataset memory empty, to be written by the host or testbench;
    ``folded_options``: its other keyword arguments, e.g. ``trace``, ``single_port_dataset``)."""
    if config.seeds != 1:
        raise ConfigError(f"the hardware trains one network: seeds must be 1, got {config.seeds}")
    model = FixedMGD(config, fmts, mode=mode, hw_seed=hw_seed)
    regs = model.registers()
    folded = lanes is not None
    if pipelined and folded:
        raise ConfigError("choose one trainer: pipelined=True or lanes (the folded trainer), not both")
    if input_bits is not None and not (pipelined or folded):
        raise ConfigError("input_bits is an option of the pipelined and folded trainers (pipelined=True or lanes)")
    if not dataset_init and not folded:
        raise ConfigError("dataset_init=False is an option of the folded trainer (lanes)")
    options = {"input_bits": input_bits} if pipelined or folded else {}
    kind = FoldedTrainer if folded else PipelinedTrainer if pipelined else Trainer
    # refuse before constructing: an elaboratable refused inside its constructor is left behind unused
    args = (model.mlp, model.codes, fmts, model.theta0[0], mode, model.x, model.y, config.sample_order)
    kind.check(*args, **options, **({"lanes": lanes} if folded else {}))
    if folded:
        options |= {"lanes": lanes, "dataset_init": dataset_init, **(folded_options or {})}
    elif folded_options:
        raise ConfigError("folded_options are options of the folded trainer (lanes)")
    trainer = kind(
        model.mlp,
        model.codes,
        mode,
        fmts,
        model.x,
        model.y,
        model.theta0[0],
        config.sample_order,
        host_port=host_port,
        task=model.dataset.task,
        **options,
    )
    return Build(config, model, trainer, regs)


def max_cycles(regs: Registers, latency: int) -> int:
    """Cycles from the start pulse until ``done`` is visible (exact upper bound: every step measures C₀)."""
    return 3 + regs.seed + regs.steps * step_cycles(latency, True)


def cycle_limit(trainer: Trainer | PipelinedTrainer | FoldedTrainer, regs: Registers) -> int:
    """Cycles from the start pulse until ``done`` is visible for any trainer (an exact upper bound: the reference
    trainer's :func:`max_cycles`, the pipelined and folded ones' exact counts)."""
    if isinstance(trainer, FoldedTrainer):
        return folded_cycles(regs, trainer.timing)
    if isinstance(trainer, PipelinedTrainer):
        return pipelined_cycles(regs, trainer.timing)
    return max_cycles(regs, trainer.latency)


def schedule_model(trainer: Trainer | PipelinedTrainer | FoldedTrainer, model: FixedMGD, regs: Registers):
    """The cycle-exact golden model of ``trainer``: :class:`~mgd.golden_model.schedule.ScheduleModel`,
    :class:`~mgd.golden_model.pipeline_schedule.PipelinedScheduleModel` or
    :class:`~mgd.golden_model.folded_schedule.FoldedScheduleModel`."""
    if isinstance(trainer, FoldedTrainer):
        return FoldedScheduleModel(model, regs, trainer.layout, trainer.timing)
    if isinstance(trainer, PipelinedTrainer):
        return PipelinedScheduleModel(model, regs, trainer.timing)
    return ScheduleModel(model, regs, trainer.latency)
