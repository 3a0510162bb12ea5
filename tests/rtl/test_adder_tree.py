"""The registered adder tree (rtl/adder_tree.py) in Amaranth simulation: a new set of terms enters every cycle and
their exact sum leaves ``tree_levels`` cycles later, for random term counts, widths and arities 2..5; its level
count against the smallest L with arity^L >= n; one term passes through unregistered; bad arguments are refused."""

import pytest
from amaranth.hdl import Module, signed
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out
from hypothesis import given, settings
from hypothesis import strategies as st
from mgd_strategies import levels_by_powers, signed_value

from mgd.rtl.adder_tree import add_tree, tree_levels
from mgd.sim.cycle_sim import describe_mismatches, mismatches, run_cycles


class TreeHarness(wiring.Component):
    """``add_tree`` over the ``n_terms`` elements of ``terms`` (signed ``in_width`` bits each), its result on
    ``total``."""

    def __init__(self, n_terms: int, in_width: int, width: int, arity: int):
        self.n_terms, self.width, self.arity = n_terms, width, arity
        super().__init__({"terms": In(data.ArrayLayout(signed(in_width), n_terms)), "total": Out(signed(width))})

    def elaborate(self, platform):
        m = Module()
        result = add_tree(m, [self.terms[k] for k in range(self.n_terms)], self.width, self.arity, "t")
        m.d.comb += self.total.eq(result)
        return m


def stream(n_terms, in_width, arity, inputs):
    """Apply one set of terms per cycle (then ``levels`` cycles of zeros); return the expected and seen sums."""
    width = in_width + n_terms.bit_length() + 1  # holds any sum of n_terms in_width-bit values
    levels = levels_by_powers(n_terms, arity)
    cycles = [dict(terms=list(t)) for t in inputs] + [dict(terms=[0] * n_terms)] * levels
    seen = run_cycles(TreeHarness(n_terms, in_width, width, arity), cycles, ["total"])["total"]
    # the registers start at 0 (no reset needed for the sums of cycles >= levels)
    want = [0] * levels + [sum(t) for t in inputs]
    return seen, want, levels


@settings(max_examples=40)
@given(st.integers(1, 200), st.integers(2, 9))
def test_tree_levels_is_the_smallest_power_of_the_arity_that_covers_the_terms(n, arity):
    assert tree_levels(n, arity) == levels_by_powers(n, arity)


@pytest.mark.parametrize(
    "n,arity,levels",
    [(1, 2, 0), (2, 2, 1), (3, 2, 2), (4, 2, 2), (5, 2, 3), (3, 3, 1), (4, 3, 2), (9, 3, 2), (10, 3, 3)],
)
def test_tree_levels_by_hand(n, arity, levels):
    assert tree_levels(n, arity) == levels


@settings(max_examples=30)
@given(st.integers(1, 12), st.integers(1, 12), st.integers(2, 5), st.data())
def test_a_new_sum_every_cycle_after_tree_levels_cycles(n_terms, in_width, arity, data):
    term = st.one_of(st.sampled_from([-(1 << (in_width - 1)), (1 << (in_width - 1)) - 1]), signed_value(in_width))
    inputs = data.draw(st.lists(st.lists(term, min_size=n_terms, max_size=n_terms), min_size=1, max_size=12))
    seen, want, levels = stream(n_terms, in_width, arity, inputs)
    assert not (found := mismatches({"total": seen}, {"total": want})), describe_mismatches(found)
    assert levels == tree_levels(n_terms, arity)


def test_extreme_terms_sum_exactly_in_the_given_width():
    """Every term at the most negative, then the most positive value: the sum needs every bit of the width."""
    n, w = 7, 6
    inputs = [[-(1 << (w - 1))] * n, [(1 << (w - 1)) - 1] * n, [-(1 << (w - 1)), (1 << (w - 1)) - 1] * 3 + [5]]
    for arity in (2, 3, 4, 5):
        seen, want, levels = stream(n, w, arity, inputs)
        assert seen == want
        assert want[levels : levels + 2] == [-n * 32, n * 31]


def test_one_term_passes_through_unregistered():
    seen, want, levels = stream(1, 5, 3, [[-16], [15], [3], [-1]])
    assert levels == 0 and seen == want == [-16, 15, 3, -1]


def test_bad_arguments_are_refused():
    # the checks come before the module is touched (no Module is built here: nothing to elaborate)
    with pytest.raises(ValueError, match="an adder tree needs at least one term"):
        add_tree(None, [], 8, 2, "t")
    for arity in (1, 0, -3, True, 2.0):
        with pytest.raises(ValueError, match=f"tree_arity must be an integer >= 2, got {arity!r}"):
            add_tree(None, [1, 2], 8, arity, "t")
        with pytest.raises(ValueError, match="tree_arity must be an integer >= 2"):
            tree_levels(5, arity)
