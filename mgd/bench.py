"""``mgd bench``: throughput of the backends, measured (never asserted).

Golden model: MGD steps per second of Algorithm 1 (τ's = 1, random codes), excluding evaluation, for each case; a
"seed-step" is one step of one initialisation, so vectorising S seeds multiplies seed-steps/s by up to S.
"""

from __future__ import annotations

import platform
import time

import numpy as np

from mgd.golden_model.config import MGDConfig
from mgd.golden_model.training import build

GOLDEN_CASES = [("xor", 1), ("xor", 100), ("nist7x7", 1), ("nist7x7", 100)]


def bench_golden(dataset: str, seeds: int, min_time: float = 1.0) -> dict:
    """Step a run for at least ``min_time`` seconds (after 50 warm-up steps); steps/s and seed-steps/s."""
    run = build(MGDConfig(dataset=dataset, seeds=seeds))
    for _ in range(50):
        run.algo.step()
    steps, t0 = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - t0) < min_time:
        for _ in range(100):
            run.algo.step()
        steps += 100
    return {"backend": "golden", "dataset": dataset, "layers": list(run.mlp.layers), "seeds": seeds,
            "steps": steps, "seconds": elapsed, "steps_per_s": steps / elapsed,
            "seed_steps_per_s": steps * seeds / elapsed}


def run_bench(min_time: float = 1.0) -> dict:
    rows = [bench_golden(d, s, min_time) for d, s in GOLDEN_CASES]
    return {"machine": {"python": platform.python_version(), "numpy": np.__version__,
                        "processor": platform.processor() or platform.machine()},
            "results": rows}


def format_bench(report: dict) -> str:
    lines = [f"{'backend':<8} {'network':<10} {'seeds':>5} {'steps/s':>10} {'seed-steps/s':>13}"]
    for r in report["results"]:
        net = "-".join(map(str, r["layers"]))
        lines.append(f"{r['backend']:<8} {net:<10} {r['seeds']:>5} {r['steps_per_s']:>10,.0f} "
                     f"{r['seed_steps_per_s']:>13,.0f}")
    return "\n".join(lines)
