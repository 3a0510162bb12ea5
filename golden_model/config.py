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
import numbers
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "ConfigError",
    "MGDConfig",
    "CHOICES",
    "check_field",
    "STEP_COUNTER_BITS",
    "MAX_STEPS",
    "MAX_SEEDS",
    "MAX_SEED",
    "MAX_ARRAY_VALUES",
]


class ConfigError(ValueError):
    """A configuration that cannot describe a valid MGD run."""


#: width of the hardware's step counter and ``steps`` register (:class:`~.schedule.Registers`)
STEP_COUNTER_BITS = 32
#: longest run, in steps, on every backend: the hardware's ``steps`` register holds at most 2^32 − 1, and the float
#: models keep the same limit so that every backend accepts the same configurations (also the bound of τx, τp, τθ
#: and ``eval_every``)
MAX_STEPS = (1 << STEP_COUNTER_BITS) - 1
#: most independent initialisations in one run (they are vectorised: memory grows with seeds × parameters)
MAX_SEEDS = 100_000
#: largest base seed (a 32-bit seed; initialisation k uses seed + k)
MAX_SEED = (1 << 32) - 1
#: most values of one run's arrays, refused before allocation: seeds × parameters (θ, G, …: 800 MB per float64
#: array) and seeds × evaluations (the learning curves)
MAX_ARRAY_VALUES = 10**8


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _int_check(low: int, high: int):
    def check(name, value):
        if not _is_int(value):
            raise ConfigError(
                f"{name} must be an integer in [{low}, {high}], got {value!r}"
                + (" (write integers without a decimal point)" if _is_real(value) else "")
            )
        if not low <= value <= high:
            raise ConfigError(f"{name} must be an integer in [{low}, {high}], got {value!r}")

    return check


def _real_check(low=None, high=None, *, low_open=False, high_open=False):
    parts = []
    if low is not None:
        parts.append(f"{'>' if low_open else '>='} {low:g}")
    if high is not None:
        parts.append(f"{'<' if high_open else '<='} {high:g}")
    bounds = " and ".join(parts)
    allowed = "a finite number" + (" " + bounds if parts else "")

    def check(name, value):
        if not (_is_real(value) and math.isfinite(value)):
            raise ConfigError(f"{name} must be {allowed}, got {value!r}")
        ok = low is None or (value > low if low_open else value >= low)
        ok = ok and (high is None or (value < high if high_open else value <= high))
        if not ok:
            raise ConfigError(f"{name} must be {bounds}, got {value!r}")

    return check


def _optional(check):
    def optional(name, value):
        if value is not None:
            check(name, value)

    return optional


def _tau_theta_check(name, value):
    if _is_real(value) and math.isinf(value) and value > 0:
        return
    if not _is_real(value) or math.isnan(value) or not 0 < value <= MAX_STEPS:
        raise ConfigError(f"{name} must be a number in (0, {MAX_STEPS}] or inf (never update), got {value!r}")


def _string_check(name, value):
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{name} must be a non-empty string, got {value!r}")


def _bias_sign_check(name, value):
    if not _is_int(value) or value not in (-1, 1):
        raise ConfigError(f"{name} must be -1 or +1, got {value!r}")


def _layers_check(name, value):
    if value is None:
        return
    if not isinstance(value, tuple | list) or len(value) < 2 or not all(_is_int(v) and v >= 1 for v in value):
        raise ConfigError(
            f"{name} must be a list of at least two positive integers (input size first, e.g. [2, 2, 1]), got {value!r}"
        )


#: the range of every field that has one (choices: :data:`CHOICES`); the CLI's option types use the same checks
_FIELD_CHECKS = {
    "dataset": _string_check,
    "layers": _layers_check,
    "bias_sign": _bias_sign_check,
    "init_scale": _real_check(0),
    "theta_max": _optional(_real_check(0, low_open=True)),
    "tau_x": _int_check(1, MAX_STEPS),
    "tau_p": _int_check(1, MAX_STEPS),
    "tau_theta": _tau_theta_check,
    "tau_hp": _real_check(0, low_open=True),
    "dt": _real_check(0, low_open=True),
    "eta": _real_check(0),
    "dtheta": _real_check(0, low_open=True),
    "momentum": _real_check(0, 1, high_open=True),
    "adam_beta1": _real_check(0, 1, high_open=True),
    "adam_beta2": _real_check(0, 1, high_open=True),
    "adam_eps": _real_check(0, low_open=True),
    "sigma_cost": _real_check(0),
    "sigma_theta": _real_check(0),
    "sigma_act": _real_check(0),
    "steps": _int_check(0, MAX_STEPS),
    "seeds": _int_check(1, MAX_SEEDS),
    "seed": _int_check(0, MAX_SEED),
    "eval_every": _int_check(1, MAX_STEPS),
    "threshold": _optional(_real_check(0, 1, low_open=True)),
}


def check_field(name: str, value) -> None:
    """Check one field's type and range alone (the CLI's option types call this); raise :class:`ConfigError`
    naming the field and what is allowed."""
    if name in CHOICES:
        if not isinstance(value, str) or value not in CHOICES[name]:
            raise ConfigError(f"{name}={value!r} is not one of: {', '.join(CHOICES[name])}")
    elif name in _FIELD_CHECKS:
        _FIELD_CHECKS[name](name, value)


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
    "hardware_seeds": ("independent", "shared"),
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
        parity tasks, 0.9 otherwise), ``hardware_seeds`` (the fixed-point model and the RTL backends only:
        "independent" gives initialisation k its own seed register value, derived from ``seed + k``
        (:func:`mgd.golden_model.hardware_seed.hardware_seed`), so codes and sample order are drawn anew with θ₀;
        "shared" runs every initialisation with seed register 0: one draw of the hardware's randomness, for
        comparison).
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
    hardware_seeds: str = "independent"

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
    def from_dict(cls, d: Mapping) -> MGDConfig:
        """A validated config from a mapping of field names (e.g. a JSON object): unknown fields, wrong types
        (``layers`` must be a list, ``tau_theta`` a number or ``"inf"``) and bad values raise :class:`ConfigError`
        naming the field."""
        if not isinstance(d, Mapping):
            raise ConfigError(
                f"a configuration must be an object (a dict / JSON object) of MGDConfig fields, got "
                f"{type(d).__name__}: {_short(d)}"
            )
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(map(str, set(d) - known))
        if unknown:
            raise ConfigError(f"unknown configuration field(s): {', '.join(unknown)}")
        d = dict(d)
        if d.get("layers") is not None:
            _layers_check("layers", d["layers"])  # a string "2-2-1" would otherwise become a tuple of characters
            d["layers"] = tuple(d["layers"])
        if d.get("tau_theta") == "inf":
            d["tau_theta"] = math.inf
        return cls(**d).validate()

    @property
    def tau_theta_is_finite(self) -> bool:
        return not math.isinf(self.tau_theta)

    # --------------------------------------------------------------- validation

    def validate(self) -> MGDConfig:
        """Check every field; raise :class:`ConfigError` naming the first bad one. Returns ``self``.

        Types are strict: integer fields take integers only (not 100.0, not ``True``), real fields finite numbers,
        enumerated fields one of :data:`CHOICES`. Sizes are bounded (:data:`MAX_STEPS`, :data:`MAX_SEEDS`,
        :data:`MAX_ARRAY_VALUES`), so an absurd run is refused before anything is allocated."""
        for name in (*CHOICES, *_FIELD_CHECKS):
            check_field(name, getattr(self, name))
        tt = self.tau_theta
        if self.algorithm == "discrete" and not math.isinf(tt) and tt != int(tt):
            raise ConfigError(f"tau_theta must be an integer number of steps for the discrete algorithm, got {tt!r}")
        if self.theta_max is not None and self.init_scale > self.theta_max:
            raise ConfigError(
                f"init_scale={self.init_scale!r} draws θ₀ outside the parameter range "
                f"theta_max={self.theta_max!r}; use init_scale <= theta_max"
            )
        evaluations = -(-self.steps // self.eval_every) + 1
        if evaluations * self.seeds > MAX_ARRAY_VALUES:
            raise ConfigError(
                f"steps/eval_every × seeds = {evaluations:,} evaluations × {self.seeds:,} seeds "
                f"exceeds {MAX_ARRAY_VALUES:,} learning-curve values; raise eval_every or use fewer "
                "seeds"
            )
        if self.layers is not None:
            n_params = sum((a + 1) * b for a, b in zip(self.layers, self.layers[1:], strict=False))
            if n_params * self.seeds > MAX_ARRAY_VALUES:
                raise ConfigError(
                    f"layers {'-'.join(map(str, self.layers))} × seeds = {n_params:,} parameters × "
                    f"{self.seeds:,} seeds exceeds {MAX_ARRAY_VALUES:,} values per array"
                )
        if self.algorithm == "analog" and self.perturbation == "sequential":
            raise ConfigError("perturbation='sequential' is a discrete-time scheme; use algorithm='discrete'")
        if self.estimator == "backprop" and self.algorithm != "discrete":
            raise ConfigError("estimator='backprop' runs on the discrete schedule; use algorithm='discrete'")
        if self.estimator == "backprop" and self.perturb_target == "node":
            raise ConfigError(
                "estimator='backprop' computes the exact weight gradient; perturb_target must be 'weight'"
            )
        return self


def _short(value, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
