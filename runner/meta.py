"""What a sweep was: its kind, parameters (with bounds and distributions), design, outcomes,
seed and model, as plain JSON-able data that travels with the results.

``SweepMeta`` is made by the sweep generators (``runner.sweeps``: a generator returns a
``Sweep``, a list of scenarios with ``.meta``), completed by ``run_scenarios`` (the outcomes and
the model's content hash) and attached to ``ScenarioResults.meta``; results files keep it under
the key ``META_KEY`` (Parquet schema metadata, a CSV's ``<file>.meta.json``, a store's
``sweep_meta`` table), so that ``read_results`` and ``python -m runner report`` know how the
sweep was designed whichever way it was written.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

__all__ = ["META_KEY", "ParameterMeta", "SweepMeta", "Sweep"]

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


class Sweep(list[Any]):
    """The scenarios of a sweep generator, in order, with the sweep's ``meta``."""

    def __init__(self, scenarios: Any = (), meta: SweepMeta | None = None) -> None:
        super().__init__(scenarios)
        self.meta = meta if meta is not None else SweepMeta()
