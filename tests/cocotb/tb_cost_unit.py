"""cocotb testbench: the cost/broadcast unit (``mgd verilog --unit cost_unit``) against ``CostUnitModel``, every
cycle: random outputs and targets over the whole act range (a share of them at its ends), random capture/measure
strobes, η and synchronous resets, plus the runs of ``tests/rtl/test_cost_unit.py``'s extremes test (y and ŷ at
opposite ends with the largest η: C̃ swings to ±C and the pre-scaled broadcast saturates at both ends)."""

from __future__ import annotations

import cocotb
import numpy as np
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge
from tb_common import Mismatches, load_job, pack, start

from mgd.golden_model.config import MGDConfig
from mgd.golden_model.fixed_mgd import FixedMGD
from mgd.golden_model.fixed_units import CostUnitModel
from mgd.golden_model.formats import DEFAULT_FORMATS
from mgd.sim.trace import save

OUTPUTS = ("cost", "c0", "c_tilde", "broadcast")


def plan(rng, n_out: int, fmts, random_cycles: int) -> list[dict]:
    lo, hi = fmts.act.min, fmts.act.max

    def act():
        return [
            int(rng.choice([lo, hi])) if rng.random() < 0.25 else int(rng.integers(lo, hi + 1)) for _ in range(n_out)
        ]

    def random_cycle():
        return dict(
            y=act(),
            target=act(),
            capture=int(rng.random() < 0.3),
            measure=int(rng.random() < 0.7),
            eta=int(rng.choice([fmts.eta.max, int(rng.integers(0, fmts.eta.max + 1))])),
            reset=int(rng.random() < 0.02),
        )

    far = dict(y=[hi] * n_out, target=[lo] * n_out, eta=fmts.eta.max, measure=1, reset=0)
    near = dict(y=[hi] * n_out, target=[hi] * n_out, eta=fmts.eta.max, measure=1, reset=0)
    extremes = [
        dict(near, capture=1),
        dict(far, capture=0),
        dict(far, capture=1),
        dict(near, capture=0),
        dict(near, capture=0),
    ]
    cycles = [random_cycle() for _ in range(random_cycles // 2)] + extremes + [dict(extremes[0], reset=1)]
    return cycles + extremes + [random_cycle() for _ in range(random_cycles - random_cycles // 2)]


@cocotb.test()
async def cost_unit_matches_golden_model_every_cycle(dut):
    job = load_job()
    fmts = DEFAULT_FORMATS
    config = MGDConfig.from_dict(job["config"])
    mode = job["mode"]
    n_out = FixedMGD(config, fmts, mode=mode).mlp.layers[-1]
    model = CostUnitModel(mode, fmts)
    signed = {"cost": fmts.cost.signed, "c0": fmts.cost.signed, "c_tilde": fmts.c_tilde.signed, "broadcast": True}
    ports = {name: (getattr(dut, name), signed[name]) for name in OUTPUTS}
    cycles = plan(np.random.default_rng(job["seed"]), n_out, fmts, job["random_cycles"])

    for name in ("y", "target", "capture", "measure", "eta"):
        getattr(dut, name).value = 0
    await start(dut)

    rows = {name: [] for name in OUTPUTS}
    bad = Mismatches()
    for cycle, c in enumerate(cycles):
        dut.y.value = pack(c["y"], fmts.act.width)
        dut.target.value = pack(c["target"], fmts.act.width)
        for name in ("capture", "measure", "eta"):
            getattr(dut, name).value = c[name]
        dut.rst.value = c["reset"]
        await ReadOnly()

        bad.compare(cycle, ports, model.outputs(), rows)

        await RisingEdge(dut.clk)
        if c["reset"]:
            model.reset()
        else:
            model.clock(y=c["y"], target=c["target"], capture=c["capture"], measure=c["measure"], eta=c["eta"])
        await FallingEdge(dut.clk)

    save(
        job["trace_out"],
        {k: np.array(v, dtype=np.int64) for k, v in rows.items()},
        {"simulator": cocotb.SIM_NAME, "cycles": len(cycles), "n_out": n_out},
    )
    dut._log.info(
        "%d cycles, n_out = %d, %d outputs checked every cycle: %d mismatches",
        len(cycles),
        n_out,
        len(OUTPUTS),
        bad.count,
    )
    assert bad.count == 0, bad.report()
    cmax = max(rows["cost"])
    assert max(rows["c_tilde"]) == cmax and min(rows["c_tilde"]) == -cmax, "C̃ never swung to ±C"
    if mode == "prescaled":
        assert fmts.theta.max in rows["broadcast"] and fmts.theta.min in rows["broadcast"], "u never saturated"
