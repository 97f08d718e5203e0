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

from ..meta import SweepSource
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
        self.template = scenario.modifications[0].__dict__
        self.label = f"{p.name} = "

    def modifications(self, values: list[Any]) -> list[LXScenarioModification]:
        new, cls, template, label = object.__new__, LXScenarioModification, self.template, self.label
        out = []
        for value in values:
            modification = new(cls)
            state = modification.__dict__
            state.update(template)
            state["value"] = float(value)
            state["description"] = label + (f"{value:g}" if type(value) is float else shown(value))
            out.append(modification)
        return out

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

    def build(self, labels: list[str], columns: list[list[Any]]) -> list[LXScenario]:
        """The scenario named ``labels[i]`` at the values ``columns[j][i]``."""
        rows = zip(*columns, strict=True)
        keys = self.names
        if len(self.declared) == len(self.parts):
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
        self.rows = rows
        self.base = base

    def __len__(self) -> int:
        return self.rows.n

    def scenarios(self, start: int, stop: int) -> list[Any]:
        shift = int(self.base)
        labels = names(self.prefix, max(start - shift, 0), stop - shift, self.width)
        if self.base and start == 0:
            labels.insert(0, f"{self.prefix}-base")
        with gc_paused():
            return self.builder.build(labels, self.rows.columns(start, stop))
