"""``python -m runner.bench``: the same as ``python -m runner bench``."""

from __future__ import annotations

import sys

from .measure import main

if __name__ == "__main__":
    sys.exit(main(prog="python -m runner.bench"))
