"""The scaling study's figure and numbers from its sweep table: iterations until cos(G, ∇C) ≥ 0.95 over the
number of parameters N, weight against node perturbation, with the fitted log-log slopes.

    mgd sweep docs/sweeps/gradient-scaling.toml --out out/sweeps/gradient-scaling      (the measurement)
    python docs/make_gradient_scaling.py [--out out/sweeps/gradient-scaling] [--plot docs/img/gradient-scaling.png]

Prints a markdown table (per perturbation target and N: seeds that reached the target, median and quartiles of the
iterations) and the slope of log(median iterations) over log(N) by least squares (theory: 1 for weight
perturbation; node perturbation grows with the number of perturbed neurons, far slower).
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from mgd.golden_model.network import MLP  # noqa: E402
from mgd.sweep.runner import read_table  # noqa: E402


def n_params(layers) -> int:
    """P of a network given as sizes or as the table's text ``64-16-10``."""
    sizes = layers.split("-") if isinstance(layers, str) else layers
    return MLP(tuple(int(n) for n in sizes)).n_params


def rows(table):
    """``{(target, N): [iterations per seed (inf: not reached)]}``."""
    out: dict[tuple[str, int], list[float]] = {}
    cols = {c: table.column(c).to_pylist() for c in ("perturb_target", "layers", "status", "steps_to_threshold")}
    for i in range(table.num_rows):
        if cols["status"][i] != "ok":
            continue
        steps = cols["steps_to_threshold"][i]
        key = (cols["perturb_target"][i], n_params(cols["layers"][i]))
        out.setdefault(key, []).append(math.inf if steps is None or math.isnan(steps) else steps)
    return out


def slope(ns, medians) -> float:
    """Least-squares slope of log(median) over log(N)."""
    return float(np.polyfit(np.log(ns), np.log(medians), 1)[0])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="out/sweeps/gradient-scaling", help="the sweep's table")
    parser.add_argument("--plot", default="docs/img/gradient-scaling.png")
    args = parser.parse_args(argv)
    data = rows(read_table(args.out))
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    print("| perturbation | N | reached | iterations: median [q1, q3] |\n|---|---|---|---|")
    fits = {}
    for target, colour in (("weight", "C3"), ("node", "C2")):
        ns = sorted(n for t, n in data if t == target)
        stats = np.array([np.percentile(data[target, n], [25, 50, 75]) for n in ns])
        for n, (q1, med, q3) in zip(ns, stats, strict=True):
            reached = sum(math.isfinite(v) for v in data[target, n])
            print(f"| {target} | {n:,} | {reached}/{len(data[target, n])} | {med:,.0f} [{q1:,.0f}, {q3:,.0f}] |")
        ok = np.isfinite(stats[:, 1])
        fits[target] = slope(np.array(ns)[ok], stats[ok, 1])
        ax.plot(ns, stats[:, 1], "o-", color=colour, label=f"{target} perturbation (slope {fits[target]:.2f})")
        ax.fill_between(ns, stats[:, 0], stats[:, 2], color=colour, alpha=0.2)
        guide = (np.array(ns) / ns[0]) ** (1.0 if target == "weight" else 0.5) * stats[0, 1]
        ax.plot(ns, guide, "--", color=colour, lw=1, label=f"∝ N^{1.0 if target == 'weight' else 0.5:g}")
    ax.set(xscale="log", yscale="log", xlabel="parameters N (64-h-10 on digits)", ylabel="iterations to cos ≥ 0.95")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    Path(args.plot).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.plot, dpi=120)
    print("\nlog-log slopes: " + ", ".join(f"{t} {s:.2f}" for t, s in fits.items()))
    print(f"wrote {args.plot}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
