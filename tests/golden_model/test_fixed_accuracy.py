"""Accuracy rule on stored integers (golden_model/fixed_accuracy.py) against a naive per-sample reference: the
float rule (``y > 0.5`` on the real value) for parity, a first-maximum scan for classification."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mgd.golden_model.fixed_accuracy import TASKS, classified_correctly
from mgd.golden_model.formats import Fmt


def _parity_ok(y, t, fmt):
    return all((fmt.real(a) > 0.5) == (fmt.real(b) > 0.5) for a, b in zip(y, t, strict=True))


def _first_argmax(v):
    best = 0
    for k in range(1, len(v)):
        if v[k] > v[best]:
            best = k
    return best


@st.composite
def cases(draw):
    width = draw(st.integers(2, 16))
    fmt = Fmt(width, draw(st.integers(0, width - 1)))
    n_out = draw(st.integers(1, 5))
    batch = draw(st.integers(1, 6))
    # few distinct values, so ties and values exactly at one half are frequent
    half = 1 << (fmt.frac - 1) if fmt.frac else 0
    value = st.sampled_from(sorted({fmt.min, fmt.max, 0, half, half + 1, half - 1} & set(range(fmt.min, fmt.max + 1))))
    value = st.one_of(value, st.integers(fmt.min, fmt.max))
    arr = st.lists(st.lists(value, min_size=n_out, max_size=n_out), min_size=batch, max_size=batch)
    return fmt, draw(arr), draw(arr)


@settings(max_examples=300)
@given(cases())
def test_parity_rule_is_the_float_rule_on_the_stored_value(case):
    fmt, y, t = case
    got = classified_correctly(y, t, "parity", fmt)
    assert got.dtype == bool and got.shape == (len(y),)
    assert got.tolist() == [_parity_ok(a, b, fmt) for a, b in zip(y, t, strict=True)]


@settings(max_examples=300)
@given(cases())
def test_classification_rule_compares_first_maxima(case):
    fmt, y, t = case
    got = classified_correctly(y, t, "classification", fmt)
    assert got.tolist() == [_first_argmax(a) == _first_argmax(b) for a, b in zip(y, t, strict=True)]


def test_hand_cases():
    f = Fmt(12, 10)  # one half is 512
    assert classified_correctly([512], [1024], "parity", f).tolist() is False  # exactly one half is not above
    assert classified_correctly([513], [1024], "parity", f).tolist() is True
    assert classified_correctly([512], [0], "parity", f).tolist() is True
    assert classified_correctly([[600, 100], [600, 600]], [[1024, 0], [1024, 0]], "parity", f).tolist() == [
        True,
        False,  # every output must agree
    ]
    # a tie in y picks the first index; a later equal maximum of the target does not count
    assert classified_correctly([5, 5, 1], [0, 9, 0], "classification", f).tolist() is False
    assert classified_correctly([5, 5, 1], [9, 0, 0], "classification", f).tolist() is True
    assert classified_correctly([-3, -2], [0, 1], "classification", f).tolist() is True
    # one output: classification is always right; frac 0 puts "one half" between 0 and 1
    assert classified_correctly([[7], [-8]], [[0], [3]], "classification", Fmt(4, 0)).all()
    assert classified_correctly([[1], [0]], [[1], [1]], "parity", Fmt(4, 0)).tolist() == [True, False]


def test_leading_axes_are_kept():
    y = np.zeros((3, 4, 2), dtype=np.int64)
    assert classified_correctly(y, y, "parity", Fmt(8, 4)).shape == (3, 4)
    assert classified_correctly(y, y, "classification", Fmt(8, 4)).shape == (3, 4)


def test_unknown_task_is_refused():
    assert TASKS == ("parity", "classification")
    with pytest.raises(ValueError, match="task must be one of parity, classification"):
        classified_correctly([0], [0], "regression", Fmt(8, 4))
