"""A backtest run as JSON: what was run, on which data, its metrics, equity curve and trades."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from tradequorum.backtest.engine import BacktestResult, EngineSettings
from tradequorum.backtest.metrics import Metrics


class TradeRow(BaseModel):
    model_config = ConfigDict(extra="forbid")
    symbol: str
    entry_time: str
    exit_time: str
    direction: int
    units: float
    entry_price: float
    exit_price: float
    pnl: float
    fees: float
    reason: str
    ret: float


class BacktestRecord(BaseModel):
    """The JSON record of one backtest (``quorum backtest --json``; input of ``quorum report``)."""

    model_config = ConfigDict(extra="forbid")
    kind: str = "backtest"
    strategy: str
    params: dict[str, Any]
    symbol: str
    timeframe: str
    calendar: str
    data_file: str | None
    data_fingerprint: str
    settings: dict[str, Any]
    metrics: Metrics
    times: list[str]
    equity: list[float]
    trades: list[TradeRow]


def trade_rows(trades: pd.DataFrame) -> list[TradeRow]:
    """Engine trades as JSON rows (times ISO, floats finite)."""
    rows = []
    for t in trades.to_dict("records"):
        rows.append(
            TradeRow(
                symbol=str(t["symbol"]),
                entry_time=pd.Timestamp(t["entry_time"]).isoformat(),
                exit_time=pd.Timestamp(t["exit_time"]).isoformat(),
                direction=int(t["direction"]),
                units=float(t["units"]),
                entry_price=float(t["entry_price"]),
                exit_price=float(t["exit_price"]),
                pnl=float(t["pnl"]),
                fees=float(t["fees"]),
                reason=str(t["reason"]),
                ret=float(t["return"]),
            )
        )
    return rows


def make_record(
    result: BacktestResult,
    metrics: Metrics,
    *,
    strategy: str,
    params: dict[str, Any],
    settings: EngineSettings,
    timeframe: str,
    calendar: str,
    data_fingerprint: str,
    data_file: str | None = None,
) -> BacktestRecord:
    from dataclasses import asdict

    return BacktestRecord(
        strategy=strategy,
        params=params,
        symbol=",".join(result.symbols),
        timeframe=timeframe,
        calendar=calendar,
        data_file=data_file,
        data_fingerprint=data_fingerprint,
        settings=asdict(settings),
        metrics=metrics,
        times=[t.isoformat() for t in result.index],
        equity=[float(x) for x in np.asarray(result.equity)],
        trades=trade_rows(result.trades),
    )


__all__ = ["BacktestRecord", "TradeRow", "make_record", "trade_rows"]
