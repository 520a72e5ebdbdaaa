"""The three causality audits on every registered feature, on real Binance 1m data (DESIGN §3).

Look-ahead and repaint run on BTCUSDT spot 1m (3 days, with taker flow); the recursive audit needs
history longer than the longest warm-up (the 1d HTF features), so it runs on FILUSDT 1m (USD-M,
first 12,000 bars of Aug 2023). Each audit also catches a leaky feature planted on purpose.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from tests.conftest import load_shared_bars
from tradequorum.core.causality import audit_lookahead, audit_recursive, audit_repaint
from tradequorum.features import (
    FeatureRegistry,
    FeatureSpec,
    build_feature_matrix,
    default_registry,
)

BTC = "binance-spot-1m-btc-eth-taker-2025-10/BTCUSDT_1m.csv"
FIL = "binance-um-1m-fil-near-2023h2/FILUSDT-1m-2023-08.csv"
REGISTRY = default_registry()
NAMES = REGISTRY.available()


@pytest.fixture(scope="module")
def btc() -> pd.DataFrame:
    return load_shared_bars(BTC)


@pytest.fixture(scope="module")
def fil() -> pd.DataFrame:
    return load_shared_bars(FIL, nrows=12_000)


def _fn(reg: FeatureRegistry, name: str) -> Callable[[pd.DataFrame], pd.DataFrame]:
    return lambda b: build_feature_matrix(b, reg, [name])


@pytest.mark.parametrize("name", NAMES)
def test_feature_lookahead_on_real_data_passes(btc: pd.DataFrame, name: str) -> None:
    # min_bars=3: the SMC analysis needs 3 bars before it reports anything
    audit_lookahead(_fn(REGISTRY, name), btc, name=name, n_points=12, min_bars=3).raise_if_failed()


@pytest.mark.parametrize("name", NAMES)
def test_feature_recursive_on_real_data_passes(fil: pd.DataFrame, name: str) -> None:
    warmup = REGISTRY.warmup(name)
    starts = [k for k in (500, 1500) if k + warmup < len(fil) - 100]
    rep = audit_recursive(_fn(REGISTRY, name), fil, warmup=warmup, name=name, starts=starts)
    rep.raise_if_failed()


@pytest.mark.parametrize("name", NAMES)
def test_feature_repaint_on_real_data_passes(btc: pd.DataFrame, name: str) -> None:
    n = len(btc)
    audit_repaint(_fn(REGISTRY, name), btc, name=name, start=n - 60, step=3).raise_if_failed()


def test_feature_matrix_truncation_on_real_data_matches_full(btc: pd.DataFrame) -> None:
    fn = lambda b: build_feature_matrix(b, REGISTRY, NAMES)  # noqa: E731
    rep = audit_lookahead(fn, btc, name="matrix", n_points=8, min_bars=3)
    assert rep.comparisons > 8 * len(NAMES)
    rep.raise_if_failed()


# --- planted leaks: each audit must catch one -------------------------------------------------


def _leaky_registry(name: str, fn: Callable[[pd.DataFrame], np.ndarray]) -> FeatureRegistry:
    reg = FeatureRegistry()
    reg.register(FeatureSpec(name, lambda b, d, p: fn(b), warmup_bars=10))
    return reg


def test_lookahead_audit_on_next_bar_close_feature_fails(btc: pd.DataFrame) -> None:
    reg = _leaky_registry("next_close", lambda b: b["close"].shift(-1).to_numpy())
    rep = audit_lookahead(_fn(reg, "next_close"), btc, n_points=6)
    assert not rep.passed and rep.first is not None
    assert rep.first.column == "next_close"


def test_recursive_audit_on_cumulative_from_start_feature_fails(fil: pd.DataFrame) -> None:
    reg = _leaky_registry("drift", lambda b: np.log(b["close"].to_numpy() / b["close"].iat[0]))
    fn = _fn(reg, "drift")
    assert audit_lookahead(fn, fil.iloc[:2000], n_points=6).passed  # causal, but not recursive
    rep = audit_recursive(fn, fil, warmup=10, starts=[500])
    assert not rep.passed and rep.first is not None and rep.first.position == 510


def test_repaint_audit_on_full_file_demeaned_feature_fails(btc: pd.DataFrame) -> None:
    reg = _leaky_registry("demeaned", lambda b: (b["close"] - b["close"].mean()).to_numpy())
    rep = audit_repaint(_fn(reg, "demeaned"), btc, start=len(btc) - 30)
    assert not rep.passed and rep.differing_values > 0


def test_htf_feature_naive_forward_fill_is_caught_by_lookahead(btc: pd.DataFrame) -> None:
    def naive(
        b: pd.DataFrame,
    ) -> np.ndarray:  # the classic leak: stamp the hour's close on its open
        hourly = b["close"].resample("1h").last()
        return hourly.reindex(b.index, method="ffill").to_numpy()

    rep = audit_lookahead(_fn(_leaky_registry("naive_1h", naive), "naive_1h"), btc, n_points=10)
    assert not rep.passed
