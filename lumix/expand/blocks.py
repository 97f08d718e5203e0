"""The expanded model: column, row and objective blocks of numbers, and the non-linear terms
expanded per instance (what passes rewrite and ``lumix.compile`` assembles)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from ..core.enums import LXObjectiveSense


# -- the expanded model ------------------------------------------------------------------------


def family_names(name: str, keys: list[Any], scalar: bool) -> list[str]:
    """The names of a family's columns or rows: ``name`` if scalar, else ``name[key]``."""
    return [name] if scalar else [f"{name}[{k}]" for k in keys]


@dataclass
class ColumnBlock:
    """The columns of one variable family, in instance order.

    The column of ``keys[j]`` is model column ``start + j`` (``positions[keys[j]]``), with
    bounds ``lower[j] .. upper[j]``; a scalar family has the single key ``None``.
    """

    name: str
    keys: list[Any]
    start: int
    positions: dict[Any, int]
    lower: np.ndarray
    upper: np.ndarray
    integer: bool
    scalar: bool
    #: Declared binary (``integer`` too); techniques that linearize products tell it apart.
    binary: bool = False

    @property
    def names(self) -> list[str]:
        """Column names: ``name`` for a scalar family, else ``name[key]``."""
        return family_names(self.name, self.keys, self.scalar)


@dataclass
class RowBlock:
    """The rows of one constraint family, in instance order.

    Row ``j`` (model row ``positions[keys[j]]``) reads
    ``vals[j] @ x[cols[j]] + constants[j] (sense) rhs[j]``; ``cols[j]`` are model column
    positions, duplicates not yet summed. ``sense`` is ``"<="``, ``">="`` or ``"=="``.
    """

    name: str
    sense: str
    scalar: bool
    keys: list[Any] = field(default_factory=list)
    positions: dict[Any, int] = field(default_factory=dict)
    cols: list[np.ndarray] = field(default_factory=list)
    vals: list[np.ndarray] = field(default_factory=list)
    rhs: list[float] = field(default_factory=list)
    constants: list[float] = field(default_factory=list)
    #: True when the linearization pass replaced non-linear terms of these rows (a goal on
    #: such rows is relaxed one-sided, see ``lumix.passes.goals``).
    was_nonlinear: bool = False
    #: Non-linear terms of the rows, for the linearization pass (which clears them), and the
    #: items each row takes: ``picks[j][t]`` for term ``t`` (``None``: every item).
    nonlinear: NonlinearPart | None = None
    picks: list[list[np.ndarray | None]] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        """Row names: ``name`` for a scalar family, else ``name[key]``."""
        return family_names(self.name, self.keys, self.scalar)


@dataclass
class ObjectiveBlock:
    """``vals @ x[cols] + constant``, to be optimized in ``sense`` (duplicates not summed)."""

    cols: np.ndarray
    vals: np.ndarray
    constant: float
    sense: LXObjectiveSense
    #: Non-linear terms and quadratic products ``(i, j, c)``, ``i <= j`` (summed, no zeros):
    #: the linearization pass replaces the first, and turns the second into products or
    #: ``ExpandedModel.objective_quadratic``.
    nonlinear: NonlinearPart | None = None
    quadratic: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None


@dataclass
class ExpandedModel:
    """A model as numbers, family by family: what passes rewrite and ``lumix.compile`` turns
    into arrays. ``reads`` holds the ORM rows read, ``{(id(session), Type): rows}``."""

    name: str
    columns: list[ColumnBlock]
    rows: list[RowBlock]
    objective: ObjectiveBlock | None
    reads: dict[tuple[int, type], list[Any]]
    #: Set by passes, carried to the ``LXCanonicalModel`` (see its fields of the same names).
    goal_deviations: tuple[Any, ...] = ()
    goal_stages: tuple[Any, ...] = ()
    objective_quadratic: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    relaxation_terms: tuple[str, ...] = ()


@dataclass
class NonlinearTerm:
    """One non-linear term of an expression, expanded per instance of its families.

    Item ``i`` (key ``keys[i]``, ``None`` when every family of the term is a single variable)
    applies the term to columns ``cols[i]``, one per variable of the term (``families``) in
    order. ``kind`` is ``"abs"``, ``"min"``, ``"max"``, ``"product"`` or ``"piecewise"``;
    ``coeff`` multiplies each item's value; ``coefficients`` are min / max's. A piecewise item
    interpolates ``values[i]`` at ``breakpoints[i]`` by ``method`` (both ``None`` when the
    compile has no linearization), and ``notes`` are the warnings its domain calls for.
    ``owners`` are the term's families with more than one instance: in an indexed constraint
    a row that is one of their instances takes only its own item.
    """

    kind: str
    index: int
    families: tuple[str, ...]
    keys: list[Any]
    cols: np.ndarray
    owners: tuple[str, ...] = ()
    coeff: float = 1.0
    coefficients: tuple[float, ...] = ()
    breakpoints: np.ndarray | None = None
    values: np.ndarray | None = None
    method: str = ""
    notes: tuple[str, ...] = ()

    @cached_property
    def item_index(self) -> dict[Any, int]:
        """``{key: item}``."""
        return {key: i for i, key in enumerate(self.keys)}


@dataclass
class IndicatorTerm:
    """``binary == condition`` implies ``vals @ x[cols] + constant (sense) rhs``: rows only.

    ``binary`` is the column of the single binary variable ``family``; ``index`` the term's
    position in its expression."""

    index: int
    family: str
    binary: int
    cols: np.ndarray
    vals: np.ndarray
    constant: float
    sense: str
    rhs: float
    condition: bool


@dataclass
class NonlinearPart:
    """The non-linear terms of one expression (the objective's, or a constraint family's,
    expanded once for all its rows); ``where`` names the expression in messages."""

    where: str
    terms: list[NonlinearTerm]
    indicators: list[IndicatorTerm]
