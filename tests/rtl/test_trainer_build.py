"""A configuration made hardware: one network, its registers from the fixed-point model, and the cycle bound."""

import dataclasses

import pytest
from amaranth.hdl import Fragment

from mgd.golden_model.config import ConfigError, MGDConfig
from mgd.golden_model.fixed_mgd import FixedMGD
from mgd.golden_model.formats import COMPACT_FORMATS
from mgd.golden_model.hardware_seed import hardware_seed
from mgd.golden_model.schedule import Registers, ScheduleModel, step_cycles
from mgd.rtl.trainer_build import build, max_cycles

XOR = MGDConfig(dataset="xor", eta=0.5, dtheta=2**-4, init_scale=2.0, steps=7, seeds=1, seed=3, tau_theta=2)


def _used(b):
    Fragment.get(b.trainer, None)  # a built trainer is elaborated in every test (Amaranth warns otherwise)
    return b


def test_build_refuses_more_than_one_network():
    with pytest.raises(ConfigError, match="seeds must be 1"):
        build(XOR.replace(seeds=2))


def test_registers_are_the_configs_with_the_models_eta_and_seed():
    b = _used(build(XOR, COMPACT_FORMATS))
    model = FixedMGD(XOR, COMPACT_FORMATS)
    expected = Registers(
        tau_x=1,
        tau_p=1,
        tau_theta=2,
        eta=int(model.eta),
        dtheta_shift=4,  # Δθ = 2^-4
        seed=hardware_seed(3),  # initialisation 0 of base seed 3
        steps=7,
        eta_width=COMPACT_FORMATS.eta.width,
    )
    assert b.regs == expected
    assert b.trainer.fmts is COMPACT_FORMATS and b.model.mlp.n_params == 9


def test_an_explicit_seed_register_reaches_the_registers():
    b = _used(build(XOR, hw_seed=11))
    assert b.regs.seed == 11 and b.model.hw_seeds.tolist() == [11]


@pytest.mark.parametrize("tau_x, tau_theta", [(1, 1), (1, 2), (3, 5)])
def test_max_cycles_bounds_the_golden_run_and_is_exact_when_every_step_measures_c0(tau_x, tau_theta):
    cfg = XOR.replace(tau_x=tau_x, tau_theta=tau_theta)
    b = _used(build(cfg, hw_seed=4))
    L = b.trainer.latency
    bound = max_cycles(b.regs, L)
    run = ScheduleModel(b.model, b.regs, L).run_until_done(bound + 2)
    done_cycle = int(run["done"].argmax())  # the first cycle showing done
    assert run["done"][done_cycle] and done_cycle <= bound
    if tau_x == 1:  # every step measures C₀: start, load, seed cycles, then steps × the longest step
        assert done_cycle == 2 + b.regs.seed + b.regs.steps * step_cycles(L, True)
    assert max_cycles(dataclasses.replace(b.regs, steps=b.regs.steps + 1), L) - bound == step_cycles(L, True)
