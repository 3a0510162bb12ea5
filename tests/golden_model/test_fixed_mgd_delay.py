"""FixedMGD's ``update_delay`` (the pipelined trainer that never stalls): d = 0 is the model without the option, and
d > 0 equals a reference loop written here from the documented semantics, step by step."""

import numpy as np
import pytest

from mgd.golden_model.config import ConfigError, MGDConfig
from mgd.golden_model.fixed_accuracy import classified_correctly
from mgd.golden_model.fixed_mgd import FixedMGD, train_fixed
from mgd.golden_model.fixed_units import (
    accumulate,
    apply_update,
    broadcast,
    correlate,
    cost,
    update_step,
    weight,
)

TINY = MGDConfig(
    dataset="xor", eta=0.5, dtheta=2**-4, init_scale=2.0, steps=60, seeds=3, sample_order="random", eval_every=20
)

STATE = ("cost", "c0", "c_tilde", "bcast", "sample", "code", "G", "theta", "correct")


@pytest.mark.parametrize(
    "taus", [(1, 1, 1), (1, 1, 2), (3, 1, 3), (2, 2, 5), (1, 3, 4)], ids=lambda t: "tx{}-tp{}-tt{}".format(*t)
)
def test_zero_delay_is_the_model_without_the_option(taus):
    tau_x, tau_p, tau_theta = taus
    cfg = TINY.replace(tau_x=tau_x, tau_p=tau_p, tau_theta=tau_theta)
    plain, zero = FixedMGD(cfg), FixedMGD(cfg, update_delay=0)
    for _ in range(cfg.steps):
        plain.step()
        zero.step()
        for name in STATE:
            np.testing.assert_array_equal(getattr(zero, name), getattr(plain, name), err_msg=name)


def reference_run(model: FixedMGD, steps: int, delay: int):
    """The delayed-update semantics from scratch, using ``model`` only for its parts (θ₀, codes, sample addresses,
    network, registers), never its step: window j (j ≥ 1) ends at step jτθ − 1 and yields θ version j =
    sat(version j−1 − step(G_j)); step m uses version #{j ≥ 1: jτθ + d ≤ m}; C₀ is measured on every step."""
    cfg, f = model.config, model.fmts
    tt = int(cfg.tau_theta)
    versions = [model.theta0.copy()]
    G = np.zeros_like(model.theta0)
    correct = np.zeros(cfg.seeds, dtype=np.int64)
    sample = code = None
    for m in range(steps):
        theta = versions[max(0, (m - delay) // tt)]
        if m % cfg.tau_x == 0:
            sample = model.sample_index(m // cfg.tau_x)
        if m % cfg.tau_p == 0:
            code = model.codes.codes_at(m // cfg.tau_p + model.hw_seeds)
        x, target = model.x[sample][:, None, :], model.y[sample]
        y0 = model.net.forward(theta, x)[:, 0, :]
        c0 = cost(y0, target, f)
        if m % cfg.tau_x == 0:
            correct += classified_correctly(y0, target, model.dataset.task, f.act)
        w = weight(theta, code, model.dtheta, 1, model.codes.frac, f)
        c = cost(model.net.forward(w, x)[:, 0, :], target, f)
        b = broadcast(c - c0, model.eta, model.mode, f)
        G = accumulate(G, correlate(code, b[:, None], model.codes.frac), model.gfmt)
        if (m + 1) % tt == 0:
            versions.append(apply_update(versions[-1], update_step(G, model.eta, model.mode, f), f))
            G = np.zeros_like(G)
        theta_next = versions[max(0, (m + 1 - delay) // tt)]
        yield {"cost": c, "c0": c0, "bcast": b, "G": G, "theta": theta_next, "correct": correct}


@pytest.mark.parametrize("perturbation", ["code", "walsh"])  # hardware codes lfsr and walsh
@pytest.mark.parametrize("delay", [1, 5])
@pytest.mark.parametrize("tau_theta", [1, 3])
def test_delayed_update_equals_the_reference_every_step(tau_theta, delay, perturbation):
    cfg = TINY.replace(tau_theta=tau_theta, perturbation=perturbation)
    model = FixedMGD(cfg, update_delay=delay)
    for m, want in enumerate(reference_run(FixedMGD(cfg), cfg.steps, delay)):
        model.step()
        for name in ("cost", "c0", "bcast", "G", "theta", "correct"):
            np.testing.assert_array_equal(getattr(model, name), want[name], err_msg=f"{name} at step {m}")


@pytest.mark.parametrize("mode", ["prescaled", "raw"])
def test_delayed_update_with_held_samples_and_codes(mode):
    cfg = TINY.replace(tau_x=2, tau_p=2, tau_theta=4, eta=0.25)
    model = FixedMGD(cfg, mode=mode, update_delay=3)
    for m, want in enumerate(reference_run(FixedMGD(cfg, mode=mode), cfg.steps, 3)):
        model.step()
        for name in ("cost", "c0", "bcast", "theta", "correct"):
            np.testing.assert_array_equal(getattr(model, name), want[name], err_msg=f"{name} at step {m}")


def test_a_delay_changes_the_run_and_train_fixed_passes_it_on():
    cfg = TINY.replace(tau_theta=2)
    delayed = train_fixed(cfg, update_delay=4)
    model = FixedMGD(cfg, update_delay=4)
    for _ in range(cfg.steps):
        model.step()
    np.testing.assert_array_equal(delayed.theta, model.theta_real)
    assert not np.array_equal(delayed.theta, train_fixed(cfg).theta)
    assert FixedMGD(cfg, update_delay=np.int64(2)).update_delay == 2


@pytest.mark.parametrize("bad", [-1, True, 1.5, 2.0, "2", None])
def test_bad_update_delays_are_refused(bad):
    with pytest.raises(ConfigError, match="update_delay must be a non-negative integer"):
        FixedMGD(TINY, update_delay=bad)


def test_the_compiled_engine_refuses_a_delay():
    with pytest.raises(ConfigError, match="compiled engine has no delayed update"):
        train_fixed(TINY, engine="compiled", update_delay=3)
