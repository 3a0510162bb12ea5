# amaranth: UnusedElaboratable=no
"""SampleMemory (rtl/sample_memory.py) in Amaranth simulation against the dataset it was given: the word width is
the documented narrow packing (b bits per input with ``input_bits`` = b, else act.width; 1 bit per target when every
target is 0 or 1.0, else act.width); an address in cycle c shows its sample in cycle c + 1 (registered read) as b-bit
values v = x·2^(b−1) (or act values), act-format targets and the stored target fields; the host's act-format write
port changes exactly the enabled values at the clock edge, keeping only each field's bits. Refused datasets.
(The file header silences the UnusedElaboratable warning of a refused constructor's leftovers.)"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mgd_strategies import signed_value

from mgd.golden_model.formats import DEFAULT_FORMATS, Fmt
from mgd.rtl.sample_memory import SampleMemory
from mgd.sim.cycle_sim import run_cycles

OUTPUTS = ["x", "target", "target_bits"]


def shown(x_row, t_row, fmt, input_bits, binary):
    """What the ports show for a sample stored as act values ``x_row``, ``t_row``."""
    shift = 0 if input_bits is None else fmt.frac - (input_bits - 1)
    x = [int(v) >> shift for v in x_row]
    bits = [int(t) >> fmt.frac if binary else int(t) & ((1 << fmt.width) - 1) for t in t_row]
    return dict(x=x, target=[int(t) for t in t_row], target_bits=bits)


def read(dut, cycles):
    return run_cycles(dut, cycles, OUTPUTS)


def compare(seen, want):
    """``want[c]`` is None where the cycle's outputs are not part of the contract."""
    bad = []
    for c, w in enumerate(want):
        if w is None:
            continue
        got = {name: seen[name][c] for name in OUTPUTS}
        if got != w:
            bad.append((c, got, w))
    assert not bad, f"{len(bad)} mismatches; first: {bad[:3]}"


@st.composite
def datasets(draw):
    width = draw(st.integers(3, 12))
    fmt = Fmt(width, draw(st.integers(1, width - 2)))  # 1.0 = 2^frac must be representable
    n, n_in, n_out = draw(st.integers(1, 20)), draw(st.integers(1, 5)), draw(st.integers(1, 3))
    input_bits = draw(st.sampled_from([b for b in (None, 1, 3) if b is None or b <= fmt.frac + 1]))
    if input_bits is None:
        x = st.one_of(st.sampled_from([fmt.min, fmt.max, 0, -1]), signed_value(width))
    else:
        x = st.integers(0, (1 << input_bits) - 1).map(lambda v: v << (fmt.frac - (input_bits - 1)))
    binary = draw(st.booleans())
    if binary:
        t = st.sampled_from([0, 1 << fmt.frac])
    else:
        t = st.one_of(st.sampled_from([fmt.min, fmt.max, -1]), signed_value(width))
    xs = draw(st.lists(st.lists(x, min_size=n_in, max_size=n_in), min_size=n, max_size=n))
    ts = draw(st.lists(st.lists(t, min_size=n_out, max_size=n_out), min_size=n, max_size=n))
    binary = all(v in (0, 1 << fmt.frac) for row in ts for v in row)  # a drawn non-binary set may be binary
    return fmt, np.array(xs), np.array(ts), input_bits, binary


@settings(max_examples=40)
@given(datasets(), st.data())
def test_every_address_reads_its_sample_one_cycle_later(dataset, data):
    fmt, xs, ts, input_bits, binary = dataset
    n, n_in, n_out = len(xs), xs.shape[1], ts.shape[1]
    dut = SampleMemory(xs, ts, fmt, input_bits=input_bits)
    x_width = fmt.width if input_bits is None else input_bits
    t_width = 1 if binary else fmt.width
    assert (dut.n, dut.n_in, dut.n_out, dut.latency) == (n, n_in, n_out, 1)
    assert dut.binary_targets == binary
    assert (dut.x_width, dut.t_width, dut.width) == (x_width, t_width, n_in * x_width + n_out * t_width)
    addresses = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=2 * n)) + list(range(n))
    seen = read(dut, [dict(addr=a) for a in addresses] + [dict(addr=0)])
    want = [None] + [shown(xs[a], ts[a], fmt, input_bits, binary) for a in addresses]
    compare(seen, want)


def test_xor_with_one_bit_inputs_and_binary_targets_packs_three_bits():
    f = DEFAULT_FORMATS.act
    one = 1 << f.frac
    x = np.array([[0, 0], [0, one], [one, 0], [one, one]])
    y = np.array([[0], [one], [one], [0]])
    dut = SampleMemory(x, y, f, input_bits=1)
    assert dut.width == 3 and dut.binary_targets
    seen = read(dut, [dict(addr=a) for a in (3, 2, 1, 0, 0)])
    assert seen["x"][1:] == [[1, 1], [1, 0], [0, 1], [0, 0]]
    assert seen["target"][1:] == [[0], [one], [one], [0]]
    assert seen["target_bits"][1:] == [[0], [1], [1], [0]]


def test_non_binary_targets_are_stored_in_the_act_width():
    f = Fmt(7, 4)
    x = np.array([[16, -64], [63, 0]])
    y = np.array([[16, 0], [-1, 16]])  # −1 is not 0 or 1.0
    dut = SampleMemory(x, y, f)
    assert not dut.binary_targets and dut.width == 4 * 7
    seen = read(dut, [dict(addr=1), dict(addr=0), dict(addr=0)])
    assert seen["x"][1:] == [[63, 0], [16, -64]]
    assert seen["target"][1:] == [[-1, 16], [16, 0]]
    assert seen["target_bits"][1:] == [[127, 16], [16, 0]]


@pytest.mark.parametrize("input_bits", [None, 1, 3])
@pytest.mark.parametrize("binary", [True, False], ids=["binary", "act_targets"])
def test_host_writes_in_the_act_format(input_bits, binary):
    """Random writes (per-value enables) and reads: a read shows the contents written at earlier edges (a read of
    the address being written in the same cycle is not checked)."""
    fmt, n, n_in, n_out = Fmt(9, 6), 5, 3, 2
    rng = np.random.default_rng((input_bits or 0) * 2 + binary)
    shift = 0 if input_bits is None else fmt.frac - (input_bits - 1)

    def draw_x(size):
        if input_bits is None:
            return rng.integers(fmt.min, fmt.max + 1, size)
        return rng.integers(0, 1 << input_bits, size) << shift

    def draw_t(size):
        return rng.integers(0, 2, size) << fmt.frac if binary else rng.integers(fmt.min, fmt.max + 1, size)

    xs, ts = draw_x((n, n_in)), draw_t((n, n_out))
    ts[0, 0] = 1 << fmt.frac if binary else fmt.min  # binary or not, whatever the draw
    dut = SampleMemory(xs, ts, fmt, input_bits=input_bits, writable=True)
    assert dut.binary_targets == binary
    contents = [list(xs[i]) + list(ts[i]) for i in range(n)]
    cycles, reads = [], []  # reads[c]: what the read issued in cycle c shows in cycle c + 1
    for _ in range(60):
        w_addr, r_addr = int(rng.integers(0, n)), int(rng.integers(0, n))
        en = int(rng.integers(0, 1 << (n_in + n_out))) if rng.random() < 0.6 else 0
        word = list(draw_x(n_in)) + list(draw_t(n_out))
        cycles.append(dict(addr=r_addr, w_addr=w_addr, w_data=word, w_en=en))
        row = contents[r_addr]
        collision = en and w_addr == r_addr
        reads.append(None if collision else shown(row[:n_in], row[n_in:], fmt, input_bits, binary))
        for k in range(n_in + n_out):
            if en >> k & 1:
                contents[w_addr][k] = int(word[k])
    for a in range(n):  # read everything back
        cycles.append(dict(addr=a, w_en=0))
        reads.append(shown(contents[a][:n_in], contents[a][n_in:], fmt, input_bits, binary))
    cycles.append(dict(addr=0))
    seen = read(dut, cycles)
    want = [None] + reads
    compare(seen, want)
    assert contents != [list(xs[i]) + list(ts[i]) for i in range(n)]


def test_host_writes_keep_only_the_field_bits():
    """A value that is not representable in its field loses its other bits: an input keeps its b bits above
    2^−(b−1), a binary target its bit at 1.0."""
    fmt = Fmt(8, 5)
    one = 1 << fmt.frac
    dut = SampleMemory(np.array([[0, one]]), np.array([[0]]), fmt, input_bits=2, writable=True)  # v = x·2
    half = one >> 1
    cycles = [dict(w_addr=0, w_data=[half + 3, one + half + 1, one + 7], w_en=0b111), dict(w_en=0, addr=0), {}]
    seen = read(dut, cycles)
    assert seen["x"][2] == [1, 3] and seen["target"][2] == [one] and seen["target_bits"][2] == [1]


def test_one_sample_memory():
    dut = SampleMemory(np.array([[-8, 7]]), np.array([[5]]), Fmt(4, 2))
    assert len(dut.addr) == 1 and not dut.binary_targets
    assert read(dut, [dict(addr=0), dict(addr=0)])["x"][1] == [-8, 7]


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
def test_bad_datasets_are_refused(x, t, match):
    with pytest.raises(ValueError, match=match):
        SampleMemory(x, t, Fmt(4, 2))


def test_single_port_writes_whole_words_and_reads_back():
    """single_port: one address for reads and writes (a single-port RAM, iCE40 SPRAM); a host that writes every value
    of a sample, in any order, leaves its word exact; the write is posted (the RAM is written two cycles after the
    request, the read port disabled then), so a read of the last written word three cycles after its request shows
    it."""
    from amaranth.sim import Simulator

    fmt = DEFAULT_FORMATS.act
    one = 1 << fmt.frac
    rng = np.random.default_rng(3)
    x0 = np.zeros((6, 5), dtype=np.int64)
    t0 = np.zeros((6, 2), dtype=np.int64)
    t0[:, 0] = one  # binary targets
    xs = rng.integers(0, 2, (6, 5)) * one
    ts = np.eye(2, dtype=np.int64)[rng.integers(0, 2, 6)] * one
    dut = SampleMemory(x0, t0, fmt, input_bits=1, writable=True, single_port=True)
    got = {}

    async def bench(ctx):
        for k in (4, 1, 5):
            values = list(xs[k]) + list(ts[k])
            for j in rng.permutation(len(values)):
                ctx.set(dut.w_addr, k)
                ctx.set(dut.w_data[int(j)], int(values[j]))
                ctx.set(dut.w_en, 1 << int(j))
                await ctx.tick()
            ctx.set(dut.w_en, 0)
        await ctx.tick().repeat(2)  # the last posted write
        for k in (5, *range(6)):  # the last written word first
            ctx.set(dut.addr, k)
            await ctx.tick()
            got[k] = ([ctx.get(dut.x[j]) for j in range(5)], [ctx.get(dut.target[o]) for o in range(2)])

    sim = Simulator(dut)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()
    for k in range(6):
        x_want, t_want = (xs[k], ts[k]) if k in (4, 1, 5) else (x0[k], t0[k])
        assert got[k][0] == [int(v) >> fmt.frac for v in x_want], k
        assert got[k][1] == [int(v) for v in t_want], k
    with pytest.raises(ValueError, match="single_port is an option of a writable memory"):
        SampleMemory(x0, t0, fmt, input_bits=1, single_port=True)


def test_single_port_read_holds_during_a_write():
    """single_port: a write requested in cycle t is merged in t + 1 and stored in t + 2, when the read port is
    disabled (the outputs keep the last word read: SPRAM's read-during-write "no change", what lets Yosys map the
    memory there); a read of the address in t + 1 shows the old word, from t + 3 on the new one."""
    from amaranth.sim import Simulator

    fmt = DEFAULT_FORMATS.act
    one = 1 << fmt.frac
    x0 = np.array([[0, one], [one, 0]], dtype=np.int64)
    t0 = np.array([[one], [0]], dtype=np.int64)
    dut = SampleMemory(x0, t0, fmt, input_bits=1, writable=True, single_port=True)
    seen = []

    async def bench(ctx):
        ctx.set(dut.addr, 0)
        await ctx.tick()
        assert [ctx.get(dut.x[j]) for j in range(2)] == [0, 1]
        ctx.set(dut.w_addr, 1)
        ctx.set(dut.w_en, 0b111)
        for j, v in enumerate((0, one, one)):
            ctx.set(dut.w_data[j], v)
        await ctx.tick()  # cycle t: the request
        ctx.set(dut.w_en, 0)
        ctx.set(dut.addr, 1)
        for _ in range(3):  # cycles t + 1 (a read), t + 2 (the write: no read), t + 3 (a read)
            await ctx.tick()
            seen.append([ctx.get(dut.x[j]) for j in range(2)] + [ctx.get(dut.target[0])])

    sim = Simulator(dut)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()
    assert seen == [[1, 0, 0], [1, 0, 0], [0, 1, one]]
