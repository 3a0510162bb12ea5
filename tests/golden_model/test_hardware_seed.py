"""The hardware's randomness per run: the seed register moves the codes and the sample order, every initialisation
of a multi-seed run draws its own register value, and a shared draw stays available for comparison."""

import math

import numpy as np
import pytest

from mgd.golden_model.config import ConfigError, MGDConfig
from mgd.golden_model.fixed_mgd import FixedMGD, train_fixed
from mgd.golden_model.hardware_seed import SEED_REGISTER_WIDTH, hardware_seed, hardware_seeds
from mgd.golden_model.sample_order import (
    SAMPLE_JUMP,
    SAMPLE_LFSR,
    SEED_JUMP,
    jump_masks,
    sample_indices,
    sample_seed,
)
from mgd.golden_model.schedule import Registers

XOR = MGDConfig(
    dataset="xor",
    eta=0.5,
    dtheta=2**-4,
    init_scale=2.0,
    steps=200,
    seeds=6,
    seed=3,
    sample_order="random",
    eval_every=100,
)


def test_register_values_are_a_bijection_onto_the_nonzero_register_range():
    values = np.array([hardware_seed(s) for s in range((1 << SEED_REGISTER_WIDTH) - 1)])
    assert SEED_REGISTER_WIDTH == Registers.WIDTHS["seed"]
    assert values.min() == 1 and values.max() == (1 << SEED_REGISTER_WIDTH) - 1
    assert len(np.unique(values)) == len(values)
    # neighbouring seeds get far-apart register values (no two consecutive seeds within 1,000 of each other)
    assert np.min(np.abs(np.diff(values[:1000]))) > 1000


def test_bad_seeds_are_refused():
    for bad in (-1, 1.5, True, "3"):
        with pytest.raises(ValueError, match="seed must be a non-negative integer"):
            hardware_seed(bad)


def test_config_draws_one_register_value_per_initialisation_or_shares_zero():
    assert hardware_seeds(XOR).tolist() == [hardware_seed(3 + k) for k in range(6)]
    assert hardware_seeds(XOR.replace(hardware_seeds="shared")).tolist() == [0] * 6


def _apply(masks, state):
    return sum((bin(state & mask).count("1") & 1) << j for j, mask in enumerate(masks))


@pytest.mark.parametrize("seed", [1, 2, 7, 65535])
def test_seed_phase_state_equals_the_jump_matrix_applied_seed_times(seed):
    """sample_seed(s) indexes the stepped LFSR table; the RTL applies the SEED_JUMP matrix once per seed cycle.
    Both computations agree (the matrix is built by repeated squaring, the table by stepping)."""
    masks = jump_masks(jump=SEED_JUMP)
    state = sample_seed(0)
    for _ in range(seed if seed < 100 else 0):
        state = _apply(masks, state)
    if seed < 100:
        assert state == sample_seed(seed)
    # and the address sequence after the seed phase follows the 19-step jumps from there
    step_masks = jump_masks()
    state = sample_seed(seed)
    expected = []
    for _ in range(20):
        expected.append((state * 4) >> SAMPLE_LFSR.width)
        state = _apply(step_masks, state)
    assert sample_indices("random", 4, 20, seed=seed).tolist() == expected


def test_codes_and_samples_are_never_a_time_shift_of_another_seed():
    """With the seed moving the codes by s and the samples by SEED_JUMP·s, two seeds below 2^16 replay the same
    (code, sample) pairing shifted in time only if (SEED_JUMP − 19)·Δs ≡ 0 mod 2^20 − 1: never, as the two are
    coprime."""
    assert math.gcd(SEED_JUMP - SAMPLE_JUMP, SAMPLE_LFSR.period) == 1
    assert math.gcd(SEED_JUMP, SAMPLE_LFSR.period) == 1


def test_independent_initialisations_play_different_codes_and_samples():
    model = FixedMGD(XOR)
    codes, samples = [], []
    for _ in range(64):
        model.step()
        codes.append(model.code.copy())
        samples.append(model.sample.copy())
    codes, samples = np.array(codes), np.array(samples)  # (T, S, P), (T, S)
    for a in range(XOR.seeds):
        for b in range(a + 1, XOR.seeds):
            assert not np.array_equal(codes[:, a], codes[:, b])
            assert not np.array_equal(samples[:, a], samples[:, b])


def test_shared_draw_plays_one_code_and_sample_sequence():
    model = FixedMGD(XOR.replace(hardware_seeds="shared"))
    for _ in range(64):
        model.step()
        assert np.all(model.code == model.code[0]) and np.all(model.sample == model.sample[0])


def test_a_multi_seed_run_equals_its_seeds_run_one_at_a_time():
    together = train_fixed(XOR)
    for k in range(XOR.seeds):
        alone = train_fixed(XOR.replace(seeds=1, seed=XOR.seed + k))
        assert alone.hardware_seeds == [together.hardware_seeds[k]]
        assert np.array_equal(alone.theta[0], together.theta[k])
    assert together.summary()["hardware_seeds"] == hardware_seeds(XOR).tolist()


def test_explicit_register_values_are_checked():
    assert FixedMGD(XOR, hw_seed=5).hw_seeds.tolist() == [5] * 6
    assert FixedMGD(XOR, hw_seed=list(range(6))).hw_seeds.tolist() == list(range(6))
    for bad, match in (
        (65536, r"\[0, 65535\]"),
        (-1, r"\[0, 65535\]"),
        ([1, 2], "one per initialisation"),
        (2.5, "integer"),
    ):
        with pytest.raises(ConfigError, match=match):
            FixedMGD(XOR, hw_seed=bad)


def test_init_scale_beyond_the_theta_format_is_refused():
    with pytest.raises(ConfigError, match=r"init_scale=40.0 draws θ₀ outside the θ format's range ±32"):
        FixedMGD(XOR.replace(init_scale=40.0))
