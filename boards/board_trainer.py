"""The trainer a board runs: UART, host link, register file, the trainer itself, and status LEDs."""

from __future__ import annotations

from amaranth.hdl import Cat, Const, Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from mgd.golden_model.config import MGDConfig
from mgd.golden_model.formats import DEFAULT_FORMATS, FixedFormats
from mgd.rtl.trainer_interfaces import Phase

from . import host_protocol as proto
from .host_link import HostLink
from .uart_rx import UARTReceiver
from .uart_tx import UARTTransmitter

__all__ = ["BoardTrainer", "CONFIG_REGISTERS"]

#: the runtime registers the host may write (not while a run is going on), with their checks
CONFIG_REGISTERS = (*proto.RUNTIME_REGISTERS, "sample")


def _or_tree(values):
    """The OR of ``values``, as a balanced tree."""
    while len(values) > 1:
        values = [values[i] | values[i + 1] if i + 1 < len(values) else values[i] for i in range(0, len(values), 2)]
    return values[0]


class BoardTrainer(wiring.Component):
    """A self-contained MGD trainer behind a UART host link (protocol: :mod:`~.host_protocol`).

    Built from an :class:`~mgd.golden_model.config.MGDConfig` (one network): the on-chip dataset, θ₀ and the
    runtime registers start as the config's (so ``start`` alone trains it), and the host may replace all of them.
    ``model`` is the bit-exact fixed-point model of the same network and ``registers`` the initial registers.

    Ports: ``rx`` In(1) (idle high), ``tx`` Out(1); ``leds`` Out(4): running, done, a toggle per response frame,
    and "a bad frame was seen". ``divisor``: clock cycles per UART bit (clock frequency / baud rate, ≥ 4).

    Register writes are checked before they act (:data:`~.host_protocol.STATUS`): τx, τp, τθ in [1, 2^16);
    η within its format; Δθ shift ≤ θ's fraction bits; seed < 2^16; steps ≥ 1; sample < N; θ₀ within θ's range;
    dataset values within the act format; configuration writes and ``start`` answer ``busy`` during a run (``stop``
    and clearing the counters do not). The ``cycles`` register counts clock cycles from ``start`` until the run
    ends (32-bit, saturating): with ``step``, ``correct`` and ``seen`` a host measures time to accuracy on the
    board itself. ``hw_seed`` is the seed register's power-on value (default 0); the host writes the register to
    give each run its own draw of codes and sample order (:mod:`mgd.golden_model.hardware_seed`). ``pipelined``
    (with ``input_bits``) puts the :class:`~mgd.rtl.pipelined_trainer.PipelinedTrainer` behind the same link.

    ``lanes`` (with ``input_bits``) puts the :class:`~mgd.rtl.folded_trainer.FoldedTrainer` with that many lanes
    behind it (θ, G and the code keys in block RAM; no trace port): the θ addresses are then *positions*
    (:data:`~.host_protocol.THETA_BASE`; the ``lanes``, ``network`` and ``theta_range`` registers tell the host how
    to map parameter i to its position), θ reads answer ``busy`` during a run (the readout shares the θ memory's
    read port with the passes; its value comes a cycle after the address, and the register file registers it once
    more: both within the byte time the bus holds the address before its strobe), and ``n_params`` is still P.
    ``single_port_dataset``: the dataset memory a single-port RAM holds (iCE40 SPRAM: the host writes every value
    of a sample, :class:`~mgd.rtl.sample_memory.SampleMemory`); ``dataset_init=False``: the dataset memory starts
    empty (SPRAM has no initial contents: the host loads it). Both are options of the folded trainer.
    """

    def __init__(
        self,
        config: MGDConfig,
        fmts: FixedFormats = DEFAULT_FORMATS,
        *,
        divisor: int,
        mode: str = "prescaled",
        hw_seed: int = 0,
        pipelined: bool = False,
        input_bits: int | None = None,
        lanes: int | None = None,
        single_port_dataset: bool = False,
        dataset_init: bool = True,
    ):
        from mgd.golden_model import datasets
        from mgd.golden_model.folded_layout import FoldedLayout
        from mgd.golden_model.network import MLP
        from mgd.golden_model.training import resolve_layers
        from mgd.rtl.trainer_build import build

        UARTReceiver.check(divisor)
        folded = lanes is not None
        if not folded and (single_port_dataset or not dataset_init):
            raise ValueError("single_port_dataset and dataset_init=False are options of the folded trainer (lanes)")
        # before any part is built (an elaboratable refused after its construction is left behind unused): the
        # network register must describe the network (the folded trainer's host maps parameters to positions by it)
        # and the θ addresses must fit the register map
        mlp = MLP.from_config(config, resolve_layers(config, datasets.load(config.dataset)))
        try:
            self.network_word = proto.network_word(mlp.layers[1:-1], mlp.param_order)
        except ValueError:
            if folded:
                raise
            self.network_word = 0xFFFFFFFF  # a parallel trainer's host needs no layout: "not described"
        self.lanes = lanes
        self.theta_range = FoldedLayout(mlp, lanes).positions if folded else mlp.n_params
        if self.theta_range > proto.DATASET_BASE - proto.THETA_BASE:
            what = "positions" if folded else "parameters"
            raise ValueError(f"{self.theta_range} θ {what} do not fit the register map's θ range (4,096)")
        options = {"lanes": lanes, "dataset_init": dataset_init} if folded else {}
        if folded:
            options["folded_options"] = {"trace": False, "single_port_dataset": single_port_dataset}
        b = build(  # one network (seeds = 1)
            config,
            fmts,
            mode=mode,
            hw_seed=hw_seed,
            host_port=True,
            pipelined=pipelined,
            input_bits=input_bits,
            **options,
        )
        self.config, self.fmts, self.model, self.registers, self.trainer = config, fmts, b.model, b.regs, b.trainer
        assert self.theta_range == (b.trainer.layout.positions if folded else b.model.mlp.n_params)
        self.uart_rx = UARTReceiver(divisor)
        self.uart_tx = UARTTransmitter(divisor)
        self.link = HostLink()
        self.divisor = divisor
        super().__init__({"rx": In(1, init=1), "tx": Out(1, init=1), "leds": Out(4)})

    @property
    def n_words(self) -> int:
        """Values per dataset sample (n_in + n_out)."""
        return self.trainer.dataset.n_in + self.trainer.dataset.n_out

    def elaborate(self, platform):
        m = Module()
        tr, link, f = self.trainer, self.link, self.fmts
        m.submodules.trainer = tr
        m.submodules.uart_rx = self.uart_rx
        m.submodules.uart_tx = self.uart_tx
        m.submodules.link = link
        wiring.connect(m, self.uart_rx.data, link.rx)
        wiring.connect(m, link.tx, self.uart_tx.data)
        m.d.comb += [self.uart_rx.rx.eq(self.rx), self.tx.eq(self.uart_tx.tx), link.bit_tick.eq(self.uart_rx.bit_tick)]

        # the register file: one register per member of the trainer's RegistersSignature, plus the sample pointer
        regs = {
            name: Signal.like(getattr(tr.regs, name), init=getattr(self.registers, name), name=f"reg_{name}")
            for name in tr.regs.signature.members
        }
        regs["sample"] = Signal(range(max(2, tr.dataset.n)), name="reg_sample")
        for name in tr.regs.signature.members:
            m.d.comb += getattr(tr.regs, name).eq(regs[name])
        status, host = tr.status, tr.host

        running = Signal()
        m.d.comb += running.eq((status.phase != Phase.IDLE) & (status.phase != Phase.DONE))
        # a cycle later: the folded trainer's θ answer at a strobe is the θ memory's read two cycles before it
        # (registered read, registered answer), so a θ read is busy if the trainer had the port then
        was_running = Signal()
        m.d.sync += was_running.eq(running)
        cycles = Signal(32)
        with m.If(tr.start):
            m.d.sync += cycles.eq(0)
        with m.Elif(running):
            m.d.sync += cycles.eq(cycles + (cycles != (1 << 32) - 1))

        bus = link.bus
        addr, value = bus.addr, bus.wdata
        signed_value = value.as_signed()
        ok, bad_addr, bad_value, busy = (proto.STATUS[k] for k in ("ok", "bad_addr", "bad_value", "busy"))
        accept = Signal()  # this strobe is a write that passed its checks
        m.d.comb += accept.eq(bus.strobe & bus.write & (bus.status == ok))
        # the write acts one cycle after its strobe (addr and wdata still hold: the next frame is bytes away), so
        # the strobe's status logic and the write enables of every register are separate paths
        write = Signal()
        m.d.sync += write.eq(accept)
        # the status is decided a cycle ahead too, once for an idle trainer and once for a running one (the only
        # input that may change up to the strobe); the strobe then only selects between the two registers. Each
        # register's answer is gated by its (exclusive) address match and the answers are OR-ed: a balanced tree,
        # not a chain of priority muxes
        answers = []  # (match, status if idle, status if running, read value)
        status_idle_r, status_run_r = Signal.like(bus.status), Signal.like(bus.status)
        m.d.comb += bus.status.eq(Mux(running, status_run_r, status_idle_r))

        def reg(name):
            return proto.REGISTERS[name][0]

        # reads answer with the value a cycle before the strobe (registered: the read mux is off the strobe's path)
        read_value_r = Signal(32)
        m.d.comb += bus.rdata.eq(read_value_r)

        def answer(match, read_value=None, check=None, config=True, read_idle_only=False):
            """The answer at a matching address: reads give ``read_value`` (None: not readable; with
            ``read_idle_only``, ``busy`` during a run and in the first cycles after it: the value is read two
            cycles before the strobe); writes must pass ``check`` (None: not writable) and, for configuration,
            happen outside a run."""
            write_idle = write_run = Const(bad_addr, 3)
            if check is not None:
                write_idle = Mux(check, ok, bad_value)
                write_run = Mux(config, busy, write_idle)
            read_status = Const(ok if read_value is not None else bad_addr, 3)
            read_run = read_status
            read_idle = read_status
            if read_value is not None and read_idle_only:
                read_run, read_idle = Const(busy, 3), Mux(was_running, busy, ok)
            idle = Mux(bus.write, write_idle, read_idle)
            run = Mux(bus.write, write_run, read_run)
            answers.append((match, idle, run, read_value if read_value is not None else Const(0, 32)))

        P, N = self.model.mlp.n_params, tr.dataset.n
        folded = self.lanes is not None
        formats = f.theta.width | f.theta.frac << 8 | f.act.width << 16 | f.act.frac << 24
        status_word = Signal(32)
        m.d.comb += status_word.eq(running | status.done << 1 | status.phase.as_value() << 4)
        read_only = {
            "id": proto.ID_MAGIC,
            "n_params": P,
            "n_samples": N,
            "n_in": tr.dataset.n_in,
            "n_out": tr.dataset.n_out,
            "formats": formats,
            "lanes": self.lanes or 0,
            "network": self.network_word,
            "theta_range": self.theta_range,
            "status": status_word,
            "step": status.step,
            "cost": status.cost,
            "c0": status.c0,
            "correct": host.correct,
            "seen": host.seen,
            "cycles": cycles,
        }

        # every value check is registered: the bus holds addr and wdata for a cycle before its strobe
        # (:class:`~.host_link.RegisterBus`), so the comparators sit off the strobe's path
        def registered(name, expr):
            r = Signal(name=name)
            m.d.sync += r.eq(expr)
            return r

        checks = {"sample": registered("check_sample", value < N)}
        for name in proto.RUNTIME_REGISTERS:  # the ranges the host driver checks too
            low, high = proto.runtime_register_range(name, f.eta.width, f.theta.frac)
            checks[name] = registered(f"check_{name}", (value >= low) & (value <= high))
        control_ok = registered("check_control", value < 8)
        theta_ok = registered("check_theta", (signed_value >= f.theta.min) & (signed_value <= f.theta.max))
        act_ok = registered("check_act", (signed_value >= f.act.min) & (signed_value <= f.act.max))
        theta_index = Signal(16)
        word_index = Signal(16)
        m.d.comb += [
            theta_index.eq(addr - proto.THETA_BASE),
            word_index.eq(addr - proto.DATASET_BASE),
            tr.readout.addr.eq(theta_index),
        ]

        # the address decode is registered too (one match bit per register or range, a cycle ahead of the strobe);
        # the matches are exclusive: each gates its own writes and answer
        def at(name, match):
            return registered(f"at_{name}", match)

        for name, source in read_only.items():
            answer(at(name, addr == reg(name)), source)
        for name in CONFIG_REGISTERS:
            hit = at(name, addr == reg(name))
            answer(hit, regs[name], checks[name])
            with m.If(hit):
                with m.If(write):
                    m.d.sync += regs[name].eq(value)
        hit = at("control", addr == reg("control"))
        start = value[0]
        answer(hit, None, control_ok, config=start)
        with m.If(hit):
            with m.If(write):
                m.d.comb += [tr.start.eq(start), host.stop.eq(value[1]), host.clear_counters.eq(value[2])]
        # θ by parameter index, or by position (the folded trainer: its readout is a registered block-RAM read,
        # valid a cycle after the address and only while the trainer is idle or done)
        hit = at("theta", (addr >= proto.THETA_BASE) & (addr < proto.THETA_BASE + self.theta_range))
        answer(hit, tr.readout.theta, theta_ok, read_idle_only=folded)
        with m.If(hit):
            m.d.comb += [host.theta0_addr.eq(theta_index), host.theta0_data.eq(value), host.theta0_en.eq(write)]
        hit = at("dataset", (addr >= proto.DATASET_BASE) & (addr < proto.DATASET_BASE + self.n_words))
        answer(hit, None, act_ok)
        with m.If(hit):
            m.d.comb += host.sample_addr.eq(regs["sample"])
            m.d.comb += [host.sample_en[k].eq(write & (word_index == k)) for k in range(self.n_words)]
            m.d.comb += [host.sample_data[k].eq(value) for k in range(self.n_words)]

        # the answer: OR over the exclusive matches, bad_addr where none matches (registered a cycle ahead)
        any_hit = Cat(*[a[0] for a in answers]).any()
        m.d.sync += [
            status_idle_r.eq(Mux(any_hit, _or_tree([Mux(a[0], a[1], 0) for a in answers]), bad_addr)),
            status_run_r.eq(Mux(any_hit, _or_tree([Mux(a[0], a[2], 0) for a in answers]), bad_addr)),
            read_value_r.eq(_or_tree([Mux(a[0], a[3], 0) for a in answers])),
        ]

        toggle = Signal()
        with m.If(bus.strobe):
            m.d.sync += toggle.eq(~toggle)
        m.d.comb += self.leds.eq(running | status.done << 1 | toggle << 2 | (link.bad_frames != 0) << 3)
        return m
