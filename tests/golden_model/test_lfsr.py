"""The LFSR code family of the golden model: maximal length, phases, cross-correlation."""

import numpy as np
import pytest

from mgd.golden_model.lfsr import PRIMITIVE_TAPS, LFSRSpec


@pytest.mark.parametrize("width", sorted(PRIMITIVE_TAPS))
def test_taps_are_maximal_length(width):
    spec = LFSRSpec(width, stride=1)
    states = spec.states
    assert len(np.unique(states)) == spec.period == (1 << width) - 1  # every non-zero state once
    assert spec.step(int(states[-1])) == states[0]  # and back to the start


def test_synapse_phases_are_shifts_of_one_sequence_with_cross_correlation_minus_one_over_period():
    spec = LFSRSpec(12, stride=257)
    n = spec.period
    a = spec.bits(0, n).astype(int) * 2 - 1
    b = spec.bits(5, n).astype(int) * 2 - 1
    assert np.array_equal(b, np.roll(a, -5 * 257))
    assert np.sum(a * b) == -1  # periodic cross-correlation of two phases: exactly −1
    assert np.sum(a) == 1  # one more +1 than −1 per period


def test_bits_follow_the_recurrence_from_the_synapse_seed():
    spec = LFSRSpec(16)
    s = spec.seed(3)
    expected = []
    for _ in range(100):
        expected.append(s & 1)
        s = (s >> 1) ^ (spec.taps if s & 1 else 0)
    assert spec.bits(3, 100).tolist() == expected


def test_bad_parameters_are_refused():
    with pytest.raises(ValueError, match="width"):
        LFSRSpec(13)
    with pytest.raises(ValueError, match="stride"):
        LFSRSpec(8, stride=0)


def test_lfsr_codes_drive_the_float_model_through_array_source():
    """The hardware's code bits replace the float model's random codes (same bits for every seed here)."""
    from mgd.golden_model.config import MGDConfig
    from mgd.golden_model.perturbations import ArraySource
    from mgd.golden_model.training import train

    cfg = MGDConfig(dataset="xor", steps=10_000, seeds=20, eta=0.5, init_scale=2.0, eval_every=10_000).validate()
    source = ArraySource(20, 9, LFSRSpec(16).signs(9, 10_000))
    r = train(cfg, source=source)
    assert np.median(r.final_cost) < 0.5 * np.median(r.cost[0])
