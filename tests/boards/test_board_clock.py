# amaranth: UnusedElaboratable=no
"""Board clocks from the PLL (BoardTop(clock_mhz=…), `mgd build --clock-mhz`): the build plan holds the PLL with
the searched parameters, the UART divisor and nextpnr's target follow the achieved frequency; bad requests are
refused before any work. The real bitstream builds are marked slow (minutes each)."""

import re

import pytest
from amaranth.hdl import Fragment

from mgd.boards.build import build_board
from mgd.boards.platform_top import BoardTop, platform_for
from mgd.cli import main


def _cell(rtlil: str, cell_type: str) -> str:
    """The text of the one cell of ``cell_type`` in an RTLIL file, with the attributes written before it."""
    match = re.search(rf"((?:  attribute [^\n]*\n)*)  cell \\{cell_type} [^\n]*\n(.*?)\n  end\n", rtlil, re.S)
    assert match, f"no {cell_type} cell"
    assert rtlil.count(f"cell \\{cell_type} ") == 1
    return match.group(1) + match.group(2)


# (board, requested MHz, PLL cell, its parameters, achieved MHz); the parameters are worked out by hand in
# tests/boards/test_pll.py (48 and 100 MHz) or follow from f_out = 12·(DIVF+1)/2^DIVQ (49.5 = 12·66/16)
PLANS = [
    (
        "icebreaker",
        48,
        "SB_PLL40_PAD",
        {"DIVR": "0", "DIVF": "63", "DIVQ": "4", "FILTER_RANGE": "1", "FEEDBACK_PATH": '"SIMPLE"'},
        48,
    ),
    ("icebreaker", 50, "SB_PLL40_PAD", {"DIVR": "0", "DIVF": "65", "DIVQ": "4", "FILTER_RANGE": "1"}, 49.5),
    (
        "ulx3s-85f",
        100,
        "EHXPLLL",
        {"CLKI_DIV": "1", "CLKFB_DIV": "4", "CLKOP_DIV": "6", "CLKOP_CPHASE": "2", "FEEDBK_PATH": '"CLKOP"'},
        100,
    ),
]


@pytest.mark.parametrize("board,requested,cell_type,params,achieved", PLANS)
def test_plan_holds_the_pll_and_follows_the_achieved_clock(board, requested, cell_type, params, achieved, tmp_path):
    report = build_board(board, tmp_path, do_build=False, clock_mhz=requested)
    assert report["clock_mhz"] == achieved and report["clock_requested_mhz"] == requested
    assert report["divisor"] == round(achieved * 1e6 / 115200)  # 417, 430, 868
    assert report["pll"]["primitive"] == cell_type and report["pll"]["achieved_mhz"] == achieved
    assert f"PLL {achieved:g} MHz" in report["fpga"]
    rtlil = (tmp_path / "mgd_trainer.il").read_text()
    cell = _cell(rtlil, cell_type)
    for name, value in params.items():
        assert re.search(rf"parameter \\{name} {re.escape(value)}\n", cell + "\n"), (name, cell)
    if board == "icebreaker":
        # the PLL takes the 12 MHz pad itself (pin 35, next to the UP5K's PLL) and drives a global net
        assert re.search(r"connect \\PACKAGEPIN \\clk12_0__io", cell)
        assert "connect \\PLLOUTGLOBAL" in cell and "connect \\LOCK" in cell
        assert "SB_GB" not in _cell_types(rtlil)
        assert len(re.findall(r"connect \\\w+ \\clk12_0__io", rtlil)) == 1  # no SB_IO on the pad
    else:
        assert "connect \\CLKI" in cell and "connect \\LOCK" in cell
        clkop = re.search(r"connect \\CLKOP (\S+)", cell).group(1)
        assert re.search(rf"connect \\CLKFB {re.escape(clkop)}", cell)  # CLKOP is the feedback
        assert 'attribute \\FREQUENCY_PIN_CLKOP "100"' in cell and 'attribute \\FREQUENCY_PIN_CLKI "25"' in cell
    # the power-on reset: held until lock (and, on iCE40, 1,024 cycles more)
    assert "lock_sync" in rtlil
    script = (tmp_path / "build_mgd_trainer.sh").read_text()
    assert f"--freq {achieved:g} " in script and "--timing-allow-fail" not in script


def _cell_types(rtlil: str) -> set:
    return set(re.findall(r"^\s*cell \\(\S+) ", rtlil, re.M))


def test_default_clock_is_unchanged(tmp_path):
    """Without clock_mhz: the iCEBreaker's 12 MHz ÷ 4 through an SB_GB, no PLL (as before)."""
    report = build_board("icebreaker", tmp_path, do_build=False)
    assert report["pll"] is None and report["clock_mhz"] == 3 and report["divisor"] == 26
    rtlil = (tmp_path / "mgd_trainer.il").read_text()
    assert "SB_GB" in rtlil and "SB_PLL40" not in rtlil
    assert "--freq 3 " in (tmp_path / "build_mgd_trainer.sh").read_text()


def test_timing_allow_fail_reaches_nextpnr(tmp_path):
    build_board("ulx3s-85f", tmp_path, do_build=False, clock_mhz=100, timing_allow_fail=True)
    assert "--freq 100 --timing-allow-fail" in (tmp_path / "build_mgd_trainer.sh").read_text()


def test_trainer_options_reach_the_board_trainer(tmp_path):
    with pytest.raises(ValueError, match="BoardTrainer has no option no_such_option \\(it takes mode, hw_seed"):
        BoardTop(trainer_options={"no_such_option": 1})
    top = BoardTop(trainer_options={"hw_seed": 7})
    Fragment.get(top, platform_for("ulx3s-85f"))
    assert top.core.registers.seed == 7


def test_bad_clock_requests_are_refused(tmp_path, capsys):
    with pytest.raises(ValueError, match="exclude each other"):
        BoardTop(clock_mhz=48, clock_divider=4)
    for bad in (0, -1, float("nan"), float("inf"), "48", True):
        with pytest.raises(ValueError, match="clock_mhz must be"):
            BoardTop(clock_mhz=bad)
    with pytest.raises(ValueError, match="trainer_options must be a dict"):
        BoardTop(trainer_options=[("hw_seed", 1)])
    with pytest.raises(ValueError, match="no setting reaches a frequency at or below 16 MHz"):
        build_board("icebreaker", tmp_path / "never", do_build=False, clock_mhz=16)
    assert not (tmp_path / "never").exists()  # refused before anything was written
    assert main(["build", "--board", "ulx3s-85f", "--plan-only", "--clock-mhz", "500"]) == 2
    err = capsys.readouterr().err
    assert "--clock-mhz: ECP5 PLL: the requested output frequency must be in [10, 400] MHz, got 500" in err
    with pytest.raises(SystemExit):
        main(["build", "--board", "icebreaker", "--clock-mhz", "fast"])


def test_cli_plan_only_with_the_pll(tmp_path, capsys):
    argv = ["build", "--board", "icebreaker", "--plan-only", "--clock-mhz", "50", "--build-dir", str(tmp_path)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "clock: SB_PLL40_PAD 12 MHz → 49.5 MHz (requested 50 MHz; VCO 792 MHz)" in out
    assert "UART divisor 430 at 49.5 MHz" in out


@pytest.mark.slow
@pytest.mark.parametrize("board,requested", [("icebreaker", 48), ("ulx3s-85f", 100)])
def test_pll_bitstream_places_and_routes(board, requested, tmp_path):
    """A real build with the PLL clock (minutes): a bitstream, and nextpnr's Fmax for the PLL's clock reported
    against the achieved frequency. Timing may miss it with the present trainer (hence --timing-allow-fail)."""
    report = build_board(board, tmp_path, clock_mhz=requested, timing_allow_fail=True)
    assert report["bytes"] > 0
    targets = {v["target_mhz"] for v in report["fmax"].values()}
    assert requested in targets, report["fmax"]
