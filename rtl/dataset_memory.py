"""On-chip dataset memory: inputs and targets of every training sample, initialised from numpy arrays."""

import numpy as np
from amaranth.hdl import Module
from amaranth.lib import data, wiring
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

from mgd.golden_model.formats import Fmt

from .fixed import shape_of

__all__ = ["DatasetMemory"]


class DatasetMemory(wiring.Component):
    """``x`` (N, n_in) and ``targets`` (N, n_out): stored integers in the act format ``fmt``.

    One memory word per sample: an :class:`~amaranth.lib.data.ArrayLayout` of n_in + n_out act values, the inputs
    first, then the targets. Ports: ``addr`` In(range(N)); ``x`` Out(array of n_in), ``target`` Out(array of
    n_out). Latency: 0 (asynchronous read: the sample appears in the cycle its address is presented; fine for LUT
    RAM, see docs for large datasets).

    ``writable=True`` adds a write port for a host, one enable per value: ``w_addr`` In(range(N)), ``w_data``
    In(the word layout), ``w_en`` In(n_in + n_out) (value k of the word is written at the clock edge when bit k is
    set; the initial contents are still ``x``/``targets``).
    """

    @staticmethod
    def check(x, targets, fmt: Fmt) -> tuple[np.ndarray, np.ndarray]:
        """Validate the contents (called by the constructor); returns them as int64 arrays."""
        x, targets = np.asarray(x, dtype=np.int64), np.asarray(targets, dtype=np.int64)
        if x.ndim != 2 or targets.ndim != 2 or len(x) != len(targets) or len(x) == 0:
            raise ValueError(
                f"x and targets must be (N, n) arrays with the same N >= 1, got {x.shape} and {targets.shape}"
            )
        for name, arr in (("x", x), ("targets", targets)):
            if arr.min() < fmt.min or arr.max() > fmt.max:
                raise ValueError(f"{name} has values outside the act format [{fmt.min}, {fmt.max}]")
        return x, targets

    def __init__(self, x: np.ndarray, targets: np.ndarray, fmt: Fmt, *, writable: bool = False):
        x, targets = self.check(x, targets, fmt)
        self.fmt, self.n = fmt, len(x)
        self.n_in, self.n_out = x.shape[1], targets.shape[1]
        act = shape_of(fmt)
        self.word = data.ArrayLayout(act, self.n_in + self.n_out)
        self.init = [[int(v) for v in xi] + [int(v) for v in ti] for xi, ti in zip(x, targets, strict=True)]
        self.writable = writable
        ports = {
            "addr": In(range(max(2, self.n))),
            "x": Out(data.ArrayLayout(act, self.n_in)),
            "target": Out(data.ArrayLayout(act, self.n_out)),
        }
        if writable:
            ports |= {"w_addr": In(range(max(2, self.n))), "w_data": In(self.word), "w_en": In(self.n_in + self.n_out)}
        super().__init__(ports)

    latency = 0

    def elaborate(self, platform):
        m = Module()
        m.submodules.memory = mem = Memory(shape=self.word, depth=self.n, init=self.init)
        port = mem.read_port(domain="comb")
        m.d.comb += port.addr.eq(self.addr)
        m.d.comb += [self.x[k].eq(port.data[k]) for k in range(self.n_in)]
        m.d.comb += [self.target[k].eq(port.data[self.n_in + k]) for k in range(self.n_out)]
        if self.writable:
            wport = mem.write_port(granularity=1)
            m.d.comb += [wport.addr.eq(self.w_addr), wport.data.eq(self.w_data), wport.en.eq(self.w_en)]
        return m
