"""The network as the compiled kernel computes it: the logistic and the other activations, one sample's forward pass
and cost, the evaluation of a seed on the evaluation set (by blocks of samples, with a vectorised logistic) and the
exact gradient of one sample's cost (backprop).

Everything called once per step or per sample is inlined into the kernel (``inline="always"``: no call, no array
arguments to pass and count references of); arrays are indexed in place (``theta[s, i]``, ``x[m, i]``), never
sliced; every scratch buffer is made once per kernel call, before the step loop. The network is described by the
table ``net``, one row per layer, whose columns are :data:`NI` … :data:`SO`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

ACT = {"sigmoid": 0, "relu": 1, "linear": 2}

# columns of the network table ``net`` (one row per layer)
NI, NO, AI, AO, WB, BB, NB, KIND, SI, SO = range(10)


@njit(inline="always")
def sigmoid(u):
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
        return sigmoid(u)
    if kind == 1:
        return u if u > 0.0 else 0.0
    return u


@njit(inline="always")
def forward(pp, pr, xx, xr, nu, use_nu, gain, off, s, net, bias_sign, buf, ubuf):
    """One forward pass of seed ``s`` with the parameters ``pp[pr]`` on the input ``xx[xr]``: ``buf`` receives every
    layer's input and the output (at ``net[layer, AI]``), ``ubuf`` every neuron's pre-activation
    u = g·(W·a + s·b + ν − o) (``nu[s]`` the node perturbation when ``use_nu``). W·a is summed in four partial sums
    (interleaved inputs), so that a wide layer is not one chain of dependent additions."""
    for i in range(net[0, NI]):
        buf[i] = xx[xr, i]
    for layer in range(net.shape[0]):
        n_in, n_out, ai, ao = net[layer, NI], net[layer, NO], net[layer, AI], net[layer, AO]
        wb, bb, nb, kind, si, so = (
            net[layer, WB], net[layer, BB], net[layer, NB], net[layer, KIND], net[layer, SI], net[layer, SO],
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
def sample_cost(buf, yy, yr, out_at):
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
def logistic_rows(z, o, n, g, f, b, tb, pb, sb):
    """``z[o, :n]`` ← σ(g·((z + b) − f)) for a row of the evaluation block, σ as :func:`sigmoid` computes it, in
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
def evaluate(theta, s, gain, off, net, bias_sign, xt, y_test, task, cur, nxt, tb, pb, sb):
    """Accuracy and summed squared error of seed ``s`` on the evaluation set, whose inputs ``xt`` are stored by
    feature (n_in, n_test): a block of samples at a time, layer by layer, every weight applied to the whole block
    (loops over samples, which the compiler vectorises: no chain of dependent additions), four inputs at a time;
    ``cur``, ``nxt`` (width, block) and ``tb``, ``pb``, ``sb`` (block) scratch."""
    n_test = xt.shape[1]
    B = cur.shape[1]
    L = net.shape[0]
    n_out_last = net[L - 1, NO]
    right = 0
    total = 0.0
    for m0 in range(0, n_test, B):
        nb_ = min(B, n_test - m0)
        for i in range(net[0, NI]):
            for m in range(nb_):
                cur[i, m] = xt[i, m0 + m]
        for layer in range(L):
            n_in, n_out = net[layer, NI], net[layer, NO]
            wb, bb, nb, kind, si, so = (
                net[layer, WB], net[layer, BB], net[layer, NB], net[layer, KIND], net[layer, SI],
                net[layer, SO],
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
                    logistic_rows(nxt, o, nb_, g, f, b, tb, pb, sb)
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
def gradient(pp, pr, xx, xr, yy, yr, gain, off, s, net, bias_sign, buf, ubuf, delta, dz, g, no_nu):
    """Exact gradient of one sample's cost with respect to ``pp[pr]`` (defects included) into ``g``: backprop
    (``delta``, ``dz`` scratch of the widest layer)."""
    forward(pp, pr, xx, xr, no_nu, False, gain, off, s, net, bias_sign, buf, ubuf)
    L = net.shape[0]
    n_last, out_at = net[L - 1, NO], net[L - 1, AO]
    for o in range(n_last):
        delta[o] = 2.0 * (buf[out_at + o] - yy[yr, o]) / n_last
    for layer in range(L - 1, -1, -1):
        n_in, n_out, ai, ao = net[layer, NI], net[layer, NO], net[layer, AI], net[layer, AO]
        wb, bb, nb, kind, si, so = (
            net[layer, WB], net[layer, BB], net[layer, NB], net[layer, KIND], net[layer, SI], net[layer, SO],
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
