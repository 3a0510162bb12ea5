"""The pipelined feedforward array: one forward pass enters per clock, every operation in its own register stage."""

import numpy as np
from amaranth.hdl import Module, Mux, Signal, signed, unsigned
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from mgd.golden_model.fixed_network import FixedMLP
from mgd.golden_model.formats import FixedFormats, Fmt
from mgd.golden_model.network import MLP

from .adder_tree import add_tree, check_arity, tree_levels
from .feedforward_array import saturating_activation, sigmoid_lookup
from .fixed import shape_of

__all__ = ["PipelinedArray", "check_input_bits"]


def check_input_bits(input_bits, act: Fmt) -> None:
    """Refuse an ``input_bits`` other than None (inputs in the act format ``act``) or b in [1, act.frac + 1] (b-bit
    unsigned inputs v, x = v·2^−(b−1))."""
    if input_bits is None:
        return
    if isinstance(input_bits, bool) or not isinstance(input_bits, int) or not 1 <= input_bits <= act.frac + 1:
        raise ValueError(
            f"input_bits must be None or an integer in [1, {act.frac + 1}] (act.frac + 1), got {input_bits!r}"
        )


class PipelinedArray(wiring.Component):
    """Fully parallel, fully pipelined array of ``mlp`` in the formats ``fmts`` (golden model
    :class:`~mgd.golden_model.fixed_network.FixedMLP`, bit-exact): a new (x, weights) pass can enter every cycle.

    Layer ℓ, neuron k, from the cycle its inputs a are valid (free-running registers, no enables):

    1. products ``aⱼ·w[p(ℓ,k,j)]`` and the bias term ``s·b[p(ℓ,k)]·2^act.frac`` (exact, ``product_frac`` fraction
       bits): 1 register stage (a multiplier each; with narrow layer-0 inputs, an AND (1 bit) or a b-bit multiply);
    2. the registered adder tree (:func:`~.adder_tree.add_tree`, ``tree_arity`` terms per stage);
    3. the activation: sigmoid = clamped table address → synchronous table read → output register (2 stages; in the
       output layer the table's read register is y: 1 stage); relu/linear = sat(⌊acc⌋) (1 stage).

    ``input_bits``: None (x in the act format) or b: x is b-bit unsigned v with x = v·2^−(b−1) (NIST7x7 pixels:
    b = 1, layer 0 needs no multiplier). The weights of layer ℓ are read :attr:`weight_offsets`\\[ℓ] cycles after x,
    the cycle its inputs reach it (the trainer presents each layer's perturbed weights in that cycle).

    Ports: ``x`` In(array of n_in act values, or of b-bit values), ``weights`` In(array of P θ values, MLP parameter
    order), ``y`` Out(array of n_out act values). Latency: :attr:`latency` cycles from x to y.
    """

    def __init__(self, mlp: MLP, fmts: FixedFormats, *, input_bits=None, tree_arity: int = 3):
        check_input_bits(input_bits, fmts.act)
        check_arity(tree_arity)
        self.mlp, self.fmts, self.input_bits, self.tree_arity = mlp, fmts, input_bits, tree_arity
        self.layout = mlp.unpack(np.arange(mlp.n_params)[None])
        x_shape = shape_of(fmts.act) if input_bits is None else unsigned(input_bits)
        super().__init__(
            {
                "x": In(data.ArrayLayout(x_shape, mlp.layers[0])),
                "weights": In(data.ArrayLayout(shape_of(fmts.theta), mlp.n_params)),
                "y": Out(data.ArrayLayout(shape_of(fmts.act), mlp.layers[-1])),
            }
        )

    def _kind(self, layer: int) -> str:
        return self.mlp.output_activation if layer == len(self.layout) - 1 else self.mlp.activation

    def layer_latency(self, layer: int) -> int:
        """Cycles of layer ``layer``: products, tree levels, activation (a hidden sigmoid's table read is followed
        by an output register, as a multiplier comes next; the output layer's table data is ``y`` itself)."""
        n_terms = self.mlp.layers[layer] + 1
        last = layer == len(self.layout) - 1
        activation = (1 if last else 2) if self._kind(layer) == "sigmoid" else 1
        return 1 + tree_levels(n_terms, self.tree_arity) + activation

    @property
    def weight_offsets(self) -> list[int]:
        """Cycle (after x) in which each layer reads its weights."""
        offsets, t = [], 0
        for layer in range(len(self.layout)):
            offsets.append(t)
            t += self.layer_latency(layer)
        return offsets

    @property
    def latency(self) -> int:
        """Cycles from x (and layer 0's weights) to y."""
        return sum(self.layer_latency(layer) for layer in range(len(self.layout)))

    def elaborate(self, platform):
        m = Module()
        f, mlp = self.fmts, self.mlp
        act = shape_of(f.act)
        one = mlp.bias_sign * (1 << f.act.frac)
        product = signed(f.act.width + f.theta.width + 1)
        inputs = [self.x[j] for j in range(mlp.layers[0])]
        for layer, (W, b) in enumerate(self.layout):
            width = f.act.width + f.theta.width + len(inputs).bit_length() + 2
            outputs = []
            for k in range(W.shape[1]):
                terms = []
                for j, a in enumerate(inputs):
                    w = self.weights[int(W[0, k, j])]
                    if layer == 0 and self.input_bits == 1:
                        value = Mux(a, w << f.act.frac, 0)
                    elif layer == 0 and self.input_bits is not None:
                        value = (a * w) << (f.act.frac - (self.input_bits - 1))
                    else:
                        value = a * w
                    # one bit wider than the product: Yosys' iCE40 DSP mapping then cannot fold the tree's adder into
                    # an SB_MAC16 accumulator (with the exact width it did, and the netlist computed x: the known
                    # `-dsp` adder bug's territory, docs/postsynth.md)
                    p = Signal(product, name=f"p{layer}_{k}_{j}", reset_less=True)
                    m.d.sync += p.eq(value)
                    terms.append(p)
                bias = Signal(product, name=f"bias{layer}_{k}", reset_less=True)
                m.d.sync += bias.eq(one * self.weights[int(b[0, k])])
                terms.append(bias)
                acc = add_tree(m, terms, width, self.tree_arity, f"acc{layer}_{k}")
                out = Signal(act, name=f"a{layer + 1}_{k}", reset_less=True)
                kind = self._kind(layer)
                if kind == "sigmoid":
                    data = sigmoid_lookup(m, f"sigmoid{layer}_{k}", acc, f)
                    if layer == len(self.layout) - 1:
                        m.d.comb += out.eq(data)  # the table's read register is the output
                    else:
                        m.d.sync += out.eq(data)
                else:
                    m.d.sync += out.eq(saturating_activation(acc, kind, f))
                outputs.append(out)
            inputs = outputs
        for k, out in enumerate(inputs):
            m.d.comb += self.y[k].eq(out)
        return m

    @staticmethod
    def golden(mlp: MLP, fmts: FixedFormats) -> FixedMLP:
        """The golden model of this array."""
        return FixedMLP(mlp, fmts)
