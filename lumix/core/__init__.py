"""The fluent modeling API."""

from .constraints import LXConstraint
from .dimensions import LXCartesianProduct, LXIndexDimension
from .enums import LXConstraintSense, LXObjectiveSense, LXVarType
from .expressions import LXKeyFilter, LXLinearExpression, LXMultiTerm, LXRowKeyFilter, LXTerm
from .model import LXModel
from .nonlinear import LXNonLinearExpression, LXQuadraticExpression, LXQuadraticTerm
from .variables import LXVariable

__all__ = [
    "LXCartesianProduct",
    "LXConstraint",
    "LXConstraintSense",
    "LXIndexDimension",
    "LXKeyFilter",
    "LXLinearExpression",
    "LXModel",
    "LXMultiTerm",
    "LXNonLinearExpression",
    "LXObjectiveSense",
    "LXQuadraticExpression",
    "LXQuadraticTerm",
    "LXRowKeyFilter",
    "LXTerm",
    "LXVarType",
    "LXVariable",
]
