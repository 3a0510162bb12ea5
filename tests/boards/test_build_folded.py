# amaranth: UnusedElaboratable=no
"""The folded trainer's board builds (``mgd build --lanes L --dataset D``): the cheap part (elaboration and build
plan, no tools) of the three bitstreams — NIST7x7 on the iCEBreaker (nist7x7-16384 in SPRAM, empty at power-on),
NIST7x7 and digits on the ULX3S-85F (block RAM, initialised) — and the CLI's refusals. Real bitstreams: the same
commands without ``--plan-only`` (place and route: minutes to hours). (The file header silences the
UnusedElaboratable warning of a refused constructor's leftovers.)"""

import re

import pytest

from mgd.boards.build import DATASET_MODULE, folded_overrides
from mgd.boards.platform_top import folded_build
from mgd.cli import main
from mgd.toolchain import COLLISION_X_SCRIPT


def dataset_module(rtlil: str) -> str:
    """The text of the dataset memory's RTLIL module."""
    start = rtlil.index(f"module \\{DATASET_MODULE}\n")
    return rtlil[start : rtlil.index("\nend\n", start)]


@pytest.mark.parametrize(
    "board,dataset,lanes,words,width,initialised",
    [
        ("icebreaker", "nist7x7", 4, 16_384, 53, False),
        ("ulx3s-85f", "nist7x7", 4, 44_136, 53, True),
        ("ulx3s-85f", "digits", 8, 1_347, 64 * 5 + 10, True),
    ],
)
def test_cli_plan_of_each_folded_build(board, dataset, lanes, words, width, initialised, tmp_path, capsys):
    out = tmp_path / board
    argv = ["build", "--board", board, "--lanes", str(lanes), "--dataset", dataset, "--plan-only"]
    assert main([*argv, "--build-dir", str(out)]) == 0
    text = capsys.readouterr().out
    assert f"folded trainer: {lanes} lanes" in text and "plan: " in text
    rtlil = (out / "mgd_trainer.il").read_text()
    assert "theta_memory" in rtlil and "key_memory" in rtlil and "uart_rx" in rtlil
    module = dataset_module(rtlil)
    assert f"memory width {width} size {words} " in module
    script = (out / "mgd_trainer.ys").read_text()
    assert "\n".join(COLLISION_X_SCRIPT) in script  # before synth_*: the θ, G and code memories need no emulation
    assert script.index("memory_collect") < script.index("synth_")
    if board == "icebreaker":
        assert "synth_ice40 -dsp -spram" in script
        assert f"delete {DATASET_MODULE}/t:$meminit_v2" in script
        assert f'setattr -set ram_style "huge" {DATASET_MODULE}/m:memory' in script
    else:
        assert "$meminit_v2" in module and "delete" not in script  # in the bitstream, and writable
        assert "$memwr" in module or "$memwr_v2" in module


def test_folded_overrides_only_for_folded_tops():
    assert folded_overrides("ice40", None) == {} and folded_overrides("ice40", {"pipelined": True}) == {}
    collision_x = "\n".join(COLLISION_X_SCRIPT)
    assert folded_overrides("ecp5", {"lanes": 4, "input_bits": 1}) == {"script_after_read": collision_x}
    assert folded_overrides("ice40", {"lanes": 2}) == {"synth_opts": "-spram", "script_after_read": collision_x}
    config, options = folded_build("icebreaker", "nist7x7", 4)
    assert config.dataset == "nist7x7-16384" and options["single_port_dataset"] and not options["dataset_init"]
    config, options = folded_build("ulx3s-85f", "digits", 16)
    assert (config.dataset, options) == ("digits", {"lanes": 16, "input_bits": 5})


@pytest.mark.parametrize(
    "argv,needle",
    [
        ("--board icebreaker --lanes 4 --dataset digits", "digits does not fit the icebreaker"),
        ("--board ulx3s-85f --dataset nist7x7", "--dataset nist7x7 needs --lanes"),
        ("--board ulx3s-85f --lanes 4 --pipelined", "--lanes and --pipelined are two trainers"),
    ],
)
def test_cli_refuses_folded_options_before_any_work(argv, needle, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["build", *argv.split(), "--plan-only", "--build-dir", str(tmp_path / "b")])
    assert exc.value.code == 2 and needle in capsys.readouterr().err
    assert not (tmp_path / "b").exists()


def test_cli_refuses_a_bad_lane_count(capsys):
    with pytest.raises(SystemExit):
        main(["build", "--board", "icebreaker", "--lanes", "0", "--plan-only"])
    assert "--lanes" in capsys.readouterr().err


def test_board_trainer_refuses_what_its_registers_cannot_describe():
    """Refused before the trainer is built: a network the network register cannot describe (4 hidden layers),
    folded-only options without lanes, too many θ positions."""
    from mgd.boards.board_trainer import BoardTrainer
    from mgd.golden_model.config import MGDConfig

    deep = MGDConfig(dataset="xor", layers=(2, 2, 2, 2, 2, 1), steps=1, seeds=1)
    with pytest.raises(ValueError, match="up to 3 hidden layers"):
        BoardTrainer(deep, divisor=4, lanes=2, input_bits=1)
    with pytest.raises(ValueError, match="options of the folded trainer"):
        BoardTrainer(deep, divisor=4, single_port_dataset=True)
    wide = MGDConfig(dataset="digits", layers=(64, 48, 10), steps=1, seeds=1)  # 3,610 parameters, 130 × 32 positions
    with pytest.raises(ValueError, match="do not fit the register map"):
        BoardTrainer(wide, divisor=4, lanes=17, input_bits=5)


@pytest.mark.parametrize(
    "board,dataset", [("icebreaker", "nist7x7"), ("ulx3s-85f", "nist7x7"), ("ulx3s-85f", "digits")]
)
def test_folded_build_configs_run_in_the_compact_formats(board, dataset):
    """The boards' compact formats hold each build's registers (η, Δθ, τ's: check_hardware) and its inputs at their
    input bits (digits: pixels v/16 are act values, 5 bits v ≤ 16; 4 bits are too few)."""
    from mgd.golden_model.formats import COMPACT_FORMATS
    from mgd.rtl.sample_memory import SampleMemory
    from mgd.validate import check_hardware

    config, options = folded_build(board, dataset, 4)
    model = check_hardware(config, COMPACT_FORMATS)
    SampleMemory.check_inputs(model.x, COMPACT_FORMATS.act, options["input_bits"])
    if dataset == "digits":
        assert options["input_bits"] == 5 and model.x.max() == COMPACT_FORMATS.act.quantize(1.0)
        with pytest.raises(ValueError, match="input_bits=4"):
            SampleMemory.check_inputs(model.x, COMPACT_FORMATS.act, 4)


def test_the_icebreaker_dataset_memory_maps_to_the_up5ks_four_sprams(tmp_path):
    """Yosys alone (a few seconds) on the iCEBreaker build's dataset memory — 16,384 words of 49 1-bit inputs and 4
    binary targets, single-port, no contents — with the script lines the build adds (:func:`folded_overrides`) and
    ``synth_ice40 -spram``: exactly the UP5K's 4 SB_SPRAM256KA and no block RAM."""
    import numpy as np
    from amaranth.back import rtlil

    from mgd.golden_model.formats import COMPACT_FORMATS
    from mgd.rtl.sample_memory import SampleMemory
    from mgd.toolchain.tools import find_yosys, run_tool

    config, options = folded_build("icebreaker", "nist7x7", 4)
    overrides = folded_overrides("ice40", options)
    x, y = np.zeros((16_384, 49), dtype=np.int64), np.zeros((16_384, 4), dtype=np.int64)
    mem = SampleMemory(
        x, y, COMPACT_FORMATS.act, input_bits=1, writable=True, init=False, single_port=True, block_ram=True
    )
    assert mem.width == 53
    (tmp_path / "dataset.il").write_text(rtlil.convert(mem, name=DATASET_MODULE))
    script = [
        "read_rtlil dataset.il",
        overrides["script_after_read"],
        f"synth_ice40 {overrides['synth_opts']} -top {DATASET_MODULE}",
        "tee -q -o stat.txt stat",
    ]
    (tmp_path / "spram.ys").write_text("\n".join(script) + "\n")
    run_tool([*find_yosys(), "-q", "-l", "yosys.log", "-s", "spram.ys"], tmp_path, "yosys.log", "SPRAM mapping")
    stat = (tmp_path / "stat.txt").read_text()
    assert re.search(r"\b4\s+SB_SPRAM256KA\b", stat), stat
    assert "SB_RAM40_4K" not in stat
