"""Amaranth helpers for the golden model's fixed-point formats (:mod:`mgd.golden_model.formats`).

The RTL never defines a format: it takes a :class:`~mgd.golden_model.formats.Fmt` and builds shapes, constants and
saturating expressions from it, so the two sides cannot drift apart.
"""

from amaranth.hdl import Cat, Const, Mux, Shape, Value, signed, unsigned

from mgd.golden_model.formats import Fmt

__all__ = ["shape_of", "saturate", "floor_shift"]


def shape_of(fmt: Fmt) -> Shape:
    """The Amaranth shape that stores ``fmt``."""
    return signed(fmt.width) if fmt.signed else unsigned(fmt.width)


def saturate(value, fmt: Fmt):
    """``value`` (any width) clamped to ``fmt``'s range, as an expression of ``fmt``'s shape.

    The range test looks at the bits above the format (no comparator, no carry chain after the value's adder): a
    signed format overflows when the bits from its sign bit up are not all equal, an unsigned one when a bit above
    it is set (and a negative value clamps to 0)."""
    value = Value.cast(value)
    lo, hi = Const(fmt.min, shape_of(fmt)), Const(fmt.max, shape_of(fmt))
    width, signed_value = value.shape().width, value.shape().signed
    if signed_value and fmt.signed:
        if width <= fmt.width:
            return Cat(value, value[-1].replicate(fmt.width - width)).as_signed()
        top = value[fmt.width - 1 :]
        return Mux(top.all() | ~top.any(), value[: fmt.width].as_signed(), Mux(value[-1], lo, hi))
    if fmt.signed:  # a non-negative value: only an overflow above
        if width < fmt.width:
            return Cat(value, Const(0, fmt.width - width)).as_signed()
        return Mux(value[fmt.width - 1 :].any(), hi, value[: fmt.width].as_signed())
    magnitude = value[:-1] if signed_value else value  # the bits below the sign (all of an unsigned value)
    if len(magnitude) <= fmt.width:
        clamped = Cat(magnitude, Const(0, fmt.width - len(magnitude)))
    else:
        clamped = Mux(magnitude[fmt.width :].any(), hi, magnitude[: fmt.width])
    return Mux(value[-1], lo, clamped) if signed_value else clamped


def floor_shift(value, s: int):
    """``value · 2^−s`` rounded by the project's rule (floor = arithmetic shift right); ``s < 0`` shifts left."""
    return value >> s if s >= 0 else value << -s
