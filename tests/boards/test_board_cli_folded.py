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
