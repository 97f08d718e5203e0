"""Scenario objectives against a baseline: the percent change and the runner's comparison table."""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["comparison_table", "pct_change"]


def pct_change(new: float, base: float) -> float:
    """``(new - base) / |base| * 100``: positive when the objective rises, whatever its sign;
    ``nan`` for a zero or non-finite ``base`` (or ``new``); below 1e-9 % it is noise, ``0.0``."""
    if not base or not math.isfinite(base) or not math.isfinite(new):
        return math.nan
    pct = (new - base) / abs(base) * 100.0
    return 0.0 if abs(pct) < 1e-9 else pct


def comparison_table(
    rows: Sequence[tuple[str, float | None, str]],
    baseline_objective: float | None,
    *,
    baseline_name: str = "baseline",
    decimals: int = 4,
    change_header: str = "vs baseline",
) -> str:
    """``Scenario  Objective  Status  vs baseline`` for ``(name, objective, status)`` rows.

    The change is relative to ``baseline_objective`` (``-`` without a baseline, for the
    baseline itself and for scenarios without an objective).
    """
    width = max([len(name) for name, _, _ in rows] + [8])
    status_width = max([len(status) for _, _, status in rows] + [10])
    header = f"{'Scenario':<{width}}  {'Objective':>15}  {'Status':>{status_width}}  {change_header:>12}"
    lines = [header, "-" * len(header)]
    for name, objective, status in rows:
        shown = f"{objective:,.{decimals}f}" if objective is not None else "-"
        change = "-"
        if baseline_objective and objective is not None and name != baseline_name:
            change = f"{pct_change(objective, baseline_objective):+.2f}%"
        lines.append(f"{name:<{width}}  {shown:>15}  {status:>{status_width}}  {change:>12}")
    return "\n".join(lines)
