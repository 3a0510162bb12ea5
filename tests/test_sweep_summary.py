"""The sweep table summarised per setting, and row selection, on hand-made tables."""

import json
import math

import pyarrow as pa
import pytest

from mgd.sweep.summary import format_markdown, select, summarize


def _table(rows):
    table = pa.Table.from_pylist(rows)
    return table.replace_schema_metadata({b"mgd.swept": json.dumps(["eta", "seed"]).encode()})


def _row(eta, seed, steps, acc=1.0, status="ok"):
    return {"eta": eta, "seed": seed, "status": status, "steps_to_threshold": steps, "final_accuracy": acc}


def test_quartiles_count_unsolved_seeds_as_never():
    nan = math.nan
    table = _table(
        [_row(0.5, s, v) for s, v in enumerate([100.0, 200.0, 300.0, 400.0])]
        + [_row(1.0, s, v, 0.5) for s, v in enumerate([100.0, nan, nan, nan])]
        + [_row(1.0, 9, nan, status="failed")]
    )
    rows = summarize(table)
    assert [r["eta"] for r in rows] == [0.5, 1.0]
    a, b = rows
    assert (a["solved"], a["seeds"], a["failed"]) == (4, 4, 0)
    assert (a["steps_q1"], a["steps_median"], a["steps_q3"]) == (175.0, 250.0, 325.0)  # numpy's linear quartiles
    assert (b["solved"], b["seeds"], b["failed"]) == (1, 4, 1)  # the failed point is not a seed of the statistics
    assert math.isinf(b["steps_median"]) and math.isinf(b["steps_q3"])  # 3 of 4 never: median never
    assert b["accuracy_median"] == 0.5
    text = format_markdown(rows, ["eta"])
    assert "| 0.5 | 4/4 | 250 [175, 325] | 100.0 % |" in text
    assert "never" in text and "(1 failed)" in text


def test_select_keeps_matching_rows_and_names_bad_conditions():
    table = _table([_row(0.5, 0, 1.0), _row(1.0, 0, 2.0), _row(1.0, 1, 3.0)])
    assert select(table, ["eta=1"]).num_rows == 2
    assert select(table, ["eta=1", "seed=1"]).column("steps_to_threshold").to_pylist() == [3.0]
    assert select(table, []).num_rows == 3
    with pytest.raises(ValueError, match="no row has eta = 7"):
        select(table, ["eta=7"])
    with pytest.raises(ValueError, match="FIELD=VALUE"):
        select(table, ["colour=red"])


def test_a_field_swept_later_is_read_from_the_rows_settings():
    """Rows written before a spec gained a swept field have no value in its column: the summary takes it from the
    row's full configuration."""
    old = {**_row(0.5, 0, 10.0), "eta": None, "settings": json.dumps({"config": {"eta": 0.25}})}
    new = {**_row(0.1, 0, 20.0), "settings": json.dumps({"config": {"eta": 0.1}})}
    table = _table([old, new])
    rows = summarize(table, ["eta"])
    assert [r["eta"] for r in rows] == [0.1, 0.25]
    assert select(table, ["eta=0.25"]).num_rows == 1


def test_the_table_knows_the_fields_swept_in_any_of_its_parts(tmp_path):
    """A spec that gained a swept field between runs: the merged table lists both runs' swept fields."""
    import pyarrow.parquet as pq

    from mgd.sweep.plot import swept_fields
    from mgd.sweep.runner import PART_PREFIX, read_table

    for name, swept, row in (("a", ["tau_theta"], _row(0.5, 0, 1.0)), ("b", ["tau_theta", "eta"], _row(0.1, 0, 2.0))):
        t = pa.Table.from_pylist([{**row, "key": name, "tau_theta": 1}])
        pq.write_table(
            t.replace_schema_metadata({b"mgd.swept": json.dumps(swept).encode()}),
            tmp_path / f"{PART_PREFIX}{name}.parquet",
        )
    table = read_table(tmp_path)
    assert table.num_rows == 2
    assert set(swept_fields(table)) == {"tau_theta", "eta"}
