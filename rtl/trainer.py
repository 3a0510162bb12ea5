"""The trainer top: feedforward array, one synapse per parameter, cost/broadcast unit, controller, dataset memory."""

import numpy as np
from amaranth.hdl import Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from mgd.golden_model.codes import CodeSpec
from mgd.golden_model.fixed_units import BROADCAST_MODES
from mgd.golden_model.formats import FixedFormats
from mgd.golden_model.network import MLP
from mgd.golden_model.sample_order import HARDWARE_ORDERS
from mgd.golden_model.schedule import Registers

from .accuracy_counter import AccuracyCounter
from .controller import Controller
from .cost_unit import CostUnit
from .dataset_memory import DatasetMemory
from .feedforward_array import FeedforwardArray
from .fixed import shape_of
from .synapse import Synapse

__all__ = ["Trainer"]


class Trainer(wiring.Component):
    """A network that trains itself with MGD (Algorithm 1), free-running after ``start``.

    Elaboration parameters: ``mlp`` (network), ``codes`` (perturbation code family, ``n_synapses`` = P), ``mode``
    ("prescaled"/"raw" broadcast), ``fmts``, ``x``/``targets`` (dataset, stored integers in the act format: the
    on-chip memory's contents), ``theta0`` (P stored integers loaded at every start), ``order`` (the sample
    order, "cyclic" or "random": :mod:`mgd.golden_model.sample_order`).

    Runtime registers (inputs; :class:`~mgd.golden_model.schedule.Registers`): ``tau_x``, ``tau_p``,
    ``tau_theta``, ``eta`` (fmts.eta), ``dtheta_shift``, ``seed``, ``steps``; ``start`` (one cycle starts a run).

    Status outputs: ``phase``, ``step``, ``done``, ``cost``, ``c0``, ``c_tilde``, ``broadcast``. Readout:
    ``read_addr`` In(range(P)) selects a synapse, ``read_theta`` Out(θ) shows its θ (combinational), so a host or
    a fast simulator can read the weights without stopping the run. The schedule,
    cycle by cycle, is :mod:`mgd.golden_model.schedule` (golden model: ``ScheduleModel``). Per-synapse state is
    reachable as ``self.synapses[i]`` (``theta``, ``g``, ``code``) for simulation traces.

    ``host_port=True`` (the board tops, :mod:`mgd.boards`) adds what a host needs, and nothing changes in the
    training datapath: ``stop`` In(1) (ends a run early, see the controller); θ₀ in writable registers
    (``theta0_addr`` In(range(P)), ``theta0_data`` In(θ), ``theta0_en`` In(1); initial values ``theta0``); a
    dataset write port (``sample_addr``, ``sample_data``, ``sample_en``: :class:`~.dataset_memory.DatasetMemory`'s
    ``w_addr``, ``w_data``, ``w_en``, one enable per value of the word x₀…x_{n_in−1}, ŷ₀…); and the accuracy
    counters ``correct``/``seen`` Out(32) (:class:`~.accuracy_counter.AccuracyCounter`, cleared at every start and
    by ``clear_counters`` In(1)), counting every fresh sample (n mod τx = 0) at the cycle its C₀ is captured,
    classified by the unperturbed network (``task``: the dataset's, "parity" or "classification").
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
        w = Registers.WIDTHS
        ports = {}
        if host_port:
            self.accuracy = AccuracyCounter(mlp.layers[-1], fmts.act, task)
            theta, depth, word = shape_of(fmts.theta), max(2, self.dataset.n), self.dataset.word
            ports = {
                "stop": In(1),
                "theta0_addr": In(range(max(2, mlp.n_params))),
                "theta0_data": In(theta),
                "theta0_en": In(1),
                "sample_addr": In(range(depth)),
                "sample_data": In(word),
                "sample_en": In(word.length),
                "clear_counters": In(1),
                "correct": Out(AccuracyCounter.WIDTH),
                "seen": Out(AccuracyCounter.WIDTH),
            }
        super().__init__(
            ports
            | {
                "tau_x": In(w["tau_x"]),
                "tau_p": In(w["tau_p"]),
                "tau_theta": In(w["tau_theta"]),
                "eta": In(shape_of(fmts.eta)),
                "dtheta_shift": In(w["dtheta_shift"]),
                "seed": In(w["seed"]),
                "steps": In(w["steps"]),
                "start": In(1),
                "phase": Out(3),
                "step": Out(w["steps"]),
                "done": Out(1),
                "cost": Out(shape_of(fmts.cost)),
                "c0": Out(shape_of(fmts.cost)),
                "c_tilde": Out(shape_of(fmts.c_tilde)),
                "broadcast": Out(self.cost_unit.broadcast.shape()),
                "read_addr": In(range(max(2, mlp.n_params))),
                "read_theta": Out(shape_of(fmts.theta)),
            }
        )

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
        for name in ("tau_x", "tau_p", "tau_theta", "dtheta_shift", "seed", "steps", "start"):
            m.d.comb += getattr(ctl, name).eq(getattr(self, name))
        m.d.comb += [
            mem.addr.eq(ctl.sample),
            arr.x.eq(mem.x),
            cu.y.eq(arr.y),
            cu.target.eq(mem.target),
            cu.capture.eq(ctl.capture),
            cu.measure.eq(ctl.measure),
            cu.eta.eq(self.eta),
            self.phase.eq(ctl.phase),
            self.step.eq(ctl.step),
            self.done.eq(ctl.done),
            self.cost.eq(cu.cost),
            self.c0.eq(cu.c0),
            self.c_tilde.eq(cu.c_tilde),
            self.broadcast.eq(cu.broadcast),
        ]
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
                syn.eta.eq(self.eta),
                syn.load.eq(ctl.load),
                arr.weights[i].eq(syn.weight),
            ]
            if self.host_port:
                theta0_reg = Signal(shape_of(self.fmts.theta), init=int(self.theta0[i]), name=f"theta0_{i}")
                with m.If(self.theta0_en & (self.theta0_addr == i)):
                    m.d.sync += theta0_reg.eq(self.theta0_data)
                m.d.comb += syn.load_value.eq(theta0_reg)
            else:
                m.d.comb += syn.load_value.eq(int(self.theta0[i]))
        if self.host_port:
            acc = m.submodules.accuracy = self.accuracy
            m.d.comb += [
                ctl.stop.eq(self.stop),
                mem.w_addr.eq(self.sample_addr),
                mem.w_data.eq(self.sample_data),
                mem.w_en.eq(self.sample_en),
                acc.y.eq(arr.y),
                acc.target.eq(mem.target),
                acc.strobe.eq(ctl.capture & ctl.new_sample),
                acc.clear.eq(self.clear_counters | ctl.load),
                self.correct.eq(acc.correct),
                self.seen.eq(acc.seen),
            ]
        with m.Switch(self.read_addr):
            for i, syn in enumerate(self.synapses):
                with m.Case(i):
                    m.d.comb += self.read_theta.eq(syn.theta)
        return m
