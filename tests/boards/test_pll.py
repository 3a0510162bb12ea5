"""PLL parameter search (boards/pll.py): known settings worked out by hand from the PLL equations, every result
within the PLL's ranges, never above the request, and no legal setting closer below it (brute force here)."""

import functools
from fractions import Fraction

import numpy as np
import pytest

from mgd.boards.pll import ECP5_LIMITS, ICE40_LIMITS, ecp5_pll, ice40_filter_range, ice40_pll


def test_ice40_12_to_48_mhz():
    # PFD = 12/(DIVR+1) >= 10 leaves DIVR = 0; 48·2^DIVQ must be a VCO in [533, 1066]: only 768 (DIVQ = 4),
    # so DIVF + 1 = 768/12 = 64; a 12 MHz phase detector is in the first filter range (< 17 MHz)
    p = ice40_pll(12, 48)
    assert (p.divr, p.divf, p.divq, p.filter_range) == (0, 63, 4, 1)
    assert (p.pfd_mhz, p.vco_mhz, p.achieved_mhz) == (12, 768, 48)
    assert p.parameters() == {
        "FEEDBACK_PATH": "SIMPLE",
        "PLLOUT_SELECT": "GENCLK",
        "DIVR": 0,
        "DIVF": 63,
        "DIVQ": 4,
        "FILTER_RANGE": 1,
    }


def test_ice40_below_the_request():
    # 50 MHz from 12: f_out = 12·(DIVF+1)/2^DIVQ = 0.75·(DIVF+1) at DIVQ = 4 (VCO 540–1056: DIVF + 1 in 45..88),
    # 1.5·(DIVF+1) at DIVQ = 3 (45..88 too): 49.5 (66·0.75 or 33·1.5, the latter's VCO 396 is too low) is the best
    # at or below 50; 50.25 would be closer but above
    p = ice40_pll(12, 50)
    assert p.achieved_mhz == 49.5 and (p.divq, p.divf) == (4, 65)
    # 70 MHz: 1.5·(DIVF+1) <= 70 gives DIVF + 1 = 46 (69 MHz, VCO 552); DIVQ = 4 would need DIVF + 1 = 93 > 88
    assert ice40_pll(12, 70).achieved_mhz == 69


def test_ice40_filter_ranges_and_a_divided_reference():
    # 48 MHz in, 100 out: PFD 16 (DIVR = 2), VCO 800 = 16·50 (DIVF = 49), DIVQ = 3; PFD 48 (DIVR = 0) would need
    # VCO 800 = 48·16.67, PFD 24 (DIVR = 1) 800/24, neither an integer
    p = ice40_pll(48, 100)
    assert (p.divr, p.divf, p.divq, p.filter_range) == (2, 49, 3, 1)
    assert [ice40_filter_range(f) for f in (10, 16.9, 17, 25.9, 26, 43.9, 44, 65.9, 66, 100.9, 101, 133)] == [
        1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6
    ]  # fmt: skip


def test_ecp5_25_to_100_mhz():
    # f_out = 25·CLKFB_DIV/CLKI_DIV = 100 needs CLKFB_DIV = 4·CLKI_DIV; VCO = 100·CLKOP_DIV in [400, 800] allows
    # CLKOP_DIV 4..8, and 6 puts the VCO at 600 MHz; all CLKI_DIV (1..8: PFD >= 3.125) tie, the first is taken.
    # CLKOP_CPHASE: half a CLKOP period = 3 VCO cycles, which ecppll's single-precision arithmetic truncates to 2
    # (0.5/100 MHz rounds to a float just below 5 ns)
    p = ecp5_pll(25, 100)
    assert (p.clki_div, p.clkfb_div, p.clkop_div, p.clkop_cphase, p.clkop_fphase) == (1, 4, 6, 2, 0)
    assert (p.pfd_mhz, p.vco_mhz, p.achieved_mhz) == (25, 600, 100)
    params = p.parameters()
    assert params["FEEDBK_PATH"] == "CLKOP" and params["CLKOP_ENABLE"] == "ENABLED"
    assert {k: params[k] for k in ("CLKI_DIV", "CLKFB_DIV", "CLKOP_DIV")} == {
        "CLKI_DIV": 1,
        "CLKFB_DIV": 4,
        "CLKOP_DIV": 6,
    }
    assert p.attributes()["FREQUENCY_PIN_CLKOP"] == "100"


def test_ecp5_divided_reference_and_below_the_request():
    # 70 MHz = 25·14/5: CLKI_DIV = 5 (PFD 5 MHz; 10 would give 2.5 < 3.125), CLKFB_DIV = 14; VCO = 70·CLKOP_DIV in
    # [400, 800] allows 6..11, and 9 (630 MHz) is the closest to 600 (8: 560)
    p = ecp5_pll(25, 70)
    assert (p.clki_div, p.clkfb_div, p.clkop_div, p.achieved_mhz, p.vco_mhz) == (5, 14, 9, 70, 630)
    # 10.1 MHz: 25·FB/CLKI in [10, 10.1] needs FB/CLKI in [0.4, 0.404]: only 2/5 (= 4/10, 6/15 …, whose PFD is
    # too slow), so 10 MHz, with CLKOP_DIV = 60 (VCO 600)
    p = ecp5_pll(25, 10.1)
    assert (p.clki_div, p.clkfb_div, p.clkop_div, p.achieved_mhz) == (5, 2, 60, 10)


def _best(num, den, legal):
    """The largest num/den (kHz) where ``legal``, exactly: the float maximum, then exactly among its neighbours."""
    if not legal.any():
        return None
    num, den = num[legal], den[legal]
    near = num / den >= (num / den).max() * (1 - 1e-9)
    return max(Fraction(int(n), int(d)) for n, d in zip(num[near], den[near], strict=True)) / 1000


def _ice40_best(f_in, f_out):
    """The highest legal iCE40 output at or below f_out, by trying every DIVR, DIVF, DIVQ (numpy, exact: integer
    arithmetic in kHz)."""
    r, f, q = np.meshgrid(np.arange(1, 17), np.arange(1, 129), 2 ** np.arange(1, 7), indexing="ij")  # DIVR+1 …
    f_in_khz, f_out_khz = round(f_in * 1000), round(f_out * 1000)  # the test's frequencies are whole kHz
    num, den = f_in_khz * f, r * q  # f_out = num / den kHz, VCO = num / r
    legal = (
        (10_000 * r <= f_in_khz)
        & (f_in_khz <= 133_000 * r)
        & (533_000 * r <= num)
        & (num <= 1_066_000 * r)
        & (16_000 * den <= num)
        & (num <= 275_000 * den)
        & (num <= f_out_khz * den)
    )
    return _best(num, den, legal)


@functools.cache
def _ecp5_grid():
    return np.meshgrid(np.arange(1, 129), np.arange(1, 81), np.arange(1, 129), indexing="ij")


def _ecp5_best(f_in, f_out):
    """The highest legal ECP5 output at or below f_out, by trying every CLKI_DIV, CLKFB_DIV, CLKOP_DIV (numpy,
    exact: integer arithmetic in kHz)."""
    ki, fb, op = _ecp5_grid()
    f_in_khz, f_out_khz = round(f_in * 1000), round(f_out * 1000)  # the test's frequencies are whole kHz
    num = f_in_khz * fb  # f_out = num / ki kHz
    legal = (
        (3125 * ki <= f_in_khz)
        & (f_in_khz <= 400_000 * ki)
        & (400_000 * ki <= num * op)
        & (num * op <= 800_000 * ki)
        & (10_000 * ki <= num)
        & (num <= 400_000 * ki)
        & (num <= f_out_khz * ki)
    )
    return _best(num, ki, legal)


ICE40_REQUESTS = [16.5, 17, 20, 24, 33.3, 40, 48, 50, 55.55, 60, 64, 66, 70, 75, 99, 100, 123.4, 150, 200, 275]
ECP5_REQUESTS = [10, 12.5, 33.333, 48, 50, 62.5, 75, 90, 100, 110, 120, 125, 133, 140, 150, 166.667, 200, 333, 400]


def _check_ice40(p, f_in, f_out):
    lim = ICE40_LIMITS
    assert 0 <= p.divr <= 15 and 0 <= p.divf <= 127 and 1 <= p.divq <= 6
    pfd = Fraction(f_in) / (p.divr + 1)
    vco = pfd * (p.divf + 1)
    out = vco / 2**p.divq
    assert lim["pfd"][0] <= pfd <= lim["pfd"][1] and lim["vco"][0] <= vco <= lim["vco"][1]
    assert lim["output"][0] <= out <= lim["output"][1] and out <= Fraction(f_out)
    assert (p.pfd_mhz, p.vco_mhz, p.achieved_mhz) == (float(pfd), float(vco), float(out))
    assert p.filter_range == ice40_filter_range(float(pfd))
    return out


@pytest.mark.parametrize("f_in", [12, 48])
def test_ice40_results_are_legal_and_no_legal_setting_is_closer(f_in):
    for f_out in ICE40_REQUESTS:
        best = _ice40_best(f_in, f_out)
        if best is None:
            with pytest.raises(ValueError, match="no setting reaches"):
                ice40_pll(f_in, f_out)
            continue
        assert _check_ice40(ice40_pll(f_in, f_out), f_in, f_out) == best, f_out


def test_ecp5_results_are_legal_and_no_legal_setting_is_closer():
    lim = ECP5_LIMITS
    for f_out in ECP5_REQUESTS:
        p = ecp5_pll(25, f_out)
        assert 1 <= p.clki_div <= 128 and 1 <= p.clkfb_div <= 80 and 1 <= p.clkop_div <= 128
        pfd = Fraction(25) / p.clki_div
        out = pfd * p.clkfb_div
        vco = out * p.clkop_div
        assert lim["pfd"][0] <= pfd <= lim["pfd"][1] and lim["vco"][0] <= vco <= lim["vco"][1]
        assert lim["output"][0] <= out <= lim["output"][1] and out <= Fraction(f_out)
        assert (p.pfd_mhz, p.vco_mhz, p.achieved_mhz) == (float(pfd), float(vco), float(out))
        assert 0 <= p.clkop_cphase < p.clkop_div and p.clkop_fphase == 0
        assert out == _ecp5_best(25, f_out), f_out


def test_impossible_requests_are_refused():
    # 12 MHz in: outputs are 12·k/2^q (k = DIVF + 1 in 45..88); the highest at or below 16 is 12·85/64 = 15.94,
    # below the 16 MHz minimum
    with pytest.raises(ValueError, match="no setting reaches a frequency at or below 16 MHz"):
        ice40_pll(12, 16)
    with pytest.raises(ValueError, match=r"requested output frequency must be in \[16, 275\] MHz, got 300"):
        ice40_pll(12, 300)
    with pytest.raises(ValueError, match=r"input frequency must be in \[10, 133\]"):
        ice40_pll(8, 48)
    with pytest.raises(ValueError, match=r"requested output frequency must be in \[10, 400\] MHz, got 9"):
        ecp5_pll(25, 9)
    with pytest.raises(ValueError, match=r"requested output frequency must be in \[10, 400\] MHz, got 500"):
        ecp5_pll(25, 500)
    for bad in (float("nan"), float("inf"), "48", True, None):
        with pytest.raises(ValueError, match="must be a finite number of MHz"):
            ice40_pll(12, bad)
        with pytest.raises(ValueError, match="must be a finite number of MHz"):
            ecp5_pll(25, bad)
