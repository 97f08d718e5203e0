"""One expansion's data: sources (lists, ORM reads), instances, keys, arities, and the helpers
that call a model's callables and check what they return."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ModelError
from ..utils import orm
from ..utils.callables import describe_callable, positional_arity

if TYPE_CHECKING:
    from ..core.constraints import LXConstraint
    from ..core.dimensions import LXIndexDimension
    from ..core.variables import LXVariable

ONE, WITH_ROW, SPREAD = "one", "with_row", "spread"  # how a term's callables are called
_SCALAR_TYPES = (int, float, complex, str, bytes, bool, type(None))

Terms = tuple[np.ndarray, np.ndarray]  # column positions, coefficients

logger = logging.getLogger("lumix.expand")


# -- helpers ---------------------------------------------------------------------------------


def _where(owner: str, key: Any = None, scalar: bool = False) -> str:
    return owner if scalar else f"{owner}[{key}]"


def _empty_source(family: Any) -> str:
    """Where an empty family's data came from, for the ``has no data`` message."""
    model_type = getattr(family, "model_type", None)
    type_name = getattr(model_type, "__name__", None)
    if family._data is None:
        return f"the {type_name} table is empty"
    if type_name is None:
        return "from_data got an empty list"
    return f"its {type_name} data is an empty list"  # a dimension's from_data, or a detached copy


def _call_error(where: str, what: str, func: Any, exc: Exception) -> ModelError:
    return ModelError(f"{where}: {what} ({describe_callable(func)}) raised {type(exc).__name__}: {exc}")


def _call_all(
    func: Callable[..., Any],
    instances: list[Any],
    idx: Sequence[int],
    mode: str,
    row: Any,
    fail: Callable[[int, Exception], ModelError],
) -> list[Any]:
    """``func`` on ``instances[i]`` for each ``i`` in ``idx``.

    ``mode`` says how: ``ONE`` ``f(inst)``, ``WITH_ROW`` ``f(inst, row)``, ``SPREAD``
    ``f(*inst)`` (one argument per dimension). A call that raises raises ``fail(i, exc)``.
    """
    i = -1
    try:
        if mode == ONE:
            return [func(instances[(i := j)]) for j in idx]
        if mode == WITH_ROW:
            return [func(instances[(i := j)], row) for j in idx]
        return [func(*instances[(i := j)]) for j in idx]
    except Exception as exc:
        raise fail(i, exc) from exc


def _not_a_number(value: Any) -> bool:
    """Strings, booleans and ``None``: values ``float()`` would take (or that are never
    numbers) which lumix refuses as numbers, since ``"3"`` or ``True`` is a bug in the data."""
    return value is None or isinstance(value, str | bytes | bool | np.bool_)


def _numbers(values: list[Any], where: str, what: str, func: Any, label: Callable[[int], Any]) -> np.ndarray:
    """``values`` as floats; ``label(j)`` names entry ``j`` in an error (built only then).

    Strings, booleans and ``None`` are refused, not converted: a coefficient ``"3"`` or
    ``True`` is a bug in the data, not the number 3 or 1.
    """
    try:
        arr = np.asarray(values)
    except (TypeError, ValueError):
        arr = np.asarray(values, dtype=object)
    if arr.dtype.kind in "iuf" and arr.shape == (len(values),):
        return arr.astype(float, copy=False)
    for j, v in enumerate(values):
        bad = _not_a_number(v)
        if not bad:
            try:
                float(v)
            except (TypeError, ValueError):
                bad = True
        if bad:
            raise ModelError(
                f"{where}: {what} of {label(j)} is {v!r}, not a number ({describe_callable(func)})"
            ) from None
    return np.asarray(values, dtype=float)


def _place(positions: dict[Any, int], key: Any, position: int, owner: str, hint: str = "") -> None:
    """Add ``key -> position``; raises ``ModelError`` on an unhashable or duplicate key."""
    try:
        duplicate = key in positions
    except TypeError:
        raise ModelError(f"{owner}: index key {key!r} is not hashable{hint}") from None
    if duplicate:
        raise ModelError(f"{owner}: duplicate index key {key!r}; keys must be unique")
    positions[key] = position


def _positions(keys: list[Any], start: int, owner: str, hint: str) -> dict[Any, int]:
    """``{key: start + j}``; raises ``ModelError`` naming the first unhashable or duplicate key."""
    try:
        positions = dict(zip(keys, range(start, start + len(keys)), strict=True))
    except TypeError:
        positions = {}
    if len(positions) != len(keys):
        positions = {}
        for j, key in enumerate(keys):
            _place(positions, key, start + j, owner, hint)
    return positions


def _integral(lower: np.ndarray, upper: np.ndarray, var_type: str) -> tuple[np.ndarray, np.ndarray]:
    """Bounds of a binary column intersected with [0, 1]; of an integer one, rounded inwards."""
    if var_type == "binary":
        lower, upper = np.maximum(lower, 0.0), np.minimum(upper, 1.0)
    if var_type != "continuous":
        lower, upper = np.ceil(lower - 1e-9), np.floor(upper + 1e-9)
    return lower, upper


def _same_data_type(row: Any, sample: Any) -> bool:
    """True when ``row`` is an instance of the same data type as a family's instances."""
    if isinstance(row, _SCALAR_TYPES):
        return False
    if isinstance(row, tuple):
        return (
            isinstance(sample, tuple)
            and len(row) == len(sample)
            and all(type(a) is type(b) for a, b in zip(row, sample, strict=True))
            and not any(isinstance(a, _SCALAR_TYPES) for a in row)
        )
    return type(row) is type(sample)


def _coefficients(
    func: Callable[..., Any],
    instances: list[Any],
    idx: list[int],
    mode: str,
    row: Any,
    where: str,
    label: Callable[[int], str],
    cost: bool = False,
) -> np.ndarray:
    """A callable coefficient on ``instances[i]`` for ``i`` in ``idx``, checked finite;
    ``cost`` when it is the variable's own ``cost()``, so a raise names the variable."""
    if cost:
        fail = lambda i, exc: _call_error(f"variable '{label(i)}'", "cost", func, exc)
    else:
        fail = lambda i, exc: _call_error(where, f"coefficient of {label(i)}", func, exc)
    values = _call_all(func, instances, idx, mode, row, fail)
    vals = _numbers(values, where, "coefficient", func, lambda j: label(idx[j]))
    if vals.size and not np.isfinite(vals).all():
        j = int(np.flatnonzero(~np.isfinite(vals))[0])
        raise ModelError(
            f"{where}: coefficient of {label(idx[j])} is {vals[j]} (from {describe_callable(func)})"
        )
    return vals


# -- data: one cache per expansion -----------------------------------------------------------


class Expander:
    """One expansion's data: ORM reads, instances, keys and arities, each computed once."""

    def __init__(self) -> None:
        self.reads: dict[tuple[int, type], list[Any]] = {}
        self._arity: dict[int, tuple[Callable[..., Any], int]] = {}
        self._instances: dict[int, list[Any]] = {}
        self._keys: dict[int, list[Any]] = {}

    def arity(self, func: Callable[..., Any]) -> int:
        """Required positional parameters of ``func`` (kept alive with it, keyed by id)."""
        hit = self._arity.get(id(func))
        if hit is None:
            hit = self._arity[id(func)] = (func, positional_arity(func))
        return hit[1]

    def read(self, owner: str, model_type: type | None, session: Any) -> list[Any]:
        """All rows of ``model_type`` in ``session``, read once per expansion."""
        if model_type is None:
            raise ModelError(
                f"{owner} has no data source; use .from_data(list) or .from_model(Type, session)"
            )
        cache_key = (id(session), model_type)
        rows = self.reads.get(cache_key)
        if rows is None:
            try:
                rows = orm.read_all(model_type, session)
            except Exception as exc:
                if session is None and isinstance(exc, ValueError):
                    # Neither data nor a session (and not a Django model): say so plainly.
                    raise ModelError(
                        f"{owner} has no data source; use .from_data(list) or .from_model(session) ({exc})"
                    ) from exc
                raise ModelError(
                    f"{owner}: reading {model_type.__name__} from the database failed: "
                    f"{type(exc).__name__}: {exc}"
                ) from exc
            self.reads[cache_key] = rows
        return rows

    def source(self, owner: str, family: Any) -> list[Any]:
        """A family's data: its list, or its ORM rows. Empty data is a ``ModelError`` unless
        the family was given ``allow_empty=True`` (a ``where`` filter that keeps nothing is
        not checked: that is the data's logic, not a missing source)."""
        if family._data is not None:
            data = list(family._data)
        else:
            data = list(self.read(owner, family.model_type, family._session))
        if not data and not getattr(family, "_allow_empty", False):
            raise ModelError(
                f"{owner} has no data ({_empty_source(family)}); pass allow_empty=True to "
                "from_data/from_model if an empty family is meant"
            )
        return data

    def filtered(self, owner: str, items: list[Any], pred: Any, spread: bool) -> list[Any]:
        """``items`` passing ``pred`` (called ``pred(*item)`` when ``spread`` and it takes more
        than one argument)."""
        if pred is None:
            return items
        spread = spread and self.arity(pred) != 1
        kept = []
        for inst in items:
            try:
                keep = pred(*inst) if spread else pred(inst)
            except Exception as exc:
                raise _call_error(f"{owner} (instance {inst!r})", "filter", pred, exc) from exc
            if keep:
                kept.append(inst)
        return kept

    def dimension_instances(self, dim: LXIndexDimension, family: str = "") -> list[Any]:
        """A dimension's instances after its filter; ``family`` prefixes error messages."""
        owner = f"{family}dimension {getattr(dim.model_type, '__name__', dim.model_type)}"
        return self.filtered(owner, self.source(owner, dim), dim.filter_func, False)

    def instances(self, var: LXVariable) -> list[Any]:
        """The instances of a variable family (``[None]`` for a scalar variable)."""
        found = self._instances.get(id(var))
        if found is None:
            found = self._instances[id(var)] = self._expand(var)
        return found

    def _expand(self, var: LXVariable) -> list[Any]:
        owner = f"variable '{var.name}'"
        found: list[Any]
        if var.is_scalar:
            found = [None]
        elif var._cartesian is not None:
            dims = [self.dimension_instances(d, f"{owner}: ") for d in var._cartesian.dimensions]
            found = self.filtered(owner, list(itertools.product(*dims)), var._cartesian._cross_filter, True)
        elif var._join_config is not None:
            found = self._joined(owner, var, var._join_config["join_func"])
        else:
            found = self.source(owner, var)
        found = self.filtered(owner, found, var._multi_filter, True)
        if var._join_config is None:
            found = self.filtered(owner, found, var._filter, False)
        return found

    def _joined(self, owner: str, var: LXVariable, join: Callable[[Any], Any]) -> list[Any]:
        """``(primary, related)`` pairs of a join family; ``where`` filters the primaries."""
        pairs: list[tuple[Any, Any]] = []
        for primary in self.filtered(owner, self.source(owner, var), var._filter, False):
            try:
                related = join(primary)
            except Exception as exc:
                raise _call_error(f"{owner} (primary {primary!r})", "join function", join, exc) from exc
            pairs.extend((primary, r) for r in related)
        return pairs

    def key_func(self, var: LXVariable) -> Callable[[Any], Any]:
        """The function from an instance of ``var`` to its index key."""
        if var.index_func is not None:
            return var.index_func
        if var._join_config is not None:
            key = var._join_config["key_func"]
            return (lambda inst: key(*inst)) if key is not None else (lambda inst: inst)
        if var._cartesian is not None:
            funcs = [d.key_func for d in var._cartesian.dimensions]
            return lambda inst: tuple(f(part) for f, part in zip(funcs, inst, strict=True))
        return lambda inst: inst

    def _key_callable(self, var: LXVariable, inst: Any) -> Any:
        """The user callable behind a failing index key (a dimension's key function...)."""
        if var.index_func is not None:
            return var.index_func
        if var._join_config is not None:
            return var._join_config["key_func"]
        if var._cartesian is not None:
            for dim, part in zip(var._cartesian.dimensions, inst, strict=False):
                try:
                    dim.key_func(part)
                except Exception:
                    return dim.key_func
        return None

    def keys(self, var: LXVariable) -> list[Any]:
        """The index keys of a family's instances, in order (``[None]`` for a scalar)."""
        found = self._keys.get(id(var))
        if found is None:
            found = self._keys[id(var)] = [None] if var.is_scalar else self._compute_keys(var)
        return found

    def _compute_keys(self, var: LXVariable) -> list[Any]:
        func, found = self.key_func(var), []
        for inst in self.instances(var):
            try:
                found.append(func(inst))
            except Exception as exc:
                where = f"variable '{var.name}' (instance {inst!r})"
                raise _call_error(where, "index key", self._key_callable(var, inst), exc) from exc
        return found

    def row_instances(self, constraint: LXConstraint) -> list[Any]:
        """The row instances of a constraint family (``[None]`` for a single constraint)."""
        owner = f"constraint '{constraint.name}'"
        if not constraint.is_indexed:
            return [None]
        if constraint.index_func is None:
            raise ModelError(f"{owner} has data but no indexed_by(...); add .indexed_by(lambda row: row.id)")
        return self.source(owner, constraint)


# -- behind get_instances() / index_key() ----------------------------------------------------


def variable_instances(var: LXVariable) -> list[Any]:
    """The instances of a variable family after filters."""
    return Expander().instances(var)


def variable_key(var: LXVariable, instance: Any) -> Any:
    """The index key of one instance of a variable family."""
    return Expander().key_func(var)(instance)


def keyed_instances(var: LXVariable, instances: Iterable[Any]) -> list[tuple[Any, Any]]:
    """``(index key, instance)`` of given instances of a variable family (``LXSolutionMapper``)."""
    key_of = Expander().key_func(var)
    found = []
    for inst in instances:
        try:
            found.append((key_of(inst), inst))
        except Exception as exc:
            raise _call_error(f"variable '{var.name}' (instance {inst!r})", "index key", key_of, exc) from exc
    return found


def dimension_by_key(dim: LXIndexDimension) -> dict[Any, Any]:
    """``{key: instance}`` of an index dimension's instances (after its filter)."""
    found = {}
    for inst in dimension_instances(dim):
        try:
            found[dim.key_func(inst)] = inst
        except Exception as exc:
            where = f"dimension {dim!r} (instance {inst!r})"
            raise _call_error(where, "index key", dim.key_func, exc) from exc
    return found


def constraint_instances(constraint: LXConstraint) -> list[Any]:
    """The row instances of a constraint family (``[None]`` for a single constraint)."""
    return Expander().row_instances(constraint)


def dimension_instances(dim: LXIndexDimension) -> list[Any]:
    """The instances of an index dimension after its filter."""
    if dim._data is None and dim._session is None and not orm.reads_without_session(dim.model_type):
        type_name = getattr(dim.model_type, "__name__", dim.model_type)
        raise ModelError(
            f"LXIndexDimension for {type_name} has no data source. "
            "Use .from_data(data) or .from_model(session)"
        )
    return Expander().dimension_instances(dim)
