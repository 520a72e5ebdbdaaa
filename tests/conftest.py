"""Shared fixtures: the real data folder, a seeded bar generator and a hypothesis OHLCV strategy."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=30, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

SHARED_DATA = Path(
    os.environ.get("QUORUM_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)


def shared_file(relative: str) -> Path:
    """Path of a file in ../shared/data, or skip the test with the reason if it is absent."""
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"shared data file absent: {path}")
    return path


def make_bars(
    n: int = 2000,
    *,
    seed: int = 0,
    start: str = "2024-01-01",
    freq: str = "1min",
    taker: bool = True,
) -> pd.DataFrame:
    """Seeded random-walk 1m bars obeying the schema (consistent high/low, taker <= volume)."""
    rng = np.random.default_rng(seed)
    ret = rng.standard_t(4, n) * 0.0008
    close = 30000.0 * np.exp(np.cumsum(ret))
    open_ = np.concatenate([[30000.0], close[:-1]])
    span = np.abs(rng.normal(0, 0.0006, n)) * close
    high = np.maximum(open_, close) + span * rng.random(n)
    low = np.minimum(open_, close) - span * rng.random(n)
    volume = rng.lognormal(2.0, 0.6, n)
    idx = pd.date_range(start, periods=n, freq=freq, tz="UTC")
    df = pd.DataFrame(
        {"open": open_, "high": high, "low": low, "close": close, "volume": volume}, index=idx
    )
    if taker:
        share = np.clip(0.5 + 20 * ret + rng.normal(0, 0.05, n), 0.0, 1.0)
        df["taker_buy_volume"] = volume * share
        df["trades"] = np.floor(volume * 30).astype(np.float64)
    return df


@pytest.fixture
def bars() -> pd.DataFrame:
    return make_bars()


def load_shared_bars(relative: str, *, nrows: int | None = None) -> pd.DataFrame:
    """Load a shared bar file into the bar schema with the project's own loader (skips if absent)."""
    from tradequorum.data import load_file

    bars = load_file(shared_file(relative))
    return bars.iloc[:nrows] if nrows else bars


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite tests/golden/*.json from the current results",
    )
