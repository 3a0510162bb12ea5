"""Float-model sample orders (golden_model/samples.py): cyclic is k mod n for every seed, shuffled is a fresh
permutation per seed and epoch, random is uniform and independent per seed, ArrayOrder plays back modulo its
length. (ArrayOrder driving the algorithms is also used in tests/golden_model/test_algorithms.py.)"""

import numpy as np
import pytest

from mgd.golden_model.samples import ArrayOrder, SampleOrder


def _draw(order, k):
    return np.stack([order.next() for _ in range(k)])  # (k, S)


def test_cyclic_is_a_shared_counter():
    got = _draw(SampleOrder("cyclic", 3, 4, np.random.default_rng(0)), 7)
    assert got.tolist() == [[k % 3] * 4 for k in range(7)]


def test_shuffled_is_a_permutation_per_seed_and_epoch():
    n, S, epochs = 5, 6, 4
    order = SampleOrder("shuffled", n, S, np.random.default_rng(1))
    got = _draw(order, n * epochs)
    for e in range(epochs):
        block = got[e * n : (e + 1) * n]  # (n, S)
        for s in range(S):
            assert sorted(block[:, s].tolist()) == list(range(n))
    assert len({tuple(got[:n, s]) for s in range(S)}) > 1  # seeds get different permutations
    assert len({tuple(got[e * n : (e + 1) * n, 0]) for e in range(epochs)}) > 1  # epochs too
    assert order.count == n * epochs


def test_random_is_uniform_with_replacement_and_independent_per_seed():
    n, S = 4, 3
    got = _draw(SampleOrder("random", n, S, np.random.default_rng(2)), 8000)
    assert got.min() == 0 and got.max() == n - 1
    for s in range(S):
        freq = np.bincount(got[:, s], minlength=n) / len(got)
        assert np.all(np.abs(freq - 1 / n) < 0.03)
    assert np.mean(got[:, 0] == got[:, 1]) == pytest.approx(1 / n, abs=0.03)
    # with replacement: some epoch of n draws repeats an index
    assert any(len(set(got[k : k + n, 0].tolist())) < n for k in range(0, 400, n))


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown sample order"):
        SampleOrder("sorted", 3, 1, np.random.default_rng(0))


def test_array_order_plays_back_shared_and_per_seed_orders():
    shared = ArrayOrder([2, 0, 1], 4)
    assert _draw(shared, 5).tolist() == [[v] * 4 for v in (2, 0, 1, 2, 0)]
    per_seed = ArrayOrder([[0, 1], [1, 0]], 2)
    assert _draw(per_seed, 3).tolist() == [[0, 1], [1, 0], [0, 1]]
    assert per_seed.count == 3
