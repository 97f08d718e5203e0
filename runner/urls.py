"""Showing store and output URLs without their passwords.

``mask_url(url)`` is what every message, log record and error of the runner shows for a
``store`` / ``--output`` / results URL: ``postgresql://user:***@host/db``. ``mask_secrets(text)``
masks every ``scheme://user:password@`` inside a longer text (a driver's error message).
A text that is not a URL comes back unchanged.
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["mask_url", "mask_secrets", "has_password"]

#: ``scheme://user:password@``: the password is group 2.
_CREDENTIALS = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*://[^\s/:@]*:)([^\s@/]+)(@)")


def has_password(text: str) -> bool:
    """``text`` holds ``scheme://user:password@...`` (cheap: only texts with "://" and "@")."""
    return "://" in text and "@" in text and _CREDENTIALS.search(text) is not None


def mask_url(url: str | Path) -> str:
    """``url`` with its password shown as ``***``; a path or non-URL text unchanged."""
    text = str(url)
    if "://" not in text or "@" not in text:
        return text
    try:
        from sqlalchemy.engine import make_url

        return make_url(text).render_as_string(hide_password=True)
    except Exception:  # not a SQLAlchemy URL: mask what looks like credentials
        return mask_secrets(text)


def mask_secrets(text: str) -> str:
    """Every ``scheme://user:password@`` in ``text`` with the password as ``***``."""
    if "://" not in text or "@" not in text:
        return text
    return _CREDENTIALS.sub(r"\1***\3", text)
