"""Per-unit area tables: the synapse and cost-unit variants of the design, synthesized one by one for iCE40 and ECP5.

:func:`unit_area_table` synthesizes every variant of :func:`area_variants` (synapses with each code, correlator
and broadcast mode; cost units; an inference-only θ register, :class:`ThetaRegister`: the baseline that makes the
per-synapse training overhead a ratio) with :func:`mgd.toolchain.synthesize` (``synth_ice40 -top NAME`` /
``synth_ecp5 -top NAME``, the tools' default DSP mapping) and counts cells by the rules of
:mod:`mgd.toolchain.cells`; :func:`format_markdown` prints the tables of ``docs/area.md`` (``mgd area``; that file
gives the exact command).

iCE40 runs *without* ``-dsp``: Yosys 0.70's DSP mapping mis-computes a 33-bit ``c + a*b`` (docs/postsynth.md), so
every multiplier is built from LUTs and carries (this is also Amaranth's default iCE40 flow).
"""

from __future__ import annotations

import functools

from amaranth.hdl import Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from mgd.golden_model.codes import CodeSpec
from mgd.golden_model.formats import DEFAULT_FORMATS, FixedFormats
from mgd.rtl.fixed import shape_of
from mgd.toolchain import FAMILIES, check_family, find_yosys, synthesize, yosys_version

__all__ = [
    "ThetaRegister",
    "unit_area",
    "area_variants",
    "unit_area_table",
    "area_report",
    "format_markdown",
]


class ThetaRegister(wiring.Component):
    """Inference-only weight storage: the θ register of one synapse with its load port, nothing else.

    The baseline of the area table: a network that is trained elsewhere and only loaded still needs this, so a
    synapse's *training* overhead is its area over this one's. Ports as the synapse's: ``load`` In(1),
    ``load_value`` In(fmts.theta), ``theta`` Out(fmts.theta) (the register; θ ← ``load_value`` 1 cycle after
    ``load``).
    """

    def __init__(self, fmts: FixedFormats = DEFAULT_FORMATS):
        self.fmts = fmts
        shape = shape_of(fmts.theta)
        super().__init__({"load": In(1), "load_value": In(shape), "theta": Out(shape)})

    def elaborate(self, platform):
        m = Module()
        theta = Signal(shape_of(self.fmts.theta))
        with m.If(self.load):
            m.d.sync += theta.eq(self.load_value)
        m.d.comb += self.theta.eq(theta)
        return m


def unit_area(component, family: str, *, name: str, workdir=None, yosys: list[str] | None = None) -> dict:
    """Synthesize one unit (:func:`mgd.toolchain.synthesize` with the family's default DSP mapping: none on iCE40)
    and return its row: ``{"family", "name", "lut", "ff", "carry", "dsp", "lut_sites", "other", "cells",
    "warnings", "yosys"}``. ``ValueError`` for a bad family or name before any work, :class:`SynthesisError` when
    Yosys is missing or fails."""
    r = synthesize(component, family, top=name, workdir=workdir, yosys=yosys)
    return {"family": family, "name": name, **r.counts(), "warnings": r.warnings, "yosys": r.yosys}


# ------------------------------------------------------------------ the table

N_SYNAPSES = 9  # codes of a 9-parameter network (the XOR 2-2-1 net); the Walsh counter then has 4 bits
SYNAPSE_INDEX = 3


def area_variants(fmts: FixedFormats = DEFAULT_FORMATS) -> list[tuple[dict, object]]:
    """The measured variants: (description, factory) pairs; ``factory()`` makes the component (made only when it
    is synthesized: an Amaranth elaboratable that is never used warns)."""
    from mgd.rtl.cost_unit import CostUnit
    from mgd.rtl.synapse import Synapse

    out = []
    for kind, correlator, mode in [
        ("lfsr", "sign", "prescaled"),
        ("lfsr", "sign", "raw"),
        ("lfsr", "multiplier", "prescaled"),
        ("lfsr_multilevel", "multiplier", "prescaled"),
        ("walsh", "sign", "prescaled"),
        ("sequential", "sign", "prescaled"),
    ]:
        codes = CodeSpec(kind, N_SYNAPSES)
        forced = " (forced)" if correlator == "multiplier" and codes.binary else ""
        out.append(
            (
                {
                    "unit": "synapse",
                    "code": kind,
                    "correlator": correlator + forced,
                    "mode": mode,
                    "top": f"synapse_{kind}_{correlator}_{mode}",
                },
                functools.partial(Synapse, SYNAPSE_INDEX, codes, mode, fmts, correlator=correlator),
            )
        )
    for n_out in (1, 4):
        for mode in ("prescaled", "raw"):
            out.append(
                (
                    {"unit": "cost unit", "n_out": n_out, "mode": mode, "top": f"cost_unit_{n_out}_{mode}"},
                    functools.partial(CostUnit, n_out, mode, fmts),
                )
            )
    out.append(
        ({"unit": "θ register (inference only)", "top": "theta_register"}, functools.partial(ThetaRegister, fmts))
    )
    return out


def unit_area_table(
    families=("ice40", "ecp5"),
    progress: bool = True,
    fmts: FixedFormats = DEFAULT_FORMATS,
    yosys: list[str] | None = None,
) -> list[dict]:
    """Synthesize every variant of :func:`area_variants` for every family; one row dict per (variant, family):
    the description, ``variant`` (a one-line label) and the counts of :func:`synthesize`."""
    families = tuple(families)
    for family in families:
        check_family(family)
    command = list(yosys) if yosys is not None else find_yosys()
    jobs = [(family, desc, make) for family in families for desc, make in area_variants(fmts)]
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(jobs), desc="synthesis", unit="run", leave=False, mininterval=0.5)
    rows = []
    try:
        for family, desc, make in jobs:
            if bar is not None:
                bar.set_postfix_str(f"{family} {desc['top']}", refresh=False)
            result = unit_area(make(), family, name=desc["top"], yosys=command)
            rows.append({**desc, "variant": variant_label(desc), **result})
            if bar is not None:
                bar.update()
    finally:
        if bar is not None:
            bar.close()
    return rows


def variant_label(desc: dict) -> str:
    if desc["unit"] == "synapse":
        return f"synapse: {desc['code']}, {desc['correlator']}, {desc['mode']}"
    if desc["unit"] == "cost unit":
        return f"cost unit: n_out={desc['n_out']}, {desc['mode']}"
    return desc["unit"]


def _baseline(rows, family):
    for r in rows:
        if r["family"] == family and r["top"] == "theta_register":
            return r
    return None


def area_report(families=("ice40", "ecp5"), progress: bool = True, fmts: FixedFormats = DEFAULT_FORMATS) -> dict:
    """:func:`unit_area_table` with what is needed to reproduce it: Yosys version, formats, code parameters."""
    command = find_yosys()
    rows = unit_area_table(families, progress=progress, fmts=fmts, yosys=command)
    return {
        "yosys": yosys_version(command),
        "families": list(families),
        "n_synapses": N_SYNAPSES,
        "synapse_index": SYNAPSE_INDEX,
        "formats": fmts.to_dict(),
        "rows": rows,
    }


def format_markdown(rows: list[dict]) -> str:
    """One markdown table per family: LUT, FF, carry, DSP, other cells, LUT sites, and for the synapses (LUT sites +
    FF) over the inference-only θ register's: the training overhead per synapse (DSP blocks are not in that ratio;
    the cost unit is shared by the whole network, so it gets none)."""
    parts = []
    for family, fam in FAMILIES.items():
        frows = [r for r in rows if r["family"] == family]
        if not frows:
            continue
        base = _baseline(rows, family)
        base_cost = base["lut_sites"] + base["ff"] if base else 0
        parts.append(f"**{fam['name']}** (`{fam['synth']} -top NAME`, {frows[0]['yosys']})\n")
        parts.append("| variant | LUT | FF | carry | DSP | other | LUT sites | (LUT sites + FF) ÷ θ register |")
        parts.append("|---|---:|---:|---:|---:|---|---:|---:|")
        for r in frows:
            other = ", ".join(f"{k} {v}" for k, v in r["other"].items()) or "–"
            per_synapse = r["unit"] != "cost unit" and base_cost
            ratio = f"{(r['lut_sites'] + r['ff']) / base_cost:.1f}×" if per_synapse else "–"
            parts.append(
                f"| {r['variant']} | {r['lut']} | {r['ff']} | {r['carry']} | {r['dsp']} | {other} "
                f"| {r['lut_sites']} | {ratio} |"
            )
        parts.append("")
    return "\n".join(parts)
