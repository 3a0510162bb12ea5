"""LFSRPerturbator against the golden LFSR code, every cycle."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mgd.golden_model.lfsr import PRIMITIVE_TAPS, LFSRSpec
from mgd.rtl.lfsr_perturbator import LFSRPerturbator
from mgd.sim.cycle_sim import run_cycles


def simulate(spec, synapse, advance, vcd=None):
    """Drive ``advance`` (one value per cycle); return the ``sign`` seen at each cycle before the edge."""
    seen = run_cycles(LFSRPerturbator(synapse, spec), [{"advance": int(a)} for a in advance], ["sign"], vcd=vcd)
    return np.array(seen["sign"], dtype=np.uint8)


def expected_signs(spec, synapse, advance):
    """Independent model: the sign at a cycle is the code bit of the step reached by the advances before it."""
    steps_done = np.concatenate([[0], np.cumsum(advance)[:-1]]).astype(np.int64)
    return spec.bits(synapse, int(steps_done[-1]) + 1)[steps_done]


@pytest.mark.parametrize("width,stride,synapse,density", [(16, 4099, 0, 1.0), (16, 4099, 219, 0.5), (12, 257, 7, 0.25)])
def test_rtl_matches_golden_bit_for_bit_for_1e4_cycles(width, stride, synapse, density):
    spec = LFSRSpec(width, stride=stride)
    rng = np.random.default_rng(width * 1000 + synapse)
    advance = (rng.random(10_000) < density).astype(np.uint8)
    seen = simulate(spec, synapse, advance)
    assert np.sum(seen != expected_signs(spec, synapse, advance)) == 0


@settings(max_examples=100, deadline=None)
@given(
    width=st.sampled_from(sorted(PRIMITIVE_TAPS)),
    synapse=st.integers(0, 4095),
    stride=st.integers(1, 254),
    advance=st.lists(st.integers(0, 1), min_size=1, max_size=200),
)
def test_rtl_matches_golden_for_random_configurations(width, synapse, stride, advance):
    spec = LFSRSpec(width, stride=stride)
    advance = np.array(advance, dtype=np.uint8)
    assert np.array_equal(simulate(spec, synapse, advance), expected_signs(spec, synapse, advance))
