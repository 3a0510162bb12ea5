"""The folded feedforward array: ``lanes`` multiply-accumulate lanes stream every layer's parameters."""

from amaranth.hdl import Array, Cat, Const, Module, Mux, Signal, signed, unsigned
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from mgd.golden_model.codes import CodeSpec
from mgd.golden_model.folded_layout import FoldedLayout
from mgd.golden_model.formats import FixedFormats

from .delay_line import delayed
from .fixed import shape_of
from .folded_codes import counter_width, key_width
from .folded_lane import FoldedLane
from .pipelined_array import check_input_bits

__all__ = ["FoldedArray"]


class FoldedArray(wiring.Component):
    """The network of ``layout`` (:class:`~mgd.golden_model.folded_layout.FoldedLayout`: ``lanes`` lanes, layer ℓ
    in ⌈n_out/lanes⌉ groups of n_in + 1 stream addresses) in the formats ``fmts``, bit-exact to
    :class:`~mgd.golden_model.fixed_network.FixedMLP` (every sum is exact, so its order does not matter).

    The controller issues one stream address per cycle (``issue``, with ``layer``, ``group``, ``j`` and the flags
    ``first`` = (j = 0), ``last`` = (j = n_in)); in the same cycle the trainer presents that address to the θ and
    key memories, whose registered reads reach the lanes (``theta``, ``key``) one cycle later. The array selects the
    input of address j (cycle t: layer 0 from the input register, loaded from ``x_in`` by ``load`` and rotated one
    input per address; a hidden layer from its input buffer; the bias input s·1.0 at j = n_in), delays it and the
    flags to their lane stages (:class:`~.folded_lane.FoldedLane`) and writes the group's activations into the next
    layer's input buffer, or the output buffer ``y``, at edge t + 7 of the group's last address: visible from cycle
    t + 8 (:attr:`ready`), when the next layer may issue.

    ``load`` (the cycle before a pass's first issue, or several) also latches the code counter for the pass.
    ``perturb`` (1 in a perturbed pass) is read with ``issue``. Every lane's code of an address issued in cycle t
    of a perturbed pass shows on ``code`` in cycle t + 2 with ``code_we`` = 1 and ``code_addr`` = its stream
    address (the trainer keeps them for the G stream); an idle lane's code is 0. ``dtheta`` (Δθ, θ's format) is
    registered here with its negation (a runtime register, stable during a run). Inputs: ``input_bits`` None
    (``x_in`` in the act format) or b (b-bit unsigned v, x = v·2^−(b−1)). ``dtheta``: Δθ in θ's format.

    ``codes=None``: the inference-only array (no ``perturb``, ``counter``, ``dtheta``, ``key``; lanes of
    :class:`~.folded_lane.FoldedLane` without codes), same stream, same latencies.
    """

    ready = FoldedLane.latency + 1  #: cycles from a layer's last issue to the first cycle its outputs are readable

    def __init__(self, layout: FoldedLayout, codes: CodeSpec | None, fmts: FixedFormats, *, input_bits=None):
        check_input_bits(input_bits, fmts.act)
        self.layout, self.codes, self.fmts, self.input_bits = layout, codes, fmts, input_bits
        mlp = layout.mlp
        self.kinds = (mlp.activation, mlp.output_activation)
        act, L = shape_of(fmts.act), layout.lanes
        n_layers = len(layout.layers)
        x_shape = act if input_bits is None else unsigned(input_bits)
        max_in = max(n_in for n_in, _, _, _ in layout.layers)
        max_groups = max(groups for _, _, groups, _ in layout.layers)
        members = {
            "issue": In(1),
            "layer": In(range(max(2, n_layers))),
            "group": In(range(max(2, max_groups))),
            "j": In(range(max_in + 1)),
            "first": In(1),
            "last": In(1),
            "load": In(1),
            "x_in": In(data.ArrayLayout(x_shape, mlp.layers[0])),
            "theta": In(data.ArrayLayout(shape_of(fmts.theta), L)),
            "y": Out(data.ArrayLayout(act, mlp.layers[-1])),
        }
        if codes is not None:
            members |= {
                "perturb": In(1),
                "counter": In(counter_width(codes)),
                "dtheta": In(shape_of(fmts.theta)),
                "key": In(data.ArrayLayout(key_width(codes), L)),
                "code": Out(data.ArrayLayout(signed(codes.width), L)),
                "code_we": Out(1),
                "code_addr": Out(range(max(2, layout.depth))),
                "addr": In(range(max(2, layout.depth))),
            }
        super().__init__(members)

    def _to_act(self, v):
        """A layer-0 input as an act-format value."""
        if self.input_bits is None:
            return v
        shift = self.fmts.act.frac - (self.input_bits - 1)
        return Cat(Const(0, shift), v, Const(0, 1)).as_signed()

    def elaborate(self, platform):
        m = Module()
        f, lay = self.fmts, self.layout
        L, layers = lay.lanes, lay.layers
        act = shape_of(f.act)
        one = lay.mlp.bias_sign * (1 << f.act.frac)
        n0 = lay.mlp.layers[0]

        trains = self.codes is not None
        if trains:  # the pass's code counter; Δθ and −Δθ from registers
            counter = Signal(counter_width(self.codes), reset_less=True)
            with m.If(self.load):
                m.d.sync += counter.eq(self.counter)
            dtheta = Signal.like(self.dtheta, reset_less=True)
            dtheta_neg = Signal.like(self.dtheta, reset_less=True)
            m.d.sync += [dtheta.eq(self.dtheta), dtheta_neg.eq(-self.dtheta)]

        # layer-0 inputs, stored as they come (b bits each with input_bits): loaded before a pass, rotated one input
        # per non-bias address of layer 0
        raw = self.x_in[0].shape()
        inputs = [Signal(raw, name=f"input{j}", reset_less=True) for j in range(n0)]
        with m.If(self.load):
            m.d.sync += [inputs[j].eq(self.x_in[j]) for j in range(n0)]
        with m.Elif(self.issue & (self.layer == 0) & ~self.last):
            m.d.sync += [inputs[j].eq(inputs[(j + 1) % n0]) for j in range(n0)]
        # input buffers of the hidden layers, and the output buffer
        buffers = [
            [Signal(act, name=f"a{k}_{o}", reset_less=True) for o in range(n_in)]
            for k, (n_in, *_) in enumerate(layers)
            if k > 0
        ]
        outputs = [Signal(act, name=f"y{o}", reset_less=True) for o in range(lay.mlp.layers[-1])]
        m.d.comb += [self.y[o].eq(outputs[o]) for o in range(len(outputs))]

        x = Signal(act, reset_less=True)
        choice = Array([self._to_act(inputs[0])] + [Array(buf)[self.j] for buf in buffers])[self.layer]
        m.d.sync += x.eq(Mux(self.last, one, choice))

        # flags travel with their address: stage k holds the flags of the address issued k cycles ago
        x4 = delayed(m, x, 3, "x")  # x is registered at edge t: x4 is the value of edge t + 3, for the product stage
        perturb2 = delayed(m, self.perturb, 2, "perturb") if trains else None
        first5 = delayed(m, self.first, 5, "first")
        done_issue = self.issue & self.last
        layer6 = delayed(m, self.layer, 6, "layer")
        write = delayed(m, done_issue, 7, "write")
        layer7 = delayed(m, self.layer, 7, "layer")
        group7 = delayed(m, self.group, 7, "group")

        if trains:
            # an idle lane (past n_out in a layer's last group) has code 0; its valid bit travels to the code stage
            valid = []
            for lane in range(L):
                idle = [
                    (self.layer == k) & (self.group == groups - 1)
                    for k, (_, n_out, groups, _) in enumerate(layers)
                    if lane >= n_out - (groups - 1) * L
                ]
                valid.append(delayed(m, ~Cat(*idle).any() if idle else Const(1), 1, f"valid{lane}"))
            writing = delayed(m, self.issue & self.perturb, 2, "code_write")
            m.d.comb += [self.code_we.eq(writing), self.code_addr.eq(delayed(m, self.addr, 2, "code_addr"))]
        for lane in range(L):
            unit = FoldedLane(self.codes, f, max_inputs=max(n for n, *_ in layers) + 1, kinds=self.kinds)
            m.submodules[f"lane{lane}"] = unit
            if trains:
                m.d.comb += [
                    unit.key.eq(self.key[lane]),
                    unit.counter.eq(counter),
                    unit.valid.eq(valid[lane]),
                    unit.perturb.eq(perturb2),
                    unit.dtheta.eq(dtheta),
                    unit.dtheta_neg.eq(dtheta_neg),
                    self.code[lane].eq(unit.code),
                ]
            m.d.comb += [
                unit.theta.eq(self.theta[lane]),
                unit.x.eq(x4),
                unit.first.eq(first5),
                unit.hidden.eq(layer6 != len(layers) - 1),
            ]
            for k, (_, n_out, groups, _) in enumerate(layers):
                targets = buffers[k] if k < len(layers) - 1 else outputs
                for g in range(groups):
                    o = g * L + lane
                    if o < n_out:
                        with m.If(write & (layer7 == k) & (group7 == g)):
                            m.d.sync += targets[o].eq(unit.act)
        return m
