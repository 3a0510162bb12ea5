"""One configuration object for the whole project.

:class:`MGDConfig` is shared by the golden model, the RTL generator and the ``mgd`` CLI. It holds the network shape,
the MGD time constants (τx, τp, τθ), the learning rate η, the perturbation amplitude Δθ, the perturbation kind, the
noise models and the seeds. It validates itself (:meth:`MGDConfig.validate`) and refuses nonsense with a
:class:`ConfigError` whose message says which field is wrong and what is allowed, before any work is done.

Conventions (see ``docs/golden-model.md``):

* Steps are numbered from 0. Events "at the start of a period" fire at step ``n`` when ``n % τ == 0``; the parameter
  update fires at the *end* of step ``n`` when ``(n + 1) % τθ == 0``, so an update closes a block of exactly τθ
  steps. ``tau_theta = math.inf`` integrates G forever (the papers' τθ = ∞, used to measure angle(G, ∇C)).
* ``dtheta`` is the amplitude of every parameter's perturbation (per parameter, not the norm of the vector).
  The authors' code uses ``norm`` with a per-parameter amplitude ``norm/√N``: pass ``dtheta = norm/√N``.
* ``normalization="unbiased"`` gives the papers' e = C̃·θ̃/σ² (σ² = mean square of the perturbation; Δθ² for
  ±Δθ codes), so E[G] = ∇C per step. ``normalization="authors"`` divides additionally by N (the number of perturbed
  quantities), like the authors' simulator: E[G] = ∇C/N, and their η equals N × the unbiased η.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

__all__ = ["ConfigError", "MGDConfig", "CHOICES"]


class ConfigError(ValueError):
    """A configuration that cannot describe a valid MGD run."""


#: Allowed values of every enumerated field (the CLI offers exactly these).
CHOICES: dict[str, tuple[str, ...]] = {
    "algorithm": ("discrete", "analog"),
    "perturbation": ("code", "walsh", "sequential", "sinusoid", "uniform", "gaussian"),
    "perturb_target": ("weight", "node"),
    "normalization": ("unbiased", "authors"),
    "estimator": ("mgd", "backprop"),
    "optimizer": ("sgd", "momentum", "adam"),
    "activation": ("sigmoid", "relu"),
    "output_activation": ("sigmoid", "linear"),
    "param_order": ("authors", "layer"),
    "update_noise": ("per_parameter", "scalar"),
    "sample_order": ("random", "cyclic", "shuffled"),
}


@dataclass(frozen=True)
class MGDConfig:
    """Everything that defines an MGD training run.

    Network
        ``dataset`` (a name known to :mod:`mgd.golden_model.datasets`), ``layers`` (full sizes, inputs first, e.g.
        ``(2, 2, 1)``; ``None`` = the dataset's default network), ``activation`` (hidden layers),
        ``output_activation``, ``bias_sign`` (-1: a = act(W·a − b) as in the authors' code; +1: W·a + b),
        ``param_order`` ("authors": all weight matrices column-major, then all biases; "layer": per layer W row-major
        then b), ``init_scale`` (θ₀ ~ U[−s, s)), ``theta_max`` (parameter range: after every update θ is clipped
        to [−θmax, θmax], as the hardware's saturating θ register does; ``None`` = unbounded; it bounds the
        backprop reference in the same way).
    Algorithm
        ``algorithm`` (1 = discrete, 2 = analog), ``tau_x``, ``tau_p``, ``tau_theta`` (steps), ``tau_hp`` and ``dt``
        (analog only), ``eta``, ``dtheta``, ``perturbation``, ``perturb_target``, ``normalization``, ``estimator``
        ("backprop" replaces the MGD error by the exact gradient of the same cost: the reference SGD).
    Optimizer
        ``optimizer`` with ``momentum`` (β), ``adam_beta1``, ``adam_beta2``, ``adam_eps``.
    Noise (MGD paper §3.5)
        ``sigma_cost`` (std of Gaussian noise added to every cost measurement, in cost units), ``sigma_theta``
        (std of the update noise in units of Δθ, added to every parameter at every update), ``update_noise``
        ("per_parameter" as the paper describes, "scalar" = one draw shared by all parameters, the authors' code),
        ``sigma_act`` (static per-neuron activation defects: act(g·(z − o)), g = 1 + σa·N(0,1), o = σa·N(0,1)).
    Run
        ``steps``, ``seeds`` (independent initialisations run vectorised), ``seed`` (base seed), ``sample_order``,
        ``eval_every`` (steps between full-dataset evaluations), ``threshold`` (accuracy target; ``None`` = 1.0 for
        parity tasks, 0.9 otherwise).
    """

    dataset: str = "xor"
    layers: tuple[int, ...] | None = None
    activation: str = "sigmoid"
    output_activation: str = "sigmoid"
    bias_sign: int = -1
    param_order: str = "authors"
    init_scale: float = 1.0
    theta_max: float | None = None

    algorithm: str = "discrete"
    tau_x: int = 1
    tau_p: int = 1
    tau_theta: float = 1
    tau_hp: float = 1.6
    dt: float = 1.0
    eta: float = 0.5
    dtheta: float = 0.05
    perturbation: str = "code"
    perturb_target: str = "weight"
    normalization: str = "unbiased"
    estimator: str = "mgd"

    optimizer: str = "sgd"
    momentum: float = 0.9
    adam_beta1: float = 0.9
    adam_beta2: float = 0.999
    adam_eps: float = 1e-8

    sigma_cost: float = 0.0
    sigma_theta: float = 0.0
    update_noise: str = "per_parameter"
    sigma_act: float = 0.0

    steps: int = 10_000
    seeds: int = 1
    seed: int = 0
    sample_order: str = "cyclic"
    eval_every: int = 100
    threshold: float | None = None

    # ------------------------------------------------------------------ helpers

    def replace(self, **changes) -> MGDConfig:
        """A copy with some fields changed, validated."""
        return dataclasses.replace(self, **changes).validate()

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        if d["layers"] is not None:
            d["layers"] = list(d["layers"])
        if math.isinf(d["tau_theta"]):
            d["tau_theta"] = "inf"
        return d

    @classmethod
    def from_dict(cls, d: dict) -> MGDConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ConfigError(f"unknown configuration field(s): {', '.join(unknown)}")
        d = dict(d)
        if d.get("layers") is not None:
            d["layers"] = tuple(d["layers"])
        if d.get("tau_theta") == "inf":
            d["tau_theta"] = math.inf
        return cls(**d).validate()

    @property
    def tau_theta_is_finite(self) -> bool:
        return not math.isinf(self.tau_theta)

    # --------------------------------------------------------------- validation

    def validate(self) -> MGDConfig:
        """Check every field; raise :class:`ConfigError` naming the first bad one. Returns ``self``."""
        for name, allowed in CHOICES.items():
            value = getattr(self, name)
            if value not in allowed:
                raise ConfigError(f"{name}={value!r} is not one of: {', '.join(allowed)}")

        def need_int(name, minimum):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
                raise ConfigError(f"{name} must be an integer, got {value!r}")
            if value < minimum:
                raise ConfigError(f"{name} must be >= {minimum}, got {value!r}")

        def need_real(name, *, positive=False, nonnegative=False, below=None):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise ConfigError(f"{name} must be a finite number, got {value!r}")
            if positive and value <= 0:
                raise ConfigError(f"{name} must be > 0, got {value!r}")
            if nonnegative and value < 0:
                raise ConfigError(f"{name} must be >= 0, got {value!r}")
            if below is not None and value >= below:
                raise ConfigError(f"{name} must be < {below}, got {value!r}")

        need_int("tau_x", 1)
        need_int("tau_p", 1)
        tt = self.tau_theta
        if isinstance(tt, bool) or not isinstance(tt, int | float) or math.isnan(tt) or tt <= 0:
            raise ConfigError(f"tau_theta must be > 0 (or inf), got {tt!r}")
        if self.algorithm == "discrete" and not math.isinf(tt) and tt != int(tt):
            raise ConfigError(f"tau_theta must be an integer number of steps for the discrete algorithm, got {tt!r}")
        need_real("tau_hp", positive=True)
        need_real("dt", positive=True)
        need_real("eta", nonnegative=True)
        need_real("dtheta", positive=True)
        need_real("init_scale", nonnegative=True)
        if self.theta_max is not None:
            need_real("theta_max", positive=True)
            if self.init_scale > self.theta_max:
                raise ConfigError(f"init_scale={self.init_scale!r} draws θ₀ outside the parameter range "
                                  f"theta_max={self.theta_max!r}; use init_scale <= theta_max")
        need_real("momentum", nonnegative=True, below=1)
        need_real("adam_beta1", nonnegative=True, below=1)
        need_real("adam_beta2", nonnegative=True, below=1)
        need_real("adam_eps", positive=True)
        need_real("sigma_cost", nonnegative=True)
        need_real("sigma_theta", nonnegative=True)
        need_real("sigma_act", nonnegative=True)
        need_int("steps", 0)
        need_int("seeds", 1)
        need_int("seed", 0)
        need_int("eval_every", 1)
        if self.bias_sign not in (-1, 1):
            raise ConfigError(f"bias_sign must be -1 or +1, got {self.bias_sign!r}")
        if self.threshold is not None:
            need_real("threshold")
            if not 0 < self.threshold <= 1:
                raise ConfigError(f"threshold is an accuracy in (0, 1], got {self.threshold!r}")
        if self.layers is not None:
            if len(self.layers) < 2:
                raise ConfigError(f"layers needs at least an input and an output size, got {self.layers!r}")
            for size in self.layers:
                if isinstance(size, bool) or not isinstance(size, int) or size < 1:
                    raise ConfigError(f"layer sizes must be positive integers, got {self.layers!r}")
        if self.algorithm == "analog" and self.perturbation == "sequential":
            raise ConfigError("perturbation='sequential' is a discrete-time scheme; use algorithm='discrete'")
        if self.estimator == "backprop" and self.algorithm != "discrete":
            raise ConfigError("estimator='backprop' runs on the discrete schedule; use algorithm='discrete'")
        if self.estimator == "backprop" and self.perturb_target == "node":
            raise ConfigError("estimator='backprop' computes the exact weight gradient; "
                              "perturb_target must be 'weight'")
        return self
