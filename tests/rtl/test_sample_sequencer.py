# amaranth: UnusedElaboratable=no
"""SampleSequencer (rtl/sample_sequencer.py) against golden_model.sample_order.sample_indices: after a restart and
s seed jumps, the k-th draw shows address ``sample_indices(order, N, ·, start=k, seed=s)`` one cycle later (it
holds between draws), for the cyclic and random orders, random strobe streams, seed jumps (a long seed phase too,
and jumps between draws: the jumps commute), restart's precedence and the reset state. Refused orders. (The file
header silences the UnusedElaboratable warning of a refused constructor's leftovers.)"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mgd.golden_model.sample_order import HARDWARE_ORDERS, sample_indices
from mgd.rtl.sample_sequencer import SampleSequencer
from mgd.sim.cycle_sim import describe_mismatches, mismatches, run_cycles


def golden_address(order, n_samples, k, seed):
    return int(sample_indices(order, n_samples, 1, start=k, seed=seed)[0])


def expected(order, n_samples, cycles):
    """The address shown in each cycle: the last draw's (0 before any), the draw counted from the last restart and
    the seed jumps since then."""
    k = seeds = sample = 0
    out = []
    for c in cycles:
        out.append(sample)
        if c.get("restart"):
            k = seeds = 0
        elif c.get("seed_jump"):
            seeds += 1
        elif c.get("draw"):
            sample = golden_address(order, n_samples, k, seeds)
            k += 1
    return out


def check(order, n_samples, cycles):
    dut = SampleSequencer(n_samples, order)
    assert dut.latency == 1
    seen = run_cycles(dut, cycles, ["sample"])
    want = {"sample": expected(order, n_samples, cycles)}
    found = mismatches(seen, want)
    assert not found, describe_mismatches(found)
    return want["sample"]


@settings(max_examples=50)
@given(
    st.sampled_from(HARDWARE_ORDERS),
    st.one_of(st.integers(1, 40), st.sampled_from([49, 100, 1000, 60000])),
    st.lists(
        st.fixed_dictionaries(
            {
                "restart": st.sampled_from([0] * 25 + [1]),
                "seed_jump": st.sampled_from([0, 0, 0, 1]),
                "draw": st.integers(0, 1),
            }
        ),
        min_size=1,
        max_size=80,
    ),
)
def test_random_strobe_streams(order, n_samples, cycles):
    check(order, n_samples, [dict(restart=1, seed_jump=0, draw=0)] + cycles)


@pytest.mark.parametrize("order", HARDWARE_ORDERS)
@pytest.mark.parametrize("seed", [0, 1, 2, 7, 300])
def test_a_run_as_the_controller_drives_it(order, seed):
    """Restart, ``seed`` cycles of seed jumps, then a draw in every cycle: the addresses of sample_indices."""
    n, draws = 13, 40
    cycles = [dict(restart=1)] + [dict(restart=0, seed_jump=1)] * seed + [dict(restart=0, seed_jump=0, draw=1)] * draws
    cycles += [dict(draw=0)]
    got = check(order, n, cycles)
    assert got[-draws:] == sample_indices(order, n, draws, seed=seed).tolist()
    if order == "cyclic":
        assert got[-draws:] == [k % n for k in range(draws)]  # the seed does not move the cyclic order


def test_random_order_seeds_give_different_orders():
    n, draws = 1000, 12
    runs = []
    for seed in (0, 1, 2):
        cycles = (
            [dict(restart=1)] + [dict(restart=0, seed_jump=1)] * seed + [dict(restart=0, seed_jump=0, draw=1)] * draws
        )
        runs.append(check("random", n, cycles + [dict(draw=0)])[-draws:])
    assert runs[0] != runs[1] != runs[2] != runs[0]


@pytest.mark.parametrize("order", HARDWARE_ORDERS)
def test_restart_wins_over_seed_jump_and_draw(order):
    """A restart together with a draw (and a seed jump) draws nothing: the sample holds and the next draw is the
    run's first again."""
    n = 11
    cycles = [dict(restart=1), dict(restart=0, draw=1), dict(draw=1), dict(draw=1)]
    cycles += [dict(restart=1, seed_jump=1, draw=1), dict(restart=0, seed_jump=0, draw=1), dict(draw=0)]
    got = check(order, n, cycles)
    first = sample_indices(order, n, 3).tolist()
    assert got[2:5] == first[:3]
    assert got[5] == got[4]  # the restart cycle's draw did not act
    assert got[6] == first[0]


@pytest.mark.parametrize("order", HARDWARE_ORDERS)
def test_the_reset_state_is_a_restarted_run(order):
    """Without a restart strobe the first draws are already those of seed 0."""
    n = 29
    got = check(order, n, [dict(draw=1)] * 10 + [dict(draw=0)])
    assert got[1:] == sample_indices(order, n, 10).tolist()


def test_one_sample():
    got = check("cyclic", 1, [dict(restart=1)] + [dict(restart=0, draw=1)] * 4)
    assert got == [0] * 5
    got = check("random", 1, [dict(restart=1)] + [dict(restart=0, draw=1)] * 4)
    assert got == [0] * 5


@pytest.mark.parametrize("bad", ["shuffle", "Random", None])
def test_bad_order_is_refused(bad):
    with pytest.raises(ValueError, match=f"order must be one of cyclic, random, got {bad!r}"):
        SampleSequencer(4, bad)


@pytest.mark.parametrize("n_samples", [0, -1, True, 2.5])
def test_a_dataset_without_samples_is_refused(n_samples):
    with pytest.raises(ValueError, match="n_samples must be a positive integer"):
        SampleSequencer(n_samples)
