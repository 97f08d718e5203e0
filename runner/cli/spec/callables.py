"""Importing the spec's ``module:function`` names (the factory, ``apply`` functions) and
describing what they raise, for the messages."""

from __future__ import annotations

import importlib
import logging
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lumix.utils.naming import close_matches

logger = logging.getLogger(__name__)

#: The fix of an error raised inside the user's function.
TRACEBACK_FIX = "run the function in Python to see the full traceback, or run with --traceback"


def _import_module(owner: Any, key: str, module_name: str) -> Any:
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            raise owner.error(
                key,
                f"cannot import module {module_name!r}",
                "put the module next to the spec file or in the current directory, or install it",
            ) from exc
        raise owner.error(
            key, f"importing {module_name!r} failed: {describe(exc)}", "install the missing package"
        ) from exc
    except Exception as exc:
        raise owner.error(key, f"importing {module_name!r} failed: {describe(exc)}", TRACEBACK_FIX) from exc


def resolve_callable(owner: Any, key: str, text: str, what: str) -> Callable[..., Any]:
    """Import ``module:function`` for ``key``; ``owner.error`` builds the ``SpecError``."""
    module_name, _, attr = text.partition(":")
    logger.debug("importing %s for %s", text, key)
    module = _import_module(owner, key, module_name)
    fn: Any = module
    for part in attr.split("."):
        fn = getattr(fn, part, None)
        if fn is None:
            public = [n for n in dir(module) if not n.startswith("_") and callable(getattr(module, n, None))]
            close = close_matches(attr, public, n=1)
            hint = f"did you mean {module_name}:{close[0]}? " if close else ""
            raise owner.error(
                key, f"module {module_name!r} has no {attr!r}", f"{hint}name {what} defined in {module_name}"
            )
    if not callable(fn):
        raise owner.error(key, f"{text} is a {type(fn).__name__}, not a function", f"name {what}")
    return fn


def add_import_paths(spec_dir: Path) -> None:
    """Put the spec's directory and the CWD first on ``sys.path`` and ``PYTHONPATH``."""
    paths = [str(spec_dir.resolve()), os.getcwd()]
    for p in reversed(paths):
        if p in sys.path:
            sys.path.remove(p)
        sys.path.insert(0, p)
    current = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    os.environ["PYTHONPATH"] = os.pathsep.join(paths + [p for p in current if p not in paths])


def describe(exc: BaseException) -> str:
    """``ValueError: message (at file.py:42)``: the innermost frame of ``exc``."""
    where = ""
    frames = traceback.extract_tb(exc.__traceback__)
    if frames:
        last = frames[-1]
        where = f" (at {os.path.basename(last.filename)}:{last.lineno})"
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {message}{where}" if message else f"{type(exc).__name__}{where}"


def callable_name(fn: Any) -> str:
    module = getattr(fn, "__module__", None)
    name = getattr(fn, "__qualname__", None) or repr(fn)
    return f"{module}:{name}" if module else name
