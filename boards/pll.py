"""PLL settings for a requested clock frequency: the parameter search of the two board families, pure Python.

- :func:`ice40_pll`: iCE40 ``SB_PLL40_PAD`` (simple feedback), the search icepll does: DIVR, DIVF, DIVQ and the
  loop filter's FILTER_RANGE from the phase detector's frequency.
- :func:`ecp5_pll`: ECP5 ``EHXPLLL`` with CLKOP as its own feedback (``FEEDBK_PATH="CLKOP"``), the search ecppll
  does: CLKI_DIV, CLKFB_DIV, CLKOP_DIV, and ecppll's CLKOP_CPHASE/FPHASE.

Unlike icepll and ecppll, which take the closest frequency on either side, both pick **the achievable frequency
closest to the request and not above it**: a design timed for the requested frequency is then never clocked
faster. Frequencies are compared exactly (as fractions), so a request that is achievable is met exactly. Requests
outside the PLL's output range, or below every achievable frequency, raise :class:`ValueError`.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from fractions import Fraction
from typing import ClassVar

__all__ = ["ICE40_LIMITS", "ECP5_LIMITS", "ICE40PLL", "ECP5PLL", "ice40_pll", "ecp5_pll", "ice40_filter_range"]

#: iCE40 PLL ranges in MHz (iCE40 datasheet; icepll's checks): input, phase detector, VCO, output
ICE40_LIMITS = {"input": (10, 133), "pfd": (10, 133), "vco": (533, 1066), "output": (16, 275)}
#: ECP5 PLL ranges in MHz (ecppll's checks; input from the ECP5 datasheet): input, phase detector, VCO, output
ECP5_LIMITS = {"input": (8, 400), "pfd": (3.125, 400), "vco": (400, 800), "output": (10, 400)}


@dataclass(frozen=True)
class ICE40PLL:
    """``SB_PLL40_*`` settings (simple feedback): PFD = f_in/(DIVR+1), VCO = PFD·(DIVF+1), f_out = VCO/2^DIVQ."""

    #: the primitive these settings are for (its input is the clock pin's pad)
    primitive: ClassVar[str] = "SB_PLL40_PAD"

    divr: int
    divf: int
    divq: int
    filter_range: int
    input_mhz: float
    pfd_mhz: float
    vco_mhz: float
    achieved_mhz: float

    def parameters(self) -> dict:
        """The primitive's parameters (names as in the Lattice library)."""
        return {
            "FEEDBACK_PATH": "SIMPLE",
            "PLLOUT_SELECT": "GENCLK",
            "DIVR": self.divr,
            "DIVF": self.divf,
            "DIVQ": self.divq,
            "FILTER_RANGE": self.filter_range,
        }


@dataclass(frozen=True)
class ECP5PLL:
    """``EHXPLLL`` settings, CLKOP fed back: f_out = f_in·CLKFB_DIV/CLKI_DIV, VCO = f_out·CLKOP_DIV."""

    #: the primitive these settings are for
    primitive: ClassVar[str] = "EHXPLLL"

    clki_div: int
    clkfb_div: int
    clkop_div: int
    clkop_cphase: int
    clkop_fphase: int
    input_mhz: float
    pfd_mhz: float
    vco_mhz: float
    achieved_mhz: float

    def parameters(self) -> dict:
        """The primitive's parameters, as ecppll writes them for one output."""
        return {
            "PLLRST_ENA": "DISABLED",
            "INTFB_WAKE": "DISABLED",
            "STDBY_ENABLE": "DISABLED",
            "DPHASE_SOURCE": "DISABLED",
            "OUTDIVIDER_MUXA": "DIVA",
            "OUTDIVIDER_MUXB": "DIVB",
            "OUTDIVIDER_MUXC": "DIVC",
            "OUTDIVIDER_MUXD": "DIVD",
            "CLKI_DIV": self.clki_div,
            "CLKOP_ENABLE": "ENABLED",
            "CLKOP_DIV": self.clkop_div,
            "CLKOP_CPHASE": self.clkop_cphase,
            "CLKOP_FPHASE": self.clkop_fphase,
            "FEEDBK_PATH": "CLKOP",
            "CLKFB_DIV": self.clkfb_div,
        }

    def attributes(self) -> dict:
        """The cell attributes ecppll writes (loop filter settings; the pin frequencies in MHz)."""
        return {
            "ICP_CURRENT": "12",
            "LPF_RESISTOR": "8",
            "MFG_ENABLE_FILTEROPAMP": "1",
            "MFG_GMCREF_SEL": "2",
            "FREQUENCY_PIN_CLKI": f"{self.input_mhz:.6g}",
            "FREQUENCY_PIN_CLKOP": f"{self.achieved_mhz:.6g}",
        }


def ice40_filter_range(pfd_mhz: float) -> int:
    """The iCE40 PLL's FILTER_RANGE for a phase-detector frequency (icepll's table)."""
    for bound, value in ((17, 1), (26, 2), (44, 3), (66, 4), (101, 5)):
        if pfd_mhz < bound:
            return value
    return 6


def _inside(value: Fraction, limits: tuple) -> bool:
    low, high = limits
    return Fraction(low) <= value <= Fraction(high)


def _check_request(family: str, f_in, f_out, limits: dict) -> tuple[Fraction, Fraction]:
    for what, value in (("input", f_in), ("requested output", f_out)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"{family} PLL: the {what} frequency must be a finite number of MHz, got {value!r}")
    for what, value, key in (("input", f_in, "input"), ("requested output", f_out, "output")):
        if not _inside(Fraction(value), limits[key]):
            low, high = limits[key]
            raise ValueError(f"{family} PLL: the {what} frequency must be in [{low:g}, {high:g}] MHz, got {value:g}")
    return Fraction(f_in), Fraction(f_out)


def _none_below(family: str, f_in, f_out):
    return ValueError(
        f"{family} PLL: no setting reaches a frequency at or below {f_out:g} MHz (within the output range) from "
        f"{f_in:g} MHz; request a higher frequency"
    )


def ice40_pll(f_in_mhz: float, f_out_mhz: float) -> ICE40PLL:
    """iCE40 PLL settings (simple feedback, as icepll): the achievable output frequency closest to ``f_out_mhz``
    and **not above it**, from ``f_in_mhz`` on the PLL's input pad.

    Searched as icepll does: DIVR in 0..15 with PFD = f_in/(DIVR+1) in [10, 133] MHz, DIVF in 0..127 with VCO =
    PFD·(DIVF+1) in [533, 1066] MHz, DIVQ in 1..6 with f_out = VCO/2^DIVQ (which must lie in [16, 275] MHz, the
    output range); among equal frequencies the first in that order (the lowest DIVR: the fastest phase detector).
    FILTER_RANGE follows from the PFD frequency (:func:`ice40_filter_range`). Raises :class:`ValueError` when the
    input or the request is outside the PLL's range or nothing at or below the request is achievable."""
    f_in, f_out = _check_request("iCE40", f_in_mhz, f_out_mhz, ICE40_LIMITS)
    best = None
    for divr in range(16):
        pfd = f_in / (divr + 1)
        if not _inside(pfd, ICE40_LIMITS["pfd"]):
            continue
        for divf in range(128):
            vco = pfd * (divf + 1)
            if not _inside(vco, ICE40_LIMITS["vco"]):
                continue
            for divq in range(1, 7):
                out = vco / 2**divq
                if out <= f_out and _inside(out, ICE40_LIMITS["output"]) and (best is None or out > best[0]):
                    best = (out, divr, divf, divq, pfd, vco)
    if best is None:
        raise _none_below("iCE40", f_in_mhz, f_out_mhz)
    out, divr, divf, divq, pfd, vco = best
    return ICE40PLL(
        divr=divr,
        divf=divf,
        divq=divq,
        filter_range=ice40_filter_range(pfd),
        input_mhz=float(f_in),
        pfd_mhz=float(pfd),
        vco_mhz=float(vco),
        achieved_mhz=float(out),
    )


def _f32(x: float) -> float:
    """``x`` rounded to single precision (C's ``float``)."""
    return struct.unpack("f", struct.pack("f", x))[0]


def _ecppll_cphase(f_in: float, clki_div: int, clkfb_div: int, clkop_div: int) -> int:
    """CLKOP_CPHASE as ecppll computes it: half a CLKOP period counted in VCO cycles (a 180° shift of the
    feedback output; with CLKOP as the feedback it moves no edge the design uses relative to another), in
    ecppll's single-precision arithmetic and truncated, which often gives one less than CLKOP_DIV/2."""
    pfd = _f32(_f32(f_in) / clki_div)
    vco = _f32(_f32(pfd * clkfb_div) * clkop_div)
    fout = _f32(vco / clkop_div)
    ns_phase = _f32(1 / (fout * 1e6) * 0.5)
    return int(ns_phase * (vco * 1e6))


def ecp5_pll(f_in_mhz: float, f_out_mhz: float) -> ECP5PLL:
    """ECP5 EHXPLLL settings (CLKOP as the feedback, as ecppll): the achievable output frequency closest to
    ``f_out_mhz`` and **not above it**, from ``f_in_mhz`` on CLKI.

    Searched as ecppll does: CLKI_DIV in 1..128 with PFD = f_in/CLKI_DIV in [3.125, 400] MHz, CLKFB_DIV in 1..80
    (f_out = PFD·CLKFB_DIV, in [10, 400] MHz), CLKOP_DIV in 1..128 with VCO = f_out·CLKOP_DIV in [400, 800] MHz;
    among equal frequencies the VCO closest to 600 MHz, then the first in that order. CLKOP_CPHASE is ecppll's
    (:func:`_ecppll_cphase`), CLKOP_FPHASE 0. Raises :class:`ValueError` when the input or the request is outside
    the PLL's range or nothing at or below the request is achievable."""
    f_in, f_out = _check_request("ECP5", f_in_mhz, f_out_mhz, ECP5_LIMITS)
    best, best_key = None, None
    vco_low, vco_high = (Fraction(v) for v in ECP5_LIMITS["vco"])
    for clki_div in range(1, 129):
        pfd = f_in / clki_div
        if not _inside(pfd, ECP5_LIMITS["pfd"]):
            continue
        for clkfb_div in range(1, 81):
            out = pfd * clkfb_div
            if out > f_out or not _inside(out, ECP5_LIMITS["output"]):
                continue
            # CLKOP_DIV only sets the VCO: the legal one closest to 600 MHz (the first of equals)
            legal = range(max(1, math.ceil(vco_low / out)), min(128, math.floor(vco_high / out)) + 1)
            if not legal:
                continue
            clkop_div = min(legal, key=lambda d: abs(out * d - 600))
            key = (out, -abs(out * clkop_div - 600))
            if best_key is None or key > best_key:
                best, best_key = (out, clki_div, clkfb_div, clkop_div, pfd), key
    if best is None:
        raise _none_below("ECP5", f_in_mhz, f_out_mhz)
    out, clki_div, clkfb_div, clkop_div, pfd = best
    return ECP5PLL(
        clki_div=clki_div,
        clkfb_div=clkfb_div,
        clkop_div=clkop_div,
        clkop_cphase=_ecppll_cphase(float(f_in), clki_div, clkfb_div, clkop_div),
        clkop_fphase=0,
        input_mhz=float(f_in),
        pfd_mhz=float(pfd),
        vco_mhz=float(out * clkop_div),
        achieved_mhz=float(out),
    )
