"""Sweep spec files (TOML) for ``python -m runner run``: reading, checking, building.

A spec has three tables::

    [model]
    factory = "sweep_model:factory"     # module:function returning an LXModel
    args = { products = 40 }            # keyword arguments of the factory (optional)

    [run]                               # all optional; command-line flags win
    n_jobs = 2                          # joblib's meaning (-1: every core)
    backend = "loky"                    # loky | threading | sequential | dask
    scheduler = "tcp://host:8786"       # dask (a scheduler implies the dask backend)
    timeout = 30.0                      # seconds per scenario
    retries = 1
    keep = "summary"                    # summary | values | full
    output = "results/sweep.parquet"    # .parquet, .csv, .sqlite/.db or a SQLAlchemy URL
    store = "results/sweep.journal.sqlite"  # the journal (default: next to the output)
    seed = 42                           # the sampled kinds (default 0)

    [sweep]
    kind = "latin_hypercube"            # grid | one_at_a_time | latin_hypercube | monte_carlo |
                                        # quasi_random | sobol | morris
    n = 5000                            # sampled kinds ($LUMIX_SWEEP_N wins); sobol: base samples
                                        # (n (d + 2) scenarios); morris: trajectories (n (d + 1))
    method = "sobol"                    # quasi_random: sobol | halton
    levels = 4                          # morris: the grid's levels (even)
    correlation = [[1, 0.6], [0.6, 1]]  # latin_hypercube, monte_carlo, quasi_random: rank
                                        # correlations over the parameters in order, or pairs:
                                        # [[sweep.correlations]] parameters = ["a", "b"], rank = 0.6

    [[sweep.parameters]]
    name = "machine"                    # the results column, an identifier (default: target_on_how)
    target = "capacity[1]"              # constraint (on = rhs, coefficient) or variable
    on = "rhs"                          # rhs | lower | upper | objective | coefficient | data | choice
    how = "multiply"                    # set | multiply | add
    type = "float"                      # float | integer | boolean | categorical
    low = 0.8                           # sampled kinds: uniform on [low, high];
    high = 1.2                          # grid / one_at_a_time: with points

    [sweep.fragments.plant3_down]       # a named scenario fragment (selected by a choice):
    apply = "sweep_model:close_plant"   # fn(model) on the scenario's copy, and/or changes
    changes = [{ target = "capacity[plant3]", on = "rhs", how = "set", value = 0 }]

    [[outcomes]]                        # optional: KPIs read from each solution, one column each
    name = "chairs"                     # the column (default: derived, see lumix.outcomes)
    kind = "value"                      # value | sum | max | min | mean | activity | slack |
                                        # shadow_price | goal_deviation | objective
    target = "production[1]"            # a variable (family or column), a row, or a goal
    weights = { "1" = 2.5, "2" = 1.0 }  # kind = "sum" only: weight per key (others weigh 0)
    side = "neg"                        # kind = "goal_deviation" only: pos | neg | total

Per kind, a (float) parameter takes: ``grid``: ``values = [...]`` or ``low``, ``high``,
``points``; ``one_at_a_time``: ``base`` and ``values`` (or ``low``, ``high``, ``points``); the
sampled kinds (``SAMPLED``): ``low`` and ``high`` (uniform), or ``distribution`` =
``"uniform"`` (``low``, ``high``), ``"normal"`` (``mean``, ``std``) or ``"lognormal"`` (``mu``,
``sigma`` of the logarithm), both truncated to ``low`` / ``high`` when given, or
``"triangular"`` (``low``, ``mode``, ``high``); ``morris`` needs bounded values.
``type = "integer"``: whole ``low`` and ``high`` (every integer between, equally likely) or
``values``; ``"boolean"``: ``probability`` of true (default 0.5); ``"categorical"``:
``levels = ["A", "B", "C"]`` and optional ``weights``. A grid takes every level of a boolean or
categorical parameter; one_at_a_time moves it from ``base`` to each other level. A boolean or
categorical parameter selects fragments (``on = "choice"``, implied by ``fragments = { true =
"plant3_down" }``: level -> fragment name; a level without one changes nothing), or its value
goes to ``apply`` (``on = "data"``); numeric levels may also change a target. ``on = "data"``
takes ``apply = "module:function"``, called as ``function(model, value)`` on each scenario's
copy. The results column holds the value: a float, an int, a bool or the level's name.


The keys of each table, their types and allowed values are data in ``schema`` (``TOP``,
``MODEL``, ``RUN``, ``SWEEP``, ``SWEEP_OPTIONS``, ``PARAMETER``, ``BY_KIND``, ``TYPE_KEYS``,
``DISTRIBUTIONS``, ``FRAGMENT``, ``CHANGE``, ``CORRELATION``, ``OUTCOME``) read by one checker
(``schema.Checker.fields``). Every problem is a ``SpecError`` naming the file, the key
(``[sweep.parameters][1].high``; parameters count from 0) and the fix. Relative paths in
``[run]`` are relative to the current directory.

The modules, each of one concern:

- ``schema``: the tables above, the checker with its typed getters, and ``check_output``;
- ``callables``: importing ``module:function`` names and describing what they raise;
- ``designs``: ``[[sweep.parameters]]`` (keys per ``on``, ``type`` and kind, values,
  distributions), ``[sweep.fragments.NAME]``, the design options and correlations, the
  scenarios of each kind;
- ``outcomes``: the ``[[outcomes]]`` section, read and resolved against the compiled model;
- ``model``: ``SweepSpec`` and ``RunOptions``: building the model with the factory and
  checking the spec against it;
- ``reader``: ``load_spec``: the TOML file, the top tables and ``[sweep].n``.
"""

from __future__ import annotations

from ...errors import SpecError
from .designs import ParameterSpec
from .model import RunOptions, SweepSpec
from .reader import N_ENV, load_spec
from .schema import KINDS, SAMPLED, check_output

__all__ = [
    "SpecError",
    "SweepSpec",
    "ParameterSpec",
    "RunOptions",
    "load_spec",
    "check_output",
    "KINDS",
    "SAMPLED",
    "N_ENV",
]
