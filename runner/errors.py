"""The error tree of ``runner``; each class also subclasses the builtin users already catch."""

from __future__ import annotations

from pathlib import Path

__all__ = ["RunnerError", "BackendError", "JournalError", "SpecError", "CommandError"]


class RunnerError(Exception):
    """Base class of every error raised by ``runner``."""


class BackendError(RunnerError, ValueError):
    """A backend that is not known, not installed, or cannot start (e.g. no dask client)."""


class JournalError(RunnerError, RuntimeError):
    """The journal (``store=``) cannot be opened, read or written."""


class SpecError(RunnerError, ValueError):
    """A problem of a spec file: ``file``, ``key`` (where in the file), ``problem`` and ``fix``.

    ``str(error)`` is the one line the command line prints after ``error: ``.
    """

    def __init__(self, file: str | Path, key: str, problem: str, fix: str) -> None:
        self.file = str(file)
        self.key = key
        self.problem = problem
        self.fix = fix
        super().__init__(f"{self.file}: {key}: {problem}; fix: {fix}")

    def __reduce__(self) -> tuple[type, tuple[str, str, str, str]]:
        return type(self), (self.file, self.key, self.problem, self.fix)


class CommandError(RunnerError):
    """A problem outside the spec (a results file, a scheduler): one line, exit status 2."""

    def __init__(self, message: str, fix: str) -> None:
        self.message = message
        self.fix = fix
        super().__init__(f"{message}; fix: {fix}")

    def __reduce__(self) -> tuple[type, tuple[str, str]]:
        return type(self), (self.message, self.fix)
