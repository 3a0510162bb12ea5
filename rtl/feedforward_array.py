"""The fixed-point feedforward array: every synapse multiplies, every neuron sums and activates, layer by layer."""

import numpy as np
from amaranth.hdl import Module, Mux, Signal, signed
from amaranth.lib import data, wiring
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

from mgd.golden_model.fixed_network import FixedMLP, sigmoid_table
from mgd.golden_model.formats import FixedFormats
from mgd.golden_model.network import MLP

from .fixed import floor_shift, saturate, shape_of

__all__ = ["FeedforwardArray", "sigmoid_lookup", "saturating_activation"]


def saturating_activation(acc, kind: str, fmts: FixedFormats):
    """relu (``kind`` "relu") or linear of a neuron's exact sum ``acc``: sat(⌊max(acc, 0)⌋) or sat(⌊acc⌋) in the act
    format (combinational)."""
    value = Mux(acc < 0, 0, acc) if kind == "relu" else acc
    return saturate(floor_shift(value, fmts.product_frac - fmts.act.frac), fmts.act)


def sigmoid_lookup(m: Module, name: str, acc, fmts: FixedFormats):
    """The sigmoid of a neuron's exact sum ``acc`` (``product_frac`` fraction bits): a table memory (contents from
    :func:`~mgd.golden_model.fixed_network.sigmoid_table`, added to ``m`` as submodule ``name``) read at the clamped
    address ⌊acc·2^lut_frac⌋. Returns the read port's data in the act format: a synchronous read, 1 cycle after
    ``acc``."""
    table = [int(v) for v in sigmoid_table(fmts)]
    lut_lo = -(1 << (fmts.lut_range + fmts.lut_frac))
    m.submodules[name] = mem = Memory(shape=shape_of(fmts.act), depth=len(table), init=table)
    port = mem.read_port()
    addr = floor_shift(acc, fmts.product_frac - fmts.lut_frac)
    clamped = Mux(addr < lut_lo, lut_lo, Mux(addr > -lut_lo - 1, -lut_lo - 1, addr))
    m.d.comb += port.addr.eq(clamped - lut_lo)
    return port.data


class FeedforwardArray(wiring.Component):
    """Fully parallel array of the network ``mlp`` (:class:`~mgd.golden_model.network.MLP`: layers, activations,
    bias sign, parameter layout) in the formats ``fmts``; golden model
    :class:`~mgd.golden_model.fixed_network.FixedMLP`.

    Neuron k of layer ℓ: ``acc = Σⱼ aⱼ·w[p(ℓ,k,j)] + s·b[p(ℓ,k)]·2^act.frac`` (exact; s = bias sign), then
    sigmoid = a table of ``fmts.lut_size`` entries (a synchronous-read memory, one per neuron, contents from
    :func:`~mgd.golden_model.fixed_network.sigmoid_table`) at the clamped address ⌊acc·2^lut_frac⌋; relu/linear =
    sat(⌊acc⌋) in a register. So each layer ends in one register: :attr:`latency` = number of layers.

    Ports: ``x`` In(array of n_in act values), ``weights`` In(array of P θ values, the synapses' ``weight``
    outputs in the MLP's parameter order), ``y`` Out(array of n_out act values). ``y`` is valid ``latency`` cycles
    after ``x`` and ``weights`` are stable. A folded (neuron-serial) array can offer the same ports later.
    """

    def __init__(self, mlp: MLP, fmts: FixedFormats):
        self.mlp, self.fmts = mlp, fmts
        act, theta = shape_of(fmts.act), shape_of(fmts.theta)
        # parameter index of every weight and bias, from the golden layout
        self.layout = mlp.unpack(np.arange(mlp.n_params)[None])
        super().__init__(
            {
                "x": In(data.ArrayLayout(act, mlp.layers[0])),
                "weights": In(data.ArrayLayout(theta, mlp.n_params)),
                "y": Out(data.ArrayLayout(act, mlp.layers[-1])),
            }
        )

    @property
    def latency(self) -> int:
        """Cycles from x/weights to y."""
        return len(self.mlp.layers) - 1

    def elaborate(self, platform):
        m = Module()
        f, mlp = self.fmts, self.mlp
        act = shape_of(f.act)
        one = mlp.bias_sign * (1 << f.act.frac)
        inputs = [self.x[j] for j in range(mlp.layers[0])]
        n_layers = len(self.layout)
        for layer, (W, b) in enumerate(self.layout):
            kind = mlp.output_activation if layer == n_layers - 1 else mlp.activation
            outputs = []
            for k in range(W.shape[1]):
                acc = one * self.weights[int(b[0, k])]
                for j, a in enumerate(inputs):
                    acc = acc + a * self.weights[int(W[0, k, j])]
                acc_sig = Signal(
                    signed(f.act.width + f.theta.width + len(inputs).bit_length() + 2), name=f"acc{layer}_{k}"
                )
                m.d.comb += acc_sig.eq(acc)
                out = Signal(act, name=f"a{layer + 1}_{k}")
                if kind == "sigmoid":
                    m.d.comb += out.eq(sigmoid_lookup(m, f"sigmoid{layer}_{k}", acc_sig, f))
                else:
                    m.d.sync += out.eq(saturating_activation(acc_sig, kind, f))
                outputs.append(out)
            inputs = outputs
        for k, out in enumerate(inputs):
            m.d.comb += self.y[k].eq(out)
        return m

    @staticmethod
    def golden(mlp: MLP, fmts: FixedFormats) -> FixedMLP:
        """The golden model of this array."""
        return FixedMLP(mlp, fmts)
