"""``gc_paused``: the cyclic garbage collector paused while many short-lived objects are made."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["gc_paused"]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector (restored as it was after): making a chunk of
    thousands of new objects with no cycles among them (scenarios, rows of a table) would
    otherwise trigger collections that go over every object of the process again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
