"""The linearization pass: non-linear terms become auxiliary columns and linear rows.

Each non-linear term of the expanded model (``NonlinearPart`` of the objective and of the
constraint families) is formulated by the techniques of ``lumix.linearization.techniques``
for all its items at once; its output columns replace it where it was used (in a row of an
indexed constraint, only the items that row takes). Names are LumiX's: a term's tag is
``aux_{kind}_{variables}_{n}`` (``n`` counts terms: objective first, then constraints in
model order, indicators before the other terms of an expression), its families
``{tag}_{role}`` indexed by the items' keys, its rows ``{tag}_{role}[key]``.

Without a linearization a model with non-linear terms is refused (LumiX's ``ValueError``),
and a quadratic objective is kept for the solver (``objective_quadratic``). The pass reads
numbers only: the expander evaluated every callable, piecewise functions included.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from ..errors import ModelError
from ..expand import (
    ColumnBlock,
    ExpandedModel,
    IndicatorTerm,
    NonlinearPart,
    NonlinearTerm,
    ObjectiveBlock,
    RowBlock,
)
from ..linearization._formulation import Formulation, Kind, Ref
from ..linearization._warn import warn_user
from ..linearization.techniques._absminmax import absolute, minmax
from ..linearization.techniques._indicator import indicator_rows
from ..linearization.techniques._products import product
from ..linearization.techniques._pwl import piecewise

if TYPE_CHECKING:
    from ..core.model import LXModel
    from ..linearization.config import LXLinearizerConfig
    from . import ModelPass

__all__ = [
    "LinearizationSettings",
    "LinearizationReport",
    "linearization_settings",
    "linearization_pass",
    "linearize",
]

#: The tag of each kind of term.
TAGS = {"abs": "abs", "min": "min", "max": "max", "product": "prod", "piecewise": "pwl"}
#: ``LXLinearizer.get_statistics()`` counts per kind (per item; indicators per term).
COUNTED = {
    "abs": "absolute",
    "min": "minmax",
    "max": "minmax",
    "product": "bilinear",
    "piecewise": "piecewise",
}
#: Where each row sense pushes a value: down (+1), up (-1), both ways (0).
ROW_SIGN = {"<=": 1.0, ">=": -1.0, "==": 0.0}
_CALL = "call LXOptimizer().enable_linearization() or LXLinearizer(...).linearize_model() before solving"


class LinearizationSettings(NamedTuple):
    """What a compile linearizes: ``config``; whether a quadratic objective becomes products
    (else it is kept for the solver); whether to warn (a model ``LXLinearizer`` returned was
    warned about when it was made)."""

    config: LXLinearizerConfig
    quadratic_products: bool = True
    warn: bool = True


def linearization_settings(
    model: LXModel, linearization: LXLinearizerConfig | None, keep_quadratic: bool = False
) -> LinearizationSettings | None:
    """The linearization a compile of ``model`` applies: the one a model from
    ``LXLinearizer.linearize_model()`` carries, else ``linearization`` when given (keeping a
    quadratic objective when ``keep_quadratic``), else none."""
    carried = getattr(model, "linearization", None)
    if isinstance(carried, LinearizationSettings):
        return carried
    if linearization is not None:
        return LinearizationSettings(linearization, quadratic_products=not keep_quadratic)
    return None


def linearization_pass(settings: LinearizationSettings | None) -> ModelPass:
    """The linearization pass of a compile (``settings``: see ``linearization_settings``)."""

    def rewrite(model: LXModel, expanded: ExpandedModel) -> ExpandedModel:
        return linearize(expanded, settings)[0]

    return rewrite


@dataclass
class LinearizationReport:
    """What a linearization added: auxiliary column blocks (with their kinds) in creation
    order, row blocks per term in creation order, items per kind, and the McCormick products
    (``"x[k] * y[k]"``)."""

    columns: list[tuple[ColumnBlock, Kind]] = field(default_factory=list)
    rows: list[list[RowBlock]] = field(default_factory=list)
    counts: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(COUNTED.values(), 0) | {"indicator": 0}
    )
    relaxation_terms: list[str] = field(default_factory=list)


def linearize(
    expanded: ExpandedModel, settings: LinearizationSettings | None
) -> tuple[ExpandedModel, LinearizationReport]:
    """``expanded`` with its non-linear terms linearized (in place), and what was added.

    Raises:
        ModelError (a ``ValueError``): non-linear terms without ``settings``; a technique
            that needs bounds the columns lack.
    """
    report = LinearizationReport()
    if settings is None:
        _refuse(expanded)
    else:
        run = _Run(expanded, settings, report)
        if expanded.objective is not None:
            run.objective(expanded.objective)
        for block in list(expanded.rows):
            if block.nonlinear is not None:
                run.rows(block)
        expanded.relaxation_terms = (*expanded.relaxation_terms, *report.relaxation_terms)
    objective = expanded.objective
    if objective is not None and objective.quadratic is not None:
        expanded.objective_quadratic, objective.quadratic = objective.quadratic, None
    return expanded, report


def _refuse(expanded: ExpandedModel) -> None:
    """LumiX's errors for non-linear terms without a linearization: rows first, then the
    objective."""
    for block in expanded.rows:
        if block.nonlinear is not None:
            raise ModelError(f"Constraint '{block.name}' has nonlinear terms; {_CALL}")
    part = expanded.objective.nonlinear if expanded.objective is not None else None
    if part is not None and part.indicators:
        raise ModelError(f"The objective has indicator terms, which are constraints; {_CALL}")
    if part is not None:
        raise ModelError(f"The objective has nonlinear terms; {_CALL}")


class _Columns:
    """The model's columns before the pass, by position: bounds, kinds and labels."""

    def __init__(self, blocks: list[ColumnBlock]) -> None:
        self.blocks = list(blocks)
        self.starts = np.array([b.start for b in self.blocks], dtype=np.int64)
        self.lower = np.concatenate([b.lower for b in self.blocks]) if self.blocks else np.zeros(0)
        self.upper = np.concatenate([b.upper for b in self.blocks]) if self.blocks else np.zeros(0)

    def block(self, pos: int) -> ColumnBlock:
        return self.blocks[int(np.searchsorted(self.starts, pos, side="right")) - 1]

    def key(self, pos: int) -> Any:
        block = self.block(pos)
        return block.keys[pos - block.start]

    def label(self, pos: int) -> str:
        block = self.block(pos)
        return block.name if block.scalar else f"{block.name}[{block.keys[pos - block.start]}]"

    def ref(self, cols: np.ndarray) -> Ref:
        """The input columns ``cols`` (one per item, all of one family or one column)."""
        block = self.block(int(cols[0]))
        kind: Kind = "binary" if block.binary else "integer" if block.integer else "continuous"
        label: Callable[[int], str] = lambda i: self.label(int(cols[i]))
        return Ref(cols, self.lower[cols], self.upper[cols], kind, block.name, label)


class _BlockSink:
    """Puts a formulation's columns and rows into the expanded model, keyed by item keys."""

    def __init__(self, run: _Run, keys: list[Any]) -> None:
        self.run = run
        self.keys = keys
        self.scalar = keys == [None]

    def _positions(self, start: int) -> dict[Any, int]:
        return dict(zip(self.keys, range(start, start + len(self.keys)), strict=True))

    def column(
        self, name: str, kind: Kind, lower: np.ndarray, upper: np.ndarray
    ) -> tuple[np.ndarray, Callable[[int], str]]:
        run, keys = self.run, self.keys
        start = run.n_cols
        integer = kind != "continuous"
        block = ColumnBlock(
            name, keys, start, self._positions(start), lower, upper, integer, self.scalar, kind == "binary"
        )
        run.expanded.columns.append(block)
        run.report.columns.append((block, kind))
        run.n_cols += len(keys)
        label: Callable[[int], str] = (lambda i: name) if self.scalar else (lambda i: f"{name}[{keys[i]}]")
        return np.arange(start, start + len(keys), dtype=np.int64), label

    def row(self, name: str, sense: str, cols: np.ndarray, vals: np.ndarray, rhs: np.ndarray) -> None:
        run, m = self.run, len(self.keys)
        block = RowBlock(name, sense, self.scalar, list(self.keys), self._positions(run.n_rows))
        block.cols, block.vals = list(cols), list(vals)
        block.rhs, block.constants = rhs.astype(float).tolist(), [0.0] * m
        run.expanded.rows.append(block)
        run.report.rows[-1].append(block)
        run.n_rows += m

    def warn(self, key: tuple[str, ...], message: str) -> None:
        self.run.warn(key, message)


class _Run:
    """One linearization of one expanded model: tags, counts and warnings."""

    def __init__(
        self, expanded: ExpandedModel, settings: LinearizationSettings, report: LinearizationReport
    ) -> None:
        self.expanded = expanded
        self.settings = settings
        self.config = settings.config
        self.report = report
        self.columns = _Columns(expanded.columns)
        self.n_cols = sum(len(b.keys) for b in expanded.columns)
        self.n_rows = sum(len(b.keys) for b in expanded.rows)
        self.terms = 0
        self.warned: set[tuple[str, ...]] = set()

    def warn(self, key: tuple[str, ...], message: str) -> None:
        if self.settings.warn and key not in self.warned:
            self.warned.add(key)
            warn_user(message)

    def tag(self, kind: str, names: tuple[str, ...]) -> str:
        """The next term's tag; its rows are reported together."""
        self.terms += 1
        self.report.rows.append([])
        return f"aux_{kind}_{'_'.join(dict.fromkeys(names))}_{self.terms}"

    # -- where terms are used ---------------------------------------------------------------
    def objective(self, block: ObjectiveBlock) -> None:
        sign = -1.0 if block.sense.value == "max" else 1.0
        extra_cols, extra_vals = [block.cols], [block.vals]
        if block.nonlinear is not None:
            for term, out in self._part(block.nonlinear, sign):
                extra_cols.append(out)
                extra_vals.append(np.full(len(out), term.coeff))
            block.nonlinear = None
        if block.quadratic is not None and self.settings.quadratic_products:
            for c, out in self._quadratic(block.quadratic):
                extra_cols.append(out)
                extra_vals.append(np.full(len(out), c))
            block.quadratic = None
        block.cols, block.vals = np.concatenate(extra_cols), np.concatenate(extra_vals)

    def rows(self, block: RowBlock) -> None:
        part = block.nonlinear
        assert part is not None
        outputs = dict(
            enumerate(out for _, out in self._part(part, ROW_SIGN[block.sense], keep_skipped=True))
        )
        coeffs = [term.coeff for term in part.terms]
        for j, picks in enumerate(block.picks):
            cols, vals = [block.cols[j]], [block.vals[j]]
            for t, pick in enumerate(picks):
                out = outputs[t]
                if out is None:
                    continue
                chosen = out if pick is None else out[pick]
                cols.append(chosen)
                vals.append(np.full(len(chosen), coeffs[t]))
            block.cols[j], block.vals[j] = np.concatenate(cols), np.concatenate(vals)
        block.nonlinear, block.picks, block.was_nonlinear = None, [], True

    def _part(
        self, part: NonlinearPart, sign: float, keep_skipped: bool = False
    ) -> list[tuple[NonlinearTerm, Any]]:
        """Indicators first, then each term's output columns (``None`` for a skipped term when
        ``keep_skipped``, else skipped terms are left out)."""
        for indicator in part.indicators:
            self._indicator(indicator)
        found = [(term, self._term(term, sign)) for term in part.terms]
        return found if keep_skipped else [(t, out) for t, out in found if out is not None]

    # -- techniques -------------------------------------------------------------------------
    def _term(self, term: NonlinearTerm, sign: float) -> np.ndarray | None:
        """The output column of each item of ``term`` (``None``: no items, or a zero weight)."""
        if not term.keys or (term.coeff == 0 and term.kind in ("abs", "product")):
            return None
        for note in term.notes:
            self.warn(("piecewise", note), note)
        f = Formulation(_BlockSink(self, term.keys), self.tag(TAGS[term.kind], term.families), len(term.keys))
        refs = [self.columns.ref(term.cols[:, a]) for a in range(term.cols.shape[1])]
        self.report.counts[COUNTED[term.kind]] += len(term.keys)
        return self._technique(f, term, refs, sign).cols

    def _technique(self, f: Formulation, term: NonlinearTerm, refs: list[Ref], sign: float) -> Ref:
        kind = term.kind
        if kind == "abs":
            return absolute(f, refs[0], convex=sign * term.coeff > 0)
        if kind in ("min", "max"):
            return minmax(f, kind, refs, term.coefficients, convex=sign < 0 if kind == "min" else sign > 0)
        if kind == "product":
            return product(f, refs[0], refs[1], self.config, self.report.relaxation_terms)
        if term.breakpoints is None or term.values is None:
            raise ModelError(f"the piecewise term on {term.families[0]} was expanded without a linearization")
        return piecewise(f, refs[0], term.breakpoints, term.values, term.method)

    def _quadratic(
        self, quadratic: tuple[np.ndarray, np.ndarray, np.ndarray]
    ) -> list[tuple[float, np.ndarray]]:
        """Each objective product ``c * x_i * x_j`` as a term of its own, keyed by both keys:
        its coefficient and output column."""
        found = []
        for i, j, c in zip(*(a.tolist() for a in quadratic), strict=True):
            first, second = self.columns.block(i), self.columns.block(j)
            key = (self.columns.key(i), self.columns.key(j))
            f = Formulation(_BlockSink(self, [key]), self.tag("prod", (first.name, second.name)), 1)
            x, y = self.columns.ref(np.array([i])), self.columns.ref(np.array([j]))
            self.report.counts["bilinear"] += 1
            found.append((c, product(f, x, y, self.config, self.report.relaxation_terms).cols))
        return found

    def _indicator(self, term: IndicatorTerm) -> None:
        """``b == condition`` implies ``expr (sense) rhs``, by big-M rows from the bounds of
        ``expr`` (duplicates summed)."""
        self.report.counts["indicator"] += 1
        cols, inverse = np.unique(term.cols, return_inverse=True)
        vals = np.bincount(inverse.ravel(), weights=term.vals, minlength=len(cols))
        with np.errstate(invalid="ignore"):
            a, b = vals * self.columns.lower[cols], vals * self.columns.upper[cols]
        a, b = np.where(vals == 0, 0.0, a), np.where(vals == 0, 0.0, b)
        low = term.constant + float(np.minimum(a, b).sum())
        high = term.constant + float(np.maximum(a, b).sum())
        label = self.columns.label(term.binary)
        message = (
            f"The indicator on '{label}' has an unbounded expression; it uses "
            f"big_m_value={self.config.big_m_value} (LXLinearizerConfig)"
        )
        tag = self.tag("ind", (term.family,))
        found = indicator_rows(
            low, high, term.constant, term.sense, term.rhs, term.condition, self.config.big_m_value,
            lambda: self.warn(("indicator", tag), message),
        )  # fmt: skip
        sink = _BlockSink(self, [None])
        for row in found:
            row_cols = np.append(cols, term.binary)[None, :]
            row_vals = np.append(vals, row.b_coeff)[None, :]
            sink.row(f"{tag}_{row.role}", row.sense, row_cols, row_vals, np.array([row.bound]))
