"""The compiled engine of the fixed-point model (:mod:`mgd.golden_model.fixed_engine`) against the numpy model
(:class:`~mgd.golden_model.fixed_mgd.FixedMGD`, the spec): every value of every step equal, bit for bit, over the
code kinds, broadcast modes, τ's, sample orders, formats, seed registers and networks; and the whole training run
(:func:`~mgd.golden_model.fixed_mgd.train_fixed`) equal in both engines."""

import dataclasses
import itertools

import numpy as np
import pytest

from mgd.golden_model.config import ConfigError, MGDConfig
from mgd.golden_model.fixed_engine import TRACE_SCALARS, FixedEngine
from mgd.golden_model.fixed_mgd import FixedMGD, train_fixed
from mgd.golden_model.formats import COMPACT_FORMATS, DEFAULT_FORMATS

#: the hardware code of each float perturbation kind the fixed model supports (codes.FLOAT_KIND)
PERTURBATIONS = ("code", "uniform", "walsh", "sequential")
FORMATS = {"default": DEFAULT_FORMATS, "compact": COMPACT_FORMATS}
XOR = MGDConfig(dataset="xor", eta=0.5, dtheta=2**-4, init_scale=2.0, steps=60, seeds=3, eval_every=20)
PARITY3 = MGDConfig(dataset="parity3", dtheta=2**-4, eta=1.0)


def assert_every_step_equal(model: FixedMGD, steps: int) -> None:
    """Run a copy of ``model`` ``steps`` steps in the engine (recording), step ``model`` in numpy, and compare θ, G,
    the code, C, C₀, C̃, the broadcast, the sample address and the accuracy counter after every step."""
    twin = FixedMGD(
        model.config, model.fmts, mode=model.mode, lfsr=model.codes.lfsr, levels_bits=model.codes.levels_bits,
        theta0=model.fmts.theta.real(model.theta), order=model.order, hw_seed=model.hw_seeds,
    )  # fmt: skip
    trace = FixedEngine(twin).run(steps, record=True)
    for n in range(steps):
        model.step()
        for name in ("theta", "G", "code", *TRACE_SCALARS):
            assert np.array_equal(getattr(trace, name)[:, n], getattr(model, name)), f"{name} differs at step {n}"
    for name in ("theta", "G", "code", "n", "seen", *TRACE_SCALARS):
        assert np.array_equal(getattr(twin, name), getattr(model, name)), f"final {name} differs"


CASES = list(
    itertools.product(
        PERTURBATIONS,  # every code kind
        ("prescaled", "raw"),
        ((1, 1, 1), (3, 2, 5)),  # (τx, τp, τθ)
        ("cyclic", "random"),
        ("default", "compact"),
    )
)


@pytest.mark.parametrize("perturbation,mode,taus,order,fmts", CASES)
def test_every_step_equals_the_numpy_model_on_xor(perturbation, mode, taus, order, fmts):
    cfg = XOR.replace(
        perturbation=perturbation, tau_x=taus[0], tau_p=taus[1], tau_theta=taus[2], sample_order=order, seed=7
    )
    model = FixedMGD(cfg, FORMATS[fmts], mode=mode)
    assert len(set(model.hw_seeds.tolist())) == cfg.seeds  # distinct seed registers
    assert_every_step_equal(model, 60)


@pytest.mark.parametrize("fmts", ["default", "compact"])
@pytest.mark.parametrize("mode", ["prescaled", "raw"])
def test_every_step_equals_the_numpy_model_in_both_format_sets(fmts, mode):
    cfg = XOR.replace(perturbation="uniform", tau_x=3, tau_p=2, tau_theta=5, sample_order="random", eta=2.0)
    assert_every_step_equal(FixedMGD(cfg, FORMATS[fmts], mode=mode), 80)


@pytest.mark.parametrize(
    "cfg,kwargs",
    [
        (MGDConfig(dataset="parity4", dtheta=2**-4, eta=1.0, seeds=2, sample_order="random", tau_theta=3), {}),
        (  # a 49-4-4 network (NIST 7×7), few steps
            MGDConfig(dataset="nist7x7", dtheta=2**-5, eta=0.5, seeds=2, sample_order="random", tau_x=3, tau_p=2),
            {},
        ),
        (  # ReLU hidden layer, linear output, "layer" parameter order, bias sign +1
            MGDConfig(
                dataset="parity3",
                layers=(3, 5, 1),
                activation="relu",
                output_activation="linear",
                bias_sign=1,
                param_order="layer",
                dtheta=2**-3,
                eta=0.25,
                seeds=2,
                perturbation="walsh",
            ),
            {},
        ),  # fmt: skip
        (XOR, {"order": [3, 1, 1, 0, 2]}),  # a recorded order
        (XOR.replace(hardware_seeds="shared"), {}),  # seed register 0 for every initialisation
        (XOR.replace(perturbation="uniform"), {"levels_bits": 2, "hw_seed": [5, 900, 65535]}),
    ],
    ids=["parity4", "nist7x7", "relu-linear", "recorded-order", "shared-seed", "levels2-hw-seeds"],
)
def test_every_step_equals_the_numpy_model_on_other_networks_and_options(cfg, kwargs):
    steps = 12 if cfg.dataset == "nist7x7" else 60
    assert_every_step_equal(FixedMGD(cfg, **kwargs), steps)


def test_the_engines_can_take_turns_on_one_model():
    cfg = XOR.replace(tau_x=3, tau_p=2, tau_theta=5, sample_order="random")
    spec, mixed = FixedMGD(cfg), FixedMGD(cfg)
    engine = FixedEngine(mixed)
    for chunk in (7, 0, 13, 1, 29):
        for _ in range(chunk):
            spec.step()
            mixed.step()
        assert engine.run(chunk) is None
        for _ in range(chunk):
            spec.step()
    for name in ("theta", "G", "code", "n", "seen", *TRACE_SCALARS):
        assert np.array_equal(getattr(mixed, name), getattr(spec, name)), name


def test_evaluation_equals_the_numpy_model():
    model = FixedMGD(MGDConfig(dataset="parity4", dtheta=2**-4, seeds=3, init_scale=4.0))
    acc, cost = FixedEngine(model).evaluate()
    want_acc, want_cost = model.evaluate()
    assert np.array_equal(acc, want_acc) and np.array_equal(cost, want_cost)


def assert_results_equal(a, b):
    for field in dataclasses.fields(a):
        if field.name == "wall_time":
            continue
        x, y = getattr(a, field.name), getattr(b, field.name)
        if isinstance(x, np.ndarray):
            assert x.dtype == y.dtype and np.array_equal(x, y), field.name
        else:
            assert x == y, field.name


@pytest.mark.parametrize(
    "cfg,fmts,mode",
    [
        (XOR.replace(steps=3000, eval_every=250, seeds=4, sample_order="random"), "compact", "prescaled"),
        (XOR.replace(steps=1000, eval_every=99, tau_x=3, tau_p=2, tau_theta=5, perturbation="walsh"), "default", "raw"),
        (PARITY3.replace(steps=500, eval_every=50, seeds=2), "default", "prescaled"),
    ],
)
def test_train_fixed_gives_the_same_result_in_both_engines(cfg, fmts, mode):
    numpy_run = train_fixed(cfg, FORMATS[fmts], mode=mode)
    compiled_run = train_fixed(cfg, FORMATS[fmts], mode=mode, engine="compiled")
    assert_results_equal(numpy_run, compiled_run)
    assert compiled_run.accuracy.shape == (len(numpy_run.eval_steps), cfg.seeds)


def test_an_unknown_engine_is_refused():
    with pytest.raises(ConfigError, match="engine must be one of numpy, compiled"):
        train_fixed(XOR, engine="fast")


@pytest.mark.slow
def test_the_xor_hardware_preset_is_identical_in_both_engines():
    """``mgd train --backend fixed --dataset xor --formats compact --seeds 20 --eta 0.5 --dtheta 0.0625
    --init-scale 2 --steps 10000``: every θ equal in both engines."""
    from mgd.cli import build_parser, config_from_args

    args = build_parser().parse_args(
        "train --backend fixed --dataset xor --formats compact --seeds 20 --eta 0.5 --dtheta 0.0625 --init-scale 2 "
        "--steps 10000".split()
    )
    config = config_from_args(args, hardware=True)
    numpy_run = train_fixed(config, args.formats.fmts)
    compiled_run = train_fixed(config, args.formats.fmts, engine="compiled")
    assert_results_equal(numpy_run, compiled_run)
    assert np.array_equal(numpy_run.theta, compiled_run.theta)
