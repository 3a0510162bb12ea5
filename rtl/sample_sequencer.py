"""The sample sequencer: the dataset address of every fresh sample, in the hardware's sample order."""

from amaranth.hdl import Cat, Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from mgd.golden_model.sample_order import HARDWARE_ORDERS, SAMPLE_LFSR, SEED_JUMP, jump_masks, sample_seed

__all__ = ["SampleSequencer"]


class SampleSequencer(wiring.Component):
    """Dataset addresses in the order ``order`` over ``n_samples`` samples (golden:
    :mod:`mgd.golden_model.sample_order`): "cyclic" (a counter) or "random" (the 20-bit sample LFSR, address
    ⌊state·N/2^20⌋, then a jump of ``SAMPLE_JUMP`` steps).

    Ports: ``restart`` In(1) (the next draw is the run's first: counter 0, LFSR at its seed state); ``seed_jump``
    In(1) (random order: the LFSR jumps ``SEED_JUMP`` steps, one per cycle of the seed phase); ``draw`` In(1)
    (``sample`` ← the next address at this edge); ``sample`` Out(range(N)), a register. Latency: 1 cycle from
    ``draw`` to ``sample``. ``restart`` wins over ``seed_jump`` and ``draw``.
    """

    def __init__(self, n_samples: int, order: str = "cyclic"):
        if order not in HARDWARE_ORDERS:
            raise ValueError(f"order must be one of {', '.join(HARDWARE_ORDERS)}, got {order!r}")
        if isinstance(n_samples, bool) or not isinstance(n_samples, int) or n_samples < 1:
            raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}")
        self.n_samples, self.order = n_samples, order
        super().__init__({"restart": In(1), "seed_jump": In(1), "draw": In(1), "sample": Out(range(max(2, n_samples)))})

    latency = 1

    def elaborate(self, platform):
        m = Module()
        sample, next_sample = Signal.like(self.sample), Signal.like(self.sample)
        state = Signal(SAMPLE_LFSR.width, init=sample_seed())
        m.d.comb += self.sample.eq(sample)
        with m.If(self.restart):
            m.d.sync += [next_sample.eq(0), state.eq(sample_seed())]
        with m.Elif(self.seed_jump):
            if self.order == "random":
                m.d.sync += state.eq(Cat(*[(state & mask).xor() for mask in jump_masks(jump=SEED_JUMP)]))
        with m.Elif(self.draw):
            if self.order == "cyclic":
                wrapped = Mux(next_sample == self.n_samples - 1, 0, next_sample + 1)
                m.d.sync += [sample.eq(next_sample), next_sample.eq(wrapped)]
            else:
                jumped = Cat(*[(state & mask).xor() for mask in jump_masks()])
                m.d.sync += [sample.eq((state * self.n_samples) >> SAMPLE_LFSR.width), state.eq(jumped)]
        return m
