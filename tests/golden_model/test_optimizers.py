"""Optimizers (golden_model/optimizers.py): SGD, heavy-ball momentum and Adam (the scaling paper's Eq. 14, without
bias correction) one or more steps against the formulas written out by hand. (Training with them is in
tests/golden_model/test_training.py.)"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mgd.golden_model.config import MGDConfig
from mgd.golden_model.optimizers import SGD, Adam, Momentum, make_optimizer

vals = st.floats(-10, 10, allow_nan=False)


@given(vals, vals, st.floats(0, 2))
def test_sgd_step(theta, g, eta):
    out = SGD(eta).step(np.array([[theta]]), np.array([[g]]))
    assert out[0, 0] == pytest.approx(theta - eta * g, abs=1e-12)


def test_momentum_by_hand():
    """v₁ = G₁, v₂ = β·G₁ + G₂, v₃ = β²·G₁ + β·G₂ + G₃; θ ← θ − η·v each step."""
    opt = Momentum(0.1, 0.5)
    theta = np.array([[1.0, -1.0]])
    gs = [np.array([[1.0, 2.0]]), np.array([[-1.0, 0.0]]), np.array([[4.0, 4.0]])]
    vs = [[1.0, 2.0], [0.5 - 1.0, 1.0], [0.25 - 0.5 + 4.0, 0.5 + 4.0]]
    for g, v in zip(gs, vs, strict=True):
        before = theta.copy()
        theta = opt.step(theta, g)
        assert np.allclose(theta, before - 0.1 * np.array([v]))
    assert gs[0].tolist() == [[1.0, 2.0]]  # the first G was copied, not aliased into the velocity


def test_momentum_with_beta_zero_is_sgd():
    rng = np.random.default_rng(0)
    a, b = Momentum(0.3, 0.0), SGD(0.3)
    ta = tb = rng.normal(size=(2, 5))
    for _ in range(5):
        g = rng.normal(size=(2, 5))
        ta, tb = a.step(ta, g), b.step(tb, g)
    assert np.allclose(ta, tb)


@settings(max_examples=50)
@given(st.lists(vals, min_size=1, max_size=4), st.floats(0.01, 1), st.floats(0, 0.99), st.floats(0, 0.999))
def test_adam_against_scalar_formulas(gs, eta, b1, b2):
    eps = 1e-8
    opt = Adam(eta, b1, b2, eps)
    theta, m, v, t = np.array([[0.5]]), 0.0, 0.0, 0.5
    for g in gs:
        theta = opt.step(theta, np.array([[g]]))
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        t = t - eta * m / (math.sqrt(v) + eps)
        assert theta[0, 0] == pytest.approx(t, rel=1e-9, abs=1e-9)


def test_adam_first_step_has_no_bias_correction():
    """With m₀ = v₀ = 0: m₁ = (1−β₁)G, v₁ = (1−β₂)G², so the first step is η·(1−β₁)/√(1−β₂)·sign(G) (ε → 0);
    Kingma & Ba's corrected Adam would step exactly η·sign(G)."""
    opt = Adam(0.01, 0.9, 0.999, 0.0)
    out = opt.step(np.zeros((1, 2)), np.array([[3.0, -0.2]]))
    step = 0.01 * 0.1 / math.sqrt(0.001)
    assert np.allclose(out, [[-step, step]])
    assert not np.isclose(step, 0.01)


def test_adam_zero_gradient_does_not_move():
    opt = Adam(0.1, 0.9, 0.999, 1e-8)
    assert np.array_equal(opt.step(np.ones((2, 3)), np.zeros((2, 3))), np.ones((2, 3)))


@pytest.mark.parametrize("name,cls", [("sgd", SGD), ("momentum", Momentum), ("adam", Adam)])
def test_make_optimizer_takes_the_config_fields(name, cls):
    config = MGDConfig(optimizer=name, eta=0.25, momentum=0.7, adam_beta1=0.8, adam_beta2=0.95, adam_eps=1e-6)
    opt = make_optimizer(config)
    assert type(opt) is cls and opt.eta == 0.25
    if cls is Momentum:
        assert opt.beta == 0.7
    if cls is Adam:
        assert (opt.beta1, opt.beta2, opt.eps) == (0.8, 0.95, 1e-6)
