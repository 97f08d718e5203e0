"""Sweep designs: ``{Parameter: values or distribution}`` -> a ``Sweep`` of scenarios.

Every generator returns a ``runner.meta.Sweep``: a lazy, immutable sequence of ``LXScenario``
with ``.meta`` (a ``SweepMeta`` naming the kind, each parameter with its bounds, distribution
and levels, the number of scenarios ``n``, the ``seed`` and what the analysis needs in
``design``). Scenario names are ``f"{prefix}-{i:05d}"`` in generation order, so that a
journaled sweep resumes.

Lazy: a generator checks its specs and records the design; the scenarios are made a chunk at
a time as the sweep is iterated (``runner.sweeps.rows``), so a sweep of 10 million scenarios
costs no more to build than one of ten. ``latin_hypercube``, a design with a ``correlation``
and a ``monte_carlo`` parameter drawn by a callable depend on all ``n`` rows at once and hold
their ``n x d`` numbers (8 bytes each), never the scenarios.

Sampled designs map a unit-cube design through each parameter's inverse CDF
(``runner.sweeps.distributions``). ``seed=None`` draws a fresh seed, recorded in
``meta.seed`` (pass it back to repeat or extend the sweep).

Extendable (prefix-stable) designs: growing ``n`` with the same seed keeps every scenario
already made (same names, same values, so a journal's by-value keys match and ``--resume``
solves only the new ones): ``monte_carlo`` (one random stream per parameter, keyed by the
seed and the parameter's name), ``quasi_random`` (a scrambled Sobol or Halton sequence),
``sobol`` (Saltelli's design on a scrambled Sobol sequence) and ``morris`` (trajectory after
trajectory). Their names keep five digits past 99999 (``mc-100000`` follows ``mc-99999``) so
that they never change as ``n`` grows. Not prefix-stable: ``latin_hypercube`` (its strata
depend on ``n``) and any design with a ``correlation`` (Iman-Conover reorders the sample as a
whole).
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from lumix.analysis import LXScenario
from lumix.utils.callables import describe_callable

from ..meta import ParameterMeta, Sweep, SweepMeta
from .correlation import correlation_matrix, iman_conover
from .distributions import Distribution, as_distribution, kind_of
from .lazy import DesignSource, names
from .parameters import Parameter
from .rows import (
    GridRows,
    HeldRows,
    MorrisRows,
    OneAtATimeRows,
    QmcRows,
    Rows,
    SaltelliRows,
    StreamRows,
    UnitRows,
    qmc_engine,
    stream,
)

__all__ = [
    "scenario_for",
    "grid",
    "one_at_a_time",
    "latin_hypercube",
    "monte_carlo",
    "quasi_random",
    "sobol",
    "morris",
    "QMC_METHODS",
]

#: The sequences of ``quasi_random``.
QMC_METHODS = ("sobol", "halton")


# -- validation helpers ---------------------------------------------------------------------------


def _parameters(spec: Mapping[Parameter, Any], what: str) -> list[Parameter]:
    if not isinstance(spec, Mapping):
        raise TypeError(f"{what}: expected a mapping {{Parameter: ...}}, got {type(spec).__name__}")
    if not spec:
        raise ValueError(f"{what}: needs at least one parameter, got an empty mapping")
    names: set[str] = set()
    for p in spec:
        if not isinstance(p, Parameter):
            raise TypeError(
                f"{what}: keys must be Parameter objects (from param(), data_param() or choice_param()), "
                f"got {type(p).__name__} {p!r}"
            )
        if p.name in names:
            raise ValueError(f"{what}: two parameters are named {p.name!r}; names must be unique")
        names.add(p.name)
    return list(spec)


def _axis(values: Any, p: Parameter, where: str) -> list[Any]:
    """A grid's or a one-at-a-time range's values of ``p``: a sequence, or a discrete
    distribution (``integer``, ``boolean``, ``categorical``) for all its levels."""
    if isinstance(values, Distribution):
        levels = as_distribution(values, p, where).levels
        if levels is None:
            raise TypeError(f"{where}: a continuous distribution has no list of values; give the values")
        return list(levels)
    if isinstance(values, str | bytes) or not isinstance(values, Sequence | np.ndarray):
        raise TypeError(f"{where}: expected a sequence of values such as [0.8, 1.0, 1.2], got {values!r}")
    out = [p.check_value(v, where) for v in values]
    if not out:
        raise ValueError(f"{where}: needs at least one value, got an empty sequence")
    return out


def _count(n: Any, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{what}: n must be an integer, got {n!r}")
    if n < 1:
        raise ValueError(f"{what}: n={n} must be >= 1")
    return int(n)


def _prefix(prefix: Any, what: str) -> str:
    if not isinstance(prefix, str) or not prefix:
        raise ValueError(f"{what}: prefix must be a non-empty string, got {prefix!r}")
    return prefix


def _seed(seed: Any, what: str) -> int:
    """The seed, or a fresh one (recorded in the sweep's meta) for ``None``."""
    if seed is None:
        return int(np.random.SeedSequence().entropy) % 2**63  # type: ignore[arg-type]
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise TypeError(f"{what}: seed must be a non-negative integer or None, got {seed!r}")
    return int(seed)


def _width(n: int, widen: bool) -> int:
    """The digits of ``n`` names: ``widen``, all get the digits of the last (sortable), else
    five at least, so that a name never changes as ``n`` grows."""
    return max(5, len(str(n - 1))) if widen else 5


def _names(prefix: str, n: int, *, widen: bool = True) -> list[str]:
    """``prefix-00000`` .. of ``n`` scenarios (see ``_width``)."""
    return names(prefix, 0, n, _width(n, widen))


def _scenario(name: str, parameters: Sequence[Parameter], row: Sequence[Any]) -> LXScenario:
    """The scenario of ``parameters`` at the checked values of ``row``."""
    scenario = LXScenario(name)
    for p, value in zip(parameters, row, strict=True):
        p.add_to(scenario, value)
        scenario.parameters[p.name] = value
    return scenario


def _sweep(
    prefix: str, parameters: list[Parameter], rows: Rows, meta: SweepMeta, *, widen: bool = True
) -> Sweep:
    """The lazy sweep of ``rows`` with ``meta`` (its ``n`` set to their count)."""
    meta.n = rows.n
    return Sweep(DesignSource(prefix, _width(rows.n, widen), parameters, rows), meta)


def _parameter_meta(
    p: Parameter, dist: Distribution | None = None, values: list[Any] | None = None
) -> ParameterMeta:
    """What the results' metadata says of ``p``: from its distribution, or its list of values."""
    meta = ParameterMeta(p.name, on=p.on, target=p.target, how=p.how, variable=p.variable)
    if dist is not None:
        meta.kind, meta.low, meta.high, meta.distribution = dist.kind, dist.low, dist.high, dist.description
        meta.levels = None if dist.levels is None else list(dist.levels)
    elif values:
        meta.kind, meta.levels = kind_of(values), list(dict.fromkeys(values))
        if meta.kind in ("int", "float"):
            meta.low, meta.high = min(values), max(values)
    return meta


def _distributions(spec: Mapping[Parameter, Any], what: str) -> tuple[list[Parameter], list[Distribution]]:
    parameters = _parameters(spec, what)
    return parameters, [as_distribution(spec[p], p, f"{what}, parameter {p.name!r}") for p in parameters]


def _held(dists: Sequence[Distribution], unit: np.ndarray) -> HeldRows:
    """The rows of the unit-cube design ``unit`` (column ``j`` through ``dists[j]``), held."""
    return HeldRows(unit, [dist.values for dist in dists])


def _correlated(
    unit: np.ndarray, correlation: Any, parameters: list[Parameter], seed: int, what: str
) -> tuple[np.ndarray, dict[str, Any]]:
    """``unit`` reordered to the rank ``correlation`` (``None``: as it is) and the design entry."""
    if correlation is None:
        return unit, {}
    matrix = correlation_matrix(correlation, parameters, what)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1,)))
    return iman_conover(unit, matrix, rng), {"correlation": matrix.tolist()}


# -- generators -------------------------------------------------------------------------------------


def scenario_for(name: str, values: Mapping[Parameter, Any]) -> LXScenario:
    """One scenario that sets every parameter of ``values`` to its value, in order;
    ``parameters`` is ``{p.name: value}``."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"scenario_for(): name must be a non-empty string, got {name!r}")
    parameters = _parameters(values, f"scenario {name!r}")
    row = [p.check_value(values[p], f"scenario {name!r}, parameter {p.name!r}") for p in parameters]
    return _scenario(name, parameters, row)


def grid(values: Mapping[Parameter, Any], *, prefix: str = "grid") -> Sweep:
    """The cartesian product of every parameter's values (the last parameter varies fastest).

    A parameter's values are a sequence, or a discrete distribution for all its levels
    (``integer(1, 3)``, ``boolean()``, ``categorical()`` of a ``choice_param``).
    ``grid({param("capacity"): [0.8, 1.0, 1.2], param("production", "objective"): [0.9, 1.1]})``
    gives 6 scenarios ``grid-00000`` .. ``grid-00005``.
    """
    prefix = _prefix(prefix, "grid()")
    parameters = _parameters(values, "grid()")
    axes = [_axis(values[p], p, f"grid(), parameter {p.name!r}") for p in parameters]
    meta = SweepMeta(
        "grid", [_parameter_meta(p, values=axis) for p, axis in zip(parameters, axes, strict=True)]
    )
    return _sweep(prefix, parameters, GridRows(axes), meta)


def one_at_a_time(
    base: Mapping[Parameter, Any],
    ranges: Mapping[Parameter, Any],
    *,
    prefix: str = "oat",
    include_base: bool = True,
) -> Sweep:
    """One-at-a-time (tornado) sweep: each parameter of ``ranges`` moves through its values
    (a sequence, or a discrete distribution for all its levels) while every other parameter
    stays at its ``base`` value.

    The first scenario, ``f"{prefix}-base"``, has every parameter at its base value (the
    reference of a tornado chart; leave it out with ``include_base=False``); then
    ``f"{prefix}-00000"`` .. in the order of ``ranges`` and its values. Every scenario's
    ``parameters`` carry all parameters of ``base``; ``meta.design["base"]`` holds the base.
    """
    prefix = _prefix(prefix, "one_at_a_time()")
    parameters = _parameters(base, "one_at_a_time() base")
    moved = _parameters(ranges, "one_at_a_time() ranges")
    missing = [p.name for p in moved if p not in base]
    if missing:
        raise ValueError(
            f"one_at_a_time(): parameter(s) {', '.join(map(repr, missing))} have a range but no base "
            "value; give every parameter of ranges a value in base"
        )
    center = [p.check_value(base[p], f"one_at_a_time() base, parameter {p.name!r}") for p in parameters]
    axes = {p: _axis(ranges[p], p, f"one_at_a_time() ranges, parameter {p.name!r}") for p in moved}
    shifted = [(parameters.index(p), axis) for p, axis in axes.items()]
    metas = [
        _parameter_meta(p, values=[c, *axes.get(p, [])]) for p, c in zip(parameters, center, strict=True)
    ]
    design = {"base": {p.name: c for p, c in zip(parameters, center, strict=True)}}
    rows = OneAtATimeRows(center, shifted, base=include_base)
    meta = SweepMeta("one_at_a_time", metas, n=rows.n, design=design)
    width = _width(rows.n - include_base, True)
    return Sweep(DesignSource(prefix, width, parameters, rows, base=include_base), meta)


def latin_hypercube(
    distributions: Mapping[Parameter, Any],
    n: int,
    seed: int | None = None,
    *,
    prefix: str = "lhs",
    correlation: Any = None,
) -> Sweep:
    """``n`` scenarios from a Latin hypercube (``scipy.stats.qmc.LatinHypercube``): each
    parameter's probability is cut into ``n`` equal strata and every stratum holds exactly one
    scenario. A parameter takes a ``(low, high)`` pair (uniform), a distribution
    (``normal(1, 0.2, low=0)``, ``integer(1, 4)``, ``categorical()`` ...) or a frozen
    ``scipy.stats`` distribution; ``correlation`` (a matrix over the parameters in order, or
    ``{(a, b): r}``) sets rank correlations (Iman-Conover). The same ``seed`` gives the same
    scenarios.

    Not prefix-stable: the strata depend on ``n``, so a larger ``n`` is a new design (use
    ``quasi_random`` or ``monte_carlo`` to grow a sweep).
    """
    prefix = _prefix(prefix, "latin_hypercube()")
    n = _count(n, "latin_hypercube()")
    seed = _seed(seed, "latin_hypercube()")
    parameters, dists = _distributions(distributions, "latin_hypercube()")
    from scipy.stats import qmc

    unit = qmc_engine(qmc.LatinHypercube, len(parameters), seed).random(n)
    unit, design = _correlated(unit, correlation, parameters, seed, "latin_hypercube()")
    metas = [_parameter_meta(p, dist) for p, dist in zip(parameters, dists, strict=True)]
    return _sweep(
        prefix, parameters, _held(dists, unit), SweepMeta("latin_hypercube", metas, seed=seed, design=design)
    )


def monte_carlo(
    distributions: Mapping[Parameter, Any],
    n: int,
    seed: int | None = None,
    *,
    prefix: str = "mc",
    correlation: Any = None,
) -> Sweep:
    """``n`` scenarios with each parameter drawn independently from its distribution: a
    distribution (``normal(1, 0.1, low=0)``, ``boolean(0.1)`` ...), a frozen ``scipy.stats``
    distribution (both by inverse CDF), a ``(low, high)`` pair (uniform), or a callable
    ``fn(rng, n)`` returning ``n`` numbers. ``correlation`` sets rank correlations
    (Iman-Conover; not prefix-stable).

    Prefix-stable: each parameter draws from its own stream (seeded by ``seed`` and its name),
    so ``n=250`` begins with the 200 scenarios of ``n=200`` (a callable keeps this when its
    first draws do not depend on ``n``, as ``rng.uniform(a, b, n)`` does).
    """
    prefix = _prefix(prefix, "monte_carlo()")
    n = _count(n, "monte_carlo()")
    seed = _seed(seed, "monte_carlo()")
    parameters = _parameters(distributions, "monte_carlo()")
    if correlation is None and not any(_drawn_by_callable(distributions[p]) for p in parameters):
        where, also = "monte_carlo(), parameter", "a callable fn(rng, n) -> array"
        dists = [as_distribution(distributions[p], p, f"{where} {p.name!r}", also=also) for p in parameters]
        rows: Rows = StreamRows(n, seed, [p.name for p in parameters], [dist.values for dist in dists])
        metas = [_parameter_meta(p, dist) for p, dist in zip(parameters, dists, strict=True)]
        return _sweep(prefix, parameters, rows, SweepMeta("monte_carlo", metas, seed=seed), widen=False)
    parts = [_monte_carlo_column(distributions[p], p, n, stream(seed, p.name)) for p in parameters]
    drawn = np.column_stack([column for column, _, _ in parts])
    drawn, design = _correlated(drawn, correlation, parameters, seed, "monte_carlo()")
    rows = HeldRows(drawn, [to_values for _, _, to_values in parts])
    meta = SweepMeta("monte_carlo", [m for _, m, _ in parts], seed=seed, design=design)
    return _sweep(prefix, parameters, rows, meta, widen=False)


def _drawn_by_callable(spec: Any) -> bool:
    """Whether a Monte Carlo parameter is drawn by a callable ``fn(rng, n)``."""
    return callable(spec) and not isinstance(spec, Distribution) and not hasattr(spec, "ppf")


def _monte_carlo_column(
    spec: Any, p: Parameter, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, ParameterMeta, Callable[[np.ndarray], list[Any]]]:
    """``p``'s unit numbers (a distribution) or draws (a callable), its meta, and what turns
    the column into its values."""
    where = f"monte_carlo(), parameter {p.name!r}"
    if _drawn_by_callable(spec):
        drawn = _draw(spec, n, rng, where)
        meta = _parameter_meta(p)
        meta.low, meta.high, meta.distribution = (
            float(drawn.min()),
            float(drawn.max()),
            describe_callable(spec),
        )
        return drawn, meta, np.ndarray.tolist
    dist = as_distribution(spec, p, where, also="a callable fn(rng, n) -> array")
    return rng.random(n), _parameter_meta(p, dist), dist.values


def _draw(fn: Callable[..., Any], n: int, rng: np.random.Generator, where: str) -> np.ndarray:
    drawn = fn(rng, n)
    try:
        values = np.asarray(drawn, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{where}: the draws are not numbers: {drawn!r}") from exc
    if values.shape != (n,):
        raise ValueError(f"{where}: expected {n} draws of shape ({n},), got shape {values.shape}")
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        raise ValueError(f"{where}: draw #{bad[0]} is {float(values[bad[0]])!r}, not a finite number")
    return values


def quasi_random(
    distributions: Mapping[Parameter, Any],
    n: int,
    seed: int | None = None,
    *,
    method: str = "sobol",
    prefix: str = "qmc",
    correlation: Any = None,
) -> Sweep:
    """``n`` scenarios of a scrambled low-discrepancy sequence (``method="sobol"`` or
    ``"halton"``, ``scipy.stats.qmc``) mapped through each parameter's distribution (as
    ``latin_hypercube`` takes them). Sobol points are best balanced for ``n`` a power of 2.

    Prefix-stable (without ``correlation``): ``n=250`` begins with the 200 scenarios of
    ``n=200`` for the same ``seed``.
    """
    prefix = _prefix(prefix, "quasi_random()")
    n = _count(n, "quasi_random()")
    seed = _seed(seed, "quasi_random()")
    if method not in QMC_METHODS:
        raise ValueError(
            f"quasi_random(): method={method!r} is not known; expected one of {', '.join(QMC_METHODS)}"
        )
    parameters, dists = _distributions(distributions, "quasi_random()")
    rows: UnitRows = QmcRows(n, method, seed, [dist.values for dist in dists])
    design: dict[str, Any] = {}
    if correlation is not None:
        unit, design = _correlated(rows.numbers(0, n), correlation, parameters, seed, "quasi_random()")
        rows = _held(dists, unit)
    metas = [_parameter_meta(p, dist) for p, dist in zip(parameters, dists, strict=True)]
    meta = SweepMeta("quasi_random", metas, seed=seed, design={"method": method, **design})
    return _sweep(prefix, parameters, rows, meta, widen=False)


def sobol(
    distributions: Mapping[Parameter, Any],
    n: int,
    seed: int | None = None,
    *,
    prefix: str = "sobol",
) -> Sweep:
    """Saltelli's design for Sobol indices with ``n`` base samples (a power of 2 is best):
    ``n * (d + 2)`` scenarios for ``d`` parameters, in the order A_j, AB_j^1 .. AB_j^d, B_j
    for each base sample j (``runner.sensitivity.saltelli_sample``), each unit point mapped
    through its parameter's distribution. ``meta.design == {"base_samples": n}``.

    Prefix-stable: ``n=16`` begins with the scenarios of ``n=8`` for the same ``seed``.
    """
    prefix = _prefix(prefix, "sobol()")
    n = _count(n, "sobol()")
    seed = _seed(seed, "sobol()")
    parameters, dists = _distributions(distributions, "sobol()")
    if n & (n - 1):
        warnings.warn("The balance properties of Sobol' points require n to be a power of 2.", stacklevel=2)
    metas = [_parameter_meta(p, dist) for p, dist in zip(parameters, dists, strict=True)]
    meta = SweepMeta("sobol", metas, seed=seed, design={"base_samples": n})
    return _sweep(
        prefix, parameters, SaltelliRows(n, seed, [dist.values for dist in dists]), meta, widen=False
    )


def morris(
    distributions: Mapping[Parameter, Any],
    n: int,
    seed: int | None = None,
    *,
    levels: int = 4,
    prefix: str = "morris",
) -> Sweep:
    """Morris's elementary-effects design: ``n`` trajectories of ``d + 1`` scenarios each on a
    grid of ``levels`` levels (``runner.sensitivity.morris_sample``), each unit point mapped
    through its parameter's distribution. Every distribution must be bounded (the grid
    reaches 0 and 1): a pair, ``uniform``, ``triangular``, a truncated ``normal(..., low=,
    high=)``, ``integer``, ``boolean`` or ``categorical``; each step must change its
    parameter's value. ``meta.design == {"trajectories": n, "levels": levels}``.

    Prefix-stable: more trajectories keep the first ones for the same ``seed``.
    """
    prefix = _prefix(prefix, "morris()")
    n = _count(n, "morris()")
    seed = _seed(seed, "morris()")
    if isinstance(levels, bool) or not isinstance(levels, numbers.Integral) or levels < 2:
        raise ValueError(f"morris(): levels must be an integer >= 2, got {levels!r}")
    parameters, dists = _distributions(distributions, "morris()")
    for p, dist in zip(parameters, dists, strict=True):
        if not dist.bounded:
            raise ValueError(
                f"morris(), parameter {p.name!r}: {dist!r} is unbounded, but Morris's grid reaches the "
                "ends of its range; give low= and high= (a truncated distribution) or a (low, high) pair"
            )
    from ..sensitivity import morris_delta

    morris_delta(int(levels))
    rows = MorrisRows(n, int(levels), seed, [dist.values for dist in dists])
    if _may_stall(dists, int(levels)):
        _check_trajectories(rows, parameters)
    metas = [_parameter_meta(p, dist) for p, dist in zip(parameters, dists, strict=True)]
    meta = SweepMeta("morris", metas, seed=seed, design={"trajectories": n, "levels": int(levels)})
    return _sweep(prefix, parameters, rows, meta, widen=False)


def _may_stall(dists: Sequence[Distribution], levels: int) -> bool:
    """Whether a step of a Morris trajectory may leave a value as it is: a step moves one
    parameter between grid points ``i`` and ``i + levels // 2``; one whose values there are
    equal would (only then are the trajectories checked one by one)."""
    jump, grid = levels // 2, np.arange(levels) / (levels - 1)
    for dist in dists:
        values = dist.values(grid)
        if any(values[i] == values[i + jump] for i in range(levels - jump)):
            return True
    return False


def _check_trajectories(rows: MorrisRows, parameters: list[Parameter]) -> None:
    """``_check_steps`` over all trajectories, a block of them at a time."""
    length = len(parameters) + 1
    block = length * 256
    for start in range(0, rows.n, block):
        stop = min(start + block, rows.n)
        unit = rows.numbers(start, stop)
        values = [to_values(unit[:, j]) for j, to_values in enumerate(rows.to_values)]
        _check_steps(unit, list(zip(*values, strict=True)), parameters, length)


def _check_steps(
    unit: np.ndarray, rows: list[tuple[Any, ...]], parameters: list[Parameter], length: int
) -> None:
    """Each step of a trajectory changes the value of the parameter it moves (the analysis
    finds the moved parameter from the values)."""
    for start in range(0, len(rows), length):
        for k in range(start, start + length - 1):
            for j in np.flatnonzero(unit[k + 1] != unit[k]):
                if rows[k + 1][j] == rows[k][j]:
                    raise ValueError(
                        f"morris(), parameter {parameters[j].name!r}: the step from u={unit[k, j]:g} to "
                        f"u={unit[k + 1, j]:g} leaves its value at {rows[k][j]!r}, but each step must "
                        "change the value it moves; give the parameter more distinct values or more even "
                        "weights, or use another number of levels"
                    )
