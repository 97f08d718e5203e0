"""The error tree of ``lumix``; each class also subclasses the builtin users already catch."""

from __future__ import annotations

__all__ = [
    "LumixError",
    "ModelError",
    "SolverError",
    "DetachedAttributeError",
    "DetachError",
    "ScenarioError",
]


class LumixError(Exception):
    """Base class of every error raised by ``lumix``."""


class ModelError(LumixError, ValueError):
    """A model cannot be compiled: bad data, a failing callable, a missing data source."""


class SolverError(LumixError, RuntimeError):
    """The solver could not be created or failed in a way that is not a model status."""


class DetachedAttributeError(LumixError, AttributeError):
    """An attribute of a detached ORM object was never loaded while the session was alive."""


class DetachError(LumixError, TypeError):
    """A model cannot be copied or pickled because it holds a live database handle."""


class ScenarioError(ModelError):
    """A scenario names a target the model does not have, or changes it in a way that cannot apply."""
