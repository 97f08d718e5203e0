"""Reading a spec file: the TOML, the top tables and ``[sweep].n``; ``load_spec`` returns the
checked ``SweepSpec``."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from ...errors import SpecError
from .designs import DesignReader
from .model import RunOptions, SweepSpec
from .outcomes import OutcomeReader
from .schema import MODEL, RUN, SAMPLED, SWEEP, TOP

#: What ``n`` counts where it is not the number of scenarios (``d`` parameters).
N_MEANS = {
    "sobol": "the base samples (n (d + 2) scenarios)",
    "morris": "the trajectories (n (d + 1) scenarios)",
}
N_ENV = "LUMIX_SWEEP_N"


def load_spec(path: str | Path, *, n: int | None = None) -> SweepSpec:
    """Read and check the spec at ``path``; ``n`` (or ``$LUMIX_SWEEP_N``) overrides ``[sweep].n``.

    Raises ``SpecError`` for any problem of the file (nothing is imported or run here except
    ``apply`` functions of data parameters, which are imported).
    """
    shown = str(path)
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(
            shown, "(file)", f"cannot read the spec: {exc.strerror or exc}", "check the path"
        ) from exc
    except UnicodeDecodeError as exc:
        raise SpecError(shown, "(file)", f"the spec is not UTF-8 text: {exc}", "save it as UTF-8") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(
            shown, "(toml)", f"not valid TOML: {exc}", "correct the TOML syntax at that line"
        ) from exc
    return _Reader(shown, path).read(data, n)


class _Reader(DesignReader, OutcomeReader):
    """Checks a parsed spec against the schema and builds the ``SweepSpec``."""

    def read(self, data: dict[str, Any], n_override: int | None) -> SweepSpec:
        top = self.fields(data, TOP, "", " at the top level")
        model = self.fields(top["model"], MODEL, "[model]")
        run = RunOptions(**self.fields(top["run"] or {}, RUN, "[run]"))
        sweep = self.fields(top["sweep"], SWEEP, "[sweep]")
        kind = sweep["kind"]
        n = self.sweep_size(sweep["n"], kind, n_override)
        fragments = self.fragments(sweep["fragments"])
        parameters = self.parameters(sweep["parameters"], kind, fragments)
        factory, args = model["factory"], dict(model["args"] or {})
        spec = SweepSpec(self.path, self.shown, factory, args, run, kind, n, sweep["prefix"], parameters)
        spec.design, spec.fragments = self.design(sweep, kind, parameters), fragments
        spec.outcomes = self.outcomes(top["outcomes"], parameters)
        return spec

    def sweep_size(self, n: int | None, kind: str, n_override: int | None) -> int | None:
        if kind not in SAMPLED:
            if n is not None:
                raise self.error(
                    "[sweep].n",
                    f"kind = {kind!r} does not take n (its size is set by the parameters' values)",
                    f"remove n, or use a sampled kind ({', '.join(SAMPLED)})",
                )
            return None
        if n_override is not None and n_override < 1:
            raise self.error("--n", f"--n {n_override} is not a positive count", "use --n 1 or more")
        n = n_override or self.env_size() or n
        if n is None:
            what = N_MEANS.get(kind, "the number of scenarios")
            raise self.error("[sweep].n", f"kind = {kind!r} needs n, {what}", "add n = <count> to [sweep]")
        return n

    def env_size(self) -> int | None:
        """``$LUMIX_SWEEP_N`` as a count, ``None`` when unset."""
        env = os.environ.get(N_ENV, "").strip()
        if not env:
            return None
        n = int(env) if env.lstrip("+").isdigit() else 0
        if n < 1:
            raise self.error(
                f"${N_ENV}", f"{N_ENV}={env!r} is not a positive integer", f"unset it or set e.g. {N_ENV}=200"
            )
        return n
