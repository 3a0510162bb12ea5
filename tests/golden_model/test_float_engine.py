"""The compiled float engine against the numpy model: θ after every step on the same codes, samples and θ₀, within
1e-12 relative (absolute near 0), for every option combination, on XOR and on NIST7x7 49-4-4; the whole
TrainResult; playback sources and orders; the options and engines it refuses."""

import math
import warnings

import numpy as np
import pytest
from hypothesis import assume, given, reject, settings
from hypothesis import strategies as st

from mgd.golden_model.config import CHOICES, ConfigError, MGDConfig
from mgd.golden_model.float_engine import compile_kernels, theta_trace
from mgd.golden_model.perturbations import ArraySource, PerturbationSource
from mgd.golden_model.presets import preset
from mgd.golden_model.samples import ArrayOrder
from mgd.golden_model.training import build, train

TOL = 1e-12


def assert_close(a, b, tol=TOL):
    """|a − b| ≤ tol·max(|a|, 1): relative, and absolute near 0."""
    assert a.shape == b.shape
    err = np.abs(a - b) / np.maximum(np.abs(a), 1.0)
    worst = np.unravel_index(np.argmax(err), err.shape)
    assert err[worst] <= tol, f"worst at {worst}: numpy {a[worst]!r}, compiled {b[worst]!r} (error {err[worst]:.3g})"


def assert_traces_equal(config, steps, **kw):
    a = theta_trace(config, steps, engine="numpy", **kw)
    b = theta_trace(config, steps, engine="compiled", **kw)
    assert_close(a, b)
    return a


def numpy_trace_or_reject(config, steps, **kw):
    """The numpy model's θ trace; a configuration that overflows (a diverging linear or ReLU network) is rejected."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        try:
            return theta_trace(config, steps, engine="numpy", **kw)
        except RuntimeWarning:
            reject()


def no_minimum(condition):
    """For a fixed grid: a case chaotic from its first steps (Adam on a tiny G) is checked by the bound alone."""


def assert_equal_within_the_models_own_sensitivity(config, steps, enough=assume):
    """θ after every step within 1e-12 of the numpy model, or within 1000 × the numpy model's own sensitivity.

    Some option combinations (noise with small Δθ, momentum, Adam, analog with linear outputs) are chaotic: the
    numpy model run from θ₀·(1 + 1e-15) departs from its own trace by far more than 1e-12 within a few hundred steps,
    so rounding-level differences (reassociated sums, the C library's tanh and sin) cannot stay below 1e-12 there.
    At step n the bound is 1e-12 + 1000·s_n, s_n that self-divergence (its running maximum over steps); the
    well-conditioned steps meet 1e-12 itself,
    and at least 20 steps (or the whole run) must be checked at a bound below 1e-9."""
    theta0 = build(config).theta0
    a = numpy_trace_or_reject(config, steps, theta0=theta0)
    b = theta_trace(config, steps, engine="compiled", theta0=theta0)
    nudged = numpy_trace_or_reject(config, steps, theta0=theta0 * (1.0 + 1e-15))
    scale = np.maximum(np.abs(a), 1.0)
    sensitivity = np.maximum.accumulate(np.max(np.abs(a - nudged) / scale, axis=(1, 2)))
    err = np.max(np.abs(a - b) / scale, axis=(1, 2))
    bound = TOL + 1000.0 * sensitivity
    tight = int(np.sum(bound < 1e-9))
    enough(tight >= min(20, steps))
    bad = np.flatnonzero(err > bound)
    assert bad.size == 0, f"step {bad[0]}: error {err[bad[0]]:.3g} > bound {bound[bad[0]]:.3g}"
    return a


def setup_module():
    compile_kernels()  # compiled once per machine, then loaded from numba's cache


@st.composite
def configs(draw, dataset="xor"):
    """Any option combination the float model takes (small τ's so that every event happens within the run)."""
    algorithm = draw(st.sampled_from(CHOICES["algorithm"]))
    kinds = [k for k in CHOICES["perturbation"] if not (algorithm == "analog" and k == "sequential")]
    estimator = "mgd" if algorithm == "analog" else draw(st.sampled_from(["mgd", "mgd", "mgd", "backprop"]))
    theta_max = draw(st.sampled_from([None, 1.5, 8.0]))
    tau_theta = draw(st.sampled_from([1, 2, 3, 8, math.inf] + ([0.5, 2.5] if algorithm == "analog" else [])))
    noisy = draw(st.booleans())
    fields = dict(
        dataset=dataset,
        algorithm=algorithm,
        perturbation=draw(st.sampled_from(kinds)),
        perturb_target="weight" if estimator == "backprop" else draw(st.sampled_from(CHOICES["perturb_target"])),
        estimator=estimator,
        optimizer=draw(st.sampled_from(CHOICES["optimizer"])),
        normalization=draw(st.sampled_from(CHOICES["normalization"])),
        sample_order=draw(st.sampled_from(CHOICES["sample_order"])),
        tau_x=draw(st.sampled_from([1, 2, 3, 4])),
        tau_p=draw(st.sampled_from([1, 2, 3])),
        tau_theta=tau_theta,
        tau_hp=draw(st.sampled_from([0.5, 1.6, 10.0])),
        dt=draw(st.sampled_from([1.0, 0.25])),
        theta_max=theta_max,
        init_scale=1.0 if theta_max is None else min(1.0, theta_max),
        eta=draw(st.sampled_from([0.05, 0.5])),
        dtheta=draw(st.sampled_from([0.05, 0.2])),
        sigma_cost=0.01 if noisy and draw(st.booleans()) else 0.0,
        sigma_theta=0.1 if noisy and draw(st.booleans()) else 0.0,
        update_noise=draw(st.sampled_from(CHOICES["update_noise"])),
        sigma_act=0.1 if noisy and draw(st.booleans()) else 0.0,
        activation=draw(st.sampled_from(CHOICES["activation"])),
        output_activation=draw(st.sampled_from(CHOICES["output_activation"])),
        param_order=draw(st.sampled_from(CHOICES["param_order"])),
        bias_sign=draw(st.sampled_from([-1, 1])),
        seeds=draw(st.integers(1, 3)),
        seed=draw(st.integers(0, 1000)),
    )
    return MGDConfig(**fields).validate()


@settings(max_examples=150)
@given(configs())
def test_theta_after_every_step_equals_the_numpy_model_on_xor(config):
    assert_equal_within_the_models_own_sensitivity(config, 200)


@settings(max_examples=12)
@given(configs(dataset="nist7x7"))
def test_theta_after_every_step_equals_the_numpy_model_on_nist7x7(config):
    assert_equal_within_the_models_own_sensitivity(config.replace(seeds=min(config.seeds, 2)), 100)


@pytest.mark.parametrize("algorithm", CHOICES["algorithm"])
@pytest.mark.parametrize("perturbation", CHOICES["perturbation"])
@pytest.mark.parametrize("target", CHOICES["perturb_target"])
@pytest.mark.parametrize("optimizer", CHOICES["optimizer"])
def test_every_perturbation_target_and_optimizer_with_noise_and_bound(algorithm, perturbation, target, optimizer):
    """The full grid of algorithm × perturbation × weight/node × optimizer, each with every noise model on and a
    parameter bound that is reached, and τ's that make resets, periods and updates fall on different steps."""
    if algorithm == "analog" and perturbation == "sequential":
        pytest.skip("sequential is discrete-time only (refused by the config)")
    config = MGDConfig(
        dataset="xor",
        algorithm=algorithm,
        perturbation=perturbation,
        perturb_target=target,
        optimizer=optimizer,
        tau_x=3,
        tau_p=2,
        tau_theta=4 if algorithm == "discrete" else 3.0,
        eta=0.5,
        theta_max=1.2,
        init_scale=1.0,
        sigma_cost=0.01,
        sigma_theta=0.2,
        sigma_act=0.1,
        sample_order="shuffled",
        seeds=2,
        seed=7,
    )
    theta = assert_equal_within_the_models_own_sensitivity(config, 300, enough=no_minimum)
    assert np.any(np.abs(theta) == 1.2)  # the bound was reached


@pytest.mark.parametrize(
    "changes",
    [
        {},  # the XOR preset
        {"estimator": "backprop"},
        {"sample_order": "cyclic", "perturbation": "walsh", "tau_theta": 8},
        {"algorithm": "analog", "tau_x": 50, "perturbation": "sinusoid", "tau_theta": 20.0, "theta_max": None},
        {"sigma_cost": 0.01, "sigma_theta": 0.5, "update_noise": "scalar"},
    ],
)
def test_train_result_equals_the_numpy_model(changes):
    config = MGDConfig.from_dict({**preset("xor"), "dataset": "xor", "steps": 2000, "eval_every": 50, "seeds": 4})
    config = config.replace(**changes)
    a, b = train(config), train(config, engine="compiled")
    assert np.array_equal(a.eval_steps, b.eval_steps)
    assert np.array_equal(a.accuracy, b.accuracy)
    assert a.steps_to_threshold == b.steps_to_threshold
    assert np.array_equal(a.theta0, b.theta0)
    # 2000 steps: rounding differences grow through the dynamics (see above), hence a wider bound on θ and cost
    assert_close(a.cost, b.cost, tol=1e-8)
    assert_close(a.theta, b.theta, tol=1e-8)
    assert (a.layers, a.n_params, a.threshold) == (b.layers, b.n_params, b.threshold)
    assert a.summary().keys() == b.summary().keys()


def test_train_result_on_nist7x7_with_a_progress_bar():
    config = MGDConfig(dataset="nist7x7", eta=3 / 220, steps=3000, eval_every=1000, seeds=2, sample_order="random")
    a, b = train(config), train(config, engine="compiled", progress=True)
    assert np.array_equal(a.accuracy, b.accuracy)
    assert a.steps_to_threshold == b.steps_to_threshold
    assert_close(a.cost, b.cost, tol=1e-8)
    assert_close(a.theta, b.theta, tol=1e-8)


def test_playback_source_and_order_and_a_given_theta0():
    """The hardware's recorded bits and sample sequence (ArraySource, ArrayOrder) and a given θ₀ are compiled too."""
    config = MGDConfig(dataset="xor", seeds=3, tau_p=2, tau_theta=2)
    rng = np.random.default_rng(5)
    patterns = rng.choice([-1.0, 1.0], (17, 3, 9))
    order = rng.integers(0, 4, 11)
    theta0 = rng.uniform(-1, 1, (3, 9))

    def trace(engine):
        return theta_trace(
            config,
            150,
            engine=engine,
            theta0=theta0,
            source=ArraySource(3, 9, patterns),
            order=ArrayOrder(order, 3),
        )

    assert_close(trace("numpy"), trace("compiled"))


def test_an_unknown_source_or_engine_is_refused():
    class Constant(PerturbationSource):
        def values(self, t):
            return np.ones((self.seeds, self.k))

    config = MGDConfig(dataset="xor", steps=10)
    with pytest.raises(ConfigError, match="source=Constant is not compiled"):
        train(config, engine="compiled", source=Constant(1, 9))
    with pytest.raises(ConfigError, match="engine='fortran'"):
        train(config, engine="fortran")


@pytest.mark.slow
def test_xor_preset_both_engines_every_theta():
    """The XOR preset (1e4 steps, 20 seeds) in both engines: θ after every step of every seed, and the results.
    Over 1e4 steps the rounding differences (1e-16) of reassociated sums and of the C library's tanh grow through
    the training dynamics, so θ is compared within 1e-9 here (1e-12 holds for the short runs above)."""
    config = MGDConfig.from_dict({**preset("xor"), "dataset": "xor"})
    a = theta_trace(config, config.steps, engine="numpy")
    b = theta_trace(config, config.steps, engine="compiled")
    assert_close(a, b, tol=1e-9)
    ra, rb = train(config), train(config, engine="compiled")
    assert np.array_equal(ra.accuracy, rb.accuracy)
    assert ra.steps_to_threshold == rb.steps_to_threshold


@pytest.mark.parametrize("dataset", ["xor", "nist7x7"])
@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"param_order": "layer", "bias_sign": -1, "sigma_act": 0.1},
        {"activation": "relu", "output_activation": "linear"},
    ],
)
def test_evaluation_equals_the_numpy_model(dataset, changes):
    """The kernel's evaluation (sample blocks, the vectorised logistic) against training.evaluate, at θ₀ and at 10·θ₀
    (many neurons saturated, outputs tied at exactly 0 or 1): the same accuracy, the mean cost within 1e-12. (Where
    σ is within an ulp of 1, NumPy's own SIMD tanh and the C library's round differently for about 1 input in 1000:
    an argmax tie there can differ in either engine, hence not a larger scale.)"""
    from mgd.golden_model.float_engine import Kernel
    from mgd.golden_model.training import evaluate

    config = MGDConfig(dataset=dataset, seeds=3, seed=11, init_scale=1.0, **changes)
    for scale in (1.0, 10.0):
        run = build(config)
        run.algo.theta = run.algo.theta * scale
        kernel = Kernel(run, [0])
        kernel.run(0)
        acc, cost = evaluate(run)
        assert np.array_equal(kernel.acc[0], acc)
        assert_close(cost, kernel.cost[0])


def test_the_logistic_is_the_numpy_models_within_rounding():
    """The kernel's logistic (scalar, C exp) and the evaluation's (its own exp, vectorised) against the numpy
    model's 0.5·(1 + tanh(u/2)): within 2.5e-16 absolutely, exactly 0 and 1 where it is, from deep saturation to
    ±inf and NaN."""
    from numba import njit

    from mgd.golden_model.float_engine import logistic_rows, sigmoid

    @njit
    def both(u, g, f, b):
        n = u.shape[0]
        z = u.reshape(1, n).copy()
        tb, pb, sb = np.empty(n), np.empty(n), np.empty(n, np.int64)
        logistic_rows(z, 0, n, g, f, b, tb, pb, sb)
        scalar = np.empty(n)
        for m in range(n):
            scalar[m] = sigmoid(g * ((u[m] + b) - f))
        return z[0], scalar

    rng = np.random.default_rng(0)
    u = np.concatenate(
        [
            rng.normal(0, 3, 4000),
            rng.uniform(-800, 800, 4000),
            rng.uniform(-40, -30, 1000),
            [0.0, -0.0, 1e-300, -1e-300, 1e-17, 37.0, -37.0, 745.0, -745.0, 1e6, -1e6],
        ]
    )
    numpy_form = 0.5 * (1.0 + np.tanh(0.5 * u))
    for got in both(u, 1.0, 0.0, 0.0):
        assert np.max(np.abs(got - numpy_form)) <= 2.5e-16
        saturated = np.abs(u) > 40
        assert np.array_equal(got[saturated], numpy_form[saturated])
    for got in both(np.array([np.inf, -np.inf, np.nan, 2.0]), 2.0, 1.0, 0.5):  # σ(2·((u + 0.5) − 1))
        assert got[0] == 1.0 and got[1] == 0.0 and np.isnan(got[2])
        assert abs(got[3] - 0.5 * (1.0 + math.tanh(1.5))) <= 2.5e-16


@pytest.mark.parametrize("perturbation", ["code", "uniform", "gaussian"])
@pytest.mark.parametrize("sample_order", ["random", "shuffled"])
def test_the_generators_end_in_the_numpy_models_state(perturbation, sample_order):
    """The ±1 codes and sample indices are drawn one value at a time (no arrays), the others as arrays: after a
    run the perturbation and sample generators are where the numpy model leaves them, and θ is equal."""
    from mgd.golden_model.float_engine import Kernel

    config = MGDConfig(dataset="nist7x7", perturbation=perturbation, sample_order=sample_order, seeds=3, tau_p=2)
    a, b = build(config), build(config)
    for _ in range(57):
        a.algo.step()
    kernel = Kernel(b, [])
    kernel.run(57)
    assert a.algo.source.rng.bit_generator.state == b.algo.source.rng.bit_generator.state
    assert a.algo.order.rng.bit_generator.state == b.algo.order.rng.bit_generator.state
    assert_close(a.algo.theta, kernel.theta)
