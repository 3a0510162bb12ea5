"""RTL results for docs/rtl.md: XOR trained in Amaranth simulation per perturbation type, and the float / fixed /
RTL cost-curve figure.

    python docs/make_rtl_results.py            (about 5 minutes: 15 RTL runs of up to 1e4 steps)

Prints a table (steps to 100 % accuracy per seed, median per type, cycles, wall time) and writes
docs/img/xor-float-fixed-rtl.png.
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from mgd.golden_model.config import MGDConfig  # noqa: E402
from mgd.golden_model.fixed_mgd import FixedMGD, float_twin  # noqa: E402
from mgd.golden_model.network import MLP  # noqa: E402
from mgd.rtl.trainer_build import build  # noqa: E402
from mgd.sim.trainer_sim import simulate  # noqa: E402

OUT = Path(__file__).parent / "img"
XOR = MGDConfig(dataset="xor", eta=0.5, dtheta=2**-4, init_scale=2.0, steps=10_000, seeds=1, sample_order="random")
KINDS = {"code": "LFSR code", "walsh": "Walsh code", "sequential": "sequential"}
SEEDS = range(5)
EVERY = 100


def steps_to_100(b, theta_at):
    for step in sorted(theta_at):
        if b.model.evaluate(theta_at[step][None])[0][0] == 1.0:
            return step
    return None


def per_type():
    print("| perturbation | steps to 100 % (seeds 0–4) | median | cycles | sim wall time | cycles/s |")
    print("|---|---|---|---|---|---|")
    for kind, label in KINDS.items():
        found, cycles, wall = [], 0, 0.0
        for seed in SEEDS:
            b = build(XOR.replace(perturbation=kind, seed=seed))
            r = simulate(b.trainer, b.regs, record=False, sample_every=EVERY)
            found.append(steps_to_100(b, r["theta_at"]))
            cycles += r["cycles"]
            wall += r["wall_time"]
        med = np.median([np.inf if s is None else s for s in found])
        cells = ", ".join("—" if s is None else f"{s:,}" for s in found)
        print(
            f"| {label} | {cells} | {'not reached' if np.isinf(med) else f'{med:,.0f}'} | {cycles:,} | "
            f"{wall:.0f} s | {cycles / wall:,.0f} |"
        )


def figure(seed=0, steps=2000):
    cfg = XOR.replace(steps=steps, seed=seed)
    b = build(cfg)
    r = simulate(b.trainer, b.regs, record=False, sample_every=20)
    fixed = FixedMGD(cfg)
    run = float_twin(fixed)
    ds = fixed.dataset
    s_axis, c_rtl, c_fix, c_flt = [], [], [], []
    for step in sorted(r["theta_at"]):
        while fixed.n < step:
            fixed.step()
            run.algo.step()
        s_axis.append(step)
        c_rtl.append(fixed.evaluate(r["theta_at"][step][None])[1][0])
        c_fix.append(fixed.evaluate()[1][0])
        c_flt.append(MLP.cost(run.mlp.forward(run.algo.theta, ds.x_test), ds.y_test[None])[0])
    c_rtl, c_fix, c_flt = map(np.array, (c_rtl, c_fix, c_flt))
    print(
        f"figure (seed {seed}, {steps} steps): max |RTL − fixed| = {np.abs(c_rtl - c_fix).max():g}; "
        f"max |fixed − float| = {np.abs(c_fix - c_flt).max():.4f}"
    )
    fig, ax = plt.subplots(figsize=(6.5, 4), constrained_layout=True)
    ax.plot(s_axis, c_flt, label="float model (same codes, samples, θ₀, η)", linewidth=2)
    ax.plot(s_axis, c_fix, label="fixed-point model", linewidth=2)
    ax.plot(s_axis, c_rtl, "--", label="RTL (Amaranth simulation)", color="k", linewidth=1)
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("mean cost over the 4 XOR inputs")
    ax.set_title(
        f"XOR 2-2-1, seed {seed}: max |RTL − fixed| = {np.abs(c_rtl - c_fix).max():g}, "
        f"max |fixed − float| = {np.abs(c_fix - c_flt).max():.3f}",
        fontsize=9,
    )
    ax.grid(True, alpha=0.3)
    ax.legend()
    OUT.mkdir(exist_ok=True)
    fig.savefig(OUT / "xor-float-fixed-rtl.png", dpi=120)


if __name__ == "__main__":
    figure()
    per_type()
