"""Bad configurations fail with a clear message before any work."""

import json
import math

import numpy as np
import pytest

from mgd.golden_model.config import ConfigError, MGDConfig
from mgd.golden_model.training import build


@pytest.mark.parametrize(
    "changes,message",
    [
        (dict(tau_x=0), "tau_x must be an integer in [1, 4294967295], got 0"),
        (dict(tau_p=-3), "tau_p must be an integer in [1, 4294967295], got -3"),
        (dict(tau_theta=0), "tau_theta must be a number in (0, 4294967295] or inf"),
        (dict(tau_theta=-1), "tau_theta must be a number in (0, 4294967295] or inf"),
        (dict(tau_theta=2.5), "tau_theta must be an integer"),
        (dict(tau_x=1.5), "tau_x must be an integer"),
        (dict(perturbation="lfsr-magic"), "perturbation='lfsr-magic' is not one of: code, walsh"),
        (dict(optimizer="rmsprop"), "optimizer='rmsprop' is not one of"),
        (dict(dtheta=0.0), "dtheta must be > 0"),
        (dict(eta=-1.0), "eta must be >= 0"),
        (dict(eta=math.nan), "eta must be a finite number >= 0, got nan"),
        (dict(seeds=0), "seeds must be an integer in [1, 100000], got 0"),
        (dict(steps=-1), "steps must be an integer in [0, 4294967295], got -1"),
        (dict(threshold=1.5), "threshold must be > 0 and <= 1, got 1.5"),
        (dict(layers=(2,)), "layers must be a list of at least two positive integers"),
        (dict(layers=(2, 0, 1)), "layers must be a list of at least two positive integers"),
        (dict(bias_sign=0), "bias_sign must be -1 or +1"),
        (dict(momentum=1.0), "momentum must be >= 0 and < 1, got 1.0"),
        (dict(algorithm="analog", perturbation="sequential"), "discrete-time scheme"),
        (dict(estimator="backprop", perturb_target="node"), "perturb_target must be 'weight'"),
    ],
)
def test_bad_fields_raise_config_error_naming_the_field(changes, message):
    with pytest.raises(ConfigError) as info:
        MGDConfig(**changes).validate()
    assert message in str(info.value)


def test_analog_accepts_fractional_tau_theta_and_infinity():
    """A fractional τθ is valid for the analog algorithm and is used as it is (not rounded to an integer); τθ = ∞ is
    valid, never updates θ, and goes through a dict and strict JSON as ``"inf"``."""
    from mgd.golden_model.training import train

    small = dict(dataset="xor", steps=30, seeds=2, eval_every=30, tau_x=30)  # one sample: C̃ is not reset
    analog = MGDConfig(algorithm="analog", tau_theta=2.5, **small)
    assert analog.validate().tau_theta == 2.5
    thetas = [train(analog.replace(tau_theta=tt)).theta for tt in (2, 2.5, 3)]
    assert not np.array_equal(thetas[1], thetas[0]) and not np.array_equal(thetas[1], thetas[2])
    never = MGDConfig(tau_theta=math.inf, **small).validate()
    assert not never.tau_theta_is_finite
    result = train(never)
    assert np.array_equal(result.theta, result.theta0)  # τθ = ∞: G integrates, θ never moves
    d = never.to_dict()
    assert d["tau_theta"] == "inf"
    assert MGDConfig.from_dict(json.loads(json.dumps(d, allow_nan=False))) == never
    with pytest.raises(ConfigError, match="tau_theta must be an integer number of steps for the discrete"):
        MGDConfig(algorithm="discrete", tau_theta=2.5).validate()


@pytest.mark.parametrize(
    "changes,message",
    [
        (dict(dataset="xor", layers=(3, 2, 1)), "do not match dataset 'xor', which has 2 inputs and 1 outputs"),
        (dict(dataset="nist7x7", layers=(49, 4, 3)), "49 inputs and 4 outputs"),
        (dict(dataset="mnist"), "unknown dataset"),
        (dict(algorithm="analog", estimator="backprop"), "runs on the discrete schedule"),
    ],
)
def test_dataset_dependent_checks_happen_in_build(changes, message):
    with pytest.raises(ConfigError) as info:
        build(MGDConfig(**changes))
    assert message in str(info.value)


def test_round_trip_through_dict_keeps_every_field():
    cfg = MGDConfig(dataset="parity3", layers=(3, 5, 1), tau_theta=math.inf, perturbation="walsh").validate()
    again = MGDConfig.from_dict(cfg.to_dict())
    assert again == cfg


def test_unknown_field_in_dict_is_refused():
    with pytest.raises(ConfigError, match="unknown configuration field"):
        MGDConfig.from_dict({"eta": 1.0, "learning_rate": 2.0})
