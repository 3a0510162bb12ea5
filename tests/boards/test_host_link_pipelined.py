"""The host link with the pipelined trainer behind it (``mgd build --pipelined``), in simulation behind the bit-level
UART model: a run started over the link, and a run on a θ₀ and dataset loaded over the link, each equal bit for bit
to the fixed-point model run independently in numpy; the cycle count is the pipelined schedule's."""

import numpy as np

from mgd.boards.board_trainer import BoardTrainer
from mgd.boards.host_driver import Board
from mgd.boards.platform_top import PIPELINED_BOARD_OPTIONS, xor_config
from mgd.golden_model.fixed_mgd import FixedMGD
from mgd.golden_model.formats import COMPACT_FORMATS
from mgd.golden_model.pipeline_schedule import pipelined_cycles
from mgd.sim.uart_model import SimulatedBoard

DIVISOR = 4
FMTS = COMPACT_FORMATS


def board(steps):
    dut = BoardTrainer(xor_config(steps), FMTS, divisor=DIVISOR, **PIPELINED_BOARD_OPTIONS)
    return dut, Board(SimulatedBoard(dut, DIVISOR), timeout=2e-3, retries=0)


def golden_run(dut, steps, tau_theta=1, theta0=None, x=None, y=None):
    cfg = dut.config.replace(steps=steps, tau_theta=tau_theta)
    theta0 = None if theta0 is None else FMTS.theta.real(np.asarray(theta0))[None]
    model = FixedMGD(cfg, FMTS, theta0=theta0, hw_seed=dut.registers.seed)
    if x is not None:
        model.x, model.y = np.asarray(x), np.asarray(y)
    for _ in range(steps):
        model.step()
    return model


def test_a_run_started_over_the_link_matches_the_golden_model():
    """τθ = 4 written over the link, 40 steps: θ, C, C₀ and the accuracy counters equal FixedMGD's; the board's
    cycle counter (the cycles of the run: load to the last retire) is the pipelined schedule's index of the first
    done cycle less the idle cycle that saw the start."""
    dut, b = board(40)
    assert dut.trainer.timing.retire > 4
    b.configure(tau_theta=4)
    b.start()
    st = b.wait_done(timeout=0.05, poll=2e-4)
    model = golden_run(dut, 40, tau_theta=4)
    assert st["step"] == 40 and st["done"]
    assert np.array_equal(b.read_theta(), model.theta[0])
    assert (st["cost"], st["c0"]) == (int(model.cost[0]), int(model.c0[0]))
    assert (st["correct"], st["seen"]) == (int(model.correct[0]), model.seen)
    regs = dut.registers.__class__.for_formats(FMTS, **{**b.registers(), "steps": 40})
    assert st["cycles"] == pipelined_cycles(regs, dut.trainer.timing) - 1


def test_loaded_theta0_and_dataset_train_bit_exactly():
    """θ₀ from another seed and XNOR targets (still 0 or 1: the narrow dataset memory holds them), then 30 steps."""
    dut, b = board(30)
    theta0 = FMTS.theta.quantize(dut.model.mlp.init_theta(1, 123, 2.0))[0]
    x = dut.model.x
    y = FMTS.act.quantize(1.0) - dut.model.y  # XNOR
    b.load_theta0(theta0)
    b.load_dataset(x, y)
    b.start()
    st = b.wait_done(timeout=0.05, poll=2e-4)
    model = golden_run(dut, 30, theta0=theta0, x=x, y=y)
    assert np.array_equal(b.read_theta(), model.theta[0])
    assert (st["correct"], st["seen"], st["cost"]) == (int(model.correct[0]), model.seen, int(model.cost[0]))
