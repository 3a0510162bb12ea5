"""`mgd board --simulate --lanes L`: the folded trainer's XOR board top from the command line — a run reported
bit-exact to the fixed-point golden model (θ read back by position), and a dataset loaded with ``load``."""

import json

import numpy as np
import pytest

from mgd.boards.platform_top import xor_config
from mgd.cli import main
from mgd.golden_model.fixed_mgd import FixedMGD
from mgd.golden_model.formats import COMPACT_FORMATS


def test_board_train_in_simulation_with_lanes_reports_the_golden_run(tmp_path, capsys):
    out = tmp_path / "run.json"
    assert main(["board", "train", "--simulate", "--lanes", "2", "--steps", "120", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "folded trainer, 2 lanes" in text and "9 synapses" in text and "accuracy counters" in text
    result = json.loads(out.read_text())
    assert result["info"]["lanes"] == 2 and result["info"]["theta_range"] == 12
    model = FixedMGD(xor_config(120), COMPACT_FORMATS, hw_seed=0)  # the simulated board's seed register at power-on
    for _ in range(120):
        model.step()
    assert result["theta"] == model.theta[0].tolist()
    st = result["status"]
    assert (st["step"], st["correct"], st["seen"]) == (120, int(model.correct[0]), model.seen)


def test_board_load_writes_a_datasets_training_split(tmp_path, capsys):
    out = tmp_path / "load.json"
    assert main(["board", "load", "--simulate", "--lanes", "2", "--dataset", "xor", "--json", str(out)]) == 0
    assert "loaded 4 samples of xor" in capsys.readouterr().out
    assert json.loads(out.read_text())["loaded"] == {"dataset": "xor", "samples": 4}


@pytest.mark.parametrize(
    "argv,needle",
    [
        ("board load --simulate", "load needs --dataset NAME"),
        ("board train --simulate --dataset xor", "--dataset is an option of load"),
        ("board train --port /dev/null --lanes 2", "--lanes selects the simulated top"),
        ("board train --simulate --lanes 2 --pipelined", "--lanes and --pipelined are two trainers"),
        ("board load --simulate --lanes 2 --dataset parity3", "--dataset parity3: 8 samples of 3 inputs"),
    ],
)
def test_board_refuses_bad_folded_options(argv, needle, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv.split())
    assert exc.value.code == 2 and needle in capsys.readouterr().err


def test_dataset_arrays_are_the_models():
    from mgd.boards.host_driver import BoardInfo
    from mgd.commands.board import _dataset_arrays

    info = BoardInfo(9, 4, 2, 1, 16, 12, 10, 7, lanes=2, hidden=(2,), param_order="authors", theta_range=12)
    x, y = _dataset_arrays("xor", info)
    model = FixedMGD(xor_config(1), COMPACT_FORMATS)
    assert np.array_equal(x, model.x) and np.array_equal(y, model.y)


def test_board_train_in_simulation_of_the_ulx3s_nist7x7_top_reports_the_golden_run(tmp_path, capsys):
    """The folded NIST7x7 49-4-4 top of ``mgd build --board ulx3s-85f --lanes 4 --dataset nist7x7`` (the whole
    training set in its dataset memory), driven over the simulated UART: θ read back by position equals FixedMGD's
    after the same steps, computed here from the build's config alone."""
    from mgd.boards.platform_top import folded_build

    out = tmp_path / "run.json"
    argv = "board train --simulate --lanes 4 --network nist7x7 --board ulx3s-85f --steps 6 --json".split()
    assert main([*argv, str(out)]) == 0
    text = capsys.readouterr().out
    assert "folded trainer, 4 lanes" in text and "220 synapses, 44136 samples" in text
    config, _ = folded_build("ulx3s-85f", "nist7x7", 4, steps=6)
    model = FixedMGD(config, COMPACT_FORMATS, hw_seed=0)
    for _ in range(6):
        model.step()
    result = json.loads(out.read_text())
    assert result["theta"] == model.theta[0].tolist()
    assert (result["status"]["step"], result["status"]["seen"]) == (6, model.seen)


@pytest.mark.parametrize(
    "argv,needle",
    [
        ("--lanes 4 --network nist7x7", "samples; θ s3.12"),  # the iCEBreaker's top: nist7x7-16384, empty SPRAM
        ("--lanes 8 --network digits --formats default", "64 inputs, 10 outputs, 1210 synapses, 1347 samples; θ s5.14"),
    ],
)
def test_board_info_in_simulation_of_the_other_folded_tops(argv, needle, capsys):
    assert main(["board", "info", "--simulate", *argv.split()]) == 0
    text = capsys.readouterr().out
    assert needle in text
    if "nist7x7" in argv:
        assert "49 inputs, 4 outputs, 220 synapses, 16384 samples" in text


@pytest.mark.parametrize(
    "argv,needle",
    [
        ("board info --port /dev/null --network nist7x7", "select the simulated top (with --simulate)"),
        ("board info --simulate --network nist7x7", "they need --lanes L"),
        ("board info --simulate --lanes 4 --network digits --board icebreaker", "digits does not fit the icebreaker"),
    ],
)
def test_board_refuses_a_simulated_top_it_cannot_build(argv, needle, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv.split())
    assert exc.value.code == 2 and needle in capsys.readouterr().err
