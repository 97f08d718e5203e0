"""The vocabulary of the linearization techniques: columns, rows and where they go.

A technique formulates one non-linear term for all its items at once (an item is one
instance of the term's families): every column it reads or creates is a ``Ref`` holding one
column per item, and every row it adds is one row per item. A ``Sink`` decides what columns
and rows become: blocks of the expanded model (the linearization pass) or ``LXVariable`` /
``LXConstraint`` families (the standalone linearizers). Names follow LumiX: the family of a
role is ``f"{tag}_{role}"``, indexed by the items' keys.

Numbers only: nothing here calls a user callable.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np

__all__ = ["Kind", "Ref", "Sink", "Formulation", "value_kind", "scaled_bounds"]

Kind = Literal["continuous", "integer", "binary"]
Coefficient = float | np.ndarray


@dataclass(frozen=True, eq=False)
class Ref:
    """Columns of a formulation, one per item.

    ``cols[i]`` is item ``i``'s column as the sink knows it (a model position, or a handle);
    ``lower[i] .. upper[i]`` are its bounds (``±inf`` when open). ``family`` and ``label(i)``
    (``"x[3]"``) name it in messages.
    """

    cols: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    kind: Kind
    family: str
    label: Callable[[int], str]

    @property
    def integral(self) -> bool:
        """True for integer and binary columns."""
        return self.kind != "continuous"

    @property
    def bounded(self) -> np.ndarray:
        """Per item: both bounds are finite."""
        return np.isfinite(self.lower) & np.isfinite(self.upper)


class Sink(Protocol):
    """Where a formulation's columns and rows go."""

    def column(
        self, name: str, kind: Kind, lower: np.ndarray, upper: np.ndarray
    ) -> tuple[np.ndarray, Callable[[int], str]]:
        """Add family ``name`` (one column per item); return its columns and labels."""
        ...

    def row(self, name: str, sense: str, cols: np.ndarray, vals: np.ndarray, rhs: np.ndarray) -> None:
        """Add rows ``name``: item ``i`` reads ``vals[i] @ x[cols[i]] (sense) rhs[i]``."""
        ...

    def warn(self, key: tuple[str, ...], message: str) -> None:
        """Warn the user (once per ``key`` and compile)."""
        ...


def value_kind(refs: Sequence[Ref], coefficients: Sequence[float] = ()) -> Kind:
    """The kind of an auxiliary holding an integer combination of ``refs``: integer when every
    input is integral and every coefficient a whole number (so CP-SAT can take it)."""
    whole = all(float(c).is_integer() for c in coefficients)
    return "integer" if whole and all(r.integral for r in refs) else "continuous"


def scaled_bounds(c: float, ref: Ref) -> tuple[np.ndarray, np.ndarray]:
    """Per item, the bounds of ``c * ref``."""
    if c == 0:
        zero = np.zeros(len(ref.cols))
        return zero, zero
    a, b = c * ref.lower, c * ref.upper
    return (a, b) if c > 0 else (b, a)


class Formulation:
    """The auxiliary columns and rows of one term over ``items`` items, tagged ``tag``."""

    def __init__(self, sink: Sink, tag: str, items: int) -> None:
        self.sink = sink
        self.tag = tag
        self.items = items

    def sub(self, tag: str) -> Formulation:
        """A formulation of the same items under another tag (``{tag}_bit0``)."""
        return Formulation(self.sink, tag, self.items)

    def var(self, role: str, kind: Kind, lower: Coefficient = -np.inf, upper: Coefficient = np.inf) -> Ref:
        """A new auxiliary family ``{tag}_{role}``; binaries lie in [0, 1]."""
        if kind == "binary":
            lower, upper = 0.0, 1.0
        lo = np.broadcast_to(np.asarray(lower, dtype=float), (self.items,)).copy()
        up = np.broadcast_to(np.asarray(upper, dtype=float), (self.items,)).copy()
        name = f"{self.tag}_{role}"
        cols, label = self.sink.column(name, kind, lo, up)
        return Ref(cols, lo, up, kind, name, label)

    def row(self, role: str, terms: Sequence[tuple[Ref, Coefficient]], sense: str, rhs: Coefficient) -> None:
        """Rows ``{tag}_{role}``: ``sum(c * ref) (sense) rhs``, per item."""
        shape = (self.items,)
        cols = np.column_stack([ref.cols for ref, _ in terms])
        vals = np.column_stack([np.broadcast_to(np.asarray(c, dtype=float), shape) for _, c in terms])
        bound = np.broadcast_to(np.asarray(rhs, dtype=float), shape)
        self.sink.row(f"{self.tag}_{role}", sense, cols, vals, bound)

    def warn(self, key: tuple[str, ...], message: str) -> None:
        self.sink.warn(key, message)
