"""Perturbator against the golden codes (mgd.golden_model.codes), every cycle."""

import gc
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mgd_strategies import code_specs

from mgd.golden_model.codes import CODE_KINDS, CodeSpec
from mgd.golden_model.lfsr import LFSRSpec
from mgd.rtl.perturbator import Perturbator
from mgd.sim.cycle_sim import describe_mismatches, mismatches, run_cycles


def expected_codes(codes, synapse, advance, index, restart=None):
    """Code during each cycle: LFSR kinds count the advances *before* the cycle since the last restart; counter
    kinds read the index."""
    restart = [0] * len(advance) if restart is None else restart
    out, done = [], 0
    for a, i, r in zip(advance, index, restart, strict=True):
        out.append(codes.code(synapse, done, int(i)))
        done = 0 if r else done + int(a)
    return out


def check(codes, synapse, advance, index, vcd=None, restart=None):
    restart = [0] * len(advance) if restart is None else restart
    cycles = [
        dict(advance=int(a), index=int(i), restart=int(r)) for a, i, r in zip(advance, index, restart, strict=True)
    ]
    seen = run_cycles(Perturbator(synapse, codes), cycles, ["code"], vcd=vcd)
    found = mismatches(seen, {"code": expected_codes(codes, synapse, advance, index, restart)})
    assert not found, describe_mismatches(found)
    return seen["code"]


@pytest.mark.parametrize("kind", CODE_KINDS)
def test_every_kind_for_1e4_cycles(kind, vcd):
    codes = CodeSpec(kind, 37, LFSRSpec(16))
    rng = np.random.default_rng(7)
    advance = (rng.random(10_000) < 0.7).astype(int)
    index = np.cumsum(advance) % (codes.index_period or 1)  # the controller's counter follows the advances
    seen = check(codes, 36, advance, index, vcd=vcd())
    assert set(seen) == (
        {0, 1}
        if kind == "sequential"
        else {-1, 1}
        if codes.binary
        else set(range(-(1 << codes.levels_bits) + 1, 1 << codes.levels_bits, 2))
    )


@pytest.mark.parametrize(
    "examples", [pytest.param(100, id="100"), pytest.param(1000, id="1000", marks=pytest.mark.slow)]
)
def test_random_configurations(examples):
    ran = []

    @settings(max_examples=examples)
    @given(code_specs(), st.data())
    def run(spec, data):
        codes, synapse = spec
        n = data.draw(st.integers(1, 120))
        advance = data.draw(st.lists(st.integers(0, 1), min_size=n, max_size=n))
        index = data.draw(st.lists(st.integers(0, (1 << codes.index_width) - 1), min_size=n, max_size=n))
        restart = data.draw(st.lists(st.sampled_from([0] * 15 + [1]), min_size=n, max_size=n))
        check(codes, synapse, advance, index, restart=restart)
        ran.append(n)

    run()
    assert len(ran) >= examples


def test_bad_synapse_index_is_refused():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the half-built component is never elaborated; collect it here
        with pytest.raises(ValueError, match="synapse index 5 outside"):
            Perturbator(5, CodeSpec("walsh", 5))
        gc.collect()
