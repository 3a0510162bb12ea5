"""The compiled engine of the fixed-point model: :class:`~.fixed_mgd.FixedMGD`'s training loop in numba.

:class:`FixedEngine` runs the steps of a :class:`~.fixed_mgd.FixedMGD` (the spec) in compiled code, for every
initialisation and any number of steps per call, with the same integer arithmetic in the same order: the sample
address (cyclic, the random order's sample LFSR from each seed register's phase, or a recorded order), C₀ of the
unperturbed network and the accuracy counter on fresh samples, the code of every synapse (``lfsr``,
``lfsr_multilevel``, ``walsh``, ``sequential``, :mod:`.codes`) at perturbation step n // τp + s, the weight
sat(θ + ⌊c·Δθ⌋), the forward pass (exact products and sums, the sigmoid table, ReLU, linear, :mod:`.fixed_network`),
the cost C = sat(⌊Σ(y − ŷ)²·recip⌋), C̃ = C − C₀, the broadcast (pre-scaled u = sat(⌊C̃·η⌋) or raw C̃), the
correlation ⌊c·b⌋, G ← sat(G + e) and every τθ steps θ ← sat(θ − step(G)), G ← 0 (:mod:`.fixed_units`). Every
value is an int64 stored integer, every reduction a floor (arithmetic right shift), every stored result saturated
to its format, as in the numpy model; the tests compare both every step.

The engine keeps no state of its own: :meth:`FixedEngine.run` reads the model's state (``theta``, ``G``, ``code``,
``cost``, ``c0``, ``c_tilde``, ``bcast``, ``sample``, ``correct``, ``seen``, ``n``), runs, and writes it back, so
a model can be stepped by numpy and the engine in turns. Codes come from the LFSR state table (one period, as
:meth:`~.codes.CodeSpec.codes_at` reads it) and samples from the sample LFSR's table, both looked up inside the
kernel: no per-step arrays are made. The compiled functions are cached on disk (numba ``cache=True``): the first
run on a machine compiles them (seconds), later processes load them.
"""

from __future__ import annotations

import time

import numpy as np
from numba import njit

from .fixed_mgd import FixedMGD
from .sample_order import SAMPLE_JUMP, SAMPLE_LFSR, SAMPLE_START, SEED_JUMP

__all__ = ["FixedEngine", "Trace", "TRACE_SCALARS"]

#: the per-step scalars of a trace, in the order of :attr:`Trace.scalars`' last axis
TRACE_SCALARS = ("cost", "c0", "c_tilde", "bcast", "sample", "correct")

# indices into the constants vector ``fc`` (all int64)
_TH_MIN, _TH_MAX, _ACT_MIN, _ACT_MAX, _COST_MIN, _COST_MAX, _G_MIN, _G_MAX = range(8)
_LUT_LO, _SH_LUT, _SH_ACT, _ONE, _SH_SQ, _RECIP, _RECIP_FRAC, _SH_BCAST = range(8, 16)
_SH_UPDATE, _RAW, _ETA, _DTHETA, _CODE_FRAC, _PARITY, _HALF, _N_FC = range(16, 24)

# layer activations, code kinds, sample orders
_SIGMOID, _RELU, _LINEAR = 0, 1, 2
_KINDS = {"lfsr": 0, "lfsr_multilevel": 1, "walsh": 2, "sequential": 3}
_CYCLIC, _RANDOM, _RECORDED = 0, 1, 2


# ------------------------------------------------------------------ kernels


@njit(cache=True)
def _fs(q, s):
    """floor_shift: q·2^−s rounded down (s < 0: exact left shift)."""
    return q >> s if s >= 0 else q << -s


@njit(cache=True)
def _sat(q, lo, hi):
    return lo if q < lo else (hi if q > hi else q)


@njit(cache=True)
def _forward(w, x, layers, widx, woff, bidx, boff, acts, table, fc, buf):
    """The fixed-point forward pass of weights ``w`` (P,) on input ``x`` (n_in,): layer ℓ's outputs in
    ``buf[ℓ + 1, :layers[ℓ + 1]]`` (act format); returns the output layer's index in ``buf``."""
    n_layers = len(layers) - 1
    for j in range(layers[0]):
        buf[0, j] = x[j]
    one = fc[_ONE]
    for ell in range(n_layers):
        n_in, n_out = layers[ell], layers[ell + 1]
        kind = acts[ell]
        for o in range(n_out):
            base = woff[ell] + o * n_in
            acc = one * w[bidx[boff[ell] + o]]
            for j in range(n_in):
                acc += buf[ell, j] * w[widx[base + j]]
            if kind == _SIGMOID:
                lo = fc[_LUT_LO]
                addr = _sat(_fs(acc, fc[_SH_LUT]), lo, -lo - 1)
                buf[ell + 1, o] = table[addr - lo]
            else:
                if kind == _RELU and acc < 0:
                    acc = 0
                buf[ell + 1, o] = _sat(_fs(acc, fc[_SH_ACT]), fc[_ACT_MIN], fc[_ACT_MAX])
    return n_layers


@njit(cache=True)
def _cost(y, t, n_out, fc):
    """C = sat(⌊Σ(y − ŷ)² · 2^(cost.frac − 2·act.frac) · recip⌋) in the cost format."""
    sq = 0
    for o in range(n_out):
        d = y[o] - t[o]
        sq += d * d
    sq = _fs(sq, -fc[_SH_SQ])
    return _sat(_fs(sq * fc[_RECIP], fc[_RECIP_FRAC]), fc[_COST_MIN], fc[_COST_MAX])


@njit(cache=True)
def _correct(y, t, n_out, fc):
    """The accuracy counter's rule (:func:`.fixed_accuracy.classified_correctly`): 1 or 0."""
    if fc[_PARITY]:
        half = fc[_HALF]
        for o in range(n_out):
            if (y[o] > half) != (t[o] > half):
                return 0
        return 1
    ay = at = 0
    for o in range(1, n_out):
        if y[o] > y[ay]:
            ay = o
        if t[o] > t[at]:
            at = o
    return 1 if ay == at else 0


@njit(cache=True)
def _codes(out, kind, t, states, stride, period, levels_bits, index_period):
    """Codes of every synapse at perturbation step ``t`` into ``out`` (P,) (:meth:`.codes.CodeSpec.codes_at`)."""
    P = len(out)
    if kind <= 1:
        mask = (1 << levels_bits) - 1
        phase = t % period  # synapse i reads (i·stride + t) mod period: stepped by stride, wrapped, no division
        for i in range(P):
            state = states[phase]
            phase += stride
            if phase >= period:
                phase -= period
            if kind == 0:
                out[i] = 1 if state & 1 else -1
            else:
                out[i] = 2 * (state & mask) + 1 - (1 << levels_bits)
    elif kind == 2:
        index = t % index_period
        for i in range(P):
            row = (i + 1) & index
            parity = 0
            while row:
                parity ^= row & 1
                row >>= 1
            out[i] = -1 if parity else 1
    else:
        index = t % index_period
        for i in range(P):
            out[i] = 1 if index == i else 0


@njit(cache=True)
def _sample(k, hw_seed, order_kind, n_samples, sample_lfsr, sample_states, order):
    """Address of the k-th sample drawn by a run with seed register ``hw_seed`` (:func:`.sample_order.sample_indices`;
    ``sample_lfsr``: SAMPLE_START, SEED_JUMP, SAMPLE_JUMP and the LFSR's width)."""
    if order_kind == _CYCLIC:
        return k % n_samples
    if order_kind == _RANDOM:
        period = len(sample_states)
        phase = sample_lfsr[0] + sample_lfsr[1] * (hw_seed % period) + sample_lfsr[2] * k
        return (sample_states[phase % period] * n_samples) >> sample_lfsr[3]
    return order[k % len(order)]


@njit(cache=True)
def _run(
    n0,
    n1,
    taus,
    theta,
    G,
    code,
    scal,
    hw_seeds,
    x,
    y,
    layers,
    widx,
    woff,
    bidx,
    boff,
    acts,
    table,
    fc,
    code_kind,
    code_states,
    stride,
    period,
    levels_bits,
    index_period,
    order_kind,
    sample_lfsr,
    sample_states,
    order,
    record,
    tr_mat,
    tr_scal,
):
    """Steps n0 … n1 − 1 of every initialisation, in place on ``theta``, ``G``, ``code`` (S, P) and ``scal`` (S, 6:
    :data:`TRACE_SCALARS`); with ``record``, step n's values go to ``tr_mat[s, n − n0]`` (3, P: θ, G, code) and
    ``tr_scal[s, n − n0]`` (6)."""
    tau_x, tau_p, tau_theta = taus[0], taus[1], taus[2]
    S, P = theta.shape
    n_out = layers[-1]
    width = 0
    for v in layers:
        width = max(width, v)
    buf = np.zeros((len(layers), width), dtype=np.int64)
    w = np.empty(P, dtype=np.int64)
    th_lo, th_hi, g_lo, g_hi = fc[_TH_MIN], fc[_TH_MAX], fc[_G_MIN], fc[_G_MAX]
    dtheta, cf, raw, eta = fc[_DTHETA], fc[_CODE_FRAC], fc[_RAW], fc[_ETA]
    n_samples = len(x)
    for s in range(S):
        th, g, c = theta[s], G[s], code[s]
        cost, c0, c_tilde, bcast, sample, correct = (
            scal[s, 0],
            scal[s, 1],
            scal[s, 2],
            scal[s, 3],
            scal[s, 4],
            scal[s, 5],
        )
        for n in range(n0, n1):
            new_sample = n % tau_x == 0
            if new_sample:
                sample = _sample(n // tau_x, hw_seeds[s], order_kind, n_samples, sample_lfsr, sample_states, order)
            xs, ys = x[sample], y[sample]
            if new_sample or n % tau_theta == 0:
                out = _forward(th, xs, layers, widx, woff, bidx, boff, acts, table, fc, buf)
                c0 = _cost(buf[out], ys, n_out, fc)
                if new_sample:
                    correct += _correct(buf[out], ys, n_out, fc)
            if n % tau_p == 0:
                _codes(c, code_kind, n // tau_p + hw_seeds[s], code_states, stride, period, levels_bits, index_period)
            for i in range(P):
                w[i] = _sat(th[i] + _fs(c[i] * dtheta, cf), th_lo, th_hi)
            out = _forward(w, xs, layers, widx, woff, bidx, boff, acts, table, fc, buf)
            cost = _cost(buf[out], ys, n_out, fc)
            c_tilde = cost - c0
            if raw:
                bcast = c_tilde
            else:
                bcast = _sat(_fs(c_tilde * eta, fc[_SH_BCAST]), th_lo, th_hi)
            for i in range(P):
                g[i] = _sat(g[i] + _fs(c[i] * bcast, cf), g_lo, g_hi)
            if (n + 1) % tau_theta == 0:
                for i in range(P):
                    step = _fs(g[i] * eta, fc[_SH_UPDATE]) if raw else g[i]
                    th[i] = _sat(th[i] - step, th_lo, th_hi)
                    g[i] = 0
            if record:
                r = n - n0
                for i in range(P):
                    tr_mat[s, r, 0, i] = th[i]
                    tr_mat[s, r, 1, i] = g[i]
                    tr_mat[s, r, 2, i] = c[i]
                tr_scal[s, r, 0], tr_scal[s, r, 1], tr_scal[s, r, 2] = cost, c0, c_tilde
                tr_scal[s, r, 3], tr_scal[s, r, 4], tr_scal[s, r, 5] = bcast, sample, correct
        scal[s, 0], scal[s, 1], scal[s, 2], scal[s, 3], scal[s, 4], scal[s, 5] = (
            cost,
            c0,
            c_tilde,
            bcast,
            sample,
            correct,
        )


@njit(cache=True)
def _evaluate(theta, x, y, layers, widx, woff, bidx, boff, acts, table, fc, costs, correct):
    """Cost (cost format) and the correct flag of every evaluation sample for every θ (S, P): ``costs``,
    ``correct`` (S, B), in place."""
    n_out = layers[-1]
    width = 0
    for v in layers:
        width = max(width, v)
    buf = np.zeros((len(layers), width), dtype=np.int64)
    for s in range(theta.shape[0]):
        for b in range(len(x)):
            out = _forward(theta[s], x[b], layers, widx, woff, bidx, boff, acts, table, fc, buf)
            costs[s, b] = _cost(buf[out], y[b], n_out, fc)
            correct[s, b] = _correct(buf[out], y[b], n_out, fc) == 1


# ------------------------------------------------------------------ wrapper


class Trace:
    """Every step's values of a recorded :meth:`FixedEngine.run` (stored integers, int64): ``theta``, ``G``,
    ``code`` (S, T, P) and ``scalars`` (S, T, 6), the last axis :data:`TRACE_SCALARS` (``cost``, ``c0``,
    ``c_tilde``, ``bcast``, ``sample``, ``correct``), T the steps run; step n's values are those the numpy model
    holds after its step n (θ and G after the update, if one happened)."""

    def __init__(self, mat: np.ndarray, scalars: np.ndarray):
        self.theta, self.G, self.code = mat[:, :, 0], mat[:, :, 1], mat[:, :, 2]
        self.scalars = scalars
        self.cost, self.c0, self.c_tilde, self.bcast, self.sample, self.correct = (
            scalars[:, :, k] for k in range(len(TRACE_SCALARS))
        )


def _i64(a) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.int64)


class FixedEngine:
    """The compiled steps of ``model`` (a :class:`~.fixed_mgd.FixedMGD`, whose state it advances)."""

    def __init__(self, model: FixedMGD):
        self.model = m = model
        cfg, f, codes = m.config, m.fmts, m.codes
        mlp = m.mlp
        self.taus = _i64([cfg.tau_x, cfg.tau_p, int(cfg.tau_theta)])
        self.hw_seeds = _i64(m.hw_seeds)
        self.x, self.y = _i64(m.x), _i64(m.y)
        self.layers = _i64(mlp.layers)
        # the parameter index of every weight and bias, from the float model's layout (MLP.unpack)
        index = mlp.unpack(np.arange(mlp.n_params, dtype=np.float64)[None])
        self.widx = _i64(np.concatenate([W[0].ravel() for W, _ in index]))
        self.bidx = _i64(np.concatenate([b[0] for _, b in index]))
        self.woff = _i64(np.cumsum([0] + [W[0].size for W, _ in index])[:-1])
        self.boff = _i64(np.cumsum([0] + [b[0].size for _, b in index])[:-1])
        kinds = {"sigmoid": _SIGMOID, "relu": _RELU, "linear": _LINEAR}
        n_layers = len(mlp.layers) - 1
        self.acts = _i64(
            [kinds[mlp.output_activation if ell == n_layers - 1 else mlp.activation] for ell in range(n_layers)]
        )
        self.table = _i64(m.net.table)
        g = m.gfmt
        fc = np.zeros(_N_FC, dtype=np.int64)
        fc[[_TH_MIN, _TH_MAX, _ACT_MIN, _ACT_MAX]] = f.theta.min, f.theta.max, f.act.min, f.act.max
        fc[[_COST_MIN, _COST_MAX, _G_MIN, _G_MAX]] = f.cost.min, f.cost.max, g.min, g.max
        fc[_LUT_LO] = m.net.lut_lo
        fc[_SH_LUT] = f.product_frac - f.lut_frac
        fc[_SH_ACT] = f.product_frac - f.act.frac
        fc[_ONE] = mlp.bias_sign * (1 << f.act.frac)
        fc[_SH_SQ] = f.cost.frac - 2 * f.act.frac
        fc[_RECIP] = (2 * (1 << f.recip_frac) + mlp.layers[-1]) // (2 * mlp.layers[-1])  # fixed_units.recip
        fc[_RECIP_FRAC] = f.recip_frac
        fc[_SH_BCAST] = f.cost.frac + f.eta.frac - f.theta.frac
        fc[_SH_UPDATE] = f.g_raw.frac + f.eta.frac - f.theta.frac
        fc[_RAW] = m.mode == "raw"
        fc[_ETA], fc[_DTHETA], fc[_CODE_FRAC] = m.eta, m.dtheta, codes.frac
        fc[_PARITY] = m.dataset.task == "parity"
        fc[_HALF] = 1 << (f.act.frac - 1) if f.act.frac > 0 else 0
        self.fc = fc
        self.code_kind = _KINDS[codes.kind]
        lfsr_code = codes.kind in ("lfsr", "lfsr_multilevel")
        self.code_states = _i64(codes.lfsr.states) if lfsr_code else np.zeros(1, dtype=np.int64)
        self.stride, self.period = codes.lfsr.stride, codes.lfsr.period
        self.levels_bits = int(codes.levels_bits)  # m of the multi-level code (unused by the others)
        self.index_period = codes.index_period or 1
        if m.order is not None:
            self.order_kind, self.order = _RECORDED, _i64(m.order)
        else:
            self.order_kind = _RANDOM if cfg.sample_order == "random" else _CYCLIC
            self.order = np.zeros(1, dtype=np.int64)
        self.sample_lfsr = _i64([SAMPLE_START, SEED_JUMP, SAMPLE_JUMP, SAMPLE_LFSR.width])
        if self.order_kind == _RANDOM:
            self.sample_states = _i64(SAMPLE_LFSR.states)
        else:
            self.sample_states = np.zeros(1, dtype=np.int64)
        self._xt = self._yt = None

    def compile(self) -> dict:
        """Make the kernels ready (compile them, or load them from numba's on-disk cache) without changing the model;
        returns ``{"seconds": time taken, "cached": True if loaded from the cache}``."""
        t0 = time.perf_counter()
        misses = sum(_run.stats.cache_misses.values()) + sum(_evaluate.stats.cache_misses.values())
        self.run(0)
        self._evaluate(self.model.theta, self.x[:0], self.y[:0])
        after = sum(_run.stats.cache_misses.values()) + sum(_evaluate.stats.cache_misses.values())
        return {"seconds": time.perf_counter() - t0, "cached": after == misses}

    def run(self, steps: int, *, record: bool = False) -> Trace | None:
        """Advance the model ``steps`` steps (n → n + steps) in compiled code; with ``record``, return every step's
        values (:class:`Trace`, memory S·steps·(3P + 6) int64), else None."""
        m = self.model
        if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 0:
            raise ValueError(f"steps must be a non-negative integer, got {steps!r}")
        S, P = m.theta.shape
        theta, G, code = _i64(m.theta).copy(), _i64(m.G).copy(), _i64(m.code).copy()
        scal = np.stack([np.broadcast_to(_i64(getattr(m, k)), (S,)) for k in TRACE_SCALARS], axis=1).copy()
        T = steps if record else 0
        tr_mat = np.zeros((S, T, 3, P), dtype=np.int64)
        tr_scal = np.zeros((S, T, len(TRACE_SCALARS)), dtype=np.int64)
        n0 = m.n
        _run(
            n0,
            n0 + steps,
            self.taus,
            theta,
            G,
            code,
            scal,
            self.hw_seeds,
            self.x,
            self.y,
            self.layers,
            self.widx,
            self.woff,
            self.bidx,
            self.boff,
            self.acts,
            self.table,
            self.fc,
            self.code_kind,
            self.code_states,
            self.stride,
            self.period,
            self.levels_bits,
            self.index_period,
            self.order_kind,
            self.sample_lfsr,
            self.sample_states,
            self.order,
            record,
            tr_mat,
            tr_scal,
        )
        m.theta, m.G, m.code = theta, G, code
        m.cost, m.c0, m.c_tilde, m.bcast, m.sample, m.correct = (scal[:, k].copy() for k in range(len(TRACE_SCALARS)))
        tau_x = int(self.taus[0])
        m.seen += -(-(n0 + steps) // tau_x) - -(-n0 // tau_x)  # fresh samples: multiples of τx in [n0, n0 + steps)
        m.n = n0 + steps
        return Trace(tr_mat, tr_scal) if record else None

    def evaluate(self, theta=None):
        """Accuracy and mean cost (real) of every initialisation on the evaluation set, as
        :meth:`.fixed_mgd.FixedMGD.evaluate` computes them (the same stored integers, the same numpy means): two
        float arrays (S,)."""
        m = self.model
        if self._xt is None:
            f, ds = m.fmts, m.dataset
            self._xt, self._yt = _i64(f.act.quantize(ds.x_test)), _i64(f.act.quantize(ds.y_test))
        costs, correct = self._evaluate(m.theta if theta is None else theta, self._xt, self._yt)
        return np.asarray(correct.mean(axis=-1)), m.fmts.cost.real(costs).mean(axis=1)

    def _evaluate(self, theta, x, y):
        """Per-sample cost (cost format) and correct flag (S, B) of θ (S, P) on the stored samples ``x``, ``y``."""
        theta = _i64(np.atleast_2d(theta))
        costs = np.zeros((theta.shape[0], len(x)), dtype=np.int64)
        correct = np.zeros((theta.shape[0], len(x)), dtype=np.bool_)
        _evaluate(
            theta,
            x,
            y,
            self.layers,
            self.widx,
            self.woff,
            self.bidx,
            self.boff,
            self.acts,
            self.table,
            self.fc,
            costs,
            correct,
        )
        return costs, correct
