"""The bit-exact fixed-point MGD model: XOR is learnable in the default formats, and every step agrees with the
float model driven by the same perturbation bits within a bound derived from the formats."""

import numpy as np
import pytest

from mgd.golden_model.config import ConfigError, MGDConfig
from mgd.golden_model.fixed_mgd import FixedMGD, float_twin, train_fixed
from mgd.golden_model.network import MLP

#: the fixed-point XOR settings (docs/fixed-point.md): the float preset with Δθ = 2^−4 and the memory's cyclic order
XOR = MGDConfig(
    dataset="xor", eta=0.5, dtheta=2**-4, init_scale=2.0, steps=10_000, seeds=20, sample_order="cyclic", eval_every=500
)


@pytest.mark.parametrize("mode", ["prescaled", "raw"])
def test_fixed_point_model_learns_xor(mode):
    result = train_fixed(XOR, mode=mode)
    assert np.median(result.final_accuracy) == 1.0
    assert result.solved_fraction >= 0.5


def shadow_run(config, steps, mode="prescaled"):
    """Step the fixed model; before every step evaluate the float model at the same θ, sample and code.

    Returns the largest ratio |fixed − float| / bound over all steps and seeds, for the cost C and for the updated
    θ. Bounds (τx = τp = τθ = 1, n_out = 1, so every step is self-contained and the fixed cost is exact):
      ε_y(w)  = FixedMLP.error_bound(w): sigmoid-table and rounding error of the output, propagated;
      ε_C(w)  = ε_y·(2|y − ŷ| + ε_y);   |C̃_fix − C̃_float| ≤ ε_C(θ+θ̃) + ε_C(θ);
      |Δθ_fix − Δθ_float| ≤ η_reg·|c|·(ε_C(θ+θ̃) + ε_C(θ)) + 1 LSB (u floored) + 1 LSB (c·u floored, multi-level).
    """
    fx = FixedMGD(config, mode=mode)
    f, mlp = fx.fmts, fx.mlp
    eta_real = f.eta.real(fx.eta)
    worst_cost = worst_theta = 0.0
    checked = 0
    for n in range(steps):
        theta = fx.theta_real
        idx = fx.sample_index(n)  # each seed's own sample and code (its seed register)
        x, t = fx.dataset.x_train[idx][:, None, :], fx.dataset.y_train[idx]
        code = fx.codes.codes_at(n + fx.hw_seeds) * 2.0**-fx.codes.frac
        w = theta + config.dtheta * code

        def float_cost(params, x=x, t=t):
            y = mlp.forward(params, x)[:, 0, :]
            return MLP.cost(y[:, None, :], t[:, None, :]), y

        c0_f, y0 = float_cost(theta)
        c_f, y1 = float_cost(w)
        e0 = fx.net.error_bound(theta)[:, 0]
        e1 = fx.net.error_bound(w)[:, 0]
        eps0 = e0 * (2 * np.abs(y0[:, 0] - t[:, 0]) + e0)
        eps1 = e1 * (2 * np.abs(y1[:, 0] - t[:, 0]) + e1)
        theta_f = theta - eta_real * (c_f - c0_f)[:, None] * code
        fx.step()
        saturated = np.any(np.abs(fx.theta) >= f.theta.max, axis=1)
        c_fix = f.cost.real(fx.cost)
        worst_cost = max(worst_cost, float(np.max(np.abs(c_fix - c_f) / eps1)))
        bound = eta_real * np.abs(code) * (eps0 + eps1)[:, None] + f.theta.lsb * (1 + (fx.codes.frac > 0))
        ratio = np.abs(fx.theta_real - theta_f) / bound
        worst_theta = max(worst_theta, float(np.max(ratio[~saturated])))
        checked += int(np.sum(~saturated))
    return worst_cost, worst_theta, checked


@pytest.mark.parametrize("perturbation", ["code", "walsh", "sequential", "uniform"])
def test_every_step_is_within_the_format_derived_bound_of_the_float_model(perturbation):
    config = XOR.replace(
        perturbation=perturbation, seeds=10, eta=0.5 if perturbation != "uniform" else 0.2, sample_order="random"
    )
    worst_cost, worst_theta, checked = shadow_run(config, 1000)
    # steps where θ saturates are outside the derivation (and bit-exact in the RTL tests). The random order (the
    # sample LFSR) is used because with the Walsh code and the cyclic 4-sample order the code period (16) is a
    # multiple of the sample period, the estimate aliases and some seeds drive θ into saturation
    # (docs/fixed-point.md), which would leave a third of those steps unchecked
    assert checked >= 0.95 * 1000 * config.seeds
    assert worst_cost <= 1.0
    assert worst_theta <= 1.0


@pytest.mark.slow
def test_every_step_of_a_whole_xor_run_is_within_the_bound():
    worst_cost, worst_theta, checked = shadow_run(XOR, XOR.steps)
    assert checked >= 0.99 * XOR.steps * XOR.seeds
    assert worst_cost <= 1.0 and worst_theta <= 1.0


def test_float_twin_plays_the_same_codes_samples_and_eta():
    fx = FixedMGD(XOR.replace(steps=50, seeds=2))
    run = float_twin(fx)
    for _ in range(50):
        fx.step()
        run.algo.step()
        assert np.array_equal(run.algo.ptb, XOR.dtheta * fx.code)
    assert run.config.eta == pytest.approx(fx.fmts.eta.real(fx.eta) * XOR.dtheta)
    assert np.array_equal(run.theta0, fx.fmts.theta.real(fx.theta0))


@pytest.mark.parametrize(
    "change,match",
    [
        (dict(dtheta=0.05), "dtheta must be 2\\^-k"),
        (dict(sample_order="shuffled"), "no hardware version"),
        (dict(optimizer="momentum"), "optimizer must be 'sgd'"),
        (dict(perturbation="sinusoid"), "no hardware code"),
        (dict(normalization="authors"), "normalization"),
        (dict(sigma_cost=0.01), "float-only"),
    ],
)
def test_configurations_the_hardware_cannot_run_are_refused(change, match):
    with pytest.raises(ConfigError, match=match):
        FixedMGD(XOR.replace(**change))
