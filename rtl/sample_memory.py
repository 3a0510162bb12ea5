"""The pipelined trainer's dataset memory: narrow words, a registered read (block RAM), act-format host writes."""

import numpy as np
from amaranth.hdl import Cat, Const, Module, Mux, Signal, Value
from amaranth.lib import data, wiring
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

from mgd.golden_model.formats import Fmt

from .dataset_memory import DatasetMemory
from .fixed import shape_of
from .pipelined_array import check_input_bits

__all__ = ["SampleMemory"]


class SampleMemory(wiring.Component):
    """``x`` (N, n_in) and ``targets`` (N, n_out), stored integers in the act format ``fmt``, kept as narrow as they
    are: an input as b bits v (``input_bits`` = b, x = v·2^−(b−1); None: the act format's width), a target as one
    bit when every target is 0 or 1.0 (``binary_targets``), else in the act format. One word per sample.

    Ports: ``addr`` In(range(N)); ``x`` Out(array of n_in b-bit values, or act values) and ``target`` Out(array of
    n_out act values, expanded from their bits) show the word at the address of the previous cycle (a synchronous
    read: block RAM). Latency: 1 cycle. ``target_bits`` Out(array of n_out stored fields) is the raw target field
    (1 bit when binary), for delay lines that carry it narrow; :meth:`expand_target` turns a field into act.

    ``writable=True`` adds the host's write port in the act format of :class:`~.dataset_memory.DatasetMemory`
    (``w_addr``, ``w_data`` = :attr:`word`, ``w_en`` one enable per value); each value is stored as its field's bits
    (an input's bits b above 2^−(b−1), a binary target's bit at 1.0): a host writes representable values (others
    lose their other bits). ``init=False`` leaves the memory empty (all zeros): the dataset is then written through
    that port, and the Verilog holds no dataset literal (the words to write: :attr:`init`).

    ``single_port=True`` (with ``writable``) makes the memory one a single-port RAM can hold (iCE40 SPRAM: one
    address, whole-word writes): a host write stores a whole word, a staging register with the written values
    merged in, and is posted: the request (``w_addr``, ``w_data``, ``w_en`` in cycle t) is registered, merged into
    the staging word in cycle t + 1 and written to the RAM in cycle t + 2 (so the host's address decode drives
    register inputs only, not the RAM's address or an enable: it set the iCEBreaker board's clock). Reads and
    writes share the address (the posted write's in its cycle, else ``addr``). A host that writes every value of a
    sample (in any order) leaves the sample's word exact; the memory is written only while the trainer is idle, so
    the shared address never disturbs a read. The read port is disabled in a posted write's cycle (``x`` and
    ``target`` hold): a RAM whose read data does not change during a write (SPRAM's "no change" read-during-write)
    then holds it exactly, and Yosys maps it there (``synth_ice40 -spram``, ``ram_style`` "huge").
    ``block_ram=True`` asks Yosys for block RAM even for a memory it would build from LUTs."""

    @staticmethod
    def check_inputs(x, fmt: Fmt, input_bits) -> None:
        """Refuse inputs that ``input_bits`` cannot hold (None: any act-format value)."""
        if input_bits is None:
            return
        shift = fmt.frac - (input_bits - 1)
        xs = np.asarray(x, dtype=np.int64)
        if np.any(xs < 0) or np.any(xs & ((1 << shift) - 1)) or np.any(xs >> shift >= 1 << input_bits):
            raise ValueError(
                f"input_bits={input_bits}: every input must be v·2^-{input_bits - 1} with v an unsigned "
                f"{input_bits}-bit integer (stored: a multiple of 2^{shift} below 2^{shift + input_bits})"
            )

    def __init__(
        self,
        x,
        targets,
        fmt: Fmt,
        *,
        input_bits=None,
        writable: bool = False,
        init: bool = True,
        single_port: bool = False,
        block_ram: bool = False,
    ):
        x, targets = DatasetMemory.check(x, targets, fmt)
        check_input_bits(input_bits, fmt)
        self.check_inputs(x, fmt, input_bits)
        self.fmt, self.n, self.input_bits, self.writable, self.initialised = fmt, len(x), input_bits, writable, init
        self.single_port, self.block_ram = single_port, block_ram
        self.n_in, self.n_out = x.shape[1], targets.shape[1]
        one = 1 << fmt.frac
        self.binary_targets = bool(np.all((targets == 0) | (targets == one)))
        self.x_shift = fmt.frac - (input_bits - 1) if input_bits is not None else 0
        self.x_width = input_bits if input_bits is not None else fmt.width
        self.t_width = 1 if self.binary_targets else fmt.width
        self.word = data.ArrayLayout(shape_of(fmt), self.n_in + self.n_out)
        self.width = self.n_in * self.x_width + self.n_out * self.t_width
        xs = (x >> self.x_shift) & ((1 << self.x_width) - 1)
        ts = (targets >> fmt.frac) if self.binary_targets else targets & ((1 << fmt.width) - 1)
        self.init = [self._pack(xi, ti) for xi, ti in zip(xs, ts, strict=True)]
        x_shape = shape_of(fmt) if input_bits is None else input_bits
        ports = {
            "addr": In(range(max(2, self.n))),
            "x": Out(data.ArrayLayout(x_shape, self.n_in)),
            "target": Out(data.ArrayLayout(shape_of(fmt), self.n_out)),
            "target_bits": Out(data.ArrayLayout(self.t_width, self.n_out)),
        }
        if single_port and not writable:
            raise ValueError("single_port is an option of a writable memory (writable=True)")
        if writable:
            ports |= {"w_addr": In(range(max(2, self.n))), "w_data": In(self.word), "w_en": In(self.n_in + self.n_out)}
        super().__init__(ports)

    def _pack(self, xi, ti) -> int:
        word, pos = 0, 0
        for v in xi:
            word |= int(v) << pos
            pos += self.x_width
        for v in ti:
            word |= int(v) << pos
            pos += self.t_width
        return word

    latency = 1

    def expand_target(self, field):
        """The act-format target of a stored target field (a bit ↦ 0 or 1.0)."""
        if self.binary_targets:
            return Cat(Const(0, self.fmt.frac), field)  # unsigned: zero-extends into the act format
        return field.as_signed() if self.fmt.signed else field

    def elaborate(self, platform):
        m = Module()
        m.submodules.memory = mem = Memory(
            shape=self.width,
            depth=self.n,
            init=self.init if self.initialised else [],
            attrs={"ram_style": "block", "rom_style": "block"} if self.block_ram else None,
        )
        port = mem.read_port()
        if self.single_port:  # a posted write: the request registered, merged into the staging word, then written
            request_en = Signal.like(self.w_en, reset_less=True)
            request_addr = Signal.like(self.w_addr, reset_less=True)
            posted = Signal()
            posted_addr = Signal.like(self.w_addr, reset_less=True)
            m.d.sync += [request_en.eq(self.w_en), request_addr.eq(self.w_addr)]
            m.d.sync += [posted.eq(request_en.any()), posted_addr.eq(request_addr)]
            m.d.comb += [port.addr.eq(Mux(posted, posted_addr, self.addr)), port.en.eq(~posted)]
        else:
            m.d.comb += port.addr.eq(self.addr)
        for j in range(self.n_in):
            field = port.data[j * self.x_width : (j + 1) * self.x_width]
            m.d.comb += self.x[j].eq(field if self.input_bits is not None else field.as_signed())
        base = self.n_in * self.x_width
        for k in range(self.n_out):
            field = port.data[base + k * self.t_width : base + (k + 1) * self.t_width]
            m.d.comb += [self.target_bits[k].eq(field), self.target[k].eq(self.expand_target(field))]
        if self.writable:
            data_bits, enables = [], []
            for j in range(self.n_in):
                data_bits.append(Value.cast(self.w_data[j])[self.x_shift : self.x_shift + self.x_width])
                enables.append(self.w_en[j].replicate(self.x_width))
            for k in range(self.n_out):
                value = Value.cast(self.w_data[self.n_in + k])
                data_bits.append(value[self.fmt.frac] if self.binary_targets else value)
                enables.append(self.w_en[self.n_in + k].replicate(self.t_width))
            if self.single_port:
                wport = mem.write_port()
                request_bits, request_mask = Signal(self.width, reset_less=True), Signal(self.width, reset_less=True)
                m.d.sync += [request_bits.eq(Cat(*data_bits)), request_mask.eq(Cat(*enables))]
                staging = Signal(self.width, reset_less=True)
                with m.If(request_en.any()):  # the word the posted write stores
                    m.d.sync += staging.eq((staging & ~request_mask) | (request_bits & request_mask))
                m.d.comb += [wport.addr.eq(port.addr), wport.data.eq(staging), wport.en.eq(posted)]
            else:
                wport = mem.write_port(granularity=1)
                m.d.comb += [wport.addr.eq(self.w_addr), wport.data.eq(Cat(*data_bits)), wport.en.eq(Cat(*enables))]
        return m
