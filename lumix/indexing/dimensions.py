"""``LXIndexDimension`` under LumiX's module name (defined in ``lumix.core.dimensions``)."""

from ..core.dimensions import LXIndexDimension

__all__ = ["LXIndexDimension"]
