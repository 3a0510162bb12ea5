"""A delay line: a value carried through registers, one per cycle."""

from amaranth.hdl import Signal

__all__ = ["delayed"]


def delayed(m, value, cycles: int, name: str):
    """``value`` as it was ``cycles`` cycles ago: a chain of reset-less registers ``{name}_d1`` … added to ``m``'s sync
    domain (``cycles`` = 0: ``value`` itself). Latency: ``cycles``."""
    for k in range(cycles):
        reg = Signal.like(value, name=f"{name}_d{k + 1}", reset_less=True)
        m.d.sync += reg.eq(value)
        value = reg
    return value
