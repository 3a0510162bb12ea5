# amaranth: UnusedElaboratable=no
"""PipelinedController (rtl/pipelined_controller.py) in Amaranth simulation: a tiny run derived by hand; phase,
step, sample, index and done against the golden PipelinedScheduleModel (golden_model/pipeline_schedule.py) for
random registers, timings, orders and code periods, back-to-back runs included; the strobes against the module
table of pipeline_schedule (a step issued in cycle t is measured in cycle t + measure, correlated in t + correlate,
retired in t + retire; update only for a window's last step; fresh at t + accuracy_tap for n mod τx = 0; advance
in the seed cycles and after steps with (n+1) mod τp = 0; no strobe outside a run); Δθ and −Δθ registered from the
shift register; ``stop`` drops the steps in flight; refused arguments. (The file header silences the
UnusedElaboratable warning of a refused constructor's leftovers.)"""

from types import SimpleNamespace

import numpy as np
import pytest
from amaranth.sim import Simulator
from hypothesis import given, settings
from hypothesis import strategies as st

from mgd.golden_model.codes import CodeSpec
from mgd.golden_model.fixed_network import FixedMLP
from mgd.golden_model.formats import DEFAULT_FORMATS
from mgd.golden_model.network import MLP
from mgd.golden_model.pipeline_schedule import PipelinedScheduleModel, PipelineTiming, pipelined_cycles
from mgd.golden_model.sample_order import HARDWARE_ORDERS, sample_indices
from mgd.golden_model.schedule import PHASES, Registers
from mgd.rtl.pipelined_controller import PipelinedController

IDLE, LOAD, SEED, BEGIN, PERT, CORR, DONE = (
    PHASES[p] for p in ("idle", "load", "seed", "begin", "pert", "correlate", "done")
)
OUTPUTS = ("phase", "step", "sample", "index", "done", "dtheta", "dtheta_neg")
STROBES = ("load", "restart", "advance", "issue", "measure", "correlate", "update", "fresh")
GOLDEN = ("phase", "step", "sample", "index", "done")


def _int(v):
    return int(getattr(v, "value", v))


def simulate(dut, starts: dict[int, Registers], cycles: int, *, stops=(), shifts=None):
    """Registers of the latest start held on ``regs`` (``shifts[c]`` overrides dtheta_shift in cycle c), ``start``
    pulsed in the cycles of ``starts``, ``stop`` in ``stops``. Returns per-signal lists of the values per cycle."""
    trace = {name: [] for name in OUTPUTS + STROBES}
    shifts = shifts or {}

    async def bench(ctx):
        current = starts.get(0, next(iter(starts.values())))
        for c in range(cycles):
            current = starts.get(c, current)
            for name in Registers.NAMES:
                ctx.set(getattr(dut.regs, name), getattr(current, name))
            if c in shifts:
                ctx.set(dut.regs.dtheta_shift, shifts[c])
            ctx.set(dut.start, int(c in starts))
            ctx.set(dut.stop, int(c in stops))
            for name in trace:
                trace[name].append(_int(ctx.get(getattr(dut, name))))
            await ctx.tick()

    sim = Simulator(dut)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()
    return trace


def stub_model(codes: CodeSpec, n_samples: int, order: str):
    """What PipelinedScheduleModel reads of a FixedMGD, for a network with one parameter per code (the arithmetic
    does not matter here: the controller sees none of it)."""
    P = codes.n_synapses
    mlp = MLP((P - 1, 1))
    return SimpleNamespace(
        mlp=mlp,
        net=FixedMLP(mlp, DEFAULT_FORMATS),
        fmts=DEFAULT_FORMATS,
        mode="prescaled",
        codes=codes,
        theta0=np.zeros((1, P), dtype=np.int64),
        x=np.zeros((n_samples, P - 1), dtype=np.int64),
        y=np.zeros((n_samples, 1), dtype=np.int64),
        sample_address=lambda k, seed: int(sample_indices(order, n_samples, 1, start=k, seed=seed)[0]),
    )


def golden(codes, n_samples, order, timing, starts, cycles):
    first = starts[min(starts)]
    model = PipelinedScheduleModel(stub_model(codes, n_samples, order), first, timing)
    trace = model.run(cycles, starts)
    return {name: [int(v) for v in trace[name]] for name in GOLDEN}


def strobes_from_phases(phases, starts, timing, accuracy_tap):
    """The strobes each cycle by the spec, given the golden phases: the issue cycles are the ``pert`` cycles; step n
    of a run is its n-th issue; every strobe is gated by the run (phase not idle/load/done)."""
    n_cycles = len(phases)
    out = {name: [0] * n_cycles for name in STROBES}
    regs, n = None, 0

    def mark(name, c):
        if c < n_cycles and phases[c] not in (IDLE, LOAD, DONE):
            out[name][c] = 1

    for c, phase in enumerate(phases):
        regs = starts.get(c, regs)
        if phase == LOAD:
            out["load"][c] = out["restart"][c] = 1
            n = 0
        elif phase == SEED:
            out["advance"][c] = 1
        elif phase == PERT:
            out["issue"][c] = 1
            if (n + 1) % regs.tau_p == 0:
                out["advance"][c] = 1
            mark("measure", c + timing.measure)
            mark("correlate", c + timing.correlate)
            if (n + 1) % regs.tau_theta == 0:
                mark("update", c + timing.retire)
            if n % regs.tau_x == 0:
                mark("fresh", c + accuracy_tap)
            n += 1
    return out


def check_against_golden(codes, n_samples, order, timing, accuracy_tap, starts, cycles):
    dut = PipelinedController(timing, n_samples, codes.index_period, DEFAULT_FORMATS, order, accuracy_tap)
    seen = simulate(dut, starts, cycles)
    want = golden(codes, n_samples, order, timing, starts, cycles)
    for name in GOLDEN:
        assert seen[name] == want[name], name
    want_strobes = strobes_from_phases(want["phase"], starts, timing, accuracy_tap)
    for name in STROBES:
        assert seen[name] == want_strobes[name], name
    return seen


def test_tiny_run_by_hand():
    """measure 2, correlate 3, retire 4; τx = 2, τp = 2, τθ = 3, seed 1, 4 steps; cyclic over 3 samples; index
    period 5. Steps 0-2 issue in cycles 4-6, the window's end stalls until step 2 retires (edge 10), step 3 (the
    final one) issues in cycle 11 and retires at edge 15: done from cycle 16 = pipelined_cycles."""
    timing = PipelineTiming(2, 3, 4)
    regs = Registers(tau_x=2, tau_p=2, tau_theta=3, dtheta_shift=4, seed=1, steps=4)
    dut = PipelinedController(timing, 3, 5, DEFAULT_FORMATS, "cyclic", accuracy_tap=1)
    t = simulate(dut, {0: regs}, 18)
    assert pipelined_cycles(regs, timing) == 16
    assert t["phase"] == [IDLE, LOAD, SEED, BEGIN, PERT, PERT, PERT] + [CORR] * 4 + [PERT] + [CORR] * 4 + [DONE] * 2
    assert t["done"] == [0] * 16 + [1] * 2
    assert t["step"] == [0] * 8 + [1, 2] + [3] * 5 + [4] * 3
    assert t["index"] == [0] * 3 + [1] * 3 + [2] * 6 + [3] * 6
    assert t["sample"] == [0] * 6 + [1] * 12

    def cycles(name):
        return [c for c, v in enumerate(t[name]) if v]

    assert cycles("load") == cycles("restart") == [1]
    assert cycles("issue") == [4, 5, 6, 11]
    assert cycles("advance") == [2, 5, 11]
    assert cycles("measure") == [6, 7, 8, 13]
    assert cycles("correlate") == [7, 8, 9, 14]
    assert cycles("update") == [10]  # step 3 ends the run, not a window: no update
    assert cycles("fresh") == [5, 7]  # steps 0 and 2 drew fresh samples (n mod τx = 0), tap 1


@st.composite
def scenarios(draw):
    measure = draw(st.integers(1, 4))
    correlate = draw(st.integers(measure + 1, measure + 3))
    timing = PipelineTiming(measure, correlate, draw(st.integers(correlate + 1, correlate + 3)))
    kind = draw(st.sampled_from(["lfsr", "walsh", "sequential"]))
    codes = CodeSpec(kind, draw(st.integers(2, 9)))
    order = draw(st.sampled_from(HARDWARE_ORDERS))
    n_samples = draw(st.one_of(st.integers(1, 7), st.just(1000)))

    def regs():
        return Registers(
            tau_x=draw(st.integers(1, 4)),
            tau_p=draw(st.integers(1, 4)),
            tau_theta=draw(st.integers(1, 6)),
            dtheta_shift=draw(st.integers(0, 20)),
            seed=draw(st.integers(0, 4)),
            steps=draw(st.integers(1, 14)),
        )

    first = regs()
    starts, cycles = {0: first}, pipelined_cycles(first, timing) + 1 + draw(st.integers(0, 3))
    if draw(st.booleans()):  # a second run from the done phase, other registers
        second = regs()
        starts[cycles] = second
        cycles += pipelined_cycles(second, timing) + 2
    accuracy_tap = draw(st.integers(1, timing.retire))
    return codes, n_samples, order, timing, accuracy_tap, starts, cycles


@settings(max_examples=40)
@given(scenarios())
def test_random_registers_and_timings_match_the_golden_schedule(scenario):
    check_against_golden(*scenario)


@pytest.mark.parametrize("order", HARDWARE_ORDERS)
@pytest.mark.parametrize("tau_theta", [1, 5, 40])
def test_longer_runs_with_walsh_codes(order, tau_theta):
    """τθ below, near and above the pipeline depth (retire 9), 60 steps, seed 3."""
    regs = Registers(tau_x=3, tau_p=2, tau_theta=tau_theta, dtheta_shift=4, seed=3, steps=60)
    timing = PipelineTiming(5, 7, 9)
    seen = check_against_golden(
        CodeSpec("walsh", 9), 4, order, timing, 6, {0: regs}, pipelined_cycles(regs, timing) + 2
    )
    assert sum(seen["issue"]) == sum(seen["measure"]) == sum(seen["correlate"]) == 60
    assert sum(seen["update"]) == 60 // tau_theta and sum(seen["fresh"]) == 20


def test_dtheta_and_its_negative_are_registered_from_the_shift():
    """Δθ = 2^−k in θ's format (0 beyond its fraction bits) and −Δθ, one cycle after the shift register changes."""
    frac = DEFAULT_FORMATS.theta.frac
    shifts = list(range(32)) + [3, 0, frac, frac + 1, 31, 7]
    dut = PipelinedController(PipelineTiming(1, 2, 3), 4, None, DEFAULT_FORMATS)
    seen = simulate(dut, {5: Registers()}, len(shifts) + 1, shifts=dict(enumerate(shifts)))
    model = PipelinedScheduleModel(stub_model(CodeSpec("lfsr", 2), 4, "cyclic"), Registers(), PipelineTiming(1, 2, 3))
    want = []
    for k in shifts:
        model.regs = Registers(dtheta_shift=k)
        want.append(model.dtheta)
    assert seen["dtheta"][1:] == want
    assert seen["dtheta_neg"][1:] == [-d for d in want]
    assert seen["dtheta"][1] == 1 << frac and seen["dtheta"][frac + 2] == 0


@pytest.mark.parametrize("order", HARDWARE_ORDERS)
def test_stop_drops_the_steps_in_flight_and_a_new_run_starts_clean(order):
    """``stop`` in the middle of a window with steps in flight: done from the next cycle, no strobe (measure,
    correlate, update, fresh, issue, advance) and no step count afterwards; a later start runs exactly like a fresh
    run (the golden schedule from that start)."""
    timing = PipelineTiming(3, 5, 6)
    codes = CodeSpec("sequential", 5)
    regs = Registers(tau_x=1, tau_p=1, tau_theta=8, dtheta_shift=4, seed=2, steps=30)
    stop_at, restart_at, tail = 12, 30, pipelined_cycles(regs, timing) + 2
    dut = PipelinedController(timing, 6, codes.index_period, DEFAULT_FORMATS, order, accuracy_tap=2)
    seen = simulate(dut, {0: regs, restart_at: regs}, restart_at + tail, stops=(stop_at,))
    fresh = golden(codes, 6, order, timing, {0: regs}, tail)
    # before the stop: as a fresh run
    for name in GOLDEN:
        assert seen[name][: stop_at + 1] == fresh[name][: stop_at + 1], name
    assert fresh["phase"][stop_at] == PERT and any(seen["correlate"][: stop_at + 1])
    assert fresh["phase"][stop_at + timing.measure] != DONE, "no steps were in flight at the stop"
    # after the stop: done, nothing fires, nothing counts
    after = range(stop_at + 1, restart_at + 1)
    assert [seen["phase"][c] for c in after] == [DONE] * len(after)
    assert all(seen["done"][c] for c in after)
    for name in STROBES:
        assert not any(seen[name][c] for c in after), name
    assert len({seen["step"][c] for c in after}) == 1 and seen["step"][stop_at + 1] == fresh["step"][stop_at + 1]
    # the new run: the golden schedule from its start (from the load cycle's edge on: during the load cycle the
    # counters still show the stopped run's values, where a first run shows the reset values; the sample address,
    # as in the golden model, until the first draw of the new run)
    assert seen["phase"][restart_at + 1] == LOAD
    first_issue = fresh["phase"].index(PERT)
    for name in GOLDEN:
        begin = first_issue if name == "sample" else 2
        assert seen[name][restart_at + begin :] == fresh[name][begin:], name
    want_strobes = strobes_from_phases(fresh["phase"], {0: regs}, timing, 2)
    for name in STROBES:
        assert seen[name][restart_at + 1 :] == want_strobes[name][1:], name


def test_stop_outside_a_run_does_nothing():
    timing = PipelineTiming(1, 2, 3)
    regs = Registers(tau_theta=2, steps=3)
    dut = PipelinedController(timing, 2, None, DEFAULT_FORMATS)
    cycles = pipelined_cycles(regs, timing) + 5
    seen = simulate(dut, {3: regs}, cycles + 3, stops=(0, 1, 2, cycles + 1))  # idle, then done
    want = golden(CodeSpec("lfsr", 2), 2, "cyclic", timing, {3: regs}, cycles + 3)
    for name in GOLDEN:
        assert seen[name] == want[name], name


@pytest.mark.parametrize("bad", [0, 4, -1])
def test_bad_accuracy_tap_is_refused(bad):
    with pytest.raises(ValueError, match=rf"accuracy_tap must be in \[1, 3\], got {bad}"):
        PipelinedController(PipelineTiming(1, 2, 3), 4, None, DEFAULT_FORMATS, accuracy_tap=bad)


def test_bad_order_is_refused():
    with pytest.raises(ValueError, match="order must be one of cyclic, random, got 'lfsr'"):
        PipelinedController(PipelineTiming(1, 2, 3), 4, None, DEFAULT_FORMATS, order="lfsr")
