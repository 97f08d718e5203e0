"""Logging for scripts: ``LXModelLogger`` and ``enable_logging`` / ``disable_logging``.

lumix, like any library, only gives the ``lumix`` logger a ``NullHandler``; ``enable_logging``
prints its records to a stream, ``disable_logging`` stops that again.
"""

from __future__ import annotations

import logging
import time
from typing import IO, Any

__all__ = ["LXModelLogger", "enable_logging", "disable_logging", "DEFAULT_FORMAT"]

DEFAULT_FORMAT = "%(asctime)s - %(name)s - %(levelname)s - %(message)s"
ROOT = "lumix"


class _ConsoleHandler(logging.StreamHandler):
    """The handler ``enable_logging`` adds (so it can find and replace its own)."""


def _level(level: int | str) -> int:
    resolved = level if isinstance(level, int) else logging.getLevelName(str(level).upper())
    if not isinstance(resolved, int):
        raise ValueError(f"Unknown logging level {level!r}; use DEBUG, INFO, WARNING, ERROR or an int")
    return resolved


def enable_logging(
    level: int | str = "INFO", *, stream: IO[str] | None = None, fmt: str = DEFAULT_FORMAT
) -> logging.Handler:
    """Print ``lumix`` log records to ``stream`` (stderr by default) from ``level`` up.

    Calling it again replaces the handler it added before. While it is attached, records do
    not propagate to the root logger (so they are not printed twice).

    Returns:
        The handler (``disable_logging()`` removes it).

    Raises:
        ValueError: an unknown level name, before anything changes.
    """
    resolved = _level(level)
    logger = logging.getLogger(ROOT)
    _remove_console_handlers(logger)
    handler = _ConsoleHandler(stream)
    handler.setFormatter(logging.Formatter(fmt, datefmt="%Y-%m-%d %H:%M:%S"))
    logger.addHandler(handler)
    logger.setLevel(resolved)
    logger.propagate = False
    return handler


def disable_logging() -> None:
    """Remove the handler ``enable_logging`` added; records propagate again."""
    logger = logging.getLogger(ROOT)
    _remove_console_handlers(logger)
    logger.propagate = True


def _remove_console_handlers(logger: logging.Logger) -> None:
    for handler in [h for h in logger.handlers if isinstance(h, _ConsoleHandler)]:
        logger.removeHandler(handler)


class LXModelLogger:
    """A ``logging.getLogger(name)`` (``.logger``) with messages for modeling events.

    ``level`` sets the logger's level when given; no handler is added (see ``enable_logging``).
    """

    def __init__(self, name: str = ROOT, level: int | None = None) -> None:
        self.logger = logging.getLogger(name)
        if level is not None:
            self.logger.setLevel(level)
        self._started: float | None = None

    def log_model_creation(self, name: str, num_vars: int, num_constraints: int) -> None:
        self.logger.info(
            "Created model '%s' with %d variables and %d constraints", name, num_vars, num_constraints
        )

    def log_variable_creation(self, var_name: str, var_type: str, count: int = 1) -> None:
        self.logger.debug("Created %d %s variable(s): %s", count, var_type, var_name)

    def log_constraint_creation(self, constraint_name: str, sense: str, count: int = 1) -> None:
        self.logger.debug("Created %d constraint(s): %s (%s)", count, constraint_name, sense)

    def log_solve_start(self, solver_name: str) -> None:
        self._started = time.perf_counter()
        self.logger.info("Starting solve with %s...", solver_name)

    def log_solve_end(
        self, status: str, objective_value: float | None = None, solve_time: float | None = None
    ) -> None:
        """The outcome; the time since ``log_solve_start`` when it was called, else ``solve_time``."""
        elapsed = time.perf_counter() - self._started if self._started is not None else solve_time or 0.0
        if objective_value is not None:
            self.logger.info(
                "Solve completed: %s | Objective: %.4f | Time: %.2fs", status, objective_value, elapsed
            )
        else:
            self.logger.info("Solve completed: %s | Time: %.2fs", status, elapsed)

    def log_solution_summary(self, num_nonzero: int, total_vars: int) -> None:
        self.logger.info("Solution has %d/%d non-zero variables", num_nonzero, total_vars)

    def log_linearization(self, term_type: str, method: str, aux_vars: int) -> None:
        self.logger.debug(
            "Linearized %s using %s (added %d auxiliary variables)", term_type, method, aux_vars
        )

    def log_scenario(self, scenario_name: str, modifications: int) -> None:
        self.logger.info("Running scenario '%s' with %d modifications", scenario_name, modifications)

    def log_sensitivity(self, var_name: str, reduced_cost: float) -> None:
        self.logger.debug("Sensitivity: %s reduced cost = %.6f", var_name, reduced_cost)

    def info(self, message: str, *args: Any) -> None:
        self.logger.info(message, *args)

    def debug(self, message: str, *args: Any) -> None:
        self.logger.debug(message, *args)

    def warning(self, message: str, *args: Any) -> None:
        self.logger.warning(message, *args)

    def error(self, message: str, *args: Any) -> None:
        self.logger.error(message, *args)
