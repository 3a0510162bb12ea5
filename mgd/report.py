"""Human-readable summaries and learning-curve plots of training results."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mgd.golden_model.files import atomic_write


def save_figure(fig, path, **kwargs) -> None:
    """``fig.savefig`` to ``path`` atomically (a temporary file in the same folder, then renamed); the format is
    the path's extension (png, pdf, svg, …: any matplotlib writes)."""
    path = Path(path)
    fmt = path.suffix[1:].lower()
    if not fmt:
        raise ValueError(f"plot {str(path)!r} needs an extension (png, pdf, svg, ...)")
    with atomic_write(path, "wb") as f:
        fig.savefig(f, format=fmt, **kwargs)


def _fmt_steps(v):
    return "never" if v is None else f"{v:,.0f}"


def format_summary(results: dict) -> str:
    """A table: one column per run (``{"mgd": TrainResult, "backprop": TrainResult}``)."""
    first = next(iter(results.values()))
    cfg = first.config
    layers = "-".join(map(str, first.layers))
    tt = "∞" if not cfg.tau_theta_is_finite else f"{cfg.tau_theta:g}"
    lines = [
        f"dataset {cfg.dataset}, network {layers} ({first.n_params} parameters), {cfg.seeds} seed(s) from "
        f"seed {cfg.seed}, {cfg.steps:,} steps",
        f"{cfg.algorithm} MGD: {cfg.perturbation} perturbation of {cfg.perturb_target}s, Δθ={cfg.dtheta:g}, "
        f"η={cfg.eta:g} ({cfg.normalization}), τx={cfg.tau_x} τp={cfg.tau_p} τθ={tt}, optimizer {cfg.optimizer}"
        + (f", θ clipped to ±{cfg.theta_max:g}" if cfg.theta_max is not None else ""),
    ]
    if first.hardware_seeds is not None:
        regs = ", ".join(map(str, first.hardware_seeds[:4])) + (", …" if len(first.hardware_seeds) > 4 else "")
        lines.append(f"hardware randomness: {cfg.hardware_seeds} (seed register per initialisation: {regs})")
    lines += [
        "",
    ]
    names = list(results)
    rows = [("", names)]

    def row(label, fn):
        rows.append((label, [fn(results[n]) for n in names]))

    row("median final accuracy", lambda r: f"{100 * np.median(r.final_accuracy):.1f} %")
    row("min / max accuracy", lambda r: f"{100 * r.final_accuracy.min():.1f} / {100 * r.final_accuracy.max():.1f} %")
    row("median final cost", lambda r: f"{np.median(r.final_cost):.4g}")
    row(
        f"seeds at ≥{100 * first.threshold:g} % (final)",
        lambda r: (
            f"{np.sum(r.final_accuracy >= r.threshold)}/{len(r.final_accuracy)} ({100 * r.solved_fraction:.0f} %)"
        ),
    )
    row("median steps to threshold", lambda r: _fmt_steps(r.median_steps_to_threshold()))
    row("wall time", lambda r: f"{r.wall_time:.2f} s")
    row("steps/s (all seeds)", lambda r: f"{r.steps_per_second:,.0f}")
    width = max(len(label) for label, _ in rows)
    colw = max(14, *(len(v) for _, vals in rows for v in vals))
    for label, vals in rows:
        lines.append(f"{label:<{width}}  " + "  ".join(f"{v:>{colw}}" for v in vals))
    return "\n".join(lines)


def plot_curves(results: dict, path) -> None:
    """Median cost and accuracy vs step (interquartile band shaded) for each run, saved to ``path`` (its extension
    gives the format: png, pdf, svg, …)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_c, ax_a) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    for name, r in results.items():
        for ax, data in ((ax_c, r.cost), (ax_a, 100 * r.accuracy)):
            q1, med, q3 = np.percentile(data, [25, 50, 75], axis=1)
            (line,) = ax.plot(r.eval_steps, med, label=f"{name} (median of {data.shape[1]})")
            ax.fill_between(r.eval_steps, q1, q3, color=line.get_color(), alpha=0.2, linewidth=0)
    cfg = next(iter(results.values())).config
    ax_c.set_yscale("log")
    ax_c.set_ylabel("cost (MSE over the evaluation set)")
    ax_a.set_ylabel("accuracy (%)")
    for ax in (ax_c, ax_a):
        ax.set_xlabel("step")
        ax.grid(True, alpha=0.3)
        ax.legend()
    fig.suptitle(
        f"{cfg.dataset}: MGD ({cfg.perturbation}, η={cfg.eta:g}, Δθ={cfg.dtheta:g}, "
        f"τx={cfg.tau_x} τp={cfg.tau_p} τθ={cfg.tau_theta:g}"
        + (f", |θ| ≤ {cfg.theta_max:g}" if cfg.theta_max is not None else "")
        + "); shaded: interquartile range"
    )
    try:
        save_figure(fig, path, dpi=110)
    finally:
        plt.close(fig)


def plot_trace_costs(traces: dict, path) -> None:
    """Overlay the cost measured at each step (the ``correlate`` cycles) of several traces, saved to ``path``
    (format from its extension)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from mgd.golden_model.formats import DEFAULT_FORMATS
    from mgd.golden_model.schedule import PHASES

    fig, ax = plt.subplots(figsize=(7, 4), constrained_layout=True)
    for (name, trace), style in zip(traces.items(), ("-", "--", ":", "-."), strict=False):
        at = np.flatnonzero(trace["phase"] == PHASES["correlate"])
        ax.plot(trace["step"][at], DEFAULT_FORMATS.cost.real(trace["cost"][at]), style, label=name, linewidth=1)
    ax.set_yscale("symlog", linthresh=1e-4)
    ax.set_xlabel("step")
    ax.set_ylabel("measured cost C (perturbed)")
    ax.grid(True, alpha=0.3)
    ax.legend()
    try:
        save_figure(fig, path, dpi=110)
    finally:
        plt.close(fig)
