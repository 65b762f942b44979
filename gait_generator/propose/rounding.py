"""Rounding of proposed values, so the spec and presets carry short numbers and never ``-0.0``."""

from __future__ import annotations

__all__ = ["round_to", "significant"]


def round_to(value: float, digits: int) -> float:
    """``value`` rounded to ``digits`` decimals, with ``-0.0`` written as ``0.0``.

    Args:
        value: Any number (units unchanged).
        digits: Decimals kept.

    Returns:
        The rounded value.
    """
    out = round(float(value), digits)
    return 0.0 if out == 0.0 else out


def significant(value: float, digits: int = 3) -> float:
    """``value`` rounded to ``digits`` significant digits (units unchanged)."""
    return 0.0 if value == 0.0 else float(f"{value:.{digits}g}")
