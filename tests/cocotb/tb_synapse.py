"""cocotb testbench: one synapse (``mgd verilog --unit synapse``) against the golden ``SynapseModel``, every cycle.

The stimulus (fixed seed, from the job) mixes what ``tests/rtl/test_synapse.py`` checks in Amaranth: random
cycles with extreme values and synchronous resets, θ driven into saturation at both ends through G (largest
broadcast, update every 4th cycle, perturbed and unperturbed weights), G driven into saturation at both ends and
then applied, and an update every cycle (τθ = 1). ``code``, ``weight``, ``theta`` and ``g`` are compared during
every cycle; the testbench also asserts that the corners were reached, so a weaker stimulus cannot pass silently.
"""

from __future__ import annotations

import cocotb
import numpy as np
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge
from tb_common import Mismatches, load_job, start

from mgd.golden_model.config import MGDConfig
from mgd.golden_model.fixed_mgd import FixedMGD
from mgd.golden_model.fixed_units import SynapseModel, g_format
from mgd.golden_model.formats import DEFAULT_FORMATS
from mgd.rtl.synapse import broadcast_width
from mgd.sim.trace import save

INPUTS = (
    "advance",
    "restart",
    "index",
    "perturb",
    "dtheta",
    "value",
    "correlate",
    "update",
    "eta",
    "load",
    "load_value",
)
OUTPUTS = ("code", "weight", "theta", "g")


def plan(rng, codes, mode, fmts, random_cycles: int) -> list[dict]:
    """The cycles' inputs; ``value`` may be ("theta", ±1) or ("g", ±1): the extreme broadcast whose product with
    the current code pushes θ (through θ ← θ − G) or G towards that end, resolved against the golden model."""
    tw, bw, gfmt = fmts.theta.width, broadcast_width(mode, fmts), g_format(mode, fmts)
    vmin, vmax = -(1 << (bw - 1)), (1 << (bw - 1)) - 1

    def pick(p_extreme, lo, hi):
        if rng.random() < p_extreme:
            return int(rng.choice([lo, hi]))
        return int(rng.integers(lo, hi + 1)) >> int(rng.integers(0, 8))

    def random_cycle():
        return dict(
            advance=int(rng.random() < 0.5),
            restart=int(rng.random() < 0.01),
            index=int(rng.integers(0, 1 << codes.index_width)),
            perturb=int(rng.random() < 0.5),
            dtheta=1 << int(rng.integers(0, tw - 1)),
            value=pick(0.15, vmin, vmax),
            correlate=int(rng.random() < 0.8),
            update=int(rng.random() < 0.1),
            eta=int(rng.choice([0, fmts.eta.max, int(rng.integers(0, fmts.eta.max + 1))])),
            load=int(rng.random() < 0.02),
            load_value=pick(0.3, fmts.theta.min, fmts.theta.max),
            reset=int(rng.random() < 0.01),
        )

    cycles = [random_cycle() for _ in range(random_cycles // 2)]
    for sign in (+1, -1):  # θ to its ends through G (the broadcast's sign follows the code, cycle by cycle)
        start = fmts.theta.max - 3 if sign > 0 else fmts.theta.min + 3
        cycles.append(
            dict(
                load=1,
                load_value=start,
                dtheta=1 << min(fmts.theta.frac, tw - 2),
                eta=fmts.eta.max,
                advance=1,
                restart=0,
                correlate=0,
                update=0,
                reset=0,
            )
        )
        cycles += [
            dict(load=0, correlate=1, value=("theta", sign), update=int(c % 4 == 3), perturb=c % 2) for c in range(24)
        ]
    for sign in (+1, -1):  # G to its ends, then one update with it
        n = (1 << max(0, gfmt.width - bw + (1 if codes.binary else 2))) + 4  # |c| < 1 for multi-level codes
        cycles.append(dict(load=1, load_value=0, eta=fmts.eta.max, correlate=0, update=0))
        cycles += [dict(load=0, correlate=1, value=("g", sign))] * n
        cycles += [dict(update=1), dict(update=0, correlate=0)]
    cycles.append(dict(reset=1))  # reset mid-run, then τθ = 1: correlate and update every cycle
    cycles.append(dict(reset=0, load=1, load_value=1000, dtheta=64, eta=200))
    cycles += [
        dict(
            load=0,
            advance=1,
            correlate=1,
            update=1,
            perturb=1,
            index=c % (1 << codes.index_width),
            value=(c * 7919) % 4001 - 2000,
        )
        for c in range(40)
    ]
    cycles += [random_cycle() for _ in range(random_cycles - random_cycles // 2)]
    return cycles


def resolve(value, code: int, vmin: int, vmax: int) -> int:
    if not isinstance(value, tuple):
        return value
    target, sign = value
    want_e = sign if target == "g" else -sign  # θ goes up when G goes down
    if code == 0:
        return 0
    return vmax if (code > 0) == (want_e > 0) else vmin


@cocotb.test()
async def synapse_matches_golden_model_every_cycle(dut):
    job = load_job()
    fmts = DEFAULT_FORMATS
    config = MGDConfig.from_dict(job["config"])
    mode, synapse = job["mode"], job["synapse"]
    codes = FixedMGD(config, fmts, mode=mode).codes
    model = SynapseModel(synapse, codes, mode, fmts)
    gfmt = g_format(mode, fmts)
    bw = broadcast_width(mode, fmts)
    vmin, vmax = -(1 << (bw - 1)), (1 << (bw - 1)) - 1
    signed = {"code": True, "weight": fmts.theta.signed, "theta": fmts.theta.signed, "g": gfmt.signed}
    ports = {name: (getattr(dut, name), signed[name]) for name in OUTPUTS}
    cycles = plan(np.random.default_rng(job["seed"]), codes, mode, fmts, job["random_cycles"])

    state = {name: 0 for name in INPUTS} | {"reset": 0}
    for name in INPUTS:
        getattr(dut, name).value = 0
    await start(dut)

    rows = {name: [] for name in OUTPUTS}
    bad = Mismatches()
    for cycle, inputs in enumerate(cycles):
        state.update(inputs)
        state["value"] = resolve(inputs.get("value", state["value"]), model.code(state["index"]), vmin, vmax)
        for name in INPUTS:
            getattr(dut, name).value = state[name]
        dut.rst.value = state["reset"]
        await ReadOnly()

        want = model.outputs(index=state["index"], perturb=state["perturb"], dtheta=state["dtheta"])
        bad.compare(cycle, ports, want, rows)

        await RisingEdge(dut.clk)
        if state["reset"]:
            model.reset()
        else:
            model.clock(
                advance=state["advance"],
                restart=state["restart"],
                index=state["index"],
                correlate_en=state["correlate"],
                value=state["value"],
                update=state["update"],
                eta=state["eta"],
                load=state["load"],
                load_value=state["load_value"],
            )
        await FallingEdge(dut.clk)

    save(
        job["trace_out"],
        {k: np.array(v, dtype=np.int64) for k, v in rows.items()},
        {"simulator": cocotb.SIM_NAME, "cycles": len(cycles)},
    )
    dut._log.info("%d cycles, %d outputs checked every cycle: %d mismatches", len(cycles), len(OUTPUTS), bad.count)
    assert bad.count == 0, bad.report()
    # the corners were exercised
    assert fmts.theta.max in rows["theta"] and fmts.theta.min in rows["theta"], "θ never saturated"
    assert gfmt.max in rows["g"] and gfmt.min in rows["g"], "G never saturated"
    assert fmts.theta.max in rows["weight"] and fmts.theta.min in rows["weight"], "the weight never saturated"
    assert sum(c.get("reset", 0) for c in cycles) >= 2, "too few resets"
