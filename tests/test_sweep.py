"""``mgd sweep``: spec parsing and expansion, the Dask runner and its Parquet table (a small sweep end to end, a
failing point, a 1,000-point sweep killed midway and resumed), plots and the command line."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.dataset
import pyarrow.parquet as pq
import pytest
from cli_runner import run_cli

from mgd.golden_model.hardware_seed import hardware_seed
from mgd.sweep.runner import part_files, read_table, run_point, run_sweep
from mgd.sweep.spec import SpecError, load_spec, parse_spec

ROOT = Path(__file__).resolve().parents[1]
TINY = {"dataset": "xor", "steps": 4, "eval_every": 2}


def spec(**parts):
    return {"name": "t", "seeds": 2, "base": dict(TINY), **parts}


# ------------------------------------------------------------------ spec


def test_grid_and_list_and_seeds_expand():
    s = parse_spec(
        spec(grid={"eta": [0.1, 0.2], "tau_theta": [1, 2, "inf"]}, list=[{"eta": 0.3}, {"tau_x": 2}], seeds=5)
    )
    assert len(s.points) == (2 * 3 + 2) * 5 and s.duplicates == 0
    assert s.swept == ["eta", "tau_theta", "tau_x"]
    assert len({p.key for p in s.points}) == len(s.points)
    assert [p.seed for p in s.points[:5]] == [0, 1, 2, 3, 4]
    p = s.points[0]
    assert p.config["seeds"] == 1 and p.config["seed"] == 0 and p.config["steps"] == 4
    assert p.config["theta_max"] == 8.0  # the XOR preset, then the base, then the point
    assert s.points[-1].config["tau_x"] == 2 and s.points[-1].settings == {"tau_x": 2}
    # keys are stable, and depend on every setting and the seed
    again = parse_spec(
        spec(grid={"eta": [0.1, 0.2], "tau_theta": [1, 2, "inf"]}, list=[{"eta": 0.3}, {"tau_x": 2}], seeds=5)
    )
    assert [p.key for p in again.points] == [p.key for p in s.points]


def test_seed_lists_hardware_points_and_merged_duplicates():
    s = parse_spec(spec(grid={"backend": ["golden", "fixed"], "formats": ["default", "compact"]}, seeds=[7, 9]))
    # formats do not apply to golden points: its two grid points are one
    assert len(s.points) == 3 * 2 and s.duplicates == 2
    fixed = [p for p in s.points if p.backend == "fixed"]
    assert {p.formats for p in fixed} == {"default", "compact"} and all(p.mode == "prescaled" for p in fixed)
    assert all(p.config["dtheta"] == 0.0625 for p in fixed)  # the hardware preset: Δθ = 2^-k
    golden = [p for p in s.points if p.backend == "golden"]
    assert all(p.formats is None and p.fixed_formats is None for p in golden)
    assert [p.seed for p in golden] == [7, 9]


def test_engine_is_a_sweep_field():
    s = parse_spec(spec(base={**TINY, "backend": "fixed"}, grid={"engine": ["numpy", "compiled"]}, seeds=1))
    assert [p.engine for p in s.points] == [None, "compiled"]  # None: the backend's default
    plain = parse_spec(spec(base={**TINY, "backend": "fixed"}, seeds=1))
    assert s.points[0].key == plain.points[0].key != s.points[1].key
    with pytest.raises(SpecError, match=r"grid.engine\[0\]: engine must be one of numpy, compiled"):
        parse_spec(spec(grid={"engine": ["gpu"]}))


@pytest.mark.parametrize(
    "parts, words",
    [
        ({"grid": {"etaa": [0.1]}}, ["grid.etaa", "unknown field 'etaa'"]),
        ({"grid": {"eta": [0.1, -1]}}, ["grid.eta[1]", "eta must be >= 0"]),
        ({"grid": {"eta": 0.1}}, ["grid.eta", "non-empty list"]),
        ({"base": {**TINY, "steps": 1.5}}, ["base.steps", "integer"]),
        ({"list": [{"eta": 0.1}, {"perturbation": "nope"}]}, ["list[1].perturbation", "not one of"]),
        ({"list": [{"init_scale": 9.0}]}, ["point 0 (init_scale=9.0, seed=0)", "theta_max"]),
        ({"grid": {"seed": [1, 2]}}, ["grid.seed", "top-level 'seeds'"]),
        ({"grid": {"backend": ["golden", "gpu"]}}, ["grid.backend[1]", "golden, fixed, amaranth, verilator, synth"]),
        ({"grid": {"formats": ["tiny"]}, "base": {**TINY, "backend": "fixed"}}, ["grid.formats[0]", "'tiny'"]),
        ({"grid": {"mode": ["raw"]}}, ["'mode' apply to no point"]),
        ({"base": {**TINY, "device": "up5k"}}, ["'device' apply to no point"]),
        ({"grid": {"dataset": ["xor", "nope"]}}, ["grid.dataset[1]"]),
        ({"seeds": 0}, ["seeds"]),
        ({"seeds": [1, 1]}, ["repeats"]),
        ({"name": ""}, ["'name'"]),
        ({"colour": "red"}, ["unknown key(s) 'colour'"]),
    ],
)
def test_bad_specs_are_refused_by_name(parts, words):
    with pytest.raises(SpecError) as info:
        parse_spec(spec(**parts))
    for word in words:
        assert word in str(info.value)


def test_spec_files(tmp_path):
    bad = tmp_path / "s.yaml"
    bad.write_text("name: x")
    with pytest.raises(SpecError, match=r"\.toml or \.json"):
        load_spec(bad)
    broken = tmp_path / "s.toml"
    broken.write_text("name = ")
    with pytest.raises(SpecError, match="cannot parse"):
        load_spec(broken)
    js = tmp_path / "s.json"
    js.write_text(json.dumps(spec(grid={"eta": [0.1, 0.2]})))
    assert len(load_spec(js).points) == 4
    example = load_spec(ROOT / "docs" / "sweeps" / "xor-eta.toml")
    assert example.backends == ["fixed"] and len(example.seeds) == 20
    assert {p.formats for p in example.points} == {"compact"}
    assert set(example.swept) == {"eta", "tau_theta"}


def test_synth_points_validate_and_run_once():
    s = parse_spec(spec(list=[{"backend": "synth", "device": "up5k"}, {"backend": "fixed"}], seeds=3))
    synth = [p for p in s.points if p.backend == "synth"]
    assert len(synth) == 1 and synth[0].synth["family"] == "ice40" and synth[0].formats == "compact"
    with pytest.raises(SpecError, match="device must be"):
        parse_spec(spec(list=[{"backend": "synth", "device": "huge"}]))
    with pytest.raises(SpecError, match="ice40 device must be one of"):
        parse_spec(spec(list=[{"backend": "synth", "device": "85k"}]))


def test_a_synth_point_records_the_design_size():
    """The inference-only array of XOR on an iCE40 UP5K (Yosys and nextpnr, about 15 s)."""
    s = parse_spec(spec(base={"dataset": "xor", "backend": "synth", "target": "array"}, seeds=3))
    (point,) = s.points
    row = run_point(point.to_dict())
    assert row["status"] == "ok", row["error"]
    assert row["lut"] > 0 and row["ff"] > 0 and row["logic_cells"] > 0 and row["fmax_mhz"] > 0
    assert row["dsp"] is not None


def test_a_point_runs_with_its_own_seed_register():
    s = parse_spec(spec(base={**TINY, "backend": "fixed"}, seeds=[3, 4]))
    rows = [run_point(p.to_dict()) for p in s.points]
    assert [r["status"] for r in rows] == ["ok", "ok"]
    assert [r["hardware_seed"] for r in rows] == [hardware_seed(3), hardware_seed(4)]
    assert rows[0]["curve_step"] == [0, 2, 4] and len(rows[0]["curve_accuracy"]) == 3


def test_a_gradient_point_records_the_iterations_to_the_target_cosine():
    """The measurement kind of the scaling study: the point's steps_to_threshold is iterations_to_cosine's."""
    from mgd.golden_model.config import MGDConfig
    from mgd.golden_model.gradient_estimate import iterations_to_cosine

    base = {"dataset": "xor", "backend": "gradient", "steps": 300, "dtheta": 0.01, "threshold": 0.9}
    s = parse_spec(spec(base=base, grid={"perturb_target": ["weight", "node"]}, seeds=[2], preset=False))
    assert [p.engine for p in s.points] == [None, None] and all(p.fixed_formats is None for p in s.points)
    for point in s.points:
        row = run_point(point.to_dict())
        assert row["status"] == "ok", row["error"]
        config = MGDConfig.from_dict(point.config)
        assert config.seeds == 1 and config.seed == 2
        assert row["steps_to_threshold"] == iterations_to_cosine(config, 0.9)[0]
        assert row["threshold"] == 0.9


# ------------------------------------------------------------------ the runner


def test_small_sweep_on_a_local_cluster(tmp_path):
    """Golden points and one the fixed backend refuses when it runs (Δθ = 0.05 is no power of two): it is recorded
    with its error and the others finish; a rerun skips everything; the plot reads the table."""
    s = parse_spec(
        spec(
            grid={"eta": [0.1, 1.0, 10.0]},
            list=[{"backend": "fixed", "dtheta": 0.05, "eta": 1.0}],
            seeds=2,
        )
    )
    out = tmp_path / "out"
    summary = run_sweep(s, out, workers=2, progress=False)
    assert (summary.total, summary.skipped, summary.ok, summary.failed) == (8, 0, 6, 2)
    table = read_table(out)
    rows = table.to_pylist()
    assert len(rows) == 8 and {r["key"] for r in rows} == {p.key for p in s.points}
    failed = [r for r in rows if r["status"] == "failed"]
    assert len(failed) == 2 and all("dtheta must be 2^-k" in r["error"] for r in failed)
    assert all(r["backend"] == "fixed" and r["formats"] == "default" for r in failed)
    for r in rows:
        assert r["sweep"] == "t" and r["run_id"] == summary.run_id and r["wall_time"] > 0
        if r["status"] == "ok":
            assert 0 <= r["final_accuracy"] <= 1 and r["final_cost"] >= 0 and r["error"] is None
            assert r["curve_step"] == [0, 2, 4] and r["curve_accuracy"][-1] == r["final_accuracy"]
            assert r["steps_to_threshold"] != r["steps_to_threshold"] or r["steps_to_threshold"] <= 4  # NaN: never
            assert r["cycles_per_second"] is None
    assert sorted({r["eta"] for r in rows}) == [0.1, 1.0, 10.0]
    assert len(part_files(out)) == 1  # merged at the end
    assert pyarrow.dataset.dataset(out, format="parquet").to_table().num_rows == 8  # _spec.json is not part of it
    again = run_sweep(s, out, workers=2, progress=False)
    assert (again.skipped, again.ok, again.failed) == (8, 0, 0)
    retry = run_sweep(s, out, workers=2, progress=False, retry_failed=True)
    assert (retry.skipped, retry.ok, retry.failed) == (6, 0, 2)
    assert read_table(out).num_rows == 8
    png = tmp_path / "eta.png"
    from mgd.sweep.plot import plot_sweep

    plot_sweep(table, png, x="eta", by="backend")
    plot_sweep(table, tmp_path / "steps.png", y="steps")
    assert png.read_bytes()[:4] == b"\x89PNG"


def _comparable(row: dict) -> dict:
    """``row`` with NaN (never reached the threshold) as None, so that equal rows compare equal."""
    return {k: None if isinstance(v, float) and v != v else v for k, v in row.items()}


def _rows_in(out: Path) -> int:
    return sum(pq.read_metadata(p).num_rows for p in part_files(out))


def _sweep_process(spec_path, out):
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mgd.cli",
            "sweep",
            str(spec_path),
            "--out",
            str(out),
            "--workers",
            "2",
            "--no-progress",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: the kill reaches the scheduler and the workers too
    )


def test_a_killed_sweep_of_1000_points_resumes(tmp_path):
    """The issue's bar: 1,000 points on a 2-worker local cluster, killed (SIGKILL to its process group) when the
    table holds some rows, rerun: every point is in the table exactly once and the first run's rows are kept."""
    spec_path = tmp_path / "big.toml"
    spec_path.write_text(
        'name = "big"\nseeds = 20\n[base]\ndataset = "xor"\nsteps = 4\neval_every = 2\n'
        "[grid]\neta = [0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 2.0, 3.0, 5.0]\ntau_theta = [1, 2, 3, 4, 5]\n"
    )
    keys = {p.key for p in load_spec(spec_path).points}
    assert len(keys) == 1000
    out = tmp_path / "out"
    first = _sweep_process(spec_path, out)
    deadline = time.monotonic() + 60
    try:
        while _rows_in(out) < 100:
            assert first.poll() is None, first.communicate()
            assert time.monotonic() < deadline, "no rows after 60 s"
            time.sleep(0.02)
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.communicate()
    assert first.returncode == -signal.SIGKILL
    before = read_table(out, dedupe=False).to_pylist()
    assert 100 <= len(before) < 1000, len(before)
    assert len({r["key"] for r in before}) == len(before)
    (run_id,) = {r["run_id"] for r in before}

    started = time.monotonic()
    second = _sweep_process(spec_path, out)
    stdout, stderr = second.communicate(timeout=120)
    assert second.returncode == 0, stderr
    assert f"1000 points: {len(before)} already in" in stdout
    after = read_table(out, dedupe=False).to_pylist()
    assert len(after) == 1000 and {r["key"] for r in after} == keys  # each point exactly once
    kept = {r["key"]: _comparable(r) for r in after if r["run_id"] == run_id}
    assert kept == {r["key"]: _comparable(r) for r in before}  # the first run's rows, not recomputed
    assert all(r["status"] == "ok" for r in after)
    print(
        f"killed after {len(before)} of 1000 points; the rerun ran {1000 - len(before)} in "
        f"{time.monotonic() - started:.1f} s"
    )


# ------------------------------------------------------------------ the command line


def test_cli_dry_run_and_refusals(tmp_path, capsys):
    path = tmp_path / "s.json"
    path.write_text(json.dumps(spec(grid={"eta": [0.1, 0.2]}, seeds=3)))
    code, out, _ = run_cli(["sweep", str(path), "--out", str(tmp_path / "o"), "--dry-run"], capsys)
    assert code == 0 and "6 points over eta × 3 seeds, backends golden" in out
    assert not (tmp_path / "o").exists()
    path.write_text(json.dumps(spec(grid={"eta": [0.1, -0.2]})))
    code, _, err = run_cli(["sweep", str(path), "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and "grid.eta[1]" in err
    code, _, err = run_cli(["sweep", "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and "SPEC is required" in err
    code, _, err = run_cli(["sweep", "--out", str(tmp_path), "--plot-only", "--plot", str(tmp_path / "p.png")], capsys)
    assert code == 2 and "holds no sweep table" in err
    path.write_text(json.dumps(spec(grid={"eta": [0.1, 0.2]})))
    code, _, err = run_cli(
        ["sweep", str(path), "--out", str(tmp_path / "o"), "--plot", str(tmp_path / "p.png"), "--x", "tau_x"], capsys
    )
    assert code == 2 and "--x must be a swept field" in err
    code, _, err = run_cli(["sweep", str(path), "--out", str(tmp_path / "o"), "--workers", "0"], capsys)
    assert code == 2 and "--workers" in err
