"""Board top-levels: the :class:`~.board_trainer.BoardTrainer` on an amaranth-boards platform (UART pins, LEDs,
the board's clock), and the list of supported boards."""

from __future__ import annotations

from amaranth.build import ResourceError
from amaranth.hdl import Elaboratable, Module
from amaranth.lib import io

from mgd.golden_model.config import MGDConfig
from mgd.golden_model.formats import COMPACT_FORMATS, FixedFormats

from .board_trainer import BoardTrainer

__all__ = ["BOARDS", "BoardTop", "platform_for", "xor_config"]

#: board name → (amaranth-boards platform class path, build overrides, bitstream extension, FPGA description)
BOARDS = {
    "icebreaker": ("amaranth_boards.icebreaker:ICEBreakerPlatform", {"synth_opts": "-dsp"}, "bin",
                   "iCE40 UP5K-SG48, 12 MHz clock"),
    "ulx3s-85f": ("amaranth_boards.ulx3s:ULX3S_85F_Platform", {}, "bit", "ECP5 LFE5U-85F-6BG381C, 25 MHz clock"),
}

#: default UART rate of the host link
BAUD = 115200


def xor_config(steps: int = 10_000) -> MGDConfig:
    """The XOR trainer the bitstreams hold (the fixed-point XOR settings, the random sample order)."""
    return MGDConfig(dataset="xor", eta=0.5, dtheta=2 ** -4, init_scale=2.0, steps=steps, seeds=1, seed=0,
                     sample_order="random")


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
    clocked by the default clock. ``core`` is the :class:`BoardTrainer` after elaboration."""

    def __init__(self, config: MGDConfig | None = None, fmts: FixedFormats = COMPACT_FORMATS, *, baud: int = BAUD):
        self.config = config if config is not None else xor_config()
        self.fmts, self.baud = fmts, baud
        self.core = None

    def divisor(self, platform) -> int:
        divisor = round(platform.default_clk_frequency / self.baud)
        if divisor < 4:
            raise ValueError(f"{self.baud} baud is too fast for a {platform.default_clk_frequency / 1e6:g} MHz clock")
        return divisor

    def elaborate(self, platform):
        m = Module()
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
