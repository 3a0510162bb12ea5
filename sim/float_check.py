"""Every step of a hardware trace against the float model, within a distance derived from the formats.

At each step the float model (:class:`~mgd.golden_model.network.MLP`) is evaluated at the trace's own θ, sample
and code — the float model driven by the same perturbation bits and sample order — and the hardware's C and C₀
must lie within ε_C = ε_y·(2|y − ŷ| + ε_y) of the float costs, ε_y being the output error bound derived from the
formats (:meth:`~mgd.golden_model.fixed_network.FixedMLP.error_bound`). Single-output sigmoid networks (XOR,
parity); the cost is exact in the fixed formats there, so ε_C is the whole bound.
"""

from __future__ import annotations

import numpy as np

__all__ = ["float_step_check"]


def float_step_check(model, rows: dict, dtheta: float) -> dict:
    """``model``: the :class:`~mgd.golden_model.fixed_mgd.FixedMGD` of the run; ``rows``: per-step values
    (:func:`mgd.sim.trace.step_rows`); ``dtheta``: Δθ (real). Returns the largest |hardware − float| / ε_C for C
    and C₀, the number of steps checked, and the largest absolute differences."""
    if model.mlp.layers[-1] != 1:
        raise ValueError("float_step_check is derived for single-output networks")
    f, mlp, ds = model.fmts, model.mlp, model.dataset
    theta = f.theta.real(rows["theta"])  # (T, P)
    code = rows["code"].astype(np.float64) * 2.0**-model.codes.frac
    x = ds.x_train[rows["sample"]]  # (T, n_in)
    t = ds.y_train[rows["sample"]][:, 0]  # (T,)

    def float_cost(params):
        y = mlp.forward(params, x[:, None, :])[:, 0, 0]  # one "seed" per step
        return (y - t) ** 2, y

    out = {"steps": len(theta)}
    for name, params, measured in (("cost", theta + dtheta * code, rows["cost"]), ("c0", theta, rows["c0"])):
        c_float, y = float_cost(params)
        eps_y = model.net.error_bound(params)[:, 0]
        eps = eps_y * (2 * np.abs(y - t) + eps_y)
        diff = np.abs(f.cost.real(measured) - c_float)
        out[f"{name}_max_ratio"] = float(np.max(diff / eps)) if len(diff) else 0.0
        out[f"{name}_max_abs"] = float(np.max(diff)) if len(diff) else 0.0
    return out
