"""Board top-levels: the :class:`~.board_trainer.BoardTrainer` on an amaranth-boards platform (UART pins, LEDs,
the board's clock), and the list of supported boards."""

from __future__ import annotations

import inspect
import math

from amaranth.build import ResourceError
from amaranth.hdl import ClockDomain, ClockSignal, Elaboratable, Instance, Module, Mux, ResetSignal, Signal
from amaranth.lib import io
from amaranth.lib.cdc import FFSynchronizer

from mgd.golden_model.config import MGDConfig
from mgd.golden_model.formats import BOARD_FORMATS, FORMAT_SETS, FixedFormats

from .board_trainer import BoardTrainer
from .pll import ECP5PLL, ICE40PLL, ecp5_pll, ice40_pll

__all__ = [
    "PIPELINED_BOARD_OPTIONS",
    "FOLDED_DATASETS",
    "FOLDED_SETTINGS",
    "folded_board_options",
    "folded_build",
    "BOARDS",
    "CLOCK_DIVIDER",
    "POR_CYCLES",
    "BoardTop",
    "platform_family",
    "platform_for",
    "pll_for",
    "xor_config",
]

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

#: the ``sync`` reset is held this many clock cycles after configuration (the divided clock: board-clock cycles) or
#: after the PLL has locked (iCE40; the ECP5 waits 4 cycles only): iCE40 block RAMs read zero for ~3 µs after
#: configuration (Amaranth's own iCE40 power-on reset waits 15 µs)
POR_CYCLES = 1024


#: the BoardTrainer options of the pipelined board tops (``mgd build --pipelined``): XOR's inputs are 0 or 1
PIPELINED_BOARD_OPTIONS = {"pipelined": True, "input_bits": 1}


def xor_config(steps: int = 10_000) -> MGDConfig:
    """The XOR trainer the bitstreams hold (the fixed-point XOR settings, the random sample order)."""
    return MGDConfig(
        dataset="xor", eta=0.5, dtheta=2**-4, init_scale=2.0, steps=steps, seeds=1, seed=0, sample_order="random"
    )


def folded_board_options(lanes: int, input_bits: int | None) -> dict:
    """The BoardTrainer options of a folded board top (``mgd build --lanes L``): ``lanes`` lanes, ``input_bits``-bit
    layer-0 inputs."""
    return {"lanes": lanes, "input_bits": input_bits}


#: the datasets of the folded board builds (``mgd build --lanes L --dataset D``): D → (layer-0 input bits, the
#: boards that hold it). XOR and NIST7x7 inputs are 0 or 1; digits pixels v/16, v ≤ 16 (5 bits).
FOLDED_DATASETS = {
    "xor": (1, ("icebreaker", "ulx3s-85f")),
    "nist7x7": (1, ("icebreaker", "ulx3s-85f")),
    "digits": (5, ("ulx3s-85f",)),
}

#: the training settings of the folded builds (docs/results.md, *FPGA: the folded trainer*; docs/studies.md)
FOLDED_SETTINGS = {
    "nist7x7": {"eta": 3 / 220, "dtheta": 2**-4, "tau_theta": 16, "tau_x": 4},
    "digits": {"eta": 0.0075, "dtheta": 2**-4, "tau_theta": 16, "tau_x": 1},
}

#: the iCEBreaker's NIST7x7: as many evenly spaced training samples as the UP5K's SPRAM holds (4 × 256 kbit:
#: 16,384 words of up to 64 bits; a sample is 49 + 4 bits), tested on all 44,136
ICEBREAKER_NIST = "nist7x7-16384"


def folded_build(board: str, dataset: str, lanes: int, steps: int = 10_000) -> tuple[MGDConfig, dict]:
    """``(config, BoardTrainer options)`` of the folded trainer with ``lanes`` lanes training ``dataset`` (one of
    :data:`FOLDED_DATASETS`) on ``board``:

    - ``xor``: :func:`xor_config`, on either board;
    - ``nist7x7`` 49-4-4: on the iCEBreaker :data:`ICEBREAKER_NIST` in a single-port dataset memory that starts
      empty (SPRAM: no initial contents; the host loads it, ``mgd board load``), on the ULX3S-85F the whole
      training set in block RAM (DP16KD), initialised in the bitstream and writable;
    - ``digits`` 64-16-10 (ULX3S-85F only): the training split, 5-bit inputs, in block RAM.

    NIST7x7 and digits start from the settings docs/results.md measures them at (:data:`FOLDED_SETTINGS`: NIST7x7
    η = 3/220, τθ = 16, τx = 4; digits η = 0.0075, τθ = 16, the best setting of ``docs/sweeps/hw-digits-95.toml``;
    Δθ = 2^-4), the random sample order and ``steps``; every runtime register can be rewritten by the host.
    ``ValueError`` for a dataset or board it does not know or a board too small."""
    from mgd.golden_model.presets import hardware_preset

    if board not in BOARDS:
        raise ValueError(f"board must be one of {', '.join(BOARDS)}, got {board!r}")
    if dataset not in FOLDED_DATASETS:
        raise ValueError(f"dataset must be one of {', '.join(FOLDED_DATASETS)}, got {dataset!r}")
    input_bits, boards = FOLDED_DATASETS[dataset]
    if board not in boards:
        raise ValueError(f"{dataset} does not fit the {board} (boards: {', '.join(boards)})")
    options = folded_board_options(lanes, input_bits)
    if dataset == "xor":
        return xor_config(steps), options
    fields = {k: v for k, v in hardware_preset(dataset).items() if k not in ("steps", "seeds", "eval_every")}
    fields |= FOLDED_SETTINGS[dataset]
    name = dataset
    if dataset == "nist7x7" and board == "icebreaker":
        name = ICEBREAKER_NIST
        options |= {"single_port_dataset": True, "dataset_init": False}
    return MGDConfig(dataset=name, **fields, steps=steps, seeds=1, seed=0), options


def platform_for(board: str):
    """A new platform object for ``board`` (one of :data:`BOARDS`)."""
    if board not in BOARDS:
        raise ValueError(f"board must be one of {', '.join(BOARDS)}, got {board!r}")
    import importlib

    module, cls = BOARDS[board][0].split(":")
    return getattr(importlib.import_module(module), cls)()


def platform_family(platform) -> str:
    """``"ice40"`` or ``"ecp5"``: the FPGA family of an Amaranth platform (:class:`ValueError` for others)."""
    from amaranth.vendor import LatticePlatform, SiliconBluePlatform

    if isinstance(platform, SiliconBluePlatform):
        return "ice40"
    if isinstance(platform, LatticePlatform) and platform.family == "ecp5":
        return "ecp5"
    raise ValueError(f"no PLL support for the platform {type(platform).__name__}")


def pll_for(platform, clock_mhz: float) -> ICE40PLL | ECP5PLL:
    """The PLL settings for ``clock_mhz`` from ``platform``'s default clock (:mod:`.pll`: the achievable frequency
    closest to ``clock_mhz`` and not above it); :class:`ValueError` if the PLL cannot make it."""
    search = ice40_pll if platform_family(platform) == "ice40" else ecp5_pll
    return search(platform.default_clk_frequency / 1e6, clock_mhz)


class BoardTop(Elaboratable):
    """The board-level design: UART 0 of the platform to the host link (``baud``, divisor from the design's
    clock, :meth:`clock_frequency`), up to 4 of the platform's LEDs (running, done, request toggle, bad frame seen),
    and the design's clock, one of:

    - ``clock_mhz=None``, ``clock_divider=1``: the platform's default clock and power-on reset;
    - ``clock_mhz=None``, ``clock_divider > 1``: the default clock ÷ ``clock_divider`` (iCE40 only: the divided
      clock goes through an SB_GB);
    - ``clock_mhz=f``: the FPGA's PLL fed by the default clock, at the achievable frequency closest to ``f`` MHz
      and not above it (:mod:`.pll`; iCE40: SB_PLL40_PAD on the clock pin, ECP5: EHXPLLL), with the ``sync`` reset
      held until the PLL has locked (and, on iCE40, :data:`POR_CYCLES` cycles more).

    ``trainer_options`` are passed to :class:`BoardTrainer` as keyword arguments. ``core`` is the
    :class:`BoardTrainer` after elaboration."""

    def __init__(
        self,
        config: MGDConfig | None = None,
        fmts: FixedFormats = FORMAT_SETS[BOARD_FORMATS],
        *,
        baud: int = BAUD,
        clock_divider: int = 1,
        clock_mhz: float | None = None,
        trainer_options: dict | None = None,
    ):
        if isinstance(clock_divider, bool) or not isinstance(clock_divider, int) or clock_divider < 1:
            raise ValueError(f"clock_divider must be a positive integer, got {clock_divider!r}")
        if clock_mhz is not None:
            if isinstance(clock_mhz, bool) or not isinstance(clock_mhz, (int, float)) or not clock_mhz > 0:
                raise ValueError(f"clock_mhz must be a positive number of MHz or None, got {clock_mhz!r}")
            if not math.isfinite(clock_mhz):
                raise ValueError(f"clock_mhz must be finite, got {clock_mhz!r}")
            if clock_divider != 1:
                raise ValueError("clock_mhz (a PLL clock) and clock_divider > 1 exclude each other")
        trainer_options = {} if trainer_options is None else trainer_options
        if not isinstance(trainer_options, dict) or not all(isinstance(k, str) for k in trainer_options):
            raise ValueError(f"trainer_options must be a dict of keyword arguments, got {trainer_options!r}")
        known = [
            name
            for name, param in inspect.signature(BoardTrainer.__init__).parameters.items()
            if param.kind is param.KEYWORD_ONLY and name != "divisor"
        ]
        unknown = sorted(set(trainer_options) - set(known))
        if unknown:
            raise ValueError(f"BoardTrainer has no option {', '.join(unknown)} (it takes {', '.join(known)})")
        self.config = config if config is not None else xor_config()
        self.fmts, self.baud, self.clock_divider, self.clock_mhz = fmts, baud, clock_divider, clock_mhz
        self.trainer_options = dict(trainer_options)
        self.core = None

    def pll(self, platform) -> ICE40PLL | ECP5PLL | None:
        """The PLL settings on ``platform`` (``None`` without ``clock_mhz``); :class:`ValueError` if the request
        cannot be met."""
        return None if self.clock_mhz is None else pll_for(platform, self.clock_mhz)

    def clock_frequency(self, platform) -> float:
        """The design's clock in Hz: the PLL's achieved frequency, or the default clock ÷ ``clock_divider``."""
        if self.clock_mhz is not None:
            return self.pll(platform).achieved_mhz * 1e6
        return platform.default_clk_frequency / self.clock_divider

    def divisor(self, platform) -> int:
        divisor = round(self.clock_frequency(platform) / self.baud)
        if divisor < 4:
            raise ValueError(f"{self.baud} baud is too fast for a {self.clock_frequency(platform) / 1e6:g} MHz clock")
        return divisor

    def _divided_clock(self, m, platform):
        """The ``sync`` domain at the board clock ÷ ``clock_divider`` (iCE40: through an SB_GB global buffer), held
        in reset for :data:`POR_CYCLES` board-clock cycles after configuration (iCE40 block RAMs read zero for ~3
        µs, and its flip-flops take their initial values from that reset; cf. Amaranth's own iCE40 power-on
        reset)."""
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
        por = Signal(range(POR_CYCLES + 1))
        with m.If(por != POR_CYCLES):
            m.d.board += por.eq(por + 1)
        m.domains.sync = ClockDomain("sync")
        m.d.comb += [ClockSignal("sync").eq(sync_clk), ResetSignal("sync").eq(por != POR_CYCLES)]
        # no add_clock_constraint: Yosys renames the net, and nextpnr would ignore it; `mgd build` passes the
        # divided frequency as nextpnr's default target (--freq) instead

    def _pll_clock(self, m, platform):
        """The ``sync`` domain from the PLL (:meth:`pll`), in reset until the PLL's LOCK (synchronised to its
        output) has been high for :data:`POR_CYCLES` cycles (iCE40) or a few cycles (ECP5); a lost lock resets the
        design again. iCE40: SB_PLL40_PAD, whose input is the clock pin's pad itself (the iCEBreaker's 12 MHz
        clock is on pin 35, the pad next to the UP5K's PLL; the 12 MHz clock is not needed elsewhere), output on a
        global net (PLLOUTGLOBAL). ECP5: EHXPLLL with CLKOP fed back, parameters and attributes as ecppll writes
        them."""
        pll = self.pll(platform)
        pin = platform.request(platform.default_clk, dir="-")
        clk, locked = Signal(), Signal()
        if isinstance(pll, ICE40PLL):
            m.submodules.pll = Instance(
                pll.primitive,
                **{f"p_{name}": value for name, value in pll.parameters().items()},
                i_PACKAGEPIN=pin.io,
                i_RESETB=1,
                i_BYPASS=0,
                o_PLLOUTGLOBAL=clk,
                o_LOCK=locked,
            )
            cycles = POR_CYCLES
        else:
            m.submodules.clk_buffer = clk_buffer = io.Buffer("i", pin)
            m.submodules.pll = Instance(
                pll.primitive,
                **{f"p_{name}": value for name, value in pll.parameters().items()},
                **{f"a_{name}": value for name, value in pll.attributes().items()},
                i_CLKI=clk_buffer.i,
                i_CLKFB=clk,
                o_CLKOP=clk,
                i_RST=0,
                i_STDBY=0,
                i_PHASESEL0=0,
                i_PHASESEL1=0,
                i_PHASEDIR=1,
                i_PHASESTEP=1,
                i_PHASELOADREG=1,
                i_PLLWAKESYNC=0,
                i_ENCLKOP=0,
                o_LOCK=locked,
            )
            cycles = 4
        m.domains.por = ClockDomain("por", reset_less=True, local=True)
        m.d.comb += ClockSignal("por").eq(clk)
        locked_sync = Signal()
        m.submodules.lock_sync = FFSynchronizer(locked, locked_sync, o_domain="por")
        por = Signal(range(cycles + 1))
        with m.If(~locked_sync):
            m.d.por += por.eq(0)
        with m.Elif(por != cycles):
            m.d.por += por.eq(por + 1)
        m.domains.sync = ClockDomain("sync")
        m.d.comb += [ClockSignal("sync").eq(clk), ResetSignal("sync").eq(por != cycles)]
        # no add_clock_constraint (see _divided_clock): `mgd build` passes the achieved frequency as --freq

    def elaborate(self, platform):
        m = Module()
        if self.clock_mhz is not None:
            self._pll_clock(m, platform)
        elif self.clock_divider > 1:
            self._divided_clock(m, platform)
        m.submodules.core = core = self.core = BoardTrainer(
            self.config, self.fmts, divisor=self.divisor(platform), **self.trainer_options
        )
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
