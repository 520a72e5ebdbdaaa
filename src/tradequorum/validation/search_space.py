"""Strategy parameters as a search space, written in YAML, searched by grid, random or Optuna.

Example (``space.yaml``)::

    strategy: sma_cross
    search: grid            # grid | random | optuna
    max_trials: 200         # random/optuna trials; a larger grid is refused
    seed: 0
    objective: sharpe       # in-sample metric maximised per window
    parameters:
      fast: {type: int, low: 5, high: 30, step: 5}
      slow: {type: int, low: 40, high: 160, step: 40}
      atr_stop: {type: float, low: 1.0, high: 3.0, step: 1.0}
      long_only: {type: categorical, choices: [true, false]}
    fixed: {atr_period: 14}
    constraints: ["fast < slow"]

Constraints are ``name OP name-or-number`` with OP one of ``< <= > >= !=``, parsed by a regular
expression (never ``eval``). Parameter sets that break one are never tried.
"""

from __future__ import annotations

import itertools
import operator
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import numpy as np
import yaml
from pydantic import Field, ValidationError, model_validator

from tradequorum.config.base import Section
from tradequorum.core.errors import ConfigError

ParamSet = dict[str, Any]
_CONSTRAINT = re.compile(r"^\s*(\w+)\s*(<=|>=|<|>|!=)\s*([\w.+-]+)\s*$")
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "!=": operator.ne,
}


class ParamSpec(Section):
    type: Literal["int", "float", "categorical"]
    low: float | None = None
    high: float | None = None
    step: float | None = Field(None, gt=0)
    log: bool = False
    choices: list[Any] | None = None

    @model_validator(mode="after")
    def _check(self) -> ParamSpec:
        if self.type == "categorical":
            if not self.choices:
                raise ValueError("a categorical parameter needs non-empty 'choices'")
        elif self.low is None or self.high is None or self.low > self.high:
            raise ValueError("a numeric parameter needs low <= high")
        return self

    def grid_values(self, name: str) -> list[Any]:
        if self.type == "categorical":
            return list(self.choices or [])
        lo, hi = float(self.low or 0.0), float(self.high or 0.0)
        step = self.step if self.step is not None else (1.0 if self.type == "int" else None)
        if step is None:
            raise ConfigError(f"parameter {name!r}: a float needs a 'step' for grid search")
        vals = np.arange(lo, hi + step * 1e-9, step)
        return [round(v) for v in vals] if self.type == "int" else [float(v) for v in vals]

    def sample(self, rng: np.random.Generator) -> Any:
        if self.type == "categorical":
            choices = self.choices or []
            return choices[int(rng.integers(len(choices)))]
        lo, hi = float(self.low or 0.0), float(self.high or 0.0)
        if self.step is not None or self.type == "int":
            vals = self.grid_values("")
            return vals[int(rng.integers(len(vals)))]
        if self.log and lo > 0:
            return float(np.exp(rng.uniform(np.log(lo), np.log(hi))))
        return float(rng.uniform(lo, hi))


class SearchSpace(Section):
    strategy: str = "sma_cross"
    search: Literal["grid", "random", "optuna"] = "grid"
    max_trials: int = Field(200, ge=1)
    seed: int = 0
    objective: Literal["sharpe", "sortino", "total_return", "calmar"] = "sharpe"
    parameters: dict[str, ParamSpec]
    fixed: dict[str, Any] = Field(default_factory=dict)
    constraints: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check_constraints(self) -> SearchSpace:
        for c in self.constraints:
            m = _CONSTRAINT.match(c)
            if not m or m.group(1) not in {*self.parameters, *self.fixed}:
                raise ValueError(f"constraint {c!r} must read 'param OP param-or-number'")
        return self

    def allows(self, params: ParamSet) -> bool:
        """True when ``params`` satisfies every constraint."""
        for c in self.constraints:
            m = _CONSTRAINT.match(c)
            assert m is not None  # validated at load time
            left, op, right = m.groups()
            rhs = params[right] if right in params else float(right)
            if not _OPS[op](params[left], rhs):
                return False
        return True

    def numeric_ranges(self) -> dict[str, tuple[float, float]]:
        return {
            k: (float(s.low or 0.0), float(s.high or 0.0))
            for k, s in self.parameters.items()
            if s.type != "categorical"
        }

    def grid(self) -> list[ParamSet]:
        """Every allowed combination; ConfigError when there are more than ``max_trials``."""
        names = sorted(self.parameters)
        axes = [self.parameters[n].grid_values(n) for n in names]
        out = [
            {**self.fixed, **dict(zip(names, combo, strict=True))}
            for combo in itertools.product(*axes)
        ]
        out = [p for p in out if self.allows(p)]
        if len(out) > self.max_trials:
            raise ConfigError(
                f"the grid has {len(out)} parameter sets, more than max_trials={self.max_trials};"
                " raise max_trials or use search: random"
            )
        return out

    def sample(self, n: int, rng: np.random.Generator) -> list[ParamSet]:
        """Up to ``n`` distinct allowed random parameter sets (rejection sampling)."""
        names = sorted(self.parameters)
        seen: dict[str, ParamSet] = {}
        for _ in range(50 * n):
            if len(seen) >= n:
                break
            p = {**self.fixed, **{k: self.parameters[k].sample(rng) for k in names}}
            if self.allows(p):
                seen.setdefault(repr(sorted(p.items())), p)
        return list(seen.values())

    def candidates(self) -> list[ParamSet]:
        """The fixed candidate set of grid or random search (Optuna proposes its own)."""
        if self.search == "grid":
            return self.grid()
        return self.sample(self.max_trials, np.random.default_rng(self.seed))

    def suggest(self, trial: Any) -> ParamSet:
        """Parameters proposed by an ``optuna.Trial``."""
        p: ParamSet = dict(self.fixed)
        for name in sorted(self.parameters):
            s = self.parameters[name]
            if s.type == "categorical":
                p[name] = trial.suggest_categorical(name, s.choices)
            elif s.type == "int":
                step = int(s.step or 1)
                p[name] = trial.suggest_int(name, int(s.low or 0), int(s.high or 0), step=step)
            else:
                p[name] = trial.suggest_float(
                    name, float(s.low or 0), float(s.high or 0), step=s.step, log=s.log
                )
        return p


def load_search_space(path: Path | str) -> SearchSpace:
    """Read a YAML search space; ConfigError naming the field and the reason otherwise."""
    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"search space file not found: {p}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{p} is not valid YAML: {exc}") from exc
    return parse_search_space(data, source=str(p))


def parse_search_space(data: Any, *, source: str = "search space") -> SearchSpace:
    if not isinstance(data, dict):
        raise ConfigError(f"{source} must hold a mapping with 'parameters'")
    try:
        return SearchSpace.model_validate(data)
    except ValidationError as exc:
        e = exc.errors()[0]
        loc = ".".join(str(x) for x in e["loc"])
        raise ConfigError(f"{source}: {loc}: {e['msg']}") from None


__all__ = ["ParamSet", "ParamSpec", "SearchSpace", "load_search_space", "parse_search_space"]
