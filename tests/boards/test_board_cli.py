"""`mgd board`: the host side of the link from the command line, here against the simulated XOR board design;
the run it reports is compared with the fixed-point golden model."""

import json

import pytest

from mgd.boards.platform_top import xor_config
from mgd.cli import main
from mgd.golden_model.fixed_mgd import FixedMGD
from mgd.golden_model.formats import COMPACT_FORMATS


def test_board_train_in_simulation_reports_the_golden_run(tmp_path, capsys):
    out = tmp_path / "run.json"
    assert main(["board", "train", "--simulate", "--steps", "120", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "9 synapses" in text and "accuracy counters" in text
    result = json.loads(out.read_text())
    model = FixedMGD(xor_config(120), COMPACT_FORMATS, hw_seed=0)  # the simulated board's seed register at power-on
    for _ in range(120):
        model.step()
    assert result["theta"] == model.theta[0].tolist()
    st = result["status"]
    assert (st["step"], st["correct"], st["seen"]) == (120, int(model.correct[0]), model.seen)


def test_board_needs_a_port_or_simulate_and_positive_steps():
    with pytest.raises(SystemExit):
        main(["board", "info"])
    with pytest.raises(SystemExit):
        main(["board", "train", "--simulate", "--steps", "0"])
