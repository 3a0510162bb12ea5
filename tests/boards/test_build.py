"""Board builds: the cheap part (elaboration and build plan, no tools) for both boards, the nextpnr log parser, and
the CLI's refusals. Real bitstreams: `mgd build --board …` (minutes; results in docs/fpga.md)."""

import pytest

from mgd.boards.build import build_board
from mgd.boards.platform_top import BOARDS, platform_for
from mgd.cli import main
from mgd.toolchain import parse_log


@pytest.mark.parametrize("board,clock_mhz,constraints", [("icebreaker", 3, ".pcf"), ("ulx3s-85f", 25, ".lpf")])
def test_build_plan_of_each_board(board, clock_mhz, constraints, tmp_path):
    report = build_board(board, tmp_path / board, do_build=False)
    assert report["clock_mhz"] == clock_mhz
    assert report["divisor"] == round(clock_mhz * 1e6 / 115200)
    files = report["plan"]
    assert "mgd_trainer.il" in files and any(f.endswith(constraints) for f in files)
    rtlil = (tmp_path / board / "mgd_trainer.il").read_text()
    assert "uart_rx" in rtlil and "synapse8" in rtlil  # host link and all 9 synapses
    script = (tmp_path / board / "mgd_trainer.ys").read_text()
    if board == "icebreaker":
        assert "synth_ice40 -dsp" in script  # 8 SB_MAC16 (docs/postsynth.md)
        assert "SB_GB" in rtlil  # the 12 MHz ÷ 4 clock on a global buffer


def test_nextpnr_log_parser_reads_fmax_and_utilisation():
    log = """Info: Device utilisation:
Info: \t         ICESTORM_LC:    5000/   5280    94%
Info: \t        ICESTORM_DSP:       8/      8   100%
Info: Max frequency for clock 'clk12_0__io': 20.31 MHz (PASS at 12.00 MHz)
Info: Max frequency for clock '$PACKER_GND_NET_$glb_clk': 35.05 MHz (PASS at 12.00 MHz)

Info: Max frequency for clock 'clk12_0__io': 19.87 MHz (PASS at 12.00 MHz)
"""
    report = parse_log(log)
    assert report["utilisation"] == {"ICESTORM_LC": [5000, 5280], "ICESTORM_DSP": [8, 8]}
    assert report["fmax"] == {"clk12_0__io": {"fmax_mhz": 19.87, "target_mhz": 12.0}}  # the last (post-route)


def test_unknown_boards_are_refused():
    with pytest.raises(ValueError, match="board must be one of"):
        platform_for("de10-nano")
    assert set(BOARDS) == {"icebreaker", "ulx3s-85f"}
    with pytest.raises(SystemExit):
        main(["build", "--board", "de10-nano"])


def test_cli_plan_only(tmp_path, capsys):
    assert main(["build", "--board", "ulx3s-85f", "--plan-only", "--build-dir", str(tmp_path / "u")]) == 0
    assert "UART divisor 217 at 25 MHz" in capsys.readouterr().out
