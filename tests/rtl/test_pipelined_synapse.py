# amaranth: UnusedElaboratable=no
"""PipelinedSynapse (rtl/pipelined_synapse.py) against the golden fixed_units functions, every cycle: the code
(``codes.code``), the weight register (``weight`` of θ and the code ``weight_tap`` cycles ago), G (``correlate`` of
the code of the pass whose broadcast arrives ``correlate_tap`` cycles after it, then ``accumulate``) and θ
(``update_step``/``apply_update`` at the window's end), driven as the trainer drives it: windows of correlate strobes,
the update ``update_latency`` cycles (or more) after the last one, Δθ and −Δθ from registers. Random configurations
(formats with odd widths, every code kind, both modes, taps); G, θ and the weight saturated at their format limits;
refused arguments. (The file header silences the UnusedElaboratable warning of a refused constructor's leftovers.)"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mgd_strategies import NARROWEST, ODD_FORMATS, code_specs, fixed_formats, signed_value, unsigned_value

from mgd.golden_model.codes import CodeSpec
from mgd.golden_model.fixed_units import (
    BROADCAST_MODES,
    accumulate,
    apply_update,
    correlate,
    g_format,
    update_step,
    weight,
)
from mgd.golden_model.formats import DEFAULT_FORMATS
from mgd.rtl.pipelined_synapse import PipelinedSynapse
from mgd.rtl.synapse import broadcast_width
from mgd.sim.cycle_sim import describe_mismatches, run_cycles

OUTPUTS = ("code", "weight", "theta", "g")
ODD = ODD_FORMATS
INPUTS = dict(advance=0, restart=0, index=0, dtheta=0, value=0, correlate=0, update=0, eta=0, load=0, load_value=0)


def documented_update_latency(mode):
    return 1 if mode == "prescaled" else 2


def expected(synapse, codes, mode, fmts, weight_tap, correlate_tap, cycles):
    """Per cycle, the golden outputs (None where the delay line still holds values from before the first cycle).

    The pipeline as documented: the weight register takes sat(θ + ⌊c·Δθ⌋) of the code ``weight_tap`` cycles ago;
    the product e registered at an edge is ⌊c·value⌋ of the code ``correlate_tap`` cycles ago and this cycle's
    value, and a correlate strobe one cycle later adds it to G; load: θ ← value, G ← 0; update: θ ← sat(θ − step(G)),
    G ← 0. ``cycles`` never correlate or load in the update_latency − 1 cycles before an update (the trainer never
    does), so the step is the one of the G shown in the update's cycle."""
    gfmt = g_format(mode, fmts)
    theta = g = advances = 0
    weight_reg = e_reg = None
    codes_seen = []
    state = dict(INPUTS)
    out = {name: [] for name in OUTPUTS}
    for t, cycle in enumerate(cycles):
        state.update(cycle)
        code = codes.code(synapse, advances, state["index"])
        codes_seen.append(code)
        for name, value in (("code", code), ("weight", weight_reg), ("theta", theta), ("g", g)):
            out[name].append(value)
        # the clock edge ending cycle t
        tw, tc = t - weight_tap, t - correlate_tap
        new_weight = weight(theta, codes_seen[tw], state["dtheta"], 1, codes.frac, fmts) if tw >= 0 else None
        new_e = correlate(codes_seen[tc], state["value"], codes.frac) if tc >= 0 else None
        if state["load"]:
            theta, g = state["load_value"], 0
        elif state["update"]:
            theta, g = apply_update(theta, update_step(g, state["eta"], mode, fmts), fmts), 0
        elif state["correlate"]:
            assert e_reg is not None, "a correlation before the first pass reached the tap: not part of the contract"
            g = accumulate(g, e_reg, gfmt)
        weight_reg, e_reg = new_weight, new_e
        if state["restart"]:
            advances = 0
        elif state["advance"]:
            advances += 1
    return out


def check(synapse, codes, mode, fmts, weight_tap, correlate_tap, cycles):
    for c in cycles:
        if "dtheta" in c:
            c["dtheta_neg"] = -c["dtheta"]  # the controller's register pair
    dut = PipelinedSynapse(synapse, codes, mode, fmts, weight_tap=weight_tap, correlate_tap=correlate_tap)
    assert dut.update_latency == documented_update_latency(mode) and dut.correlate_latency == 1
    seen = run_cycles(dut, cycles, list(OUTPUTS))
    want = expected(synapse, codes, mode, fmts, weight_tap, correlate_tap, cycles)
    found = [
        (name, t, got, w)
        for name in OUTPUTS
        for t, (got, w) in enumerate(zip(seen[name], want[name], strict=True))
        if w is not None and got != w
    ]
    assert not found, describe_mismatches(found)
    return want


def control(draw, mode, weight_tap, correlate_tap, fmts):
    """The strobes as the trainer drives them: a load, a lead-in until the taps hold this run's codes, then
    windows of correlate strobes, each followed by its update ``update_latency`` or more cycles after the last
    correlation edge; sometimes a load between windows."""
    lead = correlate_tap + 1
    ctrl = [dict(load=1, load_value=draw(signed_value(fmts.theta.width)))] + [dict(load=0)] * lead
    for _ in range(draw(st.integers(1, 4))):
        if draw(st.integers(0, 5)) == 0:
            ctrl.append(dict(load=1, load_value=draw(signed_value(fmts.theta.width))))
            ctrl.append(dict(load=0))
        for bit in draw(st.lists(st.integers(0, 1), min_size=1, max_size=8)):
            ctrl.append(dict(correlate=bit))
        gap = documented_update_latency(mode) - 1 + draw(st.integers(0, 2))
        ctrl += [dict(correlate=0)] * gap + [dict(update=1), dict(update=0)]
    return ctrl


@st.composite
def scenarios(draw):
    fmts = draw(st.one_of(st.just(ODD), fixed_formats()))
    codes, synapse = draw(code_specs())
    mode = draw(st.sampled_from(BROADCAST_MODES))
    weight_tap = draw(st.integers(0, 4))
    correlate_tap = draw(st.integers(weight_tap + 1, weight_tap + 6))
    eta = draw(unsigned_value(fmts.eta.width))
    bw = broadcast_width(mode, fmts)
    cycles = []
    for c in control(draw, mode, weight_tap, correlate_tap, fmts):
        free = dict(
            advance=draw(st.integers(0, 1)),
            restart=draw(st.sampled_from([0] * 15 + [1])),
            index=draw(unsigned_value(codes.index_width)),
            dtheta=draw(unsigned_value(fmts.theta.width - 1)),
            value=draw(st.one_of(st.sampled_from([-(1 << (bw - 1)), (1 << (bw - 1)) - 1]), signed_value(bw))),
            eta=eta,
        )
        cycles.append(dict(dict(INPUTS, **free), **c))
    return synapse, codes, mode, fmts, weight_tap, correlate_tap, cycles


@settings(max_examples=60)
@given(scenarios())
def test_random_configurations_match_the_golden_functions(scenario):
    check(*scenario)


@pytest.mark.parametrize("kind", ["lfsr", "lfsr_multilevel", "walsh", "sequential"])
@pytest.mark.parametrize("mode", BROADCAST_MODES)
def test_a_step_per_cycle_is_correlated_with_its_own_code(kind, mode):
    """As in the trainer at τp = 1: the codes advance every cycle (LFSR kinds; the counter kinds step ``index``),
    and each cycle's broadcast is the one of the step issued correlate_tap cycles earlier: G sums exactly
    Σ ⌊c(issue)·b⌋ over the window. Weight tap 2 (a second layer), correlate tap 7, τθ = 5."""
    codes, f = CodeSpec(kind, 5), DEFAULT_FORMATS
    rng = np.random.default_rng(len(kind) + len(mode))
    period = codes.index_period or 1
    ctrl = [dict(load=1, load_value=1234)] + [dict(load=0)] * 8
    for _ in range(6):
        ctrl += [dict(correlate=1)] * 5 + [dict(correlate=0)] * (documented_update_latency(mode) - 1)
        ctrl += [dict(update=1), dict(update=0)]
    cycles = [
        dict(
            INPUTS,
            advance=1,
            index=t % period,
            dtheta=1 << 10,
            value=int(rng.integers(-5000, 5000)),
            eta=200,
            **c,
        )
        for t, c in enumerate(ctrl)
    ]
    want = check(3, codes, mode, f, 2, 7, cycles)
    assert len(set(want["theta"])) > 3


def saturating_cycles(fmts, mode, sign, code_index):
    """Walsh, one synapse: index 0 → c = +1, index 1 → c = −1. Load θ one LSB inside the end it will be pushed
    to, then correlate the extreme broadcast for long enough to saturate G, then update."""
    gfmt, bw = g_format(mode, fmts), broadcast_width(mode, fmts)
    code = 1 if code_index == 0 else -1
    # G is pushed to the end of sign·code·value: θ − step moves the other way
    value = (1 << (bw - 1)) - 1 if sign * code > 0 else -(1 << (bw - 1))
    n = (1 << max(0, gfmt.width - bw + 1)) + 4
    start = fmts.theta.min + 1 if sign > 0 else fmts.theta.max - 1
    dtheta = 1 << min(fmts.theta.frac, fmts.theta.width - 2)
    base = dict(INPUTS, index=code_index, value=value, dtheta=dtheta, eta=fmts.eta.max)
    ctrl = [dict(load=1, load_value=start)] + [dict(load=0)] * 3 + [dict(correlate=1)] * n
    ctrl += [dict(correlate=0)] * (documented_update_latency(mode) - 1) + [dict(update=1)] + [dict(update=0)] * 3
    return [dict(base, **c) for c in ctrl]


@pytest.mark.parametrize("fmts", [DEFAULT_FORMATS, NARROWEST, ODD], ids=["default", "narrowest", "odd"])
@pytest.mark.parametrize("mode", BROADCAST_MODES)
@pytest.mark.parametrize("sign", [+1, -1], ids=["g_top", "g_bottom"])
@pytest.mark.parametrize("code_index", [0, 1], ids=["c_plus", "c_minus"])
def test_g_and_theta_saturate_exactly_at_the_format_limits(fmts, mode, sign, code_index):
    codes = CodeSpec("walsh", 1)
    want = check(0, codes, mode, fmts, 0, 1, saturating_cycles(fmts, mode, sign, code_index))
    gfmt = g_format(mode, fmts)
    g_end = gfmt.max if sign > 0 else gfmt.min
    assert g_end in want["g"], "G never saturated: the corner was not exercised"
    assert max(want["g"]) <= gfmt.max and min(want["g"]) >= gfmt.min
    # the update by the saturated G pushes θ (loaded one LSB inside the end) past the end: it clamps there
    start = fmts.theta.min + 1 if sign > 0 else fmts.theta.max - 1
    unclamped = start - update_step(g_end, fmts.eta.max, mode, fmts)
    assert not fmts.theta.min <= unclamped <= fmts.theta.max, "θ's update did not overflow: no corner"
    assert want["theta"][-1] == (fmts.theta.min if sign > 0 else fmts.theta.max)


@pytest.mark.parametrize("fmts", [DEFAULT_FORMATS, NARROWEST, ODD], ids=["default", "narrowest", "odd"])
@pytest.mark.parametrize("kind", ["walsh", "lfsr_multilevel"])
def test_weight_saturates_at_both_ends(fmts, kind):
    """θ at the top (bottom) of its format plus a positive (negative) perturbation: the weight clamps to
    theta.max (theta.min), for a binary code (through −Δθ) and a multi-level one (through the multiply)."""
    codes = CodeSpec(kind, 1) if kind == "walsh" else CodeSpec(kind, 1, levels_bits=1)  # levels ±1/2
    dtheta = fmts.theta.max
    cycles = []
    for load_value in (fmts.theta.max, fmts.theta.min):
        for index in (0, 1):  # Walsh: c = +1, then −1; the multi-level code steps its LFSR every cycle
            cycles += [dict(INPUTS, load=1, load_value=load_value, dtheta=dtheta, index=index, advance=1)]
            cycles += [dict(INPUTS, load=0, dtheta=dtheta, index=index, advance=1)] * 6
    want = check(0, codes, "prescaled", fmts, 0, 1, cycles)
    assert fmts.theta.max in want["weight"] and fmts.theta.min in want["weight"]


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(mode="pre"), "mode must be one of prescaled, raw, got 'pre'"),
        (dict(weight_tap=2, correlate_tap=2), "need 0 <= weight_tap < correlate_tap, got 2 and 2"),
        (dict(weight_tap=-1, correlate_tap=2), "need 0 <= weight_tap < correlate_tap, got -1 and 2"),
        (dict(weight_tap=0, correlate_tap=0), "need 0 <= weight_tap < correlate_tap, got 0 and 0"),
    ],
)
def test_bad_arguments_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        PipelinedSynapse(0, CodeSpec("lfsr", 2), **kwargs)
