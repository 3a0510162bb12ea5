"""Whole-design FPGA results for docs/fpga-synth.md and docs/img/resource-scaling.png.

    python docs/make_synth_results.py                 (everything not yet in the cache; see docs/fpga-synth.md)
    python docs/make_synth_results.py --doc-only      (rewrite the doc and the plot from the cache)
    python docs/make_synth_results.py --big           (also the 49-4-4 trainer place-and-route on ECP5-85F)

Steps, one tool at a time (results cached as JSON in --cache, default out/synth; delete a file to redo its run):

1. capacities: a tiny wrapped design placed on the UP5K, ECP5-25F and ECP5-85F: nextpnr's "available" counts.
2. XOR: the XOR trainer and its inference-only array (COMPACT formats, IOWrapper) placed and routed on the UP5K
   (``synth_ice40 -dsp``) and the ECP5-85F: utilisation and post-route Fmax.
3. sweep: Yosys synthesis only (no place-and-route) of the trainer and the array for several network shapes,
   synthetic 16-sample dataset memories (:func:`mgd.boards.synth.synthetic_trainer`), both families.
4. --big: the 49-4-4 (NIST7x7-shaped) trainer, 16 samples, placed and routed on the ECP5-85F, 40-minute limit.

The page's prose is docs/templates/fpga-synth.md; this script fills its ``{placeholders}`` with the tables and numbers.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from mgd.boards import synth  # noqa: E402
from mgd.boards.io_wrapper import IOWrapper  # noqa: E402
from mgd.boards.unit_area import ThetaRegister  # noqa: E402
from mgd.golden_model.config import MGDConfig  # noqa: E402
from mgd.golden_model.formats import FORMAT_SETS  # noqa: E402
from mgd.golden_model.network import MLP  # noqa: E402
from mgd.rtl.feedforward_array import FeedforwardArray  # noqa: E402
from mgd.toolchain import (  # noqa: E402
    BRAM_CELLS,  # noqa: E402
    SynthesisError,
    synthesize,
)

DOCS = Path(__file__).parent
#: the page's prose with ``{placeholders}`` that :func:`write_doc` fills (``str.format``: literal braces doubled)
TEMPLATE = DOCS / "templates" / "fpga-synth.md"
XOR = MGDConfig(dataset="xor", eta=0.5, dtheta=2**-4, init_scale=2.0, seeds=1, seed=0, sample_order="random")
DEVICES = [
    ("ice40", "up5k", "iCE40 UP5K (SG48)"),
    ("ecp5", "25k", "ECP5-25F (CABGA381)"),
    ("ecp5", "85k", "ECP5-85F (CABGA381)"),
]
PNR_DEVICES = [("ice40", "up5k"), ("ecp5", "85k")]
SIZES = [(2, 2, 1), (4, 4, 1), (8, 8, 1), (16, 8, 4), (49, 4, 4)]
SWEEP_FORMATS = {"compact": SIZES, "default": SIZES[:2]}
#: the iCE40 trainer sweep stops at 8-8-1 (Yosys time grows ~2.5 s per synapse per family; nothing past 2-2-1
#: fits the UP5K anyway); arrays are synthesized for every size
ICE40_TRAINER_MAX_PARAMS = 81


def sweep_jobs():
    for fmt_name, sizes in SWEEP_FORMATS.items():
        for layers in sizes:
            for target in ("trainer", "array"):
                for family in ("ice40", "ecp5"):
                    if family == "ice40" and target == "trainer" and MLP(layers).n_params > ICE40_TRAINER_MAX_PARAMS:
                        continue
                    yield fmt_name, layers, target, family


SAMPLES = 16
#: what is known of the slow test's run time (written by hand)
SLOW_TEST = "not timed as a test: it repeats the XOR runs above, about 2 minutes of tool time"
BIG = (49, 4, 4)
BIG_TIMEOUT = 2400


def shape(layers) -> str:
    return "-".join(map(str, layers))


def cached(path: Path, run, force=False):
    if path.exists() and not force:
        return json.loads(path.read_text())
    t0 = time.perf_counter()
    result = run()
    print(f"  {path.name}: {time.perf_counter() - t0:.0f} s")
    path.write_text(json.dumps(result, indent=1) + "\n")
    return result


def capacities(cache: Path) -> dict:
    out = {}
    for family, device, _ in DEVICES:
        r = cached(
            cache / f"capacity_{family}_{device}.json",
            lambda f=family, d=device: synth.place_and_route(IOWrapper(ThetaRegister()), f, device=d, name="theta"),
        )
        out[(family, device)] = r
    return out


def xor_runs(cache: Path) -> dict:
    out = {}
    for family, device in PNR_DEVICES:
        out[(family, device)] = cached(
            cache / f"xor_{family}_{device}.json",
            lambda f=family, d=device: synth.synth_designs(XOR, FORMAT_SETS["compact"], f, d),
        )
    return out


def xor_nodsp(cache: Path) -> dict:
    """The XOR trainer on the UP5K without DSP mapping: every path timed by nextpnr (if it fits)."""

    def run():
        try:
            r = synth.synth_designs(XOR, FORMAT_SETS["compact"], "ice40", "up5k", targets=("trainer",), dsp=False)
            return {"finished": True, **r["targets"]["trainer"]}
        except SynthesisError as exc:
            return {"finished": False, "error": str(exc)[-3000:]}

    return cached(cache / "xor_ice40_up5k_nodsp.json", run)


def nodsp_text(r: dict | None) -> str:
    if r is None:
        return "not run"
    if not r.get("finished"):
        m = re.search(r"ICESTORM_LC:\s*(\d+)/\s*(\d+)", r["error"])
        errors = [x.strip() for x in r["error"].splitlines() if x.startswith("ERROR")]
        if m:
            used, avail = int(m[1]), int(m[2])
            return (
                f"the trainer then needs {used:,} of the UP5K's {avail:,} logic cells ({100 * used / avail:.0f} %) "
                f"and placement fails (`{errors[0] if errors else 'error'}`), so there is no fully timed UP5K "
                "number"
            )
        return f"that run failed: `{(errors or r['error'].splitlines()[:1])[0].strip()}`"
    lc = r["utilisation"]["ICESTORM_LC"]
    return (
        f"that trainer takes {lc[0]:,} of {lc[1]:,} logic cells, {r['lut']:,} LUT4, {r['carry']:,} carries, "
        f"and reaches **{r['fmax_mhz']:.1f} MHz** post-route, every path timed"
    )


def sweep(cache: Path) -> list[dict]:
    rows = []
    for fmt_name, layers, target, family in sweep_jobs():

        def run(layers=layers, target=target, family=family, fmts=FORMAT_SETS[fmt_name]):
            inner = (
                synth.synthetic_trainer(layers, fmts, samples=SAMPLES)
                if target == "trainer"
                else FeedforwardArray(MLP(layers), fmts)
            )
            wrapped = IOWrapper(inner)
            r = synth.synth_row(synthesize(wrapped, family, top=target, dsp=True))
            return {**r, "wrapper": wrapped.overhead, "ff_inner": r["ff"] - wrapped.overhead["ff"]}

        try:
            r = cached(cache / f"sweep_{fmt_name}_{shape(layers)}_{target}_{family}.json", run)
        except SynthesisError as exc:
            print(f"  FAILED {fmt_name} {shape(layers)} {target} {family}: {str(exc).splitlines()[0]}")
            continue
        rows.append(
            {"formats": fmt_name, "layers": shape(layers), "n_params": MLP(layers).n_params, "target": target, **r}
        )
    return rows


def big_run(cache: Path, timeout: float = BIG_TIMEOUT) -> dict:
    def run():
        inner = synth.synthetic_trainer(BIG, FORMAT_SETS["compact"], samples=SAMPLES)
        wrapped = IOWrapper(inner)
        t0 = time.perf_counter()
        try:
            r = synth.place_and_route(
                wrapped, "ecp5", device="85k", name="trainer", dsp=False, workdir=cache / "big", timeout=timeout
            )
            return {"finished": True, **r, "wrapper": wrapped.overhead, "ff_inner": r["ff"] - wrapped.overhead["ff"]}
        except SynthesisError as exc:
            return {
                "finished": False,
                "error": str(exc)[:3000],
                "seconds_total": time.perf_counter() - t0,
                "timeout_per_tool": timeout,
            }

    return cached(cache / "big_ecp5_85k.json", run)


# ------------------------------------------------------------------ the document


def fmt_util(r, bel):
    u = r["utilisation"].get(bel)
    return f"{u[0]:,} / {u[1]:,} ({100 * u[0] / u[1]:.0f} %)" if u else "–"


def capacity_table(caps: dict) -> tuple[str, dict]:
    lines = ["| device | logic | flip-flops | DSP | block RAM | IO |", "|---|---:|---:|---:|---:|---:|"]
    limits = {}
    for family, device, label in DEVICES:
        util = caps[(family, device)]["utilisation"]
        if family == "ice40":
            lc, ff, dsp, ram, io = (util["ICESTORM_LC"][1],) * 2 + (
                util["ICESTORM_DSP"][1],
                util["ICESTORM_RAM"][1],
                util["SB_IO"][1],
            )
            lines.append(
                f"| {label} | {lc:,} ICESTORM_LC (LUT4 + FF + carry) | (in the LCs) | {dsp} SB_MAC16 | "
                f"{ram} × 4 kbit | {io} |"
            )
        else:
            lc, ff = util["TRELLIS_COMB"][1], util["TRELLIS_FF"][1]
            dsp, ram, io = util["MULT18X18D"][1], util["DP16KD"][1], util["TRELLIS_IO"][1]
            lines.append(
                f"| {label} | {lc:,} TRELLIS_COMB (LUT4) | {ff:,} TRELLIS_FF | {dsp} MULT18X18D | "
                f"{ram} × 18 kbit | {io} |"
            )
        limits[(family, device)] = {"lut": lc, "ff": ff, "dsp": dsp, "bram": ram}
    return "\n".join(lines), limits


def xor_table(runs: dict) -> str:
    lines = []
    for (family, device), res in runs.items():
        t, a = res["targets"]["trainer"], res["targets"]["array"]
        lines.append(f"**{family} {device}** ({t['package']}; `{t['command']}`)\n")
        lines.append("| | trainer | inference-only array | trainer ÷ array |")
        lines.append("|---|---:|---:|---:|")
        ov = res["overhead"]
        rows = [
            ("LUT4 (Yosys)", "lut"),
            ("carry cells", "carry"),
            ("flip-flops", "ff"),
            ("flip-flops without the wrapper's", "ff_inner"),
            ("DSP", "dsp"),
            ("block RAM", "bram"),
            ("logic cells placed (nextpnr)", "logic_cells"),
        ]
        for label, key in rows:
            ratio = ov.get(key)
            lines.append(f"| {label} | {t[key]:,} | {a[key]:,} | {f'{ratio:.2f}×' if ratio else '–'} |")
        lc = "ICESTORM_LC" if family == "ice40" else "TRELLIS_COMB"
        dsp = "ICESTORM_DSP" if family == "ice40" else "MULT18X18D"
        ram = "ICESTORM_RAM" if family == "ice40" else "DP16KD"
        for label, bel in (("logic utilisation", lc), ("DSP utilisation", dsp), ("RAM utilisation", ram)):
            lines.append(f"| {label} | {fmt_util(t, bel)} | {fmt_util(a, bel)} | |")
        star = " (upper bound, see below)" if t.get("untimed_dsp_paths") else ""
        lines.append(
            f"| **post-route Fmax**{star} | **{t['fmax_mhz']:.1f} MHz** | **{a['fmax_mhz']:.1f} MHz** | "
            f"{ov['fmax_mhz']:.2f}× |"
        )
        if t.get("untimed_dsp_paths"):
            for label, src, dst in (
                ("worst clock → DSP input segment", "clk", "GND"),
                ("worst DSP → DSP segment", "GND", "GND"),
                ("worst DSP → clock segment", "GND", "clk"),
            ):
                lines.append(f"| {label} | {segment(t, src, dst)} | {segment(a, src, dst)} | |")
            lines.append(f"| all three in series (1 / sum) | {chained(t)} | {chained(a)} | |")
        lines.append(
            f"| tool time (yosys + nextpnr) | {t['seconds']['yosys']:.0f} + {t['seconds']['nextpnr']:.0f} s "
            f"| {a['seconds']['yosys']:.0f} + {a['seconds']['nextpnr']:.0f} s | |"
        )
        lines.append("")
    return "\n".join(lines)


def _seg(r, src, dst):
    def kind(clock):
        return "GND" if "PACKER_GND" in clock else ("clk" if "clk" in clock else "other")

    return [p["delay_ns"] for p in r.get("paths", []) if (kind(p["from"]), kind(p["to"])) == (src, dst)]


def segment(r, src, dst) -> str:
    d = _seg(r, src, dst)
    return f"{max(d):.1f} ns" if d else "–"


def chained(r) -> str:
    parts = [max(_seg(r, *k), default=0.0) for k in (("clk", "GND"), ("GND", "GND"), ("GND", "clk"))]
    total = sum(parts)
    return f"{total:.1f} ns → {1000 / total:.1f} MHz" if total else "–"


def fits(r: dict, lim: dict, family: str) -> bool:
    """Lower-bound verdict from Yosys' counts: every resource within the device's (LUT sites incl. carries; LUT RAM
    on ECP5 counts 2 LUT sites per TRELLIS_DPR16X4 as a slice's RAM mode needs)."""
    other = r.get("other", {})
    lut_need = r["lut_sites"] + 2 * other.get("TRELLIS_DPR16X4", 0)
    if family == "ice40":
        lut_need = max(lut_need, r["ff"])
    return lut_need <= lim["lut"] and r["ff"] <= lim["ff"] and r["dsp"] <= lim["dsp"] and r["bram"] <= lim["bram"]


def sweep_tables(rows: list[dict], limits: dict) -> str:
    out = []
    for family, label, devs in (
        ("ice40", "iCE40 (`synth_ice40 -dsp`)", [("ice40", "up5k", "UP5K")]),
        ("ecp5", "ECP5 (`synth_ecp5`)", [("ecp5", "25k", "25F"), ("ecp5", "85k", "85F")]),
    ):
        out.append(f"**{label}**\n")
        head = (
            "| network | P | formats | design | LUT4 | carry | LUT sites | LUT sites ÷ P | FF (FF − wrapper) | DSP "
            "| RAM | other |"
        )
        head += "".join(f" fits {n}? |" for _, _, n in devs)
        out.append(head)
        out.append("|---|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---|" + "---|" * len(devs))
        for r in rows:
            if r["family"] != family:
                continue
            other = ", ".join(f"{k} {v}" for k, v in r["other"].items() if k not in BRAM_CELLS[family]) or "–"
            verdicts = "".join(f" {'yes' if fits(r, limits[(f, d)], f) else '**no**'} |" for f, d, _ in devs)
            out.append(
                f"| {r['layers']} | {r['n_params']} | {r['formats']} | {r['target']} | {r['lut']:,} | "
                f"{r['carry']:,} | {r['lut_sites']:,} | {r['lut_sites'] / r['n_params']:.0f} | "
                f"{r['ff']:,} ({r['ff_inner']:,}) | {r['dsp']} | "
                f"{r['bram']} | {other} |{verdicts}"
            )
        out.append("")
    return "\n".join(out)


def plot(rows: list[dict], limits: dict, path: Path):
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.8))
    for ax, family in zip(axes, ("ice40", "ecp5"), strict=True):
        for fmt_name, style in (("compact", "-"), ("default", ":")):
            for target, color in (("trainer", "C3"), ("array", "C0")):
                sel = [r for r in rows if r["family"] == family and r["formats"] == fmt_name and r["target"] == target]
                if not sel:
                    continue
                p = [r["n_params"] for r in sel]
                ax.plot(
                    p,
                    [r["lut_sites"] for r in sel],
                    style,
                    marker="o",
                    color=color,
                    label=f"{target}, {fmt_name}: LUT sites",
                )
                ax.plot(
                    p,
                    [r["dsp"] for r in sel],
                    style,
                    marker="s",
                    color=color,
                    alpha=0.45,
                    markersize=4,
                    label=f"{target}, {fmt_name}: DSP",
                )
        devs = (
            [("ice40", "up5k", "UP5K")]
            if family == "ice40"
            else [("ecp5", "25k", "ECP5-25F"), ("ecp5", "85k", "ECP5-85F")]
        )
        for f, d, name in devs:
            lim = limits[(f, d)]
            ax.axhline(lim["lut"], color="k", lw=0.8, ls="--")
            ax.text(9, lim["lut"] * 1.08, f"{name}: {lim['lut']:,} LUT", fontsize=8)
            ax.axhline(lim["dsp"], color="0.5", lw=0.8, ls="-.")
            ax.text(9, lim["dsp"] * 1.08, f"{name}: {lim['dsp']} DSP", fontsize=8, color="0.4")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ps = sorted({r["n_params"] for r in rows})
        ax.set_xticks(ps, [str(p) for p in ps])
        ax.minorticks_off()
        ax.set_xlabel("network parameters P (2-2-1 … 49-4-4)")
        ax.set_ylabel("cells (Yosys, wrapped design)")
        ax.set_title("iCE40 (synth_ice40 -dsp)" if family == "ice40" else "ECP5 (synth_ecp5)")
        ax.grid(alpha=0.3, which="both")
    handles, labels = axes[1].get_legend_handles_labels()
    fig.tight_layout(rect=(0, 0.12, 1, 1))
    fig.legend(handles, labels, loc="lower center", ncol=4, fontsize=7, frameon=False)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _last_stage(log: Path) -> str | None:
    if not log.exists():
        return None
    stages = re.findall(r"^[\d.]+ Executing (\S+) pass", log.read_text(errors="replace"), re.M)
    aig = re.findall(r"replaced \d+ cells with (\d+) new cells", log.read_text(errors="replace"))
    where = f"its {stages[-1]} pass" if stages else None
    if where and aig:
        where += f", LUT-mapping the {int(aig[-1]):,} AIG cells AIGMAP made,"
    return where


def big_section(big: dict | None, cache: Path) -> str:
    if big is None:
        return "Not run (`--big`)."
    if not big.get("finished"):
        stage = _last_stage(cache / "big" / "yosys.log")
        nextpnr_ran = (cache / "big" / "nextpnr.log").exists()
        where = f" Yosys was in {stage} when it was stopped." if stage and not nextpnr_ran else ""
        first = big["error"].splitlines()[0].split(";")[0]
        return (
            f"Did **not** finish: {first} ({big['seconds_total'] / 60:.0f} min in "
            f"all, limit {big.get('timeout_per_tool', BIG_TIMEOUT) / 60:.0f} min per tool; the 2-core machine "
            f"ran nothing else heavy of ours meanwhile).{where} "
            f"{'nextpnr never ran, so there is no Fmax or utilisation.' if not nextpnr_ran else ''}"
        )
    r = big
    util = ", ".join(f"{bel} {u:,} / {a:,}" for bel, (u, a) in r["utilisation"].items() if u)
    return (
        f"Finished: **{r['fmax_mhz']:.1f} MHz** post-route (target {r['freq_mhz']:g} MHz, seed {r['seed']}); "
        f"Yosys: {r['lut']:,} LUT4, {r['carry']:,} CCU2C, {r['ff']:,} FF ({r['ff_inner']:,} without the "
        f"wrapper's), {r['dsp']} DSP, {r['bram']} DP16KD. nextpnr utilisation: {util}. Tool time: yosys "
        f"{r['seconds']['yosys'] / 60:.1f} min, nextpnr {r['seconds']['nextpnr'] / 60:.1f} min."
    )


def _tool_seconds(r) -> float:
    if r is None:
        return 0.0
    if "targets" in r:
        return sum(_tool_seconds(t) for t in r["targets"].values())
    secs = r.get("seconds")
    return (secs["yosys"] + secs["nextpnr"]) if secs else r.get("yosys_s", 0.0)


def write_doc(caps, runs, rows, big, limits_table, limits, nodsp, cache: Path):
    first = next(iter(runs.values()))["targets"]["trainer"]
    total = sum(_tool_seconds(r) for r in [*caps.values(), *runs.values(), nodsp, *rows])
    big_sweep = sum(
        r["yosys_s"]
        for r in rows
        if r["family"] == "ecp5" and r["target"] == "trainer" and r["layers"] in ("16-8-4", "49-4-4")
    )
    text = TEMPLATE.read_text().format(
        yosys=first["yosys"],
        nextpnr=first["nextpnr"],
        capacity=limits_table,
        nodsp=nodsp_text(nodsp),
        tool_minutes=total / 60,
        slow_test=SLOW_TEST,
        big_sweep_minutes=big_sweep / 60,
        xor=xor_table(runs),
        sweep=sweep_tables(rows, limits),
        big=big_section(big, cache),
        samples=SAMPLES,
        sizes=", ".join(shape(s) for s in SIZES),
        default_sizes=", ".join(shape(s) for s in SWEEP_FORMATS["default"]),
    )
    (DOCS / "fpga-synth.md").write_text(text)
    print(f"wrote {DOCS / 'fpga-synth.md'}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=Path("out/synth"), help="JSON results (default out/synth)")
    parser.add_argument("--doc-only", action="store_true", help="no tool runs: only what is cached")
    parser.add_argument("--big", action="store_true", help="also place and route the 49-4-4 trainer on ECP5-85F")
    parser.add_argument(
        "--big-timeout", type=float, default=BIG_TIMEOUT, help=f"seconds per tool for --big (default {BIG_TIMEOUT})"
    )
    args = parser.parse_args(argv)
    args.cache.mkdir(parents=True, exist_ok=True)
    if args.doc_only:

        def load(name):
            path = args.cache / name
            return json.loads(path.read_text()) if path.exists() else None

        caps = {(f, d): load(f"capacity_{f}_{d}.json") for f, d, _ in DEVICES}
        runs = {(f, d): load(f"xor_{f}_{d}.json") for f, d in PNR_DEVICES}
        rows = []
        for fmt_name, layers, target, family in sweep_jobs():
            r = load(f"sweep_{fmt_name}_{shape(layers)}_{target}_{family}.json")
            if r is not None:
                rows.append(
                    {
                        "formats": fmt_name,
                        "layers": shape(layers),
                        "n_params": MLP(layers).n_params,
                        "target": target,
                        **r,
                    }
                )
        big = load("big_ecp5_85k.json")
        nodsp = load("xor_ice40_up5k_nodsp.json")
    else:
        print("capacities …")
        caps = capacities(args.cache)
        print("XOR place-and-route …")
        runs = xor_runs(args.cache)
        nodsp = xor_nodsp(args.cache)
        print("sweep (yosys) …")
        rows = sweep(args.cache)
        big_path = args.cache / "big_ecp5_85k.json"
        if args.big:
            big = big_run(args.cache, args.big_timeout)
        else:
            big = json.loads(big_path.read_text()) if big_path.exists() else None
    limits_table, limits = capacity_table(caps)
    (DOCS / "img").mkdir(exist_ok=True)
    plot(rows, limits, DOCS / "img" / "resource-scaling.png")
    print(f"wrote {DOCS / 'img' / 'resource-scaling.png'}")
    write_doc(caps, runs, rows, big, limits_table, limits, nodsp, args.cache)


if __name__ == "__main__":
    main()
