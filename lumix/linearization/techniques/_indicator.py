"""Big-M rows of an indicator ``b == condition  =>  expr (sense) rhs``."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

__all__ = ["IndicatorRow", "indicator_rows"]


class IndicatorRow(NamedTuple):
    """``expr + b_coeff * b (sense) bound`` (``expr`` without its constant)."""

    role: str
    sense: str
    b_coeff: float
    bound: float


def indicator_rows(
    low: float,
    high: float,
    constant: float,
    sense: str,
    rhs: float,
    condition: bool,
    big_m: float,
    warn: Callable[[], None],
) -> list[IndicatorRow]:
    """The rows of an indicator whose expression (constant included) lies in ``[low, high]``.

    ``M`` is ``high - rhs`` for ``<=`` and ``rhs - low`` for ``>=`` (``==`` gives both rows);
    an infinite ``M`` becomes ``big_m`` (after ``warn()``), and a row with ``M <= 0`` holds
    whatever ``b`` is and is left out.
    """
    bound = rhs - constant
    rows = []
    for s in ("<=", ">=") if sense == "==" else (sense,):
        m = high - rhs if s == "<=" else rhs - low
        if not math.isfinite(m):
            warn()
            m = big_m
        if m <= 0:
            continue
        if s == "<=":  # expr - rhs <= M a, a = 1 - b (condition True) or b
            coeff, limit = (m, bound + m) if condition else (-m, bound)
        else:  # rhs - expr <= M a
            coeff, limit = (-m, bound - m) if condition else (m, bound)
        rows.append(IndicatorRow("le" if s == "<=" else "ge", s, coeff, limit))
    return rows
