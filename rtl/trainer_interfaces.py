"""The trainer's interfaces, each defined once: runtime registers, status outputs, θ readout, host port, phase.

Every member is derived from the golden model: the register names, widths and ranges from
:class:`~mgd.golden_model.schedule.Registers` (η's width from the formats), the phase values from
:data:`~mgd.golden_model.schedule.PHASES`, the value shapes from :class:`~mgd.golden_model.formats.FixedFormats`.
Whatever else needs the registers (the controller, the board's register file, the Verilator harness, the
post-synthesis testbench, the host map) iterates over these signatures, so a register is added in one place:
:class:`~mgd.golden_model.schedule.Registers`.

Directions are those of the side that drives the trainer (a host or a testbench): the trainer's members are
``In(RegistersSignature(fmts))``, ``Out(StatusSignature(...))``, ``In(ReadoutSignature(...))`` and, on a board,
``In(HostSignature(...))``. In Verilog a member ``regs.tau_x`` is the port ``regs__tau_x`` (:func:`port_name`).
"""

from __future__ import annotations

from amaranth.hdl import Shape, signed, unsigned
from amaranth.lib import data, enum, wiring
from amaranth.lib.wiring import In, Out

from mgd.golden_model.formats import FixedFormats
from mgd.golden_model.schedule import PHASES, Registers

from .accuracy_counter import AccuracyCounter
from .fixed import shape_of
from .synapse import broadcast_width

__all__ = [
    "Phase",
    "RegistersSignature",
    "StatusSignature",
    "ReadoutSignature",
    "HostSignature",
    "trainer_members",
    "port_name",
    "port_shapes",
]


class Phase(enum.Enum, shape=3):
    """The controller's phase (:mod:`mgd.golden_model.schedule`; values: :data:`~mgd.golden_model.schedule.PHASES`)."""

    IDLE = PHASES["idle"]
    LOAD = PHASES["load"]
    SEED = PHASES["seed"]
    BEGIN = PHASES["begin"]
    C0 = PHASES["c0"]
    PERT = PHASES["pert"]
    CORRELATE = PHASES["correlate"]
    DONE = PHASES["done"]


def port_name(*path: str) -> str:
    """The Verilog port name of the member at ``path`` (Amaranth joins the path with ``__``)."""
    return "__".join(path)


def port_shapes(signature: wiring.Signature) -> dict[tuple[str, ...], tuple[wiring.Flow, Shape]]:
    """``{path: (flow, shape)}`` of every port of ``signature`` (nested signatures flattened; flows as seen from
    the side the signature describes): what generated testbenches and wrappers declare."""
    return {path: (m.flow, Shape.cast(m.shape)) for path, m in signature.members.flatten() if m.is_port}


class _Parametric(wiring.Signature):
    """A signature that equals another of its class with the same parameters (as ``lib.memory``'s port signatures)."""

    def _params(self) -> tuple:
        raise NotImplementedError

    def __eq__(self, other):
        return type(other) is type(self) and other._params() == self._params()

    def __hash__(self):
        return hash((type(self), self._params()))

    def __repr__(self):
        return f"{type(self).__name__}{self._params()!r}"


class RegistersSignature(_Parametric):
    """The runtime registers, driven by the host or testbench (retune without re-elaboration).

    Members (all ``Out``: host → trainer), one per :data:`Registers.NAMES <mgd.golden_model.schedule.Registers>`
    field, unsigned, :meth:`Registers.width <mgd.golden_model.schedule.Registers.width>` bits: ``tau_x``, ``tau_p``,
    ``tau_theta`` (16), ``eta`` (``fmts.eta.width``: the η register, fmts.eta), ``dtheta_shift`` (5: Δθ = 2^−k),
    ``seed`` (16: the run's draw of codes and sample order), ``steps`` (32: run length).
    """

    def __init__(self, fmts: FixedFormats):
        self.fmts = fmts
        super().__init__({name: Out(unsigned(self.width(name))) for name in Registers.NAMES})

    def width(self, name: str) -> int:
        """Bits of register ``name`` in a design with these formats."""
        return Registers.width(name, self.fmts.eta.width)

    def _params(self):
        return (self.fmts,)


class StatusSignature(_Parametric):
    """What the trainer shows while it runs.

    Members (all ``Out``: trainer → host): ``phase`` (:class:`Phase`, 3 bits), ``step`` (steps completed, 32 bits),
    ``done`` (1), ``cost`` and ``c0`` (last measured C and C₀, ``fmts.cost``), ``c_tilde`` (C̃, ``fmts.c_tilde``),
    ``broadcast`` (u in θ's format with ``mode="prescaled"``, C̃ with ``"raw"``; signed).
    """

    def __init__(self, fmts: FixedFormats, mode: str):
        self.fmts, self.mode = fmts, mode
        super().__init__(
            {
                "phase": Out(Phase),
                "step": Out(unsigned(Registers.width("steps"))),
                "done": Out(1),
                "cost": Out(shape_of(fmts.cost)),
                "c0": Out(shape_of(fmts.cost)),
                "c_tilde": Out(shape_of(fmts.c_tilde)),
                "broadcast": Out(signed(broadcast_width(mode, fmts))),
            }
        )

    def _params(self):
        return (self.fmts, self.mode)


class ReadoutSignature(_Parametric):
    """θ of one synapse, read without stopping the run.

    Members: ``addr`` Out(range(max(2, P))) selects a synapse; ``theta`` In(θ's shape) shows its θ in the same cycle
    (latency 0: combinational).
    """

    def __init__(self, n_params: int, fmts: FixedFormats):
        self.n_params, self.fmts = n_params, fmts
        super().__init__({"addr": Out(range(max(2, n_params))), "theta": In(shape_of(fmts.theta))})

    def _params(self):
        return (self.n_params, self.fmts)


class HostSignature(_Parametric):
    """What a board's host link adds to the trainer (nothing in the training datapath changes).

    Members (host → trainer unless said): ``stop`` (1: ends a run early); θ₀'s write port ``theta0_addr``
    (range(max(2, P))), ``theta0_data`` (θ), ``theta0_en`` (1); the dataset's write port ``sample_addr``
    (range(max(2, N))), ``sample_data`` (``word``: x₀…x_{n_in−1}, ŷ₀…), ``sample_en`` (one enable per value of the
    word); ``clear_counters`` (1); and In (trainer → host) the accuracy counters ``correct`` and ``seen``
    (:data:`AccuracyCounter.WIDTH <.accuracy_counter.AccuracyCounter>` bits).
    """

    def __init__(self, n_params: int, n_samples: int, word: data.ArrayLayout, fmts: FixedFormats):
        self.n_params, self.n_samples, self.word, self.fmts = n_params, n_samples, word, fmts
        super().__init__(
            {
                "stop": Out(1),
                "theta0_addr": Out(range(max(2, n_params))),
                "theta0_data": Out(shape_of(fmts.theta)),
                "theta0_en": Out(1),
                "sample_addr": Out(range(max(2, n_samples))),
                "sample_data": Out(word),
                "sample_en": Out(word.length),
                "clear_counters": Out(1),
                "correct": In(AccuracyCounter.WIDTH),
                "seen": In(AccuracyCounter.WIDTH),
            }
        )

    def _params(self):
        return (self.n_params, self.n_samples, self.word, self.fmts)


def trainer_members(fmts: FixedFormats, mode: str, n_params: int) -> dict[str, wiring.Member]:
    """The trainer's members without the host port (as the trainer sees them): ``regs``, ``start``, ``status``,
    ``readout``. They depend only on the formats, the broadcast mode and P, not on the dataset or θ₀: a harness
    generated from them fits every trainer of that shape."""
    return {
        "regs": In(RegistersSignature(fmts)),
        "start": In(1),
        "status": Out(StatusSignature(fmts, mode)),
        "readout": In(ReadoutSignature(n_params, fmts)),
    }
