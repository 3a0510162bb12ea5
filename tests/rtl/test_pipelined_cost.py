# amaranth: UnusedElaboratable=no
"""PipelinedCost (rtl/pipelined_cost.py) against the golden fixed_units.cost and broadcast: a new step (y, y0, ŷ)
enters every cycle; a ``measure`` strobe in cycle t makes the outputs show, from cycle t + 1, C, C₀, C̃ = C − C₀ and
the broadcast of the step that entered in cycle t − (latency − 1); they hold otherwise. Random formats, modes,
n_out and tree arities; C and the pre-scaled u saturated at their format limits; refused arguments. (The file
header silences the UnusedElaboratable warning of the components a refused constructor leaves behind.)"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mgd_strategies import NARROWEST, ODD_FORMATS, fixed_formats, signed_value, unsigned_value
from mgd_strategies import levels_by_powers as levels

from mgd.golden_model.fixed_units import BROADCAST_MODES, broadcast, cost
from mgd.golden_model.formats import DEFAULT_FORMATS
from mgd.rtl.pipelined_cost import PipelinedCost
from mgd.sim.cycle_sim import describe_mismatches, mismatches, run_cycles

OUTPUTS = ("cost", "c0", "c_tilde", "broadcast")
ODD = ODD_FORMATS


def documented_latency(n_out: int, mode: str, arity: int) -> int:
    """The docstring's stages: d, d², the adder tree, C (scale), C̃, [C̃·η when pre-scaled], the output registers."""
    return 2 + levels(n_out, arity) + 1 + 1 + (1 if mode == "prescaled" else 0) + 1


def check(n_out, mode, fmts, steps, measures, eta, *, tree_arity=3):
    """``steps[t]`` = (y, y0, target) enters in cycle t; ``measures[t]`` is the strobe in cycle t. Returns the
    expected outputs per cycle (from the golden functions), after checking the simulation against them."""
    dut = PipelinedCost(n_out, mode, fmts, tree_arity=tree_arity)
    lat = documented_latency(n_out, mode, tree_arity)
    assert dut.latency == lat
    golden = []
    for y, y0, target in steps:
        c, c0 = cost(np.array(y), np.array(target), fmts), cost(np.array(y0), np.array(target), fmts)
        golden.append(dict(cost=c, c0=c0, c_tilde=c - c0, broadcast=broadcast(c - c0, eta, mode, fmts)))
    want = {name: [] for name in OUTPUTS}
    held = dict.fromkeys(OUTPUTS, 0)
    for t, strobe in enumerate(measures):
        for name in OUTPUTS:
            want[name].append(held[name])
        if strobe:
            p = t - (lat - 1)
            assert 0 <= p < len(steps), "a strobe before the first step arrives is not part of the contract"
            held = dict(golden[p])
    cycles = [
        dict(y=list(y), y0=list(y0), target=list(tg), measure=m, eta=eta)
        for (y, y0, tg), m in zip(steps, measures, strict=True)
    ]
    seen = run_cycles(dut, cycles, list(OUTPUTS))
    found = mismatches(seen, want)
    assert not found, describe_mismatches(found)
    return want


@settings(max_examples=40)
@given(
    st.one_of(st.just(ODD), fixed_formats()),
    st.sampled_from(BROADCAST_MODES),
    st.integers(1, 6),
    st.integers(2, 5),
    st.data(),
)
def test_random_configurations_one_step_per_cycle(fmts, mode, n_out, arity, data):
    lat = documented_latency(n_out, mode, arity)
    a = fmts.act
    act = st.one_of(st.sampled_from([a.min, a.max, 0]), signed_value(a.width))
    vec = st.lists(act, min_size=n_out, max_size=n_out)
    n = data.draw(st.integers(1, 20))
    steps = data.draw(st.lists(st.tuples(vec, vec, vec), min_size=n + lat, max_size=n + lat))
    measures = [0] * (lat - 1) + data.draw(st.lists(st.integers(0, 1), min_size=n + 1, max_size=n + 1))
    eta = data.draw(st.one_of(st.just(fmts.eta.max), unsigned_value(fmts.eta.width)))
    check(n_out, mode, fmts, steps, measures, eta, tree_arity=arity)


@pytest.mark.parametrize("fmts", [NARROWEST, ODD, DEFAULT_FORMATS], ids=["narrowest", "odd", "default"])
@pytest.mark.parametrize("mode", BROADCAST_MODES)
@pytest.mark.parametrize("n_out", [1, 4, 5])
def test_c_and_the_broadcast_saturate(fmts, mode, n_out):
    """y and ŷ at opposite ends of the act range: C saturates at cost.max where the format can overflow (narrowest,
    odd); C̃ swings to ±C; with the largest η the pre-scaled u saturates at both ends of θ's format. Measured every
    cycle, one step per cycle."""
    a = fmts.act
    far, near, tgt = [a.max] * n_out, [a.min] * n_out, [a.min] * n_out
    pattern = [(far, near, tgt), (near, far, tgt), (far, far, tgt), (near, near, tgt)]
    lat = documented_latency(n_out, mode, 3)
    steps = pattern * 2 + [(near, near, tgt)] * lat
    measures = [0] * (lat - 1) + [1] * 8 + [0] * (len(steps) - lat - 7)
    want = check(n_out, mode, fmts, steps, measures, fmts.eta.max)
    c_max = max(want["cost"])
    if fmts is DEFAULT_FORMATS:  # 2·act.width bits of C: no overflow
        assert c_max < fmts.cost.max
    else:
        assert c_max == fmts.cost.max, "C never saturated: the corner was not exercised"
    assert max(want["c_tilde"]) == c_max and min(want["c_tilde"]) == -c_max
    if mode == "prescaled":
        assert fmts.theta.max in want["broadcast"] and fmts.theta.min in want["broadcast"]
    else:
        assert want["broadcast"] == want["c_tilde"]


def test_outputs_hold_between_strobes():
    """One strobe, then none: the outputs keep that step's values while new steps keep entering."""
    f, n_out, mode = DEFAULT_FORMATS, 2, "prescaled"
    lat = documented_latency(n_out, mode, 3)
    rng = np.random.default_rng(3)
    steps = [tuple(rng.integers(f.act.min, f.act.max + 1, (3, n_out)).tolist()) for _ in range(lat + 12)]
    measures = [0] * (lat - 1) + [0, 0, 1] + [0] * 10
    want = check(n_out, mode, f, steps, measures, eta=300)
    assert len({(want["cost"][t], want["c0"][t]) for t in range(lat + 2, len(steps))}) == 1


@pytest.mark.parametrize(
    "args,match",
    [
        ((2, "scaled"), "mode must be one of prescaled, raw, got 'scaled'"),
        ((0, "raw"), "n_out must be a positive integer, got 0"),
        ((True, "raw"), "n_out must be a positive integer, got True"),
        ((1.0, "raw"), "n_out must be a positive integer, got 1.0"),
    ],
)
def test_bad_arguments_are_refused(args, match):
    with pytest.raises(ValueError, match=match):
        PipelinedCost(*args)


def test_bad_tree_arity_is_refused():
    with pytest.raises(ValueError, match=r"tree_arity must be an integer >= 2"):
        PipelinedCost(2, "prescaled", tree_arity=1)
