"""The trainer's interfaces: built from Registers and the formats, equal by parameters, and exactly the ports that
the trainer's Verilog has."""

import re

import pytest
from amaranth.back import verilog
from amaranth.hdl import Fragment, Shape, signed, unsigned
from amaranth.lib import wiring

from mgd.golden_model.config import MGDConfig
from mgd.golden_model.formats import COMPACT_FORMATS, DEFAULT_FORMATS
from mgd.golden_model.schedule import PHASES, Registers
from mgd.rtl.trainer_build import build
from mgd.rtl.trainer_interfaces import (
    HostSignature,
    Phase,
    ReadoutSignature,
    RegistersSignature,
    StatusSignature,
    port_name,
    trainer_members,
)


def test_phase_values_are_the_schedules():
    assert {p.name.lower(): p.value for p in Phase} == PHASES
    assert Shape.cast(Phase) == unsigned(3)


@pytest.mark.parametrize("fmts", [DEFAULT_FORMATS, COMPACT_FORMATS])
def test_registers_signature_is_registers_with_the_formats_eta(fmts):
    sig = RegistersSignature(fmts)
    assert tuple(sig.members) == Registers.NAMES
    for name, member in sig.members.items():
        assert member.flow == wiring.Out  # the host drives them
        low, high = Registers.range(name, fmts.eta.width)
        shape = Shape.cast(member.shape)
        assert not shape.signed and (1 << shape.width) - 1 == high  # the port holds exactly the register's range
    assert Shape.cast(sig.members["eta"].shape).width == fmts.eta.width


def test_signatures_compare_by_their_parameters():
    assert RegistersSignature(DEFAULT_FORMATS) == RegistersSignature(DEFAULT_FORMATS)
    assert RegistersSignature(DEFAULT_FORMATS) != RegistersSignature(COMPACT_FORMATS)
    assert StatusSignature(DEFAULT_FORMATS, "raw") != StatusSignature(DEFAULT_FORMATS, "prescaled")
    assert ReadoutSignature(9, DEFAULT_FORMATS) == ReadoutSignature(9, DEFAULT_FORMATS)
    assert ReadoutSignature(9, DEFAULT_FORMATS) != ReadoutSignature(10, DEFAULT_FORMATS)
    assert len({RegistersSignature(DEFAULT_FORMATS), RegistersSignature(DEFAULT_FORMATS)}) == 1
    assert "RegistersSignature" in repr(RegistersSignature(DEFAULT_FORMATS))


@pytest.mark.parametrize("mode", ["prescaled", "raw"])
def test_status_shapes_come_from_the_formats(mode):
    f = DEFAULT_FORMATS
    members = StatusSignature(f, mode).members
    assert list(members) == ["phase", "step", "done", "cost", "c0", "c_tilde", "broadcast"]
    assert members["phase"].shape is Phase
    assert Shape.cast(members["cost"].shape) == unsigned(f.cost.width)
    assert Shape.cast(members["c_tilde"].shape) == signed(f.c_tilde.width)
    width = f.theta.width if mode == "prescaled" else f.c_tilde.width
    assert Shape.cast(members["broadcast"].shape) == signed(width)
    assert all(m.flow == wiring.Out for m in members.values())


def test_readout_and_host_directions():
    readout = ReadoutSignature(9, DEFAULT_FORMATS).members
    assert readout["addr"].flow == wiring.Out and readout["theta"].flow == wiring.In
    assert Shape.cast(readout["addr"].shape).width == 4  # range(9)
    build_ = build(MGDConfig(dataset="xor", eta=0.5, dtheta=2**-4, steps=2, seeds=1), host_port=True)
    Fragment.get(build_.trainer, None)  # elaborated: the ports exist
    host = build_.trainer.signature.members["host"]
    assert host.flow == wiring.In and isinstance(host.signature.flip(), HostSignature)
    flows = {n: m.flow for n, m in host.signature.members.items()}  # as the trainer sees them
    assert flows.pop("correct") == flows.pop("seen") == wiring.Out
    assert set(flows.values()) == {wiring.In}


def test_port_name_joins_the_path():
    assert port_name("regs", "tau_x") == "regs__tau_x"
    assert port_name("start") == "start"


@pytest.mark.parametrize("host_port", [False, True])
def test_the_trainers_verilog_ports_are_its_flattened_signature(host_port):
    b = build(MGDConfig(dataset="xor", eta=0.5, dtheta=2**-4, steps=2, seeds=1), host_port=host_port)
    text = verilog.convert(b.trainer, name="mgd_trainer", emit_src=False)
    top = text[text.index("module mgd_trainer(") :]
    top = top[: top.index("endmodule")]
    ports = {name: d for d, name in re.findall(r"^\s*(input|output)\s+(?:\[\d+:0\]\s+)?(\w+)\s*;", top, re.M)}
    expected = {
        port_name(*path): "input" if m.flow == wiring.In else "output"
        for path, m in b.trainer.signature.members.flatten()
        if m.is_port
    }
    assert ports == expected | {"clk": "input", "rst": "input"}
    assert set(trainer_members(b.trainer.fmts, b.trainer.mode, b.model.mlp.n_params)) <= set(
        b.trainer.signature.members
    )
