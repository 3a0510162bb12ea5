# amaranth: UnusedElaboratable=no
"""Controller (rtl/controller.py) in Amaranth simulation: its phase, step, sample and index sequences against a tiny
run derived by hand, against a generator of the rules of the phase table in golden_model/schedule.py for random
registers, and against the golden ScheduleModel; its strobes, Δθ output and ``stop`` input. (The whole trainer is
compared with ScheduleModel in tests/rtl/test_trainer.py; register corners in tests/test_bad_input.py.)"""

import pytest
from amaranth.sim import Simulator
from hypothesis import given, settings
from hypothesis import strategies as st

from mgd.golden_model.config import MGDConfig
from mgd.golden_model.fixed_mgd import FixedMGD
from mgd.golden_model.formats import COMPACT_FORMATS, DEFAULT_FORMATS
from mgd.golden_model.sample_order import sample_indices
from mgd.golden_model.schedule import PHASES, Registers, ScheduleModel
from mgd.rtl.controller import Controller

IDLE, LOAD, SEED, BEGIN, C0, PERT, CORR, DONE = (
    PHASES[p] for p in ("idle", "load", "seed", "begin", "c0", "pert", "correlate", "done")
)
OUTPUTS = ("phase", "step", "sample", "index", "done", "dtheta", "new_sample")
STROBES = ("load", "restart", "advance", "perturb", "capture", "measure", "correlate", "update")


def _int(v):
    """A port value as an int: the phase may be an enum-shaped port (its member's value) or a plain one."""
    return int(getattr(v, "value", v))


def _reg(dut, name):
    """The input port of runtime register ``name``: a member of the ``regs`` interface, or (older layout) a port of
    its own."""
    regs = getattr(dut, "regs", None)
    return getattr(regs, name) if regs is not None else getattr(dut, name)


def simulate(dut, regs: Registers, cycles: int, *, starts=(0,), stops=(), changes=None):
    """Hold ``regs`` on the register inputs, pulse ``start`` in the cycles ``starts`` and ``stop`` in ``stops``;
    ``changes`` maps a cycle to new registers. Returns per-signal lists of the values seen in each cycle."""
    trace = {name: [] for name in OUTPUTS + STROBES}
    changes = changes or {}

    async def bench(ctx):
        current = regs
        for c in range(cycles):
            current = changes.get(c, current)
            for name in ("tau_x", "tau_p", "tau_theta", "dtheta_shift", "seed", "steps"):
                ctx.set(_reg(dut, name), getattr(current, name))
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


def test_tiny_run_by_hand():
    """L = 1, N = 4 samples (cyclic), index period 9; τx = 2, τp = 2, τθ = 3, seed 2, 4 steps. C₀ is measured in
    steps 0, 2 and 3 (n mod 2 = 0 or n mod 3 = 0); the index advances in both seed cycles and after steps 1 and 3;
    the update strobe fires in step 2's correlate cycle."""
    dut = Controller(1, 4, 9, DEFAULT_FORMATS)
    regs = Registers(tau_x=2, tau_p=2, tau_theta=3, dtheta_shift=4, seed=2, steps=4)
    t = simulate(dut, regs, 28)
    with_c0 = [BEGIN, C0, C0, PERT, PERT, CORR]
    phases = [IDLE, LOAD, SEED, SEED] + with_c0 + [BEGIN, PERT, PERT, CORR] + with_c0 + with_c0 + [DONE, DONE]
    assert t["phase"] == phases
    assert t["step"] == [0] * 10 + [1] * 4 + [2] * 6 + [3] * 6 + [4] * 2
    assert t["index"] == [0, 0, 0, 1] + [2] * 10 + [3] * 12 + [4] * 2
    assert t["sample"] == [0] * 15 + [1] * 13
    assert t["done"] == [0] * 26 + [1] * 2

    def cycles(name):
        return [c for c, v in enumerate(t[name]) if v]

    assert cycles("load") == cycles("restart") == [1]
    assert cycles("advance") == [2, 3, 13, 25]
    assert cycles("capture") == [6, 16, 22]  # the last c0 cycle
    assert cycles("measure") == [8, 12, 18, 24]  # the last pert cycle
    assert cycles("perturb") == [c for c, p in enumerate(phases) if p == PERT]
    assert cycles("correlate") == [9, 13, 19, 25]
    assert cycles("update") == [19]
    assert cycles("new_sample") == list(range(10)) + list(range(14, 20)) + [26, 27]
    assert set(t["dtheta"]) == {1 << (DEFAULT_FORMATS.theta.frac - 4)}


def _table(regs, latency, period, n_samples, order):
    """Phase, step, index and sample per cycle from the phase table's rules, for a start pulse in cycle 0."""
    rows = [(IDLE, 0, 0, 0), (LOAD, 0, 0, 0)]
    idx, sample, drawn = 0, 0, 0
    addresses = sample_indices(order, n_samples, regs.steps, seed=regs.seed).tolist()
    for _ in range(regs.seed):
        rows.append((SEED, 0, idx, sample))
        idx = (idx + 1) % period if period else 0
    for n in range(regs.steps):
        rows.append((BEGIN, n, idx, sample))
        if n % regs.tau_x == 0:
            sample = addresses[drawn] if order == "random" else drawn % n_samples
            drawn += 1
        if n % regs.tau_x == 0 or n % regs.tau_theta == 0:
            rows += [(C0, n, idx, sample)] * (latency + 1)
        rows += [(PERT, n, idx, sample)] * (latency + 1) + [(CORR, n, idx, sample)]
        if (n + 1) % regs.tau_p == 0:
            idx = (idx + 1) % period if period else 0
    rows.append((DONE, regs.steps, idx, sample))
    return rows


@settings(max_examples=30)
@given(
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(0, 4),
    st.integers(1, 6),
    st.integers(0, 3),
    st.integers(1, 6),
    st.sampled_from([None, 1, 3, 4, 16]),
    st.sampled_from(["cyclic", "random"]),
)
def test_random_registers_follow_the_phase_table(tx, tp, tt, seed, steps, latency, n_samples, period, order):
    regs = Registers(tau_x=tx, tau_p=tp, tau_theta=tt, seed=seed, steps=steps)
    want = _table(regs, latency, period, n_samples, order)
    t = simulate(Controller(latency, n_samples, period, DEFAULT_FORMATS, order), regs, len(want) + 1)
    got = list(zip(t["phase"], t["step"], t["index"], t["sample"], strict=True))
    assert got[:-1] == want
    assert got[-1] == want[-1]  # done holds
    assert t["done"] == [int(p == DONE) for p, *_ in got]


@pytest.mark.parametrize("order,kind", [("random", "walsh"), ("cyclic", "sequential"), ("random", "code")])
def test_against_the_golden_schedule_model_with_a_restart(order, kind):
    """Two runs with different registers, the second started in the done phase of the first."""
    config = MGDConfig(
        dataset="xor", eta=0.5, dtheta=2**-4, init_scale=2.0, seeds=1, sample_order=order, perturbation=kind
    )
    model = FixedMGD(config, hw_seed=0)
    latency = 2
    first = Registers(tau_x=2, tau_p=3, tau_theta=2, eta=model.eta, dtheta_shift=5, seed=3, steps=5)
    second = Registers(tau_x=3, tau_p=1, tau_theta=4, eta=model.eta, dtheta_shift=3, seed=1, steps=4)
    golden = ScheduleModel(model, first, latency).run(90, starts={0: first, 50: second})
    assert golden["phase"][49] == DONE and golden["phase"][-1] == DONE  # both runs finished inside the window
    dut = Controller(latency, len(model.x), model.codes.index_period, DEFAULT_FORMATS, order)
    t = simulate(dut, first, 90, starts=(0, 50), changes={50: second})
    for name in ("phase", "step", "sample", "index", "done"):
        assert t[name] == golden[name].tolist(), name


@pytest.mark.parametrize("fmts", [DEFAULT_FORMATS, COMPACT_FORMATS], ids=["default", "compact"])
def test_dtheta_is_two_to_the_minus_k_in_theta_lsb(fmts):
    dut = Controller(1, 4, None, fmts)
    frac = fmts.theta.frac
    shifts = list(range(32))
    got = {}

    async def bench(ctx):
        for k in shifts:
            ctx.set(_reg(dut, "dtheta_shift"), k)
            got[k] = ctx.get(dut.dtheta)

    sim = Simulator(dut)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()
    assert got == {k: 2 ** (frac - k) if k <= frac else 0 for k in shifts}


def test_stop_ends_a_run_early_and_start_runs_again():
    regs = Registers(tau_x=1, tau_p=1, tau_theta=1, seed=0, steps=100)
    dut = Controller(0, 3, None, DEFAULT_FORMATS)
    # a stop while idle does nothing; a stop in step 2 goes to done at the next edge; start reloads from step 0
    t = simulate(dut, regs, 30, starts=(2, 20), stops=(0, 1, 13))
    p = t["phase"]
    assert p[:3] == [IDLE, IDLE, IDLE] and p[3] == LOAD
    assert p[13] != DONE and p[14:21] == [DONE] * 7 and p[21] == LOAD and p[22] == BEGIN
    assert t["step"][14] == t["step"][13] and t["step"][13] > 0 and t["step"][22] == 0
    assert t["sample"][23] == 0  # the cyclic order restarts too


def test_unknown_order_is_refused():
    with pytest.raises(ValueError, match="order must be one of cyclic, random"):
        Controller(1, 4, None, DEFAULT_FORMATS, "shuffled")
