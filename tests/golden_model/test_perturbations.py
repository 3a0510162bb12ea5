"""Perturbation sources (golden_model/perturbations.py): each pattern's defining property from the module's table
(values, mean square = ``power``, orthogonality over the period, periodicity), checked on the patterns themselves.
(The LFSR codes played back through ArraySource are in tests/golden_model/test_lfsr.py.)"""

import numpy as np
import pytest

from mgd.golden_model.perturbations import (
    ArraySource,
    PerturbationSource,
    RandomCode,
    Sequential,
    Sinusoid,
    WalshCode,
    make_source,
)


def _stack(source, ts):
    return np.stack([source.values(t) for t in ts])  # (T, S, K)


@pytest.mark.parametrize("dist,power", [("binary", 1.0), ("uniform", 1 / 3), ("gaussian", 1.0)])
def test_random_codes_have_their_power_and_no_mean(dist, power):
    src = RandomCode(50, 40, np.random.default_rng(0), dist)
    u = _stack(src, range(100))
    assert u.shape == (100, 50, 40) and src.power == power
    assert abs(np.mean(u**2) - power) < 0.02 and abs(np.mean(u)) < 0.01
    if dist == "binary":
        assert set(np.unique(u).tolist()) == {-1.0, 1.0}
    if dist == "uniform":
        assert u.min() >= -1 and u.max() <= 1
    # fresh every period, independent across quantities: correlation of two quantities ~ 0
    assert abs(np.mean(u[:, :, 0] * u[:, :, 1])) < 0.05
    assert not np.array_equal(u[0], u[1])


def test_unknown_distribution_is_refused():
    with pytest.raises(ValueError, match="distribution"):
        RandomCode(1, 1, np.random.default_rng(0), "cauchy")


def test_walsh_unshuffled_by_hand():
    """K = 3 → L = 4, rows 1, 2, 3: u = (−1)^popcount(row & t)."""
    src = WalshCode(1, 3, shuffle=False)
    assert src.length == 4 and src.power == 1.0
    u = _stack(src, range(8))[:, 0, :]
    want = [[1, 1, 1], [-1, 1, -1], [1, -1, -1], [-1, -1, 1]]
    assert u.tolist() == want + want  # periodic in L


@pytest.mark.parametrize("k", [1, 2, 3, 4, 7, 8, 9, 20])
def test_walsh_codes_are_exactly_orthogonal_over_their_length(k):
    src = WalshCode(5, k, np.random.default_rng(k))
    L = src.length
    assert L == 2 ** int(np.ceil(np.log2(k + 1))) and L > k and (L == 1 or L // 2 <= k)
    u = _stack(src, range(L))  # (L, S, K)
    for s in range(5):
        gram = u[:, s, :].T @ u[:, s, :]
        assert np.array_equal(gram, L * np.eye(k))  # orthogonal, and no constant row (each row sums to 0)
        assert np.all(u[:, s, :].sum(axis=0) == 0)
        rows = src.rows[s]
        assert len(set(rows.tolist())) == k and rows.min() >= 1 and rows.max() <= L - 1
    if k >= 3:
        assert len({tuple(r) for r in src.rows.tolist()}) > 1  # shuffled per seed


def test_sequential_pulses_one_quantity_at_a_time():
    src = Sequential(2, 3)
    u = _stack(src, range(7))
    for t in range(7):
        want = np.zeros((2, 3))
        want[:, t % 3] = 1.0
        assert np.array_equal(u[t], want)
    assert src.power == 1.0


@pytest.mark.parametrize("k", [1, 3, 9])
def test_sinusoids_are_orthogonal_with_power_one_half(k):
    src = Sinusoid(4, k, np.random.default_rng(k))
    T = src.period
    assert T == 2 * (k + 1)
    u = _stack(src, range(T))
    for s in range(4):
        gram = u[:, s, :].T @ u[:, s, :] / T
        assert np.allclose(gram, 0.5 * np.eye(k), atol=1e-9)  # mean square 1/2 = power, cross terms 0
        assert sorted((src.freq[s] * T).round().astype(int).tolist()) == list(range(1, k + 1))
    assert src.power == 0.5
    assert np.allclose(_stack(src, range(T, 2 * T)), u)  # periodic
    assert np.all((src.phase >= 0) & (src.phase < 2 * np.pi))


def test_array_source_plays_back_modulo_its_length():
    shared = np.array([[1, -1], [-1, -1], [1, 1]])
    src = ArraySource(3, 2, shared, power=0.25)
    assert src.power == 0.25
    for t in range(7):
        assert np.array_equal(src.values(t), np.repeat(shared[t % 3][None], 3, axis=0))
    per_seed = np.arange(2 * 3 * 2).reshape(2, 3, 2)
    src = ArraySource(3, 2, per_seed)
    assert np.array_equal(src.values(5), per_seed[1])
    for bad in (np.zeros((3, 4)), np.zeros((3, 2, 2)), np.zeros(3)):
        with pytest.raises(ValueError, match="patterns must have shape"):
            ArraySource(3, 2, bad)


@pytest.mark.parametrize(
    "kind,cls,power",
    [
        ("code", RandomCode, 1.0),
        ("uniform", RandomCode, 1 / 3),
        ("gaussian", RandomCode, 1.0),
        ("walsh", WalshCode, 1.0),
        ("sequential", Sequential, 1.0),
        ("sinusoid", Sinusoid, 0.5),
    ],
)
def test_make_source(kind, cls, power):
    src = make_source(kind, 2, 5, np.random.default_rng(0))
    assert type(src) is cls and src.power == power and (src.seeds, src.k) == (2, 5)
    assert src.values(3).shape == (2, 5)


def test_make_source_refuses_unknown_kinds_and_the_base_is_abstract():
    with pytest.raises(ValueError, match="unknown perturbation kind"):
        make_source("pink", 1, 1, np.random.default_rng(0))
    with pytest.raises(NotImplementedError):
        PerturbationSource(1, 1).values(0)
