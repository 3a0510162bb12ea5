"""The compiled step loop, :func:`run_steps` (Algorithms 1 and 2 for S seeds, the evaluations included, one numba
kernel), and :class:`Kernel`, which makes a built run into its arguments and keeps its state between calls.

The loop inlines the network (:mod:`.network`), the draws (:mod:`.draws`) and the update (:mod:`.update`) from
their modules. Numba's cache (``cache=True``) checks this file only; :mod:`.cache_guard` drops the package's cache
when any of its sources changes, so an edit to an inlined function is compiled in.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ..config import ConfigError
from ..perturbations import ArraySource, RandomCode, Sequential, Sinusoid, WalshCode
from ..samples import ArrayOrder, SampleOrder
from .draws import ARRAY, ORDER, SEQUENTIAL, SINUSOID, SOURCE, WALSH, next_sample, pattern
from .network import ACT, AI, AO, BB, NB, NI, NO, SI, SO, WB, evaluate, forward, gradient, sample_cost
from .state import EVAL, N
from .update import OPTIMIZER, update


@njit(cache=True)
def run_steps(
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
    net,
    bias_sign,
    gain,
    off,
    x_train,
    y_train,
    xt_test,
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
    L = net.shape[0]
    analog, tau_x, tau_p, tt = ci[0] == 1, ci[1], ci[2], ci[3]
    source, order, node, backprop, n_train, task, record = ci[4], ci[5], ci[7] == 1, ci[8] == 1, ci[11], ci[12], ci[13]
    dtheta, norm, sigma_c = cf[0], cf[1], cf[7]
    out_at = net[L - 1, AO]
    n_units = out_at + net[L - 1, NO]
    n_neurons = net[L - 1, NB] + net[L - 1, NO]
    n_inputs = out_at  # every layer's input: the node perturbation's inputs
    width = 1
    for layer in range(L):
        width = max(width, net[layer, NI], net[layer, NO])
    buf = np.empty(n_units)
    ubuf = np.empty(n_neurons)
    pw = np.empty((1, P))  # θ + θ̃ of one seed
    g = np.empty(P)
    e = np.empty(K)
    delta = np.empty(width)
    dz = np.empty(width)
    cost = np.empty(S)
    no_nu = np.empty((1, 1))
    block = 256
    cur = np.empty((width, block))
    nxt = np.empty((width, block))
    tb = np.empty(block)
    pb = np.empty(block)
    sb = np.empty(block, np.int64)
    n_test = xt_test.shape[1]
    n_out = y_test.shape[1]
    a_hp = cf[10] / (cf[10] + cf[11])
    decay = analog and not math.isinf(cf[12])
    n = istate[N]
    while True:
        j = istate[EVAL]
        if j < eval_steps.shape[0] and eval_steps[j] == n:
            for s in range(S):
                right, total = evaluate(
                    theta, s, gain, off, net, bias_sign, xt_test, y_test, task, cur, nxt, tb, pb, sb
                )
                acc_out[j, s] = right / n_test
                cost_out[j, s] = total / (n_test * n_out)
            istate[EVAL] = j + 1
        if n >= n_end:
            break
        new_sample = n % tau_x == 0
        if new_sample:
            next_sample(order, n_train, istate, perm, order_arr, rng_s, sample)
        if not analog:
            if backprop:
                for s in range(S):
                    m = sample[s]
                    gradient(
                        theta, s, x_train, m, y_train, m, gain, off, s, net, bias_sign, buf, ubuf, delta, dz, g, no_nu
                    )
                    for i in range(P):
                        G[s, i] += g[i]
            else:
                if new_sample or (tt > 0 and n % tt == 0):
                    ptb[:, :] = 0.0
                    for s in range(S):
                        m = sample[s]
                        forward(theta, s, x_train, m, no_nu, False, gain, off, s, net, bias_sign, buf, ubuf)
                        c0[s] = sample_cost(buf, y_train, m, out_at)
                        if node:
                            for i in range(n_inputs):
                                inputs[s, i] = buf[i]
                    if sigma_c != 0.0:
                        z = rng_c.standard_normal(S)
                        for s in range(S):
                            c0[s] = c0[s] + sigma_c * z[s]
                if n % tau_p == 0:
                    pattern(source, n // tau_p, rows, walsh_len, freq, phase, patterns, rng_p, dtheta, ptb)
        else:
            pattern(source, n, rows, walsh_len, freq, phase, patterns, rng_p, dtheta, ptb)
            if node:
                for s in range(S):
                    m = sample[s]
                    forward(theta, s, x_train, m, no_nu, False, gain, off, s, net, bias_sign, buf, ubuf)
                    for i in range(n_inputs):
                        inputs[s, i] = buf[i]
                if sigma_c != 0.0:
                    rng_c.standard_normal(S)  # the baseline measurement's noise, drawn and unused as in numpy
        if analog or not backprop:
            # the perturbed measurement C(θ + θ̃) and the error e = C̃·θ̃/norm (Algorithm 2: the high-passed C̃)
            for s in range(S):
                m = sample[s]
                if node:
                    forward(theta, s, x_train, m, ptb, True, gain, off, s, net, bias_sign, buf, ubuf)
                else:
                    for i in range(P):
                        pw[0, i] = theta[s, i] + ptb[s, i]
                    forward(pw, 0, x_train, m, no_nu, False, gain, off, s, net, bias_sign, buf, ubuf)
                cost[s] = sample_cost(buf, y_train, m, out_at)
            if sigma_c != 0.0:
                z = rng_c.standard_normal(S)
                for s in range(S):
                    cost[s] = cost[s] + sigma_c * z[s]
            for s in range(S):
                if analog:
                    if new_sample:
                        c_prev[s] = cost[s]
                    c_tilde[s] = a_hp * (c_tilde[s] + cost[s] - c_prev[s])
                    c_prev[s] = cost[s]
                else:
                    c_tilde[s] = cost[s] - c0[s]
            for s in range(S):
                ct = c_tilde[s]
                if node or decay:
                    # e in perturbation space, then mapped to the parameters (node: ∂C/∂W_kj = e_k·x_j,
                    # ∂C/∂b_k = s·e_k)
                    if analog:
                        for k in range(K):
                            e[k] = ct * ptb[s, k] * cf[11] / norm
                    else:
                        for k in range(K):
                            e[k] = ct * ptb[s, k] / norm
                    if node:
                        for layer in range(L):
                            n_in, n_o, ai = net[layer, NI], net[layer, NO], net[layer, AI]
                            wb, bb, nb, si, so = (
                                net[layer, WB], net[layer, BB], net[layer, NB], net[layer, SI], net[layer, SO]
                            )  # fmt: skip
                            for o in range(n_o):
                                eo = e[nb + o]
                                for i in range(n_in):
                                    g[wb + o * so + i * si] = eo * inputs[s, ai + i]
                                g[bb + o] = bias_sign * eo
                    else:
                        for i in range(P):
                            g[i] = e[i]
                    if decay:
                        a_lp = cf[11] / (cf[12] + cf[11])
                        r = cf[12] / cf[11]
                        for i in range(P):
                            G[s, i] = a_lp * (g[i] + r * G[s, i])
                    else:
                        for i in range(P):
                            G[s, i] += g[i]
                elif analog:
                    dt = cf[11]
                    for i in range(P):
                        G[s, i] += ct * ptb[s, i] * dt / norm
                else:
                    for i in range(P):
                        G[s, i] += ct * ptb[s, i] / norm
        if analog:
            if decay:
                update(ci, cf, istate, theta, G, opt_m, opt_v, rng_u)
        elif tt > 0 and (n + 1) % tt == 0:
            update(ci, cf, istate, theta, G, opt_m, opt_v, rng_u)
            G[:, :] = 0.0
        if record and n < trace.shape[0]:
            for s in range(S):
                for i in range(P):
                    trace[n, s, i] = theta[s, i]
        n += 1
        istate[N] = n


def _dummy_rng():
    return np.random.default_rng(0)


class Kernel:
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
            source, rng_p = SOURCE[src.distribution], src.rng
        elif type(src) is WalshCode:
            source, self.rows, self.walsh_len = WALSH, np.ascontiguousarray(src.rows, np.uint64), int(src.length)
        elif type(src) is Sequential:
            source = SEQUENTIAL
        elif type(src) is Sinusoid:
            source = SINUSOID
            self.freq = np.ascontiguousarray(src.freq, f64)
            self.phase = np.ascontiguousarray(src.phase, f64)
        elif type(src) is ArraySource:
            source, self.patterns = ARRAY, np.ascontiguousarray(src.patterns, f64)
        else:
            raise ConfigError(
                f"source={type(src).__name__} is not compiled: the compiled engine runs the model's own perturbation "
                "sources and ArraySource playback; use engine='numpy'"
            )
        if type(order) is SampleOrder:
            order_kind, rng_s = ORDER[order.kind], order.rng
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
                OPTIMIZER[cfg.optimizer],
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
        col_major = mlp.param_order == "authors"
        in_off = np.concatenate([[0], np.cumsum(layers)[:-1]]).astype(np.int64)
        n_off = np.concatenate([[0], np.cumsum(layers[1:])[:-1]]).astype(np.int64)
        self.net = np.array(
            [
                [
                    layers[i],
                    layers[i + 1],
                    in_off[i],
                    in_off[i + 1],
                    mlp._w_slices[i].start,
                    mlp._b_slices[i].start,
                    n_off[i],
                    ACT[mlp.output_activation if i == L - 1 else mlp.activation],
                    layers[i + 1] if col_major else 1,  # weight index step per input
                    1 if col_major else layers[i],  # … and per output
                ]
                for i in range(L)
            ],
            np.int64,
        )
        self.bias_sign = float(mlp.bias_sign)
        if run.defects is None:
            self.gain, self.off = np.ones((S, mlp.n_neurons)), np.zeros((S, mlp.n_neurons))
        else:
            self.gain = np.ascontiguousarray(np.concatenate(run.defects.gain, axis=1), f64)
            self.off = np.ascontiguousarray(np.concatenate(run.defects.offset, axis=1), f64)
        self.x_train = np.ascontiguousarray(ds.x_train, f64)
        self.y_train = np.ascontiguousarray(ds.y_train, f64)
        self.xt_test = np.ascontiguousarray(np.asarray(ds.x_test, f64).T)  # by feature, for the evaluation
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
        run_steps(
            n_end, self.ci, self.cf, self.istate, self.theta, self.G, self.ptb, self.c0, self.c_tilde, self.c_prev,
            self.opt_m, self.opt_v, self.inputs, self.sample, self.perm, self.net, self.bias_sign, self.gain, self.off,
            self.x_train, self.y_train, self.xt_test, self.y_test, self.eval_steps, self.acc, self.cost, self.trace,
            self.rows, self.walsh_len, self.freq, self.phase, self.patterns, self.order_arr, self.rng_p, self.rng_s,
            self.rng_c, self.rng_u,
        )  # fmt: skip

    @property
    def n(self) -> int:
        return int(self.istate[N])
