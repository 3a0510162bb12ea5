"""The ``mgd`` command line: train, bench, and clear errors before any work."""

import json

import pytest
from cli_runner import run_cli


def test_train_writes_json_and_plot(tmp_path, capsys):
    js, png = tmp_path / "r.json", tmp_path / "r.png"
    code, out, _ = run_cli(
        [
            "train",
            "--dataset",
            "xor",
            "--steps",
            "300",
            "--seeds",
            "3",
            "--eval-every",
            "100",
            "--compare-backprop",
            "--json",
            str(js),
            "--plot",
            str(png),
            "--no-progress",
        ],
        capsys,
    )
    assert code == 0
    assert "median final accuracy" in out and "backprop" in out
    data = json.loads(js.read_text())
    assert set(data) == {"mgd", "backprop"}
    mgd = data["mgd"]
    assert mgd["config"]["steps"] == 300 and mgd["config"]["seeds"] == 3
    assert len(mgd["final_accuracy"]) == 3 and len(mgd["steps_to_threshold"]) == 3
    assert mgd["median_final_accuracy"] == sorted(mgd["final_accuracy"])[1]
    assert mgd["curve"]["step"] == [0, 100, 200, 300]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_config_file_and_options_combine(tmp_path, capsys):
    cfg = tmp_path / "c.json"
    cfg.write_text(json.dumps({"perturbation": "walsh", "eta": 0.25}))
    js = tmp_path / "r.json"
    code, _, _ = run_cli(
        [
            "train",
            "--config",
            str(cfg),
            "--eta",
            "0.3",
            "--steps",
            "10",
            "--seeds",
            "1",
            "--json",
            str(js),
            "--no-progress",
        ],
        capsys,
    )
    assert code == 0
    c = json.loads(js.read_text())["mgd"]["config"]
    assert c["perturbation"] == "walsh" and c["eta"] == 0.3


@pytest.mark.parametrize(
    "argv,message",
    [
        (["--tau-x", "0"], "argument --tau-x: tau_x must be an integer in [1, 4294967295], got '0'"),
        (["--tau-theta", "abc"], "tau-theta must be a number or 'inf'"),
        (["--layers", "3-2-1"], "do not match dataset 'xor'"),
        (["--layers", "2-x-1"], "layers must look like 2-2-1"),
        (["--perturbation", "lfsr"], "invalid choice: 'lfsr'"),
        (["--dataset", "mnist"], "unknown dataset 'mnist'"),
        (["--json", "/nonexistent-dir/r.json"], "does not exist"),
        (["--dtheta", "-0.1"], "argument --dtheta: dtheta must be > 0, got '-0.1'"),
        (["--theta-max", "0"], "argument --theta-max: theta_max must be > 0"),
        (["--init-scale", "10"], "outside the parameter range"),  # the XOR preset's θ range is ±8
        (["--algorithm", "analog", "--tau-x", "10", "--compare-backprop"], "runs on the discrete schedule"),
    ],
)
def test_bad_options_fail_with_a_clear_message(argv, message, capsys):
    code, out, err = run_cli(["train", "--steps", "10", "--no-progress", *argv], capsys)
    assert code == 2
    assert message in err
    assert "median final accuracy" not in out  # no work was done


def test_bench_prints_a_table(capsys, tmp_path):
    js = tmp_path / "b.json"
    code, out, _ = run_cli(["bench", "--min-time", "0.05", "--backends", "golden", "--json", str(js)], capsys)
    assert code == 0
    assert "2-2-1" in out and "49-4-4" in out
    rows = json.loads(js.read_text())["results"]
    assert all(r["steps_per_s"] > 0 for r in rows)


def test_fixed_backend_trains_with_hardware_settings(tmp_path, capsys):
    js = tmp_path / "f.json"
    code, out, _ = run_cli(
        [
            "train",
            "--dataset",
            "xor",
            "--backend",
            "fixed",
            "--steps",
            "200",
            "--seeds",
            "2",
            "--eval-every",
            "100",
            "--json",
            str(js),
            "--no-progress",
        ],
        capsys,
    )
    assert code == 0 and "median final accuracy" in out
    cfg = json.loads(js.read_text())["mgd"]["config"]
    assert cfg["dtheta"] == 0.0625 and cfg["sample_order"] == "random"  # the preset's 0.05 → 2^-4; sample LFSR
    assert cfg["theta_max"] is None  # the hardware's θ range is its format's, not the float preset's


def test_theta_max_option_reaches_the_config(tmp_path, capsys):
    js = tmp_path / "r.json"
    code, _, _ = run_cli(
        [
            "train",
            "--dataset",
            "xor",
            "--theta-max",
            "4",
            "--init-scale",
            "1",
            "--steps",
            "10",
            "--json",
            str(js),
            "--no-progress",
        ],
        capsys,
    )
    assert code == 0
    assert json.loads(js.read_text())["mgd"]["config"]["theta_max"] == 4.0


@pytest.mark.parametrize(
    "argv,match",
    [
        (["--dtheta", "0.05"], "dtheta must be 2^-k"),
        (["--optimizer", "adam"], "optimizer must be 'sgd'"),
        (["--perturbation", "sinusoid"], "no hardware code"),
    ],
)
def test_fixed_backend_refuses_what_the_hardware_cannot_run(argv, match, capsys):
    code, _, err = run_cli(["train", "--backend", "fixed", "--steps", "10", "--no-progress", *argv], capsys)
    assert code == 2 and match in err


def test_amaranth_backend_and_compare_against_the_golden_schedule(tmp_path, capsys):
    rtl, gold, other, js, png = (tmp_path / n for n in ("rtl.npz", "gold.npz", "other.npz", "a.json", "c.png"))
    common = ["train", "--dataset", "xor", "--steps", "120", "--seeds", "2", "--eval-every", "40", "--no-progress"]
    code, out, _ = run_cli(common + ["--backend", "amaranth", "--trace", str(rtl), "--json", str(js)], capsys)
    assert code == 0 and "cycles/s" in out
    data = json.loads(js.read_text())["mgd"]
    assert data["backend"] == "amaranth" and len(data["hardware"]["cycles"]) == 2
    assert data["curve"]["step"] == [0, 40, 80, 120]
    assert run_cli(common + ["--backend", "fixed", "--trace", str(gold)], capsys)[0] == 0
    code, out, _ = run_cli(["compare", str(rtl), str(gold), "--plot", str(png)], capsys)
    assert code == 0 and "no divergence" in out and png.read_bytes()[:4] == b"\x89PNG"
    assert run_cli(common + ["--backend", "fixed", "--eta", "0.3", "--trace", str(other)], capsys)[0] == 0
    code, out, _ = run_cli(["compare", str(rtl), str(other)], capsys)
    assert code == 1 and "first divergence at cycle" in out and "broadcast" in out


@pytest.mark.parametrize(
    "argv,match",
    [
        (["--vcd", "x.vcd"], "--vcd needs --backend amaranth"),
        (["--trace", "x.npz"], "--trace, --mode and --formats need"),
    ],
)
def test_hardware_options_need_a_hardware_backend(argv, match, capsys):
    code, _, err = run_cli(["train", "--steps", "10", "--no-progress", *argv], capsys)
    assert code == 2 and match in err


def test_compare_refuses_a_missing_trace(tmp_path, capsys):
    code, _, err = run_cli(["compare", str(tmp_path / "nope.npz"), str(tmp_path / "nope2.npz")], capsys)
    assert code == 2 and "cannot read trace" in err


def test_formats_file_on_the_fixed_backend_equals_the_named_set(tmp_path, capsys):
    """``--formats FILE`` reads the formats from a JSON file: the compact set's file trains exactly like
    ``--formats compact``, and ``--json`` records the formats used (the label and every field)."""
    from mgd.golden_model.formats import COMPACT_FORMATS

    path = tmp_path / "compact.json"
    path.write_text(json.dumps(COMPACT_FORMATS.to_dict()))
    common = ["train", "--backend", "fixed", "--steps", "100", "--seeds", "2", "--eval-every", "50", "--no-progress"]
    runs = {}
    for formats in ("compact", str(path), "default"):
        js = tmp_path / f"{len(runs)}.json"
        code, _, _ = run_cli(common + ["--formats", formats, "--json", str(js)], capsys)
        assert code == 0
        runs[formats] = json.loads(js.read_text())["mgd"]
    by_file, by_name, default = runs[str(path)], runs["compact"], runs["default"]
    assert by_file["formats"] == str(path) and by_name["formats"] == "compact" and default["formats"] == "default"
    assert by_file["fixed_formats"] == by_name["fixed_formats"] == COMPACT_FORMATS.to_dict()
    assert by_file["fixed_formats"]["theta"] == {"width": 16, "frac": 12, "signed": True}
    assert by_file["final_cost"] == by_name["final_cost"] != default["final_cost"]  # the formats were used


def test_verilog_takes_formats_from_a_file(tmp_path, capsys):
    """``mgd verilog --formats FILE``: the header states the file's formats and θ's registers have its width."""
    from mgd.golden_model.formats import DEFAULT_FORMATS, Fmt

    path = tmp_path / "narrow.json"
    narrow = DEFAULT_FORMATS.replace(theta=Fmt(18, 14), g=Fmt(22, 14))
    path.write_text(json.dumps(narrow.to_dict()))
    texts = {}
    for formats in ("default", str(path)):
        out = tmp_path / f"t{len(texts)}.v"
        code, printed, _ = run_cli(["verilog", "--formats", formats, "--unit", "synapse", "-o", str(out)], capsys)
        assert code == 0 and "wrote" in printed
        texts[formats] = out.read_text()
    assert f"θ, θ+θ̃, u: {narrow.theta.describe()}" in texts[str(path)]
    assert f"θ, θ+θ̃, u: {DEFAULT_FORMATS.theta.describe()}" in texts["default"]
    assert "[17:0]" in texts[str(path)] and "[17:0]" not in texts["default"]


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "argument --formats: invalid choice: 'FILE' (choose from 'default', 'compact', or a JSON file"),
        ('{"theta": {"width": 16, "frac": 12.5}}', "argument --formats: formats file 'FILE': theta.frac must be"),
        ('{"thetas": {}}', "unknown format field(s): thetas"),
        ("[", "cannot read formats file 'FILE'"),
    ],
)
@pytest.mark.parametrize("command", ["train --backend fixed", "verilog -o OUT", "synth --family ice40 --device up5k"])
def test_bad_formats_are_refused_before_any_work(command, content, message, tmp_path, capsys):
    path = tmp_path / "f.json"
    if content is not None:
        path.write_text(content)
    argv = command.replace("OUT", str(tmp_path / "t.v")).split() + ["--formats", str(path)]
    code, _, err = run_cli(argv, capsys)
    assert code == 2 and message.replace("FILE", str(path)) in err
    assert not (tmp_path / "t.v").exists()


def test_fixed_backend_trains_the_same_in_both_engines(tmp_path, capsys):
    """``--engine compiled`` on the fixed backend: the same curves and final values as numpy, and ``--json``
    records the engine."""
    common = ["train", "--backend", "fixed", "--dataset", "xor", "--formats", "compact", "--seeds", "3"]
    common += ["--steps", "600", "--eval-every", "100", "--no-progress", "--json"]
    runs = {}
    for engine in ("numpy", "compiled"):
        js = tmp_path / f"{engine}.json"
        code, out, _ = run_cli(common + [str(js), "--engine", engine], capsys)
        assert code == 0 and "median final accuracy" in out
        runs[engine] = json.loads(js.read_text())["mgd"]
        assert runs[engine]["engine"] == engine
    for key in ("final_accuracy", "final_cost", "steps_to_threshold", "curve", "hardware_seeds"):
        assert runs["numpy"][key] == runs["compiled"][key], key


def test_an_engine_a_backend_does_not_have_is_refused(capsys):
    code, out, err = run_cli(["train", "--backend", "amaranth", "--steps", "10", "--engine", "compiled"], capsys)
    assert code == 2 and "--engine compiled needs --backend" in err and "fixed" in err
    assert "median final accuracy" not in out  # no work was done


def test_bench_measures_the_fixed_engines(capsys, tmp_path):
    js = tmp_path / "b.json"
    argv = ["bench", "--min-time", "0.05", "--backends", "fixed", "--datasets", "xor", "--json", str(js)]
    code, out, _ = run_cli(argv, capsys)
    assert code == 0 and "compiled" in out and "× numpy" in out
    rows = {r["engine"]: r for r in json.loads(js.read_text())["results"]}
    assert set(rows) == {"numpy", "compiled"} and rows["compiled"]["layers"] == [2, 2, 1]
    assert rows["compiled"]["speedup"] == rows["compiled"]["steps_per_s"] / rows["numpy"]["steps_per_s"]
    assert rows["compiled"]["compile_s"] >= 0 and isinstance(rows["compiled"]["cached"], bool)
