"""The command line: ``python -m runner`` (also installed as ``lumix-sweep``).

- ``runner.cli.main``: argparse and the commands ``run``, ``report`` and ``bench``;
- ``runner.cli.spec``: the TOML sweep spec (reading, checking, building scenarios);
- ``runner.cli.report``: the summary table, the sensitivity table and the report's plots (the
  results files are ``runner.files``, read back with ``runner.read_results``).
"""

from __future__ import annotations

from ..analysis import rank_correlations
from ..errors import CommandError, SpecError
from ..results import read_results
from .main import main
from .report import summary_table
from .spec import load_spec

__all__ = [
    "main",
    "load_spec",
    "read_results",
    "summary_table",
    "rank_correlations",
    "SpecError",
    "CommandError",
]
