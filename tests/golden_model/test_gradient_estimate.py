"""Iterations until MGD's G points along the exact gradient, against independent constructions."""

import numpy as np
import pytest

from mgd.golden_model.config import MGDConfig
from mgd.golden_model.gradient_estimate import cosine_trace, iterations_to_cosine

XOR = MGDConfig(dataset="xor", layers=(2, 2, 1), init_scale=1.0, seeds=3, seed=5, dtheta=1e-5, steps=40)


def test_sequential_perturbation_finds_the_gradient_after_one_pass():
    """Finite differences perturb one parameter per step: after P = 9 steps G is the finite-difference gradient
    (cos ≈ 1 for a tiny Δθ), and before it G misses components (cos < 1)."""
    trace = cosine_trace(XOR.replace(perturbation="sequential", steps=12))
    P = 9
    assert np.all(trace[P - 1] > 1 - 1e-6)
    assert np.all(trace[: P - 2] < trace[P - 1])
    reached = iterations_to_cosine(XOR.replace(perturbation="sequential", steps=12), 1 - 1e-6)
    assert np.all(reached <= P) and np.all(reached >= 1)


@pytest.mark.parametrize("target", ["weight", "node"])
def test_iterations_are_the_first_crossing_of_the_cosine_trace(target):
    cfg = XOR.replace(perturb_target=target, steps=400, dtheta=0.01)
    trace = cosine_trace(cfg)
    reached = iterations_to_cosine(cfg, 0.9)
    for s in range(cfg.seeds):
        hits = np.flatnonzero(trace[:, s] >= 0.9)
        expected = hits[0] + 1 if len(hits) else np.inf
        assert reached[s] == expected


def test_a_target_out_of_range_is_refused_and_an_unreached_one_is_inf():
    with pytest.raises(ValueError, match="target"):
        iterations_to_cosine(XOR, 1.5)
    assert np.all(np.isinf(iterations_to_cosine(XOR.replace(steps=2), 1.0)))
