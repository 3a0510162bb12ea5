"""The formats loader: named sets and JSON files of formats, validated field by field."""

import json

import pytest

from mgd.golden_model.formats import (
    BOARD_FORMATS,
    COMPACT_FORMATS,
    DEFAULT_FORMATS,
    FORMAT_SETS,
    FixedFormats,
    Fmt,
    FormatError,
    load_formats,
)


@pytest.mark.parametrize("name", list(FORMAT_SETS))
def test_named_sets_and_their_files_round_trip(name, tmp_path):
    fmts = FORMAT_SETS[name]
    assert load_formats(name) is fmts
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(fmts.to_dict()))
    assert load_formats(path) == fmts and load_formats(str(path)) == fmts
    assert FixedFormats.from_dict(json.loads(path.read_text())).to_dict() == fmts.to_dict()


def test_a_partial_file_takes_the_default_values_and_each_fields_signedness(tmp_path):
    path = tmp_path / "f.json"
    path.write_text(json.dumps({"eta": {"width": 12, "frac": 6}, "lut_frac": 4}))
    assert load_formats(path) == DEFAULT_FORMATS.replace(eta=Fmt(12, 6, False), lut_frac=4)


def test_the_boards_use_the_compact_set():
    assert BOARD_FORMATS == "compact" and FORMAT_SETS[BOARD_FORMATS] == COMPACT_FORMATS


def _with(field, value) -> dict:
    d = DEFAULT_FORMATS.to_dict()
    if "." in field:
        outer, inner = field.split(".")
        d[outer] = {**d[outer], inner: value}
    else:
        d[field] = value
    return d


@pytest.mark.parametrize(
    "data, message",
    [
        (_with("theta.width", "20"), "theta.width must be an integer in [1, 62], got '20'"),
        (_with("act.width", 63), "act.width must be an integer in [1, 62], got 63"),
        (_with("cost.frac", -1), "cost.frac must be a non-negative integer, got -1"),
        (_with("g.frac", 14.0), "g.frac must be a non-negative integer, got 14.0"),
        (_with("eta.signed", 0), "eta.signed must be true or false, got 0"),
        (_with("eta.signed", True), "format eta must be unsigned"),
        (_with("theta.signed", False), "format theta must be signed"),
        (_with("g_raw.sign", True), "g_raw: unknown key(s) sign"),
        (_with("theta", [20, 14]), "theta must be an object with width, frac and signed"),
        ({"act": {"width": 12}}, "act.frac is missing"),
        (_with("lut_range", True), "lut_range must be a non-negative integer, got True"),
        (_with("lut_frac", 11), "lut_range must be in [0, 8] and lut_frac in [0, 10]"),
        (_with("recip_frac", -2), "recip_frac must be a non-negative integer, got -2"),
        (_with("g.frac", 13), "g.frac (13) must equal theta.frac (14)"),
        (_with("cost.frac", 19), "cost.frac (19) must be >= 2·act.frac (20)"),
        ({"theta": DEFAULT_FORMATS.to_dict()["theta"], "tau": 3}, "unknown format field(s): tau"),
        ([1, 2], "formats must be an object of format fields, got list"),
    ],
)
def test_each_bad_field_is_refused_with_its_name(data, message, tmp_path):
    with pytest.raises(FormatError) as info:
        FixedFormats.from_dict(data)
    assert message in str(info.value)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(FormatError) as info:
        load_formats(path)
    assert f"formats file {str(path)!r}: {message}" in str(info.value)


def test_unreadable_files_and_unknown_names_are_refused(tmp_path):
    with pytest.raises(FormatError, match=r"'tiny' is neither a named set of formats \(default, compact\)"):
        load_formats("tiny")
    path = tmp_path / "broken.json"
    path.write_text("{ not json")
    with pytest.raises(FormatError, match="cannot read formats file .*broken.json"):
        load_formats(path)
