"""Global sensitivity analysis on the unit cube: the designs of the ``sobol`` and ``morris``
sweeps and their estimators, on plain numpy arrays (``runner.analysis`` applies them to results).

Designs (rows are points of the unit cube ``[0, 1]^d``, column ``i`` is parameter ``i``):

- ``saltelli_sample(d, n, seed)``: for base sample ``j`` of a scrambled Sobol sequence of
  dimension ``2d`` (``A_j`` its first ``d`` coordinates, ``B_j`` its last ``d``), the rows
  ``A_j, AB_j^1 .. AB_j^d, B_j`` where ``AB_j^i`` is ``A_j`` with coordinate ``i`` from ``B_j``:
  ``n * (d + 2)`` rows, SALib's ``calc_second_order=False`` layout. Growing ``n`` keeps the
  first rows (the sequence is prefix-stable); ``n`` a power of two keeps its balance.
- ``morris_sample(d, r, levels, seed)``: ``r`` trajectories of ``d + 1`` points, one after the
  other, on the grid ``{0, 1/(levels-1), .., 1}``; each step moves one coordinate by
  ``morris_delta(levels) = levels / (2 (levels - 1))`` up or down, each coordinate once per
  trajectory. Trajectory ``t`` is drawn from its own generator (the seed's ``t``-th child), so
  growing ``r`` keeps the first trajectories.

Estimators (SALib's formulas, so results agree with ``SALib.analyze.sobol`` / ``morris`` on the
same samples and bootstrap seed):

- ``sobol_analyze``: first-order indices by Saltelli (2010), total indices by Jansen (1999), on
  the standardised outputs, with bootstrap confidence intervals over the base samples.
- ``morris_analyze``: elementary effects per unit-cube step (``delta``), their mean ``mu``, mean
  absolute value ``mu_star``, standard deviation ``sigma`` and a bootstrap interval of ``mu_star``.

Outputs that are NaN (an infeasible or failed scenario has no outcome) raise a ``ValueError`` by
default; ``nan_policy="omit"`` drops every base sample (Sobol) or trajectory (Morris) that holds
one and says how many in a warning. Omitting is only safe when infeasibility does not depend on
the parameters being measured.
"""

from __future__ import annotations

import inspect
import numbers
import warnings
from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np

__all__ = [
    "NanPolicy",
    "SobolIndices",
    "MorrisIndices",
    "saltelli_sample",
    "morris_sample",
    "morris_delta",
    "morris_trajectory",
    "trajectory_rng",
    "sobol_engine",
    "sobol_analyze",
    "morris_analyze",
]

#: What the estimators do with NaN outputs: raise a ``ValueError``, or omit the base samples
#: (Sobol) / trajectories (Morris) that hold them.
NanPolicy = Literal["raise", "omit"]


@dataclass(frozen=True)
class SobolIndices:
    """Sobol indices of one output: arrays of length ``d``, entry ``i`` for parameter ``i``.

    ``S1`` / ``ST`` are first-order / total indices, ``*_conf`` the half-widths of their
    confidence intervals (``conf_level``); ``n`` is the number of base samples used."""

    S1: np.ndarray
    S1_conf: np.ndarray
    ST: np.ndarray
    ST_conf: np.ndarray
    n: int


@dataclass(frozen=True)
class MorrisIndices:
    """Morris measures of one output: arrays of length ``d``, entry ``i`` for parameter ``i``.

    ``mu`` / ``mu_star`` / ``sigma`` are the mean, mean absolute value and standard deviation
    of the elementary effects (output change per unit-cube step), ``mu_star_conf`` the
    half-width of ``mu_star``'s confidence interval; ``r`` is the number of trajectories used."""

    mu: np.ndarray
    mu_star: np.ndarray
    sigma: np.ndarray
    mu_star_conf: np.ndarray
    r: int


# -- checks ----------------------------------------------------------------------------------------


def _count(value: Any, name: str, where: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{where}: {name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{where}: {name}={value} must be >= {minimum}")
    return int(value)


def _check_options(conf_level: Any, nan_policy: Any, where: str) -> None:
    if isinstance(conf_level, bool) or not isinstance(conf_level, int | float) or not 0 < conf_level < 1:
        raise ValueError(f"{where}: conf_level={conf_level!r} must be a number between 0 and 1, e.g. 0.95")
    if nan_policy not in get_args(NanPolicy):
        raise ValueError(
            f"{where}: nan_policy={nan_policy!r} is not known; expected one of {get_args(NanPolicy)}"
        )


def _outputs(y: Any, size: int, layout: str, where: str) -> np.ndarray:
    try:
        values = np.asarray(y, dtype=float).ravel()
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{where}: y must be numbers, got {type(y).__name__}") from exc
    if values.size != size:
        raise ValueError(f"{where}: y has {values.size} values; {layout} gives {size} rows")
    return values


def _complete(
    groups: np.ndarray, group: tuple[str, str], nan_policy: NanPolicy, minimum: int, where: str
) -> np.ndarray:
    """Which ``groups`` (rows of outputs: one per base sample / trajectory) have no NaN output;
    raises on a NaN with ``nan_policy="raise"`` or when fewer than ``minimum`` are left."""
    complete = ~np.isnan(groups).any(axis=1)
    one, many = group
    if complete.all():
        return complete
    first = int(np.flatnonzero(np.isnan(groups).ravel())[0])
    dropped = int((~complete).sum())
    if nan_policy == "raise":
        raise ValueError(
            f"{where}: {int(np.isnan(groups).sum())} outputs are NaN (the first is row {first}, in "
            f"{one} {first // groups.shape[1]}); infeasible or failed scenarios have no outcome. "
            f"Give nan_policy='omit' to drop the {dropped} {many} of {len(groups)} that hold one, "
            "or analyse an outcome defined for every scenario"
        )
    if complete.sum() < minimum:
        raise ValueError(
            f"{where}: only {int(complete.sum())} of {len(groups)} {many} have no NaN output; "
            f"at least {minimum} are needed"
        )
    warnings.warn(
        f"{where}: omitted {dropped} of {len(groups)} {many} with NaN outputs (the first at row {first})",
        RuntimeWarning,
        stacklevel=3,
    )
    return complete


def _z(conf_level: float) -> float:
    from scipy.stats import norm

    return float(norm.ppf(0.5 + conf_level / 2))


# -- Sobol ----------------------------------------------------------------------------------------


def sobol_engine(dimension: int, seed: int | None) -> Any:
    """scipy's scrambled Sobol engine of ``dimension`` seeded by ``seed`` (the design's stream)."""
    from scipy.stats import qmc

    # scipy >= 1.15 names the random state ``rng`` (``seed`` before; the streams differ).
    keyword = "rng" if "rng" in inspect.signature(qmc.Sobol).parameters else "seed"
    return qmc.Sobol(d=dimension, scramble=True, **{keyword: seed})


def saltelli_sample(d: int, n: int, seed: int | None) -> np.ndarray:
    """The Sobol design of ``d`` parameters and ``n`` base samples: ``n * (d + 2)`` rows of the
    unit cube, ``A_j, AB_j^1 .. AB_j^d, B_j`` for each base sample ``j`` (see the module).

    The same ``seed`` gives the same rows, and ``saltelli_sample(d, 2 * n, seed)`` starts with
    ``saltelli_sample(d, n, seed)``. scipy warns when ``n`` is not a power of two."""
    d = _count(d, "d", "saltelli_sample()")
    n = _count(n, "n", "saltelli_sample()")
    base = sobol_engine(2 * d, seed).random(n)
    a, b = base[:, :d], base[:, d:]
    rows = np.repeat(a[:, np.newaxis, :], d + 2, axis=1)
    columns = np.arange(d)
    rows[:, 1 + columns, columns] = b
    rows[:, d + 1, :] = b
    return rows.reshape(n * (d + 2), d)


def _first_order(a: np.ndarray, ab: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Saltelli (2010): ``mean(f(B) (f(AB^i) - f(A))) / var(f(A), f(B))`` along axis 0."""
    variance = np.var(np.concatenate([a, b]), axis=0)
    return _ratio(np.mean(b * (ab - a), axis=0), variance)


def _total_order(a: np.ndarray, ab: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Jansen (1999): ``mean((f(A) - f(AB^i))^2) / 2 / var(f(A), f(B))`` along axis 0."""
    variance = np.var(np.concatenate([a, b]), axis=0)
    return _ratio(0.5 * np.mean((a - ab) ** 2, axis=0), variance)


def _ratio(numerator: np.ndarray, variance: np.ndarray) -> np.ndarray:
    """``numerator / variance``, 0 where the output does not vary."""
    out = np.zeros_like(numerator, dtype=float)
    np.divide(numerator, variance, out=out, where=variance > 0)
    return out


def sobol_analyze(
    y: Any,
    d: int,
    n: int,
    *,
    conf_level: float = 0.95,
    resamples: int = 100,
    seed: int | None = 0,
    nan_policy: NanPolicy = "raise",
) -> SobolIndices:
    """First-order and total Sobol indices of the outputs ``y`` of ``saltelli_sample(d, n, ...)``
    (in its row order), with bootstrap confidence intervals (``resamples`` draws of the base
    samples from a generator seeded with ``seed``, so the same outputs give the same intervals;
    ``Z * std`` of the resampled indices).

    Raises
    ------
    ValueError : ``y`` does not have ``n * (d + 2)`` values; NaN outputs with
        ``nan_policy="raise"``; fewer than two base samples left after omitting.
    """
    where = "sobol_analyze()"
    d = _count(d, "d", where)
    n = _count(n, "n", where)
    resamples = _count(resamples, "resamples", where, minimum=2)
    _check_options(conf_level, nan_policy, where)
    values = _outputs(y, n * (d + 2), f"the Sobol design of n={n} base samples and d={d} parameters", where)
    blocks = values.reshape(n, d + 2)
    blocks = blocks[_complete(blocks, ("base sample", "base samples"), nan_policy, 2, where)]
    spread = blocks.std()
    if spread == 0:  # a constant output: no parameter has any influence
        zeros = np.zeros(d)
        return SobolIndices(zeros, zeros.copy(), zeros.copy(), zeros.copy(), len(blocks))
    blocks = (blocks - blocks.mean()) / spread
    a, ab, b = blocks[:, 0], blocks[:, 1 : d + 1], blocks[:, d + 1]
    draws = np.random.default_rng(seed).integers(len(blocks), size=(len(blocks), resamples))
    z = _z(conf_level)
    s1, s1_conf, st, st_conf = (np.empty(d) for _ in range(4))
    for i in range(d):
        s1[i] = _first_order(a, ab[:, i], b)
        st[i] = _total_order(a, ab[:, i], b)
        s1_conf[i] = z * _first_order(a[draws], ab[draws, i], b[draws]).std(ddof=1)
        st_conf[i] = z * _total_order(a[draws], ab[draws, i], b[draws]).std(ddof=1)
    return SobolIndices(s1, s1_conf, st, st_conf, len(blocks))


# -- Morris ---------------------------------------------------------------------------------------


def morris_delta(levels: int) -> float:
    """The step of a Morris design on ``levels`` levels: ``levels / (2 (levels - 1))``."""
    levels = _count(levels, "levels", "morris_delta()", minimum=2)
    if levels % 2:
        raise ValueError(
            f"morris: levels={levels} must be even (the step levels / (2 (levels - 1)) is then on the grid)"
        )
    return levels / (2 * (levels - 1))


def trajectory_rng(root: np.random.SeedSequence, t: int) -> np.random.Generator:
    """The random stream of Morris trajectory ``t`` of the design seeded by ``root``."""
    return np.random.default_rng(np.random.SeedSequence(root.entropy, spawn_key=(t,)))


def morris_trajectory(d: int, levels: int, rng: np.random.Generator) -> np.ndarray:
    """One trajectory of ``d + 1`` grid points, as grid indices ``0 .. levels - 1``."""
    jump = levels // 2  # delta in grid steps
    down = rng.integers(0, 2, size=d).astype(bool)
    start = rng.integers(0, levels - jump, size=d) + jump * down
    order = rng.permutation(d)
    points = np.tile(start, (d + 1, 1))
    for step, column in enumerate(order):
        points[step + 1 :, column] += -jump if down[column] else jump
    return points


def morris_sample(d: int, r: int, levels: int, seed: int | None) -> np.ndarray:
    """The Morris design of ``d`` parameters: ``r`` trajectories of ``d + 1`` points of the unit
    cube, one after the other (see the module); ``levels`` must be even.

    The same ``seed`` gives the same rows, and ``morris_sample(d, r + k, levels, seed)`` starts
    with ``morris_sample(d, r, levels, seed)``."""
    d = _count(d, "d", "morris_sample()")
    r = _count(r, "r", "morris_sample()")
    morris_delta(levels)
    root = np.random.SeedSequence(seed)
    trajectories = [morris_trajectory(d, levels, trajectory_rng(root, t)) for t in range(r)]
    return np.concatenate(trajectories) / (levels - 1)


def _moved(moves: np.ndarray, where: str, first_row: int) -> np.ndarray:
    """The parameter that each step of one trajectory moves (``moves``: its ``(d, d)`` changes).

    A step that changes no value (an integer or categorical parameter rounded to the same
    value) stands for the one parameter that no other step of the trajectory moves."""
    changed = moves != 0
    counts = changed.sum(axis=1)
    if (counts > 1).any():
        step = int(np.flatnonzero(counts > 1)[0])
        moved = np.flatnonzero(changed[step]).tolist()
        raise ValueError(
            f"{where}: row {first_row + step + 1} changes parameters {moved}; "
            "a Morris trajectory changes one parameter per step"
        )
    columns = changed.argmax(axis=1)
    unseen = np.setdiff1d(np.arange(len(moves)), columns[counts == 1])
    if (counts == 0).sum() == 1 and len(unseen) == 1:
        columns[counts == 0] = unseen[0]
    elif len(unseen):
        raise ValueError(
            f"{where}: the trajectory of rows {first_row}..{first_row + len(moves)} never changes parameter "
            f"{int(unseen[0])}; a Morris trajectory changes each parameter once, one per step"
        )
    return columns


def _elementary_effects(x: np.ndarray, y: np.ndarray, delta: float, where: str) -> np.ndarray:
    """``(r, d)`` effects: the output change of each step over the unit-cube step ``delta``,
    signed by the direction in which the step moved its parameter (read from ``x``)."""
    r, points, d = x.shape
    effects = np.empty((r, d))
    moves = np.diff(x, axis=1)  # (r, d steps, d parameters)
    steps = np.arange(d)
    for t in range(r):
        columns = _moved(moves[t], where, t * points)
        signs = np.where(moves[t, steps, columns] < 0, -1.0, 1.0)
        effects[t, columns] = signs * np.diff(y[t]) / delta
    return effects


def morris_analyze(
    x: Any,
    y: Any,
    d: int,
    r: int,
    *,
    levels: int = 4,
    conf_level: float = 0.95,
    resamples: int = 100,
    seed: int | None = 0,
    nan_policy: NanPolicy = "raise",
) -> MorrisIndices:
    """Morris measures of the outputs ``y`` of a Morris design ``x`` of ``r`` trajectories of
    ``d + 1`` points (``morris_sample``'s layout, in its row order).

    ``x`` may be the unit-cube design or the parameter values made from it by increasing maps
    (its values only tell which parameter each step moved, and in which direction); every
    effect is divided by the unit-cube step ``morris_delta(levels)``, as SALib does. The
    interval of ``mu_star`` is a bootstrap over the trajectories (``resamples`` draws per
    parameter from a generator seeded with ``seed``).

    Raises
    ------
    ValueError : wrong shapes; a step that moves several parameters or one parameter twice in
        a trajectory; NaN outputs with ``nan_policy="raise"``; odd ``levels``.
    """
    where = "morris_analyze()"
    d = _count(d, "d", where)
    r = _count(r, "r", where)
    resamples = _count(resamples, "resamples", where, minimum=2)
    delta = morris_delta(levels)
    _check_options(conf_level, nan_policy, where)
    layout = f"the Morris design of r={r} trajectories and d={d} parameters"
    values = _outputs(y, r * (d + 1), layout, where)
    design = np.asarray(x, dtype=float)
    if design.shape != (r * (d + 1), d):
        raise ValueError(f"{where}: x has shape {design.shape}; {layout} gives ({r * (d + 1)}, {d})")
    if not np.isfinite(design).all():
        raise ValueError(
            f"{where}: x row {int(np.flatnonzero(~np.isfinite(design).all(axis=1))[0])} is not finite"
        )
    outputs = values.reshape(r, d + 1)
    effects = _elementary_effects(design.reshape(r, d + 1, d), outputs, delta, where)
    effects = effects[_complete(outputs, ("trajectory", "trajectories"), nan_policy, 2, where)]
    mu_star_conf = _mu_star_conf(effects, conf_level, resamples, seed)
    mu, mu_star, sigma = effects.mean(axis=0), np.abs(effects).mean(axis=0), effects.std(axis=0, ddof=1)
    return MorrisIndices(mu, mu_star, sigma, mu_star_conf, len(effects))


def _mu_star_conf(effects: np.ndarray, conf_level: float, resamples: int, seed: int | None) -> np.ndarray:
    """``Z * std`` of ``mu_star`` over ``resamples`` bootstrap draws of the trajectories, drawn
    parameter after parameter from one generator seeded with ``seed``."""
    rng = np.random.default_rng(seed)
    r = len(effects)
    resampled = [np.abs(column[rng.integers(r, size=(resamples, r))]).mean(axis=1) for column in effects.T]
    return _z(conf_level) * np.array([draws.std(ddof=1) for draws in resampled])
