"""The command line: ``python -m runner`` (also installed as ``lumix-sweep``).

- ``runner.cli.main``: argparse and the commands ``run``, ``report`` and ``bench``;
- ``runner.cli.spec``: the TOML sweep spec (reading, checking, building scenarios);
- ``runner.cli.report``: results files (Parquet, CSV, SQLite / SQLAlchemy store), the summary
  table and the report's plots.
"""

from __future__ import annotations

from ..analysis import rank_correlations
from ..errors import CommandError, SpecError
from .main import main
from .report import read_results, summary_table, write_results
from .spec import load_spec

__all__ = [
    "main",
    "load_spec",
    "read_results",
    "write_results",
    "summary_table",
    "rank_correlations",
    "SpecError",
    "CommandError",
]
