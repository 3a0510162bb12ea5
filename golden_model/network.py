"""Multi-layer perceptron, vectorised over independent seeds, with its exact (backprop) gradient.

Every array carries a leading *seed* axis ``S``: ``theta`` has shape ``(S, P)`` and a batch of inputs has shape
``(S, B, n_in)``, so many initialisations train in one numpy call.

Layer ℓ computes ``a_{ℓ+1} = act_ℓ(g_ℓ ⊙ (W_ℓ·a_ℓ + s·b_ℓ + ν_ℓ − o_ℓ))`` where ``s`` is ``bias_sign`` (−1 in the
authors' code: the bias is subtracted), ``ν_ℓ`` an optional node perturbation, and ``g, o`` the static per-neuron
activation defects (1 and 0 on ideal hardware). Cost: MSE, the mean over outputs of ``(y − ŷ)²``.

Parameter layout (``param_order``): "authors" = all weight matrices (out×in, column-major), then all bias vectors,
so a 2-2-1 net has 9 parameters and 49-4-4 has 220; "layer" = per layer, W row-major then b.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["MLP", "Defects", "sigmoid"]


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # exact logistic, no overflow warnings for large |z|


@dataclass(frozen=True)
class Defects:
    """Static per-neuron activation defects: scale ``gain[ℓ]`` and offset ``offset[ℓ]``, each ``(S, n_out_ℓ)``."""

    gain: tuple[np.ndarray, ...]
    offset: tuple[np.ndarray, ...]

    @classmethod
    def draw(cls, rng: np.random.Generator, seeds: int, layers: tuple[int, ...], sigma: float) -> Defects:
        gains, offsets = [], []
        for n_out in layers[1:]:
            gains.append(1.0 + sigma * rng.standard_normal((seeds, n_out)))
            offsets.append(sigma * rng.standard_normal((seeds, n_out)))
        return cls(tuple(gains), tuple(offsets))


class MLP:
    """A fully connected network of the given ``layers`` sizes (inputs first)."""

    def __init__(
        self, layers, *, activation="sigmoid", output_activation="sigmoid", bias_sign=-1, param_order="authors"
    ):
        self.layers = tuple(int(n) for n in layers)
        self.activation = activation
        self.output_activation = output_activation
        self.bias_sign = bias_sign
        self.param_order = param_order
        self._w_slices, self._b_slices = self._layout()
        self.n_params = sum(o * i for i, o in zip(self.layers, self.layers[1:], strict=False)) + sum(self.layers[1:])
        self.n_neurons = sum(self.layers[1:])

    @classmethod
    def from_config(cls, config, layers) -> MLP:
        return cls(
            layers,
            activation=config.activation,
            output_activation=config.output_activation,
            bias_sign=config.bias_sign,
            param_order=config.param_order,
        )

    # ------------------------------------------------------------------ layout

    def _layout(self):
        shapes = list(zip(self.layers[1:], self.layers, strict=False))  # (out, in)
        w_slices, b_slices = [], []
        offset = 0
        if self.param_order == "authors":
            for n_out, n_in in shapes:
                w_slices.append(slice(offset, offset + n_out * n_in))
                offset += n_out * n_in
            for n_out, _ in shapes:
                b_slices.append(slice(offset, offset + n_out))
                offset += n_out
        elif self.param_order == "layer":
            for n_out, n_in in shapes:
                w_slices.append(slice(offset, offset + n_out * n_in))
                offset += n_out * n_in
                b_slices.append(slice(offset, offset + n_out))
                offset += n_out
        else:
            raise ValueError(f"unknown param_order {self.param_order!r}")
        return w_slices, b_slices

    def unpack(self, theta: np.ndarray):
        """Views ``[(W, b), ...]`` into ``theta`` (S, P): ``W`` is (S, out, in), ``b`` is (S, out)."""
        S = theta.shape[0]
        out = []
        for (n_out, n_in), ws, bs in zip(
            zip(self.layers[1:], self.layers, strict=False), self._w_slices, self._b_slices, strict=True
        ):
            flat = theta[:, ws]
            if self.param_order == "authors":  # column-major: element (o, i) at i*out + o
                W = flat.reshape(S, n_in, n_out).transpose(0, 2, 1)
            else:
                W = flat.reshape(S, n_out, n_in)
            out.append((W, theta[:, bs]))
        return out

    def pack(self, params) -> np.ndarray:
        """Inverse of :meth:`unpack`: ``[(W, b), ...]`` → ``theta`` (S, P)."""
        S = params[0][0].shape[0]
        theta = np.empty((S, self.n_params))
        for (W, b), ws, bs in zip(params, self._w_slices, self._b_slices, strict=True):
            theta[:, ws] = (W.transpose(0, 2, 1) if self.param_order == "authors" else W).reshape(S, -1)
            theta[:, bs] = b
        return theta

    def init_theta(self, seeds: int, base_seed: int, scale: float) -> np.ndarray:
        """θ₀ ~ U[−scale, scale), one independent generator per seed (seed ``base_seed + k``), so the same seed gives
        the same initialisation whatever the batch it runs in and whichever estimator (MGD or backprop) uses it."""
        return np.stack(
            [np.random.default_rng([base_seed + k, 0x1D]).uniform(-scale, scale, self.n_params) for k in range(seeds)]
        )

    # ----------------------------------------------------------------- forward

    def _act(self, layer: int, u: np.ndarray) -> np.ndarray:
        last = layer == len(self.layers) - 2
        kind = self.output_activation if last else self.activation
        if kind == "sigmoid":
            return sigmoid(u)
        if kind == "relu":
            return np.maximum(u, 0.0)
        return u  # linear

    def _act_grad(self, layer: int, u: np.ndarray, a: np.ndarray) -> np.ndarray:
        last = layer == len(self.layers) - 2
        kind = self.output_activation if last else self.activation
        if kind == "sigmoid":
            return a * (1.0 - a)
        if kind == "relu":
            return (u > 0).astype(u.dtype)
        return np.ones_like(u)

    def forward(self, theta, x, *, node_ptb=None, defects: Defects | None = None, keep=False):
        """Outputs (S, B, n_out) for inputs ``x`` of shape (S, B, n_in) or (B, n_in) (shared by all seeds).

        ``node_ptb`` (S, n_neurons) is added to every neuron's pre-activation (node perturbation). With ``keep``
        the per-layer inputs, pre-activations and outputs are returned too, for backprop."""
        a = x if x.ndim == 3 else np.broadcast_to(x, (theta.shape[0],) + x.shape)
        trace = []
        start = 0
        for layer, (W, b) in enumerate(self.unpack(theta)):
            z = a @ W.transpose(0, 2, 1) + (self.bias_sign * b)[:, None, :]
            n_out = b.shape[1]
            if node_ptb is not None:
                z = z + node_ptb[:, None, start : start + n_out]
            start += n_out
            u = z if defects is None else defects.gain[layer][:, None, :] * (z - defects.offset[layer][:, None, :])
            a_next = self._act(layer, u)
            if keep:
                trace.append((a, u, a_next))
            a = a_next
        return (a, trace) if keep else a

    @staticmethod
    def cost(y, target) -> np.ndarray:
        """MSE over outputs, then mean over the batch: ``y`` (S, B, n_out), ``target`` (S|1, B, n_out) → (S,)."""
        return np.mean((y - target) ** 2, axis=(1, 2))

    # ---------------------------------------------------------------- backprop

    def gradient(self, theta, x, target, *, defects: Defects | None = None):
        """Exact gradient of :meth:`cost` (batch mean) with respect to ``theta``: (S, P); also returns the cost."""
        y, trace = self.forward(theta, x, defects=defects, keep=True)
        if target.ndim == 2:
            target = target[None]
        B, n_out = y.shape[1], y.shape[2]
        delta_a = 2.0 * (y - target) / (n_out * B)  # dC/dy
        grads = [None] * len(trace)
        params = self.unpack(theta)
        for layer in range(len(trace) - 1, -1, -1):
            a_in, u, a_out = trace[layer]
            du = delta_a * self._act_grad(layer, u, a_out)
            dz = du if defects is None else du * defects.gain[layer][:, None, :]
            gW = dz.transpose(0, 2, 1) @ a_in  # (S, out, in)
            gb = self.bias_sign * dz.sum(axis=1)  # (S, out)
            grads[layer] = (gW, gb)
            if layer:
                delta_a = dz @ params[layer][0]  # (S, B, in)
        return self.pack(grads), self.cost(y, target)

    def node_to_param(self, e_node, inputs) -> np.ndarray:
        """Map node-perturbation errors to parameter space: ∂C/∂W_kj = ∂C/∂ν_k · x_j, ∂C/∂b_k = s · ∂C/∂ν_k.

        ``e_node`` (S, n_neurons); ``inputs`` = per-layer inputs (S, 1, n_in_ℓ) of the unperturbed forward pass."""
        grads, start = [], 0
        for a_in, n_out in zip(inputs, self.layers[1:], strict=True):
            e = e_node[:, start : start + n_out]
            start += n_out
            grads.append((e[:, :, None] * a_in[:, 0, None, :], self.bias_sign * e))
        return self.pack(grads)
