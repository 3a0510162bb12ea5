"""The compiled engine of the float golden model: Algorithms 1 and 2 for S seeds in one numba kernel.

:func:`train_compiled` (``train(config, engine="compiled")``) computes what :func:`~.training.train` computes with
the numpy model (:class:`~.algorithms.DiscreteMGD`, :class:`~.algorithms.AnalogMGD`), step for step and on the same
random numbers: the run is built by :func:`~.training.build` exactly as the numpy model builds it, and the kernel
draws from the *same* ``numpy.random.Generator`` objects (numba's Generator support uses the generator's own bit
generator and NumPy's algorithms, so every draw, its order and the generator's state are identical):

* perturbation stream: the ±1 codes (``integers(0, 2, (S, K))``), ``uniform(-1, 1, (S, K))`` or
  ``standard_normal((S, K))`` at every perturbation period;
* sample stream: ``integers(0, n, S)`` (random order) or one row shuffle per seed and epoch (shuffled order, equal to
  ``permuted(…, axis=1)``);
* the objective's noise stream: ``standard_normal(S)`` at every cost measurement (σC);
* the algorithm's noise stream: ``standard_normal((S, P))`` or ``(S, 1)`` at every update (σθ).

Walsh rows, sinusoid frequencies and phases, activation defects and θ₀ are taken from the built run. The kernel
evaluates the evaluation set at the evaluation steps too (accuracy and mean cost, as :func:`~.training.evaluate`),
so a run is one kernel call. Results differ from the numpy model only by floating-point reassociation (sums of
products in a different order, ``tanh``/``sin`` of the C library instead of NumPy's): within 1e-12 relative on the
tests' runs. Every option of :class:`~.config.MGDConfig` is compiled, including ``estimator="backprop"``;
``source``/``order`` overrides are compiled when they are the model's own kinds or playback
(:class:`~.perturbations.ArraySource`, :class:`~.samples.ArrayOrder`), anything else is refused with a
:class:`~.config.ConfigError`.

:func:`theta_trace` returns θ after every step of a short run, from either engine, for the equality tests.
:func:`bench_float_engine` measures steps per second of both engines on the presets.
"""

from __future__ import annotations

import math
import time

import numpy as np
from numba import njit

from .config import ConfigError, MGDConfig
from .perturbations import ArraySource, RandomCode, Sequential, Sinusoid, WalshCode
from .samples import ArrayOrder, SampleOrder

__all__ = ["ENGINES", "train_compiled", "theta_trace", "compile_kernels", "bench_float_engine"]

#: the engines of :func:`~.training.train`
ENGINES = ("numpy", "compiled")

_SOURCE = {"binary": 0, "uniform": 1, "gaussian": 2}  # RandomCode distributions; walsh 3, sequential 4, sinusoid 5,
_WALSH, _SEQUENTIAL, _SINUSOID, _ARRAY = 3, 4, 5, 6  # playback 6
_ORDER = {"random": 0, "cyclic": 1, "shuffled": 2}  # playback 3
_OPTIMIZER = {"sgd": 0, "momentum": 1, "adam": 2}
_ACT = {"sigmoid": 0, "relu": 1, "linear": 2}

# indices of the integer settings (ci) and of the real settings (cf) of the kernel
_CI = (
    "algorithm tau_x tau_p tau_theta source order optimizer node backprop scalar_noise k n_train task record"
).split()
_CF = "dtheta norm eta beta beta1 beta2 eps sigma_cost sigma_theta theta_max tau_hp dt tau_theta_f".split()
# the integer state (istate): step n, sample order's count, optimizer started, next evaluation index
_N, _COUNT, _STARTED, _EVAL = range(4)


# --------------------------------------------------------------------------------------------------- the network


@njit(cache=True)
def _forward(p, x, nu, use_nu, gain, off, layers, w_base, b_base, col_major, bias_sign, acts, in_off, n_off, buf, ubuf):
    """One forward pass of one seed: ``buf`` receives every layer's input and the output (at ``in_off``), ``ubuf``
    every neuron's pre-activation u = g·(W·a + s·b + ν − o); ``p`` the parameters, ``nu`` the node perturbation."""
    for i in range(layers[0]):
        buf[i] = x[i]
    for layer in range(layers.shape[0] - 1):
        n_in, n_out = layers[layer], layers[layer + 1]
        ai, ao, wb, bb, nb = in_off[layer], in_off[layer + 1], w_base[layer], b_base[layer], n_off[layer]
        kind = acts[layer]
        for o in range(n_out):
            z = 0.0
            for i in range(n_in):
                w = p[wb + i * n_out + o] if col_major else p[wb + o * n_in + i]
                z += buf[ai + i] * w
            z = z + bias_sign * p[bb + o]
            if use_nu:
                z = z + nu[nb + o]
            u = gain[nb + o] * (z - off[nb + o])
            ubuf[nb + o] = u
            if kind == 0:
                a = 0.5 * (1.0 + math.tanh(0.5 * u))
            elif kind == 1:
                a = u if u > 0.0 else 0.0
            else:
                a = u
            buf[ao + o] = a


@njit(cache=True)
def _sample_cost(buf, y, out_at):
    """MSE of the output in ``buf`` (from ``out_at``) against target ``y``: the mean over outputs."""
    c = 0.0
    for o in range(y.shape[0]):
        d = buf[out_at + o] - y[o]
        c += d * d
    return c / y.shape[0]


@njit(cache=True)
def _gradient(p, x, y, gain, off, layers, w_base, b_base, col_major, bias_sign, acts, in_off, n_off, buf, ubuf, g):
    """Exact gradient of one sample's cost with respect to ``p`` (defects included) into ``g``: backprop."""
    nu = np.empty(0)
    _forward(p, x, nu, False, gain, off, layers, w_base, b_base, col_major, bias_sign, acts, in_off, n_off, buf, ubuf)
    L = layers.shape[0] - 1
    n_last = layers[L]
    delta = np.empty(n_last)
    for o in range(n_last):
        delta[o] = 2.0 * (buf[in_off[L] + o] - y[o]) / n_last
    for layer in range(L - 1, -1, -1):
        n_in, n_out = layers[layer], layers[layer + 1]
        ai, ao, wb, bb, nb = in_off[layer], in_off[layer + 1], w_base[layer], b_base[layer], n_off[layer]
        kind = acts[layer]
        dz = np.empty(n_out)
        for o in range(n_out):
            a = buf[ao + o]
            if kind == 0:
                slope = a * (1.0 - a)
            elif kind == 1:
                slope = 1.0 if ubuf[nb + o] > 0.0 else 0.0
            else:
                slope = 1.0
            dz[o] = delta[o] * slope * gain[nb + o]
            for i in range(n_in):
                g[wb + i * n_out + o if col_major else wb + o * n_in + i] = dz[o] * buf[ai + i]
            g[bb + o] = bias_sign * dz[o]
        if layer:
            delta = np.zeros(n_in)
            for i in range(n_in):
                s = 0.0
                for o in range(n_out):
                    s += dz[o] * (p[wb + i * n_out + o] if col_major else p[wb + o * n_in + i])
                delta[i] = s


# ------------------------------------------------------------------------------------------------- the training


@njit(cache=True)
def _popcount_parity(v):
    c = 0
    while v:
        v &= v - np.uint64(1)
        c += 1
    return c & 1


@njit(cache=True)
def _pattern(ci, t, rows, walsh_len, freq, phase, patterns, rng_p, u):
    """The unit perturbation pattern u(t) of every seed into ``u`` (S, K), drawing from ``rng_p`` as the numpy
    sources do."""
    S, K = u.shape
    kind = ci[4]
    if kind == 0:
        bits = rng_p.integers(0, 2, (S, K))
        for s in range(S):
            for k in range(K):
                u[s, k] = bits[s, k] * 2.0 - 1.0
    elif kind == 1:
        u[:, :] = rng_p.uniform(-1.0, 1.0, (S, K))
    elif kind == 2:
        u[:, :] = rng_p.standard_normal((S, K))
    elif kind == 3:
        tm = np.uint64(t % walsh_len)
        for s in range(S):
            for k in range(K):
                u[s, k] = 1.0 - 2.0 * _popcount_parity(rows[s, k] & tm)
    elif kind == 4:
        u[:, :] = 0.0
        u[:, t % K] = 1.0
    elif kind == 5:
        tf = float(t)
        for s in range(S):
            for k in range(K):
                u[s, k] = math.sin(2.0 * math.pi * freq[s, k] * tf + phase[s, k])
    else:
        u[:, :] = patterns[t % patterns.shape[0]]


@njit(cache=True)
def _next_sample(ci, istate, perm, order_arr, rng_s, sample):
    """The next sample index of every seed into ``sample``, as the numpy sample orders draw it."""
    k = istate[1]
    istate[1] = k + 1
    kind, n = ci[5], ci[11]
    S = sample.shape[0]
    if kind == 0:
        sample[:] = rng_s.integers(0, n, S)
    elif kind == 1:
        sample[:] = k % n
    elif kind == 2:
        if k % n == 0:
            for s in range(S):
                for j in range(n):
                    perm[s, j] = j
                rng_s.shuffle(perm[s])
        for s in range(S):
            sample[s] = perm[s, k % n]
    else:
        sample[:] = order_arr[k % order_arr.shape[0]]


@njit(cache=True)
def _update(ci, cf, istate, theta, G, opt_m, opt_v, rng_u):
    """θ ← opt(θ, G), plus update noise, clipped to ±θmax (the numpy model's ``DiscreteMGD._update``)."""
    S, P = theta.shape
    kind = ci[6]
    eta = cf[2]
    first = istate[2] == 0
    istate[2] = 1
    for s in range(S):
        for i in range(P):
            g = G[s, i]
            if kind == 0:
                theta[s, i] = theta[s, i] - eta * g
            elif kind == 1:
                v = g if first else cf[3] * opt_m[s, i] + g
                opt_m[s, i] = v
                theta[s, i] = theta[s, i] - eta * v
            else:
                m = cf[4] * (0.0 if first else opt_m[s, i]) + (1.0 - cf[4]) * g
                v = cf[5] * (0.0 if first else opt_v[s, i]) + (1.0 - cf[5]) * g * g
                opt_m[s, i] = m
                opt_v[s, i] = v
                theta[s, i] = theta[s, i] - eta * m / (math.sqrt(v) + cf[6])
    if cf[8] != 0.0:
        amp = cf[8] * cf[0]
        if ci[9]:
            z = rng_u.standard_normal(S)
            for s in range(S):
                for i in range(P):
                    theta[s, i] = theta[s, i] + amp * z[s]
        else:
            zz = rng_u.standard_normal((S, P))
            for s in range(S):
                for i in range(P):
                    theta[s, i] = theta[s, i] + amp * zz[s, i]
    tm = cf[9]
    if not math.isinf(tm):
        for s in range(S):
            for i in range(P):
                theta[s, i] = min(max(theta[s, i], -tm), tm)


@njit(cache=True)
def _run(
    n_end,
    ci,
    cf,
    istate,
    theta,
    G,
    ptb,
    c0,
    c_tilde,
    c_prev,
    opt_m,
    opt_v,
    inputs,
    sample,
    perm,
    layers,
    w_base,
    b_base,
    col_major,
    bias_sign,
    acts,
    in_off,
    n_off,
    gain,
    off,
    x_train,
    y_train,
    x_test,
    y_test,
    eval_steps,
    acc_out,
    cost_out,
    trace,
    rows,
    walsh_len,
    freq,
    phase,
    patterns,
    order_arr,
    rng_p,
    rng_s,
    rng_c,
    rng_u,
):
    """Run from step ``istate[0]`` to ``n_end``: Algorithm 1 (``ci[0] == 0``) or 2, every seed, with every state
    array updated in place; evaluate (accuracy and mean cost on the evaluation set) whenever the step count equals
    the next of ``eval_steps``; with ``ci[13]`` record θ after step n in ``trace[n]`` for n < len(trace)."""
    S, P = theta.shape
    K = ptb.shape[1]
    L = layers.shape[0] - 1
    analog, tau_x, tau_p, tt = ci[0] == 1, ci[1], ci[2], ci[3]
    node, backprop = ci[7] == 1, ci[8] == 1
    dtheta, norm, sigma_c = cf[0], cf[1], cf[7]
    n_units = in_off[L] + layers[L]
    buf = np.empty(n_units)
    ubuf = np.empty(max(n_off[L - 1] + layers[L], 1))
    p = np.empty(P)
    g = np.empty(P)
    u = np.empty((S, K))
    cost = np.empty(S)
    nu = np.empty(K)
    no_nu = np.empty(0)
    out_at = in_off[L]
    n_inputs = in_off[L]
    n = istate[0]
    while True:
        j = istate[3]
        if j < eval_steps.shape[0] and eval_steps[j] == n:
            n_test = x_test.shape[0]
            for s in range(S):
                right = 0
                total = 0.0
                for m in range(n_test):
                    _forward(
                        theta[s], x_test[m], no_nu, False, gain[s], off[s], layers, w_base, b_base, col_major,
                        bias_sign, acts, in_off, n_off, buf, ubuf,
                    )  # fmt: skip
                    for o in range(layers[L]):
                        d = buf[out_at + o] - y_test[m, o]
                        total += d * d
                    if ci[12] == 0:
                        ok = True
                        for o in range(layers[L]):
                            if (buf[out_at + o] > 0.5) != (y_test[m, o] > 0.5):
                                ok = False
                    else:
                        best_y, best_t = 0, 0
                        for o in range(layers[L]):
                            if buf[out_at + o] > buf[out_at + best_y]:
                                best_y = o
                            if y_test[m, o] > y_test[m, best_t]:
                                best_t = o
                        ok = best_y == best_t
                    if ok:
                        right += 1
                acc_out[j, s] = right / n_test
                cost_out[j, s] = total / (n_test * y_test.shape[1])
            istate[3] = j + 1
        if n >= n_end:
            break
        new_sample = n % tau_x == 0
        if new_sample:
            _next_sample(ci, istate, perm, order_arr, rng_s, sample)
        if not analog:
            if backprop:
                for s in range(S):
                    _gradient(
                        theta[s], x_train[sample[s]], y_train[sample[s]], gain[s], off[s], layers, w_base, b_base,
                        col_major, bias_sign, acts, in_off, n_off, buf, ubuf, g,
                    )  # fmt: skip
                    for i in range(P):
                        G[s, i] += g[i]
            else:
                if new_sample or (tt > 0 and n % tt == 0):
                    ptb[:, :] = 0.0
                    for s in range(S):
                        _forward(
                            theta[s], x_train[sample[s]], no_nu, False, gain[s], off[s], layers, w_base, b_base,
                            col_major, bias_sign, acts, in_off, n_off, buf, ubuf,
                        )  # fmt: skip
                        c0[s] = _sample_cost(buf, y_train[sample[s]], out_at)
                        if node:
                            for i in range(n_inputs):
                                inputs[s, i] = buf[i]
                    if sigma_c != 0.0:
                        z = rng_c.standard_normal(S)
                        for s in range(S):
                            c0[s] = c0[s] + sigma_c * z[s]
                if n % tau_p == 0:
                    _pattern(ci, n // tau_p, rows, walsh_len, freq, phase, patterns, rng_p, u)
                    for s in range(S):
                        for k in range(K):
                            ptb[s, k] = dtheta * u[s, k]
        else:
            _pattern(ci, n, rows, walsh_len, freq, phase, patterns, rng_p, u)
            for s in range(S):
                for k in range(K):
                    ptb[s, k] = dtheta * u[s, k]
            if node:
                for s in range(S):
                    _forward(
                        theta[s], x_train[sample[s]], no_nu, False, gain[s], off[s], layers, w_base, b_base,
                        col_major, bias_sign, acts, in_off, n_off, buf, ubuf,
                    )  # fmt: skip
                    for i in range(n_inputs):
                        inputs[s, i] = buf[i]
                if sigma_c != 0.0:
                    rng_c.standard_normal(S)  # the baseline measurement's noise, drawn and unused as in numpy
        if analog or not backprop:
            # the perturbed measurement C(θ + θ̃) and the error e = C̃·θ̃/norm (Algorithm 2: the high-passed C̃)
            for s in range(S):
                if node:
                    for k in range(K):
                        nu[k] = ptb[s, k]
                    _forward(
                        theta[s], x_train[sample[s]], nu, True, gain[s], off[s], layers, w_base, b_base, col_major,
                        bias_sign, acts, in_off, n_off, buf, ubuf,
                    )  # fmt: skip
                else:
                    for i in range(P):
                        p[i] = theta[s, i] + ptb[s, i]
                    _forward(
                        p, x_train[sample[s]], no_nu, False, gain[s], off[s], layers, w_base, b_base, col_major,
                        bias_sign, acts, in_off, n_off, buf, ubuf,
                    )  # fmt: skip
                cost[s] = _sample_cost(buf, y_train[sample[s]], out_at)
            if sigma_c != 0.0:
                z = rng_c.standard_normal(S)
                for s in range(S):
                    cost[s] = cost[s] + sigma_c * z[s]
            if analog:
                a_hp = cf[10] / (cf[10] + cf[11])
                for s in range(S):
                    if new_sample:
                        c_prev[s] = cost[s]
                    c_tilde[s] = a_hp * (c_tilde[s] + cost[s] - c_prev[s])
                    c_prev[s] = cost[s]
            else:
                for s in range(S):
                    c_tilde[s] = cost[s] - c0[s]
            for s in range(S):
                # e in perturbation space, then mapped to the parameters (node: ∂C/∂W_kj = e_k·x_j, ∂C/∂b_k = s·e_k)
                for k in range(K):
                    nu[k] = c_tilde[s] * ptb[s, k] * cf[11] / norm if analog else c_tilde[s] * ptb[s, k] / norm
                if node:
                    for layer in range(L):
                        n_in, n_out = layers[layer], layers[layer + 1]
                        ai, wb, bb, nb = in_off[layer], w_base[layer], b_base[layer], n_off[layer]
                        for o in range(n_out):
                            e = nu[nb + o]
                            for i in range(n_in):
                                g[wb + i * n_out + o if col_major else wb + o * n_in + i] = e * inputs[s, ai + i]
                            g[bb + o] = bias_sign * e
                else:
                    for i in range(P):
                        g[i] = nu[i]
                if analog and not math.isinf(cf[12]):
                    a_lp = cf[11] / (cf[12] + cf[11])
                    r = cf[12] / cf[11]
                    for i in range(P):
                        G[s, i] = a_lp * (g[i] + r * G[s, i])
                else:
                    for i in range(P):
                        G[s, i] += g[i]
        if analog:
            if not math.isinf(cf[12]):
                _update(ci, cf, istate, theta, G, opt_m, opt_v, rng_u)
        elif tt > 0 and (n + 1) % tt == 0:
            _update(ci, cf, istate, theta, G, opt_m, opt_v, rng_u)
            G[:, :] = 0.0
        if ci[13] and n < trace.shape[0]:
            trace[n] = theta
        n += 1
        istate[0] = n


# ------------------------------------------------------------------------------------------------ the Python side


def _dummy_rng():
    return np.random.default_rng(0)


class _Kernel:
    """A built run (:func:`~.training.build`) made into the kernel's arguments, and its state between calls."""

    def __init__(self, run, eval_steps, trace_steps=0):
        cfg, algo, mlp, ds = run.config, run.algo, run.mlp, run.dataset
        S, P = algo.theta.shape
        obj = algo.objective
        K = obj.n_perturbed
        src, order = algo.source, algo.order
        f64 = np.float64
        self.rows = np.zeros((1, 1), np.uint64)
        self.walsh_len = 1
        self.freq = np.zeros((1, 1))
        self.phase = np.zeros((1, 1))
        self.patterns = np.zeros((1, S, K))
        self.order_arr = np.zeros((1, S), np.int64)
        rng_p = rng_s = None
        # exact classes: a subclass may draw differently, so it is refused rather than guessed at
        if type(src) is RandomCode:
            source, rng_p = _SOURCE[src.distribution], src.rng
        elif type(src) is WalshCode:
            source, self.rows, self.walsh_len = _WALSH, np.ascontiguousarray(src.rows, np.uint64), int(src.length)
        elif type(src) is Sequential:
            source = _SEQUENTIAL
        elif type(src) is Sinusoid:
            source = _SINUSOID
            self.freq = np.ascontiguousarray(src.freq, f64)
            self.phase = np.ascontiguousarray(src.phase, f64)
        elif type(src) is ArraySource:
            source, self.patterns = _ARRAY, np.ascontiguousarray(src.patterns, f64)
        else:
            raise ConfigError(
                f"source={type(src).__name__} is not compiled: the compiled engine runs the model's own perturbation "
                "sources and ArraySource playback; use engine='numpy'"
            )
        if type(order) is SampleOrder:
            order_kind, rng_s = _ORDER[order.kind], order.rng
            perm0 = order._perm
        elif type(order) is ArrayOrder:
            order_kind, self.order_arr, perm0 = 3, np.ascontiguousarray(order.order, np.int64), None
        else:
            raise ConfigError(
                f"order={type(order).__name__} is not compiled: the compiled engine runs the model's own sample "
                "orders and ArrayOrder playback; use engine='numpy'"
            )
        tt = cfg.tau_theta
        self.ci = np.array(
            [
                int(cfg.algorithm == "analog"),
                cfg.tau_x,
                cfg.tau_p,
                0 if math.isinf(tt) else int(tt),
                source,
                order_kind,
                _OPTIMIZER[cfg.optimizer],
                int(cfg.perturb_target == "node"),
                int(cfg.estimator == "backprop"),
                int(cfg.update_noise == "scalar"),
                K,
                len(ds.x_train),
                0 if ds.task == "parity" else 1,
                int(trace_steps > 0),
            ],
            np.int64,
        )
        self.cf = np.array(
            [
                cfg.dtheta,
                algo.norm,
                cfg.eta,
                cfg.momentum,
                cfg.adam_beta1,
                cfg.adam_beta2,
                cfg.adam_eps,
                cfg.sigma_cost,
                cfg.sigma_theta,
                math.inf if cfg.theta_max is None else cfg.theta_max,
                cfg.tau_hp,
                cfg.dt,
                float(tt),
            ],
            f64,
        )
        self.istate = np.array([algo.n, order.count, 0, 0], np.int64)
        self.theta = np.array(algo.theta, f64, order="C")
        self.G = np.array(algo.G, f64, order="C")
        self.ptb = np.array(algo.ptb, f64, order="C")
        self.c0 = np.array(np.broadcast_to(algo.c0, (S,)), f64)
        self.c_tilde = np.array(np.broadcast_to(algo.c_tilde, (S,)), f64)
        self.c_prev = np.zeros(S)
        self.opt_m = np.zeros((S, P))
        self.opt_v = np.zeros((S, P))
        layers = np.array(mlp.layers, np.int64)
        L = len(layers) - 1
        self.inputs = np.zeros((S, int(layers[:-1].sum())))
        self.sample = np.zeros(S, np.int64)
        self.perm = np.zeros((S, len(ds.x_train)), np.int64) if perm0 is None else np.array(perm0, np.int64)
        self.layers = layers
        self.w_base = np.array([s.start for s in mlp._w_slices], np.int64)
        self.b_base = np.array([s.start for s in mlp._b_slices], np.int64)
        self.col_major = mlp.param_order == "authors"
        self.bias_sign = float(mlp.bias_sign)
        self.acts = np.array(
            [_ACT[mlp.output_activation if i == L - 1 else mlp.activation] for i in range(L)], np.int64
        )
        self.in_off = np.concatenate([[0], np.cumsum(layers)[:-1]]).astype(np.int64)
        self.n_off = np.concatenate([[0], np.cumsum(layers[1:])[:-1]]).astype(np.int64)
        if run.defects is None:
            self.gain, self.off = np.ones((S, mlp.n_neurons)), np.zeros((S, mlp.n_neurons))
        else:
            self.gain = np.ascontiguousarray(np.concatenate(run.defects.gain, axis=1), f64)
            self.off = np.ascontiguousarray(np.concatenate(run.defects.offset, axis=1), f64)
        self.x_train = np.ascontiguousarray(ds.x_train, f64)
        self.y_train = np.ascontiguousarray(ds.y_train, f64)
        self.x_test = np.ascontiguousarray(ds.x_test, f64)
        self.y_test = np.ascontiguousarray(ds.y_test, f64)
        self.eval_steps = np.array(eval_steps, np.int64)
        self.acc = np.zeros((len(eval_steps), S))
        self.cost = np.zeros((len(eval_steps), S))
        self.trace = np.zeros((max(trace_steps, 1) if trace_steps else 0, S, P))
        self.rng_p = rng_p if rng_p is not None else _dummy_rng()
        self.rng_s = rng_s if rng_s is not None else _dummy_rng()
        self.rng_c = obj.rng if obj.rng is not None else _dummy_rng()
        self.rng_u = algo.rng if algo.rng is not None else _dummy_rng()

    def run(self, n_end: int) -> None:
        """Advance to step ``n_end`` (evaluating on the way, and at ``n_end`` if it is an evaluation step)."""
        _run(
            n_end, self.ci, self.cf, self.istate, self.theta, self.G, self.ptb, self.c0, self.c_tilde, self.c_prev,
            self.opt_m, self.opt_v, self.inputs, self.sample, self.perm, self.layers, self.w_base, self.b_base,
            self.col_major, self.bias_sign, self.acts, self.in_off, self.n_off, self.gain, self.off, self.x_train,
            self.y_train, self.x_test, self.y_test, self.eval_steps, self.acc, self.cost, self.trace, self.rows,
            self.walsh_len, self.freq, self.phase, self.patterns, self.order_arr, self.rng_p, self.rng_s,
            self.rng_c, self.rng_u,
        )  # fmt: skip

    @property
    def n(self) -> int:
        return int(self.istate[_N])


def compile_kernels() -> float:
    """Compile (or load from numba's cache) the kernel, with a 2-step XOR run; returns the seconds it took."""
    from .training import build

    t0 = time.perf_counter()
    _Kernel(build(MGDConfig(steps=2, eval_every=1)), [0]).run(0)
    return time.perf_counter() - t0


def train_compiled(
    config: MGDConfig, *, theta0=None, source=None, order=None, progress: bool = False, desc: str | None = None
):
    """:func:`~.training.train` on the compiled engine: the same :class:`~.training.TrainResult`, computed by the
    kernel (``wall_time`` excludes compiling the kernel, which :func:`compile_kernels` measures)."""
    from .training import TrainResult, build, evaluation_steps, threshold_for

    run = build(config, theta0=theta0, source=source, order=order)
    threshold = threshold_for(config, run.dataset)
    eval_steps = evaluation_steps(config)
    kernel = _Kernel(run, eval_steps)
    kernel.run(0)  # compiles or loads the kernel, and evaluates step 0
    bar = None
    targets = [config.steps]
    if progress:
        from tqdm import tqdm

        bar = tqdm(
            total=config.steps,
            desc=desc or f"{config.estimator} {config.dataset}",
            unit="step",
            leave=False,
            mininterval=0.5,
        )
        every = max(1, len(eval_steps) // 100)
        targets = eval_steps[every::every] + [config.steps]
    t0 = time.perf_counter()
    for target in targets:
        kernel.run(target)
        if bar is not None:
            bar.update(target - bar.n)
    wall = time.perf_counter() - t0
    if bar is not None:
        bar.close()
    reached = [None] * config.seeds
    for step, acc in zip(eval_steps, kernel.acc, strict=True):
        for s in np.flatnonzero(acc >= threshold):
            if reached[s] is None:
                reached[s] = int(step)
    return TrainResult(
        config,
        run.mlp.layers,
        run.mlp.n_params,
        threshold,
        np.array(eval_steps),
        kernel.acc.copy(),
        kernel.cost.copy(),
        reached,
        wall,
        kernel.theta.copy(),
        run.theta0,
    )


def theta_trace(config: MGDConfig, steps: int, *, engine: str = "compiled", theta0=None, source=None, order=None):
    """θ after every step of the first ``steps`` steps, (steps, S, P), from the numpy model or the compiled kernel,
    both built from ``config`` (and ``theta0``, ``source``, ``order``) the same way."""
    from .training import build

    run = build(config, theta0=theta0, source=source, order=order)
    if engine == "numpy":
        out = np.empty((steps, *run.algo.theta.shape))
        for n in range(steps):
            run.algo.step()
            out[n] = run.algo.theta
        return out
    if engine != "compiled":
        raise ConfigError(f"engine={engine!r} is not one of: {', '.join(ENGINES)}")
    kernel = _Kernel(run, [], trace_steps=steps)
    kernel.run(steps)
    return kernel.trace[:steps].copy()


def _preset_config(dataset: str, seeds: int) -> MGDConfig:
    from .presets import preset

    return MGDConfig.from_dict({**preset(dataset), "dataset": dataset, "seeds": seeds})


def bench_float_engine(dataset: str = "xor", seeds: int = 1, engine: str = "compiled", min_time: float = 1.0) -> dict:
    """Steps per second of :func:`~.training.train` on ``engine`` with ``dataset``'s preset (its ``eval_every``
    and evaluations included) for ``seeds`` initialisations: runs sized to last about ``min_time`` seconds."""
    from .training import train

    base = _preset_config(dataset, seeds)
    compile_s = compile_kernels() if engine == "compiled" else 0.0
    steps = 1000
    while True:
        cfg = base.replace(steps=steps)
        c0 = time.process_time()
        r = train(cfg, engine=engine)
        cpu = time.process_time() - c0
        if r.wall_time >= min_time or steps >= 10**9:
            break
        steps = int(steps * max(2.0, 1.2 * min_time / max(r.wall_time, 1e-6)))
    row = {
        "backend": "golden",
        "engine": engine,
        "dataset": dataset,
        "layers": list(r.layers),
        "seeds": seeds,
        "eval_every": cfg.eval_every,
        "steps": steps,
        "seconds": r.wall_time,
        "cpu_seconds": cpu,
        "steps_per_s": steps / r.wall_time,
        "seed_steps_per_s": steps * seeds / r.wall_time,
    }
    if engine == "compiled":
        row.update(compile_s=compile_s, cached=not _run.stats.cache_misses)
    return row
