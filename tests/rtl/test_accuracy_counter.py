# amaranth: UnusedElaboratable=no
"""AccuracyCounter (rtl/accuracy_counter.py) in Amaranth simulation against a Python model of its counters: the
combinational ``is_correct`` equals the golden rule (golden_model/fixed_accuracy.py, itself checked against a naive
reference in tests/golden_model/test_fixed_accuracy.py) for argmax ties and values at one half and at the format
limits; ``seen``/``correct`` count strobes one cycle later, ``clear`` wins over ``strobe``, and both saturate at
2^32 − 1."""

import pytest
from amaranth.sim import Simulator
from hypothesis import given, settings
from hypothesis import strategies as st

from mgd.golden_model.fixed_accuracy import classified_correctly
from mgd.golden_model.formats import DEFAULT_FORMATS, Fmt
from mgd.rtl.accuracy_counter import AccuracyCounter

TOP = 2**32 - 1


def _simulate(dut, cycles, preset=None):
    """Apply each cycle's inputs, record (is_correct, correct, seen) before the edge, tick. ``preset`` = (correct,
    seen) written into the counters at the start."""
    got = []

    async def bench(ctx):
        if preset is not None:
            ctx.set(dut.correct, preset[0])
            ctx.set(dut.seen, preset[1])
        for c in cycles:
            for k in range(dut.n_out):
                ctx.set(dut.y[k], c["y"][k])
                ctx.set(dut.target[k], c["target"][k])
            ctx.set(dut.strobe, c["strobe"])
            ctx.set(dut.clear, c["clear"])
            got.append((ctx.get(dut.is_correct), ctx.get(dut.correct), ctx.get(dut.seen)))
            await ctx.tick()

    sim = Simulator(dut)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()
    return got


def _model(cycles, task, fmt, correct=0, seen=0):
    out = []
    for c in cycles:
        ok = int(classified_correctly(c["y"], c["target"], task, fmt))
        out.append((ok, correct, seen))
        if c["clear"]:
            correct = seen = 0
        elif c["strobe"]:
            seen = min(seen + 1, TOP)
            correct = min(correct + ok, TOP)
    return out


@settings(max_examples=20)
@given(st.integers(2, 12), st.integers(1, 4), st.sampled_from(["parity", "classification"]), st.data())
def test_random_inputs_against_the_model(width, n_out, task, data):
    fmt = Fmt(width, data.draw(st.integers(0, width - 1)))
    half = 1 << (fmt.frac - 1) if fmt.frac else 0
    special = sorted({v for v in (fmt.min, fmt.max, 0, half, half + 1) if fmt.min <= v <= fmt.max})
    value = st.one_of(st.sampled_from(special), st.integers(fmt.min, fmt.max))
    vec = st.lists(value, min_size=n_out, max_size=n_out)
    cycle = st.fixed_dictionaries(
        {"y": vec, "target": vec, "strobe": st.integers(0, 1), "clear": st.sampled_from([0] * 12 + [1])}
    )
    cycles = data.draw(st.lists(cycle, min_size=1, max_size=40))
    dut = AccuracyCounter(n_out, fmt, task)
    assert _simulate(dut, cycles) == _model(cycles, task, fmt)


def test_ties_pick_the_first_maximum():
    fmt = Fmt(8, 6)
    c = dict(strobe=1, clear=0)
    cycles = [
        dict(c, y=[5, 5, 1], target=[9, 0, 0]),  # y's first maximum is 0: correct
        dict(c, y=[5, 5, 1], target=[0, 9, 0]),  # wrong: the tie goes to index 0
        dict(c, y=[-128, -128, -128], target=[3, 3, 3]),  # all equal: both pick 0
        dict(c, y=[1, 2, 127], target=[0, 0, 1]),
        dict(c, y=[0, 0, 0], target=[0, 0, 0]),
    ]
    got = _simulate(AccuracyCounter(3, fmt, "classification"), cycles)
    assert [g[0] for g in got] == [1, 0, 1, 1, 1]
    assert [g[1:] for g in got] == [(0, 0), (1, 1), (1, 2), (2, 3), (3, 4)]


def test_parity_threshold_is_strictly_above_one_half():
    fmt = DEFAULT_FORMATS.act  # one half = 512
    c = dict(strobe=0, clear=0)
    cycles = [
        dict(c, y=[512], target=[1024]),
        dict(c, y=[513], target=[1024]),
        dict(c, y=[512], target=[0]),
        dict(c, y=[fmt.min], target=[fmt.max]),
        dict(c, y=[fmt.max], target=[fmt.max]),
    ]
    got = _simulate(AccuracyCounter(1, fmt, "parity"), cycles)
    assert [g[0] for g in got] == [0, 1, 1, 0, 1]
    assert all(g[1:] == (0, 0) for g in got)  # no strobe: nothing counted


def test_clear_wins_over_strobe_and_counts_show_one_cycle_later():
    fmt = Fmt(4, 2)
    ok = dict(y=[3], target=[3])
    cycles = [
        dict(ok, strobe=1, clear=0),
        dict(ok, strobe=1, clear=0),
        dict(ok, strobe=1, clear=1),
        dict(ok, strobe=0, clear=0),
        dict(ok, strobe=1, clear=0),
        dict(ok, strobe=0, clear=0),
    ]
    got = _simulate(AccuracyCounter(1, fmt, "parity"), cycles)
    assert [g[2] for g in got] == [0, 1, 2, 0, 0, 1]
    assert [g[1] for g in got] == [0, 1, 2, 0, 0, 1]


def test_counters_saturate_at_32_bits():
    fmt = Fmt(4, 2)
    right, wrong = dict(y=[3], target=[3]), dict(y=[3], target=[0])
    cycles = (
        [dict(right, strobe=1, clear=0)] * 3 + [dict(wrong, strobe=1, clear=0)] * 2 + [dict(right, strobe=0, clear=1)]
    )
    cycles.append(dict(right, strobe=0, clear=0))
    got = _simulate(AccuracyCounter(1, fmt, "parity"), cycles, preset=(TOP - 2, TOP - 1))
    assert got == _model(cycles, "parity", fmt, correct=TOP - 2, seen=TOP - 1)
    assert [g[2] for g in got] == [TOP - 1, TOP, TOP, TOP, TOP, TOP, 0]
    assert [g[1] for g in got] == [TOP - 2, TOP - 1, TOP, TOP, TOP, TOP, 0]


@pytest.mark.parametrize(
    "args,match", [((2, Fmt(8, 4), "regression"), "task must be one of"), ((0, Fmt(8, 4), "parity"), "n_out")]
)
def test_bad_parameters_are_refused(args, match):
    with pytest.raises(ValueError, match=match):
        AccuracyCounter(*args)


def _registered_model(cycles, task, fmt, latency):
    """The pipelined counter: each cycle's rule and strobe travel ``latency`` − 1 stages (a clear drops the strobes in
    flight), then count at the edge, unless that cycle's clear zeroes the counters."""
    out, correct, seen = [], 0, 0
    pipe = [(0, 0)] * (latency - 1)  # (strobe, rule) per stage, the oldest last
    for c in cycles:
        ok = int(classified_correctly(c["y"], c["target"], task, fmt))
        out.append((ok, correct, seen))
        strobe, rule = pipe[-1]
        if c["clear"]:
            correct = seen = 0
        elif strobe:
            seen = min(seen + 1, TOP)
            correct = min(correct + rule, TOP)
        pipe = [(int(c["strobe"] and not c["clear"]), ok)] + [(int(s and not c["clear"]), r) for s, r in pipe[:-1]]
    return out


@settings(max_examples=20)
@given(st.integers(2, 12), st.integers(1, 5), st.sampled_from(["parity", "classification"]), st.data())
def test_registered_counts_each_strobe_latency_cycles_later(width, n_out, task, data):
    fmt = Fmt(width, data.draw(st.integers(0, width - 1)))
    value = st.integers(fmt.min, fmt.max)
    vec = st.lists(value, min_size=n_out, max_size=n_out)
    cycle = st.fixed_dictionaries(
        {"y": vec, "target": vec, "strobe": st.integers(0, 1), "clear": st.sampled_from([0] * 12 + [1])}
    )
    cycles = data.draw(st.lists(cycle, min_size=1, max_size=40))
    dut = AccuracyCounter(n_out, fmt, task, registered=True)
    assert dut.latency == (n_out + 1 if task == "classification" else 2)
    assert _simulate(dut, cycles) == _registered_model(cycles, task, fmt, dut.latency)
