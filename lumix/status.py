"""``Status``: the one vocabulary of outcomes, for a solve and for a scenario of a sweep.

Solver statuses (``optimal`` ... ``unknown``) come from the solver backends; ``error``,
``timeout``, ``crashed`` and ``cancelled`` say that a scenario got no solver answer, and
``abnormal`` that the solver answered without an answer (numerical trouble, bad numbers):
these five are failures (``is_failure``), retried by a resumed sweep. A
``Status`` is a ``str`` (``Status.OPTIMAL == "optimal"``), so tables, journals and JSON hold
plain strings.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Status", "FEASIBLE", "FAILURES"]


class Status(StrEnum):
    """The outcome of a solve or of a scenario."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    ABNORMAL = "abnormal"
    NOT_SOLVED = "not_solved"
    TIME_LIMIT = "time_limit"
    UNKNOWN = "unknown"
    ERROR = "error"
    TIMEOUT = "timeout"
    CRASHED = "crashed"
    CANCELLED = "cancelled"

    @property
    def is_feasible(self) -> bool:
        """A solution was found (``optimal`` or ``feasible``)."""
        return self in FEASIBLE

    @property
    def is_failure(self) -> bool:
        """The scenario got no usable solver answer: ``error``, ``timeout``, ``crashed``,
        ``cancelled``, or ``abnormal`` (the solver stopped without an answer)."""
        return self in FAILURES


#: The feasible statuses (``Status.is_feasible``) and the failures (``Status.is_failure``);
#: plain strings compare equal to their members.
FEASIBLE = frozenset({Status.OPTIMAL, Status.FEASIBLE})
FAILURES = frozenset({Status.ABNORMAL, Status.ERROR, Status.TIMEOUT, Status.CRASHED, Status.CANCELLED})
