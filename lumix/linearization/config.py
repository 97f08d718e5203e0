"""``LXLinearizerConfig`` and ``LXLinearizationMethod``: the settings of a linearization."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal

from ._warn import warn_user

__all__ = ["LXLinearizationMethod", "LXLinearizerConfig"]


class LXLinearizationMethod(Enum):
    """Linearization techniques (kept for LumiX compatibility; the technique is chosen by the
    variable types, see ``LXLinearizerConfig.default_method``)."""

    MCCORMICK = "mccormick"
    BIG_M = "big_m"
    BINARY_EXPANSION = "binary_expansion"
    SOS2 = "sos2"
    LOGARITHMIC = "logarithmic"


@dataclass
class LXLinearizerConfig:
    """Settings of ``LXLinearizer`` and of ``LXOptimizer().enable_linearization()``.

    Attributes:
        big_m_value: Bound used for an unbounded factor of a product with a binary, and for
            an unbounded indicator expression (a ``UserWarning`` says so).
        pwl_num_segments: Segments of piecewise-linear terms that leave ``num_segments`` open.
        pwl_method: ``"sos2"``, ``"incremental"`` or ``"logarithmic"``, for piecewise terms
            that leave ``method`` open.
        adaptive_breakpoints: Breakpoints denser where the function curves, for piecewise
            terms that leave ``adaptive`` open.
        binary_expansion_bits: Largest bit count of an integer factor of a product.
        default_method, tolerance, verbose_logging, prefer_sos2, auto_detect_bounds,
        mccormick_tighten_bounds: No effect; setting one to another value than its default
            issues a ``DeprecationWarning`` (they are removed in 0.4.0).

    Raises:
        ValueError: ``pwl_num_segments`` is not an integer >= 1.
    """

    default_method: LXLinearizationMethod = LXLinearizationMethod.MCCORMICK
    tolerance: float = 1e-6
    verbose_logging: bool = True
    big_m_value: float = 1e6
    pwl_num_segments: int = 20
    pwl_method: Literal["sos2", "incremental", "logarithmic"] = "sos2"
    prefer_sos2: bool = True
    adaptive_breakpoints: bool = True
    auto_detect_bounds: bool = True
    mccormick_tighten_bounds: bool = True
    binary_expansion_bits: int = 10

    def __post_init__(self) -> None:
        segments = self.pwl_num_segments
        if not isinstance(segments, int) or isinstance(segments, bool) or segments < 1:
            raise ValueError(f"pwl_num_segments must be an integer >= 1, got {segments!r}")
        for name, default in _NO_EFFECT.items():
            if getattr(self, name) != default:
                warn_user(
                    f"LXLinearizerConfig.{name} has no effect and will be removed in 0.4.0",
                    DeprecationWarning,
                )


#: Fields no technique reads, with their defaults; setting another value warns.
_NO_EFFECT: dict[str, Any] = {
    "default_method": LXLinearizationMethod.MCCORMICK,
    "tolerance": 1e-6,
    "verbose_logging": True,
    "prefer_sos2": True,
    "auto_detect_bounds": True,
    "mccormick_tighten_bounds": True,
}
