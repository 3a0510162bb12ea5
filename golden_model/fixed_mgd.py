"""The bit-exact fixed-point MGD model: Algorithm 1 as the hardware computes it, step by step.

Per step n (the float model's schedule, :mod:`.algorithms`), on stored integers:

1. ``n % τx == 0``: next sample from the dataset memory, in the hardware's ``config.sample_order`` ("cyclic" or
   "random" = the sample LFSR's order from the seed register's phase, :mod:`.sample_order`), unless a recorded
   ``order`` is given.
2. ``n % τx == 0`` or ``n % τθ == 0``: C₀ ← cost(forward(θ)).
3. ``n % τp == 0``: code cᵢ for perturbation step t = n // τp + s (:mod:`.codes`), s the seed register: the number
   of code advances before step 0.
4. C ← cost(forward(sat(θ + ⌊c·Δθ⌋))); C̃ ← C − C₀; b ← broadcast(C̃) (u = ⌊C̃·η⌋ or C̃, :mod:`.fixed_units`);
   G ← sat(G + ⌊c·b⌋).
5. ``(n + 1) % τθ == 0``: θ ← sat(θ − step(G)); G ← 0.

``update_delay`` d ≥ 0 (default 0 = the steps above) models a pipelined trainer that never stalls: the update of
the window ending at step n is applied for the first time to step n + 1 + d, and steps in between still use the
old θ (:class:`FixedMGD`). Only the numpy model has it; the RTL and the compiled engine implement d = 0.

Runtime registers, from the config: Δθ = 2^−k exactly (in θ's LSB), η register = η/(Δθ·power) rounded to nearest
in the η format (the float model's "unbiased" normalisation, which is the only one the hardware implements).
θ₀ = the float model's initialisation for the same seed, rounded to nearest in θ's format.

Every initialisation k runs with its own seed register s_k (``hw_seed``; by default
:func:`~.hardware_seed.hardware_seeds` of the config: derived from ``config.seed + k``, or 0 for all with
``hardware_seeds="shared"``), so codes and sample order are drawn anew with θ₀: what the hardware does when each
run gets its own seed register value.

:func:`float_twin` builds the float model driven by the same perturbation codes, sample order, θ₀ and
(quantised) η, for the fixed-vs-float comparison.
"""

from __future__ import annotations

import math
import time
from collections import deque

import numpy as np

from . import datasets
from .codes import FLOAT_KIND, CodeSpec
from .config import ConfigError, MGDConfig
from .fixed_accuracy import classified_correctly
from .fixed_network import FixedMLP
from .fixed_units import (
    BROADCAST_MODES,
    accumulate,
    apply_update,
    broadcast,
    correlate,
    cost,
    g_format,
    update_step,
    weight,
)
from .formats import DEFAULT_FORMATS, FixedFormats
from .hardware_seed import hardware_seeds
from .lfsr import DEFAULT_LFSR
from .network import MLP
from .perturbations import ArraySource
from .sample_order import HARDWARE_ORDERS, sample_indices
from .samples import ArrayOrder
from .schedule import Registers
from .training import TrainResult, build, evaluation_steps, resolve_layers, threshold_for

__all__ = ["FixedMGD", "ENGINES", "code_kind", "dtheta_shift", "train_fixed", "float_twin"]

#: the engines :func:`train_fixed` runs the steps with: "numpy" (:meth:`FixedMGD.step`, the spec) or "compiled"
#: (:class:`~.fixed_engine.FixedEngine`, numba; bit-identical)
ENGINES = ("numpy", "compiled")

_KIND_OF_FLOAT = {v: k for k, v in FLOAT_KIND.items()}


def code_kind(config: MGDConfig) -> str:
    """The hardware code standing for the config's perturbation kind (code→lfsr, uniform→lfsr_multilevel, …)."""
    if config.perturbation not in _KIND_OF_FLOAT:
        raise ConfigError(
            f"perturbation={config.perturbation!r} has no hardware code; use one of {', '.join(_KIND_OF_FLOAT)}"
        )
    return _KIND_OF_FLOAT[config.perturbation]


def dtheta_shift(config: MGDConfig, fmts: FixedFormats) -> int:
    """k with Δθ = 2^−k; the hardware needs Δθ to be a power of two representable in θ's format."""
    k = -math.log2(config.dtheta)
    if k != int(k) or not 0 <= k <= fmts.theta.frac:
        raise ConfigError(
            f"dtheta must be 2^-k with 0 <= k <= {fmts.theta.frac} for the fixed-point hardware, got {config.dtheta!r}"
        )
    return int(k)


def _check(config: MGDConfig):
    config.validate()
    problems = [
        (config.algorithm != "discrete", "algorithm must be 'discrete'"),
        (config.perturb_target != "weight", "perturb_target must be 'weight'"),
        (config.estimator != "mgd", "estimator must be 'mgd'"),
        (config.optimizer != "sgd", "optimizer must be 'sgd'"),
        (config.normalization != "unbiased", "normalization must be 'unbiased'"),
        (not config.tau_theta_is_finite, "tau_theta must be finite"),
        (bool(config.sigma_cost or config.sigma_theta or config.sigma_act), "noise models are float-only"),
    ]
    for bad, msg in problems:
        if bad:
            raise ConfigError(f"the fixed-point hardware model supports SGD on Algorithm 1 only: {msg}")


class FixedMGD:
    """Algorithm 1 in fixed point for ``config.seeds`` initialisations, each with its own seed register value
    ``hw_seeds[k]`` (``hw_seed``: ``None`` = :func:`~.hardware_seed.hardware_seeds` of the config; an int = that
    value for every initialisation; or one value per initialisation).

    After :meth:`step`: ``cost``, ``c0``, ``c_tilde``, ``bcast``, ``sample`` (S,), ``code``, ``G``, ``theta``
    (S, P), all stored integers, hold that step's values (G and θ after the update, if one happened). ``correct``
    (S,) and ``seen`` count, since step 0, the fresh samples (n mod τx = 0) and how many of them the unperturbed
    network classified correctly when C₀ was measured (:mod:`.fixed_accuracy`): the hardware's accuracy counters.

    ``update_delay`` (d, a non-negative int; default 0) delays every θ update by d steps, as a pipelined trainer
    that never stalls does. At the end of step n with (n + 1) % τθ = 0 the update amount step(G) (G, or ⌊G·η⌋ in
    raw mode, in θ's LSB, unsaturated: :func:`~.fixed_units.update_step`) is computed as for d = 0 and G ← 0, but
    the amount is queued with due step n + 1 + d. At the end of every step n, each queued amount with due step
    ≤ n + 1 is applied, oldest first: θ ← sat(θ − step(G)). So step m's forward passes (C₀ and C) use
    θ_used(m) = θ₀ with, in order, the updates of every window ending at a step n with n + 1 + d ≤ m, each
    subtracted from the θ the previous one left; ``theta`` after step m is θ_used(m + 1), the θ register the
    array reads (updates still in the queue are not in it). C₀ is measured at step n when n % τx = 0, n % τθ = 0
    or an update was applied after step n − 1: bit-identical to measuring it every step, since C₀ depends only on
    the sample and θ_used, which change only then (for d = 0 these are the steps n % τθ = 0, so the rule is the
    one above). The accuracy counter counts fresh samples only, as for d = 0. d = 0 is exactly the model without
    the option."""

    def __init__(
        self,
        config: MGDConfig,
        fmts: FixedFormats = DEFAULT_FORMATS,
        *,
        mode: str = "prescaled",
        lfsr=DEFAULT_LFSR,
        levels_bits: int = 3,
        theta0=None,
        order=None,
        hw_seed=None,
        update_delay: int = 0,
    ):
        _check(config)
        if isinstance(update_delay, bool) or not isinstance(update_delay, int | np.integer) or update_delay < 0:
            raise ConfigError(
                f"update_delay must be a non-negative integer number of steps (0 = no delay), got {update_delay!r}"
            )
        self.update_delay = int(update_delay)
        self._pending = deque()  # (due step, update amount (S, P)), oldest first
        self._theta_changed = False  # an update was applied after the last step: C₀ must be re-measured
        if mode not in BROADCAST_MODES:
            raise ConfigError(f"broadcast mode must be one of {', '.join(BROADCAST_MODES)}, got {mode!r}")
        bound = -fmts.theta.real(fmts.theta.min)
        if config.theta_max is not None and config.theta_max != bound:
            raise ConfigError(
                f"the hardware's θ register saturates at its format's range ±{bound:g} "
                f"({fmts.theta.describe()}); theta_max must be None or {bound:g}, got "
                f"{config.theta_max!r}"
            )
        self.config, self.fmts, self.mode = config, fmts, mode
        self.dataset = datasets.load(config.dataset)
        if order is None and config.sample_order not in HARDWARE_ORDERS:
            raise ConfigError(
                f"sample_order={config.sample_order!r} has no hardware version; use one of "
                f"{', '.join(HARDWARE_ORDERS)} (or pass a recorded order)"
            )
        self.layers = resolve_layers(config, self.dataset)
        self.mlp = MLP.from_config(config, self.layers)
        self.net = FixedMLP(self.mlp, fmts)
        P = self.mlp.n_params
        self.codes = CodeSpec(code_kind(config), P, lfsr, levels_bits)
        self.k = dtheta_shift(config, fmts)
        self.dtheta = 1 << (fmts.theta.frac - self.k)
        self.eta = self._eta_register(config, fmts, self.codes.power)
        if theta0 is None:
            if config.init_scale > bound:
                raise ConfigError(
                    f"init_scale={config.init_scale!r} draws θ₀ outside the θ format's range "
                    f"±{bound:g} ({fmts.theta.describe()}); use init_scale <= {bound:g}"
                )
            theta0 = self.mlp.init_theta(config.seeds, config.seed, config.init_scale)
        theta0 = np.asarray(theta0, dtype=np.float64)
        if theta0.shape != (config.seeds, P):
            raise ConfigError(f"theta0 must have shape ({config.seeds}, {P}), got {theta0.shape}")
        if not np.all(np.isfinite(theta0)) or np.abs(theta0).max(initial=0) > bound:
            raise ConfigError(
                f"theta0 must be finite and within the θ format's range ±{bound:g} ({fmts.theta.describe()})"
            )
        self.theta = fmts.theta.quantize(theta0)
        self.hw_seeds = self._hw_seeds(config, hw_seed)
        self.theta0 = self.theta.copy()
        self.x = fmts.act.quantize(self.dataset.x_train)
        self.y = fmts.act.quantize(self.dataset.y_train)
        self.order = np.asarray(order, dtype=np.int64) if order is not None else None
        self.gfmt = g_format(mode, fmts)
        S = config.seeds
        self.G = np.zeros((S, P), dtype=np.int64)
        self.code = np.zeros((S, P), dtype=np.int64)
        self.cost = self.c0 = self.c_tilde = self.bcast = np.zeros(S, dtype=np.int64)
        self.n = self.samples_drawn = 0
        self.correct = np.zeros(S, dtype=np.int64)  # fresh samples classified correctly at C₀ (per seed)
        self.seen = 0  # fresh samples drawn
        self.sample = np.zeros(S, dtype=np.int64)
        self._order_block = None

    def register_values(self, k: int = 0) -> dict[str, int]:
        """The runtime registers that make the trainer run this model's initialisation ``k``: ``{name: value}`` over
        :data:`Registers.NAMES <.schedule.Registers>`, not yet checked against the ports (:meth:`registers` checks)."""
        cfg = self.config
        tau_theta = cfg.tau_theta if math.isinf(cfg.tau_theta) else int(cfg.tau_theta)
        values = {"tau_x": cfg.tau_x, "tau_p": cfg.tau_p, "tau_theta": tau_theta, "eta": int(self.eta)}
        values |= {"dtheta_shift": self.k, "seed": int(self.hw_seeds[k]), "steps": cfg.steps}
        return values

    def registers(self, k: int = 0) -> Registers:
        """:meth:`register_values` as checked :class:`~.schedule.Registers` of a design with these formats."""
        return Registers.for_formats(self.fmts, **self.register_values(k))

    @staticmethod
    def _eta_register(config: MGDConfig, fmts: FixedFormats, power: float) -> int:
        """η/(Δθ·power) rounded to nearest (half up, as :meth:`~.formats.Fmt.quantize`) in the η format; refused
        if it would saturate or round to 0."""
        eta_fmt, scale = fmts.eta, config.dtheta * power
        wanted = math.floor(config.eta / scale * (1 << eta_fmt.frac) + 0.5)
        if wanted > eta_fmt.max:
            raise ConfigError(
                f"eta={config.eta:g} does not fit the hardware's η register ({eta_fmt.describe()} "
                f"holds η/(Δθ·power) = η/{scale:g}): eta must be <= "
                f"{eta_fmt.real(eta_fmt.max) * scale:g}"
            )
        if config.eta > 0 and wanted == 0:
            raise ConfigError(
                f"eta={config.eta:g} rounds to 0 in the hardware's η register ({eta_fmt.describe()}, "
                f"η/{scale:g}): eta must be 0 or >= {eta_fmt.real(1) * scale / 2:g}"
            )
        return wanted

    @staticmethod
    def _hw_seeds(config: MGDConfig, hw_seed) -> np.ndarray:
        low, high = Registers.range("seed")
        if hw_seed is None:
            return hardware_seeds(config)
        seeds = np.asarray(hw_seed)
        if seeds.dtype.kind not in "iu" or seeds.ndim > 1 or (seeds.ndim == 1 and len(seeds) != config.seeds):
            raise ConfigError(
                f"hw_seed must be an integer or {config.seeds} integers (one per initialisation), got {hw_seed!r}"
            )
        if seeds.min(initial=low) < low or seeds.max(initial=high) > high:
            raise ConfigError(f"hw_seed (the seed register) must be in [{low}, {high}], got {hw_seed!r}")
        return np.broadcast_to(seeds.astype(np.int64), (config.seeds,)).copy()

    # ------------------------------------------------------------------ model

    def sample_index(self, k: int) -> np.ndarray:
        """Address of the k-th sample drawn (k = n // τx) of every initialisation: int array (S,)."""
        if self.order is not None:
            return np.full(self.config.seeds, self.order[k % len(self.order)], dtype=np.int64)
        block = max(1, min(4096, (1 << 20) // self.config.seeds))
        if self._order_block is None or not self._order_block[0] <= k < self._order_block[0] + block:
            self._order_block = (
                k,
                sample_indices(self.config.sample_order, len(self.x), block, start=k, seed=self.hw_seeds),
            )
        return self._order_block[1][:, k - self._order_block[0]]

    def sample_address(self, k: int, hw_seed: int) -> int:
        """Address of the k-th sample drawn by a run with seed register ``hw_seed`` (the schedule model's)."""
        if self.order is not None:
            return int(self.order[k % len(self.order)])
        return int(sample_indices(self.config.sample_order, len(self.x), 1, start=k, seed=hw_seed)[0])

    def _cost(self, w, count: bool = False):
        y = self.net.forward(w, self.x[self.sample][:, None, :])[:, 0, :]
        if count:  # the accuracy counter of the hardware: C₀ of a fresh sample
            self.correct += classified_correctly(y, self.y[self.sample], self.dataset.task, self.fmts.act)
            self.seen += 1
        return cost(y, self.y[self.sample], self.fmts)

    def step(self) -> None:
        cfg, f, n = self.config, self.fmts, self.n
        tt = int(cfg.tau_theta)
        new_sample = n % cfg.tau_x == 0
        if new_sample:
            self.sample = self.sample_index(n // cfg.tau_x)
        if new_sample or n % tt == 0 or self._theta_changed:
            self.c0 = self._cost(self.theta, count=new_sample)
        if n % cfg.tau_p == 0:
            self.code = self.codes.codes_at(n // cfg.tau_p + self.hw_seeds)
        w = weight(self.theta, self.code, self.dtheta, 1, self.codes.frac, f)
        self.cost = self._cost(w)
        self.c_tilde = self.cost - self.c0
        self.bcast = broadcast(self.c_tilde, self.eta, self.mode, f)
        self.G = accumulate(self.G, correlate(self.code, self.bcast[:, None], self.codes.frac), self.gfmt)
        if (n + 1) % tt == 0:
            self._pending.append((n + 1 + self.update_delay, update_step(self.G, self.eta, self.mode, f)))
            self.G = np.zeros_like(self.G)
        self._theta_changed = bool(self._pending) and self._pending[0][0] <= n + 1
        while self._pending and self._pending[0][0] <= n + 1:
            self.theta = apply_update(self.theta, self._pending.popleft()[1], f)
        self.n = n + 1

    # ------------------------------------------------------------- evaluation

    def evaluate(self, theta=None):
        """Accuracy and mean cost (real) on the evaluation set, computed by the fixed-point forward pass."""
        theta = self.theta if theta is None else theta
        ds, f = self.dataset, self.fmts
        y = self.net.forward(theta, f.act.quantize(ds.x_test))
        c = cost(y, f.act.quantize(ds.y_test)[None], f)
        return ds.accuracy(f.act.real(y), ds.y_test), f.cost.real(c).mean(axis=1)

    @property
    def theta_real(self) -> np.ndarray:
        return self.fmts.theta.real(self.theta)


def train_fixed(
    config: MGDConfig,
    fmts: FixedFormats = DEFAULT_FORMATS,
    *,
    mode="prescaled",
    progress=False,
    engine: str = "numpy",
    **kwargs,
) -> TrainResult:
    """Run the fixed-point model for ``config.steps`` steps, evaluating every ``eval_every`` steps (accuracy and
    mean cost on the evaluation set, real values). ``engine``: "numpy" steps :class:`FixedMGD` (the spec),
    "compiled" runs the same steps in :class:`~.fixed_engine.FixedEngine` (numba) between evaluations; both return
    the same :class:`~.training.TrainResult` (θ bit-identical), except ``wall_time``. ``kwargs`` go to
    :class:`FixedMGD` (``lfsr``, ``levels_bits``, ``theta0``, ``order``, ``hw_seed``, ``update_delay``; the
    compiled engine refuses ``update_delay`` ≠ 0). With a delay, θ evaluated at step n is the θ step n would use."""
    if engine not in ENGINES:
        raise ConfigError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    model = FixedMGD(config, fmts, mode=mode, **kwargs)
    if engine == "compiled" and model.update_delay != 0:
        raise ConfigError(
            f"the compiled engine has no delayed update (update_delay={model.update_delay}); use engine='numpy'"
        )
    if engine == "compiled":
        from .fixed_engine import FixedEngine  # imports numba: only when asked for

        compiled = FixedEngine(model)
        compiled.compile()  # compiled, or loaded from numba's cache, before the clock starts

        def advance(target):
            compiled.run(target - model.n)

        evaluate = compiled.evaluate
    else:

        def advance(target):
            while model.n < target:
                model.step()

        evaluate = model.evaluate
    threshold = threshold_for(config, model.dataset)
    eval_steps = evaluation_steps(config)
    accs, costs, reached = [], [], [None] * config.seeds
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=config.steps, desc=f"fixed {config.dataset}", unit="step", leave=False, mininterval=0.5)
    t0 = time.perf_counter()
    for target in eval_steps:
        advance(target)
        if bar is not None:
            bar.update(target - bar.n)
        acc, c = evaluate()
        accs.append(acc)
        costs.append(c)
        for s in np.flatnonzero(acc >= threshold):
            if reached[s] is None:
                reached[s] = int(target)
    wall = time.perf_counter() - t0
    if bar is not None:
        bar.close()
    return TrainResult(
        config,
        model.layers,
        model.mlp.n_params,
        threshold,
        np.array(eval_steps),
        np.array(accs),
        np.array(costs),
        reached,
        wall,
        model.theta_real,
        fmts.theta.real(model.theta0),
        hardware_seeds=model.hw_seeds.tolist(),
    )


def float_twin(model: FixedMGD):
    """The float model (:func:`.training.build`) driven by the fixed model's codes, sample order (each
    initialisation's, from its seed register), θ₀ and η register (η_float = η_register·Δθ·power, so both use the
    same learning rate to the last bit)."""
    cfg = model.config
    eta = model.fmts.eta.real(model.eta) * cfg.dtheta * model.codes.power
    cfg = cfg.replace(eta=float(eta))
    n_codes = -(-cfg.steps // cfg.tau_p) + 1
    t = np.arange(n_codes)[:, None] + model.hw_seeds[None, :]
    pattern = model.codes.codes_at(t.ravel()).reshape(n_codes, cfg.seeds, -1) * 2.0**-model.codes.frac
    source = ArraySource(cfg.seeds, model.mlp.n_params, pattern, power=model.codes.power)
    n_samples = -(-cfg.steps // cfg.tau_x) + 1
    order = ArrayOrder(np.stack([model.sample_index(k) for k in range(n_samples)]), cfg.seeds)
    return build(cfg, theta0=model.fmts.theta.real(model.theta0), source=source, order=order)
