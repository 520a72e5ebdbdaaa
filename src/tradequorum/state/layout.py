"""The home folder layout of DESIGN §8 (the seed's paths), in one place."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class HomeLayout:
    root: Path

    # state/
    @property
    def state(self) -> Path:
        return self.root / "state"

    @property
    def coordinator_state(self) -> Path:
        return self.state / "system" / "coordinator_state.json"

    @property
    def active_workflow(self) -> Path:
        return self.state / "workflows" / "active_workflow.json"

    @property
    def decision_log(self) -> Path:
        return self.state / "decisions" / "decision_log.json"

    def signals(self, name: str) -> Path:
        """``state/signals/<name>.json`` (smc_signals, ml_signals, microstructure_signals, evaluated_signal)."""
        return self.state / "signals" / f"{name}.json"

    def risk(self, name: str) -> Path:
        """``state/risk/<name>.json`` (trade_approvals, risk_state, model_risk_assessment, daily_risk)."""
        return self.state / "risk" / f"{name}.json"

    def features(self, name: str) -> Path:
        return self.state / "features" / f"{name}.json"

    def data_state(self, name: str) -> Path:
        return self.state / "data" / f"{name}.json"

    @property
    def pending_execution(self) -> Path:
        return self.state / "trades" / "pending_execution.json"

    @property
    def journal(self) -> Path:
        return self.state / "journal.sqlite"

    # data, models, backtests, logs
    @property
    def store(self) -> Path:
        return self.root / "data" / "store"

    @property
    def quarantine(self) -> Path:
        return self.root / "data" / "quarantine"

    @property
    def training_dataset(self) -> Path:
        return self.root / "data" / "training" / "latest_dataset.parquet"

    @property
    def wfo_windows(self) -> Path:
        return self.root / "data" / "wfo" / "data_windows.json"

    @property
    def models(self) -> Path:
        return self.root / "models"

    @property
    def candidate_model(self) -> Path:
        return self.models / "candidate_model"

    @property
    def production_model(self) -> Path:
        return self.models / "production"

    @property
    def model_archive(self) -> Path:
        return self.models / "archive"

    @property
    def backtests(self) -> Path:
        return self.root / "backtests"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def notifications(self) -> Path:
        return self.logs / "notifications.jsonl"

    @property
    def workflows(self) -> Path:
        return self.root / "workflows"

    def directories(self) -> list[Path]:
        s = self.state
        return [
            s / "system",
            s / "workflows",
            s / "decisions",
            s / "signals",
            s / "risk",
            s / "features",
            s / "data",
            s / "trades",
            self.store,
            self.quarantine,
            self.root / "data" / "training",
            self.root / "data" / "wfo",
            self.candidate_model,
            self.production_model,
            self.model_archive,
            self.backtests,
            self.logs,
            self.workflows,
        ]

    def create(self) -> None:
        for d in self.directories():
            d.mkdir(parents=True, exist_ok=True)


__all__ = ["HomeLayout"]
