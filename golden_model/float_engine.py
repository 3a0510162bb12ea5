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
so a run is one kernel call. Results differ from the numpy model only by floating-point rounding (sums of
products in a different order, the logistic's tanh from an exp, :func:`_sigmoid`, ``sin`` of the C library instead
of NumPy's): within 1e-12 relative on the tests' runs. For speed the kernel inlines everything it calls per step,
indexes arrays in place, makes its scratch once per call, draws ±1 codes and sample indices without making arrays,
and evaluates by blocks of samples (:func:`_evaluate`). Every option of :class:`~.config.MGDConfig` is compiled,
including ``estimator="backprop"``; ``source``/``order`` overrides are compiled when they are the model's own kinds
or playback (:class:`~.perturbations.ArraySource`, :class:`~.samples.ArrayOrder`), anything else is refused with a
:class:`~.config.ConfigError`.

:func:`theta_trace` returns θ after every step of a short run, from either engine, for the equality tests.
:func:`bench_float_engine` measures steps per second of both engines on the presets.
"""

from __future__ import annotations

import math
import time

import numpy as np
from numba import njit
from numba.np.random.generator_core import next_uint32
from numba.np.random.random_methods import buffered_bounded_lemire_uint32

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
#
# Everything called once per step or per sample is inlined into the kernel (``inline="always"``: no call, no array
# arguments to pass and count references of); arrays are indexed in place (``theta[s, i]``, ``x[m, i]``), never
# sliced; every scratch buffer is made once per kernel call, before the step loop.

# columns of the network table ``net`` (one row per layer)
_NI, _NO, _AI, _AO, _WB, _BB, _NB, _KIND, _SI, _SO = range(10)


@njit(inline="always")
def _sigmoid(u):
    """The numpy model's logistic 0.5·(1 + tanh(u/2)), with tanh(u/2) = ±(1 − 2e^−|u|/(1 + e^−|u|)) (one C-library
    exp, half the time of its tanh): within an absolute 2.5e-16 of it; where tanh is near ±1 the small term is
    exact to a few units in its last place, so tanh is rounded as the C library rounds it and σ is exactly 0 or 1
    where the numpy model's is (the argmax of saturated outputs ties as in the numpy model)."""
    e = math.exp(-abs(u))
    t = 1.0 - 2.0 * e / (1.0 + e)
    return 0.5 * (1.0 + (-t if u < 0.0 else t))


@njit(inline="always")
def _activation(kind, u):
    if kind == 0:
        return _sigmoid(u)
    if kind == 1:
        return u if u > 0.0 else 0.0
    return u


@njit(inline="always")
def _forward(pp, pr, xx, xr, nu, use_nu, gain, off, s, net, bias_sign, buf, ubuf):
    """One forward pass of seed ``s`` with the parameters ``pp[pr]`` on the input ``xx[xr]``: ``buf`` receives every
    layer's input and the output (at ``net[layer, _AI]``), ``ubuf`` every neuron's pre-activation
    u = g·(W·a + s·b + ν − o) (``nu[s]`` the node perturbation when ``use_nu``). W·a is summed in four partial sums
    (interleaved inputs), so that a wide layer is not one chain of dependent additions."""
    for i in range(net[0, _NI]):
        buf[i] = xx[xr, i]
    for layer in range(net.shape[0]):
        n_in, n_out, ai, ao = net[layer, _NI], net[layer, _NO], net[layer, _AI], net[layer, _AO]
        wb, bb, nb, kind, si, so = (
            net[layer, _WB], net[layer, _BB], net[layer, _NB], net[layer, _KIND], net[layer, _SI], net[layer, _SO],
        )  # fmt: skip
        n4 = n_in - n_in % 4
        for o in range(n_out):
            w = wb + o * so
            z0 = 0.0
            z1 = 0.0
            z2 = 0.0
            z3 = 0.0
            for i in range(0, n4, 4):
                z0 += buf[ai + i] * pp[pr, w + i * si]
                z1 += buf[ai + i + 1] * pp[pr, w + (i + 1) * si]
                z2 += buf[ai + i + 2] * pp[pr, w + (i + 2) * si]
                z3 += buf[ai + i + 3] * pp[pr, w + (i + 3) * si]
            for i in range(n4, n_in):
                z0 += buf[ai + i] * pp[pr, w + i * si]
            z = (z0 + z1) + (z2 + z3) if n4 else z0
            z = z + bias_sign * pp[pr, bb + o]
            if use_nu:
                z = z + nu[s, nb + o]
            u = gain[s, nb + o] * (z - off[s, nb + o])
            ubuf[nb + o] = u
            buf[ao + o] = _activation(kind, u)


@njit(inline="always")
def _sample_cost(buf, yy, yr, out_at):
    """MSE of the output in ``buf`` (from ``out_at``) against target ``yy[yr]``: the mean over outputs."""
    n_out = yy.shape[1]
    c = 0.0
    for o in range(n_out):
        d = buf[out_at + o] - yy[yr, o]
        c += d * d
    return c / n_out


_SHIFTER = 6755399441055744.0  # 1.5·2⁵²: t = x + 1.5·2⁵² rounds x to an integer k, held in t's low bits
_SHIFTER_BITS = 0x4338000000000000  # the bits of 1.5·2⁵²: bits(t) − bits(1.5·2⁵²) = k


@njit(inline="always")
def _logistic_rows(z, o, n, g, f, b, tb, pb, sb):
    """``z[o, :n]`` ← σ(g·((z + b) − f)) for a row of the evaluation block, σ as :func:`_sigmoid` computes it, in
    three loops the compiler vectorises (the C library's exp is one call per value): e^−|u| = 2^k·e^r with
    k = round(−|u|/ln 2), |r| ≤ ln2/2, e^r by its Taylor polynomial to r¹³ (truncation < 1e-17) and 2^k built from
    k's bits (``tb``, ``pb`` float and ``sb`` int64 scratch, ``tb`` also viewed as int64 and ``sb`` as float64);
    −|u| is clamped at −708 (tanh is ±1 exactly long before); NaN stays NaN."""
    tbi = tb.view(np.int64)
    sbf = sb.view(np.float64)
    for m in range(n):
        u = g * ((z[o, m] + b) - f)
        z[o, m] = u
        x = -abs(u)
        x = -708.0 if x < -708.0 else x
        t = x * 1.4426950408889634 + _SHIFTER
        tb[m] = t
        k = t - _SHIFTER
        r = (x - k * 6.93147180369123816490e-01) - k * 1.90821492927058770002e-10
        q = 1.0 / 6227020800.0
        q = q * r + 1.0 / 479001600.0
        q = q * r + 1.0 / 39916800.0
        q = q * r + 1.0 / 3628800.0
        q = q * r + 1.0 / 362880.0
        q = q * r + 1.0 / 40320.0
        q = q * r + 1.0 / 5040.0
        q = q * r + 1.0 / 720.0
        q = q * r + 1.0 / 120.0
        q = q * r + 1.0 / 24.0
        q = q * r + 1.0 / 6.0
        q = q * r + 0.5
        q = q * r + 1.0
        pb[m] = q * r + 1.0
    for m in range(n):
        sb[m] = (tbi[m] - _SHIFTER_BITS + 1023) << 52
    for m in range(n):
        e = pb[m] * sbf[m]
        t = 1.0 - 2.0 * e / (1.0 + e)
        z[o, m] = 0.5 * (1.0 + (-t if z[o, m] < 0.0 else t))


@njit(cache=True)
def _evaluate(theta, s, gain, off, net, bias_sign, xt, y_test, task, cur, nxt, tb, pb, sb):
    """Accuracy and summed squared error of seed ``s`` on the evaluation set, whose inputs ``xt`` are stored by
    feature (n_in, n_test): a block of samples at a time, layer by layer, every weight applied to the whole block
    (loops over samples, which the compiler vectorises: no chain of dependent additions), four inputs at a time;
    ``cur``, ``nxt`` (width, block) and ``tb``, ``pb``, ``sb`` (block) scratch."""
    n_test = xt.shape[1]
    B = cur.shape[1]
    L = net.shape[0]
    n_out_last = net[L - 1, _NO]
    right = 0
    total = 0.0
    for m0 in range(0, n_test, B):
        nb_ = min(B, n_test - m0)
        for i in range(net[0, _NI]):
            for m in range(nb_):
                cur[i, m] = xt[i, m0 + m]
        for layer in range(L):
            n_in, n_out = net[layer, _NI], net[layer, _NO]
            wb, bb, nb, kind, si, so = (
                net[layer, _WB], net[layer, _BB], net[layer, _NB], net[layer, _KIND], net[layer, _SI],
                net[layer, _SO],
            )  # fmt: skip
            n4 = n_in - n_in % 4
            for o in range(n_out):
                w = wb + o * so
                for m in range(nb_):
                    nxt[o, m] = 0.0
                for i in range(0, n4, 4):
                    w0, w1 = theta[s, w + i * si], theta[s, w + (i + 1) * si]
                    w2, w3 = theta[s, w + (i + 2) * si], theta[s, w + (i + 3) * si]
                    for m in range(nb_):
                        nxt[o, m] += (cur[i, m] * w0 + cur[i + 1, m] * w1) + (cur[i + 2, m] * w2 + cur[i + 3, m] * w3)
                for i in range(n4, n_in):
                    w0 = theta[s, w + i * si]
                    for m in range(nb_):
                        nxt[o, m] += cur[i, m] * w0
                b = bias_sign * theta[s, bb + o]
                g, f = gain[s, nb + o], off[s, nb + o]
                if kind == 0:
                    _logistic_rows(nxt, o, nb_, g, f, b, tb, pb, sb)
                else:
                    for m in range(nb_):
                        nxt[o, m] = _activation(kind, g * ((nxt[o, m] + b) - f))
            cur, nxt = nxt, cur
        for m in range(nb_):
            for o in range(n_out_last):
                d = cur[o, m] - y_test[m0 + m, o]
                total += d * d
            if task == 0:
                ok = True
                for o in range(n_out_last):
                    if (cur[o, m] > 0.5) != (y_test[m0 + m, o] > 0.5):
                        ok = False
            else:
                best_y, best_t = 0, 0
                for o in range(n_out_last):
                    if cur[o, m] > cur[best_y, m]:
                        best_y = o
                    if y_test[m0 + m, o] > y_test[m0 + m, best_t]:
                        best_t = o
                ok = best_y == best_t
            if ok:
                right += 1
    return right, total


@njit(inline="always")
def _gradient(pp, pr, xx, xr, yy, yr, gain, off, s, net, bias_sign, buf, ubuf, delta, dz, g, no_nu):
    """Exact gradient of one sample's cost with respect to ``pp[pr]`` (defects included) into ``g``: backprop
    (``delta``, ``dz`` scratch of the widest layer)."""
    _forward(pp, pr, xx, xr, no_nu, False, gain, off, s, net, bias_sign, buf, ubuf)
    L = net.shape[0]
    n_last, out_at = net[L - 1, _NO], net[L - 1, _AO]
    for o in range(n_last):
        delta[o] = 2.0 * (buf[out_at + o] - yy[yr, o]) / n_last
    for layer in range(L - 1, -1, -1):
        n_in, n_out, ai, ao = net[layer, _NI], net[layer, _NO], net[layer, _AI], net[layer, _AO]
        wb, bb, nb, kind, si, so = (
            net[layer, _WB], net[layer, _BB], net[layer, _NB], net[layer, _KIND], net[layer, _SI], net[layer, _SO],
        )  # fmt: skip
        for o in range(n_out):
            a = buf[ao + o]
            if kind == 0:
                slope = a * (1.0 - a)
            elif kind == 1:
                slope = 1.0 if ubuf[nb + o] > 0.0 else 0.0
            else:
                slope = 1.0
            d = delta[o] * slope * gain[s, nb + o]
            dz[o] = d
            for i in range(n_in):
                g[wb + o * so + i * si] = d * buf[ai + i]
            g[bb + o] = bias_sign * d
        if layer:
            for i in range(n_in):
                t = 0.0
                for o in range(n_out):
                    t += dz[o] * pp[pr, wb + o * so + i * si]
                delta[i] = t


# ------------------------------------------------------------------------------------------------- the training


@njit(inline="always")
def _parity(v):
    c = 0
    while v:
        v &= v - np.uint64(1)
        c += 1
    return c & 1


@njit(inline="always")
def _draw_index(bitgen, n):
    """``integers(0, n)`` as NumPy draws it for int64 (n ≤ 2³²: Lemire's method on 32-bit draws), without making an
    array (numba's ``integers`` makes one even for a scalar)."""
    if n == 1:
        return 0
    return np.int64(buffered_bounded_lemire_uint32(bitgen, np.uint32(n - 1)))


@njit(inline="always")
def _pattern(kind, t, rows, walsh_len, freq, phase, patterns, rng_p, dtheta, ptb):
    """θ̃ = Δθ·u(t) for every seed into ``ptb`` (S, K), u drawn from ``rng_p`` as the numpy sources draw it. The ±1
    code, ``integers(0, 2)``: Lemire's method for the range 2 never rejects and is the top bit of a 32-bit draw."""
    S, K = ptb.shape
    if kind == 0:
        bitgen = rng_p.bit_generator
        for s in range(S):
            for k in range(K):
                ptb[s, k] = dtheta * (np.float64(next_uint32(bitgen) >> np.uint32(31)) * 2.0 - 1.0)
    elif kind == 1:
        u = rng_p.uniform(-1.0, 1.0, (S, K))
        for s in range(S):
            for k in range(K):
                ptb[s, k] = dtheta * u[s, k]
    elif kind == 2:
        u = rng_p.standard_normal((S, K))
        for s in range(S):
            for k in range(K):
                ptb[s, k] = dtheta * u[s, k]
    elif kind == 3:
        tm = np.uint64(t % walsh_len)
        for s in range(S):
            for k in range(K):
                ptb[s, k] = dtheta * (1.0 - 2.0 * _parity(rows[s, k] & tm))
    elif kind == 4:
        j = t % K
        for s in range(S):
            for k in range(K):
                ptb[s, k] = dtheta if k == j else 0.0
    elif kind == 5:
        tf = float(t)
        for s in range(S):
            for k in range(K):
                ptb[s, k] = dtheta * math.sin(2.0 * math.pi * freq[s, k] * tf + phase[s, k])
    else:
        r = t % patterns.shape[0]
        for s in range(S):
            for k in range(K):
                ptb[s, k] = dtheta * patterns[r, s, k]


@njit(inline="always")
def _next_sample(kind, n, istate, perm, order_arr, rng_s, sample):
    """The next sample index of every seed into ``sample``, as the numpy sample orders draw it."""
    k = istate[_COUNT]
    istate[_COUNT] = k + 1
    S = sample.shape[0]
    if kind == 0:
        bitgen = rng_s.bit_generator
        for s in range(S):
            sample[s] = _draw_index(bitgen, n)
    elif kind == 1:
        for s in range(S):
            sample[s] = k % n
    elif kind == 2:
        if k % n == 0:
            for s in range(S):
                for j in range(n):
                    perm[s, j] = j
                rng_s.shuffle(perm[s])
        for s in range(S):
            sample[s] = perm[s, k % n]
    else:
        r = k % order_arr.shape[0]
        for s in range(S):
            sample[s] = order_arr[r, s]


@njit(inline="always")
def _update(ci, cf, istate, theta, G, opt_m, opt_v, rng_u):
    """θ ← opt(θ, G), plus update noise, clipped to ±θmax (the numpy model's ``DiscreteMGD._update``)."""
    S, P = theta.shape
    kind = ci[6]
    eta = cf[2]
    first = istate[_STARTED] == 0
    istate[_STARTED] = 1
    if kind == 0:
        for s in range(S):
            for i in range(P):
                theta[s, i] = theta[s, i] - eta * G[s, i]
    elif kind == 1:
        beta = cf[3]
        for s in range(S):
            for i in range(P):
                v = G[s, i] if first else beta * opt_m[s, i] + G[s, i]
                opt_m[s, i] = v
                theta[s, i] = theta[s, i] - eta * v
    else:
        b1, b2, eps = cf[4], cf[5], cf[6]
        for s in range(S):
            for i in range(P):
                g = G[s, i]
                m = b1 * (0.0 if first else opt_m[s, i]) + (1.0 - b1) * g
                v = b2 * (0.0 if first else opt_v[s, i]) + (1.0 - b2) * g * g
                opt_m[s, i] = m
                opt_v[s, i] = v
                theta[s, i] = theta[s, i] - eta * m / (math.sqrt(v) + eps)
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
    out_at = net[L - 1, _AO]
    n_units = out_at + net[L - 1, _NO]
    n_neurons = net[L - 1, _NB] + net[L - 1, _NO]
    n_inputs = out_at  # every layer's input: the node perturbation's inputs
    width = 1
    for layer in range(L):
        width = max(width, net[layer, _NI], net[layer, _NO])
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
    n = istate[_N]
    while True:
        j = istate[_EVAL]
        if j < eval_steps.shape[0] and eval_steps[j] == n:
            for s in range(S):
                right, total = _evaluate(
                    theta, s, gain, off, net, bias_sign, xt_test, y_test, task, cur, nxt, tb, pb, sb
                )
                acc_out[j, s] = right / n_test
                cost_out[j, s] = total / (n_test * n_out)
            istate[_EVAL] = j + 1
        if n >= n_end:
            break
        new_sample = n % tau_x == 0
        if new_sample:
            _next_sample(order, n_train, istate, perm, order_arr, rng_s, sample)
        if not analog:
            if backprop:
                for s in range(S):
                    m = sample[s]
                    _gradient(
                        theta, s, x_train, m, y_train, m, gain, off, s, net, bias_sign, buf, ubuf, delta, dz, g, no_nu
                    )
                    for i in range(P):
                        G[s, i] += g[i]
            else:
                if new_sample or (tt > 0 and n % tt == 0):
                    ptb[:, :] = 0.0
                    for s in range(S):
                        m = sample[s]
                        _forward(theta, s, x_train, m, no_nu, False, gain, off, s, net, bias_sign, buf, ubuf)
                        c0[s] = _sample_cost(buf, y_train, m, out_at)
                        if node:
                            for i in range(n_inputs):
                                inputs[s, i] = buf[i]
                    if sigma_c != 0.0:
                        z = rng_c.standard_normal(S)
                        for s in range(S):
                            c0[s] = c0[s] + sigma_c * z[s]
                if n % tau_p == 0:
                    _pattern(source, n // tau_p, rows, walsh_len, freq, phase, patterns, rng_p, dtheta, ptb)
        else:
            _pattern(source, n, rows, walsh_len, freq, phase, patterns, rng_p, dtheta, ptb)
            if node:
                for s in range(S):
                    m = sample[s]
                    _forward(theta, s, x_train, m, no_nu, False, gain, off, s, net, bias_sign, buf, ubuf)
                    for i in range(n_inputs):
                        inputs[s, i] = buf[i]
                if sigma_c != 0.0:
                    rng_c.standard_normal(S)  # the baseline measurement's noise, drawn and unused as in numpy
        if analog or not backprop:
            # the perturbed measurement C(θ + θ̃) and the error e = C̃·θ̃/norm (Algorithm 2: the high-passed C̃)
            for s in range(S):
                m = sample[s]
                if node:
                    _forward(theta, s, x_train, m, ptb, True, gain, off, s, net, bias_sign, buf, ubuf)
                else:
                    for i in range(P):
                        pw[0, i] = theta[s, i] + ptb[s, i]
                    _forward(pw, 0, x_train, m, no_nu, False, gain, off, s, net, bias_sign, buf, ubuf)
                cost[s] = _sample_cost(buf, y_train, m, out_at)
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
                            n_in, n_o, ai = net[layer, _NI], net[layer, _NO], net[layer, _AI]
                            wb, bb, nb, si, so = (
                                net[layer, _WB], net[layer, _BB], net[layer, _NB], net[layer, _SI], net[layer, _SO]
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
                _update(ci, cf, istate, theta, G, opt_m, opt_v, rng_u)
        elif tt > 0 and (n + 1) % tt == 0:
            _update(ci, cf, istate, theta, G, opt_m, opt_v, rng_u)
            G[:, :] = 0.0
        if record and n < trace.shape[0]:
            for s in range(S):
                for i in range(P):
                    trace[n, s, i] = theta[s, i]
        n += 1
        istate[_N] = n


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
                    _ACT[mlp.output_activation if i == L - 1 else mlp.activation],
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
        _run(
            n_end, self.ci, self.cf, self.istate, self.theta, self.G, self.ptb, self.c0, self.c_tilde, self.c_prev,
            self.opt_m, self.opt_v, self.inputs, self.sample, self.perm, self.net, self.bias_sign, self.gain, self.off,
            self.x_train, self.y_train, self.xt_test, self.y_test, self.eval_steps, self.acc, self.cost, self.trace,
            self.rows, self.walsh_len, self.freq, self.phase, self.patterns, self.order_arr, self.rng_p, self.rng_s,
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
