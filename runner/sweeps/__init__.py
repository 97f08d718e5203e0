"""Sweep generators: lazy sequences of scenarios from parameter specs.

A ``Parameter`` says what one value of a sweep changes: a constraint's right-hand side, a
variable's lower or upper bound, an objective or matrix coefficient (each by family,
``"capacity"``, or by instance, ``"capacity[2]"``), a data attribute of the model through a
callable ``apply(model, value)`` (``data_param``), or which scenario fragment applies
(``choice_param``: ``plant 3 down: yes/no``, ``supplier: A/B/C``). A generator turns
``{Parameter: values or distribution}`` into a ``Sweep`` of ``LXScenario`` objects for
``run_scenarios``, with the design's ``SweepMeta``: a lazy, immutable sequence that makes its
scenarios a chunk at a time as it is iterated (never a list of them all); each scenario's
``parameters`` are ``{parameter.name: value}`` (a float, int, bool or a category's name),
which become columns of the results table.

- ``parameters``: ``Parameter``, ``param``, ``data_param``, ``choice_param``, ``fragment``.
- ``distributions``: marginals by inverse CDF (``uniform``, ``normal``, ``lognormal``,
  ``triangular``, ``truncated``, ``integer``, ``boolean``, ``categorical``).
- ``correlation``: rank correlation between parameters (Iman-Conover).
- ``designs``: ``grid``, ``one_at_a_time``, ``latin_hypercube``, ``monte_carlo``,
  ``quasi_random``, ``sobol``, ``morris`` and ``scenario_for``.
- ``rows``: each design's values, any slice of rows computed alone (or, for the designs that
  depend on all ``n`` rows, from their held ``n x d`` numbers).
- ``lazy``: ``DesignSource``, the lazy sweep's source: names, values -> scenarios
  (``ScenarioBuilder``, what ``Parameter.add_to`` makes, with the constant parts checked once).

Generators are deterministic: the same specs (and seed) give the same scenarios with the same
names, ``f"{prefix}-{i:05d}"`` in generation order, so a journaled sweep can be resumed; the
extendable designs keep their first scenarios when ``n`` grows (see ``designs``).

Pickling: scenarios hold plain modifications and, for data parameters and callable
fragments, small callables (``DataChange``, the user's ``fn(model)``); they ship to worker
processes with cloudpickle (lambdas included).
"""

from .correlation import iman_conover
from .designs import (
    QMC_METHODS,
    grid,
    latin_hypercube,
    monte_carlo,
    morris,
    one_at_a_time,
    quasi_random,
    scenario_for,
    sobol,
)
from .distributions import (
    Distribution,
    boolean,
    categorical,
    integer,
    lognormal,
    normal,
    triangular,
    truncated,
    uniform,
)
from .parameters import (
    ALLOWED_HOW,
    HOW_VALUES,
    ON_VALUES,
    DataChange,
    Fragment,
    How,
    On,
    Parameter,
    choice_param,
    data_param,
    fragment,
    param,
)

__all__ = [
    # Parameters
    "Parameter",
    "param",
    "data_param",
    "choice_param",
    "Fragment",
    "fragment",
    "DataChange",
    "ON_VALUES",
    "HOW_VALUES",
    "ALLOWED_HOW",
    "On",
    "How",
    # Distributions
    "Distribution",
    "uniform",
    "normal",
    "lognormal",
    "triangular",
    "truncated",
    "integer",
    "boolean",
    "categorical",
    "iman_conover",
    # Designs
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
