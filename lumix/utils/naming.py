"""Names: the one did-you-mean helper of the project, and the one rule for column names.

Column names (of a sweep's results table: parameters, outcomes) are identifiers, with no dots or
brackets: ``column_name`` derives one from a target (every run of characters other than
letters, digits and ``_`` becomes one ``_``, leading and trailing ``_`` go:
``"capacity[2]"`` -> ``"capacity_2"``).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from functools import lru_cache

__all__ = ["close_matches", "did_you_mean", "column_name"]


@lru_cache(maxsize=65536)  # a sweep names the same few targets in every scenario
def column_name(*parts: str) -> str:
    """``parts`` (the empty ones left out) joined by ``_`` as a column name: runs of characters
    other than letters, digits and ``_`` (with the ``_`` around them) become one ``_``, leading
    and trailing ``_`` go (``column_name("capacity[2].rhs")`` and
    ``column_name("capacity[2]", "rhs")`` -> ``"capacity_2_rhs"``)."""
    return re.sub(r"_*\W+_*", "_", "_".join(part for part in parts if part)).strip("_")


def close_matches(name: str, candidates: Iterable[str], n: int = 3, cutoff: float = 0.6) -> list[str]:
    """Up to ``n`` candidates close to ``name``, the closest first."""
    return difflib.get_close_matches(name, list(candidates), n=n, cutoff=cutoff)


def did_you_mean(
    name: str, candidates: Iterable[str], n: int = 3, cutoff: float = 0.6, quote: bool = True
) -> str:
    """``"did you mean 'a' or 'b'?"`` for the close candidates, ``""`` when there is none."""
    close = close_matches(name, candidates, n, cutoff)
    if not close:
        return ""
    shown = [repr(c) if quote else c for c in close]
    return f"did you mean {' or '.join(shown)}?"
