"""The pipelined trainer top: one perturbed and one unperturbed forward pass enter per clock."""

import numpy as np
from amaranth.hdl import Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In

from mgd.golden_model.codes import CodeSpec
from mgd.golden_model.formats import FixedFormats
from mgd.golden_model.network import MLP
from mgd.golden_model.pipeline_schedule import PipelineTiming

from .accuracy_counter import AccuracyCounter
from .adder_tree import check_arity
from .fixed import shape_of
from .pipelined_array import PipelinedArray, check_input_bits
from .pipelined_controller import PipelinedController
from .pipelined_cost import PipelinedCost
from .pipelined_synapse import PipelinedSynapse
from .sample_memory import SampleMemory
from .trainer import Trainer, connect_host, connect_readout, theta0_value
from .trainer_interfaces import HostSignature, trainer_members

__all__ = ["PipelinedTrainer"]


class PipelinedTrainer(wiring.Component):
    """MGD (Algorithm 1) at one step per clock inside each update window; the same members, parameters and
    arithmetic as :class:`~.trainer.Trainer` (θ bit-identical after every update), a different schedule.

    ::

        controller ─ issue ─► dataset (x, ŷ registered) ─┬─► PipelinedArray (weights: θ + θ̃, each layer's from its
                                                         │      code tap) ─► y ──┐
                                                         └─► PipelinedArray (weights: θ) ──────────► y0 ─┤
                                               ŷ ─► delay (array latency) ───────────────────────────► ŷ ─┴─►
            PipelinedCost ─► C, C₀, C̃, broadcast (measure) ─► every PipelinedSynapse: G += c·b (correlate,
            with the code of the issue cycle from its delay line) ─► θ ← sat(θ − step) (update, window end)

    C₀ comes from a second, unperturbed array on every step (so τx = 1 costs nothing). Between two updates θ is
    constant, so the controller issues one step per cycle and, after a window's last step, stalls until that step
    retires: a window of τθ steps takes τθ + :attr:`timing`.retire cycles (spec and cycle-exact golden model:
    :mod:`mgd.golden_model.pipeline_schedule`). Every stage holds one operation (a multiply, an adder-tree level
    of ``tree_arity`` terms, a table read, a subtract): free-running registers without enables.

    Extra parameters: ``input_bits`` (None or b: layer 0 takes b-bit inputs v, x = v·2^−(b−1); the dataset's
    inputs must be such values: XOR and NIST7x7 are 1 bit) and ``tree_arity``. With ``host_port=True`` the host
    members are those of :class:`~.trainer.Trainer` (θ₀ registers, dataset writes, ``stop``, accuracy counters on
    the unperturbed outputs of every fresh sample). Members: see :class:`~.trainer.Trainer`; ``status.phase``
    shows ``pert`` while issuing and ``correlate`` while stalled.
    """

    @staticmethod
    def check(
        mlp, codes, fmts, theta0, mode="prescaled", x=None, targets=None, order="cyclic", input_bits=None, tree_arity=3
    ):
        """Validate the parameters before any part is built (:meth:`.trainer.Trainer.check`, and ``input_bits``
        against the dataset's inputs, ``tree_arity``); returns θ₀ as an int64 array."""
        theta0 = Trainer.check(mlp, codes, fmts, theta0, mode, x, targets, order)
        check_input_bits(input_bits, fmts.act)
        check_arity(tree_arity)
        if x is not None:
            SampleMemory.check_inputs(x, fmts.act, input_bits)
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
        input_bits=None,
        tree_arity: int = 3,
    ):
        theta0 = self.check(mlp, codes, fmts, theta0, mode, x, targets, order, input_bits, tree_arity)
        self.mlp, self.codes, self.mode, self.fmts, self.theta0 = mlp, codes, mode, fmts, theta0
        self.host_port, self.input_bits = host_port, input_bits
        self.dataset = SampleMemory(x, targets, fmts.act, input_bits=input_bits, writable=host_port)
        self.array = PipelinedArray(mlp, fmts, input_bits=input_bits, tree_arity=tree_arity)
        self.reference = PipelinedArray(mlp, fmts, input_bits=input_bits, tree_arity=tree_arity)
        self.cost_unit = PipelinedCost(mlp.layers[-1], mode, fmts, tree_arity=tree_arity)
        measure = self.array.latency + self.cost_unit.latency
        correlate = measure + 1 + PipelinedSynapse.correlate_latency
        self.timing = PipelineTiming(measure, correlate, correlate + (1 if mode == "prescaled" else 2))
        self.controller = PipelinedController(
            self.timing, self.dataset.n, codes.index_period, fmts, order, accuracy_tap=self.array.latency + 2
        )
        offsets = self.array.weight_offsets
        layer_of = np.zeros(mlp.n_params, dtype=np.int64)
        for layer, (W, b) in enumerate(self.array.layout):
            layer_of[W.ravel()] = layer
            layer_of[b.ravel()] = layer
        self.synapses = [
            PipelinedSynapse(
                i,
                codes,
                mode,
                fmts,
                weight_tap=offsets[int(layer_of[i])],
                correlate_tap=self.timing.correlate - PipelinedSynapse.correlate_latency,
            )
            for i in range(mlp.n_params)
        ]
        members = trainer_members(fmts, mode, mlp.n_params)
        if host_port:
            self.accuracy = AccuracyCounter(mlp.layers[-1], fmts.act, task)
            members["host"] = In(HostSignature(mlp.n_params, self.dataset.n, self.dataset.word, fmts))
        super().__init__(members)

    def elaborate(self, platform):
        m = Module()
        ctl, arr, ref, cu, mem = self.controller, self.array, self.reference, self.cost_unit, self.dataset
        f = self.fmts
        m.submodules.controller = ctl
        m.submodules.array = arr
        m.submodules.reference = ref
        m.submodules.cost_unit = cu
        m.submodules.dataset = mem
        wiring.connect(m, wiring.flipped(self.regs), ctl.regs)
        status = self.status
        m.d.comb += [
            ctl.start.eq(self.start),
            mem.addr.eq(ctl.sample),
            cu.eta.eq(self.regs.eta),
            cu.measure.eq(ctl.measure),
            status.phase.eq(ctl.phase),
            status.step.eq(ctl.step),
            status.done.eq(ctl.done),
            status.cost.eq(cu.cost),
            status.c0.eq(cu.c0),
            status.c_tilde.eq(cu.c_tilde),
            status.broadcast.eq(cu.broadcast),
        ]
        # edge 0 of a step: the dataset memory reads its sample (a registered read); the target's stored bits then
        # travel beside the arrays to the cost unit
        for j in range(self.mlp.layers[0]):
            m.d.comb += [arr.x[j].eq(mem.x[j]), ref.x[j].eq(mem.x[j])]
        targets = []
        for k in range(self.mlp.layers[-1]):
            line = mem.target_bits[k]
            for d in range(arr.latency):
                reg = Signal(len(line), name=f"target{k}_d{d + 1}", reset_less=True)
                m.d.sync += reg.eq(line)
                line = reg
            target = mem.expand_target(line)
            targets.append(target)
            m.d.comb += [cu.target[k].eq(target), cu.y[k].eq(arr.y[k]), cu.y0[k].eq(ref.y[k])]
        host = self.host if self.host_port else None
        for i, syn in enumerate(self.synapses):
            m.submodules[f"synapse{i}"] = syn
            m.d.comb += [
                syn.advance.eq(ctl.advance),
                syn.restart.eq(ctl.restart),
                syn.index.eq(ctl.index),
                syn.dtheta.eq(ctl.dtheta),
                syn.dtheta_neg.eq(ctl.dtheta_neg),
                syn.value.eq(cu.broadcast),
                syn.correlate.eq(ctl.correlate),
                syn.update.eq(ctl.update),
                syn.eta.eq(self.regs.eta),
                syn.load.eq(ctl.load),
                arr.weights[i].eq(syn.weight),
            ]
            # the unperturbed array reads a copy of θ that feeds nothing else (a DSP block can take it as its input
            # register); θ changes only at a retire edge and is read from the next issue's edge + 1 on, so the copy's
            # cycle is never seen
            theta_copy = Signal(shape_of(f.theta), name=f"theta_copy{i}", reset_less=True)
            m.d.sync += theta_copy.eq(syn.theta)
            m.d.comb += ref.weights[i].eq(theta_copy)
            m.d.comb += syn.load_value.eq(theta0_value(m, host, self.theta0[i], i, f.theta))
        if host is not None:
            acc = m.submodules.accuracy = self.accuracy
            connect_host(m, host, ctl, mem, acc)
            m.d.comb += acc.strobe.eq(ctl.fresh)
            # the unperturbed outputs and the targets are registered once more before they are classified (the
            # output layer's table read register drives y)
            for k, t in enumerate(targets):
                y_r = Signal.like(acc.y[k], name=f"accuracy_y{k}", reset_less=True)
                t_r = Signal.like(acc.target[k], name=f"accuracy_target{k}", reset_less=True)
                m.d.sync += [y_r.eq(ref.y[k]), t_r.eq(t)]
                m.d.comb += [acc.y[k].eq(y_r), acc.target[k].eq(t_r)]
        connect_readout(m, self.readout, self.synapses)
        return m
