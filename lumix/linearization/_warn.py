"""Warnings attributed to the user's line, not to lumix's internals."""

from __future__ import annotations

import sys
import warnings

__all__ = ["warn_user"]


def _internal(module: str) -> bool:
    return module == "lumix" or module.startswith("lumix.")


def warn_user(message: str, category: type[Warning] = UserWarning) -> None:
    """Warn at the first stack frame outside the ``lumix`` package (the user's call).

    Frames are told apart by module name, so the ``__init__`` that ``@dataclass`` generates
    for a lumix class (file ``<string>``) counts as lumix's.
    """
    frame = sys._getframe(1)
    level = 2
    while frame is not None and _internal(frame.f_globals.get("__name__", "")):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    warnings.warn(message, category, stacklevel=level)
