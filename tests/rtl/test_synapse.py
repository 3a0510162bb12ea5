"""Synapse against the golden SynapseModel, every cycle: random configurations and the corners."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mgd_strategies import NARROWEST, WIDEST, code_specs, fixed_formats, signed_value, unsigned_value

from mgd.golden_model.codes import CodeSpec
from mgd.golden_model.fixed_units import BROADCAST_MODES, SynapseModel, g_format
from mgd.golden_model.formats import DEFAULT_FORMATS
from mgd.rtl.synapse import Synapse, broadcast_width
from mgd.sim.cycle_sim import describe_mismatches, mismatches, run_cycles

OUTPUTS = ("code", "weight", "theta", "g")


def expected(model, cycles):
    """The golden model's outputs during each cycle, then its clock edge (or reset) for that cycle's inputs."""
    out = {name: [] for name in OUTPUTS}
    state = dict(
        advance=0,
        restart=0,
        index=0,
        perturb=0,
        dtheta=0,
        value=0,
        correlate=0,
        update=0,
        eta=0,
        load=0,
        load_value=0,
        reset=0,
    )
    for cycle in cycles:
        state.update(cycle)
        for name, value in model.outputs(
            index=state["index"], perturb=state["perturb"], dtheta=state["dtheta"]
        ).items():
            out[name].append(value)
        if state["reset"]:
            model.reset()
        else:
            model.clock(
                advance=state["advance"],
                restart=state["restart"],
                index=state["index"],
                correlate_en=state["correlate"],
                value=state["value"],
                update=state["update"],
                eta=state["eta"],
                load=state["load"],
                load_value=state["load_value"],
            )
    return out


def check(synapse, codes, mode, fmts, cycles, correlator="auto", vcd=None):
    dut = Synapse(synapse, codes, mode, fmts, correlator)
    seen = run_cycles(dut, cycles, list(OUTPUTS), vcd=vcd)
    want = expected(SynapseModel(synapse, codes, mode, fmts), cycles)
    found = mismatches(seen, want)
    assert not found, describe_mismatches(found)
    return want


@st.composite
def scenarios(draw):
    fmts = draw(fixed_formats())
    codes, synapse = draw(code_specs())
    mode = draw(st.sampled_from(BROADCAST_MODES))
    tw, bw = fmts.theta.width, broadcast_width(mode, fmts)
    cycle = st.fixed_dictionaries(
        {
            "advance": st.integers(0, 1),
            "restart": st.sampled_from([0] * 20 + [1]),
            "index": unsigned_value(codes.index_width),
            "perturb": st.integers(0, 1),
            "dtheta": unsigned_value(tw - 1),
            "value": signed_value(bw),
            "correlate": st.integers(0, 1),
            "update": st.sampled_from([0, 0, 0, 1]),
            "eta": unsigned_value(fmts.eta.width),
            "load": st.sampled_from([0] * 15 + [1]),
            "load_value": signed_value(tw),
            "reset": st.sampled_from([0] * 40 + [1]),
        }
    )
    cycles = draw(st.lists(cycle, min_size=1, max_size=60))
    correlator = draw(st.sampled_from(["auto", "multiplier"]))
    return synapse, codes, mode, fmts, cycles, correlator


@pytest.mark.parametrize(
    "examples", [pytest.param(100, id="100"), pytest.param(1000, id="1000", marks=pytest.mark.slow)]
)
def test_synapse_matches_golden_model_for_random_configurations(examples):
    ran = []

    @settings(max_examples=examples)
    @given(scenarios())
    def run(scenario):
        check(*scenario)
        ran.append(len(scenario[4]))

    run()
    assert len(ran) >= examples


def saturating_run(fmts, mode, sign):
    """Load θ near one end, then push it past that end through G: correlate the largest broadcast every cycle,
    update every 4th cycle (τθ = 4), with a constant-code synapse (sequential code, synapse 0, index 0: c = +1)."""
    codes = CodeSpec("sequential", 1)
    bw = broadcast_width(mode, fmts)
    value = -(1 << (bw - 1)) if sign > 0 else (1 << (bw - 1)) - 1  # θ − G pushes θ up for a negative G
    eta = fmts.eta.max
    start = fmts.theta.max - 3 if sign > 0 else fmts.theta.min + 3
    cycles = [dict(load=1, load_value=start, dtheta=1 << min(fmts.theta.frac, fmts.theta.width - 2), eta=eta)]
    for c in range(24):
        cycles.append(dict(load=0, correlate=1, value=value, update=int(c % 4 == 3), perturb=c % 2, index=0))
    return codes, cycles


@pytest.mark.parametrize("fmts", [DEFAULT_FORMATS, NARROWEST, WIDEST], ids=["default", "narrowest", "widest"])
@pytest.mark.parametrize("mode", BROADCAST_MODES)
@pytest.mark.parametrize("sign", [+1, -1], ids=["top", "bottom"])
def test_theta_g_and_weight_saturate_at_both_ends(fmts, mode, sign, vcd):
    codes, cycles = saturating_run(fmts, mode, sign)
    want = check(0, codes, mode, fmts, cycles, vcd=vcd())
    end = fmts.theta.max if sign > 0 else fmts.theta.min
    assert end in want["theta"], "θ never reached its saturation value: the corner was not exercised"
    if sign > 0:
        assert fmts.theta.max in want["weight"]


@pytest.mark.parametrize("fmts", [DEFAULT_FORMATS, NARROWEST, WIDEST], ids=["default", "narrowest", "widest"])
@pytest.mark.parametrize("mode", BROADCAST_MODES)
@pytest.mark.parametrize("sign", [+1, -1], ids=["top", "bottom"])
def test_g_saturates_at_both_ends_then_updates(fmts, mode, sign, vcd):
    """Correlate the extreme broadcast value with c = +1 long enough to overflow G, then one update."""
    codes = CodeSpec("sequential", 1)
    gfmt, bw = g_format(mode, fmts), broadcast_width(mode, fmts)
    value = (1 << (bw - 1)) - 1 if sign > 0 else -(1 << (bw - 1))
    n = (1 << max(0, gfmt.width - bw + 1)) + 4
    cycles = [dict(correlate=1, value=value, eta=fmts.eta.max, index=0)] + [{} for _ in range(n)]
    cycles += [dict(update=1), dict(update=0, correlate=0)]
    want = check(0, codes, mode, fmts, cycles, vcd=vcd())
    assert (gfmt.max if sign > 0 else gfmt.min) in want["g"], "G never saturated: the corner was not exercised"


@pytest.mark.parametrize("kind", ["lfsr", "lfsr_multilevel", "walsh", "sequential"])
def test_tau_theta_1_update_every_cycle(kind):
    """Correlate and update in every cycle (τθ = 1): θ moves by the cycle's own e, G stays 0."""
    codes = CodeSpec(kind, 5)
    cycles = [dict(load=1, load_value=1000, dtheta=64, eta=200)]
    cycles += [
        dict(
            load=0,
            advance=1,
            correlate=1,
            update=1,
            perturb=1,
            index=c % (codes.index_period or 1),
            value=(c * 7919) % 4001 - 2000,
        )
        for c in range(200)
    ]
    want = check(2, codes, "prescaled", DEFAULT_FORMATS, cycles)
    assert set(want["g"]) == {0}
    assert len(set(want["theta"])) > 20


@pytest.mark.parametrize("mode", BROADCAST_MODES)
def test_reset_mid_run_restarts_theta_g_and_the_code_sequence(mode):
    codes = CodeSpec("lfsr", 4)
    run = [
        dict(advance=1, correlate=1, value=(c * 31) % 200 - 100, update=int(c % 3 == 2), perturb=1, dtheta=128, eta=300)
        for c in range(40)
    ]
    cycles = [dict(load=1, load_value=-5000)] + [dict(load=0)] + run[:20] + [dict(reset=1)] + [dict(reset=0)] + run
    want = check(1, codes, mode, DEFAULT_FORMATS, cycles)
    after = cycles.index(dict(reset=1)) + 1
    assert want["theta"][after] == 0 and want["g"][after] == 0
    assert want["code"][after : after + 20] == want["code"][2:22]  # the code sequence starts over


@pytest.mark.parametrize("kind", ["lfsr", "lfsr_multilevel", "walsh", "sequential"])
@pytest.mark.parametrize("mode", BROADCAST_MODES)
def test_long_random_run(kind, mode):
    """2,000 cycles of random inputs per code kind and broadcast mode."""
    import numpy as np

    rng = np.random.default_rng(sum(map(ord, kind + mode)))
    codes, f = CodeSpec(kind, 9), DEFAULT_FORMATS
    bw = broadcast_width(mode, f)
    cycles = [
        dict(
            advance=int(rng.random() < 0.5),
            restart=int(rng.random() < 0.005),
            index=int(rng.integers(0, 1 << codes.index_width)),
            perturb=int(rng.random() < 0.5),
            dtheta=1 << int(rng.integers(6, 14)),
            value=int(rng.integers(-(1 << (bw - 1)), 1 << (bw - 1))) >> int(rng.integers(0, bw)),
            correlate=int(rng.random() < 0.8),
            update=int(rng.random() < 0.1),
            eta=int(rng.integers(0, 1 << f.eta.width)),
            load=int(rng.random() < 0.01),
            load_value=int(rng.integers(f.theta.min, f.theta.max + 1)),
            reset=int(rng.random() < 0.002),
        )
        for _ in range(2000)
    ]
    check(3, codes, mode, f, cycles)
