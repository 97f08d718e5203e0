"""What a sweep was: its kind, parameters (with bounds and distributions), design, outcomes,
seed and model, as plain JSON-able data that travels with the results.

``SweepMeta`` is made by the sweep generators (``runner.sweeps``: a generator returns a
``Sweep``, a lazy sequence of scenarios with ``.meta``), completed by ``run_scenarios`` (the outcomes and
the model's content hash) and attached to ``ScenarioResults.meta``; results files keep it under
the key ``META_KEY`` (Parquet schema metadata, a CSV's ``<file>.meta.json``, a store's
``sweep_meta`` table), so that ``read_results`` and ``python -m runner report`` know how the
sweep was designed whichever way it was written.
"""

from __future__ import annotations

import copy
import numbers
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any, overload

__all__ = ["META_KEY", "ParameterMeta", "SweepMeta", "Sweep", "SweepSource"]

#: The key of the sweep's metadata in results files (Parquet schema metadata, JSON sidecars).
META_KEY = "lumix_sweep"


@dataclass
class ParameterMeta:
    """One parameter of a sweep.

    ``on`` / ``target`` / ``how`` / ``variable`` say what it changes (``runner.sweeps.Parameter``);
    ``kind`` is ``"float"``, ``"int"``, ``"bool"`` or ``"categorical"``; ``low`` / ``high`` are
    its bounds (``None`` when unbounded, e.g. an untruncated normal); ``distribution`` is a
    readable description (``"uniform(0.8, 1.2)"``, ``"truncnorm(mean=1, std=0.5, low=0)"``);
    ``levels`` are a categorical's or a grid's values."""

    name: str
    on: str = ""
    target: str = ""
    how: str = ""
    variable: str | None = None
    kind: str = "float"
    low: float | None = None
    high: float | None = None
    distribution: str | None = None
    levels: list[Any] | None = None


@dataclass
class SweepMeta:
    """A sweep's design. ``kind`` is the generator's (``"grid"``, ``"one_at_a_time"``,
    ``"latin_hypercube"``, ``"monte_carlo"``, ``"quasi_random"``, ``"sobol"``, ``"morris"``, or
    ``"custom"``); ``design`` holds what its analysis needs (e.g. ``{"base_samples": 512}`` for
    ``sobol``, ``{"trajectories": 20, "levels": 4}`` for ``morris``); ``outcomes`` are the names
    of the outcome columns; ``model_hash`` the compiled model's content hash."""

    kind: str = "custom"
    parameters: list[ParameterMeta] = field(default_factory=list)
    n: int | None = None
    seed: int | None = None
    design: dict[str, Any] = field(default_factory=dict)
    outcomes: list[str] = field(default_factory=list)
    model_hash: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SweepMeta:
        """The metadata read back from ``to_dict()`` (unknown keys are ignored)."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["parameters"] = [
            ParameterMeta(**{k: v for k, v in p.items() if k in ParameterMeta.__dataclass_fields__})
            for p in values.get("parameters", [])
        ]
        return cls(**values)

    @property
    def parameter_names(self) -> list[str]:
        return [p.name for p in self.parameters]


#: A slice of a design as the runner takes it: ``(targets, [(name, changes, parameters), ...])``
#: (``SweepSource.rows``).
DesignRows = tuple[tuple[Any, ...], list[tuple[str, tuple[Any, ...], dict[str, Any]]]]


class SweepSource(ABC):
    """What a lazy ``Sweep`` makes its scenarios from: a design's values, turned into
    scenarios a slice at a time (``runner.sweeps`` implements one per design)."""

    @abstractmethod
    def __len__(self) -> int: ...

    @abstractmethod
    def scenarios(self, start: int, stop: int) -> list[Any]:
        """The scenarios ``start`` .. ``stop - 1`` (``0 <= start <= stop <= len``), made afresh."""

    #: Whether ``rows`` makes the scenarios without ``LXScenario`` objects (a design of
    #: declarative parameters).
    makes_rows = False

    def rows(self, start: int, stop: int) -> DesignRows:
        """Scenarios ``start`` .. ``stop - 1`` as ``(targets, [(name, changes, parameters),
        ...])``, equal to ``scenarios``'s (``changes``: their ``LXScenarioModification.spec``
        tuples, ``parameters``: their ``parameters``; ``targets``: the changes' specs without
        values, the same for every row), where ``makes_rows``."""
        raise NotImplementedError(f"{type(self).__name__} makes LXScenario objects only")


class _Listed(SweepSource):
    """The scenarios of a list given as they are (a custom sweep)."""

    def __init__(self, items: list[Any]) -> None:
        self.items = items

    def __len__(self) -> int:
        return len(self.items)

    def scenarios(self, start: int, stop: int) -> list[Any]:
        return self.items[start:stop]


class _Picked(SweepSource):
    """The scenarios of ``source`` at the positions of ``picked`` (a slice of a sweep)."""

    def __init__(self, source: SweepSource, picked: range) -> None:
        self.source = source
        self.picked = picked
        self.makes_rows = source.makes_rows and picked.step == 1

    def rows(self, start: int, stop: int) -> DesignRows:
        picked = self.picked[start:stop]
        return self.source.rows(picked.start, picked.stop)

    def __len__(self) -> int:
        return len(self.picked)

    def scenarios(self, start: int, stop: int) -> list[Any]:
        picked = self.picked[start:stop]
        if picked.step == 1:
            return self.source.scenarios(picked.start, picked.stop)
        return [self.source.scenarios(i, i + 1)[0] for i in picked]


class Sweep(Sequence[Any]):
    """The scenarios of a sweep, in order, with the sweep's ``meta``: an immutable sequence.

    ``Sweep(scenarios, meta)`` holds a list of scenarios as given; the generators of
    ``runner.sweeps`` give a lazy one (a ``SweepSource``), which holds the design (and, for a
    Latin hypercube or a correlated design, its ``n x d`` numbers) and makes the scenarios
    ``chunk`` at a time as it is iterated, so that a sweep of millions of scenarios is never a
    list. ``sweep[i]`` makes scenario ``i`` afresh (a new object each time); a slice is a
    ``Sweep`` of those scenarios, its ``meta`` the sweep's with ``kind="custom"`` (a part of a
    design is not the design) and ``n`` its length. Equal to a ``Sweep`` or a list of equal
    scenarios, in order."""

    #: How many scenarios a lazy sweep makes at a time while it is iterated.
    chunk = 1024

    def __init__(self, scenarios: Iterable[Any] | SweepSource = (), meta: SweepMeta | None = None) -> None:
        self._source = scenarios if isinstance(scenarios, SweepSource) else _Listed(list(scenarios))
        self.meta = meta if meta is not None else SweepMeta()

    def __len__(self) -> int:
        return len(self._source)

    def __iter__(self) -> Iterator[Any]:
        if isinstance(self._source, _Listed):
            return iter(self._source.items)
        return self._chunks()

    def _chunks(self) -> Iterator[Any]:
        n, chunk = len(self._source), self.chunk
        for start in range(0, n, chunk):
            yield from self._source.scenarios(start, min(start + chunk, n))

    def rows(self) -> Iterator[tuple[tuple[Any, ...], str, tuple[Any, ...], dict[str, Any]]] | None:
        """For the runner: the scenarios as ``(targets, name, changes, parameters)`` (see
        ``SweepSource.rows``), a chunk at a time, without ``LXScenario`` objects; ``None`` when
        the sweep's scenarios are not all declarative design rows."""
        if not self._source.makes_rows:
            return None
        return self._row_chunks()

    def _row_chunks(self) -> Iterator[tuple[tuple[Any, ...], str, tuple[Any, ...], dict[str, Any]]]:
        n, chunk = len(self._source), self.chunk
        for start in range(0, n, chunk):
            targets, rows = self._source.rows(start, min(start + chunk, n))
            for name, changes, parameters in rows:
                yield targets, name, changes, parameters

    @overload
    def __getitem__(self, index: int) -> Any: ...

    @overload
    def __getitem__(self, index: slice) -> Sweep: ...

    def __getitem__(self, index: int | slice) -> Any:
        n = len(self._source)
        if isinstance(index, slice):
            picked = range(n)[index]
            meta = copy.deepcopy(self.meta)
            meta.kind, meta.n, meta.design = "custom", len(picked), {}
            return Sweep(_Picked(self._source, picked), meta)
        if isinstance(index, bool) or not isinstance(index, numbers.Integral):
            raise TypeError(f"Sweep indices must be integers or slices, not {type(index).__name__}")
        i = int(index) + n if index < 0 else int(index)
        if not 0 <= i < n:
            raise IndexError(f"Sweep index {index} is out of range for {n} scenarios")
        return self._source.scenarios(i, i + 1)[0]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sweep | list):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<Sweep {self.meta.kind}: {len(self):,} scenarios>"
