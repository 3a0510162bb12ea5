"""Amaranth helpers of the formats (rtl/fixed.py): ``shape_of`` maps every format to its width and signedness, and
``saturate`` / ``floor_shift``, simulated as combinational logic, equal the clamp and the floor division of Python
integers, at the format limits and for inputs wider than the format."""

import pytest
from amaranth.hdl import Module, Shape, Signal, signed, unsigned
from amaranth.sim import Simulator
from hypothesis import given, settings
from hypothesis import strategies as st

from mgd.golden_model.formats import COMPACT_FORMATS, DEFAULT_FORMATS, Fmt
from mgd.rtl.fixed import floor_shift, saturate, shape_of


@pytest.mark.parametrize("width", [1, 2, 8, 20, 32, 62])
@pytest.mark.parametrize("is_signed", [True, False])
def test_shape_of(width, is_signed):
    fmt = Fmt(width, min(width, 3), is_signed)
    shape = shape_of(fmt)
    assert isinstance(shape, Shape) and shape.width == width and shape.signed == is_signed
    assert shape == (signed(width) if is_signed else unsigned(width))
    # the shape holds exactly the format's range
    sig = Signal(shape)
    assert sig.shape().width == width
    lo, hi = (-(2 ** (width - 1)), 2 ** (width - 1) - 1) if is_signed else (0, 2**width - 1)
    assert (fmt.min, fmt.max) == (lo, hi)


def test_shape_of_the_format_sets():
    for fmts in (DEFAULT_FORMATS, COMPACT_FORMATS):
        for fmt in (fmts.theta, fmts.act, fmts.cost, fmts.g, fmts.g_raw, fmts.eta, fmts.c_tilde):
            assert shape_of(fmt) == Shape(fmt.width, fmt.signed)


def _comb_eval(in_shape, build, values):
    """Drive ``values`` into a signal of ``in_shape`` and read ``build(signal)`` (combinational) for each."""
    a = Signal(in_shape)
    expr = build(a)
    out = Signal(expr.shape())
    m = Module()
    m.d.comb += out.eq(expr)
    got = []

    async def bench(ctx):
        for v in values:
            ctx.set(a, v)
            got.append(ctx.get(out))

    sim = Simulator(m)
    sim.add_testbench(bench)
    sim.run()
    return got, out.shape()


def _corners(shape):
    lo, hi = (-(2 ** (shape.width - 1)), 2 ** (shape.width - 1) - 1) if shape.signed else (0, 2**shape.width - 1)
    return sorted(v for v in {lo, lo + 1, -1, 0, 1, hi - 1, hi} if lo <= v <= hi)


@settings(max_examples=40)
@given(
    st.integers(1, 40),
    st.booleans(),
    st.integers(0, 12),
    st.booleans(),
    st.data(),
)
def test_saturate_is_a_clamp(fmt_width, fmt_signed, extra, in_signed, data):
    fmt = Fmt(fmt_width, 0, fmt_signed)
    in_shape = Shape(fmt_width + extra, in_signed)
    lo = -(2 ** (in_shape.width - 1)) if in_signed else 0
    hi = 2 ** (in_shape.width - 1) - 1 if in_signed else 2**in_shape.width - 1
    values = _corners(in_shape) + [fmt.min, fmt.max] + data.draw(st.lists(st.integers(lo, hi), max_size=20))
    values = [v for v in values if lo <= v <= hi]
    got, shape = _comb_eval(in_shape, lambda a: saturate(a, fmt), values)
    assert shape == shape_of(fmt)
    assert got == [min(max(v, fmt.min), fmt.max) for v in values]


@pytest.mark.parametrize("fmt", [Fmt(1, 0), Fmt(1, 0, signed=False), Fmt(20, 14), Fmt(16, 8, signed=False)])
def test_saturate_at_the_limits_from_a_much_wider_value(fmt):
    wide = signed(fmt.width + 30)
    values = [fmt.min - 1, fmt.min, fmt.max, fmt.max + 1, -(2**fmt.width) * 5, 2 ** (fmt.width + 20), 0]
    got, _ = _comb_eval(wide, lambda a: saturate(a, fmt), values)
    assert got == [min(max(v, fmt.min), fmt.max) for v in values]


@settings(max_examples=40)
@given(st.integers(1, 40), st.booleans(), st.integers(-8, 16), st.data())
def test_floor_shift_is_floor_division(width, is_signed, s, data):
    shape = Shape(width, is_signed)
    lo = -(2 ** (width - 1)) if is_signed else 0
    hi = 2 ** (width - 1) - 1 if is_signed else 2**width - 1
    values = _corners(shape) + data.draw(st.lists(st.integers(lo, hi), max_size=20))
    got, _ = _comb_eval(shape, lambda a: floor_shift(a, s), values)
    assert got == [v // 2**s if s >= 0 else v * 2**-s for v in values]
