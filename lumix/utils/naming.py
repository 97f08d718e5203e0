"""Suggestions for a misspelt name: the one did-you-mean helper of the project."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["close_matches", "did_you_mean"]


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
