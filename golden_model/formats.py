"""Fixed-point number formats of the hardware, the one rounding rule, and saturation.

Every quantity the hardware stores or broadcasts has a named :class:`Fmt`: signed two's complement (or unsigned),
``width`` bits in total of which ``frac`` are fraction bits; the stored integer ``q`` means ``q · 2^−frac``.
The RTL builds its signals from these formats (``mgd.rtl`` imports them), never the reverse.

Rounding rule (one, everywhere at run time): **floor** — round toward −∞, which is what an arithmetic right shift
of a two's complement number does. A value is reduced to fewer fraction bits only by ``q >> s``. Constants computed
offline (the sigmoid table, the runtime η register written by the host) are rounded to nearest once, when they are
made (:meth:`Fmt.quantize`).

Saturation: every result that is stored is clamped to its format's range (:meth:`Fmt.saturate`); the RTL does the
same with a compare-and-select. Results that cannot overflow by construction (C̃ = C − C₀ has one more bit than C)
say so in their docstring.

:class:`FixedFormats` collects the formats of one design; its defaults are the formats the XOR trainer uses.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "Fmt",
    "FixedFormats",
    "FormatError",
    "DEFAULT_FORMATS",
    "COMPACT_FORMATS",
    "FORMAT_SETS",
    "BOARD_FORMATS",
    "load_formats",
    "floor_shift",
]


class FormatError(ValueError):
    """A set of formats that cannot be read or is not valid; the message names the bad field."""


def floor_shift(q, s: int):
    """``q · 2^−s`` rounded by the project's rule (floor); ``s < 0`` shifts left (exact). Works on ints and arrays."""
    if s >= 0:
        return q >> s
    return q << -s


@dataclass(frozen=True)
class Fmt:
    """A fixed-point format: ``width`` bits, ``frac`` of them fraction bits, ``signed`` two's complement or not."""

    width: int
    frac: int
    signed: bool = True

    def __post_init__(self):
        if isinstance(self.width, bool) or not isinstance(self.width, int) or not 1 <= self.width <= 62:
            raise ValueError(f"format width must be an integer in [1, 62], got {self.width!r}")
        if isinstance(self.frac, bool) or not isinstance(self.frac, int) or self.frac < 0:
            raise ValueError(f"format fraction bits must be a non-negative integer, got {self.frac!r}")

    @property
    def min(self) -> int:
        """Smallest stored integer."""
        return -(1 << (self.width - 1)) if self.signed else 0

    @property
    def max(self) -> int:
        """Largest stored integer."""
        return (1 << (self.width - 1)) - 1 if self.signed else (1 << self.width) - 1

    @property
    def lsb(self) -> float:
        return 2.0**-self.frac

    def saturate(self, q):
        """Clamp integer(s) ``q`` to the format's range."""
        if isinstance(q, np.ndarray):
            return np.clip(q, self.min, self.max)
        return min(max(int(q), self.min), self.max)

    def quantize(self, x):
        """Real value(s) → stored integer(s): round to nearest (half up), then saturate. Offline use only."""
        q = np.floor(np.asarray(x, dtype=np.float64) * (1 << self.frac) + 0.5).astype(np.int64)
        q = self.saturate(q)
        return int(q) if np.ndim(q) == 0 else q

    def real(self, q):
        """Stored integer(s) → real value(s)."""
        return np.asarray(q, dtype=np.float64) * self.lsb

    def describe(self) -> str:
        ints = self.width - self.frac - (1 if self.signed else 0)
        kind = "s" if self.signed else "u"
        return f"{kind}{ints}.{self.frac} ({self.width} b, [{self.min * self.lsb:g}, {self.max * self.lsb:g}])"


@dataclass(frozen=True)
class FixedFormats:
    """The formats of one design (defaults: the XOR trainer's).

    ``theta``        θ, the weights and biases; also θ + θ̃ and the pre-scaled update ``u`` (same LSB)
    ``act``          inputs, activations, targets and outputs y
    ``cost``         C and C₀ (unsigned); ``frac = 2·act.frac`` so the squared error is exact
    ``g``            the G accumulator of the pre-scaled mode (Σ ±u, θ's LSB)
    ``g_raw``        the G accumulator of the raw mode (Σ ±C̃, C̃'s LSB; the updater multiplies by η)
    ``eta``          the runtime learning-rate register ``η/(Δθ·power)`` (unsigned)
    ``lut_range``    the sigmoid table covers z ∈ [−2^lut_range, 2^lut_range)
    ``lut_frac``     z resolution of the table: 2^−lut_frac (table size 2^(lut_range+lut_frac+1))
    ``recip_frac``   fraction bits of the constant 1/n_out of the mean over outputs
    """

    theta: Fmt = Fmt(20, 14)
    act: Fmt = Fmt(12, 10)
    cost: Fmt = Fmt(24, 20, signed=False)
    g: Fmt = Fmt(24, 14)
    g_raw: Fmt = Fmt(32, 20)
    eta: Fmt = Fmt(16, 8, signed=False)
    lut_range: int = 3
    lut_frac: int = 5
    recip_frac: int = 16

    def __post_init__(self):
        for name in ("theta", "act", "g", "g_raw"):
            if not getattr(self, name).signed:
                raise ValueError(f"format {name} must be signed")
        for name in ("cost", "eta"):
            if getattr(self, name).signed:
                raise ValueError(f"format {name} must be unsigned")
        if self.cost.frac < 2 * self.act.frac:
            raise ValueError(
                f"cost.frac ({self.cost.frac}) must be >= 2·act.frac ({2 * self.act.frac}) so that the "
                "squared error is exact"
            )
        if self.g.frac != self.theta.frac:
            raise ValueError(f"g.frac ({self.g.frac}) must equal theta.frac ({self.theta.frac}): G sums updates of θ")
        if self.g_raw.frac != self.cost.frac:
            raise ValueError(f"g_raw.frac ({self.g_raw.frac}) must equal cost.frac ({self.cost.frac}): G sums C̃")
        if not 0 <= self.lut_range <= 8 or not 0 <= self.lut_frac <= 10:
            raise ValueError(
                f"lut_range must be in [0, 8] and lut_frac in [0, 10], got {self.lut_range}, {self.lut_frac}"
            )
        if self.lut_frac > self.act.frac + self.theta.frac:
            raise ValueError("lut_frac cannot exceed the fraction bits of a product x·θ")

    @property
    def c_tilde(self) -> Fmt:
        """C̃ = C − C₀: signed, one bit wider than C, so it never overflows."""
        return Fmt(self.cost.width + 1, self.cost.frac)

    @property
    def product_frac(self) -> int:
        """Fraction bits of a product x·θ and of the neuron's sum (exact, no rounding before the activation)."""
        return self.act.frac + self.theta.frac

    @property
    def lut_size(self) -> int:
        return 1 << (self.lut_range + self.lut_frac + 1)

    def replace(self, **changes) -> FixedFormats:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        """Every field as plain JSON data: ``{"theta": {"width": 20, "frac": 14, "signed": true}, …,
        "lut_range": 3, …}`` (what :meth:`from_dict` and :func:`load_formats` read)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping) -> FixedFormats:
        """Formats from a mapping like :meth:`to_dict`'s (e.g. a JSON object), validated: unknown fields, wrong
        types (``width``/``frac`` integers, ``signed`` a boolean) and values the hardware cannot take raise
        :class:`FormatError` naming the field (``theta.width``, ``lut_frac``, …). A missing field takes the
        default formats' value, a missing ``signed`` the signedness its field must have."""
        if not isinstance(d, Mapping):
            raise FormatError(f"formats must be an object of format fields, got {type(d).__name__}")
        known = [f.name for f in dataclasses.fields(cls)]
        unknown = sorted(str(k) for k in d if k not in known)
        if unknown:
            raise FormatError(f"unknown format field(s): {', '.join(unknown)} (known: {', '.join(known)})")
        fields = {}
        for name, value in d.items():
            default = getattr(DEFAULT_FORMATS, name)
            if isinstance(default, Fmt):
                fields[name] = _fmt_from_dict(name, value, default.signed)
            else:
                if not _is_int(value) or value < 0:
                    raise FormatError(f"{name} must be a non-negative integer, got {value!r}")
                fields[name] = value
        try:
            return cls(**fields)
        except ValueError as exc:  # the cross-field rules of __post_init__ (each message names its fields)
            raise FormatError(str(exc)) from None

    def table(self) -> list[tuple[str, Fmt, str]]:
        """(name, format, meaning) rows for the docs."""
        return [
            ("θ, θ+θ̃, u", self.theta, "weights and biases; the pre-scaled update u = η·C̃/Δθ"),
            ("Δθ", self.theta, "perturbation amplitude 2^−k, a runtime register in θ's format"),
            ("x, a, y, ŷ", self.act, "inputs, activations, outputs, targets"),
            ("C, C₀", self.cost, "MSE cost and its sample-and-hold"),
            ("C̃", self.c_tilde, "C − C₀ (cannot overflow)"),
            ("G (pre-scaled)", self.g, "gradient accumulator, Σ ±u over τθ"),
            ("G (raw)", self.g_raw, "gradient accumulator, Σ ±C̃ over τθ"),
            ("η", self.eta, "runtime learning-rate register, η/(Δθ·power)"),
        ]


#: the default formats (the XOR trainer's)
DEFAULT_FORMATS = FixedFormats()

#: narrower formats that fit the XOR trainer into an iCE40 UP5K (iCEBreaker): with θ 16 b, a 10-bit act and a 15-bit
#: C (so C̃ is 16 b) every multiplier is at most 16 × 16, and the 2-2-1 trainer needs exactly the UP5K's 8 SB_MAC16
#: (6 weights, the squared error, the pre-scale C̃·η). θ s3.12 saturates at ±8; C u1.14 holds an MSE of outputs and
#: targets in [0, 1] exactly. Both board tops use these formats (docs/fpga.md).
COMPACT_FORMATS = FixedFormats(
    theta=Fmt(16, 12), g=Fmt(18, 12), act=Fmt(10, 7), cost=Fmt(15, 14, signed=False), g_raw=Fmt(24, 14)
)

#: named format sets (the CLI's ``--formats`` takes these names, or a JSON file of formats)
FORMAT_SETS = {"default": DEFAULT_FORMATS, "compact": COMPACT_FORMATS}

#: the named set the board builds use (iCEBreaker and ULX3S-85F: ``mgd build``, ``mgd board --simulate``, the
#: default of ``mgd synth``); the board tops import it from here
BOARD_FORMATS = "compact"


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _fmt_from_dict(name: str, value, signed: bool) -> Fmt:
    """One :class:`Fmt` field of a formats mapping (``{"width": …, "frac": …, "signed": …}``), checked."""
    if not isinstance(value, Mapping):
        raise FormatError(f"{name} must be an object with width, frac and signed, got {value!r}")
    unknown = sorted(str(k) for k in value if k not in ("width", "frac", "signed"))
    if unknown:
        raise FormatError(f"{name}: unknown key(s) {', '.join(unknown)} (known: width, frac, signed)")
    for key in ("width", "frac"):
        if key not in value:
            raise FormatError(f"{name}.{key} is missing")
    width, frac, signed = value["width"], value["frac"], value.get("signed", signed)
    if not _is_int(width) or not 1 <= width <= 62:
        raise FormatError(f"{name}.width must be an integer in [1, 62], got {width!r}")
    if not _is_int(frac) or frac < 0:
        raise FormatError(f"{name}.frac must be a non-negative integer, got {frac!r}")
    if not isinstance(signed, bool):
        raise FormatError(f"{name}.signed must be true or false, got {signed!r}")
    return Fmt(width, frac, signed)


def load_formats(name_or_path) -> FixedFormats:
    """The formats ``name_or_path`` names: a key of :data:`FORMAT_SETS` (``default``, ``compact``), or the path of
    a JSON file holding one object like :meth:`FixedFormats.to_dict`'s. Raises :class:`FormatError` naming the file
    and the bad field, or listing the named sets when ``name_or_path`` is neither."""
    if isinstance(name_or_path, str) and name_or_path in FORMAT_SETS:
        return FORMAT_SETS[name_or_path]
    path = Path(name_or_path)
    if not path.is_file():
        raise FormatError(
            f"{str(name_or_path)!r} is neither a named set of formats ({', '.join(FORMAT_SETS)}) nor a JSON file"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise FormatError(f"cannot read formats file {str(path)!r}: {exc}") from None
    try:
        return FixedFormats.from_dict(data)
    except FormatError as exc:
        raise FormatError(f"formats file {str(path)!r}: {exc}") from None
