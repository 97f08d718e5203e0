"""The expansion of one model: columns, then rows, then the objective."""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from ..errors import ModelError
from ..utils.callables import VARIADIC, describe_callable
from .blocks import ColumnBlock, ExpandedModel, ObjectiveBlock, RowBlock
from .data import (
    _SCALAR_TYPES,
    ONE,
    SPREAD,
    WITH_ROW,
    Expander,
    Terms,
    _call_all,
    _call_error,
    _coefficients,
    _integral,
    _not_a_number,
    _numbers,
    _place,
    _positions,
    _same_data_type,
    _where,
)
from .nonlinear import _objective_parts, _picks, _split

if TYPE_CHECKING:
    from ..core.constraints import LXConstraint
    from ..core.expressions import LXLinearExpression, TermPart
    from ..core.model import LXModel
    from ..core.variables import LXVariable
    from ..linearization.config import LXLinearizerConfig


def expand_model(model: LXModel, linearization: LXLinearizerConfig | None = None) -> ExpandedModel:
    """Expand ``model``: every family's instances, keys, bounds and coefficients.

    Non-linear terms are expanded per instance (``NonlinearPart``); ``linearization`` gives
    the settings piecewise terms leave open (without it their breakpoints are not computed:
    the linearization pass refuses such a model).

    Raises:
        ModelError: bad data, a callable that raises or returns a non-number, duplicate or
            unhashable keys, a family without data, expression or right-hand side.
    """
    return _ModelExpander(model, linearization).run()


class _ModelExpander(Expander):
    """One model's expansion: columns, then rows, then the objective."""

    def __init__(self, model: LXModel, linearization: LXLinearizerConfig | None = None) -> None:
        super().__init__()
        self.model = model
        self.linearization = linearization
        self.warned: set[tuple[str, str]] = set()
        self._families: dict[str, LXVariable] = {}
        self._blocks: dict[str, ColumnBlock] = {}
        self._term_cache: dict[int, Terms] = {}
        self._by_value: dict[int, dict[Any, int]] = {}
        self._parts: dict[int, tuple[Any, LXVariable, tuple[TermPart, ...]]] = {}

    def run(self) -> ExpandedModel:
        columns = self._columns()
        rows = self._rows()
        return ExpandedModel(self.model.name, columns, rows, self._objective(), self.reads)

    # -- columns ----------------------------------------------------------------------------
    def _columns(self) -> list[ColumnBlock]:
        start = 0
        for var in [v for v in self.model.variables if not getattr(v, "_pass_made", False)]:
            if var.name in self._blocks:
                raise ModelError(f"two variable families are named '{var.name}'")
            self._families[var.name] = var
            block = self._blocks[var.name] = self._column_block(var, start)
            start += len(block.keys)
        return list(self._blocks.values())

    def _column_block(self, var: LXVariable, start: int) -> ColumnBlock:
        keys = self.keys(var)
        hint = "; use indexed_by(lambda item: item.id) with a hashable key"
        positions = _positions(keys, start, f"variable '{var.name}'", hint)
        n = len(keys)
        lo = np.broadcast_to(self._bound(var, var.lower_bound, "lower", -np.inf), (n,))
        up = np.broadcast_to(self._bound(var, var.upper_bound, "upper", np.inf), (n,))
        lo, up = _integral(np.array(lo, dtype=float), np.array(up, dtype=float), var.var_type.value)
        bad = np.flatnonzero(lo > up)
        if bad.size:
            raise ModelError(
                f"variable '{_where(var.name, keys[int(bad[0])], var.is_scalar)}': lower bound "
                f"{lo[bad[0]]} is above upper bound {up[bad[0]]}"
            )
        integer = var.var_type.value != "continuous"
        binary = var.var_type.value == "binary"
        return ColumnBlock(var.name, keys, start, positions, lo, up, integer, var.is_scalar, binary)

    def _bound(self, var: LXVariable, value: Any, which: str, default: float) -> np.ndarray | float:
        """A family's bounds: ``default`` when unset, else per instance or one number."""
        if value is None:
            return default
        if callable(value):
            return self._bound_values(var, value, which)
        if not isinstance(value, numbers.Real) or _not_a_number(value) or math.isnan(value):
            raise ModelError(f"variable '{var.name}': {which} bound must be a number, got {value!r}")
        n = len(self.instances(var))
        return np.full(n, float(value)) if n else float(value)

    def _bound_values(self, var: LXVariable, func: Callable[[Any], Any], which: str) -> np.ndarray:
        keys, instances = self.keys(var), self.instances(var)
        fail = lambda i, exc: _call_error(
            f"variable '{_where(var.name, keys[i], var.is_scalar)}'", f"{which} bound", func, exc
        )
        values = _call_all(func, instances, range(len(instances)), ONE, None, fail)
        arr = _numbers(values, f"variable '{var.name}'", f"{which} bound", func, lambda j: keys[j])
        if np.isnan(arr).any():
            k = keys[int(np.flatnonzero(np.isnan(arr))[0])]
            raise ModelError(f"variable '{var.name}[{k}]': {which} bound is nan ({describe_callable(func)})")
        return arr

    # -- terms ------------------------------------------------------------------------------
    def _family(self, var: LXVariable, where: str) -> LXVariable:
        """The model's family of that name (terms match families by name, not identity)."""
        known = self._families.get(var.name)
        if known is None:
            raise ModelError(
                f"{where}: variable '{var.name}' is not part of the model; add it with model.add_variable()"
            )
        return known

    def _evaluate(
        self,
        var: LXVariable,
        part: TermPart,
        where: str,
        modes: tuple[str, str] = (ONE, ONE),
        subset: list[int] | None = None,
        row: Any = None,
    ) -> Terms:
        """Column positions and coefficients of one term part over (a subset of) the instances;
        ``modes`` says how the coefficient and the filter are called (see ``_call_all``)."""
        instances, keys = self.instances(var), self.keys(var)
        label = lambda i: _where(var.name, keys[i], var.is_scalar)
        if part.keys is None:
            idx: Sequence[int] = range(len(instances)) if subset is None else subset
        else:
            idx = self._keyed(var, part.keys, subset)
        pred, coeff = part.where, part.coeff
        if pred is not None:
            fail = lambda i, exc: _call_error(f"{where} (term {label(i)})", "where filter", pred, exc)
            flags = _call_all(pred, instances, idx, modes[1], row, fail)
            idx = [i for i, keep in zip(idx, flags, strict=True) if keep]
        idx = list(idx)
        if callable(coeff):
            cost = where == "the objective" and (coeff is var.cost_func or coeff is var._multi_cost_func)
            vals = _coefficients(coeff, instances, idx, modes[0], row, where, label, cost)
        elif math.isfinite(float(coeff)):
            vals = np.full(len(idx), float(coeff))
        else:
            raise ModelError(f"{where}: coefficient of {var.name} is {coeff}")
        return np.asarray(idx, dtype=np.int64) + self._blocks[var.name].start, vals

    def _keyed(self, var: LXVariable, wanted: frozenset[Any], subset: list[int] | None) -> list[int]:
        """Instance indices of ``subset`` (default: all) whose key is in ``wanted`` (``keys=``),
        looked up by key, in instance order."""
        if subset is not None:
            keys = self.keys(var)
            return [i for i in subset if keys[i] in wanted]
        block = self._blocks[var.name]
        return sorted(block.positions[k] - block.start for k in wanted if k in block.positions)

    def _row_aware(self, func: Any, indexed_row: bool) -> bool:
        """Whether ``func`` is called ``f(instance, row)``: it needs two arguments, or takes
        ``*args`` and there is a row to give it (outside rows, ``f(*args)`` gets ``f(instance)``)."""
        if not callable(func):
            return False
        arity = self.arity(func)
        return arity >= 2 and (indexed_row or arity != VARIADIC)

    def _read_term(
        self, expr: LXLinearExpression, term: Any, name: str | None, where: str
    ) -> tuple[Any, LXVariable, tuple[TermPart, ...]]:
        """``(term, the model's family, parts)`` of a ``terms`` / ``_multi_terms`` entry, kept
        in ``_parts`` by ``id(term)`` for the expansion (``name``: the key in ``terms``)."""
        try:
            var, parts = expr.term_parts(term)
        except TypeError as exc:
            entry = "a _multi_terms entry" if name is None else f"terms[{name!r}]"
            raise ModelError(f"{where}: {entry}: {exc}") from exc
        read = self._parts[id(term)] = (term, self._family(var, where), parts)
        return read

    def _term(self, var: LXVariable, part: TermPart, row: Any, indexed_row: bool, where: str) -> Terms:
        if part.row_key is not None and indexed_row:
            return self._row_key_term(var, part, row, where)
        aware = (self._row_aware(part.coeff, indexed_row), self._row_aware(part.where, indexed_row))
        if any(aware):
            return self._row_term(var, part, row, indexed_row, where, aware)
        if indexed_row:
            own = self._own_column(var, part, row, where)
            if own is not None:
                return own
        cached = self._term_cache.get(id(part))
        if cached is None:
            cached = self._term_cache[id(part)] = self._evaluate(var, part, where)
        return cached

    def _row_term(
        self,
        var: LXVariable,
        part: TermPart,
        row: Any,
        indexed_row: bool,
        where: str,
        aware: tuple[bool, bool],
    ) -> Terms:
        """A term whose coefficient or filter takes ``(instance, row)``."""
        if not indexed_row:
            func = part.coeff if aware[0] else part.where
            raise ModelError(
                f"{where}: {describe_callable(func)} takes (instance, row) but {where} has "
                "no rows; use a one-argument callable here"
            )
        modes = (WITH_ROW if aware[0] else ONE, WITH_ROW if aware[1] else ONE)
        return self._evaluate(var, part, where, modes, row=row)

    def _row_key_term(self, var: LXVariable, part: TermPart, row: Any, where: str) -> Terms:
        """An ``LXRowKeyFilter`` term: the instance whose key is ``row_key(row)``, by key."""
        assert part.row_key is not None
        try:
            key = part.row_key(row)
        except Exception as exc:
            raise _call_error(where, f"row key of {var.name}", part.row_key, exc) from exc
        block = self._blocks[var.name]
        try:
            pos = block.positions.get(key)
        except TypeError:
            raise ModelError(f"{where}: row key {key!r} of {var.name} is not hashable") from None
        if pos is None:
            return np.zeros(0, np.int64), np.zeros(0)
        mode = WITH_ROW if self._row_aware(part.coeff, True) else ONE
        return self._evaluate(var, part, where, (mode, ONE), subset=[pos - block.start], row=row)

    def _own_column(self, var: LXVariable, part: TermPart, row: Any, where: str) -> Terms | None:
        """The row's own column of ``var``, matched by index key, when the rows are instances
        of the family's data type; ``None`` when they are not."""
        instances = self.instances(var)
        if not instances:
            return None
        if not _same_data_type(row, instances[0]):
            own = self._value_position(var, row)
            return None if own is None else self._evaluate(var, part, where, subset=[own])
        block = self._blocks[var.name]
        try:
            pos = block.positions.get(self.key_func(var)(row))
        except Exception as exc:
            raise _call_error(where, f"index key of {var.name} for the row", var.index_func, exc) from exc
        if pos is None:
            return np.zeros(0, np.int64), np.zeros(0)
        return self._evaluate(var, part, where, subset=[pos - block.start])

    def _value_position(self, var: LXVariable, row: Any) -> int | None:
        """Where ``row`` is among ``var``'s instances when it is a plain value (a number, a
        string, a tuple of them) equal to one of them, as LumiX compares such rows; else None."""
        if row is None or not isinstance(row, (*_SCALAR_TYPES, tuple)):
            return None
        table = self._by_value.get(id(var))
        if table is None:
            table = {}
            try:
                for j, inst in enumerate(self.instances(var)):
                    table.setdefault(inst, j)
            except TypeError:  # unhashable instances: rows cannot be among them by value
                table = {}
            self._by_value[id(var)] = table
        try:
            return table.get(row)
        except TypeError:
            return None

    def _multi(self, var: LXVariable, part: TermPart, where: str) -> Terms:
        cached = self._term_cache.get(id(part))
        if cached is None:

            def mode(func: Any) -> str:
                if var.is_multi_indexed and not (callable(func) and self.arity(func) == 1):
                    return SPREAD
                return ONE

            modes = (mode(part.coeff), mode(part.where))
            cached = self._term_cache[id(part)] = self._evaluate(var, part, where, modes)
        return cached

    def expression(
        self, expr: LXLinearExpression, row: Any, indexed_row: bool, where: str
    ) -> tuple[np.ndarray, np.ndarray, float]:
        """Columns, coefficients (duplicates not yet summed) and constant of ``expr``."""
        cols: list[np.ndarray] = []
        vals: list[np.ndarray] = []
        known = self._parts
        for name, term in expr.terms.items():
            _, var, parts = known.get(id(term)) or self._read_term(expr, term, name, where)
            for part in parts:
                c, v = self._term(var, part, row, indexed_row, where)
                cols.append(c)
                vals.append(v * part.scale if part.scale != 1.0 else v)
        for mterm in expr._multi_terms:
            _, var, parts = known.get(id(mterm)) or self._read_term(expr, mterm, None, where)
            for part in parts:
                c, v = self._multi(var, part, where)
                cols.append(c)
                vals.append(v * part.scale if part.scale != 1.0 else v)
        if not cols:
            return np.zeros(0, np.int64), np.zeros(0), float(expr.constant)
        return np.concatenate(cols), np.concatenate(vals), float(expr.constant)

    # -- rows -------------------------------------------------------------------------------
    def _rows(self) -> list[RowBlock]:
        blocks: dict[str, RowBlock] = {}
        start = 0
        for constraint in [c for c in self.model.constraints if not getattr(c, "_pass_made", False)]:
            if constraint.name in blocks:
                raise ModelError(f"two constraints are named '{constraint.name}'")
            block = blocks[constraint.name] = self._row_block(constraint, start)
            start += len(block.keys)
        return list(blocks.values())

    def _checked(self, constraint: LXConstraint, owner: str) -> tuple[Any, list[Any]]:
        """A constraint's expression and row instances, once it is known to be complete."""
        if constraint.lhs is None:
            raise ModelError(f"{owner} has no expression; call .expression(...)")
        rows = self.row_instances(constraint)
        if constraint.rhs_value is None and constraint.rhs_func is None:
            raise ModelError(f"{owner} has no right-hand side; call .rhs(value or f(row))")
        if constraint.rhs_value is None and not constraint.is_indexed:
            raise ModelError(
                f"{owner}: rhs is a callable but the constraint has no data; "
                "give a number or add from_data/from_model and indexed_by"
            )
        return constraint.lhs, rows

    def _row_block(self, constraint: LXConstraint, start: int) -> RowBlock:
        owner = f"constraint '{constraint.name}'"
        lhs, rows = self._checked(constraint, owner)
        linear, extra, part = _split(self, lhs, owner)
        key_func, indexed = constraint.index_func, constraint.is_indexed
        block = RowBlock(constraint.name, constraint.sense.value, scalar=not indexed, nonlinear=part)
        for inst in rows:
            key = None if key_func is None else self._row_key(key_func, inst, owner)
            _place(block.positions, key, start + len(block.keys), owner)
            where = f"constraint '{_where(constraint.name, key, not indexed)}'"
            cols, vals, const = self.expression(linear, inst, indexed, where)
            rhs = self._rhs(constraint, inst, where)
            block.keys.append(key)
            block.cols.append(cols)
            block.vals.append(vals)
            block.rhs.append(rhs)
            block.constants.append(const + extra)
            if part is not None:
                block.picks.append(_picks(self, part, inst, indexed, where))
        return block

    @staticmethod
    def _row_key(func: Callable[[Any], Any], inst: Any, owner: str) -> Any:
        try:
            return func(inst)
        except Exception as exc:
            raise _call_error(f"{owner} (row {inst!r})", "index key", func, exc) from exc

    @staticmethod
    def _rhs(constraint: LXConstraint, inst: Any, where: str) -> float:
        """``rhs_value`` when set (it wins, as in LumiX: ``copy.rhs_value = 1500``),
        else ``rhs_func(row)``."""
        value: Any = constraint.rhs_value
        func = constraint.rhs_func if value is None else None
        if func is not None:
            try:
                value = func(inst)
            except Exception as exc:
                raise _call_error(where, "right-hand side", func, exc) from exc
        src = f" ({describe_callable(func)})" if func else ""
        try:
            if _not_a_number(value):
                raise TypeError
            rhs = float(value)
        except (TypeError, ValueError):
            raise ModelError(f"{where}: right-hand side {value!r} is not a number{src}") from None
        if not math.isfinite(rhs):
            raise ModelError(
                f"{where}: right-hand side is {rhs}{src}; right-hand sides must be finite numbers"
            )
        return rhs

    # -- objective --------------------------------------------------------------------------
    def _objective(self) -> ObjectiveBlock | None:
        expr = self._objective_expression()
        if expr is None:
            return None
        linear, extra, part, quadratic = _objective_parts(self, expr)
        cols, vals, const = self.expression(linear, None, False, "the objective")
        const += extra
        if not math.isfinite(const):
            raise ModelError(f"the objective: constant is {const}")
        return ObjectiveBlock(cols, vals, const, self.model.objective_sense, part, quadratic)

    def _objective_expression(self) -> Any:
        """The objective's expression: the costs' sum, or the one given (``None``: none)."""
        model = self.model
        expr: Any
        if model._objective_from_costs:
            expr = model.cost_objective()
            if expr is None:
                raise ModelError(
                    f"model '{model.name}': {model.objective_sense.name.lower()}() was called "
                    "without an expression, but no variable has a cost(); give an expression"
                )
        else:
            expr = model._objective_expr
        return expr


def variable_columns(var: LXVariable) -> ColumnBlock:
    """The columns of one variable family on its own: keys, bounds (its callables evaluated)
    and integrality, starting at position 0."""
    return _ModelExpander(cast("LXModel", None))._column_block(var, 0)


def constraint_rows(constraint: LXConstraint) -> list[tuple[Any, float, Any]]:
    """``(index key, right-hand side, row instance)`` of each row of a constraint family (the
    key is ``None`` for a single constraint)."""
    owner = f"constraint '{constraint.name}'"
    found = []
    for inst in Expander().row_instances(constraint):
        func = constraint.index_func
        key = None if func is None else _ModelExpander._row_key(func, inst, owner)
        where = f"constraint '{_where(constraint.name, key, func is None)}'"
        found.append((key, _ModelExpander._rhs(constraint, inst, where), inst))
    return found
