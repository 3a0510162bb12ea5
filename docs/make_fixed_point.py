"""Measure the fixed-point model against the float model for docs/fixed-point.md and draw its figure.

    python docs/make_fixed_point.py        (about 30 s)

Prints the numbers quoted in docs/fixed-point.md and writes docs/img/fixed-vs-float-xor.png.
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from mgd.golden_model.config import MGDConfig  # noqa: E402
from mgd.golden_model.fixed_mgd import FixedMGD, float_twin  # noqa: E402
from mgd.golden_model.formats import DEFAULT_FORMATS  # noqa: E402
from mgd.golden_model.network import MLP  # noqa: E402
from mgd.golden_model.training import evaluate  # noqa: E402

OUT = Path(__file__).parent / "img"
XOR = MGDConfig(dataset="xor", eta=0.5, dtheta=2**-4, init_scale=2.0, steps=10_000, seeds=20, sample_order="cyclic")


def free_running(config, mode="prescaled", every=50):
    """Run the fixed model and its float twin side by side; return steps, costs (E, S) and final accuracies."""
    fx = FixedMGD(config, mode=mode)
    run = float_twin(fx)
    ds = fx.dataset
    steps, c_fix, c_flt, dtheta = [], [], [], []
    for n in range(0, config.steps + 1, every):
        while fx.n < n:
            fx.step()
            run.algo.step()
        steps.append(n)
        c_fix.append(fx.evaluate()[1])
        c_flt.append(MLP.cost(run.mlp.forward(run.algo.theta, ds.x_test), ds.y_test[None]))
        dtheta.append(np.max(np.abs(fx.theta_real - run.algo.theta), axis=1))
    return (np.array(steps), np.array(c_fix), np.array(c_flt), np.array(dtheta), fx.evaluate()[0], evaluate(run)[0])


def main():
    print("formats:")
    for name, fmt, meaning in DEFAULT_FORMATS.table():
        print(f"  {name:16s} {fmt.describe():40s} {meaning}")
    for mode in ("prescaled", "raw"):
        steps, c_fix, c_flt, dth, acc_fix, acc_flt = free_running(XOR, mode)
        med_gap = np.abs(np.median(c_fix, 1) - np.median(c_flt, 1))
        print(
            f"{mode}: solved fixed {np.mean(acc_fix == 1):.2f}, float twin {np.mean(acc_flt == 1):.2f}; "
            f"median-curve max |Δcost| {med_gap.max():.4f} (at step {steps[med_gap.argmax()]}), final "
            f"{med_gap[-1]:.2e}; per-seed max |Δcost| median {np.median(np.abs(c_fix - c_flt).max(0)):.4f}, "
            f"max {np.abs(c_fix - c_flt).max():.4f}; seeds with the same final outcome "
            f"{np.sum((acc_fix == 1) == (acc_flt == 1))}/{XOR.seeds}; max |Δθ| median over seeds "
            f"{np.median(dth[-1]):.3f}"
        )
        if mode == "prescaled":
            fig, ax = plt.subplots(figsize=(6.5, 4), constrained_layout=True)
            for data, label in ((c_flt, "float (same codes, samples, θ₀, η)"), (c_fix, "fixed point (bit-exact)")):
                (line,) = ax.plot(steps, np.median(data, 1), label=f"{label}, median of {XOR.seeds}")
                q1, q3 = np.percentile(data, [25, 75], axis=1)
                ax.fill_between(steps, q1, q3, color=line.get_color(), alpha=0.15, linewidth=0)
            ax.set_yscale("log")
            ax.set_xlabel("step")
            ax.set_ylabel("mean cost over the 4 XOR inputs")
            ax.set_title("XOR 2-2-1: fixed-point model vs float model, same perturbation bits")
            ax.grid(True, alpha=0.3)
            ax.legend()
            OUT.mkdir(exist_ok=True)
            fig.savefig(OUT / "fixed-vs-float-xor.png", dpi=120)


if __name__ == "__main__":
    main()
