"""Correlators: e = c·b, the product of a synapse's code and the broadcast value (u or C̃)."""

from amaranth.hdl import Module, Mux, signed
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from .fixed import floor_shift

__all__ = ["SignCorrelator", "MultiplierCorrelator"]


class SignCorrelator(wiring.Component):
    """e = c·b for a code c ∈ {−1, 0, +1}: a conditional negate and a zero gate, no multiplier.

    Parameters: ``value_width`` (width of the signed broadcast value b). Formats: e has b's LSB and is one bit
    wider (−b of the most negative b fits). Golden function: :func:`mgd.golden_model.fixed_units.correlate` with
    ``code_frac = 0``. Latency: 0 (combinational).

    Ports: ``code`` In(signed(2)), ``value`` In(signed(value_width)), ``e`` Out(signed(value_width + 1)).
    """

    def __init__(self, value_width: int):
        self.value_width = value_width
        super().__init__({"code": In(signed(2)), "value": In(signed(value_width)), "e": Out(signed(value_width + 1))})

    latency = 0

    def elaborate(self, platform):
        m = Module()
        m.d.comb += self.e.eq(Mux(self.code == 0, 0, Mux(self.code[1], -self.value, self.value)))
        return m


class MultiplierCorrelator(wiring.Component):
    """e = ⌊c·b⌋ for a multi-level code c with ``code_frac`` fraction bits: a true signed multiplier.

    Parameters: ``value_width``, ``code_width``, ``code_frac``. Formats: e has b's LSB, width
    ``value_width + code_width − code_frac`` (cannot overflow: |c| ≤ 2^(code_width−1−code_frac)). Rounding: floor.
    Golden function: :func:`mgd.golden_model.fixed_units.correlate`. Latency: 0 (combinational).

    Ports: ``code`` In(signed(code_width)), ``value`` In(signed(value_width)), ``e`` Out(signed(...)).
    """

    def __init__(self, value_width: int, code_width: int, code_frac: int):
        self.value_width, self.code_width, self.code_frac = value_width, code_width, code_frac
        super().__init__(
            {
                "code": In(signed(code_width)),
                "value": In(signed(value_width)),
                "e": Out(signed(value_width + code_width - code_frac)),
            }
        )

    latency = 0

    def elaborate(self, platform):
        m = Module()
        m.d.comb += self.e.eq(floor_shift(self.value * self.code, self.code_frac))
        return m
