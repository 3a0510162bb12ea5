"""The pipelined cost/broadcast unit: C of the perturbed pass and C₀ of the unperturbed one, C̃ and the broadcast."""

from amaranth.hdl import Module, Signal, signed, unsigned
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from mgd.golden_model.fixed_units import BROADCAST_MODES, recip
from mgd.golden_model.formats import DEFAULT_FORMATS, FixedFormats

from .adder_tree import add_tree, check_arity, tree_levels
from .fixed import floor_shift, saturate, shape_of
from .synapse import broadcast_width

__all__ = ["PipelinedCost"]


class PipelinedCost(wiring.Component):
    """Both costs of one step and what the synapses need from them, one step per clock.

    Stages (free-running registers; golden functions :func:`~mgd.golden_model.fixed_units.cost`,
    :func:`~mgd.golden_model.fixed_units.broadcast`)::

        y, y0, ŷ ─► d = y − ŷ, d0 = y0 − ŷ ─► d², d0² ─► Σ (adder tree) ─► C, C₀ = sat(⌊Σ·recip(n_out)⌋)
                 ─► C̃ = C − C₀ ─► [C̃·η (pre-scaled)] ─► measure: cost, c0, c_tilde, broadcast ← (held registers)

    (Folding the scale into the square's stage when there is one output saved a cycle but put the saturation behind
    the multiplier: the ECP5 XOR build fell from 105 to 91 MHz on that path, so every stage keeps one operation.)

    Formats as :class:`~.cost_unit.CostUnit`: y, y0, ŷ in ``fmts.act``; C, C₀ in ``fmts.cost``; C̃ in
    ``fmts.c_tilde``; broadcast u = sat(⌊C̃·η⌋) in θ's format (pre-scaled) or C̃ (raw); η in ``fmts.eta``.

    Ports: ``y``, ``y0``, ``target`` In(array of n_out act values, valid in the same cycle); ``eta``; ``measure``
    In(1): the output registers take the step that entered :attr:`latency` − 1 cycles earlier (they hold otherwise);
    ``cost``, ``c0``, ``c_tilde``, ``broadcast`` Out. Latency: :attr:`latency` cycles from y to the outputs.
    """

    def __init__(self, n_out: int, mode: str = "prescaled", fmts: FixedFormats = DEFAULT_FORMATS, *, tree_arity=3):
        if mode not in BROADCAST_MODES:
            raise ValueError(f"mode must be one of {', '.join(BROADCAST_MODES)}, got {mode!r}")
        if isinstance(n_out, bool) or not isinstance(n_out, int) or n_out < 1:
            raise ValueError(f"n_out must be a positive integer, got {n_out!r}")
        check_arity(tree_arity)
        self.n_out, self.mode, self.fmts, self.tree_arity = n_out, mode, fmts, tree_arity
        act = shape_of(fmts.act)
        super().__init__(
            {
                "y": In(data.ArrayLayout(act, n_out)),
                "y0": In(data.ArrayLayout(act, n_out)),
                "target": In(data.ArrayLayout(act, n_out)),
                "eta": In(shape_of(fmts.eta)),
                "measure": In(1),
                "cost": Out(shape_of(fmts.cost)),
                "c0": Out(shape_of(fmts.cost)),
                "c_tilde": Out(shape_of(fmts.c_tilde)),
                "broadcast": Out(signed(broadcast_width(mode, fmts))),
            }
        )

    @property
    def latency(self) -> int:
        """Cycles from y/y0/target to the output registers (``measure`` acts at the edge ending cycle latency − 1):
        difference, square, the tree's levels, the scale, C̃, the pre-scale (pre-scaled mode), capture."""
        prescale = 1 if self.mode == "prescaled" else 0
        return 4 + tree_levels(self.n_out, self.tree_arity) + prescale + 1

    def _cost(self, m: Module, y, name: str):
        """C of outputs ``y`` against the target after the difference, square, tree and scale stages."""
        f = self.fmts
        squares = []
        for k in range(self.n_out):
            d = Signal(signed(f.act.width + 1), name=f"{name}_d{k}", reset_less=True)
            sq = Signal(unsigned(2 * f.act.width + 2), name=f"{name}_sq{k}", reset_less=True)
            m.d.sync += [d.eq(y[k] - self.target[k]), sq.eq(d * d)]
            squares.append(sq)
        width = 2 * f.act.width + 2 + self.n_out.bit_length() + 1
        total = add_tree(m, squares, width, self.tree_arity, f"{name}_sum")
        c = Signal(shape_of(f.cost), name=name, reset_less=True)
        scaled = (total << (f.cost.frac - 2 * f.act.frac)) * recip(self.n_out, f)
        m.d.sync += c.eq(saturate(floor_shift(scaled, f.recip_frac), f.cost))
        return c

    def elaborate(self, platform):
        m = Module()
        f = self.fmts
        c, c0 = self._cost(m, self.y, "c"), self._cost(m, self.y0, "c0")
        c_tilde = Signal(shape_of(f.c_tilde), reset_less=True)
        c_d, c0_d = Signal.like(c, name="c_d"), Signal.like(c0, name="c0_d")
        m.d.sync += [c_tilde.eq(c - c0), c_d.eq(c), c0_d.eq(c0)]
        if self.mode == "prescaled":
            # C̃·η as an unsigned product (C̃ + 2^(w−1))·η − 2^(w−1)·η: the offset flips C̃'s sign bit, the product
            # is unsigned × unsigned (a DSP block's native mode, its input and output registers absorbed: C̃'s and
            # η's copies here feed nothing else), and the correction is subtracted in the capture stage
            w = f.c_tilde.width
            c_tilde_u = Signal(w, reset_less=True)
            eta = Signal.like(self.eta, reset_less=True)
            prod_u = Signal(w + f.eta.width, reset_less=True)
            c_tilde_d, c_d2, c0_d2 = Signal.like(c_tilde), Signal.like(c_d), Signal.like(c0_d)
            m.d.sync += [
                c_tilde_u.eq((c - c0) ^ (1 << (w - 1))),
                eta.eq(self.eta),
                prod_u.eq(c_tilde_u * eta),
                c_tilde_d.eq(c_tilde),
                c_d2.eq(c_d),
                c0_d2.eq(c0_d),
            ]
            prod = prod_u - (eta << (w - 1))  # signed: Amaranth's difference of unsigned values
            value = saturate(floor_shift(prod, f.cost.frac + f.eta.frac - f.theta.frac), f.theta)
            c_tilde, c_d, c0_d = c_tilde_d, c_d2, c0_d2
        else:
            value = c_tilde
        with m.If(self.measure):
            m.d.sync += [
                self.cost.eq(c_d),
                self.c0.eq(c0_d),
                self.c_tilde.eq(c_tilde),
                self.broadcast.eq(value),
            ]
        return m
