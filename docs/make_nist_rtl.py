"""NIST7x7 49-4-4 trained in RTL (Verilator backend): collect the per-seed runs into docs/data/nist7x7-rtl.json and
draw docs/img/nist7x7-verilator.png.

The runs (one process per seed, two at a time on two cores; initialisation k of ``--seed 0 --seeds 5`` is exactly
``--seed k --seeds 1``: the same θ₀ and the same seed register ``hardware_seed(k)``)::

    for k in 0 1 2 3 4; do
      mgd train --backend verilator --dataset nist7x7 --steps 2000000 --seeds 1 --seed $k --eval-every 100000 \\
          --eta 0.003409090909090909 --no-progress --json out/runs/nist-verilator-seed$k.json
    done
    python docs/make_nist_rtl.py out/runs/nist-verilator-seed{0,1,2,3,4}.json \\
        [--fixed out/runs/nist-fixed-independent.json]

``--fixed``: a ``mgd train --backend fixed`` summary of the same five initialisations (with
``accuracy_curve_per_seed``), checked evaluation point by evaluation point against the RTL runs.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

DOCS = Path(__file__).parent
COMMAND = (
    "`mgd train --backend verilator --dataset nist7x7 --steps 2000000 --seeds 5 --eval-every 100000 --eta "
    "0.003409090909090909 --json nist.json` (run as five `--seed k --seeds 1` processes; default formats, "
    "Δθ = 2^−4, η = 3/880, seeds 0–4, each with its own seed register)"
)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("runs", nargs="+", type=Path, help="`mgd train --json` files, one per seed, in seed order")
    p.add_argument("--fixed", type=Path, help="the fixed-point model's summary of the same seeds, to compare")
    args = p.parse_args(argv)
    runs = [json.loads(r.read_text())["mgd"] for r in args.runs]
    steps = runs[0]["curve"]["step"]
    curves = np.array([r["curve"]["median_accuracy"] for r in runs])  # one seed per run: its own curve
    record = {
        "command": COMMAND,
        "backend": "verilator",
        "formats": "default",
        "threshold": runs[0]["threshold"],
        "eval_every": runs[0]["config"]["eval_every"],
        "seeds": [r["config"]["seed"] for r in runs],
        "hardware_seeds": [r["hardware_seeds"][0] for r in runs],
        "steps_to_threshold": [r["steps_to_threshold"][0] for r in runs],
        "final_accuracy": [r["final_accuracy"][0] for r in runs],
        "cycles_per_run": [r["hardware"]["cycles"][0] for r in runs],
        "sim_wall_time_s": [r["hardware"]["sim_wall_time"][0] for r in runs],
        "curve": {"step": steps, "accuracy_per_seed": curves.tolist()},
        "config": runs[0]["config"],
    }
    if args.fixed:
        fixed = json.loads(args.fixed.read_text())
        fixed_curves = np.array(fixed["accuracy_curve_per_seed"]).T[: len(runs)]
        same = bool(np.array_equal(fixed_curves, curves))
        record["fixed_model_identical"] = same
        print(f"RTL accuracy at every evaluation point equals the fixed-point model's: {same}")
    out = DOCS / "data" / "nist7x7-rtl.json"
    out.write_text(json.dumps(record, indent=1) + "\n")
    print(
        f"wrote {out}: final accuracy {[f'{100 * a:.1f}' for a in record['final_accuracy']]} %, steps to "
        f"{100 * record['threshold']:g} %: {record['steps_to_threshold']}"
    )

    fig, ax = plt.subplots(figsize=(6.5, 4), constrained_layout=True)
    for seed, curve in zip(record["seeds"], curves, strict=True):
        ax.plot(steps, 100 * curve, linewidth=1, alpha=0.7, label=f"seed {seed}")
    ax.plot(steps, 100 * np.median(curves, axis=0), color="k", linewidth=2, label="median")
    ax.axhline(100 * record["threshold"], color="grey", linestyle=":", linewidth=1)
    ax.set_xlabel("step")
    ax.set_ylabel("accuracy on the 44,136 images (%)")
    ax.set_title("NIST7x7 49-4-4 in RTL (Verilator), η = 3/880, Δθ = 2^−4, a seed register per seed", fontsize=9)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.savefig(DOCS / "img" / "nist7x7-verilator.png", dpi=120)
    print("wrote docs/img/nist7x7-verilator.png")


if __name__ == "__main__":
    main()
