"""Host driver for a board running :class:`~.board_trainer.BoardTrainer`: frames, retries, and the operations a
user needs (load a dataset and θ₀, set the registers, start/stop, read progress and weights).

The driver talks to a *transport* with three methods: ``write(data: bytes)``, ``read(n: int, timeout: float) ->
bytes`` (up to ``n`` bytes, fewer on timeout) and ``idle(seconds: float)`` (let the line stay quiet).
:class:`SerialTransport` is a real serial port (pyserial); :class:`mgd.sim.uart_model.SimulatedBoard` is the
board top in an Amaranth simulation behind a bit-level UART model, which is how the driver is tested.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from mgd.golden_model.formats import DEFAULT_FORMATS

from . import host_protocol as proto

__all__ = ["Board", "BoardInfo", "LinkError", "DeviceError", "PortError", "SerialTransport"]


class LinkError(RuntimeError):
    """No response, or a malformed one (timeout, bad sync byte, CRC mismatch)."""


class PortError(ValueError):
    """The serial port cannot be opened (no such port, no permission, a baud rate it refuses): bad input."""


class DeviceError(RuntimeError):
    """The board answered a request with a status other than ok."""

    def __init__(self, status: int, op: int, addr: int, value: int):
        self.status, self.op, self.addr, self.value = status, op, addr, value
        name = proto.STATUS_NAMES.get(status, f"unknown status {status}")
        verb = "write" if op == proto.OP_WRITE else "read" if op == proto.OP_READ else f"op 0x{op:02x}"
        what = f" of {value}" if op == proto.OP_WRITE else ""
        super().__init__(f"board refused the {verb}{what} at 0x{addr:04x} ({_name_of(addr)}): {name}")


def _name_of(addr: int) -> str:
    for name, (a, _) in proto.REGISTERS.items():
        if a == addr:
            return name
    if proto.THETA_BASE <= addr < proto.DATASET_BASE:
        return f"theta[{addr - proto.THETA_BASE}]"
    if addr >= proto.DATASET_BASE:
        return f"dataset word {addr - proto.DATASET_BASE}"
    return "unmapped"


def _signed32(value: int) -> int:
    return value - (1 << 32) if value & (1 << 31) else value


@dataclass(frozen=True)
class BoardInfo:
    """The design's shape and formats, as its read-only registers report them. ``lanes``: the folded trainer's
    (0: a parallel trainer); ``hidden`` and ``param_order``: the network (``network`` register; ``None`` where the
    board does not describe it); ``theta_range``: the θ addresses (n_params, or the folded trainer's positions)."""

    n_params: int
    n_samples: int
    n_in: int
    n_out: int
    theta_width: int
    theta_frac: int
    act_width: int
    act_frac: int
    lanes: int = 0
    hidden: tuple[int, ...] | None = None
    param_order: str | None = None
    theta_range: int | None = None


class Board:
    """Operations on one board. Every method is one or more request/response exchanges; a refused request raises
    :class:`DeviceError` (nothing was changed on the board), a lost or corrupted response :class:`LinkError`
    after ``retries`` further attempts (reads are always safe to repeat; a write whose response was lost may
    already have happened, and repeating it is harmless for every register of the map)."""

    def __init__(
        self, transport, *, timeout: float = 0.5, retries: int = 2, eta_width: int = DEFAULT_FORMATS.eta.width
    ):
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout < float("inf"):
            raise ValueError(f"timeout must be a finite number of seconds > 0, got {timeout!r}")
        if isinstance(retries, bool) or not isinstance(retries, int) or not 0 <= retries <= 100:
            raise ValueError(f"retries must be an integer in [0, 100], got {retries!r}")
        self.transport, self.timeout, self.retries = transport, timeout, retries
        self.eta_width = eta_width  # the η register's width: the design's fmts.eta.width (16 in both board tops)
        self._info: BoardInfo | None = None

    # ---------------------------------------------------------------- frames

    def _resync(self):
        """Let the board drop any half-received frame (its timeout), then drop stale bytes."""
        self.transport.idle(self.timeout)
        self.transport.read(1 << 16, 0)

    def transact(self, op: int, addr: int, value: int = 0) -> int:
        """One request; returns the response's value (unsigned 32-bit)."""
        frame = proto.request(op, addr, value)
        last = None
        for _ in range(self.retries + 1):
            self.transport.write(frame)
            answer = self.transport.read(proto.RESPONSE_BYTES, self.timeout)
            try:
                if len(answer) < proto.RESPONSE_BYTES:
                    raise LinkError(
                        f"no response within {self.timeout} s ({len(answer)} of "
                        f"{proto.RESPONSE_BYTES} bytes: {answer.hex()})"
                    )
                status, data = proto.parse_response(answer)
            except (LinkError, proto.ProtocolError) as exc:
                last = exc
                self._resync()
                continue
            if status == proto.STATUS["bad_crc"]:  # our request was corrupted on the way: send it again
                last = LinkError("the board received a corrupted request (bad CRC)")
                continue
            if status != proto.STATUS["ok"]:
                raise DeviceError(status, op, addr, value)
            return data
        raise LinkError(f"request at 0x{addr:04x} failed after {self.retries + 1} attempts: {last}")

    def pipeline(self, requests: Iterable[tuple[int, int, int]]) -> list[tuple[int, int]]:
        """Send several requests back to back (one write), then collect their responses: ``[(status, value)]``.
        No retries and no status check: for throughput and for testing the link."""
        requests = list(requests)
        self.transport.write(b"".join(proto.request(*r) for r in requests))
        out = []
        for _ in requests:
            answer = self.transport.read(proto.RESPONSE_BYTES, self.timeout)
            if len(answer) < proto.RESPONSE_BYTES:
                raise LinkError(f"pipelined response {len(out)} missing ({answer.hex()})")
            out.append(proto.parse_response(answer))
        return out

    @staticmethod
    def address(name_or_addr) -> int:
        if isinstance(name_or_addr, str):
            if name_or_addr not in proto.REGISTERS:
                raise ValueError(f"unknown register {name_or_addr!r}; known: {', '.join(proto.REGISTERS)}")
            return proto.REGISTERS[name_or_addr][0]
        return int(name_or_addr)

    def read(self, name_or_addr) -> int:
        return self.transact(proto.OP_READ, self.address(name_or_addr))

    def write(self, name_or_addr, value: int) -> None:
        self.transact(proto.OP_WRITE, self.address(name_or_addr), int(value))

    # ------------------------------------------------------------ operations

    def info(self) -> BoardInfo:
        """The design's shape and formats (checks the identification register first)."""
        if self._info is None:
            magic = self.read("id")
            if magic != proto.ID_MAGIC:
                raise LinkError(f"not an MGD board: id register is 0x{magic:08x}, expected 0x{proto.ID_MAGIC:08x}")
            fm = self.read("formats")
            try:  # a bitstream from before the folded trainer has no lanes/network/theta_range registers
                lanes, network, theta_range = (self.read(k) for k in ("lanes", "network", "theta_range"))
            except DeviceError as exc:
                if exc.status != proto.STATUS["bad_addr"]:
                    raise
                lanes, network, theta_range = 0, 0xFFFFFFFF, None
            hidden = param_order = None
            if network != 0xFFFFFFFF:
                hidden, param_order = proto.parse_network_word(network)
            self._info = BoardInfo(
                self.read("n_params"),
                self.read("n_samples"),
                self.read("n_in"),
                self.read("n_out"),
                fm & 0xFF,
                fm >> 8 & 0xFF,
                fm >> 16 & 0xFF,
                fm >> 24 & 0xFF,
                lanes,
                hidden,
                param_order,
                theta_range,
            )
        return self._info

    def theta_addresses(self) -> np.ndarray:
        """The θ address offset (from :data:`~.host_protocol.THETA_BASE`) of every parameter: i on a parallel
        trainer, its position on the folded one (:class:`~mgd.golden_model.folded_layout.FoldedLayout` of the
        network the board describes, checked against its ``n_params`` and ``theta_range``)."""
        info = self.info()
        if info.lanes == 0:
            return np.arange(info.n_params, dtype=np.int64)
        from mgd.golden_model.folded_layout import FoldedLayout
        from mgd.golden_model.network import MLP

        if info.hidden is None:
            raise LinkError("the board reports lanes but no network: cannot map parameters to positions")
        mlp = MLP((info.n_in, *info.hidden, info.n_out), param_order=info.param_order)
        layout = FoldedLayout(mlp, info.lanes)
        if mlp.n_params != info.n_params or layout.positions != info.theta_range:
            raise LinkError(
                f"the board's network {mlp.layers} with {info.lanes} lanes has {mlp.n_params} parameters in "
                f"{layout.positions} positions; the board reports {info.n_params} in {info.theta_range}"
            )
        return layout.position.copy()

    def configure(self, registers=None, **values) -> None:
        """Write runtime registers: a :class:`~mgd.golden_model.schedule.Registers` and/or keyword values
        (tau_x, tau_p, tau_theta, eta, dtheta_shift, seed, steps). Every value is checked first, with the board's
        own rules (:func:`~.host_protocol.check_runtime_register`: the register's port range, Δθ shift ≤ θ's
        fraction bits): a bad one raises :class:`~mgd.golden_model.config.ConfigError` (a ``ValueError``) naming
        the register and its range, and nothing is written."""
        if registers is not None:
            values = {k: getattr(registers, k) for k in proto.RUNTIME_REGISTERS} | values
        for name in values:
            if name not in proto.RUNTIME_REGISTERS:
                raise ValueError(f"{name!r} is not a runtime register; registers: {', '.join(proto.RUNTIME_REGISTERS)}")
        theta_frac = self.info().theta_frac if "dtheta_shift" in values else 0
        checked = {
            name: proto.check_runtime_register(name, value, self.eta_width, theta_frac)
            for name, value in values.items()
        }
        for name, value in checked.items():
            self.write(name, value)

    def registers(self) -> dict:
        return {name: self.read(name) for name in proto.RUNTIME_REGISTERS}

    def load_theta0(self, theta0) -> None:
        """θ₀ as stored integers of θ's format (one per synapse, in parameter order; written at each parameter's
        address, :meth:`theta_addresses`)."""
        theta0 = np.asarray(theta0, dtype=np.int64).ravel()
        if len(theta0) != self.info().n_params:
            raise ValueError(f"theta0 must have {self.info().n_params} values, got {len(theta0)}")
        for a, v in zip(self.theta_addresses(), theta0, strict=True):
            self.write(proto.THETA_BASE + int(a), int(v))

    def read_theta(self) -> np.ndarray:
        """The current θ (stored integers, in parameter order), read through the readout port: while the trainer
        runs or not on a parallel trainer; on the folded one only while it is idle or done (a read during a run is
        refused with ``busy``: :class:`DeviceError`)."""
        return np.array(
            [_signed32(self.read(proto.THETA_BASE + int(a))) for a in self.theta_addresses()], dtype=np.int64
        )

    def load_dataset(self, x, targets, progress: bool = False) -> None:
        """The whole on-chip dataset, as stored integers of the act format: x (N, n_in), targets (N, n_out).

        Every value of every sample is written (what a single-port dataset memory needs: it stores whole words).
        Each sample's requests (the ``sample`` register, then its n_in + n_out values) go back to back
        (:meth:`pipeline`: at line rate); a sample whose responses are lost or not all ok is written again one
        request at a time, with retries (a refusal then raises :class:`DeviceError`)."""
        info = self.info()
        x, targets = np.asarray(x, dtype=np.int64), np.asarray(targets, dtype=np.int64)
        if x.shape != (info.n_samples, info.n_in) or targets.shape != (info.n_samples, info.n_out):
            raise ValueError(
                f"the board holds {info.n_samples} samples of {info.n_in} inputs and {info.n_out} "
                f"targets; got x {x.shape} and targets {targets.shape}"
            )
        rows = range(info.n_samples)
        if progress:
            from tqdm import tqdm

            rows = tqdm(rows, desc="dataset", unit="sample")
        sample_addr = proto.REGISTERS["sample"][0]
        for s in rows:
            requests = [(proto.OP_WRITE, sample_addr, s)] + [
                (proto.OP_WRITE, proto.DATASET_BASE + k, int(v))
                for k, v in enumerate(np.concatenate([x[s], targets[s]]))
            ]
            try:
                answers = self.pipeline(requests)
            except (LinkError, proto.ProtocolError):
                self._resync()
                answers = None
            if answers is None or any(status != proto.STATUS["ok"] for status, _ in answers):
                for op, addr, value in requests:
                    self.transact(op, addr, value)

    def start(self) -> None:
        self.write("control", proto.CONTROL_START)

    def stop(self) -> None:
        self.write("control", proto.CONTROL_STOP)

    def clear_counters(self) -> None:
        self.write("control", proto.CONTROL_CLEAR)

    def status(self) -> dict:
        """running, done, phase, step, cost, c0 (stored integers), correct, seen, cycles."""
        word = self.read("status")
        out = {
            "running": bool(word & proto.STATE_RUNNING),
            "done": bool(word & proto.STATE_DONE),
            "phase": word >> 4 & 7,
        }
        for name in ("step", "cost", "c0", "correct", "seen", "cycles"):
            out[name] = self.read(name)
        return out

    def wait_done(self, timeout: float, poll: float = 0.05) -> dict:
        """Poll until the run ends; returns :meth:`status`. ``timeout`` in the transport's seconds."""
        waited = 0.0
        while True:
            st = self.status()
            if not st["running"]:
                return st
            if waited >= timeout:
                raise LinkError(f"the run did not end within {timeout} s (step {st['step']})")
            self.transport.idle(poll)
            waited += poll


class SerialTransport:
    """A serial port (pyserial), e.g. the iCEBreaker's or ULX3S's FTDI UART: ``SerialTransport("/dev/ttyUSB1")``."""

    def __init__(self, port: str, baudrate: int = 115200):
        import serial

        try:
            self.port = serial.Serial(port, baudrate=baudrate, timeout=0)
        except (serial.SerialException, ValueError) as exc:  # no such port, no permission; a refused baud rate
            reason = os.strerror(exc.errno) if isinstance(getattr(exc, "errno", None), int) else str(exc)
            raise PortError(f"cannot open serial port {port!r} at {baudrate} baud: {reason}") from None

    def write(self, data: bytes) -> None:
        self.port.write(data)

    def read(self, n: int, timeout: float) -> bytes:
        deadline = time.monotonic() + timeout
        out = bytearray()
        while len(out) < n:
            out += self.port.read(n - len(out))
            if len(out) >= n or time.monotonic() >= deadline:
                break
            time.sleep(0.001)
        return bytes(out)

    def idle(self, seconds: float) -> None:
        time.sleep(seconds)

    def close(self) -> None:
        self.port.close()
