"""The Icarus runner and the Verilator environment and build cache (no model is built here: the Verilator backend's
tests build one)."""

import pytest

from mgd.toolchain import SimulationError, VerilatorError, have_icarus, icarus, verilator


@pytest.mark.skipif(not have_icarus(), reason="Icarus Verilog (iverilog, vvp) is not installed")
def test_icarus_runs_a_module_and_reports_a_broken_one(tmp_path):
    (tmp_path / "ok.v").write_text('module tb; initial begin $display("HELLO %0d", 6 * 7); $finish; end endmodule\n')
    assert icarus.iverilog(["ok.v"], output="ok.vvp", top="tb", cwd=tmp_path) >= 0
    out, seconds = icarus.vvp("ok.vvp", cwd=tmp_path)
    assert "HELLO 42" in out and seconds >= 0
    (tmp_path / "bad.v").write_text("module tb; initial y = ; endmodule\n")
    with pytest.raises(SimulationError, match=r"(?s)iverilog of bad\.v failed \(exit code \d+\):.*bad\.v:1"):
        icarus.iverilog(["bad.v"], output="bad.vvp", top="tb", cwd=tmp_path, what="iverilog of bad.v")


def test_missing_icarus_is_a_simulation_error(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert not have_icarus()
    with pytest.raises(SimulationError, match="iverilog not found: install Icarus Verilog"):
        icarus.iverilog(["x.v"], output="x.vvp", top="tb", cwd=tmp_path)


def test_missing_verilator_is_a_verilator_error(monkeypatch, tmp_path):
    monkeypatch.setattr(verilator, "verilator_root", lambda: None)
    assert not verilator.have_verilator()
    with pytest.raises(VerilatorError, match="'verilator' package is not installed"):
        verilator.compile_model(
            [("t.v", "module t; endmodule\n")], binary="Vt", flags=(), make_flags="", cache=tmp_path
        )
    with pytest.raises(RuntimeError, match="'verilator' package is not installed"):
        verilator.use_verilator()
    assert list(tmp_path.iterdir()) == []


def test_cache_dir_and_trim(monkeypatch, tmp_path):
    monkeypatch.setenv("MGD_VERILATOR_CACHE", str(tmp_path / "c"))
    assert verilator.cache_dir() == tmp_path / "c"
    monkeypatch.delenv("MGD_VERILATOR_CACHE")
    monkeypatch.chdir(tmp_path)
    assert verilator.cache_dir() == tmp_path / "out" / "verilator-cache"
    for name in ("Vtop", "Vtop.mk", "a.o", "b.cpp", "c.h", "d.gch"):
        (tmp_path / name).write_text("")
    verilator.trim(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["Vtop", "Vtop.mk"]
    assert 1 <= verilator.build_jobs() <= 8
