"""Dataset presets (golden_model/presets.py): lookups return copies, parityN falls back to parity3, the documented
η conversions hold for the networks' parameter counts, and every preset is a configuration the float and the
fixed-point models accept (the hardware version with Δθ a power of two and an η that fits its register)."""

import math

import pytest

from mgd.golden_model.config import MGDConfig
from mgd.golden_model.fixed_mgd import FixedMGD
from mgd.golden_model.formats import COMPACT_FORMATS
from mgd.golden_model.network import MLP
from mgd.golden_model.presets import PRESETS, hardware_preset, preset


def test_preset_returns_a_copy():
    p = preset("xor")
    p["eta"] = 123.0
    assert PRESETS["xor"]["eta"] == 5 / 9 and preset("xor")["eta"] == 5 / 9


def test_parity_datasets_share_the_parity3_preset_and_others_have_none():
    assert preset("parity5") == preset("parity3") == PRESETS["parity3"]
    assert preset("iris") == {} and hardware_preset("iris") == {}


def test_documented_eta_conversions():
    """η_authors = N·η_unbiased with N the perturbed parameter count: XOR 2-2-1 (N = 9) η = 5; NIST7x7 49-4-4
    (N = 220) η = 3."""
    assert MLP((2, 2, 1)).n_params == 9 and MLP((49, 4, 4)).n_params == 220
    assert math.isclose(PRESETS["xor"]["eta"] * 9, 5) and math.isclose(PRESETS["nist7x7"]["eta"] * 220, 3)
    assert PRESETS["xor"]["theta_max"] == -COMPACT_FORMATS.theta.real(COMPACT_FORMATS.theta.min) == 8.0


@pytest.mark.parametrize("dataset", sorted(PRESETS) + ["parity4"])
def test_hardware_preset_rounds_dtheta_to_a_power_of_two_and_drops_theta_max(dataset):
    soft, hard = preset(dataset), hardware_preset(dataset)
    k = -math.log2(hard["dtheta"])
    assert k == int(k)
    # the nearest power of two: within a factor √2 of the preset's Δθ
    assert soft["dtheta"] / math.sqrt(2) <= hard["dtheta"] <= soft["dtheta"] * math.sqrt(2)
    assert "theta_max" not in hard
    assert {k: v for k, v in soft.items() if k not in ("dtheta", "theta_max")} == {
        k: v for k, v in hard.items() if k != "dtheta"
    }
    assert hardware_preset("xor")["dtheta"] == 2**-4  # 0.05: log2 = −4.32 → 2^−4
    MGDConfig(dataset=dataset, **soft).validate()
    model = FixedMGD(MGDConfig(dataset=dataset, **{**hard, "seeds": 1}))
    assert model.dtheta == 1 << (model.fmts.theta.frac - int(k)) and 0 < model.eta <= model.fmts.eta.max
