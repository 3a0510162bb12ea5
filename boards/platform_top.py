"""Board top-levels: the :class:`~.board_trainer.BoardTrainer` on an amaranth-boards platform (UART pins, LEDs,
the board's clock), and the list of supported boards."""

from __future__ import annotations

from amaranth.build import ResourceError
from amaranth.hdl import ClockDomain, ClockSignal, Elaboratable, Instance, Module, Mux, ResetSignal, Signal
from amaranth.lib import io

from mgd.golden_model.config import MGDConfig
from mgd.golden_model.formats import BOARD_FORMATS, FORMAT_SETS, FixedFormats

from .board_trainer import BoardTrainer

__all__ = ["BOARDS", "CLOCK_DIVIDER", "BoardTop", "platform_for", "xor_config"]

#: board name → (amaranth-boards platform class path, build overrides, bitstream extension, FPGA description)
BOARDS = {
    "icebreaker": (
        "amaranth_boards.icebreaker:ICEBreakerPlatform",
        {"synth_opts": "-dsp"},
        "bin",
        "iCE40 UP5K-SG48, 12 MHz clock ÷ 4",
    ),
    "ulx3s-85f": ("amaranth_boards.ulx3s:ULX3S_85F_Platform", {}, "bit", "ECP5 LFE5U-85F-6BG381C, 25 MHz clock"),
}

#: the design's clock = the board clock ÷ this. iCEBreaker: nextpnr-ice40 does not time paths through a
#: combinational SB_MAC16, and the sum of the worst segments around them is ~106 ns (docs/fpga-synth.md): 3 MHz
#: (333 ns) leaves room for the DSPs' own delays, which nobody here can measure.
CLOCK_DIVIDER = {"icebreaker": 4, "ulx3s-85f": 1}

#: default UART rate of the host link
BAUD = 115200


def xor_config(steps: int = 10_000) -> MGDConfig:
    """The XOR trainer the bitstreams hold (the fixed-point XOR settings, the random sample order)."""
    return MGDConfig(
        dataset="xor", eta=0.5, dtheta=2**-4, init_scale=2.0, steps=steps, seeds=1, seed=0, sample_order="random"
    )


def platform_for(board: str):
    """A new platform object for ``board`` (one of :data:`BOARDS`)."""
    if board not in BOARDS:
        raise ValueError(f"board must be one of {', '.join(BOARDS)}, got {board!r}")
    import importlib

    module, cls = BOARDS[board][0].split(":")
    return getattr(importlib.import_module(module), cls)()


class BoardTop(Elaboratable):
    """The board-level design: UART 0 of the platform to the host link (``baud``, divisor from the platform's
    default clock), up to 4 of the platform's LEDs (running, done, request toggle, bad frame seen), everything
    clocked by the default clock ÷ ``clock_divider`` (iCE40 only when > 1: the divided clock goes through an
    SB_GB). ``core`` is the :class:`BoardTrainer` after elaboration."""

    def __init__(
        self,
        config: MGDConfig | None = None,
        fmts: FixedFormats = FORMAT_SETS[BOARD_FORMATS],
        *,
        baud: int = BAUD,
        clock_divider: int = 1,
    ):
        if not isinstance(clock_divider, int) or clock_divider < 1:
            raise ValueError(f"clock_divider must be a positive integer, got {clock_divider!r}")
        self.config = config if config is not None else xor_config()
        self.fmts, self.baud, self.clock_divider = fmts, baud, clock_divider
        self.core = None

    def clock_frequency(self, platform) -> float:
        return platform.default_clk_frequency / self.clock_divider

    def divisor(self, platform) -> int:
        divisor = round(self.clock_frequency(platform) / self.baud)
        if divisor < 4:
            raise ValueError(f"{self.baud} baud is too fast for a {self.clock_frequency(platform) / 1e6:g} MHz clock")
        return divisor

    def _divided_clock(self, m, platform):
        """The ``sync`` domain at the board clock ÷ ``clock_divider`` (iCE40: through an SB_GB global buffer), held
        in reset for 1,024 board-clock cycles after configuration (iCE40 block RAMs read zero for ~3 µs, and its
        flip-flops take their initial values from that reset; cf. Amaranth's own iCE40 power-on reset)."""
        pin = platform.request(platform.default_clk, dir="-")
        m.submodules.clk_buffer = clk_buffer = io.Buffer("i", pin)
        m.domains.board = ClockDomain("board", reset_less=True)
        m.d.comb += ClockSignal("board").eq(clk_buffer.i)
        count = Signal(range(self.clock_divider))
        m.d.board += count.eq(Mux(count == self.clock_divider - 1, 0, count + 1))
        divided, sync_clk = Signal(), Signal()
        m.d.board += divided.eq(count < self.clock_divider // 2)
        m.submodules.sync_global = Instance(
            "SB_GB", i_USER_SIGNAL_TO_GLOBAL_BUFFER=divided, o_GLOBAL_BUFFER_OUTPUT=sync_clk
        )
        por = Signal(range(1025))
        with m.If(por != 1024):
            m.d.board += por.eq(por + 1)
        m.domains.sync = ClockDomain("sync")
        m.d.comb += [ClockSignal("sync").eq(sync_clk), ResetSignal("sync").eq(por != 1024)]
        # no add_clock_constraint: Yosys renames the net, and nextpnr would ignore it; `mgd build` passes the
        # divided frequency as nextpnr's default target (--freq) instead

    def elaborate(self, platform):
        m = Module()
        if self.clock_divider > 1:
            self._divided_clock(m, platform)
        m.submodules.core = core = self.core = BoardTrainer(self.config, self.fmts, divisor=self.divisor(platform))
        uart = platform.request("uart", 0, dir="-")
        m.submodules.uart_rx_buffer = rx_buffer = io.Buffer("i", uart.rx)
        m.submodules.uart_tx_buffer = tx_buffer = io.Buffer("o", uart.tx)
        m.d.comb += [core.rx.eq(rx_buffer.i), tx_buffer.o.eq(core.tx)]
        for i in range(4):
            try:
                led = platform.request("led", i, dir="-")
            except ResourceError:
                break
            m.submodules[f"led{i}_buffer"] = led_buffer = io.Buffer("o", led)
            m.d.comb += led_buffer.o.eq(core.leds[i])
        return m
