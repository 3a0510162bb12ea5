"""The trainer top: feedforward array, one synapse per parameter, cost/broadcast unit, controller, dataset memory."""

import numpy as np
from amaranth.hdl import Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In

from mgd.golden_model.codes import CodeSpec
from mgd.golden_model.fixed_units import BROADCAST_MODES
from mgd.golden_model.formats import FixedFormats
from mgd.golden_model.network import MLP
from mgd.golden_model.sample_order import HARDWARE_ORDERS

from .accuracy_counter import AccuracyCounter
from .controller import Controller
from .cost_unit import CostUnit
from .dataset_memory import DatasetMemory
from .feedforward_array import FeedforwardArray
from .fixed import shape_of
from .synapse import Synapse
from .trainer_interfaces import HostSignature, trainer_members

__all__ = ["Trainer", "theta0_value", "connect_host", "connect_readout"]


def theta0_value(m: Module, host, theta0: int, i: int, fmt):
    """Synapse ``i``'s θ₀ (θ format ``fmt``): the constant ``theta0``, or with a host port (``host`` not None) a
    register initialised to it that the host writes (``theta0_en`` at ``theta0_addr == i``)."""
    if host is None:
        return int(theta0)
    reg = Signal(shape_of(fmt), init=int(theta0), name=f"theta0_{i}")
    with m.If(host.theta0_en & (host.theta0_addr == i)):
        m.d.sync += reg.eq(host.theta0_data)
    return reg


def connect_host(m: Module, host, controller, dataset, accuracy) -> None:
    """The host members both trainers share: ``stop``, the dataset write port, the accuracy counters (cleared by the
    host and at every load). The counters' inputs and strobe are the trainer's own."""
    m.d.comb += [
        controller.stop.eq(host.stop),
        dataset.w_addr.eq(host.sample_addr),
        dataset.w_data.eq(host.sample_data),
        dataset.w_en.eq(host.sample_en),
        accuracy.clear.eq(host.clear_counters | controller.load),
        host.correct.eq(accuracy.correct),
        host.seen.eq(accuracy.seen),
    ]


def connect_readout(m: Module, readout, synapses) -> None:
    """``readout.theta`` shows θ of the synapse at ``readout.addr`` (combinational)."""
    with m.Switch(readout.addr):
        for i, syn in enumerate(synapses):
            with m.Case(i):
                m.d.comb += readout.theta.eq(syn.theta)


class Trainer(wiring.Component):
    """A network that trains itself with MGD (Algorithm 1), free-running after ``start``.

    Elaboration parameters: ``mlp`` (network), ``codes`` (perturbation code family, ``n_synapses`` = P), ``mode``
    ("prescaled"/"raw" broadcast), ``fmts``, ``x``/``targets`` (dataset, stored integers in the act format: the
    on-chip memory's contents), ``theta0`` (P stored integers loaded at every start), ``order`` (the sample
    order, "cyclic" or "random": :mod:`mgd.golden_model.sample_order`).

    The schedule, cycle by cycle, is :mod:`mgd.golden_model.schedule` (golden model: ``ScheduleModel``): a step
    takes L + 3 cycles, L + 1 more when C₀ is measured (L = :attr:`latency`). Per-synapse state is reachable as
    ``self.synapses[i]`` (``theta``, ``g``, ``code``) for simulation traces.

    Members (:mod:`.trainer_interfaces`; in Verilog ``regs.tau_x`` is the port ``regs__tau_x``):

    ============  ===========================================  ===============================================
    ``regs``      In(:class:`~.trainer_interfaces.             the runtime registers ``tau_x``, ``tau_p``,
                  RegistersSignature`)                         ``tau_theta``, ``eta`` (fmts.eta),
                                                               ``dtheta_shift``, ``seed``, ``steps``
    ``start``     In(1)                                        one cycle starts a run
    ``status``    Out(:class:`~.trainer_interfaces.            ``phase``, ``step``, ``done``, ``cost``, ``c0``,
                  StatusSignature`)                            ``c_tilde``, ``broadcast``
    ``readout``   In(:class:`~.trainer_interfaces.             ``addr`` selects a synapse, ``theta`` shows its
                  ReadoutSignature`)                           θ in the same cycle (read without stopping)
    ``host``      In(:class:`~.trainer_interfaces.             only with ``host_port=True`` (the board tops,
                  HostSignature`)                              :mod:`mgd.boards`); see below
    ============  ===========================================  ===============================================

    ``host_port=True`` adds what a host needs, and nothing changes in the training datapath: ``stop`` (ends a run
    early, see the controller); θ₀ in writable registers (``theta0_addr``, ``theta0_data``, ``theta0_en``; initial
    values ``theta0``); a dataset write port (``sample_addr``, ``sample_data``, ``sample_en``:
    :class:`~.dataset_memory.DatasetMemory`'s ``w_addr``, ``w_data``, ``w_en``); and the accuracy counters
    ``correct``/``seen`` (:class:`~.accuracy_counter.AccuracyCounter`, cleared at every start and by
    ``clear_counters``), counting every fresh sample (n mod τx = 0) at the cycle its C₀ is captured, classified by
    the unperturbed network (``task``: the dataset's, "parity" or "classification").
    """

    @staticmethod
    def check(
        mlp: MLP,
        codes: CodeSpec,
        fmts: FixedFormats,
        theta0,
        mode: str = "prescaled",
        x=None,
        targets=None,
        order: str = "cyclic",
    ) -> np.ndarray:
        """Validate the parameters (called by the constructor before it builds any part, so a refused trainer
        leaves no half-built components behind); returns θ₀ as an int64 array."""
        if mode not in BROADCAST_MODES:
            raise ValueError(f"mode must be one of {', '.join(BROADCAST_MODES)}, got {mode!r}")
        if order not in HARDWARE_ORDERS:
            raise ValueError(f"order must be one of {', '.join(HARDWARE_ORDERS)}, got {order!r}")
        if x is not None or targets is not None:
            DatasetMemory.check(x, targets, fmts.act)
        theta0 = np.asarray(theta0, dtype=np.int64)
        if codes.n_synapses != mlp.n_params:
            raise ValueError(f"the code family has {codes.n_synapses} synapses, the network {mlp.n_params} parameters")
        if theta0.shape != (mlp.n_params,):
            raise ValueError(f"theta0 must have shape ({mlp.n_params},), got {theta0.shape}")
        if theta0.min() < fmts.theta.min or theta0.max() > fmts.theta.max:
            raise ValueError(
                f"theta0 has values outside θ's format [{fmts.theta.min}, {fmts.theta.max}] ({fmts.theta.describe()})"
            )
        return theta0

    def __init__(
        self,
        mlp: MLP,
        codes: CodeSpec,
        mode: str,
        fmts: FixedFormats,
        x,
        targets,
        theta0,
        order: str = "cyclic",
        *,
        host_port: bool = False,
        task: str = "parity",
    ):
        theta0 = self.check(mlp, codes, fmts, theta0, mode, x, targets, order)
        self.mlp, self.codes, self.mode, self.fmts = mlp, codes, mode, fmts
        self.theta0 = theta0
        self.host_port = host_port
        self.dataset = DatasetMemory(x, targets, fmts.act, writable=host_port)
        self.array = FeedforwardArray(mlp, fmts)
        self.cost_unit = CostUnit(mlp.layers[-1], mode, fmts)
        self.controller = Controller(self.array.latency, self.dataset.n, codes.index_period, fmts, order)
        self.synapses = [Synapse(i, codes, mode, fmts) for i in range(mlp.n_params)]
        members = trainer_members(fmts, mode, mlp.n_params)
        if host_port:
            self.accuracy = AccuracyCounter(mlp.layers[-1], fmts.act, task)
            members["host"] = In(HostSignature(mlp.n_params, self.dataset.n, self.dataset.word, fmts))
        super().__init__(members)

    @property
    def latency(self) -> int:
        """The array's latency L (a step takes L + 3 cycles, L + 1 more when C₀ is measured)."""
        return self.array.latency

    def elaborate(self, platform):
        m = Module()
        ctl, arr, cu, mem = self.controller, self.array, self.cost_unit, self.dataset
        m.submodules.controller = ctl
        m.submodules.array = arr
        m.submodules.cost_unit = cu
        m.submodules.dataset = mem
        wiring.connect(m, wiring.flipped(self.regs), ctl.regs)
        status = self.status
        m.d.comb += [
            ctl.start.eq(self.start),
            mem.addr.eq(ctl.sample),
            arr.x.eq(mem.x),
            cu.y.eq(arr.y),
            cu.target.eq(mem.target),
            cu.capture.eq(ctl.capture),
            cu.measure.eq(ctl.measure),
            cu.eta.eq(self.regs.eta),
            status.phase.eq(ctl.phase),
            status.step.eq(ctl.step),
            status.done.eq(ctl.done),
            status.cost.eq(cu.cost),
            status.c0.eq(cu.c0),
            status.c_tilde.eq(cu.c_tilde),
            status.broadcast.eq(cu.broadcast),
        ]
        host = self.host if self.host_port else None
        for i, syn in enumerate(self.synapses):
            m.submodules[f"synapse{i}"] = syn
            m.d.comb += [
                syn.advance.eq(ctl.advance),
                syn.restart.eq(ctl.restart),
                syn.index.eq(ctl.index),
                syn.perturb.eq(ctl.perturb),
                syn.dtheta.eq(ctl.dtheta),
                syn.value.eq(cu.broadcast),
                syn.correlate.eq(ctl.correlate),
                syn.update.eq(ctl.update),
                syn.eta.eq(self.regs.eta),
                syn.load.eq(ctl.load),
                arr.weights[i].eq(syn.weight),
            ]
            m.d.comb += syn.load_value.eq(theta0_value(m, host, self.theta0[i], i, self.fmts.theta))
        if host is not None:
            acc = m.submodules.accuracy = self.accuracy
            connect_host(m, host, ctl, mem, acc)
            m.d.comb += [acc.y.eq(arr.y), acc.target.eq(mem.target), acc.strobe.eq(ctl.capture & ctl.new_sample)]
        connect_readout(m, self.readout, self.synapses)
        return m
