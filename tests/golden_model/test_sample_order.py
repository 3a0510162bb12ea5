"""The hardware's sample orders (golden_model/sample_order.py) against an LFSR stepped by hand in the test: the
random order is a full-period permutation of the LFSR's states (so over one period every address is read exactly
as often as ⌊s·N/2^20⌋ maps states to it), the jump matrices equal stepping, and the seed moves the start by
SEED_JUMP steps. The seed-phase matrix applied cycle by cycle is also in tests/golden_model/test_hardware_seed.py."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mgd.golden_model.lfsr import LFSRSpec
from mgd.golden_model.sample_order import (
    HARDWARE_ORDERS,
    SAMPLE_JUMP,
    SAMPLE_LFSR,
    SAMPLE_START,
    SEED_JUMP,
    jump_masks,
    sample_indices,
    sample_seed,
)

PERIOD = 2**20 - 1


def _step(state, n=1, taps=0x90000):  # x^20 + x^17 + 1 as a Galois mask (bits 19 and 16)
    for _ in range(n):
        state = (state >> 1) ^ (taps if state & 1 else 0)
    return state


def _apply(masks, state):
    return sum((bin(state & m).count("1") & 1) << j for j, m in enumerate(masks))


@pytest.fixture(scope="module")
def start_state():
    """The state 2^19 steps after the base seed 1, stepped by hand."""
    return _step(1, SAMPLE_START)


def test_constants():
    assert HARDWARE_ORDERS == ("cyclic", "random")
    assert SAMPLE_LFSR.width == 20 and SAMPLE_LFSR.period == PERIOD
    assert math.gcd(SAMPLE_JUMP, PERIOD) == 1  # the 19-step jumps visit the whole period
    assert abs(SEED_JUMP - PERIOD / ((1 + 5**0.5) / 2)) < 50  # close to (2^20 − 1)/φ


def test_the_sample_lfsr_is_maximal_length():
    states = SAMPLE_LFSR.states
    assert len(states) == PERIOD and len(np.unique(states)) == PERIOD and states.min() == 1
    assert states.max() == PERIOD
    assert _step(int(states[-1])) == int(states[0]) == 1


def test_start_state_and_first_addresses_by_hand(start_state):
    assert sample_seed(0) == start_state
    state, want = start_state, []
    for _ in range(40):
        want.append((state * 5) >> 20)
        state = _step(state, SAMPLE_JUMP)
    assert sample_indices("random", 5, 40).tolist() == want


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_seed_moves_the_start_by_seed_jump_steps(seed, start_state):
    state = _step(start_state, SEED_JUMP * seed)
    assert sample_seed(seed) == state
    assert sample_indices("random", 7, 1, seed=seed)[0] == (state * 7) >> 20


@pytest.mark.parametrize("n", [1, 3, 4, 10, 1000])
def test_random_order_reads_each_address_as_often_as_the_states_map_to_it_per_period(n):
    """19 is coprime with 2^20 − 1, so one period of samples visits every nonzero state once: address a is read
    exactly #{s ∈ [1, 2^20 − 1] : ⌊s·n/2^20⌋ = a} times, so every address at least once, and the counts of any
    two addresses differ by at most one (the zero state missing from address 0)."""
    got = sample_indices("random", n, PERIOD, seed=5)
    assert got.min() >= 0 and got.max() < n
    counts = np.bincount(got, minlength=n)
    s = np.arange(1, PERIOD + 1, dtype=np.int64)
    assert np.array_equal(counts, np.bincount((s * n) >> 20, minlength=n))
    assert counts.min() >= 1 and counts.max() - counts.min() <= 1
    assert np.array_equal(sample_indices("random", n, 10, start=PERIOD, seed=5), got[:10])  # periodic


def test_random_order_with_as_many_addresses_as_states_is_a_permutation():
    got = sample_indices("random", 1 << 20, PERIOD)
    assert len(np.unique(got)) == PERIOD and got.min() == 1


@pytest.mark.parametrize("n", [1, 2, 5])
def test_cyclic_order_visits_every_index_once_per_period_and_ignores_the_seed(n):
    got = sample_indices("cyclic", n, 3 * n, seed=[0, 9])
    assert got.shape == (2, 3 * n)
    for row in got:
        for epoch in range(3):
            assert sorted(row[epoch * n : (epoch + 1) * n].tolist()) == list(range(n))
        assert row.tolist() == [k % n for k in range(3 * n)]


@settings(max_examples=30)
@given(
    st.sampled_from(HARDWARE_ORDERS),
    st.integers(1, 50),
    st.integers(0, 10_000),
    st.lists(st.integers(0, 2**16 - 1), min_size=1, max_size=4),
)
def test_start_offsets_and_seed_arrays_agree_with_one_long_run(kind, n, start, seeds):
    rows = sample_indices(kind, n, 12, start=start, seed=np.array(seeds))
    assert rows.shape == (len(seeds), 12)
    for row, seed in zip(rows, seeds, strict=True):
        assert np.array_equal(row, sample_indices(kind, n, start + 12, seed=seed)[start:])


def test_unknown_order_is_refused():
    with pytest.raises(ValueError, match="must be one of cyclic, random"):
        sample_indices("shuffled", 4, 4)


@settings(max_examples=40)
@given(st.sampled_from([8, 12, 16, 20]), st.integers(0, 300), st.integers(0, 2**20))
def test_jump_masks_equal_stepping(width, jump, phase):
    spec = LFSRSpec(width, stride=1)
    masks = jump_masks(spec, jump)
    assert len(masks) == width
    state = int(spec.states[phase % spec.period])
    want = state
    for _ in range(jump):
        want = spec.step(want)
    assert _apply(masks, state) == want


def test_jump_masks_of_zero_and_one_steps_and_the_seed_jump():
    assert jump_masks(jump=0) == [1 << j for j in range(20)]  # the identity
    one = jump_masks(jump=1)
    for bit in range(20):
        assert _apply(one, 1 << bit) == _step(1 << bit)
    seed_masks = jump_masks(jump=SEED_JUMP)
    for phase in (0, 12345, PERIOD - 1):
        state = int(SAMPLE_LFSR.states[phase])
        assert _apply(seed_masks, state) == int(SAMPLE_LFSR.states[(phase + SEED_JUMP) % PERIOD])
    # jumps compose: 19 then SEED_JUMP is SEED_JUMP + 19
    both = jump_masks(jump=SEED_JUMP + SAMPLE_JUMP)
    state = sample_seed(0)
    assert _apply(both, state) == _apply(seed_masks, _apply(jump_masks(), state))
    # a full period is the identity again
    assert jump_masks(jump=PERIOD) == jump_masks(jump=0)
