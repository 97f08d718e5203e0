"""runner: the parallel scenario runner over joblib worker processes (see DESIGN.md)."""

__all__: list[str] = []
