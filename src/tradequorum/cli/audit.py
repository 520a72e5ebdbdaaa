"""``quorum audit lookahead | recursive | repaint --file F``: the causality audits of DESIGN §3.

Runs :mod:`tradequorum.core.causality` over every registered feature (``--target features``), the
SMC and microstructure outputs and signals, the analysts' signals (``signals``: SMC,
microstructure and, with ``--home``, the production ML model) and any user code named by
``--plugin module:function``. A plugin function either returns feature specs (a ``FeatureSpec``,
a list of them or a ``FeatureRegistry``: user-added features) or is itself the analysis
``fn(bars) -> DataFrame | Series`` (an external agent's output), with an optional
``warmup_bars`` attribute. Each failure is printed with the first bar where values differ; the
exit code is 1 when any audit fails.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from tradequorum.config.settings import Settings
from tradequorum.core.causality import (
    AuditReport,
    audit_lookahead,
    audit_recursive,
    audit_repaint,
)
from tradequorum.core.errors import ConfigError
from tradequorum.features import FeatureRegistry, FeatureSpec, build_feature_matrix

TARGETS = ("features", "smc", "microstructure", "signals", "all", "none")


@dataclass(frozen=True, slots=True)
class Audited:
    """One audited function: its name, the function and its declared warm-up (bars)."""

    name: str
    fn: Callable[[pd.DataFrame], Any]
    warmup: int


def _feature(reg: FeatureRegistry, name: str, prefix: str = "feature") -> Audited:
    return Audited(
        f"{prefix}:{name}", lambda b: build_feature_matrix(b, reg, [name]), reg.warmup(name)
    )


def _registry(settings: Settings, timeframe: str) -> FeatureRegistry:
    from tradequorum.agents.feature_engineer import registry_for

    return registry_for(settings, timeframe)


def _smc(settings: Settings, timeframe: str) -> list[Audited]:
    from tradequorum.smc.features import warmup_bars
    from tradequorum.smc.signals import compute_signal_frame

    cfg = settings.smc
    w = warmup_bars(cfg, timeframe)
    return [
        _feature(_registry(settings, timeframe), "smc", "smc"),
        Audited("smc:signals", lambda b: compute_signal_frame(b, cfg, timeframe=timeframe), w),
    ]


def _micro(settings: Settings, timeframe: str) -> list[Audited]:
    from tradequorum.microstructure.features import warmup_bars
    from tradequorum.microstructure.signals import compute_signal_frame

    cfg = settings.microstructure
    return [
        _feature(_registry(settings, timeframe), "microstructure", "microstructure"),
        Audited("microstructure:signals", lambda b: compute_signal_frame(b, cfg), warmup_bars(cfg)),
    ]


def _ml(settings: Settings, timeframe: str) -> list[Audited]:
    from tradequorum.ml.registry import ModelRegistry
    from tradequorum.ml.signals import compute_signal_frame
    from tradequorum.state.layout import HomeLayout

    model = ModelRegistry(HomeLayout(settings.home_path)).production()
    if model is None:
        return []
    reg = _registry(settings, timeframe)
    warm = model.meta.warmup_bars + int(model.meta.label.get("vol_window_bars", 0))
    fn = lambda b: compute_signal_frame(b, model, settings.ml, registry=reg)  # noqa: E731
    return [Audited(f"ml_model:signals ({model.version})", fn, warm)]


def _takes_bars(fn: Callable[..., Any]) -> bool:
    """True for an analysis function ``fn(bars)`` (one required positional parameter)."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    required = [
        p
        for p in params
        if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    return len(required) >= 1


def load_plugin(spec: str, timeframe: str, settings: Settings) -> list[Audited]:
    """``module:function`` -> audited items (feature specs, a registry, or an analysis function)."""
    module, _, attr = spec.partition(":")
    if not module or not attr:
        raise ConfigError(f"--plugin must be module:function, got {spec!r}")
    try:
        fn = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"cannot load plugin {spec!r}: {exc}") from exc
    if callable(fn) and _takes_bars(fn):
        return [Audited(f"plugin:{spec}", fn, int(getattr(fn, "warmup_bars", 0)))]
    out = fn() if callable(fn) else fn
    if isinstance(out, FeatureSpec):
        out = [out]
    if isinstance(out, list) and all(isinstance(s, FeatureSpec) for s in out):
        reg = _registry(settings, timeframe)
        for s in out:
            reg.register(s, replace=True)
        return [_feature(reg, s.name, "plugin") for s in out]
    if isinstance(out, FeatureRegistry):
        return [_feature(out, n, "plugin") for n in out.names()]
    return [Audited(f"plugin:{spec}", fn, 0)]


def collect(
    target: str, settings: Settings, timeframe: str, plugins: list[str], bars: pd.DataFrame
) -> list[Audited]:
    """Everything to audit for ``target`` (features available for ``bars``) plus the plugins."""
    items: list[Audited] = []
    if target in ("features", "all"):
        reg = _registry(settings, timeframe)
        items += [_feature(reg, n) for n in reg.available(bars) if not reg.get(n).multi_output]
    if target in ("smc", "all"):
        items += _smc(settings, timeframe)
    if target in ("microstructure", "all"):
        items += _micro(settings, timeframe)
    if target in ("signals", "all"):
        items += [
            i
            for i in _smc(settings, timeframe) + _micro(settings, timeframe)
            if "signals" in i.name
        ]
        items += _ml(settings, timeframe)
    for p in plugins:
        items += load_plugin(p, timeframe, settings)
    unique: dict[str, Audited] = {}
    for it in items:
        unique.setdefault(it.name, it)
    return list(unique.values())


def run_audit(kind: str, item: Audited, bars: pd.DataFrame, repaint_bars: int) -> AuditReport:
    if kind == "lookahead":
        return audit_lookahead(item.fn, bars, name=item.name, n_points=12, min_bars=3)
    if kind == "recursive":
        return audit_recursive(item.fn, bars, warmup=item.warmup, name=item.name)
    return audit_repaint(item.fn, bars, name=item.name, start=max(3, len(bars) - repaint_bars))


def _run(
    kind: str,
    file: Path,
    target: str,
    plugins: list[str],
    home: Path | None,
    timeframe: str | None,
    repaint_bars: int,
) -> int:
    from tradequorum.cli.model import load_bars_file, settings_for

    if target not in TARGETS:
        raise typer.BadParameter(f"--target must be one of {TARGETS}")
    settings = settings_for(home)
    tf = timeframe or settings.timeframe
    bars = load_bars_file(file, None, tf)
    table = Table("audit", "name", "result", "comparisons", "differing")
    failures: list[AuditReport] = []
    skipped: list[AuditReport] = []
    for item in collect(target, settings, tf, plugins, bars):
        rep = run_audit(kind, item, bars, repaint_bars)
        skip = not rep.passed and rep.comparisons == 0 and bool(rep.notes)
        status = "[green]PASS[/]" if rep.passed else "[yellow]SKIP[/]" if skip else "[red]FAIL[/]"
        table.add_row(kind, item.name, status, str(rep.comparisons), str(rep.differing_values))
        if skip:
            skipped.append(rep)
        elif not rep.passed:
            failures.append(rep)
    con = Console()
    con.print(table)
    for rep in failures:
        con.print(f"[red]FAIL[/] {rep.summary()}", highlight=False)
        for note in rep.notes:
            con.print(f"  note: {note}")
    for rep in skipped:
        con.print(f"[yellow]SKIP[/] {rep.name}: {'; '.join(rep.notes)} (warm-up > file)")
    con.print(f"{len(failures)} failure(s), {len(skipped)} skipped, on {len(bars)} bars of {file}")
    return 1 if failures else 0


def register(app: typer.Typer) -> None:
    """Add ``quorum audit lookahead|recursive|repaint``."""
    audit_app = typer.Typer(help="Causality audits: look-ahead, recursive, repaint (DESIGN §3).")
    app.add_typer(audit_app, name="audit")

    def make(kind: str) -> None:
        @audit_app.command(kind)
        def _cmd(
            file: Path = typer.Option(..., "--file", help="bar file to audit on"),
            target: str = typer.Option("all", help="features|smc|microstructure|signals|all|none"),
            plugin: list[str] = typer.Option([], help="module:function of user features/agents"),
            home: Path | None = typer.Option(None, "--home", help="home (for the ML model)"),
            timeframe: str | None = typer.Option(None, help="bar timeframe (default: settings)"),
            repaint_bars: int = typer.Option(200, help="repaint: replay the last N bars"),
        ) -> None:
            code = _run(kind, file, target, plugin, home, timeframe, repaint_bars)
            raise typer.Exit(code)

        _cmd.__doc__ = f"Run the {kind} audit over the chosen targets and print every failure."

    for kind in ("lookahead", "recursive", "repaint"):
        make(kind)


__all__ = ["TARGETS", "Audited", "collect", "load_plugin", "register", "run_audit"]
