# amaranth: UnusedElaboratable=no
"""DatasetMemory (rtl/dataset_memory.py) in Amaranth simulation against a Python list of samples: every address
reads its inputs and targets in the same cycle (asynchronous read), values at the act format's limits survive, and
the host write port changes exactly the values whose enable bits are set, at the clock edge."""

import numpy as np
import pytest
from amaranth.sim import Simulator
from hypothesis import given, settings
from hypothesis import strategies as st
from mgd_strategies import signed_value

from mgd.golden_model.formats import DEFAULT_FORMATS, Fmt
from mgd.rtl.dataset_memory import DatasetMemory


def _read_all(dut, addresses):
    got = []

    async def bench(ctx):
        for a in addresses:
            ctx.set(dut.addr, a)
            got.append(
                ([ctx.get(dut.x[k]) for k in range(dut.n_in)], [ctx.get(dut.target[k]) for k in range(dut.n_out)])
            )
            await ctx.delay(1e-8)

    sim = Simulator(dut)  # read-only: purely combinational, no clock domain
    sim.add_testbench(bench)
    sim.run()
    return got


@settings(max_examples=15)
@given(st.integers(2, 12), st.integers(1, 30), st.integers(1, 4), st.integers(1, 3), st.data())
def test_every_address_reads_its_sample(width, n, n_in, n_out, data):
    fmt = Fmt(width, width - 2)
    value = st.one_of(st.sampled_from([fmt.min, fmt.max, 0, -1]), signed_value(width))
    x = [data.draw(st.lists(value, min_size=n_in, max_size=n_in)) for _ in range(n)]
    t = [data.draw(st.lists(value, min_size=n_out, max_size=n_out)) for _ in range(n)]
    dut = DatasetMemory(np.array(x), np.array(t), fmt)
    assert (dut.n, dut.n_in, dut.n_out, dut.latency) == (n, n_in, n_out, 0)
    addresses = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=2 * n)) + list(range(n))
    got = _read_all(dut, addresses)
    assert got == [(x[a], t[a]) for a in addresses]


def test_xor_dataset_in_the_default_act_format():
    f = DEFAULT_FORMATS.act
    x = f.quantize(np.array([[0, 0], [0, 1], [1, 0], [1, 1]]))
    y = f.quantize(np.array([[0], [1], [1], [0]]))
    got = _read_all(DatasetMemory(x, y, f), [3, 2, 1, 0])
    one = 1 << f.frac
    assert got == [([one, one], [0]), ([one, 0], [one]), ([0, one], [one]), ([0, 0], [0])]


def test_one_sample_memory_still_has_a_one_bit_address():
    dut = DatasetMemory(np.array([[-8]]), np.array([[7]]), Fmt(4, 2))
    assert len(dut.addr) == 1
    assert _read_all(dut, [0]) == [([-8], [7])]


def test_write_port_writes_only_enabled_values_at_the_clock_edge():
    fmt = Fmt(8, 6)
    x = np.array([[1, 2], [3, 4], [5, 6]])
    t = np.array([[7], [8], [9]])
    dut = DatasetMemory(x, t, fmt, writable=True)
    model = [list(x[i]) + list(t[i]) for i in range(3)]
    rng = np.random.default_rng(0)
    log = []

    async def bench(ctx):
        for _ in range(40):
            w_addr, en = int(rng.integers(0, 3)), int(rng.integers(0, 8))
            word = [int(v) for v in rng.integers(fmt.min, fmt.max + 1, 3)]
            r_addr = int(rng.integers(0, 3))
            ctx.set(dut.w_addr, w_addr)
            ctx.set(dut.w_en, en)
            for k in range(3):
                ctx.set(dut.w_data[k], word[k])
            ctx.set(dut.addr, r_addr)
            seen = [ctx.get(dut.x[0]), ctx.get(dut.x[1]), ctx.get(dut.target[0])]
            log.append((seen, list(model[r_addr])))  # before the edge: the old contents
            await ctx.tick()
            for k in range(3):
                if en >> k & 1:
                    model[w_addr][k] = word[k]
        ctx.set(dut.w_en, 0)
        for a in range(3):
            ctx.set(dut.addr, a)
            log.append(([ctx.get(dut.x[0]), ctx.get(dut.x[1]), ctx.get(dut.target[0])], list(model[a])))

    sim = Simulator(dut)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()
    for seen, want in log:
        assert seen == want
    assert any(a != b for a, b in zip(model, [list(x[i]) + list(t[i]) for i in range(3)], strict=True))


@pytest.mark.parametrize(
    "x,t,match",
    [
        (np.zeros((2, 2)), np.zeros((3, 1)), "same N"),
        (np.zeros((0, 2)), np.zeros((0, 1)), "same N >= 1"),
        (np.zeros(2), np.zeros((2, 1)), r"\(N, n\) arrays"),
        (np.array([[8]]), np.array([[0]]), r"x has values outside the act format \[-8, 7\]"),
        (np.array([[0]]), np.array([[-9]]), r"targets has values outside the act format \[-8, 7\]"),
    ],
)
def test_bad_contents_are_refused(x, t, match):
    with pytest.raises(ValueError, match=match):
        DatasetMemory(x, t, Fmt(4, 2))
