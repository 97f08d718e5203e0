"""Rank correlation between swept parameters (Iman and Conover, 1982).

``iman_conover(sample, target, rng)`` reorders each column of a sample so that the columns'
Spearman rank correlations come close to ``target``, without changing any column's values
(so every marginal, and a Latin hypercube's strata, stay exactly as drawn). The order comes
from van der Waerden scores ``Phi^-1(i / (n + 1))``, shuffled per column, decorrelated by the
Cholesky factor of their own correlation and correlated by that of the target (turned from a
rank correlation into the Pearson correlation of normal scores, ``2 sin(pi r / 6)``).

The reordering depends on the whole sample: a correlated design is not prefix-stable.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .parameters import Parameter, number

__all__ = ["iman_conover", "correlation_matrix"]


def correlation_matrix(spec: Any, parameters: Sequence[Parameter], what: str) -> np.ndarray:
    """The checked rank-correlation matrix over ``parameters`` (in order) of ``spec``: a
    ``d x d`` matrix, or ``{(a, b): r}`` pairs naming parameters (or their names); the
    parameters of no pair are uncorrelated."""
    d = len(parameters)
    if isinstance(spec, Mapping):
        matrix = np.eye(d)
        for pair, value in spec.items():
            i, j = (_position(x, parameters, what) for x in _two(pair, what))
            if i == j:
                raise ValueError(f"{what}: correlation pair {pair!r} names one parameter twice")
            matrix[i, j] = matrix[j, i] = number(value, f"{what}: correlation of {pair!r}")
    else:
        try:
            matrix = np.array(spec, dtype=float)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"{what}: correlation must be a {d} x {d} matrix of numbers or {{(a, b): r}}"
            ) from exc
        if matrix.shape != (d, d):
            raise ValueError(
                f"{what}: the correlation matrix is {matrix.shape}, expected ({d}, {d}) for {d} parameters"
            )
    _check(matrix, parameters, what)
    return matrix


def _two(pair: Any, what: str) -> tuple[Any, Any]:
    if isinstance(pair, str | bytes) or not isinstance(pair, Sequence) or len(pair) != 2:
        raise TypeError(f"{what}: a correlation key must be a pair (a, b) of parameters, got {pair!r}")
    return pair[0], pair[1]


def _position(x: Any, parameters: Sequence[Parameter], what: str) -> int:
    names = [p.name for p in parameters]
    name = x.name if isinstance(x, Parameter) else x
    if name not in names:
        raise ValueError(
            f"{what}: correlation names {name!r}, which is not a parameter of the sweep ({names})"
        )
    return names.index(name)


def _check(matrix: np.ndarray, parameters: Sequence[Parameter], what: str) -> None:
    if not np.isfinite(matrix).all():
        raise ValueError(f"{what}: the correlation matrix has a value that is not a finite number")
    if not np.allclose(np.diag(matrix), 1.0):
        raise ValueError(f"{what}: the correlation matrix must have 1 on its diagonal")
    if not np.allclose(matrix, matrix.T):
        raise ValueError(f"{what}: the correlation matrix must be symmetric")
    off = matrix - np.eye(len(matrix))
    if (np.abs(off) > 1).any():
        i, j = np.argwhere(np.abs(off) > 1)[0]
        a, b = parameters[i].name, parameters[j].name
        raise ValueError(f"{what}: the correlation of {a!r} and {b!r} is {matrix[i, j]:g}, outside [-1, 1]")
    if np.linalg.eigvalsh(matrix).min() <= 1e-10:
        raise ValueError(
            f"{what}: the correlation matrix is not positive definite (the correlations contradict each "
            "other, or one is +-1); weaken them"
        )


def iman_conover(sample: np.ndarray, target: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``sample`` (n x d) with each column reordered so that the rank correlations of the
    columns approach ``target`` (d x d, checked by ``correlation_matrix``)."""
    n, d = sample.shape
    if d < 2 or n < 2:
        return sample
    scores = _normal_scores(n)
    shuffled = np.column_stack([rng.permutation(scores) for _ in range(d)])
    try:  # remove the shuffled scores' own chance correlation ...
        shuffled = shuffled @ np.linalg.inv(np.linalg.cholesky(np.corrcoef(shuffled, rowvar=False))).T
    except np.linalg.LinAlgError:  # ... unless so few scenarios make them collinear
        pass
    ordered = shuffled @ np.linalg.cholesky(_normal_target(target)).T
    out = np.empty_like(sample)
    for j in range(d):
        out[np.argsort(ordered[:, j], kind="stable"), j] = np.sort(sample[:, j], kind="stable")
    return out


def _normal_scores(n: int) -> np.ndarray:
    from scipy import stats

    return np.asarray(stats.norm.ppf(np.arange(1, n + 1) / (n + 1)))


def _normal_target(target: np.ndarray) -> np.ndarray:
    """The Pearson correlation of normal scores whose rank correlation is ``target``; the
    target itself when that matrix is not positive definite."""
    pearson = 2 * np.sin(np.pi * target / 6)
    np.fill_diagonal(pearson, 1.0)
    return pearson if np.linalg.eigvalsh(pearson).min() > 1e-10 else target
