"""Where the folded trainer keeps each parameter: its stream address and lane, and the code key it is stored with.

The folded trainer (``mgd.rtl.folded_trainer``) has ``lanes`` multiply-accumulate units that all step through one
*stream* of addresses. Layer ℓ (n_in inputs, n_out neurons) takes ⌈n_out/lanes⌉ *groups*; group g gives lane l the
neuron o = g·lanes + l (a lane past n_out idles) and issues n_in + 1 addresses, one per input j and then the bias
(j = n_in). So the stream address of (ℓ, g, j) is ``layer_start[ℓ] + g·(n_in + 1) + j`` and every memory of a
parameter (θ₀, θ, G, the code key) holds, at that address, one word per lane: parameter ``param[a, l]`` (−1 for an
idle lane). The *position* of a parameter, ``a·2^lane_bits + l`` (``lane_bits`` = ⌈log₂ lanes⌉: the address and
the lane as bit fields), is the address the host's θ₀ writes and the θ readout use.

**Code keys.** Every code of :mod:`.codes` is read from one shared counter state by a parity or a compare, so a lane
needs only a per-parameter constant (the key) stored beside θ:

* ``lfsr`` / ``lfsr_multilevel``: parameter i's LFSR state at perturbation step t is Aⁱˢ·s_t, with A the Galois
  step (linear over GF(2)), s = stride and s_t the base sequence's state t. Bit b of it is parity(r_b & s_t), r_b
  row b of Aⁱˢ: the key is r_0 (``lfsr``) or r_0 … r_{m−1} (``lfsr_multilevel``, m = ``levels_bits``); the shared
  counter is one LFSR stepping as the synapses' do.
* ``walsh``: parity((i + 1) & t'): the key is i + 1; the shared counter is the broadcast counter t'.
* ``sequential``: 1 if t' = i: the key is i.

Every key word also has a *valid* bit (0 for an idle lane: its code is 0, so its G and θ never move).
"""

from __future__ import annotations

import functools

import numpy as np

from .codes import CodeSpec
from .network import MLP

__all__ = ["FoldedLayout", "code_key_rows", "key_code"]


def _check_lanes(lanes) -> int:
    if isinstance(lanes, bool) or not isinstance(lanes, int | np.integer) or lanes < 1:
        raise ValueError(f"lanes must be a positive integer, got {lanes!r}")
    return int(lanes)


@functools.cache
def _positions(width: int) -> np.ndarray:
    """Phase of every nonzero LFSR state in the base sequence (index: state)."""
    from .lfsr import LFSRSpec

    states = LFSRSpec(width, stride=1).states
    pos = np.zeros(1 << width, dtype=np.int64)
    pos[states] = np.arange(len(states))
    return pos


def code_key_rows(spec, k: int, rows: int) -> list[int]:
    """Rows 0 … rows−1 of the matrix Aᵏ (A: one step of the Galois LFSR ``spec``) as bit masks: bit b of Aᵏ·s is
    parity(row_b & s). Column j of Aᵏ is Aᵏ·e_j, the base-sequence state k steps after the phase of e_j."""
    pos = _positions(spec.width)
    cols = [int(spec.states[(pos[1 << j] + k) % spec.period]) for j in range(spec.width)]
    return [sum(((cols[j] >> b) & 1) << j for j in range(spec.width)) for b in range(rows)]


def key_code(codes: CodeSpec, key: int, valid: int, counter: int) -> int:
    """The code a lane computes from its stored ``key`` and the shared ``counter`` (the base LFSR state for the LFSR
    codes, the broadcast counter t' otherwise): the golden code of the parameter the key belongs to."""
    if not valid:
        return 0
    parity = lambda v: bin(v).count("1") & 1  # noqa: E731
    if codes.kind == "lfsr":
        return 1 if parity(key & counter) else -1
    if codes.kind == "lfsr_multilevel":
        w, m = codes.lfsr.width, codes.levels_bits
        v = sum(parity((key >> (b * w)) & ((1 << w) - 1) & counter) << b for b in range(m))
        return 2 * v + 1 - (1 << m)
    if codes.kind == "walsh":
        return -1 if parity(key & counter) else 1
    return 1 if key == counter else 0


class FoldedLayout:
    """The stream of the folded trainer for network ``mlp`` with ``lanes`` lanes (see the module's docstring).

    Attributes: ``lanes``; ``layers`` (one ``(n_in, n_out, groups, start)`` per weight layer); ``depth`` (stream
    addresses, S); ``param`` (int array (S, lanes): parameter index or −1); ``lane_bits``; ``position`` (int array
    (P,): a·2^lane_bits + l of every parameter)."""

    def __init__(self, mlp: MLP, lanes: int):
        self.mlp, self.lanes = mlp, _check_lanes(lanes)
        layout = mlp.unpack(np.arange(mlp.n_params)[None])
        self.layers, rows, start = [], [], 0
        for W, b in layout:
            n_out, n_in = W.shape[1], W.shape[2]
            groups = -(-n_out // self.lanes)
            self.layers.append((n_in, n_out, groups, start))
            for g in range(groups):
                for j in range(n_in + 1):
                    row = []
                    for lane in range(self.lanes):
                        o = g * self.lanes + lane
                        row.append(-1 if o >= n_out else int(b[0, o] if j == n_in else W[0, o, j]))
                    rows.append(row)
            start += groups * (n_in + 1)
        self.depth = start
        self.param = np.array(rows, dtype=np.int64).reshape(self.depth, self.lanes)
        self.lane_bits = (self.lanes - 1).bit_length()
        self.position = np.zeros(mlp.n_params, dtype=np.int64)
        a, lane = np.nonzero(self.param >= 0)
        self.position[self.param[a, lane]] = (a << self.lane_bits) | lane

    @property
    def positions(self) -> int:
        """Number of positions (``depth·2^lane_bits``): the range of the host's θ₀ and readout addresses."""
        return self.depth << self.lane_bits

    def to_stream(self, values: np.ndarray, fill: int = 0) -> np.ndarray:
        """Per-parameter ``values`` (P,) as the memories hold them: (S, lanes), ``fill`` in idle lanes."""
        out = np.full((self.depth, self.lanes), fill, dtype=np.int64)
        valid = self.param >= 0
        out[valid] = np.asarray(values, dtype=np.int64)[self.param[valid]]
        return out

    def from_stream(self, words: np.ndarray) -> np.ndarray:
        """Inverse of :meth:`to_stream`: (S, lanes) → (P,)."""
        words = np.asarray(words, dtype=np.int64)
        return words[self.position >> self.lane_bits, self.position & ((1 << self.lane_bits) - 1)]

    # ------------------------------------------------------------------- keys

    @staticmethod
    def key_width(codes: CodeSpec) -> int:
        """Bits of one lane's key (without the valid bit)."""
        if codes.kind == "lfsr":
            return codes.lfsr.width
        if codes.kind == "lfsr_multilevel":
            return codes.lfsr.width * codes.levels_bits
        return codes.index_width

    @staticmethod
    def key_of(codes: CodeSpec, i: int) -> int:
        """Key of parameter ``i`` (the module's docstring)."""
        if codes.kind in ("lfsr", "lfsr_multilevel"):
            spec = codes.lfsr
            rows = code_key_rows(spec, (i * spec.stride) % spec.period, codes.frac if codes.frac else 1)
            return sum(r << (b * spec.width) for b, r in enumerate(rows))
        if codes.kind == "walsh":
            return (i + 1) & ((1 << codes.index_width) - 1)
        return i

    def keys(self, codes: CodeSpec) -> np.ndarray:
        """Key of every stream word and lane: int array (S, lanes), idle lanes 0."""
        if codes.n_synapses != self.mlp.n_params:
            raise ValueError(f"codes are for {codes.n_synapses} synapses, the network has {self.mlp.n_params}")
        keys = [self.key_of(codes, i) for i in range(self.mlp.n_params)]
        return self.to_stream(np.array(keys, dtype=object).astype(np.int64) if keys else np.zeros(0))
