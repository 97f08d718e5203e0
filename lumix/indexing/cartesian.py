"""``LXCartesianProduct`` under LumiX's module name (defined in ``lumix.core.dimensions``)."""

from ..core.dimensions import LXCartesianProduct

__all__ = ["LXCartesianProduct"]
