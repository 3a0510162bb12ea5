"""Fixed-point formats (golden_model/formats.py) against plain Python integer arithmetic.

The constructor's refusals of bad FixedFormats fields are also in tests/golden_model/test_fixed_units.py; here the
arithmetic of :class:`Fmt` (range, saturation, round-to-nearest quantisation), :func:`floor_shift` and the derived
properties of :class:`FixedFormats` are checked against independent references, at the format limits included.
"""

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mgd_strategies import NARROWEST, WIDEST, fixed_formats

from mgd.golden_model.formats import COMPACT_FORMATS, DEFAULT_FORMATS, FORMAT_SETS, FixedFormats, Fmt, floor_shift


@st.composite
def fmts(draw):
    width = draw(st.integers(1, 62))
    return Fmt(width, draw(st.integers(0, 40)), draw(st.booleans()))


def test_range_of_every_width_is_twos_complement_or_unsigned():
    for width in range(1, 63):
        s, u = Fmt(width, 0), Fmt(width, 0, signed=False)
        assert (s.min, s.max) == (-(2 ** (width - 1)), 2 ** (width - 1) - 1)
        assert (u.min, u.max) == (0, 2**width - 1)
        assert s.max - s.min + 1 == u.max - u.min + 1 == 2**width  # both hold exactly 2^width values


@pytest.mark.parametrize("width", [0, 63, -1, 8.0, "8", None, True])
def test_width_outside_one_to_sixty_two_is_refused(width):
    with pytest.raises(ValueError, match="width"):
        Fmt(width, 0)


@pytest.mark.parametrize("frac", [-1, 1.0, None, False])
def test_bad_fraction_bits_are_refused(frac):
    with pytest.raises(ValueError, match="fraction bits"):
        Fmt(8, frac)


@settings(max_examples=300)
@given(fmts(), st.integers(-(2**70), 2**70))
def test_saturate_is_a_clamp_for_ints_and_arrays(fmt, q):
    want = fmt.min if q < fmt.min else fmt.max if q > fmt.max else q
    got = fmt.saturate(q)
    assert got == want and type(got) is int
    if -(2**62) <= q < 2**62:
        arr = fmt.saturate(np.array([q, fmt.min, fmt.max, fmt.min - 1, fmt.max + 1], dtype=np.int64))
        assert arr.tolist() == [want, fmt.min, fmt.max, fmt.min, fmt.max]


@pytest.mark.parametrize("fmt", [Fmt(1, 0), Fmt(1, 0, signed=False), Fmt(62, 0), Fmt(62, 30, signed=False)])
def test_saturate_at_the_extreme_widths(fmt):
    for q in (fmt.min - 1, fmt.min, fmt.min + 1, 0, fmt.max - 1, fmt.max, fmt.max + 1):
        assert fmt.saturate(q) == min(max(q, fmt.min), fmt.max)
    assert Fmt(1, 0).saturate(5) == 0 and Fmt(1, 0).saturate(-5) == -1  # a 1-bit signed format holds {-1, 0}


def _round_half_up(x: float, frac: int) -> int:
    """Exact round-to-nearest, ties toward +inf, of the float ``x`` in units of 2^-frac (rational arithmetic)."""
    return math.floor(Fraction(x) * 2**frac + Fraction(1, 2))


@settings(max_examples=300)
@given(
    st.integers(2, 40),
    st.integers(0, 20),
    st.booleans(),
    st.floats(-(2.0**25), 2.0**25, allow_nan=False),
)
def test_quantize_rounds_to_nearest_half_up_then_saturates(width, frac, signed, x):
    fmt = Fmt(width, frac, signed)
    want = min(max(_round_half_up(x, frac), fmt.min), fmt.max)
    assert fmt.quantize(x) == want
    assert fmt.quantize(np.array([x, x])).tolist() == [want, want]


def test_quantize_ties_and_limits_by_hand():
    f = Fmt(8, 2)  # s5.2: LSB 0.25, range [-32, 31.75]
    assert f.quantize(0.125) == 1  # half an LSB rounds up
    assert f.quantize(-0.125) == 0  # ... also for negative values (toward +inf, not away from zero)
    assert f.quantize(-0.126) == -1
    assert f.quantize(0.0) == 0 and f.quantize(-0.0) == 0
    assert f.quantize(31.75) == 127 and f.quantize(31.9) == 127 and f.quantize(1e9) == 127
    assert f.quantize(-32.0) == -128 and f.quantize(-1e9) == -128
    u = Fmt(4, 1, signed=False)
    assert u.quantize(-3.0) == 0 and u.quantize(7.5) == 15 and u.quantize(100.0) == 15
    assert isinstance(f.quantize(1.0), int) and f.quantize([1.0, 2.0]).dtype == np.int64


@settings(max_examples=200)
@given(st.integers(-(2**60), 2**60), st.integers(-20, 40))
def test_floor_shift_is_floor_division_by_a_power_of_two(q, s):
    want = q // 2**s if s >= 0 else q * 2**-s  # Python's // is floor division
    assert floor_shift(q, s) == want
    if s >= 0:
        assert floor_shift(np.array([q], dtype=np.int64), s).tolist() == [want]


def test_floor_shift_rounds_toward_minus_infinity_not_zero():
    assert [floor_shift(q, 2) for q in (-9, -8, -7, -1, 0, 1, 7, 8, 9)] == [-3, -2, -2, -1, 0, 0, 1, 2, 2]
    assert floor_shift(-1, 40) == -1 and floor_shift(1, 40) == 0
    assert floor_shift(-3, -3) == -24 and floor_shift(5, 0) == 5


@given(fmts(), st.integers(-(2**30), 2**30))
def test_real_is_q_times_the_lsb(fmt, q):
    assert fmt.lsb == 2.0**-fmt.frac
    assert fmt.real(q) == q / 2**fmt.frac  # exact: q < 2^31, a power-of-two scale
    if fmt.min <= q <= fmt.max and fmt.frac <= 20:
        assert fmt.quantize(fmt.real(q)) == q  # every stored value round-trips


def test_describe_names_sign_integer_and_fraction_bits():
    assert Fmt(20, 14).describe() == "s5.14 (20 b, [-32, 31.9999])"  # 32 − 2^−14, six significant digits
    assert Fmt(8, 4, signed=False).describe() == "u4.4 (8 b, [0, 15.9375])"
    assert Fmt(4, 2).describe() == "s1.2 (4 b, [-2, 1.75])"


@settings(max_examples=100)
@given(fixed_formats())
def test_c_tilde_holds_every_difference_of_two_costs(f):
    ct = f.c_tilde
    assert ct.signed and ct.frac == f.cost.frac and ct.width == f.cost.width + 1
    assert ct.min <= f.cost.min - f.cost.max and f.cost.max - f.cost.min <= ct.max


@pytest.mark.parametrize("f", [DEFAULT_FORMATS, COMPACT_FORMATS, NARROWEST, WIDEST])
def test_derived_properties(f):
    assert f.product_frac == f.act.frac + f.theta.frac
    assert f.lut_size == 2 ** (f.lut_range + f.lut_frac + 1)
    # the squared error of two act values is exact in the cost format: (2^af)^2 LSB ↔ cost's 2^cf LSB
    assert f.cost.frac >= 2 * f.act.frac and f.g.frac == f.theta.frac and f.g_raw.frac == f.cost.frac
    assert FixedFormats.from_dict(f.to_dict()) == f
    assert f.replace(lut_frac=0).lut_size == 2 ** (f.lut_range + 1)
    names = [row[1] for row in f.table()]
    assert f.c_tilde in names and f.eta in names


def test_compact_formats_keep_every_multiplier_within_16_bits():
    c = COMPACT_FORMATS
    assert c.theta.width <= 16 and c.act.width <= 16 and c.c_tilde.width <= 16 and c.eta.width <= 16
    assert c.theta.real(c.theta.min) == -8.0  # θ s3.12 saturates at ±8
    assert c.cost.real(c.cost.max) >= 1.0  # an MSE of values in [0, 1] fits
    assert FORMAT_SETS == {"default": DEFAULT_FORMATS, "compact": COMPACT_FORMATS}


@pytest.mark.parametrize(
    "change,match",
    [
        (dict(lut_range=9), "lut_range"),
        (dict(lut_range=-1), "lut_range"),
        (dict(lut_frac=11), "lut_frac"),
        (
            dict(
                act=Fmt(4, 1), theta=Fmt(6, 2), g=Fmt(8, 2), cost=Fmt(8, 2, signed=False), g_raw=Fmt(10, 2), lut_frac=4
            ),
            "lut_frac",
        ),
        (dict(act=Fmt(12, 10, signed=False)), "act must be signed"),
        (dict(cost=Fmt(24, 20)), "cost must be unsigned"),
    ],
)
def test_inconsistent_format_sets_are_refused(change, match):
    with pytest.raises(ValueError, match=match):
        DEFAULT_FORMATS.replace(**change)
