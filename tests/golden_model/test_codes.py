"""The hardware's perturbation codes: orthogonality, levels and agreement with the LFSR bits."""

import numpy as np
import pytest

from mgd.golden_model.codes import CodeSpec
from mgd.golden_model.lfsr import LFSRSpec


def test_walsh_rows_are_exactly_orthogonal_and_balanced():
    codes = CodeSpec("walsh", 9)
    assert codes.index_period == 16
    c = codes.codes(16)
    assert np.array_equal(c.T @ c, 16 * np.eye(9))  # rows 1..9 of a 16×16 Hadamard matrix
    assert np.all(c.sum(axis=0) == 0)  # no row 0: every code is zero-mean


def test_sequential_pulses_one_synapse_at_a_time():
    c = CodeSpec("sequential", 5).codes(12)
    assert np.array_equal(c[:5], np.eye(5, dtype=int)) and np.array_equal(c[5:10], np.eye(5, dtype=int))


def test_lfsr_code_is_the_lfsr_bits():
    spec = LFSRSpec(12, stride=257)
    c = CodeSpec("lfsr", 6, spec).codes(3000)
    for i in range(6):
        assert np.array_equal(c[:, i], spec.bits(i, 3000).astype(int) * 2 - 1)


@pytest.mark.parametrize("m", [1, 3, 5])
def test_multilevel_code_levels_and_power(m):
    """Over a full LFSR period every nonzero state appears once, so the m low bits are uniform except that v = 0
    appears once less: the mean square is the stated power to within one chip in 2^w − 1."""
    spec = LFSRSpec(12, stride=257)
    codes = CodeSpec("lfsr_multilevel", 3, spec, m)
    c = codes.codes(spec.period) * 2.0**-codes.frac
    assert set(np.unique(c * 2**m).astype(int)) == set(range(-(2**m) + 1, 2**m, 2))
    assert abs(np.mean(c**2) - codes.power) <= 1.0 / spec.period
    assert abs(np.mean(c)) <= 1.0 / spec.period


def test_scalar_and_vector_codes_agree():
    for kind in ("lfsr", "lfsr_multilevel", "walsh", "sequential"):
        codes = CodeSpec(kind, 7)
        block = codes.codes(40, start=5)
        period = codes.index_period or 1
        assert all(block[t, i] == codes.code(i, 5 + t, (5 + t) % period) for t in range(40) for i in range(7))


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(kind="gold"), "code kind"),
        (dict(n_synapses=0), "n_synapses"),
        (dict(kind="lfsr_multilevel", levels_bits=9), "levels_bits"),
    ],
)
def test_bad_code_specs_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        CodeSpec(**kwargs)
