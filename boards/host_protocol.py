"""The host link's wire protocol: frames, checksum, status codes and the register map (spec of the RTL and the
driver; both import it, so they cannot disagree).

Every exchange is one request frame from the host and one response frame from the board, over a UART (8N1)::

    request  (9 bytes):  0x5A  op  addr[7:0] addr[15:8]  d[7:0] d[15:8] d[23:16] d[31:24]  crc
    response (7 bytes):  0xA5  status  d[7:0] d[15:8] d[23:16] d[31:24]  crc

``crc`` is CRC-8 (polynomial x⁸+x²+x+1 = 0x07, initial value 0, no reflection, no final XOR; the catalogue's
"CRC-8/SMBUS", check value 0xF4 for b"123456789") over every byte after the sync byte. ``op`` is
:data:`OP_WRITE` or :data:`OP_READ` (a read ignores ``d``). A write answers with ``d`` = 0, a read with the value.

What the board does with a bad frame (the trainer's state is never changed by one):

- a byte other than 0x5A while waiting for a frame: dropped;
- a frame whose CRC does not match: answered with ``STATUS["bad_crc"]``, nothing executed;
- a frame cut short (no byte for :data:`TIMEOUT_BIT_PERIODS` bit periods): dropped, no answer;
- an unknown op, an unmapped address, a value out of range, or a write while a run is going on (or, on the folded
  trainer, a θ read: :data:`THETA_BASE`): answered with ``bad_op``, ``bad_addr``, ``bad_value`` or ``busy``
  (:data:`STATUS`).
"""

from __future__ import annotations

from mgd.golden_model.schedule import Registers

__all__ = [
    "SYNC_REQUEST",
    "SYNC_RESPONSE",
    "OP_WRITE",
    "OP_READ",
    "REQUEST_BYTES",
    "RESPONSE_BYTES",
    "STATUS",
    "STATUS_NAMES",
    "REGISTERS",
    "RUNTIME_REGISTERS",
    "RUNTIME_BASE",
    "THETA_BASE",
    "DATASET_BASE",
    "ID_MAGIC",
    "PARAM_ORDERS",
    "network_word",
    "parse_network_word",
    "TIMEOUT_BIT_PERIODS",
    "CONTROL_START",
    "CONTROL_STOP",
    "CONTROL_CLEAR",
    "STATE_RUNNING",
    "STATE_DONE",
    "crc8",
    "crc8_update",
    "request",
    "response",
    "parse_response",
    "ProtocolError",
    "runtime_register_range",
    "check_runtime_register",
]

SYNC_REQUEST = 0x5A
SYNC_RESPONSE = 0xA5
OP_WRITE = 0x01
OP_READ = 0x02
REQUEST_BYTES = 9
RESPONSE_BYTES = 7

#: a frame is abandoned when no byte arrives for this many bit periods (4 byte times)
TIMEOUT_BIT_PERIODS = 40

#: response status codes
STATUS = {"ok": 0, "bad_crc": 1, "bad_op": 2, "bad_addr": 3, "bad_value": 4, "busy": 5}
STATUS_NAMES = {v: k for k, v in STATUS.items()}

#: identification register value: "MGD" and protocol version 1
ID_MAGIC = 0x4D474401

#: the trainer's runtime registers (:class:`~mgd.golden_model.schedule.Registers`, the one list of them), mapped
#: in this order from RUNTIME_BASE (docs/fpga.md lists the addresses)
RUNTIME_REGISTERS = Registers.NAMES
RUNTIME_BASE = 0x0020

#: register map: name → (address, access "r"/"rw"/"w"). Values are 32-bit words; signed quantities are
#: two's complement 32-bit.
REGISTERS = {
    "id": (0x0000, "r"),  # ID_MAGIC
    "n_params": (0x0001, "r"),  # P (synapses)
    "n_samples": (0x0002, "r"),  # dataset memory depth
    "n_in": (0x0003, "r"),
    "n_out": (0x0004, "r"),
    "formats": (0x0005, "r"),  # θ width | θ frac << 8 | act width << 16 | act frac << 24
    "lanes": (0x0006, "r"),  # the folded trainer's lanes; 0: a parallel trainer (θ addresses are parameter indices)
    "network": (0x0007, "r"),  # hidden layer widths and parameter order (network_word)
    "theta_range": (0x0008, "r"),  # θ addresses: n_params, or the folded trainer's positions
    "control": (0x0010, "w"),  # bit 0 start, bit 1 stop, bit 2 clear the accuracy counters
    "status": (0x0011, "r"),  # bit 0 running, bit 1 done, bits 4..6 phase
    "step": (0x0012, "r"),  # steps completed in this run
    "cost": (0x0013, "r"),  # last measured C (stored integer, fmts.cost)
    "c0": (0x0014, "r"),  # last C₀
    "correct": (0x0015, "r"),  # accuracy counter: fresh samples classified correctly at C₀ time
    "seen": (0x0016, "r"),  # accuracy counter: fresh samples counted
    "cycles": (0x0017, "r"),  # clock cycles since start (saturating), frozen when the run ends
    # the runtime registers at RUNTIME_BASE + their index, read-write (η: fmts.eta's stored integer)
    **{name: (RUNTIME_BASE + i, "rw") for i, name in enumerate(RUNTIME_REGISTERS)},
    "sample": (0x0030, "rw"),  # which dataset sample the DATASET_BASE words write
}


def runtime_register_range(name: str, eta_width: int, theta_frac: int) -> tuple[int, int]:
    """``(lowest, highest)`` value the board accepts in runtime register ``name``: its port's range
    (:meth:`Registers.range <mgd.golden_model.schedule.Registers.range>`, the one source of the ranges), and a Δθ
    shift of at most θ's fraction bits (Δθ = 2^−k must be a θ value). Anything else is answered ``bad_value``."""
    low, high = Registers.range(name, eta_width)
    if name == "dtheta_shift":
        high = min(high, theta_frac)
    return low, high


def check_runtime_register(name: str, value, eta_width: int, theta_frac: int) -> int:
    """``value`` as an int if the board accepts it in runtime register ``name``; else a ``ValueError``
    (:class:`~mgd.golden_model.config.ConfigError`) naming the register and its range."""
    value = Registers.check(name, value, eta_width)
    low, high = runtime_register_range(name, eta_width, theta_frac)
    if not low <= value <= high:
        raise Registers.error(
            name, value, low, high, f"Δθ = 2^-k must be a value of θ, which has {theta_frac} fraction bits"
        )
    return value


CONTROL_START, CONTROL_STOP, CONTROL_CLEAR = 1, 2, 4
STATE_RUNNING, STATE_DONE = 1, 2

#: θ: read the current θ, write θ₀ (loaded at every start), at THETA_BASE + a for a < ``theta_range``.
#:
#: - a parallel trainer (``lanes`` = 0): a is the parameter index i (``theta_range`` = n_params);
#: - the folded trainer (``lanes`` = L > 0): a is a *position*, (stream address << ⌈log₂ L⌉) | lane
#:   (:class:`~mgd.golden_model.folded_layout.FoldedLayout`; parameter i is at ``FoldedLayout.position[i]`` of the
#:   network that ``n_in``, ``network`` and ``n_out`` describe). Positions of idle lanes (no parameter) accept
#:   writes and reads, and nothing depends on them. θ is kept in block RAM whose read port the passes use: a θ read
#:   during a run is answered ``busy`` (the value is valid only while the trainer is idle or done); the read is
#:   registered (the value a cycle after the address, and the register file a cycle later, all well before the
#:   strobe: the bus holds the address for a byte time).
THETA_BASE = 0x1000
#: value k of the sample selected by the "sample" register at DATASET_BASE + k: x₀ … x_{n_in−1}, then the targets
#: (write only; stored integers of the act format). A board whose dataset memory is a single-port RAM (the folded
#: iCEBreaker build: SPRAM) stores whole words: the host must write every value of a sample, in any order, before
#: it selects the next one (:meth:`~.host_driver.Board.load_dataset` does).
DATASET_BASE = 0x2000

#: the ``network`` register's parameter orders (:attr:`MLP.param_order <mgd.golden_model.network.MLP>`), by code
PARAM_ORDERS = ("authors", "layer")


def network_word(hidden, param_order: str) -> int:
    """The ``network`` register: hidden layer k's width in byte k (k < 3; a zero byte ends the list), the
    :data:`PARAM_ORDERS` code of ``param_order`` in byte 3. ``ValueError`` for a network it cannot describe (more
    than 3 hidden layers, a width above 255)."""
    hidden = [int(h) for h in hidden]
    if len(hidden) > 3 or any(not 1 <= h <= 255 for h in hidden):
        raise ValueError(f"the network register describes up to 3 hidden layers of 1-255 neurons, got {hidden}")
    if param_order not in PARAM_ORDERS:
        raise ValueError(f"param_order must be one of {', '.join(PARAM_ORDERS)}, got {param_order!r}")
    return sum(h << (8 * k) for k, h in enumerate(hidden)) | PARAM_ORDERS.index(param_order) << 24


def parse_network_word(word: int) -> tuple[tuple[int, ...], str]:
    """``(hidden widths, param_order)`` of a ``network`` register value (inverse of :func:`network_word`)."""
    hidden = []
    for k in range(3):
        h = word >> (8 * k) & 0xFF
        if h == 0:
            break
        hidden.append(h)
    code = word >> 24 & 0xFF
    if code >= len(PARAM_ORDERS):
        raise ValueError(f"network register 0x{word:08x}: unknown parameter order code {code}")
    return tuple(hidden), PARAM_ORDERS[code]


class ProtocolError(ValueError):
    """A response frame that is malformed (wrong length, sync byte or CRC)."""


def crc8_update(crc: int, byte: int) -> int:
    """One byte into CRC-8 (poly 0x07, MSB first)."""
    crc ^= byte
    for _ in range(8):
        crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


def crc8(data: bytes) -> int:
    crc = 0
    for b in data:
        crc = crc8_update(crc, b)
    return crc


def _word(value: int) -> bytes:
    if not -(1 << 31) <= value < (1 << 32):
        raise ValueError(f"value {value} does not fit 32 bits")
    return (value & 0xFFFFFFFF).to_bytes(4, "little")


def request(op: int, addr: int, value: int = 0) -> bytes:
    """The 9-byte request frame (``value`` may be negative: sent as two's complement)."""
    if not 0 <= op <= 0xFF or not 0 <= addr <= 0xFFFF:
        raise ValueError(f"op must fit 8 bits and addr 16 bits, got {op}, {addr}")
    body = bytes([op]) + addr.to_bytes(2, "little") + _word(value)
    return bytes([SYNC_REQUEST]) + body + bytes([crc8(body)])


def response(status: int, value: int = 0) -> bytes:
    """The 7-byte response frame (what the board sends; used by tests and models)."""
    body = bytes([status]) + _word(value)
    return bytes([SYNC_RESPONSE]) + body + bytes([crc8(body)])


def parse_response(frame: bytes) -> tuple[int, int]:
    """``(status, value)`` of a response frame (value unsigned 32-bit); raises :class:`ProtocolError`."""
    if len(frame) != RESPONSE_BYTES:
        raise ProtocolError(f"response must be {RESPONSE_BYTES} bytes, got {len(frame)}: {frame.hex()}")
    if frame[0] != SYNC_RESPONSE:
        raise ProtocolError(f"response starts with 0x{frame[0]:02x}, not 0x{SYNC_RESPONSE:02x}: {frame.hex()}")
    if crc8(frame[1:-1]) != frame[-1]:
        raise ProtocolError(f"response CRC mismatch: {frame.hex()}")
    return frame[1], int.from_bytes(frame[2:6], "little")
