"""The ``[[outcomes]]`` section: KPIs read from each solution (``lumix.outcomes.Outcome``), one
results column each; read here, resolved against the compiled model by ``check_outcomes``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lumix import ScenarioError
from lumix.outcomes import Outcome, ResolvedOutcomes

from ...columns import RESULT_COLUMNS, column_name
from ...errors import SpecError
from .schema import OUTCOME, Checker

if TYPE_CHECKING:
    from .designs import ParameterSpec

#: An outcome kind's example target (the fix of a missing one).
_OUTCOME_TARGETS = {
    **dict.fromkeys(("sum", "max", "min", "mean"), "'production' or 'production[7]'"),
    "value": "'production[7]'",
    **dict.fromkeys(("activity", "slack", "shadow_price"), "'capacity[1]'"),
    "goal_deviation": "'volume' (a goal's name)",
}


@dataclass
class OutcomeSpec:
    """One ``[[outcomes]]`` entry: where it is, its column name and the ``Outcome``."""

    index: int
    name: str
    outcome: Outcome

    @property
    def key(self) -> str:
        return f"[outcomes][{self.index}]"


def check_outcomes(outcomes: list[OutcomeSpec], canon: Any, shown: str) -> None:
    """Resolve each outcome against the compiled model: a ``SpecError`` (of the spec file
    ``shown``) at its ``target`` (or ``weights``) for a name the model lacks."""
    from lumix.scenario import Resolver

    resolver = Resolver(canon)
    for spec in outcomes:
        try:
            ResolvedOutcomes({spec.name: spec.outcome}, resolver)
        except ScenarioError as exc:
            problem = str(exc).removeprefix(f"outcome {spec.name!r}: ")
            field_ = "weights" if "weight" in problem else "target"
            what = "goal" if spec.outcome.kind == "goal_deviation" else "name"
            raise SpecError(
                shown,
                f"{spec.key}.{field_}",
                problem,
                f"name a {what} the model has" if field_ == "target" else "weigh keys the family has",
            ) from exc


class OutcomeReader(Checker):
    """Reads the ``[[outcomes]]`` tables."""

    def outcomes(self, entries: Any, parameters: list[ParameterSpec]) -> list[OutcomeSpec]:
        """The ``[[outcomes]]`` tables (none: ``[]``), names unique and apart from the results'
        and the parameters' columns."""
        if entries is None:
            return []
        tables = self.table_list(entries, "[outcomes]", "write each outcome as an [[outcomes]] table")
        specs = [self.outcome(i, entry) for i, entry in enumerate(tables)]
        taken = {c: "a results column" for c in RESULT_COLUMNS}
        taken |= {p.parameter.name: f"the name of {p.key}" for p in parameters}
        for spec in specs:
            if spec.name in taken:
                raise self.error(
                    f"{spec.key}.name",
                    f"the name {spec.name!r} is also {taken[spec.name]}",
                    "give each outcome its own name (it is a column of the results)",
                )
            taken[spec.name] = f"the name of {spec.key}"
        return specs

    def outcome(self, index: int, entry: dict[str, Any]) -> OutcomeSpec:
        key = f"[outcomes][{index}]"
        v = self.fields(entry, OUTCOME, key)
        kind = v["kind"]
        self.check_outcome_keys(v, kind, key)
        weights = None
        if v["weights"] is not None:
            weights = {k: self.get_number(w, f"{key}.weights.{k}") for k, w in v["weights"].items()}
        outcome = Outcome(kind, v["target"] or "", weights=weights, side=v["side"] or "total")
        name = v["name"]
        if name is None:
            try:
                name = outcome.default_name()
            except ValueError as exc:
                raise self.error(f"{key}.name", str(exc).split(";")[0], 'add name = "..."') from exc
        elif not name.isidentifier():
            raise self.error(
                f"{key}.name",
                f"{name!r} is not an identifier (letters, digits and _; no dots or brackets)",
                f"use e.g. name = {column_name(name) or 'kpi'!r}",
            )
        return OutcomeSpec(index, name, outcome)

    def check_outcome_keys(self, v: Mapping[str, Any], kind: str, key: str) -> None:
        """``target`` for every kind but ``objective``; ``weights`` only with ``sum``, ``side``
        only with ``goal_deviation``."""
        if kind == "objective" and v["target"] is not None:
            raise self.error(f"{key}.target", "kind = 'objective' takes no target", "remove target")
        if kind != "objective" and v["target"] is None:
            example = _OUTCOME_TARGETS[kind]
            raise self.error(f"{key}.target", f"kind = {kind!r} needs a target", f"add target = {example}")
        for name, only in (("weights", "sum"), ("side", "goal_deviation")):
            if v[name] is not None and kind != only:
                raise self.error(
                    f"{key}.{name}",
                    f"{name} is only used with kind = {only!r}, not {kind!r}",
                    f"remove {name}",
                )
