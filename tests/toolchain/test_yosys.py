"""The one Yosys driver: scripts, the result type and its counting rules, caching, errors; one real run of a tiny
Verilog module (a few seconds); a memory with and without the collision-x attribute."""

import sys

import pytest
from amaranth.hdl import Module
from amaranth.lib import wiring
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

from mgd.toolchain import (
    COLLISION_X_ATTR,
    SynthesisError,
    SynthResult,
    count_cells,
    flow_name,
    synth_command,
    synth_script,
    synthesize,
)

TINY = """module tiny(input clk, input [7:0] a, input [7:0] b, output reg [8:0] s);
  always @(posedge clk) s <= a + b;
endmodule
"""


def test_scripts_and_flow_names():
    assert [synth_command("ice40", d) for d in (None, False, True)] == [
        "synth_ice40",
        "synth_ice40",
        "synth_ice40 -dsp",
    ]
    assert [synth_command("ecp5", d) for d in (None, True, False)] == ["synth_ecp5", "synth_ecp5", "synth_ecp5 -nodsp"]
    assert [flow_name("ice40", True), flow_name("ice40", None), flow_name("ecp5", None), flow_name("ecp5", False)] == [
        "ice40-dsp",
        "ice40",
        "ecp5",
        "ecp5-nodsp",
    ]
    # the exact scripts of mgd area, mgd synth and post-synthesis simulation (their cache keys hash them)
    collision_x = "proc\nmemory_collect\nsetparam -set RD_COLLISION_X_MASK 1'1 t:$mem_v2 a:mgd_collision_x %i\n"
    assert synth_script("ice40", "t") == (
        "read_rtlil t.il\n" + collision_x + "synth_ice40 -top t\ntee -q -o stat.json stat -json\n"
    )
    assert synth_script("ice40", "t", dsp=True, json_netlist=True) == (
        "read_rtlil t.il\n" + collision_x + "synth_ice40 -dsp -top t -json t.json\ntee -q -o stat.json stat -json\n"
    )
    assert synth_script("ecp5", "p", language="verilog", verilog_netlist=True) == (
        "read_verilog p.v\n"
        + collision_x
        + "synth_ecp5 -top p\ntee -q -o stat.json stat -json\nwrite_verilog -noattr netlist.v\n"
    )
    with pytest.raises(ValueError, match="FPGA family must be one of ice40, ecp5"):
        synth_command("gowin")


def test_result_counts_cells_by_the_family_rules():
    r = SynthResult(
        "ecp5",
        "t",
        {"LUT4": 10, "CCU2C": 3, "TRELLIS_FF": 7, "MULT18X18D": 1, "PFUMX": 2, "DP16KD": 2, "$scopeinfo": 4},
        warnings=["Warning: Driver-driver conflict for \\y [32]", "Warning: something else"],
    )
    assert (r.lut, r.ff, r.carry, r.dsp, r.bram, r.lut_sites) == (10, 7, 3, 1, 2, 16)
    assert r.other == {"DP16KD": 2, "PFUMX": 2} and "$scopeinfo" not in r.cells and r.flow == "ecp5"
    assert r.counts() == {**count_cells(r.cells, "ecp5")}
    assert r.suspicious == ["Warning: Driver-driver conflict for \\y [32]"]
    ice = SynthResult("ice40", "t", {"SB_LUT4": 5, "SB_CARRY": 4, "SB_DFFESR": 2, "SB_DFF": 1, "SB_MAC16": 1})
    assert (ice.lut, ice.ff, ice.carry, ice.dsp, ice.bram, ice.lut_sites, ice.other) == (5, 3, 4, 1, 0, 5, {})
    with pytest.raises(ValueError, match="FPGA family"):
        SynthResult("xilinx", "t", {})


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(family="ice4o", top="t"), "FPGA family must be one of"),
        (dict(family="ice40", top="a-b"), "plain identifier"),
        (dict(family="ice40", top="t", language="vhdl"), "language must be rtlil or verilog"),
    ],
)
def test_bad_arguments_are_refused_before_any_work(kwargs, message, tmp_path):
    with pytest.raises(ValueError, match=message):
        synthesize(object(), workdir=tmp_path, **kwargs)
    assert list(tmp_path.iterdir()) == []


def test_a_failed_run_is_a_synthesis_error(tmp_path):
    fake = [sys.executable, "-c", "import sys; print('no such pass'); sys.exit(1)"]
    with pytest.raises(SynthesisError, match=r"(?s)synth_ecp5 -nodsp of 'tiny' failed \(exit code 1\).*no such pass"):
        synthesize(TINY, "ecp5", top="tiny", dsp=False, language="verilog", workdir=tmp_path, yosys=fake)
    silent = [sys.executable, "-c", "pass"]  # exits 0 but writes nothing
    with pytest.raises(SynthesisError, match="wrote no stat.json, yosys.log"):
        synthesize(TINY, "ecp5", top="tiny", language="verilog", workdir=tmp_path, yosys=silent)


def test_tiny_module_synthesized_and_cached(tmp_path):
    """A registered 8-bit adder: 9 flip-flops and a carry chain on iCE40; the second run with the same cache takes
    the files from it (same key, no Yosys run), a temporary work directory leaves no paths behind."""
    cache = tmp_path / "cache"
    r = synthesize(
        TINY, "ice40", top="tiny", language="verilog", workdir=tmp_path / "a", verilog_netlist=True, cache_dir=cache
    )
    assert r.ff >= 9 and r.carry >= 7 and r.dsp == 0 and not r.cached and r.seconds > 0
    assert r.yosys.startswith("Yosys ") and "SB_CARRY" in r.netlist.read_text()
    assert (r.workdir, r.log) == (tmp_path / "a", tmp_path / "a" / "yosys.log") and r.json_netlist is None
    assert (cache / f"ice40-{r.key}" / "netlist.v").is_file()
    again = synthesize(TINY, "ice40", top="tiny", language="verilog", verilog_netlist=True, cache_dir=cache)
    assert again.cached and again.seconds == 0 and again.key == r.key and again.cells == r.cells
    assert again.workdir is None and again.netlist is None


class _ReadWhileWriting(wiring.Component):
    """A 64 × 24-bit memory written and read at independent addresses in one clock domain."""

    def __init__(self, attrs):
        self.attrs = attrs
        super().__init__({"waddr": In(6), "wdata": In(24), "we": In(1), "raddr": In(6), "rdata": Out(24)})

    def elaborate(self, platform):
        m = Module()
        m.submodules.memory = memory = Memory(shape=24, depth=64, init=[], attrs=self.attrs)
        write, read = memory.write_port(), memory.read_port()
        m.d.comb += [write.addr.eq(self.waddr), write.data.eq(self.wdata), write.en.eq(self.we)]
        m.d.comb += [read.addr.eq(self.raddr), self.rdata.eq(read.data)]
        return m


@pytest.mark.parametrize("family", ["ice40", "ecp5"])
def test_a_collision_x_memory_needs_no_read_before_write_emulation(family, tmp_path):
    """Without COLLISION_X_ATTR Yosys keeps Amaranth's read-before-write order across the two ports with a delayed
    write and a bypass multiplexer (flip-flops and LUTs per data bit); with it the block RAM alone."""
    plain = synthesize(_ReadWhileWriting({"ram_style": "block"}), family, top="plain", workdir=tmp_path / "plain")
    marked = synthesize(
        _ReadWhileWriting({"ram_style": "block", COLLISION_X_ATTR: 1}), family, top="marked", workdir=tmp_path / "m"
    )
    assert plain.bram == marked.bram >= 1
    assert marked.counts()["ff"] == 0 and plain.counts()["ff"] >= 24
    assert marked.counts()["lut"] < plain.counts()["lut"]


def test_the_folded_trainers_memories_use_the_toolchains_attribute():
    """rtl and toolchain are sibling layers: the attribute's name is written in each, and must agree."""
    from mgd.rtl.folded_trainer import BLOCK_RAM_COLLISION_X

    assert BLOCK_RAM_COLLISION_X[COLLISION_X_ATTR] == 1
