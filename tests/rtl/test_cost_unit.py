"""CostUnit against the golden CostUnitModel, every cycle."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mgd_strategies import NARROWEST, WIDEST, fixed_formats, signed_value, unsigned_value

from mgd.golden_model.fixed_units import BROADCAST_MODES, CostUnitModel
from mgd.golden_model.formats import DEFAULT_FORMATS
from mgd.rtl.cost_unit import CostUnit
from mgd.sim.cycle_sim import describe_mismatches, mismatches, run_cycles

OUTPUTS = ["cost", "c0", "c_tilde", "broadcast"]


def expected(mode, fmts, cycles):
    model, out = CostUnitModel(mode, fmts), {name: [] for name in OUTPUTS}
    for c in cycles:
        for name, value in model.outputs().items():
            out[name].append(value)
        if c.get("reset"):
            model.reset()
        else:
            model.clock(y=c["y"], target=c["target"], capture=c["capture"], measure=c["measure"], eta=c["eta"])
    return out


def check(n_out, mode, fmts, cycles, vcd=None):
    seen = run_cycles(CostUnit(n_out, mode, fmts), cycles, OUTPUTS, vcd=vcd)
    want = expected(mode, fmts, cycles)
    found = mismatches(seen, want)
    assert not found, describe_mismatches(found)
    return want


@pytest.mark.parametrize("fmts", [DEFAULT_FORMATS, NARROWEST, WIDEST], ids=["default", "narrowest", "widest"])
@pytest.mark.parametrize("mode", BROADCAST_MODES)
@pytest.mark.parametrize("n_out", [1, 3, 4])
def test_extremes_saturate(fmts, mode, n_out, vcd):
    """y and ŷ at opposite ends of the act range: C saturates at its maximum where the format can overflow (the
    narrowest; the default and widest cost formats hold 2·act.width bits, so C cannot overflow there); C̃ swings
    to ±C_max, and with the largest η the pre-scaled u saturates at both ends of θ's format."""
    lo, hi = fmts.act.min, fmts.act.max
    far = dict(y=[hi] * n_out, target=[lo] * n_out, eta=fmts.eta.max, measure=1)
    near = dict(y=[hi] * n_out, target=[hi] * n_out, eta=fmts.eta.max, measure=1)
    cycles = [
        dict(near, capture=1),
        dict(far, capture=0),
        dict(far, capture=1),
        dict(near, capture=0),
        dict(near, capture=0),
    ]
    want = check(n_out, mode, fmts, cycles, vcd=vcd())
    if fmts is NARROWEST:
        assert fmts.cost.max in want["cost"]
    else:
        assert fmts.cost.width >= 2 * fmts.act.width and max(want["cost"]) < fmts.cost.max
    assert max(want["c_tilde"]) == max(want["cost"]) and min(want["c_tilde"]) == -max(want["cost"])
    if mode == "prescaled" and fmts is not WIDEST:
        assert fmts.theta.max in want["broadcast"] and fmts.theta.min in want["broadcast"]


@pytest.mark.parametrize(
    "examples", [pytest.param(100, id="100"), pytest.param(1000, id="1000", marks=pytest.mark.slow)]
)
def test_random_configurations(examples):
    ran = []

    @settings(max_examples=examples)
    @given(fixed_formats(), st.sampled_from(BROADCAST_MODES), st.integers(1, 5), st.data())
    def run(fmts, mode, n_out, data):
        act = st.lists(signed_value(fmts.act.width), min_size=n_out, max_size=n_out)
        cycle = st.fixed_dictionaries(
            {
                "y": act,
                "target": act,
                "capture": st.integers(0, 1),
                "measure": st.integers(0, 1),
                "eta": unsigned_value(fmts.eta.width),
                "reset": st.sampled_from([0] * 30 + [1]),
            }
        )
        check(n_out, mode, fmts, data.draw(st.lists(cycle, min_size=1, max_size=40)))
        ran.append(1)

    run()
    assert len(ran) >= examples
