"""The fluent modeling API."""

from .constraints import LXConstraint
from .dimensions import LXCartesianProduct, LXIndexDimension
from .enums import LXConstraintSense, LXObjectiveSense, LXVarType
from .expressions import LXLinearExpression, LXMultiTerm, LXTerm
from .model import LXModel
from .variables import LXVariable

__all__ = [
    "LXCartesianProduct",
    "LXConstraint",
    "LXConstraintSense",
    "LXIndexDimension",
    "LXLinearExpression",
    "LXModel",
    "LXMultiTerm",
    "LXObjectiveSense",
    "LXTerm",
    "LXVarType",
    "LXVariable",
]
