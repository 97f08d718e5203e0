"""A design's values, a slice of rows at a time: ``Rows.columns(start, stop)`` gives the values
of rows ``start`` .. ``stop - 1``, one list per parameter, the same whichever slices are asked.

Most designs compute any slice from the design alone, in time and memory that do not grow
with ``n``: Monte Carlo (each parameter's random stream advanced to ``start``), quasi-random
(the sequence fast-forwarded), Sobol (Saltelli's blocks of the base samples the slice needs),
Morris (its trajectories), grid and one-at-a-time (by position). A Latin hypercube, a
correlated design and a Monte Carlo design with a callable ``fn(rng, n)`` depend on all ``n``
rows at once: ``HeldRows`` keeps their ``n x d`` numbers (8 bytes each) and maps a slice of them.
"""

from __future__ import annotations

import bisect
import hashlib
import inspect
import itertools
import math
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..sensitivity import morris_trajectory, sobol_engine, trajectory_rng

__all__ = [
    "Rows",
    "UnitRows",
    "HeldRows",
    "StreamRows",
    "QmcRows",
    "SaltelliRows",
    "MorrisRows",
    "GridRows",
    "OneAtATimeRows",
    "stream",
    "qmc_engine",
]

#: Maps a column of a design's numbers to its parameter's values (``Distribution.values``).
ToValues = Callable[[np.ndarray], list[Any]]


def stream(seed: int, name: str, start: int = 0) -> np.random.Generator:
    """The random stream of parameter ``name`` from its draw ``start`` on: independent of the
    other parameters and of ``n``, so its first draws stay when ``n`` grows or parameters are
    added (``numpy.random.default_rng``'s generator; one 64-bit step per uniform number)."""
    key = int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "little")
    bits = np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(0, key)))
    if start:
        bits.advance(start)
    return np.random.Generator(bits)


def qmc_engine(engine: Callable[..., Any], d: int, seed: int, **options: Any) -> Any:
    """A ``scipy.stats.qmc`` engine seeded with ``seed`` (scipy >= 1.15 names it ``rng``)."""
    keyword = "rng" if "rng" in inspect.signature(engine).parameters else "seed"
    return engine(d=d, **options, **{keyword: np.random.default_rng(seed)})


class Rows(ABC):
    """The ``n`` rows of a design's values."""

    n: int

    @abstractmethod
    def columns(self, start: int, stop: int) -> list[list[Any]]:
        """The values of rows ``start`` .. ``stop - 1``, one list per parameter."""


class UnitRows(Rows):
    """Rows of numbers (a unit-cube design, or draws), column ``j`` mapped by ``to_values[j]``."""

    def __init__(self, n: int, to_values: Sequence[ToValues]) -> None:
        self.n = n
        self.to_values = list(to_values)

    @abstractmethod
    def numbers(self, start: int, stop: int) -> np.ndarray:
        """The numbers of rows ``start`` .. ``stop - 1``, shape ``(stop - start, d)``."""

    def columns(self, start: int, stop: int) -> list[list[Any]]:
        numbers = self.numbers(start, stop)
        return [to_values(numbers[:, j]) for j, to_values in enumerate(self.to_values)]


class HeldRows(UnitRows):
    """A design whose numbers depend on all its rows: the ``n x d`` matrix, held."""

    def __init__(self, matrix: np.ndarray, to_values: Sequence[ToValues]) -> None:
        super().__init__(len(matrix), to_values)
        self.matrix = matrix

    def numbers(self, start: int, stop: int) -> np.ndarray:
        return self.matrix[start:stop]


class StreamRows(UnitRows):
    """Monte Carlo: column ``j`` is the stream of ``names[j]`` (``stream``), one uniform
    number per row (a stream is advanced past the rows before ``start``)."""

    def __init__(self, n: int, seed: int, names: Sequence[str], to_values: Sequence[ToValues]) -> None:
        super().__init__(n, to_values)
        self.seed = seed
        self.names = list(names)

    def numbers(self, start: int, stop: int) -> np.ndarray:
        out = np.empty((stop - start, len(self.names)))
        for j, name in enumerate(self.names):
            out[:, j] = stream(self.seed, name, start).random(stop - start)
        return out


class QmcRows(UnitRows):
    """A scrambled Sobol or Halton sequence of dimension ``len(to_values)``, from point ``start``."""

    def __init__(self, n: int, method: str, seed: int, to_values: Sequence[ToValues]) -> None:
        super().__init__(n, to_values)
        self.method = method
        self.seed = seed

    def numbers(self, start: int, stop: int) -> np.ndarray:
        from scipy.stats import qmc

        sobol = self.method == "sobol"
        engine = qmc_engine(qmc.Sobol if sobol else qmc.Halton, len(self.to_values), self.seed, scramble=True)
        if sobol and start:  # (scipy's fast_forward(0) fails)
            engine.fast_forward(start)
        else:  # Halton's point i depends on i alone (its fast_forward draws and drops the points)
            engine.num_generated = start
        with warnings.catch_warnings():  # "balance properties ... power of 2": any n is a prefix
            warnings.filterwarnings("ignore", message=".*balance properties.*", category=UserWarning)
            return np.asarray(engine.random(stop - start))


class SaltelliRows(UnitRows):
    """Saltelli's design (``runner.sensitivity.saltelli_sample``): ``d + 2`` rows per base sample
    of a scrambled Sobol sequence of dimension ``2 d``; a slice computes the blocks it needs."""

    def __init__(self, base_samples: int, seed: int, to_values: Sequence[ToValues]) -> None:
        d = len(to_values)
        super().__init__(base_samples * (d + 2), to_values)
        self.seed = seed

    def numbers(self, start: int, stop: int) -> np.ndarray:
        d = len(self.to_values)
        first, last = start // (d + 2), math.ceil(stop / (d + 2))
        engine = sobol_engine(2 * d, self.seed)
        if first:  # (scipy's fast_forward(0) fails)
            engine.fast_forward(first)
        with warnings.catch_warnings():  # the sweep warned once, for its n
            warnings.filterwarnings("ignore", message=".*balance properties.*", category=UserWarning)
            base = engine.random(last - first)
        a, b = base[:, :d], base[:, d:]
        blocks = np.repeat(a[:, np.newaxis, :], d + 2, axis=1)
        columns = np.arange(d)
        blocks[:, 1 + columns, columns] = b
        blocks[:, d + 1, :] = b
        offset = first * (d + 2)
        return blocks.reshape(-1, d)[start - offset : stop - offset]


class MorrisRows(UnitRows):
    """Morris's design (``runner.sensitivity.morris_sample``): trajectory ``t`` of ``d + 1``
    points from its own random stream; a slice computes the trajectories it needs."""

    def __init__(self, trajectories: int, levels: int, seed: int, to_values: Sequence[ToValues]) -> None:
        d = len(to_values)
        super().__init__(trajectories * (d + 1), to_values)
        self.levels = levels
        self.seed = seed

    def numbers(self, start: int, stop: int) -> np.ndarray:
        d = len(self.to_values)
        first, last = start // (d + 1), math.ceil(stop / (d + 1))
        root = np.random.SeedSequence(self.seed)
        points = np.concatenate(
            [morris_trajectory(d, self.levels, trajectory_rng(root, t)) for t in range(first, last)]
        )
        offset = first * (d + 1)
        return points[start - offset : stop - offset] / (self.levels - 1)


class GridRows(Rows):
    """The cartesian product of ``axes`` (the last varies fastest), by position."""

    def __init__(self, axes: Sequence[Sequence[Any]]) -> None:
        self.axes = [list(axis) for axis in axes]
        self.n = math.prod(len(axis) for axis in self.axes)
        self.strides = [math.prod(len(axis) for axis in self.axes[k + 1 :]) for k in range(len(self.axes))]

    def columns(self, start: int, stop: int) -> list[list[Any]]:
        positions = np.arange(start, stop, dtype=np.int64)
        return [
            [axis[k] for k in ((positions // stride) % len(axis)).tolist()]
            for axis, stride in zip(self.axes, self.strides, strict=True)
        ]


class OneAtATimeRows(Rows):
    """``center`` with one column moved per row: ``moved`` are ``(column, values)`` pairs, in
    order, each value one row; with ``base``, row 0 is ``center`` itself."""

    def __init__(self, center: Sequence[Any], moved: Sequence[tuple[int, Sequence[Any]]], base: bool) -> None:
        self.center = list(center)
        self.moved = [(column, list(values)) for column, values in moved]
        self.base = int(base)
        self.ends = list(itertools.accumulate(len(values) for _, values in self.moved))
        self.n = self.base + self.ends[-1]

    def columns(self, start: int, stop: int) -> list[list[Any]]:
        moves = [self._move(row) for row in range(start, stop)]
        return [
            [value if column == j else centered for column, value in moves]
            for j, centered in enumerate(self.center)
        ]

    def _move(self, row: int) -> tuple[int, Any]:
        """The ``(column, value)`` of ``row`` (``(-1, None)`` for the base)."""
        if row < self.base:
            return -1, None
        position = row - self.base
        k = bisect.bisect_right(self.ends, position)
        column, values = self.moved[k]
        return column, values[position - (self.ends[k - 1] if k else 0)]
