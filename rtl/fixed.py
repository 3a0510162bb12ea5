"""Amaranth helpers for the golden model's fixed-point formats (:mod:`mgd.golden_model.formats`).

The RTL never defines a format: it takes a :class:`~mgd.golden_model.formats.Fmt` and builds shapes, constants and
saturating expressions from it, so the two sides cannot drift apart.
"""

from amaranth.hdl import Const, Mux, Shape, signed, unsigned

from mgd.golden_model.formats import Fmt

__all__ = ["shape_of", "saturate", "floor_shift"]


def shape_of(fmt: Fmt) -> Shape:
    """The Amaranth shape that stores ``fmt``."""
    return signed(fmt.width) if fmt.signed else unsigned(fmt.width)


def saturate(value, fmt: Fmt):
    """``value`` (any width) clamped to ``fmt``'s range, as an expression of ``fmt``'s shape (compare-and-select)."""
    lo, hi = Const(fmt.min, shape_of(fmt)), Const(fmt.max, shape_of(fmt))
    return Mux(
        value > fmt.max,
        hi,
        Mux(value < fmt.min, lo, value[: fmt.width].as_signed() if fmt.signed else value[: fmt.width]),
    )


def floor_shift(value, s: int):
    """``value · 2^−s`` rounded by the project's rule (floor = arithmetic shift right); ``s < 0`` shifts left."""
    return value >> s if s >= 0 else value << -s
