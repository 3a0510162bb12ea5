"""Hypothesis strategies shared by the fixed-point and RTL tests: formats and code families."""

from hypothesis import strategies as st

from mgd.golden_model.codes import CODE_KINDS, CodeSpec
from mgd.golden_model.formats import FixedFormats, Fmt
from mgd.golden_model.lfsr import LFSRSpec

#: the narrowest and widest formats the tests exercise (the widest keeps every golden product below 2^62)
NARROWEST = FixedFormats(
    theta=Fmt(6, 3),
    act=Fmt(4, 2),
    cost=Fmt(6, 4, signed=False),
    g=Fmt(6, 3),
    g_raw=Fmt(8, 4),
    eta=Fmt(3, 1, signed=False),
    lut_range=1,
    lut_frac=1,
    recip_frac=4,
)
WIDEST = FixedFormats(
    theta=Fmt(32, 24),
    act=Fmt(16, 14),
    cost=Fmt(40, 28, signed=False),
    g=Fmt(40, 24),
    g_raw=Fmt(44, 28),
    eta=Fmt(16, 8, signed=False),
    lut_range=4,
    lut_frac=8,
    recip_frac=16,
)


@st.composite
def fixed_formats(draw):
    """Valid :class:`FixedFormats` between :data:`NARROWEST` and :data:`WIDEST`."""
    tw = draw(st.integers(6, 32))
    tf = draw(st.integers(1, min(24, tw - 2)))
    aw = draw(st.integers(4, 16))
    af = draw(st.integers(1, aw - 2))
    cf = 2 * af + draw(st.integers(0, 2))
    cw = draw(st.integers(cf + 1, min(cf + 12, 40)))
    gw = draw(st.integers(max(tw - 4, tf + 2), min(tw + 8, 40)))
    grw = draw(st.integers(cf + 2, min(cw + 8, 44)))
    ew = draw(st.integers(3, min(16, 60 - grw)))
    ef = draw(st.integers(0, ew - 1))
    return FixedFormats(
        theta=Fmt(tw, tf),
        act=Fmt(aw, af),
        cost=Fmt(cw, cf, signed=False),
        g=Fmt(gw, tf),
        g_raw=Fmt(grw, cf),
        eta=Fmt(ew, ef, signed=False),
        lut_range=draw(st.integers(1, 4)),
        lut_frac=draw(st.integers(1, min(8, af + tf))),
        recip_frac=draw(st.integers(4, 16)),
    )


@st.composite
def code_specs(draw, kinds=CODE_KINDS):
    """A code family with 1–40 synapses (LFSR widths 8–16, random stride) and a synapse index in it."""
    kind = draw(st.sampled_from(kinds))
    n = draw(st.integers(1, 40))
    width = draw(st.sampled_from([8, 12, 16]))
    lfsr = LFSRSpec(width, stride=draw(st.integers(1, (1 << width) - 2)))
    codes = CodeSpec(kind, n, lfsr, draw(st.integers(1, 6)))
    return codes, draw(st.integers(0, n - 1))


def signed_value(width):
    return st.integers(-(1 << (width - 1)), (1 << (width - 1)) - 1)


def unsigned_value(width):
    return st.integers(0, (1 << width) - 1)


#: odd widths for the pipelined units' tests: θ s3.9 (13 b), act s2.6 (9 b), the rest chosen to satisfy formats.py's
#: rules (cost.frac >= 2·act.frac, g.frac = θ.frac, g_raw.frac = cost.frac, lut_frac <= act.frac + θ.frac)
ODD_FORMATS = FixedFormats(
    theta=Fmt(13, 9),
    act=Fmt(9, 6),
    cost=Fmt(15, 12, signed=False),
    g=Fmt(15, 9),
    g_raw=Fmt(19, 12),
    eta=Fmt(11, 5, signed=False),
    lut_range=3,
    lut_frac=4,
    recip_frac=11,
)


def levels_by_powers(n: int, arity: int) -> int:
    """Adder-tree levels, the tests' own rule: the smallest L with arity^L >= n (a tree of L levels of at most
    ``arity`` inputs per adder reduces n terms to one)."""
    levels = 0
    while arity**levels < n:
        levels += 1
    return levels
