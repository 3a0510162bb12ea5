"""One lane of the folded array: code, perturbed weight, product, accumulate, activation — one stage each."""

from amaranth.hdl import Module, Mux, Signal, signed
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from mgd.golden_model.codes import CodeSpec
from mgd.golden_model.formats import FixedFormats

from .feedforward_array import saturating_activation, sigmoid_lookup
from .fixed import floor_shift, saturate, shape_of
from .folded_codes import counter_width, key_width, lane_code

__all__ = ["FoldedLane"]


class FoldedLane(wiring.Component):
    """A multiply-accumulate lane of the folded array (golden: one neuron's sum of
    :class:`~mgd.golden_model.fixed_network.FixedMLP`). A stream address issued in cycle t reaches it as:

    ========  ==========================================================================================
    cycle     stage (each ends in a register; the edge ending cycle t + k is "edge k")
    ========  ==========================================================================================
    t + 1     ``theta`` and ``key`` (the memories' registered reads): code c = key's code at ``counter`` (0 if
              ``valid`` is 0: an idle lane); ``code`` shows it from t + 2
    t + 2     w = sat(θ + ⌊c·Δθ⌋) if ``perturb`` else sat(θ + 0) = θ (θ's format)
    t + 3     w again (the multiplier's input register: the adder and saturation stay off the DSP's input)
    t + 4     p = x·w (exact: act.frac + θ.frac fraction bits)
    t + 5     acc = p if ``first`` else acc + p (exact)
    t + 6     the activation of acc (sigmoid: clamped table address, synchronous table read; relu/linear:
              sat(⌊acc⌋) in a register); ``hidden`` selects the hidden layers' kind, else the output layer's
    ========  ==========================================================================================

    So ``act`` (act format) of a neuron whose last address was issued in cycle t is visible in cycle t + 7
    (:attr:`latency` = 7). Each input port is read in the cycle of its stage: ``theta``, ``key``, ``counter``,
    ``valid`` at t + 1, ``perturb``, ``dtheta`` and ``dtheta_neg`` (= −Δθ, from a register: the weight stage is
    one adder) at t + 2, ``x`` at t + 4, ``first`` at t + 5, ``hidden`` at t + 6.

    ``codes=None`` makes the inference-only lane (no ``key``, ``counter``, ``valid``, ``perturb``, ``dtheta``,
    ``dtheta_neg``, ``code``: w = θ, with the same stages and latency), the baseline the training overhead is
    measured against.
    """

    latency = 7

    def __init__(self, codes: CodeSpec | None, fmts: FixedFormats, *, max_inputs: int, kinds: tuple[str, str]):
        self.codes, self.fmts, self.kinds = codes, fmts, kinds
        self.acc_width = fmts.act.width + fmts.theta.width + max_inputs.bit_length() + 1
        members = {"theta": In(shape_of(fmts.theta))}
        if codes is not None:
            members |= {
                "key": In(key_width(codes)),
                "counter": In(counter_width(codes)),
                "valid": In(1),
                "perturb": In(1),
                "dtheta": In(shape_of(fmts.theta)),
                "dtheta_neg": In(shape_of(fmts.theta)),
                "code": Out(signed(codes.width)),
            }
        members |= {"x": In(shape_of(fmts.act)), "first": In(1), "hidden": In(1), "act": Out(shape_of(fmts.act))}
        super().__init__(members)

    def elaborate(self, platform):
        m = Module()
        codes, f = self.codes, self.fmts
        theta = Signal(shape_of(f.theta), reset_less=True)
        weight = Signal(shape_of(f.theta), reset_less=True)
        m.d.sync += theta.eq(self.theta)
        if codes is None:
            m.d.sync += weight.eq(theta)
        else:
            code = Signal(signed(codes.width), reset_less=True)
            m.d.sync += code.eq(lane_code(codes, self.key, self.valid, self.counter))
            m.d.comb += self.code.eq(code)
            # the offset ⌊c·Δθ⌋, 0 outside a perturbed pass (and for an idle lane's c = 0): w = sat(θ + offset) is θ
            # then, so one adder serves both passes, no multiplexer after it
            if codes.kind == "sequential":
                delta = Mux(self.perturb & code[0], self.dtheta, 0)
            elif codes.binary:  # c = ±1 (bit 0 set) or 0
                delta = Mux(self.perturb & code[0], Mux(code[-1], self.dtheta_neg, self.dtheta), 0)
            else:
                delta = Mux(self.perturb, floor_shift(code * self.dtheta, codes.frac), 0)
            m.d.sync += weight.eq(saturate(theta + delta, f.theta))

        product = Signal(signed(f.act.width + f.theta.width), reset_less=True)
        weight_in = Signal(shape_of(f.theta), reset_less=True)
        m.d.sync += [weight_in.eq(weight), product.eq(self.x * weight_in)]
        acc = Signal(signed(self.acc_width), reset_less=True)
        m.d.sync += acc.eq(Mux(self.first, product, acc + product))

        hidden_kind, output_kind = self.kinds
        values = {}
        for kind in dict.fromkeys(self.kinds):
            if kind == "sigmoid":
                values[kind] = sigmoid_lookup(m, "sigmoid", acc, f)
            else:
                reg = Signal(shape_of(f.act), name=f"{kind}_act", reset_less=True)
                m.d.sync += reg.eq(saturating_activation(acc, kind, f))
                values[kind] = reg
        if hidden_kind == output_kind:
            m.d.comb += self.act.eq(values[hidden_kind])
        else:
            hidden = Signal(reset_less=True)
            m.d.sync += hidden.eq(self.hidden)
            m.d.comb += self.act.eq(Mux(hidden, values[hidden_kind], values[output_kind]))
        return m
