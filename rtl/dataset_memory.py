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

    One memory word per sample, {targets, x} packed as a :class:`~amaranth.lib.data.StructLayout`. Ports:
    ``addr`` In(range(N)); ``x`` Out(array of n_in), ``target`` Out(array of n_out). Latency: 0 (asynchronous read:
    the sample appears in the cycle its address is presented; fine for LUT RAM, see docs for large datasets).
    """

    def __init__(self, x: np.ndarray, targets: np.ndarray, fmt: Fmt):
        x, targets = np.asarray(x, dtype=np.int64), np.asarray(targets, dtype=np.int64)
        if x.ndim != 2 or targets.ndim != 2 or len(x) != len(targets) or len(x) == 0:
            raise ValueError(f"x and targets must be (N, n) arrays with the same N >= 1, got {x.shape} and "
                             f"{targets.shape}")
        for name, arr in (("x", x), ("targets", targets)):
            if arr.min() < fmt.min or arr.max() > fmt.max:
                raise ValueError(f"{name} has values outside the act format [{fmt.min}, {fmt.max}]")
        self.fmt, self.n = fmt, len(x)
        act = shape_of(fmt)
        self.word = data.StructLayout({"x": data.ArrayLayout(act, x.shape[1]),
                                       "target": data.ArrayLayout(act, targets.shape[1])})
        self.init = [{"x": [int(v) for v in xi], "target": [int(v) for v in ti]} for xi, ti in zip(x, targets,
                                                                                                     strict=True)]
        super().__init__({"addr": In(range(max(2, self.n))), "x": Out(self.word["x"].shape),
                          "target": Out(self.word["target"].shape)})

    latency = 0

    def elaborate(self, platform):
        m = Module()
        m.submodules.memory = mem = Memory(shape=self.word, depth=self.n, init=self.init)
        port = mem.read_port(domain="comb")
        m.d.comb += [port.addr.eq(self.addr), self.x.eq(port.data.x), self.target.eq(port.data.target)]
        return m
