"""Updater against fixed_units.update_step/apply_update, every cycle."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mgd_strategies import NARROWEST, WIDEST, fixed_formats, signed_value, unsigned_value

from mgd.golden_model.fixed_units import BROADCAST_MODES, apply_update, g_format, update_step
from mgd.golden_model.formats import DEFAULT_FORMATS
from mgd.rtl.updater import Updater
from mgd.sim.cycle_sim import describe_mismatches, mismatches, run_cycles


def expected(mode, fmts, cycles):
    theta, out = 0, {"theta": []}
    for c in cycles:
        out["theta"].append(theta)
        if c.get("reset"):
            theta = 0
        elif c["load"]:
            theta = c["load_value"]
        elif c["update"]:
            theta = apply_update(theta, update_step(c["g"], c["eta"], mode, fmts), fmts)
    return out


def check(mode, fmts, cycles):
    seen = run_cycles(Updater(mode, fmts), cycles, ["theta"])
    want = expected(mode, fmts, cycles)
    found = mismatches(seen, want)
    assert not found, describe_mismatches(found)
    return want


@pytest.mark.parametrize("fmts", [DEFAULT_FORMATS, NARROWEST, WIDEST], ids=["default", "narrowest", "widest"])
@pytest.mark.parametrize("mode", BROADCAST_MODES)
@pytest.mark.parametrize("sign", [+1, -1], ids=["top", "bottom"])
def test_theta_saturates_at_both_ends(fmts, mode, sign):
    gfmt = g_format(mode, fmts)
    g = gfmt.min if sign > 0 else gfmt.max  # θ − g moves θ towards the end being tested
    start = fmts.theta.max - 1 if sign > 0 else fmts.theta.min + 1
    cycles = [dict(load=1, load_value=start, update=0, g=0, eta=fmts.eta.max)]
    cycles += [dict(load=0, load_value=0, update=1, g=g, eta=fmts.eta.max) for _ in range(3)]
    cycles += [dict(load=0, load_value=0, update=1, g=-g if g != gfmt.min else gfmt.max, eta=1)]
    want = check(mode, fmts, cycles)
    assert (fmts.theta.max if sign > 0 else fmts.theta.min) in want["theta"]


@pytest.mark.parametrize(
    "examples", [pytest.param(100, id="100"), pytest.param(1000, id="1000", marks=pytest.mark.slow)]
)
def test_random_configurations(examples):
    ran = []

    @settings(max_examples=examples)
    @given(fixed_formats(), st.sampled_from(BROADCAST_MODES), st.data())
    def run(fmts, mode, data):
        cycle = st.fixed_dictionaries(
            {
                "g": signed_value(g_format(mode, fmts).width),
                "update": st.integers(0, 1),
                "eta": unsigned_value(fmts.eta.width),
                "load": st.sampled_from([0] * 9 + [1]),
                "load_value": signed_value(fmts.theta.width),
                "reset": st.sampled_from([0] * 30 + [1]),
            }
        )
        check(mode, fmts, data.draw(st.lists(cycle, min_size=1, max_size=60)))
        ran.append(1)

    run()
    assert len(ran) >= examples
