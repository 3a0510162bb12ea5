"""Bit-exact fixed-point forward pass of the hardware's feedforward array (see :mod:`.formats`).

Neuron k of a layer: ``acc = Σⱼ xⱼ·wₖⱼ + (s·1.0)·bₖ`` with every product exact (``act.frac + theta.frac``
fraction bits) and summed exactly; s is the bias sign (−1: the bias is subtracted, as in the authors' code), so
the bias is a synapse on a constant input of value s. Then the activation:

* sigmoid: table lookup at address ``clamp(⌊acc·2^lut_frac⌋, −2^(r+f), 2^(r+f) − 1)``; the table holds
  σ(z_mid) rounded to nearest in the act format, z_mid the middle of the address's bin (:func:`sigmoid_table`);
* relu: sat(⌊max(acc, 0)⌋) in the act format;  linear: sat(⌊acc⌋) in the act format.

The parameter vector uses the float model's layout (:class:`~.network.MLP`), so synapse i of the hardware is
parameter i of the float model.
"""

from __future__ import annotations

import numpy as np

from .formats import FixedFormats, floor_shift
from .network import MLP, sigmoid

__all__ = ["FixedMLP", "sigmoid_table"]


def sigmoid_table(fmts: FixedFormats) -> np.ndarray:
    """The sigmoid LUT contents (int64, act format), address 0 ↔ z = −2^lut_range."""
    f, r = fmts.lut_frac, fmts.lut_range
    lo = -(1 << (r + f))
    addr = np.arange(lo, -lo)
    z_mid = (addr + 0.5) * 2.0**-f
    return fmts.act.quantize(sigmoid(z_mid))


class FixedMLP:
    """Fixed-point twin of :class:`~.network.MLP` (same layers, activations, bias sign and parameter layout)."""

    def __init__(self, mlp: MLP, fmts: FixedFormats):
        self.mlp, self.fmts = mlp, fmts
        self.table = sigmoid_table(fmts)
        self.lut_lo = -(1 << (fmts.lut_range + fmts.lut_frac))

    @property
    def n_params(self) -> int:
        return self.mlp.n_params

    def _act(self, layer: int, acc: np.ndarray) -> np.ndarray:
        f = self.fmts
        last = layer == len(self.mlp.layers) - 2
        kind = self.mlp.output_activation if last else self.mlp.activation
        if kind == "sigmoid":
            addr = np.clip(floor_shift(acc, f.product_frac - f.lut_frac), self.lut_lo, -self.lut_lo - 1)
            return self.table[addr - self.lut_lo]
        if kind == "relu":
            acc = np.maximum(acc, 0)
        return f.act.saturate(floor_shift(acc, f.product_frac - f.act.frac))

    def forward(self, w: np.ndarray, x: np.ndarray) -> np.ndarray:
        """Outputs (..., n_out) for integer weights ``w`` (P,) or (S, P) and integer inputs ``x``: (B, n_in)
        shared by every weight set, or (S, B, n_in), one batch per weight set."""
        w = np.asarray(w, dtype=np.int64)
        squeeze = w.ndim == 1
        w2 = w[None] if squeeze else w
        one = self.mlp.bias_sign * (1 << self.fmts.act.frac)
        x = np.asarray(x, dtype=np.int64)
        a = x if x.ndim == 3 else np.broadcast_to(x, (w2.shape[0],) + x.shape)
        for layer, (W, b) in enumerate(self.mlp.unpack(w2)):
            W = W.astype(np.int64)
            b = b.astype(np.int64)
            acc = np.einsum("sbi,soi->sbo", a, W) + one * b[:, None, :]
            a = self._act(layer, acc)
        return a[0] if squeeze else a

    def error_bound(self, theta_real: np.ndarray) -> np.ndarray:
        """Worst-case |y_fixed − y_float| per output for weights ``theta_real`` (S, P) that both models share,
        derived from the formats (inputs exactly representable): each sigmoid adds ≤ 2^−lut_frac/8 (bin midpoint,
        σ' ≤ 1/4) or the tail beyond the table, plus half an act LSB; an error δ in a layer's inputs moves the next
        pre-activation by ≤ Σ|w|·δ, which a sigmoid shrinks by ≤ 1/4. Sigmoid layers only. Returns (S, n_out)."""
        f = self.fmts
        if self.mlp.activation != "sigmoid" or self.mlp.output_activation != "sigmoid":
            raise ValueError("error_bound is derived for sigmoid networks only")
        h = 2.0**-f.lut_frac
        tail = float(sigmoid(-(2.0**f.lut_range) + h / 2))
        eps_sigma = max(h / 8, tail) + f.act.lsb / 2
        theta_real = np.atleast_2d(theta_real)
        delta = np.zeros((theta_real.shape[0], self.mlp.layers[0]))
        for W, _ in self.mlp.unpack(theta_real):
            delta = eps_sigma + 0.25 * np.einsum("soi,si->so", np.abs(W), delta)
        return delta
