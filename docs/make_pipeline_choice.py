"""Pipelined trainer: stall or stale update? Cycles to 100 % on XOR in the bit-exact model (compact formats).

With a pipeline of depth D, the τθ perturbed passes of one update window stream through it one per clock (θ is
constant inside a window). Two designs when D > τθ:

stall
    after a window's last step the controller waits for the pipeline to drain and θ to be updated: exactly
    :class:`~mgd.golden_model.fixed_mgd.FixedMGD` (``update_delay=0``), at (τθ + D)/τθ cycles per step.
stale
    never stalls (1 cycle per step); the update of the window ending at step n reaches θ at step n + 1 + d with
    d = D (``FixedMGD(update_delay=d)``); C₀ is measured with the θ each step uses.

For τθ ∈ {1, 2, 4, 8, 16}, D ∈ {8, 12, 16, 20} and η ∈ {0.125, 0.25, 0.5, 1, 2}, 20 initialisations (each with
its own seed register, the default), 10⁴ steps, evaluated on the 4 XOR samples after every step: steps to 100 %
= ``TrainResult.steps_to_threshold`` (the first evaluated step whose θ, the θ the next step uses, classifies every
sample; None = never). Per (τθ, design) the η with the lowest median cycles is kept (ties: more solved, then the
smaller η). Medians are over all 20 with "never" counted as infinite (the rule of ``mgd.sweep.summary``), so a
median is "never" when 10 or more failed. The stall design's steps do not depend on D (only its cycles/step do),
so it is run once per (τθ, η). The pipeline's fill latency (D cycles, both designs) is left out.

    .venv/bin/python docs/make_pipeline_choice.py [--jobs N] [--from-json]

Writes docs/data/pipeline_choice.json (every run) and docs/img/pipeline_choice.png, prints the markdown table.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from multiprocessing import Pool
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from tqdm import tqdm  # noqa: E402

from mgd.golden_model.config import MGDConfig  # noqa: E402
from mgd.golden_model.fixed_mgd import train_fixed  # noqa: E402
from mgd.golden_model.formats import FORMAT_SETS  # noqa: E402

TAU_THETAS = (1, 2, 4, 8, 16)
DEPTHS = (8, 12, 16, 20)
ETAS = (0.125, 0.25, 0.5, 1.0, 2.0)
FORMATS = "compact"
BASE = MGDConfig(
    dataset="xor", dtheta=2**-4, init_scale=2.0, steps=10_000, seeds=20, seed=0, sample_order="random", eval_every=1
)
HERE = Path(__file__).resolve().parent


def run(point: tuple[int, float, int]) -> dict:
    """One run: (τθ, η, update delay d; d = 0 is the stall design's step sequence)."""
    tau_theta, eta, delay = point
    config = BASE.replace(tau_theta=tau_theta, eta=eta)
    result = train_fixed(config, FORMAT_SETS[FORMATS], update_delay=delay)
    return {
        "tau_theta": tau_theta,
        "eta": eta,
        "update_delay": delay,
        "steps_to_threshold": result.steps_to_threshold,
        "solved_final": int(np.sum(result.final_accuracy >= result.threshold)),
        "wall_time_s": result.wall_time,
    }


def median_never_inf(values) -> float:
    """Median over all seeds, None (never) counted as infinitely slow."""
    return float(np.median([math.inf if v is None else v for v in values]))


def best(runs: list[dict], cycles_per_step: float) -> dict:
    """The run (one η) with the lowest median cycles to 100 %; ties: more solved, then smaller η."""
    rows = []
    for r in runs:
        steps = median_never_inf(r["steps_to_threshold"])
        solved = sum(v is not None for v in r["steps_to_threshold"])
        rows.append(
            {"eta": r["eta"], "solved": solved, "median_steps": steps, "median_cycles": steps * cycles_per_step}
        )
    return min(rows, key=lambda x: (x["median_cycles"], -x["solved"], x["eta"]))


def summarize(runs: list[dict]) -> list[dict]:
    rows = []
    for tt in TAU_THETAS:
        stall_runs = [r for r in runs if r["tau_theta"] == tt and r["update_delay"] == 0]
        for depth in DEPTHS:
            stall = best(stall_runs, (tt + depth) / tt)
            stale = best([r for r in runs if r["tau_theta"] == tt and r["update_delay"] == depth], 1.0)
            a, b = stall["median_cycles"], stale["median_cycles"]
            ratio = None if math.isinf(a) and math.isinf(b) else (0.0 if math.isinf(b) else a / b)
            rows.append({"tau_theta": tt, "D": depth, "stall": stall, "stale": stale, "stall_over_stale": ratio})
    return rows


def finite(value):
    """``value`` with every infinite or NaN float replaced by None (JSON has no infinity): None = never."""
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite(v) for v in value]
    return None if isinstance(value, float) and not math.isfinite(value) else value


def ratio_text(v) -> str:
    if v is None:
        return "– (both never)"
    return "∞ (stall never)" if math.isinf(v) else ("0 (stale never)" if v == 0 else f"{v:.2f}")


def _n(v: float) -> str:
    return "never" if math.isinf(v) else f"{v:,.0f}"


def markdown(rows: list[dict]) -> str:
    head = (
        "| τθ | D | stall η | stall solved | stall median steps | stall median cycles | stale η | stale solved "
        "| stale median steps = cycles | stall cycles / stale cycles |"
    )
    lines = [head, "|" + "---|" * 10]
    for r in rows:
        a, b = r["stall"], r["stale"]
        ratio = ratio_text(r["stall_over_stale"])
        lines.append(
            f"| {r['tau_theta']} | {r['D']} | {a['eta']:g} | {a['solved']}/20 | {_n(a['median_steps'])} "
            f"| {_n(a['median_cycles'])} | {b['eta']:g} | {b['solved']}/20 | {_n(b['median_steps'])} | {ratio} |"
        )
    return "\n".join(lines)


def plot(rows: list[dict], path: Path) -> None:
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for k, depth in enumerate(DEPTHS):
        mine = [r for r in rows if r["D"] == depth]
        for design, style in (("stall", "--o"), ("stale", "-s")):
            y = [r[design]["median_cycles"] for r in mine]
            ax.plot(
                [r["tau_theta"] for r in mine],
                [v if math.isfinite(v) else np.nan for v in y],
                style,
                color=f"C{k}",
                label=f"{design}, D = {depth}",
            )
    ax.set(xscale="log", yscale="log", xlabel="τθ (steps per update window)", ylabel="median cycles to 100 %")
    ax.set_xticks(TAU_THETAS, [str(t) for t in TAU_THETAS])
    ax.set_title("XOR, compact formats, 20 initialisations, best η per point")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(ncol=2, fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes")
    parser.add_argument("--json", type=Path, default=HERE / "data" / "pipeline_choice.json")
    parser.add_argument("--plot", type=Path, default=HERE / "img" / "pipeline_choice.png")
    parser.add_argument("--from-json", action="store_true", help="reuse the runs stored in --json, run nothing")
    args = parser.parse_args()
    points = [(tt, eta, d) for tt in TAU_THETAS for eta in ETAS for d in (0, *DEPTHS)]
    if args.from_json:
        old = json.loads(args.json.read_text())
        runs, wall, args.jobs = old["runs"], old["wall_time_s"], old["jobs"]
    else:
        t0 = time.perf_counter()
        with Pool(args.jobs) as pool:
            runs = list(tqdm(pool.imap_unordered(run, points), total=len(points), desc="runs", unit="run"))
        wall = time.perf_counter() - t0
    runs.sort(key=lambda r: (r["tau_theta"], r["update_delay"], r["eta"]))
    rows = summarize(runs)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.plot.parent.mkdir(parents=True, exist_ok=True)
    doc = {
        "config": BASE.to_dict() | {"eta": "swept", "tau_theta": "swept"},
        "formats": FORMATS,
        "grid": {"tau_theta": TAU_THETAS, "D": DEPTHS, "eta": ETAS},
        "cycles_per_step": {"stall": "(tau_theta + D) / tau_theta", "stale": 1},
        "wall_time_s": wall,
        "jobs": args.jobs,
        "summary": rows,
        "runs": runs,
    }
    args.json.write_text(json.dumps(finite(doc), indent=1, allow_nan=False) + "\n")
    plot(rows, args.plot)
    print(markdown(rows))
    print(f"\n{len(points)} runs in {wall:.0f} s ({args.jobs} processes); wrote {args.json} and {args.plot}")


if __name__ == "__main__":
    main()
