"""The parameter range ``theta_max``: θ is clipped to [−θmax, θmax] after every update, for MGD and for the backprop
reference, in both algorithms; the fixed-point model's bound is its θ format's."""

import numpy as np
import pytest

from mgd.golden_model.config import ConfigError, MGDConfig
from mgd.golden_model.fixed_mgd import FixedMGD
from mgd.golden_model.formats import COMPACT_FORMATS, DEFAULT_FORMATS
from mgd.golden_model.training import build

#: a large η and θ₀ at the edge of a small range, so the first updates push θ past the bound
EDGY = MGDConfig(dataset="xor", seeds=50, eta=20.0, dtheta=0.05, init_scale=1.0, theta_max=1.0)


ANALOG = dict(algorithm="analog", tau_theta=2.0, tau_x=100)  # C̃ restarts from 0 at every new sample


@pytest.mark.parametrize("changes", [dict(), dict(estimator="backprop"), ANALOG, dict(sigma_theta=5.0)])
def test_the_update_that_first_leaves_the_range_is_clipped(changes):
    bounded = build(EDGY.replace(**changes))
    free = build(EDGY.replace(theta_max=None, **changes), theta0=bounded.theta0)
    for _ in range(20):
        bounded.algo.step()
        free.algo.step()
        if np.any(np.abs(free.algo.theta) > 1.0):
            break
        np.testing.assert_array_equal(bounded.algo.theta, free.algo.theta)  # inside the range: no effect
    assert np.any(np.abs(free.algo.theta) > 1.0)
    np.testing.assert_array_equal(bounded.algo.theta, np.clip(free.algo.theta, -1.0, 1.0))


@pytest.mark.parametrize("changes", [dict(), dict(estimator="backprop"), ANALOG])
def test_theta_stays_in_range_and_reaches_the_bound(changes):
    run = build(EDGY.replace(**changes))
    for _ in range(200):
        run.algo.step()
        assert np.max(np.abs(run.algo.theta)) <= 1.0
    assert np.any(np.abs(run.algo.theta) == 1.0)


@pytest.mark.parametrize(
    "changes,message",
    [
        (dict(theta_max=0.0), "theta_max must be > 0"),
        (dict(theta_max=float("inf")), "theta_max must be a finite number"),
        (dict(theta_max="8"), "theta_max must be a finite number"),
        (dict(init_scale=3.0, theta_max=2.0), "outside the parameter range"),
    ],
)
def test_bad_ranges_are_refused(changes, message):
    with pytest.raises(ConfigError, match=message):
        MGDConfig(**changes).validate()


HW = MGDConfig(dataset="xor", eta=0.5, dtheta=2**-4, init_scale=2.0, seeds=4, sample_order="random")


@pytest.mark.parametrize("fmts,bound", [(DEFAULT_FORMATS, 32.0), (COMPACT_FORMATS, 8.0)])
def test_fixed_point_model_takes_only_its_formats_bound(fmts, bound):
    with pytest.raises(ConfigError, match=f"saturates at its format's range ±{bound:g}"):
        FixedMGD(HW.replace(theta_max=bound / 2), fmts)
    same, unset = FixedMGD(HW.replace(theta_max=bound), fmts), FixedMGD(HW, fmts)
    for _ in range(50):
        same.step()
        unset.step()
    np.testing.assert_array_equal(same.theta, unset.theta)
