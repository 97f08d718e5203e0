"""LumiX's ``lumix.indexing``: the index dimensions of ``indexed_by_product`` families.

The classes live in ``lumix.core.dimensions``; ``lumix.indexing.dimensions`` and
``lumix.indexing.cartesian`` are the module names LumiX scripts import them from.
"""

from .cartesian import LXCartesianProduct
from .dimensions import LXIndexDimension

__all__ = ["LXIndexDimension", "LXCartesianProduct"]
