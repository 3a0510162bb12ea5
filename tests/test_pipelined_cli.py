"""The command line's ``--pipelined`` and ``--input-bits`` (``mgd train``, ``mgd verilog``): bad input refused before
any work, as ``tests/test_bad_input.py`` checks every other option (exit status 2, a short message naming the option,
nothing on stdout, no file left behind); the CLI's check of ``--input-bits`` agrees with the pipelined trainer's own;
and the pipelined runs report what the reference runs report: θ bit-identical to the fixed-point model's (Amaranth
here; Verilator in tests/sim/test_verilator_pipelined.py), cycles from the pipelined schedule."""

import json

import numpy as np
import pytest
from cli_runner import run_cli

from mgd.golden_model.config import ConfigError, MGDConfig
from mgd.golden_model.formats import COMPACT_FORMATS
from mgd.golden_model.pipeline_schedule import pipelined_cycles
from mgd.rtl.trainer_build import build
from mgd.sim import trace as trace_io
from mgd.sim.backends import TrainOptions, get_backend
from mgd.validate import check_pipelined


def case(argv: str, needle: str):
    return pytest.param(argv.split(), needle, id=argv)


T = "train --no-progress --steps 10 "
V = "verilog -o out.v "
CLI_CASES = [
    case(T + "--backend golden --pipelined", "--pipelined needs --backend fixed, amaranth or verilator"),
    case(T + "--backend amaranth --input-bits 1", "--input-bits needs --pipelined"),
    case(T + "--backend fixed --input-bits 1", "--input-bits needs --pipelined"),
    case(T + "--backend verilator --pipelined --input-bits 0", "argument --input-bits: must be an integer in [1, 64]"),
    case(T + "--backend verilator --pipelined --input-bits two", "argument --input-bits: must be an integer"),
    case(
        T + "--backend verilator --pipelined --input-bits 9 --formats compact",
        "--pipelined --input-bits 9: input_bits must be None or an integer in [1, 8]",
    ),
    case(
        T + "--backend amaranth --pipelined --input-bits 1 --dataset digits",
        "--pipelined --input-bits 1: input_bits=1: every input must be v·2^-0 with v an unsigned 1-bit integer",
    ),
    case(V + "--input-bits 1", "--input-bits needs --pipelined"),
    case(
        V + "--pipelined --input-bits 12 --formats compact",
        "--pipelined --input-bits 12: input_bits must be None or an integer",
    ),
    case(
        V + "--pipelined --input-bits 2 --dataset digits",
        "--pipelined --input-bits 2: input_bits=2: every input must be",
    ),
]


@pytest.mark.parametrize("argv,needle", CLI_CASES)
def test_cli_refuses_bad_pipelined_options_before_any_work(argv, needle, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(argv, capsys)
    assert code == 2, (out, err)
    assert needle in err
    assert "Traceback" not in err and "Traceback" not in out
    assert 1 <= len(err.strip().splitlines()) <= 2, err
    assert out == ""
    assert list(tmp_path.iterdir()) == []


DIGITS = MGDConfig(dataset="digits", steps=1, seeds=1, dtheta=2**-4)


@pytest.mark.parametrize("input_bits", range(1, COMPACT_FORMATS.act.frac + 2))
def test_the_cli_check_refuses_what_the_trainer_refuses(input_bits):
    """digits' inputs are multiples of 1/16 in [0, 1]: 5-bit values and wider pass, narrower are refused, by the CLI's
    check (the trainer's own checks) and by the trainer's construction alike (constructed only where it refuses:
    nothing to elaborate)."""
    try:
        check_pipelined(DIGITS, COMPACT_FORMATS, input_bits=input_bits)
        cli_ok = True
    except ConfigError:
        cli_ok = False
    assert cli_ok == (input_bits >= 5)
    if not cli_ok:
        with pytest.raises(ValueError, match=f"input_bits={input_bits}: every input must be"):
            build(DIGITS, COMPACT_FORMATS, pipelined=True, input_bits=input_bits)


def test_verilog_command_writes_the_pipelined_trainer(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli("verilog --pipelined --input-bits 1 --formats compact -o p.v".split(), capsys)
    assert code == 0, err
    text = (tmp_path / "p.v").read_text()
    header = [line for line in text.splitlines() if line.startswith("//")]
    assert any("pipelined trainer (1-bit inputs): one step issued per cycle" in line for line in header)
    assert "module mgd_trainer(" in text and "mgd_trainer.reference" in text  # the unperturbed twin array
    code, out, err = run_cli("verilog --formats compact -o r.v".split(), capsys)
    assert code == 0, err
    reference = (tmp_path / "r.v").read_text()
    assert "array latency L = 2 cycles" in reference and "mgd_trainer.reference" not in reference


XOR = MGDConfig(
    dataset="xor", eta=0.5, dtheta=2**-4, init_scale=2.0, steps=60, seeds=2, seed=0, sample_order="random", tau_theta=4
)


def schedule_cycles(config: MGDConfig) -> int:
    """Cycles of the pipelined XOR trainer's run of ``config`` (one seed) by its schedule, through the first cycle
    that shows done (the trainer is elaborated for its timing, so Amaranth has nothing to warn about)."""
    from amaranth.hdl import Fragment

    b = build(config, COMPACT_FORMATS, pipelined=True, input_bits=1)
    Fragment.get(b.trainer, None)
    return pipelined_cycles(b.regs, b.trainer.timing) + 1


def test_amaranth_backend_pipelined_theta_equals_fixed_and_cycles_follow_the_schedule(tmp_path):
    """Two networks (seeds 0 and 1) on the pipelined trainer in Amaranth: θ and accuracy sampled every 10 steps
    (mid-window: counted only while the trainer stalls) equal the fixed backend's bit for bit; each network's cycles
    are the pipelined schedule's; the recorded trace equals the fixed backend's golden trace of the pipelined
    schedule (``--trace`` with ``--pipelined``)."""
    config = XOR.replace(eval_every=10)  # mid-window samples too (τθ = 4)
    fixed, _ = get_backend("fixed").train(config, COMPACT_FORMATS, "prescaled", TrainOptions())
    rtl, extras = get_backend("amaranth").train(
        config, COMPACT_FORMATS, "prescaled", TrainOptions(pipelined=True, input_bits=1, trace=tmp_path / "a.npz")
    )
    assert np.array_equal(rtl.theta, fixed.theta)
    assert np.array_equal(rtl.accuracy, fixed.accuracy)
    assert extras.cycles == [schedule_cycles(config.replace(seeds=1, seed=k)) for k in range(config.seeds)]
    get_backend("fixed").train(
        config, COMPACT_FORMATS, "prescaled", TrainOptions(pipelined=True, input_bits=1, trace=tmp_path / "g.npz")
    )
    a, meta_a = trace_io.load(tmp_path / "a.npz")
    g, meta_g = trace_io.load(tmp_path / "g.npz")
    assert meta_a["pipelined"] and meta_g["pipelined"] and meta_a["input_bits"] == meta_g["input_bits"] == 1
    comparison = trace_io.compare(a, g)
    assert comparison.identical, comparison.report()
    assert len(a["phase"]) == extras.cycles[0]


def test_train_command_pipelined_json(tmp_path, monkeypatch, capsys):
    """``mgd train --backend amaranth --pipelined --input-bits 1``: the JSON says which trainer ran, its θ-derived
    results equal the fixed backend's, its cycles are the pipelined schedule's."""
    monkeypatch.chdir(tmp_path)
    common = "train --no-progress --dataset xor --formats compact --steps 40 --tau-theta 4 --eta 0.5 --seed 3 --seeds 1"
    code, out, err = run_cli(f"{common} --backend amaranth --pipelined --input-bits 1 --json p.json".split(), capsys)
    assert code == 0, err
    code, out, err = run_cli(f"{common} --backend fixed --json f.json".split(), capsys)
    assert code == 0, err
    p = json.loads((tmp_path / "p.json").read_text())["mgd"]
    f = json.loads((tmp_path / "f.json").read_text())["mgd"]
    assert p["pipelined"] is True and p["input_bits"] == 1 and "pipelined" not in f
    assert p["backend"] == "amaranth" and f["backend"] == "fixed"
    same = {k for k in f if k not in ("backend", "hardware") and "time" not in k and "per_s" not in k}
    assert {k: p[k] for k in same} == {k: f[k] for k in same}
    config = MGDConfig.from_dict(p["config"])
    assert p["hardware"]["cycles"] == [schedule_cycles(config.replace(seeds=1))]
