"""GAccumulator against fixed_units.accumulate, every cycle."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mgd_strategies import signed_value

from mgd.golden_model.fixed_units import accumulate
from mgd.golden_model.formats import Fmt
from mgd.rtl.g_accumulator import GAccumulator
from mgd.sim.cycle_sim import describe_mismatches, mismatches, run_cycles


def expected(fmt, cycles):
    g, out = 0, {"acc": [], "g": []}
    for c in cycles:
        acc = accumulate(g, c["e"], fmt) if c["add"] else g
        out["acc"].append(acc)
        out["g"].append(g)
        g = 0 if c.get("reset") or c["clear"] else acc
    return out


def check(fmt, e_width, cycles):
    seen = run_cycles(GAccumulator(fmt, e_width), cycles, ["acc", "g"])
    want = expected(fmt, cycles)
    found = mismatches(seen, want)
    assert not found, describe_mismatches(found)
    return want


@pytest.mark.parametrize("fmt", [Fmt(4, 0), Fmt(24, 14), Fmt(44, 28)], ids=["narrowest", "default", "widest"])
@pytest.mark.parametrize("sign", [+1, -1], ids=["top", "bottom"])
def test_saturates_at_both_ends_and_clears(fmt, sign):
    e_width = max(2, fmt.width - 2)
    e = (1 << (e_width - 1)) - 1 if sign > 0 else -(1 << (e_width - 1))
    cycles = [dict(e=e, add=1, clear=0) for _ in range(12)] + [
        dict(e=e, add=1, clear=1),
        dict(e=1, add=1, clear=0),
        dict(e=0, add=0, clear=0),
    ]
    want = check(fmt, e_width, cycles)
    assert (fmt.max if sign > 0 else fmt.min) in want["g"]
    assert want["g"][13] == 0 and want["g"][14] == 1


@pytest.mark.parametrize(
    "examples", [pytest.param(100, id="100"), pytest.param(1000, id="1000", marks=pytest.mark.slow)]
)
def test_random_configurations(examples):
    ran = []

    @settings(max_examples=examples)
    @given(st.data())
    def run(data):
        width = data.draw(st.integers(2, 44))
        e_width = data.draw(st.integers(2, width + 2))
        cycle = st.fixed_dictionaries(
            {
                "e": signed_value(e_width),
                "add": st.integers(0, 1),
                "clear": st.sampled_from([0] * 7 + [1]),
                "reset": st.sampled_from([0] * 30 + [1]),
            }
        )
        check(
            Fmt(width, data.draw(st.integers(0, width - 1))),
            e_width,
            data.draw(st.lists(cycle, min_size=1, max_size=60)),
        )
        ran.append(1)

    run()
    assert len(ran) >= examples
