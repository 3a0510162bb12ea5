"""The issue stream of one folded pass: lead cycles, then every layer's stream addresses, with a gap between layers."""

from amaranth.hdl import Array, Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from mgd.golden_model.folded_layout import FoldedLayout

__all__ = ["IssueSequencer"]


class IssueSequencer(wiring.Component):
    """One pass over ``layout``'s stream (:mod:`mgd.golden_model.folded_layout`): after ``start`` (cycle c), ``lead``
    cycles (``lead`` output 1: load a pass's inputs), then layer ℓ's ⌈n_out/lanes⌉·(n_in + 1) addresses one per cycle
    (``issue``, ``addr``, ``layer``, ``group``, ``j``, ``first`` = (j = 0), ``last`` = (j = n_in)), ``gap`` idle
    cycles between two layers. ``end`` is 1 in the cycle of the pass's last issue (c + lead + Σ issues + (layers −
    1)·gap); ``busy`` from c + 1 through that cycle. Outputs are combinational from the state registers; ``start``
    while busy restarts the pass.
    """

    def __init__(self, layout: FoldedLayout, *, lead: int, gap: int):
        for name, value in (("lead", lead), ("gap", gap)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        self.layout, self.lead_cycles, self.gap = layout, lead, gap
        layers = layout.layers
        super().__init__(
            {
                "start": In(1),
                "busy": Out(1),
                "lead": Out(1),
                "issue": Out(1),
                "addr": Out(range(max(2, layout.depth))),
                "layer": Out(range(max(2, len(layers)))),
                "group": Out(range(max(2, max(g for _, _, g, _ in layers)))),
                "j": Out(range(max(n for n, *_ in layers) + 1)),
                "first": Out(1),
                "last": Out(1),
                "end": Out(1),
            }
        )

    def elaborate(self, platform):
        m = Module()
        lay = self.layout
        K = len(lay.layers)
        n_in = Array([n for n, *_ in lay.layers])
        groups = Array([g for _, _, g, _ in lay.layers])
        busy, issuing = Signal(), Signal()
        cnt = Signal(range(max(self.lead_cycles, self.gap) + 1))
        layer, group, j, addr = (
            Signal.like(self.layer),
            Signal.like(self.group),
            Signal.like(self.j),
            Signal.like(self.addr),
        )
        # flags of the current address, kept in registers (computed a cycle ahead from the counters' next values):
        # no compare between the state and the many enables these flags drive
        last, last_group, last_layer = Signal(), Signal(), Signal()
        end = busy & issuing & last & last_group & last_layer
        m.d.comb += [
            self.busy.eq(busy),
            self.lead.eq(busy & ~issuing & (layer == 0)),
            self.issue.eq(busy & issuing),
            self.addr.eq(addr),
            self.layer.eq(layer),
            self.group.eq(group),
            self.j.eq(j),
            self.first.eq(j == 0),
            self.last.eq(last),
            self.end.eq(end),
        ]
        with m.If(self.start):
            m.d.sync += [busy.eq(1), issuing.eq(0), cnt.eq(0), layer.eq(0), group.eq(0), j.eq(0), addr.eq(0)]
            m.d.sync += [last.eq(0), last_group.eq(groups[0] == 1), last_layer.eq(K == 1)]
        with m.Elif(busy & ~issuing):  # lead (layer 0) or gap
            with m.If(cnt == Mux(layer == 0, self.lead_cycles - 1, self.gap - 1)):
                m.d.sync += [issuing.eq(1), cnt.eq(0)]
            with m.Else():
                m.d.sync += cnt.eq(cnt + 1)
        with m.Elif(busy):
            m.d.sync += [addr.eq(addr + 1), j.eq(j + 1), last.eq(j + 1 == n_in[layer])]
            with m.If(last):
                m.d.sync += [j.eq(0), last.eq(0)]  # n_in ≥ 1: j = 0 is never a layer's last address
                with m.If(last_group):
                    m.d.sync += [group.eq(0), layer.eq(layer + 1), issuing.eq(0), cnt.eq(0)]
                    m.d.sync += [last_group.eq(groups[layer + 1] == 1), last_layer.eq(layer + 1 == K - 1)]
                with m.Else():
                    m.d.sync += [group.eq(group + 1), last_group.eq(group + 1 == groups[layer] - 1)]
            with m.If(end):
                m.d.sync += busy.eq(0)
        return m
