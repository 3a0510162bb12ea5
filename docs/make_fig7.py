"""The perturbation-type comparison (the MGD paper's Fig. 7) from its two sweep tables: box plots of steps to 100 %
on XOR per perturbation type, over τx (τθ = 1) and over τθ (τx = 1), with the solved fraction per box.

    mgd sweep docs/sweeps/fig7-tau-x.toml --out out/sweeps/fig7-tau-x
    mgd sweep docs/sweeps/fig7-tau-theta.toml --out out/sweeps/fig7-tau-theta
    python docs/make_fig7.py [--plot docs/img/fig7.png]

Sequential pulses are shown at η·N (the points of the specs' lists): in the authors' normalisation a pulse moves
its one parameter by η·∂C/N, so at the codes' η they are N = 9 times slower per step (their η = 0.05 rows are in
the summary tables of docs/studies.md).
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from mgd.sweep.runner import read_table  # noqa: E402
from mgd.sweep.summary import column_values  # noqa: E402

TYPES = (("code", 0.05), ("walsh", 0.05), ("sinusoid", 0.05), ("sequential", 0.45))


def steps_by(table, field: str) -> dict[tuple[str, float], list[float]]:
    """``{(type, value of field): [steps to threshold per seed, inf if never]}`` for the shown (type, η) pairs."""
    cols = {c: column_values(table, c) for c in ("perturbation", "eta", field, "status", "steps_to_threshold")}
    out: dict = {}
    for i in range(table.num_rows):
        if cols["status"][i] != "ok" or (cols["perturbation"][i], cols["eta"][i]) not in TYPES:
            continue
        s = cols["steps_to_threshold"][i]
        out.setdefault((cols["perturbation"][i], cols[field][i]), []).append(
            math.inf if s is None or math.isnan(s) else s
        )
    return out


def panel(ax, data, field: str, label: str) -> None:
    values = sorted({v for _, v in data})
    width = 0.8 / len(TYPES)
    for k, (kind, _) in enumerate(TYPES):
        pos = [i + (k - (len(TYPES) - 1) / 2) * width for i in range(len(values))]
        boxes = [[s for s in data.get((kind, v), []) if math.isfinite(s)] for v in values]
        solved = [f"{len(b)}/{len(data.get((kind, v), []))}" for b, v in zip(boxes, values, strict=True)]
        bp = ax.boxplot(
            [b if b else [np.nan] for b in boxes],
            positions=pos,
            widths=width * 0.9,
            patch_artist=True,
            showfliers=False,
        )
        for patch in bp["boxes"]:
            patch.set(facecolor=f"C{k}", alpha=0.5)
        for x, text in zip(pos, solved, strict=True):
            ax.text(x, 1.02, text, transform=ax.get_xaxis_transform(), rotation=90, fontsize=6, ha="center")
        ax.plot([], [], "s", color=f"C{k}", alpha=0.5, label=kind + (" (η·N)" if kind == "sequential" else ""))
    ax.set_xticks(range(len(values)), [f"{v:g}" for v in values])
    ax.set(xlabel=label, ylabel="steps to 100 % (solved seeds)", yscale="log")
    ax.grid(True, axis="y", alpha=0.3)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plot", default="docs/img/fig7.png")
    args = parser.parse_args(argv)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4))
    panel(axes[0], steps_by(read_table("out/sweeps/fig7-tau-x"), "tau_x"), "tau_x", "τx (τθ = 1)")
    panel(axes[1], steps_by(read_table("out/sweeps/fig7-tau-theta"), "tau_theta"), "tau_theta", "τθ (τx = 1)")
    axes[0].legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    Path(args.plot).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.plot, dpi=120)
    print(f"wrote {args.plot}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
