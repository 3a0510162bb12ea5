"""nextpnr's argument checks and log parsing (the layering rule is tests/test_layers.py's)."""

from pathlib import Path

import pytest

from mgd.toolchain import check_device, parse_log, run_nextpnr

ROOT = Path(__file__).resolve().parents[2]


def test_devices_and_packages():
    assert check_device("ice40", "up5k", None) == ("--up5k", "sg48")
    assert check_device("ecp5", "85k", None) == ("--85k", "CABGA381")
    assert check_device("ice40", "hx8k", "tq144") == ("--hx8k", "tq144")
    with pytest.raises(ValueError, match="ice40 device must be one of"):
        check_device("ice40", "85k", None)
    with pytest.raises(ValueError, match="package must be a name"):
        check_device("ice40", "up5k", "sg-48")


@pytest.mark.parametrize(
    "kwargs, message",
    [(dict(freq_mhz=float("nan")), "freq_mhz must be a positive number"), (dict(seed=True), "seed must be")],
)
def test_run_nextpnr_refuses_bad_numbers_before_any_work(kwargs, message, tmp_path):
    with pytest.raises(ValueError, match=message):
        run_nextpnr(tmp_path / "t.json", "ice40", device="up5k", **kwargs)
    assert list(tmp_path.iterdir()) == []


def test_parse_log_takes_the_last_fmax_and_skips_pseudo_clocks():
    log = """Info: Max frequency for clock 'clk': 50.00 MHz (PASS at 12.00 MHz)
Info: Device utilisation:
Info: \t         ICESTORM_LC:    100/   5280     1%
Info: Max frequency for clock '$PACKER_GND_NET': 35.05 MHz (PASS at 12.00 MHz)
Info: Max frequency for clock 'clk': 40.50 MHz (FAIL at 48.00 MHz)
"""
    assert parse_log(log) == {
        "fmax": {"clk": {"fmax_mhz": 40.5, "target_mhz": 48.0}},
        "utilisation": {"ICESTORM_LC": [100, 5280]},
    }
