"""Regenerate the golden-model figures of docs/results.md:  python docs/make_figures.py  (about a minute)."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from mgd.golden_model.config import MGDConfig  # noqa: E402
from mgd.golden_model.presets import preset  # noqa: E402
from mgd.golden_model.training import gradient_angles, train  # noqa: E402
from mgd.report import plot_curves  # noqa: E402

OUT = Path(__file__).parent / "img"


def xor_curves():
    cfg = MGDConfig(dataset="xor", **preset("xor")).validate()
    mgd = train(cfg)
    bp = train(cfg.replace(estimator="backprop"), theta0=mgd.theta0)
    plot_curves({"MGD": mgd, "backprop": bp}, OUT / "xor-learning-curves.png")


def angles():
    times = np.unique(np.logspace(0, 4, 25).astype(int))
    fig, ax = plt.subplots(figsize=(6, 4), constrained_layout=True)
    for dataset, seeds in (("xor", 100), ("parity4", 100), ("nist7x7", 15)):
        cfg = MGDConfig(dataset=dataset, seeds=seeds, init_scale=0.5, dtheta=0.01).validate()
        a = gradient_angles(cfg, times)
        q1, med, q3 = np.percentile(a, [25, 50, 75], axis=1)
        (line,) = ax.plot(times, med, label=f"{dataset} (median of {seeds})")
        ax.fill_between(times, q1, q3, color=line.get_color(), alpha=0.2, linewidth=0)
    ax.set_xscale("log")
    ax.set_xlabel("integration time (steps, τx = τp = 1, τθ = ∞)")
    ax.set_ylabel("angle(G, ∇C) (degrees)")
    ax.set_title("Gradient estimate vs true gradient (cf. MGD paper Fig. 5)")
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.savefig(OUT / "gradient-angle.png", dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    OUT.mkdir(exist_ok=True)
    xor_curves()
    angles()
    print(f"wrote {OUT}")
