"""Correlators against fixed_units.correlate, every cycle (they are combinational: one value per cycle)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mgd_strategies import signed_value

from mgd.golden_model.fixed_units import correlate
from mgd.rtl.correlator import MultiplierCorrelator, SignCorrelator
from mgd.sim.cycle_sim import describe_mismatches, mismatches, run_cycles


def check(dut, code_frac, pairs):
    cycles = [dict(code=c, value=v) for c, v in pairs]
    seen = run_cycles(dut, cycles, ["e"])
    found = mismatches(seen, {"e": [correlate(c, v, code_frac) for c, v in pairs]})
    assert not found, describe_mismatches(found)


@pytest.mark.parametrize("width", [2, 20, 41])
def test_sign_correlator_corners(width):
    lo, hi = -(1 << (width - 1)), (1 << (width - 1)) - 1
    pairs = [(c, v) for c in (-1, 0, 1) for v in (lo, lo + 1, -1, 0, 1, hi)]
    check(SignCorrelator(width), 0, pairs)


@pytest.mark.parametrize("code_width,code_frac", [(2, 0), (4, 3), (7, 6), (9, 8)])
def test_multiplier_correlator_corners(code_width, code_frac):
    width = 25
    lo, hi = -(1 << (width - 1)), (1 << (width - 1)) - 1
    clo, chi = -(1 << (code_width - 1)), (1 << (code_width - 1)) - 1
    pairs = [(c, v) for c in (clo, clo + 1, -1, 0, 1, chi) for v in (lo, lo + 1, -3, -1, 0, 1, 3, hi)]
    check(MultiplierCorrelator(width, code_width, code_frac), code_frac, pairs)


@pytest.mark.parametrize(
    "examples", [pytest.param(100, id="100"), pytest.param(1000, id="1000", marks=pytest.mark.slow)]
)
def test_random_configurations(examples):
    ran = []

    @settings(max_examples=examples)
    @given(st.data())
    def run(data):
        width = data.draw(st.integers(2, 44))
        sign = data.draw(st.booleans())
        cw = 2 if sign else data.draw(st.integers(2, 9))
        frac = 0 if sign else data.draw(st.integers(0, cw - 1))
        codes = st.integers(-1, 1) if sign else signed_value(cw)
        pairs = data.draw(st.lists(st.tuples(codes, signed_value(width)), min_size=1, max_size=40))
        check(SignCorrelator(width) if sign else MultiplierCorrelator(width, cw, frac), frac, pairs)
        ran.append(1)

    run()
    assert len(ran) >= examples
