"""Scenarios of a design, made a slice at a time: ``DesignSource`` (the ``SweepSource`` of the
generators' lazy ``Sweep``) names the rows of a ``Rows`` and turns their values into
``LXScenario`` objects with a ``ScenarioBuilder``.

The builder makes the same scenarios as ``Parameter.add_to`` (``scenario_for``), faster: what
a parameter changes (its target, kind and the checks of ``LXScenarioModification``) is
resolved once, when the builder is made, and each scenario's modification is that checked
one with the scenario's value and description (values reach it checked: finite numbers).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from lumix.analysis import LXScenario, LXScenarioModification
from lumix.utils.memory import gc_paused

from ..meta import DesignRows, SweepSource
from .parameters import DataChange, Parameter, shown
from .rows import Rows

__all__ = ["ScenarioBuilder", "DesignSource", "names"]


def names(prefix: str, start: int, stop: int, width: int) -> list[str]:
    """``f"{prefix}-{i:0{width}d}"`` for ``i`` in ``start .. stop - 1``."""
    return [f"{prefix}-{i:0{width}d}" for i in range(start, stop)]


#: A parameter's changes at one value: (modifications, model changes).
Changes = tuple[Sequence[LXScenarioModification], Sequence[Callable[[Any], Any]]]


class _Declarative:
    """A declarative parameter's modification at each value: its checked template with the
    value and the description (``"<name> = <value>"``) replaced."""

    def __init__(self, p: Parameter) -> None:
        scenario = LXScenario(p.name)
        p.add_to(scenario, 1.0)  # checks the target, the kind and the variable once
        made = scenario.modifications[0]
        self.template = {k: v for k, v in made.__dict__.items() if k != "spec"}
        #: Its ``spec`` without a value (``None``): what it changes, the same for every value.
        self.target = (*made.spec[:3], None, made.spec[4])
        self.label = f"{p.name} = "

    def modifications(self, values: list[Any]) -> list[LXScenarioModification]:
        new, cls, template, label = object.__new__, LXScenarioModification, self.template, self.label
        target_type, target_name, kind, _, variable = self.target
        out = []
        for value in values:
            modification = new(cls)
            state = modification.__dict__
            state.update(template)
            state["value"] = number = float(value)
            state["description"] = label + (f"{value:g}" if type(value) is float else shown(value))
            state["spec"] = (target_type, target_name, kind, number, variable)  # its cached spec
            out.append(modification)
        return out

    def specs(self, values: list[Any]) -> list[tuple[Any, ...]]:
        """The modification's ``spec`` at each value (what ``modifications`` would give)."""
        target_type, target_name, kind, _, variable = self.target
        return [(target_type, target_name, kind, float(value), variable) for value in values]

    def changes(self, values: list[Any]) -> list[Changes]:
        return [((m,), ()) for m in self.modifications(values)]


class _Data:
    """A data parameter's model change at each value."""

    def __init__(self, p: Parameter) -> None:
        assert p.apply is not None, "a data parameter has apply (checked when made)"
        self.name, self.apply = p.name, p.apply

    def changes(self, values: list[Any]) -> list[Changes]:
        return [((), (DataChange(self.name, self.apply, value),)) for value in values]


class _Choice:
    """A choice's fragment at each value (one of its levels)."""

    def __init__(self, p: Parameter) -> None:
        assert p.fragments is not None, "a choice has fragments (checked when made)"
        self.fragments = p.fragments

    def changes(self, values: list[Any]) -> list[Changes]:
        pieces = [self.fragments[value] for value in values]
        return [(piece.modifications, piece.model_changes) for piece in pieces]


def _part(p: Parameter) -> _Declarative | _Data | _Choice:
    return _Declarative(p) if p.numeric else _Data(p) if p.on == "data" else _Choice(p)


class ScenarioBuilder:
    """Makes the scenarios of ``parameters`` at columns of checked values (one list per
    parameter), equal to those of ``Parameter.add_to`` in parameter order."""

    def __init__(self, parameters: Sequence[Parameter]) -> None:
        self.parameters = list(parameters)
        self.names = [p.name for p in parameters]
        self.parts = [_part(p) for p in parameters]
        self.declared = [part for part in self.parts if isinstance(part, _Declarative)]
        self.targets = tuple(part.target for part in self.declared)

    @property
    def declarative(self) -> bool:
        """Whether every parameter is declarative (``rows`` can make the scenarios)."""
        return len(self.declared) == len(self.parts)

    def rows(self, labels: list[str], columns: list[list[Any]]) -> DesignRows:
        """``build``'s scenarios as ``SweepSource.rows`` gives them (every parameter declarative)."""
        keys = self.names
        specs = zip(*(part.specs(c) for part, c in zip(self.declared, columns, strict=True)), strict=True)
        made = [
            (name, changes, dict(zip(keys, row, strict=True)))
            for name, row, changes in zip(labels, zip(*columns, strict=True), specs, strict=True)
        ]
        return self.targets, made

    def build(self, labels: list[str], columns: list[list[Any]]) -> list[LXScenario]:
        """The scenario named ``labels[i]`` at the values ``columns[j][i]``."""
        rows = zip(*columns, strict=True)
        keys = self.names
        if self.declarative:
            made = zip(
                *(part.modifications(c) for part, c in zip(self.declared, columns, strict=True)), strict=True
            )
            return [
                LXScenario(name, list(modifications), "", dict(zip(keys, row, strict=True)), [])
                for name, row, modifications in zip(labels, rows, made, strict=True)
            ]
        changes = zip(*(part.changes(c) for part, c in zip(self.parts, columns, strict=True)), strict=True)
        return [
            LXScenario(
                name,
                [m for added, _ in parts for m in added],
                "",
                dict(zip(keys, row, strict=True)),
                [fn for _, functions in parts for fn in functions],
            )
            for name, row, parts in zip(labels, rows, changes, strict=True)
        ]


class DesignSource(SweepSource):
    """The scenarios of a design's ``rows``: named ``f"{prefix}-{i:0{width}d}"`` (with
    ``base``, row 0 is ``f"{prefix}-base"`` and the numbering starts at row 1)."""

    def __init__(
        self, prefix: str, width: int, parameters: Sequence[Parameter], rows: Rows, base: bool = False
    ) -> None:
        self.prefix = prefix
        self.width = width
        self.builder = ScenarioBuilder(parameters)
        self.design = rows
        self.base = base
        self.makes_rows = self.builder.declarative

    def __len__(self) -> int:
        return self.design.n

    def _labels(self, start: int, stop: int) -> list[str]:
        shift = int(self.base)
        labels = names(self.prefix, max(start - shift, 0), stop - shift, self.width)
        if self.base and start == 0:
            labels.insert(0, f"{self.prefix}-base")
        return labels

    def scenarios(self, start: int, stop: int) -> list[Any]:
        with gc_paused():
            return self.builder.build(self._labels(start, stop), self.design.columns(start, stop))

    def rows(self, start: int, stop: int) -> DesignRows:
        with gc_paused():
            return self.builder.rows(self._labels(start, stop), self.design.columns(start, stop))
