"""``mgd verilog --lanes L`` (the folded trainer): the NIST7x7 trainer's Verilog is small because its dataset memory
has no contents (the host port writes it), the option's bad combinations are refused before any work, and
``--dataset-init`` puts the dataset back into the Verilog (the same words the memory is initialised with)."""

import re

import pytest
from cli_runner import run_cli

from mgd.golden_model.config import MGDConfig
from mgd.golden_model.formats import DEFAULT_FORMATS
from mgd.rtl.sample_memory import SampleMemory
from mgd.rtl.trainer_build import build


def test_nist7x7_folded_verilog_has_no_dataset_literal(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli("verilog --dataset nist7x7 --lanes 4 --input-bits 1 -o n.v".split(), capsys)
    assert code == 0, err
    text = (tmp_path / "n.v").read_text()
    assert len(text.encode()) < 1_000_000
    assert re.search(r"reg \[52:0\] memory \[44135:0\];", text)  # the dataset memory: 44,136 words of 53 bits
    assert not re.search(r"memory\[\d+\] = 53'h", text)  # … and none of its words
    assert "folded trainer (4 lanes, 1-bit inputs)" in text and "host__sample_" in text
    assert "module mgd_trainer(" in text


def test_dataset_init_embeds_the_words(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli("verilog --lanes 2 --input-bits 1 --dataset-init -o x.v".split(), capsys)
    assert code == 0, err
    text = (tmp_path / "x.v").read_text()
    config = MGDConfig(dataset="xor", dtheta=2**-4, seeds=1)
    b = build(config, DEFAULT_FORMATS, lanes=2, input_bits=1)
    memory = SampleMemory(b.model.x, b.model.y, DEFAULT_FORMATS.act, input_bits=1)
    for k, word in enumerate(memory.init):  # XOR: 2 one-bit inputs and a one-bit target per sample
        assert re.search(rf"memory\[{k}\] = 3'h{word:x};", text), k
    from amaranth.hdl import Fragment

    Fragment.get(b.trainer, None)  # elaborated: nothing left unused
    Fragment.get(memory, None)


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        ("verilog --lanes 2 --unit synapse -o o.v", "no synapse unit"),
        ("verilog --dataset-init -o o.v", "--dataset-init is an option of the folded trainer"),
        ("verilog --lanes 2 --pipelined -o o.v", "--pipelined and --lanes select two different trainers"),
        ("verilog --lanes 0 -o o.v", "argument --lanes"),
        ("verilog --lanes 2 --input-bits 1 --dataset digits -o o.v", "--lanes 2: input_bits=1: every input must be"),
    ],
)
def test_bad_folded_verilog_options_are_refused(argv, needle, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(argv.split(), capsys)
    assert code == 2, (out, err)
    assert needle in err and "Traceback" not in err
    assert out == "" and list(tmp_path.iterdir()) == []
