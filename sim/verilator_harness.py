"""The Verilator harness of the trainer: a wrapper module and a C++ main, both generated from the trainer's signature.

The wrapper (:func:`wrapper`, module ``mgd_harness``) holds the runtime registers in a register file written once
before the run, and ties ``rst`` low (the Amaranth simulation never resets either). Keeping the registers out of the
top-level inputs matters for speed: Verilator re-evaluates all logic that depends on a top-level input at every
``eval()``, and Δθ and η feed the whole feedforward array.

The C++ main (:func:`harness`, from the template ``harness/trainer_harness.cpp`` of this package) takes the
registers on its command line (:data:`HARNESS_ARGUMENTS`, in that order), writes them (one set-up cycle, not
counted; the trainer idles), pulses ``start`` and lets the clock run. At every ``sample_every``-th step (seen on the
``step`` output, in the ``begin`` phase, and at ``done``) it reads all P θ through the readout (combinational: set
the address, ``eval()``, read) and prints one line::

    S <step> <cycle> <θ_0> … <θ_P-1>       θ stored integers (signed), cycle counted from the start pulse
    P <step> <cycle>                        progress, about four times a second
    D <cycles> <wall s> <CPU s>             ``done`` seen; cycles as :func:`mgd.sim.trainer_sim.simulate` counts them
    E no done within <limit> cycles         the cycle limit was reached (exit status 3)

Both come from :func:`~mgd.rtl.trainer_interfaces.trainer_members`: a register added to
:class:`~mgd.golden_model.schedule.Registers` appears in both without an edit here.
"""

from __future__ import annotations

from importlib import resources
from string import Template

from amaranth.hdl import Shape
from amaranth.lib import wiring

from mgd.golden_model.formats import FixedFormats
from mgd.golden_model.schedule import Registers
from mgd.rtl.trainer_interfaces import Phase, port_name, port_shapes, trainer_members

__all__ = ["TOP", "WRAPPER", "HARNESS_ARGUMENTS", "wrapper", "harness"]

TOP = "mgd_trainer"
WRAPPER = "mgd_harness"
#: the harness's command-line arguments: the runtime registers, then the run's parameters
HARNESS_ARGUMENTS = (*Registers.NAMES, "n_params", "theta_width", "sample_every", "cycle_limit")

#: the wrapper's own ports for the status outputs and the readout that the harness uses (wrapper name → path)
_SHOWN = {"phase": ("status", "phase"), "step": ("status", "step"), "done": ("status", "done")}
_READOUT = {"read_addr": ("readout", "addr"), "read_theta": ("readout", "theta")}


def _range(shape: Shape) -> str:
    return f"[{shape.width - 1}:0] " if shape.width > 1 else ""


def wrapper(fmts: FixedFormats, mode: str, n_params: int) -> str:
    """Verilog of module ``mgd_harness``: the trainer (module ``mgd_trainer`` with these formats, broadcast mode
    and P) with ``rst`` low and its runtime registers in a register file (``cfg_<name>`` written when ``cfg_we``
    is high at a clock edge), as a host would on a board."""
    ports = port_shapes(wiring.Signature(trainer_members(fmts, mode, n_params)))
    regs = [p for p in ports if p[0] == "regs"]
    outs = {**_SHOWN, "read_theta": _READOUT["read_theta"]}
    header = ["clk", "cfg_we", "start", "read_addr", *(f"cfg_{p[-1]}" for p in regs), *outs]
    lines = [
        f"module {WRAPPER}({', '.join(header)});",
        "  input clk;",
        "  input cfg_we;",
        "  input start;",
        f"  input {_range(ports[_READOUT['read_addr']][1])}read_addr;",
    ]
    lines += [f"  input {_range(ports[p][1])}cfg_{p[-1]};" for p in regs]
    lines += [f"  output {_range(ports[path][1])}{name};" for name, path in outs.items()]
    lines += [f"  reg {_range(ports[p][1])}{p[-1]} = 0;" for p in regs]
    lines += ["  always @(posedge clk)", "    if (cfg_we) begin"]
    lines += [f"      {p[-1]} <= cfg_{p[-1]};" for p in regs]
    lines += ["    end"]
    conns = [".clk(clk)", ".rst(1'b0)", ".start(start)", f".{port_name(*_READOUT['read_addr'])}(read_addr)"]
    conns += [f".{port_name(*p)}({p[-1]})" for p in regs]
    conns += [f".{port_name(*path)}({name})" for name, path in outs.items()]
    used = {*regs, *outs.values(), _READOUT["read_addr"], ("start",)}
    conns += [f".{port_name(*p)}()" for p, (flow, _) in ports.items() if flow == wiring.Out and p not in used]
    lines += [f"  {TOP} trainer(", "    " + ",\n    ".join(conns), "  );", "endmodule", ""]
    return "\n".join(lines)


def harness(pipelined: bool = False) -> str:
    """The C++ main of the harness (the template filled with the register names and the phase values). θ is sampled
    in the ``begin`` phase and at ``done``; with ``pipelined`` also while the pipelined trainer issues (``pert``) and
    while it stalls (``correlate``) with a ``step`` that does not end a window: θ only changes when a window's last
    step retires, so there θ is θ after ``step`` steps (as :func:`mgd.sim.trainer_sim.simulate` samples it; the
    pipelined trainer passes ``begin`` only once, and with τθ below its depth a mid-window step is only ever counted
    during the stall)."""
    template = resources.files(__package__).joinpath("harness/trainer_harness.cpp").read_text()
    names = Registers.NAMES
    sampled = "phase == PHASE_BEGIN || phase == PHASE_DONE"
    if pipelined:  # pert (issuing), and the stall while no window end is counted (θ changes only at its retire)
        tau_theta = Registers.NAMES.index("tau_theta")
        sampled += (
            f" || phase == {Phase.PERT.value}"
            f" || (phase == {Phase.CORRELATE.value} && (uint64_t)top->step % a[{tau_theta}] != 0)"
        )
    return Template(template).substitute(
        sampled_phases=sampled,
        register_names=", ".join(f'"{name}"' for name in names),
        n_registers=len(names),
        phase_begin=Phase.BEGIN.value,
        phase_done=Phase.DONE.value,
        set_registers="\n".join(f"    top->cfg_{name} = a[{i}];" for i, name in enumerate(names)),
    )
