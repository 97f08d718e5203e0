"""``LXOptimizer``: the LumiX entry point for solving a model, with any registered backend."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, Literal, Self, TypeVar

from ..utils.logger import LXModelLogger
from .registry import (
    DATA_SCENARIOS_KEY,
    DEFAULT_SOLVER,
    LINEARIZATION_KEY,
    RATIONAL_KEY,
    SOLVER_KEY,
    backend,
    compile_for,
    solve_with,
)
from .solution import LXSolution

if TYPE_CHECKING:
    from ..compile import LXCanonicalModel
    from ..core.model import LXModel
    from ..linearization.config import LXLinearizerConfig
    from ..utils.rational import LXRationalConverter
    from .capabilities import LXSolverCapability

__all__ = ["LXOptimizer", "DATA_SCENARIOS_KEY", "DATA_SCENARIO_MODES", "DataScenarioMode"]

DataScenarioMode = Literal["auto", "recompile"]
#: How scenarios that change the model's data are solved (``LXOptimizer.data_scenarios``).
DATA_SCENARIO_MODES: tuple[DataScenarioMode, ...] = ("auto", "recompile")

TModel = TypeVar("TModel")


class LXOptimizer(Generic[TModel]):
    """Compiles a model and solves it with the chosen backend (OR-Tools by default).

    ``use_solver(name, **params)`` picks ``"ortools"`` (GLOP for LPs, SCIP for MIPs, or
    ``solver="glop"|"scip"|"pdlp"``), ``"cpsat"``, ``"gurobi"`` or ``"cplex"``; the name is
    checked at the first solve (``ValueError("Unknown solver: foo")``, or ``ImportError`` naming
    the extra to install). ``params`` apply to every solve; ``solve(model, **params)`` adds to
    and overrides them (``time_limit``, ``gap_tolerance``, ``threads`` for every backend, and
    each backend's own names). ``options`` carries all of it to ``lumix.scenario`` and the
    runner. Thread-safety: each ``solve`` builds its own solver, so one optimizer may be shared
    by threads. Pickling: plain data only.
    """

    def __init__(self, orm: Any = None) -> None:
        self.orm = orm
        self.solver_name: str = DEFAULT_SOLVER
        self.use_rationals = False
        self.enable_sens = False
        self.use_linearization = False
        self.rational_converter: LXRationalConverter | None = None
        self.linearizer_config: LXLinearizerConfig | None = None
        self.logger = LXModelLogger("lumix.optimizer")
        self._solver_params: dict[str, Any] = {}
        self.data_scenario_mode: DataScenarioMode = "auto"

    def use_solver(self, name: Literal["ortools", "cpsat", "gurobi", "cplex", "glpk"], **params: Any) -> Self:
        """Solve with backend ``name`` (checked at the first solve) and default ``params``."""
        self.solver_name = name
        self._solver_params = dict(params)
        return self

    def enable_rational_conversion(self, max_denom: int = 10000) -> Self:
        """CP-SAT only: scale continuous columns to integers (``scaling_factor``, default 1000)
        and make rows integral with denominators up to ``max_denom``; no effect on other solvers."""
        from ..utils.rational import LXRationalConverter

        self.use_rationals = True
        self.rational_converter = LXRationalConverter(max_denom)
        return self

    def enable_linearization(
        self,
        big_m: float = 1e6,
        pwl_segments: int = 20,
        pwl_method: Literal["sos2", "incremental", "logarithmic"] = "sos2",
        prefer_sos2: bool = True,
        adaptive_breakpoints: bool = True,
        mccormick_tighten_bounds: bool = True,
        **kwargs: Any,
    ) -> Self:
        """Turn non-linear terms into linear rows and columns at compile time (``kwargs`` are
        further ``LXLinearizerConfig`` fields)."""
        from ..linearization.config import LXLinearizerConfig

        self.use_linearization = True
        self.linearizer_config = LXLinearizerConfig(
            big_m_value=big_m,
            pwl_num_segments=pwl_segments,
            pwl_method=pwl_method,
            prefer_sos2=prefer_sos2,
            adaptive_breakpoints=adaptive_breakpoints,
            mccormick_tighten_bounds=mccormick_tighten_bounds,
            **kwargs,
        )
        return self

    def data_scenarios(self, mode: DataScenarioMode = "auto") -> Self:
        """How scenarios that change the model's data (callables, data parameters) are solved:
        ``"auto"`` recomputes only the numbers that read the changed data where the
        dependencies are known (``method="data"``) and copies and recompiles the model
        elsewhere; ``"recompile"`` always copies and recompiles it (``"incremental"`` or
        ``"rebuilt"``), as a check or a comparison."""
        if mode not in DATA_SCENARIO_MODES:
            raise ValueError(f"data_scenarios({mode!r}): expected one of {', '.join(DATA_SCENARIO_MODES)}")
        self.data_scenario_mode = mode
        return self

    def enable_sensitivity(self) -> Self:
        """Kept for LumiX compatibility: LP solutions always carry duals and reduced costs."""
        self.enable_sens = True
        return self

    @property
    def capability(self) -> LXSolverCapability:
        """The chosen backend's capability (``ValueError`` for an unknown name)."""
        return backend(self.solver_name).capability

    @property
    def options(self) -> dict[str, Any]:
        """Everything a solve needs besides the model, as one picklable dict: the solver
        parameters, and the keys of ``lumix.solvers.registry`` for the backend name, the
        linearization configuration and the rational conversion (each only when set), and
        ``DATA_SCENARIOS_KEY`` when ``data_scenarios()`` chose other than ``"auto"``."""
        options = dict(self._solver_params)
        if self.solver_name != DEFAULT_SOLVER:
            options[SOLVER_KEY] = self.solver_name
        if self.linearizer_config is not None:
            options[LINEARIZATION_KEY] = self.linearizer_config
        if self.rational_converter is not None:
            options[RATIONAL_KEY] = self.rational_converter.max_denominator
        if self.data_scenario_mode != "auto":
            options[DATA_SCENARIOS_KEY] = self.data_scenario_mode
        return options

    def compile(self, model: LXModel) -> LXCanonicalModel:
        """Compile ``model`` as this optimizer solves it (linearized when enabled)."""
        return compile_for(model, self.options)

    def solve(self, model: LXModel | LXCanonicalModel, **solver_params: Any) -> LXSolution:
        """Compile ``model`` (unless already canonical) and solve it; ``solver_params`` add to
        and override those of ``use_solver`` (``None`` values are left out)."""
        from ..compile import LXCanonicalModel

        backend(self.solver_name).load()  # an unknown name or a missing package fails first
        if isinstance(model, LXCanonicalModel):
            canon, sizes = model, (model.n_cols, model.n_rows)
        else:
            canon, sizes = self.compile(model), (len(model.variables), len(model.constraints))
        self.logger.log_model_creation(model.name, *sizes)
        self.logger.log_solve_start(self.solver_name)
        options = self.options | {k: v for k, v in solver_params.items() if v is not None}
        options.pop(DATA_SCENARIOS_KEY, None)
        solution = solve_with(canon, options)
        self.logger.log_solve_end(solution.status, solution.objective_value, solution.solve_time)
        return solution
