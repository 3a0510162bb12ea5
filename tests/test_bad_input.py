# amaranth: UnusedElaboratable=no

"""Bad input is refused, before any work, with a message that names what is wrong (issue 11: "no bad input that
crashes or lies").

Command line: every case runs ``mgd`` in a scratch directory and checks exit status 2, a one- or two-line message
on stderr that names the option or field, no traceback, nothing printed on stdout (no work started, no summary),
and the directory unchanged (no file left behind, not even a partial one). Python API: the exception is a
``ValueError`` (mostly :class:`~mgd.golden_model.config.ConfigError`) whose message names the field. Every case is
refused before any simulation, build or training starts, so the whole battery takes seconds.

The last tests check the other side of the register ranges: the corner values the trainer's ports accept run the
same, cycle for cycle, in the RTL (Amaranth simulation) and in the golden schedule.
"""

import json
import math
from pathlib import Path

import numpy as np
import pytest
from cli_runner import run_cli

from mgd.boards import host_protocol as proto
from mgd.boards.host_driver import Board, PortError, SerialTransport
from mgd.golden_model.config import MAX_ARRAY_VALUES, MAX_STEPS, ConfigError, MGDConfig
from mgd.golden_model.files import OutputPathError, atomic_write, check_output_dir, check_output_file
from mgd.golden_model.fixed_mgd import FixedMGD
from mgd.golden_model.formats import COMPACT_FORMATS, DEFAULT_FORMATS
from mgd.golden_model.schedule import Registers
from mgd.golden_model.training import train
from mgd.sim import trace as trace_io

# ----------------------------------------------------------------------------------------------- scratch files

GOOD_TRACE = {
    "phase": np.array([0, 1, 3, 4, 5]),
    "step": np.zeros(5, dtype=np.int64),
    "cost": np.arange(5),
    "theta": np.zeros((5, 3), dtype=np.int64),
}

CONFIGS = {
    "list.json": "[1, 2]",
    "string.json": '"xor"',
    "steps_fraction.json": '{"steps": 100.5}',
    "steps_float.json": '{"steps": 100.0}',
    "steps_bool.json": '{"steps": true}',
    "steps_huge.json": '{"steps": 1e12}',
    "seeds_huge.json": '{"seeds": 1000000000000}',
    "dataset_number.json": '{"dataset": 3}',
    "dataset_unknown.json": '{"dataset": "mnist"}',
    "dataset_list.json": '{"dataset": ["xor"]}',
    "layers_string.json": '{"layers": "2-2-1"}',
    "layers_fraction.json": '{"layers": [2, 2.5, 1]}',
    "eta_string.json": '{"eta": "0.5"}',
    "eta_nan.json": '{"eta": NaN}',
    "eta_inf.json": '{"eta": Infinity}',
    "eta_bool.json": '{"eta": false}',
    "perturbation_number.json": '{"perturbation": 5}',
    "tau_theta_word.json": '{"tau_theta": "never"}',
    "threshold_bool.json": '{"threshold": true}',
    "unknown_key.json": '{"learning_rate": 0.1}',
    "not_json.json": "steps = 100",
    "tau_x_register.json": '{"tau_x": 70000}',
    "eta_register.json": '{"eta": 1000}',
}


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    """A directory with every kind of bad file; the CLI runs in it (relative paths: no absolute /tmp)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dir").mkdir()
    (tmp_path / "afile").write_text("not a directory\n")
    for name, text in CONFIGS.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "binary.json").write_bytes(b"\xff\xfe\x00garbage")
    trace_io.save(tmp_path / "good.npz", GOOD_TRACE, {"source": "test"})
    data = (tmp_path / "good.npz").read_bytes()
    (tmp_path / "truncated.npz").write_bytes(data[: len(data) // 2])
    (tmp_path / "empty.npz").write_bytes(b"")
    (tmp_path / "text.npz").write_text("phase,step\n0,0\n")
    np.save(tmp_path / "single.npy", np.arange(3))
    (tmp_path / "single.npy").rename(tmp_path / "single.npz")
    np.savez(tmp_path / "foreign.npz", x=np.arange(3), y=np.arange(3))
    np.savez(tmp_path / "only_theta.npz", theta=np.zeros((5, 3)))
    np.savez(tmp_path / "only_phase.npz", phase=np.zeros(5))
    np.savez(tmp_path / "no_cycles.npz", phase=np.zeros(0), step=np.zeros(0))
    np.savez(tmp_path / "ragged.npz", phase=np.zeros(5), step=np.zeros(6))
    np.savez(tmp_path / "wide.npz", phase=np.zeros(5), theta=np.zeros((5, 4)))
    np.savez(tmp_path / "no_cost.npz", phase=np.zeros(5), step=np.zeros(5))
    return tmp_path


def _listing(root: Path) -> dict:
    return {
        str(p.relative_to(root)): (p.is_dir(), p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(root.rglob("*"))
    }


# ------------------------------------------------------------------------------------------ command line cases


def case(argv: str, needle: str, id: str | None = None):
    return pytest.param(argv.split(), needle, id=id or argv)


T = "train --no-progress --steps 10 "
S = "synth --family ice40 --device up5k "
CLI_CASES = [
    # train: numeric options (types, ranges, non-finite numbers)
    case(T + "--steps 100.5", "argument --steps: steps must be an integer in [0, 4294967295]"),
    case(T + "--steps 1e3", "argument --steps: steps must be an integer in [0, 4294967295], got '1e3'"),
    case(T + "--steps -1", "argument --steps: steps must be an integer in [0, 4294967295]"),
    case(T + "--steps 4294967296", "argument --steps: steps must be an integer in [0, 4294967295]"),
    case(T + "--steps ten", "argument --steps: steps must be an integer"),
    case(T + "--seeds 0", "argument --seeds: seeds must be an integer in [1, 100000]"),
    case(T + "--seeds 1000000000000", "argument --seeds: seeds must be an integer in [1, 100000]"),
    case(T + "--seed -1", "argument --seed: seed must be an integer in [0, 4294967295]"),
    case(T + "--seed 4294967296", "argument --seed: seed must be an integer in [0, 4294967295]"),
    case(T + "--eta inf", "argument --eta: eta must be a finite number >= 0, got 'inf'"),
    case(T + "--eta nan", "argument --eta: eta must be a finite number >= 0, got 'nan'"),
    case(T + "--eta=-inf", "argument --eta: eta must be a finite number >= 0"),
    case(T + "--eta -1", "argument --eta: eta must be >= 0"),
    case(T + "--eta 1e400", "argument --eta: eta must be a finite number"),
    case(T + "--dtheta 0", "argument --dtheta: dtheta must be > 0"),
    case(T + "--dtheta nan", "argument --dtheta: dtheta must be a finite number > 0"),
    case(T + "--tau-x 0", "argument --tau-x: tau_x must be an integer in [1, 4294967295]"),
    case(T + "--tau-x 1.5", "argument --tau-x: tau_x must be an integer"),
    case(T + "--tau-p 0", "argument --tau-p: tau_p must be an integer in [1, 4294967295]"),
    case(T + "--tau-theta 0", "argument --tau-theta: tau_theta must be a number in (0, 4294967295] or inf"),
    case(T + "--tau-theta nan", "argument --tau-theta: tau-theta must be a finite number > 0 or 'inf'"),
    case(T + "--tau-theta 1e400", "argument --tau-theta: tau-theta must be a finite number > 0 or 'inf'"),
    case(T + "--tau-theta=-inf", "argument --tau-theta: tau-theta must be a finite number > 0 or 'inf'"),
    case(T + "--tau-theta 2.5", "tau_theta must be an integer number of steps for the discrete algorithm"),
    case(T + "--tau-hp 0", "argument --tau-hp: tau_hp must be > 0"),
    case(T + "--init-scale -1", "argument --init-scale: init_scale must be >= 0"),
    case(T + "--init-scale inf", "argument --init-scale: init_scale must be a finite number"),
    case(T + "--theta-max -1", "argument --theta-max: theta_max must be > 0"),
    case(T + "--sigma-cost -0.1", "argument --sigma-cost: sigma_cost must be >= 0"),
    case(T + "--sigma-theta nan", "argument --sigma-theta: sigma_theta must be a finite number >= 0"),
    case(T + "--sigma-act inf", "argument --sigma-act: sigma_act must be a finite number >= 0"),
    case(T + "--eval-every 0", "argument --eval-every: eval_every must be an integer in [1, 4294967295]"),
    case(T + "--threshold 0", "argument --threshold: threshold must be > 0 and <= 1"),
    case(T + "--threshold 1.5", "argument --threshold: threshold must be > 0 and <= 1"),
    case(T + "--threshold nan", "argument --threshold: threshold must be a finite number"),
    case(T + "--layers 2-0-1", "argument --layers: layers needs at least two positive sizes"),
    case(T + "--layers 2", "argument --layers: layers needs at least two positive sizes"),
    case(T + "--layers 2-1.5-1", "argument --layers: layers must look like 2-2-1"),
    case(T + "--layers 2-100000-1 --seeds 100000", "parameters × 100,000 seeds exceeds 100,000,000"),
    case("train --no-progress --steps 4294967295 --eval-every 1", "steps/eval_every × seeds"),
    case(T + "--dataset parity0", "argument --dataset: n_bits must be >= 1"),
    case(T + "--dataset parity99", "argument --dataset: n_bits must be <= 24"),
    case(T + "--perturbation lfsr", "argument --perturbation: invalid choice: 'lfsr'"),
    case(T + "--hardware-seeds some", "argument --hardware-seeds: invalid choice: 'some'"),
    case(T + "--backend cuda", "argument --backend: invalid choice: 'cuda'"),
    case(T + "--jobs 0", "argument --jobs: must be an integer in [1, 1024]"),
    case(T + "--jobs 2", "--jobs needs --backend verilator"),
    case(T + "--trace t.npz", "--trace, --mode and --formats need --backend fixed, amaranth or verilator"),
    case(T + "--vcd x.vcd", "--vcd needs --backend amaranth"),
    case(T + "--compare-backprop --algorithm analog --tau-x 10", "runs on the discrete schedule"),
    # train: output files
    case(T + "--json dir", "argument --json: JSON file 'dir' is a directory, not a file"),
    case(T + "--json afile/r.json", "argument --json: JSON file: 'afile' is not a directory"),
    case(T + "--json missing/r.json", "argument --json: JSON file: directory 'missing' does not exist"),
    case(T + "--json r.json --plot curves.xyz", "argument --plot: plot 'curves.xyz' must end in one of"),
    case(T + "--plot curves", "argument --plot: plot 'curves' must end in one of"),
    case(T + "--plot dir", "argument --plot: plot 'dir' must end in one of"),
    case(T + "--plot missing/c.png", "argument --plot: plot: directory 'missing' does not exist"),
    case(T + "--json r.json --plot afile/c.png", "argument --plot: plot: 'afile' is not a directory"),
    # train: --config files of the wrong shape or types
    case(T + "--config nothing.json", "cannot read --config 'nothing.json'"),
    case(T + "--config dir", "cannot read --config 'dir'"),
    case(T + "--config list.json", "--config 'list.json' must hold a JSON object of MGDConfig fields, got a JSON list"),
    case(T + "--config string.json", "--config 'string.json' must hold a JSON object"),
    case(T + "--config steps_fraction.json", "--config 'steps_fraction.json': steps must be an integer"),
    case(T + "--config steps_float.json", "steps must be an integer in [0, 4294967295], got 100.0"),
    case(T + "--config steps_bool.json", "steps must be an integer in [0, 4294967295], got True"),
    case(T + "--config steps_huge.json", "steps must be an integer in [0, 4294967295]"),
    case(T + "--config seeds_huge.json", "seeds must be an integer in [1, 100000]"),
    case(T + "--config dataset_number.json", "dataset must be a non-empty string, got 3"),
    case(T + "--config dataset_unknown.json", "unknown dataset 'mnist'"),
    case(T + "--config dataset_list.json", "dataset must be a non-empty string"),
    case(T + "--config layers_string.json", "layers must be a list of at least two positive integers"),
    case(T + "--config layers_fraction.json", "layers must be a list of at least two positive integers"),
    case(T + "--config eta_string.json", "eta must be a finite number >= 0, got '0.5'"),
    case(T + "--config eta_nan.json", "eta must be a finite number >= 0, got nan"),
    case(T + "--config eta_inf.json", "eta must be a finite number >= 0, got inf"),
    case(T + "--config eta_bool.json", "eta must be a finite number >= 0, got False"),
    case(T + "--config perturbation_number.json", "perturbation=5 is not one of: code, walsh"),
    case(T + "--config tau_theta_word.json", "tau_theta must be a number in (0, 4294967295] or inf"),
    case(T + "--config threshold_bool.json", "threshold must be a finite number"),
    case(T + "--config unknown_key.json", "unknown configuration field(s): learning_rate"),
    case(T + "--config not_json.json", "cannot read --config 'not_json.json'"),
    case(T + "--config binary.json", "cannot read --config 'binary.json'"),
    # train: hardware backends (register ranges and formats, before any simulation or build)
    case(
        T + "--backend fixed --tau-x 70000",
        "tau_x=70000 does not fit the hardware's tau_x register: must be in [1, 65535]",
    ),
    case(T + "--backend fixed --tau-theta 65536", "tau_theta=65536 does not fit the hardware's tau_theta register"),
    case("train --no-progress --backend fixed --steps 0", "steps=0 does not fit the hardware's steps register"),
    case(T + "--backend fixed --eta 1000", "eta=1000 does not fit the hardware's η register"),
    case(T + "--backend fixed --eta 1e-9", "eta=1e-09 rounds to 0 in the hardware's η register"),
    case(T + "--backend fixed --dtheta 0.05", "dtheta must be 2^-k"),
    case(T + "--backend fixed --optimizer adam", "optimizer must be 'sgd'"),
    case(T + "--backend fixed --trace t.txt", "argument --trace: trace 't.txt' must end in one of .npz"),
    case(T + "--backend fixed --trace missing/t.npz", "argument --trace: trace: directory 'missing' does not exist"),
    case(T + "--backend amaranth --tau-p 65536", "tau_p=65536 does not fit the hardware's tau_p register"),
    case("train --no-progress --backend amaranth --steps 0", "steps=0 does not fit the hardware's steps register"),
    case(T + "--backend amaranth --vcd missing/x.vcd", "argument --vcd: VCD file: directory 'missing' does not exist"),
    case(T + "--backend amaranth --vcd x.txt", "argument --vcd: VCD file 'x.txt' must end in one of .vcd"),
    case(T + "--backend amaranth --jobs 2", "--jobs needs --backend verilator"),
    case(T + "--backend amaranth --config eta_register.json", "eta=1000 does not fit the hardware's η register"),
    case(T + "--backend verilator --trace t.npz", "--trace needs --backend fixed or amaranth"),
    case(T + "--backend verilator --tau-x 65536", "tau_x=65536 does not fit the hardware's tau_x register"),
    case(T + "--backend verilator --jobs 2000", "argument --jobs: must be an integer in [1, 1024]"),
    case(T + "--backend verilator --eta 1000", "eta=1000 does not fit the hardware's η register"),
    case(T + "--backend verilator --mode other", "argument --mode: invalid choice: 'other'"),
    # compare
    case("compare empty.npz good.npz", "cannot read trace 'empty.npz': the file is empty"),
    case("compare text.npz good.npz", "cannot read trace 'text.npz': not an .npz trace"),
    case("compare good.npz truncated.npz", "cannot read trace 'truncated.npz': damaged, truncated or unreadable"),
    case("compare foreign.npz good.npz", "not a trace written by mgd train --trace: it has signals x, y"),
    case("compare single.npz good.npz", "cannot read trace 'single.npz': not an .npz trace"),
    case("compare only_theta.npz only_phase.npz", "no signal in common: A has signals theta; B has signals phase"),
    case("compare nothing.npz good.npz", "cannot read trace 'nothing.npz': No such file or directory"),
    case("compare dir good.npz", "cannot read trace 'dir'"),
    case("compare no_cycles.npz good.npz", "cannot read trace 'no_cycles.npz': the trace has no cycles"),
    case("compare ragged.npz good.npz", "the signals have different numbers of cycles: [5, 6]"),
    case("compare wide.npz good.npz", "signal theta: shapes (5, 4) and (5, 3) differ"),
    case("compare good.npz good.npz --plot c.xyz", "argument --plot: plot 'c.xyz' must end in one of"),
    case("compare good.npz good.npz --plot missing/c.png", "argument --plot: plot: directory 'missing' does not"),
    case(
        "compare no_cost.npz good.npz --plot c.png",
        "--plot needs the signals phase, step and cost; trace 'no_cost.npz' has no cost",
    ),
    case("compare good.npz", "the following arguments are required: trace_b"),
    # verilog
    case("verilog -o dir", "argument -o/--output: Verilog file 'dir' is a directory, not a file"),
    case("verilog -o missing/t.v", "argument -o/--output: Verilog file: directory 'missing' does not exist"),
    case("verilog --config steps_fraction.json -o t.v", "--config 'steps_fraction.json': steps must be an integer"),
    case("verilog --config tau_x_register.json -o t.v", "tau_x=70000 does not fit the hardware's tau_x register"),
    case("verilog --config eta_register.json -o t.v", "eta=1000 does not fit the hardware's η register"),
    case("verilog --config list.json -o t.v", "must hold a JSON object of MGDConfig fields"),
    case("verilog --unit alu -o t.v", "argument --unit: invalid choice: 'alu'"),
    case("verilog", "the following arguments are required: -o/--output"),
    # bench
    case("bench --min-time inf", "argument --min-time: must be a finite number in (0, 3600], got 'inf'"),
    case("bench --min-time nan", "argument --min-time: must be a finite number in (0, 3600], got 'nan'"),
    case("bench --min-time 0", "argument --min-time: must be a finite number in (0, 3600]"),
    case("bench --min-time -1", "argument --min-time: must be a finite number in (0, 3600]"),
    case("bench --min-time 1e9", "argument --min-time: must be a finite number in (0, 3600]"),
    case("bench --json dir", "argument --json: JSON file 'dir' is a directory, not a file"),
    case("bench --backends gpu", "argument --backends: invalid choice: 'gpu'"),
    case("bench --datasets mnist", "argument --datasets: invalid choice: 'mnist'"),
    # area
    case("area --json dir", "argument --json: JSON file 'dir' is a directory, not a file"),
    case("area --markdown missing/a.md", "argument --markdown: markdown file: directory 'missing' does not exist"),
    case("area --family xilinx", "argument --family: invalid choice: 'xilinx'"),
    # synth
    case(S + "--freq inf", "argument --freq: must be a finite number in (0, 1000], got 'inf'"),
    case(S + "--freq 0", "argument --freq: must be a finite number in (0, 1000]"),
    case(S + "--freq nan", "argument --freq: must be a finite number in (0, 1000]"),
    case(S + "--timeout inf", "argument --timeout: must be a finite number in (0, 604800]"),
    case(S + "--timeout -1", "argument --timeout: must be a finite number in (0, 604800]"),
    case(S + "--samples 0", "argument --samples: must be an integer in [1, 16777216]"),
    case(S + "--samples 1.5", "argument --samples: must be an integer in [1, 16777216]"),
    case(S + "--seed -1", "argument --seed: must be an integer in [0, 2147483647]"),
    case(S + "--workdir afile", "argument --workdir: work directory 'afile' exists and is not a directory"),
    case(S + "--workdir afile/sub", "argument --workdir: work directory 'afile/sub' cannot be created"),
    case(S + "--json dir", "argument --json: JSON file 'dir' is a directory, not a file"),
    case(S + "--config steps_bool.json", "steps must be an integer in [0, 4294967295], got True"),
    case(S + "--config tau_x_register.json", "tau_x=70000 does not fit the hardware's tau_x register"),
    case(S + "--package ../x", "--package must be a name like sg48 or CABGA381"),
    case("synth --family ice40 --device up9k", "ice40 device must be one of lp384, lp1k"),
    case("synth --family ecp7 --device 85k", "argument --family: invalid choice: 'ecp7'"),
    # build
    case("build --board icebreaker --plan-only --steps 0", "argument --steps: must be an integer in [1, 4294967295]"),
    case(
        "build --board icebreaker --plan-only --steps 4294967296",
        "argument --steps: must be an integer in [1, 4294967295]",
    ),
    case("build --board icebreaker --plan-only --steps 1.5", "argument --steps: must be an integer"),
    case("build --board icebreaker --plan-only --seed -1", "argument --seed: must be an integer in [0, 2147483647]"),
    case(
        "build --board icebreaker --plan-only --build-dir afile",
        "argument --build-dir: build directory 'afile' exists and is not a directory",
    ),
    case(
        "build --board icebreaker --plan-only --build-dir afile/b",
        "argument --build-dir: build directory 'afile/b' cannot be created",
    ),
    case("build --board icebreaker --plan-only --json dir", "argument --json: JSON file 'dir' is a directory"),
    case("build --board arty --plan-only", "argument --board: invalid choice: 'arty'"),
    # board
    case(
        "board info --port /dev/nonexistent-mgd-port",
        "--port: cannot open serial port '/dev/nonexistent-mgd-port' at 115200 baud: No such file or directory",
    ),
    case("board info --simulate --baud 0", "argument --baud: must be an integer in [50, 12000000]"),
    case("board info --simulate --baud fast", "argument --baud: must be an integer in [50, 12000000]"),
    case("board train --simulate --steps 0", "argument --steps: must be an integer in [1, 4294967295]"),
    case("board train --simulate --steps 4294967296", "argument --steps: must be an integer in [1, 4294967295]"),
    case("board train --simulate --timeout inf", "argument --timeout: must be a finite number in (0, 604800]"),
    case("board train --simulate --timeout nan", "argument --timeout: must be a finite number in (0, 604800]"),
    case("board info --simulate --json dir", "argument --json: JSON file 'dir' is a directory"),
    case("board info", "one of the arguments --port --simulate is required"),
    case("board info --port x --simulate", "argument --simulate: not allowed with argument --port"),
    case("board flash --simulate", "argument action: invalid choice: 'flash'"),
    case("fly", "argument COMMAND: invalid choice: 'fly'"),
]


@pytest.mark.parametrize("argv,needle", CLI_CASES)
def test_cli_refuses_bad_input_before_any_work(argv, needle, scratch, capsys):
    before = _listing(scratch)
    code, out, err = run_cli(argv, capsys)
    assert code == 2, (out, err)
    assert needle in err
    assert "Traceback" not in err and "Traceback" not in out
    assert 1 <= len(err.strip().splitlines()) <= 2, err
    assert out == ""  # no progress, no summary, no "wrote …": the work never started
    assert _listing(scratch) == before


# ---------------------------------------------------------------------------------------------- Python entry points


def _bad_config(**changes):
    return lambda: MGDConfig(**changes).validate()


PY_CASES = [
    # MGDConfig and its validate(): types strict, non-finite refused, sizes bounded
    pytest.param(_bad_config(steps=100.0), ConfigError, "steps must be an integer", id="config-steps-float"),
    pytest.param(_bad_config(steps=True), ConfigError, "steps must be an integer", id="config-steps-bool"),
    pytest.param(
        _bad_config(steps=MAX_STEPS + 1),
        ConfigError,
        "steps must be an integer in [0, 4294967295]",
        id="config-steps-huge",
    ),
    pytest.param(
        _bad_config(seeds=10**12), ConfigError, "seeds must be an integer in [1, 100000]", id="config-seeds-huge"
    ),
    pytest.param(
        _bad_config(seed=-1), ConfigError, "seed must be an integer in [0, 4294967295]", id="config-seed-negative"
    ),
    pytest.param(_bad_config(eta=math.inf), ConfigError, "eta must be a finite number", id="config-eta-inf"),
    pytest.param(_bad_config(dtheta=-math.inf), ConfigError, "dtheta must be a finite number", id="config-dtheta"),
    pytest.param(_bad_config(tau_theta=math.nan), ConfigError, "tau_theta must be a number", id="config-tt-nan"),
    pytest.param(_bad_config(tau_theta=-math.inf), ConfigError, "tau_theta must be a number", id="config-tt-ninf"),
    pytest.param(_bad_config(tau_x=True), ConfigError, "tau_x must be an integer", id="config-tau-x-bool"),
    pytest.param(_bad_config(layers="2-2-1"), ConfigError, "layers must be a list", id="config-layers-str"),
    pytest.param(
        _bad_config(layers=(2, 10**6, 1), seeds=1000),
        ConfigError,
        "parameters × 1,000 seeds exceeds",
        id="config-layers-huge",
    ),
    pytest.param(
        _bad_config(steps=10**9, eval_every=1), ConfigError, "steps/eval_every × seeds", id="config-curve-huge"
    ),
    pytest.param(_bad_config(dataset=5), ConfigError, "dataset must be a non-empty string", id="config-dataset"),
    pytest.param(_bad_config(bias_sign=True), ConfigError, "bias_sign must be -1 or +1", id="config-bias-bool"),
    pytest.param(
        _bad_config(hardware_seeds="both"),
        ConfigError,
        "hardware_seeds='both' is not one of",
        id="config-hardware-seeds",
    ),
    pytest.param(
        _bad_config(threshold=math.nan), ConfigError, "threshold must be a finite number", id="config-threshold-nan"
    ),
    pytest.param(
        _bad_config(theta_max=math.inf), ConfigError, "theta_max must be a finite number", id="config-theta-max-inf"
    ),
    pytest.param(
        _bad_config(init_scale="1"), ConfigError, "init_scale must be a finite number", id="config-init-scale-str"
    ),
    pytest.param(
        _bad_config(momentum=math.nan), ConfigError, "momentum must be a finite number", id="config-momentum-nan"
    ),
    # MGDConfig.from_dict
    pytest.param(lambda: MGDConfig.from_dict([1, 2]), ConfigError, "must be an object", id="from-dict-list"),
    pytest.param(lambda: MGDConfig.from_dict("xor"), ConfigError, "must be an object", id="from-dict-str"),
    pytest.param(
        lambda: MGDConfig.from_dict({"layers": "2-2-1"}),
        ConfigError,
        "layers must be a list",
        id="from-dict-layers-str",
    ),
    pytest.param(
        lambda: MGDConfig.from_dict({"layers": 3}), ConfigError, "layers must be a list", id="from-dict-layers-int"
    ),
    pytest.param(
        lambda: MGDConfig.from_dict({"steps": 100.5}), ConfigError, "steps must be an integer", id="from-dict-steps"
    ),
    pytest.param(
        lambda: MGDConfig.from_dict({"tau_theta": "never"}),
        ConfigError,
        "tau_theta must be a number",
        id="from-dict-tau-theta",
    ),
    pytest.param(
        lambda: MGDConfig.from_dict({"eta": None}), ConfigError, "eta must be a finite number", id="from-dict-eta-none"
    ),
    pytest.param(
        lambda: MGDConfig.from_dict({"lr": 1}),
        ConfigError,
        "unknown configuration field(s): lr",
        id="from-dict-unknown",
    ),
    # the golden model's entry points
    pytest.param(lambda: train(MGDConfig(steps=-1)), ConfigError, "steps must be an integer", id="train-steps"),
    pytest.param(lambda: train(MGDConfig(dataset="mnist")), ConfigError, "unknown dataset 'mnist'", id="train-dataset"),
    pytest.param(lambda: train(MGDConfig(seeds=2.0)), ConfigError, "seeds must be an integer", id="train-seeds"),
    pytest.param(lambda: FixedMGD(MGDConfig(dtheta=0.05)), ConfigError, "dtheta must be 2^-k", id="fixed-dtheta"),
    pytest.param(
        lambda: FixedMGD(MGDConfig(dtheta=2**-4, optimizer="adam")),
        ConfigError,
        "optimizer must be",
        id="fixed-optimizer",
    ),
    pytest.param(
        lambda: FixedMGD(MGDConfig(dtheta=2**-4), mode="fast"), ConfigError, "broadcast mode must be", id="fixed-mode"
    ),
    pytest.param(
        lambda: FixedMGD(MGDConfig(dtheta=2**-4, eta=math.nan)), ConfigError, "eta must be a finite", id="fixed-eta-nan"
    ),
]

# Registers: every field just outside its port's range, bools and non-integers
_REG_EDGES = {
    "tau_x": (0, 1 << 16),
    "tau_p": (0, 1 << 16),
    "tau_theta": (0, 1 << 16),
    "eta": (-1, 1 << 16),
    "dtheta_shift": (-1, 32),
    "seed": (-1, 1 << 16),
    "steps": (0, 1 << 32),
}
for _name, (_below, _above) in _REG_EDGES.items():
    _low, _high = Registers.range(_name)
    for _value in (_below, _above):
        PY_CASES.append(
            pytest.param(
                lambda n=_name, v=_value: Registers(**{n: v}),
                ConfigError,
                f"register {_name} must be an integer in [{_low}, {_high}]",
                id=f"registers-{_name}-{_value}",
            )
        )
PY_CASES += [
    pytest.param(lambda: Registers(steps=True), ConfigError, "register steps must be an integer", id="reg-bool"),
    pytest.param(lambda: Registers(eta=1.0), ConfigError, "register eta must be an integer", id="reg-float"),
    pytest.param(lambda: Registers(tau_x="3"), ConfigError, "register tau_x must be an integer", id="reg-str"),
    pytest.param(
        lambda: Registers(eta_width=0), ConfigError, "eta_width must be an integer in [1, 32]", id="reg-eta-width"
    ),
    pytest.param(
        lambda: Registers.for_formats(
            DEFAULT_FORMATS.replace(eta=DEFAULT_FORMATS.eta.__class__(12, 6, signed=False)), eta=1 << 12
        ),
        ConfigError,
        "register eta must be an integer in [0, 4095]",
        id="reg-for-formats",
    ),
    pytest.param(lambda: Registers.range("gain"), ConfigError, "'gain' is not a runtime register", id="reg-name"),
]


def _sim_build(config):
    from mgd.rtl.trainer_build import build

    return build(config)


def _trainer(**changes):
    from mgd.rtl.trainer import Trainer

    model = FixedMGD(XOR_HW.replace(steps=2))
    args = dict(
        mlp=model.mlp,
        codes=model.codes,
        mode="prescaled",
        fmts=model.fmts,
        x=model.x,
        targets=model.y,
        theta0=model.theta0[0],
        order="cyclic",
    )
    return Trainer(**(args | changes))


XOR_HW = MGDConfig(
    dataset="xor", eta=0.5, dtheta=2**-4, init_scale=2.0, steps=10, seeds=1, seed=0, sample_order="random"
)

PY_CASES += [
    # the RTL builders
    pytest.param(lambda: _sim_build(XOR_HW.replace(seeds=2)), ConfigError, "seeds must be 1", id="build-seeds"),
    pytest.param(
        lambda: _sim_build(XOR_HW.replace(tau_x=70000)),
        ConfigError,
        "register tau_x must be an integer in [1, 65535]",
        id="build-tau-x",
    ),
    pytest.param(
        lambda: _sim_build(XOR_HW.replace(steps=0)), ConfigError, "register steps must be an integer", id="build-steps"
    ),
    pytest.param(lambda: _trainer(theta0=[0, 1]), ValueError, "theta0 must have shape (9,)", id="trainer-theta0"),
    pytest.param(
        lambda: _trainer(theta0=[1 << 30] * 9),
        ValueError,
        "theta0 has values outside θ's format",
        id="trainer-theta0-range",
    ),
    pytest.param(lambda: _trainer(mode="fast"), ValueError, "mode must be one of", id="trainer-mode"),
    pytest.param(lambda: _trainer(order="shuffled"), ValueError, "order must be one of", id="trainer-order"),
    pytest.param(
        lambda: _trainer(x=np.full((4, 2), 1 << 20)),
        ValueError,
        "x has values outside the act format",
        id="trainer-dataset",
    ),
]


def _board(**kwargs):
    return Board(FakeBoard(), **kwargs)


class FakeBoard:
    """A transport that answers like a board (reads of the identification registers; writes are recorded)."""

    def __init__(self):
        self.values = {
            proto.REGISTERS["id"][0]: proto.ID_MAGIC,
            proto.REGISTERS["n_params"][0]: 9,
            proto.REGISTERS["n_samples"][0]: 4,
            proto.REGISTERS["n_in"][0]: 2,
            proto.REGISTERS["n_out"][0]: 1,
            proto.REGISTERS["formats"][0]: 16 | 12 << 8 | 10 << 16 | 7 << 24,
        }  # COMPACT_FORMATS
        self.writes, self.pending = [], b""

    def write(self, data: bytes) -> None:
        for k in range(0, len(data), proto.REQUEST_BYTES):
            frame = data[k : k + proto.REQUEST_BYTES]
            op, addr, value = frame[1], int.from_bytes(frame[2:4], "little"), int.from_bytes(frame[4:8], "little")
            if op == proto.OP_WRITE:
                self.writes.append((addr, value))
            self.pending += proto.response(proto.STATUS["ok"], self.values.get(addr, 0) if op == proto.OP_READ else 0)

    def read(self, n: int, timeout: float) -> bytes:
        out, self.pending = self.pending[:n], self.pending[n:]
        return out

    def idle(self, seconds: float) -> None:
        pass


PY_CASES += [
    # the host driver: the board's own rules, checked before anything is written
    pytest.param(
        lambda: _board().configure(tau_x=0),
        ConfigError,
        "register tau_x must be an integer in [1, 65535]",
        id="board-tau-x",
    ),
    pytest.param(
        lambda: _board().configure(eta=-1),
        ConfigError,
        "register eta must be an integer in [0, 65535]",
        id="board-eta-negative",
    ),
    pytest.param(
        lambda: _board().configure(eta=1 << 16),
        ConfigError,
        "register eta must be an integer in [0, 65535]",
        id="board-eta-wide",
    ),
    pytest.param(
        lambda: _board().configure(dtheta_shift=13),
        ConfigError,
        "register dtheta_shift must be an integer in [0, 12]",
        id="board-dtheta-shift",
    ),
    pytest.param(
        lambda: _board().configure(steps=0),
        ConfigError,
        "register steps must be an integer in [1, 4294967295]",
        id="board-steps-zero",
    ),
    pytest.param(
        lambda: _board().configure(steps=1 << 32),
        ConfigError,
        "register steps must be an integer",
        id="board-steps-wide",
    ),
    pytest.param(
        lambda: _board().configure(steps=True), ConfigError, "register steps must be an integer", id="board-steps-bool"
    ),
    pytest.param(
        lambda: _board().configure(seed=1.5), ConfigError, "register seed must be an integer", id="board-seed-float"
    ),
    pytest.param(
        lambda: _board().configure(gain=3), ValueError, "'gain' is not a runtime register", id="board-unknown"
    ),
    pytest.param(lambda: _board(timeout=math.inf), ValueError, "timeout must be a finite number", id="board-timeout"),
    pytest.param(lambda: _board(retries=-1), ValueError, "retries must be an integer in [0, 100]", id="board-retries"),
    pytest.param(
        lambda: SerialTransport("/dev/nonexistent-mgd-port"),
        PortError,
        "cannot open serial port '/dev/nonexistent-mgd-port'",
        id="serial-port",
    ),
    pytest.param(
        lambda: proto.check_runtime_register("dtheta_shift", 15, 16, 14),
        ConfigError,
        "register dtheta_shift must be an integer in [0, 14]",
        id="protocol-dtheta-shift",
    ),
]


def _run_bench(**kwargs):
    from mgd.bench import run_bench

    return run_bench(**kwargs)


def _synth(**kwargs):
    from mgd.boards.synth import synth_designs

    return synth_designs(XOR_HW, COMPACT_FORMATS, "ice40", "up5k", **kwargs)


def _build_board(**kwargs):
    from mgd.boards.build import build_board

    return build_board("icebreaker", "never-made", do_build=False, **kwargs)


PY_CASES += [
    # files, traces, and the tools' Python entry points
    pytest.param(lambda: check_output_file("."), OutputPathError, "output file: empty path", id="file-dot"),
    pytest.param(
        lambda: check_output_file("missing-dir/x.json", "JSON file"),
        OutputPathError,
        "JSON file: directory 'missing-dir' does not exist",
        id="file-missing-dir",
    ),
    pytest.param(
        lambda: check_output_dir("/dev/null/sub"),
        OutputPathError,
        "output directory '/dev/null/sub' cannot be created: '/dev/null' is not a directory",
        id="dir-under-a-file",
    ),
    pytest.param(
        lambda: trace_io.compare({"a": np.zeros(2)}, {"b": np.zeros(2)}),
        trace_io.TraceError,
        "no signal in common: A has signals a; B has signals b",
        id="trace-compare",
    ),
    pytest.param(
        lambda: trace_io.compare(GOOD_TRACE, GOOD_TRACE, signals=["phase", "gain"]),
        trace_io.TraceError,
        "signal(s) not in the trace: gain (trace A), gain (trace B)",
        id="trace-compare-signals",
    ),
    pytest.param(lambda: _run_bench(min_time=math.nan), ValueError, "min_time must be a finite number", id="bench-nan"),
    pytest.param(lambda: _run_bench(min_time=math.inf), ValueError, "min_time must be a finite number", id="bench-inf"),
    pytest.param(
        lambda: _run_bench(backends=("gpu",)), ValueError, "backends must be a non-empty selection", id="bench-backend"
    ),
    pytest.param(lambda: _synth(freq_mhz=math.inf), ValueError, "freq_mhz must be a positive number", id="synth-freq"),
    pytest.param(lambda: _synth(seed=-1), ValueError, "seed must be an integer in [0, 2147483647]", id="synth-seed"),
    pytest.param(lambda: _synth(timeout=math.nan), ValueError, "timeout must be a positive number", id="synth-timeout"),
    pytest.param(
        lambda: _build_board(seed=1.5), ValueError, "seed must be an integer in [0, 2147483647]", id="build-board-seed"
    ),
]


@pytest.mark.parametrize("call,error,needle", PY_CASES)
def test_python_entry_points_refuse_bad_input(call, error, needle, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(error) as info:
        call()
    assert isinstance(info.value, ValueError)
    assert needle in str(info.value)
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_board_configure_writes_nothing_when_one_value_is_bad():
    fake = FakeBoard()
    board = Board(fake)
    with pytest.raises(ConfigError, match="register steps"):
        board.configure(tau_x=2, eta=100, steps=0)
    assert fake.writes == []
    board.configure(tau_x=2, eta=(1 << 16) - 1, dtheta_shift=12, steps=(1 << 32) - 1)  # the corners pass
    assert [v for _, v in fake.writes] == [2, (1 << 16) - 1, 12, (1 << 32) - 1]


def test_the_three_register_checks_agree():
    """Registers (golden), the host protocol (board rules) and the driver use one table of ranges."""
    assert proto.RUNTIME_REGISTERS == Registers.NAMES
    for name in Registers.NAMES:
        low, high = Registers.range(name, 16)
        assert proto.runtime_register_range(name, 16, 31) == (low, high)
        assert Registers.check(name, low) == low and Registers.check(name, high) == high
    assert Registers.range("steps")[1] == MAX_STEPS  # the config's longest run is the steps register's
    assert Registers.range("eta", COMPACT_FORMATS.eta.width)[1] == COMPACT_FORMATS.eta.max


def test_atomic_write_leaves_nothing_on_failure_and_keeps_the_old_file(tmp_path):
    target = tmp_path / "r.json"
    target.write_text("old")
    with pytest.raises(RuntimeError, match="boom"):
        with atomic_write(target) as f:
            f.write("half")
            raise RuntimeError("boom")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["r.json"]
    with atomic_write(target) as f:
        f.write("new")
    assert target.read_text() == "new" and [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_a_trace_that_cannot_be_saved_leaves_no_file(tmp_path):
    with pytest.raises(TypeError):
        trace_io.save(tmp_path / "t.npz", GOOD_TRACE, {"bad": object()})
    assert list(tmp_path.iterdir()) == []


def test_cli_output_checks_accept_what_they_should(scratch, capsys):
    """The other side of the path checks: a plot in any format matplotlib writes, a new build directory."""
    code, out, err = run_cli(
        [
            "train",
            "--no-progress",
            "--steps",
            "10",
            "--seeds",
            "1",
            "--eval-every",
            "5",
            "--plot",
            "c.svg",
            "--json",
            "dir/r.json",
        ],
        capsys,
    )
    assert code == 0, err
    assert (scratch / "c.svg").read_text().lstrip().startswith("<?xml")
    assert json.loads((scratch / "dir" / "r.json").read_text())["mgd"]["config"]["steps"] == 10
    assert sorted(p.name for p in scratch.iterdir() if p.name.startswith(".")) == []  # no temporary files left


# -------------------------------------------------------------------- accepted corners: RTL and golden agree

CORNERS = {
    "lows": Registers(tau_x=1, tau_p=1, tau_theta=1, eta=0, dtheta_shift=0, seed=0, steps=1),
    "highs": Registers(
        tau_x=(1 << 16) - 1,
        tau_p=(1 << 16) - 1,
        tau_theta=(1 << 16) - 1,
        eta=(1 << 16) - 1,
        dtheta_shift=31,
        seed=0,
        steps=(1 << 32) - 1,
    ),
    "eta-max": Registers(tau_x=1, tau_p=1, tau_theta=1, eta=(1 << 16) - 1, dtheta_shift=14, seed=1, steps=6),
    "seed-max": Registers(
        tau_x=2, tau_p=1, tau_theta=2, eta=(1 << 16) - 1, dtheta_shift=15, seed=(1 << 16) - 1, steps=3
    ),
}


@pytest.fixture(scope="module")
def xor_build():
    from mgd.rtl.trainer_build import build

    return build(XOR_HW.replace(steps=4))


def _rtl_trace(trainer, regs: Registers, cycles: int) -> dict:
    """``cycles`` cycles of the trainer after writing ``regs`` and pulsing start (as trainer_sim.simulate records
    them, without waiting for ``done``: the "highs" run would take 2^32 steps)."""
    from amaranth.sim import Simulator

    ctl, syn = trainer.controller, trainer.synapses
    status = trainer.status
    ports = {name: getattr(status, name) for name in status.signature.members}
    ports |= {"phase": status.phase.as_value(), "sample": ctl.sample, "index": ctl.index}
    rows = {name: [] for name in [*ports, "code", "g", "theta"]}

    async def bench(ctx):
        for name in Registers.NAMES:
            ctx.set(getattr(trainer.regs, name), getattr(regs, name))
        ctx.set(trainer.start, 1)
        for c in range(cycles):
            for name, port in ports.items():
                rows[name].append(ctx.get(port))
            for name in ("code", "g", "theta"):
                rows[name].append([ctx.get(getattr(s, name)) for s in syn])
            await ctx.tick()
            if c == 0:
                ctx.set(trainer.start, 0)

    sim = Simulator(trainer)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()
    return {k: np.array(v, dtype=np.int64) for k, v in rows.items()}


@pytest.mark.parametrize("corner", list(CORNERS))
def test_register_corners_run_the_same_in_rtl_and_golden_schedule(corner, xor_build):
    regs = CORNERS[corner]
    cycles = 120
    golden = xor_build.golden(regs).run(cycles)
    rtl = _rtl_trace(xor_build.trainer, regs, cycles)
    result = trace_io.compare(golden, rtl)
    assert result.identical, result.report()
    assert len(set(golden["phase"].tolist())) >= 2  # the run went somewhere (not stuck in one phase)


def test_max_array_values_bounds_the_documented_limits():
    assert MAX_ARRAY_VALUES == 10**8
    assert MGDConfig(seeds=100_000, steps=100_000, eval_every=1000).validate().seeds == 100_000
