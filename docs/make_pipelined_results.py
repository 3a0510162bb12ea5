"""Time to accuracy of the reference and the pipelined trainer, for docs/results.md (one command):

    python docs/make_pipelined_results.py              # model statistics (minutes) + the recorded builds
    python docs/make_pipelined_results.py --rebuild    # also rebuild the four bitstreams and NIST7x7 (about an hour)

or record builds made separately (``mgd build --board B [--pipelined --clock-mhz F] --json R.json``):

    python docs/make_pipelined_results.py --record pipelined/ulx3s-85f=R.json --reuse-stats

Steps come from the bit-exact fixed-point model (compiled engine, θ bit-identical to the RTL: tests/rtl/,
tests/boards/, docs/postsynth.md): XOR 2-2-1 with the boards' formats (compact), Δθ 2^-4, 20 initialisations, each
with its own hardware seed (codes and sample order), accuracy on the 4 samples after every step, η retuned per τθ
(the best median over ``ETAS``). Cycles: the reference trainer's schedule (8 cycles per step: every XOR step
measures C₀) and the pipelined trainer's (a window of τθ steps takes τθ + retire cycles; θ after step n is in place
after n + ⌈n/τθ⌉·retire cycles). Time = cycles ÷ the post-route Fmax of the very bitstream build (``mgd build``
reports, recorded in ``docs/data/pipelined_builds.json``; ``--rebuild`` makes them again). The NIST7x7 49-4-4 row:
the pipelined trainer without host link placed and routed on the ECP5-85F, steps to 90 % from the model (5
initialisations).
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from mgd.boards.platform_top import PIPELINED_BOARD_OPTIONS, xor_config
from mgd.golden_model.config import MGDConfig
from mgd.golden_model.fixed_mgd import train_fixed
from mgd.golden_model.formats import COMPACT_FORMATS, DEFAULT_FORMATS
from mgd.golden_model.schedule import step_cycles
from mgd.rtl.trainer_build import build

DOCS = Path(__file__).parent
DATA = DOCS / "data" / "pipelined_builds.json"
STATS = DOCS / "data" / "pipelined_stats.json"
PLOT = DOCS / "img" / "pipelined_time_to_accuracy.png"
BEGIN, END = "<!-- pipelined-results:begin -->", "<!-- pipelined-results:end -->"
TAU_THETAS = (1, 2, 4, 8, 16)
ETAS = (0.125, 0.25, 0.5, 1.0, 2.0)
SEEDS, XOR_STEPS = 20, 10_000
NIST = MGDConfig(
    dataset="nist7x7",
    eta=3 / 220,
    dtheta=2**-4,
    init_scale=0.5,
    steps=2_000_000,
    seeds=5,
    seed=0,
    sample_order="random",
    tau_theta=16,
    threshold=0.9,
    eval_every=10_000,
)  # fmt: skip  (docs/sweeps/hw-nist7x7.toml's fastest setting, evaluated 5× as often)
#: the paper's Table 3 estimate for hardware HW2 (2-bit parity, 1e4 steps)
HW2_US = 200.0


def timing_of(config, fmts, **options):
    """The pipelined trainer's :class:`~mgd.golden_model.pipeline_schedule.PipelineTiming` for ``config``."""
    trainer = build(config.replace(seeds=1), fmts, pipelined=True, **options).trainer
    trainer._MustUse__silence = True  # built for its timing only, never elaborated
    return trainer.timing


def pipelined_cycles_to(n, tau_theta, retire):
    """Cycles until θ after step n is in place (whole windows plus the last window's drain)."""
    return n + math.ceil(n / tau_theta) * retire


def median(values):
    """Median with ``None`` (never reached) counted as infinite."""
    v = sorted(math.inf if x is None else x for x in values)
    return v[len(v) // 2] if len(v) % 2 else (v[len(v) // 2 - 1] + v[len(v) // 2]) / 2


def xor_stats():
    """Per τθ: the best η and its steps to 100 % per initialisation."""
    out = {}
    for tt in TAU_THETAS:
        best = None
        for eta in ETAS:
            cfg = xor_config(XOR_STEPS).replace(seeds=SEEDS, eta=eta, tau_theta=tt, eval_every=1)
            r = train_fixed(cfg, COMPACT_FORMATS, engine="compiled")
            reached = list(r.steps_to_threshold)
            key = (median(reached), -sum(x is not None for x in reached))
            if best is None or key < best[0]:
                best = (key, eta, reached)
        out[tt] = {"eta": best[1], "reached": best[2]}
        print(f"XOR τθ={tt}: η={best[1]}, median {best[0][0]} steps, {-best[0][1]}/{SEEDS} solved", flush=True)
    return out


def nist_stats():
    r = train_fixed(NIST, DEFAULT_FORMATS, engine="compiled")
    print(f"NIST7x7 τθ={NIST.tau_theta}: steps to 90 % {r.steps_to_threshold}", flush=True)
    return {"reached": list(r.steps_to_threshold), "final_accuracy": r.final_accuracy.tolist()}


def rebuild():
    """The four XOR bitstreams (reference at the board clock, pipelined from the PLL below its first Fmax) and the
    NIST7x7 place and route; returns the records written to ``DATA``."""
    from mgd.boards.build import build_board
    from mgd.boards.io_wrapper import IOWrapper
    from mgd.boards.synth import place_and_route

    records = {}
    for board in ("icebreaker", "ulx3s-85f"):
        records[f"reference/{board}"] = build_board(board, Path("build") / "results" / f"reference-{board}")
        trial = build_board(
            board,
            Path("build") / "results" / f"pipelined-{board}-trial",
            clock_mhz=200 if board == "ulx3s-85f" else 100,
            timing_allow_fail=True,
            trainer_options=PIPELINED_BOARD_OPTIONS,
        )
        fmax = min(v["fmax_mhz"] for v in trial["fmax"].values())
        records[f"pipelined/{board}"] = build_board(
            board,
            Path("build") / "results" / f"pipelined-{board}",
            clock_mhz=math.floor(fmax),
            trainer_options=PIPELINED_BOARD_OPTIONS,
        )
    nist = build(NIST.replace(seeds=1), DEFAULT_FORMATS, pipelined=True, input_bits=1)
    records["pipelined/nist7x7-ecp5"] = place_and_route(
        IOWrapper(nist.trainer), "ecp5", device="85k", name="nist", workdir="build/results/nist", freq_mhz=120
    )
    records["pipelined/nist7x7-ecp5"]["timing"] = vars(nist.trainer.timing)
    return {k: trim(v) for k, v in records.items()}


def trim(report: dict) -> dict:
    """The fields of a build report the results use."""
    keep = ("board", "bitstream", "bytes", "fmax", "utilisation", "clock_mhz", "pll", "fmax_mhz", "lut", "ff", "dsp")
    keep += ("timing", "fpga", "seconds")
    return {f: report[f] for f in keep if f in report}


def fmax_of(record) -> float:
    if "fmax_mhz" in record and record["fmax_mhz"] is not None:
        return float(record["fmax_mhz"])
    return min(v["fmax_mhz"] for v in record["fmax"].values())


def table(stats, builds, timings):
    rows = [
        "| τθ | η | solved | median steps to 100 % | trainer | cycles/step | UP5K Fmax (MHz) | µs to 100 % (UP5K) "
        "| ECP5-85F Fmax (MHz) | µs to 100 % (ECP5) | 10⁴ steps (µs, ECP5) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for tt in TAU_THETAS:
        s = stats["xor"][str(tt)]
        solved = sum(x is not None for x in s["reached"])
        for design in ("reference", "pipelined"):
            if design == "reference":
                cycles = [None if n is None else n * step_cycles(2, True) for n in s["reached"]]
                per_step, run = step_cycles(2, True), XOR_STEPS * step_cycles(2, True)
            else:
                retire = timings["xor"]["retire"]
                cycles = [None if n is None else pipelined_cycles_to(n, tt, retire) for n in s["reached"]]
                per_step, run = (tt + retire) / tt, pipelined_cycles_to(XOR_STEPS, tt, retire)
            f_up, f_ecp = fmax_of(builds[f"{design}/icebreaker"]), fmax_of(builds[f"{design}/ulx3s-85f"])
            c = median(cycles)
            # the reference iCE40 build has combinational SB_MAC16s, whose paths nextpnr does not time: its Fmax is
            # an upper bound, its times lower bounds
            le, ge = ("≤ ", "≥ ") if design == "reference" else ("", "")
            rows.append(
                f"| {tt} | {s['eta']:g} | {solved}/{SEEDS} | {median(s['reached']):,.0f} | {design} | {per_step:.2f} "
                f"| {le}{f_up:.1f} | {ge}{c / f_up:,.0f} | {f_ecp:.1f} | {c / f_ecp:,.1f} | {run / f_ecp:,.0f} |"
            )
    return "\n".join(rows)


def plot(stats, builds, timings):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    for design, marker in (("reference", "o"), ("pipelined", "s")):
        for board, style in (("icebreaker", "--"), ("ulx3s-85f", "-")):
            f = fmax_of(builds[f"{design}/{board}"])
            ys = []
            for tt in TAU_THETAS:
                reached = stats["xor"][str(tt)]["reached"]
                if design == "reference":
                    cycles = [None if n is None else n * step_cycles(2, True) for n in reached]
                else:
                    retire = timings["xor"]["retire"]
                    cycles = [None if n is None else pipelined_cycles_to(n, tt, retire) for n in reached]
                ys.append(median(cycles) / f)
            bound = "≤ " if (design, board) == ("reference", "icebreaker") else ""  # untimed SB_MAC16 paths
            label = f"{design}, {'UP5K' if board == 'icebreaker' else 'ECP5-85F'} ({bound}{f:.0f} MHz)"
            ax.plot(TAU_THETAS, ys, style, marker=marker, label=label)
    ax.axhline(50, color="grey", lw=0.8, ls=":")
    ax.axhline(150, color="grey", lw=0.8, ls=":")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("τθ (steps per update)")
    ax.set_ylabel("median time to 100 % (µs)")
    ax.set_title("XOR 2-2-1, 20 initialisations, post-route Fmax")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(PLOT, dpi=120)


def nist_text(stats, builds, timings):
    rec = builds.get("pipelined/nist7x7-ecp5")
    reached = stats["nist"]["reached"]
    tt = NIST.tau_theta
    retire = (rec or {}).get("timing", timings["nist"])["retire"]  # the timing of that very build
    cycles = [None if n is None else pipelined_cycles_to(n, tt, retire) for n in reached]
    steps_txt = ", ".join("never" if n is None else f"{n:,}" for n in reached)
    text = (
        f"NIST7x7 49-4-4 (default formats, 1-bit inputs, τθ = {tt}, η = 3/220, Δθ 2^-4, θ₀ ~ U[−0.5, 0.5), 5 "
        f"initialisations, accuracy on all 44,136 samples every 10,000 steps): steps to 90 % {steps_txt}; median "
        f"{median(reached):,.0f} steps = {median(cycles):,.0f} cycles "
        f"({(tt + retire) / tt:.2f} cycles per step, retire {retire})."
    )
    if rec:
        f = fmax_of(rec)
        util = rec.get("utilisation", {})
        parts = ", ".join(
            f"{k} {util[k][0]:,}/{util[k][1]:,}"
            for k in ("TRELLIS_COMB", "TRELLIS_FF", "MULT18X18D", "DP16KD")
            if k in util
        )
        text += f" Placed and routed on the ECP5-85F: {parts}; post-route Fmax {f:.1f} MHz: median time to 90 % "
        text += f"{median(cycles) / f / 1e3:,.2f} ms."
    return text


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rebuild", action="store_true", help="rebuild the bitstreams and NIST7x7 (about an hour)")
    ap.add_argument("--reuse-stats", action="store_true", help="take the model statistics from " + str(STATS))
    ap.add_argument(
        "--record",
        action="append",
        default=[],
        metavar="NAME=REPORT",
        help="store a build report (mgd build --json) as NAME (reference/icebreaker, pipelined/ulx3s-85f, …)",
    )
    args = ap.parse_args()
    if args.rebuild:
        DATA.write_text(json.dumps(rebuild(), indent=1, default=str) + "\n")
    builds = json.loads(DATA.read_text()) if DATA.exists() else {}
    for item in args.record:
        name, _, path = item.partition("=")
        builds[name] = trim(json.loads(Path(path).read_text()))
    if args.record:
        DATA.write_text(json.dumps(builds, indent=1, default=str) + "\n")
    if args.reuse_stats:
        stats = json.loads(STATS.read_text())
    else:
        stats = {"xor": {str(k): v for k, v in xor_stats().items()}, "nist": nist_stats()}
        STATS.write_text(json.dumps(stats, indent=1) + "\n")
    timings = {
        "xor": vars(timing_of(xor_config(), COMPACT_FORMATS, **{"input_bits": 1})),
        "nist": vars(timing_of(NIST, DEFAULT_FORMATS, input_bits=1)),
    }
    text = table(stats, builds, timings) + "\n\n" + nist_text(stats, builds, timings)
    plot(stats, builds, timings)
    results = DOCS / "results.md"
    doc = results.read_text()
    start, end = doc.index(BEGIN) + len(BEGIN), doc.index(END)
    results.write_text(doc[:start] + "\n" + text + "\n" + doc[end:])
    print(text)


if __name__ == "__main__":
    main()
