"""The feature registry: every feature is a named, causal function with parameters, dependencies
and a declared warm-up.

A :class:`FeatureSpec` computes one column (``name``) or, for adapters over other packages
(microstructure, SMC), several columns named ``<name>__<output>``. Its function receives the bars,
the already-computed columns of the features it ``depends_on`` and its ``params``. The registry is
an ordinary object built by :func:`tradequorum.features.default_registry` (no module-level
registry): users add their own features with :meth:`FeatureRegistry.register`.

Causality contract (DESIGN §3): the value at bar ``t`` uses bars with open time ``<= t`` only; past
``warmup_bars`` it does not depend on how much earlier history was loaded. The three audits of
:mod:`tradequorum.core.causality` check every registered feature in CI.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from tradequorum.core.bars import FloatArray
from tradequorum.core.errors import DataError
from tradequorum.features.shared import BarArrays

T = TypeVar("T")
FeatureOutput = FloatArray | Mapping[str, FloatArray] | pd.DataFrame
FeatureFn = Callable[[pd.DataFrame, Mapping[str, FloatArray], Mapping[str, Any]], FeatureOutput]
LastFn = Callable[[BarArrays, Mapping[str, FloatArray], Mapping[str, Any]], float]


def _always() -> bool:
    return True


@dataclass(frozen=True, slots=True)
class FeatureSpec:
    """A registered feature.

    Parameters
    ----------
    name : unique name (also the column name of a single-output feature).
    fn : ``fn(bars, deps, params) -> array | {output: array} | DataFrame`` on the bars' index.
    params : keyword parameters, part of the feature hash.
    warmup_bars : bars after which the value no longer depends on the start of history
        (excluding the warm-up of dependencies, which the registry adds).
    requires : bar columns needed beyond OHLCV (e.g. ``taker_buy_volume``).
    depends_on : names of single-output features whose columns ``fn`` receives in ``deps``.
    multi_output : True when ``fn`` returns several columns (named ``<name>__<column>``).
    is_available : False when an optional package is missing (adapters import lazily).
    arrays : ``fn`` also accepts :class:`~tradequorum.features.shared.BarArrays` in place of the
        DataFrame (it reads bars only through :mod:`tradequorum.features.shared`); the last-row
        path (:mod:`tradequorum.features.lastrow`) then avoids pandas for it.
    lookback : with ``arrays``, an exact positional window: the value at row ``t`` is a function
        of bar rows and dependency values at ``t - lookback .. t`` only, computed the same way
        whatever comes before (so it can be computed on that tail, bit for bit). None: it may
        depend on all history (exponential smoothers, time-bucketed HTF values, adapters).
    last_fn : ``last_fn(bar_arrays, deps, params) -> float``, the value at the last row alone,
        equal to ``fn``'s bit for bit (dependencies are passed whole); used by the last-row path
        when only that value is needed (HTF buckets are walked back from the last bar).
        None of ``arrays``, ``lookback``, ``last_fn`` is part of the feature hash (they describe
        how, not what, is computed).
    """

    name: str
    fn: FeatureFn
    params: Mapping[str, Any] = field(default_factory=dict)
    warmup_bars: int = 0
    requires: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()
    group: str = "core"
    multi_output: bool = False
    version: int = 1
    description: str = ""
    is_available: Callable[[], bool] = _always
    arrays: bool = False
    lookback: int | None = None
    last_fn: LastFn | None = None

    def identity(self) -> dict[str, Any]:
        """What the feature hash covers: name, version, parameters and dependencies."""
        return {
            "name": self.name,
            "version": self.version,
            "params": {k: _jsonable(v) for k, v in sorted(self.params.items())},
            "depends_on": list(self.depends_on),
        }


def _jsonable(v: Any) -> Any:
    if isinstance(v, tuple | list):
        return [_jsonable(x) for x in v]
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, int | float | str | bool) or v is None:
        return v
    return repr(v)


class FeatureRegistry:
    """Named feature specs; resolves dependencies, warm-ups and the feature hash."""

    def __init__(self, specs: Iterable[FeatureSpec] = ()) -> None:
        self._specs: dict[str, FeatureSpec] = {}
        # values derived from the specs alone, cleared by `register` (specs are frozen, their
        # params part of the spec: changing a feature goes through `register`)
        self._derived: dict[Hashable, Any] = {}
        for s in specs:
            self.register(s)

    def register(self, spec: FeatureSpec, *, replace: bool = False) -> FeatureSpec:
        """Add ``spec``; a duplicate name is refused unless ``replace``."""
        if not spec.name or "__" in spec.name:
            raise DataError(f"feature name {spec.name!r} must be non-empty and contain no '__'")
        if spec.name in self._specs and not replace:
            raise DataError(f"feature {spec.name!r} is already registered")
        for dep in spec.depends_on:
            dep_spec = self._specs.get(dep)
            if dep_spec is None:
                raise DataError(f"feature {spec.name!r} depends on unknown feature {dep!r}")
            if dep_spec.multi_output:
                raise DataError(f"feature {spec.name!r} cannot depend on multi-output {dep!r}")
        self._specs[spec.name] = spec
        self._derived.clear()
        return spec

    def derived(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()`` once per ``key`` and registry state, for values that depend on the
        registered specs only (dependency order, warm-ups, hashes, last-row plans). Live agents
        ask for them every bar; :meth:`register` forgets them all."""
        if key in self._derived:
            return self._derived[key]  # type: ignore[no-any-return]
        out = compute()
        self._derived[key] = out
        return out

    def __contains__(self, name: object) -> bool:
        return name in self._specs

    def __len__(self) -> int:
        return len(self._specs)

    def get(self, name: str) -> FeatureSpec:
        try:
            return self._specs[name]
        except KeyError:
            raise DataError(
                f"unknown feature {name!r}; registered: {sorted(self._specs)[:20]}..."
            ) from None

    def names(self, *, group: str | None = None) -> list[str]:
        """Registered names in registration order (optionally one group)."""
        return [n for n, s in self._specs.items() if group is None or s.group == group]

    def available(self, bars: pd.DataFrame | None = None) -> list[str]:
        """Names whose package is importable and whose required bar columns are present."""
        out = []
        for n, s in self._specs.items():
            if not s.is_available():
                continue
            if bars is not None and any(
                c not in bars.columns or bool(bars[c].isna().any()) for c in s.requires
            ):
                continue
            if all(d in out for d in s.depends_on):
                out.append(n)
        return out

    def resolve(self, names: Iterable[str]) -> list[FeatureSpec]:
        """Specs for ``names`` plus their dependencies, dependencies first."""
        wanted = tuple(names)
        return list(self.derived(("resolve", wanted), lambda: tuple(self._resolve(wanted))))

    def _resolve(self, names: tuple[str, ...]) -> list[FeatureSpec]:
        order: list[FeatureSpec] = []
        seen: set[str] = set()

        def visit(n: str, stack: tuple[str, ...]) -> None:
            if n in seen:
                return
            if n in stack:
                raise DataError(f"feature dependency cycle: {' -> '.join((*stack, n))}")
            spec = self.get(n)
            for d in spec.depends_on:
                visit(d, (*stack, n))
            seen.add(n)
            order.append(spec)

        for n in names:
            visit(n, ())
        return order

    def warmup(self, name: str) -> int:
        """Effective warm-up: the feature's own plus the longest of its dependencies'."""
        return self.derived(("warmup", name), lambda: self._warmup(name))

    def _warmup(self, name: str) -> int:
        spec = self.get(name)
        return spec.warmup_bars + max((self.warmup(d) for d in spec.depends_on), default=0)

    def feature_hash(self, names: Iterable[str]) -> str:
        """SHA-256 (16 hex) of the identities of ``names`` and their dependencies, in order.

        Computed once per registry state and names (live agents ask every bar).
        """
        wanted = tuple(names)
        return self.derived(("hash", wanted), lambda: self._hash(wanted))

    def _hash(self, wanted: tuple[str, ...]) -> str:
        ids = [s.identity() for s in self.resolve(wanted)]
        payload = json.dumps({"features": list(wanted), "specs": ids}, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


__all__ = ["FeatureFn", "FeatureOutput", "FeatureRegistry", "FeatureSpec", "LastFn"]
