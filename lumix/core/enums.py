"""Enumerations shared by the modeling API (values as in LumiX)."""

from __future__ import annotations

from enum import Enum

__all__ = ["LXVarType", "LXConstraintSense", "LXObjectiveSense"]


class LXVarType(Enum):
    CONTINUOUS = "continuous"
    INTEGER = "integer"
    BINARY = "binary"


class LXConstraintSense(Enum):
    LE = "<="
    GE = ">="
    EQ = "=="


class LXObjectiveSense(Enum):
    MINIMIZE = "min"
    MAXIMIZE = "max"
