"""The folded trainer top: θ₀, θ, G and the code keys in block RAM, a few lanes stream over them."""

import numpy as np
from amaranth.hdl import Array, Cat, Module, Mux, Signal
from amaranth.lib import data, wiring
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

from mgd.golden_model.codes import CodeSpec
from mgd.golden_model.fixed_units import g_format
from mgd.golden_model.folded_layout import FoldedLayout
from mgd.golden_model.folded_schedule import FoldedTiming
from mgd.golden_model.formats import FixedFormats
from mgd.golden_model.network import MLP

from .accuracy_counter import AccuracyCounter
from .controller import dtheta_of
from .fixed import shape_of
from .folded_array import FoldedArray
from .folded_codes import CodeCounter, key_width
from .folded_controller import FoldedController
from .folded_cost import FoldedCost
from .folded_g_stream import GStream
from .pipelined_array import check_input_bits
from .sample_memory import SampleMemory
from .trainer import Trainer, connect_host
from .trainer_interfaces import HostSignature, trainer_members

__all__ = ["FoldedTrainer", "WritesSignature", "stream_words", "BLOCK_RAM", "BLOCK_RAM_COLLISION_X"]

#: memory attributes that make Yosys map a memory (RAM or ROM) to block RAM
BLOCK_RAM = {"ram_style": "block", "rom_style": "block"}
#: block RAM whose one read port's data is a don't-care in a cycle its one write port writes the same address
#: (:data:`~mgd.toolchain.COLLISION_X_ATTR`): the θ, G and code-buffer memories. The trainer never uses such a read
#: (``writes.collisions`` traces the used ones, tests/rtl/test_folded_trainer.py checks there are none), so Yosys
#: need not emulate the read-before-write order the block RAMs lack across ports (a delayed write and a bypass
#: multiplexer: about 1 LUT and 2 flip-flops per bit)
BLOCK_RAM_COLLISION_X = BLOCK_RAM | {"mgd_collision_x": 1}  # the name of mgd.toolchain.COLLISION_X_ATTR (tested)


class WritesSignature(wiring.Signature):
    """The θ and G memories' write ports, for traces (every θ and G change of a run passes through them): ``theta_we``,
    ``g_we`` (1), ``wr_addr`` (stream address), ``theta_wdata``, ``g_wdata`` (one value per lane); ``collisions``
    (bits θ, G, code buffer: that memory's write port writes the address a used read of its read port reads this
    cycle: the load phase's θ reads and the G and code reads outside a G stream are unused). All Out."""

    def __init__(self, depth: int, lanes: int, fmts: FixedFormats, mode: str):
        theta, g = shape_of(fmts.theta), shape_of(g_format(mode, fmts))
        super().__init__(
            {
                "theta_we": Out(1),
                "g_we": Out(1),
                "wr_addr": Out(range(max(2, depth))),
                "theta_wdata": Out(data.ArrayLayout(theta, lanes)),
                "g_wdata": Out(data.ArrayLayout(g, lanes)),
                "collisions": Out(3),
            }
        )


def stream_words(rows: np.ndarray, width: int) -> list[int]:
    """Rows of per-lane integers (S, lanes) as memory words of ``lanes`` fields of ``width`` bits (lane 0 lowest)."""
    mask = (1 << width) - 1
    return [sum((int(v) & mask) << (width * lane) for lane, v in enumerate(row)) for row in rows]


class FoldedTrainer(wiring.Component):
    """MGD (Algorithm 1) with the parameters in block RAM and ``lanes`` multiply-accumulate lanes: the same members,
    registers and θ after every update as :class:`~.trainer.Trainer` (bit-identical to FixedMGD), a folded
    schedule (:mod:`mgd.golden_model.folded_schedule`; stream layout :mod:`mgd.golden_model.folded_layout`).

    ::

        controller ─ issue (addr) ─► θ memory ─┐  key memory ─┐     dataset ─► x_in, targets
                                               ▼              ▼
                                        FoldedArray (lanes: code, θ + θ̃, x·w, Σ, activation) ─► y buffer
                     FoldedCost: C₀ pass → C₀; perturbed pass → C, C̃, broadcast b ─► GStream: G ← sat(G + c·b),
                     at a window's end θ ← sat(θ − step(G)) and G ← 0, written back address by address
                     (the load phase: a stream that writes θ ← θ₀)

    Memories (one word per stream address, one field per lane): θ₀ (``init`` θ₀; written by the host), θ and G
    (written by the G stream only: the load phase's stream copies θ₀ to θ; θ₀ and θ end in a zero word), code keys
    (constant, two read ports). The dataset memory is a :class:`~.sample_memory.SampleMemory` (registered read);
    ``dataset_init=False`` leaves it empty (the host or testbench writes it: the Verilog then holds no dataset literal).

    Members: those of :class:`~.trainer.Trainer`, with these differences: the θ₀ and readout addresses are
    *positions* (:attr:`FoldedLayout.position <mgd.golden_model.folded_layout.FoldedLayout>`); ``readout.theta``
    shows θ one cycle after ``readout.addr`` and only while the trainer is idle or done (it shares the θ memory's
    read port with the passes); ``writes`` (Out(:class:`WritesSignature`)) shows the θ and G write ports (for
    traces; ``trace=False`` leaves it out, as a board or a synthesis run does). ``single_port_dataset`` (with
    ``host_port``): the dataset memory one single-port RAM can hold (iCE40 SPRAM; whole-word host writes,
    :class:`~.sample_memory.SampleMemory`).
    """

    @staticmethod
    def check(
        mlp, codes, fmts, theta0, mode="prescaled", x=None, targets=None, order="cyclic", input_bits=None, lanes=1
    ):
        """Validate the parameters before any part is built (:meth:`.trainer.Trainer.check`, ``input_bits`` and
        ``lanes``); returns θ₀ as an int64 array."""
        theta0 = Trainer.check(mlp, codes, fmts, theta0, mode, x, targets, order)
        check_input_bits(input_bits, fmts.act)
        FoldedLayout(mlp, lanes)
        if x is not None:
            SampleMemory.check_inputs(x, fmts.act, input_bits)
        return theta0

    @staticmethod
    def timing_of(layout: FoldedLayout) -> FoldedTiming:
        """The schedule's latencies of the folded trainer of ``layout`` (no elaboratable is built): the issues per
        layer, the gap of :attr:`FoldedArray.ready <.folded_array.FoldedArray>` − 1 cycles, the cost unit's
        ``measure`` (:attr:`FoldedArray.ready` + n_out + 6), the G stream's ``write`` and the shortest lead."""
        issues = tuple(groups * (n_in + 1) for n_in, _, groups, _ in layout.layers)
        gap = FoldedArray.ready - 1
        measure, write = FoldedCost.measure_of(layout.mlp.layers[-1], FoldedArray.ready), GStream.write
        lead = FoldedTiming.lead_for(issues, layout.depth, gap, measure, write)
        return FoldedTiming(issues, layout.depth, gap, measure, write, lead)

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
        lanes: int = 1,
        dataset_init: bool = True,
        trace: bool = True,
        single_port_dataset: bool = False,
    ):
        theta0 = self.check(mlp, codes, fmts, theta0, mode, x, targets, order, input_bits, lanes)
        self.mlp, self.codes, self.mode, self.fmts, self.theta0 = mlp, codes, mode, fmts, theta0
        self.host_port, self.input_bits, self.lanes, self.trace = host_port, input_bits, lanes, trace
        self.layout = lay = FoldedLayout(mlp, lanes)
        self.dataset = SampleMemory(
            x,
            targets,
            fmts.act,
            input_bits=input_bits,
            writable=host_port,
            init=dataset_init,
            block_ram=True,
            single_port=single_port_dataset,
        )
        self.array = FoldedArray(lay, codes, fmts, input_bits=input_bits)
        self.cost_unit = FoldedCost(mlp.layers[-1], mode, fmts, array_ready=FoldedArray.ready)
        self.g_stream = GStream(lay.depth, lanes, codes, mode, fmts)
        self.timing = self.timing_of(lay)
        self.controller = FoldedController(lay, self.timing, self.dataset.n, fmts, order)
        self.code_counter = CodeCounter(codes)
        members = trainer_members(fmts, mode, lay.positions)
        if trace:
            members["writes"] = Out(WritesSignature(lay.depth, lanes, fmts, mode))
        if host_port:
            self.accuracy = AccuracyCounter(mlp.layers[-1], fmts.act, task, registered=True)
            members["host"] = In(HostSignature(lay.positions, self.dataset.n, self.dataset.word, fmts))
        super().__init__(members)

    def elaborate(self, platform):
        m = Module()
        ctl, arr, cu, gs, mem = self.controller, self.array, self.cost_unit, self.g_stream, self.dataset
        f, lay, L = self.fmts, self.layout, self.lanes
        m.submodules.controller = ctl
        m.submodules.code_counter = cc = self.code_counter
        m.submodules.array = arr
        m.submodules.cost_unit = cu
        m.submodules.g_stream = gs
        m.submodules.dataset = mem
        wiring.connect(m, wiring.flipped(self.regs), ctl.regs)

        tw, gw, kw = f.theta.width, g_format(self.mode, f).width, key_width(self.codes)
        keys = lay.keys(self.codes)
        cw = self.codes.width
        # block RAM even where a shallow memory would fit in LUTs (Yosys' choice otherwise: the keys' ROM alone took
        # ~1,000 iCE40 LUTs): the parameters' state is what the folded trainer keeps out of the logic
        # θ₀ and θ hold a zero word at address S (never written), what the G stream reads of the memory it does not
        # use (θ' = sat(θ − step) | θ₀: one write port, no multiplexer; GStream)
        m.submodules.theta0_memory = theta0_mem = Memory(
            shape=tw * L, depth=lay.depth + 1, init=stream_words(lay.to_stream(self.theta0), tw), attrs=BLOCK_RAM
        )
        m.submodules.theta_memory = theta_mem = Memory(
            shape=tw * L, depth=lay.depth + 1, init=[], attrs=BLOCK_RAM_COLLISION_X
        )
        m.submodules.g_memory = g_mem = Memory(shape=gw * L, depth=lay.depth, init=[], attrs=BLOCK_RAM_COLLISION_X)
        m.submodules.key_memory = key_mem = Memory(
            shape=kw * L, depth=lay.depth, init=stream_words(keys, kw), attrs=BLOCK_RAM
        )
        # the codes of the last two perturbed passes (bank = step parity): the G stream of step n reads the codes
        # the pass of step n used while the pass of step n + 1 writes the other bank
        m.submodules.code_memory = code_mem = Memory(
            shape=cw * L, depth=2 * lay.depth, init=[], attrs=BLOCK_RAM_COLLISION_X
        )

        # the load stream (a G stream): θ ← θ₀
        theta0_read = theta0_mem.read_port()
        m.d.comb += theta0_read.addr.eq(gs.theta0_addr)
        # θ: one read port shared by the passes, the window-end G stream and the readout (idle)
        theta_read, theta_write = theta_mem.read_port(), theta_mem.write_port()
        with m.If(ctl.issue):
            m.d.comb += theta_read.addr.eq(ctl.addr)
        with m.Elif(gs.theta_reading):
            m.d.comb += theta_read.addr.eq(gs.theta_addr)
        with m.Else():
            m.d.comb += theta_read.addr.eq(self.readout.addr >> lay.lane_bits)
        g_read, g_write = g_mem.read_port(), g_mem.write_port()
        key_read = key_mem.read_port()
        code_read, code_write = code_mem.read_port(), code_mem.write_port()
        # the bank the passes write; the bank of the step whose G stream comes next; the bank the G stream reads
        # (taken when it starts: a G stream outlasts the next pass's end)
        bank, pending_bank, g_bank = Signal(), Signal(), Signal()
        with m.If(ctl.pass_end & ~ctl.c0_pass):
            m.d.sync += [bank.eq(~bank), pending_bank.eq(bank)]
        with m.If(cu.measuring):
            m.d.sync += g_bank.eq(pending_bank)
        write_bank = Signal(2, reset_less=True)  # the bank of the addresses issued 1 and 2 cycles ago
        m.d.sync += write_bank.eq(Cat(bank, write_bank[0]))
        m.d.comb += [
            g_read.addr.eq(gs.addr),
            key_read.addr.eq(ctl.addr),
            code_read.addr.eq(g_bank * lay.depth + gs.addr),
            code_write.addr.eq(write_bank[1] * lay.depth + arr.code_addr),
            code_write.data.eq(Cat(*[arr.code[lane] for lane in range(L)])),
            code_write.en.eq(arr.code_we),
        ]
        # θ and G are written by the G stream only (θ ← θ₀ and G ← 0 included: GStream)
        m.d.comb += [
            theta_write.addr.eq(gs.wr_addr),
            theta_write.data.eq(Cat(*[gs.theta_wdata[lane] for lane in range(L)])),
            theta_write.en.eq(gs.theta_we),
            g_write.addr.eq(gs.wr_addr),
            g_write.data.eq(Cat(*[gs.g_wdata[lane] for lane in range(L)])),
            g_write.en.eq(gs.g_we),
        ]
        if self.trace:
            writes = self.writes
            m.d.comb += [
                writes.theta_we.eq(theta_write.en),
                writes.g_we.eq(g_write.en),
                writes.wr_addr.eq(theta_write.addr),
                # a read is used by the passes, the G stream or the readout (θ: always; G and the code buffer: while
                # the G stream reads)
                writes.collisions.eq(
                    Cat(
                        *[
                            used & port.en.any() & (read.addr == port.addr)
                            for used, read, port in (
                                (1, theta_read, theta_write),
                                (gs.reading, g_read, g_write),
                                (gs.reading, code_read, code_write),
                            )
                        ]
                    )
                ),
            ]
            for lane in range(L):
                m.d.comb += [
                    writes.theta_wdata[lane].eq(theta_write.data[lane * tw : (lane + 1) * tw]),
                    writes.g_wdata[lane].eq(g_write.data[lane * gw : (lane + 1) * gw]),
                ]
        for lane in range(L):
            m.d.comb += [
                arr.theta[lane].eq(theta_read.data[lane * tw : (lane + 1) * tw]),
                arr.key[lane].eq(key_read.data[lane * kw : (lane + 1) * kw]),
                gs.theta[lane].eq(theta_read.data[lane * tw : (lane + 1) * tw]),
                gs.theta0[lane].eq(theta0_read.data[lane * tw : (lane + 1) * tw]),
                gs.g[lane].eq(g_read.data[lane * gw : (lane + 1) * gw]),
                gs.code[lane].eq(code_read.data[lane * cw : (lane + 1) * cw]),
            ]
        lane_sel = Signal(max(1, lay.lane_bits), reset_less=True)
        m.d.sync += lane_sel.eq(self.readout.addr[: lay.lane_bits] if lay.lane_bits else 0)
        fields = [theta_read.data[lane * tw : (lane + 1) * tw] for lane in range(L)]
        m.d.comb += self.readout.theta.eq(fields[0] if L == 1 else Array(fields)[lane_sel])

        # controller, code counter, array, cost, G stream
        window_end = Signal(reset_less=True)
        with m.If(ctl.pass_end & ~ctl.c0_pass):
            m.d.sync += window_end.eq(ctl.window_end)
        status = self.status
        m.d.comb += [
            ctl.start.eq(self.start),
            cc.restart.eq(ctl.code_restart),
            cc.advance.eq(ctl.code_advance),
            mem.addr.eq(ctl.sample),
            arr.issue.eq(ctl.issue),
            arr.layer.eq(ctl.layer),
            arr.group.eq(ctl.group),
            arr.j.eq(ctl.j),
            arr.first.eq(ctl.first),
            arr.last.eq(ctl.last),
            arr.perturb.eq(ctl.perturb),
            arr.load.eq(ctl.lead),
            arr.counter.eq(cc.counter),
            arr.addr.eq(ctl.addr),
            arr.dtheta.eq(dtheta_of(self.regs, f)),
            cu.strobe.eq(ctl.pass_end),
            cu.c0_pass.eq(ctl.c0_pass),
            cu.eta.eq(self.regs.eta),
            gs.start.eq(cu.measuring | ctl.load_start),
            gs.update.eq(window_end),
            gs.load.eq(ctl.load_start),
            gs.value.eq(cu.broadcast),
            gs.eta.eq(self.regs.eta),
            status.phase.eq(ctl.phase),
            status.step.eq(ctl.step),
            status.done.eq(ctl.done),
            status.cost.eq(cu.cost),
            status.c0.eq(cu.c0),
            status.c_tilde.eq(cu.c_tilde),
            status.broadcast.eq(cu.broadcast),
        ]
        for j in range(self.mlp.layers[0]):
            m.d.comb += arr.x_in[j].eq(mem.x[j])
        for k in range(self.mlp.layers[-1]):
            m.d.comb += [cu.target[k].eq(mem.target[k]), cu.y[k].eq(arr.y[k])]
        if self.host_port:
            host = self.host
            acc = m.submodules.accuracy = self.accuracy
            connect_host(m, host, ctl, mem, acc)
            fresh = Signal(FoldedArray.ready, reset_less=True)  # C₀ pass of a fresh sample, until its outputs are in y
            m.d.sync += fresh.eq(Cat(ctl.pass_end & ctl.c0_pass & ctl.fresh, fresh[:-1]))
            held = [
                Signal.like(mem.target[k], name=f"accuracy_target{k}", reset_less=True)
                for k in range(self.mlp.layers[-1])
            ]
            with m.If(ctl.pass_end):
                m.d.sync += [held[k].eq(mem.target[k]) for k in range(len(held))]
            m.d.comb += acc.strobe.eq(fresh[-1])
            for k in range(self.mlp.layers[-1]):
                m.d.comb += [acc.y[k].eq(arr.y[k]), acc.target[k].eq(held[k])]
            # θ₀ writes by position: the address field selects the word, the lane field the lane
            theta0_write = theta0_mem.write_port(granularity=tw)
            lane_field = host.theta0_addr[: lay.lane_bits] if lay.lane_bits else 0
            m.d.comb += [
                theta0_write.addr.eq(host.theta0_addr >> lay.lane_bits),
                theta0_write.data.eq(host.theta0_data.as_unsigned().replicate(L)),
                theta0_write.en.eq(Mux(host.theta0_en, 1 << lane_field, 0)),
            ]
        return m
