"""Fixed-point (hardware) statistics for the docs, each initialisation with its own draw of the hardware's randomness.

    python docs/make_hardware_stats.py [--json out/hardware-stats.json]      (about 10 minutes on one core)

Every row runs the bit-exact fixed-point model (:class:`mgd.golden_model.fixed_mgd.FixedMGD`, which the RTL matches
bit for bit) twice over the same initialisations: with ``hardware_seeds="independent"`` (initialisation k runs
with seed register ``hardware_seed(seed + k)``, so θ₀, codes and sample order are all drawn anew: the statistic the
docs report) and with ``hardware_seeds="shared"`` (seed register 0 for all: one draw of codes and sample order, the
way these figures were computed before; shown only to say what changed). "Solved" = 100 % accuracy at the end of
the run; steps to 100 % are evaluated every ``eval_every`` steps, and the median counts unsolved seeds as never.
The command line that reproduces a row is printed beside it.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np

from mgd.golden_model.config import MGDConfig
from mgd.golden_model.fixed_mgd import float_twin, train_fixed
from mgd.golden_model.formats import FORMAT_SETS
from mgd.golden_model.training import evaluate

#: the boards' XOR settings (docs/fpga.md) and the RTL docs' (docs/rtl.md): η 0.5, Δθ 2^−4, θ₀ ~ U[−2, 2), τ's 1
XOR = MGDConfig(
    dataset="xor",
    eta=0.5,
    dtheta=2**-4,
    init_scale=2.0,
    steps=10_000,
    seeds=20,
    seed=0,
    sample_order="random",
    eval_every=10,
)

ROWS = [
    # (name, config changes, formats, mode, doc where the figure appears)
    ("xor-boards-20", {}, "compact", "prescaled", "fpga.md, results.md, golden-model.md"),
    ("xor-boards-200", dict(seeds=200), "compact", "prescaled", "golden-model.md"),
    ("xor-default-20", {}, "default", "prescaled", "golden-model.md"),
    ("xor-default-200", dict(seeds=200), "default", "prescaled", "golden-model.md"),
    ("xor-cyclic-prescaled", dict(sample_order="cyclic"), "default", "prescaled", "fixed-point.md"),
    ("xor-cyclic-raw", dict(sample_order="cyclic"), "default", "raw", "fixed-point.md"),
    ("type-lfsr", dict(perturbation="code"), "default", "prescaled", "rtl.md"),
    ("type-walsh", dict(perturbation="walsh"), "default", "prescaled", "rtl.md"),
    ("type-sequential", dict(perturbation="sequential"), "default", "prescaled", "rtl.md"),
    ("type-lfsr-100", dict(perturbation="code", seeds=100), "default", "prescaled", "rtl.md"),
    ("type-walsh-100", dict(perturbation="walsh", seeds=100), "default", "prescaled", "rtl.md"),
    ("type-sequential-100", dict(perturbation="sequential", seeds=100), "default", "prescaled", "rtl.md"),
    ("walsh-cyclic", dict(perturbation="walsh", sample_order="cyclic"), "default", "prescaled", "rtl.md"),
    (
        "tx250-lfsr",
        dict(perturbation="code", tau_x=250, eta=0.05, steps=40_000, eval_every=250),
        "default",
        "prescaled",
        "rtl.md",
    ),
    (
        "tx250-walsh",
        dict(perturbation="walsh", tau_x=250, eta=0.05, steps=40_000, eval_every=250),
        "default",
        "prescaled",
        "rtl.md",
    ),
    (
        "tx250-sequential",
        dict(perturbation="sequential", tau_x=250, eta=0.05, steps=40_000, eval_every=250),
        "default",
        "prescaled",
        "rtl.md",
    ),
]


def command(cfg: MGDConfig, formats: str, mode: str) -> str:
    default = MGDConfig()
    parts = ["mgd train --backend fixed --dataset xor", f"--formats {formats}"]
    for field, flag in (
        ("steps", "--steps"),
        ("seeds", "--seeds"),
        ("seed", "--seed"),
        ("eta", "--eta"),
        ("dtheta", "--dtheta"),
        ("init_scale", "--init-scale"),
        ("tau_x", "--tau-x"),
        ("perturbation", "--perturbation"),
        ("sample_order", "--sample-order"),
        ("eval_every", "--eval-every"),
        ("hardware_seeds", "--hardware-seeds"),
    ):
        value = getattr(cfg, field)
        if field in ("steps", "seeds", "eta", "dtheta", "init_scale", "sample_order", "eval_every") or value != getattr(
            default, field
        ):
            parts.append(f"{flag} {value:g}" if isinstance(value, float) else f"{flag} {value}")
    if mode != "prescaled":
        parts.append(f"--mode {mode}")
    return " ".join(parts)


def median_steps(reached) -> float:
    return float(np.median([math.inf if r is None else r for r in reached]))


def run_row(name, changes, formats, mode, where):
    out = {"name": name, "docs": where}
    for draw in ("independent", "shared"):
        cfg = XOR.replace(**changes, hardware_seeds=draw)
        r = train_fixed(cfg, FORMAT_SETS[formats], mode=mode)
        solved = int(np.sum(r.final_accuracy >= 1.0))
        out[draw] = {
            "solved": solved,
            "seeds": cfg.seeds,
            "median_steps_to_100": median_steps(r.steps_to_threshold),
            "median_final_accuracy": float(np.median(r.final_accuracy)),
            "command": command(cfg, formats, mode),
        }
        if name == "xor-cyclic-prescaled":  # the float twin (same codes, samples, θ₀, η)
            from mgd.golden_model.fixed_mgd import FixedMGD

            twin = float_twin(FixedMGD(cfg, FORMAT_SETS[formats], mode=mode))
            while twin.algo.n < cfg.steps:
                twin.algo.step()
            out[draw]["float_twin_solved"] = int(np.sum(evaluate(twin)[0] >= 1.0))
    return out


def fmt(entry) -> str:
    m = entry["median_steps_to_100"]
    return f"{entry['solved']}/{entry['seeds']} solved, median {'never' if math.isinf(m) else f'{m:,.0f}'} steps"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--json", type=Path, help="write the rows here")
    p.add_argument("--only", nargs="+", help="run only these rows")
    args = p.parse_args(argv)
    rows = []
    for row in ROWS:
        if args.only and row[0] not in args.only:
            continue
        out = run_row(*row)
        rows.append(out)
        extra = "".join(
            f"; float twin {out[d]['float_twin_solved']}/{out[d]['seeds']}"
            for d in ("independent",)
            if "float_twin_solved" in out[d]
        )
        print(
            f"{out['name']:<22} independent: {fmt(out['independent'])}{extra} | shared: {fmt(out['shared'])}"
            f"\n    {out['independent']['command']}",
            flush=True,
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
