"""The cycle schedule (golden_model/schedule.py): the runtime registers' range checks, ``step_cycles``, and
:class:`ScheduleModel` runs whose phase, step, index and sample sequences are derived from the phase table of the
module docstring (by hand for one tiny run, by a separate generator of the table's rules for random registers),
and whose per-step arithmetic equals :class:`FixedMGD` stepped the same number of times. (Out-of-range registers
through the CLI are in tests/test_bad_input.py; the RTL trainer against this model in tests/rtl/test_trainer.py.)"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mgd.golden_model.config import ConfigError, MGDConfig
from mgd.golden_model.fixed_mgd import FixedMGD
from mgd.golden_model.formats import COMPACT_FORMATS, DEFAULT_FORMATS
from mgd.golden_model.sample_order import sample_indices
from mgd.golden_model.schedule import PHASES, TRACE_SIGNALS, Registers, ScheduleModel, step_cycles

IDLE, LOAD, SEED, BEGIN, C0, PERT, CORR, DONE = range(8)


def test_phase_codes():
    assert PHASES == {
        "idle": IDLE,
        "load": LOAD,
        "seed": SEED,
        "begin": BEGIN,
        "c0": C0,
        "pert": PERT,
        "correlate": CORR,
        "done": DONE,
    }
    assert max(PHASES.values()) < 8  # the controller's phase output is 3 bits


# ----------------------------------------------------------------------------------------------- Registers

WIDTHS = {"tau_x": 16, "tau_p": 16, "tau_theta": 16, "dtheta_shift": 5, "seed": 16, "steps": 32}
LOWS = {"tau_x": 1, "tau_p": 1, "tau_theta": 1, "eta": 0, "dtheta_shift": 0, "seed": 0, "steps": 1}


@pytest.mark.parametrize("name", list(LOWS))
def test_every_register_accepts_its_port_range_and_nothing_else(name):
    width = WIDTHS.get(name, DEFAULT_FORMATS.eta.width)
    low, high = LOWS[name], 2**width - 1
    assert Registers.range(name) == (low, high)
    assert getattr(Registers(**{name: low}), name) == low
    assert getattr(Registers(**{name: high}), name) == high
    value = getattr(Registers(**{name: np.int64(high)}), name)
    assert value == high and type(value) is int  # numpy integers are stored as int
    for bad in (low - 1, high + 1, float(low), True):
        with pytest.raises(ConfigError, match=f"register {name} must be an integer in \\[{low}, {high}\\]"):
            Registers(**{name: bad})


def test_eta_port_follows_the_format_set():
    narrow = COMPACT_FORMATS.replace(eta=COMPACT_FORMATS.eta.__class__(10, 4, signed=False))
    r = Registers.for_formats(narrow, eta=1023)
    assert r.eta_width == 10 and r.eta == 1023
    with pytest.raises(ConfigError, match=r"register eta must be an integer in \[0, 1023\]"):
        Registers.for_formats(narrow, eta=1024)
    assert Registers.range("eta", 3) == (0, 7)
    assert Registers.check("seed", 7) == 7
    for bad in (0, 33, True, 8.0):
        with pytest.raises(ConfigError, match="eta_width"):
            Registers(eta_width=bad)
    with pytest.raises(ConfigError, match="not a runtime register"):
        Registers.check("gain", 1)


def test_defaults_and_names():
    r = Registers()
    assert (r.tau_x, r.tau_p, r.tau_theta, r.eta, r.dtheta_shift, r.seed, r.steps) == (1, 1, 1, 0, 4, 0, 1)
    assert Registers.NAMES == tuple(LOWS)


@pytest.mark.parametrize("latency", [0, 1, 2, 5])
def test_step_cycles(latency):
    """begin + (L + 1) pert + correlate, plus L + 1 cycles of c0 when C₀ is measured."""
    assert step_cycles(latency, False) == 1 + (latency + 1) + 1
    assert step_cycles(latency, True) == 1 + 2 * (latency + 1) + 1


# ------------------------------------------------------------------------------------------- ScheduleModel


def _model(**change):
    config = MGDConfig(
        dataset="xor",
        eta=0.5,
        dtheta=2**-4,
        init_scale=2.0,
        seeds=1,
        sample_order="cyclic",
        perturbation="sequential",
    ).replace(**change)
    return config


def test_tiny_run_by_hand():
    """τx = 2, τp = 2, τθ = 3, seed 2, 4 steps, L = 1, sequential code (index period 9), cyclic order (N = 4).
    Step n measures C₀ when n mod 2 = 0 or n mod 3 = 0: steps 0, 2, 3, not 1. The index advances in both seed
    cycles and after steps 1 and 3 (n + 1 mod τp = 0); θ updates once, after step 2."""
    config = _model(tau_x=2, tau_p=2, tau_theta=3)
    model = FixedMGD(config, hw_seed=2)
    regs = Registers(tau_x=2, tau_p=2, tau_theta=3, eta=model.eta, dtheta_shift=model.k, seed=2, steps=4)
    trace = ScheduleModel(model, regs, 1).run_until_done(100)
    with_c0 = [BEGIN, C0, C0, PERT, PERT, CORR]
    without = [BEGIN, PERT, PERT, CORR]
    phases = [IDLE, LOAD, SEED, SEED] + with_c0 + without + with_c0 + with_c0 + [DONE]
    assert trace["phase"].tolist() == phases
    assert len(phases) == 4 + 3 * step_cycles(1, True) + step_cycles(1, False) + 1
    assert trace["step"].tolist() == [0] * 10 + [1] * 4 + [2] * 6 + [3] * 6 + [4]
    assert trace["index"].tolist() == [0, 0, 0, 1] + [2] * 10 + [3] * 12 + [4]
    assert trace["sample"].tolist() == [0] * 15 + [1] * 12  # drawn in the begin cycles of steps 0 and 2
    assert trace["done"].tolist() == [0] * 26 + [1]
    assert set(TRACE_SIGNALS) <= set(trace)
    # C₀ changes only at the edges ending a c0 phase, C only at those ending a pert phase
    c0_edges = {c + 1 for c in range(26) if phases[c] == C0 and phases[c + 1] == PERT}
    cost_edges = {c + 1 for c in range(26) if phases[c] == PERT and phases[c + 1] == CORR}
    assert c0_edges == {7, 17, 23} and cost_edges == {9, 13, 19, 25}
    for c in range(1, 27):
        if c not in c0_edges:
            assert trace["c0"][c] == trace["c0"][c - 1]
        if c not in cost_edges:
            assert trace["cost"][c] == trace["cost"][c - 1]
        if c in cost_edges:
            assert trace["c_tilde"][c] == trace["cost"][c] - trace["c0"][c]
        else:
            assert trace["c_tilde"][c] == trace["c_tilde"][c - 1]
    # θ is θ₀ from the load until the update at the end of step 2's correlate; G is cleared there
    theta0 = model.theta0[0]
    assert np.array_equal(trace["theta"][1], np.zeros(9))  # before the load
    for c in range(2, 20):
        assert np.array_equal(trace["theta"][c], theta0)
    assert np.array_equal(trace["g"][20], np.zeros(9))
    # the sequential code pulses synapse index mod 9
    for c in range(27):
        assert trace["code"][c].tolist() == [int(i == trace["index"][c]) * trace["code"][c].max() for i in range(9)]
    # per step, the arithmetic is FixedMGD's with the same seed register
    after_step = [10, 14, 20, 26]
    for c in after_step:
        model.step()
        assert trace["cost"][c] == model.cost[0] and trace["c0"][c] == model.c0[0]
        assert trace["broadcast"][c] == model.bcast[0]
        assert np.array_equal(trace["g"][c], model.G[0]) and np.array_equal(trace["theta"][c], model.theta[0])
    assert not np.array_equal(model.theta[0], theta0)  # the update did something


def _table(regs, latency, period):
    """Phase, step and index per cycle from the docstring's table, for a start pulse in cycle 0."""
    phases, steps, index = [IDLE, LOAD], [0, 0], [0, 0]
    idx = 0
    for _ in range(regs.seed):
        phases.append(SEED)
        steps.append(0)
        index.append(idx)
        idx = (idx + 1) % period
    for n in range(regs.steps):
        c0 = n % regs.tau_x == 0 or n % regs.tau_theta == 0
        block = [BEGIN] + [C0] * (latency + 1) * c0 + [PERT] * (latency + 1) + [CORR]
        phases += block
        steps += [n] * len(block)
        index += [idx] * len(block)
        if (n + 1) % regs.tau_p == 0:
            idx = (idx + 1) % period
    return phases + [DONE], steps + [regs.steps], index + [idx]


@settings(max_examples=25)
@given(
    st.integers(1, 4),
    st.integers(1, 4),
    st.integers(1, 4),
    st.integers(0, 5),
    st.integers(1, 7),
    st.integers(0, 3),
    st.sampled_from(["sequential", "walsh"]),
)
def test_random_registers_follow_the_phase_table(tx, tp, tt, seed, steps, latency, kind):
    model = FixedMGD(_model(perturbation=kind, sample_order="random"), hw_seed=seed)
    regs = Registers(tau_x=tx, tau_p=tp, tau_theta=tt, eta=model.eta, dtheta_shift=4, seed=seed, steps=steps)
    trace = ScheduleModel(model, regs, latency).run_until_done(10_000)
    phases, step, index = _table(regs, latency, model.codes.index_period)
    assert trace["phase"].tolist() == phases
    assert trace["step"].tolist() == step
    assert trace["index"].tolist() == index
    n_c0 = sum(n % tx == 0 or n % tt == 0 for n in range(steps))
    assert len(phases) == 3 + seed + n_c0 * step_cycles(latency, True) + (steps - n_c0) * step_cycles(latency, False)
    # the sample visible after each begin with n mod τx = 0 is the next address of the random order
    drawn = [trace["sample"][c + 1] for c in range(len(phases) - 1) if phases[c] == BEGIN and step[c] % tx == 0]
    assert drawn == sample_indices("random", 4, len(drawn), seed=seed).tolist()


def test_a_second_start_after_done_reloads_theta_and_restarts():
    config = _model(perturbation="code")
    model = FixedMGD(config, hw_seed=0)
    regs = Registers(tau_x=1, tau_p=1, tau_theta=1, eta=model.eta, dtheta_shift=model.k, seed=0, steps=2)
    first = 2 + 2 * step_cycles(1, True)  # idle, load, two steps: done in this cycle
    sched = ScheduleModel(model, regs, 1)
    trace = sched.run(first + 8, starts={0: regs, first + 2: regs.__class__(**{**regs.__dict__, "steps": 1})})
    p = trace["phase"].tolist()
    assert p[first : first + 3] == [DONE, DONE, DONE]  # done holds without a start
    assert p[first + 3 : first + 5] == [LOAD, BEGIN]
    assert trace["step"][first + 2] == 2 and trace["step"][first + 4] == 0
    model.step()
    model.step()
    assert np.array_equal(trace["theta"][first], model.theta[0])  # two steps of FixedMGD
    assert not np.array_equal(trace["theta"][first], model.theta0[0])
    assert np.array_equal(trace["theta"][first + 4], model.theta0[0])
    assert sched.regs.steps == 1


@pytest.mark.parametrize("shift,want", [(0, 1 << 14), (4, 1 << 10), (14, 1), (15, 0), (31, 0)])
def test_dtheta_in_theta_lsb(shift, want):
    model = FixedMGD(_model())
    assert ScheduleModel(model, Registers(dtheta_shift=shift), 1).dtheta == want
