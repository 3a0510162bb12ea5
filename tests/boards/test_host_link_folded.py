"""The host link with the folded trainer behind it (``mgd build --lanes L``), in simulation behind the bit-level UART
model: a run started over the link and a run on a θ₀ and dataset loaded over the link (into the single-port dataset
memory the iCEBreaker build has, empty at power-on), each equal bit for bit to the fixed-point model run
independently in numpy; θ is written and read by position (the layout the board describes in its registers), and
a θ read during a run is refused."""

import dataclasses

import numpy as np
import pytest

from mgd.boards import host_protocol as proto
from mgd.boards.board_trainer import BoardTrainer
from mgd.boards.host_driver import Board, DeviceError
from mgd.boards.platform_top import folded_board_options, xor_config
from mgd.golden_model.fixed_mgd import FixedMGD
from mgd.golden_model.folded_layout import FoldedLayout
from mgd.golden_model.folded_schedule import folded_cycles
from mgd.golden_model.formats import COMPACT_FORMATS

DIVISOR = 4
FMTS = COMPACT_FORMATS


def board(steps, lanes, **options):
    from mgd.sim.uart_model import SimulatedBoard

    dut = BoardTrainer(xor_config(steps), FMTS, divisor=DIVISOR, **folded_board_options(lanes, 1), **options)
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
    """XOR 2-2-1 on 2 lanes, τθ = 4 written over the link, 300 steps: the board describes its layout (lanes,
    network, θ range: positions); a θ read during the run answers busy; θ read back by position after it, C, C₀
    and the accuracy counters equal FixedMGD's; the cycle counter is the folded schedule's count less the idle
    cycle that saw the start. An address past the positions is unmapped."""
    dut, b = board(300, 2)
    info = b.info()
    layout = FoldedLayout(dut.model.mlp, 2)
    assert (info.lanes, info.hidden, info.param_order) == (2, (2,), "authors")
    assert (info.n_params, info.theta_range) == (9, layout.positions)
    assert np.array_equal(b.theta_addresses(), layout.position)
    with pytest.raises(DeviceError, match="bad_addr"):
        b.read(proto.THETA_BASE + layout.positions)
    b.configure(tau_theta=4)
    b.start()
    with pytest.raises(DeviceError, match="busy"):  # the passes have the θ memory's read port
        b.read(proto.THETA_BASE)
    st = b.wait_done(timeout=0.1, poll=1e-3)
    model = golden_run(dut, 300, tau_theta=4)
    assert st["step"] == 300 and st["done"]
    assert np.array_equal(b.read_theta(), model.theta[0])
    assert (st["cost"], st["c0"]) == (int(model.cost[0]), int(model.c0[0]))
    assert (st["correct"], st["seen"]) == (int(model.correct[0]), model.seen)
    regs = dataclasses.replace(dut.registers, tau_theta=4, steps=300)
    assert st["cycles"] == folded_cycles(regs, dut.trainer.timing) - 1


def test_loaded_theta0_and_dataset_train_bit_exactly_from_an_empty_single_port_memory():
    """3 lanes (2 lane bits: positions with no lane, an idle lane in each layer), the dataset memory single-port
    and empty at power-on (the iCEBreaker build's): θ₀ from another seed and XNOR targets loaded over the link,
    then 60 steps: θ, C and the accuracy counters are FixedMGD's."""
    dut, b = board(60, 3, single_port_dataset=True, dataset_init=False)
    assert dut.trainer.dataset.single_port and not dut.trainer.dataset.initialised
    theta0 = FMTS.theta.quantize(dut.model.mlp.init_theta(1, 123, 2.0))[0]
    x = dut.model.x
    y = FMTS.act.quantize(1.0) - dut.model.y  # XNOR
    b.load_theta0(theta0)
    b.load_dataset(x, y)
    b.start()
    st = b.wait_done(timeout=0.05, poll=1e-3)
    model = golden_run(dut, 60, theta0=theta0, x=x, y=y)
    assert st["step"] == 60
    assert np.array_equal(b.read_theta(), model.theta[0])
    assert (st["correct"], st["seen"], st["cost"]) == (int(model.correct[0]), model.seen, int(model.cost[0]))
