"""The host driver against the XOR board top in simulation, behind the bit-level UART model.

Round trips, back-to-back requests, refused requests, and garbage / truncated / bad-CRC frames, each followed by a
check that the trainer's state (registers, θ₀, θ, counters) is unchanged; training runs loaded over the link are
compared bit for bit with the fixed-point golden model (:class:`FixedMGD`), run independently in numpy.
"""

import numpy as np
import pytest

from mgd.boards import host_protocol as proto
from mgd.boards.board_trainer import BoardTrainer
from mgd.boards.host_driver import Board, DeviceError, LinkError
from mgd.boards.platform_top import xor_config
from mgd.golden_model.fixed_mgd import FixedMGD
from mgd.golden_model.formats import COMPACT_FORMATS
from mgd.golden_model.schedule import step_cycles
from mgd.sim.uart_model import SimulatedBoard

DIVISOR = 4
FMTS = COMPACT_FORMATS


def board(steps=40):
    dut = BoardTrainer(xor_config(steps), FMTS, divisor=DIVISOR)
    line = SimulatedBoard(dut, DIVISOR)
    # timeouts in simulated seconds (1 µs per cycle): a response takes ~70 bit periods = 280 µs
    return dut, line, Board(line, timeout=2e-3, retries=0)


def snapshot(b: Board) -> dict:
    return {"registers": b.registers(), "theta": b.read_theta().tolist(), "status": b.status()}


def golden_run(dut, steps, theta0=None, x=None, y=None):
    """The fixed-point model of the same network, with what the host loaded."""
    cfg = dut.config.replace(steps=steps)
    model = FixedMGD(
        cfg,
        FMTS,
        theta0=None if theta0 is None else FMTS.theta.real(np.asarray(theta0))[None],
        hw_seed=dut.registers.seed,
    )  # the board's seed register (power-on value 0)
    if x is not None:
        model.x, model.y = np.asarray(x), np.asarray(y)
    for _ in range(steps):
        model.step()
    return model


# ------------------------------------------------------------------ protocol (pure Python)


def test_crc8_matches_the_catalogue_check_value():
    assert proto.crc8(b"123456789") == 0xF4  # CRC-8/SMBUS check value (reveng catalogue)


def test_frames_round_trip_and_malformed_responses_are_refused():
    assert proto.parse_response(proto.response(0, 0xDEADBEEF)) == (0, 0xDEADBEEF)
    frame = bytearray(proto.response(0, 5))
    frame[3] ^= 1
    with pytest.raises(proto.ProtocolError, match="CRC"):
        proto.parse_response(bytes(frame))
    with pytest.raises(proto.ProtocolError, match="bytes"):
        proto.parse_response(frame[:5])
    assert len(proto.request(proto.OP_WRITE, 0x20, -1)) == proto.REQUEST_BYTES
    with pytest.raises(ValueError):
        proto.request(proto.OP_WRITE, 0x1_0000)


# ------------------------------------------------------------------ round trips


def test_identification_and_registers_read_back():
    dut, line, b = board()
    info = b.info()
    assert (info.n_params, info.n_samples, info.n_in, info.n_out) == (9, 4, 2, 1)
    assert (info.theta_width, info.theta_frac, info.act_width, info.act_frac) == (16, 12, 10, 7)
    assert b.registers() == {k: getattr(dut.registers, k) for k in b.registers()}
    b.configure(tau_x=3, tau_p=2, tau_theta=5, eta=123, dtheta_shift=6, seed=7, steps=99)
    assert b.registers() == {
        "tau_x": 3,
        "tau_p": 2,
        "tau_theta": 5,
        "eta": 123,
        "dtheta_shift": 6,
        "seed": 7,
        "steps": 99,
    }


def test_a_run_started_over_the_link_matches_the_golden_model():
    dut, line, b = board(steps=40)
    b.start()
    st = b.wait_done(timeout=0.05, poll=2e-4)
    model = golden_run(dut, 40)
    assert st["step"] == 40 and st["done"]
    assert np.array_equal(b.read_theta(), model.theta[0])
    assert (st["cost"], st["c0"]) == (int(model.cost[0]), int(model.c0[0]))
    assert (st["correct"], st["seen"]) == (int(model.correct[0]), model.seen)
    # the golden schedule: 1 load cycle, then every step measures C₀ (τ's = 1)
    assert st["cycles"] == 1 + 40 * step_cycles(dut.trainer.latency, True)


def test_loaded_theta0_and_dataset_train_bit_exactly():
    """θ₀ from another seed and XNOR targets, loaded over the link; then 60 steps."""
    dut, line, b = board(steps=60)
    theta0 = FMTS.theta.quantize(dut.model.mlp.init_theta(1, 123, 2.0))[0]
    x = dut.model.x
    y = FMTS.act.quantize(1.0) - dut.model.y  # XNOR
    b.load_theta0(theta0)
    b.load_dataset(x, y)
    b.start()
    st = b.wait_done(timeout=0.05, poll=2e-4)
    model = golden_run(dut, 60, theta0=theta0, x=x, y=y)
    assert np.array_equal(b.read_theta(), model.theta[0])
    assert (st["correct"], st["seen"], st["cost"]) == (int(model.correct[0]), model.seen, int(model.cost[0]))


def test_back_to_back_requests_are_all_answered_in_order():
    dut, line, b = board()
    names = ["tau_x", "tau_p", "tau_theta", "eta", "dtheta_shift", "seed", "steps"]
    writes = [(proto.OP_WRITE, proto.REGISTERS[n][0], v) for n, v in zip(names, [2, 3, 4, 50, 5, 6, 77], strict=True)]
    reads = [(proto.OP_READ, proto.REGISTERS[n][0], 0) for n in names]
    answers = b.pipeline(writes + reads + [(proto.OP_READ, proto.REGISTERS["id"][0], 0)])
    assert [s for s, _ in answers] == [0] * 15
    assert [v for _, v in answers[7:14]] == [2, 3, 4, 50, 5, 6, 77]
    assert answers[14][1] == proto.ID_MAGIC


# ------------------------------------------------------------------ bad frames: rejected, state intact


def test_garbage_truncated_and_bad_crc_frames_leave_the_state_intact():
    dut, line, b = board(steps=30)
    b.configure(steps=30)
    before = snapshot(b)
    # garbage without a sync byte: dropped, no answer
    line.write(bytes([0x00, 0xFF, 0x13, 0xA5, 0x42]))
    assert line.read(1, timeout=1e-3) == b""
    # a truncated write of steps = 5: no answer, abandoned after the timeout
    line.write(proto.request(proto.OP_WRITE, proto.REGISTERS["steps"][0], 5)[:6])
    assert line.read(1, timeout=1e-3) == b""
    # a write of tau_x = 9 with one bit flipped in the CRC, and one with a flipped data bit
    good = proto.request(proto.OP_WRITE, proto.REGISTERS["tau_x"][0], 9)
    for flip in (8, 5):
        bad = bytearray(good)
        bad[flip] ^= 0x10
        line.write(bytes(bad))
        assert proto.parse_response(line.read(proto.RESPONSE_BYTES, 2e-3)) == (proto.STATUS["bad_crc"], 0)
    # a frame whose sync byte is followed by a start of garbage and then silence (a cut-off frame)
    line.write(bytes([proto.SYNC_REQUEST, 0x01]))
    line.idle(1e-3)
    assert snapshot(b) == before
    # the trainer still trains exactly as the golden model says
    b.start()
    st = b.wait_done(timeout=0.05, poll=2e-4)
    model = golden_run(dut, 30)
    assert np.array_equal(b.read_theta(), model.theta[0]) and st["step"] == 30


def test_refused_requests_name_their_reason_and_change_nothing():
    dut, line, b = board()
    before = snapshot(b)
    cases = [
        (proto.OP_WRITE, proto.REGISTERS["tau_x"][0], 0, "bad_value"),
        (proto.OP_WRITE, proto.REGISTERS["tau_theta"][0], 1 << 16, "bad_value"),
        (proto.OP_WRITE, proto.REGISTERS["steps"][0], 0, "bad_value"),
        (proto.OP_WRITE, proto.REGISTERS["dtheta_shift"][0], FMTS.theta.frac + 1, "bad_value"),
        (proto.OP_WRITE, proto.REGISTERS["eta"][0], 1 << FMTS.eta.width, "bad_value"),
        (proto.OP_WRITE, proto.REGISTERS["sample"][0], 4, "bad_value"),
        (proto.OP_WRITE, proto.THETA_BASE + 2, FMTS.theta.max + 1, "bad_value"),
        (proto.OP_WRITE, proto.THETA_BASE + 2, FMTS.theta.min - 1, "bad_value"),
        (proto.OP_WRITE, proto.DATASET_BASE + 1, FMTS.act.max + 1, "bad_value"),
        (proto.OP_WRITE, proto.REGISTERS["control"][0], 8, "bad_value"),
        (proto.OP_WRITE, proto.THETA_BASE + 9, 0, "bad_addr"),  # only 9 synapses
        (proto.OP_WRITE, proto.DATASET_BASE + 3, 0, "bad_addr"),  # 3 values per sample
        (proto.OP_WRITE, proto.REGISTERS["step"][0], 1, "bad_addr"),  # read-only
        (proto.OP_READ, proto.REGISTERS["control"][0], 0, "bad_addr"),  # write-only
        (proto.OP_READ, 0x0FFF, 0, "bad_addr"),
        (0x07, proto.REGISTERS["id"][0], 0, "bad_op"),
    ]
    for op, addr, value, reason in cases:
        with pytest.raises(DeviceError, match=reason) as err:
            b.transact(op, addr, value)
        assert err.value.status == proto.STATUS[reason]
    assert snapshot(b) == before


def test_writes_during_a_run_are_busy_and_the_run_is_unaffected_then_stop_ends_a_run():
    dut, line, b = board(steps=1000)  # 8,000 cycles: a request/response takes ~640
    b.start()
    for name, value in (("tau_x", 2), ("eta", 1), ("steps", 5)):
        with pytest.raises(DeviceError, match="busy"):
            b.write(name, value)
    with pytest.raises(DeviceError, match="busy"):
        b.write(proto.THETA_BASE, 0)
    with pytest.raises(DeviceError, match="busy"):
        b.start()
    st = b.wait_done(timeout=0.05, poll=2e-4)
    assert np.array_equal(b.read_theta(), golden_run(dut, 1000).theta[0]) and st["step"] == 1000
    # a long run, stopped early: done, fewer steps, and a new start runs from θ₀ again
    b.configure(steps=100_000)
    b.start()
    b.stop()
    st = b.status()
    assert st["done"] and not st["running"] and 0 < st["step"] < 100_000
    b.configure(steps=60)
    b.start()
    b.wait_done(timeout=0.05, poll=2e-4)
    assert np.array_equal(b.read_theta(), golden_run(dut, 60).theta[0])


def test_the_driver_reports_silence_as_a_link_error():
    class Dead:
        def write(self, data):
            pass

        def read(self, n, timeout):
            return b""

        def idle(self, seconds):
            pass

    with pytest.raises(LinkError, match="no response"):
        Board(Dead(), retries=1).read("id")
    with pytest.raises(ValueError, match="unknown register"):
        Board(Dead()).read("nonsense")
