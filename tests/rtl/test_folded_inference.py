"""The inference-only folded array (the baseline of the training overhead) computes FixedMLP's outputs, bit-exact,
for every sample of a small dataset, over lanes, for θ written through its port."""

import numpy as np
import pytest
from amaranth.sim import Simulator

from mgd.golden_model.config import MGDConfig
from mgd.golden_model.fixed_mgd import FixedMGD
from mgd.golden_model.formats import COMPACT_FORMATS
from mgd.rtl.folded_inference import FoldedInference


@pytest.mark.parametrize(("dataset", "lanes", "input_bits"), [("xor", 1, 1), ("parity3", 2, None), ("xor", 3, 1)])
def test_outputs_equal_fixed_mlp(dataset, lanes, input_bits):
    model = FixedMGD(MGDConfig(dataset=dataset, seeds=1, seed=4, init_scale=2.0, dtheta=2**-4), COMPACT_FORMATS)
    theta = model.theta0[0]
    new = COMPACT_FORMATS.theta.quantize(model.mlp.init_theta(1, 99, 2.0))[0]  # written over the port
    dut = FoldedInference(model.mlp, COMPACT_FORMATS, model.x, model.y, theta, lanes=lanes, input_bits=input_bits)
    seen = {}

    async def bench(ctx):
        for weights in (theta, new):
            if weights is new:
                for i, pos in enumerate(dut.layout.position):
                    ctx.set(dut.theta_addr, int(pos))
                    ctx.set(dut.theta_data, int(new[i]))
                    ctx.set(dut.theta_en, 1)
                    await ctx.tick()
                ctx.set(dut.theta_en, 0)
            for k in range(len(model.x)):
                ctx.set(dut.sample, k)
                ctx.set(dut.start, 1)
                await ctx.tick()
                ctx.set(dut.start, 0)
                cycles = 1
                while not ctx.get(dut.done) and cycles < 1000:
                    await ctx.tick()
                    cycles += 1
                assert cycles == dut.latency
                seen[(weights is new, k)] = [ctx.get(dut.y[o]) for o in range(model.mlp.layers[-1])]

    sim = Simulator(dut)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()
    for second, weights in ((False, theta), (True, new)):
        expected = model.net.forward(weights, model.x)
        got = np.array([seen[(second, k)] for k in range(len(model.x))])
        assert np.array_equal(got, expected)
