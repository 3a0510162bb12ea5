"""Fixed-point formats and unit functions on hand-worked values (independent of the code under test)."""

import numpy as np
import pytest

from mgd.golden_model.fixed_units import correlate, cost, prescale, recip, update_step
from mgd.golden_model.formats import DEFAULT_FORMATS as F
from mgd.golden_model.formats import FixedFormats, Fmt, floor_shift


def test_format_ranges_and_rounding():
    f = Fmt(8, 4)
    assert (f.min, f.max, f.lsb) == (-128, 127, 1 / 16)
    assert Fmt(8, 4, signed=False).max == 255
    assert f.quantize(1.03125) == 17  # 16.5 LSB rounds half up
    assert f.quantize(-1.03125) == -16  # −16.5 rounds half up, to −16
    assert f.quantize(100.0) == 127 and f.quantize(-100.0) == -128
    assert f.saturate(np.array([-200, 5, 300])).tolist() == [-128, 5, 127]
    assert floor_shift(-5, 1) == -3 and floor_shift(5, 1) == 2 and floor_shift(3, -2) == 12  # floor, not truncate
    assert f.describe() == "s3.4 (8 b, [-8, 7.9375])"


@pytest.mark.parametrize(
    "bad,match",
    [
        (dict(cost=Fmt(24, 19, signed=False)), "2·act.frac"),
        (dict(theta=Fmt(20, 14, signed=False)), "theta must be signed"),
        (dict(eta=Fmt(16, 8)), "eta must be unsigned"),
        (dict(g=Fmt(24, 13)), "g.frac"),
        (dict(g_raw=Fmt(32, 21)), "g_raw.frac"),
        (dict(lut_frac=11), "lut_frac"),
    ],
)
def test_bad_formats_are_refused(bad, match):
    with pytest.raises(ValueError, match=match):
        FixedFormats(**bad)


def test_fmt_refuses_nonsense():
    with pytest.raises(ValueError, match="width"):
        Fmt(0, 0)
    with pytest.raises(ValueError, match="fraction"):
        Fmt(8, -1)


def test_correlate_is_floor_of_code_times_value():
    assert correlate(1, 37, 0) == 37 and correlate(-1, 37, 0) == -37 and correlate(0, 37, 0) == 0
    assert correlate(3, -5, 2) == -4  # ⌊−15/4⌋ = ⌊−3.75⌋
    assert correlate(-7, 9, 3) == -8  # ⌊−63/8⌋ = ⌊−7.875⌋
    assert correlate(np.array([1, -1]), np.array([[5], [6]]), 0).tolist() == [[5, -5], [6, -6]]


def test_cost_is_the_mean_square_error():
    one = 1 << F.act.frac
    assert cost([one], [0], F) == 1 << F.cost.frac  # (1 − 0)² = 1.0
    assert cost([one // 2, 0], [0, 0], F) == 1 << (F.cost.frac - 3)  # (0.25 + 0)/2 = 0.125
    # three outputs: the mean uses the constant recip = round(2^16/3) = 21845, then floor
    assert recip(3, F) == 21845 and recip(4, F) == 1 << 14
    assert cost([one, 0, 0], [0, 0, 0], F) == ((1 << 20) * 21845) >> 16


def test_prescale_and_raw_update_use_the_eta_register():
    c_tilde = 1 << (F.cost.frac - 4)  # C̃ = 1/16
    eta = 8 << F.eta.frac  # η/Δθ = 8
    assert prescale(c_tilde, eta, F) == 1 << (F.theta.frac - 1)  # u = 0.5 in θ's LSB
    assert prescale(-1, eta, F) == -1  # ⌊−8·2^−20⌋ in θ's LSB rounds down to −1 LSB
    assert prescale(F.c_tilde.max, F.eta.max, F) == F.theta.max  # saturates
    assert update_step(c_tilde, eta, "raw", F) == 1 << (F.theta.frac - 1)
    assert update_step(123, eta, "prescaled", F) == 123
    with pytest.raises(ValueError, match="broadcast mode"):
        update_step(1, 1, "bogus", F)
