"""The inference-only folded array: θ in block RAM, the same lanes and stream, no training logic. The baseline the
folded trainer's overhead is measured against (docs/results.md)."""

from amaranth.hdl import Module, Signal
from amaranth.lib import data, wiring
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

from mgd.golden_model.folded_layout import FoldedLayout
from mgd.golden_model.formats import FixedFormats
from mgd.golden_model.network import MLP

from .fixed import shape_of
from .folded_array import FoldedArray
from .folded_issue import IssueSequencer
from .folded_trainer import BLOCK_RAM_COLLISION_X, stream_words
from .sample_memory import SampleMemory

__all__ = ["FoldedInference"]


class FoldedInference(wiring.Component):
    """The network ``mlp`` with ``lanes`` lanes (golden :class:`~mgd.golden_model.fixed_network.FixedMLP`), θ in a
    memory (initialised to ``theta`` (P stored integers), written by position: ``theta_addr``, ``theta_data``,
    ``theta_en``, between passes: the memory is :data:`~.folded_trainer.BLOCK_RAM_COLLISION_X`, so a read of the
    address written in the same cycle is undefined, as in the trainer's θ memory, and Yosys builds no bypass), the
    dataset ``x``/``targets`` in a :class:`~.sample_memory.SampleMemory`.

    ``start`` (one cycle, with ``sample``: its dataset address, held until ``done``) runs one pass: the sample's word
    is read (1 cycle), its inputs loaded (the lead cycle), the layers issued as the trainer's passes
    (:class:`~.folded_issue.IssueSequencer`, gap :attr:`FoldedArray.ready <.folded_array.FoldedArray>` − 1); ``y``
    (act format) holds the outputs from the cycle ``done`` pulses, :attr:`latency` cycles after ``start``.
    """

    def __init__(self, mlp: MLP, fmts: FixedFormats, x, targets, theta, *, lanes: int = 1, input_bits=None):
        self.mlp, self.fmts, self.lanes, self.theta = mlp, fmts, lanes, theta
        self.layout = lay = FoldedLayout(mlp, lanes)
        self.dataset = SampleMemory(x, targets, fmts.act, input_bits=input_bits, block_ram=True)
        self.array = FoldedArray(lay, None, fmts, input_bits=input_bits)
        self.passes = IssueSequencer(lay, lead=1, gap=FoldedArray.ready - 1)
        issues = sum(g * (n + 1) for n, _, g, _ in lay.layers)
        #: start → sample read (1) → lead (1) → issues and gaps → outputs ready
        self.latency = 2 + issues + (len(lay.layers) - 1) * (FoldedArray.ready - 1) + FoldedArray.ready
        super().__init__(
            {
                "start": In(1),
                "sample": In(range(max(2, self.dataset.n))),
                "theta_addr": In(range(max(2, lay.positions))),
                "theta_data": In(shape_of(fmts.theta)),
                "theta_en": In(1),
                "y": Out(data.ArrayLayout(shape_of(fmts.act), mlp.layers[-1])),
                "done": Out(1),
            }
        )

    def elaborate(self, platform):
        m = Module()
        lay, f, L = self.layout, self.fmts, self.lanes
        tw = f.theta.width
        m.submodules.dataset = mem = self.dataset
        m.submodules.array = arr = self.array
        m.submodules.passes = passes = self.passes
        m.submodules.theta_memory = theta_mem = Memory(
            shape=tw * L, depth=lay.depth, init=stream_words(lay.to_stream(self.theta), tw), attrs=BLOCK_RAM_COLLISION_X
        )
        read, write = theta_mem.read_port(), theta_mem.write_port(granularity=tw)
        lane = self.theta_addr[: lay.lane_bits] if lay.lane_bits else 0
        m.d.comb += [
            read.addr.eq(passes.addr),
            write.addr.eq(self.theta_addr >> lay.lane_bits),
            write.data.eq(self.theta_data.as_unsigned().replicate(L)),
            write.en.eq(self.theta_en << lane),
            mem.addr.eq(self.sample),
        ]
        starting = Signal()
        m.d.sync += starting.eq(self.start)  # the sample's word is read in the cycle after start
        m.d.comb += [
            passes.start.eq(starting),
            arr.issue.eq(passes.issue),
            arr.layer.eq(passes.layer),
            arr.group.eq(passes.group),
            arr.j.eq(passes.j),
            arr.first.eq(passes.first),
            arr.last.eq(passes.last),
            arr.load.eq(passes.lead),
        ]
        for lane_index in range(L):
            m.d.comb += arr.theta[lane_index].eq(read.data[lane_index * tw : (lane_index + 1) * tw])
        for j in range(self.mlp.layers[0]):
            m.d.comb += arr.x_in[j].eq(mem.x[j])
        ready = Signal(FoldedArray.ready, reset_less=True)
        m.d.sync += ready.eq(ready << 1 | passes.end)
        m.d.comb += [self.done.eq(ready[-1]), self.y.eq(arr.y)]
        return m
